/*
 * sales — encoding of the sale records (sales.h).
 */
#include "sales.h"
#include "code_util.h"
#include "store.h"

#include <string.h>

#define SALE_VALUE (1 + 4 + 6 + 4 + 6)

size_t sales_key(uint32_t site, const char *tx, size_t txlen, const uint8_t *code_key,
		 size_t code_key_len, uint8_t *k)
{
	size_t tl = txlen > SALES_TX_MAX ? SALES_TX_MAX : txlen;
	code_put_be(k, site, 4);
	k[4] = (uint8_t)tl;
	memcpy(k + 5, tx, tl);
	memcpy(k + 5 + tl, code_key, code_key_len);
	return 5 + tl + code_key_len;
}

int sales_get(struct store_txn *t, const uint8_t *k, size_t kl, struct sale *s)
{
	const void *v;
	size_t n;
	int rc = store_get(t, DB_SALES, k, kl, &v, &n);
	if (rc)
		return rc;
	if (n != SALE_VALUE)
		return store_corrupt(DB_SALES, k, kl, "not a sale record");
	const uint8_t *p = v;
	s->verdict = p[0];
	s->reasons = (uint32_t)code_get_be(p + 1, 4);
	s->seq = code_get_be(p + 5, 6);
	s->qty = (uint32_t)code_get_be(p + 11, 4);
	s->undo_seq = code_get_be(p + 15, 6);
	return 0;
}

int sales_put(struct store_txn *t, const uint8_t *k, size_t kl, const struct sale *s)
{
	uint8_t v[SALE_VALUE];
	v[0] = s->verdict;
	code_put_be(v + 1, s->reasons, 4);
	code_put_be(v + 5, s->seq, 6);
	code_put_be(v + 11, s->qty, 4);
	code_put_be(v + 15, s->undo_seq, 6);
	return store_put(t, DB_SALES, k, kl, v, sizeof v);
}
