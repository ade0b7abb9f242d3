/*
 * fuzz_code — libFuzzer target for the identifier codecs (code_parse and
 * the canonical key functions).
 *
 * Each input is used three ways:
 *   scan    parsed with default options and with CODE_OPT_CN20_ANY_LEAD |
 *           CODE_OPT_REQUIRE_SERIAL; on success the key is well formed,
 *           its canonical text parses back to the same key (as a scan and
 *           through code_key_parse) and formats to the same text again;
 *           on failure type is none, the message printable ASCII and the
 *           position inside the input.  Parsing twice gives the same
 *           result (no hidden state), and the JSON form always fits.
 *   key     the bytes taken as a key: if code_key_format accepts them,
 *           their text must parse back to exactly those bytes.
 * Any violation aborts.
 */
#include "code.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define check(cond) do { if (!(cond)) { \
	fprintf(stderr, "fuzz_code: %s:%d: %s\n", __FILE__, __LINE__, #cond); \
	abort(); } } while (0)

static void check_str(const char *s, size_t cap)
{
	check(memchr(s, '\0', cap) != NULL);
}

static void check_result(const struct code_result *r, enum code_err err,
                         size_t size)
{
	char text[CODE_TEXT_MAX], again[CODE_TEXT_MAX], json[CODE_JSON_MAX];
	uint8_t key[CODE_KEY_MAX];

	check(r->cr_err == err);
	check_str(r->cr_product, sizeof(r->cr_product));
	check_str(r->cr_serial, sizeof(r->cr_serial));
	check_str(r->cr_lot, sizeof(r->cr_lot));
	check_str(r->cr_check, sizeof(r->cr_check));
	check_str(r->cr_aim, sizeof(r->cr_aim));
	check_str(r->cr_msg, sizeof(r->cr_msg));
	check(code_json(r, json, sizeof(json)) > 0);
	if (err != CODE_OK) {
		check(r->cr_type == CODE_NONE);
		check(r->cr_key_len == 0);
		check(r->cr_msg[0] != '\0');
		check(r->cr_err_pos <= size);
		for (const char *m = r->cr_msg; *m; m++)
			check(*m >= 0x20 && *m < 0x7f);
		return;
	}
	check(r->cr_type != CODE_NONE);
	check(r->cr_msg[0] == '\0');
	check(r->cr_key_len > 0 && r->cr_key_len <= CODE_KEY_MAX);
	check(code_key_type(r->cr_key, r->cr_key_len) == r->cr_type);
	int n = code_key_format(r->cr_key, r->cr_key_len, text, sizeof(text));

	check(n > 0 && (size_t)n == strlen(text));
	int kl = code_key_parse(text, (size_t)n, key);

	check(kl == (int)r->cr_key_len);
	check(memcmp(key, r->cr_key, r->cr_key_len) == 0);
	check(code_key_format(key, (size_t)kl, again, sizeof(again)) == n);
	check(strcmp(text, again) == 0);
	if (r->cr_expiry.cd_year != 0)
		check(r->cr_expiry.cd_month >= 1 && r->cr_expiry.cd_month <= 12 &&
		      r->cr_expiry.cd_day >= 1 && r->cr_expiry.cd_day <= 31);
}

static void fuzz_scan(const uint8_t *data, size_t size, unsigned flags)
{
	struct code_opts opts = { 2026, flags };
	struct code_result a, b;
	enum code_err ea, eb;

	ea = code_parse(data, size, &opts, &a);
	check_result(&a, ea, size);
	/* Deterministic, whatever the struct held before. */
	memset(&b, 0xa5, sizeof(b));
	eb = code_parse(data, size, &opts, &b);
	check(ea == eb);
	check(a.cr_type == b.cr_type && a.cr_key_len == b.cr_key_len);
	check(memcmp(a.cr_key, b.cr_key, a.cr_key_len) == 0);
	check(strcmp(a.cr_msg, b.cr_msg) == 0);
	check(strcmp(a.cr_serial, b.cr_serial) == 0);
	check(strcmp(a.cr_lot, b.cr_lot) == 0);
	check(a.cr_err_pos == b.cr_err_pos);
}

static void fuzz_key(const uint8_t *data, size_t size)
{
	char text[CODE_TEXT_MAX];
	uint8_t key[CODE_KEY_MAX];
	int n = code_key_format(data, size, text, sizeof(text));

	if (n < 0) {
		check(code_key_type(data, size) == CODE_NONE);
		return;
	}
	/* Canonical keys and their texts map one to one. */
	check(code_key_type(data, size) != CODE_NONE);
	check(code_key_parse(text, (size_t)n, key) == (int)size);
	check(memcmp(key, data, size) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_scan(data, size, 0);
	fuzz_scan(data, size, CODE_OPT_CN20_ANY_LEAD | CODE_OPT_REQUIRE_SERIAL);
	fuzz_key(data, size);
	return 0;
}
