/*
 * cmd_custody — distribution events: COMMISSION, PACK, UNPACK, SHIP,
 * RECEIVE, RETURN, DESTROY.  All run on the writer.
 *
 * Every command checks every code before it writes anything: one bad code
 * refuses the whole request, and the error names the code and its position.
 * Movements apply to the code named; what is packed inside moves with it
 * without being touched (a unit is wherever its outermost container is,
 * see units_place), so shipping a case of 10,000 units writes one record.
 * Each movement also moves what it carries between the lot counters of
 * tally.h, which is what IMPACT reads.
 */
#include "alerts.h"
#include "args.h"
#include "cmd.h"
#include "code_util.h"
#include "eventlog.h"
#include "lots.h"
#include "master.h"
#include "mcache.h"
#include "product_state.h"
#include "server.h"
#include "store.h"
#include "tally.h"
#include "units.h"
#include "verdict.h"
#include "xmem.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


/* A code in messages: its canonical text. */
static const char *code_text(const uint8_t *key, size_t len, char buf[CODE_TEXT_MAX])
{
	if (code_key_format(key, len, buf, CODE_TEXT_MAX) < 0)
		snprintf(buf, CODE_TEXT_MAX, "?");
	return buf;
}

/* Messages name codes only when something is wrong: formatting every code
 * of a bulk load just in case costs more than the checks. */
static const char *unit_text(const struct unit *u, char buf[CODE_TEXT_MAX])
{
	return code_text(u->key, u->key_len, buf);
}

static const char *scan_text(const struct code_result *r, char buf[CODE_TEXT_MAX])
{
	return code_text(r->cr_key, r->cr_key_len, buf);
}

static void reply_done(struct cmd_ctx *ctx, uint64_t seq, size_t codes)
{
	resp_map(ctx->out, 2);
	resp_cstr(ctx->out, "event");
	resp_int(ctx->out, (int64_t)seq);
	resp_cstr(ctx->out, "codes");
	resp_int(ctx->out, (int64_t)codes);
}


static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* The position (1-based) of the second mention of a unit named twice in
 * the list, or 0. */
static size_t repeated(const struct unit *u, size_t n)
{
	size_t up = 1;
	while (up < n && u[up - 1].id < u[up].id)	/* increasing: all differ */
		up++;
	if (up >= n)
		return 0;
	uint64_t *ids = xmalloc(n * sizeof *ids);
	for (size_t i = 0; i < n; i++)
		ids[i] = u[i].id;
	qsort(ids, n, sizeof *ids, cmp_u64);
	uint64_t dup = 0;
	for (size_t i = 1; i < n && !dup; i++)
		if (ids[i] == ids[i - 1])
			dup = ids[i];
	free(ids);
	size_t mentions = 0;
	for (size_t i = 0; dup && i < n; i++)
		if (u[i].id == dup && ++mentions == 2)
			return i + 1;
	return 0;
}

/*
 * Load the units named by argv[from..end).  Returns 0 with *out (caller
 * frees), 1 after replying with an error, or a store error.  Errors number
 * a code by its place among the request's codes (argv[1] is code 1), as
 * the commands' own messages do.
 */
static int load_units(struct cmd_ctx *ctx, int from, int end, struct unit **out)
{
	size_t n = (size_t)(end - from);
	struct unit *u = xcalloc(n ? n : 1, sizeof *u);
	char err[300];
	for (size_t i = 0; i < n; i++) {
		struct code_result r;
		const struct resp_arg *a = &ctx->argv[from + (int)i];
		if (args_code(a, ctx->now_ms, &r, err, sizeof err) != 0) {
			free(u);
			return cmd_reject(ctx, "code %zu: %s", (size_t)from + i, err) + 1;
		}
		int rc = units_find(ctx->txn, r.cr_key, r.cr_key_len, &u[i]);
		if (rc == STORE_NOTFOUND) {
			char text[CODE_TEXT_MAX];
			free(u);
			return cmd_reject(ctx, "code %zu (%s) is not commissioned", (size_t)from + i,
				      code_text(r.cr_key, r.cr_key_len, text)) + 1;
		}
		if (rc) {
			free(u);
			return rc;
		}
	}
	size_t dup = repeated(u, n);
	if (dup) {
		char text[CODE_TEXT_MAX];
		cmd_reject(ctx, "code %zu (%s) is named twice", (size_t)from - 1 + dup,
		       code_text(u[dup - 1].key, u[dup - 1].key_len, text));
		free(u);
		return 1;
	}
	*out = u;
	return 0;
}

/* Why a unit cannot move from `site` now, or NULL if it can. */
static const char *not_movable(struct cmd_ctx *ctx, const struct unit *u, uint32_t site,
			       char *why, size_t n)
{
	struct unit_place p;
	char s1[80], s2[80];
	if (units_place(ctx->txn, u, &p) != 0)
		return "cannot be read";
	if (p.status == UNIT_DISPENSED)
		return "is dispensed";
	if (p.status == UNIT_DESTROYED)
		return "is destroyed";
	if (p.status == UNIT_IN_TRANSIT) {
		args_site_name(ctx->txn, p.holder, s1, sizeof s1);
		args_site_name(ctx->txn, p.dest, s2, sizeof s2);
		snprintf(why, n, "is in transit from %.64s to %.64s", s1, s2);
		return why;
	}
	if (p.holder != site) {
		args_site_name(ctx->txn, p.holder, s1, sizeof s1);
		snprintf(why, n, "is held by %.64s", s1);
		return why;
	}
	return NULL;
}

/* TIME option, or the writer's clock. */
static int event_time(struct cmd_ctx *ctx, const struct args_opt *opt, int64_t *ms)
{
	char err[200];
	*ms = ctx->now_ms;
	if (opt->val && args_time(opt->val, ms, err, sizeof err) != 0) {
		cmd_reject(ctx, "TIME %s", err);
		return 1;
	}
	return 0;
}

/* SITE-like option → site number; 1 after replying, or a store error. */
static int site_opt(struct cmd_ctx *ctx, const struct args_opt *opt, uint32_t *num)
{
	char err[200];
	if (opt->val == NULL) {
		cmd_reject(ctx, "%s is required", opt->name);
		return 1;
	}
	int rc = args_site(ctx->txn, opt->val, num, err, sizeof err);
	if (rc == -1) {
		cmd_reject(ctx, "%s: %s", opt->name, err);
		return 1;
	}
	return rc;	/* 0, or the store's error */
}

