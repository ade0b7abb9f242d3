/*
 * bench_reply — find the end of one RESP reply in a buffer and pick out the
 * little a load generator checks, without building a value tree.
 *
 * yima-bench reads hundreds of thousands of replies a second on the same
 * cores as the server it measures, so it cannot afford resp_parse_value's
 * allocation per element.  This scanner walks a reply in place: it reports
 * the top-level type, a top-level string, and for a map (RESP3) or a flat
 * key/value array (RESP2) the values of the keys the caller names
 * ("verdict", "status", "holder").  Pointers point into the caller's buffer.
 *
 * Trust: the server is the one being measured, not an adversary, but the
 * scanner still never reads past len and refuses nesting deeper than
 * REPLY_MAX_DEPTH.
 */
#ifndef YIMA_BENCH_REPLY_H
#define YIMA_BENCH_REPLY_H

#include <stdbool.h>
#include <stddef.h>

#define REPLY_MAX_DEPTH 32

struct reply_field {
	const char *rf_name;		/* set by the caller */
	const char *rf_val;		/* NULL if absent or not a string */
	size_t      rf_len;
};

struct reply_scan {
	char        rs_type;		/* the first byte: '+', '-', '$', '%', ... */
	bool        rs_null;		/* $-1, *-1 or _ */
	const char *rs_str;		/* a top-level string or integer */
	size_t      rs_len;
	struct reply_field *rs_fields;	/* the caller's, may be NULL */
	unsigned    rs_nfields;
};

/*
 * Scan one reply at buf[0..len).  Returns 1 with *s filled and *used set to
 * the reply's size, 0 if the reply is not complete yet, -1 if the bytes are
 * not RESP.  Integers count as strings of their digits (in rs_str and in
 * fields).
 */
int reply_scan(const char *buf, size_t len, struct reply_scan *s, size_t *used);

/* True if field f holds exactly the C string want. */
bool reply_field_is(const struct reply_field *f, const char *want);

#endif
