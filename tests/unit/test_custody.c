/*
 * test_custody — the distribution rules (daemon/commission.c, packing.c,
 * movement.c, badstock.c) applied directly to typed commands against a
 * temporary store, with a fixed clock: what each writes, what each
 * refuses (writing nothing), and the warnings for stock that should not
 * move.
 */
#include "rules_fixture.h"

#include "commission.h"
#include "eventlog.h"
#include "lots.h"
#include "movement.h"
#include "packing.h"
#include "tally.h"
#include "units.h"
#include "code_util.h"

#define PRODUCT "8301234"
#define CODE(n) "8301234000000000001" #n
#define FAR "2030-01-01"
/* SSCCs: cases and pallets nobody has to register a product for. */
#define SSCC1 "(00)069012340000000016"
#define SSCC2 "(00)069012340000000023"
#define SSCC3 "(00)069012340000000030"

/* Sites MFR, DIST, PH1, PH2 and the product; nothing commissioned. */
static void sites(struct fx *f)
{
	fx_open(f);
	fx_site(f, "MFR", "manufacturer");
	fx_site(f, "DIST", "distributor");
	fx_site(f, "PH1", "pharmacy");
	fx_site(f, "PH2", "pharmacy");
	fx_product(f, PRODUCT, "1");
}

/* The same, and codes 1-5 of lot L1 (expiring FAR) at MFR. */
static void scene(struct fx *f)
{
	sites(f);
	fx_do(f, FX_T0 - FX_DAY_MS, "COMMISSION", CODE(1), CODE(2), CODE(3), CODE(4), CODE(5),
	      "SITE", "MFR", "PRODUCT", PRODUCT, "LOT", "L1", "EXPIRY", FAR, NULL);
}

/* Apply a distribution command at time ms by its rule, in a transaction of
 * its own, committed whatever it answered (a refusal must have written
 * nothing).  as_records: PACK as EVENTS runs grouped records. */
static enum cmd_status apply_as(struct fx *f, bool as_records, int64_t ms,
				struct custody_outcome *co, const char *first, va_list ap)
{
	struct fx_cmd c;
	struct store_txn *t = fx_rule_begin(f, &c, ms, first, ap);
	memset(co, 0, sizeof *co);
	const struct config *cfg = &f->cfg;
	enum cmd_status st = CMD_FAILED;
	switch (c.cmd.spec->id) {
	case CMD_COMMISSION: st = commission_apply(t, cfg, &c.cmd, co); break;
	case CMD_PACK: st = packing_pack(t, cfg, &c.cmd, as_records, co); break;
	case CMD_UNPACK: st = packing_unpack(t, cfg, &c.cmd, co); break;
	case CMD_SHIP: st = movement_ship(t, cfg, &c.cmd, co); break;
	case CMD_RETURN: st = movement_return(t, cfg, &c.cmd, co); break;
	case CMD_RECEIVE: st = movement_receive(t, cfg, &c.cmd, co); break;
	case CMD_DESTROY: st = movement_destroy(t, cfg, &c.cmd, co); break;
	default: fail_msg("%s is not a distribution command", first);
	}
	return fx_rule_end(f, &c, st, &co->o);
}

static enum cmd_status apply(struct fx *f, int64_t ms, struct custody_outcome *co,
			     const char *first, ...)
{
	va_list ap;
	va_start(ap, first);
	enum cmd_status st = apply_as(f, false, ms, co, first, ap);
	va_end(ap);
	return st;
}

static enum cmd_status apply_records(struct fx *f, int64_t ms, struct custody_outcome *co,
				     const char *first, ...)
{
	va_list ap;
	va_start(ap, first);
	enum cmd_status st = apply_as(f, true, ms, co, first, ap);
	va_end(ap);
	return st;
}

#define assert_refused(st, co, msg) fx_assert_refused(st, (co).o, msg)

static bool commissioned(struct fx *f, const char *code)
{
	struct unit u;
	int rc = fx_find_unit(f, code, &u);
	assert_true(rc == 0 || rc == STORE_NOTFOUND);
	return rc == 0;
}

static struct lot lot_of(struct fx *f, uint32_t num)
{
	struct lot l;
	struct store_txn *t = fx_begin(f);
	assert_int_equal(lots_get(t, num, &l), 0);
	fx_abort(f);
	return l;
}

static struct tally_recall recall_row(struct fx *f, uint32_t lot, const char *site)
{
	struct tally_recall r;
	uint32_t num = fx_site_num(f, site);
	struct store_txn *t = fx_begin(f);
	assert_int_equal(tally_recall_get(t, lot, num, &r), 0);
	fx_abort(f);
	return r;
}

/* Nothing written since: no event, no unit, no alert. */
struct counters {
	uint64_t events, units, alerts;
};

static struct counters counters(struct fx *f)
{
	return (struct counters){ fx_next(f, "event"), fx_next(f, "unit"), fx_next(f, "alert") };
}

static void assert_unchanged(struct fx *f, struct counters was)
{
	struct counters now = counters(f);
	assert_int_equal(now.events, was.events);
	assert_int_equal(now.units, was.units);
	assert_int_equal(now.alerts, was.alerts);
}

/* ---------------------------------------------------------- COMMISSION */

