/*
 * batches — the result of each EVENTS BATCH applied, kept so that the same
 * principal sending the same batch again gets that result back and nothing
 * is applied twice (cmd_bulk.c decides; this module only keeps).
 *
 * DB_BATCHES key (batches_key): batch ids are each principal's own, so the
 * key names the principal.  The local principal's key is the bare id
 * (1-64 bytes), as every key was before batches were kept per principal: a
 * store from then holds the local principal's batches only, as far as
 * anyone can tell, and needs no change.  Any other principal's key is
 * longer than an id can be, so the two never meet:
 *   u8 1 (format), u8 role, u32 site (BE), name NUL-padded to
 *   ACL_NAME_MAX bytes, then the id.
 * Role and site are part of it: an ACL file reloaded with the same name
 * for another site or role makes another principal.
 *
 * Value: u32 records, u32 applied, u32 skipped, u16 errors listed, then
 * per error u32 record, u16 length, message (big endian throughout).
 *
 * Errors: 0, STORE_NOTFOUND, STORE_CORRUPT or a store error code.
 */
#ifndef YIMA_BATCHES_H
#define YIMA_BATCHES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "acl_file.h"
#include "buf.h"
#include "command.h"

struct principal;
struct store_txn;

#define BATCH_ID_MAX CMD_BATCH_ID_MAX
#define BATCH_WHO_BYTES (1 + 1 + 4 + ACL_NAME_MAX)
#define BATCH_KEY_MAX (BATCH_WHO_BYTES + BATCH_ID_MAX)

struct batch_result {
	uint32_t records;	/* records in the batch */
	uint32_t applied;
	uint32_t skipped;	/* SKIPBAD: records refused and passed over */
	uint16_t nerrors;	/* errors in the list */
	const uint8_t *errors;	/* the list (batches_error_add), errors_len bytes */
	size_t errors_len;
};

struct batch_error {
	uint32_t record;	/* which record, from 1 */
	const char *msg;	/* msg_len bytes, not NUL-terminated */
	size_t msg_len;
};

/* The key of principal who's batch `id` (1 to BATCH_ID_MAX bytes; NULL or
 * the local principal: the bare id) into k; its length. */
size_t batches_key(const struct principal *who, const void *id, size_t idlen,
		   uint8_t k[BATCH_KEY_MAX]);

/* The result stored under k; r->errors points into the store, valid until
 * the next write or the end of the transaction.  A record whose error list
 * does not add up is STORE_CORRUPT. */
int batches_get(struct store_txn *t, const uint8_t *k, size_t kl, struct batch_result *r);
int batches_put(struct store_txn *t, const uint8_t *k, size_t kl, const struct batch_result *r);

/* Add an error to a list being built (its first 65,535 bytes of message). */
void batches_error_add(struct buf *list, uint32_t record, const char *msg, size_t len);
/* The error at *pos of r's list (start with *pos = 0), moving *pos past
 * it; false after the last. */
bool batches_error_next(const struct batch_result *r, size_t *pos, struct batch_error *e);

#endif
