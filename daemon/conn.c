/*
 * conn — a client connection on its worker thread.
 *
 * Input: everything the bufferevent read is moved into `in`, a contiguous
 * buffer the parser works on in place (arguments are pointers into it).
 * Output: replies of one batch of requests are encoded into `out` and
 * handed to the bufferevent in one piece; replies of writes arrive later,
 * from the writer, in order (see conn.h for why that order holds).
 *
 * Flow control: parsing pauses, and reading with it, while more than
 * OUT_HIGH reply bytes are unsent (UNAUTH_OUT_HIGH before the client signs
 * in), while max_pending writes are in flight, or while a request waits
 * for earlier writes; it resumes when that ends.
 *
 * request_timeout bounds the arrival of one request, from its first byte
 * to its last, counting only time yimad was reading: the count starts
 * when the request at the head of the input begins, starts over for the
 * next one whenever one ends (whether or not a read ends on a request
 * boundary: a streaming client's reads rarely do), and stops while flow
 * control keeps the connection unread (a client cannot be blamed for
 * bytes yimad did not take), and starts over once if yimad itself stalled
 * (on_deadline).  A busy connection is never cut off for being busy; a
 * client dribbling one request is.
 *
 * Admission: every parsed request is looked up once, then passes its
 * principal's request rate and the role matrix (acl.h) before it runs or
 * goes to the writer.  The local principal skips both, so its path is the
 * command lookup alone.  A refusal is a reply like any other and leaves in
 * request order.
 *
 * TLS: a TLS connection's bufferevent is an OpenSSL filter over the socket
 * (the listener made its SSL).  Requests flow once the handshake is done;
 * a verified client certificate then names the principal.  A handshake,
 * like a started request, must be complete within request_timeout: a
 * client dribbling bytes is cut off.
 */
#include "conn.h"
#include "access_log.h"
#include "admit.h"
#include "cluster.h"
#include "conn_session.h"
#include "parse.h"
#include "acl.h"
#include "auth.h"
#include "clock.h"
#include "cmd.h"
#include "throttle.h"
#include "log.h"
#include "metrics.h"
#include "server.h"
#include "session.h"
#include "slow.h"
#include "store.h"
#include "tls.h"
#include "worker.h"
#include "writer.h"
#include "xmem.h"

#include <arpa/inet.h>
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>

#define OUT_HIGH ((size_t)4 << 20)	/* pause requests above this many unsent bytes */
/* The same before the client has signed in, and how much is read at once:
 * anyone may connect, so what a stranger who never reads can make us hold
 * stays small — about 100 KiB a connection (PROTOCOL.md, "Limits"): these
 * two, a started request (unauth_max_request) and the buffers' slack.  The
 * replies open to them (HELLO, AUTH, PING, a public VERIFY) are far
 * smaller than this; a client that pipelines many is only paused. */
#define UNAUTH_OUT_HIGH ((size_t)16 << 10)
#define UNAUTH_READ     ((size_t)16 << 10)
/* A request_timeout timer this late says yimad itself was stalled. */
#define DEADLINE_LATE_MS 250
#define IN_KEEP  ((size_t)64 << 10)	/* free an empty input buffer above this size */

struct conn {
	struct conn *next, *prev;	/* the worker's list */
	struct worker *w;
	struct bufferevent *bev;	/* NULL once the socket is closed */
	/* Plain TCP: reading is ours, on this event, with one recv() per
	 * readiness; the bufferevent only queues what send() did not take.
	 * (A bufferevent read asks the socket's size with an ioctl first: one
	 * system call more per request.)  TLS reads through the bufferevent. */
	struct event *rd;
	uint64_t id;
	char addr[64];
	char name[SESSION_NAME_MAX];
	char lib_name[SESSION_NAME_MAX], lib_ver[SESSION_NAME_MAX];	/* CLIENT SETINFO */
	int64_t born_ms;		/* monotonic: CLIENT INFO's age */
	int proto;

	struct principal who;		/* who sends the requests */
	char *cert_refused;		/* why its certificate did not sign in */
	struct throttle_addr peer;	/* the client's address, for limits */
	/* Its principal's request rate (before sign-in, its address's, shared
	 * by all the address's connections); NULL: none. */
	struct throttle_rate *rate;
	/* request_timeout (see the top of this file): the timer runs while
	 * the count does; it may fire early, never late (on_deadline looks
	 * again), so a request that ends need not move it. */
	struct event *deadline;		/* made on first use */
	bool deadline_armed;		/* counting: the timer is set */
	bool req_ended;			/* a request ended since the count was taken */
	int64_t req_spent_ms;		/* counted against the head request so far */
	int64_t deadline_since_ms;	/* monotonic; when the running count began */
	int64_t deadline_due_ms;	/* monotonic; when the timer is set to fire */
	bool deadline_stretched;	/* the head request's count started over (stall) */
	bool tls;
	bool handshaking;
	bool trusted;			/* local: not counted per address */

