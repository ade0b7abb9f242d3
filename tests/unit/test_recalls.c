/*
 * test_recalls — the recall rules (daemon/recalls.c) applied directly to
 * typed commands against a temporary store, with a fixed clock: recall
 * levels, lifting, withdrawing a product, and sites acknowledging.
 */
#include "rules_fixture.h"

#include "eventlog.h"
#include "lots.h"
#include "recalls.h"
#include "scan.h"
#include "tally.h"

#define PRODUCT "8301234"
#define CODE(n) "8301234000000000001" #n
#define L2CODE "83012340000000000021"

/* Sites MFR, PH1, PH2; codes 1-3 of lot L1 commissioned at MFR, shipped
 * to PH1 and received there; code 21 of lot L2 at MFR. */
static void scene(struct fx *f)
{
	fx_open(f);
	fx_site(f, "MFR", "manufacturer");
	fx_site(f, "PH1", "pharmacy");
	fx_site(f, "PH2", "pharmacy");
	fx_product(f, PRODUCT, "1");
	int64_t t = FX_T0 - 10 * FX_DAY_MS;
	fx_do(f, t, "COMMISSION", CODE(1), CODE(2), CODE(3), "SITE", "MFR", "PRODUCT", PRODUCT,
	      "LOT", "L1", "EXPIRY", "2030-01-01", NULL);
	fx_do(f, t, "COMMISSION", L2CODE, "SITE", "MFR", "PRODUCT", PRODUCT, "LOT", "L2",
	      "EXPIRY", "2030-01-01", NULL);
	fx_do(f, t, "SHIP", CODE(1), CODE(2), CODE(3), "FROM", "MFR", "TO", "PH1", NULL);
	fx_do(f, t, "RECEIVE", CODE(1), CODE(2), CODE(3), "SITE", "PH1", NULL);
}

/* Apply a RECALL, LIFT, WITHDRAW, UNWITHDRAW or RECALL.ACK at time ms in its
 * own transaction. */
static enum cmd_status apply(struct fx *f, int64_t ms, struct recall_outcome *ro,
			     const char *first, ...)
{
	struct fx_cmd c;
	va_list ap;
	va_start(ap, first);
	struct store_txn *t = fx_rule_begin(f, &c, ms, first, ap);
	va_end(ap);
	memset(ro, 0, sizeof *ro);
	enum cmd_status st = CMD_FAILED;
	switch (c.cmd.spec->id) {
	case CMD_RECALL: st = recalls_recall(t, &f->cfg, &c.cmd, ro); break;
	case CMD_LIFT: st = recalls_lift(t, &f->cfg, &c.cmd, ro); break;
	case CMD_WITHDRAW: st = recalls_withdraw(t, &f->cfg, &c.cmd, ro); break;
	case CMD_UNWITHDRAW: st = recalls_unwithdraw(t, &f->cfg, &c.cmd, ro); break;
	case CMD_RECALL_ACK: st = recalls_ack(t, &f->cfg, &c.cmd, ro); break;
	default: fail_msg("%s is not a recall command", first);
	}
	return fx_rule_end(f, &c, st, &ro->o);
}

static struct lot lot_named(struct fx *f, const char *name)
{
	struct master_rec rec;
	struct lot l;
	struct store_txn *t = fx_begin(f);
	assert_int_equal(master_load(t, &master_product, PRODUCT, &rec), 0);
	assert_int_equal(lots_find(t, rec.num, name, strlen(name), &l), 0);
	fx_abort(f);
	return l;
}

/* The reasons VERIFY gives for a code at PH1. */
static uint32_t reasons(struct fx *f, const char *code)
{
	struct fx_cmd c;
	struct scan_outcome so = { 0 };
	fx_parse(&c, FX_T0, "VERIFY", code, "SITE", "PH1", NULL);
	struct store_txn *t = fx_begin(f);
	assert_int_equal(scan_verify(t, &f->cfg, &c.cmd, false, &so), CMD_DONE);
	fx_abort(f);
	fx_cmd_free(&c);
	return so.j.reasons;
}

static uint32_t bit(enum reason r)
{
	return 1u << r;
}

