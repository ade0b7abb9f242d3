/*
 * site_kinds — what each kind of site may do, whoever asks.
 *
 * The role matrix (acl.h) says what a principal may run; this says what a
 * site may be the acting site of (the grammar's `acting` option: SITE, or
 * FROM for SHIP and RETURN), by the site's `kind`: a pharmacy sells and
 * does not commission, a manufacturer commissions and does not sell, for
 * a token of any role and for the trusted local principal alike.  It is a
 * rule: applied by the writer, with the site's kind as the store holds it
 * when the command applies, so a log gives the same answers on replay.
 * EVENTS records are each put to it as the command they are.
 *
 * A site without a kind is not restricted (a kind is optional in SITE SET;
 * give sites their kind to have it enforced).  Commands without an acting
 * site, and reads (VERIFY SITE), are not restricted either.
 * proto/PROTOCOL.md ("Site kinds") shows the same table.
 */
#ifndef YIMA_SITE_KINDS_H
#define YIMA_SITE_KINDS_H

#include <stdbool.h>
#include <stddef.h>

#include "command.h"

enum site_kind {
	SITE_KIND_NONE = 0,		/* no kind set */
	SITE_KIND_MANUFACTURER,
	SITE_KIND_DISTRIBUTOR,
	SITE_KIND_PHARMACY,
	SITE_KIND_HOSPITAL,
	SITE_KIND_REGULATOR,
	SITE_KIND__COUNT
};

/* The kind a SITE SET value names; SITE_KIND_NONE for none. */
enum site_kind site_kind_parse(const char *s, size_t n);
const char *site_kind_name(enum site_kind k);

/* May a site of kind k be command id's acting site?  Always for
 * SITE_KIND_NONE and for commands the table does not restrict. */
bool site_kind_may(enum site_kind k, enum cmd_id id);

/*
 * The rule for a parsed command: may its acting site, by its kind, do it?
 * 0 yes (or the acting site is not given or not known: the command's own
 * checks say so); -1 no, with err naming the site, its kind, the command
 * and the kinds that may; or a store error code.
 */
struct cmd;
struct store_txn;
int site_kinds_check(struct store_txn *t, const struct cmd *c, char *err, size_t errlen);

#endif
