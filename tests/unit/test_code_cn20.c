/*
 * test_code_cn20.c — CN 20-digit drug traceability codes: fields, the
 * 9-byte key, keyboard and scanner noise, refusals, key order.
 */
#include "test_code_cases.h"
#include "code_cn20.h"

#define CN "83012345678901234567"
#define FW8 "\xef\xbc\x98"     /* full-width digits ８ ３ ０ ... */
#define FW3 "\xef\xbc\x93"
#define FW0 "\xef\xbc\x90"
#define FW1 "\xef\xbc\x91"
#define FW2 "\xef\xbc\x92"
#define FW4 "\xef\xbc\x94"
#define FW5 "\xef\xbc\x95"
#define FW6 "\xef\xbc\x96"
#define FW7 "\xef\xbc\x97"
#define FW9 "\xef\xbc\x99"
#define FWCN FW8 FW3 FW0 FW1 FW2 FW3 FW4 FW5 FW6 FW7 FW8 FW9 FW0 FW1 FW2 \
             FW3 FW4 FW5 FW6 FW7

static const struct code_case cases[] = {
	/* DOMAIN.md worked example */
	{ .in = CN, .type = CODE_CN20, .key = CN, .product = "8301234",
	  .serial = "567890123", .lot = "", .expiry = "", .prod = "" },
	{ .in = FWCN "\r\n", .type = CODE_CN20, .key = CN,
	  .product = "8301234", .serial = "567890123" },
	{ .in = FWCN, .type = CODE_CN20, .key = CN },
	{ .in = "  " CN " \r\n", .type = CODE_CN20, .key = CN },
	{ .in = "\t" CN "\n", .type = CODE_CN20, .key = CN },
	{ .in = CN "\r", .type = CODE_CN20, .key = CN },
	{ .in = "\xe3\x80\x80" CN "\xe3\x80\x80", .type = CODE_CN20, .key = CN },
	{ .in = "\xef\xbb\xbf" CN, .type = CODE_CN20, .key = CN },
	{ .in = "8301234" FW5 "67890123" "4567", .type = CODE_CN20, .key = CN },
	/* Code 128 symbology identifier */
	{ .in = "]C0" CN, .type = CODE_CN20, .key = CN },
	/* typed from the printed digits, in groups */
	{ .in = "8301234 567890123 4567", .type = CODE_CN20, .key = CN },
	{ .in = "8301 2345 6789 0123 4567", .type = CODE_CN20, .key = CN },
	{ .in = "80000000000000000000", .type = CODE_CN20,
	  .key = "80000000000000000000", .product = "8000000",
	  .serial = "000000000" },
	{ .in = "89999999999999999999", .type = CODE_CN20,
	  .key = "89999999999999999999" },
	/* the first digit: 8 unless configured otherwise */
	{ .in = "13012345678901234567", .err = CODE_E_FORMAT,
	  .msg = "start with 8" },
	{ .in = "13012345678901234567", .flags = CODE_OPT_CN20_ANY_LEAD,
	  .type = CODE_CN20, .key = "13012345678901234567",
	  .product = "1301234" },
	{ .in = "99999999999999999999", .flags = CODE_OPT_CN20_ANY_LEAD,
	  .type = CODE_CN20, .key = "99999999999999999999" },
	{ .in = "00000000000000000000", .flags = CODE_OPT_CN20_ANY_LEAD,
	  .type = CODE_CN20, .key = "00000000000000000000" },
	/* truncated, too long, stray characters */
	{ .in = "8301234567890123456", .err = CODE_E_TRUNCATED, .at = AT(19),
	  .msg = "19 digits" },
	{ .in = "830123456789012", .err = CODE_E_TRUNCATED },
	{ .in = "830123456789012345678", .err = CODE_E_LENGTH,
	  .msg = "21 digits" },
	{ .in = CN CN, .err = CODE_E_LENGTH, .msg = "run together" },
	{ .in = "8301234567890123456A", .err = CODE_E_CHARSET, .at = AT(19),
	  .msg = "not a digit" },
	{ .in = "83012345678901O4567", .err = CODE_E_CHARSET, .at = AT(14) },
	{ .in = "8301234-567890123-4567", .err = CODE_E_CHARSET, .at = AT(7) },
	{ .in = "83012345678901234567\r\n83012345678901234568",
	  .err = CODE_E_CHARSET },
	{ .in = "8301234  567890123 4567", .err = CODE_E_CHARSET },
	{ .in = "8301234 56789012 4567", .err = CODE_E_TRUNCATED },
	{ .in = FW8 FW3 FW0 "\xe4\xb8\xad" "12345678901234567",
	  .err = CODE_E_CHARSET, .at = AT(9) },
};

