/*
 * http — the HTTP side on the network threads (http.h).
 *
 * Every network thread has an evhttp for each port, accepting on the
 * listening socket the main thread bound (each thread its own copy of the
 * descriptor: whichever wakes first takes a connection).  evhttp reads and
 * frames requests; this file decides who asks, applies the limits, and
 * runs the command; http_api.c maps routes to words and replies to JSON.
 *
 * Connections: evhttp gives no place for our data on its connection, so
 * each one's record (struct hconn: its address, whether it counts against
 * the limits, a certificate's principal, the requests waiting for the
 * writer) is found by its evhttp_connection pointer in a small hash table,
 * made at its first request and dropped by evhttp's close callback.  A
 * request waiting for the writer whose connection closes is marked dead
 * there: its job comes back, finds no request, and is freed.
 */
#include "http.h"
#include "access_log.h"
#include "acl.h"
#include "admit.h"
#include "args.h"
#include "auth.h"
#include "clock.h"
#include "cluster.h"
#include "cmd.h"
#include "config.h"
#include "epcis_capture.h"
#include "epcis_jobs.h"
#include "graphviz.h"
#include "http_api.h"
#include "impact_csv.h"
#include "impact_tree.h"
#include "http_static.h"
#include "log.h"
#include "metrics.h"
#include "parse.h"
#include "resp_json.h"
#include "server.h"
#include "session.h"
#include "slow.h"
#include "store.h"
#include "throttle.h"
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
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>
#include <jansson.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/ssl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#define HCONN_BUCKETS 1024
#define HEADERS_MAX (64 * 1024)

struct hreq;

/* One HTTP connection, from its first request to its close. */
struct hconn {
	struct hconn *next;		/* hash chain */
	struct evhttp_connection *evcon;
	struct http_worker *hw;
	uint64_t id;
	struct throttle_addr peer;
	char addr[INET6_ADDRSTRLEN + 8];
	bool counted;			/* in srv->clients */
	bool per_addr;			/* ... and against max_clients_per_addr */
	bool refused;			/* over a limit: answered 503, closing */
	bool tls;
	bool trusted;			/* plaintext from loopback, local_trust */
	bool has_cert;			/* signed in by its client certificate */
	struct principal cert;
	char *cert_refused;		/* why its certificate did not sign in */
	struct hreq *waiting;		/* requests whose job is out */
};

/* A request whose command went to the writer (or a slow thread). */
struct hreq {
	struct hreq *next;		/* in hc->waiting */
	/* For the access log, when it is on: who asked, from where, and what
	 * (the connection may be gone when the answer comes back). */
	struct asker *asker;
	struct evhttp_request *req;	/* NULL once the connection is gone */
	struct hconn *hc;
	struct http_worker *hw;
	const struct http_route *route;	/* how its answer is rendered */
	char *uri;			/* EPCIS pages: the request's path and query */
	bool head;			/* HEAD: the status and headers only */
};

struct http_worker {
	struct worker *w;
	struct server *srv;
	struct evhttp *plain, *secure;
	struct http_static *web;	/* web_root's pages, or NULL */
	struct hconn *conns[HCONN_BUCKETS];
	unsigned pending;		/* requests waiting for their job */
	bool stopped;
};

/* ------------------------------------------------------------ listening */

static int bind_port(const char *addr, unsigned port, int *fd, uint16_t *bound, char *err,
		     size_t errlen)
{
	struct sockaddr_storage ss;
	int sl = sizeof ss;
	char spec[CONFIG_STR_MAX + 8];
	snprintf(spec, sizeof spec, strchr(addr, ':') ? "[%s]:%u" : "%s:%u", addr, port);
	if (evutil_parse_sockaddr_port(spec, (struct sockaddr *)&ss, &sl) != 0) {
		snprintf(err, errlen, "cannot listen on %s:%u: not an address", addr, port);
		return -1;
	}
	int s = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int one = 1;
	if (s < 0 || setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
	    bind(s, (struct sockaddr *)&ss, (socklen_t)sl) != 0 || listen(s, 511) != 0) {
		snprintf(err, errlen, "cannot listen on %s:%u: %s", addr, port, strerror(errno));
		if (s >= 0)
			close(s);
		return -1;
	}
	socklen_t len = sizeof ss;
	getsockname(s, (struct sockaddr *)&ss, &len);
	*bound = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
						: ((struct sockaddr_in *)&ss)->sin_port);
	*fd = s;
	return 0;
}

int http_listen(struct server *srv, char *err, size_t errlen)
{
	const struct config *cfg = &srv->cfg;
	struct http_static *web;
	srv->http_fd = srv->https_fd = -1;
	if (http_static_open(cfg->web_root, &web, err, errlen) != 0)
		return -1;	/* said at start rather than at the first page */
	http_static_free(web);
	if (cfg->http_port) {
		/* Plaintext off loopback only when allowed, as for RESP. */
		const char *at = srv->plain_bind[0] ? srv->plain_bind : "127.0.0.1";
		if (bind_port(at, cfg->http_port, &srv->http_fd, &srv->http_port, err, errlen))
			return -1;
	}
	if (cfg->https_port &&
	    bind_port(cfg->bind, cfg->https_port, &srv->https_fd, &srv->https_port, err, errlen))
		return -1;
	if (cfg->http_port || cfg->https_port)
		srv->epcis_jobs = epcis_jobs_new();
	return 0;
}

void http_close(struct server *srv)
{
	epcis_jobs_free(srv->epcis_jobs);	/* every job is back: the workers are gone */
	srv->epcis_jobs = NULL;
	if (srv->http_fd >= 0)
		close(srv->http_fd);
	if (srv->https_fd >= 0)
		close(srv->https_fd);
	srv->http_fd = srv->https_fd = -1;
}

/* ---------------------------------------------------------- connections */

static size_t bucket_of(const void *evcon)
{
	uintptr_t p = (uintptr_t)evcon;
	return (size_t)((p >> 4) ^ (p >> 14)) % HCONN_BUCKETS;
}

static struct hconn *hconn_find(struct http_worker *hw, struct evhttp_connection *evcon)
{
	for (struct hconn *c = hw->conns[bucket_of(evcon)]; c; c = c->next)
		if (c->evcon == evcon)
			return c;
	return NULL;
}

