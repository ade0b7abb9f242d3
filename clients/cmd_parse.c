/*
 * cmd_parse — `yima parse [--json] [SCAN ...]`: decode scans offline.
 *
 * Each SCAN (or, with none given, each line of standard input, as a
 * keyboard-wedge scanner types them, GS bytes included) goes through the
 * same codecs as the daemon.  One result per scan; an invalid scan is one
 * line on stderr saying what is wrong and at which byte.
 */
#include "cli.h"
#include "code.h"

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

/* Parse one scan and print it; returns 0 or 2 (invalid). */
static int parse_one(const char *scan, size_t len, bool json, bool several)
{
	struct code_result r;
	enum code_err err = code_parse(scan, len, NULL, &r);
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
	int status = EXIT_OK;
	if (argc > 0) {
		for (int i = 0; i < argc; i++)
			if (parse_one(argv[i], strlen(argv[i]), o->json, argc > 1) != EXIT_OK)
				status = EXIT_USAGE;
		return status;
	}
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	while ((n = getline(&line, &cap, stdin)) >= 0) {
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			n--;
		if (n == 0)
			continue;
		if (parse_one(line, (size_t)n, o->json, true) != EXIT_OK)
			status = EXIT_USAGE;
		fflush(stdout);
	}
	free(line);
	return status;
}
