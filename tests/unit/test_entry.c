/*
 * test_entry — daemon/entry.c: a log entry encodes and decodes back to
 * the same stamp and words, its bytes are the documented layout, and
 * every malformed input is refused with its reason: empty, truncated, an
 * unknown version or command id, argc 0, a length past the end, a
 * varint longer than it need be or past 64 bits, words that do not name
 * the command or do not fit its arity, bytes after the last word.  A bulk
 * entry packs into far fewer bytes and unpacks to the same plain bytes, a
 * small or incompressible one stays plain, and a broken packed entry is
 * refused with its reason.  A version, packing, command or role past this
 * build's is told apart (ENTRY_NEWER) from bytes that are wrong.
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

#include <zstd.h>

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

/* Refused as what a newer yimad wrote, with a reason that says `why`. */
static void newer(const void *p, size_t n, const char *why)
{
	struct entry e;
	char err[300] = "";
	expect(entry_decode(p, n, &e, err, sizeof err) == ENTRY_NEWER, "not newer; want '%s'",
	       why);
	expect(strstr(err, why) != NULL, "error '%s' does not say '%s'", err, why);
}

/* What decodes encodes back to the same bytes (b: what e was decoded from). */
static void assert_reencodes(const struct entry *e, const struct buf *b)
{
	struct resp_arg *argv = calloc(e->argc, sizeof *argv);
	const uint8_t *at = e->words;
	assert_non_null(argv);
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
	free(argv);
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

	/* A version, command or role past this build's: a newer yimad's. */
	memcpy(x, good, n);
	x[0] = 3;
	newer(x, n, "entry version 3, of a newer yimad");
	newer(x, 5, "entry version 3, of a newer yimad");	/* before any other check */
	x[0] = 0x7f;
	newer(x, n, "entry version 127, of a newer yimad");
	x[0] = 0;
	refused(x, n, "unknown version 0");
	x[0] = ENTRY_PACKED;	/* a packed entry is unpacked first, never decoded */
	refused(x, n, "unknown version 128");
	x[0] = 0xff;
	refused(x, n, "unknown version 255");

	memcpy(x, good, n);
	x[1] = CMD__COUNT;
	newer(x, n, "of a newer yimad");
	x[1] = CMD_VERIFY;	/* a read: never logged */
	refused(x, n, "unknown command id");
	x[1] = CMD_UNDO;	/* a write, but the words say DISPENSE */
	refused(x, n, "do not name UNDO");

	memcpy(x, good, n);
	x[16] = ROLE__COUNT;
	newer(x, n, "of a newer yimad");

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

/* EVENTS of n COMMISSION records, each of 20 codes, sent by the local
 * principal: what a bulk load's entry is. */
static void encode_events(struct buf *b, int n)
{
	struct entry_stamp s = { .cmd = CMD_EVENTS, .time_ms = 1804996800123,
				 .request_id = 77, .who = { .role = ROLE_LOCAL } };
	struct resp_arg *argv = calloc((size_t)n + 1, sizeof *argv);
	char **rec = calloc((size_t)n, sizeof *rec);
	assert_non_null(argv);
	assert_non_null(rec);
	argv[0] = word("EVENTS");
	for (int i = 0; i < n; i++) {
		struct buf r = BUF_INIT;
		buf_puts(&r, "COMMISSION");
		for (int k = 0; k < 20; k++)
			buf_printf(&r, " 8301234%013d", i * 20 + k);
		buf_puts(&r, " SITE MFR1 LOT B2701 EXPIRY 2029-01-31 PRODUCT 8301234");
		rec[i] = r.data;
		argv[i + 1] = word(rec[i]);
	}
	entry_encode(b, &s, n + 1, argv);
	for (int i = 0; i < n; i++)
		free(rec[i]);
	free(rec);
	free(argv);
}

/* A copy of plain, packed, is want byte for byte. */
static void assert_packs_to(const struct buf *plain, const struct buf *want)
{
	struct buf copy = BUF_INIT;
	buf_append(&copy, plain->data, plain->len);
	entry_pack(&copy);
	assert_int_equal(copy.len, want->len);
	assert_memory_equal(copy.data, want->data, want->len);
	buf_free(&copy);
}

/* Unpacked and decoded; the plain bytes into *plain. */
static void unpack_ok(const struct buf *packed, struct buf *plain, struct entry *e)
{
	const void *p;
	size_t n;
	char err[300] = "";
	expect(entry_unpack(packed->data, packed->len, plain, &p, &n, err, sizeof err) == 0,
	       "unpack: %s", err);
	assert_ptr_equal(p, plain->data);
	assert_int_equal(n, plain->len);
	decode_ok(p, n, e);
}

static void unpack_refused(const void *p, size_t n, const char *why)
{
	struct buf plain = BUF_INIT;
	const void *out;
	size_t outlen;
	char err[300] = "";
	expect(entry_unpack(p, n, &plain, &out, &outlen, err, sizeof err) == -1,
	       "unpacked; want '%s'", why);
	expect(strstr(err, why) != NULL, "error '%s' does not say '%s'", err, why);
	buf_free(&plain);
}

static void test_packed_round_trip(void **state)
{
	(void)state;
	struct buf plain = BUF_INIT, packed = BUF_INIT, out = BUF_INIT;
	encode_events(&plain, 200);
	assert_true(plain.len > 40000);
	buf_append(&packed, plain.data, plain.len);
	entry_pack(&packed);
	/* The marker, the plain length as a varint, one frame; far smaller. */
	assert_int_equal((uint8_t)packed.data[0], ENTRY_PACKED);
	expect(packed.len * 4 < plain.len, "packed %zu of %zu bytes", packed.len, plain.len);
	assert_int_equal(ZSTD_getFrameContentSize(packed.data + 4, packed.len - 4), plain.len);
	struct entry e;
	unpack_ok(&packed, &out, &e);
	assert_int_equal(out.len, plain.len);
	assert_memory_equal(out.data, plain.data, plain.len);
	assert_int_equal(e.stamp.cmd, CMD_EVENTS);
	assert_int_equal(e.argc, 201);
	assert_int_equal(e.stamp.request_id, 77);
	assert_reencodes(&e, &plain);
	/* The same bytes pack the same way (within one zstd). */
	assert_packs_to(&plain, &packed);
	buf_free(&plain);
	buf_free(&packed);
	buf_free(&out);
}

static void test_small_or_incompressible_stays_plain(void **state)
{
	(void)state;
	struct buf b = BUF_INIT, scratch = BUF_INIT;
	encode_dispense(&b);
	assert_true(b.len < ENTRY_PACK_MIN);
	assert_packs_to(&b, &b);
	/* A plain entry unpacks to itself, in place. */
	const void *p;
	size_t n;
	char err[300] = "";
	assert_int_equal(entry_unpack(b.data, b.len, &scratch, &p, &n, err, sizeof err), 0);
	assert_ptr_equal(p, b.data);
	assert_int_equal(n, b.len);
	assert_int_equal(scratch.len, 0);

	/* 2,000 bytes that do not compress (a fixed xorshift sequence, no NUL). */
	char noise[2001];
	uint32_t x = 2463534242u;
	for (int i = 0; i < 2000; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		noise[i] = (char)(1 + x % 255);
	}
	noise[2000] = '\0';
	struct entry_stamp s = { .cmd = CMD_LOCK, .time_ms = 5, .request_id = 9,
				 .who = { .role = ROLE_LOCAL } };
	struct resp_arg argv[] = { word("LOCK"), word("83012340000000000001"), word("REASON"),
				   word(noise) };
	buf_reset(&b);
	entry_encode(&b, &s, 4, argv);
	assert_true(b.len > ENTRY_PACK_MIN);
	assert_packs_to(&b, &b);
	buf_free(&b);
	buf_free(&scratch);
}

/* The marker and a varint length, then `frame`. */
static void packed_of(struct buf *out, uint64_t len, const void *frame, size_t n)
{
	buf_reset(out);
	buf_putc(out, (char)ENTRY_PACKED);
	do {
		buf_putc(out, (char)((len & 0x7f) | (len > 0x7f ? 0x80 : 0)));
		len >>= 7;
	} while (len);
	buf_append(out, frame, n);
}

static void test_packed_malformed(void **state)
{
	(void)state;
	struct buf plain = BUF_INIT, packed = BUF_INIT, x = BUF_INIT;
	encode_events(&plain, 50);
	buf_append(&packed, plain.data, plain.len);
	entry_pack(&packed);
	assert_int_equal((uint8_t)packed.data[0], ENTRY_PACKED);
	/* plain.len needs three varint bytes: the frame starts at 4. */
	assert_true(plain.len >= (1u << 14) && plain.len < (1u << 21));
	const char *frame = packed.data + 4;
	size_t framelen = packed.len - 4;

	unpack_refused(packed.data, 1, "truncated in packed entry's length");
	/* Another packing than 0x80: a newer yimad's. */
	buf_reset(&x);
	buf_append(&x, packed.data, packed.len);
	x.data[0] = (char)0x81;
	{
		struct buf out = BUF_INIT;
		const void *p;
		size_t n;
		char err[300] = "";
		assert_int_equal(entry_unpack(x.data, x.len, &out, &p, &n, err, sizeof err),
				 ENTRY_NEWER);
		expect(strstr(err, "packing 0x81, of a newer yimad"), "error '%s'", err);
		buf_free(&out);
	}
	unpack_refused(packed.data, packed.len - 1, "frame");
	for (size_t cut = 1; cut < packed.len; cut++) {	/* every truncation */
		struct buf out = BUF_INIT;
		const void *p;
		size_t n;
		char err[300];
		expect(entry_unpack(packed.data, cut, &out, &p, &n, err, sizeof err) == -1,
		       "%zu of %zu bytes unpacked", cut, packed.len);
		buf_free(&out);
	}
	packed_of(&x, plain.len + 1, frame, framelen);
	unpack_refused(x.data, x.len, "its length says");
	packed_of(&x, plain.len - 1, frame, framelen);
	unpack_refused(x.data, x.len, "its length says");
	buf_reset(&x);
	buf_append(&x, packed.data, packed.len);
	buf_putc(&x, 0);
	unpack_refused(x.data, x.len, "1 bytes after the packed entry's frame");
	buf_append(&x, frame, framelen);	/* a second frame */
	unpack_refused(x.data, x.len, "after the packed entry's frame");
	packed_of(&x, (uint64_t)ENTRY_PACK_MAX + 1, frame, framelen);
	unpack_refused(x.data, x.len, "is more than");
	packed_of(&x, 200000, "\0\0\0", 3);
	unpack_refused(x.data, x.len, "more than a frame of 3 bytes holds");
	packed_of(&x, plain.len, "not a frame", 11);
	unpack_refused(x.data, x.len, "packed entry's frame");

	/* A frame that does not state its size. */
	ZSTD_CCtx *cc = ZSTD_createCCtx();
	assert_non_null(cc);
	assert_false(ZSTD_isError(ZSTD_CCtx_setParameter(cc, ZSTD_c_contentSizeFlag, 0)));
	char *z = malloc(ZSTD_compressBound(plain.len));
	assert_non_null(z);
	size_t zn = ZSTD_compress2(cc, z, ZSTD_compressBound(plain.len), plain.data, plain.len);
	assert_false(ZSTD_isError(zn));
	packed_of(&x, plain.len, z, zn);
	unpack_refused(x.data, x.len, "an unstated size");
	ZSTD_freeCCtx(cc);

	/* A packed entry inside a packed entry unpacks, and then is refused
	 * as an entry of unknown version. */
	zn = ZSTD_compress(z, ZSTD_compressBound(plain.len), packed.data, packed.len, 1);
	assert_false(ZSTD_isError(zn));
	packed_of(&x, packed.len, z, zn);
	struct buf out = BUF_INIT;
	const void *p;
	size_t n;
	char err[300] = "";
	assert_int_equal(entry_unpack(x.data, x.len, &out, &p, &n, err, sizeof err), 0);
	refused(p, n, "unknown version 128");
	buf_free(&out);
	free(z);
	buf_free(&plain);
	buf_free(&packed);
	buf_free(&x);
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
		cmocka_unit_test(test_packed_round_trip),
		cmocka_unit_test(test_small_or_incompressible_stays_plain),
		cmocka_unit_test(test_packed_malformed),
		cmocka_unit_test(test_request_ids_differ),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
