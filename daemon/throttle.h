/*
 * throttle — what one client may take: connections per address, failed AUTH
 * attempts per address, and requests per second per principal (before
 * sign-in: per address).
 *
 * Threads: the listener counts connections in, workers count them out and
 * check AUTH and request rates; the address table is under one mutex
 * (touched per connection and per AUTH, not per request).  The request
 * rate is checked per request without a lock: each principal has one
 * rate record for the life of the process, updated with compare-and-swap.
 *
 * The rate is a token bucket of `rate_burst` tokens refilled at
 * `rate_limit` per second, kept as GCRA (the generic cell rate algorithm):
 * one timestamp, the "theoretical arrival time", instead of a count and a
 * refill time, so that one atomic word holds the whole state.
 */
#ifndef YIMA_THROTTLE_H
#define YIMA_THROTTLE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <time.h>

struct config;
struct throttle;

/* A client address, without its port. */
struct throttle_addr {
	uint8_t len;		/* 4 or 16; 0 = not an IP address */
	uint8_t ip[16];
};

struct throttle *throttle_new(const struct config *cfg);
void throttle_free(struct throttle *l);

void throttle_addr_of(const struct sockaddr *sa, socklen_t len, struct throttle_addr *a);
/* 127.0.0.0/8, ::1, or IPv4-mapped loopback. */
bool throttle_addr_loopback(const struct throttle_addr *a);

/* Count a connection from a; false (nothing counted) when a already has
 * max_clients_per_addr. */
bool throttle_conn_open(struct throttle *l, const struct throttle_addr *a);
void throttle_conn_close(struct throttle *l, const struct throttle_addr *a);

/*
 * Failed sign-ins (AUTH, HTTP bearer tokens).  A wrong token names no
 * principal, so what is counted is the address's wrong tokens, each
 * distinct one once (a till retrying its one stale token is one mistake,
 * not a guess a second): after auth_max_failures of them within
 * auth_lockout (counted from the first), the address is locked for
 * auth_lockout.  A lockout refuses, without looking at them, the tokens
 * the address has not signed in with before (a guess and a till switched
 * on during it cannot be told apart); a token that has signed in from the
 * address (the last AUTH_KNOWN_MAX, for a day) is always tried, so a
 * lockout never stops the tills at work behind one NAT, whatever the
 * guesses.  A guesser thus gets auth_max_failures tries at new tokens per
 * auth_lockout; the default (20) is far more distinct tokens than a
 * pharmacy's misconfigured tills make in a minute, and tokens are long
 * random secrets, so it bounds guessing without locking a new till out
 * after a few typos.  Success forgives nothing: a valid token in between
 * says nothing about the guesses.
 *
 * fp is a token's fingerprint (throttle_token_fp): a collision can only
 * make one wrong token count as another, or let a token be tried in a
 * lockout and fail, never sign anything in.
 */
#define AUTH_KNOWN_MAX 16
uint64_t throttle_token_fp(const uint8_t digest[32]);
/* May a token be tried from a now?  0: yes; else the seconds a must still
 * wait (a lockout refusing this token, which counts it as a guess). */
uint64_t throttle_auth_wait(struct throttle *l, const struct throttle_addr *a, uint64_t fp,
			    time_t now);
/* The token was tried and is wrong. */
void throttle_auth_failed(struct throttle *l, const struct throttle_addr *a, uint64_t fp,
			  time_t now);
/* The token signed in: remember it for a's lockouts. */
void throttle_auth_passed(struct throttle *l, const struct throttle_addr *a, uint64_t fp,
			  time_t now);
/* Forget addresses with no connection and nothing held against them
 * (failures, a lockout, a request rate still in debt) or for them (a
 * token that signed in within a day).  now: seconds of
 * yimad's clock, as for the rest. */
void throttle_sweep(struct throttle *l, time_t now);

/* The request rate of one principal, or of one address before sign-in. */
struct throttle_rate {
	_Atomic int64_t tat_us;		/* GCRA theoretical arrival time */
};
/* The rate record of the principal called `key` (stable for the life of
 * l; the same key gives the same record on every connection). */
struct throttle_rate *throttle_rate_of(struct throttle *l, const char *key);
/* The rate shared by the unauthenticated connections from a.  It lives in
 * a's entry, so it is valid only while the caller holds a connection of a
 * counted (throttle_conn_open); a's entry outlives its last connection
 * while the rate is in debt, so closing every connection and coming back
 * does not refill it. */
struct throttle_rate *throttle_addr_rate(struct throttle *l, const struct throttle_addr *a);
/* Take one request; false when over the limit (nothing taken). */
bool throttle_rate_take(struct throttle_rate *r, uint32_t per_second, uint32_t burst,
		      int64_t now_us);

#endif
