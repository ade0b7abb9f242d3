/*
 * store — the LMDB environment: open/close, named databases, transactions,
 * automatic map growth, and a small key/value API over them.
 *
 * Everything above this module speaks store_*; only store.c calls mdb_*.
 *
 * Threads: any number of reader threads, each with its own store_reader
 * (one read transaction at a time per thread), and exactly one writer
 * thread (see writer.h).  Growing the map needs every read transaction of
 * the process closed: readers hold a shared lock while their transaction is
 * open and store_grow takes it exclusively, so keep read transactions short.
 *
 * Errors: functions return 0 or a nonzero store error code (LMDB's codes and
 * errno values); STORE_NOTFOUND means "no such key".  store_strerror() turns
 * a code into text.
 *
 * Lifetimes: a value returned by store_get points into the map and is valid
 * until the end of the transaction, or the next write in it.
 */
#ifndef YIMA_STORE_H
#define YIMA_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The schema this build reads and writes.  Bump it on any incompatible
 * change of a database's keys or values. */
#define STORE_SCHEMA_VERSION 9

/* DB_META key present in a store upgraded from before the log (schema
 * 4 or older) that held anything: u64, the last event seq then.  The log
 * does not cover what came before it (journal.h). */
#define STORE_META_LOG_START "log_starts_after"
/* DB_META key present while a store upgraded from schema 7 has not yet
 * had DB_EVENT_UNITS built from the events each unit lists (eventlog.h,
 * events_open): the upgrade sets it, the build removes it. */
#define STORE_META_EVENT_UNITS_UNBUILT "event_units_unbuilt"
/* Cluster mode: the stream position of the last entry applied (u64). */
#define STORE_META_STREAM_APPLIED "stream_applied"

/* The named databases (STORE.md describes their keys and values). */
enum store_db {
	DB_META,		/* "schema_version", counters */
	DB_SITES,		/* site id → site record */
	DB_SITE_NUMS,		/* site number (u32 BE) → site id */
	DB_PRODUCTS,		/* product id → product record */
	DB_PRODUCT_NUMS,	/* product number (u32 BE) → product id */
	DB_LOTS,		/* product number + lot → lot record */
	DB_LOT_NUMS,		/* lot number (u32 BE) → product number + lot */
	DB_CODES,		/* canonical code key → unit id (u40 BE) */
	DB_UNITS,		/* unit id (u40 BE) → unit record */
	DB_LOT_UNITS,		/* dup: lot number → unit ids */
	DB_CHILDREN,		/* dup: parent unit id → child unit ids */
	DB_EVENTS,		/* event seq (u48 BE) → chain link ‖ event record (audit.h) */
	DB_UNIT_EVENTS,		/* dup: unit id → event seqs (after commissioning) */
	DB_SALES,		/* site + transaction + code → first answer */
	DB_ALERTS,		/* alert seq (u48 BE) → alert record */
	DB_LOT_EVENTS,		/* dup: lot number → event seqs (recall, lift) */
	DB_PRODUCT_STATE,	/* product number → withdrawn flag + event seq */
	DB_SITE_GLNS,		/* GLN (13 digits) → site id */
	DB_BATCHES,		/* EVENTS batch id → its result */
	DB_TALLY,		/* lot + site + bucket + other → counters (tally.h) */
	DB_CONTENTS,		/* container unit id → what it carries, per lot */
	DB_SITE_ALERTS,		/* dup: site number (0: every site) → alert
				 * time + seq, newest last */
	DB_UNIT_ALERTS,		/* dup: unit id → alert seqs */
	DB_LOG,			/* entry seq (u48 BE) → chain link ‖ log entry (journal.h) */
	DB_REQUESTS,		/* cluster: request id (u64 BE) → stream position (u64 BE) */
	DB_REQUEST_TIMES,	/* cluster: entry time (u48 BE) ‖ request id → nothing */
	DB_EVENT_UNITS,		/* event seq (u48 BE) → the units it names, as runs of ids */
	/* Cold chain (coldchain.h); created empty by the open, no schema step. */
	DB_READINGS,		/* event seq (u48 BE) → the temperature it recorded */
	DB_COLD_BREAKS,		/* unit id (u40 BE) → its cold-chain break, and release */
	DB_COLD_COUNTS,		/* lot + site (u32 BE each) → breaks, releases */
	DB_ALERT_STATUS,	/* alert seq (u48 BE) → its handling (alert_status.h) */
	DB_LOT_SOURCES,		/* dup: lot number → the lots it was repackaged from */
	DB_LOT_OUTPUTS,		/* dup: lot number → the lots repackaged from it */
	DB__COUNT
};

