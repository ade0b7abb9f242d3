/*
 * test_events — EVENTS applied (daemon/cmd_events.c) as the writer applies
 * it, to typed records against a temporary store: one-code records run as
 * one command, and record by record when that command refuses; SKIPBAD
 * lists each failure under its record; without it one failure refuses the
 * batch and asks for what was written to be undone; a DISPENSE answered
 * red fails its record; each record answers to the role matrix; a batch
 * sent again is answered from its kept result.
 */
#include "rules_fixture.h"

#include "acl.h"

#define PRODUCT "8301234"
#define C(n) "8301234000000000001" #n
#define LOT(l) "PRODUCT " PRODUCT " LOT " l " EXPIRY 2030-01-01"

/* M1's manufacturer, signed in (M1 is site 1). */
static const struct principal m = { .role = ROLE_MANUFACTURER, .site = 1, .name = "mfr",
				    .site_id = "M1" };

static void scene(struct fx *f)
{
	fx_open(f);
	fx_site(f, "M1", "manufacturer");
	fx_site(f, "D1", "distributor");
	fx_site(f, "P1", "pharmacy");
	fx_product(f, PRODUCT, "1");
}

static bool commissioned(struct fx *f, const char *code)
{
	struct unit u;
	return fx_find_unit(f, code, &u) == 0;
}

/*
 * Run the EVENTS request (words NULL-terminated) sent by who as the
 * writer would: checked as it arrives (unless `arrived` is false: a
 * command that came another way), applied in a transaction of its own,
 * committed unless it asks for an undo.  The reply (RESP3) in out.
 */
static enum cmd_status events_as(struct fx *f, const struct principal *who, bool arrived,
				 struct buf *out, const char *first, ...)
{
	struct fx_cmd c;
	va_list ap;
	va_start(ap, first);
	int argc = fx_words(&c, first, ap);
	va_end(ap);
	if (cmd_parse(&c.cmd, fx_spec(&c, argc), argc, c.argv, FX_T0, who, c.err,
		      sizeof c.err) != 0)
		fail_msg("%s does not parse: %s", first, c.err);
	struct resp_out o = { BUF_INIT, 3 };
	struct cmd_ctx ctx = { .cmd = &c.cmd, .cfg = &f->cfg, .out = &o, .txn = fx_begin(f) };
	if (who && arrived) {
		char why[600];
		assert_int_equal(acl_check_cmd(&ctx, &c.cmd, why, sizeof why), ACL_OK);
	}
	enum cmd_status st = cmd_run(&ctx);
	if (st == CMD_ROLLBACK || st == CMD_FAILED)
		fx_abort(f);
	else
		fx_commit(f);
	fx_cmd_free(&c);
	buf_reset(out);
	buf_append(out, o.b.data, o.b.len);
	buf_putc(out, '\0');
	buf_free(&o.b);
	return st;
}

#define events(f, out, ...) events_as(f, NULL, true, out, "EVENTS", __VA_ARGS__, NULL)

/* A field of the reply map: the integer after key. */
static long long field(const struct buf *out, const char *key)
{
	char k[64];
	snprintf(k, sizeof k, "\r\n%s\r\n:", key);
	const char *p = strstr(out->data, k);
	if (p == NULL)
		fail_msg("no %s in %s", key, out->data);
	return atoll(p + strlen(k));
}

/* Is error {record, msg} in the reply's list? */
static void assert_listed(const struct buf *out, int record, const char *msg)
{
	char want[700];
	snprintf(want, sizeof want, "$6\r\nrecord\r\n:%d\r\n$5\r\nerror\r\n$%zu\r\n%s\r\n", record,
		 strlen(msg), msg);
	if (strstr(out->data, want) == NULL)
		fail_msg("no error '%s' for record %d in %s", msg, record, out->data);
}

static void assert_reply(const struct buf *out, const char *want)
{
	assert_string_equal(out->data, want);
}

/* The records of a lot's units and of a case's children, one code each:
 * two commands, two events, not five. */
