/*
 * statecmp — compare two stores record by record: every database, every
 * key and value (every value of a dup key), in key order, naming the
 * first difference.
 *
 * Every database takes part, DB_META too: its counters and schema version
 * are state like any other, and nothing in it is bookkeeping that two
 * stores made from one log may hold differently.  (A store upgraded from
 * before the log differs in STORE_META_LOG_START, but such a store cannot
 * be compared with its log at all: journal_start.)
 *
 * The walk goes in steps, each in a pair of read transactions the caller
 * opens, so no read transaction need stay open for the whole walk: a
 * step starts after the last record the previous one compared.  Each
 * record is then compared at one consistent point of both stores; a
 * record changed after its step is not looked at again.
 */
#ifndef YIMA_STATECMP_H
#define YIMA_STATECMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "store.h"

struct statecmp {
	int db;				/* being compared; DB__COUNT: done */
	bool inside;			/* key/val hold the last record compared */
	struct buf key, val;
	uint64_t records;		/* compared and equal so far */
};

struct statecmp_diff {
	enum store_db db;
	char key[2 * 64 + 4];		/* hex, "..." if longer */
	char what[400];
};

void statecmp_init(struct statecmp *c);
void statecmp_free(struct statecmp *c);

static inline bool statecmp_done(const struct statecmp *c)
{
	return c->db >= DB__COUNT;
}

/* Compare up to `limit` records of `a` (the store) and `b` (what its log
 * gives) from where c stands.  Returns 0 (statecmp_done once all are
 * compared), 1 with the first difference in *d, or a store error. */
int statecmp_step(struct statecmp *c, struct store_txn *a, struct store_txn *b,
		  size_t limit, struct statecmp_diff *d);

#endif
