/*
 * test_store — daemon/store.c: opening (fresh, again, twice, wrong schema),
 * the key/value API and counters, read snapshots, statistics, and map
 * growth (MAP_FULL → abort → store_grow → retry; the grown size must stick),
 * and warming the map (the pages in memory end up in this process's map).
 *
 * Each test gets a fresh mkdtemp directory under /tmp; the store lives in
 * its "data" subdirectory, which store_open creates.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "store.h"

#define expect(cond, ...) do { if (!(cond)) fail_msg(__VA_ARGS__); } while (0)

#define MiB ((uint64_t)1 << 20)

struct fix {
	char base[64];
	char dir[96];
	struct store *s;
};

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int setup(void **state)
{
	struct fix *f = calloc(1, sizeof *f);
	if (f == NULL)
		return -1;
	snprintf(f->base, sizeof f->base, "/tmp/yima-test-store-XXXXXX");
	if (mkdtemp(f->base) == NULL) {
		free(f);
		return -1;
	}
	snprintf(f->dir, sizeof f->dir, "%s/data", f->base);
	log_set_level(LOG_WARN);	/* store_grow logs each growth at info */
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fix *f = *state;
	store_close(f->s);
	int rc = nftw(f->base, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(f);
	return rc;
}

static struct store *open_ok(const char *dir, uint64_t map_size)
{
	struct store_options o = { .dir = dir, .map_size = map_size, .max_readers = 4 };
	struct store *s = NULL;
	char err[512] = "";
	expect(store_open(&s, &o, err, sizeof err) == 0, "store_open(%s): %s", dir, err);
	assert_non_null(s);
	return s;
}

static int open_fails(const char *dir, uint64_t map_size, char *err, size_t errlen)
{
	struct store_options o = { .dir = dir, .map_size = map_size, .max_readers = 4 };
	struct store *s = NULL;
	err[0] = '\0';
	int rc = store_open(&s, &o, err, errlen);
	if (rc == 0)
		store_close(s);
	return rc;
}

static void put_ok(struct store_txn *t, enum store_db db, const char *k, const char *v)
{
	int rc = store_put(t, db, k, strlen(k), v, strlen(v));
	expect(rc == 0, "put %s: %s", k, store_strerror(rc));
}

static void commit_ok(struct store_txn *t)
{
	int rc = store_write_commit(t);
	expect(rc == 0, "commit: %s", store_strerror(rc));
}

/* The value of k in db as seen by a fresh read transaction, or NULL. */
static char *read_value(struct store *s, enum store_db db, const void *k, size_t klen,
			size_t *vlen_out)
{
	struct store_reader *r = store_reader_new(s);
	struct store_txn *t;
	assert_int_equal(store_read_begin(r, &t), 0);
	const void *v;
	size_t vlen;
	char *copy = NULL;
	int rc = store_get(t, db, k, klen, &v, &vlen);
	if (rc == 0) {
		copy = malloc(vlen + 1);
		assert_non_null(copy);
		memcpy(copy, v, vlen);
		copy[vlen] = '\0';
		if (vlen_out)
			*vlen_out = vlen;
	} else {
		expect(rc == STORE_NOTFOUND, "get: %s", store_strerror(rc));
	}
	store_read_end(r);
	store_reader_free(r);
	return copy;
}

static void check_value(struct store *s, enum store_db db, const char *k, const char *want)
{
	char *v = read_value(s, db, k, strlen(k), NULL);
	if (want == NULL) {
		expect(v == NULL, "%s: key %s is '%s', want none", store_db_name(db), k, v);
	} else {
		expect(v != NULL, "%s: key %s missing, want '%s'", store_db_name(db), k, want);
		expect(strcmp(v, want) == 0, "%s: key %s is '%s', want '%s'",
		       store_db_name(db), k, v, want);
	}
	free(v);
}

static void stats(struct store *s, struct store_stats *st)
{
	struct store_reader *r = store_reader_new(s);
	struct store_txn *t;
	assert_int_equal(store_read_begin(r, &t), 0);
	assert_int_equal(store_stat(t, st), 0);
	store_read_end(r);
	store_reader_free(r);
}

static int file_exists(const char *dir, const char *name)
{
	char path[256];
	struct stat sb;
	snprintf(path, sizeof path, "%s/%s", dir, name);
	return stat(path, &sb) == 0;
}

/* --------------------------------------------------------------- opening */

static void test_open_fresh(void **state)
{
	struct fix *f = *state;
	f->s = open_ok(f->dir, 8 * MiB);
	assert_true(file_exists(f->dir, "data.mdb"));
	assert_true(file_exists(f->dir, "lock.mdb"));
	assert_true(file_exists(f->dir, "yimad.lock"));

	/* The lock file holds our pid. */
	char path[256], pid[32] = "", want[32];
	snprintf(path, sizeof path, "%s/yimad.lock", f->dir);
	FILE *fp = fopen(path, "r");
	assert_non_null(fp);
	assert_non_null(fgets(pid, sizeof pid, fp));
	fclose(fp);
	snprintf(want, sizeof want, "%ld\n", (long)getpid());
	assert_string_equal(pid, want);

	/* The schema version is recorded as a native u32. */
	size_t vlen = 0;
	char *v = read_value(f->s, DB_META, "schema_version", 14, &vlen);
	assert_non_null(v);
	assert_int_equal(vlen, sizeof(uint32_t));
	uint32_t ver;
	memcpy(&ver, v, sizeof ver);
	assert_int_equal(ver, STORE_SCHEMA_VERSION);
	free(v);

	struct store_stats st;
	stats(f->s, &st);
	assert_int_equal(st.entries[DB_META], 1);
	for (int i = DB_META + 1; i < DB__COUNT; i++)
		expect(st.entries[i] == 0, "%s has %llu entries", store_db_name((enum store_db)i),
		       (unsigned long long)st.entries[i]);
	assert_int_equal(st.map_size, 8 * MiB);
}

