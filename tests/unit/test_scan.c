/*
 * test_scan — the scan rules (daemon/scan.c) applied directly to typed
 * commands against a temporary store, with a fixed clock: every verdict
 * reason a scan can give, split packs, retries, undo and its window.
 */
#include "rules_fixture.h"

#include "scan.h"
#include "units.h"
#include "verdict.h"

#define PRODUCT "8301234"
#define CODE(n) "8301234000000000001" #n

/* Sites MFR, DIST, PH1, PH2; the product (units_per_pack upp); codes 1-5
 * of lot L1 (expiry) commissioned at MFR and received at PH1; code 6 a
 * case holding nothing, at PH1. */
static void scene(struct fx *f, const char *upp, const char *expiry)
{
	fx_open(f);
	fx_site(f, "MFR", "manufacturer");
	fx_site(f, "DIST", "distributor");
	fx_site(f, "PH1", "pharmacy");
	fx_site(f, "PH2", "pharmacy");
	fx_product(f, PRODUCT, upp);
	int64_t t = FX_T0 - 10 * FX_DAY_MS;
	fx_do(f, t, "COMMISSION", CODE(1), CODE(2), CODE(3), CODE(4), CODE(5), "SITE", "MFR",
	      "PRODUCT", PRODUCT, "LOT", "L1", "EXPIRY", expiry, NULL);
	fx_do(f, t, "COMMISSION", CODE(6), "SITE", "MFR", "LEVEL", "3", NULL);
	fx_do(f, t, "SHIP", CODE(1), CODE(2), CODE(3), CODE(4), CODE(5), CODE(6), "FROM", "MFR",
	      "TO", "PH1", NULL);
	fx_do(f, t, "RECEIVE", CODE(1), CODE(2), CODE(3), CODE(4), CODE(5), CODE(6), "SITE",
	      "PH1", NULL);
}

#define FAR "2030-01-01"

static uint32_t bit(enum reason r)
{
	return 1u << r;
}

/* Apply the argc words c holds, as apply() does. */
static enum cmd_status apply_words(struct fx *f, int64_t ms, struct scan_outcome *so,
				   struct fx_cmd *c, int argc)
{
	const char *first = c->argv[0].ptr;
	if (cmd_parse(&c->cmd, fx_spec(c, argc), argc, c->argv, ms, NULL, c->err,
		      sizeof c->err) != 0)
		fail_msg("%s does not parse: %s", first, c->err);
	memset(so, 0, sizeof *so);
	struct store_txn *t = fx_begin(f);
	enum cmd_status st;
	switch (c->cmd.spec->id) {
	case CMD_DISPENSE: st = scan_dispense(t, &f->cfg, &c->cmd, false, so); break;
	case CMD_UNDO: st = scan_undo(t, &f->cfg, &c->cmd, so); break;
	default: st = scan_verify(t, &f->cfg, &c->cmd, false, so); break;
	}
	if (st == CMD_FAILED)
		fail_msg("%s: store %s", first, store_strerror(so->o.store_rc));
	fx_commit(f);
	cmd_free(&c->cmd);
	return st;
}

/* Apply a DISPENSE (or UNDO, VERIFY) at time ms in its own transaction,
 * committed whatever it answered. */
static enum cmd_status apply(struct fx *f, int64_t ms, struct scan_outcome *so,
			     const char *first, ...)
{
	struct fx_cmd c;
	va_list ap;
	va_start(ap, first);
	int argc = fx_words(&c, first, ap);
	va_end(ap);
	return apply_words(f, ms, so, &c, argc);
}

static void test_sale_is_green_once_and_a_retry_changes_nothing(void **state)
{
	(void)state;
	struct fx f;
	struct scan_outcome so;
	scene(&f, "1", FAR);
	assert_int_equal(apply(&f, FX_T0, &so, "DISPENSE", CODE(1), "SITE", "PH1", "TX", "T1",
			       NULL), CMD_DONE);
	assert_int_equal(so.j.verdict, VERDICT_GREEN);
	assert_int_equal(so.j.reasons, 0);
	assert_false(so.replayed);
	struct unit u = fx_unit(&f, CODE(1));
	assert_int_equal(u.status, UNIT_DISPENSED);
	assert_int_equal(u.dispensed, 1);
	uint64_t events = fx_next(&f, "event");

	/* The same TX again, a day later: the first answer, nothing new. */
	assert_int_equal(apply(&f, FX_T0 + FX_DAY_MS, &so, "DISPENSE", CODE(1), "SITE", "PH1",
			       "TX", "T1", NULL), CMD_DONE);
	assert_true(so.replayed);
	assert_int_equal(so.j.verdict, VERDICT_GREEN);
	assert_int_equal(fx_next(&f, "event"), events);
	fx_close(&f);
}

