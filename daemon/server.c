/*
 * server — start, run and stop the whole daemon.
 *
 * Shutdown order matters (server_stop):
 *   1. close the listener: no new connections;
 *   2. workers stop reading requests: nothing new reaches the writer;
 *   3. the writer runs what is queued, commits, and exits: every write that
 *      was accepted is durable and its reply is back at its worker;
 *   4. workers send those replies (bounded grace period) and exit;
 *   5. the store is closed.
 */
#include "server.h"
#include "log.h"
#include "store.h"
#include "worker.h"
#include "writer.h"
#include "xmem.h"

#include <errno.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <event2/util.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

/* When accept fails for want of descriptors, pause it this long rather
 * than spin on a listener that stays readable. */
#define ACCEPT_PAUSE_MS 100

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	(void)what;
	struct server *srv = arg;
	log_info("received %s, shutting down", sig == SIGTERM ? "SIGTERM" : "SIGINT");
	event_base_loopbreak(srv->base);
}

static void on_accept(struct evconnlistener *l, evutil_socket_t fd,
		      struct sockaddr *sa, int salen, void *arg)
{
	(void)l;
	struct server *srv = arg;
	if (atomic_load(&srv->clients) >= srv->cfg.max_clients) {
		static const char msg[] = "-ERR max number of clients reached\r\n";
		ssize_t n = write(fd, msg, sizeof msg - 1);	/* best effort */
		(void)n;
		evutil_closesocket(fd);
		atomic_fetch_add(&srv->rejected, 1);
		return;
	}
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	atomic_fetch_add(&srv->clients, 1);
	atomic_fetch_add(&srv->accepted, 1);
	struct worker *w = srv->workers[srv->next_worker++ % srv->nworkers];
	worker_adopt(w, fd, sa, (socklen_t)salen);
}

static void on_accept_retry(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct server *srv = arg;
	evconnlistener_enable(srv->listener);
}

static void on_accept_error(struct evconnlistener *l, void *arg)
{
	struct server *srv = arg;
	int err = EVUTIL_SOCKET_ERROR();
	if (err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM) {
		log_warn("accept: %s; pausing accept for %d ms",
			 evutil_socket_error_to_string(err), ACCEPT_PAUSE_MS);
		evconnlistener_disable(l);
		struct timeval tv = { 0, ACCEPT_PAUSE_MS * 1000 };
		event_add(srv->accept_retry, &tv);
		return;
	}
	log_warn("accept: %s", evutil_socket_error_to_string(err));
}

/* Room for max_clients descriptors, within the hard limit. */
static void raise_fd_limit(unsigned want)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return;
	rlim_t need = (rlim_t)want + 64;
	if (rl.rlim_cur >= need)
		return;
	rl.rlim_cur = need < rl.rlim_max ? need : rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur < need)
		log_warn("open-file limit is %llu; max_clients %u may not be reachable",
			 (unsigned long long)rl.rlim_cur, want);
}

static int write_port_file(const char *path, unsigned port)
{
	char tmp[CONFIG_STR_MAX + 8];
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	FILE *f = fopen(tmp, "w");
	if (f == NULL)
		return -1;
	fprintf(f, "%u\n", port);
	if (fclose(f) != 0)
		return -1;
	return rename(tmp, path);
}

static int listen_on(struct server *srv)
{
	char port[16];
	snprintf(port, sizeof port, "%u", srv->cfg.port);
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_PASSIVE };
	struct addrinfo *ai;
	int rc = getaddrinfo(srv->cfg.bind, port, &hints, &ai);
	if (rc != 0) {
		log_error("bind address '%s': %s", srv->cfg.bind, gai_strerror(rc));
		return -1;
	}
	srv->listener = evconnlistener_new_bind(srv->base, on_accept, srv,
		LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC,
		511, ai->ai_addr, (int)ai->ai_addrlen);
	freeaddrinfo(ai);
	if (srv->listener == NULL) {
		log_error("cannot listen on %s:%u: %s", srv->cfg.bind, srv->cfg.port,
			  evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
		return -1;
	}
	evconnlistener_set_error_cb(srv->listener, on_accept_error);

	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	getsockname(evconnlistener_get_fd(srv->listener), (struct sockaddr *)&ss, &sl);
	srv->port = ntohs(ss.ss_family == AF_INET6 ?
			  ((struct sockaddr_in6 *)&ss)->sin6_port :
			  ((struct sockaddr_in *)&ss)->sin_port);
	if (srv->cfg.port_file[0] && write_port_file(srv->cfg.port_file, srv->port) != 0) {
		log_error("cannot write port file %s: %s", srv->cfg.port_file, strerror(errno));
		return -1;
	}
	return 0;
}

