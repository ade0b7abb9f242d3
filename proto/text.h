/*
 * text — which characters yimad stores in names and free text, and how
 * yima prints the ones it must not pass to a terminal as they are.
 *
 * What a supplier or a counter sends (a TX, a REF, a site's name) ends up
 * on the terminal of whoever reads a trace or the alerts.  A control
 * character in it could move the cursor, retitle the window, colour a line
 * "GREEN" or, with a bidirectional override, show a code backwards.  Such
 * characters are "refused" here:
 *
 *   - bytes that are not well-formed UTF-8 (overlong forms, surrogates,
 *     past U+10FFFF, truncated sequences): a lone byte 0x9B is a C1 CSI on
 *     an 8-bit terminal;
 *   - C0 controls U+0000-U+001F and DEL U+007F;
 *   - C1 controls U+0080-U+009F (NEL U+0085 among them);
 *   - the bidirectional controls (Unicode's Bidi_Control property):
 *     U+061C, U+200E, U+200F, U+202A-U+202E, U+2066-U+2069;
 *   - the line and paragraph separators U+2028, U+2029.
 *
 * The daemon refuses text holding any of them (text_check, with where and
 * what); the client escapes them in whatever it prints (text_escape), so
 * data stored before the daemon checked cannot reach a terminal either.
 * Both sides use this one definition.
 */
#ifndef YIMA_TEXT_H
#define YIMA_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* text_fault.cp of bytes that are not UTF-8. */
#define TEXT_NOT_UTF8 UINT32_MAX

/* Where text first holds a refused character, and which. */
struct text_fault {
	size_t   byte;	/* its offset, from 0 */
	size_t   chr;	/* its position among the characters, from 1 */
	uint32_t cp;	/* the code point; TEXT_NOT_UTF8 for a malformed byte */
	uint8_t  value;	/* the malformed byte */
};

/* The well-formed UTF-8 character at s (n > 0 bytes available): its length
 * (1-4) with the code point in *cp, or 0 when the bytes there are not one. */
size_t text_decode(const char *s, size_t n, uint32_t *cp);

/* Is cp a character that is refused (a control, bidi control or separator)? */
bool text_cp_refused(uint32_t cp);

/* The offset of the first refused character or malformed byte in
 * s[from..n), or n when there is none; its length in *len (1 for a
 * malformed byte) and its code point in *cp (TEXT_NOT_UTF8 for a malformed
 * byte). */
size_t text_find(const char *s, size_t n, size_t from, size_t *len, uint32_t *cp);

/* Returns 0 when s[0..n) is UTF-8 without refused characters, or -1 with
 * *f describing the first one. */
int text_check(const char *s, size_t n, struct text_fault *f);

/* What is wrong, for an error message after the field's name, e.g.
 * "has a control character (U+001B) at character 1" or
 * "is not UTF-8 at byte 4 (0xFF)". */
void text_fault_describe(const struct text_fault *f, char *out, size_t outlen);

/* Append s[0..n) to b with every refused character escaped: bytes below
 * 0x80 and malformed bytes as \xHH (ESC as \x1b), other code points as
 * \uHHHH (NEL as \u0085, RLO as \u202e).  Everything else is copied. */
void text_escape(struct buf *b, const char *s, size_t n);

#endif
