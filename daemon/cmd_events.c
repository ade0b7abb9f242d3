/*
 * cmd_events — EVENTS: many distribution records in one request, applied in
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
 * Without SKIPBAD the batch is all or nothing: the records run in order in
 * the writer's transaction, and when one fails after others have applied,
 * EVENTS returns WRITE_UNDO so the writer discards what they wrote
 * (writer.h).  With SKIPBAD a failing record is skipped and reported; it has
 * written nothing, because every command checks all of its input before its
 * first write.  (LMDB's nested transactions would give the batch its own
 * undo, but each page a batch touches is then copied from the enclosing
 * transaction and merged back: a third of a load's time.)
 *
 * Consecutive records that differ only in their one code — a lot's units
 * commissioned, a case's children packed — run as one command, one event
 * for them all (run_group); anything that command would not do exactly as
 * the records one at a time sends them through one at a time instead.
 *
 * BATCH names the batch (the loader derives it from the file and offset):
 * a batch id the same principal sent before is not applied again — the
 * earlier result is returned, so a re-upload after a crash or a lost
 * connection is harmless.  Ids are the principal's own: another principal's
 * batch of the same id is neither replayed to it nor blocked by it (a
 * pharmacy naming its refused batch like the manufacturer's next one must
 * not make the manufacturer's apply nothing).  Before replaying, every
 * record is put to the role matrix as a fresh run would: a replay never
 * answers for records the principal may not send.
 *
 * The results kept for BATCH, and their keys: batches.h.
 */
#include "acl.h"
#include "args.h"
#include "batches.h"
#include "cmd.h"
#include "code_util.h"
#include "parse.h"
#include "server.h"
#include "store.h"
#include "verdict.h"
#include "writer.h"
#include "xmem.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

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
	size_t n = strlen(msg);
	batches_error_add(&r->errors, index, msg, n > 400 ? 400 : n);
	r->nerrors++;
}

static void reply_result(struct resp_out *o, const struct batch_result *r,
			 const struct resp_arg *batch, bool replayed)
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
	struct batch_error e;
	size_t pos = 0;
	for (uint16_t i = 0; i < r->nerrors && batches_error_next(r, &pos, &e); i++) {
		resp_map(o, 2);
		resp_cstr(o, "record");
		resp_int(o, e.record);
		resp_cstr(o, "error");
		resp_bulk(o, e.msg, e.msg_len);
	}
}

/* The batch's records, each split into words once. */
struct record {
	size_t first;			/* its words: words[first ...] */
	int argc;			/* 0: empty; -1: could not be split */
	const char *err;		/* why it could not be split */
	const struct command_spec *spec;	/* NULL: unknown or bad arity */
	int vary;			/* cmd_events_varying_word, or 0 */
};

struct records {
	char *text;			/* the records' copies, split in place */
	struct resp_arg *words;
	size_t nwords;
	struct record *rec;
	size_t n;
};

static void records_split(struct records *rs, const struct resp_arg *argv, int n,
			  struct resp_out *scratch)
{
	size_t bytes = 0, cap = 0;
	for (int i = 0; i < n; i++)
		bytes += argv[i].len + 1;
	rs->text = xmalloc(bytes ? bytes : 1);
	rs->rec = xcalloc((size_t)n, sizeof *rs->rec);
	rs->words = NULL;
	rs->nwords = 0;
	rs->n = (size_t)n;
	char *line = rs->text;
	for (int i = 0; i < n; i++) {
		struct record *r = &rs->rec[i];
		size_t len = argv[i].len;
		memcpy(line, argv[i].ptr, len);
		line[len] = '\0';
		/* Words are separated by blanks: at most (len + 1) / 2 of them. */
		size_t most = (len + 1) / 2 + 1;
		if (rs->nwords + most > cap) {
			cap = (rs->nwords + most) * 2;
			rs->words = xrealloc(rs->words, cap * sizeof *rs->words);
		}
		r->first = rs->nwords;
		r->argc = resp_split_inline(line, len, rs->words + r->first, (int)most, &r->err);
		line += len + 1;
		if (r->argc <= 0)
			continue;
		rs->nwords += (size_t)r->argc;
		buf_reset(&scratch->b);
		r->spec = cmd_lookup(r->argc, rs->words + r->first, scratch);
		if (r->spec && allowed(r->spec->id))
			r->vary = cmd_events_varying_word(r->spec->id, r->argc,
							   rs->words + r->first);
	}
}

static void records_free(struct records *rs)
{
	free(rs->text);
	free(rs->words);
	free(rs->rec);
}

/*
 * A batch this principal applied before: reply with its stored result, but
 * only once its records pass the role matrix as they would in a fresh run
 * (one refused without SKIPBAD refuses the request, as it would).  1 after
 * replying, 0 if there is no such batch, or a store error.
 */
