/*
 * test_master — daemon/master.c: site and product ids, field checks, the
 * record encoding through master_store/master_load, the ids of numbers and
 * the sites' GLN index.
 *
 * Ids and fields are tables of input → canonical form or error message.
 * Round trips run against a real store in a mkdtemp directory.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ftw.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "archive.h"
#include "category.h"
#include "log.h"
#include "master.h"
#include "store.h"
#include "xmem.h"

#define expect(cond, ...) do { if (!(cond)) fail_msg(__VA_ARGS__); } while (0)

/* ------------------------------------------------------------------- ids */

struct id_case {
	const struct master_kind *kind;
	const char *in;
	const char *out;	/* canonical form, or NULL: refused */
	const char *err;	/* substring of the message when refused */
};

#define SITE (&master_site)
#define PROD (&master_product)

static const struct id_case id_cases[] = {
	/* sites: letters, digits and . _ : - */
	{ SITE, "PH-0001", "PH-0001", NULL },
	{ SITE, "a.b_c:d-e", "a.b_c:d-e", NULL },
	{ SITE, "6901234567892", "6901234567892", NULL },
	{ SITE, "x", "x", NULL },
	{ SITE, "1234567890123456789012345678901234567890123456789012345678901234",
	  "1234567890123456789012345678901234567890123456789012345678901234", NULL },
	{ SITE, "12345678901234567890123456789012345678901234567890123456789012345", NULL,
	  "site id must be 1 to 64 characters" },
	{ SITE, "", NULL, "site id must be 1 to 64 characters" },
	{ SITE, "bad id", NULL, "site id 'bad id' has ' '; use letters, digits and . _ : -" },
	{ SITE, "a/b", NULL, "has '/'" },
	{ SITE, "caf\xc3\xa9", NULL, "has '?'" },
	/* controls are named, with their place, and not echoed (issue 16) */
	{ SITE, "PH\x1b" "1", NULL, "site id has a control character (U+001B) at character 3" },
	{ SITE, "PH1\xe2\x80\xae", NULL, "site id has a bidirectional control (U+202E) at "
	  "character 4" },

	/* products: CN 7-digit prefix, kept as is */
	{ PROD, "8690000", "8690000", NULL },
	{ PROD, "0000000", "0000000", NULL },
	/* GTIN-8/12/13/14 → GTIN-14, check digit verified */
	{ PROD, "96385074", "00000096385074", NULL },
	{ PROD, "036000291452", "00036000291452", NULL },
	{ PROD, "4006381333931", "04006381333931", NULL },
	{ PROD, "6901234567892", "06901234567892", NULL },
	{ PROD, "10012345678902", "10012345678902", NULL },
	{ PROD, "00012345600012", "00012345600012", NULL },
	{ PROD, "96385075", NULL, "GTIN 96385075 has a wrong check digit (expected 4)" },
	{ PROD, "036000291453", NULL, "GTIN 036000291453 has a wrong check digit (expected 2)" },
	{ PROD, "4006381333932", NULL, "GTIN 4006381333932 has a wrong check digit (expected 1)" },
	{ PROD, "10012345678903", NULL, "wrong check digit (expected 2)" },
	/* other digit counts */
	{ PROD, "123456", NULL, "is not a CN 7-digit product prefix, a GTIN" },
	{ PROD, "123456789", NULL, "is not a CN 7-digit product prefix" },
	{ PROD, "12345678901", NULL, "is not a CN 7-digit product prefix" },
	{ PROD, "123456789012345", NULL, "is not a CN 7-digit product prefix" },
	{ PROD, "", NULL, "product id '' is not" },
	/* HIBC: a primary as printed alone, with its check character */
	{ PROD, "+H123PROD0O", "+H123PROD0O", NULL },
	{ PROD, "+A999123457", "+A999123457", NULL },
	{ PROD, "+H12341Q", "+H12341Q", NULL },
	{ PROD, "+H123PROD0", NULL, "check character '0' is wrong" },	/* no check character */
	{ PROD, "+H123PROD0A", NULL, "check character 'A' is wrong" },
	{ PROD, "+H123", NULL, "UDI-DI (+HIBC or MA.)" },
	{ PROD, "+h123prod01", NULL, "is not a UDI-DI as scans carry it" },
	{ PROD, "+1234567", NULL, "is not a UDI-DI as scans carry it" },
	{ PROD, "+H12-345", NULL, "is not a UDI-DI as scans carry it" },
	{ PROD, "+H12345678901234567890123", NULL, "UDI-DI (+HIBC or MA.)" },
	/* MA: the DI alone (country, sector, company, product) */
	{ PROD, "MA.156.M0.100443.12345", "MA.156.M0.100443.12345", NULL },
	{ PROD, "MA.156.M0.100443.12345.S1", NULL,
	  "is the code of a unit (it carries a serial or lot); a product is named by its DI "
	  "alone: MA.156.M0.100443.12345" },
	{ PROD, "MA.156.M0.100443", NULL, "is not a UDI-DI as scans carry it" },
	{ PROD, "MA.x", NULL, "is not a UDI-DI as scans carry it" },
	{ PROD, "MA.", NULL, "UDI-DI (+HIBC or MA.)" },
	{ PROD, "ma.156.M0", NULL, "UDI-DI (+HIBC or MA.)" },
	{ PROD, "MA.156 M0", NULL, "is not a UDI-DI as scans carry it" },
	{ PROD, "MA.156-M0", NULL, "is not a UDI-DI as scans carry it" },
	/* anything else */
	{ PROD, "ABC1234", NULL, "product id 'ABC1234' is not a CN 7-digit product prefix, "
	  "a GTIN (8, 12, 13 or 14 digits) or a UDI-DI (+HIBC or MA.)" },
	{ PROD, "690123456789 2", NULL, "is not" },
	{ PROD, "MA.156.M0\x9b", NULL, "product id is not UTF-8 at byte 10 (0x9B)" },
	{ PROD, "+H123\r", NULL, "product id has a control character (U+000D) at character 6" },
};