	struct buf in;			/* bytes read, not yet consumed */
	size_t in_start;		/* first byte of the next request */
	size_t need;			/* parser's hint: bytes before progress */
	struct resp_parser parser;
	struct resp_out out;		/* replies of the current batch */

	unsigned pending;		/* writes submitted, replies not back */
	unsigned pending_bulk;		/* ... of which in the writer's bulk queue */
	/* The one pending job is a slow command's (slow.h): no request is
	 * taken until its reply is back, so that replies keep their order. */
	bool slow;
	/* A request that must wait for the pending writes, or a framing
	 * error that must wait for their replies before it is reported. */
	bool held;
	bool held_error;
	int held_argc;
	struct resp_arg *held_argv;	/* the parser's array, into `in` */
	const struct command_spec *held_spec;
	struct cmd held_cmd;		/* held_spec's request, parsed */
	int64_t held_t0;		/* when it was read (metrics.h) */
	/* A refused request's reply (refused: code and message), kept while
	 * it waits its turn behind pending writes. */
	bool refused;
	struct refusal refusal;

	bool reading;			/* EV_READ enabled */
	bool closing;			/* close once replies are sent */
	bool eof;			/* the client shut its side */
	bool stopped;			/* server shutdown: no more requests */
	bool dead;			/* socket closed; struct waits for pending */
	const char *close_reason;
};

static void on_read(struct bufferevent *bev, void *arg);
static void on_readable(evutil_socket_t fd, short what, void *arg);
static void update_events(struct conn *c);
static void on_write(struct bufferevent *bev, void *arg);
static void on_event(struct bufferevent *bev, short what, void *arg);

struct conn *conn_next(const struct conn *c) { return c->next; }
struct server *conn_server(const struct conn *c) { return c->w->srv; }
uint64_t conn_id(const struct conn *c) { return c->id; }
const char *conn_addr(const struct conn *c) { return c->addr; }
int conn_proto(const struct conn *c) { return c->proto; }
const char *conn_name(const struct conn *c) { return c->name; }
const struct principal *conn_principal(const struct conn *c) { return &c->who; }
const struct throttle_addr *conn_peer(const struct conn *c) { return &c->peer; }

void conn_set_proto(struct conn *c, int proto)
{
	c->proto = proto;
	c->out.proto = proto;
}

void conn_set_name(struct conn *c, const char *name)
{
	snprintf(c->name, sizeof c->name, "%s", name);
}

void conn_set_lib(struct conn *c, bool version, const char *value)
{
	if (version)
		snprintf(c->lib_ver, sizeof c->lib_ver, "%s", value);
	else
		snprintf(c->lib_name, sizeof c->lib_name, "%s", value);
}

static int64_t mono_ms(void);

void conn_client(const struct conn *c, struct session_client *out)
{
	*out = (struct session_client){
		.id = c->id, .addr = c->addr, .name = c->name, .lib_name = c->lib_name,
		.lib_ver = c->lib_ver, .proto = c->proto,
		.user = c->who.role == ROLE_NONE ? "" : c->who.name,
		.age_seconds = (mono_ms() - c->born_ms) / 1000,
	};
}

void conn_close_after_reply(struct conn *c)
{
	c->closing = true;
	c->close_reason = "client quit";
}

size_t conn_unsent(const struct conn *c)
{
	size_t n = c->out.b.len;
	if (c->bev)
		n += evbuffer_get_length(bufferevent_get_output(c->bev));
	return n;
}

/* Unsent bytes above which c is not read. */
static size_t out_high(const struct conn *c)
{
	return c->who.role == ROLE_NONE ? UNAUTH_OUT_HIGH : OUT_HIGH;
}

static void unlink_free(struct conn *c)
{
	struct worker *w = c->w;
	if (c->prev)
		c->prev->next = c->next;
	else
		w->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	w->nconns--;
	if (c->deadline)
		event_free(c->deadline);
	if (c->held)
		cmd_free(&c->held_cmd);
	resp_parser_free(&c->parser);
	buf_free(&c->in);
	buf_free(&c->out.b);
	free(c->cert_refused);
	free(c);
}

