/*
 * test_code_gs1.c — GS1 element strings (raw, as scanners send them, and
 * bracketed) and what they identify: SGTIN, LGTIN, SSCC, GLN; refusals.
 */
#include "test_code_cases.h"
#include "code_gs1.h"

#define GS "\x1d"
#define G "06901234567892"          /* GTIN-14 of the DOMAIN examples */
#define KEY_SN "(01)" G "(21)SN12345"

static const struct code_case raw_ok[] = {
	/* DOMAIN.md worked example, and the same data in other carriers */
	{ .in = "]d2" "01" G "17271231" "10A1B2C3" GS "21SN12345",
	  .type = CODE_SGTIN, .key = KEY_SN, .product = G,
	  .serial = "SN12345", .lot = "A1B2C3", .expiry = "2027-12-31",
	  .prod = "" },
	{ .in = "]C1" "01" G "17271231" "10A1B2C3" GS "21SN12345",
	  .type = CODE_SGTIN, .key = KEY_SN, .lot = "A1B2C3" },
	{ .in = "]Q3" "01" G "17271231" "10A1B2C3" GS "21SN12345",
	  .type = CODE_SGTIN, .key = KEY_SN },
	{ .in = "]Q4" "01" G "21SN12345", .type = CODE_SGTIN, .key = KEY_SN },
	{ .in = "]d5" "01" G "21SN12345", .type = CODE_SGTIN, .key = KEY_SN },
	{ .in = "]e0" "01" G "21SN12345", .type = CODE_SGTIN, .key = KEY_SN },
	{ .in = "]J1" "01" G "21SN12345", .type = CODE_SGTIN, .key = KEY_SN },
	/* FNC1 sent as a leading GS; no symbology identifier at all */
	{ .in = GS "01" G "17271231" "10A1B2C3" GS "21SN12345",
	  .type = CODE_SGTIN, .key = KEY_SN, .expiry = "2027-12-31" },
	{ .in = "01" G "17271231" "10A1B2C3" GS "21SN12345",
	  .type = CODE_SGTIN, .key = KEY_SN, .lot = "A1B2C3" },
	/* a leading GS after the identifier, a trailing GS, doubled GS */
	{ .in = "]d2" GS "01" G "21SN12345" GS, .type = CODE_SGTIN,
	  .key = KEY_SN },
	{ .in = "]d2" "01" G GS GS "21SN12345", .type = CODE_SGTIN,
	  .key = KEY_SN },
	/* a redundant GS after a predefined-length field */
	{ .in = "]d2" "01" G GS "17271231" GS "21SN12345", .type = CODE_SGTIN,
	  .key = KEY_SN, .expiry = "2027-12-31" },
	/* any order; serial first */
	{ .in = "]d2" "21SN12345" GS "01" G "10A1B2C3" GS "17271231",
	  .type = CODE_SGTIN, .key = KEY_SN, .lot = "A1B2C3",
	  .expiry = "2027-12-31" },
	{ .in = "]d2" "10A1B2C3" GS "21SN12345" GS "01" G,
	  .type = CODE_SGTIN, .key = KEY_SN },
	/* production and expiry date, EU FMD national number, extras */
	{ .in = "]d2" "01" G "11250115" "17280131" "10L1" GS "21S1" GS
	        "710" "PZN12345",
	  .type = CODE_SGTIN, .serial = "S1", .lot = "L1",
	  .expiry = "2028-01-31", .prod = "2025-01-15" },
	{ .in = "]d2" "01" G "21S1" GS "240" "REF-77/B" GS "30" "12" GS
	        "91" "internal data" "x",
	  .err = CODE_E_CHARSET },
	{ .in = "]d2" "01" G "21S1" GS "240" "REF-77/B" GS "30" "12" GS
	        "91" "internal_data",
	  .type = CODE_SGTIN, .serial = "S1" },
	{ .in = "]d2" "01" G "21S1" GS "8008" "25011508" GS "7240" "PROT1",
	  .type = CODE_SGTIN },
	{ .in = "]d2" "01" G "3103" "000525" "21S1", .type = CODE_SGTIN },
	/* GS1 character set 82: punctuation and lower case in a serial */
	{ .in = "]d2" "01" G "21" "a!\"%&'()*+,-./:;<=>?_z",
	  .err = CODE_E_LENGTH },
	{ .in = "]d2" "01" G "21" "a!\"%&'()*+,-./:;<=>z",
	  .type = CODE_SGTIN, .serial = "a!\"%&'()*+,-./:;<=>z",
	  .key = "(01)" G "(21)a!\"%&'\\()*+,-./:;<=>z" },
	/* case GTIN and variable-measure GTIN */
	{ .in = "]d2" "0116901234567899" "21C0001", .type = CODE_SGTIN,
	  .product = "16901234567899", .key = "(01)16901234567899(21)C0001" },
	{ .in = "]d2" "0196901234567895" "21V1", .type = CODE_SGTIN,
	  .product = "96901234567895" },
	/* 7003 expiry date and time gives the expiry when 17 is absent */
	{ .in = "]d2" "01" G "7003" "2712312359" GS "21S1",
	  .type = CODE_SGTIN, .expiry = "2027-12-31" },
	{ .in = "]d2" "01" G "7003" "2712312359" "21S1", .type = CODE_SGTIN,
	  .expiry = "2027-12-31", .serial = "S1" },
	/* the same AI twice with the same value is harmless */
	{ .in = "]d2" "01" G "21S1" GS "01" G, .type = CODE_SGTIN },
};

