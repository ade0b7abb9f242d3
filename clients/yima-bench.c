/*
 * yima-bench — a load generator for yimad, and for the servers it is
 * compared with (Redis, PostgreSQL), so one client measures them all.
 *
 *   yima-bench --sample FILE [--target yima|redis|pg] [-h HOST] [-p PORT]
 *              [--workload verify|dispense|mixed] [-c CONNS] [-P DEPTH]
 *              [--duration S] [--requests N] [--keys uniform|zipf] ...
 *
 * clients/BENCH.md describes every option, the requests each target gets
 * and the output.
 *
 * DESIGN.  One thread, one libevent loop, CONNS connections, each keeping
 * up to DEPTH requests in flight (refilled as replies arrive).  A request's
 * latency runs from the moment it was due to the moment its reply was read:
 * without --rate a request is due when it is sent; with --rate each
 * connection has a fixed schedule and a request that leaves late is charged
 * for the wait, so a stalled server cannot hide behind a slowed client
 * ("coordinated omission").  Latencies go into log-bucketed histograms
 * (bench_hist.c); replies are checked in place (bench_reply.c).
 *
 * Sales.  Every DISPENSE must be a real first sale: a code not sold
 * before, sold at the site that holds it, under a transaction id never used.
 * Against yimad, without --sales, the run starts with a probe: VERIFY of
 * the sample's codes, keeping those that are active, GREEN, not partly sold
 * (split packs) and held by a pharmacy or hospital (from sites.csv beside the sample, when there is
 * one), in file order; codes sold by an earlier run are no longer active.
 * --write-sales saves what a probe found as a sales file (site,code), and
 * --sales FILE sells from one, so that yimad, Redis and PostgreSQL sell the
 * same codes at the same sites; --sale-offset skips the codes an earlier
 * run sold.  Redis and PostgreSQL without --sales sell the sample's codes
 * in order at --site.  A sale never reuses a code; when the codes run out
 * the run stops early and says so.
 *
 * Bounds: every run ends after --duration seconds (at most 3600) or
 * --requests requests, whichever comes first; only loopback addresses are
 * accepted.
 *
 * Exit status: 0 every reply was the expected one; 1 error replies or
 * unexpected answers (counted in the report), or a connection lost; 2 bad
 * arguments, an unreadable sample file, a server that cannot be reached.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "bench_hist.h"
#include "bench_keys.h"
#include "bench_pg.h"
#include "bench_reply.h"
#include "buf.h"
#include "client.h"
#include "load.h"
#include "xmem.h"

#define DURATION_MAX   3600.0
#define REQUESTS_MAX   10000000000ull
#define CONNS_MAX      1000u
#define DEPTH_MAX      1024u
#define PROBE_DEPTH    32u	/* requests in flight per connection while probing */
#define PROBE_SECONDS  600.0
#define DRAIN_SECONDS  10.0	/* wait for replies still due after the end */
#define READ_CHUNK     65536

enum target { T_YIMA, T_REDIS, T_PG };
static const char *const target_name[] = { "yima", "redis", "pg" };
enum workload { W_VERIFY, W_DISPENSE, W_MIXED };
static const char *const workload_name[] = { "verify", "dispense", "mixed" };

enum op { OP_VERIFY, OP_DISPENSE, OP_PROBE, OP__N };
static const char *const op_name[] = { "verify", "dispense", "probe" };

/* How a reply compares with what the request should get. */
enum outcome { O_OK, O_UNEXPECTED, O_ERROR, O__N };
enum verdict { V_GREEN, V_AMBER, V_RED, V__N };
static const char *const verdict_name[] = { "green", "amber", "red" };

struct opts {
	const char *host, *port, *sample, *sites, *site, *pg_user, *pg_db;
	const char *sales, *sales_out;
	enum target target;
	struct client_servers servers;	/* -h parsed, -p for hosts alone */
	char servers_text[512];		/* "a:7700,b:7700", for the report */
	enum workload workload;
	unsigned conns, depth, mix_pct;
	double duration, rate, zipf_s;
	uint64_t requests, seed, sale_offset;
	bool json;
	bool brief;	/* VERIFY and DISPENSE ... BRIEF (--brief) */
};

struct pending {
	int64_t  p_due;		/* ns, when the request was due */
	uint64_t p_tx;		/* a DISPENSE's TX serial: the same when sent again */
	uint32_t p_key;		/* code index (sales: index into the sale pool) */
	uint8_t  p_op;
};

struct conn {
	struct bench *c_b;
	unsigned c_id;
	size_t c_server;	/* index in o.servers */
	int c_fd;
	struct event *c_ev_read, *c_ev_write, *c_ev_timer;
	struct buf c_out;	/* RESP requests not yet written */
	size_t c_out_sent;
	struct buf c_in;	/* RESP replies not yet scanned */
	struct pending *c_ring;	/* requests in flight, oldest first */
	unsigned c_head, c_count, c_cap;
	int64_t c_next_due;	/* with --rate: when the next request is due */
	struct bench_pg *c_pg;
};

struct sale {
	uint32_t s_code;	/* offset of the code in sale_text */
	uint32_t s_site;	/* offset of the selling site in sale_text; 0 = --site */
};

struct stats {
	struct hist st_hist[OP__N];
	uint64_t st_outcome[OP__N][O__N];
	uint64_t st_verdict[OP__N][V__N];
};

struct bench {
	struct opts o;
	struct keys keys;
	struct event_base *base;
	struct conn *conns;
	struct rng64 rng;

	/* Sales: the pool, what was taken from it, codes and sites' names. */
	struct sale *sales;
	size_t nsales, sales_cap, sales_next;
	struct buf sale_text;
	char **sell_sites;	/* sorted ids of pharmacies and hospitals */
	size_t nsell;
	bool exhausted;
	uint64_t tx_serial;
	char tx_prefix[32];

	/* The phase being run. */
	bool probing;
	uint32_t probe_next;
	uint64_t probe_want;	/* stop probing once the pool is this big; 0 = all */
	unsigned depth;
	uint64_t limit;		/* requests to send in this phase */
	uint64_t sent, done;
	bool stopping;
	int64_t t_start, t_end;
	struct event *ev_stop, *ev_drain;
	struct stats st;
	char first_error[256];
	int fatal;		/* 1 connection lost */
	char fatal_msg[1024];
	uint64_t reconnects;	/* connections moved to another server */
};

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Print "yima-bench: MESSAGE" (and, for a usage error, where to look) and
 * exit with status 2. */
static void vdie(bool usage_hint, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0), noreturn));
static void vdie(bool usage_hint, const char *fmt, va_list ap)
{
	fputs("yima-bench: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputs(usage_hint ? "\n(yima-bench --help lists the options)\n" : "\n", stderr);
	exit(2);
}

static void die_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die_usage(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vdie(true, fmt, ap);
}

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vdie(false, fmt, ap);
}

