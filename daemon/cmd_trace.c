/*
 * cmd_trace — TRACE (a code's chain of custody) and ALERTS.  Read only.
 *
 * A unit's own events are indexed under it; while it was packed, it moved
 * with its container, so TRACE also takes the container's movements from
 * the time the unit was packed into it until it was taken out (and, in
 * turn, those of the container's containers).
 *
 * A principal that acts for one site (pharmacy, hospital, distributor,
 * manufacturer) sees its own part of the chain: the code's record (what
 * VERIFY shows too), its commissioning, the recalls and withdrawals of its
 * lot and product, the events at or with its own site, and its own
 * site's alerts; where else the code went is not its business.
 */
#include "acl.h"
#include "alerts.h"
#include "args.h"
#include "cmd.h"
#include "product_state.h"
#include "server.h"
#include "store.h"
#include "verdict.h"
#include "xmem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 8

struct step {
	uint64_t seq;
	uint64_t via;		/* container it moved in; 0 = the unit itself */
	int64_t time_ms;	/* the event's time, for the order of the reply */
};

struct steps {
	struct step *s;
	size_t n, cap;
};

static void add_step(struct steps *st, uint64_t seq, uint64_t via)
{
	if (st->n == st->cap) {
		st->cap = st->cap ? st->cap * 2 : 32;
		st->s = xrealloc(st->s, st->cap * sizeof *st->s);
	}
	st->s[st->n].seq = seq;
	st->s[st->n].via = via;
	st->n++;
}

struct seqs {
	uint64_t *v;
	size_t n, cap;
};

static int push_seq(void *arg, uint64_t seq)
{
	struct seqs *s = arg;
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 32;
		s->v = xrealloc(s->v, s->cap * sizeof *s->v);
	}
	s->v[s->n++] = seq;
	return 0;
}

/* Does event x take the unit out of container p (unpacked from it, sold
 * out of it, or destroyed)? */
static bool leaves(const struct event *x, uint64_t p)
{
	return (x->kind == EV_UNPACK && x->unit == p) || (x->kind == EV_DISPENSE && x->parent == p) ||
	       x->kind == EV_DESTROY;
}

/* The last seq the unit is in container p, from own[from..): the seq
 * before the first event that takes it out, else until (inclusive; 0: no
 * end). */
static int left_at(struct store_txn *t, const struct seqs *own, size_t from, uint64_t p,
		   uint64_t until, uint64_t *last)
{
	*last = until;
	for (size_t k = from; k < own->n; k++) {
		if (until && own->v[k] > until)
			break;
		struct event x;
		int rc = events_get(t, own->v[k], &x);
		if (rc)
			return rc;
		if (leaves(&x, p)) {
			*last = own->v[k] - 1;
			break;
		}
	}
	return 0;
}

/* Collect the events of `unit` in (after, until] (until 0: no end); `via`
 * is what the trace reports them as having moved in.  While the unit sits
 * in a container, the container's movements are its own: from the window's
 * start if it was already inside (packed before), or from its packing. */
static int collect(struct store_txn *t, uint64_t unit, uint64_t after, uint64_t until,
		   uint64_t via, int depth, struct steps *out)
{
	struct seqs own = { 0 };
	struct unit u;
	int rc = units_get(t, unit, &u);
	if (rc == 0)
		rc = events_of(t, &u, push_seq, &own);
	/* Where the unit was when the window opened. */
	uint64_t inside = 0;
	size_t i = 0;
	for (; rc == 0 && i < own.n && own.v[i] <= after; i++) {
		struct event e;
		if ((rc = events_get(t, own.v[i], &e)) != 0)
			break;
		if (e.kind == EV_PACK && e.unit != unit)
			inside = e.unit;
		else if (inside && leaves(&e, inside))
			inside = 0;
	}
	if (rc == 0 && inside && after && depth < MAX_DEPTH) {
		uint64_t last;
		if ((rc = left_at(t, &own, i, inside, until, &last)) == 0)
			rc = collect(t, inside, after, last, inside, depth + 1, out);
	}
	for (; rc == 0 && i < own.n; i++) {
		uint64_t seq = own.v[i];
		if (until && seq > until)
			break;
		struct event e;
		if ((rc = events_get(t, seq, &e)) != 0)
			break;
		bool packed_into = e.kind == EV_PACK && e.unit != unit;
		if (via && !packed_into && e.kind != EV_SHIP && e.kind != EV_RECEIVE &&
		    e.kind != EV_RETURN && e.kind != EV_DESTROY)
			continue;	/* a container's other business */
		add_step(out, seq, via);
		if (!packed_into || depth >= MAX_DEPTH)
			continue;
		/* Packed into e.unit until it left: unpacked, or sold out of it. */
		uint64_t last;
		if ((rc = left_at(t, &own, i + 1, e.unit, until, &last)) == 0)
			rc = collect(t, e.unit, seq, last, e.unit, depth + 1, out);
	}
	free(own.v);
	return rc;
}