static void test_commission_makes_consecutive_units_of_a_new_lot(void **state)
{
	(void)state;
	struct fx f;
	struct custody_outcome co;
	sites(&f);
	uint64_t first = fx_next(&f, "unit");
	assert_int_equal(apply(&f, FX_T0, &co, "COMMISSION", CODE(1), CODE(2), CODE(3), "SITE",
			       "MFR", "LOT", "L1", "EXPIRY", FAR, NULL), CMD_DONE);
	assert_int_equal(co.codes, 3);
	assert_int_equal(co.level, 1);
	assert_int_equal(co.warnings.n, 0);
	struct event e = fx_event(&f, co.seq);
	assert_int_equal(e.kind, EV_COMMISSION);
	assert_int_equal(e.time_ms, FX_T0);
	assert_int_equal(e.site, fx_site_num(&f, "MFR"));
	assert_int_equal(e.unit, first);
	assert_int_equal(e.count, 3);
	const char *codes[] = { CODE(1), CODE(2), CODE(3) };
	struct unit u0 = fx_unit(&f, codes[0]);
	for (int i = 0; i < 3; i++) {
		struct unit u = fx_unit(&f, codes[i]);
		assert_int_equal(u.id, first + (uint64_t)i);
		assert_int_equal(u.level, 1);
		assert_int_equal(u.status, UNIT_ACTIVE);
		assert_int_equal(u.holder, fx_site_num(&f, "MFR"));
		assert_int_equal(u.commission_seq, co.seq);
		assert_int_equal(u.lot, u0.lot);
	}
	struct lot l = lot_of(&f, u0.lot);
	assert_int_equal(l.expiry, 20300101);
	assert_memory_equal(l.name, "L1", 2);
	assert_int_equal(l.name_len, 2);
	/* A later commissioning joins the lot; EXPIRY is the lot's already. */
	assert_int_equal(apply(&f, FX_T0, &co, "COMMISSION", CODE(4), "SITE", "MFR", "LOT", "L1",
			       NULL), CMD_DONE);
	assert_int_equal(fx_unit(&f, CODE(4)).lot, u0.lot);
	assert_int_equal(fx_unit(&f, CODE(4)).id, first + 3);
	fx_close(&f);
}

static void test_commission_infers_the_level_from_the_codes(void **state)
{
	(void)state;
	struct fx f;
	struct custody_outcome co;
	sites(&f);
	/* An SSCC is a case. */
	assert_int_equal(apply(&f, FX_T0, &co, "COMMISSION", SSCC1, "SITE", "MFR", NULL),
			 CMD_DONE);
	assert_int_equal(co.level, 3);
	assert_int_equal(fx_unit(&f, SSCC1).level, 3);
	assert_int_equal(fx_unit(&f, SSCC1).lot, 0);
	/* LEVEL says otherwise. */
	assert_int_equal(apply(&f, FX_T0, &co, "COMMISSION", SSCC2, "SITE", "MFR", "LEVEL", "4",
			       NULL), CMD_DONE);
	assert_int_equal(co.level, 4);
	assert_int_equal(fx_unit(&f, SSCC2).level, 4);
	/* Codes of two levels need LEVEL. */
	struct counters was = counters(&f);
	assert_refused(apply(&f, FX_T0, &co, "COMMISSION", CODE(1), SSCC3, "SITE", "MFR", "LOT",
			     "L1", "EXPIRY", FAR, NULL), co,
		       "code 2 (" SSCC3 ") is level 3, code 1 level 1: give LEVEL");
	assert_unchanged(&f, was);
	fx_close(&f);
}

static void test_commissioned_codes_are_refused_with_nothing_written(void **state)
{
	(void)state;
	struct fx f;
	struct custody_outcome co;
	scene(&f);
	struct counters was = counters(&f);
	assert_refused(apply(&f, FX_T0, &co, "COMMISSION", CODE(7), CODE(2), "SITE", "MFR", "LOT",
			     "L1", NULL), co,
		       "code 2 (" CODE(2) ") is already commissioned");
	assert_unchanged(&f, was);
	assert_false(commissioned(&f, CODE(7)));
	/* Named twice in one request. */
	assert_refused(apply(&f, FX_T0, &co, "COMMISSION", CODE(7), CODE(8), CODE(7), "SITE",
			     "MFR", "LOT", "L1", NULL), co, "code 3 is named twice");
	assert_unchanged(&f, was);
	/* A code that does not parse: the parser's message, numbered. */
	assert_refused(apply(&f, FX_T0, &co, "COMMISSION", CODE(7), "(01)06901234567891(21)X",
			     "SITE", "MFR", "LOT", "L1", NULL), co, "code 2: ");
	assert_non_null(strstr(co.o.why, "check digit"));
	assert_unchanged(&f, was);
	assert_false(commissioned(&f, CODE(7)));
	fx_close(&f);
}

