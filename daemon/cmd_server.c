/*
 * cmd_server — connection and server commands: PING, ECHO, HELLO, INFO,
 * CLOCK, QUIT.  Their grammar is raw: each reads its few words itself.
 */
#include "args.h"
#include "audit.h"
#include "clock.h"
#include "cluster.h"
#include "cmd.h"
#include "config.h"
#include "journal.h"
#include "parse.h"
#include "session.h"
#include "store.h"
#include "version.h"
#include "writer.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

static int arg_is(const struct resp_arg *a, const char *word)
{
	return a->len == strlen(word) && strncasecmp(a->ptr, word, a->len) == 0;
}

/* PING [message] */
enum cmd_status cmd_ping(struct cmd_ctx *ctx)
{
	const struct cmd *c = ctx->cmd;
	if (c->argc == 2)
		resp_bulk(ctx->out, c->argv[1].ptr, c->argv[1].len);
	else
		resp_simple(ctx->out, "PONG");
	return CMD_DONE;
}

/* ECHO message */
enum cmd_status cmd_echo(struct cmd_ctx *ctx)
{
	resp_bulk(ctx->out, ctx->cmd->argv[1].ptr, ctx->cmd->argv[1].len);
	return CMD_DONE;
}

/* HELLO [protover [SETNAME name]] */
enum cmd_status cmd_hello(struct cmd_ctx *ctx)
{
	const struct cmd *c = ctx->cmd;
	const struct session *ss = ctx->session;
	int proto = ss->ops->proto(ss->self);
	if (c->argc >= 2) {
		const struct resp_arg *v = &c->argv[1];
		if (!(v->len == 1 && (v->ptr[0] == '2' || v->ptr[0] == '3'))) {
			resp_error(ctx->out, "NOPROTO",
				   "protocol version '%.20s' is not supported; use 2 or 3",
				   v->ptr);
			return CMD_REFUSED;
		}
		proto = v->ptr[0] - '0';
	}
	if (c->argc == 3 || (c->argc == 4 && !arg_is(&c->argv[2], "SETNAME")))
		return cmd_refuse(ctx, "expected SETNAME name after the protocol version; "
				  "usage: HELLO [protover [SETNAME name]]");
	if (c->argc == 4) {
		const struct resp_arg *name = &c->argv[3];
		for (size_t i = 0; i < name->len; i++)
			if (name->ptr[i] <= ' ' || name->ptr[i] == 0x7f) {
				resp_error(ctx->out, "ERR",
					   "HELLO SETNAME: the name cannot have spaces "
					   "or control characters");
				return CMD_REFUSED;
			}
		ss->ops->set_name(ss->self, name->ptr);
	}
	ss->ops->set_proto(ss->self, proto);

	resp_map(ctx->out, 8);
	resp_cstr(ctx->out, "server");
	resp_cstr(ctx->out, "yima");
	resp_cstr(ctx->out, "version");
	resp_cstr(ctx->out, YIMA_VERSION);
	resp_cstr(ctx->out, "proto");
	resp_int(ctx->out, proto);
	resp_cstr(ctx->out, "id");
	resp_int(ctx->out, (int64_t)ss->ops->id(ss->self));
	resp_cstr(ctx->out, "mode");
	resp_cstr(ctx->out, "standalone");
	resp_cstr(ctx->out, "role");
	resp_cstr(ctx->out, "master");
	resp_cstr(ctx->out, "modules");
	resp_array(ctx->out, 0);
	/* The zone expiry is judged in: clients show times in it. */
	resp_cstr(ctx->out, "timezone");
	resp_cstr(ctx->out, ctx->cfg->timezone);
	return CMD_DONE;
}

enum cmd_status cmd_quit(struct cmd_ctx *ctx)
{
	resp_simple(ctx->out, "OK");
	ctx->session->ops->close_after_reply(ctx->session->self);
	return CMD_DONE;
}

static void kv_int(struct resp_out *o, const char *k, long long v)
{
	resp_cstr(o, k);
	resp_int(o, v);
}