#define STORE_NOTFOUND (-30798)		/* == MDB_NOTFOUND */
#define STORE_MAP_FULL (-30792)		/* == MDB_MAP_FULL */

struct store;
struct store_txn;
struct store_reader;

struct store_options {
	const char *dir;	/* created if missing */
	uint64_t map_size;	/* initial map size; an existing larger map wins */
	unsigned max_readers;	/* reader threads that may use the store */
	bool read_only;		/* read a store of this schema version, change
				 * nothing, lock nothing (a stopped store or a
				 * copy; a running yimad's is read consistently
				 * too); store_write_begin fails */
	bool no_sync;		/* commits are not synced: a scratch store
				 * that nobody needs after a crash */
};

/* Open (creating if needed) the environment in o->dir, lock the directory
 * against a second yimad, clear stale reader slots, check or record the
 * schema version (upgrading an older store in place).  Returns 0 or -1
 * with a message in err. */
int store_open(struct store **out, const struct store_options *o,
	       char *err, size_t errlen);
/* Close; every reader and transaction must be gone. */
void store_close(struct store *s);

/* What store_warm did. */
struct store_warm_stats {
	uint64_t file_bytes;	/* the store's pages in use */
	uint64_t mapped_bytes;	/* of those, found in memory and mapped */
	enum store_read_in {
		STORE_READ_NONE,
		STORE_READ_WHOLE,	/* the store is being read in whole */
		STORE_READ_SCAN_PATH,	/* the scan path's databases are */
	} reading_in;		/* by a thread of its own */
	uint64_t read_bytes;	/* what that reads: the store, or those databases */
	char databases[64];	/* STORE_READ_SCAN_PATH: their names */
	double seconds;
};

/* Map the store's pages into this process before the first request needs
 * them, so that those requests do not each stop on a page fault (see
 * STORE.md, "Warming the map"): the pages the kernel already holds are
 * mapped at once.  When some are not, a thread ("yimad-warm", returning
 * at once) reads in the store whole if it takes at most half of room (the
 * bytes of memory this process may still fill), else the databases a
 * VERIFY reads (codes, units, unit_events, events), each that still fits
 * in seven eighths of room, by walking them.  It logs when it is done,
 * and store_close stops it.  0, or an errno when the kernel cannot say
 * which pages are in memory (nothing is lost: pages are then mapped, and
 * read, on first use). */
int store_warm(struct store *s, uint64_t room, struct store_warm_stats *st);
/* Wait for store_warm's reading in, if it runs, to end. */
void store_warm_wait(struct store *s);

/* The memory this process may still fill: the least of the machine's
 * (MemAvailable) and its memory cgroup's room.  0 when neither can be
 * read. */
uint64_t store_memory_room(void);

/* Not LMDB's and not an errno: the disk holding the store has no room
 * (LMDB reports a short write as EIO; store_write_commit tells the two
 * apart by the free space it finds). */
#define STORE_DISK_FULL (-31100)

/* A record that cannot be what its database holds (a flipped bit, a torn
 * copy): it is reported and never used.  store_strerror names the
 * database and key of the last one this thread met. */
#define STORE_CORRUPT (-31101)