/* The one place a connection ends.  Call it last: c may be freed. */
static void conn_close(struct conn *c, const char *reason)
{
	if (c->bev) {
		log_debug("conn %llu %s closed: %s", (unsigned long long)c->id,
			  c->addr, reason);
		if (c->rd)
			event_free(c->rd);
		c->rd = NULL;
		bufferevent_free(c->bev);	/* and its SSL, and the socket */
		c->bev = NULL;
		if (c->deadline_armed)
			event_del(c->deadline);
		c->deadline_armed = false;
		server_conn_gone(c->w->srv, c->trusted ? NULL : &c->peer);
	}
	if (c->pending == 0)
		unlink_free(c);
	else
		c->dead = true;	/* freed when the last write reply is back */
}

void conn_destroy(struct conn *c)
{
	c->pending = 0;
	conn_close(c, "server shutdown");
}

/* Limits for the requests of a client that has not authenticated: small,
 * so that nobody can make the server buffer much before saying who they
 * are. */
static void set_request_limits(struct conn *c)
{
	const struct server *srv = c->w->srv;
	struct resp_limits lim = srv->limits;
	if (c->who.role == ROLE_NONE) {
		size_t cap = (size_t)srv->cfg.unauth_max_request;
		if (lim.max_request > cap)
			lim.max_request = cap;
		if (lim.max_bulk > cap)
			lim.max_bulk = cap;
		if (lim.max_inline > cap)
			lim.max_inline = cap;
	}
	c->parser.lim = lim;
}

void conn_set_principal(struct conn *c, const struct principal *p)
{
	struct server *srv = c->w->srv;
	c->who = *p;
	/* This connection counts against its address unless trusted. */
	c->rate = admit_rate(srv->throttle, &srv->cfg, p, &c->peer);
	set_request_limits(c);
	if (p->role != ROLE_NONE && p->role != ROLE_LOCAL)
		log_info("conn %llu %s: signed in as %s '%s'%s%s", (unsigned long long)c->id,
			 c->addr, acl_role_name((enum acl_role)p->role), p->name,
			 p->site_id[0] ? " of site " : "", p->site_id);
}

static void on_deadline(evutil_socket_t fd, short what, void *arg);

/* Monotonic milliseconds: request_timeout is real elapsed time, not
 * yimad's clock (clock.h). */
static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Set the timer to fire when the head request's count reaches
 * request_timeout, given the count so far. */
static void deadline_set(struct conn *c, int64_t now)
{
	int64_t left = (int64_t)c->w->srv->cfg.request_timeout * 1000 - c->req_spent_ms -
		       (now - c->deadline_since_ms);
	if (left < 0)
		left = 0;
	if (c->deadline == NULL)
		c->deadline = evtimer_new(c->w->base, on_deadline, c);
	struct timeval tv = { (time_t)(left / 1000), (suseconds_t)(left % 1000) * 1000 };
	evtimer_add(c->deadline, &tv);
	c->deadline_due_ms = now + left;
	c->deadline_armed = true;
}

/*
 * Count request_timeout exactly while a request (or the TLS handshake) has
 * begun and yimad is reading the connection; call whenever either may
 * have changed (update_events does).  Bytes left in `in` while reading are
 * a begun request: process() stops short of them only when flow control
 * also stops the reading.
 */
static void update_deadline(struct conn *c)
{
	if (c->w->srv->cfg.request_timeout == 0 || c->bev == NULL)
		return;
	bool begun = c->in.len > c->in_start;
	bool count = c->handshaking || (c->reading && begun);
	if (!count && !c->deadline_armed) {
		if (!begun || c->req_ended) {
			c->req_spent_ms = 0;
			c->deadline_stretched = false;
		}
		c->req_ended = false;
		return;
	}
	int64_t now = mono_ms();
	if (c->req_ended) {	/* the head request is a new one: its count starts */
		c->req_spent_ms = 0;
		c->deadline_since_ms = now;
		c->deadline_stretched = false;
		c->req_ended = false;
	}
	if (count && !c->deadline_armed) {
		c->deadline_since_ms = now;
		deadline_set(c, now);
	} else if (!count) {	/* paused, or nothing begun: stop counting */
		c->req_spent_ms = begun ? c->req_spent_ms + (now - c->deadline_since_ms) : 0;
		event_del(c->deadline);
		c->deadline_armed = false;
	}
}