static void test_commission_needs_lot_and_a_new_lots_expiry(void **state)
{
	(void)state;
	struct fx f;
	struct custody_outcome co;
	scene(&f);
	struct counters was = counters(&f);
	assert_refused(apply(&f, FX_T0, &co, "COMMISSION", CODE(7), "SITE", "MFR", NULL), co,
		       "LOT is required for units (level 1)");
	assert_refused(apply(&f, FX_T0, &co, "COMMISSION", CODE(7), "SITE", "MFR", "LOT", "L2",
			     NULL), co, "EXPIRY is required for a new lot (L2)");
	assert_refused(apply(&f, FX_T0, &co, "COMMISSION", CODE(7), "SITE", "MFR", "LOT", "L1",
			     "EXPIRY", "2031-01-01", NULL), co,
		       "lot L1 expires on 2030-01-01, not 2031-01-01");
	assert_refused(apply(&f, FX_T0, &co, "COMMISSION", SSCC1, "SITE", "MFR", "LOT", "L1",
			     NULL), co, "LOT needs a product");
	assert_refused(apply(&f, FX_T0, &co, "COMMISSION", CODE(7), "SITE", "NOWHERE", "LOT",
			     "L1", NULL), co, "SITE: unknown site 'NOWHERE'");
	assert_unchanged(&f, was);
	assert_false(commissioned(&f, CODE(7)));
	fx_close(&f);
}

/* ------------------------------------------------------ PACK / UNPACK */

static void test_pack_into_a_new_container(void **state)
{
	(void)state;
	struct fx f;
	struct custody_outcome co;
	scene(&f);
	uint64_t id = fx_next(&f, "unit");
	assert_int_equal(apply(&f, FX_T0, &co, "PACK", SSCC1, CODE(1), CODE(2), "SITE", "MFR",
			       NULL), CMD_DONE);
	assert_int_equal(co.codes, 2);
	struct unit box = fx_unit(&f, SSCC1), u1 = fx_unit(&f, CODE(1));
	assert_int_equal(box.id, id);
	assert_int_equal(box.level, 2);		/* one above what it holds */
	assert_int_equal(box.lot, u1.lot);	/* theirs: they share one */
	assert_int_equal(box.holder, fx_site_num(&f, "MFR"));
	assert_int_equal(box.commission_seq, co.seq);
	assert_int_equal(u1.parent, box.id);
	assert_int_equal(fx_unit(&f, CODE(2)).parent, box.id);
	assert_int_equal(fx_unit(&f, CODE(3)).parent, 0);
	struct event e = fx_event(&f, co.seq);
	assert_int_equal(e.kind, EV_PACK);
	assert_int_equal(e.unit, box.id);
	assert_int_equal(e.count, 2);
	fx_close(&f);
}

static void test_pack_into_a_known_container_of_a_higher_level(void **state)
{
	(void)state;
	struct fx f;
	struct custody_outcome co;
	scene(&f);
	fx_do(&f, FX_T0, "COMMISSION", SSCC1, "SITE", "MFR", NULL);
	uint64_t units = fx_next(&f, "unit");
	assert_int_equal(apply(&f, FX_T0, &co, "PACK", SSCC1, CODE(3), "SITE", "MFR", NULL),
			 CMD_DONE);
	assert_int_equal(fx_next(&f, "unit"), units);	/* no new container */
	assert_int_equal(fx_unit(&f, CODE(3)).parent, fx_unit(&f, SSCC1).id);
	/* Another case is not of a lower level than the case. */
	fx_do(&f, FX_T0, "COMMISSION", SSCC2, "SITE", "MFR", NULL);
	struct counters was = counters(&f);
	assert_refused(apply(&f, FX_T0, &co, "PACK", SSCC1, SSCC2, "SITE", "MFR", NULL), co,
		       "code 2 (" SSCC2 ") is level 3; " SSCC1 " is level 3");
	/* Nor may a packed unit go into a second container. */
	assert_refused(apply(&f, FX_T0, &co, "PACK", SSCC3, CODE(3), "SITE", "MFR", NULL), co,
		       "code 2 (" CODE(3) ") is already packed in " SSCC1 "; unpack it first");
	assert_unchanged(&f, was);
	fx_close(&f);
}

static void test_pack_into_itself_or_what_it_holds_is_refused(void **state)
{
	(void)state;
	struct fx f;
	struct custody_outcome co;
	scene(&f);
	fx_do(&f, FX_T0, "COMMISSION", SSCC1, "SITE", "MFR", NULL);
	fx_do(&f, FX_T0, "COMMISSION", SSCC2, "SITE", "MFR", "LEVEL", "4", NULL);
	fx_do(&f, FX_T0, "PACK", SSCC2, SSCC1, "SITE", "MFR", NULL);
	struct counters was = counters(&f);
	assert_refused(apply(&f, FX_T0, &co, "PACK", SSCC2, SSCC2, "SITE", "MFR", NULL), co,
		       SSCC2 " cannot be packed into itself");
	/* The pallet into the case it holds. */
	assert_int_equal(apply(&f, FX_T0, &co, "PACK", SSCC1, SSCC2, "SITE", "MFR", NULL),
			 CMD_REFUSED);
	assert_unchanged(&f, was);
	assert_int_equal(fx_unit(&f, SSCC2).parent, 0);
	assert_int_equal(fx_unit(&f, SSCC1).parent, fx_unit(&f, SSCC2).id);
	/* Nothing packs into a pallet's container. */
	assert_refused(apply(&f, FX_T0, &co, "PACK", SSCC3, SSCC2, "SITE", "MFR", NULL), co,
		       "pallets (level 4) are the outermost level");
	assert_unchanged(&f, was);
	fx_close(&f);
}

/* EVENTS' grouped records of one child each: a new container for children
 * of two lots is refused (the records one at a time would give it the
 * first child's lot), not when sent as one PACK. */
