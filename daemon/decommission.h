/*
 * decommission — the end states a pack may leave the chain in besides a
 * sale and destruction (DOMAIN.md §5, the EU system's pack states), and
 * their undo:
 *
 *   DECOMMISSION code [code ...] SITE s STATE sample|exported|stolen|checked_out
 *                [REF r] [TIME t]
 *   REACTIVATE code [code ...] SITE s [REF r] [TIME t]
 *
 * A site decommissions sales units it holds (a packed one leaves its
 * container, as a destroyed one does); not containers, and not a split
 * pack already sold from.  A recalled, withdrawn or expired pack may be
 * taken as a sample or reported stolen, never exported or checked out to
 * a ward.  REACTIVATE puts decommissioned units back in stock, at the
 * site that decommissioned them and only within the undo window
 * (`undo_window`) of their decommissioning; after it, never: the unit
 * keeps its end state (DESTROY it, or a regulator LOCKs it).  Nor a unit
 * whose lot is recalled, whose product is withdrawn, or that has expired
 * (the EU system's Art. 13 of Delegated Regulation 2016/161).
 *
 * Which site kinds may reach which state: site_kinds.c.
 */
#ifndef YIMA_DECOMMISSION_H
#define YIMA_DECOMMISSION_H

#include <stddef.h>
#include <stdint.h>

#include "custody.h"

struct config;
struct cmd;
struct store_txn;

/* The end state named s (n bytes): an enum unit_status, 0 if none. */
uint8_t decommission_state_parse(const char *s, size_t n);

enum cmd_status decommission_apply(struct store_txn *t, const struct config *cfg,
				   const struct cmd *c, struct custody_outcome *co);
enum cmd_status decommission_reactivate(struct store_txn *t, const struct config *cfg,
					const struct cmd *c, struct custody_outcome *co);

#endif