static void test_second_sale_is_a_duplicate_with_one_alert(void **state)
{
	(void)state;
	struct fx f;
	struct scan_outcome so;
	scene(&f, "1", FAR);
	apply(&f, FX_T0, &so, "DISPENSE", CODE(1), "SITE", "PH1", "TX", "T1", NULL);
	uint64_t alerts = fx_next(&f, "alert");
	for (int i = 0; i < 2; i++) {
		assert_int_equal(apply(&f, FX_T0 + 1000, &so, "DISPENSE", CODE(1), "SITE", "PH2",
				       "TX", "Z", NULL), CMD_DONE);
		assert_int_equal(so.j.verdict, VERDICT_RED);
		assert_true(so.j.reasons & bit(R_DUPLICATE));
		assert_true(so.j.has_first_sale);
		assert_string_equal(so.j.view.first_sale_site, "PH1");
		assert_int_equal(so.j.first_sale.time_ms, FX_T0);
	}
	assert_int_equal(fx_next(&f, "alert"), alerts + 1);	/* once per (site, TX, code) */
	fx_close(&f);
}

static void test_split_pack_sells_what_it_holds(void **state)
{
	(void)state;
	struct fx f;
	struct scan_outcome so;
	scene(&f, "10", FAR);
	assert_int_equal(apply(&f, FX_T0, &so, "DISPENSE", CODE(1), "SITE", "PH1", "TX", "A",
			       "QTY", "4", NULL), CMD_DONE);
	assert_int_equal(apply(&f, FX_T0, &so, "DISPENSE", CODE(1), "SITE", "PH1", "TX", "B",
			       "QTY", "4", NULL), CMD_DONE);
	assert_int_equal(fx_unit(&f, CODE(1)).status, UNIT_ACTIVE);
	uint64_t events = fx_next(&f, "event"), alerts = fx_next(&f, "alert");
	assert_int_equal(apply(&f, FX_T0, &so, "DISPENSE", CODE(1), "SITE", "PH1", "TX", "C",
			       "QTY", "3", NULL), CMD_REFUSED);
	assert_non_null(strstr(so.o.why, "QTY 3 is more than the 2 that remain"));
	assert_int_equal(fx_next(&f, "event"), events);
	assert_int_equal(fx_next(&f, "alert"), alerts);
	assert_int_equal(apply(&f, FX_T0, &so, "DISPENSE", CODE(1), "SITE", "PH1", "TX", "C",
			       "QTY", "2", NULL), CMD_DONE);
	struct unit u = fx_unit(&f, CODE(1));
	assert_int_equal(u.status, UNIT_DISPENSED);
	assert_int_equal(u.dispensed, 10);
	/* An opened pack sold from elsewhere is a resold pack. */
	assert_int_equal(apply(&f, FX_T0, &so, "DISPENSE", CODE(2), "SITE", "PH1", "TX", "D",
			       "QTY", "1", NULL), CMD_DONE);
	assert_int_equal(apply(&f, FX_T0, &so, "DISPENSE", CODE(2), "SITE", "PH2", "TX", "E",
			       NULL), CMD_DONE);
	assert_int_equal(so.j.verdict, VERDICT_RED);
	assert_true(so.j.reasons & bit(R_DUPLICATE));
	assert_false(so.j.reasons & bit(R_NOT_RECEIVED_HERE));
	fx_close(&f);
}

