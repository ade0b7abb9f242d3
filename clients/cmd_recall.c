/*
 * cmd_recall — the regulator's subcommands:
 *
 *   yima recall PRODUCT LOT --level N --reason TEXT
 *   yima lift PRODUCT LOT --reason TEXT
 *   yima withdraw PRODUCT --reason TEXT
 *   yima impact PRODUCT LOT [--json|--csv|--dot] [--svg FILE] [--codes]
 *                           [--site S] [--status ST]
 *   yima impact CODE ...    (the lot of that code)
 *   yima impact PRODUCT [--region R] ...   (every lot of it: IMPACT PRODUCT)
 *
 * impact prints the recall chain the server's IMPACT reply describes: a
 * table per site by default; --json the reply itself; --csv one row per
 * site; --dot the distribution tree as Graphviz DOT (--svg FILE renders it
 * with Graphviz's `dot`).  With --codes it lists the lot's codes instead,
 * fetching CODES a page at a time (--site and --status filter them).
 *
 * Exit status: 0, 1 for an error reply, 2 for usage or no connection (or
 * --svg without Graphviz).
 */
#include "cli.h"
#include "impact_csv.h"
#include "impact_tree.h"
#include "output.h"
#include "show.h"
#include "xmem.h"
#include "zone.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#define RECALL_USAGE   "yima recall PRODUCT LOT --level N --reason TEXT"
#define LIFT_USAGE     "yima lift PRODUCT LOT --reason TEXT"
#define WITHDRAW_USAGE "yima withdraw PRODUCT --reason TEXT"
#define IMPACT_USAGE   "yima impact PRODUCT [LOT]|CODE [--region R] [--json|--csv|--dot] " \
		       "[--svg FILE] [--all-sites] [--codes [--site S] [--status ST]]"
#define PAGE "5000"	/* codes per CODES request */

/* Positional arguments and the required options of recall/lift/withdraw;
 * -1 after printing the usage. */
static int parse(const char *cmd, const char *usage, int argc, char **argv, struct cli_opt *opts,
		 size_t nopts, char **pos, int npos_want)
{
	int npos = cli_getopt(cmd, argc, argv, opts, nopts, pos, npos_want);
	if (npos == CLI_GETOPT_HELP) {
		printf("usage: %s\n", usage);
		return -2;
	}
	if (npos != npos_want)
		return cli_usage_error(usage), -1;
	for (size_t i = 0; i < nopts; i++)
		if (opts[i].co_value == NULL || opts[i].co_value[0] == '\0') {
			fprintf(stderr, "yima %s: %s is required\n", cmd, opts[i].co_name);
			return cli_usage_error(usage), -1;
		}
	return 0;
}

static int parse_status(int rc)
{
	return rc == -2 ? EXIT_OK : EXIT_USAGE;
}

int cli_recall(const struct cli_opts *o, struct cli_conn *cc, int argc, char **argv)
{
	struct cli_opt opts[] = { { "--level", true, NULL }, { "--reason", true, NULL } };
	char *pos[2];
	int rc = parse("recall", RECALL_USAGE, argc, argv, opts, 2, pos, 2);
	if (rc)
		return parse_status(rc);
	const char *args[] = { "RECALL", pos[0], pos[1], "LEVEL", opts[0].co_value,
			       "REASON", opts[1].co_value };
	return cli_query(o, cc, 7, args, NULL, output_text);
}

int cli_lift(const struct cli_opts *o, struct cli_conn *cc, int argc, char **argv)
{
	struct cli_opt opts[] = { { "--reason", true, NULL } };
	char *pos[2];
	int rc = parse("lift", LIFT_USAGE, argc, argv, opts, 1, pos, 2);
	if (rc)
		return parse_status(rc);
	const char *args[] = { "LIFT", pos[0], pos[1], "REASON", opts[0].co_value };
	return cli_query(o, cc, 5, args, NULL, output_text);
}

int cli_withdraw(const struct cli_opts *o, struct cli_conn *cc, int argc, char **argv)
{
	struct cli_opt opts[] = { { "--reason", true, NULL } };
	char *pos[1];
	int rc = parse("withdraw", WITHDRAW_USAGE, argc, argv, opts, 1, pos, 1);
	if (rc)
		return parse_status(rc);
	const char *args[] = { "WITHDRAW", pos[0], "REASON", opts[0].co_value };
	return cli_query(o, cc, 4, args, NULL, output_text);
}

