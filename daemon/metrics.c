/*
 * metrics — counters, histograms and their Prometheus text (metrics.h).
 */
#include "metrics.h"
#include "alerts.h"
#include "command.h"
#include "server.h"
#include "session.h"
#include "store.h"
#include "verdict.h"
#include "worker.h"
#include "writer.h"
#include "xmem.h"

#include <event2/buffer.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef _Atomic uint64_t counter;

static inline void add(counter *c, uint64_t n)
{
	atomic_fetch_add_explicit(c, n, memory_order_relaxed);
}

static inline uint64_t get(const counter *c)
{
	return atomic_load_explicit(c, memory_order_relaxed);
}

/* Latency buckets' upper bounds, in seconds (and the implicit +Inf). */
static const double bounds[] = { 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
				 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10 };
#define NBOUNDS (sizeof bounds / sizeof bounds[0])

struct histogram {
	counter bucket[NBOUNDS + 1];	/* not cumulative; the last is +Inf */
	counter sum_ns;
	counter count;
};

static void observe(struct histogram *h, int64_t ns)
{
	double s = (double)ns / 1e9;
	size_t i = 0;
	while (i < NBOUNDS && s > bounds[i])
		i++;
	add(&h->bucket[i], 1);
	add(&h->sum_ns, ns > 0 ? (uint64_t)ns : 0);
	add(&h->count, 1);
}

/* Group sizes' upper bounds (and +Inf). */
static const unsigned group_bounds[] = { 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024 };
#define NGROUPS (sizeof group_bounds / sizeof group_bounds[0])

/* Error codes counted apart; any other is "other". */
static const char *const error_codes[] = { "ERR", "NOAUTH", "NOPERM", "NOTFOUND", "RATELIMIT",
					   "STORE", "UNAVAILABLE", "WRONGPASS", "NOPROTO",
					   "other" };
#define NCODES (sizeof error_codes / sizeof error_codes[0])
#define NCMDS (CMD__COUNT + 1)	/* the last: no command (unknown, wrong arity) */

struct metrics_thread {
	counter requests[NCMDS];
	counter errors[NCMDS][NCODES];
	struct histogram latency[NCMDS];
};

/* Counted by whichever thread decides them. */
static struct {
	counter verdicts[3];
	counter reasons[R__COUNT];
	counter alerts[8];			/* by enum alert_kind */
	struct histogram commit;
	counter commit_jobs;
	counter group[NGROUPS + 1];		/* by size, not cumulative */
	counter tls_ok, tls_failed, auth_failures;
} g;

/* Inside a write transaction: what waits for its commit. */
static _Thread_local struct {
	bool open;
	bool counts;			/* the live store's: flushed at commit */
	uint64_t verdicts[3];
	uint64_t reasons[R__COUNT];
	uint64_t alerts[8];
} pending;

struct metrics_thread *metrics_thread_new(void)
{
	return xcalloc(1, sizeof(struct metrics_thread));
}

void metrics_thread_free(struct metrics_thread *m)
{
	free(m);
}

int64_t metrics_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void metrics_request(struct metrics_thread *m, int cmd, int64_t ns, const char *reply,
		     size_t len)
{
	if (m == NULL)
		return;
	size_t c = cmd >= 0 && cmd < CMD__COUNT ? (size_t)cmd : CMD__COUNT;
	add(&m->requests[c], 1);
	observe(&m->latency[c], ns);
	if (len == 0 || reply[0] != '-')
		return;
	size_t i = 0, n = 1;
	while (n < len && reply[n] != ' ' && reply[n] != '\r')
		n++;
	for (; i < NCODES - 1; i++)
		if (strlen(error_codes[i]) == n - 1 && memcmp(error_codes[i], reply + 1, n - 1) == 0)
			break;
	add(&m->errors[c][i], 1);
}

/* The reasons' bits that name a reason. */
#define REASON_BITS ((uint32_t)((1ull << R__COUNT) - 1))

void metrics_verdict(int verdict, uint32_t reasons)
{
	if (verdict < 0 || verdict > 2)
		return;
	/* One step per reason given (most verdicts give none or one). */
	if (pending.open) {
		pending.verdicts[verdict]++;
		for (uint32_t left = reasons & REASON_BITS; left; left &= left - 1)
			pending.reasons[__builtin_ctz(left)]++;
		return;
	}
	add(&g.verdicts[verdict], 1);
	for (uint32_t left = reasons & REASON_BITS; left; left &= left - 1)
		add(&g.reasons[__builtin_ctz(left)], 1);
}

void metrics_alert(int kind)
{
	if (kind < 0 || kind >= 8)
		return;
	if (pending.open)
		pending.alerts[kind]++;
	else
		add(&g.alerts[kind], 1);
}

void metrics_txn_begin(bool counts)
{
	memset(&pending, 0, sizeof pending);
	pending.open = true;
	pending.counts = counts;
}