static void test_normalize_ids(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof id_cases / sizeof id_cases[0]; i++) {
		const struct id_case *c = &id_cases[i];
		char out[MASTER_ID_MAX + 1], err[256] = "";
		memset(out, 0x55, sizeof out);
		/* Pass the id in an exact-size buffer: no reading past n. */
		size_t n = strlen(c->in);
		char *in = xmalloc(n ? n : 1);
		memcpy(in, c->in, n);
		int rc = master_normalize_id(c->kind, in, n, out, err, sizeof err);
		free(in);
		if (c->out) {
			expect(rc == 0, "%s id '%s' refused: %s", master_what(c->kind), c->in, err);
			expect(strcmp(out, c->out) == 0, "%s id '%s' became '%s', want '%s'",
			       master_what(c->kind), c->in, out, c->out);
		} else {
			expect(rc == -1, "%s id '%s' accepted as '%s'", master_what(c->kind),
			       c->in, out);
			expect(strstr(err, c->err) != NULL, "%s id '%s': error \"%s\", want \"%s\"",
			       master_what(c->kind), c->in, err, c->err);
		}
	}
}

/* A canonical id is a fixed point. */
static void test_normalize_idempotent(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof id_cases / sizeof id_cases[0]; i++) {
		const struct id_case *c = &id_cases[i];
		if (!c->out)
			continue;
		char out[MASTER_ID_MAX + 1], err[256] = "";
		assert_int_equal(master_normalize_id(c->kind, c->out, strlen(c->out), out, err,
						     sizeof err), 0);
		assert_string_equal(out, c->out);
	}
}

static void test_kind_tables(void **state)
{
	(void)state;
	assert_string_equal(master_what(SITE), "site");
	assert_string_equal(master_what(PROD), "product");
	/* Appended only: a field's index is what stored records carry. */
	static const char *const site_fields[] = { "name", "kind", "gln", "region", "licence",
						   "licence_valid_from", "licence_valid_until",
						   "address", "contact" };
	static const char *const prod_fields[] = { "name", "form", "strength", "units_per_pack",
						   "holder", "kind", "nhsa_code", "category",
						   "approval_number", "storage_min_c",
						   "storage_max_c" };
	assert_int_equal(master_nfields(SITE), 9);
	for (int i = 0; i < 9; i++)
		assert_string_equal(master_field_name(SITE, i), site_fields[i]);
	assert_int_equal(master_nfields(PROD), 11);
	for (int i = 0; i < 11; i++)
		assert_string_equal(master_field_name(PROD, i), prod_fields[i]);
	assert_true(master_nfields(PROD) <= MASTER_FIELDS_MAX);
}

/* Field `name` of rec (kind k) set to the text v. */
static void put_field(const struct master_kind *k, struct master_rec *rec, const char *name,
		      const char *v)
{
	int f = master_field_index(k, name);
	assert_true(f >= 0);
	rec->val[f] = v;
	rec->len[f] = strlen(v);
}

/* What only the whole record can say: the licence's dates in order, the
 * storage range not upside down. */
static void test_record_checks(void **state)
{
	(void)state;
	struct master_rec rec;
	char err[256];
	memset(&rec, 0, sizeof rec);
	put_field(SITE, &rec, "licence_valid_from", "2024-01-01");
	put_field(SITE, &rec, "licence_valid_until", "2029-01-01");
	assert_int_equal(master_check_record(SITE, &rec, err, sizeof err), 0);
	assert_int_equal(master_licence_until(&rec), 20290101);
	put_field(SITE, &rec, "licence_valid_until", "2023-12-31");
	assert_int_equal(master_check_record(SITE, &rec, err, sizeof err), -1);
	assert_string_equal(err, "licence_valid_from 2024-01-01 is after licence_valid_until "
			    "2023-12-31");

	memset(&rec, 0, sizeof rec);
	put_field(PROD, &rec, "storage_min_c", "8");
	put_field(PROD, &rec, "storage_max_c", "2");
	assert_int_equal(master_check_record(PROD, &rec, err, sizeof err), -1);
	assert_string_equal(err, "storage_min_c 8 is above storage_max_c 2");
	put_field(PROD, &rec, "storage_min_c", "-2.5");
	assert_int_equal(master_check_record(PROD, &rec, err, sizeof err), 0);
	int32_t lo, hi;
	bool has_lo, has_hi;
	assert_true(master_storage(&rec, &lo, &has_lo, &hi, &has_hi));
	assert_true(has_lo && has_hi);
	assert_int_equal(lo, -25);
	assert_int_equal(hi, 20);
	put_field(PROD, &rec, "category", "blood_product");
	assert_int_equal(master_category(&rec), CAT_BLOOD_PRODUCT);
}

/* ---------------------------------------------------------------- fields */

/* Arguments as the request parser leaves them: each its own NUL-terminated
 * copy, so a check reading past len would be caught by the sanitizers. */
struct args {
	int n;
	struct resp_arg a[16];
};

static void args_add(struct args *as, const char *p, size_t len)
{
	char *copy = xmalloc(len + 1);
	memcpy(copy, p, len);
	copy[len] = '\0';
	as->a[as->n].ptr = copy;
	as->a[as->n].len = len;
	as->n++;
}

static void args_free(struct args *as)
{
	for (int i = 0; i < as->n; i++)
		free(as->a[i].ptr);
	as->n = 0;
}

struct field_case {
	const struct master_kind *kind;
	const char *name;
	const char *value;
	size_t vlen;		/* 0: strlen(value) */
	const char *err;	/* NULL: accepted */
};

