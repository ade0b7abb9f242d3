/*
 * test_decommission — the end states besides sale and destruction
 * (daemon/decommission.c: DECOMMISSION ... STATE sample|exported|stolen|
 * checked_out, and REACTIVATE) applied directly to typed commands against a
 * temporary store, with a fixed clock: what each writes, what the later
 * scan answers, and what each refuses, writing nothing.
 */
#include "rules_fixture.h"

#include "decommission.h"
#include "eventlog.h"
#include "scan.h"
#include "verdict.h"

#define PRODUCT "8301234"
#define CODE(n) "8301234000000000001" #n
#define SSCC1 "(00)069012340000000016"
#define FAR "2030-01-01"

/* Sites MFR, HOSP (a hospital), PH1; codes 1-6 of lot L1 (expiring FAR)
 * commissioned at MFR ten days ago, shipped to HOSP and received there. */
static void scene(struct fx *f)
{
	fx_open(f);
	fx_site(f, "MFR", "manufacturer");
	fx_site(f, "HOSP", "hospital");
	fx_site(f, "PH1", "pharmacy");
	fx_product(f, PRODUCT, "1");
	int64_t t = FX_T0 - 10 * FX_DAY_MS;
	fx_do(f, t, "COMMISSION", CODE(1), CODE(2), CODE(3), CODE(4), CODE(5), CODE(6), "SITE",
	      "MFR", "PRODUCT", PRODUCT, "LOT", "L1", "EXPIRY", FAR, NULL);
	fx_do(f, t, "SHIP", CODE(1), CODE(2), CODE(3), CODE(4), CODE(5), CODE(6), "FROM", "MFR",
	      "TO", "HOSP", NULL);
	fx_do(f, t, "RECEIVE", CODE(1), CODE(2), CODE(3), CODE(4), CODE(5), CODE(6), "SITE",
	      "HOSP", NULL);
}

/* Apply a DECOMMISSION or REACTIVATE at time ms by its rule, in a
 * transaction of its own. */
static enum cmd_status apply(struct fx *f, int64_t ms, struct custody_outcome *co,
			     const char *first, ...)
{
	struct fx_cmd c;
	va_list ap;
	va_start(ap, first);
	struct store_txn *t = fx_rule_begin(f, &c, ms, first, ap);
	va_end(ap);
	memset(co, 0, sizeof *co);
	enum cmd_status st = c.cmd.spec->id == CMD_REACTIVATE ?
			     decommission_reactivate(t, &f->cfg, &c.cmd, co) :
			     decommission_apply(t, &f->cfg, &c.cmd, co);
	return fx_rule_end(f, &c, st, &co->o);
}

#define assert_refused(st, co, msg) fx_assert_refused(st, (co).o, msg)

/* VERIFY of code at site, at time ms: the verdict and its reasons. */
static enum verdict verify(struct fx *f, int64_t ms, const char *code, const char *site,
			   uint32_t *reasons)
{
	struct fx_cmd c;
	struct scan_outcome so = { 0 };
	fx_parse(&c, ms, "VERIFY", code, "SITE", site, NULL);
	struct store_txn *t = fx_begin(f);
	assert_int_equal(scan_verify(t, &f->cfg, &c.cmd, false, &so), CMD_DONE);
	fx_abort(f);
	fx_cmd_free(&c);
	*reasons = so.j.reasons;
	return so.j.verdict;
}

static uint32_t bit(enum reason r)
{
	return 1u << r;
}

/* Nothing written since: no event, no unit changed. */
static void assert_unchanged(struct fx *f, uint64_t events, const char *code, struct unit was)
{
	assert_int_equal(fx_next(f, "event"), events);
	struct unit u = fx_unit(f, code);
	assert_int_equal(u.status, was.status);
	assert_int_equal(u.holder, was.holder);
	assert_int_equal(u.last_seq, was.last_seq);
}

