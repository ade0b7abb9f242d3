/*
 * cmd_recall — stopping sales: RECALL and LIFT a lot, WITHDRAW a product,
 * LOCK and UNLOCK one code.  All run on the writer.
 *
 * A recall marks the lot record, whatever the lot's size: every VERIFY and
 * DISPENSE of its units reads the lot, so from the commit on they answer
 * RED RECALLED.  Withdrawal marks the product the same way and also refuses
 * new commissioning of it.  RECALL.ACK records that a site has the news;
 * IMPACT (cmd_impact.c) reports who has and who is past the deadline.
 */
#include "args.h"
#include "cmd.h"
#include "eventlog.h"
#include "lots.h"
#include "master.h"
#include "product_state.h"
#include "store.h"
#include "tally.h"
#include "units.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>


static void reply_event(struct cmd_ctx *ctx, uint64_t seq)
{
	resp_map(ctx->out, 1);
	resp_cstr(ctx->out, "event");
	resp_int(ctx->out, (int64_t)seq);
}

/* REASON: required text of at most EVENT_REF_MAX bytes. */
static int reason_of(struct cmd_ctx *ctx, const struct args_opt *opt, struct event *e)
{
	if (opt->val == NULL || opt->val->len == 0 || opt->val->len > EVENT_REF_MAX) {
		cmd_reject(ctx, "REASON is required: 1 to %d bytes of text", EVENT_REF_MAX);
		return 1;
	}
	char err[160];
	if (args_text(opt->val, "REASON", err, sizeof err) != 0) {	/* shown in traces */
		cmd_reject(ctx, "%s", err);
		return 1;
	}
	e->ref_len = opt->val->len;
	memcpy(e->ref, opt->val->ptr, e->ref_len);
	return 0;
}

/* The product argument: its number (must exist). 1 after replying. */
static int product_arg(struct cmd_ctx *ctx, const struct resp_arg *a, uint32_t *num,
		      char *id)
{
	char err[300];
	struct master_rec rec;
	if (master_normalize_id(&master_product, a->ptr, a->len, id, err, sizeof err) != 0)
		return cmd_reject(ctx, "%s", err) + 1;
	int rc = master_load(ctx->txn, &master_product, id, &rec);
	if (rc == STORE_NOTFOUND)
		return cmd_reject(ctx, "unknown product '%s'", id) + 1;
	if (rc)
		return rc;
	*num = rec.num;
	return 0;
}

int cmd_lot_args(struct cmd_ctx *ctx, struct lot *l, char *pid)
{
	uint32_t product;
	const struct resp_arg *a = &ctx->argv[2];
	int rc = product_arg(ctx, &ctx->argv[1], &product, pid);
	if (rc)
		return rc;
	rc = lots_find(ctx->txn, product, a->ptr, a->len, l);
	if (rc == STORE_NOTFOUND)
		return cmd_reject(ctx, "product %s has no lot '%.*s'", pid,
			      (int)(a->len > 40 ? 40 : a->len), a->ptr) + 1;
	return rc;
}

/* RECALL product lot LEVEL 1|2|3 REASON text */
int cmd_recall(struct cmd_ctx *ctx)
{
	struct args_opt o[2] = { { "LEVEL", 0 }, { "REASON", 0 } };
	char err[300], pid[MASTER_ID_MAX + 1];
	if (args_options(ctx->argc, ctx->argv, 3, o, 2, err, sizeof err) != 0)
		return cmd_reject(ctx, "%s", err);
	uint32_t level;
	struct event e = { .kind = EV_RECALL, .time_ms = ctx->now_ms };
	if (o[0].val == NULL)
		return cmd_reject(ctx, "LEVEL is required (1, 2 or 3)");
	if (args_uint(o[0].val, "LEVEL", 1, 3, &level, err, sizeof err) != 0)
		return cmd_reject(ctx, "%s", err);
	if (reason_of(ctx, &o[1], &e))
		return 0;
	struct lot l;
	int rc = cmd_lot_args(ctx, &l, pid);
	if (rc)
		return rc == 1 ? 0 : rc;
	if (l.status == LOT_RECALLED && l.recall_level == level)
		return cmd_reject(ctx, "lot %s of %s is already recalled at level %u", l.name, pid, level);
	e.parent = l.num;
	e.qty = level;
	if ((rc = events_add(ctx->txn, &e, 0)) != 0 ||
	    (rc = lots_index_event(ctx->txn, l.num, e.seq)) != 0)
		return rc;
	l.status = LOT_RECALLED;
	l.recall_level = (uint8_t)level;
	l.recall_seq = e.seq;
	if ((rc = lots_put(ctx->txn, &l)) != 0)
		return rc;
	reply_event(ctx, e.seq);
	return 0;
}