static void test_recall_at_each_level_once(void **state)
{
	(void)state;
	struct fx f;
	struct recall_outcome ro;
	scene(&f);
	assert_false(reasons(&f, CODE(1)) & bit(R_RECALLED));
	for (unsigned level = 1; level <= 3; level++) {
		char lv[2] = { (char)('0' + level), 0 };
		int64_t at = FX_T0 + level * 1000;
		assert_int_equal(apply(&f, at, &ro, "RECALL", PRODUCT, "L1", "LEVEL", lv, "REASON",
				       "contamination", NULL), CMD_DONE);
		struct lot l = lot_named(&f, "L1");
		assert_int_equal(l.status, LOT_RECALLED);
		assert_int_equal(l.recall_level, level);
		assert_int_equal(l.recall_seq, ro.event);
		struct event e = fx_event(&f, ro.event);
		assert_int_equal(e.kind, EV_RECALL);
		assert_int_equal(e.qty, level);
		assert_int_equal(e.parent, l.num);
		assert_int_equal(e.time_ms, at);
		assert_string_equal(e.ref, "contamination");

		/* The same level again changes nothing. */
		uint64_t events = fx_next(&f, "event");
		assert_int_equal(apply(&f, at, &ro, "RECALL", PRODUCT, "L1", "LEVEL", lv, "REASON",
				       "again", NULL), CMD_REFUSED);
		char want[80];
		snprintf(want, sizeof want, "lot L1 of %s is already recalled at level %u",
			 PRODUCT, level);
		assert_string_equal(ro.o.why, want);
		assert_int_equal(fx_next(&f, "event"), events);
		assert_int_equal(lot_named(&f, "L1").recall_seq, l.recall_seq);
	}
	assert_true(reasons(&f, CODE(1)) & bit(R_RECALLED));
	assert_false(reasons(&f, L2CODE) & bit(R_RECALLED));	/* the other lot */
	fx_close(&f);
}

static void test_recall_names_a_lot_that_exists(void **state)
{
	(void)state;
	struct fx f;
	struct fx_cmd c;
	struct recall_outcome ro;
	scene(&f);
	assert_int_equal(apply(&f, FX_T0, &ro, "RECALL", PRODUCT, "L9", "LEVEL", "1", "REASON",
			       "x", NULL), CMD_REFUSED);
	assert_string_equal(ro.o.why, "product " PRODUCT " has no lot 'L9'");
	assert_int_equal(apply(&f, FX_T0, &ro, "RECALL", "8309999", "L1", "LEVEL", "1", "REASON",
			       "x", NULL), CMD_REFUSED);
	assert_string_equal(ro.o.why, "unknown product '8309999'");
	/* The level and the reason are the grammar's to check. */
	assert_int_equal(fx_parse_err(&c, FX_T0, "RECALL", PRODUCT, "L1", "LEVEL", "4", "REASON",
				      "x", NULL), 0);
	assert_int_equal(fx_parse_err(&c, FX_T0, "RECALL", PRODUCT, "L1", "LEVEL", "1", NULL), 0);
	assert_string_equal(c.err, "REASON is required: 1 to 200 bytes of text");
	fx_close(&f);
}

static void test_lift_ends_the_recall(void **state)
{
	(void)state;
	struct fx f;
	struct recall_outcome ro;
	scene(&f);
	assert_int_equal(apply(&f, FX_T0, &ro, "LIFT", PRODUCT, "L1", "REASON", "x", NULL),
			 CMD_REFUSED);
	assert_string_equal(ro.o.why, "lot L1 of " PRODUCT " is not recalled");
	apply(&f, FX_T0, &ro, "RECALL", PRODUCT, "L1", "LEVEL", "2", "REASON", "x", NULL);
	assert_int_equal(apply(&f, FX_T0 + 1000, &ro, "LIFT", PRODUCT, "L1", "REASON",
			       "false alarm", NULL), CMD_DONE);
	struct lot l = lot_named(&f, "L1");
	assert_int_equal(l.status, LOT_NORMAL);
	assert_int_equal(l.recall_level, 0);
	assert_int_equal(l.recall_seq, 0);
	struct event e = fx_event(&f, ro.event);
	assert_int_equal(e.kind, EV_LIFT);
	assert_int_equal(e.parent, l.num);
	assert_string_equal(e.ref, "false alarm");
	assert_false(reasons(&f, CODE(1)) & bit(R_RECALLED));
	/* Lifted: there is nothing more to lift. */
	assert_int_equal(apply(&f, FX_T0 + 2000, &ro, "LIFT", PRODUCT, "L1", "REASON", "x", NULL),
			 CMD_REFUSED);
	fx_close(&f);
}

