/*
 * fuzz_epcis_capture — libFuzzer target for proto/epcis_capture.c: any
 * bytes as the document of a POST /epcis/capture, turned into the EVENTS
 * request that captures it (limit 64 KiB).  Invariants:
 *   - refused whole (-1) with a message starting "document", or read (0);
 *   - read: EVENTS, BATCH and 64 hex digits, then one command line for
 *     each command, each splitting (resp_split_inline, as EVENTS splits
 *     its records) into a distribution command's words, its event's index
 *     within the document and never going back;
 *   - each event refused is named ("document: event N: ...") within the
 *     document, in order; refused and mapped events never exceed the
 *     document's.
 * Any violation aborts.
 */
#include "epcis_capture.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define check(cond) do { if (!(cond)) { \
	fprintf(stderr, "fuzz_epcis_capture: %s:%d: %s\n", __FILE__, __LINE__, #cond); \
	abort(); } } while (0)

static bool word_is(const struct resp_arg *a, const char *w)
{
	return a->len == strlen(w) && memcmp(a->ptr, w, a->len) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const commands[] = { "COMMISSION", "PACK", "UNPACK", "SHIP", "RECEIVE",
						"RETURN", "DESTROY", "DISPENSE" };
	const struct code_opts opts = { .co_ref_year = 2026 };
	struct epcis_capture c;
	if (epcis_capture_read((const char *)data, size, 65536, &opts, &c) != 0) {
		check(strncmp(c.err, "document", 8) == 0);
		epcis_capture_free(&c);
		return 0;
	}
	check(c.argc == 3 + (int)c.ncommands);
	check(word_is(&c.argv[0], "EVENTS") && word_is(&c.argv[1], "BATCH"));
	check(c.argv[2].len == 64 && strspn(c.argv[2].ptr, "0123456789abcdef") == 64);
	unsigned long last = 0;
	for (size_t i = 0; i < c.ncommands; i++) {
		const struct resp_arg *a = &c.argv[3 + i];
		check(a->ptr[a->len] == '\0' && strlen(a->ptr) == a->len);
		char *line = malloc(a->len + 1);
		memcpy(line, a->ptr, a->len + 1);
		struct resp_arg words[64];
		const char *err = NULL;
		int n = resp_split_inline(line, a->len, words, 64, &err);
		check(n >= 2 || (n == -1 && err != NULL));	/* -1: more than 64 words */
		bool known = false;
		for (size_t k = 0; n >= 1 && k < sizeof commands / sizeof commands[0]; k++)
			known |= word_is(&words[0], commands[k]);
		check(n == -1 || known);
		free(line);
		check(c.event_of[i] >= last && c.event_of[i] >= 1 &&
		      c.event_of[i] <= c.stats.es_events);
		last = c.event_of[i];
	}
	last = 0;
	for (size_t i = 0; i < c.nbad && i < EPCIS_CAPTURE_BAD_KEPT; i++) {
		char want[48];
		snprintf(want, sizeof want, "document: event %lu: ", c.bad[i].event);
		check(c.bad[i].event > last && c.bad[i].event <= c.stats.es_events);
		check(strncmp(c.bad[i].msg, want, strlen(want)) == 0);
		last = c.bad[i].event;
	}
	check(c.nbad == c.stats.es_bad && c.stats.es_mapped + c.nbad <= c.stats.es_events);
	epcis_capture_free(&c);
	return 0;
}
