/*
 * cmd_impact — IMPACT (a lot's recall chain: impact.c) and CODES (a lot's
 * codes, where each is, a page at a time: lot_codes.c).  Read only: a
 * handler gathers what the reply shows, then renders it.
 */
#include "args.h"
#include "cmd.h"
#include "impact.h"
#include "lot_codes.h"
#include "tally.h"
#include "verdict.h"
#include "view.h"

#include <stdio.h>

static void put_int(struct resp_out *o, const char *k, int64_t v)
{
	resp_cstr(o, k);
	resp_int(o, v);
}

static void put_str(struct resp_out *o, const char *k, const char *v)
{
	resp_cstr(o, k);
	resp_cstr(o, v);
}

/* A time, or null when there is none. */
static void put_time(struct resp_out *o, const char *k, int64_t ms)
{
	char buf[32];
	resp_cstr(o, k);
	if (ms <= 0) {
		resp_null(o);
		return;
	}
	args_format_time(ms, buf);
	resp_cstr(o, buf);
}

static void put_containers(struct resp_out *o, const uint32_t count[TALLY_LEVELS])
{
	put_int(o, "middle_packs", count[1]);
	put_int(o, "cases", count[2]);
	put_int(o, "pallets", count[3]);
}

/* "after_recall": {commissioned, shipped, received} — units of the lot a
 * site still moved on after the recall (cmd_custody.c warns of each). */
static void put_after_recall(struct resp_out *o, const struct tally_recall *r)
{
	resp_cstr(o, "after_recall");
	resp_map(o, 3);
	put_int(o, "commissioned", r->commissioned);
	put_int(o, "shipped", r->shipped);
	put_int(o, "received", r->received);
}

/* Units decommissioned, by end state. */
static void put_ended(struct resp_out *o, const uint32_t ended[IMPACT_ENDS])
{
	for (int e = 0; e < IMPACT_ENDS; e++)
		put_int(o, unit_status_name((uint8_t)(UNIT_SAMPLE + e)), ended[e]);
}

static void reply_sites(struct resp_out *o, const struct impact_outcome *io)
{
	resp_cstr(o, "sites");
	resp_array(o, io->nsite);
	for (size_t i = 0; i < io->nsite; i++) {
		const struct impact_site *s = &io->site[i];
		resp_map(o, 23 + IMPACT_ENDS);
		put_str(o, "site", s->id);
		put_str(o, "name", s->name);
		put_str(o, "kind", s->kind);
		put_str(o, "region", s->region);
		put_int(o, "commissioned", s->commissioned);
		put_int(o, "in_stock", s->stock[0]);
		put_int(o, "in_transit", s->sent[0]);
		put_int(o, "incoming", s->incoming);
		put_int(o, "dispensed", s->dispensed);
		put_time(o, "first_dispensed", s->dispensed ? s->first_sale : 0);
		put_time(o, "last_dispensed", s->dispensed ? s->last_sale : 0);
		put_int(o, "destroyed", s->destroyed);
		put_ended(o, s->ended);
		put_int(o, "received", s->received);
		put_containers(o, s->stock);
		put_time(o, "acknowledged", s->recall.ack_ms);
		put_int(o, "returned", s->recall.returned);
		put_after_recall(o, &s->recall);
		resp_cstr(o, "past_deadline");
		resp_bool(o, s->past_deadline);
		put_int(o, "cold_chain_breaks", s->cold_breaks);
		put_int(o, "transformed", s->transformed);
		resp_cstr(o, "archive");
		archive_reply(o, &io->archive[i], io->today);
	}
}

static void reply_flows(struct resp_out *o, const char *what, const struct impact_flow *f,
			size_t n, bool transit)
{
	resp_cstr(o, what);
	resp_array(o, n);
	for (size_t i = 0; i < n; i++) {
		resp_map(o, transit ? 7 : 4);
		put_str(o, "from", f[i].from_id);
		resp_cstr(o, "to");
		if (f[i].to)
			resp_cstr(o, f[i].to_id);
		else
			resp_null(o);	/* shipped to a destination not known */
		put_int(o, "units", f[i].count[0]);
		if (transit) {
			put_containers(o, f[i].count);
			put_time(o, "since", f[i].since);
		} else {
			put_str(o, "kind", f[i].is_return ? "return" : "ship");
		}
	}
}

