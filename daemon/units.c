/*
 * units — record encodings and indexes for units, lots and events.
 */
#include "units.h"
#include "audit.h"
#include "code_util.h"
#include "store.h"
#include "xmem.h"

#include <stdlib.h>
#include <string.h>

#define UNIT_FORMAT 1
#define LOT_FORMAT 1
#define ID_BYTES 5		/* unit ids */
#define SEQ_BYTES 6		/* event sequence numbers */

/* Optional unit fields, present when their bit is set. */
enum {
	OPT_PARENT = 1 << 0,
	OPT_DEST = 1 << 1,
	OPT_DISPENSED = 1 << 2,
	OPT_QUANTITY = 1 << 3,
	OPT_LAST_SEQ = 1 << 4,
};

/* Unit record:
 *   u8 format<<4 | level, u8 status, u8 flags, u8 optional-field bits,
 *   u32 lot, u32 holder, u48 commission seq,
 *   [u40 parent] [u32 dest] [u32 dispensed] [u32 quantity] [u48 last seq],
 *   code key (the rest).  Integers big endian. */
static size_t encode_unit(const struct unit *u, uint8_t *out)
{
	uint8_t *p = out + 4;
	uint8_t opt = 0;
	out[0] = (uint8_t)(UNIT_FORMAT << 4 | (u->level & 0x0f));
	out[1] = u->status;
	out[2] = u->flags;
	code_put_be(p, u->lot, 4);
	code_put_be(p + 4, u->holder, 4);
	code_put_be(p + 8, u->commission_seq, SEQ_BYTES);
	p += 8 + SEQ_BYTES;
	/* The fields a unit's later events fill in (parent, destination,
	 * sales, last event) are always written, even when empty: records are
	 * appended into full pages, and one that grew when its unit is packed,
	 * shipped loose or sold would split its page in two half-empty ones.
	 * The quantity is set at commissioning or never. */
	opt |= OPT_PARENT | OPT_DEST | OPT_DISPENSED;
	code_put_be(p, u->parent, ID_BYTES);
	code_put_be(p + ID_BYTES, u->dest, 4);
	code_put_be(p + ID_BYTES + 4, u->dispensed, 4);
	p += ID_BYTES + 8;
	if (u->quantity) {
		opt |= OPT_QUANTITY;
		code_put_be(p, u->quantity, 4);
		p += 4;
	}
	opt |= OPT_LAST_SEQ;
	code_put_be(p, u->last_seq ? u->last_seq : u->commission_seq, SEQ_BYTES);
	p += SEQ_BYTES;
	out[3] = opt;
	memcpy(p, u->key, u->key_len);
	return (size_t)(p - out) + u->key_len;
}

/* A unit record that is not one (store_corrupt names it by its key). */
static int bad_unit(uint64_t id, const char *why)
{
	uint8_t k[ID_BYTES];
	code_put_be(k, id, ID_BYTES);
	return store_corrupt(DB_UNITS, k, sizeof k, why);
}

