/*
 * test_site_kinds — daemon/site_kinds.c: what each kind of site may do,
 * the table as data, and the rule as the writer applies it (cmd_run), for
 * a command alone and for an EVENTS record, whoever sends it.
 */
#include "rules_fixture.h"

#include "site_kinds.h"

#define PRODUCT "8301234"
#define CODE "83012340000000000011"

/* The table, as PROTOCOL.md's "Site kinds" shows it: M manufacturer,
 * D distributor, P pharmacy, H hospital, R regulator. */
static const struct {
	enum cmd_id cmd;
	const char *may;
} rows[] = {
	{ CMD_COMMISSION, "M" },
	{ CMD_PACK, "MD" },
	{ CMD_UNPACK, "MDPH" },
	{ CMD_SHIP, "MD" },
	{ CMD_RETURN, "DPH" },
	{ CMD_RECEIVE, "MDPH" },
	{ CMD_DESTROY, "MDPH" },
	{ CMD_RECALL_ACK, "MDPH" },
	{ CMD_DISPENSE, "PH" },
	{ CMD_UNDO, "PH" },
	{ CMD_VERIFY, "MDPHR" },	/* a read: not restricted */
	{ CMD_RECALL, "MDPHR" },	/* no acting site */
};

static void test_the_table(void **state)
{
	(void)state;
	static const char letters[] = "MDPHR";
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
		for (int k = SITE_KIND_MANUFACTURER; k <= SITE_KIND_REGULATOR; k++) {
			bool want = strchr(rows[i].may, letters[k - 1]) != NULL;
			if (site_kind_may((enum site_kind)k, rows[i].cmd) != want)
				fail_msg("row %zu: a %s %s", i, site_kind_name((enum site_kind)k),
					 want ? "may" : "may not");
		}
	/* A site without a kind is not restricted. */
	assert_true(site_kind_may(SITE_KIND_NONE, CMD_COMMISSION));
	assert_true(site_kind_may(SITE_KIND_NONE, CMD_DISPENSE));
	assert_int_equal(site_kind_parse("hospital", 8), SITE_KIND_HOSPITAL);
	assert_int_equal(site_kind_parse("hospitals", 9), SITE_KIND_NONE);
}

/* Run a command as the writer does, sent by the trusted local principal;
 * its status, and its reply in out. */
static enum cmd_status run(struct fx *f, char *out, size_t n, const char *first, ...)
{
	struct fx_cmd c;
	va_list ap;
	va_start(ap, first);
	fx_vparse(&c, FX_T0, first, ap);
	va_end(ap);
	struct resp_out o = { BUF_INIT, 2 };
	struct cmd_ctx ctx = { .cmd = &c.cmd, .cfg = &f->cfg, .out = &o, .txn = fx_begin(f) };
	enum cmd_status st = cmd_run(&ctx);
	if (st == CMD_DONE)
		fx_commit(f);
	else
		fx_abort(f);
	snprintf(out, n, "%.*s", (int)o.b.len, o.b.data);
	buf_free(&o.b);
	fx_cmd_free(&c);
	return st;
}

static void scene(struct fx *f)
{
	fx_open(f);
	fx_site(f, "MFR", "manufacturer");
	fx_site(f, "PH1", "pharmacy");
	fx_site(f, "NMPA", "regulator");
	static const char *const old[] = { "name", "A site from before kinds" };
	fx_master(f, &master_site, "OLD", old, 2);
	fx_product(f, PRODUCT, "1");
}

static void test_a_pharmacy_may_not_commission_nor_a_maker_dispense(void **state)
{
	(void)state;
	struct fx f;
	char out[400];
	scene(&f);
	uint64_t events = fx_next(&f, "event");
	assert_int_equal(run(&f, out, sizeof out, "COMMISSION", CODE, "SITE", "PH1", "PRODUCT",
			     PRODUCT, "LOT", "L1", "EXPIRY", "2030-01-01", NULL), CMD_REFUSED);
	assert_string_equal(out, "-ERR COMMISSION: site 'PH1' is a pharmacy, and a pharmacy "
			    "may not COMMISSION (manufacturers may)\r\n");
	assert_int_equal(fx_next(&f, "event"), events);		/* nothing written */
	assert_int_equal(run(&f, out, sizeof out, "COMMISSION", CODE, "SITE", "MFR", "PRODUCT",
			     PRODUCT, "LOT", "L1", "EXPIRY", "2030-01-01", NULL), CMD_DONE);
	assert_int_equal(run(&f, out, sizeof out, "DISPENSE", CODE, "SITE", "MFR", "TX", "T1",
			     NULL), CMD_REFUSED);
	assert_string_equal(out, "-ERR DISPENSE: site 'MFR' is a manufacturer, and a "
			    "manufacturer may not DISPENSE (pharmacies and hospitals may)\r\n");
	assert_int_equal(run(&f, out, sizeof out, "SHIP", CODE, "FROM", "NMPA", "TO", "PH1",
			     NULL), CMD_REFUSED);
	assert_non_null(strstr(out, "site 'NMPA' is a regulator"));
	/* An unknown site is the command's own error, not the kinds'. */
	assert_int_equal(run(&f, out, sizeof out, "SHIP", CODE, "FROM", "NOPE", "TO", "PH1",
			     NULL), CMD_REFUSED);
	assert_null(strstr(out, "may not"));
	/* A site without a kind is not restricted. */
	assert_int_equal(run(&f, out, sizeof out, "SHIP", CODE, "FROM", "MFR", "TO", "OLD",
			     NULL), CMD_DONE);
	assert_int_equal(run(&f, out, sizeof out, "RECEIVE", CODE, "SITE", "OLD", NULL),
			 CMD_DONE);
	assert_int_equal(run(&f, out, sizeof out, "DISPENSE", CODE, "SITE", "OLD", "TX", "T1",
			     NULL), CMD_DONE);
	fx_close(&f);
}

