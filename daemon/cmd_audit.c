/*
 * cmd_audit — AUDIT VERIFY [FROM seq] [TO seq]: recompute the event log's
 * hash chain (audit.h) and name the first broken link.  AUDIT VERIFY
 * STATE: replay the log into a scratch store and compare it with the
 * store (audit_state.h).  Read only.
 */
#include "args.h"
#include "audit.h"
#include "audit_state.h"
#include "cmd.h"

#include <stdio.h>
#include <strings.h>

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

static void kv_text(struct resp_out *o, const char *k, const char *v)
{
	resp_cstr(o, k);
	if (v && v[0])
		resp_cstr(o, v);
	else
		resp_null(o);
}

/* AUDIT VERIFY STATE */
static int verify_state(struct cmd_ctx *ctx)
{
	struct audit_state_result r;
	char err[800];
	if (ctx->reader == NULL)
		return cmd_reject(ctx, "STATE runs on a network thread only");
	cmd_read_done(ctx);	/* audit_state reads through this thread's reader */
	if (audit_state(ctx->srv, ctx->reader, &r, err, sizeof err) != 0)
		return cmd_reject(ctx, "%s", err);
	if (r.uncovered && r.events_before)
		return cmd_reject(ctx, "the log does not cover events 1..%llu, nor the sites and "
				  "products stored with them: the store was upgraded from before "
				  "the log, which holds nothing written before; AUDIT VERIFY checks "
				  "the events", (unsigned long long)r.events_before);
	if (r.uncovered)
		return cmd_reject(ctx, "the log does not cover the sites and products stored "
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
	return 0;
}

int cmd_audit_verify(struct cmd_ctx *ctx)
{
	if (ctx->argc == 3 && ctx->argv[2].len == 5 && strncasecmp(ctx->argv[2].ptr, "STATE", 5) == 0)
		return verify_state(ctx);
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
