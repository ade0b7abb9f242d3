/*
 * test_code_hibc.c — HIBC LIC data structures: primary, secondary,
 * concatenated and split; every date format; mod-43 check characters.
 */
#include "test_code_cases.h"
#include "code_hibc.h"

#define P "+A123BJC5D6E71"      /* primary without its check character */
#define PD "+A123BJC5D6E71G"    /* the primary as printed alone */

static const struct code_case cases[] = {
	/* DOMAIN.md worked examples */
	{ .in = PD, .err = CODE_E_NO_SERIAL, .product = PD,
	  .msg = "identifies a product, not a unit" },
	{ .in = P "/$$3271231LOT1D", .type = CODE_UDI_HIBC,
	  .key = P "/$LOT1+", .product = PD, .lot = "LOT1", .serial = "",
	  .expiry = "2027-12-31" },
	{ .in = "+$$3271231LOT1GE", .err = CODE_E_PARTIAL, .lot = "LOT1",
	  .expiry = "2027-12-31", .msg = "needs its primary" },
	/* split: primary and secondary pasted together */
	{ .in = PD "\n+$$3271231LOT1GE", .type = CODE_UDI_HIBC,
	  .key = P "/$LOT1+", .product = PD, .lot = "LOT1",
	  .expiry = "2027-12-31" },
	{ .in = PD "\r\n+$$3271231LOT1GE\r\n", .type = CODE_UDI_HIBC,
	  .key = P "/$LOT1+" },
	{ .in = PD " +$$3271231LOT1GE", .type = CODE_UDI_HIBC,
	  .key = P "/$LOT1+" },
	{ .in = PD "\n+$$3271231LOT1HF", .err = CODE_E_CHECK,
	  .msg = "belong to different products" },
	{ .in = PD "\n" PD, .err = CODE_E_SYNTAX },
	{ .in = "+$$3271231LOT1GE\n" PD, .err = CODE_E_SYNTAX },
	/* lot and serial flags */
	{ .in = P "/$LOT1+", .type = CODE_UDI_HIBC, .key = P "/$LOT1+",
	  .lot = "LOT1" },
	{ .in = P "/$LOT1+", .flags = CODE_OPT_REQUIRE_SERIAL,
	  .err = CODE_E_LOT_ONLY },
	{ .in = P "/$+SER9%", .type = CODE_UDI_HIBC, .key = P "/$+SER9%",
	  .serial = "SER9", .lot = "" },
	{ .in = P "/$$+3271231SER9E", .type = CODE_UDI_HIBC,
	  .key = P "/$+SER9%", .serial = "SER9", .expiry = "2027-12-31" },
	{ .in = P "/$$+7SER70", .type = CODE_UDI_HIBC, .serial = "SER7",
	  .expiry = "" },
	{ .in = P "/$$+0227SER85", .serial = "SER8", .type = CODE_UDI_HIBC,
	  .expiry = "2027-02-28" },
	{ .in = P "/$LOT1/SSER17", .type = CODE_UDI_HIBC, .lot = "LOT1",
	  .serial = "SER1", .key = P "/$+SER1Y" },
	{ .in = P "/$+SER7/SX1D", .err = CODE_E_SYNTAX },
	/* every expiry date format */
	{ .in = P "/$$0227LOT9D", .type = CODE_UDI_HIBC, .lot = "LOT9",
	  .expiry = "2027-02-28" },
	{ .in = P "/$$2123127LOT2D", .type = CODE_UDI_HIBC, .lot = "LOT2",
	  .expiry = "2027-12-31" },
	{ .in = P "/$$427123114LOT4M", .type = CODE_UDI_HIBC, .lot = "LOT4",
	  .expiry = "2027-12-31" },
	{ .in = P "/$$527365LOT5Q", .type = CODE_UDI_HIBC, .lot = "LOT5",
	  .expiry = "2027-12-31" },
	{ .in = P "/$$528060LOT5J", .type = CODE_UDI_HIBC,
	  .expiry = "2028-02-29" },
	{ .in = P "/$$62736523LOT6X", .type = CODE_UDI_HIBC, .lot = "LOT6",
	  .expiry = "2027-12-31" },
	{ .in = P "/$$7LOT77", .type = CODE_UDI_HIBC, .lot = "LOT7",
	  .expiry = "" },
	{ .in = P "/$$8103271231LOT8T", .type = CODE_UDI_HIBC, .lot = "LOT8",
	  .expiry = "2027-12-31" },
	{ .in = P "/$$9000103271231LOT9V", .type = CODE_UDI_HIBC,
	  .lot = "LOT9", .expiry = "2027-12-31" },
	{ .in = P "/$LOT1/14D20271231/16D20250101G", .type = CODE_UDI_HIBC,
	  .lot = "LOT1", .expiry = "2027-12-31", .prod = "2025-01-01" },
	{ .in = P "/$$+7SER7/16D20250101S", .type = CODE_UDI_HIBC,
	  .serial = "SER7", .prod = "2025-01-01" },
	/* legacy secondary: Julian date, then lot */
	{ .in = P "/27365LOTJ0", .type = CODE_UDI_HIBC, .lot = "LOTJ",
	  .expiry = "2027-12-31" },
	/* check characters that are symbols, a space included (which the
	 * clean-up must not eat) */
	{ .in = P "/$L8 ", .type = CODE_UDI_HIBC, .lot = "L8" },
	{ .in = "+A123B391 \n+$LOT1 L", .type = CODE_UDI_HIBC, .lot = "LOT1",
	  .product = "+A123B391 " },
	/* fuzz_hibc finding: a space check character after a final 'J'.
	 * Trimmed, the 'J' passes for the check character and leaves the
	 * lot empty; the reading with the space is the code, and its
	 * canonical text avoids the space with date format 7. */
	{ .in = "+C28231/$J ", .type = CODE_UDI_HIBC, .lot = "J",
	  .key = "+C28231/$$7J+", .product = "+C28231Q" },
	{ .in = "+C28231/$J \r\n", .type = CODE_UDI_HIBC, .lot = "J" },
	{ .in = "+C28231/$$7J+", .type = CODE_UDI_HIBC, .lot = "J",
	  .key = "+C28231/$$7J+" },
	/* neither reading valid: the error is the trimmed scan's */
	{ .in = "+C28231/$K ", .err = CODE_E_CHECK, .at = AT(9),
	  .msg = "check character 'K' is wrong" },
	{ .in = "]A0" P "/$LOT1+", .type = CODE_UDI_HIBC, .lot = "LOT1" },
	{ .in = "]d1" P "/$LOT1+", .type = CODE_UDI_HIBC, .lot = "LOT1" },
	/* refusals */
	{ .in = "+A123BJC5D6E71H", .err = CODE_E_CHECK, .at = AT(14),
	  .msg = "check character 'H' is wrong" },
	{ .in = "+a123bjc5d6e71g", .err = CODE_E_CHARSET, .at = AT(1),
	  .msg = "Caps Lock" },
	{ .in = P "/$LOT_1X", .err = CODE_E_CHARSET },
	{ .in = "+1123BJC5D6E717", .err = CODE_E_SYNTAX,
	  .msg = "must start with '$'" },
	{ .in = "+A123BJC5D6E7AP", .err = CODE_E_SYNTAX },
	{ .in = "+A1231F", .err = CODE_E_SYNTAX },
	{ .in = "+A12312345678901234567891J", .err = CODE_E_LENGTH },
	{ .in = "+", .err = CODE_E_TRUNCATED },
	{ .in = "+A12", .err = CODE_E_TRUNCATED },
	{ .in = P "/$ABCDEFGHIJKLMNOPQRSQ", .err = CODE_E_LENGTH,
	  .msg = "1 to 18" },
	{ .in = P "/$$3271331LOTD", .err = CODE_E_DATE },
	{ .in = P "/$$527366LOTM", .err = CODE_E_DATE, .msg = "day of the year" },
	{ .in = P "/$$X271231LOT%", .err = CODE_E_SYNTAX,
	  .msg = "date format digit" },
	{ .in = P "/$LOT1/Q12O", .err = CODE_E_SYNTAX, .msg = "supplementary" },
	{ .in = P "/$LOT1/14D20271332X", .err = CODE_E_DATE },
	{ .in = P "/$$5", .err = CODE_E_TRUNCATED },
	{ .in = P "/$9", .err = CODE_E_TRUNCATED },
	{ .in = P "/$LOT1/SN", .err = CODE_E_TRUNCATED },
	{ .in = P "/$$8D", .err = CODE_E_SYNTAX, .msg = "quantity" },
	{ .in = P "/$LOT 1-", .err = CODE_E_CHARSET },
};