static void test_pack_as_records_refuses_a_new_container_of_mixed_lots(void **state)
{
	(void)state;
	struct fx f;
	struct custody_outcome co;
	scene(&f);
	fx_do(&f, FX_T0, "COMMISSION", CODE(7), "SITE", "MFR", "LOT", "L2", "EXPIRY", FAR, NULL);
	struct counters was = counters(&f);
	assert_refused(apply_records(&f, FX_T0, &co, "PACK", SSCC1, CODE(1), CODE(7), "SITE",
				     "MFR", NULL), co, "children differ in level or lot");
	assert_unchanged(&f, was);
	assert_int_equal(apply_records(&f, FX_T0, &co, "PACK", SSCC1, CODE(1), CODE(2), "SITE",
				       "MFR", NULL), CMD_DONE);
	assert_int_equal(apply(&f, FX_T0, &co, "PACK", SSCC2, CODE(3), CODE(7), "SITE", "MFR",
			       NULL), CMD_DONE);
	assert_int_equal(fx_unit(&f, SSCC2).lot, 0);	/* mixed: none */
	fx_close(&f);
}

static void test_unpack_some_then_all(void **state)
{
	(void)state;
	struct fx f;
	struct custody_outcome co;
	scene(&f);
	fx_do(&f, FX_T0, "PACK", SSCC1, CODE(1), CODE(2), CODE(3), "SITE", "MFR", NULL);
	fx_do(&f, FX_T0, "SHIP", SSCC1, "FROM", "MFR", "TO", "DIST", NULL);
	fx_do(&f, FX_T0, "RECEIVE", SSCC1, "SITE", "DIST", NULL);
	uint64_t box = fx_unit(&f, SSCC1).id;
	assert_int_equal(apply(&f, FX_T0, &co, "UNPACK", SSCC1, CODE(2), "SITE", "DIST", NULL),
			 CMD_DONE);
	assert_int_equal(co.codes, 1);
	struct unit u2 = fx_unit(&f, CODE(2));
	assert_int_equal(u2.parent, 0);
	assert_int_equal(u2.holder, fx_site_num(&f, "DIST"));	/* out where the box is */
	assert_int_equal(u2.status, UNIT_ACTIVE);
	assert_int_equal(fx_unit(&f, CODE(1)).parent, box);
	struct event e = fx_event(&f, co.seq);
	assert_int_equal(e.kind, EV_UNPACK);
	assert_int_equal(e.unit, box);

	struct counters was = counters(&f);
	assert_refused(apply(&f, FX_T0, &co, "UNPACK", SSCC1, CODE(2), "SITE", "DIST", NULL), co,
		       "code 2 (" CODE(2) ") is not packed in " SSCC1);
	assert_refused(apply(&f, FX_T0, &co, "UNPACK", SSCC1, "SITE", "MFR", NULL), co,
		       "container " SSCC1 " is held by DIST");
	assert_unchanged(&f, was);
	assert_int_equal(apply(&f, FX_T0, &co, "UNPACK", SSCC1, "SITE", "DIST", NULL), CMD_DONE);
	assert_int_equal(co.codes, 2);
	assert_int_equal(fx_unit(&f, CODE(1)).parent, 0);
	assert_int_equal(fx_unit(&f, CODE(3)).holder, fx_site_num(&f, "DIST"));
	was = counters(&f);
	assert_refused(apply(&f, FX_T0, &co, "UNPACK", SSCC1, "SITE", "DIST", NULL), co,
		       SSCC1 " holds nothing");
	assert_unchanged(&f, was);
	fx_close(&f);
}

/* ----------------------------------------- SHIP / RECEIVE / RETURN ... */

static void test_ship_puts_codes_in_transit(void **state)
{
	(void)state;
	struct fx f;
	struct custody_outcome co;
	scene(&f);
	fx_do(&f, FX_T0, "PACK", SSCC1, CODE(1), CODE(2), "SITE", "MFR", NULL);
	assert_int_equal(apply(&f, FX_T0 + 1000, &co, "SHIP", SSCC1, CODE(3), "FROM", "MFR", "TO",
			       "DIST", "REF", "DN-1", NULL), CMD_DONE);
	assert_int_equal(co.codes, 2);
	assert_int_equal(co.warnings.n, 0);
	struct unit box = fx_unit(&f, SSCC1), u3 = fx_unit(&f, CODE(3));
	assert_int_equal(box.status, UNIT_IN_TRANSIT);
	assert_int_equal(box.holder, fx_site_num(&f, "MFR"));
	assert_int_equal(box.dest, fx_site_num(&f, "DIST"));
	assert_int_equal(u3.status, UNIT_IN_TRANSIT);
	assert_int_equal(u3.last_seq, co.seq);
	/* What the case holds moves with it, untouched. */
	assert_int_equal(fx_unit(&f, CODE(1)).status, UNIT_ACTIVE);
	struct event e = fx_event(&f, co.seq);
	assert_int_equal(e.kind, EV_SHIP);
	assert_int_equal(e.time_ms, FX_T0 + 1000);
	assert_int_equal(e.site, fx_site_num(&f, "MFR"));
	assert_int_equal(e.other, fx_site_num(&f, "DIST"));
	assert_int_equal(e.count, 2);
	assert_int_equal(e.ref_len, 4);
	assert_memory_equal(e.ref, "DN-1", 4);
	fx_close(&f);
}