static int decode_unit(const uint8_t *v, size_t n, uint64_t id, struct unit *u)
{
	const uint8_t *p = v + 4, *end = v + n;
	memset(u, 0, sizeof *u);
	if (n < 4 + 8 + SEQ_BYTES)
		return bad_unit(id, "shorter than a unit record");
	if (v[0] >> 4 != UNIT_FORMAT)
		return bad_unit(id, "not a unit record this build reads");
	u->id = id;
	u->level = v[0] & 0x0f;
	u->status = v[1];
	u->flags = v[2];
	uint8_t opt = v[3];
	u->lot = (uint32_t)code_get_be(p, 4);
	u->holder = (uint32_t)code_get_be(p + 4, 4);
	u->commission_seq = code_get_be(p + 8, SEQ_BYTES);
	p += 8 + SEQ_BYTES;
	size_t need = (opt & OPT_PARENT ? ID_BYTES : 0) + (opt & OPT_DEST ? 4 : 0) +
		      (opt & OPT_DISPENSED ? 4 : 0) + (opt & OPT_QUANTITY ? 4 : 0) +
		      (opt & OPT_LAST_SEQ ? SEQ_BYTES : 0);
	if ((size_t)(end - p) < need)
		return bad_unit(id, "shorter than its fields say");
	if (opt & OPT_PARENT) {
		u->parent = code_get_be(p, ID_BYTES);
		p += ID_BYTES;
	}
	if (opt & OPT_DEST) {
		u->dest = (uint32_t)code_get_be(p, 4);
		p += 4;
	}
	if (opt & OPT_DISPENSED) {
		u->dispensed = (uint32_t)code_get_be(p, 4);
		p += 4;
	}
	if (opt & OPT_QUANTITY) {
		u->quantity = (uint32_t)code_get_be(p, 4);
		p += 4;
	}
	u->last_seq = u->commission_seq;
	if (opt & OPT_LAST_SEQ) {
		u->last_seq = code_get_be(p, SEQ_BYTES);
		p += SEQ_BYTES;
	}
	u->key_len = (size_t)(end - p);
	if (u->key_len == 0 || u->key_len > CODE_KEY_MAX)
		return bad_unit(id, "its code key is empty or too long");
	memcpy(u->key, p, u->key_len);
	return 0;
}

bool units_lot_level(const uint8_t *key, size_t len)
{
	return len > 0 && (key[0] == CODE_KEY_LGTIN || key[0] == CODE_KEY_HIBC_LOT ||
			   key[0] == CODE_KEY_MA_LOT);
}

int units_get(struct store_txn *t, uint64_t id, struct unit *u)
{
	uint8_t k[ID_BYTES];
	const void *v;
	size_t n;
	code_put_be(k, id, ID_BYTES);
	int rc = store_get(t, DB_UNITS, k, sizeof k, &v, &n);
	return rc ? rc : decode_unit(v, n, id, u);
}

int units_find(struct store_txn *t, const uint8_t *key, size_t klen, struct unit *u)
{
	const void *v;
	size_t n;
	int rc = store_get(t, DB_CODES, key, klen, &v, &n);
	if (rc)
		return rc;
	if (n != ID_BYTES)
		return store_corrupt(DB_CODES, key, klen, "not a unit id");
	return units_get(t, code_get_be(v, ID_BYTES), u);
}

int units_put(struct store_txn *t, const struct unit *u)
{
	uint8_t k[ID_BYTES], v[64 + CODE_KEY_MAX];
	code_put_be(k, u->id, ID_BYTES);
	return store_put(t, DB_UNITS, k, sizeof k, v, encode_unit(u, v));
}

int units_add(struct store_txn *t, const struct unit *u)
{
	uint8_t k[ID_BYTES], v[64 + CODE_KEY_MAX];
	code_put_be(k, u->id, ID_BYTES);
	int rc = store_append(t, DB_UNITS, k, sizeof k, v, encode_unit(u, v));
	if (rc == 0)
		rc = store_put(t, DB_CODES, u->key, u->key_len, k, sizeof k);
	return rc;
}

int units_unlink(struct store_txn *t, uint64_t parent, uint64_t child)
{
	uint8_t k[ID_BYTES], v[ID_BYTES];
	code_put_be(k, parent, ID_BYTES);
	code_put_be(v, child, ID_BYTES);
	return store_del_dup(t, DB_CHILDREN, k, sizeof k, v, sizeof v);
}

int units_lot_add(struct store_txn *t, uint32_t lot, uint64_t id)
{
	uint8_t k[4], v[ID_BYTES];
	code_put_be(k, lot, 4);
	code_put_be(v, id, ID_BYTES);
	return store_put_dup(t, DB_LOT_UNITS, k, sizeof k, v, sizeof v);
}