static int cmp_step(const void *a, const void *b)
{
	const struct step *x = a, *y = b;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Time order: a record loaded with an older TIME comes before the events
 * it followed in the log; the log decides ties. */
static int cmp_step_time(const void *a, const void *b)
{
	const struct step *x = a, *y = b;
	if (x->time_ms != y->time_ms)
		return x->time_ms < y->time_ms ? -1 : 1;
	return cmp_step(a, b);
}

static void kv(struct resp_out *o, const char *k, const char *v)
{
	resp_cstr(o, k);
	resp_cstr(o, v);
}

static void unit_text(struct store_txn *t, uint64_t id, char *buf)
{
	struct unit u;
	if (units_get(t, id, &u) != 0 || code_key_format(u.key, u.key_len, buf, CODE_TEXT_MAX) < 0)
		snprintf(buf, CODE_TEXT_MAX, "?");
}

static void reply_event(struct store_txn *t, struct resp_out *o, const struct event *e,
			uint64_t self, uint64_t via)
{
	char site[80], other[80], time[32], text[CODE_TEXT_MAX], via_text[CODE_TEXT_MAX];
	args_format_time(e->time_ms, time);
	if (e->kind >= EV_RECALL) {	/* recall, lift, withdraw, lock, unlock */
		resp_map(o, 4 + (e->ref_len > 0) + (e->kind == EV_RECALL));
		resp_cstr(o, "seq");
		resp_int(o, (int64_t)e->seq);
		kv(o, "time", time);
		kv(o, "event", event_kind_name(e->kind));
		kv(o, "scope", e->kind == EV_WITHDRAW ? "product" :
			       e->kind == EV_RECALL || e->kind == EV_LIFT ? "lot" : "code");
		if (e->kind == EV_RECALL) {
			resp_cstr(o, "level");
			resp_int(o, e->qty);
		}
		if (e->ref_len)
			kv(o, "reason", e->ref);
		return;
	}
	args_site_name(t, e->site, site, sizeof site);
	args_site_name(t, e->other, other, sizeof other);
	bool moves = e->kind == EV_SHIP || e->kind == EV_RETURN;
	bool sale = e->kind == EV_DISPENSE || e->kind == EV_UNDO;
	bool container = (e->kind == EV_PACK || e->kind == EV_UNPACK) && e->unit != self;
	size_t n = 4 + (moves ? 1 : 0) + (e->kind == EV_RECEIVE && e->other) +
		   (e->ref_len > 0) + (sale ? 1 : 0) + container + (via != 0) +
		   (e->kind == EV_RECEIVE) + (e->kind == EV_COMMISSION);
	resp_map(o, n);
	resp_cstr(o, "seq");
	resp_int(o, (int64_t)e->seq);
	kv(o, "time", time);
	kv(o, "event", event_kind_name(e->kind));
	if (moves) {
		kv(o, "from", site);
		kv(o, "to", other);
	} else {
		kv(o, "site", site);
	}
	if (e->kind == EV_RECEIVE && e->other)
		kv(o, "from", other);
	if (e->kind == EV_RECEIVE) {
		resp_cstr(o, "diverted");
		resp_bool(o, e->flags & EVENT_F_DIVERTED);
	}
	if (e->kind == EV_COMMISSION) {
		resp_cstr(o, "codes");
		resp_int(o, e->count);
	}
	if (e->ref_len)
		kv(o, sale ? "tx" : "ref", e->ref);
	if (sale) {
		resp_cstr(o, "qty");
		resp_int(o, e->qty);
	}
	if (container) {
		unit_text(t, e->unit, text);
		kv(o, "container", text);
	}
	if (via) {
		unit_text(t, via, via_text);
		kv(o, "via", via_text);
	}
}

/* Is event e part of what p may see of a chain (see the top)? */
static bool event_visible(const struct principal *p, const struct event *e)
{
	if (!acl_sees_own_site_only(p))
		return true;
	return e->site == p->site || e->other == p->site || e->kind == EV_COMMISSION ||
	       e->kind == EV_RECALL || e->kind == EV_LIFT || e->kind == EV_WITHDRAW;
}

/* TRACE shows a unit's newest alerts, at most ALERTS_SHOWN. */
#define ALERTS_SHOWN 32

struct alert_find {
	uint32_t site;		/* only this site's alerts; 0: all */
	struct alert found[ALERTS_SHOWN];
	int n;
};

static int find_alert(void *arg, const struct alert *a)
{
	struct alert_find *f = arg;
	if (f->site == 0 || a->site == f->site)
		f->found[f->n++] = *a;
	return f->n >= ALERTS_SHOWN;
}

static void reply_alert(struct store_txn *t, struct resp_out *o, const struct alert *a)
{
	char buf[80], text[CODE_TEXT_MAX];
	struct event first;
	bool dup = a->kind == ALERT_DUPLICATE && a->related &&
		   events_get(t, a->related, &first) == 0;
	resp_map(o, 5 + (a->tx_len > 0) + (dup ? 2 : 0));
	resp_cstr(o, "id");
	resp_int(o, (int64_t)a->seq);
	args_format_time(a->time_ms, buf);
	kv(o, "time", buf);
	kv(o, "kind", alert_kind_name(a->kind));
	args_site_name(t, a->site, buf, sizeof buf);
	kv(o, "site", buf);
	if (code_key_format(a->key, a->key_len, text, sizeof text) < 0)
		snprintf(text, sizeof text, "?");
	kv(o, "code", text);
	if (a->tx_len)
		kv(o, "tx", a->tx);
	if (dup) {
		args_site_name(t, first.site, buf, sizeof buf);
		kv(o, "first_sale_site", buf);
		args_format_time(first.time_ms, buf);
		kv(o, "first_sale_time", buf);
	}
}

/* TRACE code */
int cmd_trace(struct cmd_ctx *ctx)
{
	struct store_txn *t;
	struct code_result r;
	char err[300], text[CODE_TEXT_MAX];
	if (args_code(&ctx->argv[1], ctx->now_ms, &r, err, sizeof err) != 0) {
		resp_error(ctx->out, "ERR", "TRACE: %s", err);
		return 0;
	}
	int rc = cmd_read_txn(ctx, &t);
	if (rc)
		return rc;
	struct judgement j;
	if ((rc = verdict_judge(t, ctx->cfg, ctx->now_ms, &r, 0, &j)) != 0)
		return rc;
	code_key_format(r.cr_key, r.cr_key_len, text, sizeof text);
	if (!j.found) {
		resp_error(ctx->out, "NOTFOUND", "TRACE: no record of %s", text);
		return 0;
	}
	struct steps st = { 0 };
	struct seqs lot = { 0 };
	add_step(&st, j.unit.commission_seq, 0);
	if ((rc = collect(t, j.unit.id, 0, 0, 0, 0, &st)) == 0 && j.has_lot)
		rc = lots_events(t, j.lot.num, push_seq, &lot);
	for (size_t i = 0; i < lot.n; i++)
		add_step(&st, lot.v[i], 0);
	free(lot.v);
	bool withdrawn = false;
	uint64_t wseq = 0;
	if (rc == 0 && j.has_lot &&
	    (rc = products_withdrawn(t, j.lot.product, &withdrawn, &wseq)) == 0 && withdrawn)
		add_step(&st, wseq, 0);
	if (rc) {
		free(st.s);
		return rc;
	}
	qsort(st.s, st.n, sizeof *st.s, cmp_step);
	size_t n = 0;
	for (size_t i = 0; i < st.n; i++)	/* drop repeats */
		if (i == 0 || st.s[i].seq != st.s[n - 1].seq)
			st.s[n++] = st.s[i];
	size_t kept = 0;
	for (size_t i = 0; i < n; i++) {
		struct event e;
		if ((rc = events_get(t, st.s[i].seq, &e)) != 0) {
			free(st.s);
			return rc;
		}
		st.s[i].time_ms = e.time_ms;
		if (!acl_sees_own_site_only(ctx->who) || event_visible(ctx->who, &e))
			st.s[kept++] = st.s[i];
	}
	n = kept;
	qsort(st.s, n, sizeof *st.s, cmp_step_time);

	struct alert_find af = { .n = 0 };
	if (acl_sees_own_site_only(ctx->who))
		af.site = ctx->who->site;
	if ((rc = alerts_walk_unit(t, j.unit.id, find_alert, &af)) != 0) {
		free(st.s);
		return rc;
	}

	char buf[80];
	resp_map(ctx->out, 8 + j.has_product * 2 + j.has_lot * 2);
	kv(ctx->out, "code", text);
	kv(ctx->out, "type", code_type_family(r.cr_type));
	if (j.has_product) {
		kv(ctx->out, "product", j.product_id);
		kv(ctx->out, "product_name", j.product_name);
	}
	if (j.has_lot) {
		kv(ctx->out, "lot", j.lot.name);
		args_format_date(j.lot.expiry, buf);
		kv(ctx->out, "expiry", buf);
	}
	resp_cstr(ctx->out, "level");
	resp_int(ctx->out, j.unit.level);
	kv(ctx->out, "status", unit_status_name(j.place.status));
	args_site_name(t, j.place.holder, buf, sizeof buf);
	kv(ctx->out, "holder", buf);
	resp_cstr(ctx->out, "recalled");
	resp_bool(ctx->out, j.has_lot && j.lot.status == LOT_RECALLED);
	resp_cstr(ctx->out, "events");
	resp_array(ctx->out, n);
	for (size_t i = 0; i < n; i++) {
		struct event e;
		if ((rc = events_get(t, st.s[i].seq, &e)) != 0) {
			free(st.s);
			return rc;
		}
		reply_event(t, ctx->out, &e, j.unit.id, st.s[i].via);
	}
	free(st.s);
	resp_cstr(ctx->out, "alerts");
	resp_array(ctx->out, (size_t)af.n);
	for (int i = 0; i < af.n; i++)
		reply_alert(t, ctx->out, &af.found[i]);
	return 0;
}

struct alert_list {
	struct store_txn *t;
	struct resp_out *o;
	int64_t since;
	uint32_t site;
	uint32_t limit;
	struct alert *found;
	uint32_t n;
};

static int list_alert(void *arg, const struct alert *a)
{
	struct alert_list *l = arg;
	l->found[l->n++] = *a;
	return l->n >= l->limit;
}

/* ALERTS [SINCE t] [SITE s] [LIMIT n] */
int cmd_alerts(struct cmd_ctx *ctx)
{
	struct args_opt o[3] = { { "SINCE", 0 }, { "SITE", 0 }, { "LIMIT", 0 } };
	char err[300];
	struct store_txn *t;
	if (args_options(ctx->argc, ctx->argv, 1, o, 3, err, sizeof err) != 0) {
		resp_error(ctx->out, "ERR", "ALERTS: %s", err);
		return 0;
	}
	struct alert_list l = { .limit = 100 };
	if (o[0].val && args_time(o[0].val, &l.since, err, sizeof err) != 0) {
		resp_error(ctx->out, "ERR", "ALERTS: SINCE %s", err);
		return 0;
	}
	if (o[2].val && args_uint(o[2].val, "LIMIT", 1, 10000, &l.limit, err, sizeof err) != 0) {
		resp_error(ctx->out, "ERR", "ALERTS: %s", err);
		return 0;
	}
	int rc = cmd_read_txn(ctx, &t);
	if (rc)
		return rc;
	if (o[1].val) {
		rc = args_site(t, o[1].val, &l.site, err, sizeof err);
		if (rc == -1) {
			resp_error(ctx->out, "ERR", "ALERTS: SITE %s", err);
			return 0;
		}
		if (rc)
			return rc;
	}
	/* A site's own principal sees its own alerts (ALERTS SITE of another
	 * site was refused by the role matrix). */
	if (acl_sees_own_site_only(ctx->who))
		l.site = ctx->who->site;
	l.t = t;
	l.found = xmalloc(l.limit * sizeof *l.found);
	rc = alerts_walk_recent(t, l.site, l.since, list_alert, &l);
	if (rc == 0) {
		resp_array(ctx->out, l.n);
		for (uint32_t i = 0; i < l.n; i++)
			reply_alert(t, ctx->out, &l.found[i]);
	}
	free(l.found);
	return rc;
}
