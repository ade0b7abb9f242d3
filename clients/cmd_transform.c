/*
 * cmd_transform — repackaging from the command line:
 *
 *   yima transform --inputs C1,C2 --outputs O1,O2 --site S --lot L
 *                  --expiry YYYY-MM-DD [--product P] [--ref R] [--time T]
 *
 * It sends TRANSFORM INPUTS ... OUTPUTS ... SITE s LOT l EXPIRY d
 * [PRODUCT p] [REF r] [TIME t] (proto/PROTOCOL.md) and prints the reply.
 * Every code of both lists goes through the codecs first (a scan that is
 * no code is not sent, and the message names the list and the code's
 * place in it); the server checks the rest.
 *
 * Exit status: 0, 1 for an error reply, 2 for usage or no connection.
 */
#include "cli.h"
#include "output.h"
#include "xmem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TRANSFORM_USAGE "yima transform --inputs C1,C2 --outputs O1,O2 --site S --lot L " \
			"--expiry YYYY-MM-DD [--product P] [--ref R] [--time T]"

/* Codes one list may hold (a bulk load goes through `yima load`). */
#define LIST_MAX 1000

enum { T_INPUTS, T_OUTPUTS, T_SITE, T_LOT, T_EXPIRY, T_PRODUCT, T_REF, T_TIME, T__COUNT };

/* The server's word for each option, after the two lists. */
static const char *const words[T__COUNT] = {
	[T_SITE] = "SITE", [T_LOT] = "LOT", [T_EXPIRY] = "EXPIRY", [T_PRODUCT] = "PRODUCT",
	[T_REF] = "REF", [T_TIME] = "TIME",
};

/*
 * Comma-separated list `text` (the value of `flag`) into codes[*n...],
 * each through the codecs, their texts appended to args/lens after `word`.
 * 0, or -1 after saying what is wrong.  text is cut in place.
 */
static int add_list(const char *flag, const char *word, char *text, struct cli_code *codes,
		    size_t *ncodes, const char **args, size_t *lens, int *n)
{
	args[*n] = word;
	lens[(*n)++] = strlen(word);
	size_t k = 0;
	for (char *p = text, *end; ; p = end + 1) {
		end = strchr(p, ',');
		if (end)
			*end = '\0';
		k++;
		if (*p == '\0') {
			fprintf(stderr, "yima transform: %s: code %zu is empty\n", flag, k);
			return -1;
		}
		if (k > LIST_MAX) {
			fprintf(stderr, "yima transform: %s: more than %d codes (use yima load)\n",
				flag, LIST_MAX);
			return -1;
		}
		struct cli_code *c = &codes[(*ncodes)++];
		if (cli_code(p, strlen(p), c) != 0) {
			fprintf(stderr, "yima transform: %s: code %zu: %s (at byte %zu)\n", flag, k,
				c->cc_r.cr_msg, c->cc_r.cr_err_pos);
			return -1;
		}
		args[*n] = c->cc_text;
		lens[(*n)++] = c->cc_len;
		if (end == NULL)
			return 0;
	}
}

int cli_transform(const struct cli_opts *o, struct cli_conn *cc, int argc, char **argv)
{
	struct cli_opt opts[T__COUNT] = {
		[T_INPUTS] = { "--inputs", true, NULL }, [T_OUTPUTS] = { "--outputs", true, NULL },
		[T_SITE] = { "--site", true, NULL }, [T_LOT] = { "--lot", true, NULL },
		[T_EXPIRY] = { "--expiry", true, NULL }, [T_PRODUCT] = { "--product", true, NULL },
		[T_REF] = { "--ref", true, NULL }, [T_TIME] = { "--time", true, NULL },
	};
	int npos = cli_getopt("transform", argc, argv, opts, T__COUNT, NULL, 0);
	if (npos == CLI_GETOPT_HELP) {
		printf("usage: %s\n", TRANSFORM_USAGE);
		return EXIT_OK;
	}
	if (npos != 0)
		return cli_usage_error(TRANSFORM_USAGE);
	for (int i = T_INPUTS; i <= T_EXPIRY; i++) {
		if (opts[i].co_value == NULL) {
			fprintf(stderr, "yima transform: %s is required\n", opts[i].co_name);
			return cli_usage_error(TRANSFORM_USAGE);
		}
	}
	/* Room for every code of both lists (a code a byte at least, and a
	 * comma between), the words and the options with their values. */
	size_t most = strlen(opts[T_INPUTS].co_value) + strlen(opts[T_OUTPUTS].co_value) + 2;
	size_t nargs = most + 3 + 2 * T__COUNT, ncodes = 0;
	struct cli_code *codes = xcalloc(most, sizeof *codes);
	const char **args = xcalloc(nargs, sizeof *args);
	size_t *lens = xcalloc(nargs, sizeof *lens);
	char *in = xstrdup(opts[T_INPUTS].co_value), *out = xstrdup(opts[T_OUTPUTS].co_value);
	int n = 0, rc = EXIT_USAGE;
	args[n] = "TRANSFORM";
	lens[n++] = 9;
	if (add_list("--inputs", "INPUTS", in, codes, &ncodes, args, lens, &n) != 0 ||
	    add_list("--outputs", "OUTPUTS", out, codes, &ncodes, args, lens, &n) != 0)
		goto done;
	cli_opt_words(opts, words, T_SITE, T__COUNT, args, lens, &n);
	rc = cli_query(o, cc, n, args, lens, output_text);
done:
	free(in);
	free(out);
	free(codes);
	free(args);
	free(lens);
	return rc;
}
