/*
 * text — the characters names and free text may not hold, and their
 * escaped form for printing (text.h says which and why).
 */
#include "text.h"

#include <stdio.h>

size_t text_decode(const char *s, size_t n, uint32_t *cp)
{
	const unsigned char *p = (const unsigned char *)s;
	unsigned c = p[0];
	size_t len;
	unsigned lo = 0x80, hi = 0xbf;	/* range of the second byte */
	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		c &= 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		if (c == 0xe0)
			lo = 0xa0;	/* overlong */
		else if (c == 0xed)
			hi = 0x9f;	/* surrogates */
		c &= 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		if (c == 0xf0)
			lo = 0x90;	/* overlong */
		else if (c == 0xf4)
			hi = 0x8f;	/* past U+10FFFF */
		c &= 0x07;
	} else {
		return 0;	/* a continuation byte, 0xc0/0xc1 or 0xf5 and up */
	}
	if (len > n || p[1] < lo || p[1] > hi)
		return 0;
	for (size_t k = 2; k < len; k++)
		if ((p[k] & 0xc0) != 0x80)
			return 0;
	for (size_t k = 1; k < len; k++)
		c = c << 6 | (p[k] & 0x3f);
	*cp = c;
	return len;
}

bool text_cp_refused(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0x061c ||
	       cp == 0x200e || cp == 0x200f || (cp >= 0x2028 && cp <= 0x202e) ||
	       (cp >= 0x2066 && cp <= 0x2069);
}

size_t text_find(const char *s, size_t n, size_t from, size_t *len, uint32_t *cp)
{
	for (size_t i = from; i < n;) {
		/* Printable ASCII, most of what comes here, needs no decoding. */
		if ((unsigned char)s[i] >= 0x20 && (unsigned char)s[i] < 0x7f) {
			i++;
			continue;
		}
		size_t l = text_decode(s + i, n - i, cp);
		if (l == 0) {
			*len = 1;
			*cp = TEXT_NOT_UTF8;
			return i;
		}
		if (text_cp_refused(*cp)) {
			*len = l;
			return i;
		}
		i += l;
	}
	return n;
}

int text_check(const char *s, size_t n, struct text_fault *f)
{
	size_t len;
	uint32_t cp;
	size_t at = text_find(s, n, 0, &len, &cp);
	if (at == n)
		return 0;
	/* What comes before is UTF-8: a character per byte that does not
	 * continue one. */
	size_t chr = 1;
	for (size_t i = 0; i < at; i++)
		chr += ((unsigned char)s[i] & 0xc0) != 0x80;
	*f = (struct text_fault){ .byte = at, .chr = chr, .cp = cp, .value = (uint8_t)s[at] };
	return -1;
}

void text_fault_describe(const struct text_fault *f, char *out, size_t outlen)
{
	const char *what;
	uint32_t cp = f->cp;
	if (cp == TEXT_NOT_UTF8) {
		snprintf(out, outlen, "is not UTF-8 at byte %zu (0x%02X)", f->byte + 1, f->value);
		return;
	}
	if (cp < 0x20 || cp == 0x7f)
		what = "a control character";
	else if (cp <= 0x9f)
		what = "a C1 control character";
	else if (cp == 0x2028 || cp == 0x2029)
		what = cp == 0x2028 ? "a line separator" : "a paragraph separator";
	else
		what = "a bidirectional control";
	snprintf(out, outlen, "has %s (U+%04X) at character %zu", what, (unsigned)cp, f->chr);
}

void text_escape(struct buf *b, const char *s, size_t n)
{
	size_t start = 0, at, len;
	uint32_t cp;
	while ((at = text_find(s, n, start, &len, &cp)) < n) {
		if (at > start)
			buf_append(b, s + start, at - start);
		if (cp == TEXT_NOT_UTF8 || cp < 0x80)
			buf_printf(b, "\\x%02x", (unsigned char)s[at]);
		else
			buf_printf(b, "\\u%04x", (unsigned)cp);
		start = at + len;
	}
	if (n > start)
		buf_append(b, s + start, n - start);
}