static void test_expiry_by_the_commands_time(void **state)
{
	(void)state;
	struct fx f;
	struct scan_outcome so;
	scene(&f, "1", "2027-04-01");
	/* 17 days before expiry: near (30 days by default), sold. */
	assert_int_equal(apply(&f, FX_T0, &so, "DISPENSE", CODE(1), "SITE", "PH1", NULL),
			 CMD_DONE);
	assert_int_equal(so.j.verdict, VERDICT_AMBER);
	assert_int_equal(so.j.reasons, bit(R_NEAR_EXPIRY));
	/* The day after expiry (the clock is the command's): red, unsold. */
	uint64_t events = fx_next(&f, "event");
	assert_int_equal(apply(&f, FX_T0 + 18 * FX_DAY_MS, &so, "DISPENSE", CODE(2), "SITE",
			       "PH1", NULL), CMD_DONE);
	assert_int_equal(so.j.verdict, VERDICT_RED);
	assert_true(so.j.reasons & bit(R_EXPIRED));
	assert_int_equal(fx_next(&f, "event"), events);
	assert_int_equal(fx_unit(&f, CODE(2)).status, UNIT_ACTIVE);
	/* On the expiry day itself it is not yet expired. */
	assert_int_equal(apply(&f, FX_T0 + 17 * FX_DAY_MS, &so, "VERIFY", CODE(2), NULL),
			 CMD_DONE);
	assert_false(so.j.reasons & bit(R_EXPIRED));
	fx_close(&f);
}

static void test_every_reason_a_verify_can_give(void **state)
{
	(void)state;
	struct fx f;
	struct scan_outcome so;
	scene(&f, "1", FAR);
	apply(&f, FX_T0, &so, "VERIFY", CODE(1), "SITE", "PH1", NULL);
	assert_int_equal(so.j.verdict, VERDICT_GREEN);
	apply(&f, FX_T0, &so, "VERIFY", CODE(1), "SITE", "PH2", NULL);
	assert_int_equal(so.j.reasons, bit(R_NOT_RECEIVED_HERE));
	assert_string_equal(so.j.view.judged_holder, "PH1");
	apply(&f, FX_T0, &so, "VERIFY", "83012340000000009999", NULL);
	assert_int_equal(so.j.reasons, bit(R_UNKNOWN));
	apply(&f, FX_T0, &so, "VERIFY", "6901234567892", NULL);
	assert_int_equal(so.j.reasons, bit(R_NOT_A_TRACE_CODE));
	assert_int_equal(so.j.verdict, VERDICT_RED);
	apply(&f, FX_T0, &so, "VERIFY", "(01)18301234000001(17)300101(10)L2(21)1", NULL);
	assert_true(so.j.reasons & (bit(R_UNKNOWN) | bit(R_NOT_A_TRACE_CODE)));

	fx_do(&f, FX_T0, "RETURN", CODE(3), "FROM", "PH1", "TO", "PH2", NULL);
	apply(&f, FX_T0, &so, "VERIFY", CODE(3), "SITE", "PH2", NULL);
	assert_int_equal(so.j.reasons, bit(R_IN_TRANSIT));
	assert_string_equal(so.j.view.judged_dest, "PH2");
	fx_do(&f, FX_T0, "DESTROY", CODE(4), "SITE", "PH1", NULL);
	apply(&f, FX_T0, &so, "VERIFY", CODE(4), NULL);
	assert_true(so.j.reasons & bit(R_DESTROYED));
	fx_do(&f, FX_T0, "LOCK", CODE(5), "REASON", "stolen", NULL);
	apply(&f, FX_T0, &so, "VERIFY", CODE(5), NULL);
	assert_true(so.j.reasons & bit(R_LOCKED));
	apply(&f, FX_T0, &so, "DISPENSE", CODE(6), "SITE", "PH1", NULL);
	assert_true(so.j.reasons & bit(R_NOT_A_SALES_UNIT));
	assert_int_equal(so.j.verdict, VERDICT_RED);

	fx_do(&f, FX_T0, "RECALL", PRODUCT, "L1", "LEVEL", "2", "REASON", "impurity", NULL);
	apply(&f, FX_T0, &so, "VERIFY", CODE(2), NULL);
	assert_true(so.j.reasons & bit(R_RECALLED));
	assert_int_equal(so.j.lot.recall_level, 2);
	fx_do(&f, FX_T0, "WITHDRAW", PRODUCT, "REASON", "licence revoked", NULL);
	apply(&f, FX_T0, &so, "VERIFY", CODE(2), NULL);
	assert_true(so.j.reasons & bit(R_WITHDRAWN));
	fx_close(&f);
}

