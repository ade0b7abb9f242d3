/*
 * custody — what the distribution rules share (see custody.h).
 */
#include "custody.h"
#include "args.h"
#include "code_util.h"
#include "eventlog.h"
#include "mcache.h"
#include "parse.h"
#include "store.h"
#include "tally.h"
#include "units.h"
#include "verdict.h"
#include "xmem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Messages name codes only when something is wrong: formatting every code
 * of a bulk load just in case costs more than the checks. */
const char *custody_code_text(const uint8_t *key, size_t len, char buf[CODE_TEXT_MAX])
{
	if (code_key_format(key, len, buf, CODE_TEXT_MAX) < 0)
		snprintf(buf, CODE_TEXT_MAX, "?");
	return buf;
}

const char *custody_unit_text(const struct unit *u, char buf[CODE_TEXT_MAX])
{
	return custody_code_text(u->key, u->key_len, buf);
}

enum cmd_status custody_site(struct store_txn *t, const struct cmd *c, enum opt_id id,
			     struct outcome *o, uint32_t *num)
{
	char err[200];
	*num = 0;
	if (!cmd_has(c, id))
		return CMD_DONE;
	int rc = args_site(t, c->opt[id].arg, num, err, sizeof err);
	if (rc == -1)
		return outcome_refuse(o, "%s: %s", command_option(c->spec->id, id)->name, err);
	return rc ? outcome_failed(o, rc) : CMD_DONE;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* The position (1-based) of the second mention of a unit named twice in
 * the list, or 0. */
static size_t repeated(const struct unit *u, size_t n)
{
	size_t up = 1;
	while (up < n && u[up - 1].id < u[up].id)	/* increasing: all differ */
		up++;
	if (up >= n)
		return 0;
	uint64_t *ids = xmalloc(n * sizeof *ids);
	for (size_t i = 0; i < n; i++)
		ids[i] = u[i].id;
	qsort(ids, n, sizeof *ids, cmp_u64);
	uint64_t dup = 0;
	for (size_t i = 1; i < n && !dup; i++)
		if (ids[i] == ids[i - 1])
			dup = ids[i];
	free(ids);
	size_t mentions = 0;
	for (size_t i = 0; dup && i < n; i++)
		if (u[i].id == dup && ++mentions == 2)
			return i + 1;
	return 0;
}

enum cmd_status custody_units(struct store_txn *t, const struct cmd *c, size_t first, size_t n,
			      struct unit **units, struct outcome *o)
{
	struct unit *u = xcalloc(n ? n : 1, sizeof *u);
	char text[CODE_TEXT_MAX];
	enum cmd_status st = CMD_DONE;
	*units = NULL;
	for (size_t i = 0; i < n && st == CMD_DONE; i++) {
		const struct code_result *r = &c->codes[first + i];
		size_t pos = first + i + 1;
		if (r->cr_err != CODE_OK) {
			st = outcome_refuse(o, "code %zu: %s", pos, r->cr_msg);
			break;
		}
		int rc = units_find(t, r->cr_key, r->cr_key_len, &u[i]);
		if (rc == STORE_NOTFOUND)
			st = outcome_refuse(o, "code %zu (%s) is not commissioned", pos,
					    custody_code_text(r->cr_key, r->cr_key_len, text));
		else if (rc)
			st = outcome_failed(o, rc);
	}
	size_t dup = st == CMD_DONE ? repeated(u, n) : 0;
	if (dup)
		st = outcome_refuse(o, "code %zu (%s) is named twice", first + dup,
				    custody_unit_text(&u[dup - 1], text));
	if (st != CMD_DONE) {
		free(u);
		return st;
	}
	*units = u;
	return CMD_DONE;
}

int custody_site_name(struct store_txn *t, uint32_t num, char *out)
{
	const char *id;
	int rc = mcache_site(t, num, &id);
	if (rc && rc != STORE_NOTFOUND)
		return rc;
	snprintf(out, MASTER_ID_MAX + 1, "%s", rc ? "?" : id);
	return 0;
}

int custody_parent_text(struct store_txn *t, const struct unit *u, char buf[CODE_TEXT_MAX])
{
	struct unit p;
	int rc = u->parent ? units_get(t, u->parent, &p) : STORE_NOTFOUND;
	if (rc && rc != STORE_NOTFOUND)
		return rc;
	if (rc)
		snprintf(buf, CODE_TEXT_MAX, "?");
	else
		custody_unit_text(&p, buf);
	return 0;
}

enum cmd_status custody_may_end(struct store_txn *t, const struct unit *u, size_t i,
				uint32_t site, const char *part, const char *verb,
				const char *done, struct outcome *o)
{
	char text[CODE_TEXT_MAX], why[160];
	custody_unit_text(u, text);
	if (u->level > 1)
		return outcome_refuse(o, "%scode %zu (%s) is a container (level %u): %s the "
				      "packs in it (UNPACK it first)", part, i + 1, text, u->level,
				      verb);
	int rc = custody_unmovable(t, u, site, why, sizeof why);
	if (rc)
		return outcome_failed(o, rc);
	if (why[0])
		return outcome_conflict(o, "%scode %zu (%s) %s", part, i + 1, text, why);
	if (u->dispensed > 0)
		return outcome_conflict(o, "%scode %zu (%s) is a split pack already sold from "
					"(%u units): it cannot be %s", part, i + 1, text,
					u->dispensed, done);
	return CMD_DONE;
}

int custody_unusable(struct store_txn *t, const struct config *cfg, int64_t when,
		     const struct unit *u, const char **bad)
{
	*bad = NULL;
	const struct mcache_lot *ml;
	int rc = u->lot ? mcache_lot(t, u->lot, &ml) : STORE_NOTFOUND;
	if (rc == STORE_NOTFOUND)
		return 0;
	if (rc)
		return rc;
	*bad = ml->lot.status == LOT_RECALLED ? "its lot is recalled" :
	       ml->withdrawn ? "its product is withdrawn" :
	       ml->lot.expiry && verdict_today(cfg, when) > ml->lot.expiry ?
	       "it is expired" : NULL;
	return 0;
}

int custody_unmovable(struct store_txn *t, const struct unit *u, uint32_t site, char *why,
		      size_t n)
{
	struct unit_place p;
	char s1[MASTER_ID_MAX + 1], s2[MASTER_ID_MAX + 1];
	int rc = units_place(t, u, &p);
	why[0] = '\0';
	if (rc)
		return rc;
	if (p.status == UNIT_DISPENSED) {
		snprintf(why, n, "is dispensed");
	} else if (p.status == UNIT_DESTROYED) {
		snprintf(why, n, "is destroyed");
	} else if (p.status >= UNIT_SAMPLE && p.status <= UNIT_CHECKED_OUT) {
		snprintf(why, n, "is decommissioned (%s)", unit_status_name(p.status));
	} else if (p.status == UNIT_TRANSFORMED) {
		snprintf(why, n, "is repackaged (transformed): its outputs carry it on");
	} else if (p.status == UNIT_IN_TRANSIT) {
		if ((rc = custody_site_name(t, p.holder, s1)) != 0 ||
		    (rc = custody_site_name(t, p.dest, s2)) != 0)
			return rc;
		snprintf(why, n, "is in transit from %s to %s", s1,
			 p.dest ? s2 : "a destination not known");
	} else if (p.holder != site) {
		if ((rc = custody_site_name(t, p.holder, s1)) != 0)
			return rc;
		snprintf(why, n, "is held by %s", s1);
	}
	return 0;
}

struct event custody_event(const struct cmd *c, uint8_t kind, uint32_t site,
			   const struct unit *u, size_t n)
{
	const struct resp_arg *ref = c->opt[OPT_REF].arg;
	struct event e = { .kind = kind, .time_ms = c->when_ms, .site = site,
			   .unit = n == 1 ? u[0].id : 0, .count = (uint32_t)n };
	if (ref) {
		e.ref_len = ref->len;
		memcpy(e.ref, ref->ptr, e.ref_len);
	}
	cmd_actor(c, &e);
	return e;
}

int custody_end(struct store_txn *t, const struct cmd *c, struct event *e, uint32_t site,
		struct unit *u, size_t n, uint8_t status)
{
	int rc = events_add(t, e, 0);
	if (rc == 0 && e->unit == 0)
		rc = events_members_put(t, e->seq, u, n);
	for (size_t i = 0; i < n && rc == 0; i++) {
		struct tally_place was;
		struct tally_load ld;
		if ((rc = custody_bucket(t, &u[i], &was)) != 0)
			break;
		if (u[i].parent) {	/* it leaves its container, as a sold pack does */
			if ((rc = tally_carried(t, &u[i], &ld)) != 0 ||
			    (rc = tally_pack(t, u[i].parent, &ld, -1, c->when_ms)) != 0 ||
			    (rc = units_unlink(t, u[i].parent, u[i].id)) != 0)
				break;
			u[i].parent = 0;
		}
		u[i].status = status;
		u[i].holder = site;
		u[i].dest = 0;
		if ((rc = custody_record(t, &u[i], e->seq)) == 0)
			rc = custody_moved(t, &u[i], &was, NULL, c->when_ms, &ld);
	}
	return rc;
}

int custody_record(struct store_txn *t, struct unit *u, uint64_t seq)
{
	int rc = units_event(t, u, seq);
	return rc ? rc : units_put(t, u);
}

int custody_bucket(struct store_txn *t, const struct unit *u, struct tally_place *tp)
{
	struct unit_place p;
	int rc = units_place(t, u, &p);
	if (rc == 0)
		tally_place_of(u, &p, tp);
	return rc;
}

int custody_moved(struct store_txn *t, const struct unit *u, const struct tally_place *from,
		  const struct tally_place *edge, int64_t when, struct tally_load *ld)
{
	struct tally_place to;
	int rc;
	if ((rc = custody_bucket(t, u, &to)) != 0 || (rc = tally_carried(t, u, ld)) != 0 ||
	    (rc = tally_move(t, ld, from, &to, when)) != 0)
		return rc;
	return edge ? tally_move(t, ld, NULL, edge, when) : 0;
}
