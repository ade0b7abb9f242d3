/*
 * fuzz_load_csv — libFuzzer target for the native CSV reader.
 *
 * The input is a whole file, read through fmemopen with a small record
 * limit (so the overlong path is reached) and with the default one.
 * Invariants:
 *   - every call returns LOAD_OK, LOAD_BAD or LOAD_END, and the reader
 *     ends (the number of results is bounded by the input's size);
 *   - a record's fields are NUL-terminated, len[] long, NUL-free, inside
 *     the kind's allowed set, with the required ones present;
 *   - line numbers never go backwards; offsets never pass the input size;
 *   - every message starts with the file name.
 * Any violation aborts.
 */
#include "load.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define check(cond) do { if (!(cond)) { \
	fprintf(stderr, "fuzz_load_csv: %s:%d: %s\n", __FILE__, __LINE__, #cond); \
	abort(); } } while (0)

static void warn(void *arg, const char *msg)
{
	(void)arg;
	check(strncmp(msg, "f.csv:", 6) == 0);
}

static void read_all(const uint8_t *data, size_t size, size_t record_max)
{
	struct load_opts o = { .lo_warn = warn, .lo_csv_record_max = record_max };
	char err[LOAD_MSG_MAX];
	FILE *fp;
	struct load_csv *r;
	struct load_rec rec;
	unsigned long last = 0, results = 0;
	int e;

	if (size == 0)
		return;
	fp = fmemopen((void *)(uintptr_t)data, size, "rb");
	check(fp != NULL);
	r = load_csv_open(fp, "f.csv", &o, err);
	if (r == NULL) {
		check(strncmp(err, "f.csv", 5) == 0);
		fclose(fp);
		return;
	}
	while ((e = load_csv_next(r, &rec)) != LOAD_END) {
		check(++results <= size + 1);
		check(load_csv_offset(r) <= size);
		if (e == LOAD_BAD) {
			check(strncmp(load_csv_error(r), "f.csv:", 6) == 0);
			continue;
		}
		check(e == LOAD_OK);
		check(rec.where >= last);
		last = rec.where;
		for (int f = 0; f < LOAD_F__COUNT; f++) {
			if (rec.f[f] == NULL)
				continue;
			check(rec.len[f] > 0 && strlen(rec.f[f]) == rec.len[f]);
		}
		if (rec.kind == LOAD_TRANSFORM)
			check(rec.f[LOAD_F_INPUTS] != NULL && rec.f[LOAD_F_OUTPUTS] != NULL);
		else if (rec.kind >= LOAD_COMMISSION)
			check(rec.f[LOAD_F_CODE] != NULL);
	}
	check(load_csv_next(r, &rec) == LOAD_END);
	load_csv_close(r);
	fclose(fp);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	read_all(data, size, 48);
	read_all(data, size, 0);
	return 0;
}
