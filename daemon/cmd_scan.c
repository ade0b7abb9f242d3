/*
 * cmd_scan — what a pharmacy's scan does: VERIFY (read only, on the network
 * thread), DISPENSE and UNDO (on the writer: decided and recorded in one
 * transaction, answered after the commit).
 *
 * Sales are idempotent per (site, transaction, code): DB_SALES keeps the
 * answer that sold, so a retried DISPENSE gets that answer again and changes
 * nothing, and a retried UNDO likewise.  An answer that sold nothing (RED,
 * or an unknown code) or a sale since undone binds nothing: the same TX is
 * judged again as a new scan, and an alert the first answer raised is not
 * raised again for it (sales.h keeps the records).
 */
#include "acl.h"
#include "alerts.h"
#include "args.h"
#include "cmd.h"
#include "code_util.h"
#include "sales.h"
#include "server.h"
#include "store.h"
#include "tally.h"
#include "verdict.h"

#include <stdio.h>
#include <string.h>

static int arg_site(struct cmd_ctx *ctx, struct store_txn *t, const struct resp_arg *a,
		    uint32_t *site)
{
	char err[200];
	int rc = args_site(t, a, site, err, sizeof err);
	if (rc == -1) {
		resp_error(ctx->out, "ERR", "%.*s: SITE: %s", (int)ctx->argv[0].len,
			   ctx->argv[0].ptr, err);
		return 1;
	}
	return rc;
}

/* VERIFY code [SITE s] */
int cmd_verify(struct cmd_ctx *ctx)
{
	struct args_opt o[1] = { { "SITE", 0 } };
	char err[300];
	struct store_txn *t;
	if (args_options(ctx->argc, ctx->argv, 2, o, 1, err, sizeof err) != 0) {
		resp_error(ctx->out, "ERR", "VERIFY: %s", err);
		return 0;
	}
	int rc = cmd_read_txn(ctx, &t);
	if (rc)
		return rc;
	uint32_t site = 0;
	if (o[0].val && (rc = arg_site(ctx, t, o[0].val, &site)) != 0)
		return rc == 1 ? 0 : rc;
	struct judgement j;
	if ((rc = verdict_judge(t, &ctx->srv->cfg, ctx->now_ms, &ctx->argv[1], site, &j)) != 0)
		return rc;
	if ((j.reasons & (1u << R_DUPLICATE)) && (rc = verdict_first_sale(t, &j)) != 0)
		return rc;
	j.public_view = ctx->who && ctx->who->role == ROLE_NONE;
	verdict_reply(t, ctx->out, &j, &ctx->srv->cfg, ctx->now_ms);
	return 0;
}

static int store_alert(struct cmd_ctx *ctx, uint8_t kind, uint32_t site,
		       const struct judgement *j, const struct resp_arg *tx)
{
	struct alert a = { .kind = kind, .time_ms = ctx->now_ms, .site = site,
			   .unit = j->found ? j->unit.id : 0,
			   .related = j->has_first_sale ? j->first_sale.seq : 0,
			   .key_len = j->scan.cr_key_len };
	memcpy(a.key, j->scan.cr_key, j->scan.cr_key_len);
	if (tx) {
		a.tx_len = tx->len > EVENT_REF_MAX ? EVENT_REF_MAX : tx->len;
		memcpy(a.tx, tx->ptr, a.tx_len);
	}
	return alerts_add(ctx->txn, &a);
}

/* Reply with a stored first answer, re-rendered from the record. */
static int replay(struct cmd_ctx *ctx, const struct resp_arg *code, uint32_t site,
		  const struct sale *s)
{
	struct judgement j;
	int rc = verdict_judge(ctx->txn, &ctx->srv->cfg, ctx->now_ms, code, site, &j);
	if (rc)
		return rc;
	j.verdict = (enum verdict)s->verdict;
	j.reasons = s->reasons;
	if ((j.reasons & (1u << R_DUPLICATE)) && j.found && (rc = verdict_first_sale(ctx->txn, &j)))
		return rc;
	verdict_reply(ctx->txn, ctx->out, &j, &ctx->srv->cfg, ctx->now_ms);
	return 0;
}

enum { S_SITE, S_TX, S_QTY, S_TIME, S_N };

