/*
 * test_lists — the reads of issue 21 against a temporary store with a
 * fixed clock: STOCK, PRODUCT LIST, SITE LIST, LOTS, CONTENTS and RISK
 * (daemon/cmd_lists.c), IMPACT PRODUCT (impact.c), ALERT SET
 * (alert_status.c) and ALERTS' KIND and STATUS filters (alert_list.c).
 * Each command runs through its handler; its reply is read back as JSON.
 * Bad input must be refused with a reason naming it, and change nothing.
 */
#include "rules_fixture.h"

#include <jansson.h>

#include "alert_status.h"
#include "impact.h"
#include "resp.h"
#include "resp_json.h"

#define P "8301234"
#define Q "8305555"
#define CODE(n) "8301234000000000001" #n
#define QCODE "83055550000000000011"
#define CASE "83012340000000000099"
#define UNKNOWN "83012340000000000077"
#define CASE2 "83012340000000000098"
#define PALLET "83012340000000000088"

static void site(struct fx *f, const char *id, const char *kind, const char *region)
{
	const char *pairs[] = { "name", id, "kind", kind, "region", region };
	fx_master(f, &master_site, id, pairs, 6);
}

/* MFR (Beijing) commissions P's lots L1 (codes 1-4) and L2 (code 5) and
 * Q's lot Q1; a case holds codes 1 and 2 and goes to PH1 (Beijing), which
 * receives it and sells code 1 twice (a duplicate) and an unknown code;
 * code 3 goes to PH2 (Shanghai).  Alerts: 1 duplicate, 2 unknown. */
static void scene(struct fx *f)
{
	fx_open(f);
	site(f, "MFR", "manufacturer", "110105");
	site(f, "PH1", "pharmacy", "110105");
	site(f, "PH2", "pharmacy", "310101");
	fx_product(f, P, "1");
	fx_product(f, Q, "1");
	int64_t t = FX_T0 - 10 * FX_DAY_MS;
	fx_do(f, t, "COMMISSION", CODE(1), CODE(2), CODE(3), CODE(4), "SITE", "MFR", "PRODUCT", P,
	      "LOT", "L1", "EXPIRY", "2030-01-01", NULL);
	fx_do(f, t, "COMMISSION", CODE(5), "SITE", "MFR", "PRODUCT", P, "LOT", "L2", "EXPIRY",
	      "2031-01-01", NULL);
	fx_do(f, t, "COMMISSION", QCODE, "SITE", "MFR", "PRODUCT", Q, "LOT", "Q1", "EXPIRY",
	      "2030-06-01", NULL);
	fx_do(f, t, "PACK", CASE, CODE(1), CODE(2), "SITE", "MFR", NULL);
	fx_do(f, t, "SHIP", CASE, "FROM", "MFR", "TO", "PH1", NULL);
	fx_do(f, t, "RECEIVE", CASE, "SITE", "PH1", NULL);
	fx_do(f, t, "SHIP", CODE(3), "FROM", "MFR", "TO", "PH2", NULL);
	fx_do(f, t + 1000, "DISPENSE", CODE(1), "SITE", "PH1", NULL);
	fx_do(f, t + 2000, "DISPENSE", CODE(1), "SITE", "PH1", NULL);
	fx_do(f, t + 3000, "DISPENSE", UNKNOWN, "SITE", "PH1", NULL);
}

/* Run a command line at `ms` in a transaction that is thrown away (or
 * kept: `commit`); its status, and its reply as JSON in *reply. */
static enum cmd_status vrun(struct fx *f, int64_t ms, bool commit, json_t **reply,
			    const char *first, va_list ap)
{
	struct fx_cmd c;
	fx_vparse(&c, ms, first, ap);
	struct resp_out out = { BUF_INIT, 3 };
	struct cmd_ctx ctx = { .cmd = &c.cmd, .cfg = &f->cfg, .out = &out, .txn = fx_begin(f) };
	enum cmd_status st = cmd_run(&ctx);
	if (st == CMD_FAILED)
		fail_msg("%s: store %s", first, store_strerror(ctx.store_rc));
	if (commit && st == CMD_DONE)
		fx_commit(f);
	else
		fx_abort(f);
	struct resp_value v;
	size_t used;
	const char *err;
	if (resp_parse_value(out.b.data, out.b.len, &v, &used, &err) != 1)
		fail_msg("%s: the reply does not parse: %.*s", first, (int)out.b.len, out.b.data);
	*reply = resp_to_json(&v);
	assert_non_null(*reply);
	if (getenv("TEST_LISTS_SHOW")) {
		char *text = json_dumps(*reply, JSON_COMPACT);
		fprintf(stderr, "%s -> %s\n", first, text);
		free(text);
	}
	resp_value_free(&v);
	buf_free(&out.b);
	fx_cmd_free(&c);
	return st;
}

