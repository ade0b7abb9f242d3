/*
 * eventlog — the event log: every event, in order, under a 48-bit sequence
 * number, chained by the audit hash as it is appended (audit.h); and the
 * index of the events about each unit.  Encoding and lookups only;
 * STORE.md describes every byte.
 *
 * A unit's events after its commissioning are found through unit_events,
 * but for its newest, which its record keeps (units_event): most units see
 * one event after commissioning, and that costs them no index entry.
 *
 * Errors: 0, STORE_NOTFOUND, STORE_CORRUPT or a store error code.
 */
#ifndef YIMA_EVENTLOG_H
#define YIMA_EVENTLOG_H

#include <stddef.h>
#include <stdint.h>

struct store_txn;
struct unit;

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
	/* Numbered apart from the kinds above, leaving room for others. */
	EV_DECOMMISSION = 20,	/* as EV_DESTROY; qty: the end state (enum unit_status) */
	EV_REACTIVATE = 21,	/* as EV_DESTROY; qty: the end state left */
	EV_UNWITHDRAW = 22,	/* other: product number; parent: the WITHDRAW's seq;
				 * ref: reason */
	EV_TRANSFORM = 23,	/* repackaging: unit/count the inputs consumed (as
				 * EV_DESTROY); parent: the first output unit,
				 * qty: how many (consecutive ids, commissioned
				 * by the event before it) */
};

#define EVENT_REF_MAX 200	/* delivery note, sale id, reason (bytes) */
#define EVENT_ACTOR_MAX 64	/* a principal's name (acl_file.h) */

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
	/* Who sent the request that made it (cmd_actor): an enum acl_role
	 * (ROLE_LOCAL: the trusted local principal, no name) and the token
	 * or certificate name.  0: not recorded (the event came from a log
	 * entry of version 1, before events recorded it). */
	uint8_t  actor_role;
	size_t   actor_len;
	char     actor[EVENT_ACTOR_MAX + 1];
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
 * (packing, typically) costs no index entry.  It lives here, not in
 * units.c, because events_of is its other half: it reads what this
 * writes. */
int units_event(struct store_txn *t, struct unit *u, uint64_t seq);
int events_get(struct store_txn *t, uint64_t seq, struct event *e);
/* The same, and its link in the hash chain (audit.h: 32 bytes), which
 * names it uniquely to this store's history (the EPCIS eventID). */
int events_get_link(struct store_txn *t, uint64_t seq, struct event *e, uint8_t link[32]);
/* Every event from seq `from` on, in order, with its link: fn(arg, e,
 * link), both valid only during the call; stops early if fn returns
 * nonzero (and returns that). */
int events_walk(struct store_txn *t, uint64_t from,
		int (*fn)(void *arg, const struct event *e, const uint8_t *link), void *arg);
/* The events about a unit after its commissioning, in order: those in
 * unit_events and the one its record keeps.  Calls fn for each; stops
 * early if fn returns nonzero (and returns that). */
int events_of(struct store_txn *t, const struct unit *u,
	      int (*fn)(void *arg, uint64_t seq), void *arg);
const char *event_kind_name(uint8_t kind);
/* Is an event of this kind about a lot, a product or a code's lock, at no
 * site (recall, lift, withdraw, unwithdraw, lock, unlock)? */
static inline int event_kind_siteless(uint8_t kind)
{
	return (kind >= EV_RECALL && kind <= EV_RECALL_ACK) || kind == EV_UNWITHDRAW;
}

/*
 * The units an event names beside its own unit (e->unit): the children a
 * PACK packs or an UNPACK takes out (e->unit is their container), and the
 * codes of a SHIP, RETURN, RECEIVE or DESTROY of more than one (e->unit
 * 0).  The rules store them right after the event (event_units, STORE.md)
 * in id order, as runs of consecutive ids: what is commissioned together
 * mostly travels together, so a case of a hundred packs is one run.
 * unit_events answers "which events name this unit"; this, "which units
 * does this event name".
 */
int events_members_put(struct store_txn *t, uint64_t seq, const struct unit *u, size_t n);

/*
 * Every unit event e names, in id order, but a PACK's or UNPACK's
 * container (e->unit): a COMMISSION's consecutive ids, the stored members,
 * or e->unit alone.  Events of lots and products (RECALL, LIFT, WITHDRAW,
 * RECALL.ACK) name none.  Calls fn for each; stops early if fn returns
 * nonzero (and returns that).  STORE_CORRUPT when the members an event
 * needs are missing or malformed.
 */
int events_units(struct store_txn *t, const struct event *e,
		 int (*fn)(void *arg, uint64_t unit), void *arg);

/*
 * At start, after an upgrade from schema 7 (STORE_META_EVENT_UNITS_UNBUILT):
 * build event_units from the events each unit lists, its inverse, in one
 * transaction, and clear the mark; nothing to do otherwise.  0, or -1 with
 * the reason in err.
 */
struct store;
int events_open(struct store *s, char *err, size_t errlen);

#endif
