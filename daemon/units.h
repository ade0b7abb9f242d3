/*
 * units — the unit records (anything with a code: packs, middle packs,
 * cases, pallets, lot-level device records) and their indexes: code → unit,
 * a lot's units, a container's children.  Encoding and lookups only; the
 * rules that decide what may happen live in the commands (cmd_*.c) and in
 * verdict.c.  STORE.md describes every byte.
 *
 * Ids: a unit gets a 40-bit id when commissioned (ids of one commissioning
 * request are consecutive).  Indexes hold ids, not codes: that is what keeps
 * them to a few bytes per unit.  Lots are in lots.h, the event log and the
 * events about each unit in eventlog.h.
 *
 * Errors: 0, STORE_NOTFOUND, STORE_CORRUPT or a store error code.
 */
#ifndef YIMA_UNITS_H
#define YIMA_UNITS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "code.h"

struct store_txn;

/* ------------------------------------------------------------------ units */

enum unit_status {
	UNIT_ACTIVE = 1,	/* at its holder */
	UNIT_IN_TRANSIT = 2,	/* shipped by holder to dest, not yet received */
	UNIT_DISPENSED = 3,	/* sold or used up (split packs: fully) */
	UNIT_DESTROYED = 4,
	/* Decommissioned by DECOMMISSION (decommission.h), at its holder;
	 * REACTIVATE brings a unit back within the undo window. */
	UNIT_SAMPLE = 5,	/* taken as a sample (by or for the authority) */
	UNIT_EXPORTED = 6,	/* left the country's market */
	UNIT_STOLEN = 7,	/* reported stolen */
	UNIT_CHECKED_OUT = 8,	/* issued to a ward of the holding hospital */
	/* Consumed by a repackaging (TRANSFORM, transform.h): its contents
	 * live on in the outputs made from it. */
	UNIT_TRANSFORMED = 9,
};

enum unit_flag {
	UNIT_F_LOCKED = 1 << 0,		/* stolen / under investigation */
	UNIT_F_RETURNING = 1 << 1,	/* the shipment in transit is a return */
	UNIT_F_DIVERTED = 1 << 2,	/* received somewhere it was not sent */
	/* Store-internal: last_seq is in the record only, not yet in
	 * unit_events (see units_event). */
	UNIT_F_LAST_UNINDEXED = 1 << 3,
};

struct unit {
	uint64_t id;
	uint8_t  level;		/* 1 unit, 2 middle pack, 3 case, 4 pallet */
	uint8_t  status;	/* enum unit_status */
	uint8_t  flags;		/* enum unit_flag */
	uint32_t lot;		/* lot number; 0 for a container without lot */
	uint32_t holder;	/* site number */
	uint32_t dest;		/* in transit: where to; 0 otherwise */
	uint32_t dispensed;	/* sub-units sold so far (split packs) */
	uint32_t quantity;	/* lot-level device records: units commissioned */
	uint64_t parent;	/* unit id, 0 = not packed */
	uint64_t commission_seq;
	uint64_t last_seq;	/* last event about this unit itself */
	size_t   key_len;
	uint8_t  key[CODE_KEY_MAX];
};

/* Does this code key name a lot of devices (DI + lot, no serial) rather
 * than one item?  Such a record counts uses, capped by its quantity. */
bool units_lot_level(const uint8_t *key, size_t len);

/* Find a unit by code key / by id. */
int units_find(struct store_txn *t, const uint8_t *key, size_t klen, struct unit *u);
int units_get(struct store_txn *t, uint64_t id, struct unit *u);
/* Write a changed unit. */
int units_put(struct store_txn *t, const struct unit *u);
/* Write a new unit (its id above every other) and map its code to it. */
int units_add(struct store_txn *t, const struct unit *u);

/* Parent/child index. */
int units_unlink(struct store_txn *t, uint64_t parent, uint64_t child);
int units_lot_add(struct store_txn *t, uint32_t lot, uint64_t id);
/* The same for ids first .. first+n-1 (one COMMISSION), and for packing
 * `n` units into `parent`: one index write each instead of one per unit. */
int units_lot_add_range(struct store_txn *t, uint32_t lot, uint64_t first, size_t n);
/* empty: `parent` holds nothing yet (a container the PACK creates). */
int units_link_all(struct store_txn *t, uint64_t parent, const struct unit *kids, size_t n,
		   bool empty);
/* Walk a lot's unit ids from `from` up, in order; fn as units_children. */
int units_of_lot(struct store_txn *t, uint32_t lot, uint64_t from,
		 int (*fn)(void *arg, uint64_t id), void *arg);

/* Walk a unit's children (ids): calls fn for each; stops early if fn
 * returns nonzero (and returns that). */
int units_children(struct store_txn *t, uint64_t parent,
		   int (*fn)(void *arg, uint64_t child), void *arg);
int units_child_count(struct store_txn *t, uint64_t parent, size_t *n);

/* Where a unit is, following its parents: a packed unit is wherever the
 * outermost container is and moves with it. */
struct unit_place {
	uint8_t  status;	/* enum unit_status */
	uint32_t holder;
	uint32_t dest;
	uint64_t outer;		/* id of the outermost container, or the unit */
	bool     returning;
};
int units_place(struct store_txn *t, const struct unit *u, struct unit_place *p);

#endif