static int replay(struct cmd_ctx *ctx, const struct resp_arg *batch, const struct records *rs,
		  bool skipbad)
{
	struct batch_result r;
	uint8_t key[BATCH_KEY_MAX];
	int rc = batches_get(ctx->txn, key, batches_key(ctx->who, batch->ptr, batch->len, key), &r);
	if (rc == STORE_NOTFOUND)
		return 0;
	if (rc)
		return rc;
	/* r's errors stay valid: checking reads the store, but writes nothing. */
	for (size_t i = 0; i < rs->n; i++) {
		const struct record *rec = &rs->rec[i];
		char why[600];
		if (rec->argc <= 0 || rec->spec == NULL || !allowed(rec->spec->id))
			continue;	/* fails alike for everyone: in the result */
		struct cmd c;
		char perr[400];
		if (cmd_parse(&c, rec->spec, rec->argc, rs->words + rec->first,
			      ctx->cmd->time_ms, ctx->cmd->who, perr, sizeof perr) != 0) {
			cmd_free(&c);
			continue;	/* fails alike for everyone: in the result */
		}
		rc = acl_check(ctx, &c, ctx->cfg->public_verify, why, sizeof why);
		cmd_free(&c);
		if (rc != ACL_NOAUTH && rc != ACL_NOPERM && rc != ACL_OK)
			return rc;
		if (rc != ACL_OK && !skipbad) {
			cmd_reject(ctx, "record %zu: %s; nothing was applied", i + 1, why);
			return 1;
		}
	}
	reply_result(ctx->out, &r, batch, true);
	return 1;
}

static bool same_word(const struct resp_arg *a, const struct resp_arg *b)
{
	return a->len == b->len && memcmp(a->ptr, b->ptr, a->len) == 0;
}

/* Do records a and b differ in their varying word only? */
static bool same_but_varying(const struct records *rs, const struct record *a,
			     const struct record *b)
{
	if (!a->vary || a->spec != b->spec || a->vary != b->vary || a->argc != b->argc)
		return false;
	const struct resp_arg *x = rs->words + a->first, *y = rs->words + b->first;
	for (int k = 0; k < a->argc; k++)
		if (k != a->vary && !same_word(&x[k], &y[k]))
			return false;
	return true;
}

/* Run one command line in the batch's transaction; its error message (if
 * it failed) in why. */
static int run_line(struct cmd_ctx *ctx, struct store_txn *txn,
		    const struct command_spec *spec, int argc, struct resp_arg *argv,
		    bool as_records, struct resp_out *scratch, char *why, size_t whylen)
{
	struct cmd c;
	char perr[400];
	why[0] = '\0';
	/* Each record answers to the role matrix as if sent alone. */
	int rc = acl_check_role(ctx->cmd->who, spec, ctx->cfg->public_verify, why, whylen);
	if (rc != ACL_OK)
		return 0;
	if (cmd_parse(&c, spec, argc, argv, ctx->cmd->time_ms, ctx->cmd->who, perr,
		      sizeof perr) != 0) {
		snprintf(why, whylen, "ERR %.*s: %s", (int)argv[0].len, argv[0].ptr, perr);
		cmd_free(&c);
		return 0;
	}
	struct cmd_ctx sub = *ctx;
	sub.cmd = &c;
	sub.out = scratch;
	sub.txn = txn;
	sub.verdict = VERDICT_GREEN;
	sub.quiet = true;
	sub.as_records = as_records;
	buf_reset(&scratch->b);
	rc = acl_check_cmd(&sub, &c, why, whylen);
	if (rc == ACL_NOAUTH || rc == ACL_NOPERM) {
		cmd_free(&c);
		return 0;
	}
	if (rc == ACL_OK) {
		switch (cmd_run(&sub)) {
		case CMD_REFUSED:
		case CMD_ROLLBACK:
			snprintf(why, whylen, "%.*s", (int)(scratch->b.len - 3), scratch->b.data + 1);
			break;
		case CMD_FAILED:
			rc = sub.store_rc;
			break;
		case CMD_DONE:
			if (sub.verdict == VERDICT_RED)
				snprintf(why, whylen, "DISPENSE answered red: not sold");
			break;
		}
	}
	cmd_free(&c);
	return rc;
}

