/*
 * fuzz_entry — libFuzzer target for the log entry decoder (daemon/entry.c).
 *
 * The input is stored bytes: a plain entry, or a packed one that
 * entry_unpack opens first (it returns 0, -1 or ENTRY_NEWER, the last only
 * for a first byte above ENTRY_PACKED, says why when not 0, and hands a
 * plain input back as it is).
 *
 * Invariants: entry_decode returns 0, -1 or ENTRY_NEWER, and says why
 * when not 0; on 0 the
 * entry has a version this build reads (old ones are replayed as they
 * were written), a write command, a known role and at least
 * one word, its words end exactly at the end of the plain bytes, and
 * encoding it again gives the plain bytes byte for byte (one entry, one
 * encoding).  Any violation aborts.
 */
#include "acl_file.h"
#include "entry.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define check(cond) do { if (!(cond)) { \
	fprintf(stderr, "fuzz_entry: %s:%d: %s\n", __FILE__, __LINE__, #cond); \
	abort(); } } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct entry e;
	char err[300] = "";
	struct buf plain = BUF_INIT;
	const void *p;
	size_t n;
	int rc = entry_unpack(data, size, &plain, &p, &n, err, sizeof err);
	check(rc == 0 || rc == -1 || rc == ENTRY_NEWER);
	check(rc != ENTRY_NEWER || data[0] > ENTRY_PACKED);
	if (rc != 0) {
		check(err[0] != '\0');
		buf_free(&plain);
		return 0;
	}
	check(size > 0 && data[0] == ENTRY_PACKED ? p == plain.data && n == plain.len
						  : p == data && n == size);
	data = p;
	size = n;
	rc = entry_decode(data, size, &e, err, sizeof err);
	check(rc == 0 || rc == -1 || rc == ENTRY_NEWER);
	if (rc != 0) {
		check(err[0] != '\0');
		buf_free(&plain);
		return 0;
	}
	check(e.version >= ENTRY_VERSION_MIN && e.version <= ENTRY_VERSION);
	check(command_by_id(e.stamp.cmd) && (command_by_id(e.stamp.cmd)->flags & CMD_F_WRITE));
	check(e.stamp.who.role < ROLE__COUNT);
	check(e.argc >= 1 && e.argc <= size);
	struct resp_arg *argv = malloc(e.argc * sizeof *argv);
	check(argv != NULL);
	const uint8_t *at = e.words;
	for (uint32_t i = 0; i < e.argc; i++) {
		const char *p;
		check(at < e.end);
		entry_word(&at, &p, &argv[i].len);
		check((const uint8_t *)p + argv[i].len <= e.end);
		argv[i].ptr = (char *)(uintptr_t)p;
	}
	check(at == e.end && e.end == data + size);
	struct buf b = BUF_INIT;
	entry_encode(&b, &e.stamp, (int)e.argc, argv);
	check(b.len == size && memcmp(b.data, data, size) == 0);
	buf_free(&b);
	buf_free(&plain);
	free(argv);
	return 0;
}