/* ------------------------------------------------------------ requests */

static const char *sale_site(const struct bench *b, const struct sale *s)
{
	return s->s_site ? b->sale_text.data + s->s_site : b->o.site;
}

/* The next request of this phase: its op and key; false if there is none
 * (the probe went through every code, or the sales ran out). */
static bool next_request(struct bench *b, uint8_t *op, uint32_t *key)
{
	if (b->probing) {
		if (b->probe_next >= b->keys.k_n ||
		    (b->probe_want && b->nsales >= b->probe_want))
			return false;
		*op = OP_PROBE;
		*key = b->probe_next++;
		return true;
	}
	bool sale = b->o.workload == W_DISPENSE ||
		    (b->o.workload == W_MIXED && rng64_below(&b->rng, 100) < b->o.mix_pct);
	if (!sale) {
		*op = OP_VERIFY;
		*key = keys_pick(&b->keys, &b->rng);
		return true;
	}
	if (b->sales_next >= b->nsales) {
		b->exhausted = true;
		return false;
	}
	*op = OP_DISPENSE;
	*key = (uint32_t)b->sales_next++;
	return true;
}

static void put_bulk(struct buf *o, const char *s, size_t n)
{
	buf_printf(o, "$%zu\r\n", n);
	buf_append(o, s, n);
	buf_append(o, "\r\n", 2);
}

/* Append one RESP command of argc C strings. */
static void put_command(struct buf *o, int argc, ...)
{
	va_list ap;
	va_start(ap, argc);
	buf_printf(o, "*%d\r\n", argc);
	for (int i = 0; i < argc; i++) {
		const char *s = va_arg(ap, const char *);
		put_bulk(o, s, strlen(s));
	}
	va_end(ap);
}

/* Queue one request on c; returns 0, or -1 if the PostgreSQL connection
 * failed (b->fatal set). */
static int encode_request(struct conn *c, uint8_t op, uint32_t key, uint64_t tx_serial)
{
	struct bench *b = c->c_b;
	const struct sale *s = op == OP_DISPENSE ? &b->sales[key] : NULL;
	const char *code = s ? b->sale_text.data + s->s_code : keys_code(&b->keys, key);
	char tx[64], value[160];
	if (s) {
		snprintf(tx, sizeof tx, "%s%" PRIu64, b->tx_prefix, tx_serial);
		snprintf(value, sizeof value, "%s,%s", sale_site(b, s), tx);
	}
	switch (b->o.target) {
	case T_YIMA: {
		/* --brief: the reply a till acts on.  Never for the probe, which
		 * reads the record's status and holder. */
		int brief = b->o.brief && op != OP_PROBE;
		if (s)
			put_command(&c->c_out, 6 + brief, "DISPENSE", code, "SITE", sale_site(b, s),
				    "TX", tx, "BRIEF");
		else
			put_command(&c->c_out, 2 + brief, "VERIFY", code, "BRIEF");
		return 0;
	}
	case T_REDIS:
		if (s) {
			/* The sale is its own key; NX makes the first one win. */
			char k[KEYS_CODE_MAX + 8];
			snprintf(k, sizeof k, "sale:%s", code);
			put_command(&c->c_out, 4, "SET", k, value, "NX");
		} else {
			put_command(&c->c_out, 2, "GET", code);
		}
		return 0;
	case T_PG: {
		int r = s ? bench_pg_send_update(c->c_pg, code, sale_site(b, s), tx)
			  : bench_pg_send_select(c->c_pg, code);
		if (r != 0) {
			b->fatal = 1;
			snprintf(b->fatal_msg, sizeof b->fatal_msg, "connection %u: %s", c->c_id,
				 bench_pg_error(c->c_pg));
		}
		return r;
	}
	}
	return 0;
}

/* ------------------------------------------------------------- replies */