void conn_new(struct worker *w, int fd, const struct sockaddr *sa, socklen_t salen,
	      SSL *ssl, bool trusted)
{
	struct server *srv = w->srv;
	struct throttle_addr peer;
	throttle_addr_of(sa, salen, &peer);
	struct bufferevent *bev = ssl
		? bufferevent_openssl_socket_new(w->base, fd, ssl, BUFFEREVENT_SSL_ACCEPTING,
						 BEV_OPT_CLOSE_ON_FREE)
		: bufferevent_socket_new(w->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL) {
		log_error("cannot create a bufferevent for a new connection");
		if (ssl)
			SSL_free(ssl);
		evutil_closesocket(fd);
		server_conn_gone(srv, trusted ? NULL : &peer);
		return;
	}
	struct conn *c = xcalloc(1, sizeof *c);
	c->w = w;
	c->bev = bev;
	c->id = atomic_fetch_add(&srv->next_conn_id, 1) + 1;
	c->proto = 2;
	c->born_ms = mono_ms();
	c->out.proto = 2;
	c->peer = peer;
	c->tls = ssl != NULL;
	c->trusted = trusted;
	c->handshaking = c->tls;
	resp_parser_init(&c->parser, &srv->limits);
	struct principal p = { .role = trusted ? ROLE_LOCAL : ROLE_NONE };
	snprintf(p.name, sizeof p.name, "%s", trusted ? "local" : "");
	conn_set_principal(c, &p);

	char host[INET6_ADDRSTRLEN] = "?";
	unsigned port = 0;
	if (sa->sa_family == AF_INET && salen >= (socklen_t)sizeof(struct sockaddr_in)) {
		const struct sockaddr_in *in4 = (const struct sockaddr_in *)sa;
		inet_ntop(AF_INET, &in4->sin_addr, host, sizeof host);
		port = ntohs(in4->sin_port);
	} else if (sa->sa_family == AF_INET6 &&
		   salen >= (socklen_t)sizeof(struct sockaddr_in6)) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
		inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof host);
		port = ntohs(in6->sin6_port);
	}
	snprintf(c->addr, sizeof c->addr, sa->sa_family == AF_INET6 ? "[%s]:%u" : "%s:%u",
		 host, port);

	c->next = w->conns;
	if (w->conns)
		w->conns->prev = c;
	w->conns = c;
	w->nconns++;

	if (ssl)	/* a client that closes without close_notify has just left */
		bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
	bufferevent_setcb(bev, on_read, NULL, on_event, c);
	if (!ssl)
		c->rd = event_new(w->base, fd, EV_READ | EV_PERSIST, on_readable, c);
	if (srv->cfg.timeout) {
		/* Idle: no request for `timeout` (plain TCP: on c->rd, see
		 * update_events), or none of its replies taken for as long — a
		 * client that stops reading is not read either (flow control),
		 * so without this nothing would ever end it. */
		struct timeval idle = { (time_t)srv->cfg.timeout, 0 };
		bufferevent_set_timeouts(bev, c->rd ? NULL : &idle, &idle);
	}
	c->reading = false;
	update_events(c);	/* a TLS handshake starts counting */
	log_debug("conn %llu %s%s accepted by worker %u", (unsigned long long)c->id,
		  c->addr, c->tls ? " (TLS)" : "", w->index);
}

/* Enable reading exactly when requests may be taken, and ask for a write
 * callback exactly when we wait for the output to drain. */
static void update_events(struct conn *c)
{
	if (c->bev == NULL)
		return;
	size_t unsent = conn_unsent(c);
	size_t high = out_high(c);
	bool want_read = !c->closing && !c->eof && !c->stopped && !c->held &&
			 !c->held_error && !c->slow && c->pending < c->w->srv->cfg.max_pending &&
			 unsent < high;
	if (want_read != c->reading) {
		if (c->rd) {
			uint32_t secs = c->w->srv->cfg.timeout;
			struct timeval idle = { (time_t)secs, 0 };
			if (want_read)
				event_add(c->rd, secs ? &idle : NULL);
			else
				event_del(c->rd);
		} else if (want_read) {
			bufferevent_enable(c->bev, EV_READ);
		} else {
			bufferevent_disable(c->bev, EV_READ);
		}
		c->reading = want_read;
	}
	bool want_write_cb = c->closing || unsent >= high;
	bufferevent_setcb(c->bev, on_read, want_write_cb ? on_write : NULL, on_event, c);
	update_deadline(c);
}

/*
 * Send reply bytes.  When nothing is queued before them, write straight to
 * the socket: most replies leave in that one send(), and the bufferevent
 * never has to arm (and then disarm) a write event for them — two
 * epoll_ctl calls per request saved.  What the socket does not take is
 * queued in the bufferevent as usual; errors are left for it to report.
 */
static void send_bytes(struct conn *c, const char *p, size_t n)
{
	if (c->bev == NULL || n == 0)
		return;
	struct evbuffer *out = bufferevent_get_output(c->bev);
	size_t sent = 0;
	if (!c->tls && evbuffer_get_length(out) == 0) {
		ssize_t w = send(bufferevent_getfd(c->bev), p, n, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w > 0)
			sent = (size_t)w;
	}
	if (sent < n)
		evbuffer_add(out, p + sent, n - sent);
}

