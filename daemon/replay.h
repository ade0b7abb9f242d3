/*
 * replay — apply a store's log entries (journal.h) to another store, through
 * the path every write takes: each entry becomes the write job its request
 * became (cmd_entry_job), and a writer of the target store (writer.h) runs
 * the jobs in group-committed transactions, so the handlers, their checks
 * and the entry stored with each are exactly those of the live daemon.
 * Nothing reads the clock: each entry carries its request's time.
 *
 * Applied to an empty store, a log gives the store it was taken from
 * (yimad --replay, AUDIT VERIFY STATE).  An entry the target refuses
 * although its source applied it means the two disagree: replay stops and
 * says which entry and why.
 *
 * The settings that decide writes (the verification policy: unknown_code,
 * mismatch, not_received, near_expiry_days, undo_window, timezone) are the
 * config's, not the log's: replaying under other settings can give
 * another state.
 *
 * Threads: a replay belongs to the thread that made it; its writer is a
 * thread of its own, whose per-thread caches (mcache.h) see only the
 * target store.
 */
#ifndef YIMA_REPLAY_H
#define YIMA_REPLAY_H

#include <stddef.h>
#include <stdint.h>

struct config;
struct store;
struct store_txn;
struct replay;

/* Start a replay into dst (which must stay open until replay_free). */
struct replay *replay_new(struct store *dst, const struct config *cfg);
/* Wait for the writer to finish, stop it, free. */
void replay_free(struct replay *rp);

/*
 * Apply the entries from..to of the log in src (a read transaction of the
 * source store), in order, stopping early once about max_bytes of entries
 * were read; returns when what was applied is committed in dst, with the
 * last seq applied in *last (from - 1: none).  Returns 0; 1 when the log
 * is damaged (an entry missing or that does not decode) or dst refuses an
 * entry (why in err, naming the entry); -1 when replay cannot go on (a
 * store error; why in err).
 */
int replay_apply(struct replay *rp, struct store_txn *src, uint64_t from, uint64_t to,
		 size_t max_bytes, uint64_t *last, char *err, size_t errlen);

#endif
