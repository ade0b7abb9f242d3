/*
 * test_code_key.c — canonical keys: byte-exact layouts, the text form and
 * back, what is not a key, and memcmp order grouping keys by product.
 */
#include <stdlib.h>

#include "test_code_cases.h"

/* Scan -> exact key bytes -> canonical text. */
static const struct {
	const char *scan;
	const char *hex;
	const char *text;
} layouts[] = {
	{ "83012345678901234567", "010480071893a2d74b87",
	  "83012345678901234567" },
	{ "(01)06901234567892(21)SN12345", "020646d1a28ad4534e3132333435",
	  "(01)06901234567892(21)SN12345" },
	{ "(01)06901234567892(10)A1B2C3", "030646d1a28ad4413142324333",
	  "(01)06901234567892(10)A1B2C3" },
	{ "(00)069012340000000016", "0400f52e5b8ad18810",
	  "(00)069012340000000016" },
	{ "(414)6901234000016", "050646d199e090", "(414)6901234000016" },
	{ "(414)6901234000016(254)7", "050646d199e09037",
	  "(414)6901234000016(254)7" },
	{ "(417)6901234000016", "060646d199e090", "(417)6901234000016" },
	{ "+A123BJC5D6E71/$$3271231LOT1D",
	  "1141313233424a43354436453731004c4f5431", "+A123BJC5D6E71/$LOT1+" },
	{ "MA.156.M0.100761.21234561.Sx00008.C3",
	  "183135362e4d302e3130303736312e323132333435363100783030303038",
	  "MA.156.M0.100761.21234561.Sx00008" },
	{ "MA.156.M0.100761.21234561.L1",
	  "193135362e4d302e3130303736312e32313233343536310031",
	  "MA.156.M0.100761.21234561.L1" },
	{ "(01)99999999999997(21)ABCDEFGHIJKLMNOPQRST",
	  "025af3107a3ffd4142434445464748494a4b4c4d4e4f5051525354",
	  "(01)99999999999997(21)ABCDEFGHIJKLMNOPQRST" },
};

static void test_layouts(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(layouts) / sizeof(layouts[0]); i++) {
		uint8_t key[CODE_KEY_MAX], back[CODE_KEY_MAX];
		char hex[2 * CODE_KEY_MAX + 1], text[CODE_TEXT_MAX];
		size_t n = case_key(layouts[i].scan, key);

		assert_int_equal(code_key_hex(key, n, hex, sizeof(hex)),
		                 (int)(2 * n));
		if (strcmp(hex, layouts[i].hex) != 0) {
			print_error("%s: key %s, expected %s\n",
			            layouts[i].scan, hex, layouts[i].hex);
			fail();
		}
		assert_int_equal(code_key_format(key, n, text, sizeof(text)),
		                 (int)strlen(layouts[i].text));
		assert_string_equal(text, layouts[i].text);
		assert_int_equal(code_key_parse(text, strlen(text), back), (int)n);
		assert_memory_equal(back, key, n);
	}
}

/* Byte strings that are not keys yima makes. */
static void test_not_keys(void **state)
{
	static const struct {
		const char *bytes;
		size_t len;
	} bad[] = {
		{ "", 0 },
		{ "\x00", 1 },
		{ "\x07" "abc", 4 },
		{ "\x02", 1 },
		{ "\x02\x06\x46\xd1\xa2\x8a\xd4", 7 },          /* no serial */
		{ "\x02\x06\x46\xd1\xa2\x8a\xd5" "S", 8 },      /* check digit */
		{ "\x02\xff\xff\xff\xff\xff\xff" "S", 8 },      /* > 14 digits */
		{ "\x02\x06\x46\xd1\xa2\x8a\xd4" "S N", 10 },   /* space */
		{ "\x02\x06\x46\xd1\xa2\x8a\xd4" "S\x00", 9 },
		{ "\x02\x06\x46\xd1\xa2\x8a\xd4" "123456789012345678901", 28 },
		{ "\x04\x00\xf5\x2e\x5b\x8a\xd1\x88\x11", 9 },  /* check */
		{ "\x04\x00\xf5\x2e\x5b\x8a\xd1\x88\x10" "x", 10 },
		{ "\x06\x06\x46\xd1\x99\xe0\x90" "x", 8 },      /* PGLN + tail */
		{ "\x05\x06\x46\xd1\x99\xe0", 6 },
		{ "\x01\x04\x80\x07\x18\x93\xa2\xd7\x4b", 9 },
	};
	char text[CODE_TEXT_MAX];
	uint8_t key[CODE_KEY_MAX];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const uint8_t *b = (const uint8_t *)bad[i].bytes;

		assert_int_equal(code_key_format(b, bad[i].len, text,
		                                 sizeof(text)), -1);
		assert_int_equal(code_key_type(b, bad[i].len), CODE_NONE);
	}
	assert_int_equal(code_key_format(NULL, 3, text, sizeof(text)), -1);
	assert_int_equal(code_key_parse("6901234567892", 13, key), -1);
	assert_int_equal(code_key_parse("", 0, key), -1);
	/* too small a buffer */
	size_t n = case_key("(01)06901234567892(21)SN12345", key);

	assert_int_equal(code_key_format(key, n, text, 29), -1);
	assert_int_equal(code_key_format(key, n, text, 30), 29);
	assert_int_equal(code_key_hex(key, n, text, 2 * n), -1);
}

