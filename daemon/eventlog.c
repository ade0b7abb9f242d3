/*
 * eventlog — event records and the events about each unit (eventlog.h).
 */
#include "eventlog.h"
#include "audit.h"
#include "code_util.h"
#include "idlist.h"
#include "store.h"
#include "units.h"

#include <string.h>

/* Event record (stored after its chain link, audit.h): u8 kind, u8 flags, u48 time (ms), u32 site, u32 other,
 * u40 unit, u32 count, u40 parent, u32 qty, u8 ref length, ref. */
#define EVENT_FIXED (2 + 6 + 4 + 4 + ID_BYTES + 4 + ID_BYTES + 4 + 1)

int events_add(struct store_txn *t, struct event *e, uint64_t about)
{
	uint8_t k[SEQ_BYTES], v[EVENT_FIXED + EVENT_REF_MAX], link[AUDIT_HASH_LEN];
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
	code_put_be(k, e->seq, SEQ_BYTES);
	/* Stored as its chain link and the record (audit.h). */
	size_t n = EVENT_FIXED + rl;
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

int events_get(struct store_txn *t, uint64_t seq, struct event *e)
{
	uint8_t k[SEQ_BYTES];
	const void *v;
	size_t n;
	code_put_be(k, seq, SEQ_BYTES);
	int rc = store_get(t, DB_EVENTS, k, sizeof k, &v, &n);
	if (rc)
		return rc;
	const uint8_t *p = (const uint8_t *)v + AUDIT_HASH_LEN;	/* past its link */
	if (n < AUDIT_HASH_LEN + EVENT_FIXED)
		return store_corrupt(DB_EVENTS, k, sizeof k, "not an event record");
	n -= AUDIT_HASH_LEN;
	if (n - EVENT_FIXED < p[34] || p[34] > EVENT_REF_MAX)
		return store_corrupt(DB_EVENTS, k, sizeof k, "not an event record");
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
	return 0;
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
	};
	return kind < sizeof names / sizeof names[0] && names[kind] ? names[kind] : "?";
}
