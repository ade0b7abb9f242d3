/*
 * test_epcis_query — EPCIS.QUERY (daemon/epcis_query.c, rendered by
 * cmd_epcis.c) against a temporary store with a fixed clock: every kind of
 * event as its EPCIS 2.0 event (type, action, CBV step and disposition,
 * codes as Digital Link URIs or their text, places as GLN Digital Links or
 * yima URNs, the delivery note, the lot, an undone sale as an error
 * declaration), each filter, pages with their tokens (also when a page
 * stops at the scan limit), what a site's own principal sees, and every
 * bad query refused with what is wrong.
 */
#include "rules_fixture.h"

#include "acl.h"
#include "epcis_query.h"
#include "resp_json.h"

#include <jansson.h>

#define CN "8301234"
#define GTIN "06901234567892"
#define CODE(n) "8301234000000000001" #n
#define SGTIN(s) "(01)" GTIN "(21)" s
#define SSCC "(00)069012340000000016"
#define MFR_GLN "6901234000016"
#define DIST_GLN "6901234000023"

#define DL "https://id.gs1.org"
#define AT_MFR DL "/414/" MFR_GLN
#define AT_DIST DL "/414/" DIST_GLN
#define AT_PH1 "urn:yima:site:PH1"

static int64_t t0;	/* the scene's first event */

/* A site by SITE SET, which indexes its GLN. */
static void site_with_gln(struct fx *f, const char *id, const char *kind, const char *gln)
{
	fx_do(f, FX_T0, "SITE", "SET", id, "name", id, "kind", kind, gln ? "gln" : NULL, gln, NULL);
}

/* Every kind of event, one a second from t0 (seq in brackets). */
static void scene(struct fx *f)
{
	fx_open(f);
	site_with_gln(f, "MFR", "manufacturer", MFR_GLN);
	site_with_gln(f, "DIST", "distributor", DIST_GLN);
	site_with_gln(f, "PH1", "pharmacy", NULL);
	fx_product(f, CN, "10");
	fx_product(f, GTIN, "1");
	t0 = FX_T0 - 10 * FX_DAY_MS;
	int64_t t = t0;
	fx_do(f, t, "COMMISSION", CODE(1), CODE(2), CODE(3), "SITE", "MFR", "PRODUCT", CN, "LOT",
	      "L1", "EXPIRY", "2030-01-01", NULL);					/* 1 */
	fx_do(f, t += 1000, "COMMISSION", SGTIN("S1"), SGTIN("S/2"), "SITE", "MFR", "LOT", "A1",
	      "EXPIRY", "2029-06-30", NULL);						/* 2 */
	fx_do(f, t += 1000, "PACK", SSCC, CODE(1), CODE(2), "SITE", "MFR", NULL);	/* 3 */
	fx_do(f, t += 1000, "SHIP", SSCC, SGTIN("S1"), "FROM", "MFR", "TO", "DIST", "REF", "DN 1",
	      NULL);								/* 4 */
	fx_do(f, t += 1000, "RECEIVE", SSCC, SGTIN("S1"), "SITE", "DIST", NULL);	/* 5 */
	fx_do(f, t += 1000, "UNPACK", SSCC, "SITE", "DIST", NULL);			/* 6 */
	fx_do(f, t += 1000, "SHIP", CODE(1), "FROM", "DIST", "TO", "PH1", "REF",
	      "urn:epcglobal:cbv:bt:" DIST_GLN ":DN-2", NULL);			/* 7 */
	fx_do(f, t += 1000, "RECEIVE", CODE(1), "SITE", "PH1", NULL);		/* 8 */
	fx_do(f, t += 1000, "DISPENSE", CODE(1), "SITE", "PH1", "TX", "T1", "QTY", "4",
	      "TIME", "2027-03-05T04:00:08Z", NULL);					/* 9 */
	fx_do(f, t += 1000, "UNDO", CODE(1), "SITE", "PH1", "TX", "T1", NULL);	/* 10 */
	fx_do(f, t += 1000, "DESTROY", CODE(3), "SITE", "MFR", NULL);		/* 11 */
	fx_do(f, t += 1000, "RECALL", CN, "L1", "LEVEL", "2", "REASON", "mould", NULL); /* 12 */
	fx_do(f, t += 1000, "LOCK", SGTIN("S/2"), "REASON", "stolen", NULL);	/* 13 */
}

