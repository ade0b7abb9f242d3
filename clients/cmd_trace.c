/*
 * cmd_trace — `yima trace CODE` (a code's chain of custody) and
 * `yima alerts` (stored alerts, newest first).  Both only read.
 *
 * Exit status: 0, 1 for an error reply (TRACE of a code with no record is
 * one: NOTFOUND), 2 for usage, an invalid scan or no connection.
 */
#include "cli.h"
#include "output.h"
#include "show.h"

#include <stdio.h>
#include <string.h>

#define TRACE_USAGE  "yima trace CODE"
#define ALERTS_USAGE "yima alerts [--since ISO-TIME] [--site S] [--kind K] " \
		     "[--status open|investigating|closed] [--limit N]"

int cli_trace(const struct cli_opts *o, struct cli_conn *cc, int argc, char **argv)
{
	char *pos[1];
	int rc, npos = cli_getopt("trace", argc, argv, NULL, 0, pos, 1);
	if (npos == -1)
		return cli_usage_error(TRACE_USAGE);
	if (!cli_one_arg(npos, TRACE_USAGE, &rc))
		return rc;
	struct cli_code code;
	if (cli_code(pos[0], strlen(pos[0]), &code) != 0) {
		fprintf(stderr, "yima trace: %s (at byte %zu)\n", code.cc_r.cr_msg,
			code.cc_r.cr_err_pos);
		return EXIT_USAGE;
	}
	const char *args[2] = { "TRACE", code.cc_text };
	size_t lens[2] = { 5, code.cc_len };
	return cli_query(o, cc, 2, args, lens, show_trace);
}

int cli_alerts(const struct cli_opts *o, struct cli_conn *cc, int argc, char **argv)
{
	static const char *const names[] = { "SINCE", "SITE", "LIMIT", "KIND", "STATUS" };
	struct cli_opt opts[] = { { "--since", true, NULL }, { "--site", true, NULL },
				  { "--limit", true, NULL }, { "--kind", true, NULL },
				  { "--status", true, NULL } };
	int npos = cli_getopt("alerts", argc, argv, opts, 5, NULL, 0);
	if (npos == CLI_GETOPT_HELP) {
		printf("usage: %s\n", ALERTS_USAGE);
		return EXIT_OK;
	}
	if (npos != 0)
		return cli_usage_error(ALERTS_USAGE);
	/* The server checks the values (time with offset, known site, range)
	 * and says what is wrong with them. */
	const char *args[11] = { "ALERTS" };
	int n = 1;
	for (int i = 0; i < 5; i++) {
		if (opts[i].co_value == NULL)
			continue;
		args[n++] = names[i];
		args[n++] = opts[i].co_value;
	}
	return cli_query(o, cc, n, args, NULL, show_alerts);
}
