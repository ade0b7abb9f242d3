/*
 * statecmp — two stores compared record by record, in steps (statecmp.h).
 *
 * Both walks go in LMDB's order: keys by memcmp, a shorter key before a
 * longer one it begins; a dup key's values the same way.  Walking both
 * stores side by side in that order finds a record one of them lacks as
 * the smaller of the two current records.
 */
#include "statecmp.h"

#include <stdio.h>
#include <string.h>

/* LMDB's largest key (its default build): bounds the successor of a key. */
#define KEY_MAX 511
/* Bytes of a value shown in a difference. */
#define SHOWN 40

void statecmp_init(struct statecmp *c)
{
	memset(c, 0, sizeof *c);
	buf_init(&c->key);
	buf_init(&c->val);
}

void statecmp_free(struct statecmp *c)
{
	buf_free(&c->key);
	buf_free(&c->val);
}

/* One store's cursor and the record it is on (rc STORE_NOTFOUND: past
 * the end). */
struct side {
	struct store_cursor *cur;
	int rc;
	const void *k, *v;
	size_t kl, vl;
};

static int order(const void *a, size_t an, const void *b, size_t bn)
{
	int r = memcmp(a, b, an < bn ? an : bn);
	return r ? r : (an > bn) - (an < bn);
}

static bool same(const void *a, size_t an, const struct buf *b)
{
	return an == b->len && memcmp(a, b->data, an) == 0;
}

static void next(struct side *s)
{
	s->rc = store_cursor_next(s->cur, &s->k, &s->kl, &s->v, &s->vl);
}

/* Put s on the first record after (key, val), the last one compared. */
static void seek_after(struct side *s, bool dup, const struct buf *key, const struct buf *val)
{
	if (!dup) {
		s->rc = store_cursor_seek(s->cur, key->data, key->len, &s->k, &s->kl, &s->v, &s->vl);
		if (s->rc == 0 && same(s->k, s->kl, key))
			next(s);
		return;
	}
	s->rc = store_cursor_dups_from(s->cur, key->data, key->len, val->data, val->len,
				       &s->v, &s->vl);
	if (s->rc == 0) {
		s->k = key->data;
		s->kl = key->len;
		if (same(s->v, s->vl, val))
			next(s);
		return;
	}
	if (s->rc != STORE_NOTFOUND)
		return;
	/* The key is gone, or has no value after val: on to the next key,
	 * which is the first at or after key ‖ 0x00. */
	uint8_t succ[KEY_MAX + 1];
	if (key->len >= KEY_MAX) {
		s->rc = STORE_CORRUPT;
		return;
	}
	memcpy(succ, key->data, key->len);
	succ[key->len] = 0;
	s->rc = store_cursor_seek(s->cur, succ, key->len + 1, &s->k, &s->kl, &s->v, &s->vl);
}

static void hex(const void *p, size_t n, size_t most, char *out, size_t outlen)
{
	const uint8_t *b = p;
	size_t j = 0;
	out[0] = '\0';
	for (size_t i = 0; i < n && i < most && j + 3 < outlen; i++)
		j += (size_t)snprintf(out + j, outlen - j, "%02x", b[i]);
	if (n > most && j + 4 <= outlen)
		snprintf(out + j, outlen - j, "...");
}

/* Describe the difference between the records a and b stand on. */
static void differ(enum store_db db, bool dup, const struct side *a, const struct side *b,
		   int o, struct statecmp_diff *d)
{
	char va[2 * SHOWN + 4], vb[2 * SHOWN + 4];
	const struct side *at = o > 0 ? b : a;
	d->db = db;
	hex(at->k, at->kl, 64, d->key, sizeof d->key);
	hex(at->v, at->vl, SHOWN, o > 0 ? vb : va, sizeof va);
	if (o < 0) {
		snprintf(d->what, sizeof d->what, "the store holds %s %s; replaying the log "
			 "does not give it", dup ? "the value" : "a record here, value", va);
	} else if (o > 0) {
		snprintf(d->what, sizeof d->what, "replaying the log gives %s %s; the store "
			 "lacks it", dup ? "the value" : "a record here, value", vb);
	} else {
		hex(b->v, b->vl, SHOWN, vb, sizeof vb);
		size_t i = 0;
		const uint8_t *x = a->v, *y = b->v;
		while (i < a->vl && i < b->vl && x[i] == y[i])
			i++;
		snprintf(d->what, sizeof d->what, "the value differs from byte %zu: the store has "
			 "%s (%zu bytes), replaying the log gives %s (%zu bytes)", i, va, a->vl,
			 vb, b->vl);
	}
}

