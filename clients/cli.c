/*
 * cli — the plumbing every server subcommand shares: a connection opened
 * on first use (and reopened once for commands that may be repeated),
 * option parsing, and CODE arguments run through the codecs.
 *
 * The connection is lazy on purpose: `yima verify 6901234567892` must say
 * "that is a product barcode" even when no server is reachable, and must
 * not cost the server a connection for it.
 */
#include "cli.h"
#include "command.h"
#include "output.h"
#include "show.h"
#include "zone.h"

#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

void cli_conn_init(struct cli_conn *cc, const struct cli_opts *o)
{
	memset(cc, 0, sizeof *cc);
	cc->cc_opts = o;
	cc->cc_client.fd = -1;
	cc->cc_timeout_ms = o->timeout_ms;
}

void cli_conn_set_timeout(struct cli_conn *cc, int ms)
{
	cc->cc_timeout_ms = ms;
	if (cc->cc_open)
		cc->cc_client.timeout_ms = ms;
}

int cli_conn_open(struct cli_conn *cc)
{
	const struct cli_opts *o = cc->cc_opts;
	if (cc->cc_open)
		return 0;
	if (client_connect_any(&cc->cc_client, &o->servers, &cc->cc_at, cc->cc_timeout_ms,
			       &o->sec, stderr, "yima") != 0) {
		fprintf(stderr, "yima: %s\n", cc->cc_client.err);
		return -1;
	}
	cc->cc_open = true;
	/* Times are shown in the server's zone; one this machine does not
	 * know stays UTC, as sent. */
	zone_set(cc->cc_client.zone);
	return 0;
}

void cli_conn_close(struct cli_conn *cc)
{
	if (cc->cc_open)
		client_close(&cc->cc_client);
	cc->cc_open = false;
}

const char *cli_conn_server(const struct cli_conn *cc, char *buf, size_t n)
{
	return client_server_name(&cc->cc_opts->servers, cc->cc_at, buf, n);
}

bool cli_safe_to_repeat(int argc, const char *const *argv, const size_t *lens)
{
	size_t len[2];
	for (int i = 0; i < 2 && i < argc; i++)
		len[i] = lens ? lens[i] : strlen(argv[i]);
	int why;
	const struct command_spec *spec = argc ? command_lookup(argc, argv, len, &why) : NULL;
	if (spec == NULL || !(spec->flags & CMD_F_WRITE))
		return true;
	if (spec->id != CMD_DISPENSE)
		return false;
	for (int i = 2; i + 1 < argc; i++) {	/* after the code: TX t */
		size_t n = lens ? lens[i] : strlen(argv[i]);
		if (n == 2 && strncasecmp(argv[i], "TX", 2) == 0)
			return true;
	}
	return false;
}

int cli_conn_call(struct cli_conn *cc, int argc, const char *const *argv,
		  const size_t *lens, bool retry, struct resp_value *v)
{
	const struct client_servers *l = &cc->cc_opts->servers;
	char here[CLIENT_HOST_MAX + 16], next[CLIENT_HOST_MAX + 16];
	/* Each server once; with one server, one new connection to it (the
	 * likeliest cause in a long session: it closed an idle connection). */
	size_t tries = l->n > 1 ? l->n : 2;
	for (size_t k = 0;; k++) {
		if (cli_conn_open(cc) != 0)
			return -1;	/* no server answered: said */
		if (client_call(&cc->cc_client, argc, argv, lens, v) == 0)
			return 0;
		/* The connection cannot be trusted to be in step with its
		 * replies any more. */
		client_close(&cc->cc_client);
		cc->cc_open = false;
		cli_conn_server(cc, here, sizeof here);
		if (!retry) {
			fprintf(stderr, "yima: %s: %s%s\n", here, cc->cc_client.err,
				l->n > 1 ? " (not sent again: it may have been applied, and "
				"repeating it is not safe)" : "");
			return -1;
		}
		/* A server too slow to answer in time is not asked twice: with
		 * one server, that would only double the wait. */
		if (k + 1 >= tries || (l->n == 1 && cc->cc_client.timed_out)) {
			fprintf(stderr, "yima: %s: %s\n", here, cc->cc_client.err);
			return -1;
		}
		/* Sent again as it was (same TX): a sale the server already
		 * recorded is answered with its first answer. */
		cc->cc_at = (cc->cc_at + 1) % l->n;
		fprintf(stderr, "yima: %s: %s; %s %s\n", here, cc->cc_client.err,
			l->n > 1 ? "moving to" : "reconnecting to", cli_conn_server(cc, next, sizeof next));
		poll(NULL, 0, 100);
	}
}