/* Canonical text parses permissively: CN codes with any first digit and
 * lot-level keys come back. */
static void test_parse_permissive(void **state)
{
	uint8_t key[CODE_KEY_MAX];

	(void)state;
	assert_int_equal(code_key_parse("13012345678901234567", 20, key), 10);
	assert_int_equal(key[0], CODE_KEY_CN20);
	assert_int_equal(code_key_parse("(01)06901234567892(10)L", 23, key), 8);
	assert_int_equal(key[0], CODE_KEY_LGTIN);
	assert_int_equal(code_key_type(key, 8), CODE_LGTIN);
}

static int cmp_keys(const void *a, const void *b)
{
	const uint8_t *ka = a, *kb = b;
	size_t la = ka[CODE_KEY_MAX], lb = kb[CODE_KEY_MAX];
	int c = memcmp(ka, kb, la < lb ? la : lb);

	return c != 0 ? c : (la > lb) - (la < lb);
}

/* Sorted keys group by type, then by product. */
static void test_order(void **state)
{
	static const char *const scans[] = {
		"(01)16901234567899(21)B",
		"83012345678901234567",
		"(01)06901234567892(21)B",
		"(00)069012340000000016",
		"83012349999999999999",
		"(01)06901234567892(21)A",
		"83012340000000000000",
		"(01)16901234567899(21)A",
		"(01)06901234567892(21)ZZZZZZZZZZZZZZZZZZZZ",
		"83012350000000000000",
		"(01)06901234567892(10)LOT",
		"+A123BJC5D6E71/$+SER9%",
		"+A123BJC5D6E71/$LOT1+",
	};
	enum { N = sizeof(scans) / sizeof(scans[0]) };
	uint8_t keys[N][CODE_KEY_MAX + 1];
	char text[CODE_TEXT_MAX];
	static const char *const want[N] = {
		"83012340000000000000",
		"83012345678901234567",
		"83012349999999999999",
		"83012350000000000000",
		"(01)06901234567892(21)A",
		"(01)06901234567892(21)B",
		"(01)06901234567892(21)ZZZZZZZZZZZZZZZZZZZZ",
		"(01)16901234567899(21)A",
		"(01)16901234567899(21)B",
		"(01)06901234567892(10)LOT",
		"(00)069012340000000016",
		"+A123BJC5D6E71/$+SER9%",
		"+A123BJC5D6E71/$LOT1+",
	};

	(void)state;
	for (size_t i = 0; i < N; i++)
		keys[i][CODE_KEY_MAX] = (uint8_t)case_key(scans[i], keys[i]);
	qsort(keys, N, sizeof(keys[0]), cmp_keys);
	for (size_t i = 0; i < N; i++) {
		assert_true(code_key_format(keys[i], keys[i][CODE_KEY_MAX], text,
		                            sizeof(text)) > 0);
		assert_string_equal(text, want[i]);
	}
}

/* GS1 keys as Digital Link URIs, which parse back to the same key; what
 * has no Digital Link form says so. */
static void test_digital_link(void **state)
{
	static const struct {
		const char *scan, *dl;
	} cases[] = {
		{ "(01)06901234567892(21)SN12345",
		  "https://id.gs1.org/01/06901234567892/21/SN12345" },
		{ "(01)06901234567892(21)S/1+A%b_c-d.e",
		  "https://id.gs1.org/01/06901234567892/21/S%2F1%2BA%25b_c-d.e" },
		{ "(01)06901234567892(10)A1B2C3",
		  "https://id.gs1.org/01/06901234567892/10/A1B2C3" },
		{ "(00)069012340000000016", "https://id.gs1.org/00/069012340000000016" },
		{ "(414)6901234000016", "https://id.gs1.org/414/6901234000016" },
		{ "(414)6901234000016(254)7", "https://id.gs1.org/414/6901234000016/254/7" },
		{ "(417)6901234000016", "https://id.gs1.org/417/6901234000016" },
		{ "83012345678901234567", NULL },
		{ "+A123BJC5D6E71/$$3271231LOT1D", NULL },
		{ "MA.156.M0.100761.21234561.L1", NULL },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t key[CODE_KEY_MAX], back[CODE_KEY_MAX];
		char dl[CODE_TEXT_MAX];
		size_t n = case_key(cases[i].scan, key);
		int got = code_key_dl(key, n, dl, sizeof(dl));

		if (cases[i].dl == NULL) {
			assert_int_equal(got, -1);
			continue;
		}
		assert_int_equal(got, (int)strlen(cases[i].dl));
		assert_string_equal(dl, cases[i].dl);
		assert_int_equal(code_key_parse(dl, strlen(dl), back), (int)n);
		assert_memory_equal(back, key, n);
		assert_int_equal(code_key_dl(key, n, dl, strlen(cases[i].dl)), -1);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layouts),
		cmocka_unit_test(test_digital_link),
		cmocka_unit_test(test_not_keys),
		cmocka_unit_test(test_parse_permissive),
		cmocka_unit_test(test_order),
	};

	return cmocka_run_group_tests_name("code_key", tests, NULL, NULL);
}