/* Put `n` ids under one key of a dup database of ids, in one call. */
static int put_ids(struct store_txn *t, enum store_db db, const uint8_t *k, size_t klen,
		   uint64_t (*id_at)(const void *src, size_t i), const void *src, size_t n,
		   bool greatest)
{
	if (n == 0)
		return 0;
	uint8_t *v = xmalloc(n * ID_BYTES);
	for (size_t i = 0; i < n; i++)
		code_put_be(v + i * ID_BYTES, id_at(src, i), ID_BYTES);
	int rc = store_put_dups(t, db, k, klen, v, ID_BYTES, n, greatest);
	free(v);
	return rc;
}

static uint64_t consecutive(const void *first, size_t i)
{
	return *(const uint64_t *)first + i;
}

static uint64_t unit_id(const void *units, size_t i)
{
	return ((const struct unit *)units)[i].id;
}

int units_lot_add_range(struct store_txn *t, uint32_t lot, uint64_t first, size_t n)
{
	uint8_t k[4];
	code_put_be(k, lot, 4);
	/* New ids: above every id in any lot. */
	return put_ids(t, DB_LOT_UNITS, k, sizeof k, consecutive, &first, n, true);
}

int units_link_all(struct store_txn *t, uint64_t parent, const struct unit *kids, size_t n,
		   bool empty)
{
	uint8_t k[ID_BYTES];
	bool increasing = true;
	for (size_t i = 1; i < n && increasing; i++)
		increasing = kids[i].id > kids[i - 1].id;
	code_put_be(k, parent, ID_BYTES);
	return put_ids(t, DB_CHILDREN, k, sizeof k, unit_id, kids, n, empty && increasing);
}

/* Call fn for each fixed-size value >= from of `key` in a dup database. */
static int each_dup_from(struct store_txn *t, enum store_db db, const uint8_t *key,
			 size_t klen, size_t vsize, uint64_t from,
			 int (*fn)(void *, uint64_t), void *arg)
{
	struct store_cursor *c;
	const void *v;
	size_t n;
	uint8_t start[8];
	code_put_be(start, from, vsize);
	int rc = store_cursor_open(t, db, &c);
	if (rc)
		return rc;
	for (rc = store_cursor_dups_from(c, key, klen, start, vsize, &v, &n); rc == 0;
	     rc = store_cursor_next_dup(c, &v, &n)) {
		if (n != vsize)
			continue;
		int stop = fn(arg, code_get_be(v, vsize));
		if (stop) {
			store_cursor_close(c);
			return stop;
		}
	}
	store_cursor_close(c);
	return rc == STORE_NOTFOUND ? 0 : rc;
}

static int each_dup(struct store_txn *t, enum store_db db, const uint8_t *key,
		    size_t klen, size_t vsize, int (*fn)(void *, uint64_t), void *arg)
{
	return each_dup_from(t, db, key, klen, vsize, 0, fn, arg);
}

int units_of_lot(struct store_txn *t, uint32_t lot, uint64_t from,
		 int (*fn)(void *arg, uint64_t id), void *arg)
{
	uint8_t k[4];
	code_put_be(k, lot, 4);
	return each_dup_from(t, DB_LOT_UNITS, k, sizeof k, ID_BYTES, from, fn, arg);
}

int units_children(struct store_txn *t, uint64_t parent,
		   int (*fn)(void *arg, uint64_t child), void *arg)
{
	uint8_t k[ID_BYTES];
	code_put_be(k, parent, ID_BYTES);
	return each_dup(t, DB_CHILDREN, k, sizeof k, ID_BYTES, fn, arg);
}

int units_child_count(struct store_txn *t, uint64_t parent, size_t *n)
{
	uint8_t k[ID_BYTES];
	struct store_cursor *c;
	const void *v;
	size_t vl;
	code_put_be(k, parent, ID_BYTES);
	*n = 0;
	int rc = store_cursor_open(t, DB_CHILDREN, &c);
	if (rc)
		return rc;
	rc = store_cursor_dups(c, k, sizeof k, &v, &vl);
	if (rc == 0)
		rc = store_cursor_count(c, n);
	store_cursor_close(c);
	return rc == STORE_NOTFOUND ? 0 : rc;
}

