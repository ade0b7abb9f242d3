/*
 * cmd_lists — the listings of issue 21: STOCK (what a site holds, by lot,
 * from the lots' counters), PRODUCT LIST and SITE LIST (master data),
 * LOTS (a product's lots with their counts), CONTENTS (what a container
 * holds, at any depth) and RISK (sites ranked for inspection).  Read only.
 * Each listing is paged like CODES: AFTER the cursor an earlier reply gave
 * as `next`, COUNT rows; `next` null at the end.
 */
#include "alerts.h"
#include "args.h"
#include "cmd.h"
#include "code_util.h"
#include "config.h"
#include "lots.h"
#include "master.h"
#include "named.h"
#include "parse.h"
#include "sales.h"
#include "store.h"
#include "tally.h"
#include "units.h"
#include "verdict.h"
#include "view.h"
#include "xmem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LIST_DEFAULT 1000	/* rows a page shows without COUNT */
#define RISK_DEFAULT 20		/* sites RISK ranks without LIMIT */

static void put_int(struct resp_out *o, const char *k, int64_t v)
{
	resp_cstr(o, k);
	resp_int(o, v);
}

static void put_str(struct resp_out *o, const char *k, const char *v, size_t n)
{
	resp_cstr(o, k);
	resp_bulk(o, v, n);
}

static uint32_t page_count(const struct cmd *c)
{
	return cmd_has(c, OPT_COUNT) ? c->opt[OPT_COUNT].v.n : LIST_DEFAULT;
}

/* AFTER as a number (a lot number, a position): 0 without it, -1 bad. */
static int cursor_num(const struct cmd *c, uint64_t *n)
{
	const struct resp_arg *a = c->opt[OPT_AFTER].arg;
	char num[24], *end;
	*n = 0;
	if (a == NULL)
		return 0;
	if (a->len == 0 || a->len >= sizeof num || a->ptr[0] < '0' || a->ptr[0] > '9')
		return -1;
	memcpy(num, a->ptr, a->len);
	num[a->len] = '\0';
	*n = strtoull(num, &end, 10);
	return *end ? -1 : 0;
}

static enum cmd_status bad_cursor(struct cmd_ctx *ctx)
{
	return cmd_refuse(ctx, "AFTER must be a cursor from an earlier reply's next");
}

static void put_next_num(struct resp_out *o, bool more, uint64_t next)
{
	char buf[24];
	resp_cstr(o, "next");
	if (!more) {
		resp_null(o);
		return;
	}
	snprintf(buf, sizeof buf, "%llu", (unsigned long long)next);
	resp_cstr(o, buf);
}

/* The fields of a master record as a map, with its id first. */
static void put_master(struct resp_out *o, const struct master_kind *k, const char *id,
		       const struct master_rec *rec)
{
	int n = master_nfields(k), set = 0;
	for (int i = 0; i < n; i++)
		set += rec->val[i] != NULL;
	resp_map(o, 1 + set);
	put_str(o, "id", id, strlen(id));
	for (int i = 0; i < n; i++)
		if (rec->val[i])
			put_str(o, master_field_name(k, i), rec->val[i], rec->len[i]);
}

static bool field_is(const struct master_rec *rec, int f, const struct resp_arg *want, bool prefix)
{
	if (want == NULL)
		return true;
	if (f < 0 || rec->val[f] == NULL)
		return false;
	return prefix ? rec->len[f] >= want->len && memcmp(rec->val[f], want->ptr, want->len) == 0
		      : rec->len[f] == want->len && memcmp(rec->val[f], want->ptr, want->len) == 0;
}

/* Does a site record pass SITE LIST's filters: KIND, REGION, and (today
 * not 0) a licence that expired before today, as licence_expired judges? */
static bool site_passes(const struct master_rec *rec, int fk, const struct resp_arg *kind,
			int fr, const struct resp_arg *region, uint32_t today)
{
	uint32_t until = today ? master_licence_until(rec) : 0;
	return field_is(rec, fk, kind, false) && field_is(rec, fr, region, true) &&
	       (today == 0 || (until != 0 && today > until));
}