static const struct code_case identity[] = {
	/* GTIN + lot without serial: a lot-level key (devices) */
	{ .in = "]d2" "01" G "17271231" "10A1B2C3", .type = CODE_LGTIN,
	  .key = "(01)" G "(10)A1B2C3", .product = G, .lot = "A1B2C3",
	  .serial = "", .expiry = "2027-12-31" },
	{ .in = "]d2" "01" G "17271231" "10A1B2C3",
	  .flags = CODE_OPT_REQUIRE_SERIAL, .err = CODE_E_LOT_ONLY,
	  .msg = "identifies a lot, not a pack", .product = G },
	{ .in = "(01)" G "(10)A1B2C3(21)S9", .type = CODE_SGTIN,
	  .flags = CODE_OPT_REQUIRE_SERIAL, .key = "(01)" G "(21)S9" },
	/* SSCC, with content and count */
	{ .in = "]C1" "00" "069012340000000016", .type = CODE_SSCC,
	  .key = "(00)069012340000000016", .serial = "069012340000000016",
	  .product = "" },
	{ .in = "]C1" "00" "069012340000000016" "02" G "37" "24",
	  .type = CODE_SSCC, .key = "(00)069012340000000016" },
	/* GLN of a location, with and without extension; party GLN */
	{ .in = "(414)6901234000016", .type = CODE_SGLN,
	  .key = "(414)6901234000016", .product = "6901234000016",
	  .serial = "" },
	{ .in = "(414)6901234000016(254)DOCK-7", .type = CODE_SGLN,
	  .key = "(414)6901234000016(254)DOCK-7", .serial = "DOCK-7" },
	{ .in = "]C1" "414" "6901234000016" "254" "A", .type = CODE_SGLN,
	  .key = "(414)6901234000016(254)A" },
	{ .in = "(417)6901234000023", .type = CODE_PGLN,
	  .key = "(417)6901234000023", .product = "6901234000023" },
	/* refusals: a product, not a pack */
	{ .in = "(01)" G, .err = CODE_E_NO_SERIAL, .at = AT(4), .product = G,
	  .msg = "GTIN 06901234567892 without serial" },
	{ .in = "]d2" "01" G "17271231", .err = CODE_E_NO_SERIAL,
	  .expiry = "2027-12-31" },
	{ .in = "]d2" "01" G "11250101" "17271231", .err = CODE_E_NO_SERIAL },
	{ .in = "(02)" G "(37)10", .err = CODE_E_NO_SERIAL,
	  .msg = "content GTIN" },
	{ .in = "(10)A1B2C3(21)S1", .err = CODE_E_FORMAT,
	  .msg = "without an identification key" },
	{ .in = "(01)" G "(235)TPX1", .err = CODE_E_UNSUPPORTED,
	  .msg = "(235)" },
	/* other GS1 keys are well formed but not tracked */
	{ .in = "(8004)6901234ASSET1", .err = CODE_E_UNSUPPORTED,
	  .msg = "GIAI" },
	{ .in = "(8018)690123400000000018", .err = CODE_E_UNSUPPORTED,
	  .msg = "GSRN recipient" },
	{ .in = "(8017)690123400000000019", .err = CODE_E_CHECK },
	{ .in = "(253)6901234000016DOC1", .err = CODE_E_UNSUPPORTED,
	  .msg = "GDTI" },
	{ .in = "(8003)06901234567892A1", .err = CODE_E_UNSUPPORTED },
	{ .in = "(8003)16901234567892A1", .err = CODE_E_SYNTAX,
	  .msg = "must be 0" },
	{ .in = "(8006)069012345678920102", .err = CODE_E_UNSUPPORTED,
	  .msg = "ITIP" },
	{ .in = "(8006)069012345678920302", .err = CODE_E_SYNTAX,
	  .msg = "piece number" },
	{ .in = "(8013)1987654Ad4X4bL5ttr2310c2K", .err = CODE_E_UNSUPPORTED,
	  .msg = "GMN" },
	{ .in = "(8013)1987654Ad4X4bL5ttr2310c2L", .err = CODE_E_CHECK,
	  .msg = "check character pair" },
	/* two identities, or one field twice with two values */
	{ .in = "(00)069012340000000016(01)" G "(21)S1",
	  .err = CODE_E_CONFLICT },
	{ .in = "]d2" "01" G "21S1" GS "21S2", .err = CODE_E_CONFLICT,
	  .msg = "appears twice" },
	{ .in = "(01)" G "(17)271231(17)271130(21)S1", .err = CODE_E_CONFLICT },
};