/* The events of the scene, one line each, as sig() writes them. */
static const char *const every[] = {
	/* 1 */ "ObjectEvent ADD commissioning active 04:00:00 epcs=" CODE(1) "," CODE(2) ","
		CODE(3) " rp=" AT_MFR " bl=" AT_MFR " ilmd=L1/2030-01-01",
	/* 2 */ "ObjectEvent ADD commissioning active 04:00:01 epcs=" DL "/01/" GTIN "/21/S1,"
		DL "/01/" GTIN "/21/S%2F2 rp=" AT_MFR " bl=" AT_MFR " ilmd=A1/2029-06-30",
	/* 3 */ "AggregationEvent ADD packing in_progress 04:00:02 parent=" DL
		"/00/069012340000000016 epcs=" CODE(1) "," CODE(2) " rp=" AT_MFR " bl=" AT_MFR,
	/* 4 */ "ObjectEvent OBSERVE shipping in_transit 04:00:03 epcs=" DL "/01/" GTIN "/21/S1,"
		DL "/00/069012340000000016 rp=" AT_MFR " src=" AT_MFR " dst=" AT_DIST
		" tx=desadv:urn:yima:ref:DN%201",
	/* 5 */ "ObjectEvent OBSERVE receiving in_progress 04:00:04 epcs=" DL "/01/" GTIN
		"/21/S1," DL "/00/069012340000000016 rp=" AT_DIST " bl=" AT_DIST " src=" AT_MFR
		" dst=" AT_DIST,
	/* 6 */ "AggregationEvent DELETE unpacking in_progress 04:00:05 parent=" DL
		"/00/069012340000000016 epcs=" CODE(1) "," CODE(2) " rp=" AT_DIST " bl=" AT_DIST,
	/* 7 */ "ObjectEvent OBSERVE shipping in_transit 04:00:06 epcs=" CODE(1) " rp=" AT_DIST
		" src=" AT_DIST " dst=" AT_PH1 " tx=desadv:urn:epcglobal:cbv:bt:" DIST_GLN ":DN-2",
	/* 8 */ "ObjectEvent OBSERVE receiving in_progress 04:00:07 epcs=" CODE(1) " rp=" AT_PH1
		" bl=" AT_PH1 " src=" AT_DIST " dst=" AT_PH1,
	/* 9 */ "ObjectEvent OBSERVE dispensing dispensed 04:00:08 epcs=" CODE(1) " rp=" AT_PH1
		" bl=" AT_PH1 " tx=urn:yima:ref:T1 qty=4",
	/* 10: the sale again, taken back */
	"ObjectEvent OBSERVE dispensing dispensed 04:00:08 epcs=" CODE(1) " rp=" AT_PH1
		" bl=" AT_PH1 " tx=urn:yima:ref:T1 qty=4 declared=04:00:09",
	/* 11 */ "ObjectEvent DELETE destroying destroyed 04:00:10 epcs=" CODE(3) " rp=" AT_MFR
		" bl=" AT_MFR,
	/* 12 */ "ObjectEvent OBSERVE holding recalled 04:00:11 epcs= classes=urn:yima:lot:" CN
		":L1 level=2 reason=mould",
	/* 13 */ "ObjectEvent OBSERVE holding non_sellable_other 04:00:12 epcs=" DL "/01/" GTIN
		"/21/S%2F2 reason=stolen",
};
#define EVERY (sizeof every / sizeof every[0])

/* ---------------------------------------------------------- querying */

struct reply {
	json_t *j;		/* the reply as JSON: a map, or an error's text */
	bool error;
};

