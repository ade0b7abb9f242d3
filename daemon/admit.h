/*
 * admit — how a request becomes a command, the same for every protocol
 * (RESP connections, conn.c; HTTP requests, http.c): look its command up,
 * stamp and parse it, and decide what becomes of it — a read run where it
 * arrived, a write for the writer, or refused with a reply.
 *
 * The checks, in order: the command and its arity (an unknown command is
 * admitted as a read, whose error the command layer gives); for a client
 * that is not trusted (principal non-NULL), its request rate and its role;
 * the words, by the command's grammar; then, for a client that is not
 * trusted, the role matrix against the parsed command (acting site,
 * records).  The role comes before the words, so that a client not signed
 * in learns nothing but "sign in".
 */
#ifndef YIMA_ADMIT_H
#define YIMA_ADMIT_H

#include <stdint.h>

#include "resp.h"

struct cmd;
struct cmd_ctx;
struct command_spec;
struct config;
struct principal;
struct throttle_rate;

enum admission { ADMIT_READ, ADMIT_WRITE, ADMIT_REFUSED };

/* A refused request's reply: -CODE message. */
struct refusal {
	char code[12];		/* ERR, NOAUTH, NOPERM, RATELIMIT, STORE */
	char msg[400];
};

/* Who sent the request, as admission sees it. */
struct admit_client {
	const struct config *cfg;
	const struct principal *who;	/* NULL: trusted (local) */
	struct throttle_rate *rate;	/* the principal's or address's; NULL: none */
	const char *rate_name;		/* how a rate refusal names the client */
	/* Why the connection's client certificate did not sign it in (a
	 * name that is no ACL entry and no site): NULL when it sent none or
	 * it did.  A NOAUTH refusal says it, so the client learns why. */
	const char *cert_refused;
};

/* Log a NOPERM refusal with who was refused and from where: what an
 * operator needs to tell a misconfigured till from a probe.  proto is
 * "conn" or "http"; who NULL is the local principal. */
void admit_log_noperm(const char *proto, unsigned long long id, const char *addr,
		      const struct principal *who, const struct refusal *r);

/* Add why a client certificate did not sign in (NULL: nothing) to a
 * NOAUTH refusal's message. */
void admit_note_certificate(struct refusal *r, const char *cert_refused);

/*
 * The rate record that limits a principal's requests (NULL: none): per
 * address for a client that has not signed in — more connections buy a
 * stranger no more requests; the record lives while a connection is
 * counted against the address, so `peer` is NULL when none is — and per
 * role and name for one that has.  A trusted client (NULL) has none.
 */
struct throttle;
struct throttle_addr;
struct throttle_rate *admit_rate(struct throttle *l, const struct config *cfg,
				 const struct principal *who, const struct throttle_addr *peer);

/*
 * Sign in with a token (AUTH, or an HTTP bearer token) sent from peer at
 * now (seconds of yimad's clock), the same for both protocols: the
 * address's lockout first (throttle.h: a lockout refuses the tokens the
 * address has not signed in with before, unread), then the token, its
 * failure counted against the address or its success remembered for it.
 * Returns 0 with *res (and *p for ADMIT_TOKEN_OK; why for the others), or
 * a store error code.
 */
enum admit_token_result {
	ADMIT_TOKEN_OK,
	ADMIT_TOKEN_WRONG,		/* no such token */
	ADMIT_TOKEN_LOCKED,		/* not tried: the address is locked out */
	ADMIT_TOKEN_MISCONFIGURED,	/* its ACL entry names no site */
};
struct auth;
struct store_txn;
int admit_token(struct throttle *l, struct auth *a, struct store_txn *t,
		const struct throttle_addr *peer, const char *token, size_t len, int64_t now,
		struct principal *p, enum admit_token_result *res, char *why, size_t whylen);

/*
 * Admit argv (argc words, the command's name first) at now_ms.  cmd is
 * stamped in every case (cmd_free it); *specp is the command, or NULL when
 * there is none.  ctx is the request's context, for the role matrix's
 * reads.  ADMIT_REFUSED fills *r.
 */
enum admission admit(const struct admit_client *client, struct cmd_ctx *ctx, int64_t now_ms,
		     int argc, struct resp_arg *argv, const struct command_spec **specp,
		     struct cmd *cmd, struct refusal *r);

#endif
