/*
 * test_units — daemon/units.c: unit records (round trip, the bytes
 * STORE.md gives, records written before the reserved fields), the code,
 * lot and container indexes, where a packed unit is, and damaged records
 * reported as corrupt.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "record_fixture.h"
#include "store.h"
#include "units.h"

#define expect(cond, ...) do { if (!(cond)) fail_msg(__VA_ARGS__); } while (0)

/* A CN 20-digit code's key: type byte and 9 bytes. */
static struct unit unit_of(uint64_t id, uint8_t level, uint32_t lot, uint32_t holder)
{
	struct unit u = { .id = id, .level = level, .status = UNIT_ACTIVE, .lot = lot,
			  .holder = holder, .commission_seq = 100 + id, .key_len = 10 };
	u.key[0] = CODE_KEY_CN20;
	for (int i = 1; i < 10; i++)
		u.key[i] = (uint8_t)(id * 7 + (uint64_t)i);
	return u;
}

static void same_unit(const struct unit *a, const struct unit *b)
{
	assert_int_equal(a->id, b->id);
	assert_int_equal(a->level, b->level);
	assert_int_equal(a->status, b->status);
	assert_int_equal(a->flags, b->flags);
	assert_int_equal(a->lot, b->lot);
	assert_int_equal(a->holder, b->holder);
	assert_int_equal(a->dest, b->dest);
	assert_int_equal(a->dispensed, b->dispensed);
	assert_int_equal(a->quantity, b->quantity);
	assert_int_equal(a->parent, b->parent);
	assert_int_equal(a->commission_seq, b->commission_seq);
	assert_int_equal(a->last_seq ? a->last_seq : a->commission_seq, b->last_seq);
	assert_int_equal(a->key_len, b->key_len);
	assert_memory_equal(a->key, b->key, a->key_len);
}

static void test_add_find_put(void **state)
{
	struct tmp_store *f = *state;
	struct unit a = unit_of(1, 1, 3, 2), b = unit_of(2, 3, 0, 2), got;
	b.quantity = 40;
	struct store_txn *t = tmp_store_write(f);
	assert_int_equal(units_find(t, a.key, a.key_len, &got), STORE_NOTFOUND);
	assert_int_equal(units_add(t, &a), 0);
	assert_int_equal(units_add(t, &b), 0);
	assert_int_equal(store_write_commit(t), 0);

	t = tmp_store_write(f);
	assert_int_equal(units_find(t, a.key, a.key_len, &got), 0);
	same_unit(&a, &got);
	assert_int_equal(units_get(t, 2, &got), 0);
	same_unit(&b, &got);
	assert_int_equal(units_get(t, 3, &got), STORE_NOTFOUND);

	/* Every field changed, and read back. */
	a.status = UNIT_IN_TRANSIT;
	a.flags = UNIT_F_LOCKED | UNIT_F_RETURNING | UNIT_F_DIVERTED | UNIT_F_LAST_UNINDEXED;
	a.dest = 0xfedcba98;
	a.dispensed = 5;
	a.parent = 0xff00000002ull;
	a.last_seq = 0xffffffffffffull;
	assert_int_equal(units_put(t, &a), 0);
	assert_int_equal(units_find(t, a.key, a.key_len, &got), 0);
	same_unit(&a, &got);
	/* The longest key there is. */
	struct unit c = unit_of(3, 1, 3, 2);
	c.key_len = CODE_KEY_MAX;
	memset(c.key + 1, 0xee, CODE_KEY_MAX - 1);
	assert_int_equal(units_add(t, &c), 0);
	assert_int_equal(units_find(t, c.key, c.key_len, &got), 0);
	same_unit(&c, &got);
	store_write_abort(t);
}

/* The bytes of a unit record and its code's entry (STORE.md): the
 * optional fields a unit's events fill in are always written. */