static void test_reopen_keeps_data(void **state)
{
	struct fix *f = *state;
	f->s = open_ok(f->dir, 4 * MiB);
	struct store_txn *t;
	assert_int_equal(store_write_begin(f->s, &t), 0);
	put_ok(t, DB_SITES, "S1", "first site");
	put_ok(t, DB_PRODUCTS, "P1", "first product");
	uint32_t id;
	assert_int_equal(store_next_id(t, "site", &id), 0);
	commit_ok(t);
	store_close(f->s);
	f->s = NULL;

	f->s = open_ok(f->dir, 4 * MiB);
	check_value(f->s, DB_SITES, "S1", "first site");
	check_value(f->s, DB_PRODUCTS, "P1", "first product");
	assert_int_equal(store_write_begin(f->s, &t), 0);
	assert_int_equal(store_next_id(t, "site", &id), 0);
	assert_int_equal(id, 2);	/* the counter survived too */
	store_write_abort(t);
	struct store_stats st;
	stats(f->s, &st);
	assert_int_equal(st.entries[DB_META], 2);	/* schema_version, next_site */
}

static void test_second_open_in_use(void **state)
{
	struct fix *f = *state;
	f->s = open_ok(f->dir, 4 * MiB);
	char err[512], pid[32];
	assert_int_equal(open_fails(f->dir, 4 * MiB, err, sizeof err), -1);
	expect(strstr(err, "in use") != NULL, "error \"%s\" does not say 'in use'", err);
	expect(strstr(err, f->dir) != NULL, "error \"%s\" does not name %s", err, f->dir);
	snprintf(pid, sizeof pid, "pid %ld", (long)getpid());
	expect(strstr(err, pid) != NULL, "error \"%s\" does not give the %s", err, pid);

	/* The failed attempt did not disturb the open store... */
	struct store_txn *t;
	assert_int_equal(store_write_begin(f->s, &t), 0);
	put_ok(t, DB_SITES, "k", "v");
	commit_ok(t);
	check_value(f->s, DB_SITES, "k", "v");

	/* ...and once it is closed the directory is free again. */
	store_close(f->s);
	f->s = open_ok(f->dir, 4 * MiB);
	check_value(f->s, DB_SITES, "k", "v");
}

static void write_schema(struct store *s, const void *v, size_t n)
{
	struct store_txn *t;
	assert_int_equal(store_write_begin(s, &t), 0);
	assert_int_equal(store_put(t, DB_META, "schema_version", 14, v, n), 0);
	commit_ok(t);
}

static void test_schema_mismatch(void **state)
{
	struct fix *f = *state;
	f->s = open_ok(f->dir, 4 * MiB);
	uint32_t other = STORE_SCHEMA_VERSION + 6;
	write_schema(f->s, &other, sizeof other);
	store_close(f->s);
	f->s = NULL;

	char err[512], want[128];
	assert_int_equal(open_fails(f->dir, 4 * MiB, err, sizeof err), -1);
	snprintf(want, sizeof want, "schema version %u; this yimad uses version %u",
		 (unsigned)other, (unsigned)STORE_SCHEMA_VERSION);
	expect(strstr(err, want) != NULL, "error \"%s\", want it to say \"%s\"", err, want);

	/* The failed open released the directory: a second try fails the same
	 * way, not with "in use". */
	assert_int_equal(open_fails(f->dir, 4 * MiB, err, sizeof err), -1);
	expect(strstr(err, want) != NULL, "second try: \"%s\"", err);
}

static void test_schema_wrong_size(void **state)
{
	struct fix *f = *state;
	f->s = open_ok(f->dir, 4 * MiB);
	uint16_t small = STORE_SCHEMA_VERSION;
	write_schema(f->s, &small, sizeof small);
	store_close(f->s);
	f->s = NULL;
	char err[512];
	assert_int_equal(open_fails(f->dir, 4 * MiB, err, sizeof err), -1);
	expect(strstr(err, "schema version") != NULL, "error \"%s\"", err);
}

/* An empty store of version 4 opens as version 5 without a log start:
 * nothing it held is left out of the log. */
static void test_schema_4_empty_upgraded(void **state)
{
	struct fix *f = *state;
	f->s = open_ok(f->dir, 4 * MiB);
	uint32_t v4 = 4;
	write_schema(f->s, &v4, sizeof v4);
	store_close(f->s);
	f->s = open_ok(f->dir, 4 * MiB);
	size_t n;
	char *v = read_value(f->s, DB_META, "schema_version", 14, &n);
	uint32_t ver;
	assert_int_equal(n, sizeof ver);
	memcpy(&ver, v, sizeof ver);
	free(v);
	assert_int_equal(ver, STORE_SCHEMA_VERSION);
	v = read_value(f->s, DB_META, STORE_META_LOG_START, strlen(STORE_META_LOG_START), &n);
	assert_null(v);
}

/* A version 4 store that held events records where its log starts: after
 * its last event. */
static void test_schema_4_with_data_upgraded(void **state)
{
	struct fix *f = *state;
	f->s = open_ok(f->dir, 4 * MiB);
	struct store_txn *t;
	uint64_t next_event = 8, first;
	assert_int_equal(store_write_begin(f->s, &t), 0);
	put_ok(t, DB_SITES, "MFR", "site record");
	assert_int_equal(store_next_ids64(t, "event", next_event - 1, &first), 0);
	uint32_t v4 = 4;
	assert_int_equal(store_put(t, DB_META, "schema_version", 14, &v4, sizeof v4), 0);
	commit_ok(t);
	store_close(f->s);
	f->s = open_ok(f->dir, 4 * MiB);
	size_t n;
	uint64_t start;
	char *v = read_value(f->s, DB_META, STORE_META_LOG_START, strlen(STORE_META_LOG_START),
			     &n);
	assert_non_null(v);
	assert_int_equal(n, sizeof start);
	memcpy(&start, v, sizeof start);
	free(v);
	assert_int_equal(start, next_event - 1);
	check_value(f->s, DB_SITES, "MFR", "site record");
}

