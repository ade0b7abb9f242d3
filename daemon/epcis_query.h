/*
 * epcis_query — EPCIS.QUERY: the events a GS1 EPCIS 2.0 query asks for, a
 * page at a time, each as EPCIS shows it: its type, action, business step
 * and disposition (GS1's CBV), the codes, where, when.  Everything the
 * reply shows is gathered here, so that rendering (cmd_epcis.c) reads
 * nothing, and the filters judge what the reply shows: a query for
 * bizLocation X gives exactly the events shown at X.
 *
 * yima's events as EPCIS events (the table epcis_kind_of holds):
 *
 *   commission   ObjectEvent ADD commissioning/active, ilmd: lot, expiry
 *   pack         AggregationEvent ADD packing, parentID + childEPCs
 *   unpack       AggregationEvent DELETE unpacking, parentID + childEPCs
 *   ship         ObjectEvent OBSERVE shipping/in_transit, source and
 *                destination, the delivery note as a desadv
 *   return       the same with disposition returned
 *   receive      ObjectEvent OBSERVE receiving/in_progress
 *   destroy      ObjectEvent DELETE destroying/destroyed
 *   dispense     ObjectEvent OBSERVE dispensing/dispensed, the sale's TX
 *   undo         the dispense it undoes again, with an errorDeclaration
 *                (when it was undone): EPCIS's way of taking an event back
 *   transform    TransformationEvent repackaging/active (no action):
 *                inputEPCList the codes consumed, outputEPCList those
 *                made, ilmd: the outputs' lot and expiry
 *   recall, lift, withdraw, recall_ack, lock, unlock
 *                ObjectEvent OBSERVE holding, disposition recalled,
 *                active, recalled, recalled, non_sellable_other,
 *                sellable_accessible; a lot or product as a quantityList
 *                class, a code in epcList
 *
 * Codes are GS1 Digital Link URIs where the code is a GS1 key; CN 20-digit
 * codes and HIBC or MA UDIs, which have no URI form, are their canonical
 * text (as yima-gen writes them).  Lot-level records (a GTIN and a lot, no
 * serial) go in quantityList.  A place is its site's GLN as a Digital Link
 * (https://id.gs1.org/414/...): an EPC URN would need the company prefix's
 * length, which a GLN does not carry; a site without a GLN is
 * ARGS_SITE_URN and its id.  The eventID is a UUID made of the event's
 * link in the hash chain: unique to the store's history, the same on
 * every node of a cluster.
 *
 * What a query costs.  EPC and ANYEPC read the events of the units they
 * name (unit_events, a few each) and take them in seq order; any other
 * query walks the event log in seq order from its page token, looking at
 * EPCIS_SCAN_MAX events at most: a page that stops there carries a token
 * to go on from, with fewer events than asked, or none.  Times are not
 * indexed (a record loaded with its own time is older than those logged
 * before it): SINCE and BEFORE filter the walk.  A page holds COUNT events
 * (EPCIS_PAGE_DEFAULT when not given), and stops early past
 * EPCIS_CODES_MAX codes; an event is always shown whole.
 *
 * Who sees what: a principal acting for one site sees the events at or
 * with its site (where it happened, the other end of a shipment), and the
 * recalls, lifts and withdrawals of every lot; a regulator and the local
 * principal see every event.
 */
#ifndef YIMA_EPCIS_QUERY_H
#define YIMA_EPCIS_QUERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "outcome.h"

struct cmd;
struct config;
struct store_txn;

#define EPCIS_PAGE_DEFAULT 100
#define EPCIS_SCAN_MAX 100000		/* events a page looks at */
#define EPCIS_CODES_MAX 100000		/* codes a page shows (an event whole) */

/* Events a page looks at: EPCIS_SCAN_MAX, lowered by tests only. */
extern size_t epcis_scan_max;

enum epcis_type { EPCIS_OBJECT_EVENT, EPCIS_AGGREGATION_EVENT, EPCIS_TRANSFORMATION_EVENT };

/* Where an event happened, as EPCIS says it. */
enum epcis_places {
	EPCIS_NOWHERE,		/* no place (a recall) */
	EPCIS_AT_SITE,		/* readPoint and bizLocation: the site */
	EPCIS_DEPARTING,	/* readPoint: the sender; sourceList, destinationList */
	EPCIS_ARRIVING,		/* readPoint, bizLocation: the receiver; source if
				 * known; destinationList: the receiver */
};

/* How one kind of yima event is shown. */
struct epcis_kind {
	uint8_t type;		/* enum epcis_type */
	uint8_t places;		/* enum epcis_places */
	const char *action;	/* ADD, OBSERVE, DELETE; NULL: none (a
				 * TransformationEvent has no action) */
	const char *step;	/* CBV business step, bare */
	const char *disposition;	/* CBV disposition, bare */
};

/* The row of event kind `kind` (enum event_kind), or NULL: an UNDO is
 * shown as the DISPENSE it undoes. */
const struct epcis_kind *epcis_kind_of(uint8_t kind);

/* Text in a page's arena; len 0: none. */
struct epcis_text {
	uint32_t off, len;
};

struct epcis_code {
	struct epcis_text uri;
	bool klass;		/* a lot-level record: quantityList's epcClass */
	uint32_t quantity;	/* its quantity; 0: none */
};

/* One event of a page, as the reply shows it. */
struct epcis_event {
	const struct epcis_kind *k;
	uint8_t kind;		/* enum event_kind of the event shown */
	char id[48];		/* eventID: urn:uuid:... */
	int64_t time_ms;	/* eventTime */
	char tz[8];		/* eventTimeZoneOffset, "+08:00" */
	int64_t declared_ms;	/* an UNDO: errorDeclaration's time; 0 none */
	struct epcis_text read_point, biz_location, source, destination;
	struct epcis_text parent;	/* AggregationEvent's parentID */
	uint32_t first_code, ncodes;	/* page->codes[first_code ...] */
	uint32_t first_output, noutputs;	/* a TransformationEvent's outputs
						 * (its inputs: the codes above) */
	struct epcis_text klass;	/* a lot's or product's class (recalls) */
	struct epcis_text ref;	/* bizTransaction */
	bool ref_desadv;	/* of type desadv (movements); else no type (a sale) */
	struct epcis_text lot, expiry;	/* ilmd of a commissioning */
	uint8_t level;		/* yima:level: commissioned containers, a recall */
	uint32_t qty;		/* yima:qty: sub-units sold */
	struct epcis_text reason;	/* yima:reason */
};

struct epcis_page {
	struct outcome o;
	struct epcis_event *ev;
	size_t n, cap;
	struct epcis_code *codes;
	size_t ncodes, codes_cap;
	struct buf text;	/* the arena */
	uint64_t next;		/* the next page's token; 0: this is the last */
};

/*
 * EPCIS.QUERY c, as its principal (c->who) may see it: the page into p
 * (zeroed by the caller; epcis_page_free it).  CMD_DONE, CMD_REFUSED with
 * what is wrong in p->o.why (a code that does not parse, a token this
 * server did not give, an empty value in a list), or CMD_FAILED.
 */
enum cmd_status epcis_query_page(struct store_txn *t, const struct config *cfg,
				 const struct cmd *c, struct epcis_page *p);
void epcis_page_free(struct epcis_page *p);

/* A page's text. */
static inline const char *epcis_text_ptr(const struct epcis_page *p, struct epcis_text s)
{
	return p->text.data + s.off;
}

#endif
