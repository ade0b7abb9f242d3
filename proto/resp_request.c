/*
 * resp_request — incremental parser for client requests.
 *
 * A request is either a RESP array of bulk strings ("*2\r\n$4\r\nPING\r\n...")
 * or an inline command line ("PING hello\r\n", what nc and telnet send).
 * Bytes come from the network: every count and length is checked against the
 * limits before anything is allocated or waited for, and the parser keeps
 * its progress between calls so a request split at any byte is parsed once.
 */
#include "resp.h"
#include "xmem.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* "*<count>\r\n" and "$<len>\r\n" header lines are short; a longer line is
 * garbage, not a slow sender. */
#define HEADER_MAX 32
/* Argument slots grow on demand so a "*1000000" header alone cannot make us
 * allocate for a million arguments. */
#define ARGS_INITIAL 16

void resp_parser_init(struct resp_parser *p, const struct resp_limits *lim)
{
	memset(p, 0, sizeof *p);
	if (lim) {
		p->lim = *lim;
	} else {
		p->lim.max_args = RESP_DEFAULT_MAX_ARGS;
		p->lim.max_bulk = RESP_DEFAULT_MAX_BULK;
		p->lim.max_request = RESP_DEFAULT_MAX_REQUEST;
		p->lim.max_inline = RESP_DEFAULT_MAX_INLINE;
	}
	p->nargs = -1;
	p->bulklen = -1;
}

void resp_parser_free(struct resp_parser *p)
{
	free(p->off);
	free(p->lens);
	free(p->argv);
	p->off = NULL;
	p->lens = NULL;
	p->argv = NULL;
	p->cap = 0;
}

static void reset(struct resp_parser *p)
{
	p->pos = 0;
	p->nargs = -1;
	p->bulklen = -1;
	p->argc = 0;
	p->is_inline = false;
}

static void grow(struct resp_parser *p, uint32_t want)
{
	if (want <= p->cap)
		return;
	uint32_t cap = p->cap ? p->cap : ARGS_INITIAL;
	while (cap < want)
		cap *= 2;
	p->off = xrealloc(p->off, cap * sizeof *p->off);
	p->lens = xrealloc(p->lens, cap * sizeof *p->lens);
	p->argv = xrealloc(p->argv, cap * sizeof *p->argv);
	p->cap = cap;
}

