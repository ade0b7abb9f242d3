/*
 * category — product categories (a product's `category` field) and the
 * verification policy each one carries.
 *
 * The plans put vaccines, blood products and special drugs (特殊管理药品)
 * first: for them a sale away from the holder, a sale before receipt and a
 * split pack are what a regulator wants stopped, not merely flagged.  Each
 * category has a policy line in the config (`policy_<category>`, read by
 * category_policy_parse) that overrides the global settings for its
 * products; a setting a line does not give is the global one.
 */
#ifndef YIMA_CATEGORY_H
#define YIMA_CATEGORY_H

#include <stddef.h>
#include <stdint.h>

/* Stable: the index is what a cached lot keeps; 0 is "not set". */
enum category {
	CAT_NONE = 0,		/* the product has no category: global policy */
	CAT_ORDINARY,
	CAT_VACCINE,
	CAT_BLOOD_PRODUCT,
	CAT_NARCOTIC,
	CAT_PSYCHOTROPIC,	/* class not stated */
	CAT_PSYCHOTROPIC_1,
	CAT_PSYCHOTROPIC_2,
	CAT_TOXIC,
	CAT_RADIOACTIVE,
	CAT_PRECURSOR,
	CAT_BOTULINUM,
	CAT__COUNT
};

/* A setting a policy line leaves out: the global one applies. */
#define POLICY_INHERIT 0xffffffffu

struct category_policy {
	uint32_t not_received;		/* enum config_severity or POLICY_INHERIT */
	uint32_t in_transit;		/* enum config_severity or POLICY_INHERIT */
	uint32_t split_sale;		/* 1 refuse, 0 allow, or POLICY_INHERIT (allow) */
	uint32_t near_expiry_days;	/* days or POLICY_INHERIT */
};

const char *category_name(enum category c);	/* "vaccine"; "" for CAT_NONE */
const char *category_name_zh(enum category c);	/* "疫苗" */
/* The category named by n bytes at s, or CAT_NONE. */
enum category category_of(const char *s, size_t n);

/* Parse a policy line ("not_received=red in_transit=red split_sale=refuse
 * near_expiry_days=60"; empty: everything global) into p.  0, or -1 with a
 * message in err naming the setting and what is wrong. */
int category_policy_parse(const char *text, struct category_policy *p, char *err,
			  size_t errlen);
/* A policy as its line (only the settings it gives). */
void category_policy_format(const struct category_policy *p, char *out, size_t n);

#endif
