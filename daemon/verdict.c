/*
 * verdict — judging scans, and the reply every scan command shares.
 */
#include "verdict.h"
#include "args.h"
#include "category.h"
#include "config.h"
#include "lot_links.h"
#include "mcache.h"
#include "store.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const reason_names[R__COUNT] = {
	[R_UNKNOWN] = "unknown",
	[R_DUPLICATE] = "duplicate",
	[R_RECALLED] = "recalled",
	[R_WITHDRAWN] = "withdrawn",
	[R_EXPIRED] = "expired",
	[R_NEAR_EXPIRY] = "near_expiry",
	[R_NOT_RECEIVED_HERE] = "not_received_here",
	[R_IN_TRANSIT] = "in_transit",
	[R_DESTROYED] = "destroyed",
	[R_LOCKED] = "locked",
	[R_LOT_MISMATCH] = "lot_mismatch",
	[R_EXPIRY_MISMATCH] = "expiry_mismatch",
	[R_NOT_A_TRACE_CODE] = "not_a_trace_code",
	[R_NOT_A_SALES_UNIT] = "not_a_sales_unit",
	[R_UNDO_WINDOW] = "undo_window",
	[R_NOT_DISPENSED] = "not_dispensed",
	[R_SAMPLE] = "sample",
	[R_EXPORTED] = "exported",
	[R_STOLEN] = "stolen",
	[R_CHECKED_OUT] = "checked_out",
	[R_LICENCE_EXPIRED] = "licence_expired",
	[R_COLD_CHAIN_BREAK] = "cold_chain_break",
	[R_TRANSFORMED] = "transformed",
};
_Static_assert(R__COUNT <= 32, "reasons are bits of a u32");

const char *reason_name(enum reason r)
{
	return (unsigned)r < R__COUNT ? reason_names[r] : "?";
}

const char *verdict_name(enum verdict v)
{
	return v == VERDICT_RED ? "red" : v == VERDICT_AMBER ? "amber" : "green";
}

const char *unit_status_name(uint8_t status)
{
	switch (status) {
	case UNIT_ACTIVE: return "active";
	case UNIT_IN_TRANSIT: return "in_transit";
	case UNIT_DISPENSED: return "dispensed";
	case UNIT_DESTROYED: return "destroyed";
	case UNIT_SAMPLE: return "sample";
	case UNIT_EXPORTED: return "exported";
	case UNIT_STOLEN: return "stolen";
	case UNIT_CHECKED_OUT: return "checked_out";
	case UNIT_TRANSFORMED: return "transformed";
	}
	return "?";
}

/* A category's setting where its policy gives one, else the global one. */
static uint32_t by_policy(uint32_t category_setting, uint32_t global)
{
	return category_setting != POLICY_INHERIT ? category_setting : global;
}

/* The unit's cold-chain break, if it has one (open or released), and the
 * id of the site it is counted at, for the message and TRACE. */
static int judge_cold_chain(struct store_txn *t, struct judgement *j)
{
	const char *id;
	int rc = coldchain_get(t, j->unit.id, &j->cold);
	if (rc == STORE_NOTFOUND)
		return 0;
	if (rc == 0)
		rc = mcache_site(t, j->cold.site, &id);
	if (rc)
		return rc;
	j->has_cold_break = true;
	snprintf(j->cold_site, sizeof j->cold_site, "%s", id);
	return 0;
}