static void test_one_code_records_run_as_one_command(void **state)
{
	(void)state;
	struct fx f;
	struct buf out = BUF_INIT;
	scene(&f);
	uint64_t before = fx_next(&f, "event");
	assert_int_equal(events(&f, &out,
				"COMMISSION " C(1) " SITE M1 " LOT("L1"),
				"COMMISSION " C(2) " SITE M1 " LOT("L1"),
				"COMMISSION " C(3) " SITE M1 " LOT("L1"),
				"PACK " C(9) " " C(1) " SITE M1",
				"PACK " C(9) " " C(2) " SITE M1"), CMD_DONE);
	assert_int_equal(field(&out, "records"), 5);
	assert_int_equal(field(&out, "applied"), 5);
	assert_int_equal(fx_next(&f, "event"), before + 2);
	uint64_t case9 = fx_unit(&f, C(1)).parent;
	assert_int_not_equal(case9, 0);
	assert_int_equal(fx_unit(&f, C(2)).parent, case9);
	assert_int_equal(fx_unit(&f, C(3)).parent, 0);
	buf_free(&out);
	fx_close(&f);
}

/* Children of two lots packed into a new container: one command would not
 * do what the records do one at a time, so they run one at a time. */
static void test_a_group_refused_runs_record_by_record(void **state)
{
	(void)state;
	struct fx f;
	struct buf out = BUF_INIT;
	scene(&f);
	assert_int_equal(events(&f, &out,
				"COMMISSION " C(1) " SITE M1 " LOT("L1"),
				"COMMISSION " C(2) " SITE M1 " LOT("L2")), CMD_DONE);
	uint64_t before = fx_next(&f, "event");
	assert_int_equal(events(&f, &out,
				"PACK " C(9) " " C(1) " SITE M1",
				"PACK " C(9) " " C(2) " SITE M1"), CMD_DONE);
	assert_int_equal(field(&out, "applied"), 2);
	assert_int_equal(fx_next(&f, "event"), before + 2);
	assert_int_equal(fx_unit(&f, C(1)).parent, fx_unit(&f, C(2)).parent);
	buf_free(&out);
	fx_close(&f);
}

/* SKIPBAD: every record that fails is passed over and listed under its
 * number, with what it would have answered alone. */
static void test_skipbad_lists_each_failure(void **state)
{
	(void)state;
	struct fx f;
	struct buf out = BUF_INIT;
	scene(&f);
	assert_int_equal(events(&f, &out, "SKIPBAD",
				"COMMISSION " C(1) " SITE M1 " LOT("L1"),
				"",
				"FROB " C(1),
				"RECEIVE " C(5) " SITE M1",
				"DISPENSE " C(6) " SITE P1",
				"DESTROY " C(1) " SITE M1 TIME never",
				"COMMISSION " C(2) " SITE M1 " LOT("L1"),
				"COMMISSION " C(3) " SITE M1 " LOT("L1"),
				"COMMISSION " C(1) " SITE M1 " LOT("L1")), CMD_DONE);
	assert_int_equal(field(&out, "records"), 9);
	assert_int_equal(field(&out, "applied"), 3);
	assert_int_equal(field(&out, "skipped"), 6);
	assert_listed(&out, 2, "empty record");
	assert_listed(&out, 3, "ERR unknown command 'FROB'");
	assert_listed(&out, 4, "ERR RECEIVE: code 1 (83012340000000000015) is not commissioned");
	assert_listed(&out, 5, "DISPENSE answered red: not sold");
	assert_listed(&out, 6, "ERR DESTROY: TIME 'never' is not an ISO 8601 time with offset "
		      "(e.g. 2026-11-22T10:30:00+08:00)");
	/* Grouped with 8, refused as a group, then refused alone. */
	assert_listed(&out, 9, "ERR COMMISSION: code 1 (83012340000000000011) is already "
		      "commissioned");
	assert_true(commissioned(&f, C(2)));
	assert_true(commissioned(&f, C(3)));
	buf_free(&out);
	fx_close(&f);
}

/* Without SKIPBAD a failing record refuses the batch: nothing written if
 * it was the first, an undo of the others if not. */