/* Containers nest a few levels deep (pallet ⊃ case ⊃ middle pack ⊃ unit);
 * the bound only guards against a damaged store. */
#define MAX_DEPTH 8

int units_place(struct store_txn *t, const struct unit *u, struct unit_place *p)
{
	p->status = u->status;
	p->holder = u->holder;
	p->dest = u->dest;
	p->outer = u->id;
	p->returning = u->flags & UNIT_F_RETURNING;
	if (u->status == UNIT_DISPENSED || u->parent == 0)
		return 0;
	struct unit cur;
	uint64_t next = u->parent;
	for (int depth = 0; next && depth < MAX_DEPTH; depth++) {
		int rc = units_get(t, next, &cur);
		if (rc)
			return rc;
		next = cur.parent;
	}
	if (u->status != UNIT_DESTROYED)
		p->status = cur.status;
	p->holder = cur.holder;
	p->dest = cur.dest;
	p->outer = cur.id;
	p->returning = cur.flags & UNIT_F_RETURNING;
	return 0;
}

/* Lot key: product number (BE) + lot name.  Lot record: u8 format,
 * u32 number, u32 expiry (YYYYMMDD), u8 status, u8 recall level,
 * u48 recall event seq. */
#define LOT_VALUE 17
static size_t lot_key(uint32_t product, const char *name, size_t len, uint8_t *k)
{
	code_put_be(k, product, 4);
	memcpy(k + 4, name, len);
	return 4 + len;
}

int lots_find(struct store_txn *t, uint32_t product, const char *name, size_t len,
	      struct lot *l)
{
	uint8_t k[4 + CODE_SERIAL_MAX];
	const void *v;
	size_t n;
	if (len >= CODE_SERIAL_MAX)
		return STORE_NOTFOUND;
	int rc = store_get(t, DB_LOTS, k, lot_key(product, name, len, k), &v, &n);
	if (rc)
		return rc;
	const uint8_t *p = v;
	if (n != LOT_VALUE || p[0] != LOT_FORMAT)
		return store_corrupt(DB_LOTS, k, lot_key(product, name, len, k),
				     "not a lot record");
	memset(l, 0, sizeof *l);
	l->num = (uint32_t)code_get_be(p + 1, 4);
	l->expiry = (uint32_t)code_get_be(p + 5, 4);
	l->status = p[9];
	l->recall_level = p[10];
	l->recall_seq = code_get_be(p + 11, SEQ_BYTES);
	l->product = product;
	memcpy(l->name, name, len);
	l->name_len = len;
	return 0;
}

int lots_get(struct store_txn *t, uint32_t num, struct lot *l)
{
	uint8_t k[4];
	const void *v;
	size_t n;
	code_put_be(k, num, 4);
	int rc = store_get(t, DB_LOT_NUMS, k, sizeof k, &v, &n);
	if (rc)
		return rc;
	if (n < 5 || n - 4 >= CODE_SERIAL_MAX)
		return store_corrupt(DB_LOT_NUMS, k, sizeof k, "not a product and lot name");
	/* Copy out: lots_find reads the store again, which may move v. */
	char name[CODE_SERIAL_MAX];
	uint32_t product = (uint32_t)code_get_be(v, 4);
	size_t len = n - 4;
	memcpy(name, (const uint8_t *)v + 4, len);
	return lots_find(t, product, name, len, l);
}

int lots_put(struct store_txn *t, struct lot *l)
{
	uint8_t k[4 + CODE_SERIAL_MAX], v[LOT_VALUE];
	int rc;
	if (l->num == 0) {
		if ((rc = store_next_id(t, "lot", &l->num)) != 0)
			return rc;
		uint8_t nk[4];
		code_put_be(nk, l->num, 4);
		lot_key(l->product, l->name, l->name_len, k);
		if ((rc = store_put(t, DB_LOT_NUMS, nk, 4, k, 4 + l->name_len)) != 0)
			return rc;
	}
	v[0] = LOT_FORMAT;
	code_put_be(v + 1, l->num, 4);
	code_put_be(v + 5, l->expiry, 4);
	v[9] = l->status;
	v[10] = l->recall_level;
	code_put_be(v + 11, l->recall_seq, SEQ_BYTES);
	return store_put(t, DB_LOTS, k, lot_key(l->product, l->name, l->name_len, k),
			 v, sizeof v);
}

