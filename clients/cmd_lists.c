/*
 * cmd_lists — the listings and the inspection list (issue 21):
 *
 *   yima stock --site S [--product P]
 *   yima lots PRODUCT
 *   yima sites [--kind K] [--region R]
 *   yima products
 *   yima contents CODE
 *   yima risk [--since T] [--region R] [--limit N]
 *   yima alert set ID [--status S] [--class C] [--note TEXT]
 *
 * Each listing is a table for people, --json for programs (one JSON array
 * of every row) or --csv (a header row, then one row per entry).  The
 * server answers a page at a time with a `next` cursor; the pages are
 * followed to the end, or until --limit rows were printed.  RISK is one
 * reply, --limit being its LIMIT.
 *
 * Exit status: 0, 1 for an error reply (the rows printed before it stay
 * printed), 2 for usage or no connection.
 */
#include "cli.h"
#include "impact_csv.h"
#include "output.h"
#include "show.h"
#include "zone.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PAGE "1000"	/* rows per request; the server's COUNT */

/* One column of a listing: the row's key, its heading, its width in the
 * table (negative: left-aligned text). */
struct list_col {
	const char *lc_key;
	const char *lc_head;
	int lc_width;
};

/* What a listing asks and prints. */
struct list_spec {
	const char *ls_cmd;		/* the subcommand, for messages */
	const char *ls_list;		/* the reply's key holding the rows; NULL:
					   the reply is the list (RISK) */
	bool ls_paged;			/* follow `next` with AFTER */
	bool ls_indent;			/* CONTENTS: indent the first column by depth */
	const struct list_col *ls_cols;
	size_t ls_ncols;
};

/* A scalar of a row as text: numbers as they are, text escaped for the
 * terminal, times in the server's zone; NULL for null or absent. */
static const char *cell(const struct resp_value *row, const char *key, char *buf, size_t n)
{
	const struct resp_value *v = resp_get(row, key);
	if (v == NULL || v->type == RESP_T_NULL)
		return NULL;
	switch (v->type) {
	case RESP_T_INT:
		snprintf(buf, n, "%lld", (long long)v->integer);
		return buf;
	case RESP_T_BOOL:
		return v->integer ? "true" : "false";
	case RESP_T_DOUBLE:
		snprintf(buf, n, "%.2f", v->dbl);
		return buf;
	case RESP_T_SIMPLE:
	case RESP_T_BULK:
	case RESP_T_VERBATIM:
	case RESP_T_BIGNUM:
		return show_safe(strcmp(key, "time") == 0 ? zone_time(v->str) : v->str);
	default:
		return "?";
	}
}

static void table_head(const struct list_spec *ls)
{
	for (size_t c = 0; c < ls->ls_ncols; c++) {
		const struct list_col *col = &ls->ls_cols[c];
		printf(c + 1 < ls->ls_ncols ? "%*s " : "%*s\n", col->lc_width, col->lc_head);
	}
}

static void table_row(const struct list_spec *ls, const struct resp_value *row)
{
	for (size_t c = 0; c < ls->ls_ncols; c++) {
		const struct list_col *col = &ls->ls_cols[c];
		char buf[64], ind[64];
		const char *s = cell(row, col->lc_key, buf, sizeof buf);
		if (s == NULL)
			s = "-";
		if (c == 0 && ls->ls_indent) {
			long long depth = resp_get_num(row, "depth");
			int k = depth > 0 && depth < 16 ? (int)depth * 2 : 0;
			snprintf(ind, sizeof ind, "%*s%s", k, "", s);
			s = ind;
		}
		printf(c + 1 < ls->ls_ncols ? "%*s " : "%*s\n", col->lc_width, s);
	}
}

static void csv_head(const struct list_spec *ls)
{
	for (size_t c = 0; c < ls->ls_ncols; c++)
		impact_csv_field(stdout, ls->ls_cols[c].lc_key, c + 1 == ls->ls_ncols);
}

