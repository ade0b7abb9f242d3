/*
 * metrics — what yimad counts for Prometheus, and its text exposition
 * (format 0.0.4) for GET /metrics (http.h).
 *
 * Counting: requests, errors and latency per command, by the network
 * thread that answers them (each thread its own counters: no line shared
 * between threads on the way of a request); verdicts and alerts where the
 * rules decide them; the writer's commits; TLS handshakes and failed
 * sign-ins.  Counters are relaxed atomics: a scrape from another thread
 * reads each as a whole, not all of them at one instant.
 *
 * Verdicts and alerts decided inside a write transaction count only once
 * it commits (the writer tells metrics_txn_end): a group that fails and runs
 * again, or a batch undone, counts nothing twice.
 *
 * Names follow Prometheus's conventions (yima_…_total, _seconds, _bytes);
 * proto/HTTP.md lists them.
 */
#ifndef YIMA_METRICS_H
#define YIMA_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct evbuffer;
struct server;
struct store_reader;
struct metrics_thread;

/* A network thread's counters. */
struct metrics_thread *metrics_thread_new(void);
void metrics_thread_free(struct metrics_thread *m);

/* A request answered: its command (enum cmd_id; -1 none or unknown), how
 * long it took (monotonic ns), and its reply's first bytes (an error reply
 * "-CODE ..." counts as an error of that code). */
void metrics_request(struct metrics_thread *m, int cmd, int64_t ns, const char *reply,
		     size_t len);

/* A verdict given (enum verdict) with its reasons (bit 1 << enum reason). */
void metrics_verdict(int verdict, uint32_t reasons);
/* An alert stored (enum alert_kind). */
void metrics_alert(int kind);
/* The writer committed a group of n jobs; the commit (with its fsync)
 * took ns. */
void metrics_commit(size_t n, int64_t ns);
/* A TLS handshake finished (ok) or failed. */
void metrics_tls_handshake(bool ok);
/* A sign-in failed (a wrong token or certificate). */
void metrics_auth_failure(void);

/* The calling thread's write transaction began (counts: it is the live
 * store's, not a replay's), or ended (committed or not): what was counted
 * inside it counts now, or never. */
void metrics_txn_begin(bool counts);
void metrics_txn_end(bool committed);

/* Monotonic nanoseconds, for request timing. */
int64_t metrics_now_ns(void);

/* Append every metric to out; reads the store's figures through reader
 * (this thread's). */
void metrics_render(struct server *srv, struct store_reader *reader, struct evbuffer *out);

#endif
