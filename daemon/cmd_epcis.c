/*
 * cmd_epcis — EPCIS.QUERY: a page of GS1 EPCIS 2.0 events (gathered by
 * epcis_query.c), each a map with EPCIS 2.0 JSON-LD's keys, so that its
 * JSON (yima --json, the HTTP side's /epcis/events) is the event as an
 * EPCIS document holds it.  Read only.
 *
 *   {"events": [event, ...], "next": token or null}
 */
#include "args.h"
#include "cmd.h"
#include "epcis_query.h"

#include <stdio.h>

static void kv(struct resp_out *o, const char *k, const char *v)
{
	resp_cstr(o, k);
	resp_cstr(o, v);
}

static void kt(struct resp_out *o, const struct epcis_page *p, const char *k,
	       struct epcis_text s)
{
	resp_cstr(o, k);
	resp_bulk(o, epcis_text_ptr(p, s), s.len);
}

static void place(struct resp_out *o, const struct epcis_page *p, const char *k,
		  struct epcis_text s)
{
	resp_cstr(o, k);
	resp_map(o, 1);
	kt(o, p, "id", s);
}

/* sourceList / destinationList: one location. */
static void party(struct resp_out *o, const struct epcis_page *p, const char *list,
		  const char *k, struct epcis_text s)
{
	resp_cstr(o, list);
	resp_array(o, 1);
	resp_map(o, 2);
	kv(o, "type", "location");
	kt(o, p, k, s);
}

static void time_kv(struct resp_out *o, const char *k, int64_t ms)
{
	char t[32];
	args_format_time(ms, t);
	kv(o, k, t);
}

/* ilmd: a commissioning's (a repackaging's outputs') lot and expiry, when
 * the event has them. */
static void put_ilmd(struct resp_out *o, const struct epcis_page *p, const struct epcis_event *ev)
{
	if (ev->lot.len == 0 && ev->expiry.len == 0)
		return;
	resp_cstr(o, "ilmd");
	resp_map(o, (ev->lot.len > 0) + (ev->expiry.len > 0));
	if (ev->lot.len)
		kt(o, p, "cbvmda:lotNumber", ev->lot);
	if (ev->expiry.len)
		kt(o, p, "cbvmda:itemExpirationDate", ev->expiry);
}

static void epc_list(struct resp_out *o, const struct epcis_page *p, const char *k,
		     uint32_t first, uint32_t n)
{
	resp_cstr(o, k);
	resp_array(o, n);
	for (uint32_t i = first; i < first + n; i++)
		resp_bulk(o, epcis_text_ptr(p, p->codes[i].uri), p->codes[i].uri.len);
}

/* A repackaging (TRANSFORM): type, eventID, eventTime,
 * eventTimeZoneOffset, bizStep, disposition, inputEPCList, outputEPCList,
 * readPoint, bizLocation; bizTransactionList and ilmd when it has them.
 * A TransformationEvent has no action. */
static void reply_transformation(struct resp_out *o, const struct epcis_page *p,
				 const struct epcis_event *ev)
{
	bool ilmd = ev->lot.len > 0 || ev->expiry.len > 0;
	resp_map(o, 8 + (ev->read_point.len > 0) + (ev->biz_location.len > 0) +
		    (ev->ref.len > 0) + ilmd);
	kv(o, "type", "TransformationEvent");
	kv(o, "eventID", ev->id);
	time_kv(o, "eventTime", ev->time_ms);
	kv(o, "eventTimeZoneOffset", ev->tz);
	kv(o, "bizStep", ev->k->step);
	kv(o, "disposition", ev->k->disposition);
	epc_list(o, p, "inputEPCList", ev->first_code, ev->ncodes);
	epc_list(o, p, "outputEPCList", ev->first_output, ev->noutputs);
	if (ev->read_point.len)
		place(o, p, "readPoint", ev->read_point);
	if (ev->biz_location.len)
		place(o, p, "bizLocation", ev->biz_location);
	if (ev->ref.len) {
		resp_cstr(o, "bizTransactionList");
		resp_array(o, 1);
		resp_map(o, 1);
		kt(o, p, "bizTransaction", ev->ref);
	}
	put_ilmd(o, p, ev);
}

