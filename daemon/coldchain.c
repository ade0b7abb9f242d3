/*
 * coldchain — readings, breaks and releases by the rules (see coldchain.h).
 *
 * Records (big-endian):
 *   readings     key u48 event seq → i32 min, i32 max (tenths of °C)
 *   cold_breaks  key u40 unit id   → u48 event, u48 time, u32 site,
 *                i32 min, i32 max, u8 range flags (1 lo, 2 hi), i32 lo,
 *                i32 hi, u48 released time (0 open), u8 reason length,
 *                reason
 *   cold_counts  key u32 lot, u32 site → u32 broken, u32 released
 */
#include "coldchain.h"
#include "alerts.h"
#include "code_util.h"
#include "custody.h"
#include "master.h"
#include "mcache.h"
#include "parse.h"
#include "store.h"
#include "units.h"
#include "xmem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BREAK_FIXED (6 + 6 + 4 + 4 + 4 + 1 + 4 + 4 + 6 + 1)
#define TEMP_MIN_DC (-2000)
#define TEMP_MAX_DC 1000

static void put_i32(uint8_t *p, int32_t v)
{
	code_put_be(p, (uint32_t)v, 4);
}

static int32_t get_i32(const uint8_t *p)
{
	return (int32_t)(uint32_t)code_get_be(p, 4);
}

static int one_temp(const char *s, size_t n, int32_t *dc, char *err, size_t errlen)
{
	if (master_celsius_tenths(s, n, dc) != 0 || *dc < TEMP_MIN_DC || *dc > TEMP_MAX_DC) {
		snprintf(err, errlen, "TEMP: '%.*s' is not a temperature in °C from -200 to 100 "
			 "(at most one decimal, e.g. 5, -20, 14.5)", (int)(n > 40 ? 40 : n), s);
		return -1;
	}
	return 0;
}

int coldchain_parse(const char *s, size_t n, struct cold_reading *r, char *err, size_t errlen)
{
	const char *colon = memchr(s, ':', n);
	if (colon == NULL) {
		if (one_temp(s, n, &r->min_dc, err, errlen) != 0)
			return -1;
		r->max_dc = r->min_dc;
		return 0;
	}
	size_t a = (size_t)(colon - s);
	if (one_temp(s, a, &r->min_dc, err, errlen) != 0 ||
	    one_temp(colon + 1, n - a - 1, &r->max_dc, err, errlen) != 0)
		return -1;
	if (r->min_dc > r->max_dc) {
		snprintf(err, errlen, "TEMP %.*s: the lowest reading is above the highest (give "
			 "min:max)", (int)(n > 40 ? 40 : n), s);
		return -1;
	}
	return 0;
}

bool coldchain_outside(const struct cold_reading *r, bool has_lo, int32_t lo, bool has_hi,
		       int32_t hi)
{
	return (has_lo && r->min_dc < lo) || (has_hi && r->max_dc > hi);
}

static void fmt_dc(int32_t dc, char *out, size_t n)
{
	int32_t a = dc < 0 ? -dc : dc;
	snprintf(out, n, "%s%d.%d", dc < 0 ? "-" : "", (int)(a / 10), (int)(a % 10));
}

void coldchain_format(const struct cold_reading *r, char *out, size_t n)
{
	char a[16], b[16];
	fmt_dc(r->min_dc, a, sizeof a);
	fmt_dc(r->max_dc, b, sizeof b);
	if (r->min_dc == r->max_dc)
		snprintf(out, n, "%s °C", a);
	else
		snprintf(out, n, "%s–%s °C", a, b);
}

void coldchain_format_range(bool has_lo, int32_t lo, bool has_hi, int32_t hi, char *out,
			    size_t n)
{
	char a[16], b[16];
	fmt_dc(lo, a, sizeof a);
	fmt_dc(hi, b, sizeof b);
	if (has_lo && has_hi)
		snprintf(out, n, "%s–%s °C", a, b);
	else if (has_hi)
		snprintf(out, n, "at most %s °C", b);
	else
		snprintf(out, n, "at least %s °C", a);
}

/* ------------------------------------------------------------- records */

static void break_key(uint8_t k[5], uint64_t id)
{
	code_put_be(k, id, 5);
}

static int break_put(struct store_txn *t, uint64_t id, const struct cold_break *b)
{
	uint8_t k[5], v[BREAK_FIXED + EVENT_REF_MAX];
	size_t rl = b->reason_len > EVENT_REF_MAX ? EVENT_REF_MAX : b->reason_len;
	break_key(k, id);
	code_put_be(v, b->event, 6);
	code_put_be(v + 6, (uint64_t)b->time_ms, 6);
	code_put_be(v + 12, b->site, 4);
	put_i32(v + 16, b->reading.min_dc);
	put_i32(v + 20, b->reading.max_dc);
	v[24] = (uint8_t)((b->has_lo ? 1 : 0) | (b->has_hi ? 2 : 0));
	put_i32(v + 25, b->lo_dc);
	put_i32(v + 29, b->hi_dc);
	code_put_be(v + 33, (uint64_t)b->released_ms, 6);
	v[39] = (uint8_t)rl;
	memcpy(v + BREAK_FIXED, b->reason, rl);
	return store_put(t, DB_COLD_BREAKS, k, sizeof k, v, BREAK_FIXED + rl);
}