/* A REF (or REASON) option: text of at most EVENT_REF_MAX bytes.
 * Returns 1 after replying when it is not. */
static int check_ref(struct cmd_ctx *ctx, const struct args_opt *opt)
{
	if (opt->val == NULL)
		return 0;
	if (opt->val->len == 0 || opt->val->len > EVENT_REF_MAX) {
		cmd_reject(ctx, "%s must be 1 to %d bytes", opt->name, EVENT_REF_MAX);
		return 1;
	}
	char err[160];
	if (args_text(opt->val, opt->name, err, sizeof err) != 0) {
		cmd_reject(ctx, "%s", err);
		return 1;
	}
	return 0;
}

static void set_ref(struct event *e, const struct args_opt *opt)
{
	if (opt->val) {
		e->ref_len = opt->val->len;
		memcpy(e->ref, opt->val->ptr, e->ref_len);
	}
}

/* A unit changed by event `seq`: store it and index the event under it. */
static int record_change(struct cmd_ctx *ctx, struct unit *u, uint64_t seq)
{
	int rc = units_event(ctx->txn, u, seq);
	return rc ? rc : units_put(ctx->txn, u);
}

/* The lot-counter bucket a unit is in now (following its containers). */
static int bucket_of(struct cmd_ctx *ctx, const struct unit *u, struct tally_place *tp)
{
	struct unit_place p;
	int rc = units_place(ctx->txn, u, &p);
	if (rc == 0)
		tally_place_of(u, &p, tp);
	return rc;
}

/*
 * Unit u, changed and stored, was in bucket `from` before: move it and
 * what it carries to where it is now.  `edge` (or NULL) also counts it as
 * received on one edge of the distribution tree.
 */
static int tally_moved(struct cmd_ctx *ctx, const struct unit *u, const struct tally_place *from,
		       const struct tally_place *edge, int64_t when, struct tally_load *ld)
{
	struct tally_place to;
	int rc;
	if ((rc = bucket_of(ctx, u, &to)) != 0 || (rc = tally_carried(ctx->txn, u, ld)) != 0 ||
	    (rc = tally_move(ctx->txn, ld, from, &to, when)) != 0)
		return rc;
	return edge ? tally_move(ctx->txn, ld, NULL, edge, when) : 0;
}

/* ------------------------------------------------------------ warnings */

/*
 * Stock that should not be moving: units of a lot recalled before the
 * event, expired by its date, or of a withdrawn product.  COMMISSION,
 * SHIP and RECEIVE (not of a return) still record the event — the records
 * are what happened — but the reply warns, one entry per reason and lot,
 * and units of a recalled lot count in IMPACT as commissioned, shipped or
 * received after the recall by the site that moved them.
 */
enum warn_reason { WARN_RECALLED, WARN_EXPIRED, WARN_WITHDRAWN };
enum after_recall { AFTER_COMMISSIONED, AFTER_SHIPPED, AFTER_RECEIVED };
#define WARNINGS_MAX 16

struct warnings {
	size_t n;
	struct warning {
		uint8_t reason;		/* enum warn_reason */
		uint32_t lot;
		uint64_t units;
	} w[WARNINGS_MAX];
};

static void warn(struct warnings *w, enum warn_reason why, uint32_t lot, uint64_t units)
{
	for (size_t i = 0; i < w->n; i++)
		if (w->w[i].reason == why && w->w[i].lot == lot) {
			w->w[i].units += units;
			return;
		}
	if (w->n < WARNINGS_MAX)
		w->w[w->n++] = (struct warning){ why, lot, units };
}

/* The units of load ld, moved by `site` at `when`: warn of those that
 * should not move, and count the recalled ones for the recall. */
static int warn_stock(struct cmd_ctx *ctx, const struct tally_load *ld, int64_t when,
		      uint32_t site, enum after_recall what, struct warnings *w)
{
	uint32_t today = verdict_today(ctx->cfg, when);
	for (size_t i = 0; i < ld->n; i++) {
		uint32_t units = ld->part[i].count[0];
		const struct mcache_lot *ml;
		if (units == 0)
			continue;	/* containers count by what they hold */
		int rc = mcache_lot(ctx->txn, ld->part[i].lot, &ml);
		if (rc == STORE_NOTFOUND)
			continue;
		if (rc)
			return rc;
		struct lot l = ml->lot;
		if (ml->withdrawn)
			warn(w, WARN_WITHDRAWN, l.num, units);
		if (l.expiry && today > l.expiry)
			warn(w, WARN_EXPIRED, l.num, units);
		if (l.status != LOT_RECALLED)
			continue;
		struct event recall;
		if ((rc = events_get(ctx->txn, l.recall_seq, &recall)) != 0)
			return rc;
		if (when < recall.time_ms)
			continue;	/* history from before the recall */
		warn(w, WARN_RECALLED, l.num, units);
		struct tally_recall r;
		if ((rc = tally_recall_get(ctx->txn, l.num, site, &r)) != 0)
			return rc;
		if (r.recall_seq != l.recall_seq)	/* first news of this recall */
			r = (struct tally_recall){ .recall_seq = l.recall_seq };
		uint32_t *count = what == AFTER_COMMISSIONED ? &r.commissioned :
				  what == AFTER_SHIPPED ? &r.shipped : &r.received;
		*count += units;
		if ((rc = tally_recall_put(ctx->txn, l.num, site, &r)) != 0)
			return rc;
	}
	return 0;
}

/* "warnings": [{reason, product, lot, units}], when there are any. */
static void reply_warnings(struct cmd_ctx *ctx, const struct warnings *w)
{
	static const char *const names[] = { "recalled", "expired", "withdrawn" };
	if (w->n == 0)
		return;
	resp_cstr(ctx->out, "warnings");
	resp_array(ctx->out, w->n);
	for (size_t i = 0; i < w->n; i++) {
		const struct mcache_lot *ml;
		bool known = mcache_lot(ctx->txn, w->w[i].lot, &ml) == 0;
		resp_map(ctx->out, 4);
		resp_cstr(ctx->out, "reason");
		resp_cstr(ctx->out, names[w->w[i].reason]);
		resp_cstr(ctx->out, "product");
		resp_cstr(ctx->out, known ? ml->product_id : "?");
		resp_cstr(ctx->out, "lot");
		if (known)
			resp_bulk(ctx->out, ml->lot.name, ml->lot.name_len);
		else
			resp_cstr(ctx->out, "?");
		resp_cstr(ctx->out, "units");
		resp_int(ctx->out, (int64_t)w->w[i].units);
	}
}

