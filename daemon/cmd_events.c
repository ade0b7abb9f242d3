/*
 * cmd_events — EVENTS: many distribution records in one request, applied in
 * one transaction.
 *
 *   EVENTS [BATCH id] [SKIPBAD] record [record ...]
 *
 * Each record is one argument holding a command line in inline syntax
 * (blank-separated words, "double quotes" for words with blanks), one of
 * COMMISSION, PACK, UNPACK, SHIP, RECEIVE, RETURN, DESTROY, DISPENSE,
 * DECOMMISSION, REACTIVATE, with
 * the same arguments as the command itself; TIME gives a loaded record its
 * own time.
 *
 * The network thread that reads the request splits and parses every record
 * into a command of its own (parse.c), and puts each to the role matrix as
 * if it were sent alone (acl_check_records); here on the writer the records
 * are only applied, through their own handlers.
 *
 * Without SKIPBAD the batch is all or nothing: the records run in order in
 * the writer's transaction, and when one fails after others have applied,
 * EVENTS returns CMD_ROLLBACK so the writer discards what they wrote
 * (writer.h).  With SKIPBAD a failing record is skipped and reported; it has
 * written nothing, because every command checks all of its input before its
 * first write.  (LMDB's nested transactions would give the batch its own
 * undo, but each page a batch touches is then copied from the enclosing
 * transaction and merged back: a third of a load's time.)
 *
 * Consecutive records that differ only in their one code — a lot's units
 * commissioned, a case's children packed — were read by the parser as one
 * command naming all their codes (struct cmd_group): it runs as one, one
 * event for them all, and whatever it would not do exactly as the records
 * one at a time it refuses, writing nothing (cmd_ctx.as_records); the
 * records then run one by one, each as the command it is alone
 * (cmd_group_record), so that errors name their record.
 *
 * BATCH names the batch (the loader derives it from the file and offset):
 * a batch id the same principal sent before is not applied again — the
 * earlier result is returned, so a re-upload after a crash or a lost
 * connection is harmless.  Ids are the principal's own: another principal's
 * batch of the same id is neither replayed to it nor blocked by it (a
 * pharmacy naming its refused batch like the manufacturer's next one must
 * not make the manufacturer's apply nothing).  A replay still answers to
 * the role matrix as a fresh run would: it never answers for records the
 * principal may not send.
 *
 * The results kept for BATCH, and their keys: batches.h.
 *
 * A batch applied with SKIPBAD while it refused some records leaves a mark
 * for each record it applied that names its own TIME (a digest of the
 * record's text, kept with the batches, under the id "R:" and 32 hex
 * digits).  When the same principal's next batch of an id not seen before
 * holds such a record again — the loader's corrected file: a refused row
 * fixed changes its batch, and so its id — the record is counted applied
 * and not run again, and its mark is spent.  Only timed records are
 * marked: the same text with the same time is the same event, where an
 * untimed record sent twice may be two.
 */
#include "acl.h"
#include "batches.h"
#include "cmd.h"
#include "parse.h"
#include "store.h"
#include "verdict.h"
#include "xmem.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define ERRORS_KEPT 100		/* errors listed in a reply; the count is exact */
#define ERROR_SHOWN 400		/* bytes of a record's error kept in the list */
#define WHY_MAX 600		/* a record's error: the line its reply said */

struct result {
	uint32_t records, applied, skipped;
	uint8_t *ran;			/* per record: applied in this batch */
	struct buf errors;		/* the stored error list */
	uint16_t nerrors;
	size_t failed;			/* the record that failed the batch, from
					 * 1 (without SKIPBAD); 0: none */
	char why[WHY_MAX];		/* the last record's error */
};

