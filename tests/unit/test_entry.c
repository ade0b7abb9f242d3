/*
 * test_entry — daemon/entry.c: a log entry encodes and decodes back to
 * the same stamp and words, its bytes are the documented layout, and
 * every malformed input is refused with its reason: empty, truncated, an
 * unknown version, command id or role, argc 0, a length past the end, a
 * varint longer than it need be or past 64 bits, words that do not name
 * the command or do not fit its arity, bytes after the last word.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acl_file.h"
#include "entry.h"

#define expect(cond, ...) do { if (!(cond)) fail_msg(__VA_ARGS__); } while (0)

static struct resp_arg word(const char *s)
{
	return (struct resp_arg){ (char *)(uintptr_t)s, strlen(s) };
}

/* DISPENSE by a pharmacy's till, in the layout STORE.md gives. */
static const struct entry_stamp till = {
	.cmd = CMD_DISPENSE,
	.time_ms = 1804996800123,
	.request_id = 0x1122334400000007,
	.who = { .role = ROLE_PHARMACY, .site = 300, .site_id = "PH1", .site_id_len = 3,
		 .name = "till-1", .name_len = 6 },
};

static void encode_dispense(struct buf *b)
{
	struct resp_arg argv[] = { word("DISPENSE"), word("83012340000000000001"), word("SITE"),
				   word("PH1"), word("TX"), word("T1") };
	entry_encode(b, &till, 6, argv);
}

static void decode_ok(const void *p, size_t n, struct entry *e)
{
	char err[300] = "";
	expect(entry_decode(p, n, e, err, sizeof err) == 0, "decode: %s", err);
}

/* Refused, with a reason that says `why`. */
static void refused(const void *p, size_t n, const char *why)
{
	struct entry e;
	char err[300] = "";
	expect(entry_decode(p, n, &e, err, sizeof err) == -1, "accepted; want '%s'", why);
	expect(strstr(err, why) != NULL, "error '%s' does not say '%s'", err, why);
}

/* What decodes encodes back to the same bytes (b: what e was decoded from). */
static void assert_reencodes(const struct entry *e, const struct buf *b)
{
	struct resp_arg argv[16];
	const uint8_t *at = e->words;
	assert_true(e->argc <= 16);
	for (uint32_t i = 0; i < e->argc; i++) {
		const char *p;
		entry_word(&at, &p, &argv[i].len);
		argv[i].ptr = (char *)(uintptr_t)p;
	}
	struct buf again = BUF_INIT;
	entry_encode(&again, &e->stamp, (int)e->argc, argv);
	assert_int_equal(again.len, b->len);
	assert_memory_equal(again.data, b->data, b->len);
	buf_free(&again);
}

static void test_round_trip(void **state)
{
	(void)state;
	struct buf b = BUF_INIT;
	encode_dispense(&b);
	struct entry e;
	decode_ok(b.data, b.len, &e);
	assert_int_equal(e.version, ENTRY_VERSION);
	assert_int_equal(e.stamp.cmd, CMD_DISPENSE);
	assert_true(e.stamp.time_ms == till.time_ms);
	assert_true(e.stamp.request_id == till.request_id);
	assert_int_equal(e.stamp.who.role, ROLE_PHARMACY);
	assert_int_equal(e.stamp.who.site, 300);
	assert_int_equal(e.stamp.who.site_id_len, 3);
	assert_memory_equal(e.stamp.who.site_id, "PH1", 3);
	assert_int_equal(e.stamp.who.name_len, 6);
	assert_memory_equal(e.stamp.who.name, "till-1", 6);
	assert_int_equal(e.argc, 6);
	const char *want[] = { "DISPENSE", "83012340000000000001", "SITE", "PH1", "TX", "T1" };
	const uint8_t *at = e.words;
	for (int i = 0; i < 6; i++) {
		const char *p;
		size_t len;
		entry_word(&at, &p, &len);
		assert_int_equal(len, strlen(want[i]));
		assert_memory_equal(p, want[i], len);
	}
	assert_ptr_equal(at, e.end);
	assert_reencodes(&e, &b);
	buf_free(&b);
}

static void test_layout(void **state)
{
	(void)state;
	struct buf b = BUF_INIT;
	encode_dispense(&b);
	const uint8_t *p = (const uint8_t *)b.data;
	static const uint8_t head[] = {
		2,					/* version */
		CMD_DISPENSE,				/* command id */
		0x01, 0xa4, 0x42, 0x31, 0x6e, 0x7b,	/* time, u48 BE */
		0x11, 0x22, 0x33, 0x44, 0, 0, 0, 7,	/* request id, u64 BE */
		ROLE_PHARMACY,				/* role */
		0xac, 0x02,				/* site 300, varint */
		3, 'P', 'H', '1',			/* site id */
		6, 't', 'i', 'l', 'l', '-', '1',	/* name */
		6,					/* argc */
		8, 'D', 'I', 'S', 'P', 'E', 'N', 'S', 'E',
	};
	assert_true(b.len > sizeof head);
	assert_memory_equal(p, head, sizeof head);
	/* header 17, principal 13, argc 1, words 45 (lengths and bytes) */
	assert_int_equal(b.len, 17 + 13 + 1 + 45);
	buf_free(&b);
}

