/*
 * code_ma.h — MA codes (ZIIOT IDcode, ISO/IEC 15459 issuing agency "MA"),
 * used in China for medical-device UDI:
 * "MA.156.M0.100761.21234561.Sx00008.M220117.L20220117.E220130.C3".
 */
#ifndef YIMA_CODE_MA_H
#define YIMA_CODE_MA_H

#include <stddef.h>
#include <stdint.h>

#include "code_util.h"

#define MA_DI_MAX   40 /* DI without "MA.": 3 + 1 + 2 + 1 + 12 + 1 + 20 */
#define MA_DATA_MAX 20 /* serial or lot */

/*
 * Parse the MA code s[0..n) (starting "MA."); base is its position in the
 * scan.  Fills ctx->out: CODE_UDI_MA keyed by DI + serial (".S"), else DI +
 * lot (".L"); a DI without either is CODE_E_NO_SERIAL.  The check segment
 * (".C") is kept but cannot be verified: its algorithm is not public.
 */
enum code_err ma_parse(struct code_ctx *ctx, const char *s, size_t n,
                       size_t base);

/* Canonical text of a CODE_KEY_MA_* key: "MA.{DI}.S{serial}" or
 * "MA.{DI}.L{lot}".  Returns the length or -1. */
int ma_format(const uint8_t *key, size_t len, char *buf, size_t cap);

#endif /* YIMA_CODE_MA_H */
