/*
 * test_transform — repackaging (daemon/transform.c: TRANSFORM INPUTS ...
 * OUTPUTS ... SITE s LOT l EXPIRY d) applied to typed commands against a
 * temporary store with a fixed clock: the inputs consumed, the outputs
 * commissioned, the event and lot links between them, the verdicts that
 * follow (an input transformed, an output of a recalled input lot), its
 * grammar, its site kinds, and every refusal writing nothing.
 */
#include "rules_fixture.h"

#include "impact.h"
#include "lot_links.h"
#include "scan.h"
#include "site_kinds.h"
#include "trace.h"
#include "transform.h"
#include "verdict.h"

#define BULK "8301234"
#define SPLIT "8305555"
#define IN(n) "8301234000000000001" #n
#define OUT(n) "8305555000000000002" #n
#define SSCC1 "(00)069012340000000016"
#define FAR "2030-01-01"

/* Sites MFR, DIST, PH1; inputs 1-6 of BULK lot B1 made at MFR ten days
 * ago, 1-4 shipped to DIST and received there. */
static void scene(struct fx *f)
{
	fx_open(f);
	fx_site(f, "MFR", "manufacturer");
	fx_site(f, "DIST", "distributor");
	fx_site(f, "PH1", "pharmacy");
	fx_product(f, BULK, "100");
	fx_product(f, SPLIT, "10");
	int64_t t = FX_T0 - 10 * FX_DAY_MS;
	fx_do(f, t, "COMMISSION", IN(1), IN(2), IN(3), IN(4), IN(5), IN(6), "SITE", "MFR",
	      "PRODUCT", BULK, "LOT", "B1", "EXPIRY", FAR, NULL);
	fx_do(f, t, "SHIP", IN(1), IN(2), IN(3), IN(4), "FROM", "MFR", "TO", "DIST", NULL);
	fx_do(f, t, "RECEIVE", IN(1), IN(2), IN(3), IN(4), "SITE", "DIST", NULL);
}

static enum cmd_status apply(struct fx *f, int64_t ms, struct custody_outcome *co,
			     const char *first, ...)
{
	struct fx_cmd c;
	va_list ap;
	va_start(ap, first);
	struct store_txn *t = fx_rule_begin(f, &c, ms, first, ap);
	va_end(ap);
	memset(co, 0, sizeof *co);
	return fx_rule_end(f, &c, transform_apply(t, &f->cfg, &c.cmd, co), &co->o);
}

#define assert_refused(st, co, msg) fx_assert_refused(st, (co).o, msg)

static enum verdict verify(struct fx *f, const char *code, const char *site, uint32_t *reasons,
			   char *msg, size_t n)
{
	struct fx_cmd c;
	struct scan_outcome so = { 0 };
	fx_parse(&c, FX_T0, "VERIFY", code, "SITE", site, NULL);
	struct store_txn *t = fx_begin(f);
	assert_int_equal(scan_verify(t, &f->cfg, &c.cmd, false, &so), CMD_DONE);
	assert_int_equal(verdict_gather(t, &so.j), 0);
	struct resp_out out = { BUF_INIT, 2 };
	verdict_reply(&out, &so.j, &f->cfg, FX_T0);
	snprintf(msg, n, "%.*s", (int)out.b.len, out.b.data);
	buf_free(&out.b);
	fx_abort(f);
	fx_cmd_free(&c);
	*reasons = so.j.reasons;
	return so.j.verdict;
}

static uint32_t bit(enum reason r)
{
	return 1u << r;
}

/* The lots linked from lot `lot`, one way or the other. */
static size_t links(struct fx *f, uint32_t lot, bool outputs, uint32_t *lots)
{
	size_t n;
	struct store_txn *t = fx_begin(f);
	assert_int_equal(outputs ? lot_links_outputs(t, lot, lots, NULL, &n) :
			 lot_links_sources(t, lot, lots, &n), 0);
	fx_abort(f);
	return n;
}

