/*
 * test_acl_file — daemon/acl_file.c: the ACL file parser (every error
 * with its line) and lookups; the cases are data.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "acl_file.h"

#define HASH_TEST "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"

struct bad_case {
	const char *text;
	const char *want;	/* the whole message */
};

static const struct bad_case bad_cases[] = {
	{ "token a pharmacy PH1\n", "f:1: a token line is: token NAME ROLE SITE sha256:HEX" },
	{ "\n\ncert a admin - extra\n", "f:3: a cert line is: cert NAME ROLE SITE" },
	{ "token a pharmacy PH1 sha256:zz\n",
	  "f:1: the secret must be sha256: and 64 hex digits (the SHA-256 of the token)" },
	{ "token a pharmacy PH1 md5:" "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\n",
	  "f:1: the secret must be sha256: and 64 hex digits (the SHA-256 of the token)" },
	{ "cert a local -\n", "f:1: 'local' is not a role; roles are pharmacy, hospital, "
	  "distributor, manufacturer, regulator, admin" },
	{ "cert a pharmacy -\n", "f:1: a pharmacy acts for one site: SITE must be a site id "
	  "(1-64 characters from A-Z a-z 0-9 . _ : -)" },
	{ "cert a admin PH1\n", "f:1: an admin acts for no one site: SITE must be -" },
	{ "cert a/b admin -\n", "f:1: NAME must be 1-64 characters from A-Z a-z 0-9 . _ : - @" },
	{ "cert a admin -\ncert a regulator -\n", "f:2: cert 'a' is listed twice" },
	{ "token a admin - " HASH_TEST "\ntoken b admin - " HASH_TEST "\n",
	  "f:2: token 'b' has the same secret as token 'a'" },
	{ "passwd a admin -\n", "f:1: 'passwd' is not an entry kind; lines start with token or cert" },
	{ "cert a admin - x y z\n", "f:1: too many words; a line is: token NAME ROLE SITE "
	  "sha256:HEX, or cert NAME ROLE SITE" },
};

static void test_bad_files(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
		struct acl_list l;
		char err[300];
		const char *t = bad_cases[i].text;
		assert_int_equal(acl_list_parse(t, strlen(t), "f", &l, err, sizeof err), -1);
		assert_string_equal(err, bad_cases[i].want);
		assert_int_equal(l.n, 0);
	}
	/* A NUL byte and an overlong line. */
	struct acl_list l;
	char err[300], line[1100];
	assert_int_equal(acl_list_parse("cert a\0 admin -\n", 16, "f", &l, err, sizeof err), -1);
	assert_string_equal(err, "f:1: a NUL byte in the line");
	memset(line, 'x', sizeof line);
	assert_int_equal(acl_list_parse(line, sizeof line, "f", &l, err, sizeof err), -1);
	assert_string_equal(err, "f:1: line longer than 1024 bytes");
}

static void test_good_file_and_lookups(void **state)
{
	(void)state;
	const char *t = "# comment\r\n"
			"token till-1 pharmacy PH1 " HASH_TEST "  # trailing comment\r\n"
			"\t cert ops.example admin -\n"
			"cert MFR manufacturer MFR";	/* no final newline */
	struct acl_list l;
	char err[300];
	assert_int_equal(acl_list_parse(t, strlen(t), "f", &l, err, sizeof err), 0);
	assert_int_equal(l.n, 3);
	assert_int_equal(l.entries[0].kind, ACL_TOKEN);
	assert_int_equal(l.entries[0].role, ROLE_PHARMACY);
	assert_string_equal(l.entries[0].site, "PH1");
	assert_string_equal(l.entries[1].site, "");

	uint8_t hash[32] = { 0x9f, 0x86, 0xd0, 0x81, 0x88, 0x4c, 0x7d, 0x65, 0x9a, 0x2f, 0xea,
			     0xa0, 0xc5, 0x5a, 0xd0, 0x15, 0xa3, 0xbf, 0x4f, 0x1b, 0x2b, 0x0b,
			     0x82, 0x2c, 0xd1, 0x5d, 0x6c, 0x15, 0xb0, 0xf0, 0x0a, 0x08 };
	assert_ptr_equal(acl_list_token(&l, hash), &l.entries[0]);
	hash[31] ^= 1;
	assert_null(acl_list_token(&l, hash));
	assert_ptr_equal(acl_list_cert(&l, "ops.example"), &l.entries[1]);
	assert_null(acl_list_cert(&l, "till-1"));	/* a token is not a cert */
	acl_list_free(&l);
}

static void test_roles(void **state)
{
	(void)state;
	assert_int_equal(acl_role_parse("regulator", 9), ROLE_REGULATOR);
	assert_int_equal(acl_role_parse("local", 5), ROLE_NONE);
	assert_int_equal(acl_role_parse("Admin", 5), ROLE_NONE);
	assert_true(acl_role_site_scoped(ROLE_HOSPITAL));
	assert_false(acl_role_site_scoped(ROLE_ADMIN));
	assert_string_equal(acl_role_name(ROLE_DISTRIBUTOR), "distributor");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_files),
		cmocka_unit_test(test_good_file_and_lookups),
		cmocka_unit_test(test_roles),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
