/*
 * test_bench_reply — yima-bench's in-place reply scanner
 * (clients/bench_reply.c): a table of replies in RESP2 and RESP3 with the
 * type, string and named map fields each must yield; every proper prefix
 * is incomplete; malformed bytes and deep nesting are refused; pipelined
 * replies are taken one at a time.
 *
 * Buffers are allocated at their exact size, so the sanitizer build
 * catches a read past len.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_reply.h"
#include "xmem.h"

struct row {
	const char *bytes;
	char type;
	bool null;
	const char *str;		/* top-level string, or NULL */
	const char *verdict, *holder;	/* map fields, or NULL */
};

static const struct row rows[] = {
	{ "+OK\r\n", '+', false, "OK", NULL, NULL },
	{ "-ERR bad code\r\n", '-', false, "ERR bad code", NULL, NULL },
	{ "$5\r\nhello\r\n", '$', false, "hello", NULL, NULL },
	{ "$0\r\n\r\n", '$', false, "", NULL, NULL },
	{ "$-1\r\n", '$', true, NULL, NULL, NULL },
	{ "*-1\r\n", '*', true, NULL, NULL, NULL },
	{ "_\r\n", '_', true, NULL, NULL, NULL },
	{ ":42\r\n", ':', false, "42", NULL, NULL },
	{ ":-9223372036854775808\r\n", ':', false, "-9223372036854775808", NULL, NULL },
	{ "!9\r\nERR x y z\r\n", '!', false, "ERR x y z", NULL, NULL },
	{ "=8\r\ntxt:abcd\r\n", '=', false, "abcd", NULL, NULL },
	/* RESP3 map with a nested map and an array before the fields. */
	{ "%4\r\n+reasons\r\n*2\r\n+a\r\n+b\r\n$7\r\nverdict\r\n$5\r\namber\r\n"
	  "+last_event\r\n%1\r\n+site\r\n+PHA1\r\n$6\r\nholder\r\n$8\r\nPHA00001\r\n",
	  '%', false, NULL, "amber", "PHA00001" },
	/* RESP2: the same as a flat array of pairs; a field of a nested map
	 * is not a top-level field. */
	{ "*6\r\n$7\r\nverdict\r\n$5\r\ngreen\r\n$10\r\nlast_event\r\n*2\r\n$6\r\nholder\r\n"
	  "$3\r\nDST\r\n$6\r\nstatus\r\n$6\r\nactive\r\n",
	  '*', false, NULL, "green", NULL },
	/* An integer value is its digits; an aggregate value is left out. */
	{ "%2\r\n+verdict\r\n:1\r\n+holder\r\n*1\r\n+x\r\n", '%', false, NULL, "1", NULL },
	/* An attribute before a value. */
	{ "|1\r\n+k\r\n+v\r\n+OK\r\n", '+', false, "OK", NULL, NULL },
};

static int scan(const char *bytes, size_t n, struct reply_scan *s, struct reply_field *f,
		size_t *used)
{
	char *b = xmalloc(n ? n : 1);
	memcpy(b, bytes, n);
	f[0] = (struct reply_field){ "verdict", NULL, 0 };
	f[1] = (struct reply_field){ "holder", NULL, 0 };
	*s = (struct reply_scan){ .rs_fields = f, .rs_nfields = 2 };
	int r = reply_scan(b, n, s, used);
	/* Keep what the test checks: copy the strings before freeing. */
	static char keep[3][256];
	const char *src[3] = { s->rs_str, f[0].rf_val, f[1].rf_val };
	size_t len[3] = { s->rs_len, f[0].rf_len, f[1].rf_len };
	for (int i = 0; i < 3; i++) {
		if (src[i]) {
			memcpy(keep[i], src[i], len[i]);
			keep[i][len[i]] = '\0';
		}
	}
	s->rs_str = s->rs_str ? keep[0] : NULL;
	f[0].rf_val = f[0].rf_val ? keep[1] : NULL;
	f[1].rf_val = f[1].rf_val ? keep[2] : NULL;
	free(b);
	return r;
}

static void test_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		const struct row *w = &rows[i];
		size_t n = strlen(w->bytes), used = 0;
		struct reply_scan s;
		struct reply_field f[2];
		assert_int_equal(scan(w->bytes, n, &s, f, &used), 1);
		assert_int_equal(used, n);
		assert_int_equal(s.rs_type, w->type);
		assert_int_equal(s.rs_null, w->null);
		if (w->str)
			assert_string_equal(s.rs_str, w->str);
		else
			assert_null(s.rs_str);
		if (w->verdict) {
			assert_string_equal(f[0].rf_val, w->verdict);
			assert_true(reply_field_is(&f[0], w->verdict));
			assert_false(reply_field_is(&f[0], "red"));
		} else {
			assert_null(f[0].rf_val);
		}
		if (w->holder)
			assert_string_equal(f[1].rf_val, w->holder);
		else
			assert_null(f[1].rf_val);
		for (size_t k = 0; k < n; k++)
			assert_int_equal(scan(w->bytes, k, &s, f, &used), 0);
	}
}

static void test_malformed(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"?what\r\n", "+OK\n", "$5\r\nhelloXY", "$x\r\n", "$-2\r\n", "*-5\r\n",
		"*1\r\n?\r\n", "$99999999999999999999\r\n", ":\r\n", ":1x\r\n",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct reply_scan s;
		struct reply_field f[2];
		size_t used;
		assert_int_equal(scan(bad[i], strlen(bad[i]), &s, f, &used), -1);
	}
}

static void test_depth_limit(void **state)
{
	(void)state;
	char b[4 * (REPLY_MAX_DEPTH + 2) + 8];
	size_t n = 0;
	for (int i = 0; i < REPLY_MAX_DEPTH + 2; i++)
		n += (size_t)sprintf(b + n, "*1\r\n");
	n += (size_t)sprintf(b + n, ":1\r\n");
	struct reply_scan s;
	struct reply_field f[2];
	size_t used;
	assert_int_equal(scan(b, n, &s, f, &used), -1);
}

static void test_pipelined(void **state)
{
	(void)state;
	const char two[] = "$3\r\nabc\r\n+OK\r\n";
	struct reply_scan s = { 0 };
	size_t used;
	assert_int_equal(reply_scan(two, sizeof two - 1, &s, &used), 1);
	assert_int_equal(used, 9);
	assert_int_equal(reply_scan(two + used, sizeof two - 1 - used, &s, &used), 1);
	assert_int_equal(s.rs_type, '+');
	assert_int_equal(used, 5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_depth_limit),
		cmocka_unit_test(test_pipelined),
	};
	return cmocka_run_group_tests_name("bench_reply", tests, NULL, NULL);
}