static bool is_sell_site(const struct bench *b, const char *s, size_t n)
{
	if (!b->sell_sites)
		return true;
	size_t lo = 0, hi = b->nsell;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const char *m = b->sell_sites[mid];
		int cmp = strncmp(m, s, n);
		if (cmp == 0 && m[n] != '\0')
			cmp = 1;
		if (cmp == 0)
			return true;
		if (cmp < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

static uint32_t text_add(struct bench *b, const char *s, size_t n)
{
	if (b->sale_text.len + n + 1 > UINT32_MAX)
		die("more sales than fit in memory (4 GB of codes)");
	uint32_t off = (uint32_t)b->sale_text.len;
	buf_append(&b->sale_text, s, n);
	buf_putc(&b->sale_text, '\0');
	return off;
}

/* One more code to sell, at site (NULL: at --site). */
static void pool_add(struct bench *b, const char *code, size_t code_len,
		     const char *site, size_t site_len)
{
	if (b->nsales == b->sales_cap) {
		b->sales_cap = b->sales_cap ? 2 * b->sales_cap : 4096;
		b->sales = xrealloc(b->sales, b->sales_cap * sizeof *b->sales);
	}
	struct sale *sa = &b->sales[b->nsales++];
	sa->s_code = text_add(b, code, code_len);
	sa->s_site = site ? text_add(b, site, site_len) : 0;
}

static void note_error(struct bench *b, const char *msg, size_t n)
{
	if (b->first_error[0])
		return;
	if (n >= sizeof b->first_error)
		n = sizeof b->first_error - 1;
	memcpy(b->first_error, msg, n);
	b->first_error[n] = '\0';
}

static enum verdict verdict_of(const struct reply_field *f)
{
	if (reply_field_is(f, "green"))
		return V_GREEN;
	if (reply_field_is(f, "amber"))
		return V_AMBER;
	return V_RED;
}

/* Judge one RESP reply to a request of kind op. */
static enum outcome judge_resp(struct bench *b, const struct pending *p,
			       const struct reply_scan *r)
{
	if (r->rs_type == '-' || r->rs_type == '!') {
		note_error(b, r->rs_str ? r->rs_str : "?", r->rs_str ? r->rs_len : 1);
		return O_ERROR;
	}
	if (b->o.target == T_REDIS) {
		if (p->p_op == OP_VERIFY)
			return r->rs_type == '$' && !r->rs_null ? O_OK : O_UNEXPECTED;
		return r->rs_type == '+' ? O_OK : O_UNEXPECTED;
	}
	const struct reply_field *verdict = &r->rs_fields[0];
	if (!verdict->rf_val)
		return O_UNEXPECTED;
	enum verdict v = verdict_of(verdict);
	b->st.st_verdict[p->p_op][v]++;
	switch (p->p_op) {
	case OP_VERIFY:
		return O_OK;
	case OP_DISPENSE:
		return v == V_GREEN ? O_OK : O_UNEXPECTED;
	default: {
		/* Not a split pack partly sold: a second partial sale would be
		 * no first sale. */
		const struct reply_field *status = &r->rs_fields[1], *holder = &r->rs_fields[2];
		if (v == V_GREEN && reply_field_is(status, "active") &&
		    reply_field_is(&r->rs_fields[3], "0") && holder->rf_val &&
		    is_sell_site(b, holder->rf_val, holder->rf_len))
			pool_add(b, keys_code(&b->keys, p->p_key), strlen(keys_code(&b->keys, p->p_key)),
				 holder->rf_val, holder->rf_len);
		return O_OK;
	}
	}
}

static void conn_fill(struct conn *c);
static void bench_maybe_finish(struct bench *b);

/* The oldest request of c was answered with outcome o. */
static void complete(struct conn *c, enum outcome o, int64_t now)
{
	struct bench *b = c->c_b;
	struct pending *p = &c->c_ring[c->c_head];
	b->st.st_outcome[p->p_op][o]++;
	hist_record(&b->st.st_hist[p->p_op], (uint64_t)(now > p->p_due ? now - p->p_due : 0));
	c->c_head = (c->c_head + 1) % c->c_cap;
	c->c_count--;
	b->done++;
	b->t_end = now;
}

static void conn_lost(struct conn *c, const char *why)
{
	struct bench *b = c->c_b;
	if (!b->fatal) {
		b->fatal = 1;
		snprintf(b->fatal_msg, sizeof b->fatal_msg,
			 "connection %u: %s (%" PRIu64 " replies read in all)", c->c_id, why, b->done);
	}
	event_base_loopbreak(b->base);
}

static void on_read(evutil_socket_t fd, short what, void *arg);
static void on_write(evutil_socket_t fd, short what, void *arg);
static void conn_flush(struct conn *c);

/* Connect c to the next server that answers (from the one after its own,
 * each once) and send its requests in flight again, as they were: a
 * DISPENSE keeps its TX, so a sale the lost server recorded is answered as
 * the first time where the record is shared.  0, or -1 with why in err. */
static int conn_move(struct conn *c, const char *why, char *err, size_t errlen)
{
	struct bench *b = c->c_b;
	const struct client_servers *l = &b->o.servers;
	char from[CLIENT_HOST_MAX + 16], to[CLIENT_HOST_MAX + 16];
	client_server_name(l, c->c_server, from, sizeof from);
	event_free(c->c_ev_read);
	event_free(c->c_ev_write);
	c->c_ev_read = c->c_ev_write = NULL;
	close(c->c_fd);
	c->c_fd = -1;
	size_t at = (c->c_server + 1) % l->n;
	struct client cl;
	if (client_connect_any(&cl, l, &at, 10000, NULL, NULL, NULL) != 0) {
		snprintf(err, errlen, "%s: %s, and %s", from, why, cl.err);
		return -1;
	}
	c->c_server = at;
	c->c_fd = cl.fd;
	buf_free(&cl.in);
	evutil_make_socket_nonblocking(c->c_fd);
	c->c_ev_read = event_new(b->base, c->c_fd, EV_READ | EV_PERSIST, on_read, c);
	c->c_ev_write = event_new(b->base, c->c_fd, EV_WRITE, on_write, c);
	event_add(c->c_ev_read, NULL);
	buf_reset(&c->c_in);
	buf_reset(&c->c_out);
	c->c_out_sent = 0;
	for (unsigned k = 0; k < c->c_count; k++) {
		const struct pending *p = &c->c_ring[(c->c_head + k) % c->c_cap];
		encode_request(c, p->p_op, p->p_key, p->p_tx);
	}
	b->reconnects++;
	fprintf(stderr, "yima-bench: connection %u: %s: %s; moved to %s (%u requests sent "
		"again)\n", c->c_id, from, why, client_server_name(l, at, to, sizeof to),
		c->c_count);
	conn_flush(c);
	return 0;
}

/* c's connection failed (closed, reset): move it to another server, or
 * end the run when none answers (PostgreSQL: end it at once). */
static void conn_failed(struct conn *c, const char *why)
{
	char err[900];
	if (c->c_b->o.target == T_PG) {
		conn_lost(c, why);
		return;
	}
	if (conn_move(c, why, err, sizeof err) != 0)
		conn_lost(c, err);
}

static void resp_read(struct conn *c)
{
	struct bench *b = c->c_b;
	buf_reserve(&c->c_in, READ_CHUNK);
	ssize_t n = read(c->c_fd, c->c_in.data + c->c_in.len, READ_CHUNK);
	if (n == 0) {
		conn_failed(c, "closed by the server");
		return;
	}
	if (n < 0) {
		if (errno != EAGAIN && errno != EINTR)
			conn_failed(c, strerror(errno));
		return;
	}
	c->c_in.len += (size_t)n;
	int64_t now = now_ns();
	struct reply_field fields[4] = { { "verdict", NULL, 0 }, { "status", NULL, 0 },
					 { "holder", NULL, 0 }, { "dispensed", NULL, 0 } };
	size_t off = 0, used;
	for (;;) {
		struct reply_scan r = { .rs_fields = fields,
					.rs_nfields = b->o.target == T_YIMA ? 4 : 0 };
		int s = reply_scan(c->c_in.data + off, c->c_in.len - off, &r, &used);
		if (s == 0)
			break;
		if (s < 0 || c->c_count == 0) {
			conn_lost(c, s < 0 ? "a reply that is not RESP" : "a reply nobody asked for");
			return;
		}
		complete(c, judge_resp(b, &c->c_ring[c->c_head], &r), now);
		off += used;
	}
	buf_consume(&c->c_in, off);
}

static void pg_done(void *arg, enum pg_outcome po, const char *msg)
{
	struct conn *c = arg;
	struct bench *b = c->c_b;
	if (msg)
		note_error(b, msg, strlen(msg));
	enum outcome o = po == PG_ROW ? O_OK : po == PG_NONE ? O_UNEXPECTED : O_ERROR;
	complete(c, o, now_ns());
}

static void on_read(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct conn *c = arg;
	struct bench *b = c->c_b;
	if (b->o.target != T_PG) {
		resp_read(c);
		if (b->fatal)
			return;
		conn_fill(c);
		bench_maybe_finish(b);
		return;
	}
	/* libpq may take in replies while it sends (PQflush reads to avoid a
	 * deadlock), and those will not wake this event again: read until a
	 * pass answers nothing new. */
	uint64_t before;
	do {
		before = b->done;
		if (bench_pg_read(c->c_pg, pg_done, c) != 0) {
			conn_lost(c, bench_pg_error(c->c_pg));
			return;
		}
		if (b->fatal)
			return;
		conn_fill(c);
	} while (b->done != before && !b->fatal);
	bench_maybe_finish(b);
}

/* Write what is queued; wait for EV_WRITE if the socket is full. */
static void conn_flush(struct conn *c)
{
	bool more;
	if (c->c_b->o.target == T_PG) {
		int r = bench_pg_flush(c->c_pg);
		if (r < 0) {
			conn_lost(c, bench_pg_error(c->c_pg));
			return;
		}
		more = r == 1;
	} else {
		while (c->c_out_sent < c->c_out.len) {
			ssize_t n = write(c->c_fd, c->c_out.data + c->c_out_sent,
					  c->c_out.len - c->c_out_sent);
			if (n < 0) {
				if (errno == EINTR)
					continue;
				if (errno == EAGAIN)
					break;
				conn_failed(c, strerror(errno));
				return;
			}
			c->c_out_sent += (size_t)n;
		}
		if (c->c_out_sent == c->c_out.len) {
			buf_reset(&c->c_out);
			c->c_out_sent = 0;
		}
		more = c->c_out.len > 0;
	}
	if (more)
		event_add(c->c_ev_write, NULL);
}

static void on_write(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	conn_flush(arg);
}

static void on_due(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct conn *c = arg;
	conn_fill(c);
	bench_maybe_finish(c->c_b);
}

/* Send requests until depth are in flight (or, with --rate, until the next
 * one is not due yet). */
static void conn_fill(struct conn *c)
{
	struct bench *b = c->c_b;
	int64_t now = now_ns();
	bool queued = false;
	while (!b->stopping && c->c_count < b->depth) {
		if (b->limit && b->sent >= b->limit) {
			b->stopping = true;
			break;
		}
		int64_t due = now;
		if (b->o.rate > 0 && !b->probing) {
			if (c->c_next_due > now) {
				int64_t wait = c->c_next_due - now;
				struct timeval tv = { (time_t)(wait / 1000000000),
						      (suseconds_t)(wait % 1000000000 / 1000) };
				event_add(c->c_ev_timer, &tv);
				break;
			}
			due = c->c_next_due;
			c->c_next_due += (int64_t)(1e9 * b->o.conns / b->o.rate);
		}
		uint8_t op;
		uint32_t key;
		if (!next_request(b, &op, &key)) {
			b->stopping = true;
			break;
		}
		uint64_t tx = op == OP_DISPENSE ? ++b->tx_serial : 0;
		if (encode_request(c, op, key, tx) != 0) {
			event_base_loopbreak(b->base);
			return;
		}
		unsigned tail = (c->c_head + c->c_count) % c->c_cap;
		c->c_ring[tail] = (struct pending){ .p_due = due, .p_tx = tx, .p_key = key,
						    .p_op = op };
		c->c_count++;
		b->sent++;
		queued = true;
	}
	if (queued)
		conn_flush(c);
}

static void bench_maybe_finish(struct bench *b)
{
	if (b->stopping && b->done == b->sent) {
		event_base_loopbreak(b->base);
		return;
	}
	if (b->stopping && !event_pending(b->ev_drain, EV_TIMEOUT, NULL)) {
		struct timeval tv = { (time_t)DRAIN_SECONDS, 0 };
		event_add(b->ev_drain, &tv);
	}
}

static void on_stop(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct bench *b = arg;
	b->stopping = true;
	bench_maybe_finish(b);
}

static void on_drain(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct bench *b = arg;
	b->fatal = 1;
	snprintf(b->fatal_msg, sizeof b->fatal_msg,
		 "%" PRIu64 " requests still unanswered %.0f s after the end", b->sent - b->done,
		 DRAIN_SECONDS);
	event_base_loopbreak(b->base);
}

/* ---------------------------------------------------------- connections */

/* Refuse anything but this machine: the tool loads a server hard. */
static void check_loopback(const char *host, const char *port)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM };
	struct addrinfo *res, *ai;
	int rc = getaddrinfo(host, port, &hints, &res);
	if (rc != 0)
		die("cannot resolve %s:%s: %s", host, port, gai_strerror(rc));
	for (ai = res; ai; ai = ai->ai_next) {
		bool lo = false;
		if (ai->ai_family == AF_INET) {
			const struct sockaddr_in *s = (const struct sockaddr_in *)(const void *)ai->ai_addr;
			lo = (ntohl(s->sin_addr.s_addr) >> 24) == 127;
		} else if (ai->ai_family == AF_INET6) {
			const struct sockaddr_in6 *s = (const struct sockaddr_in6 *)(const void *)ai->ai_addr;
			lo = IN6_IS_ADDR_LOOPBACK(&s->sin6_addr);
		}
		if (!lo) {
			freeaddrinfo(res);
			die_usage("%s is not a loopback address: yima-bench only loads servers on "
				  "this machine", host);
		}
	}
	freeaddrinfo(res);
}

