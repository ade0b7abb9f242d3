/*
 * test_writer — daemon/writer.c, the group-commit writer thread.
 *
 * Jobs put one key each and reply "+OK".  Their `done` callbacks (on the
 * writer thread) record what they saw; the test thread asserts afterwards:
 * each done called once, in submission order per submitting thread, with
 * the job's data visible to a fresh read transaction (so only after the
 * commit).  To make groups happen without timing, a "gate" job blocks the
 * writer inside its `run` until the test has queued everything else.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "store.h"
#include "writer.h"
#include "xmem.h"

#define expect(cond, ...) do { if (!(cond)) fail_msg(__VA_ARGS__); } while (0)

#define MiB ((uint64_t)1 << 20)
#define MAX_THREADS 8

/* -------------------------------------------------------------- fixture */

struct fix {
	char base[64];
	char dir[96];
	struct store *s;
};

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int setup(void **state)
{
	struct fix *f = calloc(1, sizeof *f);
	if (f == NULL)
		return -1;
	snprintf(f->base, sizeof f->base, "/tmp/yima-test-writer-XXXXXX");
	if (mkdtemp(f->base) == NULL) {
		free(f);
		return -1;
	}
	snprintf(f->dir, sizeof f->dir, "%s/data", f->base);
	log_set_level(LOG_ERROR);	/* growth and retries log at info/warn */
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fix *f = *state;
	store_close(f->s);
	int rc = nftw(f->base, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(f);
	return rc;
}

static void open_store(struct fix *f, uint64_t map_size)
{
	struct store_options o = { .dir = f->dir, .map_size = map_size, .max_readers = 4 };
	char err[512] = "";
	expect(store_open(&f->s, &o, err, sizeof err) == 0, "store_open: %s", err);
}

/* ------------------------------------------------------------------ jobs */

/* What a done callback saw, one per job, read by the test thread after
 * the writer is stopped or every done has run. */
struct outcome {
	int done_calls;
	int runs;
	bool visible;		/* key (with its value) seen by a fresh read txn */
	char reply[96];
	int64_t run_ms[2];	/* the job's now_ms at its first two runs */
};

struct shared {
	struct store *store;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int done_total;		/* under lock */
	int last_seq[MAX_THREADS];	/* writer thread only */
	int order_errors;		/* writer thread only */
};

struct tjob {
	struct write_job job;
	struct shared *sh;
	struct outcome *out;
	int thread, seq;
	int fail_rc;		/* run returns this after its put */
	size_t vlen;
	char key[32];
	bool heap;		/* free in done */
};

static void fill_value(char *v, size_t n, const char *key)
{
	size_t k = strlen(key);
	for (size_t i = 0; i < n; i++)
		v[i] = key[i % k];
}

static int job_run(struct store_txn *txn, struct write_job *wj)
{
	struct tjob *j = wj->arg;
	if (j->out->runs < 2)
		j->out->run_ms[j->out->runs] = wj->now_ms;
	j->out->runs++;
	char small[64];
	char *v = j->vlen <= sizeof small ? small : xmalloc(j->vlen);
	fill_value(v, j->vlen, j->key);
	int rc = store_put(txn, DB_SITES, j->key, strlen(j->key), v, j->vlen);
	if (v != small)
		free(v);
	if (rc)
		return rc;
	if (j->fail_rc == WRITE_UNDO)
		resp_error(&wj->reply, "ERR", "refused after writing");
	if (j->fail_rc)
		return j->fail_rc;
	resp_simple(&wj->reply, "OK");
	return 0;
}

/* Is the job's key, with its full value, in the committed state? */
static bool committed(struct store *s, const struct tjob *j)
{
	bool ok = false;
	struct store_reader *r = store_reader_new(s);
	struct store_txn *t;
	if (store_read_begin(r, &t) == 0) {
		const void *v;
		size_t vlen;
		if (store_get(t, DB_SITES, j->key, strlen(j->key), &v, &vlen) == 0 &&
		    vlen == j->vlen) {
			char *want = xmalloc(vlen ? vlen : 1);
			fill_value(want, vlen, j->key);
			ok = memcmp(v, want, vlen) == 0;
			free(want);
		}
		store_read_end(r);
	}
	store_reader_free(r);
	return ok;
}

static void job_done(struct write_job *wj)
{
	struct tjob *j = wj->arg;
	struct shared *sh = j->sh;
	j->out->done_calls++;
	j->out->visible = committed(sh->store, j);
	snprintf(j->out->reply, sizeof j->out->reply, "%.*s",
		 (int)(wj->reply.b.len < 95 ? wj->reply.b.len : 95),
		 wj->reply.b.data ? wj->reply.b.data : "");
	if (j->thread >= 0) {
		if (sh->last_seq[j->thread] != j->seq - 1)
			sh->order_errors++;
		sh->last_seq[j->thread] = j->seq;
	}
	buf_free(&wj->reply.b);
	if (j->heap)
		free(j);
	pthread_mutex_lock(&sh->lock);
	sh->done_total++;
	pthread_cond_broadcast(&sh->cond);
	pthread_mutex_unlock(&sh->lock);
}

static void shared_init(struct shared *sh, struct store *s)
{
	memset(sh, 0, sizeof *sh);
	sh->store = s;
	pthread_mutex_init(&sh->lock, NULL);
	pthread_cond_init(&sh->cond, NULL);
	for (int i = 0; i < MAX_THREADS; i++)
		sh->last_seq[i] = -1;
}

static void shared_destroy(struct shared *sh)
{
	pthread_mutex_destroy(&sh->lock);
	pthread_cond_destroy(&sh->cond);
}

static void wait_done(struct shared *sh, int n)
{
	pthread_mutex_lock(&sh->lock);
	while (sh->done_total < n)
		pthread_cond_wait(&sh->cond, &sh->lock);
	pthread_mutex_unlock(&sh->lock);
}

static struct tjob *new_job(struct shared *sh, struct outcome *out, int thread, int seq,
			    size_t vlen)
{
	struct tjob *j = xcalloc(1, sizeof *j);
	j->job.run = job_run;
	j->job.done = job_done;
	j->job.owner = sh;
	j->job.arg = j;
	j->job.reply.proto = 2;
	buf_init(&j->job.reply.b);
	j->sh = sh;
	j->out = out;
	j->thread = thread;
	j->seq = seq;
	j->vlen = vlen;
	j->heap = true;
	snprintf(j->key, sizeof j->key, "t%d-%06d", thread, seq);
	return j;
}

/* ------------------------------------------------------------------ gate */

/* A job whose run blocks until the test opens the gate, so that everything
 * submitted meanwhile is queued behind it. */
struct gate {
	struct tjob tj;
	pthread_mutex_t m;
	pthread_cond_t c;
	bool started, open;
};

static int gate_run(struct store_txn *txn, struct write_job *wj)
{
	struct gate *g = wj->owner;
	pthread_mutex_lock(&g->m);
	g->started = true;
	pthread_cond_broadcast(&g->c);
	while (!g->open)
		pthread_cond_wait(&g->c, &g->m);
	pthread_mutex_unlock(&g->m);
	return job_run(txn, wj);
}

static void gate_init(struct gate *g, struct shared *sh, struct outcome *out)
{
	memset(g, 0, sizeof *g);
	pthread_mutex_init(&g->m, NULL);
	pthread_cond_init(&g->c, NULL);
	g->tj.job.run = gate_run;
	g->tj.job.done = job_done;	/* not heap-allocated: not freed */
	g->tj.job.owner = g;
	g->tj.job.arg = &g->tj;
	g->tj.job.reply.proto = 2;
	g->tj.sh = sh;
	g->tj.out = out;
	g->tj.thread = -1;
	g->tj.vlen = 4;
	snprintf(g->tj.key, sizeof g->tj.key, "gate");
}

/* Submit the gate and return once the writer is blocked inside it. */
static void gate_close(struct gate *g, struct writer *w)
{
	writer_submit(w, &g->tj.job);
	pthread_mutex_lock(&g->m);
	while (!g->started)
		pthread_cond_wait(&g->c, &g->m);
	pthread_mutex_unlock(&g->m);
}

static void gate_open(struct gate *g)
{
	pthread_mutex_lock(&g->m);
	g->open = true;
	pthread_cond_broadcast(&g->c);
	pthread_mutex_unlock(&g->m);
}

static void gate_destroy(struct gate *g)
{
	pthread_mutex_destroy(&g->m);
	pthread_cond_destroy(&g->c);
}

static void check_ok(const struct outcome *o, const char *what)
{
	expect(o->done_calls == 1, "%s: done called %d times", what, o->done_calls);
	expect(strcmp(o->reply, "+OK\r\n") == 0, "%s: reply \"%s\"", what, o->reply);
	expect(o->visible, "%s: data not visible to a read txn in done", what);
	expect(o->runs >= 1, "%s: never ran", what);
}

/* ----------------------------------------------------------------- tests */

struct submitter {
	struct writer *w;
	struct shared *sh;
	struct outcome *out;	/* [n] */
	int thread, n;
};

static void *submit_thread(void *arg)
{
	struct submitter *t = arg;
	for (int i = 0; i < t->n; i++)
		writer_submit(t->w, &new_job(t->sh, &t->out[i], t->thread, i, 8 + (size_t)i % 50)->job);
	return NULL;
}

/* Several threads submit at once; done frees each job. */
static void test_many_threads(void **state)
{
	struct fix *f = *state;
	enum { THREADS = 4, PER = 400 };
	open_store(f, 16 * MiB);
	struct shared sh;
	shared_init(&sh, f->s);
	struct writer *w = writer_start(f->s, 64, SIZE_MAX, 0);
	struct outcome *out = xcalloc(THREADS * PER, sizeof *out);
	struct submitter sub[THREADS];
	pthread_t th[THREADS];
	for (int t = 0; t < THREADS; t++) {
		sub[t] = (struct submitter){ w, &sh, out + t * PER, t, PER };
		assert_int_equal(pthread_create(&th[t], NULL, submit_thread, &sub[t]), 0);
	}
	for (int t = 0; t < THREADS; t++)
		pthread_join(th[t], NULL);
	wait_done(&sh, THREADS * PER);

	struct writer_stats ws;
	writer_stats(w, &ws);
	writer_stop(w);

	for (int i = 0; i < THREADS * PER; i++) {
		char what[32];
		snprintf(what, sizeof what, "job t%d-%d", i / PER, i % PER);
		check_ok(&out[i], what);
		expect(out[i].runs == 1, "%s ran %d times without any failure", what, out[i].runs);
	}
	assert_int_equal(sh.order_errors, 0);
	for (int t = 0; t < THREADS; t++)
		assert_int_equal(sh.last_seq[t], PER - 1);
	assert_int_equal(ws.jobs, THREADS * PER);
	assert_int_equal(ws.failures, 0);
	assert_int_equal(ws.queue_depth, 0);
	assert_true(ws.commits >= 1 && ws.commits <= ws.jobs);
	assert_true(ws.max_group >= 1 && ws.max_group <= 64);

	struct store_reader *r = store_reader_new(f->s);
	struct store_txn *t;
	struct store_stats st;
	assert_int_equal(store_read_begin(r, &t), 0);
	assert_int_equal(store_stat(t, &st), 0);
	store_read_end(r);
	store_reader_free(r);
	assert_int_equal(st.entries[DB_SITES], THREADS * PER);
	free(out);
	shared_destroy(&sh);
}

/* Jobs queued while the writer is busy are committed in groups of at most
 * group_max: 200 jobs behind the gate with group_max 64 → 64+64+64+8. */
static void test_groups_form(void **state)
{
	struct fix *f = *state;
	enum { N = 200, GROUP = 64 };
	open_store(f, 16 * MiB);
	struct shared sh;
	shared_init(&sh, f->s);
	struct outcome gout = { 0 }, *out = xcalloc(N, sizeof *out);
	struct gate g;
	gate_init(&g, &sh, &gout);
	struct writer *w = writer_start(f->s, GROUP, SIZE_MAX, 0);

	gate_close(&g, w);
	for (int i = 0; i < N; i++)
		writer_submit(w, &new_job(&sh, &out[i], 0, i, 16)->job);
	struct writer_stats ws;
	writer_stats(w, &ws);
	assert_int_equal(ws.queue_depth, N);
	assert_int_equal(ws.commits, 0);
	/* Nothing behind the gate has run, let alone called done. */
	pthread_mutex_lock(&sh.lock);
	assert_int_equal(sh.done_total, 0);
	pthread_mutex_unlock(&sh.lock);
	gate_open(&g);
	wait_done(&sh, N + 1);
	writer_stats(w, &ws);
	writer_stop(w);

	check_ok(&gout, "gate");
	for (int i = 0; i < N; i++) {
		char what[32];
		snprintf(what, sizeof what, "job %d", i);
		check_ok(&out[i], what);
	}
	assert_int_equal(sh.order_errors, 0);
	assert_int_equal(ws.jobs, N + 1);
	assert_int_equal(ws.commits, 1 + 4);
	assert_true(ws.commits < ws.jobs);
	assert_int_equal(ws.max_group, GROUP);
	assert_int_equal(ws.failures, 0);
	assert_int_equal(ws.queue_depth, 0);
	gate_destroy(&g);
	free(out);
	shared_destroy(&sh);
}

/* Ten jobs of 100 bytes queued behind a gate, small or bulk, under a
 * 250-byte group_bytes and the given quiet_group_bytes: the commits and
 * the largest group the writer made. */
static void run_groups(struct fix *f, bool bulk, size_t quiet, uint64_t commits,
		       uint64_t max_group)
{
	enum { N = 10 };
	struct shared sh;
	shared_init(&sh, f->s);
	struct outcome gout = { 0 }, *out = xcalloc(N, sizeof *out);
	struct gate g;
	gate_init(&g, &sh, &gout);
	g.tj.job.bulk = bulk;
	struct writer *w = writer_start(f->s, 64, 250, quiet);

	gate_close(&g, w);
	for (int i = 0; i < N; i++) {
		struct tjob *j = new_job(&sh, &out[i], 0, i, 16);
		j->job.bytes = 100;
		j->job.bulk = bulk;
		writer_submit(w, &j->job);
	}
	gate_open(&g);
	wait_done(&sh, N + 1);
	struct writer_stats ws;
	writer_stats(w, &ws);
	writer_stop(w);
	for (int i = 0; i < N; i++)
		check_ok(&out[i], "job");
	assert_int_equal(ws.commits, commits);
	assert_int_equal(ws.max_group, max_group);
	gate_destroy(&g);
	free(out);
	shared_destroy(&sh);
}

/* group_bytes bounds a group's request bytes: 10 jobs of 100 bytes with a
 * 250-byte bound commit two at a time (a bulk load yields to scans). */
static void test_group_bytes_bound(void **state)
{
	struct fix *f = *state;
	open_store(f, 16 * MiB);
	run_groups(f, false, 0, 1 + 10 / 2, 2);
}

/* Bulk jobs while no scan has come: groups may take quiet_group_bytes (a
 * load alone commits in bigger transactions); without a quiet bound they
 * keep to group_bytes. */
static void test_bulk_groups_grow_without_scans(void **state)
{
	struct fix *f = *state;
	open_store(f, 16 * MiB);
	run_groups(f, true, 1000, 1 + 1, 10);	/* the gate, then all ten */
	run_groups(f, true, 0, 1 + 5, 2);	/* no quiet bound: 250 bytes */
}

/* group_max 1: every job is its own transaction. */
static void test_group_max_one(void **state)
{
	struct fix *f = *state;
	enum { N = 30 };
	open_store(f, 16 * MiB);
	struct shared sh;
	shared_init(&sh, f->s);
	struct outcome gout = { 0 }, *out = xcalloc(N, sizeof *out);
	struct gate g;
	gate_init(&g, &sh, &gout);
	struct writer *w = writer_start(f->s, 1, SIZE_MAX, 0);
	gate_close(&g, w);
	for (int i = 0; i < N; i++)
		writer_submit(w, &new_job(&sh, &out[i], 0, i, 16)->job);
	gate_open(&g);
	wait_done(&sh, N + 1);
	struct writer_stats ws;
	writer_stats(w, &ws);
	writer_stop(w);
	for (int i = 0; i < N; i++)
		check_ok(&out[i], "job");
	assert_int_equal(ws.commits, N + 1);
	assert_int_equal(ws.max_group, 1);
	gate_destroy(&g);
	free(out);
	shared_destroy(&sh);
}

/* Queue n jobs behind a gate, so that they form one group, job i
 * returning fail_rc[i] after its put; wait for every done and stop. */
/* The time a gated job's submitter gives it: out of order on purpose. */
static int64_t gated_time(int i)
{
	return 1800000000000 + (i % 2 ? -i : i) * 86400000LL;
}

static void run_gated_seq(struct fix *f, struct shared *sh, struct outcome *gout,
			  struct outcome *out, int n, const int *fail_rc, const uint64_t *seq,
			  struct writer_stats *ws)
{
	open_store(f, 16 * MiB);
	shared_init(sh, f->s);
	struct gate g;
	gate_init(&g, sh, gout);
	struct writer *w = writer_start(f->s, 64, SIZE_MAX, 0);
	gate_close(&g, w);
	for (int i = 0; i < n; i++) {
		struct tjob *j = new_job(sh, &out[i], 0, i, 16);
		j->fail_rc = fail_rc[i];
		j->job.now_ms = gated_time(i);
		j->job.stream_pos = seq ? seq[i] : 0;
		writer_submit(w, &j->job);
	}
	gate_open(&g);
	wait_done(sh, n + 1);
	writer_stats(w, ws);
	writer_stop(w);
	gate_destroy(&g);
}

static void run_gated(struct fix *f, struct shared *sh, struct outcome *gout,
		      struct outcome *out, int n, const int *fail_rc, struct writer_stats *ws)
{
	run_gated_seq(f, sh, gout, out, n, fail_rc, NULL, ws);
}

/* A job that fails (after writing) fails alone: its write is discarded and
 * it gets "-STORE ...", while the jobs around it in the same group commit. */
static void test_failing_job_fails_alone(void **state)
{
	struct fix *f = *state;
	enum { N = 5, BAD = 2 };
	struct shared sh;
	struct outcome gout = { 0 }, out[N];
	memset(out, 0, sizeof out);
	int fail_rc[N] = { [BAD] = EIO };
	struct writer_stats ws;
	run_gated(f, &sh, &gout, out, N, fail_rc, &ws);

	check_ok(&gout, "gate");
	for (int i = 0; i < N; i++) {
		char what[32];
		snprintf(what, sizeof what, "job %d", i);
		if (i != BAD) {
			check_ok(&out[i], what);
			continue;
		}
		expect(out[i].done_calls == 1, "failing job: done called %d times",
		       out[i].done_calls);
		expect(strncmp(out[i].reply, "-STORE ", 7) == 0, "failing job replied \"%s\"",
		       out[i].reply);
		expect(strstr(out[i].reply, strerror(EIO)) != NULL,
		       "failing job's reply \"%s\" does not say why", out[i].reply);
		expect(out[i].reply[strlen(out[i].reply) - 1] == '\n', "reply not terminated");
		expect(!out[i].visible, "the failing job's write was committed");
	}
	assert_int_equal(sh.order_errors, 0);
	/* gate; the group of 5 fails; then 4 commits of one and one failure */
	assert_int_equal(ws.commits, 1 + 4);
	assert_int_equal(ws.jobs, 1 + 4);
	assert_int_equal(ws.failures, 2);
	shared_destroy(&sh);
}

/* Entries of the replicated log (stream_pos set): one failing halts every
 * replicated job after it, unrun, in its group and after; jobs of this
 * node alone go on. */
static void test_replicated_failure_halts_the_rest(void **state)
{
	struct fix *f = *state;
	enum { N = 6, BAD = 1, LOCAL = 4 };
	struct shared sh;
	struct outcome gout = { 0 }, out[N];
	memset(out, 0, sizeof out);
	int fail_rc[N] = { [BAD] = EIO };
	uint64_t seq[N] = { 10, 11, 12, 13, 0, 14 };
	struct writer_stats ws;
	run_gated_seq(f, &sh, &gout, out, N, fail_rc, seq, &ws);
	check_ok(&gout, "gate");
	check_ok(&out[0], "the entry before the failure");
	check_ok(&out[LOCAL], "a local job after it");
	expect(strncmp(out[BAD].reply, "-STORE write failed", 19) == 0,
	       "failing entry replied \"%s\"", out[BAD].reply);
	for (int i = BAD + 1; i < N; i++) {
		if (i == LOCAL)
			continue;
		expect(out[i].runs == 0, "entry %d ran %d times after the failure", i,
		       out[i].runs);
		expect(!out[i].visible, "entry %d applied after the failure", i);
		expect(out[i].done_calls == 1, "entry %d: done called %d times", i,
		       out[i].done_calls);
		expect(strstr(out[i].reply, "before it failed to apply") != NULL,
		       "entry %d replied \"%s\"", i, out[i].reply);
	}
	shared_destroy(&sh);
}

/* Jobs that refuse after writing (WRITE_UNDO) in the middle of a group:
 * their replies stand, their writes vanish, the others commit in order. */
static void test_undo_leaves_no_trace(void **state)
{
	struct fix *f = *state;
	enum { N = 6 };
	struct shared sh;
	struct outcome gout = { 0 }, out[N];
	memset(out, 0, sizeof out);
	int fail_rc[N] = { [1] = WRITE_UNDO, [4] = WRITE_UNDO };
	struct writer_stats ws;
	run_gated(f, &sh, &gout, out, N, fail_rc, &ws);

	check_ok(&gout, "gate");
	/* The group stops at job 1; 0 runs again alone; 2-5 stop at 4; 2-3
	 * run again; then 5. */
	static const int runs[N] = { 2, 1, 2, 2, 1, 1 };
	for (int i = 0; i < N; i++) {
		char what[32];
		snprintf(what, sizeof what, "job %d", i);
		expect(out[i].runs == runs[i], "%s ran %d times, not %d", what, out[i].runs,
		       runs[i]);
		if (i != 1 && i != 4) {
			check_ok(&out[i], what);
			continue;
		}
		expect(out[i].done_calls == 1, "%s: done called %d times", what,
		       out[i].done_calls);
		expect(strcmp(out[i].reply, "-ERR refused after writing\r\n") == 0,
		       "%s replied \"%s\"", what, out[i].reply);
		expect(!out[i].visible, "%s: its write was committed", what);
	}
	/* The writer reads no clock: each run of a job, first or again after
	 * a neighbour's refusal, sees the time its submitter gave it. */
	for (int i = 0; i < N; i++)
		for (int r = 0; r < out[i].runs && r < 2; r++)
			expect(out[i].run_ms[r] == gated_time(i), "job %d run %d saw time %lld, "
			       "not its own %lld", i, r + 1, (long long)out[i].run_ms[r],
			       (long long)gated_time(i));
	assert_int_equal(sh.order_errors, 0);
	assert_int_equal(ws.commits, 1 + 3);	/* gate; 0; 2-3; 5 */
	assert_int_equal(ws.jobs, 1 + 4);
	assert_int_equal(ws.failures, 0);
	shared_destroy(&sh);
}

/* The map fills up in the middle of a group: the writer grows it and the
 * whole group still commits, nothing failed. */
static void test_map_full_in_group(void **state)
{
	struct fix *f = *state;
	enum { N = 64, VLEN = 32 * 1024 };
	open_store(f, MiB);
	struct shared sh;
	shared_init(&sh, f->s);
	struct outcome gout = { 0 }, *out = xcalloc(N, sizeof *out);
	struct gate g;
	gate_init(&g, &sh, &gout);
	struct writer *w = writer_start(f->s, N, SIZE_MAX, 0);

	gate_close(&g, w);
	for (int i = 0; i < N; i++)
		writer_submit(w, &new_job(&sh, &out[i], 0, i, VLEN)->job);
	gate_open(&g);
	wait_done(&sh, N + 1);
	struct writer_stats ws;
	writer_stats(w, &ws);
	writer_stop(w);

	check_ok(&gout, "gate");
	int reruns = 0;
	for (int i = 0; i < N; i++) {
		char what[32];
		snprintf(what, sizeof what, "job %d", i);
		check_ok(&out[i], what);
		reruns += out[i].runs > 1;
	}
	assert_int_equal(sh.order_errors, 0);
	assert_int_equal(ws.failures, 0);
	assert_int_equal(ws.commits, 2);
	assert_int_equal(ws.jobs, N + 1);
	assert_int_equal(ws.max_group, N);
	assert_true(reruns > 0);	/* the group did hit the end of the map */

	struct store_reader *r = store_reader_new(f->s);
	struct store_txn *t;
	struct store_stats st;
	assert_int_equal(store_read_begin(r, &t), 0);
	assert_int_equal(store_stat(t, &st), 0);
	store_read_end(r);
	store_reader_free(r);
	assert_true(st.grows >= 1);
	assert_true(st.map_size >= 2 * MiB);
	assert_int_equal(st.entries[DB_SITES], N + 1);
	gate_destroy(&g);
	free(out);
	shared_destroy(&sh);
}

/* writer_stop runs everything already queued before it returns. */
static void test_stop_drains_queue(void **state)
{
	struct fix *f = *state;
	enum { N = 300 };
	open_store(f, 16 * MiB);
	struct shared sh;
	shared_init(&sh, f->s);
	struct outcome *out = xcalloc(N, sizeof *out);
	struct writer *w = writer_start(f->s, 16, SIZE_MAX, 0);
	for (int i = 0; i < N; i++)
		writer_submit(w, &new_job(&sh, &out[i], 0, i, 10)->job);
	writer_stop(w);
	assert_int_equal(sh.done_total, N);
	for (int i = 0; i < N; i++)
		check_ok(&out[i], "job");
	assert_int_equal(sh.order_errors, 0);
	free(out);
	shared_destroy(&sh);
}

/* A writer with nothing to do starts and stops cleanly. */
static void test_start_stop_idle(void **state)
{
	struct fix *f = *state;
	open_store(f, 4 * MiB);
	struct writer *w = writer_start(f->s, 0, SIZE_MAX, 0);	/* 0 means 1 */
	struct writer_stats ws;
	writer_stats(w, &ws);
	assert_int_equal(ws.commits, 0);
	assert_int_equal(ws.jobs, 0);
	assert_int_equal(ws.queue_depth, 0);
	writer_stop(w);
}

static uint64_t cpu_ns(clockid_t clock)
{
	struct timespec ts;
	assert_int_equal(clock_gettime(clock, &ts), 0);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Use ms of the calling thread's own CPU time. */
static void burn_cpu(unsigned ms)
{
	uint64_t until = cpu_ns(CLOCK_THREAD_CPUTIME_ID) + (uint64_t)ms * 1000000u;
	while (cpu_ns(CLOCK_THREAD_CPUTIME_ID) < until)
		;
}

static int spin_run(struct store_txn *txn, struct write_job *wj)
{
	burn_cpu(50);
	return job_run(txn, wj);
}

/* How many of this process's threads are called name. */
static int threads_named(const char *name)
{
	int n = 0;
	DIR *d = opendir("/proc/self/task");
	assert_non_null(d);
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		char path[300], comm[32] = "";
		snprintf(path, sizeof path, "/proc/self/task/%s/comm", e->d_name);
		FILE *f = fopen(path, "r");
		if (f == NULL)
			continue;	/* the thread has just ended */
		if (fgets(comm, sizeof comm, f))
			comm[strcspn(comm, "\n")] = '\0';
		fclose(f);
		n += strcmp(comm, name) == 0;
	}
	closedir(d);
	return n;
}

/* cpu_ns is the writer thread's own CPU time: not the process's (the test
 * thread's work does not show in it), and it grows by what a job costs
 * the writer.  The thread is named for top -H. */
static void test_cpu_time(void **state)
{
	struct fix *f = *state;
	open_store(f, 4 * MiB);
	struct shared sh;
	shared_init(&sh, f->s);
	struct writer *w = writer_start(f->s, 64, SIZE_MAX, 0);
	assert_int_equal(threads_named("yimad-writer"), 1);

	burn_cpu(100);		/* on the test thread */
	struct writer_stats ws;
	writer_stats(w, &ws);
	uint64_t before = ws.cpu_ns;
	expect(before < 50000000u, "an idle writer used %.3f s of CPU: not its own "
	       "thread's time", (double)before / 1e9);

	struct outcome out = { 0 };
	struct tjob *j = new_job(&sh, &out, 0, 0, 16);
	j->job.run = spin_run;
	writer_submit(w, &j->job);
	wait_done(&sh, 1);
	writer_stats(w, &ws);
	uint64_t process = cpu_ns(CLOCK_PROCESS_CPUTIME_ID);
	writer_stop(w);

	check_ok(&out, "spinning job");
	expect(ws.cpu_ns - before >= 50000000u, "a job that used 50 ms of the writer's CPU "
	       "added %.3f s", (double)(ws.cpu_ns - before) / 1e9);
	expect(ws.cpu_ns <= process, "writer %.3f s > process %.3f s",
	       (double)ws.cpu_ns / 1e9, (double)process / 1e9);
	assert_int_equal(threads_named("yimad-writer"), 0);
	shared_destroy(&sh);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_many_threads),
		T(test_groups_form),
		T(test_group_bytes_bound),
		T(test_bulk_groups_grow_without_scans),
		T(test_group_max_one),
		T(test_failing_job_fails_alone),
		T(test_undo_leaves_no_trace),
		T(test_replicated_failure_halts_the_rest),
		T(test_map_full_in_group),
		T(test_stop_drains_queue),
		T(test_start_stop_idle),
		T(test_cpu_time),
	};
#undef T
	return cmocka_run_group_tests_name("writer", tests, NULL, NULL);
}
