/*
 * custody — what the rules of the distribution commands share: the outcome
 * they return, the units a command names, the sites it names, whether a
 * site may move a unit, and a moved unit's record and lot counters.
 *
 * The rules themselves: commission.h (COMMISSION), packing.h (PACK,
 * UNPACK), movement.h (SHIP, RETURN, RECEIVE, DESTROY).  Each takes the
 * typed, stamped command (parse.h) and writes in the writer's transaction
 * at the command's own time (c->when_ms), never the clock's.  Every code
 * is checked before the first write: one bad code refuses the whole
 * command (CMD_REFUSED, nothing written), and the refusal names the code
 * by its place among the command's codes ("code 3 (...) is destroyed").
 *
 * Movements apply to the code named; what is packed inside moves with it
 * without being touched (a unit is wherever its outermost container is,
 * see units_place), so shipping a case of 10,000 units writes one record.
 * Each movement also moves what it carries between the lot counters of
 * tally.h, which is what IMPACT reads.
 */
#ifndef YIMA_CUSTODY_H
#define YIMA_CUSTODY_H

#include <stddef.h>
#include <stdint.h>

#include "badstock.h"
#include "code.h"
#include "command.h"
#include "outcome.h"

struct cmd;
struct store_txn;
struct tally_load;
struct tally_place;
struct unit;

/* How a distribution command ended, and what its reply shows. */
struct custody_outcome {
	struct outcome o;
	uint64_t seq;		/* the event recorded */
	size_t codes;		/* how many codes it moved, packed, created */
	size_t outputs;		/* TRANSFORM: the codes it commissioned */
	uint32_t level;		/* COMMISSION: the level taken, given or implied
				 * by the codes, so a surprise shows at once */
	size_t diverted;	/* RECEIVE: codes received where they were not sent */
	bool has_reading;	/* SHIP, RETURN, RECEIVE with TEMP */
	uint64_t cold_breaks;	/* units its reading marked (coldchain.h) */
	struct badstock warnings;	/* COMMISSION, SHIP, RECEIVE */
};

/* A code in messages: its canonical text ("?" if it has none). */
const char *custody_code_text(const uint8_t *key, size_t len, char buf[CODE_TEXT_MAX]);
const char *custody_unit_text(const struct unit *u, char buf[CODE_TEXT_MAX]);

/* The site named by option `id` (a site id or GLN): its number, or 0 when
 * the option is not given (the grammar requires those that must be).
 * CMD_REFUSED when it names no site ("FROM: unknown site 'X' ..."). */
enum cmd_status custody_site(struct store_txn *t, const struct cmd *c, enum opt_id id,
			     struct outcome *o, uint32_t *num);

/* The units of n of c's codes from codes[first] on: *units (the caller
 * frees it; NULL unless CMD_DONE).  Refused when a code does not parse,
 * is not commissioned, or is named twice. */
enum cmd_status custody_units(struct store_txn *t, const struct cmd *c, size_t first, size_t n,
			      struct unit **units, struct outcome *o);

/* Why `site` cannot move unit u now ("is dispensed", "is held by PH1"),
 * into why (n bytes), or "" if it can.  0 or a store error. */
int custody_unmovable(struct store_txn *t, const struct unit *u, uint32_t site, char *why,
		      size_t n);

/* May `site` take sales unit u, code i of the command (`part`: "" or
 * "INPUTS "), out of its stock for good?  Refused for a container (`verb`
 * the packs in it: UNPACK it first), a unit not in stock at `site`, a
 * split pack already sold from (it cannot be `done`).  CMD_DONE if it
 * may.  DECOMMISSION, TRANSFORM. */
enum cmd_status custody_may_end(struct store_txn *t, const struct unit *u, size_t i,
				uint32_t site, const char *part, const char *verb,
				const char *done, struct outcome *o);

/* Why unit u's stock must not be used at time `when` (ms), into *bad
 * ("its lot is recalled", "its product is withdrawn", "it is expired";
 * NULL if it may): 0 or a store error.  DECOMMISSION, REACTIVATE,
 * TRANSFORM. */
struct config;
int custody_unusable(struct store_txn *t, const struct config *cfg, int64_t when,
		     const struct unit *u, const char **bad);

/* The id of site `num` into out (MASTER_ID_MAX + 1 bytes), "?" for no such
 * site / the code of unit u's container into buf, "?" if it has none.
 * 0 or a store error. */
int custody_site_name(struct store_txn *t, uint32_t num, char *out);
int custody_parent_text(struct store_txn *t, const struct unit *u, char buf[CODE_TEXT_MAX]);

/* Unit u, changed by event `seq`: store it and index the event under it. */
/* An event about c's n codes (u: their units) at `site`, with c's REF
 * and actor (one unit: named in the event; more: its members). */
struct event custody_event(const struct cmd *c, uint8_t kind, uint32_t site,
			   const struct unit *u, size_t n);
/* Record event e (custody_event) and put units u (n, held by `site`) in
 * `status` there: each leaves its container; the counters follow.
 * DESTROY, DECOMMISSION and REACTIVATE. */
int custody_end(struct store_txn *t, const struct cmd *c, struct event *e, uint32_t site,
		struct unit *u, size_t n, uint8_t status);
int custody_record(struct store_txn *t, struct unit *u, uint64_t seq);

/* The lot-counter bucket unit u is in now (following its containers). */
int custody_bucket(struct store_txn *t, const struct unit *u, struct tally_place *tp);

/* Unit u, changed and stored, was in bucket `from` before: move it and
 * what it carries (*ld, for the caller) to where it is now.  `edge` (or
 * NULL) also counts it as received on one edge of the distribution tree. */
int custody_moved(struct store_txn *t, const struct unit *u, const struct tally_place *from,
		  const struct tally_place *edge, int64_t when, struct tally_load *ld);

#endif
