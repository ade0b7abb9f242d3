/*
 * cmd_states — the end states a pack may leave the chain in besides a sale
 * and destruction, their undo, and the end of a withdrawal made in error:
 *
 *   yima decommission CODE... --site S --state sample|exported|stolen|checked_out
 *                             [--ref R]
 *   yima reactivate CODE... --site S [--ref R]
 *   yima unwithdraw PRODUCT --reason TEXT
 *   yima coldchain release CODE... --reason TEXT
 *
 * They send DECOMMISSION, REACTIVATE, UNWITHDRAW and COLDCHAIN RELEASE
 * (proto/PROTOCOL.md) and print the reply.  Every CODE goes through the codecs first (a scan that
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
#define COLDCHAIN_USAGE    "yima coldchain release CODE... --reason TEXT"

/* Codes one command sends at most (a bulk load goes through `yima load`). */
#define CODES_MAX 1000

/* What a command of codes sends: verb [sub] CODE... with its options.
 * `sub`, when not NULL, is the word the user types first (`release`) and
 * the server's second word (RELEASE). */
struct codes_cmd {
	const char *cmd, *usage, *verb, *sub, *sub_verb;
};

/* Send verb [sub] CODE... and opts[i] as the server's words[i] with its
 * value: the codes are the positional words (after `sub`); every option is
 * required but --ref; nopts of them. */
static int send_codes(const struct cli_opts *o, struct cli_conn *cc, const struct codes_cmd *k,
		      struct cli_opt *opts, const char *const *words, size_t nopts, int argc,
		      char **argv)
{
	char **pos = xcalloc((size_t)argc + 1, sizeof *pos);
	int npos = cli_getopt(k->cmd, argc, argv, opts, nopts, pos, CODES_MAX + 1);
	int rc = EXIT_USAGE, first = k->sub != NULL;
	if (npos == CLI_GETOPT_HELP) {
		printf("usage: %s\n", k->usage);
		rc = EXIT_OK;
		goto out;
	}
	if (npos < 0)
		goto out;
	if (k->sub && (npos == 0 || strcmp(pos[0], k->sub) != 0)) {
		fprintf(stderr, "yima %s: say what to do: %s\n", k->cmd, k->sub);
		cli_usage_error(k->usage);
		goto out;
	}
	if (npos == first || npos - first > CODES_MAX) {
		if (npos == first)
			fprintf(stderr, "yima %s: no CODE given\n", k->cmd);
		else
			fprintf(stderr, "yima %s: more than %d codes\n", k->cmd, CODES_MAX);
		cli_usage_error(k->usage);
		goto out;
	}
	for (size_t i = 0; i < nopts; i++) {
		if (strcmp(opts[i].co_name, "--ref") != 0 && (opts[i].co_value == NULL || opts[i].co_value[0] == '\0')) {
			fprintf(stderr, "yima %s: %s is required\n", k->cmd, opts[i].co_name);
			cli_usage_error(k->usage);
			goto out;
		}
	}
	/* verb, sub, the codes, and up to four options with their values */
	struct cli_code *codes = xcalloc((size_t)npos, sizeof *codes);
	const char **args = xcalloc((size_t)npos + 10, sizeof *args);
	size_t *lens = xcalloc((size_t)npos + 10, sizeof *lens);
	int n = 0;
	args[n] = k->verb;
	lens[n++] = strlen(k->verb);
	if (k->sub) {
		args[n] = k->sub_verb;
		lens[n++] = strlen(k->sub_verb);
	}
	for (int i = first; i < npos; i++) {
		if (cli_code(pos[i], strlen(pos[i]), &codes[i]) != 0) {
			fprintf(stderr, "yima %s: CODE %d: %s (at byte %zu)\n", k->cmd,
				i + 1 - first, codes[i].cc_r.cr_msg, codes[i].cc_r.cr_err_pos);
			goto done;
		}
		args[n] = codes[i].cc_text;
		lens[n++] = codes[i].cc_len;
	}
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
	struct cli_opt opts[] = { { "--site", true, NULL }, { "--ref", true, NULL },
				  { "--state", true, NULL } };
	static const char *const words[] = { "SITE", "REF", "STATE" };
	static const struct codes_cmd k = { "decommission", DECOMMISSION_USAGE, "DECOMMISSION", NULL, NULL };
	return send_codes(o, cc, &k, opts, words, 3, argc, argv);
}

int cli_reactivate(const struct cli_opts *o, struct cli_conn *cc, int argc, char **argv)
{
	struct cli_opt opts[] = { { "--site", true, NULL }, { "--ref", true, NULL } };
	static const char *const words[] = { "SITE", "REF" };
	static const struct codes_cmd k = { "reactivate", REACTIVATE_USAGE, "REACTIVATE", NULL, NULL };
	return send_codes(o, cc, &k, opts, words, 2, argc, argv);
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

int cli_coldchain(const struct cli_opts *o, struct cli_conn *cc, int argc, char **argv)
{
	struct cli_opt opts[] = { { "--reason", true, NULL } };
	static const char *const words[] = { "REASON" };
	static const struct codes_cmd k = { "coldchain", COLDCHAIN_USAGE, "COLDCHAIN", "release",
					    "RELEASE" };
	return send_codes(o, cc, &k, opts, words, 1, argc, argv);
}
