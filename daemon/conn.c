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
 * OUT_HIGH reply bytes are unsent, while max_pending writes are in flight,
 * or while a request waits for earlier writes; it resumes when that ends.
 */
#include "conn.h"
#include "cmd.h"
#include "log.h"
#include "server.h"
#include "store.h"
#include "worker.h"
#include "writer.h"
#include "xmem.h"

#include <arpa/inet.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#define OUT_HIGH ((size_t)4 << 20)	/* pause requests above this many unsent bytes */
#define IN_KEEP  ((size_t)64 << 10)	/* free an empty input buffer above this size */

struct conn {
	struct conn *next, *prev;	/* the worker's list */
	struct worker *w;
	struct bufferevent *bev;	/* NULL once the socket is closed */
	uint64_t id;
	char addr[64];
	char name[64];
	int proto;

	struct buf in;			/* bytes read, not yet consumed */
	size_t in_start;		/* first byte of the next request */
	size_t need;			/* parser's hint: bytes before progress */
	struct resp_parser parser;
	struct resp_out out;		/* replies of the current batch */

	unsigned pending;		/* writes submitted, replies not back */
	unsigned pending_bulk;		/* ... of which in the writer's bulk queue */
	/* A request that must wait for the pending writes, or a framing
	 * error that must wait for their replies before it is reported. */
	bool held;
	bool held_error;
	int held_argc;
	struct resp_arg *held_argv;	/* the parser's array, into `in` */

	bool reading;			/* EV_READ enabled */
	bool closing;			/* close once replies are sent */
	bool eof;			/* the client shut its side */
	bool stopped;			/* server shutdown: no more requests */
	bool dead;			/* socket closed; struct waits for pending */
	const char *close_reason;
};

static void on_read(struct bufferevent *bev, void *arg);
static void on_write(struct bufferevent *bev, void *arg);
static void on_event(struct bufferevent *bev, short what, void *arg);

struct conn *conn_next(const struct conn *c) { return c->next; }
uint64_t conn_id(const struct conn *c) { return c->id; }
const char *conn_addr(const struct conn *c) { return c->addr; }
int conn_proto(const struct conn *c) { return c->proto; }
const char *conn_name(const struct conn *c) { return c->name; }

void conn_set_proto(struct conn *c, int proto)
{
	c->proto = proto;
	c->out.proto = proto;
}

void conn_set_name(struct conn *c, const char *name)
{
	snprintf(c->name, sizeof c->name, "%s", name);
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
	resp_parser_free(&c->parser);
	buf_free(&c->in);
	buf_free(&c->out.b);
	free(c);
}

