/*
 * test_code_cases.h — the table runner shared by the identifier-codec unit
 * tests (test_code*.c): each case is one scan and what code_parse() must
 * make of it.  Dates with two-digit years are resolved against the fixed
 * reference year CASE_REF_YEAR so the tables do not age.
 */
#ifndef YIMA_TEST_CODE_CASES_H
#define YIMA_TEST_CODE_CASES_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "code.h"

#define CASE_REF_YEAR 2026

/*
 * One scan.  Strings: NULL = not checked, "" = must be absent.  A case
 * expecting success also checks that the canonical text parses back to
 * the same key.
 */
struct code_case {
	const char *in;
	size_t len;            /* 0: strlen(in) (for inputs with NUL bytes) */
	enum code_err err;
	enum code_type type;   /* on success */
	const char *key;       /* canonical text of the key */
	const char *product;
	const char *serial;
	const char *lot;
	const char *expiry;    /* YYYY-MM-DD */
	const char *prod;      /* production date */
	long at;               /* error position; -1 (or 0 when ok) unchecked */
	const char *msg;       /* substring of the error message */
	unsigned flags;        /* CODE_OPT_* */
};

/* Mark an error position as checked even when it is 0. */
#define AT(n) ((long)(n) + 1)

static inline void case_str(const struct code_case *c, const char *what,
                            const char *want, const char *got)
{
	if (want == NULL || strcmp(want, got) == 0)
		return;
	print_error("case '%s': %s is '%s', expected '%s'\n", c->in, what, got,
	            want);
	fail();
}

/* Run one case; fails the test with the input in the message. */
static inline void case_run(const struct code_case *c)
{
	struct code_opts opts = { CASE_REF_YEAR, c->flags };
	struct code_result r;
	size_t len = c->len ? c->len : strlen(c->in);
	enum code_err err = code_parse(c->in, len, &opts, &r);
	char text[CODE_TEXT_MAX], date[11];

	if (err != c->err) {
		print_error("case '%s': got %s (%s), expected %s\n", c->in,
		            code_err_name(err), r.cr_msg, code_err_name(c->err));
		fail();
	}
	assert_int_equal(r.cr_err, err);
	if (err != CODE_OK) {
		assert_int_equal(r.cr_type, CODE_NONE);
		assert_int_equal(r.cr_key_len, 0);
		assert_true(r.cr_msg[0] != '\0');
		assert_true(r.cr_err_pos <= len);
		for (const char *m = r.cr_msg; *m; m++)
			assert_true(*m >= 0x20 && *m < 0x7f);
		if (c->at > 0 && (long)r.cr_err_pos != c->at - 1) {
			print_error("case '%s': error at %zu, expected %ld (%s)\n",
			            c->in, r.cr_err_pos, c->at - 1, r.cr_msg);
			fail();
		}
		if (c->msg != NULL && strstr(r.cr_msg, c->msg) == NULL) {
			print_error("case '%s': message '%s' lacks '%s'\n", c->in,
			            r.cr_msg, c->msg);
			fail();
		}
	} else {
		if (r.cr_type != c->type) {
			print_error("case '%s': type %s, expected %s\n", c->in,
			            code_type_name(r.cr_type),
			            code_type_name(c->type));
			fail();
		}
		assert_true(r.cr_key_len > 0 && r.cr_key_len <= CODE_KEY_MAX);
		assert_true(code_key_format(r.cr_key, r.cr_key_len, text,
		                            sizeof(text)) > 0);
		case_str(c, "key", c->key, text);
		assert_int_equal(code_key_type(r.cr_key, r.cr_key_len), r.cr_type);
		/* The canonical text is a scan of the same key. */
		uint8_t back[CODE_KEY_MAX];
		int bl = code_key_parse(text, strlen(text), back);

		assert_int_equal(bl, (int)r.cr_key_len);
		assert_memory_equal(back, r.cr_key, r.cr_key_len);
	}
	case_str(c, "product", c->product, r.cr_product);
	case_str(c, "serial", c->serial, r.cr_serial);
	case_str(c, "lot", c->lot, r.cr_lot);
	code_date_format(&r.cr_expiry, date);
	case_str(c, "expiry", c->expiry, date);
	code_date_format(&r.cr_prod_date, date);
	case_str(c, "production date", c->prod, date);
}

#define RUN_CASES(table)                                                    \
	do {                                                                \
		for (size_t i_ = 0; i_ < sizeof(table) / sizeof(table[0]); i_++) \
			case_run(&table[i_]);                               \
	} while (0)

/* Parse with the test reference year; assert success; return the key
 * length (key copied to key). */
static inline size_t case_key(const char *in, uint8_t key[CODE_KEY_MAX])
{
	struct code_opts opts = { CASE_REF_YEAR, 0 };
	struct code_result r;

	if (code_parse(in, strlen(in), &opts, &r) != CODE_OK) {
		print_error("'%s': %s\n", in, r.cr_msg);
		fail();
	}
	memcpy(key, r.cr_key, r.cr_key_len);
	return r.cr_key_len;
}

#endif /* YIMA_TEST_CODE_CASES_H */
