/*
 * test_parse — daemon/parse.c: a request read once into a typed command.
 * Options typed by their kind and held to their limits, required options,
 * unknown and repeated ones, lists of codes read against the command's own
 * time; EVENTS' records, each split and parsed into a command of its own
 * or marked with the error it reports, consecutive one-code records
 * grouped into one command, and all of it owned by the command: it
 * survives the request's words and a move into a write job.
 */
#include "rules_fixture.h"

#include "acl.h"
#include "journal.h"
#include "args.h"
#include "server.h"
#include "writer.h"
#include "xmem.h"

#include <limits.h>

#define C(n) "8301234000000000001" #n	/* codes of product 8301234 */
#define GTIN "06901234567892"

/* The request's own copy of its words, as a connection's input holds
 * them: the tests overwrite it to see that nothing still points there. */
struct req {
	struct fx_cmd c;
	int argc;
};

/* Parse the words (NULL-terminated) stamped at ms for principal who: 0,
 * or -1 with the reason in r->c.err. */
static int parse_as(struct req *r, int64_t ms, const struct principal *who,
		    const char *first, ...)
{
	va_list ap;
	va_start(ap, first);
	r->argc = fx_words(&r->c, first, ap);
	va_end(ap);
	r->c.err[0] = '\0';
	return cmd_parse(&r->c.cmd, fx_spec(&r->c, r->argc), r->argc, r->c.argv, ms, who,
			 r->c.err, sizeof r->c.err);
}

#define parse(r, ...) parse_as(r, FX_T0, NULL, __VA_ARGS__, NULL)

/* The error a command line gets, or "" when it parses. */
static const char *error_of(struct req *r, const char *first, ...)
{
	va_list ap;
	va_start(ap, first);
	r->argc = fx_words(&r->c, first, ap);
	va_end(ap);
	r->c.err[0] = '\0';
	int rc = cmd_parse(&r->c.cmd, fx_spec(&r->c, r->argc), r->argc, r->c.argv, FX_T0, NULL,
			   r->c.err, sizeof r->c.err);
	cmd_free(&r->c.cmd);
	if (rc == 0)
		r->c.err[0] = '\0';
	return r->c.err;
}

#define assert_error(r, msg, ...) assert_string_equal(error_of(r, __VA_ARGS__, NULL), msg)

/* Is r the code text reads as (at the fixture's time)? */
static void assert_code(const struct code_result *r, const char *text)
{
	struct code_opts o;
	struct code_result want;
	args_code_opts(FX_T0, &o);
	assert_int_equal(code_parse(text, strlen(text), &o, &want), CODE_OK);
	assert_int_equal(r->cr_err, CODE_OK);
	assert_int_equal(r->cr_key_len, want.cr_key_len);
	assert_memory_equal(r->cr_key, want.cr_key, want.cr_key_len);
}

static void assert_word(const struct resp_arg *a, const char *w)
{
	assert_non_null(a);
	assert_int_equal(a->len, strlen(w));
	assert_memory_equal(a->ptr, w, a->len);
	assert_int_equal(a->ptr[a->len], '\0');
}

/* 2060-01-01T00:00:00Z */
#define T2060 INT64_C(2840140800000)

static void test_options_typed(void **state)
{
	(void)state;
	struct req r;
	assert_int_equal(parse(&r, "COMMISSION", C(1), "SITE", "M1", "PRODUCT", "8301234",
			       "LOT", "L1", "EXPIRY", "2028-02-29", "LEVEL", "2", "QTY", "12",
			       "TIME", "2027-03-01T08:00:00+08:00"), 0);
	const struct cmd *c = &r.c.cmd;
	assert_int_equal(c->spec->id, CMD_COMMISSION);
	assert_word(c->opt[OPT_SITE].arg, "M1");
	assert_word(c->opt[OPT_PRODUCT].arg, "8301234");
	assert_word(c->opt[OPT_LOT].arg, "L1");
	assert_int_equal(c->opt[OPT_EXPIRY].v.ymd, 20280229);
	assert_int_equal(c->opt[OPT_LEVEL].v.n, 2);
	assert_int_equal(c->opt[OPT_QTY].v.n, 12);
	assert_int_equal(c->opt[OPT_TIME].v.ms, INT64_C(1803859200000));
	/* The stamp, and the time the command is about. */
	assert_int_equal(c->time_ms, FX_T0);
	assert_int_equal(c->when_ms, INT64_C(1803859200000));
	assert_null(c->who);
	assert_false(cmd_has(c, OPT_TX));
	assert_int_equal(c->first_option, 2);
	fx_cmd_free(&r.c);

	/* Without TIME, the command is about when it was accepted. */
	assert_int_equal(parse(&r, "PACK", C(9), C(1), "SITE", "M1"), 0);
	assert_int_equal(r.c.cmd.when_ms, FX_T0);
	fx_cmd_free(&r.c);
	/* A raw grammar: the stamp only, its words are the handler's. */
	assert_int_equal(parse(&r, "SITE", "SET", "M1", "kind", "manufacturer"), 0);
	assert_int_equal(r.c.cmd.first_word, 2);
	assert_int_equal(r.c.cmd.ncodes, 0);
	assert_int_equal(r.c.cmd.time_ms, FX_T0);
	assert_false(cmd_has(&r.c.cmd, OPT_SITE));
	fx_cmd_free(&r.c);

	assert_int_equal(parse(&r, "ALERTS", "SINCE", "2027-01-01T00:00:00Z", "LIMIT", "7"), 0);
	assert_int_equal(r.c.cmd.opt[OPT_SINCE].v.ms, INT64_C(1798761600000));
	assert_int_equal(r.c.cmd.opt[OPT_LIMIT].v.n, 7);
	assert_int_equal(r.c.cmd.when_ms, FX_T0);	/* SINCE is not TIME */
	fx_cmd_free(&r.c);

	/* Fixed words. */
	assert_int_equal(parse(&r, "RECALL", "8301234", "L1", "LEVEL", "1", "REASON",
			       "contaminated"), 0);
	assert_int_equal(r.c.cmd.nwords, 2);
	assert_word(cmd_word(&r.c.cmd, 0), "8301234");
	assert_word(cmd_word(&r.c.cmd, 1), "L1");
	assert_int_equal(r.c.cmd.ncodes, 0);
	fx_cmd_free(&r.c);
}

