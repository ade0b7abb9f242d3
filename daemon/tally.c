/*
 * tally — per-lot counters and container summaries (see tally.h).
 *
 * DB_TALLY key: u32 lot, u32 site, u8 bucket, u32 other (big endian, so a
 * lot's rows are together and ordered by site).  Value of a counter row:
 * u32 count per level 1-4, u48 first and u48 last time (Unix ms) something
 * was added.  Value of a TALLY_RECALL row: u48 recall seq, u48 ack seq,
 * u48 ack time, u32 units returned, and u32 units commissioned, shipped
 * and received after the recall (rows of 22 bytes, written before those
 * counts, read as zero).  A counter row whose counts all drop
 * to zero is deleted, so a lot's rows are only the places it is.
 *
 * DB_CONTENTS key: container unit id (u40); value: per lot, u32 lot and
 * u32 count per level 1-4 — everything packed in the container, at any
 * depth.  No row: the container holds nothing with a lot.
 */
#include "tally.h"
#include "code_util.h"
#include "store.h"
#include "units.h"

#include <string.h>

#define KEY_LEN 13
#define ROW_LEN (4 * TALLY_LEVELS + 12)
#define RECALL_LEN 34
#define RECALL_LEN_V1 22	/* rows written before the after-recall counts */
#define PART_LEN (4 + 4 * TALLY_LEVELS)
#define ID_BYTES 5
#define MAX_DEPTH 8

static void row_key(uint8_t k[KEY_LEN], uint32_t lot, const struct tally_place *p)
{
	code_put_be(k, lot, 4);
	code_put_be(k + 4, p->site, 4);
	k[8] = p->bucket;
	code_put_be(k + 9, p->other, 4);
}

void tally_place_of(const struct unit *u, const struct unit_place *p, struct tally_place *tp)
{
	tp->site = p->holder;
	tp->other = 0;
	/* A split pack counts as dispensed from its first sale on. */
	if (u->level == 1 && u->dispensed > 0) {
		tp->bucket = TALLY_DISPENSED;
		tp->site = u->holder;
		return;
	}
	switch (p->status) {
	case UNIT_IN_TRANSIT:
		tp->bucket = TALLY_TRANSIT;
		tp->other = p->dest;
		break;
	case UNIT_DISPENSED:
		tp->bucket = TALLY_DISPENSED;
		break;
	case UNIT_DESTROYED:
		tp->bucket = TALLY_DESTROYED;
		break;
	case UNIT_SAMPLE:
		tp->bucket = TALLY_SAMPLE;
		break;
	case UNIT_EXPORTED:
		tp->bucket = TALLY_EXPORTED;
		break;
	case UNIT_STOLEN:
		tp->bucket = TALLY_STOLEN;
		break;
	case UNIT_CHECKED_OUT:
		tp->bucket = TALLY_CHECKED_OUT;
		break;
	case UNIT_TRANSFORMED:
		tp->bucket = TALLY_TRANSFORMED;
		break;
	default:
		tp->bucket = TALLY_STOCK;
		break;
	}
}

void tally_of(struct tally_load *ld, uint32_t lot, unsigned level, uint32_t n)
{
	ld->n = 0;
	if (lot == 0 || level < 1 || level > TALLY_LEVELS || n == 0)
		return;
	memset(&ld->part[0], 0, sizeof ld->part[0]);
	ld->part[0].lot = lot;
	ld->part[0].count[level - 1] = n;
	ld->n = 1;
}

void tally_self(const struct unit *u, struct tally_load *ld)
{
	/* A container counts by what it holds, not by its own record. */
	tally_of(ld, u->lot, 1, u->level == 1);
}

/* Add (sign +1) or subtract (-1) one part into a load; -1 when full. */
static int load_merge(struct tally_load *a, const struct tally_part *p, int sign)
{
	size_t i = 0;
	while (i < a->n && a->part[i].lot != p->lot)
		i++;
	if (i == a->n) {
		if (sign < 0)
			return 0;	/* nothing to take from */
		if (a->n == TALLY_LOTS_MAX)
			return -1;
		memset(&a->part[i], 0, sizeof a->part[i]);
		a->part[i].lot = p->lot;
		a->n++;
	}
	for (int l = 0; l < TALLY_LEVELS; l++) {
		if (sign > 0)
			a->part[i].count[l] += p->count[l];
		else
			a->part[i].count[l] -= p->count[l] < a->part[i].count[l] ?
					       p->count[l] : a->part[i].count[l];
	}
	return 0;
}