static struct reply vquery(struct fx *f, const struct principal *who, const char *first,
			   va_list ap)
{
	struct fx_cmd c;
	int argc = fx_words(&c, first, ap);
	struct reply r = { 0 };
	if (cmd_parse(&c.cmd, fx_spec(&c, argc), argc, c.argv, FX_T0, who, c.err,
		      sizeof c.err) != 0) {
		r.error = true;
		r.j = json_string(c.err);
		cmd_free(&c.cmd);
		return r;
	}
	struct resp_out out = { BUF_INIT, 3 };
	struct cmd_ctx ctx = { .cmd = &c.cmd, .cfg = &f->cfg, .out = &out, .txn = fx_begin(f) };
	enum cmd_status st = cmd_run(&ctx);
	fx_abort(f);
	if (st == CMD_FAILED)
		fail_msg("%s: store %s", first, store_strerror(ctx.store_rc));
	struct resp_value v;
	size_t used;
	const char *why;
	assert_int_equal(resp_parse_value(out.b.data, out.b.len, &v, &used, &why), 1);
	assert_int_equal(used, out.b.len);	/* one whole reply, nothing after it */
	r.error = v.type == RESP_T_ERROR || v.type == RESP_T_BULK_ERROR;
	r.j = resp_to_json(&v);
	if (r.error) {	/* {"error": text}: the text */
		json_t *text = json_incref(json_object_get(r.j, "error"));
		json_decref(r.j);
		r.j = text;
	}
	resp_value_free(&v);
	buf_free(&out.b);
	cmd_free(&c.cmd);
	return r;
}

static struct reply query(struct fx *f, const struct principal *who, const char *first, ...)
{
	va_list ap;
	va_start(ap, first);
	struct reply r = vquery(f, who, first, ap);
	va_end(ap);
	if (r.error)
		fail_msg("%s refused: %s", first, json_string_value(r.j));
	return r;
}

/* The error a query is refused with (the test fails if it is not). */
static void refused(struct fx *f, const char *want, const char *first, ...)
{
	va_list ap;
	va_start(ap, first);
	struct reply r = vquery(f, NULL, first, ap);
	va_end(ap);
	if (!r.error)
		fail_msg("%s was not refused (want \"%s\")", first, want);
	const char *got = json_string_value(r.j);
	if (got == NULL || strstr(got, want) == NULL)
		fail_msg("refused with \"%s\", not \"%s\"", got ? got : "?", want);
	json_decref(r.j);
}

