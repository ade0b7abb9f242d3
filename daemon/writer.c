/*
 * writer — group commit: queue → one write transaction → fsync → replies.
 *
 * Two mutex-protected queues: scans and other small requests, and bulk
 * work (large EVENTS and COMMISSION requests).  The writer takes from the
 * small queue first, and from the bulk queue when the small one is empty
 * (or after BULK_EVERY small groups, so a load cannot starve): a DISPENSE
 * arriving during a load waits for at most one bulk transaction.  While no
 * scan has come for SCANS_QUIET_MS, a bulk transaction may take up to
 * quiet_group_bytes instead of group_bytes: nobody waits on its commit, and
 * a bigger transaction writes far fewer pages per record (a page that a
 * load's inserts touch is written again by every commit that touches it).
 * A
 * submitter routes a small job behind its own pending bulk jobs (the bulk
 * flag), so one connection's requests are still applied in the order sent;
 * within a queue, groups are applied in queue order, and replies are handed
 * back in that order, which lets a connection pipeline writes.
 */
#include "alerts.h"
#include "writer.h"
#include "metrics.h"
#include "log.h"
#include "store.h"
#include "xmem.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

/* Small groups the writer may run while bulk work waits. */
#define BULK_EVERY 8
/* How long after the last scan bulk transactions may grow. */
#define SCANS_QUIET_MS 200

struct queue {
	struct write_job *head, *tail;
};

struct writer {
	struct store *store;
	unsigned group_max;
	pthread_t thread;
	clockid_t cpu_clock;		/* the thread's CPU-time clock */
	bool has_cpu_clock;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct queue small, bulk;	/* under lock */
	unsigned small_streak;		/* writer thread: small groups in a row */
	bool stopping;			/* under lock */
	int64_t last_small_ms;		/* writer thread: CLOCK_MONOTONIC ms when
					 * it last took a small group */
	size_t group_bytes, quiet_group_bytes;
	bool disk_full_logged;		/* writer thread: said once, until a
					 * commit succeeds */
	bool metrics;			/* the live store's writer: counts (metrics.h) */
	_Atomic bool halted;		/* a replicated job failed: the ones
					 * after it fail unrun */
	_Atomic uint64_t depth;
	_Atomic uint64_t commits, jobs, max_group, failures;
};

static void fail_job(struct writer *w, struct write_job *j, int rc)
{
	char why[4300];
	j->failed = rc;
	if (j->stream_pos && rc != WRITE_HALTED && !atomic_exchange(&w->halted, true))
		log_error("replicated entry %llu.%u failed to apply: %s; no entry after it is "
			  "applied until this node restarts",
			  (unsigned long long)(j->stream_pos >> 16), (unsigned)(j->stream_pos & 0xffff),
			  store_strerror(rc));
	if (rc == WRITE_HALTED) {
		write_job_reset_reply(j);
		resp_error(&j->reply, "STORE", "not applied: an entry of the replicated log "
			   "before it failed to apply on this node");
		return;
	}
	store_error_text(w->store, rc, why, sizeof why);
	write_job_reset_reply(j);
	resp_error(&j->reply, "STORE", "write failed: %s", why);
}

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Apply jobs[0..n) in one transaction.  Returns 0 when committed (each job
 * has its reply), or, with nothing committed, the failing job's code (a
 * store error or WRITE_UNDO) and its index in *undo. */
static int apply(struct writer *w, struct write_job **jobs, size_t n, size_t *undo)
{
	/* Each job carries the time its request was accepted (now_ms): the
	 * writer reads no clock, so a job decides the same way each time it
	 * runs, and the same jobs applied again give the same answers. */
	struct store_txn *txn;
	int rc = store_write_begin(w->store, &txn);
	if (rc)
		return rc;
	metrics_txn_begin(w->metrics);
	if (w->metrics)		/* the live store's: its alerts are logged */
		alerts_log_begin();
	for (size_t i = 0; i < n; i++) {
		write_job_reset_reply(jobs[i]);
		if (jobs[i]->stream_pos && atomic_load(&w->halted)) {
			store_write_abort(txn);
			metrics_txn_end(false);
			alerts_log_end(false);
			*undo = i;
			return WRITE_HALTED;
		}
		rc = jobs[i]->run(txn, jobs[i]);
		if (rc) {
			store_write_abort(txn);
			metrics_txn_end(false);
			alerts_log_end(false);
			*undo = i;
			return rc;
		}
	}
	int64_t t0 = w->metrics ? metrics_now_ns() : 0;
	rc = store_write_commit(txn);
	metrics_txn_end(rc == 0);
	alerts_log_end(rc == 0);
	if (rc == 0 && w->metrics)
		metrics_commit(n, metrics_now_ns() - t0);
	return rc;
}

/* Commit a group, growing the map as often as it takes; when the group
 * fails for another reason, give every job its own transaction. */