/* Read only: a store of this version reads and nothing writes; an older
 * store is refused with a word on upgrading, and nothing is created where
 * no store is.  (One environment open at a time: LMDB's locks are the
 * process's.) */
static void test_read_only(void **state)
{
	struct fix *f = *state;
	f->s = open_ok(f->dir, 4 * MiB);
	struct store_txn *t;
	assert_int_equal(store_write_begin(f->s, &t), 0);
	put_ok(t, DB_SITES, "k", "v");
	commit_ok(t);
	store_close(f->s);
	f->s = NULL;

	struct store_options o = { .dir = f->dir, .map_size = 4 * MiB, .max_readers = 2,
				   .read_only = true };
	struct store *ro = NULL;
	char err[512] = "";
	expect(store_open(&ro, &o, err, sizeof err) == 0, "read-only open: %s", err);
	check_value(ro, DB_SITES, "k", "v");
	assert_int_not_equal(store_write_begin(ro, &t), 0);
	store_close(ro);

	f->s = open_ok(f->dir, 4 * MiB);
	uint32_t v4 = 4;
	write_schema(f->s, &v4, sizeof v4);
	store_close(f->s);
	f->s = NULL;
	expect(store_open(&ro, &o, err, sizeof err) == -1, "a version 4 store opened read only");
	expect(strstr(err, "schema version 4") && strstr(err, "upgrades it"), "error \"%s\"", err);

	char none[160];
	snprintf(none, sizeof none, "%s/none", f->base);
	o.dir = none;
	assert_int_equal(store_open(&ro, &o, err, sizeof err), -1);
	assert_int_equal(access(none, F_OK), -1);
}

static void test_open_bad_dir(void **state)
{
	struct fix *f = *state;
	char dir[160], err[512];
	snprintf(dir, sizeof dir, "%s/no/such/parent", f->base);
	assert_int_equal(open_fails(dir, 4 * MiB, err, sizeof err), -1);
	expect(strstr(err, dir) != NULL, "error \"%s\" does not name %s", err, dir);

	/* A regular file where the directory should be. */
	snprintf(dir, sizeof dir, "%s/file", f->base);
	FILE *fp = fopen(dir, "w");
	assert_non_null(fp);
	fclose(fp);
	assert_int_equal(open_fails(dir, 4 * MiB, err, sizeof err), -1);
	expect(err[0] != '\0', "no error message");
}

/* ------------------------------------------------------------------ data */

static void test_put_get_del(void **state)
{
	struct fix *f = *state;
	f->s = open_ok(f->dir, 4 * MiB);
	struct store_txn *t;
	const void *v;
	size_t vlen;

	assert_int_equal(store_write_begin(f->s, &t), 0);
	put_ok(t, DB_SITES, "a", "site a");
	put_ok(t, DB_PRODUCTS, "a", "product a");	/* same key, other db */
	/* A write transaction sees its own writes. */
	assert_int_equal(store_get(t, DB_SITES, "a", 1, &v, &vlen), 0);
	assert_int_equal(vlen, 6);
	assert_memory_equal(v, "site a", 6);
	/* Binary keys and values. */
	static const char bk[] = { 0, 1, 2, '\r', '\n', 0 };
	static const char bv[] = { 'x', 0, 'y', 0 };
	assert_int_equal(store_put(t, DB_SITE_NUMS, bk, sizeof bk, bv, sizeof bv), 0);
	/* Readers do not see it before the commit. */
	check_value(f->s, DB_SITES, "a", NULL);
	commit_ok(t);

	check_value(f->s, DB_SITES, "a", "site a");
	check_value(f->s, DB_PRODUCTS, "a", "product a");
	char *got = read_value(f->s, DB_SITE_NUMS, bk, sizeof bk, &vlen);
	assert_non_null(got);
	assert_int_equal(vlen, sizeof bv);
	assert_memory_equal(got, bv, sizeof bv);
	free(got);

	/* Overwrite, then delete. */
	assert_int_equal(store_write_begin(f->s, &t), 0);
	put_ok(t, DB_SITES, "a", "site a, renamed");
	commit_ok(t);
	check_value(f->s, DB_SITES, "a", "site a, renamed");

	assert_int_equal(store_write_begin(f->s, &t), 0);
	assert_int_equal(store_del(t, DB_SITES, "a", 1), 0);
	assert_int_equal(store_del(t, DB_SITES, "a", 1), STORE_NOTFOUND);
	assert_int_equal(store_get(t, DB_SITES, "a", 1, &v, &vlen), STORE_NOTFOUND);
	assert_int_equal(store_del(t, DB_SITES, "never", 5), STORE_NOTFOUND);
	commit_ok(t);
	check_value(f->s, DB_SITES, "a", NULL);
	check_value(f->s, DB_PRODUCTS, "a", "product a");

	/* An aborted transaction leaves nothing behind. */
	assert_int_equal(store_write_begin(f->s, &t), 0);
	put_ok(t, DB_SITES, "b", "aborted");
	assert_int_equal(store_del(t, DB_PRODUCTS, "a", 1), 0);
	store_write_abort(t);
	check_value(f->s, DB_SITES, "b", NULL);
	check_value(f->s, DB_PRODUCTS, "a", "product a");
}

/* store_last: the last record, in a write transaction (its own cursor,
 * which other writes move) and in a read one; store_append_room: a value
 * written in place. */
