/*
 * impact — gathering a lot's recall chain from its counters (see impact.h).
 */
#include "impact.h"
#include "coldchain.h"
#include "config.h"
#include "lot_links.h"
#include "named.h"
#include "parse.h"
#include "store.h"
#include "units.h"
#include "verdict.h"
#include "view.h"
#include "xmem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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
	case TALLY_TRANSFORMED:
		s->transformed = r->count[0];
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

/* A site's id, name, kind, region and archive: one record read. */
static int site_fields(struct store_txn *t, struct impact_site *s, struct archive *a)
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
	archive_of(&master_site, &rec, a);
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

/* Mark the sites past the deadline at `now`. */
static void mark_deadline(struct impact_outcome *io, int64_t now)
{
	for (size_t i = 0; i < io->nsite; i++) {
		struct impact_site *s = &io->site[i];
		s->past_deadline = io->recalled && s->recall.ack_seq == 0 && now > io->deadline;
	}
}

/* Add up the sites. */
static void add_up(struct impact_outcome *io)
{
	struct impact_totals *tot = &io->totals;
	memset(tot, 0, sizeof *tot);
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
		tot->past_deadline += s->past_deadline;
		tot->cold_breaks += s->cold_breaks;
		tot->transformed += s->transformed;
	}
	for (size_t i = 0; i < io->nderived; i++) {
		const struct impact_derived *d = &io->derived[i];
		tot->derived += d->stock + d->transit + d->dispensed + d->destroyed + d->ended +
				d->transformed;
	}
}

/* One lot's chain into io (io->lot set): its rows, the recall, the
 * sites past the deadline; sites and flows sorted. */
static int gather_lot(struct store_txn *t, const struct config *cfg, int64_t now,
		      struct impact_outcome *io)
{
	int rc;
	const struct lot *l = &io->lot;
	io->recalled = l->status == LOT_RECALLED;
	if (io->recalled && (rc = events_get(t, l->recall_seq, &io->recall)) != 0)
		return rc;
	if (io->recalled && l->recall_level >= 1 && l->recall_level <= 3)
		io->deadline = io->recall.time_ms +
			       (int64_t)cfg->recall_deadline[l->recall_level - 1] * 1000;
	if ((rc = tally_each(t, l->num, collect_row, io)) != 0)
		return rc;
	add_destinations(io);
	if ((rc = coldchain_counts(t, l->num, add_cold, io)) != 0)
		return rc;
	if (io->ntransit > 1)	/* (qsort of no array is undefined) */
		qsort(io->transit, io->ntransit, sizeof *io->transit, cmp_flow);
	if (io->nedge > 1)
		qsort(io->edge, io->nedge, sizeof *io->edge, cmp_flow);
	mark_deadline(io, now);
	return 0;
}

static void add_counts(uint32_t *a, const uint32_t *b)
{
	for (int l = 0; l < TALLY_LEVELS; l++)
		a[l] += b[l];
}

/* Add one lot's sites (sorted) into the product's (sorted). */
static void merge_sites(struct impact_outcome *into, const struct impact_outcome *one)
{
	size_t known = into->nsite;
	for (size_t i = 0; i < one->nsite; i++) {
		const struct impact_site *x = &one->site[i];
		struct impact_site key = { .site = x->site }, *s;
		s = known ? bsearch(&key, into->site, known, sizeof *into->site, cmp_site) : NULL;
		if (s == NULL) {
			*add_site(into, x->site) = *x;
			continue;
		}
		add_counts(s->stock, x->stock);
		add_counts(s->sent, x->sent);
		s->incoming += x->incoming;
		s->commissioned += x->commissioned;
		s->destroyed += x->destroyed;
		s->received += x->received;
		if (x->dispensed && (s->dispensed == 0 || x->first_sale < s->first_sale))
			s->first_sale = x->first_sale;
		if (x->dispensed && x->last_sale > s->last_sale)
			s->last_sale = x->last_sale;
		s->dispensed += x->dispensed;
		if (x->recall.ack_ms > s->recall.ack_ms)	/* the latest acknowledgement */
			s->recall.ack_ms = x->recall.ack_ms, s->recall.ack_seq = x->recall.ack_seq;
		s->recall.returned += x->recall.returned;
		s->recall.commissioned += x->recall.commissioned;
		s->recall.shipped += x->recall.shipped;
		s->recall.received += x->recall.received;
		s->past_deadline |= x->past_deadline;
		for (int e = 0; e < IMPACT_ENDS; e++)
			s->ended[e] += x->ended[e];
		s->cold_breaks += x->cold_breaks;
		s->transformed += x->transformed;
	}
	if (into->nsite > 1)
		qsort(into->site, into->nsite, sizeof *into->site, cmp_site);
}