/* {event, codes, `extra` more pairs the caller writes, then warnings if
 * any (reply_warnings)}. */
static void reply_moved(struct cmd_ctx *ctx, uint64_t seq, size_t codes, size_t extra,
			const struct warnings *w)
{
	resp_map(ctx->out, 2 + extra + (w->n > 0));
	resp_cstr(ctx->out, "event");
	resp_int(ctx->out, (int64_t)seq);
	resp_cstr(ctx->out, "codes");
	resp_int(ctx->out, (int64_t)codes);
}

/* ---------------------------------------------------------- COMMISSION */

struct key_pos {
	const struct code_result *r;
	size_t pos;
};

static int cmp_key_pos(const void *a, const void *b)
{
	const struct key_pos *x = a, *y = b;
	if (x->r->cr_key_len != y->r->cr_key_len)
		return x->r->cr_key_len < y->r->cr_key_len ? -1 : 1;
	int c = memcmp(x->r->cr_key, y->r->cr_key, x->r->cr_key_len);
	return c ? c : x->pos < y->pos ? -1 : x->pos > y->pos;
}

/* The position (1-based) of the first code that repeats an earlier one,
 * or 0: sorted, so a request of a million codes costs n log n. */
static size_t named_twice(const struct code_result *r, size_t n)
{
	if (n < 2)
		return 0;
	/* Codes listed in increasing order (a run of serials) differ. */
	size_t up = 1;
	while (up < n) {
		struct key_pos a = { &r[up - 1], 0 }, b = { &r[up], 0 };
		if (cmp_key_pos(&a, &b) >= 0)
			break;
		up++;
	}
	if (up == n)
		return 0;
	struct key_pos *k = xmalloc(n * sizeof *k);
	for (size_t i = 0; i < n; i++)
		k[i] = (struct key_pos){ &r[i], i };
	qsort(k, n, sizeof *k, cmp_key_pos);
	size_t first = 0;
	for (size_t i = 1; i < n; i++)
		if (k[i].r->cr_key_len == k[i - 1].r->cr_key_len &&
		    memcmp(k[i].r->cr_key, k[i - 1].r->cr_key, k[i].r->cr_key_len) == 0 &&
		    (first == 0 || k[i].pos + 1 < first))
			first = k[i].pos + 1;
	free(k);
	return first;
}

enum { C_SITE, C_PRODUCT, C_LOT, C_EXPIRY, C_LEVEL, C_QTY, C_TIME, C_N };
static const struct args_opt commission_opts[C_N] = {
	{ "SITE", 0 }, { "PRODUCT", 0 }, { "LOT", 0 }, { "EXPIRY", 0 }, { "LEVEL", 0 },
	{ "QTY", 0 }, { "TIME", 0 }
};

/* Without LEVEL, the code says what it can: an SSCC is a logistic unit
 * (a case), a GTIN with indicator 1-8 a grouping (a middle pack). */
static uint32_t implied_level(const struct code_result *r)
{
	return r->cr_type == CODE_SSCC ? 3 : r->cr_pack == CODE_PACK_GROUPED ? 2 : 1;
}