static void kv_str(struct resp_out *o, const char *k, const char *v)
{
	resp_cstr(o, k);
	resp_cstr(o, v);
}

/* Resident set size, from /proc (0 if unavailable). */
static long long rss_bytes(void)
{
	long long pages = 0, rss = 0;
	FILE *f = fopen("/proc/self/statm", "r");
	if (f) {
		if (fscanf(f, "%lld %lld", &pages, &rss) != 2)
			rss = 0;
		fclose(f);
	}
	return rss * sysconf(_SC_PAGESIZE);
}

/* The clock as INFO and CLOCK show it: its time, whether it was shifted
 * (and from which day it started), and by how much. */
static void put_clock(struct resp_out *o, int64_t now_ms, const char *today)
{
	char when[32];
	args_format_time(now_ms, when);
	kv_str(o, "time", when);
	kv_str(o, "clock", clock_is_shifted() ? today : "system");
	kv_int(o, "clock_offset_seconds", (long long)clock_offset_seconds());
}

static void info_server(struct cmd_ctx *ctx, const struct session_figures *f)
{
	const struct config *cfg = ctx->cfg;
	resp_cstr(ctx->out, "server");
	resp_map(ctx->out, 11);
	kv_str(ctx->out, "version", YIMA_VERSION);
	kv_int(ctx->out, "pid", (long long)getpid());
	kv_int(ctx->out, "uptime_seconds", (long long)f->uptime_seconds);
	put_clock(ctx->out, ctx->cmd->time_ms, cfg->clock_today);
	kv_int(ctx->out, "threads", f->threads);
	kv_str(ctx->out, "bind", cfg->bind);
	kv_int(ctx->out, "port", f->port);
	kv_int(ctx->out, "tls_port", f->tls_port);
	kv_str(ctx->out, "data", cfg->data);
}

static void info_clients(struct cmd_ctx *ctx, const struct session_figures *f)
{
	resp_cstr(ctx->out, "clients");
	resp_map(ctx->out, 5);
	kv_int(ctx->out, "connected", (long long)f->connected);
	kv_int(ctx->out, "max_clients", ctx->cfg->max_clients);
	kv_int(ctx->out, "accepted", (long long)f->accepted);
	kv_int(ctx->out, "rejected", (long long)f->rejected);
	kv_int(ctx->out, "commands", (long long)f->commands);
}

static int info_store(struct cmd_ctx *ctx, const struct session_figures *f)
{
	struct store_txn *txn;
	struct store_stats st;
	int rc = cmd_read_txn(ctx, &txn);
	if (rc == 0)
		rc = store_stat(txn, &st);
	if (rc)
		return rc;
	resp_cstr(ctx->out, "store");
	resp_map(ctx->out, 12);
	resp_cstr(ctx->out, "disk_full");
	resp_bool(ctx->out, store_disk_full(f->store));
	kv_int(ctx->out, "disk_free", (long long)store_disk_free(f->store));
	kv_int(ctx->out, "schema_version", STORE_SCHEMA_VERSION);
	kv_int(ctx->out, "map_size", (long long)st.map_size);
	kv_int(ctx->out, "map_used", (long long)st.map_used);
	kv_int(ctx->out, "map_free", (long long)st.map_free);
	kv_int(ctx->out, "page_size", (long long)st.page_size);
	kv_int(ctx->out, "map_grows", (long long)st.grows);
	kv_int(ctx->out, "last_txn", (long long)st.last_txn);
	kv_int(ctx->out, "readers", st.readers_used);
	kv_int(ctx->out, "readers_max", st.readers_max);
	resp_cstr(ctx->out, "entries");
	resp_map(ctx->out, DB__COUNT);
	for (int i = 0; i < DB__COUNT; i++)
		kv_int(ctx->out, store_db_name((enum store_db)i), (long long)st.entries[i]);
	return 0;
}