static enum verdict severity(const struct config *cfg, uint8_t category, enum reason r)
{
	const struct category_policy *p = &cfg->policy[category < CAT__COUNT ? category : 0];
	switch (r) {
	case R_UNKNOWN:
		return cfg->unknown_code == CONFIG_RED ? VERDICT_RED : VERDICT_AMBER;
	case R_LOT_MISMATCH:
	case R_EXPIRY_MISMATCH:
		return cfg->mismatch == CONFIG_RED ? VERDICT_RED : VERDICT_AMBER;
	case R_NOT_RECEIVED_HERE:
		return by_policy(p->not_received, cfg->not_received) == CONFIG_RED ?
		       VERDICT_RED : VERDICT_AMBER;
	case R_IN_TRANSIT:
		return by_policy(p->in_transit, CONFIG_AMBER) == CONFIG_RED ? VERDICT_RED :
		       VERDICT_AMBER;
	case R_LICENCE_EXPIRED:
		return cfg->licence_expired == CONFIG_RED ? VERDICT_RED : VERDICT_AMBER;
	case R_CHECKED_OUT:	/* at its hospital; RED elsewhere (verdict_judge) */
	case R_NEAR_EXPIRY:
		return VERDICT_AMBER;
	default:
		return VERDICT_RED;
	}
}

void verdict_add(struct judgement *j, const struct config *cfg, enum reason r)
{
	j->reasons |= 1u << r;
	enum verdict v = severity(cfg, j->category, r);
	if (j->category != CAT_NONE && v > severity(cfg, CAT_NONE, r))
		j->by_category |= 1u << r;
	if (v > j->verdict)
		j->verdict = v;
}

uint32_t verdict_today(const struct config *cfg, int64_t now_ms)
{
	/* The date changes at most once a second: keep this thread's last
	 * answer (localtime_r takes a lock and reads the zone each call). */
	static _Thread_local char last_tz[sizeof cfg->timezone];
	static _Thread_local int64_t last_sec = INT64_MIN;
	static _Thread_local uint32_t last_ymd;
	int64_t sec = now_ms / 1000;
	if (sec == last_sec && strcmp(cfg->timezone, last_tz) == 0)
		return last_ymd;
	time_t t = (time_t)sec;
	struct tm tm;
	const char *tz = cfg->timezone;
	if (tz[0] == '+' || tz[0] == '-') {
		int off = ((tz[1] - '0') * 10 + (tz[2] - '0')) * 3600 +
			  ((tz[4] - '0') * 10 + (tz[5] - '0')) * 60;
		t += tz[0] == '-' ? -off : off;
		gmtime_r(&t, &tm);
	} else {
		localtime_r(&t, &tm);	/* TZ was set from cfg->timezone at start */
	}
	memcpy(last_tz, cfg->timezone, sizeof last_tz);
	last_sec = sec;
	last_ymd = (uint32_t)((tm.tm_year + 1900) * 10000 + (tm.tm_mon + 1) * 100 + tm.tm_mday);
	return last_ymd;
}

static uint32_t code_ymd(const struct code_date *d)
{
	return d->cd_year ? (uint32_t)(d->cd_year * 10000 + d->cd_month * 100 + d->cd_day) : 0;
}

/*
 * Where the unit is (units_place), reading its container once: the reply
 * shows the container's code too.  units_place(u) follows the parents to
 * the outermost container; from the container P that is units_place(P),
 * except that units_place stops at a sold or destroyed P, which does not
 * happen to a container inside another in a sound store — such a P gets
 * units_place(u) as it is.  A destroyed unit stays destroyed wherever it is.
 */
static int judge_place(struct store_txn *t, struct judgement *j)
{
	const struct unit *u = &j->unit;
	if (u->parent == 0 || u->status == UNIT_DISPENSED)
		return units_place(t, u, &j->place);
	struct unit p;
	int rc = units_get(t, u->parent, &p);
	if (rc)
		return rc;
	j->parent_key_len = p.key_len;
	memcpy(j->parent_key, p.key, p.key_len);
	if (p.parent && (p.status == UNIT_DISPENSED || p.status == UNIT_DESTROYED))
		return units_place(t, u, &j->place);
	if ((rc = units_place(t, &p, &j->place)) != 0)
		return rc;
	if (u->status == UNIT_DESTROYED)
		j->place.status = UNIT_DESTROYED;
	return 0;
}

/* A lot the unit's lot was repackaged from, recalled (its own is not):
 * the unit is recalled with it. */