static void on_close(struct evhttp_connection *evcon, void *arg)
{
	struct hconn *hc = arg;
	struct http_worker *hw = hc->hw;
	(void)evcon;
	for (struct hreq *r = hc->waiting; r; r = r->next) {
		r->req = NULL;	/* evhttp frees it; the job frees r */
		r->hc = NULL;
	}
	struct hconn **pp = &hw->conns[bucket_of(hc->evcon)];
	while (*pp != hc)
		pp = &(*pp)->next;
	*pp = hc->next;
	if (hc->counted)
		server_conn_gone(hw->srv, hc->per_addr ? &hc->peer : NULL);
	free(hc->cert_refused);
	free(hc);
}

/* The principal a verified client certificate names, if any. */
static void sign_in_by_certificate(struct http_worker *hw, struct hconn *hc)
{
	struct bufferevent *bev = evhttp_connection_get_bufferevent(hc->evcon);
	SSL *ssl = bev ? bufferevent_openssl_get_ssl(bev) : NULL;
	char names[TLS_PEER_NAMES_MAX][ACL_NAME_MAX + 1];
	int n = ssl ? tls_peer_names(ssl, names, TLS_PEER_NAMES_MAX) : 0;
	struct store_txn *t;
	char why[256];
	if (n == 0 || store_read_begin(hw->w->reader, &t) != 0)
		return;
	int rc = auth_cert(hw->srv->auth, t, names, n, &hc->cert, why, sizeof why);
	store_read_end(hw->w->reader);
	if (rc == 0) {
		hc->has_cert = true;
		log_info("http %llu %s: signed in as %s '%s' by its certificate",
			 (unsigned long long)hc->id, hc->addr,
			 acl_role_name((enum acl_role)hc->cert.role), hc->cert.name);
	} else {
		log_info("http %llu %s: certificate not signed in: %s", (unsigned long long)hc->id,
			 hc->addr, why);
		hc->cert_refused = xstrdup(why);	/* its NOAUTH answers say it */
	}
}

/* The connection's record, made at its first request: counted against
 * max_clients and max_clients_per_addr there (hc->refused when over). */
static struct hconn *hconn_of(struct http_worker *hw, struct evhttp_request *req, bool tls)
{
	struct evhttp_connection *evcon = evhttp_request_get_connection(req);
	struct hconn *hc = hconn_find(hw, evcon);
	if (hc)
		return hc;
	struct server *srv = hw->srv;
	hc = xcalloc(1, sizeof *hc);
	hc->evcon = evcon;
	hc->hw = hw;
	hc->tls = tls;
	hc->id = atomic_fetch_add(&srv->next_conn_id, 1) + 1;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	struct bufferevent *bev = evhttp_connection_get_bufferevent(evcon);
	evutil_socket_t fd = bev ? bufferevent_getfd(bev) : -1;
	if (fd < 0 || getpeername(fd, (struct sockaddr *)&ss, &sl) != 0) {
		memset(&ss, 0, sizeof ss);
		sl = sizeof(struct sockaddr_in);
		ss.ss_family = AF_INET;
	}
	throttle_addr_of((struct sockaddr *)&ss, sl, &hc->peer);
	char *host;
	ev_uint16_t port;
	evhttp_connection_get_peer(evcon, &host, &port);
	snprintf(hc->addr, sizeof hc->addr, "%s:%u", host ? host : "?", port);
	if (fd >= 0) {
		int one = 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	}
	hc->next = hw->conns[bucket_of(evcon)];
	hw->conns[bucket_of(evcon)] = hc;
	evhttp_connection_set_closecb(evcon, on_close, hc);

	hc->trusted = !tls && srv->cfg.local_trust && throttle_addr_loopback(&hc->peer);
	atomic_fetch_add(&srv->accepted, 1);
	if (atomic_fetch_add(&srv->clients, 1) >= srv->cfg.max_clients) {
		atomic_fetch_sub(&srv->clients, 1);
		atomic_fetch_add(&srv->rejected, 1);
		hc->refused = true;
		return hc;
	}
	hc->counted = true;
	if (!hc->trusted) {
		if (!throttle_conn_open(srv->throttle, &hc->peer)) {
			log_info("http: refused a connection: max_clients_per_addr %u reached",
				 srv->cfg.max_clients_per_addr);
			atomic_fetch_add(&srv->rejected, 1);
			hc->refused = true;
			return hc;
		}
		hc->per_addr = true;
	}
	if (tls) {
		metrics_tls_handshake(true);	/* evhttp read a request over it */
		sign_in_by_certificate(hw, hc);
	}
	return hc;
}

/* ------------------------------------------------------------- answers */

static void send_json(struct evhttp_request *req, int status, char *body, bool head,
		      bool close)
{
	static const struct { int status; const char *reason; } reasons[] = {
		{ 200, "OK" }, { 202, "Accepted" }, { 400, "Bad Request" },
		{ 401, "Unauthorized" }, { 403, "Forbidden" }, { 404, "Not Found" },
		{ 405, "Method Not Allowed" }, { 409, "Conflict" },
		{ 413, "Payload Too Large" }, { 415, "Unsupported Media Type" },
		{ 429, "Too Many Requests" },
		{ 500, "Internal Server Error" }, { 503, "Service Unavailable" },
	};
	const char *reason = "Error";
	for (size_t i = 0; i < sizeof reasons / sizeof reasons[0]; i++)
		if (reasons[i].status == status)
			reason = reasons[i].reason;
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	evhttp_add_header(h, "Content-Type", "application/json; charset=utf-8");
	evhttp_add_header(h, "Cache-Control", "no-store");
	if (close)
		evhttp_add_header(h, "Connection", "close");
	struct evbuffer *out = evbuffer_new();
	size_t n = strlen(body);
	if (head) {
		char len[24];
		snprintf(len, sizeof len, "%zu", n + 1);
		evhttp_add_header(h, "Content-Length", len);
	} else {
		evbuffer_add(out, body, n);
		evbuffer_add(out, "\n", 1);
	}
	free(body);
	evhttp_send_reply(req, status, reason, out);
	evbuffer_free(out);
}

static void send_error(struct evhttp_request *req, int status, const char *code,
		       const char *msg, bool head, bool close)
{
	send_json(req, status, http_error_json(code, msg), head, close);
}

/* A command's reply, rendered. */
static void send_reply(struct evhttp_request *req, const struct buf *reply, bool head,
		       bool conflict)
{
	int status;
	char *body = http_render(reply->data, reply->len, &status);
	if (conflict && status == 400)	/* refused for what the store holds */
		status = 409;
	send_json(req, status, body, head, false);
}

