/*
 * test_bench_hist — yima-bench's log-bucketed histogram (clients/bench_hist.c):
 * buckets tile the integers without gaps or overlaps and are at most 1/32
 * of their values wide; quantiles of known distributions land within that
 * error; the maximum is exact; merging equals recording into one.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "bench_hist.h"

static void test_buckets_tile(void **state)
{
	(void)state;
	/* Consecutive buckets meet exactly, and a bucket holds its bounds. */
	for (unsigned b = 0; b + 1 < HIST_BUCKETS; b++) {
		assert_int_equal(hist_bucket_high(b) + 1, hist_bucket_low(b + 1));
		assert_int_equal(hist_bucket_of(hist_bucket_low(b)), b);
		assert_int_equal(hist_bucket_of(hist_bucket_high(b)), b);
	}
	assert_int_equal(hist_bucket_of(UINT64_MAX), HIST_BUCKETS - 1);
	assert_true(hist_bucket_high(HIST_BUCKETS - 1) == UINT64_MAX);
	/* Width: exact below 32, then at most 1/32 of the bucket's low end. */
	for (unsigned b = 0; b < HIST_BUCKETS; b++) {
		uint64_t lo = hist_bucket_low(b), w = hist_bucket_high(b) - lo + 1;
		if (b < HIST_SUB)
			assert_int_equal(w, 1);
		else
			assert_true(w * HIST_SUB <= lo);
	}
}

static void test_quantiles_uniform(void **state)
{
	(void)state;
	struct hist h;
	hist_init(&h);
	/* 1..1,000,000 µs in ns: the q-quantile is q * 1e9 ns. */
	for (uint64_t v = 1; v <= 1000000; v++)
		hist_record(&h, v * 1000);
	const double qs[] = { 0.5, 0.9, 0.99, 0.999 };
	for (unsigned i = 0; i < 4; i++) {
		double want = qs[i] * 1e9, got = (double)hist_quantile(&h, qs[i]);
		assert_true(got >= want * (1 - 1.0 / 32) && got <= want * (1 + 1.0 / 32));
	}
	assert_int_equal(hist_quantile(&h, 1.0), 1000000000ull);
	assert_int_equal(h.h_max, 1000000000ull);
	assert_int_equal(h.h_min, 1000);
	assert_int_equal(h.h_count, 1000000);
	assert_true(hist_mean(&h) > 500000000.0 && hist_mean(&h) < 500001000.0);
}

static void test_quantiles_small_and_edges(void **state)
{
	(void)state;
	struct hist h;
	hist_init(&h);
	assert_int_equal(hist_quantile(&h, 0.5), 0);
	assert_true(hist_mean(&h) == 0.0);
	/* 99 fast values and one slow one: p99 is fast, p99.9 the slow one. */
	for (int i = 0; i < 99; i++)
		hist_record(&h, 7);
	hist_record(&h, 123456789);
	assert_int_equal(hist_quantile(&h, 0.5), 7);
	assert_int_equal(hist_quantile(&h, 0.99), 7);
	/* The slow value's bucket: its midpoint, within 1/32 of the value. */
	uint64_t slow = hist_quantile(&h, 0.999);
	assert_true(slow <= 123456789 && slow >= 123456789 - 123456789 / 32);
	assert_int_equal(hist_quantile(&h, 1.0), 123456789);
	assert_int_equal(hist_quantile(&h, 1e-9), 7);
}

static void test_merge(void **state)
{
	(void)state;
	struct hist a, b, all;
	hist_init(&a);
	hist_init(&b);
	hist_init(&all);
	for (uint64_t v = 1; v < 200000; v += 7) {
		hist_record(v % 2 ? &a : &b, v * 13);
		hist_record(&all, v * 13);
	}
	hist_merge(&a, &b);
	assert_memory_equal(a.h_bucket, all.h_bucket, sizeof a.h_bucket);
	assert_int_equal(a.h_count, all.h_count);
	assert_int_equal(a.h_sum, all.h_sum);
	assert_int_equal(a.h_min, all.h_min);
	assert_int_equal(a.h_max, all.h_max);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buckets_tile),
		cmocka_unit_test(test_quantiles_uniform),
		cmocka_unit_test(test_quantiles_small_and_edges),
		cmocka_unit_test(test_merge),
	};
	return cmocka_run_group_tests_name("bench_hist", tests, NULL, NULL);
}
