/*
 * audit — hash chain over the event log (see audit.h for the definition).
 */
#include "audit.h"
#include "code_util.h"
#include "log.h"
#include "store.h"

#include <openssl/evp.h>
#include <pthread.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#define SEQ_BYTES 6

/* SHA-256, fetched once: OpenSSL 3 looks the algorithm up again on every
 * EVP_DigestInit_ex(EVP_sha256()), which cost more than the hashing. */
static EVP_MD *sha256;
static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;

static void fetch_sha256(void)
{
	sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
}

void audit_link(const uint8_t prev[AUDIT_HASH_LEN], uint64_t seq, const void *record,
		size_t len, uint8_t out[AUDIT_HASH_LEN])
{
	uint8_t k[SEQ_BYTES];
	code_put_be(k, seq, SEQ_BYTES);
	pthread_once(&sha256_once, fetch_sha256);
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned n = 0;
	if (md == NULL || sha256 == NULL || EVP_DigestInit_ex(md, sha256, NULL) != 1 ||
	    EVP_DigestUpdate(md, prev, AUDIT_HASH_LEN) != 1 ||
	    EVP_DigestUpdate(md, k, sizeof k) != 1 || EVP_DigestUpdate(md, record, len) != 1 ||
	    EVP_DigestFinal_ex(md, out, &n) != 1 || n != AUDIT_HASH_LEN) {
		log_error("SHA-256 failed: cannot chain the event log");
		abort();	/* the chain must never silently skip an event */
	}
	EVP_MD_CTX_free(md);
}

/* The hash of event `seq` into out; seq 0 is the zero hash. */
static int stored_hash(struct store_txn *t, uint64_t seq, uint8_t out[AUDIT_HASH_LEN])
{
	uint8_t k[SEQ_BYTES];
	const void *v;
	size_t n;
	if (seq == 0) {
		memset(out, 0, AUDIT_HASH_LEN);
		return 0;
	}
	code_put_be(k, seq, SEQ_BYTES);
	int rc = store_get(t, DB_EVENT_HASHES, k, sizeof k, &v, &n);
	if (rc)
		return rc;
	if (n != AUDIT_HASH_LEN)
		return STORE_NOTFOUND;
	memcpy(out, v, AUDIT_HASH_LEN);
	return 0;
}

int audit_chain(struct store_txn *t, uint64_t seq, const void *record, size_t len)
{
	uint8_t prev[AUDIT_HASH_LEN], h[AUDIT_HASH_LEN], k[SEQ_BYTES];
	int rc = stored_hash(t, seq - 1, prev);
	/* No hash before this one can only mean tampering (audit_open chains
	 * older logs): chain on from zero and let AUDIT VERIFY report it. */
	if (rc == STORE_NOTFOUND)
		memset(prev, 0, sizeof prev);
	else if (rc)
		return rc;
	audit_link(prev, seq, record, len, h);
	code_put_be(k, seq, SEQ_BYTES);
	return store_append(t, DB_EVENT_HASHES, k, sizeof k, h, sizeof h);
}

int audit_head(struct store_txn *t, uint64_t *seq, uint8_t hash[AUDIT_HASH_LEN])
{
	const void *k, *v;
	size_t kl, vl;
	*seq = 0;
	memset(hash, 0, AUDIT_HASH_LEN);
	int rc = store_last(t, DB_EVENT_HASHES, &k, &kl, &v, &vl);
	if (rc == 0 && kl == SEQ_BYTES && vl == AUDIT_HASH_LEN) {
		*seq = code_get_be(k, SEQ_BYTES);
		memcpy(hash, v, AUDIT_HASH_LEN);
	}
	return rc == STORE_NOTFOUND ? 0 : rc;
}

/* Chain every event of an unchained log, in one transaction. */
static int chain_all(struct store_txn *t, uint64_t *count)
{
	struct store_cursor *c;
	const void *k, *v;
	size_t kl, vl;
	uint8_t prev[AUDIT_HASH_LEN] = { 0 };
	*count = 0;
	int rc = store_cursor_open(t, DB_EVENTS, &c);
	if (rc)
		return rc;
	for (rc = store_cursor_seek(c, NULL, 0, &k, &kl, &v, &vl); rc == 0;
	     rc = store_cursor_next(c, &k, &kl, &v, &vl)) {
		uint64_t seq = code_get_be(k, SEQ_BYTES);
		uint8_t key[SEQ_BYTES];
		code_put_be(key, seq, SEQ_BYTES);
		audit_link(prev, seq, v, vl, prev);
		if ((rc = store_append(t, DB_EVENT_HASHES, key, sizeof key, prev, sizeof prev)))
			break;
		++*count;
	}
	store_cursor_close(c);
	return rc == STORE_NOTFOUND ? 0 : rc;
}