static void test_last_and_append_room(void **state)
{
	struct fix *f = *state;
	f->s = open_ok(f->dir, 4 * MiB);
	struct store_txn *t;
	const void *k, *v;
	size_t kl, vl;
	void *room;
	assert_int_equal(store_write_begin(f->s, &t), 0);
	assert_int_equal(store_last(t, DB_LOG, &k, &kl, &v, &vl), STORE_NOTFOUND);
	for (uint8_t i = 1; i <= 3; i++) {
		uint8_t key[6] = { 0, 0, 0, 0, 0, i };
		assert_int_equal(store_append_room(t, DB_LOG, key, sizeof key, i, &room), 0);
		memset(room, 'a' + i, i);
		assert_int_equal(store_last(t, DB_LOG, &k, &kl, &v, &vl), 0);
		assert_int_equal(kl, 6);
		assert_int_equal(((const uint8_t *)k)[5], i);
		assert_int_equal(vl, i);
		assert_int_equal(((const char *)v)[i - 1], 'a' + i);
		put_ok(t, DB_SITES, "x", "moves nothing it should not");
	}
	/* Appending below the last key is refused, and changes nothing. */
	uint8_t low[6] = { 0 };
	assert_int_not_equal(store_append_room(t, DB_LOG, low, sizeof low, 4, &room), 0);
	assert_null(room);
	commit_ok(t);
	struct store_reader *r = store_reader_new(f->s);
	assert_int_equal(store_read_begin(r, &t), 0);
	assert_int_equal(store_last(t, DB_LOG, &k, &kl, &v, &vl), 0);
	assert_int_equal(((const uint8_t *)k)[5], 3);
	assert_memory_equal(v, "ddd", 3);
	assert_int_equal(store_last(t, DB_SALES, &k, &kl, &v, &vl), STORE_NOTFOUND);
	store_read_end(r);
	store_reader_free(r);
}

/* The values stored under `key` in a dup database of one-byte values. */
static size_t dups_of(struct store_txn *t, const char *key, char *out, size_t cap)
{
	struct store_cursor *c;
	const void *v;
	size_t vl, n = 0;
	assert_int_equal(store_cursor_open(t, DB_CHILDREN, &c), 0);
	for (int rc = store_cursor_dups(c, key, strlen(key), &v, &vl); rc == 0 && n < cap;
	     rc = store_cursor_next_dup(c, &v, &vl))
		out[n++] = *(const char *)v;
	store_cursor_close(c);
	return n;
}

/* store_put_dups: many values in one call, appended when the caller says
 * they are the greatest, and still all stored when that was wrong. */
static void test_put_dups(void **state)
{
	struct fix *f = *state;
	f->s = open_ok(f->dir, 4 * MiB);
	struct store_txn *t;
	char got[16];
	assert_int_equal(store_write_begin(f->s, &t), 0);
	assert_int_equal(store_put_dups(t, DB_CHILDREN, "k", 1, "56", 1, 2, false), 0);
	assert_int_equal(store_put_dups(t, DB_CHILDREN, "k", 1, "789", 1, 3, true), 0);
	assert_int_equal(dups_of(t, "k", got, sizeof got), 5);
	assert_memory_equal(got, "56789", 5);
	/* "greatest", but 3 is not: nothing appended, all inserted */
	assert_int_equal(store_put_dups(t, DB_CHILDREN, "k", 1, "3a", 1, 2, true), 0);
	/* the first two append, then 4 is not the greatest */
	assert_int_equal(store_put_dups(t, DB_CHILDREN, "k", 1, "bc4d", 1, 4, true), 0);
	/* values already there stay once; a new greatest key */
	assert_int_equal(store_put_dups(t, DB_CHILDREN, "k", 1, "5e", 1, 2, false), 0);
	assert_int_equal(store_put_dups(t, DB_CHILDREN, "m", 1, "12", 1, 2, true), 0);
	assert_int_equal(dups_of(t, "k", got, sizeof got), 12);
	assert_memory_equal(got, "3456789abcde", 12);
	assert_int_equal(dups_of(t, "m", got, sizeof got), 2);
	assert_memory_equal(got, "12", 2);
	commit_ok(t);
}

/* A reader's cursors are kept between reads and renewed into each new
 * snapshot: a read after a commit sees the commit's values through them,
 * and two cursors open at once on one database each read their own place. */
static void test_reader_cursors_follow_snapshots(void **state)
{
	struct fix *f = *state;
	f->s = open_ok(f->dir, 4 * MiB);
	struct store_txn *t, *w;
	char got[16];
	assert_int_equal(store_write_begin(f->s, &w), 0);
	assert_int_equal(store_put_dups(w, DB_CHILDREN, "k", 1, "12", 1, 2, true), 0);
	commit_ok(w);
	struct store_reader *r = store_reader_new(f->s);
	for (int round = 0; round < 3; round++) {
		assert_int_equal(store_read_begin(r, &t), 0);
		assert_int_equal(dups_of(t, "k", got, sizeof got), 2 + round);
		assert_memory_equal(got, "1234", 2 + (size_t)round);
		/* a second cursor while the first is open, then both closed */
		struct store_cursor *a, *b;
		const void *va, *vb;
		size_t la, lb;
		assert_int_equal(store_cursor_open(t, DB_CHILDREN, &a), 0);
		assert_int_equal(store_cursor_open(t, DB_CHILDREN, &b), 0);
		assert_int_equal(store_cursor_dups(a, "k", 1, &va, &la), 0);
		assert_int_equal(store_cursor_dups(b, "k", 1, &vb, &lb), 0);
		assert_int_equal(store_cursor_next_dup(b, &vb, &lb), 0);
		assert_int_equal(*(const char *)va, '1');
		assert_int_equal(*(const char *)vb, '2');
		store_cursor_close(a);
		store_cursor_close(b);
		store_read_end(r);
		assert_int_equal(store_write_begin(f->s, &w), 0);
		char next = (char)('3' + round);
		assert_int_equal(store_put_dups(w, DB_CHILDREN, "k", 1, &next, 1, 1, true), 0);
		commit_ok(w);
	}
	store_reader_free(r);
}

/* store_may_hold: false for a database nothing was ever put in, true from
 * the first put on (in the writing transaction, in readers after the
 * commit, after a reopen, after the record is deleted again). */