static void conns_open(struct bench *b)
{
	unsigned depth = b->o.depth > PROBE_DEPTH ? b->o.depth : PROBE_DEPTH;
	b->conns = xcalloc(b->o.conns, sizeof *b->conns);
	for (unsigned i = 0; i < b->o.conns; i++) {
		struct conn *c = &b->conns[i];
		char err[512];
		c->c_b = b;
		c->c_id = i;
		c->c_server = i % b->o.servers.n;	/* spread over the servers */
		const struct client_server *srv = &b->o.servers.s[c->c_server];
		c->c_cap = depth;
		c->c_ring = xcalloc(depth, sizeof *c->c_ring);
		buf_init(&c->c_in);
		buf_init(&c->c_out);
		if (b->o.target == T_PG) {
			c->c_pg = bench_pg_connect(srv->host, srv->port, b->o.pg_user, b->o.pg_db,
						   err, sizeof err);
			if (!c->c_pg)
				die("%s", err);
			c->c_fd = bench_pg_fd(c->c_pg);
		} else {
			/* The CLI's connect: resolve, connect with a timeout,
			 * TCP_NODELAY, HELLO 3 (RESP2 if refused). */
			struct client cl;
			if (client_connect(&cl, srv->host, srv->port, 10000) != 0)
				die("%s", cl.err);
			c->c_fd = cl.fd;
			buf_free(&cl.in);
		}
		evutil_make_socket_nonblocking(c->c_fd);
		c->c_ev_read = event_new(b->base, c->c_fd, EV_READ | EV_PERSIST, on_read, c);
		c->c_ev_write = event_new(b->base, c->c_fd, EV_WRITE, on_write, c);
		c->c_ev_timer = evtimer_new(b->base, on_due, c);
		event_add(c->c_ev_read, NULL);
	}
}

