/*
 * badstock — warnings for stock that should not be moving, and the recall
 * rows that count it (see badstock.h).
 */
#include "badstock.h"
#include "eventlog.h"
#include "lots.h"
#include "mcache.h"
#include "store.h"
#include "tally.h"
#include "units.h"
#include "verdict.h"

#include <string.h>

const char *badstock_reason_name(enum badstock_reason r)
{
	static const char *const names[] = { "recalled", "expired", "withdrawn" };
	return names[r];
}

/* One more warning of reason `why` for lot ml: added to the entry of the
 * same reason and lot, or a new one while there is room. */
static void warn(struct badstock *b, enum badstock_reason why, const struct mcache_lot *ml,
		 uint64_t units)
{
	for (size_t i = 0; i < b->n; i++)
		if (b->w[i].reason == why && b->w[i].lot == ml->lot.num) {
			b->w[i].units += units;
			return;
		}
	if (b->n == BADSTOCK_MAX)
		return;
	struct badstock_warning *w = &b->w[b->n++];
	memset(w, 0, sizeof *w);
	w->reason = (uint8_t)why;
	w->lot = ml->lot.num;
	w->units = units;
	memcpy(w->product, ml->product_id, sizeof w->product);
	w->lot_len = ml->lot.name_len;
	memcpy(w->lot_name, ml->lot.name, w->lot_len);
}

/* The recall row of (lot l, site), as of l's current recall. */
static int recall_row(struct store_txn *t, const struct lot *l, uint32_t site,
		      struct tally_recall *r)
{
	int rc = tally_recall_get(t, l->num, site, r);
	if (rc == 0 && r->recall_seq != l->recall_seq)	/* first news of this recall */
		*r = (struct tally_recall){ .recall_seq = l->recall_seq };
	return rc;
}

int badstock_check(struct store_txn *t, const struct config *cfg, const struct tally_load *ld,
		   int64_t when, uint32_t site, enum badstock_move what, struct badstock *b)
{
	uint32_t today = verdict_today(cfg, when);
	for (size_t i = 0; i < ld->n; i++) {
		uint32_t units = ld->part[i].count[0];
		const struct mcache_lot *ml;
		if (units == 0)
			continue;	/* containers count by what they hold */
		int rc = mcache_lot(t, ld->part[i].lot, &ml);
		if (rc == STORE_NOTFOUND)
			continue;
		if (rc)
			return rc;
		struct lot l = ml->lot;
		if (ml->withdrawn)
			warn(b, BADSTOCK_WITHDRAWN, ml, units);
		if (l.expiry && today > l.expiry)
			warn(b, BADSTOCK_EXPIRED, ml, units);
		if (l.status != LOT_RECALLED)
			continue;
		struct event recall;
		if ((rc = events_get(t, l.recall_seq, &recall)) != 0)
			return rc;
		if (when < recall.time_ms)
			continue;	/* history from before the recall */
		warn(b, BADSTOCK_RECALLED, ml, units);
		struct tally_recall r;
		if ((rc = recall_row(t, &l, site, &r)) != 0)
			return rc;
		uint32_t *count = what == BADSTOCK_COMMISSIONED ? &r.commissioned :
				  what == BADSTOCK_SHIPPED ? &r.shipped : &r.received;
		*count += units;
		if ((rc = tally_recall_put(t, l.num, site, &r)) != 0)
			return rc;
	}
	return 0;
}

int badstock_returned(struct store_txn *t, const struct unit *u, uint32_t site)
{
	struct tally_load ld;
	int rc = tally_carried(t, u, &ld);
	for (size_t i = 0; rc == 0 && i < ld.n; i++) {
		struct lot l;
		struct tally_recall r;
		if ((rc = lots_get(t, ld.part[i].lot, &l)) != 0)
			break;
		if (l.status != LOT_RECALLED || ld.part[i].count[0] == 0)
			continue;
		if ((rc = recall_row(t, &l, site, &r)) != 0)
			break;
		r.returned += ld.part[i].count[0];
		rc = tally_recall_put(t, l.num, site, &r);
	}
	return rc;
}