/* PRODUCT LIST / SITE LIST [KIND k] [REGION r] [EXPIRED]: in id order; the
 * cursor is the last id shown.  today: EXPIRED's date (0: no such filter). */
static enum cmd_status master_list(struct cmd_ctx *ctx, const struct master_kind *k,
				   enum store_db db, uint32_t today)
{
	const struct cmd *c = ctx->cmd;
	const struct resp_arg *after = c->opt[OPT_AFTER].arg;
	const struct resp_arg *kind = c->opt[OPT_KIND].arg, *region = c->opt[OPT_REGION].arg;
	uint32_t want = page_count(c);
	struct store_txn *t;
	struct store_cursor *cur;
	const void *key, *val;
	size_t kl, vl;
	int rc = cmd_read_txn(ctx, &t);
	if (rc || (rc = store_cursor_open(t, db, &cur)) != 0)
		return cmd_failed(ctx, rc);
	if (after && (after->len == 0 || after->len > MASTER_ID_MAX)) {
		store_cursor_close(cur);
		return bad_cursor(ctx);
	}
	/* Rows are gathered first: a map's length goes before it. */
	char (*ids)[MASTER_ID_MAX + 1] = xmalloc((size_t)want * sizeof *ids);
	uint32_t n = 0;
	bool more = false;
	int fk = master_field_index(k, "kind"), fr = master_field_index(k, "region");
	rc = store_cursor_seek(cur, after ? after->ptr : "", after ? after->len : 0, &key, &kl,
			       &val, &vl);
	if (rc == 0 && after && kl == after->len && memcmp(key, after->ptr, kl) == 0)
		rc = store_cursor_next(cur, &key, &kl, &val, &vl);
	for (; rc == 0; rc = store_cursor_next(cur, &key, &kl, &val, &vl)) {
		struct master_rec rec;
		char id[MASTER_ID_MAX + 1];
		if (kl == 0 || kl > MASTER_ID_MAX)
			continue;
		memcpy(id, key, kl);
		id[kl] = '\0';
		if ((kind || region || today) &&
		    ((rc = master_load(t, k, id, &rec)) != 0 ||
		     !site_passes(&rec, fk, kind, fr, region, today))) {
			if (rc)
				break;
			continue;
		}
		if (n == want) {
			more = true;
			break;
		}
		memcpy(ids[n++], id, kl + 1);
	}
	store_cursor_close(cur);
	if (rc && rc != STORE_NOTFOUND) {
		free(ids);
		return cmd_failed(ctx, rc);
	}
	struct resp_out *o = ctx->out;
	resp_map(o, 2);
	resp_cstr(o, k == &master_site ? "sites" : "products");
	resp_array(o, n);
	for (uint32_t i = 0; i < n; i++) {
		struct master_rec rec;
		if ((rc = master_load(t, k, ids[i], &rec)) != 0)
			break;	/* the reply is cut short; the store error is logged */
		put_master(o, k, ids[i], &rec);
	}
	resp_cstr(o, "next");
	if (more && n)
		resp_cstr(o, ids[n - 1]);
	else
		resp_null(o);
	free(ids);
	return CMD_DONE;
}

enum cmd_status cmd_product_list(struct cmd_ctx *ctx)
{
	return master_list(ctx, &master_product, DB_PRODUCTS, 0);
}