static int judge_sources(struct store_txn *t, const struct config *cfg, struct judgement *j)
{
	bool found;
	const struct mcache_lot *ml;
	int rc = lot_links_recalled_source(t, j->unit.lot, &j->source, &found);
	if (rc || !found)
		return rc;
	if ((rc = mcache_lot(t, j->source.num, &ml)) != 0)
		return rc;
	j->source_recalled = true;
	snprintf(j->source_product, sizeof j->source_product, "%s",
		 ml->has_product ? ml->product_id : "?");
	verdict_add(j, cfg, R_RECALLED);
	return 0;
}

/* Is the product of a lot-level GTIN scan a known drug (kind drug, or no
 * kind: a GTIN's product is a drug unless said to be a device; HIBC and MA
 * codes are devices' only)?  0 or a store error. */
static int product_is_drug(struct store_txn *t, const struct code_result *scan, bool *drug)
{
	const char *product = scan->cr_product;
	char id[MASTER_ID_MAX + 1], err[128];
	struct master_rec rec;
	*drug = false;
	if (master_normalize_id(&master_product, product, strlen(product), id, err,
				sizeof err) != 0)
		return 0;
	int rc = master_load(t, &master_product, id, &rec);
	if (rc == STORE_NOTFOUND)
		return 0;
	if (rc)
		return rc;
	int kind = master_field_index(&master_product, "kind");
	*drug = rec.val[kind] ? rec.len[kind] == 4 && memcmp(rec.val[kind], "drug", 4) == 0 :
				scan->cr_key[0] == CODE_KEY_LGTIN;
	return 0;
}