/* Note a corrupt record (logged, and kept for store_strerror on this
 * thread) and return STORE_CORRUPT, for decoders to return. */
int store_corrupt(enum store_db db, const void *key, size_t klen, const char *why);

const char *store_strerror(int rc);
/* The error as an operator should read it: for STORE_DISK_FULL, which path
 * and how much room is left; otherwise store_strerror's text. */
void store_error_text(struct store *s, int rc, char *out, size_t n);
/* Did the last commit fail for want of disk space (cleared by a commit
 * that succeeds)?  Bytes free on the store's file system, or -1. */
bool store_disk_full(struct store *s);
int64_t store_disk_free(struct store *s);
const char *store_db_name(enum store_db db);
/* Does db hold many sorted values per key (the "dup" databases)? */
bool store_db_dup(enum store_db db);

/* Write a compacted copy of the environment (LMDB's mdb_env_copyfd2 with
 * MDB_CP_COMPACT) to fd, the file a store's data.mdb will be.  The copy
 * reads in one read transaction, so writes go on meanwhile; growing the
 * map waits until it ends (a grown map is mapped again, under the copy's
 * feet).  Any thread; fd is not synced.  Returns 0 or a store error. */
int store_copy_compact(struct store *s, int fd);

/* ---- read side: one store_reader per thread, one transaction at a time */
struct store_reader *store_reader_new(struct store *s);
void store_reader_free(struct store_reader *r);
/* Begin a read transaction on the latest committed state. */
int store_read_begin(struct store_reader *r, struct store_txn **txn);
void store_read_end(struct store_reader *r);

/* ---- write side: the writer thread only */
int store_write_begin(struct store *s, struct store_txn **txn);
int store_write_commit(struct store_txn *txn);	/* durable when it returns 0 */
void store_write_abort(struct store_txn *txn);

/*
 * A tag for data read through this transaction and kept beyond it (a
 * cache): data read under tag T may be used by a later transaction whose
 * tag is T, and only then.  Tags change with every change to the
 * databases holding sites, products, lots and product state (the
 * versioned ones, store.c), so that no request read after the reply to
 * such a change can be answered from data read before it.  Per thread:
 * the writer's tags (which see its uncommitted writes) differ from every
 * read transaction's.  Every function that writes must keep it so
 * (note_write in store.c).
 */
uint64_t store_txn_tag(const struct store_txn *t);

/* Can db hold records in this transaction?  False only while no record
 * has ever been put in it since the store opened empty of them: a lookup
 * there would find nothing, so rules whose records most stores never
 * hold (cold-chain breaks, repackaged lots' sources) skip it.  Deletions
 * leave it true. */
bool store_may_hold(const struct store_txn *t, enum store_db db);

/* Double the map size (waits until no read transaction is open).
 * No write transaction may be open.  Returns 0 or an error code. */
int store_grow(struct store *s);
/* Run fn in a write transaction and commit it; when the map fills, grow it
 * and run fn again.  For work at start, before the writer runs.  Returns 0
 * or the store error. */
int store_write_retry(struct store *s, int (*fn)(struct store_txn *t, void *arg), void *arg);

/* ---- data */
int store_get(struct store_txn *t, enum store_db db, const void *key, size_t klen,
	      const void **val, size_t *vlen);
int store_put(struct store_txn *t, enum store_db db, const void *key, size_t klen,
	      const void *val, size_t vlen);
int store_del(struct store_txn *t, enum store_db db, const void *key, size_t klen);
/* Next value of the named counter in DB_META (starts at 1). */
int store_next_id(struct store_txn *t, const char *counter, uint32_t *id);
/* Reserve n consecutive values of a 64-bit counter (starts at 1); *first
 * is the first of them. */
int store_next_ids64(struct store_txn *t, const char *counter, uint64_t n,
		     uint64_t *first);
/* Peek at a 64-bit counter: the value the next reservation would get. */
int store_peek_id64(struct store_txn *t, const char *counter, uint64_t *next);

