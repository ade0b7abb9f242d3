/*
 * cmd_audit — AUDIT VERIFY [FROM seq] [TO seq]: recompute the event log's
 * hash chain (audit.h) and name the first broken link.  Read only.
 */
#include "args.h"
#include "audit.h"
#include "cmd.h"

#include <stdio.h>

/* A sequence number: 1 to 2^48-1. */
static int parse_seq(const struct resp_arg *a, const char *what, uint64_t *out,
		     char *err, size_t errlen)
{
	uint64_t v = 0;
	bool ok = a->len > 0 && a->len <= 15;
	for (size_t i = 0; ok && i < a->len; i++) {
		ok = a->ptr[i] >= '0' && a->ptr[i] <= '9';
		v = v * 10 + (uint64_t)(a->ptr[i] - '0');
	}
	if (!ok || v == 0 || v >= (1ull << 48)) {
		snprintf(err, errlen, "%s '%.20s' is not an event sequence number (1 or more)",
			 what, a->ptr);
		return -1;
	}
	*out = v;
	return 0;
}

static void kv_seq(struct resp_out *o, const char *k, uint64_t v)
{
	resp_cstr(o, k);
	if (v)
		resp_int(o, (int64_t)v);
	else
		resp_null(o);
}

int cmd_audit_verify(struct cmd_ctx *ctx)
{
	struct args_opt o[2] = { { "FROM", 0 }, { "TO", 0 } };
	char err[300], hex[2 * AUDIT_HASH_LEN + 1];
	uint64_t from = 1, to = 0;
	if (args_options(ctx->argc, ctx->argv, 2, o, 2, err, sizeof err) != 0 ||
	    (o[0].val && parse_seq(o[0].val, "FROM", &from, err, sizeof err) != 0) ||
	    (o[1].val && parse_seq(o[1].val, "TO", &to, err, sizeof err) != 0))
		return cmd_reject(ctx, "%s", err);
	if (o[1].val && to < from)
		return cmd_reject(ctx, "TO %llu is before FROM %llu", (unsigned long long)to,
				  (unsigned long long)from);
	struct store_txn *t;
	struct audit_result r;
	int rc = cmd_read_txn(ctx, &t);
	if (rc == 0)
		rc = audit_verify(t, from, to, &r);
	if (rc)
		return rc;
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
	return 0;
}