static void test_limits(void **state)
{
	(void)state;
	struct req r;
	assert_error(&r, "QTY '0' is not a whole number from 1 to 100000000",
		     "COMMISSION", C(1), "SITE", "M1", "QTY", "0");
	assert_error(&r, "", "COMMISSION", C(1), "SITE", "M1", "QTY", "100000000");
	assert_error(&r, "QTY '100000001' is not a whole number from 1 to 100000000",
		     "COMMISSION", C(1), "SITE", "M1", "QTY", "100000001");
	assert_error(&r, "QTY '1000001' is not a whole number from 1 to 1000000",
		     "DISPENSE", C(1), "SITE", "P1", "QTY", "1000001");
	assert_error(&r, "LEVEL '5' is not a whole number from 1 to 4",
		     "COMMISSION", C(1), "SITE", "M1", "LEVEL", "5");
	assert_error(&r, "LEVEL '-1' is not a whole number from 1 to 4",
		     "COMMISSION", C(1), "SITE", "M1", "LEVEL", "-1");
	assert_error(&r, "", "COMMISSION", C(1), "SITE", "M1", "LOT", "12345678901234567890");
	assert_error(&r, "LOT must be 1 to 20 bytes",
		     "COMMISSION", C(1), "SITE", "M1", "LOT", "123456789012345678901");
	assert_error(&r, "LOT must be 1 to 20 bytes", "COMMISSION", C(1), "SITE", "M1", "LOT", "");
	char tx[CMD_TX_MAX + 2];
	memset(tx, 'T', sizeof tx - 1);
	tx[sizeof tx - 1] = '\0';
	assert_error(&r, "TX must be 1 to 64 bytes", "DISPENSE", C(1), "SITE", "P1", "TX", tx);
	tx[CMD_TX_MAX] = '\0';
	assert_error(&r, "", "DISPENSE", C(1), "SITE", "P1", "TX", tx);
	char reason[CMD_REF_MAX + 2];
	memset(reason, 'r', sizeof reason - 1);
	reason[sizeof reason - 1] = '\0';
	assert_error(&r, "REASON is required: 1 to 200 bytes of text",
		     "WITHDRAW", "8301234", "REASON", reason);
	assert_error(&r, "REF must be 1 to 200 bytes", "DESTROY", C(1), "SITE", "M1", "REF",
		     reason);
	/* Stored text: no terminal controls. */
	assert_string_not_equal(error_of(&r, "DESTROY", C(1), "SITE", "M1", "REF", "a\x1b[2Jb",
					 NULL), "");
	assert_memory_equal(r.c.err, "REF ", 4);
	assert_memory_equal(error_of(&r, "DESTROY", C(1), "SITE", "M1", "TIME", "yesterday",
				     NULL), "TIME 'yesterday'", 16);
	assert_memory_equal(error_of(&r, "COMMISSION", C(1), "SITE", "M1", "EXPIRY",
				     "2027-02-29", NULL), "EXPIRY ", 7);
}

static void test_required(void **state)
{
	(void)state;
	struct req r;
	assert_error(&r, "SITE is required", "PACK", C(9), C(1), "TIME",
		     "2027-03-01T00:00:00Z");
	assert_error(&r, "FROM and TO are required", "RETURN", C(1), C(2), C(3), C(4));
	assert_error(&r, "FROM is required", "SHIP", C(1), C(2), C(3), C(4));
	assert_error(&r, "LEVEL is required (1, 2 or 3)", "RECALL", "8301234", "L1", "REASON",
		     "why");
	assert_error(&r, "LEVEL and REASON are required", "RECALL", "8301234", "L1");
	assert_error(&r, "REASON is required: 1 to 200 bytes of text", "LIFT", "8301234", "L1");
	assert_error(&r, "needs 2 arguments", "CODES", "8301234");
}

static void test_unknown_and_repeated_options(void **state)
{
	(void)state;
	struct req r;
	assert_error(&r, "unexpected argument 'COLOR'; options are SITE, TIME",
		     "PACK", C(9), C(1), "SITE", "M1", "COLOR", "red");
	assert_error(&r, "unexpected argument 'COLOR'; options are SITE, TX, QTY, TIME, BRIEF",
		     "DISPENSE", C(1), "COLOR", "red");
	assert_error(&r, "SITE given twice", "PACK", C(9), C(1), "SITE", "M1", "SITE", "M2");
	assert_error(&r, "TIME needs a value", "PACK", C(9), C(1), "SITE", "M1", "TIME");
	/* Option names are read in any case. */
	assert_error(&r, "", "PACK", C(9), C(1), "site", "M1", "Time", "2027-03-01T00:00:00Z");
}

