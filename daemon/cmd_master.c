/*
 * cmd_master — SITE SET/GET and PRODUCT SET/GET.  Their words are field and
 * value pairs, which master.c's field table reads and checks (the grammar
 * is raw).  SITE SET and PRODUCT SET are also records of EVENTS batches
 * (`yima load` of sites and products: thousands in one write job), run by
 * the same handlers.
 */
#include "cmd.h"
#include "master.h"
#include "parse.h"
#include "store.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* "-ERR SITE SET: message": these name the subcommand too. */
static enum cmd_status refuse(struct cmd_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static enum cmd_status refuse(struct cmd_ctx *ctx, const char *fmt, ...)
{
	char name[32], msg[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	command_full_name(ctx->cmd->spec, name, sizeof name);
	resp_error(ctx->out, "ERR", "%s: %s", name, msg);
	if (ctx->refusal)	/* a record of an EVENTS batch: its error line */
		snprintf(ctx->refusal, ctx->refusal_len, "ERR %s: %s", name, msg);
	return CMD_REFUSED;
}

/* The id word, in its canonical form. */
static enum cmd_status id_of(struct cmd_ctx *ctx, const struct master_kind *k,
			     char id[MASTER_ID_MAX + 1])
{
	const struct resp_arg *a = cmd_word(ctx->cmd, 0);
	char err[256];
	if (master_normalize_id(k, a->ptr, a->len, id, err, sizeof err) != 0)
		return refuse(ctx, "%s", err);
	return CMD_DONE;
}

/* Keep the map of sites by GLN as a site's gln changes from old_gln
 * ("" none) to gln: one GLN, one site. */
static int move_gln(struct store_txn *t, const char *old_gln, const char *gln, const char *id)
{
	int rc = 0;
	if (memcmp(old_gln, gln, MASTER_GLN_LEN) == 0)
		return 0;
	if (old_gln[0] && (rc = master_gln_del(t, old_gln)) != 0)
		return rc;
	return master_gln_set(t, gln, id);
}

/* SITE SET id field value [field value ...] (and PRODUCT SET): merge the
 * given fields into the record, creating it if new.  Every field is checked
 * before anything is written. */
static enum cmd_status master_set(struct cmd_ctx *ctx, const struct master_kind *k)
{
	const struct cmd *c = ctx->cmd;
	char id[MASTER_ID_MAX + 1], err[256], owner[MASTER_ID_MAX + 1];
	char old_gln[MASTER_GLN_LEN + 1] = "";
	struct master_rec rec, given = { 0 };
	enum cmd_status st = id_of(ctx, k, id);
	if (st != CMD_DONE)
		return st;
	int first = c->first_word + 1;	/* the first field name */
	if (master_apply(k, &given, c->argc - first, c->argv + first, err, sizeof err) != 0)
		return refuse(ctx, "%s", err);
	int rc = master_load(ctx->txn, k, id, &rec);
	if (rc != 0 && rc != STORE_NOTFOUND)
		return cmd_failed(ctx, rc);
	/* Sites are also found by GLN (EPCIS locations): one GLN, one site. */
	int gln = k == &master_site ? master_field_index(k, "gln") : -1;
	bool new_gln = gln >= 0 && given.val[gln];
	if (gln >= 0 && rec.val[gln] && rec.len[gln] == MASTER_GLN_LEN)
		memcpy(old_gln, rec.val[gln], MASTER_GLN_LEN);
	if (new_gln) {
		rc = master_site_by_gln(ctx->txn, given.val[gln], owner);
		if (rc == 0 && strcmp(owner, id) != 0) {
			ctx->conflict = true;
			return refuse(ctx, "GLN %.13s already belongs to site %s", given.val[gln],
				      owner);
		}
		if (rc && rc != STORE_NOTFOUND)
			return cmd_failed(ctx, rc);
	}
	for (int f = 0; f < master_nfields(k); f++)
		if (given.val[f]) {
			rec.val[f] = given.val[f];
			rec.len[f] = given.len[f];
		}
	if (master_check_record(k, &rec, err, sizeof err) != 0)
		return refuse(ctx, "%s", err);
	if ((rc = master_store(ctx->txn, k, id, &rec)) != 0 ||
	    (new_gln && (rc = move_gln(ctx->txn, old_gln, given.val[gln], id)) != 0))
		return cmd_failed(ctx, rc);
	resp_simple(ctx->out, "OK");
	return CMD_DONE;
}

/* SITE GET id (and PRODUCT GET): the record's fields that are set. */
static enum cmd_status master_get(struct cmd_ctx *ctx, const struct master_kind *k)
{
	char id[MASTER_ID_MAX + 1];
	struct master_rec rec;
	struct store_txn *t;
	enum cmd_status st = id_of(ctx, k, id);
	if (st != CMD_DONE)
		return st;
	int rc = cmd_read_txn(ctx, &t);
	if (rc == 0)
		rc = master_load(t, k, id, &rec);
	if (rc == STORE_NOTFOUND) {
		resp_error(ctx->out, "NOTFOUND", "no %s '%s'", master_what(k), id);
		return CMD_REFUSED;
	}
	if (rc)
		return cmd_failed(ctx, rc);
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
	return CMD_DONE;
}

enum cmd_status cmd_site_set(struct cmd_ctx *ctx)
{
	return master_set(ctx, &master_site);
}

enum cmd_status cmd_site_get(struct cmd_ctx *ctx)
{
	return master_get(ctx, &master_site);
}

enum cmd_status cmd_product_set(struct cmd_ctx *ctx)
{
	return master_set(ctx, &master_product);
}

enum cmd_status cmd_product_get(struct cmd_ctx *ctx)
{
	return master_get(ctx, &master_product);
}
