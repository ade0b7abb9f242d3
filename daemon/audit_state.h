/*
 * audit_state — AUDIT VERIFY STATE: is the state what the log gives?
 *
 * The live store's log (journal.h) is replayed (replay.h) into a scratch
 * store in a new directory inside the data directory (audit-state.XXXXXX,
 * on the same disk, which must have room for a copy of the store; removed
 * afterwards), and the two stores are compared record by record
 * (statecmp.h).  A record changed underneath yimad — a sold unit's status
 * set back to active, a sale removed — differs from what the log gives.
 *
 * No read transaction of the live store stays open for long: the log is
 * read a chunk at a time, and the comparison goes in steps, each in a new
 * read transaction; before each step the scratch store catches up with the
 * log as that transaction sees it, so each step compares both stores at
 * the same entry.  Writes go on meanwhile, and growing the map waits for
 * one chunk or step at most.  The network thread that runs it does
 * nothing else until it ends (its other connections wait), and one runs
 * at a time.
 */
#ifndef YIMA_AUDIT_STATE_H
#define YIMA_AUDIT_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "statecmp.h"

struct config;
struct store_reader;

struct audit_state_result {
	bool uncovered;			/* the log starts after what the store held */
	uint64_t events_before;		/* ... the last event seq then */
	bool ok;			/* the state is what the log gives */
	uint64_t entries;		/* entries replayed */
	uint64_t records;		/* records compared and equal */
	bool differs;			/* diff holds the first difference */
	struct statecmp_diff diff;
	char error[800];		/* !ok: what is wrong */
	uint64_t ms;			/* how long it took */
};

/* Run it on the store reader reads (this thread's reader,
 * no transaction open), with the settings in cfg (the scratch store goes
 * under cfg->data).  Returns 0 with the outcome in *r, or -1 with why
 * it could not run in err. */
int audit_state(const struct config *cfg, struct store_reader *reader,
		struct audit_state_result *r, char *err, size_t errlen);

#endif