int tally_load_add(struct tally_load *a, const struct tally_load *b)
{
	for (size_t i = 0; i < b->n; i++)
		if (load_merge(a, &b->part[i], +1) != 0)
			return -1;
	return 0;
}

uint64_t tally_units(const struct tally_load *ld)
{
	uint64_t n = 0;
	for (size_t i = 0; i < ld->n; i++)
		n += ld->part[i].count[0];
	return n;
}

/* ------------------------------------------------------------ contents */

static int contents_get(struct store_txn *t, uint64_t id, struct tally_load *ld)
{
	uint8_t k[ID_BYTES];
	const uint8_t *v;
	size_t vl;
	code_put_be(k, id, ID_BYTES);
	ld->n = 0;
	int rc = store_get(t, DB_CONTENTS, k, sizeof k, (const void **)&v, &vl);
	if (rc == STORE_NOTFOUND)
		return 0;
	if (rc)
		return rc;
	for (size_t off = 0; off + PART_LEN <= vl && ld->n < TALLY_LOTS_MAX; off += PART_LEN) {
		struct tally_part *p = &ld->part[ld->n++];
		p->lot = (uint32_t)code_get_be(v + off, 4);
		for (int l = 0; l < TALLY_LEVELS; l++)
			p->count[l] = (uint32_t)code_get_be(v + off + 4 + 4 * l, 4);
	}
	return 0;
}

static int contents_put(struct store_txn *t, uint64_t id, const struct tally_load *ld)
{
	uint8_t k[ID_BYTES], v[TALLY_LOTS_MAX * PART_LEN];
	size_t vl = 0;
	code_put_be(k, id, ID_BYTES);
	for (size_t i = 0; i < ld->n; i++) {
		const struct tally_part *p = &ld->part[i];
		uint32_t any = 0;
		for (int l = 0; l < TALLY_LEVELS; l++)
			any |= p->count[l];
		if (!any)
			continue;	/* a lot no longer inside */
		code_put_be(v + vl, p->lot, 4);
		for (int l = 0; l < TALLY_LEVELS; l++)
			code_put_be(v + vl + 4 + 4 * l, p->count[l], 4);
		vl += PART_LEN;
	}
	if (vl == 0) {
		int rc = store_del(t, DB_CONTENTS, k, sizeof k);
		return rc == STORE_NOTFOUND ? 0 : rc;
	}
	return store_put(t, DB_CONTENTS, k, sizeof k, v, vl);
}

static bool holds_units(const struct tally_load *ld, uint32_t lot)
{
	for (size_t k = 0; k < ld->n; k++)
		if (ld->part[k].lot == lot)
			return ld->part[k].count[0] > 0;
	return false;
}

/* The containers a summary makes u a member of: one of u's level per lot
 * whose units it holds. */
static void memberships(const struct unit *u, const struct tally_load *inside,
			struct tally_load *m)
{
	m->n = 0;
	for (size_t i = 0; i < inside->n; i++)
		if (inside->part[i].count[0]) {
			memset(&m->part[m->n], 0, sizeof m->part[m->n]);
			m->part[m->n].lot = inside->part[i].lot;
			m->part[m->n].count[u->level - 1] = 1;
			m->n++;
		}
}

int tally_carried(struct store_txn *t, const struct unit *u, struct tally_load *ld)
{
	if (u->level <= 1 || u->level > TALLY_LEVELS) {
		tally_self(u, ld);
		return 0;
	}
	struct tally_load m;
	int rc = contents_get(t, u->id, ld);
	if (rc == 0) {
		memberships(u, ld, &m);
		tally_load_add(ld, &m);	/* the same lots: always fits */
	}
	return rc;
}

/*
 * Merge ld (sign +1) into, or take it (-1) out of, the summary of parent
 * and of every container around it.  A container that gains its first
 * unit of a lot (or loses its last) starts (stops) counting under that lot,
 * which changes the summaries further out and, where the outermost
 * container is, the lot's counters.  *ok turns false when a summary would
 * exceed TALLY_LOTS_MAX lots; with write false nothing is written (a check).
 */