static struct cli_opt *find_opt(struct cli_opt *opts, size_t nopts, const char *a, size_t n)
{
	for (size_t k = 0; k < nopts; k++)
		if (strlen(opts[k].co_name) == n && memcmp(opts[k].co_name, a, n) == 0)
			return &opts[k];
	return NULL;
}

int cli_getopt(const char *cmd, int argc, char **argv, struct cli_opt *opts,
	       size_t nopts, char **pos, int maxpos)
{
	int npos = 0;
	bool ended = false;
	for (size_t k = 0; k < nopts; k++)
		opts[k].co_value = NULL;
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		if (!ended && strcmp(a, "--") == 0) {
			ended = true;
			continue;
		}
		if (!ended && strcmp(a, "--help") == 0)
			return CLI_GETOPT_HELP;
		/* No code form starts with "--", so options may come anywhere. */
		if (!ended && a[0] == '-' && a[1] == '-') {
			const char *eq = strchr(a, '=');
			size_t n = eq ? (size_t)(eq - a) : strlen(a);
			struct cli_opt *o = find_opt(opts, nopts, a, n);
			if (o == NULL) {
				fprintf(stderr, "yima %s: unknown option '%.*s'\n", cmd, (int)n, a);
				return -1;
			}
			if (o->co_value) {
				fprintf(stderr, "yima %s: %s given twice\n", cmd, o->co_name);
				return -1;
			}
			if (!o->co_has_value) {
				if (eq) {
					fprintf(stderr, "yima %s: %s takes no value\n", cmd, o->co_name);
					return -1;
				}
				o->co_value = "";
				continue;
			}
			if (eq)
				o->co_value = eq + 1;
			else if (i + 1 < argc)
				o->co_value = argv[++i];
			if (o->co_value == NULL || o->co_value[0] == '\0') {
				fprintf(stderr, "yima %s: %s needs a value\n", cmd, o->co_name);
				o->co_value = NULL;
				return -1;
			}
			continue;
		}
		if (npos == maxpos) {
			fprintf(stderr, "yima %s: unexpected argument '%s'\n", cmd, a);
			return -1;
		}
		pos[npos++] = argv[i];
	}
	return npos;
}

void cli_opt_words(const struct cli_opt *opts, const char *const *words, size_t from, size_t to,
		   const char **args, size_t *lens, int *n)
{
	for (size_t i = from; i < to; i++) {
		if (opts[i].co_value == NULL)
			continue;
		args[*n] = words[i];
		lens[(*n)++] = strlen(words[i]);
		args[*n] = opts[i].co_value;
		lens[(*n)++] = strlen(opts[i].co_value);
	}
}

int cli_usage_error(const char *usage)
{
	fprintf(stderr, "usage: %s\n", usage);
	return EXIT_USAGE;
}

bool cli_one_arg(int npos, const char *usage, int *rc)
{
	if (npos == CLI_GETOPT_HELP) {
		printf("usage: %s\n", usage);
		*rc = EXIT_OK;
		return false;
	}
	if (npos == 0)
		fprintf(stderr, "yima: a CODE is required\n");
	if (npos != 1) {
		*rc = cli_usage_error(usage);
		return false;
	}
	return true;
}

int cli_code(const char *scan, size_t len, struct cli_code *out)
{
	struct code_result *r = &out->cc_r;
	if (code_parse(scan, len, NULL, r) != CODE_OK)
		return -1;
	/* What the scan says about its lot and expiry is part of the check
	 * (LOT_MISMATCH, EXPIRY_MISMATCH): the canonical key drops it. */
	int n = -1;
	if (r->cr_lot[0] == '\0' && r->cr_expiry.cd_year == 0)
		n = code_key_format(r->cr_key, r->cr_key_len, out->cc_canon, sizeof out->cc_canon);
	if (n < 0) {
		out->cc_text = scan;
		out->cc_len = len;
	} else {
		out->cc_text = out->cc_canon;
		out->cc_len = (size_t)n;
	}
	return 0;
}

/* Send the command, print the reply with `human` (or as JSON); returns
 * the exit status. */
int cli_query(const struct cli_opts *o, struct cli_conn *cc, int argc, const char **argv,
		 const size_t *lens, void (*human)(FILE *, const struct resp_value *))
{
	struct resp_value v;
	if (cli_conn_call(cc, argc, argv, lens, false, &v) != 0)
		return EXIT_USAGE;
	int rc = EXIT_OK;
	if (show_is_error(&v)) {
		if (o->json)
			output_json(stdout, &v);
		else
			output_error(stderr, &v);
		rc = EXIT_REPLY_ERROR;
	} else if (o->json) {
		output_json(stdout, &v);
	} else {
		human(stdout, &v);
	}
	resp_value_free(&v);
	fflush(stdout);
	return rc;
}
