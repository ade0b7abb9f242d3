/*
 * cmd_alerts — ALERTS [SINCE t] [SITE s] [LIMIT n]: stored alerts, newest
 * first (gathered by alert_list.c).  Read only.
 */
#include "alert_list.h"
#include "cmd.h"

enum cmd_status cmd_alerts(struct cmd_ctx *ctx)
{
	struct store_txn *t;
	struct alert_list_outcome lo = { 0 };
	int rc = cmd_read_txn(ctx, &t);
	if (rc)
		return cmd_failed(ctx, rc);
	enum cmd_status st = alert_list_recent(t, ctx->cfg, ctx->cmd, &lo);
	if ((st = cmd_outcome(ctx, st, &lo.o)) == CMD_DONE) {
		resp_array(ctx->out, lo.n);
		for (uint32_t i = 0; i < lo.n; i++)
			alert_list_reply_row(ctx->out, &lo.row[i]);
	}
	alert_list_free(&lo);
	return st;
}
