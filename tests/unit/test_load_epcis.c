/*
 * test_load_epcis.c — the EPCIS 2.0 JSON reader.  Small documents written
 * here, each with the transcript the reader must give (one line per result,
 * as in test_load_csv.c, then a line of counters), and the project's own
 * EPCIS documents in tests/data/epcis/ (a whole supply chain, a query
 * document of lot-level records, every reason to skip an event, every
 * reason to refuse one), each read against its transcript in NAME.expect
 * beside it.  Run from the repository root.
 *
 * With YIMA_GS1_REFERENCE naming the directory of GS1's EPCIS 2.0 example
 * documents and JSON schema (make test-gs1), a second group reads each of
 * GS1's documents in place (never copied: a missing file fails its test)
 * and checks the exact numbers of records, refused events and skipped
 * events by reason.  Without it that group is not run.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "load.h"

/* The project's own documents, from the repository root. */
#define DATA_DIR "tests/data/epcis/"

/* GS1's reference directory (make test-gs1), or NULL. */
static const char *gs1_dir;

static void warn(void *arg, const char *msg)
{
	buf_printf(arg, "warn: %s\n", msg);
}

/* Read a document; the transcript into out (warnings only if warns). */
static void run_file(FILE *fp, const char *name, size_t max, bool warns,
                     struct buf *out)
{
	struct load_opts o = { .lo_warn = warns ? warn : NULL, .lo_warn_arg = out };
	char err[LOAD_MSG_MAX];
	struct load_epcis *r = load_epcis_open(fp, name, max, &o, err);
	const struct load_epcis_stats *st;
	struct load_rec rec;
	int e;

	if (r == NULL) {
		buf_printf(out, "open: %s\n", err);
		return;
	}
	while ((e = load_epcis_next(r, &rec)) != LOAD_END) {
		assert_true(e == LOAD_OK || e == LOAD_BAD || e == LOAD_FATAL);
		if (e == LOAD_FATAL) {
			buf_printf(out, "fatal: %s\n", load_epcis_error(r));
			assert_int_equal(load_epcis_next(r, &rec), LOAD_FATAL);
			break;
		}
		if (e == LOAD_BAD) {
			buf_printf(out, "! %s\n", load_epcis_error(r));
			continue;
		}
		buf_printf(out, "%lu %s", rec.where, load_kind_name(rec.kind));
		for (int f = 0; f < LOAD_F__COUNT; f++) {
			if (rec.f[f] == NULL)
				continue;
			assert_int_equal(strlen(rec.f[f]), rec.len[f]);
			buf_printf(out, " %s=%s", load_field_name((enum load_field)f),
			           rec.f[f]);
		}
		buf_putc(out, '\n');
	}
	st = load_epcis_stats(r);
	assert_int_equal(st->es_done, st->es_events);
	buf_printf(out, "= events %lu mapped %lu records %lu bad %lu skipped",
	           st->es_events, st->es_mapped, st->es_records, st->es_bad);
	for (int k = 0; k < LOAD_SKIP__COUNT; k++)
		if (st->es_skipped[k])
			buf_printf(out, " %s=%lu", load_skip_name((enum load_skip)k),
			           st->es_skipped[k]);
	buf_putc(out, '\n');
	if (e != LOAD_FATAL)
		assert_int_equal(load_epcis_next(r, &rec), LOAD_END);
	load_epcis_close(r);
}

static void run(const char *in, size_t max, bool warns, struct buf *out)
{
	FILE *fp = fmemopen((void *)(uintptr_t)in, strlen(in), "rb");

	assert_non_null(fp);
	run_file(fp, "t.json", max, warns, out);
	fclose(fp);
}

static void expect(const char *name, const char *got, const char *want)
{
	if (strcmp(got ? got : "", want) != 0) {
		fprintf(stderr, "case '%s':\n--- want\n%s--- got\n%s", name, want,
		        got ? got : "");
		fail();
	}
}

/* A document around the events given. */
#define DOC(events) \
	"{\"@context\":[\"https://ref.gs1.org/standards/epcis/2.0.0/" \
	"epcis-context.jsonld\"],\"type\":\"EPCISDocument\"," \
	"\"schemaVersion\":\"2.0\",\"creationDate\":\"2026-01-01T00:00:00Z\"," \
	"\"epcisBody\":{\"eventList\":[" events "]}}"

#define SG1 "urn:epc:id:sgtin:6901234.056789.S1"
#define SG2 "urn:epc:id:sgtin:6901234.056789.S2"
#define DL3 "https://id.gs1.org/01/06901234567892/21/S3"
#define SSCC "urn:epc:id:sscc:6901234.0000000001"
#define MFR "urn:epc:id:sgln:6901234.00001.0"
#define DST "urn:epc:id:sgln:6901234.00002.0"
#define T0 "\"eventTime\":\"2026-03-01T02:00:00Z\",\"eventTimeZoneOffset\":\"+08:00\""
#define T0L "2026-03-01T10:00:00+08:00"

/* An event's members after its "{": a destroying at DST. */
#define BODY "\"type\":\"ObjectEvent\"," T0 ",\"action\":\"OBSERVE\"," \
	"\"bizStep\":\"destroying\",\"epcList\":[\"" SG2 "\"]," \
	"\"bizLocation\":{\"id\":\"" DST "\"}}"

struct ep_case {
	const char *name;
	const char *in;
	const char *want;
};

