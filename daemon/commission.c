/*
 * commission — COMMISSION by the rules (see commission.h).
 */
#include "commission.h"
#include "args.h"
#include "eventlog.h"
#include "lots.h"
#include "master.h"
#include "parse.h"
#include "product_state.h"
#include "store.h"
#include "tally.h"
#include "units.h"
#include "xmem.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What the codes and options of one COMMISSION say together. */
struct claim {
	bool has_product;
	char product[MASTER_ID_MAX + 1];	/* canonical id */
	bool has_lot;
	size_t lot_len;
	char lot[CODE_SERIAL_MAX];
	uint32_t expiry;	/* YYYYMMDD; 0: neither EXPIRY nor the codes say */
	uint32_t qty;		/* QTY; 0: not given */
};

_Static_assert(CMD_LOT_MAX < CODE_SERIAL_MAX, "a LOT fits a claim's lot");

/* Without LEVEL, the code says what it can: an SSCC is a logistic unit
 * (a case), a GTIN with indicator 1-8 a grouping (a middle pack). */
static uint32_t implied_level(const struct code_result *r)
{
	return r->cr_type == CODE_SSCC ? 3 : r->cr_pack == CODE_PACK_GROUPED ? 2 : 1;
}

/* A code in a refusal.  Codes are formatted only when refused: formatting
 * every code of a bulk load would cost more than the checks. */
static const char *shown(const struct code_result *r, char buf[CODE_TEXT_MAX])
{
	return custody_code_text(r->cr_key, r->cr_key_len, buf);
}

static uint32_t expiry_of(const struct code_result *r)
{
	const struct code_date *d = &r->cr_expiry;
	return d->cd_year ? (uint32_t)(d->cd_year * 10000 + d->cd_month * 100 + d->cd_day) : 0;
}

/* Code i (of c's codes) against the claim so far, which it completes:
 * new, and agreeing with the codes before it and with the options. */
static enum cmd_status check_code(struct store_txn *t, const struct cmd *c, size_t i,
				  struct claim *k, struct outcome *o)
{
	const struct code_result *r = &c->codes[i];
	char buf[CODE_TEXT_MAX];
	struct unit u;
	if (r->cr_err != CODE_OK)
		return outcome_refuse(o, "code %zu: %s", i + 1, r->cr_msg);
	int rc = units_find(t, r->cr_key, r->cr_key_len, &u);
	if (rc == 0)
		return outcome_conflict(o, "code %zu (%s) is already commissioned", i + 1,
				      shown(r, buf));
	if (rc != STORE_NOTFOUND)
		return outcome_failed(o, rc);
	if (r->cr_product[0] && r->cr_type != CODE_SSCC) {
		if (k->has_product && strcmp(k->product, r->cr_product) != 0)
			return outcome_refuse(o, "code %zu (%s) is product %s, code 1 is %s; "
					      "commission one product per request", i + 1,
					      shown(r, buf), r->cr_product, k->product);
		if (!k->has_product) {
			snprintf(k->product, sizeof k->product, "%s", r->cr_product);
			k->has_product = true;
		}
	}
	if (r->cr_lot[0]) {
		if (k->has_lot && (strlen(r->cr_lot) != k->lot_len ||
				   memcmp(r->cr_lot, k->lot, k->lot_len) != 0))
			return outcome_refuse(o, "code %zu (%s) carries lot %s, not %.*s", i + 1,
					      shown(r, buf), r->cr_lot, (int)k->lot_len, k->lot);
		if (!k->has_lot) {
			k->lot_len = strlen(r->cr_lot);
			memcpy(k->lot, r->cr_lot, k->lot_len);
			k->has_lot = true;
		}
	}
	uint32_t scanned = expiry_of(r);
	if (scanned) {
		if (k->expiry && scanned != k->expiry)
			return outcome_refuse(o, "code %zu (%s) carries another expiry than EXPIRY",
					      i + 1, shown(r, buf));
		k->expiry = scanned;
	}
	if (!cmd_has(c, OPT_LEVEL) && implied_level(r) != implied_level(&c->codes[0]))
		return outcome_refuse(o, "code %zu (%s) is level %u, code 1 level %u: give "
				      "LEVEL, or commission them apart", i + 1, shown(r, buf),
				      implied_level(r), implied_level(&c->codes[0]));
	if (k->qty && !units_lot_level(r->cr_key, r->cr_key_len))
		return outcome_refuse(o, "QTY is for lot-level device records; code %zu (%s) "
				      "identifies one item", i + 1, shown(r, buf));
	return CMD_DONE;
}

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

