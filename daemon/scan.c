/*
 * scan — VERIFY, DISPENSE and UNDO by the rules (see scan.h).
 */
#include "scan.h"
#include "alerts.h"
#include "category.h"
#include "args.h"
#include "config.h"
#include "parse.h"
#include "sales.h"
#include "store.h"
#include "tally.h"

#include <string.h>

/* The acting site: SITE, which the grammar requires where it must be
 * given; 0 when absent.  CMD_REFUSED when it names no site. */
static enum cmd_status site_of(struct store_txn *t, const struct cmd *c, struct outcome *o,
			       uint32_t *site)
{
	char err[200];
	*site = 0;
	if (!cmd_has(c, OPT_SITE))
		return CMD_DONE;
	int rc = args_site(t, c->opt[OPT_SITE].arg, site, err, sizeof err);
	if (rc == -1)
		return outcome_refuse(o, "SITE: %s", err);
	return rc ? outcome_failed(o, rc) : CMD_DONE;
}

/* The answer is final: read what it shows (BRIEF: what its message
 * names, nothing more). */
static enum cmd_status gathered(struct store_txn *t, const struct cmd *c,
				struct scan_outcome *so)
{
	so->j.brief = cmd_has(c, OPT_BRIEF);
	int rc = verdict_gather(t, &so->j);
	return rc ? outcome_failed(&so->o, rc) : CMD_DONE;
}

enum cmd_status scan_verify(struct store_txn *t, const struct config *cfg, const struct cmd *c,
			    bool public_view, struct scan_outcome *so)
{
	struct judgement *j = &so->j;
	uint32_t site;
	enum cmd_status st = site_of(t, c, &so->o, &site);
	if (st != CMD_DONE)
		return st;
	int rc = verdict_judge(t, cfg, c->when_ms, &c->codes[0], site, j);
	if (rc == 0 && (j->reasons & (1u << R_DUPLICATE)))
		rc = verdict_first_sale(t, j);
	if (rc)
		return outcome_failed(&so->o, rc);
	j->public_view = public_view;
	return gathered(t, c, so);
}

static int store_alert(struct store_txn *t, const struct cmd *c, uint8_t kind, uint32_t site,
		       const struct judgement *j)
{
	const struct resp_arg *tx = c->opt[OPT_TX].arg;
	struct alert a = { .kind = kind, .time_ms = c->when_ms, .site = site,
			   .unit = j->found ? j->unit.id : 0,
			   .related = j->has_first_sale ? j->first_sale.seq : 0,
			   .key_len = j->scan.cr_key_len };
	memcpy(a.key, j->scan.cr_key, j->scan.cr_key_len);
	if (tx) {
		a.tx_len = tx->len > EVENT_REF_MAX ? EVENT_REF_MAX : tx->len;
		memcpy(a.tx, tx->ptr, a.tx_len);
	}
	return alerts_add(t, &a);
}

/* A retry: the stored first answer, over the unit as it is now. */
static enum cmd_status replay(struct store_txn *t, const struct config *cfg, const struct cmd *c,
			      uint32_t site, const struct sale *s, struct scan_outcome *so)
{
	struct judgement *j = &so->j;
	int rc = verdict_judge(t, cfg, c->when_ms, &c->codes[0], site, j);
	if (rc)
		return outcome_failed(&so->o, rc);
	j->verdict = (enum verdict)s->verdict;
	j->reasons = s->reasons;
	if ((j->reasons & (1u << R_DUPLICATE)) && j->found && (rc = verdict_first_sale(t, j)))
		return outcome_failed(&so->o, rc);
	so->replayed = true;
	return gathered(t, c, so);
}

/* Record the sale of qty from unit j->unit at site: the event, the unit
 * leaving its case, the counters, and a diversion alert. */
