/*
 * cmd_audit — AUDIT VERIFY [FROM seq] [TO seq]: recompute the event log's
 * hash chain (audit.h) and name the first broken link.  Read only.
 */
#include "audit.h"
#include "cmd.h"
#include "parse.h"

static void kv_seq(struct resp_out *o, const char *k, uint64_t v)
{
	resp_cstr(o, k);
	if (v)
		resp_int(o, (int64_t)v);
	else
		resp_null(o);
}

enum cmd_status cmd_audit_verify(struct cmd_ctx *ctx)
{
	const struct cmd *c = ctx->cmd;
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
