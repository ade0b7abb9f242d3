/*
 * test_resp — the RESP codec (proto/resp_*.c).
 *
 * Three parts, as in resp.h:
 *   requests  the incremental request parser: a table of requests, each
 *             parsed whole, split at every byte, fed byte by byte, moved
 *             between calls and pipelined; limits and malformed input;
 *   encoder   every reply type in RESP2 and RESP3, as exact bytes;
 *   values    the client-side reply parser: a table of replies (each proper
 *             prefix must be incomplete), malformed replies, nesting and
 *             length limits, and encoder → parser round trips.
 *
 * Every buffer handed to a parser is allocated at its exact size, so the
 * sanitizer build catches a read past `len`.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "resp.h"
#include "xmem.h"

/* A string literal as "pointer, length" (the literal may hold NUL bytes). */
#define LIT(s) (s), (sizeof(s) - 1)

#define expect(cond, ...) do { if (!(cond)) fail_msg(__VA_ARGS__); } while (0)

static char *copy_of(const char *p, size_t n)
{
	char *b = xmalloc(n ? n : 1);
	if (n)
		memcpy(b, p, n);
	return b;
}

/* Printable rendering of bytes for failure messages and value dumps. */
static void put_escaped(struct buf *b, const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];
		if (c == '\\')
			buf_puts(b, "\\\\");
		else if (c >= 0x20 && c < 0x7f)
			buf_putc(b, (char)c);
		else
			buf_printf(b, "\\x%02x", c);
	}
}

static const char *escaped(const char *p, size_t n, struct buf *b)
{
	buf_reset(b);
	put_escaped(b, p, n);
	return b->len ? b->data : "";
}

/* ================================================================ requests */

struct arg_want {
	const char *p;
	size_t n;
};
#define ARG(s) { (s), sizeof(s) - 1 }

struct req_case {
	const char *name;
	const char *in;
	size_t len;
	int argc;
	struct arg_want argv[20];
};

static const struct req_case req_cases[] = {
	{ "multibulk PING", LIT("*1\r\n$4\r\nPING\r\n"), 1, { ARG("PING") } },
	{ "multibulk SET", LIT("*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n"), 3,
	  { ARG("SET"), ARG("key"), ARG("value") } },
	{ "empty bulk arguments", LIT("*2\r\n$0\r\n\r\n$0\r\n\r\n"), 2, { ARG(""), ARG("") } },
	{ "binary-safe bulk: NUL and CRLF inside",
	  LIT("*3\r\n$3\r\nSET\r\n$3\r\na\0b\r\n$4\r\n\r\n\r\n\r\n"), 3,
	  { ARG("SET"), ARG("a\0b"), ARG("\r\n\r\n") } },
	{ "bulk that looks like framing", LIT("*2\r\n$4\r\n*1\r\n\r\n$4\r\n$0\r\n\r\n"), 2,
	  { ARG("*1\r\n"), ARG("$0\r\n") } },
	{ "*0 is an empty request", LIT("*0\r\n"), 0, { { NULL, 0 } } },
	{ "*-1 is an empty request", LIT("*-1\r\n"), 0, { { NULL, 0 } } },
	{ "more arguments than the first allocation",
	  LIT("*20\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n"
	      "$1\r\nf\r\n$1\r\ng\r\n$1\r\nh\r\n$1\r\ni\r\n$1\r\nj\r\n"
	      "$1\r\nk\r\n$1\r\nl\r\n$1\r\nm\r\n$1\r\nn\r\n$1\r\no\r\n"
	      "$1\r\np\r\n$1\r\nq\r\n$1\r\nr\r\n$1\r\ns\r\n$2\r\ntt\r\n"), 20,
	  { ARG("a"), ARG("b"), ARG("c"), ARG("d"), ARG("e"), ARG("f"), ARG("g"),
	    ARG("h"), ARG("i"), ARG("j"), ARG("k"), ARG("l"), ARG("m"), ARG("n"),
	    ARG("o"), ARG("p"), ARG("q"), ARG("r"), ARG("s"), ARG("tt") } },
	{ "inline PING CRLF", LIT("PING\r\n"), 1, { ARG("PING") } },
	{ "inline PING LF", LIT("PING\n"), 1, { ARG("PING") } },
	{ "inline blanks around and between", LIT("  SET\tkey   value \t\r\n"), 3,
	  { ARG("SET"), ARG("key"), ARG("value") } },
	{ "inline blank line CRLF", LIT("\r\n"), 0, { { NULL, 0 } } },
	{ "inline blank line LF", LIT("\n"), 0, { { NULL, 0 } } },
	{ "inline line of blanks", LIT(" \t \r\n"), 0, { { NULL, 0 } } },
	{ "inline double and single quotes", LIT("SET \"a b\" 'c d'\r\n"), 3,
	  { ARG("SET"), ARG("a b"), ARG("c d") } },
	{ "inline double-quote escapes",
	  LIT("SET \"a b\\t\\n\\x41\\\"\\\\\" 'it\\'s' \"\"\r\n"), 4,
	  { ARG("SET"), ARG("a b\t\nA\"\\"), ARG("it's"), ARG("") } },
	{ "inline rare escapes and bad \\x",
	  LIT("\"\\r\\b\\a\\q\\x4g\\x4\"\r\n"), 1, { ARG("\r\b\aqx4gx4") } },
	{ "inline \\x00 makes a NUL", LIT("ECHO \"a\\x00b\"\n"), 2, { ARG("ECHO"), ARG("a\0b") } },
	{ "inline single quotes keep backslashes", LIT("ECHO 'a\\nb' ''\r\n"), 3,
	  { ARG("ECHO"), ARG("a\\nb"), ARG("") } },
	{ "inline quote inside a word is literal", LIT("ECHO a\"b c'd\r\n"), 3,
	  { ARG("ECHO"), ARG("a\"b"), ARG("c'd") } },
	{ "inline lone CR inside the line", LIT("a\rb\r\n"), 1, { ARG("a\rb") } },
	{ "inline that starts like a bulk header", LIT("$4 *1\r\n"), 2, { ARG("$4"), ARG("*1") } },
};

#define NREQ (sizeof req_cases / sizeof req_cases[0])

/* Check a parsed request against the table; `base` and `used` bound where
 * the arguments may point. */
static void check_request(const struct req_case *c, const char *base, size_t used,
			  int argc, const struct resp_arg *argv)
{
	struct buf e1 = BUF_INIT, e2 = BUF_INIT;
	expect(argc == c->argc, "%s: argc %d, want %d", c->name, argc, c->argc);
	for (int i = 0; i < argc; i++) {
		const struct resp_arg *a = &argv[i];
		expect(a->ptr >= base && a->ptr + a->len < base + used,
		       "%s: argument %d points outside the request", c->name, i);
		expect(a->len == c->argv[i].n && memcmp(a->ptr, c->argv[i].p, a->len) == 0,
		       "%s: argument %d is \"%s\", want \"%s\"", c->name, i,
		       escaped(a->ptr, a->len, &e1), escaped(c->argv[i].p, c->argv[i].n, &e2));
		expect(a->ptr[a->len] == '\0', "%s: argument %d is not NUL-terminated",
		       c->name, i);
	}
	buf_free(&e1);
	buf_free(&e2);
}

static void test_request_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < NREQ; i++) {
		const struct req_case *c = &req_cases[i];
		char *buf = copy_of(c->in, c->len);
		struct resp_parser p;
		resp_parser_init(&p, NULL);
		int argc = -1;
		struct resp_arg *argv = NULL;
		size_t used = 0, need = 0;
		enum resp_status st = resp_parse_request(&p, buf, c->len, &argc, &argv,
							 &used, &need);
		expect(st == RESP_DONE, "%s: status %d (%s)", c->name, st, p.err);
		expect(used == c->len, "%s: used %zu of %zu", c->name, used, c->len);
		check_request(c, buf, used, argc, argv);
		resp_parser_free(&p);
		free(buf);
	}
}

/* Feed the first k bytes (RESP_AGAIN), then the same buffer grown to the
 * whole request (RESP_DONE), for every k. */
