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

/* AUTH from a: seconds it must still wait (0: it may try now). */
uint64_t throttle_auth_wait(struct throttle *l, const struct throttle_addr *a, time_t now);
/* A failed AUTH; after auth_max_failures within auth_lockout (counted from
 * the first of them), a waits auth_lockout seconds.  A successful AUTH
 * forgives none of them: there is deliberately no throttle_auth_ok, or
 * anyone with one valid token could interleave it with guesses at others
 * and never be locked out. */
void throttle_auth_failed(struct throttle *l, const struct throttle_addr *a, time_t now);
/* Forget addresses with no connection and nothing held against them
 * (failures, a lockout, a request rate still in debt).  now: seconds of
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
