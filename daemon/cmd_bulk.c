/*
 * cmd_bulk — EVENTS: many distribution records in one request, applied in
 * one transaction.
 *
 *   EVENTS [BATCH id] [SKIPBAD] record [record ...]
 *
 * Each record is one argument holding a command line in inline syntax
 * (blank-separated words, "double quotes" for words with blanks), one of
 * COMMISSION, PACK, UNPACK, SHIP, RECEIVE, RETURN, DESTROY, DISPENSE, with
 * the same arguments as the command itself; TIME gives a loaded record its
 * own time.
 *
 * Without SKIPBAD the batch is all or nothing: the records run in order in a
 * nested transaction and the first that fails aborts it.  With SKIPBAD a
 * failing record is skipped and reported; it has written nothing, because
 * every command checks all of its input before its first write (writer.h).
 *
 * BATCH names the batch (the loader derives it from the file and offset):
 * a batch id seen before is not applied again — the earlier result is
 * returned, so a re-upload after a crash or a lost connection is harmless.
 *
 * Stored result (DB_BATCHES, key: batch id): u32 records, u32 applied,
 * u32 skipped, u16 errors listed, then per error u32 record index,
 * u16 length, message.
 */
#include "acl.h"
#include "cmd.h"
#include "code_util.h"
#include "store.h"
#include "verdict.h"
#include "xmem.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#define BATCH_ID_MAX 64
#define ERRORS_KEPT 100		/* errors listed in a reply; the count is exact */

static bool allowed(enum cmd_id id)
{
	switch (id) {
	case CMD_COMMISSION:
	case CMD_PACK:
	case CMD_UNPACK:
	case CMD_SHIP:
	case CMD_RECEIVE:
	case CMD_RETURN:
	case CMD_DESTROY:
	case CMD_DISPENSE:
		return true;
	default:
		return false;
	}
}

static bool word(const struct resp_arg *a, const char *w)
{
	return a->len == strlen(w) && strncasecmp(a->ptr, w, a->len) == 0;
}

struct result {
	uint32_t records, applied, skipped;
	struct buf errors;		/* the stored error list */
	uint16_t nerrors;
};

static void add_error(struct result *r, uint32_t index, const char *msg)
{
	if (r->nerrors >= ERRORS_KEPT)
		return;
	uint8_t h[6];
	size_t n = strlen(msg);
	if (n > 400)
		n = 400;
	code_put_be(h, index, 4);
	code_put_be(h + 4, n, 2);
	buf_append(&r->errors, h, sizeof h);
	buf_append(&r->errors, msg, n);
	r->nerrors++;
}

static void reply_result(struct resp_out *o, const struct result *r, const char *errors,
			 size_t elen, const struct resp_arg *batch, bool replayed)
{
	resp_map(o, 6);
	resp_cstr(o, "batch");
	if (batch)
		resp_bulk(o, batch->ptr, batch->len);
	else
		resp_null(o);
	resp_cstr(o, "records");
	resp_int(o, r->records);
	resp_cstr(o, "applied");
	resp_int(o, r->applied);
	resp_cstr(o, "skipped");
	resp_int(o, r->skipped);
	resp_cstr(o, "replayed");
	resp_bool(o, replayed);
	resp_cstr(o, "errors");
	resp_array(o, r->nerrors);
	const uint8_t *p = (const uint8_t *)errors, *end = p + elen;
	for (uint16_t i = 0; i < r->nerrors && p + 6 <= end; i++) {
		size_t n = (size_t)code_get_be(p + 4, 2);
		resp_map(o, 2);
		resp_cstr(o, "record");
		resp_int(o, (int64_t)code_get_be(p, 4));
		resp_cstr(o, "error");
		resp_bulk(o, p + 6, n);
		p += 6 + n;
	}
}

/* A batch applied before: reply with its stored result. 1 if found. */
static int replay(struct cmd_ctx *ctx, const struct resp_arg *batch)
{
	const void *v;
	size_t n;
	int rc = store_get(ctx->txn, DB_BATCHES, batch->ptr, batch->len, &v, &n);
	if (rc == STORE_NOTFOUND)
		return 0;
	if (rc)
		return rc;
	if (n < 14)
		return STORE_NOTFOUND;
	const uint8_t *p = v;
	struct result r = { .records = (uint32_t)code_get_be(p, 4),
			    .applied = (uint32_t)code_get_be(p + 4, 4),
			    .skipped = (uint32_t)code_get_be(p + 8, 4),
			    .nerrors = (uint16_t)code_get_be(p + 12, 2) };
	reply_result(ctx->out, &r, (const char *)p + 14, n - 14, batch, true);
	return 1;
}