static void conns_close(struct bench *b)
{
	for (unsigned i = 0; b->conns && i < b->o.conns; i++) {
		struct conn *c = &b->conns[i];
		if (c->c_ev_read) {
			event_free(c->c_ev_read);
			event_free(c->c_ev_write);
		}
		if (c->c_ev_timer)
			event_free(c->c_ev_timer);
		if (c->c_pg)
			bench_pg_close(c->c_pg);
		else if (c->c_fd > 0)
			close(c->c_fd);
		buf_free(&c->c_in);
		buf_free(&c->c_out);
		free(c->c_ring);
	}
	free(b->conns);
	b->conns = NULL;
}

/* --------------------------------------------------------------- phases */

/* Run one phase to its end: every request sent was answered, or a bound
 * was reached, or a connection failed. */
static void run_phase(struct bench *b, bool probing, double seconds, uint64_t limit)
{
	b->probing = probing;
	b->depth = probing ? PROBE_DEPTH : b->o.depth;
	b->limit = limit;
	b->sent = b->done = 0;
	b->stopping = false;
	for (unsigned i = 0; i < OP__N; i++)
		hist_init(&b->st.st_hist[i]);
	memset(b->st.st_outcome, 0, sizeof b->st.st_outcome);
	memset(b->st.st_verdict, 0, sizeof b->st.st_verdict);
	b->t_start = b->t_end = now_ns();
	struct timeval tv = { (time_t)seconds, (suseconds_t)((seconds - floor(seconds)) * 1e6) };
	event_add(b->ev_stop, &tv);
	for (unsigned i = 0; i < b->o.conns; i++) {
		/* Spread the connections' schedules over one interval. */
		b->conns[i].c_next_due = b->t_start + (b->o.rate > 0
			? (int64_t)(1e9 * i / b->o.rate) : 0);
		conn_fill(&b->conns[i]);
	}
	bench_maybe_finish(b);
	if (!b->fatal && !(b->stopping && b->done == b->sent))
		event_base_dispatch(b->base);
	event_del(b->ev_stop);
	event_del(b->ev_drain);
	for (unsigned i = 0; i < b->o.conns; i++)
		event_del(b->conns[i].c_ev_timer);
}

/* sites.csv beside the sample file: the ids of pharmacies and hospitals,
 * where sales happen.  Without the file any holder will do. */
static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void load_sell_sites(struct bench *b)
{
	const char *path = b->o.sites;
	char guess[4096];
	if (!path) {
		const char *slash = strrchr(b->o.sample, '/');
		int dir = slash ? (int)(slash - b->o.sample + 1) : 0;
		snprintf(guess, sizeof guess, "%.*ssites.csv", dir, b->o.sample);
		if (access(guess, R_OK) != 0)
			return;
		path = guess;
	}
	FILE *f = fopen(path, "r");
	if (!f)
		die("cannot open %s: %s", path, strerror(errno));
	char err[LOAD_MSG_MAX];
	struct load_csv *r = load_csv_open(f, path, NULL, err);
	if (!r)
		die("%s", err);
	if (load_csv_file(r) != LOAD_FILE_SITES)
		die("%s is not a sites file (site,name,kind,...)", path);
	struct load_rec rec;
	int rc;
	size_t cap = 0;
	while ((rc = load_csv_next(r, &rec)) != LOAD_END) {
		if (rc != LOAD_OK)
			die("%s", load_csv_error(r));
		const char *kind = rec.f[LOAD_F_KIND];
		if (!kind || (strcmp(kind, "pharmacy") != 0 && strcmp(kind, "hospital") != 0))
			continue;
		if (b->nsell == cap) {
			cap = cap ? 2 * cap : 64;
			b->sell_sites = xrealloc(b->sell_sites, cap * sizeof *b->sell_sites);
		}
		b->sell_sites[b->nsell++] = xstrdup(rec.f[LOAD_F_SITE]);
	}
	load_csv_close(r);
	fclose(f);
	if (b->nsell == 0)
		die("%s names no pharmacy or hospital to sell at", path);
	qsort(b->sell_sites, b->nsell, sizeof *b->sell_sites, cmp_str);
}

/* Read a sales file: a header naming "site" and "code" columns, then one
 * sale a line.  Site ids and canonical codes hold no commas or quotes, so a
 * line is split at its commas. */
static void load_sales(struct bench *b, const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		die("cannot open sales file %s: %s", path, strerror(errno));
	char line[1024];
	int site_col = -1, code_col = -1;
	unsigned long lineno = 0;
	while (fgets(line, sizeof line, f)) {
		lineno++;
		size_t n = strcspn(line, "\r\n");
		if (line[n] == '\0' && !feof(f))
			die("%s:%lu: a line longer than %zu bytes", path, lineno, sizeof line - 2);
		line[n] = '\0';
		char *field[16];
		int nf = 0;
		for (char *p = line; nf < 16; ) {
			field[nf++] = p;
			p = strchr(p, ',');
			if (!p)
				break;
			*p++ = '\0';
		}
		if (lineno == 1) {
			for (int i = 0; i < nf; i++) {
				if (!strcmp(field[i], "site"))
					site_col = i;
				else if (!strcmp(field[i], "code"))
					code_col = i;
			}
			if (site_col < 0 || code_col < 0)
				die("%s:1: the header must name the columns site and code", path);
			continue;
		}
		if (n == 0)
			continue;
		if (nf <= site_col || nf <= code_col || !*field[site_col] || !*field[code_col])
			die("%s:%lu: a site and a code are needed", path, lineno);
		pool_add(b, field[code_col], strlen(field[code_col]), field[site_col],
			 strlen(field[site_col]));
	}
	if (ferror(f))
		die("cannot read %s: %s", path, strerror(errno));
	fclose(f);
	if (lineno == 0)
		die("%s is empty", path);
}

/* VERIFY every code of the sample and keep those yimad would sell as a
 * first sale at their holder: active, GREEN, nothing of it sold yet. */
static void probe_sales(struct bench *b)
{
	load_sell_sites(b);
	if (b->o.requests && !b->o.sales_out)
		b->probe_want = b->o.sale_offset + (b->o.workload == W_DISPENSE ? b->o.requests
			: b->o.requests * b->o.mix_pct / 100 + 1000);
	int64_t t0 = now_ns();
	run_phase(b, true, PROBE_SECONDS, 0);
	if (b->fatal)
		die("probing for codes to sell: %s", b->fatal_msg);
	if (b->st.st_outcome[OP_PROBE][O_ERROR])
		die("probing for codes to sell: %" PRIu64 " error replies, the first: %s",
		    b->st.st_outcome[OP_PROBE][O_ERROR], b->first_error);
	if (!b->o.json)
		fprintf(stderr, "yima-bench: probe: %zu of %u codes can be sold (active, green, at a "
			"pharmacy or hospital), %.1f s\n", b->nsales, b->probe_next,
			(double)(now_ns() - t0) / 1e9);
}

