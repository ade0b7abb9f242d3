/*
 * test_batches — daemon/batches.c: EVENTS BATCH results kept in the store.
 * A result reads back as written, errors and all; a record that does not
 * add up is reported as corrupt, never taken for no result; and each
 * principal's batch ids are its own.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "acl.h"
#include "batches.h"
#include "record_fixture.h"
#include "store.h"

#define expect(cond, ...) do { if (!(cond)) fail_msg(__VA_ARGS__); } while (0)

static void put_raw(struct tmp_store *f, const char *id, const void *v, size_t n)
{
	struct store_txn *t = tmp_store_write(f);
	assert_int_equal(store_put(t, DB_BATCHES, id, strlen(id), v, n), 0);
	assert_int_equal(store_write_commit(t), 0);
}

static int get(struct tmp_store *f, const char *id, struct batch_result *r)
{
	uint8_t k[BATCH_KEY_MAX];
	struct store_txn *t = tmp_store_read(f);
	int rc = batches_get(t, k, batches_key(NULL, id, strlen(id), k), r);
	store_read_end(f->r);
	return rc;
}

static void test_round_trip(void **state)
{
	struct tmp_store *f = *state;
	struct buf errors = BUF_INIT;
	batches_error_add(&errors, 2, "COMMISSION: no site 'X'", 23);
	batches_error_add(&errors, 7, "", 0);
	batches_error_add(&errors, 4000000000u, "\xe6\x89\xb9 last", 8);
	struct batch_result in = { 9, 6, 3, 3, (const uint8_t *)errors.data, errors.len };
	struct batch_result none = { 5, 5, 0, 0, NULL, 0 };
	uint8_t k[BATCH_KEY_MAX];

	struct store_txn *t = tmp_store_write(f);
	assert_int_equal(batches_put(t, k, batches_key(NULL, "load-1", 6, k), &in), 0);
	assert_int_equal(batches_put(t, k, batches_key(NULL, "load-2", 6, k), &none), 0);
	assert_int_equal(store_write_commit(t), 0);
	buf_free(&errors);

	t = tmp_store_read(f);
	struct batch_result out;
	assert_int_equal(batches_get(t, k, batches_key(NULL, "load-1", 6, k), &out), 0);
	assert_int_equal(out.records, 9);
	assert_int_equal(out.applied, 6);
	assert_int_equal(out.skipped, 3);
	assert_int_equal(out.nerrors, 3);
	static const struct { uint32_t record; const char *msg; size_t len; } want[] = {
		{ 2, "COMMISSION: no site 'X'", 23 }, { 7, "", 0 },
		{ 4000000000u, "\xe6\x89\xb9 last", 8 },
	};
	struct batch_error e;
	size_t pos = 0;
	for (size_t i = 0; i < 3; i++) {
		expect(batches_error_next(&out, &pos, &e), "error %zu missing", i + 1);
		assert_int_equal(e.record, want[i].record);
		assert_int_equal(e.msg_len, want[i].len);
		assert_memory_equal(e.msg, want[i].msg, want[i].len);
	}
	assert_false(batches_error_next(&out, &pos, &e));

	assert_int_equal(batches_get(t, k, batches_key(NULL, "load-2", 6, k), &out), 0);
	assert_int_equal(out.records, 5);
	assert_int_equal(out.applied, 5);
	assert_int_equal(out.nerrors, 0);
	assert_int_equal(out.errors_len, 0);
	pos = 0;
	assert_false(batches_error_next(&out, &pos, &e));

	assert_int_equal(batches_get(t, k, batches_key(NULL, "load-3", 6, k), &out),
			 STORE_NOTFOUND);
	store_read_end(f->r);
}

/* The bytes on disk, as STORE.md gives them. */
static void test_layout(void **state)
{
	struct tmp_store *f = *state;
	struct buf errors = BUF_INIT;
	batches_error_add(&errors, 3, "bad", 3);
	struct batch_result in = { 4, 3, 1, 1, (const uint8_t *)errors.data, errors.len };
	uint8_t k[BATCH_KEY_MAX];
	struct store_txn *t = tmp_store_write(f);
	assert_int_equal(batches_put(t, k, batches_key(NULL, "B", 1, k), &in), 0);
	buf_free(&errors);
	const void *v;
	size_t n;
	assert_int_equal(store_get(t, DB_BATCHES, "B", 1, &v, &n), 0);
	static const uint8_t want[] = { 0, 0, 0, 4, 0, 0, 0, 3, 0, 0, 0, 1, 0, 1,
					0, 0, 0, 3, 0, 3, 'b', 'a', 'd' };
	assert_int_equal(n, sizeof want);
	assert_memory_equal(v, want, sizeof want);
	store_write_abort(t);
}

