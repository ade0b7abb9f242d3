/*
 * alerts — alert records and their newest-first walk.
 */
#include "alerts.h"
#include "metrics.h"
#include "code_util.h"
#include "log.h"
#include "mcache.h"
#include "store.h"

#include <stdio.h>
#include <string.h>

#define FIXED (1 + 6 + 4 + 5 + 6)

const char *alert_kind_name(uint8_t kind)
{
	switch (kind) {
	case ALERT_DUPLICATE: return "duplicate";
	case ALERT_UNKNOWN: return "unknown";
	case ALERT_DIVERSION: return "diversion";
	case ALERT_COLD_CHAIN: return "cold_chain_break";
	}
	return "?";
}

/* The alert indexes: by time, under every site (key 0) and under the
 * alert's site (site_alerts), and by unit (unit_alerts). */
static int index_alert(struct store_txn *t, const struct alert *a)
{
	uint8_t s[4], u[5], v[6], tv[12];
	code_put_be(tv, (uint64_t)a->time_ms, 6);
	code_put_be(tv + 6, a->seq, 6);
	code_put_be(s, 0, 4);
	int rc = store_put_dup(t, DB_SITE_ALERTS, s, sizeof s, tv, sizeof tv);
	if (rc == 0 && a->site) {
		code_put_be(s, a->site, 4);
		rc = store_put_dup(t, DB_SITE_ALERTS, s, sizeof s, tv, sizeof tv);
	}
	if (rc == 0 && a->unit) {
		code_put_be(v, a->seq, 6);
		code_put_be(u, a->unit, 5);
		rc = store_put_dup(t, DB_UNIT_ALERTS, u, sizeof u, v, sizeof v);
	}
	return rc;
}

/*
 * The log's line for each alert stored, written once its transaction
 * commits (a group that fails and runs again logs nothing twice): kept
 * here, on the writer's thread, between alerts_log_begin and
 * alerts_log_end.  Outside them (replay, tools) nothing is logged.
 */
#define ALERT_LINES 32
static _Thread_local struct {
	bool open;
	int n, more;
	char line[ALERT_LINES][200];
} pending_log;

void alerts_log_begin(void)
{
	pending_log.open = true;
	pending_log.n = pending_log.more = 0;
}

void alerts_log_end(bool committed)
{
	for (int i = 0; committed && i < pending_log.n; i++)
		log_info("alert: %s", pending_log.line[i]);
	if (committed && pending_log.more)
		log_info("alert: and %d more in the same transaction", pending_log.more);
	pending_log.open = false;
	pending_log.n = pending_log.more = 0;
}

static void note_alert(struct store_txn *t, const struct alert *a)
{
	if (!pending_log.open)
		return;
	if (pending_log.n == ALERT_LINES) {
		pending_log.more++;
		return;
	}
	char code[96] = "?", site[16];
	const char *id = NULL;
	code_key_format(a->key, a->key_len, code, sizeof code);
	if (mcache_site(t, a->site, &id) != 0 || id == NULL) {
		snprintf(site, sizeof site, "#%u", a->site);
		id = site;
	}
	snprintf(pending_log.line[pending_log.n++], sizeof pending_log.line[0],
		 "%s #%llu at site %.32s: code %s%s%.*s", alert_kind_name(a->kind),
		 (unsigned long long)a->seq, id, code, a->tx_len ? " tx " : "", (int)a->tx_len,
		 a->tx);
}

int alerts_add(struct store_txn *t, struct alert *a)
{
	uint8_t k[6], v[FIXED + 2 + CODE_KEY_MAX + EVENT_REF_MAX];
	int rc = store_next_ids64(t, "alert", 1, &a->seq);
	if (rc)
		return rc;
	size_t kl = a->key_len > CODE_KEY_MAX ? CODE_KEY_MAX : a->key_len;
	size_t tl = a->tx_len > EVENT_REF_MAX ? EVENT_REF_MAX : a->tx_len;
	v[0] = a->kind;
	code_put_be(v + 1, (uint64_t)a->time_ms, 6);
	code_put_be(v + 7, a->site, 4);
	code_put_be(v + 11, a->unit, 5);
	code_put_be(v + 16, a->related, 6);
	uint8_t *p = v + FIXED;
	*p++ = (uint8_t)kl;
	memcpy(p, a->key, kl);
	p += kl;
	*p++ = (uint8_t)tl;
	memcpy(p, a->tx, tl);
	p += tl;
	code_put_be(k, a->seq, 6);
	rc = store_append(t, DB_ALERTS, k, sizeof k, v, (size_t)(p - v));
	if (rc == 0 && (rc = index_alert(t, a)) == 0) {
		metrics_alert(a->kind);	/* counted when the transaction commits */
		note_alert(t, a);	/* logged then too */
	}
	return rc;
}

static int decode(const void *key, const void *val, size_t n, struct alert *a)
{
	const uint8_t *v = val, *end = v + n;
	if (n < FIXED + 2)
		return -1;
	memset(a, 0, sizeof *a);
	a->seq = code_get_be(key, 6);
	a->kind = v[0];
	a->time_ms = (int64_t)code_get_be(v + 1, 6);
	a->site = (uint32_t)code_get_be(v + 7, 4);
	a->unit = code_get_be(v + 11, 5);
	a->related = code_get_be(v + 16, 6);
	const uint8_t *p = v + FIXED;
	a->key_len = *p++;
	if (a->key_len > CODE_KEY_MAX || p + a->key_len + 1 > end)
		return -1;
	memcpy(a->key, p, a->key_len);
	p += a->key_len;
	a->tx_len = *p++;
	if (a->tx_len > EVENT_REF_MAX || p + a->tx_len > end)
		return -1;
	memcpy(a->tx, p, a->tx_len);
	a->tx[a->tx_len] = '\0';
	return 0;
}

