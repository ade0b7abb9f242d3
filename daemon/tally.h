/*
 * tally — per-lot counters, kept up to date by every event, so that a
 * recall's impact (where every unit of a lot is) is read rather than
 * counted: IMPACT of a lot of a million units spread over thousands of
 * sites reads one row per site and state.
 *
 * A unit is in one bucket at a time: in stock at a site, in transit from a
 * sender to a destination, dispensed at a site, or destroyed at a site.
 * Whatever is packed in a container moves with it without its records
 * being touched (units_place), so each container also keeps a summary of
 * what it carries (per lot and level, all the way down); a movement of the
 * container moves its summary between buckets in one step.
 *
 * Counts are per level: level 1 are sales units (what IMPACT reports as
 * units: a split pack is one unit, dispensed from its first sale on; a
 * lot-level device record is one unit), levels 2-4 containers.  A
 * container counts under every lot whose units it holds, at any depth (a
 * case of one lot counts under that lot; a mixed pallet under each), and
 * stops counting under a lot when its last unit of it leaves.
 *
 * STORE.md describes the rows.  Errors: 0 or a store error code.
 */
#ifndef YIMA_TALLY_H
#define YIMA_TALLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct store_txn;
struct unit;
struct unit_place;

enum tally_bucket {
	TALLY_NONE = 0,
	TALLY_STOCK = 1,	/* site: the holder */
	TALLY_TRANSIT = 2,	/* site: the sender; other: the destination */
	TALLY_DISPENSED = 3,	/* site: where sold */
	TALLY_DESTROYED = 4,	/* site: where destroyed */
	TALLY_RECEIVED = 5,	/* cumulative receipts: site the receiver, other
				 * the sender (the distribution tree's edges) */
	TALLY_RETURNED = 6,	/* cumulative receipts of returns, the same way */
	TALLY_RECALL = 7,	/* a site's part in the current recall */
	TALLY_COMMISSIONED = 8,	/* cumulative: units commissioned at the site */
	/* Decommissioned at the site (site: the holder), one per end state. */
	TALLY_SAMPLE = 9,
	TALLY_EXPORTED = 10,
	TALLY_STOLEN = 11,
	TALLY_CHECKED_OUT = 12,
	TALLY_TRANSFORMED = 13,	/* site: where repackaged (TRANSFORM's inputs) */
};

#define TALLY_LEVELS 4
#define TALLY_LOTS_MAX 256	/* lots in one container's summary */

struct tally_place {
	uint8_t  bucket;	/* enum tally_bucket */
	uint32_t site;
	uint32_t other;
};

/* What moves with a unit: itself and everything packed in it. */
struct tally_load {
	size_t n;
	struct tally_part {
		uint32_t lot;
		uint32_t count[TALLY_LEVELS];	/* index level - 1 */
	} part[TALLY_LOTS_MAX];
};

/* A counter row as read back. */
struct tally_row {
	uint32_t lot;
	uint32_t site;
	uint8_t  bucket;
	uint32_t other;
	uint32_t count[TALLY_LEVELS];
	int64_t  first_ms, last_ms;	/* first and last event that added */
};

/* A site's part in the current recall of a lot (TALLY_RECALL row). */
struct tally_recall {
	uint64_t recall_seq;	/* the RECALL this row is about */
	uint64_t ack_seq;	/* its RECALL.ACK event, 0 = not yet */
	int64_t  ack_ms;
	uint32_t returned;	/* units returned by the site since the recall */
	/* units of the recalled lot the site still moved on after the recall
	 * (from events dated after it): commissioned, shipped, received */
	uint32_t commissioned, shipped, received;
};

/* The bucket a unit is in, given where it is. */
void tally_place_of(const struct unit *u, const struct unit_place *p, struct tally_place *tp);

/* n codes of one lot and level. */
void tally_of(struct tally_load *ld, uint32_t lot, unsigned level, uint32_t n);
/* The unit alone (nothing for a container) / the unit and everything
 * packed in it (a container: its contents and itself under each of their
 * lots). */
void tally_self(const struct unit *u, struct tally_load *ld);
int tally_carried(struct store_txn *t, const struct unit *u, struct tally_load *ld);
/* Add b into a.  Returns -1 when a would hold more than TALLY_LOTS_MAX lots. */
int tally_load_add(struct tally_load *a, const struct tally_load *b);
/* Level-1 units in a load. */
uint64_t tally_units(const struct tally_load *ld);

/* Move a load from one bucket to another (TALLY_NONE: from or to
 * nowhere), at time `when`. */
int tally_move(struct store_txn *t, const struct tally_load *ld, const struct tally_place *from,
	       const struct tally_place *to, int64_t when);

/* A load was packed into (sign +1) or taken out of (sign -1) container
 * `parent` at time `when`: correct the summaries of it and every container
 * around it, and the counts of containers by lot.  Returns -1 when a
 * summary would exceed TALLY_LOTS_MAX lots (callers check with
 * tally_pack_fits first). */
int tally_pack(struct store_txn *t, uint64_t parent, const struct tally_load *ld, int sign,
	       int64_t when);
/* Would packing ld into parent keep every summary within bounds? */
int tally_pack_fits(struct store_txn *t, uint64_t parent, const struct tally_load *ld, bool *fits);

/* The recall row of (lot, site); zeroes when there is none. */
int tally_recall_get(struct store_txn *t, uint32_t lot, uint32_t site, struct tally_recall *r);
int tally_recall_put(struct store_txn *t, uint32_t lot, uint32_t site, const struct tally_recall *r);

/* One row of a lot (STOCK: what a site holds): 0 or STORE_NOTFOUND. */
int tally_get(struct store_txn *t, uint32_t lot, const struct tally_place *p,
	      struct tally_row *row);

/* Every row of a lot, in (site, bucket, other) order; fn as units_children;
 * TALLY_RECALL rows come with their recall part decoded in *rc. */
int tally_each(struct store_txn *t, uint32_t lot,
	       int (*fn)(void *arg, const struct tally_row *row, const struct tally_recall *rc),
	       void *arg);

#endif
