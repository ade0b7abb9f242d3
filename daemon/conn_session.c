/*
 * conn_session — a connection as the commands see it (session.h).
 *
 * AUTH's checks live here, beside the connection they sign in: the token is
 * hashed (SHA-256) and compared with every token of the ACL file in
 * constant time (acl_file.c).  Failures count against the client's address:
 * after auth_max_failures within auth_lockout, the address may not try
 * again for auth_lockout — on any connection, with any token — so a guesser
 * gets a handful of tries a minute.  A success forgives nothing: the
 * failures were someone's guesses, and a valid token in between (the
 * guesser's own, or a colleague's at the same address) says nothing about
 * them.
 */
#include "conn_session.h"
#include "acl.h"
#include "auth.h"
#include "conn.h"
#include "log.h"
#include "metrics.h"
#include "server.h"
#include "throttle.h"
#include "worker.h"

#include <stdio.h>
#include <time.h>

static uint64_t s_id(void *self)
{
	return conn_id(self);
}

static int s_proto(void *self)
{
	return conn_proto(self);
}

static void s_set_proto(void *self, int proto)
{
	conn_set_proto(self, proto);
}

static void s_set_name(void *self, const char *name)
{
	conn_set_name(self, name);
}

static void s_set_lib(void *self, bool version, const char *value)
{
	conn_set_lib(self, version, value);
}

static void s_client(void *self, struct session_client *out)
{
	conn_client(self, out);
}

static void s_close_after_reply(void *self)
{
	conn_close_after_reply(self);
}

static int s_sign_in(void *self, const struct resp_arg *token, int64_t now_ms,
		     struct store_txn *t, enum session_auth *how, char *err, size_t errlen)
{
	struct conn *c = self;
	struct server *srv = conn_server(c);
	const struct throttle_addr *peer = conn_peer(c);
	time_t now = (time_t)(now_ms / 1000);
	uint64_t wait = throttle_auth_wait(srv->throttle, peer, now);
	if (wait) {
		*how = SESSION_WRONGPASS;
		snprintf(err, errlen, "too many failed AUTH attempts from your address; try "
			 "again in %llu s", (unsigned long long)wait);
		return 0;
	}
	struct principal p;
	char why[256];
	int rc = auth_token(srv->auth, t, token->ptr, token->len, &p, why, sizeof why);
	if (rc == -1) {
		throttle_auth_failed(srv->throttle, peer, now);
		metrics_auth_failure();
		log_info("conn %llu %s: AUTH failed: %s", (unsigned long long)conn_id(c),
			 conn_addr(c), why);
		*how = SESSION_WRONGPASS;
		snprintf(err, errlen, "AUTH: %s", why);
		return 0;
	}
	if (rc == -2) {
		log_warn("conn %llu %s: AUTH: %s (fix acl_file)", (unsigned long long)conn_id(c),
			 conn_addr(c), why);
		*how = SESSION_MISCONFIGURED;
		snprintf(err, errlen, "AUTH: %s", why);
		return 0;
	}
	if (rc)
		return rc;
	conn_set_principal(c, &p);
	*how = SESSION_SIGNED_IN;
	return 0;
}

static void s_figures(void *self, struct session_figures *f)
{
	server_figures(conn_server(self), f);
}

static const struct session_ops conn_ops = {
	.id = s_id,
	.proto = s_proto,
	.set_proto = s_set_proto,
	.set_name = s_set_name,
	.set_lib = s_set_lib,
	.client = s_client,
	.close_after_reply = s_close_after_reply,
	.sign_in = s_sign_in,
	.figures = s_figures,
};

void conn_session(struct conn *c, struct session *s)
{
	s->self = c;
	s->ops = &conn_ops;
}