int coldchain_get(struct store_txn *t, uint64_t id, struct cold_break *b)
{
	uint8_t k[5];
	const void *val;
	size_t n;
	if (!store_may_hold(t, DB_COLD_BREAKS))
		return STORE_NOTFOUND;	/* no unit has had a break: every VERIFY asks */
	break_key(k, id);
	int rc = store_get(t, DB_COLD_BREAKS, k, sizeof k, &val, &n);
	if (rc)
		return rc;
	const uint8_t *v = val;
	if (n < BREAK_FIXED || n != (size_t)BREAK_FIXED + v[39] || v[39] > EVENT_REF_MAX ||
	    (v[24] & ~3u))
		return store_corrupt(DB_COLD_BREAKS, k, sizeof k, "not a cold-chain break");
	memset(b, 0, sizeof *b);
	b->event = code_get_be(v, 6);
	b->time_ms = (int64_t)code_get_be(v + 6, 6);
	b->site = (uint32_t)code_get_be(v + 12, 4);
	b->reading.min_dc = get_i32(v + 16);
	b->reading.max_dc = get_i32(v + 20);
	b->has_lo = v[24] & 1;
	b->has_hi = v[24] & 2;
	b->lo_dc = get_i32(v + 25);
	b->hi_dc = get_i32(v + 29);
	b->released_ms = (int64_t)code_get_be(v + 33, 6);
	b->reason_len = v[39];
	memcpy(b->reason, v + BREAK_FIXED, b->reason_len);
	b->reason[b->reason_len] = '\0';
	return 0;
}

int coldchain_reading(struct store_txn *t, uint64_t seq, struct cold_reading *r)
{
	uint8_t k[6];
	const void *val;
	size_t n;
	code_put_be(k, seq, 6);
	int rc = store_get(t, DB_READINGS, k, sizeof k, &val, &n);
	if (rc)
		return rc;
	if (n != 8)
		return store_corrupt(DB_READINGS, k, sizeof k, "not a reading");
	r->min_dc = get_i32(val);
	r->max_dc = get_i32((const uint8_t *)val + 4);
	return 0;
}

/* Add to (lot, site)'s counts. */
static int count(struct store_txn *t, uint32_t lot, uint32_t site, uint32_t broken,
		 uint32_t released)
{
	uint8_t k[8], v[8];
	const void *old;
	size_t n;
	code_put_be(k, lot, 4);
	code_put_be(k + 4, site, 4);
	int rc = store_get(t, DB_COLD_COUNTS, k, sizeof k, &old, &n);
	if (rc == 0 && n != 8)
		return store_corrupt(DB_COLD_COUNTS, k, sizeof k, "not two counts");
	if (rc && rc != STORE_NOTFOUND)
		return rc;
	uint64_t b = rc ? 0 : code_get_be(old, 4), r = rc ? 0 : code_get_be((const uint8_t *)old + 4, 4);
	code_put_be(v, b + broken, 4);
	code_put_be(v + 4, r + released, 4);
	return store_put(t, DB_COLD_COUNTS, k, sizeof k, v, sizeof v);
}

int coldchain_counts(struct store_txn *t, uint32_t lot,
		     int (*fn)(void *arg, uint32_t site, uint32_t broken, uint32_t released),
		     void *arg)
{
	struct store_cursor *c;
	uint8_t k0[4];
	const void *k, *v;
	size_t kl, vl;
	code_put_be(k0, lot, 4);
	int rc = store_cursor_open(t, DB_COLD_COUNTS, &c);
	if (rc)
		return rc;
	for (rc = store_cursor_seek(c, k0, sizeof k0, &k, &kl, &v, &vl); rc == 0;
	     rc = store_cursor_next(c, &k, &kl, &v, &vl)) {
		if (kl != 8 || vl != 8) {
			rc = store_corrupt(DB_COLD_COUNTS, k, kl, "not two counts");
			break;
		}
		if (code_get_be(k, 4) != lot)
			break;
		if ((rc = fn(arg, (uint32_t)code_get_be((const uint8_t *)k + 4, 4),
			     (uint32_t)code_get_be(v, 4),
			     (uint32_t)code_get_be((const uint8_t *)v + 4, 4))) != 0)
			break;
	}
	store_cursor_close(c);
	return rc == STORE_NOTFOUND ? 0 : rc;
}

/* ------------------------------------------------------------- the tree */

struct idlist_buf {
	uint64_t *id;
	size_t n, cap;
};

static int push_id(void *arg, uint64_t id)
{
	struct idlist_buf *b = arg;
	if (b->n == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 16;
		b->id = xrealloc(b->id, b->cap * sizeof *b->id);
	}
	b->id[b->n++] = id;
	return 0;
}

/* Unit `root` and everything packed in it, at any depth, into b (root
 * first).  The children are read before any of them is written: a walk
 * never runs while the tree it walks changes. */
