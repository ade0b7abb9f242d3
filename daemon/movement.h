/*
 * movement — SHIP, RETURN, RECEIVE and DESTROY: codes leave a site, arrive
 * at one, or end.
 *
 *   SHIP code [code ...] FROM s TO s [REF r] [TIME t]
 *   RETURN code [code ...] FROM s TO s [REF r] [TIME t]
 *   RECEIVE code [code ...] SITE s [FROM s] [REF r] [TIME t]
 *   DESTROY code [code ...] SITE s [REF r] [TIME t]
 *
 * A site ships, returns or destroys what it holds (not what is dispensed,
 * destroyed or in transit); a packed code moves with its container, so
 * only the outermost is shipped or received.  A shipment received
 * anywhere but its destination is received all the same — the records are
 * what happened — but flagged diverted, with an alert.  Shipping and
 * receiving stock that should not move warns (badstock.h); returning it
 * counts for its recall.  Rules common to the distribution commands:
 * custody.h.
 */
#ifndef YIMA_MOVEMENT_H
#define YIMA_MOVEMENT_H

#include "custody.h"

struct config;
struct cmd;
struct store_txn;

/* Ship (or return: the shipment is a return, received as one) c's codes
 * from FROM to TO: in transit.  co: the event, the count, warnings. */
enum cmd_status movement_ship(struct store_txn *t, const struct config *cfg,
			      const struct cmd *c, struct custody_outcome *co);
enum cmd_status movement_return(struct store_txn *t, const struct config *cfg,
				const struct cmd *c, struct custody_outcome *co);

/* Receive c's codes, in transit, at SITE (from FROM, if given).  co: the
 * event, the count, how many were diverted, warnings. */
enum cmd_status movement_receive(struct store_txn *t, const struct config *cfg,
				 const struct cmd *c, struct custody_outcome *co);

/* Destroy c's codes, held by SITE; a packed one leaves its container.
 * co: the event and the count. */
enum cmd_status movement_destroy(struct store_txn *t, const struct config *cfg,
				 const struct cmd *c, struct custody_outcome *co);

#endif