static enum cmd_status run(struct fx *f, json_t **reply, const char *first, ...)
{
	va_list ap;
	va_start(ap, first);
	enum cmd_status st = vrun(f, FX_T0, false, reply, first, ap);
	va_end(ap);
	return st;
}

static enum cmd_status run_write(struct fx *f, int64_t ms, json_t **reply, const char *first, ...)
{
	va_list ap;
	va_start(ap, first);
	enum cmd_status st = vrun(f, ms, true, reply, first, ap);
	va_end(ap);
	return st;
}

/* The command is refused with a reason that says `want`. */
static void vrefused(struct fx *f, int64_t ms, bool write, const char *want, const char *first,
		     va_list ap)
{
	json_t *r;
	assert_int_equal(vrun(f, ms, write, &r, first, ap), CMD_REFUSED);
	const char *why = json_string_value(json_object_get(r, "error"));
	assert_non_null(why);
	if (strstr(why, want) == NULL)
		fail_msg("refusal '%s' does not say '%s'", why, want);
	json_decref(r);
}

static void refused(struct fx *f, const char *want, const char *first, ...)
{
	va_list ap;
	va_start(ap, first);
	vrefused(f, FX_T0, false, want, first, ap);
	va_end(ap);
}

/* The same for a write at `ms`: refused, its transaction thrown away. */
static void refused_write(struct fx *f, int64_t ms, const char *want, const char *first, ...)
{
	va_list ap;
	va_start(ap, first);
	vrefused(f, ms, true, want, first, ap);
	va_end(ap);
}

static const char *str(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	if (s == NULL)
		fail_msg("no text '%s'", k);
	return s;
}

static json_int_t num(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);
	if (!json_is_integer(v))
		fail_msg("no number '%s'", k);
	return json_integer_value(v);
}

static void test_stock_by_lot(void **state)
{
	(void)state;
	struct fx f;
	json_t *r;
	scene(&f);
	assert_int_equal(run(&f, &r, "STOCK", "SITE", "MFR", NULL), CMD_DONE);
	assert_string_equal(str(r, "site"), "MFR");
	json_t *rows = json_object_get(r, "stock");
	assert_int_equal(json_array_size(rows), 3);	/* L1: code 4; L2; Q1 */
	assert_string_equal(str(json_array_get(rows, 0), "lot"), "L1");
	assert_int_equal(num(json_array_get(rows, 0), "units"), 1);
	assert_string_equal(str(json_array_get(rows, 1), "lot"), "L2");
	assert_string_equal(str(json_array_get(rows, 2), "product"), Q);
	assert_true(json_is_null(json_object_get(r, "next")));
	json_decref(r);

	/* PH1 holds code 2, still in its pack; code 1 is sold. */
	assert_int_equal(run(&f, &r, "STOCK", "SITE", "PH1", NULL), CMD_DONE);
	rows = json_object_get(r, "stock");
	assert_int_equal(json_array_size(rows), 1);
	assert_int_equal(num(json_array_get(rows, 0), "units"), 1);
	assert_int_equal(num(json_array_get(rows, 0), "middle_packs"), 1);
	assert_string_equal(str(json_array_get(rows, 0), "expiry"), "2030-01-01");
	json_decref(r);

	assert_int_equal(run(&f, &r, "STOCK", "SITE", "MFR", "PRODUCT", Q, NULL), CMD_DONE);
	rows = json_object_get(r, "stock");
	assert_int_equal(json_array_size(rows), 1);
	assert_string_equal(str(json_array_get(rows, 0), "lot"), "Q1");
	json_decref(r);
	fx_close(&f);
}

/* The opened packs of each lot at a site: S's packs (10 units) S1 at PH1
 * and S2 at PH2, each pharmacy selling part of one; PH1 counts its own
 * alone, not PH2's of the same lot; sold out, a pack is no longer opened;
 * a lot PH1 holds only an opened pack of is listed with no units. */