static void test_receive_at_the_destination_or_diverted(void **state)
{
	(void)state;
	struct fx f;
	struct custody_outcome co;
	scene(&f);
	fx_do(&f, FX_T0, "SHIP", CODE(1), CODE(2), "FROM", "MFR", "TO", "DIST", NULL);
	uint64_t alerts = fx_next(&f, "alert");
	assert_int_equal(apply(&f, FX_T0, &co, "RECEIVE", CODE(1), "SITE", "DIST", "FROM", "MFR",
			       NULL), CMD_DONE);
	assert_int_equal(co.diverted, 0);
	struct unit u1 = fx_unit(&f, CODE(1));
	assert_int_equal(u1.status, UNIT_ACTIVE);
	assert_int_equal(u1.holder, fx_site_num(&f, "DIST"));
	assert_int_equal(u1.dest, 0);
	assert_false(u1.flags & UNIT_F_DIVERTED);
	struct event e = fx_event(&f, co.seq);
	assert_int_equal(e.other, fx_site_num(&f, "MFR"));
	assert_false(e.flags & EVENT_F_DIVERTED);
	assert_int_equal(fx_next(&f, "alert"), alerts);

	/* Sent to DIST, received at PH1: received, flagged, an alert. */
	assert_int_equal(apply(&f, FX_T0, &co, "RECEIVE", CODE(2), "SITE", "PH1", NULL),
			 CMD_DONE);
	assert_int_equal(co.diverted, 1);
	struct unit u2 = fx_unit(&f, CODE(2));
	assert_int_equal(u2.holder, fx_site_num(&f, "PH1"));
	assert_true(u2.flags & UNIT_F_DIVERTED);
	assert_true(fx_event(&f, co.seq).flags & EVENT_F_DIVERTED);
	assert_int_equal(fx_next(&f, "alert"), alerts + 1);
	fx_close(&f);
}

static void test_receive_only_what_is_in_transit_from_its_sender(void **state)
{
	(void)state;
	struct fx f;
	struct custody_outcome co;
	scene(&f);
	fx_do(&f, FX_T0, "PACK", SSCC1, CODE(2), "SITE", "MFR", NULL);
	fx_do(&f, FX_T0, "SHIP", CODE(1), SSCC1, "FROM", "MFR", "TO", "DIST", NULL);
	struct counters was = counters(&f);
	assert_refused(apply(&f, FX_T0, &co, "RECEIVE", CODE(3), "SITE", "DIST", NULL), co,
		       "code 1 (" CODE(3) ") is not in transit");
	assert_refused(apply(&f, FX_T0, &co, "RECEIVE", CODE(1), CODE(2), "SITE", "DIST", NULL),
		       co, "code 2 (" CODE(2) ") is packed: receive its container");
	assert_refused(apply(&f, FX_T0, &co, "RECEIVE", CODE(1), "SITE", "DIST", "FROM", "PH1",
			     NULL), co, "code 1 (" CODE(1) ") was shipped by MFR, not by the FROM site");
	assert_unchanged(&f, was);
	assert_int_equal(fx_unit(&f, CODE(1)).status, UNIT_IN_TRANSIT);
	fx_close(&f);
}

static void test_return_is_received_as_a_return(void **state)
{
	(void)state;
	struct fx f;
	struct custody_outcome co;
	scene(&f);
	fx_do(&f, FX_T0, "SHIP", CODE(1), "FROM", "MFR", "TO", "PH1", NULL);
	fx_do(&f, FX_T0, "RECEIVE", CODE(1), "SITE", "PH1", NULL);
	assert_int_equal(apply(&f, FX_T0, &co, "RETURN", CODE(1), "FROM", "PH1", "TO", "MFR",
			       NULL), CMD_DONE);
	struct unit u = fx_unit(&f, CODE(1));
	assert_int_equal(u.status, UNIT_IN_TRANSIT);
	assert_true(u.flags & UNIT_F_RETURNING);
	assert_int_equal(fx_event(&f, co.seq).kind, EV_RETURN);
	assert_int_equal(apply(&f, FX_T0, &co, "RECEIVE", CODE(1), "SITE", "MFR", NULL),
			 CMD_DONE);
	u = fx_unit(&f, CODE(1));
	assert_int_equal(u.holder, fx_site_num(&f, "MFR"));
	assert_false(u.flags & UNIT_F_RETURNING);
	assert_int_equal(co.diverted, 0);
	fx_close(&f);
}

static void test_destroy_takes_a_packed_unit_out_of_its_case(void **state)
{
	(void)state;
	struct fx f;
	struct custody_outcome co;
	scene(&f);
	fx_do(&f, FX_T0, "PACK", SSCC1, CODE(1), CODE(2), "SITE", "MFR", NULL);
	assert_int_equal(apply(&f, FX_T0, &co, "DESTROY", CODE(1), CODE(3), "SITE", "MFR", "REF",
			       "damaged", NULL), CMD_DONE);
	assert_int_equal(co.codes, 2);
	struct unit u1 = fx_unit(&f, CODE(1));
	assert_int_equal(u1.status, UNIT_DESTROYED);
	assert_int_equal(u1.parent, 0);
	assert_int_equal(fx_unit(&f, CODE(3)).status, UNIT_DESTROYED);
	assert_int_equal(fx_unit(&f, CODE(2)).parent, fx_unit(&f, SSCC1).id);
	struct event e = fx_event(&f, co.seq);
	assert_int_equal(e.kind, EV_DESTROY);
	assert_memory_equal(e.ref, "damaged", 7);
	struct counters was = counters(&f);
	assert_refused(apply(&f, FX_T0, &co, "DESTROY", CODE(1), "SITE", "MFR", NULL), co,
		       "code 1 (" CODE(1) ") is destroyed");
	assert_unchanged(&f, was);
	fx_close(&f);
}

