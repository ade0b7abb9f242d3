/*
 * master — master data: sites and products.
 *
 * Both are records of named text fields under an id; each also gets an
 * internal number (u32) when first stored, so that later indexes can refer
 * to a site or product in 4 bytes.  The field tables and the checks for
 * each field are in master.c.
 *
 * Record encoding (value in DB_SITES / DB_PRODUCTS):
 *   u8  format (1)
 *   u32 number, big endian
 *   then per field set: u8 field index, u16 length (BE), the bytes
 */
#ifndef YIMA_MASTER_H
#define YIMA_MASTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "resp.h"

struct store_txn;
struct master_kind;

extern const struct master_kind master_site;
extern const struct master_kind master_product;

#define MASTER_ID_MAX 64
#define MASTER_FIELDS_MAX 16

struct master_rec {
	uint32_t num;			/* 0: not stored yet */
	const char *val[MASTER_FIELDS_MAX];	/* NULL: field not set */
	size_t len[MASTER_FIELDS_MAX];
};

const char *master_what(const struct master_kind *k);	/* "site", "product" */
int master_nfields(const struct master_kind *k);
const char *master_field_name(const struct master_kind *k, int i);
/* Index of the named field, or -1. */
int master_field_index(const struct master_kind *k, const char *name);

/* Check an id and write its canonical form to out (NUL-terminated).
 * Returns 0, or -1 with a message in err. */
int master_normalize_id(const struct master_kind *k, const char *in, size_t n,
			char out[MASTER_ID_MAX + 1], char *err, size_t errlen);

/* Set fields from "field value ..." argument pairs (values point into
 * args).  Returns 0, or -1 with a message in err naming the field. */
int master_apply(const struct master_kind *k, struct master_rec *rec,
		 int nargs, const struct resp_arg *args, char *err, size_t errlen);

/* Read a record; its values point into the store (valid until the next
 * write or the end of the transaction).  0, STORE_NOTFOUND or an error. */
int master_load(struct store_txn *t, const struct master_kind *k, const char *id,
		struct master_rec *rec);

/* Read a record by its internal number; the id is copied to id_out.
 * 0, STORE_NOTFOUND, STORE_CORRUPT or an error. */
int master_load_num(struct store_txn *t, const struct master_kind *k, uint32_t num,
		    char id_out[MASTER_ID_MAX + 1], struct master_rec *rec);
/* Only the id of internal number `num` (DB_SITE_NUMS / DB_PRODUCT_NUMS),
 * into id_out, which is left alone on an error.  0, STORE_NOTFOUND,
 * STORE_CORRUPT or an error. */
int master_num_id(struct store_txn *t, const struct master_kind *k, uint32_t num,
		  char id_out[MASTER_ID_MAX + 1]);

/* A product's category (category.h; CAT_NONE when not set). */
int master_category(const struct master_rec *rec);
/* A site's licence_valid_until as YYYYMMDD (0 when not set). */
uint32_t master_licence_until(const struct master_rec *rec);
/* Degrees Celsius as text ("2", "-20", "2.5": at most one decimal) into
 * tenths.  0, or -1 when it is not such a number. */
int master_celsius_tenths(const char *v, size_t n, int32_t *out);
/* A product's storage range in tenths of a degree Celsius; false for a
 * bound not set. */
bool master_storage(const struct master_rec *rec, int32_t *min_dc, bool *has_min,
		    int32_t *max_dc, bool *has_max);

/* What no single field can say, checked on the merged record before it is
 * stored: licence_valid_from not after licence_valid_until, storage_min_c
 * not above storage_max_c.  0, or -1 with a message in err. */
int master_check_record(const struct master_kind *k, const struct master_rec *rec, char *err,
			size_t errlen);

/* A product's units per pack (1 when not set). */
uint32_t master_units_per_pack(const struct master_rec *rec);

/* Write a record, giving it a number if it has none.  0 or a store error. */
int master_store(struct store_txn *t, const struct master_kind *k, const char *id,
		 struct master_rec *rec);

/*
 * Sites by GLN (DB_SITE_GLNS: the 13 digits → site id), so that EPCIS
 * locations and parties name sites.  One GLN, one site: SITE SET keeps the
 * map as sites' gln fields change.
 */
#define MASTER_GLN_LEN 13

/* The id of the site whose GLN is gln (MASTER_GLN_LEN digits) into id.
 * 0, STORE_NOTFOUND, STORE_CORRUPT or an error. */
int master_site_by_gln(struct store_txn *t, const char *gln, char id[MASTER_ID_MAX + 1]);
/* Map gln to site id; forget gln (0 if it was not mapped). */
int master_gln_set(struct store_txn *t, const char *gln, const char *id);
int master_gln_del(struct store_txn *t, const char *gln);

#endif
