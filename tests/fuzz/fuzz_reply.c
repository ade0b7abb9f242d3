/*
 * fuzz_reply — libFuzzer target for the client-side reply parser
 * (resp_value.c), fed what a hostile server might send.
 *
 * Invariants checked on every input (parsed from an exact-size copy):
 *   - the result is -1, 0 or 1; -1 comes with a message;
 *   - on 1: 0 < used <= size, strings are NUL-terminated at len, every
 *     shorter prefix is incomplete (0), the first `used` bytes alone parse
 *     the same, and trailing bytes change nothing;
 *   - on 0: every prefix is incomplete too;
 *   - on -1: more bytes after it do not make it valid (same message);
 *   - re-encoding the value (with the encoder where it is exact, raw bytes
 *     otherwise) and parsing that gives an equal value.
 * Any violation aborts.
 */
#include "resp.h"
#include "xmem.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define check(cond) do { if (!(cond)) { \
	fprintf(stderr, "fuzz_reply: %s:%d: %s\n", __FILE__, __LINE__, #cond); \
	abort(); } } while (0)

static size_t nelem(const struct resp_value *v)
{
	switch (v->type) {
	case RESP_T_ARRAY:
	case RESP_T_SET:
	case RESP_T_PUSH:
		return v->n;
	case RESP_T_MAP:
		return 2 * v->n;
	case RESP_T_ATTR:
		return 2 * v->n + 1;
	default:
		return 0;
	}
}

static bool has_str(enum resp_type t)
{
	return t == RESP_T_SIMPLE || t == RESP_T_ERROR || t == RESP_T_BULK ||
	       t == RESP_T_BIGNUM || t == RESP_T_BULK_ERROR || t == RESP_T_VERBATIM;
}

static void check_value(const struct resp_value *v, int depth)
{
	check(depth <= RESP_MAX_DEPTH);
	check((int)v->type >= RESP_T_SIMPLE && (int)v->type <= RESP_T_PUSH);
	check(resp_type_name(v->type)[0] != '?');
	if (has_str(v->type)) {
		check(v->str != NULL);
		check(v->str[v->len] == '\0');
	}
	if (v->type == RESP_T_BOOL)
		check(v->integer == 0 || v->integer == 1);
	if (v->type == RESP_T_VERBATIM)
		check(v->fmt[3] == '\0');
	for (size_t i = 0; i < nelem(v); i++)
		check_value(&v->elem[i], depth + 1);
}

static bool equal(const struct resp_value *a, const struct resp_value *b)
{
	if (a->type != b->type)
		return false;
	switch (a->type) {
	case RESP_T_INT:
	case RESP_T_BOOL:
		return a->integer == b->integer;
	case RESP_T_DOUBLE:
		return (isnan(a->dbl) && isnan(b->dbl)) ||
		       memcmp(&a->dbl, &b->dbl, sizeof a->dbl) == 0;
	case RESP_T_NULL:
		return true;
	case RESP_T_VERBATIM:
		if (memcmp(a->fmt, b->fmt, 4) != 0)
			return false;
		/* fall through */
	case RESP_T_SIMPLE:
	case RESP_T_ERROR:
	case RESP_T_BULK:
	case RESP_T_BIGNUM:
	case RESP_T_BULK_ERROR:
		return a->len == b->len && memcmp(a->str, b->str, a->len) == 0;
	default:
		if (a->n != b->n)
			return false;
		for (size_t i = 0; i < nelem(a); i++)
			if (!equal(&a->elem[i], &b->elem[i]))
				return false;
		return true;
	}
}

static void raw_line(struct buf *b, char type, const char *s, size_t n)
{
	buf_putc(b, type);
	buf_append(b, s, n);
	buf_append(b, "\r\n", 2);
}