/* EPCIS.QUERY's reply for GET /epcis/events: an EPCIS query document, the
 * next page's token and link in headers (uri: the request's path, then
 * its query after a NUL). */
static void send_page(struct evhttp_request *req, const char *uri, const struct buf *reply,
		      bool head)
{
	int status;
	char next[24], created[32];
	args_format_time(clock_now_ms(), created);
	char *body = http_epcis_document(reply->data, reply->len, created, &status, next);
	if (next[0]) {
		struct evkeyvalq *h = evhttp_request_get_output_headers(req);
		char *link = http_next_link(uri, uri + strlen(uri) + 1, next);
		evhttp_add_header(h, "Next-Page-Token", next);
		evhttp_add_header(h, "Link", link);
		free(link);
	}
	send_json(req, status, body, head, false);
}

/* Who asked, as the access log shows it (access_log.h). */
struct asker {
	uint64_t conn;
	char addr[INET6_ADDRSTRLEN + 8];
	bool local;			/* the trusted local client */
	struct principal who;
	struct access_note note;
};

/* An asker of hc: who (NULL: local), what (c; NULL: no command yet). */
static void asker_of(struct asker *a, const struct hconn *hc, const struct principal *who,
		     const struct cmd *c)
{
	a->conn = hc->id;
	snprintf(a->addr, sizeof a->addr, "%s", hc->addr);
	a->local = who == NULL;
	if (who)
		a->who = *who;
	if (c)
		access_note_of(c, &a->note);
	else
		a->note.code[0] = a->note.site[0] = '\0';
}

static bool access_on(void)
{
	return atomic_load_explicit(&access_log_on, memory_order_relaxed);
}

/* Count a request answered (metrics.h), its reply a RESP reply, and with
 * the access log on, log it: `a` says who asked (NULL: when the log is
 * off, or nobody could be told). */
static void count(struct http_worker *hw, const struct asker *a, int cmd, int64_t t0,
		  const char *reply, size_t len)
{
	int64_t ns = metrics_now_ns() - t0;
	metrics_request(hw->w->metrics, cmd, ns, reply, len);
	if (a && access_on())
		access_log("http", a->conn, a->addr, a->local ? NULL : &a->who, cmd, &a->note, ns,
			   reply, len);
}

/* The same for an answer of our own: an error code, or none. */
static void count_code(struct http_worker *hw, const struct asker *a, int cmd, int64_t t0,
		       const char *code)
{
	char reply[24];
	int n = code ? snprintf(reply, sizeof reply, "-%s ", code) : 0;
	count(hw, a, cmd, t0, reply, (size_t)n);
}

/* For the access log: who asked, on the stack (NULL when it is off). */
#define ASKER(name, hc, who, c) \
	struct asker name##_s, *name = access_on() ? (asker_of(&name##_s, (hc), (who), (c)), \
						      &name##_s) : NULL

/* A request whose job came back: off its connection's waiting list.
 * False when its connection is gone (nothing to answer). */
static bool unwait(struct hreq *r)
{
	if (r->req == NULL)
		return false;
	struct hreq **pp = &r->hc->waiting;
	while (*pp != r)
		pp = &(*pp)->next;
	*pp = r->next;
	return true;
}

/* A job is back on this thread: answer its request, if still there. */
static void on_job_done(struct write_job *job)
{
	struct hreq *r = job->owner;
	struct http_worker *hw = r->hw;
	hw->pending--;
	count(hw, r->asker, job->cmd, job->t0_ns, job->reply.b.data, job->reply.b.len);
	if (unwait(r) && r->uri)
		send_page(r->req, r->uri, &job->reply.b, r->head);
	else if (r->req)
		send_reply(r->req, &job->reply.b, r->head, job->conflict);
	cmd_write_job_free(job);
	free(r->asker);
	free(r->uri);
	free(r);
}

static void send_text(struct evhttp_request *req, int status, const char *reason,
		      const char *type, struct evbuffer *body);

/* GET /v1/impact?format=svg: the tree drawn by Graphviz, on a thread of
 * its own (graphviz.h), answered when it is done. */
struct svg_job {
	struct write_job job;		/* first: the job is the svg_job */
	struct buf dot, svg;
	bool failed;
	char why[256];
};

static int run_svg(struct store_txn *txn, struct write_job *job)
{
	(void)txn;
	struct svg_job *s = (struct svg_job *)job;
	s->failed = graphviz_svg(s->dot.data, s->dot.len, &s->svg, s->why, sizeof s->why) != 0;
	return 0;
}

static void on_svg_done(struct write_job *job)
{
	struct svg_job *s = (struct svg_job *)job;
	struct hreq *r = job->owner;
	r->hw->pending--;
	if (unwait(r) && s->failed) {
		send_error(r->req, 503, "ERR", s->why, r->head, false);
	} else if (r->req) {
		struct evbuffer *b = evbuffer_new();
		evbuffer_add(b, s->svg.data ? s->svg.data : "", s->svg.len);
		send_text(r->req, 200, "OK", "image/svg+xml", b);
		evbuffer_free(b);
	}
	buf_free(&s->dot);
	buf_free(&s->svg);
	buf_free(&job->reply.b);
	free(s);
	free(r);
}

/* An IMPACT reply in another format than JSON: CSV, DOT, or SVG (drawn
 * later, on a thread of its own). */
