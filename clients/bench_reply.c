/*
 * bench_reply — an allocation-free RESP2/RESP3 reply scanner (see
 * bench_reply.h).
 */
#include "bench_reply.h"

#include <string.h>

/* One element: [p, end) on success.  Strings are returned through str/len
 * when the element is a simple string, an error, a (verbatim) bulk string
 * or an integer (its digits).  Returns 1, 0 (incomplete) or -1
 * (malformed). */
struct elem {
	const char *str;
	size_t len;
	bool is_str, is_null;
	char type;
};

static int parse_int(const char *p, const char *e, long long *out)
{
	bool neg = false;
	long long v = 0;
	if (p < e && *p == '-') {
		neg = true;
		p++;
	}
	if (p == e)
		return -1;
	for (; p < e; p++) {
		if (*p < '0' || *p > '9' || v > (1ll << 50))
			return -1;
		v = v * 10 + (*p - '0');
	}
	*out = neg ? -v : v;
	return 0;
}

static int skip(const char **pp, const char *end, int depth, struct elem *el)
{
	const char *p = *pp;
	if (depth > REPLY_MAX_DEPTH)
		return -1;
	if (p >= end)
		return 0;
	const char *nl = memchr(p, '\n', (size_t)(end - p));
	if (!nl)
		return 0;
	if (nl == p || nl[-1] != '\r')
		return -1;
	const char *line = p + 1, *line_end = nl - 1;
	char t = *p;
	long long n;
	memset(el, 0, sizeof *el);
	el->type = t;
	p = nl + 1;
	switch (t) {
	case '+': case '-':
		el->is_str = true;
		el->str = line;
		el->len = (size_t)(line_end - line);
		break;
	case ':': {	/* any length: only the framing matters here */
		const char *d = line + (line < line_end && *line == '-');
		if (d == line_end)
			return -1;
		for (; d < line_end; d++)
			if (*d < '0' || *d > '9')
				return -1;
		el->is_str = true;	/* its digits, as a map value */
		el->str = line;
		el->len = (size_t)(line_end - line);
		break;
	}
	case '#': case ',': case '(':
		break;
	case '_':
		el->is_null = true;
		break;
	case '$': case '!': case '=':
		if (parse_int(line, line_end, &n) != 0 || n < -1)
			return -1;
		if (n == -1) {
			el->is_null = true;
			break;
		}
		if ((size_t)(end - p) < (size_t)n + 2)
			return 0;
		if (p[n] != '\r' || p[n + 1] != '\n')
			return -1;
		el->is_str = true;
		el->str = p;
		el->len = (size_t)n;
		if (t == '=' && n >= 4) {	/* "txt:" before the text */
			el->str += 4;
			el->len -= 4;
		}
		p += n + 2;
		break;
	case '*': case '~': case '>': case '%': case '|': {
		if (parse_int(line, line_end, &n) != 0 || n < -1)
			return -1;
		if (n == -1) {
			el->is_null = true;
			break;
		}
		long long count = (t == '%' || t == '|') ? 2 * n : n;
		struct elem sub;
		for (long long i = 0; i < count; i++) {
			int r = skip(&p, end, depth + 1, &sub);
			if (r <= 0)
				return r;
		}
		if (t == '|') {		/* an attribute comes before its value */
			*pp = p;
			return skip(pp, end, depth + 1, el);
		}
		break;
	}
	default:
		return -1;
	}
	*pp = p;
	return 1;
}

int reply_scan(const char *buf, size_t len, struct reply_scan *s, size_t *used)
{
	const char *p = buf, *end = buf + len;
	struct elem top;
	for (unsigned i = 0; i < s->rs_nfields; i++)
		s->rs_fields[i].rf_val = NULL;
	s->rs_str = NULL;
	s->rs_len = 0;
	int r = skip(&p, end, 0, &top);
	if (r <= 0)
		return r;
	s->rs_type = top.type;
	s->rs_null = top.is_null;
	if (top.is_str) {
		s->rs_str = top.str;
		s->rs_len = top.len;
	}
	/* A map, or an array of pairs: walk it again at the top level only,
	 * now that the whole reply is known to be here. */
	if (s->rs_nfields && !top.is_null && buf[0] == top.type &&
	    (top.type == '%' || top.type == '*')) {
		const char *q = buf;
		const char *nl = memchr(q, '\n', len);
		long long n;
		if (parse_int(q + 1, nl - 1, &n) != 0)
			return -1;
		long long pairs = top.type == '%' ? n : n / 2;
		q = nl + 1;
		for (long long i = 0; i < pairs; i++) {
			struct elem k, v;
			if (skip(&q, end, 1, &k) != 1 || skip(&q, end, 1, &v) != 1)
				return -1;
			if (!k.is_str || !v.is_str)
				continue;
			for (unsigned f = 0; f < s->rs_nfields; f++) {
				struct reply_field *fd = &s->rs_fields[f];
				if (strlen(fd->rf_name) == k.len &&
				    memcmp(fd->rf_name, k.str, k.len) == 0) {
					fd->rf_val = v.str;
					fd->rf_len = v.len;
				}
			}
		}
	}
	*used = (size_t)(p - buf);
	return 1;
}

bool reply_field_is(const struct reply_field *f, const char *want)
{
	size_t n = strlen(want);
	return f->rf_val && f->rf_len == n && memcmp(f->rf_val, want, n) == 0;
}
