/*
 * code_json.c — one parse result as a JSON object, for `yima parse --json`
 * and for replies that describe a scan.  Field names and values are
 * documented in proto/CODES.md; absent fields are left out.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "code.h"

struct jbuf {
	char  *b;
	size_t cap, o;
	bool   ok;
};

static void put(struct jbuf *j, const char *s, size_t n)
{
	if (!j->ok || j->o + n + 1 > j->cap) {
		j->ok = false;
		return;
	}
	memcpy(j->b + j->o, s, n);
	j->o += n;
	j->b[j->o] = '\0';
}

/* A JSON string: quotes, backslashes and control or non-ASCII bytes
 * escaped, so any byte sequence gives valid JSON. */
static void put_str(struct jbuf *j, const char *s)
{
	put(j, "\"", 1);
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;
		char esc[8];

		if (c == '"' || c == '\\') {
			esc[0] = '\\';
			esc[1] = (char)c;
			put(j, esc, 2);
		} else if (c < 0x20 || c >= 0x7f) {
			snprintf(esc, sizeof(esc), "\\u%04x", c);
			put(j, esc, 6);
		} else {
			put(j, s, 1);
		}
	}
	put(j, "\"", 1);
}

/* ,"name":"value" (the comma unless first), skipped if value is "". */
static void field(struct jbuf *j, const char *name, const char *value)
{
	if (value == NULL || value[0] == '\0')
		return;
	if (j->o > 1)
		put(j, ",", 1);
	put_str(j, name);
	put(j, ":", 1);
	put_str(j, value);
}

int code_json(const struct code_result *r, char *buf, size_t cap)
{
	struct jbuf j = { buf, cap, 0, cap > 0 };
	char text[CODE_TEXT_MAX], hex[2 * CODE_KEY_MAX + 1], date[11], num[24];

	put(&j, "{", 1);
	if (r->cr_err != CODE_OK || r->cr_type == CODE_NONE) {
		field(&j, "error", code_err_name(r->cr_err));
		field(&j, "message", r->cr_msg);
		snprintf(num, sizeof(num), "%zu", r->cr_err_pos);
		put(&j, ",\"at\":", 6);
		put(&j, num, strlen(num));
	} else {
		if (code_key_format(r->cr_key, r->cr_key_len, text,
		                    sizeof(text)) < 0)
			text[0] = '\0';
		code_key_hex(r->cr_key, r->cr_key_len, hex, sizeof(hex));
		field(&j, "type", code_type_family(r->cr_type));
		field(&j, "kind", code_type_name(r->cr_type));
		field(&j, "form", code_form_name(r->cr_form));
		field(&j, "key", text);
		field(&j, "hex", hex);
		field(&j, "product", r->cr_product);
		field(&j, "serial", r->cr_serial);
		field(&j, "lot", r->cr_lot);
		code_date_format(&r->cr_expiry, date);
		field(&j, "expiry", date);
		code_date_format(&r->cr_prod_date, date);
		field(&j, "production", date);
		if (r->cr_pack != CODE_PACK_UNKNOWN)
			field(&j, "pack", code_pack_name(r->cr_pack));
		field(&j, "check", r->cr_check);
		field(&j, "aim", r->cr_aim);
	}
	put(&j, "}", 1);
	if (!j.ok) {
		if (cap > 0)
			buf[0] = '\0';
		return -1;
	}
	return (int)j.o;
}
