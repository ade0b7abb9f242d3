/*
 * conn_session — a connection as the commands see it (session.h).
 *
 * AUTH signs the connection in here, beside the connection it signs in,
 * by the sign-in every protocol shares (admit_token): the token is hashed
 * (SHA-256) and compared with every token of the ACL file in constant time
 * (acl_file.c), and wrong tokens count against the client's address
 * (throttle.h: a lockout refuses tokens the address has not signed in with
 * before, so a guesser gets a handful of tries a minute and the other tills
 * behind its NAT keep theirs).
 */
#include "conn_session.h"
#include "acl.h"
#include "admit.h"
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
	struct principal p;
	enum admit_token_result res;
	char why[256];
	int rc = admit_token(srv->throttle, srv->auth, t, conn_peer(c), token->ptr, token->len,
			     now_ms / 1000, &p, &res, why, sizeof why);
	if (rc)
		return rc;
	switch (res) {
	case ADMIT_TOKEN_OK:
		break;
	case ADMIT_TOKEN_LOCKED:
		*how = SESSION_WRONGPASS;
		snprintf(err, errlen, "AUTH: %s", why);
		return 0;
	case ADMIT_TOKEN_WRONG:
		metrics_auth_failure();
		log_info("conn %llu %s: AUTH failed: %s", (unsigned long long)conn_id(c),
			 conn_addr(c), why);
		*how = SESSION_WRONGPASS;
		snprintf(err, errlen, "AUTH: %s", why);
		return 0;
	case ADMIT_TOKEN_MISCONFIGURED:
	default:
		log_warn("conn %llu %s: AUTH: %s (fix acl_file)", (unsigned long long)conn_id(c),
			 conn_addr(c), why);
		*how = SESSION_MISCONFIGURED;
		snprintf(err, errlen, "AUTH: %s", why);
		return 0;
	}
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
