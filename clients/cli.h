/*
 * cli — what yima's subcommands share: options, exit statuses, the server
 * connection and the parsing of their arguments.
 *
 * Lower-case first words that name a subcommand (`yima parse ...`,
 * `yima verify ...`) run here in the client; anything else is sent to the
 * server as a command.
 *
 * Error convention: functions that can fail print one "yima: ..." line on
 * stderr themselves and return -1, so a subcommand only maps the failure
 * to its exit status.
 */
#ifndef YIMA_CLI_H
#define YIMA_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "client.h"
#include "code.h"
#include "resp.h"

enum cli_exit {
	EXIT_OK = 0,		/* success; a GREEN verdict */
	EXIT_REPLY_ERROR = 1,	/* the server replied with an error */
	EXIT_USAGE = 2,		/* usage, connection, or invalid input */
	EXIT_AMBER = 3,		/* verify/dispense/undo: AMBER */
	EXIT_RED = 4,		/* verify/dispense/undo: RED */
};

struct cli_opts {
	const char *host;		/* -h as given: one server or a list */
	const char *port;		/* -p: the port of a host given alone */
	struct client_servers servers;	/* -h parsed (main) */
	bool json;
	int timeout_ms;
	bool timeout_set;		/* --timeout given (scan has its own default) */
	struct client_security sec;	/* --tls, --cacert, --cert, --key, -a */
};

/* ------------------------------------------------------------ connection */

/*
 * The server connection of a subcommand.  main() sets it up from -h, -p and
 * --timeout; it is opened on first use, so a subcommand refuses bad
 * arguments and invalid scans without contacting the server.
 *
 * Failover: with several servers (-h a:7700,b:7700), opening tries each in
 * turn from the current one; a request whose connection fails is sent again
 * on the next server (each server once) when it is safe to repeat, and
 * stderr says where it moved.
 */
struct cli_conn {
	const struct cli_opts *cc_opts;
	struct client cc_client;
	bool cc_open;
	size_t cc_at;			/* the server connected, or to try first */
	int cc_timeout_ms;		/* for a connection or a reply (--timeout) */
};

void cli_conn_init(struct cli_conn *cc, const struct cli_opts *o);
/* Open the connection now if it is not (for subcommands that pipeline on
 * cc_client themselves).  0, or -1 after printing why. */
int cli_conn_open(struct cli_conn *cc);
void cli_conn_close(struct cli_conn *cc);
/* Wait at most ms for a connection or a reply from now on (0 = for ever):
 * the subcommand's own default, when --timeout was not given. */
void cli_conn_set_timeout(struct cli_conn *cc, int ms);

/*
 * Send one command (connecting first when needed) and read its reply into
 * *v, the caller's to free with resp_value_free.  With `retry`, a command
 * whose connection fails after it was sent (closed, reset, timed out) is
 * sent again, as it is, on a new connection to the next server (with one
 * server, to the same one once): only for commands that are safe to repeat
 * (reads, or a DISPENSE with its TX, which the server answers as the first
 * time).  Returns 0, or -1 after printing why on stderr.  lens may be NULL
 * for C strings.
 */
int cli_conn_call(struct cli_conn *cc, int argc, const char *const *argv,
		  const size_t *lens, bool retry, struct resp_value *v);
/* "host:port" of the server cc is on (or will try first). */
const char *cli_conn_server(const struct cli_conn *cc, char *buf, size_t n);
/* Is this request safe to send twice: a command that changes nothing, an
 * unknown one (refused either way), or a DISPENSE with a TX? */
bool cli_safe_to_repeat(int argc, const char *const *argv, const size_t *lens);

/* ------------------------------------------------------------- arguments */

/* One option a subcommand takes: "--site S", "--site=S", or a flag. */
struct cli_opt {
	const char *co_name;	/* with its dashes: "--site" */
	bool co_has_value;
	const char *co_value;	/* set by cli_getopt: the value, or "" for a
				   flag given; NULL when absent */
};

/*
 * Split a subcommand's arguments into options (anywhere; "--" ends them)
 * and positional arguments, stored in order in pos[].  Returns the number
 * of positional arguments; CLI_GETOPT_HELP for "--help"; or -1 after
 * printing what is wrong, naming `cmd` (an unknown option, a missing value,
 * a repeated option, more than maxpos positional arguments).
 */
#define CLI_GETOPT_HELP (-2)
int cli_getopt(const char *cmd, int argc, char **argv, struct cli_opt *opts,
	       size_t nopts, char **pos, int maxpos);

/* Send a command and print the reply with `human`, or as JSON with
 * --json; an error reply goes to stderr.  Returns the exit status. */
int cli_query(const struct cli_opts *o, struct cli_conn *cc, int argc, const char **argv,
	      const size_t *lens, void (*human)(FILE *, const struct resp_value *));

/* Print "usage: USAGE" on stderr; returns EXIT_USAGE. */
int cli_usage_error(const char *usage);

