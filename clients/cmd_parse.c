/*
 * cmd_parse — `yima [--json] parse [--ref-year YYYY] [SCAN ...]`: decode
 * scans offline.
 *
 * Each SCAN (or, with none given, each line of standard input, as a
 * keyboard-wedge scanner types them, GS bytes included) goes through the
 * same codecs as the daemon.  One result per scan; an invalid scan is one
 * line on stderr saying what is wrong and at which byte.
 *
 * Two-digit years (GS1 AI 17, HIBC, MA dates) are read in GS1's window
 * around a reference year: the current UTC year, or --ref-year.
 */
#include "cli.h"
#include "code.h"
#include "xmem.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

static void print_text(const struct code_result *r)
{
	char key[CODE_TEXT_MAX], date[11];
	code_key_format(r->cr_key, r->cr_key_len, key, sizeof key);
	printf("type:       %s (%s)\n", code_type_family(r->cr_type), code_type_name(r->cr_type));
	printf("key:        %s\n", key);
	if (r->cr_product[0])
		printf("product:    %s\n", r->cr_product);
	if (r->cr_serial[0])
		printf("serial:     %s\n", r->cr_serial);
	if (r->cr_lot[0])
		printf("lot:        %s\n", r->cr_lot);
	if (code_date_format(&r->cr_expiry, date))
		printf("expiry:     %s\n", date);
	if (code_date_format(&r->cr_prod_date, date))
		printf("production: %s\n", date);
	if (r->cr_pack != CODE_PACK_UNKNOWN)
		printf("pack:       %s\n", code_pack_name(r->cr_pack));
	printf("form:       %s%s%s\n", code_form_name(r->cr_form), r->cr_aim[0] ? " " : "",
	       r->cr_aim);
}

#define PARSE_USAGE "yima [--json] parse [--ref-year YYYY] [SCAN ...]"

/* The years --ref-year takes: every two-digit year then reads as a year
 * of four digits (1850-9949). */
#define REF_YEAR_MIN 1900
#define REF_YEAR_MAX 9900

/* Read --ref-year's value: four digits, REF_YEAR_MIN to REF_YEAR_MAX.
 * Returns the year, or 0 after printing what is wrong. */
static int ref_year(const char *s)
{
	int y = 0;
	size_t n = strlen(s);
	bool digits = n == 4;
	for (size_t i = 0; digits && i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			digits = false;
		else
			y = y * 10 + (s[i] - '0');
	}
	if (!digits || y < REF_YEAR_MIN || y > REF_YEAR_MAX) {
		fprintf(stderr, "yima parse: --ref-year '%s' is not a year %d-%d (four digits, "
			"e.g. 2026)\n", s, REF_YEAR_MIN, REF_YEAR_MAX);
		return 0;
	}
	return y;
}

/* Parse one scan and print it; returns 0 or 2 (invalid). */
static int parse_one(const char *scan, size_t len, const struct code_opts *co, bool json,
		     bool several)
{
	struct code_result r;
	enum code_err err = code_parse(scan, len, co, &r);
	if (err != CODE_OK) {
		fprintf(stderr, "yima: parse: %s (at byte %zu)\n", r.cr_msg, r.cr_err_pos);
		if (json) {
			char buf[CODE_JSON_MAX];
			code_json(&r, buf, sizeof buf);
			puts(buf);
		}
		return EXIT_USAGE;
	}
	if (json) {
		char buf[CODE_JSON_MAX];
		code_json(&r, buf, sizeof buf);
		puts(buf);
	} else {
		print_text(&r);
		if (several)
			putchar('\n');
	}
	return EXIT_OK;
}

int cli_parse(const struct cli_opts *o, struct cli_conn *cc, int argc, char **argv)
{
	(void)cc;	/* offline */
	struct cli_opt opts[] = { { "--ref-year", true, NULL } };
	char **pos = xmalloc(((size_t)argc + 1) * sizeof *pos);
	int npos = cli_getopt("parse", argc, argv, opts, 1, pos, argc);
	/* Without --ref-year, code_parse reads the current UTC year. */
	struct code_opts co = { .co_ref_year = 0, .co_flags = 0 };
	int status = EXIT_OK;
	if (npos == CLI_GETOPT_HELP)
		printf("usage: %s\n", PARSE_USAGE);
	else if (npos < 0)
		status = cli_usage_error(PARSE_USAGE);
	else if (opts[0].co_value && (co.co_ref_year = ref_year(opts[0].co_value)) == 0)
		status = EXIT_USAGE;
	else if (npos > 0)
		for (int i = 0; i < npos; i++)
			if (parse_one(pos[i], strlen(pos[i]), &co, o->json, npos > 1) != EXIT_OK)
				status = EXIT_USAGE;
	free(pos);
	if (npos != 0 || status != EXIT_OK)
		return status;

	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	while ((n = getline(&line, &cap, stdin)) >= 0) {
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			n--;
		if (n == 0)
			continue;
		if (parse_one(line, (size_t)n, &co, o->json, true) != EXIT_OK)
			status = EXIT_USAGE;
		fflush(stdout);
	}
	free(line);
	return status;
}