int verdict_judge(struct store_txn *t, const struct config *cfg, int64_t now_ms,
		  const struct code_result *scan, uint32_t site, struct judgement *j)
{
	memset(j, 0, offsetof(struct judgement, scan));
	j->units_per_pack = 1;
	j->scan = *scan;
	if (scan->cr_err != CODE_OK) {
		j->scan.cr_type = CODE_NONE;
		verdict_add(j, cfg, R_NOT_A_TRACE_CODE);
		return 0;
	}
	int rc = units_find(t, j->scan.cr_key, j->scan.cr_key_len, &j->unit);
	if (rc == STORE_NOTFOUND && units_lot_level(j->scan.cr_key, j->scan.cr_key_len)) {
		/* A scan without a serial, of a drug: its packs carry serials,
		 * so this is a misread or partial code, not a counterfeit. */
		bool drug;
		if ((rc = product_is_drug(t, &j->scan, &drug)) != 0)
			return rc;
		if (drug) {
			snprintf(j->scan.cr_msg, sizeof j->scan.cr_msg, "a lot-level code without "
				 "a serial number: product %s is a drug, whose packs carry serials; "
				 "scan the whole code", j->scan.cr_product);
			verdict_add(j, cfg, R_NOT_A_TRACE_CODE);
			return 0;
		}
		rc = STORE_NOTFOUND;
	}
	if (rc == STORE_NOTFOUND) {
		verdict_add(j, cfg, R_UNKNOWN);
		return 0;
	}
	if (rc)
		return rc;
	j->found = true;
	if ((rc = judge_place(t, j)) != 0)
		return rc;
	j->judged_place = j->place;
	const struct mcache_lot *ml = NULL;
	if (j->unit.lot) {
		rc = mcache_lot(t, j->unit.lot, &ml);
		if (rc && rc != STORE_NOTFOUND)
			return rc;
		j->has_lot = rc == 0;
	}
	if (j->has_lot) {
		j->lot = ml->lot;
		if (ml->has_product) {
			j->has_product = true;
			j->units_per_pack = ml->units_per_pack;
			memcpy(j->product_id, ml->product_id, sizeof j->product_id);
			memcpy(j->product_name, ml->product_name, sizeof j->product_name);
			j->category = ml->category;
		}
	}
	if (site && cfg->licence_expired != CONFIG_OFF) {
		if ((rc = mcache_site_licence(t, site, &j->licence_until)) != 0)
			return rc;
		if (j->licence_until && verdict_today(cfg, now_ms) > j->licence_until)
			verdict_add(j, cfg, R_LICENCE_EXPIRED);
	}

	if (j->place.status == UNIT_DESTROYED)
		verdict_add(j, cfg, R_DESTROYED);
	if (j->place.status == UNIT_SAMPLE)
		verdict_add(j, cfg, R_SAMPLE);
	if (j->place.status == UNIT_EXPORTED)
		verdict_add(j, cfg, R_EXPORTED);
	if (j->place.status == UNIT_STOLEN)
		verdict_add(j, cfg, R_STOLEN);
	if (j->place.status == UNIT_CHECKED_OUT) {
		/* On a ward of the hospital that checked it out: it may still
		 * be given there; anywhere else it left its chain. */
		verdict_add(j, cfg, R_CHECKED_OUT);
		if (site != j->place.holder)
			j->verdict = VERDICT_RED;
	}
	if (j->unit.flags & UNIT_F_LOCKED)
		verdict_add(j, cfg, R_LOCKED);
	if ((rc = judge_cold_chain(t, j)) != 0)
		return rc;
	if (j->has_cold_break && j->cold.released_ms == 0)
		verdict_add(j, cfg, R_COLD_CHAIN_BREAK);
	if (j->has_lot && j->lot.status == LOT_RECALLED)
		verdict_add(j, cfg, R_RECALLED);
	else if (j->has_lot && (rc = judge_sources(t, cfg, j)) != 0)
		return rc;
	if (j->place.status == UNIT_TRANSFORMED)
		verdict_add(j, cfg, R_TRANSFORMED);
	if (j->has_lot && ml->withdrawn)
		verdict_add(j, cfg, R_WITHDRAWN);
	if (j->has_lot && j->lot.expiry) {
		uint32_t today = verdict_today(cfg, now_ms);
		if (today > j->lot.expiry)
			verdict_add(j, cfg, R_EXPIRED);
		else if (args_days(j->lot.expiry) - args_days(today) <=
			 by_policy(cfg->policy[j->category].near_expiry_days,
				   cfg->near_expiry_days)) {
			verdict_add(j, cfg, R_NEAR_EXPIRY);
			if (args_days(j->lot.expiry) - args_days(today) > cfg->near_expiry_days)
				j->by_category |= 1u << R_NEAR_EXPIRY;	/* its days, not ours */
		}
	}
	if (j->place.status == UNIT_DISPENSED)
		verdict_add(j, cfg, R_DUPLICATE);
	if (j->place.status == UNIT_IN_TRANSIT)
		verdict_add(j, cfg, R_IN_TRANSIT);
	else if (site && j->place.status == UNIT_ACTIVE && j->place.holder != site)
		verdict_add(j, cfg, R_NOT_RECEIVED_HERE);
	if (j->has_lot && j->scan.cr_lot[0] &&
	    (strlen(j->scan.cr_lot) != j->lot.name_len ||
	     memcmp(j->scan.cr_lot, j->lot.name, j->lot.name_len) != 0))
		verdict_add(j, cfg, R_LOT_MISMATCH);
	uint32_t scanned_expiry = code_ymd(&j->scan.cr_expiry);
	if (j->has_lot && scanned_expiry && j->lot.expiry && scanned_expiry != j->lot.expiry)
		verdict_add(j, cfg, R_EXPIRY_MISMATCH);
	return 0;
}

/* The sales of a unit still standing: dispenses not reversed by an UNDO
 * (an UNDO names the dispense it reverses, and always comes after it). */
#define SALES_TRACKED 256

struct sales_walk {
	struct store_txn *t;
	uint64_t seq[SALES_TRACKED];
	int n;
	int rc;
	bool have_first;	/* first: the event of seq[0], read on the way */
	struct event first;
};

