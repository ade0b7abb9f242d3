/*
 * cli — what yima's subcommands share: options and exit statuses.
 *
 * Lower-case first words that name a subcommand (`yima parse ...`) run
 * here in the client; anything else is sent to the server as a command.
 */
#ifndef YIMA_CLI_H
#define YIMA_CLI_H

#include <stdbool.h>

enum cli_exit {
	EXIT_OK = 0,
	EXIT_REPLY_ERROR = 1,	/* the server replied with an error */
	EXIT_USAGE = 2,		/* usage, connection, or invalid input */
};

struct cli_opts {
	const char *host;
	const char *port;
	bool json;
	int timeout_ms;
};

/* yima parse [SCAN ...]: offline, no connection. */
int cli_parse(const struct cli_opts *o, int argc, char **argv);

#endif