/* The one place a connection ends.  Call it last: c may be freed. */
static void conn_close(struct conn *c, const char *reason)
{
	if (c->bev) {
		log_debug("conn %llu %s closed: %s", (unsigned long long)c->id,
			  c->addr, reason);
		bufferevent_free(c->bev);
		c->bev = NULL;
		atomic_fetch_sub(&c->w->srv->clients, 1);
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

void conn_new(struct worker *w, int fd, const struct sockaddr *sa, socklen_t salen)
{
	struct server *srv = w->srv;
	struct bufferevent *bev = bufferevent_socket_new(w->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL) {
		log_error("cannot create a bufferevent for a new connection");
		evutil_closesocket(fd);
		atomic_fetch_sub(&srv->clients, 1);
		return;
	}
	struct conn *c = xcalloc(1, sizeof *c);
	c->w = w;
	c->bev = bev;
	c->id = atomic_fetch_add(&srv->next_conn_id, 1) + 1;
	c->proto = 2;
	c->out.proto = 2;
	resp_parser_init(&c->parser, &srv->limits);

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

	bufferevent_setcb(bev, on_read, NULL, on_event, c);
	if (srv->cfg.timeout) {
		struct timeval idle = { (time_t)srv->cfg.timeout, 0 };
		bufferevent_set_timeouts(bev, &idle, NULL);
	}
	bufferevent_enable(bev, EV_READ);
	c->reading = true;
	log_debug("conn %llu %s accepted by worker %u", (unsigned long long)c->id,
		  c->addr, w->index);
}

/* Enable reading exactly when requests may be taken, and ask for a write
 * callback exactly when we wait for the output to drain. */
static void update_events(struct conn *c)
{
	if (c->bev == NULL)
		return;
	size_t unsent = conn_unsent(c);
	bool want_read = !c->closing && !c->eof && !c->stopped && !c->held &&
			 !c->held_error && c->pending < c->w->srv->cfg.max_pending &&
			 unsent < OUT_HIGH;
	if (want_read != c->reading) {
		if (want_read)
			bufferevent_enable(c->bev, EV_READ);
		else
			bufferevent_disable(c->bev, EV_READ);
		c->reading = want_read;
	}
	bool want_write_cb = c->closing || unsent >= OUT_HIGH;
	bufferevent_setcb(c->bev, on_read, want_write_cb ? on_write : NULL, on_event, c);
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
	if (evbuffer_get_length(out) == 0) {
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

static void execute(struct conn *c, struct cmd_ctx *ctx, int argc, struct resp_arg *argv)
{
	const struct command_spec *spec = cmd_lookup(argc, argv, &c->out);
	if (spec == NULL)
		return;
	ctx->argc = argc;
	ctx->argv = argv;
	cmd_execute(ctx, spec);
	atomic_fetch_add_explicit(&c->w->commands, 1, memory_order_relaxed);
}

static void protocol_error(struct conn *c)
{
	log_info("conn %llu %s: protocol error: %s", (unsigned long long)c->id,
		 c->addr, c->parser.err);
	resp_error(&c->out, "ERR", "Protocol error: %s", c->parser.err);
	c->closing = true;
	c->close_reason = "protocol error";
}

/* Is this request a write we can hand to the writer right now? */
static const struct command_spec *as_write(int argc, struct resp_arg *argv)
{
	const char *names[2] = { argv[0].ptr, argc > 1 ? argv[1].ptr : "" };
	size_t lens[2] = { argv[0].len, argc > 1 ? argv[1].len : 0 };
	int why;
	const struct command_spec *spec = command_lookup(argc, names, lens, &why);
	if (spec && (spec->flags & CMD_F_WRITE) && command_arity_ok(spec, argc))
		return spec;
	return NULL;
}

/* Parse and run what the input holds, as far as flow control allows. */
static void process(struct conn *c)
{
	struct server *srv = c->w->srv;
	struct timeval tv;
	event_base_gettimeofday_cached(c->w->base, &tv);	/* no syscall */
	struct cmd_ctx ctx = {
		.srv = srv, .conn = c, .out = &c->out, .reader = c->w->reader,
		.now_ms = (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000,
	};

	if (c->held || c->held_error) {
		if (c->pending)
			return;
		if (c->held)
			execute(c, &ctx, c->held_argc, c->held_argv);
		else
			protocol_error(c);
		c->held = c->held_error = false;
	}

	while (!c->closing && !c->stopped && c->pending < srv->cfg.max_pending &&
	       conn_unsent(c) < OUT_HIGH) {
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
		const struct command_spec *spec = as_write(argc, argv);
		if (spec) {
			struct write_job *job = cmd_write_job(srv, spec, argc, argv, c->proto,
							      c, c->w);
			c->pending++;
			job->bulk = job->bytes > WRITER_BULK_BYTES || c->pending_bulk > 0;
			c->pending_bulk += job->bulk;
			atomic_fetch_add_explicit(&c->w->commands, 1, memory_order_relaxed);
			writer_submit(srv->writer, job);
			continue;
		}
		if (c->pending) {	/* wait: replies must leave in order */
			c->held = true;
			c->held_argc = argc;
			c->held_argv = argv;
			break;
		}
		execute(c, &ctx, argc, argv);
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

static void on_write(struct bufferevent *bev, void *arg)
{
	(void)bev;
	struct conn *c = arg;
	process(c);	/* output drained: parsing may resume */
	settle(c);
}

static void on_event(struct bufferevent *bev, short what, void *arg)
{
	(void)bev;
	struct conn *c = arg;
	if (what & BEV_EVENT_EOF) {
		c->eof = true;
		process(c);
		settle(c);
		return;
	}
	if (what & BEV_EVENT_TIMEOUT) {
		conn_close(c, "idle timeout");
		return;
	}
	conn_close(c, (what & BEV_EVENT_ERROR) ? evutil_socket_error_to_string(
				  EVUTIL_SOCKET_ERROR()) : "connection error");
}

void conn_job_done(struct write_job *job)
{
	struct conn *c = job->owner;
	c->pending--;
	c->pending_bulk -= job->bulk;
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
