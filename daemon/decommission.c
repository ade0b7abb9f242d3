/*
 * decommission — DECOMMISSION and REACTIVATE by the rules (see
 * decommission.h).
 */
#include "decommission.h"
#include "args.h"
#include "config.h"
#include "eventlog.h"
#include "mcache.h"
#include "parse.h"
#include "store.h"
#include "tally.h"
#include "units.h"
#include "verdict.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

uint8_t decommission_state_parse(const char *s, size_t n)
{
	for (uint8_t st = UNIT_SAMPLE; st <= UNIT_CHECKED_OUT; st++) {
		const char *name = unit_status_name(st);
		if (strlen(name) == n && memcmp(name, s, n) == 0)
			return st;
	}
	return 0;
}

static bool decommissioned(uint8_t status)
{
	return status >= UNIT_SAMPLE && status <= UNIT_CHECKED_OUT;
}

/* Why unit u (code i) may not go to `state`, as a refusal; CMD_DONE if it
 * may.  Stock that must not be used (recalled, withdrawn, expired) may be
 * sampled or reported stolen, not exported nor given to a ward. */
static enum cmd_status may_end(struct store_txn *t, const struct config *cfg,
			       const struct cmd *c, size_t i, const struct unit *u,
			       uint32_t site, uint8_t state, struct outcome *o)
{
	char text[CODE_TEXT_MAX];
	enum cmd_status st = custody_may_end(t, u, i, site, "", "decommission",
					     "decommissioned", o);
	if (st != CMD_DONE || (state != UNIT_EXPORTED && state != UNIT_CHECKED_OUT))
		return st;
	custody_unit_text(u, text);
	const char *bad;
	int rc;
	if ((rc = custody_unusable(t, cfg, c->when_ms, u, &bad)) != 0)
		return outcome_failed(o, rc);
	if (bad)
		return outcome_conflict(o, "code %zu (%s): %s, so it may not be %s (destroy or "
					"return it)", i + 1, text, bad, unit_status_name(state));
	return CMD_DONE;
}

/* Check each of c's codes by `may` (state: the end state, or 0), then
 * move them all to `to` by one event of `kind`. */
typedef enum cmd_status (*check_fn)(struct store_txn *t, const struct config *cfg,
				    const struct cmd *c, size_t i, const struct unit *u,
				    uint32_t site, uint8_t state, struct outcome *o);

static enum cmd_status run(struct store_txn *t, const struct config *cfg, const struct cmd *c,
			   check_fn may, uint8_t kind, uint8_t state, struct custody_outcome *co)
{
	struct outcome *o = &co->o;
	if (c->ncodes == 0)
		return outcome_refuse(o, "no codes given");
	uint32_t site;
	struct unit *u = NULL;
	enum cmd_status st;
	if ((st = custody_site(t, c, OPT_SITE, o, &site)) != CMD_DONE ||
	    (st = custody_units(t, c, 0, c->ncodes, &u, o)) != CMD_DONE)
		return st;
	for (size_t i = 0; i < c->ncodes && st == CMD_DONE; i++)
		st = may(t, cfg, c, i, &u[i], site, state, o);
	if (st == CMD_DONE) {
		struct event e = custody_event(c, kind, site, u, c->ncodes);
		/* The end state reached; a REACTIVATE's, the one left. */
		e.qty = state ? state : u[0].status;
		int rc = custody_end(t, c, &e, site, u, c->ncodes, state ? state : UNIT_ACTIVE);
		co->seq = e.seq;
		co->codes = c->ncodes;
		if (rc)
			st = outcome_failed(o, rc);
	}
	free(u);
	return st;
}

enum cmd_status decommission_apply(struct store_txn *t, const struct config *cfg,
				   const struct cmd *c, struct custody_outcome *co)
{
	const struct resp_arg *sa = c->opt[OPT_STATE].arg;
	uint8_t state = decommission_state_parse(sa->ptr, sa->len);
	if (state == 0)
		return outcome_refuse(&co->o, "STATE '%.*s' is not an end state (sample, exported, "
				      "stolen, checked_out)", (int)(sa->len > 40 ? 40 : sa->len),
				      sa->ptr);
	return run(t, cfg, c, may_end, EV_DECOMMISSION, state, co);
}

/* The newest decommissioning of a unit. */
struct last_end {
	struct store_txn *t;
	struct event e;
	bool found;
	int rc;
};

static int last_end_cb(void *arg, uint64_t seq)
{
	struct last_end *w = arg;
	struct event e;
	if ((w->rc = events_get(w->t, seq, &e)) != 0)
		return 1;
	if (e.kind == EV_DECOMMISSION) {
		w->e = e;
		w->found = true;
	}
	return 0;
}

/* May `site` bring unit u (code i) back to stock now? */
static enum cmd_status may_return(struct store_txn *t, const struct config *cfg,
				  const struct cmd *c, size_t i, const struct unit *u,
				  uint32_t site, uint8_t state, struct outcome *o)
{
	(void)state;
	char text[CODE_TEXT_MAX], when[32], by[MASTER_ID_MAX + 1], d[32];
	custody_unit_text(u, text);
	if (!decommissioned(u->status))
		return outcome_conflict(o, "code %zu (%s) is not decommissioned (it is %s)",
					i + 1, text, unit_status_name(u->status));
	struct last_end w = { .t = t };
	int rc = events_of(t, u, last_end_cb, &w);
	if (rc == 1)
		rc = w.rc;
	if (rc == 0 && !w.found)
		rc = store_corrupt(DB_UNITS, NULL, 0, "a decommissioned unit without its event");
	if (rc == 0 && u->holder != site)
		rc = custody_site_name(t, u->holder, by);
	if (rc)
		return outcome_failed(o, rc);
	args_format_time(w.e.time_ms, when);
	if (u->holder != site)
		return outcome_conflict(o, "code %zu (%s) was decommissioned (%s) by %s: only "
					"that site may reactivate it", i + 1, text,
					unit_status_name(u->status), by);
	if (c->when_ms - w.e.time_ms > (int64_t)cfg->undo_window * 1000)
		return outcome_conflict(o, "code %zu (%s) was decommissioned (%s) on %s, more "
					"than the undo window (%s) ago: it cannot return to stock",
					i + 1, text, unit_status_name(u->status), when,
					config_format_duration(cfg->undo_window, d, sizeof d));
	/* As the EU system (Delegated Regulation 2016/161, Art. 13): a pack
	 * recalled, withdrawn or expired since it left stays out of it. */
	const char *bad;
	if ((rc = custody_unusable(t, cfg, c->when_ms, u, &bad)) != 0)
		return outcome_failed(o, rc);
	if (bad)
		return outcome_conflict(o, "code %zu (%s): %s, so it cannot return to stock "
					"(destroy it)", i + 1, text, bad);
	return CMD_DONE;
}

enum cmd_status decommission_reactivate(struct store_txn *t, const struct config *cfg,
					const struct cmd *c, struct custody_outcome *co)
{
	return run(t, cfg, c, may_return, EV_REACTIVATE, 0, co);
}
