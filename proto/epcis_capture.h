/*
 * epcis_capture.h — an EPCIS 2.0 document as the one EVENTS request that
 * captures it (yimad's POST /epcis/capture, proto/HTTP.md):
 *
 *     EVENTS BATCH <SHA-256 of the document, hex> command command ...
 *
 * The document is read by the EPCIS reader (load.h, FORMATS.md's mapping);
 * each event it maps becomes one command naming all the event's codes
 * (load_cmd.h), or one per code where a command takes one (DISPENSE, a
 * quantityList entry of its own quantity).  One request, so one
 * transaction: the document applies whole or not at all, as EPCIS's
 * capture does by default ("rollback").  The batch id makes the same
 * document sent again by the same principal answer from the first run
 * and apply nothing twice.
 *
 * Trust boundary: the document is untrusted bytes, refused past max bytes
 * before it is parsed.  Memory: the parsed document and the request's
 * words, about three times the document.
 */
#ifndef YIMA_EPCIS_CAPTURE_H
#define YIMA_EPCIS_CAPTURE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "code.h"
#include "load.h"
#include "resp.h"

#define EPCIS_CAPTURE_BAD_KEPT 20	/* refused events listed (counted all) */

struct epcis_capture_bad {
	unsigned long event;		/* 1-based, in eventList */
	char msg[LOAD_MSG_MAX];		/* "document: event 3: ..." */
};

struct epcis_capture {
	int argc;			/* EVENTS, BATCH, id, the commands */
	struct resp_arg *argv;		/* into text */
	size_t ncommands;
	unsigned long *event_of;	/* command i (from 0): its event, 1-based */
	char batch[65];			/* the document's SHA-256, hex */
	struct load_epcis_stats stats;
	struct epcis_capture_bad bad[EPCIS_CAPTURE_BAD_KEPT];
	size_t nbad;			/* events the reader refused (all) */
	char err[LOAD_MSG_MAX];		/* the document refused whole */
	struct buf text;
};

/*
 * Read document doc (len bytes; refused past max), codes read with copts.
 * 0: c is filled; c->nbad events were refused (what and where in c->bad)
 * and the caller should not capture it then; c->ncommands may be 0 (every
 * event skipped, counted in c->stats).  -1: the document is refused whole
 * (not JSON, too large, not an EPCIS document), why in c->err.  Free with
 * epcis_capture_free either way.
 */
int epcis_capture_read(const char *doc, size_t len, size_t max, const struct code_opts *copts,
		       struct epcis_capture *c);
void epcis_capture_free(struct epcis_capture *c);

#endif