static void commit_group(struct writer *w, struct write_job **jobs, size_t n)
{
	int rc;
	size_t undo = 0;
	while ((rc = apply(w, jobs, n, &undo)) == STORE_MAP_FULL)
		if ((rc = store_grow(w->store)) != 0)
			break;
	if (rc == WRITE_HALTED) {
		/* The jobs before the halted one go on; it and every
		 * replicated job after it fail unrun. */
		if (undo > 0)
			commit_group(w, jobs, undo);
		for (size_t i = undo; i < n; i++)
			if (jobs[i]->stream_pos)
				fail_job(w, jobs[i], WRITE_HALTED);
			else
				commit_group(w, &jobs[i], 1);
		return;
	}
	if (rc == WRITE_UNDO) {
		/* jobs[undo] has its final reply and must leave no trace: the
		 * others go again, in order, in transactions without it (those
		 * after it had not run yet: each job runs at most twice). */
		if (undo > 0)
			commit_group(w, jobs, undo);
		if (undo + 1 < n)
			commit_group(w, jobs + undo + 1, n - undo - 1);
		return;
	}
	if (rc == 0 && w->disk_full_logged) {
		w->disk_full_logged = false;
		log_info("writes succeed again: the disk has room");
	}
	if (rc == 0) {
		atomic_fetch_add(&w->commits, 1);
		atomic_fetch_add(&w->jobs, n);
		uint64_t max = atomic_load(&w->max_group);
		if (n > max)
			atomic_store(&w->max_group, n);
		return;
	}
	atomic_fetch_add(&w->failures, 1);
	/* A full disk fails every write alike: say so once, with the path,
	 * until a commit succeeds again. */
	bool full = rc == STORE_DISK_FULL;
	if (full && !w->disk_full_logged) {
		char why[4300];
		store_error_text(w->store, rc, why, sizeof why);
		log_error("writes fail: %s", why);
		w->disk_full_logged = true;
	}
	if (n > 1) {
		if (!full)
			log_warn("write group of %zu failed (%s); retrying one by one",
				 n, store_strerror(rc));
		for (size_t i = 0; i < n; i++)
			commit_group(w, &jobs[i], 1);
		return;
	}
	if (!full)
		log_error("write failed: %s", store_strerror(rc));
	fail_job(w, jobs[0], rc);
}

static void *writer_main(void *arg)
{
	struct writer *w = arg;
	struct write_job **group = xmalloc(w->group_max * sizeof *group);

	for (;;) {
		pthread_mutex_lock(&w->lock);
		while (w->small.head == NULL && w->bulk.head == NULL && !w->stopping)
			pthread_cond_wait(&w->wake, &w->lock);
		if (w->small.head == NULL && w->bulk.head == NULL) {	/* stopping */
			pthread_mutex_unlock(&w->lock);
			break;
		}
		struct queue *q = &w->small;
		size_t limit = w->group_bytes;
		int64_t now = mono_ms();
		if (w->small.head == NULL ||
		    (w->bulk.head != NULL && w->small_streak >= BULK_EVERY)) {
			q = &w->bulk;
			w->small_streak = 0;
			if (w->small.head == NULL && now - w->last_small_ms >= SCANS_QUIET_MS)
				limit = w->quiet_group_bytes;
		} else {
			w->small_streak++;
			w->last_small_ms = now;
		}
		size_t n = 0, bytes = 0;
		while (q->head && n < w->group_max &&
		       (n == 0 || bytes + q->head->bytes <= limit)) {
			bytes += q->head->bytes;
			group[n++] = q->head;
			q->head = q->head->next;
		}
		if (q->head == NULL)
			q->tail = NULL;
		pthread_mutex_unlock(&w->lock);
		atomic_fetch_sub(&w->depth, n);

		commit_group(w, group, n);
		for (size_t i = 0; i < n; i++)
			group[i]->done(group[i]);	/* may free the job */
	}
	free(group);
	return NULL;
}

struct writer *writer_start(struct store *s, unsigned group_max, size_t group_bytes,
			    size_t quiet_group_bytes)
{
	struct writer *w = xcalloc(1, sizeof *w);
	w->store = s;
	w->group_max = group_max ? group_max : 1;
	w->group_bytes = group_bytes ? group_bytes : 1;
	w->quiet_group_bytes = quiet_group_bytes > w->group_bytes ? quiet_group_bytes :
				w->group_bytes;
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->wake, NULL);
	if (pthread_create(&w->thread, NULL, writer_main, w) != 0) {
		log_error("cannot start the writer thread");
		abort();
	}
	/* Named here rather than by the thread itself, so that the name is
	 * set before the server says it is ready (top -H, /proc/PID/task).
	 * A name is only a convenience: failing to set one changes nothing. */
	(void)pthread_setname_np(w->thread, "yimad-writer");
	/* The writer's CPU time is read through its clock by whoever asks
	 * (writer_stats) rather than by the writer after each group: measuring
	 * it costs the writer nothing, and it is up to date mid-group. */
	w->has_cpu_clock = pthread_getcpuclockid(w->thread, &w->cpu_clock) == 0;
	return w;
}

void writer_submit(struct writer *w, struct write_job *job)
{
	job->next = NULL;
	atomic_fetch_add(&w->depth, 1);
	struct queue *q = job->bulk ? &w->bulk : &w->small;
	pthread_mutex_lock(&w->lock);
	if (q->tail)
		q->tail->next = job;
	else
		q->head = job;
	q->tail = job;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
}

bool writer_halted(struct writer *w)
{
	return atomic_load(&w->halted);
}

void writer_stop(struct writer *w)
{
	pthread_mutex_lock(&w->lock);
	w->stopping = true;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	pthread_cond_destroy(&w->wake);
	pthread_mutex_destroy(&w->lock);
	free(w);
}

void writer_stats(struct writer *w, struct writer_stats *st)
{
	st->queue_depth = atomic_load(&w->depth);
	st->commits = atomic_load(&w->commits);
	st->jobs = atomic_load(&w->jobs);
	st->max_group = atomic_load(&w->max_group);
	st->failures = atomic_load(&w->failures);
	st->cpu_ns = 0;
	struct timespec ts;
	if (w->has_cpu_clock && clock_gettime(w->cpu_clock, &ts) == 0)
		st->cpu_ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void writer_count_metrics(struct writer *w)
{
	w->metrics = true;
}
