/*
 * test_mcache — daemon/mcache.c with the store's transaction tags: a copy
 * is used only while nothing it was read from has changed.
 *
 * Each case names the change that must show: a lot recalled, a product
 * renamed or withdrawn, a site renamed; a writer that reads its own
 * uncommitted change, then aborts it; a read transaction on the writer's
 * thread that must not see the writer's uncommitted copy.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eventlog.h"
#include "log.h"
#include "lots.h"
#include "master.h"
#include "mcache.h"
#include "product_state.h"
#include "store.h"

#define expect(cond, ...) do { if (!(cond)) fail_msg(__VA_ARGS__); } while (0)

struct env {
	char tmp[64];
	struct store *s;
	struct store_reader *r;
	uint32_t product, lot, site;
};

static int unlink_cb(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb, (void)flag, (void)ftw;
	return remove(path);
}

static struct store_txn *wbegin(struct env *e)
{
	struct store_txn *t;
	assert_int_equal(store_write_begin(e->s, &t), 0);
	return t;
}

static struct store_txn *rbegin(struct env *e)
{
	struct store_txn *t;
	assert_int_equal(store_read_begin(e->r, &t), 0);
	return t;
}

static void set_master(struct store_txn *t, const struct master_kind *k, const char *id,
		       const char *name, uint32_t *num)
{
	struct master_rec rec;
	int rc = master_load(t, k, id, &rec);
	assert_true(rc == 0 || rc == STORE_NOTFOUND);
	rec.val[0] = name;
	rec.len[0] = strlen(name);
	assert_int_equal(master_store(t, k, id, &rec), 0);
	*num = rec.num;
}

static void set_lot_status(struct store_txn *t, struct env *e, uint8_t status)
{
	struct lot l;
	assert_int_equal(lots_get(t, e->lot, &l), 0);
	l.status = status;
	l.recall_level = status ? 1 : 0;
	assert_int_equal(lots_put(t, &l), 0);
}

/* A store with one site, one product and one of its lots (L1, normal). */
static int env_up(void **state)
{
	struct env *e = calloc(1, sizeof *e);
	if (e == NULL)
		return -1;
	snprintf(e->tmp, sizeof e->tmp, "/tmp/yima-test-mcache-XXXXXX");
	if (mkdtemp(e->tmp) == NULL) {
		free(e);
		return -1;
	}
	char dir[96], err[256] = "";
	snprintf(dir, sizeof dir, "%s/data", e->tmp);
	struct store_options o = { .dir = dir, .map_size = (uint64_t)8 << 20, .max_readers = 4 };
	log_set_level(LOG_WARN);
	expect(store_open(&e->s, &o, err, sizeof err) == 0, "store_open: %s", err);
	e->r = store_reader_new(e->s);
	struct store_txn *t = wbegin(e);
	set_master(t, &master_site, "PH1", "Pharmacy one", &e->site);
	set_master(t, &master_product, "8301234", "Amoxicillin", &e->product);
	struct lot l = { .product = e->product, .expiry = 20271231, .name_len = 2 };
	memcpy(l.name, "L1", 2);
	assert_int_equal(lots_put(t, &l), 0);
	e->lot = l.num;
	assert_int_equal(store_write_commit(t), 0);
	*state = e;
	return 0;
}

static int env_down(void **state)
{
	struct env *e = *state;
	store_reader_free(e->r);
	store_close(e->s);
	int rc = nftw(e->tmp, unlink_cb, 8, FTW_DEPTH | FTW_PHYS);
	free(e);
	return rc;
}

/* The lot's status and product name as a fresh read transaction sees them
 * through the cache (twice: the second answer comes from the copy). */
static void read_lot(struct env *e, uint8_t *status, char *name, bool *withdrawn)
{
	for (int i = 0; i < 2; i++) {
		struct store_txn *t = rbegin(e);
		const struct mcache_lot *ml;
		assert_int_equal(mcache_lot(t, e->lot, &ml), 0);
		assert_true(ml->has_product);
		*status = ml->lot.status;
		*withdrawn = ml->withdrawn;
		strcpy(name, ml->product_name);
		store_read_end(e->r);
	}
}