static void test_corrupt_reported(void **state)
{
	struct tmp_store *f = *state;
	static const struct {
		const char *id;
		uint8_t v[32];
		size_t n;
		const char *why;
	} bad[] = {
		{ "empty", { 0 }, 0, "shorter than a batch result" },
		{ "short", { 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0 }, 13,
		  "shorter than a batch result" },
		/* counts two errors, holds one */
		{ "fewer", { 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 2, 0, 2, 0, 0, 0, 1, 0, 1, 'x' }, 21,
		  "fewer errors than it counts" },
		/* an error whose message runs past the end */
		{ "overrun", { 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 1, 0, 9, 'x' }, 21,
		  "fewer errors than it counts" },
		/* half an error header */
		{ "torn", { 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0 }, 17,
		  "fewer errors than it counts" },
		/* no errors counted, bytes after the header */
		{ "extra", { 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 'x' }, 21,
		  "more bytes than its errors" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		put_raw(f, bad[i].id, bad[i].v, bad[i].n);
		struct batch_result r;
		int rc = get(f, bad[i].id, &r);
		expect_corrupt(rc, "corrupt record in batches at key");
		expect_corrupt(rc, bad[i].why);
	}
}

static struct principal who(uint8_t role, uint32_t site, const char *name)
{
	struct principal p = { .role = role, .site = site };
	snprintf(p.name, sizeof p.name, "%s", name);
	return p;
}

static void test_keys_per_principal(void **state)
{
	(void)state;
	const struct principal local = who(ROLE_LOCAL, 0, "local");
	const struct principal ph1 = who(ROLE_PHARMACY, 1, "ph1-till");
	const struct principal others[] = {
		ph1,
		who(ROLE_PHARMACY, 2, "ph1-till"),		/* another site */
		who(ROLE_DISTRIBUTOR, 1, "ph1-till"),	/* another role */
		who(ROLE_PHARMACY, 1, "ph1-till-2"),		/* another name */
		who(ROLE_ADMIN, 0, "ops"),
		who(ROLE_NONE, 0, ""),
	};
	enum { N = sizeof others / sizeof others[0] };
	uint8_t k[N][BATCH_KEY_MAX], lk[BATCH_KEY_MAX];
	size_t kl[N];

	/* The local principal's key is the id as it is (older stores). */
	assert_int_equal(batches_key(NULL, "b-17", 4, lk), 4);
	assert_memory_equal(lk, "b-17", 4);
	assert_int_equal(batches_key(&local, "b-17", 4, lk), 4);
	assert_memory_equal(lk, "b-17", 4);

	for (size_t i = 0; i < N; i++) {
		kl[i] = batches_key(&others[i], "b-17", 4, k[i]);
		/* Longer than any id: never a local key. */
		expect(kl[i] > BATCH_ID_MAX, "key %zu is %zu bytes", i, kl[i]);
		assert_memory_equal(k[i] + kl[i] - 4, "b-17", 4);
		for (size_t j = 0; j < i; j++)
			expect(kl[i] != kl[j] || memcmp(k[i], k[j], kl[i]) != 0,
			       "principals %zu and %zu share a key", j, i);
	}
	/* Another id of the same principal: another key. */
	uint8_t k2[BATCH_KEY_MAX];
	size_t l2 = batches_key(&ph1, "b-18", 4, k2);
	assert_true(l2 == kl[0] && memcmp(k2, k[0], l2) != 0);
	/* The longest id fits. */
	char id[BATCH_ID_MAX];
	memset(id, 'i', sizeof id);
	assert_int_equal(batches_key(&ph1, id, sizeof id, k2), BATCH_KEY_MAX);
}

/* What one principal stored, another does not find. */
static void test_results_per_principal(void **state)
{
	struct tmp_store *f = *state;
	const struct principal a = who(ROLE_MANUFACTURER, 3, "mfr");
	const struct principal b = who(ROLE_PHARMACY, 3, "mfr");
	struct batch_result in = { 1, 1, 0, 0, NULL, 0 }, out;
	uint8_t k[BATCH_KEY_MAX];
	struct store_txn *t = tmp_store_write(f);
	assert_int_equal(batches_put(t, k, batches_key(&a, "same", 4, k), &in), 0);
	assert_int_equal(batches_get(t, k, batches_key(&a, "same", 4, k), &out), 0);
	assert_int_equal(batches_get(t, k, batches_key(&b, "same", 4, k), &out), STORE_NOTFOUND);
	assert_int_equal(batches_get(t, k, batches_key(NULL, "same", 4, k), &out),
			 STORE_NOTFOUND);
	store_write_abort(t);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, tmp_store_setup, tmp_store_teardown)
	const struct CMUnitTest tests[] = {
		T(test_round_trip),
		T(test_layout),
		T(test_corrupt_reported),
		cmocka_unit_test(test_keys_per_principal),
		T(test_results_per_principal),
	};
#undef T
	return cmocka_run_group_tests_name("batches", tests, NULL, NULL);
}