static void send_rendered(struct http_worker *hw, struct hconn *hc,
			  struct evhttp_request *req, const char *format, const struct buf *reply,
			  bool head)
{
	struct resp_value v;
	size_t used;
	const char *why;
	int parsed = resp_parse_value(reply->data, reply->len, &v, &used, &why);
	if (parsed != 1 || v.type != RESP_T_MAP) {
		if (parsed == 1)
			resp_value_free(&v);
		send_reply(req, reply, head, false);	/* an error: as JSON */
		return;
	}
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	struct impact_tree_opts opts = { .all_sites = false };
	if (f && strcmp(format, "csv") == 0)
		impact_csv(f, &v);
	else if (f)
		impact_tree_dot(f, &v, &opts);
	if (f)
		fclose(f);
	resp_value_free(&v);
	if (text == NULL) {
		send_error(req, 503, "ERR", "out of memory", head, false);
		return;
	}
	if (strcmp(format, "svg") == 0) {
		struct svg_job *s = xcalloc(1, sizeof *s);
		struct hreq *r = xcalloc(1, sizeof *r);
		char err[200];
		*r = (struct hreq){ .req = req, .hc = hc, .hw = hw, .head = head };
		buf_append(&s->dot, text, len);
		s->job.run = run_svg;
		s->job.done = worker_job_done;
		s->job.finish = on_svg_done;
		s->job.owner = r;
		s->job.origin = hw->w;
		s->job.cmd = CMD_IMPACT;
		if (slow_start(&s->job, err, sizeof err) != 0) {
			send_error(req, 503, "ERR", err, head, false);
			buf_free(&s->dot);
			free(s);
			free(r);
		} else {
			r->next = hc->waiting;
			hc->waiting = r;
			hw->pending++;
		}
	} else {
		struct evbuffer *b = evbuffer_new();
		evbuffer_add(b, text, len);
		send_text(req, 200, "OK", strcmp(format, "csv") == 0 ?
			  "text/csv; charset=utf-8" : "text/vnd.graphviz; charset=utf-8", b);
		evbuffer_free(b);
	}
	free(text);
}

/* ------------------------------------------------------------ sessions */

/* INFO asks the session for the server's figures; the rest of a session
 * (protocol, names, AUTH) belongs to RESP connections. */
struct http_session {
	struct http_worker *hw;
	struct hconn *hc;
};

static uint64_t s_id(void *self)
{
	return ((struct http_session *)self)->hc->id;
}

static int s_proto(void *self)
{
	(void)self;
	return 3;
}

static void s_set_proto(void *self, int proto)
{
	(void)self;
	(void)proto;
}

static void s_set_name(void *self, const char *name)
{
	(void)self;
	(void)name;
}

static void s_set_lib(void *self, bool version, const char *value)
{
	(void)self;
	(void)version;
	(void)value;
}

static void s_client(void *self, struct session_client *out)
{
	const struct hconn *hc = ((struct http_session *)self)->hc;
	*out = (struct session_client){ .id = hc->id, .addr = hc->addr, .name = "",
					.lib_name = "", .lib_ver = "", .user = "", .proto = 3 };
}

static void s_close_after_reply(void *self)
{
	(void)self;
}

static int s_sign_in(void *self, const struct resp_arg *token, int64_t now_ms,
		     struct store_txn *t, enum session_auth *how, char *err, size_t errlen)
{
	(void)self;
	(void)token;
	(void)now_ms;
	(void)t;
	*how = SESSION_WRONGPASS;
	snprintf(err, errlen, "AUTH: over HTTP, send the token with each request "
		 "(Authorization: Bearer <token>)");
	return 0;
}

static void s_figures(void *self, struct session_figures *f)
{
	server_figures(((struct http_session *)self)->hw->srv, f);
}

static const struct session_ops http_session_ops = {
	.structured = true,
	.id = s_id,
	.proto = s_proto,
	.set_proto = s_set_proto,
	.set_name = s_set_name,
	.set_lib = s_set_lib,
	.client = s_client,
	.close_after_reply = s_close_after_reply,
	.sign_in = s_sign_in,
	.figures = s_figures,
};

/* --------------------------------------------------------------- routes */

/* Who asks: a bearer token, else the certificate's principal, else the
 * trusted local client, else nobody.  0 with *who set (NULL: trusted), or
 * -1 after answering (a token that is not valid). */
static int principal_of(struct http_worker *hw, struct hconn *hc, struct evhttp_request *req,
			struct principal *p, const struct principal **who, bool head)
{
	struct server *srv = hw->srv;
	const char *auth = evhttp_find_header(evhttp_request_get_input_headers(req),
					      "Authorization");
	if (auth) {
		if (strncasecmp(auth, "Bearer ", 7) != 0) {
			send_error(req, 401, "WRONGPASS", "Authorization: use \"Bearer <token>\"",
				   head, false);
			return -1;
		}
		const char *token = auth + 7;
		while (*token == ' ')
			token++;
		struct store_txn *t;
		enum admit_token_result res = ADMIT_TOKEN_WRONG;
		char why[256];
		int rc = store_read_begin(hw->w->reader, &t);
		if (rc == 0) {
			rc = admit_token(srv->throttle, srv->auth, t, &hc->peer, token,
					 strlen(token), clock_now_ms() / 1000, p, &res, why,
					 sizeof why);
			store_read_end(hw->w->reader);
		}
		if (rc)
			snprintf(why, sizeof why, "read failed: %s", store_strerror(rc));
		if (rc || res != ADMIT_TOKEN_OK) {
			if (rc == 0 && res == ADMIT_TOKEN_WRONG)
				metrics_auth_failure();
			if (rc || res != ADMIT_TOKEN_LOCKED)
				log_info("http %llu %s: sign-in failed: %s",
					 (unsigned long long)hc->id, hc->addr, why);
			send_error(req, rc ? 503 : 401, rc ? "STORE" : "WRONGPASS", why, head,
				   false);
			return -1;
		}
		*who = p;
		return 0;
	}
	if (hc->has_cert) {
		*who = &hc->cert;
		return 0;
	}
	if (hc->trusted) {
		*who = NULL;
		return 0;
	}
	memset(p, 0, sizeof *p);
	p->role = ROLE_NONE;
	snprintf(p->name, sizeof p->name, "%s", "-");
	*who = p;
	return 0;
}

/* The rate record of a principal (NULL: no limit). */
static struct throttle_rate *rate_of(struct http_worker *hw, struct hconn *hc,
				     const struct principal *who)
{
	return admit_rate(hw->srv->throttle, &hw->srv->cfg, who,
			  hc->per_addr ? &hc->peer : NULL);
}

/* The request's body, within the limit of its principal: 0, or -1 after
 * answering 413. */
static int body_of(const struct config *cfg, struct evhttp_request *req,
		   const struct principal *who, bool head, const char **body, size_t *len)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	*len = evbuffer_get_length(in);
	if (who && who->role == ROLE_NONE && *len > cfg->unauth_max_request) {
		char msg[160];
		snprintf(msg, sizeof msg, "a body of %zu bytes: at most %llu before signing in",
			 *len, (unsigned long long)cfg->unauth_max_request);
		send_error(req, 413, "ERR", msg, head, true);
		return -1;
	}
	*body = *len ? (const char *)evbuffer_pullup(in, -1) : "";
	return 0;
}