/* A site moves only what it holds: nothing is written otherwise. */
static void test_moving_what_the_site_does_not_hold_is_refused(void **state)
{
	(void)state;
	struct fx f;
	struct custody_outcome co;
	scene(&f);
	fx_do(&f, FX_T0, "PACK", SSCC1, CODE(4), "SITE", "MFR", NULL);
	fx_do(&f, FX_T0, "SHIP", CODE(2), "FROM", "MFR", "TO", "DIST", NULL);
	fx_do(&f, FX_T0, "DESTROY", CODE(3), "SITE", "MFR", NULL);
	struct counters was = counters(&f);
	assert_refused(apply(&f, FX_T0, &co, "SHIP", CODE(1), "FROM", "DIST", "TO", "PH1", NULL),
		       co, "code 1 (" CODE(1) ") is held by MFR");
	assert_refused(apply(&f, FX_T0, &co, "SHIP", CODE(1), CODE(2), "FROM", "MFR", "TO", "PH1",
			     NULL), co, "code 2 (" CODE(2) ") is in transit from MFR to DIST");
	assert_refused(apply(&f, FX_T0, &co, "RETURN", CODE(3), "FROM", "MFR", "TO", "DIST",
			     NULL), co, "code 1 (" CODE(3) ") is destroyed");
	assert_refused(apply(&f, FX_T0, &co, "SHIP", CODE(4), "FROM", "MFR", "TO", "DIST", NULL),
		       co, "code 1 (" CODE(4) ") is packed in " SSCC1 ": ship the container");
	assert_refused(apply(&f, FX_T0, &co, "SHIP", CODE(1), CODE(1), "FROM", "MFR", "TO", "DIST",
			     NULL), co, "code 2 (" CODE(1) ") is named twice");
	assert_refused(apply(&f, FX_T0, &co, "SHIP", CODE(9), "FROM", "MFR", "TO", "DIST", NULL),
		       co, "code 1 (" CODE(9) ") is not commissioned");
	assert_refused(apply(&f, FX_T0, &co, "SHIP", CODE(1), "FROM", "MFR", "TO", "MFR", NULL),
		       co, "FROM and TO are the same site");
	assert_refused(apply(&f, FX_T0, &co, "DESTROY", CODE(1), "SITE", "PH1", NULL), co,
		       "code 1 (" CODE(1) ") is held by MFR");
	assert_refused(apply(&f, FX_T0, &co, "PACK", SSCC2, CODE(1), "SITE", "PH1", NULL), co,
		       "code 2 (" CODE(1) ") is held by MFR");
	assert_unchanged(&f, was);
	assert_int_equal(fx_unit(&f, CODE(1)).status, UNIT_ACTIVE);
	fx_close(&f);
}

/* ------------------------------------------------------------ warnings */

static void assert_warning(const struct custody_outcome *co, size_t i,
			   enum badstock_reason why, const char *lot, uint64_t units)
{
	assert_true(i < co->warnings.n);
	const struct badstock_warning *w = &co->warnings.w[i];
	assert_int_equal(w->reason, why);
	assert_string_equal(w->product, PRODUCT);
	assert_int_equal(w->lot_len, strlen(lot));
	assert_memory_equal(w->lot_name, lot, w->lot_len);
	assert_int_equal(w->units, units);
}

/* After a recall, moving the lot's units is recorded but warned of, and
 * counted for the recall per site; a return is counted, not warned of;
 * events dated before the recall are history, not warned of. */
static void test_moving_recalled_stock_warns_and_counts(void **state)
{
	(void)state;
	struct fx f;
	struct custody_outcome co;
	scene(&f);
	uint32_t lot = fx_unit(&f, CODE(1)).lot;
	fx_do(&f, FX_T0, "RECALL", PRODUCT, "L1", "LEVEL", "1", "REASON", "sterility", NULL);
	int64_t t = FX_T0 + 1000;

	assert_int_equal(apply(&f, t, &co, "COMMISSION", CODE(6), "SITE", "MFR", "LOT", "L1",
			       NULL), CMD_DONE);
	assert_int_equal(co.warnings.n, 1);
	assert_warning(&co, 0, BADSTOCK_RECALLED, "L1", 1);
	assert_int_equal(apply(&f, t, &co, "SHIP", CODE(1), CODE(2), "FROM", "MFR", "TO", "PH1",
			       NULL), CMD_DONE);
	assert_int_equal(co.warnings.n, 1);
	assert_warning(&co, 0, BADSTOCK_RECALLED, "L1", 2);
	assert_int_equal(apply(&f, t, &co, "RECEIVE", CODE(1), CODE(2), "SITE", "PH1", NULL),
			 CMD_DONE);
	assert_warning(&co, 0, BADSTOCK_RECALLED, "L1", 2);
	struct tally_recall mfr = recall_row(&f, lot, "MFR"), ph1 = recall_row(&f, lot, "PH1");
	assert_int_equal(mfr.commissioned, 1);
	assert_int_equal(mfr.shipped, 2);
	assert_int_equal(mfr.received, 0);
	assert_int_equal(ph1.received, 2);

	assert_int_equal(apply(&f, t, &co, "RETURN", CODE(1), "FROM", "PH1", "TO", "MFR", NULL),
			 CMD_DONE);
	assert_int_equal(co.warnings.n, 0);
	assert_int_equal(recall_row(&f, lot, "PH1").returned, 1);
	assert_int_equal(apply(&f, t, &co, "RECEIVE", CODE(1), "SITE", "MFR", NULL), CMD_DONE);
	assert_int_equal(co.warnings.n, 0);

	/* Loaded history from before the recall. */
	assert_int_equal(apply(&f, FX_T0 - 1000, &co, "SHIP", CODE(3), "FROM", "MFR", "TO", "PH2",
			       NULL), CMD_DONE);
	assert_int_equal(co.warnings.n, 0);
	assert_int_equal(recall_row(&f, lot, "MFR").shipped, 2);
	fx_close(&f);
}

