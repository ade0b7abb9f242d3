/*
 * eventlog — event records and the events about each unit (eventlog.h).
 */
#include "eventlog.h"
#include "audit.h"
#include "code_util.h"
#include "idlist.h"
#include "log.h"
#include "store.h"
#include "units.h"
#include "xmem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Event record (stored after its chain link, audit.h): u8 kind, u8 flags, u48 time (ms), u32 site, u32 other,
 * u40 unit, u32 count, u40 parent, u32 qty, u8 ref length, ref; then, when
 * it records who made it (actor_role not 0), u8 role, u8 name length,
 * name.  A record without them is one from before (version 1 entries). */
#define EVENT_FIXED (2 + 6 + 4 + 4 + ID_BYTES + 4 + ID_BYTES + 4 + 1)

int events_add(struct store_txn *t, struct event *e, uint64_t about)
{
	uint8_t k[SEQ_BYTES], v[EVENT_FIXED + EVENT_REF_MAX + 2 + EVENT_ACTOR_MAX];
	uint8_t link[AUDIT_HASH_LEN];
	void *room;
	int rc = store_next_ids64(t, "event", 1, &e->seq);
	if (rc)
		return rc;
	uint8_t *p = v;
	p[0] = e->kind;
	p[1] = e->flags;
	code_put_be(p + 2, (uint64_t)e->time_ms, 6);
	code_put_be(p + 8, e->site, 4);
	code_put_be(p + 12, e->other, 4);
	code_put_be(p + 16, e->unit, ID_BYTES);
	code_put_be(p + 21, e->count, 4);
	code_put_be(p + 25, e->parent, ID_BYTES);
	code_put_be(p + 30, e->qty, 4);
	size_t rl = e->ref_len > EVENT_REF_MAX ? EVENT_REF_MAX : e->ref_len;
	p[34] = (uint8_t)rl;
	memcpy(p + EVENT_FIXED, e->ref, rl);
	size_t n = EVENT_FIXED + rl;
	if (e->actor_role) {
		size_t al = e->actor_len > EVENT_ACTOR_MAX ? EVENT_ACTOR_MAX : e->actor_len;
		p[n] = e->actor_role;
		p[n + 1] = (uint8_t)al;
		memcpy(p + n + 2, e->actor, al);
		n += 2 + al;
	}
	code_put_be(k, e->seq, SEQ_BYTES);
	/* Stored as its chain link and the record (audit.h). */
	if ((rc = audit_next_link(t, e->seq, v, n, link)) != 0 ||
	    (rc = store_append_room(t, DB_EVENTS, k, sizeof k, AUDIT_HASH_LEN + n, &room)) != 0)
		return rc;
	memcpy(room, link, AUDIT_HASH_LEN);
	memcpy((uint8_t *)room + AUDIT_HASH_LEN, v, n);
	if (about)
		rc = events_index(t, about, e->seq);
	return rc;
}

int events_index(struct store_txn *t, uint64_t unit, uint64_t seq)
{
	uint8_t k[ID_BYTES];
	code_put_be(k, unit, ID_BYTES);
	return idlist_add(t, DB_UNIT_EVENTS, k, sizeof k, SEQ_BYTES, seq);
}

/* An event's value as stored (its link, then its record) into *e. */
static int decode(const uint8_t k[SEQ_BYTES], uint64_t seq, const void *v, size_t n,
		  struct event *e)
{
	const uint8_t *p = (const uint8_t *)v + AUDIT_HASH_LEN;	/* past its link */
	if (n < AUDIT_HASH_LEN + EVENT_FIXED)
		return store_corrupt(DB_EVENTS, k, SEQ_BYTES, "not an event record");
	n -= AUDIT_HASH_LEN;
	if (n - EVENT_FIXED < p[34] || p[34] > EVENT_REF_MAX)
		return store_corrupt(DB_EVENTS, k, SEQ_BYTES, "not an event record");
	memset(e, 0, sizeof *e);
	e->seq = seq;
	e->kind = p[0];
	e->flags = p[1];
	e->time_ms = (int64_t)code_get_be(p + 2, 6);
	e->site = (uint32_t)code_get_be(p + 8, 4);
	e->other = (uint32_t)code_get_be(p + 12, 4);
	e->unit = code_get_be(p + 16, ID_BYTES);
	e->count = (uint32_t)code_get_be(p + 21, 4);
	e->parent = code_get_be(p + 25, ID_BYTES);
	e->qty = (uint32_t)code_get_be(p + 30, 4);
	e->ref_len = p[34];
	memcpy(e->ref, p + EVENT_FIXED, e->ref_len);
	e->ref[e->ref_len] = '\0';
	const uint8_t *a = p + EVENT_FIXED + e->ref_len;
	size_t left = n - EVENT_FIXED - e->ref_len;
	if (left == 0)
		return 0;	/* no actor: from a version 1 entry */
	if (left < 2 || a[0] == 0 || a[1] > EVENT_ACTOR_MAX || left != 2u + a[1])
		return store_corrupt(DB_EVENTS, k, SEQ_BYTES, "not an event record");
	e->actor_role = a[0];
	e->actor_len = a[1];
	memcpy(e->actor, a + 2, e->actor_len);
	e->actor[e->actor_len] = '\0';
	return 0;
}

