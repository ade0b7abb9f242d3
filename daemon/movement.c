/*
 * movement — SHIP, RETURN, RECEIVE and DESTROY by the rules (see
 * movement.h).
 */
#include "movement.h"
#include "alerts.h"
#include "coldchain.h"
#include "eventlog.h"
#include "parse.h"
#include "store.h"
#include "tally.h"
#include "units.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

_Static_assert(CMD_REF_MAX <= EVENT_REF_MAX, "the grammar's REF fits an event");


/* c's TEMP, when given, into *r (co->has_reading).  Refused when it is not
 * a reading: checked before anything is written. */
static enum cmd_status reading_of(const struct cmd *c, struct cold_reading *r,
				  struct custody_outcome *co)
{
	const struct resp_arg *temp = c->opt[OPT_TEMP].arg;
	char err[160];
	if (temp == NULL)
		return CMD_DONE;
	if (coldchain_parse(temp->ptr, temp->len, r, err, sizeof err) != 0)
		return outcome_refuse(&co->o, "%s", err);
	co->has_reading = true;
	return CMD_DONE;
}

/* Everything recorded: the shipment's reading, if it has one, and the
 * breaks it reveals, counted at `site`. */
static int record_reading(struct store_txn *t, const struct cmd *c, const struct cold_reading *r,
			  uint32_t site, const struct unit *u, struct custody_outcome *co)
{
	if (!co->has_reading)
		return 0;
	return coldchain_record(t, r, co->seq, c->when_ms, site, u, c->ncodes, &co->cold_breaks);
}

/* The units of all of c's codes, which `site` must hold: *u, the caller
 * frees it.  `whole`: codes packed in a container are refused (a
 * shipment names its outermost containers). */
static enum cmd_status held(struct store_txn *t, const struct cmd *c, uint32_t site, bool whole,
			    struct unit **u, struct outcome *o)
{
	char text[CODE_TEXT_MAX], why[160];
	enum cmd_status st = custody_units(t, c, 0, c->ncodes, u, o);
	int rc = 0;
	for (size_t i = 0; i < c->ncodes && st == CMD_DONE; i++) {
		const struct unit *x = &(*u)[i];
		if (whole && x->parent) {
			char pt[CODE_TEXT_MAX];
			if ((rc = custody_parent_text(t, x, pt)) == 0)
				st = outcome_refuse(o, "code %zu (%s) is packed in %s: ship the "
						    "container, or unpack it first", i + 1,
						    custody_unit_text(x, text), pt);
		} else if ((rc = custody_unmovable(t, x, site, why, sizeof why)) == 0 && why[0]) {
			st = outcome_conflict(o, "code %zu (%s) %s", i + 1,
					      custody_unit_text(x, text), why);
		}
		if (rc)
			st = outcome_failed(o, rc);
	}
	if (st != CMD_DONE && *u) {
		free(*u);
		*u = NULL;
	}
	return st;
}

/* Everything checked: units u, shipped (or returned) from `from` to `to`. */
static int depart(struct store_txn *t, const struct config *cfg, const struct cmd *c,
		uint8_t kind, uint32_t from, uint32_t to, struct unit *u,
		struct custody_outcome *co)
{
	size_t n = c->ncodes;
	struct event e = custody_event(c, kind, from, u, n);
	e.other = to;
	int rc = events_add(t, &e, 0);
	if (rc == 0 && e.unit == 0)	/* several codes: listed (eventlog.h) */
		rc = events_members_put(t, e.seq, u, n);
	for (size_t i = 0; i < n && rc == 0; i++) {
		struct tally_place was;
		struct tally_load ld;
		if ((rc = custody_bucket(t, &u[i], &was)) != 0)
			break;
		u[i].status = UNIT_IN_TRANSIT;
		u[i].holder = from;
		u[i].dest = to;
		u[i].flags = (uint8_t)((u[i].flags & ~UNIT_F_RETURNING) |
				       (kind == EV_RETURN ? UNIT_F_RETURNING : 0));
		if ((rc = custody_record(t, &u[i], e.seq)) == 0)
			rc = custody_moved(t, &u[i], &was, NULL, c->when_ms, &ld);
		if (rc == 0 && kind == EV_RETURN)
			rc = badstock_returned(t, &u[i], from);
		else if (rc == 0)	/* a return of bad stock is what should happen */
			rc = badstock_check(t, cfg, &ld, c->when_ms, from, BADSTOCK_SHIPPED,
					    &co->warnings);
	}
	co->seq = e.seq;
	co->codes = n;
	return rc;
}

