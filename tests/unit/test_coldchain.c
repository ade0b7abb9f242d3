/*
 * test_coldchain — temperature readings, cold-chain breaks and their
 * release (daemon/coldchain.c, applied by movement.c and judged by
 * verdict.c) on a temporary store with a fixed clock.
 */
#include "rules_fixture.h"

#include "alerts.h"
#include "coldchain.h"
#include "movement.h"
#include "scan.h"
#include "units.h"

#define VACCINE "8305555"
#define PLAIN "8301234"
#define V1 "83055550000000000001"
#define V2 "83055550000000000002"
#define V3 "83055550000000000003"
#define P1 "83012340000000000001"
#define CASE "83055550000000000900"

/* MFR, DIST; a 2-8 °C vaccine (V1, V2 packed in CASE with P1, a product
 * without a range; V3 loose), all at MFR. */
static void scene(struct fx *f)
{
	fx_open(f);
	fx_site(f, "MFR", "manufacturer");
	fx_site(f, "DIST", "distributor");
	const char *vaccine[] = { "name", "HepB vaccine", "storage_min_c", "2",
				  "storage_max_c", "8" };
	fx_master(f, &master_product, VACCINE, vaccine, 6);
	fx_product(f, PLAIN, "1");
	fx_do(f, FX_T0 - FX_DAY_MS, "COMMISSION", V1, V2, V3, "SITE", "MFR", "PRODUCT", VACCINE,
	      "LOT", "V1", "EXPIRY", "2030-01-01", NULL);
	fx_do(f, FX_T0 - FX_DAY_MS, "COMMISSION", P1, "SITE", "MFR", "PRODUCT", PLAIN, "LOT",
	      "A1", "EXPIRY", "2030-01-01", NULL);
	fx_do(f, FX_T0 - FX_DAY_MS, "PACK", CASE, V1, V2, P1, "SITE", "MFR", NULL);
}

static enum verdict verdict_of(struct fx *f, const char *code, uint32_t *reasons,
			       char *msg, size_t n)
{
	struct fx_cmd c;
	struct scan_outcome so = { 0 };
	fx_parse(&c, FX_T0, "VERIFY", code, NULL);
	struct store_txn *t = fx_begin(f);
	assert_int_equal(scan_verify(t, &f->cfg, &c.cmd, false, &so), CMD_DONE);
	fx_abort(f);
	fx_cmd_free(&c);
	*reasons = so.j.reasons;
	if (msg) {
		snprintf(msg, n, "%s %d", so.j.has_cold_break ? so.j.cold_site : "",
			 (int)so.j.cold.reading.max_dc);
	}
	return so.j.verdict;
}

static bool broken(struct fx *f, const char *code)
{
	uint32_t reasons;
	verdict_of(f, code, &reasons, NULL, 0);
	return reasons & (1u << R_COLD_CHAIN_BREAK);
}

static enum cmd_status release(struct fx *f, struct coldchain_outcome *co, const char *first,
			       ...)
{
	struct fx_cmd c;
	va_list ap;
	va_start(ap, first);
	fx_vparse(&c, FX_T0, first, ap);
	va_end(ap);
	memset(co, 0, sizeof *co);
	struct store_txn *t = fx_begin(f);
	enum cmd_status st = coldchain_release(t, &f->cfg, &c.cmd, co);
	if (st == CMD_FAILED)
		fail_msg("store %s", store_strerror(co->o.store_rc));
	fx_commit(f);
	fx_cmd_free(&c);
	return st;
}

static void test_parse_readings(void **state)
{
	(void)state;
	struct cold_reading r;
	char err[200];
	assert_int_equal(coldchain_parse("14.5", 4, &r, err, sizeof err), 0);
	assert_int_equal(r.min_dc, 145);
	assert_int_equal(r.max_dc, 145);
	assert_int_equal(coldchain_parse("-1:9.5", 6, &r, err, sizeof err), 0);
	assert_int_equal(r.min_dc, -10);
	assert_int_equal(r.max_dc, 95);
	assert_int_equal(coldchain_parse("9:3", 3, &r, err, sizeof err), -1);
	assert_non_null(strstr(err, "lowest reading is above the highest"));
	static const char *const bad[] = { "", "warm", "14.55", "1e3", "500", "3:", ":3",
					   "3:4:5", "-", "+4" };
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		err[0] = '\0';
		assert_int_equal(coldchain_parse(bad[i], strlen(bad[i]), &r, err, sizeof err), -1);
		assert_true(strncmp(err, "TEMP", 4) == 0);
	}
	/* the range: a bound not set is open */
	struct cold_reading warm = { 85, 145 }, cold = { -5, 30 }, ok = { 20, 80 };
	assert_true(coldchain_outside(&warm, true, 20, true, 80));
	assert_true(coldchain_outside(&cold, true, 20, true, 80));
	assert_false(coldchain_outside(&ok, true, 20, true, 80));
	assert_false(coldchain_outside(&warm, true, 20, false, 0));
	assert_false(coldchain_outside(&cold, false, 0, true, 80));
}