int events_get_link(struct store_txn *t, uint64_t seq, struct event *e,
		    uint8_t link[AUDIT_HASH_LEN])
{
	uint8_t k[SEQ_BYTES];
	const void *v;
	size_t n;
	code_put_be(k, seq, SEQ_BYTES);
	int rc = store_get(t, DB_EVENTS, k, sizeof k, &v, &n);
	if (rc == 0)
		rc = decode(k, seq, v, n, e);
	if (rc == 0 && link)
		memcpy(link, v, AUDIT_HASH_LEN);
	return rc;
}

int events_get(struct store_txn *t, uint64_t seq, struct event *e)
{
	return events_get_link(t, seq, e, NULL);
}

int events_walk(struct store_txn *t, uint64_t from,
		int (*fn)(void *arg, const struct event *e, const uint8_t *link), void *arg)
{
	struct store_cursor *c;
	const void *k, *v;
	size_t kl, n;
	uint8_t start[SEQ_BYTES];
	code_put_be(start, from, SEQ_BYTES);
	int rc = store_cursor_open(t, DB_EVENTS, &c);
	if (rc)
		return rc;
	for (rc = store_cursor_seek(c, start, sizeof start, &k, &kl, &v, &n); rc == 0;
	     rc = store_cursor_next(c, &k, &kl, &v, &n)) {
		struct event e;
		if (kl != SEQ_BYTES) {
			rc = store_corrupt(DB_EVENTS, k, kl, "not an event's key");
			break;
		}
		if ((rc = decode(k, code_get_be(k, SEQ_BYTES), v, n, &e)) != 0 ||
		    (rc = fn(arg, &e, v)) != 0)
			break;
	}
	store_cursor_close(c);
	return rc == STORE_NOTFOUND ? 0 : rc;
}

int units_event(struct store_txn *t, struct unit *u, uint64_t seq)
{
	if (u->flags & UNIT_F_LAST_UNINDEXED) {
		int rc = events_index(t, u->id, u->last_seq);
		if (rc)
			return rc;
	}
	u->last_seq = seq;
	u->flags |= UNIT_F_LAST_UNINDEXED;
	return 0;
}

/* events_of: the indexed seqs with the record's unindexed last one merged
 * in at its place (an event indexed directly, such as a LOCK, can be newer). */
struct events_merge {
	uint64_t pending;	/* 0: none, or already given */
	int (*fn)(void *, uint64_t);
	void *arg;
};

static int merge_seq(void *arg, uint64_t seq)
{
	struct events_merge *m = arg;
	if (m->pending && m->pending < seq) {
		int stop = m->fn(m->arg, m->pending);
		m->pending = 0;
		if (stop)
			return stop;
	}
	return m->fn(m->arg, seq);
}

int events_of(struct store_txn *t, const struct unit *u,
	      int (*fn)(void *arg, uint64_t seq), void *arg)
{
	uint8_t k[ID_BYTES];
	struct events_merge m = { .fn = fn, .arg = arg };
	if (u->flags & UNIT_F_LAST_UNINDEXED)
		m.pending = u->last_seq;
	code_put_be(k, u->id, ID_BYTES);
	int rc = idlist_each(t, DB_UNIT_EVENTS, k, sizeof k, SEQ_BYTES, 0, merge_seq, &m);
	if (rc == 0 && m.pending)
		rc = fn(arg, m.pending);
	return rc;
}

const char *event_kind_name(uint8_t kind)
{
	static const char *const names[] = {
		[EV_COMMISSION] = "commission", [EV_PACK] = "pack", [EV_UNPACK] = "unpack",
		[EV_SHIP] = "ship", [EV_RECEIVE] = "receive", [EV_RETURN] = "return",
		[EV_DESTROY] = "destroy", [EV_DISPENSE] = "dispense", [EV_UNDO] = "undo",
		[EV_RECALL] = "recall", [EV_LIFT] = "lift", [EV_WITHDRAW] = "withdraw",
		[EV_LOCK] = "lock", [EV_UNLOCK] = "unlock", [EV_RECALL_ACK] = "recall_ack",
		[EV_DECOMMISSION] = "decommission", [EV_REACTIVATE] = "reactivate",
		[EV_UNWITHDRAW] = "unwithdraw", [EV_TRANSFORM] = "transform",
	};
	return kind < sizeof names / sizeof names[0] && names[kind] ? names[kind] : "?";
}