static const struct code_case raw_bad[] = {
	/* check digits */
	{ .in = "]d2" "0106901234567891" "21S1", .err = CODE_E_CHECK,
	  .at = AT(5), .msg = "check digit is wrong" },
	{ .in = "]C1" "00" "069012340000000017", .err = CODE_E_CHECK },
	{ .in = "(414)6901234000017", .err = CODE_E_CHECK },
	/* truncated scans */
	{ .in = "]d2" "010690123456", .err = CODE_E_TRUNCATED,
	  .msg = "14 expected" },
	{ .in = "]d2" "01" G "17", .err = CODE_E_TRUNCATED },
	{ .in = "]d2" "01" G "1727", .err = CODE_E_TRUNCATED },
	{ .in = "]d2" "01" G "2", .err = CODE_E_TRUNCATED,
	  .msg = "ends inside an Application Identifier" },
	{ .in = "]d2" "01" G "3", .err = CODE_E_TRUNCATED },
	{ .in = "]d2" "01" G "710", .err = CODE_E_LENGTH, .msg = "empty" },
	{ .in = "]d2" "01069012345" GS "21S1", .err = CODE_E_TRUNCATED,
	  .msg = "'069012345' has 9 characters" },
	/* unknown or misplaced AIs */
	{ .in = "]d2" "01" G "2345", .err = CODE_E_AI, .at = AT(19) },
	{ .in = "]d2" "01" G "04123", .err = CODE_E_AI },
	{ .in = "]d2" "01" G "A1", .err = CODE_E_SYNTAX },
	{ .in = "]d2" "01" G "14271231", .err = CODE_E_AI },
	{ .in = "]d2" "01" G "3106" "000525", .err = CODE_E_AI },
	/* over-length: usually a lost GS */
	{ .in = "]d2" "01" G "10A1B2C3" "21SN12345" "17271231" "XYZ",
	  .err = CODE_E_LENGTH, .msg = "missing GS separator" },
	{ .in = "]d2" "01" G "21" "123456789012345678901",
	  .err = CODE_E_LENGTH, .at = AT(41), .msg = "at most 20" },
	{ .in = "]d2" "01" G "21S1" GS "240" "1234567890123456789012345678901",
	  .err = CODE_E_LENGTH },
	/* character sets */
	{ .in = "]d2" "01" G "21SN 12345", .err = CODE_E_CHARSET, .at = AT(23) },
	{ .in = "]d2" "01" G "21SN#12345", .err = CODE_E_CHARSET },
	{ .in = "]d2" "01" G "21SN\xc3\xa9" "12345", .err = CODE_E_CHARSET,
	  .at = AT(23) },
	{ .in = "]d2" "01" G "21SN\x00" "12345", .len = 29,
	  .err = CODE_E_CHARSET, .at = AT(23) },
	{ .in = "]d2" "01" G "1727A231", .err = CODE_E_CHARSET,
	  .msg = "only digits" },
	{ .in = "]d2" "0106901234S67892" "21S1", .err = CODE_E_CHARSET },
	{ .in = "]d2" "01" G "21S1" GS "8010" "abc", .err = CODE_E_CHARSET },
	/* dates */
	{ .in = "]d2" "01" G "17271331" "21S1", .err = CODE_E_DATE,
	  .msg = "month is not 01-12" },
	{ .in = "]d2" "01" G "17270001" "21S1", .err = CODE_E_DATE },
	{ .in = "]d2" "01" G "17270432" "21S1", .err = CODE_E_DATE },
	{ .in = "]d2" "01" G "17270431" "21S1", .err = CODE_E_DATE,
	  .msg = "does not exist" },
	{ .in = "]d2" "01" G "17270229" "21S1", .err = CODE_E_DATE },
	{ .in = "]d2" "01" G "11271301" "21S1", .err = CODE_E_DATE },
	{ .in = "]d2" "01" G "7003" "2712002359" GS "21S1",
	  .err = CODE_E_DATE, .msg = "day 00" },
	{ .in = "]d2" "01" G "7003" "2712312459" GS "21S1",
	  .err = CODE_E_DATE, .msg = "hour" },
	{ .in = "]d2" "01" G "7003" "2712312360" GS "21S1",
	  .err = CODE_E_DATE, .msg = "minute" },
	{ .in = "]d2" "01" G "21S1" GS "4321" "2", .err = CODE_E_SYNTAX },
	/* empty symbols */
	{ .in = "]d2", .err = CODE_E_EMPTY },
	{ .in = "]d2" GS, .err = CODE_E_EMPTY },
	{ .in = GS GS, .err = CODE_E_EMPTY },
};