static void flush_out(struct conn *c)
{
	send_bytes(c, c->out.b.data, c->out.b.len);
	buf_reset(&c->out.b);
}

/* Run a request admitted as a read; spec NULL (or the wrong arity): reply
 * with the lookup's error. */
static void execute(struct conn *c, struct cmd_ctx *ctx, const struct command_spec *spec,
		    int argc, struct resp_arg *argv, const struct cmd *cmd)
{
	if (spec == NULL || !command_arity_ok(spec, argc)) {
		cmd_lookup(argc, argv, &c->out);
		return;
	}
	cmd_execute(ctx, cmd);
	atomic_fetch_add_explicit(&c->w->commands, 1, memory_order_relaxed);
}

/* Start a slow command (CMD_F_SLOW) on a thread of its own; its reply
 * comes back as a write's does (conn_job_done).  Nothing is pending.
 * False when it could not start (answered here, with why). */
static bool start_slow(struct conn *c, struct cmd *cmd, int64_t t0)
{
	struct server *srv = c->w->srv;
	const struct resp_arg *name = &cmd->argv[0];
	char err[200];
	if (c->stopped) {	/* held until now: slow_wait may have passed */
		resp_error(&c->out, "ERR", "%.*s: the server is shutting down", (int)name->len,
			   name->ptr);
		return false;
	}
	struct write_job *job = cmd_slow_job(&srv->cfg, srv->store, cmd, c->proto,
					     worker_job_done, c, c->w);
	job->finish = conn_job_done;
	job->t0_ns = t0;
	if (slow_start(job, err, sizeof err) != 0) {
		resp_error(&c->out, "ERR", "%.*s: %s", (int)name->len, name->ptr, err);
		cmd_write_job_free(job);
		return false;
	}
	c->pending++;
	c->slow = true;
	atomic_fetch_add_explicit(&c->w->commands, 1, memory_order_relaxed);
	return true;
}

/* Cluster mode, a read with FRESH: it runs in the writer once this node
 * has been handed every entry the stream held, and its reply comes back as
 * a write's does; like a slow command, it holds the requests after it. */
static void start_fresh(struct conn *c, struct cmd *cmd, int64_t t0)
{
	struct server *srv = c->w->srv;
	struct write_job *job = cmd_read_job(&srv->cfg, cmd, c->proto, worker_job_done, c,
					     c->w);
	job->finish = conn_job_done;
	job->t0_ns = t0;
	c->pending++;
	c->slow = true;
	atomic_fetch_add_explicit(&c->w->commands, 1, memory_order_relaxed);
	cluster_fresh(srv->cluster, job);
}

static bool access_on(void)
{
	return atomic_load_explicit(&access_log_on, memory_order_relaxed);
}

/* The access log's line for a request of c (access_log.h). */
static void access_line(const struct conn *c, int cmd, const struct access_note *note,
			int64_t ns, const char *reply, size_t len)
{
	access_log(c->tls ? "resps" : "resp", c->id, c->addr,
		   c->who.role == ROLE_LOCAL ? NULL : &c->who, cmd, note, ns, reply, len);
}

/* Count a request answered here (metrics.h), and log it when the access
 * log is on: its reply is what the output holds past mark; cmd, the
 * request as admitted. */
static void answered(struct conn *c, const struct cmd *cmd, const struct command_spec *spec,
		     int64_t t0, size_t mark)
{
	int64_t ns = metrics_now_ns() - t0;
	int id = spec ? (int)spec->id : -1;
	metrics_request(c->w->metrics, id, ns, c->out.b.data + mark, c->out.b.len - mark);
	if (access_on()) {
		struct access_note note;
		access_note_of(cmd, &note);
		access_line(c, id, &note, ns, c->out.b.data + mark, c->out.b.len - mark);
	}
}

/* Run a request admitted as a read: here, a slow one on its own thread,
 * or (cluster mode) a fresh one after the stream's last entry (those
 * answer through conn_job_done). */
static void run_read(struct conn *c, struct cmd_ctx *ctx, const struct command_spec *spec,
		     int argc, struct resp_arg *argv, struct cmd *cmd, int64_t t0)
{
	bool arity = spec && command_arity_ok(spec, argc);
	size_t mark = c->out.b.len;
	if (arity && (spec->flags & CMD_F_SLOW)) {
		if (start_slow(c, cmd, t0))
			return;
	} else if (arity && c->w->srv->cluster && cmd_has(cmd, OPT_FRESH)) {
		start_fresh(c, cmd, t0);
		return;
	} else {
		execute(c, ctx, spec, argc, argv, cmd);
	}
	answered(c, cmd, spec, t0, mark);
}