/* A lot's row: lot, expiry, status, level (null unless recalled), then
 * its units: all, in stock, in transit, dispensed, destroyed. */
static void put_lot_row(struct resp_out *o, const struct lot *l, uint64_t units, uint64_t stock,
			uint64_t transit, uint64_t dispensed, uint64_t destroyed)
{
	char date[11];
	bool recalled = l->status == LOT_RECALLED;
	put_str(o, "lot", l->name);
	args_format_date(l->expiry, date);
	put_str(o, "expiry", date);
	put_str(o, "status", recalled ? "recalled" : "active");
	resp_cstr(o, "level");
	if (recalled)
		resp_int(o, l->recall_level);
	else
		resp_null(o);
	put_int(o, "units", (int64_t)units);
	put_int(o, "in_stock", (int64_t)stock);
	put_int(o, "in_transit", (int64_t)transit);
	put_int(o, "dispensed", (int64_t)dispensed);
	put_int(o, "destroyed", (int64_t)destroyed);
}

/* IMPACT PRODUCT: "lots", each lot's status and where its units are. */
static void reply_lots(struct resp_out *o, const struct impact_outcome *io)
{
	resp_cstr(o, "lots");
	resp_array(o, io->nlots);
	for (size_t i = 0; i < io->nlots; i++) {
		const struct impact_lot *l = &io->lots[i];
		resp_map(o, 9);
		put_lot_row(o, &l->lot, l->stock + l->transit + l->dispensed + l->destroyed,
			    l->stock, l->transit, l->dispensed, l->destroyed);
	}
}

/* "derived": the lots repackaged from it, each with its units by status
 * and the lot it was made from. */
static void reply_derived(struct resp_out *o, const struct impact_outcome *io)
{
	resp_cstr(o, "derived");
	resp_array(o, io->nderived);
	for (size_t i = 0; i < io->nderived; i++) {
		const struct impact_derived *d = &io->derived[i];
		resp_map(o, 14);
		put_str(o, "product", d->product);
		put_lot_row(o, &d->lot, d->stock + d->transit + d->dispensed + d->destroyed +
			    d->ended + d->transformed, d->stock, d->transit, d->dispensed,
			    d->destroyed);
		put_int(o, "decommissioned", (int64_t)d->ended);
		put_int(o, "transformed", (int64_t)d->transformed);
		put_str(o, "from_product", d->from_product);
		put_str(o, "from_lot", d->from_lot);
	}
}

