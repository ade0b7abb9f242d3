/*
 * fuzz_codec.h — invariants every codec fuzz target checks (header only:
 * each target is its own program).
 *
 *   - an accepted key formats to text that parses back to the same bytes,
 *     through code_parse and code_key_parse;
 *   - every string of a result is NUL-terminated within its buffer;
 *   - a failure leaves no type and no key, and a printable message with a
 *     position inside the input;
 *   - a success has a well-formed key of the type claimed and a real date.
 */
#ifndef YIMA_FUZZ_CODEC_H
#define YIMA_FUZZ_CODEC_H

#include "code.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define check(cond) do { if (!(cond)) { \
	fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, #cond); \
	abort(); } } while (0)

static inline void check_roundtrip(const uint8_t *key, size_t len)
{
	const struct code_opts opts = { 2026, CODE_OPT_CN20_ANY_LEAD };
	char text[CODE_TEXT_MAX];
	uint8_t back[CODE_KEY_MAX];
	struct code_result r;
	int n = code_key_format(key, len, text, sizeof(text));

	check(n > 0 && (size_t)n == strlen(text));
	check(code_parse(text, (size_t)n, &opts, &r) == CODE_OK);
	check(r.cr_key_len == len && memcmp(r.cr_key, key, len) == 0);
	check(code_key_parse(text, (size_t)n, back) == (int)len);
	check(memcmp(back, key, len) == 0);
}

static inline void check_str(const char *s, size_t cap)
{
	check(memchr(s, '\0', cap) != NULL);
}

/* The checks for any outcome; returns true when the result is a success
 * (the caller then checks what its type must look like, then calls
 * check_success). */
static inline bool check_failure_or_go_on(const struct code_result *r, enum code_err err,
					  size_t size)
{
	check(r->cr_err == err || err == CODE_OK);
	check_str(r->cr_product, sizeof(r->cr_product));
	check_str(r->cr_serial, sizeof(r->cr_serial));
	check_str(r->cr_lot, sizeof(r->cr_lot));
	check_str(r->cr_msg, sizeof(r->cr_msg));
	if (err == CODE_OK)
		return true;
	check(r->cr_type == CODE_NONE && r->cr_key_len == 0);
	check(r->cr_msg[0] != '\0' && r->cr_err_pos <= size);
	for (const char *m = r->cr_msg; *m; m++)
		check(*m >= 0x20 && *m < 0x7f);
	return false;
}

static inline void check_success(const struct code_result *r)
{
	check(r->cr_key_len > 0 && r->cr_key_len <= CODE_KEY_MAX);
	check(code_key_type(r->cr_key, r->cr_key_len) == r->cr_type);
	check_roundtrip(r->cr_key, r->cr_key_len);
	if (r->cr_expiry.cd_year != 0)
		check(r->cr_expiry.cd_month >= 1 && r->cr_expiry.cd_month <= 12 &&
		      r->cr_expiry.cd_day >= 1 && r->cr_expiry.cd_day <= 31);
}

#endif
