/*
 * test_epcis_capture — proto/epcis_capture.c: an EPCIS document as the one
 * EVENTS request that captures it, read from the project's own documents
 * (tests/data/epcis/, run from the repository root): one command an event,
 * naming all its codes, each knowing its event; the document's SHA-256 as
 * the batch id; the events the reader refuses, each with its place; the
 * events it skips, counted; a document refused whole, saying why.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "epcis_capture.h"

#define DATA_DIR "tests/data/epcis/"

static char *slurp(const char *name, size_t *len)
{
	FILE *f = fopen(name, "rb");
	if (f == NULL)
		fail_msg("%s: cannot open (run from the repository root)", name);
	static char buf[1 << 20];
	*len = fread(buf, 1, sizeof buf, f);
	fclose(f);
	char *doc = malloc(*len + 1);
	memcpy(doc, buf, *len);
	doc[*len] = '\0';
	return doc;
}

static const struct code_opts opts = { .co_ref_year = 2026 };

/* A document of the project's, read: it must be taken. */
static void read_file(const char *name, struct epcis_capture *c)
{
	size_t len;
	char *doc = slurp(name, &len);
	assert_int_equal(epcis_capture_read(doc, len, len, &opts, c), 0);
	free(doc);	/* c holds copies of what it needs */
}

static void arg_is(const struct resp_arg *a, const char *want)
{
	if (a->len != strlen(want) || memcmp(a->ptr, want, a->len) != 0)
		fail_msg("word \"%.*s\", want \"%s\"", (int)a->len, a->ptr, want);
}

static void test_a_supply_chain_is_one_command_an_event(void **state)
{
	(void)state;
	size_t len;
	char *doc = slurp(DATA_DIR "chain.jsonld", &len);
	struct epcis_capture c;
	assert_int_equal(epcis_capture_read(doc, len, len, &opts, &c), 0);
	assert_int_equal(c.nbad, 0);
	assert_int_equal(c.stats.es_events, 26);
	assert_int_equal(c.ncommands, 26);	/* 41 records, 26 events */
	assert_int_equal(c.argc, 3 + 26);
	for (size_t i = 0; i < c.ncommands; i++)
		assert_int_equal(c.event_of[i], i + 1);
	arg_is(&c.argv[0], "EVENTS");
	arg_is(&c.argv[1], "BATCH");
	/* The batch id: the document's SHA-256. */
	uint8_t h[32];
	unsigned int n = sizeof h;
	char hex[65];
	EVP_Digest(doc, len, h, &n, EVP_sha256(), NULL);
	for (int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", h[i]);
	arg_is(&c.argv[2], hex);
	assert_string_equal(c.batch, hex);
	arg_is(&c.argv[3], "COMMISSION urn:epc:id:sgtin:6901234.056789.S1 "
	       "urn:epc:id:sgtin:6901234.056789.S2 urn:epc:id:sgtin:6901234.056789.S3 "
	       "urn:epc:id:sgtin:6901234.056789.S4 urn:epc:id:sgtin:6901234.056789.S5 "
	       "urn:epc:id:sgtin:6901234.056789.S6 SITE urn:epc:id:sgln:6901234.00001.0 LOT A1 "
	       "EXPIRY 2028-02-29 TIME 2026-03-01T09:00:00.000+08:00");
	arg_is(&c.argv[3 + 6], "PACK urn:epc:id:sgtin:6901234.156789.M1 "
	       "urn:epc:id:sgtin:6901234.056789.S1 urn:epc:id:sgtin:6901234.056789.S2 "
	       "urn:epc:id:sgtin:6901234.056789.S3 SITE urn:epc:id:sgln:6901234.00001.0 "
	       "TIME 2026-03-01T11:00:00+08:00");
	arg_is(&c.argv[3 + 10], "SHIP urn:epc:id:sscc:6901234.0000000001 83098760000000014321 "
	       "FROM urn:epc:id:sgln:6901234.00001.0 TO urn:epc:id:sgln:6901234.00002.0 "
	       "REF urn:epcglobal:cbv:bt:6901234000016:DN-100 TIME 2026-03-02T14:00:00+08:00");
	arg_is(&c.argv[3 + 12], "UNPACK urn:epc:id:sscc:6901234.0000000001 SITE "
	       "urn:epc:id:sgln:6901234.00002.0 TIME 2026-03-03T10:00:00+08:00");
	arg_is(&c.argv[3 + 21], "DISPENSE 83012340000000011234 SITE "
	       "urn:epc:id:sgln:6901234.00004.0 TX TX-2001 QTY 3 TIME 2026-03-07T10:00:00+08:00");
	epcis_capture_free(&c);

	/* Another byte, another document. */
	char *created = strstr(doc, "\"creationDate\": \"2026-03-10T08:00:00");
	assert_non_null(created);
	created[strlen("\"creationDate\": \"2026-03-10T08:00:0")] = '1';
	assert_int_equal(epcis_capture_read(doc, len, len, &opts, &c), 0);
	assert_string_not_equal(c.batch, hex);
	epcis_capture_free(&c);
	free(doc);
}

static void test_events_refused_and_skipped(void **state)
{
	(void)state;
	struct epcis_capture c;
	read_file(DATA_DIR "refused.jsonld", &c);
	assert_int_equal(c.nbad, 14);
	assert_int_equal(c.bad[0].event, 1);
	assert_string_equal(c.bad[0].msg, "document: event 1: epcList[1]: EPC sgtin URN: "
			    "expected '.' and a serial, lot or extension after the reference");
	assert_int_equal(c.bad[13].event, 14);
	assert_string_equal(c.bad[13].msg, "document: event 14: not a JSON object");
	assert_int_equal(c.ncommands, 1);	/* the good event, 15 */
	assert_int_equal(c.event_of[0], 15);
	epcis_capture_free(&c);

	read_file(DATA_DIR "skipped.jsonld", &c);
	assert_int_equal(c.nbad, 0);
	assert_int_equal(c.ncommands, 0);
	assert_int_equal(c.argc, 3);
	assert_int_equal(c.stats.es_skipped[LOAD_SKIP_TYPE], 3);
	assert_int_equal(c.stats.es_skipped[LOAD_SKIP_ACTION], 3);
	epcis_capture_free(&c);
}

static void test_documents_refused_whole(void **state)
{
	(void)state;
	static const struct {
		const char *doc, *says;
		size_t max;
	} cases[] = {
		{ "", "document: empty", 100 },
		{ "{\"type\": \"EPCISDocument\",", "document:1:25: invalid JSON (byte 25)", 100 },
		{ "{\"type\": \"EPCISDocument\", \"epcisBody\": {}}", "document: not an EPCIS "
		  "document (no epcisBody.eventList, not an array of events)", 100 },
		{ "{\"epcisBody\": {\"eventList\": {}}}", "document: eventList is not an array",
		  100 },
		{ "[1, 2, 3, 4, 5, 6, 7, 8]", "document: document larger than the limit of 10 "
		  "bytes; refused", 10 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct epcis_capture c;
		assert_int_equal(epcis_capture_read(cases[i].doc, strlen(cases[i].doc), cases[i].max,
						    &opts, &c), -1);
		if (strstr(c.err, cases[i].says) == NULL)
			fail_msg("\"%s\": refused with \"%s\", not \"%s\"", cases[i].doc, c.err,
				 cases[i].says);
		epcis_capture_free(&c);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a_supply_chain_is_one_command_an_event),
		cmocka_unit_test(test_events_refused_and_skipped),
		cmocka_unit_test(test_documents_refused_whole),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
