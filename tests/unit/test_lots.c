/*
 * test_lots — daemon/lots.c: lot records (numbers handed out once, found
 * by product and name or by number, the bytes STORE.md gives), each lot's
 * recalls and lifts in order, and damaged records reported as corrupt.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "lots.h"
#include "record_fixture.h"
#include "store.h"

#define expect(cond, ...) do { if (!(cond)) fail_msg(__VA_ARGS__); } while (0)

static struct lot new_lot(uint32_t product, const char *name, uint32_t expiry)
{
	struct lot l = { .product = product, .expiry = expiry, .name_len = strlen(name) };
	memcpy(l.name, name, l.name_len);
	return l;
}

static void same_lot(const struct lot *a, const struct lot *b)
{
	assert_int_equal(a->num, b->num);
	assert_int_equal(a->product, b->product);
	assert_int_equal(a->expiry, b->expiry);
	assert_int_equal(a->status, b->status);
	assert_int_equal(a->recall_level, b->recall_level);
	assert_int_equal(a->recall_seq, b->recall_seq);
	assert_int_equal(a->name_len, b->name_len);
	assert_memory_equal(a->name, b->name, a->name_len);
}

static void test_put_find_get(void **state)
{
	struct tmp_store *f = *state;
	struct lot a = new_lot(3, "L1", 20271231), b = new_lot(3, "L2", 0),
		   c = new_lot(4, "L1", 20280101), got;
	struct store_txn *t = tmp_store_write(f);
	assert_int_equal(lots_find(t, 3, "L1", 2, &got), STORE_NOTFOUND);
	assert_int_equal(lots_put(t, &a), 0);
	assert_int_equal(lots_put(t, &b), 0);
	assert_int_equal(lots_put(t, &c), 0);
	assert_int_equal(a.num, 1);
	assert_int_equal(b.num, 2);
	assert_int_equal(c.num, 3);
	assert_int_equal(store_write_commit(t), 0);

	t = tmp_store_write(f);
	assert_int_equal(lots_find(t, 3, "L1", 2, &got), 0);
	same_lot(&got, &a);
	assert_int_equal(lots_find(t, 4, "L1", 2, &got), 0);	/* same name, other product */
	same_lot(&got, &c);
	assert_int_equal(lots_get(t, 2, &got), 0);
	same_lot(&got, &b);
	assert_int_equal(lots_get(t, 4, &got), STORE_NOTFOUND);
	assert_int_equal(lots_find(t, 3, "L3", 2, &got), STORE_NOTFOUND);
	char long_name[CODE_SERIAL_MAX];
	memset(long_name, 'n', sizeof long_name);
	assert_int_equal(lots_find(t, 3, long_name, sizeof long_name, &got), STORE_NOTFOUND);

	/* An update keeps the number; no new one is handed out. */
	a.status = LOT_RECALLED;
	a.recall_level = 2;
	a.recall_seq = 77;
	assert_int_equal(lots_put(t, &a), 0);
	assert_int_equal(a.num, 1);
	assert_int_equal(lots_get(t, 1, &got), 0);
	same_lot(&got, &a);
	struct lot d = new_lot(5, "X", 0);
	assert_int_equal(lots_put(t, &d), 0);
	assert_int_equal(d.num, 4);
	store_write_abort(t);
}

static void test_layout(void **state)
{
	struct tmp_store *f = *state;
	struct lot l = new_lot(0x01020304, "AB", 20271231);
	l.status = LOT_RECALLED;
	l.recall_level = 3;
	l.recall_seq = 0x0a0b0c0d0e0full;
	struct store_txn *t = tmp_store_write(f);
	assert_int_equal(lots_put(t, &l), 0);
	const void *v;
	size_t n;
	static const uint8_t key[] = { 1, 2, 3, 4, 'A', 'B' };
	static const uint8_t rec[] = { 1, 0, 0, 0, 1, 0x01, 0x35, 0x50, 0x7f, 1, 3,
				       0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f };	/* 20271231 */
	assert_int_equal(store_get(t, DB_LOTS, key, sizeof key, &v, &n), 0);
	assert_int_equal(n, sizeof rec);
	assert_memory_equal(v, rec, sizeof rec);
	static const uint8_t num[] = { 0, 0, 0, 1 };
	assert_int_equal(store_get(t, DB_LOT_NUMS, num, sizeof num, &v, &n), 0);
	assert_int_equal(n, sizeof key);
	assert_memory_equal(v, key, sizeof key);
	store_write_abort(t);
}

