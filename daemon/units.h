/*
 * units — the traceability records: units (anything with a code: packs,
 * middle packs, cases, pallets, lot-level device records), lots, the event
 * log, and their indexes.  Encoding and lookups only; the rules that decide
 * what may happen live in trace.c.  STORE.md describes every byte.
 *
 * Ids: a unit gets a 40-bit id when commissioned (ids of one commissioning
 * request are consecutive), an event a 48-bit sequence number, a lot a
 * 32-bit number.  Indexes hold ids, not codes: that is what keeps them to a
 * few bytes per unit.
 *
 * Errors: 0, STORE_NOTFOUND, or a store error code.
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

/* ------------------------------------------------------------------- lots */

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

/* ----------------------------------------------------------------- events */

enum event_kind {
	EV_COMMISSION = 1,
	EV_PACK = 2,
	EV_UNPACK = 3,
	EV_SHIP = 4,
	EV_RECEIVE = 5,
	EV_RETURN = 6,
	EV_DESTROY = 7,
	EV_DISPENSE = 8,
	EV_UNDO = 9,
	EV_RECALL = 10,		/* parent: lot number; qty: level; ref: reason */
	EV_LIFT = 11,		/* parent: lot number; ref: reason */
	EV_WITHDRAW = 12,	/* parent: product number; ref: reason */
	EV_LOCK = 13,		/* unit; ref: reason */
	EV_UNLOCK = 14,		/* unit; ref: reason */
	EV_RECALL_ACK = 15,	/* site; parent: lot number; other: 0 */
};

/* Lot history (recalls, lifts), in order; fn as units_children. */
int lots_index_event(struct store_txn *t, uint32_t lot, uint64_t seq);
int lots_events(struct store_txn *t, uint32_t lot, int (*fn)(void *arg, uint64_t seq),
		void *arg);

/* Product state: withdrawn or not (and the WITHDRAW event). */
int products_withdrawn(struct store_txn *t, uint32_t product, bool *withdrawn,
		       uint64_t *seq);
int products_set_withdrawn(struct store_txn *t, uint32_t product, uint64_t seq);

#define EVENT_REF_MAX 200	/* delivery note, sale id, reason (bytes) */

struct event {
	uint64_t seq;
	uint8_t  kind;		/* enum event_kind */
	uint8_t  flags;		/* EVENT_F_* */
	int64_t  time_ms;	/* Unix time, milliseconds */
	uint32_t site;		/* where it happened (sender for ship/return) */
	uint32_t other;		/* ship/return: to; receive: from; 0 = none */
	uint64_t unit;		/* subject (first of `count` consecutive ids) */
	uint32_t count;		/* commissioning: units created; else 1 */
	uint64_t parent;	/* pack/unpack/dispense: the container;
				 * undo: the seq of the dispense undone */
	uint32_t qty;		/* dispense/undo: sub-units */
	size_t   ref_len;
	char     ref[EVENT_REF_MAX + 1];	/* delivery note, sale id */
};

#define EVENT_F_DIVERTED 0x01	/* receive: not the shipment's destination */
#define EVENT_F_AUTO     0x02	/* unpack done by a dispense, not asked */

/* Append an event (assigns e->seq) and index it under unit `about`
 * (0: not indexed; commissioning is found through the unit record). */
int events_add(struct store_txn *t, struct event *e, uint64_t about);
/* Index an existing event under one more unit. */
int events_index(struct store_txn *t, uint64_t unit, uint64_t seq);
/* Event `seq` (appended with about = 0) is about unit `u` itself: it
 * becomes u->last_seq, and the caller writes the record next.  The newest
 * event lives in the record alone until a newer one comes, and only then
 * goes into unit_events, so a unit that sees one event after commissioning
 * (packing, typically) costs no index entry. */
int units_event(struct store_txn *t, struct unit *u, uint64_t seq);
int events_get(struct store_txn *t, uint64_t seq, struct event *e);
/* The events about a unit after its commissioning, in order: those in
 * unit_events and the one its record keeps; fn as units_children. */
int events_of(struct store_txn *t, const struct unit *u,
	      int (*fn)(void *arg, uint64_t seq), void *arg);
const char *event_kind_name(uint8_t kind);

#endif
