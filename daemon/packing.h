/*
 * packing — PACK and UNPACK: units into containers and out again.
 *
 *   PACK container code [code ...] SITE s [TIME t]
 *   UNPACK container [code ...] SITE s [TIME t]
 *
 * A container holds codes of a lower level than its own, at most
 * TALLY_LOTS_MAX lots of units at any depth, and never itself or one of
 * its own containers.  A container nobody commissioned (an SSCC, a case
 * code) is created by its first packing, one level above the highest of
 * what it holds, of their lot if they share one.  Packed units stay where
 * they were, now inside: only the containers' summaries of what they carry
 * change (tally.h).  Rules common to the distribution commands: custody.h.
 */
#ifndef YIMA_PACKING_H
#define YIMA_PACKING_H

#include <stdbool.h>

#include "custody.h"

struct config;
struct cmd;
struct store_txn;

/* Pack codes 2.. of c into code 1.  as_records: c stands for EVENTS
 * records of one child each (cmd_ctx.as_records), so it also refuses a new
 * container for children that differ in level or lot, which the records
 * one at a time would not give the same container.  co: the event and the
 * number of children. */
enum cmd_status packing_pack(struct store_txn *t, const struct config *cfg, const struct cmd *c,
			     bool as_records, struct custody_outcome *co);

/* Take codes 2.. of c, or everything it holds, out of container code 1:
 * they stay where it is.  co: the event and the number taken out. */
enum cmd_status packing_unpack(struct store_txn *t, const struct config *cfg,
			       const struct cmd *c, struct custody_outcome *co);

#endif
