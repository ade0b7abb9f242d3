/*
 * scan — the rules of a scan at the counter: what VERIFY answers, what a
 * DISPENSE sells and what an UNDO gives back.
 *
 * Each function takes the typed, stamped command (parse.h) and decides by
 * its time (c->when_ms), never the clock, so the same commands applied in
 * the same order answer the same everywhere.  DISPENSE and UNDO write in
 * the writer's transaction, and check everything before their first
 * write: CMD_REFUSED means nothing changed.
 *
 * Sales are idempotent per (site, transaction, code): DB_SALES (sales.h)
 * keeps the answer that sold, so a retried DISPENSE gets that answer again
 * and changes nothing, and a retried UNDO likewise.  An answer that sold
 * nothing (RED, or an unknown code) or a sale since undone binds nothing:
 * the same TX is judged again as a new scan, and an alert the first answer
 * raised is not raised again for it.
 */
#ifndef YIMA_SCAN_H
#define YIMA_SCAN_H

#include <stdbool.h>

#include "outcome.h"
#include "verdict.h"

struct config;
struct cmd;
struct store_txn;

struct scan_outcome {
	struct outcome o;
	/* The answer, gathered (verdict_gather): ready for verdict_reply. */
	struct judgement j;
	bool replayed;		/* DISPENSE: a retry, answered as the first time */
};

/* An outcome ready for a rule: the judgement is set by the rule itself
 * (verdict_judge clears it), so a scan does not clear its 2 KiB twice. */
static inline void scan_outcome_init(struct scan_outcome *so)
{
	so->o.store_rc = 0;
	so->o.conflict = false;
	so->o.why[0] = '\0';
	so->replayed = false;
}

/* VERIFY code [SITE s]: the judgement alone.  public_view: for a client
 * that has not signed in (verdict.h). */
enum cmd_status scan_verify(struct store_txn *t, const struct config *cfg, const struct cmd *c,
			    bool public_view, struct scan_outcome *so);

/* DISPENSE code SITE s [TX t] [QTY n] [TIME t].  record: an EVENTS record,
 * for which an answer that does not sell (RED) changes nothing at all —
 * no alert, no answer kept for its TX — since the failed record is left
 * out of the batch. */
enum cmd_status scan_dispense(struct store_txn *t, const struct config *cfg,
			      const struct cmd *c, bool record, struct scan_outcome *so);

/* UNDO code SITE s TX t: GREEN when the sale is reversed (or was, by this
 * same request before), RED with the reason otherwise. */
enum cmd_status scan_undo(struct store_txn *t, const struct config *cfg, const struct cmd *c,
			  struct scan_outcome *so);

#endif
