/*
 * archive — a site's and a product's archive (一企一档、一品一档) as TRACE
 * and IMPACT show it: the master record's archive fields copied out of the
 * store, and a site's licence judged at a date.
 *
 * A site's archive: licence, licence_valid_from, licence_valid_until,
 * region, address, contact.  A product's: approval_number, holder, form,
 * strength, storage_min_c, storage_max_c, nhsa_code, category.  A field
 * not set is shown null; a record without any is all nulls, not an error.
 *
 * Copying takes a record already read (master_load), so a reply that lists
 * sites reads each site's record once, for its name and its archive alike.
 */
#ifndef YIMA_ARCHIVE_H
#define YIMA_ARCHIVE_H

#include <stdbool.h>
#include <stdint.h>

#include "master.h"
#include "resp.h"

#define ARCHIVE_FIELDS 8	/* the most of either kind */
#define ARCHIVE_BYTES 512	/* room for every field at its longest */

struct archive {
	const struct master_kind *kind;	/* master_site or master_product; NULL: none */
	uint16_t off[ARCHIVE_FIELDS], len[ARCHIVE_FIELDS];
	bool set[ARCHIVE_FIELDS];
	uint32_t licence_until;		/* a site's, YYYYMMDD; 0 not set */
	char text[ARCHIVE_BYTES];
};

/* Copy the archive fields of rec (of kind k) into a. */
void archive_of(const struct master_kind *k, const struct master_rec *rec, struct archive *a);

/* Has a site's licence expired on `today` (YYYYMMDD, verdict_today): its
 * licence_valid_until is before it?  false without one. */
bool archive_licence_expired(const struct archive *a, uint32_t today);

/* The archive as a map: each field by its name, null when not set; a
 * site's with `licence_expired` (archive_licence_expired at today) after
 * its licence fields.  A NULL kind (no record) renders as null. */
void archive_reply(struct resp_out *o, const struct archive *a, uint32_t today);

#endif