/* Event record: u8 kind, u8 flags, u48 time (ms), u32 site, u32 other,
 * u40 unit, u32 count, u40 parent, u32 qty, u8 ref length, ref. */
#define EVENT_FIXED (2 + 6 + 4 + 4 + ID_BYTES + 4 + ID_BYTES + 4 + 1)

int events_add(struct store_txn *t, struct event *e, uint64_t about)
{
	uint8_t k[SEQ_BYTES], v[EVENT_FIXED + EVENT_REF_MAX];
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
	rc = store_append(t, DB_EVENTS, k, sizeof k, v, EVENT_FIXED + rl);
	if (rc == 0)
		rc = audit_chain(t, e->seq, v, EVENT_FIXED + rl);
	if (rc == 0 && about)
		rc = events_index(t, about, e->seq);
	return rc;
}

int events_index(struct store_txn *t, uint64_t unit, uint64_t seq)
{
	uint8_t k[ID_BYTES], v[SEQ_BYTES];
	code_put_be(k, unit, ID_BYTES);
	code_put_be(v, seq, SEQ_BYTES);
	return store_put_dup(t, DB_UNIT_EVENTS, k, sizeof k, v, sizeof v);
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
	const uint8_t *p = v;
	if (n < EVENT_FIXED || n - EVENT_FIXED < p[34] || p[34] > EVENT_REF_MAX)
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
	int rc = each_dup(t, DB_UNIT_EVENTS, k, sizeof k, SEQ_BYTES, merge_seq, &m);
	if (rc == 0 && m.pending)
		rc = fn(arg, m.pending);
	return rc;
}

int lots_index_event(struct store_txn *t, uint32_t lot, uint64_t seq)
{
	uint8_t k[4], v[SEQ_BYTES];
	code_put_be(k, lot, 4);
	code_put_be(v, seq, SEQ_BYTES);
	return store_put_dup(t, DB_LOT_EVENTS, k, sizeof k, v, sizeof v);
}

int lots_events(struct store_txn *t, uint32_t lot, int (*fn)(void *arg, uint64_t seq),
		void *arg)
{
	uint8_t k[4];
	code_put_be(k, lot, 4);
	return each_dup(t, DB_LOT_EVENTS, k, sizeof k, SEQ_BYTES, fn, arg);
}

/* Product state: u8 flags (1 = withdrawn), u48 event seq. */
int products_withdrawn(struct store_txn *t, uint32_t product, bool *withdrawn,
		       uint64_t *seq)
{
	uint8_t k[4];
	const void *v;
	size_t n;
	code_put_be(k, product, 4);
	*withdrawn = false;
	*seq = 0;
	int rc = store_get(t, DB_PRODUCT_STATE, k, sizeof k, &v, &n);
	if (rc == STORE_NOTFOUND)
		return 0;
	if (rc)
		return rc;
	if (n == 1 + SEQ_BYTES) {
		*withdrawn = ((const uint8_t *)v)[0] & 1;
		*seq = code_get_be((const uint8_t *)v + 1, SEQ_BYTES);
	}
	return 0;
}

int products_set_withdrawn(struct store_txn *t, uint32_t product, uint64_t seq)
{
	uint8_t k[4], v[1 + SEQ_BYTES];
	code_put_be(k, product, 4);
	v[0] = 1;
	code_put_be(v + 1, seq, SEQ_BYTES);
	return store_put(t, DB_PRODUCT_STATE, k, sizeof k, v, sizeof v);
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