int alerts_get(struct store_txn *t, uint64_t seq, struct alert *a)
{
	uint8_t k[6];
	const void *v;
	size_t n;
	code_put_be(k, seq, 6);
	int rc = store_get(t, DB_ALERTS, k, sizeof k, &v, &n);
	if (rc)
		return rc;
	return decode(k, v, n, a) ? store_corrupt(DB_ALERTS, k, sizeof k, "not an alert record")
				  : 0;
}

int alerts_walk(struct store_txn *t, uint64_t before,
		int (*fn)(void *arg, const struct alert *a), void *arg)
{
	struct store_cursor *c;
	const void *k, *v;
	size_t kl, vl;
	int rc = store_cursor_open(t, DB_ALERTS, &c);
	if (rc)
		return rc;
	if (before) {
		uint8_t bk[6];
		code_put_be(bk, before + 1, 6);
		rc = store_cursor_seek(c, bk, sizeof bk, &k, &kl, &v, &vl);
		rc = rc == 0 ? store_cursor_prev(c, &k, &kl, &v, &vl)
			     : store_cursor_last(c, &k, &kl, &v, &vl);
	} else {
		rc = store_cursor_last(c, &k, &kl, &v, &vl);
	}
	for (; rc == 0; rc = store_cursor_prev(c, &k, &kl, &v, &vl)) {
		struct alert a;
		if (kl != 6 || decode(k, v, vl, &a) != 0) {
			store_corrupt(DB_ALERTS, k, kl, "not an alert record: skipped");
			continue;
		}
		if (fn(arg, &a))
			break;
	}
	store_cursor_close(c);
	return rc == STORE_NOTFOUND ? 0 : rc;
}

/* Newest first through one key of an alert index, whose values end with
 * the alert's seq (u48 BE); in site_alerts they start with its time, so
 * the walk stops before the first alert older than since. */
static int walk_index(struct store_txn *t, enum store_db db, const uint8_t *key, size_t klen,
		      int64_t since, int (*fn)(void *arg, const struct alert *a), void *arg)
{
	struct store_cursor *c;
	const void *v, *rec;
	size_t vl, n, want = db == DB_SITE_ALERTS ? 12 : 6;
	int rc = store_cursor_open(t, db, &c);
	if (rc)
		return rc;
	for (rc = store_cursor_last_dup(c, key, klen, &v, &vl); rc == 0;
	     rc = store_cursor_prev_dup(c, &v, &vl)) {
		struct alert a;
		if (vl != want)
			continue;
		if (want == 12 && (int64_t)code_get_be(v, 6) < since)
			break;
		const uint8_t *seq = (const uint8_t *)v + want - 6;
		int got = store_get(t, DB_ALERTS, seq, 6, &rec, &n);
		if (got == 0 && decode(seq, rec, n, &a) != 0) {
			store_corrupt(DB_ALERTS, seq, 6, "not an alert record: skipped");
			continue;
		}
		if (got == STORE_NOTFOUND)
			continue;
		if (got) {
			rc = got;
			break;
		}
		if (fn(arg, &a))
			break;
	}
	store_cursor_close(c);
	return rc == STORE_NOTFOUND ? 0 : rc;
}

int alerts_walk_recent(struct store_txn *t, uint32_t site, int64_t since,
		       int (*fn)(void *arg, const struct alert *a), void *arg)
{
	uint8_t k[4];
	code_put_be(k, site, 4);
	return walk_index(t, DB_SITE_ALERTS, k, sizeof k, since, fn, arg);
}

int alerts_walk_unit(struct store_txn *t, uint64_t unit,
		     int (*fn)(void *arg, const struct alert *a), void *arg)
{
	uint8_t k[5];
	code_put_be(k, unit, 5);
	return walk_index(t, DB_UNIT_ALERTS, k, sizeof k, 0, fn, arg);
}

struct reindexing {
	struct store_txn *t;
	int rc;
	uint64_t n;
};

static int reindex(void *arg, const struct alert *a)
{
	struct reindexing *r = arg;
	r->rc = index_alert(r->t, a);
	r->n++;
	return r->rc != 0;
}

/* Alerts stored before the indexes (schema version 2), or before
 * site_alerts kept times (3; store.c empties it on upgrade): index them. */
static int index_if_unindexed(struct store_txn *t, void *arg)
{
	struct reindexing *r = arg;
	struct store_stats st;
	*r = (struct reindexing){ .t = t };
	int rc = store_stat(t, &st);
	if (rc == 0 && st.entries[DB_SITE_ALERTS] == 0 && st.entries[DB_ALERTS] > 0) {
		rc = alerts_walk(t, 0, reindex, r);
		if (rc == 0)
			rc = r->rc;
	}
	return rc;
}

int alerts_open(struct store *s, char *err, size_t errlen)
{
	struct reindexing r;
	int rc = store_write_retry(s, index_if_unindexed, &r);
	if (rc) {
		snprintf(err, errlen, "alerts: cannot index the alerts: %s", store_strerror(rc));
		return -1;
	}
	if (r.n)
		log_info("alerts: indexed %llu alerts by site and unit", (unsigned long long)r.n);
	return 0;
}
