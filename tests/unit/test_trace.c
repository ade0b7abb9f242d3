/*
 * test_trace — what TRACE (daemon/trace.c) and ALERTS (alert_list.c)
 * gather against a temporary store, with a fixed clock: a code's chain in
 * time order, moves made in a container, the lot's recall, the part a
 * site's own principal sees, and alerts with the first sale they repeat.
 */
#include "rules_fixture.h"

#include "entry.h"

#include "acl.h"
#include "alert_list.h"
#include "trace.h"

#define PRODUCT "8301234"
#define CODE "83012340000000000011"
#define CASE "83012340000000000099"

static uint32_t site_num(struct fx *f, const char *id)
{
	struct master_rec rec;
	assert_int_equal(master_load(fx_begin(f), &master_site, id, &rec), 0);
	fx_abort(f);
	return rec.num;
}

/* CODE is commissioned at MFR, packed into CASE, which is shipped to PH1
 * and received; CODE is unpacked and sold there, then sold again at PH2
 * (a duplicate: an alert of PH2's); its lot is recalled. */
static void scene(struct fx *f)
{
	fx_open(f);
	fx_site(f, "MFR", "manufacturer");
	fx_site(f, "PH1", "pharmacy");
	fx_site(f, "PH2", "pharmacy");
	fx_product(f, PRODUCT, "1");
	int64_t t = FX_T0 - 10 * FX_DAY_MS;
	fx_do(f, t, "COMMISSION", CODE, "SITE", "MFR", "PRODUCT", PRODUCT, "LOT", "L1", "EXPIRY",
	      "2030-01-01", NULL);
	fx_do(f, t + 1000, "PACK", CASE, CODE, "SITE", "MFR", NULL);
	fx_do(f, t + 2000, "SHIP", CASE, "FROM", "MFR", "TO", "PH1", "REF", "DN-7", NULL);
	fx_do(f, t + 3000, "RECEIVE", CASE, "SITE", "PH1", NULL);
	fx_do(f, t + 4000, "UNPACK", CASE, "SITE", "PH1", NULL);
	fx_do(f, t + 5000, "DISPENSE", CODE, "SITE", "PH1", "TX", "S1", NULL);
	fx_do(f, t + 6000, "DISPENSE", CODE, "SITE", "PH2", "TX", "S2", NULL);
	fx_do(f, t + 7000, "RECALL", PRODUCT, "L1", "LEVEL", "1", "REASON", "mould", NULL);
}

static enum cmd_status trace(struct fx *f, const struct principal *who,
			     struct trace_outcome *to, const char *code)
{
	struct fx_cmd c;
	fx_parse(&c, FX_T0, "TRACE", code, NULL);
	c.cmd.who = who;
	memset(to, 0, sizeof *to);
	enum cmd_status st = trace_gather(fx_begin(f), &f->cfg, &c.cmd, to);
	fx_abort(f);
	fx_cmd_free(&c);
	if (st == CMD_FAILED)
		fail_msg("TRACE: store %s", store_strerror(to->o.store_rc));
	return st;
}

static void test_trace_in_time_order_with_moves_in_a_container(void **state)
{
	(void)state;
	struct fx f;
	struct trace_outcome to;
	scene(&f);
	assert_int_equal(trace(&f, NULL, &to, CODE), CMD_DONE);
	assert_true(to.j.found);
	assert_string_equal(to.code, CODE);
	static const uint8_t kinds[] = { EV_COMMISSION, EV_PACK, EV_SHIP, EV_RECEIVE, EV_UNPACK,
					 EV_DISPENSE, EV_RECALL };
	assert_int_equal(to.nstep, sizeof kinds);
	for (size_t i = 0; i < to.nstep; i++) {
		assert_int_equal(to.step[i].e.kind, kinds[i]);
		assert_true(i == 0 || to.step[i].e.time_ms >= to.step[i - 1].e.time_ms);
	}
	assert_true(to.step[1].has_container);		/* packed into CASE */
	assert_string_equal(to.step[1].container, CASE);
	assert_true(to.step[2].has_via);		/* shipped in it */
	assert_string_equal(to.step[2].via, CASE);
	assert_string_equal(to.step[2].site, "MFR");
	assert_string_equal(to.step[2].other, "PH1");
	assert_string_equal(to.step[5].site, "PH1");
	assert_string_equal(to.holder, "PH1");
	assert_int_equal(to.nalert, 1);
	assert_string_equal(to.alert[0].site, "PH2");
	assert_true(to.alert[0].has_first_sale);
	assert_string_equal(to.alert[0].first_sale_site, "PH1");
	assert_int_equal(to.alert[0].first_sale_ms, FX_T0 - 10 * FX_DAY_MS + 5000);
	trace_free(&to);
	fx_close(&f);
}