static const struct ep_case cases[] = {
	{ "commissioning: one record per EPC, lot and expiry from ilmd",
	  DOC("{\"type\":\"ObjectEvent\"," T0 ",\"action\":\"ADD\","
	      "\"bizStep\":\"https://ref.gs1.org/cbv/BizStep-commissioning\","
	      "\"epcList\":[\"" SG1 "\",\"" DL3 "\"],"
	      "\"bizLocation\":{\"id\":\"" MFR "\"},"
	      "\"readPoint\":{\"id\":\"urn:epc:id:sgln:6901234.00001.7\"},"
	      "\"ilmd\":{\"cbvmda:lotNumber\":\"L42\","
	      "\"cbvmda:itemExpirationDate\":\"2028-05-31\"}}"),
	  "1 commission time=" T0L " code=" SG1 " lot=L42 expiry=2028-05-31 "
	  "from=" MFR "\n"
	  "1 commission time=" T0L " code=" DL3 " lot=L42 expiry=2028-05-31 "
	  "from=" MFR "\n"
	  "= events 1 mapped 1 records 2 bad 0 skipped\n" },
	{ "yima extensions: level on commissioning, qty on a sale; bad values refused",
	  DOC("{\"type\":\"ObjectEvent\"," T0 ",\"action\":\"ADD\","
	      "\"bizStep\":\"commissioning\",\"epcList\":[\"83012349000000000000\"],"
	      "\"bizLocation\":{\"id\":\"" MFR "\"},\"yima:level\":2,"
	      "\"ilmd\":{\"cbvmda:lotNumber\":\"L1\","
	      "\"cbvmda:itemExpirationDate\":\"2028-05-31\"}},"
	      "{\"type\":\"ObjectEvent\"," T0 ",\"action\":\"ADD\","
	      "\"bizStep\":\"commissioning\",\"epcList\":[\"" SG1 "\"],"
	      "\"bizLocation\":{\"id\":\"" MFR "\"},\"yima:level\":7},"
	      "{\"type\":\"ObjectEvent\"," T0 ",\"action\":\"OBSERVE\","
	      "\"bizStep\":\"retail_selling\",\"epcList\":[\"" SG1 "\"],"
	      "\"bizLocation\":{\"id\":\"" DST "\"},\"yima:qty\":3},"
	      "{\"type\":\"ObjectEvent\"," T0 ",\"action\":\"OBSERVE\","
	      "\"bizStep\":\"retail_selling\",\"epcList\":[\"" SG1 "\"],"
	      "\"bizLocation\":{\"id\":\"" DST "\"},\"yima:qty\":\"3\"}"),
	  "1 commission time=" T0L " code=83012349000000000000 lot=L1 expiry=2028-05-31 "
	  "level=2 from=" MFR "\n"
	  "! t.json: event 2: yima:level must be a whole number from 1 to 4\n"
	  "3 dispense time=" T0L " code=" SG1 " from=" DST " qty=3\n"
	  "! t.json: event 4: yima:qty must be a whole number from 1 to 1000000\n"
	  "= events 4 mapped 2 records 2 bad 2 skipped\n" },
	{ "commissioning lot-level devices: quantityList, plain ilmd names",
	  DOC("{\"type\":\"ObjectEvent\"," T0 ",\"action\":\"ADD\","
	      "\"bizStep\":\"commissioning\","
	      "\"quantityList\":[{\"epcClass\":\"urn:epc:class:lgtin:6901234.056789.L7\","
	      "\"quantity\":250},{\"epcClass\":\"https://id.gs1.org/01/06901234567892/10/L8\","
	      "\"quantity\":3.0,\"uom\":\"EA\"}],"
	      "\"readPoint\":{\"id\":\"" MFR "\"},"
	      "\"ilmd\":{\"lotNumber\":\"L7\",\"itemExpirationDate\":\"2027-01-31\"}}"),
	  "1 commission time=" T0L " code=urn:epc:class:lgtin:6901234.056789.L7 "
	  "lot=L7 expiry=2027-01-31 from=" MFR " qty=250\n"
	  "1 commission time=" T0L " code=https://id.gs1.org/01/06901234567892/10/L8 "
	  "lot=L7 expiry=2027-01-31 from=" MFR " qty=3\n"
	  "= events 1 mapped 1 records 2 bad 0 skipped\n" },
	{ "packing, unpacking named children, unpacking everything",
	  DOC("{\"type\":\"AggregationEvent\"," T0 ",\"action\":\"ADD\","
	      "\"bizStep\":\"packing\",\"parentID\":\"" SSCC "\","
	      "\"childEPCs\":[\"" SG1 "\",\"" SG2 "\"],"
	      "\"bizLocation\":{\"id\":\"" MFR "\"}},"
	      "{\"type\":\"AggregationEvent\"," T0 ",\"action\":\"DELETE\","
	      "\"bizStep\":\"unpacking\",\"parentID\":\"" SSCC "\","
	      "\"childEPCs\":[\"" SG2 "\"],\"readPoint\":{\"id\":\"" DST "\"}},"
	      "{\"type\":\"AggregationEvent\"," T0 ",\"action\":\"DELETE\","
	      "\"parentID\":\"" SSCC "\",\"bizLocation\":{\"id\":\"" DST "\"}}"),
	  "1 pack time=" T0L " code=" SG1 " parent=" SSCC " from=" MFR "\n"
	  "1 pack time=" T0L " code=" SG2 " parent=" SSCC " from=" MFR "\n"
	  "2 unpack time=" T0L " code=" SG2 " parent=" SSCC " from=" DST "\n"
	  "3 unpack time=" T0L " parent=" SSCC " from=" DST "\n"
	  "= events 3 mapped 3 records 4 bad 0 skipped\n" },
	{ "shipping and returning: source and destination, despatch advice",
	  DOC("{\"type\":\"ObjectEvent\"," T0 ",\"action\":\"OBSERVE\","
	      "\"bizStep\":\"urn:epcglobal:cbv:bizstep:shipping\","
	      "\"epcList\":[\"" SSCC "\"],"
	      "\"readPoint\":{\"id\":\"urn:epc:id:sgln:6901234.00001.9\"},"
	      "\"sourceList\":[{\"type\":\"owning_party\",\"source\":"
	      "\"urn:epc:id:pgln:6901234.00001\"},{\"type\":"
	      "\"https://ref.gs1.org/cbv/SDT-location\",\"source\":\"" MFR "\"}],"
	      "\"destinationList\":[{\"type\":\"owning_party\",\"destination\":"
	      "\"6901234000023\"}],"
	      "\"bizTransactionList\":[{\"type\":\"po\",\"bizTransaction\":\"PO-1\"},"
	      "{\"type\":\"https://ref.gs1.org/cbv/BTT-desadv\","
	      "\"bizTransaction\":\"DN-1\"}]},"
	      "{\"type\":\"ObjectEvent\"," T0 ",\"action\":\"OBSERVE\","
	      "\"bizStep\":\"shipping\",\"disposition\":\"returned\","
	      "\"epcList\":[\"" SG1 "\"],\"readPoint\":{\"id\":\"" DST "\"},"
	      "\"destinationList\":[{\"type\":\"location\",\"destination\":\"" MFR "\"}],"
	      "\"bizTransactionList\":[{\"type\":\"rma\",\"bizTransaction\":\"RMA-1\"}]}"),
	  "1 ship time=" T0L " code=" SSCC " from=" MFR " to=6901234000023 ref=DN-1\n"
	  "2 return time=" T0L " code=" SG1 " from=" DST " to=" MFR " ref=RMA-1\n"
	  "= events 2 mapped 2 records 2 bad 0 skipped\n" },
	{ "EPCIS 1.x URN vocabulary: bizStep, disposition, source and transaction types",
	  DOC("{\"type\":\"ObjectEvent\"," T0 ",\"action\":\"ADD\","
	      "\"bizStep\":\"urn:epcglobal:cbv:bizstep:commissioning\","
	      "\"disposition\":\"urn:epcglobal:cbv:disp:active\","
	      "\"epcList\":[\"" SG1 "\"],\"bizLocation\":{\"id\":\"" MFR "\"}},"
	      "{\"type\":\"ObjectEvent\"," T0 ",\"action\":\"OBSERVE\","
	      "\"bizStep\":\"urn:epcglobal:cbv:bizstep:shipping\","
	      "\"disposition\":\"urn:epcglobal:cbv:disp:returned\","
	      "\"epcList\":[\"" SG1 "\"],"
	      "\"sourceList\":[{\"type\":\"urn:epcglobal:cbv:sdt:owning_party\","
	      "\"source\":\"" MFR "\"},{\"type\":\"urn:epcglobal:cbv:sdt:location\","
	      "\"source\":\"" DST "\"}],"
	      "\"destinationList\":[{\"type\":\"urn:epcglobal:cbv:sdt:location\","
	      "\"destination\":\"" MFR "\"}],"
	      "\"bizTransactionList\":[{\"type\":\"urn:epcglobal:cbv:btt:po\","
	      "\"bizTransaction\":\"PO-1\"},{\"type\":\"urn:epcglobal:cbv:btt:desadv\","
	      "\"bizTransaction\":\"DN-2\"}]}"),
	  "1 commission time=" T0L " code=" SG1 " from=" MFR "\n"
	  "2 return time=" T0L " code=" SG1 " from=" DST " to=" MFR " ref=DN-2\n"
	  "= events 2 mapped 2 records 2 bad 0 skipped\n" },
	{ "receiving, dispensing, retail selling, destroying",
	  DOC("{\"type\":\"ObjectEvent\"," T0 ",\"action\":\"OBSERVE\","
	      "\"bizStep\":\"receiving\",\"epcList\":[\"" SSCC "\"],"
	      "\"destinationList\":[{\"type\":\"location\",\"destination\":\"" DST "\"}],"
	      "\"sourceList\":[{\"type\":\"location\",\"source\":\"" MFR "\"}]},"
	      "{\"type\":\"ObjectEvent\"," T0 ",\"action\":\"OBSERVE\","
	      "\"bizStep\":\"dispensing\",\"epcList\":[\"" SG1 "\"],"
	      "\"bizLocation\":{\"id\":\"" DST "\"},"
	      "\"bizTransactionList\":[{\"type\":\"pos\",\"bizTransaction\":\"TX9\"}]},"
	      "{\"type\":\"ObjectEvent\"," T0 ",\"action\":\"DELETE\","
	      "\"bizStep\":\"cbv:BizStep-retail_selling\","
	      "\"quantityList\":[{\"epcClass\":\"urn:epc:class:lgtin:6901234.056789.L7\","
	      "\"quantity\":2}],\"bizLocation\":{\"id\":\"" DST "\"}},"
	      "{\"type\":\"ObjectEvent\"," T0 ",\"action\":\"DELETE\","
	      "\"bizStep\":\"destroying\",\"epcList\":[\"" SG2 "\"],"
	      "\"readPoint\":{\"id\":\"" DST "\"}}"),
	  "1 receive time=" T0L " code=" SSCC " from=" MFR " to=" DST "\n"
	  "2 dispense time=" T0L " code=" SG1 " from=" DST " ref=TX9\n"
	  "3 dispense time=" T0L " code=urn:epc:class:lgtin:6901234.056789.L7 "
	  "from=" DST " qty=2\n"
	  "4 destroy time=" T0L " code=" SG2 " from=" DST "\n"
	  "= events 4 mapped 4 records 4 bad 0 skipped\n" },
	{ "times: the same instant in the event's zone, across days and years",
	  "[{\"type\":\"ObjectEvent\",\"eventTime\":\"2020-12-31T23:30:00Z\","
	  "\"eventTimeZoneOffset\":\"+08:00\",\"action\":\"OBSERVE\","
	  "\"bizStep\":\"dispensing\",\"epcList\":[\"" SG1 "\"],"
	  "\"bizLocation\":{\"id\":\"" DST "\"}},"
	  "{\"type\":\"ObjectEvent\",\"eventTime\":\"2024-03-01T02:00:00.25+01:00\","
	  "\"eventTimeZoneOffset\":\"-05:00\",\"action\":\"OBSERVE\","
	  "\"bizStep\":\"dispensing\",\"epcList\":[\"" SG1 "\"],"
	  "\"bizLocation\":{\"id\":\"" DST "\"}},"
	  "{\"type\":\"ObjectEvent\",\"eventTime\":\"2024-03-01T02:00:00+01:00\","
	  "\"action\":\"OBSERVE\","
	  "\"bizStep\":\"dispensing\",\"epcList\":[\"" SG1 "\"],"
	  "\"bizLocation\":{\"id\":\"" DST "\"}}]",
	  "1 dispense time=2021-01-01T07:30:00+08:00 code=" SG1 " from=" DST "\n"
	  "2 dispense time=2024-02-29T20:00:00.25-05:00 code=" SG1 " from=" DST "\n"
	  "3 dispense time=2024-03-01T02:00:00+01:00 code=" SG1 " from=" DST "\n"
	  "= events 3 mapped 3 records 3 bad 0 skipped\n" },
	{ "a single event; an EPCISQueryDocument",
	  "{\"type\":\"ObjectEvent\"," T0 ",\"action\":\"OBSERVE\","
	  "\"bizStep\":\"destroying\",\"epcList\":[\"" SG2 "\"],"
	  "\"bizLocation\":{\"id\":\"" DST "\"}}",
	  "1 destroy time=" T0L " code=" SG2 " from=" DST "\n"
	  "= events 1 mapped 1 records 1 bad 0 skipped\n" },
	{ "EPCISQueryDocument",
	  "{\"type\":\"EPCISQueryDocument\",\"epcisBody\":{\"queryResults\":{"
	  "\"queryName\":\"SimpleEventQuery\",\"resultsBody\":{\"eventList\":["
	  "{\"type\":\"ObjectEvent\"," T0 ",\"action\":\"OBSERVE\","
	  "\"bizStep\":\"destroying\",\"epcList\":[\"" SG2 "\"],"
	  "\"bizLocation\":{\"id\":\"" DST "\"}}]}}}}",
	  "1 destroy time=" T0L " code=" SG2 " from=" DST "\n"
	  "= events 1 mapped 1 records 1 bad 0 skipped\n" },
	{ "a TransformationEvent: one transform record, its codes a line each, the "
	  "outputs' lot and expiry from ilmd, whatever its bizStep",
	  DOC("{\"type\":\"TransformationEvent\"," T0 ",\"bizStep\":\"repackaging\","
	      "\"inputEPCList\":[\"" SG1 "\",\"" SG2 "\"],\"outputEPCList\":[\"" DL3 "\"],"
	      "\"bizLocation\":{\"id\":\"" DST "\"},\"bizTransactionList\":[{"
	      "\"bizTransaction\":\"urn:x:rp7\"}],\"ilmd\":{\"cbvmda:lotNumber\":\"S1\","
	      "\"cbvmda:itemExpirationDate\":\"2029-06-30\"}}"),
	  "1 transform time=" T0L " lot=S1 expiry=2029-06-30 from=" DST " ref=urn:x:rp7 "
	  "inputs=" SG1 "\n" SG2 " outputs=" DL3 "\n"
	  "= events 1 mapped 1 records 1 bad 0 skipped\n" },
	{ "bad TransformationEvents: each refused whole, saying why",
	  DOC("{\"type\":\"TransformationEvent\"," T0 ",\"outputEPCList\":[\"" DL3 "\"],"
	      "\"bizLocation\":{\"id\":\"" DST "\"},\"ilmd\":{\"lotNumber\":\"S1\","
	      "\"itemExpirationDate\":\"2029-06-30\"}},"
	      "{\"type\":\"TransformationEvent\"," T0 ",\"inputEPCList\":[\"" SG1 "\"],"
	      "\"outputEPCList\":[\"" DL3 "\"],\"bizLocation\":{\"id\":\"" DST "\"},"
	      "\"ilmd\":{\"lotNumber\":\"S1\"}},"
	      "{\"type\":\"TransformationEvent\"," T0 ",\"inputEPCList\":[\"" SG1 "\"],"
	      "\"outputEPCList\":[\"" DL3 "\"],\"ilmd\":{\"lotNumber\":\"S1\","
	      "\"itemExpirationDate\":\"2029-06-30\"}},"
	      "{\"type\":\"TransformationEvent\"," T0 ",\"inputEPCList\":[\"" SG1 "\"],"
	      "\"outputQuantityList\":[{\"epcClass\":\"urn:epc:class:lgtin:6901234.056789.L\","
	      "\"quantity\":5}],\"bizLocation\":{\"id\":\"" DST "\"}},"
	      "{\"type\":\"TransformationEvent\"," T0 ",\"inputEPCList\":[\"" SG1 "\"],"
	      "\"outputEPCList\":[\"nonsense\"],\"bizLocation\":{\"id\":\"" DST "\"},"
	      "\"ilmd\":{\"lotNumber\":\"S1\",\"itemExpirationDate\":\"2029-13-30\"}}"),
	  "! t.json: event 1: TransformationEvent without inputEPCList (the codes consumed)\n"
	  "! t.json: event 2: TransformationEvent without ilmd itemExpirationDate (the "
	  "outputs' expiry)\n"
	  "! t.json: event 3: TransformationEvent without a place (bizLocation or readPoint)\n"
	  "! t.json: event 4: outputQuantityList: lot quantities cannot be repackaged (yima "
	  "repackages serialised codes: inputEPCList, outputEPCList)\n"
	  "! t.json: event 5: ilmd itemExpirationDate: '2029-13-30' is not a date "
	  "(YYYY-MM-DD)\n"
	  "= events 5 mapped 0 records 0 bad 5 skipped\n" },
	{ "skipped events, by reason",
	  DOC("{\"type\":\"TransactionEvent\"," T0 ",\"action\":\"ADD\"},"
	      "{\"type\":\"AssociationEvent\"," T0 ",\"action\":\"ADD\"},"
	      "{\"type\":\"ObjectEvent\"," T0 ",\"action\":\"OBSERVE\","
	      "\"epcList\":[\"" SG1 "\"]},"
	      "{\"type\":\"ObjectEvent\"," T0 ",\"action\":\"OBSERVE\","
	      "\"bizStep\":\"inspecting\",\"epcList\":[\"" SG1 "\"]},"
	      "{\"type\":\"ObjectEvent\"," T0 ",\"action\":\"OBSERVE\","
	      "\"bizStep\":\"commissioning\",\"epcList\":[\"" SG1 "\"]},"
	      "{\"type\":\"AggregationEvent\"," T0 ",\"action\":\"OBSERVE\","
	      "\"bizStep\":\"packing\",\"parentID\":\"" SSCC "\"},"
	      "{\"type\":\"ObjectEvent\"," T0 ",\"action\":\"OBSERVE\","
	      "\"bizStep\":\"receiving\",\"epcList\":[],"
	      "\"bizLocation\":{\"id\":\"" DST "\"}},"
	      "{\"eventID\":\"urn:uuid:1\",\"type\":\"ObjectEvent\"," T0 ","
	      "\"action\":\"OBSERVE\",\"bizStep\":\"receiving\","
	      "\"epcList\":[\"" SG1 "\"],\"bizLocation\":{\"id\":\"" DST "\"},"
	      "\"errorDeclaration\":{\"declarationTime\":\"2026-03-02T00:00:00Z\","
	      "\"correctiveEventIDs\":[\"urn:uuid:2\"]}},"
	      "{\"eventID\":\"urn:uuid:2\",\"type\":\"ObjectEvent\"," T0 ","
	      "\"action\":\"OBSERVE\",\"bizStep\":\"receiving\","
	      "\"epcList\":[\"" SG1 "\"],\"bizLocation\":{\"id\":\"" DST "\"}}"),
	  "warn: t.json: event 1: skipped (type): TransactionEvent\n"
	  "warn: t.json: event 2: skipped (type): AssociationEvent\n"
	  "warn: t.json: event 3: skipped (no-bizstep): ObjectEvent\n"
	  "warn: t.json: event 4: skipped (bizstep): inspecting\n"
	  "warn: t.json: event 5: skipped (action): OBSERVE commissioning\n"
	  "warn: t.json: event 6: skipped (action): OBSERVE packing\n"
	  "warn: t.json: event 7: skipped (no-objects): ObjectEvent\n"
	  "warn: t.json: event 8: skipped (error-declaration): ObjectEvent\n"
	  "warn: t.json: event 9: skipped (corrective): urn:uuid:2\n"
	  "= events 9 mapped 0 records 0 bad 0 skipped error-declaration=1 "
	  "corrective=1 type=2 no-bizstep=1 bizstep=1 action=2 no-objects=1\n" },
	{ "bad events: the whole event refused, the next one read (a shipment "
	  "without destinationList is none: its destination is not known)",
	  DOC("{\"type\":\"ObjectEvent\"," T0 ",\"action\":\"OBSERVE\","
	      "\"bizStep\":\"receiving\",\"bizLocation\":{\"id\":\"" DST "\"},"
	      "\"epcList\":[\"" SG1 "\",\"urn:epc:id:sgtin:6901234.056789\",\"" SG2 "\"]},"
	      "{\"type\":\"ObjectEvent\",\"action\":\"OBSERVE\","
	      "\"bizStep\":\"receiving\",\"bizLocation\":{\"id\":\"" DST "\"},"
	      "\"epcList\":[\"" SG1 "\"]},"
	      "{\"type\":\"ObjectEvent\",\"eventTime\":\"2026-03-01T02:00:00Z\","
	      "\"eventTimeZoneOffset\":\"+8\",\"action\":\"OBSERVE\","
	      "\"bizStep\":\"receiving\",\"bizLocation\":{\"id\":\"" DST "\"},"
	      "\"epcList\":[\"" SG1 "\"]},"
	      "{\"type\":\"ObjectEvent\",\"eventTime\":\"2026-03-01\","
	      "\"action\":\"OBSERVE\","
	      "\"bizStep\":\"receiving\",\"bizLocation\":{\"id\":\"" DST "\"},"
	      "\"epcList\":[\"" SG1 "\"]},"
	      "{\"type\":\"ObjectEvent\"," T0 ",\"action\":\"ADD\","
	      "\"bizStep\":\"commissioning\",\"bizLocation\":{\"id\":\"" MFR "\"},"
	      "\"quantityList\":[{\"epcClass\":\"urn:epc:class:lgtin:6901234.056789.L7\","
	      "\"quantity\":2.5,\"uom\":\"KGM\"}]},"
	      "{\"type\":\"ObjectEvent\"," T0 ",\"action\":\"ADD\","
	      "\"bizStep\":\"commissioning\",\"bizLocation\":{\"id\":\"" MFR "\"},"
	      "\"epcList\":[\"" SG1 "\"],\"ilmd\":{\"cbvmda:itemExpirationDate\":"
	      "\"2028-02-30\"}},"
	      "{\"type\":\"AggregationEvent\"," T0 ",\"action\":\"ADD\","
	      "\"bizStep\":\"packing\",\"childEPCs\":[\"" SG1 "\"],"
	      "\"bizLocation\":{\"id\":\"" MFR "\"}},"
	      "{\"type\":\"ObjectEvent\"," T0 ",\"action\":\"OBSERVE\","
	      "\"bizStep\":\"shipping\",\"epcList\":[\"" SG1 "\"],"
	      "\"readPoint\":{\"id\":\"" MFR "\"}},"
	      "{\"type\":\"ObjectEvent\"," T0 ",\"action\":\"OBSERVE\","
	      "\"bizStep\":\"dispensing\",\"epcList\":[\"" SG1 "\"]},"
	      "{\"type\":\"ObjectEvent\"," T0 ",\"action\":\"OBSERVE\","
	      "\"bizStep\":\"receiving\",\"bizLocation\":{\"id\":7},"
	      "\"epcList\":[\"" SG1 "\"]},"
	      "{\"type\":\"ObjectEvent\"," T0 ",\"action\":\"OBSERVE\","
	      "\"bizStep\":\"receiving\",\"bizLocation\":{\"id\":\"" DST "\"},"
	      "\"epcList\":[\"" SG1 "\",\"" MFR "\"]},"
	      "42,"
	      "{\"type\":\"ObjectEvent\"," T0 ",\"action\":\"OBSERVE\","
	      "\"bizStep\":\"receiving\",\"bizLocation\":{\"id\":\"" DST "\"},"
	      "\"epcList\":[\"" SG2 "\"]},"
	      "{\"type\":\"ObjectEvent\"," T0 ",\"action\":\"ADD\","
	      "\"bizStep\":\"commissioning\",\"bizLocation\":{\"id\":\"" MFR "\"},"
	      "\"quantityList\":[{\"epcClass\":\"urn:epc:class:lgtin:6901234.056789.L7\","
	      "\"quantity\":100000001}]}"),
	  "! t.json: event 1: epcList[1]: EPC sgtin URN: expected '.' and a "
	  "serial, lot or extension after the reference\n"
	  "! t.json: event 2: no eventTime\n"
	  "! t.json: event 3: eventTimeZoneOffset: '+8' is not +HH:MM or -HH:MM\n"
	  "! t.json: event 4: eventTime: '2026-03-01' is not an ISO 8601 time with "
	  "offset\n"
	  "! t.json: event 5: quantityList[0]: quantity 2.5 KGM is not a whole "
	  "number of items\n"
	  "! t.json: event 6: ilmd itemExpirationDate: '2028-02-30' is not a date "
	  "(YYYY-MM-DD)\n"
	  "! t.json: event 7: AggregationEvent without parentID\n"
	  "8 ship time=" T0L " code=" SG1 " from=" MFR "\n"
	  "! t.json: event 9: dispensing event without a place (bizLocation or "
	  "readPoint)\n"
	  "! t.json: event 10: bizLocation.id is not a string\n"
	  "! t.json: event 11: epcList[1]: '" MFR "' is a location or party (GLN), "
	  "not an item\n"
	  "! t.json: event 12: not a JSON object\n"
	  "13 receive time=" T0L " code=" SG2 " to=" DST "\n"
	  "! t.json: event 14: quantityList[0]: quantity 100000001 is more than "
	  "100000000, the most one record may count\n"
	  "= events 14 mapped 2 records 2 bad 12 skipped\n" },
	{ "not an EPCIS document",
	  "{\"hello\":\"world\"}",
	  "open: t.json: not an EPCIS document (no epcisBody.eventList, not an "
	  "array of events)\n" },
	{ "eventList not an array",
	  "{\"epcisBody\":{\"eventList\":{}}}",
	  "open: t.json: eventList is not an array\n" },
	{ "invalid JSON: line, column and byte",
	  "{\"epcisBody\":\n  {\"eventList\": [,]}}",
	  "fatal: t.json:2:18: invalid JSON (byte 32): a value expected, not ','\n"
	  "= events 0 mapped 0 records 0 bad 0 skipped\n" },
	{ "duplicate keys are refused",
	  "[{\"type\":\"ObjectEvent\",\"type\":\"AggregationEvent\"}]",
	  "! t.json: event 1: invalid JSON at 1:29 (byte 29): duplicate object key "
	  "near '\"type\"'\n"
	  "= events 1 mapped 0 records 0 bad 1 skipped\n" },
	{ "empty input", "",
	  "open: t.json:1:0: invalid JSON (byte 0): '[' or '{' expected, not end "
	  "of file\n" },
	{ "an empty eventList", DOC(""),
	  "= events 0 mapped 0 records 0 bad 0 skipped\n" },
	{ "temperature readings: gs1:Temperature in CEL, FAH and KEL; other types "
	  "left alone; a bad uom refused",
	  DOC("{\"type\":\"ObjectEvent\"," T0 ",\"action\":\"OBSERVE\"," \
	  "\"bizStep\":\"shipping\",\"epcList\":[\"" SG1 "\"]," \
	  "\"readPoint\":{\"id\":\"" MFR "\"},\"sensorElementList\":[{\"sensorReport\":[" \
	      "{\"type\":\"gs1:Temperature\",\"value\":14.5,\"uom\":\"CEL\"}," \
	      "{\"type\":\"gs1:Temperature\",\"minValue\":3.04,\"maxValue\":7,\"uom\":\"CEL\"}," \
	      "{\"type\":\"gs1:RelativeHumidity\",\"value\":99,\"uom\":\"A93\"}]}]}," \
	      "{\"type\":\"ObjectEvent\"," T0 ",\"action\":\"OBSERVE\"," \
	  "\"bizStep\":\"shipping\",\"epcList\":[\"" SG1 "\"]," \
	  "\"readPoint\":{\"id\":\"" MFR "\"},\"sensorElementList\":[{\"sensorReport\":[" \
	      "{\"type\":\"gs1:Temperature\",\"value\":46.4,\"uom\":\"FAH\"}]}]}," \
	      "{\"type\":\"ObjectEvent\"," T0 ",\"action\":\"OBSERVE\"," \
	  "\"bizStep\":\"shipping\",\"epcList\":[\"" SG1 "\"]," \
	  "\"readPoint\":{\"id\":\"" MFR "\"},\"sensorElementList\":[{\"sensorReport\":[" \
	      "{\"type\":\"gs1:Temperature\",\"value\":5,\"uom\":\"MTR\"}]}]}"),
	  "1 ship time=" T0L " code=" SG1 " from=" MFR " temp=3.0:14.5\n"
	  "2 ship time=" T0L " code=" SG1 " from=" MFR " temp=8.0:8.0\n"
	  "! t.json: event 3: sensorElementList[0].sensorReport[0]: uom 'MTR' is not "
	  "a temperature's (CEL, FAH or KEL)\n"
	  "= events 3 mapped 2 records 2 bad 1 skipped\n" },
};