/* DISPENSE code SITE s [TX t] [QTY n] */
int cmd_dispense(struct cmd_ctx *ctx)
{
	const struct config *cfg = &ctx->srv->cfg;
	struct args_opt o[S_N] = { { "SITE", 0 }, { "TX", 0 }, { "QTY", 0 }, { "TIME", 0 } };
	char err[300];
	if (args_options(ctx->argc, ctx->argv, 2, o, S_N, err, sizeof err) != 0) {
		resp_error(ctx->out, "ERR", "DISPENSE: %s", err);
		return 0;
	}
	if (o[S_SITE].val == NULL) {
		resp_error(ctx->out, "ERR", "DISPENSE: SITE is required");
		return 0;
	}
	uint32_t site, qty = 1;
	int rc = arg_site(ctx, ctx->txn, o[S_SITE].val, &site);
	if (rc)
		return rc == 1 ? 0 : rc;
	if (o[S_QTY].val &&
	    args_uint(o[S_QTY].val, "QTY", 1, 1000000, &qty, err, sizeof err) != 0) {
		resp_error(ctx->out, "ERR", "DISPENSE: %s", err);
		return 0;
	}
	if (o[S_TIME].val && args_time(o[S_TIME].val, &ctx->now_ms, err, sizeof err) != 0) {
		resp_error(ctx->out, "ERR", "DISPENSE: TIME %s", err);
		return 0;
	}
	if (o[S_TX].val && (o[S_TX].val->len == 0 || o[S_TX].val->len > SALES_TX_MAX)) {
		resp_error(ctx->out, "ERR", "DISPENSE: TX must be 1 to %d bytes", SALES_TX_MAX);
		return 0;
	}
	/* A TX is shown in traces and alerts: no terminal controls in it. */
	if (o[S_TX].val && args_text(o[S_TX].val, "TX", err, sizeof err) != 0) {
		resp_error(ctx->out, "ERR", "DISPENSE: %s", err);
		return 0;
	}

	struct judgement j;
	if ((rc = verdict_judge(ctx->txn, cfg, ctx->now_ms, &ctx->argv[1], site, &j)) != 0)
		return rc;

	/* A retry of a sale: the answer that sold, nothing changes.  A TX
	 * whose answer sold nothing, or whose sale was undone, is judged
	 * again (prev remembers what it raised). */
	uint8_t key[SALES_KEY_MAX];
	size_t kl = 0;
	struct sale prev = { 0 };
	if (o[S_TX].val && j.scan.cr_type != CODE_NONE) {
		kl = sales_key(site, o[S_TX].val->ptr, o[S_TX].val->len, j.scan.cr_key,
			       j.scan.cr_key_len, key);
		rc = sales_get(ctx->txn, key, kl, &prev);
		if (rc == 0 && prev.seq != 0 && prev.undo_seq == 0) {
			ctx->verdict = prev.verdict;
			return replay(ctx, &ctx->argv[1], site, &prev);
		}
		if (rc == 0 && prev.seq != 0)
			prev = (struct sale){ 0 };	/* undone: raised nothing to keep */
		else if (rc != 0 && rc != STORE_NOTFOUND)
			return rc;
	}

	/* What only a sale can add: a container is not sold whole, and a
	 * pack is sold at most its units-per-pack times (split packs). */
	uint32_t limit = j.unit.quantity ? j.unit.quantity :
			 units_lot_level(j.unit.key, j.unit.key_len) ? 0 : j.units_per_pack;
	if (j.found && j.unit.level > 1)
		verdict_add(&j, cfg, R_NOT_A_SALES_UNIT);
	/* An opened split pack stays where it was first sold from: another
	 * site selling from it is a resold pack, not a diversion. */
	if (j.found && j.unit.dispensed > 0 && j.place.holder != site &&
	    !(j.reasons & (1u << R_DUPLICATE))) {
		j.reasons &= ~(1u << R_NOT_RECEIVED_HERE);
		verdict_add(&j, cfg, R_DUPLICATE);
	}
	/* More than the pack still holds is a wrong QTY, not a second sale:
	 * refused, nothing recorded, no alert. */
	if (j.found && !(j.reasons & (1u << R_DUPLICATE)) && limit &&
	    j.unit.dispensed + qty > limit) {
		uint32_t left = limit - j.unit.dispensed;
		resp_error(ctx->out, "ERR", "DISPENSE: QTY %u is more than the %u %s of this pack "
			   "(%u of %u sold)", qty, left, left == 1 ? "that remains" : "that remain",
			   j.unit.dispensed, limit);
		return 0;
	}
	if ((j.reasons & (1u << R_DUPLICATE)) && (rc = verdict_first_sale(ctx->txn, &j)) != 0)
		return rc;

	/* An EVENTS record that does not sell fails, and a failed record
	 * changes nothing (SKIPBAD goes on without it): no alert, and no
	 * answer kept for its TX. */
	if (ctx->quiet && j.verdict == VERDICT_RED) {
		ctx->verdict = j.verdict;
		return 0;
	}
	struct sale s = { .verdict = (uint8_t)j.verdict, .reasons = j.reasons, .qty = qty };
	rc = 0;
	/* Duplicates and unknown codes are alerts (an input error such as a
	 * product barcode is not): once per (site, TX, code). */
	uint32_t alerted = prev.reasons & ((1u << R_DUPLICATE) | (1u << R_UNKNOWN));
	if (j.verdict == VERDICT_RED && (j.reasons & (1u << R_DUPLICATE))) {
		if (!(alerted & (1u << R_DUPLICATE)))
			rc = store_alert(ctx, ALERT_DUPLICATE, site, &j, o[S_TX].val);
	} else if (j.reasons & (1u << R_UNKNOWN)) {	/* red, or amber by unknown_code */
		if (!(alerted & (1u << R_UNKNOWN)))
			rc = store_alert(ctx, ALERT_UNKNOWN, site, &j, o[S_TX].val);
	}
	if (rc)
		return rc;
	if (j.verdict != VERDICT_RED && j.found) {
		struct unit *u = &j.unit;
		struct event e = { .kind = EV_DISPENSE, .time_ms = ctx->now_ms, .site = site,
				   .other = j.place.holder != site ? j.place.holder : 0,
				   .unit = u->id, .count = 1, .qty = qty, .parent = u->parent };
		if (o[S_TX].val) {
			e.ref_len = o[S_TX].val->len;
			memcpy(e.ref, o[S_TX].val->ptr, e.ref_len);
		}
		struct tally_place was, now;
		struct tally_load ld;
		tally_place_of(u, &j.place, &was);
		tally_self(u, &ld);
		if ((rc = events_add(ctx->txn, &e, 0)) != 0)
			return rc;
		if (u->parent && ((rc = units_unlink(ctx->txn, u->parent, u->id)) != 0 ||
				  (rc = tally_pack(ctx->txn, u->parent, &ld, -1, ctx->now_ms)) != 0))
			return rc;	/* a pack sold out of its case leaves it */
		if (j.reasons & (1u << R_NOT_RECEIVED_HERE) &&
		    (rc = store_alert(ctx, ALERT_DIVERSION, site, &j, o[S_TX].val)) != 0)
			return rc;
		u->parent = 0;
		u->dest = 0;
		u->holder = site;
		u->dispensed += qty;
		u->status = limit && u->dispensed >= limit ? UNIT_DISPENSED : UNIT_ACTIVE;
		if ((rc = units_event(ctx->txn, u, e.seq)) != 0 ||
		    (rc = units_put(ctx->txn, u)) != 0)
			return rc;
		s.seq = e.seq;
		j.place.status = u->status;
		j.place.holder = site;
		j.place.dest = 0;
		tally_place_of(u, &j.place, &now);
		if ((rc = tally_move(ctx->txn, &ld, &was, &now, ctx->now_ms)) != 0)
			return rc;
	}
	if (kl && (rc = sales_put(ctx->txn, key, kl, &s)) != 0)
		return rc;
	ctx->verdict = j.verdict;
	if (!ctx->quiet)
		verdict_reply(ctx->txn, ctx->out, &j, cfg, ctx->now_ms);
	return 0;
}