/* ---------------------------------------------------------------- impact */

static long long num(const struct resp_value *v, const char *key)
{
	return resp_get_num(v, key);
}

static const char *str(const struct resp_value *v, const char *key)
{
	const char *s = resp_get_str(v, key);
	return s ? show_safe(s) : "";	/* stored text: escaped for the terminal */
}

/* A time of the reply, in the server's zone (zone.h). */
static const char *when(const struct resp_value *v, const char *key)
{
	const char *s = resp_get_str(v, key);
	return s ? show_safe(zone_time(s)) : "";
}

static bool flag(const struct resp_value *v, const char *key)
{
	const struct resp_value *f = resp_get(v, key);
	return f && f->type == RESP_T_BOOL && f->integer;
}

static void human(FILE *f, const struct resp_value *v)
{
	const struct resp_value *recall = resp_get(v, "recall");
	const struct resp_value *totals = resp_get(v, "totals");
	const struct resp_value *lots = resp_get_list(v, "lots");
	if (lots) {
		/* IMPACT PRODUCT: every lot, then the sites added up over them. */
		fprintf(f, "product %s, %zu lots:\n", str(v, "product"), lots->n);
		fprintf(f, "  %-14s %-10s %-9s %5s %9s %9s %9s %10s %9s\n", "LOT", "EXPIRY",
			"STATUS", "LEVEL", "UNITS", "IN_STOCK", "TRANSIT", "DISPENSED",
			"DESTROYED");
		for (size_t i = 0; i < lots->n; i++) {
			const struct resp_value *l = &lots->elem[i];
			long long level = num(l, "level");
			char lv[24] = "-";
			if (level > 0)
				snprintf(lv, sizeof lv, "%lld", level);
			fprintf(f, "  %-14s %-10s %-9s %5s %9lld %9lld %9lld %10lld %9lld\n",
				str(l, "lot"), str(l, "expiry"), str(l, "status"), lv,
				num(l, "units"), num(l, "in_stock"), num(l, "in_transit"),
				num(l, "dispensed"), num(l, "destroyed"));
		}
	} else {
		fprintf(f, "product %s lot %s, expires %s: ", str(v, "product"), str(v, "lot"),
			str(v, "expiry"));
		if (recall && recall->type == RESP_T_MAP)
			fprintf(f, "RECALLED at level %lld on %s (%s); acknowledgements due "
				"by %s\n", num(v, "level"), when(recall, "time"),
				str(recall, "reason"), when(recall, "deadline"));
		else
			fprintf(f, "not recalled\n");
	}
	fprintf(f, "\n%-16s %-12s %9s %9s %10s %9s %9s %7s %6s %8s %-29s %8s\n", "SITE", "KIND",
		"IN_STOCK", "TRANSIT", "DISPENSED", "DESTROYED", "M.PACKS", "CASES", "PALLETS",
		"RETURNED", "ACKNOWLEDGED", "LATE");
	const struct resp_value *sites = resp_get_list(v, "sites");
	for (size_t i = 0; sites && i < sites->n; i++) {
		const struct resp_value *s = &sites->elem[i];
		const char *ack = resp_get_str(s, "acknowledged");
		ack = ack ? show_safe(zone_time(ack)) : NULL;
		fprintf(f, "%-16s %-12s %9lld %9lld %10lld %9lld %9lld %7lld %6lld %8lld %-29s %8s\n",
			str(s, "site"), str(s, "kind"), num(s, "in_stock"), num(s, "in_transit"),
			num(s, "dispensed"), num(s, "destroyed"), num(s, "middle_packs"),
			num(s, "cases"), num(s, "pallets"), num(s, "returned"), ack ? ack : "-",
			flag(s, "past_deadline") ? "LATE" : "");
	}
	const struct resp_value *pa = resp_get(v, "product_archive");
	if (pa && pa->type == RESP_T_MAP) {
		fputs("\nproduct archive: ", f);
		show_product_archive(f, pa);
	}
	if (sites && sites->n)
		fputs("\nlicences:\n", f);
	for (size_t i = 0; sites && i < sites->n; i++) {
		const struct resp_value *s = &sites->elem[i];
		fprintf(f, "  %-16s ", str(s, "site"));
		show_site_archive(f, resp_get(s, "archive"));
	}
	const struct resp_value *transit = resp_get_list(v, "transit");
	if (transit && transit->n) {
		fprintf(f, "\nin transit:\n");
		for (size_t i = 0; i < transit->n; i++) {
			const struct resp_value *t = &transit->elem[i];
			fprintf(f, "  %s -> %s: %lld units (since %s)\n", str(t, "from"),
				str(t, "to"), num(t, "units"), when(t, "since"));
		}
	}
	if (totals)
		fprintf(f, "\ntotal: %lld units: %lld in stock, %lld in transit, %lld dispensed, "
			"%lld destroyed; %lld sites, %lld acknowledged, %lld past the deadline\n",
			num(totals, "units"), num(totals, "in_stock"), num(totals, "in_transit"),
			num(totals, "dispensed"), num(totals, "destroyed"), num(totals, "sites"),
			num(totals, "acknowledged"), num(totals, "past_deadline"));
	/* Lots repackaged from it: a recall reaches their packs too. */
	const struct resp_value *derived = resp_get_list(v, "derived");
	if (derived && derived->n) {
		fprintf(f, "\nrepackaged into %zu lot%s (%lld units; %lld units of this lot "
			"transformed):\n", derived->n, derived->n == 1 ? "" : "s",
			totals ? num(totals, "derived_units") : 0,
			totals ? num(totals, "transformed") : 0);
		fprintf(f, "  %-14s %-14s %-14s %9s %9s %9s %10s %9s\n", "PRODUCT", "LOT",
			"FROM LOT", "UNITS", "IN_STOCK", "TRANSIT", "DISPENSED", "DESTROYED");
		for (size_t i = 0; i < derived->n; i++) {
			const struct resp_value *d = &derived->elem[i];
			fprintf(f, "  %-14s %-14s %-14s %9lld %9lld %9lld %10lld %9lld\n",
				str(d, "product"), str(d, "lot"), str(d, "from_lot"), num(d, "units"),
				num(d, "in_stock"), num(d, "in_transit"), num(d, "dispensed"),
				num(d, "destroyed"));
		}
	}
}

