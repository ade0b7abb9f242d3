/*
 * worker — a network thread and its inboxes.
 */
#include "worker.h"
#include "conn.h"
#include "http.h"
#include "metrics.h"
#include "throttle.h"
#include "log.h"
#include "mcache.h"
#include "server.h"
#include "store.h"
#include "writer.h"
#include "xmem.h"

#include <event2/event.h>
#include <openssl/ssl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* How long a stopping worker waits for replies to reach slow clients. */
#define EXIT_GRACE_SECONDS 2.0

struct new_sock {
	struct new_sock *next;
	int fd;
	SSL *ssl;
	bool trusted;
	socklen_t salen;
	struct sockaddr_storage sa;
};

/* A socket that will not become a connection: close it and uncount it. */
static void drop_sock(struct worker *w, struct new_sock *s)
{
	struct throttle_addr peer;
	throttle_addr_of((struct sockaddr *)&s->sa, s->salen, &peer);
	if (s->ssl)
		SSL_free(s->ssl);
	close(s->fd);
	server_conn_gone(w->srv, s->trusted ? NULL : &peer);
	free(s);
}

/* Elapsed time for the drain deadline: monotonic, so neither a change of
 * the system's clock nor the shifted clock (clock.h) can stretch it. */
static double now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Sent? then leave the loop; the main thread joins us. */
static void on_drain_check(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct worker *w = arg;
	size_t unsent = 0;
	for (struct conn *c = w->conns; c; c = conn_next(c))
		unsent += conn_unsent(c);
	unsent += http_worker_pending(w->http);	/* HTTP requests not answered yet */
	if (unsent == 0 || now_seconds() > w->exit_deadline) {
		if (unsent)
			log_warn("worker %u: %zu reply bytes unsent at exit", w->index, unsent);
		event_base_loopexit(w->base, NULL);
	}
}

/* Everything other threads left for us: new sockets, finished writes,
 * shutdown steps. */
/* A job the writer is done with, back on this thread: render what its run
 * left to render here, then send and free it. */
static void finish_job(struct write_job *j)
{
	if (j->render) {
		j->render(j);
		j->render = NULL;
	}
	j->finish(j);
}

static void on_wake(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct worker *w = arg;

	pthread_mutex_lock(&w->lock);
	struct new_sock *socks = w->socks;
	struct write_job *done = w->done_head;
	bool stop_reading = w->stop_reading, exiting = w->exit;
	w->socks = NULL;
	w->done_head = w->done_tail = NULL;
	pthread_mutex_unlock(&w->lock);

	while (socks) {
		struct new_sock *s = socks;
		socks = s->next;
		if (stop_reading) {
			drop_sock(w, s);
			continue;
		}
		conn_new(w, s->fd, (struct sockaddr *)&s->sa, s->salen, s->ssl, s->trusted);
		free(s);
	}
	while (done) {
		struct write_job *j = done;
		done = j->next;
		finish_job(j);
	}
	if (stop_reading && !w->reading_stopped) {
		for (struct conn *c = w->conns; c; c = conn_next(c))
			conn_stop_reading(c);
		http_worker_stop_reading(w->http);
		pthread_mutex_lock(&w->lock);
		w->reading_stopped = true;
		pthread_cond_signal(&w->acked);
		pthread_mutex_unlock(&w->lock);
	}
	if (exiting && w->drain_timer == NULL) {
		struct timeval tick = { 0, 20 * 1000 };
		w->exit_deadline = now_seconds() + EXIT_GRACE_SECONDS;
		w->drain_timer = event_new(w->base, -1, EV_PERSIST, on_drain_check, w);
		event_add(w->drain_timer, &tick);
		on_drain_check(-1, 0, w);
	}
}

