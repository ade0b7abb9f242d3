/*
 * test_code.c — the entry point: every worked example of DOMAIN.md
 * sections 1, 3 and 4, symbology identifiers, refusals of what is not a
 * traceability code, names, determinism.
 */
#include "test_code_cases.h"

#define GS "\x1d"
#define G "06901234567892"
#define KEY_SN "(01)" G "(21)SN12345"

/* DOMAIN.md, section 3 and 1 worked examples, row by row. */
static const struct code_case domain[] = {
	{ .in = "]d2" "01" G "17271231" "10A1B2C3" GS "21SN12345",
	  .type = CODE_SGTIN, .key = KEY_SN, .product = G,
	  .serial = "SN12345", .lot = "A1B2C3", .expiry = "2027-12-31" },
	{ .in = "(01)" G "(17)271231(10)A1B2C3(21)SN12345",
	  .type = CODE_SGTIN, .key = KEY_SN, .product = G,
	  .serial = "SN12345", .lot = "A1B2C3", .expiry = "2027-12-31" },
	{ .in = "https://id.gs1.org/01/" G "/10/A1B2C3/21/SN12345?17=271231",
	  .type = CODE_SGTIN, .key = KEY_SN, .product = G,
	  .serial = "SN12345", .lot = "A1B2C3", .expiry = "2027-12-31" },
	{ .in = "(01)" G "(17)270200(21)X1", .type = CODE_SGTIN,
	  .expiry = "2027-02-28", .serial = "X1" },
	{ .in = "(01)" G "(17)280200(21)X1", .type = CODE_SGTIN,
	  .expiry = "2028-02-29" },
	{ .in = "urn:epc:id:sgtin:6901234.056789.SN12345", .type = CODE_SGTIN,
	  .key = KEY_SN, .product = G, .serial = "SN12345" },
	{ .in = "urn:epc:id:sgtin:6901234.156789.C0001", .type = CODE_SGTIN,
	  .product = "16901234567899", .serial = "C0001" },
	{ .in = "(00)069012340000000016", .type = CODE_SSCC,
	  .key = "(00)069012340000000016" },
	{ .in = "urn:epc:id:sscc:6901234.0000000001", .type = CODE_SSCC,
	  .key = "(00)069012340000000016" },
	{ .in = "(414)6901234000016", .type = CODE_SGLN,
	  .key = "(414)6901234000016", .product = "6901234000016" },
	{ .in = "urn:epc:id:sgln:6901234.00001.0", .type = CODE_SGLN,
	  .key = "(414)6901234000016", .product = "6901234000016" },
	{ .in = "6901234567892", .err = CODE_E_PRODUCT,
	  .msg = "EAN-13 product barcode 6901234567892: a product barcode "
	         "identifies a product, not a pack; scan the traceability "
	         "code (20-digit code or GS1 DataMatrix)" },
	{ .in = "]E06901234567892", .err = CODE_E_PRODUCT,
	  .msg = "EAN-13 product barcode 6901234567892" },
	{ .in = "(01)" G, .err = CODE_E_NO_SERIAL, .msg = "without serial" },
	{ .in = "83012345678901234567", .type = CODE_CN20,
	  .key = "83012345678901234567", .product = "8301234",
	  .serial = "567890123" },
	{ .in = "\xef\xbc\x98\xef\xbc\x93\xef\xbc\x90\xef\xbc\x91\xef\xbc\x92"
	        "\xef\xbc\x93\xef\xbc\x94\xef\xbc\x95\xef\xbc\x96\xef\xbc\x97"
	        "\xef\xbc\x98\xef\xbc\x99\xef\xbc\x90\xef\xbc\x91\xef\xbc\x92"
	        "\xef\xbc\x93\xef\xbc\x94\xef\xbc\x95\xef\xbc\x96\xef\xbc\x97"
	        "\r\n",
	  .type = CODE_CN20, .key = "83012345678901234567",
	  .product = "8301234", .serial = "567890123" },
	/* section 4: HIBC examples, MA example shape */
	{ .in = "+A123BJC5D6E71G", .err = CODE_E_NO_SERIAL,
	  .product = "+A123BJC5D6E71G" },
	{ .in = "+A123BJC5D6E71/$$3271231LOT1D", .type = CODE_UDI_HIBC,
	  .product = "+A123BJC5D6E71G", .lot = "LOT1",
	  .expiry = "2027-12-31" },
	{ .in = "+$$3271231LOT1GE", .err = CODE_E_PARTIAL, .lot = "LOT1",
	  .expiry = "2027-12-31" },
	{ .in = "MA.156.M0.100761.21234561.Sx00008.M220117.L20220117.E220130.C3",
	  .type = CODE_UDI_MA, .product = "MA.156.M0.100761.21234561",
	  .serial = "x00008", .lot = "20220117", .expiry = "2022-01-30",
	  .prod = "2022-01-17" },
};