#define S "8307777"
#define SCODE(n) "8307777000000000000" #n
static void test_stock_opened_packs(void **state)
{
	(void)state;
	struct fx f;
	json_t *r;
	scene(&f);
	fx_product(&f, S, "10");
	int64_t t = FX_T0 - 5 * FX_DAY_MS;
	fx_do(&f, t, "COMMISSION", SCODE(1), SCODE(2), SCODE(3), "SITE", "MFR", "PRODUCT", S,
	      "LOT", "S1", "EXPIRY", "2030-01-01", NULL);
	fx_do(&f, t, "COMMISSION", SCODE(4), "SITE", "MFR", "PRODUCT", S, "LOT", "S2", "EXPIRY",
	      "2030-01-01", NULL);
	fx_do(&f, t, "SHIP", SCODE(1), SCODE(2), SCODE(4), "FROM", "MFR", "TO", "PH1", NULL);
	fx_do(&f, t, "RECEIVE", SCODE(1), SCODE(2), SCODE(4), "SITE", "PH1", NULL);
	fx_do(&f, t, "SHIP", SCODE(3), "FROM", "MFR", "TO", "PH2", NULL);
	fx_do(&f, t, "RECEIVE", SCODE(3), "SITE", "PH2", NULL);
	fx_do(&f, t + 1000, "DISPENSE", SCODE(1), "SITE", "PH1", "TX", "A", "QTY", "4", NULL);
	fx_do(&f, t + 1000, "DISPENSE", SCODE(3), "SITE", "PH2", "TX", "B", "QTY", "2", NULL);
	fx_do(&f, t + 1000, "DISPENSE", SCODE(4), "SITE", "PH1", "TX", "C", "QTY", "9", NULL);

	struct want { const char *lot; json_int_t units, opened; };
	static const struct want before[] = { { "S1", 1, 1 }, { "S2", 0, 1 } },
				 after[] = { { "S1", 1, 0 }, { "S2", 0, 1 } };
	for (int pass = 0; pass < 2; pass++) {
		assert_int_equal(run(&f, &r, "STOCK", "SITE", "PH1", "PRODUCT", S, NULL), CMD_DONE);
		json_t *rows = json_object_get(r, "stock");
		assert_int_equal(json_array_size(rows), 2);
		for (size_t i = 0; i < 2; i++) {
			json_t *row = json_array_get(rows, i);
			const struct want *w = pass ? &after[i] : &before[i];
			assert_string_equal(str(row, "lot"), w->lot);
			assert_int_equal(num(row, "units"), w->units);
			assert_int_equal(num(row, "opened"), w->opened);
		}
		json_decref(r);
		if (pass == 0)	/* the rest of S1's opened pack */
			fx_do(&f, t + 2000, "DISPENSE", SCODE(1), "SITE", "PH1", "TX", "D", "QTY",
			      "6", NULL);
	}
	/* Whole packs: none opened. */
	assert_int_equal(run(&f, &r, "STOCK", "SITE", "MFR", "PRODUCT", P, NULL), CMD_DONE);
	assert_int_equal(num(json_array_get(json_object_get(r, "stock"), 0), "opened"), 0);
	json_decref(r);
	fx_close(&f);
}

static void test_stock_a_page_at_a_time(void **state)
{
	(void)state;
	struct fx f;
	json_t *r;
	scene(&f);
	assert_int_equal(run(&f, &r, "STOCK", "SITE", "MFR", "COUNT", "2", NULL), CMD_DONE);
	assert_int_equal(json_array_size(json_object_get(r, "stock")), 2);
	char next[24];
	snprintf(next, sizeof next, "%s", str(r, "next"));
	json_decref(r);
	assert_int_equal(run(&f, &r, "STOCK", "SITE", "MFR", "AFTER", next, NULL), CMD_DONE);
	assert_int_equal(json_array_size(json_object_get(r, "stock")), 1);
	assert_string_equal(str(json_array_get(json_object_get(r, "stock"), 0), "lot"), "Q1");
	assert_true(json_is_null(json_object_get(r, "next")));
	json_decref(r);

	refused(&f, "SITE", "STOCK", "SITE", "NOPE", NULL);
	refused(&f, "9999999", "STOCK", "SITE", "MFR", "PRODUCT", "9999999", NULL);
	refused(&f, "AFTER must be a cursor", "STOCK", "SITE", "MFR", "AFTER", "x", NULL);
	fx_close(&f);
}

