/*
 * writer — the one thread that writes to the store, with group commit.
 *
 * Network threads submit write jobs; the writer takes every job waiting (up
 * to group_max), applies them in order inside one LMDB write transaction,
 * commits (fsync), and only then hands each job back through its `done`
 * callback, on the writer thread.  One fsync thus acknowledges a whole
 * group, which is what makes durable writes fast.
 *
 * A job's `run` decides its outcome inside the transaction and writes its
 * reply.  Contract: check everything before the first write, so that a
 * rejected request (an error reply) changed nothing; return 0 after
 * replying, or a store error code, which discards the whole transaction.
 * The writer then grows the map and runs the group again (STORE_MAP_FULL),
 * or runs each job of the group alone so one failing job cannot fail its
 * neighbours.  `run` may thus be called more than once for the same job and
 * must decide the same way from the same state.
 *
 * A job that must refuse after it has written (EVENTS: record 7 of a batch
 * fails after records 1-6 applied) writes its refusal and returns
 * WRITE_UNDO: the writer discards the transaction, keeps that reply, and
 * applies the jobs before and after it again without it.
 */
#ifndef YIMA_WRITER_H
#define YIMA_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "access_log.h"
#include "resp.h"

struct store;
struct store_txn;
struct writer;
struct write_job;

/* `run`: undo what I wrote, keep my reply (see above).  Not a store
 * error code (those are LMDB's, -30799..-30780, and errno values). */
#define WRITE_UNDO (-31000)

typedef int (*write_run_fn)(struct store_txn *txn, struct write_job *job);
typedef void (*write_done_fn)(struct write_job *job);

struct write_job {
	struct write_job *next;		/* queue link, owned by the writer */
	write_run_fn run;
	write_done_fn done;		/* called on the writer thread */
	void *owner;			/* for done: who submitted it */
	void *origin;			/* for done: where to send it back */
	/* Called on the origin's thread once done has handed the job back
	 * there (worker.h, worker_job_done): sends the reply and frees the
	 * job.  Each protocol has its own (conn.c, http.c). */
	write_done_fn finish;
	void *arg;			/* for run: what to do */
	struct resp_out reply;		/* run writes it; owner sends it */
	/* Set by run when it leaves the reply to be rendered on the origin's
	 * thread, from what it kept (a verdict reads no store: cmd.c); the
	 * origin calls it before finish (worker.c).  Whoever resets the reply
	 * clears it (write_job_reset_reply). */
	void (*render)(struct write_job *job);
	int64_t now_ms;			/* set by the submitter: Unix ms when the
					 * request was accepted (clock.h) */
	size_t bytes;			/* request size: bounds a group's work */
	bool bulk;			/* queued behind scans (see writer.c) */
	/* An entry of the replicated log (cluster.h): its position there
	 * (CLUSTER_POS: the stream message's sequence and the entry's index
	 * in it), 0 for a job of this node alone.  Such jobs are applied in the
	 * order submitted, all or none past a failure: when one fails with a
	 * store error, every replicated job after it fails unrun (its `done`
	 * sees WRITE_HALTED in `failed`) until the process restarts, so that
	 * no entry is applied past one that was not. */
	uint64_t stream_pos;
	int failed;			/* 0, or the store error (or WRITE_HALTED)
					 * that failed the job */
	/* For the answer's metrics (metrics.h), set by the submitter: the
	 * command (enum cmd_id) and when its request was read (monotonic
	 * ns). */
	int cmd;
	int64_t t0_ns;
	/* For the access log, set by the submitter when it is on: what the
	 * request named (access_log.h). */
	struct access_note note;
	/* Set by run: a refusal for what the store holds, not for the
	 * request's words (cmd.h, cmd_ctx.conflict). */
	bool conflict;
};

/* Empty the reply, and forget a rendering run left for the origin. */
static inline void write_job_reset_reply(struct write_job *job)
{
	buf_reset(&job->reply.b);
	job->render = NULL;
}

/* A replicated job not run because one before it failed. */
#define WRITE_HALTED (-31001)

struct writer_stats {
	uint64_t queue_depth;
	uint64_t commits;
	uint64_t jobs;			/* jobs in committed groups */
	uint64_t max_group;
	uint64_t failures;		/* transactions that failed */
	uint64_t cpu_ns;		/* CPU time (user + system) the writer
					 * thread has used since it started;
					 * 0 if the system cannot tell */
};

/* group_max: jobs per transaction; group_bytes: request bytes per
 * transaction (a job larger than that runs alone), so that a bulk load
 * cannot hold a scan's commit for long; quiet_group_bytes: the same for
 * bulk work while no scan has come for a while (see writer.c). */
struct writer *writer_start(struct store *s, unsigned group_max, size_t group_bytes,
			    size_t quiet_group_bytes);
/* Requests larger than this are bulk work (a submitter also marks bulk
 * every job queued behind a bulk job of its own, to keep its order). */
#define WRITER_BULK_BYTES 8192

/* Queue a job; any thread. */
void writer_submit(struct writer *w, struct write_job *job);
/* Has a replicated job failed, halting the ones after it? */
bool writer_halted(struct writer *w);
/* Run every job already queued, commit, then stop the thread and free w.
 * Jobs submitted after this call are not allowed. */
void writer_stop(struct writer *w);
void writer_stats(struct writer *w, struct writer_stats *st);
/* The live server's writer: its commits, and the verdicts and alerts its
 * transactions commit, count in /metrics (a replay's do not).  Before the
 * first job. */
void writer_count_metrics(struct writer *w);

#endif
