/*
 * fuzz_gs1 — libFuzzer target for the GS1 element-string parsers:
 * gs1_parse_raw (GS-separated, as scanners send it), gs1_parse_bracketed
 * ("(01)…(21)…"), gs1_identify on what they collect, and gs1_format.
 *
 * Each input (at most CODE_SCAN_MAX bytes, as code_parse guarantees) is
 * parsed in both syntaxes, with default options and with
 * CODE_OPT_REQUIRE_SERIAL, through a struct code_ctx set up as code.c does.
 * Invariants:
 *   - the element list stays within GS1_ELEMS_MAX and its values point
 *     into the input or into gm_buf;
 *   - on success the key is a GS1 key whose canonical text parses back
 *     (code_parse and code_key_parse) to the same bytes; REQUIRE_SERIAL
 *     gives the same key, or CODE_E_LOT_ONLY for a lot-level one;
 *   - on failure type is none, the message printable ASCII and the
 *     position inside the input;
 *   - where code_parse would hand the same bytes to the same parser
 *     (printable input starting with GS or '('), it gives the same result.
 * The input is also taken as a GS1 key for gs1_format.  Any violation
 * aborts.
 */
#include "code_gs1.h"
#include "fuzz_codec.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum syntax { RAW, BRACKETED };

static void check_outcome(const struct code_result *r, enum code_err err,
                          size_t size)
{
	if (!check_failure_or_go_on(r, err, size))
		return;
	check(r->cr_type == CODE_SGTIN || r->cr_type == CODE_LGTIN ||
	      r->cr_type == CODE_SSCC || r->cr_type == CODE_SGLN ||
	      r->cr_type == CODE_PGLN);
	check_success(r);
}

static void check_msg(const struct gs1_msg *m, const char *s, size_t n)
{
	check(m->gm_n <= GS1_ELEMS_MAX && m->gm_used <= sizeof(m->gm_buf));
	for (unsigned i = 0; i < m->gm_n; i++) {
		const struct gs1_elem *e = &m->gm_e[i];
		bool in_scan = e->ge_val >= s && e->ge_val + e->ge_len <= s + n;
		bool in_buf = e->ge_val >= m->gm_buf &&
		              e->ge_val + e->ge_len <= m->gm_buf + m->gm_used;

		check(e->ge_ai != NULL && (in_scan || in_buf));
		check(e->ge_pos <= n);
	}
}

/* Parse as code.c's parse_gs1 / parse_gs1_text do. */
static enum code_err parse(enum syntax syn, const char *s, size_t n,
                           unsigned flags, struct code_result *r)
{
	struct code_ctx ctx = { .out = r, .flags = flags, .ref_year = 2026,
	                        .year_cache = 0 };
	struct gs1_msg *m = malloc(sizeof(*m));
	enum code_err err;
	unsigned parsed = 0;

	check(m != NULL);
	memset(r, 0, sizeof(*r));
	gs1_msg_init(m);
	if (syn == RAW) {
		r->cr_form = CODE_FORM_GS1;
		/* parsed counts elements read; a repeated one with the same
		 * value is kept once, so it may exceed gm_n. */
		err = gs1_parse_raw(&ctx, m, s, n, 0, &parsed);
		check(err != CODE_OK || parsed >= m->gm_n);
	} else {
		r->cr_form = CODE_FORM_BRACKET;
		err = gs1_parse_bracketed(&ctx, m, s, n, 0);
	}
	check_msg(m, s, n);
	if (err == CODE_OK)
		err = gs1_identify(&ctx, m, n);
	free(m);
	check_outcome(r, err, n);
	return err;
}

/* code_parse leaves printable input without blanks at the ends as it is,
 * and dispatches on the first byte. */
static bool same_path(enum syntax syn, const char *s, size_t n)
{
	if (n == 0 || s[0] != (syn == RAW ? CODE_GS : '('))
		return false;
	if (s[0] == ' ' || s[n - 1] == ' ')
		return false;
	for (size_t i = 0; i < n; i++)
		if ((s[i] < 0x20 || s[i] >= 0x7f) && s[i] != CODE_GS)
			return false;
	return true;
}

static void fuzz_syntax(enum syntax syn, const char *s, size_t n)
{
	struct code_result a, b;
	enum code_err ea, eb;

	ea = parse(syn, s, n, 0, &a);
	eb = parse(syn, s, n, CODE_OPT_REQUIRE_SERIAL, &b);
	if (ea == CODE_OK && a.cr_type == CODE_LGTIN) {
		check(eb == CODE_E_LOT_ONLY);
	} else {
		check(ea == eb && a.cr_key_len == b.cr_key_len);
		check(memcmp(a.cr_key, b.cr_key, a.cr_key_len) == 0);
	}
	if (same_path(syn, s, n)) {
		const struct code_opts opts = { 2026, 0 };

		eb = code_parse(s, n, &opts, &b);
		check(ea == eb && a.cr_key_len == b.cr_key_len);
		check(memcmp(a.cr_key, b.cr_key, a.cr_key_len) == 0);
		check(ea == CODE_OK || a.cr_err_pos == b.cr_err_pos);
	}
}

/* The input as a GS1 key: type byte from the first byte, the rest as is. */
static void fuzz_key(const uint8_t *data, size_t size)
{
	uint8_t key[CODE_KEY_MAX];
	char text[CODE_TEXT_MAX];
	int n;

	if (size == 0 || size > CODE_KEY_MAX)
		return;
	memcpy(key, data, size);
	key[0] = (uint8_t)(CODE_KEY_SGTIN + data[0] % 5);
	n = gs1_format(key, size, text, sizeof(text));
	if (n < 0) {
		check(code_key_type(key, size) == CODE_NONE);
		return;
	}
	check((size_t)n == strlen(text) && text[0] == '(');
	check(code_key_type(key, size) != CODE_NONE);
	check_roundtrip(key, size);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;

	if (size > CODE_SCAN_MAX)
		return 0;
	/* An exact-sized copy: a read past the end is an ASan report. */
	s = malloc(size ? size : 1);
	check(s != NULL);
	memcpy(s, data, size);
	fuzz_syntax(RAW, s, size);
	fuzz_syntax(BRACKETED, s, size);
	free(s);
	fuzz_key(data, size);
	return 0;
}
