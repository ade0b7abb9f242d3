/*
 * packing — PACK and UNPACK by the rules (see packing.h).
 */
#include "packing.h"
#include "eventlog.h"
#include "parse.h"
#include "store.h"
#include "tally.h"
#include "units.h"
#include "xmem.h"

#include <stdlib.h>
#include <string.h>

/* The container a PACK names, and what it will hold. */
struct packing {
	struct unit box;	/* once known or made */
	bool new_box;		/* created by this packing */
	char text[CODE_TEXT_MAX];	/* its code, for messages */
	uint32_t site;
	uint8_t top;		/* the highest level of the children */
	uint32_t lot;		/* their lot if they share one, else 0 */
	struct tally_load delta;	/* what they carry, per lot */
};

/* Is `anc` the unit `u` or one of its containers? */
static int is_ancestor(struct store_txn *t, uint64_t anc, const struct unit *u, bool *yes)
{
	struct unit cur = *u;
	*yes = false;
	for (int depth = 0; depth < 8; depth++) {
		if (cur.id == anc) {
			*yes = true;
			return 0;
		}
		if (cur.parent == 0)
			return 0;
		int rc = units_get(t, cur.parent, &cur);
		if (rc)
			return rc;
	}
	return 0;
}

/* May child i (code i + 2) go into the container? */
static enum cmd_status check_child(struct store_txn *t, const struct packing *p,
				   const struct unit *kids, size_t i, bool as_records,
				   struct outcome *o)
{
	const struct unit *k = &kids[i];
	char kt[CODE_TEXT_MAX], why[160];	/* kt: formatted only to refuse */
	size_t pos = i + 2;
	int rc;
	if (p->new_box && as_records && (k->level != kids[0].level || k->lot != kids[0].lot))
		/* One record at a time, the first child would set the new
		 * container's level and lot; let EVENTS do that. */
		return outcome_refuse(o, "children differ in level or lot");
	if (!p->new_box && k->id == p->box.id)
		return outcome_refuse(o, "%s cannot be packed into itself",
				      custody_unit_text(k, kt));
	if (k->parent) {
		char pt[CODE_TEXT_MAX];
		if ((rc = custody_parent_text(t, k, pt)) != 0)
			return outcome_failed(o, rc);
		return outcome_conflict(o, "code %zu (%s) is already packed in %s; unpack it first",
				      pos, custody_unit_text(k, kt), pt);
	}
	if ((rc = custody_unmovable(t, k, p->site, why, sizeof why)) != 0)
		return outcome_failed(o, rc);
	if (why[0])
		return outcome_conflict(o, "code %zu (%s) %s", pos, custody_unit_text(k, kt), why);
	if (k->dispensed)
		return outcome_refuse(o, "code %zu (%s) is an opened pack, partly dispensed", pos,
				      custody_unit_text(k, kt));
	if (p->new_box)
		return CMD_DONE;
	if (k->level >= p->box.level)
		return outcome_refuse(o, "code %zu (%s) is level %u; %s is level %u: a container "
				      "must be of a higher level than what it holds", pos,
				      custody_unit_text(k, kt), k->level, p->text, p->box.level);
	bool cycle;
	if ((rc = is_ancestor(t, k->id, &p->box, &cycle)) != 0)
		return outcome_failed(o, rc);
	if (cycle)
		return outcome_refuse(o, "code %zu (%s) contains %s: packing would make a cycle",
				      pos, custody_unit_text(k, kt), p->text);
	return CMD_DONE;
}

/* The children, and the container as it is, against each other: p->top,
 * p->lot and p->delta once they may be packed. */
static enum cmd_status check_packing(struct store_txn *t, struct packing *p,
				     const struct unit *kids, size_t n, bool as_records,
				     struct outcome *o)
{
	enum cmd_status st = CMD_DONE;
	char why[160];
	int rc;
	p->lot = kids[0].lot;
	for (size_t i = 0; i < n && st == CMD_DONE; i++) {
		if (kids[i].level > p->top)
			p->top = kids[i].level;
		if (kids[i].lot != p->lot)
			p->lot = 0;	/* mixed lots: the container has none */
		st = check_child(t, p, kids, i, as_records, o);
	}
	if (st != CMD_DONE)
		return st;
	if (p->top >= 4)
		return outcome_refuse(o, "pallets (level 4) are the outermost level");
	if (!p->new_box) {
		if ((rc = custody_unmovable(t, &p->box, p->site, why, sizeof why)) != 0)
			return outcome_failed(o, rc);
		if (why[0])
			return outcome_conflict(o, "container %s %s", p->text, why);
		if (p->box.status != UNIT_ACTIVE)
			return outcome_refuse(o, "container %s is not active", p->text);
	}
	/* What the container (and those around it) will carry, per lot. */
	struct tally_load carried;
	p->delta.n = 0;
	for (size_t i = 0; i < n; i++) {
		if ((rc = tally_carried(t, &kids[i], &carried)) != 0)
			return outcome_failed(o, rc);
		if (tally_load_add(&p->delta, &carried) != 0)
			return outcome_refuse(o, "a container holds units of at most %d lots",
					      TALLY_LOTS_MAX);
	}
	if (p->new_box)
		return CMD_DONE;
	bool fits;
	if ((rc = tally_pack_fits(t, p->box.id, &p->delta, &fits)) != 0)
		return outcome_failed(o, rc);
	if (!fits)
		return outcome_refuse(o, "container %s would hold units of more than %d lots",
				      p->text, TALLY_LOTS_MAX);
	return CMD_DONE;
}