/* The product: PRODUCT, which must be the codes' own if they name one;
 * known, and not withdrawn.  *num 0: the codes are of no product. */
static enum cmd_status find_product(struct store_txn *t, const struct cmd *c, struct claim *k,
				    struct outcome *o, uint32_t *num)
{
	const struct resp_arg *given = c->opt[OPT_PRODUCT].arg;
	char pid[MASTER_ID_MAX + 1], err[300];
	*num = 0;
	if (given) {
		if (master_normalize_id(&master_product, given->ptr, given->len, pid, err,
					sizeof err) != 0)
			return outcome_refuse(o, "PRODUCT %s", err);
		if (k->has_product && strcmp(pid, k->product) != 0)
			return outcome_refuse(o, "PRODUCT %s does not match the codes' product %s",
					      pid, k->product);
		memcpy(k->product, pid, sizeof k->product);
		k->has_product = true;
	}
	if (!k->has_product)
		return CMD_DONE;
	struct master_rec prod;
	int rc = master_load(t, &master_product, k->product, &prod);
	if (rc == STORE_NOTFOUND)
		return outcome_refuse(o, "unknown product '%s' (add it with PRODUCT SET)",
				      k->product);
	if (rc)
		return outcome_failed(o, rc);
	bool withdrawn;
	uint64_t wseq;
	if ((rc = products_withdrawn(t, prod.num, &withdrawn, &wseq)) != 0)
		return outcome_failed(o, rc);
	if (withdrawn)
		return outcome_refuse(o, "product %s is withdrawn: no new codes", k->product);
	*num = prod.num;
	return CMD_DONE;
}

/* The lot of product `product` the units join: known (its expiry must
 * agree), or new (l->num 0, to be created: EXPIRY required).  *has_lot
 * false: the codes are of no lot (containers, codes of no product). */
static enum cmd_status find_lot(struct store_txn *t, const struct claim *k, uint32_t product,
				uint32_t level, struct lot *l, bool *has_lot, struct outcome *o)
{
	*has_lot = false;
	memset(l, 0, sizeof *l);
	if (k->has_lot && !k->has_product)
		return outcome_refuse(o, "LOT needs a product: these codes carry none, give "
				      "PRODUCT");
	if (k->has_product && level == 1 && !k->has_lot)
		return outcome_refuse(o, "LOT is required for units (level 1)");
	if (!k->has_lot)
		return CMD_DONE;
	if (k->lot_len > CMD_LOT_MAX)	/* the grammar bounds LOT; this, a code's lot */
		return outcome_refuse(o, "LOT must be 1 to %d characters", CMD_LOT_MAX);
	int rc = lots_find(t, product, k->lot, k->lot_len, l);
	if (rc == STORE_NOTFOUND) {
		if (!k->expiry)
			return outcome_refuse(o, "EXPIRY is required for a new lot (%.*s)",
					      (int)k->lot_len, k->lot);
		memset(l, 0, sizeof *l);
		l->product = product;
		l->expiry = k->expiry;
		memcpy(l->name, k->lot, k->lot_len);
		l->name_len = k->lot_len;
	} else if (rc) {
		return outcome_failed(o, rc);
	} else if (k->expiry && k->expiry != l->expiry) {
		char have[11], want[11];
		args_format_date(l->expiry, have);
		args_format_date(k->expiry, want);
		return outcome_refuse(o, "lot %.*s expires on %s, not %s", (int)k->lot_len, k->lot,
				      have, want);
	}
	*has_lot = true;
	return CMD_DONE;
}