enum cmd_status cmd_site_list(struct cmd_ctx *ctx)
{
	const struct resp_arg *r = ctx->cmd->opt[OPT_REGION].arg, *k = ctx->cmd->opt[OPT_KIND].arg;
	if (r && (r->len < 2 || r->len > 6 || strspn(r->ptr, "0123456789") < r->len))
		return cmd_refuse(ctx, "REGION must be 2 to 6 digits of a region code (GB/T 2260: "
				  "11 a province, 1101 a city, 110105 a county), not '%.40s'",
				  r->ptr);
	static const char *const kinds[] = { "manufacturer", "distributor", "pharmacy",
					     "hospital", "regulator" };
	bool known = k == NULL;
	for (size_t i = 0; !known && i < sizeof kinds / sizeof kinds[0]; i++)
		known = strlen(kinds[i]) == k->len && memcmp(kinds[i], k->ptr, k->len) == 0;
	if (!known)
		return cmd_refuse(ctx, "KIND must be manufacturer, distributor, pharmacy, hospital "
				  "or regulator, not '%.40s'", k->ptr);
	uint32_t today = ctx->cmd->opt[OPT_EXPIRED].arg != NULL ?
			 verdict_today(ctx->cfg, ctx->cmd->when_ms) : 0;
	return master_list(ctx, &master_site, DB_SITES, today);
}

/* A lot's row of counts: where its units are, summed over its sites. */
struct lot_counts {
	uint64_t stock, transit, dispensed, destroyed, sites;
	uint32_t last_site;
};

static int count_row(void *arg, const struct tally_row *r, const struct tally_recall *rc)
{
	(void)rc;
	struct lot_counts *lc = arg;
	if (r->bucket > TALLY_DESTROYED)
		return 0;
	if (r->site != lc->last_site)
		lc->sites++, lc->last_site = r->site;
	uint64_t *to[] = { NULL, &lc->stock, &lc->transit, &lc->dispensed, &lc->destroyed };
	*to[r->bucket] += r->count[0];
	return 0;
}

/* LOTS PRODUCT p [AFTER cursor] [COUNT n]: in lot-name order; the cursor
 * is the position of the next lot. */
enum cmd_status cmd_lots(struct cmd_ctx *ctx)
{
	const struct cmd *c = ctx->cmd;
	struct store_txn *t;
	struct outcome out = { 0 };
	char pid[MASTER_ID_MAX + 1], date[11];
	uint32_t pnum, *nums = NULL;
	size_t n = 0;
	uint64_t from;
	int rc = cmd_read_txn(ctx, &t);
	if (rc)
		return cmd_failed(ctx, rc);
	if (cursor_num(c, &from) != 0)
		return bad_cursor(ctx);
	enum cmd_status st = named_product(t, c->opt[OPT_PRODUCT].arg, &pnum, pid, &out);
	if ((st = cmd_outcome(ctx, st, &out)) != CMD_DONE)
		return st;
	if ((rc = lots_of_product(t, pnum, &nums, &n)) != 0)
		return cmd_failed(ctx, rc);
	size_t end = from >= n ? n : (size_t)from + page_count(c);
	if (end > n)
		end = n;
	size_t first = from >= n ? n : (size_t)from;
	struct resp_out *o = ctx->out;
	resp_map(o, 3);
	put_str(o, "product", pid, strlen(pid));
	resp_cstr(o, "lots");
	resp_array(o, end - first);
	for (size_t i = first; i < end; i++) {
		struct lot l;
		struct lot_counts lc = { 0 };
		if ((rc = lots_get(t, nums[i], &l)) != 0 ||
		    (rc = tally_each(t, l.num, count_row, &lc)) != 0)
			break;	/* cut short; logged */
		bool recalled = l.status == LOT_RECALLED;
		resp_map(o, 10);
		put_str(o, "lot", l.name, l.name_len);
		args_format_date(l.expiry, date);
		put_str(o, "expiry", date, strlen(date));
		put_str(o, "status", recalled ? "recalled" : "active", recalled ? 8 : 6);
		resp_cstr(o, "level");
		if (recalled)
			resp_int(o, l.recall_level);
		else
			resp_null(o);
		put_int(o, "units", (int64_t)(lc.stock + lc.transit + lc.dispensed + lc.destroyed));
		put_int(o, "in_stock", (int64_t)lc.stock);
		put_int(o, "in_transit", (int64_t)lc.transit);
		put_int(o, "dispensed", (int64_t)lc.dispensed);
		put_int(o, "destroyed", (int64_t)lc.destroyed);
		put_int(o, "sites", (int64_t)lc.sites);
	}
	put_next_num(o, end < n, end);
	free(nums);
	return CMD_DONE;
}

