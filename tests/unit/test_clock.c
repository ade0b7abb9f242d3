/*
 * test_clock.c — the daemon's one clock: the system's time, or a clock
 * started at noon of a given day (in the configured zone) that runs on and
 * moves forward; days parsed strictly; a request's two-digit years read
 * against its own time.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "args.h"
#include "clock.h"
#include "code.h"

static int64_t system_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void test_parse_day(void **state)
{
	(void)state;
	int64_t d;
	assert_int_equal(clock_parse_day("1970-01-01", &d), 0);
	assert_int_equal(d, 0);
	assert_int_equal(clock_parse_day("2031-06-01", &d), 0);
	assert_int_equal(d, 22431);
	assert_int_equal(clock_parse_day("2028-02-29", &d), 0);
	static const char *const bad[] = { "", "2031-6-01", "2031-06-1", "2031-02-30",
					   "2027-02-29", "2100-02-29", "1969-12-31", "2031-13-01",
					   "2031-06-00", "2031/06/01", "2031-06-01T00:00",
					   "20310601", "abcd-ef-gh" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (clock_parse_day(bad[i], &d) == 0)
			fail_msg("'%s' read as a day", bad[i]);
}

/* Not shifted: the system's time, and ADVANCE refused. */
static void test_system_clock(void **state)
{
	(void)state;
	char err[128];
	assert_int_equal(clock_start("", "UTC", err, sizeof err), 0);
	assert_false(clock_is_shifted());
	assert_int_equal(clock_offset_ms(), 0);
	int64_t before = system_ms(), now = clock_now_ms(), after = system_ms();
	assert_true(before <= now && now <= after);
	assert_int_equal(clock_advance(1000), -1);
	assert_int_equal(clock_offset_ms(), 0);
}

/* Shifted: noon of the day in the zone, then running, then advanced. */
static void test_shifted_clock(void **state)
{
	(void)state;
	char err[128];
	static const struct {
		const char *tz;
		int64_t noon;	/* Unix seconds of 12:00 local on 2031-06-01 */
	} zones[] = {
		{ "+08:00", 1938052800 },	/* 04:00Z */
		{ "-05:30", 1938101400 },	/* 17:30Z */
		{ "+00:00", 1938081600 },
	};
	for (size_t i = 0; i < sizeof zones / sizeof zones[0]; i++) {
		assert_int_equal(clock_start("2031-06-01", zones[i].tz, err, sizeof err), 0);
		assert_true(clock_is_shifted());
		int64_t now = clock_now_ms();
		/* Started at noon: no more than a few seconds (a slow machine)
		 * have passed since. */
		if (now < zones[i].noon * 1000 || now > zones[i].noon * 1000 + 5000)
			fail_msg("%s: clock reads %lld ms, want noon %lld s", zones[i].tz,
				 (long long)now, (long long)zones[i].noon);
		assert_int_equal(clock_advance(86400 * 1000LL), 0);
		int64_t later = clock_now_ms();
		assert_true(later >= now + 86400 * 1000LL);
		assert_true(later < now + 86400 * 1000LL + 5000);
	}
	/* A day in the past shifts the clock back. */
	assert_int_equal(clock_start("2001-09-09", "+00:00", err, sizeof err), 0);
	assert_true(clock_offset_ms() < 0);
	int64_t now = clock_now_ms();
	assert_true(now >= 1000036800000LL && now < 1000036800000LL + 5000);
	/* Whole seconds round down below zero as above it: advancing by n s
	 * adds n, also across zero (the offset is seldom whole). */
	assert_int_equal(clock_advance(-clock_offset_ms() - 500), 0);	/* to -0.5 s */
	assert_int_equal(clock_offset_ms(), -500);
	assert_int_equal(clock_offset_seconds(), -1);
	assert_int_equal(clock_advance(900 * 1000), 0);
	assert_int_equal(clock_offset_seconds(), 899);

	/* A local time of day, for a clock carried on across a restart. */
	assert_int_equal(clock_start("2031-06-01T23:59:30", "+08:00", err, sizeof err), 0);
	now = clock_now_ms();
	assert_true(now >= 1938095970000LL && now < 1938095970000LL + 5000);
	static const char *const bad[] = { "2031-02-30", "2031-06-01T24:00:00",
					   "2031-06-01 12:00:00", "2031-06-01T12:00",
					   "2031-06-01T12:60:00", "2031-06-01T1a:00:00" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (clock_start(bad[i], "+00:00", err, sizeof err) != -1)
			fail_msg("clock_today '%s' accepted", bad[i]);
	assert_int_equal(clock_start("2031-02-30", "+00:00", err, sizeof err), -1);
	assert_non_null(strstr(err, "2031-02-30"));
	assert_int_equal(clock_start("", "+00:00", err, sizeof err), 0);
}

/* A zone name goes through the C library (TZ): Shanghai noon is 04:00Z. */
static void test_zone_name(void **state)
{
	(void)state;
	char err[128];
	setenv("TZ", "Asia/Shanghai", 1);
	tzset();
	assert_int_equal(clock_start("2031-06-01", "Asia/Shanghai", err, sizeof err), 0);
	int64_t now = clock_now_ms();
	assert_true(now >= 1938052800000LL && now < 1938052800000LL + 5000);
	assert_int_equal(clock_start("", "Asia/Shanghai", err, sizeof err), 0);
}

/* Two-digit years are read against the year of the request's time: the
 * same scan means 2076 or 2176 depending on when it was accepted. */
static void test_two_digit_years_follow_request_time(void **state)
{
	(void)state;
	char text[] = "(01)06901234567892(17)761231(10)A1(21)SN1";
	struct resp_arg a = { .ptr = text, .len = sizeof text - 1 };
	struct code_result r;
	char err[256];
	static const struct {
		const char *day;
		int year;
	} cases[] = {
		{ "2026-12-05", 2076 },	/* 76 - 26 = 50: this century */
		{ "2025-12-31", 1976 },	/* 76 - 25 = 51: the previous one */
		{ "2077-01-01", 2076 },
		{ "2130-06-01", 2176 },	/* 76 - 30 = 46 */
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int64_t days;
		assert_int_equal(clock_parse_day(cases[i].day, &days), 0);
		int64_t ms = days * 86400000LL + 43200000;
		struct code_opts o;
		args_code_opts(ms, &o);
		assert_int_equal(o.co_ref_year, atoi(cases[i].day));
		assert_int_equal(args_code(&a, ms, &r, err, sizeof err), 0);
		if (r.cr_expiry.cd_year != cases[i].year)
			fail_msg("at %s: expiry year %d, want %d", cases[i].day,
				 r.cr_expiry.cd_year, cases[i].year);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_day),
		cmocka_unit_test(test_system_clock),
		cmocka_unit_test(test_shifted_clock),
		cmocka_unit_test(test_zone_name),
		cmocka_unit_test(test_two_digit_years_follow_request_time),
	};
	return cmocka_run_group_tests_name("clock", tests, NULL, NULL);
}