static void test_product_and_site_lists(void **state)
{
	(void)state;
	struct fx f;
	json_t *r;
	scene(&f);
	assert_int_equal(run(&f, &r, "PRODUCT", "LIST", NULL), CMD_DONE);
	json_t *rows = json_object_get(r, "products");
	assert_int_equal(json_array_size(rows), 2);
	assert_string_equal(str(json_array_get(rows, 0), "id"), P);
	assert_string_equal(str(json_array_get(rows, 0), "units_per_pack"), "1");
	json_decref(r);

	assert_int_equal(run(&f, &r, "PRODUCT", "LIST", "COUNT", "1", NULL), CMD_DONE);
	assert_string_equal(str(r, "next"), P);
	json_decref(r);
	assert_int_equal(run(&f, &r, "PRODUCT", "LIST", "AFTER", P, NULL), CMD_DONE);
	rows = json_object_get(r, "products");
	assert_int_equal(json_array_size(rows), 1);
	assert_string_equal(str(json_array_get(rows, 0), "id"), Q);
	assert_true(json_is_null(json_object_get(r, "next")));
	json_decref(r);

	assert_int_equal(run(&f, &r, "SITE", "LIST", "KIND", "pharmacy", NULL), CMD_DONE);
	rows = json_object_get(r, "sites");
	assert_int_equal(json_array_size(rows), 2);
	assert_string_equal(str(json_array_get(rows, 0), "id"), "PH1");
	json_decref(r);
	/* A province's code keeps its counties. */
	assert_int_equal(run(&f, &r, "SITE", "LIST", "REGION", "11", NULL), CMD_DONE);
	rows = json_object_get(r, "sites");
	assert_int_equal(json_array_size(rows), 2);
	assert_string_equal(str(json_array_get(rows, 1), "region"), "110105");
	json_decref(r);
	assert_int_equal(run(&f, &r, "SITE", "LIST", "KIND", "pharmacy", "REGION", "31", NULL),
			 CMD_DONE);
	rows = json_object_get(r, "sites");
	assert_int_equal(json_array_size(rows), 1);
	assert_string_equal(str(json_array_get(rows, 0), "id"), "PH2");
	json_decref(r);

	refused(&f, "'shop'", "SITE", "LIST", "KIND", "shop", NULL);
	refused(&f, "REGION must be", "SITE", "LIST", "REGION", "1x", NULL);

	/* EXPIRED: a licence valid until yesterday has passed (FX_T0 is
	 * 2027-03-15 at +08:00); one valid until today, or none, has not. */
	const char *ph1[] = { "name", "PH1", "kind", "pharmacy", "region", "110105",
			      "licence_valid_until", "2027-03-14" };
	const char *ph2[] = { "name", "PH2", "kind", "pharmacy", "region", "310101",
			      "licence_valid_until", "2027-03-15" };
	fx_master(&f, &master_site, "PH1", ph1, 8);
	fx_master(&f, &master_site, "PH2", ph2, 8);
	assert_int_equal(run(&f, &r, "SITE", "LIST", "EXPIRED", NULL), CMD_DONE);
	rows = json_object_get(r, "sites");
	assert_int_equal(json_array_size(rows), 1);
	assert_string_equal(str(json_array_get(rows, 0), "id"), "PH1");
	json_decref(r);
	assert_int_equal(run(&f, &r, "SITE", "LIST", "REGION", "31", "EXPIRED", NULL), CMD_DONE);
	assert_int_equal(json_array_size(json_object_get(r, "sites")), 0);
	json_decref(r);
	fx_close(&f);
}