/*
 * Packs opened at a site (STOCK's `opened`), counted on read: level-1
 * units of the lot the site holds partly sold — some but not all of their
 * units (units_per_pack, or a lot-level record's quantity) dispensed; sold
 * out, they are no longer held.  Only a product selling split packs
 * (units_per_pack above 1) can have one, and only at a site that has sold
 * from the lot (an opened pack counts as dispensed there, tally.h): then
 * the lot's units are read, one unit record each.  Otherwise it costs
 * nothing but the product's record (read once per product on a page) and
 * one counter.
 */
struct opened_walk {
	struct store_txn *t;
	uint32_t site, upp, n;
};

static int opened_unit(void *arg, uint64_t id)
{
	struct opened_walk *w = arg;
	struct unit u;
	int rc = units_get(w->t, id, &u);
	if (rc)
		return rc;
	uint32_t limit = u.quantity ? u.quantity : w->upp;
	w->n += u.level == 1 && u.status == UNIT_ACTIVE && u.holder == w->site &&
		u.dispensed > 0 && u.dispensed < limit;
	return 0;
}

/* A product's units per pack, the last one read kept. */
struct upp_cache {
	uint32_t product, upp;
};

static int units_per_pack(struct store_txn *t, uint32_t product, struct upp_cache *c)
{
	if (c->product == product && c->upp)
		return 0;
	char id[MASTER_ID_MAX + 1];
	struct master_rec rec;
	int rc = master_load_num(t, &master_product, product, id, &rec);
	if (rc && rc != STORE_NOTFOUND)
		return rc;
	c->product = product;
	c->upp = rc == 0 ? master_units_per_pack(&rec) : 1;
	return 0;
}

/* The packs of lot l opened at site, into *opened (see above). */
static int stock_opened(struct store_txn *t, const struct lot *l, uint32_t site,
			struct upp_cache *c, uint32_t *opened)
{
	*opened = 0;
	int rc = units_per_pack(t, l->product, c);
	if (rc || c->upp <= 1)
		return rc;
	struct tally_place sold = { .bucket = TALLY_DISPENSED, .site = site };
	struct tally_row r;
	if ((rc = tally_get(t, l->num, &sold, &r)) != 0)
		return rc == STORE_NOTFOUND ? 0 : rc;
	struct opened_walk w = { .t = t, .site = site, .upp = c->upp };
	if ((rc = units_of_lot(t, l->num, 0, opened_unit, &w)) == 0)
		*opened = w.n;
	return rc;
}

/* STOCK SITE s [PRODUCT p] [AFTER cursor] [COUNT n]: the lots the site
 * holds units, containers or opened packs of, in lot-number order; the
 * cursor is the last lot number shown.  One counter row read per lot of
 * the store (or of the product), a second where the site holds none of a
 * split-pack product's lot, and the opened packs (stock_opened). */