static void test_cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct buf out = BUF_INIT;

		run(cases[i].in, 1 << 20, true, &out);
		expect(cases[i].name, out.data, cases[i].want);
		buf_free(&out);
	}
}

/* An event over the limit is refused by its size, without being held, and
 * the next one is read: from a file and from a stream alike.  The limit is
 * one event's, not the document's. */
static void test_oversized(void **state)
{
#define SMALL "{" BODY
	static const char doc[] = DOC(SMALL ",{\"pad\":\""
		"0123456789012345678901234567890123456789012345678901234567890123456789"
		"\"," BODY "," SMALL);
	size_t small = sizeof(SMALL) - 1, big = small + 79;
	struct buf out = BUF_INIT, want = BUF_INIT;
	FILE *fp = tmpfile();

	(void)state;
	assert_non_null(fp);
	fputs(doc, fp);
	buf_printf(&want, "1 destroy time=" T0L " code=" SG2 " from=" DST "\n"
	           "! big.json: event 2: %zu bytes, larger than the limit of %zu bytes "
	           "for one event\n"
	           "3 destroy time=" T0L " code=" SG2 " from=" DST "\n"
	           "= events 3 mapped 2 records 2 bad 1 skipped\n", big, big - 1);
	rewind(fp);
	run_file(fp, "big.json", big - 1, false, &out);
	expect("regular file", out.data, want.data);
	buf_reset(&out);
	rewind(fp);
	run_file(fp, "big.json", big, false, &out);
	expect("regular file at the limit", out.data,
	       "1 destroy time=" T0L " code=" SG2 " from=" DST "\n"
	       "2 destroy time=" T0L " code=" SG2 " from=" DST "\n"
	       "3 destroy time=" T0L " code=" SG2 " from=" DST "\n"
	       "= events 3 mapped 3 records 3 bad 0 skipped\n");
	fclose(fp);

	buf_reset(&out);
	fp = fmemopen((void *)(uintptr_t)doc, sizeof(doc) - 1, "rb");
	run_file(fp, "big.json", big - 1, false, &out);
	expect("stream", out.data, want.data);
	fclose(fp);
	buf_free(&out);
	buf_free(&want);
#undef SMALL
}