static void test_layout(void **state)
{
	struct tmp_store *f = *state;
	struct unit u = unit_of(0x0102030405ull, 2, 0x0a0b0c0d, 7);
	u.commission_seq = 0x0a0b0c0d0e0full;
	struct store_txn *t = tmp_store_write(f);
	assert_int_equal(units_add(t, &u), 0);
	static const uint8_t id[] = { 1, 2, 3, 4, 5 };
	static const uint8_t head[] = {
		0x12, UNIT_ACTIVE, 0, 1 | 2 | 4 | 16,
		0x0a, 0x0b, 0x0c, 0x0d,			/* lot */
		0, 0, 0, 7,				/* holder */
		0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,	/* commission seq */
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,	/* parent, dest, dispensed */
		0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,	/* last seq: the commissioning */
	};
	const void *v;
	size_t n;
	assert_int_equal(store_get(t, DB_UNITS, id, sizeof id, &v, &n), 0);
	assert_int_equal(n, sizeof head + u.key_len);
	assert_memory_equal(v, head, sizeof head);
	assert_memory_equal((const uint8_t *)v + sizeof head, u.key, u.key_len);
	assert_int_equal(store_get(t, DB_CODES, u.key, u.key_len, &v, &n), 0);
	assert_int_equal(n, sizeof id);
	assert_memory_equal(v, id, sizeof id);

	/* A quantity adds its field before the last seq. */
	u.quantity = 0x11223344;
	assert_int_equal(units_put(t, &u), 0);
	assert_int_equal(store_get(t, DB_UNITS, id, sizeof id, &v, &n), 0);
	assert_int_equal(n, sizeof head + 4 + u.key_len);
	assert_int_equal(((const uint8_t *)v)[3], 1 | 2 | 4 | 8 | 16);
	static const uint8_t qty[] = { 0x11, 0x22, 0x33, 0x44 };
	assert_memory_equal((const uint8_t *)v + 31, qty, 4);
	store_write_abort(t);
}

/* A record written without the optional fields (older builds) reads. */
static void test_record_without_optional_fields(void **state)
{
	struct tmp_store *f = *state;
	static const uint8_t id[] = { 0, 0, 0, 0, 9 };
	static const uint8_t rec[] = { 0x11, UNIT_DISPENSED, 0, 0, 0, 0, 0, 4, 0, 0, 0, 2,
				       0, 0, 0, 0, 0, 50, CODE_KEY_CN20, 1, 2, 3, 4, 5, 6, 7, 8, 9 };
	struct store_txn *t = tmp_store_write(f);
	assert_int_equal(store_put(t, DB_UNITS, id, sizeof id, rec, sizeof rec), 0);
	struct unit u;
	assert_int_equal(units_get(t, 9, &u), 0);
	assert_int_equal(u.level, 1);
	assert_int_equal(u.status, UNIT_DISPENSED);
	assert_int_equal(u.lot, 4);
	assert_int_equal(u.holder, 2);
	assert_int_equal(u.commission_seq, 50);
	assert_int_equal(u.last_seq, 50);
	assert_int_equal(u.parent, 0);
	assert_int_equal(u.key_len, 10);
	assert_memory_equal(u.key, rec + 18, 10);
	store_write_abort(t);
}

static void test_lot_index(void **state)
{
	struct tmp_store *f = *state;
	struct walk got = { 0 };
	struct store_txn *t = tmp_store_write(f);
	assert_int_equal(units_of_lot(t, 3, 0, walk_collect, &got), 0);
	assert_int_equal(got.n, 0);
	assert_int_equal(units_lot_add_range(t, 3, 10, 5), 0);		/* 10 .. 14 */
	assert_int_equal(units_lot_add_range(t, 3, 0x0100000000ull, 2), 0);
	assert_int_equal(units_lot_add_range(t, 4, 20, 0), 0);		/* nothing */
	assert_int_equal(units_lot_add(t, 3, 2), 0);
	assert_int_equal(units_lot_add(t, 3, 12), 0);			/* once */
	assert_int_equal(units_lot_add(t, 4, 15), 0);
	assert_int_equal(units_of_lot(t, 3, 0, walk_collect, &got), 0);
	static const uint64_t all[] = { 2, 10, 11, 12, 13, 14, 0x0100000000ull,
					0x0100000001ull };
	assert_int_equal(got.n, 8);
	for (size_t i = 0; i < 8; i++)
		assert_int_equal(got.seen[i], all[i]);
	/* From an id on; from one between ids. */
	got = (struct walk){ 0 };
	assert_int_equal(units_of_lot(t, 3, 12, walk_collect, &got), 0);
	assert_int_equal(got.n, 5);
	assert_int_equal(got.seen[0], 12);
	got = (struct walk){ 0 };
	assert_int_equal(units_of_lot(t, 3, 15, walk_collect, &got), 0);
	assert_int_equal(got.n, 2);
	assert_int_equal(got.seen[0], 0x0100000000ull);
	/* Stopped by fn. */
	got = (struct walk){ .stop_at = 3 };
	assert_int_equal(units_of_lot(t, 3, 0, walk_collect, &got), 42);
	assert_int_equal(got.n, 3);
	got = (struct walk){ 0 };
	assert_int_equal(units_of_lot(t, 4, 0, walk_collect, &got), 0);
	assert_int_equal(got.n, 1);
	assert_int_equal(got.seen[0], 15);
	store_write_abort(t);
}

