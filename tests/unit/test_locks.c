/*
 * test_locks — LOCK and UNLOCK (daemon/locks.c) applied directly to typed
 * commands against a temporary store, with a fixed clock.
 */
#include "rules_fixture.h"

#include "eventlog.h"
#include "locks.h"
#include "scan.h"
#include "units.h"

#define PRODUCT "8301234"
#define CODE "83012340000000000011"
#define OTHER "83012340000000000012"

/* Site MFR; CODE and OTHER commissioned there. */
static void scene(struct fx *f)
{
	fx_open(f);
	fx_site(f, "MFR", "manufacturer");
	fx_product(f, PRODUCT, "1");
	fx_do(f, FX_T0 - FX_DAY_MS, "COMMISSION", CODE, OTHER, "SITE", "MFR", "PRODUCT", PRODUCT,
	      "LOT", "L1", "EXPIRY", "2030-01-01", NULL);
}

/* Apply a LOCK or UNLOCK at time ms in its own transaction. */
static enum cmd_status apply(struct fx *f, int64_t ms, struct lock_outcome *lo,
			     const char *first, ...)
{
	struct fx_cmd c;
	va_list ap;
	va_start(ap, first);
	fx_vparse(&c, ms, first, ap);
	va_end(ap);
	memset(lo, 0, sizeof *lo);
	struct store_txn *t = fx_begin(f);
	enum cmd_status st = c.cmd.spec->id == CMD_LOCK ? locks_lock(t, &f->cfg, &c.cmd, lo) :
						      locks_unlock(t, &f->cfg, &c.cmd, lo);
	if (st == CMD_FAILED)
		fail_msg("%s: store %s", first, store_strerror(lo->o.store_rc));
	fx_commit(f);
	fx_cmd_free(&c);
	return st;
}

static bool locked(struct fx *f, const char *code)
{
	struct fx_cmd c;
	struct unit u;
	fx_parse(&c, FX_T0, "TRACE", code, NULL);
	struct store_txn *t = fx_begin(f);
	assert_int_equal(units_find(t, c.cmd.codes[0].cr_key, c.cmd.codes[0].cr_key_len, &u), 0);
	fx_abort(f);
	fx_cmd_free(&c);
	return u.flags & UNIT_F_LOCKED;
}

static enum verdict verdict_of(struct fx *f, const char *code, uint32_t *reasons)
{
	struct fx_cmd c;
	struct scan_outcome so = { 0 };
	fx_parse(&c, FX_T0, "VERIFY", code, "SITE", "MFR", NULL);
	struct store_txn *t = fx_begin(f);
	assert_int_equal(scan_verify(t, &f->cfg, &c.cmd, false, &so), CMD_DONE);
	fx_abort(f);
	fx_cmd_free(&c);
	*reasons = so.j.reasons;
	return so.j.verdict;
}

static void test_lock_then_unlock(void **state)
{
	(void)state;
	struct fx f;
	struct lock_outcome lo;
	uint32_t reasons;
	scene(&f);
	assert_int_equal(apply(&f, FX_T0, &lo, "LOCK", CODE, "REASON", "stolen", NULL), CMD_DONE);
	assert_true(locked(&f, CODE));
	assert_false(locked(&f, OTHER));
	assert_int_equal(verdict_of(&f, CODE, &reasons), VERDICT_RED);
	assert_true(reasons & (1u << R_LOCKED));

	struct event e;
	struct store_txn *t = fx_begin(&f);
	assert_int_equal(events_get(t, lo.event, &e), 0);
	fx_abort(&f);
	assert_int_equal(e.kind, EV_LOCK);
	assert_int_equal(e.time_ms, FX_T0);
	assert_string_equal(e.ref, "stolen");

	assert_int_equal(apply(&f, FX_T0 + 1000, &lo, "UNLOCK", CODE, NULL), CMD_DONE);
	assert_false(locked(&f, CODE));
	assert_int_equal(verdict_of(&f, CODE, &reasons), VERDICT_GREEN);
	fx_close(&f);
}

static void test_lock_twice_and_unlock_unlocked_refused(void **state)
{
	(void)state;
	struct fx f;
	struct lock_outcome lo;
	scene(&f);
	uint64_t events = fx_next(&f, "event");
	assert_int_equal(apply(&f, FX_T0, &lo, "UNLOCK", CODE, NULL), CMD_REFUSED);
	assert_string_equal(lo.o.why, "the code is not locked");
	assert_int_equal(fx_next(&f, "event"), events);

	apply(&f, FX_T0, &lo, "LOCK", CODE, NULL);
	events = fx_next(&f, "event");
	assert_int_equal(apply(&f, FX_T0, &lo, "LOCK", CODE, "REASON", "again", NULL),
			 CMD_REFUSED);
	assert_string_equal(lo.o.why, "the code is already locked");
	assert_int_equal(fx_next(&f, "event"), events);
	assert_true(locked(&f, CODE));
	fx_close(&f);
}

static void test_lock_names_a_commissioned_code(void **state)
{
	(void)state;
	struct fx f;
	struct lock_outcome lo;
	scene(&f);
	assert_int_equal(apply(&f, FX_T0, &lo, "LOCK", "83012340000000000099", NULL), CMD_REFUSED);
	assert_string_equal(lo.o.why, "83012340000000000099 is not commissioned");
	assert_int_equal(apply(&f, FX_T0, &lo, "LOCK", "hello", NULL), CMD_REFUSED);
	assert_true(lo.o.why[0] != '\0');
	fx_close(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lock_then_unlock),
		cmocka_unit_test(test_lock_twice_and_unlock_unlocked_refused),
		cmocka_unit_test(test_lock_names_a_commissioned_code),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