int server_start(struct server *srv, const struct config *cfg)
{
	char err[512];
	memset(srv, 0, sizeof *srv);
	srv->cfg = *cfg;
	srv->started = time(NULL);
	srv->limits.max_args = cfg->max_args;
	srv->limits.max_bulk = cfg->max_bulk;
	srv->limits.max_request = cfg->max_request;
	srv->limits.max_inline = cfg->max_inline;
	srv->nworkers = cfg->threads ? cfg->threads : (unsigned)sysconf(_SC_NPROCESSORS_ONLN);
	if (srv->nworkers < 1)
		srv->nworkers = 1;

	signal(SIGPIPE, SIG_IGN);
	raise_fd_limit(cfg->max_clients);

	struct store_options so = { cfg->data, cfg->map_size, srv->nworkers + 4 };
	if (store_open(&srv->store, &so, err, sizeof err) != 0) {
		log_error("%s", err);
		return -1;
	}
	srv->writer = writer_start(srv->store, cfg->group_max, cfg->group_bytes);
	srv->base = event_base_new();
	srv->workers = xcalloc(srv->nworkers, sizeof *srv->workers);
	for (unsigned i = 0; i < srv->nworkers; i++) {
		srv->workers[i] = worker_new(srv, i);
		if (srv->workers[i] == NULL || worker_start(srv->workers[i]) != 0) {
			log_error("cannot start network thread %u", i);
			server_stop(srv);
			return -1;
		}
	}
	srv->accept_retry = evtimer_new(srv->base, on_accept_retry, srv);
	srv->sigterm = evsignal_new(srv->base, SIGTERM, on_signal, srv);
	srv->sigint = evsignal_new(srv->base, SIGINT, on_signal, srv);
	event_add(srv->sigterm, NULL);
	event_add(srv->sigint, NULL);
	if (listen_on(srv) != 0) {
		server_stop(srv);
		return -1;
	}
	log_info("yimad ready: listening on %s port %u, %u network threads, data in %s",
		 cfg->bind, srv->port, srv->nworkers, cfg->data);
	return 0;
}

void server_run(struct server *srv)
{
	event_base_dispatch(srv->base);
}

void server_stop(struct server *srv)
{
	if (srv->listener) {
		evconnlistener_free(srv->listener);
		srv->listener = NULL;
	}
	for (unsigned i = 0; i < srv->nworkers; i++)
		if (srv->workers && srv->workers[i])
			worker_stop_reading(srv->workers[i]);
	if (srv->writer) {
		writer_stop(srv->writer);	/* commits what is queued */
		srv->writer = NULL;
	}
	for (unsigned i = 0; i < srv->nworkers; i++)
		if (srv->workers && srv->workers[i])
			worker_exit(srv->workers[i]);
	for (unsigned i = 0; i < srv->nworkers; i++)
		if (srv->workers)
			worker_join_free(srv->workers[i]);
	free(srv->workers);
	srv->workers = NULL;
	if (srv->sigterm)
		event_free(srv->sigterm);
	if (srv->sigint)
		event_free(srv->sigint);
	if (srv->accept_retry)
		event_free(srv->accept_retry);
	if (srv->base)
		event_base_free(srv->base);
	store_close(srv->store);
	srv->store = NULL;
	log_info("yimad stopped");
}
