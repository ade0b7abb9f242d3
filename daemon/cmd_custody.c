/*
 * cmd_custody — distribution events: COMMISSION, PACK, UNPACK, SHIP,
 * RECEIVE, RETURN, DESTROY.  All run on the writer.  The rules are
 * commission.c's, packing.c's and movement.c's (custody.h); a handler
 * applies the command and renders what the rule reports.
 */
#include "cmd.h"
#include "commission.h"
#include "custody.h"
#include "decommission.h"
#include "movement.h"
#include "packing.h"
#include "transform.h"
#include "parse.h"

#include <string.h>
#include <strings.h>

/* {event, codes[, outputs][, level][, diverted][, cold_chain_breaks][, warnings: [{reason, product, lot,
 * units}]]}: level for COMMISSION, diverted for RECEIVE, warnings when
 * there are any; cold_chain_breaks when a TEMP reading was given. */
static void render(struct resp_out *out, enum cmd_id id, const struct custody_outcome *co)
{
	const struct badstock *w = &co->warnings;
	bool level = id == CMD_COMMISSION || id == CMD_TRANSFORM, diverted = id == CMD_RECEIVE,
	     outputs = id == CMD_TRANSFORM;
	resp_map(out, 2 + level + outputs + diverted + co->has_reading + (w->n > 0));
	resp_cstr(out, "event");
	resp_int(out, (int64_t)co->seq);
	resp_cstr(out, "codes");
	resp_int(out, (int64_t)co->codes);
	if (outputs) {
		resp_cstr(out, "outputs");
		resp_int(out, (int64_t)co->outputs);
	}
	if (level) {
		resp_cstr(out, "level");
		resp_int(out, co->level);
	}
	if (diverted) {
		resp_cstr(out, "diverted");
		resp_int(out, (int64_t)co->diverted);
	}
	if (co->has_reading) {
		resp_cstr(out, "cold_chain_breaks");
		resp_int(out, (int64_t)co->cold_breaks);
	}
	if (w->n == 0)
		return;
	resp_cstr(out, "warnings");
	resp_array(out, w->n);
	for (size_t i = 0; i < w->n; i++) {
		resp_map(out, 4);
		resp_cstr(out, "reason");
		resp_cstr(out, badstock_reason_name(w->w[i].reason));
		resp_cstr(out, "product");
		resp_cstr(out, w->w[i].product);
		resp_cstr(out, "lot");
		resp_bulk(out, w->w[i].lot_name, w->w[i].lot_len);
		resp_cstr(out, "units");
		resp_int(out, (int64_t)w->w[i].units);
	}
}

/* The reply, or the refusal. */
static enum cmd_status answer(struct cmd_ctx *ctx, enum cmd_status st,
			      const struct custody_outcome *co)
{
	st = cmd_outcome(ctx, st, &co->o);
	if (st == CMD_REFUSED || st == CMD_FAILED)
		return st;
	render(ctx->out, ctx->cmd->spec->id, co);
	return st;
}

/* A rule of commission.h, packing.h or movement.h, applied and answered. */
typedef enum cmd_status (*custody_rule)(struct store_txn *t, const struct config *cfg,
					const struct cmd *c, struct custody_outcome *co);

static enum cmd_status apply(struct cmd_ctx *ctx, custody_rule rule)
{
	struct custody_outcome co = { 0 };
	return answer(ctx, rule(ctx->txn, ctx->cfg, ctx->cmd, &co), &co);
}

/* COMMISSION code [code ...] SITE s [PRODUCT p] [LOT l] [EXPIRY date]
 *            [LEVEL 1-4] [QTY n] [TIME t] */
enum cmd_status cmd_commission(struct cmd_ctx *ctx)
{
	return apply(ctx, commission_apply);
}

/* PACK container code [code ...] SITE s [TIME t] */
enum cmd_status cmd_pack(struct cmd_ctx *ctx)
{
	struct custody_outcome co = { 0 };
	enum cmd_status st = packing_pack(ctx->txn, ctx->cfg, ctx->cmd, ctx->as_records, &co);
	return answer(ctx, st, &co);
}

/* UNPACK container [code ...] SITE s [TIME t] */
enum cmd_status cmd_unpack(struct cmd_ctx *ctx)
{
	return apply(ctx, packing_unpack);
}

/* SHIP code [code ...] FROM s TO s [REF r] [TIME t] */
enum cmd_status cmd_ship(struct cmd_ctx *ctx)
{
	return apply(ctx, movement_ship);
}

/* RETURN code [code ...] FROM s TO s [REF r] [TIME t] */
enum cmd_status cmd_return(struct cmd_ctx *ctx)
{
	return apply(ctx, movement_return);
}

/* RECEIVE code [code ...] SITE s [FROM s] [REF r] [TIME t] */
enum cmd_status cmd_receive(struct cmd_ctx *ctx)
{
	return apply(ctx, movement_receive);
}

/* DESTROY code [code ...] SITE s [REF r] [TIME t] */
enum cmd_status cmd_destroy(struct cmd_ctx *ctx)
{
	return apply(ctx, movement_destroy);
}

/* DECOMMISSION code [code ...] SITE s STATE st [REF r] [TIME t] */
enum cmd_status cmd_decommission(struct cmd_ctx *ctx)
{
	return apply(ctx, decommission_apply);
}

/* REACTIVATE code [code ...] SITE s [REF r] [TIME t] */
enum cmd_status cmd_reactivate(struct cmd_ctx *ctx)
{
	return apply(ctx, decommission_reactivate);
}

/* TRANSFORM INPUTS code ... OUTPUTS code ... SITE s LOT l EXPIRY d [PRODUCT p]
 *           [REF r] [TIME t] */
enum cmd_status cmd_transform(struct cmd_ctx *ctx)
{
	return apply(ctx, transform_apply);
}
