/*
 * code_cn20.c — the CN 20-digit drug traceability code (码上放心 layout):
 * PPPPPPP SSSSSSSSS CCCC.  Offline, only length and digits can be checked;
 * the check part's algorithm is not public and the prefix is checked
 * against master data by the daemon.
 *
 * Key: CODE_KEY_CN20 then the 20-digit number as a 72-bit big-endian
 * integer in 9 bytes.  Numeric order is digit-string order (the length is
 * fixed), so keys sort by product prefix, then serial.
 */
#include "code_cn20.h"

#define POW5_10 9765625ull          /* 5^10; 10^10 = 5^10 * 2^10 */
#define POW10_10 10000000000ull

enum code_err cn20_parse(struct code_ctx *ctx, const char *p)
{
	struct code_result *out = ctx->out;
	uint64_t hi = code_digits_u64(p, 10), lo = code_digits_u64(p + 10, 10);
	/* value = hi * 10^10 + lo = ((hi * 5^10) << 10) + lo, computed as a
	 * 72-bit number top:bottom without 128-bit arithmetic; hi * 5^10 <
	 * 2^57. */
	uint64_t scaled = hi * POW5_10;
	uint64_t bottom = (scaled << 10) + lo;
	uint64_t top = (scaled >> 54) + (bottom < lo);

	code_key_start(out, CODE_KEY_CN20);
	out->cr_key[1] = (uint8_t)top;
	code_put_be(out->cr_key + 2, bottom, 8);
	out->cr_key_len = CN20_KEY_LEN;
	code_set_str(out->cr_product, sizeof(out->cr_product), p, 7);
	code_set_str(out->cr_serial, sizeof(out->cr_serial), p + 7, 9);
	code_set_str(out->cr_check, sizeof(out->cr_check), p + 16, 4);
	out->cr_form = CODE_FORM_DIGITS;
	out->cr_type = CODE_CN20;
	return CODE_OK;
}

int cn20_format(const uint8_t *key, size_t len, char *buf, size_t cap)
{
	if (len != CN20_KEY_LEN || key[0] != CODE_KEY_CN20 || cap < 21)
		return -1;
	uint64_t top = key[1], bottom = code_get_be(key + 2, 8);
	/* Undo the packing: value >> 10, then divide by 5^10. */
	uint64_t y = (top << 54) | (bottom >> 10);
	uint64_t hi = y / POW5_10;
	uint64_t lo = (y % POW5_10) * 1024 + (bottom & 1023);

	if (hi >= POW10_10)
		return -1; /* more than 20 digits: not a key we make */
	code_u64_digits(hi, buf, 10);
	code_u64_digits(lo, buf + 10, 10);
	buf[20] = '\0';
	return 20;
}
