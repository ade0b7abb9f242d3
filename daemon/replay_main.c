/*
 * replay_main — yimad --replay (replay_main.h).
 */
#include "replay_main.h"
#include "audit.h"
#include "config.h"
#include "journal.h"
#include "replay.h"
#include "statecmp.h"
#include "store.h"

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Entries read in one read transaction of SRC (their bytes). */
#define CHUNK_BYTES ((size_t)16 << 20)
/* Records compared in one pair of read transactions. */
#define STEP_RECORDS 100000

struct heads {
	uint64_t seq, log_seq;
	uint8_t hash[AUDIT_HASH_LEN], log_hash[AUDIT_HASH_LEN];
};

static int read_heads(struct store_reader *r, struct heads *h)
{
	struct store_txn *t;
	int rc = store_read_begin(r, &t);
	if (rc)
		return rc;
	rc = audit_head(t, &h->seq, h->hash);
	if (rc == 0)
		rc = journal_head(t, &h->log_seq, h->log_hash);
	store_read_end(r);
	return rc;
}

static void print_head(const char *what, uint64_t seq, const uint8_t hash[AUDIT_HASH_LEN])
{
	char hex[2 * AUDIT_HASH_LEN + 1];
	audit_hex(hash, hex);
	printf("%-16s %llu %s\n", what, (unsigned long long)seq, hex);
}

/* Is DST empty: nothing stored but its schema version? */
static int is_empty(struct store_reader *r, bool *empty)
{
	struct store_txn *t;
	struct store_stats st;
	int rc = store_read_begin(r, &t);
	if (rc)
		return rc;
	rc = store_stat(t, &st);
	store_read_end(r);
	*empty = true;
	for (int i = 0; i < DB__COUNT; i++)
		if (st.entries[i] > (i == DB_META ? 1u : 0u))
			*empty = false;
	return rc;
}

/* Replay every entry SRC holds, a chunk per read transaction.  0, 1 when
 * an entry does not apply (why in err), -1 on a store error. */
static int replay_all(struct store_reader *src, struct replay *rp, uint64_t *applied,
		      char *err, size_t errlen)
{
	uint64_t last = 0;
	*applied = 0;
	for (;;) {
		struct store_txn *t;
		int rc = store_read_begin(src, &t);
		if (rc == 0 && *applied == 0 && (rc = journal_last(t, &last)) != 0)
			store_read_end(src);
		if (rc) {
			snprintf(err, errlen, "reading the source: %s", store_strerror(rc));
			return -1;
		}
		int res = *applied < last ?
			  replay_apply(rp, t, *applied + 1, last, CHUNK_BYTES, applied, err, errlen) :
			  0;
		store_read_end(src);
		if (res != 0 || *applied >= last)
			return res;
	}
}

/* Compare every record, a step per pair of read transactions.  0 when
 * the same, 1 at a difference (described in err), -1 on a store error. */
static int compare_all(struct store_reader *src, struct store_reader *dst, uint64_t *records,
		       char *err, size_t errlen)
{
	struct statecmp cmp;
	struct statecmp_diff d;
	int rc = 0;
	statecmp_init(&cmp);
	while (rc == 0 && !statecmp_done(&cmp)) {
		struct store_txn *a, *b;
		if ((rc = store_read_begin(src, &a)) != 0)
			break;
		if ((rc = store_read_begin(dst, &b)) == 0) {
			rc = statecmp_step(&cmp, a, b, STEP_RECORDS, &d);
			store_read_end(dst);
		}
		store_read_end(src);
	}
	*records = cmp.records;
	statecmp_free(&cmp);
	if (rc == 1)
		snprintf(err, errlen, "%s at key %s: %s", store_db_name(d.db), d.key, d.what);
	else if (rc == STORE_CORRUPT)
		snprintf(err, errlen, "%s", store_strerror(rc));
	else if (rc)
		snprintf(err, errlen, "comparing the stores: %s", store_strerror(rc));
	return rc == 0 ? 0 : rc == 1 || rc == STORE_CORRUPT ? 1 : -1;
}

static double since(const struct timespec *t0)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

