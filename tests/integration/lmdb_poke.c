/*
 * lmdb_poke — change a yimad store underneath it, for tamper tests.
 *
 *   lmdb_poke DIR DB KEYHEX flip OFFSET   flip the low bit of a value byte
 *   lmdb_poke DIR DB KEYHEX del           delete the key
 *   lmdb_poke DIR DB KEYHEX put VALUEHEX  store a value (creating DB if it is
 *                                         not there: an older schema's database)
 *   lmdb_poke DIR DB KEYHEX get           print the value: VALUEHEX
 *   lmdb_poke DIR DB - drop               empty the database
 *   lmdb_poke DIR DB - remove             delete the database itself: a store
 *                                         from before it was added
 *   lmdb_poke DIR DB - dump               every record (every value of a dup
 *                                         key), one per line: KEYHEX VALUEHEX
 *   lmdb_poke DIR DB - list               every key of a database without
 *                                         duplicates, one per line: KEYHEX
 *                                         NODE VALUE LEN (file offsets of
 *                                         the node header and the value;
 *                                         NODE is - for a value on
 *                                         overflow pages), for corruption
 *                                         tests
 *   lmdb_poke DIR DB - unlink TO          take the first 32 bytes (a chain
 *                                         link) off every value, into the
 *                                         database TO under the same key (or
 *                                         nowhere: TO is -), as older schemas
 *                                         kept them
 *   lmdb_poke DIR DB - stat               ENTRIES BYTES: its records and the
 *                                         bytes of its pages (branch, leaf
 *                                         and overflow), for sizing
 *
 * yimad must be stopped.  Exit status 0, or 1 with the reason on stderr.
 */
#include <lmdb.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static size_t unhex(const char *s, unsigned char *out, size_t cap)
{
	size_t n = strlen(s) / 2;
	for (size_t i = 0; i < n && i < cap; i++) {
		unsigned v;
		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			return 0;
		out[i] = (unsigned char)v;
	}
	return n <= cap ? n : 0;
}

/* Where this process mapped DIR/data.mdb (LMDB tells only for a fixed map). */
static const char *map_of(const char *dir)
{
	char want[4200], real[4096], line[4600];
	const char *map = NULL;
	if (realpath(dir, real) == NULL)
		return NULL;
	snprintf(want, sizeof want, "%s/data.mdb", real);
	FILE *f = fopen("/proc/self/maps", "r");
	while (f && map == NULL && fgets(line, sizeof line, f)) {
		unsigned long lo;
		int at = 0;
		if (sscanf(line, "%lx-%*x %*s %*s %*s %*s %n", &lo, &at) >= 1 && at &&
		    strncmp(line + at, want, strlen(want)) == 0 && line[at + strlen(want)] == '\n')
			map = (const char *)lo;
	}
	if (f)
		fclose(f);
	return map;
}

static void hexout(const void *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		printf("%02x", ((const unsigned char *)p)[i]);
}

static int fail(const char *what, int rc)
{
	fprintf(stderr, "lmdb_poke: %s: %s\n", what, rc ? mdb_strerror(rc) : "bad argument");
	return 1;
}

