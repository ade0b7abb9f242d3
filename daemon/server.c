/*
 * server — start, run and stop the whole daemon.
 *
 * Shutdown order matters (server_stop):
 *   1. close the listener: no new connections;
 *   2. workers stop reading requests: nothing new reaches the writer;
 *   3. the writer runs what is queued, commits, and exits: every write that
 *      was accepted is durable and its reply is back at its worker; a
 *      running BACKUP ends (slow.h) and its reply is back too;
 *   4. workers send those replies (bounded grace period) and exit;
 *   5. the store is closed.
 */
#include "access_log.h"
#include "server.h"
#include "http.h"
#include "session.h"
#include "cluster.h"
#include "alerts.h"
#include "audit.h"
#include "auth.h"
#include "clock.h"
#include "eventlog.h"
#include "throttle.h"
#include "log.h"
#include "slow.h"
#include "store.h"
#include "tls.h"
#include "worker.h"
#include "writer.h"
#include "xmem.h"

#include <errno.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <event2/util.h>
#include <netdb.h>
#include <pthread.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <unistd.h>

/* When accept fails for want of descriptors, pause it this long rather
 * than spin on a listener that stays readable. */
#define ACCEPT_PAUSE_MS 100
/* How often addresses with nothing held against them are forgotten. */
#define SWEEP_SECONDS 30

/* SIGHUP: read the certificate, key, CA and ACL files again, and reopen
 * the access log (rotated away).  A file that fails leaves the previous
 * one in use; connections stay as they are. */
static void reload_files(struct server *srv)
{
	char err[1200];
	if (srv->tls && tls_reload(srv->tls, &srv->cfg, err, sizeof err) != 0)
		log_error("SIGHUP: TLS not reloaded, the old certificate stays: %s", err);
	else if (srv->tls)
		log_info("SIGHUP: TLS certificate, key and CA reloaded");
	if (auth_reload(srv->auth, &srv->cfg, err, sizeof err) != 0)
		log_error("SIGHUP: ACL file not reloaded, the old one stays: %s", err);
	else
		log_info("SIGHUP: ACL file reloaded: %zu entries", auth_entries(srv->auth));
	if (srv->cfg.access_log[0] && access_log_open(srv->cfg.access_log) != 0)
		log_error("SIGHUP: access log %s not reopened, the old file stays: %s",
			  srv->cfg.access_log, strerror(errno));
}

/* The signals yimad acts on are blocked in every thread and read here from
 * a signalfd, as the event loop reads a socket: no handler runs at an odd
 * moment on whichever thread the kernel picked.  (A handler's signal taken
 * while a sanitizer's thread was outside a blocking call was deferred, and
 * a SIGTERM sent as yimad became ready was sometimes never acted on.) */
static void on_signals(evutil_socket_t fd, short what, void *arg)
{
	(void)what;
	struct server *srv = arg;
	struct signalfd_siginfo si;
	while (read(fd, &si, sizeof si) == (ssize_t)sizeof si) {
		if (si.ssi_signo == SIGHUP) {
			reload_files(srv);
		} else {
			log_info("received %s, shutting down",
				 si.ssi_signo == SIGTERM ? "SIGTERM" : "SIGINT");
			event_base_loopbreak(srv->base);
		}
	}
}

/* Block SIGTERM, SIGINT and SIGHUP in this thread before it makes any
 * other (each inherits the mask), and open the descriptor they are read
 * from.  One sent before the loop runs waits, queued, until it does. */
static int block_loop_signals(struct server *srv)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	if (pthread_sigmask(SIG_BLOCK, &set, NULL) != 0)
		return -1;
	srv->signal_fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	return srv->signal_fd < 0 ? -1 : 0;
}

static void on_sweep(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct server *srv = arg;
	throttle_sweep(srv->throttle, (time_t)(clock_now_ms() / 1000));
}

void server_conn_gone(struct server *srv, const struct throttle_addr *peer)
{
	if (peer)
		throttle_conn_close(srv->throttle, peer);
	atomic_fetch_sub(&srv->clients, 1);
}

/* Refuse a connection: a plaintext client is told why (best effort); a TLS
 * client could not read it before a handshake, so it is only closed. */
static void refuse(struct server *srv, evutil_socket_t fd, bool tls, const char *msg)
{
	if (!tls) {
		ssize_t n = write(fd, msg, strlen(msg));
		(void)n;
	}
	evutil_closesocket(fd);
	atomic_fetch_add(&srv->rejected, 1);
}