static void test_an_events_record_obeys_its_own_site_kind(void **state)
{
	(void)state;
	struct fx f;
	char out[600];
	scene(&f);
	uint64_t events = fx_next(&f, "event");
	assert_int_equal(run(&f, out, sizeof out, "EVENTS",
			     "COMMISSION " CODE " SITE MFR PRODUCT " PRODUCT " LOT L1 EXPIRY 2030-01-01",
			     "COMMISSION 83012340000000000012 SITE PH1 PRODUCT " PRODUCT " LOT L1",
			     NULL), CMD_ROLLBACK);
	assert_non_null(strstr(out, "record 2: ERR COMMISSION: site 'PH1' is a pharmacy, and a "
			       "pharmacy may not COMMISSION"));
	assert_int_equal(fx_next(&f, "event"), events);
	/* SKIPBAD: the record is skipped, the others applied. */
	assert_int_equal(run(&f, out, sizeof out, "EVENTS", "SKIPBAD",
			     "COMMISSION " CODE " SITE MFR PRODUCT " PRODUCT " LOT L1 EXPIRY 2030-01-01",
			     "COMMISSION 83012340000000000012 SITE PH1 PRODUCT " PRODUCT " LOT L1",
			     NULL), CMD_DONE);
	assert_int_equal(fx_next(&f, "event"), events + 1);
	assert_non_null(strstr(out, "a pharmacy may not COMMISSION"));
	fx_close(&f);
}

/* The scene, and a COMMISSION by the pharmacy PH1 (which it may not send). */
static void pharmacy_commissions(struct fx *f, struct fx_cmd *c)
{
	scene(f);
	fx_parse(c, FX_T0, "COMMISSION", CODE, "SITE", "PH1", "PRODUCT", PRODUCT, "LOT", "L1",
		 "EXPIRY", "2030-01-01", NULL);
}

/* A command from a log entry of version 1 was applied before the rule:
 * replayed, it is applied as it was (entry.h). */
static void test_a_version_1_entry_is_applied_as_it_was(void **state)
{
	(void)state;
	struct fx f;
	struct fx_cmd c;
	pharmacy_commissions(&f, &c);
	char why[300];
	assert_int_equal(site_kinds_check(fx_begin(&f), &c.cmd, why, sizeof why), -1);
	cmd_set_entry_version(&c.cmd, 1);
	assert_int_equal(site_kinds_check(f.txn, &c.cmd, why, sizeof why), 0);
	fx_abort(&f);
	fx_cmd_free(&c);
	fx_close(&f);
}

/* The kind is read again after the site changes, even in the transaction
 * that changed it, and after that transaction is aborted: the writer
 * remembers the last site it resolved (site_kinds.c), and a load names the
 * same site row after row. */
static void test_a_changed_kind_is_seen_at_once(void **state)
{
	(void)state;
	struct fx f;
	struct fx_cmd c;
	pharmacy_commissions(&f, &c);
	char why[300], err[300];
	struct store_txn *t = fx_begin(&f);
	assert_int_equal(site_kinds_check(t, &c.cmd, why, sizeof why), -1);
	assert_int_equal(site_kinds_check(t, &c.cmd, why, sizeof why), -1);

	struct master_rec rec;
	struct resp_arg kind[2] = { { "kind", 4 }, { "manufacturer", 12 } };
	assert_int_equal(master_load(t, &master_site, "PH1", &rec), 0);
	assert_int_equal(master_apply(&master_site, &rec, 2, kind, err, sizeof err), 0);
	assert_int_equal(master_store(t, &master_site, "PH1", &rec), 0);
	assert_int_equal(site_kinds_check(t, &c.cmd, why, sizeof why), 0);
	fx_abort(&f);

	t = fx_begin(&f);	/* the change is gone with the abort */
	assert_int_equal(site_kinds_check(t, &c.cmd, why, sizeof why), -1);
	assert_non_null(strstr(why, "site 'PH1' is a pharmacy"));
	fx_abort(&f);
	fx_cmd_free(&c);
	fx_close(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_the_table),
		cmocka_unit_test(test_a_pharmacy_may_not_commission_nor_a_maker_dispense),
		cmocka_unit_test(test_an_events_record_obeys_its_own_site_kind),
		cmocka_unit_test(test_a_version_1_entry_is_applied_as_it_was),
		cmocka_unit_test(test_a_changed_kind_is_seen_at_once),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
