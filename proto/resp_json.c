/*
 * resp_json — a RESP reply as JSON (resp_json.h).
 */
#include "resp_json.h"
#include "buf.h"
#include "text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Valid UTF-8 copy of s, invalid bytes replaced by U+FFFD. */
static json_t *json_text(const char *s, size_t n)
{
	json_t *j = json_stringn(s, n);
	if (j)
		return j;
	struct buf b = BUF_INIT;
	for (size_t i = 0; i < n;) {
		uint32_t cp;
		size_t len = text_decode(s + i, n - i, &cp);
		if (len) {
			buf_append(&b, s + i, len);
			i += len;
		} else {
			buf_append(&b, "\xef\xbf\xbd", 3);
			i++;
		}
	}
	j = json_stringn(b.data ? b.data : "", b.len);
	buf_free(&b);
	return j;
}

json_t *resp_to_json(const struct resp_value *v)
{
	json_t *j;
	switch (v->type) {
	case RESP_T_INT:
		return json_integer(v->integer);
	case RESP_T_NULL:
		return json_null();
	case RESP_T_BOOL:
		return json_boolean(v->integer);
	case RESP_T_DOUBLE:
		return json_real(v->dbl);
	case RESP_T_ERROR:
	case RESP_T_BULK_ERROR:
		j = json_object();
		json_object_set_new(j, "error", json_text(v->str, v->len));
		return j;
	case RESP_T_SIMPLE:
	case RESP_T_BULK:
	case RESP_T_VERBATIM:
	case RESP_T_BIGNUM:
		return json_text(v->str, v->len);
	case RESP_T_MAP:
		j = json_object();
		for (size_t i = 0; i < v->n; i++) {
			const struct resp_value *k = &v->elem[2 * i];
			json_t *key = resp_is_scalar(k) && k->str ? json_text(k->str, k->len) : NULL;
			char num[32];
			const char *ks = key ? json_string_value(key) : num;
			if (!key)
				snprintf(num, sizeof num, "%lld", (long long)k->integer);
			json_object_set_new(j, ks, resp_to_json(&v->elem[2 * i + 1]));
			json_decref(key);
		}
		return j;
	case RESP_T_ATTR:
		return resp_to_json(&v->elem[2 * v->n]);	/* attributes are metadata */
	case RESP_T_ARRAY:
	case RESP_T_SET:
	case RESP_T_PUSH:
		j = json_array();
		for (size_t i = 0; i < v->n; i++)
			json_array_append_new(j, resp_to_json(&v->elem[i]));
		return j;
	}
	return json_null();
}

/*
 * The characters text.h refuses are written as \uXXXX.  jansson escapes C0
 * controls itself but writes DEL, C1 controls and bidirectional controls as
 * they are: valid JSON, and still able to drive the terminal (or fool the
 * page) it is shown on.  Outside strings JSON is ASCII, so each of them is
 * inside a string, where its escape means the same character.
 */
char *resp_json_text(const json_t *j)
{
	char *s = json_dumps(j, JSON_ENCODE_ANY | JSON_REAL_PRECISION(15));
	if (s == NULL)
		return NULL;
	size_t n = strlen(s), start = 0, at, len;
	uint32_t cp;
	if ((at = text_find(s, n, 0, &len, &cp)) >= n)
		return s;	/* the usual case: as it is */
	struct buf b = BUF_INIT;
	while ((at = text_find(s, n, start, &len, &cp)) < n) {
		buf_append(&b, s + start, at - start);
		/* Every refused code point is below U+10000: one escape each.
		 * jansson writes UTF-8 only; a stray byte would be U+FFFD. */
		buf_printf(&b, "\\u%04x", cp == TEXT_NOT_UTF8 ? 0xfffdu : (unsigned)cp);
		start = at + len;
	}
	buf_append(&b, s + start, n - start);
	buf_append(&b, "", 1);
	free(s);
	return b.data;
}

/* An INFO value: an integer, a number with a point, "k=v,k=v" as an
 * object, else text. */
static json_t *info_value(const char *s, size_t n)
{
	char text[512];
	snprintf(text, sizeof text, "%.*s", (int)(n < sizeof text - 1 ? n : sizeof text - 1), s);
	char *end;
	const char *digits = text + (text[0] == '-');
	if (*digits && strspn(digits, "0123456789") == strlen(digits))
		return json_integer(strtoll(text, NULL, 10));
	if (strchr(text, '.') && strspn(text, "-0123456789.") == strlen(text)) {
		double d = strtod(text, &end);
		if (*end == '\0')
			return json_real(d);
	}
	if (strchr(text, '=') && strspn(text, "abcdefghijklmnopqrstuvwxyz_0123456789=,") ==
	    strlen(text)) {
		json_t *o = json_object();
		for (char *item = strtok(text, ","); o && item; item = strtok(NULL, ",")) {
			char *eq = strchr(item, '=');
			if (eq == NULL)
				continue;
			*eq = '\0';
			json_object_set_new(o, item, info_value(eq + 1, strlen(eq + 1)));
		}
		return o;
	}
	return json_stringn(s, n);
}

json_t *resp_info_json(const char *text, size_t len)
{
	json_t *doc = json_object(), *section = NULL;
	const char *p = text, *end = text + len;
	while (doc && p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end;
		size_t n = (size_t)(eol - p);
		if (n && p[n - 1] == '\r')
			n--;
		if (n > 2 && p[0] == '#' && p[1] == ' ') {
			char name[64];
			size_t k = n - 2 < sizeof name - 1 ? n - 2 : sizeof name - 1;
			for (size_t i = 0; i < k; i++)
				name[i] = (char)(p[2 + i] >= 'A' && p[2 + i] <= 'Z' ? p[2 + i] + 32 : p[2 + i]);
			name[k] = '\0';
			section = json_object();
			json_object_set_new(doc, name, section);
		} else if (n && section) {
			const char *colon = memchr(p, ':', n);
			if (colon) {
				char key[128];
				snprintf(key, sizeof key, "%.*s", (int)(colon - p), p);
				json_object_set_new(section, key,
						    info_value(colon + 1, n - (size_t)(colon - p) - 1));
			}
		}
		p = eol + 1;
	}
	return doc;
}