static void test_request_split_every_byte(void **state)
{
	(void)state;
	for (size_t i = 0; i < NREQ; i++) {
		const struct req_case *c = &req_cases[i];
		for (size_t k = 0; k < c->len; k++) {
			char *buf = copy_of(c->in, c->len);
			struct resp_parser p;
			resp_parser_init(&p, NULL);
			int argc = -1;
			struct resp_arg *argv = NULL;
			size_t used = 0, need = 0;
			enum resp_status st = resp_parse_request(&p, buf, k, &argc, &argv,
								 &used, &need);
			expect(st == RESP_AGAIN, "%s: %zu of %zu bytes: status %d (%s)",
			       c->name, k, c->len, st, p.err);
			expect(need > k && need <= c->len,
			       "%s: %zu of %zu bytes: need %zu", c->name, k, c->len, need);
			st = resp_parse_request(&p, buf, c->len, &argc, &argv, &used, &need);
			expect(st == RESP_DONE, "%s: split at %zu: status %d (%s)",
			       c->name, k, st, p.err);
			expect(used == c->len, "%s: split at %zu: used %zu", c->name, k, used);
			check_request(c, buf, used, argc, argv);
			resp_parser_free(&p);
			free(buf);
		}
	}
}

/* Offsets, not pointers: the first k bytes live in a buffer of exactly k
 * bytes, which the caller then moves into a bigger one. */
static void test_request_split_and_moved(void **state)
{
	(void)state;
	for (size_t i = 0; i < NREQ; i++) {
		const struct req_case *c = &req_cases[i];
		for (size_t k = 1; k < c->len; k++) {
			char *first = copy_of(c->in, k);
			struct resp_parser p;
			resp_parser_init(&p, NULL);
			int argc = -1;
			struct resp_arg *argv = NULL;
			size_t used = 0, need = 0;
			enum resp_status st = resp_parse_request(&p, first, k, &argc, &argv,
								 &used, &need);
			expect(st == RESP_AGAIN, "%s: %zu bytes: status %d", c->name, k, st);
			char *buf = xmalloc(c->len);
			memcpy(buf, first, k);	/* with whatever the parser wrote */
			memcpy(buf + k, c->in + k, c->len - k);
			memset(first, 0xAA, k);
			free(first);
			st = resp_parse_request(&p, buf, c->len, &argc, &argv, &used, &need);
			expect(st == RESP_DONE, "%s: moved at %zu: status %d (%s)",
			       c->name, k, st, p.err);
			expect(used == c->len, "%s: moved at %zu: used %zu", c->name, k, used);
			check_request(c, buf, used, argc, argv);
			resp_parser_free(&p);
			free(buf);
		}
	}
}

/* One more byte per call: every call but the last says RESP_AGAIN. */
static void test_request_byte_by_byte(void **state)
{
	(void)state;
	for (size_t i = 0; i < NREQ; i++) {
		const struct req_case *c = &req_cases[i];
		char *buf = copy_of(c->in, c->len);
		struct resp_parser p;
		resp_parser_init(&p, NULL);
		int argc = -1;
		struct resp_arg *argv = NULL;
		size_t used = 0, need = 0;
		enum resp_status st = RESP_AGAIN;
		for (size_t k = 0; k <= c->len; k++) {
			st = resp_parse_request(&p, buf, k, &argc, &argv, &used, &need);
			if (k < c->len)
				expect(st == RESP_AGAIN && need > k,
				       "%s: byte %zu: status %d need %zu (%s)", c->name, k,
				       st, need, p.err);
		}
		expect(st == RESP_DONE, "%s: status %d (%s)", c->name, st, p.err);
		expect(used == c->len, "%s: used %zu", c->name, used);
		check_request(c, buf, used, argc, argv);
		resp_parser_free(&p);
		free(buf);
	}
}

/* Every request of the table back to back in one buffer, twice, then the
 * first half of one more. */
static void test_request_pipeline(void **state)
{
	(void)state;
	struct buf all = BUF_INIT;
	for (int round = 0; round < 2; round++)
		for (size_t i = 0; i < NREQ; i++)
			buf_append(&all, req_cases[i].in, req_cases[i].len);
	size_t half = req_cases[1].len / 2;
	buf_append(&all, req_cases[1].in, half);
	char *buf = copy_of(all.data, all.len);

	struct resp_parser p;
	resp_parser_init(&p, NULL);
	size_t off = 0;
	for (int round = 0; round < 2; round++) {
		for (size_t i = 0; i < NREQ; i++) {
			const struct req_case *c = &req_cases[i];
			int argc = -1;
			struct resp_arg *argv = NULL;
			size_t used = 0, need = 0;
			enum resp_status st = resp_parse_request(&p, buf + off, all.len - off,
								 &argc, &argv, &used, &need);
			expect(st == RESP_DONE, "pipeline %s: status %d (%s)", c->name, st, p.err);
			expect(used == c->len, "pipeline %s: used %zu, want %zu", c->name,
			       used, c->len);
			check_request(c, buf + off, used, argc, argv);
			off += used;
		}
	}
	int argc;
	struct resp_arg *argv;
	size_t used, need = 0;
	enum resp_status st = resp_parse_request(&p, buf + off, all.len - off, &argc,
						 &argv, &used, &need);
	assert_int_equal(st, RESP_AGAIN);
	assert_int_equal(off + half, all.len);
	assert_true(need > half && need <= req_cases[1].len);
	resp_parser_free(&p);
	free(buf);
	buf_free(&all);
}

/* A thousand generated requests (resp_command, binary arguments, some
 * inline) in one buffer, parsed the way a connection does: consume what
 * was used, keep the rest. */
static void test_request_pipeline_generated(void **state)
{
	(void)state;
	enum { N = 1000 };
	struct buf all = BUF_INIT;
	char args[4][64];
	size_t lens[4];
	const char *ptrs[4];
	for (int r = 0; r < N; r++) {
		if (r % 7 == 3) {
			buf_printf(&all, "INLINE %d \"q %d\"\r\n", r, r);
			continue;
		}
		int argc = 1 + r % 4;
		for (int a = 0; a < argc; a++) {
			lens[a] = (size_t)((r * 31 + a * 7) % 60);
			for (size_t j = 0; j < lens[a]; j++)
				args[a][j] = (char)((r + a + (int)j) & 0xff);
			ptrs[a] = args[a];
		}
		resp_command(&all, argc, ptrs, lens);
	}
	struct buf in = BUF_INIT;
	buf_append(&in, all.data, all.len);

	struct resp_parser p;
	resp_parser_init(&p, NULL);
	for (int r = 0; r < N; r++) {
		int argc = -1;
		struct resp_arg *argv = NULL;
		size_t used = 0, need = 0;
		enum resp_status st = resp_parse_request(&p, in.data, in.len, &argc, &argv,
							 &used, &need);
		expect(st == RESP_DONE, "request %d: status %d (%s)", r, st, p.err);
		if (r % 7 == 3) {
			char want[32];
			snprintf(want, sizeof want, "q %d", r);
			assert_int_equal(argc, 3);
			assert_string_equal(argv[0].ptr, "INLINE");
			assert_string_equal(argv[2].ptr, want);
		} else {
			assert_int_equal(argc, 1 + r % 4);
			for (int a = 0; a < argc; a++) {
				size_t n = (size_t)((r * 31 + a * 7) % 60);
				assert_int_equal(argv[a].len, n);
				for (size_t j = 0; j < n; j++)
					expect((unsigned char)argv[a].ptr[j] ==
					       (unsigned char)((r + a + (int)j) & 0xff),
					       "request %d argument %d byte %zu", r, a, j);
			}
		}
		buf_consume(&in, used);
	}
	assert_int_equal(in.len, 0);
	resp_parser_free(&p);
	buf_free(&in);
	buf_free(&all);
}

/* The need hint is exactly the size at which the parser can move on. */
static const struct {
	const char *in;
	size_t len;
	size_t need;
} need_cases[] = {
	{ LIT(""), 1 },
	{ LIT("*"), 2 },
	{ LIT("*2"), 3 },
	{ LIT("*2\r"), 4 },
	{ LIT("*2\r\n"), 5 },
	{ LIT("*2\r\n$5\r\n"), 15 },
	{ LIT("*2\r\n$5\r\nhel"), 15 },
	{ LIT("*2\r\n$5\r\nhello\r"), 15 },
	{ LIT("*2\r\n$5\r\nhello\r\n"), 16 },
	{ LIT("*2\r\n$5\r\nhello\r\n$1000\r\n"), 22 + 1000 + 2 },
	{ LIT("PING"), 5 },
	{ LIT("PING\r"), 6 },
};

static void test_request_need_hint(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof need_cases / sizeof need_cases[0]; i++) {
		struct buf e = BUF_INIT;
		char *buf = copy_of(need_cases[i].in, need_cases[i].len);
		struct resp_parser p;
		resp_parser_init(&p, NULL);
		int argc;
		struct resp_arg *argv;
		size_t used, need = 0;
		enum resp_status st = resp_parse_request(&p, buf, need_cases[i].len, &argc,
							 &argv, &used, &need);
		expect(st == RESP_AGAIN && need == need_cases[i].need,
		       "\"%s\": status %d need %zu, want RESP_AGAIN need %zu",
		       escaped(need_cases[i].in, need_cases[i].len, &e), st, need,
		       need_cases[i].need);
		resp_parser_free(&p);
		free(buf);
		buf_free(&e);
	}
}

