/*
 * cmd_audit — AUDIT VERIFY [FROM seq] [TO seq]: recompute the event log's
 * hash chain (audit.h) and name the first broken link.  AUDIT VERIFY
 * STATE: replay the log into a scratch store and compare it with the
 * store (audit_state.h).  Read only.
 */
#include "audit.h"
#include "audit_state.h"
#include "cmd.h"
#include "parse.h"
#include "store.h"

static void kv_seq(struct resp_out *o, const char *k, uint64_t v)
{
	resp_cstr(o, k);
	if (v)
		resp_int(o, (int64_t)v);
	else
		resp_null(o);
}

static void kv_text(struct resp_out *o, const char *k, const char *v)
{
	resp_cstr(o, k);
	if (v && v[0])
		resp_cstr(o, v);
	else
		resp_null(o);
}

/* AUDIT VERIFY STATE */
static enum cmd_status verify_state(struct cmd_ctx *ctx)
{
	struct audit_state_result r;
	char err[800];
	if (ctx->reader == NULL)
		return cmd_refuse(ctx, "STATE runs on a network thread only");
	cmd_read_done(ctx);	/* audit_state reads through this thread's reader */
	if (audit_state(ctx->cfg, ctx->reader, &r, err, sizeof err) != 0)
		return cmd_refuse(ctx, "%s", err);
	if (r.uncovered && r.events_before)
		return cmd_refuse(ctx, "the log does not cover events 1..%llu, nor the sites and "
				  "products stored with them: the store was upgraded from before "
				  "the log, which holds nothing written before; AUDIT VERIFY checks "
				  "the events", (unsigned long long)r.events_before);
	if (r.uncovered)
		return cmd_refuse(ctx, "the log does not cover the sites and products stored "
				  "before it: the store was upgraded from before the log, which "
				  "holds nothing written before");
	resp_map(ctx->out, 7);
	resp_cstr(ctx->out, "ok");
	resp_bool(ctx->out, r.ok);
	resp_cstr(ctx->out, "entries");
	resp_int(ctx->out, (int64_t)r.entries);
	resp_cstr(ctx->out, "records");
	resp_int(ctx->out, (int64_t)r.records);
	kv_text(ctx->out, "db", r.differs ? store_db_name(r.diff.db) : NULL);
	kv_text(ctx->out, "key", r.differs ? r.diff.key : NULL);
	kv_text(ctx->out, "error", r.ok ? NULL : r.error);
	resp_cstr(ctx->out, "ms");
	resp_int(ctx->out, (int64_t)r.ms);
	return CMD_DONE;
}

enum cmd_status cmd_audit_verify(struct cmd_ctx *ctx)
{
	const struct cmd *c = ctx->cmd;
	if (cmd_has(c, OPT_STATE)) {
		if (cmd_has(c, OPT_FROM) || cmd_has(c, OPT_TO))
			return cmd_refuse(ctx, "STATE checks the whole log: no FROM or TO");
		return verify_state(ctx);
	}
	char hex[2 * AUDIT_HASH_LEN + 1];
	uint64_t from = cmd_has(c, OPT_FROM) ? c->opt[OPT_FROM].v.seq : 1;
	uint64_t to = cmd_has(c, OPT_TO) ? c->opt[OPT_TO].v.seq : 0;
	if (cmd_has(c, OPT_TO) && to < from)
		return cmd_refuse(ctx, "TO %llu is before FROM %llu", (unsigned long long)to,
				  (unsigned long long)from);
	struct store_txn *t;
	struct audit_result r;
	int rc = cmd_read_txn(ctx, &t);
	if (rc == 0)
		rc = audit_verify(t, from, to, &r);
	if (rc)
		return cmd_failed(ctx, rc);
	audit_hex(r.head, hex);
	resp_map(ctx->out, 8);
	resp_cstr(ctx->out, "ok");
	resp_bool(ctx->out, r.broken == 0);
	resp_cstr(ctx->out, "from");
	resp_int(ctx->out, (int64_t)r.from);
	resp_cstr(ctx->out, "to");
	resp_int(ctx->out, (int64_t)r.to);
	resp_cstr(ctx->out, "checked");
	resp_int(ctx->out, (int64_t)r.checked);
	kv_seq(ctx->out, "broken", r.broken);
	resp_cstr(ctx->out, "error");
	if (r.broken)
		resp_cstr(ctx->out, r.why);
	else
		resp_null(ctx->out);
	kv_seq(ctx->out, "next", r.next);
	resp_cstr(ctx->out, "head_hash");
	resp_cstr(ctx->out, hex);
	return CMD_DONE;
}
