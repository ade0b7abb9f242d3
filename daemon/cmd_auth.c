/*
 * cmd_auth — AUTH token: sign a connection in.
 *
 * The token is hashed (SHA-256) and compared with every token of the ACL
 * file in constant time (acl_file.c).  Failures count against the client's
 * address: after auth_max_failures within auth_lockout, the address may not
 * try again for auth_lockout — on any connection, with any token — so a
 * guesser gets a handful of tries a minute.  A success forgives nothing:
 * the failures were someone's guesses, and a valid token in between (the
 * guesser's own, or a colleague's at the same address) says nothing about
 * them.
 */
#include "acl.h"
#include "auth.h"
#include "cmd.h"
#include "conn.h"
#include "throttle.h"
#include "log.h"
#include "server.h"
#include "store.h"

#include <time.h>

int cmd_auth(struct cmd_ctx *ctx)
{
	struct server *srv = ctx->srv;
	struct conn *c = ctx->conn;
	const struct throttle_addr *peer = conn_peer(c);
	time_t now = (time_t)(ctx->now_ms / 1000);
	uint64_t wait = throttle_auth_wait(srv->throttle, peer, now);
	if (wait) {
		resp_error(ctx->out, "WRONGPASS", "too many failed AUTH attempts from your "
			   "address; try again in %llu s", (unsigned long long)wait);
		return 0;
	}
	struct store_txn *t;
	struct principal p;
	char err[256];
	int rc = cmd_read_txn(ctx, &t);
	if (rc)
		return rc;
	rc = auth_token(srv->auth, t, ctx->argv[1].ptr, ctx->argv[1].len, &p, err, sizeof err);
	if (rc == -1) {
		throttle_auth_failed(srv->throttle, peer, now);
		log_info("conn %llu %s: AUTH failed: %s", (unsigned long long)conn_id(c),
			 conn_addr(c), err);
		resp_error(ctx->out, "WRONGPASS", "AUTH: %s", err);
		return 0;
	}
	if (rc == -2) {
		log_warn("conn %llu %s: AUTH: %s (fix acl_file)", (unsigned long long)conn_id(c),
			 conn_addr(c), err);
		resp_error(ctx->out, "ERR", "AUTH: %s", err);
		return 0;
	}
	if (rc)
		return rc;
	conn_set_principal(c, &p);
	resp_simple(ctx->out, "OK");
	return 0;
}
