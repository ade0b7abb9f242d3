/*
 * journal — the log of entries in DB_LOG, each stored with its chain link
 * (journal.h).
 */
#include "journal.h"
#include "code_util.h"
#include "store.h"

#include <string.h>

#define SEQ_BYTES 6

/* An entry's stored value: its link, then its bytes. */
static int split_value(const void *k, size_t kl, const void *v, size_t vl, uint64_t *seq,
		       const uint8_t **link, const void **entry, size_t *len)
{
	*seq = 0;
	*link = NULL;
	*entry = NULL;
	*len = 0;
	if (kl != SEQ_BYTES)
		return store_corrupt(DB_LOG, k, kl, "a key that is not a 6-byte seq");
	if (vl <= AUDIT_HASH_LEN)
		return store_corrupt(DB_LOG, k, kl, "a value too short for a link and an entry");
	*seq = code_get_be(k, SEQ_BYTES);
	*link = v;
	*entry = (const uint8_t *)v + AUDIT_HASH_LEN;
	*len = vl - AUDIT_HASH_LEN;
	return 0;
}

/* The last entry's seq and link (0 and zeros: the log is empty). */
static int tail(struct store_txn *t, uint64_t *seq, uint8_t link[AUDIT_HASH_LEN])
{
	const void *k, *v, *entry;
	const uint8_t *at;
	size_t kl, vl, len;
	*seq = 0;
	memset(link, 0, AUDIT_HASH_LEN);
	int rc = store_last(t, DB_LOG, &k, &kl, &v, &vl);
	if (rc == STORE_NOTFOUND)
		return 0;
	if (rc == 0 && (rc = split_value(k, kl, v, vl, seq, &at, &entry, &len)) == 0)
		memcpy(link, at, AUDIT_HASH_LEN);
	return rc;
}

int journal_last(struct store_txn *t, uint64_t *seq)
{
	uint8_t link[AUDIT_HASH_LEN];
	return tail(t, seq, link);
}

int journal_head(struct store_txn *t, uint64_t *seq, uint8_t hash[AUDIT_HASH_LEN])
{
	return tail(t, seq, hash);
}

int journal_append(struct store_txn *t, const void *entry, size_t len, uint64_t *seq)
{
	uint64_t last;
	uint8_t link[AUDIT_HASH_LEN], k[SEQ_BYTES];
	void *room;
	int rc = tail(t, &last, link);
	if (rc)
		return rc;
	audit_link(link, last + 1, entry, len, link);
	code_put_be(k, last + 1, SEQ_BYTES);
	if ((rc = store_append_room(t, DB_LOG, k, sizeof k, AUDIT_HASH_LEN + len, &room)) != 0)
		return rc;
	memcpy(room, link, AUDIT_HASH_LEN);
	memcpy((uint8_t *)room + AUDIT_HASH_LEN, entry, len);
	if (seq)
		*seq = last + 1;
	return 0;
}

int journal_get(struct store_txn *t, uint64_t seq, const void **entry, size_t *len)
{
	uint8_t k[SEQ_BYTES];
	const void *v;
	const uint8_t *link;
	size_t vl;
	uint64_t at;
	code_put_be(k, seq, SEQ_BYTES);
	int rc = store_get(t, DB_LOG, k, sizeof k, &v, &vl);
	return rc ? rc : split_value(k, sizeof k, v, vl, &at, &link, entry, len);
}

int journal_applied(struct store_txn *t, uint64_t *seq)
{
	static const char key[] = STORE_META_STREAM_APPLIED;
	const void *v;
	size_t n;
	*seq = 0;
	int rc = store_get(t, DB_META, key, sizeof key - 1, &v, &n);
	if (rc == STORE_NOTFOUND)
		return 0;
	if (rc == 0 && n != sizeof *seq)
		return store_corrupt(DB_META, key, sizeof key - 1, "not a u64");
	if (rc == 0)
		memcpy(seq, v, sizeof *seq);
	return rc;
}

int journal_set_applied(struct store_txn *t, uint64_t pos)
{
	static const char key[] = STORE_META_STREAM_APPLIED;
	return store_put(t, DB_META, key, sizeof key - 1, &pos, sizeof pos);
}

/* Forget at most a few request ids noted before `before` (ms): enough
 * that the ids kept stay bounded by the window, however fast they come. */
#define FORGET_PER_ENTRY 4

