/*
 * audit — the event log's hash chain, which makes tampering evident.
 *
 * Every event appended to the log (eventlog.c, events_add) gets
 *
 *     hash(seq) = SHA-256( hash(seq - 1) ‖ seq as u48 big endian ‖ record )
 *
 * with hash(0) = 32 zero bytes and `record` the event's bytes exactly as
 * stored in DB_EVENTS, where each event's value is its hash followed by its
 * record: appending an event is one write.
 * Changing, removing or inserting an event, or rewriting a hash, breaks
 * the chain from that point; AUDIT VERIFY recomputes it and names the
 * first broken link.  Someone able to rewrite the whole file could rebuild
 * the chain too, which is why INFO shows the head hash: an operator copies
 * it elsewhere (a ticket, a regulator's register) and compares later.
 *
 * Errors: 0 or a store error code.
 */
#ifndef YIMA_AUDIT_H
#define YIMA_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define AUDIT_HASH_LEN 32
/* AUDIT VERIFY checks at most this many events per request; the reply
 * says where to go on. */
#define AUDIT_VERIFY_MAX 1000000

#include "store.h"

/* The link of event seq, about to be appended with `record`, chained to
 * the stored link of the event before it. */
int audit_next_link(struct store_txn *t, uint64_t seq, const void *record, size_t len,
		    uint8_t out[AUDIT_HASH_LEN]);

/* The last chained event and its hash (seq 0 and zeros for an empty log). */
int audit_head(struct store_txn *t, uint64_t *seq, uint8_t hash[AUDIT_HASH_LEN]);

/* One link of a chain of this definition: SHA-256(prev ‖ seq as u48 BE ‖
 * record) into out.  The log of entries is chained the same way
 * (journal.h). */
void audit_link(const uint8_t prev[AUDIT_HASH_LEN], uint64_t seq, const void *record,
		size_t len, uint8_t out[AUDIT_HASH_LEN]);

struct audit_result {
	uint64_t from, to;		/* the range asked for (to: clipped to the log) */
	uint64_t checked;		/* events whose hash was recomputed */
	uint64_t broken;		/* first broken link's seq; 0 = none found */
	uint64_t next;			/* stopped early (AUDIT_VERIFY_MAX): go on here */
	char     why[200];		/* what is wrong at `broken` */
	uint8_t  head[AUDIT_HASH_LEN];	/* the hash of `to` as stored */
};

/* Recompute the chain over events from..to (to 0: the last). */
int audit_verify(struct store_txn *t, uint64_t from, uint64_t to, struct audit_result *r);

/* 64 hex digits and a NUL. */
void audit_hex(const uint8_t hash[AUDIT_HASH_LEN], char out[2 * AUDIT_HASH_LEN + 1]);

#endif
