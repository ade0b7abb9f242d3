/*
 * impact — gathering a lot's recall chain from its counters (see impact.h).
 */
#include "impact.h"
#include "coldchain.h"
#include "config.h"
#include "named.h"
#include "parse.h"
#include "store.h"
#include "units.h"
#include "view.h"
#include "xmem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Room for one more element of an array that grows by doubling. */
static void *grow(void *p, size_t n, size_t *cap, size_t size)
{
	if (n < *cap)
		return p;
	*cap = *cap ? *cap * 2 : 64;
	return xrealloc(p, *cap * size);
}

static struct impact_site *add_site(struct impact_outcome *io, uint32_t site)
{
	io->site = grow(io->site, io->nsite, &io->capsite, sizeof *io->site);
	struct impact_site *s = &io->site[io->nsite++];
	memset(s, 0, sizeof *s);
	s->site = site;
	return s;
}

static struct impact_flow *add_flow(struct impact_flow **v, size_t *n, size_t *cap,
				    const struct tally_row *r, uint32_t from, uint32_t to)
{
	*v = grow(*v, *n, cap, sizeof **v);
	struct impact_flow *f = &(*v)[(*n)++];
	memset(f, 0, sizeof *f);
	f->from = from;
	f->to = to;
	memcpy(f->count, r->count, sizeof f->count);
	f->since = r->first_ms;
	return f;
}

/* One counter row of the lot (tally_each gives them in site order). */
static int collect_row(void *arg, const struct tally_row *r, const struct tally_recall *rc)
{
	struct impact_outcome *io = arg;
	if (r->bucket == TALLY_RECALL &&
	    (io->lot.status != LOT_RECALLED || rc->recall_seq != io->lot.recall_seq))
		return 0;	/* about an earlier recall */
	if (io->nsite == 0 || io->site[io->nsite - 1].site != r->site)
		add_site(io, r->site);
	struct impact_site *s = &io->site[io->nsite - 1];
	switch (r->bucket) {
	case TALLY_STOCK:
		memcpy(s->stock, r->count, sizeof s->stock);
		break;
	case TALLY_TRANSIT:
		for (int l = 0; l < TALLY_LEVELS; l++)
			s->sent[l] += r->count[l];
		add_flow(&io->transit, &io->ntransit, &io->captransit, r, r->site, r->other);
		break;
	case TALLY_DISPENSED:
		s->dispensed = r->count[0];
		s->first_sale = r->first_ms;
		s->last_sale = r->last_ms;
		break;
	case TALLY_DESTROYED:
		s->destroyed = r->count[0];
		break;
	case TALLY_SAMPLE:
	case TALLY_EXPORTED:
	case TALLY_STOLEN:
	case TALLY_CHECKED_OUT:
		s->ended[r->bucket - TALLY_SAMPLE] = r->count[0];
		break;
	case TALLY_RECEIVED:
	case TALLY_RETURNED:
		if (r->bucket == TALLY_RECEIVED)
			s->received += r->count[0];
		add_flow(&io->edge, &io->nedge, &io->capedge, r, r->other, r->site)->is_return =
			r->bucket == TALLY_RETURNED;
		break;
	case TALLY_RECALL:
		s->recall = *rc;
		break;
	case TALLY_COMMISSIONED:
		s->commissioned = r->count[0];
		break;
	}
	return 0;
}

static int cmp_site(const void *a, const void *b)
{
	const struct impact_site *x = a, *y = b;
	return x->site < y->site ? -1 : x->site > y->site;
}

/* Sites units are on their way to are part of the chain too (a shipment
 * to a destination not known, to 0, names none). */
/* The lot's open cold-chain breaks at `site` (coldchain_counts), on its
 * row; sites are sorted by then (add_destinations). */