void metrics_txn_end(bool committed)
{
	if (committed && pending.open && pending.counts) {
		for (int v = 0; v < 3; v++)
			add(&g.verdicts[v], pending.verdicts[v]);
		for (int r = 0; r < R__COUNT; r++)
			add(&g.reasons[r], pending.reasons[r]);
		for (int k = 0; k < 8; k++)
			add(&g.alerts[k], pending.alerts[k]);
	}
	memset(&pending, 0, sizeof pending);
}

void metrics_commit(size_t n, int64_t ns)
{
	observe(&g.commit, ns);
	add(&g.commit_jobs, n);
	size_t i = 0;
	while (i < NGROUPS && n > group_bounds[i])
		i++;
	add(&g.group[i], 1);
}

void metrics_tls_handshake(bool ok)
{
	add(ok ? &g.tls_ok : &g.tls_failed, 1);
}

void metrics_auth_failure(void)
{
	add(&g.auth_failures, 1);
}

/* ------------------------------------------------------------ rendering */

static void head(struct evbuffer *out, const char *name, const char *type, const char *help)
{
	evbuffer_add_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void one(struct evbuffer *out, const char *name, const char *type, const char *help,
		uint64_t value)
{
	head(out, name, type, help);
	evbuffer_add_printf(out, "%s %" PRIu64 "\n", name, value);
}

/* A command's label value: its name as sent ("SITE GET", "RECALL.ACK"). */
static void command_label(size_t c, char *out, size_t n)
{
	if (c < CMD__COUNT)
		command_full_name(command_by_id((enum cmd_id)c), out, n);
	else
		snprintf(out, n, "unknown");
}

/* One histogram's lines (labels: "" or `command="X",`). */
static void histogram_lines(struct evbuffer *out, const char *name, const char *labels,
			    const struct histogram *h)
{
	uint64_t cum = 0;
	for (size_t i = 0; i <= NBOUNDS; i++) {
		cum += get(&h->bucket[i]);
		if (i < NBOUNDS)
			evbuffer_add_printf(out, "%s_bucket{%sle=\"%g\"} %" PRIu64 "\n", name, labels,
					    bounds[i], cum);
		else
			evbuffer_add_printf(out, "%s_bucket{%sle=\"+Inf\"} %" PRIu64 "\n", name,
					    labels, cum);
	}
	size_t n = strlen(labels);
	evbuffer_add_printf(out, "%s_sum%s%.*s%s %.9g\n", name, n ? "{" : "",
			    (int)(n ? n - 1 : 0), labels, n ? "}" : "",
			    (double)get(&h->sum_ns) / 1e9);
	evbuffer_add_printf(out, "%s_count%s%.*s%s %" PRIu64 "\n", name, n ? "{" : "",
			    (int)(n ? n - 1 : 0), labels, n ? "}" : "", get(&h->count));
}

/* Requests, errors and latency per command, summed over the network
 * threads; commands never asked for are left out. */
static void render_requests(struct server *srv, struct evbuffer *out)
{
	struct metrics_thread sum = { 0 };	/* ~8 KiB: this scrape's alone */
	for (unsigned w = 0; w < srv->nworkers; w++) {
		const struct metrics_thread *m = srv->workers[w]->metrics;
		for (size_t c = 0; c < NCMDS; c++) {
			add(&sum.requests[c], get(&m->requests[c]));
			for (size_t e = 0; e < NCODES; e++)
				add(&sum.errors[c][e], get(&m->errors[c][e]));
			for (size_t b = 0; b <= NBOUNDS; b++)
				add(&sum.latency[c].bucket[b], get(&m->latency[c].bucket[b]));
			add(&sum.latency[c].sum_ns, get(&m->latency[c].sum_ns));
			add(&sum.latency[c].count, get(&m->latency[c].count));
		}
	}
	char label[48], labels[80];
	head(out, "yima_requests_total", "counter", "Requests answered, by command (RESP and HTTP).");
	for (size_t c = 0; c < NCMDS; c++)
		if (get(&sum.requests[c])) {
			command_label(c, label, sizeof label);
			evbuffer_add_printf(out, "yima_requests_total{command=\"%s\"} %" PRIu64 "\n",
					    label, get(&sum.requests[c]));
		}
	head(out, "yima_request_errors_total", "counter",
	     "Requests answered with an error, by command and error code.");
	for (size_t c = 0; c < NCMDS; c++)
		for (size_t e = 0; e < NCODES; e++)
			if (get(&sum.errors[c][e])) {
				command_label(c, label, sizeof label);
				evbuffer_add_printf(out, "yima_request_errors_total{command=\"%s\","
						    "code=\"%s\"} %" PRIu64 "\n", label,
						    error_codes[e], get(&sum.errors[c][e]));
			}
	head(out, "yima_request_duration_seconds", "histogram",
	     "Time from a request read to its answer, by command.");
	for (size_t c = 0; c < NCMDS; c++)
		if (get(&sum.latency[c].count)) {
			command_label(c, label, sizeof label);
			snprintf(labels, sizeof labels, "command=\"%s\",", label);
			histogram_lines(out, "yima_request_duration_seconds", labels,
					&sum.latency[c]);
		}
}

static void render_rules(struct evbuffer *out)
{
	head(out, "yima_verdicts_total", "counter",
	     "Verdicts given (VERIFY, and DISPENSE and UNDO once committed).");
	for (int v = 0; v < 3; v++)
		evbuffer_add_printf(out, "yima_verdicts_total{verdict=\"%s\"} %" PRIu64 "\n",
				    verdict_name((enum verdict)v), get(&g.verdicts[v]));
	head(out, "yima_verdict_reasons_total", "counter", "Reasons given with verdicts.");
	for (int r = 0; r < R__COUNT; r++)
		evbuffer_add_printf(out, "yima_verdict_reasons_total{reason=\"%s\"} %" PRIu64 "\n",
				    reason_name((enum reason)r), get(&g.reasons[r]));
	head(out, "yima_alerts_total", "counter", "Alerts stored since start, by kind.");
	for (int k = ALERT_DUPLICATE; k <= ALERT_COLD_CHAIN; k++)
		evbuffer_add_printf(out, "yima_alerts_total{kind=\"%s\"} %" PRIu64 "\n",
				    alert_kind_name((uint8_t)k), get(&g.alerts[k]));
	head(out, "yima_tls_handshakes_total", "counter", "TLS handshakes, by result.");
	evbuffer_add_printf(out, "yima_tls_handshakes_total{result=\"ok\"} %" PRIu64 "\n"
			    "yima_tls_handshakes_total{result=\"failed\"} %" PRIu64 "\n",
			    get(&g.tls_ok), get(&g.tls_failed));
	one(out, "yima_auth_failures_total", "counter",
	    "Failed sign-ins (a wrong token or certificate).", get(&g.auth_failures));
}

void metrics_render(struct server *srv, struct store_reader *reader, struct evbuffer *out)
{
	struct session_figures f;
	server_figures(srv, &f);
	one(out, "yima_up", "gauge", "1 while yimad serves.", 1);
	one(out, "yima_uptime_seconds", "gauge", "Seconds since yimad started.",
	    (uint64_t)f.uptime_seconds);
	one(out, "yima_network_threads", "gauge", "Network threads.", f.threads);
	one(out, "yima_connections", "gauge", "Open client connections (RESP and HTTP).",
	    f.connected);
	one(out, "yima_connections_accepted_total", "counter",
	    "Client connections accepted since start.", f.accepted);
	one(out, "yima_connections_rejected_total", "counter",
	    "Client connections refused at a connection limit.", f.rejected);
	render_requests(srv, out);
	render_rules(out);
	if (f.writer) {
		struct writer_stats w;
		writer_stats(f.writer, &w);
		one(out, "yima_writer_queue_depth", "gauge", "Write jobs waiting for the writer.",
		    w.queue_depth);
		one(out, "yima_writer_commits_total", "counter",
		    "Write transactions committed (each one fsync).", w.commits);
		one(out, "yima_writer_jobs_total", "counter", "Write jobs in committed groups.",
		    w.jobs);
		one(out, "yima_writer_group_max", "gauge", "The largest group committed at once.",
		    w.max_group);
		one(out, "yima_writer_failures_total", "counter",
		    "Write transactions that failed.", w.failures);
		head(out, "yima_writer_cpu_seconds_total", "counter",
		     "CPU time the writer thread used.");
		evbuffer_add_printf(out, "yima_writer_cpu_seconds_total %.9g\n",
				    (double)w.cpu_ns / 1e9);
	}
	head(out, "yima_writer_commit_seconds", "histogram",
	     "Time to commit a group: the transaction's writes and its fsync.");
	histogram_lines(out, "yima_writer_commit_seconds", "", &g.commit);
	head(out, "yima_writer_group_size", "histogram",
	     "Write jobs in each committed group (one fsync for all of them).");
	uint64_t cum = 0;
	for (size_t i = 0; i <= NGROUPS; i++) {
		cum += get(&g.group[i]);
		if (i < NGROUPS)
			evbuffer_add_printf(out, "yima_writer_group_size_bucket{le=\"%u\"} %" PRIu64
					    "\n", group_bounds[i], cum);
		else
			evbuffer_add_printf(out, "yima_writer_group_size_bucket{le=\"+Inf\"} %"
					    PRIu64 "\n", cum);
	}
	evbuffer_add_printf(out, "yima_writer_group_size_sum %" PRIu64 "\n"
			    "yima_writer_group_size_count %" PRIu64 "\n", get(&g.commit_jobs), cum);
	struct store_txn *t;
	if (reader && store_read_begin(reader, &t) == 0) {
		struct store_stats st;
		int rc = store_stat(t, &st);
		store_read_end(reader);
		if (rc == 0) {
			one(out, "yima_store_map_size_bytes", "gauge", "The store's map size.",
			    st.map_size);
			one(out, "yima_store_map_used_bytes", "gauge",
			    "Bytes of the map up to the last page written.", st.map_used);
			one(out, "yima_store_map_free_bytes", "gauge",
			    "Bytes of free pages in the map, reused by later writes.", st.map_free);
			one(out, "yima_store_map_grows_total", "counter",
			    "Automatic growths of the map since start.", st.grows);
			one(out, "yima_store_readers", "gauge", "Read transactions' slots in use.",
			    st.readers_used);
		}
	}
}