/* UNDO code SITE s TX t */
int cmd_undo(struct cmd_ctx *ctx)
{
	const struct config *cfg = &ctx->srv->cfg;
	struct args_opt o[2] = { { "SITE", 0 }, { "TX", 0 } };
	char err[300];
	if (args_options(ctx->argc, ctx->argv, 2, o, 2, err, sizeof err) != 0) {
		resp_error(ctx->out, "ERR", "UNDO: %s", err);
		return 0;
	}
	if (o[0].val == NULL || o[1].val == NULL) {
		resp_error(ctx->out, "ERR", "UNDO: SITE and TX are required");
		return 0;
	}
	if (o[1].val->len == 0 || o[1].val->len > SALES_TX_MAX) {
		resp_error(ctx->out, "ERR", "UNDO: TX must be 1 to %d bytes", SALES_TX_MAX);
		return 0;
	}
	if (args_text(o[1].val, "TX", err, sizeof err) != 0) {	/* stored in the event */
		resp_error(ctx->out, "ERR", "UNDO: %s", err);
		return 0;
	}
	uint32_t site;
	int rc = arg_site(ctx, ctx->txn, o[0].val, &site);
	if (rc)
		return rc == 1 ? 0 : rc;
	struct judgement j;
	if ((rc = verdict_judge(ctx->txn, cfg, ctx->now_ms, &ctx->argv[1], site, &j)) != 0)
		return rc;
	if (j.scan.cr_type == CODE_NONE || !j.found) {
		verdict_reply(ctx->txn, ctx->out, &j, cfg, ctx->now_ms);
		return 0;
	}
	uint8_t key[SALES_KEY_MAX];
	size_t kl = sales_key(site, o[1].val->ptr, o[1].val->len, j.scan.cr_key,
			      j.scan.cr_key_len, key);
	struct sale s;
	rc = sales_get(ctx->txn, key, kl, &s);
	if (rc && rc != STORE_NOTFOUND)
		return rc;

	/* The answer to an UNDO: GREEN when reversed (or already reversed
	 * by this same request before), RED with the reason otherwise. */
	struct judgement a = j;
	a.verdict = VERDICT_GREEN;
	a.reasons = 0;
	if (rc == STORE_NOTFOUND || s.seq == 0) {
		verdict_add(&a, cfg, R_NOT_DISPENSED);
		if (a.unit.status == UNIT_DISPENSED && verdict_first_sale(ctx->txn, &a) != 0)
			a.has_first_sale = false;
		verdict_reply(ctx->txn, ctx->out, &a, cfg, ctx->now_ms);
		return 0;
	}
	if (s.undo_seq) {	/* a retry: reversed already */
		verdict_reply(ctx->txn, ctx->out, &a, cfg, ctx->now_ms);
		return 0;
	}
	struct event sale_ev;
	if ((rc = events_get(ctx->txn, s.seq, &sale_ev)) != 0)
		return rc;
	/* A sale recorded with a later TIME than this UNDO's is within the
	 * window, not 49 days past it. */
	if (ctx->now_ms - sale_ev.time_ms > (int64_t)cfg->undo_window * 1000)
		verdict_add(&a, cfg, R_UNDO_WINDOW);
	static const enum reason blocking[] = { R_RECALLED, R_WITHDRAWN, R_EXPIRED,
						R_DESTROYED, R_LOCKED };
	for (size_t i = 0; i < sizeof blocking / sizeof blocking[0]; i++)
		if (j.reasons & (1u << blocking[i]))
			verdict_add(&a, cfg, blocking[i]);
	if (a.verdict == VERDICT_RED) {
		verdict_reply(ctx->txn, ctx->out, &a, cfg, ctx->now_ms);
		return 0;
	}
	struct event e = { .kind = EV_UNDO, .time_ms = ctx->now_ms, .site = site,
			   .unit = j.unit.id, .count = 1, .qty = s.qty, .parent = s.seq,
			   .ref_len = o[1].val->len };
	memcpy(e.ref, o[1].val->ptr, e.ref_len);
	if ((rc = events_add(ctx->txn, &e, 0)) != 0)
		return rc;
	struct tally_place was, now;
	struct tally_load ld;
	tally_place_of(&a.unit, &a.place, &was);
	tally_self(&a.unit, &ld);
	a.unit.dispensed = a.unit.dispensed > s.qty ? a.unit.dispensed - s.qty : 0;
	/* The quantity comes back; where the pack is does not change (an
	 * opened split pack may have been shipped back since). */
	if (a.unit.status == UNIT_DISPENSED)
		a.unit.status = UNIT_ACTIVE;
	if ((rc = units_event(ctx->txn, &a.unit, e.seq)) != 0 ||
	    (rc = units_put(ctx->txn, &a.unit)) != 0)
		return rc;
	if (a.place.status == UNIT_DISPENSED)
		a.place.status = UNIT_ACTIVE;
	tally_place_of(&a.unit, &a.place, &now);
	if ((rc = tally_move(ctx->txn, &ld, &was, &now, ctx->now_ms)) != 0)
		return rc;
	s.undo_seq = e.seq;
	if ((rc = sales_put(ctx->txn, key, kl, &s)) != 0)
		return rc;
	verdict_reply(ctx->txn, ctx->out, &a, cfg, ctx->now_ms);
	return 0;
}