/* A document many times larger than the limit streams through, one event
 * at a time (the limit is one event's); a corrective event that comes
 * before the declaration naming it is still skipped (a file that seeks is
 * read for declarations first). */
static void test_streaming(void **state)
{
	enum { EVENTS = 3000 };
	struct buf doc = BUF_INIT, out = BUF_INIT;
	struct load_opts o = { 0 };
	char err[LOAD_MSG_MAX];
	struct load_rec rec;
	unsigned long records = 0;
	FILE *fp = tmpfile();
	int e;

	(void)state;
	buf_puts(&doc, "{\"type\":\"EPCISDocument\",\"epcisBody\":{\"eventList\":[\n"
	         "{\"eventID\":\"urn:uuid:fix\"," BODY ",\n"
	         "{\"type\":\"ObjectEvent\"," T0 ",\"action\":\"OBSERVE\","
	         "\"bizStep\":\"receiving\",\"epcList\":[\"" SG1 "\"],"
	         "\"bizLocation\":{\"id\":\"" DST "\"},\"errorDeclaration\":{"
	         "\"declarationTime\":\"2026-03-02T00:00:00Z\","
	         "\"correctiveEventIDs\":[\"urn:uuid:fix\"]}}");
	for (int i = 0; i < EVENTS; i++)
		buf_printf(&doc, ",\n{\"pad\":\"%d\"," BODY, i);
	buf_puts(&doc, "],\"trailer\":{\"a\":[1,2,{\"b\":\"]}\"}]}}}\n");
	assert_non_null(fp);
	fwrite(doc.data, 1, doc.len, fp);
	rewind(fp);
	struct load_epcis *r = load_epcis_open(fp, "s.json", 1024, &o, err);
	assert_non_null(r);
	while ((e = load_epcis_next(r, &rec)) != LOAD_END) {
		assert_int_equal(e, LOAD_OK);
		records++;
	}
	assert_int_equal(records, EVENTS);
	assert_int_equal(load_epcis_stats(r)->es_events, EVENTS + 2);
	assert_int_equal(load_epcis_stats(r)->es_skipped[LOAD_SKIP_CORRECTIVE], 1);
	assert_int_equal(load_epcis_stats(r)->es_skipped[LOAD_SKIP_ERROR_DECL], 1);
	assert_true(load_epcis_offset(r) == doc.len);
	assert_true(doc.len > 500 * 1024);
	load_epcis_close(r);
	fclose(fp);
	buf_free(&doc);
	buf_free(&out);
}