static void test_grammar(void **state)
{
	(void)state;
	struct fx_cmd c;
	fx_parse(&c, FX_T0, "TRANSFORM", "INPUTS", IN(1), IN(2), "OUTPUTS", OUT(1), OUT(2),
		 OUT(3), "SITE", "DIST", "LOT", "S1", "EXPIRY", FAR, NULL);
	assert_int_equal(c.cmd.ncodes, 5);
	assert_int_equal(c.cmd.nsplit, 2);
	assert_string_equal(c.cmd.codes[1].cr_product, BULK);
	assert_string_equal(c.cmd.codes[2].cr_product, SPLIT);
	fx_cmd_free(&c);
	static const struct {
		const char *why;
		const char *w[8];
	} bad[] = {
		{ "INPUTS must come first", { IN(1), "OUTPUTS", OUT(1), "SITE", "DIST" } },
		{ "OUTPUTS is required", { "INPUTS", IN(1), OUT(1), "SITE", "DIST" } },
		{ "INPUTS needs at least one code", { "INPUTS", "OUTPUTS", OUT(1), "SITE", "DIST" } },
		{ "OUTPUTS needs at least one code", { "INPUTS", IN(1), "OUTPUTS", "SITE", "DIST" } },
		{ "OUTPUTS given twice", { "INPUTS", IN(1), "OUTPUTS", OUT(1), "OUTPUTS", OUT(2) } },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		const char *const *w = bad[i].w;
		assert_int_equal(fx_parse_err(&c, FX_T0, "TRANSFORM", w[0], w[1], w[2], w[3], w[4],
					      w[5], "LOT", "S1", "EXPIRY", FAR, NULL), 0);
		if (strstr(c.err, bad[i].why) == NULL)
			fail_msg("case %zu: \"%s\", not \"%s\"", i, c.err, bad[i].why);
	}
	assert_int_equal(fx_parse_err(&c, FX_T0, "TRANSFORM", "INPUTS", IN(1), "OUTPUTS", OUT(1),
				      "SITE", "DIST", "EXPIRY", FAR, NULL), 0);
	assert_non_null(strstr(c.err, "LOT is required"));
}

static void test_inputs_consumed_outputs_commissioned(void **state)
{
	(void)state;
	struct fx f;
	struct custody_outcome co;
	uint32_t r, lots[LOT_LINKS_MAX];
	char msg[2048];
	scene(&f);
	uint32_t dist = fx_site_num(&f, "DIST");
	assert_int_equal(apply(&f, FX_T0, &co, "TRANSFORM", "INPUTS", IN(1), IN(2), "OUTPUTS",
			       OUT(1), OUT(2), OUT(3), "SITE", "DIST", "LOT", "S1", "EXPIRY",
			       "2029-06-30", "REF", "RP-7", NULL), CMD_DONE);
	assert_int_equal(co.codes, 2);
	assert_int_equal(co.outputs, 3);
	assert_int_equal(co.level, 1);
	struct event e = fx_event(&f, co.seq);
	assert_int_equal(e.kind, EV_TRANSFORM);
	assert_int_equal(e.site, dist);
	assert_int_equal(e.count, 2);
	assert_int_equal(e.unit, 0);	/* two inputs: listed as members */
	assert_int_equal(e.qty, 3);
	assert_string_equal(e.ref, "RP-7");
	struct unit in1 = fx_unit(&f, IN(1)), out1 = fx_unit(&f, OUT(1)),
		    out3 = fx_unit(&f, OUT(3));
	assert_int_equal(in1.status, UNIT_TRANSFORMED);
	assert_int_equal(fx_unit(&f, IN(2)).status, UNIT_TRANSFORMED);
	assert_int_equal(fx_unit(&f, IN(3)).status, UNIT_ACTIVE);
	assert_int_equal(e.parent, out1.id);
	assert_int_equal(out3.id, out1.id + 2);
	assert_int_equal(out1.status, UNIT_ACTIVE);
	assert_int_equal(out1.holder, dist);
	assert_int_equal(out1.commission_seq, co.seq - 1);
	assert_int_equal(fx_event(&f, out1.commission_seq).kind, EV_COMMISSION);
	/* The lots are linked both ways. */
	assert_int_equal(links(&f, out1.lot, false, lots), 1);
	assert_int_equal(lots[0], in1.lot);
	assert_int_equal(links(&f, in1.lot, true, lots), 1);
	assert_int_equal(lots[0], out1.lot);
	/* An input answers RED transformed; an output GREEN at its holder. */
	assert_int_equal(verify(&f, IN(1), "DIST", &r, msg, sizeof msg), VERDICT_RED);
	assert_true(r & bit(R_TRANSFORMED));
	assert_non_null(strstr(msg, "repackaged into other codes"));
	assert_int_equal(verify(&f, OUT(2), "DIST", &r, msg, sizeof msg), VERDICT_GREEN);
	/* A recall of the input lot reaches the output: RED recalled, named. */
	fx_do(&f, FX_T0, "RECALL", BULK, "B1", "LEVEL", "1", "REASON", "impurity", NULL);
	assert_int_equal(verify(&f, OUT(2), "DIST", &r, msg, sizeof msg), VERDICT_RED);
	assert_int_equal(r, bit(R_RECALLED));
	assert_non_null(strstr(msg, "repackaged from lot B1 of product " BULK ", which is "
			       "recalled (level 1)"));
	fx_do(&f, FX_T0, "LIFT", BULK, "B1", "REASON", "cleared", NULL);
	assert_int_equal(verify(&f, OUT(2), "DIST", &r, msg, sizeof msg), VERDICT_GREEN);
	fx_close(&f);
}