int cmd_commission(struct cmd_ctx *ctx)
{
	struct args_opt o[C_N];
	memcpy(o, commission_opts, sizeof o);
	char err[300], text[CODE_TEXT_MAX];
	int end = args_first_option(ctx->argc, ctx->argv, 1, o, C_N);
	if (end == 1)
		return cmd_reject(ctx, "no codes given");
	if (args_options(ctx->argc, ctx->argv, end, o, C_N, err, sizeof err) != 0)
		return cmd_reject(ctx, "%s", err);

	uint32_t site, level = 0, qty = 0, expiry = 0;
	int64_t when;
	int rc;
	if ((rc = site_opt(ctx, &o[C_SITE], &site)) != 0 || (rc = event_time(ctx, &o[C_TIME], &when)))
		return rc == 1 ? 0 : rc;
	if (o[C_LEVEL].val && args_uint(o[C_LEVEL].val, "LEVEL", 1, 4, &level, err, sizeof err))
		return cmd_reject(ctx, "%s", err);
	if (o[C_QTY].val && args_uint(o[C_QTY].val, "QTY", 1, 100000000, &qty, err, sizeof err))
		return cmd_reject(ctx, "%s", err);
	if (o[C_EXPIRY].val && args_date(o[C_EXPIRY].val, &expiry, err, sizeof err))
		return cmd_reject(ctx, "EXPIRY %s", err);

	/* Parse every code; all must share one product (or have none). */
	size_t n = (size_t)(end - 1);
	struct code_result *r = xmalloc(n * sizeof *r);
	/* Copies, not pointers into r: r is freed on every way out. */
	char pbuf[CODE_PRODUCT_MAX], lbuf[CODE_SERIAL_MAX];
	const char *product = NULL;
	const char *lot = o[C_LOT].val ? o[C_LOT].val->ptr : NULL;
	size_t lot_len = o[C_LOT].val ? o[C_LOT].val->len : 0;
	int result = 0;
	for (size_t i = 0; i < n && !result; i++) {
		struct unit u;
		if (args_code(&ctx->argv[1 + i], ctx->now_ms, &r[i], err, sizeof err) != 0) {
			result = cmd_reject(ctx, "code %zu: %s", i + 1, err) + 1;
			break;
		}
		rc = units_find(ctx->txn, r[i].cr_key, r[i].cr_key_len, &u);
		if (rc == 0) {
			result = cmd_reject(ctx, "code %zu (%s) is already commissioned", i + 1,
					    scan_text(&r[i], text)) + 1;
			break;
		}
		if (rc != STORE_NOTFOUND) {
			result = rc;
			break;
		}
		if (r[i].cr_product[0] && r[i].cr_type != CODE_SSCC) {
			if (product && strcmp(product, r[i].cr_product) != 0) {
				result = cmd_reject(ctx, "code %zu (%s) is product %s, code 1 is %s; "
						"commission one product per request", i + 1, scan_text(&r[i], text),
						r[i].cr_product, product) + 1;
				break;
			}
			if (!product) {
				snprintf(pbuf, sizeof pbuf, "%s", r[i].cr_product);
				product = pbuf;
			}
		}
		if (r[i].cr_lot[0]) {
			if (lot && (strlen(r[i].cr_lot) != lot_len ||
				    memcmp(r[i].cr_lot, lot, lot_len) != 0)) {
				result = cmd_reject(ctx, "code %zu (%s) carries lot %s, not %.*s", i + 1,
						scan_text(&r[i], text), r[i].cr_lot, (int)lot_len, lot) + 1;
				break;
			}
			if (!lot) {
				snprintf(lbuf, sizeof lbuf, "%s", r[i].cr_lot);
				lot = lbuf;
				lot_len = strlen(lot);
			}
		}
		uint32_t scanned = r[i].cr_expiry.cd_year ?
			(uint32_t)(r[i].cr_expiry.cd_year * 10000 + r[i].cr_expiry.cd_month * 100 +
				   r[i].cr_expiry.cd_day) : 0;
		if (scanned) {
			if (expiry && scanned != expiry) {
				result = cmd_reject(ctx, "code %zu (%s) carries another expiry than "
						"EXPIRY", i + 1, scan_text(&r[i], text)) + 1;
				break;
			}
			expiry = scanned;
		}
		if (!o[C_LEVEL].val && implied_level(&r[i]) != implied_level(&r[0])) {
			result = cmd_reject(ctx, "code %zu (%s) is level %u, code 1 level %u: give "
					"LEVEL, or commission them apart", i + 1, scan_text(&r[i], text),
					implied_level(&r[i]), implied_level(&r[0])) + 1;
			break;
		}
		if (qty && !units_lot_level(r[i].cr_key, r[i].cr_key_len)) {
			result = cmd_reject(ctx, "QTY is for lot-level device records; code %zu (%s) "
					"identifies one item", i + 1, scan_text(&r[i], text)) + 1;
			break;
		}
	}
	size_t twice = result ? 0 : named_twice(r, n);
	if (twice)
		result = cmd_reject(ctx, "code %zu is named twice", twice) + 1;
	if (result) {
		free(r);
		return result == 1 ? 0 : result;
	}

	/* Product, lot, expiry. */
	char pid[MASTER_ID_MAX + 1];
	struct master_rec prod;
	uint32_t product_num = 0;
	if (o[C_PRODUCT].val) {
		if (master_normalize_id(&master_product, o[C_PRODUCT].val->ptr,
					o[C_PRODUCT].val->len, pid, err, sizeof err) != 0) {
			free(r);
			return cmd_reject(ctx, "PRODUCT %s", err);
		}
		if (product && strcmp(pid, product) != 0) {
			free(r);
			return cmd_reject(ctx, "PRODUCT %s does not match the codes' product %s", pid,
				      product);
		}
		product = pid;
	}
	if (product) {
		rc = master_load(ctx->txn, &master_product, product, &prod);
		if (rc == STORE_NOTFOUND) {
			cmd_reject(ctx, "unknown product '%s' (add it with PRODUCT SET)", product);
			free(r);
			return 0;
		}
		if (rc) {
			free(r);
			return rc;
		}
		product_num = prod.num;
		bool withdrawn;
		uint64_t wseq;
		if ((rc = products_withdrawn(ctx->txn, product_num, &withdrawn, &wseq)) != 0) {
			free(r);
			return rc;
		}
		if (withdrawn) {
			free(r);
			return cmd_reject(ctx, "product %s is withdrawn: no new codes", product);
		}
	}
	if (level == 0)
		level = implied_level(&r[0]);
	struct lot l = { 0 };
	bool has_lot = false;
	if (lot && !product) {
		free(r);
		return cmd_reject(ctx, "LOT needs a product: these codes carry none, give PRODUCT");
	}
	if (product && level == 1 && !lot) {
		free(r);
		return cmd_reject(ctx, "LOT is required for units (level 1)");
	}
	if (lot) {
		if (lot_len == 0 || lot_len > 20) {
			free(r);
			return cmd_reject(ctx, "LOT must be 1 to 20 characters");
		}
		/* A lot's name is shown wherever its units are. */
		if (o[C_LOT].val && args_text(o[C_LOT].val, "LOT", err, sizeof err) != 0) {
			free(r);
			return cmd_reject(ctx, "%s", err);
		}
		rc = lots_find(ctx->txn, product_num, lot, lot_len, &l);
		if (rc && rc != STORE_NOTFOUND) {
			free(r);
			return rc;
		}
		if (rc == STORE_NOTFOUND) {
			if (!expiry) {
				free(r);
				return cmd_reject(ctx, "EXPIRY is required for a new lot (%.*s)",
					      (int)lot_len, lot);
			}
			memset(&l, 0, sizeof l);
			l.product = product_num;
			l.expiry = expiry;
			memcpy(l.name, lot, lot_len);
			l.name_len = lot_len;
		} else if (expiry && expiry != l.expiry) {
			char have[11], want[11];
			args_format_date(l.expiry, have);
			args_format_date(expiry, want);
			free(r);
			return cmd_reject(ctx, "lot %.*s expires on %s, not %s", (int)lot_len, lot, have,
				      want);
		}
		has_lot = true;
	}

	/* Everything checked: write. */
	if (has_lot && l.num == 0 && (rc = lots_put(ctx->txn, &l)) != 0) {
		free(r);
		return rc;
	}
	uint64_t first;
	if ((rc = store_next_ids64(ctx->txn, "unit", n, &first)) != 0) {
		free(r);
		return rc;
	}
	struct event e = { .kind = EV_COMMISSION, .time_ms = when, .site = site,
			   .unit = first, .count = (uint32_t)n };
	if ((rc = events_add(ctx->txn, &e, 0)) != 0) {
		free(r);
		return rc;
	}
	for (size_t i = 0; i < n && rc == 0; i++) {
		struct unit u = { .id = first + i, .level = (uint8_t)level, .status = UNIT_ACTIVE,
				  .lot = has_lot ? l.num : 0, .holder = site, .quantity = qty,
				  .commission_seq = e.seq, .last_seq = e.seq,
				  .key_len = r[i].cr_key_len };
		memcpy(u.key, r[i].cr_key, u.key_len);
		rc = units_add(ctx->txn, &u);
	}
	free(r);
	if (rc == 0 && has_lot)
		rc = units_lot_add_range(ctx->txn, l.num, first, n);
	struct warnings w = { 0 };
	if (rc == 0 && has_lot && level == 1) {	/* containers count by contents */
		struct tally_load ld;
		struct tally_place at = { TALLY_STOCK, site, 0 },
				   made = { TALLY_COMMISSIONED, site, 0 };
		tally_of(&ld, l.num, level, (uint32_t)n);
		if ((rc = tally_move(ctx->txn, &ld, NULL, &at, when)) == 0)
			rc = tally_move(ctx->txn, &ld, NULL, &made, when);
		if (rc == 0)
			rc = warn_stock(ctx, &ld, when, site, AFTER_COMMISSIONED, &w);
	}
	if (rc)
		return rc;
	/* The level taken: given, or implied by the codes (an HIBC
	 * unit-of-measure digit, an SSCC), so a surprise shows at once. */
	reply_moved(ctx, e.seq, n, 1, &w);
	resp_cstr(ctx->out, "level");
	resp_int(ctx->out, level);
	reply_warnings(ctx, &w);
	return 0;
}

