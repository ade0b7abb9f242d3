/*
 * test_impact — what IMPACT (daemon/impact.c) and CODES (lot_codes.c)
 * gather of a lot against a temporary store, with a fixed clock: the sites
 * of a recall chain and their parts, the flows between them, the deadline,
 * and pages of a lot's codes with their filters.
 */
#include "rules_fixture.h"

#include "impact.h"
#include "lot_codes.h"

#define PRODUCT "8301234"
#define CODE(n) "8301234000000000001" #n
#define CASE "83012340000000000099"

/* MFR commissions codes 1-4 of lot L1 and an empty case; 1 and 2 go to
 * PH1 (received there, 1 sold), 3 is on its way to PH2, 4 stays. */
static void scene(struct fx *f)
{
	fx_open(f);
	fx_site(f, "MFR", "manufacturer");
	fx_site(f, "PH1", "pharmacy");
	fx_site(f, "PH2", "pharmacy");
	fx_product(f, PRODUCT, "1");
	int64_t t = FX_T0 - 10 * FX_DAY_MS;
	fx_do(f, t, "COMMISSION", CODE(1), CODE(2), CODE(3), CODE(4), "SITE", "MFR", "PRODUCT",
	      PRODUCT, "LOT", "L1", "EXPIRY", "2030-01-01", NULL);
	fx_do(f, t, "COMMISSION", CASE, "SITE", "MFR", "LEVEL", "3", NULL);
	fx_do(f, t, "SHIP", CODE(1), CODE(2), "FROM", "MFR", "TO", "PH1", NULL);
	fx_do(f, t, "RECEIVE", CODE(1), CODE(2), "SITE", "PH1", NULL);
	fx_do(f, t + 1000, "SHIP", CODE(3), "FROM", "MFR", "TO", "PH2", NULL);
	fx_do(f, t, "DISPENSE", CODE(1), "SITE", "PH1", NULL);
}

static enum cmd_status impact(struct fx *f, int64_t ms, struct impact_outcome *io,
			      const char *first, ...)
{
	struct fx_cmd c;
	va_list ap;
	va_start(ap, first);
	fx_vparse(&c, ms, first, ap);
	va_end(ap);
	memset(io, 0, sizeof *io);
	enum cmd_status st = impact_gather(fx_begin(f), &f->cfg, &c.cmd, io);
	fx_abort(f);
	fx_cmd_free(&c);
	if (st == CMD_FAILED)
		fail_msg("IMPACT: store %s", store_strerror(io->o.store_rc));
	return st;
}

static const struct impact_site *site(const struct impact_outcome *io, const char *id)
{
	for (size_t i = 0; i < io->nsite; i++)
		if (strcmp(io->site[i].id, id) == 0)
			return &io->site[i];
	fail_msg("no site %s in the chain", id);
	return NULL;
}

static void test_impact_shows_every_site_of_the_chain(void **state)
{
	(void)state;
	struct fx f;
	struct impact_outcome io;
	scene(&f);
	assert_int_equal(impact(&f, FX_T0, &io, "IMPACT", PRODUCT, "L1", NULL), CMD_DONE);
	assert_string_equal(io.product, PRODUCT);
	assert_string_equal(io.lot.name, "L1");
	assert_false(io.recalled);
	assert_int_equal(io.deadline, 0);
	assert_int_equal(io.nsite, 3);		/* PH2: units on their way there */
	const struct impact_site *mfr = site(&io, "MFR"), *ph1 = site(&io, "PH1"),
				 *ph2 = site(&io, "PH2");
	assert_string_equal(mfr->name, "MFR");
	assert_string_equal(mfr->kind, "manufacturer");
	assert_int_equal(mfr->commissioned, 4);
	assert_int_equal(mfr->stock[0], 1);
	assert_int_equal(mfr->sent[0], 1);
	assert_int_equal(ph1->stock[0], 1);
	assert_int_equal(ph1->received, 2);
	assert_int_equal(ph1->dispensed, 1);
	assert_int_equal(ph2->incoming, 1);
	assert_int_equal(io.totals.stock, 2);
	assert_int_equal(io.totals.transit, 1);
	assert_int_equal(io.totals.dispensed, 1);
	assert_int_equal(io.ntransit, 1);
	assert_string_equal(io.transit[0].from_id, "MFR");
	assert_string_equal(io.transit[0].to_id, "PH2");
	assert_int_equal(io.nedge, 1);
	assert_string_equal(io.edge[0].from_id, "MFR");
	assert_string_equal(io.edge[0].to_id, "PH1");
	assert_int_equal(io.edge[0].count[0], 2);
	impact_free(&io);
	fx_close(&f);
}

static void test_impact_of_a_recall_and_its_deadline(void **state)
{
	(void)state;
	struct fx f;
	struct impact_outcome io;
	scene(&f);
	fx_do(&f, FX_T0, "RECALL", PRODUCT, "L1", "LEVEL", "2", "REASON", "mould", NULL);
	fx_do(&f, FX_T0, "RECALL.ACK", PRODUCT, "L1", "SITE", "PH1", NULL);
	int64_t deadline = FX_T0 + (int64_t)f.cfg.recall_deadline[1] * 1000;

	assert_int_equal(impact(&f, deadline, &io, "IMPACT", PRODUCT, "L1", NULL), CMD_DONE);
	assert_true(io.recalled);
	assert_string_equal(io.recall.ref, "mould");
	assert_int_equal(io.deadline, deadline);
	assert_int_equal(io.totals.acknowledged, 1);
	assert_int_equal(io.totals.past_deadline, 0);	/* not past it yet */
	impact_free(&io);

	assert_int_equal(impact(&f, deadline + 1, &io, "IMPACT", PRODUCT, "L1", NULL), CMD_DONE);
	assert_int_equal(io.totals.past_deadline, 2);
	assert_true(site(&io, "MFR")->past_deadline);
	assert_true(site(&io, "PH2")->past_deadline);
	assert_false(site(&io, "PH1")->past_deadline);
	assert_int_equal(site(&io, "PH1")->recall.ack_ms, FX_T0);
	impact_free(&io);
	fx_close(&f);
}