static enum cmd_status ship(struct store_txn *t, const struct config *cfg, const struct cmd *c,
			    uint8_t kind, struct custody_outcome *co)
{
	struct outcome *o = &co->o;
	struct unit *u = NULL;
	uint32_t from, to;
	enum cmd_status st;
	if (c->ncodes == 0)
		return outcome_refuse(o, "no codes given");
	if ((st = custody_site(t, c, OPT_FROM, o, &from)) != CMD_DONE ||
	    (st = custody_site(t, c, OPT_TO, o, &to)) != CMD_DONE)
		return st;
	if (to == 0 && kind == EV_RETURN)	/* the grammar requires it */
		return outcome_refuse(o, "TO is required");
	if (from == to)
		return outcome_refuse(o, "FROM and TO are the same site");
	struct cold_reading r;
	if ((st = reading_of(c, &r, co)) != CMD_DONE ||
	    (st = held(t, c, from, true, &u, o)) != CMD_DONE)
		return st;
	int rc = depart(t, cfg, c, kind, from, to, u, co);
	if (rc == 0)	/* counted where the shipment is going */
		rc = record_reading(t, c, &r, to ? to : from, u, co);
	free(u);
	return rc ? outcome_failed(o, rc) : CMD_DONE;
}

enum cmd_status movement_ship(struct store_txn *t, const struct config *cfg,
			      const struct cmd *c, struct custody_outcome *co)
{
	return ship(t, cfg, c, EV_SHIP, co);
}

enum cmd_status movement_return(struct store_txn *t, const struct config *cfg,
				const struct cmd *c, struct custody_outcome *co)
{
	return ship(t, cfg, c, EV_RETURN, co);
}

/* May units u, in transit, be received (from `from`, if not 0)?  *sender:
 * the site that sent them all, or 0 when several did. */
static enum cmd_status check_arrival(struct store_txn *t, const struct unit *u, size_t n,
				     uint32_t from, uint32_t *sender, struct outcome *o)
{
	char text[CODE_TEXT_MAX], s[MASTER_ID_MAX + 1];
	*sender = u[0].holder;
	for (size_t i = 0; i < n; i++) {
		if (u[i].parent)
			return outcome_refuse(o, "code %zu (%s) is packed: receive its container",
					      i + 1, custody_unit_text(&u[i], text));
		if (u[i].status != UNIT_IN_TRANSIT)
			return outcome_refuse(o, "code %zu (%s) is not in transit (receive before "
					      "ship?)", i + 1, custody_unit_text(&u[i], text));
		if (from && u[i].holder != from) {
			int rc = custody_site_name(t, u[i].holder, s);
			if (rc)
				return outcome_failed(o, rc);
			return outcome_refuse(o, "code %zu (%s) was shipped by %s, not by the FROM "
					      "site", i + 1, custody_unit_text(&u[i], text), s);
		}
		if (u[i].holder != *sender)
			*sender = 0;	/* several senders: the event names none */
	}
	return CMD_DONE;
}

/* A unit received at `site`, not its destination: an alert about it. */
static int diverted(struct store_txn *t, const struct unit *u, uint32_t site, int64_t when,
		    uint64_t seq)
{
	struct alert a = { .kind = ALERT_DIVERSION, .time_ms = when, .site = site,
			   .unit = u->id, .related = seq, .key_len = u->key_len };
	memcpy(a.key, u->key, u->key_len);
	return alerts_add(t, &a);
}