static void reply_impact(struct resp_out *o, const struct impact_outcome *io)
{
	const struct impact_totals *tot = &io->totals;
	char date[11];
	bool one_lot = !io->by_product;
	resp_map(o, 12 + io->by_product);
	put_str(o, "product", io->product);
	resp_cstr(o, "product_archive");
	archive_reply(o, &io->product_archive, io->today);
	resp_cstr(o, "lot");
	if (one_lot)
		resp_cstr(o, io->lot.name);
	else
		resp_null(o);
	resp_cstr(o, "expiry");
	if (one_lot) {
		args_format_date(io->lot.expiry, date);
		resp_cstr(o, date);
	} else {
		resp_null(o);
	}
	put_str(o, "status", io->recalled ? "recalled" : "active");
	resp_cstr(o, "level");
	if (io->recalled && one_lot)
		resp_int(o, io->lot.recall_level);
	else
		resp_null(o);
	resp_cstr(o, "recall");
	if (io->recalled && one_lot) {
		resp_map(o, 4);
		put_int(o, "event", (int64_t)io->lot.recall_seq);
		put_time(o, "time", io->recall.time_ms);
		put_str(o, "reason", io->recall.ref);
		put_time(o, "deadline", io->deadline);
	} else {
		resp_null(o);	/* a product's: each lot's in "lots" */
	}
	if (io->by_product)
		reply_lots(o, io);
	resp_cstr(o, "totals");
	resp_map(o, 15 + IMPACT_ENDS);
	uint64_t ended = 0;
	uint32_t each[IMPACT_ENDS];
	for (int e = 0; e < IMPACT_ENDS; e++) {
		ended += tot->ended[e];
		each[e] = (uint32_t)tot->ended[e];
	}
	put_int(o, "units", (int64_t)(tot->stock + tot->transit + tot->dispensed + tot->destroyed +
				      ended + tot->transformed));
	put_int(o, "in_stock", (int64_t)tot->stock);
	put_int(o, "in_transit", (int64_t)tot->transit);
	put_int(o, "dispensed", (int64_t)tot->dispensed);
	put_int(o, "destroyed", (int64_t)tot->destroyed);
	put_ended(o, each);
	put_containers(o, tot->containers);
	put_int(o, "sites", (int64_t)io->nsite);
	put_int(o, "acknowledged", (int64_t)tot->acknowledged);
	put_int(o, "past_deadline", (int64_t)tot->past_deadline);
	put_after_recall(o, &tot->after);
	put_int(o, "cold_chain_breaks", (int64_t)tot->cold_breaks);
	put_int(o, "transformed", (int64_t)tot->transformed);
	put_int(o, "derived_units", (int64_t)tot->derived);
	reply_sites(o, io);
	reply_derived(o, io);
	reply_flows(o, "transit", io->transit, io->ntransit, true);
	reply_flows(o, "edges", io->edge, io->nedge, false);
}

/* IMPACT product lot | IMPACT code */
enum cmd_status cmd_impact(struct cmd_ctx *ctx)
{
	struct store_txn *t;
	struct impact_outcome io = { 0 };
	enum cmd_status st;
	int rc = cmd_read_txn(ctx, &t);
	if (rc)
		return cmd_failed(ctx, rc);
	st = cmd_outcome(ctx, impact_gather(t, ctx->cfg, ctx->cmd, &io), &io.o);
	if (st == CMD_DONE)
		reply_impact(ctx->out, &io);
	impact_free(&io);
	return st;
}

static void reply_codes(struct resp_out *o, const struct lot_codes_outcome *lo)
{
	resp_map(o, 2);
	resp_cstr(o, "codes");
	resp_array(o, lo->n);
	for (size_t i = 0; i < lo->n; i++) {
		const struct lot_code *c = &lo->code[i];
		bool transit = c->bucket == TALLY_TRANSIT;
		char text[CODE_TEXT_MAX];
		view_code(c->key, c->key_len, text);
		resp_map(o, 4 + transit);
		put_str(o, "code", text);
		put_int(o, "level", c->level);
		put_str(o, "status", lot_codes_status_name(c->bucket));
		put_str(o, "site", c->site);
		if (transit) {
			resp_cstr(o, "to");
			if (c->to[0])
				resp_cstr(o, c->to);
			else
				resp_null(o);	/* shipped to a destination not known */
		}
	}
	resp_cstr(o, "next");
	if (lo->more) {
		char cur[24];
		snprintf(cur, sizeof cur, "%llu", (unsigned long long)lo->next);
		resp_cstr(o, cur);
	} else {
		resp_null(o);
	}
}

/* CODES product lot [SITE s] [STATUS st] [LEVEL n] [AFTER cursor] [COUNT n] */
enum cmd_status cmd_codes(struct cmd_ctx *ctx)
{
	struct store_txn *t;
	struct lot_codes_outcome lo = { 0 };
	enum cmd_status st;
	int rc = cmd_read_txn(ctx, &t);
	if (rc)
		return cmd_failed(ctx, rc);
	st = cmd_outcome(ctx, lot_codes_gather(t, ctx->cfg, ctx->cmd, &lo), &lo.o);
	if (st == CMD_DONE)
		reply_codes(ctx->out, &lo);
	lot_codes_free(&lo);
	return st;
}