static void test_codes_list(void **state)
{
	(void)state;
	struct req r;
	assert_int_equal(parse(&r, "SHIP", C(1), C(2), "not a code", "FROM", "M1", "TO", "D1"), 0);
	const struct cmd *c = &r.c.cmd;
	assert_int_equal(c->ncodes, 3);
	assert_int_equal(c->first_code, 1);
	assert_int_equal(c->first_option, 4);
	assert_int_equal(c->codes[0].cr_err, CODE_OK);
	assert_code(&c->codes[0], C(1));
	assert_code(&c->codes[1], C(2));
	/* A code that does not parse is the handler's to answer. */
	assert_int_not_equal(c->codes[2].cr_err, CODE_OK);
	assert_word(c->opt[OPT_TO].arg, "D1");
	fx_cmd_free(&r.c);

	/* One code: kept in the command itself. */
	assert_int_equal(parse(&r, "DISPENSE", C(1), "SITE", "P1"), 0);
	assert_int_equal(r.c.cmd.ncodes, 1);
	assert_ptr_equal(r.c.cmd.codes, &r.c.cmd.one);
	fx_cmd_free(&r.c);
	/* UNPACK of a whole container: its code alone. */
	assert_int_equal(parse(&r, "UNPACK", C(9), "SITE", "M1"), 0);
	assert_int_equal(r.c.cmd.ncodes, 1);
	fx_cmd_free(&r.c);
}

/* Two-digit years of an expiry are read around the year of the command's
 * TIME, not the year it arrived: a record loaded from 2060 expiring
 * "99" expires in 2099, one read in 2027 in 1999. */
static void test_two_digit_years_against_time(void **state)
{
	(void)state;
	struct req r;
	const char *code = "(01)" GTIN "(17)991231(21)S1";
	assert_int_equal(parse(&r, "RECEIVE", code, "SITE", "P1"), 0);
	assert_int_equal(r.c.cmd.codes[0].cr_expiry.cd_year, 1999);
	fx_cmd_free(&r.c);
	assert_int_equal(parse(&r, "RECEIVE", code, "SITE", "P1", "TIME",
			       "2060-01-01T00:00:00Z"), 0);
	assert_int_equal(r.c.cmd.when_ms, T2060);
	assert_int_equal(r.c.cmd.codes[0].cr_expiry.cd_year, 2099);
	assert_int_equal(r.c.cmd.codes[0].cr_expiry.cd_month, 12);
	fx_cmd_free(&r.c);
	/* The same in an EVENTS record. */
	assert_int_equal(parse(&r, "EVENTS", "RECEIVE (01)" GTIN "(17)991231(21)S1 SITE P1 "
			       "TIME 2060-01-01T00:00:00Z", "RECEIVE (01)" GTIN
			       "(17)991231(21)S1 SITE P1"), 0);
	assert_int_equal(r.c.cmd.records->rec[0].cmd->codes[0].cr_expiry.cd_year, 2099);
	assert_int_equal(r.c.cmd.records->rec[1].cmd->codes[0].cr_expiry.cd_year, 1999);
	fx_cmd_free(&r.c);
}

/* ---------------------------------------------------------------- EVENTS */

static const struct cmd_record *record(const struct req *r, size_t i)
{
	assert_non_null(r->c.cmd.records);
	assert_true(i < r->c.cmd.records->n);
	return &r->c.cmd.records->rec[i];
}

static void test_events_records_split_and_parsed(void **state)
{
	(void)state;
	struct req r;
	struct principal who = { .role = ROLE_MANUFACTURER, .site = 1, .name = "m",
				 .site_id = "M1" };
	assert_int_equal(parse_as(&r, FX_T0, &who, "EVENTS", "BATCH", "b-1", "SKIPBAD",
				  "COMMISSION " C(1) " SITE M1 LOT L1 TIME 2027-03-01T00:00:00Z",
				  "  PACK\t" C(9) "  " C(1) " SITE M1  ",
				  "SHIP " C(9) " FROM M1 TO D1 REF \"two words\"", NULL), 0);
	const struct cmd_records *rs = r.c.cmd.records;
	assert_non_null(rs);
	assert_int_equal(rs->n, 3);
	assert_true(rs->skipbad);
	assert_false(rs->checked);
	assert_word(&rs->batch, "b-1");
	assert_int_equal(rs->ngroups, 0);

	const struct cmd *c = record(&r, 0)->cmd;
	assert_null(record(&r, 0)->err);
	assert_int_equal(c->spec->id, CMD_COMMISSION);
	assert_int_equal(c->argc, 8);
	assert_int_equal(c->ncodes, 1);
	assert_int_equal(c->codes[0].cr_err, CODE_OK);
	assert_word(c->opt[OPT_LOT].arg, "L1");
	/* Stamped like the request; TIME is the record's own. */
	assert_int_equal(c->time_ms, FX_T0);
	assert_int_equal(c->when_ms, INT64_C(1803859200000));
	assert_ptr_equal(c->who, &who);

	c = record(&r, 1)->cmd;
	assert_int_equal(c->spec->id, CMD_PACK);
	assert_int_equal(c->argc, 5);
	assert_word(&c->argv[0], "PACK");
	assert_int_equal(c->ncodes, 2);
	assert_int_equal(c->when_ms, FX_T0);
	assert_ptr_equal(c->who, &who);

	c = record(&r, 2)->cmd;
	assert_int_equal(c->spec->id, CMD_SHIP);
	assert_word(c->opt[OPT_REF].arg, "two words");
	assert_word(c->opt[OPT_TO].arg, "D1");
	for (size_t i = 0; i < rs->n; i++)
		assert_null(rs->rec[i].refused);
	fx_cmd_free(&r.c);

	/* Without BATCH or SKIPBAD. */
	assert_int_equal(parse(&r, "EVENTS", "DESTROY " C(1) " SITE M1"), 0);
	assert_int_equal(r.c.cmd.records->batch.len, 0);
	assert_false(r.c.cmd.records->skipbad);
	assert_int_equal(record(&r, 0)->cmd->spec->id, CMD_DESTROY);
	fx_cmd_free(&r.c);
}