/* Fill the sale pool before a run that dispenses. */
static void prepare_sales(struct bench *b)
{
	buf_putc(&b->sale_text, '\0');	/* offset 0 means "no site" */
	if (b->o.sales)
		load_sales(b, b->o.sales);
	else if (b->o.target == T_YIMA)
		probe_sales(b);
	else
		for (uint32_t i = 0; i < b->keys.k_n; i++)
			pool_add(b, keys_code(&b->keys, i), strlen(keys_code(&b->keys, i)), NULL, 0);
	if (b->o.sale_offset >= b->nsales && !b->o.sales_out)
		die("no code left to sell: %zu codes%s, --sale-offset %" PRIu64, b->nsales,
		    b->o.sales || b->o.target != T_YIMA ? "" : " could be sold (every other one is "
		    "sold, expired, recalled, in transit or not at a pharmacy or hospital)",
		    b->o.sale_offset);
	b->sales_next = b->o.sale_offset;
}

/* --write-sales: the probe's findings as a sales file, for runs on every
 * target to sell the same codes. */
static int write_sales(struct bench *b)
{
	FILE *f = fopen(b->o.sales_out, "w");
	if (!f)
		die("cannot write %s: %s", b->o.sales_out, strerror(errno));
	fputs("site,code\n", f);
	for (size_t i = 0; i < b->nsales; i++)
		fprintf(f, "%s,%s\n", sale_site(b, &b->sales[i]), b->sale_text.data + b->sales[i].s_code);
	if (fclose(f) != 0)
		die("cannot write %s: %s", b->o.sales_out, strerror(errno));
	return 0;
}

/* --------------------------------------------------------------- report */

static double ms(uint64_t ns)
{
	return (double)ns / 1e6;
}

static void print_text(const struct bench *b, double secs)
{
	const struct opts *o = &b->o;
	printf("target %s %s, workload %s", target_name[o->target], o->servers_text,
	       workload_name[o->workload]);
	if (o->workload == W_MIXED)
		printf(" (%u%% dispense)", o->mix_pct);
	printf(", %u conns, pipeline %u, %s keys over %u codes", o->conns, o->depth,
	       o->zipf_s > 0 ? "zipf" : "uniform", b->keys.k_n);
	if (o->brief)
		printf(", brief replies");
	if (o->rate > 0)
		printf(", rate %.0f/s", o->rate);
	printf("\n%" PRIu64 " requests in %.2f s: %.0f req/s\n", b->done, secs,
	       secs > 0 ? (double)b->done / secs : 0.0);
	printf("%-9s %10s %10s %8s %8s %8s %8s %8s %6s %6s\n", "op", "count", "req/s", "p50 ms",
	       "p90 ms", "p99 ms", "p99.9 ms", "max ms", "unexp", "errors");
	for (unsigned op = OP_VERIFY; op <= OP_DISPENSE; op++) {
		const struct hist *h = &b->st.st_hist[op];
		if (!h->h_count)
			continue;
		printf("%-9s %10" PRIu64 " %10.0f %8.3f %8.3f %8.3f %8.3f %8.3f %6" PRIu64
		       " %6" PRIu64 "\n", op_name[op], h->h_count, (double)h->h_count / secs,
		       ms(hist_quantile(h, 0.5)), ms(hist_quantile(h, 0.9)),
		       ms(hist_quantile(h, 0.99)), ms(hist_quantile(h, 0.999)), ms(h->h_max),
		       b->st.st_outcome[op][O_UNEXPECTED], b->st.st_outcome[op][O_ERROR]);
		if (o->target == T_YIMA)
			printf("%-9s verdicts: %s %" PRIu64 ", %s %" PRIu64 ", %s %" PRIu64 "\n", "",
			       verdict_name[V_GREEN], b->st.st_verdict[op][V_GREEN],
			       verdict_name[V_AMBER], b->st.st_verdict[op][V_AMBER],
			       verdict_name[V_RED], b->st.st_verdict[op][V_RED]);
	}
	if (b->reconnects)
		printf("reconnects: %" PRIu64 " (connections moved to another server)\n",
		       b->reconnects);
	if (b->first_error[0])
		printf("first error: %s\n", b->first_error);
}

static void print_json(const struct bench *b, double secs)
{
	const struct opts *o = &b->o;
	printf("{\"target\":\"%s\",\"workload\":\"%s\",\"conns\":%u,\"pipeline\":%u,"
	       "\"keys\":\"%s\",\"codes\":%u,\"rate\":%.0f,\"mix_pct\":%u,"
	       "\"seconds\":%.3f,\"requests\":%" PRIu64 ",\"throughput\":%.1f,"
	       "\"exhausted\":%s,\"sales_used\":%zu,\"sales_left\":%zu,"
	       "\"reconnects\":%" PRIu64 ",\"brief\":%s,\"ops\":{",
	       target_name[o->target], workload_name[o->workload], o->conns, o->depth,
	       o->zipf_s > 0 ? "zipf" : "uniform", b->keys.k_n, o->rate, o->mix_pct, secs, b->done,
	       secs > 0 ? (double)b->done / secs : 0.0, b->exhausted ? "true" : "false",
	       b->sales_next, b->nsales - b->sales_next, b->reconnects,
	       o->brief ? "true" : "false");
	const char *sep = "";
	for (unsigned op = OP_VERIFY; op <= OP_DISPENSE; op++) {
		const struct hist *h = &b->st.st_hist[op];
		if (!h->h_count)
			continue;
		printf("%s\"%s\":{\"count\":%" PRIu64 ",\"throughput\":%.1f,\"ok\":%" PRIu64
		       ",\"unexpected\":%" PRIu64 ",\"errors\":%" PRIu64 ",", sep, op_name[op],
		       h->h_count, (double)h->h_count / secs, b->st.st_outcome[op][O_OK],
		       b->st.st_outcome[op][O_UNEXPECTED], b->st.st_outcome[op][O_ERROR]);
		if (o->target == T_YIMA)
			printf("\"verdicts\":{\"green\":%" PRIu64 ",\"amber\":%" PRIu64
			       ",\"red\":%" PRIu64 "},", b->st.st_verdict[op][V_GREEN],
			       b->st.st_verdict[op][V_AMBER], b->st.st_verdict[op][V_RED]);
		printf("\"latency_ms\":{\"p50\":%.4f,\"p90\":%.4f,\"p99\":%.4f,\"p99_9\":%.4f,"
		       "\"max\":%.4f,\"mean\":%.4f}}", ms(hist_quantile(h, 0.5)),
		       ms(hist_quantile(h, 0.9)), ms(hist_quantile(h, 0.99)),
		       ms(hist_quantile(h, 0.999)), ms(h->h_max), hist_mean(h) / 1e6);
		sep = ",";
	}
	printf("},\"first_error\":");
	/* The message is the server's: escape what JSON needs. */
	putchar('"');
	for (const char *p = b->first_error; *p; p++) {
		unsigned char ch = (unsigned char)*p;
		if (ch == '"' || ch == '\\')
			printf("\\%c", ch);
		else if (ch < 0x20)
			printf("\\u%04x", ch);
		else
			putchar(ch);
	}
	printf("\"}\n");
}