static void csv_row(const struct list_spec *ls, const struct resp_value *row)
{
	for (size_t c = 0; c < ls->ls_ncols; c++) {
		char buf[64];
		const char *s = cell(row, ls->ls_cols[c].lc_key, buf, sizeof buf);
		impact_csv_field(stdout, s ? s : "", c + 1 == ls->ls_ncols);
	}
}

enum list_format { LF_TABLE, LF_JSON, LF_CSV };

/*
 * Ask args (argc words; room for four more) page after page and print the
 * rows in `fmt`, at most `limit` of them (0: all).  Returns the exit
 * status.
 */
static int list_run(const struct list_spec *ls, struct cli_conn *cc, const char **args,
		    int argc, enum list_format fmt, unsigned long limit)
{
	char cursor[256] = "";
	unsigned long printed = 0;
	int rc = EXIT_OK;

	if (ls->ls_paged) {
		args[argc++] = "COUNT";
		args[argc++] = PAGE;
	}
	if (fmt == LF_JSON)
		fputs("[", stdout);
	else if (fmt == LF_CSV)
		csv_head(ls);
	else
		table_head(ls);
	for (;;) {
		int m = argc;
		if (cursor[0]) {
			args[m++] = "AFTER";
			args[m++] = cursor;
		}
		struct resp_value v;
		if (cli_conn_call(cc, m, args, NULL, true, &v) != 0) {
			rc = EXIT_USAGE;
			break;
		}
		if (show_is_error(&v)) {
			output_error(stderr, &v);
			resp_value_free(&v);
			rc = EXIT_REPLY_ERROR;
			break;
		}
		const struct resp_value *rows = ls->ls_list ? resp_get_list(&v, ls->ls_list) : &v;
		if (rows && rows->type != RESP_T_ARRAY && rows->type != RESP_T_SET)
			rows = NULL;
		for (size_t i = 0; rows && i < rows->n && (!limit || printed < limit); i++) {
			const struct resp_value *row = &rows->elem[i];
			if (fmt == LF_JSON) {
				fputs(printed ? "," : "", stdout);
				output_json(stdout, row);
			} else if (fmt == LF_CSV) {
				csv_row(ls, row);
			} else {
				table_row(ls, row);
			}
			printed++;
		}
		const char *next = ls->ls_paged ? resp_get_str(&v, "next") : NULL;
		snprintf(cursor, sizeof cursor, "%s", next ? next : "");
		resp_value_free(&v);
		if (!cursor[0] || (limit && printed >= limit))
			break;
	}
	if (fmt == LF_JSON)
		fputs("]\n", stdout);
	else if (fmt == LF_TABLE && rc == EXIT_OK && printed == 0)
		printf("(none)\n");
	fflush(stdout);
	return rc;
}

/* The options every listing takes, then its own (at LO_OWN on). */
enum { LO_JSON, LO_CSV, LO_LIMIT, LO_OWN };

/*
 * Parse a listing's arguments: exactly npos positional ones, the required
 * options named in `required` (indices into opts, -1 ended).  Sets *fmt and
 * *limit.  Returns -1 to go on, or the exit status to return now.
 */
static int list_args(const char *cmd, const char *usage, const struct cli_opts *o, int argc,
		     char **argv, struct cli_opt *opts, size_t nopts, char **pos, int npos,
		     const int *required, enum list_format *fmt, unsigned long *limit)
{
	int got = cli_getopt(cmd, argc, argv, opts, nopts, pos, npos);
	if (got == CLI_GETOPT_HELP) {
		printf("usage: %s\n", usage);
		return EXIT_OK;
	}
	if (got != npos)
		return cli_usage_error(usage);
	for (; required && *required >= 0; required++)
		if (opts[*required].co_value == NULL) {
			fprintf(stderr, "yima %s: %s is required\n", cmd, opts[*required].co_name);
			return cli_usage_error(usage);
		}
	bool json = o->json || opts[LO_JSON].co_value;
	if (json && opts[LO_CSV].co_value) {
		fprintf(stderr, "yima %s: choose one of --json and --csv\n", cmd);
		return cli_usage_error(usage);
	}
	*fmt = json ? LF_JSON : opts[LO_CSV].co_value ? LF_CSV : LF_TABLE;
	*limit = 0;
	const char *l = opts[LO_LIMIT].co_value;
	if (l) {
		char *end;
		errno = 0;
		unsigned long n = strtoul(l, &end, 10);
		if (l[0] < '0' || l[0] > '9' || *end || errno || n == 0 || n > 1000000000UL) {
			fprintf(stderr, "yima %s: --limit must be a number of rows from 1, "
				"not '%s'\n", cmd, show_safe(l));
			return cli_usage_error(usage);
		}
		*limit = n;
	}
	return -1;
}

