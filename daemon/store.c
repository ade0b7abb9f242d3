/*
 * store — LMDB environment management and the key/value layer.
 *
 * Design notes:
 *  - One environment per data directory, opened once; every named database
 *    is opened at startup in one write transaction (LMDB wants DBI handles
 *    opened before other threads use them).
 *  - The directory is flock()ed: two yimad processes on one data dir would
 *    each believe they are the only writer and could resize the map under
 *    each other.
 *  - Map growth: mdb_env_set_mapsize needs no transaction open in the
 *    process, so readers hold `resize_lock` shared for the life of their
 *    read transaction and store_grow takes it exclusively.  The lock prefers
 *    writers so a stream of readers cannot starve a resize.
 */
#include "store.h"
#include "audit.h"
#include "code_util.h"
#include "log.h"
#include "xmem.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <linux/ioprio.h>
#include <lmdb.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

_Static_assert(STORE_NOTFOUND == MDB_NOTFOUND, "STORE_NOTFOUND");
_Static_assert(STORE_MAP_FULL == MDB_MAP_FULL, "STORE_MAP_FULL");

static const char *const db_names[DB__COUNT] = {
	[DB_META] = "meta",
	[DB_SITES] = "sites",
	[DB_SITE_NUMS] = "site_nums",
	[DB_PRODUCTS] = "products",
	[DB_PRODUCT_NUMS] = "product_nums",
	[DB_LOTS] = "lots",
	[DB_LOT_NUMS] = "lot_nums",
	[DB_CODES] = "codes",
	[DB_UNITS] = "units",
	[DB_LOT_UNITS] = "lot_units",
	[DB_CHILDREN] = "children",
	[DB_EVENTS] = "events",
	[DB_UNIT_EVENTS] = "unit_events",
	[DB_SALES] = "sales",
	[DB_ALERTS] = "alerts",
	[DB_LOT_EVENTS] = "lot_events",
	[DB_PRODUCT_STATE] = "product_state",
	[DB_SITE_GLNS] = "site_glns",
	[DB_BATCHES] = "batches",
	[DB_TALLY] = "tally",
	[DB_CONTENTS] = "contents",
	[DB_SITE_ALERTS] = "site_alerts",
	[DB_UNIT_ALERTS] = "unit_alerts",
	[DB_LOG] = "log",
	[DB_REQUESTS] = "requests",
	[DB_REQUEST_TIMES] = "request_times",
	[DB_EVENT_UNITS] = "event_units",
	[DB_READINGS] = "readings",
	[DB_COLD_BREAKS] = "cold_breaks",
	[DB_COLD_COUNTS] = "cold_counts",
	[DB_ALERT_STATUS] = "alert_status",
	[DB_LOT_SOURCES] = "lot_sources",
	[DB_LOT_OUTPUTS] = "lot_outputs",
};

/* Databases added with no schema step: a yimad that may write creates them
 * empty at open, but a read-only open (yimad --replay's source, a backup's
 * check) of a store an older yimad left finds none of them, and reads each
 * as empty rather than failing. */
static const bool db_made_at_open[DB__COUNT] = {
	[DB_READINGS] = true, [DB_COLD_BREAKS] = true, [DB_COLD_COUNTS] = true,
	[DB_ALERT_STATUS] = true, [DB_LOT_SOURCES] = true, [DB_LOT_OUTPUTS] = true,
};

/* Index databases hold fixed-size ids as sorted duplicates: LMDB then
 * packs them without per-value headers (MDB_DUPFIXED). */
static const unsigned db_flags[DB__COUNT] = {
	[DB_LOT_UNITS] = MDB_DUPSORT | MDB_DUPFIXED,
	[DB_CHILDREN] = MDB_DUPSORT | MDB_DUPFIXED,
	[DB_UNIT_EVENTS] = MDB_DUPSORT | MDB_DUPFIXED,
	[DB_LOT_EVENTS] = MDB_DUPSORT | MDB_DUPFIXED,
	[DB_SITE_ALERTS] = MDB_DUPSORT | MDB_DUPFIXED,
	[DB_UNIT_ALERTS] = MDB_DUPSORT | MDB_DUPFIXED,
	[DB_LOT_SOURCES] = MDB_DUPSORT | MDB_DUPFIXED,
	[DB_LOT_OUTPUTS] = MDB_DUPSORT | MDB_DUPFIXED,
};

/*
 * Generations: what lets other modules cache data read from the store
 * without going stale (mcache.c).  A change to a database marked in
 * db_versioned makes every earlier tag unequal to every later one:
 *  - read transactions carry `gen` as it was *before* the transaction
 *    began; the writer adds 1 to it after committing a transaction that
 *    changed a versioned database, and before any reply of that
 *    transaction is sent (the writer replies after store_write_commit
 *    returns).  So a request read after such a reply gets a tag above
 *    that of any transaction whose snapshot predates the change;
 *  - the writer's own transactions see their uncommitted changes, so they
 *    use `wgen`, bumped by each write to a versioned database and by each
 *    abort.  Write tags are odd and read tags even: never equal.
 */
struct store_txn {
	MDB_txn *txn;
	struct store *s;
	/* Where values read may lie: the map, and within it the part of the
	 * file written when the transaction began.  A size read from a
	 * corrupt page can point past the end of the file, where touching
	 * the map is SIGBUS: such a record is corrupt, not read. */
	const char *map_lo, *map_end, *valid_end;
	uint64_t tag;			/* read transactions: gen at begin (even) */
	bool write;
	bool changed;			/* wrote a versioned database */
	/* Write transactions: one cursor per database, opened on first use
	 * and left where the last get or put put it.  LMDB looks for a key
	 * in the cursor's page before it searches from the root, so runs of
	 * nearby keys (a lot's new units, a case's children) cost one page
	 * each instead of a descent.  LMDB frees them when the transaction
	 * ends. */
	MDB_cursor *cur[DB__COUNT];
	/* Read transactions: the last cursor closed on each database, kept
	 * for the next open and renewed into the transaction then, so a
	 * read's cursors cost no allocation.  LMDB lets a read-only cursor
	 * outlive its transaction; the reader frees them. */
	struct store_cursor *spare[DB__COUNT];
};

/* Databases whose changes invalidate cached copies (see above). */
static const bool db_versioned[DB__COUNT] = {
	[DB_SITES] = true, [DB_SITE_NUMS] = true, [DB_SITE_GLNS] = true,
	[DB_PRODUCTS] = true, [DB_PRODUCT_NUMS] = true, [DB_PRODUCT_STATE] = true,
	[DB_LOTS] = true, [DB_LOT_NUMS] = true,
};

/* The threads that walk the scan path's databases in (store_warm), each
 * with a read transaction of its own, beside the warming thread's. */
#define WALKERS 8

struct store {
	MDB_env *env;
	MDB_dbi dbi[DB__COUNT];
	bool absent[DB__COUNT];		/* read only: not in this (older) store */
	int lock_fd;
	pthread_rwlock_t resize_lock;
	struct store_txn wtxn;		/* the writer's transaction */
	_Atomic uint64_t grows;
	_Atomic uint64_t gen;		/* committed versioned changes */
	uint64_t wgen;			/* writer thread only */
	_Atomic bool disk_full;		/* the last commit found no room */
	_Atomic bool held[DB__COUNT];	/* see store_may_hold */
	size_t page_size;
	/* Where LMDB mapped data.mdb (found in /proc/self/maps: LMDB tells
	 * the address only for a fixed map); NULL when unknown, and then
	 * values are not bounds-checked.  Changed under resize_lock. */
	const char *map_lo, *map_end;
	char dir[4096];
	/* Reading the store in (store_warm): the thread, and its stop. */
	pthread_t warm_thread;
	bool warm_running;
	_Atomic bool warm_stop;
	unsigned warm_dbs;		/* scan_path's databases to walk (bits), or 0: the whole store */
	size_t warm_bytes;		/* the bytes to read in: the store's pages in use, or those databases' */
	size_t warm_missing;		/* of the store's, not in memory when it began */
};

struct store_reader {
	struct store *s;
	struct store_txn t;		/* t.txn kept reset between uses */
	bool active;
};

static _Thread_local char corrupt_text[256];

int store_corrupt(enum store_db db, const void *key, size_t klen, const char *why)
{
	char hex[2 * 24 + 4];
	size_t n = klen > 24 ? 24 : klen, j = 0;
	for (size_t i = 0; i < n; i++)
		j += (size_t)snprintf(hex + j, sizeof hex - j, "%02x", ((const uint8_t *)key)[i]);
	if (klen > n)
		snprintf(hex + j, sizeof hex - j, "...");
	snprintf(corrupt_text, sizeof corrupt_text, "corrupt record in %s at key %s (%s): the "
		 "store needs repair from a backup", db_names[db], klen ? hex : "-", why);
	log_error("store: %s", corrupt_text);
	return STORE_CORRUPT;
}

const char *store_strerror(int rc)
{
	if (rc == STORE_DISK_FULL)
		return "the disk holding the store is full";
	if (rc == STORE_CORRUPT)
		return corrupt_text[0] ? corrupt_text : "corrupt record in the store";
	return mdb_strerror(rc);
}

