/*
 * fuzz_load_scan — libFuzzer target for the incremental JSON scanner that
 * streams EPCIS documents (proto/load_scan.c), read through fmemopen.
 * Invariants:
 *   - open finds the list, or a top-level object, or fails with a message;
 *   - each element handed out is the input's bytes at its place (the first
 *     `max` of them when longer, with its true size), places only move
 *     forward, lines and columns start at 1;
 *   - the list ends (0) or fails (-1), and says so again when asked again;
 *   - after a mark and a seek back, the same elements come again (the EPCIS
 *     reader's first pass for error declarations relies on it).
 * Any violation aborts.
 */
#include "load_scan.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define check(cond) do { if (!(cond)) { \
	fprintf(stderr, "fuzz_load_scan: %s:%d: %s\n", __FILE__, __LINE__, #cond); \
	abort(); } } while (0)

#define MAX 64			/* small: long elements are cut */
#define PASS_MAX 4096		/* elements compared across the two passes */

/* One pass over the list: the elements' places (up to PASS_MAX) and the
 * last result. */
static int pass(struct load_scan *s, const uint8_t *data, size_t size,
		unsigned long long *places, size_t *n)
{
	struct buf out = BUF_INIT;
	struct load_scan_pos at;
	unsigned long long len, last = 0;
	char why[LOAD_SCAN_ERR];
	int got;

	*n = 0;
	while ((got = load_scan_next(s, MAX, &out, &at, &len, why)) > 0) {
		check(got == 1 || got == 2);
		check(at.line >= 1 && at.col >= 1);
		check(at.byte >= last && at.byte + len <= size && len >= 1);
		check(*n == 0 || at.byte > last);
		last = at.byte;
		if (got == 1)
			check(out.len == len && memcmp(out.data, data + at.byte, len) == 0);
		else
			check(len > MAX && out.len == MAX && memcmp(out.data, data + at.byte, MAX) == 0);
		if (*n < PASS_MAX)
			places[*n] = at.byte;
		(*n)++;
		check(*n <= size);
	}
	if (got < 0)
		check(why[0] != '\0');
	check(load_scan_next(s, MAX, &out, &at, &len, why) == got);
	buf_free(&out);
	return got;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static unsigned long long first[PASS_MAX], again[PASS_MAX];
	struct buf one = BUF_INIT;
	struct load_scan_mark m;
	char why[LOAD_SCAN_ERR];
	size_t n1, n2;
	bool cut;

	if (size == 0)
		return 0;
	FILE *fp = fmemopen((void *)(uintptr_t)data, size, "rb");
	check(fp != NULL);
	struct load_scan *s = load_scan_new(fp);
	int shape = load_scan_open(s, MAX, &one, &cut, why);
	if (shape < 0) {
		check(why[0] != '\0');
	} else if (shape == LOAD_SCAN_OBJECT) {
		check(one.len <= MAX);
		check(cut || one.len == 0 || one.data[0] == '{');
	} else {
		check(shape == LOAD_SCAN_LIST);
		check(load_scan_tell(s, &m) == 0);
		int got1 = pass(s, data, size, first, &n1);
		check(load_scan_seek(s, &m) == 0);
		int got2 = pass(s, data, size, again, &n2);
		check(got1 == got2 && n1 == n2);
		check(memcmp(first, again, (n1 < PASS_MAX ? n1 : PASS_MAX) * sizeof *first) == 0);
		check(load_scan_offset(s) <= size);
	}
	buf_free(&one);
	load_scan_free(s);
	fclose(fp);
	return 0;
}