static void add_error(struct result *r, uint32_t index, const char *msg)
{
	if (r->nerrors >= ERRORS_KEPT)
		return;
	size_t n = strlen(msg);
	batches_error_add(&r->errors, index, msg, n > ERROR_SHOWN ? ERROR_SHOWN : n);
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

/*
 * A batch this principal applied before: its stored result, once its
 * records pass the role matrix as they would in a fresh run (one refused
 * without SKIPBAD refuses the request, as it would).  Records that cannot
 * run at all fail alike for everyone: the result lists them.
 */
static enum cmd_status replay(struct cmd_ctx *ctx, const struct cmd_records *rs,
			      const struct batch_result *prev)
{
	for (size_t i = 0; i < rs->n && !rs->skipbad; i++) {
		const struct cmd_record *r = &rs->rec[i];
		if (r->refused && r->err == NULL)
			return cmd_refuse(ctx, "record %zu: %s; nothing was applied", i + 1,
					  r->refused);
	}
	reply_result(ctx->out, prev, &rs->batch, true);
	return CMD_DONE;
}

/* ------------------------------------------------------------- marks */

/* Does record r name its own TIME? */
static bool timed(const struct cmd_record *r)
{
	for (int k = 1; k < r->argc; k++)
		if (r->argv[k].len == 4 && strncasecmp(r->argv[k].ptr, "TIME", 4) == 0)
			return true;
	return false;
}

/* The key of the mark of record i (its text as sent) into k. */
static size_t mark_key(const struct cmd_ctx *ctx, const struct cmd_records *rs, size_t i,
		       uint8_t k[BATCH_KEY_MAX])
{
	const struct resp_arg *text = &ctx->cmd->argv[(size_t)ctx->cmd->argc - rs->n + i];
	uint8_t h[32];
	unsigned int n = sizeof h;
	char id[2 + 32] = "R:";
	EVP_Digest(text->ptr, text->len, h, &n, EVP_sha256(), NULL);
	for (int j = 0; j < 16; j++) {
		id[2 + 2 * j] = "0123456789abcdef"[h[j] >> 4];
		id[3 + 2 * j] = "0123456789abcdef"[h[j] & 15];
	}
	return batches_key(ctx->cmd->who, id, sizeof id, k);
}

/* Was record i applied by an earlier batch that refused others?  *was
 * says (and its mark is spent); 0 or a store error. */
static int spend_mark(struct cmd_ctx *ctx, const struct cmd_records *rs, size_t i, bool *was)
{
	uint8_t k[BATCH_KEY_MAX];
	struct batch_result r;
	*was = false;
	if (!timed(&rs->rec[i]))
		return 0;
	size_t kl = mark_key(ctx, rs, i, k);
	int rc = batches_get(ctx->txn, k, kl, &r);
	if (rc == STORE_NOTFOUND)
		return 0;
	*was = rc == 0;
	return rc ? rc : store_del(ctx->txn, DB_BATCHES, k, kl);
}

/* Has the batch's principal marks left?  One seek a batch, so that the
 * batches of a load that refused nothing digest no record. */
static int any_marks(struct cmd_ctx *ctx, bool *any)
{
	uint8_t k[BATCH_KEY_MAX];
	size_t kl = batches_key(ctx->cmd->who, "R:", 2, k);
	struct store_cursor *c;
	const void *fk, *v;
	size_t fkl, vl;
	*any = false;
	int rc = store_cursor_open(ctx->txn, DB_BATCHES, &c);
	if (rc)
		return rc;
	rc = store_cursor_seek(c, k, kl, &fk, &fkl, &v, &vl);
	if (rc == 0)
		*any = fkl >= kl && memcmp(fk, k, kl) == 0;
	store_cursor_close(c);
	return rc == STORE_NOTFOUND ? 0 : rc;
}

/* Mark the timed records this batch applied. */
static int leave_marks(struct cmd_ctx *ctx, const struct cmd_records *rs, const uint8_t *ran)
{
	static const struct batch_result applied = { 1, 1, 0, 0, NULL, 0 };
	uint8_t k[BATCH_KEY_MAX];
	int rc = 0;
	for (size_t i = 0; i < rs->n && rc == 0; i++)
		if (ran[i] && timed(&rs->rec[i]))
			rc = batches_put(ctx->txn, k, mark_key(ctx, rs, i, k), &applied);
	return rc;
}

/*
 * Run command c in the batch's transaction as a record runs: quietly, its
 * reply thrown away.  CMD_DONE; CMD_REFUSED with the line its reply said
 * in why (a DISPENSE answered red is refused too: it sold nothing and
 * wrote nothing); CMD_ROLLBACK, likewise, when it wrote before refusing;
 * or CMD_FAILED with ctx->store_rc.
 */
static enum cmd_status run(struct cmd_ctx *ctx, const struct cmd *c, bool as_records,
			   struct resp_out *scratch, char *why, size_t whylen)
{
	struct cmd_ctx sub = *ctx;
	sub.cmd = c;
	sub.out = scratch;
	sub.verdict = VERDICT_GREEN;
	sub.quiet = true;
	sub.as_records = as_records;
	sub.refusal = why;
	sub.refusal_len = whylen;
	why[0] = '\0';
	buf_reset(&scratch->b);
	enum cmd_status st = cmd_run(&sub);
	if (st == CMD_FAILED)
		return cmd_failed(ctx, sub.store_rc);
	if (st == CMD_DONE && sub.verdict == VERDICT_RED) {
		snprintf(why, whylen, "DISPENSE answered red: not sold");
		return CMD_REFUSED;
	}
	return st;
}

/* Run record i alone (grp: the group it is in, or NULL): refused with its
 * own error if it cannot run, or with the role matrix's answer if its
 * principal may not send it. */
static enum cmd_status run_record(struct cmd_ctx *ctx, const struct cmd_records *rs, size_t i,
				  const struct cmd_group *grp, struct resp_out *scratch,
				  char *why, size_t whylen)
{
	const struct cmd_record *r = &rs->rec[i];
	/* In the order a record alone is answered: what it is, who may send
	 * it, then its arguments. */
	const char *cannot = r->cmd == NULL && grp == NULL ? r->err :
			     r->refused ? r->refused : r->err;
	if (cannot) {
		snprintf(why, whylen, "%s", cannot);
		return CMD_REFUSED;
	}
	if (r->cmd)
		return run(ctx, r->cmd, false, scratch, why, whylen);
	struct cmd alone;
	cmd_group_record(grp, r, i - grp->first, &alone);
	enum cmd_status st = run(ctx, &alone, false, scratch, why, whylen);
	cmd_free(&alone);
	return st;
}

/*
 * Apply the records in order, into res.  CMD_DONE: each applied, or
 * skipped with SKIPBAD; CMD_REFUSED or CMD_ROLLBACK: record res->failed
 * failed (why in res->why) and the batch stops; CMD_FAILED: the store
 * failed.
 */
static enum cmd_status apply(struct cmd_ctx *ctx, const struct cmd_records *rs,
			     struct result *res)
{
	struct resp_out scratch = { BUF_INIT, ctx->out->proto };
	enum cmd_status st = CMD_DONE;
	const struct cmd_group *grp = NULL;	/* the group of record i, if any */
	size_t g = 0;
	bool marks = false;
	if (rs->batch.len) {
		int rc = any_marks(ctx, &marks);
		if (rc)
			return cmd_failed(ctx, rc);
	}
	for (size_t i = 0; i < rs->n;) {
		if (g < rs->ngroups && rs->group[g].first == i) {
			grp = &rs->group[g++];
			/* A group's records share their principal's answer. */
			if (rs->rec[i].refused == NULL) {
				st = run(ctx, &grp->cmd, true, &scratch, res->why, sizeof res->why);
				if (st == CMD_DONE) {
					res->records += (uint32_t)grp->n;
					res->applied += (uint32_t)grp->n;
					memset(res->ran + i, 1, grp->n);
					i += grp->n;
					continue;
				}
				if (st == CMD_FAILED)
					break;
				if (st == CMD_ROLLBACK) {
					res->failed = i + 1;
					break;
				}
				/* Refused: one by one, below. */
			}
		} else if (grp && i >= grp->first + grp->n) {
			grp = NULL;
		}
		res->records++;
		bool marked = false;
		int rc = marks ? spend_mark(ctx, rs, i, &marked) : 0;
		if (rc) {
			st = cmd_failed(ctx, rc);
			break;
		}
		if (marked) {		/* applied by an earlier batch */
			res->applied++;
			i++;
			continue;
		}
		res->ran[i] = 1;
		st = run_record(ctx, rs, i++, grp, &scratch, res->why, sizeof res->why);
		if (st == CMD_DONE) {
			res->applied++;
			continue;
		}
		res->ran[i - 1] = 0;
		if (st == CMD_FAILED)
			break;
		if (st == CMD_REFUSED && rs->skipbad) {
			res->skipped++;
			add_error(res, res->records, res->why);
			st = CMD_DONE;
			continue;
		}
		res->failed = res->records;
		break;
	}
	buf_free(&scratch.b);
	return st;
}

/* EVENTS [BATCH id] [SKIPBAD] record [record ...] */
enum cmd_status cmd_events(struct cmd_ctx *ctx)
{
	const struct cmd_records *rs = ctx->cmd->records;
	const struct resp_arg *batch = rs->batch.len ? &rs->batch : NULL;
	uint8_t key[BATCH_KEY_MAX];
	size_t kl = batch ? batches_key(ctx->cmd->who, batch->ptr, batch->len, key) : 0;
	struct result res = { .errors = BUF_INIT };
	enum cmd_status st;
	int rc;

	/* Checked where it arrived, unless it came some other way. */
	if (ctx->cmd->who && (rc = acl_check_records(ctx, ctx->cmd)) != 0)
		return cmd_failed(ctx, rc);
	if (batch) {
		struct batch_result prev;
		rc = batches_get(ctx->txn, key, kl, &prev);
		if (rc == 0)
			return replay(ctx, rs, &prev);
		if (rc != STORE_NOTFOUND)
			return cmd_failed(ctx, rc);
	}

	res.ran = xcalloc(rs->n, 1);
	st = apply(ctx, rs, &res);
	if (st == CMD_FAILED)
		goto out;
	if (res.failed) {
		cmd_refuse(ctx, "record %zu: %s; nothing was applied", res.failed, res.why);
		st = st == CMD_ROLLBACK || res.applied ? CMD_ROLLBACK : CMD_REFUSED;
		goto out;
	}
	struct batch_result done = { res.records, res.applied, res.skipped, res.nerrors,
				     (const uint8_t *)res.errors.data, res.errors.len };
	if (batch && ((rc = batches_put(ctx->txn, key, kl, &done)) != 0 ||
		      (res.skipped && (rc = leave_marks(ctx, rs, res.ran)) != 0))) {
		st = cmd_failed(ctx, rc);
		goto out;
	}
	reply_result(ctx->out, &done, batch, false);
out:
	buf_free(&res.errors);
	free(res.ran);
	return st;
}