/* A CSV field: quoted when it needs to be (RFC 4180). */
/* A diversion alert's code is looked up (TRACE) to see whether it is of
 * the lot: at most this many. */
#define DIVERSION_LOOKUPS 200

static bool has_site(const struct resp_value *sites, const char *id)
{
	for (size_t i = 0; sites && i < sites->n; i++) {
		const char *site = resp_get_str(&sites->elem[i], "site");
		if (site && strcmp(site, id) == 0)
			return true;
	}
	return false;
}

/*
 * The sites a diversion of the lot reached, as the web page finds them:
 * the diversion alerts (ALERTS, the newest 10,000) at a site of the lot
 * whose code TRACE puts in this lot.  The ids point into *alerts, the
 * caller's to free.  A refused ALERTS (a role without it) finds none.
 */
static size_t diverted_sites(struct cli_conn *cc, const struct resp_value *imp,
			     struct resp_value *alerts, const char **ids, size_t max)
{
	const char *args[] = { "ALERTS", "LIMIT", "10000" };
	size_t n = 0, looked = 0;
	*alerts = (struct resp_value){ .type = RESP_T_NULL };
	if (cli_conn_call(cc, 3, args, NULL, true, alerts) != 0) {
		*alerts = (struct resp_value){ .type = RESP_T_NULL };
		return 0;
	}
	if (show_is_error(alerts) || (alerts->type != RESP_T_ARRAY && alerts->type != RESP_T_SET))
		return 0;
	const struct resp_value *sites = resp_get_list(imp, "sites");
	for (size_t i = 0; i < alerts->n && n < max && looked < DIVERSION_LOOKUPS; i++) {
		const struct resp_value *a = &alerts->elem[i];
		const char *kind = resp_get_str(a, "kind"), *site = resp_get_str(a, "site");
		const char *code = resp_get_str(a, "code");
		if (!kind || !site || !code || strcmp(kind, "diversion") != 0 ||
		    !has_site(sites, site))
			continue;
		bool seen = false;
		for (size_t j = 0; j < n; j++)
			seen |= strcmp(ids[j], site) == 0;
		if (seen)
			continue;
		const char *targs[] = { "TRACE", code };
		struct resp_value t;
		looked++;
		if (cli_conn_call(cc, 2, targs, NULL, true, &t) != 0)
			break;
		const char *product = resp_get_str(&t, "product"), *lot = resp_get_str(&t, "lot");
		const char *of_product = resp_get_str(imp, "product"), *of_lot = resp_get_str(imp, "lot");
		if (!show_is_error(&t) && product && lot && of_product && of_lot &&
		    strcmp(product, of_product) == 0 && strcmp(lot, of_lot) == 0)
			ids[n++] = site;
		resp_value_free(&t);
	}
	return n;
}