/* Everything checked: the container if new, the children in it, the
 * event, and the summaries of the container and those around it. */
static int pack(struct store_txn *t, const struct cmd *c, struct packing *p,
		struct unit *kids, size_t n, uint64_t *seq)
{
	const struct code_result *box = &c->codes[0];
	struct event e = { .kind = EV_PACK, .time_ms = c->when_ms, .site = p->site,
			   .count = (uint32_t)n };
	int rc;
	if (p->new_box) {
		uint64_t id;
		if ((rc = store_next_ids64(t, "unit", 1, &id)) != 0)
			return rc;
		memset(&p->box, 0, sizeof p->box);
		p->box.id = id;
		p->box.level = (uint8_t)(p->top + 1);
		p->box.status = UNIT_ACTIVE;
		p->box.holder = p->site;
		p->box.lot = p->lot;
		p->box.key_len = box->cr_key_len;
		memcpy(p->box.key, box->cr_key, box->cr_key_len);
	}
	e.unit = p->box.id;
	cmd_actor(c, &e);
	if ((rc = events_add(t, &e, p->box.id)) != 0 ||
	    (rc = events_members_put(t, e.seq, kids, n)) != 0)
		return rc;
	if (p->new_box) {
		p->box.commission_seq = p->box.last_seq = e.seq;
		rc = units_add(t, &p->box);
		if (rc == 0 && p->lot)
			rc = units_lot_add(t, p->lot, p->box.id);
	}
	for (size_t i = 0; i < n && rc == 0; i++) {
		kids[i].parent = p->box.id;
		rc = custody_record(t, &kids[i], e.seq);
	}
	if (rc == 0)
		rc = units_link_all(t, p->box.id, kids, n, p->new_box);
	if (rc == 0)	/* the children stay where they were, now inside */
		rc = tally_pack(t, p->box.id, &p->delta, +1, c->when_ms);
	*seq = e.seq;
	return rc;
}

enum cmd_status packing_pack(struct store_txn *t, const struct config *cfg, const struct cmd *c,
			     bool as_records, struct custody_outcome *co)
{
	struct outcome *o = &co->o;
	struct packing p = { 0 };
	struct unit *kids = NULL;
	(void)cfg;
	if (c->ncodes < 2)
		return outcome_refuse(o, "give the container's code, then the codes packed into "
				      "it");
	uint32_t site;
	enum cmd_status st = custody_site(t, c, OPT_SITE, o, &site);
	if (st != CMD_DONE)
		return st;

	/* The container: known, or created by this packing (an SSCC, a case
	 * code nobody commissioned). */
	const struct code_result *box = &c->codes[0];
	if (box->cr_err != CODE_OK)
		return outcome_refuse(o, "container: %s", box->cr_msg);
	p.site = site;
	custody_code_text(box->cr_key, box->cr_key_len, p.text);
	int rc = units_find(t, box->cr_key, box->cr_key_len, &p.box);
	p.new_box = rc == STORE_NOTFOUND;
	if (rc && !p.new_box)
		return outcome_failed(o, rc);
	size_t n = c->ncodes - 1;
	if ((st = custody_units(t, c, 1, n, &kids, o)) == CMD_DONE &&
	    (st = check_packing(t, &p, kids, n, as_records, o)) == CMD_DONE) {
		if ((rc = pack(t, c, &p, kids, n, &co->seq)) != 0)
			st = outcome_failed(o, rc);
		co->codes = n;
	}
	free(kids);
	return st;
}

static int collect_child(void *arg, uint64_t child)
{
	struct { uint64_t *ids; size_t n, cap; } *c = arg;
	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 64;
		c->ids = xrealloc(c->ids, c->cap * sizeof *c->ids);
	}
	c->ids[c->n++] = child;
	return 0;
}