static void test_cases(void **state)
{
	(void)state;
	RUN_CASES(cases);
}

static void test_check_char(void **state)
{
	static const struct {
		const char *data;
		char check;
	} checks[] = {
		{ "+A123BJC5D6E71", 'G' },  /* 41+16+88 = 145, 145 % 43 = 16 */
		{ "+A123BJC5D6E71/$$3271231LOT1", 'D' },
		{ "+$$3271231LOT1G", 'E' },
		{ "+", '+' },
		{ "", '0' },
		{ "%%", '+' },               /* 84 % 43 = 41 */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(checks) / sizeof(checks[0]); i++)
		assert_int_equal(hibc_check(checks[i].data,
		                            strlen(checks[i].data)),
		                 checks[i].check);
	for (int c = 0; c < 256; c++) {
		int v = hibc_value(c);

		if (c >= '0' && c <= '9')
			assert_int_equal(v, c - '0');
		else if (c >= 'A' && c <= 'Z')
			assert_int_equal(v, c - 'A' + 10);
		else if (strchr("-. $/+%", c) != NULL && c != 0)
			assert_true(v >= 36 && v <= 42);
		else
			assert_int_equal(v, -1);
	}
}

/* Keys: DI, NUL, serial or lot; malformed keys do not format. */
static void test_keys(void **state)
{
	static const uint8_t lot_key[] = "\x11" "A123BJC5D6E71" "\0" "LOT1";
	static const uint8_t ser_key[] = "\x10" "A123BJC5D6E71" "\0" "SER9";
	static const uint8_t jlot_key[] = "\x11" "C28231" "\0" "J";
	static const uint8_t jser_key[] = "\x10" "A123BJC5D6E71" "\0" "SERTJ";
	static const uint8_t bad[][24] = {
		"\x11" "A123BJC5D6E71",             /* no NUL */
		"\x11" "A123BJC5D6E71" "\0",        /* empty lot */
		"\x11" "1123BJC5D6E71" "\0" "L",    /* LIC starts with digit */
		"\x11" "A123BJC5D6E7A" "\0" "L",    /* no unit of measure */
		"\x11" "A123BJC5D6E71" "\0" "l",    /* lower case */
	};
	static const size_t bad_len[] = { 14, 15, 16, 16, 16 };
	uint8_t k[CODE_KEY_MAX];
	char text[CODE_TEXT_MAX];

	(void)state;
	assert_int_equal(case_key(P "/$$3271231LOT1D", k), sizeof(lot_key) - 1);
	assert_memory_equal(k, lot_key, sizeof(lot_key) - 1);
	assert_int_equal(case_key(P "/$$+3271231SER9E", k), sizeof(ser_key) - 1);
	assert_memory_equal(k, ser_key, sizeof(ser_key) - 1);
	assert_int_equal(hibc_format(ser_key, sizeof(ser_key) - 1, text,
	                             sizeof(text)), 22);
	assert_string_equal(text, P "/$+SER9%");
	assert_int_equal(hibc_format(ser_key, sizeof(ser_key) - 1, text, 22),
	                 -1);
	/* fuzz_hibc finding: where "/$" or "/$+" would give a space check
	 * character, which a scan's clean-up trims, the text uses "/$$7" or
	 * "/$$+7" (no date) and parses back to the same key. */
	assert_int_equal(hibc_format(jlot_key, sizeof(jlot_key) - 1, text,
	                             sizeof(text)), 13);
	assert_string_equal(text, "+C28231/$$7J+");
	assert_int_equal(case_key(text, k), sizeof(jlot_key) - 1);
	assert_memory_equal(k, jlot_key, sizeof(jlot_key) - 1);
	assert_int_equal(hibc_format(jser_key, sizeof(jser_key) - 1, text,
	                             sizeof(text)), 25);
	assert_string_equal(text, P "/$$+7SERTJ+");
	assert_int_equal(case_key(text, k), sizeof(jser_key) - 1);
	assert_memory_equal(k, jser_key, sizeof(jser_key) - 1);
	assert_int_equal(hibc_format(jser_key, sizeof(jser_key) - 1, text, 25),
	                 -1);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(hibc_format(bad[i], bad_len[i], text,
		                             sizeof(text)), -1);
		assert_int_equal(code_key_type(bad[i], bad_len[i]), CODE_NONE);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_check_char),
		cmocka_unit_test(test_keys),
	};

	return cmocka_run_group_tests_name("code_hibc", tests, NULL, NULL);
}
