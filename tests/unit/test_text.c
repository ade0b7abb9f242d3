/*
 * test_text — proto/text.c: which characters names and free text may not
 * hold, where text_check finds the first, how it is described, and how
 * text_escape writes them for a terminal.  Tables of input → result.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "text.h"
#include "xmem.h"

#define expect(cond, ...) do { if (!(cond)) fail_msg(__VA_ARGS__); } while (0)

/* Inputs are passed in exact-size buffers: no reading past n. */
static char *exact(const char *s, size_t n)
{
	char *p = xmalloc(n ? n : 1);
	memcpy(p, s, n);
	return p;
}

struct check_case {
	const char *in;
	size_t len;		/* 0: strlen(in) */
	const char *why;	/* text_fault_describe, or NULL: accepted */
};

static const struct check_case check_cases[] = {
	{ "", 0, NULL },
	{ "T-0001 Renmin", 0, NULL },
	{ "\xe4\xbb\x81\xe6\xb0\x91\xe5\xa4\xa7\xe8\x8d\xaf\xe6\x88\xbf", 0, NULL },	/* CJK */
	{ "Caf\xc3\xa9 \xe2\x84\x96" "1 \xe2\x80\x94 ok", 0, NULL },	/* é № — */
	{ "pill \xf0\x9f\x92\x8a", 0, NULL },				/* 4 bytes */
	{ "a\xc2\xa0" "b", 0, NULL },					/* U+00A0 */
	{ "a\xe2\x80\x8d" "b", 0, NULL },				/* U+200D ZWJ */
	{ "a\xe2\x80\xaf" "b", 0, NULL },				/* U+202F */
	{ "a\xe2\x81\xa5" "b", 0, NULL },				/* U+2065 */
	{ "a\xe2\x81\xaa" "b", 0, NULL },				/* U+206A */
	{ "a\xd8\x9b" "b", 0, NULL },					/* U+061B */
	{ "~", 0, NULL },
	/* C0, DEL */
	{ "\x1b]0;pwned\x07", 0, "has a control character (U+001B) at character 1" },
	{ "ab\tc", 0, "has a control character (U+0009) at character 3" },
	{ "ab\r\n", 0, "has a control character (U+000D) at character 3" },
	{ "a\0b", 3, "has a control character (U+0000) at character 2" },
	{ "x\x7f", 0, "has a control character (U+007F) at character 2" },
	/* C1 */
	{ "\xc2\x80", 0, "has a C1 control character (U+0080) at character 1" },
	{ "Renmin\xc2\x85", 0, "has a C1 control character (U+0085) at character 7" },
	{ "\xe4\xbb\x81\xc2\x9b", 0, "has a C1 control character (U+009B) at character 2" },
	{ "\xc2\x9f", 0, "has a C1 control character (U+009F) at character 1" },
	/* bidi controls and separators */
	{ "\xd8\x9c", 0, "has a bidirectional control (U+061C) at character 1" },
	{ "a\xe2\x80\x8e", 0, "has a bidirectional control (U+200E) at character 2" },
	{ "a\xe2\x80\x8f", 0, "has a bidirectional control (U+200F) at character 2" },
	{ "\xe2\x80\xaa", 0, "has a bidirectional control (U+202A) at character 1" },
	{ "ab\xe2\x80\xae" "cd", 0, "has a bidirectional control (U+202E) at character 3" },
	{ "\xe2\x81\xa6", 0, "has a bidirectional control (U+2066) at character 1" },
	{ "\xe2\x81\xa9", 0, "has a bidirectional control (U+2069) at character 1" },
	{ "\xe2\x80\xa8", 0, "has a line separator (U+2028) at character 1" },
	{ "\xe2\x80\xa9", 0, "has a paragraph separator (U+2029) at character 1" },
	/* not UTF-8: the byte's place, counted in bytes */
	{ "\xff", 0, "is not UTF-8 at byte 1 (0xFF)" },
	{ "\xe4\xbb\x81\x9b", 0, "is not UTF-8 at byte 4 (0x9B)" },	/* lone C1 byte */
	{ "ab\xc3", 0, "is not UTF-8 at byte 3 (0xC3)" },			/* truncated */
	{ "\xc0\xaf", 0, "is not UTF-8 at byte 1 (0xC0)" },		/* overlong */
	{ "\xe0\x80\xaf", 0, "is not UTF-8 at byte 1 (0xE0)" },		/* overlong */
	{ "\xed\xa0\x80", 0, "is not UTF-8 at byte 1 (0xED)" },		/* surrogate */
	{ "\xf4\x90\x80\x80", 0, "is not UTF-8 at byte 1 (0xF4)" },	/* past U+10FFFF */
	{ "\xf5\x80\x80\x80", 0, "is not UTF-8 at byte 1 (0xF5)" },
	/* the first fault is the one named */
	{ "ok\xe2\x80\xae\x1b", 0, "(U+202E) at character 3" },
};