/* Each record that cannot run says why, as EVENTS reports it. */
static void test_events_errors_per_record(void **state)
{
	(void)state;
	static const struct {
		const char *record, *err;
		bool command;	/* names a distribution command */
	} cases[] = {
		{ "", "empty record", false },
		{ "  \t ", "empty record", false },
		{ "PACK \"" C(9), "unbalanced quotes", false },
		{ "PACK 'a'b", "closing quote must be followed by a blank", false },
		{ "FROB " C(1), "ERR unknown command 'FROB'", false },
		{ "SITE", "ERR 'SITE' needs a subcommand: SET, GET, LIST", false },
		{ "PACK " C(9), "ERR wrong number of arguments for 'PACK'; usage: PACK container "
		  "code [code ...] SITE s [TIME t]", false },
		{ "verify " C(1), "verify is not a distribution record or master data", false },
		{ "RECALL 8301234 L1 LEVEL 1 REASON x", "RECALL is not a distribution record or master data",
		  false },
		{ "EVENTS \"PACK a b SITE s\"", "EVENTS is not a distribution record or master data", false },
		{ "pack " C(9) " " C(1) " TIME 2027-03-01T00:00:00Z", "ERR pack: SITE is required",
		  true },
		{ "COMMISSION " C(1) " SITE M1 QTY 0",
		  "ERR COMMISSION: QTY '0' is not a whole number from 1 to 100000000", true },
		{ "SHIP " C(1) " FROM M1 TO D1 FROM M2", "ERR SHIP: FROM given twice", true },
		{ "DISPENSE " C(1) " SITE P1 TX \"a\\x07b\"", NULL, true },
	};
	size_t n = sizeof cases / sizeof cases[0];
	char text[4096];
	struct resp_arg argv[32];
	size_t used = 0;
	argv[0] = (struct resp_arg){ "EVENTS", 6 };
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(cases[i].record);
		memcpy(text + used, cases[i].record, len + 1);
		argv[i + 1] = (struct resp_arg){ text + used, len };
		used += len + 1;
	}
	struct cmd c;
	char err[400];
	assert_int_equal(cmd_parse(&c, command_by_id(CMD_EVENTS), (int)n + 1, argv, FX_T0, NULL,
				   err, sizeof err), 0);
	assert_int_equal(c.records->n, n);
	for (size_t i = 0; i < n; i++) {
		const struct cmd_record *rec = &c.records->rec[i];
		if (cases[i].err)
			assert_string_equal(rec->err, cases[i].err);
		else
			assert_memory_equal(rec->err, "ERR DISPENSE: TX has ", 21);
		assert_int_equal(rec->cmd != NULL, cases[i].command);
		if (rec->cmd)
			assert_non_null(rec->cmd->spec);
	}
	cmd_free(&c);
}

static void test_events_request_errors(void **state)
{
	(void)state;
	struct req r;
	char id[CMD_BATCH_ID_MAX + 2];
	memset(id, 'b', sizeof id - 1);
	id[sizeof id - 1] = '\0';
	assert_error(&r, "BATCH id must be 1 to 64 bytes", "EVENTS", "BATCH", id, "PACK a b");
	assert_error(&r, "BATCH id must be 1 to 64 bytes", "EVENTS", "BATCH", "", "PACK a b");
	id[CMD_BATCH_ID_MAX] = '\0';
	assert_error(&r, "", "EVENTS", "BATCH", id, "PACK a b");
	assert_memory_equal(error_of(&r, "EVENTS", "BATCH", "a\nb", "PACK a b", NULL),
			    "BATCH id ", 9);
	assert_error(&r, "no records given", "EVENTS", "BATCH", "b", "SKIPBAD");
	assert_error(&r, "no records given", "EVENTS", "skipbad");
	/* BATCH with nothing after it is a record (that is no command). */
	assert_int_equal(parse(&r, "EVENTS", "BATCH"), 0);
	assert_int_equal(r.c.cmd.records->batch.len, 0);
	assert_string_equal(record(&r, 0)->err, "ERR unknown command 'BATCH'");
	fx_cmd_free(&r.c);
	/* BATCH and SKIPBAD in either order and case; a second BATCH wins. */
	assert_int_equal(parse(&r, "EVENTS", "skipbad", "batch", "x", "BATCH", "y",
			       "DESTROY " C(1) " SITE M1"), 0);
	assert_true(r.c.cmd.records->skipbad);
	assert_word(&r.c.cmd.records->batch, "y");
	assert_int_equal(r.c.cmd.records->n, 1);
	fx_cmd_free(&r.c);
}

static void assert_group(const struct cmd_records *rs, size_t g, size_t first, size_t n)
{
	assert_true(g < rs->ngroups);
	assert_int_equal(rs->group[g].first, first);
	assert_int_equal(rs->group[g].n, n);
}

/* Record text parsed alone, as EVENTS would without groups. */
static void parse_alone(struct fx_cmd *c, const char *text)
{
	snprintf(c->text, sizeof c->text, "%s", text);
	const char *err;
	int argc = resp_split_inline(c->text, strlen(c->text), c->argv, FX_WORDS_MAX, &err);
	assert_true(argc > 0);
	assert_int_equal(cmd_parse(&c->cmd, fx_spec(c, argc), argc, c->argv, FX_T0, NULL, c->err,
				   sizeof c->err), 0);
}

