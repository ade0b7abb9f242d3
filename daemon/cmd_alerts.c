/*
 * cmd_alerts — ALERTS [SINCE t] [SITE s] [KIND k] [STATUS st] [LIMIT n]:
 * stored alerts, newest first (gathered by alert_list.c); ALERT SET: a
 * regulator's handling of one (alert_status.c).
 */
#include "alert_list.h"
#include "alert_status.h"
#include "args.h"
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

/* ALERT SET id [STATUS s] [CLASS c] [NOTE text]: {id, status, class, note} */
enum cmd_status cmd_alert_set(struct cmd_ctx *ctx)
{
	struct alert_set_outcome ao = { 0 };
	enum cmd_status st = alert_status_set(ctx->txn, ctx->cfg, ctx->cmd, &ao);
	if ((st = cmd_outcome(ctx, st, &ao.o)) != CMD_DONE)
		return st;
	const char *klass = alert_class_name(ao.st.klass);
	struct resp_out *o = ctx->out;
	resp_map(o, 4);
	resp_cstr(o, "id");
	resp_int(o, (int64_t)ao.id);
	resp_cstr(o, "status");
	resp_cstr(o, alert_state_name(ao.st.status));
	resp_cstr(o, "class");
	if (klass)
		resp_cstr(o, klass);
	else
		resp_null(o);
	resp_cstr(o, "note");
	resp_cstr(o, ao.st.note);
	return CMD_DONE;
}