static void protocol_error(struct conn *c)
{
	log_info("conn %llu %s: protocol error: %s", (unsigned long long)c->id,
		 c->addr, c->parser.err);
	resp_error(&c->out, "ERR", "Protocol error: %s", c->parser.err);
	c->closing = true;
	c->close_reason = "protocol error";
}

/* Admit a request (admit.h) as this connection's client. */
static enum admission admit_here(struct conn *c, struct cmd_ctx *ctx, int64_t now_ms, int argc,
				 struct resp_arg *argv, const struct command_spec **specp,
				 struct cmd *cmd)
{
	struct admit_client client = {
		.cfg = &c->w->srv->cfg,
		.who = c->who.role == ROLE_LOCAL ? NULL : &c->who,
		.rate = c->rate,
		.rate_name = c->who.role == ROLE_NONE ? "this address" : c->who.name,
		.cert_refused = c->cert_refused,
	};
	return admit(&client, ctx, now_ms, argc, argv, specp, cmd, &c->refusal);
}

static void reply_refusal(struct conn *c)
{
	if (strcmp(c->refusal.code, "NOPERM") == 0)
		admit_log_noperm("conn", (unsigned long long)c->id, c->addr, &c->who, &c->refusal);
	resp_error(&c->out, c->refusal.code, "%s", c->refusal.msg);
}

/* Parse and run what the input holds, as far as flow control allows. */
static void process(struct conn *c)
{
	struct server *srv = c->w->srv;
	/* One reading for the requests this input holds: each command is
	 * stamped with it, and a write carries it to the writer, which never
	 * reads the clock (clock.h). */
	int64_t now_ms = clock_now_ms();
	struct session session;
	conn_session(c, &session);
	struct cmd_ctx ctx = {
		.cfg = &srv->cfg, .session = &session,
		.out = &c->out, .reader = c->w->reader,
	};

	if (c->held || c->held_error) {
		if (c->pending)
			return;
		if (c->held && c->refused) {
			size_t mark = c->out.b.len;
			reply_refusal(c);
			answered(c, &c->held_cmd, c->held_spec, c->held_t0, mark);
		} else if (c->held) {
			run_read(c, &ctx, c->held_spec, c->held_argc, c->held_argv, &c->held_cmd,
				 c->held_t0);
		} else {
			protocol_error(c);
		}
		if (c->held)
			cmd_free(&c->held_cmd);
		c->held = c->held_error = c->refused = false;
	}

	size_t high = out_high(c);
	while (!c->closing && !c->stopped && !c->slow && c->pending < srv->cfg.max_pending) {
		/* At the mark, hand the replies to the socket and go on if it
		 * takes them: stopping here while the socket has room would
		 * read more input than we parse, and `in` would grow without
		 * bound while the kernel absorbs the replies. */
		if (conn_unsent(c) >= high) {
			flush_out(c);
			if (conn_unsent(c) >= high)
				break;
		}
		size_t avail = c->in.len - c->in_start;
		if (avail == 0 || avail < c->need)
			break;
		int argc;
		struct resp_arg *argv;
		size_t used, need;
		enum resp_status st = resp_parse_request(&c->parser, c->in.data + c->in_start,
							 avail, &argc, &argv, &used, &need);
		if (st == RESP_AGAIN) {
			c->need = need;
			break;
		}
		c->need = 0;
		c->req_ended = true;
		if (st == RESP_ERROR) {
			if (c->pending)
				c->held_error = true;
			else
				protocol_error(c);
			break;
		}
		c->in_start += used;
		if (argc == 0)
			continue;
		const struct command_spec *spec;
		struct cmd cmd;
		struct access_note note;	/* the access log's, for a write */
		note.code[0] = note.site[0] = '\0';
		int64_t t0 = metrics_now_ns();
		enum admission a = admit_here(c, &ctx, now_ms, argc, argv, &spec, &cmd);
		if (a == ADMIT_WRITE) {
			/* The job takes the command's codes with its words. */
			if (access_on())	/* before the job takes the words */
				access_note_of(&cmd, &note);
			struct write_job *job = cmd_write_job(&srv->cfg, &cmd, c->proto,
							      worker_job_done, c, c->w);
			job->finish = conn_job_done;
			job->t0_ns = t0;
			job->note = note;
			/* The writer takes its two queues in its own order, so a
			 * connection's writes keep the order sent only if they all
			 * wait in one queue: behind its own bulk jobs a small job
			 * is bulk too, and a large job behind its own small ones
			 * stays small (it then runs alone, bounded by group_bytes). */
			bool small_waiting = c->pending > c->pending_bulk;
			job->bulk = c->pending_bulk > 0 ||
				    (job->bytes > WRITER_BULK_BYTES && !small_waiting);
			c->pending++;
			c->pending_bulk += job->bulk;
			atomic_fetch_add_explicit(&c->w->commands, 1, memory_order_relaxed);
			if (srv->cluster)	/* applied when the stream delivers it */
				cluster_submit(srv->cluster, job);
			else
				writer_submit(srv->writer, job);
			continue;
		}
		if (c->pending) {	/* wait: replies must leave in order */
			c->held = true;
			c->refused = a == ADMIT_REFUSED;
			c->held_spec = spec;
			c->held_argc = argc;
			c->held_argv = argv;
			c->held_t0 = t0;
			cmd_move(&c->held_cmd, &cmd, argv, cmd.who);
			break;
		}
		if (a == ADMIT_REFUSED) {
			size_t mark = c->out.b.len;
			reply_refusal(c);
			answered(c, &cmd, spec, t0, mark);
		} else {
			run_read(c, &ctx, spec, argc, argv, &cmd, t0);
		}
		cmd_free(&cmd);
	}
	cmd_read_done(&ctx);
	flush_out(c);

	/* Drop consumed input; `held` arguments still point into it. */
	if (!c->held) {
		if (c->in_start == c->in.len) {
			c->in.len = c->in_start = 0;
			if (c->in.cap > IN_KEEP)
				buf_free(&c->in);
		} else if (c->in_start > 0) {
			buf_consume(&c->in, c->in_start);
			c->in_start = 0;
		}
	}
}