static void test_repackaged_twice_is_followed(void **state)
{
	(void)state;
	struct fx f;
	struct custody_outcome co;
	uint32_t r;
	char msg[2048];
	scene(&f);
	assert_int_equal(apply(&f, FX_T0, &co, "TRANSFORM", "INPUTS", IN(1), "OUTPUTS", OUT(1),
			       OUT(2), "SITE", "DIST", "LOT", "S1", "EXPIRY", FAR, NULL), CMD_DONE);
	/* S1's packs repackaged again, into lot S2 of the same product. */
	assert_int_equal(apply(&f, FX_T0, &co, "TRANSFORM", "INPUTS", OUT(1), "OUTPUTS", OUT(5),
			       "SITE", "DIST", "LOT", "S2", "EXPIRY", FAR, NULL), CMD_DONE);
	/* A relabelling within its own lot links nothing. */
	assert_int_equal(apply(&f, FX_T0, &co, "TRANSFORM", "INPUTS", OUT(5), "OUTPUTS", OUT(6),
			       "SITE", "DIST", "LOT", "S2", "EXPIRY", FAR, NULL), CMD_DONE);
	uint32_t lots[LOT_LINKS_MAX];
	assert_int_equal(links(&f, fx_unit(&f, OUT(6)).lot, false, lots), 2);
	fx_do(&f, FX_T0, "RECALL", BULK, "B1", "LEVEL", "2", "REASON", "impurity", NULL);
	assert_int_equal(verify(&f, OUT(6), "DIST", &r, msg, sizeof msg), VERDICT_RED);
	assert_non_null(strstr(msg, "repackaged from lot B1"));
	fx_close(&f);
}

/* TRACE code as the local principal; the caller trace_frees. */
static void trace(struct fx *f, struct trace_outcome *to, const char *code)
{
	struct fx_cmd c;
	fx_parse(&c, FX_T0, "TRACE", code, NULL);
	memset(to, 0, sizeof *to);
	assert_int_equal(trace_gather(fx_begin(f), &f->cfg, &c.cmd, to), CMD_DONE);
	fx_abort(f);
	fx_cmd_free(&c);
	assert_true(to->j.found);
}

/* The TRANSFORM step of a trace (there is one). */
static const struct trace_xform *xform_step(const struct trace_outcome *to)
{
	for (size_t i = 0; i < to->nstep; i++)
		if (to->step[i].e.kind == EV_TRANSFORM) {
			assert_non_null(to->step[i].xform);
			assert_string_equal(to->step[i].site, "DIST");
			return to->step[i].xform;
		}
	fail_msg("no transform step");
	return NULL;
}

