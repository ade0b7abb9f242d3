/*
 * test_zone — UTC times from the server shown in its zone
 * (clients/zone.c): fixed offsets either side of UTC, a named zone, times
 * inside a message, and text that holds none or only time-like digits.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "zone.h"

#define expect(cond, ...) do { if (!(cond)) fail_msg(__VA_ARGS__); } while (0)

static const struct {
	const char *zone, *in, *out;
} cases[] = {
	{ "+08:00", "2026-11-22T11:42:51.080Z", "2026-11-22T19:42:51.080+08:00" },
	{ "+08:00", "2026-12-31T20:00:00Z", "2027-01-01T04:00:00+08:00" },	/* next day */
	{ "-05:30", "2026-03-01T02:00:00.5Z", "2026-02-28T20:30:00.5-05:30" },	/* month back */
	{ "+00:00", "2026-11-22T11:42:51.080Z", "2026-11-22T11:42:51.080+00:00" },
	{ "Asia/Shanghai", "2026-11-22T11:42:51.080Z", "2026-11-22T19:42:51.080+08:00" },
	/* Summer time where the zone has it. */
	{ "Europe/Berlin", "2026-07-01T10:00:00.000Z", "2026-07-01T12:00:00.000+02:00" },
	{ "Europe/Berlin", "2026-01-01T10:00:00.000Z", "2026-01-01T11:00:00.000+01:00" },
	/* In a message, each time; the rest as it is. */
	{ "+08:00", "already dispensed at PH1 on 2026-11-22T11:49:14.505Z, and 2026-11-22T23:00:00Z.",
	  "already dispensed at PH1 on 2026-11-22T19:49:14.505+08:00, and "
	  "2026-11-23T07:00:00+08:00." },
	/* Not UTC times: left alone. */
	{ "+08:00", "expiry 2027-12-31", "expiry 2027-12-31" },
	{ "+08:00", "2026-11-22T11:42:51+08:00", "2026-11-22T11:42:51+08:00" },
	{ "+08:00", "12026-11-22T11:42:51Z", "12026-11-22T11:42:51Z" },
	{ "+08:00", "2026-11-22T11:42:51.Z", "2026-11-22T11:42:51.Z" },
	{ "+08:00", "ZZZ 2026-11-22", "ZZZ 2026-11-22" },
	/* No zone, or UTC: as sent. */
	{ "", "2026-11-22T11:42:51.080Z", "2026-11-22T11:42:51.080Z" },
	{ "UTC", "2026-11-22T11:42:51.080Z", "2026-11-22T11:42:51.080Z" },
};

static void test_times(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		expect(zone_set(cases[i].zone) == 0, "case %zu: zone %s refused", i, cases[i].zone);
		const char *got = zone_text(cases[i].in);
		expect(strcmp(got, cases[i].out) == 0, "case %zu (%s): %s, want %s", i,
		       cases[i].zone, got, cases[i].out);
	}
}

static void test_bad_zones(void **state)
{
	(void)state;
	static const char *const bad[] = { "+8:00", "+24:00", "+08:60", "No/Such_Zone",
					   "../etc/passwd", "/etc/localtime" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		expect(zone_set(bad[i]) == -1, "%s accepted", bad[i]);
		expect(strcmp(zone_name(), "") == 0, "%s: left a zone set", bad[i]);
		/* Times stay as the server sent them. */
		expect(strcmp(zone_time("2026-11-22T11:42:51Z"), "2026-11-22T11:42:51Z") == 0,
		       "%s: converted", bad[i]);
	}
}

/* Copies last for seven more calls: the strings of one printed line. */
static void test_copies_last(void **state)
{
	(void)state;
	zone_set("+01:00");
	const char *a = zone_time("2026-01-01T00:00:00Z");
	for (int i = 0; i < 7; i++)
		zone_time("2026-01-02T00:00:00Z");
	expect(strcmp(a, "2026-01-01T01:00:00+01:00") == 0, "first copy overwritten: %s", a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_times),
		cmocka_unit_test(test_bad_zones),
		cmocka_unit_test(test_copies_last),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
