/*
 * output — reply printing, text and JSON (jansson).
 */
#include "output.h"
#include "buf.h"
#include "text.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

void output_str(FILE *f, const char *s, size_t n)
{
	struct text_fault fault;
	if (text_check(s, n, &fault) == 0) {	/* the usual case: as it is */
		fwrite(s, 1, n, f);
		return;
	}
	struct buf b = BUF_INIT;
	text_escape(&b, s, n);
	fwrite(b.data, 1, b.len, f);
	buf_free(&b);
}

static bool is_scalar(const struct resp_value *v)
{
	switch (v->type) {
	case RESP_T_ARRAY:
	case RESP_T_SET:
	case RESP_T_PUSH:
	case RESP_T_MAP:
	case RESP_T_ATTR:
		return false;
	default:
		return true;
	}
}

static void scalar(FILE *f, const struct resp_value *v)
{
	switch (v->type) {
	case RESP_T_INT:
		fprintf(f, "%lld", (long long)v->integer);
		break;
	case RESP_T_NULL:
		fputs("(nil)", f);
		break;
	case RESP_T_BOOL:
		fputs(v->integer ? "true" : "false", f);
		break;
	case RESP_T_DOUBLE:
		fprintf(f, "%.15g", v->dbl);
		break;
	case RESP_T_ERROR:
	case RESP_T_BULK_ERROR:
		fputs("(error) ", f);
		output_str(f, v->str, v->len);
		break;
	default:
		output_str(f, v->str, v->len);
		break;
	}
}

static void text(FILE *f, const struct resp_value *v, int indent, bool at_line_start);

/* Print the elements of an aggregate, one per line, at `indent`. */
static void elements(FILE *f, const struct resp_value *v, int indent)
{
	if (v->type == RESP_T_MAP || v->type == RESP_T_ATTR) {
		for (size_t i = 0; i < v->n; i++) {
			const struct resp_value *k = &v->elem[2 * i], *val = &v->elem[2 * i + 1];
			fprintf(f, "%*s", indent, "");
			scalar(f, k);
			fputc(':', f);
			if (is_scalar(val)) {
				fputc(' ', f);
				scalar(f, val);
				fputc('\n', f);
			} else if (val->n == 0) {
				fputs(val->type == RESP_T_MAP ? " (empty map)\n" : " (empty)\n", f);
			} else {
				fputc('\n', f);
				elements(f, val, indent + 2);
			}
		}
		if (v->type == RESP_T_ATTR)
			text(f, &v->elem[2 * v->n], indent, true);
		return;
	}
	for (size_t i = 0; i < v->n; i++) {
		fprintf(f, "%*s%zu) ", indent, "", i + 1);
		text(f, &v->elem[i], indent + 3, false);
	}
}

static void text(FILE *f, const struct resp_value *v, int indent, bool at_line_start)
{
	if (is_scalar(v)) {
		if (at_line_start)
			fprintf(f, "%*s", indent, "");
		scalar(f, v);
		fputc('\n', f);
		return;
	}
	if (v->n == 0) {
		if (at_line_start)
			fprintf(f, "%*s", indent, "");
		fputs(v->type == RESP_T_MAP ? "(empty map)\n" : "(empty array)\n", f);
		return;
	}
	if (!at_line_start)
		fputc('\n', f);
	elements(f, v, indent);
}

void output_text(FILE *f, const struct resp_value *v)
{
	text(f, v, 0, true);
}

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

static json_t *to_json(const struct resp_value *v)
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
			json_t *key = is_scalar(k) && k->str ? json_text(k->str, k->len) : NULL;
			char num[32];
			const char *ks = key ? json_string_value(key) : num;
			if (!key)
				snprintf(num, sizeof num, "%lld", (long long)k->integer);
			json_object_set_new(j, ks, to_json(&v->elem[2 * i + 1]));
			json_decref(key);
		}
		return j;
	case RESP_T_ATTR:
		return to_json(&v->elem[2 * v->n]);	/* attributes are metadata */
	case RESP_T_ARRAY:
	case RESP_T_SET:
	case RESP_T_PUSH:
		j = json_array();
		for (size_t i = 0; i < v->n; i++)
			json_array_append_new(j, to_json(&v->elem[i]));
		return j;
	}
	return json_null();
}

/*
 * Write a JSON document with the characters text.h refuses as \uXXXX.
 * jansson escapes C0 controls itself but writes DEL, C1 controls and
 * bidirectional controls as they are: valid JSON, and still able to drive
 * the terminal it is printed on.  Outside strings JSON is ASCII, so each of
 * them is inside a string, where its escape means the same character.
 */
static void json_write_safe(FILE *f, const char *s)
{
	size_t n = strlen(s), start = 0, at, len;
	uint32_t cp;
	while ((at = text_find(s, n, start, &len, &cp)) < n) {
		fwrite(s + start, 1, at - start, f);
		/* Every refused code point is below U+10000: one escape each.
		 * jansson writes UTF-8 only; a stray byte would be U+FFFD. */
		fprintf(f, "\\u%04x", cp == TEXT_NOT_UTF8 ? 0xfffdu : (unsigned)cp);
		start = at + len;
	}
	fwrite(s + start, 1, n - start, f);
}

int output_json(FILE *f, const struct resp_value *v)
{
	json_t *j = to_json(v);
	if (j == NULL)
		return -1;
	char *s = json_dumps(j, JSON_ENCODE_ANY | JSON_REAL_PRECISION(15));
	json_decref(j);
	if (s == NULL)
		return -1;
	json_write_safe(f, s);
	fputc('\n', f);
	free(s);
	return 0;
}