static void info_writer(struct cmd_ctx *ctx, const struct session_figures *f)
{
	struct writer_stats ws;
	writer_stats(f->writer, &ws);
	resp_cstr(ctx->out, "writer");
	resp_map(ctx->out, 7);
	kv_int(ctx->out, "queue_depth", (long long)ws.queue_depth);
	kv_int(ctx->out, "commits", (long long)ws.commits);
	kv_int(ctx->out, "writes", (long long)ws.jobs);
	resp_cstr(ctx->out, "mean_group_size");
	resp_double(ctx->out, ws.commits ? (double)ws.jobs / (double)ws.commits : 0.0);
	kv_int(ctx->out, "max_group_size", (long long)ws.max_group);
	kv_int(ctx->out, "failed_transactions", (long long)ws.failures);
	/* What a write costs the one thread all writes go through: with
	 * `writes`, the writer's CPU per request (tests/bench/compare.py). */
	resp_cstr(ctx->out, "cpu_seconds");
	resp_double(ctx->out, (double)ws.cpu_ns / 1e9);
}

/* The heads of the event chain and of the log's chain, for an operator
 * to copy somewhere safe and compare later (audit.h, journal.h). */
struct heads {
	uint64_t seq, log_seq;
	char hex[2 * AUDIT_HASH_LEN + 1], log_hex[2 * AUDIT_HASH_LEN + 1];
};

static int read_heads(struct store_txn *txn, struct heads *h)
{
	uint8_t hash[AUDIT_HASH_LEN], log_hash[AUDIT_HASH_LEN];
	int rc = audit_head(txn, &h->seq, hash);
	if (rc == 0)
		rc = journal_head(txn, &h->log_seq, log_hash);
	if (rc)
		return rc;
	audit_hex(hash, h->hex);
	audit_hex(log_hash, h->log_hex);
	return 0;
}

/* Four entries of a map. */
static void put_heads(struct resp_out *out, const struct heads *h)
{
	kv_int(out, "head_seq", (long long)h->seq);
	kv_str(out, "head_hash", h->hex);
	kv_int(out, "log_head_seq", (long long)h->log_seq);
	kv_str(out, "log_head_hash", h->log_hex);
}

static int info_audit(struct cmd_ctx *ctx)
{
	struct store_txn *txn;
	struct heads h;
	int rc = cmd_read_txn(ctx, &txn);
	if (rc == 0)
		rc = read_heads(txn, &h);
	if (rc)
		return rc;
	resp_cstr(ctx->out, "audit");
	resp_map(ctx->out, 4);
	put_heads(ctx->out, &h);
	return 0;
}

/* Where this node stands in the replicated log (cluster.h), read in one
 * transaction with the heads of its chains: two nodes at the same applied
 * sequence must show the same heads. */
static int info_replication(struct cmd_ctx *ctx, const struct session_figures *f)
{
	if (f->cluster == NULL) {
		resp_cstr(ctx->out, "replication");
		resp_map(ctx->out, 1);
		kv_str(ctx->out, "role", "single");
		return 0;
	}
	struct store_txn *txn;
	struct heads h;
	int rc = cmd_read_txn(ctx, &txn);
	if (rc == 0)
		rc = read_heads(txn, &h);
	if (rc)
		return rc;
	struct cluster_stats st;
	cluster_stats(f->cluster, txn, &st);
	char last[32] = "";
	if (st.last_apply_ms)
		args_format_time(st.last_apply_ms, last);
	resp_cstr(ctx->out, "replication");
	resp_map(ctx->out, 22);
	kv_str(ctx->out, "role", "cluster");
	kv_str(ctx->out, "node", st.node);
	kv_str(ctx->out, "stream", st.stream);
	kv_str(ctx->out, "server", st.server);
	kv_int(ctx->out, "connected", st.connected);
	kv_int(ctx->out, "applied_seq", (long long)st.applied_seq);
	kv_int(ctx->out, "applied_index", st.applied_index);
	kv_int(ctx->out, "stream_last_seq", (long long)st.stream_last_seq);
	kv_int(ctx->out, "lag", st.stream_last_seq > st.applied_seq ?
	       (long long)(st.stream_last_seq - st.applied_seq) : 0);
	kv_int(ctx->out, "delivered_seq", (long long)st.delivered_seq);
	kv_str(ctx->out, "last_apply", last);
	kv_int(ctx->out, "waiting_writes", (long long)st.waiting);
	kv_int(ctx->out, "published", (long long)st.published);
	kv_int(ctx->out, "republished", (long long)st.republished);
	kv_int(ctx->out, "unavailable", (long long)st.unavailable);
	kv_int(ctx->out, "reconnects", (long long)st.reconnects);
	kv_int(ctx->out, "halted", st.halted);
	kv_str(ctx->out, "halted_why", st.halted_why);
	put_heads(ctx->out, &h);
	return 0;
}