/* What is not a traceability code. */
static const struct code_case refusals[] = {
	{ .in = "6901234567892", .err = CODE_E_PRODUCT, .at = AT(0) },
	{ .in = "6921168509256", .err = CODE_E_PRODUCT, .msg = "EAN-13" },
	{ .in = "4006381333931", .err = CODE_E_PRODUCT, .msg = "EAN-13" },
	{ .in = " 6901234567892\r\n", .err = CODE_E_PRODUCT, .at = AT(1) },
	{ .in = "]E06901234567892", .err = CODE_E_PRODUCT, .at = AT(3) },
	{ .in = "]E0" "0012345678905", .err = CODE_E_PRODUCT },
	{ .in = "]E4" "12345670", .err = CODE_E_PRODUCT, .msg = "EAN-8" },
	{ .in = "12345670", .err = CODE_E_PRODUCT, .msg = "EAN-8" },
	{ .in = "012345678905", .err = CODE_E_PRODUCT, .msg = "UPC-A" },
	{ .in = "]I1" "16901234567899", .err = CODE_E_PRODUCT,
	  .msg = "GTIN-14" },
	{ .in = G, .err = CODE_E_PRODUCT, .msg = "a GTIN identifies a product" },
	{ .in = "86912345678901" "7", .err = CODE_E_TRUNCATED,
	  .msg = "has 20 digits" },
	{ .in = "86900000000008", .err = CODE_E_TRUNCATED },
	{ .in = "86900000000003", .err = CODE_E_PRODUCT, .msg = "benweima" },
	{ .in = "6901234567891", .err = CODE_E_CHECK,
	  .msg = "check digit is wrong" },
	{ .in = "0106901234567892", .err = CODE_E_NO_SERIAL },
	{ .in = "]C1" "0106901234567892", .err = CODE_E_NO_SERIAL },
	{ .in = "XA01ABA001A001010100483", .err = CODE_E_PRODUCT,
	  .msg = "NHSA" },
	{ .in = "C1234567890123456789", .err = CODE_E_PRODUCT, .msg = "NHSA" },
	{ .in = "hello", .err = CODE_E_FORMAT, .msg = "not a code yima knows" },
	{ .in = "A1B2C3", .err = CODE_E_FORMAT },
	{ .in = "12345", .err = CODE_E_FORMAT, .msg = "5-digit number" },
	{ .in = "1234567", .err = CODE_E_FORMAT },
	{ .in = "99", .err = CODE_E_FORMAT, .msg = "2-digit number" },
	{ .in = "", .err = CODE_E_EMPTY },
	{ .in = " \t\r\n", .err = CODE_E_EMPTY },
	{ .in = "]d2", .err = CODE_E_EMPTY },
	{ .in = "]Z9", .err = CODE_E_EMPTY, .msg = "without data" },
	{ .in = "\xff\xfe", .err = CODE_E_CHARSET },
	{ .in = "\xe4\xb8\xad\xe6\x96\x87", .err = CODE_E_CHARSET, .at = AT(0) },
	{ .in = "ftp://id.gs1.org/01/" G "/21/S", .err = CODE_E_FORMAT },
};

/* Symbology identifiers: GS1 ones mean an element string; others are
 * dropped and the content decides. */
static const struct code_case aim[] = {
	{ .in = "]C0" "83012345678901234567", .type = CODE_CN20 },
	{ .in = "]C1" "0106901234567892" "21S", .type = CODE_SGTIN },
	{ .in = "]d1" "83012345678901234567", .type = CODE_CN20 },
	{ .in = "]d1" "(01)" G "(21)S", .type = CODE_SGTIN },
	{ .in = "]d1" GS "01" G "21S", .type = CODE_SGTIN },
	{ .in = "]Q1https://id.gs1.org/01/" G "/21/S", .type = CODE_SGTIN },
	{ .in = "]A0+A123BJC5D6E71/$LOT1+", .type = CODE_UDI_HIBC },
	{ .in = "]Q1MA.156.M0.100761.21234561.S1", .type = CODE_UDI_MA },
	{ .in = "]d2" "83012345678901234567", .err = CODE_E_AI },
	{ .in = "]E0" "830123456789", .err = CODE_E_PRODUCT },
};

static void test_domain(void **state)
{
	(void)state;
	RUN_CASES(domain);
}

static void test_refusals(void **state)
{
	(void)state;
	RUN_CASES(refusals);
}

static void test_aim(void **state)
{
	(void)state;
	RUN_CASES(aim);
	struct code_result r;

	assert_int_equal(code_parse("]d2" "01" G "21S", 22, NULL, &r), CODE_OK);
	assert_string_equal(r.cr_aim, "]d2");
	assert_int_equal(r.cr_form, CODE_FORM_GS1);
	assert_int_equal(code_parse("(01)" G "(21)S", 23, NULL, &r), CODE_OK);
	assert_int_equal(strlen("(01)" G "(21)S"), 23);
	assert_string_equal(r.cr_aim, "");
	assert_int_equal(r.cr_form, CODE_FORM_BRACKET);
}