enum cmd_status cmd_stock(struct cmd_ctx *ctx)
{
	const struct cmd *c = ctx->cmd;
	struct store_txn *t;
	struct outcome out = { 0 };
	char err[300], pid[MASTER_ID_MAX + 1], date[11];
	uint32_t site, pnum = 0;
	uint64_t after;
	int rc = cmd_read_txn(ctx, &t);
	if (rc)
		return cmd_failed(ctx, rc);
	if (cursor_num(c, &after) != 0)
		return bad_cursor(ctx);
	rc = args_site(t, c->opt[OPT_SITE].arg, &site, err, sizeof err);
	if (rc == -1)
		return cmd_refuse(ctx, "SITE %s", err);
	if (rc)
		return cmd_failed(ctx, rc);
	if (c->opt[OPT_PRODUCT].arg) {
		enum cmd_status st = named_product(t, c->opt[OPT_PRODUCT].arg, &pnum, pid, &out);
		if ((st = cmd_outcome(ctx, st, &out)) != CMD_DONE)
			return st;
	}
	struct row { struct lot l; struct tally_row r; uint32_t opened; } *rows;
	uint32_t want = page_count(c), n = 0;
	bool more = false;
	struct upp_cache upp = { 0 };
	rows = xmalloc((size_t)want * sizeof *rows);
	struct store_cursor *cur;
	const void *k, *v;
	size_t kl, vl;
	uint8_t start[4];
	code_put_be(start, (uint32_t)(after + 1), 4);
	if ((rc = store_cursor_open(t, DB_LOT_NUMS, &cur)) != 0) {
		free(rows);
		return cmd_failed(ctx, rc);
	}
	struct tally_place at = { .bucket = TALLY_STOCK, .site = site };
	for (rc = store_cursor_seek(cur, start, after ? 4 : 0, &k, &kl, &v, &vl); rc == 0;
	     rc = store_cursor_next(cur, &k, &kl, &v, &vl)) {
		if (kl != 4 || vl < 5)
			continue;
		uint32_t lot = (uint32_t)code_get_be(k, 4);
		if (pnum && (uint32_t)code_get_be(v, 4) != pnum)
			continue;
		struct tally_row r = { 0 };
		bool held = (rc = tally_get(t, lot, &at, &r)) == 0;
		if (rc && rc != STORE_NOTFOUND)
			break;
		if (!held)
			memset(&r, 0, sizeof r);
		rc = 0;
		if (held && n == want) {
			more = true;
			break;
		}
		struct lot l;
		if ((rc = lots_get(t, lot, &l)) != 0)
			break;
		uint32_t opened;
		if ((rc = stock_opened(t, &l, site, &upp, &opened)) != 0)
			break;
		if (!held && opened == 0)
			continue;	/* none of it here */
		if (n == want) {
			more = true;
			break;
		}
		rows[n].r = r;	/* zeroes when only opened packs are here */
		rows[n].l = l;
		rows[n].opened = opened;
		n++;
	}
	store_cursor_close(cur);
	if (rc && rc != STORE_NOTFOUND) {
		free(rows);
		return cmd_failed(ctx, rc);
	}
	struct resp_out *o = ctx->out;
	char sid[MASTER_ID_MAX + 1];
	resp_map(o, 3);
	if ((rc = view_site(t, site, sid)) != 0) {
		free(rows);
		return cmd_failed(ctx, rc);
	}
	put_str(o, "site", sid, strlen(sid));
	resp_cstr(o, "stock");
	resp_array(o, n);
	for (uint32_t i = 0; i < n; i++) {
		const struct lot *l = &rows[i].l;
		const struct tally_row *r = &rows[i].r;
		if (master_num_id(t, &master_product, l->product, pid) != 0)
			pid[0] = '\0';
		resp_map(o, 9);
		put_str(o, "product", pid, strlen(pid));
		put_str(o, "lot", l->name, l->name_len);
		args_format_date(l->expiry, date);
		put_str(o, "expiry", date, strlen(date));
		put_str(o, "status", l->status == LOT_RECALLED ? "recalled" : "active",
			l->status == LOT_RECALLED ? 8 : 6);
		put_int(o, "units", r->count[0]);
		put_int(o, "opened", rows[i].opened);
		put_int(o, "middle_packs", r->count[1]);
		put_int(o, "cases", r->count[2]);
		put_int(o, "pallets", r->count[3]);
	}
	put_next_num(o, more, n ? rows[n - 1].l.num : 0);
	free(rows);
	return CMD_DONE;
}

/* CONTENTS code: everything packed in a container, depth first, each with
 * its level, depth and container; the cursor is the position. */
struct contents_walk {
	struct store_txn *t;
	uint64_t skip, pos;
	uint32_t want, n;
	uint64_t *id, *parent;
	uint8_t *depth;
	uint8_t cur_depth;
	uint64_t cur_parent;
	bool more;
	int rc;
};