/* Dates: DD = 00 is the last day of the month, leap years included. */
static const struct code_case dates[] = {
	{ .in = "(01)" G "(17)270200(21)X1", .type = CODE_SGTIN,
	  .expiry = "2027-02-28" },
	{ .in = "(01)" G "(17)280200(21)X1", .type = CODE_SGTIN,
	  .expiry = "2028-02-29" },
	{ .in = "(01)" G "(17)240200(21)X1", .type = CODE_SGTIN,
	  .expiry = "2024-02-29" },
	{ .in = "(01)" G "(17)000200(21)X1", .type = CODE_SGTIN,
	  .expiry = "2000-02-29" },
	{ .in = "(01)" G "(17)280229(21)X1", .type = CODE_SGTIN,
	  .expiry = "2028-02-29" },
	{ .in = "(01)" G "(17)270100(21)X1", .type = CODE_SGTIN,
	  .expiry = "2027-01-31" },
	{ .in = "(01)" G "(17)270400(21)X1", .type = CODE_SGTIN,
	  .expiry = "2027-04-30" },
	{ .in = "(01)" G "(17)271100(21)X1", .type = CODE_SGTIN,
	  .expiry = "2027-11-30" },
	{ .in = "(01)" G "(17)271200(21)X1", .type = CODE_SGTIN,
	  .expiry = "2027-12-31" },
	{ .in = "(01)" G "(11)250600(21)X1", .type = CODE_SGTIN,
	  .prod = "2025-06-30",
	  .expiry = "" },
	/* century: within 50 years ahead, else last century (ref 2026) */
	{ .in = "(01)" G "(17)760101(21)X1", .type = CODE_SGTIN,
	  .expiry = "2076-01-01" },
	{ .in = "(01)" G "(17)770101(21)X1", .type = CODE_SGTIN,
	  .expiry = "1977-01-01" },
	{ .in = "(01)" G "(17)991231(21)X1", .type = CODE_SGTIN,
	  .expiry = "1999-12-31" },
	{ .in = "(01)" G "(11)990200(21)X1", .type = CODE_SGTIN,
	  .prod = "1999-02-28" },
	{ .in = "(01)" G "(17)000229(21)X1", .type = CODE_SGTIN,
	  .expiry = "2000-02-29" },
};

