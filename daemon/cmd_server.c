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
		if (cmd_check_client_name(ctx, "SETNAME", name) != 0)
			return CMD_REFUSED;
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

/*
 * INFO's figures, written once and rendered two ways: as Redis's text
 * ("# Section" lines, then "key:value" lines, CRLF, in one bulk string)
 * for Redis clients under either protocol, and as a map of sections, each
 * a map of typed figures, where the session wants structure (HTTP's JSON).
 * A map inside a section ("entries") is Redis's keyspace form in text,
 * "entries:codes=1,events=2", which redis-py reads as a dict too.
 */
struct figures {
	struct resp_out *out;	/* structured: the reply */
	struct buf *text;	/* text: the bulk string's body; NULL structured */
	int inner;		/* text: figures written in the open inner map; -1 none */
};

static void fig_section(struct figures *f, const char *name, size_t nkeys)
{
	if (f->text == NULL) {
		resp_cstr(f->out, name);
		resp_map(f->out, nkeys);
		return;
	}
	buf_printf(f->text, "%s# %c%s\r\n", f->text->len ? "\r\n" : "",
		   name[0] - 'a' + 'A', name + 1);
}

/* The key, and in text the separator before the value. */
static void fig_key(struct figures *f, const char *k)
{
	if (f->text == NULL)
		resp_cstr(f->out, k);
	else if (f->inner >= 0)
		buf_printf(f->text, "%s%s=", f->inner++ ? "," : "", k);
	else
		buf_printf(f->text, "%s:", k);
}

static void fig_end(struct figures *f)
{
	if (f->text && f->inner < 0)
		buf_puts(f->text, "\r\n");
}

static void fig_int(struct figures *f, const char *k, long long v)
{
	fig_key(f, k);
	if (f->text)
		buf_printf(f->text, "%lld", v);
	else
		resp_int(f->out, v);
	fig_end(f);
}

/* Text values stay on their line: CR and LF become spaces. */
static void fig_str(struct figures *f, const char *k, const char *v)
{
	fig_key(f, k);
	if (f->text == NULL) {
		resp_cstr(f->out, v);
	} else {
		size_t at = f->text->len;
		buf_puts(f->text, v);
		for (size_t i = at; i < f->text->len; i++)
			if (f->text->data[i] == '\r' || f->text->data[i] == '\n')
				f->text->data[i] = ' ';
	}
	fig_end(f);
}

/* In text always with a decimal point and no exponent, so that a reader
 * takes a double; to 15 significant digits. */
static void fig_double(struct figures *f, const char *k, double v)
{
	fig_key(f, k);
	if (f->text) {
		char num[64];
		snprintf(num, sizeof num, "%.15g", v);
		if (strchr(num, 'e'))
			snprintf(num, sizeof num, "%.15f", v);
		else if (!strchr(num, '.'))
			strcat(num, ".0");
		buf_puts(f->text, num);
	} else {
		resp_double(f->out, v);
	}
	fig_end(f);
}

static void fig_bool(struct figures *f, const char *k, bool v)
{
	fig_key(f, k);
	if (f->text)
		buf_puts(f->text, v ? "1" : "0");
	else
		resp_bool(f->out, v);
	fig_end(f);
}

static void fig_inner_begin(struct figures *f, const char *k, size_t n)
{
	fig_key(f, k);
	if (f->text)
		f->inner = 0;
	else
		resp_map(f->out, n);
}

