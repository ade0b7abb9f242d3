/*
 * idlist — walking the lists of ids in the dup databases (idlist.h).
 */
#include "idlist.h"
#include "code_util.h"

int idlist_add(struct store_txn *t, enum store_db db, const void *key, size_t klen,
	       size_t width, uint64_t id)
{
	uint8_t v[8];
	code_put_be(v, id, width);
	return store_put_dup(t, db, key, klen, v, width);
}

int idlist_del(struct store_txn *t, enum store_db db, const void *key, size_t klen,
	       size_t width, uint64_t id)
{
	uint8_t v[8];
	code_put_be(v, id, width);
	return store_del_dup(t, db, key, klen, v, width);
}

int idlist_each(struct store_txn *t, enum store_db db, const void *key, size_t klen,
		size_t width, uint64_t from, int (*fn)(void *arg, uint64_t id), void *arg)
{
	struct store_cursor *c;
	const void *v;
	size_t n;
	uint8_t start[8];
	code_put_be(start, from, width);
	int rc = store_cursor_open(t, db, &c);
	if (rc)
		return rc;
	for (rc = store_cursor_dups_from(c, key, klen, start, width, &v, &n); rc == 0;
	     rc = store_cursor_next_dup(c, &v, &n)) {
		if (n != width) {
			/* LMDB keeps one width per key: another is damage. */
			store_cursor_close(c);
			return store_corrupt(db, key, klen, "a list entry of the wrong size");
		}
		int stop = fn(arg, code_get_be(v, width));
		if (stop) {
			store_cursor_close(c);
			return stop;
		}
	}
	store_cursor_close(c);
	return rc == STORE_NOTFOUND ? 0 : rc;
}
