/*
 * locks — LOCK and UNLOCK by the rules (see locks.h).
 */
#include "locks.h"
#include "eventlog.h"
#include "parse.h"
#include "store.h"
#include "units.h"

#include <stdbool.h>
#include <string.h>

/* Set the code's lock to `on`. */
static enum cmd_status set_lock(struct store_txn *t, const struct cmd *c, bool on,
				struct lock_outcome *lo)
{
	const struct code_result *code = &c->codes[0];
	if (code->cr_err != CODE_OK)
		return outcome_refuse(&lo->o, "%s", code->cr_msg);
	struct unit u;
	int rc = units_find(t, code->cr_key, code->cr_key_len, &u);
	if (rc == STORE_NOTFOUND) {
		char text[CODE_TEXT_MAX];
		code_key_format(code->cr_key, code->cr_key_len, text, sizeof text);
		return outcome_refuse(&lo->o, "%s is not commissioned", text);
	}
	if (rc)
		return outcome_failed(&lo->o, rc);
	if (!!(u.flags & UNIT_F_LOCKED) == on)
		return outcome_refuse(&lo->o, "the code is %s", on ? "already locked" : "not locked");
	struct event e = { .kind = on ? EV_LOCK : EV_UNLOCK, .time_ms = c->when_ms, .count = 1,
			   .unit = u.id };
	const struct resp_arg *reason = c->opt[OPT_REASON].arg;
	_Static_assert(CMD_REF_MAX <= EVENT_REF_MAX, "a REASON fits an event");
	if (reason) {	/* 1 to CMD_REF_MAX bytes of text, by the grammar */
		e.ref_len = reason->len;
		memcpy(e.ref, reason->ptr, e.ref_len);
	}
	cmd_actor(c, &e);
	if ((rc = events_add(t, &e, u.id)) != 0)
		return outcome_failed(&lo->o, rc);
	u.flags = (uint8_t)(on ? u.flags | UNIT_F_LOCKED : u.flags & ~UNIT_F_LOCKED);
	if ((rc = units_put(t, &u)) != 0)
		return outcome_failed(&lo->o, rc);
	lo->event = e.seq;
	return CMD_DONE;
}

enum cmd_status locks_lock(struct store_txn *t, const struct config *cfg, const struct cmd *c,
			   struct lock_outcome *lo)
{
	(void)cfg;
	return set_lock(t, c, true, lo);
}

enum cmd_status locks_unlock(struct store_txn *t, const struct config *cfg, const struct cmd *c,
			     struct lock_outcome *lo)
{
	(void)cfg;
	return set_lock(t, c, false, lo);
}
