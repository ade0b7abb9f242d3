/*
 * fuzz_epc — libFuzzer target for the EPC URN parser (epc_parse, then
 * gs1_identify on the elements it collects).
 *
 * epc_parse's caller has checked the "urn:epc:" prefix, so an input
 * without one gets "urn:epc:" put in front.  The URN (at most
 * CODE_SCAN_MAX bytes, as code_parse guarantees) is parsed with default
 * options and with CODE_OPT_REQUIRE_SERIAL through a struct code_ctx set
 * up as code.c does.  Invariants:
 *   - the element list stays within GS1_ELEMS_MAX and its values point
 *     into the URN or into gm_buf (%-decoded values, rebuilt keys);
 *   - on success the key is a GS1 key whose canonical text parses back
 *     (code_parse and code_key_parse) to the same bytes; REQUIRE_SERIAL
 *     gives the same key, or CODE_E_LOT_ONLY for a lot-level one;
 *   - on failure type is none, the message printable ASCII and the
 *     position inside the URN;
 *   - for printable URNs without blanks at the ends code_parse, which
 *     hands them to epc_parse unchanged, gives the same result.
 * Any violation aborts.
 */
#include "code_epc.h"
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

/* Parse as code.c's parse_gs1_text does. */
static enum code_err parse(const char *s, size_t n, unsigned flags,
                           struct code_result *r)
{
	struct code_ctx ctx = { .out = r, .flags = flags, .ref_year = 2026,
	                        .year_cache = 0 };
	struct gs1_msg *m = malloc(sizeof(*m));
	enum code_err err;

	check(m != NULL);
	memset(r, 0, sizeof(*r));
	gs1_msg_init(m);
	r->cr_form = CODE_FORM_EPC;
	err = epc_parse(&ctx, m, s, n, 0);
	check_msg(m, s, n);
	if (err == CODE_OK)
		err = gs1_identify(&ctx, m, n);
	free(m);
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
		if ((s[i] < 0x20 || s[i] >= 0x7f) && s[i] != CODE_GS)
			return false;
	return true;
}

static void fuzz_uri(const char *s, size_t n)
{
	struct code_result a, b;
	enum code_err ea, eb;

	ea = parse(s, n, 0, &a);
	eb = parse(s, n, CODE_OPT_REQUIRE_SERIAL, &b);
	if (ea == CODE_OK && a.cr_type == CODE_LGTIN) {
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const prefixes[] = { "urn:epc:" };
	static const char add[] = "urn:epc:";
	size_t pre = strlen(add);
	char *s;

	if (size > CODE_SCAN_MAX)
		return 0;
	/* epc_parse's caller has checked the scheme: supply it when the input
	 * lacks it, so that mutations are spent on the rest. */
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (code_prefix_ci((const char *)data, size, prefixes[i]))
			pre = 0;
	if (pre + size > CODE_SCAN_MAX)
		return 0;
	/* An exact-sized copy: a read past the end is an ASan report. */
	s = malloc(pre + size);
	check(s != NULL);
	memcpy(s, add, pre);
	memcpy(s + pre, data, size);
	fuzz_uri(s, pre + size);
	free(s);
	return 0;
}