/* ---- the project's own documents, tests/data/epcis/ ---- */

/* DATA_DIR/name (suffix appended) opened for reading; fails the test
 * when it cannot be. */
static FILE *open_data(const char *name, const char *suffix)
{
	char path[256];
	FILE *fp;

	snprintf(path, sizeof(path), DATA_DIR "%s%s", name, suffix);
	fp = fopen(path, "rb");
	if (fp == NULL) {
		print_error("%s: %s (tests run from the repository root)\n", path,
		            strerror(errno));
		fail();
	}
	return fp;
}

/* Read DATA_DIR/name with warnings; its transcript must be name.expect. */
static void check_doc(const char *name)
{
	struct buf out = BUF_INIT, want = BUF_INIT;
	char chunk[4096];
	size_t n;
	FILE *fp = open_data(name, ".expect");

	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		buf_append(&want, chunk, n);
	buf_putc(&want, '\0');
	fclose(fp);
	fp = open_data(name, "");
	run_file(fp, name, 1 << 20, true, &out);
	fclose(fp);
	expect(name, out.data, want.data);
	buf_free(&out);
	buf_free(&want);
}

/*
 * The documents (each test's state is its name):
 *   chain.jsonld    MFR commissions units (SGTIN URNs, a Digital Link, CN
 *                   codes), middle packs and a case, packs them, ships to
 *                   DIST, which unpacks the case and sends middle packs on
 *                   to two pharmacies; they open one, sell units whole and
 *                   a split pack in two parts, destroy one; DIST returns a
 *                   middle pack, MFR decommissions a unit.  Every EPCIS 2.0
 *                   form of a CBV term, every place a site comes from.
 *   query.jsonld    an EPCISQueryDocument of lot-level device records
 *                   (quantityList)
 *   skipped.jsonld  one event for each reason an event is skipped
 *   refused.jsonld  a bare array of events, all but the last refused, each
 *                   for its own reason
 */
