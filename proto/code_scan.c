/*
 * code_scan.c — turn what a scanner or a keyboard delivers into the ASCII
 * text the codecs parse.  USB scanners act as keyboards: a pharmacy system
 * receives trailing CR/LF, stray spaces, and with a Chinese input method
 * switched on, full-width digits and letters (０–９, Ａ–Ｚ).  None of these
 * can be part of a code, so mapping them is safe; anything else that is
 * not ASCII is left for the parsers to refuse with its position.
 */
#include "code_scan.h"

/* The character the unit at r[i] stands for; *k = its length in bytes. */
static int unit(const unsigned char *r, size_t n, size_t i, size_t *k)
{
	*k = 1;
	if (r[i] < 0x80 || i + 1 >= n)
		return r[i];
	if (r[i] == 0xc2 && r[i + 1] == 0xa0) { /* U+00A0 no-break space */
		*k = 2;
		return ' ';
	}
	if (i + 2 >= n)
		return r[i];
	if (r[i] == 0xef && r[i + 1] == 0xbc && r[i + 2] >= 0x81 &&
	    r[i + 2] <= 0xbf) { /* U+FF01..U+FF3F -> '!'..'_' */
		*k = 3;
		return r[i + 2] - 0x60;
	}
	if (r[i] == 0xef && r[i + 1] == 0xbd && r[i + 2] >= 0x80 &&
	    r[i + 2] <= 0x9e) { /* U+FF40..U+FF5E -> '`'..'~' */
		*k = 3;
		return r[i + 2] - 0x20;
	}
	if ((r[i] == 0xe3 && r[i + 1] == 0x80 && r[i + 2] == 0x80) ||
	    (r[i] == 0xef && r[i + 1] == 0xbb && r[i + 2] == 0xbf)) {
		*k = 3; /* U+3000 ideographic space, U+FEFF BOM */
		return ' ';
	}
	return r[i];
}

static int blank(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' ||
	       c == '\f';
}

enum code_err code_scan_clean(const void *raw, size_t n, char *buf,
                              size_t cap, size_t *len, size_t *full,
                              size_t *lead)
{
	const unsigned char *r = raw;
	size_t i = 0, k, o = 0, end = 0;
	int c;

	while (i < n && blank(unit(r, n, i, &k)))
		i += k;
	*lead = i;
	for (; i < n; i += k) {
		if (r[i] < 0x80) { /* the common case, without the call */
			c = r[i];
			k = 1;
		} else {
			c = unit(r, n, i, &k);
		}
		if (o == cap) {
			/* Full: only trailing blanks may follow. */
			if (!blank(c)) {
				*len = *full = 0;
				*lead = i;
				return CODE_E_TOO_LONG;
			}
			continue;
		}
		buf[o++] = (char)c;
		if (!blank(c))
			end = o;
	}
	*len = end;
	*full = o;
	return CODE_OK;
}

size_t code_scan_rawpos(const void *raw, size_t n, size_t lead, size_t pos)
{
	const unsigned char *r = raw;
	size_t i = lead, k;

	for (size_t j = 0; j < pos && i < n; j++) {
		unit(r, n, i, &k);
		i += k;
	}
	return i;
}
