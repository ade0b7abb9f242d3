/*
 * cmd_verify — `yima verify`, `yima dispense` and `yima undo`: one scan,
 * one verdict.
 *
 * The CODE goes through the codecs first, so an EAN-13 or a mistyped scan
 * is refused here (exit 2, one line on stderr saying what and where) and
 * never reaches the server.  The server's verdict map is printed as a
 * traffic-light line and the record, or as JSON, and becomes the exit
 * status: 0 green, 3 amber, 4 red (1 for an error reply).
 */
#include "cli.h"
#include "output.h"
#include "show.h"

#include <stdio.h>
#include <string.h>

#define VERIFY_USAGE   "yima verify CODE [--site S] [--brief]"
#define DISPENSE_USAGE "yima dispense CODE --site S [--tx T] [--qty N] [--brief]"
#define UNDO_USAGE     "yima undo CODE --site S --tx T [--brief]"

/* Most arguments a scan command sends: verb, code, 3 option pairs, BRIEF. */
#define SCAN_ARGS_MAX 9

/* Print a scan reply (brief: asked with BRIEF); returns the exit status it
 * stands for. */
static int print_verdict(const struct cli_opts *o, const struct resp_value *v, bool brief)
{
	if (show_is_error(v)) {
		if (o->json)
			output_json(stdout, v);
		else
			output_error(stderr, v);
		return EXIT_REPLY_ERROR;
	}
	if (resp_get_str(v, "verdict") == NULL) {	/* not a scan reply at all */
		fprintf(stderr, "yima: unexpected reply (%s):\n", resp_type_name(v->type));
		output_text(stderr, v);
		return EXIT_REPLY_ERROR;
	}
	/* A brief reply (--brief) is printed as it came: no record lines,
	 * and no nulls standing in for keys it was asked to leave out. */
	if (o->json && brief) {
		output_json(stdout, v);
	} else if (o->json) {
		show_json_verdict(stdout, v);
	} else {
		show_light(stdout, show_colour(stdout), v, NULL);
		show_record(stdout, v);
	}
	return show_exit(v);
}

/*
 * Send VERB CODE [NAME VALUE ...] [BRIEF] (pairs whose value is NULL are
 * left out; BRIEF when brief is not NULL, the --brief flag given) and
 * print the verdict.  Returns the exit status.
 */
static int judge(const struct cli_opts *o, struct cli_conn *cc, const char *cmd,
		 const char *verb, const char *scan, const char *const *pairs, int npairs,
		 const char *brief)
{
	struct cli_code code;
	if (cli_code(scan, strlen(scan), &code) != 0) {
		fprintf(stderr, "yima %s: %s (at byte %zu)\n", cmd, code.cc_r.cr_msg,
			code.cc_r.cr_err_pos);
		if (o->json)
			show_json_invalid(stdout, &code.cc_r);
		return EXIT_USAGE;
	}
	const char *argv[SCAN_ARGS_MAX];
	size_t lens[SCAN_ARGS_MAX];
	int argc = 0;
	argv[argc] = verb;
	lens[argc++] = strlen(verb);
	argv[argc] = code.cc_text;
	lens[argc++] = code.cc_len;
	for (int i = 0; i < npairs && argc + 2 <= SCAN_ARGS_MAX; i++) {
		if (pairs[2 * i + 1] == NULL)
			continue;
		for (int k = 0; k < 2; k++) {
			argv[argc] = pairs[2 * i + k];
			lens[argc++] = strlen(pairs[2 * i + k]);
		}
	}
	if (brief && argc < SCAN_ARGS_MAX) {
		argv[argc] = "BRIEF";
		lens[argc++] = 5;
	}
	/* A VERIFY, or a DISPENSE with its TX, goes again to the next server
	 * when its connection fails: the server answers a sale it recorded as
	 * the first time.  Without a TX, or an UNDO, it does not. */
	struct resp_value v;
	if (cli_conn_call(cc, argc, argv, lens, cli_safe_to_repeat(argc, argv, lens), &v) != 0)
		return EXIT_USAGE;
	int rc = print_verdict(o, &v, brief != NULL);
	resp_value_free(&v);
	fflush(stdout);
	return rc;
}

int cli_verify(const struct cli_opts *o, struct cli_conn *cc, int argc, char **argv)
{
	struct cli_opt opts[] = { { "--site", true, NULL }, { "--brief", false, NULL } };
	char *pos[1];
	int rc, npos = cli_getopt("verify", argc, argv, opts, 2, pos, 1);
	if (npos == -1)
		return cli_usage_error(VERIFY_USAGE);
	if (!cli_one_arg(npos, VERIFY_USAGE, &rc))
		return rc;
	const char *pairs[] = { "SITE", opts[0].co_value };
	return judge(o, cc, "verify", "VERIFY", pos[0], pairs, 1, opts[1].co_value);
}

/* Is s a whole number > 0?  The server checks the range. */
static bool positive_number(const char *s)
{
	size_t n = strspn(s, "0123456789");
	return n > 0 && s[n] == '\0' && strspn(s, "0") < n;
}

int cli_dispense(const struct cli_opts *o, struct cli_conn *cc, int argc, char **argv)
{
	enum { O_SITE, O_TX, O_QTY, O_BRIEF, O_N };
	struct cli_opt opts[O_N] = { { "--site", true, NULL }, { "--tx", true, NULL },
				     { "--qty", true, NULL }, { "--brief", false, NULL } };
	char *pos[1];
	int rc, npos = cli_getopt("dispense", argc, argv, opts, O_N, pos, 1);
	if (npos == -1)
		return cli_usage_error(DISPENSE_USAGE);
	if (!cli_one_arg(npos, DISPENSE_USAGE, &rc))
		return rc;
	if (opts[O_SITE].co_value == NULL) {
		fprintf(stderr, "yima dispense: --site is required (the site that sells)\n");
		return cli_usage_error(DISPENSE_USAGE);
	}
	if (opts[O_QTY].co_value && !positive_number(opts[O_QTY].co_value)) {
		fprintf(stderr, "yima dispense: --qty '%s' is not a whole number of units "
			"above 0\n", opts[O_QTY].co_value);
		return cli_usage_error(DISPENSE_USAGE);
	}
	const char *pairs[] = { "SITE", opts[O_SITE].co_value, "TX", opts[O_TX].co_value,
				"QTY", opts[O_QTY].co_value };
	return judge(o, cc, "dispense", "DISPENSE", pos[0], pairs, 3, opts[O_BRIEF].co_value);
}

int cli_undo(const struct cli_opts *o, struct cli_conn *cc, int argc, char **argv)
{
	struct cli_opt opts[] = { { "--site", true, NULL }, { "--tx", true, NULL },
				  { "--brief", false, NULL } };
	char *pos[1];
	int rc, npos = cli_getopt("undo", argc, argv, opts, 3, pos, 1);
	if (npos == -1)
		return cli_usage_error(UNDO_USAGE);
	if (!cli_one_arg(npos, UNDO_USAGE, &rc))
		return rc;
	if (opts[0].co_value == NULL || opts[1].co_value == NULL) {
		fprintf(stderr, "yima undo: --site and --tx are required (the sale to reverse)\n");
		return cli_usage_error(UNDO_USAGE);
	}
	const char *pairs[] = { "SITE", opts[0].co_value, "TX", opts[1].co_value };
	return judge(o, cc, "undo", "UNDO", pos[0], pairs, 2, opts[2].co_value);
}
