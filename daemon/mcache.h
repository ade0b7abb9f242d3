/*
 * mcache — this thread's copies of what every scan reads and what rarely
 * changes: site ids by number, lots with their product (name, units per
 * pack, withdrawn), and the few fields of an event a verdict shows.
 *
 * Validity: an entry is used only by a transaction whose store_txn_tag
 * equals the tag of the transaction that read it (store.h).  Tags move on
 * every change to sites, products, lots and product state, and on every
 * writer abort, so a copy is never older than what the transaction itself
 * would read, from the moment the writer replies to the change.  (Events
 * never change once committed; they are tagged all the same, which keeps a
 * writer from keeping an event of a transaction it aborted.)
 *
 * Threads: the tables belong to the calling thread (network threads and
 * the writer each have their own); nothing is shared but the store's
 * generation counter.  Memory: ~3 MB a thread, mapped on its first call
 * (or mcache_prepare) and unmapped when it exits.
 *
 * Errors: 0, STORE_NOTFOUND, or a store error code; nothing is cached on
 * an error.
 */
#ifndef YIMA_MCACHE_H
#define YIMA_MCACHE_H

#include <stdbool.h>
#include <stdint.h>

#include "lots.h"
#include "master.h"

struct store_txn;

#define MCACHE_NAME_MAX 200	/* a product name: master.c's bound */

struct mcache_lot {
	struct lot lot;
	bool has_product;		/* the lot's product record exists */
	bool withdrawn;			/* the product is withdrawn */
	uint32_t units_per_pack;	/* 1 when not set */
	uint8_t category;		/* enum category; CAT_NONE when not set */
	bool has_min_c, has_max_c;	/* the product's storage range, tenths of °C */
	int32_t min_dc, max_dc;
	char product_id[MASTER_ID_MAX + 1];
	char product_name[MCACHE_NAME_MAX + 1];	/* "" when not set */
};

/* Lot `num` and its product.  *out points into this thread's table: valid
 * until this thread's next mcache call. */
int mcache_lot(struct store_txn *t, uint32_t num, const struct mcache_lot **out);

/* The id of site `num`: 0 (*id "" for 0), STORE_NOTFOUND, or a store
 * error.  *id is valid until this thread's next mcache call. */
int mcache_site(struct store_txn *t, uint32_t num, const char **id);

/* The licence_valid_until of site `num` as YYYYMMDD (0: not set), read
 * with its id: 0, STORE_NOTFOUND, or a store error. */
int mcache_site_licence(struct store_txn *t, uint32_t num, uint32_t *until);

/* What a verdict shows of an event. */
struct mcache_event {
	int64_t time_ms;
	uint32_t site;
	uint8_t kind;		/* enum event_kind */
};
int mcache_event(struct store_txn *t, uint64_t seq, struct mcache_event *out);

/* Make this thread's tables now (a network thread, before its first
 * request) rather than on its first lookup. */
void mcache_prepare(void);

/* Lookups answered from the tables / read from the store, by this thread
 * (for tests and INFO-style figures). */
void mcache_counts(uint64_t *hits, uint64_t *misses);

#endif