static void test_lots_with_status_and_counts(void **state)
{
	(void)state;
	struct fx f;
	json_t *r;
	scene(&f);
	fx_do(&f, FX_T0, "RECALL", P, "L2", "LEVEL", "2", "REASON", "mould", NULL);
	assert_int_equal(run(&f, &r, "LOTS", "PRODUCT", P, NULL), CMD_DONE);
	assert_string_equal(str(r, "product"), P);
	json_t *rows = json_object_get(r, "lots"), *l1 = json_array_get(rows, 0),
	       *l2 = json_array_get(rows, 1);
	assert_int_equal(json_array_size(rows), 2);
	assert_string_equal(str(l1, "lot"), "L1");
	assert_string_equal(str(l1, "status"), "active");
	assert_int_equal(num(l1, "units"), 4);
	assert_int_equal(num(l1, "in_stock"), 2);	/* code 4 at MFR, code 2 at PH1 */
	assert_int_equal(num(l1, "in_transit"), 1);
	assert_int_equal(num(l1, "dispensed"), 1);
	assert_int_equal(num(l1, "sites"), 2);	/* in transit: the sender's */
	assert_string_equal(str(l2, "status"), "recalled");
	assert_int_equal(num(l2, "level"), 2);
	json_decref(r);

	assert_int_equal(run(&f, &r, "LOTS", "PRODUCT", P, "COUNT", "1", NULL), CMD_DONE);
	assert_int_equal(json_array_size(json_object_get(r, "lots")), 1);
	assert_string_equal(str(r, "next"), "1");
	json_decref(r);
	assert_int_equal(run(&f, &r, "LOTS", "PRODUCT", P, "AFTER", "1", NULL), CMD_DONE);
	assert_string_equal(str(json_array_get(json_object_get(r, "lots"), 0), "lot"), "L2");
	assert_true(json_is_null(json_object_get(r, "next")));
	json_decref(r);

	refused(&f, "9999999", "LOTS", "PRODUCT", "9999999", NULL);
	refused(&f, "AFTER must be a cursor", "LOTS", "PRODUCT", P, "AFTER", "-1", NULL);
	fx_close(&f);
}

static void test_contents_at_any_depth(void **state)
{
	(void)state;
	struct fx f;
	json_t *r;
	scene(&f);
	/* MFR packs code 4 in a new pack, and that pack and code 5 on a pallet. */
	fx_do(&f, FX_T0, "PACK", CASE2, CODE(4), "SITE", "MFR", NULL);
	fx_do(&f, FX_T0, "COMMISSION", PALLET, "SITE", "MFR", "LEVEL", "4", NULL);
	fx_do(&f, FX_T0, "PACK", PALLET, CASE2, CODE(5), "SITE", "MFR", NULL);
	assert_int_equal(run(&f, &r, "CONTENTS", PALLET, NULL), CMD_DONE);
	json_t *rows = json_object_get(r, "contents");
	/* Depth first, in id order: code 5, the pack, then code 4 in it. */
	assert_int_equal(json_array_size(rows), 3);
	assert_string_equal(str(json_array_get(rows, 0), "code"), CODE(5));
	assert_int_equal(num(json_array_get(rows, 0), "depth"), 1);
	assert_string_equal(str(json_array_get(rows, 1), "code"), CASE2);
	assert_string_equal(str(json_array_get(rows, 1), "in"), PALLET);
	assert_string_equal(str(json_array_get(rows, 2), "code"), CODE(4));
	assert_int_equal(num(json_array_get(rows, 2), "depth"), 2);
	assert_string_equal(str(json_array_get(rows, 2), "in"), CASE2);
	assert_int_equal(num(r, "level"), 4);
	json_decref(r);

	assert_int_equal(run(&f, &r, "CONTENTS", PALLET, "COUNT", "2", NULL),
			 CMD_DONE);
	assert_int_equal(json_array_size(json_object_get(r, "contents")), 2);
	assert_string_equal(str(r, "next"), "2");
	json_decref(r);
	assert_int_equal(run(&f, &r, "CONTENTS", PALLET, "AFTER", "2", NULL),
			 CMD_DONE);
	rows = json_object_get(r, "contents");
	assert_int_equal(json_array_size(rows), 1);
	assert_string_equal(str(json_array_get(rows, 0), "code"), CODE(4));
	assert_true(json_is_null(json_object_get(r, "next")));
	json_decref(r);

	refused(&f, "not commissioned", "CONTENTS", UNKNOWN, NULL);
	fx_close(&f);
}

