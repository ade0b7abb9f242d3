/*
 * coldchain — temperature readings taken with shipments and receipts, the
 * cold-chain breaks they reveal, and a regulator's release of them.
 *
 *   SHIP ... [TEMP min[:max]]     RECEIVE ... [TEMP min[:max]]
 *   COLDCHAIN RELEASE code [code ...] REASON text
 *
 * A reading is what the logger recorded during the shipment (one value, or
 * the lowest and highest) in °C with at most one decimal.  When it leaves
 * the storage range of a unit's product (storage_min_c, storage_max_c),
 * that unit is marked with a break: every unit of the shipment, the
 * contents of its containers included, each judged by its own product (a
 * product without a range is never broken).  A marked unit answers RED
 * cold_chain_break until a regulator, having assessed the shipment (GSP:
 * quarantined pending assessment), releases it.  A unit keeps its first
 * open break; a break after a release is a new one.
 *
 * Records (STORE.md): the reading of each event that has one (readings),
 * the break of each unit (cold_breaks, with its release), and per lot and
 * site the units broken and released (cold_counts, for IMPACT).  A break is
 * counted at the site the shipment was going to (SHIP's TO, or its FROM
 * when TO is not known; RECEIVE's SITE).
 *
 * Errors: 0, STORE_NOTFOUND, STORE_CORRUPT or a store error code.
 */
#ifndef YIMA_COLDCHAIN_H
#define YIMA_COLDCHAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "eventlog.h"
#include "outcome.h"

struct cmd;
struct config;
struct store_txn;
struct unit;

/* A reading, in tenths of a degree Celsius (min == max: one value). */
struct cold_reading {
	int32_t min_dc, max_dc;
};

/* The break of one unit. */
struct cold_break {
	uint64_t event;			/* the SHIP or RECEIVE that carried the reading */
	int64_t time_ms;		/* of that event */
	uint32_t site;			/* where it is counted (see above) */
	struct cold_reading reading;
	bool has_lo, has_hi;		/* the product's range when it broke */
	int32_t lo_dc, hi_dc;
	int64_t released_ms;		/* 0: open */
	size_t reason_len;		/* the release's REASON */
	char reason[EVENT_REF_MAX + 1];
};

/* Parse a TEMP value, "min[:max]" in °C ("14.5", "-1:9.5"), -200 to 100,
 * at most one decimal.  0, or -1 with a message in err saying what is
 * wrong. */
int coldchain_parse(const char *s, size_t n, struct cold_reading *r, char *err, size_t errlen);

/* Does reading r leave the range (lo, hi; a bound not had is open)? */
bool coldchain_outside(const struct cold_reading *r, bool has_lo, int32_t lo, bool has_hi,
		       int32_t hi);

/* "14.5 °C" or "1.0–14.5 °C" into out. */
void coldchain_format(const struct cold_reading *r, char *out, size_t n);

/* A storage range: "2.0–8.0 °C", "at most 8.0 °C", "at least 2.0 °C". */
void coldchain_format_range(bool has_lo, int32_t lo, bool has_hi, int32_t hi, char *out,
			    size_t n);

/* A shipment's reading, recorded with its event `seq` at time `when`: the
 * reading itself, and a break for every unit of u[0..n) and of their
 * contents whose product's range it leaves, counted at `site`, with an
 * alert (kind cold_chain_break) for each of u that holds a broken unit.
 * *broken: the units newly marked. */
int coldchain_record(struct store_txn *t, const struct cold_reading *r, uint64_t seq,
		     int64_t when, uint32_t site, const struct unit *u, size_t n,
		     uint64_t *broken);

/* The reading recorded with event `seq`: 0 or STORE_NOTFOUND. */
int coldchain_reading(struct store_txn *t, uint64_t seq, struct cold_reading *r);

/* Unit `id`'s break (open or released): 0 or STORE_NOTFOUND. */
int coldchain_get(struct store_txn *t, uint64_t id, struct cold_break *b);

/* Units broken and released at `site` for lot `lot`, for each site in lot
 * order: fn stops the walk by returning nonzero (and that is returned). */
int coldchain_counts(struct store_txn *t, uint32_t lot,
		     int (*fn)(void *arg, uint32_t site, uint32_t broken, uint32_t released),
		     void *arg);

struct coldchain_outcome {
	struct outcome o;
	uint64_t released;		/* units released */
};

/* COLDCHAIN RELEASE code [code ...] REASON text: every open break among
 * the codes and their contents is released.  Refused (nothing changed) when
 * a code is not commissioned or holds no open break. */
enum cmd_status coldchain_release(struct store_txn *t, const struct config *cfg,
				  const struct cmd *c, struct coldchain_outcome *co);

#endif