static void test_impact_by_code(void **state)
{
	(void)state;
	struct fx f;
	struct impact_outcome io;
	scene(&f);
	assert_int_equal(impact(&f, FX_T0, &io, "IMPACT", CODE(3), NULL), CMD_DONE);
	assert_string_equal(io.product, PRODUCT);
	assert_string_equal(io.lot.name, "L1");
	impact_free(&io);
	assert_int_equal(impact(&f, FX_T0, &io, "IMPACT", CASE, NULL), CMD_REFUSED);
	assert_string_equal(io.o.why, "the container holds no units of any lot");
	impact_free(&io);
	assert_int_equal(impact(&f, FX_T0, &io, "IMPACT", "83012340000000000077", NULL),
			 CMD_REFUSED);
	assert_string_equal(io.o.why, "83012340000000000077 is not commissioned");
	impact_free(&io);
	assert_int_equal(impact(&f, FX_T0, &io, "IMPACT", PRODUCT, "L7", NULL), CMD_REFUSED);
	assert_string_equal(io.o.why, "product " PRODUCT " has no lot 'L7'");
	impact_free(&io);
	fx_close(&f);
}

static enum cmd_status codes(struct fx *f, struct lot_codes_outcome *lo, const char *first, ...)
{
	struct fx_cmd c;
	va_list ap;
	va_start(ap, first);
	fx_vparse(&c, FX_T0, first, ap);
	va_end(ap);
	memset(lo, 0, sizeof *lo);
	enum cmd_status st = lot_codes_gather(fx_begin(f), &f->cfg, &c.cmd, lo);
	fx_abort(f);
	fx_cmd_free(&c);
	if (st == CMD_FAILED)
		fail_msg("CODES: store %s", store_strerror(lo->o.store_rc));
	return st;
}

static void test_codes_where_each_is(void **state)
{
	(void)state;
	struct fx f;
	struct lot_codes_outcome lo;
	scene(&f);
	assert_int_equal(codes(&f, &lo, "CODES", PRODUCT, "L1", NULL), CMD_DONE);
	assert_int_equal(lo.n, 4);
	assert_false(lo.more);
	static const char *const where[] = { "PH1", "PH1", "MFR", "MFR" };
	static const char *const status[] = { "dispensed", "in_stock", "in_transit", "in_stock" };
	for (size_t i = 0; i < 4; i++) {
		assert_string_equal(lo.code[i].site, where[i]);
		assert_string_equal(lot_codes_status_name(lo.code[i].bucket), status[i]);
	}
	assert_string_equal(lo.code[2].to, "PH2");
	lot_codes_free(&lo);

	/* Units on their way to a site are that site's too. */
	assert_int_equal(codes(&f, &lo, "CODES", PRODUCT, "L1", "SITE", "PH2", NULL), CMD_DONE);
	assert_int_equal(lo.n, 1);
	assert_int_equal(lo.code[0].bucket, TALLY_TRANSIT);
	lot_codes_free(&lo);
	assert_int_equal(codes(&f, &lo, "CODES", PRODUCT, "L1", "STATUS", "in_stock", NULL),
			 CMD_DONE);
	assert_int_equal(lo.n, 2);
	lot_codes_free(&lo);
	assert_int_equal(codes(&f, &lo, "CODES", PRODUCT, "L1", "STATUS", "sold", NULL),
			 CMD_REFUSED);
	assert_string_equal(lo.o.why, "STATUS must be in_stock, in_transit, dispensed, "
			    "destroyed, sample, exported, stolen or checked_out");
	lot_codes_free(&lo);
	fx_close(&f);
}

static void test_codes_a_page_at_a_time(void **state)
{
	(void)state;
	struct fx f;
	struct lot_codes_outcome lo;
	char cursor[24];
	scene(&f);
	assert_int_equal(codes(&f, &lo, "CODES", PRODUCT, "L1", "COUNT", "3", NULL), CMD_DONE);
	assert_int_equal(lo.n, 3);
	assert_true(lo.more);
	snprintf(cursor, sizeof cursor, "%llu", (unsigned long long)lo.next);
	lot_codes_free(&lo);
	assert_int_equal(codes(&f, &lo, "CODES", PRODUCT, "L1", "AFTER", cursor, NULL), CMD_DONE);
	assert_int_equal(lo.n, 1);
	assert_false(lo.more);
	lot_codes_free(&lo);
	assert_int_equal(codes(&f, &lo, "CODES", PRODUCT, "L1", "AFTER", "x1", NULL), CMD_REFUSED);
	assert_string_equal(lo.o.why, "AFTER must be a cursor from an earlier reply");
	lot_codes_free(&lo);
	fx_close(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_impact_shows_every_site_of_the_chain),
		cmocka_unit_test(test_impact_of_a_recall_and_its_deadline),
		cmocka_unit_test(test_impact_by_code),
		cmocka_unit_test(test_codes_where_each_is),
		cmocka_unit_test(test_codes_a_page_at_a_time),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
