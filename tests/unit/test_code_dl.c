/*
 * test_code_dl.c — GS1 Digital Link URIs: hosts, path prefixes, short
 * GTINs, qualifier order, query attributes, %-encoding, refusals.
 */
#include "test_code_cases.h"

#define G "06901234567892"
#define KEY_SN "(01)" G "(21)SN12345"

static const struct code_case cases[] = {
	/* DOMAIN.md worked example */
	{ .in = "https://id.gs1.org/01/" G "/10/A1B2C3/21/SN12345?17=271231",
	  .type = CODE_SGTIN, .key = KEY_SN, .product = G,
	  .serial = "SN12345", .lot = "A1B2C3", .expiry = "2027-12-31" },
	/* any host, port, scheme case; a path prefix before the key */
	{ .in = "http://id.gs1.org/01/" G "/21/SN12345", .type = CODE_SGTIN,
	  .key = KEY_SN },
	{ .in = "HTTPS://ID.GS1.ORG/01/" G "/21/SN12345", .type = CODE_SGTIN,
	  .key = KEY_SN },
	{ .in = "https://pharma.example.cn:8443/01/" G "/21/SN12345",
	  .type = CODE_SGTIN, .key = KEY_SN },
	{ .in = "https://brand.example/products/aspirin/01/" G "/21/SN12345",
	  .type = CODE_SGTIN, .key = KEY_SN },
	{ .in = "https://brand.example/00/x/01/" G "/21/SN12345",
	  .type = CODE_SGTIN, .key = KEY_SN },
	{ .in = "https://brand.example//01/" G "/21/SN12345/",
	  .type = CODE_SGTIN, .key = KEY_SN },
	{ .in = "]Q1https://id.gs1.org/01/" G "/21/SN12345",
	  .type = CODE_SGTIN, .key = KEY_SN },
	/* GTIN-13, -12 and -8 in the path are padded to 14 digits */
	{ .in = "https://id.gs1.org/01/6901234567892/21/SN12345",
	  .type = CODE_SGTIN, .key = KEY_SN, .product = G },
	{ .in = "https://id.gs1.org/01/012345678905/21/U1", .type = CODE_SGTIN,
	  .product = "00012345678905" },
	{ .in = "https://id.gs1.org/01/12345670/21/E8", .type = CODE_SGTIN,
	  .product = "00000012345670" },
	/* all qualifiers, in order; any subset in order */
	{ .in = "https://id.gs1.org/01/" G "/22/V2/10/A1B2C3/21/SN12345",
	  .type = CODE_SGTIN, .key = KEY_SN, .lot = "A1B2C3" },
	{ .in = "https://id.gs1.org/01/" G "/22/V2/21/SN12345",
	  .type = CODE_SGTIN, .key = KEY_SN },
	{ .in = "https://id.gs1.org/01/" G "/10/A1B2C3", .type = CODE_LGTIN,
	  .key = "(01)" G "(10)A1B2C3" },
	/* attributes in the query; short names; foreign parameters */
	{ .in = "https://id.gs1.org/01/" G "/21/SN12345?17=271231&10=A1B2C3",
	  .type = CODE_SGTIN, .lot = "A1B2C3", .expiry = "2027-12-31" },
	{ .in = "https://id.gs1.org/01/" G "/21/SN12345?exp=271231&lot=L9",
	  .type = CODE_SGTIN, .lot = "L9", .expiry = "2027-12-31" },
	{ .in = "https://id.gs1.org/gtin/" G "/ser/SN12345",
	  .type = CODE_SGTIN, .key = KEY_SN },
	{ .in = "https://id.gs1.org/01/" G "/21/SN12345?linkType=gs1:pip"
	        "&context=dscsa&17=280200#top",
	  .type = CODE_SGTIN, .expiry = "2028-02-29" },
	{ .in = "https://id.gs1.org/01/" G "?21=SN12345", .type = CODE_SGTIN,
	  .key = KEY_SN },
	{ .in = "https://id.gs1.org/01/" G "/21/SN12345?11=250101;17=270100",
	  .type = CODE_SGTIN, .prod = "2025-01-01", .expiry = "2027-01-31" },
	{ .in = "https://id.gs1.org/01/" G "/21/SN12345?17=271231&17=271231",
	  .type = CODE_SGTIN },
	/* %-encoding */
	{ .in = "https://id.gs1.org/01/" G "/21/AB%2FC%25D", .type = CODE_SGTIN,
	  .serial = "AB/C%D", .key = "(01)" G "(21)AB/C%D" },
	{ .in = "https://id.gs1.org/01/" G "/21/A%28B%29", .type = CODE_SGTIN,
	  .serial = "A(B)", .key = "(01)" G "(21)A\\(B)" },
	{ .in = "https://id.gs1.org/01/" G "/21/%53%4e%31", .type = CODE_SGTIN,
	  .serial = "SN1" },
	{ .in = "https://id.gs1.org/01/" G "/21/A+B", .type = CODE_SGTIN,
	  .serial = "A+B" },
	{ .in = "https://id.gs1.org/01/%30" "6901234567892/21/S",
	  .type = CODE_SGTIN, .product = G },
	/* other keys */
	{ .in = "https://id.gs1.org/00/069012340000000016", .type = CODE_SSCC,
	  .key = "(00)069012340000000016" },
	{ .in = "https://id.gs1.org/414/6901234000016/254/D7",
	  .type = CODE_SGLN, .key = "(414)6901234000016(254)D7" },
	{ .in = "https://id.gs1.org/417/6901234000023", .type = CODE_PGLN },
	{ .in = "https://id.gs1.org/8004/6901234A1", .err = CODE_E_UNSUPPORTED },
	/* refusals */
	{ .in = "https://id.gs1.org/01/" G, .err = CODE_E_NO_SERIAL,
	  .product = G },
	{ .in = "https://id.gs1.org/01/" G "?17=271231", .err = CODE_E_NO_SERIAL },
	{ .in = "https://id.gs1.org/01/" G "/21/SN12345/10/A1B2C3",
	  .err = CODE_E_SYNTAX, .msg = "in order" },
	{ .in = "https://id.gs1.org/01/" G "/17/271231/21/S",
	  .err = CODE_E_SYNTAX },
	{ .in = "https://id.gs1.org/01/" G "/21", .err = CODE_E_TRUNCATED },
	{ .in = "https://id.gs1.org/01/" G "/21/", .err = CODE_E_TRUNCATED },
	{ .in = "https://id.gs1.org/01/06901234567891/21/S", .err = CODE_E_CHECK },
	{ .in = "https://id.gs1.org/01/690123456789/21/S", .err = CODE_E_CHECK },
	{ .in = "https://id.gs1.org/01/" G "/21/S%2", .err = CODE_E_SYNTAX,
	  .msg = "two hex digits" },
	{ .in = "https://id.gs1.org/01/" G "/21/S%G1", .err = CODE_E_SYNTAX },
	{ .in = "https://id.gs1.org/01/" G "/21/S%20T", .err = CODE_E_CHARSET },
	{ .in = "https://id.gs1.org/01/" G "/21/S T", .err = CODE_E_CHARSET },
	{ .in = "https://id.gs1.org/01/" G "/21/S?17=271331",
	  .err = CODE_E_DATE },
	{ .in = "https://id.gs1.org/01/" G "/21/S?17=", .err = CODE_E_TRUNCATED },
	{ .in = "https://id.gs1.org/01/" G "/10/L1?10=L2", .err = CODE_E_CONFLICT },
	{ .in = "https://id.gs1.org/01/" G "/21/"
	        "123456789012345678901", .err = CODE_E_LENGTH },
	{ .in = "https://id.gs1.org/about/us", .err = CODE_E_SYNTAX,
	  .msg = "without a GS1 key" },
	{ .in = "https://id.gs1.org/ARHKVAdpQg", .err = CODE_E_SYNTAX,
	  .msg = "compressed" },
	{ .in = "https:///01/" G "/21/S", .err = CODE_E_SYNTAX,
	  .msg = "without a host" },
	{ .in = "https://", .err = CODE_E_SYNTAX },
	{ .in = "https://id.gs1.org", .err = CODE_E_SYNTAX },
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

	return cmocka_run_group_tests_name("code_dl", tests, NULL, NULL);
}
