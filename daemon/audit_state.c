/*
 * audit_state — the state checked against the log: replay into a scratch
 * store, compare (audit_state.h).
 */
#include "audit_state.h"
#include "journal.h"
#include "log.h"
#include "replay.h"
#include "config.h"
#include "store.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Entries read in one read transaction of the live store (their bytes). */
#define CHUNK_BYTES ((size_t)16 << 20)
/* Records compared in one pair of read transactions. */
#define STEP_RECORDS 100000

static atomic_flag running = ATOMIC_FLAG_INIT;

/* The scratch store and the replay into it. */
struct scratch {
	char dir[CONFIG_STR_MAX + 32];
	struct store *store;
	struct store_reader *reader;
	struct replay *replay;
};

static int scratch_open(struct scratch *x, const struct config *cfg, char *err, size_t errlen)
{
	memset(x, 0, sizeof *x);
	snprintf(x->dir, sizeof x->dir, "%s/audit-state.XXXXXX", cfg->data);
	if (mkdtemp(x->dir) == NULL) {
		snprintf(err, errlen, "cannot make a scratch directory %s: %m", x->dir);
		return -1;
	}
	/* Nothing needs it after a crash: no sync on commit. */
	struct store_options o = { .dir = x->dir, .map_size = cfg->map_size, .max_readers = 1,
				   .no_sync = true };
	char why[600];
	if (store_open(&x->store, &o, why, sizeof why) != 0) {
		snprintf(err, errlen, "cannot open a scratch store: %s", why);
		rmdir(x->dir);
		return -1;
	}
	x->reader = store_reader_new(x->store);
	x->replay = replay_new(x->store, cfg);
	return 0;
}

static void scratch_close(struct scratch *x)
{
	static const char *const files[] = { "data.mdb", "lock.mdb", "yimad.lock" };
	char path[sizeof x->dir + 16];
	replay_free(x->replay);
	store_reader_free(x->reader);
	store_close(x->store);
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		snprintf(path, sizeof path, "%s/%s", x->dir, files[i]);
		unlink(path);
	}
	if (rmdir(x->dir) != 0)
		log_warn("AUDIT VERIFY STATE: cannot remove %s: %m", x->dir);
}

static uint64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Does the log cover the store?  0, or a store error. */
static int covered(struct store_reader *reader, struct audit_state_result *r)
{
	struct store_txn *t;
	int uncovered = 0;
	int rc = store_read_begin(reader, &t);
	if (rc)
		return rc;
	rc = journal_start(t, &uncovered, &r->events_before);
	store_read_end(reader);
	r->uncovered = uncovered != 0;
	return rc;
}

/*
 * One round: replay up to a chunk of what the live store's log holds
 * now, and once the scratch store has caught up with it, compare a step
 * of records in the same read transaction.  Returns 0 to go on (or when
 * cmp is done), 1 when r holds the outcome, -1 with err.
 */
static int one_round(struct store_reader *reader, struct scratch *x, struct statecmp *cmp,
		 uint64_t *applied, struct audit_state_result *r, char *err, size_t errlen)
{
	struct store_txn *live, *scratch;
	uint64_t last = 0;
	int rc = store_read_begin(reader, &live);
	if (rc == 0 && (rc = journal_last(live, &last)) != 0)
		store_read_end(reader);
	if (rc) {
		snprintf(err, errlen, "reading the store: %s", store_strerror(rc));
		return -1;
	}
	if (last > *applied) {
		int res = replay_apply(x->replay, live, *applied + 1, last, CHUNK_BYTES, applied,
				       r->error, sizeof r->error);
		if (res != 0 || *applied < last) {
			store_read_end(reader);
			if (res < 0)
				snprintf(err, errlen, "%s", r->error);
			return res;	/* 0: more to replay before comparing */
		}
	}
	rc = store_read_begin(x->reader, &scratch);
	if (rc == 0) {
		rc = statecmp_step(cmp, live, scratch, STEP_RECORDS, &r->diff);
		store_read_end(x->reader);
	}
	store_read_end(reader);
	if (rc == 1) {
		r->differs = true;
		snprintf(r->error, sizeof r->error, "%s at key %s: %s",
			 store_db_name(r->diff.db), r->diff.key, r->diff.what);
		return 1;
	}
	if (rc == STORE_CORRUPT) {	/* a damaged record: not what the log gives */
		snprintf(r->error, sizeof r->error, "%s", store_strerror(rc));
		return 1;
	}
	if (rc) {
		snprintf(err, errlen, "comparing the stores: %s", store_strerror(rc));
		return -1;
	}
	return 0;
}

int audit_state(const struct config *cfg, struct store_reader *reader,
		struct audit_state_result *r, char *err, size_t errlen)
{
	memset(r, 0, sizeof *r);
	if (atomic_flag_test_and_set(&running)) {
		snprintf(err, errlen, "another AUDIT VERIFY STATE is running; try again once it "
			 "has ended");
		return -1;
	}
	uint64_t start = mono_ms();
	int rc = covered(reader, r);
	if (rc) {
		snprintf(err, errlen, "reading the store: %s", store_strerror(rc));
		atomic_flag_clear(&running);
		return -1;
	}
	if (r->uncovered) {
		atomic_flag_clear(&running);
		return 0;
	}
	struct scratch x;
	if (scratch_open(&x, cfg, err, errlen) != 0) {
		atomic_flag_clear(&running);
		return -1;
	}
	struct statecmp cmp;
	statecmp_init(&cmp);
	uint64_t applied = 0;
	int res;
	while ((res = one_round(reader, &x, &cmp, &applied, r, err, errlen)) == 0 &&
	       !statecmp_done(&cmp))
		;
	r->ok = res == 0;
	r->entries = applied;
	r->records = cmp.records;
	statecmp_free(&cmp);
	scratch_close(&x);
	r->ms = mono_ms() - start;
	log_info("AUDIT VERIFY STATE: %s: %llu entries replayed, %llu records compared in "
		 "%llu ms%s%s", res < 0 ? "could not finish" : r->ok ? "ok" : "DIFFERS",
		 (unsigned long long)r->entries, (unsigned long long)r->records,
		 (unsigned long long)r->ms, res > 0 ? ": " : "", res > 0 ? r->error : "");
	atomic_flag_clear(&running);
	return res < 0 ? -1 : 0;
}