/* An EPCIS page's path, then its query after a NUL (send_page): malloc'd. */
static char *page_uri(const struct evhttp_uri *uri)
{
	const char *path = uri ? evhttp_uri_get_path(uri) : NULL;
	const char *query = uri ? evhttp_uri_get_query(uri) : NULL;
	struct buf b = BUF_INIT;
	buf_puts(&b, path ? path : "/epcis/events");
	buf_append(&b, "", 1);
	buf_puts(&b, query ? query : "");
	return b.data;
}

/* A request of this connection through admission (admit.h), with the
 * context the reads it makes (the role matrix's, a read command's) use. */
struct admitting {
	struct http_session hs;
	struct session session;
	struct resp_out out;
	struct cmd_ctx ctx;
	const struct command_spec *spec;
	struct cmd cmd;
	int cmd_id;			/* for the metrics: the command's, or -1 */
};

/* Admit argv as the request's, at now_ms; a refusal is answered and
 * counted here (t0: when the request came).  admitted_done(a) after,
 * whatever it gave. */
static enum admission admit_request(struct http_worker *hw, struct hconn *hc,
				    struct evhttp_request *req, const struct principal *who,
				    int argc, struct resp_arg *argv, int64_t now_ms, int64_t t0,
				    bool head, struct admitting *a)
{
	const struct config *cfg = &hw->srv->cfg;
	a->hs = (struct http_session){ hw, hc };
	a->session = (struct session){ &a->hs, &http_session_ops };
	a->out = (struct resp_out){ .b = BUF_INIT, .proto = 3 };
	a->ctx = (struct cmd_ctx){ .cfg = cfg, .session = &a->session, .out = &a->out,
				   .reader = hw->w->reader };
	struct admit_client client = {
		.cfg = cfg, .who = who, .rate = rate_of(hw, hc, who),
		.rate_name = who && who->role == ROLE_NONE ? "this address" : who ? who->name : "",
		.cert_refused = hc->cert_refused,
	};
	struct refusal refusal;
	enum admission r = admit(&client, &a->ctx, now_ms, argc, argv, &a->spec, &a->cmd,
				 &refusal);
	atomic_fetch_add_explicit(&hw->w->commands, 1, memory_order_relaxed);
	a->cmd_id = a->spec ? (int)a->spec->id : -1;
	if (r == ADMIT_REFUSED && strcmp(refusal.code, "NOAUTH") == 0) {
		/* The role matrix says how to sign in over RESP; say it for HTTP. */
		char name[64];
		command_full_name(a->spec, name, sizeof name);
		snprintf(refusal.msg, sizeof refusal.msg, "%s needs authentication: send "
			 "\"Authorization: Bearer <token>\", or use HTTPS with a client certificate",
			 name);
		admit_note_certificate(&refusal, hc->cert_refused);
	}
	if (r == ADMIT_REFUSED) {
		send_error(req, http_status_of(refusal.code, strlen(refusal.code)), refusal.code,
			   refusal.msg, head, false);
		if (strcmp(refusal.code, "NOPERM") == 0)
			admit_log_noperm("http", (unsigned long long)hc->id, hc->addr, who, &refusal);
		ASKER(asker, hc, who, &a->cmd);
		count_code(hw, asker, a->cmd_id, t0, refusal.code);
	}
	return r;
}

static void admitted_done(struct admitting *a)
{
	cmd_read_done(&a->ctx);	/* admission may have read too (the role matrix) */
	cmd_free(&a->cmd);
	buf_free(&a->out.b);
}

/* Run a command route's request. */
static void run_command(struct http_worker *hw, struct hconn *hc, struct evhttp_request *req,
			const struct http_route *route, const char *id, bool head)
{
	struct server *srv = hw->srv;
	const struct config *cfg = &srv->cfg;
	struct principal p;
	const struct principal *who;
	int64_t t0 = metrics_now_ns();
	const char *body;
	size_t body_len;
	if (principal_of(hw, hc, req, &p, &who, head) != 0) {
		static const struct principal nobody = { .role = ROLE_NONE, .name = "-" };
		ASKER(asker, hc, &nobody, NULL);
		count_code(hw, asker, (int)route->cmd, t0, "WRONGPASS");
		return;
	}
	ASKER(asker, hc, who, NULL);
	if (body_of(cfg, req, who, head, &body, &body_len) != 0) {
		count_code(hw, asker, (int)route->cmd, t0, "ERR");
		return;
	}
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	const char *query = uri ? evhttp_uri_get_query(uri) : NULL;
	struct http_words words;
	char err[512];
	if (http_words(route, id[0] ? id : NULL, query, body, body_len, &words, err,
		       sizeof err) != 0) {
		send_error(req, 400, "ERR", err, head, false);
		count_code(hw, asker, (int)route->cmd, t0, "ERR");
		return;
	}

	struct admitting ad;
	enum admission a = admit_request(hw, hc, req, who, words.argc, words.argv, clock_now_ms(),
					 t0, head, &ad);
	const struct command_spec *spec = ad.spec;
	int cmd_id = ad.cmd_id;
	if (asker)
		access_note_of(&ad.cmd, &asker->note);
	if (a == ADMIT_REFUSED) {
		/* answered */
	} else if (a == ADMIT_WRITE || (spec && (spec->flags & CMD_F_SLOW)) ||
		   (srv->cluster && spec && cmd_has(&ad.cmd, OPT_FRESH))) {
		struct hreq *r = xcalloc(1, sizeof *r);
		r->req = req;
		r->hc = hc;
		r->hw = hw;
		r->head = head;
		r->route = route;
		r->uri = route->kind == ROUTE_EPCIS_EVENTS ? page_uri(uri) : NULL;
		if (asker) {
			r->asker = xmalloc(sizeof *asker);
			*r->asker = *asker;
		}
		struct write_job *job;
		if (a == ADMIT_WRITE)
			job = cmd_write_job(cfg, &ad.cmd, 3, worker_job_done, r, hw->w);
		else if (spec->flags & CMD_F_SLOW)
			job = cmd_slow_job(cfg, srv->store, &ad.cmd, 3, worker_job_done, r, hw->w);
		else
			job = cmd_read_job(cfg, &ad.cmd, 3, worker_job_done, r, hw->w);
		job->finish = on_job_done;
		job->t0_ns = t0;
		if (a != ADMIT_WRITE && (spec->flags & CMD_F_SLOW) &&
		    slow_start(job, err, sizeof err) != 0) {
			send_error(req, 503, "ERR", err, head, false);
			count_code(hw, asker, cmd_id, t0, "ERR");
			cmd_write_job_free(job);
			free(r->asker);
			free(r->uri);
			free(r);
		} else {
			r->next = hc->waiting;
			hc->waiting = r;
			hw->pending++;
			if (a == ADMIT_WRITE && srv->cluster)
				cluster_submit(srv->cluster, job);
			else if (a == ADMIT_WRITE)
				writer_submit(srv->writer, job);
			else if (!(spec->flags & CMD_F_SLOW))
				cluster_fresh(srv->cluster, job);
		}
	} else {
		if (spec == NULL || !command_arity_ok(spec, words.argc))
			cmd_lookup(words.argc, words.argv, &ad.out);
		else
			cmd_execute(&ad.ctx, &ad.cmd);
		count(hw, asker, cmd_id, t0, ad.out.b.data, ad.out.b.len);
		if (route->kind == ROUTE_EPCIS_EVENTS) {
			char *at = page_uri(uri);
			send_page(req, at, &ad.out.b, head);
			free(at);
		} else if (strcmp(words.format, "json") != 0) {
			send_rendered(hw, hc, req, words.format, &ad.out.b, head);
		} else {
			send_reply(req, &ad.out.b, head, ad.ctx.conflict);
		}
	}
	admitted_done(&ad);
	http_words_free(&words);
}
/* ------------------------------------------------------------- EPCIS */