/* Everything checked: the lot if new, the units, their event, and the
 * lot's counters (with warnings for units of a bad lot). */
static int record(struct store_txn *t, const struct config *cfg, const struct cmd *c,
		  uint32_t site, struct lot *l, bool has_lot, uint32_t qty,
		  struct custody_outcome *co)
{
	size_t n = c->ncodes;
	uint64_t first;
	int rc;
	if (has_lot && l->num == 0 && (rc = lots_put(t, l)) != 0)
		return rc;
	if ((rc = store_next_ids64(t, "unit", n, &first)) != 0)
		return rc;
	struct event e = { .kind = EV_COMMISSION, .time_ms = c->when_ms, .site = site,
			   .unit = first, .count = (uint32_t)n };
	cmd_actor(c, &e);
	if ((rc = events_add(t, &e, 0)) != 0)
		return rc;
	for (size_t i = 0; i < n && rc == 0; i++) {
		struct unit u = { .id = first + i, .level = (uint8_t)co->level,
				  .status = UNIT_ACTIVE, .lot = has_lot ? l->num : 0,
				  .holder = site, .quantity = qty, .commission_seq = e.seq,
				  .last_seq = e.seq, .key_len = c->codes[i].cr_key_len };
		memcpy(u.key, c->codes[i].cr_key, u.key_len);
		rc = units_add(t, &u);
	}
	if (rc == 0 && has_lot)
		rc = units_lot_add_range(t, l->num, first, n);
	if (rc == 0 && has_lot && co->level == 1) {	/* containers count by contents */
		struct tally_load ld;
		struct tally_place at = { TALLY_STOCK, site, 0 },
				   made = { TALLY_COMMISSIONED, site, 0 };
		tally_of(&ld, l->num, co->level, (uint32_t)n);
		if ((rc = tally_move(t, &ld, NULL, &at, c->when_ms)) == 0)
			rc = tally_move(t, &ld, NULL, &made, c->when_ms);
		if (rc == 0)
			rc = badstock_check(t, cfg, &ld, c->when_ms, site, BADSTOCK_COMMISSIONED,
					    &co->warnings);
	}
	co->seq = e.seq;
	co->codes = n;
	return rc;
}

enum cmd_status commission_apply(struct store_txn *t, const struct config *cfg,
				 const struct cmd *c, struct custody_outcome *co)
{
	struct outcome *o = &co->o;
	struct claim k = { .expiry = cmd_has(c, OPT_EXPIRY) ? c->opt[OPT_EXPIRY].v.ymd : 0,
			   .qty = cmd_has(c, OPT_QTY) ? c->opt[OPT_QTY].v.n : 0 };
	const struct resp_arg *lot = c->opt[OPT_LOT].arg;
	uint32_t site, product;
	if (c->ncodes == 0)
		return outcome_refuse(o, "no codes given");
	enum cmd_status st = custody_site(t, c, OPT_SITE, o, &site);
	if (st != CMD_DONE)
		return st;
	if (lot) {	/* 1 to CMD_LOT_MAX bytes: the grammar's bound */
		k.has_lot = true;
		k.lot_len = lot->len;
		memcpy(k.lot, lot->ptr, lot->len);
	}
	for (size_t i = 0; i < c->ncodes && st == CMD_DONE; i++)
		st = check_code(t, c, i, &k, o);
	if (st != CMD_DONE)
		return st;
	size_t twice = named_twice(c->codes, c->ncodes);
	if (twice)
		return outcome_refuse(o, "code %zu is named twice", twice);
	if ((st = find_product(t, c, &k, o, &product)) != CMD_DONE)
		return st;
	co->level = cmd_has(c, OPT_LEVEL) ? c->opt[OPT_LEVEL].v.n : implied_level(&c->codes[0]);
	struct lot l;
	bool has_lot;
	if ((st = find_lot(t, &k, product, co->level, &l, &has_lot, o)) != CMD_DONE)
		return st;
	int rc = record(t, cfg, c, site, &l, has_lot, k.qty, co);
	return rc ? outcome_failed(o, rc) : CMD_DONE;
}
