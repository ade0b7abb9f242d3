/*
 * view — site ids and unit codes for replies, missing ones reported.
 */
#include "view.h"
#include "code_util.h"
#include "mcache.h"
#include "store.h"
#include "units.h"

#include <stdio.h>

int view_site(struct store_txn *t, uint32_t num, char id[MASTER_ID_MAX + 1])
{
	const char *s;
	int rc = mcache_site(t, num, &s);
	if (rc == STORE_NOTFOUND) {
		uint8_t k[4];
		code_put_be(k, num, sizeof k);
		return store_corrupt(DB_SITE_NUMS, k, sizeof k, "a site the records name is missing");
	}
	if (rc)
		return rc;
	snprintf(id, MASTER_ID_MAX + 1, "%s", s);
	return 0;
}

int view_unit_code(struct store_txn *t, uint64_t id, char text[CODE_TEXT_MAX])
{
	struct unit u;
	int rc = units_get(t, id, &u);
	if (rc == STORE_NOTFOUND) {
		uint8_t k[5];	/* a unit id: u40 BE */
		code_put_be(k, id, sizeof k);
		return store_corrupt(DB_UNITS, k, sizeof k, "a unit the records name is missing");
	}
	if (rc)
		return rc;
	view_code(u.key, u.key_len, text);
	return 0;
}

void view_code(const uint8_t *key, size_t len, char text[CODE_TEXT_MAX])
{
	if (code_key_format(key, len, text, CODE_TEXT_MAX) < 0)
		snprintf(text, CODE_TEXT_MAX, "?");
}