static void test_moving_expired_or_withdrawn_stock_warns(void **state)
{
	(void)state;
	struct fx f;
	struct custody_outcome co;
	scene(&f);
	assert_int_equal(apply(&f, FX_T0, &co, "COMMISSION", CODE(7), "SITE", "MFR", "LOT", "OLD",
			       "EXPIRY", "2027-03-14", NULL), CMD_DONE);
	assert_int_equal(co.warnings.n, 1);
	assert_warning(&co, 0, BADSTOCK_EXPIRED, "OLD", 1);
	fx_do(&f, FX_T0, "WITHDRAW", PRODUCT, "REASON", "licence revoked", NULL);
	assert_int_equal(apply(&f, FX_T0, &co, "SHIP", CODE(1), CODE(7), "FROM", "MFR", "TO",
			       "PH1", NULL), CMD_DONE);
	assert_int_equal(co.warnings.n, 3);
	assert_warning(&co, 0, BADSTOCK_WITHDRAWN, "L1", 1);
	assert_warning(&co, 1, BADSTOCK_WITHDRAWN, "OLD", 1);
	assert_warning(&co, 2, BADSTOCK_EXPIRED, "OLD", 1);
	/* A withdrawn product gets no new codes. */
	struct counters was = counters(&f);
	assert_refused(apply(&f, FX_T0, &co, "COMMISSION", CODE(8), "SITE", "MFR", "LOT", "L1",
			     NULL), co, "product " PRODUCT " is withdrawn: no new codes");
	assert_unchanged(&f, was);
	fx_close(&f);
}

/* ------------------------------------------- the units each event names */

struct ids {
	uint64_t v[16];
	size_t n;
};

static int collect_id(void *arg, uint64_t id)
{
	struct ids *x = arg;
	assert_true(x->n < 16);
	x->v[x->n++] = id;
	return 0;
}

/* The units event seq names, as events_units gives them: "1 2 3". */
static void units_named(struct fx *f, uint64_t seq, const char *want)
{
	struct ids x = { .n = 0 };
	struct event e = fx_event(f, seq);
	struct store_txn *t = fx_begin(f);
	int rc = events_units(t, &e, collect_id, &x);
	fx_abort(f);
	if (rc)
		fail_msg("event %llu: %s", (unsigned long long)seq, store_strerror(rc));
	char got[256] = "";
	for (size_t i = 0; i < x.n; i++)
		snprintf(got + strlen(got), sizeof got - strlen(got), "%s%llu", i ? " " : "",
			 (unsigned long long)x.v[i]);
	if (strcmp(got, want) != 0)
		fail_msg("event %llu (%s) names units \"%s\", not \"%s\"", (unsigned long long)seq,
			 event_kind_name(e.kind), got, want);
}

/* Every event's units, as stored in event_units: seq, and its bytes. */
static size_t member_lists(struct fx *f, uint64_t *seqs, struct buf *bytes, size_t most)
{
	struct store_txn *t = fx_begin(f);
	struct store_cursor *c;
	const void *k, *v;
	size_t kl, vl, n = 0;
	assert_int_equal(store_cursor_open(t, DB_EVENT_UNITS, &c), 0);
	for (int rc = store_cursor_seek(c, "", 0, &k, &kl, &v, &vl); rc == 0;
	     rc = store_cursor_next(c, &k, &kl, &v, &vl)) {
		assert_true(n < most);
		seqs[n] = code_get_be(k, 6);
		buf_append(bytes, v, vl);
		n++;
	}
	store_cursor_close(c);
	fx_abort(f);
	return n;
}

/* A PACK's children, an UNPACK's, a SHIP, RECEIVE, RETURN or DESTROY of
 * several codes: each event names its units, in id order, stored as runs
 * of consecutive ids; one code alone and a COMMISSION need no list.  A
 * store upgraded from schema 7 has the lists built again from the events
 * each unit lists, byte for byte as the rules wrote them. */