/* The lot named by argv[1..2], which must be under recall. */
static int recalled_lot(struct cmd_ctx *ctx, struct lot *l, char *pid)
{
	int rc = cmd_lot_args(ctx, l, pid);
	if (rc == 0 && l->status != LOT_RECALLED)
		return cmd_reject(ctx, "lot %s of %s is not recalled", l->name, pid) + 1;
	return rc;
}

/* LIFT product lot REASON text */
int cmd_lift(struct cmd_ctx *ctx)
{
	struct args_opt o[1] = { { "REASON", 0 } };
	char err[300], pid[MASTER_ID_MAX + 1];
	if (args_options(ctx->argc, ctx->argv, 3, o, 1, err, sizeof err) != 0)
		return cmd_reject(ctx, "%s", err);
	struct event e = { .kind = EV_LIFT, .time_ms = ctx->now_ms };
	if (reason_of(ctx, &o[0], &e))
		return 0;
	struct lot l;
	int rc = recalled_lot(ctx, &l, pid);
	if (rc)
		return rc == 1 ? 0 : rc;
	e.parent = l.num;
	if ((rc = events_add(ctx->txn, &e, 0)) != 0 ||
	    (rc = lots_index_event(ctx->txn, l.num, e.seq)) != 0)
		return rc;
	l.status = LOT_NORMAL;
	l.recall_level = 0;
	l.recall_seq = 0;
	if ((rc = lots_put(ctx->txn, &l)) != 0)
		return rc;
	reply_event(ctx, e.seq);
	return 0;
}

/* RECALL.ACK product lot SITE s [TIME t]: once per site and recall; a
 * repeat (a retry) answers with the first acknowledgement. */
int cmd_recall_ack(struct cmd_ctx *ctx)
{
	struct args_opt o[2] = { { "SITE", 0 }, { "TIME", 0 } };
	char err[300], pid[MASTER_ID_MAX + 1], when[32];
	if (args_options(ctx->argc, ctx->argv, 3, o, 2, err, sizeof err) != 0)
		return cmd_reject(ctx, "%s", err);
	if (o[0].val == NULL)
		return cmd_reject(ctx, "SITE is required");
	struct event e = { .kind = EV_RECALL_ACK, .time_ms = ctx->now_ms };
	if (o[1].val && args_time(o[1].val, &e.time_ms, err, sizeof err) != 0)
		return cmd_reject(ctx, "TIME %s", err);
	uint32_t site;
	struct lot l;
	int rc = recalled_lot(ctx, &l, pid);
	if (rc)
		return rc == 1 ? 0 : rc;
	rc = args_site(ctx->txn, o[0].val, &site, err, sizeof err);
	if (rc == -1)
		return cmd_reject(ctx, "SITE: %s", err);
	struct tally_recall r;
	if (rc || (rc = tally_recall_get(ctx->txn, l.num, site, &r)) != 0)
		return rc;
	if (r.recall_seq != l.recall_seq)	/* nothing yet about this recall */
		r = (struct tally_recall){ .recall_seq = l.recall_seq };
	bool again = r.ack_seq != 0;
	if (!again) {
		e.site = site;
		e.parent = l.num;
		e.count = 1;
		if ((rc = events_add(ctx->txn, &e, 0)) != 0)
			return rc;
		r.ack_seq = e.seq;
		r.ack_ms = e.time_ms;
		if ((rc = tally_recall_put(ctx->txn, l.num, site, &r)) != 0)
			return rc;
	}
	args_format_time(r.ack_ms, when);
	resp_map(ctx->out, 3);
	resp_cstr(ctx->out, "event");
	resp_int(ctx->out, (int64_t)r.ack_seq);
	resp_cstr(ctx->out, "acknowledged");
	resp_cstr(ctx->out, when);
	resp_cstr(ctx->out, "repeated");
	resp_bool(ctx->out, again);
	return 0;
}