static void test_cases(void **state)
{
	(void)state;
	RUN_CASES(cases);
}

/* The key is the number in 9 big-endian bytes after the type byte. */
static void test_key_bytes(void **state)
{
	static const struct {
		const char *digits;
		uint8_t key[CN20_KEY_LEN];
	} keys[] = {
		{ CN, { 0x01, 0x04, 0x80, 0x07, 0x18, 0x93, 0xa2, 0xd7, 0x4b,
		        0x87 } },
		{ "80000000000000000000", { 0x01, 0x04, 0x56, 0x39, 0x18,
		        0x24, 0x4f, 0x40, 0x00, 0x00 } },
		{ "89999999999999999999", { 0x01, 0x04, 0xe1, 0x00, 0x3b,
		        0x28, 0xd9, 0x27, 0xff, 0xff } },
		{ "99999999999999999999", { 0x01, 0x05, 0x6b, 0xc7, 0x5e,
		        0x2d, 0x63, 0x0f, 0xff, 0xff } },
		{ "00000000000000000000", { 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0 } },
	};
	struct code_opts opts = { 2026, CODE_OPT_CN20_ANY_LEAD };
	struct code_result r;
	char text[32];

	(void)state;
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		assert_int_equal(code_parse(keys[i].digits, 20, &opts, &r),
		                 CODE_OK);
		assert_int_equal(r.cr_key_len, CN20_KEY_LEN);
		assert_memory_equal(r.cr_key, keys[i].key, CN20_KEY_LEN);
		assert_int_equal(cn20_format(keys[i].key, CN20_KEY_LEN, text,
		                             sizeof(text)), 20);
		assert_string_equal(text, keys[i].digits);
	}
}

/* Only keys cn20_parse() makes are formatted. */
static void test_format_refuses(void **state)
{
	/* 10^20: 21 digits */
	static const uint8_t big[] = { 0x01, 0x05, 0x6b, 0xc7, 0x5e, 0x2d,
	                               0x63, 0x10, 0x00, 0x00 };
	static const uint8_t ff[] = { 0x01, 0xff, 0xff, 0xff, 0xff, 0xff,
	                              0xff, 0xff, 0xff, 0xff };
	char text[32];

	(void)state;
	assert_int_equal(cn20_format(big, sizeof(big), text, sizeof(text)), -1);
	assert_int_equal(cn20_format(ff, sizeof(ff), text, sizeof(text)), -1);
	assert_int_equal(cn20_format(big, 9, text, sizeof(text)), -1);
	assert_int_equal(cn20_format(big, 11, text, sizeof(text)), -1);
	assert_int_equal(code_key_type(big, sizeof(big)), CODE_NONE);
	assert_int_equal(cn20_format((const uint8_t *)"\x01" "123456789", 10,
	                             text, 20), -1); /* no room for NUL */
}

/* Random codes: text -> key -> text is the identity, and memcmp order of
 * keys is the numeric order of the codes (so keys group by prefix). */
static void test_roundtrip_order(void **state)
{
	struct code_opts opts = { 2026, CODE_OPT_CN20_ANY_LEAD };
	uint64_t x = 0x9e3779b97f4a7c15ull;
	char prev[21] = "", d[21], text[32];
	uint8_t prev_key[CN20_KEY_LEN] = { 0 };

	(void)state;
	for (int i = 0; i < 20000; i++) {
		struct code_result r;

		for (int j = 0; j < 20; j++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			d[j] = (char)('0' + x % 10);
		}
		d[20] = '\0';
		assert_int_equal(code_parse(d, 20, &opts, &r), CODE_OK);
		assert_int_equal(cn20_format(r.cr_key, r.cr_key_len, text,
		                             sizeof(text)), 20);
		assert_string_equal(text, d);
		if (prev[0] != '\0') {
			int c1 = strcmp(prev, d), c2 = memcmp(prev_key, r.cr_key,
			                                      CN20_KEY_LEN);
			assert_true((c1 < 0 && c2 < 0) || (c1 > 0 && c2 > 0) ||
			            (c1 == 0 && c2 == 0));
		}
		memcpy(prev, d, 21);
		memcpy(prev_key, r.cr_key, CN20_KEY_LEN);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_key_bytes),
		cmocka_unit_test(test_format_refuses),
		cmocka_unit_test(test_roundtrip_order),
	};

	return cmocka_run_group_tests_name("code_cn20", tests, NULL, NULL);
}
