/*
 * journal — the stored log of entries (entry.h): DB_LOG, seq → entry.
 *
 * The writer stores every write request it applied as an entry, in the
 * transaction that holds the request's effects, so the log and the state
 * cannot disagree after a crash: the log is what the state was made from,
 * and applying it to an empty store gives the same store again
 * (replay.h).  Requests refused without a change, and EVENTS batches
 * undone (WRITE_UNDO), leave no entry.
 *
 * Entries are numbered from 1, without gaps (the log's last key is its
 * counter), and chained like the events (audit.h):
 *
 *     link(seq) = SHA-256( link(seq - 1) ‖ seq as u48 BE ‖ entry bytes )
 *
 * stored in front of the entry (DB_LOG's value: 32 bytes of link, then
 * the entry), so that an entry changed without its link shows, INFO audit
 * gives the chain's head to keep elsewhere, and one append stores both.
 *
 * Errors: 0 or a store error code.
 */
#ifndef YIMA_JOURNAL_H
#define YIMA_JOURNAL_H

#include <stddef.h>
#include <stdint.h>

#include "audit.h"

struct store_txn;

/* Store an encoded entry as the log's next, with its link (inside the
 * write transaction of its effects); its seq into *seq if not NULL. */
int journal_append(struct store_txn *t, const void *entry, size_t len, uint64_t *seq);

/* Entry seq's bytes (STORE_NOTFOUND: none). */
int journal_get(struct store_txn *t, uint64_t seq, const void **entry, size_t *len);

/* The last entry's seq (0: the log is empty). */
int journal_last(struct store_txn *t, uint64_t *seq);

/* The last link of the chain and its seq (0 and zeros: none). */
int journal_head(struct store_txn *t, uint64_t *seq, uint8_t hash[AUDIT_HASH_LEN]);

/* Where the log starts: 0 when it covers everything the store holds;
 * else the store was upgraded from before the log, which covers nothing
 * of what it held then: *events_before is the last event seq at the
 * upgrade (0 when it held sites or products only). */
int journal_start(struct store_txn *t, int *uncovered, uint64_t *events_before);

/* Cluster mode (cluster.h): the position in the stream of the last entry
 * this store applied (CLUSTER_POS; 0: none), kept in the transaction of
 * each entry's effects. */
int journal_applied(struct store_txn *t, uint64_t *pos);
int journal_set_applied(struct store_txn *t, uint64_t pos);

/* Cluster mode: has an entry of this request id been applied before (a
 * publish whose ack was lost, sent again)?  1 with the stream position it
 * was applied at in *first; 0, noting it as applied at pos, by the entry's
 * time; or a store error.  Ids are kept JOURNAL_REQUEST_WINDOW_MS by the
 * entries' times: each entry noted forgets a few ids older than that
 * before its own time, the same on every node (entries carry their time). */
#define JOURNAL_REQUEST_WINDOW_MS (10 * 60 * 1000)
int journal_request_seen(struct store_txn *t, uint64_t request_id, uint64_t pos,
			 int64_t time_ms, uint64_t *first);

/* Call fn for entries from..to (inclusive) in order, stopping at the
 * first nonzero return, which is returned.  An entry missing between
 * them is STORE_CORRUPT (logged, and named by store_strerror). */
int journal_walk(struct store_txn *t, uint64_t from, uint64_t to,
		 int (*fn)(void *arg, uint64_t seq, const void *entry, size_t len), void *arg);

#endif