static int visit_child(void *arg, uint64_t child)
{
	struct contents_walk *w = arg;
	if (w->n == w->want) {
		w->more = true;
		return 1;
	}
	if (w->pos++ >= w->skip) {
		w->id[w->n] = child;
		w->parent[w->n] = w->cur_parent;
		w->depth[w->n++] = w->cur_depth;
	}
	if (w->cur_depth >= 8)
		return 0;
	uint64_t parent = w->cur_parent;
	w->cur_parent = child;
	w->cur_depth++;
	int rc = units_children(w->t, child, visit_child, w);
	w->cur_depth--;
	w->cur_parent = parent;
	if (rc && rc != 1)
		w->rc = rc;
	return rc != 0;
}

enum cmd_status cmd_contents(struct cmd_ctx *ctx)
{
	const struct cmd *c = ctx->cmd;
	const struct code_result *code = &c->codes[0];
	struct store_txn *t;
	struct unit u;
	uint64_t skip;
	int rc = cmd_read_txn(ctx, &t);
	if (rc)
		return cmd_failed(ctx, rc);
	if (cursor_num(c, &skip) != 0)
		return bad_cursor(ctx);
	if (code->cr_err != CODE_OK)
		return cmd_refuse(ctx, "%s", code->cr_msg);
	if ((rc = units_find(t, code->cr_key, code->cr_key_len, &u)) == STORE_NOTFOUND)
		return cmd_refuse(ctx, "the code is not commissioned");
	if (rc)
		return cmd_failed(ctx, rc);
	struct contents_walk w = { .t = t, .skip = skip, .want = page_count(c),
				   .cur_parent = u.id, .cur_depth = 1 };
	w.id = xmalloc(w.want * sizeof *w.id);
	w.parent = xmalloc(w.want * sizeof *w.parent);
	w.depth = xmalloc(w.want);
	rc = units_children(t, u.id, visit_child, &w);
	if (w.rc || (rc && rc != 1)) {
		free(w.id), free(w.parent), free(w.depth);
		return cmd_failed(ctx, w.rc ? w.rc : rc);
	}
	rc = 0;		/* 1: the walk stopped at a full page */
	struct resp_out *o = ctx->out;
	char text[CODE_TEXT_MAX];
	resp_map(o, 4);
	view_code(u.key, u.key_len, text);
	put_str(o, "code", text, strlen(text));
	put_int(o, "level", u.level);
	resp_cstr(o, "contents");
	resp_array(o, w.n);
	for (uint32_t i = 0; i < w.n && rc == 0; i++) {
		struct unit k;
		char ptext[CODE_TEXT_MAX];
		if ((rc = units_get(t, w.id[i], &k)) != 0 ||
		    (rc = view_unit_code(t, w.parent[i], ptext)) != 0)
			break;	/* cut short; logged */
		view_code(k.key, k.key_len, text);
		resp_map(o, 4);
		put_str(o, "code", text, strlen(text));
		put_int(o, "level", k.level);
		put_int(o, "depth", w.depth[i]);
		put_str(o, "in", ptext, strlen(ptext));
	}
	put_next_num(o, w.more, skip + w.n);
	free(w.id), free(w.parent), free(w.depth);
	return CMD_DONE;
}

/* RISK [SINCE t] [REGION r] [LIMIT n]: per site, its alerts by kind, its
 * attempted sales of recalled or expired packs and its late recall
 * acknowledgements, per 1,000 sales; sites ranked by that rate, then by
 * the count.  Reads every alert since t, every sale record, every event
 * of the log (sales are counted from the DISPENSE events) and the recall
 * rows of recalled lots: its cost follows the size of the event log. */
enum risk_count { RK_DUP, RK_UNKNOWN, RK_DIVERSION, RK_COLD, RK_BADSALE, RK_LATE, RK__N };
static const char *const risk_names[RK__N] = {
	"duplicates", "unknown_codes", "diversions", "cold_chain_breaks",
	"recalled_or_expired_sales", "late_recall_acks",
};

struct risk_site {
	uint32_t site;
	uint64_t sales, count[RK__N], total;
	double per_1000;
};

struct risk {
	struct risk_site *s;
	size_t n;		/* indexed by site number */
	int64_t since;		/* SINCE, or 0 */
};

