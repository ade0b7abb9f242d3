/*
 * cli_args — the global options of yima's command line, taken out of it
 * wherever they stand (cli_args.h says where that is).
 *
 * The parser knows the global options only: a subcommand's own options
 * and their values pass through untouched, to be read by cli_getopt.  So
 * a subcommand value that is itself spelled like a global option (a
 * --reason of "-a") is written --reason=-a, or after "--".
 */
#include "cli_args.h"
#include "xmem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum global { G_NONE, G_HOST, G_PORT, G_AUTH, G_TLS, G_CACERT, G_CERT, G_KEY, G_JSON,
	      G_TIMEOUT, G_HELP, G_VERSION };

static const struct {
	const char *name;
	enum global id;
	bool has_value;
} globals[] = {
	{ "-h", G_HOST, true }, { "-p", G_PORT, true }, { "-a", G_AUTH, true },
	{ "--tls", G_TLS, false }, { "--cacert", G_CACERT, true }, { "--cert", G_CERT, true },
	{ "--key", G_KEY, true }, { "--json", G_JSON, false }, { "--timeout", G_TIMEOUT, true },
	{ "--help", G_HELP, false }, { "--version", G_VERSION, false },
};
#define NGLOBALS (sizeof globals / sizeof globals[0])

/* The global option word a names ("--cacert" or "--cacert=F"); its index
 * in globals, or -1.  *value is what follows '=' (NULL without one). */
static int global_of(const char *a, const char **value)
{
	const char *eq = a[0] == '-' && a[1] == '-' ? strchr(a, '=') : NULL;
	size_t n = eq ? (size_t)(eq - a) : strlen(a);
	*value = eq ? eq + 1 : NULL;
	for (size_t k = 0; k < NGLOBALS; k++)
		if (strlen(globals[k].name) == n && memcmp(globals[k].name, a, n) == 0)
			return (int)k;
	return -1;
}

bool cli_args_is_subcommand(const char *word)
{
	return word[0] >= 'a' && word[0] <= 'z';
}

static int set_timeout(struct cli_opts *o, const char *val, char *err, size_t errlen)
{
	char *end;
	double s = strtod(val, &end);
	if (end == val || *end || !(s >= 0 && s <= 86400)) {
		snprintf(err, errlen, "--timeout: '%s' is not a number of seconds from 0 "
			 "(never) to 86400", val);
		return -1;
	}
	o->timeout_ms = (int)(s * 1000);
	o->timeout_set = true;
	return 0;
}

/* Apply global option k with its value (NULL for a flag). */
static int apply(struct cli_opts *o, struct cli_args *a, size_t k, const char *val,
		 char *err, size_t errlen)
{
	switch (globals[k].id) {
	case G_HOST: o->host = val; break;
	case G_PORT: o->port = val; break;
	case G_AUTH: o->sec.auth = val; break;
	case G_TLS: o->sec.tls = true; break;
	case G_CACERT: o->sec.cacert = val; break;
	case G_CERT: o->sec.cert = val; break;
	case G_KEY: o->sec.key = val; break;
	case G_JSON: o->json = true; break;
	case G_TIMEOUT:
		a->ca_given |= CLI_GIVEN_TIMEOUT;
		return set_timeout(o, val, err, errlen);
	case G_HELP: a->ca_help = true; break;
	case G_VERSION: a->ca_version = true; break;
	case G_NONE: break;
	}
	if (globals[k].id == G_JSON)
		a->ca_given |= CLI_GIVEN_JSON;
	else if (globals[k].id != G_HELP && globals[k].id != G_VERSION)
		a->ca_given |= CLI_GIVEN_CONN;
	return 0;
}

int cli_args_parse(int argc, char **argv, struct cli_opts *o, struct cli_args *a,
		   char *err, size_t errlen)
{
	memset(a, 0, sizeof *a);
	/* The words kept, plus a "--" that may be added, plus the NULL. */
	a->ca_argv = xcalloc((size_t)argc + 2, sizeof *a->ca_argv);
	bool ended = false;	/* after "--" */
	bool raw = false;	/* after an upper-case server command */
	for (int i = 0; i < argc; i++) {
		char *w = argv[i];
		bool have_cmd = a->ca_argc > 0;
		if (ended || raw) {
			a->ca_argv[a->ca_argc++] = w;
			continue;
		}
		if (strcmp(w, "--") == 0) {
			ended = true;
			/* Before the command: the command is the next word and
			 * takes no options either; after a subcommand: it reads
			 * "--" itself. */
			if (!have_cmd) {
				if (i + 1 == argc)
					continue;	/* no command: the prompt */
				a->ca_argv[a->ca_argc++] = argv[++i];
				if (!cli_args_is_subcommand(argv[i]))
					continue;
			}
			a->ca_argv[a->ca_argc++] = w;
			continue;
		}
		const char *val;
		int k = w[0] == '-' ? global_of(w, &val) : -1;
		/* --help after a subcommand asks for its usage. */
		if (k >= 0 && have_cmd && globals[k].id == G_HELP)
			k = -1;
		if (k < 0) {
			if (!have_cmd && w[0] == '-' && w[1] != '\0') {
				snprintf(err, errlen, "unknown option '%s'", w);
				return -1;
			}
			if (!have_cmd && !cli_args_is_subcommand(w))
				raw = true;
			a->ca_argv[a->ca_argc++] = w;
			continue;
		}
		if (!globals[k].has_value && val) {
			snprintf(err, errlen, "%s takes no value", globals[k].name);
			return -1;
		}
		if (globals[k].has_value && val == NULL) {
			if (i + 1 >= argc) {
				snprintf(err, errlen, "%s needs a value", globals[k].name);
				return -1;
			}
			val = argv[++i];
		}
		if (globals[k].has_value && val[0] == '\0') {
			snprintf(err, errlen, "%s needs a value", globals[k].name);
			return -1;
		}
		if (apply(o, a, (size_t)k, val, err, errlen) != 0)
			return -1;
	}
	a->ca_argv[a->ca_argc] = NULL;
	return 0;
}

void cli_args_free(struct cli_args *a)
{
	free(a->ca_argv);
	a->ca_argv = NULL;
	a->ca_argc = 0;
}

/* Optimal string alignment distance between a and b (both short). */
static size_t distance(const char *a, const char *b)
{
	enum { MAXLEN = 32 };
	size_t n = strlen(a), m = strlen(b);
	if (n >= MAXLEN || m >= MAXLEN)
		return MAXLEN;
	size_t d[MAXLEN + 1][MAXLEN + 1];
	for (size_t i = 0; i <= n; i++)
		d[i][0] = i;
	for (size_t j = 0; j <= m; j++)
		d[0][j] = j;
	for (size_t i = 1; i <= n; i++)
		for (size_t j = 1; j <= m; j++) {
			size_t cost = a[i - 1] != b[j - 1];
			size_t best = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < best)
				best = d[i][j - 1] + 1;
			if (d[i - 1][j - 1] + cost < best)
				best = d[i - 1][j - 1] + cost;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    d[i - 2][j - 2] + 1 < best)
				best = d[i - 2][j - 2] + 1;
			d[i][j] = best;
		}
	return d[n][m];
}

const char *cli_args_nearest(const char *word, const char *const *names, size_t n)
{
	size_t limit = strlen(word) <= 4 ? 1 : 2;
	const char *best = NULL;
	size_t best_d = limit + 1;
	for (size_t k = 0; k < n; k++) {
		size_t d = distance(word, names[k]);
		if (d < best_d) {
			best = names[k];
			best_d = d;
		}
	}
	return best;
}
