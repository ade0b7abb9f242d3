/*
 * cmd_impact — IMPACT (a lot's recall chain) and CODES (a lot's codes,
 * where each is, a page at a time).  Read only.
 *
 * IMPACT reads the lot's counters (tally.h) — one row per site and state,
 * kept up to date by every event — so its cost follows the number of
 * sites, not the number of units.  CODES walks the lot's units, so it is
 * paged: each call reads at most CODES_SCAN units and says where to go on.
 */
#include "args.h"
#include "cmd.h"
#include "config.h"
#include "eventlog.h"
#include "lots.h"
#include "master.h"
#include "server.h"
#include "store.h"
#include "tally.h"
#include "units.h"
#include "xmem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CODES_SCAN 100000	/* units one CODES call reads at most */
#define CODES_DEFAULT 1000
#define CODES_MAX CMD_CODES_MAX

/* ---------------------------------------------------------------- IMPACT */

struct site_part {
	uint32_t site;
	uint32_t stock[TALLY_LEVELS];
	uint32_t sent[TALLY_LEVELS];	/* in transit from here */
	uint32_t incoming;		/* units in transit to here */
	uint32_t commissioned, dispensed, destroyed, received;
	int64_t  first_sale, last_sale;
	struct tally_recall recall;	/* of the current recall, or zeroes */
};

struct flow {
	uint32_t from, to;
	uint32_t count[TALLY_LEVELS];
	int64_t  since;			/* transit: first shipment still under way */
	bool     is_return;
};

struct impact {
	const struct lot *lot;
	struct site_part *site;
	size_t nsite, capsite;
	struct flow *transit, *edge;
	size_t ntransit, captransit, nedge, capedge;
};

/* Room for one more element of an array that grows by doubling. */
static void *grow(void *p, size_t n, size_t *cap, size_t size)
{
	if (n < *cap)
		return p;
	*cap = *cap ? *cap * 2 : 64;
	return xrealloc(p, *cap * size);
}

static struct flow *add_flow(struct flow **v, size_t *n, size_t *cap, const struct tally_row *r,
			     uint32_t from, uint32_t to)
{
	*v = grow(*v, *n, cap, sizeof **v);
	struct flow *f = &(*v)[(*n)++];
	memset(f, 0, sizeof *f);
	f->from = from;
	f->to = to;
	memcpy(f->count, r->count, sizeof f->count);
	f->since = r->first_ms;
	return f;
}

