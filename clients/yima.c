/*
 * yima — the command-line client.
 *
 *   yima [options] SUBCOMMAND [ARG | option ...]   lower case: the client's
 *                                                  own (clients/CLI.md)
 *   yima [options] SERVER-COMMAND [ARG...]          upper case: sent as it is
 *   yima [options]                                  the prompt, or one
 *                                                  command per input line
 *
 * The global options may stand before or after a subcommand
 * (clients/cli_args.h).  A lower-case word that names no subcommand is a
 * usage error with the nearest name, never sent to the server.
 *
 * Exit status: 0 success, 1 the server replied with an error, 2 usage or
 * connection error; verify, dispense and undo: 3 amber, 4 red.
 */
#include "cli.h"
#include "cli_args.h"
#include "command.h"
#include "client.h"
#include "output.h"
#include "show.h"
#include "resp.h"
#include "version.h"
#include "xmem.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* The client's own subcommands, lower case, in the order --help and the
 * prompt's `help` list them.  Those that need the server get a connection
 * set up from the global options, opened on first use. */
static const struct subcommand {
	const char *name;
	bool needs_server;
	int (*run)(const struct cli_opts *o, struct cli_conn *cc, int argc, char **argv);
	const char *args;	/* after the name */
	const char *summary;
} subcommands[] = {
	{ "verify", true, cli_verify, "CODE [--site S] [--brief]",
	  "the verdict; changes nothing" },
	{ "dispense", true, cli_dispense, "CODE --site S [--tx T] [--qty N] [--brief]",
	  "record a sale (first scan wins)" },
	{ "undo", true, cli_undo, "CODE --site S --tx T [--brief]",
	  "reverse that sale" },
	{ "trace", true, cli_trace, "CODE", "chain of custody" },
	{ "alerts", true, cli_alerts, "[--since TIME] [--site S] [--kind K] [--status S] "
	  "[--limit N]", "duplicates, unknowns, diversions, with their handling" },
	{ "scan", true, cli_scan, "--site S [--verify-only|--receive] [--tx-prefix P] "
	  "[--bell|--no-bell]", "a counter session: one scan per line of standard input" },
	{ "load", true, cli_load, "FILE... [--format csv|epcis] [--batch N] [--skip-bad]",
	  "bulk-load CSV or EPCIS files" },
	{ "recall", true, cli_recall, "PRODUCT LOT --level 1|2|3 --reason TEXT",
	  "stop every sale of a lot" },
	{ "lift", true, cli_lift, "PRODUCT LOT --reason TEXT", "end its recall" },
	{ "withdraw", true, cli_withdraw, "PRODUCT --reason TEXT",
	  "stop every lot of a product" },
	{ "decommission", true, cli_decommission,
	  "CODE... --site S --state sample|exported|stolen|checked_out [--ref R]",
	  "packs leave the chain: a sample, exported, stolen, checked out to a ward" },
	{ "reactivate", true, cli_reactivate, "CODE... --site S [--ref R]",
	  "undo a decommission (same site, within the undo window)" },
	{ "unwithdraw", true, cli_unwithdraw, "PRODUCT --reason TEXT",
	  "end a withdrawal made in error" },
	{ "transform", true, cli_transform, "--inputs C1,C2 --outputs O1,O2 --site S --lot L "
	  "--expiry YYYY-MM-DD [--product P] [--ref R] [--time T]",
	  "repackage: input codes consumed, output codes made from them" },
	{ "coldchain", true, cli_coldchain, "release CODE... --reason TEXT",
	  "release units from a cold-chain break after assessment (regulator)" },
	{ "impact", true, cli_impact, "PRODUCT [LOT]|CODE [--region R] [--csv|--dot] "
	  "[--svg FILE] [--codes]", "the recall chain: every site, what it holds" },
	{ "alert", true, cli_alert, "set ID [--status S] [--class C] [--note TEXT]",
	  "handle an alert: its status, classification, note (regulator)" },
	{ "stock", true, cli_stock, "--site S [--product P] [--json|--csv] [--limit N]",
	  "what a site holds, by product and lot" },
	{ "lots", true, cli_lots, "PRODUCT [--json|--csv] [--limit N]",
	  "a product's lots, their status and counts" },
	{ "sites", true, cli_sites, "[--kind K] [--region R] [--expired] [--json|--csv] "
	  "[--limit N]",
	  "the sites" },
	{ "products", true, cli_products, "[--json|--csv] [--limit N]", "the products" },
	{ "contents", true, cli_contents, "CODE [--json|--csv] [--limit N]",
	  "what a container holds, at any depth" },
	{ "risk", true, cli_risk, "[--since TIME] [--region R] [--limit N] [--json|--csv]",
	  "sites ranked for inspection" },
	{ "backup", true, cli_backup, "[NAME]", "a consistent copy of the store (admin)" },
	{ "parse", false, cli_parse, "[--ref-year YYYY] [SCAN...]",
	  "decode scans offline (no server)" },
};
#define NSUBCOMMANDS (sizeof subcommands / sizeof subcommands[0])

