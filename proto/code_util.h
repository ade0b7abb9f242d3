/*
 * code_util.h — helpers shared by the identifier codecs (code_*.c): the
 * parse context, error reporting, character classes, GS1 check digits,
 * dates and key building.  Not part of the public API (see code.h).
 */
#ifndef YIMA_CODE_UTIL_H
#define YIMA_CODE_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "code.h"

#define CODE_GS 0x1d /* ASCII group separator: FNC1 as scanners send it */

/*
 * State of one code_parse() call.  Positions reported through code_fail()
 * are offsets in the cleaned-up scan; code_parse() maps them back to the
 * caller's bytes.
 */
struct code_ctx {
	struct code_result *out;
	unsigned flags;       /* CODE_OPT_* */
	int      ref_year;    /* as given; 0 = current year, looked up lazily */
	int      year_cache;  /* resolved reference year, 0 until needed */
};

/* Record an error in ctx->out (code, position, printf-style message) and
 * return the code, so parsers can write `return code_fail(...)`. */
enum code_err code_fail(struct code_ctx *ctx, enum code_err err, size_t pos,
                        const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Quote up to n bytes of p for an error message: printable ASCII as is,
 * other bytes as \xNN, cut with "..." beyond 40 characters.  Returns buf,
 * always NUL-terminated (cap >= 4). */
const char *code_quote(const char *p, size_t n, char *buf, size_t cap);

static inline bool code_is_digit(int c) { return c >= '0' && c <= '9'; }
static inline bool code_is_upper(int c) { return c >= 'A' && c <= 'Z'; }
static inline bool code_is_lower(int c) { return c >= 'a' && c <= 'z'; }
static inline bool code_is_alnum(int c)
{
	return code_is_digit(c) || code_is_upper(c) || code_is_lower(c);
}

/* GS1 character set 82 (the "X" fields): digits, letters and
 * !"%&'()*+,-./:;<=>?_ */
bool code_is_cset82(int c);
/* GS1 character set 39 ("Y"): digits, upper-case letters, # - / */
bool code_is_cset39(int c);

/* The number written by the two ASCII digits at p. */
static inline int code_two(const char *p)
{
	return (p[0] - '0') * 10 + (p[1] - '0');
}

/* True if the n bytes at p are all ASCII digits (n may be 0). */
bool code_all_digits(const char *p, size_t n);

/* GS1 mod-10 check digit ('0'..'9') of the n data digits at p. */
char code_gs1_check(const char *p, size_t n);
/* True if the last of the n digits at p is the GS1 check digit of the
 * others (n >= 2, digits only). */
bool code_gs1_check_ok(const char *p, size_t n);

/* Value of the n (<= 19) digits at p. */
uint64_t code_digits_u64(const char *p, size_t n);
/* Write v as exactly n decimal digits (zero-padded) at p; no NUL. */
void code_u64_digits(uint64_t v, char *p, size_t n);
/* Store the low nbytes of v big-endian at p, and load them back.  Inline:
 * record encoders call them per field with constant sizes, which the
 * compiler then unrolls. */
static inline void code_put_be(uint8_t *p, uint64_t v, size_t nbytes)
{
	while (nbytes > 0) {
		p[--nbytes] = (uint8_t)v;
		v >>= 8;
	}
}

static inline uint64_t code_get_be(const uint8_t *p, size_t nbytes)
{
	uint64_t v = 0;
	for (size_t i = 0; i < nbytes; i++)
		v = (v << 8) | p[i];
	return v;
}

/* Copy n bytes to a NUL-terminated field of cap bytes (n < cap assumed by
 * callers, truncated otherwise). */
void code_set_str(char *dst, size_t cap, const char *src, size_t n);

/*
 * %-decode the n bytes at p into dst (room for n bytes), setting *dlen.
 * Returns true, or false with *bad = offset of a '%' not followed by two
 * hex digits.
 */
bool code_pct_decode(const char *p, size_t n, char *dst, size_t *dlen,
                     size_t *bad);

/* ASCII case-insensitive "p[0..n) starts with prefix". */
bool code_prefix_ci(const char *p, size_t n, const char *prefix);

/* ---- dates ---- */

/* Days in month m (1-12) of year y (Gregorian). */
int code_days_in_month(int y, int m);
/* Full year for a two-digit year yy by GS1's sliding window around the
 * reference year: yy - (ref % 100) >= 51 -> previous century, <= -50 ->
 * next century, else the reference century. */
int code_century(struct code_ctx *ctx, int yy);
/*
 * Check the 6 digits YYMMDD at p.  DD = 00 is allowed when dd00 is true and
 * means the last day of the month.  On success, if d is not NULL, stores the
 * resolved date.  Returns NULL on success or a static reason on failure
 * ("month 13 is not 01-12", ...).
 */
const char *code_yymmdd(struct code_ctx *ctx, const char *p, bool dd00,
                        struct code_date *d);
/* The same for the 8 digits YYYYMMDD (DD = 00 never allowed). */
const char *code_yyyymmdd(const char *p, struct code_date *d);
/* Check hh (00-23) and mm (00-59) at p (4 digits); NULL or a reason. */
const char *code_hhmm(const char *p);

/* ---- keys ---- */

/* Start a key of type byte t in ctx->out.  Append n bytes (the caller keeps
 * the total within CODE_KEY_MAX; the layouts in code.h guarantee it). */
void code_key_start(struct code_result *out, uint8_t t);
void code_key_add(struct code_result *out, const void *p, size_t n);

#endif /* YIMA_CODE_UTIL_H */