/* A capture's EVENTS request is back: the job's result. */
static void on_capture_done(struct write_job *wj)
{
	struct worker *w = wj->origin;
	epcis_job_finish(w->srv->epcis_jobs, wj->owner, wj->reply.b.data, wj->reply.b.len,
			 clock_now_ms());
	cmd_write_job_free(wj);
}

/* Is the body JSON by its Content-Type (none said is taken as JSON)? */
static bool json_body(struct evhttp_request *req)
{
	const char *type = evhttp_find_header(evhttp_request_get_input_headers(req),
					      "Content-Type");
	if (type == NULL)
		return true;
	size_t n = strcspn(type, "; \t");
	return (n == 16 && strncasecmp(type, "application/json", n) == 0) ||
	       (n == 19 && strncasecmp(type, "application/ld+json", n) == 0);
}

/* The 202 of a capture: where its job is, and the job. */
static void send_accepted(struct http_worker *hw, struct evhttp_request *req,
			  const struct epcis_job *job, const struct principal *who, bool head)
{
	char where[64];
	snprintf(where, sizeof where, "/epcis/capture/%s", epcis_job_id(job));
	evhttp_add_header(evhttp_request_get_output_headers(req), "Location", where);
	char *text = epcis_jobs_json(hw->srv->epcis_jobs, epcis_job_id(job), who, clock_now_ms());
	send_json(req, 202, text ? text : http_error_json("ERR", "the job is gone"), head, false);
}

/* The events the reader refused: 400, each with its place, nothing captured. */
static void send_refused_events(struct evhttp_request *req, const struct epcis_capture *cap,
				bool head)
{
	char msg[160];
	snprintf(msg, sizeof msg, "%zu event%s of the document cannot be read; nothing was "
		 "captured", cap->nbad, cap->nbad == 1 ? "" : "s");
	json_t *o = json_pack("{s:s, s:s, s:[]}", "error", msg, "code", "ERR", "errors");
	for (size_t i = 0; i < cap->nbad && i < EPCIS_CAPTURE_BAD_KEPT; i++)
		json_array_append_new(json_object_get(o, "errors"),
				      json_pack("{s:I, s:s}", "event", (json_int_t)cap->bad[i].event,
						"error", cap->bad[i].msg));
	char *text = resp_json_text(o);
	json_decref(o);
	send_json(req, 400, text, head, false);
}

/* The first record of the request the role matrix refuses (403), or that
 * cannot run (400), answered naming its event: its error code; NULL when
 * none. */
static const char *refuse_records(struct evhttp_request *req, const struct cmd *cmd,
				  const struct epcis_capture *cap, bool head)
{
	const struct cmd_records *rs = cmd->records;
	for (size_t i = 0; rs && i < rs->n; i++) {
		const struct cmd_record *r = &rs->rec[i];
		if (r->refused == NULL && r->err == NULL)
			continue;
		char msg[900];
		snprintf(msg, sizeof msg, "event %lu: %s; nothing was captured", cap->event_of[i],
			 r->refused ? r->refused : r->err);
		const char *code = r->refused ? "NOPERM" : "ERR";
		send_error(req, r->refused ? 403 : 400, code, msg, head, false);
		return code;
	}
	return NULL;
}

static const char *capture_events(struct http_worker *hw, struct hconn *hc,
				  struct evhttp_request *req, const struct principal *who,
				  const struct epcis_capture *cap, int64_t now_ms, int64_t t0,
				  bool head);

/* POST /epcis/capture: the document becomes one EVENTS request, admitted
 * as any request is, and a job that runs while the answer says where to
 * look for it.  The error code answered, for the metrics ("" when counted
 * already, NULL for none).  asker (NULL: the access log is off) learns
 * who sent it once that is known. */
static const char *capture_document(struct http_worker *hw, struct hconn *hc,
				    struct evhttp_request *req, int64_t t0, bool head,
				    struct asker *asker)
{
	struct server *srv = hw->srv;
	const struct config *cfg = &srv->cfg;
	struct principal p;
	const struct principal *who;
	const char *body;
	size_t len;
	if (principal_of(hw, hc, req, &p, &who, head) != 0)
		return "WRONGPASS";
	if (asker)
		asker_of(asker, hc, who, NULL);
	if (body_of(cfg, req, who, head, &body, &len) != 0)
		return "ERR";
	if (!json_body(req)) {
		send_error(req, 415, "ERR", "an EPCIS document is JSON: send it as "
			   "application/json or application/ld+json", head, false);
		return "ERR";
	}
	int64_t now_ms = clock_now_ms();
	struct code_opts copts;
	args_code_opts(now_ms, &copts);
	struct epcis_capture cap;
	const char *code = NULL;
	if (epcis_capture_read(body, len, cfg->max_request, &copts, &cap) != 0) {
		send_error(req, 400, "ERR", cap.err, head, false);
		code = "ERR";
	} else if (cap.nbad) {
		send_refused_events(req, &cap, head);
		code = "ERR";
	} else if (cap.ncommands == 0) {	/* every event skipped: done as it starts */
		static const char nothing[] = "%1\r\n+replayed\r\n#f\r\n";
		struct epcis_job *job = epcis_jobs_add(srv->epcis_jobs, who, now_ms, &cap.stats,
						       NULL, 0);
		if (job) {
			epcis_job_finish(srv->epcis_jobs, job, nothing, sizeof nothing - 1, now_ms);
			send_accepted(hw, req, job, who, head);
		} else {
			send_error(req, 503, "UNAVAILABLE", "too many capture jobs running; try "
				   "again later", head, false);
			code = "UNAVAILABLE";
		}
	} else {
		code = capture_events(hw, hc, req, who, &cap, now_ms, t0, head);
	}
	epcis_capture_free(&cap);
	return code;
}