static void test_undo_within_its_window_and_site(void **state)
{
	(void)state;
	struct fx f;
	struct scan_outcome so;
	scene(&f, "1", FAR);
	apply(&f, FX_T0, &so, "DISPENSE", CODE(1), "SITE", "PH1", "TX", "T1", NULL);
	apply(&f, FX_T0, &so, "DISPENSE", CODE(2), "SITE", "PH1", "TX", "T2", NULL);
	apply(&f, FX_T0, &so, "UNDO", CODE(1), "SITE", "PH2", "TX", "T1", NULL);
	assert_int_equal(so.j.reasons, bit(R_NOT_DISPENSED));
	apply(&f, FX_T0, &so, "UNDO", CODE(1), "SITE", "PH1", "TX", "T9", NULL);
	assert_int_equal(so.j.reasons, bit(R_NOT_DISPENSED));
	/* Ten days is the default window: a day later it is undone. */
	apply(&f, FX_T0 + FX_DAY_MS, &so, "UNDO", CODE(1), "SITE", "PH1", "TX", "T1", NULL);
	assert_int_equal(so.j.verdict, VERDICT_GREEN);
	assert_int_equal(fx_unit(&f, CODE(1)).status, UNIT_ACTIVE);
	assert_int_equal(fx_unit(&f, CODE(1)).dispensed, 0);
	uint64_t events = fx_next(&f, "event");
	apply(&f, FX_T0 + FX_DAY_MS, &so, "UNDO", CODE(1), "SITE", "PH1", "TX", "T1", NULL);
	assert_int_equal(so.j.verdict, VERDICT_GREEN);	/* a retry */
	assert_int_equal(fx_next(&f, "event"), events);
	/* Eleven days later: past the window. */
	apply(&f, FX_T0 + 11 * FX_DAY_MS, &so, "UNDO", CODE(2), "SITE", "PH1", "TX", "T2", NULL);
	assert_int_equal(so.j.reasons, bit(R_UNDO_WINDOW));
	assert_int_equal(fx_unit(&f, CODE(2)).status, UNIT_DISPENSED);
	fx_close(&f);
}

/* An EVENTS record that does not sell writes nothing at all. */
static void test_a_record_answered_red_changes_nothing(void **state)
{
	(void)state;
	struct fx f;
	struct scan_outcome so;
	struct fx_cmd c;
	scene(&f, "1", FAR);
	uint64_t events = fx_next(&f, "event"), alerts = fx_next(&f, "alert");
	fx_parse(&c, FX_T0, "DISPENSE", "83012340000000009999", "SITE", "PH1", "TX", "X", NULL);
	struct store_txn *t = fx_begin(&f);
	assert_int_equal(scan_dispense(t, &f.cfg, &c.cmd, true, &so), CMD_DONE);
	assert_int_equal(so.j.verdict, VERDICT_RED);
	fx_commit(&f);
	fx_cmd_free(&c);
	assert_int_equal(fx_next(&f, "event"), events);
	assert_int_equal(fx_next(&f, "alert"), alerts);
	fx_close(&f);
}

/* The rules read no clock: the same commands on two stores answer alike,
 * byte for byte, whenever they are applied. */
static void test_same_commands_same_answers(void **state)
{
	(void)state;
	struct buf replies[2] = { BUF_INIT, BUF_INIT };
	for (int k = 0; k < 2; k++) {
		struct fx f;
		struct scan_outcome so;
		scene(&f, "10", "2027-04-01");
		const char *sites[] = { "PH1", "PH2", "PH1" };
		for (int i = 0; i < 3; i++) {
			apply(&f, FX_T0 + i * 3600000, &so, "DISPENSE", CODE(1), "SITE", sites[i],
			      "QTY", "3", NULL);
			struct resp_out out = { BUF_INIT, 3 };
			verdict_reply(&out, &so.j, &f.cfg, FX_T0 + i * 3600000);
			buf_append(&replies[k], out.b.data, out.b.len);
			buf_free(&out.b);
		}
		fx_close(&f);
	}
	assert_int_equal(replies[0].len, replies[1].len);
	assert_memory_equal(replies[0].data, replies[1].data, replies[0].len);
	buf_free(&replies[0]);
	buf_free(&replies[1]);
}

/* The same words applied to two stores alike: to full as they are, to
 * brief with BRIEF after them.  Each answer's verdict must be want, and
 * the brief reply (RESP 3) must be a map of three pairs, byte for byte
 * the full reply's first three (verdict, reasons, message) and nothing
 * more, while the full reply goes on (more pairs than three). */
