/*
 * code_cn20.h — the Chinese 20-digit drug traceability code (药品追溯码):
 * 7-digit product/packaging-level prefix, 9-digit serial, 4-digit check
 * part (not verifiable offline: its algorithm is not public).
 */
#ifndef YIMA_CODE_CN20_H
#define YIMA_CODE_CN20_H

#include <stddef.h>
#include <stdint.h>

#include "code_util.h"

#define CN20_DIGITS 20
#define CN20_KEY_LEN 10 /* type byte + 9 bytes */

/* Fill ctx->out from the 20 ASCII digits at p (the caller has checked
 * them): CODE_CN20, key, prefix, serial, check part.  Never fails. */
enum code_err cn20_parse(struct code_ctx *ctx, const char *p);

/* Canonical text (the 20 digits) of a CODE_KEY_CN20 key.  Returns 20, or
 * -1 if the key is not one (wrong length, value of more than 20 digits) or
 * cap < 21. */
int cn20_format(const uint8_t *key, size_t len, char *buf, size_t cap);

#endif /* YIMA_CODE_CN20_H */
