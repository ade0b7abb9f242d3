/*
 * fuzz_cn20 — libFuzzer target for the CN 20-digit code parser
 * (cn20_parse, cn20_format).
 *
 * Each input is used three ways:
 *   digits  the first 20 bytes, each folded to a digit, go straight to
 *           cn20_parse (whose caller guarantees 20 digits): the key formats
 *           back to exactly those digits, parses back to the same key, and
 *           prefix / serial / check part are the digits' three parts;
 *           code_parse of the digits agrees when they start with 8.
 *   key     the bytes taken as a CODE_KEY_CN20 key: if cn20_format accepts
 *           them, the text is 20 digits that parse back to those bytes.
 *   scan    the whole input through code_parse (the clean-up of blanks and
 *           full-width digits in front of cn20_parse): on success a CN
 *           key round-trips; on failure the message is printable ASCII and
 *           the position lies inside the input.
 * Any violation aborts.
 */
#include "code_cn20.h"
#include "fuzz_codec.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The key's text parses back (as a scan and through code_key_parse) to
 * the same bytes. */
static void fuzz_digits(const uint8_t *data, size_t size)
{
	struct code_ctx ctx;
	struct code_result r, s;
	char d[CN20_DIGITS], text[CODE_TEXT_MAX];

	if (size < CN20_DIGITS)
		return;
	for (size_t i = 0; i < CN20_DIGITS; i++)
		d[i] = (char)('0' + data[i] % 10);
	memset(&r, 0, sizeof(r));
	ctx = (struct code_ctx){ .out = &r, .flags = 0, .ref_year = 2026,
	                         .year_cache = 0 };
	check(cn20_parse(&ctx, d) == CODE_OK);
	check(r.cr_type == CODE_CN20 && r.cr_form == CODE_FORM_DIGITS);
	check(r.cr_key_len == CN20_KEY_LEN && r.cr_key[0] == CODE_KEY_CN20);
	check(code_key_type(r.cr_key, r.cr_key_len) == CODE_CN20);
	check(strlen(r.cr_product) == 7 && memcmp(r.cr_product, d, 7) == 0);
	check(strlen(r.cr_serial) == 9 && memcmp(r.cr_serial, d + 7, 9) == 0);
	check(strlen(r.cr_check) == 4 && memcmp(r.cr_check, d + 16, 4) == 0);
	check(cn20_format(r.cr_key, r.cr_key_len, text, sizeof(text)) == 20);
	check(memcmp(text, d, CN20_DIGITS) == 0 && text[20] == '\0');
	check(cn20_format(r.cr_key, r.cr_key_len, text, 20) == -1);
	check_roundtrip(r.cr_key, r.cr_key_len);
	if (d[0] == '8') {
		check(code_parse(d, CN20_DIGITS, NULL, &s) == CODE_OK);
		check(s.cr_type == CODE_CN20);
		check(memcmp(s.cr_key, r.cr_key, CN20_KEY_LEN) == 0);
		check(strcmp(s.cr_product, r.cr_product) == 0);
		check(strcmp(s.cr_serial, r.cr_serial) == 0);
		check(strcmp(s.cr_check, r.cr_check) == 0);
	}
}

static void fuzz_key(const uint8_t *data, size_t size)
{
	uint8_t key[CN20_KEY_LEN];
	char text[CODE_TEXT_MAX];
	int n;

	if (size < CN20_KEY_LEN - 1)
		return;
	/* Always a CN key type byte: every mutation lands in cn20_format. */
	key[0] = CODE_KEY_CN20;
	memcpy(key + 1, data, CN20_KEY_LEN - 1);
	n = cn20_format(key, sizeof(key), text, sizeof(text));
	if (n < 0) {
		check(code_key_type(key, sizeof(key)) == CODE_NONE);
		return;
	}
	check(n == 20 && strlen(text) == 20);
	for (int i = 0; i < n; i++)
		check(text[i] >= '0' && text[i] <= '9');
	check_roundtrip(key, sizeof(key));
}

static void fuzz_scan(const uint8_t *data, size_t size)
{
	const struct code_opts opts = { 2026, CODE_OPT_CN20_ANY_LEAD };
	struct code_result r;
	enum code_err err = code_parse(data, size, &opts, &r);

	check(r.cr_err == err);
	check(memchr(r.cr_msg, '\0', sizeof(r.cr_msg)) != NULL);
	if (err == CODE_OK) {
		check(r.cr_key_len > 0 && r.cr_key_len <= CODE_KEY_MAX);
		if (r.cr_type == CODE_CN20)
			check(r.cr_key_len == CN20_KEY_LEN &&
			      strlen(r.cr_product) == 7 &&
			      strlen(r.cr_serial) == 9 && strlen(r.cr_check) == 4);
		check_roundtrip(r.cr_key, r.cr_key_len);
		return;
	}
	check(r.cr_type == CODE_NONE && r.cr_key_len == 0);
	check(r.cr_msg[0] != '\0' && r.cr_err_pos <= size);
	for (const char *m = r.cr_msg; *m; m++)
		check(*m >= 0x20 && *m < 0x7f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_digits(data, size);
	fuzz_key(data, size);
	fuzz_scan(data, size);
	return 0;
}
