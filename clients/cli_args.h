/*
 * cli_args — yima's command line: the global options wherever they stand,
 * and the word that names what to run.
 *
 *   yima [GLOBAL...] subcommand [ARG | GLOBAL ...] [-- ARG...]
 *   yima [GLOBAL...] SERVER-COMMAND [ARG...]
 *
 * Global options (-h, -p, -a, --tls, --cacert, --cert, --key, --json,
 * --timeout, --version, --help) are taken out of the line before the
 * command word and, for a lower-case subcommand, after it too, in any
 * order with its own arguments; what is left goes to the subcommand in
 * order.  "--" ends the options: nothing after it is taken, and it is
 * passed on so that the subcommand stops reading options there too.  The
 * words after an upper-case server command go to the server as they are
 * (an argument "-p" is data there), as with redis-cli.
 *
 * --help after a subcommand is the subcommand's (its usage).
 */
#ifndef YIMA_CLI_ARGS_H
#define YIMA_CLI_ARGS_H

#include <stdbool.h>
#include <stddef.h>

#include "cli.h"

/* Which global options a line gave (cli_args.ca_given). */
enum {
	CLI_GIVEN_CONN = 1 << 0,	/* -h -p -a --tls --cacert --cert --key */
	CLI_GIVEN_JSON = 1 << 1,
	CLI_GIVEN_TIMEOUT = 1 << 2,
};

struct cli_args {
	char **ca_argv;		/* the command word and what follows it, the
				   global options taken out; NULL-terminated,
				   the array is owned (cli_args_free), the
				   strings are argv's */
	int ca_argc;		/* 0: no command (the prompt) */
	bool ca_help;		/* --help before any subcommand */
	bool ca_version;	/* --version */
	unsigned ca_given;	/* CLI_GIVEN_* */
};

/*
 * Read argv[0..argc-1] (the program name not included) into *a, setting
 * the options it gives in *o (others are left as they are).  Returns 0, or
 * -1 with what is wrong in err (an unknown option before the command, an
 * option without its value, a --timeout that is not seconds).
 */
int cli_args_parse(int argc, char **argv, struct cli_opts *o, struct cli_args *a,
		   char *err, size_t errlen);
void cli_args_free(struct cli_args *a);

/* Is word a subcommand's name by its form: it starts with a lower-case
 * letter.  Server commands are written in upper case. */
bool cli_args_is_subcommand(const char *word);

/*
 * The name in names[0..n-1] nearest to word (fewest single-character
 * insertions, deletions, substitutions and swaps of neighbours), if close
 * enough to be a typo of it: at most 1 edit for words up to 4 characters,
 * 2 beyond.  NULL when none is.
 */
const char *cli_args_nearest(const char *word, const char *const *names, size_t n);

#endif