/* Append "WORD value" to args[*n] for each option of opts[from..to) given;
 * words[i] is the server's word for opts[from + i]. */
static void put_given(const char **args, int *n, const struct cli_opt *opts, size_t from,
		      size_t to, const char *const *words)
{
	for (size_t i = from; i < to; i++)
		if (opts[i].co_value) {
			args[(*n)++] = words[i - from];
			args[(*n)++] = opts[i].co_value;
		}
}

#define LIST_OPTS { "--json", false, NULL }, { "--csv", false, NULL }, { "--limit", true, NULL }
#define NCOLS(a) (sizeof a / sizeof a[0])

/* ----------------------------------------------------------------- stock */

#define STOCK_USAGE "yima stock --site S [--product P] [--json|--csv] [--limit N]"

static const struct list_col stock_cols[] = {
	{ "product", "PRODUCT", -16 }, { "lot", "LOT", -14 }, { "expiry", "EXPIRY", -10 },
	{ "status", "STATUS", -9 }, { "units", "UNITS", 9 }, { "opened", "OPENED", 6 },
	{ "middle_packs", "M.PACKS", 8 }, { "cases", "CASES", 6 }, { "pallets", "PALLETS", 7 },
};

int cli_stock(const struct cli_opts *o, struct cli_conn *cc, int argc, char **argv)
{
	enum { SITE = LO_OWN, PRODUCT, N };
	struct cli_opt opts[N] = { LIST_OPTS, { "--site", true, NULL }, { "--product", true, NULL } };
	static const int required[] = { SITE, -1 };
	enum list_format fmt;
	unsigned long limit;
	int rc = list_args("stock", STOCK_USAGE, o, argc, argv, opts, N, NULL, 0, required,
			   &fmt, &limit);
	if (rc >= 0)
		return rc;
	const char *args[12] = { "STOCK", "SITE", opts[SITE].co_value };
	int n = 3;
	put_given(args, &n, opts, PRODUCT, N, (const char *const[]){ "PRODUCT" });
	static const struct list_spec ls = { "stock", "stock", true, false, stock_cols,
					     NCOLS(stock_cols) };
	return list_run(&ls, cc, args, n, fmt, limit);
}

/* ------------------------------------------------------------------ lots */

#define LOTS_USAGE "yima lots PRODUCT [--json|--csv] [--limit N]"

static const struct list_col lots_cols[] = {
	{ "lot", "LOT", -14 }, { "expiry", "EXPIRY", -10 }, { "status", "STATUS", -9 },
	{ "level", "LEVEL", 5 }, { "units", "UNITS", 9 }, { "in_stock", "IN_STOCK", 9 },
	{ "in_transit", "TRANSIT", 9 }, { "dispensed", "DISPENSED", 10 },
	{ "destroyed", "DESTROYED", 9 }, { "sites", "SITES", 6 },
};

