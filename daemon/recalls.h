/*
 * recalls — stopping the sale of a lot or a product: RECALL and LIFT a lot,
 * WITHDRAW a product, and a site's RECALL.ACK.
 *
 * A recall marks the lot record, whatever the lot's size: every VERIFY and
 * DISPENSE of its units reads the lot, so from the commit on they answer
 * RED RECALLED.  Withdrawal marks the product the same way (product_state.h)
 * and also refuses new commissioning of it.  RECALL.ACK records that a site
 * has the news; IMPACT (impact.h) reports who has and who is past the
 * deadline.
 *
 * Each function applies a typed command (parse.h) in the writer's
 * transaction at the command's time, checks everything before its first
 * write (CMD_REFUSED: nothing changed, why says what is wrong), and
 * returns the event it recorded.
 */
#ifndef YIMA_RECALLS_H
#define YIMA_RECALLS_H

#include <stdbool.h>
#include <stdint.h>

#include "outcome.h"

struct cmd;
struct config;
struct store_txn;

struct recall_outcome {
	struct outcome o;
	uint64_t event;		/* the event recorded; RECALL.ACK: the site's
				 * acknowledgement, this one or the first */
	int64_t acknowledged_ms;	/* RECALL.ACK: when the site acknowledged */
	bool repeated;		/* RECALL.ACK: the site had acknowledged before */
};

/* RECALL product lot LEVEL 1|2|3 REASON text: a recall, or a recall at
 * another level (refused at the level the lot is recalled at). */
enum cmd_status recalls_recall(struct store_txn *t, const struct config *cfg,
			       const struct cmd *c, struct recall_outcome *ro);

/* LIFT product lot REASON text: end the lot's recall. */
enum cmd_status recalls_lift(struct store_txn *t, const struct config *cfg, const struct cmd *c,
			     struct recall_outcome *ro);

/* WITHDRAW product REASON text: every lot of the product answers RED. */
/* UNWITHDRAW product REASON text: a withdrawal made in error ends; its
 * lots answer as they did before it. */
enum cmd_status recalls_unwithdraw(struct store_txn *t, const struct config *cfg,
				   const struct cmd *c, struct recall_outcome *ro);
enum cmd_status recalls_withdraw(struct store_txn *t, const struct config *cfg,
				 const struct cmd *c, struct recall_outcome *ro);

/* RECALL.ACK product lot SITE s [TIME t]: once per site and recall; a
 * repeat (a retry) changes nothing and answers with the first. */
enum cmd_status recalls_ack(struct store_txn *t, const struct config *cfg, const struct cmd *c,
			    struct recall_outcome *ro);

#endif
