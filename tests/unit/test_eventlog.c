/*
 * test_eventlog — daemon/eventlog.c: events appended in order with
 * increasing seqs, each chained into the audit hash as stored; records
 * read back as written, byte for byte as STORE.md gives them; the events
 * about a unit, with the newest kept in its record; and damaged records
 * reported as corrupt.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <openssl/evp.h>
#include <string.h>

#include "audit.h"
#include "eventlog.h"
#include "record_fixture.h"
#include "store.h"
#include "units.h"

#define expect(cond, ...) do { if (!(cond)) fail_msg(__VA_ARGS__); } while (0)

static struct event ship(uint32_t from, uint32_t to, const char *ref)
{
	struct event e = { .kind = EV_SHIP, .time_ms = 1800000000123, .site = from,
			   .other = to, .unit = 4, .count = 1, .ref_len = strlen(ref) };
	memcpy(e.ref, ref, e.ref_len);
	return e;
}

static void same_event(const struct event *a, const struct event *b)
{
	assert_int_equal(a->seq, b->seq);
	assert_int_equal(a->kind, b->kind);
	assert_int_equal(a->flags, b->flags);
	assert_int_equal(a->time_ms, b->time_ms);
	assert_int_equal(a->site, b->site);
	assert_int_equal(a->other, b->other);
	assert_int_equal(a->unit, b->unit);
	assert_int_equal(a->count, b->count);
	assert_int_equal(a->parent, b->parent);
	assert_int_equal(a->qty, b->qty);
	assert_int_equal(a->ref_len, b->ref_len);
	assert_memory_equal(a->ref, b->ref, a->ref_len);
	assert_int_equal(b->ref[b->ref_len], '\0');
}

/* hash(seq) = SHA-256(hash(seq - 1) ‖ seq as u48 BE ‖ record), computed
 * here apart from audit.c. */
static void link_hash(const uint8_t prev[32], uint64_t seq, const void *rec, size_t n,
		      uint8_t out[32])
{
	uint8_t k[6];
	for (int i = 0; i < 6; i++)
		k[i] = (uint8_t)(seq >> (8 * (5 - i)));
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned len = 0;
	assert_non_null(md);
	assert_int_equal(EVP_DigestInit_ex(md, EVP_sha256(), NULL), 1);
	assert_int_equal(EVP_DigestUpdate(md, prev, 32), 1);
	assert_int_equal(EVP_DigestUpdate(md, k, sizeof k), 1);
	assert_int_equal(EVP_DigestUpdate(md, rec, n), 1);
	assert_int_equal(EVP_DigestFinal_ex(md, out, &len), 1);
	assert_int_equal(len, 32);
	EVP_MD_CTX_free(md);
}

static void test_add_assigns_seqs_and_chains(void **state)
{
	struct tmp_store *f = *state;
	struct event e[4] = { ship(1, 2, "DN-1"), ship(2, 3, ""), ship(3, 1, "DN-3"),
			      ship(1, 2, "DN-4") };
	struct store_txn *t = tmp_store_write(f);
	assert_int_equal(events_add(t, &e[0], 0), 0);
	assert_int_equal(events_add(t, &e[1], 0), 0);
	assert_int_equal(store_write_commit(t), 0);
	t = tmp_store_write(f);
	assert_int_equal(events_add(t, &e[2], 0), 0);
	assert_int_equal(events_add(t, &e[3], 0), 0);
	assert_int_equal(store_write_commit(t), 0);
	for (int i = 0; i < 4; i++)
		assert_int_equal(e[i].seq, (uint64_t)i + 1);

	t = tmp_store_read(f);
	uint8_t prev[32] = { 0 }, want[32];
	for (uint64_t seq = 1; seq <= 4; seq++) {
		struct event got;
		assert_int_equal(events_get(t, seq, &got), 0);
		same_event(&e[seq - 1], &got);
		const uint8_t k[6] = { 0, 0, 0, 0, 0, (uint8_t)seq };
		const void *v;
		size_t n;
		/* Stored as the link, then the record it covers. */
		assert_int_equal(store_get(t, DB_EVENTS, k, sizeof k, &v, &n), 0);
		assert_true(n > 32);
		const uint8_t *link = v;
		link_hash(prev, seq, link + 32, n - 32, want);
		expect(memcmp(link, want, 32) == 0, "event %llu: the stored link is not the chain's",
		       (unsigned long long)seq);
		memcpy(prev, want, 32);
	}
	assert_int_equal(events_get(t, 5, &(struct event){ 0 }), STORE_NOTFOUND);
	struct audit_result r;
	assert_int_equal(audit_verify(t, 1, 0, &r), 0);
	assert_int_equal(r.checked, 4);
	assert_int_equal(r.broken, 0);
	assert_memory_equal(r.head, prev, 32);
	store_read_end(f->r);
}

