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
 * EVP_DigestInit_ex(EVP_sha256()), which cost more than the hashing.  Each
 * thread keeps one digest context (the writer links two records per sale):
 * freed with the thread. */
static EVP_MD *sha256;
static pthread_key_t md_key;
static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;

static void free_md(void *md)
{
	EVP_MD_CTX_free(md);
}

static void fetch_sha256(void)
{
	sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
	if (pthread_key_create(&md_key, free_md) != 0)
		sha256 = NULL;	/* reported by the first link */
}

static EVP_MD_CTX *thread_md(void)
{
	pthread_once(&sha256_once, fetch_sha256);
	if (sha256 == NULL)
		return NULL;
	EVP_MD_CTX *md = pthread_getspecific(md_key);
	if (md == NULL && (md = EVP_MD_CTX_new()) != NULL &&
	    pthread_setspecific(md_key, md) != 0) {
		EVP_MD_CTX_free(md);
		md = NULL;
	}
	return md;
}

void audit_link(const uint8_t prev[AUDIT_HASH_LEN], uint64_t seq, const void *record,
		size_t len, uint8_t out[AUDIT_HASH_LEN])
{
	uint8_t k[SEQ_BYTES];
	code_put_be(k, seq, SEQ_BYTES);
	EVP_MD_CTX *md = thread_md();
	unsigned n = 0;
	if (md == NULL || EVP_DigestInit_ex(md, sha256, NULL) != 1 ||
	    EVP_DigestUpdate(md, prev, AUDIT_HASH_LEN) != 1 ||
	    EVP_DigestUpdate(md, k, sizeof k) != 1 || EVP_DigestUpdate(md, record, len) != 1 ||
	    EVP_DigestFinal_ex(md, out, &n) != 1 || n != AUDIT_HASH_LEN) {
		log_error("SHA-256 failed: cannot chain the log");
		abort();	/* the chain must never silently skip a record */
	}
}

/* The hash of event `seq` into out; seq 0 is the zero hash.  Its event
 * holding no link is as good as missing: STORE_NOTFOUND. */
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
	int rc = store_get(t, DB_EVENTS, k, sizeof k, &v, &n);
	if (rc)
		return rc;
	if (n < AUDIT_HASH_LEN)
		return STORE_NOTFOUND;
	memcpy(out, v, AUDIT_HASH_LEN);
	return 0;
}

int audit_next_link(struct store_txn *t, uint64_t seq, const void *record, size_t len,
		    uint8_t out[AUDIT_HASH_LEN])
{
	uint8_t prev[AUDIT_HASH_LEN];
	int rc = stored_hash(t, seq - 1, prev);
	/* No hash before this one can only mean tampering: chain on from
	 * zero and let AUDIT VERIFY report it. */
	if (rc == STORE_NOTFOUND)
		memset(prev, 0, sizeof prev);
	else if (rc)
		return rc;
	audit_link(prev, seq, record, len, out);
	return 0;
}

int audit_head(struct store_txn *t, uint64_t *seq, uint8_t hash[AUDIT_HASH_LEN])
{
	const void *k, *v;
	size_t kl, vl;
	*seq = 0;
	memset(hash, 0, AUDIT_HASH_LEN);
	int rc = store_last(t, DB_EVENTS, &k, &kl, &v, &vl);
	if (rc == 0 && kl == SEQ_BYTES && vl >= AUDIT_HASH_LEN) {
		*seq = code_get_be(k, SEQ_BYTES);
		memcpy(hash, v, AUDIT_HASH_LEN);
	}
	return rc == STORE_NOTFOUND ? 0 : rc;
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
		r->checked++;
		if (vl < AUDIT_HASH_LEN) {
			r->broken = seq;
			snprintf(r->why, sizeof r->why, "event %llu has no hash",
				 (unsigned long long)seq);
			break;
		}
		memcpy(got, v, AUDIT_HASH_LEN);
		audit_link(prev, seq, (const uint8_t *)v + AUDIT_HASH_LEN, vl - AUDIT_HASH_LEN, want);
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
		snprintf(r->why, sizeof r->why, "events go on to %llu, past the end the event "
			 "counter gives: the counter was changed", (unsigned long long)head);
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