/* Find LMDB's mapping of DIR/data.mdb in /proc/self/maps. */
static void find_map(struct store *s)
{
	char want[4200], real[PATH_MAX], line[4600];
	s->map_lo = s->map_end = NULL;
	if (realpath(s->dir, real) == NULL)
		return;
	snprintf(want, sizeof want, "%s/data.mdb", real);
	FILE *f = fopen("/proc/self/maps", "r");
	if (f == NULL)
		return;
	while (fgets(line, sizeof line, f)) {
		uintptr_t lo, hi;
		int path_at = 0;
		if (sscanf(line, "%" SCNxPTR "-%" SCNxPTR " %*s %*s %*s %*s %n", &lo, &hi,
			   &path_at) < 2 || path_at == 0)
			continue;
		char *path = line + path_at;
		path[strcspn(path, "\n")] = '\0';
		if (strcmp(path, want) == 0) {
			s->map_lo = (const char *)lo;
			s->map_end = (const char *)hi;
			break;
		}
	}
	fclose(f);
}

/* The part of the map a transaction may read (see struct store_txn). */
static void set_bounds(struct store_txn *t, bool write)
{
	MDB_envinfo info;
	mdb_env_info(t->s->env, &info);
	t->map_lo = t->s->map_lo;
	t->map_end = t->s->map_end;
	/* A write transaction may read pages it spilled past the committed
	 * end: bound it by the map only. */
	size_t used = (size_t)(info.me_last_pgno + 1) * t->s->page_size;
	t->valid_end = write || t->map_lo == NULL || used > (size_t)(t->map_end - t->map_lo) ?
		       t->map_end : t->map_lo + used;
}

/* Does [p, p + n) lie where it may?  Memory outside the map (a write
 * transaction's own dirty pages) is the transaction's own. */
static bool readable(const struct store_txn *t, const MDB_val *v)
{
	const char *p = v->mv_data;
	if (t->map_lo == NULL || p < t->map_lo || p >= t->map_end)
		return true;
	return p < t->valid_end && v->mv_size <= (size_t)(t->valid_end - p);
}

/* A key and value LMDB found: 0, or STORE_CORRUPT when either lies
 * outside what may be read. */
static int check_found(const struct store_txn *t, enum store_db db, const MDB_val *k,
		       const MDB_val *v)
{
	if (readable(t, k) && readable(t, v))
		return 0;
	bool key_ok = readable(t, k);
	return store_corrupt(db, key_ok ? k->mv_data : NULL, key_ok ? k->mv_size : 0,
			     key_ok ? "its length runs past the end of the data file" :
				      "its key's length runs past the end of the data file");
}

int64_t store_disk_free(struct store *s)
{
	struct statvfs fs;
	if (statvfs(s->dir, &fs) != 0)
		return -1;
	return (int64_t)fs.f_bavail * (int64_t)fs.f_frsize;
}

bool store_disk_full(struct store *s)
{
	return atomic_load(&s->disk_full);
}

void store_error_text(struct store *s, int rc, char *out, size_t n)
{
	if (rc != STORE_DISK_FULL) {
		snprintf(out, n, "%s", store_strerror(rc));
		return;
	}
	int64_t avail = store_disk_free(s);
	snprintf(out, n, "the disk holding %s/data.mdb is full (%lld KiB free): free space "
		 "there; nothing of the failed write was kept", s->dir,
		 (long long)(avail > 0 ? avail / 1024 : 0));
}

/* A commit that failed writing: out of room, or a real I/O error?  LMDB
 * turns a short write into EIO, so look at the room left: under 64 MiB
 * (or 1% of the file system) counts as full. */
static int write_error(struct store *s, int rc)
{
	if (rc != EIO && rc != ENOSPC && rc != EDQUOT)
		return rc;
	struct statvfs fs;
	if (statvfs(s->dir, &fs) != 0)
		return rc == ENOSPC ? STORE_DISK_FULL : rc;
	uint64_t avail = (uint64_t)fs.f_bavail * fs.f_frsize;
	uint64_t total = (uint64_t)fs.f_blocks * fs.f_frsize;
	if (rc == ENOSPC || rc == EDQUOT || avail < ((uint64_t)64 << 20) || avail < total / 100)
		return STORE_DISK_FULL;
	return rc;
}

const char *store_db_name(enum store_db db)
{
	return db_names[db];
}

bool store_db_dup(enum store_db db)
{
	return (db_flags[db] & MDB_DUPSORT) != 0;
}

static int lock_dir(const char *dir, char *err, size_t errlen)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/yimad.lock", dir);
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		char pid[32] = "";
		ssize_t n = pread(fd, pid, sizeof pid - 1, 0);
		pid[n > 0 ? n : 0] = '\0';
		pid[strcspn(pid, "\n")] = '\0';
		snprintf(err, errlen, "data directory %s is in use by another yimad%s%s%s",
			 dir, pid[0] ? " (pid " : "", pid, pid[0] ? ")" : "");
		close(fd);
		return -1;
	}
	char pid[32];
	int n = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) != 0 || pwrite(fd, pid, (size_t)n, 0) != n)
		log_warn("%s: cannot record pid: %s", path, strerror(errno));
	return fd;
}

/*
 * An older store, brought to this version in the open's transaction:
 *  - 3 added the alert indexes, which alerts_open builds from the alerts
 *    when they are empty;
 *  - 4 keeps each alert's time in site_alerts (and every alert under site
 *    0): a version 2 or 3 site_alerts is emptied, to be built again;
 *  - 5 added the log (DB_LOG, created empty by the open).  What the store
 *    held before has no entries, so a store that held anything records
 *    where the log starts (STORE_META_LOG_START): a check of the state
 *    against the log can then say it cannot, instead of reporting
 *    everything before as damage;
 *  - 6 keeps each entry's chain link in front of it in DB_LOG instead of
 *    in a database of its own (log_hashes, moved in and dropped);
 *  - 7 does the same for each event's link in DB_EVENTS (event_hashes):
 *    one append per event instead of two, in two trees;
 *  - 8 added DB_EVENT_UNITS, the units each event names (created empty by
 *    the open): a store that held events is marked
 *    (STORE_META_EVENT_UNITS_UNBUILT) for events_open to build it from the
 *    events each unit lists, which is its inverse.
 */

#define LINK_BYTES 32	/* a SHA-256 chain link (audit.h) */

/* Give every record of db the link a database of its own (hashes_name)
 * held for it, in front of its value, and drop that database.  A link
 * missing is damage the upgrade will not paper over.  *none: the links'
 * database is missing or empty (nothing moved, nothing dropped but an
 * empty database). */
static int move_links(struct store *s, MDB_txn *txn, enum store_db db, const char *hashes_name,
		      uint32_t from, bool *none, char *err, size_t errlen)
{
	MDB_dbi hashes;
	MDB_stat st;
	MDB_cursor *c = NULL;
	MDB_val k, v, h;
	uint8_t *buf = NULL;
	size_t cap = 0;
	*none = true;
	int rc = mdb_dbi_open(txn, hashes_name, 0, &hashes);
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc == 0)
		rc = mdb_stat(txn, hashes, &st);
	if (rc == 0 && st.ms_entries == 0)
		rc = MDB_NOTFOUND;	/* only dropped */
	if (rc == 0) {
		*none = false;
		rc = mdb_cursor_open(txn, s->dbi[db], &c);
	}
	for (int op = MDB_FIRST; rc == 0; op = MDB_NEXT) {
		if ((rc = mdb_cursor_get(c, &k, &v, (MDB_cursor_op)op)) != 0)
			break;
		rc = mdb_get(txn, hashes, &k, &h);
		if (rc == 0 && h.mv_size != LINK_BYTES)
			rc = MDB_CORRUPTED;
		if (rc) {
			char key[40] = "";
			for (size_t i = 0; i < k.mv_size && i < 16; i++)
				snprintf(key + 2 * i, 3, "%02x", ((const uint8_t *)k.mv_data)[i]);
			snprintf(err, errlen, "cannot upgrade the store from schema version %u: "
				 "%s record %s has no link in %s (%s)", (unsigned)from,
				 db_names[db], key, hashes_name, mdb_strerror(rc));
			mdb_cursor_close(c);
			free(buf);
			return -1;
		}
		size_t n = LINK_BYTES + v.mv_size;
		if (n > cap) {
			cap = n;
			buf = xrealloc(buf, cap);
		}
		memcpy(buf, h.mv_data, LINK_BYTES);
		memcpy(buf + LINK_BYTES, v.mv_data, v.mv_size);
		/* The key too is copied out of the page the put rewrites. */
		uint8_t key[16];
		if (k.mv_size > sizeof key) {
			rc = MDB_CORRUPTED;
			break;
		}
		memcpy(key, k.mv_data, k.mv_size);
		MDB_val nk = { k.mv_size, key }, nv = { n, buf };
		rc = mdb_cursor_put(c, &nk, &nv, MDB_CURRENT);
	}
	if (c)
		mdb_cursor_close(c);
	free(buf);
	if (rc == MDB_NOTFOUND)
		rc = mdb_drop(txn, hashes, 1);
	if (rc) {
		snprintf(err, errlen, "cannot upgrade the store from schema version %u: %s",
			 (unsigned)from, mdb_strerror(rc));
		return -1;
	}
	return 0;
}

