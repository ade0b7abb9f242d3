/*
 * code_dl.h — GS1 Digital Link URIs (uncompressed):
 * https://{any host}[/{any path}]/01/{gtin}[/22/{cpv}][/10/{lot}][/21/{serial}]
 * [?17=YYMMDD&...] and the other primary keys, into GS1 elements.
 */
#ifndef YIMA_CODE_DL_H
#define YIMA_CODE_DL_H

#include <stddef.h>

#include "code_gs1.h"

/*
 * Parse the URI s[0..n) (it starts "http://" or "https://", any case) into
 * m; base is its position in the scan.  Values are %-decoded; a GTIN of 8,
 * 12 or 13 digits is padded to 14.  Query parameters that are not GS1 AIs
 * (or the short names exp, lot, ser, cpv) are ignored.  Returns CODE_OK or
 * the error recorded in ctx.
 */
enum code_err dl_parse(struct code_ctx *ctx, struct gs1_msg *m,
                       const char *s, size_t n, size_t base);

#endif /* YIMA_CODE_DL_H */