static void test_copies_follow_every_committed_change(void **state)
{
	struct env *e = *state;
	uint8_t status;
	char name[MCACHE_NAME_MAX + 1];
	bool withdrawn;
	uint64_t h0, m0, h1, m1;

	mcache_counts(&h0, &m0);
	read_lot(e, &status, name, &withdrawn);
	mcache_counts(&h1, &m1);
	assert_int_equal(status, LOT_NORMAL);
	assert_string_equal(name, "Amoxicillin");
	assert_false(withdrawn);
	expect(h1 - h0 >= 1 && m1 - m0 == 1, "one miss, then a hit: %llu hits %llu misses",
	       (unsigned long long)(h1 - h0), (unsigned long long)(m1 - m0));

	/* A write to an unversioned database (a unit's event) keeps copies. */
	struct store_txn *t = wbegin(e);
	struct event ev = { .kind = EV_SHIP, .time_ms = 1000, .site = e->site, .count = 1 };
	assert_int_equal(events_add(t, &ev, 0), 0);
	assert_int_equal(store_write_commit(t), 0);
	mcache_counts(&h0, &m0);
	read_lot(e, &status, name, &withdrawn);
	mcache_counts(&h1, &m1);
	expect(m1 == m0, "an event append dropped the cached lot");

	/* RECALL: the next read transaction sees it. */
	t = wbegin(e);
	set_lot_status(t, e, LOT_RECALLED);
	assert_int_equal(store_write_commit(t), 0);
	read_lot(e, &status, name, &withdrawn);
	assert_int_equal(status, LOT_RECALLED);

	/* PRODUCT SET renames, WITHDRAW withdraws. */
	t = wbegin(e);
	uint32_t num;
	set_master(t, &master_product, "8301234", "Amoxicillin 250mg", &num);
	assert_int_equal(store_write_commit(t), 0);
	read_lot(e, &status, name, &withdrawn);
	assert_string_equal(name, "Amoxicillin 250mg");
	t = wbegin(e);
	assert_int_equal(products_set_withdrawn(t, e->product, 7), 0);
	assert_int_equal(store_write_commit(t), 0);
	read_lot(e, &status, name, &withdrawn);
	assert_true(withdrawn);

	/* A site renumbered to another id (SITE_NUMS rewritten). */
	struct store_txn *r = rbegin(e);
	const char *id;
	assert_int_equal(mcache_site(r, e->site, &id), 0);
	assert_string_equal(id, "PH1");
	assert_int_equal(mcache_site(r, e->site + 100, &id), STORE_NOTFOUND);
	assert_int_equal(mcache_site(r, 0, &id), 0);
	assert_string_equal(id, "");
	store_read_end(e->r);
	t = wbegin(e);
	uint8_t k[4] = { 0, 0, 0, (uint8_t)e->site };
	assert_int_equal(store_put(t, DB_SITE_NUMS, k, 4, "PH9", 3), 0);
	assert_int_equal(store_write_commit(t), 0);
	r = rbegin(e);
	assert_int_equal(mcache_site(r, e->site, &id), 0);
	assert_string_equal(id, "PH9");
	store_read_end(e->r);
}

/* A read transaction begun before a commit keeps its snapshot and its tag;
 * its copies are not used once the change is committed. */
static void test_tag_is_taken_before_the_snapshot(void **state)
{
	struct env *e = *state;
	struct store_txn *old = rbegin(e);
	uint64_t before = store_txn_tag(old);
	const struct mcache_lot *ml;
	assert_int_equal(mcache_lot(old, e->lot, &ml), 0);

	struct store_txn *t = wbegin(e);
	set_lot_status(t, e, LOT_RECALLED);
	assert_int_equal(store_write_commit(t), 0);

	/* The old snapshot still reads the lot as it was, from the copy. */
	assert_int_equal(mcache_lot(old, e->lot, &ml), 0);
	assert_int_equal(ml->lot.status, LOT_NORMAL);
	store_read_end(e->r);

	struct store_txn *now = rbegin(e);
	expect(store_txn_tag(now) != before, "the tag did not move after a recall");
	assert_int_equal(mcache_lot(now, e->lot, &ml), 0);
	assert_int_equal(ml->lot.status, LOT_RECALLED);
	store_read_end(e->r);
}

/* The writer sees its own uncommitted change at once, forgets it when the
 * transaction aborts, and a reader on the same thread never sees it. */
static void test_writer_copies_and_aborts(void **state)
{
	struct env *e = *state;
	const struct mcache_lot *ml;
	struct store_txn *t = wbegin(e);
	assert_int_equal(mcache_lot(t, e->lot, &ml), 0);
	assert_int_equal(ml->lot.status, LOT_NORMAL);
	set_lot_status(t, e, LOT_RECALLED);
	assert_int_equal(mcache_lot(t, e->lot, &ml), 0);
	assert_int_equal(ml->lot.status, LOT_RECALLED);

	/* The same thread reads: the committed state, not the writer's. */
	struct store_txn *r = rbegin(e);
	assert_int_equal(mcache_lot(r, e->lot, &ml), 0);
	assert_int_equal(ml->lot.status, LOT_NORMAL);
	store_read_end(e->r);

	/* An event cached inside the transaction is gone with it. */
	struct event ev = { .kind = EV_SHIP, .time_ms = 1000, .site = e->site, .count = 1 };
	assert_int_equal(events_add(t, &ev, 0), 0);
	struct mcache_event me;
	assert_int_equal(mcache_event(t, ev.seq, &me), 0);
	assert_int_equal(me.kind, EV_SHIP);
	store_write_abort(t);

	t = wbegin(e);
	assert_int_equal(mcache_lot(t, e->lot, &ml), 0);
	assert_int_equal(ml->lot.status, LOT_NORMAL);
	struct event ev2 = { .kind = EV_RECEIVE, .time_ms = 2000, .site = e->site, .count = 1 };
	assert_int_equal(events_add(t, &ev2, 0), 0);
	assert_int_equal(ev2.seq, ev.seq);	/* the aborted seq, reused */
	assert_int_equal(mcache_event(t, ev2.seq, &me), 0);
	assert_int_equal(me.kind, EV_RECEIVE);
	assert_int_equal(me.time_ms, 2000);
	assert_int_equal(store_write_commit(t), 0);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, env_up, env_down)
	const struct CMUnitTest tests[] = {
		T(test_copies_follow_every_committed_change),
		T(test_tag_is_taken_before_the_snapshot),
		T(test_writer_copies_and_aborts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