static void test_one_failure_refuses_the_batch(void **state)
{
	(void)state;
	struct fx f;
	struct buf out = BUF_INIT;
	scene(&f);
	assert_int_equal(events(&f, &out,
				"COMMISSION " C(1) " SITE M1 " LOT("L1"),
				"COMMISSION " C(2) " SITE M1 " LOT("L1"),
				"SHIP " C(1) " FROM M1 TO D1",
				"RECEIVE " C(2) " SITE D1"), CMD_ROLLBACK);
	assert_reply(&out, "-ERR EVENTS: record 4: ERR RECEIVE: code 1 (83012340000000000012) "
		     "is not in transit (receive before ship?); nothing was applied\r\n");
	assert_false(commissioned(&f, C(1)));

	assert_int_equal(events(&f, &out, "DISPENSE " C(7) " SITE P1",
				"COMMISSION " C(1) " SITE M1 " LOT("L1")), CMD_REFUSED);
	assert_reply(&out, "-ERR EVENTS: record 1: DISPENSE answered red: not sold; nothing was "
		     "applied\r\n");
	assert_false(commissioned(&f, C(1)));
	buf_free(&out);
	fx_close(&f);
}

/* Each record answers to the role matrix for the request's principal, as
 * if sent alone: checked where it arrived, or where it applies when it
 * came some other way. */
static void test_records_answer_to_the_role_matrix(void **state)
{
	(void)state;
	struct fx f;
	struct buf out = BUF_INIT;
	scene(&f);
	for (int arrived = 0; arrived < 2; arrived++) {
		assert_int_equal(events_as(&f, &m, arrived, &out, "EVENTS",
					   "COMMISSION " C(1) " SITE M1 " LOT("L1"),
					   "DISPENSE " C(1) " SITE P1", NULL), CMD_ROLLBACK);
		assert_reply(&out, "-ERR EVENTS: record 2: manufacturer 'mfr' may not run "
			     "DISPENSE; nothing was applied\r\n");
		assert_int_equal(events_as(&f, &m, arrived, &out, "EVENTS", "SKIPBAD",
					   "COMMISSION " C(2) " SITE D1 " LOT("L1"), NULL), CMD_DONE);
		assert_listed(&out, 1, "COMMISSION: SITE must be your own site M1, not 'D1'");
		assert_false(commissioned(&f, C(2)));
	}
	buf_free(&out);
	fx_close(&f);
}

/* A batch id sent again by the same principal: the kept result, nothing
 * applied twice; still refused when a record is not the principal's to
 * send. */
static void test_a_batch_sent_again_is_answered_from_its_result(void **state)
{
	(void)state;
	struct fx f;
	struct buf out = BUF_INIT;
	scene(&f);
	const char *rec1 = "COMMISSION " C(1) " SITE M1 " LOT("L1");
	const char *rec2 = "DISPENSE " C(1) " SITE P1";
	assert_int_equal(events_as(&f, &m, true, &out, "EVENTS", "BATCH", "b1", "SKIPBAD", rec1,
				   rec2, NULL), CMD_DONE);
	assert_int_equal(field(&out, "applied"), 1);
	assert_listed(&out, 2, "manufacturer 'mfr' may not run DISPENSE");
	uint64_t before = fx_next(&f, "event");

	assert_int_equal(events_as(&f, &m, true, &out, "EVENTS", "BATCH", "b1", "SKIPBAD", rec1,
				   rec2, NULL), CMD_DONE);
	assert_non_null(strstr(out.data, "$8\r\nreplayed\r\n#t\r\n"));
	assert_int_equal(field(&out, "applied"), 1);
	assert_listed(&out, 2, "manufacturer 'mfr' may not run DISPENSE");
	assert_int_equal(fx_next(&f, "event"), before);

	assert_int_equal(events_as(&f, &m, true, &out, "EVENTS", "BATCH", "b1", rec1, rec2, NULL),
			 CMD_REFUSED);
	assert_reply(&out, "-ERR EVENTS: record 2: manufacturer 'mfr' may not run DISPENSE; "
		     "nothing was applied\r\n");
	/* The trusted principal's batches are its own. */
	assert_int_equal(events(&f, &out, "BATCH", "b1", rec1), CMD_REFUSED);
	assert_memory_equal(out.data, "-ERR EVENTS: record 1: ERR COMMISSION: code 1 ", 46);
	buf_free(&out);
	fx_close(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_code_records_run_as_one_command),
		cmocka_unit_test(test_a_group_refused_runs_record_by_record),
		cmocka_unit_test(test_skipbad_lists_each_failure),
		cmocka_unit_test(test_one_failure_refuses_the_batch),
		cmocka_unit_test(test_records_answer_to_the_role_matrix),
		cmocka_unit_test(test_a_batch_sent_again_is_answered_from_its_result),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