/* Are a and b the same command: the same words, codes and options? */
static void assert_same_cmd(const struct cmd *a, const struct cmd *b)
{
	assert_ptr_equal(a->spec, b->spec);
	assert_int_equal(a->argc, b->argc);
	for (int k = 0; k < a->argc; k++) {
		assert_int_equal(a->argv[k].len, b->argv[k].len);
		assert_memory_equal(a->argv[k].ptr, b->argv[k].ptr, a->argv[k].len);
	}
	assert_int_equal(a->time_ms, b->time_ms);
	assert_int_equal(a->when_ms, b->when_ms);
	assert_ptr_equal(a->who, b->who);
	assert_int_equal(a->first_word, b->first_word);
	assert_int_equal(a->nwords, b->nwords);
	assert_int_equal(a->first_code, b->first_code);
	assert_int_equal(a->first_option, b->first_option);
	assert_int_equal(a->ncodes, b->ncodes);
	assert_int_equal(a->ncodes <= 1, a->codes == &a->one);
	for (size_t k = 0; k < a->ncodes; k++) {
		assert_int_equal(a->codes[k].cr_err, b->codes[k].cr_err);
		assert_int_equal(a->codes[k].cr_key_len, b->codes[k].cr_key_len);
		assert_memory_equal(a->codes[k].cr_key, b->codes[k].cr_key, a->codes[k].cr_key_len);
		assert_memory_equal(&a->codes[k].cr_expiry, &b->codes[k].cr_expiry,
				    sizeof a->codes[k].cr_expiry);
	}
	for (int k = 0; k < OPT__COUNT; k++) {
		assert_int_equal(a->opt[k].arg == NULL, b->opt[k].arg == NULL);
		if (a->opt[k].arg == NULL)
			continue;
		assert_int_equal(a->opt[k].arg - a->argv, b->opt[k].arg - b->argv);
		assert_memory_equal(&a->opt[k].v, &b->opt[k].v, sizeof a->opt[k].v);
	}
}

/* Consecutive records the same but for their one code run as one command
 * naming every code, each code as its record alone reads it; each record
 * is still the command it is alone when it has to run alone. */
static void test_events_grouping(void **state)
{
	(void)state;
	struct req r;
	const char *text[] = {
		"COMMISSION " C(1) " SITE M1 LOT L1 EXPIRY 2030-01-01",
		"COMMISSION " C(2) " SITE M1 LOT L1 EXPIRY 2030-01-01",
		"COMMISSION (01)" GTIN "(17)991231(21)S1 SITE M1 LOT L1 EXPIRY 2030-01-01",
		"COMMISSION " C(4) " SITE M1 LOT L2 EXPIRY 2030-01-01",
		"PACK " C(9) " " C(1) " SITE M1 TIME 2060-01-01T00:00:00Z",
		"PACK " C(9) " (01)" GTIN "(17)991231(21)S1 SITE M1 TIME 2060-01-01T00:00:00Z",
		"PACK " C(8) " " C(3) " SITE M1 TIME 2060-01-01T00:00:00Z",
	};
	assert_int_equal(parse(&r, "EVENTS", text[0], text[1], text[2], text[3], text[4], text[5],
			       text[6]), 0);
	const struct cmd_records *rs = r.c.cmd.records;
	assert_int_equal(rs->ngroups, 2);
	assert_group(rs, 0, 0, 3);
	assert_group(rs, 1, 4, 2);
	/* Only records in no group have a command of their own. */
	for (size_t i = 0; i < rs->n; i++) {
		assert_null(rs->rec[i].err);
		assert_int_equal(rs->rec[i].cmd != NULL, i == 3 || i == 6);
	}

	const struct cmd *g = &rs->group[0].cmd;
	assert_int_equal(g->spec->id, CMD_COMMISSION);
	assert_int_equal(g->argc, 10);
	const char *words[] = { "COMMISSION", C(1), C(2), "(01)" GTIN "(17)991231(21)S1",
				"SITE", "M1", "LOT", "L1", "EXPIRY", "2030-01-01" };
	for (int k = 0; k < 10; k++)
		assert_word(&g->argv[k], words[k]);
	assert_int_equal(g->ncodes, 3);
	assert_int_equal(g->first_code, 1);
	assert_int_equal(g->first_option, 4);
	assert_ptr_equal(g->opt[OPT_SITE].arg, &g->argv[5]);
	assert_ptr_equal(g->opt[OPT_LOT].arg, &g->argv[7]);
	assert_int_equal(g->opt[OPT_EXPIRY].v.ymd, 20300101);
	assert_code(&g->codes[0], C(1));
	assert_code(&g->codes[1], C(2));
	assert_int_equal(g->codes[2].cr_expiry.cd_year, 1999);
	assert_int_equal(g->time_ms, FX_T0);
	assert_null(g->records);

	g = &rs->group[1].cmd;
	assert_int_equal(g->spec->id, CMD_PACK);
	assert_int_equal(g->argc, 8);
	const char *pack[] = { "PACK", C(9), C(1), "(01)" GTIN "(17)991231(21)S1", "SITE", "M1",
			       "TIME" };
	for (int k = 0; k < 7; k++)
		assert_word(&g->argv[k], pack[k]);
	assert_int_equal(g->ncodes, 3);	/* the container, then the children */
	assert_code(&g->codes[0], C(9));
	assert_code(&g->codes[1], C(1));
	/* Read against the records' TIME, as each record alone reads it. */
	assert_int_equal(g->codes[2].cr_expiry.cd_year, 2099);
	assert_int_equal(g->first_option, 4);
	assert_ptr_equal(g->opt[OPT_TIME].arg, &g->argv[7]);

	/* Each grouped record alone: the command it parses into by itself. */
	for (size_t gi = 0; gi < rs->ngroups; gi++)
		for (size_t k = 0; k < rs->group[gi].n; k++) {
			size_t i = rs->group[gi].first + k;
			struct fx_cmd alone;
			struct cmd view;
			parse_alone(&alone, text[i]);
			cmd_group_record(&rs->group[gi], &rs->rec[i], k, &view);
			assert_same_cmd(&view, &alone.cmd);
			assert_ptr_equal(view.argv, rs->rec[i].argv);
			cmd_free(&view);
			fx_cmd_free(&alone);
		}
	fx_cmd_free(&r.c);
}