static void test_check(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof check_cases / sizeof check_cases[0]; i++) {
		const struct check_case *c = &check_cases[i];
		size_t n = c->len ? c->len : strlen(c->in);
		char *in = exact(c->in, n);
		struct text_fault f;
		char why[128] = "";
		int rc = text_check(in, n, &f);
		if (rc != 0)
			text_fault_describe(&f, why, sizeof why);
		free(in);
		if (c->why == NULL)
			expect(rc == 0, "case %zu refused: %s", i, why);
		else
			expect(rc == -1 && strstr(why, c->why) != NULL,
			       "case %zu: rc %d \"%s\", want \"%s\"", i, rc, why, c->why);
	}
}

/* Every code point: refused exactly when it is in the documented set. */
static void test_refused_set(void **state)
{
	(void)state;
	for (uint32_t cp = 0; cp <= 0x10ffff; cp++) {
		bool want = cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0x61c ||
			    cp == 0x200e || cp == 0x200f || (cp >= 0x2028 && cp <= 0x202e) ||
			    (cp >= 0x2066 && cp <= 0x2069);
		expect(text_cp_refused(cp) == want, "U+%04X", (unsigned)cp);
	}
}

/* text_decode gives back every scalar value it is handed in UTF-8. */
static void test_decode_round_trip(void **state)
{
	(void)state;
	for (uint32_t cp = 0; cp <= 0x10ffff; cp++) {
		if (cp >= 0xd800 && cp <= 0xdfff)
			continue;
		char b[4];
		size_t n;
		if (cp < 0x80) {
			b[0] = (char)cp;
			n = 1;
		} else if (cp < 0x800) {
			b[0] = (char)(0xc0 | cp >> 6);
			b[1] = (char)(0x80 | (cp & 0x3f));
			n = 2;
		} else if (cp < 0x10000) {
			b[0] = (char)(0xe0 | cp >> 12);
			b[1] = (char)(0x80 | (cp >> 6 & 0x3f));
			b[2] = (char)(0x80 | (cp & 0x3f));
			n = 3;
		} else {
			b[0] = (char)(0xf0 | cp >> 18);
			b[1] = (char)(0x80 | (cp >> 12 & 0x3f));
			b[2] = (char)(0x80 | (cp >> 6 & 0x3f));
			b[3] = (char)(0x80 | (cp & 0x3f));
			n = 4;
		}
		uint32_t got = 0;
		expect(text_decode(b, n, &got) == n && got == cp, "U+%04X", (unsigned)cp);
		if (n > 1)	/* cut short: not a character */
			expect(text_decode(b, n - 1, &got) == 0, "U+%04X cut", (unsigned)cp);
	}
}

struct escape_case {
	const char *in;
	size_t len;		/* 0: strlen(in) */
	const char *out;
};

static const struct escape_case escape_cases[] = {
	{ "", 0, "" },
	{ "plain T-1", 0, "plain T-1" },
	{ "\xe4\xbb\x81\xe6\xb0\x91 \\x1b", 0, "\xe4\xbb\x81\xe6\xb0\x91 \\x1b" },	/* kept */
	{ "\x1b]0;pwned\x07\x1b[31mFAKE GREEN\r\n", 0,
	  "\\x1b]0;pwned\\x07\\x1b[31mFAKE GREEN\\x0d\\x0a" },
	{ "a\0b", 3, "a\\x00b" },
	{ "del\x7f", 0, "del\\x7f" },
	{ "Renmin\xc2\x85\xe2\x80\xaeycamrahP", 0, "Renmin\\u0085\\u202eycamrahP" },
	{ "\xe2\x80\xa8\xe2\x81\xa9\xd8\x9c", 0, "\\u2028\\u2069\\u061c" },
	{ "bad \xff\xc3 end", 0, "bad \\xff\\xc3 end" },
	{ "lone \x9b" "2J", 0, "lone \\x9b2J" },
	{ "cut \xe4\xbb", 0, "cut \\xe4\\xbb" },
};

static void test_escape(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof escape_cases / sizeof escape_cases[0]; i++) {
		const struct escape_case *c = &escape_cases[i];
		size_t n = c->len ? c->len : strlen(c->in);
		char *in = exact(c->in, n);
		struct buf b = BUF_INIT;
		buf_puts(&b, "");	/* an empty result still has data */
		text_escape(&b, in, n);
		free(in);
		expect(strcmp(b.data, c->out) == 0, "case %zu: \"%s\", want \"%s\"", i, b.data,
		       c->out);
		/* What comes out is text: nothing left for a terminal to obey. */
		struct text_fault f;
		expect(text_check(b.data, b.len, &f) == 0, "case %zu: escaped output refused", i);
		buf_free(&b);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_refused_set),
		cmocka_unit_test(test_decode_round_trip),
		cmocka_unit_test(test_escape),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