/* Call last in every callback: closes when it is time (c may be freed). */
static void settle(struct conn *c)
{
	if (c->dead)
		return;
	if (c->eof && !c->held && !c->held_error && c->pending == 0) {
		c->closing = true;
		if (c->close_reason == NULL)
			c->close_reason = "client closed";
	}
	if (c->closing && c->pending == 0 && conn_unsent(c) == 0) {
		conn_close(c, c->close_reason ? c->close_reason : "closing");
		return;
	}
	update_events(c);
}

static void on_read(struct bufferevent *bev, void *arg)
{
	struct conn *c = arg;
	struct evbuffer *input = bufferevent_get_input(bev);
	size_t n = evbuffer_get_length(input);
	if (n) {
		buf_reserve(&c->in, n);
		evbuffer_remove(input, c->in.data + c->in.len, n);
		c->in.len += n;
		c->in.data[c->in.len] = '\0';
	}
	process(c);
	settle(c);
}

/* Plain TCP: the socket is readable, or has been idle for `timeout`. */
static void on_readable(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;
	if (what & EV_TIMEOUT) {
		conn_close(c, "idle timeout");
		return;
	}
	char chunk[64 * 1024];	/* then only what came is kept in `in` */
	size_t room = c->who.role == ROLE_NONE ? UNAUTH_READ : sizeof chunk;
	ssize_t n = recv(fd, chunk, room, 0);
	if (n > 0) {
		buf_append(&c->in, chunk, (size_t)n);
	} else if (n == 0) {
		c->eof = true;
	} else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
		conn_close(c, strerror(errno));
		return;
	}
	process(c);
	settle(c);
}

static void on_write(struct bufferevent *bev, void *arg)
{
	(void)bev;
	struct conn *c = arg;
	process(c);	/* output drained: parsing may resume */
	settle(c);
}

/* The TLS handshake is done: take the principal from a verified client
 * certificate, if there is one. */
static void on_handshake(struct conn *c)
{
	struct server *srv = c->w->srv;
	SSL *ssl = bufferevent_openssl_get_ssl(c->bev);
	char desc[128];
	c->handshaking = false;
	c->req_ended = true;	/* the handshake's count is not the first request's */
	tls_describe(ssl, desc, sizeof desc);
	log_debug("conn %llu %s: TLS handshake done: %s", (unsigned long long)c->id, c->addr,
		  desc);
	char names[TLS_PEER_NAMES_MAX][ACL_NAME_MAX + 1];
	int n = tls_peer_names(ssl, names, TLS_PEER_NAMES_MAX);
	if (n == 0)
		return;
	struct cmd_ctx ctx = { .cfg = &srv->cfg, .reader = c->w->reader };
	struct store_txn *t;
	struct principal p;
	char err[256];
	int rc = cmd_read_txn(&ctx, &t);
	if (rc == 0)
		rc = auth_cert(srv->auth, t, names, n, &p, err, sizeof err);
	cmd_read_done(&ctx);
	if (rc == 0) {
		conn_set_principal(c, &p);
	} else if (rc < 0) {
		metrics_auth_failure();
		log_info("conn %llu %s: client certificate not signed in: %s",
			 (unsigned long long)c->id, c->addr, err);
		c->cert_refused = xstrdup(err);	/* its NOAUTH replies say it */
	} else {
		log_warn("conn %llu %s: client certificate: store: %s", (unsigned long long)c->id,
			 c->addr, store_strerror(rc));
	}
}