static const struct field_case field_cases[] = {
	/* site kind */
	{ SITE, "kind", "manufacturer", 0, NULL },
	{ SITE, "kind", "distributor", 0, NULL },
	{ SITE, "kind", "pharmacy", 0, NULL },
	{ SITE, "kind", "hospital", 0, NULL },
	{ SITE, "kind", "regulator", 0, NULL },
	{ SITE, "kind", "shop", 0,
	  "kind 'shop' is not one of manufacturer, distributor, pharmacy, hospital, regulator" },
	{ SITE, "kind", "Pharmacy", 0, "kind 'Pharmacy' is not one of" },
	{ SITE, "kind", "pharmacy ", 0, "is not one of" },
	{ SITE, "kind", "", 0, "kind '' is not one of" },
	{ SITE, "kind", "drug", 0, "is not one of" },
	/* GLN: 13 digits with a GS1 check digit */
	/* site region: a GB/T 2260 code under a province-level division */
	{ SITE, "region", "110105", 0, NULL },
	{ SITE, "region", "820000", 0, NULL },
	{ SITE, "region", "11010", 0, "is not a region code" },
	{ SITE, "region", "11010X", 0, "is not a region code" },
	{ SITE, "region", "990101", 0, "99 is no province-level division" },
	{ SITE, "region", "160101", 0, "16 is no province-level division" },
	{ SITE, "gln", "4012345000009", 0, NULL },
	{ SITE, "gln", "0614141000012", 0, NULL },
	{ SITE, "gln", "4012345000008", 0,
	  "gln 4012345000008 has a wrong check digit (expected 9)" },
	{ SITE, "gln", "401234500000", 0, "gln '401234500000' is not a GLN (13 digits)" },
	{ SITE, "gln", "40123450000090", 0, "is not a GLN (13 digits)" },
	{ SITE, "gln", "401234500000X", 0, "is not a GLN (13 digits)" },
	{ SITE, "gln", "", 0, "is not a GLN" },
	/* product kind */
	{ PROD, "kind", "drug", 0, NULL },
	{ PROD, "kind", "device", 0, NULL },
	{ PROD, "kind", "food", 0, "kind 'food' is not one of drug, device" },
	{ PROD, "kind", "pharmacy", 0, "is not one of drug, device" },
	/* units per pack: 1 .. 1000000 */
	{ PROD, "units_per_pack", "1", 0, NULL },
	{ PROD, "units_per_pack", "24", 0, NULL },
	{ PROD, "units_per_pack", "1000000", 0, NULL },
	{ PROD, "units_per_pack", "0000010", 0, NULL },
	{ PROD, "units_per_pack", "0", 0,
	  "units_per_pack '0' is not a whole number from 1 to 1000000" },
	{ PROD, "units_per_pack", "1000001", 0, "is not a whole number from 1 to 1000000" },
	{ PROD, "units_per_pack", "10000000", 0, "is not a whole number from 1 to 1000000" },
	{ PROD, "units_per_pack", "99999999999999999999", 0, "is not a whole number" },
	{ PROD, "units_per_pack", "-1", 0, "is not a whole number" },
	{ PROD, "units_per_pack", "12a", 0, "is not a whole number" },
	{ PROD, "units_per_pack", " 12", 0, "is not a whole number" },
	{ PROD, "units_per_pack", "", 0, "is not a whole number" },
	/* NHSA codes: 1 to 32 letters and digits */
	{ PROD, "nhsa_code", "XA01AAA0001", 0, NULL },
	{ PROD, "nhsa_code", "12345678901234567890123456789012", 0, NULL },
	{ PROD, "nhsa_code", "123456789012345678901234567890123", 0,
	  "nhsa_code must be 1 to 32 letters and digits" },
	{ PROD, "nhsa_code", "", 0, "nhsa_code must be 1 to 32 letters and digits" },
	{ PROD, "nhsa_code", "XA-01", 0, "nhsa_code 'XA-01' is not an NHSA code" },
	/* text: non-empty UTF-8 without control characters, bounded */
	{ PROD, "name", "Amoxicillin Capsules", 0, NULL },
	{ PROD, "name", "\xe9\x98\xbf\xe8\x8e\xab\xe8\xa5\xbf\xe6\x9e\x97\xe8\x83\xb6\xe5\x9b\x8a",
	  0, NULL },
	{ PROD, "name", "emoji \xf0\x9f\x92\x8a ok", 0, NULL },
	{ PROD, "holder", "Caf\xc3\xa9 Pharma", 0, NULL },
	{ PROD, "name", "", 0, "name is empty" },
	/* what text.h refuses, named with its position (issue 16) */
	{ PROD, "name", "tab\there", 0, "name has a control character (U+0009) at character 4" },
	{ PROD, "name", "line\nbreak", 0, "name has a control character (U+000A) at character 5" },
	{ PROD, "name", "del\x7f", 0, "name has a control character (U+007F) at character 4" },
	{ PROD, "name", "nul\0inside", 10, "has a control character (U+0000) at character 4" },
	{ PROD, "name", "esc\x1b]0;pwned\x07", 0, "(U+001B) at character 4" },
	{ SITE, "name", "Renmin\xc2\x85Pharmacy", 0,
	  "name has a C1 control character (U+0085) at character 7" },
	{ SITE, "name", "\xe2\x80\xaeycamrahP", 0,
	  "name has a bidirectional control (U+202E) at character 1" },
	{ SITE, "name", "\xe4\xbb\x81\xe6\xb0\x91\xe2\x81\xa6x", 0,	/* after 2 CJK */
	  "name has a bidirectional control (U+2066) at character 3" },
	{ SITE, "name", "a\xe2\x80\x8f", 0, "(U+200F) at character 2" },
	{ SITE, "name", "a\xd8\x9c", 0, "bidirectional control (U+061C)" },
	{ SITE, "name", "a\xe2\x80\xa8" "b", 0, "name has a line separator (U+2028)" },
	{ SITE, "name", "a\xe2\x80\xa9" "b", 0, "name has a paragraph separator (U+2029)" },
	{ PROD, "holder", "Maker\xc2\x9b" "31m", 0,
	  "holder has a C1 control character (U+009B) at character 6" },
	{ PROD, "kind", "drug\x1b", 0, "kind has a control character (U+001B) at character 5" },
	{ SITE, "gln", "\xe2\x80\xae" "6901234567892", 0, "gln has a bidirectional control" },
	/* neighbours of those that are text */
	{ SITE, "name", "a\xe2\x80\x8d" "b", 0, NULL },		/* U+200D ZERO WIDTH JOINER */
	{ SITE, "name", "a\xc2\xa0" "b", 0, NULL },		/* U+00A0 NO-BREAK SPACE */
	{ SITE, "name", "a\xe2\x80\xaf" "b", 0, NULL },		/* U+202F NARROW NO-BREAK SPACE */
	{ SITE, "name", "a\xe2\x81\xaa" "b", 0, NULL },		/* U+206A, past the isolates */
	{ PROD, "form", "\xff", 0, "form is not UTF-8 at byte 1 (0xFF)" },
	{ PROD, "form", "\xc3", 0, "is not UTF-8 at byte 1 (0xC3)" },		/* truncated */
	{ PROD, "form", "\xe9\x98", 0, "is not UTF-8 at byte 1 (0xE9)" },	/* truncated */
	{ PROD, "form", "\xc0\xaf", 0, "is not UTF-8 at byte 1 (0xC0)" },	/* overlong '/' */
	{ PROD, "form", "\xc3\x28", 0, "is not UTF-8 at byte 1" },		/* bad continuation */
	{ PROD, "form", "ab\x80", 0, "is not UTF-8 at byte 3 (0x80)" },	/* lone continuation */
	{ PROD, "strength", "\xf5\x80\x80\x80", 0, "strength is not UTF-8 at byte 1 (0xF5)" },
	/* archives (一企一档、一品一档), categories, storage (issue 21) */
	{ PROD, "category", "vaccine", 0, NULL },
	{ PROD, "category", "psychotropic_2", 0, NULL },
	{ PROD, "category", "botulinum", 0, NULL },
	{ PROD, "category", "Vaccine", 0, "'Vaccine' is not one of ordinary, vaccine, "
	  "blood_product, narcotic" },
	{ PROD, "category", "", 0, "is not one of" },
	{ PROD, "approval_number", "国药准字H20203456", 0, NULL },
	{ PROD, "approval_number", "国药准字S10980001", 0, NULL },
	{ PROD, "approval_number", "国药准字HJ20170001", 0, NULL },
	{ PROD, "approval_number", "国药准字ZC20200012", 0, NULL },
	{ PROD, "approval_number", "国药准字H2020345", 0, "国药准字 takes a letter" },
	{ PROD, "approval_number", "国药准字X20203456", 0, "国药准字 takes a letter" },
	{ PROD, "approval_number", "国药准字H202034567", 0, "and 8 digits" },
	{ PROD, "approval_number", "国药准字h20203456", 0, "国药准字 takes a letter" },
	{ PROD, "approval_number", "国械注准20153460001", 0, NULL },
	{ PROD, "approval_number", "国械注进20172060123", 0, NULL },
	{ PROD, "approval_number", "国械注许20163210002", 0, NULL },
	{ PROD, "approval_number", "国械注准20154460001", 0, "class 1-3" },
	{ PROD, "approval_number", "国械注准2015346000", 0, "takes 11 digits" },
	{ PROD, "approval_number", "京械注准20152010001", 0, NULL },
	{ PROD, "approval_number", "粤械注准2015201000", 0, "provincial device registration" },
	{ PROD, "approval_number", "京械备20150001", 0, NULL },
	{ PROD, "approval_number", "京械备2015001", 0, "class I device filing takes 8 digits" },
	{ PROD, "approval_number", "美械注准20152010001", 0, "is not an approval number" },
	{ PROD, "approval_number", "H20203456", 0, "is not an approval number" },
	{ PROD, "storage_min_c", "2", 0, NULL },
	{ PROD, "storage_max_c", "8", 0, NULL },
	{ PROD, "storage_min_c", "-20", 0, NULL },
	{ PROD, "storage_max_c", "2.5", 0, NULL },
	{ PROD, "storage_max_c", "2.55", 0, "is not a temperature in °C" },
	{ PROD, "storage_max_c", "8C", 0, "is not a temperature in °C" },
	{ PROD, "storage_min_c", "-300", 0, "from -200 to 100" },
	{ PROD, "storage_min_c", "-", 0, "is not a temperature" },
	{ SITE, "licence", "粤AA0200001", 0, NULL },
	{ SITE, "licence", "京20160001", 0, NULL },
	{ SITE, "licence", "AA0200001", 0, "does not open with a province abbreviation" },
	{ SITE, "licence", "粤", 0, "has no number after the province" },
	{ SITE, "licence", "粤AA-02", 0, "letters and digits only" },
	{ SITE, "licence_valid_from", "2024-01-01", 0, NULL },
	{ SITE, "licence_valid_until", "2029-02-30", 0, "is not a date (YYYY-MM-DD)" },
	{ SITE, "licence_valid_until", "20290101", 0, "is not a date (YYYY-MM-DD)" },
	{ SITE, "address", "北京市朝阳区建国路1号", 0, NULL },
	{ SITE, "contact", "张三 010-12345678", 0, NULL },
	{ SITE, "contact", "", 0, "contact is empty" },
	/* unknown fields and name matching */
	{ SITE, "color", "red", 0,
	  "unknown site field 'color'; fields are name, kind, gln" },
	{ SITE, "licence_until", "2029-01-01", 0, "fields are name, kind, gln, region, licence, "
	  "licence_valid_from, licence_valid_until, address, contact" },
	{ PROD, "colour", "red", 0, "unknown product field 'colour'; fields are name, form, "
	  "strength, units_per_pack, holder, kind, nhsa_code" },
	{ SITE, "NAME", "Upper case field names match", 0, NULL },
	{ SITE, "nam", "prefix of a field name", 0, "unknown site field 'nam'" },
	{ SITE, "names", "longer than a field name", 0, "unknown site field 'names'" },
	{ SITE, "nhsa_code", "X1", 0, "unknown site field 'nhsa_code'" },
};