static int tree(struct store_txn *t, uint64_t root, struct idlist_buf *b)
{
	b->n = 0;
	push_id(b, root);
	int rc = 0;
	for (size_t i = 0; i < b->n && rc == 0; i++)
		rc = units_children(t, b->id[i], push_id, b);
	return rc;
}

/* ---------------------------------------------------------------- rules */

int coldchain_record(struct store_txn *t, const struct cold_reading *r, uint64_t seq,
		     int64_t when, uint32_t site, const struct unit *u, size_t n,
		     uint64_t *broken)
{
	uint8_t k[6], v[8];
	code_put_be(k, seq, 6);
	put_i32(v, r->min_dc);
	put_i32(v + 4, r->max_dc);
	int rc = store_put(t, DB_READINGS, k, sizeof k, v, sizeof v);
	struct idlist_buf b = { 0 };
	*broken = 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		uint64_t in_this = 0;
		if ((rc = tree(t, u[i].id, &b)) != 0)
			break;
		for (size_t j = 0; j < b.n && rc == 0; j++) {
			struct unit x;
			const struct mcache_lot *ml;
			struct cold_break old;
			if ((rc = units_get(t, b.id[j], &x)) != 0)
				break;
			if (x.lot == 0)
				continue;
			if ((rc = mcache_lot(t, x.lot, &ml)) != 0)
				break;
			if (!coldchain_outside(r, ml->has_min_c, ml->min_dc, ml->has_max_c,
					       ml->max_dc))
				continue;
			rc = coldchain_get(t, x.id, &old);
			if (rc == 0 && old.released_ms == 0)
				continue;	/* its first open break stands */
			if (rc && rc != STORE_NOTFOUND)
				break;
			struct cold_break nb = { .event = seq, .time_ms = when, .site = site,
						 .reading = *r, .has_lo = ml->has_min_c,
						 .has_hi = ml->has_max_c, .lo_dc = ml->min_dc,
						 .hi_dc = ml->max_dc };
			if ((rc = break_put(t, x.id, &nb)) == 0 &&
			    (rc = count(t, x.lot, site, 1, 0)) == 0)
				in_this++;
		}
		if (rc == 0 && in_this) {
			struct alert a = { .kind = ALERT_COLD_CHAIN, .time_ms = when, .site = site,
					   .unit = u[i].id, .related = seq,
					   .key_len = u[i].key_len };
			memcpy(a.key, u[i].key, u[i].key_len);
			rc = alerts_add(t, &a);
		}
		*broken += in_this;
	}
	free(b.id);
	return rc;
}

enum cmd_status coldchain_release(struct store_txn *t, const struct config *cfg,
				  const struct cmd *c, struct coldchain_outcome *co)
{
	(void)cfg;
	struct outcome *o = &co->o;
	const struct resp_arg *reason = c->opt[OPT_REASON].arg;
	struct unit *u = NULL;
	struct idlist_buf b = { 0 };
	enum cmd_status st;
	if (c->ncodes == 0)
		return outcome_refuse(o, "no codes given");
	if (reason == NULL)	/* the grammar requires it */
		return outcome_refuse(o, "REASON is required");
	if ((st = custody_units(t, c, 0, c->ncodes, &u, o)) != CMD_DONE)
		return st;
	/* Check every code first: each must hold an open break. */
	int rc = 0;
	for (size_t i = 0; i < c->ncodes && rc == 0 && st == CMD_DONE; i++) {
		bool open = false;
		if ((rc = tree(t, u[i].id, &b)) != 0)
			break;
		for (size_t j = 0; j < b.n && rc == 0 && !open; j++) {
			struct cold_break cb;
			rc = coldchain_get(t, b.id[j], &cb);
			open = rc == 0 && cb.released_ms == 0;
			if (rc == STORE_NOTFOUND)
				rc = 0;
		}
		if (rc == 0 && !open) {
			char text[CODE_TEXT_MAX];
			st = outcome_refuse(o, "code %zu (%s) has no cold-chain break to release",
					    i + 1, custody_unit_text(&u[i], text));
		}
	}
	for (size_t i = 0; i < c->ncodes && rc == 0 && st == CMD_DONE; i++) {
		if ((rc = tree(t, u[i].id, &b)) != 0)
			break;
		for (size_t j = 0; j < b.n && rc == 0; j++) {
			struct cold_break cb;
			struct unit x;
			rc = coldchain_get(t, b.id[j], &cb);
			if (rc == STORE_NOTFOUND) {
				rc = 0;
				continue;
			}
			if (rc || cb.released_ms != 0)
				continue;
			cb.released_ms = c->when_ms > 0 ? c->when_ms : 1;
			cb.reason_len = reason->len;
			memcpy(cb.reason, reason->ptr, reason->len);
			if ((rc = units_get(t, b.id[j], &x)) == 0 &&
			    (rc = break_put(t, b.id[j], &cb)) == 0 &&
			    (rc = count(t, x.lot, cb.site, 0, 1)) == 0)
				co->released++;
		}
	}
	free(b.id);
	free(u);
	if (rc)
		return outcome_failed(o, rc);
	return st;
}