/* The options opts[from..to) given (co_value set) as server words: each
 * its words[i], then its value, appended to args/lens at *n. */
void cli_opt_words(const struct cli_opt *opts, const char *const *words, size_t from, size_t to,
		   const char **args, size_t *lens, int *n);

/* Check cli_getopt's result for a subcommand taking exactly one positional
 * argument (a CODE): true to go on, false with the exit status to return
 * now in *rc (after printing the usage on --help or a wrong count). */
bool cli_one_arg(int npos, const char *usage, int *rc);

/*
 * A CODE argument as it goes to the server.  The scan is parsed by the
 * codecs first; what is sent is its canonical text, or the scan as given
 * when it carries a lot or an expiry (GS1 AIs 10 and 17, HIBC, MA), which
 * the server compares with the record.  cc_text points into cc_canon or
 * into the caller's scan, so it lives as long as both.
 */
struct cli_code {
	struct code_result cc_r;
	const char *cc_text;
	size_t cc_len;
	char cc_canon[CODE_TEXT_MAX];
};

/* Returns 0, or -1 when the scan is not a code: cc_r.cr_msg and
 * cc_r.cr_err_pos say why and where (nothing is printed). */
int cli_code(const char *scan, size_t len, struct cli_code *out);

/* ----------------------------------------------------------- subcommands */

/* Each returns the process exit status; cc is NULL for the offline ones. */

/* yima parse [SCAN ...]: decode scans offline. */
int cli_parse(const struct cli_opts *o, struct cli_conn *cc, int argc, char **argv);
/* yima verify CODE [--site S] [--brief] */
int cli_verify(const struct cli_opts *o, struct cli_conn *cc, int argc, char **argv);
/* yima dispense CODE --site S [--tx T] [--qty N] [--brief] */
int cli_dispense(const struct cli_opts *o, struct cli_conn *cc, int argc, char **argv);
/* yima undo CODE --site S --tx T [--brief] */
int cli_undo(const struct cli_opts *o, struct cli_conn *cc, int argc, char **argv);
/* yima trace CODE */
int cli_trace(const struct cli_opts *o, struct cli_conn *cc, int argc, char **argv);
/* yima alerts [--since T] [--site S] [--kind K] [--status S] [--limit N] */
int cli_alerts(const struct cli_opts *o, struct cli_conn *cc, int argc, char **argv);
/* yima load FILE... [--format csv|epcis] [--batch N] [--skip-bad] */
int cli_load(const struct cli_opts *o, struct cli_conn *cc, int argc, char **argv);
/* yima scan --site S [--verify-only] [--tx-prefix P]: scans from stdin */
int cli_scan(const struct cli_opts *o, struct cli_conn *cc, int argc, char **argv);
/* yima recall / lift / withdraw / impact: clients/cmd_recall.c. */
int cli_recall(const struct cli_opts *o, struct cli_conn *cc, int argc, char **argv);
int cli_lift(const struct cli_opts *o, struct cli_conn *cc, int argc, char **argv);
int cli_withdraw(const struct cli_opts *o, struct cli_conn *cc, int argc, char **argv);
int cli_impact(const struct cli_opts *o, struct cli_conn *cc, int argc, char **argv);
/* yima decommission / reactivate / unwithdraw: clients/cmd_states.c. */
int cli_decommission(const struct cli_opts *o, struct cli_conn *cc, int argc, char **argv);
int cli_reactivate(const struct cli_opts *o, struct cli_conn *cc, int argc, char **argv);
int cli_unwithdraw(const struct cli_opts *o, struct cli_conn *cc, int argc, char **argv);
/* yima transform: clients/cmd_transform.c. */
int cli_transform(const struct cli_opts *o, struct cli_conn *cc, int argc, char **argv);
/* yima coldchain release: clients/cmd_states.c too. */
int cli_coldchain(const struct cli_opts *o, struct cli_conn *cc, int argc, char **argv);
/* yima stock / lots / sites / products / contents / risk / alert set:
 * clients/cmd_lists.c. */
int cli_stock(const struct cli_opts *o, struct cli_conn *cc, int argc, char **argv);
int cli_lots(const struct cli_opts *o, struct cli_conn *cc, int argc, char **argv);
int cli_sites(const struct cli_opts *o, struct cli_conn *cc, int argc, char **argv);
int cli_products(const struct cli_opts *o, struct cli_conn *cc, int argc, char **argv);
int cli_contents(const struct cli_opts *o, struct cli_conn *cc, int argc, char **argv);
int cli_risk(const struct cli_opts *o, struct cli_conn *cc, int argc, char **argv);
int cli_alert(const struct cli_opts *o, struct cli_conn *cc, int argc, char **argv);
/* yima backup [NAME]: clients/cmd_backup.c. */
int cli_backup(const struct cli_opts *o, struct cli_conn *cc, int argc, char **argv);

#endif
