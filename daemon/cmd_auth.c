/*
 * cmd_auth — AUTH token: sign a connection in.  The checks (the token, the
 * failures counted against the client's address) belong to the connection
 * (conn_session.c); this says how it went.
 */
#include "cmd.h"
#include "parse.h"
#include "session.h"

/* AUTH token */
enum cmd_status cmd_auth(struct cmd_ctx *ctx)
{
	const struct session *ss = ctx->session;
	struct store_txn *t;
	enum session_auth how;
	char err[300];
	int rc = cmd_read_txn(ctx, &t);
	if (rc == 0)
		rc = ss->ops->sign_in(ss->self, &ctx->cmd->argv[1], ctx->cmd->time_ms, t, &how,
				      err, sizeof err);
	if (rc)
		return cmd_failed(ctx, rc);
	switch (how) {
	case SESSION_SIGNED_IN:
		resp_simple(ctx->out, "OK");
		return CMD_DONE;
	case SESSION_WRONGPASS:
		resp_error(ctx->out, "WRONGPASS", "%s", err);
		return CMD_REFUSED;
	case SESSION_MISCONFIGURED:
	default:
		resp_error(ctx->out, "ERR", "%s", err);
		return CMD_REFUSED;
	}
}
