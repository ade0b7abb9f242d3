/*
 * lot_links — which lots were repackaged into which (TRANSFORM,
 * transform.h): a lot made from another carries its chain, so a recall of
 * the input lot reaches the output lots (IMPACT lists them as derived,
 * VERIFY and DISPENSE of an output answer RED recalled, naming the input
 * lot).  Links are kept per lot, both ways, in two dup databases of lot
 * numbers (STORE.md): lot_sources (output lot → input lots) and
 * lot_outputs (input lot → output lots).  Which units of an output were
 * made from which inputs is the TRANSFORM event's (eventlog.h).
 *
 * A lot repackaged again is followed to LOT_LINKS_DEPTH steps.  Links can
 * form a cycle: TRANSFORM may commission its outputs into a lot that
 * exists already (L1 into S1, then S1 into L1), so a walk never lists the
 * lot it starts from, lists each lot once, and is bounded.
 *
 * Errors: 0, STORE_CORRUPT or a store error code.
 */
#ifndef YIMA_LOT_LINKS_H
#define YIMA_LOT_LINKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lots.h"

struct store_txn;

#define LOT_LINKS_DEPTH 8	/* repackagings followed from a lot */
#define LOT_LINKS_MAX 256	/* lots one walk collects */

/* Lot `out` was made (in part) from lot `in`: both links, once. */
int lot_links_add(struct store_txn *t, uint32_t in, uint32_t out);

/* The lots `lot` was made from (sources) or that were made from it
 * (outputs), at any depth up to LOT_LINKS_DEPTH, nearest first, each
 * once and never `lot` itself, at most LOT_LINKS_MAX: into lots[], their
 * number in *n.  via
 * (NULL, or LOT_LINKS_MAX long) gets each output's lot it was made from:
 * `lot` itself, or an output listed before it. */
int lot_links_sources(struct store_txn *t, uint32_t lot, uint32_t *lots, size_t *n);
int lot_links_outputs(struct store_txn *t, uint32_t lot, uint32_t *lots, uint32_t *via,
		      size_t *n);

/* The first of lot's sources (lot_links_sources' order) that is
 * recalled, into *src; *found false if none is. */
int lot_links_recalled_source(struct store_txn *t, uint32_t lot, struct lot *src, bool *found);

#endif
