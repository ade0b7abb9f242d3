/*
 * test_code_util.c — the codecs' shared helpers: GS1 mod-10 check digits,
 * character sets, dates (DD = 00, leap years, century window), quoting,
 * %-decoding, big-endian packing.
 */
#include "test_code_cases.h"
#include "code_util.h"

static void test_check_digit(void **state)
{
	static const struct {
		const char *body;
		char check;
	} cases[] = {
		{ "1690123456789", '9' },  /* DOMAIN.md: weighted sum 131 */
		{ "0690123456789", '2' },
		{ "690123456789", '2' },   /* EAN-13 6901234567892 */
		{ "06901234000000001", '6' },
		{ "690123400001", '6' },   /* GLN 6901234000016 */
		{ "400638133393", '1' },
		{ "9501101530003", '8' },
		{ "0", '0' },
		{ "1", '7' },
		{ "", '0' },
		{ "00000000000000000", '0' },
		{ "99999999999999999", '5' },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(code_gs1_check(cases[i].body,
		                                strlen(cases[i].body)),
		                 cases[i].check);
	assert_true(code_gs1_check_ok("6901234567892", 13));
	assert_false(code_gs1_check_ok("6901234567891", 13));
	assert_false(code_gs1_check_ok("6", 1));
	assert_true(code_gs1_check_ok("12345670", 8));
}

static void test_charsets(void **state)
{
	static const char cset82[] =
		"!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_"
		"abcdefghijklmnopqrstuvwxyz";
	int n82 = 0, n39 = 0;

	(void)state;
	for (int c = -1; c < 256; c++) {
		bool in82 = c > 0 && strchr(cset82, c) != NULL;

		assert_int_equal(code_is_cset82(c), in82);
		n82 += code_is_cset82(c);
		n39 += code_is_cset39(c);
	}
	assert_int_equal(n82, 82);
	assert_int_equal(n39, 39);
	assert_true(code_all_digits("0123456789", 10));
	assert_false(code_all_digits("01234a", 6));
	assert_true(code_all_digits("", 0));
}

static void test_days(void **state)
{
	(void)state;
	assert_int_equal(code_days_in_month(2027, 2), 28);
	assert_int_equal(code_days_in_month(2028, 2), 29);
	assert_int_equal(code_days_in_month(2000, 2), 29);
	assert_int_equal(code_days_in_month(2100, 2), 28);
	assert_int_equal(code_days_in_month(1900, 2), 28);
	assert_int_equal(code_days_in_month(2027, 4), 30);
	assert_int_equal(code_days_in_month(2027, 12), 31);
}

static void test_yymmdd(void **state)
{
	static const struct {
		int ref;
		const char *in;
		bool dd00;
		const char *want; /* NULL: refused */
	} cases[] = {
		{ 2026, "271231", true, "2027-12-31" },
		{ 2026, "270200", true, "2027-02-28" },
		{ 2026, "280200", true, "2028-02-29" },
		{ 2026, "280200", false, NULL },
		{ 2026, "270229", true, NULL },
		{ 2026, "280229", false, "2028-02-29" },
		{ 2026, "271301", true, NULL },
		{ 2026, "270001", true, NULL },
		{ 2026, "270132", true, NULL },
		{ 2026, "270931", true, NULL },
		{ 2026, "270930", true, "2027-09-30" },
		{ 2026, "27093A", true, NULL },
		{ 2026, "760101", true, "2076-01-01" },
		{ 2026, "770101", true, "1977-01-01" },
		{ 2080, "290101", true, "2129-01-01" },
		{ 2080, "310101", true, "2031-01-01" },
		{ 2026, "000200", true, "2000-02-29" },
		{ 2099, "000200", true, "2100-02-28" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct code_result r;
		struct code_ctx ctx = { &r, 0, cases[i].ref, 0 };
		struct code_date d = { 0, 0, 0 };
		char buf[11];
		const char *why = code_yymmdd(&ctx, cases[i].in, cases[i].dd00,
		                              &d);

		if (cases[i].want == NULL) {
			assert_non_null(why);
			continue;
		}
		assert_null(why);
		assert_int_equal(code_date_format(&d, buf), 10);
		assert_string_equal(buf, cases[i].want);
	}
}

static void test_yyyymmdd_hhmm(void **state)
{
	struct code_date d;
	char buf[11];

	(void)state;
	assert_null(code_yyyymmdd("20240229", &d));
	code_date_format(&d, buf);
	assert_string_equal(buf, "2024-02-29");
	assert_non_null(code_yyyymmdd("20230229", &d));
	assert_non_null(code_yyyymmdd("00000101", &d));
	assert_non_null(code_yyyymmdd("20231200", &d));
	assert_non_null(code_yyyymmdd("2023120A", &d));
	assert_null(code_hhmm("0000"));
	assert_null(code_hhmm("2359"));
	assert_non_null(code_hhmm("2400"));
	assert_non_null(code_hhmm("1260"));
	assert_non_null(code_hhmm("12:0"));
	d.cd_year = 0;
	assert_int_equal(code_date_format(&d, buf), 0);
	assert_string_equal(buf, "");
}

/* With no reference year the clock decides; the result is still a date
 * within 50 years of now. */
static void test_current_year(void **state)
{
	struct code_result r;
	struct code_ctx ctx = { &r, 0, 0, 0 };
	int y = code_century(&ctx, 30);

	(void)state;
	assert_true(y == 1930 || y == 2030 || y == 2130);
	assert_true(ctx.year_cache >= 2024);
}

static void test_quote(void **state)
{
	char buf[64];

	(void)state;
	assert_string_equal(code_quote("abc", 3, buf, sizeof(buf)), "abc");
	assert_string_equal(code_quote("a\x1d" "b\0", 4, buf, sizeof(buf)),
	                    "a\\x1db\\x00");
	assert_string_equal(code_quote("\xe4\xb8\xad", 3, buf, sizeof(buf)),
	                    "\\xe4\\xb8\\xad");
	code_quote("0123456789012345678901234567890123456789ABCDEF", 46, buf,
	           sizeof(buf));
	assert_string_equal(buf, "0123456789012345678901234567890123456789...");
	code_quote("\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01"
	           "\x01\x01\x01\x01\x01\x01", 20, buf, 16);
	assert_true(strlen(buf) < 16);
	assert_non_null(strstr(buf, "..."));
}

static void test_pct_decode(void **state)
{
	char out[32];
	size_t len, bad;

	(void)state;
	assert_true(code_pct_decode("A%2FB%25%2f%41", 14, out, &len, &bad));
	assert_int_equal(len, 6);
	assert_memory_equal(out, "A/B%/A", 6);
	assert_false(code_pct_decode("AB%4", 4, out, &len, &bad));
	assert_int_equal(bad, 2);
	assert_false(code_pct_decode("%G0", 3, out, &len, &bad));
	assert_int_equal(bad, 0);
	assert_false(code_pct_decode("x%", 2, out, &len, &bad));
	assert_true(code_pct_decode("", 0, out, &len, &bad));
	assert_int_equal(len, 0);
	assert_true(code_prefix_ci("HTTPS://x", 9, "https://"));
	assert_false(code_prefix_ci("http", 4, "https://"));
}

static void test_be(void **state)
{
	uint8_t b[8];

	(void)state;
	code_put_be(b, 0x0646d1a28ad4ull, 6);
	assert_memory_equal(b, "\x06\x46\xd1\xa2\x8a\xd4", 6);
	assert_int_equal(code_get_be(b, 6), 0x0646d1a28ad4ull);
	assert_int_equal(code_digits_u64("06901234567892", 14), 6901234567892ull);
	char d[14];

	code_u64_digits(6901234567892ull, d, 14);
	assert_memory_equal(d, "06901234567892", 14);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check_digit),
		cmocka_unit_test(test_charsets),
		cmocka_unit_test(test_days),
		cmocka_unit_test(test_yymmdd),
		cmocka_unit_test(test_yyyymmdd_hhmm),
		cmocka_unit_test(test_current_year),
		cmocka_unit_test(test_quote),
		cmocka_unit_test(test_pct_decode),
		cmocka_unit_test(test_be),
	};

	return cmocka_run_group_tests_name("code_util", tests, NULL, NULL);
}