static int each_container(struct store_txn *t, uint64_t parent, const struct tally_load *ld,
			  int sign, bool write, int64_t when, bool *ok)
{
	struct tally_load delta = *ld, joined = { .n = 0 };
	struct unit c = { .parent = parent };
	*ok = true;
	for (int depth = 0; c.parent && depth < MAX_DEPTH; depth++) {
		struct tally_load cur, change = { .n = 0 };
		int rc = units_get(t, c.parent, &c);
		if (rc == 0)
			rc = contents_get(t, c.id, &cur);
		if (rc)
			return rc;
		for (size_t i = 0; i < delta.n && *ok; i++) {
			uint32_t lot = delta.part[i].lot;
			bool had = holds_units(&cur, lot);
			if (load_merge(&cur, &delta.part[i], sign) != 0) {
				*ok = false;
			} else if (had != holds_units(&cur, lot)) {
				struct tally_load one;
				tally_of(&one, lot, c.level, 1);
				if (tally_load_add(&change, &one) != 0)
					*ok = false;
			}
		}
		if (!*ok)
			return 0;
		if (write && (rc = contents_put(t, c.id, &cur)) != 0)
			return rc;
		/* Further out, this container's own membership changes too. */
		if (tally_load_add(&delta, &change) != 0 || tally_load_add(&joined, &change) != 0) {
			*ok = false;
			return 0;
		}
	}
	if (!write || joined.n == 0)
		return 0;
	/* Memberships count where the outermost container (c) is. */
	struct unit_place p;
	struct tally_place at;
	int rc = units_place(t, &c, &p);
	if (rc)
		return rc;
	tally_place_of(&c, &p, &at);
	return sign > 0 ? tally_move(t, &joined, NULL, &at, when) :
			  tally_move(t, &joined, &at, NULL, when);
}

int tally_pack_fits(struct store_txn *t, uint64_t parent, const struct tally_load *ld, bool *fits)
{
	return each_container(t, parent, ld, +1, false, 0, fits);
}

int tally_pack(struct store_txn *t, uint64_t parent, const struct tally_load *ld, int sign,
	       int64_t when)
{
	bool ok;
	if (ld->n == 0)
		return 0;
	int rc = each_container(t, parent, ld, sign, true, when, &ok);
	return rc ? rc : ok ? 0 : -1;
}

/* ---------------------------------------------------------- counter rows */

static void decode_row(const uint8_t *k, const uint8_t *v, size_t vl, struct tally_row *r)
{
	memset(r, 0, sizeof *r);
	r->lot = (uint32_t)code_get_be(k, 4);
	r->site = (uint32_t)code_get_be(k + 4, 4);
	r->bucket = k[8];
	r->other = (uint32_t)code_get_be(k + 9, 4);
	if (vl < ROW_LEN)
		return;
	for (int l = 0; l < TALLY_LEVELS; l++)
		r->count[l] = (uint32_t)code_get_be(v + 4 * l, 4);
	r->first_ms = (int64_t)code_get_be(v + 4 * TALLY_LEVELS, 6);
	r->last_ms = (int64_t)code_get_be(v + 4 * TALLY_LEVELS + 6, 6);
}

/* Add a part to one row (sign +1, stamping `when`), take it away (-1), or
 * only stamp `when` (0: something moved within the row's place). */
static int row_change(struct store_txn *t, const struct tally_part *p,
		      const struct tally_place *where, int sign, int64_t when)
{
	uint8_t k[KEY_LEN], v[ROW_LEN];
	const uint8_t *old;
	size_t ol;
	struct tally_row r;
	row_key(k, p->lot, where);
	int rc = store_get(t, DB_TALLY, k, sizeof k, (const void **)&old, &ol);
	if (rc && rc != STORE_NOTFOUND)
		return rc;
	decode_row(k, rc ? NULL : old, rc ? 0 : ol, &r);
	uint32_t any = 0;
	for (int l = 0; l < TALLY_LEVELS; l++) {
		if (sign > 0)
			r.count[l] += p->count[l];
		else if (sign < 0)	/* never below zero, even if asked to */
			r.count[l] -= p->count[l] < r.count[l] ? p->count[l] : r.count[l];
		any |= r.count[l];
	}
	if (!any) {
		rc = store_del(t, DB_TALLY, k, sizeof k);
		return rc == STORE_NOTFOUND ? 0 : rc;
	}
	if (sign >= 0) {
		if (r.first_ms == 0 || when < r.first_ms)
			r.first_ms = when;
		if (when > r.last_ms)
			r.last_ms = when;
	}
	for (int l = 0; l < TALLY_LEVELS; l++)
		code_put_be(v + 4 * l, r.count[l], 4);
	code_put_be(v + 4 * TALLY_LEVELS, (uint64_t)(r.first_ms > 0 ? r.first_ms : 0), 6);
	code_put_be(v + 4 * TALLY_LEVELS + 6, (uint64_t)(r.last_ms > 0 ? r.last_ms : 0), 6);
	return store_put(t, DB_TALLY, k, sizeof k, v, sizeof v);
}