static void test_field_checks(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof field_cases / sizeof field_cases[0]; i++) {
		const struct field_case *c = &field_cases[i];
		size_t vlen = c->vlen ? c->vlen : strlen(c->value);
		struct args as = { 0 };
		args_add(&as, c->name, strlen(c->name));
		args_add(&as, c->value, vlen);
		struct master_rec rec;
		memset(&rec, 0, sizeof rec);
		char err[512] = "";
		int rc = master_apply(c->kind, &rec, as.n, as.a, err, sizeof err);
		if (c->err == NULL) {
			expect(rc == 0, "%s %s '%s' refused: %s", master_what(c->kind), c->name,
			       c->value, err);
			int f;
			for (f = 0; f < master_nfields(c->kind); f++)
				if (rec.val[f])
					break;
			expect(f < master_nfields(c->kind), "%s: no field set", c->name);
			assert_int_equal(rec.len[f], vlen);
			assert_memory_equal(rec.val[f], c->value, vlen);
		} else {
			expect(rc == -1, "%s %s '%s' accepted", master_what(c->kind), c->name,
			       c->value);
			expect(strstr(err, c->err) != NULL, "%s %s: error \"%s\", want \"%s\"",
			       master_what(c->kind), c->name, err, c->err);
		}
		args_free(&as);
	}
}

/* RFC 3629 UTF-8: no overlong forms of any length, no surrogates, nothing
 * above U+10FFFF.  (The 2-byte overlong form is refused above.) */
