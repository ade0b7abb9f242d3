/*
 * test_code_ma.c — MA (IDcode) UDIs: DI segments, PI segments, dates,
 * keys by serial or lot, refusals.
 */
#include "test_code_cases.h"
#include "code_ma.h"

#define DI "MA.156.M0.100761.21234561"

static const struct code_case cases[] = {
	/* DOMAIN.md example shape */
	{ .in = DI ".Sx00008.M220117.L20220117.E220130.C3",
	  .type = CODE_UDI_MA, .key = DI ".Sx00008", .product = DI,
	  .serial = "x00008", .lot = "20220117", .expiry = "2022-01-30",
	  .prod = "2022-01-17" },
	{ .in = DI ".L20220117.E20220130", .type = CODE_UDI_MA,
	  .key = DI ".L20220117", .serial = "", .lot = "20220117",
	  .expiry = "2022-01-30" },
	{ .in = DI ".L20220117", .flags = CODE_OPT_REQUIRE_SERIAL,
	  .err = CODE_E_LOT_ONLY },
	{ .in = DI ".S1.P20220117", .type = CODE_UDI_MA, .prod = "2022-01-17" },
	{ .in = DI ".S1.V270100", .err = CODE_E_DATE, .msg = "day 00" },
	{ .in = DI ".S1.V270131", .type = CODE_UDI_MA, .expiry = "2027-01-31" },
	{ .in = DI ".S1.E270131.V280131", .type = CODE_UDI_MA,
	  .expiry = "2027-01-31" },
	{ .in = DI ".S1.D7788", .type = CODE_UDI_MA },
	{ .in = "]Q1" DI ".S1", .type = CODE_UDI_MA, .key = DI ".S1" },
	{ .in = "MA.156.M0.1.X.S1", .type = CODE_UDI_MA,
	  .key = "MA.156.M0.1.X.S1", .product = "MA.156.M0.1.X" },
	/* refusals */
	{ .in = DI, .err = CODE_E_NO_SERIAL, .product = DI },
	{ .in = DI ".E220130.C3", .err = CODE_E_NO_SERIAL },
	{ .in = "MA.156.M0.100761", .err = CODE_E_TRUNCATED },
	{ .in = "MA.156.M0.100761.", .err = CODE_E_TRUNCATED },
	{ .in = "MA.15.M0.100761.21234561.S1", .err = CODE_E_SYNTAX,
	  .msg = "3-digit country code" },
	{ .in = "MA.156.m0.100761.21234561.S1", .err = CODE_E_SYNTAX },
	{ .in = "MA.156.M0.10076A.21234561.S1", .err = CODE_E_SYNTAX },
	{ .in = "MA.156.M0.1234567890123.21234561.S1", .err = CODE_E_SYNTAX },
	{ .in = "MA.156.M0.100761.212345612345678901234.S1",
	  .err = CODE_E_SYNTAX },
	{ .in = DI ".S1.C3.L2", .err = CODE_E_SYNTAX, .msg = "must be last" },
	{ .in = DI ".S1.S2", .err = CODE_E_CONFLICT },
	{ .in = DI ".S1.M220117.P220117", .err = CODE_E_CONFLICT },
	{ .in = DI ".X1", .err = CODE_E_SYNTAX, .msg = "not one of" },
	{ .in = DI ".S", .err = CODE_E_SYNTAX },
	{ .in = DI ".S1.", .err = CODE_E_SYNTAX },
	{ .in = DI "..S1", .err = CODE_E_SYNTAX },
	{ .in = DI ".S1-2", .err = CODE_E_CHARSET },
	{ .in = DI ".S123456789012345678901", .err = CODE_E_LENGTH },
	{ .in = DI ".S1.E221301", .err = CODE_E_DATE },
	{ .in = DI ".S1.E2201301", .err = CODE_E_DATE, .msg = "YYMMDD or" },
	{ .in = DI ".S1.E220229", .err = CODE_E_DATE },
	{ .in = DI ".S1.E20240229", .type = CODE_UDI_MA,
	  .expiry = "2024-02-29" },
	{ .in = DI ".S1.C123", .err = CODE_E_LENGTH },
};

static void test_cases(void **state)
{
	(void)state;
	RUN_CASES(cases);
}

static void test_keys(void **state)
{
	static const uint8_t ser[] = "\x18" "156.M0.100761.21234561" "\0"
	                             "x00008";
	static const uint8_t bad[][40] = {
		"\x18" "156.M0.100761.21234561",        /* no NUL */
		"\x18" "156.M0.100761" "\0" "S",         /* DI too short */
		"\x18" "156.M0.100761.2.3" "\0" "S",     /* a dot too many */
		"\x18" "156.M0.100761.21234561" "\0",   /* empty serial */
		"\x18" "156.M0.100761.21234561" "\0" ".", /* not alnum */
	};
	static const size_t bad_len[] = { 23, 16, 20, 24, 25 };
	uint8_t k[CODE_KEY_MAX];
	char text[CODE_TEXT_MAX];

	(void)state;
	assert_int_equal(case_key(DI ".Sx00008.M220117.L20220117.E220130.C3", k),
	                 sizeof(ser) - 1);
	assert_memory_equal(k, ser, sizeof(ser) - 1);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(ma_format(bad[i], bad_len[i], text,
		                           sizeof(text)), -1);
		assert_int_equal(code_key_type(bad[i], bad_len[i]), CODE_NONE);
	}
	assert_int_equal(ma_format(ser, sizeof(ser) - 1, text, 33), -1);
	assert_int_equal(ma_format(ser, sizeof(ser) - 1, text, 34), 33);
	assert_string_equal(text, DI ".Sx00008");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_keys),
	};

	return cmocka_run_group_tests_name("code_ma", tests, NULL, NULL);
}