/* The bracketed human-readable form. */
static const struct code_case bracketed[] = {
	{ .in = "(01)" G "(17)271231(10)A1B2C3(21)SN12345",
	  .type = CODE_SGTIN, .key = KEY_SN, .product = G,
	  .serial = "SN12345", .lot = "A1B2C3", .expiry = "2027-12-31" },
	{ .in = "(01) " G " (17) 271231 (10) A1B2C3 (21) SN12345",
	  .type = CODE_SGTIN, .key = KEY_SN, .lot = "A1B2C3" },
	{ .in = "]C1(01)" G "(21)SN12345", .type = CODE_SGTIN, .key = KEY_SN },
	{ .in = "(21)SN12345(01)" G, .type = CODE_SGTIN, .key = KEY_SN },
	/* '(' inside a value: escaped, or not followed by an AI */
	{ .in = "(01)" G "(21)A\\(01)B", .type = CODE_SGTIN, .serial = "A(01)B",
	  .key = "(01)" G "(21)A\\(01)B" },
	{ .in = "(01)" G "(21)A(B", .type = CODE_SGTIN, .serial = "A(B",
	  .key = "(01)" G "(21)A\\(B" },
	{ .in = "(01)" G "(21)A(99)", .err = CODE_E_LENGTH, .msg = "empty" },
	{ .in = "(01)" G "(21)(", .type = CODE_SGTIN, .serial = "(" },
	{ .in = "(01)" G "(21)S1(21)S1", .type = CODE_SGTIN, .serial = "S1" },
	{ .in = "(01)" G "(21)S1(21)S2", .err = CODE_E_CONFLICT },
	/* malformed brackets */
	{ .in = "(01)" G "(21)", .err = CODE_E_LENGTH, .msg = "empty" },
	{ .in = "(1)" G, .err = CODE_E_SYNTAX, .at = AT(2) },
	{ .in = "(01" G, .err = CODE_E_SYNTAX },
	{ .in = "(01", .err = CODE_E_TRUNCATED },
	{ .in = "(01)" G "(2", .err = CODE_E_TRUNCATED },
	{ .in = "(23)ABC", .err = CODE_E_AI, .at = AT(1),
	  .msg = "(23) is not a GS1 Application Identifier" },
	{ .in = "(01)" G "x(21)S1", .err = CODE_E_LENGTH },
	{ .in = "(01)0690123456789(21)S1", .err = CODE_E_TRUNCATED,
	  .msg = "13 characters, 14 expected" },
	{ .in = "(01)069012345678920(21)S1", .err = CODE_E_LENGTH,
	  .msg = "15 characters, 14 expected" },
	{ .in = "(17)271231", .err = CODE_E_FORMAT },
};

static void test_raw_ok(void **state)
{
	(void)state;
	RUN_CASES(raw_ok);
}

static void test_identity(void **state)
{
	(void)state;
	RUN_CASES(identity);
}

static void test_raw_bad(void **state)
{
	(void)state;
	RUN_CASES(raw_bad);
}