/* The document's EVENTS request through admission to the writer, its job
 * answered 202; the error code answered otherwise (as capture_document). */
static const char *capture_events(struct http_worker *hw, struct hconn *hc,
				  struct evhttp_request *req, const struct principal *who,
				  const struct epcis_capture *cap, int64_t now_ms, int64_t t0,
				  bool head)
{
	struct server *srv = hw->srv;
	struct admitting ad;
	const char *code = NULL;
	enum admission a = admit_request(hw, hc, req, who, cap->argc, cap->argv, now_ms, t0, head,
					 &ad);
	struct epcis_job *job = NULL;
	if (a == ADMIT_REFUSED) {
		code = "";	/* answered and counted */
	} else if (a != ADMIT_WRITE) {	/* EVENTS is a write: never */
		send_error(req, 500, "ERR", "the capture is not a write", head, false);
		code = "ERR";
	} else if ((code = refuse_records(req, &ad.cmd, cap, head)) == NULL &&
		   (job = epcis_jobs_add(srv->epcis_jobs, who, now_ms, &cap->stats, cap->event_of,
					 cap->ncommands)) == NULL) {
		send_error(req, 503, "UNAVAILABLE", "too many capture jobs running; try again "
			   "later", head, false);
		code = "UNAVAILABLE";
	} else if (job) {
		struct write_job *wj = cmd_write_job(&srv->cfg, &ad.cmd, 3, worker_job_done, job,
						     hw->w);
		wj->finish = on_capture_done;
		wj->bulk = true;	/* a load: behind the scans waiting */
		if (srv->cluster)
			cluster_submit(srv->cluster, wj);
		else
			writer_submit(srv->writer, wj);
		send_accepted(hw, req, job, who, head);
	}
	admitted_done(&ad);
	return code;
}

static void capture(struct http_worker *hw, struct hconn *hc, struct evhttp_request *req,
		    bool head)
{
	static const struct principal nobody = { .role = ROLE_NONE };
	static const char accepted[] = "+accepted\r\n";
	int64_t t0 = metrics_now_ns();
	/* Not signed in until capture_document says who it is. */
	struct asker as, *asker = access_on() ? (asker_of(&as, hc, &nobody, NULL), &as) : NULL;
	const char *code = capture_document(hw, hc, req, t0, head, asker);
	if (code == NULL)	/* 202: the job runs on (GET its place for the result) */
		count(hw, asker, CMD_EVENTS, t0, accepted, sizeof accepted - 1);
	else if (code[0])
		count_code(hw, asker, CMD_EVENTS, t0, code);
}

/* GET /epcis/capture/{id}: a job of the principal's. */
static void capture_job(struct http_worker *hw, struct hconn *hc, struct evhttp_request *req,
			const char *id, bool head)
{
	struct principal p;
	const struct principal *who;
	if (principal_of(hw, hc, req, &p, &who, head) != 0)
		return;
	if (who && who->role == ROLE_NONE) {
		send_error(req, 401, "NOAUTH", "capture jobs are their principal's: sign in "
			   "(Authorization: Bearer <token>, or a client certificate)", head, false);
		return;
	}
	char *text = epcis_jobs_json(hw->srv->epcis_jobs, id, who, clock_now_ms());
	if (text == NULL) {
		char msg[200];
		snprintf(msg, sizeof msg, "no capture job %.40s of yours (a job is kept an hour "
			 "after it finished)", id);
		send_error(req, 404, "NOTFOUND", msg, head, false);
		return;
	}
	send_json(req, 200, text, head, false);
}

static void send_text(struct evhttp_request *req, int status, const char *reason,
		      const char *type, struct evbuffer *body)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	evhttp_add_header(h, "Content-Type", type);
	evhttp_add_header(h, "Cache-Control", "no-store");
	evhttp_send_reply(req, status, reason, body);
}

/* GET /readyz: the store answers a read and the writer has room. */
static void ready(struct http_worker *hw, struct evhttp_request *req)
{
	struct store_txn *t;
	struct evbuffer *b = evbuffer_new();
	int rc = store_read_begin(hw->w->reader, &t);
	if (rc == 0)
		store_read_end(hw->w->reader);
	if (hw->stopped) {
		evbuffer_add_printf(b, "not ready: shutting down\n");
		send_text(req, 503, "Service Unavailable", "text/plain; charset=utf-8", b);
	} else if (rc) {
		evbuffer_add_printf(b, "not ready: the store: %s\n", store_strerror(rc));
		send_text(req, 503, "Service Unavailable", "text/plain; charset=utf-8", b);
	} else {
		evbuffer_add_printf(b, "ready\n");
		send_text(req, 200, "OK", "text/plain; charset=utf-8", b);
	}
	evbuffer_free(b);
}

static void metrics(struct http_worker *hw, struct evhttp_request *req)
{
	struct evbuffer *b = evbuffer_new();
	metrics_render(hw->srv, hw->w->reader, b);
	send_text(req, 200, "OK", "text/plain; version=0.0.4; charset=utf-8", b);
	evbuffer_free(b);
}

static int method_of(struct evhttp_request *req)
{
	switch (evhttp_request_get_command(req)) {
	case EVHTTP_REQ_GET:
		return HTTP_GET;
	case EVHTTP_REQ_HEAD:
		return HTTP_HEAD;
	case EVHTTP_REQ_POST:
		return HTTP_POST;
	case EVHTTP_REQ_PUT:
		return HTTP_PUT;
	default:
		return 0;
	}
}