/* ------------------------------------------------------ PACK / UNPACK */

enum { P_SITE, P_TIME, P_N };
static const struct args_opt pack_opts[P_N] = { { "SITE", 0 }, { "TIME", 0 } };

/* Is `anc` the unit `u` or one of its containers? */
static int is_ancestor(struct store_txn *t, uint64_t anc, const struct unit *u, bool *yes)
{
	struct unit cur = *u;
	*yes = false;
	for (int depth = 0; depth < 8; depth++) {
		if (cur.id == anc) {
			*yes = true;
			return 0;
		}
		if (cur.parent == 0)
			return 0;
		int rc = units_get(t, cur.parent, &cur);
		if (rc)
			return rc;
	}
	return 0;
}

int cmd_pack(struct cmd_ctx *ctx)
{
	struct args_opt o[P_N];
	memcpy(o, pack_opts, sizeof o);
	char err[300], text[CODE_TEXT_MAX], why[160];
	int end = args_first_option(ctx->argc, ctx->argv, 1, o, P_N);
	if (end < 3)
		return cmd_reject(ctx, "give the container's code, then the codes packed into it");
	if (args_options(ctx->argc, ctx->argv, end, o, P_N, err, sizeof err) != 0)
		return cmd_reject(ctx, "%s", err);
	uint32_t site;
	int64_t when;
	int rc;
	if ((rc = site_opt(ctx, &o[P_SITE], &site)) != 0 || (rc = event_time(ctx, &o[P_TIME], &when)))
		return rc == 1 ? 0 : rc;

	/* The container: known, or created by this packing (an SSCC, a case
	 * code nobody commissioned). */
	struct code_result pr;
	struct unit parent;
	if (args_code(&ctx->argv[1], ctx->now_ms, &pr, err, sizeof err) != 0)
		return cmd_reject(ctx, "container: %s", err);
	code_text(pr.cr_key, pr.cr_key_len, text);
	rc = units_find(ctx->txn, pr.cr_key, pr.cr_key_len, &parent);
	bool new_parent = rc == STORE_NOTFOUND;
	if (rc && !new_parent)
		return rc;

	struct unit *kids;
	if ((rc = load_units(ctx, 2, end, &kids)) != 0)
		return rc == 1 ? 0 : rc;
	size_t n = (size_t)(end - 2);
	uint8_t top = 0;
	uint32_t lot = kids[0].lot;
	int result = 0;
	for (size_t i = 0; i < n && !result; i++) {
		char kt[CODE_TEXT_MAX];
		if (kids[i].level > top)
			top = kids[i].level;
		if (kids[i].lot != lot)
			lot = 0;	/* mixed lots: the container has none */
		if (new_parent && ctx->as_records &&
		    (kids[i].level != kids[0].level || kids[i].lot != kids[0].lot)) {
			/* One record at a time, the first child would set the new
			 * container's level and lot; let EVENTS do that. */
			result = cmd_reject(ctx, "children differ in level or lot") + 1;
		} else
		if (!new_parent && kids[i].id == parent.id) {
			result = cmd_reject(ctx, "%s cannot be packed into itself", unit_text(&kids[i], kt)) + 1;
		} else if (kids[i].parent) {
			struct unit p;
			char ptext[CODE_TEXT_MAX] = "?";
			if (units_get(ctx->txn, kids[i].parent, &p) == 0)
				code_text(p.key, p.key_len, ptext);
			result = cmd_reject(ctx, "code %zu (%s) is already packed in %s; unpack it "
					"first", i + 2, unit_text(&kids[i], kt), ptext) + 1;
		} else if (not_movable(ctx, &kids[i], site, why, sizeof why)) {
			result = cmd_reject(ctx, "code %zu (%s) %s", i + 2, unit_text(&kids[i], kt),
					not_movable(ctx, &kids[i], site, why, sizeof why)) + 1;
		} else if (kids[i].dispensed) {
			result = cmd_reject(ctx, "code %zu (%s) is an opened pack, partly dispensed",
					i + 2, unit_text(&kids[i], kt)) + 1;
		} else if (!new_parent && kids[i].level >= parent.level) {
			result = cmd_reject(ctx, "code %zu (%s) is level %u; %s is level %u: a "
					"container must be of a higher level than what it holds",
					i + 2, unit_text(&kids[i], kt), kids[i].level, text, parent.level) + 1;
		} else if (!new_parent) {
			bool cycle;
			if ((rc = is_ancestor(ctx->txn, kids[i].id, &parent, &cycle)) != 0)
				result = rc;
			else if (cycle)
				result = cmd_reject(ctx, "code %zu (%s) contains %s: packing would make "
						"a cycle", i + 2, unit_text(&kids[i], kt), text) + 1;
		}
	}
	if (!result && top >= 4)
		result = cmd_reject(ctx, "pallets (level 4) are the outermost level") + 1;
	if (!result && !new_parent && not_movable(ctx, &parent, site, why, sizeof why))
		result = cmd_reject(ctx, "container %s %s", text,
				not_movable(ctx, &parent, site, why, sizeof why)) + 1;
	if (!result && !new_parent && parent.status != UNIT_ACTIVE)
		result = cmd_reject(ctx, "container %s is not active", text) + 1;
	/* What the container (and those around it) will carry, per lot. */
	struct tally_load delta = { .n = 0 }, carried;
	for (size_t i = 0; i < n && !result; i++) {
		if ((rc = tally_carried(ctx->txn, &kids[i], &carried)) != 0)
			result = rc;
		else if (tally_load_add(&delta, &carried) != 0)
			result = cmd_reject(ctx, "a container holds units of at most %d lots",
					TALLY_LOTS_MAX) + 1;
	}
	if (!result && !new_parent) {
		bool fits;
		if ((rc = tally_pack_fits(ctx->txn, parent.id, &delta, &fits)) != 0)
			result = rc;
		else if (!fits)
			result = cmd_reject(ctx, "container %s would hold units of more than %d "
					"lots", text, TALLY_LOTS_MAX) + 1;
	}
	if (result) {
		free(kids);
		return result == 1 ? 0 : result;
	}

	struct event e = { .kind = EV_PACK, .time_ms = when, .site = site, .count = (uint32_t)n };
	if (new_parent) {
		uint64_t id;
		if ((rc = store_next_ids64(ctx->txn, "unit", 1, &id)) != 0) {
			free(kids);
			return rc;
		}
		memset(&parent, 0, sizeof parent);
		parent.id = id;
		parent.level = (uint8_t)(top + 1);
		parent.status = UNIT_ACTIVE;
		parent.holder = site;
		parent.lot = lot;
		parent.key_len = pr.cr_key_len;
		memcpy(parent.key, pr.cr_key, pr.cr_key_len);
	}
	e.unit = parent.id;
	if ((rc = events_add(ctx->txn, &e, parent.id)) != 0) {
		free(kids);
		return rc;
	}
	if (new_parent) {
		parent.commission_seq = parent.last_seq = e.seq;
		rc = units_add(ctx->txn, &parent);
		if (rc == 0 && lot)
			rc = units_lot_add(ctx->txn, lot, parent.id);
	}
	for (size_t i = 0; i < n && rc == 0; i++) {
		kids[i].parent = parent.id;
		rc = record_change(ctx, &kids[i], e.seq);
	}
	if (rc == 0)
		rc = units_link_all(ctx->txn, parent.id, kids, n, new_parent);
	free(kids);
	if (rc == 0)	/* the children stay where they were, now inside */
		rc = tally_pack(ctx->txn, parent.id, &delta, +1, when);
	if (rc)
		return rc;
	reply_done(ctx, e.seq, n);
	return 0;
}