static void same_but_brief(struct fx *full, struct fx *brief, enum verdict want,
			   const char *first, ...)
{
	struct fx_cmd c;
	struct scan_outcome a, b;
	va_list ap;
	va_start(ap, first);
	int argc = fx_words(&c, first, ap);
	va_end(ap);
	apply_words(full, FX_T0, &a, &c, argc);
	c.argv[argc].ptr = "BRIEF";
	c.argv[argc].len = 5;
	apply_words(brief, FX_T0, &b, &c, argc + 1);
	assert_int_equal(a.j.verdict, want);
	assert_int_equal(b.j.verdict, want);
	assert_int_equal(b.j.reasons, a.j.reasons);

	struct resp_out fo = { BUF_INIT, 3 }, bo = { BUF_INIT, 3 };
	verdict_reply(&fo, &a.j, &full->cfg, FX_T0);
	verdict_reply(&bo, &b.j, &brief->cfg, FX_T0);
	const char *f = (const char *)fo.b.data, *br = (const char *)bo.b.data;
	const char *fb = memchr(f, '\n', fo.b.len), *bb = memchr(br, '\n', bo.b.len);
	assert_non_null(fb);
	assert_non_null(bb);
	size_t blen = bo.b.len - (size_t)(bb + 1 - br);
	if (strncmp(br, "%3\r\n", 4) != 0 || atoi(f + 1) <= 3 ||
	    fo.b.len - (size_t)(fb + 1 - f) <= blen || memcmp(fb + 1, bb + 1, blen) != 0)
		fail_msg("%s: the brief reply is not the full one's first three pairs:\n"
			 "full:  %.*s\nbrief: %.*s", first, (int)fo.b.len, f, (int)bo.b.len, br);
	buf_free(&fo.b);
	buf_free(&bo.b);
}

static void test_a_brief_answer_is_the_full_ones_verdict_reasons_and_message(void **state)
{
	(void)state;
	struct fx full, brief;
	scene(&full, "1", FAR);
	scene(&brief, "1", FAR);
	fx_do(&full, FX_T0, "RETURN", CODE(3), "FROM", "PH1", "TO", "PH2", NULL);
	fx_do(&brief, FX_T0, "RETURN", CODE(3), "FROM", "PH1", "TO", "PH2", NULL);
	same_but_brief(&full, &brief, VERDICT_GREEN, "VERIFY", CODE(1), "SITE", "PH1", NULL);
	/* Amber: the message names the holder, and both ends of a shipment. */
	same_but_brief(&full, &brief, VERDICT_AMBER, "VERIFY", CODE(1), "SITE", "PH2", NULL);
	same_but_brief(&full, &brief, VERDICT_AMBER, "VERIFY", CODE(3), "SITE", "PH2", NULL);
	same_but_brief(&full, &brief, VERDICT_GREEN, "DISPENSE", CODE(2), "SITE", "PH1", "TX",
		       "T1", NULL);
	/* Red: a duplicate's message names the first sale's site and time. */
	same_but_brief(&full, &brief, VERDICT_RED, "DISPENSE", CODE(2), "SITE", "PH2", "TX",
		       "T2", NULL);
	same_but_brief(&full, &brief, VERDICT_RED, "VERIFY", CODE(2), NULL);
	same_but_brief(&full, &brief, VERDICT_RED, "VERIFY", "83012340000000009999", NULL);
	same_but_brief(&full, &brief, VERDICT_GREEN, "UNDO", CODE(2), "SITE", "PH1", "TX", "T1",
		       NULL);
	same_but_brief(&full, &brief, VERDICT_RED, "UNDO", CODE(2), "SITE", "PH1", "TX", "T7",
		       NULL);
	fx_close(&full);
	fx_close(&brief);
}

static void set_fields(struct fx *f, const struct master_kind *k, const char *id,
		       const char *name, const char *value)
{
	const char *pairs[] = { name, value };
	fx_master(f, k, id, pairs, 2);
}

/* The reply as text, for what it names. */
static void reply_text(struct scan_outcome *so, struct fx *f, char *out, size_t n)
{
	struct resp_out o = { BUF_INIT, 3 };
	verdict_reply(&o, &so->j, &f->cfg, FX_T0);
	size_t len = o.b.len < n - 1 ? o.b.len : n - 1;
	memcpy(out, o.b.data, len);
	out[len] = '\0';
	for (size_t i = 0; i < len; i++)
		if (out[i] == '\0')
			out[i] = ' ';
	buf_free(&o.b);
}

