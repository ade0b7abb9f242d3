/*
 * lot_links — the links between repackaged lots (see lot_links.h).
 */
#include "lot_links.h"
#include "code_util.h"
#include "idlist.h"
#include "store.h"

#define LOT_BYTES 4

int lot_links_add(struct store_txn *t, uint32_t in, uint32_t out)
{
	uint8_t ki[LOT_BYTES], ko[LOT_BYTES];
	code_put_be(ki, in, LOT_BYTES);
	code_put_be(ko, out, LOT_BYTES);
	int rc = idlist_add(t, DB_LOT_SOURCES, ko, sizeof ko, LOT_BYTES, in);
	return rc ? rc : idlist_add(t, DB_LOT_OUTPUTS, ki, sizeof ki, LOT_BYTES, out);
}

/* A breadth-first walk of one direction's links; via (optional) gets,
 * for each lot collected, the lot whose link reached it first.  The lot
 * the walk starts from is never collected: links can lead back to it. */
struct walk {
	uint32_t *lots, *via;
	uint32_t from;	/* the lot the walk starts from */
	uint32_t at;	/* the lot whose links are being read */
	size_t n;
};

static int collect(void *arg, uint64_t id)
{
	struct walk *w = arg;
	if ((uint32_t)id == w->from)
		return 0;
	for (size_t i = 0; i < w->n; i++)
		if (w->lots[i] == (uint32_t)id)
			return 0;
	if (w->n == LOT_LINKS_MAX)
		return 1;
	if (w->via)
		w->via[w->n] = w->at;
	w->lots[w->n++] = (uint32_t)id;
	return 0;
}

static int walk(struct store_txn *t, enum store_db db, uint32_t lot, uint32_t *lots,
		uint32_t *via, size_t *n)
{
	struct walk w = { lots, via, lot, lot, 0 };
	size_t level_start = 0, level_end = 0;
	uint8_t k[LOT_BYTES];
	if (!store_may_hold(t, db)) {	/* nothing repackaged yet: every VERIFY asks */
		*n = 0;
		return 0;
	}
	code_put_be(k, lot, LOT_BYTES);
	int rc = idlist_each(t, db, k, sizeof k, LOT_BYTES, 0, collect, &w);
	for (int depth = 1; rc == 0 && depth < LOT_LINKS_DEPTH; depth++) {
		level_start = level_end;
		level_end = w.n;
		for (size_t i = level_start; i < level_end && rc == 0; i++) {
			code_put_be(k, lots[i], LOT_BYTES);
			w.at = lots[i];
			rc = idlist_each(t, db, k, sizeof k, LOT_BYTES, 0, collect, &w);
		}
		if (w.n == level_end)
			break;
	}
	*n = w.n;
	return rc == 1 ? 0 : rc;	/* 1: LOT_LINKS_MAX reached */
}

int lot_links_sources(struct store_txn *t, uint32_t lot, uint32_t *lots, size_t *n)
{
	return walk(t, DB_LOT_SOURCES, lot, lots, NULL, n);
}

int lot_links_outputs(struct store_txn *t, uint32_t lot, uint32_t *lots, uint32_t *via,
		      size_t *n)
{
	return walk(t, DB_LOT_OUTPUTS, lot, lots, via, n);
}

int lot_links_recalled_source(struct store_txn *t, uint32_t lot, struct lot *src, bool *found)
{
	uint32_t lots[LOT_LINKS_MAX];
	size_t n;
	*found = false;
	int rc = lot_links_sources(t, lot, lots, &n);
	for (size_t i = 0; i < n && rc == 0 && !*found; i++)
		if ((rc = lots_get(t, lots[i], src)) == 0)
			*found = src->status == LOT_RECALLED;
	return rc;
}