/* Run one record; its error message (if it failed) in why. */
static int run_record(struct cmd_ctx *ctx, struct store_txn *txn, const struct resp_arg *rec,
		      struct resp_arg **args, size_t *cap, struct resp_out *scratch,
		      char *why, size_t whylen)
{
	char *line = xstrndup(rec->ptr, rec->len);	/* split in place */
	const char *err = NULL;
	int rc = 0;
	why[0] = '\0';
	int n = resp_split_inline(line, rec->len, NULL, 1 << 20, &err);
	if (n > 0 && (size_t)n > *cap) {
		*cap = (size_t)n;
		*args = xrealloc(*args, *cap * sizeof **args);
	}
	if (n > 0)
		resp_split_inline(line, rec->len, *args, n, &err);
	buf_reset(&scratch->b);
	const struct command_spec *spec = NULL;
	if (n < 0) {
		snprintf(why, whylen, "%s", err);
	} else if (n == 0) {
		snprintf(why, whylen, "empty record");
	} else if ((spec = cmd_lookup(n, *args, scratch)) == NULL) {
		snprintf(why, whylen, "%.*s", (int)(scratch->b.len > 3 ? scratch->b.len - 3 : 0),
			 scratch->b.data + 1);
	} else if (!allowed(spec->id)) {
		snprintf(why, whylen, "%.*s is not a distribution record", (int)(*args)[0].len,
			 (*args)[0].ptr);
	} else {
		struct cmd_ctx sub = *ctx;
		sub.argc = n;
		sub.argv = *args;
		sub.out = scratch;
		sub.txn = txn;
		sub.verdict = VERDICT_GREEN;
		sub.quiet = true;
		/* Each record answers to the role matrix as if sent alone. */
		int acl = acl_check(&sub, spec, n, *args, why, whylen);
		if (acl == ACL_NOAUTH || acl == ACL_NOPERM) {
			free(line);
			return 0;
		}
		rc = acl ? acl : cmd_run(&sub, spec);
		if (rc == 0 && scratch->b.len && scratch->b.data[0] == '-')
			snprintf(why, whylen, "%.*s", (int)(scratch->b.len - 3), scratch->b.data + 1);
		else if (rc == 0 && sub.verdict == VERDICT_RED)
			snprintf(why, whylen, "DISPENSE answered red: not sold");
	}
	free(line);
	return rc;
}

int cmd_events(struct cmd_ctx *ctx)
{
	const struct resp_arg *batch = NULL;
	bool skipbad = false;
	int first = 1;
	while (first < ctx->argc) {
		if (word(&ctx->argv[first], "BATCH") && first + 1 < ctx->argc) {
			batch = &ctx->argv[first + 1];
			first += 2;
		} else if (word(&ctx->argv[first], "SKIPBAD")) {
			skipbad = true;
			first++;
		} else {
			break;
		}
	}
	if (batch && (batch->len == 0 || batch->len > BATCH_ID_MAX))
		return cmd_reject(ctx, "BATCH id must be 1 to %d bytes", BATCH_ID_MAX);
	if (first >= ctx->argc)
		return cmd_reject(ctx, "no records given");
	int rc;
	if (batch && (rc = replay(ctx, batch)) != 0)
		return rc == 1 ? 0 : rc;

	struct store_txn *child;
	if ((rc = store_nested_begin(ctx->txn, &child)) != 0)
		return rc;
	struct resp_out scratch = { BUF_INIT, ctx->out->proto };
	struct resp_arg *args = NULL;
	size_t cap = 0;
	struct result r = { .errors = BUF_INIT };
	char why[600];
	int failed = 0;
	for (int i = first; i < ctx->argc && rc == 0; i++) {
		r.records++;
		rc = run_record(ctx, child, &ctx->argv[i], &args, &cap, &scratch, why, sizeof why);
		if (rc)
			break;
		if (!why[0]) {
			r.applied++;
		} else if (skipbad) {
			r.skipped++;
			add_error(&r, r.records, why);
		} else {
			failed = (int)r.records;
			break;
		}
	}
	free(args);
	buf_free(&scratch.b);
	if (rc || failed) {
		store_nested_abort(child);
		buf_free(&r.errors);
		if (rc)
			return rc;
		return cmd_reject(ctx, "record %d: %s; nothing was applied", failed, why);
	}
	if (batch) {
		struct buf v = BUF_INIT;
		uint8_t h[14];
		code_put_be(h, r.records, 4);
		code_put_be(h + 4, r.applied, 4);
		code_put_be(h + 8, r.skipped, 4);
		code_put_be(h + 12, r.nerrors, 2);
		buf_append(&v, h, sizeof h);
		buf_append(&v, r.errors.data ? r.errors.data : "", r.errors.len);
		rc = store_put(child, DB_BATCHES, batch->ptr, batch->len, v.data, v.len);
		buf_free(&v);
	}
	if (rc) {
		store_nested_abort(child);
		buf_free(&r.errors);
		return rc;
	}
	if ((rc = store_nested_commit(child)) != 0) {
		buf_free(&r.errors);
		return rc;
	}
	reply_result(ctx->out, &r, r.errors.data, r.errors.len, batch, false);
	buf_free(&r.errors);
	return 0;
}