static void accept_conn(struct server *srv, evutil_socket_t fd, struct sockaddr *sa,
			int salen, bool tls)
{
	struct throttle_addr peer;
	throttle_addr_of(sa, (socklen_t)salen, &peer);
	if (atomic_load(&srv->clients) >= srv->cfg.max_clients) {
		refuse(srv, fd, tls, "-ERR max number of clients reached\r\n");
		return;
	}
	/* A trusted local client may do anything anyway: no per-address cap. */
	bool trusted = !tls && srv->cfg.local_trust && throttle_addr_loopback(&peer);
	if (!trusted && !throttle_conn_open(srv->throttle, &peer)) {
		log_info("refused a connection: max_clients_per_addr %u reached",
			 srv->cfg.max_clients_per_addr);
		refuse(srv, fd, tls, "-ERR max number of clients from your address reached\r\n");
		return;
	}
	SSL *ssl = NULL;
	if (tls && (ssl = tls_new_ssl(srv->tls)) == NULL) {
		throttle_conn_close(srv->throttle, &peer);
		evutil_closesocket(fd);
		return;
	}
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	atomic_fetch_add(&srv->clients, 1);
	atomic_fetch_add(&srv->accepted, 1);
	struct worker *w = srv->workers[srv->next_worker++ % srv->nworkers];
	worker_adopt(w, fd, sa, (socklen_t)salen, ssl, trusted);
}

static void on_accept(struct evconnlistener *l, evutil_socket_t fd,
		      struct sockaddr *sa, int salen, void *arg)
{
	(void)l;
	accept_conn(arg, fd, sa, salen, false);
}

static void on_accept_tls(struct evconnlistener *l, evutil_socket_t fd,
			  struct sockaddr *sa, int salen, void *arg)
{
	(void)l;
	accept_conn(arg, fd, sa, salen, true);
}

static void on_accept_retry(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct server *srv = arg;
	evconnlistener_enable(srv->listener);
	if (srv->tls_listener)
		evconnlistener_enable(srv->tls_listener);
}

static void on_accept_error(struct evconnlistener *l, void *arg)
{
	struct server *srv = arg;
	int err = EVUTIL_SOCKET_ERROR();
	if (err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM) {
		log_warn("accept: %s; pausing accept for %d ms",
			 evutil_socket_error_to_string(err), ACCEPT_PAUSE_MS);
		evconnlistener_disable(srv->listener);
		if (srv->tls_listener)
			evconnlistener_disable(srv->tls_listener);
		(void)l;
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

/* The bound ports, for whoever started us with port 0: the RESP port on
 * the first line, then "tls N", "http N", "https N" for those that are on. */
static int write_port_file(const struct server *srv, const char *path)
{
	char tmp[CONFIG_STR_MAX + 8];
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	FILE *f = fopen(tmp, "w");
	if (f == NULL)
		return -1;
	fprintf(f, "%u\n", srv->port);
	if (srv->tls_port)
		fprintf(f, "tls %u\n", srv->tls_port);
	if (srv->http_port)
		fprintf(f, "http %u\n", srv->http_port);
	if (srv->https_port)
		fprintf(f, "https %u\n", srv->https_port);
	if (fclose(f) != 0)
		return -1;
	return rename(tmp, path);
}

/* Does `addr` name only loopback addresses? */
static bool loopback_only(const char *addr)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_PASSIVE };
	struct addrinfo *ai;
	if (getaddrinfo(addr, NULL, &hints, &ai) != 0)
		return false;
	bool all = ai != NULL;
	for (struct addrinfo *p = ai; p; p = p->ai_next) {
		struct throttle_addr a;
		throttle_addr_of(p->ai_addr, p->ai_addrlen, &a);
		all = all && throttle_addr_loopback(&a);
	}
	freeaddrinfo(ai);
	return all;
}

/* Listen on addr:port; the bound port into *bound. */
static struct evconnlistener *listen_on(struct server *srv, const char *addr, unsigned port,
					evconnlistener_cb cb, uint16_t *bound)
{
	char ports[16];
	snprintf(ports, sizeof ports, "%u", port);
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_PASSIVE };
	struct addrinfo *ai;
	int rc = getaddrinfo(addr, ports, &hints, &ai);
	if (rc != 0) {
		log_error("bind address '%s': %s", addr, gai_strerror(rc));
		return NULL;
	}
	struct evconnlistener *l = evconnlistener_new_bind(srv->base, cb, srv,
		LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC,
		511, ai->ai_addr, (int)ai->ai_addrlen);
	freeaddrinfo(ai);
	if (l == NULL) {
		log_error("cannot listen on %s:%u: %s", addr, port,
			  evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
		return NULL;
	}
	evconnlistener_set_error_cb(l, on_accept_error);
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	getsockname(evconnlistener_get_fd(l), (struct sockaddr *)&ss, &sl);
	*bound = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
						: ((struct sockaddr_in *)&ss)->sin_port);
	return l;
}

