/*
 * load_scan.h — an incremental JSON scanner for EPCIS documents: finds the
 * event list (epcisBody.eventList, epcisBody.queryResults.resultsBody.
 * eventList, or a bare top-level array) in a stream and hands out each
 * element's bytes one at a time, in bounded memory, for jansson to parse.
 *
 * The scanner checks structure only: strings and their escapes, brackets
 * that match, commas and colons where they belong, nothing after the
 * document.  What lies outside the elements (other members of the
 * document) is skipped, not parsed; each element is parsed by the caller.
 * Memory: a read buffer, a bracket stack of LOAD_SCAN_DEPTH bytes, and the
 * element being handed out (at most `max` bytes; a larger one is passed
 * over and reported by its size).
 *
 * Trust boundary: the input is any bytes (tests/fuzz/fuzz_load_scan.c).
 * Errors are one line: "LINE:COL: invalid JSON (byte N): why" or
 * "eventList is not an array"; the caller puts the file name before it.
 */
#ifndef YIMA_LOAD_SCAN_H
#define YIMA_LOAD_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "buf.h"

#define LOAD_SCAN_DEPTH 2048	/* nesting allowed, as jansson's parser */
#define LOAD_SCAN_ERR 200

/* A place in the input: byte offset from 0, line and column from 1. */
struct load_scan_pos {
	unsigned long long byte;
	unsigned long line, col;
};

enum load_scan_shape {
	LOAD_SCAN_LIST = 1,	/* positioned in the event list */
	LOAD_SCAN_OBJECT = 2,	/* a top-level object with no event list */
};

struct load_scan;

/* A scanner reading fp (not closed by it) from its current position. */
struct load_scan *load_scan_new(FILE *fp);
void load_scan_free(struct load_scan *s);

/*
 * Find the event list.  LOAD_SCAN_LIST, or LOAD_SCAN_OBJECT with the whole
 * top-level object in *one (cut, and *cut set, past max bytes) and the
 * rest of the input checked; -1 with why set (LOAD_SCAN_ERR bytes).
 */
int load_scan_open(struct load_scan *s, size_t max, struct buf *one, bool *cut, char *why);

/*
 * The next element of the list: 1 with its bytes in *out (reset first) and
 * its first byte's place in *at; 2 when it is longer than max bytes (*out
 * holds the first max, *size its length); 0 at the end of the list, once
 * the rest of the document is checked; -1 with why set (and every later
 * call -1 again).
 */
int load_scan_next(struct load_scan *s, size_t max, struct buf *out, struct load_scan_pos *at,
		   unsigned long long *size, char *why);

/* Bytes consumed so far, from where the scanner started. */
unsigned long long load_scan_offset(const struct load_scan *s);

/*
 * The scanner's state, to come back to (a first pass over the list, then
 * the real one).  load_scan_seek needs a file that seeks: -1 otherwise.
 */
struct load_scan_mark {
	unsigned long long byte, line_start, file_at;
	unsigned long line;
	int nopen;
	bool first, top_array, done;
};
int load_scan_tell(const struct load_scan *s, struct load_scan_mark *m);
int load_scan_seek(struct load_scan *s, const struct load_scan_mark *m);

#endif