/* A reader that waits for `need` bytes before calling again gets a 1 MiB
 * argument in a handful of calls, and every byte of it intact. */
static void test_request_need_driven_big_bulk(void **state)
{
	(void)state;
	const size_t n = (size_t)1 << 20;
	struct buf req = BUF_INIT;
	buf_printf(&req, "*2\r\n$6\r\nUPLOAD\r\n$%zu\r\n", n);
	for (size_t i = 0; i < n; i++)
		buf_putc(&req, (char)(i * 7 + (i >> 8)));
	buf_append(&req, "\r\n", 2);
	char *buf = copy_of(req.data, req.len);

	struct resp_parser p;
	resp_parser_init(&p, NULL);
	int argc = -1, calls = 0;
	struct resp_arg *argv = NULL;
	size_t used = 0, need = 0, have = 0;
	enum resp_status st;
	while ((st = resp_parse_request(&p, buf, have, &argc, &argv, &used, &need)) ==
	       RESP_AGAIN) {
		assert_true(need > have);
		assert_true(need <= req.len);
		have = need;
		calls++;
		assert_true(calls < 64);
	}
	assert_int_equal(st, RESP_DONE);
	assert_int_equal(used, req.len);
	assert_int_equal(argc, 2);
	assert_string_equal(argv[0].ptr, "UPLOAD");
	assert_int_equal(argv[1].len, n);
	for (size_t i = 0; i < n; i++)
		if (argv[1].ptr[i] != (char)(i * 7 + (i >> 8)))
			fail_msg("byte %zu of the argument differs", i);
	resp_parser_free(&p);
	free(buf);
	buf_free(&req);
}

/* ---- limits and malformed requests */

struct bad_case {
	const char *name;
	struct resp_limits lim;		/* all zero: the defaults */
	const char *in;
	size_t len;
	enum resp_status want;
	const char *err;		/* substring of p.err, for RESP_ERROR */
};

#define LIMITS(a, b, r, i) { (a), (b), (r), (i) }
#define DEFAULTS LIMITS(0, 0, 0, 0)

static const struct bad_case limit_cases[] = {
	{ "max_args: header over the limit", LIMITS(3, 1024, 4096, 1024),
	  LIT("*4\r\n"), RESP_ERROR, "too many arguments: 4 (the limit is 3)" },
	{ "max_args: at the limit", LIMITS(3, 1024, 4096, 1024),
	  LIT("*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n"), RESP_DONE, NULL },
	{ "max_args: default limit", DEFAULTS, LIT("*1048577\r\n"), RESP_ERROR,
	  "the limit is 1048576" },
	{ "max_args: inline over the limit", LIMITS(3, 1024, 4096, 1024),
	  LIT("a b c d\r\n"), RESP_ERROR, "too many arguments" },
	{ "max_args: inline at the limit", LIMITS(3, 1024, 4096, 1024),
	  LIT("a b c\r\n"), RESP_DONE, NULL },
	{ "max_bulk: default, refused from the header alone", DEFAULTS,
	  LIT("*2\r\n$99999999999\r\n"), RESP_ERROR,
	  "argument 1 is 99999999999 bytes; the limit is 67108864" },
	{ "max_bulk: one over", LIMITS(8, 10, 4096, 1024),
	  LIT("*2\r\n$1\r\nx\r\n$11\r\n"), RESP_ERROR,
	  "argument 2 is 11 bytes; the limit is 10" },
	{ "max_bulk: at the limit", LIMITS(8, 10, 4096, 1024),
	  LIT("*1\r\n$10\r\n0123456789\r\n"), RESP_DONE, NULL },
	{ "max_request: refused from the header alone", LIMITS(8, 1024, 64, 1024),
	  LIT("*1\r\n$54\r\n"), RESP_ERROR, "request larger than 64 bytes" },
	{ "max_request: counts every argument", LIMITS(8, 1024, 64, 1024),
	  LIT("*3\r\n$20\r\naaaaaaaaaaaaaaaaaaaa\r\n$20\r\nbbbbbbbbbbbbbbbbbbbb\r\n$20\r\n"),
	  RESP_ERROR, "request larger than 64 bytes" },
	{ "max_request: exactly at the limit", LIMITS(8, 1024, 64, 1024),
	  LIT("*1\r\n$53\r\n01234567890123456789012345678901234567890123456789012\r\n"),
	  RESP_DONE, NULL },
	{ "max_inline: no newline yet, over the limit", LIMITS(8, 1024, 4096, 16),
	  LIT("0123456789abcdefX"), RESP_ERROR, "inline command longer than 16 bytes" },
	{ "max_inline: no newline yet, at the limit", LIMITS(8, 1024, 4096, 16),
	  LIT("0123456789abcdef"), RESP_AGAIN, NULL },
	{ "max_inline: whole line over the limit", LIMITS(8, 1024, 4096, 16),
	  LIT("0123456789 abcdefgh\r\n"), RESP_ERROR, "inline command longer than 16 bytes" },
	{ "max_inline: line at the limit", LIMITS(8, 1024, 4096, 16),
	  LIT("0123456789 abcde\n"), RESP_DONE, NULL },
};

static const struct bad_case malformed_cases[] = {
	{ "count not a number", DEFAULTS, LIT("*abc\r\n"), RESP_ERROR, "invalid multibulk length" },
	{ "count missing", DEFAULTS, LIT("*\r\n"), RESP_ERROR, "invalid multibulk length" },
	{ "count with a plus sign", DEFAULTS, LIT("*+1\r\n"), RESP_ERROR, "invalid multibulk length" },
	{ "count with junk after", DEFAULTS, LIT("*1x\r\n"), RESP_ERROR, "invalid multibulk length" },
	{ "count: CR without LF", DEFAULTS, LIT("*1\rX"), RESP_ERROR, "invalid multibulk length" },
	{ "count: LF without CR", DEFAULTS, LIT("*1\n$1\r\n"), RESP_ERROR, "invalid multibulk length" },
	{ "count overflows", DEFAULTS, LIT("*99999999999999999999\r\n"), RESP_ERROR,
	  "invalid multibulk length" },
	{ "header line never ends", DEFAULTS,
	  LIT("*0000000000000000000000000000000000000001"), RESP_ERROR,
	  "invalid multibulk length" },
	{ "'+' where '$' is expected", DEFAULTS, LIT("*1\r\n+PING\r\n"), RESP_ERROR,
	  "expected '$' at argument 1, got '+'" },
	{ "':' for the second argument", DEFAULTS, LIT("*2\r\n$1\r\na\r\n:1\r\n"), RESP_ERROR,
	  "expected '$' at argument 2, got ':'" },
	{ "NUL where '$' is expected", DEFAULTS, LIT("*1\r\n\0"), RESP_ERROR,
	  "expected '$' at argument 1, got 0x00" },
	{ "blank line where '$' is expected", DEFAULTS, LIT("*1\r\n\r\n"), RESP_ERROR,
	  "got 0x0d" },
	{ "bulk length -1", DEFAULTS, LIT("*1\r\n$-1\r\n"), RESP_ERROR,
	  "invalid bulk length at argument 1" },
	{ "negative bulk length", DEFAULTS, LIT("*1\r\n$-5\r\nabc\r\n"), RESP_ERROR,
	  "invalid bulk length at argument 1" },
	{ "bulk length not a number", DEFAULTS, LIT("*1\r\n$x\r\n"), RESP_ERROR,
	  "invalid bulk length at argument 1" },
	{ "bulk length empty", DEFAULTS, LIT("*1\r\n$\r\n"), RESP_ERROR,
	  "invalid bulk length at argument 1" },
	{ "bulk length with a blank", DEFAULTS, LIT("*1\r\n$ 4\r\n"), RESP_ERROR,
	  "invalid bulk length at argument 1" },
	{ "bulk header: CR without LF", DEFAULTS, LIT("*1\r\n$4\rXPING\r\n"), RESP_ERROR,
	  "invalid bulk length at argument 1" },
	{ "bulk length overflows", DEFAULTS, LIT("*1\r\n$99999999999999999999\r\n"),
	  RESP_ERROR, "invalid bulk length at argument 1" },
	{ "bulk data longer than declared", DEFAULTS, LIT("*1\r\n$3\r\nPING\r\n"), RESP_ERROR,
	  "argument 1 is not followed by CRLF" },
	{ "bulk data not followed by CRLF", DEFAULTS, LIT("*1\r\n$4\r\nPINGxx"), RESP_ERROR,
	  "argument 1 is not followed by CRLF" },
	{ "bulk data followed by LF CR", DEFAULTS, LIT("*2\r\n$1\r\na\r\n$4\r\nPING\n\r"),
	  RESP_ERROR, "argument 2 is not followed by CRLF" },
	{ "inline: unbalanced double quote", DEFAULTS, LIT("SET \"abc\r\n"), RESP_ERROR,
	  "inline command: unbalanced quotes" },
	{ "inline: unbalanced single quote", DEFAULTS, LIT("SET 'abc\r\n"), RESP_ERROR,
	  "inline command: unbalanced quotes" },
	{ "inline: escaped closing quote", DEFAULTS, LIT("SET \"abc\\\"\r\n"), RESP_ERROR,
	  "unbalanced quotes" },
	{ "inline: text right after a closing quote", DEFAULTS, LIT("SET \"a\"b\r\n"),
	  RESP_ERROR, "inline command: closing quote must be followed by a blank" },
};

