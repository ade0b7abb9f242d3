/*
 * cmd_recall — stopping sales: RECALL and LIFT a lot, WITHDRAW a product,
 * a site's RECALL.ACK (the rules in recalls.c), LOCK and UNLOCK one code
 * (locks.c).  All run on the writer: a handler applies the command and
 * renders what it recorded.
 */
#include "args.h"
#include "cmd.h"
#include "locks.h"
#include "recalls.h"

/* {"event": seq} */
static enum cmd_status reply_event(struct cmd_ctx *ctx, enum cmd_status st, uint64_t event)
{
	if (st != CMD_DONE)
		return st;
	resp_map(ctx->out, 1);
	resp_cstr(ctx->out, "event");
	resp_int(ctx->out, (int64_t)event);
	return st;
}

/* RECALL product lot LEVEL 1|2|3 REASON text */
enum cmd_status cmd_recall(struct cmd_ctx *ctx)
{
	struct recall_outcome ro = { 0 };
	enum cmd_status st = recalls_recall(ctx->txn, ctx->cfg, ctx->cmd, &ro);
	return reply_event(ctx, cmd_outcome(ctx, st, &ro.o), ro.event);
}

/* LIFT product lot REASON text */
enum cmd_status cmd_lift(struct cmd_ctx *ctx)
{
	struct recall_outcome ro = { 0 };
	enum cmd_status st = recalls_lift(ctx->txn, ctx->cfg, ctx->cmd, &ro);
	return reply_event(ctx, cmd_outcome(ctx, st, &ro.o), ro.event);
}

/* WITHDRAW product REASON text */
enum cmd_status cmd_withdraw(struct cmd_ctx *ctx)
{
	struct recall_outcome ro = { 0 };
	enum cmd_status st = recalls_withdraw(ctx->txn, ctx->cfg, ctx->cmd, &ro);
	return reply_event(ctx, cmd_outcome(ctx, st, &ro.o), ro.event);
}

/* UNWITHDRAW product REASON text */
enum cmd_status cmd_unwithdraw(struct cmd_ctx *ctx)
{
	struct recall_outcome ro = { 0 };
	enum cmd_status st = recalls_unwithdraw(ctx->txn, ctx->cfg, ctx->cmd, &ro);
	return reply_event(ctx, cmd_outcome(ctx, st, &ro.o), ro.event);
}

/* RECALL.ACK product lot SITE s [TIME t] */
enum cmd_status cmd_recall_ack(struct cmd_ctx *ctx)
{
	struct recall_outcome ro = { 0 };
	enum cmd_status st = recalls_ack(ctx->txn, ctx->cfg, ctx->cmd, &ro);
	if ((st = cmd_outcome(ctx, st, &ro.o)) != CMD_DONE)
		return st;
	char when[32];
	args_format_time(ro.acknowledged_ms, when);
	resp_map(ctx->out, 3);
	resp_cstr(ctx->out, "event");
	resp_int(ctx->out, (int64_t)ro.event);
	resp_cstr(ctx->out, "acknowledged");
	resp_cstr(ctx->out, when);
	resp_cstr(ctx->out, "repeated");
	resp_bool(ctx->out, ro.repeated);
	return st;
}

/* LOCK code [REASON text] */
enum cmd_status cmd_lock(struct cmd_ctx *ctx)
{
	struct lock_outcome lo = { 0 };
	enum cmd_status st = locks_lock(ctx->txn, ctx->cfg, ctx->cmd, &lo);
	return reply_event(ctx, cmd_outcome(ctx, st, &lo.o), lo.event);
}

/* UNLOCK code [REASON text] */
enum cmd_status cmd_unlock(struct cmd_ctx *ctx)
{
	struct lock_outcome lo = { 0 };
	enum cmd_status st = locks_unlock(ctx->txn, ctx->cfg, ctx->cmd, &lo);
	return reply_event(ctx, cmd_outcome(ctx, st, &lo.o), lo.event);
}