static int sales_cb(void *arg, uint64_t seq)
{
	struct sales_walk *w = arg;
	struct event e;
	int rc = events_get(w->t, seq, &e);
	if (rc) {
		w->rc = rc;
		return 1;
	}
	if (e.kind == EV_DISPENSE && w->n < SALES_TRACKED) {
		if (w->n == 0) {
			w->first = e;
			w->have_first = true;
		}
		w->seq[w->n++] = seq;
	} else if (e.kind == EV_UNDO) {
		for (int i = 0; i < w->n; i++)
			if (w->seq[i] == e.parent) {
				if (i == 0)
					w->have_first = false;
				memmove(&w->seq[i], &w->seq[i + 1],
					(size_t)(w->n - i - 1) * sizeof w->seq[0]);
				w->n--;
				break;
			}
	}
	return 0;
}

int verdict_first_sale(struct store_txn *t, struct judgement *j)
{
	struct sales_walk w = { .t = t };
	int rc = events_of(t, &j->unit, sales_cb, &w);
	if (rc == 1)
		rc = w.rc;
	if (rc)
		return rc;
	if (w.n == 0)
		return 0;
	j->has_first_sale = true;
	if (w.have_first) {
		j->first_sale = w.first;
		return 0;
	}
	return events_get(t, w.seq[0], &j->first_sale);
}

static void kv(struct resp_out *o, const char *k, const char *v)
{
	resp_cstr(o, k);
	resp_cstr(o, v);
}

/*
 * The message being written: text appended as snprintf would, counting
 * what would not fit (`used` may pass `n`; nothing more is written then).
 * Most verdicts' sentences are fixed words, site ids, dates and counts,
 * appended here without a format string: through snprintf they cost a
 * VERIFY of yima-gen's sample 320 more instructions on average (20,523
 * against 20,204, callgrind, tests/bench/CORE.md).
 */
struct say {
	char *out;
	size_t n, used;
};

static void say(struct say *s, const char *text)
{
	size_t len = strlen(text);
	if (s->used < s->n) {
		size_t room = s->n - 1 - s->used;
		size_t k = len < room ? len : room;
		memcpy(s->out + s->used, text, k);
		s->out[s->used + k] = '\0';
	}
	s->used += len;
}

static void say_num(struct say *s, long long v)
{
	char digits[24], *p = digits + sizeof digits;
	unsigned long long u = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
	*--p = '\0';
	do
		*--p = (char)('0' + u % 10);
	while ((u /= 10) != 0);
	if (v < 0)
		*--p = '-';
	say(s, p);
}

static void say_date(struct say *s, uint32_t ymd)
{
	char d[16];
	args_format_date(ymd, d);
	say(s, d);
}

#define SAYF(...) do { if (m.used < m.n) { int w_ = snprintf(m.out + m.used, \
		m.n - m.used, __VA_ARGS__); if (w_ > 0) m.used += (size_t)w_; } } while (0)