/* Run one record; its error message (if it failed) in why. */
static int run_record(struct cmd_ctx *ctx, struct store_txn *txn, struct records *rs,
		      size_t i, struct resp_out *scratch, char *why, size_t whylen)
{
	const struct record *r = &rs->rec[i];
	struct resp_arg *argv = rs->words + r->first;
	why[0] = '\0';
	if (r->argc < 0) {
		snprintf(why, whylen, "%s", r->err);
	} else if (r->argc == 0) {
		snprintf(why, whylen, "empty record");
	} else if (r->spec == NULL) {
		buf_reset(&scratch->b);
		cmd_lookup(r->argc, argv, scratch);	/* writes the error again */
		snprintf(why, whylen, "%.*s", (int)(scratch->b.len > 3 ? scratch->b.len - 3 : 0),
			 scratch->b.data + 1);
	} else if (!allowed(r->spec->id)) {
		snprintf(why, whylen, "%.*s is not a distribution record", (int)argv[0].len,
			 argv[0].ptr);
	} else {
		return run_line(ctx, txn, r->spec, r->argc, argv, false, scratch, why, whylen);
	}
	return 0;
}

/*
 * Records first .. end-1 differ only in their varying word (same command,
 * container, site, time, lot...): run them as one command naming all their
 * codes, which costs one event and one set of lookups instead of one per
 * record.  The command refuses, writing nothing, whatever it would not do
 * exactly as the records one by one (cmd_ctx.as_records); then *why is set
 * and the caller runs them one by one, so errors still name their record.
 */
static int run_group(struct cmd_ctx *ctx, struct store_txn *txn, struct records *rs,
		     size_t first, size_t end, struct resp_out *scratch, char *why, size_t whylen)
{
	const struct record *r0 = &rs->rec[first];
	const struct resp_arg *w0 = rs->words + r0->first;
	size_t n = end - first, argc = (size_t)r0->argc - 1 + n;
	if (argc > INT32_MAX) {
		snprintf(why, whylen, "too many records");
		return 0;
	}
	struct resp_arg *argv = xmalloc(argc * sizeof *argv);
	size_t k = 0;
	for (int j = 0; j < r0->vary; j++)
		argv[k++] = w0[j];
	for (size_t i = first; i < end; i++)
		argv[k++] = rs->words[rs->rec[i].first + (size_t)r0->vary];
	for (int j = r0->vary + 1; j < r0->argc; j++)
		argv[k++] = w0[j];
	int rc = run_line(ctx, txn, r0->spec, (int)argc, argv, true, scratch, why, whylen);
	free(argv);
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
	char why[600];
	if (batch && (batch->len == 0 || batch->len > BATCH_ID_MAX))
		return cmd_reject(ctx, "BATCH id must be 1 to %d bytes", BATCH_ID_MAX);
	if (batch && args_text(batch, "BATCH id", why, sizeof why) != 0)
		return cmd_reject(ctx, "%s", why);
	if (first >= ctx->argc)
		return cmd_reject(ctx, "no records given");

	struct store_txn *txn = ctx->txn;
	struct resp_out scratch = { BUF_INIT, ctx->out->proto };
	struct records rs;
	records_split(&rs, ctx->argv + first, ctx->argc - first, &scratch);
	int rc = batch ? replay(ctx, batch, &rs, skipbad) : 0;
	if (rc != 0) {
		records_free(&rs);
		buf_free(&scratch.b);
		return rc == 1 ? 0 : rc;
	}
	struct result r = { .errors = BUF_INIT };
	int failed = 0;
	size_t alone = 0;	/* records before this one run one by one */
	for (size_t i = 0; i < rs.n && rc == 0;) {
		size_t end = i + 1;
		while (i >= alone && end < rs.n && same_but_varying(&rs, &rs.rec[i], &rs.rec[end]))
			end++;
		if (end - i > 1) {
			if ((rc = run_group(ctx, txn, &rs, i, end, &scratch, why, sizeof why)) != 0)
				break;
			if (!why[0]) {
				r.records += (uint32_t)(end - i);
				r.applied += (uint32_t)(end - i);
				i = end;
				continue;
			}
			alone = end;
		}
		r.records++;
		rc = run_record(ctx, txn, &rs, i++, &scratch, why, sizeof why);
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
	records_free(&rs);
	buf_free(&scratch.b);
	if (rc || failed) {
		buf_free(&r.errors);
		if (rc)
			return rc;
		cmd_reject(ctx, "record %d: %s; nothing was applied", failed, why);
		return r.applied ? WRITE_UNDO : 0;
	}
	struct batch_result done = { r.records, r.applied, r.skipped, r.nerrors,
				     (const uint8_t *)r.errors.data, r.errors.len };
	if (batch) {
		uint8_t key[BATCH_KEY_MAX];
		rc = batches_put(txn, key, batches_key(ctx->who, batch->ptr, batch->len, key),
				 &done);
	}
	if (rc) {
		buf_free(&r.errors);
		return rc;
	}
	reply_result(ctx->out, &done, batch, false);
	buf_free(&r.errors);
	return 0;
}