/* Chain every event of a log written before the chain existed, from its
 * first: each value becomes its link and the record. */
static int chain_events(struct store *s, MDB_txn *txn, uint64_t *count)
{
	MDB_cursor *c;
	MDB_val k, v;
	uint8_t prev[LINK_BYTES] = { 0 };
	uint8_t *buf = NULL;
	size_t cap = 0;
	*count = 0;
	int rc = mdb_cursor_open(txn, s->dbi[DB_EVENTS], &c);
	for (int op = MDB_FIRST; rc == 0; op = MDB_NEXT) {
		if ((rc = mdb_cursor_get(c, &k, &v, (MDB_cursor_op)op)) != 0)
			break;
		uint8_t key[16];
		if (k.mv_size != 6) {
			rc = MDB_CORRUPTED;
			break;
		}
		memcpy(key, k.mv_data, k.mv_size);
		size_t n = LINK_BYTES + v.mv_size;
		if (n > cap) {
			cap = n;
			buf = xrealloc(buf, cap);
		}
		audit_link(prev, code_get_be(key, 6), v.mv_data, v.mv_size, prev);
		memcpy(buf, prev, LINK_BYTES);
		memcpy(buf + LINK_BYTES, v.mv_data, v.mv_size);
		MDB_val nk = { k.mv_size, key }, nv = { n, buf };
		rc = mdb_cursor_put(c, &nk, &nv, MDB_CURRENT);
		++*count;
	}
	if (c)
		mdb_cursor_close(c);
	free(buf);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

/* Up to version 7: every event takes its link from event_hashes; the
 * events of a store written before the chain existed (no links at all)
 * are chained from the first. */
static int move_event_links(struct store *s, MDB_txn *txn, uint32_t from, char *err,
			    size_t errlen)
{
	bool none;
	uint64_t count = 0;
	if (move_links(s, txn, DB_EVENTS, "event_hashes", from, &none, err, errlen) != 0)
		return -1;
	int rc = none ? chain_events(s, txn, &count) : 0;
	if (rc) {
		snprintf(err, errlen, "cannot upgrade the store from schema version %u: "
			 "chaining the events: %s", (unsigned)from, mdb_strerror(rc));
		return -1;
	}
	if (count)
		log_info("store: chained %llu events written before the hash chain",
			 (unsigned long long)count);
	return 0;
}

static int upgrade(struct store *s, MDB_txn *txn, uint32_t from, char *err, size_t errlen)
{
	static const char key[] = "schema_version", seq_key[] = "seq_event",
			  start_key[] = STORE_META_LOG_START,
			  unbuilt_key[] = STORE_META_EVENT_UNITS_UNBUILT;
	int rc = 0;
	if (from < 4)
		rc = mdb_drop(txn, s->dbi[DB_SITE_ALERTS], 0);
	bool none;
	if (from == 5 && move_links(s, txn, DB_LOG, "log_hashes", from, &none, err, errlen) != 0)
		return -1;
	if (from < 7 && move_event_links(s, txn, from, err, errlen) != 0)
		return -1;
	bool held = false;
	for (int i = 0; from < 5 && rc == 0 && i < DB__COUNT; i++) {
		MDB_stat st;
		if (i != DB_META && (rc = mdb_stat(txn, s->dbi[i], &st)) == 0 && st.ms_entries)
			held = true;
	}
	uint64_t last_event = 0;
	if (rc == 0 && held) {
		MDB_val k = { sizeof seq_key - 1, (void *)(uintptr_t)seq_key }, v;
		rc = mdb_get(txn, s->dbi[DB_META], &k, &v);
		if (rc == 0 && v.mv_size == sizeof last_event)
			memcpy(&last_event, v.mv_data, sizeof last_event);
		if (rc == MDB_NOTFOUND)
			rc = 0;
		if (last_event)
			last_event--;	/* the counter holds the next seq */
		MDB_val sk = { sizeof start_key - 1, (void *)(uintptr_t)start_key };
		MDB_val sv = { sizeof last_event, &last_event };
		if (rc == 0)
			rc = mdb_put(txn, s->dbi[DB_META], &sk, &sv, 0);
	}
	if (rc == 0 && from < 8) {	/* none yet (a store made from a newer one: emptied) */
		MDB_stat st;
		rc = mdb_drop(txn, s->dbi[DB_EVENT_UNITS], 0);
		if (rc == 0)
			rc = mdb_stat(txn, s->dbi[DB_EVENTS], &st);
		static const uint8_t mark = 1;
		MDB_val uk = { sizeof unbuilt_key - 1, (void *)(uintptr_t)unbuilt_key },
			uv = { sizeof mark, (void *)(uintptr_t)&mark };
		if (rc == 0 && st.ms_entries)
			rc = mdb_put(txn, s->dbi[DB_META], &uk, &uv, 0);
	}
	/* 9: nothing to convert.  Entries of version 2 (entry.h) come in
	 * from now on, whose events record who made them; a yimad of version
	 * 8 cannot read them, and refuses the store. */
	uint32_t now = STORE_SCHEMA_VERSION;
	MDB_val k = { sizeof key - 1, (void *)(uintptr_t)key }, nv = { sizeof now, &now };
	if (rc == 0)
		rc = mdb_put(txn, s->dbi[DB_META], &k, &nv, 0);
	if (rc) {
		snprintf(err, errlen, "cannot upgrade the store from schema version %u: %s",
			 (unsigned)from, mdb_strerror(rc));
		return -1;
	}
	log_info("store: schema version %u upgraded to %u", (unsigned)from, now);
	if (held)
		log_info("store: the log starts here, after event %llu: what the store held "
			 "before is in no log entry, so AUDIT VERIFY STATE cannot check it",
			 (unsigned long long)last_event);
	return 0;
}

/* Record the schema version in a new environment, or check it (and
 * upgrade an older one unless read only). */
static int check_schema(struct store *s, MDB_txn *txn, bool read_only, char *err,
			size_t errlen)
{
	static const char key[] = "schema_version";
	MDB_val k = { sizeof key - 1, (void *)(uintptr_t)key }, v;
	int rc = mdb_get(txn, s->dbi[DB_META], &k, &v);
	if (rc == MDB_NOTFOUND && !read_only) {
		uint32_t ver = STORE_SCHEMA_VERSION;
		v.mv_size = sizeof ver;
		v.mv_data = &ver;
		rc = mdb_put(txn, s->dbi[DB_META], &k, &v, 0);
		if (rc)
			snprintf(err, errlen, "cannot record schema version: %s",
				 mdb_strerror(rc));
		return rc ? -1 : 0;
	}
	if (rc) {
		snprintf(err, errlen, "cannot read schema version: %s", mdb_strerror(rc));
		return -1;
	}
	uint32_t ver = 0;
	if (v.mv_size == sizeof ver)
		memcpy(&ver, v.mv_data, sizeof ver);
	if (v.mv_size == sizeof ver && ver >= 2 && ver < STORE_SCHEMA_VERSION && !read_only)
		return upgrade(s, txn, ver, err, errlen);
	if (v.mv_size != sizeof ver || ver != STORE_SCHEMA_VERSION) {
		snprintf(err, errlen,
			 "the data has schema version %u; this yimad uses version %u%s",
			 (unsigned)ver, STORE_SCHEMA_VERSION,
			 read_only && ver < STORE_SCHEMA_VERSION ?
			 " (a yimad started on it upgrades it)" : "");
		return -1;
	}
	return 0;
}

/* Open the named databases: creating them, or (read only) as they are;
 * DB_META alone first when read only, for check_schema to say what is
 * wrong with an older store before a database it lacks is missed. */
static int open_dbs(struct store *s, MDB_txn *txn, bool read_only, bool meta_only,
		    char *err, size_t errlen)
{
	for (int i = 0; i < DB__COUNT; i++) {
		if (read_only && (i == DB_META) != meta_only)
			continue;
		unsigned flags = db_flags[i] | (read_only ? 0 : MDB_CREATE);
		int rc = mdb_dbi_open(txn, db_names[i], flags, &s->dbi[i]);
		if (rc == MDB_NOTFOUND && read_only && db_made_at_open[i]) {
			s->absent[i] = true;
			continue;
		}
		if (rc) {
			snprintf(err, errlen, "cannot open database %s: %s", db_names[i],
				 mdb_strerror(rc));
			return -1;
		}
	}
	return 0;
}

/* Which databases hold records as the store opens (see store_may_hold);
 * one whose count cannot be read is taken to hold some. */
static void note_held(struct store *s, MDB_txn *txn)
{
	for (int i = 0; i < DB__COUNT; i++) {
		MDB_stat st;
		bool held = !s->absent[i] &&
			    (mdb_stat(txn, s->dbi[i], &st) != 0 || st.ms_entries > 0);
		atomic_init(&s->held[i], held);
	}
}

/* Stores this process has opened.  Each starts its generations in a range
 * of its own (2^40 apart), so that a thread's cache kept across two stores
 * (unit tests opening one after another; a replay reading one and writing
 * another) never takes one store's record for the other's. */
static _Atomic uint64_t stores_opened;

int store_open(struct store **out, const struct store_options *o,
	       char *err, size_t errlen)
{
	struct store *s = xcalloc(1, sizeof *s);
	uint64_t first_gen = (atomic_fetch_add(&stores_opened, 1) + 1) << 40;
	atomic_init(&s->gen, first_gen);
	s->wgen = first_gen;
	s->lock_fd = -1;
	MDB_txn *txn = NULL;
	int rc;

	if (!o->read_only && mkdir(o->dir, 0750) != 0 && errno != EEXIST) {
		snprintf(err, errlen, "%s: %s", o->dir, strerror(errno));
		goto fail;
	}
	snprintf(s->dir, sizeof s->dir, "%s", o->dir);
	if (!o->read_only && (s->lock_fd = lock_dir(o->dir, err, errlen)) < 0)
		goto fail;

	pthread_rwlockattr_t attr;
	pthread_rwlockattr_init(&attr);
	pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&s->resize_lock, &attr);
	pthread_rwlockattr_destroy(&attr);

	if ((rc = mdb_env_create(&s->env)) != 0 ||
	    (rc = mdb_env_set_maxdbs(s->env, 48)) != 0 ||
	    (rc = mdb_env_set_maxreaders(s->env, o->max_readers + 8 + WALKERS + 1)) != 0) {
		snprintf(err, errlen, "lmdb: %s", mdb_strerror(rc));
		goto fail;
	}
	/* No readahead: lookups are random, and once the store outgrows the
	 * page cache every miss would read a whole readahead window (128 KiB
	 * or more) to use one 4 KiB page. */
	unsigned env_flags = MDB_NORDAHEAD | (o->read_only ? MDB_RDONLY : 0) |
			     (o->no_sync ? MDB_NOSYNC : 0);
	rc = mdb_env_open(s->env, o->dir, env_flags, 0640);
	if (rc) {
		snprintf(err, errlen, "%s: cannot open the store: %s", o->dir,
			 mdb_strerror(rc));
		goto fail;
	}
	MDB_stat est;
	mdb_env_stat(s->env, &est);
	s->page_size = est.ms_psize;

	/* The map size was left unset so that LMDB adopts the one recorded in
	 * the environment: a map grown by an earlier run stays grown.  Raise
	 * it to map_size if that is larger (and for a new environment). */
	MDB_envinfo info;
	mdb_env_info(s->env, &info);
	if (!o->read_only && info.me_mapsize < o->map_size &&
	    (rc = mdb_env_set_mapsize(s->env, o->map_size)) != 0) {
		snprintf(err, errlen, "cannot set the map size to %llu bytes: %s",
			 (unsigned long long)o->map_size, mdb_strerror(rc));
		goto fail;
	}

	int dead = 0;
	mdb_reader_check(s->env, &dead);
	if (dead)
		log_info("cleared %d stale reader slot(s)", dead);

	rc = mdb_txn_begin(s->env, NULL, o->read_only ? MDB_RDONLY : 0, &txn);
	if (rc) {
		snprintf(err, errlen, "lmdb: %s", mdb_strerror(rc));
		goto fail;
	}
	if (open_dbs(s, txn, o->read_only, true, err, errlen) != 0 ||
	    check_schema(s, txn, o->read_only, err, errlen) != 0 ||
	    (o->read_only && open_dbs(s, txn, true, false, err, errlen) != 0))
		goto fail;
	note_held(s, txn);
	rc = mdb_txn_commit(txn);
	txn = NULL;
	if (rc) {
		snprintf(err, errlen, "lmdb: commit: %s", mdb_strerror(rc));
		goto fail;
	}
	s->wtxn.s = s;
	*out = s;
	find_map(s);
	if (s->map_lo == NULL)
		log_warn("store: %s/data.mdb not found in /proc/self/maps: records read are "
			 "not checked against the end of the file", o->dir);
	return 0;
fail:
	if (txn)
		mdb_txn_abort(txn);
	store_close(s);
	return -1;
}