static int sell(struct store_txn *t, const struct cmd *c, uint32_t site, uint32_t qty,
		uint32_t limit, struct judgement *j, uint64_t *seq)
{
	const struct resp_arg *tx = c->opt[OPT_TX].arg;
	struct unit *u = &j->unit;
	struct event e = { .kind = EV_DISPENSE, .time_ms = c->when_ms, .site = site,
			   .other = j->place.holder != site ? j->place.holder : 0,
			   .unit = u->id, .count = 1, .qty = qty, .parent = u->parent };
	if (tx) {
		e.ref_len = tx->len;
		memcpy(e.ref, tx->ptr, e.ref_len);
	}
	struct tally_place was, now;
	struct tally_load ld;
	tally_place_of(u, &j->place, &was);
	tally_self(u, &ld);
	cmd_actor(c, &e);
	int rc = events_add(t, &e, 0);
	if (rc)
		return rc;
	if (u->parent && ((rc = units_unlink(t, u->parent, u->id)) != 0 ||
			  (rc = tally_pack(t, u->parent, &ld, -1, c->when_ms)) != 0))
		return rc;	/* a pack sold out of its case leaves it */
	if ((j->reasons & (1u << R_NOT_RECEIVED_HERE)) &&
	    (rc = store_alert(t, c, ALERT_DIVERSION, site, j)) != 0)
		return rc;
	u->parent = 0;
	u->dest = 0;
	u->holder = site;
	u->dispensed += qty;
	/* A split pack checked out to a ward stays there until used up. */
	u->status = limit && u->dispensed >= limit ? UNIT_DISPENSED :
		    u->status == UNIT_CHECKED_OUT ? UNIT_CHECKED_OUT : UNIT_ACTIVE;
	if ((rc = units_event(t, u, e.seq)) != 0 || (rc = units_put(t, u)) != 0)
		return rc;
	*seq = e.seq;
	j->place.status = u->status;
	j->place.holder = site;
	j->place.dest = 0;
	tally_place_of(u, &j->place, &now);
	return tally_move(t, &ld, &was, &now, c->when_ms);
}