static struct risk_site *risk_at(struct risk *r, uint32_t site)
{
	if (site >= r->n) {
		size_t n = site + 1 > r->n * 2 ? site + 1 : r->n * 2;
		r->s = xrealloc(r->s, n * sizeof *r->s);
		memset(r->s + r->n, 0, (n - r->n) * sizeof *r->s);
		r->n = n;
	}
	r->s[site].site = site;
	return &r->s[site];
}

static int risk_alert(void *arg, const struct alert *a)
{
	const char *kind = alert_kind_name(a->kind);
	int k = a->kind == ALERT_DUPLICATE ? RK_DUP : a->kind == ALERT_UNKNOWN ? RK_UNKNOWN :
		a->kind == ALERT_DIVERSION ? RK_DIVERSION :
		strcmp(kind, "cold_chain_break") == 0 ? RK_COLD : -1;
	if (k >= 0 && a->site)
		risk_at(arg, a->site)->count[k]++;
	return 0;
}

/* Attempted sales of recalled or expired packs, from the sale records
 * (kept for a DISPENSE with TX, refused ones too). */
static int risk_bad_sales(struct store_txn *t, struct risk *r, int64_t since)
{
	struct store_cursor *cur;
	const void *k, *v;
	size_t kl, vl;
	int rc = store_cursor_open(t, DB_SALES, &cur);
	if (rc)
		return rc;
	for (rc = store_cursor_seek(cur, "", 0, &k, &kl, &v, &vl); rc == 0;
	     rc = store_cursor_next(cur, &k, &kl, &v, &vl)) {
		struct sale s;
		if (kl < 5 || sales_get(t, k, kl, &s) != 0)
			continue;
		if (!(s.reasons & (1u << R_RECALLED | 1u << R_EXPIRED)))
			continue;
		if (since) {	/* dated by the sale's event; a refused one has none */
			struct event e;
			if (s.seq == 0 || events_get(t, s.seq, &e) != 0 || e.time_ms < since)
				continue;
		}
		risk_at(r, (uint32_t)code_get_be(k, 4))->count[RK_BADSALE]++;
	}
	store_cursor_close(cur);
	return rc == STORE_NOTFOUND ? 0 : rc;
}

/* Sales, the rate's denominator: every DISPENSE since t, less those
 * undone (with or without TX: a sale record is kept only with one). */
static int risk_count_sale(void *arg, const struct event *e, const uint8_t *link)
{
	(void)link;
	struct risk *r = arg;
	if (e->time_ms >= r->since && e->site && e->kind == EV_DISPENSE)
		risk_at(r, e->site)->sales++;
	else if (e->time_ms >= r->since && e->site && e->kind == EV_UNDO &&
		 risk_at(r, e->site)->sales > 0)
		risk_at(r, e->site)->sales--;
	return 0;
}

struct late_walk { struct risk *r; uint64_t recall_seq; int64_t deadline, now; };

static int risk_late_row(void *arg, const struct tally_row *row, const struct tally_recall *rc)
{
	struct late_walk *w = arg;
	if (row->bucket != TALLY_RECALL || rc->recall_seq != w->recall_seq)
		return 0;
	if (rc->ack_seq ? rc->ack_ms > w->deadline : w->now > w->deadline)
		risk_at(w->r, row->site)->count[RK_LATE]++;
	return 0;
}

static int risk_late(struct store_txn *t, const struct config *cfg, struct risk *r, int64_t now)
{
	struct store_cursor *cur;
	const void *k, *v;
	size_t kl, vl;
	int rc = store_cursor_open(t, DB_LOT_NUMS, &cur);
	if (rc)
		return rc;
	for (rc = store_cursor_seek(cur, "", 0, &k, &kl, &v, &vl); rc == 0;
	     rc = store_cursor_next(cur, &k, &kl, &v, &vl)) {
		struct lot l;
		struct event e;
		if (kl != 4 || (rc = lots_get(t, (uint32_t)code_get_be(k, 4), &l)) != 0)
			break;
		if (l.status != LOT_RECALLED || l.recall_level < 1 || l.recall_level > 3)
			continue;
		if ((rc = events_get(t, l.recall_seq, &e)) != 0)
			break;
		struct late_walk w = { r, l.recall_seq,
			e.time_ms + (int64_t)cfg->recall_deadline[l.recall_level - 1] * 1000, now };
		if ((rc = tally_each(t, l.num, risk_late_row, &w)) != 0)
			break;
	}
	store_cursor_close(cur);
	return rc == STORE_NOTFOUND ? 0 : rc;
}

