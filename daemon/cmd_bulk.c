/*
 * cmd_bulk — EVENTS: many distribution records in one request, applied in
 * one transaction, all or nothing.
 *
 *   EVENTS record [record ...]
 *
 * Each record is one argument holding a command line in inline syntax
 * (blank-separated words, "double quotes" for words with blanks), one of
 * COMMISSION, PACK, UNPACK, SHIP, RECEIVE, RETURN, DESTROY, DISPENSE, with
 * the same arguments as the command itself; TIME gives a loaded record its
 * own time.  The records run in order inside a nested transaction; the
 * first that fails aborts it, so nothing of the request is applied, and the
 * error names that record.
 */
#include "cmd.h"
#include "store.h"
#include "verdict.h"
#include "xmem.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

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


int cmd_events(struct cmd_ctx *ctx)
{
	struct store_txn *child;
	int rc = store_nested_begin(ctx->txn, &child);
	if (rc)
		return rc;
	struct resp_out rec_out = { BUF_INIT, ctx->out->proto };
	struct resp_arg *args = NULL;
	size_t cap = 0;
	int failed = 0;
	char why[600] = "";
	uint64_t applied = 0;

	for (int i = 1; i < ctx->argc && !failed && rc == 0; i++) {
		const struct resp_arg *rec = &ctx->argv[i];
		char *line = xstrndup(rec->ptr, rec->len);	/* split in place */
		const char *err = NULL;
		int n = resp_split_inline(line, rec->len, NULL, 1 << 20, &err);
		if (n > 0 && (size_t)n > cap) {
			cap = (size_t)n;
			args = xrealloc(args, cap * sizeof *args);
		}
		if (n > 0)
			resp_split_inline(line, rec->len, args, n, &err);
		buf_reset(&rec_out.b);
		const struct command_spec *spec = NULL;
		if (n < 0) {
			snprintf(why, sizeof why, "%s", err);
		} else if (n == 0) {
			snprintf(why, sizeof why, "empty record");
		} else if ((spec = cmd_lookup(n, args, &rec_out)) == NULL) {
			snprintf(why, sizeof why, "%.*s", (int)(rec_out.b.len > 3 ? rec_out.b.len - 3 : 0),
				 rec_out.b.data + 1);
		} else if (!allowed(spec->id)) {
			snprintf(why, sizeof why, "%.*s is not a distribution record",
				 (int)args[0].len, args[0].ptr);
			spec = NULL;
		}
		if (spec) {
			struct cmd_ctx sub = *ctx;
			sub.argc = n;
			sub.argv = args;
			sub.out = &rec_out;
			sub.txn = child;
			sub.verdict = VERDICT_GREEN;
			rc = cmd_run(&sub, spec);
			if (rc == 0 && rec_out.b.len && rec_out.b.data[0] == '-')
				snprintf(why, sizeof why, "%.*s", (int)(rec_out.b.len - 3),
					 rec_out.b.data + 1);
			else if (rc == 0 && sub.verdict == VERDICT_RED)
				snprintf(why, sizeof why, "DISPENSE answered red: not sold");
			else if (rc == 0)
				applied++;
		}
		if (rc == 0 && why[0])
			failed = i;
		free(line);
	}
	free(args);
	buf_free(&rec_out.b);
	if (rc || failed) {
		store_nested_abort(child);
		if (rc)
			return rc;
		resp_error(ctx->out, "ERR", "EVENTS: record %d: %s; nothing was applied", failed,
			   why);
		return 0;
	}
	if ((rc = store_nested_commit(child)) != 0)
		return rc;
	resp_map(ctx->out, 1);
	resp_cstr(ctx->out, "records");
	resp_int(ctx->out, (int64_t)applied);
	return 0;
}