static void test_lot_events(void **state)
{
	struct tmp_store *f = *state;
	struct walk got = { 0 };
	struct store_txn *t = tmp_store_write(f);
	assert_int_equal(lots_events(t, 1, walk_collect, &got), 0);
	assert_int_equal(got.n, 0);
	assert_int_equal(lots_index_event(t, 1, 90), 0);
	assert_int_equal(lots_index_event(t, 1, 0x0100000000ull), 0);	/* past 32 bits */
	assert_int_equal(lots_index_event(t, 1, 12), 0);
	assert_int_equal(lots_index_event(t, 1, 12), 0);		/* once */
	assert_int_equal(lots_index_event(t, 2, 50), 0);
	assert_int_equal(lots_events(t, 1, walk_collect, &got), 0);
	assert_int_equal(got.n, 3);
	assert_int_equal(got.seen[0], 12);
	assert_int_equal(got.seen[1], 90);
	assert_int_equal(got.seen[2], 0x0100000000ull);
	/* fn's nonzero stops the walk and is returned. */
	got = (struct walk){ .stop_at = 2 };
	assert_int_equal(lots_events(t, 1, walk_collect, &got), 42);
	assert_int_equal(got.n, 2);
	got = (struct walk){ 0 };
	assert_int_equal(lots_events(t, 2, walk_collect, &got), 0);
	assert_int_equal(got.n, 1);
	assert_int_equal(got.seen[0], 50);
	store_write_abort(t);
}

static void test_damage_is_corrupt(void **state)
{
	struct tmp_store *f = *state;
	struct lot l = new_lot(3, "L1", 20271231), got;
	struct store_txn *t = tmp_store_write(f);
	assert_int_equal(lots_put(t, &l), 0);
	static const uint8_t key[] = { 0, 0, 0, 3, 'L', '1' };
	const void *v;
	size_t n;
	uint8_t rec[18];
	assert_int_equal(store_get(t, DB_LOTS, key, sizeof key, &v, &n), 0);
	assert_int_equal(n, 17);
	memcpy(rec, v, n);

	/* One byte short, one too many, another format. */
	assert_int_equal(store_put(t, DB_LOTS, key, sizeof key, rec, 16), 0);
	expect_corrupt(lots_find(t, 3, "L1", 2, &got), "lots");
	expect_corrupt(lots_get(t, 1, &got), "lots");
	rec[17] = 0;
	assert_int_equal(store_put(t, DB_LOTS, key, sizeof key, rec, 18), 0);
	expect_corrupt(lots_find(t, 3, "L1", 2, &got), "lots");
	rec[0] = 2;
	assert_int_equal(store_put(t, DB_LOTS, key, sizeof key, rec, 17), 0);
	expect_corrupt(lots_find(t, 3, "L1", 2, &got), "lots");

	/* A number mapped to no product and name. */
	static const uint8_t num[] = { 0, 0, 0, 1 };
	assert_int_equal(store_put(t, DB_LOT_NUMS, num, sizeof num, key, 4), 0);
	expect_corrupt(lots_get(t, 1, &got), "lot_nums");

	/* A recall listed in another width than a seq's. */
	static const uint8_t lot[] = { 0, 0, 0, 9 }, five[] = { 0, 0, 0, 0, 1 };
	assert_int_equal(store_put_dup(t, DB_LOT_EVENTS, lot, sizeof lot, five, sizeof five), 0);
	struct walk seen = { 0 };
	expect_corrupt(lots_events(t, 9, walk_collect, &seen), "lot_events");
	assert_int_equal(seen.n, 0);
	store_write_abort(t);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, tmp_store_setup, tmp_store_teardown)
	const struct CMUnitTest tests[] = {
		T(test_put_find_get),
		T(test_layout),
		T(test_lot_events),
		T(test_damage_is_corrupt),
	};
#undef T
	return cmocka_run_group_tests_name("lots", tests, NULL, NULL);
}
