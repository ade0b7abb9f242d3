/*
 * output — reply printing, text and JSON (jansson).
 */
#include "output.h"
#include "resp_json.h"
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
			if (resp_is_scalar(val)) {
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
	if (resp_is_scalar(v)) {
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

void output_error(FILE *f, const struct resp_value *v)
{
	fputs("yima: ", f);
	output_str(f, v->str ? v->str : "", v->len);
	fputc('\n', f);
}

static int print_json(FILE *f, json_t *j)
{
	if (j == NULL)
		return -1;
	char *s = resp_json_text(j);
	json_decref(j);
	if (s == NULL)
		return -1;
	fputs(s, f);
	fputc('\n', f);
	free(s);
	return 0;
}

int output_json(FILE *f, const struct resp_value *v)
{
	return print_json(f, resp_to_json(v));
}

int output_info(FILE *f, bool json, const char *text, size_t len)
{
	if (json)
		return print_json(f, resp_info_json(text, len));
	for (size_t i = 0; i < len; i++)
		if (text[i] != '\r')
			fputc(text[i], f);
	return 0;
}
