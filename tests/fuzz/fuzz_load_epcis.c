/*
 * fuzz_load_epcis — libFuzzer target for the EPCIS 2.0 JSON reader.
 *
 * The input is a whole document, read through fmemopen (streamed, as any
 * document is) with a limit of 64 KiB for one event.  Invariants:
 *   - open fails with a message naming the file, or every call returns
 *     LOAD_OK, LOAD_BAD or LOAD_END until LOAD_END, or until LOAD_FATAL
 *     (the document broken after its start: named, and said again);
 *   - a record's fields are NUL-terminated, len[] long and NUL-free; its
 *     code parses (code_parse), except an UNPACK's absent code; it has
 *     what its kind requires;
 *   - records share their event's index, which never goes backwards;
 *   - the counters add up: every event mapped, bad or skipped once.
 * Any violation aborts.
 */
#include "load.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define check(cond) do { if (!(cond)) { \
	fprintf(stderr, "fuzz_load_epcis: %s:%d: %s\n", __FILE__, __LINE__, #cond); \
	abort(); } } while (0)

static void warn(void *arg, const char *msg)
{
	(void)arg;
	check(strncmp(msg, "f.json", 6) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct load_opts o = { .lo_warn = warn };
	char err[LOAD_MSG_MAX];
	FILE *fp;
	struct load_epcis *r;
	struct load_rec rec;
	const struct load_epcis_stats *st;
	unsigned long last = 0, records = 0, bad = 0, skipped = 0;
	int e;

	if (size == 0)
		return 0;
	fp = fmemopen((void *)(uintptr_t)data, size, "rb");
	check(fp != NULL);
	r = load_epcis_open(fp, "f.json", 65536, &o, err);
	if (r == NULL) {
		check(strncmp(err, "f.json", 6) == 0);
		fclose(fp);
		return 0;
	}
	while ((e = load_epcis_next(r, &rec)) != LOAD_END) {
		if (e == LOAD_FATAL) {
			check(strncmp(load_epcis_error(r), "f.json", 6) == 0);
			check(load_epcis_next(r, &rec) == LOAD_FATAL);
			break;
		}
		if (e == LOAD_BAD) {
			check(strncmp(load_epcis_error(r), "f.json: event ", 14) == 0);
			bad++;
			continue;
		}
		check(e == LOAD_OK);
		check(rec.where >= last && rec.where >= 1);
		last = rec.where;
		records++;
		for (int f = 0; f < LOAD_F__COUNT; f++) {
			if (rec.f[f] == NULL)
				continue;
			check(rec.len[f] > 0 && strlen(rec.f[f]) == rec.len[f]);
		}
		if (rec.f[LOAD_F_CODE] != NULL) {
			struct code_result cr;

			check(code_parse(rec.f[LOAD_F_CODE], rec.len[LOAD_F_CODE], NULL,
			                 &cr) == CODE_OK);
		} else {
			check(rec.kind == LOAD_UNPACK && rec.f[LOAD_F_PARENT] != NULL);
		}
		if (rec.kind == LOAD_SHIP)
			check(rec.f[LOAD_F_FROM] != NULL);
		else if (rec.kind == LOAD_RETURN)
			check(rec.f[LOAD_F_FROM] != NULL && rec.f[LOAD_F_TO] != NULL);
		else if (rec.kind == LOAD_RECEIVE)
			check(rec.f[LOAD_F_TO] != NULL);
		else
			check(rec.f[LOAD_F_FROM] != NULL);
		check(rec.f[LOAD_F_TIME] != NULL);
	}
	st = load_epcis_stats(r);
	for (int k = 0; k < LOAD_SKIP__COUNT; k++)
		skipped += st->es_skipped[k];
	check(st->es_records == records && st->es_bad == bad);
	check(st->es_done == st->es_events);
	check(st->es_mapped + st->es_bad + skipped == st->es_events);
	load_epcis_close(r);
	fclose(fp);
	return 0;
}