static void test_withdraw_makes_every_lot_red(void **state)
{
	(void)state;
	struct fx f;
	struct recall_outcome ro;
	scene(&f);
	assert_int_equal(apply(&f, FX_T0, &ro, "WITHDRAW", PRODUCT, "REASON", "licence revoked",
			       NULL), CMD_DONE);
	struct event e = fx_event(&f, ro.event);
	assert_int_equal(e.kind, EV_WITHDRAW);
	assert_string_equal(e.ref, "licence revoked");
	const char *codes[] = { CODE(1), CODE(2), CODE(3), L2CODE };
	for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++)
		assert_true(reasons(&f, codes[i]) & bit(R_WITHDRAWN));
	uint64_t events = fx_next(&f, "event");
	assert_int_equal(apply(&f, FX_T0, &ro, "WITHDRAW", PRODUCT, "REASON", "again", NULL),
			 CMD_REFUSED);
	assert_string_equal(ro.o.why, "product " PRODUCT " is already withdrawn");
	assert_int_equal(fx_next(&f, "event"), events);
	assert_int_equal(apply(&f, FX_T0, &ro, "WITHDRAW", "8309999", "REASON", "x", NULL),
			 CMD_REFUSED);
	assert_string_equal(ro.o.why, "unknown product '8309999'");
	fx_close(&f);
}

/* A withdrawal made in error ends: the lots answer as before it (a lot's
 * recall stays), and the event names the WITHDRAW it ends. */
static void test_unwithdraw_ends_a_withdrawal(void **state)
{
	(void)state;
	struct fx f;
	struct recall_outcome ro;
	scene(&f);
	uint64_t events = fx_next(&f, "event");
	assert_int_equal(apply(&f, FX_T0, &ro, "UNWITHDRAW", PRODUCT, "REASON", "x", NULL),
			 CMD_REFUSED);
	assert_string_equal(ro.o.why, "product " PRODUCT " is not withdrawn");
	assert_int_equal(apply(&f, FX_T0, &ro, "UNWITHDRAW", "8309999", "REASON", "x", NULL),
			 CMD_REFUSED);
	assert_string_equal(ro.o.why, "unknown product '8309999'");
	assert_int_equal(fx_next(&f, "event"), events);
	apply(&f, FX_T0, &ro, "RECALL", PRODUCT, "L2", "LEVEL", "1", "REASON", "x", NULL);
	apply(&f, FX_T0, &ro, "WITHDRAW", PRODUCT, "REASON", "wrong product", NULL);
	uint64_t withdrawal = ro.event;
	assert_true(reasons(&f, CODE(1)) & bit(R_WITHDRAWN));
	assert_int_equal(apply(&f, FX_T0 + 1000, &ro, "UNWITHDRAW", PRODUCT, "REASON",
			       "withdrawn in error", NULL), CMD_DONE);
	struct event e = fx_event(&f, ro.event);
	assert_int_equal(e.kind, EV_UNWITHDRAW);
	assert_int_equal(e.parent, withdrawal);
	struct master_rec rec;
	struct store_txn *t = fx_begin(&f);
	assert_int_equal(master_load(t, &master_product, PRODUCT, &rec), 0);
	fx_abort(&f);
	assert_int_equal(e.other, rec.num);
	assert_int_equal(e.time_ms, FX_T0 + 1000);
	assert_string_equal(e.ref, "withdrawn in error");
	assert_int_equal(reasons(&f, CODE(1)), 0);
	assert_int_equal(reasons(&f, L2CODE) & bit(R_WITHDRAWN), 0);
	assert_true(reasons(&f, L2CODE) & bit(R_RECALLED));
	/* Once ended, there is none to end; a new withdrawal takes. */
	events = fx_next(&f, "event");
	assert_int_equal(apply(&f, FX_T0 + 2000, &ro, "UNWITHDRAW", PRODUCT, "REASON", "x", NULL),
			 CMD_REFUSED);
	assert_int_equal(fx_next(&f, "event"), events);
	assert_int_equal(apply(&f, FX_T0 + 3000, &ro, "WITHDRAW", PRODUCT, "REASON", "x", NULL),
			 CMD_DONE);
	assert_true(reasons(&f, CODE(1)) & bit(R_WITHDRAWN));
	fx_close(&f);
}