static int cmp_risk(const void *a, const void *b)
{
	const struct risk_site *x = a, *y = b;
	if (x->per_1000 != y->per_1000)
		return x->per_1000 > y->per_1000 ? -1 : 1;
	if (x->total != y->total)
		return x->total > y->total ? -1 : 1;
	return x->site < y->site ? -1 : x->site > y->site;
}

enum cmd_status cmd_risk(struct cmd_ctx *ctx)
{
	const struct cmd *c = ctx->cmd;
	const struct resp_arg *region = c->opt[OPT_REGION].arg;
	int64_t since = cmd_has(c, OPT_SINCE) ? c->opt[OPT_SINCE].v.ms : 0;
	uint32_t limit = cmd_has(c, OPT_LIMIT) ? c->opt[OPT_LIMIT].v.n : RISK_DEFAULT;
	struct store_txn *t;
	struct risk r = { .since = since };
	if (region && (region->len < 2 || region->len > 6 ||
		       strspn(region->ptr, "0123456789") < region->len))
		return cmd_refuse(ctx, "REGION must be 2 to 6 digits of a region code (GB/T 2260: "
				  "11 a province, 1101 a city, 110105 a county), not '%.40s'",
				  region->ptr);
	int rc = cmd_read_txn(ctx, &t);
	if (rc == 0)
		rc = alerts_walk_recent(t, 0, since, risk_alert, &r);
	if (rc == 0)
		rc = risk_bad_sales(t, &r, since);
	if (rc == 0)
		rc = events_walk(t, 1, risk_count_sale, &r);
	if (rc == 0)
		rc = risk_late(t, ctx->cfg, &r, c->when_ms);
	/* Keep the sites with something to inspect (and in the region). */
	size_t n = 0;
	int fr = master_field_index(&master_site, "region");
	for (size_t i = 1; rc == 0 && i < r.n; i++) {
		struct risk_site *s = &r.s[i];
		s->total = 0;
		for (int k = 0; k < RK__N; k++)
			s->total += s->count[k];
		if (s->total == 0)
			continue;
		if (region) {
			char id[MASTER_ID_MAX + 1];
			struct master_rec rec;
			if ((rc = view_site(t, s->site, id)) != 0 ||
			    (rc = master_load(t, &master_site, id, &rec)) != 0)
				break;
			if (!field_is(&rec, fr, region, true))
				continue;
		}
		s->per_1000 = (double)s->total * 1000.0 / (double)(s->sales ? s->sales : 1);
		r.s[n++] = *s;
	}
	if (rc) {
		free(r.s);
		return cmd_failed(ctx, rc);
	}
	if (n > 1)
		qsort(r.s, n, sizeof *r.s, cmp_risk);
	if (n > limit)
		n = limit;
	struct resp_out *o = ctx->out;
	resp_array(o, n);
	for (size_t i = 0; i < n; i++) {
		const struct risk_site *s = &r.s[i];
		char id[MASTER_ID_MAX + 1];
		if (view_site(t, s->site, id) != 0)
			id[0] = '\0';
		resp_map(o, 5 + RK__N);
		put_int(o, "rank", (int64_t)i + 1);
		put_str(o, "site", id, strlen(id));
		put_int(o, "sales", (int64_t)s->sales);
		put_int(o, "total", (int64_t)s->total);
		resp_cstr(o, "per_1000_sales");
		resp_double(o, s->per_1000);
		for (int k = 0; k < RK__N; k++)
			put_int(o, risk_names[k], (int64_t)s->count[k]);
	}
	free(r.s);
	return CMD_DONE;
}