/* A transaction chains each link from the one before it in the same
 * transaction without reading the store: what an aborted transaction
 * chained must not be taken for the next transaction's predecessor. */
static void test_chain_across_an_abort(void **state)
{
	struct tmp_store *f = *state;
	struct event e[3] = { ship(1, 2, "DN-1"), ship(2, 3, "DN-2"), ship(3, 1, "DN-3") };
	struct event gone[2] = { ship(9, 9, "GONE-1"), ship(9, 9, "GONE-2") };
	struct store_txn *t = tmp_store_write(f);
	assert_int_equal(events_add(t, &e[0], 0), 0);
	assert_int_equal(store_write_commit(t), 0);
	t = tmp_store_write(f);
	assert_int_equal(events_add(t, &gone[0], 0), 0);
	assert_int_equal(events_add(t, &gone[1], 0), 0);
	store_write_abort(t);
	t = tmp_store_write(f);
	assert_int_equal(events_add(t, &e[1], 0), 0);
	assert_int_equal(events_add(t, &e[2], 0), 0);
	assert_int_equal(store_write_commit(t), 0);
	assert_int_equal(e[2].seq, 3);

	t = tmp_store_read(f);
	struct audit_result r;
	assert_int_equal(audit_verify(t, 1, 0, &r), 0);
	assert_int_equal(r.checked, 3);
	expect(r.broken == 0, "link %llu broken: %s", (unsigned long long)r.broken, r.why);
	store_read_end(f->r);
}

static void test_layout(void **state)
{
	struct tmp_store *f = *state;
	struct event e = {
		.kind = EV_RECEIVE, .flags = EVENT_F_DIVERTED, .time_ms = 0x010203040506,
		.site = 0x0a0b0c0d, .other = 0x11121314, .unit = 0x2122232425ull,
		.count = 0x31323334, .parent = 0x4142434445ull, .qty = 0x51525354,
		.ref_len = 2, .ref = "R1",
	};
	struct store_txn *t = tmp_store_write(f);
	assert_int_equal(events_add(t, &e, 0), 0);
	static const uint8_t k[] = { 0, 0, 0, 0, 0, 1 };
	static const uint8_t want[] = {
		EV_RECEIVE, EVENT_F_DIVERTED, 1, 2, 3, 4, 5, 6, 0x0a, 0x0b, 0x0c, 0x0d,
		0x11, 0x12, 0x13, 0x14, 0x21, 0x22, 0x23, 0x24, 0x25, 0x31, 0x32, 0x33, 0x34,
		0x41, 0x42, 0x43, 0x44, 0x45, 0x51, 0x52, 0x53, 0x54, 2, 'R', '1',
	};
	const void *v;
	size_t n;
	assert_int_equal(store_get(t, DB_EVENTS, k, sizeof k, &v, &n), 0);
	assert_int_equal(n, 32 + sizeof want);	/* after its chain link */
	assert_memory_equal((const uint8_t *)v + 32, want, sizeof want);
	store_write_abort(t);
}