static void test_state_names(void **state)
{
	(void)state;
	static const struct {
		const char *name;
		uint8_t status;
	} cases[] = {
		{ "sample", UNIT_SAMPLE }, { "exported", UNIT_EXPORTED },
		{ "stolen", UNIT_STOLEN }, { "checked_out", UNIT_CHECKED_OUT },
		{ "active", 0 }, { "destroyed", 0 }, { "dispensed", 0 }, { "SAMPLE", 0 },
		{ "sampl", 0 }, { "samples", 0 }, { "", 0 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		assert_int_equal(decommission_state_parse(cases[i].name, strlen(cases[i].name)),
				 cases[i].status);
}

static void test_each_state_is_recorded_and_answered(void **state)
{
	(void)state;
	struct fx f;
	struct custody_outcome co;
	uint32_t r;
	scene(&f);
	static const struct {
		const char *code, *state;
		uint8_t status;
		enum reason reason;
	} cases[] = {
		{ CODE(1), "sample", UNIT_SAMPLE, R_SAMPLE },
		{ CODE(2), "exported", UNIT_EXPORTED, R_EXPORTED },
		{ CODE(3), "stolen", UNIT_STOLEN, R_STOLEN },
		{ CODE(4), "checked_out", UNIT_CHECKED_OUT, R_CHECKED_OUT },
	};
	uint32_t hosp = fx_site_num(&f, "HOSP");
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int64_t at = FX_T0 + (int64_t)i * 1000;
		assert_int_equal(apply(&f, at, &co, "DECOMMISSION", cases[i].code, "SITE", "HOSP",
				       "STATE", cases[i].state, "REF", "R-1", NULL), CMD_DONE);
		assert_int_equal(co.codes, 1);
		struct unit u = fx_unit(&f, cases[i].code);
		assert_int_equal(u.status, cases[i].status);
		assert_int_equal(u.holder, hosp);
		assert_int_equal(u.last_seq, co.seq);
		struct event e = fx_event(&f, co.seq);
		assert_int_equal(e.kind, EV_DECOMMISSION);
		assert_int_equal(e.qty, cases[i].status);
		assert_int_equal(e.site, hosp);
		assert_int_equal(e.unit, u.id);
		assert_int_equal(e.time_ms, at);
		assert_string_equal(e.ref, "R-1");
		/* Elsewhere every end state is RED for its reason. */
		assert_int_equal(verify(&f, at, cases[i].code, "PH1", &r), VERDICT_RED);
		assert_true(r & bit(cases[i].reason));
	}
	/* At the hospital that checked it out, a ward may still give it. */
	assert_int_equal(verify(&f, FX_T0, CODE(4), "HOSP", &r), VERDICT_AMBER);
	assert_int_equal(r, bit(R_CHECKED_OUT));
	assert_int_equal(verify(&f, FX_T0, CODE(3), "HOSP", &r), VERDICT_RED);
	/* The others are untouched. */
	assert_int_equal(verify(&f, FX_T0, CODE(5), "HOSP", &r), VERDICT_GREEN);
	/* Several codes: one event for them all. */
	assert_int_equal(apply(&f, FX_T0, &co, "DECOMMISSION", CODE(5), CODE(6), "SITE", "HOSP",
			       "STATE", "sample", NULL), CMD_DONE);
	assert_int_equal(co.codes, 2);
	struct event e = fx_event(&f, co.seq);
	assert_int_equal(e.count, 2);
	assert_int_equal(e.unit, 0);
	assert_int_equal(fx_unit(&f, CODE(6)).status, UNIT_SAMPLE);
	fx_close(&f);
}

static void test_a_packed_unit_leaves_its_case(void **state)
{
	(void)state;
	struct fx f;
	struct custody_outcome co;
	scene(&f);
	fx_do(&f, FX_T0, "COMMISSION", CODE(7), CODE(8), "SITE", "MFR", "PRODUCT", PRODUCT, "LOT",
	      "L1", NULL);
	fx_do(&f, FX_T0, "PACK", SSCC1, CODE(7), CODE(8), "SITE", "MFR", NULL);
	uint64_t events = fx_next(&f, "event");
	struct unit was = fx_unit(&f, SSCC1);
	assert_refused(apply(&f, FX_T0, &co, "DECOMMISSION", SSCC1, "SITE", "MFR", "STATE",
			     "stolen", NULL), co, "is a container (level 2)");
	assert_unchanged(&f, events, SSCC1, was);
	assert_int_equal(apply(&f, FX_T0, &co, "DECOMMISSION", CODE(7), "SITE", "MFR", "STATE",
			       "stolen", NULL), CMD_DONE);
	assert_int_equal(fx_unit(&f, CODE(7)).parent, 0);
	assert_int_equal(fx_unit(&f, CODE(8)).parent, fx_unit(&f, SSCC1).id);
	fx_close(&f);
}

/* Bad input: a clear reason naming the code, and nothing written. */
static void test_refusals_change_nothing(void **state)
{
	(void)state;
	struct fx f;
	struct custody_outcome co;
	scene(&f);
	fx_do(&f, FX_T0, "DECOMMISSION", CODE(1), "SITE", "HOSP", "STATE", "stolen", NULL);
	fx_do(&f, FX_T0, "DISPENSE", CODE(6), "SITE", "HOSP", NULL);
	uint64_t events = fx_next(&f, "event");
	struct unit was = fx_unit(&f, CODE(2));
	assert_refused(apply(&f, FX_T0, &co, "DECOMMISSION", CODE(2), "SITE", "HOSP", "STATE",
			     "lost", NULL), co,
		       "STATE 'lost' is not an end state (sample, exported, stolen, checked_out)");
	assert_refused(apply(&f, FX_T0, &co, "DECOMMISSION", CODE(2), "SITE", "NOPE", "STATE",
			     "sample", NULL), co, "NOPE");
	assert_refused(apply(&f, FX_T0, &co, "DECOMMISSION", CODE(2), "SITE", "PH1", "STATE",
			     "sample", NULL), co, "code 1 (" CODE(2) ")");
	assert_refused(apply(&f, FX_T0, &co, "DECOMMISSION", CODE(2), CODE(1), "SITE", "HOSP",
			     "STATE", "sample", NULL), co,
		       "code 2 (" CODE(1) ") is decommissioned (stolen)");
	assert_refused(apply(&f, FX_T0, &co, "DECOMMISSION", CODE(2), CODE(6), "SITE", "HOSP",
			     "STATE", "sample", NULL), co, "code 2 (" CODE(6) ") is dispensed");
	assert_refused(apply(&f, FX_T0, &co, "DECOMMISSION", CODE(2), "83012340000000000099",
			     "SITE", "HOSP", "STATE", "sample", NULL), co, "code 2");
	assert_unchanged(&f, events, CODE(2), was);
	/* Stock that must not be used may be a sample, not exported. */
	fx_do(&f, FX_T0, "RECALL", PRODUCT, "L1", "LEVEL", "1", "REASON", "x", NULL);
	events = fx_next(&f, "event");
	assert_refused(apply(&f, FX_T0, &co, "DECOMMISSION", CODE(2), "SITE", "HOSP", "STATE",
			     "exported", NULL), co,
		       "code 1 (" CODE(2) "): its lot is recalled, so it may not be exported");
	assert_refused(apply(&f, FX_T0, &co, "DECOMMISSION", CODE(2), "SITE", "HOSP", "STATE",
			     "checked_out", NULL), co, "its lot is recalled");
	assert_unchanged(&f, events, CODE(2), was);
	assert_int_equal(apply(&f, FX_T0, &co, "DECOMMISSION", CODE(2), "SITE", "HOSP", "STATE",
			       "sample", NULL), CMD_DONE);
	fx_close(&f);
}

static void test_reactivate_by_the_same_site_within_the_window(void **state)
{
	(void)state;
	struct fx f;
	struct custody_outcome co;
	uint32_t r;
	scene(&f);
	fx_do(&f, FX_T0, "DECOMMISSION", CODE(1), CODE(2), "SITE", "HOSP", "STATE", "stolen",
	      NULL);
	uint64_t events = fx_next(&f, "event");
	struct unit was = fx_unit(&f, CODE(1));
	assert_refused(apply(&f, FX_T0, &co, "REACTIVATE", CODE(1), "SITE", "PH1", NULL), co,
		       "code 1 (" CODE(1) ") was decommissioned (stolen) by HOSP: only that site "
		       "may reactivate it");
	assert_refused(apply(&f, FX_T0, &co, "REACTIVATE", CODE(1), CODE(3), "SITE", "HOSP", NULL),
		       co, "code 2 (" CODE(3) ") is not decommissioned (it is active)");
	assert_unchanged(&f, events, CODE(1), was);
	int64_t in = FX_T0 + 10 * FX_DAY_MS - 1000;	/* the default window: 10 days */
	assert_int_equal(apply(&f, in, &co, "REACTIVATE", CODE(1), "SITE", "HOSP", "REF", "found",
			       NULL), CMD_DONE);
	assert_int_equal(co.codes, 1);
	struct unit u = fx_unit(&f, CODE(1));
	assert_int_equal(u.status, UNIT_ACTIVE);
	assert_int_equal(u.holder, fx_site_num(&f, "HOSP"));
	struct event e = fx_event(&f, co.seq);
	assert_int_equal(e.kind, EV_REACTIVATE);
	assert_int_equal(e.qty, UNIT_STOLEN);	/* the state it left */
	assert_string_equal(e.ref, "found");
	assert_int_equal(verify(&f, in, CODE(1), "HOSP", &r), VERDICT_GREEN);
	/* Past the window the code keeps its end state. */
	events = fx_next(&f, "event");
	was = fx_unit(&f, CODE(2));
	assert_refused(apply(&f, FX_T0 + 10 * FX_DAY_MS + 1000, &co, "REACTIVATE", CODE(2), "SITE",
			     "HOSP", NULL), co, "more than the undo window (10d) ago");
	assert_unchanged(&f, events, CODE(2), was);
	fx_close(&f);
}

/* A pack recalled, withdrawn or expired since it left stays out (the EU
 * system's Art. 13); once that ends, it may return. */
static void test_reactivate_refuses_unusable_stock(void **state)
{
	(void)state;
	struct fx f;
	struct custody_outcome co;
	scene(&f);
	int64_t t = FX_T0 - 20 * FX_DAY_MS;
	fx_do(&f, t, "COMMISSION", CODE(7), "SITE", "MFR", "PRODUCT", PRODUCT, "LOT", "L2",
	      "EXPIRY", "2027-03-20", NULL);
	fx_do(&f, t, "SHIP", CODE(7), "FROM", "MFR", "TO", "HOSP", NULL);
	fx_do(&f, t, "RECEIVE", CODE(7), "SITE", "HOSP", NULL);
	fx_do(&f, FX_T0, "DECOMMISSION", CODE(1), CODE(7), "SITE", "HOSP", "STATE", "sample",
	      NULL);
	fx_do(&f, FX_T0, "RECALL", PRODUCT, "L1", "LEVEL", "2", "REASON", "x", NULL);
	uint64_t events = fx_next(&f, "event");
	struct unit was = fx_unit(&f, CODE(1));
	assert_refused(apply(&f, FX_T0, &co, "REACTIVATE", CODE(1), "SITE", "HOSP", NULL), co,
		       "code 1 (" CODE(1) "): its lot is recalled, so it cannot return to stock");
	fx_do(&f, FX_T0, "LIFT", PRODUCT, "L1", "REASON", "x", NULL);
	fx_do(&f, FX_T0, "WITHDRAW", PRODUCT, "REASON", "x", NULL);
	events = fx_next(&f, "event");
	assert_refused(apply(&f, FX_T0, &co, "REACTIVATE", CODE(1), "SITE", "HOSP", NULL), co,
		       "its product is withdrawn");
	assert_unchanged(&f, events, CODE(1), was);
	fx_do(&f, FX_T0, "UNWITHDRAW", PRODUCT, "REASON", "in error", NULL);
	/* L2 expired on the 20th: within the window, but expired. */
	int64_t later = FX_T0 + 7 * FX_DAY_MS;
	assert_refused(apply(&f, later, &co, "REACTIVATE", CODE(7), "SITE", "HOSP", NULL), co,
		       "it is expired");
	assert_int_equal(apply(&f, later, &co, "REACTIVATE", CODE(1), "SITE", "HOSP", NULL),
			 CMD_DONE);
	assert_int_equal(fx_unit(&f, CODE(1)).status, UNIT_ACTIVE);
	assert_int_equal(fx_unit(&f, CODE(7)).status, UNIT_SAMPLE);
	fx_close(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_state_names),
		cmocka_unit_test(test_each_state_is_recorded_and_answered),
		cmocka_unit_test(test_a_packed_unit_leaves_its_case),
		cmocka_unit_test(test_refusals_change_nothing),
		cmocka_unit_test(test_reactivate_by_the_same_site_within_the_window),
		cmocka_unit_test(test_reactivate_refuses_unusable_stock),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
