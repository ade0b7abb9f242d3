/*
 * test_args — the date and time formatting every scan reply uses
 * (daemon/args.c) and today's date in the configured zone (verdict_today):
 * a table of edges, then agreement with gmtime_r + strftime over a spread
 * of times, then the once-a-second date across a midnight.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "args.h"
#include "config.h"
#include "verdict.h"

#define expect(cond, ...) do { if (!(cond)) fail_msg(__VA_ARGS__); } while (0)

static const struct { int64_t ms; const char *text; } time_cases[] = {
	{ 0, "1970-01-01T00:00:00.000Z" },
	{ 999, "1970-01-01T00:00:00.999Z" },
	{ 86399999, "1970-01-01T23:59:59.999Z" },
	{ 951782400000, "2000-02-29T00:00:00.000Z" },		/* leap day, 400-year rule */
	{ 4107542400000, "2100-03-01T00:00:00.000Z" },		/* 2100: no leap day */
	{ 1795338000123, "2026-11-22T09:00:00.123Z" },
	{ 1830297599999, "2027-12-31T23:59:59.999Z" },
	{ 253402300799999, "9999-12-31T23:59:59.999Z" },
	{ -1, "1969-12-31T23:59:59.999Z" },			/* floor, not truncation */
};

static void test_format_time_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof time_cases / sizeof time_cases[0]; i++) {
		char out[32];
		args_format_time(time_cases[i].ms, out);
		expect(strcmp(out, time_cases[i].text) == 0, "%lld: '%s', want '%s'",
		       (long long)time_cases[i].ms, out, time_cases[i].text);
	}
}

/* The library's answer, as the formatting was before. */
static void libc_time(int64_t ms, char out[32])
{
	time_t secs = (time_t)(ms / 1000);
	struct tm tm;
	gmtime_r(&secs, &tm);
	size_t n = strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out + n, 32 - n, ".%03dZ", (int)(ms % 1000));
}

static void test_format_time_agrees_with_libc(void **state)
{
	(void)state;
	/* Every u48 time a record can hold, beyond year 9999 too (the
	 * library path), sampled by a fixed linear congruential walk. */
	uint64_t x = 1;
	for (int i = 0; i < 200000; i++) {
		x = x * 6364136223846793005ull + 1442695040888963407ull;
		int64_t ms = (int64_t)(x >> 16);	/* 0 .. 2^48 - 1 */
		if (i % 2)
			ms %= (int64_t)4102444800000;	/* and densely up to 2100 */
		char got[32], want[32];
		args_format_time(ms, got);
		libc_time(ms, want);
		expect(strcmp(got, want) == 0, "%lld: '%s', libc '%s'", (long long)ms, got, want);
	}
}

static void test_format_date_and_days(void **state)
{
	(void)state;
	char out[11] = "x";
	args_format_date(0, out);
	assert_string_equal(out, "");
	args_format_date(20271231, out);
	assert_string_equal(out, "2027-12-31");
	args_format_date(10101, out);
	assert_string_equal(out, "0001-01-01");
	/* Every day from 1970 to 2200: date -> days -> time text agree. */
	for (int64_t day = 0; day < 84000; day++) {
		char t[32], d[11];
		args_format_time(day * 86400000, t);
		uint32_t ymd = (uint32_t)((t[0] - '0') * 10000000 + (t[1] - '0') * 1000000 +
					  (t[2] - '0') * 100000 + (t[3] - '0') * 10000 +
					  (t[5] - '0') * 1000 + (t[6] - '0') * 100 +
					  (t[8] - '0') * 10 + (t[9] - '0'));
		expect(args_days(ymd) == day, "day %lld is %s, args_days %lld", (long long)day, t,
		       (long long)args_days(ymd));
		args_format_date(ymd, d);
		expect(memcmp(d, t, 10) == 0 && d[10] == '\0', "%u: '%s' vs '%.10s'", ymd, d, t);
	}
}

static void test_today_follows_the_clock_and_the_zone(void **state)
{
	(void)state;
	struct config cfg;
	config_defaults(&cfg);
	snprintf(cfg.timezone, sizeof cfg.timezone, "+08:00");
	int64_t midnight_cn = (int64_t)1795363200000;	/* 2026-11-23 00:00 +08:00 */
	assert_int_equal(verdict_today(&cfg, midnight_cn - 1), 20261122);
	assert_int_equal(verdict_today(&cfg, midnight_cn - 1), 20261122);	/* the copy */
	assert_int_equal(verdict_today(&cfg, midnight_cn), 20261123);
	assert_int_equal(verdict_today(&cfg, midnight_cn + 999), 20261123);
	/* Another zone in the same second: not the copy. */
	snprintf(cfg.timezone, sizeof cfg.timezone, "-05:00");
	assert_int_equal(verdict_today(&cfg, midnight_cn + 999), 20261122);
	snprintf(cfg.timezone, sizeof cfg.timezone, "+00:00");
	assert_int_equal(verdict_today(&cfg, midnight_cn + 999), 20261122);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_time_table),
		cmocka_unit_test(test_format_time_agrees_with_libc),
		cmocka_unit_test(test_format_date_and_days),
		cmocka_unit_test(test_today_follows_the_clock_and_the_zone),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
