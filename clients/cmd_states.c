/*
 * cmd_states — the end states a pack may leave the chain in besides a sale
 * and destruction, their undo, and the end of a withdrawal made in error:
 *
 *   yima decommission CODE... --site S --state sample|exported|stolen|checked_out
 *                             [--ref R]
 *   yima reactivate CODE... --site S [--ref R]
 *   yima unwithdraw PRODUCT --reason TEXT
 *
 * They send DECOMMISSION, REACTIVATE and UNWITHDRAW (proto/PROTOCOL.md) and
 * print the reply.  Every CODE goes through the codecs first (a scan that
 * is no code is not sent); the server checks the rest.
 *
 * Exit status: 0, 1 for an error reply, 2 for usage or no connection.
 */
#include "cli.h"
#include "output.h"
#include "xmem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DECOMMISSION_USAGE "yima decommission CODE... --site S " \
			   "--state sample|exported|stolen|checked_out [--ref R]"
#define REACTIVATE_USAGE   "yima reactivate CODE... --site S [--ref R]"
#define UNWITHDRAW_USAGE   "yima unwithdraw PRODUCT --reason TEXT"

/* Codes one command sends at most (a bulk load goes through `yima load`). */
#define CODES_MAX 1000

enum { OPT_SITE, OPT_REF, OPT_STATE };

/* Send verb CODE... SITE s [STATE st] [REF r]: the codes are pos[0..npos),
 * opts as above (nopts 2 without --state). */
static int send_codes(const struct cli_opts *o, struct cli_conn *cc, const char *cmd,
		      const char *usage, const char *verb, struct cli_opt *opts, size_t nopts,
		      int argc, char **argv)
{
	char **pos = xcalloc((size_t)argc + 1, sizeof *pos);
	int npos = cli_getopt(cmd, argc, argv, opts, nopts, pos, CODES_MAX);
	int rc = EXIT_USAGE;
	if (npos == CLI_GETOPT_HELP) {
		printf("usage: %s\n", usage);
		rc = EXIT_OK;
		goto out;
	}
	if (npos < 0)
		goto out;
	if (npos == 0) {
		fprintf(stderr, "yima %s: no CODE given\n", cmd);
		cli_usage_error(usage);
		goto out;
	}
	for (size_t i = 0; i < nopts; i++) {
		if (i != OPT_REF && opts[i].co_value == NULL) {
			fprintf(stderr, "yima %s: %s is required\n", cmd, opts[i].co_name);
			cli_usage_error(usage);
			goto out;
		}
	}
	/* verb, the codes, and up to three options with their values */
	struct cli_code *codes = xcalloc((size_t)npos, sizeof *codes);
	const char **args = xcalloc((size_t)npos + 7, sizeof *args);
	size_t *lens = xcalloc((size_t)npos + 7, sizeof *lens);
	int n = 0;
	args[n] = verb;
	lens[n++] = strlen(verb);
	for (int i = 0; i < npos; i++) {
		if (cli_code(pos[i], strlen(pos[i]), &codes[i]) != 0) {
			fprintf(stderr, "yima %s: CODE %d: %s (at byte %zu)\n", cmd, i + 1,
				codes[i].cc_r.cr_msg, codes[i].cc_r.cr_err_pos);
			goto done;
		}
		args[n] = codes[i].cc_text;
		lens[n++] = codes[i].cc_len;
	}
	static const char *const words[] = { [OPT_SITE] = "SITE", [OPT_REF] = "REF",
					      [OPT_STATE] = "STATE" };
	cli_opt_words(opts, words, 0, nopts, args, lens, &n);
	rc = cli_query(o, cc, n, args, lens, output_text);
done:
	free(codes);
	free(args);
	free(lens);
out:
	free(pos);
	return rc;
}

int cli_decommission(const struct cli_opts *o, struct cli_conn *cc, int argc, char **argv)
{
	struct cli_opt opts[] = { [OPT_SITE] = { "--site", true, NULL },
				  [OPT_REF] = { "--ref", true, NULL },
				  [OPT_STATE] = { "--state", true, NULL } };
	return send_codes(o, cc, "decommission", DECOMMISSION_USAGE, "DECOMMISSION", opts, 3,
			  argc, argv);
}

int cli_reactivate(const struct cli_opts *o, struct cli_conn *cc, int argc, char **argv)
{
	struct cli_opt opts[] = { [OPT_SITE] = { "--site", true, NULL },
				  [OPT_REF] = { "--ref", true, NULL } };
	return send_codes(o, cc, "reactivate", REACTIVATE_USAGE, "REACTIVATE", opts, 2, argc,
			  argv);
}

int cli_unwithdraw(const struct cli_opts *o, struct cli_conn *cc, int argc, char **argv)
{
	struct cli_opt opts[] = { { "--reason", true, NULL } };
	char *pos[1];
	int npos = cli_getopt("unwithdraw", argc, argv, opts, 1, pos, 1);
	if (npos == CLI_GETOPT_HELP) {
		printf("usage: %s\n", UNWITHDRAW_USAGE);
		return EXIT_OK;
	}
	if (npos != 1)
		return cli_usage_error(UNWITHDRAW_USAGE);
	if (opts[0].co_value == NULL || opts[0].co_value[0] == '\0') {
		fprintf(stderr, "yima unwithdraw: --reason is required\n");
		return cli_usage_error(UNWITHDRAW_USAGE);
	}
	const char *args[] = { "UNWITHDRAW", pos[0], "REASON", opts[0].co_value };
	return cli_query(o, cc, 4, args, NULL, output_text);
}