/* The scene, then inputs 1 and 2 (lot B1) repackaged at DIST into
 * outputs 1-3 of SPLIT lot S1. */
static void split_b1(struct fx *f)
{
	struct custody_outcome co;
	scene(f);
	assert_int_equal(apply(f, FX_T0, &co, "TRANSFORM", "INPUTS", IN(1), IN(2), "OUTPUTS",
			       OUT(1), OUT(2), OUT(3), "SITE", "DIST", "LOT", "S1", "EXPIRY",
			       FAR, NULL), CMD_DONE);
}

static void test_trace_both_ways(void **state)
{
	(void)state;
	struct fx f;
	struct trace_outcome to;
	split_b1(&f);
	/* An output (the first: the boundary of the outputs' ids): where it
	 * came from, the inputs and their lot. */
	trace(&f, &to, OUT(1));
	const struct trace_xform *x = xform_step(&to);
	assert_true(x->is_output);
	assert_int_equal(x->ninputs, 2);
	assert_int_equal(x->nin, 2);
	assert_string_equal(x->in[0].code, IN(1));
	assert_string_equal(x->in[1].code, IN(2));
	assert_string_equal(x->in[1].product, BULK);
	assert_string_equal(x->in[1].lot, "B1");
	assert_int_equal(x->noutputs, 3);
	assert_string_equal(x->out[2].code, OUT(3));
	assert_string_equal(x->out[2].lot, "S1");
	/* It comes after the output's commissioning. */
	assert_int_equal(to.step[0].e.kind, EV_COMMISSION);
	trace_free(&to);
	/* An input: what it became, and its own chain before. */
	trace(&f, &to, IN(1));
	x = xform_step(&to);
	assert_false(x->is_output);
	assert_int_equal(x->nout, 3);
	assert_string_equal(x->out[0].code, OUT(1));
	assert_string_equal(x->out[0].product, SPLIT);
	assert_string_equal(x->out[0].lot, "S1");
	assert_int_equal(to.step[to.nstep - 1].e.kind, EV_TRANSFORM);
	assert_int_equal(to.step[to.nstep - 2].e.kind, EV_RECEIVE);
	trace_free(&to);
	/* Another input's trace shows the same step; an untouched code none. */
	trace(&f, &to, IN(3));
	for (size_t i = 0; i < to.nstep; i++)
		assert_int_not_equal(to.step[i].e.kind, EV_TRANSFORM);
	trace_free(&to);
	fx_close(&f);
}

static void impact(struct fx *f, struct impact_outcome *io, const char *first, ...)
{
	struct fx_cmd c;
	va_list ap;
	va_start(ap, first);
	fx_vparse(&c, FX_T0, first, ap);
	va_end(ap);
	memset(io, 0, sizeof *io);
	assert_int_equal(impact_gather(fx_begin(f), &f->cfg, &c.cmd, io), CMD_DONE);
	fx_abort(f);
	fx_cmd_free(&c);
}

