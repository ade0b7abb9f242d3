/*
 * named — products and lots by the words that name them.
 */
#include "named.h"
#include "store.h"

enum cmd_status named_product(struct store_txn *t, const struct resp_arg *word, uint32_t *num,
			      char pid[MASTER_ID_MAX + 1], struct outcome *o)
{
	char err[300];
	struct master_rec rec;
	if (master_normalize_id(&master_product, word->ptr, word->len, pid, err, sizeof err) != 0)
		return outcome_refuse(o, "%s", err);
	int rc = master_load(t, &master_product, pid, &rec);
	if (rc == STORE_NOTFOUND)
		return outcome_refuse(o, "unknown product '%s'", pid);
	if (rc)
		return outcome_failed(o, rc);
	*num = rec.num;
	return CMD_DONE;
}

enum cmd_status named_lot(struct store_txn *t, const struct resp_arg *product,
			  const struct resp_arg *lot, struct lot *l, char pid[MASTER_ID_MAX + 1],
			  struct outcome *o)
{
	uint32_t num;
	enum cmd_status st = named_product(t, product, &num, pid, o);
	if (st != CMD_DONE)
		return st;
	int rc = lots_find(t, num, lot->ptr, lot->len, l);
	if (rc == STORE_NOTFOUND)
		return outcome_refuse(o, "product %s has no lot '%.*s'", pid,
				      (int)(lot->len > 40 ? 40 : lot->len), lot->ptr);
	return rc ? outcome_failed(o, rc) : CMD_DONE;
}