static int collect_row(void *arg, const struct tally_row *r, const struct tally_recall *rc)
{
	struct impact *im = arg;
	if (r->bucket == TALLY_RECALL &&
	    (im->lot->status != LOT_RECALLED || rc->recall_seq != im->lot->recall_seq))
		return 0;	/* about an earlier recall */
	if (im->nsite == 0 || im->site[im->nsite - 1].site != r->site) {
		im->site = grow(im->site, im->nsite, &im->capsite, sizeof *im->site);
		struct site_part *s = &im->site[im->nsite++];
		memset(s, 0, sizeof *s);
		s->site = r->site;
	}
	struct site_part *s = &im->site[im->nsite - 1];
	switch (r->bucket) {
	case TALLY_STOCK:
		memcpy(s->stock, r->count, sizeof s->stock);
		break;
	case TALLY_TRANSIT:
		for (int l = 0; l < TALLY_LEVELS; l++)
			s->sent[l] += r->count[l];
		add_flow(&im->transit, &im->ntransit, &im->captransit, r, r->site, r->other);
		break;
	case TALLY_DISPENSED:
		s->dispensed = r->count[0];
		s->first_sale = r->first_ms;
		s->last_sale = r->last_ms;
		break;
	case TALLY_DESTROYED:
		s->destroyed = r->count[0];
		break;
	case TALLY_RECEIVED:
	case TALLY_RETURNED:
		if (r->bucket == TALLY_RECEIVED)
			s->received += r->count[0];
		add_flow(&im->edge, &im->nedge, &im->capedge, r, r->other, r->site)->is_return =
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
	const struct site_part *x = a, *y = b;
	return x->site < y->site ? -1 : x->site > y->site;
}

/* Sites units are on their way to are part of the chain too. */
static void add_destinations(struct impact *im)
{
	size_t known = im->nsite;
	for (size_t i = 0; i < im->ntransit; i++) {
		const struct flow *f = &im->transit[i];
		struct site_part key = { .site = f->to }, *s;
		s = known ? bsearch(&key, im->site, known, sizeof *im->site, cmp_site) : NULL;
		for (size_t k = known; s == NULL && k < im->nsite; k++)
			if (im->site[k].site == f->to)
				s = &im->site[k];
		if (s == NULL) {
			im->site = grow(im->site, im->nsite, &im->capsite, sizeof *im->site);
			s = &im->site[im->nsite++];
			memset(s, 0, sizeof *s);
			s->site = f->to;
		}
		s->incoming += f->count[0];
	}
	if (im->nsite > 1)
		qsort(im->site, im->nsite, sizeof *im->site, cmp_site);
}

static int cmp_flow(const void *a, const void *b)
{
	const struct flow *x = a, *y = b;
	if (x->from != y->from)
		return x->from < y->from ? -1 : 1;
	if (x->to != y->to)
		return x->to < y->to ? -1 : 1;
	return x->is_return - y->is_return;
}

static void put_int(struct resp_out *o, const char *k, int64_t v)
{
	resp_cstr(o, k);
	resp_int(o, v);
}

static void put_str(struct resp_out *o, const char *k, const char *v)
{
	resp_cstr(o, k);
	resp_cstr(o, v);
}

/* A time, or null when there is none. */
static void put_time(struct resp_out *o, const char *k, int64_t ms)
{
	char buf[32];
	resp_cstr(o, k);
	if (ms <= 0) {
		resp_null(o);
		return;
	}
	args_format_time(ms, buf);
	resp_cstr(o, buf);
}

static void put_site(struct store_txn *t, struct resp_out *o, const char *k, uint32_t site)
{
	char id[80];
	args_site_name(t, site, id, sizeof id);
	put_str(o, k, id);
}

static void put_containers(struct resp_out *o, const uint32_t count[TALLY_LEVELS])
{
	put_int(o, "middle_packs", count[1]);
	put_int(o, "cases", count[2]);
	put_int(o, "pallets", count[3]);
}

/* A site's name and kind, "" when unset. */
static void site_fields(struct store_txn *t, uint32_t num, char *name, size_t nn, char *kind,
			size_t kn)
{
	static int iname = -2, ikind = -2;
	char id[MASTER_ID_MAX + 1];
	struct master_rec rec;
	if (iname == -2) {
		iname = master_field_index(&master_site, "name");
		ikind = master_field_index(&master_site, "kind");
	}
	name[0] = kind[0] = '\0';
	if (master_load_num(t, &master_site, num, id, &rec) != 0)
		return;
	if (iname >= 0 && rec.val[iname])
		snprintf(name, nn, "%.*s", (int)rec.len[iname], rec.val[iname]);
	if (ikind >= 0 && rec.val[ikind])
		snprintf(kind, kn, "%.*s", (int)rec.len[ikind], rec.val[ikind]);
}

/* The lot an IMPACT or CODES request names: "product lot", or one code
 * (argc 2 for IMPACT).  0, 1 after replying, or a store error. */
static int lot_named(struct cmd_ctx *ctx, bool by_code, struct lot *l,
		     char pid[MASTER_ID_MAX + 1])
{
	char err[300];
	if (!by_code)
		return cmd_lot_args(ctx, l, pid);
	struct code_result r;
	struct unit u;
	struct master_rec rec;
	if (args_code(&ctx->argv[1], ctx->now_ms, &r, err, sizeof err) != 0)
		return cmd_reject(ctx, "%s", err) + 1;
	int rc = units_find(ctx->txn, r.cr_key, r.cr_key_len, &u);
	if (rc == STORE_NOTFOUND) {
		char text[CODE_TEXT_MAX];
		code_key_format(r.cr_key, r.cr_key_len, text, sizeof text);
		return cmd_reject(ctx, "%s is not commissioned", text) + 1;
	}
	if (rc)
		return rc;
	uint32_t lot = u.lot;
	if (u.level > 1) {	/* a container: the lot of what it holds */
		struct tally_load in;
		if ((rc = tally_carried(ctx->txn, &u, &in)) != 0)
			return rc;
		size_t lots = 0;
		for (size_t i = 0; i < in.n; i++)
			if (in.part[i].count[0]) {
				lot = in.part[i].lot;
				lots++;
			}
		if (lots == 0)
			return cmd_reject(ctx, "the container holds no units of any lot") + 1;
		if (lots > 1)
			return cmd_reject(ctx, "the container holds units of %zu lots: name the "
				      "product and lot", lots) + 1;
	}
	if (lot == 0)
		return cmd_reject(ctx, "the code belongs to no lot") + 1;
	if ((rc = lots_get(ctx->txn, lot, l)) != 0 ||
	    (rc = master_load_num(ctx->txn, &master_product, l->product, pid, &rec)) != 0)
		return rc;
	return 0;
}

/* "after_recall": {commissioned, shipped, received} — units of the lot a
 * site still moved on after the recall (cmd_custody.c warns of each). */
static void put_after_recall(struct resp_out *o, const struct tally_recall *r)
{
	resp_cstr(o, "after_recall");
	resp_map(o, 3);
	put_int(o, "commissioned", r->commissioned);
	put_int(o, "shipped", r->shipped);
	put_int(o, "received", r->received);
}

static void reply_sites(struct store_txn *t, struct resp_out *o, const struct impact *im,
			bool recalled, int64_t deadline, int64_t now)
{
	resp_cstr(o, "sites");
	resp_array(o, im->nsite);
	for (size_t i = 0; i < im->nsite; i++) {
		const struct site_part *s = &im->site[i];
		char name[200], kind[40];
		site_fields(t, s->site, name, sizeof name, kind, sizeof kind);
		resp_map(o, 19);
		put_site(t, o, "site", s->site);
		put_str(o, "name", name);
		put_str(o, "kind", kind);
		put_int(o, "commissioned", s->commissioned);
		put_int(o, "in_stock", s->stock[0]);
		put_int(o, "in_transit", s->sent[0]);
		put_int(o, "incoming", s->incoming);
		put_int(o, "dispensed", s->dispensed);
		put_time(o, "first_dispensed", s->dispensed ? s->first_sale : 0);
		put_time(o, "last_dispensed", s->dispensed ? s->last_sale : 0);
		put_int(o, "destroyed", s->destroyed);
		put_int(o, "received", s->received);
		put_containers(o, s->stock);
		put_time(o, "acknowledged", s->recall.ack_ms);
		put_int(o, "returned", s->recall.returned);
		put_after_recall(o, &s->recall);
		resp_cstr(o, "past_deadline");
		resp_bool(o, recalled && s->recall.ack_seq == 0 && now > deadline);
	}
}

static void reply_flows(struct store_txn *t, struct resp_out *o, const char *what,
			const struct flow *f, size_t n, bool transit)
{
	resp_cstr(o, what);
	resp_array(o, n);
	for (size_t i = 0; i < n; i++) {
		resp_map(o, transit ? 7 : 4);
		put_site(t, o, "from", f[i].from);
		put_site(t, o, "to", f[i].to);
		put_int(o, "units", f[i].count[0]);
		if (transit) {
			put_containers(o, f[i].count);
			put_time(o, "since", f[i].since);
		} else {
			put_str(o, "kind", f[i].is_return ? "return" : "ship");
		}
	}
}

/* IMPACT product lot | IMPACT code */
int cmd_impact(struct cmd_ctx *ctx)
{
	const struct config *cfg = ctx->cfg;
	struct store_txn *t;
	struct lot l;
	char pid[MASTER_ID_MAX + 1], date[11];
	int rc = cmd_read_txn(ctx, &t);
	if (rc)
		return rc;
	if ((rc = lot_named(ctx, ctx->argc == 2, &l, pid)) != 0)
		return rc == 1 ? 0 : rc;

	bool recalled = l.status == LOT_RECALLED;
	struct event recall = { 0 };
	if (recalled && (rc = events_get(t, l.recall_seq, &recall)) != 0)
		return rc;
	int level = recalled ? l.recall_level : 0;
	int64_t deadline = recalled && level >= 1 && level <= 3 ?
		recall.time_ms + (int64_t)cfg->recall_deadline[level - 1] * 1000 : 0;

	struct impact im = { .lot = &l };
	if ((rc = tally_each(t, l.num, collect_row, &im)) != 0)
		goto out;
	add_destinations(&im);
	if (im.ntransit > 1)	/* (qsort of no array is undefined) */
		qsort(im.transit, im.ntransit, sizeof *im.transit, cmp_flow);
	if (im.nedge > 1)
		qsort(im.edge, im.nedge, sizeof *im.edge, cmp_flow);

	uint64_t stock = 0, transit = 0, sold = 0, destroyed = 0, acked = 0, late = 0;
	struct tally_recall after = { 0 };
	uint32_t containers[TALLY_LEVELS] = { 0 };
	for (size_t i = 0; i < im.nsite; i++) {
		const struct site_part *s = &im.site[i];
		stock += s->stock[0];
		transit += s->sent[0];
		sold += s->dispensed;
		destroyed += s->destroyed;
		for (int lv = 1; lv < TALLY_LEVELS; lv++)
			containers[lv] += s->stock[lv] + s->sent[lv];
		acked += s->recall.ack_seq != 0;
		after.commissioned += s->recall.commissioned;
		after.shipped += s->recall.shipped;
		after.received += s->recall.received;
		late += recalled && s->recall.ack_seq == 0 && ctx->now_ms > deadline;
	}

	struct resp_out *o = ctx->out;
	resp_map(o, 10);
	put_str(o, "product", pid);
	put_str(o, "lot", l.name);
	args_format_date(l.expiry, date);
	put_str(o, "expiry", date);
	put_str(o, "status", recalled ? "recalled" : "active");
	resp_cstr(o, "level");
	if (recalled)
		resp_int(o, level);
	else
		resp_null(o);
	resp_cstr(o, "recall");
	if (recalled) {
		resp_map(o, 4);
		put_int(o, "event", (int64_t)l.recall_seq);
		put_time(o, "time", recall.time_ms);
		put_str(o, "reason", recall.ref);
		put_time(o, "deadline", deadline);
	} else {
		resp_null(o);
	}
	resp_cstr(o, "totals");
	resp_map(o, 12);
	put_int(o, "units", (int64_t)(stock + transit + sold + destroyed));
	put_int(o, "in_stock", (int64_t)stock);
	put_int(o, "in_transit", (int64_t)transit);
	put_int(o, "dispensed", (int64_t)sold);
	put_int(o, "destroyed", (int64_t)destroyed);
	put_containers(o, containers);
	put_int(o, "sites", (int64_t)im.nsite);
	put_int(o, "acknowledged", (int64_t)acked);
	put_int(o, "past_deadline", (int64_t)late);
	put_after_recall(o, &after);
	reply_sites(t, o, &im, recalled, deadline, ctx->now_ms);
	reply_flows(t, o, "transit", im.transit, im.ntransit, true);
	reply_flows(t, o, "edges", im.edge, im.nedge, false);
out:
	free(im.site);
	free(im.transit);
	free(im.edge);
	return rc;
}

/* ----------------------------------------------------------------- CODES */

static const char *const status_names[] = {
	[TALLY_STOCK] = "in_stock", [TALLY_TRANSIT] = "in_transit",
	[TALLY_DISPENSED] = "dispensed", [TALLY_DESTROYED] = "destroyed",
};

struct codes_walk {
	struct store_txn *t;
	uint32_t site;		/* 0: any */
	uint8_t  status;	/* enum tally_bucket; 0: any */
	uint8_t  level;		/* 0: any */
	size_t   want, scanned;
	uint64_t last;		/* last unit id read */
	struct found {
		struct unit u;
		struct tally_place at;
	} *hit;
	size_t n;
	int rc;
};

static int visit_unit(void *arg, uint64_t id)
{
	struct codes_walk *w = arg;
	struct unit u;
	struct unit_place p;
	struct tally_place at;
	if (w->n == w->want || w->scanned == CODES_SCAN)
		return 1;
	w->scanned++;
	w->last = id;
	if ((w->rc = units_get(w->t, id, &u)) != 0 || (w->rc = units_place(w->t, &u, &p)) != 0)
		return 1;
	tally_place_of(&u, &p, &at);
	if ((w->level && u.level != w->level) || (w->status && at.bucket != w->status) ||
	    (w->site && at.site != w->site && !(at.bucket == TALLY_TRANSIT && at.other == w->site)))
		return 0;
	w->hit[w->n].u = u;
	w->hit[w->n].at = at;
	w->n++;
	return 0;
}

enum { K_SITE, K_STATUS, K_LEVEL, K_AFTER, K_COUNT, K_N };

/* CODES product lot [SITE s] [STATUS st] [LEVEL n] [AFTER cursor] [COUNT n] */
int cmd_codes(struct cmd_ctx *ctx)
{
	struct args_opt o[K_N] = { { "SITE", 0 }, { "STATUS", 0 }, { "LEVEL", 0 },
				   { "AFTER", 0 }, { "COUNT", 0 } };
	char err[300], pid[MASTER_ID_MAX + 1];
	struct store_txn *t;
	struct lot l;
	if (args_options(ctx->argc, ctx->argv, 3, o, K_N, err, sizeof err) != 0)
		return cmd_reject(ctx, "%s", err);
	int rc = cmd_read_txn(ctx, &t);
	if (rc)
		return rc;
	if ((rc = lot_named(ctx, false, &l, pid)) != 0)
		return rc == 1 ? 0 : rc;

	struct codes_walk w = { .t = t, .want = CODES_DEFAULT };
	uint32_t v;
	if (o[K_SITE].val) {
		rc = args_site(t, o[K_SITE].val, &w.site, err, sizeof err);
		if (rc == -1)
			return cmd_reject(ctx, "SITE: %s", err);
		if (rc)
			return rc;
	}
	if (o[K_STATUS].val) {
		for (uint8_t b = TALLY_STOCK; b <= TALLY_DESTROYED; b++)
			if (o[K_STATUS].val->len == strlen(status_names[b]) &&
			    memcmp(o[K_STATUS].val->ptr, status_names[b], o[K_STATUS].val->len) == 0)
				w.status = b;
		if (!w.status)
			return cmd_reject(ctx, "STATUS must be in_stock, in_transit, dispensed or "
				      "destroyed");
	}
	if (o[K_LEVEL].val) {
		if (args_uint(o[K_LEVEL].val, "LEVEL", 1, 4, &v, err, sizeof err) != 0)
			return cmd_reject(ctx, "%s", err);
		w.level = (uint8_t)v;
	}
	if (o[K_COUNT].val) {
		if (args_uint(o[K_COUNT].val, "COUNT", 1, CODES_MAX, &v, err, sizeof err) != 0)
			return cmd_reject(ctx, "%s", err);
		w.want = v;
	}
	uint64_t after = 0;
	if (o[K_AFTER].val) {
		char *end;
		char num[24];
		size_t n = o[K_AFTER].val->len;
		if (n == 0 || n >= sizeof num)
			return cmd_reject(ctx, "AFTER must be a cursor from an earlier reply");
		memcpy(num, o[K_AFTER].val->ptr, n);
		num[n] = '\0';
		after = strtoull(num, &end, 10);
		if (*end || num[0] < '0' || num[0] > '9')
			return cmd_reject(ctx, "AFTER must be a cursor from an earlier reply");
	}

	w.hit = xmalloc(w.want * sizeof *w.hit);
	rc = units_of_lot(t, l.num, after + 1, visit_unit, &w);
	if (w.rc || (rc && rc != 1)) {
		free(w.hit);
		return w.rc ? w.rc : rc;
	}
	bool more = rc == 1;	/* stopped early: a full page or the scan budget */
	resp_map(ctx->out, 2);
	resp_cstr(ctx->out, "codes");
	resp_array(ctx->out, w.n);
	for (size_t i = 0; i < w.n; i++) {
		char text[CODE_TEXT_MAX];
		const struct found *f = &w.hit[i];
		bool transit = f->at.bucket == TALLY_TRANSIT;
		if (code_key_format(f->u.key, f->u.key_len, text, sizeof text) < 0)
			snprintf(text, sizeof text, "?");
		resp_map(ctx->out, 4 + transit);
		put_str(ctx->out, "code", text);
		put_int(ctx->out, "level", f->u.level);
		put_str(ctx->out, "status", status_names[f->at.bucket]);
		put_site(t, ctx->out, "site", f->at.site);
		if (transit)
			put_site(t, ctx->out, "to", f->at.other);
	}
	resp_cstr(ctx->out, "next");
	if (more) {	/* the last unit read: the next page starts after it */
		char cur[24];
		snprintf(cur, sizeof cur, "%llu", (unsigned long long)w.last);
		resp_cstr(ctx->out, cur);
	} else {
		resp_null(ctx->out);
	}
	free(w.hit);
	return 0;
}