static char doc_chain[] = "chain.jsonld", doc_query[] = "query.jsonld",
            doc_skipped[] = "skipped.jsonld", doc_refused[] = "refused.jsonld";

static void test_doc(void **state)
{
	check_doc(*state);
}

/* ---- GS1's example documents (YIMA_GS1_REFERENCE) ---- */

struct ref_case {
	const char *file;
	unsigned long events, mapped, records, bad;
	unsigned long skipped[LOAD_SKIP__COUNT];
	const char *first; /* the first record, as in the transcripts, or NULL */
};

static void check_ref(const struct ref_case *c)
{
	char path[256], err[LOAD_MSG_MAX];
	struct load_epcis *r;
	struct load_rec rec;
	const struct load_epcis_stats *st;
	unsigned long records = 0, bad = 0;
	FILE *fp;
	int e;

	snprintf(path, sizeof(path), "%s/%s", gs1_dir, c->file);
	fp = fopen(path, "rb");
	if (fp == NULL) {
		print_error("%s: %s\n", path, strerror(errno));
		fail();
	}
	r = load_epcis_open(fp, path, 1 << 20, NULL, err);
	if (r == NULL) {
		print_error("%s\n", err);
		fail();
	}
	while ((e = load_epcis_next(r, &rec)) != LOAD_END) {
		if (e == LOAD_BAD) {
			bad++;
			continue;
		}
		assert_int_equal(e, LOAD_OK);
		if (records++ == 0 && c->first != NULL) {
			struct buf b = BUF_INIT;

			buf_printf(&b, "%lu %s", rec.where, load_kind_name(rec.kind));
			for (int f = 0; f < LOAD_F__COUNT; f++)
				if (rec.f[f] != NULL)
					buf_printf(&b, " %s=%s",
					           load_field_name((enum load_field)f),
					           rec.f[f]);
			expect(c->file, b.data, c->first);
			buf_free(&b);
		}
	}
	st = load_epcis_stats(r);
	assert_int_equal(st->es_events, c->events);
	assert_int_equal(st->es_done, c->events);
	assert_int_equal(st->es_mapped, c->mapped);
	assert_int_equal(st->es_records, c->records);
	assert_int_equal(records, c->records);
	assert_int_equal(st->es_bad, c->bad);
	assert_int_equal(bad, c->bad);
	for (int k = 0; k < LOAD_SKIP__COUNT; k++)
		if (st->es_skipped[k] != c->skipped[k]) {
			print_error("%s: skipped (%s): %lu, want %lu\n", c->file,
			            load_skip_name((enum load_skip)k),
			            st->es_skipped[k], c->skipped[k]);
			fail();
		}
	load_epcis_close(r);
	fclose(fp);
}

