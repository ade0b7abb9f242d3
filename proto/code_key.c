/*
 * code_key.c — canonical keys: their type, their text form (itself a scan
 * that parses back to the same key) and hex.  Each codec formats its own
 * key types; this file only dispatches on the type byte.
 */
#include <string.h>

#include "code_cn20.h"
#include "code_gs1.h"
#include "code_hibc.h"
#include "code_ma.h"

int code_key_format(const uint8_t *key, size_t len, char *buf, size_t cap)
{
	if (key == NULL || len == 0 || len > CODE_KEY_MAX || cap == 0)
		return -1;
	switch (key[0]) {
	case CODE_KEY_CN20:
		return cn20_format(key, len, buf, cap);
	case CODE_KEY_SGTIN: case CODE_KEY_LGTIN: case CODE_KEY_SSCC:
	case CODE_KEY_SGLN: case CODE_KEY_PGLN:
		return gs1_format(key, len, buf, cap);
	case CODE_KEY_HIBC_SER: case CODE_KEY_HIBC_LOT:
		return hibc_format(key, len, buf, cap);
	case CODE_KEY_MA_SER: case CODE_KEY_MA_LOT:
		return ma_format(key, len, buf, cap);
	default:
		return -1;
	}
}

int code_key_dl(const uint8_t *key, size_t len, char *buf, size_t cap)
{
	if (key == NULL || len == 0 || len > CODE_KEY_MAX || cap == 0)
		return -1;
	switch (key[0]) {
	case CODE_KEY_SGTIN: case CODE_KEY_LGTIN: case CODE_KEY_SSCC:
	case CODE_KEY_SGLN: case CODE_KEY_PGLN:
		return gs1_format_dl(key, len, buf, cap);
	default:
		return -1;
	}
}

enum code_type code_key_type(const uint8_t *key, size_t len)
{
	char text[CODE_TEXT_MAX];

	/* Well formed means "formats": the same checks in one place. */
	if (code_key_format(key, len, text, sizeof(text)) < 0)
		return CODE_NONE;
	switch (key[0]) {
	case CODE_KEY_CN20:     return CODE_CN20;
	case CODE_KEY_SGTIN:    return CODE_SGTIN;
	case CODE_KEY_LGTIN:    return CODE_LGTIN;
	case CODE_KEY_SSCC:     return CODE_SSCC;
	case CODE_KEY_SGLN:     return CODE_SGLN;
	case CODE_KEY_PGLN:     return CODE_PGLN;
	case CODE_KEY_HIBC_SER:
	case CODE_KEY_HIBC_LOT: return CODE_UDI_HIBC;
	default:                return CODE_UDI_MA;
	}
}

int code_key_parse(const char *text, size_t len, uint8_t key[CODE_KEY_MAX])
{
	/* Keys carry no dates, so the reference year does not matter. */
	const struct code_opts opts = { 2000, CODE_OPT_CN20_ANY_LEAD };
	struct code_result r;

	if (code_parse(text, len, &opts, &r) != CODE_OK)
		return -1;
	memcpy(key, r.cr_key, r.cr_key_len);
	return (int)r.cr_key_len;
}

int code_key_hex(const uint8_t *key, size_t len, char *buf, size_t cap)
{
	static const char hex[] = "0123456789abcdef";

	if (cap < 2 * len + 1)
		return -1;
	for (size_t i = 0; i < len; i++) {
		buf[2 * i] = hex[key[i] >> 4];
		buf[2 * i + 1] = hex[key[i] & 15];
	}
	buf[2 * len] = '\0';
	return (int)(2 * len);
}
