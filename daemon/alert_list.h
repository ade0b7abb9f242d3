/*
 * alert_list — alerts as the reads show them: ALERTS (the newest, of one
 * site or all) and the alerts of one unit in TRACE.  A row carries what it
 * shows besides the stored alert — the site's id and, for a duplicate
 * sale, where and when the first sale was — read by the gathering
 * functions, which report store errors; alert_list_reply_row renders a
 * row and reads nothing.
 */
#ifndef YIMA_ALERT_LIST_H
#define YIMA_ALERT_LIST_H

#include <stdbool.h>
#include <stdint.h>

#include "alert_status.h"
#include "alerts.h"
#include "master.h"
#include "outcome.h"
#include "resp.h"

struct cmd;
struct config;
struct store_txn;

struct alert_row {
	struct alert a;
	char site[MASTER_ID_MAX + 1];
	bool has_first_sale;		/* a duplicate: the sale it repeated */
	char first_sale_site[MASTER_ID_MAX + 1];
	int64_t first_sale_ms;
	struct alert_status handling;	/* ALERT SET's: status, class, note */
};

/* The newest alerts of a unit, of site `site` only (0: of every site):
 * at most max rows into row, how many in *n.  0 or a store error. */
int alert_list_unit(struct store_txn *t, uint64_t unit, uint32_t site, struct alert_row *row,
		    uint32_t max, uint32_t *n);

/* The row as a map: id, time, kind, site, code, tx, first sale. */
void alert_list_reply_row(struct resp_out *out, const struct alert_row *row);

struct alert_list_outcome {
	struct outcome o;
	struct alert_row *row;		/* newest first; alert_list_free frees */
	uint32_t n;
};

/* ALERTS [SINCE t] [SITE s] [KIND k] [STATUS st] [LIMIT n]: at most LIMIT (100) of the newest,
 * by the alert's time.  A principal that acts for one site gets that
 * site's only (the ACL refused it SITE of another). */
enum cmd_status alert_list_recent(struct store_txn *t, const struct config *cfg,
				  const struct cmd *c, struct alert_list_outcome *lo);
void alert_list_free(struct alert_list_outcome *lo);

#endif
