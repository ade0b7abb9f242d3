/*
 * cmd_scan — VERIFY (read only, on the network thread), DISPENSE and UNDO
 * (on the writer: decided and recorded in one transaction, answered after
 * the commit).  The rules are scan.c's; a handler applies the command and
 * renders the answer.
 */
#include "acl.h"
#include "cmd.h"
#include "metrics.h"
#include "parse.h"
#include "scan.h"

/* The answer, or the refusal. */
static enum cmd_status answer(struct cmd_ctx *ctx, enum cmd_status st,
			      const struct scan_outcome *so)
{
	if ((st = cmd_outcome(ctx, st, &so->o)) != CMD_DONE)
		return st;
	ctx->verdict = so->j.verdict;
	metrics_verdict(so->j.verdict, so->j.reasons);
	if (ctx->quiet)
		return st;
	if (ctx->keep) {	/* rendered on the request's thread (cmd.c) */
		*ctx->keep = so->j;
		ctx->kept = true;
	} else {
		verdict_reply(ctx->out, &so->j, ctx->cfg, ctx->cmd->when_ms);
	}
	return st;
}

/* VERIFY code [SITE s] [FRESH] [BRIEF] */
enum cmd_status cmd_verify(struct cmd_ctx *ctx)
{
	struct store_txn *t;
	struct scan_outcome so;
	scan_outcome_init(&so);
	int rc = cmd_read_txn(ctx, &t);
	if (rc)
		return cmd_failed(ctx, rc);
	bool public_view = ctx->cmd->who && ctx->cmd->who->role == ROLE_NONE;
	return answer(ctx, scan_verify(t, ctx->cfg, ctx->cmd, public_view, &so), &so);
}

/* DISPENSE code SITE s [TX t] [QTY n] [TIME t] [BRIEF] */
enum cmd_status cmd_dispense(struct cmd_ctx *ctx)
{
	struct scan_outcome so;
	scan_outcome_init(&so);
	enum cmd_status st = scan_dispense(ctx->txn, ctx->cfg, ctx->cmd, ctx->quiet, &so);
	return answer(ctx, st, &so);
}

/* UNDO code SITE s TX t [BRIEF] */
enum cmd_status cmd_undo(struct cmd_ctx *ctx)
{
	struct scan_outcome so;
	scan_outcome_init(&so);
	return answer(ctx, scan_undo(ctx->txn, ctx->cfg, ctx->cmd, &so), &so);
}
