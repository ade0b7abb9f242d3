/*
 * test_code_scan.c — clean-up of raw scans: blanks, CR/LF, BOM,
 * full-width forms from Chinese input methods, over-long input, and error
 * positions mapped back to the caller's bytes.
 */
#include "test_code_cases.h"
#include "code_scan.h"

static const struct {
	const char *raw;
	const char *clean;
	size_t lead;
} cleanups[] = {
	{ "abc", "abc", 0 },
	{ "  abc \r\n", "abc", 2 },
	{ "\t\v\fabc\n\n", "abc", 3 },
	{ "\xef\xbb\xbf" "abc", "abc", 3 },                  /* BOM */
	{ "\xe3\x80\x80" "abc" "\xe3\x80\x80", "abc", 3 },   /* U+3000 */
	{ "\xc2\xa0" "abc", "abc", 2 },                      /* U+00A0 */
	{ "\xef\xbc\x90\xef\xbc\x99", "09", 0 },             /* ０９ */
	{ "\xef\xbc\xa1\xef\xbc\xba", "AZ", 0 },             /* ＡＺ */
	{ "\xef\xbd\x81\xef\xbd\x9a", "az", 0 },             /* ａｚ */
	{ "\xef\xbc\x88" "01" "\xef\xbc\x89", "(01)", 0 },   /* （01） */
	{ "\xef\xbc\x81\xef\xbd\x9e", "!~", 0 },             /* ！～ */
	{ "a b", "a b", 0 },
	{ "a\r\nb", "a\r\nb", 0 },
	{ "\xe4\xb8\xad", "\xe4\xb8\xad", 0 },               /* kept */
	{ "\xef\xbc", "\xef\xbc", 0 },                       /* cut short */
	{ "\xef\xbc\x80", "\xef\xbc\x80", 0 },               /* U+FF00 */
	{ "\xef\xbd\x9f", "\xef\xbd\x9f", 0 },               /* U+FF5F */
	{ "", "", 0 },
	{ " \r\n ", "", 4 },
};

static void test_clean(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cleanups) / sizeof(cleanups[0]); i++) {
		char buf[CODE_SCAN_MAX];
		size_t len, full, lead;
		const char *raw = cleanups[i].raw;

		assert_int_equal(code_scan_clean(raw, strlen(raw), buf,
		                                 sizeof(buf), &len, &full,
		                                 &lead), CODE_OK);
		assert_int_equal(len, strlen(cleanups[i].clean));
		assert_memory_equal(buf, cleanups[i].clean, len);
		assert_int_equal(lead, cleanups[i].lead);
		assert_true(full >= len);
	}
}

static void test_too_long(void **state)
{
	static char raw[3 * CODE_SCAN_MAX + 10];
	char buf[CODE_SCAN_MAX];
	size_t len, full, lead;
	struct code_result r;

	(void)state;
	/* exactly CODE_SCAN_MAX characters, then blanks: fine */
	memset(raw, '8', CODE_SCAN_MAX);
	memset(raw + CODE_SCAN_MAX, ' ', 2000);
	assert_int_equal(code_scan_clean(raw, CODE_SCAN_MAX + 2000, buf,
	                                 sizeof(buf), &len, &full, &lead),
	                 CODE_OK);
	assert_int_equal(len, CODE_SCAN_MAX);
	/* one more character: too long, at that character */
	raw[CODE_SCAN_MAX + 1999] = '8';
	assert_int_equal(code_scan_clean(raw, CODE_SCAN_MAX + 2000, buf,
	                                 sizeof(buf), &len, &full, &lead),
	                 CODE_E_TOO_LONG);
	assert_int_equal(lead, CODE_SCAN_MAX + 1999);
	assert_int_equal(code_parse(raw, CODE_SCAN_MAX + 2000, NULL, &r),
	                 CODE_E_TOO_LONG);
	assert_int_equal(r.cr_err_pos, CODE_SCAN_MAX + 1999);
	assert_non_null(strstr(r.cr_msg, "longer than"));
	/* full-width characters count once each */
	for (size_t i = 0; i < CODE_SCAN_MAX; i++)
		memcpy(raw + 3 * i, "\xef\xbc\x98", 3);
	assert_int_equal(code_scan_clean(raw, 3 * CODE_SCAN_MAX, buf,
	                                 sizeof(buf), &len, &full, &lead),
	                 CODE_OK);
	assert_int_equal(len, CODE_SCAN_MAX);
}

/* Error positions count the caller's bytes, full-width included. */
static void test_positions(void **state)
{
	static const struct code_case cases[] = {
		{ .in = "  X", .err = CODE_E_FORMAT, .at = AT(2) },
		{ .in = "\xef\xbc\x98\xef\xbc\x93" "0123456789012345X",
		  .err = CODE_E_CHARSET, .at = AT(22) },
		{ .in = "\xe3\x80\x80" "(01)06901234567891(21)S",
		  .err = CODE_E_CHECK, .at = AT(7) },
		{ .in = "\xef\xbc\x88\xef\xbc\x90\xef\xbc\x91\xef\xbc\x89"
		        "06901234567891(21)S", .err = CODE_E_CHECK, .at = AT(12) },
		{ .in = "   ", .err = CODE_E_EMPTY, .at = AT(3) },
		{ .in = "", .err = CODE_E_EMPTY, .at = AT(0) },
		{ .in = "\x00\x00", .len = 2, .err = CODE_E_CHARSET, .at = AT(0) },
		{ .in = "\xef\xbc\x88" "01" "\xef\xbc\x89" "06901234567892"
		        "\xef\xbc\x88" "21" "\xef\xbc\x89" "SN12345",
		  .type = CODE_SGTIN, .key = "(01)06901234567892(21)SN12345" },
	};

	(void)state;
	RUN_CASES(cases);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clean),
		cmocka_unit_test(test_too_long),
		cmocka_unit_test(test_positions),
	};

	return cmocka_run_group_tests_name("code_scan", tests, NULL, NULL);
}