static void test_trace_as_one_site_sees_its_own_part(void **state)
{
	(void)state;
	struct fx f;
	struct trace_outcome to;
	scene(&f);
	struct principal ph2 = { .role = ROLE_PHARMACY, .site = site_num(&f, "PH2") };
	assert_int_equal(trace(&f, &ph2, &to, CODE), CMD_DONE);
	/* Its commissioning and its lot's recall: nothing of PH2's own, since
	 * the duplicate sale was refused. */
	assert_int_equal(to.nstep, 2);
	assert_int_equal(to.step[0].e.kind, EV_COMMISSION);
	assert_int_equal(to.step[1].e.kind, EV_RECALL);
	assert_int_equal(to.nalert, 1);			/* PH2's own alert */
	trace_free(&to);

	struct principal ph1 = { .role = ROLE_PHARMACY, .site = site_num(&f, "PH1") };
	assert_int_equal(trace(&f, &ph1, &to, CODE), CMD_DONE);
	assert_int_equal(to.nstep, 6);			/* no PACK at MFR */
	assert_int_equal(to.nalert, 0);
	trace_free(&to);
	fx_close(&f);
}

static void test_trace_of_no_record(void **state)
{
	(void)state;
	struct fx f;
	struct trace_outcome to;
	scene(&f);
	assert_int_equal(trace(&f, NULL, &to, "83012340000000000077"), CMD_DONE);
	assert_false(to.j.found);
	assert_string_equal(to.code, "83012340000000000077");
	assert_int_equal(to.nstep, 0);
	trace_free(&to);
	assert_int_equal(trace(&f, NULL, &to, "hello"), CMD_REFUSED);
	assert_true(to.o.why[0] != '\0');
	trace_free(&to);
	fx_close(&f);
}

/* A command at FX_T0, sent by who. */
static void parse_as(struct fx_cmd *c, const struct principal *who, const char *first,
		     va_list ap)
{
	fx_vparse(c, FX_T0, first, ap);
	c->cmd.who = who;
}

static enum cmd_status alerts(struct fx *f, const struct principal *who,
			      struct alert_list_outcome *lo, const char *first, ...)
{
	struct fx_cmd c;
	va_list ap;
	va_start(ap, first);
	parse_as(&c, who, first, ap);
	va_end(ap);
	memset(lo, 0, sizeof *lo);
	enum cmd_status st = alert_list_recent(fx_begin(f), &f->cfg, &c.cmd, lo);
	fx_abort(f);
	fx_cmd_free(&c);
	if (st == CMD_FAILED)
		fail_msg("ALERTS: store %s", store_strerror(lo->o.store_rc));
	return st;
}

