/*
 * alert_list — gathering and showing alerts (see alert_list.h).
 */
#include "alert_list.h"
#include "acl.h"
#include "args.h"
#include "eventlog.h"
#include "parse.h"
#include "view.h"
#include "xmem.h"

#include <stdlib.h>
#include <string.h>

#define ALERTS_DEFAULT 100	/* ALERTS without LIMIT */

/* What a row shows of alert a. */
static int alert_row(struct store_txn *t, const struct alert *a, struct alert_row *row)
{
	memset(row, 0, sizeof *row);
	row->a = *a;
	int rc = view_site(t, a->site, row->site);
	if (rc == 0)
		rc = alert_status_get(t, a->seq, &row->handling);
	if (rc || a->kind != ALERT_DUPLICATE || a->related == 0)
		return rc;
	struct event first;
	if ((rc = events_get(t, a->related, &first)) != 0 ||
	    (rc = view_site(t, first.site, row->first_sale_site)) != 0)
		return rc;
	row->has_first_sale = true;
	row->first_sale_ms = first.time_ms;
	return 0;
}

static void kv(struct resp_out *o, const char *k, const char *v)
{
	resp_cstr(o, k);
	resp_cstr(o, v);
}

void alert_list_reply_row(struct resp_out *o, const struct alert_row *row)
{
	const struct alert *a = &row->a;
	char time[32], text[CODE_TEXT_MAX];
	const struct alert_status *h = &row->handling;
	const char *klass = alert_class_name(h->klass);
	resp_map(o, 6 + (a->tx_len > 0) + (row->has_first_sale ? 2 : 0) + (klass != NULL) +
		 (h->note[0] != '\0') + (h->time_ms ? 2 : 0));
	resp_cstr(o, "id");
	resp_int(o, (int64_t)a->seq);
	args_format_time(a->time_ms, time);
	kv(o, "time", time);
	kv(o, "kind", alert_kind_name(a->kind));
	kv(o, "site", row->site);
	view_code(a->key, a->key_len, text);
	kv(o, "code", text);
	if (a->tx_len)
		kv(o, "tx", a->tx);
	if (row->has_first_sale) {
		kv(o, "first_sale_site", row->first_sale_site);
		args_format_time(row->first_sale_ms, time);
		kv(o, "first_sale_time", time);
	}
	kv(o, "status", alert_state_name(h->status));
	if (klass)
		kv(o, "class", klass);
	if (h->note[0])
		kv(o, "note", h->note);
	if (h->time_ms) {	/* the last ALERT SET: when, by whom */
		args_format_time(h->time_ms, time);
		kv(o, "handled_time", time);
		kv(o, "handled_by", h->by);
	}
}

/* Rows from a walk of the alerts, newest first. */
struct rows {
	struct store_txn *t;
	uint32_t site;		/* only this site's alerts; 0: all */
	int kind, status;	/* only alerts of this kind, status; -1: any */
	struct alert_row *row;
	uint32_t n, max;
	int rc;
};

static int add_row(void *arg, const struct alert *a)
{
	struct rows *r = arg;
	if ((r->site && a->site != r->site) || (r->kind >= 0 && a->kind != r->kind))
		return 0;
	if ((r->rc = alert_row(r->t, a, &r->row[r->n])) != 0)
		return 1;
	if (r->status >= 0 && r->row[r->n].handling.status != r->status)
		return 0;
	return ++r->n >= r->max;
}

int alert_list_unit(struct store_txn *t, uint64_t unit, uint32_t site, struct alert_row *row,
		    uint32_t max, uint32_t *n)
{
	struct rows r = { .t = t, .site = site, .kind = -1, .status = -1, .row = row, .max = max };
	int rc = alerts_walk_unit(t, unit, add_row, &r);
	*n = r.n;
	return rc ? rc : r.rc;
}

enum cmd_status alert_list_recent(struct store_txn *t, const struct config *cfg,
				  const struct cmd *c, struct alert_list_outcome *lo)
{
	(void)cfg;
	char err[300];
	uint32_t site = 0;
	uint32_t limit = cmd_has(c, OPT_LIMIT) ? c->opt[OPT_LIMIT].v.n : ALERTS_DEFAULT;
	int64_t since = cmd_has(c, OPT_SINCE) ? c->opt[OPT_SINCE].v.ms : 0;
	if (cmd_has(c, OPT_SITE)) {
		int rc = args_site(t, c->opt[OPT_SITE].arg, &site, err, sizeof err);
		if (rc == -1)
			return outcome_refuse(&lo->o, "SITE %s", err);
		if (rc)
			return outcome_failed(&lo->o, rc);
	}
	if (acl_sees_own_site_only(c->who))
		site = c->who->site;
	int kind = -1, status = -1;
	const struct resp_arg *k = c->opt[OPT_KIND].arg, *s = c->opt[OPT_STATUS].arg;
	for (int i = 1; k && kind < 0 && i < 256; i++)
		if (strcmp(alert_kind_name((uint8_t)i), "?") != 0 &&
		    strlen(alert_kind_name((uint8_t)i)) == k->len &&
		    memcmp(alert_kind_name((uint8_t)i), k->ptr, k->len) == 0)
			kind = i;
	if (k && kind < 0)
		return outcome_refuse(&lo->o, "KIND must be an alert kind (duplicate, unknown, "
				      "diversion, ...), not '%.40s'", k->ptr);
	if (s && (status = alert_state_parse(s->ptr, s->len)) < 0)
		return outcome_refuse(&lo->o, "STATUS must be open, investigating or closed, not "
				      "'%.40s'", s->ptr);
	/* The walk is of the site's own index: no site filter. */
	struct rows r = { .t = t, .kind = kind, .status = status,
			  .row = xmalloc(limit * sizeof *lo->row), .max = limit };
	int rc = alerts_walk_recent(t, site, since, add_row, &r);
	lo->row = r.row;
	lo->n = r.n;
	if (rc == 0)
		rc = r.rc;
	return rc ? outcome_failed(&lo->o, rc) : CMD_DONE;
}

void alert_list_free(struct alert_list_outcome *lo)
{
	free(lo->row);
	lo->row = NULL;
	lo->n = 0;
}
