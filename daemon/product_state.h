/*
 * product_state — what events change about a product: withdrawn or not,
 * and the WITHDRAW event that did it.  Kept apart from the product record
 * (master.h), which holds what PRODUCT SET gives, under the product's
 * number (DB_PRODUCT_STATE: u8 flags, 1 withdrawn; u48 WITHDRAW seq).
 *
 * Errors: 0, STORE_CORRUPT or a store error code.
 */
#ifndef YIMA_PRODUCT_STATE_H
#define YIMA_PRODUCT_STATE_H

#include <stdbool.h>
#include <stdint.h>

struct store_txn;

/* Is the product withdrawn, and by which event?  A product without state
 * is not withdrawn (seq 0). */
int products_withdrawn(struct store_txn *t, uint32_t product, bool *withdrawn,
		       uint64_t *seq);
int products_set_withdrawn(struct store_txn *t, uint32_t product, uint64_t seq);
/* Withdrawn or not, by event seq (UNWITHDRAW: not, by its seq). */
int products_set_state(struct store_txn *t, uint32_t product, bool withdrawn, uint64_t seq);

#endif