/* One sentence per reason, for the person at the counter. */
static void explain(const struct judgement *j, const struct config *cfg, int64_t now_ms,
		    char *out, size_t n)
{
	struct say m = { out, n, 0 };
	char a[80], d[32];
	out[0] = '\0';
	/* In the order of enum reason, a step per reason given. */
	for (uint32_t left = j->reasons; left; left &= left - 1) {
		int r = __builtin_ctz(left);
		if (m.used)
			say(&m, "; ");
		switch ((enum reason)r) {
		case R_NOT_A_TRACE_CODE: say(&m, j->scan.cr_msg); break;
		case R_UNKNOWN: say(&m, "no record of this code: suspected counterfeit"); break;
		case R_DUPLICATE: {
			say(&m, "already dispensed");
			if (j->has_first_sale && !j->public_view) {
				args_format_time(j->first_sale.time_ms, d);
				say(&m, " at ");
				say(&m, j->view.first_sale_site);
				say(&m, " on ");
				say(&m, d);
			}
			/* A split pack: how much of it is left, not only that it
			 * was sold from. */
			uint32_t limit = j->unit.quantity ? j->unit.quantity : j->units_per_pack;
			uint32_t sold = j->unit.dispensed < limit ? j->unit.dispensed : limit;
			if (limit > 1 && sold > 0 && !j->public_view) {
				if (sold == limit)
					SAYF(" (all %u units of this pack sold, none remain)", limit);
				else
					SAYF(" (%u of this pack's %u units sold there, %u remain)", sold,
					     limit, limit - sold);
			}
			break;
		}
		case R_RECALLED:
			if (j->source_recalled) {
				SAYF("repackaged from lot %.*s of product %s, which is recalled "
				     "(level %u)", (int)j->source.name_len, j->source.name,
				     j->source_product, j->source.recall_level);
			} else {
				say(&m, "lot ");
				say(&m, j->lot.name);
				say(&m, " is recalled (level ");
				say_num(&m, j->lot.recall_level);
				say(&m, ")");
			}
			break;
		case R_WITHDRAWN: say(&m, "the product is withdrawn"); break;
		case R_EXPIRED:
			say(&m, "expired on ");
			say_date(&m, j->lot.expiry);
			break;
		case R_NEAR_EXPIRY:
			say(&m, "expires on ");
			say_date(&m, j->lot.expiry);
			say(&m, ", in ");
			say_num(&m, (long long)(args_days(j->lot.expiry) -
						args_days(verdict_today(cfg, now_ms))));
			say(&m, " days");
			break;
		case R_NOT_RECEIVED_HERE:
			say(&m, "held by ");
			say(&m, j->view.judged_holder);
			say(&m, ", not received here");
			break;
		case R_IN_TRANSIT:
			if (j->public_view) {
				say(&m, "in transit between suppliers: not yet received");
				break;
			}
			say(&m, "in transit from ");
			say(&m, j->view.judged_holder);
			say(&m, " to ");
			say(&m, j->view.judged_dest[0] ? j->view.judged_dest :
				"a destination not known");
			say(&m, ": receive it first");
			break;
		case R_DESTROYED: say(&m, "recorded as destroyed"); break;
		case R_LOCKED: say(&m, "locked (stolen or under investigation)"); break;
		case R_COLD_CHAIN_BREAK: {
			char reading[48], range[64];
			if (j->public_view) {
				say(&m, "kept outside its storage temperature in transport");
				break;
			}
			coldchain_format(&j->cold.reading, reading, sizeof reading);
			coldchain_format_range(j->cold.has_lo, j->cold.lo_dc, j->cold.has_hi,
					       j->cold.hi_dc, range, sizeof range);
			args_format_time(j->cold.time_ms, a);
			SAYF("cold chain break: %s recorded at %s with the shipment to %s (storage "
			     "%s); quarantined until a regulator releases it", reading, a,
			     j->cold_site, range);
			break;
		}
		case R_LOT_MISMATCH:
			SAYF("the scan says lot %s, the record lot %s", j->scan.cr_lot, j->lot.name);
			break;
		case R_EXPIRY_MISMATCH:
			args_format_date(code_ymd(&j->scan.cr_expiry), d);
			args_format_date(j->lot.expiry, a);
			SAYF("the scan says expiry %s, the record %s", d, a);
			break;
		case R_NOT_A_SALES_UNIT:
			SAYF("a level-%u code (middle pack, case or pallet): scan each sales unit",
			     j->unit.level);
			break;
		case R_UNDO_WINDOW:
			SAYF("the undo window (%s) has passed",
			     config_format_duration(cfg->undo_window, d, sizeof d));
			break;
		case R_NOT_DISPENSED: say(&m, "no such sale at this site to undo"); break;
		case R_SAMPLE: say(&m, "decommissioned as a sample"); break;
		case R_EXPORTED: say(&m, "decommissioned as exported: not for this market"); break;
		case R_STOLEN: say(&m, "reported stolen"); break;
		case R_TRANSFORMED:
			say(&m, "repackaged into other codes: this code is no longer in the chain, "
				"its contents are the new packs'");
			break;
		case R_CHECKED_OUT:
			if (j->public_view) {
				say(&m, "checked out to a hospital ward");
			} else {
				say(&m, "checked out to a ward of ");
				say(&m, j->view.judged_holder);
			}
			break;
		case R_LICENCE_EXPIRED:
			say(&m, "this site's licence expired on ");
			say_date(&m, j->licence_until);
			break;
		case R__COUNT: break;
		}
		if (j->by_category & (1u << r))
			SAYF(" (%s by the %s %s policy: policy_%s)",
			     verdict_name(severity(cfg, j->category, (enum reason)r)),
			     category_name((enum category)j->category),
			     category_name_zh((enum category)j->category),
			     category_name((enum category)j->category));
	}
}
#undef SAYF