/* Databases marked "dup" hold many fixed-size values per key, sorted. */
int store_put_dup(struct store_txn *t, enum store_db db, const void *key, size_t klen,
		  const void *val, size_t vlen);
/* Add `count` values of `vsize` bytes each (packed in `vals`) under one
 * key: one call instead of one per value (a commissioned lot, a packed
 * case).  A value already there stays once.  greatest: the caller knows
 * the values increase and exceed every value the key has (new unit ids),
 * so they are appended without a search. */
int store_put_dups(struct store_txn *t, enum store_db db, const void *key, size_t klen,
		   const void *vals, size_t vsize, size_t count, bool greatest);
int store_del_dup(struct store_txn *t, enum store_db db, const void *key, size_t klen,
		  const void *val, size_t vlen);
/* Append a key greater than every key in db (event logs): cheaper, and
 * keeps pages full. */
int store_append(struct store_txn *t, enum store_db db, const void *key, size_t klen,
		 const void *val, size_t vlen);
/* The same, with room for vlen bytes of value in *room instead of a copy:
 * fill it before the next change to the transaction. */
int store_append_room(struct store_txn *t, enum store_db db, const void *key, size_t klen,
		      size_t vlen, void **room);
/* The last record of db: 0 or STORE_NOTFOUND (db empty).  In a write
 * transaction it uses the transaction's own cursor on db: no cursor to open
 * and close for a log's tail. */
int store_last(struct store_txn *t, enum store_db db, const void **k, size_t *kl,
	       const void **v, size_t *vl);

/* ---- cursors: walk a database in key order (values of a dup key in value
 * order).  A cursor belongs to its transaction; close it before the
 * transaction ends.  Positioning functions return 0 or STORE_NOTFOUND. */
struct store_cursor;
int store_cursor_open(struct store_txn *t, enum store_db db, struct store_cursor **c);
void store_cursor_close(struct store_cursor *c);
/* First entry with key >= key (klen 0: the first entry). */
int store_cursor_seek(struct store_cursor *c, const void *key, size_t klen,
		      const void **k, size_t *kl, const void **v, size_t *vl);
/* The last entry (for newest-first walks). */
int store_cursor_last(struct store_cursor *c, const void **k, size_t *kl,
		      const void **v, size_t *vl);
int store_cursor_next(struct store_cursor *c, const void **k, size_t *kl,
		      const void **v, size_t *vl);
int store_cursor_prev(struct store_cursor *c, const void **k, size_t *kl,
		      const void **v, size_t *vl);
/* Dup databases: the first value of exactly `key`, then the next values of
 * the same key. */
int store_cursor_dups(struct store_cursor *c, const void *key, size_t klen,
		      const void **v, size_t *vl);
/* ... the first value >= from of exactly `key`. */
int store_cursor_dups_from(struct store_cursor *c, const void *key, size_t klen,
			   const void *from, size_t flen, const void **v, size_t *vl);
int store_cursor_next_dup(struct store_cursor *c, const void **v, size_t *vl);
/* Dup databases, newest first: the last value of exactly `key`, then the
 * values before it. */
int store_cursor_last_dup(struct store_cursor *c, const void *key, size_t klen,
			  const void **v, size_t *vl);
int store_cursor_prev_dup(struct store_cursor *c, const void **v, size_t *vl);
/* Number of values of the key the cursor is on (dup databases). */
int store_cursor_count(struct store_cursor *c, size_t *n);

/* ---- figures for INFO */
struct store_stats {
	uint64_t map_size;
	uint64_t map_used;		/* bytes up to the last page written */
	uint64_t map_free;		/* ... of which free pages, reused by later writes */
	uint64_t page_size;
	uint64_t last_txn;
	uint32_t readers_used, readers_max;
	uint64_t entries[DB__COUNT];
	uint64_t grows;			/* automatic map growths since start */
};
int store_stat(struct store_txn *t, struct store_stats *st);

#endif