static void test_may_hold(void **state)
{
	struct fix *f = *state;
	f->s = open_ok(f->dir, 4 * MiB);
	struct store_txn *t;
	struct store_reader *r = store_reader_new(f->s);
	assert_int_equal(store_read_begin(r, &t), 0);
	assert_false(store_may_hold(t, DB_COLD_BREAKS));
	assert_false(store_may_hold(t, DB_SITES));
	store_read_end(r);
	assert_int_equal(store_write_begin(f->s, &t), 0);
	assert_false(store_may_hold(t, DB_COLD_BREAKS));
	put_ok(t, DB_COLD_BREAKS, "u1", "break");
	assert_true(store_may_hold(t, DB_COLD_BREAKS));
	assert_false(store_may_hold(t, DB_SITES));
	commit_ok(t);
	assert_int_equal(store_read_begin(r, &t), 0);
	assert_true(store_may_hold(t, DB_COLD_BREAKS));
	store_read_end(r);
	store_reader_free(r);
	store_close(f->s);
	f->s = open_ok(f->dir, 4 * MiB);
	assert_int_equal(store_write_begin(f->s, &t), 0);
	assert_true(store_may_hold(t, DB_COLD_BREAKS));
	assert_false(store_may_hold(t, DB_SITES));
	assert_int_equal(store_del(t, DB_COLD_BREAKS, "u1", 2), 0);
	assert_true(store_may_hold(t, DB_COLD_BREAKS));
	commit_ok(t);
}

static void test_next_id(void **state)
{
	struct fix *f = *state;
	f->s = open_ok(f->dir, 4 * MiB);
	struct store_txn *t;
	uint32_t id;

	assert_int_equal(store_write_begin(f->s, &t), 0);
	for (uint32_t want = 1; want <= 5; want++) {
		assert_int_equal(store_next_id(t, "site", &id), 0);
		assert_int_equal(id, want);
	}
	assert_int_equal(store_next_id(t, "product", &id), 0);
	assert_int_equal(id, 1);	/* counters are independent */
	commit_ok(t);

	/* Committed counters continue; aborted ones roll back. */
	assert_int_equal(store_write_begin(f->s, &t), 0);
	assert_int_equal(store_next_id(t, "site", &id), 0);
	assert_int_equal(id, 6);
	store_write_abort(t);
	assert_int_equal(store_write_begin(f->s, &t), 0);
	assert_int_equal(store_next_id(t, "site", &id), 0);
	assert_int_equal(id, 6);
	assert_int_equal(store_next_id(t, "product", &id), 0);
	assert_int_equal(id, 2);
	commit_ok(t);

	/* The counter is "next_<name>" in DB_META, native u32: the next id. */
	size_t vlen;
	char *v = read_value(f->s, DB_META, "next_site", 9, &vlen);
	assert_non_null(v);
	assert_int_equal(vlen, sizeof id);
	memcpy(&id, v, sizeof id);
	assert_int_equal(id, 7);
	free(v);
}

/* A read transaction is a snapshot: later commits show up only in the
 * next one.  Reusing a reader (reset/renew) works many times over. */
static void test_reader_snapshot(void **state)
{
	struct fix *f = *state;
	f->s = open_ok(f->dir, 4 * MiB);
	struct store_reader *r = store_reader_new(f->s);
	struct store_txn *rt, *wt;
	const void *v;
	size_t vlen;

	assert_int_equal(store_write_begin(f->s, &wt), 0);
	put_ok(wt, DB_SITES, "k", "old");
	commit_ok(wt);

	assert_int_equal(store_read_begin(r, &rt), 0);
	assert_int_equal(store_get(rt, DB_SITES, "k", 1, &v, &vlen), 0);
	assert_memory_equal(v, "old", 3);

	assert_int_equal(store_write_begin(f->s, &wt), 0);
	put_ok(wt, DB_SITES, "k", "new");
	put_ok(wt, DB_SITES, "k2", "added");
	commit_ok(wt);

	/* Still the old snapshot. */
	assert_int_equal(store_get(rt, DB_SITES, "k", 1, &v, &vlen), 0);
	assert_memory_equal(v, "old", 3);
	assert_int_equal(store_get(rt, DB_SITES, "k2", 2, &v, &vlen), STORE_NOTFOUND);
	store_read_end(r);
	store_read_end(r);	/* a second end is harmless */

	for (int i = 0; i < 100; i++) {
		assert_int_equal(store_read_begin(r, &rt), 0);
		assert_int_equal(store_get(rt, DB_SITES, "k", 1, &v, &vlen), 0);
		assert_int_equal(vlen, 3);
		assert_memory_equal(v, "new", 3);
		assert_int_equal(store_get(rt, DB_SITES, "k2", 2, &v, &vlen), 0);
		store_read_end(r);
	}
	/* Freeing a reader with its transaction still open ends it. */
	assert_int_equal(store_read_begin(r, &rt), 0);
	store_reader_free(r);
	assert_int_equal(store_write_begin(f->s, &wt), 0);
	put_ok(wt, DB_SITES, "k3", "x");
	commit_ok(wt);
	assert_int_equal(store_grow(f->s), 0);	/* would wait forever on a leaked reader */
}