static void test_impact_reaches_derived_lots(void **state)
{
	(void)state;
	struct fx f;
	struct custody_outcome co;
	struct impact_outcome io;
	split_b1(&f);
	/* S1 repackaged again into S2 (a second step is followed), one of
	 * S2's packs sold on. */
	assert_int_equal(apply(&f, FX_T0, &co, "TRANSFORM", "INPUTS", OUT(1), "OUTPUTS", OUT(5),
			       OUT(6), "SITE", "DIST", "LOT", "S2", "EXPIRY", FAR, NULL), CMD_DONE);
	fx_do(&f, FX_T0, "SHIP", OUT(6), "FROM", "DIST", "TO", "PH1", NULL);
	fx_do(&f, FX_T0, "RECALL", BULK, "B1", "LEVEL", "1", "REASON", "impurity", NULL);
	impact(&f, &io, "IMPACT", BULK, "B1", NULL);
	assert_true(io.recalled);
	assert_int_equal(io.totals.transformed, 2);
	assert_int_equal(io.nderived, 2);
	const struct impact_derived *s1 = &io.derived[0], *s2 = &io.derived[1];
	assert_string_equal(s1->lot.name, "S1");
	assert_string_equal(s1->product, SPLIT);
	assert_string_equal(s1->from_product, BULK);
	assert_string_equal(s1->from_lot, "B1");
	assert_int_equal(s1->stock, 2);		/* OUT(2), OUT(3) */
	assert_int_equal(s1->transformed, 1);	/* OUT(1) into S2 */
	assert_string_equal(s2->lot.name, "S2");
	assert_string_equal(s2->from_product, SPLIT);	/* made from S1, not B1 */
	assert_string_equal(s2->from_lot, "S1");
	assert_int_equal(s2->stock, 1);
	assert_int_equal(s2->transit, 1);
	assert_int_equal(io.totals.derived, 3 + 2);
	impact_free(&io);
	/* The output lot reaches nothing further down than S2. */
	impact(&f, &io, "IMPACT", SPLIT, "S2", NULL);
	assert_int_equal(io.nderived, 0);
	assert_int_equal(io.totals.derived, 0);
	impact_free(&io);
	/* IMPACT PRODUCT of the bulk product reaches them too. */
	impact(&f, &io, "IMPACT", "PRODUCT", BULK, NULL);
	assert_int_equal(io.nderived, 2);
	assert_int_equal(io.totals.derived, 5);
	impact_free(&io);
	/* ... but a product's own lots are not derived from it again. */
	impact(&f, &io, "IMPACT", "PRODUCT", SPLIT, NULL);
	assert_int_equal(io.nderived, 0);
	impact_free(&io);
	fx_close(&f);
}

/* Outputs commissioned into a lot that exists already can close a cycle
 * (B1 into S1, S1 back into B1): a lot is never its own derived lot, nor
 * counted twice. */
static void test_impact_of_a_cycle(void **state)
{
	(void)state;
	struct fx f;
	struct custody_outcome co;
	struct impact_outcome io;
	split_b1(&f);
	assert_int_equal(apply(&f, FX_T0, &co, "TRANSFORM", "INPUTS", OUT(1), "OUTPUTS", IN(7),
			       "SITE", "DIST", "LOT", "B1", "EXPIRY", FAR, NULL), CMD_DONE);
	impact(&f, &io, "IMPACT", BULK, "B1", NULL);
	assert_int_equal(io.nderived, 1);
	assert_string_equal(io.derived[0].lot.name, "S1");
	assert_int_equal(io.totals.derived, 3);
	impact_free(&io);
	impact(&f, &io, "IMPACT", SPLIT, "S1", NULL);
	assert_int_equal(io.nderived, 1);
	assert_string_equal(io.derived[0].lot.name, "B1");
	assert_string_equal(io.derived[0].from_lot, "S1");
	impact_free(&io);
	fx_close(&f);
}

/* Nothing written since: no event, the input as it was, no output. */
static void assert_unchanged(struct fx *f, uint64_t events, const char *in, struct unit was)
{
	struct unit u;
	assert_int_equal(fx_next(f, "event"), events);
	u = fx_unit(f, in);
	assert_int_equal(u.status, was.status);
	assert_int_equal(u.last_seq, was.last_seq);
	assert_int_equal(fx_find_unit(f, OUT(1), &u), STORE_NOTFOUND);
}