/* Two TransformationEvents: the first declared erroneous, the second its
 * correction. */
static void test_ref_error_declaration(void **state)
{
	static const struct ref_case c = {
		"ErrorDeclarationAndCorrectiveEvent.jsonld", 2, 0, 0, 0,
		{ [LOAD_SKIP_ERROR_DECL] = 1, [LOAD_SKIP_CORRECTIVE] = 1 }, NULL };
	(void)state;
	check_ref(&c);
}

static void test_ref_transaction_events(void **state)
{
	static const struct ref_case c = {
		"Example-TransactionEvents-2020_07_03y.jsonld", 2, 0, 0, 0,
		{ [LOAD_SKIP_TYPE] = 2 }, NULL };
	(void)state;
	check_ref(&c);
}

/* Shipping (2 EPCs) with only a readPoint: a shipment to a destination
 * not known (no to); receiving (1 EPC) at its bizLocation. */
static void test_ref_object_event(void **state)
{
	static const struct ref_case c = {
		"Example_9.6.1-ObjectEvent.jsonld", 2, 2, 3, 0, { 0 },
		"1 ship time=2005-04-03T20:33:31.116000-06:00 "
		"code=urn:epc:id:sgtin:0614141.107346.2017 "
		"from=urn:epc:id:sgln:0614141.07346.1234 "
		"ref=http://transaction.acme.com/po/12345678" };
	(void)state;
	check_ref(&c);
}

