/*
 * cmd_master — SITE SET/GET and PRODUCT SET/GET.
 */
#include "cmd.h"
#include "master.h"
#include "store.h"

#include <stdio.h>
#include <string.h>

/* SITE SET id field value [field value ...] (and PRODUCT SET): merge the
 * given fields into the record, creating it if new.  Every field is checked
 * before anything is written. */
static int master_set(struct cmd_ctx *ctx, const struct master_kind *k,
		      const char *cmdname)
{
	char id[MASTER_ID_MAX + 1], err[256];
	struct master_rec rec, given = { 0 };

	if (master_normalize_id(k, ctx->argv[2].ptr, ctx->argv[2].len, id, err,
				sizeof err) != 0 ||
	    master_apply(k, &given, ctx->argc - 3, ctx->argv + 3, err, sizeof err) != 0) {
		resp_error(ctx->out, "ERR", "%s: %s", cmdname, err);
		return 0;
	}
	int rc = master_load(ctx->txn, k, id, &rec);
	if (rc != 0 && rc != STORE_NOTFOUND)
		return rc;
	/* Sites are also found by GLN (EPCIS locations): one GLN, one site. */
	char old_gln[14] = "";
	int gln = k == &master_site ? master_field_index(k, "gln") : -1;
	if (gln >= 0 && rec.val[gln] && rec.len[gln] == 13)
		memcpy(old_gln, rec.val[gln], 13);
	if (gln >= 0 && given.val[gln]) {
		char owner[MASTER_ID_MAX + 1];
		rc = master_site_by_gln(ctx->txn, given.val[gln], owner);
		if (rc == 0 && strcmp(owner, id) != 0) {
			resp_error(ctx->out, "ERR", "%s: GLN %.13s already belongs to site %s",
				   cmdname, given.val[gln], owner);
			return 0;
		}
		if (rc && rc != STORE_NOTFOUND)
			return rc;
	}
	for (int f = 0; f < master_nfields(k); f++)
		if (given.val[f]) {
			rec.val[f] = given.val[f];
			rec.len[f] = given.len[f];
		}
	if ((rc = master_store(ctx->txn, k, id, &rec)) != 0)
		return rc;
	if (gln >= 0 && given.val[gln] && memcmp(old_gln, given.val[gln], 13) != 0) {
		if (old_gln[0] && (rc = master_gln_del(ctx->txn, old_gln)) != 0)
			return rc;
		if ((rc = master_gln_set(ctx->txn, given.val[gln], id)) != 0)
			return rc;
	}
	resp_simple(ctx->out, "OK");
	return 0;
}

static int master_get(struct cmd_ctx *ctx, const struct master_kind *k,
		      const char *cmdname)
{
	char id[MASTER_ID_MAX + 1], err[256];
	struct master_rec rec;
	struct store_txn *txn;

	if (master_normalize_id(k, ctx->argv[2].ptr, ctx->argv[2].len, id, err,
				sizeof err) != 0) {
		resp_error(ctx->out, "ERR", "%s: %s", cmdname, err);
		return 0;
	}
	int rc = cmd_read_txn(ctx, &txn);
	if (rc == 0)
		rc = master_load(txn, k, id, &rec);
	if (rc == STORE_NOTFOUND) {
		resp_error(ctx->out, "NOTFOUND", "no %s '%s'", master_what(k), id);
		return 0;
	}
	if (rc)
		return rc;
	size_t n = 1;
	for (int f = 0; f < master_nfields(k); f++)
		n += rec.val[f] != NULL;
	resp_map(ctx->out, n);
	resp_cstr(ctx->out, "id");
	resp_cstr(ctx->out, id);
	for (int f = 0; f < master_nfields(k); f++) {
		if (rec.val[f] == NULL)
			continue;
		resp_cstr(ctx->out, master_field_name(k, f));
		resp_bulk(ctx->out, rec.val[f], rec.len[f]);
	}
	return 0;
}

int cmd_site_set(struct cmd_ctx *ctx)
{
	return master_set(ctx, &master_site, "SITE SET");
}

int cmd_site_get(struct cmd_ctx *ctx)
{
	return master_get(ctx, &master_site, "SITE GET");
}

int cmd_product_set(struct cmd_ctx *ctx)
{
	return master_set(ctx, &master_product, "PRODUCT SET");
}

int cmd_product_get(struct cmd_ctx *ctx)
{
	return master_get(ctx, &master_product, "PRODUCT GET");
}
