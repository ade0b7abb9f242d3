/*
 * cmd_coldchain — COLDCHAIN RELEASE, on the writer: the rule is
 * coldchain.c's; the reply is {released: n}.
 */
#include "cmd.h"
#include "coldchain.h"
#include "parse.h"

/* COLDCHAIN RELEASE code [code ...] REASON text */
enum cmd_status cmd_coldchain_release(struct cmd_ctx *ctx)
{
	struct coldchain_outcome co = { 0 };
	enum cmd_status st = coldchain_release(ctx->txn, ctx->cfg, ctx->cmd, &co);
	st = cmd_outcome(ctx, st, &co.o);
	if (st == CMD_REFUSED || st == CMD_FAILED)
		return st;
	resp_map(ctx->out, 1);
	resp_cstr(ctx->out, "released");
	resp_int(ctx->out, (int64_t)co.released);
	return st;
}
