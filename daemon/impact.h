/*
 * impact — what IMPACT shows of a lot's recall chain: every site that has
 * had its units, what each holds, has sent on, sold and destroyed, whether
 * it acknowledged the recall and whether it is past the deadline, and the
 * flows between sites (in transit now; received and returned so far).
 *
 * It reads the lot's counters (tally.h) — one row per site and state, kept
 * up to date by every event — so its cost follows the number of sites, not
 * the number of units.  impact_gather reads everything the reply shows and
 * reports store errors; rendering (cmd_impact.c) reads nothing.
 *
 * A lot repackaged into others (TRANSFORM) reaches them: IMPACT lists the
 * derived lots (lot_links.h) with their units by status, and totals'
 * `derived` adds them up, so a recall's reach includes the repackaged
 * packs; each derived lot costs its own counters.
 */
#ifndef YIMA_IMPACT_H
#define YIMA_IMPACT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "archive.h"
#include "eventlog.h"
#include "lots.h"
#include "master.h"
#include "outcome.h"
#include "tally.h"

struct cmd;
struct config;
struct store_txn;

#define IMPACT_ENDS 4	/* end states: UNIT_SAMPLE .. UNIT_CHECKED_OUT */

struct impact_site {
	uint32_t site;
	char id[MASTER_ID_MAX + 1];
	char name[201];			/* "" when unset */
	char region[7];			/* 行政区划 code; "" when unset */
	char kind[40];
	uint32_t stock[TALLY_LEVELS];
	uint32_t sent[TALLY_LEVELS];	/* in transit from here */
	uint32_t incoming;		/* units in transit to here */
	uint32_t commissioned, dispensed, destroyed, received;
	/* decommissioned: sample, exported, stolen, checked_out */
	uint32_t ended[IMPACT_ENDS];
	int64_t first_sale, last_sale;
	struct tally_recall recall;	/* of the current recall, or zeroes */
	bool past_deadline;		/* recalled, not acknowledged, too late */
	uint32_t cold_breaks;		/* units with an open cold-chain break
					 * counted here (coldchain.h) */
	uint32_t transformed;		/* inputs repackaged here (TRANSFORM) */
};

struct impact_flow {
	uint32_t from, to;
	char from_id[MASTER_ID_MAX + 1], to_id[MASTER_ID_MAX + 1];
	uint32_t count[TALLY_LEVELS];
	int64_t since;			/* transit: first shipment still under way */
	bool is_return;
};

/* A lot repackaged (TRANSFORM) from the lot asked about, or from one of
 * the product's lots, at any depth (lot_links.h): its units are part of
 * a recall's reach. */
struct impact_derived {
	struct lot lot;
	char product[MASTER_ID_MAX + 1];
	char from_product[MASTER_ID_MAX + 1];	/* the lot it was made from, */
	char from_lot[CODE_SERIAL_MAX];		/* the nearest one asked about */
	uint64_t stock, transit, dispensed, destroyed, ended, transformed;
};

/* IMPACT PRODUCT: one lot of the product, as its row shows it. */
struct impact_lot {
	struct lot lot;
	uint64_t stock, transit, dispensed, destroyed;
};

struct impact_outcome {
	struct outcome o;
	char product[MASTER_ID_MAX + 1];
	struct lot lot;			/* IMPACT PRODUCT: zeroes */
	bool by_product;		/* IMPACT PRODUCT p: across its lots */
	struct impact_lot *lots;	/* then: each lot, in lot-key order */
	size_t nlots;
	bool recalled;
	struct event recall;		/* the RECALL, while recalled */
	int64_t deadline;		/* for acknowledging it; 0 none */
	struct impact_totals {
		uint64_t stock, transit, dispensed, destroyed, ended[IMPACT_ENDS];
		uint32_t containers[TALLY_LEVELS];	/* in stock or in transit */
		uint64_t acknowledged, past_deadline;
		uint64_t cold_breaks;		/* open, at every site */
		uint64_t transformed;		/* repackaged into other lots */
		uint64_t derived;		/* units of the derived lots */
		struct tally_recall after;	/* moved on after the recall */
	} totals;
	/* The lots repackaged from it (at every site, whatever REGION says),
	 * nearest first, at most LOT_LINKS_MAX. */
	struct impact_derived *derived;
	size_t nderived, capderived;
	/* By site number; flows by (from, to, kind).  impact_free frees. */
	struct impact_site *site;
	size_t nsite, capsite;
	struct impact_flow *transit, *edge;
	size_t ntransit, captransit, nedge, capedge;
	/* The archives (archive.h): the product's, and site[i]'s in
	 * archive[i] (kept apart: IMPACT PRODUCT adds sites up lot by lot, and
	 * only the sites listed get one); licences judged on `today`. */
	struct archive product_archive;
	struct archive *archive;
	uint32_t today;
};

/* IMPACT product lot | IMPACT code (the lot of its units: a container
 * must hold units of one lot) | IMPACT PRODUCT product (every lot of it,
 * each site's rows added up over the lots), at the command's time;
 * REGION r keeps the sites whose region code starts with r (a province's
 * code keeps its cities), the flows that touch them, and totals of them. */
enum cmd_status impact_gather(struct store_txn *t, const struct config *cfg, const struct cmd *c,
			      struct impact_outcome *io);
/* Free what impact_gather allocated (after any status). */
void impact_free(struct impact_outcome *io);

#endif
