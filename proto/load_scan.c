/*
 * load_scan.c — the incremental JSON scanner of EPCIS documents
 * (load_scan.h).
 *
 * DESIGN
 * Bytes are read into a buffer of SCAN_BUF bytes and consumed in place.
 * What a caller wants kept (the element being handed out, or the whole
 * top-level object while it may be a single event) is copied out as spans
 * of the buffer: from where keeping started to where it stops, or to the
 * buffer's end before each refill — never byte by byte.
 *
 * The path to the list is a small walk over object members: epcisBody at
 * the top, then eventList, or queryResults, resultsBody, eventList; other
 * members are skipped as values.  The objects the list sits in are
 * remembered (nopen), so that once the list ends their remaining members
 * are skipped too and the end of the document is checked.
 */
#include "load_scan.h"

#include <errno.h>
#include <sys/types.h>
#include <stdarg.h>
#include <stdint.h>
#include <string.h>

#include "xmem.h"

#define SCAN_BUF (1u << 16)
#define KEY_MAX 32		/* longer keys are none the walk looks for */

struct load_scan {
	FILE *fp;
	unsigned char *buf;
	size_t len, pos;
	unsigned long long base;	/* offset of buf[0] from the start */
	unsigned long long file_at;	/* the file's position at the start */
	unsigned long line;
	unsigned long long line_start;	/* offset of the current line */
	bool eof, ioerr, failed;

	/* keeping: bytes from buf[span] on go to keep, up to keep_max */
	struct buf *keep;
	struct buf *kept;	/* where the top-level object was kept */
	size_t span, keep_max;
	bool keep_cut;

	int nopen;		/* objects around the list, still open */
	bool top_array;		/* the list is the document */
	bool first;		/* no element handed out yet */
	bool done;		/* the list and the document are over */
	char stack[LOAD_SCAN_DEPTH];
	char why[LOAD_SCAN_ERR];
};

struct load_scan *load_scan_new(FILE *fp)
{
	struct load_scan *s = xcalloc(1, sizeof *s);
	s->fp = fp;
	s->buf = xmalloc(SCAN_BUF);
	s->line = 1;
	off_t at = ftello(fp);
	s->file_at = at > 0 ? (unsigned long long)at : 0;
	return s;
}

void load_scan_free(struct load_scan *s)
{
	if (s == NULL)
		return;
	free(s->buf);
	free(s);
}

unsigned long long load_scan_offset(const struct load_scan *s)
{
	return s->base + s->pos;
}

/* ------------------------------------------------------------- bytes */

static void keep_flush(struct load_scan *s, size_t upto)
{
	if (s->keep == NULL || upto <= s->span)
		return;
	size_t n = upto - s->span, room = s->keep_max - s->keep->len;
	if (n > room) {
		n = room;
		s->keep_cut = true;
	}
	buf_append(s->keep, (const char *)s->buf + s->span, n);
	s->span = upto;
}

static void keep_start(struct load_scan *s, struct buf *b, size_t max)
{
	s->keep = b;
	s->keep_max = max;
	s->keep_cut = false;
	s->span = s->pos;
}

static void keep_stop(struct load_scan *s)
{
	keep_flush(s, s->pos);
	s->keep = NULL;
}

/* More bytes into the buffer: 1, or 0 at the end (ioerr set on error). */
static int refill(struct load_scan *s)
{
	if (s->pos < s->len)
		return 1;
	keep_flush(s, s->len);
	if (s->eof)
		return 0;
	s->base += s->len;
	s->len = fread(s->buf, 1, SCAN_BUF, s->fp);
	s->pos = s->span = 0;
	if (s->len == 0) {
		s->eof = true;
		s->ioerr = ferror(s->fp) != 0;
		return 0;
	}
	return 1;
}

/* The next byte, not consumed; -1 at the end. */
static int peek(struct load_scan *s)
{
	return refill(s) ? s->buf[s->pos] : -1;
}

static void newline(struct load_scan *s)
{
	s->line++;
	s->line_start = s->base + s->pos + 1;
}

/* Consume the byte peek() returned. */
static void take(struct load_scan *s)
{
	if (s->buf[s->pos] == '\n')
		newline(s);
	s->pos++;
}

static void skip_ws(struct load_scan *s)
{
	for (int c; (c = peek(s)) == ' ' || c == '\t' || c == '\n' || c == '\r';)
		take(s);
}