static enum resp_status fail(struct resp_parser *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static enum resp_status fail(struct resp_parser *p, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(p->err, sizeof p->err, fmt, ap);
	va_end(ap);
	reset(p);
	return RESP_ERROR;
}

/* Parse a decimal integer of at most 18 digits, optional leading '-'.
 * Returns false on anything else (empty, junk, overflow). */
static bool parse_int(const char *s, size_t n, int64_t *out)
{
	bool neg = false;
	if (n && s[0] == '-') {
		neg = true;
		s++;
		n--;
	}
	if (n == 0 || n > 18)
		return false;
	int64_t v = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = neg ? -v : v;
	return true;
}

/* Show one byte of the stream in an error message. */
static const char *show_byte(char c, char tmp[8])
{
	unsigned char u = (unsigned char)c;
	if (u >= 0x21 && u < 0x7f)
		snprintf(tmp, 8, "'%c'", c);
	else
		snprintf(tmp, 8, "0x%02x", u);
	return tmp;
}

/*
 * Find the header line that starts at buf[from] (after its type byte).
 * Returns 1 with *value set, 0 if the line is not complete yet, -1 if the
 * line is malformed.
 */
static int header_line(const char *buf, size_t len, size_t from, int64_t *value,
		       size_t *next)
{
	size_t lim = len - from < HEADER_MAX ? len : from + HEADER_MAX;
	const char *cr = memchr(buf + from, '\r', lim - from);
	if (cr == NULL)
		return lim - from >= HEADER_MAX ? -1 : 0;
	size_t at = (size_t)(cr - buf);
	if (at + 1 >= len)
		return 0;
	if (buf[at + 1] != '\n')
		return -1;
	if (!parse_int(buf + from + 1, at - from - 1, value))
		return -1;
	*next = at + 2;
	return 1;
}

static enum resp_status finish(struct resp_parser *p, char *buf, int *argc,
			       struct resp_arg **argv, size_t *used)
{
	for (uint32_t i = 0; i < p->argc; i++) {
		p->argv[i].ptr = buf + p->off[i];
		p->argv[i].len = p->lens[i];
	}
	*argc = (int)p->argc;
	*argv = p->argv;
	*used = p->pos;
	reset(p);
	return RESP_DONE;
}

static enum resp_status parse_inline(struct resp_parser *p, char *buf, size_t len,
				     int *argc, struct resp_arg **argv,
				     size_t *used, size_t *need)
{
	const char *nl = memchr(buf + p->pos, '\n', len - p->pos);
	if (nl == NULL) {
		/* Over the limit, unless the one extra byte is the CR of a
		 * CRLF still to come. */
		if (len > p->lim.max_inline + 1 ||
		    (len == p->lim.max_inline + 1 && buf[len - 1] != '\r'))
			return fail(p, "inline command longer than %zu bytes",
				    p->lim.max_inline);
		p->pos = len;	/* no newline up to here: do not scan it again */
		*need = len + 1;
		return RESP_AGAIN;
	}
	size_t linelen = (size_t)(nl - buf);
	size_t total = linelen + 1;
	if (linelen && buf[linelen - 1] == '\r')
		linelen--;
	if (linelen > p->lim.max_inline)
		return fail(p, "inline command longer than %zu bytes",
			    p->lim.max_inline);

	const char *why = NULL;
	int max = p->lim.max_args > (uint32_t)INT32_MAX ? INT32_MAX : (int)p->lim.max_args;
	int n = resp_split_inline(buf, linelen, NULL, max, &why);
	if (n < 0)
		return fail(p, "inline command: %s", why);
	grow(p, (uint32_t)n + 1);
	resp_split_inline(buf, linelen, p->argv, n, &why);
	for (int i = 0; i < n; i++) {
		p->off[i] = (size_t)(p->argv[i].ptr - buf);
		p->lens[i] = p->argv[i].len;
	}
	p->argc = (uint32_t)n;
	p->pos = total;
	return finish(p, buf, argc, argv, used);
}

enum resp_status resp_parse_request(struct resp_parser *p, char *buf, size_t len,
				    int *argc, struct resp_arg **argv,
				    size_t *used, size_t *need)
{
	char tmp[8];
	int64_t v;
	size_t next;

	if (p->pos == 0 && p->nargs < 0) {
		if (len == 0) {
			*need = 1;
			return RESP_AGAIN;
		}
		p->is_inline = buf[0] != '*';
	}
	if (p->is_inline)
		return parse_inline(p, buf, len, argc, argv, used, need);

	if (p->nargs < 0) {
		int r = header_line(buf, len, 0, &v, &next);
		if (r == 0) {
			*need = len + 1;
			return RESP_AGAIN;
		}
		if (r < 0)
			return fail(p, "invalid multibulk length");
		if (v > (int64_t)p->lim.max_args)
			return fail(p, "too many arguments: %lld (the limit is %u)",
				    (long long)v, p->lim.max_args);
		p->pos = next;
		if (v <= 0) {	/* "*0" and "*-1": an empty request */
			p->argc = 0;
			return finish(p, buf, argc, argv, used);
		}
		p->nargs = v;
		grow(p, v < ARGS_INITIAL ? (uint32_t)v : ARGS_INITIAL);
	}

	while (p->argc < (uint64_t)p->nargs) {
		if (p->bulklen < 0) {
			if (p->pos >= len) {
				*need = p->pos + 1;
				return RESP_AGAIN;
			}
			if (buf[p->pos] != '$')
				return fail(p, "expected '$' at argument %u, got %s",
					    p->argc + 1, show_byte(buf[p->pos], tmp));
			int r = header_line(buf, len, p->pos, &v, &next);
			if (r == 0) {
				*need = len + 1;
				return RESP_AGAIN;
			}
			if (r < 0 || v < 0)
				return fail(p, "invalid bulk length at argument %u",
					    p->argc + 1);
			if ((uint64_t)v > p->lim.max_bulk)
				return fail(p, "argument %u is %lld bytes; the limit is %zu",
					    p->argc + 1, (long long)v, p->lim.max_bulk);
			if (next + (size_t)v + 2 > p->lim.max_request)
				return fail(p, "request larger than %zu bytes",
					    p->lim.max_request);
			p->bulklen = v;
			p->pos = next;
		}
		size_t end = p->pos + (size_t)p->bulklen;
		if (len < end + 2) {
			*need = end + 2;
			return RESP_AGAIN;
		}
		if (buf[end] != '\r' || buf[end + 1] != '\n')
			return fail(p, "argument %u is not followed by CRLF", p->argc + 1);
		grow(p, p->argc + 1);
		p->off[p->argc] = p->pos;
		p->lens[p->argc] = (size_t)p->bulklen;
		buf[end] = '\0';
		p->argc++;
		p->pos = end + 2;
		p->bulklen = -1;
	}
	return finish(p, buf, argc, argv, used);
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* With argv == NULL this only counts and checks; nothing is written. */
int resp_split_inline(char *line, size_t len, struct resp_arg *argv, int max,
		      const char **err)
{
	size_t i = 0;
	int n = 0;

	for (;;) {
		while (i < len && is_blank(line[i]))
			i++;
		if (i >= len)
			break;
		if (n >= max) {
			*err = "too many arguments";
			return -1;
		}
		size_t start = i, w = i;
		char quote = 0;
		if (line[i] == '"' || line[i] == '\'') {
			quote = line[i++];
			start = w = i - 1;	/* the value overwrites the quote */
		}
		for (;;) {
			if (i >= len) {
				if (quote) {
					*err = "unbalanced quotes";
					return -1;
				}
				break;
			}
			char c = line[i];
			if (!quote && is_blank(c))
				break;
			if (quote && c == quote) {
				i++;
				if (i < len && !is_blank(line[i])) {
					*err = "closing quote must be followed by a blank";
					return -1;
				}
				break;
			}
			if (quote == '"' && c == '\\' && i + 1 < len) {
				char e = line[i + 1];
				int h1, h2;
				i += 2;
				switch (e) {
				case 'n': c = '\n'; break;
				case 'r': c = '\r'; break;
				case 't': c = '\t'; break;
				case 'b': c = '\b'; break;
				case 'a': c = '\a'; break;
				case 'x':
					if (i + 1 < len && (h1 = hexval(line[i])) >= 0 &&
					    (h2 = hexval(line[i + 1])) >= 0) {
						c = (char)(h1 * 16 + h2);
						i += 2;
					} else {
						c = 'x';
					}
					break;
				default: c = e; break;
				}
			} else if (quote == '\'' && c == '\\' && i + 1 < len &&
				   line[i + 1] == '\'') {
				c = '\'';
				i += 2;
			} else {
				i++;
			}
			if (argv)
				line[w] = c;
			w++;
		}
		/* line[i] is the blank after the argument (or the end): step
		 * over it before the terminator below may overwrite it. */
		if (i < len)
			i++;
		if (argv) {
			argv[n].ptr = line + start;
			argv[n].len = w - start;
			line[w] = '\0';
		}
		n++;
	}
	return n;
}