static void init_parser(struct resp_parser *p, const struct resp_limits *lim)
{
	resp_parser_init(p, lim->max_args ? lim : NULL);
}

static void run_bad_case(const struct bad_case *c)
{
	char *buf = copy_of(c->in, c->len);
	struct resp_parser p;
	init_parser(&p, &c->lim);
	int argc;
	struct resp_arg *argv;
	size_t used, need;
	enum resp_status st = resp_parse_request(&p, buf, c->len, &argc, &argv, &used, &need);
	expect(st == c->want, "%s: status %d, want %d (%s)", c->name, st, c->want, p.err);
	if (c->want == RESP_ERROR)
		expect(strstr(p.err, c->err) != NULL, "%s: error \"%s\", want \"%s\"",
		       c->name, p.err, c->err);
	if (c->want == RESP_DONE)
		assert_int_equal(used, c->len);
	resp_parser_free(&p);
	free(buf);
}

static void test_request_limits(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof limit_cases / sizeof limit_cases[0]; i++)
		run_bad_case(&limit_cases[i]);
}

static void test_request_malformed(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof malformed_cases / sizeof malformed_cases[0]; i++)
		run_bad_case(&malformed_cases[i]);
}

/* Split anywhere, a malformed request still fails, never succeeds, and
 * with the same message. */
static void test_request_malformed_split(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof malformed_cases / sizeof malformed_cases[0]; i++) {
		const struct bad_case *c = &malformed_cases[i];
		char whole_err[sizeof ((struct resp_parser *)0)->err];
		{
			char *buf = copy_of(c->in, c->len);
			struct resp_parser p;
			init_parser(&p, &c->lim);
			int argc;
			struct resp_arg *argv;
			size_t used, need;
			assert_int_equal(resp_parse_request(&p, buf, c->len, &argc, &argv,
							    &used, &need), RESP_ERROR);
			memcpy(whole_err, p.err, sizeof whole_err);
			resp_parser_free(&p);
			free(buf);
		}
		for (size_t k = 0; k < c->len; k++) {
			char *buf = copy_of(c->in, c->len);
			struct resp_parser p;
			init_parser(&p, &c->lim);
			int argc;
			struct resp_arg *argv;
			size_t used, need;
			enum resp_status st = resp_parse_request(&p, buf, k, &argc, &argv,
								 &used, &need);
			expect(st != RESP_DONE, "%s: %zu bytes parsed as a request", c->name, k);
			if (st == RESP_AGAIN)
				st = resp_parse_request(&p, buf, c->len, &argc, &argv, &used, &need);
			expect(st == RESP_ERROR, "%s: split at %zu: status %d", c->name, k, st);
			expect(strcmp(p.err, whole_err) == 0,
			       "%s: split at %zu: error \"%s\", whole: \"%s\"", c->name, k,
			       p.err, whole_err);
			resp_parser_free(&p);
			free(buf);
		}
	}
}

/* max_request exactly: a request of max_request bytes passes, one more
 * byte of argument does not. */
static void test_request_max_request_boundary(void **state)
{
	(void)state;
	const struct resp_limits lim = { 16, 4096, 200, 1024 };
	for (size_t extra = 0; extra <= 1; extra++) {
		/* "*2\r\n$3\r\nSET\r\n$NNN\r\n" + data + "\r\n" */
		size_t data = 200 - (4 + 9 + 6 + 2) + extra;
		struct buf req = BUF_INIT;
		buf_printf(&req, "*2\r\n$3\r\nSET\r\n$%zu\r\n", data);
		for (size_t i = 0; i < data; i++)
			buf_putc(&req, 'v');
		buf_append(&req, "\r\n", 2);
		assert_int_equal(req.len, 200 + extra);
		char *buf = copy_of(req.data, req.len);
		struct resp_parser p;
		resp_parser_init(&p, &lim);
		int argc;
		struct resp_arg *argv;
		size_t used, need;
		enum resp_status st = resp_parse_request(&p, buf, req.len, &argc, &argv,
							 &used, &need);
		if (extra == 0) {
			assert_int_equal(st, RESP_DONE);
			assert_int_equal(used, 200);
		} else {
			assert_int_equal(st, RESP_ERROR);
			assert_non_null(strstr(p.err, "200"));
		}
		resp_parser_free(&p);
		free(buf);
		buf_free(&req);
	}
}

/* The parser is reusable after an error (a new connection's state). */
static void test_request_reuse_after_error(void **state)
{
	(void)state;
	struct resp_parser p;
	resp_parser_init(&p, NULL);
	int argc;
	struct resp_arg *argv;
	size_t used, need;
	char bad[] = "*1\r\n$4\r\nPINGxx";
	assert_int_equal(resp_parse_request(&p, bad, sizeof bad - 1, &argc, &argv, &used,
					    &need), RESP_ERROR);
	char good[] = "*1\r\n$4\r\nPING\r\n";
	assert_int_equal(resp_parse_request(&p, good, sizeof good - 1, &argc, &argv, &used,
					    &need), RESP_DONE);
	assert_int_equal(argc, 1);
	assert_string_equal(argv[0].ptr, "PING");
	resp_parser_free(&p);
}

static void test_split_inline_direct(void **state)
{
	(void)state;
	struct resp_arg argv[4];
	const char *err = NULL;

	/* Counting only (argv NULL) leaves the line alone. */
	char line[] = "SET \"a\\x41\" 'b c'";
	char pristine[sizeof line];
	memcpy(pristine, line, sizeof line);
	assert_int_equal(resp_split_inline(line, sizeof line - 1, NULL, 4, &err), 3);
	assert_memory_equal(line, pristine, sizeof line);
	assert_int_equal(resp_split_inline(line, sizeof line - 1, argv, 4, &err), 3);
	assert_string_equal(argv[0].ptr, "SET");
	assert_string_equal(argv[1].ptr, "aA");
	assert_int_equal(argv[1].len, 2);
	assert_string_equal(argv[2].ptr, "b c");

	char many[] = "a b c";
	err = NULL;
	assert_int_equal(resp_split_inline(many, sizeof many - 1, argv, 2, &err), -1);
	assert_non_null(err);
	assert_string_equal(err, "too many arguments");

	char empty[] = "   ";
	assert_int_equal(resp_split_inline(empty, sizeof empty - 1, argv, 4, &err), 0);
}

/* ================================================================= encoder */

typedef void (*enc_fn)(struct resp_out *o);

struct enc_case {
	const char *name;
	enc_fn enc;
	const char *r2;
	size_t r2len;
	const char *r3;
	size_t r3len;
	const char *dump2;	/* resp_parse_value of the RESP2 bytes, dumped */
	const char *dump3;
};

