/*
 * trace — what TRACE shows: a code's record (as VERIFY judges it), its
 * chain of custody in time order, and its newest alerts.
 *
 * A unit's own events are indexed under it; while it was packed, it moved
 * with its container, so the chain also takes the container's movements
 * from the time the unit was packed into it until it was taken out (and,
 * in turn, those of the container's containers), and the recalls and
 * lifts of its lot and the withdrawal of its product.
 *
 * A principal that acts for one site (pharmacy, hospital, distributor,
 * manufacturer) sees its own part of the chain: the code's record, its
 * commissioning, the recalls and withdrawals of its lot and product, the
 * events at or with its own site, and its own site's alerts; where else
 * the code went is not its business.
 *
 * A repackaging (TRANSFORM) is a step of both sides' chains: TRACE of an
 * output shows the input codes it was made from and their lots, TRACE of
 * an input the output codes it became and their lot (struct trace_xform).
 *
 * trace_gather reads everything the reply shows and reports store errors;
 * rendering (cmd_trace.c) reads nothing.
 */
#ifndef YIMA_TRACE_H
#define YIMA_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "alert_list.h"
#include "archive.h"
#include "code.h"
#include "eventlog.h"
#include "master.h"
#include "outcome.h"
#include "coldchain.h"
#include "verdict.h"

struct cmd;
struct config;
struct store_txn;

#define TRACE_ALERTS 32		/* the newest alerts a trace shows */
#define TRACE_XFORM_CODES 32	/* codes of each side a repackaging shows */

/* A code on one side of a repackaging (TRANSFORM), with its lot. */
struct trace_xcode {
	char code[CODE_TEXT_MAX];
	char product[MASTER_ID_MAX + 1];	/* "" when it has no lot */
	char lot[CODE_SERIAL_MAX];
};

/* A TRANSFORM step's two sides: what the code was made from (the code is
 * an output) or what it became (an input), and the rest of that side.
 * The first TRACE_XFORM_CODES codes of each side, in id order; the counts
 * say how many there are. */
struct trace_xform {
	bool is_output;			/* the code traced is one of the outputs */
	uint32_t ninputs, noutputs;	/* every code of each side */
	uint32_t nin, nout;		/* those shown */
	struct trace_xcode in[TRACE_XFORM_CODES], out[TRACE_XFORM_CODES];
};

struct trace_step {
	struct event e;
	char site[MASTER_ID_MAX + 1];	/* e.site's id, "" for none */
	char other[MASTER_ID_MAX + 1];	/* e.other's */
	bool has_container;		/* packed into or unpacked from it */
	char container[CODE_TEXT_MAX];
	bool has_via;			/* moved in a container: which */
	char via[CODE_TEXT_MAX];
	bool has_reading;		/* SHIP, RETURN, RECEIVE with TEMP */
	struct cold_reading reading;
	struct trace_xform *xform;	/* TRANSFORM: both sides; else NULL */
};

/* A site the chain passes through (a visible step's site or other side),
 * with its archive. */
struct trace_site {
	uint32_t num;
	char id[MASTER_ID_MAX + 1];
	char name[201];			/* "" when unset */
	char kind[40];
	struct archive archive;
};

struct trace_outcome {
	struct outcome o;
	char code[CODE_TEXT_MAX];	/* the code asked about, as text */
	/* The code's record as VERIFY judges it; j.found false: none (the
	 * rest is empty). */
	struct judgement j;
	char holder[MASTER_ID_MAX + 1];
	struct trace_step *step;	/* in time order; trace_free frees */
	size_t nstep;
	struct alert_row alert[TRACE_ALERTS];	/* newest first */
	uint32_t nalert;
	/* The archives (archive.h): the product's (kind NULL: no product
	 * record), and each site's in the order the chain first names it;
	 * licences judged on `today`. */
	struct archive product_archive;
	struct trace_site *site;	/* trace_free frees */
	size_t nsite;
	uint32_t today;
};

/* TRACE code, at the command's time, as its principal (c->who) may see it. */
enum cmd_status trace_gather(struct store_txn *t, const struct config *cfg, const struct cmd *c,
			     struct trace_outcome *to);
void trace_free(struct trace_outcome *to);

#endif
