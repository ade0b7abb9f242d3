/*
 * transform — repackaging: a split or relabelled product keeps its chain
 * (EPCIS TransformationEvent).
 *
 *   TRANSFORM INPUTS code [code ...] OUTPUTS code [code ...] SITE s LOT l
 *             EXPIRY YYYY-MM-DD [PRODUCT p] [REF r] [TIME t]
 *
 * The inputs, sales units that site s holds in stock, are consumed: they
 * end in status `transformed` (a later VERIFY answers RED `transformed`).
 * The outputs are new codes, commissioned at s in lot l (of product p, or
 * of their codes' product) as COMMISSION would: one COMMISSION event,
 * then the TRANSFORM event, which names the inputs as DESTROY names its
 * codes and the outputs by their ids (eventlog.h); TRACE of either side
 * shows the other.  Every input's lot is linked to the output lot
 * (lot_links.h): IMPACT of a recalled input lot lists the output lot as
 * derived, and a scan of an output answers RED recalled, naming the input
 * lot.
 *
 * Refused, with nothing written, when an input is a container (UNPACK it
 * first), not held in stock at s, a split pack already sold from, or
 * recalled, withdrawn or expired (such stock is returned or destroyed,
 * not given new codes); when an output could not be commissioned (the
 * refusal says OUTPUTS and why, as COMMISSION's would).  An output lot
 * that is an input's own lot (a relabelling within the lot) gets no link:
 * the lot's own recall covers it.
 *
 * Which site kinds may repackage: site_kinds.c (manufacturers and
 * distributors, who hold the licence to; a hospital pharmacy's split is a
 * split sale, DISPENSE QTY).
 */
#ifndef YIMA_TRANSFORM_H
#define YIMA_TRANSFORM_H

#include "custody.h"

struct config;
struct cmd;
struct store_txn;

/* co->codes: the inputs consumed; co->outputs, co->level: the outputs
 * commissioned; co->seq: the TRANSFORM event; co->warnings: the output
 * lot's, as COMMISSION gives. */
enum cmd_status transform_apply(struct store_txn *t, const struct config *cfg,
				const struct cmd *c, struct custody_outcome *co);

#endif