/* Linux 5.14's madvise(MADV_POPULATE_READ): map a range as reads would. */
#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#endif

/* Map [lo, lo + len): in one call where the kernel can, else by reading a
 * byte of each page (a fault each, as a request would have taken). */
static void map_range(char *lo, size_t len, size_t page, bool *populate)
{
	if (*populate && madvise(lo, len, MADV_POPULATE_READ) == 0)
		return;
	*populate = false;
	for (size_t at = 0; at < len; at += page)
		(void)*(const volatile char *)(lo + at);
}

/* Bytes in a "key value" line of a /proc or /sys file ("MemAvailable:
 * 123 kB"); UINT64_MAX when the file or the key is not there. */
static uint64_t read_figure(const char *path, const char *key, uint64_t unit)
{
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return UINT64_MAX;
	char line[256];
	uint64_t v = UINT64_MAX;
	size_t klen = strlen(key);
	while (fgets(line, sizeof line, f)) {
		if (strncmp(line, key, klen) != 0)
			continue;
		char *end;
		unsigned long long n = strtoull(line + klen, &end, 10);
		if (end != line + klen)		/* "max": no limit */
			v = (uint64_t)n * unit;
		break;
	}
	fclose(f);
	return v;
}

/* Room left in this process's memory cgroup (v2, else v1's memory
 * controller); UINT64_MAX: no limit, or none found. */
static uint64_t cgroup_room(void)
{
	FILE *f = fopen("/proc/self/cgroup", "r");
	if (f == NULL)
		return UINT64_MAX;
	char line[1024], dir[1200];
	dir[0] = '\0';
	while (fgets(line, sizeof line, f)) {
		line[strcspn(line, "\n")] = '\0';
		char *names = strchr(line, ':'), *path = names ? strchr(names + 1, ':') : NULL;
		if (path == NULL)
			continue;
		*path++ = '\0';
		names++;
		if (strcmp(names, "") == 0 && dir[0] == '\0')
			snprintf(dir, sizeof dir, "/sys/fs/cgroup%s/memory.", path);
		else if (strstr(names, "memory"))
			snprintf(dir, sizeof dir, "/sys/fs/cgroup/memory%s/memory.", path);
	}
	fclose(f);
	if (dir[0] == '\0')
		return UINT64_MAX;
	char limit_path[1300], used_path[1300];
	bool v1 = strstr(dir, "/sys/fs/cgroup/memory/") == dir;
	snprintf(limit_path, sizeof limit_path, "%s%s", dir, v1 ? "limit_in_bytes" : "max");
	snprintf(used_path, sizeof used_path, "%s%s", dir, v1 ? "usage_in_bytes" : "current");
	uint64_t limit = read_figure(limit_path, "", 1), used = read_figure(used_path, "", 1);
	if (limit == UINT64_MAX || used == UINT64_MAX)
		return UINT64_MAX;
	return limit > used ? limit - used : 0;
}

uint64_t store_memory_room(void)
{
	uint64_t avail = read_figure("/proc/meminfo", "MemAvailable:", 1024);
	uint64_t room = cgroup_room();
	if (room < avail)
		avail = room;
	return avail == UINT64_MAX ? 0 : avail;
}

/* Warming works a chunk at a time: the residency vector of a 100 GB
 * store would be 25 MB, and each chunk is mapped as soon as it is known. */
#define CHUNK ((size_t)64 << 20)

/* The whole store, from the disk: a chunk is read with plain reads of the
 * file (large and sequential: the map itself is read page by page, LMDB
 * having asked for no readahead, and MADV_WILLNEED reads only one
 * readahead window a call), then mapped, which now finds its pages in
 * memory.  The map is used as a reader does (resize_lock shared, while a
 * chunk already read is mapped), so a growth of the map never waits for
 * the disk.  0 or an errno; *done: the bytes read in. */
static int read_in_whole(struct store *s, size_t *done)
{
	int fd;
	if (mdb_env_get_fd(s->env, &fd) != 0)
		return EBADF;
	enum { READ = 1 << 20 };
	size_t sys_page = (size_t)sysconf(_SC_PAGESIZE);
	char *buf = xmalloc(READ);
	(void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);	/* a larger readahead window */
	bool populate = true;
	size_t off = 0;
	int err = 0;
	while (off < s->warm_bytes && !atomic_load(&s->warm_stop)) {
		size_t len = s->warm_bytes - off < CHUNK ? s->warm_bytes - off : CHUNK;
		for (size_t at = 0; at < len && err == 0;) {
			size_t want = len - at < READ ? len - at : READ;
			ssize_t got = pread(fd, buf, want, (off_t)(off + at));
			if (got > 0)
				at += (size_t)got;
			else if (got == 0)
				err = EIO;
			else if (errno != EINTR)
				err = errno;
		}
		if (err)
			break;
		pthread_rwlock_rdlock(&s->resize_lock);
		char *map = (char *)(uintptr_t)s->map_lo;
		if (map && off + len <= (size_t)(s->map_end - s->map_lo))
			map_range(map + off, len, sys_page, &populate);
		pthread_rwlock_unlock(&s->resize_lock);
		off += len;
	}
	(void)posix_fadvise(fd, 0, 0, POSIX_FADV_NORMAL);
	free(buf);
	*done = off;
	return err;
}