static void test_children(void **state)
{
	struct tmp_store *f = *state;
	struct unit kids[4] = { unit_of(5, 1, 3, 2), unit_of(6, 1, 3, 2), unit_of(7, 1, 3, 2),
				unit_of(2, 1, 3, 2) };
	struct walk got = { 0 };
	size_t n = 99;
	struct store_txn *t = tmp_store_write(f);
	assert_int_equal(units_child_count(t, 1, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(units_link_all(t, 1, kids, 3, true), 0);
	/* Not in order, into a container that holds some already. */
	assert_int_equal(units_link_all(t, 1, kids + 3, 1, false), 0);
	assert_int_equal(units_link_all(t, 8, kids, 2, true), 0);
	assert_int_equal(units_child_count(t, 1, &n), 0);
	assert_int_equal(n, 4);
	assert_int_equal(units_children(t, 1, walk_collect, &got), 0);
	assert_int_equal(got.n, 4);
	static const uint64_t want[] = { 2, 5, 6, 7 };
	for (size_t i = 0; i < 4; i++)
		assert_int_equal(got.seen[i], want[i]);
	assert_int_equal(units_unlink(t, 1, 6), 0);
	assert_int_equal(units_child_count(t, 1, &n), 0);
	assert_int_equal(n, 3);
	got = (struct walk){ 0 };
	assert_int_equal(units_children(t, 8, walk_collect, &got), 0);
	assert_int_equal(got.n, 2);
	store_write_abort(t);
}

/* A unit packed in a case on a pallet is where the pallet is. */
static void test_place_follows_containers(void **state)
{
	struct tmp_store *f = *state;
	struct unit pallet = unit_of(1, 4, 0, 2), box = unit_of(2, 3, 0, 2),
		    pack = unit_of(3, 1, 3, 2), loose = unit_of(4, 1, 3, 5);
	pallet.status = UNIT_IN_TRANSIT;
	pallet.dest = 6;
	pallet.flags = UNIT_F_RETURNING;
	box.parent = 1;
	pack.parent = 2;
	struct store_txn *t = tmp_store_write(f);
	assert_int_equal(units_add(t, &pallet), 0);
	assert_int_equal(units_add(t, &box), 0);
	assert_int_equal(units_add(t, &pack), 0);
	assert_int_equal(units_add(t, &loose), 0);
	struct unit_place p;
	assert_int_equal(units_place(t, &pack, &p), 0);
	assert_int_equal(p.status, UNIT_IN_TRANSIT);
	assert_int_equal(p.holder, 2);
	assert_int_equal(p.dest, 6);
	assert_int_equal(p.outer, 1);
	assert_true(p.returning);
	assert_int_equal(units_place(t, &loose, &p), 0);
	assert_int_equal(p.status, UNIT_ACTIVE);
	assert_int_equal(p.holder, 5);
	assert_int_equal(p.outer, 4);
	assert_false(p.returning);
	/* Destroyed inside: it stays destroyed, wherever the pallet goes. */
	pack.status = UNIT_DESTROYED;
	assert_int_equal(units_place(t, &pack, &p), 0);
	assert_int_equal(p.status, UNIT_DESTROYED);
	assert_int_equal(p.dest, 6);
	/* Sold: where it was sold, containers or not. */
	pack.status = UNIT_DISPENSED;
	assert_int_equal(units_place(t, &pack, &p), 0);
	assert_int_equal(p.status, UNIT_DISPENSED);
	assert_int_equal(p.outer, 3);
	/* A parent that is not there is an error, not a place. */
	pack.status = UNIT_ACTIVE;
	pack.parent = 77;
	assert_int_equal(units_place(t, &pack, &p), STORE_NOTFOUND);
	store_write_abort(t);
}

static void test_lot_level_keys(void **state)
{
	(void)state;
	static const uint8_t lgtin[] = { CODE_KEY_LGTIN, 0 }, hibc[] = { CODE_KEY_HIBC_LOT },
			     ma[] = { CODE_KEY_MA_LOT, 1 }, cn20[] = { CODE_KEY_CN20, 1 };
	assert_true(units_lot_level(lgtin, sizeof lgtin));
	assert_true(units_lot_level(hibc, sizeof hibc));
	assert_true(units_lot_level(ma, sizeof ma));
	assert_false(units_lot_level(cn20, sizeof cn20));
	assert_false(units_lot_level(lgtin, 0));
}

static void test_damage_is_corrupt(void **state)
{
	struct tmp_store *f = *state;
	struct unit u = unit_of(1, 1, 3, 2), got;
	struct store_txn *t = tmp_store_write(f);
	assert_int_equal(units_add(t, &u), 0);
	static const uint8_t id[] = { 0, 0, 0, 0, 1 };
	const void *v;
	size_t n;
	uint8_t rec[128];
	assert_int_equal(store_get(t, DB_UNITS, id, sizeof id, &v, &n), 0);
	assert_int_equal(n, 37 + u.key_len);	/* 37: all but the key */
	memcpy(rec, v, n);
	memset(rec + n, 0, sizeof rec - n);
	size_t full = n;

	static const struct {
		size_t len;
		uint8_t byte0, opt;
		const char *why;
	} bad[] = {
		{ 17, 0x11, 0x17, "shorter than a unit record" },
		{ 30, 0x11, 0x17, "shorter than its fields say" },
		{ 37, 0x11, 0x17, "its code key is empty or too long" },
		{ 0, 0x21, 0x17, "not a unit record this build reads" },
		/* a quantity's 4 bytes, then no key */
		{ 41, 0x11, 0x1f, "its code key is empty or too long" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		uint8_t copy[128];
		memcpy(copy, rec, full);
		copy[0] = bad[i].byte0;
		copy[3] = bad[i].opt;
		size_t len = bad[i].len ? bad[i].len : full;
		assert_int_equal(store_put(t, DB_UNITS, id, sizeof id, copy, len), 0);
		expect_corrupt(units_get(t, 1, &got), bad[i].why);
		expect_corrupt(units_find(t, u.key, u.key_len, &got), "corrupt record in units");
	}
	/* A key longer than any code's. */
	uint8_t big[37 + CODE_KEY_MAX + 1];
	memcpy(big, rec, 37);
	memset(big + 37, 1, sizeof big - 37);
	assert_int_equal(store_put(t, DB_UNITS, id, sizeof id, big, sizeof big), 0);
	expect_corrupt(units_get(t, 1, &got), "its code key is empty or too long");

	/* A code mapped to what is not a unit id. */
	assert_int_equal(store_put(t, DB_CODES, u.key, u.key_len, id, 4), 0);
	expect_corrupt(units_find(t, u.key, u.key_len, &got), "corrupt record in codes");
	store_write_abort(t);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, tmp_store_setup, tmp_store_teardown)
	const struct CMUnitTest tests[] = {
		T(test_add_find_put),
		T(test_layout),
		T(test_record_without_optional_fields),
		T(test_lot_index),
		T(test_children),
		T(test_place_follows_containers),
		cmocka_unit_test(test_lot_level_keys),
		T(test_damage_is_corrupt),
	};
#undef T
	return cmocka_run_group_tests_name("units", tests, NULL, NULL);
}