static void reply_event(struct resp_out *o, const struct epcis_page *p,
			const struct epcis_event *ev)
{
	const struct epcis_kind *k = ev->k;
	bool agg = k->type == EPCIS_AGGREGATION_EVENT;
	if (k->type == EPCIS_TRANSFORMATION_EVENT) {
		reply_transformation(o, p, ev);
		return;
	}
	const struct epcis_code *codes = p->codes + ev->first_code;
	size_t items = 0, classes = ev->klass.len > 0;
	for (uint32_t i = 0; i < ev->ncodes; i++) {
		items += !codes[i].klass;
		classes += codes[i].klass;
	}
	/* type, eventID, eventTime, eventTimeZoneOffset, action, bizStep,
	 * disposition and the list of codes; then what the event has. */
	size_t n = 8 + (ev->declared_ms != 0) + (ev->read_point.len > 0) +
		   (ev->biz_location.len > 0) + (ev->source.len > 0) + (ev->destination.len > 0) +
		   (agg && ev->parent.len > 0) + (classes > 0) + (ev->ref.len > 0) +
		   (ev->lot.len > 0 || ev->expiry.len > 0) + (ev->level > 0) + (ev->qty > 0) +
		   (ev->reason.len > 0);
	resp_map(o, n);
	kv(o, "type", agg ? "AggregationEvent" : "ObjectEvent");
	kv(o, "eventID", ev->id);
	time_kv(o, "eventTime", ev->time_ms);
	kv(o, "eventTimeZoneOffset", ev->tz);
	if (ev->declared_ms) {	/* an UNDO: the sale taken back */
		resp_cstr(o, "errorDeclaration");
		resp_map(o, 2);
		time_kv(o, "declarationTime", ev->declared_ms);
		kv(o, "reason", "incorrect_data");
	}
	kv(o, "action", k->action);
	kv(o, "bizStep", k->step);
	kv(o, "disposition", k->disposition);
	if (agg && ev->parent.len)
		kt(o, p, "parentID", ev->parent);
	/* ObjectEvent: epcList always (the schema wants it or quantityList). */
	resp_cstr(o, agg ? "childEPCs" : "epcList");
	resp_array(o, items);
	for (uint32_t i = 0; i < ev->ncodes; i++)
		if (!codes[i].klass)
			resp_bulk(o, epcis_text_ptr(p, codes[i].uri), codes[i].uri.len);
	if (classes) {
		resp_cstr(o, agg ? "childQuantityList" : "quantityList");
		resp_array(o, classes);
		if (ev->klass.len) {
			resp_map(o, 1);
			kt(o, p, "epcClass", ev->klass);
		}
		for (uint32_t i = 0; i < ev->ncodes; i++) {
			if (!codes[i].klass)
				continue;
			resp_map(o, 1 + (codes[i].quantity > 0));
			kt(o, p, "epcClass", codes[i].uri);
			if (codes[i].quantity) {
				resp_cstr(o, "quantity");
				resp_int(o, codes[i].quantity);
			}
		}
	}
	if (ev->read_point.len)
		place(o, p, "readPoint", ev->read_point);
	if (ev->biz_location.len)
		place(o, p, "bizLocation", ev->biz_location);
	if (ev->source.len)
		party(o, p, "sourceList", "source", ev->source);
	if (ev->destination.len)
		party(o, p, "destinationList", "destination", ev->destination);
	if (ev->ref.len) {
		resp_cstr(o, "bizTransactionList");
		resp_array(o, 1);
		resp_map(o, 1 + ev->ref_desadv);
		if (ev->ref_desadv)
			kv(o, "type", "desadv");
		kt(o, p, "bizTransaction", ev->ref);
	}
	put_ilmd(o, p, ev);
	if (ev->level) {
		resp_cstr(o, "yima:level");
		resp_int(o, ev->level);
	}
	if (ev->qty) {
		resp_cstr(o, "yima:qty");
		resp_int(o, ev->qty);
	}
	if (ev->reason.len)
		kt(o, p, "yima:reason", ev->reason);
}

/* EPCIS.QUERY [EPC ...] [ANYEPC ...] [BIZSTEP ...] [SINCE t] [BEFORE t]
 * [LOCATION ...] [READPOINT ...] [COUNT n] [AFTER token] */
enum cmd_status cmd_epcis_query(struct cmd_ctx *ctx)
{
	struct store_txn *t;
	struct epcis_page p = { .text = BUF_INIT };
	int rc = cmd_read_txn(ctx, &t);
	if (rc)
		return cmd_failed(ctx, rc);
	enum cmd_status st = cmd_outcome(ctx, epcis_query_page(t, ctx->cfg, ctx->cmd, &p), &p.o);
	if (st == CMD_DONE) {
		struct resp_out *o = ctx->out;
		resp_map(o, 2);
		resp_cstr(o, "events");
		resp_array(o, p.n);
		for (size_t i = 0; i < p.n; i++)
			reply_event(o, &p, &p.ev[i]);
		resp_cstr(o, "next");
		if (p.next) {
			char token[24];
			snprintf(token, sizeof token, "%llu", (unsigned long long)p.next);
			resp_cstr(o, token);
		} else {
			resp_null(o);
		}
	}
	epcis_page_free(&p);
	return st;
}