/*
 * The scan path's databases, from the disk, for a store too large to read
 * in whole.  Their pages lie all over the file, mixed with the others', and
 * LMDB does not say which are whose: they are found the way a reader finds
 * them, by walking each database with a cursor, which faults in every leaf
 * page (4 KiB at a time: the map has no readahead).  One walk would keep
 * one read in flight; WALKERS threads keep as many, which a disk serves
 * several times faster (CORE.md: 19.6 k random reads/s at queue depth 1,
 * 61 k at 16).
 *
 * The walkers share a database by key ranges.  A database starts as one
 * range; a walker that finds another idle splits what is left of its own
 * range at the middle of the keys' first differing bytes and hands over
 * the upper half, so the work spreads whatever the keys look like (codes
 * crowd under a few GTINs).  A walker holds a read transaction, and
 * resize_lock, for WALK_SLICE entries at a time, so that neither a growth
 * of the map nor the reuse of freed pages waits for a walk.
 */
#define WALK_SLICE 1024
#define WALK_KEY 512		/* above LMDB's largest key (511 bytes) */

/* What a VERIFY reads, in the order a store too large to read in whole
 * has it read: every scan the code and the unit; the full reply the
 * unit's events and, for those not in the cached copies, the events. */
static const enum store_db scan_path[] = { DB_CODES, DB_UNITS, DB_UNIT_EVENTS, DB_EVENTS };

struct walk_key {
	size_t len;
	unsigned char b[WALK_KEY];
};

struct walk_range {
	struct walk_key at;	/* the first key not yet walked, or the last walked */
	bool resume;		/* at was walked: go on after it */
	bool open;		/* no end: to the end of the database */
	struct walk_key hi;	/* else the first key past the range */
};

struct walk_pool {
	struct store *s;
	MDB_dbi dbi;
	struct walk_key last;	/* the database's last key, when the walk began */
	pthread_mutex_t lock;
	pthread_cond_t moved;	/* a range was queued, or every walker is idle */
	struct walk_range queue[WALKERS];
	int queued, idle;
	int err;
	uint64_t entries, pages_read;
};

static void key_set(struct walk_key *k, const MDB_val *v)
{
	k->len = v->mv_size < WALK_KEY ? v->mv_size : WALK_KEY;
	memcpy(k->b, v->mv_data, k->len);
}

/* memcmp, then the shorter first: LMDB's order of keys. */
static int key_cmp(const unsigned char *a, size_t alen, const unsigned char *b, size_t blen)
{
	int c = memcmp(a, b, alen < blen ? alen : blen);
	return c ? c : (alen > blen) - (alen < blen);
}

/* Eight bytes of k from off, big-endian, zeros past its end. */
static uint64_t key_window(const struct walk_key *k, size_t off)
{
	uint64_t w = 0;
	for (size_t i = 0; i < 8; i++)
		w = w << 8 | (off + i < k->len ? k->b[off + i] : 0);
	return w;
}

/* A key strictly between lo and hi (lo < hi), near the middle of their
 * first differing bytes; false when there is none to be had that way. */
static bool key_middle(const struct walk_key *lo, const struct walk_key *hi, struct walk_key *mid)
{
	size_t p = 0;
	while (p < lo->len && p < hi->len && lo->b[p] == hi->b[p])
		p++;
	uint64_t a = key_window(lo, p), b = key_window(hi, p);
	if (b <= a || b - a < 2 || p + 8 > WALK_KEY)
		return false;
	uint64_t m = a + (b - a) / 2;
	memcpy(mid->b, lo->b, p);
	for (size_t i = 0; i < 8; i++)
		mid->b[p + i] = (unsigned char)(m >> (56 - 8 * i));
	mid->len = p + 8;
	return true;
}

/* The next range to walk, waiting while other walkers may still hand one
 * over; false when the database is done (or the walk is stopping). */
static bool walk_take(struct walk_pool *p, struct walk_range *r)
{
	pthread_mutex_lock(&p->lock);
	p->idle++;
	for (;;) {
		if (atomic_load(&p->s->warm_stop) || p->err)
			p->queued = 0;
		if (p->queued > 0) {
			*r = p->queue[--p->queued];
			p->idle--;
			pthread_mutex_unlock(&p->lock);
			return true;
		}
		if (p->idle == WALKERS) {
			pthread_cond_broadcast(&p->moved);
			pthread_mutex_unlock(&p->lock);
			return false;
		}
		pthread_cond_wait(&p->moved, &p->lock);
	}
}

/* Hand the upper half of r over to an idle walker, if one waits for work
 * and r can be split. */
static void walk_share(struct walk_pool *p, struct walk_range *r)
{
	pthread_mutex_lock(&p->lock);
	struct walk_range *up = &p->queue[p->queued];
	if (p->idle > p->queued && p->queued < WALKERS &&
	    key_middle(&r->at, r->open ? &p->last : &r->hi, &up->at)) {
		up->resume = false;
		up->open = r->open;
		up->hi = r->hi;
		r->open = false;
		r->hi = up->at;
		p->queued++;
		pthread_cond_signal(&p->moved);
	}
	pthread_mutex_unlock(&p->lock);
}

/* Up to WALK_SLICE entries of r, in one read transaction; false when r is
 * done.  txn: this walker's, reset between slices. */
static bool walk_slice(struct walk_pool *p, MDB_txn **txn, struct walk_range *r,
		       uint64_t *entries)
{
	struct store *s = p->s;
	bool more = false;
	pthread_rwlock_rdlock(&s->resize_lock);
	int rc = *txn ? mdb_txn_renew(*txn) : mdb_txn_begin(s->env, NULL, MDB_RDONLY, txn);
	MDB_cursor *c = NULL;
	if (rc == 0)
		rc = mdb_cursor_open(*txn, p->dbi, &c);
	if (rc == 0) {
		MDB_val k = { r->at.len, r->at.b }, v;
		rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
		/* Resuming: the key walked last is done, with any of its dups
		 * (a key with more than a slice of dups has the rest skipped). */
		if (rc == 0 && r->resume && key_cmp(k.mv_data, k.mv_size, r->at.b, r->at.len) == 0)
			rc = mdb_cursor_get(c, &k, &v, MDB_NEXT_NODUP);
		int n = 0;
		while (rc == 0 && n < WALK_SLICE &&
		       (r->open || key_cmp(k.mv_data, k.mv_size, r->hi.b, r->hi.len) < 0)) {
			key_set(&r->at, &k);
			n++;
			rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
		}
		*entries += (uint64_t)n;
		more = rc == 0 && n == WALK_SLICE;
		r->resume = true;
		if (rc == MDB_NOTFOUND)
			rc = 0;
	}
	if (c)
		mdb_cursor_close(c);
	if (*txn)
		mdb_txn_reset(*txn);
	pthread_rwlock_unlock(&s->resize_lock);
	if (rc) {
		pthread_mutex_lock(&p->lock);
		p->err = rc;
		pthread_mutex_unlock(&p->lock);
	}
	return more;
}

/* Reading ahead must not slow the requests it is for: a walker takes a
 * core only when no other thread wants it, and the disk when no other
 * read waits (for schedulers that order by class, such as mq-deadline). */
static void walker_yield_to_requests(void)
{
	struct sched_param none = { 0 };
	(void)pthread_setschedparam(pthread_self(), SCHED_IDLE, &none);
	(void)syscall(SYS_ioprio_set, IOPRIO_WHO_PROCESS, 0,
		      IOPRIO_PRIO_VALUE(IOPRIO_CLASS_IDLE, 0));
}