struct worker *worker_new(struct server *srv, unsigned index)
{
	struct worker *w = xcalloc(1, sizeof *w);
	w->srv = srv;
	w->index = index;
	w->base = event_base_new();
	if (w->base == NULL) {
		free(w);
		return NULL;
	}
	w->wake = event_new(w->base, -1, 0, on_wake, w);
	w->reader = store_reader_new(srv->store);
	w->metrics = metrics_thread_new();
	if (srv->http_fd >= 0 || srv->https_fd >= 0) {
		if ((w->http = http_worker_new(w)) == NULL) {
			store_reader_free(w->reader);
			metrics_thread_free(w->metrics);
			event_free(w->wake);
			event_base_free(w->base);
			free(w);
			return NULL;
		}
	}
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->acked, NULL);
	return w;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	mcache_prepare();
	event_base_loop(w->base, EVLOOP_NO_EXIT_ON_EMPTY);
	return NULL;
}

int worker_start(struct worker *w)
{
	if (pthread_create(&w->thread, NULL, worker_main, w) != 0)
		return -1;
	/* For top -H and /proc/PID/task: set before the server says it is
	 * ready; a name is only a convenience, so a failure is ignored. */
	(void)pthread_setname_np(w->thread, "yimad-net");
	w->started = true;
	return 0;
}

static void wake(struct worker *w)
{
	event_active(w->wake, EV_READ, 0);
}

void worker_adopt(struct worker *w, int fd, const struct sockaddr *sa, socklen_t salen,
		  SSL *ssl, bool trusted)
{
	struct new_sock *s = xmalloc(sizeof *s);
	s->fd = fd;
	s->ssl = ssl;
	s->trusted = trusted;
	s->salen = salen <= (socklen_t)sizeof s->sa ? salen : (socklen_t)sizeof s->sa;
	memcpy(&s->sa, sa, s->salen);
	pthread_mutex_lock(&w->lock);
	s->next = w->socks;
	w->socks = s;
	pthread_mutex_unlock(&w->lock);
	wake(w);
}

void worker_job_done(struct write_job *job)
{
	struct worker *w = job->origin;
	job->next = NULL;
	pthread_mutex_lock(&w->lock);
	bool was_empty = w->done_head == NULL;
	if (w->done_tail)
		w->done_tail->next = job;
	else
		w->done_head = job;
	w->done_tail = job;
	pthread_mutex_unlock(&w->lock);
	if (was_empty)
		wake(w);	/* once per batch: on_wake takes the whole list */
}

void worker_stop_reading(struct worker *w)
{
	pthread_mutex_lock(&w->lock);
	w->stop_reading = true;
	pthread_mutex_unlock(&w->lock);
	wake(w);
	pthread_mutex_lock(&w->lock);
	while (w->started && !w->reading_stopped)
		pthread_cond_wait(&w->acked, &w->lock);
	pthread_mutex_unlock(&w->lock);
}

void worker_exit(struct worker *w)
{
	pthread_mutex_lock(&w->lock);
	w->exit = true;
	pthread_mutex_unlock(&w->lock);
	wake(w);
}

void worker_join_free(struct worker *w)
{
	if (w == NULL)
		return;
	if (w->started)
		pthread_join(w->thread, NULL);
	/* Replies that came back after the loop ended: nobody to send to. */
	for (struct write_job *j = w->done_head; j;) {
		struct write_job *next = j->next;
		finish_job(j);
		j = next;
	}
	w->done_head = w->done_tail = NULL;
	while (w->conns)
		conn_destroy(w->conns);
	for (struct new_sock *s = w->socks; s;) {
		struct new_sock *next = s->next;
		drop_sock(w, s);
		s = next;
	}
	http_worker_free(w->http);	/* closes its connections */
	if (w->drain_timer)
		event_free(w->drain_timer);
	event_free(w->wake);
	store_reader_free(w->reader);
	metrics_thread_free(w->metrics);
	event_base_free(w->base);
	pthread_cond_destroy(&w->acked);
	pthread_mutex_destroy(&w->lock);
	free(w);
}