/* A ref is kept to EVENT_REF_MAX bytes. */
static void test_long_ref(void **state)
{
	struct tmp_store *f = *state;
	struct event e = ship(1, 2, ""), got;
	memset(e.ref, 'r', EVENT_REF_MAX);
	e.ref_len = EVENT_REF_MAX;
	struct store_txn *t = tmp_store_write(f);
	assert_int_equal(events_add(t, &e, 0), 0);
	assert_int_equal(events_get(t, e.seq, &got), 0);
	same_event(&e, &got);
	e.ref_len = EVENT_REF_MAX + 50;
	assert_int_equal(events_add(t, &e, 0), 0);
	assert_int_equal(events_get(t, e.seq, &got), 0);
	assert_int_equal(got.ref_len, EVENT_REF_MAX);
	store_write_abort(t);
}

static void expect_seqs(struct store_txn *t, const struct unit *u, const uint64_t *want,
			size_t n)
{
	struct walk got = { 0 };
	assert_int_equal(events_of(t, u, walk_collect, &got), 0);
	expect(got.n == n, "%zu events, want %zu", got.n, n);
	for (size_t i = 0; i < n; i++)
		expect(got.seen[i] == want[i], "event %zu is %llu, want %llu", i,
		       (unsigned long long)got.seen[i], (unsigned long long)want[i]);
}

/* How many of unit id's events unit_events lists. */
static size_t indexed(struct store_txn *t, uint8_t id)
{
	const uint8_t key[5] = { 0, 0, 0, 0, id };
	struct store_cursor *c;
	const void *v;
	size_t vl, n = 0;
	assert_int_equal(store_cursor_open(t, DB_UNIT_EVENTS, &c), 0);
	int rc = store_cursor_dups(c, key, sizeof key, &v, &vl);
	if (rc == 0)
		assert_int_equal(store_cursor_count(c, &n), 0);
	else
		assert_int_equal(rc, STORE_NOTFOUND);
	store_cursor_close(c);
	return n;
}

/* A unit's newest event stays in its record until a newer one comes;
 * events indexed directly merge in at their place. */
static void test_events_of_a_unit(void **state)
{
	struct tmp_store *f = *state;
	struct unit u = { .id = 4, .level = 1, .status = UNIT_ACTIVE, .commission_seq = 1,
			  .key_len = 2, .key = { CODE_KEY_CN20, 4 } };
	struct event e = ship(1, 2, "");
	struct store_txn *t = tmp_store_write(f);
	assert_int_equal(events_add(t, &e, 0), 0);	/* 1: its commissioning */
	assert_int_equal(units_add(t, &u), 0);
	expect_seqs(t, &u, NULL, 0);

	assert_int_equal(events_add(t, &e, 0), 0);	/* 2: about the unit itself */
	assert_int_equal(units_event(t, &u, e.seq), 0);
	assert_int_equal(units_put(t, &u), 0);
	assert_int_equal(u.last_seq, 2);
	assert_true(u.flags & UNIT_F_LAST_UNINDEXED);
	expect_seqs(t, &u, (const uint64_t[]){ 2 }, 1);
	assert_int_equal(indexed(t, 4), 0);		/* in the record alone */

	assert_int_equal(events_add(t, &e, u.id), 0);	/* 3: a LOCK, indexed directly */
	expect_seqs(t, &u, (const uint64_t[]){ 2, 3 }, 2);
	assert_int_equal(indexed(t, 4), 1);

	assert_int_equal(events_add(t, &e, 0), 0);	/* 4: pushes 2 into the index */
	assert_int_equal(units_event(t, &u, e.seq), 0);
	assert_int_equal(units_put(t, &u), 0);
	expect_seqs(t, &u, (const uint64_t[]){ 2, 3, 4 }, 3);
	assert_int_equal(indexed(t, 4), 2);
	/* Another unit's events are its own. */
	assert_int_equal(events_index(t, 5, 3), 0);
	expect_seqs(t, &u, (const uint64_t[]){ 2, 3, 4 }, 3);
	/* Read back from the record, as a later request would. */
	struct unit again;
	assert_int_equal(units_get(t, 4, &again), 0);
	expect_seqs(t, &again, (const uint64_t[]){ 2, 3, 4 }, 3);
	/* fn's nonzero stops the walk, in the index or at the record's event. */
	struct walk idx = { .stop_at = 1 };
	assert_int_equal(events_of(t, &u, walk_collect, &idx), 42);
	assert_int_equal(idx.n, 1);
	idx = (struct walk){ .stop_at = 3 };
	assert_int_equal(events_of(t, &u, walk_collect, &idx), 42);
	assert_int_equal(idx.n, 3);
	store_write_abort(t);
}