enum cmd_status scan_dispense(struct store_txn *t, const struct config *cfg,
			      const struct cmd *c, bool record, struct scan_outcome *so)
{
	struct judgement *j = &so->j;
	const struct resp_arg *tx = c->opt[OPT_TX].arg;
	uint32_t site, qty = cmd_has(c, OPT_QTY) ? c->opt[OPT_QTY].v.n : 1;
	enum cmd_status st = site_of(t, c, &so->o, &site);
	if (st != CMD_DONE)
		return st;
	int rc = verdict_judge(t, cfg, c->when_ms, &c->codes[0], site, j);
	if (rc)
		return outcome_failed(&so->o, rc);

	/* A retry of a sale: the answer that sold, nothing changes.  A TX
	 * whose answer sold nothing, or whose sale was undone, is judged
	 * again (prev remembers what it raised). */
	uint8_t key[SALES_KEY_MAX];
	size_t kl = 0;
	struct sale prev = { 0 };
	if (tx && j->scan.cr_type != CODE_NONE) {
		kl = sales_key(site, tx->ptr, tx->len, j->scan.cr_key, j->scan.cr_key_len, key);
		rc = sales_get(t, key, kl, &prev);
		if (rc == 0 && prev.seq != 0 && prev.undo_seq == 0)
			return replay(t, cfg, c, site, &prev, so);
		if (rc == 0 && prev.seq != 0)
			prev = (struct sale){ 0 };	/* undone: raised nothing to keep */
		else if (rc != 0 && rc != STORE_NOTFOUND)
			return outcome_failed(&so->o, rc);
	}

	/* What only a sale can add: a container is not sold whole, and a
	 * pack is sold at most its units-per-pack times (split packs). */
	uint32_t limit = j->unit.quantity ? j->unit.quantity :
			 units_lot_level(j->unit.key, j->unit.key_len) ? 0 : j->units_per_pack;
	if (j->found && j->unit.level > 1)
		verdict_add(j, cfg, R_NOT_A_SALES_UNIT);
	/* An opened split pack stays where it was first sold from: another
	 * site selling from it is a resold pack, not a diversion. */
	if (j->found && j->unit.dispensed > 0 && j->place.holder != site &&
	    !(j->reasons & (1u << R_DUPLICATE))) {
		j->reasons &= ~(1u << R_NOT_RECEIVED_HERE);
		verdict_add(j, cfg, R_DUPLICATE);
	}
	/* A category whose packs are sold whole (split_sale=refuse): part of
	 * a pack is refused before anything is recorded. */
	const struct category_policy *pol = &cfg->policy[j->category];
	if (j->found && pol->split_sale == 1 && limit > 1 && qty < limit &&
	    !(j->reasons & (1u << R_DUPLICATE)))
		return outcome_refuse(&so->o, "QTY %u: %s (%s) packs are sold whole, %u units "
				      "(policy_%s split_sale=refuse)", qty,
				      category_name((enum category)j->category),
				      category_name_zh((enum category)j->category), limit,
				      category_name((enum category)j->category));
	/* More than the pack still holds is a wrong QTY, not a second sale:
	 * refused, nothing recorded, no alert. */
	if (j->found && !(j->reasons & (1u << R_DUPLICATE)) && limit &&
	    j->unit.dispensed + qty > limit) {
		uint32_t left = limit - j->unit.dispensed;
		return outcome_refuse(&so->o, "QTY %u is more than the %u %s of this pack "
				      "(%u of %u sold)", qty, left,
				      left == 1 ? "that remains" : "that remain",
				      j->unit.dispensed, limit);
	}
	if ((j->reasons & (1u << R_DUPLICATE)) && (rc = verdict_first_sale(t, j)) != 0)
		return outcome_failed(&so->o, rc);

	/* A record that does not sell fails, and a failed record changes
	 * nothing (SKIPBAD goes on without it). */
	if (record && j->verdict == VERDICT_RED)
		return CMD_DONE;
	struct sale s = { .verdict = (uint8_t)j->verdict, .reasons = j->reasons, .qty = qty };
	/* Duplicates and unknown codes are alerts (an input error such as a
	 * product barcode is not): once per (site, TX, code). */
	uint32_t alerted = prev.reasons & ((1u << R_DUPLICATE) | (1u << R_UNKNOWN));
	rc = 0;
	if (j->verdict == VERDICT_RED && (j->reasons & (1u << R_DUPLICATE))) {
		if (!(alerted & (1u << R_DUPLICATE)))
			rc = store_alert(t, c, ALERT_DUPLICATE, site, j);
	} else if (j->reasons & (1u << R_UNKNOWN)) {	/* red, or amber by unknown_code */
		if (!(alerted & (1u << R_UNKNOWN)))
			rc = store_alert(t, c, ALERT_UNKNOWN, site, j);
	} else if (j->verdict == VERDICT_RED && (j->reasons & (1u << R_NOT_RECEIVED_HERE))) {
		/* A sale away from the holder that a category's policy refuses
		 * (a vaccine) is a diversion all the same: alerted as a sale
		 * made is (sell), once per (site, TX, code). */
		if (!(prev.reasons & (1u << R_NOT_RECEIVED_HERE)))
			rc = store_alert(t, c, ALERT_DIVERSION, site, j);
	}
	if (rc == 0 && j->verdict != VERDICT_RED && j->found)
		rc = sell(t, c, site, qty, limit, j, &s.seq);
	if (rc == 0 && kl)
		rc = sales_put(t, key, kl, &s);
	if (rc)
		return outcome_failed(&so->o, rc);
	return record ? CMD_DONE : gathered(t, c, so);
}