static void merge_flows(struct impact_flow **v, size_t *n, size_t *cap,
			const struct impact_flow *add, size_t nadd)
{
	size_t known = *n;
	for (size_t i = 0; i < nadd; i++) {
		struct impact_flow *f = known ? bsearch(&add[i], *v, known, sizeof **v, cmp_flow)
					      : NULL;
		if (f) {
			add_counts(f->count, add[i].count);
			if (add[i].since < f->since)
				f->since = add[i].since;
			continue;
		}
		*v = grow(*v, *n, cap, sizeof **v);
		(*v)[(*n)++] = add[i];
	}
	if (*n > 1)
		qsort(*v, *n, sizeof **v, cmp_flow);
}

/* Is lot `num` among the derived already? */
static bool derived_known(const struct impact_outcome *io, uint32_t num)
{
	for (size_t i = 0; i < io->nderived; i++)
		if (io->derived[i].lot.num == num)
			return true;
	return false;
}

/* The lots repackaged from lot `from` (at any depth), each once, added to
 * io->derived with its units by status and the lot it was made from;
 * lots of product `skip` (IMPACT PRODUCT's own, counted already) left
 * out. */
static int add_derived(struct store_txn *t, const struct config *cfg, int64_t now,
		       const struct lot *from, uint32_t skip, struct impact_outcome *io)
{
	uint32_t nums[LOT_LINKS_MAX], via[LOT_LINKS_MAX];
	size_t n;
	char from_product[MASTER_ID_MAX + 1];
	int rc = lot_links_outputs(t, from->num, nums, via, &n);
	for (size_t i = 0; rc == 0 && i < n && io->nderived < LOT_LINKS_MAX; i++) {
		if (derived_known(io, nums[i]))
			continue;
		struct impact_outcome one = { 0 };
		struct lot parent = *from;
		if ((rc = lots_get(t, nums[i], &one.lot)) != 0 ||
		    (via[i] != from->num && (rc = lots_get(t, via[i], &parent)) != 0) ||
		    (rc = master_num_id(t, &master_product, parent.product, from_product)) != 0)
			break;
		if (skip && one.lot.product == skip)
			continue;
		if ((rc = gather_lot(t, cfg, now, &one)) == 0) {
			io->derived = grow(io->derived, io->nderived, &io->capderived,
					   sizeof *io->derived);
			struct impact_derived *d = &io->derived[io->nderived++];
			memset(d, 0, sizeof *d);
			add_up(&one);
			d->lot = one.lot;
			d->stock = one.totals.stock;
			d->transit = one.totals.transit;
			d->dispensed = one.totals.dispensed;
			d->destroyed = one.totals.destroyed;
			for (int e = 0; e < IMPACT_ENDS; e++)
				d->ended += one.totals.ended[e];
			d->transformed = one.totals.transformed;
			snprintf(d->from_product, sizeof d->from_product, "%s", from_product);
			snprintf(d->from_lot, sizeof d->from_lot, "%.*s", (int)parent.name_len,
				 parent.name);
			rc = master_num_id(t, &master_product, one.lot.product, d->product);
		}
		impact_free(&one);
	}
	return rc;
}

/* IMPACT PRODUCT p: each lot gathered alone, then added in. */
static enum cmd_status gather_product(struct store_txn *t, const struct config *cfg,
				      const struct cmd *c, struct impact_outcome *io)
{
	uint32_t pnum;
	enum cmd_status st = named_product(t, cmd_word(c, 1), &pnum, io->product, &io->o);
	if (st != CMD_DONE)
		return st;
	io->by_product = true;
	uint32_t *nums = NULL;
	size_t n = 0;
	int rc = lots_of_product(t, pnum, &nums, &n);
	io->lots = n ? xcalloc(n, sizeof *io->lots) : NULL;
	for (size_t i = 0; rc == 0 && i < n; i++) {
		struct impact_outcome one = { 0 };
		struct impact_lot *il = &io->lots[io->nlots++];
		if ((rc = lots_get(t, nums[i], &one.lot)) == 0 &&
		    (rc = gather_lot(t, cfg, c->when_ms, &one)) == 0) {
			il->lot = one.lot;
			add_up(&one);
			il->stock = one.totals.stock;
			il->transit = one.totals.transit;
			il->dispensed = one.totals.dispensed;
			il->destroyed = one.totals.destroyed;
			io->recalled |= one.recalled;
			merge_sites(io, &one);
			merge_flows(&io->transit, &io->ntransit, &io->captransit, one.transit,
				    one.ntransit);
			merge_flows(&io->edge, &io->nedge, &io->capedge, one.edge, one.nedge);
		}
		impact_free(&one);
	}
	for (size_t i = 0; rc == 0 && i < io->nlots; i++)
		rc = add_derived(t, cfg, c->when_ms, &io->lots[i].lot, pnum, io);
	free(nums);
	return rc ? outcome_failed(&io->o, rc) : CMD_DONE;
}