static void test_kind_names(void **state)
{
	(void)state;
	static const char *const names[] = {
		NULL, "commission", "pack", "unpack", "ship", "receive", "return", "destroy",
		"dispense", "undo", "recall", "lift", "withdraw", "lock", "unlock", "recall_ack",
	};
	for (uint8_t k = 1; k <= EV_RECALL_ACK; k++)
		assert_string_equal(event_kind_name(k), names[k]);
	assert_string_equal(event_kind_name(0), "?");
	assert_string_equal(event_kind_name(EV_RECALL_ACK + 1), "?");
	assert_string_equal(event_kind_name(255), "?");
}

static void test_damage_is_corrupt(void **state)
{
	struct tmp_store *f = *state;
	struct event e = ship(1, 2, "DN-1"), got;
	struct store_txn *t = tmp_store_write(f);
	assert_int_equal(events_add(t, &e, 0), 0);
	static const uint8_t k[] = { 0, 0, 0, 0, 0, 1 };
	const void *v;
	size_t n;
	uint8_t rec[96];
	assert_int_equal(store_get(t, DB_EVENTS, k, sizeof k, &v, &n), 0);
	assert_int_equal(n, 32 + 35 + 4);	/* link, fixed fields, ref */
	memcpy(rec, v, n);
	/* No room for a link; shorter than the fixed fields; a ref length
	 * past the end; a ref length over EVENT_REF_MAX. */
	assert_int_equal(store_put(t, DB_EVENTS, k, sizeof k, rec, 20), 0);
	expect_corrupt(events_get(t, 1, &got), "not an event record");
	assert_int_equal(store_put(t, DB_EVENTS, k, sizeof k, rec, 32 + 34), 0);
	expect_corrupt(events_get(t, 1, &got), "corrupt record in events at key 000000000001");
	rec[32 + 34] = 5;
	assert_int_equal(store_put(t, DB_EVENTS, k, sizeof k, rec, 32 + 39), 0);
	expect_corrupt(events_get(t, 1, &got), "not an event record");
	uint8_t big[32 + 35 + 255];
	memcpy(big, rec, 32 + 35);
	big[32 + 34] = 255;
	memset(big + 32 + 35, 'x', 255);
	assert_int_equal(store_put(t, DB_EVENTS, k, sizeof k, big, sizeof big), 0);
	expect_corrupt(events_get(t, 1, &got), "not an event record");

	/* A unit's event listed in another width than a seq's. */
	struct unit u = { .id = 6, .commission_seq = 1 };
	static const uint8_t id[] = { 0, 0, 0, 0, 6 }, five[] = { 0, 0, 0, 0, 2 };
	assert_int_equal(store_put_dup(t, DB_UNIT_EVENTS, id, sizeof id, five, sizeof five), 0);
	struct walk seen = { 0 };
	expect_corrupt(events_of(t, &u, walk_collect, &seen), "corrupt record in unit_events");
	assert_int_equal(seen.n, 0);
	store_write_abort(t);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, tmp_store_setup, tmp_store_teardown)
	const struct CMUnitTest tests[] = {
		T(test_add_assigns_seqs_and_chains),
		T(test_chain_across_an_abort),
		T(test_layout),
		T(test_long_ref),
		T(test_events_of_a_unit),
		cmocka_unit_test(test_kind_names),
		T(test_damage_is_corrupt),
	};
#undef T
	return cmocka_run_group_tests_name("eventlog", tests, NULL, NULL);
}
