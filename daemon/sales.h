/*
 * sales — the record of each (site, transaction, code) sale: what DISPENSE
 * answered, the dispense event it recorded and the UNDO that reversed it.
 * cmd_scan.c decides with it: a retried DISPENSE with the same TX gets the
 * answer that sold again, a retried UNDO finds what it reversed.
 *
 * DB_SALES key: u32 site, u8 TX length, TX (at most SALES_TX_MAX bytes),
 * the code's canonical key.  Value: u8 verdict, u32 reasons, u48 dispense
 * event seq (0: nothing sold), u32 qty, u48 undo event seq (0: not undone).
 */
#ifndef YIMA_SALES_H
#define YIMA_SALES_H

#include <stddef.h>
#include <stdint.h>

#include "code.h"

struct store_txn;

#define SALES_TX_MAX 64		/* bytes of a transaction id */
#define SALES_KEY_MAX (5 + SALES_TX_MAX + CODE_KEY_MAX)

struct sale {
	uint8_t  verdict;	/* enum verdict */
	uint32_t reasons;	/* bit (1 << enum reason) */
	uint64_t seq;		/* the dispense event; 0: nothing was sold */
	uint32_t qty;
	uint64_t undo_seq;	/* the UNDO event; 0: standing */
};

/* The key of (site, TX, code) into k (SALES_KEY_MAX bytes); its length. */
size_t sales_key(uint32_t site, const char *tx, size_t txlen, const uint8_t *code_key,
		 size_t code_key_len, uint8_t *k);
/* 0, STORE_NOTFOUND, STORE_CORRUPT (a record of the wrong size) or a store
 * error. */
int sales_get(struct store_txn *t, const uint8_t *k, size_t kl, struct sale *s);
int sales_put(struct store_txn *t, const uint8_t *k, size_t kl, const struct sale *s);

#endif
