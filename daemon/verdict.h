/*
 * verdict — what a scan answers: GREEN, AMBER or RED, with stable reason
 * identifiers, decided from the unit, its lot, its product, where it is,
 * what the scan itself carries, and the configured policy.
 *
 * Three steps: verdict_judge decides (VERIFY on a network thread's read
 * transaction; DISPENSE and UNDO on the writer, sale.c, which then add the
 * reasons only a sale can have); verdict_gather reads what the answer shows
 * besides (site ids, the container's code, the last event), reporting any
 * store error; verdict_reply renders, from the judgement alone.
 */
#ifndef YIMA_VERDICT_H
#define YIMA_VERDICT_H

#include <stdbool.h>
#include <stdint.h>

#include "code.h"
#include "coldchain.h"
#include "eventlog.h"
#include "lots.h"
#include "master.h"
#include "resp.h"
#include "units.h"

struct config;
struct store_txn;

enum verdict { VERDICT_GREEN = 0, VERDICT_AMBER = 1, VERDICT_RED = 2 };

/* Stable identifiers: the order is the bit order in stored answers. */
enum reason {
	R_UNKNOWN,		/* well-formed code yima has no record of */
	R_DUPLICATE,		/* dispensed before (beyond its split quantity) */
	R_RECALLED,		/* its lot is recalled */
	R_WITHDRAWN,		/* its product is withdrawn */
	R_EXPIRED,
	R_NEAR_EXPIRY,
	R_NOT_RECEIVED_HERE,	/* the scanning site does not hold it */
	R_IN_TRANSIT,		/* shipped, not yet received */
	R_DESTROYED,
	R_LOCKED,
	R_LOT_MISMATCH,		/* the scan's lot differs from the record */
	R_EXPIRY_MISMATCH,	/* the scan's expiry differs from the record */
	R_NOT_A_TRACE_CODE,	/* a product barcode, a truncated scan, ... */
	R_NOT_A_SALES_UNIT,	/* a middle pack, case or pallet at a sale */
	R_UNDO_WINDOW,		/* undo after the window */
	R_NOT_DISPENSED,	/* undo of a sale that did not happen here */
	/* Decommissioned (DECOMMISSION STATE ...): */
	R_SAMPLE,
	R_EXPORTED,
	R_STOLEN,
	R_CHECKED_OUT,		/* AMBER at its hospital, RED elsewhere */
	R_LICENCE_EXPIRED,	/* the scanning site's licence has passed */
	R_COLD_CHAIN_BREAK,	/* a shipment's reading left its storage range,
				 * not released (coldchain.h) */
	R_TRANSFORMED,		/* consumed by a repackaging (transform.h) */
	R__COUNT
};

struct judgement {
	enum verdict verdict;
	uint32_t reasons;		/* bit (1 << enum reason) */
	bool found;			/* unit record exists */
	struct unit unit;
	struct unit_place place;	/* where it is (after a sale: now) */
	struct unit_place judged_place;	/* where it was when judged: what the
					 * message explains */
	/* the container's code key, when judging read it (unit.parent) */
	size_t parent_key_len;		/* 0: not read */
	uint8_t parent_key[CODE_KEY_MAX];
	bool has_lot;
	struct lot lot;
	/* R_RECALLED for a lot it was repackaged from (lot_links.h), when
	 * its own lot is not recalled: that lot and its product */
	bool source_recalled;
	struct lot source;
	char source_product[MASTER_ID_MAX + 1];
	bool has_product;
	char product_id[MASTER_ID_MAX + 1];
	char product_name[201];
	uint32_t units_per_pack;
	uint8_t category;		/* enum category of the product */
	uint32_t by_category;		/* reasons whose severity the category's
					 * policy raised (bit per reason) */
	uint32_t licence_until;		/* the scanning site's, for its reason */
	bool has_cold_break;		/* cold and cold_site hold it */
	bool has_first_sale;		/* first_sale holds it */
	/* What the answer shows, read by verdict_gather once the judgement
	 * (and a sale's change) is final. */
	struct verdict_view {
		char holder[MASTER_ID_MAX + 1];		/* site ids; "" for none */
		char dest[MASTER_ID_MAX + 1];
		char judged_holder[MASTER_ID_MAX + 1];
		char judged_dest[MASTER_ID_MAX + 1];
		char first_sale_site[MASTER_ID_MAX + 1];
		bool has_parent;			/* the container's code */
		char parent[CODE_TEXT_MAX];
		bool has_last_event;
		uint8_t last_kind;			/* enum event_kind */
		int64_t last_time_ms;
		char last_site[MASTER_ID_MAX + 1];
		bool has_commissioned;
		int64_t commissioned_ms;
	} view;
	/* The answer goes to a client that has not signed in (public_verify):
	 * it says what a consumer needs — genuine? expired? recalled? sold
	 * before? — and names no site, sale time or transaction. */
	bool public_view;
	/* The answer a till acts on (BRIEF): verdict, reasons and message
	 * alone.  verdict_gather reads only what the message names, and
	 * verdict_reply renders those three pairs; the verdict and the
	 * message are the full answer's. */
	bool brief;

	/* Not cleared by verdict_judge, which clears everything above: a
	 * VERIFY would spend more on zeroing these 1.1 KB than on judging.
	 * Each is written before it is read. */
	struct code_result scan;	/* the scan, copied first */
	/* its cold-chain break, open or released, and where it is counted
	 * (has_cold_break) */
	struct cold_break cold;
	char cold_site[MASTER_ID_MAX + 1];
	struct event first_sale;	/* for DUPLICATE (has_first_sale) */
};

const char *reason_name(enum reason r);		/* "near_expiry" */
const char *verdict_name(enum verdict v);	/* "green" */
const char *unit_status_name(uint8_t status);	/* "in_transit" */

/* Add a reason; the verdict becomes the most severe of its reasons. */
void verdict_add(struct judgement *j, const struct config *cfg, enum reason r);

/* Today's date (YYYYMMDD) in the configured time zone. */
uint32_t verdict_today(const struct config *cfg, int64_t now_ms);

/*
 * Judge a scan (parsed by the request's parse: scan->cr_err set when it
 * did not parse) at time now_ms: find its unit, lot and product, and add
 * every reason that applies (site 0: no site given).  Returns 0 or a store
 * error.
 */
int verdict_judge(struct store_txn *t, const struct config *cfg, int64_t now_ms,
		  const struct code_result *scan, uint32_t site, struct judgement *j);

/* Find the first dispense of a unit (for DUPLICATE answers). */
int verdict_first_sale(struct store_txn *t, struct judgement *j);

/* Read what the reply shows into j->view (j->brief: only the sites the
 * message names).  0 or a store error (a site or event the records name
 * that cannot be read is corrupt, not "?"). */
int verdict_gather(struct store_txn *t, struct judgement *j);

/* The record's pairs every reply about a unit shows (VERIFY, TRACE):
 * product and product_name, lot and expiry (when known), level, status. */
void verdict_reply_record(struct resp_out *out, const struct judgement *j);

/* Reply: a map with verdict, reasons, message and (unless j->brief) the
 * record; reads nothing but j (gathered). */
void verdict_reply(struct resp_out *out, const struct judgement *j, const struct config *cfg,
		   int64_t now_ms);

#endif
