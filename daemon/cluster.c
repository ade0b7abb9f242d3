/*
 * cluster — this node's writes through the replicated log, and the log
 * applied in stream order (cluster.h).
 *
 * A write of this node waits in a table keyed by its request id from the
 * moment it is submitted: its entry is published by the publisher thread,
 * and when the stream delivers an entry with that id, the waiting job is
 * the one handed to the writer.  Entries of other nodes become jobs of
 * their own (cmd_entry_job), bounded in bytes in the writer's queue so
 * that catching up cannot take all memory.
 */
#include "cluster.h"
#include "clock.h"
#include "code_util.h"
#include "cmd.h"
#include "config.h"
#include "entry.h"
#include "journal.h"
#include "log.h"
#include "resp.h"
#include "store.h"
#include "stream.h"
#include "writer.h"
#include "xmem.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BUCKETS 4096
/* A publish whose ack was lost is sent again after this long, if its
 * entry has not come back by then (it may be in the stream already). */
#define REPUBLISH_AFTER_MS 2000
/* Entries of other nodes queued in the writer, at most (bytes). */
#define REMOTE_INFLIGHT_BYTES (64u << 20)
/* How often the publisher looks at the stream's last sequence and at
 * writes waiting too long. */
#define TICK_MS 200

struct waiting {
	uint64_t id;			/* the entry's request id */
	struct write_job *job;
	int64_t deadline_ms;		/* monotonic: answered UNAVAILABLE then */
	int64_t republish_ms;		/* monotonic: publish again then; 0: no */
	bool queued;			/* in the publish queue */
	struct waiting *next;		/* in its bucket */
	struct waiting *qnext;		/* in the publish queue */
};

struct fresh {
	struct write_job *job;		/* a read job (cmd_read_job) */
	uint64_t target;		/* run after this entry is delivered */
	int64_t deadline_ms;		/* monotonic */
	struct fresh *next;
};

struct cluster {
	const struct config *cfg;
	struct writer *writer;
	struct stream *stream;
	pthread_t publisher;
	bool publisher_started;

	pthread_mutex_t lock;
	pthread_cond_t wake;		/* the publisher: work, or stop */
	pthread_cond_t room;		/* delivery: room in the writer's queue */
	struct waiting *bucket[BUCKETS];
	struct waiting *qhead, *qtail;
	uint64_t nwaiting;
	/* Fresh reads: asked (the stream's last sequence still to learn),
	 * then waiting for the delivery of that sequence. */
	struct fresh *fresh_asked, *fresh_waiting;
	size_t remote_inflight;		/* bytes of other nodes' entries queued */
	struct buf unpacked;		/* on_deliver's: a packed entry, unpacked */
	bool stopping;
	char halted_why[200];

	_Atomic uint64_t delivered_seq, stream_last, published, republished, unavailable,
		remote_applied;
	_Atomic int64_t last_apply_ms;
	_Atomic bool halted;
};

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static struct waiting **slot(struct cluster *c, uint64_t id)
{
	struct waiting **p = &c->bucket[(id ^ (id >> 29)) % BUCKETS];
	while (*p && (*p)->id != id)
		p = &(*p)->next;
	return p;
}

/* Under lock: take the write waiting for entry id out of the table. */
static struct waiting *take(struct cluster *c, uint64_t id)
{
	struct waiting **p = slot(c, id), *w = *p;
	if (w == NULL)
		return NULL;
	*p = w->next;
	c->nwaiting--;
	if (w->queued) {	/* still to publish: not any more */
		struct waiting **q = &c->qhead, *prev = NULL;
		while (*q != w) {
			prev = *q;
			q = &(*q)->qnext;
		}
		*q = w->qnext;
		if (c->qtail == w)
			c->qtail = prev;
	}
	return w;
}

/* Under lock: queue w for the publisher. */
static void queue(struct cluster *c, struct waiting *w)
{
	w->queued = true;
	w->qnext = NULL;
	if (c->qtail)
		c->qtail->qnext = w;
	else
		c->qhead = w;
	c->qtail = w;
	pthread_cond_signal(&c->wake);
}