/* ------------------------------------------------------------- members */

/* event_units: the event's seq (u48 BE) → runs of (u40 first id BE, u32
 * count BE), ids ascending, runs apart (a run never touches the next). */
#define RUN_BYTES (ID_BYTES + 4)

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

/* Store ids (n > 0; sorted here, repeats dropped) as event seq's members. */
static int put_members(struct store_txn *t, uint64_t seq, uint64_t *ids, size_t n)
{
	qsort(ids, n, sizeof *ids, cmp_u64);
	uint8_t k[SEQ_BYTES], *v = xmalloc(n * RUN_BYTES), *p = v;
	for (size_t i = 0; i < n;) {
		size_t j = i + 1;
		while (j < n && ids[j] <= ids[j - 1] + 1 && j - i < UINT32_MAX)
			j++;	/* a repeat (ids[j] == ids[j - 1]) stays in the run */
		code_put_be(p, ids[i], ID_BYTES);
		code_put_be(p + ID_BYTES, ids[j - 1] - ids[i] + 1, 4);
		p += RUN_BYTES;
		i = j;
	}
	code_put_be(k, seq, SEQ_BYTES);
	int rc = store_append(t, DB_EVENT_UNITS, k, sizeof k, v, (size_t)(p - v));
	free(v);
	return rc;
}

int events_members_put(struct store_txn *t, uint64_t seq, const struct unit *u, size_t n)
{
	if (n == 0)
		return 0;
	uint64_t *ids = xmalloc(n * sizeof *ids);
	for (size_t i = 0; i < n; i++)
		ids[i] = u[i].id;
	int rc = put_members(t, seq, ids, n);
	free(ids);
	return rc;
}

/* The stored members of event seq, run by run. */
static int members_of(struct store_txn *t, uint64_t seq, int (*fn)(void *arg, uint64_t unit),
		      void *arg)
{
	uint8_t k[SEQ_BYTES];
	const void *v;
	size_t n;
	code_put_be(k, seq, SEQ_BYTES);
	int rc = store_get(t, DB_EVENT_UNITS, k, sizeof k, &v, &n);
	if (rc == STORE_NOTFOUND)
		return store_corrupt(DB_EVENT_UNITS, k, sizeof k, "the event's units are not listed");
	if (rc)
		return rc;
	if (n == 0 || n % RUN_BYTES)
		return store_corrupt(DB_EVENT_UNITS, k, sizeof k, "not a list of runs");
	uint64_t next = 1;	/* the least id the next run may start at */
	for (const uint8_t *p = v, *end = p + n; p < end; p += RUN_BYTES) {
		uint64_t first = code_get_be(p, ID_BYTES), count = code_get_be(p + ID_BYTES, 4);
		if (first < next || count == 0 || first + count > (UINT64_C(1) << 40))
			return store_corrupt(DB_EVENT_UNITS, k, sizeof k, "runs out of order");
		for (uint64_t id = first; id < first + count; id++)
			if ((rc = fn(arg, id)) != 0)
				return rc;
		next = first + count + 1;
	}
	return 0;
}

int events_units(struct store_txn *t, const struct event *e,
		 int (*fn)(void *arg, uint64_t unit), void *arg)
{
	int rc = 0;
	switch (e->kind) {
	case EV_COMMISSION:
		for (uint64_t i = 0; i < e->count && rc == 0; i++)
			rc = fn(arg, e->unit + i);
		return rc;
	case EV_PACK:
	case EV_UNPACK:
		return members_of(t, e->seq, fn, arg);
	case EV_SHIP:
	case EV_RETURN:
	case EV_RECEIVE:
	case EV_DESTROY:
	case EV_DECOMMISSION:
	case EV_REACTIVATE:
	case EV_TRANSFORM:	/* its inputs (its outputs: ids parent .. + qty) */
		return e->unit ? fn(arg, e->unit) : members_of(t, e->seq, fn, arg);
	case EV_DISPENSE:
	case EV_UNDO:
	case EV_LOCK:
	case EV_UNLOCK:
		return fn(arg, e->unit);
	default:
		return 0;
	}
}

/* --------------------------------------- building the members (schema 8) */

/* Pairs (event, unit) gathered for the events in [lo, hi): the unit lists
 * are walked once per window, and a window halves when its pairs fill the
 * room, so that memory stays bounded whatever the store's size. */
#define PAIRS_ROOM (1u << 22)	/* 64 MiB of pairs */