static const struct subcommand *subcommand_find(const char *name)
{
	for (size_t k = 0; k < NSUBCOMMANDS; k++)
		if (strcmp(name, subcommands[k].name) == 0)
			return &subcommands[k];
	return NULL;
}

/* One line per subcommand: name, arguments, what it does. */
static void list_subcommands(FILE *f)
{
	for (size_t k = 0; k < NSUBCOMMANDS; k++) {
		const struct subcommand *s = &subcommands[k];
		fprintf(f, "  %s %s\n      %s\n", s->name, s->args, s->summary);
	}
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: yima [options] SUBCOMMAND [ARG | option ...]\n"
		"       yima [options] SERVER-COMMAND [ARG...]\n"
		"       yima [options]             interactive prompt; without a terminal,\n"
		"                                  one command per line of standard input\n"
		"\n"
		"subcommands (lower case, run by the client; clients/CLI.md, yima(1)):\n");
	list_subcommands(f);
	fprintf(f,
		"\n"
		"server commands are written in UPPER CASE and sent as they are\n"
		"(proto/PROTOCOL.md): yima PING, yima PRODUCT GET 06901234567892\n"
		"\n"
		"options (before or after a subcommand; -- ends them):\n"
		"  -h HOST          server host (default 127.0.0.1), or several:\n"
		"                   -h a:7700,b:7700 moves to the next on a connection\n"
		"                   failure (clients/CLI.md, Failover)\n"
		"  -p PORT          server port of a host given alone (default 7700)\n"
		"  --tls            connect over TLS (the server's tls_port)\n"
		"  --cacert FILE    CA bundle that signed the server's certificate\n"
		"  --cert FILE      client certificate (signs in as its site)\n"
		"  --key FILE       the client certificate's key (default: --cert)\n"
		"  -a TOKEN         sign in with AUTH TOKEN (or set YIMA_AUTH)\n"
		"  --json           print replies as JSON\n"
		"  --timeout SEC    give up on a reply after SEC seconds (default 30, scan 5,\n"
		"                   risk and backup never; 0 = never)\n"
		"  --help           this help (after a subcommand: its usage)\n"
		"  --version        print the version\n"
		"\n"
		"examples:\n"
		"  yima verify '(01)06901234567892(17)271231(10)A1B2C3(21)SN12345' --site PH-001\n"
		"  yima trace 83012345678901234567 --json\n"
		"  yima PRODUCT SET 06901234567892 name Aspirin units_per_pack 10\n"
		"\n"
		"exit status: 0 success, 1 error reply (or a reply with ok: false, as\n"
		"AUDIT VERIFY of a broken chain), 2 usage, connection error or an\n"
		"invalid scan; verify, dispense and undo: 0 green, 3 amber, 4 red\n");
}

/* A lower-case word that names no subcommand: say what was meant.  The
 * server is never asked (`yima lock CODE` must not lock a code). */
static int unknown_subcommand(const char *word, bool in_prompt)
{
	const char *names[NSUBCOMMANDS + 1];
	for (size_t k = 0; k < NSUBCOMMANDS; k++)
		names[k] = subcommands[k].name;
	names[NSUBCOMMANDS] = "help";
	const char *near = cli_args_nearest(word, names, NSUBCOMMANDS + 1);
	char upper[64];
	size_t n = strlen(word);
	bool server = false;
	if (n < sizeof upper) {
		for (size_t i = 0; i <= n; i++)
			upper[i] = (char)toupper((unsigned char)word[i]);
		const char *w[1] = { upper };
		int why;
		server = command_lookup(1, w, &n, &why) != NULL || why == 2;
	}
	fprintf(stderr, "yima: '%s' is not a subcommand", show_safe(word));
	if (near)
		fprintf(stderr, "; did you mean '%s'?", near);
	fputc('\n', stderr);
	if (server)
		fprintf(stderr, "yima: server commands are written in upper case: yima %s ...\n",
			upper);
	fprintf(stderr, "yima: '%s' lists the subcommands\n", in_prompt ? "help" : "yima --help");
	return EXIT_USAGE;
}