/* -------------------------------------------------------------- options */

static void usage(FILE *f)
{
	fputs("usage: yima-bench --sample FILE [options]\n"
	      "  --target yima|redis|pg     server kind (default yima)\n"
	      "  -h, --host HOST[,HOST...]  loopback host (default 127.0.0.1); several\n"
	      "                             (HOST or HOST:PORT): connection i goes to\n"
	      "                             server i mod n, and moves to the next if its\n"
	      "                             server goes away\n"
	      "  -p, --port PORT            of a host given alone: default 7700 (redis 6379,\n"
	      "                             pg 5432)\n"
	      "  --workload verify|dispense|mixed   (default verify)\n"
	      "  --mix PCT                  mixed: percent of requests that dispense (default 10)\n"
	      "  -c, --conns N              connections (default 50)\n"
	      "  -P, --pipeline N           requests in flight per connection (default 1)\n"
	      "  --duration S               stop after S seconds (default 10, at most 3600)\n"
	      "  -n, --requests N           stop after N requests\n"
	      "  --keys uniform|zipf        how codes are picked (default uniform)\n"
	      "  --zipf-s S                 Zipf exponent (default 0.99)\n"
	      "  --rate R                   send at most R requests/s in all (default: as fast as\n"
	      "                             replies allow); latency counts from when each was due\n"
	      "  --seed N                   key choice seed (default 1)\n"
	      "  --site S                   selling site for redis/pg sales (default BENCH)\n"
	      "  --sites FILE               sites.csv for yima sales (default: beside the sample)\n"
	      "  --sales FILE               sell these (site,code lines) instead of probing\n"
	      "  --sale-offset N            skip the first N codes that could be sold\n"
	      "  --write-sales FILE         probe the sample, write what can be sold, exit\n"
	      "  --pg-user U, --pg-db D     PostgreSQL role and database (default postgres)\n"
	      "  --brief                    yima: VERIFY and DISPENSE ... BRIEF (verdict, reasons\n"
	      "                             and message only)\n"
	      "  --json                     one JSON document on stdout\n"
	      "  --help\n", f);
}

static uint64_t parse_u64(const char *s, const char *what, uint64_t min, uint64_t max)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s || *end || *s == '-' || v < min || v > max)
		die_usage("%s must be a whole number from %" PRIu64 " to %" PRIu64 ", not '%s'",
			  what, min, max, s);
	return v;
}

static double parse_double(const char *s, const char *what, double min, double max)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || *end || !(v >= min && v <= max))
		die_usage("%s must be a number from %g to %g, not '%s'", what, min, max, s);
	return v;
}