static void test_events_name_their_units(void **state)
{
	(void)state;
	struct fx f;
	struct custody_outcome co;
	scene(&f);	/* codes 1-5: units 1-5 */
	uint64_t commission = fx_next(&f, "event") - 1;
	units_named(&f, commission, "1 2 3 4 5");
	/* Named out of order, and with a gap: two runs. */
	assert_int_equal(apply(&f, FX_T0, &co, "PACK", SSCC1, CODE(4), CODE(1), CODE(2), "SITE",
			       "MFR", NULL), CMD_DONE);
	uint64_t pack = co.seq;
	units_named(&f, pack, "1 2 4");
	uint64_t box = fx_unit(&f, SSCC1).id;
	assert_int_equal(apply(&f, FX_T0, &co, "SHIP", CODE(5), SSCC1, "FROM", "MFR", "TO",
			       "DIST", NULL), CMD_DONE);
	uint64_t ship = co.seq;
	char want[64];
	snprintf(want, sizeof want, "5 %llu", (unsigned long long)box);
	units_named(&f, ship, want);
	assert_int_equal(apply(&f, FX_T0, &co, "RECEIVE", SSCC1, CODE(5), "SITE", "DIST", NULL),
			 CMD_DONE);
	units_named(&f, co.seq, want);
	assert_int_equal(apply(&f, FX_T0, &co, "UNPACK", SSCC1, "SITE", "DIST", NULL), CMD_DONE);
	units_named(&f, co.seq, "1 2 4");
	assert_int_equal(apply(&f, FX_T0, &co, "SHIP", CODE(3), "FROM", "MFR", "TO", "PH1", NULL),
			 CMD_DONE);
	units_named(&f, co.seq, "3");
	assert_int_equal(apply(&f, FX_T0, &co, "RETURN", CODE(1), CODE(2), "FROM", "DIST", "TO",
			       "MFR", NULL), CMD_DONE);
	units_named(&f, co.seq, "1 2");
	assert_int_equal(apply(&f, FX_T0, &co, "DESTROY", CODE(4), CODE(5), "SITE", "DIST", NULL),
			 CMD_DONE);
	units_named(&f, co.seq, "4 5");

	/* Runs: (u40 first, u32 count) each; the PACK's are 1+2 and 4+1. */
	uint64_t seqs[16];
	struct buf was = BUF_INIT, now = BUF_INIT;
	size_t n = member_lists(&f, seqs, &was, 16);
	assert_int_equal(n, 6);	/* PACK, SHIP, RECEIVE, UNPACK, RETURN, DESTROY */
	assert_int_equal(seqs[0], pack);
	assert_int_equal(seqs[1], ship);
	static const uint8_t pack_runs[] = { 0, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 0, 4, 0, 0, 0, 1 };
	assert_memory_equal(was.data, pack_runs, sizeof pack_runs);

	/* As a store of schema 7 upgraded: no lists, and the mark. */
	struct store_txn *t = fx_begin(&f);
	for (size_t i = 0; i < n; i++) {
		uint8_t k[6];
		code_put_be(k, seqs[i], 6);
		assert_int_equal(store_del(t, DB_EVENT_UNITS, k, sizeof k), 0);
	}
	static const char mark[] = STORE_META_EVENT_UNITS_UNBUILT;
	assert_int_equal(store_put(t, DB_META, mark, sizeof mark - 1, "\1", 1), 0);
	fx_commit(&f);
	struct ids none = { .n = 0 };
	struct event e = fx_event(&f, pack);
	t = fx_begin(&f);
	assert_int_equal(events_units(t, &e, collect_id, &none), STORE_CORRUPT);
	fx_abort(&f);
	char err[300];
	assert_int_equal(events_open(f.s, err, sizeof err), 0);
	uint64_t seqs2[16];
	assert_int_equal(member_lists(&f, seqs2, &now, 16), n);
	assert_memory_equal(seqs2, seqs, n * sizeof *seqs);
	assert_int_equal(now.len, was.len);
	assert_memory_equal(now.data, was.data, was.len);
	t = fx_begin(&f);
	const void *v;
	size_t vl;
	assert_int_equal(store_get(t, DB_META, mark, sizeof mark - 1, &v, &vl), STORE_NOTFOUND);
	fx_abort(&f);
	/* Built once: a second start finds nothing to do. */
	assert_int_equal(events_open(f.s, err, sizeof err), 0);
	buf_free(&was);
	buf_free(&now);
	fx_close(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_commission_makes_consecutive_units_of_a_new_lot),
		cmocka_unit_test(test_commission_infers_the_level_from_the_codes),
		cmocka_unit_test(test_commissioned_codes_are_refused_with_nothing_written),
		cmocka_unit_test(test_commission_needs_lot_and_a_new_lots_expiry),
		cmocka_unit_test(test_pack_into_a_new_container),
		cmocka_unit_test(test_pack_into_a_known_container_of_a_higher_level),
		cmocka_unit_test(test_pack_into_itself_or_what_it_holds_is_refused),
		cmocka_unit_test(test_pack_as_records_refuses_a_new_container_of_mixed_lots),
		cmocka_unit_test(test_unpack_some_then_all),
		cmocka_unit_test(test_ship_puts_codes_in_transit),
		cmocka_unit_test(test_receive_at_the_destination_or_diverted),
		cmocka_unit_test(test_receive_only_what_is_in_transit_from_its_sender),
		cmocka_unit_test(test_return_is_received_as_a_return),
		cmocka_unit_test(test_destroy_takes_a_packed_unit_out_of_its_case),
		cmocka_unit_test(test_moving_what_the_site_does_not_hold_is_refused),
		cmocka_unit_test(test_moving_recalled_stock_warns_and_counts),
		cmocka_unit_test(test_moving_expired_or_withdrawn_stock_warns),
		cmocka_unit_test(test_events_name_their_units),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
