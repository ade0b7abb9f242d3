/*
 * test_code_epc.c — EPC URNs: the GS1 key rebuilt from company prefix and
 * reference with its check digit; serials %-decoded; tag URIs; refusals.
 */
#include "test_code_cases.h"

#define G "06901234567892"

static const struct code_case cases[] = {
	/* DOMAIN.md worked examples */
	{ .in = "urn:epc:id:sgtin:6901234.056789.SN12345", .type = CODE_SGTIN,
	  .key = "(01)" G "(21)SN12345", .product = G, .serial = "SN12345" },
	{ .in = "urn:epc:id:sgtin:6901234.156789.C0001", .type = CODE_SGTIN,
	  .key = "(01)16901234567899(21)C0001", .product = "16901234567899",
	  .serial = "C0001" },
	{ .in = "urn:epc:id:sscc:6901234.0000000001", .type = CODE_SSCC,
	  .key = "(00)069012340000000016", .serial = "069012340000000016" },
	{ .in = "urn:epc:id:sgln:6901234.00001.0", .type = CODE_SGLN,
	  .key = "(414)6901234000016", .product = "6901234000016",
	  .serial = "" },
	/* company prefixes of other lengths give the same GTIN */
	{ .in = "urn:epc:id:sgtin:690123.0456789.SN12345", .type = CODE_SGTIN,
	  .key = "(01)" G "(21)SN12345" },
	{ .in = "urn:epc:id:sgtin:690123456789.0.SN12345", .type = CODE_SGTIN,
	  .key = "(01)" G "(21)SN12345" },
	{ .in = "urn:epc:id:sscc:690123400.00000001", .type = CODE_SSCC,
	  .key = "(00)069012340000000016" },
	/* %-escaped and unusual serial characters */
	{ .in = "urn:epc:id:sgtin:6901234.056789.A%2FB%25C%22", .type = CODE_SGTIN,
	  .serial = "A/B%C\"" },
	{ .in = "urn:epc:id:sgtin:6901234.056789.a.b!'()*+,-:;=_",
	  .type = CODE_SGTIN, .serial = "a.b!'()*+,-:;=_" },
	{ .in = "URN:EPC:ID:SGTIN:6901234.056789.SN12345", .type = CODE_SGTIN,
	  .key = "(01)" G "(21)SN12345" },
	/* GLN extension, party GLN, lot class */
	{ .in = "urn:epc:id:sgln:6901234.00001.D7", .type = CODE_SGLN,
	  .key = "(414)6901234000016(254)D7", .serial = "D7" },
	{ .in = "urn:epc:id:sgln:6901234.00001.00", .type = CODE_SGLN,
	  .key = "(414)6901234000016(254)00" },
	{ .in = "urn:epc:id:pgln:6901234.00002", .type = CODE_PGLN,
	  .key = "(417)6901234000023" },
	{ .in = "urn:epc:class:lgtin:6901234.056789.A1B2C3", .type = CODE_LGTIN,
	  .key = "(01)" G "(10)A1B2C3", .lot = "A1B2C3" },
	/* tag URIs: the filter value is dropped */
	{ .in = "urn:epc:tag:sgtin-96:3.6901234.056789.12345", .type = CODE_SGTIN,
	  .key = "(01)" G "(21)12345" },
	{ .in = "urn:epc:tag:sgtin-198:1.6901234.056789.SN12345",
	  .type = CODE_SGTIN, .key = "(01)" G "(21)SN12345" },
	{ .in = "urn:epc:tag:sscc-96:0.6901234.0000000001", .type = CODE_SSCC,
	  .key = "(00)069012340000000016" },
	{ .in = "urn:epc:tag:sgln-96:2.6901234.00001.0", .type = CODE_SGLN },
	/* refusals */
	{ .in = "urn:epc:id:giai:6901234.A1", .err = CODE_E_UNSUPPORTED,
	  .msg = "not a scheme" },
	{ .in = "urn:epc:id:sgtin:69012.3456789.S1", .err = CODE_E_SYNTAX,
	  .msg = "6 to 12 digits" },
	{ .in = "urn:epc:id:sgtin:6901234.05678.S1", .err = CODE_E_LENGTH,
	  .msg = "13 digits" },
	{ .in = "urn:epc:id:sgtin:6901234.0567890.S1", .err = CODE_E_LENGTH },
	{ .in = "urn:epc:id:sgtin:6901234.056789", .err = CODE_E_TRUNCATED },
	{ .in = "urn:epc:id:sgtin:6901234.056789.", .err = CODE_E_LENGTH,
	  .msg = "empty" },
	{ .in = "urn:epc:id:sgtin:6901234", .err = CODE_E_TRUNCATED },
	{ .in = "urn:epc:id:sgtin:", .err = CODE_E_TRUNCATED },
	{ .in = "urn:epc:id:sgtin:6901234.05678X.S1", .err = CODE_E_LENGTH },
	{ .in = "urn:epc:id:sgtin:6901234.056789.123456789012345678901",
	  .err = CODE_E_LENGTH },
	{ .in = "urn:epc:id:sgtin:6901234.056789.S%2", .err = CODE_E_SYNTAX },
	{ .in = "urn:epc:id:sgtin:6901234.056789.S 1", .err = CODE_E_CHARSET },
	{ .in = "urn:epc:id:sscc:6901234.0000000001.5", .err = CODE_E_SYNTAX },
	{ .in = "urn:epc:id:sscc:6901234.000000001", .err = CODE_E_LENGTH },
	{ .in = "urn:epc:tag:sgtin-96:8.6901234.056789.1", .err = CODE_E_SYNTAX,
	  .msg = "filter value" },
	{ .in = "urn:epc:id:sgtin:6901234.056789.SN1",
	  .flags = CODE_OPT_REQUIRE_SERIAL, .type = CODE_SGTIN },
	{ .in = "urn:epc:class:lgtin:6901234.056789.A1",
	  .flags = CODE_OPT_REQUIRE_SERIAL, .err = CODE_E_LOT_ONLY },
};

static void test_cases(void **state)
{
	(void)state;
	RUN_CASES(cases);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
	};

	return cmocka_run_group_tests_name("code_epc", tests, NULL, NULL);
}