static int add_cold(void *arg, uint32_t site, uint32_t broken, uint32_t released)
{
	struct impact_outcome *io = arg;
	if (broken <= released)
		return 0;
	struct impact_site key = { .site = site }, *s;
	s = io->nsite ? bsearch(&key, io->site, io->nsite, sizeof *io->site, cmp_site) : NULL;
	if (s == NULL) {	/* no units there now: a row of its own, kept sorted */
		add_site(io, site);
		if (io->nsite > 1)
			qsort(io->site, io->nsite, sizeof *io->site, cmp_site);
		s = bsearch(&key, io->site, io->nsite, sizeof *io->site, cmp_site);
	}
	s->cold_breaks = broken - released;
	return 0;
}

static void add_destinations(struct impact_outcome *io)
{
	size_t known = io->nsite;
	for (size_t i = 0; i < io->ntransit; i++) {
		const struct impact_flow *f = &io->transit[i];
		if (f->to == 0)
			continue;
		struct impact_site key = { .site = f->to }, *s;
		s = known ? bsearch(&key, io->site, known, sizeof *io->site, cmp_site) : NULL;
		for (size_t k = known; s == NULL && k < io->nsite; k++)
			if (io->site[k].site == f->to)
				s = &io->site[k];
		if (s == NULL)
			s = add_site(io, f->to);
		s->incoming += f->count[0];
	}
	if (io->nsite > 1)
		qsort(io->site, io->nsite, sizeof *io->site, cmp_site);
}

static int cmp_flow(const void *a, const void *b)
{
	const struct impact_flow *x = a, *y = b;
	if (x->from != y->from)
		return x->from < y->from ? -1 : 1;
	if (x->to != y->to)
		return x->to < y->to ? -1 : 1;
	return x->is_return - y->is_return;
}

/* A site's id, name and kind. */
static int site_fields(struct store_txn *t, struct impact_site *s)
{
	struct master_rec rec;
	int rc = view_site(t, s->site, s->id);
	if (rc || s->site == 0)
		return rc;
	rc = master_load(t, &master_site, s->id, &rec);
	if (rc == STORE_NOTFOUND)
		return store_corrupt(DB_SITES, s->id, strlen(s->id), "a site the records name "
				     "is missing");
	if (rc)
		return rc;
	int name = master_field_index(&master_site, "name");
	int kind = master_field_index(&master_site, "kind");
	int region = master_field_index(&master_site, "region");
	if (rec.val[name])
		snprintf(s->name, sizeof s->name, "%.*s", (int)rec.len[name], rec.val[name]);
	if (rec.val[kind])
		snprintf(s->kind, sizeof s->kind, "%.*s", (int)rec.len[kind], rec.val[kind]);
	if (rec.val[region])
		snprintf(s->region, sizeof s->region, "%.*s", (int)rec.len[region], rec.val[region]);
	return 0;
}

static int flow_ids(struct store_txn *t, struct impact_flow *f, size_t n)
{
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < n; i++)
		if ((rc = view_site(t, f[i].from, f[i].from_id)) == 0)
			rc = view_site(t, f[i].to, f[i].to_id);
	return rc;
}

/* The lot of a code's units: a unit's own, or the one lot a container
 * holds units of. */
static enum cmd_status lot_of_code(struct store_txn *t, const struct code_result *code,
				   struct impact_outcome *io)
{
	struct outcome *o = &io->o;
	if (code->cr_err != CODE_OK)
		return outcome_refuse(o, "%s", code->cr_msg);
	struct unit u;
	int rc = units_find(t, code->cr_key, code->cr_key_len, &u);
	if (rc == STORE_NOTFOUND) {
		char text[CODE_TEXT_MAX];
		code_key_format(code->cr_key, code->cr_key_len, text, sizeof text);
		return outcome_refuse(o, "%s is not commissioned", text);
	}
	if (rc)
		return outcome_failed(o, rc);
	uint32_t lot = u.lot;
	if (u.level > 1) {	/* a container: the lot of what it holds */
		struct tally_load in;
		if ((rc = tally_carried(t, &u, &in)) != 0)
			return outcome_failed(o, rc);
		size_t lots = 0;
		for (size_t i = 0; i < in.n; i++)
			if (in.part[i].count[0]) {
				lot = in.part[i].lot;
				lots++;
			}
		if (lots == 0)
			return outcome_refuse(o, "the container holds no units of any lot");
		if (lots > 1)
			return outcome_refuse(o, "the container holds units of %zu lots: name the "
					      "product and lot", lots);
	}
	if (lot == 0)
		return outcome_refuse(o, "the code belongs to no lot");
	if ((rc = lots_get(t, lot, &io->lot)) != 0 ||
	    (rc = master_num_id(t, &master_product, io->lot.product, io->product)) != 0)
		return outcome_failed(o, rc);
	return CMD_DONE;
}