static void *walker_main(void *arg)
{
	struct walk_pool *p = arg;
	walker_yield_to_requests();
	struct rusage ru0, ru1;
	getrusage(RUSAGE_THREAD, &ru0);
	MDB_txn *txn = NULL;
	uint64_t entries = 0;
	struct walk_range r;
	while (walk_take(p, &r))
		while (!atomic_load(&p->s->warm_stop) && walk_slice(p, &txn, &r, &entries))
			walk_share(p, &r);
	if (txn)
		mdb_txn_abort(txn);
	getrusage(RUSAGE_THREAD, &ru1);
	pthread_mutex_lock(&p->lock);
	p->entries += entries;
	p->pages_read += (uint64_t)(ru1.ru_majflt - ru0.ru_majflt);
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

/* Walk one database with WALKERS threads: 0 or an LMDB error.  *read:
 * the pages the walk read from the disk (major faults). */
static int walk_database(struct store *s, enum store_db db, uint64_t *read)
{
	struct walk_pool p = { .s = s, .dbi = s->dbi[db] };
	pthread_mutex_init(&p.lock, NULL);
	pthread_cond_init(&p.moved, NULL);
	MDB_txn *txn;
	MDB_cursor *c = NULL;
	pthread_rwlock_rdlock(&s->resize_lock);
	int rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn);
	if (rc == 0) {
		MDB_val k, v;
		if ((rc = mdb_cursor_open(txn, p.dbi, &c)) == 0 &&
		    (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST)) == 0) {
			key_set(&p.queue[0].at, &k);
			p.queue[0].open = true;
			p.queued = 1;
			if ((rc = mdb_cursor_get(c, &k, &v, MDB_LAST)) == 0)
				key_set(&p.last, &k);
		}
		if (c)
			mdb_cursor_close(c);
		mdb_txn_abort(txn);
	}
	pthread_rwlock_unlock(&s->resize_lock);
	if (rc == 0) {
		pthread_t t[WALKERS];
		int started = 0;
		for (; started < WALKERS; started++) {
			if (pthread_create(&t[started], NULL, walker_main, &p) != 0)
				break;
			(void)pthread_setname_np(t[started], "yimad-warm");
		}
		/* Fewer walkers than planned: the missing ones count as idle
		 * (but one, this thread, when none started). */
		pthread_mutex_lock(&p.lock);
		p.idle += WALKERS - (started ? started : 1);
		pthread_cond_broadcast(&p.moved);
		pthread_mutex_unlock(&p.lock);
		if (started == 0)
			walker_main(&p);
		for (int i = 0; i < started; i++)
			pthread_join(t[i], NULL);
		rc = p.err;
	} else if (rc == MDB_NOTFOUND) {
		rc = 0;		/* an empty database */
	}
	*read += p.pages_read;
	pthread_cond_destroy(&p.moved);
	pthread_mutex_destroy(&p.lock);
	return rc;
}

static void *read_in_main(void *arg)
{
	struct store *s = arg;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	size_t done = 0;
	uint64_t pages_read = 0;
	int err = 0;
	const char *what = "the store";
	if (s->warm_dbs == 0) {
		err = read_in_whole(s, &done);
	} else {
		what = "the scan path";
		for (size_t i = 0; i < sizeof scan_path / sizeof scan_path[0] && err == 0; i++)
			if (s->warm_dbs & (1u << i) && !atomic_load(&s->warm_stop))
				err = walk_database(s, scan_path[i], &pages_read);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	if (err)
		log_warn("store: reading %s in stopped: %s", what,
			 s->warm_dbs ? mdb_strerror(err) : strerror(err));
	else if (atomic_load(&s->warm_stop))
		log_info("store: reading %s in stopped (closing)", what);
	else if (s->warm_dbs == 0)
		log_info("store read in: %.1f MB mapped, the %.1f MB not in memory at start "
			 "read from the disk (%.3f s)", done / 1e6, s->warm_missing / 1e6, secs);
	else
		log_info("store's scan path read in: %.1f MB of databases walked, %.1f MB read "
			 "from the disk (%.3f s)", s->warm_bytes / 1e6,
			 (double)pages_read * (double)sysconf(_SC_PAGESIZE) / 1e6, secs);
	return NULL;
}

/* Bytes of db's pages. */
static uint64_t db_bytes(struct store *s, enum store_db db)
{
	MDB_txn *txn;
	MDB_stat st;
	uint64_t bytes = 0;
	pthread_rwlock_rdlock(&s->resize_lock);
	if (mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn) == 0) {
		if (mdb_stat(txn, s->dbi[db], &st) == 0)
			bytes = (uint64_t)(st.ms_branch_pages + st.ms_leaf_pages +
					   st.ms_overflow_pages) * st.ms_psize;
		mdb_txn_abort(txn);
	}
	pthread_rwlock_unlock(&s->resize_lock);
	return bytes;
}

/* Which of the scan path's databases to read in, in room bytes: each in
 * turn that still fits; names them in st. */
static unsigned choose_scan_path(struct store *s, uint64_t room, struct store_warm_stats *st)
{
	unsigned chosen = 0;
	size_t n = 0;
	for (size_t i = 0; i < sizeof scan_path / sizeof scan_path[0]; i++) {
		uint64_t bytes = db_bytes(s, scan_path[i]);
		if (bytes == 0 || st->read_bytes + bytes > room)
			continue;
		chosen |= 1u << i;
		st->read_bytes += bytes;
		n += (size_t)snprintf(st->databases + n, sizeof st->databases - n, "%s%s",
				      n ? ", " : "", db_names[scan_path[i]]);
		if (n >= sizeof st->databases)
			n = sizeof st->databases - 1;
	}
	return chosen;
}