/* An entry of version 1, as yimad wrote them before version 2 (issue 20),
 * still decodes, and encodes back as version 1: a replayed log keeps its
 * bytes, and its commands are applied as version 1 (no site-kind rule, no
 * actor on their events). */
static void test_version_1_still_read(void **state)
{
	(void)state;
	struct buf b = BUF_INIT;
	encode_dispense(&b);
	((uint8_t *)b.data)[0] = 1;
	struct entry e;
	char err[200];
	assert_int_equal(entry_decode(b.data, b.len, &e, err, sizeof err), 0);
	assert_int_equal(e.version, 1);
	assert_int_equal(e.stamp.version, 1);
	assert_reencodes(&e, &b);
	buf_free(&b);
}

static void test_local_principal_and_long_word(void **state)
{
	(void)state;
	/* The trusted local principal is its role byte alone; a word of
	 * 300 bytes has a two-byte length. */
	char big[301];
	memset(big, 'x', 300);
	big[300] = '\0';
	struct entry_stamp s = { .cmd = CMD_LOCK, .time_ms = 5, .request_id = 9,
				 .who = { .role = ROLE_LOCAL } };
	struct resp_arg argv[] = { word("lock"), word("83012340000000000001"), word("REASON"),
				   word(big) };
	struct buf b = BUF_INIT;
	entry_encode(&b, &s, 4, argv);
	assert_int_equal(b.len, 17 + 1 + 5 + 21 + 7 + 2 + 300);
	assert_int_equal((uint8_t)b.data[16], ROLE_LOCAL);
	struct entry e;
	decode_ok(b.data, b.len, &e);
	assert_int_equal(e.stamp.who.role, ROLE_LOCAL);
	assert_int_equal(e.stamp.who.name_len, 0);
	assert_int_equal(e.argc, 4);
	buf_free(&b);
}

static void test_malformed(void **state)
{
	(void)state;
	struct buf b = BUF_INIT;
	encode_dispense(&b);
	uint8_t *good = (uint8_t *)b.data, x[512];
	size_t n = b.len;
	assert_true(n < sizeof x);

	refused(good, 0, "empty");
	for (size_t cut = 1; cut < n; cut++) {	/* every truncation */
		struct entry e;
		char err[300];
		expect(entry_decode(good, cut, &e, err, sizeof err) == -1, "%zu of %zu bytes "
		       "accepted", cut, n);
	}
	refused(good, 10, "truncated");
	refused(good, n - 1, "runs past the end");

	memcpy(x, good, n);
	x[0] = 3;
	refused(x, n, "unknown version 3");
	x[0] = 0;
	refused(x, n, "unknown version 0");

	memcpy(x, good, n);
	x[1] = CMD__COUNT;
	refused(x, n, "unknown command id");
	x[1] = CMD_VERIFY;	/* a read: never logged */
	refused(x, n, "unknown command id");
	x[1] = CMD_UNDO;	/* a write, but the words say DISPENSE */
	refused(x, n, "do not name UNDO");

	memcpy(x, good, n);
	x[16] = ROLE__COUNT;
	refused(x, n, "unknown role");

	/* argc 0: the principal is 13 bytes after the 17 of the header. */
	memcpy(x, good, 30);
	x[30] = 0;
	refused(x, 31, "argc 0");
	/* argc larger than the bytes left */
	memcpy(x, good, n);
	x[30] = 0x7f;
	refused(x, n, "only");
	/* a word's length past the end */
	memcpy(x, good, n);
	x[31] = 0x7f;
	refused(x, n, "runs past the end");
	/* a site id longer than a name may be */
	memcpy(x, good, n);
	x[19] = 65;
	refused(x, n, "site id");

	/* overlong varint: site 300 as ac 82 00 instead of ac 02 */
	memcpy(x, good, 17);
	x[17] = 0xac;
	x[18] = 0x82;
	x[19] = 0x00;
	memcpy(x + 20, good + 19, n - 19);
	refused(x, n + 1, "longer than it need be");
	/* a varint past 64 bits (and one past 32 for a site number) */
	memcpy(x, good, 17);
	memset(x + 17, 0xff, 9);
	x[26] = 0x02;
	refused(x, 27, "does not fit 64 bits");
	memcpy(x, good, 17);
	memcpy(x + 17, "\xff\xff\xff\xff\x1f", 5);
	refused(x, 22, "site number");

	/* a NUL in the name */
	memcpy(x, good, n);
	x[24] = 0;
	refused(x, n, "NUL");

	/* trailing bytes */
	memcpy(x, good, n);
	x[n] = 0;
	refused(x, n + 1, "bytes after the last word");

	buf_free(&b);

	/* wrong arity: DISPENSE with one word */
	struct resp_arg one[] = { word("DISPENSE") };
	struct buf s = BUF_INIT;
	entry_encode(&s, &till, 1, one);
	refused(s.data, s.len, "do not fit DISPENSE");
	buf_free(&s);
}

static void test_request_ids_differ(void **state)
{
	(void)state;
	uint64_t a = entry_new_request_id(), b = entry_new_request_id();
	assert_true(a != 0 && b != 0 && a != b);
	assert_true(a >> 32 == b >> 32);	/* one prefix per process */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_version_1_still_read),
		cmocka_unit_test(test_local_principal_and_long_word),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_request_ids_differ),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