/* Render the tree with Graphviz into path.  0, or -1 after saying why. */
static int svg(const struct resp_value *v, const struct impact_tree_opts *to, const char *path)
{
	if (system("command -v dot >/dev/null 2>&1") != 0) {
		fprintf(stderr, "yima impact: --svg needs Graphviz's dot (Debian: apt-get install "
			"graphviz); --dot prints the graph as text\n");
		return -1;
	}
	char cmd[4200];
	if (strchr(path, '\'') || strlen(path) > 4000) {
		fprintf(stderr, "yima impact: --svg: unusable file name\n");
		return -1;
	}
	snprintf(cmd, sizeof cmd, "dot -Tsvg -o '%s'", path);
	FILE *p = popen(cmd, "w");
	if (p == NULL) {
		perror("yima impact: dot");
		return -1;
	}
	impact_tree_dot(p, v, to);
	int st = pclose(p);
	if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		fprintf(stderr, "yima impact: dot could not write %s\n", path);
		return -1;
	}
	return 0;
}

enum { I_JSON, I_CSV, I_DOT, I_SVG, I_ALL, I_CODES, I_SITE, I_STATUS, I_REGION, I_N };

/* --codes: every page of CODES, printed as it arrives. */
static int codes(const struct cli_opts *o, struct cli_conn *cc, char **pos,
		 const struct cli_opt *opts, bool as_csv)
{
	const char *args[13] = { "CODES", pos[0], pos[1], "COUNT", PAGE };
	int n = 5;
	if (opts[I_SITE].co_value) {
		args[n++] = "SITE";
		args[n++] = opts[I_SITE].co_value;
	}
	if (opts[I_STATUS].co_value) {
		args[n++] = "STATUS";
		args[n++] = opts[I_STATUS].co_value;
	}
	char cursor[32] = "";
	if (as_csv)
		printf("code,level,status,site,to\n");
	for (;;) {
		int m = n;
		if (cursor[0]) {
			args[m++] = "AFTER";
			args[m++] = cursor;
		}
		struct resp_value v;
		if (cli_conn_call(cc, m, args, NULL, true, &v) != 0)
			return EXIT_USAGE;
		if (show_is_error(&v)) {
			output_error(stderr, &v);
			resp_value_free(&v);
			return EXIT_REPLY_ERROR;
		}
		const struct resp_value *list_v = resp_get_list(&v, "codes");
		for (size_t i = 0; list_v && i < list_v->n; i++) {
			const struct resp_value *c = &list_v->elem[i];
			if (o->json) {
				output_json(stdout, c);	/* one object per line */
			} else if (as_csv) {
				char lv[8];
				snprintf(lv, sizeof lv, "%lld", num(c, "level"));
				impact_csv_field(stdout, str(c, "code"), false);
				impact_csv_field(stdout, lv, false);
				impact_csv_field(stdout, str(c, "status"), false);
				impact_csv_field(stdout, str(c, "site"), false);
				impact_csv_field(stdout, str(c, "to"), true);
			} else {
				printf("%-40s %lld  %-10s %-16s %s\n", str(c, "code"), num(c, "level"),
				       str(c, "status"), str(c, "site"), str(c, "to"));
			}
		}
		const char *next = resp_get_str(&v, "next");
		snprintf(cursor, sizeof cursor, "%s", next ? next : "");
		resp_value_free(&v);
		if (!cursor[0])
			break;
	}
	fflush(stdout);
	return EXIT_OK;
}