static void test_impact_product_across_lots(void **state)
{
	(void)state;
	struct fx f;
	json_t *r;
	scene(&f);
	assert_int_equal(run(&f, &r, "IMPACT", "PRODUCT", P, NULL), CMD_DONE);
	assert_true(json_is_null(json_object_get(r, "lot")));
	assert_int_equal(json_array_size(json_object_get(r, "lots")), 2);
	json_t *tot = json_object_get(r, "totals");
	assert_int_equal(num(tot, "units"), 5);		/* L1's 4 and L2's 1 */
	assert_int_equal(num(tot, "in_transit"), 1);
	json_decref(r);

	/* Shanghai alone: PH2 and its incoming unit. */
	assert_int_equal(run(&f, &r, "IMPACT", "PRODUCT", P, "REGION", "31", NULL), CMD_DONE);
	json_t *sites = json_object_get(r, "sites");
	assert_int_equal(json_array_size(sites), 1);
	assert_string_equal(str(json_array_get(sites, 0), "site"), "PH2");
	assert_int_equal(num(json_array_get(sites, 0), "incoming"), 1);
	assert_int_equal(json_array_size(json_object_get(r, "transit")), 1);
	assert_int_equal(json_array_size(json_object_get(r, "edges")), 0);
	json_decref(r);

	refused(&f, "9999999", "IMPACT", "PRODUCT", "9999999", NULL);
	refused(&f, "REGION", "IMPACT", "PRODUCT", P, "REGION", "x", NULL);
	fx_close(&f);
}

static void test_risk_ranks_the_bad_pharmacy_first(void **state)
{
	(void)state;
	struct fx f;
	json_t *r;
	scene(&f);
	/* PH2: 3 sales, a duplicate and 2 unknown codes: more alerts than
	 * PH1's 2, at a lower rate (1,000 to PH1's 2,000 per 1,000 sales). */
	fx_do(&f, FX_T0, "SHIP", CODE(4), CODE(5), "FROM", "MFR", "TO", "PH2", NULL);
	fx_do(&f, FX_T0, "RECEIVE", CODE(3), CODE(4), CODE(5), "SITE", "PH2", NULL);
	fx_do(&f, FX_T0, "DISPENSE", CODE(3), "SITE", "PH2", NULL);
	fx_do(&f, FX_T0, "DISPENSE", CODE(4), "SITE", "PH2", NULL);
	fx_do(&f, FX_T0, "DISPENSE", CODE(5), "SITE", "PH2", NULL);
	fx_do(&f, FX_T0, "DISPENSE", CODE(3), "SITE", "PH2", NULL);
	fx_do(&f, FX_T0, "DISPENSE", "83012340000000000076", "SITE", "PH2", NULL);
	fx_do(&f, FX_T0, "DISPENSE", "83012340000000000075", "SITE", "PH2", NULL);
	assert_int_equal(run(&f, &r, "RISK", NULL), CMD_DONE);
	assert_int_equal(json_array_size(r), 2);
	json_t *first = json_array_get(r, 0), *second = json_array_get(r, 1);
	assert_string_equal(str(first, "site"), "PH1");
	assert_int_equal(num(first, "rank"), 1);
	assert_int_equal(num(first, "duplicates"), 1);
	assert_int_equal(num(first, "unknown_codes"), 1);
	assert_int_equal(num(first, "sales"), 1);
	assert_int_equal(num(first, "total"), 2);
	assert_true(json_real_value(json_object_get(first, "per_1000_sales")) == 2000.0);
	assert_string_equal(str(second, "site"), "PH2");
	assert_int_equal(num(second, "sales"), 3);
	assert_int_equal(num(second, "total"), 3);
	json_decref(r);

	assert_int_equal(run(&f, &r, "RISK", "LIMIT", "1", NULL), CMD_DONE);
	assert_int_equal(json_array_size(r), 1);
	json_decref(r);
	assert_int_equal(run(&f, &r, "RISK", "REGION", "31", NULL), CMD_DONE);
	assert_int_equal(json_array_size(r), 1);
	assert_string_equal(str(json_array_get(r, 0), "site"), "PH2");
	json_decref(r);
	/* Since today: PH2's duplicate alone. */
	assert_int_equal(run(&f, &r, "RISK", "SINCE", "2027-03-15T00:00:00+08:00", NULL),
			 CMD_DONE);
	assert_int_equal(json_array_size(r), 1);
	assert_string_equal(str(json_array_get(r, 0), "site"), "PH2");
	json_decref(r);

	refused(&f, "REGION must be", "RISK", "REGION", "1234567", NULL);
	fx_close(&f);
}

