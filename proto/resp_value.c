/*
 * resp_value — client-side parser for every RESP2 and RESP3 reply type.
 *
 * Replies come from a server the client may not trust (or from a fuzzer):
 * lengths are checked against the bytes at hand before anything is
 * allocated, and nesting is bounded.  An incomplete reply is reported as
 * such, and the caller calls again once more bytes arrived.
 */
#include "resp.h"
#include "xmem.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

struct cursor {
	const char *buf;
	size_t len;
	size_t pos;
	const char *err;
};

enum { INCOMPLETE = 0, OK = 1, BAD = -1 };

static int bad(struct cursor *c, const char *why)
{
	c->err = why;
	return BAD;
}

/* The line starting at c->pos, without its CRLF. */
static int line(struct cursor *c, const char **s, size_t *n)
{
	const char *start = c->buf + c->pos;
	const char *cr = memchr(start, '\r', c->len - c->pos);
	if (cr == NULL)
		return INCOMPLETE;
	size_t at = (size_t)(cr - c->buf);
	if (at + 1 >= c->len)
		return INCOMPLETE;
	if (c->buf[at + 1] != '\n')
		return bad(c, "CR not followed by LF");
	*s = start;
	*n = at - c->pos;
	c->pos = at + 2;
	return OK;
}

static bool to_int(const char *s, size_t n, int64_t *out)
{
	char tmp[24];
	if (n == 0 || n >= sizeof tmp)
		return false;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	char *end;
	errno = 0;
	long long v = strtoll(tmp, &end, 10);
	if (errno || *end != '\0' || (tmp[0] != '-' && (tmp[0] < '0' || tmp[0] > '9')))
		return false;
	*out = v;
	return true;
}

static int parse(struct cursor *c, struct resp_value *v, int depth);

static int aggregate(struct cursor *c, struct resp_value *v, int64_t count,
		     size_t per, size_t extra, int depth)
{
	if (count < 0)
		return bad(c, "negative aggregate length");
	/* Every element takes at least 3 bytes ("_\r\n"): a count that cannot
	 * fit in what we hold is incomplete, and nothing is allocated for it. */
	if ((uint64_t)count > (c->len - c->pos) / 3 / per + 1)
		return INCOMPLETE;
	size_t n = (size_t)count * per + extra;
	v->n = (size_t)count;
	v->elem = xcalloc(n ? n : 1, sizeof *v->elem);
	for (size_t i = 0; i < n; i++) {
		int r = parse(c, &v->elem[i], depth + 1);
		if (r != OK) {
			for (size_t j = 0; j < i; j++)
				resp_value_free(&v->elem[j]);
			free(v->elem);
			v->elem = NULL;
			v->n = 0;
			return r;
		}
	}
	return OK;
}

static int string(struct cursor *c, struct resp_value *v, int64_t n)
{
	if (n < 0)
		return bad(c, "negative string length");
	if ((uint64_t)n + 2 > c->len - c->pos)
		return INCOMPLETE;
	const char *p = c->buf + c->pos;
	if (p[n] != '\r' || p[n + 1] != '\n')
		return bad(c, "string not followed by CRLF");
	v->str = xstrndup(p, (size_t)n);
	v->len = (size_t)n;
	c->pos += (size_t)n + 2;
	return OK;
}

