/*
 * code_gs1ai.h — the GS1 Application Identifier table: for every AI its
 * length, character set, components, content checks and whether it needs a
 * separator.  Used by the element-string, Digital Link and EPC parsers.
 */
#ifndef YIMA_CODE_GS1AI_H
#define YIMA_CODE_GS1AI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "code_util.h"

enum gs1_cset {
	GS1_CS_N = 1, /* digits */
	GS1_CS_X,     /* GS1 character set 82 */
	GS1_CS_Y,     /* GS1 character set 39 */
	GS1_CS_Z,     /* base64url */
};

/* Content checks applied to one component. */
enum gs1_lint {
	GS1_LINT_NONE = 0,
	GS1_LINT_CSUM,      /* GS1 mod-10 check digit at the end */
	GS1_LINT_CSUMALPHA, /* GMN check character pair at the end */
	GS1_LINT_YYMMD0,    /* YYMMDD, DD = 00 allowed (last day of month) */
	GS1_LINT_YYMMDD,    /* YYMMDD */
	GS1_LINT_YYYYMMDD,  /* YYYYMMDD */
	GS1_LINT_HHMI,      /* HHMM */
	GS1_LINT_HH,        /* 00-23 */
	GS1_LINT_MI,        /* 00-59 (minutes and seconds) */
	GS1_LINT_ZERO,      /* the digit 0 */
	GS1_LINT_NONZERO,   /* a number other than 0 */
	GS1_LINT_YESNO,     /* 0 or 1 */
	GS1_LINT_PIECE,     /* NNMM: piece NN of MM, 1 <= NN <= MM */
	GS1_LINT_HYPHEN,    /* the character '-' */
	GS1_LINT_NOZERO1,   /* no leading zero unless the value is "0" */
	GS1_LINT_POSINSEQ,  /* "N/M", 1 <= N <= M */
};

/* One component of an AI's value.  Only the last may vary in length; no
 * mandatory component follows an optional one. */
struct gs1_part {
	uint8_t gp_cset;   /* enum gs1_cset */
	uint8_t gp_min;    /* == gp_max: fixed length */
	uint8_t gp_max;
	uint8_t gp_lint;   /* enum gs1_lint */
	uint8_t gp_opt;    /* may be absent */
};

#define GS1_AI_PREDEF 0x01 /* predefined length: never needs a separator */
#define GS1_AI_DLATTR 0x02 /* may be a Digital Link query attribute */
#define GS1_AI_DLKEY  0x04 /* a Digital Link primary key */

#define GS1_PARTS_MAX 5

/* One AI, or a range of AIs sharing a format ("3100".."3105"). */
struct gs1_ai {
	char    ga_lo[5];  /* first AI of the range */
	char    ga_hi[5];  /* last AI of the range, same length */
	uint8_t ga_flags;  /* GS1_AI_* */
	/* components in order; unused ones have gp_cset == 0 */
	struct gs1_part ga_parts[GS1_PARTS_MAX];
	const char *ga_name; /* short title for messages: "expiry date" */
};

/* The i-th table entry in AI order, or NULL past the end (for tests and
 * documentation tools). */
const struct gs1_ai *gs1_ai_at(size_t i);

/* Number of digits of this AI (2 to 4). */
size_t gs1_ai_digits(const struct gs1_ai *ai);

/*
 * The AI that the n bytes at p start with (GS1 AIs are prefix-free).
 * Returns the entry and sets *ai_len to its number of digits, or NULL if no
 * AI matches; then *ai_len is the number of leading digits looked at.
 */
const struct gs1_ai *gs1_ai_find(const char *p, size_t n, size_t *ai_len);

/* The AI whose digits are exactly the n bytes at p, or NULL. */
const struct gs1_ai *gs1_ai_exact(const char *p, size_t n);

/* Total length of a value of fixed length, or 0 if it varies. */
size_t gs1_ai_fixed_len(const struct gs1_ai *ai);
/* Longest value allowed. */
size_t gs1_ai_max_len(const struct gs1_ai *ai);

/*
 * Check the value v (n bytes) of AI `code` (its digits, NUL-terminated)
 * against the table: lengths, character sets, check digits, dates.
 * pos is where the value starts in the scan; when verbatim is false (the
 * value was decoded, e.g. from %-escapes) every error is reported at pos.
 * Returns CODE_OK, or an error recorded through code_fail().
 */
enum code_err gs1_ai_check(struct code_ctx *ctx, const struct gs1_ai *ai,
                           const char *code, const char *v, size_t n,
                           size_t pos, bool verbatim);

/* The GMN check character pair (2 characters, no NUL) for the n CSET 82
 * characters at p. */
void gs1_csumalpha(const char *p, size_t n, char pair[2]);

#endif /* YIMA_CODE_GS1AI_H */