static void test_a_vaccines_policy_makes_diversion_and_unreceived_sales_red(void **state)
{
	(void)state;
	struct fx f;
	struct scan_outcome so;
	char text[4096];
	scene(&f, "10", FAR);
	/* Without a category: the global policy, AMBER. */
	apply(&f, FX_T0, &so, "VERIFY", CODE(1), "SITE", "PH2", NULL);
	assert_int_equal(so.j.verdict, VERDICT_AMBER);
	assert_int_equal(so.j.by_category, 0);
	set_fields(&f, &master_product, PRODUCT, "category", "vaccine");
	apply(&f, FX_T0, &so, "VERIFY", CODE(1), "SITE", "PH2", NULL);
	assert_int_equal(so.j.verdict, VERDICT_RED);
	assert_int_equal(so.j.reasons, bit(R_NOT_RECEIVED_HERE));
	assert_int_equal(so.j.by_category, bit(R_NOT_RECEIVED_HERE));
	reply_text(&so, &f, text, sizeof text);
	assert_non_null(strstr(text, "category"));
	assert_non_null(strstr(text, "vaccine"));
	assert_non_null(strstr(text, "red by the vaccine 疫苗 policy: policy_vaccine"));
	/* Shipped on, not received: a sale before receipt is RED too. */
	fx_do(&f, FX_T0, "COMMISSION", CODE(7), "SITE", "MFR", "PRODUCT", PRODUCT, "LOT", "L1",
	      "EXPIRY", FAR, NULL);
	fx_do(&f, FX_T0, "SHIP", CODE(7), "FROM", "MFR", "TO", "PH2", NULL);
	apply(&f, FX_T0, &so, "DISPENSE", CODE(7), "SITE", "PH2", "TX", "A", "QTY", "10", NULL);
	assert_int_equal(so.j.verdict, VERDICT_RED);
	assert_true(so.j.by_category & bit(R_IN_TRANSIT));
	/* Categories the config leaves to the global policy change nothing. */
	set_fields(&f, &master_product, PRODUCT, "category", "ordinary");
	apply(&f, FX_T0, &so, "VERIFY", CODE(1), "SITE", "PH2", NULL);
	assert_int_equal(so.j.verdict, VERDICT_AMBER);
	assert_int_equal(so.j.by_category, 0);
	fx_close(&f);
}

/* A vaccine sold away from its holder is refused, and still a diversion:
 * one alert per (site, TX, code), as a sale made there raises. */
static void test_a_refused_vaccine_diversion_is_alerted_once(void **state)
{
	(void)state;
	struct fx f;
	struct scan_outcome so;
	scene(&f, "10", FAR);
	set_fields(&f, &master_product, PRODUCT, "category", "vaccine");
	uint64_t alerts = fx_next(&f, "alert");
	for (int i = 0; i < 2; i++) {
		assert_int_equal(apply(&f, FX_T0, &so, "DISPENSE", CODE(1), "SITE", "PH2", "TX",
				       "D1", "QTY", "10", NULL), CMD_DONE);
		assert_int_equal(so.j.verdict, VERDICT_RED);
		assert_int_equal(so.j.reasons, bit(R_NOT_RECEIVED_HERE));
	}
	assert_int_equal(fx_next(&f, "alert"), alerts + 1);
	/* Nothing sold: the holder still sells it. */
	apply(&f, FX_T0, &so, "DISPENSE", CODE(1), "SITE", "PH1", "TX", "S1", "QTY", "10", NULL);
	assert_int_equal(so.j.verdict, VERDICT_GREEN);
	fx_close(&f);
}

