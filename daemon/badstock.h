/*
 * badstock — stock that should not be moving: units of a lot recalled
 * before the event, expired by its date, or of a withdrawn product.
 *
 * COMMISSION, SHIP and RECEIVE (not of a return) still record the event —
 * the records are what happened — but the reply warns, one entry per
 * reason and lot, and units of a recalled lot count in IMPACT as
 * commissioned, shipped or received after the recall by the site that
 * moved them (the lot's TALLY_RECALL row for that site, tally.h).  A
 * return of such units is what should happen: it is counted, not warned.
 *
 * Errors: 0 or a store error code.
 */
#ifndef YIMA_BADSTOCK_H
#define YIMA_BADSTOCK_H

#include <stddef.h>
#include <stdint.h>

#include "code.h"
#include "master.h"

struct config;
struct store_txn;
struct tally_load;
struct unit;

enum badstock_reason { BADSTOCK_RECALLED, BADSTOCK_EXPIRED, BADSTOCK_WITHDRAWN };

/* What the site did with units of a recalled lot, for its recall row. */
enum badstock_move { BADSTOCK_COMMISSIONED, BADSTOCK_SHIPPED, BADSTOCK_RECEIVED };

#define BADSTOCK_MAX 16		/* warnings kept for one reply */

/* The warnings of one command, with what the reply shows of each lot. */
struct badstock {
	size_t n;
	struct badstock_warning {
		uint8_t reason;		/* enum badstock_reason */
		uint32_t lot;
		uint64_t units;
		char product[MASTER_ID_MAX + 1];	/* the lot's product id */
		size_t lot_len;
		char lot_name[CODE_SERIAL_MAX];
	} w[BADSTOCK_MAX];
};

/* "recalled", "expired", "withdrawn". */
const char *badstock_reason_name(enum badstock_reason r);

/* The units of load ld, moved by `site` at `when` (`what` it did with
 * them): add a warning for those that should not move, and count the
 * recalled ones in the lot's recall row for the site. */
int badstock_check(struct store_txn *t, const struct config *cfg, const struct tally_load *ld,
		   int64_t when, uint32_t site, enum badstock_move what, struct badstock *b);

/* Site `site` sends unit u (and what it carries) back: its units of a
 * recalled lot count as returned in the lot's recall row for the site. */
int badstock_returned(struct store_txn *t, const struct unit *u, uint32_t site);

#endif