static const char *str(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* "key=a,b" of a list of strings (or of one key of each object). */
static void list(struct buf *b, const char *name, json_t *a, const char *member)
{
	size_t i;
	json_t *v;
	if (a == NULL)
		return;
	buf_printf(b, " %s=", name);
	json_array_foreach(a, i, v)
		buf_printf(b, "%s%s", i ? "," : "", member ? str(v, member) : json_string_value(v));
}

/* An event's line: what every[] lists. */
static void sig(struct buf *b, json_t *e)
{
	const char *time = str(e, "eventTime");
	assert_non_null(time);
	assert_int_equal(strlen(time), 24);	/* YYYY-MM-DDTHH:MM:SS.mmmZ */
	assert_string_equal(str(e, "eventTimeZoneOffset"), "+08:00");
	buf_printf(b, "%s %s %s %s %.8s", str(e, "type"), str(e, "action"), str(e, "bizStep"),
		   str(e, "disposition"), time + 11);
	if (str(e, "parentID"))
		buf_printf(b, " parent=%s", str(e, "parentID"));
	json_t *epcs = json_object_get(e, "epcList");
	list(b, "epcs", epcs ? epcs : json_object_get(e, "childEPCs"), NULL);
	list(b, "classes", json_object_get(e, "quantityList"), "epcClass");
	json_t *rp = json_object_get(e, "readPoint"), *bl = json_object_get(e, "bizLocation");
	if (rp)
		buf_printf(b, " rp=%s", str(rp, "id"));
	if (bl)
		buf_printf(b, " bl=%s", str(bl, "id"));
	list(b, "src", json_object_get(e, "sourceList"), "source");
	list(b, "dst", json_object_get(e, "destinationList"), "destination");
	json_t *tx = json_array_get(json_object_get(e, "bizTransactionList"), 0);
	if (tx)
		buf_printf(b, " tx=%s%s%s", str(tx, "type") ? str(tx, "type") : "",
			   str(tx, "type") ? ":" : "", str(tx, "bizTransaction"));
	json_t *ilmd = json_object_get(e, "ilmd");
	if (ilmd)
		buf_printf(b, " ilmd=%s/%s", str(ilmd, "cbvmda:lotNumber"),
			   str(ilmd, "cbvmda:itemExpirationDate"));
	if (json_object_get(e, "yima:qty"))
		buf_printf(b, " qty=%lld", json_integer_value(json_object_get(e, "yima:qty")));
	if (json_object_get(e, "yima:level"))
		buf_printf(b, " level=%lld", json_integer_value(json_object_get(e, "yima:level")));
	if (str(e, "yima:reason"))
		buf_printf(b, " reason=%s", str(e, "yima:reason"));
	json_t *decl = json_object_get(e, "errorDeclaration");
	if (decl) {
		assert_string_equal(str(decl, "reason"), "incorrect_data");
		buf_printf(b, " declared=%.8s", str(decl, "declarationTime") + 11);
	}
}

/* The events of a reply as lines, appended to out (n of them). */
static size_t lines(json_t *reply, char out[][512], size_t n)
{
	json_t *events = json_object_get(reply, "events"), *e;
	size_t i;
	assert_true(json_is_array(events));
	json_array_foreach(events, i, e) {
		struct buf b = BUF_INIT;
		sig(&b, e);
		assert_true(n < 64);
		snprintf(out[n++], 512, "%s", b.data);
		buf_free(&b);
	}
	return n;
}

/* Every page of a query from its first, COUNT `count`, following the
 * tokens: the events as lines; *pages gets the pages' number. */
static size_t all_pages(struct fx *f, const struct principal *who, const char *count,
			const char *opt, const char *val, char out[][512], size_t *pages)
{
	char token[32] = "";
	size_t n = 0;
	*pages = 0;
	for (;;) {
		struct reply r = token[0] ?
			query(f, who, "EPCIS.QUERY", "COUNT", count, "AFTER", token, opt, val, NULL) :
			query(f, who, "EPCIS.QUERY", "COUNT", count, opt, val, NULL);
		n = lines(r.j, out, n);
		++*pages;
		assert_true(*pages < 100);
		const char *next = str(r.j, "next");
		assert_true(next != NULL || json_is_null(json_object_get(r.j, "next")));
		if (next == NULL) {
			json_decref(r.j);
			return n;
		}
		snprintf(token, sizeof token, "%s", next);
		json_decref(r.j);
	}
}

/* The events of a query (one page of at most 1000) against every[i] for
 * the 1-based indexes listed in want ("1 3 5"). */
static void expect(struct fx *f, const struct principal *who, const char *want,
		   const char *opt, const char *val, const char *opt2, const char *val2)
{
	char got[64][512];
	struct reply r = query(f, who, "EPCIS.QUERY", "COUNT", "1000", opt, val, opt2, val2, NULL);
	size_t n = lines(r.j, got, 0), k = 0;
	assert_true(json_is_null(json_object_get(r.j, "next")));
	json_decref(r.j);
	for (const char *p = want; *p;) {
		char *end;
		long i = strtol(p, &end, 10);
		if (end == p)
			break;
		p = end;
		if (k >= n)
			fail_msg("%s %s: %zu events, want event %ld too", opt ? opt : "", val ? val : "",
				 n, i);
		if (strcmp(got[k], every[i - 1]) != 0)
			fail_msg("%s %s: event %zu is\n  %s\nnot event %ld\n  %s", opt ? opt : "",
				 val ? val : "", k + 1, got[k], i, every[i - 1]);
		k++;
	}
	if (k != n)
		fail_msg("%s %s: %zu events, want %zu; the first extra:\n  %s", opt ? opt : "",
			 val ? val : "", n, k, got[k]);
}

/* ---------------------------------------------------------- the tests */

static void test_every_event_as_epcis(void **state)
{
	(void)state;
	struct fx f;
	scene(&f);
	expect(&f, NULL, "1 2 3 4 5 6 7 8 9 10 11 12 13", NULL, NULL, NULL, NULL);

	/* eventIDs: UUIDs (version 8) of each event's chain link; an undone
	 * sale is declared under the sale's own. */
	struct reply r = query(&f, NULL, "EPCIS.QUERY", NULL);
	json_t *events = json_object_get(r.j, "events");
	assert_int_equal(json_array_size(events), EVERY);
	for (size_t i = 0; i < EVERY; i++) {
		const char *id = str(json_array_get(events, i), "eventID");
		assert_int_equal(strlen(id), 45);
		assert_memory_equal(id, "urn:uuid:", 9);
		assert_int_equal(id[9 + 14], '8');
		for (size_t j = 0; j < i; j++) {
			const char *other = str(json_array_get(events, j), "eventID");
			assert_true((strcmp(id, other) == 0) == (i == 9 && j == 8));
		}
	}
	/* An ObjectEvent has its epcList even when empty (EPCIS's schema). */
	assert_int_equal(json_array_size(json_object_get(json_array_get(events, 11), "epcList")),
			 0);
	json_decref(r.j);
	fx_close(&f);
}

static void test_filters(void **state)
{
	(void)state;
	struct fx f;
	scene(&f);
	/* Business steps: bare, in every URI form, a list; one yima never
	 * shows matches nothing. */
	expect(&f, NULL, "4 7", "BIZSTEP", "shipping", NULL, NULL);
	expect(&f, NULL, "3 6 9 10", "BIZSTEP",
	       "https://ref.gs1.org/cbv/BizStep-packing|cbv:BizStep-unpacking|"
	       "urn:epcglobal:cbv:bizstep:dispensing", NULL, NULL);
	expect(&f, NULL, "", "BIZSTEP", "inspecting", NULL, NULL);
	/* MATCH_epc: where the code is in epcList or childEPCs; MATCH_anyEPC:
	 * as parentID too. */
	expect(&f, NULL, "1 3 6 7 8 9 10", "EPC", CODE(1), NULL, NULL);
	expect(&f, NULL, "4 5", "EPC", SSCC, NULL, NULL);
	expect(&f, NULL, "3 4 5 6", "ANYEPC", "urn:epc:id:sscc:6901234.0000000001", NULL, NULL);
	expect(&f, NULL, "1 2 3 4 5 6 11 13", "EPC", DL "/01/" GTIN "/21/S%2F2|" CODE(2) "|"
	       CODE(3) "|" SGTIN("S1"), NULL, NULL);
	expect(&f, NULL, "", "EPC", CODE(9), NULL, NULL);	/* not held: nothing */
	expect(&f, NULL, "4 5", "EPC", SSCC, "ANYEPC", SGTIN("S1"));
	/* Times: GE_eventTime and LT_eventTime, by the event's own time (the
	 * sale was given its TIME, and its undoing shows it again). */
	expect(&f, NULL, "9 10 11 12 13", "SINCE", "2027-03-05T04:00:08Z", NULL, NULL);
	expect(&f, NULL, "1 2", "BEFORE", "2027-03-05T12:00:02+08:00", NULL, NULL);
	expect(&f, NULL, "7 8", "SINCE", "2027-03-05T04:00:06Z", "BEFORE", "2027-03-05T04:00:08Z");
	/* Places, by site id, GLN, SGLN URN, Digital Link, yima URN. */
	expect(&f, NULL, "5 6", "LOCATION", "DIST", NULL, NULL);
	expect(&f, NULL, "5 6", "LOCATION", DIST_GLN, NULL, NULL);
	expect(&f, NULL, "1 2 3 11", "LOCATION", "urn:epc:id:sgln:6901234.00001.0", NULL, NULL);
	expect(&f, NULL, "1 2 3 11", "LOCATION", AT_MFR, NULL, NULL);
	expect(&f, NULL, "8 9 10", "LOCATION", AT_PH1, NULL, NULL);
	expect(&f, NULL, "5 6 7", "READPOINT", AT_DIST "|NOWHERE", NULL, NULL);
	expect(&f, NULL, "", "LOCATION", "NOWHERE", NULL, NULL);
	expect(&f, NULL, "4", "READPOINT", "MFR", "BIZSTEP", "shipping");
	fx_close(&f);
}

static void test_pages_follow_their_tokens(void **state)
{
	(void)state;
	struct fx f;
	char got[64][512];
	size_t pages;
	scene(&f);
	/* The whole log, 3 a page: every event once, in order. */
	assert_int_equal(all_pages(&f, NULL, "3", NULL, NULL, got, &pages), EVERY);
	assert_int_equal(pages, 5);
	for (size_t i = 0; i < EVERY; i++)
		assert_string_equal(got[i], every[i]);
	/* A last page that is full says so: no token. */
	assert_int_equal(all_pages(&f, NULL, "13", NULL, NULL, got, &pages), EVERY);
	assert_int_equal(pages, 1);
	/* The events of a code, 2 a page. */
	assert_int_equal(all_pages(&f, NULL, "2", "EPC", CODE(1), got, &pages), 7);
	assert_int_equal(pages, 4);
	assert_string_equal(got[6], every[9]);
	/* Filtered: a token skips what did not match. */
	assert_int_equal(all_pages(&f, NULL, "1", "BIZSTEP", "receiving", got, &pages), 2);
	assert_string_equal(got[1], every[7]);
	assert_int_equal(pages, 2);

	/* A page that looked at as many events as it may stops there, with a
	 * token to go on from: fewer events than asked, or none. */
	epcis_scan_max = 3;
	struct reply r = query(&f, NULL, "EPCIS.QUERY", "BIZSTEP", "receiving", NULL);
	assert_int_equal(json_array_size(json_object_get(r.j, "events")), 0);
	assert_string_equal(str(r.j, "next"), "3");
	json_decref(r.j);
	assert_int_equal(all_pages(&f, NULL, "100", "BIZSTEP", "receiving", got, &pages), 2);
	assert_int_equal(pages, 5);
	assert_int_equal(all_pages(&f, NULL, "100", NULL, NULL, got, &pages), EVERY);
	assert_int_equal(pages, 5);
	epcis_scan_max = EPCIS_SCAN_MAX;
	fx_close(&f);
}

static uint32_t site_num(struct fx *f, const char *id)
{
	struct master_rec rec;
	assert_int_equal(master_load(fx_begin(f), &master_site, id, &rec), 0);
	fx_abort(f);
	return rec.num;
}

static void test_a_site_sees_its_own_events(void **state)
{
	(void)state;
	struct fx f;
	scene(&f);
	struct principal ph1 = { .role = ROLE_PHARMACY, .site = site_num(&f, "PH1") };
	snprintf(ph1.site_id, sizeof ph1.site_id, "PH1");
	struct principal dist = { .role = ROLE_DISTRIBUTOR, .site = site_num(&f, "DIST") };
	snprintf(dist.site_id, sizeof dist.site_id, "DIST");
	struct principal reg = { .role = ROLE_REGULATOR };
	/* Its shipment in, its sale and its undoing, every recall; a sender
	 * sees the receipt of what it sent (the other end). */
	expect(&f, &ph1, "7 8 9 10 12", NULL, NULL, NULL, NULL);
	expect(&f, &dist, "4 5 6 7 8 12", NULL, NULL, NULL, NULL);
	expect(&f, &dist, "4 5", "EPC", SSCC, NULL, NULL);
	expect(&f, &reg, "1 2 3 4 5 6 7 8 9 10 11 12 13", NULL, NULL, NULL, NULL);
	fx_close(&f);
}

static void test_bad_queries_are_refused(void **state)
{
	(void)state;
	struct fx f;
	scene(&f);
	refused(&f, "EPC 'urn:epc:idpat:sgtin:6901234.056789.*': ", "EPCIS.QUERY", "EPC",
		"urn:epc:idpat:sgtin:6901234.056789.*", NULL);
	refused(&f, "ANYEPC 'x': ", "EPCIS.QUERY", "ANYEPC", CODE(1) "|x", NULL);
	refused(&f, "EPC: an empty value in '" CODE(1) "||" CODE(2) "'", "EPCIS.QUERY", "EPC",
		CODE(1) "||" CODE(2), NULL);
	refused(&f, "BIZSTEP: an empty value", "EPCIS.QUERY", "BIZSTEP", "shipping|", NULL);
	refused(&f, "AFTER '0x1' is not a page token", "EPCIS.QUERY", "AFTER", "0x1", NULL);
	refused(&f, "AFTER '007' is not a page token", "EPCIS.QUERY", "AFTER", "007", NULL);
	refused(&f, "SINCE ", "EPCIS.QUERY", "SINCE", "yesterday", NULL);
	refused(&f, "COUNT", "EPCIS.QUERY", "COUNT", "1001", NULL);
	refused(&f, "unexpected argument 'EQ_bizStep'", "EPCIS.QUERY", "EQ_bizStep", "x", NULL);
	char many[1024] = "shipping";
	for (int i = 1; i <= CMD_EPCIS_VALUES_MAX; i++)
		strcat(many, "|packing");
	refused(&f, "BIZSTEP: more than 64 values", "EPCIS.QUERY", "BIZSTEP", many, NULL);
	fx_close(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_event_as_epcis),
		cmocka_unit_test(test_filters),
		cmocka_unit_test(test_pages_follow_their_tokens),
		cmocka_unit_test(test_a_site_sees_its_own_events),
		cmocka_unit_test(test_bad_queries_are_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
