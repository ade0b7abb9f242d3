/*
 * worker — one network thread: an event_base, the connections it owns, and
 * two inboxes that other threads fill: new sockets from the listener and
 * finished write jobs from the writer.  Inboxes are mutex-protected lists;
 * the filler wakes the worker with event_active (libevent is built with
 * pthread support, see evthread_use_pthreads in main).
 */
#ifndef YIMA_WORKER_H
#define YIMA_WORKER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdbool.h>
#include <sys/socket.h>

struct server;
struct conn;
struct http_worker;
struct metrics_thread;
struct write_job;
struct store_reader;
typedef struct ssl_st SSL;

struct worker {
	struct server *srv;
	unsigned index;
	pthread_t thread;
	struct event_base *base;
	struct event *wake;		/* event_active'd by other threads */
	struct event *drain_timer;	/* while exiting: are replies sent? */
	struct store_reader *reader;	/* this thread's read transactions */
	struct conn *conns;		/* every connection of this worker */
	struct http_worker *http;	/* its HTTP side (http.h); NULL: none */
	struct metrics_thread *metrics;	/* what it answered (metrics.h) */
	unsigned nconns;
	_Atomic uint64_t commands;	/* requests run; relaxed, read by INFO */

	pthread_mutex_t lock;		/* guards the inboxes and flags below */
	struct new_sock *socks;		/* sockets to adopt */
	struct write_job *done_head, *done_tail;
	pthread_cond_t acked;		/* the worker saw stop_reading */
	bool started;
	bool stop_reading;		/* shutdown step 1 */
	bool reading_stopped;		/* ... and the worker acted on it */
	bool exit;			/* shutdown step 2 */
	double exit_deadline;
};

struct worker *worker_new(struct server *srv, unsigned index);
int worker_start(struct worker *w);
/* From the listener thread: give a connected socket (and its TLS, or
 * NULL) to this worker; see conn_new for `trusted`. */
void worker_adopt(struct worker *w, int fd, const struct sockaddr *sa,
		  socklen_t salen, SSL *ssl, bool trusted);
/* From the writer thread: a write job of one of this worker's connections
 * is done (committed or failed; its reply is set). */
void worker_job_done(struct write_job *job);
/* Shutdown, from the main thread: stop reading requests (returns once the
 * worker will submit no more writes); then exit once pending replies are
 * sent (or after a grace period); then join and free. */
void worker_stop_reading(struct worker *w);
void worker_exit(struct worker *w);
void worker_join_free(struct worker *w);

#endif