int cmd_events_varying_word(enum cmd_id id, int argc, const struct resp_arg *argv)
{
	switch (id) {
	/* Only the first words matter: a record of many codes is not one. */
	case CMD_COMMISSION:
		return args_first_option(argc < 3 ? argc : 3, argv, 1, commission_opts, C_N) == 2;
	case CMD_PACK:
		return args_first_option(argc < 4 ? argc : 4, argv, 1, pack_opts, P_N) == 3 ? 2 : 0;
	default:
		return 0;
	}
}

static int collect_child(void *arg, uint64_t child)
{
	struct { uint64_t *ids; size_t n, cap; } *c = arg;
	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 64;
		c->ids = xrealloc(c->ids, c->cap * sizeof *c->ids);
	}
	c->ids[c->n++] = child;
	return 0;
}

int cmd_unpack(struct cmd_ctx *ctx)
{
	struct args_opt o[P_N];
	memcpy(o, pack_opts, sizeof o);
	char err[300], text[CODE_TEXT_MAX], why[160];
	int end = args_first_option(ctx->argc, ctx->argv, 1, o, P_N);
	if (end < 2)
		return cmd_reject(ctx, "give the container's code (and, optionally, which codes to "
			      "take out)");
	if (args_options(ctx->argc, ctx->argv, end, o, P_N, err, sizeof err) != 0)
		return cmd_reject(ctx, "%s", err);
	uint32_t site;
	int64_t when;
	int rc;
	if ((rc = site_opt(ctx, &o[P_SITE], &site)) != 0 || (rc = event_time(ctx, &o[P_TIME], &when)))
		return rc == 1 ? 0 : rc;
	struct unit *parent;
	if ((rc = load_units(ctx, 1, 2, &parent)) != 0)
		return rc == 1 ? 0 : rc;
	struct unit p = *parent;
	free(parent);
	code_text(p.key, p.key_len, text);
	if (not_movable(ctx, &p, site, why, sizeof why))
		return cmd_reject(ctx, "container %s %s", text, not_movable(ctx, &p, site, why, sizeof why));

	struct unit *kids = NULL;
	size_t n;
	if (end > 2) {
		if ((rc = load_units(ctx, 2, end, &kids)) != 0)
			return rc == 1 ? 0 : rc;
		n = (size_t)(end - 2);
		for (size_t i = 0; i < n; i++)
			if (kids[i].parent != p.id) {
				char kt[CODE_TEXT_MAX];
				unit_text(&kids[i], kt);
				free(kids);
				return cmd_reject(ctx, "code %zu (%s) is not packed in %s", i + 2, kt, text);
			}
	} else {
		struct { uint64_t *ids; size_t n, cap; } c = { 0 };
		if ((rc = units_children(ctx->txn, p.id, collect_child, &c)) != 0) {
			free(c.ids);
			return rc;
		}
		n = c.n;
		if (n == 0) {
			free(c.ids);
			return cmd_reject(ctx, "%s holds nothing", text);
		}
		kids = xcalloc(n, sizeof *kids);
		for (size_t i = 0; i < n && rc == 0; i++)
			rc = units_get(ctx->txn, c.ids[i], &kids[i]);
		free(c.ids);
		if (rc) {
			free(kids);
			return rc;
		}
	}
	struct unit_place place;
	if ((rc = units_place(ctx->txn, &p, &place)) != 0) {
		free(kids);
		return rc;
	}
	struct event e = { .kind = EV_UNPACK, .time_ms = when, .site = site, .unit = p.id,
			   .count = (uint32_t)n };
	if ((rc = events_add(ctx->txn, &e, p.id)) != 0) {
		free(kids);
		return rc;
	}
	struct tally_load delta = { .n = 0 }, carried;
	for (size_t i = 0; i < n && rc == 0; i++) {
		if ((rc = tally_carried(ctx->txn, &kids[i], &carried)) != 0)
			break;
		tally_load_add(&delta, &carried);	/* within p's summary: fits */
		kids[i].parent = 0;
		kids[i].holder = place.holder;
		if (kids[i].status != UNIT_DISPENSED && kids[i].status != UNIT_DESTROYED)
			kids[i].status = UNIT_ACTIVE;
		if ((rc = record_change(ctx, &kids[i], e.seq)) == 0)
			rc = units_unlink(ctx->txn, p.id, kids[i].id);
	}
	free(kids);
	if (rc == 0)	/* out where the container is: only the summaries change */
		rc = tally_pack(ctx->txn, p.id, &delta, -1, when);
	if (rc)
		return rc;
	reply_done(ctx, e.seq, n);
	return 0;
}

