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
#include "parse.h"
#include "server.h"
#include "store.h"

#include <time.h>

/* AUTH token */
enum cmd_status cmd_auth(struct cmd_ctx *ctx)
{
	struct server *srv = ctx->srv;
	struct conn *c = ctx->conn;
	const struct resp_arg *token = &ctx->cmd->argv[1];
	const struct throttle_addr *peer = conn_peer(c);
	time_t now = (time_t)(ctx->cmd->time_ms / 1000);
	uint64_t wait = throttle_auth_wait(srv->throttle, peer, now);
	if (wait) {
		resp_error(ctx->out, "WRONGPASS", "too many failed AUTH attempts from your "
			   "address; try again in %llu s", (unsigned long long)wait);
		return CMD_REFUSED;
	}
	struct store_txn *t;
	struct principal p;
	char err[256];
	int rc = cmd_read_txn(ctx, &t);
	if (rc)
		return cmd_failed(ctx, rc);
	rc = auth_token(srv->auth, t, token->ptr, token->len, &p, err, sizeof err);
	if (rc == -1) {
		throttle_auth_failed(srv->throttle, peer, now);
		log_info("conn %llu %s: AUTH failed: %s", (unsigned long long)conn_id(c),
			 conn_addr(c), err);
		resp_error(ctx->out, "WRONGPASS", "AUTH: %s", err);
		return CMD_REFUSED;
	}
	if (rc == -2) {
		log_warn("conn %llu %s: AUTH: %s (fix acl_file)", (unsigned long long)conn_id(c),
			 conn_addr(c), err);
		resp_error(ctx->out, "ERR", "AUTH: %s", err);
		return CMD_REFUSED;
	}
	if (rc)
		return cmd_failed(ctx, rc);
	conn_set_principal(c, &p);
	resp_simple(ctx->out, "OK");
	return CMD_DONE;
}
