/*
 * code_hibc.h — HIBC Supplier Labeling (LIC) data structures as UDI:
 * primary (labeler, product, unit of measure), secondary (lot or serial,
 * dates, quantity), concatenated in one symbol or split over two.
 */
#ifndef YIMA_CODE_HIBC_H
#define YIMA_CODE_HIBC_H

#include <stddef.h>
#include <stdint.h>

#include "code_util.h"

#define HIBC_DI_MAX   23 /* LIC 4 + product number 1-18 + unit of measure 1 */
#define HIBC_DATA_MAX 18 /* lot or serial */

/* Value of an HIBC character: 0-9 A-Z - . space $ / + % -> 0..42, or -1. */
int hibc_value(int c);
/* The mod-43 check character of the n characters at p, '+' included. */
char hibc_check(const char *p, size_t n);

/*
 * Parse s[0..n), one HIBC data structure starting with '+' or two of them
 * (primary, then secondary) separated by blanks or a line break, as two
 * scans pasted together.  base is the position of s in the scan.  Fills
 * ctx->out: CODE_UDI_HIBC keyed by DI + serial when there is a serial, else
 * DI + lot.  A primary alone is CODE_E_NO_SERIAL; a secondary alone is
 * CODE_E_PARTIAL (its fields are filled).
 */
enum code_err hibc_parse(struct code_ctx *ctx, const char *s, size_t n,
                         size_t base);

/* Canonical text of a CODE_KEY_HIBC_* key: "+DI/$+SERIAL" or "+DI/$LOT"
 * with its check character — or, when that character would be a space
 * (trimmed by scanners), "+DI/$$+7SERIAL" / "+DI/$$7LOT", whose check is
 * never a space.  Returns the length or -1 (bad key, small buffer). */
int hibc_format(const uint8_t *key, size_t len, char *buf, size_t cap);

#endif /* YIMA_CODE_HIBC_H */
