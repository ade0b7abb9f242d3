/*
 * cmd_trace — TRACE code: the code's record and its chain of custody, in
 * time order, with its newest alerts, the product's archive and each
 * site's the chain passes through (gathered by trace.c).  Read only.
 */
#include "acl.h"
#include "args.h"
#include "cmd.h"
#include "parse.h"
#include "trace.h"

#include <stdio.h>

static void kv(struct resp_out *o, const char *k, const char *v)
{
	resp_cstr(o, k);
	resp_cstr(o, v);
}

/*
 * Who did the event, when it records it (events from a version 1 log entry
 * do not): `principal` (the token or certificate name; "local" for the
 * trusted local principal) and its `role`.  A principal of one site sees
 * them for its own site's events only: another site's staff are not its
 * business.
 */
static bool shows_actor(const struct event *e, const struct principal *viewer)
{
	return e->actor_role != 0 && (!acl_sees_own_site_only(viewer) || e->site == viewer->site);
}

static void reply_actor(struct resp_out *o, const struct event *e)
{
	kv(o, "principal", e->actor_role == ROLE_LOCAL ? "local" : e->actor);
	kv(o, "role", acl_role_name((enum acl_role)e->actor_role));
}

/* A repackaging's side: [{code, product, lot}, ...]. */
static void reply_xcodes(struct resp_out *o, const char *key, const struct trace_xcode *x,
			 uint32_t n)
{
	resp_cstr(o, key);
	resp_array(o, n);
	for (uint32_t i = 0; i < n; i++) {
		resp_map(o, 3);
		kv(o, "code", x[i].code);
		kv(o, "product", x[i].product);
		kv(o, "lot", x[i].lot);
	}
}

/* TRANSFORM: which side the code is on, and both sides (the first
 * TRACE_XFORM_CODES codes of each, and how many there are). */
#define XFORM_KEYS 5
static void reply_xform(struct resp_out *o, const struct trace_xform *x)
{
	kv(o, "side", x->is_output ? "output" : "input");
	reply_xcodes(o, "inputs", x->in, x->nin);
	resp_cstr(o, "input_count");
	resp_int(o, x->ninputs);
	reply_xcodes(o, "outputs", x->out, x->nout);
	resp_cstr(o, "output_count");
	resp_int(o, x->noutputs);
}

static void reply_step(struct resp_out *o, const struct trace_step *s,
		       const struct principal *viewer)
{
	const struct event *e = &s->e;
	bool actor = shows_actor(e, viewer);
	char time[32];
	args_format_time(e->time_ms, time);
	if (event_kind_siteless(e->kind)) {
		resp_map(o, 4 + (e->ref_len > 0) + (e->kind == EV_RECALL) + 2 * actor);
		resp_cstr(o, "seq");
		resp_int(o, (int64_t)e->seq);
		kv(o, "time", time);
		kv(o, "event", event_kind_name(e->kind));
		kv(o, "scope", e->kind == EV_WITHDRAW || e->kind == EV_UNWITHDRAW ? "product" :
			       e->kind == EV_RECALL || e->kind == EV_LIFT ? "lot" : "code");
		if (e->kind == EV_RECALL) {
			resp_cstr(o, "level");
			resp_int(o, e->qty);
		}
		if (e->ref_len)
			kv(o, "reason", e->ref);
		if (actor)
			reply_actor(o, e);
		return;
	}
	bool moves = e->kind == EV_SHIP || e->kind == EV_RETURN;
	bool sale = e->kind == EV_DISPENSE || e->kind == EV_UNDO;
	size_t n = 4 + (moves && e->other) + (e->kind == EV_RECEIVE && e->other) +
		   (e->ref_len > 0) + (sale ? 1 : 0) + s->has_container + s->has_via +
		   (e->kind == EV_RECEIVE) + (e->kind == EV_COMMISSION) + 2 * actor +
		   (e->kind == EV_DECOMMISSION || e->kind == EV_REACTIVATE) + s->has_reading +
		   (s->xform ? XFORM_KEYS : 0);
	resp_map(o, n);
	resp_cstr(o, "seq");
	resp_int(o, (int64_t)e->seq);
	kv(o, "time", time);
	kv(o, "event", event_kind_name(e->kind));
	if (moves) {
		kv(o, "from", s->site);
		if (e->other)	/* a shipment's destination may not be known */
			kv(o, "to", s->other);
	} else {
		kv(o, "site", s->site);
	}
	if (e->kind == EV_RECEIVE && e->other)
		kv(o, "from", s->other);
	if (e->kind == EV_RECEIVE) {
		resp_cstr(o, "diverted");
		resp_bool(o, e->flags & EVENT_F_DIVERTED);
	}
	if (e->kind == EV_COMMISSION) {
		resp_cstr(o, "codes");
		resp_int(o, e->count);
	}
	/* The end state reached, or (reactivate) left. */
	if (e->kind == EV_DECOMMISSION || e->kind == EV_REACTIVATE)
		kv(o, "state", unit_status_name((uint8_t)e->qty));
	if (e->ref_len)
		kv(o, sale ? "tx" : "ref", e->ref);
	if (sale) {
		resp_cstr(o, "qty");
		resp_int(o, e->qty);
	}
	if (s->has_container)
		kv(o, "container", s->container);
	if (s->has_via)
		kv(o, "via", s->via);
	if (s->has_reading) {
		char temp[48];
		coldchain_format(&s->reading, temp, sizeof temp);
		kv(o, "temp", temp);
	}
	if (s->xform)
		reply_xform(o, s->xform);
	if (actor)
		reply_actor(o, e);
}