/* Two parses read the same code the same way, field by field. */
static void assert_same_reading(const struct code_result *a, const struct code_result *b)
{
	assert_int_equal(a->cr_err, b->cr_err);
	assert_int_equal(a->cr_type, b->cr_type);
	assert_int_equal(a->cr_form, b->cr_form);
	assert_int_equal(a->cr_pack, b->cr_pack);
	assert_int_equal(a->cr_key_len, b->cr_key_len);
	assert_memory_equal(a->cr_key, b->cr_key, a->cr_key_len);
	assert_string_equal(a->cr_msg, b->cr_msg);
	assert_string_equal(a->cr_product, b->cr_product);
	assert_string_equal(a->cr_serial, b->cr_serial);
	assert_string_equal(a->cr_lot, b->cr_lot);
	assert_string_equal(a->cr_check, b->cr_check);
	assert_string_equal(a->cr_aim, b->cr_aim);
	assert_int_equal(a->cr_err_pos, b->cr_err_pos);
	assert_memory_equal(&a->cr_expiry, &b->cr_expiry, sizeof(a->cr_expiry));
}

/* A bare 20-digit CN code takes a short path; a blank around it sends it
 * the long way.  Both must read it the same. */
static void test_cn20_short_path_reads_as_the_long_one(void **state)
{
	(void)state;
	struct code_result a, b;

	assert_int_equal(code_parse("83012345678901234567", 20, NULL, &a), CODE_OK);
	assert_int_equal(code_parse(" 83012345678901234567 ", 22, NULL, &b), CODE_OK);
	assert_int_equal(a.cr_form, CODE_FORM_DIGITS);
	assert_same_reading(&a, &b);
	/* Not the short path: another lead digit, a letter among digits. */
	assert_int_not_equal(code_parse("93012345678901234567", 20, NULL, &a), CODE_OK);
	assert_int_not_equal(code_parse("8301234567890123456X", 20, NULL, &a), CODE_OK);
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(code_type_name(CODE_CN20), "cn20");
	assert_string_equal(code_type_name(CODE_SGTIN), "sgtin");
	assert_string_equal(code_type_name(CODE_LGTIN), "lgtin");
	assert_string_equal(code_type_name(CODE_SSCC), "sscc");
	assert_string_equal(code_type_name(CODE_SGLN), "sgln");
	assert_string_equal(code_type_name(CODE_PGLN), "pgln");
	assert_string_equal(code_type_name(CODE_UDI_HIBC), "udi-hibc");
	assert_string_equal(code_type_name(CODE_UDI_MA), "udi-ma");
	assert_string_equal(code_type_name(CODE_NONE), "none");
	assert_string_equal(code_type_name((enum code_type)99), "none");
	assert_string_equal(code_type_family(CODE_CN20), "cn20");
	assert_string_equal(code_type_family(CODE_SGTIN), "gs1");
	assert_string_equal(code_type_family(CODE_LGTIN), "gs1");
	assert_string_equal(code_type_family(CODE_SSCC), "gs1");
	assert_string_equal(code_type_family(CODE_PGLN), "gs1");
	assert_string_equal(code_type_family(CODE_UDI_HIBC), "udi-hibc");
	assert_string_equal(code_type_family(CODE_UDI_MA), "udi-ma");
	assert_string_equal(code_type_family(CODE_NONE), "none");
	assert_string_equal(code_form_name(CODE_FORM_DL), "digital-link");
	assert_string_equal(code_form_name(CODE_FORM_NONE), "none");
	assert_string_equal(code_pack_name(CODE_PACK_LOGISTIC), "logistic");
	assert_string_equal(code_pack_name((enum code_pack)42), "unknown");
	for (int e = CODE_OK; e <= CODE_E_PARTIAL; e++)
		assert_string_not_equal(code_err_name((enum code_err)e),
		                        "unknown");
	assert_string_equal(code_err_name(CODE_E_PRODUCT), "product-barcode");
	assert_string_equal(code_err_name((enum code_err)-1), "unknown");
}

/* Same input, same output, whatever came before; NULL scan and options. */
static void test_deterministic(void **state)
{
	static const char *const scans[] = {
		"]d2" "01" G "17271231" "10A1B2C3" GS "21SN12345",
		"6901234567892", "+$$3271231LOT1GE", "garbage",
		"83012345678901234567",
	};
	struct code_opts opts = { 2026, 0 };
	struct code_result a, b;

	(void)state;
	for (size_t i = 0; i < sizeof(scans) / sizeof(scans[0]); i++) {
		const char *other = scans[(i + 1) % 5];

		memset(&a, 0x55, sizeof(a));
		memset(&b, 0xaa, sizeof(b));
		code_parse(scans[i], strlen(scans[i]), &opts, &a);
		code_parse(other, strlen(other), &opts, &b);
		code_parse(scans[i], strlen(scans[i]), &opts, &b);
		assert_same_reading(&a, &b);
	}
	assert_int_equal(code_parse(NULL, 10, NULL, &a), CODE_E_EMPTY);
	assert_int_equal(code_parse("83012345678901234567", 20, NULL, &a),
	                 CODE_OK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_domain),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_aim),
		cmocka_unit_test(test_cn20_short_path_reads_as_the_long_one),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_deterministic),
	};

	return cmocka_run_group_tests_name("code", tests, NULL, NULL);
}
