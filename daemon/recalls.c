/*
 * recalls — RECALL, LIFT, WITHDRAW and RECALL.ACK by the rules (see
 * recalls.h).
 */
#include "recalls.h"
#include "args.h"
#include "eventlog.h"
#include "lots.h"
#include "named.h"
#include "parse.h"
#include "product_state.h"
#include "store.h"
#include "tally.h"

#include <string.h>

/* An event of kind at the command's time, with its REASON when given
 * (the grammar checked it: 1 to CMD_REF_MAX bytes of text, which an
 * event's ref holds). */
static struct event event_of(const struct cmd *c, uint8_t kind)
{
	struct event e = { .kind = kind, .time_ms = c->when_ms };
	const struct resp_arg *reason = c->opt[OPT_REASON].arg;
	_Static_assert(CMD_REF_MAX <= EVENT_REF_MAX, "a REASON fits an event");
	if (reason) {
		e.ref_len = reason->len;
		memcpy(e.ref, reason->ptr, e.ref_len);
	}
	cmd_actor(c, &e);
	return e;
}

/* The lot the command's first two words name. */
static enum cmd_status lot_of(struct store_txn *t, const struct cmd *c, struct lot *l,
			      char pid[MASTER_ID_MAX + 1], struct outcome *o)
{
	return named_lot(t, cmd_word(c, 0), cmd_word(c, 1), l, pid, o);
}

/* The same, which must be under recall. */
static enum cmd_status recalled_lot(struct store_txn *t, const struct cmd *c, struct lot *l,
				    struct outcome *o)
{
	char pid[MASTER_ID_MAX + 1];
	enum cmd_status st = lot_of(t, c, l, pid, o);
	if (st == CMD_DONE && l->status != LOT_RECALLED)
		return outcome_refuse(o, "lot %s of %s is not recalled", l->name, pid);
	return st;
}

/* Record e in the lot's history and give the lot its new recall state. */
static int lot_event(struct store_txn *t, struct lot *l, struct event *e, uint8_t status,
		     uint8_t level)
{
	int rc;
	e->parent = l->num;
	if ((rc = events_add(t, e, 0)) != 0 || (rc = lots_index_event(t, l->num, e->seq)) != 0)
		return rc;
	l->status = status;
	l->recall_level = level;
	l->recall_seq = status == LOT_RECALLED ? e->seq : 0;
	return lots_put(t, l);
}

enum cmd_status recalls_recall(struct store_txn *t, const struct config *cfg,
			       const struct cmd *c, struct recall_outcome *ro)
{
	(void)cfg;
	char pid[MASTER_ID_MAX + 1];
	uint32_t level = c->opt[OPT_LEVEL].v.n;
	struct lot l;
	enum cmd_status st = lot_of(t, c, &l, pid, &ro->o);
	if (st != CMD_DONE)
		return st;
	if (l.status == LOT_RECALLED && l.recall_level == level)
		return outcome_conflict(&ro->o, "lot %s of %s is already recalled at level %u",
				      l.name, pid, level);
	struct event e = event_of(c, EV_RECALL);
	e.qty = level;
	int rc = lot_event(t, &l, &e, LOT_RECALLED, (uint8_t)level);
	if (rc)
		return outcome_failed(&ro->o, rc);
	ro->event = e.seq;
	return CMD_DONE;
}

enum cmd_status recalls_lift(struct store_txn *t, const struct config *cfg, const struct cmd *c,
			     struct recall_outcome *ro)
{
	(void)cfg;
	struct lot l;
	enum cmd_status st = recalled_lot(t, c, &l, &ro->o);
	if (st != CMD_DONE)
		return st;
	struct event e = event_of(c, EV_LIFT);
	int rc = lot_event(t, &l, &e, LOT_NORMAL, 0);
	if (rc)
		return outcome_failed(&ro->o, rc);
	ro->event = e.seq;
	return CMD_DONE;
}

/* WITHDRAW (withdraw) or UNWITHDRAW the product c names.  An UNWITHDRAW
 * names the WITHDRAW it ends (TRACE shows both). */
static enum cmd_status set_withdrawn(struct store_txn *t, const struct cmd *c, bool withdraw,
				     struct recall_outcome *ro)
{
	char pid[MASTER_ID_MAX + 1];
	uint32_t product;
	enum cmd_status st = named_product(t, cmd_word(c, 0), &product, pid, &ro->o);
	if (st != CMD_DONE)
		return st;
	bool withdrawn;
	uint64_t seq;
	int rc = products_withdrawn(t, product, &withdrawn, &seq);
	if (rc)
		return outcome_failed(&ro->o, rc);
	if (withdrawn == withdraw)
		return outcome_conflict(&ro->o, "product %s is %s withdrawn", pid,
					withdraw ? "already" : "not");
	struct event e = event_of(c, withdraw ? EV_WITHDRAW : EV_UNWITHDRAW);
	if (withdraw) {
		e.parent = product;
	} else {
		e.other = product;
		e.parent = seq;
	}
	if ((rc = events_add(t, &e, 0)) != 0 ||
	    (rc = products_set_state(t, product, withdraw, e.seq)) != 0)
		return outcome_failed(&ro->o, rc);
	ro->event = e.seq;
	return CMD_DONE;
}

enum cmd_status recalls_withdraw(struct store_txn *t, const struct config *cfg,
				 const struct cmd *c, struct recall_outcome *ro)
{
	(void)cfg;
	return set_withdrawn(t, c, true, ro);
}

enum cmd_status recalls_unwithdraw(struct store_txn *t, const struct config *cfg,
				   const struct cmd *c, struct recall_outcome *ro)
{
	(void)cfg;
	return set_withdrawn(t, c, false, ro);
}

enum cmd_status recalls_ack(struct store_txn *t, const struct config *cfg, const struct cmd *c,
			    struct recall_outcome *ro)
{
	(void)cfg;
	char err[300];
	uint32_t site;
	struct lot l;
	enum cmd_status st = recalled_lot(t, c, &l, &ro->o);
	if (st != CMD_DONE)
		return st;
	int rc = args_site(t, c->opt[OPT_SITE].arg, &site, err, sizeof err);
	if (rc == -1)
		return outcome_refuse(&ro->o, "SITE: %s", err);
	struct tally_recall r;
	if (rc || (rc = tally_recall_get(t, l.num, site, &r)) != 0)
		return outcome_failed(&ro->o, rc);
	if (r.recall_seq != l.recall_seq)	/* nothing yet about this recall */
		r = (struct tally_recall){ .recall_seq = l.recall_seq };
	ro->repeated = r.ack_seq != 0;
	if (!ro->repeated) {
		struct event e = { .kind = EV_RECALL_ACK, .time_ms = c->when_ms, .site = site,
				   .parent = l.num, .count = 1 };
		cmd_actor(c, &e);
		if ((rc = events_add(t, &e, 0)) != 0)
			return outcome_failed(&ro->o, rc);
		r.ack_seq = e.seq;
		r.ack_ms = e.time_ms;
		if ((rc = tally_recall_put(t, l.num, site, &r)) != 0)
			return outcome_failed(&ro->o, rc);
	}
	ro->event = r.ack_seq;
	ro->acknowledged_ms = r.ack_ms;
	return CMD_DONE;
}