static void test_stats(void **state)
{
	struct fix *f = *state;
	f->s = open_ok(f->dir, 4 * MiB);
	struct store_stats before, st;
	stats(f->s, &before);

	struct store_txn *t;
	assert_int_equal(store_write_begin(f->s, &t), 0);
	put_ok(t, DB_SITES, "s1", "a");
	put_ok(t, DB_SITES, "s2", "b");
	put_ok(t, DB_SITES, "s3", "c");
	put_ok(t, DB_PRODUCTS, "p1", "d");
	put_ok(t, DB_PRODUCTS, "p2", "e");
	put_ok(t, DB_SITE_NUMS, "n1", "s1");
	/* store_stat works inside a write transaction and counts its writes. */
	assert_int_equal(store_stat(t, &st), 0);
	assert_int_equal(st.entries[DB_SITES], 3);
	commit_ok(t);

	stats(f->s, &st);
	assert_int_equal(st.entries[DB_META], 1);
	assert_int_equal(st.entries[DB_SITES], 3);
	assert_int_equal(st.entries[DB_PRODUCTS], 2);
	assert_int_equal(st.entries[DB_SITE_NUMS], 1);
	assert_int_equal(st.entries[DB_PRODUCT_NUMS], 0);
	assert_int_equal(st.last_txn, before.last_txn + 1);
	assert_true(st.page_size >= 512 && (st.page_size & (st.page_size - 1)) == 0);
	assert_true(st.map_used > 0 && st.map_used <= st.map_size);
	assert_int_equal(st.map_size, 4 * MiB);
	assert_true(st.readers_max >= 4);
	assert_int_equal(st.grows, 0);

	assert_int_equal(store_write_begin(f->s, &t), 0);
	assert_int_equal(store_del(t, DB_SITES, "s2", 2), 0);
	commit_ok(t);
	stats(f->s, &st);
	assert_int_equal(st.entries[DB_SITES], 2);
}

static void test_names_and_errors(void **state)
{
	(void)state;
	for (int i = 0; i < DB__COUNT; i++) {
		const char *n = store_db_name((enum store_db)i);
		assert_non_null(n);
		assert_true(n[0] != '\0');
		for (int j = 0; j < i; j++)
			assert_string_not_equal(n, store_db_name((enum store_db)j));
	}
	assert_string_equal(store_db_name(DB_META), "meta");
	assert_true(strlen(store_strerror(STORE_NOTFOUND)) > 0);
	assert_true(strlen(store_strerror(STORE_MAP_FULL)) > 0);
	assert_string_not_equal(store_strerror(STORE_NOTFOUND), store_strerror(STORE_MAP_FULL));
	assert_string_equal(store_strerror(ENOENT), strerror(ENOENT));
}

/* ------------------------------------------------------------ map growth */

#define VAL_SIZE 3000
#define BATCH 16

/* Put batch b (BATCH keys of VAL_SIZE bytes) in one transaction.  Returns
 * 0 when committed, or the failing code with the transaction aborted. */
static int put_batch(struct store *s, int b)
{
	static char val[VAL_SIZE];
	struct store_txn *t;
	int rc = store_write_begin(s, &t);
	if (rc)
		return rc;
	for (int i = 0; i < BATCH; i++) {
		char key[32];
		int klen = snprintf(key, sizeof key, "key-%04d-%02d", b, i);
		memset(val, 'a' + (b + i) % 26, sizeof val);
		rc = store_put(t, DB_SITES, key, (size_t)klen, val, sizeof val);
		if (rc) {
			store_write_abort(t);
			return rc;
		}
	}
	return store_write_commit(t);
}

/* Fill a 1 MiB map until a put fails with STORE_MAP_FULL, grow, retry.
 * Returns the number of batches committed. */
static int fill_and_grow(struct store *s)
{
	int b, rc = 0;
	for (b = 0; b < 1000; b++)
		if ((rc = put_batch(s, b)) != 0)
			break;
	expect(rc == STORE_MAP_FULL, "batch %d: %s, want STORE_MAP_FULL", b,
	       rc ? store_strerror(rc) : "no error after 1000 batches");
	assert_true(b > 0);

	struct store_stats st;
	stats(s, &st);
	assert_int_equal(st.map_size, MiB);
	assert_int_equal(store_grow(s), 0);
	stats(s, &st);
	assert_int_equal(st.map_size, 2 * MiB);
	assert_int_equal(st.grows, 1);

	rc = put_batch(s, b);
	expect(rc == 0, "retry after growing: %s", store_strerror(rc));
	return b + 1;
}

static void check_batches(struct store *s, int n)
{
	struct store_stats st;
	stats(s, &st);
	assert_int_equal(st.entries[DB_SITES], (uint64_t)n * BATCH);
	for (int b = 0; b < n; b++) {
		char key[32];
		size_t vlen = 0;
		int klen = snprintf(key, sizeof key, "key-%04d-%02d", b, BATCH - 1);
		char *v = read_value(s, DB_SITES, key, (size_t)klen, &vlen);
		expect(v != NULL, "%s missing", key);
		assert_int_equal(vlen, VAL_SIZE);
		assert_int_equal(v[0], 'a' + (b + BATCH - 1) % 26);
		free(v);
	}
}

static void test_map_full_grow_retry(void **state)
{
	struct fix *f = *state;
	f->s = open_ok(f->dir, MiB);
	int n = fill_and_grow(f->s);
	check_batches(f->s, n);
	/* Room to keep writing after the growth. */
	assert_int_equal(put_batch(f->s, n), 0);
	check_batches(f->s, n + 1);
}

/* "an existing larger map wins": after a growth, reopening with the
 * configured (smaller) map size keeps the grown size. */
static void test_map_size_kept_after_reopen(void **state)
{
	struct fix *f = *state;
	f->s = open_ok(f->dir, MiB);
	int n = fill_and_grow(f->s);
	store_close(f->s);
	f->s = NULL;

	f->s = open_ok(f->dir, MiB);
	struct store_stats st;
	stats(f->s, &st);
	expect(st.map_size >= 2 * MiB,
	       "map size after reopen is %llu bytes; it was grown to %llu",
	       (unsigned long long)st.map_size, (unsigned long long)(2 * MiB));
	check_batches(f->s, n);
	int rc = put_batch(f->s, n);
	expect(rc == 0, "write after reopen: %s", store_strerror(rc));
}

/* A configured size larger than the existing map wins too. */
static void test_map_size_larger_config_wins(void **state)
{
	struct fix *f = *state;
	f->s = open_ok(f->dir, 2 * MiB);
	store_close(f->s);
	f->s = open_ok(f->dir, 8 * MiB);
	struct store_stats st;
	stats(f->s, &st);
	assert_int_equal(st.map_size, 8 * MiB);
}