static void test_field_text_strict_utf8(void **state)
{
	(void)state;
	static const struct {
		const char *bytes;
		const char *what;
	} bad[] = {
		{ "\xe0\x80\xaf", "3-byte overlong '/'" },
		{ "\xe0\x9f\xbf", "3-byte overlong U+07FF" },
		{ "\xf0\x80\x80\xaf", "4-byte overlong '/'" },
		{ "\xf0\x8f\xbf\xbf", "4-byte overlong U+FFFF" },
		{ "\xed\xa0\x80", "surrogate U+D800" },
		{ "\xed\xbf\xbf", "surrogate U+DFFF" },
		{ "\xf4\x90\x80\x80", "U+110000" },
	};
	char failures[1024] = "";
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct args as = { 0 };
		args_add(&as, "name", 4);
		args_add(&as, bad[i].bytes, strlen(bad[i].bytes));
		struct master_rec rec;
		memset(&rec, 0, sizeof rec);
		char err[256] = "";
		if (master_apply(PROD, &rec, as.n, as.a, err, sizeof err) == 0) {
			size_t m = strlen(failures);
			snprintf(failures + m, sizeof failures - m, " [%s]", bad[i].what);
		}
		args_free(&as);
	}
	expect(failures[0] == '\0', "invalid UTF-8 accepted as a product name:%s", failures);
	/* The edges that are valid stay valid. */
	static const char *const good[] = { "\xe0\xa0\x80", "\xed\x9f\xbf", "\xee\x80\x80",
					    "\xf0\x90\x80\x80", "\xf4\x8f\xbf\xbf" };
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		struct args as = { 0 };
		args_add(&as, "name", 4);
		args_add(&as, good[i], strlen(good[i]));
		struct master_rec rec;
		memset(&rec, 0, sizeof rec);
		char err[256] = "";
		expect(master_apply(PROD, &rec, as.n, as.a, err, sizeof err) == 0,
		       "valid UTF-8 #%zu refused: %s", i, err);
		args_free(&as);
	}
}

static void test_field_lengths(void **state)
{
	(void)state;
	static const struct {
		const char *field;
		size_t max;
	} limits[] = { { "name", 200 }, { "form", 64 }, { "strength", 64 }, { "holder", 200 } };
	for (size_t i = 0; i < sizeof limits / sizeof limits[0]; i++) {
		for (size_t len = limits[i].max; len <= limits[i].max + 1; len++) {
			char *v = xmalloc(len);
			memset(v, 'x', len);
			struct args as = { 0 };
			args_add(&as, limits[i].field, strlen(limits[i].field));
			args_add(&as, v, len);
			free(v);
			struct master_rec rec;
			memset(&rec, 0, sizeof rec);
			char err[256] = "", want[128];
			int rc = master_apply(PROD, &rec, as.n, as.a, err, sizeof err);
			if (len == limits[i].max) {
				expect(rc == 0, "%s of %zu bytes refused: %s", limits[i].field, len, err);
			} else {
				snprintf(want, sizeof want, "%s is %zu bytes; at most %zu",
					 limits[i].field, len, limits[i].max);
				expect(rc == -1 && strcmp(err, want) == 0,
				       "%s of %zu bytes: rc %d error \"%s\", want \"%s\"",
				       limits[i].field, len, rc, err, want);
			}
			args_free(&as);
		}
	}
	/* The site name has the same bound. */
	char v[202];
	memset(v, 'y', sizeof v);
	struct args as = { 0 };
	args_add(&as, "name", 4);
	args_add(&as, v, 201);
	struct master_rec rec;
	memset(&rec, 0, sizeof rec);
	char err[256];
	assert_int_equal(master_apply(SITE, &rec, as.n, as.a, err, sizeof err), -1);
	assert_string_equal(err, "name is 201 bytes; at most 200");
	args_free(&as);
}

static void test_apply_pairs(void **state)
{
	(void)state;
	struct args as = { 0 };
	struct master_rec rec;
	char err[512];

	/* Several fields at once; each lands in its slot. */
	args_add(&as, "name", 4);
	args_add(&as, "Central Pharmacy", 16);
	args_add(&as, "kind", 4);
	args_add(&as, "pharmacy", 8);
	args_add(&as, "gln", 3);
	args_add(&as, "4012345000009", 13);
	memset(&rec, 0, sizeof rec);
	assert_int_equal(master_apply(SITE, &rec, as.n, as.a, err, sizeof err), 0);
	assert_int_equal(rec.len[0], 16);
	assert_memory_equal(rec.val[0], "Central Pharmacy", 16);
	assert_memory_equal(rec.val[1], "pharmacy", 8);
	assert_memory_equal(rec.val[2], "4012345000009", 13);
	assert_int_equal(rec.num, 0);

	/* No pairs: nothing changes. */
	struct master_rec before = rec;
	assert_int_equal(master_apply(SITE, &rec, 0, as.a, err, sizeof err), 0);
	assert_memory_equal(&before, &rec, sizeof rec);

	/* An odd count: the last field has no value. */
	assert_int_equal(master_apply(SITE, &rec, 3, as.a, err, sizeof err), -1);
	assert_string_equal(err, "field 'kind' has no value");
	assert_int_equal(master_apply(SITE, &rec, 1, as.a, err, sizeof err), -1);
	assert_string_equal(err, "field 'name' has no value");
	args_free(&as);

	/* The error names the failing field even after good ones. */
	args_add(&as, "name", 4);
	args_add(&as, "ok", 2);
	args_add(&as, "gln", 3);
	args_add(&as, "1234", 4);
	memset(&rec, 0, sizeof rec);
	assert_int_equal(master_apply(SITE, &rec, as.n, as.a, err, sizeof err), -1);
	assert_string_equal(err, "gln '1234' is not a GLN (13 digits)");
	args_free(&as);

	/* A field given twice: the last value wins. */
	args_add(&as, "kind", 4);
	args_add(&as, "drug", 4);
	args_add(&as, "KIND", 4);
	args_add(&as, "device", 6);
	memset(&rec, 0, sizeof rec);
	assert_int_equal(master_apply(PROD, &rec, as.n, as.a, err, sizeof err), 0);
	assert_int_equal(rec.len[5], 6);
	assert_memory_equal(rec.val[5], "device", 6);
	args_free(&as);
}

/* ------------------------------------------------------- load and store */

struct fix {
	char base[64];
	char dir[96];
	struct store *s;
};

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void open_store(struct fix *f)
{
	struct store_options o = { .dir = f->dir, .map_size = (uint64_t)8 << 20, .max_readers = 4 };
	char err[512] = "";
	expect(store_open(&f->s, &o, err, sizeof err) == 0, "store_open: %s", err);
}