static void test_alerts_newest_first_by_site(void **state)
{
	(void)state;
	struct fx f;
	struct alert_list_outcome lo;
	scene(&f);
	fx_do(&f, FX_T0 - FX_DAY_MS, "DISPENSE", "83012340000000000055", "SITE", "PH1", "TX",
	      "S3", NULL);				/* unknown: PH1's alert */
	assert_int_equal(alerts(&f, NULL, &lo, "ALERTS", NULL), CMD_DONE);
	assert_int_equal(lo.n, 2);
	assert_int_equal(lo.row[0].a.kind, ALERT_UNKNOWN);
	assert_string_equal(lo.row[0].site, "PH1");
	assert_false(lo.row[0].has_first_sale);
	assert_int_equal(lo.row[1].a.kind, ALERT_DUPLICATE);
	assert_true(lo.row[1].has_first_sale);
	alert_list_free(&lo);
	assert_int_equal(alerts(&f, NULL, &lo, "ALERTS", "LIMIT", "1", NULL), CMD_DONE);
	assert_int_equal(lo.n, 1);
	alert_list_free(&lo);
	assert_int_equal(alerts(&f, NULL, &lo, "ALERTS", "SITE", "PH2", NULL), CMD_DONE);
	assert_int_equal(lo.n, 1);
	assert_string_equal(lo.row[0].site, "PH2");
	alert_list_free(&lo);
	assert_int_equal(alerts(&f, NULL, &lo, "ALERTS", "SINCE", "2027-03-14T05:00:00Z", NULL),
			 CMD_DONE);
	assert_int_equal(lo.n, 0);
	alert_list_free(&lo);
	assert_int_equal(alerts(&f, NULL, &lo, "ALERTS", "SITE", "NOPE", NULL), CMD_REFUSED);
	assert_true(strncmp(lo.o.why, "SITE ", 5) == 0);
	alert_list_free(&lo);

	/* A site's own principal sees its own site's alerts. */
	struct principal ph1 = { .role = ROLE_PHARMACY, .site = site_num(&f, "PH1") };
	assert_int_equal(alerts(&f, &ph1, &lo, "ALERTS", NULL), CMD_DONE);
	assert_int_equal(lo.n, 1);
	assert_string_equal(lo.row[0].site, "PH1");
	alert_list_free(&lo);
	fx_close(&f);
}

/* Run a command as the writer does, sent by who, its entry of `version`. */
static void do_as(struct fx *f, const struct principal *who, unsigned version,
		  const char *first, ...)
{
	struct fx_cmd c;
	va_list ap;
	va_start(ap, first);
	parse_as(&c, who, first, ap);
	va_end(ap);
	cmd_set_entry_version(&c.cmd, version);
	struct resp_out out = { BUF_INIT, 2 };
	struct cmd_ctx ctx = { .cmd = &c.cmd, .cfg = &f->cfg, .out = &out, .txn = fx_begin(f) };
	if (cmd_run(&ctx) != CMD_DONE)
		fail_msg("%s: %.*s", first, (int)out.b.len, out.b.data);
	fx_commit(f);
	buf_free(&out.b);
	fx_cmd_free(&c);
}

/* Issue 20 item 10: each event records who made it (the principal of its
 * request), from entries of version 2 on; one applied from a version 1
 * entry records nobody, as it did. */
static void test_events_record_who_made_them(void **state)
{
	(void)state;
	struct fx f;
	struct trace_outcome to;
	scene(&f);		/* by the local principal */
	struct principal nmpa = { .role = ROLE_REGULATOR, .name = "nmpa-review" };
	do_as(&f, &nmpa, ENTRY_VERSION, "LOCK", CODE, "REASON", "stolen", NULL);
	do_as(&f, NULL, 1, "UNLOCK", CODE, NULL);
	assert_int_equal(trace(&f, NULL, &to, CODE), CMD_DONE);
	assert_int_equal(to.step[0].e.actor_role, ROLE_LOCAL);		/* COMMISSION */
	assert_int_equal(to.step[0].e.actor_len, 0);
	const struct event *lock = NULL, *unlock = NULL;
	for (size_t i = 0; i < to.nstep; i++) {
		if (to.step[i].e.kind == EV_LOCK)
			lock = &to.step[i].e;
		if (to.step[i].e.kind == EV_UNLOCK)
			unlock = &to.step[i].e;
	}
	assert_non_null(lock);
	assert_non_null(unlock);
	assert_int_equal(lock->actor_role, ROLE_REGULATOR);
	assert_string_equal(lock->actor, "nmpa-review");
	assert_int_equal(unlock->actor_role, 0);			/* version 1 */
	trace_free(&to);
	fx_close(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_events_record_who_made_them),
		cmocka_unit_test(test_trace_in_time_order_with_moves_in_a_container),
		cmocka_unit_test(test_trace_as_one_site_sees_its_own_part),
		cmocka_unit_test(test_trace_of_no_record),
		cmocka_unit_test(test_alerts_newest_first_by_site),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
