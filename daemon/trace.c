/*
 * trace — gathering a code's chain of custody (see trace.h).
 */
#include "trace.h"
#include "acl.h"
#include "lots.h"
#include "mcache.h"
#include "parse.h"
#include "product_state.h"
#include "store.h"
#include "units.h"
#include "view.h"
#include "xmem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 8		/* containers within containers followed */

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
	       x->kind == EV_DESTROY || x->kind == EV_DECOMMISSION || x->kind == EV_TRANSFORM;
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
		    e.kind != EV_RETURN && e.kind != EV_DESTROY && e.kind != EV_DECOMMISSION &&
		    e.kind != EV_REACTIVATE)
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

/* Every step of the unit's chain: its commissioning, its own events and
 * its containers', its lot's recalls and lifts, its product's withdrawal. */
static int chain(struct store_txn *t, const struct judgement *j, struct steps *st)
{
	struct seqs lot = { 0 };
	bool withdrawn = false;
	uint64_t wseq = 0;
	add_step(st, j->unit.commission_seq, 0);
	int rc = collect(t, j->unit.id, 0, 0, 0, 0, st);
	if (rc == 0 && j->has_lot)
		rc = lots_events(t, j->lot.num, push_seq, &lot);
	for (size_t i = 0; i < lot.n; i++)
		add_step(st, lot.v[i], 0);
	free(lot.v);
	if (rc == 0 && j->has_lot &&
	    (rc = products_withdrawn(t, j->lot.product, &withdrawn, &wseq)) == 0 && wseq) {
		add_step(st, wseq, 0);
		/* Not withdrawn, by an event: an UNWITHDRAW, and the WITHDRAW it
		 * ended (earlier pairs are in the log, not here). */
		struct event e;
		if (!withdrawn && (rc = events_get(t, wseq, &e)) == 0 && e.kind == EV_UNWITHDRAW)
			add_step(st, e.parent, 0);
	}
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

/* Is event e part of what p may see of a chain (see trace.h)? */
static bool event_visible(const struct principal *p, const struct event *e)
{
	if (!acl_sees_own_site_only(p))
		return true;
	return e->site == p->site || e->other == p->site || e->kind == EV_COMMISSION ||
	       e->kind == EV_RECALL || e->kind == EV_LIFT || e->kind == EV_WITHDRAW;
}

/* What a step shows besides its event: site ids, the container's code. */
static int step_view(struct store_txn *t, uint64_t self, uint64_t via, struct trace_step *s)
{
	const struct event *e = &s->e;
	int rc;
	s->site[0] = s->other[0] = '\0';
	s->has_container = s->has_via = false;
	if (event_kind_siteless(e->kind))
		return 0;
	if ((rc = view_site(t, e->site, s->site)) != 0 || (rc = view_site(t, e->other, s->other)))
		return rc;
	s->has_container = (e->kind == EV_PACK || e->kind == EV_UNPACK) && e->unit != self;
	if (s->has_container && (rc = view_unit_code(t, e->unit, s->container)) != 0)
		return rc;
	s->has_via = via != 0;
	return s->has_via ? view_unit_code(t, via, s->via) : 0;
}

/* Unit id as a code of a repackaging's side, with its lot. */
static int xcode(struct store_txn *t, uint64_t id, struct trace_xcode *x)
{
	struct unit u;
	const struct mcache_lot *ml;
	int rc = units_get(t, id, &u);
	if (rc == STORE_NOTFOUND) {
		uint8_t k[5];
		for (int i = 0; i < 5; i++)
			k[i] = (uint8_t)(id >> (8 * (4 - i)));
		return store_corrupt(DB_UNITS, k, sizeof k, "a unit a transform event names is "
				     "missing");
	}
	if (rc)
		return rc;
	view_code(u.key, u.key_len, x->code);
	x->product[0] = x->lot[0] = '\0';
	if (u.lot == 0)
		return 0;
	if ((rc = mcache_lot(t, u.lot, &ml)) != 0)
		return rc;
	snprintf(x->product, sizeof x->product, "%s", ml->has_product ? ml->product_id : "?");
	snprintf(x->lot, sizeof x->lot, "%.*s", (int)ml->lot.name_len, ml->lot.name);
	return 0;
}

struct xinputs {
	struct store_txn *t;
	struct trace_xform *x;
};

/* An input of the event: shown while there is room (1 stops the walk). */
static int add_input(void *arg, uint64_t id)
{
	struct xinputs *xi = arg;
	if (xi->x->nin == TRACE_XFORM_CODES)
		return 1;
	return xcode(xi->t, id, &xi->x->in[xi->x->nin++]);
}

/* Both sides of TRANSFORM event e, seen from unit `self`, into *out
 * (allocated; NULL on error). */
static int xform_sides(struct store_txn *t, const struct event *e, uint64_t self,
		       struct trace_xform **out)
{
	struct trace_xform *x = xcalloc(1, sizeof *x);
	struct xinputs xi = { t, x };
	x->is_output = self >= e->parent && self - e->parent < e->qty;
	x->ninputs = e->count;
	x->noutputs = e->qty;
	int rc = events_units(t, e, add_input, &xi);
	if (rc == 1)
		rc = 0;
	for (uint32_t k = 0; rc == 0 && k < e->qty && k < TRACE_XFORM_CODES; k++)
		if ((rc = xcode(t, e->parent + k, &x->out[x->nout])) == 0)
			x->nout++;
	if (rc) {
		free(x);
		x = NULL;
	}
	*out = x;
	return rc;
}

/* The chain's steps in time order, those the principal may see. */
static int steps_shown(struct store_txn *t, const struct principal *who, struct trace_outcome *to)
{
	struct steps st = { 0 };
	int rc = chain(t, &to->j, &st);
	if (rc)
		goto out;
	qsort(st.s, st.n, sizeof *st.s, cmp_step);
	size_t n = 0;
	for (size_t i = 0; i < st.n; i++)	/* drop repeats */
		if (i == 0 || st.s[i].seq != st.s[n - 1].seq)
			st.s[n++] = st.s[i];
	size_t kept = 0;
	for (size_t i = 0; i < n; i++) {
		struct event e;
		if ((rc = events_get(t, st.s[i].seq, &e)) != 0)
			goto out;
		st.s[i].time_ms = e.time_ms;
		if (event_visible(who, &e))
			st.s[kept++] = st.s[i];
	}
	qsort(st.s, kept, sizeof *st.s, cmp_step_time);
	to->step = xmalloc((kept ? kept : 1) * sizeof *to->step);
	for (size_t i = 0; i < kept; i++) {
		struct trace_step *s = &to->step[i];
		s->xform = NULL;
		if ((rc = events_get(t, st.s[i].seq, &s->e)) != 0 ||
		    (rc = step_view(t, to->j.unit.id, st.s[i].via, s)) != 0)
			goto out;
		rc = coldchain_reading(t, s->e.seq, &s->reading);
		s->has_reading = rc == 0;
		if (rc && rc != STORE_NOTFOUND)
			goto out;
		rc = 0;
		if (s->e.kind == EV_TRANSFORM &&
		    (rc = xform_sides(t, &s->e, to->j.unit.id, &s->xform)) != 0)
			goto out;
		to->nstep++;
	}
out:
	free(st.s);
	return rc;
}

/* Copy a record's text field `name` into out (size n), "" when unset. */
static void field_text(const struct master_kind *k, const struct master_rec *rec,
		       const char *name, char *out, size_t n)
{
	int f = master_field_index(k, name);
	size_t len = f >= 0 && rec->val[f] ? rec->len[f] : 0;
	if (len >= n)
		len = n - 1;
	memcpy(out, len ? rec->val[f] : "", len);
	out[len] = '\0';
}

/* Add site `num` to the trace's sites unless it is there already (chains
 * name a handful of sites: a linear search). */
static int add_site(struct store_txn *t, struct trace_outcome *to, size_t *cap, uint32_t num)
{
	if (num == 0)
		return 0;
	for (size_t i = 0; i < to->nsite; i++)
		if (to->site[i].num == num)
			return 0;
	if (to->nsite == *cap) {
		*cap = *cap ? *cap * 2 : 8;
		to->site = xrealloc(to->site, *cap * sizeof *to->site);
	}
	struct trace_site *s = &to->site[to->nsite];
	struct master_rec rec;
	memset(s, 0, sizeof *s);
	s->num = num;
	int rc = master_load_num(t, &master_site, num, s->id, &rec);
	if (rc == STORE_NOTFOUND && s->id[0])
		memset(&rec, 0, sizeof rec);	/* numbered, never SITE SET: no fields */
	else if (rc)
		return rc;
	field_text(&master_site, &rec, "name", s->name, sizeof s->name);
	field_text(&master_site, &rec, "kind", s->kind, sizeof s->kind);
	archive_of(&master_site, &rec, &s->archive);
	to->nsite++;
	return 0;
}

/* The archives the reply shows: the product's, and each site's the shown
 * steps name, one record read per distinct site. */
static int archives(struct store_txn *t, struct trace_outcome *to)
{
	const struct judgement *j = &to->j;
	struct master_rec rec;
	size_t cap = 0;
	int rc = 0;
	if (j->has_product) {
		rc = master_load(t, &master_product, j->product_id, &rec);
		if (rc == 0)
			archive_of(&master_product, &rec, &to->product_archive);
		else if (rc != STORE_NOTFOUND)
			return rc;
		rc = 0;
	}
	for (size_t i = 0; rc == 0 && i < to->nstep; i++) {
		const struct event *e = &to->step[i].e;
		if (event_kind_siteless(e->kind))
			continue;
		if ((rc = add_site(t, to, &cap, e->site)) == 0)
			rc = add_site(t, to, &cap, e->other);
	}
	return rc;
}

enum cmd_status trace_gather(struct store_txn *t, const struct config *cfg, const struct cmd *c,
			     struct trace_outcome *to)
{
	const struct code_result *code = &c->codes[0];
	struct judgement *j = &to->j;
	if (code->cr_err != CODE_OK)
		return outcome_refuse(&to->o, "%s", code->cr_msg);
	int rc = verdict_judge(t, cfg, c->when_ms, code, 0, j);
	if (rc)
		return outcome_failed(&to->o, rc);
	code_key_format(code->cr_key, code->cr_key_len, to->code, sizeof to->code);
	if (!j->found)
		return CMD_DONE;
	uint32_t own = acl_sees_own_site_only(c->who) ? c->who->site : 0;
	if ((rc = view_site(t, j->place.holder, to->holder)) != 0 ||
	    (rc = steps_shown(t, c->who, to)) != 0 ||
	    (rc = alert_list_unit(t, j->unit.id, own, to->alert, TRACE_ALERTS, &to->nalert)) != 0 ||
	    (rc = archives(t, to)) != 0)
		return outcome_failed(&to->o, rc);
	to->today = verdict_today(cfg, c->when_ms);
	return CMD_DONE;
}

void trace_free(struct trace_outcome *to)
{
	for (size_t i = 0; i < to->nstep; i++)
		free(to->step[i].xform);
	free(to->step);
	to->step = NULL;
	to->nstep = 0;
	free(to->site);
	to->site = NULL;
	to->nsite = 0;
}