/* What does not group: any other word different (even its case), a record
 * that did not parse, records of many codes, other commands. */
static void test_events_grouping_stops(void **state)
{
	(void)state;
	struct req r;
	assert_int_equal(parse(&r, "EVENTS",
		"COMMISSION " C(1) " SITE M1",
		"COMMISSION " C(2) " site M1",
		"COMMISSION " C(3) " SITE M1 QTY 0",
		"COMMISSION " C(4) " SITE M1 QTY 0",
		"COMMISSION " C(5) " " C(6) " SITE M1",
		"COMMISSION " C(7) " " C(8) " SITE M1",
		"DESTROY " C(1) " SITE M1",
		"DESTROY " C(2) " SITE M1",
		"PACK " C(9) " " C(1) " SITE M1",
		"PACK " C(9) " " C(2) " SITE M1 TIME 2027-03-01T00:00:00Z",
		"UNPACK " C(9) " " C(1) " SITE M1",
		"UNPACK " C(9) " " C(2) " SITE M1"), 0);
	assert_int_equal(r.c.cmd.records->ngroups, 0);
	fx_cmd_free(&r.c);

	/* A group ends where a record differs, and another may start. */
	assert_int_equal(parse(&r, "EVENTS",
		"COMMISSION " C(1) " SITE M1",
		"COMMISSION " C(2) " SITE M1",
		"",
		"COMMISSION " C(3) " SITE M1",
		"COMMISSION " C(4) " SITE M1",
		"COMMISSION " C(5) " SITE M1"), 0);
	assert_int_equal(r.c.cmd.records->ngroups, 2);
	assert_group(r.c.cmd.records, 0, 0, 2);
	assert_group(r.c.cmd.records, 1, 3, 3);
	fx_cmd_free(&r.c);
}

/* The records are the command's own: they read the same after the
 * request's words are gone, and after the command moves (into a write
 * job) with a principal of its own. */
static void test_events_records_own_their_words(void **state)
{
	(void)state;
	struct req r;
	struct principal who = { .role = ROLE_DISTRIBUTOR, .site = 2, .name = "d",
				 .site_id = "D1" };
	assert_int_equal(parse_as(&r, FX_T0, &who, "EVENTS", "BATCH", "b7",
				  "RECEIVE " C(1) " SITE D1",
				  "COMMISSION " C(2) " SITE D1", "COMMISSION " C(3) " SITE D1",
				  NULL), 0);
	struct cmd moved;
	struct resp_arg argv[FX_WORDS_MAX];
	char text[sizeof r.c.text];
	memcpy(text, r.c.text, sizeof text);
	for (int i = 0; i < r.argc; i++)
		argv[i] = (struct resp_arg){ text + (r.c.argv[i].ptr - r.c.text), r.c.argv[i].len };
	struct principal copy = who;
	cmd_move(&moved, &r.c.cmd, argv, &copy);
	memset(r.c.text, 'x', sizeof r.c.text);
	memset(&who, 0, sizeof who);

	/* What moved is empty, and freeing it is safe. */
	assert_null(r.c.cmd.records);
	assert_int_equal(r.c.cmd.ncodes, 0);
	cmd_free(&r.c.cmd);

	const struct cmd_records *rs = moved.records;
	assert_ptr_equal(moved.argv, argv);
	assert_ptr_equal(moved.who, &copy);
	assert_word(&rs->batch, "b7");
	assert_word(&rs->rec[0].cmd->argv[0], "RECEIVE");
	assert_word(rs->rec[0].cmd->opt[OPT_SITE].arg, "D1");
	assert_code(&rs->rec[0].cmd->codes[0], C(1));
	assert_word(&rs->rec[2].argv[1], C(3));
	assert_code(&rs->group[0].cmd.codes[1], C(3));
	assert_int_equal(rs->ngroups, 1);
	assert_word(&rs->group[0].cmd.argv[2], C(3));
	assert_word(rs->group[0].cmd.opt[OPT_SITE].arg, "D1");
	assert_ptr_equal(rs->rec[0].cmd->who, &copy);
	assert_ptr_equal(rs->group[0].cmd.who, &copy);

	/* Trusted: no principal anywhere. */
	struct cmd again;
	cmd_move(&again, &moved, argv, NULL);
	assert_null(again.who);
	assert_null(again.records->rec[0].cmd->who);
	assert_null(again.records->group[0].cmd.who);
	cmd_free(&moved);
	cmd_free(&again);
}

/* A request refused part-way has counted its codes but not given them
 * memory: moving it (a connection holds it while writes are pending, a
 * replayed entry becomes a job) must not hand over the old command's own
 * slot as if it were allocated. */
static void test_refused_request_moves_and_frees(void **state)
{
	(void)state;
	struct req r;
	assert_int_not_equal(parse(&r, "COMMISSION", C(1), C(2), C(3), "SITE", "M1", "BOGUS",
				   "x"), 0);
	assert_int_equal(r.c.cmd.ncodes, 3);
	struct cmd moved;
	cmd_move(&moved, &r.c.cmd, r.c.argv, NULL);
	assert_ptr_equal(moved.codes, &moved.one);
	assert_ptr_equal(r.c.cmd.codes, &r.c.cmd.one);
	cmd_free(&r.c.cmd);
	cmd_free(&moved);

	/* Parsed whole, the codes' memory goes with the move. */
	assert_int_equal(parse(&r, "COMMISSION", C(1), C(2), "SITE", "M1"), 0);
	const struct code_result *codes = r.c.cmd.codes;
	cmd_move(&moved, &r.c.cmd, r.c.argv, NULL);
	assert_ptr_equal(moved.codes, codes);
	assert_code(&moved.codes[1], C(2));
	cmd_free(&r.c.cmd);
	cmd_free(&moved);
}

/* A distributor's records, each put to the ACL as if sent alone; the
 * answers stay with the records. */