static int setup(void **state)
{
	struct fix *f = calloc(1, sizeof *f);
	if (f == NULL)
		return -1;
	snprintf(f->base, sizeof f->base, "/tmp/yima-test-master-XXXXXX");
	if (mkdtemp(f->base) == NULL) {
		free(f);
		return -1;
	}
	snprintf(f->dir, sizeof f->dir, "%s/data", f->base);
	log_set_level(LOG_WARN);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fix *f = *state;
	store_close(f->s);
	int rc = nftw(f->base, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(f);
	return rc;
}

static void set_field(const struct master_kind *k, struct master_rec *rec, const char *name,
		      const char *value)
{
	for (int f = 0; f < master_nfields(k); f++)
		if (strcmp(master_field_name(k, f), name) == 0) {
			rec->val[f] = value;
			rec->len[f] = strlen(value);
			return;
		}
	fail_msg("no field %s", name);
}

static void check_field(const struct master_kind *k, const struct master_rec *rec,
			const char *name, const char *want)
{
	for (int f = 0; f < master_nfields(k); f++)
		if (strcmp(master_field_name(k, f), name) == 0) {
			if (want == NULL) {
				expect(rec->val[f] == NULL, "%s is set", name);
			} else {
				expect(rec->val[f] != NULL, "%s is not set", name);
				expect(rec->len[f] == strlen(want) &&
				       memcmp(rec->val[f], want, rec->len[f]) == 0,
				       "%s is '%.*s', want '%s'", name, (int)rec->len[f],
				       rec->val[f], want);
			}
			return;
		}
	fail_msg("no field %s", name);
}

/* Which id has internal number `num` (DB_*_NUMS, key u32 big endian)? */
static void check_num(struct store_txn *t, enum store_db db, uint32_t num, const char *id)
{
	unsigned char key[4] = { (unsigned char)(num >> 24), (unsigned char)(num >> 16),
				 (unsigned char)(num >> 8), (unsigned char)num };
	const void *v;
	size_t vlen;
	int rc = store_get(t, db, key, 4, &v, &vlen);
	expect(rc == 0, "number %u: %s", num, store_strerror(rc));
	expect(vlen == strlen(id) && memcmp(v, id, vlen) == 0, "number %u is '%.*s', want '%s'",
	       num, (int)vlen, (const char *)v, id);
}

static void test_store_load_roundtrip(void **state)
{
	struct fix *f = *state;
	open_store(f);
	struct store_txn *t;
	struct master_rec rec, got;

	assert_int_equal(store_write_begin(f->s, &t), 0);
	assert_int_equal(master_load(t, SITE, "PH-1", &got), STORE_NOTFOUND);

	memset(&rec, 0, sizeof rec);
	set_field(SITE, &rec, "name", "Central \xe8\x8d\xaf\xe6\x88\xbf");
	set_field(SITE, &rec, "kind", "pharmacy");
	assert_int_equal(master_store(t, SITE, "PH-1", &rec), 0);
	assert_int_equal(rec.num, 1);

	memset(&rec, 0, sizeof rec);
	set_field(SITE, &rec, "name", "Second");
	assert_int_equal(master_store(t, SITE, "PH-2", &rec), 0);
	assert_int_equal(rec.num, 2);

	/* Products count separately. */
	memset(&rec, 0, sizeof rec);
	set_field(PROD, &rec, "name", "Amoxicillin");
	set_field(PROD, &rec, "units_per_pack", "24");
	set_field(PROD, &rec, "nhsa_code", "XJ01CAA040A001010101445");
	assert_int_equal(master_store(t, PROD, "06901234567892", &rec), 0);
	assert_int_equal(rec.num, 1);

	/* Read back inside the same transaction. */
	assert_int_equal(master_load(t, SITE, "PH-1", &got), 0);
	assert_int_equal(got.num, 1);
	check_field(SITE, &got, "name", "Central \xe8\x8d\xaf\xe6\x88\xbf");
	check_field(SITE, &got, "kind", "pharmacy");
	check_field(SITE, &got, "gln", NULL);
	check_num(t, DB_SITE_NUMS, 1, "PH-1");
	check_num(t, DB_SITE_NUMS, 2, "PH-2");
	check_num(t, DB_PRODUCT_NUMS, 1, "06901234567892");
	assert_int_equal(store_write_commit(t), 0);

	/* Update through load → change → store: the number stays; fields not
	 * changed stay, even though they pointed into the store. */
	assert_int_equal(store_write_begin(f->s, &t), 0);
	assert_int_equal(master_load(t, SITE, "PH-1", &got), 0);
	set_field(SITE, &got, "gln", "4012345000009");
	set_field(SITE, &got, "name", "Central Pharmacy (renamed)");
	assert_int_equal(master_store(t, SITE, "PH-1", &got), 0);
	assert_int_equal(got.num, 1);
	assert_int_equal(store_write_commit(t), 0);

	/* After a reopen: everything as stored, and new numbers continue. */
	store_close(f->s);
	f->s = NULL;
	open_store(f);
	assert_int_equal(store_write_begin(f->s, &t), 0);
	assert_int_equal(master_load(t, SITE, "PH-1", &got), 0);
	assert_int_equal(got.num, 1);
	check_field(SITE, &got, "name", "Central Pharmacy (renamed)");
	check_field(SITE, &got, "kind", "pharmacy");
	check_field(SITE, &got, "gln", "4012345000009");
	assert_int_equal(master_load(t, PROD, "06901234567892", &got), 0);
	assert_int_equal(got.num, 1);
	check_field(PROD, &got, "name", "Amoxicillin");
	check_field(PROD, &got, "units_per_pack", "24");
	check_field(PROD, &got, "nhsa_code", "XJ01CAA040A001010101445");
	check_field(PROD, &got, "kind", NULL);
	/* A site id is not a product id. */
	assert_int_equal(master_load(t, PROD, "PH-1", &got), STORE_NOTFOUND);

	memset(&rec, 0, sizeof rec);
	set_field(SITE, &rec, "name", "Third");
	assert_int_equal(master_store(t, SITE, "PH-3", &rec), 0);
	assert_int_equal(rec.num, 3);
	check_num(t, DB_SITE_NUMS, 3, "PH-3");

	struct store_stats st;
	assert_int_equal(store_stat(t, &st), 0);
	assert_int_equal(st.entries[DB_SITES], 3);
	assert_int_equal(st.entries[DB_SITE_NUMS], 3);
	assert_int_equal(st.entries[DB_PRODUCTS], 1);
	assert_int_equal(st.entries[DB_PRODUCT_NUMS], 1);
	store_write_abort(t);
}

/* Storing a record many times assigns its number once. */
static void test_number_assigned_once(void **state)
{
	struct fix *f = *state;
	open_store(f);
	struct store_txn *t;
	struct master_rec rec;
	for (int round = 0; round < 5; round++) {
		assert_int_equal(store_write_begin(f->s, &t), 0);
		int rc = master_load(t, PROD, "8690000", &rec);
		assert_true(rc == 0 || (round == 0 && rc == STORE_NOTFOUND));
		char name[32];
		snprintf(name, sizeof name, "version %d", round);
		set_field(PROD, &rec, "name", name);
		assert_int_equal(master_store(t, PROD, "8690000", &rec), 0);
		assert_int_equal(rec.num, 1);
		assert_int_equal(store_write_commit(t), 0);
	}
	assert_int_equal(store_write_begin(f->s, &t), 0);
	struct store_stats st;
	assert_int_equal(store_stat(t, &st), 0);
	assert_int_equal(st.entries[DB_PRODUCTS], 1);
	assert_int_equal(st.entries[DB_PRODUCT_NUMS], 1);
	assert_int_equal(master_load(t, PROD, "8690000", &rec), 0);
	check_field(PROD, &rec, "name", "version 4");
	store_write_abort(t);
}

/* Records the decoder cannot fully read: a wrong format byte reads as not
 * found; unknown field indexes are skipped; a field running past the end
 * stops decoding without reading beyond the value. */
static void test_load_odd_records(void **state)
{
	struct fix *f = *state;
	open_store(f);
	struct store_txn *t;
	struct master_rec rec;
	assert_int_equal(store_write_begin(f->s, &t), 0);

	static const unsigned char other_format[] = { 2, 0, 0, 0, 1, 0, 0, 1, 'x' };
	assert_int_equal(store_put(t, DB_SITES, "F2", 2, other_format, sizeof other_format), 0);
	assert_int_equal(master_load(t, SITE, "F2", &rec), STORE_NOTFOUND);

	static const unsigned char too_short[] = { 1, 0, 0 };
	assert_int_equal(store_put(t, DB_SITES, "SH", 2, too_short, sizeof too_short), 0);
	assert_int_equal(master_load(t, SITE, "SH", &rec), STORE_NOTFOUND);

	static const unsigned char unknown_field[] = {
		1, 0, 0, 0, 9,
		7, 0, 3, 'z', 'z', 'z',		/* field 7: not a site field */
		1, 0, 8, 'h', 'o', 's', 'p', 'i', 't', 'a', 'l',
	};
	assert_int_equal(store_put(t, DB_SITES, "UF", 2, unknown_field, sizeof unknown_field), 0);
	assert_int_equal(master_load(t, SITE, "UF", &rec), 0);
	assert_int_equal(rec.num, 9);
	check_field(SITE, &rec, "kind", "hospital");
	check_field(SITE, &rec, "name", NULL);

	static const unsigned char truncated[] = {
		1, 0, 0, 1, 0,
		0, 0, 2, 'o', 'k',
		2, 0, 13, '4', '0', '1',	/* claims 13 bytes, has 3 */
	};
	assert_int_equal(store_put(t, DB_SITES, "TR", 2, truncated, sizeof truncated), 0);
	assert_int_equal(master_load(t, SITE, "TR", &rec), 0);
	assert_int_equal(rec.num, 256);
	check_field(SITE, &rec, "name", "ok");
	check_field(SITE, &rec, "gln", NULL);

	static const unsigned char header_only[] = { 1, 0, 0, 0, 5 };
	assert_int_equal(store_put(t, DB_SITES, "HO", 2, header_only, sizeof header_only), 0);
	assert_int_equal(master_load(t, SITE, "HO", &rec), 0);
	assert_int_equal(rec.num, 5);
	for (int i = 0; i < master_nfields(SITE); i++)
		assert_null(rec.val[i]);
	store_write_abort(t);
}

/* Sites by GLN: set, found, moved, forgotten. */
static void test_site_gln_index(void **state)
{
	struct fix *f = *state;
	open_store(f);
	struct store_txn *t;
	char id[MASTER_ID_MAX + 1];
	assert_int_equal(store_write_begin(f->s, &t), 0);
	assert_int_equal(master_site_by_gln(t, "4012345000009", id), STORE_NOTFOUND);
	assert_int_equal(master_gln_set(t, "4012345000009", "PH-1"), 0);
	assert_int_equal(master_gln_set(t, "0614141000012", "DIST.north"), 0);
	assert_int_equal(store_write_commit(t), 0);

	assert_int_equal(store_write_begin(f->s, &t), 0);
	assert_int_equal(master_site_by_gln(t, "4012345000009", id), 0);
	assert_string_equal(id, "PH-1");
	assert_int_equal(master_site_by_gln(t, "0614141000012", id), 0);
	assert_string_equal(id, "DIST.north");
	/* The key is the GLN's 13 digits, the value the site id as it is. */
	const void *v;
	size_t n;
	assert_int_equal(store_get(t, DB_SITE_GLNS, "4012345000009", 13, &v, &n), 0);
	assert_int_equal(n, 4);
	assert_memory_equal(v, "PH-1", 4);
	/* A GLN given to another site. */
	assert_int_equal(master_gln_del(t, "4012345000009"), 0);
	assert_int_equal(master_gln_set(t, "4012345000009", "PH-2"), 0);
	assert_int_equal(master_site_by_gln(t, "4012345000009", id), 0);
	assert_string_equal(id, "PH-2");
	assert_int_equal(master_gln_del(t, "4012345000009"), 0);
	assert_int_equal(master_site_by_gln(t, "4012345000009", id), STORE_NOTFOUND);
	/* Forgetting what is not there is no error. */
	assert_int_equal(master_gln_del(t, "4012345000009"), 0);
	assert_int_equal(master_site_by_gln(t, "0614141000012", id), 0);
	store_write_abort(t);
}

/* What no site id can be, under a GLN or a number, is reported as a
 * corrupt record (it used to read as no site, or as a site cut short). */
static void test_ids_not_ids_are_corrupt(void **state)
{
	struct fix *f = *state;
	open_store(f);
	struct store_txn *t;
	char id[MASTER_ID_MAX + 1], long_id[MASTER_ID_MAX + 1];
	struct master_rec rec;
	memset(long_id, 'x', sizeof long_id);
	static const unsigned char num7[4] = { 0, 0, 0, 7 };
	static const struct {
		const char *what;
		const char *v;
		size_t n;
	} bad[] = {
		{ "empty", "", 0 },
		{ "too long", NULL, MASTER_ID_MAX + 1 },
		{ "with a NUL", "PH\0-1", 5 },
	};
	assert_int_equal(store_write_begin(f->s, &t), 0);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		const char *v = bad[i].v ? bad[i].v : long_id;
		assert_int_equal(store_put(t, DB_SITE_GLNS, "4012345000009", 13, v, bad[i].n), 0);
		memset(id, '?', sizeof id);
		int rc = master_site_by_gln(t, "4012345000009", id);
		expect(rc == STORE_CORRUPT, "GLN → %s id: %d", bad[i].what, rc);
		expect(strstr(store_strerror(rc), "corrupt record in site_glns at key "
				  "34303132333435303030303039") != NULL, "%s", store_strerror(rc));
		expect(id[0] == '?', "GLN → %s id: id written on an error", bad[i].what);

		assert_int_equal(store_put(t, DB_SITE_NUMS, num7, 4, v, bad[i].n), 0);
		rc = master_num_id(t, SITE, 7, id);
		expect(rc == STORE_CORRUPT, "site number → %s id: %d", bad[i].what, rc);
		expect(strstr(store_strerror(rc), "corrupt record in site_nums") != NULL, "%s",
		       store_strerror(rc));
		rc = master_load_num(t, SITE, 7, id, &rec);
		expect(rc == STORE_CORRUPT, "load site number → %s id: %d", bad[i].what, rc);
	}
	/* The longest id there can be is one. */
	assert_int_equal(store_put(t, DB_SITE_GLNS, "4012345000009", 13, long_id, MASTER_ID_MAX), 0);
	assert_int_equal(master_site_by_gln(t, "4012345000009", id), 0);
	assert_int_equal(strlen(id), MASTER_ID_MAX);
	store_write_abort(t);
}

