/*
 * idlist — the lists of ids the traceability indexes keep under one key of
 * a dup database (lot_units, children, unit_events, lot_events): each id a
 * fixed-width big-endian integer, so LMDB keeps a list sorted by id and
 * packs it without per-value headers (MDB_DUPFIXED).  The widths every
 * record module writes ids in are defined here, once.
 *
 * Errors: 0, STORE_CORRUPT (a listed value of another width) or a store
 * error code.
 */
#ifndef YIMA_IDLIST_H
#define YIMA_IDLIST_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

#define ID_BYTES 5		/* unit ids */
#define SEQ_BYTES 6		/* event sequence numbers */

/* Add id to the list under `key` in db (once: an id listed stays once),
 * or take it out of it. */
int idlist_add(struct store_txn *t, enum store_db db, const void *key, size_t klen,
	       size_t width, uint64_t id);
int idlist_del(struct store_txn *t, enum store_db db, const void *key, size_t klen,
	       size_t width, uint64_t id);

/* Call fn(arg, id) for each id >= from listed under `key` in db, in
 * order; stop early if fn returns nonzero, and return that. */
int idlist_each(struct store_txn *t, enum store_db db, const void *key, size_t klen,
		size_t width, uint64_t from, int (*fn)(void *arg, uint64_t id), void *arg);

#endif