static int forget_requests(struct store_txn *t, int64_t before)
{
	struct store_cursor *c;
	const void *k;
	size_t kl;
	uint8_t old[FORGET_PER_ENTRY][14];
	int n = 0;
	int rc = store_cursor_open(t, DB_REQUEST_TIMES, &c);
	if (rc)
		return rc;
	for (rc = store_cursor_seek(c, NULL, 0, &k, &kl, NULL, NULL);
	     rc == 0 && n < FORGET_PER_ENTRY; rc = store_cursor_next(c, &k, &kl, NULL, NULL)) {
		if (kl != sizeof old[0]) {
			rc = store_corrupt(DB_REQUEST_TIMES, k, kl, "not a time and a request id");
			break;
		}
		if ((int64_t)code_get_be(k, 6) >= before)
			break;
		memcpy(old[n++], k, kl);
	}
	store_cursor_close(c);
	if (rc != 0 && rc != STORE_NOTFOUND)
		return rc;
	for (int i = 0; i < n; i++) {
		if ((rc = store_del(t, DB_REQUESTS, old[i] + 6, 8)) != 0 && rc != STORE_NOTFOUND)
			return rc;
		if ((rc = store_del(t, DB_REQUEST_TIMES, old[i], sizeof old[i])) != 0)
			return rc;
	}
	return 0;
}

int journal_request_seen(struct store_txn *t, uint64_t request_id, uint64_t pos,
			 int64_t time_ms, uint64_t *first)
{
	uint8_t k[8], v[8], tk[14];
	const void *got;
	size_t n;
	code_put_be(k, request_id, sizeof k);
	int rc = store_get(t, DB_REQUESTS, k, sizeof k, &got, &n);
	if (rc == 0) {
		if (n != sizeof v)
			return store_corrupt(DB_REQUESTS, k, sizeof k, "not a u64 position");
		*first = code_get_be(got, sizeof v);
		return 1;
	}
	if (rc != STORE_NOTFOUND)
		return rc;
	code_put_be(v, pos, sizeof v);
	code_put_be(tk, (uint64_t)(time_ms > 0 ? time_ms : 0), 6);
	memcpy(tk + 6, k, sizeof k);
	if ((rc = store_put(t, DB_REQUESTS, k, sizeof k, v, sizeof v)) != 0 ||
	    (rc = store_put(t, DB_REQUEST_TIMES, tk, sizeof tk, "", 0)) != 0)
		return rc;
	return forget_requests(t, time_ms - JOURNAL_REQUEST_WINDOW_MS);
}

int journal_start(struct store_txn *t, int *uncovered, uint64_t *events_before)
{
	static const char key[] = STORE_META_LOG_START;
	const void *v;
	size_t n;
	*uncovered = 0;
	*events_before = 0;
	int rc = store_get(t, DB_META, key, sizeof key - 1, &v, &n);
	if (rc == STORE_NOTFOUND)
		return 0;
	if (rc == 0 && n != sizeof *events_before)
		return store_corrupt(DB_META, key, sizeof key - 1, "not a u64");
	if (rc == 0) {
		*uncovered = 1;
		memcpy(events_before, v, sizeof *events_before);
	}
	return rc;
}

int journal_walk(struct store_txn *t, uint64_t from, uint64_t to,
		 int (*fn)(void *arg, uint64_t seq, const void *entry, size_t len), void *arg)
{
	struct store_cursor *c;
	const void *k, *v;
	size_t kl, vl;
	uint8_t start[SEQ_BYTES];
	if (from > to)
		return 0;
	int rc = store_cursor_open(t, DB_LOG, &c);
	if (rc)
		return rc;
	code_put_be(start, from, SEQ_BYTES);
	uint64_t want = from;
	for (rc = store_cursor_seek(c, start, sizeof start, &k, &kl, &v, &vl);
	     rc == 0 && want <= to; rc = store_cursor_next(c, &k, &kl, &v, &vl)) {
		uint64_t seq;
		const uint8_t *link;
		const void *entry;
		size_t len;
		if ((rc = split_value(k, kl, v, vl, &seq, &link, &entry, &len)) != 0)
			break;
		if (seq != want) {
			code_put_be(start, want, SEQ_BYTES);
			rc = store_corrupt(DB_LOG, start, sizeof start, "the entry is missing");
			break;
		}
		if ((rc = fn(arg, want, entry, len)) != 0)
			break;
		want++;
	}
	store_cursor_close(c);
	if (rc == STORE_NOTFOUND && want <= to) {
		code_put_be(start, want, SEQ_BYTES);
		rc = store_corrupt(DB_LOG, start, sizeof start, "the entry is missing");
	}
	return rc == STORE_NOTFOUND ? 0 : rc;
}
