/*
 * cmd_backup — BACKUP [name]: a consistent, compacted copy of the store in
 * backup_dir (backup.h), on a thread of its own (slow.h).  Changes nothing.
 */
#include "backup.h"
#include "cmd.h"
#include "parse.h"

#include <string.h>

static void kv_u64(struct resp_out *o, const char *k, uint64_t v)
{
	resp_cstr(o, k);
	resp_int(o, (int64_t)v);
}

enum cmd_status cmd_backup(struct cmd_ctx *ctx)
{
	const struct cmd *c = ctx->cmd;
	char err[800];
	if (ctx->store == NULL)
		return cmd_refuse(ctx, "runs on a thread of its own only");
	/* The job's words end in NUL (cmd_write_job): a checked name is a C
	 * string. */
	const char *name = NULL;
	if (c->argc > 1) {
		if (!backup_name_ok(c->argv[1].ptr, c->argv[1].len, err, sizeof err))
			return cmd_refuse(ctx, "%s", err);
		name = c->argv[1].ptr;
	}
	struct backup_result r;
	if (backup_run(ctx->store, ctx->cfg, name, c->time_ms, &r, err, sizeof err) != 0)
		return cmd_refuse(ctx, "%s", err);
	const char *base = strrchr(r.path, '/');
	resp_map(ctx->out, 5);
	resp_cstr(ctx->out, "path");
	resp_cstr(ctx->out, r.path);
	resp_cstr(ctx->out, "name");
	resp_cstr(ctx->out, base ? base + 1 : r.path);
	kv_u64(ctx->out, "bytes", r.bytes);
	kv_u64(ctx->out, "journal_last", r.journal_last);
	kv_u64(ctx->out, "ms", r.ms);
	return CMD_DONE;
}
