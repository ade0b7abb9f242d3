/*
 * fuzz_hibc — libFuzzer target for the HIBC parser (hibc_parse: primary,
 * secondary, concatenated and split structures) and hibc_format.
 *
 * hibc_parse's caller has seen the leading '+', so an input without one
 * gets it put in front.  The scan (at most CODE_SCAN_MAX bytes, as
 * code_parse guarantees) is parsed with default options and with
 * CODE_OPT_REQUIRE_SERIAL through a struct code_ctx set up as code.c does.
 * Invariants:
 *   - on success the key is an HIBC key whose canonical text (with its
 *     mod-43 check character) parses back (code_parse and code_key_parse)
 *     to the same bytes, and the product is a primary with a correct check
 *     character; REQUIRE_SERIAL gives the same key, or CODE_E_LOT_ONLY for
 *     a lot key;
 *   - on failure type is none, the message printable ASCII and the
 *     position inside the scan;
 *   - for printable scans without blanks at the ends code_parse, which
 *     hands them to hibc_parse unchanged, gives the same result.
 * The input is also taken as an HIBC key for hibc_format.  Any violation
 * aborts.
 */
#include "code_hibc.h"
#include "fuzz_codec.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_outcome(const struct code_result *r, enum code_err err,
                          size_t size)
{
	if (!check_failure_or_go_on(r, err, size))
		return;
	check(r->cr_type == CODE_UDI_HIBC);
	/* The product is the primary as printed alone, check included. */
	size_t pl = strlen(r->cr_product);

	check(pl >= 3 && r->cr_product[0] == '+');
	check(hibc_check(r->cr_product, pl - 1) == r->cr_product[pl - 1]);
	check_success(r);
}

/* Parse as code.c's dispatch does. */
static enum code_err parse(const char *s, size_t n, unsigned flags,
                           struct code_result *r)
{
	struct code_ctx ctx = { .out = r, .flags = flags, .ref_year = 2026,
	                        .year_cache = 0 };
	enum code_err err;

	memset(r, 0, sizeof(*r));
	err = hibc_parse(&ctx, s, n, 0);
	check_outcome(r, err, n);
	return err;
}

/* code_parse leaves printable input without blanks at the ends as it is;
 * starting with the prefix, it goes to the same parser. */
static bool same_path(const char *s, size_t n)
{
	if (n == 0 || s[0] == ' ' || s[n - 1] == ' ')
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < 0x20 || s[i] >= 0x7f)
			return false;
	return true;
}

static void fuzz_scan(const char *s, size_t n)
{
	struct code_result a, b;
	enum code_err ea, eb;

	ea = parse(s, n, 0, &a);
	eb = parse(s, n, CODE_OPT_REQUIRE_SERIAL, &b);
	if (ea == CODE_OK && a.cr_key[0] == CODE_KEY_HIBC_LOT) {
		check(eb == CODE_E_LOT_ONLY);
	} else {
		check(ea == eb && a.cr_key_len == b.cr_key_len);
		check(memcmp(a.cr_key, b.cr_key, a.cr_key_len) == 0);
	}
	if (same_path(s, n)) {
		const struct code_opts opts = { 2026, 0 };

		eb = code_parse(s, n, &opts, &b);
		check(ea == eb && a.cr_key_len == b.cr_key_len);
		check(memcmp(a.cr_key, b.cr_key, a.cr_key_len) == 0);
		check(ea == CODE_OK || a.cr_err_pos == b.cr_err_pos);
	}
}

/* The input as a key: type byte from the first byte, the rest as is. */
static void fuzz_key(const uint8_t *data, size_t size)
{
	uint8_t key[CODE_KEY_MAX];
	char text[CODE_TEXT_MAX];
	int n;

	if (size == 0 || size > CODE_KEY_MAX)
		return;
	memcpy(key, data, size);
	key[0] = (uint8_t)(data[0] & 1 ? CODE_KEY_HIBC_LOT : CODE_KEY_HIBC_SER);
	n = hibc_format(key, size, text, sizeof(text));
	if (n < 0) {
		check(code_key_type(key, size) == CODE_NONE);
		return;
	}
	check((size_t)n == strlen(text));
	check(code_key_type(key, size) == CODE_UDI_HIBC);
	check_roundtrip(key, size);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char add[] = "+";
	size_t pre = strlen(add);
	char *s;

	if (size > CODE_SCAN_MAX)
		return 0;
	/* hibc_parse's caller has seen the prefix: supply it when the input
	 * lacks it, so that mutations are spent on the rest. */
	if (size >= pre && memcmp(data, add, pre) == 0)
		pre = 0;
	if (pre + size <= CODE_SCAN_MAX) {
		/* An exact-sized copy: a read past the end is an ASan
		 * report. */
		s = malloc(pre + size);
		check(s != NULL);
		memcpy(s, add, pre);
		memcpy(s + pre, data, size);
		fuzz_scan(s, pre + size);
		free(s);
	}
	fuzz_key(data, size);
	return 0;
}
