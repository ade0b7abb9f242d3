/*
 * locks — LOCK and UNLOCK one code (stolen, under investigation): a locked
 * unit answers RED LOCKED to every scan until it is unlocked.  The lock is
 * a flag of the unit record, and each change an event of the unit.
 *
 * Both apply a typed command (parse.h) in the writer's transaction at the
 * command's time; CMD_REFUSED means nothing changed.
 */
#ifndef YIMA_LOCKS_H
#define YIMA_LOCKS_H

#include <stdint.h>

#include "outcome.h"

struct cmd;
struct config;
struct store_txn;

struct lock_outcome {
	struct outcome o;
	uint64_t event;		/* the LOCK or UNLOCK event recorded */
};

/* LOCK code [REASON text]: refused when the code is locked already. */
enum cmd_status locks_lock(struct store_txn *t, const struct config *cfg, const struct cmd *c,
			   struct lock_outcome *lo);

/* UNLOCK code [REASON text]: refused when the code is not locked. */
enum cmd_status locks_unlock(struct store_txn *t, const struct config *cfg, const struct cmd *c,
			     struct lock_outcome *lo);

#endif