/* Where a node stands in the replicated log (cluster.h) is not state the
 * log makes: the stream sequence applied and the request ids seen are the
 * node's, and a replay of its entries has neither. */
static bool node_record(enum store_db db, const struct side *s)
{
	static const char applied[] = STORE_META_STREAM_APPLIED;
	return db == DB_META && s->rc == 0 && s->kl == sizeof applied - 1 &&
	       memcmp(s->k, applied, s->kl) == 0;
}

/* Compare database c->db from where c stands, up to *room records.
 * Returns 0 when it is done or the room is used up (*room then 0), 1 at
 * a difference, or a store error. */
static int step_db(struct statecmp *c, struct store_txn *ta, struct store_txn *tb,
		   size_t *room, struct statecmp_diff *d)
{
	enum store_db db = (enum store_db)c->db;
	bool dup = store_db_dup(db);
	struct side a = { 0 }, b = { 0 };
	int rc = store_cursor_open(ta, db, &a.cur);
	if (rc == 0 && (rc = store_cursor_open(tb, db, &b.cur)) != 0)
		b.cur = NULL;
	if (rc) {
		store_cursor_close(a.cur);
		return rc;
	}
	if (c->inside) {
		seek_after(&a, dup, &c->key, &c->val);
		seek_after(&b, dup, &c->key, &c->val);
	} else {
		a.rc = store_cursor_seek(a.cur, NULL, 0, &a.k, &a.kl, &a.v, &a.vl);
		b.rc = store_cursor_seek(b.cur, NULL, 0, &b.k, &b.kl, &b.v, &b.vl);
	}
	for (;;) {
		if (node_record(db, &a))
			next(&a);
		if (node_record(db, &b))
			next(&b);
		rc = a.rc != STORE_NOTFOUND ? a.rc : 0;
		if (rc == 0 && b.rc != STORE_NOTFOUND)
			rc = b.rc;
		if (rc)
			break;
		bool end_a = a.rc == STORE_NOTFOUND, end_b = b.rc == STORE_NOTFOUND;
		if (end_a && end_b) {
			c->db++;
			c->inside = false;
			break;
		}
		if (*room == 0)
			break;
		int o = end_a ? 1 : end_b ? -1 : order(a.k, a.kl, b.k, b.kl);
		if (o == 0 && dup)
			o = order(a.v, a.vl, b.v, b.vl);
		if (o != 0 || a.vl != b.vl || memcmp(a.v, b.v, a.vl) != 0) {
			differ(db, dup, &a, &b, o, d);
			rc = 1;
			break;
		}
		if (a.k != c->key.data) {	/* seek_after may leave it there */
			buf_reset(&c->key);
			buf_append(&c->key, a.k, a.kl);
		}
		buf_reset(&c->val);
		buf_append(&c->val, a.v, a.vl);
		c->inside = true;
		c->records++;
		--*room;
		next(&a);
		next(&b);
	}
	store_cursor_close(a.cur);
	store_cursor_close(b.cur);
	return rc;
}

int statecmp_step(struct statecmp *c, struct store_txn *a, struct store_txn *b,
		  size_t limit, struct statecmp_diff *d)
{
	size_t room = limit;
	while (!statecmp_done(c) && room > 0) {
		if (c->db == DB_REQUESTS || c->db == DB_REQUEST_TIMES) {	/* the node's */
			c->db++;
			continue;
		}
		int rc = step_db(c, a, b, &room, d);
		if (rc)
			return rc;
	}
	return 0;
}