/* Print a reply: JSON, or text with an error on stderr in the one form
 * every error of yima takes ("yima: CODE message"). */
static void print_reply(const struct cli_opts *o, const struct resp_value *v)
{
	if (o->json)
		output_json(stdout, v);
	else if (show_is_error(v))
		output_error(stderr, v);
	else
		output_text(stdout, v);
	fflush(stdout);
}

/* Send a server command as it is and print its reply.  Returns the exit
 * status; EXIT_USAGE only when the connection failed. */
static int run_raw(struct cli_conn *cc, const struct cli_opts *o, int argc,
		   const char *const *argv, const size_t *lens)
{
	struct resp_value v;
	if (cli_conn_call(cc, argc, argv, lens, cli_safe_to_repeat(argc, argv, lens), &v) != 0)
		return EXIT_USAGE;	/* said */
	/* INFO answers Redis's text: as it is, or as JSON sections. */
	if (v.type == RESP_T_BULK && argc > 0 && strcasecmp(argv[0], "INFO") == 0)
		output_info(stdout, o->json, v.str, v.len);
	else
		print_reply(o, &v);
	/* A check that found something wrong (AUDIT VERIFY: ok false) fails
	 * like an error, so that a script notices. */
	int rc = show_is_error(&v) || show_false(&v, "ok") ? EXIT_REPLY_ERROR : EXIT_OK;
	resp_value_free(&v);
	return rc;
}

static int run_subcommand(const struct subcommand *s, const struct cli_opts *o,
			  struct cli_conn *cc, int argc, char **argv)
{
	return s->run(o, s->needs_server ? cc : NULL, argc, argv);
}

/*
 * One line of the prompt, split into words: a subcommand with the options
 * it takes on the command line (--json; the connection's are fixed when
 * yima starts), `help`, or a server command (after --json, if given).
 * Returns the exit status.
 */
static int prompt_line(struct cli_conn *cc, const struct cli_opts *o, int argc, char **words,
		       const size_t *lens)
{
	if (!cli_args_is_subcommand(words[0]) && words[0][0] != '-')
		return run_raw(cc, o, argc, (const char *const *)words, lens);
	if (strcmp(words[0], "help") == 0) {
		printf("subcommands (as on the command line; `SUBCOMMAND --help` for its usage):\n");
		list_subcommands(stdout);
		printf("\nserver commands are written in UPPER CASE (PING, VERIFY CODE ...,\n"
		       "proto/PROTOCOL.md); quit or exit leaves\n");
		fflush(stdout);
		return EXIT_OK;
	}
	struct cli_opts mine = *o;
	struct cli_args a;
	char err[300];
	int rc;
	if (cli_args_parse(argc, words, &mine, &a, err, sizeof err) != 0) {
		fprintf(stderr, "yima: %s\n", err);
		rc = EXIT_USAGE;
	} else if (a.ca_given & (CLI_GIVEN_CONN | CLI_GIVEN_TIMEOUT)) {
		fprintf(stderr, "yima: the connection's options (-h, -p, -a, --tls, --cacert, "
			"--cert, --key, --timeout) are set when yima starts, not in the prompt\n");
		rc = EXIT_USAGE;
	} else if (a.ca_version) {
		printf("yima %s\n", YIMA_VERSION);
		rc = EXIT_OK;
	} else if (a.ca_argc == 0) {
		rc = EXIT_OK;
	} else if (!cli_args_is_subcommand(a.ca_argv[0])) {
		rc = run_raw(cc, &mine, a.ca_argc, (const char *const *)a.ca_argv, NULL);
	} else {
		const struct subcommand *s = subcommand_find(a.ca_argv[0]);
		rc = s ? run_subcommand(s, &mine, cc, a.ca_argc - 1, a.ca_argv + 1)
		       : unknown_subcommand(a.ca_argv[0], true);
		fflush(stdout);
	}
	cli_args_free(&a);
	return rc;
}