/* The handling of alert `id` as stored. */
static struct alert_status handling(struct fx *f, uint64_t id)
{
	struct alert_status st;
	assert_int_equal(alert_status_get(fx_begin(f), id, &st), 0);
	fx_abort(f);
	return st;
}

static void test_alert_set_and_filters(void **state)
{
	(void)state;
	struct fx f;
	json_t *r;
	scene(&f);
	assert_int_equal(handling(&f, 1).status, ALERT_OPEN);
	assert_int_equal(run_write(&f, FX_T0, &r, "ALERT", "SET", "1", "STATUS", "investigating",
				   "NOTE", "called the pharmacy", NULL), CMD_DONE);
	assert_string_equal(str(r, "status"), "investigating");
	assert_true(json_is_null(json_object_get(r, "class")));
	json_decref(r);
	struct alert_status st = handling(&f, 1);
	assert_int_equal(st.status, ALERT_INVESTIGATING);
	assert_string_equal(st.note, "called the pharmacy");
	assert_int_equal(st.time_ms, FX_T0);

	/* Closing needs a class; the note stays when none is given. */
	refused_write(&f, FX_T0 + 1, "a closed alert needs a CLASS", "ALERT", "SET", "1", "STATUS", "closed", NULL);
	assert_int_equal(handling(&f, 1).status, ALERT_INVESTIGATING);
	assert_int_equal(run_write(&f, FX_T0 + 2, &r, "ALERT", "SET", "1", "STATUS", "closed",
				   "CLASS", "user_error", NULL), CMD_DONE);
	json_decref(r);
	st = handling(&f, 1);
	assert_int_equal(st.status, ALERT_CLOSED);
	assert_int_equal(st.klass, ALERT_CLASS_USER_ERROR);
	assert_string_equal(st.note, "called the pharmacy");
	assert_int_equal(st.time_ms, FX_T0 + 2);

	/* ALERTS shows it and filters on it. */
	assert_int_equal(run(&f, &r, "ALERTS", "STATUS", "closed", NULL), CMD_DONE);
	assert_int_equal(json_array_size(r), 1);
	assert_int_equal(num(json_array_get(r, 0), "id"), 1);
	assert_string_equal(str(json_array_get(r, 0), "class"), "user_error");
	assert_string_equal(str(json_array_get(r, 0), "note"), "called the pharmacy");
	json_decref(r);
	assert_int_equal(run(&f, &r, "ALERTS", "STATUS", "open", NULL), CMD_DONE);
	assert_int_equal(json_array_size(r), 1);
	assert_string_equal(str(json_array_get(r, 0), "status"), "open");
	json_decref(r);
	assert_int_equal(run(&f, &r, "ALERTS", "KIND", "unknown", NULL), CMD_DONE);
	assert_int_equal(json_array_size(r), 1);
	assert_string_equal(str(json_array_get(r, 0), "kind"), "unknown");
	json_decref(r);
	refused(&f, "'theft'", "ALERTS", "KIND", "theft", NULL);
	refused(&f, "'done'", "ALERTS", "STATUS", "done", NULL);

	/* Bad input: refused by name, nothing written. */
	refused_write(&f, FX_T0 + 3, "no alert 9", "ALERT", "SET", "9", "STATUS", "open", NULL);
	refused_write(&f, FX_T0 + 3, "'x1'", "ALERT", "SET", "x1", "STATUS", "open", NULL);
	refused_write(&f, FX_T0 + 3, "'shut'", "ALERT", "SET", "2", "STATUS", "shut", NULL);
	refused_write(&f, FX_T0 + 3, "'fraud'", "ALERT", "SET", "2", "CLASS", "fraud", NULL);
	assert_int_equal(handling(&f, 2).time_ms, 0);
	assert_int_equal(handling(&f, 1).time_ms, FX_T0 + 2);
	fx_close(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stock_by_lot),
		cmocka_unit_test(test_stock_a_page_at_a_time),
		cmocka_unit_test(test_stock_opened_packs),
		cmocka_unit_test(test_product_and_site_lists),
		cmocka_unit_test(test_lots_with_status_and_counts),
		cmocka_unit_test(test_contents_at_any_depth),
		cmocka_unit_test(test_impact_product_across_lots),
		cmocka_unit_test(test_risk_ranks_the_bad_pharmacy_first),
		cmocka_unit_test(test_alert_set_and_filters),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
