/*
 * yima — the command-line client.
 *
 *   yima [-h HOST[:PORT][,HOST[:PORT]...]] [-p PORT] [--json] [--timeout SEC]
 *        COMMAND [ARG...]
 *   yima [-h HOST] [-p PORT] [--json]            (interactive, or one
 *                                                 command per input line)
 *   yima [--json] parse [--ref-year YYYY] [SCAN ...]  (offline: decode scans)
 *   yima [options] verify|dispense|undo|trace|alerts|scan ...
 *                                                (scans; clients/CLI.md)
 *
 * Exit status: 0 success, 1 the server replied with an error, 2 usage or
 * connection error; verify, dispense and undo: 3 amber, 4 red.
 */
#include "cli.h"
#include "client.h"
#include "output.h"
#include "show.h"
#include "resp.h"
#include "version.h"
#include "xmem.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* Subcommands that run in the client; lower case, matched exactly.  Those
 * that need the server get a connection set up from -h/-p/--timeout. */
static const struct {
	const char *name;
	bool needs_server;
	int (*run)(const struct cli_opts *o, struct cli_conn *cc, int argc, char **argv);
} subcommands[] = {
	{ "parse", false, cli_parse },
	{ "verify", true, cli_verify },
	{ "dispense", true, cli_dispense },
	{ "undo", true, cli_undo },
	{ "trace", true, cli_trace },
	{ "alerts", true, cli_alerts },
	{ "scan", true, cli_scan },
	{ "load", true, cli_load },
	{ "recall", true, cli_recall },
	{ "lift", true, cli_lift },
	{ "withdraw", true, cli_withdraw },
	{ "impact", true, cli_impact },
	{ "backup", true, cli_backup },
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: yima [options] COMMAND [ARG...]\n"
		"       yima [options]             interactive prompt; without a terminal,\n"
		"                                  one command per line of standard input\n"
		"       yima [--json] parse [--ref-year YYYY] [SCAN...]\n"
		"                                  decode scans offline (no server); with no\n"
		"                                  SCAN, one scan per line of standard input\n"
		"\n"
		"scans (CODE is any scanned form; see clients/CLI.md):\n"
		"  verify CODE [--site S]                       verdict, changes nothing\n"
		"  dispense CODE --site S [--tx T] [--qty N]    record a sale (first scan wins)\n"
		"  undo CODE --site S --tx T                    reverse that sale\n"
		"  trace CODE                                   chain of custody\n"
		"  alerts [--since TIME] [--site S] [--limit N] duplicates, unknowns, diversions\n"
		"  load FILE... [--format csv|epcis] [--batch N] [--skip-bad]\n"
		"                                               bulk-load CSV or EPCIS files\n"
		"  scan --site S [--verify-only] [--tx-prefix P]\n"
		"                                  a counter session: dispense (or verify) each\n"
		"                                  line of standard input (a wedge scanner)\n"
		"\n"
		"recalls (clients/CLI.md):\n"
		"  recall PRODUCT LOT --level 1|2|3 --reason TEXT   stop every sale of a lot\n"
		"  lift PRODUCT LOT --reason TEXT                  end its recall\n"
		"  withdraw PRODUCT --reason TEXT                  stop every lot of a product\n"
		"  impact PRODUCT LOT|CODE [--json|--csv|--dot] [--svg FILE]\n"
		"                                  the recall chain: every site, what it holds,\n"
		"                                  the distribution tree\n"
		"  impact PRODUCT LOT --codes [--site S] [--status ST] [--csv]\n"
		"                                  the lot's codes and where each is\n"
		"\n"
		"operations:\n"
		"  backup [NAME]                    a consistent copy of the store, in the\n"
		"                                   server's backup_dir (admin or local)\n"
		"\n"
		"options:\n"
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
		"  --timeout SEC    give up on a reply after SEC seconds (default 30; 0 = never)\n"
		"  --help           this help\n"
		"  --version        print the version\n"
		"\n"
		"examples:\n"
		"  yima PING\n"
		"  yima PRODUCT SET 06901234567892 name Aspirin units_per_pack 10\n"
		"  yima --json PRODUCT GET 06901234567892\n"
		"  yima INFO writer\n"
		"  yima verify '(01)06901234567892(17)271231(10)A1B2C3(21)SN12345' --site PH-001\n"
		"\n"
		"Upper-case commands go to the server as they are (see proto/PROTOCOL.md);\n"
		"lower-case ones are the client's own subcommands.\n"
		"\n"
		"exit status: 0 success, 1 error reply (or a reply with ok: false, as\n"
		"AUDIT VERIFY of a broken chain), 2 usage, connection error or an\n"
		"invalid scan; verify, dispense and undo: 0 green, 3 amber, 4 red\n");
}

static bool is_error(const struct resp_value *v)
{
	return v->type == RESP_T_ERROR || v->type == RESP_T_BULK_ERROR;
}

