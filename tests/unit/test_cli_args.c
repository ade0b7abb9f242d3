/*
 * test_cli_args — yima's command line (clients/cli_args.c): global options
 * before and after a subcommand, "--", server commands taking their words
 * as they are, the errors, and the nearest subcommand for a typo.  A table
 * of lines: what the subcommand gets, and the options set.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "cli_args.h"

#define expect(cond, ...) do { if (!(cond)) fail_msg(__VA_ARGS__); } while (0)
#define MAXW 12

static const struct {
	const char *line[MAXW];		/* the words after "yima" */
	const char *rest;		/* what is left, joined by '|' */
	bool json;
	const char *host, *port, *auth;
	int timeout_ms;			/* -1: not given */
	bool help, version;
} ok_cases[] = {
	{ { "verify", "C", "--json" }, "verify|C", true, NULL, NULL, NULL, -1, false, false },
	{ { "--json", "verify", "C" }, "verify|C", true, NULL, NULL, NULL, -1, false, false },
	{ { "verify", "C", "--site", "S", "-p", "7777", "-h", "db" }, "verify|C|--site|S",
	  false, "db", "7777", NULL, -1, false, false },
	{ { "parse", "C", "--json" }, "parse|C", true, NULL, NULL, NULL, -1, false, false },
	{ { "load", "f.csv", "--batch", "10", "-a", "tok" }, "load|f.csv|--batch|10", false,
	  NULL, NULL, "tok", -1, false, false },
	{ { "scan", "--timeout=2.5", "--site", "PH1" }, "scan|--site|PH1", false, NULL, NULL,
	  NULL, 2500, false, false },
	/* "--" ends the options: passed on to the subcommand, nothing taken. */
	{ { "trace", "--", "--json" }, "trace|--|--json", false, NULL, NULL, NULL, -1, false,
	  false },
	{ { "--", "trace", "--json" }, "trace|--|--json", false, NULL, NULL, NULL, -1, false,
	  false },
	/* A server command's words go as they are. */
	{ { "-p", "1", "ECHO", "--json", "-p" }, "ECHO|--json|-p", false, NULL, "1", NULL, -1,
	  false, false },
	{ { "--", "ECHO", "--json" }, "ECHO|--json", false, NULL, NULL, NULL, -1, false, false },
	/* --help after a subcommand is its own. */
	{ { "verify", "--help" }, "verify|--help", false, NULL, NULL, NULL, -1, false, false },
	{ { "--help" }, "", false, NULL, NULL, NULL, -1, true, false },
	{ { "trace", "--version" }, "trace", false, NULL, NULL, NULL, -1, false, true },
	{ { "-p", "1" }, "", false, NULL, "1", NULL, -1, false, false },
	{ { "--" }, "", false, NULL, NULL, NULL, -1, false, false },
	/* A subcommand's unknown option is the subcommand's to refuse. */
	{ { "verify", "--bogus", "x" }, "verify|--bogus|x", false, NULL, NULL, NULL, -1, false,
	  false },
};

/* A table's line as argv: its words up to the first NULL. */
static int words(const char *const line[MAXW], char *argv[MAXW])
{
	int argc = 0;
	while (argc < MAXW && line[argc]) {
		argv[argc] = (char *)(uintptr_t)line[argc];
		argc++;
	}
	return argc;
}

static void test_lines(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof ok_cases / sizeof ok_cases[0]; i++) {
		char *argv[MAXW];
		int argc = words(ok_cases[i].line, argv);
		struct cli_opts o = { .timeout_ms = -1 };
		struct cli_args a;
		char err[200] = "";
		expect(cli_args_parse(argc, argv, &o, &a, err, sizeof err) == 0,
		       "case %zu: refused: %s", i, err);
		char rest[200] = "";
		for (int k = 0; k < a.ca_argc; k++)
			snprintf(rest + strlen(rest), sizeof rest - strlen(rest), "%s%s",
				 k ? "|" : "", a.ca_argv[k]);
		expect(a.ca_argv[a.ca_argc] == NULL, "case %zu: not NULL-terminated", i);
		expect(strcmp(rest, ok_cases[i].rest) == 0, "case %zu: left %s, want %s", i, rest,
		       ok_cases[i].rest);
		expect(o.json == ok_cases[i].json, "case %zu: json", i);
		expect((o.host == NULL) == (ok_cases[i].host == NULL) &&
		       (!o.host || strcmp(o.host, ok_cases[i].host) == 0), "case %zu: host", i);
		expect((o.port == NULL) == (ok_cases[i].port == NULL) &&
		       (!o.port || strcmp(o.port, ok_cases[i].port) == 0), "case %zu: port", i);
		expect((o.sec.auth == NULL) == (ok_cases[i].auth == NULL) &&
		       (!o.sec.auth || strcmp(o.sec.auth, ok_cases[i].auth) == 0),
		       "case %zu: auth", i);
		expect(o.timeout_ms == ok_cases[i].timeout_ms, "case %zu: timeout %d", i,
		       o.timeout_ms);
		expect(o.timeout_set == (ok_cases[i].timeout_ms >= 0), "case %zu: timeout_set", i);
		expect(a.ca_help == ok_cases[i].help && a.ca_version == ok_cases[i].version,
		       "case %zu: help/version", i);
		cli_args_free(&a);
	}
}

static const struct {
	const char *line[MAXW];
	const char *err;
} bad_cases[] = {
	{ { "--bogus", "verify" }, "unknown option '--bogus'" },
	{ { "verify", "C", "-h" }, "-h needs a value" },
	{ { "-p" }, "-p needs a value" },
	{ { "--json=yes" }, "--json takes no value" },
	{ { "--timeout", "soon" }, "--timeout: 'soon' is not a number of seconds" },
	{ { "--timeout", "-1" }, "--timeout: '-1' is not a number of seconds" },
	{ { "--cacert=" }, "--cacert needs a value" },
};

static void test_errors(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
		char *argv[MAXW];
		int argc = words(bad_cases[i].line, argv);
		struct cli_opts o = { 0 };
		struct cli_args a;
		char err[200] = "";
		expect(cli_args_parse(argc, argv, &o, &a, err, sizeof err) == -1,
		       "case %zu accepted", i);
		expect(strncmp(err, bad_cases[i].err, strlen(bad_cases[i].err)) == 0,
		       "case %zu: %s, want %s", i, err, bad_cases[i].err);
		cli_args_free(&a);
	}
}

static void test_nearest(void **state)
{
	(void)state;
	static const char *const names[] = { "verify", "dispense", "undo", "trace", "alerts",
					     "scan", "load", "recall", "impact", "parse" };
	static const struct { const char *word, *want; } cases[] = {
		{ "verfy", "verify" }, { "vreify", "verify" }, { "dispence", "dispense" },
		{ "trac", "trace" }, { "alert", "alerts" }, { "scna", "scan" },
		{ "lock", NULL }, { "xyzzy", NULL }, { "ping", NULL }, { "undo", "undo" },
		{ "recal", "recall" }, { "imapct", "impact" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *got = cli_args_nearest(cases[i].word, names,
						   sizeof names / sizeof names[0]);
		expect((got == NULL) == (cases[i].want == NULL) &&
		       (!got || strcmp(got, cases[i].want) == 0), "%s: got %s, want %s",
		       cases[i].word, got ? got : "(none)", cases[i].want ? cases[i].want : "(none)");
	}
	expect(cli_args_is_subcommand("verify") && !cli_args_is_subcommand("VERIFY") &&
	       !cli_args_is_subcommand("Verify") && !cli_args_is_subcommand("-x"),
	       "lower case is a subcommand");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lines),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_nearest),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
