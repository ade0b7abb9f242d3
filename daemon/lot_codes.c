/*
 * lot_codes — a page of a lot's codes (see lot_codes.h).
 */
#include "lot_codes.h"
#include "args.h"
#include "named.h"
#include "parse.h"
#include "store.h"
#include "tally.h"
#include "units.h"
#include "view.h"
#include "xmem.h"

#include <stdlib.h>
#include <string.h>

static const char *const status_names[] = {
	[TALLY_STOCK] = "in_stock", [TALLY_TRANSIT] = "in_transit",
	[TALLY_DISPENSED] = "dispensed", [TALLY_DESTROYED] = "destroyed",
	[TALLY_SAMPLE] = "sample", [TALLY_EXPORTED] = "exported", [TALLY_STOLEN] = "stolen",
	[TALLY_CHECKED_OUT] = "checked_out", [TALLY_TRANSFORMED] = "transformed",
};

const char *lot_codes_status_name(uint8_t bucket)
{
	return bucket < sizeof status_names / sizeof status_names[0] && status_names[bucket] ?
	       status_names[bucket] : "?";
}

struct walk {
	struct store_txn *t;
	uint32_t site;		/* 0: any */
	uint8_t status;		/* enum tally_bucket; 0: any */
	uint8_t level;		/* 0: any */
	size_t want, scanned;
	uint64_t last;		/* last unit id read */
	struct lot_codes_outcome *lo;
	int rc;
};

static int visit_unit(void *arg, uint64_t id)
{
	struct walk *w = arg;
	struct unit u;
	struct unit_place p;
	struct tally_place at;
	if (w->lo->n == w->want || w->scanned == LOT_CODES_SCAN)
		return 1;
	w->scanned++;
	w->last = id;
	if ((w->rc = units_get(w->t, id, &u)) != 0 || (w->rc = units_place(w->t, &u, &p)) != 0)
		return 1;
	tally_place_of(&u, &p, &at);
	if ((w->level && u.level != w->level) || (w->status && at.bucket != w->status) ||
	    (w->site && at.site != w->site && !(at.bucket == TALLY_TRANSIT && at.other == w->site)))
		return 0;
	struct lot_code *code = &w->lo->code[w->lo->n];
	memcpy(code->key, u.key, u.key_len);
	code->key_len = u.key_len;
	code->level = u.level;
	code->bucket = at.bucket;
	code->to[0] = '\0';
	if ((w->rc = view_site(w->t, at.site, code->site)) != 0 ||
	    (at.bucket == TALLY_TRANSIT && (w->rc = view_site(w->t, at.other, code->to)) != 0))
		return 1;
	w->lo->n++;
	return 0;
}

/* The filters and the page size, from the options. */
static enum cmd_status page_of(struct store_txn *t, const struct cmd *c, struct walk *w,
			       uint64_t *after, struct outcome *o)
{
	char err[300];
	w->want = cmd_has(c, OPT_COUNT) ? c->opt[OPT_COUNT].v.n : LOT_CODES_DEFAULT;
	w->level = cmd_has(c, OPT_LEVEL) ? (uint8_t)c->opt[OPT_LEVEL].v.n : 0;
	if (cmd_has(c, OPT_SITE)) {
		int rc = args_site(t, c->opt[OPT_SITE].arg, &w->site, err, sizeof err);
		if (rc == -1)
			return outcome_refuse(o, "SITE: %s", err);
		if (rc)
			return outcome_failed(o, rc);
	}
	const struct resp_arg *status = c->opt[OPT_STATUS].arg;
	if (status) {
		for (uint8_t b = TALLY_STOCK; b < sizeof status_names / sizeof status_names[0]; b++)
			if (status_names[b] && status->len == strlen(status_names[b]) &&
			    memcmp(status->ptr, status_names[b], status->len) == 0)
				w->status = b;
		if (!w->status)
			return outcome_refuse(o, "STATUS must be in_stock, in_transit, dispensed, "
					      "destroyed, sample, exported, stolen or checked_out");
	}
	/* A cursor is what an earlier reply gave: a unit id, in digits. */
	const struct resp_arg *a = c->opt[OPT_AFTER].arg;
	if (a) {
		char num[24], *end;
		if (a->len == 0 || a->len >= sizeof num)
			return outcome_refuse(o, "AFTER must be a cursor from an earlier reply");
		memcpy(num, a->ptr, a->len);
		num[a->len] = '\0';
		*after = strtoull(num, &end, 10);
		if (*end || num[0] < '0' || num[0] > '9')
			return outcome_refuse(o, "AFTER must be a cursor from an earlier reply");
	}
	return CMD_DONE;
}

enum cmd_status lot_codes_gather(struct store_txn *t, const struct config *cfg,
				 const struct cmd *c, struct lot_codes_outcome *lo)
{
	(void)cfg;
	char pid[MASTER_ID_MAX + 1];
	struct lot l;
	struct walk w = { .t = t, .lo = lo };
	uint64_t after = 0;
	enum cmd_status st = named_lot(t, cmd_word(c, 0), cmd_word(c, 1), &l, pid, &lo->o);
	if (st == CMD_DONE)
		st = page_of(t, c, &w, &after, &lo->o);
	if (st != CMD_DONE)
		return st;
	lo->code = xmalloc(w.want * sizeof *lo->code);
	int rc = units_of_lot(t, l.num, after + 1, visit_unit, &w);
	if (w.rc || (rc && rc != 1))
		return outcome_failed(&lo->o, w.rc ? w.rc : rc);
	lo->more = rc == 1;	/* stopped early: a full page or the scan budget */
	lo->next = w.last;	/* the last unit read: the next page starts after it */
	return CMD_DONE;
}

void lot_codes_free(struct lot_codes_outcome *lo)
{
	free(lo->code);
	lo->code = NULL;
	lo->n = 0;
}