/* ------------------------------------------------ SHIP / RETURN / DESTROY */

/* A site returning units of a recalled lot: counted for the recall. */
static int count_recall_return(struct cmd_ctx *ctx, const struct unit *u, uint32_t site)
{
	struct tally_load ld;
	int rc = tally_carried(ctx->txn, u, &ld);
	for (size_t i = 0; rc == 0 && i < ld.n; i++) {
		struct lot l;
		struct tally_recall r;
		if ((rc = lots_get(ctx->txn, ld.part[i].lot, &l)) != 0)
			break;
		if (l.status != LOT_RECALLED || ld.part[i].count[0] == 0)
			continue;
		if ((rc = tally_recall_get(ctx->txn, l.num, site, &r)) != 0)
			break;
		if (r.recall_seq != l.recall_seq)	/* first news of this recall */
			r = (struct tally_recall){ .recall_seq = l.recall_seq };
		r.returned += ld.part[i].count[0];
		rc = tally_recall_put(ctx->txn, l.num, site, &r);
	}
	return rc;
}

enum { M_FROM, M_TO, M_REF, M_TIME, M_N };

static int ship(struct cmd_ctx *ctx, uint8_t kind)
{
	struct args_opt o[M_N] = { { "FROM", 0 }, { "TO", 0 }, { "REF", 0 }, { "TIME", 0 } };
	char err[300], why[160];
	int end = args_first_option(ctx->argc, ctx->argv, 1, o, M_N);
	if (end == 1)
		return cmd_reject(ctx, "no codes given");
	if (args_options(ctx->argc, ctx->argv, end, o, M_N, err, sizeof err) != 0)
		return cmd_reject(ctx, "%s", err);
	uint32_t from, to;
	int64_t when;
	int rc;
	if (check_ref(ctx, &o[M_REF]))
		return 0;
	if ((rc = site_opt(ctx, &o[M_FROM], &from)) != 0 || (rc = site_opt(ctx, &o[M_TO], &to)) ||
	    (rc = event_time(ctx, &o[M_TIME], &when)))
		return rc == 1 ? 0 : rc;
	if (from == to)
		return cmd_reject(ctx, "FROM and TO are the same site");
	struct unit *u;
	if ((rc = load_units(ctx, 1, end, &u)) != 0)
		return rc == 1 ? 0 : rc;
	size_t n = (size_t)(end - 1);
	for (size_t i = 0; i < n; i++) {
		char t[CODE_TEXT_MAX];
		if (u[i].parent) {
			struct unit p;
			char pt[CODE_TEXT_MAX] = "?";
			if (units_get(ctx->txn, u[i].parent, &p) == 0)
				code_text(p.key, p.key_len, pt);
			int refused = cmd_reject(ctx, "code %zu (%s) is packed in %s: ship the "
						 "container, or unpack it first", i + 1,
						 unit_text(&u[i], t), pt);
			free(u);
			return refused;
		}
		if (not_movable(ctx, &u[i], from, why, sizeof why)) {
			cmd_reject(ctx, "code %zu (%s) %s", i + 1, unit_text(&u[i], t),
			       not_movable(ctx, &u[i], from, why, sizeof why));
			free(u);
			return 0;
		}
	}
	struct event e = { .kind = kind, .time_ms = when, .site = from, .other = to,
			   .unit = n == 1 ? u[0].id : 0, .count = (uint32_t)n };
	set_ref(&e, &o[M_REF]);
	if ((rc = events_add(ctx->txn, &e, 0)) != 0) {
		free(u);
		return rc;
	}
	struct warnings w = { 0 };
	for (size_t i = 0; i < n && rc == 0; i++) {
		struct tally_place was;
		struct tally_load ld;
		if ((rc = bucket_of(ctx, &u[i], &was)) != 0)
			break;
		u[i].status = UNIT_IN_TRANSIT;
		u[i].holder = from;
		u[i].dest = to;
		u[i].flags = (uint8_t)((u[i].flags & ~UNIT_F_RETURNING) |
				       (kind == EV_RETURN ? UNIT_F_RETURNING : 0));
		if ((rc = record_change(ctx, &u[i], e.seq)) == 0)
			rc = tally_moved(ctx, &u[i], &was, NULL, when, &ld);
		if (rc == 0 && kind == EV_RETURN)
			rc = count_recall_return(ctx, &u[i], from);
		else if (rc == 0)	/* a return of bad stock is what should happen */
			rc = warn_stock(ctx, &ld, when, from, AFTER_SHIPPED, &w);
	}
	free(u);
	if (rc)
		return rc;
	reply_moved(ctx, e.seq, n, 0, &w);
	reply_warnings(ctx, &w);
	return 0;
}

int cmd_ship(struct cmd_ctx *ctx)
{
	return ship(ctx, EV_SHIP);
}

int cmd_return(struct cmd_ctx *ctx)
{
	return ship(ctx, EV_RETURN);
}

enum { R_SITE, R_FROM, R_REF, R_TIME, R_N };

