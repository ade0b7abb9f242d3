/*
 * batches — encoding of the EVENTS BATCH results (batches.h).
 */
#include "batches.h"
#include "acl.h"
#include "code_util.h"
#include "store.h"
#include "xmem.h"

#include <stdlib.h>
#include <string.h>

#define HEAD 14			/* records, applied, skipped, errors listed */
#define ERROR_HEAD 6		/* an error's record and length */

size_t batches_key(const struct principal *who, const void *id, size_t idlen,
		   uint8_t k[BATCH_KEY_MAX])
{
	size_t n = 0;
	if (idlen > BATCH_ID_MAX)
		idlen = BATCH_ID_MAX;
	if (who && who->role != ROLE_LOCAL) {
		memset(k, 0, BATCH_WHO_BYTES);
		k[0] = 1;
		k[1] = who->role;
		code_put_be(k + 2, who->site, 4);
		memcpy(k + 6, who->name, strnlen(who->name, ACL_NAME_MAX));
		n = BATCH_WHO_BYTES;
	}
	memcpy(k + n, id, idlen);
	return n + idlen;
}

int batches_get(struct store_txn *t, const uint8_t *k, size_t kl, struct batch_result *r)
{
	const void *v;
	size_t n;
	int rc = store_get(t, DB_BATCHES, k, kl, &v, &n);
	if (rc)
		return rc;
	if (n < HEAD)
		return store_corrupt(DB_BATCHES, k, kl, "shorter than a batch result");
	const uint8_t *p = v;
	r->records = (uint32_t)code_get_be(p, 4);
	r->applied = (uint32_t)code_get_be(p + 4, 4);
	r->skipped = (uint32_t)code_get_be(p + 8, 4);
	r->nerrors = (uint16_t)code_get_be(p + 12, 2);
	r->errors = p + HEAD;
	r->errors_len = n - HEAD;
	/* The list must hold exactly the errors it counts: a reply lists them
	 * after saying how many there are. */
	struct batch_error e;
	size_t pos = 0;
	for (uint16_t i = 0; i < r->nerrors; i++)
		if (!batches_error_next(r, &pos, &e))
			return store_corrupt(DB_BATCHES, k, kl, "fewer errors than it counts");
	if (pos != r->errors_len)
		return store_corrupt(DB_BATCHES, k, kl, "more bytes than its errors");
	return 0;
}

int batches_put(struct store_txn *t, const uint8_t *k, size_t kl, const struct batch_result *r)
{
	size_t n = HEAD + r->errors_len;
	uint8_t *v = xmalloc(n);
	code_put_be(v, r->records, 4);
	code_put_be(v + 4, r->applied, 4);
	code_put_be(v + 8, r->skipped, 4);
	code_put_be(v + 12, r->nerrors, 2);
	if (r->errors_len)
		memcpy(v + HEAD, r->errors, r->errors_len);
	int rc = store_put(t, DB_BATCHES, k, kl, v, n);
	free(v);
	return rc;
}

void batches_error_add(struct buf *list, uint32_t record, const char *msg, size_t len)
{
	uint8_t h[ERROR_HEAD];
	if (len > UINT16_MAX)
		len = UINT16_MAX;
	code_put_be(h, record, 4);
	code_put_be(h + 4, len, 2);
	buf_append(list, h, sizeof h);
	buf_append(list, msg, len);
}

bool batches_error_next(const struct batch_result *r, size_t *pos, struct batch_error *e)
{
	if (*pos > r->errors_len || r->errors_len - *pos < ERROR_HEAD)
		return false;
	const uint8_t *p = r->errors + *pos;
	size_t len = (size_t)code_get_be(p + 4, 2);
	if (r->errors_len - *pos - ERROR_HEAD < len)
		return false;
	e->record = (uint32_t)code_get_be(p, 4);
	e->msg = (const char *)p + ERROR_HEAD;
	e->msg_len = len;
	*pos += ERROR_HEAD + len;
	return true;
}