int store_warm(struct store *s, uint64_t room, struct store_warm_stats *st)
{
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	memset(st, 0, sizeof *st);
	MDB_envinfo info;
	mdb_env_info(s->env, &info);
	/* LMDB's me_mapaddr is set only for a fixed map: find_map's. */
	char *map = (char *)(uintptr_t)s->map_lo;
	size_t page = s->page_size, sys_page = (size_t)sysconf(_SC_PAGESIZE);
	if (map == NULL || page == 0 || page % sys_page != 0)
		return EINVAL;
	size_t bytes = (size_t)(info.me_last_pgno + 1) * page;
	st->file_bytes = bytes;
	unsigned char *in = xmalloc(CHUNK / sys_page);
	bool populate = true;
	int rc = 0;
	for (size_t off = 0; off < bytes; off += CHUNK) {
		size_t len = bytes - off < CHUNK ? bytes - off : CHUNK;
		size_t pages = (len + sys_page - 1) / sys_page;
		if (mincore(map + off, len, in) != 0) {
			rc = errno;
			break;
		}
		for (size_t i = 0; i < pages;) {
			if (!(in[i] & 1)) {
				i++;
				continue;
			}
			size_t run = i;
			while (run < pages && (in[run] & 1))
				run++;
			map_range(map + off + i * sys_page, (run - i) * sys_page, sys_page,
				  &populate);
			st->mapped_bytes += (run - i) * sys_page;
			i = run;
		}
	}
	free(in);
	if (rc == 0 && st->mapped_bytes < bytes && !s->warm_running) {
		/* Half the room for the whole store, which then pushes out
		 * nothing another process would soon need.  All but an eighth
		 * of it for the scan path's pages: VERIFYs fault them in
		 * anyway, so reading them ahead changes when, not what, is in
		 * memory; the eighth is for the writer's pages and the rest. */
		if (bytes <= room / 2) {
			st->reading_in = STORE_READ_WHOLE;
			st->read_bytes = bytes;
			s->warm_dbs = 0;
		} else if ((s->warm_dbs = choose_scan_path(s, room - room / 8, st)) != 0) {
			st->reading_in = STORE_READ_SCAN_PATH;
		}
	}
	if (st->reading_in) {
		s->warm_bytes = st->read_bytes;
		s->warm_missing = bytes - st->mapped_bytes;
		atomic_store(&s->warm_stop, false);
		s->warm_running = pthread_create(&s->warm_thread, NULL, read_in_main, s) == 0;
		if (s->warm_running)
			(void)pthread_setname_np(s->warm_thread, "yimad-warm");
		else
			st->reading_in = STORE_READ_NONE;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	st->seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	return rc;
}

void store_warm_wait(struct store *s)
{
	if (s->warm_running) {
		pthread_join(s->warm_thread, NULL);
		s->warm_running = false;
	}
}

void store_close(struct store *s)
{
	if (s == NULL)
		return;
	atomic_store(&s->warm_stop, true);
	store_warm_wait(s);
	if (s->env)
		mdb_env_close(s->env);
	if (s->lock_fd >= 0)
		close(s->lock_fd);	/* releases the flock */
	pthread_rwlock_destroy(&s->resize_lock);
	free(s);
}

int store_copy_compact(struct store *s, int fd)
{
	pthread_rwlock_rdlock(&s->resize_lock);	/* as a reader: see store_grow */
	int rc = mdb_env_copyfd2(s->env, fd, MDB_CP_COMPACT);
	pthread_rwlock_unlock(&s->resize_lock);
	return rc;
}

struct store_reader *store_reader_new(struct store *s)
{
	struct store_reader *r = xcalloc(1, sizeof *r);
	r->s = s;
	r->t.s = s;
	return r;
}

static void cursor_free(struct store_cursor *c);

void store_reader_free(struct store_reader *r)
{
	if (r == NULL)
		return;
	if (r->active)
		store_read_end(r);
	for (int db = 0; db < DB__COUNT; db++)
		if (r->t.spare[db])
			cursor_free(r->t.spare[db]);
	if (r->t.txn)
		mdb_txn_abort(r->t.txn);
	free(r);
}

int store_read_begin(struct store_reader *r, struct store_txn **txn)
{
	pthread_rwlock_rdlock(&r->s->resize_lock);
	/* Before the snapshot is taken: see "Generations" above. */
	r->t.tag = atomic_load_explicit(&r->s->gen, memory_order_acquire) << 1;
	int rc = r->t.txn ? mdb_txn_renew(r->t.txn)
			  : mdb_txn_begin(r->s->env, NULL, MDB_RDONLY, &r->t.txn);
	if (rc) {
		if (r->t.txn) {
			mdb_txn_abort(r->t.txn);
			r->t.txn = NULL;
		}
		pthread_rwlock_unlock(&r->s->resize_lock);
		return rc;
	}
	r->active = true;
	set_bounds(&r->t, false);
	*txn = &r->t;
	return 0;
}

void store_read_end(struct store_reader *r)
{
	if (!r->active)
		return;
	mdb_txn_reset(r->t.txn);
	r->active = false;
	pthread_rwlock_unlock(&r->s->resize_lock);
}

int store_write_begin(struct store *s, struct store_txn **txn)
{
	int rc = mdb_txn_begin(s->env, NULL, 0, &s->wtxn.txn);
	if (rc)
		return rc;
	s->wtxn.write = true;
	s->wtxn.changed = false;
	set_bounds(&s->wtxn, true);
	memset(s->wtxn.cur, 0, sizeof s->wtxn.cur);
	*txn = &s->wtxn;
	return 0;
}

int store_write_commit(struct store_txn *t)
{
	int rc = mdb_txn_commit(t->txn);
	t->txn = NULL;
	if (rc == 0 && t->changed)
		atomic_fetch_add_explicit(&t->s->gen, 1, memory_order_release);
	else if (rc)
		t->s->wgen++;	/* as an abort: what was written is gone */
	if (rc)
		rc = write_error(t->s, rc);
	atomic_store(&t->s->disk_full, rc == STORE_DISK_FULL);
	t->changed = false;
	return rc;
}

void store_write_abort(struct store_txn *t)
{
	if (t->txn)
		mdb_txn_abort(t->txn);
	t->txn = NULL;
	t->changed = false;
	t->s->wgen++;
}

bool store_may_hold(const struct store_txn *t, enum store_db db)
{
	return atomic_load_explicit(&t->s->held[db], memory_order_acquire);
}

uint64_t store_txn_tag(const struct store_txn *t)
{
	return t->write ? t->s->wgen << 1 | 1 : t->tag;
}

/* Every write goes through here first: a versioned database changes. */
static void note_write(struct store_txn *t, enum store_db db)
{
	/* Before the commit that can make it visible: a reader whose snapshot
	 * holds the record sees the flag. */
	if (!atomic_load_explicit(&t->s->held[db], memory_order_relaxed))
		atomic_store_explicit(&t->s->held[db], true, memory_order_release);
	if (db_versioned[db]) {
		t->changed = true;
		t->s->wgen++;
	}
}

int store_write_retry(struct store *s, int (*fn)(struct store_txn *t, void *arg), void *arg)
{
	for (int attempt = 0; attempt < 16; attempt++) {
		struct store_txn *t;
		int rc = store_write_begin(s, &t);
		if (rc)
			return rc;
		rc = fn(t, arg);
		if (rc == 0)
			return store_write_commit(t);
		store_write_abort(t);
		if (rc != STORE_MAP_FULL || store_grow(s) != 0)
			return rc;
	}
	return STORE_MAP_FULL;
}

int store_grow(struct store *s)
{
	MDB_envinfo info;
	mdb_env_info(s->env, &info);
	size_t size = info.me_mapsize;
	size_t next = size < ((size_t)64 << 30) ? size * 2 : size + ((size_t)64 << 30);
	pthread_rwlock_wrlock(&s->resize_lock);
	int rc = mdb_env_set_mapsize(s->env, next);
	if (rc == 0)
		find_map(s);	/* LMDB mapped the file again, maybe elsewhere */
	pthread_rwlock_unlock(&s->resize_lock);
	if (rc == 0) {
		atomic_fetch_add(&s->grows, 1);
		log_info("store map grown from %zu to %zu bytes", size, next);
	} else {
		log_error("cannot grow the store map to %zu bytes: %s", next,
			  mdb_strerror(rc));
	}
	return rc;
}

/* The write transaction's cursor on db, or NULL (read transactions, or
 * no memory: the caller goes without). */
static MDB_cursor *kept_cursor(struct store_txn *t, enum store_db db)
{
	if (!t->write)
		return NULL;
	if (t->cur[db] == NULL && mdb_cursor_open(t->txn, t->s->dbi[db], &t->cur[db]) != 0)
		t->cur[db] = NULL;
	return t->cur[db];
}

static int put(struct store_txn *t, enum store_db db, MDB_val *k, MDB_val *v, unsigned flags)
{
	MDB_cursor *c = kept_cursor(t, db);
	return c ? mdb_cursor_put(c, k, v, flags) : mdb_put(t->txn, t->s->dbi[db], k, v, flags);
}

int store_get(struct store_txn *t, enum store_db db, const void *key, size_t klen,
	      const void **val, size_t *vlen)
{
	MDB_val k = { klen, (void *)(uintptr_t)key }, v;
	if (t->s->absent[db])
		return STORE_NOTFOUND;
	MDB_cursor *c = kept_cursor(t, db);
	int rc = c ? mdb_cursor_get(c, &k, &v, MDB_SET) : mdb_get(t->txn, t->s->dbi[db], &k, &v);
	if (rc == 0 && !readable(t, &v))
		rc = store_corrupt(db, key, klen, "its length runs past the end of the data file");
	if (rc == 0) {
		*val = v.mv_data;
		*vlen = v.mv_size;
	}
	return rc;
}

int store_put(struct store_txn *t, enum store_db db, const void *key, size_t klen,
	      const void *val, size_t vlen)
{
	MDB_val k = { klen, (void *)(uintptr_t)key };
	MDB_val v = { vlen, (void *)(uintptr_t)val };
	note_write(t, db);
	return put(t, db, &k, &v, 0);
}

int store_del(struct store_txn *t, enum store_db db, const void *key, size_t klen)
{
	MDB_val k = { klen, (void *)(uintptr_t)key };
	note_write(t, db);
	return mdb_del(t->txn, t->s->dbi[db], &k, NULL);
}

int store_next_id(struct store_txn *t, const char *counter, uint32_t *id)
{
	char key[64];
	int klen = snprintf(key, sizeof key, "next_%s", counter);
	const void *v;
	size_t vlen;
	uint32_t next = 1;
	int rc = store_get(t, DB_META, key, (size_t)klen, &v, &vlen);
	if (rc == 0 && vlen == sizeof next)
		memcpy(&next, v, sizeof next);
	else if (rc != 0 && rc != MDB_NOTFOUND)
		return rc;
	*id = next;
	next++;
	return store_put(t, DB_META, key, (size_t)klen, &next, sizeof next);
}

int store_next_ids64(struct store_txn *t, const char *counter, uint64_t n,
		     uint64_t *first)
{
	char key[64];
	int klen = snprintf(key, sizeof key, "seq_%s", counter);
	uint64_t next;
	int rc = store_peek_id64(t, counter, &next);
	if (rc)
		return rc;
	*first = next;
	next += n;
	return store_put(t, DB_META, key, (size_t)klen, &next, sizeof next);
}

int store_peek_id64(struct store_txn *t, const char *counter, uint64_t *next)
{
	char key[64];
	int klen = snprintf(key, sizeof key, "seq_%s", counter);
	const void *v;
	size_t vlen;
	*next = 1;
	int rc = store_get(t, DB_META, key, (size_t)klen, &v, &vlen);
	if (rc == 0 && vlen == sizeof *next)
		memcpy(next, v, sizeof *next);
	else if (rc != 0 && rc != MDB_NOTFOUND)
		return rc;
	return 0;
}

int store_put_dup(struct store_txn *t, enum store_db db, const void *key, size_t klen,
		  const void *val, size_t vlen)
{
	MDB_val k = { klen, (void *)(uintptr_t)key };
	MDB_val v = { vlen, (void *)(uintptr_t)val };
	note_write(t, db);
	/* Keys (unit ids, lots) and their values (ids, event seqs) mostly come
	 * in increasing order.  A key above every other is appended, which
	 * splits a full page at its end and so leaves pages full; a value
	 * above the key's others is appended to them, which skips the search
	 * through a lot of a million units.  LMDB refuses either append
	 * (KEYEXIST) when it does not apply; then insert. */
	int rc = put(t, db, &k, &v, MDB_APPEND);
	if (rc == MDB_KEYEXIST)
		rc = put(t, db, &k, &v, MDB_APPENDDUP);
	if (rc == MDB_KEYEXIST)
		rc = put(t, db, &k, &v, MDB_NODUPDATA);
	return rc == MDB_KEYEXIST ? 0 : rc;
}

int store_put_dups(struct store_txn *t, enum store_db db, const void *key, size_t klen,
		   const void *vals, size_t vsize, size_t count, bool greatest)
{
	if (count == 0)
		return 0;
	MDB_val k = { klen, (void *)(uintptr_t)key };
	MDB_val v[2] = { { vsize, (void *)(uintptr_t)vals }, { count, NULL } };
	unsigned dup = greatest ? MDB_APPENDDUP : 0;
	note_write(t, db);
	MDB_cursor *cur = kept_cursor(t, db);
	if (cur == NULL)
		return ENOMEM;
	int rc;
	/* MDB_MULTIPLE finds the key once and adds the values there; as in
	 * store_put_dup, a key above every other is appended. */
	rc = mdb_cursor_put(cur, &k, v, MDB_MULTIPLE | MDB_APPEND | dup);
	if (rc == MDB_KEYEXIST) {
		v[1].mv_size = count;
		rc = mdb_cursor_put(cur, &k, v, MDB_MULTIPLE | dup);
	}
	if (rc == MDB_KEYEXIST && greatest) {
		/* Not the greatest after all: LMDB wrote the first mv_size
		 * values; insert the rest. */
		size_t done = v[1].mv_size;
		v[0].mv_data = (char *)(uintptr_t)vals + done * vsize;
		v[1].mv_size = count - done;
		count -= done;
		rc = mdb_cursor_put(cur, &k, v, MDB_MULTIPLE);
	}
	if (rc == 0 && v[1].mv_size != count)
		rc = MDB_CORRUPTED;	/* LMDB stopped short without saying why */
	return rc;
}

int store_del_dup(struct store_txn *t, enum store_db db, const void *key, size_t klen,
		  const void *val, size_t vlen)
{
	MDB_val k = { klen, (void *)(uintptr_t)key };
	MDB_val v = { vlen, (void *)(uintptr_t)val };
	note_write(t, db);
	return mdb_del(t->txn, t->s->dbi[db], &k, &v);
}

int store_append(struct store_txn *t, enum store_db db, const void *key, size_t klen,
		 const void *val, size_t vlen)
{
	MDB_val k = { klen, (void *)(uintptr_t)key };
	MDB_val v = { vlen, (void *)(uintptr_t)val };
	note_write(t, db);
	return put(t, db, &k, &v, MDB_APPEND);
}

int store_append_room(struct store_txn *t, enum store_db db, const void *key, size_t klen,
		      size_t vlen, void **room)
{
	MDB_val k = { klen, (void *)(uintptr_t)key };
	MDB_val v = { vlen, NULL };
	note_write(t, db);
	int rc = put(t, db, &k, &v, MDB_APPEND | MDB_RESERVE);
	*room = rc ? NULL : v.mv_data;
	return rc;
}

int store_last(struct store_txn *t, enum store_db db, const void **kp, size_t *kl,
	       const void **vp, size_t *vl)
{
	MDB_val k, v;
	if (t->s->absent[db])
		return STORE_NOTFOUND;
	MDB_cursor *c = kept_cursor(t, db), *own = NULL;
	int rc = 0;
	if (c == NULL && (rc = mdb_cursor_open(t->txn, t->s->dbi[db], &own)) != 0)
		return rc;
	rc = mdb_cursor_get(c ? c : own, &k, &v, MDB_LAST);
	if (own)
		mdb_cursor_close(own);
	if (rc == 0)
		rc = check_found(t, db, &k, &v);
	if (rc == 0) {
		*kp = k.mv_data;
		*kl = k.mv_size;
		*vp = v.mv_data;
		*vl = v.mv_size;
	}
	return rc;
}

struct store_cursor {
	MDB_cursor *cur;
	struct store_txn *t;
	enum store_db db;
};

static void cursor_free(struct store_cursor *c)
{
	if (c->cur)
		mdb_cursor_close(c->cur);
	free(c);
}

int store_cursor_open(struct store_txn *t, enum store_db db, struct store_cursor **c)
{
	struct store_cursor *spare = t->write ? NULL : t->spare[db];
	if (spare) {
		int rc = spare->cur ? mdb_cursor_renew(t->txn, spare->cur) : 0;
		if (rc)
			return rc;
		t->spare[db] = NULL;
		*c = spare;
		return 0;
	}
	MDB_cursor *cur = NULL;	/* none on a database absent: nothing found */
	int rc = t->s->absent[db] ? 0 : mdb_cursor_open(t->txn, t->s->dbi[db], &cur);
	if (rc)
		return rc;
	*c = xmalloc(sizeof **c);
	(*c)->cur = cur;
	(*c)->t = t;
	(*c)->db = db;
	return 0;
}

void store_cursor_close(struct store_cursor *c)
{
	if (c == NULL)
		return;
	if (!c->t->write && c->t->spare[c->db] == NULL)
		c->t->spare[c->db] = c;
	else
		cursor_free(c);
}

static int cursor_get(struct store_cursor *c, MDB_val *k, MDB_val *v, MDB_cursor_op op,
		      const void **kp, size_t *kl, const void **vp, size_t *vl)
{
	int rc = c->cur ? mdb_cursor_get(c->cur, k, v, op) : STORE_NOTFOUND;
	if (rc == 0)
		rc = check_found(c->t, c->db, k, v);
	if (rc == 0) {
		if (kp) {
			*kp = k->mv_data;
			*kl = k->mv_size;
		}
		if (vp) {
			*vp = v->mv_data;
			*vl = v->mv_size;
		}
	}
	return rc;
}

int store_cursor_seek(struct store_cursor *c, const void *key, size_t klen,
		      const void **k, size_t *kl, const void **v, size_t *vl)
{
	MDB_val mk = { klen, (void *)(uintptr_t)key }, mv;
	return cursor_get(c, &mk, &mv, klen ? MDB_SET_RANGE : MDB_FIRST, k, kl, v, vl);
}

int store_cursor_last(struct store_cursor *c, const void **k, size_t *kl,
		      const void **v, size_t *vl)
{
	MDB_val mk, mv;
	return cursor_get(c, &mk, &mv, MDB_LAST, k, kl, v, vl);
}

int store_cursor_next(struct store_cursor *c, const void **k, size_t *kl,
		      const void **v, size_t *vl)
{
	MDB_val mk, mv;
	return cursor_get(c, &mk, &mv, MDB_NEXT, k, kl, v, vl);
}

int store_cursor_prev(struct store_cursor *c, const void **k, size_t *kl,
		      const void **v, size_t *vl)
{
	MDB_val mk, mv;
	return cursor_get(c, &mk, &mv, MDB_PREV, k, kl, v, vl);
}

int store_cursor_dups(struct store_cursor *c, const void *key, size_t klen,
		      const void **v, size_t *vl)
{
	MDB_val mk = { klen, (void *)(uintptr_t)key }, mv;
	return cursor_get(c, &mk, &mv, MDB_SET_KEY, NULL, NULL, v, vl);
}

int store_cursor_dups_from(struct store_cursor *c, const void *key, size_t klen,
			   const void *from, size_t flen, const void **v, size_t *vl)
{
	MDB_val mk = { klen, (void *)(uintptr_t)key }, mv = { flen, (void *)(uintptr_t)from };
	return cursor_get(c, &mk, &mv, MDB_GET_BOTH_RANGE, NULL, NULL, v, vl);
}

int store_cursor_next_dup(struct store_cursor *c, const void **v, size_t *vl)
{
	MDB_val mk, mv;
	return cursor_get(c, &mk, &mv, MDB_NEXT_DUP, NULL, NULL, v, vl);
}

int store_cursor_last_dup(struct store_cursor *c, const void *key, size_t klen,
			  const void **v, size_t *vl)
{
	MDB_val mk = { klen, (void *)(uintptr_t)key }, mv;
	int rc = cursor_get(c, &mk, &mv, MDB_SET_KEY, NULL, NULL, v, vl);
	return rc ? rc : cursor_get(c, &mk, &mv, MDB_LAST_DUP, NULL, NULL, v, vl);
}

int store_cursor_prev_dup(struct store_cursor *c, const void **v, size_t *vl)
{
	MDB_val mk, mv;
	return cursor_get(c, &mk, &mv, MDB_PREV_DUP, NULL, NULL, v, vl);
}

int store_cursor_count(struct store_cursor *c, size_t *n)
{
	size_t count = 0;
	int rc = c->cur ? mdb_cursor_count(c->cur, &count) : 0;
	*n = (size_t)count;
	return rc;
}

int store_stat(struct store_txn *t, struct store_stats *st)
{
	MDB_envinfo info;
	MDB_stat est;
	memset(st, 0, sizeof *st);
	mdb_env_info(t->s->env, &info);
	mdb_env_stat(t->s->env, &est);
	st->map_size = info.me_mapsize;
	st->page_size = est.ms_psize;
	st->map_used = (uint64_t)(info.me_last_pgno + 1) * est.ms_psize;
	st->last_txn = info.me_last_txnid;
	st->readers_used = info.me_numreaders;
	st->readers_max = info.me_maxreaders;
	st->grows = atomic_load(&t->s->grows);
	/* Free pages: LMDB's freelist (DBI 0) maps a transaction id to a list
	 * of page numbers whose first element is the list's length. */
	MDB_cursor *cur;
	if (mdb_cursor_open(t->txn, 0, &cur) == 0) {
		MDB_val k, v;
		uint64_t pages = 0;
		while (mdb_cursor_get(cur, &k, &v, MDB_NEXT) == 0)
			if (v.mv_size >= sizeof(size_t))
				pages += *(const size_t *)v.mv_data;
		mdb_cursor_close(cur);
		st->map_free = pages * est.ms_psize;
	}
	for (int i = 0; i < DB__COUNT; i++) {
		MDB_stat ds = { 0 };
		int rc = t->s->absent[i] ? 0 : mdb_stat(t->txn, t->s->dbi[i], &ds);
		if (rc)
			return rc;
		st->entries[i] = ds.ms_entries;
	}
	return 0;
}
