/*
 * named — the product, or the product's lot, that a command names by its
 * words ("product", "product lot": RECALL, LIFT, WITHDRAW, RECALL.ACK,
 * IMPACT, CODES).  What the words name must exist; a command naming what
 * does not is refused with the message all of them give.
 */
#ifndef YIMA_NAMED_H
#define YIMA_NAMED_H

#include <stdint.h>

#include "lots.h"
#include "master.h"
#include "outcome.h"
#include "resp.h"

struct store_txn;

/* The product with id `word`: its number, and its canonical id in pid. */
enum cmd_status named_product(struct store_txn *t, const struct resp_arg *word, uint32_t *num,
			      char pid[MASTER_ID_MAX + 1], struct outcome *o);

/* The lot `lot` of product `product`, and the product's canonical id. */
enum cmd_status named_lot(struct store_txn *t, const struct resp_arg *product,
			  const struct resp_arg *lot, struct lot *l, char pid[MASTER_ID_MAX + 1],
			  struct outcome *o);

#endif