/* Everything container `box` holds: *kids (the caller frees it), *n. */
static enum cmd_status contents(struct store_txn *t, const struct unit *box, const char *text,
				struct unit **kids, size_t *n, struct outcome *o)
{
	struct { uint64_t *ids; size_t n, cap; } c = { 0 };
	enum cmd_status st = CMD_DONE;
	int rc = units_children(t, box->id, collect_child, &c);
	*kids = NULL;
	*n = c.n;
	if (rc) {
		st = outcome_failed(o, rc);
	} else if (c.n == 0) {
		st = outcome_refuse(o, "%s holds nothing", text);
	} else {
		*kids = xcalloc(c.n, sizeof **kids);
		for (size_t i = 0; i < c.n && rc == 0; i++)
			rc = units_get(t, c.ids[i], &(*kids)[i]);
		if (rc)
			st = outcome_failed(o, rc);
	}
	free(c.ids);
	return st;
}

/* The codes named to take out are all in `box`. */
static enum cmd_status check_inside(const struct unit *box, const char *text,
				    const struct unit *kids, size_t n, struct outcome *o)
{
	char kt[CODE_TEXT_MAX];
	for (size_t i = 0; i < n; i++)
		if (kids[i].parent != box->id)
			return outcome_refuse(o, "code %zu (%s) is not packed in %s", i + 2,
					      custody_unit_text(&kids[i], kt), text);
	return CMD_DONE;
}

/* Everything checked: the children out of `box`, where it is. */
static int unpack(struct store_txn *t, const struct cmd *c, uint32_t site,
		  const struct unit *box, struct unit *kids, size_t n, uint64_t *seq)
{
	struct unit_place place;
	int rc = units_place(t, box, &place);
	if (rc)
		return rc;
	struct event e = { .kind = EV_UNPACK, .time_ms = c->when_ms, .site = site,
			   .unit = box->id, .count = (uint32_t)n };
	cmd_actor(c, &e);
	if ((rc = events_add(t, &e, box->id)) != 0 ||
	    (rc = events_members_put(t, e.seq, kids, n)) != 0)
		return rc;
	struct tally_load delta = { .n = 0 }, carried;
	for (size_t i = 0; i < n && rc == 0; i++) {
		if ((rc = tally_carried(t, &kids[i], &carried)) != 0)
			break;
		tally_load_add(&delta, &carried);	/* within the box's summary: fits */
		kids[i].parent = 0;
		kids[i].holder = place.holder;
		if (kids[i].status != UNIT_DISPENSED && kids[i].status != UNIT_DESTROYED)
			kids[i].status = UNIT_ACTIVE;
		if ((rc = custody_record(t, &kids[i], e.seq)) == 0)
			rc = units_unlink(t, box->id, kids[i].id);
	}
	if (rc == 0)	/* out where the container is: only the summaries change */
		rc = tally_pack(t, box->id, &delta, -1, c->when_ms);
	*seq = e.seq;
	return rc;
}

enum cmd_status packing_unpack(struct store_txn *t, const struct config *cfg,
			       const struct cmd *c, struct custody_outcome *co)
{
	struct outcome *o = &co->o;
	struct unit *box = NULL, *kids = NULL;
	char text[CODE_TEXT_MAX], why[160];
	uint32_t site;
	int rc;
	(void)cfg;
	if (c->ncodes < 1)
		return outcome_refuse(o, "give the container's code (and, optionally, which codes "
				      "to take out)");
	size_t n = c->ncodes - 1;	/* named to take out; none: all */
	enum cmd_status st = custody_site(t, c, OPT_SITE, o, &site);
	if (st != CMD_DONE || (st = custody_units(t, c, 0, 1, &box, o)) != CMD_DONE)
		return st;
	custody_unit_text(box, text);
	if ((rc = custody_unmovable(t, box, site, why, sizeof why)) != 0)
		st = outcome_failed(o, rc);
	else if (why[0])
		st = outcome_conflict(o, "container %s %s", text, why);
	else if (n == 0)
		st = contents(t, box, text, &kids, &n, o);
	else if ((st = custody_units(t, c, 1, n, &kids, o)) == CMD_DONE)
		st = check_inside(box, text, kids, n, o);
	if (st == CMD_DONE && (rc = unpack(t, c, site, box, kids, n, &co->seq)) != 0)
		st = outcome_failed(o, rc);
	if (st == CMD_DONE)
		co->codes = n;
	free(box);
	free(kids);
	return st;
}