static void e_simple(struct resp_out *o) { resp_simple(o, "OK"); }
static void e_error(struct resp_out *o) { resp_error(o, "ERR", "unknown command '%s'", "FOO"); }
static void e_error_crlf(struct resp_out *o)
{
	resp_error(o, "WRONGTYPE", "line one\r\nline two\n%s\r", "end");
}
static void e_int0(struct resp_out *o) { resp_int(o, 0); }
static void e_int_neg(struct resp_out *o) { resp_int(o, -42); }
static void e_int_max(struct resp_out *o) { resp_int(o, INT64_MAX); }
static void e_int_min(struct resp_out *o) { resp_int(o, INT64_MIN); }
static void e_bulk(struct resp_out *o) { resp_bulk(o, "hello", 5); }
static void e_bulk_empty(struct resp_out *o) { resp_bulk(o, "", 0); }
static void e_bulk_binary(struct resp_out *o) { resp_bulk(o, "a\0\r\nb", 5); }
static void e_cstr(struct resp_out *o) { resp_cstr(o, "h\xc3\xa9llo"); }
static void e_null(struct resp_out *o) { resp_null(o); }
static void e_array(struct resp_out *o)
{
	resp_array(o, 3);
	resp_int(o, 1);
	resp_cstr(o, "two");
	resp_null(o);
}
static void e_array_empty(struct resp_out *o) { resp_array(o, 0); }
static void e_map(struct resp_out *o)
{
	resp_map(o, 2);
	resp_cstr(o, "a");
	resp_int(o, 1);
	resp_cstr(o, "b");
	resp_bool(o, true);
}
static void e_map_empty(struct resp_out *o) { resp_map(o, 0); }
static void e_set(struct resp_out *o)
{
	resp_set(o, 2);
	resp_cstr(o, "x");
	resp_cstr(o, "y");
}
static void e_push(struct resp_out *o)
{
	resp_push(o, 2);
	resp_cstr(o, "message");
	resp_cstr(o, "hi");
}
static void e_true(struct resp_out *o) { resp_bool(o, true); }
static void e_false(struct resp_out *o) { resp_bool(o, false); }
static void e_double(struct resp_out *o) { resp_double(o, 1.5); }
static void e_double_frac(struct resp_out *o) { resp_double(o, 0.1); }
static void e_double_big(struct resp_out *o) { resp_double(o, 1e300); }
static void e_double_negzero(struct resp_out *o) { resp_double(o, -0.0); }
static void e_double_inf(struct resp_out *o) { resp_double(o, INFINITY); }
static void e_double_neginf(struct resp_out *o) { resp_double(o, -INFINITY); }
static void e_double_nan(struct resp_out *o) { resp_double(o, NAN); }
static void e_bignum(struct resp_out *o)
{
	resp_bignum(o, "3492890328409238509324850943850943825024385");
}
static void e_verbatim(struct resp_out *o) { resp_verbatim(o, "txt", "Some string", 11); }
static void e_verbatim_binary(struct resp_out *o) { resp_verbatim(o, "mkd", "a\r\nb", 4); }
static void e_nested(struct resp_out *o)
{
	resp_map(o, 1);
	resp_cstr(o, "list");
	resp_array(o, 2);
	resp_set(o, 1);
	resp_double(o, 2.5);
	resp_push(o, 0);
}

static const struct enc_case enc_cases[] = {
	{ "simple", e_simple, LIT("+OK\r\n"), LIT("+OK\r\n"), "+OK", "+OK" },
	{ "error", e_error, LIT("-ERR unknown command 'FOO'\r\n"),
	  LIT("-ERR unknown command 'FOO'\r\n"),
	  "-ERR unknown command 'FOO'", "-ERR unknown command 'FOO'" },
	{ "error with CR and LF", e_error_crlf,
	  LIT("-WRONGTYPE line one  line two end \r\n"),
	  LIT("-WRONGTYPE line one  line two end \r\n"),
	  "-WRONGTYPE line one  line two end ", "-WRONGTYPE line one  line two end " },
	{ "integer 0", e_int0, LIT(":0\r\n"), LIT(":0\r\n"), ":0", ":0" },
	{ "negative integer", e_int_neg, LIT(":-42\r\n"), LIT(":-42\r\n"), ":-42", ":-42" },
	{ "INT64_MAX", e_int_max, LIT(":9223372036854775807\r\n"),
	  LIT(":9223372036854775807\r\n"), ":9223372036854775807", ":9223372036854775807" },
	{ "INT64_MIN", e_int_min, LIT(":-9223372036854775808\r\n"),
	  LIT(":-9223372036854775808\r\n"), ":-9223372036854775808",
	  ":-9223372036854775808" },
	{ "bulk", e_bulk, LIT("$5\r\nhello\r\n"), LIT("$5\r\nhello\r\n"), "$hello", "$hello" },
	{ "empty bulk", e_bulk_empty, LIT("$0\r\n\r\n"), LIT("$0\r\n\r\n"), "$", "$" },
	{ "binary bulk", e_bulk_binary, LIT("$5\r\na\0\r\nb\r\n"), LIT("$5\r\na\0\r\nb\r\n"),
	  "$a\\x00\\x0d\\x0ab", "$a\\x00\\x0d\\x0ab" },
	{ "C string (UTF-8)", e_cstr, LIT("$6\r\nh\xc3\xa9llo\r\n"),
	  LIT("$6\r\nh\xc3\xa9llo\r\n"), "$h\\xc3\\xa9llo", "$h\\xc3\\xa9llo" },
	{ "null", e_null, LIT("$-1\r\n"), LIT("_\r\n"), "_", "_" },
	{ "array", e_array, LIT("*3\r\n:1\r\n$3\r\ntwo\r\n$-1\r\n"),
	  LIT("*3\r\n:1\r\n$3\r\ntwo\r\n_\r\n"), "*[:1 $two _]", "*[:1 $two _]" },
	{ "empty array", e_array_empty, LIT("*0\r\n"), LIT("*0\r\n"), "*[]", "*[]" },
	{ "map (flat array in RESP2)", e_map,
	  LIT("*4\r\n$1\r\na\r\n:1\r\n$1\r\nb\r\n:1\r\n"),
	  LIT("%2\r\n$1\r\na\r\n:1\r\n$1\r\nb\r\n#t\r\n"),
	  "*[$a :1 $b :1]", "%{$a::1 $b:#t}" },
	{ "empty map", e_map_empty, LIT("*0\r\n"), LIT("%0\r\n"), "*[]", "%{}" },
	{ "set", e_set, LIT("*2\r\n$1\r\nx\r\n$1\r\ny\r\n"), LIT("~2\r\n$1\r\nx\r\n$1\r\ny\r\n"),
	  "*[$x $y]", "~[$x $y]" },
	{ "push", e_push, LIT("*2\r\n$7\r\nmessage\r\n$2\r\nhi\r\n"),
	  LIT(">2\r\n$7\r\nmessage\r\n$2\r\nhi\r\n"), "*[$message $hi]", ">[$message $hi]" },
	{ "true", e_true, LIT(":1\r\n"), LIT("#t\r\n"), ":1", "#t" },
	{ "false", e_false, LIT(":0\r\n"), LIT("#f\r\n"), ":0", "#f" },
	{ "double", e_double, LIT("$3\r\n1.5\r\n"), LIT(",1.5\r\n"), "$1.5", ",1.5" },
	{ "double 0.1, 17 digits", e_double_frac, LIT("$19\r\n0.10000000000000001\r\n"),
	  LIT(",0.10000000000000001\r\n"), "$0.10000000000000001", ",0.10000000000000001" },
	{ "double 1e300", e_double_big, LIT("$23\r\n1.0000000000000001e+300\r\n"),
	  LIT(",1.0000000000000001e+300\r\n"), "$1.0000000000000001e+300",
	  ",1.0000000000000001e+300" },
	{ "double -0", e_double_negzero, LIT("$2\r\n-0\r\n"), LIT(",-0\r\n"), "$-0", ",-0" },
	{ "double inf", e_double_inf, LIT("$3\r\ninf\r\n"), LIT(",inf\r\n"), "$inf", ",inf" },
	{ "double -inf", e_double_neginf, LIT("$4\r\n-inf\r\n"), LIT(",-inf\r\n"), "$-inf",
	  ",-inf" },
	{ "double nan", e_double_nan, LIT("$3\r\nnan\r\n"), LIT(",nan\r\n"), "$nan", ",nan" },
	{ "bignum", e_bignum, LIT("$43\r\n3492890328409238509324850943850943825024385\r\n"),
	  LIT("(3492890328409238509324850943850943825024385\r\n"),
	  "$3492890328409238509324850943850943825024385",
	  "(3492890328409238509324850943850943825024385" },
	{ "verbatim", e_verbatim, LIT("$11\r\nSome string\r\n"),
	  LIT("=15\r\ntxt:Some string\r\n"), "$Some string", "=txt:Some string" },
	{ "verbatim with CRLF inside", e_verbatim_binary, LIT("$4\r\na\r\nb\r\n"),
	  LIT("=8\r\nmkd:a\r\nb\r\n"), "$a\\x0d\\x0ab", "=mkd:a\\x0d\\x0ab" },
	{ "nested aggregates", e_nested,
	  LIT("*2\r\n$4\r\nlist\r\n*2\r\n*1\r\n$3\r\n2.5\r\n*0\r\n"),
	  LIT("%1\r\n$4\r\nlist\r\n*2\r\n~1\r\n,2.5\r\n>0\r\n"),
	  "*[$list *[*[$2.5] *[]]]", "%{$list:*[~[,2.5] >[]]}" },
};

