/*
 * fuzz_resp — libFuzzer target for the request parser (resp_request.c).
 *
 * Input: byte 0 picks the limits, byte 1 seeds the chunking, the rest is
 * the byte stream a client sends.  The stream is parsed twice:
 *   whole    all bytes at once, request after request;
 *   chunked  bytes arriving in pseudo-random pieces, each call on a freshly
 *            allocated buffer of exactly the bytes at hand (so reading past
 *            `len` is caught, and moving the buffer between calls is legal).
 * Both must produce the same transcript (requests, arguments, final error).
 * Per call: used <= len and used > 0 on RESP_DONE, every argument inside
 * the request and NUL-terminated, need > len on RESP_AGAIN, a message on
 * RESP_ERROR.  Any violation aborts.
 */
#include "resp.h"
#include "xmem.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define check(cond) do { if (!(cond)) { \
	fprintf(stderr, "fuzz_resp: %s:%d: %s\n", __FILE__, __LINE__, #cond); \
	abort(); } } while (0)

static const struct resp_limits profiles[4] = {
	{ RESP_DEFAULT_MAX_ARGS, RESP_DEFAULT_MAX_BULK, RESP_DEFAULT_MAX_REQUEST,
	  RESP_DEFAULT_MAX_INLINE },
	{ 4, 16, 64, 32 },
	{ 64, 256, 1024, 128 },
	{ 1, 1, 64, 64 },
};

/* Record one finished request in the transcript. */
static void record(struct buf *t, const char *req, int argc, const struct resp_arg *argv,
		   size_t used)
{
	check(argc >= 0);
	check(used > 0);
	buf_printf(t, "D%d/%zu:", argc, used);
	for (int i = 0; i < argc; i++) {
		check(argv[i].ptr >= req);
		check(argv[i].ptr + argv[i].len < req + used);
		check(argv[i].ptr[argv[i].len] == '\0');
		buf_printf(t, "%zu=", argv[i].len);
		buf_append(t, argv[i].ptr, argv[i].len);
	}
	buf_putc(t, '\n');
}

static void parse_whole(const struct resp_limits *lim, const uint8_t *in, size_t n,
			struct buf *t)
{
	char *buf = xmalloc(n ? n : 1);
	memcpy(buf, in, n);
	struct resp_parser p;
	resp_parser_init(&p, lim);
	size_t off = 0;
	for (;;) {
		int argc = -1;
		struct resp_arg *argv = NULL;
		size_t used = 0, need = 0;
		enum resp_status st = resp_parse_request(&p, buf + off, n - off, &argc, &argv,
							 &used, &need);
		if (st == RESP_DONE) {
			check(used <= n - off);
			record(t, buf + off, argc, argv, used);
			off += used;
			continue;
		}
		if (st == RESP_AGAIN) {
			check(need > n - off);
			buf_puts(t, "AGAIN\n");
		} else {
			check(st == RESP_ERROR);
			check(p.err[0] != '\0');
			check(memchr(p.err, '\0', sizeof p.err) != NULL);
			buf_printf(t, "ERROR %s\n", p.err);
		}
		break;
	}
	resp_parser_free(&p);
	free(buf);
}

static uint32_t next_rand(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static void parse_chunked(const struct resp_limits *lim, const uint8_t *in, size_t n,
			  uint32_t seed, struct buf *t)
{
	struct resp_parser p;
	resp_parser_init(&p, lim);
	char *cur = NULL;	/* bytes of the current request onwards */
	size_t have = 0;	/* bytes in cur */
	size_t fed = 0;		/* bytes of `in` delivered so far */
	bool more_needed = true;

	for (;;) {
		if (more_needed) {
			if (fed == n) {		/* nothing more will arrive */
				buf_puts(t, "AGAIN\n");
				break;
			}
			uint32_t r = next_rand(&seed);
			size_t chunk = r % 8 == 0 ? n - fed : 1 + (r >> 8) % 17;
			if (chunk > n - fed)
				chunk = n - fed;
			/* Move: a new buffer of exactly the bytes at hand. */
			char *grown = xmalloc(have + chunk);
			if (have)
				memcpy(grown, cur, have);
			memcpy(grown + have, in + fed, chunk);
			free(cur);
			cur = grown;
			have += chunk;
			fed += chunk;
		}
		int argc = -1;
		struct resp_arg *argv = NULL;
		size_t used = 0, need = 0;
		enum resp_status st = resp_parse_request(&p, cur, have, &argc, &argv, &used, &need);
		if (st == RESP_DONE) {
			check(used <= have);
			record(t, cur, argc, argv, used);
			/* Drop the request; keep the rest, moved to a new buffer. */
			size_t rest = have - used;
			char *tail = xmalloc(rest ? rest : 1);
			if (rest)
				memcpy(tail, cur + used, rest);
			free(cur);
			cur = tail;
			have = rest;
			more_needed = false;
			continue;
		}
		if (st == RESP_AGAIN) {
			check(need > have);
			more_needed = true;
			continue;
		}
		check(st == RESP_ERROR);
		check(p.err[0] != '\0');
		buf_printf(t, "ERROR %s\n", p.err);
		break;
	}
	free(cur);
	resp_parser_free(&p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	const struct resp_limits *lim = &profiles[data[0] & 3];
	uint32_t seed = 0x9e3779b9u ^ ((uint32_t)data[1] << 8 | data[0]);
	const uint8_t *in = data + 2;
	size_t n = size - 2;

	struct buf whole = BUF_INIT, chunked = BUF_INIT;
	parse_whole(lim, in, n, &whole);
	parse_chunked(lim, in, n, seed, &chunked);
	if (whole.len != chunked.len || memcmp(whole.data, chunked.data, whole.len) != 0) {
		fprintf(stderr, "fuzz_resp: whole and chunked parses differ\n"
			"--- whole\n%.*s--- chunked\n%.*s", (int)whole.len, whole.data,
			(int)chunked.len, chunked.data);
		abort();
	}
	buf_free(&whole);
	buf_free(&chunked);
	return 0;
}
