/*
 * transform — TRANSFORM by the rules (see transform.h).
 */
#include "transform.h"
#include "commission.h"
#include "eventlog.h"
#include "lot_links.h"
#include "parse.h"
#include "store.h"
#include "units.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A refusal of the part of the command named `part` (INPUTS, OUTPUTS)
 * made by a rule that numbers the codes it names within the part. */
static enum cmd_status in_part(struct outcome *o, enum cmd_status st, const char *part,
			       const struct outcome *said)
{
	if (st != CMD_REFUSED)
		return st;
	char why[sizeof o->why];
	size_t n = strlen(part);
	memcpy(why, said->why, sizeof why);
	o->conflict = said->conflict;
	/* part, a blank, then as much of the rule's words as fit */
	memcpy(o->why, part, n);
	o->why[n] = ' ';
	snprintf(o->why + n + 1, sizeof o->why - n - 1, "%.*s", (int)(sizeof o->why - n - 2),
		 why);
	return st;
}

/* May `site` consume input u (code i of the inputs)? */
static enum cmd_status may_consume(struct store_txn *t, const struct config *cfg,
				   const struct cmd *c, size_t i, const struct unit *u,
				   uint32_t site, struct outcome *o)
{
	char text[CODE_TEXT_MAX];
	const char *bad;
	enum cmd_status st = custody_may_end(t, u, i, site, "INPUTS ", "repackage", "repackaged",
					     o);
	if (st != CMD_DONE)
		return st;
	int rc = custody_unusable(t, cfg, c->when_ms, u, &bad);
	if (rc)
		return outcome_failed(o, rc);
	custody_unit_text(u, text);
	if (bad)
		return outcome_conflict(o, "INPUTS code %zu (%s): %s, so it may not be "
					"repackaged (destroy or return it)", i + 1, text, bad);
	return CMD_DONE;
}

/* The outputs: c's codes after the inputs, commissioned as COMMISSION
 * would, into *first (the first of their consecutive ids) and *lot. */
static enum cmd_status commission_outputs(struct store_txn *t, const struct config *cfg,
					  const struct cmd *c, struct custody_outcome *co,
					  uint64_t *first, uint32_t *lot)
{
	struct cmd outputs = *c;
	outputs.codes = c->codes + c->nsplit;
	outputs.ncodes = c->ncodes - c->nsplit;
	outputs.nsplit = 0;
	struct custody_outcome made = { 0 };
	enum cmd_status st = commission_apply(t, cfg, &outputs, &made);
	if (st == CMD_REFUSED)
		return in_part(&co->o, st, "OUTPUTS", &made.o);
	if (st != CMD_DONE)
		return outcome_failed(&co->o, made.o.store_rc);
	struct event e;
	struct unit u;
	int rc = events_get(t, made.seq, &e);
	if (rc == 0)
		rc = units_get(t, e.unit, &u);
	if (rc)
		return outcome_failed(&co->o, rc);
	*first = e.unit;
	*lot = u.lot;
	co->outputs = made.codes;
	co->level = made.level;
	co->warnings = made.warnings;
	return CMD_DONE;
}

/* Link each input's lot (once) to the output lot. */
static int link_lots(struct store_txn *t, const struct unit *in, size_t n, uint32_t out)
{
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		bool seen = in[i].lot == 0 || in[i].lot == out;
		for (size_t j = 0; j < i && !seen; j++)
			seen = in[j].lot == in[i].lot;
		if (!seen)
			rc = lot_links_add(t, in[i].lot, out);
	}
	return rc;
}

enum cmd_status transform_apply(struct store_txn *t, const struct config *cfg,
				const struct cmd *c, struct custody_outcome *co)
{
	struct outcome *o = &co->o;
	size_t nin = c->nsplit;
	if (nin == 0 || nin >= c->ncodes)
		return outcome_refuse(o, "INPUTS and OUTPUTS need at least one code each");
	uint32_t site, out_lot;
	uint64_t first;
	struct unit *u = NULL;
	enum cmd_status st;
	if ((st = custody_site(t, c, OPT_SITE, o, &site)) != CMD_DONE ||
	    (st = in_part(o, custody_units(t, c, 0, nin, &u, o), "INPUTS", o)) != CMD_DONE)
		return st;
	for (size_t i = 0; i < nin && st == CMD_DONE; i++)
		st = may_consume(t, cfg, c, i, &u[i], site, o);
	/* Every input checked: the outputs check themselves before their
	 * first write, then the inputs are consumed. */
	if (st == CMD_DONE)
		st = commission_outputs(t, cfg, c, co, &first, &out_lot);
	if (st == CMD_DONE) {
		struct event e = custody_event(c, EV_TRANSFORM, site, u, nin);
		e.parent = first;
		e.qty = (uint32_t)co->outputs;
		int rc = custody_end(t, c, &e, site, u, nin, UNIT_TRANSFORMED);
		for (size_t k = 0; k < co->outputs && rc == 0; k++)
			rc = events_index(t, first + k, e.seq);
		if (rc == 0)
			rc = link_lots(t, u, nin, out_lot);
		co->seq = e.seq;
		co->codes = nin;
		if (rc)
			st = outcome_failed(o, rc);
	}
	free(u);
	return st;
}