/* The plaintext port on loopback unless allow_plaintext (remote clients
 * use TLS), the TLS port on bind, then the port file. */
static int listen_all(struct server *srv)
{
	const struct config *cfg = &srv->cfg;
	srv->listener = listen_on(srv, srv->plain_bind, cfg->port, on_accept, &srv->port);
	if (srv->listener == NULL)
		return -1;
	if (cfg->tls_port) {
		srv->tls_listener = listen_on(srv, cfg->bind, cfg->tls_port, on_accept_tls,
					      &srv->tls_port);
		if (srv->tls_listener == NULL)
			return -1;
	}
	if (cfg->port_file[0] &&
	    write_port_file(srv, cfg->port_file) != 0) {
		log_error("cannot write port file %s: %s", cfg->port_file, strerror(errno));
		return -1;
	}
	return 0;
}

int server_start(struct server *srv, const struct config *cfg)
{
	char err[512];
	memset(srv, 0, sizeof *srv);
	srv->http_fd = srv->https_fd = srv->signal_fd = -1;
	srv->cfg = *cfg;
	struct timespec mono;
	clock_gettime(CLOCK_MONOTONIC, &mono);
	srv->started = mono.tv_sec;
	srv->limits.max_args = cfg->max_args;
	srv->limits.max_bulk = cfg->max_bulk;
	srv->limits.max_request = cfg->max_request;
	srv->limits.max_inline = cfg->max_inline;
	srv->nworkers = cfg->threads ? cfg->threads : (unsigned)sysconf(_SC_NPROCESSORS_ONLN);
	if (srv->nworkers < 1)
		srv->nworkers = 1;

	signal(SIGPIPE, SIG_IGN);
	if (block_loop_signals(srv) != 0) {
		log_error("cannot set up signal handling: %s", strerror(errno));
		server_stop(srv);
		return -1;
	}
	raise_fd_limit(cfg->max_clients);

	srv->throttle = throttle_new(cfg);
	if (auth_new(&srv->auth, cfg, err, sizeof err) != 0) {
		log_error("acl_file: %s", err);
		server_stop(srv);
		return -1;
	}
	if ((cfg->tls_port || cfg->https_port) && tls_new(&srv->tls, cfg, err, sizeof err) != 0) {
		log_error("%s", err);
		server_stop(srv);
		return -1;
	}
	struct store_options so = { .dir = cfg->data, .map_size = cfg->map_size,
				    .max_readers = srv->nworkers + 4 };
	if (store_open(&srv->store, &so, err, sizeof err) != 0) {
		log_error("%s", err);
		server_stop(srv);
		return -1;
	}
	struct store_warm_stats warm;
	uint64_t room = store_memory_room();
	int warm_rc = store_warm(srv->store, room, &warm);
	if (warm_rc)
		log_warn("the store's map is not warmed (pages are mapped on first use): %s",
			 strerror(warm_rc));
	else if (warm.mapped_bytes == warm.file_bytes || warm.reading_in == STORE_READ_WHOLE)
		log_info("store map warmed: %.1f MB of its %.1f MB were in memory and are "
			 "mapped (%.3f s)%s", warm.mapped_bytes / 1e6, warm.file_bytes / 1e6,
			 warm.seconds, warm.reading_in ? "; the rest is being read in" : "");
	else if (warm.reading_in == STORE_READ_SCAN_PATH)
		log_info("store map warmed: %.1f MB of its %.1f MB were in memory and are "
			 "mapped (%.3f s); the store is larger than half the free memory "
			 "(%.1f MB), and the databases a scan reads (%s: %.1f MB) are being "
			 "read in", warm.mapped_bytes / 1e6, warm.file_bytes / 1e6, warm.seconds,
			 room / 1e6, warm.databases, warm.read_bytes / 1e6);
	else
		log_info("store map warmed: %.1f MB of its %.1f MB were in memory and are "
			 "mapped (%.3f s); the rest is left to be read on use: the store is "
			 "larger than half the free memory (%.1f MB) and not one of the "
			 "databases a scan reads fits in seven eighths of it",
			 warm.mapped_bytes / 1e6, warm.file_bytes / 1e6, warm.seconds, room / 1e6);
	if (alerts_open(srv->store, err, sizeof err) != 0 ||
	    events_open(srv->store, err, sizeof err) != 0) {
		log_error("%s", err);
		server_stop(srv);
		return -1;
	}
	srv->writer = writer_start(srv->store, cfg->group_max, cfg->group_bytes,
				   cfg->bulk_group_bytes);
	writer_count_metrics(srv->writer);
	if (cfg->cluster_nats_urls[0] != '\0' &&
	    (srv->cluster = cluster_start(&srv->cfg, srv->store, srv->writer, err,
					  sizeof err)) == NULL) {
		log_error("cluster: %s", err);
		server_stop(srv);
		return -1;
	}
	srv->base = event_base_new();
	snprintf(srv->plain_bind, sizeof srv->plain_bind, "%s", cfg->bind);
	if (!cfg->allow_plaintext && !loopback_only(cfg->bind)) {
		snprintf(srv->plain_bind, sizeof srv->plain_bind, "127.0.0.1");
		log_info("plaintext port %u listens on 127.0.0.1 only: bind %s is not loopback "
			 "and allow_plaintext is off", cfg->port, cfg->bind);
	}
	/* The HTTP ports are bound before the network threads are made:
	 * each serves them from the start (http.h). */
	if (http_listen(srv, err, sizeof err) != 0) {
		log_error("%s", err);
		server_stop(srv);
		return -1;
	}
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
	srv->signals = event_new(srv->base, srv->signal_fd, EV_READ | EV_PERSIST, on_signals, srv);
	srv->sweep = event_new(srv->base, -1, EV_PERSIST, on_sweep, srv);
	struct timeval sweep = { SWEEP_SECONDS, 0 };
	event_add(srv->signals, NULL);
	event_add(srv->sweep, &sweep);
	if (listen_all(srv) != 0) {
		server_stop(srv);
		return -1;
	}
	if (srv->http_port || srv->https_port)
		log_info("HTTP on %s port %u, HTTPS on %s port %u (0: off)", srv->plain_bind,
			 srv->http_port, cfg->bind, srv->https_port);
	if (srv->tls_port)
		log_info("yimad ready: listening on %s port %u, TLS on %s port %u, "
			 "%u network threads, data in %s", srv->plain_bind, srv->port, cfg->bind,
			 srv->tls_port, srv->nworkers, cfg->data);
	else
		log_info("yimad ready: listening on %s port %u, %u network threads, data in %s",
			 srv->plain_bind, srv->port, srv->nworkers, cfg->data);
	return 0;
}