/* A log written before the chain existed has events and no links. */
static int chain_if_unchained(struct store_txn *t, void *count)
{
	struct store_stats st;
	int rc = store_stat(t, &st);
	if (rc == 0 && st.entries[DB_EVENT_HASHES] == 0 && st.entries[DB_EVENTS] > 0)
		rc = chain_all(t, count);
	return rc;
}

int audit_open(struct store *s, char *err, size_t errlen)
{
	uint64_t count = 0;
	int rc = store_write_retry(s, chain_if_unchained, &count);
	if (rc) {
		snprintf(err, errlen, "audit: cannot chain the event log: %s", store_strerror(rc));
		return -1;
	}
	if (count)
		log_info("audit: chained %llu events written before the hash chain",
			 (unsigned long long)count);
	return 0;
}

int audit_verify(struct store_txn *t, uint64_t from, uint64_t to, struct audit_result *r)
{
	struct store_cursor *c;
	const void *k, *v;
	size_t kl, vl;
	uint8_t prev[AUDIT_HASH_LEN], want[AUDIT_HASH_LEN], got[AUDIT_HASH_LEN];
	memset(r, 0, sizeof *r);
	if (from == 0)
		from = 1;
	uint64_t head;
	int rc = audit_head(t, &head, r->head);
	if (rc)
		return rc;
	uint64_t last_event = 0;
	if ((rc = store_peek_id64(t, "event", &last_event)) != 0)
		return rc;
	last_event--;	/* the counter holds the next seq */
	if (to == 0 || to > last_event)
		to = last_event;
	r->from = from;
	r->to = to;
	if (from > to)
		return 0;
	/* The anchor: the stored hash before the range. */
	rc = stored_hash(t, from - 1, prev);
	if (rc == STORE_NOTFOUND) {
		r->broken = from - 1;
		snprintf(r->why, sizeof r->why, "event %llu has no hash",
			 (unsigned long long)(from - 1));
		return 0;
	}
	if (rc)
		return rc;
	if ((rc = store_cursor_open(t, DB_EVENTS, &c)) != 0)
		return rc;
	uint8_t start[SEQ_BYTES];
	code_put_be(start, from, SEQ_BYTES);
	uint64_t expect = from;
	rc = store_cursor_seek(c, start, sizeof start, &k, &kl, &v, &vl);
	for (; expect <= to; rc = store_cursor_next(c, &k, &kl, &v, &vl)) {
		if (r->checked == AUDIT_VERIFY_MAX) {
			r->next = expect;
			break;
		}
		uint64_t seq = rc == 0 && kl == SEQ_BYTES ? code_get_be(k, SEQ_BYTES) : 0;
		if (rc != 0 && rc != STORE_NOTFOUND)
			break;
		if (rc == STORE_NOTFOUND || seq != expect) {
			r->broken = expect;
			snprintf(r->why, sizeof r->why, "event %llu is missing from the log",
				 (unsigned long long)expect);
			rc = 0;
			break;
		}
		audit_link(prev, seq, v, vl, want);
		int hrc = stored_hash(t, seq, got);
		if (hrc != 0 && hrc != STORE_NOTFOUND) {
			rc = hrc;
			break;
		}
		r->checked++;
		if (hrc == STORE_NOTFOUND) {
			r->broken = seq;
			snprintf(r->why, sizeof r->why, "event %llu has no hash",
				 (unsigned long long)seq);
			break;
		}
		if (memcmp(want, got, AUDIT_HASH_LEN) != 0) {
			r->broken = seq;
			snprintf(r->why, sizeof r->why,
				 "event %llu does not match its hash: the record or the hash "
				 "was changed", (unsigned long long)seq);
			break;
		}
		memcpy(prev, got, AUDIT_HASH_LEN);
		expect++;
		rc = 0;
	}
	store_cursor_close(c);
	if (rc == STORE_NOTFOUND)
		rc = 0;
	if (rc == 0 && r->broken == 0 && r->next == 0 && to == last_event && head > last_event) {
		r->broken = last_event + 1;
		snprintf(r->why, sizeof r->why, "hashes go on to event %llu, past the log's end: "
			 "events were removed", (unsigned long long)head);
	}
	return rc;
}

void audit_hex(const uint8_t hash[AUDIT_HASH_LEN], char out[2 * AUDIT_HASH_LEN + 1])
{
	static const char digits[] = "0123456789abcdef";
	for (int i = 0; i < AUDIT_HASH_LEN; i++) {
		out[2 * i] = digits[hash[i] >> 4];
		out[2 * i + 1] = digits[hash[i] & 15];
	}
	out[2 * AUDIT_HASH_LEN] = '\0';
}