static int parse(struct cursor *c, struct resp_value *v, int depth)
{
	memset(v, 0, sizeof *v);
	if (depth > RESP_MAX_DEPTH)
		return bad(c, "reply nested too deeply");
	if (c->pos >= c->len)
		return INCOMPLETE;
	char type = c->buf[c->pos++];
	const char *s;
	size_t n;
	int64_t num;
	int r = line(c, &s, &n);
	if (r != OK)
		return r;
	if (n && s[0] == '?' && strchr("$*%~>=!|", type))
		return bad(c, "streamed RESP3 types are not supported");

	switch (type) {
	case '+':
	case '-':
	case '(':
		v->type = type == '+' ? RESP_T_SIMPLE :
			  type == '-' ? RESP_T_ERROR : RESP_T_BIGNUM;
		v->str = xstrndup(s, n);
		v->len = n;
		return OK;
	case ':':
		v->type = RESP_T_INT;
		return to_int(s, n, &v->integer) ? OK : bad(c, "invalid integer");
	case '_':
		v->type = RESP_T_NULL;
		return n == 0 ? OK : bad(c, "invalid null");
	case '#':
		v->type = RESP_T_BOOL;
		if (n != 1 || (s[0] != 't' && s[0] != 'f'))
			return bad(c, "invalid boolean");
		v->integer = s[0] == 't';
		return OK;
	case ',': {
		char tmp[64];
		if (n == 0 || n >= sizeof tmp)
			return bad(c, "invalid double");
		memcpy(tmp, s, n);
		tmp[n] = '\0';
		char *end;
		v->type = RESP_T_DOUBLE;
		v->dbl = strtod(tmp, &end);
		return *end == '\0' ? OK : bad(c, "invalid double");
	}
	case '$':
	case '!':
	case '=':
		if (!to_int(s, n, &num))
			return bad(c, "invalid string length");
		if (num == -1 && type == '$') {
			v->type = RESP_T_NULL;
			return OK;
		}
		v->type = type == '$' ? RESP_T_BULK :
			  type == '!' ? RESP_T_BULK_ERROR : RESP_T_VERBATIM;
		r = string(c, v, num);
		if (r != OK || type != '=')
			return r;
		if (v->len < 4 || v->str[3] != ':') {
			free(v->str);
			v->str = NULL;
			return bad(c, "verbatim string without a format");
		}
		memcpy(v->fmt, v->str, 3);
		v->fmt[3] = '\0';
		memmove(v->str, v->str + 4, v->len - 4 + 1);
		v->len -= 4;
		return OK;
	case '*':
	case '~':
	case '>':
	case '%':
	case '|':
		if (!to_int(s, n, &num))
			return bad(c, "invalid aggregate length");
		if (num == -1 && type == '*') {
			v->type = RESP_T_NULL;
			return OK;
		}
		v->type = type == '*' ? RESP_T_ARRAY : type == '~' ? RESP_T_SET :
			  type == '>' ? RESP_T_PUSH : type == '%' ? RESP_T_MAP :
			  RESP_T_ATTR;
		return aggregate(c, v, num, (type == '%' || type == '|') ? 2 : 1,
				 type == '|' ? 1 : 0, depth);
	default:
		return bad(c, "unknown reply type byte");
	}
}

int resp_parse_value(const char *buf, size_t len, struct resp_value *out,
		     size_t *used, const char **err)
{
	struct cursor c = { buf, len, 0, NULL };
	int r = parse(&c, out, 0);
	if (r == OK) {
		*used = c.pos;
		return 1;
	}
	resp_value_free(out);
	if (r == BAD) {
		*err = c.err;
		return -1;
	}
	return 0;
}

void resp_value_free(struct resp_value *v)
{
	size_t n = v->n;
	if (v->type == RESP_T_MAP)
		n *= 2;
	else if (v->type == RESP_T_ATTR)
		n = n * 2 + 1;
	if (v->elem)
		for (size_t i = 0; i < n; i++)
			resp_value_free(&v->elem[i]);
	free(v->elem);
	free(v->str);
	memset(v, 0, sizeof *v);
}

const char *resp_type_name(enum resp_type t)
{
	switch (t) {
	case RESP_T_SIMPLE: return "simple";
	case RESP_T_ERROR: return "error";
	case RESP_T_INT: return "integer";
	case RESP_T_BULK: return "bulk";
	case RESP_T_ARRAY: return "array";
	case RESP_T_NULL: return "null";
	case RESP_T_BOOL: return "boolean";
	case RESP_T_DOUBLE: return "double";
	case RESP_T_BIGNUM: return "bignum";
	case RESP_T_BULK_ERROR: return "bulk-error";
	case RESP_T_VERBATIM: return "verbatim";
	case RESP_T_MAP: return "map";
	case RESP_T_SET: return "set";
	case RESP_T_ATTR: return "attribute";
	case RESP_T_PUSH: return "push";
	}
	return "?";
}

bool resp_is_scalar(const struct resp_value *v)
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
