/*
 * test_product_state — daemon/product_state.c: a product's withdrawn flag
 * reads back as written, byte for byte as STORE.md gives it, and a record
 * of the wrong size is reported as corrupt, never read as "not withdrawn".
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "product_state.h"
#include "record_fixture.h"
#include "store.h"

static void test_withdrawn_round_trip(void **state)
{
	struct tmp_store *f = *state;
	bool withdrawn = true;
	uint64_t seq = 99;
	struct store_txn *t = tmp_store_write(f);
	assert_int_equal(products_withdrawn(t, 7, &withdrawn, &seq), 0);
	assert_false(withdrawn);
	assert_int_equal(seq, 0);
	assert_int_equal(products_set_withdrawn(t, 7, 0x010203040506ull), 0);
	assert_int_equal(store_write_commit(t), 0);

	t = tmp_store_read(f);
	assert_int_equal(products_withdrawn(t, 7, &withdrawn, &seq), 0);
	assert_true(withdrawn);
	assert_int_equal(seq, 0x010203040506ull);
	assert_int_equal(products_withdrawn(t, 8, &withdrawn, &seq), 0);
	assert_false(withdrawn);
	assert_int_equal(seq, 0);
	/* The bytes: key u32 product, value u8 flags, u48 seq. */
	const void *v;
	size_t n;
	static const uint8_t key[] = { 0, 0, 0, 7 };
	static const uint8_t want[] = { 1, 1, 2, 3, 4, 5, 6 };
	assert_int_equal(store_get(t, DB_PRODUCT_STATE, key, sizeof key, &v, &n), 0);
	assert_int_equal(n, sizeof want);
	assert_memory_equal(v, want, sizeof want);
	store_read_end(f->r);
}

static void test_wrong_size_is_corrupt(void **state)
{
	struct tmp_store *f = *state;
	static const uint8_t key[] = { 0, 0, 1, 0 };
	static const uint8_t value[8] = { 1, 0, 0, 0, 0, 0, 9, 0 };
	static const size_t sizes[] = { 0, 1, 6, 8 };
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		struct store_txn *t = tmp_store_write(f);
		assert_int_equal(store_put(t, DB_PRODUCT_STATE, key, sizeof key, value, sizes[i]),
				 0);
		bool withdrawn;
		uint64_t seq;
		expect_corrupt(products_withdrawn(t, 256, &withdrawn, &seq),
			       "corrupt record in product_state at key 00000100");
		store_write_abort(t);
	}
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, tmp_store_setup, tmp_store_teardown)
	const struct CMUnitTest tests[] = {
		T(test_withdrawn_round_trip),
		T(test_wrong_size_is_corrupt),
	};
#undef T
	return cmocka_run_group_tests_name("product_state", tests, NULL, NULL);
}
