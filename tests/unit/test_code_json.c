/*
 * test_code_json.c — code_json(): the object `yima parse --json` prints,
 * checked field by field with a JSON parser; escaping; small buffers.
 */
#include <jansson.h>

#include "test_code_cases.h"

/* Expected members; NULL = must be absent. */
static const struct {
	const char *scan;
	const char *type, *kind, *key, *product, *serial, *lot, *expiry,
	           *production, *pack, *error;
} cases[] = {
	{ "]d2" "0106901234567892" "17271231" "10A1B2C3" "\x1d" "21SN12345",
	  "gs1", "sgtin", "(01)06901234567892(21)SN12345", "06901234567892",
	  "SN12345", "A1B2C3", "2027-12-31", NULL, "unit", NULL },
	{ "83012345678901234567", "cn20", "cn20", "83012345678901234567",
	  "8301234", "567890123", NULL, NULL, NULL, NULL, NULL },
	{ "(00)069012340000000016", "gs1", "sscc", "(00)069012340000000016",
	  NULL, "069012340000000016", NULL, NULL, NULL, "logistic", NULL },
	{ "+A123BJC5D6E71/$$3271231LOT1D", "udi-hibc", "udi-hibc",
	  "+A123BJC5D6E71/$LOT1+", "+A123BJC5D6E71G", NULL, "LOT1",
	  "2027-12-31", NULL, "grouped", NULL },
	{ "MA.156.M0.100761.21234561.Sx00008.M220117.C3", "udi-ma", "udi-ma",
	  "MA.156.M0.100761.21234561.Sx00008", "MA.156.M0.100761.21234561",
	  "x00008", NULL, NULL, "2022-01-17", NULL, NULL },
	{ "(01)06901234567892(21)a\"b\\(c", "gs1", "sgtin",
	  "(01)06901234567892(21)a\"b\\(c", "06901234567892", "a\"b(c",
	  NULL, NULL, NULL, "unit", NULL },
	{ "6901234567892", NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
	  NULL, "product-barcode" },
	{ "(01)06901234567892", NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
	  NULL, "no-serial" },
	{ "\x01\"\\\xff", NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
	  "charset" },
};

static void member(json_t *o, const char *name, const char *want)
{
	json_t *v = json_object_get(o, name);

	if (want == NULL) {
		assert_null(v);
		return;
	}
	assert_non_null(v);
	assert_true(json_is_string(v));
	assert_string_equal(json_string_value(v), want);
}

static void test_objects(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct code_opts opts = { 2026, 0 };
		struct code_result r;
		char buf[CODE_JSON_MAX];
		json_error_t jerr;

		code_parse(cases[i].scan, strlen(cases[i].scan), &opts, &r);
		int n = code_json(&r, buf, sizeof(buf));

		assert_true(n > 0 && (size_t)n == strlen(buf));
		json_t *o = json_loads(buf, 0, &jerr);

		if (o == NULL) {
			print_error("%s: not JSON: %s\n", buf, jerr.text);
			fail();
		}
		member(o, "type", cases[i].type);
		member(o, "kind", cases[i].kind);
		member(o, "key", cases[i].key);
		member(o, "product", cases[i].product);
		member(o, "serial", cases[i].serial);
		member(o, "lot", cases[i].lot);
		member(o, "expiry", cases[i].expiry);
		member(o, "production", cases[i].production);
		member(o, "pack", cases[i].pack);
		member(o, "error", cases[i].error);
		if (cases[i].error != NULL) {
			assert_true(json_is_integer(json_object_get(o, "at")));
			assert_int_equal(json_integer_value(json_object_get(o, "at")),
			                 r.cr_err_pos);
			member(o, "message", r.cr_msg);
		} else {
			char hex[2 * CODE_KEY_MAX + 1];

			code_key_hex(r.cr_key, r.cr_key_len, hex, sizeof(hex));
			member(o, "hex", hex);
		}
		json_decref(o);
	}
}

static void test_small_buffer(void **state)
{
	struct code_result r;
	char buf[CODE_JSON_MAX];

	(void)state;
	code_parse("83012345678901234567", 20, NULL, &r);
	int n = code_json(&r, buf, sizeof(buf));

	assert_true(n > 0);
	assert_int_equal(code_json(&r, buf, (size_t)n), -1);
	assert_string_equal(buf, "");
	assert_int_equal(code_json(&r, buf, (size_t)n + 1), n);
	assert_int_equal(code_json(&r, buf, 0), -1);
}

/* The longest message, fully escaped, still fits CODE_JSON_MAX. */
static void test_worst_case(void **state)
{
	struct code_result r;
	char buf[CODE_JSON_MAX];

	(void)state;
	memset(&r, 0, sizeof(r));
	r.cr_err = CODE_E_FORMAT;
	r.cr_err_pos = (size_t)-1;
	memset(r.cr_msg, '"', sizeof(r.cr_msg) - 1);
	r.cr_msg[sizeof(r.cr_msg) - 1] = '\0';
	assert_true(code_json(&r, buf, sizeof(buf)) > 0);
	memset(&r, 0, sizeof(r));
	r.cr_type = CODE_SGTIN;
	r.cr_key_len = CODE_KEY_MAX;
	memset(r.cr_key, 0xff, CODE_KEY_MAX);
	memset(r.cr_product, 1, sizeof(r.cr_product) - 1);
	memset(r.cr_serial, 1, sizeof(r.cr_serial) - 1);
	memset(r.cr_lot, 1, sizeof(r.cr_lot) - 1);
	memset(r.cr_check, 1, sizeof(r.cr_check) - 1);
	memset(r.cr_aim, 1, sizeof(r.cr_aim) - 1);
	r.cr_expiry.cd_year = 9999;
	r.cr_prod_date.cd_year = 9999;
	assert_true(code_json(&r, buf, sizeof(buf)) > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_objects),
		cmocka_unit_test(test_small_buffer),
		cmocka_unit_test(test_worst_case),
	};

	return cmocka_run_group_tests_name("code_json", tests, NULL, NULL);
}