/* Encode v as RESP3. */
static void encode(struct resp_out *o, const struct resp_value *v)
{
	switch (v->type) {
	case RESP_T_SIMPLE:
		raw_line(&o->b, '+', v->str, v->len);	/* may hold NUL or LF */
		return;
	case RESP_T_ERROR:
		raw_line(&o->b, '-', v->str, v->len);
		return;
	case RESP_T_BIGNUM:
		if (memchr(v->str, '\0', v->len))
			raw_line(&o->b, '(', v->str, v->len);
		else
			resp_bignum(o, v->str);
		return;
	case RESP_T_INT:
		resp_int(o, v->integer);
		return;
	case RESP_T_BULK:
		resp_bulk(o, v->str, v->len);
		return;
	case RESP_T_BULK_ERROR:
		buf_printf(&o->b, "!%zu\r\n", v->len);
		buf_append(&o->b, v->str, v->len);
		buf_append(&o->b, "\r\n", 2);
		return;
	case RESP_T_VERBATIM:
		if (memchr(v->fmt, '\0', 3)) {
			buf_printf(&o->b, "=%zu\r\n", v->len + 4);
			buf_append(&o->b, v->fmt, 3);
			buf_putc(&o->b, ':');
			buf_append(&o->b, v->str, v->len);
			buf_append(&o->b, "\r\n", 2);
		} else {
			resp_verbatim(o, v->fmt, v->str, v->len);
		}
		return;
	case RESP_T_NULL:
		resp_null(o);
		return;
	case RESP_T_BOOL:
		resp_bool(o, v->integer != 0);
		return;
	case RESP_T_DOUBLE:
		resp_double(o, v->dbl);
		return;
	case RESP_T_ARRAY:
		resp_array(o, v->n);
		break;
	case RESP_T_SET:
		resp_set(o, v->n);
		break;
	case RESP_T_PUSH:
		resp_push(o, v->n);
		break;
	case RESP_T_MAP:
		resp_map(o, v->n);
		break;
	case RESP_T_ATTR:
		buf_printf(&o->b, "|%zu\r\n", v->n);
		break;
	}
	for (size_t i = 0; i < nelem(v); i++)
		encode(o, &v->elem[i]);
}

/* Parse in[0..n) from an exact-size copy. */
static int parse_copy(const uint8_t *in, size_t n, struct resp_value *v, size_t *used,
		      const char **err)
{
	char *buf = xmalloc(n ? n : 1);
	if (n)
		memcpy(buf, in, n);
	*used = 0;
	*err = NULL;
	int r = resp_parse_value(buf, n, v, used, err);
	free(buf);
	return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct resp_value v, w;
	size_t used, used2;
	const char *err, *err2;
	int r = parse_copy(data, size, &v, &used, &err);
	check(r == -1 || r == 0 || r == 1);

	/* Some shorter prefix: incomplete whenever the whole is incomplete or
	 * complete only at `used`. */
	size_t cut = size ? (size_t)data[0] * 131 % size : 0;
	if (r == 1 && cut >= used)
		cut = used - 1;

	if (r == -1) {
		check(err != NULL && err[0] != '\0');
		/* Appending bytes cannot repair it. */
		uint8_t *more = xmalloc(size + 2);
		memcpy(more, data, size);
		memcpy(more + size, "\r\n", 2);
		int r2 = parse_copy(more, size + 2, &w, &used2, &err2);
		free(more);
		check(r2 == -1);
		check(strcmp(err, err2) == 0);
		return 0;
	}
	if (r == 0) {
		if (size) {
			check(parse_copy(data, cut, &w, &used2, &err2) == 0);
		}
		return 0;
	}

	check(used > 0 && used <= size);
	check_value(&v, 0);
	check(parse_copy(data, cut, &w, &used2, &err2) == 0);
	check(parse_copy(data, used - 1, &w, &used2, &err2) == 0);

	/* The reply alone, and the reply followed by junk, parse the same. */
	check(parse_copy(data, used, &w, &used2, &err2) == 1);
	check(used2 == used && equal(&v, &w));
	resp_value_free(&w);
	uint8_t *more = xmalloc(used + 3);
	memcpy(more, data, used);
	memcpy(more + used, "?\r\n", 3);
	check(parse_copy(more, used + 3, &w, &used2, &err2) == 1);
	check(used2 == used && equal(&v, &w));
	resp_value_free(&w);
	free(more);

	/* Encode again, parse again. */
	struct resp_out o = { BUF_INIT, 3 };
	encode(&o, &v);
	int r3 = parse_copy((const uint8_t *)o.b.data, o.b.len, &w, &used2, &err2);
	if (r3 != 1 || used2 != o.b.len || !equal(&v, &w)) {
		fprintf(stderr, "fuzz_reply: re-encoded value differs (r=%d used=%zu of %zu, %s)\n",
			r3, used2, o.b.len, err2 ? err2 : "");
		abort();
	}
	resp_value_free(&w);
	buf_free(&o.b);
	resp_value_free(&v);
	return 0;
}