/* master_num_id: the id of a number, without its record. */
static void test_num_id(void **state)
{
	struct fix *f = *state;
	open_store(f);
	struct store_txn *t;
	struct master_rec rec;
	char id[MASTER_ID_MAX + 1];
	assert_int_equal(store_write_begin(f->s, &t), 0);
	memset(&rec, 0, sizeof rec);
	set_field(SITE, &rec, "name", "One");
	assert_int_equal(master_store(t, SITE, "PH-1", &rec), 0);
	memset(&rec, 0, sizeof rec);
	set_field(PROD, &rec, "name", "Amoxicillin");
	assert_int_equal(master_store(t, PROD, "8690000", &rec), 0);
	assert_int_equal(master_num_id(t, SITE, 1, id), 0);
	assert_string_equal(id, "PH-1");
	assert_int_equal(master_num_id(t, PROD, 1, id), 0);
	assert_string_equal(id, "8690000");
	assert_int_equal(master_num_id(t, SITE, 2, id), STORE_NOTFOUND);
	store_write_abort(t);
}

/* ------------------------------------------------------------- archives */

/* Apply "field value" pairs (NULL-ended) to rec; the values must outlive it. */
static void apply_pairs(const struct master_kind *k, struct master_rec *rec, char **pairs)
{
	struct resp_arg a[32];
	int n = 0;
	char err[300];
	for (; pairs[n]; n++)
		a[n] = (struct resp_arg){ .ptr = pairs[n], .len = strlen(pairs[n]) };
	expect(master_apply(k, rec, n, a, err, sizeof err) == 0, "%s", err);
}

