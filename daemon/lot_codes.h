/*
 * lot_codes — what CODES shows: the codes of a lot, where each is, a page
 * at a time, optionally only those at a site, in a state or of a level.
 *
 * It walks the lot's units in id order, so it is paged: each call reads
 * at most LOT_CODES_SCAN units, and when it stops before the lot's end its
 * cursor (the last unit read) says where the next page starts.
 * lot_codes_gather reads everything a page shows and reports store
 * errors; rendering (cmd_impact.c) reads nothing.
 */
#ifndef YIMA_LOT_CODES_H
#define YIMA_LOT_CODES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "code.h"
#include "master.h"
#include "outcome.h"

struct cmd;
struct config;
struct store_txn;

#define LOT_CODES_SCAN 100000	/* units one page reads at most */
#define LOT_CODES_DEFAULT 1000	/* codes a page shows without COUNT */

struct lot_code {
	uint8_t key[CODE_KEY_MAX];
	size_t key_len;
	uint8_t level;
	uint8_t bucket;			/* enum tally_bucket: STOCK .. DESTROYED */
	char site[MASTER_ID_MAX + 1];	/* where; in transit: from where */
	char to[MASTER_ID_MAX + 1];	/* in transit: to where */
};

struct lot_codes_outcome {
	struct outcome o;
	struct lot_code *code;		/* lot_codes_free frees */
	size_t n;
	bool more;			/* the page stopped before the lot's end */
	uint64_t next;			/* then: the cursor of the next page */
};

/* CODES product lot [SITE s] [STATUS st] [LEVEL n] [AFTER cursor] [COUNT n] */
enum cmd_status lot_codes_gather(struct store_txn *t, const struct config *cfg,
				 const struct cmd *c, struct lot_codes_outcome *lo);
void lot_codes_free(struct lot_codes_outcome *lo);

/* A state's name in CODES ("in_stock") by its tally bucket. */
const char *lot_codes_status_name(uint8_t bucket);

#endif