static void on_request(struct evhttp_request *req, struct http_worker *hw, bool tls)
{
	struct hconn *hc = hconn_of(hw, req, tls);
	int method = method_of(req);
	bool head = method == HTTP_HEAD;
	if (hc->refused) {
		send_error(req, 503, "ERR", "too many connections (from your address, or in all)",
			   head, true);
		return;
	}
	if (hw->stopped) {
		send_error(req, 503, "UNAVAILABLE", "the server is shutting down", head, true);
		return;
	}
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	const char *raw = uri ? evhttp_uri_get_path(uri) : NULL;
	char *path = raw ? evhttp_uridecode(raw, 0, NULL) : NULL;
	if (path == NULL || path[0] != '/') {
		send_error(req, 400, "ERR", "the request has no path", head, false);
		free(path);
		return;
	}
	char id[CMD_REF_MAX + 1] = "";
	bool known;
	const struct http_route *r = http_route_find(method, path, id, sizeof id, &known);
	if (r == NULL && !known && (method == HTTP_GET || head) &&
	    http_static_serve(hw->web, req, head)) {
		free(path);
		return;
	}
	if (r == NULL) {
		char msg[300];
		snprintf(msg, sizeof msg, known ? "%.200s does not take this method" :
			 "no such path: %.200s", path);
		if (known)
			evhttp_add_header(evhttp_request_get_output_headers(req), "Allow",
					  "GET, HEAD, POST, PUT");
		send_error(req, known ? 405 : 404, "ERR", msg, head, false);
		free(path);
		return;
	}
	free(path);
	switch (r->kind) {
	case ROUTE_HEALTH: {
		struct evbuffer *b = evbuffer_new();
		evbuffer_add_printf(b, "ok\n");
		send_text(req, 200, "OK", "text/plain; charset=utf-8", b);
		evbuffer_free(b);
		break;
	}
	case ROUTE_READY:
		ready(hw, req);
		break;
	case ROUTE_METRICS:
		metrics(hw, req);
		break;
	case ROUTE_COMMAND:
	case ROUTE_EPCIS_EVENTS:
		run_command(hw, hc, req, r, id, head);
		break;
	case ROUTE_EPCIS_CAPTURE:
		capture(hw, hc, req, head);
		break;
	case ROUTE_EPCIS_JOB:
		capture_job(hw, hc, req, id, head);
		break;
	}
}

static void on_plain(struct evhttp_request *req, void *arg)
{
	on_request(req, arg, false);
}

static void on_secure(struct evhttp_request *req, void *arg)
{
	on_request(req, arg, true);
}

/* A TLS connection's bufferevent; evhttp gives it the socket. */
static struct bufferevent *make_tls_bev(struct event_base *base, void *arg)
{
	struct http_worker *hw = arg;
	SSL *ssl = tls_new_ssl(hw->srv->tls);
	if (ssl == NULL)	/* logged: the handshake fails, nothing is served */
		return bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
	return bufferevent_openssl_socket_new(base, -1, ssl, BUFFEREVENT_SSL_ACCEPTING,
					      BEV_OPT_CLOSE_ON_FREE);
}

static struct evhttp *serve(struct http_worker *hw, int fd, void (*cb)(struct evhttp_request *,
								      void *))
{
	const struct config *cfg = &hw->srv->cfg;
	struct evhttp *h = evhttp_new(hw->w->base);
	int copy = dup(fd);
	struct evconnlistener *l = copy < 0 ? NULL :
		evconnlistener_new(hw->w->base, NULL, NULL,
				   LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 0, copy);
	if (h == NULL || l == NULL || evhttp_bind_listener(h, l) == NULL) {
		if (l)
			evconnlistener_free(l);
		else if (copy >= 0)
			close(copy);
		if (h)
			evhttp_free(h);
		return NULL;
	}
	evhttp_set_gencb(h, cb, hw);
	evhttp_set_allowed_methods(h, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD | EVHTTP_REQ_POST |
				      EVHTTP_REQ_PUT);
	evhttp_set_max_headers_size(h, HEADERS_MAX);
	evhttp_set_max_body_size(h, (ev_ssize_t)cfg->max_request);
	evhttp_set_timeout(h, (int)cfg->request_timeout);
	evhttp_set_default_content_type(h, "application/json; charset=utf-8");
	return h;
}

struct http_worker *http_worker_new(struct worker *w)
{
	struct server *srv = w->srv;
	if (srv->http_fd < 0 && srv->https_fd < 0)
		return NULL;
	struct http_worker *hw = xcalloc(1, sizeof *hw);
	hw->w = w;
	hw->srv = srv;
	char err[CONFIG_STR_MAX + 64];
	if (http_static_open(srv->cfg.web_root, &hw->web, err, sizeof err) != 0)
		log_error("network thread %u: no web pages: %s", w->index, err);
	if (srv->http_fd >= 0 && (hw->plain = serve(hw, srv->http_fd, on_plain)) == NULL)
		goto fail;
	if (srv->https_fd >= 0) {
		if ((hw->secure = serve(hw, srv->https_fd, on_secure)) == NULL)
			goto fail;
		evhttp_set_bevcb(hw->secure, make_tls_bev, hw);
	}
	return hw;
fail:
	log_error("network thread %u: cannot serve HTTP", w->index);
	http_worker_free(hw);
	return NULL;
}

static void stop_accepting(struct evhttp_bound_socket *bs, void *arg)
{
	evconnlistener_disable(evhttp_bound_socket_get_listener(bs));
	(void)arg;
}

void http_worker_stop_reading(struct http_worker *hw)
{
	if (hw == NULL)
		return;
	hw->stopped = true;
	if (hw->plain)
		evhttp_foreach_bound_socket(hw->plain, stop_accepting, NULL);
	if (hw->secure)
		evhttp_foreach_bound_socket(hw->secure, stop_accepting, NULL);
}

unsigned http_worker_pending(const struct http_worker *hw)
{
	return hw ? hw->pending : 0;
}

void http_worker_free(struct http_worker *hw)
{
	if (hw == NULL)
		return;
	/* evhttp_free closes every connection, calling on_close for each. */
	if (hw->plain)
		evhttp_free(hw->plain);
	if (hw->secure)
		evhttp_free(hw->secure);
	http_static_free(hw->web);
	free(hw);
}