/* The unit's cold-chain break: {status break|released, reading, time,
 * site, storage, event[, released, release_reason]}. */
static void reply_cold_chain(struct resp_out *o, const struct judgement *j)
{
	const struct cold_break *b = &j->cold;
	char text[64], time[32];
	bool released = b->released_ms != 0;
	resp_map(o, 6 + 2 * released);
	kv(o, "status", released ? "released" : "break");
	coldchain_format(&b->reading, text, sizeof text);
	kv(o, "reading", text);
	args_format_time(b->time_ms, time);
	kv(o, "time", time);
	kv(o, "site", j->cold_site);
	coldchain_format_range(b->has_lo, b->lo_dc, b->has_hi, b->hi_dc, text, sizeof text);
	kv(o, "storage", text);
	resp_cstr(o, "event");
	resp_int(o, (int64_t)b->event);
	if (released) {
		args_format_time(b->released_ms, time);
		kv(o, "released", time);
		kv(o, "release_reason", b->reason);
	}
}

/* "sites": each site the shown chain names, with its archive. */
static void reply_sites(struct resp_out *o, const struct trace_outcome *to)
{
	resp_cstr(o, "sites");
	resp_array(o, to->nsite);
	for (size_t i = 0; i < to->nsite; i++) {
		const struct trace_site *s = &to->site[i];
		resp_map(o, 4);
		kv(o, "site", s->id);
		kv(o, "name", s->name);
		kv(o, "kind", s->kind);
		resp_cstr(o, "archive");
		archive_reply(o, &s->archive, to->today);
	}
}

static void reply_trace(struct resp_out *o, const struct trace_outcome *to,
			const struct principal *viewer)
{
	const struct judgement *j = &to->j;
	resp_map(o, 10 + j->has_product * 2 + j->has_lot * 2 + j->has_cold_break +
		    j->source_recalled);
	kv(o, "code", to->code);
	kv(o, "type", code_type_family(j->scan.cr_type));
	verdict_reply_record(o, j);
	kv(o, "holder", to->holder);
	resp_cstr(o, "recalled");
	resp_bool(o, (j->has_lot && j->lot.status == LOT_RECALLED) || j->source_recalled);
	if (j->source_recalled) {	/* a lot it was repackaged from is */
		char lot[CODE_SERIAL_MAX];
		snprintf(lot, sizeof lot, "%.*s", (int)j->source.name_len, j->source.name);
		resp_cstr(o, "recalled_source");
		resp_map(o, 3);
		kv(o, "product", j->source_product);
		kv(o, "lot", lot);
		resp_cstr(o, "level");
		resp_int(o, j->source.recall_level);
	}
	if (j->has_cold_break) {
		resp_cstr(o, "cold_chain");
		reply_cold_chain(o, j);
	}
	resp_cstr(o, "events");
	resp_array(o, to->nstep);
	for (size_t i = 0; i < to->nstep; i++)
		reply_step(o, &to->step[i], viewer);
	resp_cstr(o, "alerts");
	resp_array(o, to->nalert);
	for (uint32_t i = 0; i < to->nalert; i++)
		alert_list_reply_row(o, &to->alert[i]);
	resp_cstr(o, "product_archive");
	archive_reply(o, &to->product_archive, to->today);
	reply_sites(o, to);
}

/* TRACE code */
enum cmd_status cmd_trace(struct cmd_ctx *ctx)
{
	struct store_txn *t;
	struct trace_outcome to = { 0 };
	int rc = cmd_read_txn(ctx, &t);
	if (rc)
		return cmd_failed(ctx, rc);
	enum cmd_status st = cmd_outcome(ctx, trace_gather(t, ctx->cfg, ctx->cmd, &to), &to.o);
	if (st == CMD_DONE && !to.j.found) {
		resp_error(ctx->out, "NOTFOUND", "TRACE: no record of %s", to.code);
		st = CMD_REFUSED;
	} else if (st == CMD_DONE) {
		reply_trace(ctx->out, &to, ctx->cmd->who);
	}
	trace_free(&to);
	return st;
}