static int interactive(struct cli_conn *cc, const struct cli_opts *o)
{
	bool tty = isatty(0);
	char *line = NULL;
	size_t cap = 0;
	int status = EXIT_OK;

	for (;;) {
		if (tty) {
			char here[CLIENT_HOST_MAX + 16];
			printf("%s> ", cli_conn_server(cc, here, sizeof here));
			fflush(stdout);
		}
		ssize_t n = getline(&line, &cap, stdin);
		if (n < 0)
			break;
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		const char *err = NULL;
		int argc = resp_split_inline(line, (size_t)n, NULL, 1 << 20, &err);
		if (argc < 0) {
			fprintf(stderr, "yima: %s\n", err);
			status = EXIT_REPLY_ERROR;
			continue;
		}
		if (argc == 0)
			continue;
		struct resp_arg *args = xmalloc((size_t)argc * sizeof *args);
		char **words = xcalloc((size_t)argc + 1, sizeof *words);
		size_t *lens = xmalloc((size_t)argc * sizeof *lens);
		resp_split_inline(line, (size_t)n, args, argc, &err);
		/* Subcommands take C strings: each word copied out of the line
		 * (a word with a NUL byte ends there for them). */
		for (int i = 0; i < argc; i++) {
			words[i] = xmalloc(args[i].len + 1);
			memcpy(words[i], args[i].ptr, args[i].len);
			words[i][args[i].len] = '\0';
			lens[i] = args[i].len;
		}
		bool quit = argc == 1 && (strcasecmp(words[0], "quit") == 0 ||
					  strcasecmp(words[0], "exit") == 0);
		bool raw = !cli_args_is_subcommand(words[0]) && words[0][0] != '-';
		int rc = quit ? EXIT_OK : prompt_line(cc, o, argc, words, lens);
		for (int i = 0; i < argc; i++)
			free(words[i]);
		free(args);
		free(words);
		free(lens);
		if (quit)
			break;
		if (raw && rc == EXIT_USAGE) {	/* connection lost */
			free(line);
			return EXIT_USAGE;
		}
		if (tty)
			clearerr(stdin);	/* a scan or parse session ended with Ctrl-D */
		else if (rc != EXIT_OK)
			status = rc;
	}
	free(line);
	return tty ? EXIT_OK : status;
}

int main(int argc, char **argv)
{
	struct cli_opts o = { .host = "127.0.0.1", .port = "7700", .timeout_ms = 30000 };
	o.sec.auth = getenv("YIMA_AUTH");

	struct cli_args a;
	char err[300];
	if (cli_args_parse(argc - 1, argv + 1, &o, &a, err, sizeof err) != 0) {
		fprintf(stderr, "yima: %s\n", err);
		fprintf(stderr, "yima: 'yima --help' lists the options\n");
		cli_args_free(&a);
		return EXIT_USAGE;
	}
	if (a.ca_help || a.ca_version) {
		if (a.ca_help)
			usage(stdout);
		else
			printf("yima %s\n", YIMA_VERSION);
		cli_args_free(&a);
		return EXIT_OK;
	}
	if (o.sec.cacert || o.sec.cert || o.sec.key)
		o.sec.tls = true;	/* certificates only mean anything over TLS */
	if (client_servers_parse(&o.servers, o.host, o.port, err, sizeof err) != 0) {
		fprintf(stderr, "yima: -h %s: %s\n", o.host, err);
		cli_args_free(&a);
		return EXIT_USAGE;
	}

	struct cli_conn cc;
	cli_conn_init(&cc, &o);
	int rc;
	if (a.ca_argc > 0 && cli_args_is_subcommand(a.ca_argv[0])) {
		/* Connected on first use: bad arguments and invalid scans are
		 * refused without a server. */
		const struct subcommand *s = subcommand_find(a.ca_argv[0]);
		rc = s ? run_subcommand(s, &o, &cc, a.ca_argc - 1, a.ca_argv + 1)
		       : unknown_subcommand(a.ca_argv[0], false);
	} else if (cli_conn_open(&cc) != 0) {
		rc = EXIT_USAGE;
	} else if (a.ca_argc > 0) {
		rc = run_raw(&cc, &o, a.ca_argc, (const char *const *)a.ca_argv, NULL);
	} else {
		rc = interactive(&cc, &o);
	}
	cli_conn_close(&cc);
	cli_args_free(&a);
	return rc;
}