struct pair {
	uint64_t seq, unit;
};

struct building {
	struct store_txn *t;
	struct pair *p;
	size_t n, cap;
	uint64_t lo, hi;	/* the window; hi 0: no end */
	uint64_t unit;		/* the unit whose events are walked */
	uint64_t events;	/* events listed */
};

static int cmp_pair(const void *a, const void *b)
{
	const struct pair *x = a, *y = b;
	if (x->seq != y->seq)
		return x->seq < y->seq ? -1 : 1;
	return (x->unit > y->unit) - (x->unit < y->unit);
}

/* The window is full: keep its lower half of events. */
static void narrow(struct building *b)
{
	qsort(b->p, b->n, sizeof *b->p, cmp_pair);
	uint64_t mid = b->p[b->n / 2].seq;
	if (mid == b->p[0].seq)
		mid++;		/* half the room is one event's: it stays whole */
	size_t keep = 0;
	while (keep < b->n && b->p[keep].seq < mid)
		keep++;
	if (keep == b->n) {	/* one event fills it all: make room */
		b->cap *= 2;
		b->p = xrealloc(b->p, b->cap * sizeof *b->p);
	}
	b->n = keep;
	b->hi = mid;
}

/* Is unit a member of event seq, as events_members_put lists them? */
static int note_member(void *arg, uint64_t seq)
{
	struct building *b = arg;
	struct event e;
	if (seq < b->lo || (b->hi && seq >= b->hi))
		return 0;
	int rc = events_get(b->t, seq, &e);
	if (rc)
		return rc;
	bool member = ((e.kind == EV_PACK || e.kind == EV_UNPACK) && e.unit != b->unit) ||
		      ((e.kind == EV_SHIP || e.kind == EV_RETURN || e.kind == EV_RECEIVE ||
			e.kind == EV_DESTROY || e.kind == EV_DECOMMISSION ||
			e.kind == EV_REACTIVATE) && e.unit == 0);
	if (!member)
		return 0;
	if (b->n == b->cap) {
		narrow(b);
		if (b->hi && seq >= b->hi)
			return 0;
	}
	b->p[b->n++] = (struct pair){ seq, b->unit };
	return 0;
}

/* One window: walk every unit's events, then store the window's lists. */
static int build_window(struct building *b, uint64_t units_end)
{
	int rc = 0;
	b->n = 0;
	for (uint64_t id = 1; id < units_end && rc == 0; id++) {
		struct unit u;
		rc = units_get(b->t, id, &u);
		if (rc == STORE_NOTFOUND) {
			rc = 0;
			continue;
		}
		b->unit = id;
		if (rc == 0)
			rc = events_of(b->t, &u, note_member, b);
	}
	if (rc)
		return rc;
	qsort(b->p, b->n, sizeof *b->p, cmp_pair);
	uint64_t *ids = xmalloc((b->n ? b->n : 1) * sizeof *ids);
	for (size_t i = 0; i < b->n && rc == 0;) {
		size_t j = i;
		for (; j < b->n && b->p[j].seq == b->p[i].seq; j++)
			ids[j - i] = b->p[j].unit;
		rc = put_members(b->t, b->p[i].seq, ids, j - i);
		b->events++;
		i = j;
	}
	free(ids);
	return rc;
}

static int build_members(struct store_txn *t, void *arg)
{
	static const char mark[] = STORE_META_EVENT_UNITS_UNBUILT;
	struct building *b = arg;
	const void *v;
	size_t n;
	uint64_t units_end;
	b->t = t;
	b->events = 0;
	int rc = store_get(t, DB_META, mark, sizeof mark - 1, &v, &n);
	if (rc)
		return rc == STORE_NOTFOUND ? 0 : rc;
	if ((rc = store_peek_id64(t, "unit", &units_end)) != 0)
		return rc;
	for (b->lo = 1, b->hi = 0; rc == 0;) {
		rc = build_window(b, units_end);
		if (rc || b->hi == 0)
			break;
		b->lo = b->hi;	/* on to the events after the window */
		b->hi = 0;
	}
	return rc ? rc : store_del(t, DB_META, mark, sizeof mark - 1);
}

int events_open(struct store *s, char *err, size_t errlen)
{
	struct building b = { .cap = PAIRS_ROOM };
	b.p = xmalloc(b.cap * sizeof *b.p);
	int rc = store_write_retry(s, build_members, &b);
	free(b.p);
	if (rc) {
		snprintf(err, errlen, "events: cannot list the units of each event: %s",
			 store_strerror(rc));
		return -1;
	}
	if (b.events)
		log_info("events: listed the units of %llu events (event_units, schema 8)",
			 (unsigned long long)b.events);
	return 0;
}