#define NENC (sizeof enc_cases / sizeof enc_cases[0])

static void encode(const struct enc_case *c, int proto, struct buf *out)
{
	struct resp_out o = { BUF_INIT, proto };
	c->enc(&o);
	*out = o.b;
}

static void test_encode_table(void **state)
{
	(void)state;
	struct buf e1 = BUF_INIT, e2 = BUF_INIT;
	for (size_t i = 0; i < NENC; i++) {
		const struct enc_case *c = &enc_cases[i];
		for (int proto = 2; proto <= 3; proto++) {
			struct buf b;
			encode(c, proto, &b);
			const char *want = proto == 2 ? c->r2 : c->r3;
			size_t wlen = proto == 2 ? c->r2len : c->r3len;
			expect(b.len == wlen && memcmp(b.data, want, wlen) == 0,
			       "%s (RESP%d): \"%s\", want \"%s\"", c->name, proto,
			       escaped(b.data, b.len, &e1), escaped(want, wlen, &e2));
			buf_free(&b);
		}
	}
	buf_free(&e1);
	buf_free(&e2);
}

/* Replies appended one after another stay one stream. */
static void test_encode_appends(void **state)
{
	(void)state;
	struct resp_out o = { BUF_INIT, 3 };
	resp_simple(&o, "OK");
	resp_int(&o, 7);
	resp_null(&o);
	assert_int_equal(o.b.len, 12);
	assert_memory_equal(o.b.data, "+OK\r\n:7\r\n_\r\n", 12);
	buf_free(&o.b);
}

static void test_encode_command(void **state)
{
	(void)state;
	struct buf b = BUF_INIT;
	const char *argv[] = { "SET", "k", "v" };
	resp_command(&b, 3, argv, NULL);
	assert_int_equal(b.len, 27);
	assert_memory_equal(b.data, "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n", 27);

	buf_reset(&b);
	const char *bin[] = { "ECHO", "a\0\r\n" };
	const size_t lens[] = { 4, 4 };
	resp_command(&b, 2, bin, lens);
	assert_int_equal(b.len, 24);
	assert_memory_equal(b.data, "*2\r\n$4\r\nECHO\r\n$4\r\na\0\r\n\r\n", 24);

	buf_reset(&b);
	resp_command(&b, 0, NULL, NULL);
	assert_int_equal(b.len, 4);
	assert_memory_equal(b.data, "*0\r\n", 4);
	buf_free(&b);
}

/* ================================================================== values */

static void dump_value(struct buf *b, const struct resp_value *v)
{
	size_t n = v->n;
	switch (v->type) {
	case RESP_T_SIMPLE: buf_putc(b, '+'); put_escaped(b, v->str, v->len); return;
	case RESP_T_ERROR: buf_putc(b, '-'); put_escaped(b, v->str, v->len); return;
	case RESP_T_BULK: buf_putc(b, '$'); put_escaped(b, v->str, v->len); return;
	case RESP_T_BULK_ERROR: buf_putc(b, '!'); put_escaped(b, v->str, v->len); return;
	case RESP_T_BIGNUM: buf_putc(b, '('); put_escaped(b, v->str, v->len); return;
	case RESP_T_VERBATIM:
		buf_putc(b, '=');
		put_escaped(b, v->fmt, strlen(v->fmt));
		buf_putc(b, ':');
		put_escaped(b, v->str, v->len);
		return;
	case RESP_T_INT: buf_printf(b, ":%lld", (long long)v->integer); return;
	case RESP_T_NULL: buf_putc(b, '_'); return;
	case RESP_T_BOOL: buf_puts(b, v->integer ? "#t" : "#f"); return;
	case RESP_T_DOUBLE:
		if (isnan(v->dbl))
			buf_puts(b, ",nan");
		else
			buf_printf(b, ",%.17g", v->dbl);
		return;
	case RESP_T_ARRAY:
	case RESP_T_SET:
	case RESP_T_PUSH:
		buf_puts(b, v->type == RESP_T_ARRAY ? "*[" : v->type == RESP_T_SET ? "~[" : ">[");
		for (size_t i = 0; i < n; i++) {
			if (i)
				buf_putc(b, ' ');
			dump_value(b, &v->elem[i]);
		}
		buf_putc(b, ']');
		return;
	case RESP_T_MAP:
	case RESP_T_ATTR:
		buf_puts(b, v->type == RESP_T_MAP ? "%{" : "|{");
		for (size_t i = 0; i < n; i++) {
			if (i)
				buf_putc(b, ' ');
			dump_value(b, &v->elem[2 * i]);
			buf_putc(b, ':');
			dump_value(b, &v->elem[2 * i + 1]);
		}
		buf_putc(b, '}');
		if (v->type == RESP_T_ATTR)
			dump_value(b, &v->elem[2 * n]);
		return;
	}
	buf_puts(b, "?type?");
}

/* Strings in a value are NUL-terminated at len. */
static void check_terminated(const struct resp_value *v)
{
	if (v->str)
		assert_int_equal(v->str[v->len], '\0');
	size_t n = v->type == RESP_T_MAP ? 2 * v->n :
		   v->type == RESP_T_ATTR ? 2 * v->n + 1 : v->n;
	if (v->type == RESP_T_ARRAY || v->type == RESP_T_SET || v->type == RESP_T_PUSH ||
	    v->type == RESP_T_MAP || v->type == RESP_T_ATTR)
		for (size_t i = 0; i < n; i++)
			check_terminated(&v->elem[i]);
}

struct value_case {
	const char *in;
	size_t len;
	const char *dump;
	size_t used;		/* 0: the whole input */
};

static const struct value_case value_cases[] = {
	{ LIT("+OK\r\n"), "+OK", 0 },
	{ LIT("+\r\n"), "+", 0 },
	{ LIT("+a\nb\r\n"), "+a\\x0ab", 0 },
	{ LIT("-ERR unknown command\r\n"), "-ERR unknown command", 0 },
	{ LIT(":0\r\n"), ":0", 0 },
	{ LIT(":-42\r\n"), ":-42", 0 },
	{ LIT(":9223372036854775807\r\n"), ":9223372036854775807", 0 },
	{ LIT(":-9223372036854775808\r\n"), ":-9223372036854775808", 0 },
	{ LIT("$5\r\nhello\r\n"), "$hello", 0 },
	{ LIT("$0\r\n\r\n"), "$", 0 },
	{ LIT("$4\r\na\r\nb\r\n"), "$a\\x0d\\x0ab", 0 },
	{ LIT("$3\r\na\0b\r\n"), "$a\\x00b", 0 },
	{ LIT("$-1\r\n"), "_", 0 },
	{ LIT("*-1\r\n"), "_", 0 },
	{ LIT("*0\r\n"), "*[]", 0 },
	{ LIT("*2\r\n:1\r\n*1\r\n+x\r\n"), "*[:1 *[+x]]", 0 },
	{ LIT("*3\r\n$-1\r\n*-1\r\n_\r\n"), "*[_ _ _]", 0 },
	{ LIT("_\r\n"), "_", 0 },
	{ LIT("#t\r\n"), "#t", 0 },
	{ LIT("#f\r\n"), "#f", 0 },
	{ LIT(",1.5\r\n"), ",1.5", 0 },
	{ LIT(",-0.25\r\n"), ",-0.25", 0 },
	{ LIT(",10\r\n"), ",10", 0 },
	{ LIT(",1e10\r\n"), ",10000000000", 0 },
	{ LIT(",inf\r\n"), ",inf", 0 },
	{ LIT(",-inf\r\n"), ",-inf", 0 },
	{ LIT(",nan\r\n"), ",nan", 0 },
	{ LIT("(3492890328409238509324850943850943825024385\r\n"),
	  "(3492890328409238509324850943850943825024385", 0 },
	{ LIT("(-1\r\n"), "(-1", 0 },
	{ LIT("!21\r\nSYNTAX invalid syntax\r\n"), "!SYNTAX invalid syntax", 0 },
	{ LIT("!0\r\n\r\n"), "!", 0 },
	{ LIT("=15\r\ntxt:Some string\r\n"), "=txt:Some string", 0 },
	{ LIT("=4\r\nmkd:\r\n"), "=mkd:", 0 },
	{ LIT("%2\r\n+a\r\n:1\r\n+b\r\n:2\r\n"), "%{+a::1 +b::2}", 0 },
	{ LIT("%0\r\n"), "%{}", 0 },
	{ LIT("~3\r\n+x\r\n+y\r\n:3\r\n"), "~[+x +y :3]", 0 },
	{ LIT("~0\r\n"), "~[]", 0 },
	{ LIT(">2\r\n+message\r\n$3\r\nfoo\r\n"), ">[+message $foo]", 0 },
	{ LIT("|1\r\n+key-popularity\r\n%2\r\n$1\r\na\r\n,0.1923\r\n$1\r\nb\r\n,0.0012\r\n"
	      "*2\r\n:2039123\r\n:9543892\r\n"),
	  "|{+key-popularity:%{$a:,0.1923 $b:,0.0011999999999999999}}*[:2039123 :9543892]", 0 },
	{ LIT("|0\r\n+OK\r\n"), "|{}+OK", 0 },
	{ LIT("*2\r\n|1\r\n+ttl\r\n:3600\r\n$1\r\nv\r\n:2\r\n"), "*[|{+ttl::3600}$v :2]", 0 },
	{ LIT("*3\r\n%1\r\n+k\r\n~1\r\n#t\r\n_\r\n>1\r\n=7\r\nmkd:abc\r\n"),
	  "*[%{+k:~[#t]} _ >[=mkd:abc]]", 0 },
	{ LIT("+OK\r\n+NEXT\r\n"), "+OK", 5 },
	{ LIT("$2\r\nab\r\n:1"), "$ab", 8 },
};

