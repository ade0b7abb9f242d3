/*
 * lots — lot records and each lot's recalls and lifts (lots.h).
 */
#include "lots.h"
#include "code_util.h"
#include "idlist.h"
#include "store.h"
#include "xmem.h"

#include <stdlib.h>
#include <string.h>

#define LOT_FORMAT 1

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

int lots_index_event(struct store_txn *t, uint32_t lot, uint64_t seq)
{
	uint8_t k[4];
	code_put_be(k, lot, 4);
	return idlist_add(t, DB_LOT_EVENTS, k, sizeof k, SEQ_BYTES, seq);
}

int lots_events(struct store_txn *t, uint32_t lot, int (*fn)(void *arg, uint64_t seq),
		void *arg)
{
	uint8_t k[4];
	code_put_be(k, lot, 4);
	return idlist_each(t, DB_LOT_EVENTS, k, sizeof k, SEQ_BYTES, 0, fn, arg);
}

int lots_of_product(struct store_txn *t, uint32_t product, uint32_t **nums, size_t *n)
{
	struct store_cursor *c;
	const uint8_t *k, *v;
	size_t kl, vl, cap = 0;
	uint8_t start[4];
	*nums = NULL;
	*n = 0;
	code_put_be(start, product, 4);
	int rc = store_cursor_open(t, DB_LOTS, &c);
	if (rc)
		return rc;
	rc = store_cursor_seek(c, start, sizeof start, (const void **)&k, &kl, (const void **)&v,
			       &vl);
	for (; rc == 0 && kl > 4 && memcmp(k, start, 4) == 0;
	     rc = store_cursor_next(c, (const void **)&k, &kl, (const void **)&v, &vl)) {
		if (vl != LOT_VALUE || v[0] != LOT_FORMAT) {
			rc = store_corrupt(DB_LOTS, k, kl, "not a lot record");
			break;
		}
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			*nums = xrealloc(*nums, cap * sizeof **nums);
		}
		(*nums)[(*n)++] = (uint32_t)code_get_be(v + 1, 4);
	}
	store_cursor_close(c);
	if (rc == STORE_NOTFOUND)
		rc = 0;
	if (rc) {
		free(*nums);
		*nums = NULL;
		*n = 0;
	}
	return rc;
}