/* A site id into out (MASTER_ID_MAX + 1 bytes). */
static int site_text(struct store_txn *t, uint32_t num, char *out)
{
	const char *id;
	int rc = mcache_site(t, num, &id);
	if (rc == STORE_NOTFOUND) {
		uint8_t k[4] = { (uint8_t)(num >> 24), (uint8_t)(num >> 16), (uint8_t)(num >> 8),
				 (uint8_t)num };
		return store_corrupt(DB_SITE_NUMS, k, 4, "a site the records name is missing");
	}
	if (rc)
		return rc;
	size_t n = strnlen(id, MASTER_ID_MAX);
	memcpy(out, id, n);
	out[n] = '\0';
	return 0;
}

/* An event the records name (seq 0: none). */
static int event_shown(struct store_txn *t, uint64_t seq, bool *has, struct mcache_event *e)
{
	*has = false;
	if (seq == 0)
		return 0;
	int rc = mcache_event(t, seq, e);
	if (rc == 0)
		*has = true;
	return rc;
}

int verdict_gather(struct store_txn *t, struct judgement *j)
{
	struct verdict_view *v = &j->view;
	/* A brief answer shows the message alone: the three sites it may
	 * name, each read under the condition explain() names it by. */
	if (j->brief) {
		v->first_sale_site[0] = v->judged_holder[0] = v->judged_dest[0] = '\0';
	} else {
		memset(v, 0, sizeof *v);
	}
	int rc = 0;
	if (j->has_first_sale && (rc = site_text(t, j->first_sale.site, v->first_sale_site)))
		return rc;
	if (j->reasons & ((1u << R_NOT_RECEIVED_HERE) | (1u << R_IN_TRANSIT) |
			  (1u << R_CHECKED_OUT)) &&
	    ((rc = site_text(t, j->judged_place.holder, v->judged_holder)) ||
	     (rc = site_text(t, j->judged_place.dest, v->judged_dest))))
		return rc;
	if (!j->found || j->brief)
		return 0;
	if ((rc = site_text(t, j->place.holder, v->holder)) ||
	    (rc = site_text(t, j->place.dest, v->dest)))
		return rc;
	if (j->unit.parent) {
		const uint8_t *key = j->parent_key;
		size_t klen = j->parent_key_len;
		struct unit p;
		if (klen == 0) {
			if ((rc = units_get(t, j->unit.parent, &p)) != 0)
				return rc;
			key = p.key;
			klen = p.key_len;
		}
		v->has_parent = code_key_format(key, klen, v->parent, sizeof v->parent) > 0;
	}
	struct mcache_event e;
	if ((rc = event_shown(t, j->unit.last_seq, &v->has_last_event, &e)) != 0)
		return rc;
	if (v->has_last_event) {
		v->last_kind = e.kind;
		v->last_time_ms = e.time_ms;
		if ((rc = site_text(t, e.site, v->last_site)) != 0)
			return rc;
	}
	if ((rc = event_shown(t, j->unit.commission_seq, &v->has_commissioned, &e)) != 0)
		return rc;
	v->commissioned_ms = e.time_ms;
	return 0;
}

