/*
 * resp_encode — reply encoding for RESP2 and RESP3.
 *
 * Handlers describe a reply once; the connection's protocol version decides
 * the bytes.  RESP3-only types degrade to their RESP2 equivalents, as Redis
 * does, so a RESP2 client still gets every field.
 */
#include "resp.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Write "<type><n>\r\n" to end at tmp + 24; returns where it starts.  On
 * every reply element, so no printf. */
static char *header_text(char tmp[24], char type, long long n)
{
	char *p = tmp + 24;
	unsigned long long v = n < 0 ? 0ULL - (unsigned long long)n : (unsigned long long)n;
	*--p = '\n';
	*--p = '\r';
	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	if (n < 0)
		*--p = '-';
	*--p = type;
	return p;
}

static void header(struct resp_out *o, char type, long long n)
{
	char tmp[24];
	char *p = header_text(tmp, type, n);
	buf_append(&o->b, p, (size_t)(tmp + sizeof tmp - p));
}

void resp_simple(struct resp_out *o, const char *s)
{
	buf_putc(&o->b, '+');
	buf_puts(&o->b, s);
	buf_append(&o->b, "\r\n", 2);
}

void resp_error(struct resp_out *o, const char *code, const char *fmt, ...)
{
	size_t start = o->b.len;
	buf_putc(&o->b, '-');
	buf_puts(&o->b, code);
	buf_putc(&o->b, ' ');
	va_list ap;
	va_start(ap, fmt);
	buf_vprintf(&o->b, fmt, ap);
	va_end(ap);
	/* An error is one line: CR or LF inside would end it early. */
	for (size_t i = start; i < o->b.len; i++)
		if (o->b.data[i] == '\r' || o->b.data[i] == '\n')
			o->b.data[i] = ' ';
	buf_append(&o->b, "\r\n", 2);
}

void resp_int(struct resp_out *o, int64_t v)
{
	header(o, ':', (long long)v);
}

void resp_bulk(struct resp_out *o, const void *p, size_t n)
{
	/* One reservation for header, bytes and CRLF: a reply map is mostly
	 * bulk strings. */
	char tmp[24];
	char *h = header_text(tmp, '$', (long long)n);
	size_t hl = (size_t)(tmp + sizeof tmp - h);
	if (o->b.len + hl + n + 3 > o->b.cap)	/* buf_reserve's test, inline */
		buf_reserve(&o->b, hl + n + 2);
	char *d = o->b.data + o->b.len;
	memcpy(d, h, hl);
	if (n)
		memcpy(d + hl, p, n);
	d[hl + n] = '\r';
	d[hl + n + 1] = '\n';
	o->b.len += hl + n + 2;
	o->b.data[o->b.len] = '\0';
}

void resp_null(struct resp_out *o)
{
	if (o->proto >= 3)
		buf_append(&o->b, "_\r\n", 3);
	else
		buf_append(&o->b, "$-1\r\n", 5);
}

void resp_array(struct resp_out *o, size_t n)
{
	header(o, '*', (long long)n);
}

void resp_map(struct resp_out *o, size_t npairs)
{
	if (o->proto >= 3)
		header(o, '%', (long long)npairs);
	else
		header(o, '*', (long long)npairs * 2);
}

void resp_set(struct resp_out *o, size_t n)
{
	header(o, o->proto >= 3 ? '~' : '*', (long long)n);
}

void resp_push(struct resp_out *o, size_t n)
{
	header(o, o->proto >= 3 ? '>' : '*', (long long)n);
}

void resp_bool(struct resp_out *o, bool v)
{
	if (o->proto >= 3)
		buf_puts(&o->b, v ? "#t\r\n" : "#f\r\n");
	else
		buf_puts(&o->b, v ? ":1\r\n" : ":0\r\n");
}

void resp_double(struct resp_out *o, double v)
{
	char tmp[40];
	if (isnan(v))
		snprintf(tmp, sizeof tmp, "nan");
	else if (isinf(v))
		snprintf(tmp, sizeof tmp, "%s", v > 0 ? "inf" : "-inf");
	else
		snprintf(tmp, sizeof tmp, "%.17g", v);
	if (o->proto >= 3) {
		buf_putc(&o->b, ',');
		buf_puts(&o->b, tmp);
		buf_append(&o->b, "\r\n", 2);
	} else {
		resp_cstr(o, tmp);
	}
}

void resp_bignum(struct resp_out *o, const char *digits)
{
	if (o->proto >= 3) {
		buf_putc(&o->b, '(');
		buf_puts(&o->b, digits);
		buf_append(&o->b, "\r\n", 2);
	} else {
		resp_cstr(o, digits);
	}
}

void resp_verbatim(struct resp_out *o, const char *fmt3, const void *p, size_t n)
{
	if (o->proto < 3) {
		resp_bulk(o, p, n);
		return;
	}
	if (strlen(fmt3) != 3)
		fmt3 = "txt";	/* the format is exactly three letters */
	header(o, '=', (long long)n + 4);
	buf_printf(&o->b, "%s:", fmt3);
	buf_append(&o->b, p, n);
	buf_append(&o->b, "\r\n", 2);
}

void resp_command(struct buf *b, int argc, const char *const *argv,
		  const size_t *lens)
{
	buf_printf(b, "*%d\r\n", argc);
	for (int i = 0; i < argc; i++) {
		size_t n = lens ? lens[i] : strlen(argv[i]);
		buf_printf(b, "$%zu\r\n", n);
		buf_append(b, argv[i], n);
		buf_append(b, "\r\n", 2);
	}
}
