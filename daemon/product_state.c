/*
 * product_state — a product's withdrawn flag (product_state.h).
 */
#include "product_state.h"
#include "code_util.h"
#include "idlist.h"
#include "store.h"

/* Product state: u8 flags (1 = withdrawn), u48 event seq. */
#define STATE_VALUE (1 + SEQ_BYTES)

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
	/* Never taken for "not withdrawn": a withdrawn product would then
	 * verify as sellable. */
	if (n != STATE_VALUE)
		return store_corrupt(DB_PRODUCT_STATE, k, sizeof k, "not a product state");
	*withdrawn = ((const uint8_t *)v)[0] & 1;
	*seq = code_get_be((const uint8_t *)v + 1, SEQ_BYTES);
	return 0;
}

int products_set_withdrawn(struct store_txn *t, uint32_t product, uint64_t seq)
{
	return products_set_state(t, product, true, seq);
}

int products_set_state(struct store_txn *t, uint32_t product, bool withdrawn, uint64_t seq)
{
	uint8_t k[4], v[STATE_VALUE];
	code_put_be(k, product, 4);
	v[0] = withdrawn ? 1 : 0;
	code_put_be(v + 1, seq, SEQ_BYTES);
	return store_put(t, DB_PRODUCT_STATE, k, sizeof k, v, sizeof v);
}
