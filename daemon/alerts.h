/*
 * alerts — stored alerts: duplicates, unknown codes, diversions, cold-chain
 * breaks.
 *
 * Record (DB_ALERTS, key: alert seq u48 BE):
 *   u8 kind, u48 time (ms), u32 site, u40 unit (0: unknown code),
 *   u48 related event seq (duplicate: the first sale; diversion: the
 *   receipt or sale), u8 code-key length, code key, u8 tx length, tx.
 */
#ifndef YIMA_ALERTS_H
#define YIMA_ALERTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "code.h"
#include "eventlog.h"

struct store;
struct store_txn;

enum alert_kind {
	ALERT_DUPLICATE = 1, ALERT_UNKNOWN = 2, ALERT_DIVERSION = 3,
	ALERT_COLD_CHAIN = 4,	/* a shipment's reading left its products' range
				 * (coldchain.h): unit is the code shipped,
				 * related the SHIP or RECEIVE */
};

struct alert {
	uint64_t seq;
	uint8_t  kind;
	int64_t  time_ms;
	uint32_t site;
	uint64_t unit;
	uint64_t related;
	size_t   key_len;
	uint8_t  key[CODE_KEY_MAX];
	size_t   tx_len;
	char     tx[EVENT_REF_MAX + 1];
};

const char *alert_kind_name(uint8_t kind);
/* The writer's transaction began (on the live store), or ended: each
 * alert stored between is logged when it ends committed. */
void alerts_log_begin(void);
void alerts_log_end(bool committed);
/* Store an alert (assigns a->seq). */
int alerts_add(struct store_txn *t, struct alert *a);
/* One alert by its seq: 0, STORE_NOTFOUND or a store error. */
int alerts_get(struct store_txn *t, uint64_t seq, struct alert *a);
/* Newest first: calls fn for each alert with seq <= before (0: from the
 * newest); stops when fn returns nonzero. */
int alerts_walk(struct store_txn *t, uint64_t before,
		int (*fn)(void *arg, const struct alert *a), void *arg);
/* Newest first by the alert's time (then by seq), the alerts of one site
 * (0: of every site) with time >= since, through the time index: the work
 * is in the alerts found, not in all alerts.  Alerts are stored in log
 * order, and a record loaded with an older TIME raises an older alert
 * after newer ones, so only a walk by time can stop at the first older. */
int alerts_walk_recent(struct store_txn *t, uint32_t site, int64_t since,
		       int (*fn)(void *arg, const struct alert *a), void *arg);
/* Newest first (by seq), one unit's alerts, through its index. */
int alerts_walk_unit(struct store_txn *t, uint64_t unit,
		     int (*fn)(void *arg, const struct alert *a), void *arg);
/* At start: build the indexes of a store whose alerts predate them
 * (schema versions 2 and 3). */
int alerts_open(struct store *s, char *err, size_t errlen);

#endif