/* Print a reply; errors go to stderr in text mode. */
static void print_reply(const struct cli_opts *o, const struct resp_value *v)
{
	if (o->json)
		output_json(stdout, v);
	else
		output_text(is_error(v) ? stderr : stdout, v);
	fflush(stdout);
}

static int run_one(struct cli_conn *cc, const struct cli_opts *o, int argc,
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
	int rc = is_error(&v) || show_false(&v, "ok") ? EXIT_REPLY_ERROR : EXIT_OK;
	resp_value_free(&v);
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
		const char **argv = xmalloc((size_t)argc * sizeof *argv);
		size_t *lens = xmalloc((size_t)argc * sizeof *lens);
		resp_split_inline(line, (size_t)n, args, argc, &err);
		for (int i = 0; i < argc; i++) {
			argv[i] = args[i].ptr;
			lens[i] = args[i].len;
		}
		bool quit = argc == 1 && (strcasecmp(argv[0], "quit") == 0 ||
					  strcasecmp(argv[0], "exit") == 0);
		int rc = quit ? EXIT_OK : run_one(cc, o, argc, argv, lens);
		free(args);
		free(argv);
		free(lens);
		if (quit)
			break;
		if (rc == EXIT_USAGE) {	/* connection lost */
			free(line);
			return EXIT_USAGE;
		}
		if (rc != EXIT_OK)
			status = rc;
	}
	free(line);
	return tty ? EXIT_OK : status;
}

int main(int argc, char **argv)
{
	struct cli_opts o = { .host = "127.0.0.1", .port = "7700", .timeout_ms = 30000 };
	int i;
	o.sec.auth = getenv("YIMA_AUTH");

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--help") == 0) {
			usage(stdout);
			return EXIT_OK;
		} else if (strcmp(a, "--version") == 0) {
			printf("yima %s\n", YIMA_VERSION);
			return EXIT_OK;
		} else if (strcmp(a, "--json") == 0) {
			o.json = true;
		} else if (strcmp(a, "--tls") == 0) {
			o.sec.tls = true;
		} else if ((strcmp(a, "--cacert") == 0 || strcmp(a, "--cert") == 0 ||
			    strcmp(a, "--key") == 0 || strcmp(a, "-a") == 0) && i + 1 < argc) {
			const char *val = argv[++i];
			if (strcmp(a, "--cacert") == 0)
				o.sec.cacert = val;
			else if (strcmp(a, "--cert") == 0)
				o.sec.cert = val;
			else if (strcmp(a, "--key") == 0)
				o.sec.key = val;
			else
				o.sec.auth = val;
		} else if ((strcmp(a, "-h") == 0 || strcmp(a, "-p") == 0 ||
			    strcmp(a, "--timeout") == 0) && i + 1 < argc) {
			const char *val = argv[++i];
			if (a[1] == 'h') {
				o.host = val;
			} else if (a[1] == 'p') {
				o.port = val;
			} else {
				char *end;
				double s = strtod(val, &end);
				if (*end || s < 0 || s > 86400) {
					fprintf(stderr, "yima: --timeout: '%s' is not a number "
						"of seconds\n", val);
					return EXIT_USAGE;
				}
				o.timeout_ms = (int)(s * 1000);
			}
		} else if (strcmp(a, "-") == 0) {
			break;
		} else {
			fprintf(stderr, "yima: unknown option '%s' (or missing value)\n", a);
			usage(stderr);
			return EXIT_USAGE;
		}
	}

	if (o.sec.cacert || o.sec.cert || o.sec.key)
		o.sec.tls = true;	/* certificates only mean anything over TLS */
	char err[300];
	if (client_servers_parse(&o.servers, o.host, o.port, err, sizeof err) != 0) {
		fprintf(stderr, "yima: -h %s: %s\n", o.host, err);
		return EXIT_USAGE;
	}

	for (size_t k = 0; i < argc && k < sizeof subcommands / sizeof subcommands[0]; k++) {
		if (strcmp(argv[i], subcommands[k].name) != 0)
			continue;
		if (!subcommands[k].needs_server)
			return subcommands[k].run(&o, NULL, argc - i - 1, argv + i + 1);
		/* Connected on first use: bad arguments and invalid scans are
		 * refused without a server. */
		struct cli_conn cc;
		cli_conn_init(&cc, &o);
		int rc = subcommands[k].run(&o, &cc, argc - i - 1, argv + i + 1);
		cli_conn_close(&cc);
		return rc;
	}

	struct cli_conn cc;
	cli_conn_init(&cc, &o);
	if (cli_conn_open(&cc) != 0)
		return EXIT_USAGE;
	int rc;
	if (i < argc)
		rc = run_one(&cc, &o, argc - i, (const char *const *)argv + i, NULL);
	else
		rc = interactive(&cc, &o);
	cli_conn_close(&cc);
	return rc;
}