static void test_ref_object_event_dl(void **state)
{
	static const struct ref_case c = {
		"Example_9.6.1-ObjectEventWithDigitalLink.jsonld", 2, 2, 3, 0, { 0 },
		NULL };
	(void)state;
	check_ref(&c);
}

/* Receiving a lot quantity (LGTIN, 200 KGM): one record, no qty. */
static void test_ref_object_event_quantity(void **state)
{
	static const struct ref_case c = {
		"Example_9.6.2-ObjectEvent.jsonld", 1, 1, 1, 0, { 0 },
		"1 receive time=2013-06-08T16:58:56.591+02:00 "
		"code=urn:epc:class:lgtin:4012345.012345.998877 "
		"from=urn:epc:id:sgln:4012345.00225.0 "
		"to=urn:epc:id:sgln:0614141.00888.0" };
	(void)state;
	check_ref(&c);
}

/* AggregationEvent OBSERVE receiving: not a packing step. */
static void test_ref_aggregation_event(void **state)
{
	static const struct ref_case c = {
		"Example_9.6.3-AggregationEvent.jsonld", 1, 0, 0, 0,
		{ [LOAD_SKIP_BIZSTEP] = 1 }, NULL };
	(void)state;
	check_ref(&c);
}

static void test_ref_aggregation_event_dl(void **state)
{
	static const struct ref_case c = {
		"Example_9.6.3-AggregationEventWithDigitalLink.jsonld", 1, 0, 0, 0,
		{ [LOAD_SKIP_BIZSTEP] = 1 }, NULL };
	(void)state;
	check_ref(&c);
}

/* Receiving 10 EPCs (from the owning party), then inspecting them. */
static void test_ref_persistent_disposition(void **state)
{
	static const struct ref_case c = {
		"PersistentDisposition-example.jsonld", 2, 1, 10, 0,
		{ [LOAD_SKIP_BIZSTEP] = 1 },
		"1 receive time=2020-06-07T19:10:16+02:00 "
		"code=urn:epc:id:sgtin:9520001.012346.10000001001 "
		"from=urn:epc:id:pgln:9520001.11111 "
		"to=urn:epc:id:sgln:9529999.99999.0 "
		"ref=urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6" };
	(void)state;
	check_ref(&c);
}

static void test_ref_aggregation_all_fields(void **state)
{
	static const struct ref_case c = {
		"aggregation_event_all_possible_fields.jsonld", 1, 0, 0, 0,
		{ [LOAD_SKIP_ERROR_DECL] = 1 }, NULL };
	(void)state;
	check_ref(&c);
}

static void test_ref_object_all_fields(void **state)
{
	static const struct ref_case c = {
		"object_event_all_possible_fields.jsonld", 1, 0, 0, 0,
		{ [LOAD_SKIP_ERROR_DECL] = 1 }, NULL };
	(void)state;
	check_ref(&c);
}

/* The JSON schema in the same directory is not a document: refused
 * cleanly, not read as one with no events. */
static void test_ref_schema(void **state)
{
	char path[256], want[512], err[LOAD_MSG_MAX];
	FILE *fp;

	(void)state;
	snprintf(path, sizeof(path), "%s/EPCIS-JSON-Schema.json", gs1_dir);
	fp = fopen(path, "rb");
	if (fp == NULL) {
		print_error("%s: %s\n", path, strerror(errno));
		fail();
	}
	assert_null(load_epcis_open(fp, path, 1 << 20, NULL, err));
	snprintf(want, sizeof(want), "%s: not an EPCIS document (no epcisBody.eventList, "
	         "not an array of events)", path);
	assert_string_equal(err, want);
	fclose(fp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_oversized),
		cmocka_unit_test(test_streaming),
		{ "test_doc_chain", test_doc, NULL, NULL, doc_chain },
		{ "test_doc_query", test_doc, NULL, NULL, doc_query },
		{ "test_doc_skipped", test_doc, NULL, NULL, doc_skipped },
		{ "test_doc_refused", test_doc, NULL, NULL, doc_refused },
	};
	const struct CMUnitTest gs1_tests[] = {
		cmocka_unit_test(test_ref_error_declaration),
		cmocka_unit_test(test_ref_transaction_events),
		cmocka_unit_test(test_ref_object_event),
		cmocka_unit_test(test_ref_object_event_dl),
		cmocka_unit_test(test_ref_object_event_quantity),
		cmocka_unit_test(test_ref_aggregation_event),
		cmocka_unit_test(test_ref_aggregation_event_dl),
		cmocka_unit_test(test_ref_persistent_disposition),
		cmocka_unit_test(test_ref_aggregation_all_fields),
		cmocka_unit_test(test_ref_object_all_fields),
		cmocka_unit_test(test_ref_schema),
	};
	const char *env = getenv("YIMA_GS1_REFERENCE");
	int failed = cmocka_run_group_tests_name("load_epcis", tests, NULL, NULL);

	if (env == NULL || *env == '\0')
		return failed;
	gs1_dir = env;
	return failed + cmocka_run_group_tests_name("load_epcis_gs1", gs1_tests, NULL,
	                                            NULL);
}
