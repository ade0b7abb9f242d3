/*
 * journal — the log of entries in DB_LOG, chained in DB_LOG_HASHES
 * (journal.h).
 */
#include "journal.h"
#include "code_util.h"
#include "store.h"

#include <string.h>

#define SEQ_BYTES 6

int journal_last(struct store_txn *t, uint64_t *seq)
{
	struct store_cursor *c;
	const void *k, *v;
	size_t kl, vl;
	*seq = 0;
	int rc = store_cursor_open(t, DB_LOG, &c);
	if (rc)
		return rc;
	rc = store_cursor_last(c, &k, &kl, &v, &vl);
	if (rc == 0 && kl != SEQ_BYTES)
		rc = store_corrupt(DB_LOG, k, kl, "a key that is not a 6-byte seq");
	if (rc == 0)
		*seq = code_get_be(k, SEQ_BYTES);
	store_cursor_close(c);
	return rc == STORE_NOTFOUND ? 0 : rc;
}

int journal_append(struct store_txn *t, const void *entry, size_t len, uint64_t *seq)
{
	uint64_t last;
	uint8_t k[SEQ_BYTES];
	int rc = journal_last(t, &last);
	if (rc)
		return rc;
	code_put_be(k, last + 1, SEQ_BYTES);
	if ((rc = store_append(t, DB_LOG, k, sizeof k, entry, len)) != 0 ||
	    (rc = audit_chain_in(t, DB_LOG_HASHES, last + 1, entry, len)) != 0)
		return rc;
	if (seq)
		*seq = last + 1;
	return 0;
}

int journal_head(struct store_txn *t, uint64_t *seq, uint8_t hash[AUDIT_HASH_LEN])
{
	return audit_head_in(t, DB_LOG_HASHES, seq, hash);
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
		if (kl != SEQ_BYTES || code_get_be(k, SEQ_BYTES) != want) {
			code_put_be(start, want, SEQ_BYTES);
			rc = store_corrupt(DB_LOG, start, sizeof start, "the entry is missing");
			break;
		}
		if ((rc = fn(arg, want, v, vl)) != 0)
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
