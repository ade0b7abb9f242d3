/*
 * lots — the lot records (a product's lot: its expiry and recall state)
 * and each lot's history of recalls and lifts.  Encoding and lookups only;
 * STORE.md describes every byte.
 *
 * A lot is stored under its product number and name (DB_LOTS) and gets a
 * 32-bit number when first stored (DB_LOT_NUMS maps it back), which unit
 * records and the other indexes use in its place.
 *
 * Errors: 0, STORE_NOTFOUND, STORE_CORRUPT or a store error code.
 */
#ifndef YIMA_LOTS_H
#define YIMA_LOTS_H

#include <stddef.h>
#include <stdint.h>

#include "code.h"

struct store_txn;

enum lot_status { LOT_NORMAL = 0, LOT_RECALLED = 1 };

struct lot {
	uint32_t num;
	uint32_t product;	/* product number */
	uint32_t expiry;	/* YYYYMMDD; 0 = none */
	uint8_t  status;	/* enum lot_status */
	uint8_t  recall_level;	/* 1-3 while recalled */
	uint64_t recall_seq;	/* the RECALL event, while recalled */
	size_t   name_len;
	char     name[CODE_SERIAL_MAX];
};

/* Find (product, lot name); STORE_NOTFOUND if new. */
int lots_find(struct store_txn *t, uint32_t product, const char *name, size_t len,
	      struct lot *l);
int lots_get(struct store_txn *t, uint32_t num, struct lot *l);
/* Create (l->num == 0: a number is assigned) or update. */
int lots_put(struct store_txn *t, struct lot *l);

/* The numbers of a product's lots, in lot-name order, into *nums (the
 * caller frees), how many in *n. */
int lots_of_product(struct store_txn *t, uint32_t product, uint32_t **nums, size_t *n);

/* Lot history (recalls, lifts): index event `seq` under the lot, and walk
 * the lot's events in order, calling fn for each; the walk stops early if
 * fn returns nonzero (and returns that). */
int lots_index_event(struct store_txn *t, uint32_t lot, uint64_t seq);
int lots_events(struct store_txn *t, uint32_t lot, int (*fn)(void *arg, uint64_t seq),
		void *arg);

#endif