/* Why the connection failed: the TLS error if there was one. */
static const char *failure(struct conn *c, char *buf, size_t n)
{
	unsigned long e = c->tls ? bufferevent_get_openssl_error(c->bev) : 0;
	if (e) {
		char why[200];
		ERR_error_string_n(e, why, sizeof why);
		/* Say what was wrong with a client certificate, too. */
		long v = SSL_get_verify_result(bufferevent_openssl_get_ssl(c->bev));
		snprintf(buf, n, "%s%s%s%s%s", c->handshaking ? "TLS handshake failed: " : "TLS: ",
			 why, v != X509_V_OK ? " (client certificate: " : "",
			 v != X509_V_OK ? X509_verify_cert_error_string(v) : "",
			 v != X509_V_OK ? ")" : "");
		return buf;
	}
	if (c->handshaking)
		return "TLS handshake failed";
	int err = EVUTIL_SOCKET_ERROR();
	return err ? evutil_socket_error_to_string(err) : "connection error";
}

static void on_event(struct bufferevent *bev, short what, void *arg)
{
	(void)bev;
	struct conn *c = arg;
	if (what & BEV_EVENT_CONNECTED) {
		metrics_tls_handshake(true);
		on_handshake(c);
		settle(c);
		return;
	}
	if ((what & BEV_EVENT_EOF) && !c->handshaking) {
		c->eof = true;
		process(c);
		settle(c);
		return;
	}
	if (what & BEV_EVENT_TIMEOUT) {
		conn_close(c, (what & BEV_EVENT_WRITING) ? "idle timeout: replies not read"
							 : "idle timeout");
		return;
	}
	char buf[256];
	const char *why = failure(c, buf, sizeof buf);
	if (c->handshaking) {
		metrics_tls_handshake(false);
		log_info("conn %llu %s: %s", (unsigned long long)c->id, c->addr, why);
	}
	conn_close(c, why);
}

/* request_timeout passed with a request (or the handshake) incomplete. */
static void on_deadline(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct conn *c = arg;
	c->deadline_armed = false;
	uint32_t secs = c->w->srv->cfg.request_timeout;
	/* The timer was set for the request it started with; a later one has
	 * its own count.  (A few ms early is the timer's rounding: expired.) */
	int64_t now = mono_ms();
	if (c->req_spent_ms + (now - c->deadline_since_ms) < (int64_t)secs * 1000 - 5) {
		deadline_set(c, now);
		return;
	}
	/* Fired late: this thread, or the whole machine, did not run for a
	 * while, and the client, stopped with it, may not have sent the rest
	 * yet.  How much of the count was such a stall is not known, so the
	 * count starts over; once a request, so that a dribbler is still
	 * ended (after at most twice request_timeout) by a loop always late. */
	if (now - c->deadline_due_ms > DEADLINE_LATE_MS && !c->deadline_stretched) {
		c->deadline_stretched = true;
		c->req_spent_ms = 0;
		c->deadline_since_ms = now;
		deadline_set(c, now);
		return;
	}
	log_info("conn %llu %s: %s not complete within %u s: closed",
		 (unsigned long long)c->id, c->addr, c->handshaking ? "TLS handshake" : "request",
		 secs);
	if (!c->handshaking) {
		char msg[128];
		int n = snprintf(msg, sizeof msg, "-ERR Protocol error: request not complete "
				 "within %u s\r\n", secs);
		send_bytes(c, msg, (size_t)n);	/* best effort: closing at once */
	}
	conn_close(c, "request timeout");
}

void conn_job_done(struct write_job *job)
{
	struct conn *c = job->owner;
	c->pending--;
	c->pending_bulk -= job->bulk;
	c->slow = false;	/* a slow job is pending alone: this was it */
	int64_t ns = metrics_now_ns() - job->t0_ns;
	metrics_request(c->w->metrics, job->cmd, ns, job->reply.b.data, job->reply.b.len);
	if (access_on())
		access_line(c, job->cmd, &job->note, ns, job->reply.b.data, job->reply.b.len);
	if (c->dead) {
		cmd_write_job_free(job);
		if (c->pending == 0)
			unlink_free(c);
		return;
	}
	send_bytes(c, job->reply.b.data, job->reply.b.len);
	cmd_write_job_free(job);
	process(c);
	settle(c);
}

void conn_stop_reading(struct conn *c)
{
	if (c->dead || c->stopped)
		return;
	c->stopped = true;
	update_events(c);
}