#define NVAL (sizeof value_cases / sizeof value_cases[0])

static void test_value_table(void **state)
{
	(void)state;
	struct buf d = BUF_INIT, e = BUF_INIT;
	for (size_t i = 0; i < NVAL; i++) {
		const struct value_case *c = &value_cases[i];
		char *buf = copy_of(c->in, c->len);
		struct resp_value v;
		size_t used = 0;
		const char *err = NULL;
		int r = resp_parse_value(buf, c->len, &v, &used, &err);
		expect(r == 1, "\"%s\": returned %d (%s)", escaped(c->in, c->len, &e), r,
		       err ? err : "");
		expect(used == (c->used ? c->used : c->len), "\"%s\": used %zu",
		       escaped(c->in, c->len, &e), used);
		buf_reset(&d);
		dump_value(&d, &v);
		expect(strcmp(d.data, c->dump) == 0, "\"%s\": parsed as %s, want %s",
		       escaped(c->in, c->len, &e), d.data, c->dump);
		check_terminated(&v);
		resp_value_free(&v);
		free(buf);
	}
	buf_free(&d);
	buf_free(&e);
}

/* Every proper prefix of a valid reply is incomplete (0), never an error.
 * The prefix sits in a buffer of exactly its size. */
static void check_prefixes(const char *in, size_t len, const char *what)
{
	struct buf e = BUF_INIT;
	for (size_t k = 0; k < len; k++) {
		char *buf = copy_of(in, k);
		struct resp_value v;
		size_t used = 0;
		const char *err = NULL;
		int r = resp_parse_value(buf, k, &v, &used, &err);
		expect(r == 0, "%s \"%s\": %zu of %zu bytes: returned %d (%s)", what,
		       escaped(in, len, &e), k, len, r, err ? err : "");
		free(buf);
	}
	buf_free(&e);
}

static void test_value_prefixes_incomplete(void **state)
{
	(void)state;
	for (size_t i = 0; i < NVAL; i++) {
		const struct value_case *c = &value_cases[i];
		check_prefixes(c->in, c->used ? c->used : c->len, "value");
	}
	for (size_t i = 0; i < NENC; i++)
		for (int proto = 2; proto <= 3; proto++) {
			struct buf b;
			encode(&enc_cases[i], proto, &b);
			check_prefixes(b.data, b.len, enc_cases[i].name);
			buf_free(&b);
		}
}

struct value_bad {
	const char *in;
	size_t len;
	const char *err;
};

static const struct value_bad value_bad_cases[] = {
	{ LIT("?x\r\n"), "unknown reply type byte" },
	{ LIT("\0\r\n"), "unknown reply type byte" },
	{ LIT("+OK\rX"), "CR not followed by LF" },
	{ LIT(":abc\r\n"), "invalid integer" },
	{ LIT(":\r\n"), "invalid integer" },
	{ LIT(":1.5\r\n"), "invalid integer" },
	{ LIT(": 5\r\n"), "invalid integer" },
	{ LIT(":+5\r\n"), "invalid integer" },
	{ LIT(":5 \r\n"), "invalid integer" },
	{ LIT(":-\r\n"), "invalid integer" },
	{ LIT(":9223372036854775808\r\n"), "invalid integer" },
	{ LIT(":99999999999999999999999\r\n"), "invalid integer" },
	{ LIT("_x\r\n"), "invalid null" },
	{ LIT("#x\r\n"), "invalid boolean" },
	{ LIT("#\r\n"), "invalid boolean" },
	{ LIT("#tt\r\n"), "invalid boolean" },
	{ LIT("#T\r\n"), "invalid boolean" },
	{ LIT(",\r\n"), "invalid double" },
	{ LIT(",abc\r\n"), "invalid double" },
	{ LIT(",1.5x\r\n"), "invalid double" },
	{ LIT("$abc\r\n"), "invalid string length" },
	{ LIT("$\r\n"), "invalid string length" },
	{ LIT("$-2\r\n"), "negative string length" },
	{ LIT("!-1\r\n"), "negative string length" },
	{ LIT("=-1\r\n"), "negative string length" },
	{ LIT("$3\r\nabcde\r\n"), "string not followed by CRLF" },
	{ LIT("$3\r\nabc\n\r"), "string not followed by CRLF" },
	{ LIT("=3\r\ntxt\r\n"), "verbatim string without a format" },
	{ LIT("=5\r\ntxtxy\r\n"), "verbatim string without a format" },
	{ LIT("*-2\r\n"), "negative aggregate length" },
	{ LIT("%-1\r\n"), "negative aggregate length" },
	{ LIT("~-1\r\n"), "negative aggregate length" },
	{ LIT("*x\r\n"), "invalid aggregate length" },
	{ LIT("*9223372036854775808\r\n"), "invalid aggregate length" },
	{ LIT("$?\r\n"), "streamed RESP3 types are not supported" },
	{ LIT("*?\r\n"), "streamed RESP3 types are not supported" },
	{ LIT("*1\r\n?\r\n"), "unknown reply type byte" },
	{ LIT("*2\r\n$5\r\nhello\r\n:x\r\n"), "invalid integer" },
	{ LIT("%2\r\n+a\r\n:1\r\n+b\r\n#?\r\n"), "invalid boolean" },
	{ LIT("|1\r\n+a\r\n:1\r\n:bad\r\n"), "invalid integer" },
	{ LIT("*3\r\n*1\r\n$2\r\nok\r\n~1\r\n=2\r\nab\r\n:1\r\n"),
	  "verbatim string without a format" },
};

static void test_value_malformed(void **state)
{
	(void)state;
	struct buf e = BUF_INIT;
	for (size_t i = 0; i < sizeof value_bad_cases / sizeof value_bad_cases[0]; i++) {
		const struct value_bad *c = &value_bad_cases[i];
		char *buf = copy_of(c->in, c->len);
		struct resp_value v;
		size_t used = 0;
		const char *err = NULL;
		int r = resp_parse_value(buf, c->len, &v, &used, &err);
		expect(r == -1, "\"%s\": returned %d, want -1", escaped(c->in, c->len, &e), r);
		expect(err && strstr(err, c->err), "\"%s\": error \"%s\", want \"%s\"",
		       escaped(c->in, c->len, &e), err ? err : "(none)", c->err);
		free(buf);
	}
	buf_free(&e);
}

/* Declared lengths far beyond the bytes at hand: incomplete, and nothing
 * is allocated for them (an allocation of that size would abort). */
static const struct value_bad value_huge_cases[] = {
	{ LIT("*99999999999\r\n"), NULL },
	{ LIT("*9223372036854775807\r\n"), NULL },
	{ LIT("%9223372036854775807\r\n"), NULL },
	{ LIT("|9223372036854775807\r\n"), NULL },
	{ LIT("~4611686018427387904\r\n"), NULL },
	{ LIT(">99999999999\r\n:1\r\n"), NULL },
	{ LIT("$9223372036854775807\r\n"), NULL },
	{ LIT("!99999999999\r\nabc"), NULL },
	{ LIT("=99999999999\r\ntxt:"), NULL },
	{ LIT("*1000\r\n:1\r\n:2\r\n:3\r\n"), NULL },
	{ LIT("*2\r\n*9223372036854775807\r\n"), NULL },
};

