/*
 * commission — COMMISSION: codes come into existence, at a site, as units
 * of one lot of one product (or as containers of no lot).
 *
 *   COMMISSION code [code ...] SITE s [PRODUCT p] [LOT l] [EXPIRY date]
 *              [LEVEL 1-4] [QTY n] [TIME t]
 *
 * The codes say what they can — their product, lot, expiry, and (without
 * LEVEL) their level: an SSCC is a case, a GTIN with indicator 1-8 a
 * middle pack — and the options must agree with them.  A lot is created by
 * its first commissioning, which must give its expiry; later ones must not
 * contradict it.  The units get consecutive ids, one event for them all.
 * Rules common to the distribution commands: custody.h.
 */
#ifndef YIMA_COMMISSION_H
#define YIMA_COMMISSION_H

#include "custody.h"

struct config;
struct cmd;
struct store_txn;

/* Commission c's codes.  CMD_REFUSED (nothing written) when a code does
 * not parse, is commissioned already or named twice, when the codes do
 * not agree with each other or the options, or when the product, lot or
 * expiry is missing, unknown or contradicted; co gets the event, the
 * count, the level taken and the warnings for units of a bad lot. */
enum cmd_status commission_apply(struct store_txn *t, const struct config *cfg,
				 const struct cmd *c, struct custody_outcome *co);

#endif