static void test_events_records_checked_one_by_one(void **state)
{
	(void)state;
	struct fx f;
	fx_open(&f);
	fx_site(&f, "D1", "distributor");
	fx_site(&f, "M1", "manufacturer");
	struct principal who = { .role = ROLE_DISTRIBUTOR, .site = 1, .name = "dist",
				 .site_id = "D1" };
	struct req r;
	assert_int_equal(parse_as(&r, FX_T0, &who, "EVENTS",
				  "SHIP " C(1) " FROM D1 TO M1",
				  "SHIP " C(2) " FROM M1 TO D1",
				  "DISPENSE " C(3) " SITE D1",
				  "DISPENSE " C(3) " SITE D1 QTY 0",
				  "RECEIVE " C(4) " SITE D1 QTY 1",
				  "FROB",
				  "RECEIVE " C(5) " SITE NOWHERE", NULL), 0);
	struct resp_out out = { BUF_INIT, 2 };
	struct cmd_ctx ctx = { .cfg = &f.cfg, .out = &out, .txn = fx_begin(&f) };
	assert_int_equal(acl_check_cmd(&ctx, &r.c.cmd, r.c.err, sizeof r.c.err), ACL_OK);
	const struct cmd_records *rs = r.c.cmd.records;
	assert_true(rs->checked);
	assert_null(rs->rec[0].refused);
	assert_string_equal(rs->rec[1].refused, "SHIP: FROM must be your own site D1, not 'M1': "
			    "only the holder ships its stock out; a receiver records RECEIVE");
	assert_string_equal(rs->rec[2].refused, "distributor 'dist' may not run DISPENSE");
	/* Refused by the matrix whatever its arguments say. */
	assert_string_equal(rs->rec[3].refused, "distributor 'dist' may not run DISPENSE");
	assert_non_null(rs->rec[3].err);
	/* Arguments that do not parse are not checked further. */
	assert_null(rs->rec[4].refused);
	assert_null(rs->rec[5].refused);
	assert_string_equal(rs->rec[6].refused, "RECEIVE: SITE unknown site 'NOWHERE' (add it "
			    "with SITE SET)");
	/* Checking again changes nothing. */
	assert_int_equal(acl_check_records(&ctx, &r.c.cmd), ACL_OK);
	assert_string_equal(rs->rec[2].refused, "distributor 'dist' may not run DISPENSE");
	fx_abort(&f);
	fx_cmd_free(&r.c);
	buf_free(&out.b);
	fx_close(&f);
}

/* An EVENTS request made into a write job applies after the request's
 * words are gone, and the writer parses nothing. */
static void test_events_job_applies_without_the_request(void **state)
{
	(void)state;
	struct fx f;
	fx_open(&f);
	fx_site(&f, "M1", "manufacturer");
	fx_product(&f, "8301234", "1");
	struct req r;
	assert_int_equal(parse(&r, "EVENTS", "BATCH", "j1",
			       "COMMISSION " C(1) " SITE M1 LOT L1 EXPIRY 2030-01-01",
			       "COMMISSION " C(2) " SITE M1 LOT L1 EXPIRY 2030-01-01",
			       "PACK " C(9) " " C(1) " " C(2) " SITE M1"), 0);
	struct write_job *job = cmd_write_job(&f.cfg, &r.c.cmd, 3, NULL, NULL, NULL);
	memset(r.c.text, 'x', sizeof r.c.text);
	memset(r.c.argv, 0, sizeof r.c.argv);
	cmd_free(&r.c.cmd);

	assert_int_equal(job->run(fx_begin(&f), job), 0);
	fx_commit(&f);
	const char *want = "%6\r\n$5\r\nbatch\r\n$2\r\nj1\r\n$7\r\nrecords\r\n:3\r\n"
			   "$7\r\napplied\r\n:3\r\n$7\r\nskipped\r\n:0\r\n$8\r\nreplayed\r\n#f\r\n"
			   "$6\r\nerrors\r\n*0\r\n";
	if (job->reply.b.len != strlen(want) || memcmp(job->reply.b.data, want, strlen(want)))
		fail_msg("reply %.*s", (int)job->reply.b.len, job->reply.b.data);
	assert_memory_equal(job->reply.b.data, want, strlen(want));
	cmd_write_job_free(job);
	fx_close(&f);
}

/* A job's reply, as text. */
static void assert_reply(const struct write_job *job, const char *want)
{
	if (job->reply.b.len != strlen(want) || memcmp(job->reply.b.data, want, strlen(want)))
		fail_msg("reply %.*s, want %s", (int)job->reply.b.len, job->reply.b.data, want);
}

/* Run a SITE SET as the replicated log's entry seq, with request id id
 * (0: a new one); the request id it had. */
static uint64_t run_entry_at(struct fx *f, int64_t ms, uint64_t seq, uint64_t id,
			     const char *name, const char *want)
{
	struct req r;
	assert_int_equal(parse_as(&r, ms, NULL, "SITE", "SET", "PH9", "name", name, "kind",
				  "pharmacy", NULL), 0);
	r.c.cmd.request_id = id;
	struct write_job *job = cmd_write_job(&f->cfg, &r.c.cmd, 3, NULL, NULL, NULL);
	cmd_free(&r.c.cmd);
	job->stream_pos = seq;
	assert_int_equal(job->run(fx_begin(f), job), 0);
	fx_commit(f);
	assert_reply(job, want);
	const void *e;
	size_t len;
	uint64_t got;
	cmd_write_entry(job, &e, &len, &got);
	cmd_write_job_free(job);
	return got;
}

static uint64_t run_entry(struct fx *f, uint64_t seq, uint64_t id, const char *name,
			  const char *want)
{
	return run_entry_at(f, FX_T0, seq, id, name, want);
}