static bool in_region(const struct impact_site *s, const char *r, size_t rl)
{
	return strncmp(s->region, r, rl) == 0;
}

/* REGION r: keep its sites and the flows that touch one of them. */
static void keep_region(struct impact_outcome *io, const char *r, size_t rl)
{
	size_t k = 0;
	for (size_t i = 0; i < io->nsite; i++)
		if (in_region(&io->site[i], r, rl)) {
			io->archive[k] = io->archive[i];
			io->site[k++] = io->site[i];
		}
	io->nsite = k;
	struct impact_site key;
	struct impact_flow *fl[2] = { io->transit, io->edge };
	size_t *nf[2] = { &io->ntransit, &io->nedge };
	for (int w = 0; w < 2; w++) {
		size_t kept = 0;
		for (size_t i = 0; i < *nf[w]; i++) {
			key.site = fl[w][i].from;
			bool in = k && bsearch(&key, io->site, k, sizeof key, cmp_site);
			key.site = fl[w][i].to;
			in = in || (k && bsearch(&key, io->site, k, sizeof key, cmp_site));
			if (in)
				fl[w][kept++] = fl[w][i];
		}
		*nf[w] = kept;
	}
}

enum cmd_status impact_gather(struct store_txn *t, const struct config *cfg, const struct cmd *c,
			      struct impact_outcome *io)
{
	const struct resp_arg *w0 = cmd_word(c, 0), *region = c->opt[OPT_REGION].arg;
	enum cmd_status st;
	if (region && (region->len < 2 || region->len > 6 ||
		       strspn(region->ptr, "0123456789") < region->len))
		return outcome_refuse(&io->o, "REGION must be 2 to 6 digits of a region code "
				      "(GB/T 2260: 11 a province, 1101 a city, 110105 a county), "
				      "not '%.40s'", region->ptr);
	if (c->nwords == 2 && w0->len == 7 && strncasecmp(w0->ptr, "PRODUCT", 7) == 0)
		st = gather_product(t, cfg, c, io);
	else if (c->nwords == 0)
		st = lot_of_code(t, &c->codes[0], io);
	else
		st = named_lot(t, w0, cmd_word(c, 1), &io->lot, io->product, &io->o);
	if (st != CMD_DONE)
		return st;
	int rc;
	if (!io->by_product && ((rc = gather_lot(t, cfg, c->when_ms, io)) != 0 ||
				(rc = add_derived(t, cfg, c->when_ms, &io->lot, 0, io)) != 0))
		return outcome_failed(&io->o, rc);
	struct master_rec prod;
	rc = master_load(t, &master_product, io->product, &prod);
	if (rc == 0)
		archive_of(&master_product, &prod, &io->product_archive);
	else if (rc != STORE_NOTFOUND)
		return outcome_failed(&io->o, rc);
	io->today = verdict_today(cfg, c->when_ms);
	io->archive = io->nsite ? xcalloc(io->nsite, sizeof *io->archive) : NULL;
	for (size_t i = 0; i < io->nsite; i++)
		if ((rc = site_fields(t, &io->site[i], &io->archive[i])) != 0)
			return outcome_failed(&io->o, rc);
	if (region) {	/* regions are read with the sites' fields */
		keep_region(io, region->ptr, region->len);
	}
	add_up(io);
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
	free(io->lots);
	free(io->derived);
	io->derived = NULL;
	io->nderived = io->capderived = 0;
	free(io->archive);
	io->archive = NULL;
	io->lots = NULL;
	io->nlots = 0;
	io->site = NULL;
	io->transit = io->edge = NULL;
	io->nsite = io->ntransit = io->nedge = 0;
}