void server_figures(struct server *srv, struct session_figures *f)
{
	struct timespec mono;
	clock_gettime(CLOCK_MONOTONIC, &mono);
	uint64_t commands = 0;
	for (unsigned i = 0; i < srv->nworkers; i++)
		commands += atomic_load_explicit(&srv->workers[i]->commands,
						 memory_order_relaxed);
	*f = (struct session_figures){
		.uptime_seconds = (int64_t)(mono.tv_sec - srv->started),
		.threads = srv->nworkers,
		.port = srv->port,
		.tls_port = srv->tls_port,
		.http_port = srv->http_port,
		.https_port = srv->https_port,
		.connected = atomic_load(&srv->clients),
		.accepted = atomic_load(&srv->accepted),
		.rejected = atomic_load(&srv->rejected),
		.commands = commands,
		.store = srv->store,
		.writer = srv->writer,
		.cluster = srv->cluster,
	};
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
	if (srv->tls_listener) {
		evconnlistener_free(srv->tls_listener);
		srv->tls_listener = NULL;
	}
	for (unsigned i = 0; i < srv->nworkers; i++)
		if (srv->workers && srv->workers[i])
			worker_stop_reading(srv->workers[i]);
	/* Writes waiting for the replicated log are answered; no entry is
	 * delivered after this. */
	cluster_stop(srv->cluster);
	if (srv->writer) {
		writer_stop(srv->writer);	/* commits what is queued */
		srv->writer = NULL;
	}
	cluster_free(srv->cluster);
	srv->cluster = NULL;
	slow_wait();	/* their replies go to the workers, which still run */
	for (unsigned i = 0; i < srv->nworkers; i++)
		if (srv->workers && srv->workers[i])
			worker_exit(srv->workers[i]);
	for (unsigned i = 0; i < srv->nworkers; i++)
		if (srv->workers)
			worker_join_free(srv->workers[i]);
	free(srv->workers);
	srv->workers = NULL;
	http_close(srv);
	if (srv->signals)
		event_free(srv->signals);
	if (srv->signal_fd >= 0)
		close(srv->signal_fd);
	if (srv->sweep)
		event_free(srv->sweep);
	if (srv->accept_retry)
		event_free(srv->accept_retry);
	if (srv->base)
		event_base_free(srv->base);
	store_close(srv->store);
	srv->store = NULL;
	tls_free(srv->tls);
	srv->tls = NULL;
	auth_free(srv->auth);
	srv->auth = NULL;
	throttle_free(srv->throttle);
	srv->throttle = NULL;
	log_info("yimad stopped");
}