static void parse_opts(struct opts *o, int argc, char **argv)
{
	enum { O_TARGET = 256, O_WORKLOAD, O_MIX, O_DURATION, O_KEYS, O_ZIPF, O_RATE, O_SEED,
	       O_SITE, O_SITES, O_SALES, O_SALES_OUT, O_SALE_OFFSET, O_PG_USER, O_PG_DB,
	       O_JSON, O_SAMPLE, O_HELP, O_BRIEF };
	static const struct option lo[] = {
		{ "sample", required_argument, NULL, O_SAMPLE },
		{ "target", required_argument, NULL, O_TARGET },
		{ "host", required_argument, NULL, 'h' },
		{ "port", required_argument, NULL, 'p' },
		{ "workload", required_argument, NULL, O_WORKLOAD },
		{ "mix", required_argument, NULL, O_MIX },
		{ "conns", required_argument, NULL, 'c' },
		{ "pipeline", required_argument, NULL, 'P' },
		{ "duration", required_argument, NULL, O_DURATION },
		{ "requests", required_argument, NULL, 'n' },
		{ "keys", required_argument, NULL, O_KEYS },
		{ "zipf-s", required_argument, NULL, O_ZIPF },
		{ "rate", required_argument, NULL, O_RATE },
		{ "seed", required_argument, NULL, O_SEED },
		{ "site", required_argument, NULL, O_SITE },
		{ "sites", required_argument, NULL, O_SITES },
		{ "sale-offset", required_argument, NULL, O_SALE_OFFSET },
		{ "sales", required_argument, NULL, O_SALES },
		{ "write-sales", required_argument, NULL, O_SALES_OUT },
		{ "pg-user", required_argument, NULL, O_PG_USER },
		{ "pg-db", required_argument, NULL, O_PG_DB },
		{ "json", no_argument, NULL, O_JSON },
		{ "brief", no_argument, NULL, O_BRIEF },
		{ "help", no_argument, NULL, O_HELP },
		{ NULL, 0, NULL, 0 },
	};
	*o = (struct opts){ .host = "127.0.0.1", .site = "BENCH", .pg_user = "postgres",
			    .pg_db = "postgres", .conns = 50, .depth = 1, .mix_pct = 10,
			    .zipf_s = 0, .seed = 1 };
	bool duration_set = false, zipf = false;
	double zipf_s = 0.99;
	int ch;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":h:p:c:P:n:", lo, NULL)) != -1) {
		switch (ch) {
		case O_SAMPLE: o->sample = optarg; break;
		case O_TARGET:
			if (!strcmp(optarg, "yima")) o->target = T_YIMA;
			else if (!strcmp(optarg, "redis")) o->target = T_REDIS;
			else if (!strcmp(optarg, "pg")) o->target = T_PG;
			else die_usage("--target must be yima, redis or pg, not '%s'", optarg);
			break;
		case 'h': o->host = optarg; break;
		case 'p': parse_u64(optarg, "--port", 1, 65535); o->port = optarg; break;
		case O_WORKLOAD:
			if (!strcmp(optarg, "verify")) o->workload = W_VERIFY;
			else if (!strcmp(optarg, "dispense")) o->workload = W_DISPENSE;
			else if (!strcmp(optarg, "mixed")) o->workload = W_MIXED;
			else die_usage("--workload must be verify, dispense or mixed, not '%s'", optarg);
			break;
		case O_MIX: o->mix_pct = (unsigned)parse_u64(optarg, "--mix", 0, 100); break;
		case 'c': o->conns = (unsigned)parse_u64(optarg, "--conns", 1, CONNS_MAX); break;
		case 'P': o->depth = (unsigned)parse_u64(optarg, "--pipeline", 1, DEPTH_MAX); break;
		case O_DURATION:
			o->duration = parse_double(optarg, "--duration", 0.1, DURATION_MAX);
			duration_set = true;
			break;
		case 'n': o->requests = parse_u64(optarg, "--requests", 1, REQUESTS_MAX); break;
		case O_KEYS:
			if (!strcmp(optarg, "uniform")) zipf = false;
			else if (!strcmp(optarg, "zipf")) zipf = true;
			else die_usage("--keys must be uniform or zipf, not '%s'", optarg);
			break;
		case O_ZIPF: zipf_s = parse_double(optarg, "--zipf-s", 0.01, 10); break;
		case O_RATE: o->rate = parse_double(optarg, "--rate", 1, 1e8); break;
		case O_SEED: o->seed = parse_u64(optarg, "--seed", 0, UINT64_MAX); break;
		case O_SITE: o->site = optarg; break;
		case O_SITES: o->sites = optarg; break;
		case O_SALES: o->sales = optarg; break;
		case O_SALES_OUT: o->sales_out = optarg; break;
		case O_SALE_OFFSET:
			o->sale_offset = parse_u64(optarg, "--sale-offset", 0, UINT32_MAX);
			break;
		case O_PG_USER: o->pg_user = optarg; break;
		case O_PG_DB: o->pg_db = optarg; break;
		case O_JSON: o->json = true; break;
		case O_BRIEF: o->brief = true; break;
		case O_HELP: usage(stdout); exit(0);
		case ':': die_usage("%s needs a value", argv[optind - 1]);
		default: die_usage("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		die_usage("unexpected argument '%s'", argv[optind]);
	if (!o->sample)
		die_usage("--sample FILE is required (a yima-gen sample-codes.txt)");
	if (o->brief && o->target != T_YIMA)
		die_usage("--brief needs --target yima: it asks yimad for brief verdicts");
	if (!o->port)
		o->port = o->target == T_REDIS ? "6379" : o->target == T_PG ? "5432" : "7700";
	char err[300];
	if (client_servers_parse(&o->servers, o->host, o->port, err, sizeof err) != 0)
		die_usage("-h %s: %s", o->host, err);
	size_t used = 0;
	for (size_t i = 0; i < o->servers.n && used < sizeof o->servers_text; i++) {
		char name[CLIENT_HOST_MAX + 16];
		int w = snprintf(o->servers_text + used, sizeof o->servers_text - used, "%s%s",
				 i ? "," : "", client_server_name(&o->servers, i, name, sizeof name));
		used += w > 0 ? (size_t)w : 0;
	}
	if (!duration_set)
		o->duration = o->requests ? DURATION_MAX : 10.0;
	if (zipf)
		o->zipf_s = zipf_s;
	if (o->rate > 0 && o->rate < o->conns)
		die_usage("--rate %.0f is below one request a second per connection (%u)", o->rate,
			  o->conns);
}

int main(int argc, char **argv)
{
	static struct bench bench;
	struct bench *b = &bench;
	parse_opts(&b->o, argc, argv);
	for (size_t i = 0; i < b->o.servers.n; i++)
		check_loopback(b->o.servers.s[i].host, b->o.servers.s[i].port);
	char err[512];
	if (keys_load(&b->keys, b->o.sample, err, sizeof err) != 0)
		die("%s", err);
	if (b->o.zipf_s > 0)
		keys_zipf(&b->keys, b->o.zipf_s);
	b->rng.r_state = b->o.seed;
	/* Transaction ids unique to this run: a retried id would be
	 * answered from the first sale, not decided again. */
	snprintf(b->tx_prefix, sizeof b->tx_prefix, "YB%lx.%d.", (long)time(NULL), (int)getpid());
	buf_init(&b->sale_text);
	/* --rate schedules requests to the microsecond: the default epoll
	 * timeout rounds up to whole milliseconds, which would be charged to
	 * the server as latency. */
	struct event_config *cfg = event_config_new();
	event_config_set_flag(cfg, EVENT_BASE_FLAG_PRECISE_TIMER);
	b->base = event_base_new_with_config(cfg);
	event_config_free(cfg);
	if (!b->base)
		die("cannot create an event loop");
	b->ev_stop = evtimer_new(b->base, on_stop, b);
	b->ev_drain = evtimer_new(b->base, on_drain, b);
	conns_open(b);

	if (b->o.sales_out) {
		if (b->o.target != T_YIMA)
			die_usage("--write-sales needs --target yima: it asks yimad which codes can be sold");
		buf_putc(&b->sale_text, '\0');
		probe_sales(b);
		write_sales(b);
		fprintf(stderr, "yima-bench: %zu sales written to %s\n", b->nsales, b->o.sales_out);
		conns_close(b);
		return 0;
	}
	if (b->o.workload != W_VERIFY)
		prepare_sales(b);
	b->first_error[0] = '\0';
	run_phase(b, false, b->o.duration, b->o.requests);
	double secs = (double)(b->t_end - b->t_start) / 1e9;

	if (b->o.json)
		print_json(b, secs);
	else
		print_text(b, secs);
	fflush(stdout);
	int rc = 0;
	if (b->exhausted)
		fprintf(stderr, "yima-bench: every code that could be sold was sold after %zu sales "
			"in %.2f s: the run stopped early (use a bigger sample or a shorter run)\n",
			b->sales_next, secs);
	if (b->fatal) {
		fprintf(stderr, "yima-bench: %s\n", b->fatal_msg);
		rc = 1;
	}
	uint64_t bad = 0;
	for (unsigned op = 0; op < OP__N; op++)
		bad += b->st.st_outcome[op][O_UNEXPECTED] + b->st.st_outcome[op][O_ERROR];
	if (bad) {
		fprintf(stderr, "yima-bench: %" PRIu64 " replies were errors or not the expected "
			"answer%s%s\n", bad, b->first_error[0] ? "; the first error: " : "",
			b->first_error);
		rc = 1;
	}
	if (b->done == 0 && !rc) {
		fprintf(stderr, "yima-bench: no request was answered\n");
		rc = 1;
	}

	conns_close(b);
	event_free(b->ev_stop);
	event_free(b->ev_drain);
	event_base_free(b->base);
	keys_free(&b->keys);
	for (size_t i = 0; i < b->nsell; i++)
		free(b->sell_sites[i]);
	free(b->sell_sites);
	free(b->sales);
	buf_free(&b->sale_text);
	return rc;
}
