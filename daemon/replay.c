/*
 * replay — a store's log applied to another store through the writer
 * (replay.h).
 *
 * Entries are submitted as write jobs while the writer applies them, with
 * at most INFLIGHT_BYTES of jobs waiting, and come back (done, on the
 * writer thread) in the order submitted (writer.h), which is how a reply
 * is matched to its entry's seq.
 */
#include "replay.h"
#include "cmd.h"
#include "entry.h"
#include "journal.h"
#include "server.h"
#include "store.h"
#include "writer.h"
#include "xmem.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* Jobs (their copies of the words) waiting for the writer, at most. */
#define INFLIGHT_BYTES ((size_t)64 << 20)

/* Not store error codes (LMDB's are -30799..-30780, errno values > 0). */
#define WALK_STOP (-31200)	/* max_bytes read: stop here */
#define WALK_BAD (-31201)	/* an entry that does not decode, or a refusal */

struct replay {
	struct config cfg;		/* the rules' settings */
	struct writer *writer;
	pthread_mutex_t lock;
	pthread_cond_t done;
	/* under lock */
	size_t inflight;		/* bytes of jobs submitted, not done */
	uint64_t next_done;		/* seq of the next job to come back */
	uint64_t refused;		/* first entry dst refused; 0: none */
	char why[600];
};

struct replay *replay_new(struct store *dst, const struct config *cfg)
{
	struct replay *rp = xcalloc(1, sizeof *rp);
	rp->cfg = *cfg;
	pthread_mutex_init(&rp->lock, NULL);
	pthread_cond_init(&rp->done, NULL);
	/* Nobody waits on a reply: groups as large as bulk work may take. */
	rp->writer = writer_start(dst, cfg->group_max, cfg->bulk_group_bytes,
				  cfg->bulk_group_bytes);
	return rp;
}

void replay_free(struct replay *rp)
{
	if (rp == NULL)
		return;
	writer_stop(rp->writer);
	pthread_cond_destroy(&rp->done);
	pthread_mutex_destroy(&rp->lock);
	free(rp);
}

/* The writer thread: a job is committed (or failed); an error reply is a
 * refusal of an entry its source applied. */
static void job_done(struct write_job *job)
{
	struct replay *rp = job->owner;
	const struct buf *r = &job->reply.b;
	pthread_mutex_lock(&rp->lock);
	if (rp->refused == 0 && r->len > 0 && r->data[0] == '-') {
		size_t n = r->len >= 3 ? r->len - 3 : 0;	/* "-" ... "\r\n" */
		rp->refused = rp->next_done;
		snprintf(rp->why, sizeof rp->why, "%.*s", (int)(n < 400 ? n : 400), r->data + 1);
	}
	rp->next_done++;
	rp->inflight -= job->bytes;
	pthread_cond_broadcast(&rp->done);
	pthread_mutex_unlock(&rp->lock);
	cmd_write_job_free(job);
}

struct walk {
	struct replay *rp;
	size_t read, max_bytes;
	uint64_t last;			/* last seq submitted */
	struct buf plain;		/* a packed entry, unpacked */
	char *err;
	size_t errlen;
};

static int submit(void *arg, uint64_t seq, const void *bytes, size_t len)
{
	struct walk *w = arg;
	struct replay *rp = w->rp;
	struct entry e;
	char why[300];
	if (w->read > 0 && w->read + len > w->max_bytes)
		return WALK_STOP;
	if (entry_open(bytes, len, &w->plain, &e, why, sizeof why) != 0) {
		snprintf(w->err, w->errlen, "log entry %llu does not decode: %s",
			 (unsigned long long)seq, why);
		return WALK_BAD;
	}
	struct write_job *job = cmd_entry_job(&rp->cfg, &e, bytes, len, 3, job_done, rp, NULL);
	pthread_mutex_lock(&rp->lock);
	while (rp->inflight > 0 && rp->inflight + job->bytes > INFLIGHT_BYTES &&
	       rp->refused == 0)
		pthread_cond_wait(&rp->done, &rp->lock);
	bool stop = rp->refused != 0;
	if (!stop)
		rp->inflight += job->bytes;
	pthread_mutex_unlock(&rp->lock);
	if (stop) {
		cmd_write_job_free(job);
		return WALK_BAD;
	}
	writer_submit(rp->writer, job);
	w->read += len;
	w->last = seq;
	return 0;
}

/* "DISPENSE 8301... SITE PH1 ...": what an entry was, for messages. */
static void describe(struct store_txn *src, uint64_t seq, char *out, size_t n)
{
	const void *v;
	size_t vl;
	struct buf unpacked = BUF_INIT;
	struct entry e;
	char why[200];
	out[0] = '\0';
	if (journal_get(src, seq, &v, &vl) != 0 ||
	    entry_open(v, vl, &unpacked, &e, why, sizeof why) != 0) {
		buf_free(&unpacked);
		return;
	}
	const uint8_t *at = e.words;
	size_t used = 0;
	for (uint32_t i = 0; i < e.argc && used + 4 < n; i++) {
		const char *p;
		size_t len;
		entry_word(&at, &p, &len);
		int w = snprintf(out + used, n - used, "%s%.*s", i ? " " : "",
				 (int)(len < 40 ? len : 40), p);
		used += w > 0 ? (size_t)w : 0;
	}
	if (used >= n - 1 && n > 4)
		memcpy(out + n - 4, "...", 4);
	buf_free(&unpacked);
}

int replay_apply(struct replay *rp, struct store_txn *src, uint64_t from, uint64_t to,
		 size_t max_bytes, uint64_t *last, char *err, size_t errlen)
{
	struct walk w = { rp, 0, max_bytes, from - 1, BUF_INIT, err, errlen };
	pthread_mutex_lock(&rp->lock);
	rp->next_done = from;
	pthread_mutex_unlock(&rp->lock);
	int rc = journal_walk(src, from, to, submit, &w);
	buf_free(&w.plain);
	/* Everything submitted is applied (or refused) before returning. */
	pthread_mutex_lock(&rp->lock);
	while (rp->inflight > 0)
		pthread_cond_wait(&rp->done, &rp->lock);
	uint64_t refused = rp->refused;
	pthread_mutex_unlock(&rp->lock);
	*last = w.last;
	if (refused) {
		char what[200];
		describe(src, refused, what, sizeof what);
		snprintf(err, errlen, "log entry %llu (%s) was applied where it was written, "
			 "but replaying the log refuses it: %s", (unsigned long long)refused,
			 what, rp->why);
		return 1;
	}
	if (rc == WALK_BAD)
		return 1;
	if (rc == STORE_CORRUPT) {
		snprintf(err, errlen, "%s", store_strerror(rc));
		return 1;
	}
	if (rc != 0 && rc != WALK_STOP) {
		snprintf(err, errlen, "reading the log: %s", store_strerror(rc));
		return -1;
	}
	return 0;
}