static void test_a_vaccine_pack_is_sold_whole(void **state)
{
	(void)state;
	struct fx f;
	struct scan_outcome so;
	scene(&f, "10", FAR);
	set_fields(&f, &master_product, PRODUCT, "category", "vaccine");
	uint64_t events = fx_next(&f, "event");
	assert_int_equal(apply(&f, FX_T0, &so, "DISPENSE", CODE(1), "SITE", "PH1", "TX", "A",
			       "QTY", "4", NULL), CMD_REFUSED);
	assert_non_null(strstr(so.o.why, "QTY 4: vaccine (疫苗) packs are sold whole, 10 units "
			       "(policy_vaccine split_sale=refuse)"));
	assert_int_equal(fx_next(&f, "event"), events);
	assert_int_equal(fx_unit(&f, CODE(1)).dispensed, 0);
	assert_int_equal(apply(&f, FX_T0, &so, "DISPENSE", CODE(1), "SITE", "PH1", "TX", "A",
			       "QTY", "10", NULL), CMD_DONE);
	assert_int_equal(so.j.verdict, VERDICT_GREEN);
	/* A policy that allows it: split as any pack. */
	f.cfg.policy[CAT_VACCINE].split_sale = 0;
	assert_int_equal(apply(&f, FX_T0, &so, "DISPENSE", CODE(2), "SITE", "PH1", "TX", "B",
			       "QTY", "4", NULL), CMD_DONE);
	fx_close(&f);
}

static void test_a_categorys_near_expiry_days(void **state)
{
	(void)state;
	struct fx f;
	struct scan_outcome so;
	scene(&f, "1", "2027-05-01");	/* 47 days after FX_T0: beyond the global 30 */
	set_fields(&f, &master_product, PRODUCT, "category", "vaccine");
	apply(&f, FX_T0, &so, "VERIFY", CODE(1), "SITE", "PH1", NULL);
	assert_int_equal(so.j.verdict, VERDICT_GREEN);
	f.cfg.policy[CAT_VACCINE].near_expiry_days = 60;
	apply(&f, FX_T0, &so, "VERIFY", CODE(1), "SITE", "PH1", NULL);
	assert_int_equal(so.j.verdict, VERDICT_AMBER);
	assert_int_equal(so.j.reasons, bit(R_NEAR_EXPIRY));
	assert_int_equal(so.j.by_category, bit(R_NEAR_EXPIRY));
	fx_close(&f);
}

static void test_an_expired_licence_makes_the_sites_sales_amber(void **state)
{
	(void)state;
	struct fx f;
	struct scan_outcome so;
	char text[4096];
	scene(&f, "1", FAR);
	set_fields(&f, &master_site, "PH1", "licence_valid_until", "2027-12-31");
	apply(&f, FX_T0, &so, "VERIFY", CODE(1), "SITE", "PH1", NULL);
	assert_int_equal(so.j.verdict, VERDICT_GREEN);
	set_fields(&f, &master_site, "PH1", "licence_valid_until", "2027-03-01");
	apply(&f, FX_T0, &so, "DISPENSE", CODE(1), "SITE", "PH1", "TX", "A", NULL);
	assert_int_equal(so.j.verdict, VERDICT_AMBER);
	assert_int_equal(so.j.reasons, bit(R_LICENCE_EXPIRED));
	reply_text(&so, &f, text, sizeof text);
	assert_non_null(strstr(text, "this site's licence expired on 2027-03-01"));
	f.cfg.licence_expired = CONFIG_RED;
	apply(&f, FX_T0, &so, "VERIFY", CODE(2), "SITE", "PH1", NULL);
	assert_int_equal(so.j.verdict, VERDICT_RED);
	f.cfg.licence_expired = CONFIG_OFF;
	apply(&f, FX_T0, &so, "VERIFY", CODE(2), "SITE", "PH1", NULL);
	assert_int_equal(so.j.verdict, VERDICT_GREEN);
	fx_close(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sale_is_green_once_and_a_retry_changes_nothing),
		cmocka_unit_test(test_second_sale_is_a_duplicate_with_one_alert),
		cmocka_unit_test(test_split_pack_sells_what_it_holds),
		cmocka_unit_test(test_expiry_by_the_commands_time),
		cmocka_unit_test(test_every_reason_a_verify_can_give),
		cmocka_unit_test(test_undo_within_its_window_and_site),
		cmocka_unit_test(test_a_record_answered_red_changes_nothing),
		cmocka_unit_test(test_same_commands_same_answers),
		cmocka_unit_test(test_a_vaccines_policy_makes_diversion_and_unreceived_sales_red),
		cmocka_unit_test(test_a_refused_vaccine_diversion_is_alerted_once),
		cmocka_unit_test(test_a_vaccine_pack_is_sold_whole),
		cmocka_unit_test(test_a_categorys_near_expiry_days),
		cmocka_unit_test(test_an_expired_licence_makes_the_sites_sales_amber),
		cmocka_unit_test(test_a_brief_answer_is_the_full_ones_verdict_reasons_and_message),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