/* archive_of copies every archive field, at its longest too, and none of
 * the others; a site's licence has expired the day after its last valid
 * day, not on it; a record without archive fields has none set. */
static void test_archive(void **state)
{
	(void)state;
	char addr[201], contact[101], holder[201], form[65], strength[65], lic[65], nhsa[33];
	memset(addr, 'a', 200), addr[200] = '\0';
	memset(contact, 'c', 100), contact[100] = '\0';
	memset(holder, 'h', 200), holder[200] = '\0';
	memset(form, 'f', 64), form[64] = '\0';
	memset(strength, 's', 64), strength[64] = '\0';
	memcpy(lic, "粤", 3), memset(lic + 3, '9', 61), lic[64] = '\0';
	memset(nhsa, 'X', 32), nhsa[32] = '\0';
	struct master_rec rec = { 0 };
	struct archive a;
	apply_pairs(SITE, &rec, (char *[]){ "name", "Pharmacy", "licence", lic,
		    "licence_valid_from", "2020-01-01", "licence_valid_until", "2026-06-30",
		    "region", "440106", "address", addr, "contact", contact, NULL });
	archive_of(SITE, &rec, &a);
	const char *want[] = { lic, "2020-01-01", "2026-06-30", "440106", addr, contact };
	for (int i = 0; i < 6; i++) {
		expect(a.set[i] && a.len[i] == strlen(want[i]) &&
		       memcmp(a.text + a.off[i], want[i], a.len[i]) == 0, "site field %d", i);
	}
	expect(!archive_licence_expired(&a, 20260630), "valid on its last day");
	expect(archive_licence_expired(&a, 20260701), "expired the day after");

	memset(&rec, 0, sizeof rec);
	apply_pairs(PROD, &rec, (char *[]){ "name", "Vaccine", "units_per_pack", "10",
		    "approval_number", "国药准字S20203456", "holder", holder, "form", form,
		    "strength", strength, "storage_min_c", "-20.5", "storage_max_c", "8",
		    "nhsa_code", nhsa, "category", "vaccine", NULL });
	archive_of(PROD, &rec, &a);
	const char *pwant[] = { "国药准字S20203456", holder, form, strength, "-20.5", "8", nhsa,
				"vaccine" };
	for (int i = 0; i < 8; i++)
		expect(a.set[i] && a.len[i] == strlen(pwant[i]) &&
		       memcmp(a.text + a.off[i], pwant[i], a.len[i]) == 0, "product field %d", i);
	expect(!archive_licence_expired(&a, 99991231), "a product has no licence");

	memset(&rec, 0, sizeof rec);
	apply_pairs(SITE, &rec, (char *[]){ "name", "Bare", "kind", "hospital", NULL });
	archive_of(SITE, &rec, &a);
	for (int i = 0; i < ARCHIVE_FIELDS; i++)
		expect(!a.set[i], "no archive field %d", i);
	expect(!archive_licence_expired(&a, 99991231), "no licence: not expired");
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_normalize_ids),
		cmocka_unit_test(test_normalize_idempotent),
		cmocka_unit_test(test_record_checks),
		cmocka_unit_test(test_kind_tables),
		cmocka_unit_test(test_field_checks),
		cmocka_unit_test(test_field_text_strict_utf8),
		cmocka_unit_test(test_field_lengths),
		cmocka_unit_test(test_apply_pairs),
		cmocka_unit_test(test_archive),
		T(test_store_load_roundtrip),
		T(test_number_assigned_once),
		T(test_load_odd_records),
		T(test_site_gln_index),
		T(test_ids_not_ids_are_corrupt),
		T(test_num_id),
	};
#undef T
	return cmocka_run_group_tests_name("master", tests, NULL, NULL);
}
