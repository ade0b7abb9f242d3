/*
 * code_gs1.h — GS1 element strings: the raw form scanners send (GS between
 * variable-length fields) and the bracketed human-readable form, collected
 * into a list of (AI, value) elements; then the identification key and the
 * UDI/traceability fields are taken from that list.  The Digital Link and
 * EPC parsers fill the same list.
 */
#ifndef YIMA_CODE_GS1_H
#define YIMA_CODE_GS1_H

#include <stddef.h>
#include <stdint.h>

#include "code_gs1ai.h"

#define GS1_ELEMS_MAX 48

struct gs1_elem {
	const struct gs1_ai *ge_ai;
	char        ge_code[5]; /* the AI's digits */
	const char *ge_val;     /* into the scan, or into gm_buf */
	size_t      ge_len;
	size_t      ge_pos;     /* where the element starts in the scan */
};

/* Elements of one message.  Lifetime: values may point into the scan that
 * was parsed, so the list is valid as long as that scan is. */
struct gs1_msg {
	unsigned        gm_n;
	struct gs1_elem gm_e[GS1_ELEMS_MAX];
	size_t          gm_used;            /* bytes of gm_buf in use */
	char            gm_buf[CODE_SCAN_MAX]; /* decoded values */
};

static inline void gs1_msg_init(struct gs1_msg *m)
{
	m->gm_n = 0;
	m->gm_used = 0;
}

/* Room for n more decoded bytes in gm_buf, or NULL; the caller adds what
 * it wrote to gm_used. */
static inline char *gs1_msg_room(struct gs1_msg *m, size_t n)
{
	return n <= sizeof(m->gm_buf) - m->gm_used ? m->gm_buf + m->gm_used
	                                           : NULL;
}

/*
 * Check the value (gs1_ai_check) and append one element.  An AI that is
 * already present with the same value is accepted once; with another value
 * it is CODE_E_CONFLICT.  Returns CODE_OK or the error recorded in ctx.
 */
enum code_err gs1_msg_add(struct code_ctx *ctx, struct gs1_msg *m,
                          const struct gs1_ai *ai, const char *code,
                          const char *v, size_t n, size_t pos, bool verbatim);

/* The element of AI `code` ("01"), or NULL. */
const struct gs1_elem *gs1_msg_get(const struct gs1_msg *m, const char *code);

/*
 * Parse a raw element string: s[0..n) with AIs and values back to back, a
 * GS (0x1d) after each variable-length value that is not last.  Redundant
 * GS characters (leading, trailing, after fixed-length values) are
 * tolerated.  base is the position of s in the scan, for errors.
 * Returns CODE_OK or the error; *parsed counts the elements read before it.
 */
enum code_err gs1_parse_raw(struct code_ctx *ctx, struct gs1_msg *m,
                            const char *s, size_t n, size_t base,
                            unsigned *parsed);

/*
 * Parse the bracketed form "(01)06901234567892(21)SN1".  A '(' inside a
 * value is written "\(" (a '(' that does not start a known "(AI)" is also
 * taken literally).  Blanks around the brackets are ignored.
 */
enum code_err gs1_parse_bracketed(struct code_ctx *ctx, struct gs1_msg *m,
                                  const char *s, size_t n, size_t base);

/*
 * Decide what the elements identify and fill ctx->out: type, key, product,
 * serial, lot, dates, packaging hint.  GTIN + serial -> CODE_SGTIN;
 * GTIN + lot without serial -> CODE_LGTIN (refused with
 * CODE_OPT_REQUIRE_SERIAL); SSCC -> CODE_SSCC; (414) [+ (254)] ->
 * CODE_SGLN; (417) -> CODE_PGLN.  A GTIN alone is CODE_E_NO_SERIAL; other
 * GS1 keys are CODE_E_UNSUPPORTED.  end is the scan length, for errors.
 */
enum code_err gs1_identify(struct code_ctx *ctx, const struct gs1_msg *m,
                           size_t end);

/*
 * Canonical text of a GS1 key (CODE_KEY_SGTIN, _LGTIN, _SSCC, _SGLN,
 * _PGLN) in bracketed form: "(01)06901234567892(21)SN12345".  Returns the
 * length, or -1 if the key is not well formed (number out of range, wrong
 * check digit, tail too long or not GS1 characters) or cap is too small.
 */
int gs1_format(const uint8_t *key, size_t len, char *buf, size_t cap);
/* The same key as a GS1 Digital Link URI on id.gs1.org
 * ("https://id.gs1.org/01/06901234567892/21/S%2F1"). */
int gs1_format_dl(const uint8_t *key, size_t len, char *buf, size_t cap);

#endif /* YIMA_CODE_GS1_H */