static int fail(struct load_scan *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* An error at the next byte: "LINE:COL: invalid JSON (byte N): why". */
static int fail(struct load_scan *s, const char *fmt, ...)
{
	char what[120];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	/* as jansson counts: the bytes read, the offending one included */
	unsigned long long at = s->base + s->pos + (peek(s) >= 0);
	if (s->ioerr)
		snprintf(s->why, sizeof s->why, "read error: %s", strerror(errno ? errno : EIO));
	else
		snprintf(s->why, sizeof s->why, "%lu:%llu: invalid JSON (byte %llu): %s", s->line,
			 at - s->line_start, at, what);
	s->failed = true;
	return -1;
}

/* What the next byte is, for a message. */
static const char *next_text(struct load_scan *s, char out[16])
{
	int c = peek(s);
	if (c < 0)
		return "end of file";
	snprintf(out, 16, c > ' ' && c < 0x7f ? "'%c'" : "byte 0x%02x", c);
	return out;
}

static bool scalar_char(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '+' || c == '.';
}

/*
 * Consume one value, structurally: a string, a scalar (its characters), or
 * an object or array with everything in it, brackets matched.  0, or -1.
 */
static int skip_value(struct load_scan *s)
{
	char t[16];
	int depth = 0;
	bool in_str = false, esc = false;
	skip_ws(s);
	int c = peek(s);
	if (c < 0 || c == ',' || c == ':' || c == '}' || c == ']' ||
	    (c != '"' && c != '{' && c != '[' && !scalar_char(c)))
		return fail(s, "a value expected, not %s", next_text(s, t));
	if (scalar_char(c)) {
		while (scalar_char(peek(s)))
			s->pos++;
		return 0;
	}
	for (;;) {
		if (!refill(s))
			return fail(s, in_str ? "end of file in a string" :
				    "end of file in an object or array");
		unsigned char *b = s->buf;
		size_t i = s->pos, n = s->len;
		while (i < n) {
			unsigned char x = b[i++];
			if (x == '\n') {
				s->pos = i - 1;
				newline(s);
			}
			if (in_str) {
				if (esc) {
					esc = false;
				} else if (x == '\\') {
					esc = true;
				} else if (x == '"') {
					in_str = false;
					if (depth == 0)
						goto done;	/* a string value */
				}
				continue;
			}
			switch (x) {
			case '"':
				in_str = true;
				break;
			case '{':
			case '[':
				if (depth == LOAD_SCAN_DEPTH) {
					s->pos = i - 1;
					return fail(s, "nested deeper than %d", LOAD_SCAN_DEPTH);
				}
				s->stack[depth++] = (char)x;
				break;
			case '}':
			case ']':
				if (s->stack[--depth] != (x == '}' ? '{' : '[')) {
					s->pos = i - 1;
					return fail(s, "'%c' closes a '%c'", x, s->stack[depth]);
				}
				if (depth == 0)
					goto done;
				break;
			}
		}
		s->pos = i;
		continue;
done:
		s->pos = i;
		return 0;
	}
}

/* A member's name into key ("" when it has escapes or is longer than
 * KEY_MAX: no name the walk looks for), consumed with the colon after it.
 * Read byte by byte, not kept: the top-level object may be being kept. */
static int read_key(struct load_scan *s, char key[KEY_MAX + 1])
{
	char t[16];
	size_t n = 0;
	bool esc = false, plain = true;
	skip_ws(s);
	if (peek(s) != '"')
		return fail(s, "a member name expected, not %s", next_text(s, t));
	take(s);
	for (;;) {
		int c = peek(s);
		if (c < 0)
			return fail(s, "end of file in a string");
		take(s);
		if (esc) {
			esc = false;
		} else if (c == '\\') {
			esc = true;
			plain = false;
		} else if (c == '"') {
			break;
		} else if (n < KEY_MAX) {
			key[n++] = (char)c;
		} else {
			plain = false;
		}
	}
	key[plain ? n : 0] = '\0';
	skip_ws(s);
	if (peek(s) != ':')
		return fail(s, "':' expected, not %s", next_text(s, t));
	take(s);
	return 0;
}

/* After a member's value: ',' (1: another member follows), '}' (0: the
 * object is over), or -1. */
static int member_end(struct load_scan *s)
{
	char t[16];
	skip_ws(s);
	int c = peek(s);
	if (c == ',' || c == '}') {
		take(s);
		return c == ',';
	}
	return fail(s, "',' or '}' expected, not %s", next_text(s, t));
}

/* The rest of an object whose members are not wanted.  0, or -1. */
static int rest_of_object(struct load_scan *s)
{
	char key[KEY_MAX + 1];
	int more;
	while ((more = member_end(s)) == 1)
		if (read_key(s, key) != 0 || skip_value(s) != 0)
			return -1;
	return more;
}

/* Which member leads on from an object at `level` of the path to the list:
 * 2 the list itself, 1 an object on the way, 0 none. */
static int on_path(int level, const char *key)
{
	static const char *const path[][2] = {
		{ "epcisBody", NULL }, { "queryResults", "eventList" },
		{ "resultsBody", NULL }, { NULL, "eventList" },
	};
	if (level > 3)
		return 0;
	if (path[level][1] && strcmp(key, path[level][1]) == 0)
		return 2;
	return path[level][0] && strcmp(key, path[level][0]) == 0;
}

/*
 * The members of an object at `level` of the path (its '{' consumed):
 * 1 when the list is found (positioned after its '['), 0 when the object
 * is over without it, -1 on error.
 */
static int walk(struct load_scan *s, int level)
{
	char key[KEY_MAX + 1];
	skip_ws(s);
	if (peek(s) == '}') {
		take(s);
		return 0;
	}
	do {
		if (read_key(s, key) != 0)
			return -1;
		skip_ws(s);
		int way = on_path(level, key);
		if (way == 2) {
			if (peek(s) != '[') {
				snprintf(s->why, sizeof s->why, "eventList is not an array");
				s->failed = true;
				return -1;
			}
			take(s);
			s->nopen = level + 1;
			return 1;
		}
		if (way == 1 && peek(s) == '{') {
			if (level == 0 && s->keep) {	/* a document, not one event */
				keep_stop(s);
				s->keep_cut = false;
				buf_reset(s->kept);
			}
			take(s);
			int found = walk(s, level + 1);
			if (found != 0)
				return found;
		} else if (skip_value(s) != 0) {
			return -1;
		}
	} while (member_end(s) == 1);
	return s->failed ? -1 : 0;
}

/* Nothing but blanks left.  0, or -1. */
static int at_end(struct load_scan *s)
{
	char t[16];
	skip_ws(s);
	if (peek(s) >= 0)
		return fail(s, "end of file expected, not %s", next_text(s, t));
	return s->ioerr ? fail(s, "read error") : 0;
}

int load_scan_open(struct load_scan *s, size_t max, struct buf *one, bool *cut, char *why)
{
	char t[16];
	*cut = false;
	/* a UTF-8 byte order mark, as editors on Windows write */
	if (peek(s) == 0xef && s->len - s->pos >= 3 && memcmp(s->buf + s->pos, "\xef\xbb\xbf", 3) == 0)
		s->pos += 3, s->line_start = s->base + s->pos;
	skip_ws(s);
	int c = peek(s), rc;
	if (c == '[') {
		take(s);
		s->top_array = s->first = true;
		return LOAD_SCAN_LIST;
	}
	if (c != '{') {
		fail(s, "'[' or '{' expected, not %s", next_text(s, t));
		goto failed;
	}
	buf_reset(one);
	keep_start(s, one, max);
	s->kept = one;
	take(s);
	rc = walk(s, 0);
	if (s->keep)
		keep_stop(s);
	bool was_cut = s->keep_cut;
	if (rc < 0)
		goto failed;
	if (rc == 1) {
		s->first = true;
		return LOAD_SCAN_LIST;
	}
	if (at_end(s) != 0)
		goto failed;
	*cut = was_cut;
	s->done = true;
	return LOAD_SCAN_OBJECT;
failed:
	snprintf(why, LOAD_SCAN_ERR, "%s", s->why);
	return -1;
}

/* The list is over: the objects around it, then the end of the input. */
static int finish(struct load_scan *s)
{
	for (; s->nopen > 0; s->nopen--)
		if (rest_of_object(s) != 0)
			return -1;
	s->done = true;
	return at_end(s);
}

int load_scan_next(struct load_scan *s, size_t max, struct buf *out, struct load_scan_pos *at,
		   unsigned long long *size, char *why)
{
	char t[16];
	if (s->failed)
		goto failed;
	if (s->done)
		return 0;
	skip_ws(s);
	int c = peek(s);
	if (c == ']') {
		take(s);
		if (finish(s) != 0)
			goto failed;
		return 0;
	}
	if (!s->first) {
		if (c != ',') {
			fail(s, "',' or ']' expected, not %s", next_text(s, t));
			goto failed;
		}
		take(s);
		skip_ws(s);
	}
	s->first = false;
	at->byte = s->base + s->pos;
	at->line = s->line;
	at->col = (unsigned long)(at->byte - s->line_start + 1);
	buf_reset(out);
	keep_start(s, out, max);
	int rc = skip_value(s);
	keep_stop(s);
	if (rc != 0)
		goto failed;
	*size = s->base + s->pos - at->byte;
	return s->keep_cut ? 2 : 1;
failed:
	snprintf(why, LOAD_SCAN_ERR, "%s", s->why);
	return -1;
}

int load_scan_tell(const struct load_scan *s, struct load_scan_mark *m)
{
	*m = (struct load_scan_mark){ s->base + s->pos, s->line_start, s->file_at, s->line,
				      s->nopen, s->first, s->top_array, s->done };
	return s->failed ? -1 : 0;
}

int load_scan_seek(struct load_scan *s, const struct load_scan_mark *m)
{
	if (fseeko(s->fp, (off_t)(m->file_at + m->byte), SEEK_SET) != 0)
		return -1;
	clearerr(s->fp);
	s->base = m->byte;
	s->len = s->pos = s->span = 0;
	s->eof = s->ioerr = s->failed = false;
	s->line = m->line;
	s->line_start = m->line_start;
	s->nopen = m->nopen;
	s->first = m->first;
	s->top_array = m->top_array;
	s->done = m->done;
	return 0;
}