static void fig_inner_end(struct figures *f)
{
	if (f->text) {
		f->inner = -1;
		fig_end(f);
	}
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
static void put_clock(struct figures *f, int64_t now_ms, const char *today)
{
	char when[32];
	args_format_time(now_ms, when);
	fig_str(f, "time", when);
	fig_str(f, "clock", clock_is_shifted() ? today : "system");
	fig_int(f, "clock_offset_seconds", (long long)clock_offset_seconds());
}

static void info_server(struct cmd_ctx *ctx, struct figures *g, const struct session_figures *f)
{
	const struct config *cfg = ctx->cfg;
	fig_section(g, "server", 11);
	fig_str(g, "version", YIMA_VERSION);
	fig_int(g, "pid", (long long)getpid());
	fig_int(g, "uptime_seconds", (long long)f->uptime_seconds);
	put_clock(g, ctx->cmd->time_ms, cfg->clock_today);
	fig_int(g, "threads", f->threads);
	fig_str(g, "bind", cfg->bind);
	fig_int(g, "port", f->port);
	fig_int(g, "tls_port", f->tls_port);
	fig_str(g, "data", cfg->data);
}

/* Redis's names where Redis has the figure (connected_clients). */
static void info_clients(struct cmd_ctx *ctx, struct figures *g, const struct session_figures *f)
{
	fig_section(g, "clients", 5);
	fig_int(g, "connected_clients", (long long)f->connected);
	fig_int(g, "max_clients", ctx->cfg->max_clients);
	fig_int(g, "accepted", (long long)f->accepted);
	fig_int(g, "rejected", (long long)f->rejected);
	fig_int(g, "commands", (long long)f->commands);
}

static int info_store(struct cmd_ctx *ctx, struct figures *g, const struct session_figures *f)
{
	struct store_txn *txn;
	struct store_stats st;
	int rc = cmd_read_txn(ctx, &txn);
	if (rc == 0)
		rc = store_stat(txn, &st);
	if (rc)
		return rc;
	fig_section(g, "store", 12);
	fig_bool(g, "disk_full", store_disk_full(f->store));
	fig_int(g, "disk_free", (long long)store_disk_free(f->store));
	fig_int(g, "schema_version", STORE_SCHEMA_VERSION);
	fig_int(g, "map_size", (long long)st.map_size);
	fig_int(g, "map_used", (long long)st.map_used);
	fig_int(g, "map_free", (long long)st.map_free);
	fig_int(g, "page_size", (long long)st.page_size);
	fig_int(g, "map_grows", (long long)st.grows);
	fig_int(g, "last_txn", (long long)st.last_txn);
	fig_int(g, "readers", st.readers_used);
	fig_int(g, "readers_max", st.readers_max);
	fig_inner_begin(g, "entries", DB__COUNT);
	for (int i = 0; i < DB__COUNT; i++)
		fig_int(g, store_db_name((enum store_db)i), (long long)st.entries[i]);
	fig_inner_end(g);
	return 0;
}

static void info_writer(struct figures *g, const struct session_figures *f)
{
	struct writer_stats ws;
	writer_stats(f->writer, &ws);
	fig_section(g, "writer", 7);
	fig_int(g, "queue_depth", (long long)ws.queue_depth);
	fig_int(g, "commits", (long long)ws.commits);
	fig_int(g, "writes", (long long)ws.jobs);
	fig_double(g, "mean_group_size", ws.commits ? (double)ws.jobs / (double)ws.commits : 0.0);
	fig_int(g, "max_group_size", (long long)ws.max_group);
	fig_int(g, "failed_transactions", (long long)ws.failures);
	/* What a write costs the one thread all writes go through: with
	 * `writes`, the writer's CPU per request (tests/bench/compare.py). */
	fig_double(g, "cpu_seconds", (double)ws.cpu_ns / 1e9);
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

/* Four figures of a section. */
static void put_heads(struct figures *g, const struct heads *h)
{
	fig_int(g, "head_seq", (long long)h->seq);
	fig_str(g, "head_hash", h->hex);
	fig_int(g, "log_head_seq", (long long)h->log_seq);
	fig_str(g, "log_head_hash", h->log_hex);
}

static int info_audit(struct cmd_ctx *ctx, struct figures *g)
{
	struct store_txn *txn;
	struct heads h;
	int rc = cmd_read_txn(ctx, &txn);
	if (rc == 0)
		rc = read_heads(txn, &h);
	if (rc)
		return rc;
	fig_section(g, "audit", 4);
	put_heads(g, &h);
	return 0;
}

/* Where this node stands in the replicated log (cluster.h), read in one
 * transaction with the heads of its chains: two nodes at the same applied
 * sequence must show the same heads. */
static int info_replication(struct cmd_ctx *ctx, struct figures *g,
			    const struct session_figures *f)
{
	if (f->cluster == NULL) {
		fig_section(g, "replication", 1);
		fig_str(g, "role", "single");
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
	fig_section(g, "replication", 22);
	fig_str(g, "role", "cluster");
	fig_str(g, "node", st.node);
	fig_str(g, "stream", st.stream);
	fig_str(g, "server", st.server);
	fig_int(g, "connected", st.connected);
	fig_int(g, "applied_seq", (long long)st.applied_seq);
	fig_int(g, "applied_index", st.applied_index);
	fig_int(g, "stream_last_seq", (long long)st.stream_last_seq);
	fig_int(g, "lag", st.stream_last_seq > st.applied_seq ?
		(long long)(st.stream_last_seq - st.applied_seq) : 0);
	fig_int(g, "delivered_seq", (long long)st.delivered_seq);
	fig_str(g, "last_apply", last);
	fig_int(g, "waiting_writes", (long long)st.waiting);
	fig_int(g, "published", (long long)st.published);
	fig_int(g, "republished", (long long)st.republished);
	fig_int(g, "unavailable", (long long)st.unavailable);
	fig_int(g, "reconnects", (long long)st.reconnects);
	fig_int(g, "halted", st.halted);
	fig_str(g, "halted_why", st.halted_why);
	put_heads(g, &h);
	return 0;
}

static void info_memory(struct figures *g)
{
	fig_section(g, "memory", 1);
	fig_int(g, "rss_bytes", rss_bytes());
}

static const char *const info_sections[] = { "server", "clients", "store", "writer",
					     "memory", "audit", "replication" };
enum { INFO_SECTIONS = 7 };

/* INFO [section ...]: every section (none named, or all, everything,
 * default), or those named, in the table's order. */
enum cmd_status cmd_info(struct cmd_ctx *ctx)
{
	const struct cmd *c = ctx->cmd;
	unsigned want = 0;
	int rc = 0;
	for (int a = 1; a < c->argc; a++) {
		const struct resp_arg *w = &c->argv[a];
		int found = arg_is(w, "all") || arg_is(w, "everything") || arg_is(w, "default");
		if (found)
			want |= (1u << INFO_SECTIONS) - 1;
		for (int i = 0; i < INFO_SECTIONS; i++)
			if (arg_is(w, info_sections[i])) {
				want |= 1u << i;
				found = 1;
			}
		if (!found)
			return cmd_refuse(ctx, "unknown section '%.40s'; sections are server, "
					  "clients, store, writer, memory, audit, replication "
					  "(or all)", w->ptr);
	}
	if (want == 0)
		want = (1u << INFO_SECTIONS) - 1;
	struct session_figures f;
	ctx->session->ops->figures(ctx->session->self, &f);
	struct buf text = BUF_INIT;
	struct figures g = { .out = ctx->out, .inner = -1,
			     .text = ctx->session->ops->structured ? NULL : &text };
	if (g.text == NULL)
		resp_map(ctx->out, (size_t)__builtin_popcount(want));
	for (int i = 0; rc == 0 && i < INFO_SECTIONS; i++) {
		if (!(want & (1u << i)))
			continue;
		switch (i) {
		case 0: info_server(ctx, &g, &f); break;
		case 1: info_clients(ctx, &g, &f); break;
		case 2: rc = info_store(ctx, &g, &f); break;
		case 3: info_writer(&g, &f); break;
		case 4: info_memory(&g); break;
		case 5: rc = info_audit(ctx, &g); break;
		case 6: rc = info_replication(ctx, &g, &f); break;
		}
	}
	if (rc == 0 && g.text)
		resp_bulk(ctx->out, text.data ? text.data : "", text.len);
	buf_free(&text);
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
	struct figures g = { .out = ctx->out, .inner = -1 };
	resp_map(ctx->out, 3);
	put_clock(&g, now, ctx->cfg->clock_today);
	return CMD_DONE;
}