static void test_value_huge_lengths(void **state)
{
	(void)state;
	struct buf e = BUF_INIT;
	for (size_t i = 0; i < sizeof value_huge_cases / sizeof value_huge_cases[0]; i++) {
		const struct value_bad *c = &value_huge_cases[i];
		char *buf = copy_of(c->in, c->len);
		struct resp_value v;
		size_t used = 0;
		const char *err = NULL;
		int r = resp_parse_value(buf, c->len, &v, &used, &err);
		expect(r == 0, "\"%s\": returned %d (%s), want 0", escaped(c->in, c->len, &e),
		       r, err ? err : "");
		free(buf);
	}
	buf_free(&e);
}

static char *nested(int depth, const char *open, const char *leaf, size_t *len)
{
	struct buf b = BUF_INIT;
	for (int i = 0; i < depth; i++)
		buf_puts(&b, open);
	buf_puts(&b, leaf);
	*len = b.len;
	return b.data;
}

static void test_value_depth_limit(void **state)
{
	(void)state;
	struct resp_value v;
	size_t used, len;
	const char *err = NULL;

	/* RESP_MAX_DEPTH aggregates deep: accepted. */
	char *ok = nested(RESP_MAX_DEPTH, "*1\r\n", ":7\r\n", &len);
	assert_int_equal(resp_parse_value(ok, len, &v, &used, &err), 1);
	assert_int_equal(used, len);
	const struct resp_value *p = &v;
	for (int i = 0; i < RESP_MAX_DEPTH; i++) {
		assert_int_equal(p->type, RESP_T_ARRAY);
		assert_int_equal(p->n, 1);
		p = &p->elem[0];
	}
	assert_int_equal(p->type, RESP_T_INT);
	assert_int_equal(p->integer, 7);
	resp_value_free(&v);
	free(ok);

	/* One deeper: refused, also through maps and attributes. */
	static const char *const opens[] = { "*1\r\n", "%1\r\n+k\r\n", "|0\r\n", ">1\r\n", "~1\r\n" };
	for (size_t i = 0; i < sizeof opens / sizeof opens[0]; i++) {
		char *bad = nested(RESP_MAX_DEPTH + 1, opens[i], ":7\r\n", &len);
		err = NULL;
		expect(resp_parse_value(bad, len, &v, &used, &err) == -1,
		       "%s nested %d deep was accepted", opens[i], RESP_MAX_DEPTH + 1);
		assert_non_null(err);
		assert_string_equal(err, "reply nested too deeply");
		free(bad);
	}

	/* Hostile depth, complete or not: an error, not a stack overflow. */
	char *deep = nested(200000, "*1\r\n", "", &len);
	assert_int_equal(resp_parse_value(deep, len, &v, &used, &err), -1);
	free(deep);
}

/* Encoder → value parser, both protocols: the encoded bytes are one whole
 * reply of the expected shape. */
static void test_value_roundtrip_encoder(void **state)
{
	(void)state;
	struct buf d = BUF_INIT;
	for (size_t i = 0; i < NENC; i++) {
		const struct enc_case *c = &enc_cases[i];
		for (int proto = 2; proto <= 3; proto++) {
			struct buf b;
			encode(c, proto, &b);
			char *buf = copy_of(b.data, b.len);
			struct resp_value v;
			size_t used = 0;
			const char *err = NULL;
			int r = resp_parse_value(buf, b.len, &v, &used, &err);
			expect(r == 1, "%s (RESP%d): returned %d (%s)", c->name, proto, r,
			       err ? err : "");
			assert_int_equal(used, b.len);
			buf_reset(&d);
			dump_value(&d, &v);
			const char *want = proto == 2 ? c->dump2 : c->dump3;
			expect(strcmp(d.data, want) == 0, "%s (RESP%d): parsed as %s, want %s",
			       c->name, proto, d.data, want);
			resp_value_free(&v);
			free(buf);
			buf_free(&b);
		}
	}
	buf_free(&d);
}

/* Doubles survive RESP3 (",") and RESP2 (bulk) bit for bit. */
static void test_value_roundtrip_doubles(void **state)
{
	(void)state;
	uint64_t x = 0x9e3779b97f4a7c15u;
	for (int i = 0; i < 5000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		double d;
		memcpy(&d, &x, sizeof d);
		if (isnan(d))
			continue;
		for (int proto = 2; proto <= 3; proto++) {
			struct resp_out o = { BUF_INIT, proto };
			resp_double(&o, d);
			struct resp_value v;
			size_t used;
			const char *err = NULL;
			assert_int_equal(resp_parse_value(o.b.data, o.b.len, &v, &used, &err), 1);
			double back;
			if (proto == 3) {
				assert_int_equal(v.type, RESP_T_DOUBLE);
				back = v.dbl;
			} else {
				assert_int_equal(v.type, RESP_T_BULK);
				back = strtod(v.str, NULL);
			}
			expect(memcmp(&back, &d, sizeof d) == 0, "%.17g came back as %.17g (RESP%d)",
			       d, back, proto);
			resp_value_free(&v);
			buf_free(&o.b);
		}
	}
}

/* resp_command → both parsers: what a client sends is what the server and
 * a value parser see. */
static void test_command_roundtrip(void **state)
{
	(void)state;
	const char *argv[] = { "PRODUCT", "SET", "06901234567892", "name", "a\0b\r\nc", "" };
	const size_t lens[] = { 7, 3, 14, 4, 6, 0 };
	struct buf b = BUF_INIT;
	resp_command(&b, 6, argv, lens);

	struct resp_value v;
	size_t used;
	const char *err = NULL;
	assert_int_equal(resp_parse_value(b.data, b.len, &v, &used, &err), 1);
	assert_int_equal(used, b.len);
	assert_int_equal(v.type, RESP_T_ARRAY);
	assert_int_equal(v.n, 6);
	for (int i = 0; i < 6; i++) {
		assert_int_equal(v.elem[i].type, RESP_T_BULK);
		assert_int_equal(v.elem[i].len, lens[i]);
		assert_memory_equal(v.elem[i].str, argv[i], lens[i]);
	}
	resp_value_free(&v);

	struct resp_parser p;
	resp_parser_init(&p, NULL);
	int argc;
	struct resp_arg *av;
	size_t need;
	assert_int_equal(resp_parse_request(&p, b.data, b.len, &argc, &av, &used, &need),
			 RESP_DONE);
	assert_int_equal(argc, 6);
	for (int i = 0; i < 6; i++) {
		assert_int_equal(av[i].len, lens[i]);
		assert_memory_equal(av[i].ptr, argv[i], lens[i]);
	}
	resp_parser_free(&p);
	buf_free(&b);
}

static void test_type_names(void **state)
{
	(void)state;
	const char *seen[RESP_T_PUSH + 1];
	for (int t = RESP_T_SIMPLE; t <= RESP_T_PUSH; t++) {
		seen[t] = resp_type_name((enum resp_type)t);
		assert_non_null(seen[t]);
		assert_string_not_equal(seen[t], "?");
		for (int u = RESP_T_SIMPLE; u < t; u++)
			assert_string_not_equal(seen[t], seen[u]);
	}
	assert_string_equal(resp_type_name(RESP_T_BULK), "bulk");
	assert_string_equal(resp_type_name(RESP_T_MAP), "map");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_request_table),
		cmocka_unit_test(test_request_split_every_byte),
		cmocka_unit_test(test_request_split_and_moved),
		cmocka_unit_test(test_request_byte_by_byte),
		cmocka_unit_test(test_request_pipeline),
		cmocka_unit_test(test_request_pipeline_generated),
		cmocka_unit_test(test_request_need_hint),
		cmocka_unit_test(test_request_need_driven_big_bulk),
		cmocka_unit_test(test_request_limits),
		cmocka_unit_test(test_request_malformed),
		cmocka_unit_test(test_request_malformed_split),
		cmocka_unit_test(test_request_max_request_boundary),
		cmocka_unit_test(test_request_reuse_after_error),
		cmocka_unit_test(test_split_inline_direct),
		cmocka_unit_test(test_encode_table),
		cmocka_unit_test(test_encode_appends),
		cmocka_unit_test(test_encode_command),
		cmocka_unit_test(test_value_table),
		cmocka_unit_test(test_value_prefixes_incomplete),
		cmocka_unit_test(test_value_malformed),
		cmocka_unit_test(test_value_huge_lengths),
		cmocka_unit_test(test_value_depth_limit),
		cmocka_unit_test(test_value_roundtrip_encoder),
		cmocka_unit_test(test_value_roundtrip_doubles),
		cmocka_unit_test(test_command_roundtrip),
		cmocka_unit_test(test_type_names),
	};
	return cmocka_run_group_tests_name("resp", tests, NULL, NULL);
}