static void test_a_warm_shipment_breaks_what_it_carries(void **state)
{
	(void)state;
	struct fx f;
	uint32_t reasons;
	char msg[100];
	scene(&f);
	uint64_t alerts = fx_next(&f, "alert");
	fx_do(&f, FX_T0, "SHIP", CASE, V3, "FROM", "MFR", "TO", "DIST", "TEMP", "3:8", NULL);
	assert_false(broken(&f, V1));	/* 3-8 °C is within 2-8 */
	assert_int_equal(fx_next(&f, "alert"), alerts);
	fx_do(&f, FX_T0, "RECEIVE", CASE, V3, "SITE", "DIST", "TEMP", "8.1", NULL);
	assert_int_equal(verdict_of(&f, V1, &reasons, msg, sizeof msg), VERDICT_RED);
	assert_true(reasons & (1u << R_COLD_CHAIN_BREAK));
	assert_string_equal(msg, "DIST 81");
	assert_true(broken(&f, V2));	/* in the case */
	assert_true(broken(&f, V3));	/* loose */
	assert_false(broken(&f, P1));	/* no range */
	/* one alert per code received holding a break */
	assert_int_equal(fx_next(&f, "alert"), alerts + 2);
	struct fx_cmd c;
	fx_parse(&c, FX_T0, "TRACE", CASE, NULL);
	struct unit u;
	struct cold_break b;
	struct store_txn *t = fx_begin(&f);
	assert_int_equal(units_find(t, c.cmd.codes[0].cr_key, c.cmd.codes[0].cr_key_len, &u), 0);
	assert_int_equal(coldchain_get(t, u.id, &b), STORE_NOTFOUND);	/* no lot, no range */
	fx_abort(&f);
	fx_cmd_free(&c);
	fx_close(&f);
}

static void test_release(void **state)
{
	(void)state;
	struct fx f;
	struct coldchain_outcome co;
	scene(&f);
	fx_do(&f, FX_T0, "SHIP", CASE, V3, "FROM", "MFR", "TO", "DIST", "TEMP", "1.5", NULL);
	assert_true(broken(&f, V1));
	/* P1 has nothing to release: refused, and V1 stays broken */
	assert_int_equal(release(&f, &co, "COLDCHAIN", "RELEASE", V1, P1, "REASON", "ok", NULL),
			 CMD_REFUSED);
	assert_non_null(strstr(co.o.why, "has no cold-chain break to release"));
	assert_true(broken(&f, V1));
	/* the case releases its contents */
	assert_int_equal(release(&f, &co, "COLDCHAIN", "RELEASE", CASE, "REASON", "assessed",
				 NULL), CMD_DONE);
	assert_int_equal(co.released, 2);
	assert_false(broken(&f, V1));
	assert_false(broken(&f, V2));
	assert_true(broken(&f, V3));
	assert_int_equal(release(&f, &co, "COLDCHAIN", "RELEASE", CASE, "REASON", "again",
				 NULL), CMD_REFUSED);
	/* a later warm reading breaks a released unit again */
	fx_do(&f, FX_T0, "RECEIVE", CASE, V3, "SITE", "DIST", "TEMP", "9", NULL);
	assert_true(broken(&f, V1));
	fx_close(&f);
}

static void test_a_bad_reading_changes_nothing(void **state)
{
	(void)state;
	struct fx f;
	scene(&f);
	uint64_t events = fx_next(&f, "event");
	struct fx_cmd c;
	struct custody_outcome co = { 0 };
	fx_parse(&c, FX_T0, "SHIP", V3, "FROM", "MFR", "TO", "DIST", "TEMP", "hot", NULL);
	struct store_txn *t = fx_begin(&f);
	assert_int_equal(movement_ship(t, &f.cfg, &c.cmd, &co), CMD_REFUSED);
	fx_commit(&f);
	fx_cmd_free(&c);
	assert_non_null(strstr(co.o.why, "'hot' is not a temperature"));
	assert_int_equal(fx_next(&f, "event"), events);
	assert_int_equal(fx_unit(&f, V3).status, UNIT_ACTIVE);
	fx_close(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_readings),
		cmocka_unit_test(test_a_warm_shipment_breaks_what_it_carries),
		cmocka_unit_test(test_release),
		cmocka_unit_test(test_a_bad_reading_changes_nothing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
