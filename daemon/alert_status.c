/*
 * alert_status — alerts' handling (see alert_status.h).
 */
#include "alert_status.h"
#include "acl.h"
#include "alerts.h"
#include "parse.h"
#include "store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const state_names[] = { "open", "investigating", "closed" };
static const char *const class_names[] = {
	NULL, "confirmed_counterfeit", "resale", "user_error", "system_error", "other",
};
#define NSTATES (sizeof state_names / sizeof state_names[0])
#define NCLASSES (sizeof class_names / sizeof class_names[0])

const char *alert_state_name(uint8_t status)
{
	return status < NSTATES ? state_names[status] : "?";
}

const char *alert_class_name(uint8_t klass)
{
	return klass < NCLASSES ? class_names[klass] : NULL;
}

static int find(const char *const *names, size_t n, const char *s, size_t len)
{
	for (size_t i = 0; i < n; i++)
		if (names[i] && strlen(names[i]) == len && memcmp(names[i], s, len) == 0)
			return (int)i;
	return -1;
}

int alert_state_parse(const char *s, size_t n)
{
	return find(state_names, NSTATES, s, n);
}

static void seq_key(uint64_t seq, uint8_t k[6])
{
	for (int i = 0; i < 6; i++)
		k[i] = (uint8_t)(seq >> (8 * (5 - i)));
}

int alert_status_get(struct store_txn *t, uint64_t seq, struct alert_status *st)
{
	uint8_t k[6];
	const uint8_t *v;
	size_t n;
	memset(st, 0, sizeof *st);
	seq_key(seq, k);
	int rc = store_get(t, DB_ALERT_STATUS, k, sizeof k, (const void **)&v, &n);
	if (rc == STORE_NOTFOUND)
		return 0;
	if (rc)
		return rc;
	/* format, status, class, time, name length */
	if (n < 10 || v[0] != 1 || v[1] >= NSTATES || v[2] >= NCLASSES)
		return store_corrupt(DB_ALERT_STATUS, k, sizeof k, "not an alert's handling");
	size_t nl = v[9];
	if (n < 10 + nl + 2 || nl >= sizeof st->by)
		return store_corrupt(DB_ALERT_STATUS, k, sizeof k, "truncated");
	size_t notel = (size_t)v[10 + nl] << 8 | v[11 + nl];
	if (n != 12 + nl + notel || notel > CMD_NOTE_MAX)
		return store_corrupt(DB_ALERT_STATUS, k, sizeof k, "note runs past the record");
	st->status = v[1];
	st->klass = v[2];
	for (int i = 0; i < 6; i++)
		st->time_ms = st->time_ms << 8 | v[3 + i];
	memcpy(st->by, v + 10, nl);
	st->by[nl] = '\0';
	memcpy(st->note, v + 12 + nl, notel);
	st->note[notel] = '\0';
	return 0;
}

static int put(struct store_txn *t, uint64_t seq, const struct alert_status *st)
{
	uint8_t k[6], v[12 + sizeof st->by + CMD_NOTE_MAX];
	size_t nl = strlen(st->by), notel = strlen(st->note), n = 0;
	seq_key(seq, k);
	v[n++] = 1;
	v[n++] = st->status;
	v[n++] = st->klass;
	for (int i = 0; i < 6; i++)
		v[n++] = (uint8_t)((uint64_t)st->time_ms >> (8 * (5 - i)));
	v[n++] = (uint8_t)nl;
	memcpy(v + n, st->by, nl);
	n += nl;
	v[n++] = (uint8_t)(notel >> 8);
	v[n++] = (uint8_t)notel;
	memcpy(v + n, st->note, notel);
	n += notel;
	return store_put(t, DB_ALERT_STATUS, k, sizeof k, v, n);
}

/* The alert's id: the number ALERTS shows. */
static enum cmd_status alert_id(const struct resp_arg *w, uint64_t *id, struct outcome *o)
{
	char num[24], *end;
	if (w->len == 0 || w->len >= sizeof num || w->ptr[0] < '0' || w->ptr[0] > '9')
		return outcome_refuse(o, "alert id must be a number ALERTS shows, not '%.24s'",
				      w->ptr);
	memcpy(num, w->ptr, w->len);
	num[w->len] = '\0';
	*id = strtoull(num, &end, 10);
	if (*end || *id == 0 || *id >= (uint64_t)1 << 48)
		return outcome_refuse(o, "alert id must be a number ALERTS shows, not '%s'", num);
	return CMD_DONE;
}

enum cmd_status alert_status_set(struct store_txn *t, const struct config *cfg,
				 const struct cmd *c, struct alert_set_outcome *ao)
{
	(void)cfg;
	struct outcome *o = &ao->o;
	const struct resp_arg *status = c->opt[OPT_STATUS].arg, *klass = c->opt[OPT_CLASS].arg;
	const struct resp_arg *note = c->opt[OPT_NOTE].arg;
	enum cmd_status st = alert_id(cmd_word(c, 0), &ao->id, o);
	if (st != CMD_DONE)
		return st;
	if (!status && !klass && !note)
		return outcome_refuse(o, "say what changes: STATUS, CLASS or NOTE");
	int s = -1, k = -1;
	if (status && (s = alert_state_parse(status->ptr, status->len)) < 0)
		return outcome_refuse(o, "STATUS must be open, investigating or closed, not "
				      "'%.40s'", status->ptr);
	if (klass && (k = find(class_names, NCLASSES, klass->ptr, klass->len)) < 0)
		return outcome_refuse(o, "CLASS must be confirmed_counterfeit, resale, user_error, "
				      "system_error or other, not '%.40s'", klass->ptr);

	/* The alert must exist: an id past the last, or one never stored. */
	struct alert a;
	int rc = alerts_get(t, ao->id, &a);
	if (rc == STORE_NOTFOUND)
		return outcome_refuse(o, "no alert %llu", (unsigned long long)ao->id);
	if (rc || (rc = alert_status_get(t, ao->id, &ao->st)) != 0)
		return outcome_failed(o, rc);
	struct alert_status *as = &ao->st;
	if (s >= 0)
		as->status = (uint8_t)s;
	if (k >= 0)
		as->klass = (uint8_t)k;
	if (as->status == ALERT_CLOSED && as->klass == ALERT_CLASS_NONE)
		return outcome_refuse(o, "a closed alert needs a CLASS (confirmed_counterfeit, "
				      "resale, user_error, system_error or other)");
	if (note) {
		memcpy(as->note, note->ptr, note->len);
		as->note[note->len] = '\0';
	}
	as->time_ms = c->when_ms;
	snprintf(as->by, sizeof as->by, "%s", c->who ? c->who->name : "local");
	return (rc = put(t, ao->id, as)) != 0 ? outcome_failed(o, rc) : CMD_DONE;
}