int cli_lots(const struct cli_opts *o, struct cli_conn *cc, int argc, char **argv)
{
	struct cli_opt opts[LO_OWN] = { LIST_OPTS };
	char *pos[1];
	enum list_format fmt;
	unsigned long limit;
	int rc = list_args("lots", LOTS_USAGE, o, argc, argv, opts, LO_OWN, pos, 1, NULL, &fmt,
			   &limit);
	if (rc >= 0)
		return rc;
	const char *args[10] = { "LOTS", "PRODUCT", pos[0] };
	static const struct list_spec ls = { "lots", "lots", true, false, lots_cols,
					     NCOLS(lots_cols) };
	return list_run(&ls, cc, args, 3, fmt, limit);
}

/* ----------------------------------------------------- sites and products */

#define SITES_USAGE "yima sites [--kind K] [--region R] [--expired] [--json|--csv] [--limit N]"
#define PRODUCTS_USAGE "yima products [--json|--csv] [--limit N]"

/* The fields most asked for; --json has every field a record sets. */
static const struct list_col sites_cols[] = {
	{ "id", "SITE", -16 }, { "kind", "KIND", -13 }, { "region", "REGION", -7 },
	{ "name", "NAME", -1 },
};

static const struct list_col products_cols[] = {
	{ "id", "PRODUCT", -16 }, { "units_per_pack", "UNITS/PACK", 10 }, { "name", "NAME", -1 },
};

int cli_sites(const struct cli_opts *o, struct cli_conn *cc, int argc, char **argv)
{
	enum { KIND = LO_OWN, REGION, EXPIRED, N };
	struct cli_opt opts[N] = { LIST_OPTS, { "--kind", true, NULL }, { "--region", true, NULL },
				   { "--expired", false, NULL } };
	enum list_format fmt;
	unsigned long limit;
	int rc = list_args("sites", SITES_USAGE, o, argc, argv, opts, N, NULL, 0, NULL, &fmt,
			   &limit);
	if (rc >= 0)
		return rc;
	const char *args[12] = { "SITE", "LIST" };
	int n = 2;
	put_given(args, &n, opts, KIND, EXPIRED, (const char *const[]){ "KIND", "REGION" });
	if (opts[EXPIRED].co_value)	/* the sites whose licence has expired */
		args[n++] = "EXPIRED";
	static const struct list_spec ls = { "sites", "sites", true, false, sites_cols,
					     NCOLS(sites_cols) };
	return list_run(&ls, cc, args, n, fmt, limit);
}

int cli_products(const struct cli_opts *o, struct cli_conn *cc, int argc, char **argv)
{
	struct cli_opt opts[LO_OWN] = { LIST_OPTS };
	enum list_format fmt;
	unsigned long limit;
	int rc = list_args("products", PRODUCTS_USAGE, o, argc, argv, opts, LO_OWN, NULL, 0, NULL,
			   &fmt, &limit);
	if (rc >= 0)
		return rc;
	const char *args[8] = { "PRODUCT", "LIST" };
	static const struct list_spec ls = { "products", "products", true, false, products_cols,
					     NCOLS(products_cols) };
	return list_run(&ls, cc, args, 2, fmt, limit);
}

/* -------------------------------------------------------------- contents */

#define CONTENTS_USAGE "yima contents CODE [--json|--csv] [--limit N]"

static const struct list_col contents_cols[] = {
	{ "code", "CODE", -44 }, { "level", "LEVEL", 5 }, { "depth", "DEPTH", 5 },
	{ "in", "IN", -1 },
};

int cli_contents(const struct cli_opts *o, struct cli_conn *cc, int argc, char **argv)
{
	struct cli_opt opts[LO_OWN] = { LIST_OPTS };
	char *pos[1];
	enum list_format fmt;
	unsigned long limit;
	int rc = list_args("contents", CONTENTS_USAGE, o, argc, argv, opts, LO_OWN, pos, 1, NULL,
			   &fmt, &limit);
	if (rc >= 0)
		return rc;
	/* The scan is read as verify reads it: an SSCC in brackets or a
	 * GS1 element string goes as its canonical code. */
	struct cli_code c;
	if (cli_code(pos[0], strlen(pos[0]), &c) != 0) {
		fprintf(stderr, "yima contents: '%s' is no code: %s\n", show_safe(pos[0]),
			c.cc_r.cr_msg);
		return EXIT_USAGE;
	}
	char code[CODE_TEXT_MAX + 1];
	snprintf(code, sizeof code, "%.*s", (int)c.cc_len, c.cc_text);
	const char *args[8] = { "CONTENTS", code };
	static const struct list_spec ls = { "contents", "contents", true, true, contents_cols,
					     NCOLS(contents_cols) };
	return list_run(&ls, cc, args, 2, fmt, limit);
}