static void test_dates(void **state)
{
	(void)state;
	RUN_CASES(dates);
}

static void test_bracketed(void **state)
{
	(void)state;
	RUN_CASES(bracketed);
}

/* The century window moves with the reference year. */
static void test_century(void **state)
{
	static const struct {
		int ref;
		const char *yymmdd;
		const char *want;
	} cases[] = {
		{ 2026, "761231", "2076-12-31" },
		{ 2026, "771231", "1977-12-31" },
		{ 2075, "251231", "2125-12-31" },
		{ 2075, "261231", "2026-12-31" },
		{ 2049, "990101", "2099-01-01" },
		{ 2050, "000101", "2100-01-01" },
		{ 2050, "990101", "2099-01-01" },
		{ 2099, "000229", "2100-02-28" },
		{ 2001, "520101", "1952-01-01" },
		{ 2001, "510101", "2051-01-01" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char in[64], date[11];
		struct code_opts o = { cases[i].ref, 0 };
		struct code_result r;

		snprintf(in, sizeof(in), "(01)" G "(17)%s(21)S", cases[i].yymmdd);
		if (strcmp(cases[i].yymmdd, "000229") == 0) {
			/* 2100 is no leap year: Feb 29th does not exist. */
			assert_int_equal(code_parse(in, strlen(in), &o, &r),
			                 CODE_E_DATE);
			snprintf(in, sizeof(in), "(01)" G "(17)000200(21)S");
		}
		assert_int_equal(code_parse(in, strlen(in), &o, &r), CODE_OK);
		code_date_format(&r.cr_expiry, date);
		assert_string_equal(date, cases[i].want);
	}
}

/* The element list itself, through the module's own API. */
static void test_elements(void **state)
{
	static const char s[] = "01" G "17271231" "10A1B2C3" GS "21SN12345";
	struct code_result r;
	struct code_ctx ctx = { &r, 0, 2026, 0 };
	struct gs1_msg m;
	unsigned parsed;

	(void)state;
	gs1_msg_init(&m);
	assert_int_equal(gs1_parse_raw(&ctx, &m, s, sizeof(s) - 1, 0, &parsed),
	                 CODE_OK);
	assert_int_equal(parsed, 4);
	assert_int_equal(m.gm_n, 4);
	const struct gs1_elem *e = gs1_msg_get(&m, "10");

	assert_non_null(e);
	assert_int_equal(e->ge_len, 6);
	assert_memory_equal(e->ge_val, "A1B2C3", 6);
	assert_int_equal(e->ge_pos, 26);
	assert_string_equal(gs1_msg_get(&m, "17")->ge_ai->ga_name, "expiry date");
	assert_null(gs1_msg_get(&m, "11"));
}

/* Every accepted form of one pack gives the same key bytes. */
static void test_same_key(void **state)
{
	static const char *const forms[] = {
		"]d2" "01" G "17271231" "10A1B2C3" GS "21SN12345",
		"(01)" G "(17)271231(10)A1B2C3(21)SN12345",
		"https://id.gs1.org/01/" G "/10/A1B2C3/21/SN12345?17=271231",
		"urn:epc:id:sgtin:6901234.056789.SN12345",
		KEY_SN,
	};
	uint8_t k0[CODE_KEY_MAX], k[CODE_KEY_MAX];
	size_t n0 = case_key(forms[0], k0);

	(void)state;
	for (size_t i = 1; i < sizeof(forms) / sizeof(forms[0]); i++) {
		assert_int_equal(case_key(forms[i], k), n0);
		assert_memory_equal(k, k0, n0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_raw_ok),
		cmocka_unit_test(test_identity),
		cmocka_unit_test(test_raw_bad),
		cmocka_unit_test(test_dates),
		cmocka_unit_test(test_bracketed),
		cmocka_unit_test(test_century),
		cmocka_unit_test(test_elements),
		cmocka_unit_test(test_same_key),
	};

	return cmocka_run_group_tests_name("code_gs1", tests, NULL, NULL);
}