/* Answer a write that will not be applied here in time. */
static void unavailable(struct cluster *c, struct write_job *job, const char *why)
{
	write_job_reset_reply(job);
	resp_error(&job->reply, "UNAVAILABLE", "%s; it may yet be applied: a DISPENSE sent "
		   "again with the same TX is recognised", why);
	atomic_fetch_add(&c->unavailable, 1);
	job->done(job);
}

void cluster_submit(struct cluster *c, struct write_job *job)
{
	struct waiting *w = xcalloc(1, sizeof *w);
	const void *entry;
	size_t len;
	cmd_write_entry(job, &entry, &len, &w->id);
	w->job = job;
	w->deadline_ms = mono_ms() + CLUSTER_WRITE_WAIT_MS;
	pthread_mutex_lock(&c->lock);
	bool halted = atomic_load(&c->halted) || writer_halted(c->writer);
	if (c->stopping || halted) {
		pthread_mutex_unlock(&c->lock);
		free(w);
		unavailable(c, job, halted ? "this node has stopped applying the replicated "
			    "log (INFO replication says why)" : "this node is shutting down");
		return;
	}
	struct waiting **p = slot(c, w->id);
	if (*p) {	/* request ids are unique per process: never */
		pthread_mutex_unlock(&c->lock);
		free(w);
		unavailable(c, job, "a write with this request id is already waiting");
		return;
	}
	*p = w;
	c->nwaiting++;
	queue(c, w);
	pthread_mutex_unlock(&c->lock);
}

/* What one stream message holds: its entries' request ids (the token of
 * its publish). */
struct sent {
	size_t n;
	uint64_t ids[];
};

/* libnats' ack thread. */
static void on_ack(void *arg, void *token, const struct stream_ack *ack)
{
	struct cluster *c = arg;
	struct sent *m = token;
	if (ack->result != STREAM_ACKED) {	/* else they come back through delivery */
		pthread_mutex_lock(&c->lock);
		for (size_t i = 0; i < m->n; i++) {
			struct waiting *w = *slot(c, m->ids[i]);
			if (w && !w->queued && w->republish_ms == 0)
				w->republish_ms = mono_ms() + REPUBLISH_AFTER_MS;
		}
		pthread_mutex_unlock(&c->lock);
	}
	free(m);
}

/* The writer, for entries of other nodes (and this node's, applied after
 * a restart or sent again). */
static void remote_done(struct write_job *job)
{
	struct cluster *c = job->owner;
	pthread_mutex_lock(&c->lock);
	c->remote_inflight -= job->bytes;
	if (job->failed && job->failed != WRITE_HALTED && c->halted_why[0] == '\0')
		snprintf(c->halted_why, sizeof c->halted_why, "entry %llu.%u failed to apply: %s",
			 (unsigned long long)CLUSTER_POS_SEQ(job->stream_pos),
			 (unsigned)(job->stream_pos & 0xffff), store_strerror(job->failed));
	pthread_cond_broadcast(&c->room);
	pthread_mutex_unlock(&c->lock);
	if (job->failed)
		atomic_store(&c->halted, true);
	else
		atomic_fetch_add(&c->remote_applied, 1);
	atomic_store(&c->last_apply_ms, clock_now_ms());
	cmd_write_job_free(job);
}

/* Stop applying the stream, saying why (INFO replication): nothing
 * delivered from now on is applied until yimad starts again. */