/* Add up the sites; mark the ones past the deadline at `now`. */
static void add_up(struct impact_outcome *io, int64_t now)
{
	struct impact_totals *tot = &io->totals;
	for (size_t i = 0; i < io->nsite; i++) {
		struct impact_site *s = &io->site[i];
		tot->stock += s->stock[0];
		tot->transit += s->sent[0];
		tot->dispensed += s->dispensed;
		tot->destroyed += s->destroyed;
		for (int e = 0; e < IMPACT_ENDS; e++)
			tot->ended[e] += s->ended[e];
		for (int lv = 1; lv < TALLY_LEVELS; lv++)
			tot->containers[lv] += s->stock[lv] + s->sent[lv];
		tot->acknowledged += s->recall.ack_seq != 0;
		tot->after.commissioned += s->recall.commissioned;
		tot->after.shipped += s->recall.shipped;
		tot->after.received += s->recall.received;
		s->past_deadline = io->recalled && s->recall.ack_seq == 0 && now > io->deadline;
		tot->past_deadline += s->past_deadline;
		tot->cold_breaks += s->cold_breaks;
	}
}

enum cmd_status impact_gather(struct store_txn *t, const struct config *cfg, const struct cmd *c,
			      struct impact_outcome *io)
{
	enum cmd_status st = c->nwords == 0 ?
		lot_of_code(t, &c->codes[0], io) :
		named_lot(t, cmd_word(c, 0), cmd_word(c, 1), &io->lot, io->product, &io->o);
	if (st != CMD_DONE)
		return st;
	int rc;
	const struct lot *l = &io->lot;
	io->recalled = l->status == LOT_RECALLED;
	if (io->recalled && (rc = events_get(t, l->recall_seq, &io->recall)) != 0)
		return outcome_failed(&io->o, rc);
	if (io->recalled && l->recall_level >= 1 && l->recall_level <= 3)
		io->deadline = io->recall.time_ms +
			       (int64_t)cfg->recall_deadline[l->recall_level - 1] * 1000;

	if ((rc = tally_each(t, l->num, collect_row, io)) != 0)
		return outcome_failed(&io->o, rc);
	add_destinations(io);
	if ((rc = coldchain_counts(t, l->num, add_cold, io)) != 0)
		return outcome_failed(&io->o, rc);
	if (io->ntransit > 1)	/* (qsort of no array is undefined) */
		qsort(io->transit, io->ntransit, sizeof *io->transit, cmp_flow);
	if (io->nedge > 1)
		qsort(io->edge, io->nedge, sizeof *io->edge, cmp_flow);
	add_up(io, c->when_ms);
	for (size_t i = 0; i < io->nsite; i++)
		if ((rc = site_fields(t, &io->site[i])) != 0)
			return outcome_failed(&io->o, rc);
	if ((rc = flow_ids(t, io->transit, io->ntransit)) != 0 ||
	    (rc = flow_ids(t, io->edge, io->nedge)) != 0)
		return outcome_failed(&io->o, rc);
	return CMD_DONE;
}

void impact_free(struct impact_outcome *io)
{
	free(io->site);
	free(io->transit);
	free(io->edge);
	io->site = NULL;
	io->transit = io->edge = NULL;
	io->nsite = io->ntransit = io->nedge = 0;
}