void verdict_reply_record(struct resp_out *out, const struct judgement *j)
{
	char date[11];
	if (j->has_product) {
		kv(out, "product", j->product_id);
		kv(out, "product_name", j->product_name);
	}
	if (j->has_lot) {
		kv(out, "lot", j->lot.name);
		args_format_date(j->lot.expiry, date);
		kv(out, "expiry", date);
	}
	resp_cstr(out, "level");
	resp_int(out, j->unit.level);
	kv(out, "status", unit_status_name(j->place.status));
}

void verdict_reply(struct resp_out *out, const struct judgement *j, const struct config *cfg,
		   int64_t now_ms)
{
	const struct verdict_view *v = &j->view;
	char text[CODE_TEXT_MAX], buf[80], msg[600];
	int nreasons = __builtin_popcount(j->reasons);
	bool parsed = j->scan.cr_type != CODE_NONE;
	bool pub = j->public_view;
	size_t pairs = j->brief ? 3 :
		       3 + (parsed ? 2 : 0) +
		       (j->found ? (pub ? 3 : 7 + (j->unit.parent != 0) + (j->place.dest != 0)) +
				   j->has_lot * 2 + j->has_product * 2 : 0) +
		       (j->has_first_sale && !pub) + (j->found && j->category != CAT_NONE);
	explain(j, cfg, now_ms, msg, sizeof msg);

	resp_map(out, pairs);
	kv(out, "verdict", verdict_name(j->verdict));
	resp_cstr(out, "reasons");
	resp_array(out, (size_t)nreasons);
	for (uint32_t left = j->reasons; left; left &= left - 1)
		resp_cstr(out, reason_name((enum reason)__builtin_ctz(left)));
	kv(out, "message", msg);
	if (j->brief)
		return;
	if (parsed) {
		code_key_format(j->scan.cr_key, j->scan.cr_key_len, text, sizeof text);
		kv(out, "code", text);
		kv(out, "type", code_type_family(j->scan.cr_type));
	}
	if (!j->found)
		return;
	verdict_reply_record(out, j);
	if (j->category != CAT_NONE)
		kv(out, "category", category_name((enum category)j->category));
	if (pub) {
		resp_cstr(out, "units_per_pack");
		resp_int(out, j->unit.quantity ? j->unit.quantity : j->units_per_pack);
		return;
	}
	kv(out, "holder", v->holder);
	if (j->place.dest)
		kv(out, "in_transit_to", v->dest);
	if (j->unit.parent) {
		resp_cstr(out, "parent");
		if (v->has_parent)
			resp_cstr(out, v->parent);
		else
			resp_null(out);
	}
	resp_cstr(out, "dispensed");
	resp_int(out, j->unit.dispensed);
	resp_cstr(out, "units_per_pack");
	resp_int(out, j->unit.quantity ? j->unit.quantity : j->units_per_pack);
	resp_cstr(out, "last_event");
	if (v->has_last_event) {
		resp_map(out, 3);
		kv(out, "event", event_kind_name(v->last_kind));
		args_format_time(v->last_time_ms, buf);
		kv(out, "time", buf);
		kv(out, "site", v->last_site);
	} else {
		resp_null(out);
	}
	resp_cstr(out, "commissioned");
	if (v->has_commissioned) {
		args_format_time(v->commissioned_ms, buf);
		resp_cstr(out, buf);
	} else {
		resp_null(out);
	}
	if (j->has_first_sale) {
		resp_cstr(out, "first_sale");
		resp_map(out, 4);
		kv(out, "site", v->first_sale_site);
		args_format_time(j->first_sale.time_ms, buf);
		kv(out, "time", buf);
		kv(out, "tx", j->first_sale.ref);
		resp_cstr(out, "qty");
		resp_int(out, j->first_sale.qty);
	}
}