static void halt(struct cluster *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void halt(struct cluster *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	pthread_mutex_lock(&c->lock);
	vsnprintf(c->halted_why, sizeof c->halted_why, fmt, ap);
	pthread_mutex_unlock(&c->lock);
	va_end(ap);
	atomic_store(&c->halted, true);
	log_error("cluster: %s", c->halted_why);
}

/* One entry of message seq, at index i: the job that applies it; NULL,
 * having halted, for an entry of a newer yimad. */
static struct write_job *entry_job(struct cluster *c, uint64_t seq, unsigned i,
				   const void *data, size_t len, bool *remote)
{
	struct entry e;
	char why[300];
	*remote = true;
	int rc = entry_open(data, len, &c->unpacked, &e, why, sizeof why);
	if (rc == ENTRY_NEWER) {
		/* Applied as a refusal it would leave this node without a
		 * write every newer node has: stop here instead. */
		halt(c, "stream entry %llu.%u: %.80s: upgrade this node; it applies nothing "
		     "from there on until it starts again", (unsigned long long)seq, i, why);
		return NULL;
	}
	if (rc != 0) {	/* wrong on every node alike: refused alike */
		char msg[400];
		snprintf(msg, sizeof msg, "stream entry %llu.%u does not decode: %s",
			 (unsigned long long)seq, i, why);
		log_warn("%s", msg);
		return cmd_unreadable_job(c->cfg, msg, remote_done, c);
	}
	pthread_mutex_lock(&c->lock);
	struct waiting *w = take(c, e.stamp.request_id);
	pthread_mutex_unlock(&c->lock);
	if (w == NULL)
		return cmd_entry_job(c->cfg, &e, data, len, 3, remote_done, c, NULL);
	struct write_job *job = w->job;
	free(w);
	*remote = false;
	return job;
}

/* Hand a job to the writer; an entry of another node waits for room. */
static void submit(struct cluster *c, struct write_job *job, bool remote)
{
	if (remote) {
		pthread_mutex_lock(&c->lock);
		while (c->remote_inflight > 0 &&
		       c->remote_inflight + job->bytes > REMOTE_INFLIGHT_BYTES && !c->stopping)
			pthread_cond_wait(&c->room, &c->lock);
		c->remote_inflight += job->bytes;
		pthread_mutex_unlock(&c->lock);
	} else {
		atomic_store(&c->last_apply_ms, clock_now_ms());
	}
	writer_submit(c->writer, job);
}

/* libnats' delivery thread: message seq, in stream order.  A message is
 * entries, each a u32 BE length and its bytes (publisher_main); one whose
 * framing is broken is applied as far as it reads, then as a refusal. */
static void on_deliver(void *arg, uint64_t seq, const void *data, size_t len)
{
	struct cluster *c = arg;
	const uint8_t *p = data, *end = p + len;
	unsigned i = 0;
	if (atomic_load(&c->halted))	/* at an entry of a newer yimad, or lost ones */
		return;
	for (; p < end && i < CLUSTER_GROUP_MAX; i++) {
		bool remote;
		struct write_job *job;
		uint32_t n = end - p >= 4 ? (uint32_t)code_get_be(p, 4) : UINT32_MAX;
		if (n == UINT32_MAX || n > (size_t)(end - p) - 4) {
			char msg[200];
			snprintf(msg, sizeof msg, "stream entry %llu.%u: its length runs past the "
				 "end of the message", (unsigned long long)seq, i);
			log_warn("%s", msg);
			job = cmd_unreadable_job(c->cfg, msg, remote_done, c);
			p = end;
			remote = true;
		} else {
			job = entry_job(c, seq, i, p + 4, n, &remote);
			if (job == NULL)
				return;
			p += 4 + n;
		}
		job->stream_pos = CLUSTER_POS(seq, i);
		job->bulk = false;	/* one queue: the writer keeps stream order */
		submit(c, job, remote);
	}
	if (i == 0) {	/* an empty message still takes its place */
		struct write_job *job = cmd_unreadable_job(c->cfg, "an empty stream message",
							   remote_done, c);
		job->stream_pos = CLUSTER_POS(seq, 0);
		submit(c, job, true);
	}
	/* Under the lock, so that a fresh read deciding whether its entry
	 * has been delivered sees this message either before or after. */
	pthread_mutex_lock(&c->lock);
	atomic_store(&c->delivered_seq, seq);
	struct fresh **f = &c->fresh_waiting;
	while (*f) {
		struct fresh *r = *f;
		if (r->target > seq) {
			f = &r->next;
			continue;
		}
		*f = r->next;
		writer_submit(c->writer, r->job);
		free(r);
	}
	pthread_mutex_unlock(&c->lock);
}

void cluster_fresh(struct cluster *c, struct write_job *job)
{
	struct fresh *f = xcalloc(1, sizeof *f);
	f->job = job;
	f->deadline_ms = mono_ms() + CLUSTER_WRITE_WAIT_MS;
	pthread_mutex_lock(&c->lock);
	if (c->stopping) {
		pthread_mutex_unlock(&c->lock);
		free(f);
		unavailable(c, job, "this node is shutting down");
		return;
	}
	f->next = c->fresh_asked;
	c->fresh_asked = f;
	pthread_cond_signal(&c->wake);
	pthread_mutex_unlock(&c->lock);
}

/* The publisher, lock held: the fresh reads asked learn the stream's last
 * sequence (the lock is let go meanwhile) and run now, or wait for it. */
static void fresh_targets(struct cluster *c)
{
	while (c->fresh_asked) {
		struct fresh *f = c->fresh_asked;
		c->fresh_asked = f->next;
		pthread_mutex_unlock(&c->lock);
		char err[200];
		int rc = stream_last_seq(c->stream, &f->target, err, sizeof err);
		pthread_mutex_lock(&c->lock);
		if (rc != 0) {
			pthread_mutex_unlock(&c->lock);
			char why[300];
			snprintf(why, sizeof why, "FRESH: the stream's last entry is not known: %s",
				 err);
			unavailable(c, f->job, why);
			free(f);
			pthread_mutex_lock(&c->lock);
		} else if (f->target <= atomic_load(&c->delivered_seq)) {
			writer_submit(c->writer, f->job);
			free(f);
		} else {
			f->next = c->fresh_waiting;
			c->fresh_waiting = f;
		}
	}
}

static void on_lost(void *arg, uint64_t from, uint64_t to)
{
	halt(arg, "the stream no longer holds entries %llu to %llu, which this node has not "
	     "applied: start it again from a peer's BACKUP", (unsigned long long)from,
	     (unsigned long long)to);
}

/* Under lock: writes waiting too long leave the table (into *late), and
 * lost publishes due again are queued. */
static void sweep(struct cluster *c, int64_t now, struct waiting **late)
{
	for (size_t b = 0; b < BUCKETS; b++) {
		struct waiting **p = &c->bucket[b];
		while (*p) {
			struct waiting *w = *p;
			if (now >= w->deadline_ms || c->stopping) {
				w = take(c, w->id);
				w->next = *late;
				*late = w;
				continue;
			}
			if (w->republish_ms && now >= w->republish_ms && !w->queued) {
				w->republish_ms = 0;
				atomic_fetch_add(&c->republished, 1);
				queue(c, w);
			}
			p = &w->next;
		}
	}
}

/* Publish what is queued; every TICK_MS (and on stopping) answer writes
 * waiting too long, queue lost publishes again and look at the stream's
 * last sequence. */
/* Under lock: fresh reads waiting too long (all of them when stopping)
 * leave their lists, into *stale. */
static void sweep_fresh(struct cluster *c, int64_t now, struct fresh **stale)
{
	struct fresh **lists[] = { &c->fresh_asked, &c->fresh_waiting };
	for (size_t i = 0; i < 2; i++) {
		struct fresh **p = lists[i];
		while (*p) {
			struct fresh *f = *p;
			if (now < f->deadline_ms && !c->stopping) {
				p = &f->next;
				continue;
			}
			*p = f->next;
			f->next = *stale;
			*stale = f;
		}
	}
}

static void *publisher_main(void *arg)
{
	struct cluster *c = arg;
	struct buf entry;
	buf_init(&entry);
	int64_t next_tick = 0;
	pthread_mutex_lock(&c->lock);
	for (;;) {
		int64_t now = mono_ms();
		if (c->fresh_asked && !c->stopping) {
			fresh_targets(c);
			continue;
		}
		if (c->stopping || now >= next_tick) {
			struct waiting *late = NULL;
			struct fresh *stale = NULL;
			sweep(c, now, &late);
			sweep_fresh(c, now, &stale);
			next_tick = now + TICK_MS;
			bool stop = c->stopping;
			pthread_mutex_unlock(&c->lock);
			while (late) {
				struct waiting *w = late;
				late = w->next;
				unavailable(c, w->job, stop ? "this node is shutting down" :
					    "the replicated log did not take the write in time");
				free(w);
			}
			while (stale) {
				struct fresh *f = stale;
				stale = f->next;
				unavailable(c, f->job, stop ? "this node is shutting down" :
					    "FRESH: this node did not reach the stream's last entry "
					    "in time");
				free(f);
			}
			if (stop)
				break;
			uint64_t last;
			char err[200];
			if (stream_last_seq(c->stream, &last, err, sizeof err) == 0)
				atomic_store(&c->stream_last, last);
			pthread_mutex_lock(&c->lock);
			continue;
		}
		if (c->qhead == NULL) {
			struct timespec until;
			clock_gettime(CLOCK_REALTIME, &until);
			int64_t ns = until.tv_nsec + (next_tick - now) * 1000000;
			until.tv_sec += ns / 1000000000;
			until.tv_nsec = ns % 1000000000;
			pthread_cond_timedwait(&c->wake, &c->lock, &until);
			continue;
		}
		/* The waiting entries go out as one message, each copied while
		 * its write surely waits: once the lock is let go, its own copy
		 * may come back, be applied and be freed. */
		struct sent *m = xmalloc(sizeof *m + CLUSTER_GROUP_MAX * sizeof m->ids[0]);
		m->n = 0;
		buf_reset(&entry);
		while (c->qhead && m->n < CLUSTER_GROUP_MAX &&
		       (m->n == 0 || entry.len < CLUSTER_GROUP_BYTES)) {
			struct waiting *w = c->qhead;
			c->qhead = w->qnext;
			if (c->qhead == NULL)
				c->qtail = NULL;
			w->queued = false;
			const void *data;
			size_t len;
			uint8_t n[4];
			cmd_write_entry(w->job, &data, &len, &m->ids[m->n++]);
			code_put_be(n, len, sizeof n);
			buf_append(&entry, n, sizeof n);
			buf_append(&entry, data, len);
		}
		pthread_mutex_unlock(&c->lock);

		char err[200];
		size_t sent = m->n;	/* once published, m is on_ack's (and may be gone) */
		int rc = stream_publish(c->stream, entry.data, entry.len, m, err, sizeof err);
		pthread_mutex_lock(&c->lock);
		if (rc == 0) {
			atomic_fetch_add(&c->published, sent);
			continue;
		}
		for (size_t i = 0; i < m->n; i++) {	/* not sent: again shortly */
			struct waiting *still = *slot(c, m->ids[i]);
			if (still && !still->queued && still->republish_ms == 0)
				still->republish_ms = mono_ms() + TICK_MS;
		}
		free(m);
	}
	buf_free(&entry);
	return NULL;
}

struct cluster *cluster_start(const struct config *cfg, struct store *store,
			      struct writer *writer, char *err, size_t errlen)
{
	struct cluster *c = xcalloc(1, sizeof *c);
	c->cfg = cfg;
	c->writer = writer;
	pthread_mutex_init(&c->lock, NULL);
	pthread_cond_init(&c->wake, NULL);
	pthread_cond_init(&c->room, NULL);

	uint64_t applied = 0;
	struct store_reader *r = store_reader_new(store);
	struct store_txn *t;
	int rc = store_read_begin(r, &t);
	if (rc == 0) {
		rc = journal_applied(t, &applied);
		store_read_end(r);
	}
	store_reader_free(r);
	if (rc) {
		snprintf(err, errlen, "cannot read the stream sequence applied: %s",
			 store_strerror(rc));
		goto fail;
	}

	struct stream_config sc;
	stream_config_init(&sc, cfg);
	sc.on_ack = on_ack;
	sc.ack_arg = c;
	if ((c->stream = stream_open(&sc, err, errlen)) == NULL)
		goto fail;
	struct stream_consumer cons = { on_deliver, on_lost, c };
	/* The last message applied may have been applied in part (its entries
	 * can fall in different write groups): it comes again, and what of it
	 * was applied is passed over (cmd.c, replicated_once). */
	uint64_t from = applied ? CLUSTER_POS_SEQ(applied) : 1;
	rc = stream_consume(c->stream, from, &cons, err, errlen);
	if (rc == STREAM_GONE) {
		snprintf(err, errlen, "the stream %s no longer holds message %llu, the next this "
			 "store needs: start this node from a peer's BACKUP", cfg->cluster_stream,
			 (unsigned long long)from);
		goto fail;
	}
	if (rc)
		goto fail;
	if (pthread_create(&c->publisher, NULL, publisher_main, c) != 0) {
		snprintf(err, errlen, "cannot start the publisher thread");
		goto fail;
	}
	c->publisher_started = true;
	(void)pthread_setname_np(c->publisher, "yimad-publish");
	log_info("cluster: node %s, stream %s, applying from message %llu", cfg->node_name,
		 cfg->cluster_stream, (unsigned long long)from);
	return c;
fail:
	stream_close(c->stream);
	c->stream = NULL;
	pthread_cond_destroy(&c->room);
	pthread_cond_destroy(&c->wake);
	pthread_mutex_destroy(&c->lock);
	buf_free(&c->unpacked);
	free(c);
	return NULL;
}

void cluster_stats(struct cluster *c, struct store_txn *t, struct cluster_stats *st)
{
	memset(st, 0, sizeof *st);
	uint64_t pos = 0;
	if (t && journal_applied(t, &pos) != 0)
		pos = 0;
	st->applied_seq = CLUSTER_POS_SEQ(pos);
	st->applied_index = (unsigned)(pos & 0xffff);
	st->stream_last_seq = atomic_load(&c->stream_last);
	st->delivered_seq = atomic_load(&c->delivered_seq);
	st->last_apply_ms = atomic_load(&c->last_apply_ms);
	st->published = atomic_load(&c->published);
	st->republished = atomic_load(&c->republished);
	st->unavailable = atomic_load(&c->unavailable);
	st->remote_applied = atomic_load(&c->remote_applied);
	st->halted = atomic_load(&c->halted) || writer_halted(c->writer);
	pthread_mutex_lock(&c->lock);
	st->waiting = c->nwaiting;
	snprintf(st->halted_why, sizeof st->halted_why, "%s", c->halted_why);
	pthread_mutex_unlock(&c->lock);
	snprintf(st->stream, sizeof st->stream, "%.63s", c->cfg->cluster_stream);
	snprintf(st->node, sizeof st->node, "%.63s", c->cfg->node_name);
	if (c->stream == NULL)	/* stopping */
		return;
	struct stream_stats ss;
	stream_get_stats(c->stream, &ss);
	st->connected = ss.connected;
	snprintf(st->server, sizeof st->server, "%s", ss.server);
	st->reconnects = ss.reconnects;
	st->gaps = ss.gaps;
	st->resubscribes = ss.resubscribes;
	if (ss.last_acked_seq > st->stream_last_seq)
		st->stream_last_seq = ss.last_acked_seq;
}

void cluster_stop(struct cluster *c)
{
	if (c == NULL)
		return;
	pthread_mutex_lock(&c->lock);
	c->stopping = true;
	pthread_cond_broadcast(&c->wake);
	pthread_cond_broadcast(&c->room);
	pthread_mutex_unlock(&c->lock);
	if (c->publisher_started)
		pthread_join(c->publisher, NULL);	/* answers every waiting write */
	stream_close(c->stream);	/* no delivery after this */
	c->stream = NULL;
}

void cluster_free(struct cluster *c)
{
	if (c == NULL)
		return;
	pthread_cond_destroy(&c->room);
	pthread_cond_destroy(&c->wake);
	pthread_mutex_destroy(&c->lock);
	buf_free(&c->unpacked);
	free(c);
}