static struct tally_recall recall_row(struct fx *f, const char *site)
{
	struct master_rec rec;
	struct tally_recall r;
	struct lot l = lot_named(f, "L1");
	struct store_txn *t = fx_begin(f);
	assert_int_equal(master_load(t, &master_site, site, &rec), 0);
	assert_int_equal(tally_recall_get(t, l.num, rec.num, &r), 0);
	fx_abort(f);
	return r;
}

static void test_ack_by_a_site_that_holds_or_held_the_lot(void **state)
{
	(void)state;
	struct fx f;
	struct recall_outcome ro;
	scene(&f);
	assert_int_equal(apply(&f, FX_T0, &ro, "RECALL.ACK", PRODUCT, "L1", "SITE", "PH1", NULL),
			 CMD_REFUSED);
	assert_string_equal(ro.o.why, "lot L1 of " PRODUCT " is not recalled");
	apply(&f, FX_T0, &ro, "RECALL", PRODUCT, "L1", "LEVEL", "1", "REASON", "x", NULL);
	uint64_t recall = ro.event;

	/* PH1 holds the lot; it acknowledges at the TIME it gives. */
	int64_t when = FX_T0 + 3600 * 1000;
	assert_int_equal(apply(&f, FX_T0 + 7200 * 1000, &ro, "RECALL.ACK", PRODUCT, "L1", "SITE",
			       "PH1", "TIME", "2027-03-15T05:00:00Z", NULL), CMD_DONE);
	assert_false(ro.repeated);
	assert_int_equal(ro.acknowledged_ms, when);
	uint64_t first = ro.event;
	struct event e = fx_event(&f, first);
	assert_int_equal(e.kind, EV_RECALL_ACK);
	assert_int_equal(e.time_ms, when);
	struct tally_recall r = recall_row(&f, "PH1");
	assert_int_equal(r.recall_seq, recall);
	assert_int_equal(r.ack_seq, first);

	/* Again (a retry): the first acknowledgement, nothing new. */
	uint64_t events = fx_next(&f, "event");
	assert_int_equal(apply(&f, FX_T0 + 9000 * 1000, &ro, "RECALL.ACK", PRODUCT, "L1", "SITE",
			       "PH1", NULL), CMD_DONE);
	assert_true(ro.repeated);
	assert_int_equal(ro.event, first);
	assert_int_equal(ro.acknowledged_ms, when);
	assert_int_equal(fx_next(&f, "event"), events);

	/* MFR held the lot and shipped it on: its acknowledgement is its own. */
	assert_int_equal(apply(&f, FX_T0, &ro, "RECALL.ACK", PRODUCT, "L1", "SITE", "MFR", NULL),
			 CMD_DONE);
	assert_false(ro.repeated);
	assert_int_equal(ro.acknowledged_ms, FX_T0);
	assert_true(ro.event > first);
	assert_int_equal(recall_row(&f, "MFR").ack_seq, ro.event);

	/* A recall at another level is news again. */
	apply(&f, FX_T0, &ro, "RECALL", PRODUCT, "L1", "LEVEL", "2", "REASON", "worse", NULL);
	assert_int_equal(apply(&f, FX_T0, &ro, "RECALL.ACK", PRODUCT, "L1", "SITE", "PH1", NULL),
			 CMD_DONE);
	assert_false(ro.repeated);
	assert_true(ro.event != first);

	assert_int_equal(apply(&f, FX_T0, &ro, "RECALL.ACK", PRODUCT, "L1", "SITE", "NOPE", NULL),
			 CMD_REFUSED);
	assert_true(strncmp(ro.o.why, "SITE: ", 6) == 0);
	fx_close(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_recall_at_each_level_once),
		cmocka_unit_test(test_recall_names_a_lot_that_exists),
		cmocka_unit_test(test_lift_ends_the_recall),
		cmocka_unit_test(test_withdraw_makes_every_lot_red),
		cmocka_unit_test(test_unwithdraw_ends_a_withdrawal),
		cmocka_unit_test(test_ack_by_a_site_that_holds_or_held_the_lot),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
