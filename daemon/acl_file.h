/*
 * acl_file — the ACL file: who may connect as what.
 *
 * One principal per line, blank-separated words; '#' starts a comment:
 *
 *   token NAME ROLE SITE sha256:HEX   a secret sent with AUTH; only the
 *                                     SHA-256 of the secret is kept here
 *   cert  NAME ROLE SITE              a client certificate whose subject CN
 *                                     or a DNS SAN is NAME
 *
 * ROLE is one of the words of enum acl_role below (not "local"); SITE is a
 * site id for the site-scoped roles (pharmacy, hospital, distributor,
 * manufacturer) and "-" for regulator and admin.  daemon/STORE.md describes
 * the format for operators.
 *
 * The file comes from outside the process: every line is checked, and an
 * error names FILE:LINE and what is wrong.  This module only parses and
 * looks up; auth.c keeps the loaded list and swaps it on SIGHUP.
 */
#ifndef YIMA_ACL_FILE_H
#define YIMA_ACL_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ACL_NAME_MAX 64
#define ACL_LINE_MAX 1024
#define ACL_ENTRIES_MAX 100000

/* Roles, in the order of the role matrix's columns (acl.c).  Log entries
 * (entry.h) and EVENTS batch keys store these values: never renumber. */
enum acl_role {
	ROLE_NONE = 0,		/* not authenticated */
	ROLE_PHARMACY,
	ROLE_HOSPITAL,
	ROLE_DISTRIBUTOR,
	ROLE_MANUFACTURER,
	ROLE_REGULATOR,
	ROLE_ADMIN,
	ROLE_LOCAL,		/* a trusted local client (local_trust) */
	ROLE__COUNT
};

/* Does the role act for one site only? */
bool acl_role_site_scoped(enum acl_role r);
const char *acl_role_name(enum acl_role r);
/* The role a word names (exact, lower case); ROLE_NONE if none.  "local"
 * and "none" are not roles an entry can have. */
enum acl_role acl_role_parse(const char *s, size_t n);

enum acl_entry_kind { ACL_TOKEN = 1, ACL_CERT = 2 };

struct acl_entry {
	uint8_t kind;			/* enum acl_entry_kind */
	uint8_t role;			/* enum acl_role */
	char    name[ACL_NAME_MAX + 1];
	char    site[ACL_NAME_MAX + 1];	/* "" for regulator and admin */
	uint8_t hash[32];		/* tokens: SHA-256 of the secret */
};

struct acl_list {
	struct acl_entry *entries;
	size_t n, cap;
};

/*
 * Parse the text of an ACL file (`file` names it in messages).  Returns 0
 * with *out filled (free with acl_list_free), or -1 with err set to
 * "FILE:LINE: message" and *out empty.
 */
int acl_list_parse(const char *text, size_t len, const char *file, struct acl_list *out,
		   char *err, size_t errlen);
/* Read and parse a file; -1 with err set as above (or "FILE: why"). */
int acl_list_load(const char *path, struct acl_list *out, char *err, size_t errlen);
void acl_list_free(struct acl_list *l);

/* The token entry whose hash is `hash`, or NULL.  Compares with every
 * token entry in constant time, so the time taken says nothing about
 * which entry (or how much of a hash) matched. */
const struct acl_entry *acl_list_token(const struct acl_list *l, const uint8_t hash[32]);
/* The cert entry named `name`, or NULL. */
const struct acl_entry *acl_list_cert(const struct acl_list *l, const char *name);

#endif