int cli_impact(const struct cli_opts *o, struct cli_conn *cc, int argc, char **argv)
{
	struct cli_opt opts[I_N] = {
		[I_JSON] = { "--json", false, NULL }, [I_CSV] = { "--csv", false, NULL },
		[I_DOT] = { "--dot", false, NULL }, [I_SVG] = { "--svg", true, NULL },
		[I_ALL] = { "--all-sites", false, NULL },
		[I_CODES] = { "--codes", false, NULL }, [I_SITE] = { "--site", true, NULL },
		[I_STATUS] = { "--status", true, NULL }, [I_REGION] = { "--region", true, NULL },
	};
	char *pos[2];
	int npos = cli_getopt("impact", argc, argv, opts, I_N, pos, 2);
	if (npos == CLI_GETOPT_HELP) {
		printf("usage: %s\n", IMPACT_USAGE);
		return EXIT_OK;
	}
	if (npos != 1 && npos != 2)
		return cli_usage_error(IMPACT_USAGE);
	struct cli_opts mine = *o;
	mine.json = o->json || opts[I_JSON].co_value;
	int formats = mine.json + !!opts[I_CSV].co_value + !!opts[I_DOT].co_value;
	if (formats > 1) {
		fprintf(stderr, "yima impact: choose one of --json, --csv and --dot\n");
		return cli_usage_error(IMPACT_USAGE);
	}
	bool want_codes = opts[I_CODES].co_value != NULL;
	if (!want_codes && (opts[I_SITE].co_value || opts[I_STATUS].co_value)) {
		fprintf(stderr, "yima impact: --site and --status go with --codes\n");
		return cli_usage_error(IMPACT_USAGE);
	}
	if (want_codes && (opts[I_DOT].co_value || opts[I_SVG].co_value)) {
		fprintf(stderr, "yima impact: --codes lists codes; --dot and --svg draw the tree\n");
		return cli_usage_error(IMPACT_USAGE);
	}
	if (opts[I_ALL].co_value && !opts[I_DOT].co_value && !opts[I_SVG].co_value) {
		fprintf(stderr, "yima impact: --all-sites goes with --dot or --svg\n");
		return cli_usage_error(IMPACT_USAGE);
	}
	if (want_codes && npos != 2) {
		fprintf(stderr, "yima impact: --codes needs PRODUCT LOT\n");
		return cli_usage_error(IMPACT_USAGE);
	}
	if (want_codes)
		return codes(&mine, cc, pos, opts, opts[I_CSV].co_value != NULL);
	/* One argument is a code of the lot, or a product alone
	 * (`yima impact 8305555`): the chain of every lot of it, IMPACT
	 * PRODUCT, which alone takes a region. */
	struct cli_code one;
	bool product = npos == 1 && cli_code(pos[0], strlen(pos[0]), &one) != 0;
	if (opts[I_REGION].co_value && !product) {
		fprintf(stderr, "yima impact: --region goes with a product alone "
			"(yima impact PRODUCT --region R)\n");
		return cli_usage_error(IMPACT_USAGE);
	}
	const char *args[5] = { "IMPACT", pos[0], npos == 2 ? pos[1] : NULL };
	int nargs = 1 + npos;
	if (product) {
		args[1] = "PRODUCT";
		args[2] = pos[0];
		nargs = 3;
		if (opts[I_REGION].co_value) {
			args[3] = "REGION";
			args[4] = opts[I_REGION].co_value;
			nargs = 5;
		}
	}
	if (opts[I_SVG].co_value || opts[I_DOT].co_value) {
		struct resp_value v, alerts;
		if (cli_conn_call(cc, nargs, args, NULL, true, &v) != 0)
			return EXIT_USAGE;
		int rc = EXIT_OK;
		if (show_is_error(&v)) {
			output_error(stderr, &v);
			resp_value_free(&v);
			return EXIT_REPLY_ERROR;
		}
		const struct resp_value *sites = resp_get_list(&v, "sites");
		size_t max = sites ? sites->n : 0;
		const char **ids = xcalloc(max ? max : 1, sizeof *ids);
		struct impact_tree_opts to = { opts[I_ALL].co_value != NULL, ids, 0 };
		to.ndiverted = diverted_sites(cc, &v, &alerts, ids, max);
		if (opts[I_SVG].co_value && svg(&v, &to, opts[I_SVG].co_value) != 0)
			rc = EXIT_USAGE;
		if (rc == EXIT_OK && opts[I_DOT].co_value) {
			impact_tree_dot(stdout, &v, &to);
			fflush(stdout);
		}
		free(ids);
		resp_value_free(&alerts);
		resp_value_free(&v);
		if (rc || opts[I_DOT].co_value || formats == 0)
			return rc;
	}
	return cli_query(&mine, cc, nargs, args, NULL, opts[I_CSV].co_value ? impact_csv : human);
}
