/*
 * lmdb_poke — change a yimad store underneath it, for tamper tests.
 *
 *   lmdb_poke DIR DB KEYHEX flip OFFSET   flip the low bit of a value byte
 *   lmdb_poke DIR DB KEYHEX del           delete the key
 *   lmdb_poke DIR DB KEYHEX put VALUEHEX  store a value
 *   lmdb_poke DIR DB - drop               empty the database
 *
 * yimad must be stopped.  Exit status 0, or 1 with the reason on stderr.
 */
#include <lmdb.h>
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

static int fail(const char *what, int rc)
{
	fprintf(stderr, "lmdb_poke: %s: %s\n", what, rc ? mdb_strerror(rc) : "bad argument");
	return 1;
}

int main(int argc, char **argv)
{
	if (argc < 5)
		return fail("usage: DIR DB KEYHEX flip OFFSET | del | put VALUEHEX | - drop", 0);
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
		rc = mdb_dbi_open(txn, argv[2], 0, &dbi);
	if (rc)
		return fail(argv[2], rc);
	MDB_val k = { unhex(argv[3], key, sizeof key), key }, v;
	if (strcmp(argv[4], "drop") == 0) {
		rc = mdb_drop(txn, dbi, 0);
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
