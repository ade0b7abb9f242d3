/*
 * units — unit records and their indexes: code → unit, lot → units,
 * container → children (units.h).
 */
#include "units.h"
#include "code_util.h"
#include "idlist.h"
#include "store.h"
#include "xmem.h"

#include <stdlib.h>
#include <string.h>

#define UNIT_FORMAT 1

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
	uint8_t k[ID_BYTES];
	code_put_be(k, parent, ID_BYTES);
	return idlist_del(t, DB_CHILDREN, k, sizeof k, ID_BYTES, child);
}

int units_lot_add(struct store_txn *t, uint32_t lot, uint64_t id)
{
	uint8_t k[4];
	code_put_be(k, lot, 4);
	return idlist_add(t, DB_LOT_UNITS, k, sizeof k, ID_BYTES, id);
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

int units_of_lot(struct store_txn *t, uint32_t lot, uint64_t from,
		 int (*fn)(void *arg, uint64_t id), void *arg)
{
	uint8_t k[4];
	code_put_be(k, lot, 4);
	return idlist_each(t, DB_LOT_UNITS, k, sizeof k, ID_BYTES, from, fn, arg);
}

int units_children(struct store_txn *t, uint64_t parent,
		   int (*fn)(void *arg, uint64_t child), void *arg)
{
	uint8_t k[ID_BYTES];
	code_put_be(k, parent, ID_BYTES);
	return idlist_each(t, DB_CHILDREN, k, sizeof k, ID_BYTES, 0, fn, arg);
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
