/*
 * metrics — Prometheus text exposition of the server's figures (metrics.h).
 */
#include "metrics.h"
#include "server.h"
#include "session.h"
#include "store.h"
#include "writer.h"

#include <event2/buffer.h>
#include <inttypes.h>

/* One metric with its HELP and TYPE lines. */
static void one(struct evbuffer *out, const char *name, const char *type, const char *help,
		uint64_t value)
{
	evbuffer_add_printf(out, "# HELP %s %s\n# TYPE %s %s\n%s %" PRIu64 "\n", name, help,
			    name, type, name, value);
}

static void one_seconds(struct evbuffer *out, const char *name, const char *type,
			const char *help, double value)
{
	evbuffer_add_printf(out, "# HELP %s %s\n# TYPE %s %s\n%s %.9g\n", name, help, name,
			    type, name, value);
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
	one(out, "yima_commands_total", "counter", "Requests run (RESP and HTTP).", f.commands);
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
		one_seconds(out, "yima_writer_cpu_seconds_total", "counter",
			    "CPU time the writer thread used.", (double)w.cpu_ns / 1e9);
	}
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