static bool same_place(const struct tally_place *a, const struct tally_place *b)
{
	return a->bucket == b->bucket && a->site == b->site && a->other == b->other;
}

int tally_move(struct store_txn *t, const struct tally_load *ld, const struct tally_place *from,
	       const struct tally_place *to, int64_t when)
{
	static const struct tally_place nowhere = { 0 };
	if (from == NULL)
		from = &nowhere;
	if (to == NULL)
		to = &nowhere;
	bool same = same_place(from, to);
	for (size_t i = 0; i < ld->n; i++) {
		int rc = 0;
		if (from->bucket && !same)
			rc = row_change(t, &ld->part[i], from, -1, when);
		if (rc == 0 && to->bucket)	/* same place: only the times */
			rc = row_change(t, &ld->part[i], to, same ? 0 : +1, when);
		if (rc)
			return rc;
	}
	return 0;
}

/* ---------------------------------------------------------- recall rows */

static void decode_recall(const uint8_t *v, size_t vl, struct tally_recall *r)
{
	memset(r, 0, sizeof *r);
	if (vl < RECALL_LEN_V1)
		return;
	r->recall_seq = code_get_be(v, 6);
	r->ack_seq = code_get_be(v + 6, 6);
	r->ack_ms = (int64_t)code_get_be(v + 12, 6);
	r->returned = (uint32_t)code_get_be(v + 18, 4);
	if (vl < RECALL_LEN)
		return;
	r->commissioned = (uint32_t)code_get_be(v + 22, 4);
	r->shipped = (uint32_t)code_get_be(v + 26, 4);
	r->received = (uint32_t)code_get_be(v + 30, 4);
}

int tally_recall_get(struct store_txn *t, uint32_t lot, uint32_t site, struct tally_recall *r)
{
	uint8_t k[KEY_LEN];
	const uint8_t *v;
	size_t vl;
	struct tally_place p = { TALLY_RECALL, site, 0 };
	row_key(k, lot, &p);
	int rc = store_get(t, DB_TALLY, k, sizeof k, (const void **)&v, &vl);
	decode_recall(rc ? NULL : v, rc ? 0 : vl, r);
	return rc == STORE_NOTFOUND ? 0 : rc;
}

int tally_recall_put(struct store_txn *t, uint32_t lot, uint32_t site, const struct tally_recall *r)
{
	uint8_t k[KEY_LEN], v[RECALL_LEN];
	struct tally_place p = { TALLY_RECALL, site, 0 };
	row_key(k, lot, &p);
	code_put_be(v, r->recall_seq, 6);
	code_put_be(v + 6, r->ack_seq, 6);
	code_put_be(v + 12, (uint64_t)(r->ack_ms > 0 ? r->ack_ms : 0), 6);
	code_put_be(v + 18, r->returned, 4);
	code_put_be(v + 22, r->commissioned, 4);
	code_put_be(v + 26, r->shipped, 4);
	code_put_be(v + 30, r->received, 4);
	return store_put(t, DB_TALLY, k, sizeof k, v, sizeof v);
}

int tally_each(struct store_txn *t, uint32_t lot,
	       int (*fn)(void *arg, const struct tally_row *row, const struct tally_recall *rc),
	       void *arg)
{
	struct store_cursor *c;
	const uint8_t *k, *v;
	size_t kl, vl;
	uint8_t start[4];
	code_put_be(start, lot, 4);
	int rc = store_cursor_open(t, DB_TALLY, &c);
	if (rc)
		return rc;
	rc = store_cursor_seek(c, start, sizeof start, (const void **)&k, &kl,
			       (const void **)&v, &vl);
	while (rc == 0 && kl == KEY_LEN && memcmp(k, start, 4) == 0) {
		struct tally_row row;
		struct tally_recall rec;
		decode_row(k, v, vl, &row);
		bool recall = row.bucket == TALLY_RECALL;
		decode_recall(recall ? v : NULL, recall ? vl : 0, &rec);
		if ((rc = fn(arg, &row, &rec)) != 0)
			break;
		rc = store_cursor_next(c, (const void **)&k, &kl, (const void **)&v, &vl);
	}
	store_cursor_close(c);
	return rc == STORE_NOTFOUND ? 0 : rc;
}

int tally_get(struct store_txn *t, uint32_t lot, const struct tally_place *p,
	      struct tally_row *row)
{
	uint8_t k[KEY_LEN];
	const void *v;
	size_t vl;
	row_key(k, lot, p);
	int rc = store_get(t, DB_TALLY, k, sizeof k, &v, &vl);
	if (rc == 0)
		decode_row(k, v, vl, row);
	return rc;
}