int cmd_receive(struct cmd_ctx *ctx)
{
	struct args_opt o[R_N] = { { "SITE", 0 }, { "FROM", 0 }, { "REF", 0 }, { "TIME", 0 } };
	char err[300];
	int end = args_first_option(ctx->argc, ctx->argv, 1, o, R_N);
	if (end == 1)
		return cmd_reject(ctx, "no codes given");
	if (args_options(ctx->argc, ctx->argv, end, o, R_N, err, sizeof err) != 0)
		return cmd_reject(ctx, "%s", err);
	uint32_t site, from = 0;
	int64_t when;
	int rc;
	if (check_ref(ctx, &o[R_REF]))
		return 0;
	if ((rc = site_opt(ctx, &o[R_SITE], &site)) != 0 ||
	    (o[R_FROM].val && (rc = site_opt(ctx, &o[R_FROM], &from)) != 0) ||
	    (rc = event_time(ctx, &o[R_TIME], &when)))
		return rc == 1 ? 0 : rc;
	struct unit *u;
	if ((rc = load_units(ctx, 1, end, &u)) != 0)
		return rc == 1 ? 0 : rc;
	size_t n = (size_t)(end - 1), diverted = 0;
	uint32_t sender = u[0].holder;
	for (size_t i = 0; i < n; i++) {
		char t[CODE_TEXT_MAX], s1[80];
		if (u[i].parent) {
			int refused = cmd_reject(ctx, "code %zu (%s) is packed: receive its "
						 "container", i + 1, unit_text(&u[i], t));
			free(u);
			return refused;
		}
		if (u[i].status != UNIT_IN_TRANSIT) {
			int refused = cmd_reject(ctx, "code %zu (%s) is not in transit (receive "
						 "before ship?)", i + 1, unit_text(&u[i], t));
			free(u);
			return refused;
		}
		if (from && u[i].holder != from) {
			args_site_name(ctx->txn, u[i].holder, s1, sizeof s1);
			int refused = cmd_reject(ctx, "code %zu (%s) was shipped by %s, not by the "
						 "FROM site", i + 1, unit_text(&u[i], t), s1);
			free(u);
			return refused;
		}
		if (u[i].holder != sender)
			sender = 0;	/* several senders: the event names none */
		diverted += u[i].dest != site;
	}
	struct event e = { .kind = EV_RECEIVE, .time_ms = when, .site = site, .other = sender,
			   .unit = n == 1 ? u[0].id : 0, .count = (uint32_t)n,
			   .flags = diverted ? EVENT_F_DIVERTED : 0 };
	set_ref(&e, &o[R_REF]);
	if ((rc = events_add(ctx->txn, &e, 0)) != 0) {
		free(u);
		return rc;
	}
	struct warnings w = { 0 };
	for (size_t i = 0; i < n && rc == 0; i++) {
		struct tally_load ld;
		bool returned = u[i].flags & UNIT_F_RETURNING;
		if (u[i].dest != site) {
			struct alert a = { .kind = ALERT_DIVERSION, .time_ms = when, .site = site,
					   .unit = u[i].id, .related = e.seq,
					   .key_len = u[i].key_len };
			memcpy(a.key, u[i].key, u[i].key_len);
			if ((rc = alerts_add(ctx->txn, &a)) != 0)
				break;
			u[i].flags |= UNIT_F_DIVERTED;
		}
		struct tally_place was, edge = {
			u[i].flags & UNIT_F_RETURNING ? TALLY_RETURNED : TALLY_RECEIVED,
			site, u[i].holder };
		if ((rc = bucket_of(ctx, &u[i], &was)) != 0)
			break;
		u[i].status = UNIT_ACTIVE;
		u[i].holder = site;
		u[i].dest = 0;
		u[i].flags &= (uint8_t)~UNIT_F_RETURNING;
		if ((rc = record_change(ctx, &u[i], e.seq)) == 0)
			rc = tally_moved(ctx, &u[i], &was, &edge, when, &ld);
		if (rc == 0 && !returned)
			rc = warn_stock(ctx, &ld, when, site, AFTER_RECEIVED, &w);
	}
	free(u);
	if (rc)
		return rc;
	reply_moved(ctx, e.seq, n, 1, &w);
	resp_cstr(ctx->out, "diverted");
	resp_int(ctx->out, (int64_t)diverted);
	reply_warnings(ctx, &w);
	return 0;
}

enum { D_SITE, D_REF, D_TIME, D_N };

int cmd_destroy(struct cmd_ctx *ctx)
{
	struct args_opt o[D_N] = { { "SITE", 0 }, { "REF", 0 }, { "TIME", 0 } };
	char err[300], why[160];
	int end = args_first_option(ctx->argc, ctx->argv, 1, o, D_N);
	if (end == 1)
		return cmd_reject(ctx, "no codes given");
	if (args_options(ctx->argc, ctx->argv, end, o, D_N, err, sizeof err) != 0)
		return cmd_reject(ctx, "%s", err);
	uint32_t site;
	int64_t when;
	int rc;
	if (check_ref(ctx, &o[D_REF]))
		return 0;
	if ((rc = site_opt(ctx, &o[D_SITE], &site)) != 0 || (rc = event_time(ctx, &o[D_TIME], &when)))
		return rc == 1 ? 0 : rc;
	struct unit *u;
	if ((rc = load_units(ctx, 1, end, &u)) != 0)
		return rc == 1 ? 0 : rc;
	size_t n = (size_t)(end - 1);
	for (size_t i = 0; i < n; i++)
		if (not_movable(ctx, &u[i], site, why, sizeof why)) {
			char t[CODE_TEXT_MAX];
			unit_text(&u[i], t);
			cmd_reject(ctx, "code %zu (%s) %s", i + 1, t,
			       not_movable(ctx, &u[i], site, why, sizeof why));
			free(u);
			return 0;
		}
	struct event e = { .kind = EV_DESTROY, .time_ms = when, .site = site,
			   .unit = n == 1 ? u[0].id : 0, .count = (uint32_t)n };
	set_ref(&e, &o[D_REF]);
	if ((rc = events_add(ctx->txn, &e, 0)) != 0) {
		free(u);
		return rc;
	}
	for (size_t i = 0; i < n && rc == 0; i++) {
		struct tally_place was;
		if ((rc = bucket_of(ctx, &u[i], &was)) != 0)
			break;
		if (u[i].parent) {	/* it leaves its container, as a sold pack does */
			struct tally_load ld;
			if ((rc = tally_carried(ctx->txn, &u[i], &ld)) != 0 ||
			    (rc = tally_pack(ctx->txn, u[i].parent, &ld, -1, when)) != 0 ||
			    (rc = units_unlink(ctx->txn, u[i].parent, u[i].id)) != 0)
				break;
			u[i].parent = 0;
		}
		u[i].status = UNIT_DESTROYED;
		u[i].holder = site;
		u[i].dest = 0;
		struct tally_load ld;
		if ((rc = record_change(ctx, &u[i], e.seq)) == 0)
			rc = tally_moved(ctx, &u[i], &was, NULL, when, &ld);
	}
	free(u);
	if (rc)
		return rc;
	reply_done(ctx, e.seq, n);
	return 0;
}