int main(int argc, char **argv)
{
	if (argc < 5)
		return fail("usage: DIR DB KEYHEX flip OFFSET | del | put VALUEHEX | get | - drop | "
			    "- list | - dump", 0);
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	unsigned char key[64], val[4096];
	int rc = mdb_env_create(&env);
	if (rc == 0)
		rc = mdb_env_set_maxdbs(env, 64);
	if (rc == 0)
		rc = mdb_env_open(env, argv[1], 0, 0644);
	if (rc == 0)
		rc = mdb_txn_begin(env, NULL, 0, &txn);
	if (rc == 0)
		rc = mdb_dbi_open(txn, argv[2], strcmp(argv[4], "put") == 0 ? MDB_CREATE : 0, &dbi);
	if (rc)
		return fail(argv[2], rc);
	MDB_val k = { unhex(argv[3], key, sizeof key), key }, v;
	if (strcmp(argv[4], "list") == 0) {
		/* A node is an 8-byte header (data size: 4 bytes, flags: 2,
		 * key size: 2), the key, then the data, on the leaf page; a
		 * value too large for its page is on overflow pages instead. */
		MDB_cursor *cur;
		const char *map = map_of(argv[1]);
		if (map == NULL)
			return fail("data.mdb not found in /proc/self/maps", 0);
		rc = mdb_cursor_open(txn, dbi, &cur);
		while (rc == 0 && (rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) == 0) {
			const char *vp = v.mv_data, *kp = k.mv_data;
			for (size_t i = 0; i < k.mv_size; i++)
				printf("%02x", ((const unsigned char *)kp)[i]);
			if (vp == kp + k.mv_size)
				printf(" %td", kp - 8 - map);
			else
				printf(" -");
			printf(" %td %zu\n", vp - map, v.mv_size);
		}
		mdb_cursor_close(cur);
		mdb_txn_abort(txn);
		mdb_env_close(env);
		return rc == MDB_NOTFOUND ? 0 : fail("list", rc);
	}
	if (strcmp(argv[4], "dump") == 0 || strcmp(argv[4], "get") == 0) {
		MDB_cursor *cur;
		bool all = argv[4][0] == 'd';
		rc = mdb_cursor_open(txn, dbi, &cur);
		if (rc == 0)
			rc = mdb_cursor_get(cur, &k, &v, all ? MDB_FIRST : MDB_SET_KEY);
		if (!all && rc)
			return fail("get", rc);
		for (; rc == 0; rc = all ? mdb_cursor_get(cur, &k, &v, MDB_NEXT) : MDB_NOTFOUND) {
			if (all) {
				hexout(k.mv_data, k.mv_size);
				putchar(' ');
			}
			hexout(v.mv_data, v.mv_size);
			putchar('\n');
		}
		mdb_txn_abort(txn);
		mdb_env_close(env);
		return rc == MDB_NOTFOUND ? 0 : fail(argv[4], rc);
	}
	if (strcmp(argv[4], "stat") == 0) {
		MDB_stat st;
		rc = mdb_stat(txn, dbi, &st);
		if (rc == 0)
			printf("%zu %zu\n", st.ms_entries, (size_t)st.ms_psize *
			       (st.ms_branch_pages + st.ms_leaf_pages + st.ms_overflow_pages));
		mdb_txn_abort(txn);
		mdb_env_close(env);
		return rc ? fail("stat", rc) : 0;
	}
	if (strcmp(argv[4], "drop") == 0 || strcmp(argv[4], "remove") == 0) {
		rc = mdb_drop(txn, dbi, argv[4][0] == 'r');
	} else if (strcmp(argv[4], "unlink") == 0 && argc == 6) {
		MDB_dbi to = 0;
		MDB_cursor *cur = NULL;
		bool keep = strcmp(argv[5], "-") != 0;
		if (keep)
			rc = mdb_dbi_open(txn, argv[5], MDB_CREATE, &to);
		if (rc == 0)
			rc = mdb_cursor_open(txn, dbi, &cur);
		for (int op = MDB_FIRST; rc == 0; op = MDB_NEXT) {
			if ((rc = mdb_cursor_get(cur, &k, &v, (MDB_cursor_op)op)) != 0)
				break;
			if (v.mv_size < 32 || v.mv_size - 32 > sizeof val || k.mv_size > sizeof key)
				return fail("a value with no link in front", 0);
			memcpy(key, k.mv_data, k.mv_size);
			memcpy(val, v.mv_data, v.mv_size);
			MDB_val nk = { k.mv_size, key }, link = { 32, val }, rest = { v.mv_size - 32,
									     val + 32 };
			if (keep && (rc = mdb_put(txn, to, &nk, &link, 0)) != 0)
				break;
			rc = mdb_cursor_put(cur, &nk, &rest, MDB_CURRENT);
		}
		if (rc == MDB_NOTFOUND)
			rc = 0;
		if (cur)
			mdb_cursor_close(cur);
	} else if (strcmp(argv[4], "del") == 0) {
		rc = mdb_del(txn, dbi, &k, NULL);
	} else if (strcmp(argv[4], "put") == 0 && argc == 6) {
		v.mv_data = val;
		v.mv_size = unhex(argv[5], val, sizeof val);
		rc = mdb_put(txn, dbi, &k, &v, 0);
	} else if (strcmp(argv[4], "flip") == 0 && argc == 6) {
		size_t off = strtoul(argv[5], NULL, 10);
		rc = mdb_get(txn, dbi, &k, &v);
		if (rc == 0 && (off >= v.mv_size || v.mv_size > sizeof val))
			return fail("offset past the value", 0);
		if (rc == 0) {
			memcpy(val, v.mv_data, v.mv_size);
			val[off] ^= 1;
			v.mv_data = val;
			rc = mdb_put(txn, dbi, &k, &v, 0);
		}
	} else {
		return fail(argv[4], 0);
	}
	if (rc == 0)
		rc = mdb_txn_commit(txn);
	mdb_env_close(env);
	return rc ? fail("write", rc) : 0;
}