static void assert_applied(struct fx *f, uint64_t applied, uint64_t log_seq, const char *name)
{
	uint64_t seq, last;
	struct store_txn *t = fx_begin(f);
	assert_int_equal(journal_applied(t, &seq), 0);
	assert_int_equal(journal_last(t, &last), 0);
	const void *v;
	size_t n;
	assert_int_equal(store_get(t, DB_SITES, "PH9", 3, &v, &n), 0);
	assert_non_null(memmem(v, n, name, strlen(name)));
	fx_abort(f);
	assert_int_equal(seq, applied);
	assert_int_equal(last, log_seq);
}

/* Cluster mode: an entry is applied once, in stream order.  Delivered
 * again (at or below the applied sequence), or published again after a
 * lost ack (the same request id at a later sequence), it changes nothing
 * but the applied sequence. */
static void test_replicated_entry_applied_once(void **state)
{
	(void)state;
	struct fx f;
	fx_open(&f);
	uint64_t id = run_entry(&f, 5, 0, "First", "+OK\r\n");
	assert_applied(&f, 5, 1, "First");
	run_entry(&f, 5, id, "First", "+OK\r\n");		/* delivered again */
	assert_applied(&f, 5, 1, "First");
	run_entry(&f, 7, id, "Again", "+OK\r\n");		/* sent again */
	assert_applied(&f, 7, 1, "First");
	run_entry(&f, 6, 0, "Late", "+OK\r\n");		/* behind the applied */
	assert_applied(&f, 7, 1, "First");
	run_entry(&f, 8, 0, "Second", "+OK\r\n");		/* the next entry */
	assert_applied(&f, 8, 2, "Second");
	/* On one node (no stream sequence) nothing of the stream is noted. */
	run_entry(&f, 0, id, "Local", "+OK\r\n");
	assert_applied(&f, 8, 3, "Local");
	/* Ids are kept for a window of the entries' own times: an entry
	 * noted past it forgets the older ones, and the same id then
	 * applies as new. */
	int64_t later = FX_T0 + JOURNAL_REQUEST_WINDOW_MS + 1000;
	run_entry_at(&f, later, 9, 0, "Later", "+OK\r\n");
	assert_applied(&f, 9, 4, "Later");
	run_entry_at(&f, later, 10, id, "Forgotten", "+OK\r\n");
	assert_applied(&f, 10, 5, "Forgotten");
	fx_close(&f);
}

/* A DISPENSE job run by the writer leaves its verdict to be rendered on
 * the request's thread: an empty reply and a render hook that writes the
 * verdict from what the run kept; a reply reset forgets the hook. */
static void test_dispense_verdict_rendered_off_the_writer(void **state)
{
	(void)state;
	struct fx f;
	fx_open(&f);
	fx_site(&f, "M1", "manufacturer");
	fx_site(&f, "P1", "pharmacy");
	fx_product(&f, "8301234", "1");
	fx_do(&f, FX_T0, "COMMISSION", C(1), "SITE", "M1", "LOT", "L1", "EXPIRY", "2030-01-01",
	      NULL);
	fx_do(&f, FX_T0, "SHIP", C(1), "FROM", "M1", "TO", "P1", NULL);
	fx_do(&f, FX_T0, "RECEIVE", C(1), "SITE", "P1", NULL);
	struct req r;
	assert_int_equal(parse(&r, "DISPENSE", C(1), "SITE", "P1", "TX", "T1"), 0);
	struct write_job *job = cmd_write_job(&f.cfg, &r.c.cmd, 3, NULL, NULL, NULL);
	cmd_free(&r.c.cmd);
	assert_int_equal(job->run(fx_begin(&f), job), 0);
	fx_commit(&f);
	assert_int_equal(job->reply.b.len, 0);
	assert_non_null(job->render);
	job->render(job);
	const char *want = "%";	/* a map: verdict, reasons, message, ... */
	assert_true(job->reply.b.len > 100);
	assert_memory_equal(job->reply.b.data, want, 1);
	assert_non_null(memmem(job->reply.b.data, job->reply.b.len, "$5\r\ngreen\r\n", 11));
	write_job_reset_reply(job);
	assert_null(job->render);
	assert_int_equal(job->reply.b.len, 0);
	cmd_write_job_free(job);

	/* A refusal is an error reply written by the writer at once. */
	assert_int_equal(parse(&r, "DISPENSE", C(1), "SITE", "NOPE", "TX", "T2"), 0);
	job = cmd_write_job(&f.cfg, &r.c.cmd, 3, NULL, NULL, NULL);
	cmd_free(&r.c.cmd);
	assert_int_equal(job->run(fx_begin(&f), job), 0);
	fx_commit(&f);
	assert_null(job->render);
	assert_true(job->reply.b.len > 0 && job->reply.b.data[0] == '-');
	cmd_write_job_free(job);
	fx_close(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_options_typed),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_required),
		cmocka_unit_test(test_unknown_and_repeated_options),
		cmocka_unit_test(test_codes_list),
		cmocka_unit_test(test_two_digit_years_against_time),
		cmocka_unit_test(test_events_records_split_and_parsed),
		cmocka_unit_test(test_events_errors_per_record),
		cmocka_unit_test(test_events_request_errors),
		cmocka_unit_test(test_events_grouping),
		cmocka_unit_test(test_events_grouping_stops),
		cmocka_unit_test(test_events_records_own_their_words),
		cmocka_unit_test(test_refused_request_moves_and_frees),
		cmocka_unit_test(test_events_records_checked_one_by_one),
		cmocka_unit_test(test_events_job_applies_without_the_request),
		cmocka_unit_test(test_replicated_entry_applied_once),
		cmocka_unit_test(test_dispense_verdict_rendered_off_the_writer),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
