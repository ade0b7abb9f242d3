/*
 * view — what a reply shows of the records another record names: a site's
 * id, a unit's code.  The reads (IMPACT, CODES, TRACE, ALERTS) gather these
 * before they render, so that rendering reads nothing; a record that the
 * store names and does not hold is reported as corrupt, never shown as "?".
 *
 * Errors: 0, STORE_CORRUPT or a store error code.
 */
#ifndef YIMA_VIEW_H
#define YIMA_VIEW_H

#include <stdint.h>

#include "code.h"
#include "master.h"

struct store_txn;

/* The id of site `num` into id ("" for 0: no site). */
int view_site(struct store_txn *t, uint32_t num, char id[MASTER_ID_MAX + 1]);

/* The code of unit `id`, as text, into text. */
int view_unit_code(struct store_txn *t, uint64_t id, char text[CODE_TEXT_MAX]);

/* A code key as text; "?" for a key that does not format (a record read
 * back is checked when decoded, so only a damaged key gets here). */
void view_code(const uint8_t *key, size_t len, char text[CODE_TEXT_MAX]);

#endif