static void test_refusals_change_nothing(void **state)
{
	(void)state;
	struct fx f;
	struct custody_outcome co;
	scene(&f);
	fx_do(&f, FX_T0, "COMMISSION", IN(7), "SITE", "MFR", "PRODUCT", BULK, "LOT", "B1", NULL);
	fx_do(&f, FX_T0, "PACK", SSCC1, IN(7), "SITE", "MFR", NULL);
	fx_do(&f, FX_T0, "SHIP", IN(6), "FROM", "MFR", "TO", "PH1", NULL);
	fx_do(&f, FX_T0, "RECEIVE", IN(6), "SITE", "PH1", NULL);
	fx_do(&f, FX_T0, "DISPENSE", IN(6), "SITE", "PH1", "QTY", "5", NULL);
	uint64_t events = fx_next(&f, "event");
	struct unit was = fx_unit(&f, IN(1));
	static const struct {
		const char *why;
		const char *in, *out, *site, *lot, *product;
	} bad[] = {
		{ "INPUTS code 1 (", IN(5), OUT(1), "DIST", "S1", NULL },	/* at MFR */
		{ "is held by MFR", IN(5), OUT(1), "DIST", "S1", NULL },
		{ "INPUTS code 1 (" IN(9) ") is not commissioned", IN(9), OUT(1), "DIST", "S1",
		  NULL },
		{ "is a container (level 2): repackage the packs in it", SSCC1, OUT(1), "MFR",
		  "S1", NULL },
		{ "split pack already sold from (5 units)", IN(6), OUT(1), "PH1", "S1", NULL },
		{ "OUTPUTS code 1 (" IN(1) ") is already commissioned", IN(1), IN(1), "DIST",
		  "S1", NULL },
		{ "OUTPUTS PRODUCT 8309999 does not match", IN(1), OUT(1), "DIST", "S1",
		  "8309999" },
		{ "unknown site 'NOWHERE'", IN(1), OUT(1), "NOWHERE", "S1", NULL },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		enum cmd_status st = bad[i].product ?
			apply(&f, FX_T0, &co, "TRANSFORM", "INPUTS", bad[i].in, "OUTPUTS", bad[i].out,
			      "SITE", bad[i].site, "LOT", bad[i].lot, "EXPIRY", FAR, "PRODUCT",
			      bad[i].product, NULL) :
			apply(&f, FX_T0, &co, "TRANSFORM", "INPUTS", bad[i].in, "OUTPUTS", bad[i].out,
			      "SITE", bad[i].site, "LOT", bad[i].lot, "EXPIRY", FAR, NULL);
		if (st != CMD_REFUSED || strstr(co.o.why, bad[i].why) == NULL)
			fail_msg("case %zu: status %d \"%s\", not \"%s\"", i, (int)st, co.o.why,
				 bad[i].why);
		assert_unchanged(&f, events, IN(1), was);
	}
	/* A recalled input is not given new codes. */
	fx_do(&f, FX_T0, "RECALL", BULK, "B1", "LEVEL", "1", "REASON", "impurity", NULL);
	events = fx_next(&f, "event");
	assert_refused(apply(&f, FX_T0, &co, "TRANSFORM", "INPUTS", IN(1), "OUTPUTS", OUT(1),
			     "SITE", "DIST", "LOT", "S1", "EXPIRY", FAR, NULL), co,
		       "INPUTS code 1 (" IN(1) "): its lot is recalled, so it may not be "
		       "repackaged");
	assert_true(co.o.conflict);
	assert_unchanged(&f, events, IN(1), was);
	fx_close(&f);
}

static void test_site_kinds(void **state)
{
	(void)state;
	struct fx f;
	scene(&f);
	struct fx_cmd c;
	char why[300];
	static const struct {
		const char *site;
		bool may;
	} cases[] = { { "MFR", true }, { "DIST", true }, { "PH1", false } };
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		fx_parse(&c, FX_T0, "TRANSFORM", "INPUTS", IN(1), "OUTPUTS", OUT(1), "SITE",
			 cases[i].site, "LOT", "S1", "EXPIRY", FAR, NULL);
		struct store_txn *t = fx_begin(&f);
		int rc = site_kinds_check(t, &c.cmd, why, sizeof why);
		fx_abort(&f);
		fx_cmd_free(&c);
		if (cases[i].may)
			assert_int_equal(rc, 0);
		else
			assert_int_not_equal(rc, 0);
	}
	fx_close(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_grammar),
		cmocka_unit_test(test_inputs_consumed_outputs_commissioned),
		cmocka_unit_test(test_repackaged_twice_is_followed),
		cmocka_unit_test(test_trace_both_ways),
		cmocka_unit_test(test_impact_reaches_derived_lots),
		cmocka_unit_test(test_impact_of_a_cycle),
		cmocka_unit_test(test_refusals_change_nothing),
		cmocka_unit_test(test_site_kinds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