/* ------------------------------------------------------------------ risk */

#define RISK_USAGE "yima risk [--since TIME] [--region R] [--limit N] [--json|--csv]"

static const struct list_col risk_cols[] = {
	{ "rank", "RANK", 4 }, { "site", "SITE", -16 }, { "sales", "SALES", 8 },
	{ "total", "TOTAL", 6 }, { "per_1000_sales", "PER_1000", 9 },
	{ "duplicates", "DUPS", 5 }, { "unknown_codes", "UNKNOWN", 7 },
	{ "diversions", "DIVERTED", 8 }, { "cold_chain_breaks", "COLD", 5 },
	{ "recalled_or_expired_sales", "RECALLED", 8 }, { "late_recall_acks", "LATE_ACKS", 9 },
};

int cli_risk(const struct cli_opts *o, struct cli_conn *cc, int argc, char **argv)
{
	enum { SINCE = LO_OWN, REGION, N };
	struct cli_opt opts[N] = { LIST_OPTS, { "--since", true, NULL },
				   { "--region", true, NULL } };
	enum list_format fmt;
	unsigned long limit;
	int rc = list_args("risk", RISK_USAGE, o, argc, argv, opts, N, NULL, 0, NULL, &fmt,
			   &limit);
	if (rc >= 0)
		return rc;
	/* The server checks the values and says what is wrong with them. */
	const char *args[10] = { "RISK" };
	int n = 1;
	put_given(args, &n, opts, LO_LIMIT, N, (const char *const[]){ "LIMIT", "SINCE", "REGION" });
	static const struct list_spec ls = { "risk", NULL, false, false, risk_cols,
					     NCOLS(risk_cols) };
	/* RISK reads the whole event log: on a large store whose pages are
	 * not in memory that takes minutes.  Unless --timeout says otherwise,
	 * once connected, wait for the reply however long it takes. */
	if (!o->timeout_set) {
		if (cli_conn_open(cc) != 0)
			return EXIT_USAGE;
		cc->cc_client.timeout_ms = 0;
	}
	return list_run(&ls, cc, args, n, fmt, 0);
}

/* ------------------------------------------------------------- alert set */

#define ALERT_USAGE "yima alert set ID [--status open|investigating|closed] [--class C] " \
		    "[--note TEXT]"

int cli_alert(const struct cli_opts *o, struct cli_conn *cc, int argc, char **argv)
{
	struct cli_opt opts[] = { { "--status", true, NULL }, { "--class", true, NULL },
				  { "--note", true, NULL } };
	static const char *const names[] = { "STATUS", "CLASS", "NOTE" };
	char *pos[2];
	int npos = cli_getopt("alert", argc, argv, opts, 3, pos, 2);
	if (npos == CLI_GETOPT_HELP) {
		printf("usage: %s\n", ALERT_USAGE);
		return EXIT_OK;
	}
	if (npos != 2 || strcmp(pos[0], "set") != 0)
		return cli_usage_error(ALERT_USAGE);
	if (!opts[0].co_value && !opts[1].co_value && !opts[2].co_value) {
		fprintf(stderr, "yima alert set: give --status, --class or --note\n");
		return cli_usage_error(ALERT_USAGE);
	}
	const char *args[9] = { "ALERT", "SET", pos[1] };
	int n = 3;
	put_given(args, &n, opts, 0, 3, names);
	return cli_query(o, cc, n, args, NULL, output_text);
}