/* ---------------------------------------------------------------- warming */

/* Bytes of the data.mdb mapping in this process's page tables (smaps Rss). */
static uint64_t map_rss(const char *dir)
{
	char real[PATH_MAX], want[PATH_MAX + 16], line[PATH_MAX + 128];
	assert_non_null(realpath(dir, real));
	snprintf(want, sizeof want, "%s/data.mdb", real);
	FILE *fp = fopen("/proc/self/smaps", "r");
	assert_non_null(fp);
	bool in = false;
	uint64_t rss = 0, kb;
	while (fgets(line, sizeof line, fp)) {
		size_t n = strcspn(line, "\n");
		line[n] = '\0';
		uintptr_t lo, hi;
		if (sscanf(line, "%" SCNxPTR "-%" SCNxPTR " ", &lo, &hi) == 2)	/* a mapping */
			in = n >= strlen(want) && strcmp(line + n - strlen(want), want) == 0;
		else if (in && sscanf(line, "Rss: %" SCNu64 " kB", &kb) == 1)
			rss += kb * 1024;
	}
	fclose(fp);
	return rss;
}

/* 4,000 sites of 400-byte values of fill (v: the value), in a store
 * then closed: about 2 MB of pages for the warming tests. */
static void write_sites_and_close(struct fix *f, char fill, char v[400])
{
	f->s = open_ok(f->dir, 16 * MiB);
	struct store_txn *t;
	assert_int_equal(store_write_begin(f->s, &t), 0);
	char k[16];
	memset(v, fill, 399);
	v[399] = '\0';
	for (int i = 0; i < 4000; i++) {
		snprintf(k, sizeof k, "K%07d", i);
		put_ok(t, DB_SITES, k, v);
	}
	commit_ok(t);
	store_close(f->s);
}

static void test_warm_maps_the_pages_in_memory(void **state)
{
	struct fix *f = *state;
	char v[400];
	write_sites_and_close(f, 'v', v);
	/* Reopened: the pages are in the page cache (just written), but
	 * this process has mapped only the few it read to open. */
	f->s = open_ok(f->dir, 16 * MiB);
	struct store_stats st;
	stats(f->s, &st);
	uint64_t before = map_rss(f->dir);
	expect(before < st.map_used / 4, "%llu of %llu bytes mapped before warming",
	       (unsigned long long)before, (unsigned long long)st.map_used);

	struct store_warm_stats w;
	assert_int_equal(store_warm(f->s, 0, &w), 0);	/* 0: never read in whole */
	assert_int_equal(w.file_bytes, st.map_used);
	assert_false(w.reading_in);
	expect(w.mapped_bytes <= w.file_bytes && w.mapped_bytes >= w.file_bytes / 2,
	       "mapped %llu of %llu bytes", (unsigned long long)w.mapped_bytes,
	       (unsigned long long)w.file_bytes);
	uint64_t after = map_rss(f->dir);
	expect(after >= before + w.mapped_bytes * 9 / 10,
	       "the mapping's Rss went from %llu to %llu bytes; warming said %llu",
	       (unsigned long long)before, (unsigned long long)after,
	       (unsigned long long)w.mapped_bytes);
	check_value(f->s, DB_SITES, "K0003999", v);
}

/* Bytes of path's pages the page cache does not hold. */
static uint64_t bytes_not_in_memory(const char *path)
{
	int fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	struct stat sb;
	assert_int_equal(fstat(fd, &sb), 0);
	size_t page = (size_t)sysconf(_SC_PAGESIZE), pages = ((size_t)sb.st_size + page - 1) / page;
	void *p = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_SHARED, fd, 0);
	assert_true(p != MAP_FAILED);
	unsigned char *vec = malloc(pages);
	assert_non_null(vec);
	assert_int_equal(mincore(p, (size_t)sb.st_size, vec), 0);
	uint64_t out = 0;
	for (size_t i = 0; i < pages; i++)
		out += (vec[i] & 1) ? 0 : page;
	free(vec);
	munmap(p, (size_t)sb.st_size);
	close(fd);
	return out;
}

/* The store in dir, closed, written to the disk and dropped from the page
 * cache; path: its data.mdb. */
static void drop_from_page_cache(const char *dir, char path[PATH_MAX])
{
	snprintf(path, PATH_MAX, "%s/data.mdb", dir);
	int fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(fdatasync(fd), 0);
	assert_int_equal(posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED), 0);
	close(fd);
}

/* A store within the read limit is read in whole: after its pages were
 * dropped from the page cache, warming reads them back from the disk and
 * maps every one.  (On a file system that keeps its pages in memory,
 * tmpfs, nothing is dropped and nothing is read.) */
static void test_warm_reads_a_store_that_fits_in_whole(void **state)
{
	struct fix *f = *state;
	char v[400];
	write_sites_and_close(f, 'w', v);
	char path[PATH_MAX];
	drop_from_page_cache(f->dir, path);

	f->s = open_ok(f->dir, 16 * MiB);
	uint64_t missing = bytes_not_in_memory(path), before = map_rss(f->dir);
	struct store_warm_stats w;
	assert_int_equal(store_warm(f->s, UINT64_MAX, &w), 0);
	expect(missing > 0 ? w.reading_in : !w.reading_in,
	       "%llu bytes not in memory, reading in: %d", (unsigned long long)missing,
	       w.reading_in);
	store_warm_wait(f->s);
	expect(bytes_not_in_memory(path) < 64 * 1024, "%llu bytes still not in memory",
	       (unsigned long long)bytes_not_in_memory(path));
	uint64_t after = map_rss(f->dir);
	expect(after >= before + (w.file_bytes - before) * 9 / 10,
	       "the mapping's Rss went from %llu to %llu bytes of %llu",
	       (unsigned long long)before, (unsigned long long)after,
	       (unsigned long long)w.file_bytes);
	check_value(f->s, DB_SITES, "K0003999", v);
}

/* Major page faults this thread took walking the whole of db; *entries:
 * how many it walked. */
