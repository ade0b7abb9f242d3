/*
 * code_epc.h — EPC URNs (GS1 EPC Tag Data Standard) for the GS1 keys yima
 * tracks: urn:epc:id:sgtin / sscc / sgln / pgln, urn:epc:class:lgtin and the
 * tag URIs sgtin-96/-198, sscc-96, sgln-96/-195, into GS1 elements.
 */
#ifndef YIMA_CODE_EPC_H
#define YIMA_CODE_EPC_H

#include <stddef.h>

#include "code_gs1.h"

/*
 * Parse the URN s[0..n) (it starts "urn:epc:", any case) into m: the GTIN,
 * SSCC or GLN is rebuilt from company prefix and reference (check digit
 * computed), the serial, lot or extension %-decoded.  base is the URN's
 * position in the scan.  Returns CODE_OK or the error recorded in ctx.
 */
enum code_err epc_parse(struct code_ctx *ctx, struct gs1_msg *m,
                        const char *s, size_t n, size_t base);

#endif /* YIMA_CODE_EPC_H */