/* Everything checked: units u received at `site` from `sender`. */
static int arrive(struct store_txn *t, const struct config *cfg, const struct cmd *c,
		  uint32_t site, uint32_t sender, struct unit *u, struct custody_outcome *co)
{
	size_t n = c->ncodes;
	/* dest 0: shipped to a destination not known; received anywhere */
	for (size_t i = 0; i < n; i++)
		co->diverted += u[i].dest != 0 && u[i].dest != site;
	struct event e = custody_event(c, EV_RECEIVE, site, u, n);
	e.other = sender;
	e.flags = co->diverted ? EVENT_F_DIVERTED : 0;
	int rc = events_add(t, &e, 0);
	if (rc == 0 && e.unit == 0)
		rc = events_members_put(t, e.seq, u, n);
	for (size_t i = 0; i < n && rc == 0; i++) {
		struct tally_load ld;
		bool returned = u[i].flags & UNIT_F_RETURNING;
		if (u[i].dest != 0 && u[i].dest != site) {
			if ((rc = diverted(t, &u[i], site, c->when_ms, e.seq)) != 0)
				break;
			u[i].flags |= UNIT_F_DIVERTED;
		}
		struct tally_place was, edge = { returned ? TALLY_RETURNED : TALLY_RECEIVED, site,
						 u[i].holder };
		if ((rc = custody_bucket(t, &u[i], &was)) != 0)
			break;
		u[i].status = UNIT_ACTIVE;
		u[i].holder = site;
		u[i].dest = 0;
		u[i].flags &= (uint8_t)~UNIT_F_RETURNING;
		if ((rc = custody_record(t, &u[i], e.seq)) == 0)
			rc = custody_moved(t, &u[i], &was, &edge, c->when_ms, &ld);
		if (rc == 0 && !returned)
			rc = badstock_check(t, cfg, &ld, c->when_ms, site, BADSTOCK_RECEIVED,
					    &co->warnings);
	}
	co->seq = e.seq;
	co->codes = n;
	return rc;
}

enum cmd_status movement_receive(struct store_txn *t, const struct config *cfg,
				 const struct cmd *c, struct custody_outcome *co)
{
	struct outcome *o = &co->o;
	struct unit *u = NULL;
	uint32_t site, from, sender;
	enum cmd_status st;
	if (c->ncodes == 0)
		return outcome_refuse(o, "no codes given");
	struct cold_reading r;
	if ((st = custody_site(t, c, OPT_SITE, o, &site)) != CMD_DONE ||
	    (st = custody_site(t, c, OPT_FROM, o, &from)) != CMD_DONE ||
	    (st = reading_of(c, &r, co)) != CMD_DONE ||
	    (st = custody_units(t, c, 0, c->ncodes, &u, o)) != CMD_DONE)
		return st;
	if ((st = check_arrival(t, u, c->ncodes, from, &sender, o)) == CMD_DONE) {
		int rc = arrive(t, cfg, c, site, sender, u, co);
		if (rc == 0)
			rc = record_reading(t, c, &r, site, u, co);
		if (rc)
			st = outcome_failed(o, rc);
	}
	free(u);
	return st;
}

/* Everything checked: units u destroyed at `site`. */
static int destroy(struct store_txn *t, const struct cmd *c, uint32_t site, struct unit *u,
		   struct custody_outcome *co)
{
	size_t n = c->ncodes;
	struct event e = custody_event(c, EV_DESTROY, site, u, n);
	int rc = custody_end(t, c, &e, site, u, n, UNIT_DESTROYED);
	co->seq = e.seq;
	co->codes = n;
	return rc;
}

enum cmd_status movement_destroy(struct store_txn *t, const struct config *cfg,
				 const struct cmd *c, struct custody_outcome *co)
{
	struct outcome *o = &co->o;
	struct unit *u = NULL;
	uint32_t site;
	enum cmd_status st;
	(void)cfg;
	if (c->ncodes == 0)
		return outcome_refuse(o, "no codes given");
	if ((st = custody_site(t, c, OPT_SITE, o, &site)) != CMD_DONE ||
	    (st = held(t, c, site, false, &u, o)) != CMD_DONE)
		return st;
	int rc = destroy(t, c, site, u, co);
	free(u);
	return rc ? outcome_failed(o, rc) : CMD_DONE;
}