static void info_memory(struct cmd_ctx *ctx)
{
	resp_cstr(ctx->out, "memory");
	resp_map(ctx->out, 1);
	kv_int(ctx->out, "rss_bytes", rss_bytes());
}

/* INFO [section]: a map of sections, each a map of figures. */
enum cmd_status cmd_info(struct cmd_ctx *ctx)
{
	static const char *const sections[] = { "server", "clients", "store", "writer",
						"memory", "audit", "replication" };
	enum { NSECTIONS = 7 };
	const struct cmd *c = ctx->cmd;
	int only = -1, rc = 0;
	if (c->argc == 2) {
		for (int i = 0; i < NSECTIONS; i++)
			if (arg_is(&c->argv[1], sections[i]))
				only = i;
		if (only < 0)
			return cmd_refuse(ctx, "unknown section '%.40s'; sections are server, "
					  "clients, store, writer, memory, audit, replication", c->argv[1].ptr);
	}
	struct session_figures f;
	ctx->session->ops->figures(ctx->session->self, &f);
	resp_map(ctx->out, only < 0 ? NSECTIONS : 1);
	for (int i = 0; rc == 0 && i < NSECTIONS; i++) {
		if (only >= 0 && i != only)
			continue;
		switch (i) {
		case 0: info_server(ctx, &f); break;
		case 1: info_clients(ctx, &f); break;
		case 2: rc = info_store(ctx, &f); break;
		case 3: info_writer(ctx, &f); break;
		case 4: info_memory(ctx); break;
		case 5: rc = info_audit(ctx); break;
		case 6: rc = info_replication(ctx, &f); break;
		}
	}
	return rc ? cmd_failed(ctx, rc) : CMD_DONE;
}

/* CLOCK [ADVANCE duration]: the clock (clock.h); ADVANCE moves a clock
 * started with clock_today forward, for tests that need time to pass. */
enum cmd_status cmd_clock(struct cmd_ctx *ctx)
{
	const struct cmd *c = ctx->cmd;
	int64_t now = c->time_ms;
	if (c->argc == 2 || (c->argc == 3 && !arg_is(&c->argv[1], "ADVANCE")))
		return cmd_refuse(ctx, "expected ADVANCE duration; usage: CLOCK [ADVANCE duration]");
	if (c->argc == 3) {
		char text[32];
		uint64_t secs;
		const struct resp_arg *v = &c->argv[2];
		snprintf(text, sizeof text, "%.*s", (int)(v->len < 31 ? v->len : 31), v->ptr);
		if (v->len > 31 || config_parse_duration(text, &secs) != 0 || secs == 0 ||
		    secs > 3650ull * 86400) {
			resp_error(ctx->out, "ERR", "CLOCK ADVANCE: '%s' is not a duration of 1 s "
				   "to 3650 d (a number with s, m, h or d)", text);
			return CMD_REFUSED;
		}
		if (clock_advance((int64_t)secs * 1000) != 0) {
			resp_error(ctx->out, "ERR", "CLOCK ADVANCE: the clock is the system's; only "
				   "a clock started with clock_today (--clock-today YYYY-MM-DD) moves");
			return CMD_REFUSED;
		}
		now += (int64_t)secs * 1000;	/* the request's time, moved with the clock */
	}
	resp_map(ctx->out, 3);
	put_clock(ctx->out, now, ctx->cfg->clock_today);
	return CMD_DONE;
}