static long walk_faults(struct store *s, enum store_db db, long *entries)
{
	struct store_reader *r = store_reader_new(s);
	struct store_txn *t;
	assert_int_equal(store_read_begin(r, &t), 0);
	struct store_cursor *c;
	assert_int_equal(store_cursor_open(t, db, &c), 0);
	struct rusage ru0, ru1;
	getrusage(RUSAGE_THREAD, &ru0);
	const void *k, *v;
	size_t kl, vl;
	*entries = 0;
	for (int rc = store_cursor_seek(c, "", 0, &k, &kl, &v, &vl); rc == 0;
	     rc = store_cursor_next(c, &k, &kl, &v, &vl))
		++*entries;
	getrusage(RUSAGE_THREAD, &ru1);
	store_cursor_close(c);
	store_read_end(r);
	store_reader_free(r);
	return ru1.ru_majflt - ru0.ru_majflt;
}

/* A store too large to read in whole has the databases a VERIFY reads
 * walked in, and no other: after the page cache dropped the store, codes
 * (keys crowded under two GTINs, as real ones are), units and unit_events
 * are read back, every page of them (a walk of each then reads nothing
 * from the disk), while sites, outside the scan path, is left on the disk.
 * The room given fits the scan path in seven eighths of it, and not the
 * whole store in half. */
static void test_warm_reads_the_scan_path_of_a_larger_store(void **state)
{
	struct fix *f = *state;
	char v[400];
	write_sites_and_close(f, 'x', v);	/* ~2 MB outside the scan path */
	f->s = open_ok(f->dir, 16 * MiB);
	struct store_txn *t;
	assert_int_equal(store_write_begin(f->s, &t), 0);
	char k[64], val[40];
	for (int i = 0; i < 12000; i++) {
		snprintf(k, sizeof k, "010690123456789%d21SN%08d", i % 2, i * 7919 % 100000);
		snprintf(val, sizeof val, "%08d", i);
		put_ok(t, DB_CODES, k, val);
		snprintf(k, sizeof k, "U%08d", i);
		put_ok(t, DB_UNITS, k, "a unit's record, of about forty bytes...");
		uint32_t ev = (uint32_t)i;
		assert_int_equal(store_put_dup(t, DB_UNIT_EVENTS, k, strlen(k), &ev, sizeof ev), 0);
	}
	commit_ok(t);
	store_close(f->s);
	char path[PATH_MAX];
	drop_from_page_cache(f->dir, path);

	f->s = open_ok(f->dir, 16 * MiB);
	uint64_t missing = bytes_not_in_memory(path);
	struct store_warm_stats w;
	uint64_t room = 4 * MiB;
	assert_int_equal(store_warm(f->s, room, &w), 0);
	expect(w.file_bytes > room / 2, "the store (%llu bytes) fits in half of %llu",
	       (unsigned long long)w.file_bytes, (unsigned long long)room);
	if (missing == 0) {	/* tmpfs: nothing was dropped */
		assert_int_equal(w.reading_in, STORE_READ_NONE);
		return;
	}
	assert_int_equal(w.reading_in, STORE_READ_SCAN_PATH);
	assert_string_equal(w.databases, "codes, units, unit_events");
	expect(w.read_bytes > 0 && w.read_bytes <= room - room / 8, "reading %llu bytes in %llu",
	       (unsigned long long)w.read_bytes, (unsigned long long)room);
	store_warm_wait(f->s);
	long n, faults;
	faults = walk_faults(f->s, DB_CODES, &n);
	expect(n == 12000 && faults == 0, "codes: %ld entries, %ld read from the disk", n, faults);
	faults = walk_faults(f->s, DB_UNITS, &n);
	expect(n == 12000 && faults == 0, "units: %ld entries, %ld read from the disk", n, faults);
	faults = walk_faults(f->s, DB_UNIT_EVENTS, &n);
	expect(n == 12000 && faults == 0, "unit_events: %ld entries, %ld read from the disk", n,
	       faults);
	faults = walk_faults(f->s, DB_SITES, &n);
	expect(n == 4000 && faults > 100, "sites: %ld entries, %ld read from the disk", n, faults);
}

/* The room is what memory is available, never more. */
static void test_memory_room_is_the_memory_available(void **state)
{
	(void)state;
	FILE *fp = fopen("/proc/meminfo", "r");
	assert_non_null(fp);
	char line[256];
	unsigned long long kb = 0;
	while (fgets(line, sizeof line, fp))
		if (sscanf(line, "MemAvailable: %llu kB", &kb) == 1)
			break;
	fclose(fp);
	assert_true(kb > 0);
	uint64_t room = store_memory_room();
	expect(room > 0 && room <= kb * 1024 + (64 << 20),
	       "room %llu with %llu kB available", (unsigned long long)room, kb);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_open_fresh),
		T(test_reopen_keeps_data),
		T(test_second_open_in_use),
		T(test_schema_mismatch),
		T(test_schema_wrong_size),
		T(test_schema_4_empty_upgraded),
		T(test_schema_4_with_data_upgraded),
		T(test_read_only),
		T(test_open_bad_dir),
		T(test_put_get_del),
		T(test_put_dups),
		T(test_reader_cursors_follow_snapshots),
		T(test_may_hold),
		T(test_last_and_append_room),
		T(test_next_id),
		T(test_reader_snapshot),
		T(test_stats),
		cmocka_unit_test(test_names_and_errors),
		T(test_map_full_grow_retry),
		T(test_map_size_kept_after_reopen),
		T(test_map_size_larger_config_wins),
		T(test_warm_maps_the_pages_in_memory),
		T(test_warm_reads_a_store_that_fits_in_whole),
		T(test_warm_reads_the_scan_path_of_a_larger_store),
		cmocka_unit_test(test_memory_room_is_the_memory_available),
	};
#undef T
	return cmocka_run_group_tests_name("store", tests, NULL, NULL);
}