/* Give back the sale s (the event sale_seq) of unit a->unit at site. */
static int give_back(struct store_txn *t, const struct cmd *c, uint32_t site, struct sale *s,
		     struct judgement *a)
{
	const struct resp_arg *tx = c->opt[OPT_TX].arg;
	struct event e = { .kind = EV_UNDO, .time_ms = c->when_ms, .site = site,
			   .unit = a->unit.id, .count = 1, .qty = s->qty, .parent = s->seq,
			   .ref_len = tx->len };
	memcpy(e.ref, tx->ptr, e.ref_len);
	cmd_actor(c, &e);
	int rc = events_add(t, &e, 0);
	if (rc)
		return rc;
	struct tally_place was, now;
	struct tally_load ld;
	tally_place_of(&a->unit, &a->place, &was);
	tally_self(&a->unit, &ld);
	a->unit.dispensed = a->unit.dispensed > s->qty ? a->unit.dispensed - s->qty : 0;
	/* The quantity comes back; where the pack is does not change (an
	 * opened split pack may have been shipped back since). */
	if (a->unit.status == UNIT_DISPENSED)
		a->unit.status = UNIT_ACTIVE;
	if ((rc = units_event(t, &a->unit, e.seq)) != 0 || (rc = units_put(t, &a->unit)) != 0)
		return rc;
	if (a->place.status == UNIT_DISPENSED)
		a->place.status = UNIT_ACTIVE;
	tally_place_of(&a->unit, &a->place, &now);
	if ((rc = tally_move(t, &ld, &was, &now, c->when_ms)) != 0)
		return rc;
	s->undo_seq = e.seq;
	return 0;
}

enum cmd_status scan_undo(struct store_txn *t, const struct config *cfg, const struct cmd *c,
			  struct scan_outcome *so)
{
	const struct resp_arg *tx = c->opt[OPT_TX].arg;
	struct judgement j;
	uint32_t site;
	enum cmd_status st = site_of(t, c, &so->o, &site);
	if (st != CMD_DONE)
		return st;
	int rc = verdict_judge(t, cfg, c->when_ms, &c->codes[0], site, &j);
	if (rc)
		return outcome_failed(&so->o, rc);
	if (j.scan.cr_type == CODE_NONE || !j.found) {
		so->j = j;
		return gathered(t, c, so);
	}
	uint8_t key[SALES_KEY_MAX];
	size_t kl = sales_key(site, tx->ptr, tx->len, j.scan.cr_key, j.scan.cr_key_len, key);
	struct sale s;
	rc = sales_get(t, key, kl, &s);
	if (rc && rc != STORE_NOTFOUND)
		return outcome_failed(&so->o, rc);

	/* The answer to an UNDO: GREEN when reversed (or already reversed
	 * by this same request before), RED with the reason otherwise. */
	struct judgement *a = &so->j;
	*a = j;
	a->verdict = VERDICT_GREEN;
	a->reasons = 0;
	if (rc == STORE_NOTFOUND || s.seq == 0) {
		verdict_add(a, cfg, R_NOT_DISPENSED);
		if (a->unit.status == UNIT_DISPENSED && (rc = verdict_first_sale(t, a)) != 0)
			return outcome_failed(&so->o, rc);
		return gathered(t, c, so);
	}
	if (s.undo_seq)		/* a retry: reversed already */
		return gathered(t, c, so);
	struct event sale_ev;
	if ((rc = events_get(t, s.seq, &sale_ev)) != 0)
		return outcome_failed(&so->o, rc);
	/* A sale recorded with a later TIME than this UNDO's is within the
	 * window, not 49 days past it. */
	if (c->when_ms - sale_ev.time_ms > (int64_t)cfg->undo_window * 1000)
		verdict_add(a, cfg, R_UNDO_WINDOW);
	static const enum reason blocking[] = { R_RECALLED, R_WITHDRAWN, R_EXPIRED,
						R_DESTROYED, R_LOCKED };
	for (size_t i = 0; i < sizeof blocking / sizeof blocking[0]; i++)
		if (j.reasons & (1u << blocking[i]))
			verdict_add(a, cfg, blocking[i]);
	if (a->verdict == VERDICT_RED)
		return gathered(t, c, so);
	if ((rc = give_back(t, c, site, &s, a)) != 0 || (rc = sales_put(t, key, kl, &s)) != 0)
		return outcome_failed(&so->o, rc);
	return gathered(t, c, so);
}
