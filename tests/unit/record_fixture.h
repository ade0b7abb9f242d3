/*
 * record_fixture.h — what the tests of the record modules share.
 *
 * A store of its own for each test: a fresh mkdtemp directory under /tmp
 * (the store in its "data" subdirectory), opened by the setup and removed
 * by the teardown,
 *
 *   cmocka_unit_test_setup_teardown(test_fn, tmp_store_setup, tmp_store_teardown)
 *
 * and the test's *state is a struct tmp_store.  Then a callback that
 * collects what a walk over an index gives, and a check that a read
 * reported a corrupt record.  Include after cmocka.h.
 */
#ifndef YIMA_TEST_RECORD_FIXTURE_H
#define YIMA_TEST_RECORD_FIXTURE_H

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "store.h"

struct tmp_store {
	char base[64];
	struct store *s;
	struct store_reader *r;
};

static inline int tmp_store_rm(const char *path, const struct stat *sb, int flag,
			       struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static inline int tmp_store_setup(void **state)
{
	struct tmp_store *f = calloc(1, sizeof *f);
	if (f == NULL)
		return -1;
	snprintf(f->base, sizeof f->base, "/tmp/yima-test-records-XXXXXX");
	if (mkdtemp(f->base) == NULL) {
		free(f);
		return -1;
	}
	char dir[96], err[512] = "";
	snprintf(dir, sizeof dir, "%s/data", f->base);
	struct store_options o = { .dir = dir, .map_size = (uint64_t)8 << 20, .max_readers = 4 };
	if (store_open(&f->s, &o, err, sizeof err) != 0) {
		fprintf(stderr, "store_open(%s): %s\n", dir, err);
		nftw(f->base, tmp_store_rm, 16, FTW_DEPTH | FTW_PHYS);
		free(f);
		return -1;
	}
	f->r = store_reader_new(f->s);
	log_set_level(LOG_WARN);
	*state = f;
	return 0;
}

static inline int tmp_store_teardown(void **state)
{
	struct tmp_store *f = *state;
	store_reader_free(f->r);
	store_close(f->s);
	int rc = nftw(f->base, tmp_store_rm, 16, FTW_DEPTH | FTW_PHYS);
	free(f);
	return rc;
}

/* A write transaction, and a read transaction (one at a time: end it with
 * store_read_end(f->r)). */
static inline struct store_txn *tmp_store_write(struct tmp_store *f)
{
	struct store_txn *t = NULL;
	assert_int_equal(store_write_begin(f->s, &t), 0);
	return t;
}

static inline struct store_txn *tmp_store_read(struct tmp_store *f)
{
	struct store_txn *t = NULL;
	assert_int_equal(store_read_begin(f->r, &t), 0);
	return t;
}

/* What a walk gave (the first 16), for walk_collect: the walk is stopped
 * (the callback returns 42) at the stop_at-th value, if stop_at is set. */
struct walk {
	size_t n, stop_at;
	uint64_t seen[16];
};

static inline int walk_collect(void *arg, uint64_t v)
{
	struct walk *w = arg;
	if (w->n < 16)
		w->seen[w->n] = v;
	return ++w->n == w->stop_at ? 42 : 0;
}

/* rc must be STORE_CORRUPT, and its text say `what` (a database and key,
 * or why). */
static inline void expect_corrupt(int rc, const char *what)
{
	if (rc != STORE_CORRUPT)
		fail_msg("got %d (%s), want a corrupt record: %s", rc, store_strerror(rc), what);
	if (strstr(store_strerror(rc), what) == NULL)
		fail_msg("\"%s\" does not say \"%s\"", store_strerror(rc), what);
}

#endif