/* WITHDRAW product REASON text */
int cmd_withdraw(struct cmd_ctx *ctx)
{
	struct args_opt o[1] = { { "REASON", 0 } };
	char err[300], pid[MASTER_ID_MAX + 1];
	if (args_options(ctx->argc, ctx->argv, 2, o, 1, err, sizeof err) != 0)
		return cmd_reject(ctx, "%s", err);
	struct event e = { .kind = EV_WITHDRAW, .time_ms = ctx->now_ms };
	if (reason_of(ctx, &o[0], &e))
		return 0;
	uint32_t product;
	int rc = product_arg(ctx, &ctx->argv[1], &product, pid);
	if (rc)
		return rc == 1 ? 0 : rc;
	bool withdrawn;
	uint64_t seq;
	if ((rc = products_withdrawn(ctx->txn, product, &withdrawn, &seq)) != 0)
		return rc;
	if (withdrawn)
		return cmd_reject(ctx, "product %s is already withdrawn", pid);
	e.parent = product;
	if ((rc = events_add(ctx->txn, &e, 0)) != 0 ||
	    (rc = products_set_withdrawn(ctx->txn, product, e.seq)) != 0)
		return rc;
	reply_event(ctx, e.seq);
	return 0;
}

/* LOCK code [REASON text] / UNLOCK code [REASON text] */
static int lock(struct cmd_ctx *ctx, bool on)
{
	struct args_opt o[1] = { { "REASON", 0 } };
	char err[300];
	if (args_options(ctx->argc, ctx->argv, 2, o, 1, err, sizeof err) != 0)
		return cmd_reject(ctx, "%s", err);
	struct event e = { .kind = on ? EV_LOCK : EV_UNLOCK, .time_ms = ctx->now_ms, .count = 1 };
	if (o[0].val && reason_of(ctx, &o[0], &e))
		return 0;
	struct code_result r;
	struct unit u;
	if (args_code(&ctx->argv[1], ctx->now_ms, &r, err, sizeof err) != 0)
		return cmd_reject(ctx, "%s", err);
	int rc = units_find(ctx->txn, r.cr_key, r.cr_key_len, &u);
	if (rc == STORE_NOTFOUND) {
		char text[CODE_TEXT_MAX];
		code_key_format(r.cr_key, r.cr_key_len, text, sizeof text);
		return cmd_reject(ctx, "%s is not commissioned", text);
	}
	if (rc)
		return rc;
	if (!!(u.flags & UNIT_F_LOCKED) == on)
		return cmd_reject(ctx, "the code is %s", on ? "already locked" : "not locked");
	e.unit = u.id;
	if ((rc = events_add(ctx->txn, &e, u.id)) != 0)
		return rc;
	u.flags = (uint8_t)(on ? u.flags | UNIT_F_LOCKED : u.flags & ~UNIT_F_LOCKED);
	if ((rc = units_put(ctx->txn, &u)) != 0)
		return rc;
	reply_event(ctx, e.seq);
	return 0;
}

int cmd_lock(struct cmd_ctx *ctx)
{
	return lock(ctx, true);
}

int cmd_unlock(struct cmd_ctx *ctx)
{
	return lock(ctx, false);
}