/* Open both stores and check DST is empty and SRC's log covers SRC. */
static int open_stores(const struct config *cfg, const char *src_dir, struct store **src,
		       struct store **dst)
{
	char err[1200];
	struct store_options so = { .dir = src_dir, .map_size = cfg->map_size, .max_readers = 2,
				    .read_only = true };
	struct store_options d = { .dir = cfg->data, .map_size = cfg->map_size, .max_readers = 2 };
	*src = *dst = NULL;
	/* One environment open twice in a process breaks LMDB's locks. */
	char a[PATH_MAX], b[PATH_MAX];
	if (realpath(src_dir, a) && realpath(cfg->data, b) && strcmp(a, b) == 0) {
		fprintf(stderr, "yimad: --replay %s: that is --data itself; replay into a new "
			"store\n", src_dir);
		return -1;
	}
	if (store_open(src, &so, err, sizeof err) != 0) {
		fprintf(stderr, "yimad: --replay %s: %s\n", src_dir, err);
		return -1;
	}
	if (store_open(dst, &d, err, sizeof err) != 0) {
		fprintf(stderr, "yimad: --replay into %s: %s\n", cfg->data, err);
		return -1;
	}
	struct store_reader *rs = store_reader_new(*src), *rd = store_reader_new(*dst);
	struct store_txn *t;
	bool empty = false;
	int uncovered = 0;
	uint64_t before = 0;
	int rc = is_empty(rd, &empty);
	if (rc == 0 && (rc = store_read_begin(rs, &t)) == 0) {
		rc = journal_start(t, &uncovered, &before);
		store_read_end(rs);
	}
	store_reader_free(rs);
	store_reader_free(rd);
	if (rc)
		fprintf(stderr, "yimad: --replay: %s\n", store_strerror(rc));
	else if (!empty)
		fprintf(stderr, "yimad: --replay: %s holds data: replay needs a new or empty "
			"store (--data)\n", cfg->data);
	else if (uncovered)
		fprintf(stderr, "yimad: --replay: the log of %s does not cover what it held when "
			"it was upgraded from before the log (events 1..%llu, and the sites and "
			"products then): replaying it would not give that store\n", src_dir,
			(unsigned long long)before);
	return rc || !empty || uncovered ? -1 : 0;
}

int replay_main(const struct config *cfg, const char *src_dir)
{
	struct store *src, *dst;
	if (open_stores(cfg, src_dir, &src, &dst) != 0) {
		store_close(src);
		store_close(dst);
		return 2;
	}
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	struct store_reader *rs = store_reader_new(src), *rd = store_reader_new(dst);
	struct replay *rp = replay_new(dst, cfg);
	char err[1200];
	uint64_t applied = 0, records = 0;
	int applies = replay_all(rs, rp, &applied, err, sizeof err);
	replay_free(rp);
	printf("entries applied: %llu in %.2f s\n", (unsigned long long)applied, since(&t0));
	if (applies != 0)
		fprintf(stderr, "yimad: --replay: %s\n", err);

	struct heads hs, hd;
	int rc = 0, same = -1;
	bool match = false;
	if (applies >= 0) {
		if ((rc = read_heads(rs, &hs)) == 0)
			rc = read_heads(rd, &hd);
		if (rc)
			fprintf(stderr, "yimad: --replay: reading the heads: %s\n",
				store_strerror(rc));
		else
			same = compare_all(rs, rd, &records, err, sizeof err);
	}
	if (applies >= 0 && rc == 0) {
		match = hs.seq == hd.seq && hs.log_seq == hd.log_seq &&
			memcmp(hs.hash, hd.hash, AUDIT_HASH_LEN) == 0 &&
			memcmp(hs.log_hash, hd.log_hash, AUDIT_HASH_LEN) == 0;
		print_head("source head:", hs.seq, hs.hash);
		print_head("replay head:", hd.seq, hd.hash);
		print_head("source log head:", hs.log_seq, hs.log_hash);
		print_head("replay log head:", hd.log_seq, hd.log_hash);
		printf("heads: %s\n", match ? "match" : "differ");
		if (same == 0)
			printf("state: identical (%llu records)\n", (unsigned long long)records);
		else if (same == 1)
			printf("state: differs: %s\n", err);
		else
			fprintf(stderr, "yimad: --replay: %s\n", err);
	}
	store_reader_free(rs);
	store_reader_free(rd);
	store_close(src);
	store_close(dst);
	fflush(stdout);
	if (applies < 0 || rc != 0 || same < 0)
		return 2;
	return match && same == 0 && applies == 0 ? 0 : 1;
}
