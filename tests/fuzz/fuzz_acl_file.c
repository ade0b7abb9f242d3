/*
 * fuzz_acl_file — libFuzzer target for the ACL file parser.
 *
 * Invariants: the parser returns 0 or -1; on -1 the message starts with the
 * file name and a line number and the list is empty; on 0 every entry has
 * a known kind and role, names of allowed characters, a site exactly when
 * the role is site-scoped, and no two entries of a kind share a name; a
 * token found by its hash is that entry.  Any violation aborts.
 */
#include "acl_file.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define check(cond) do { if (!(cond)) { \
	fprintf(stderr, "fuzz_acl_file: %s:%d: %s\n", __FILE__, __LINE__, #cond); \
	abort(); } } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct acl_list l;
	char err[300];
	int rc = acl_list_parse((const char *)data, size, "f.acl", &l, err, sizeof err);
	check(rc == 0 || rc == -1);
	if (rc == -1) {
		check(strncmp(err, "f.acl:", 6) == 0 && err[6] >= '0' && err[6] <= '9');
		check(l.n == 0 && l.entries == NULL);
		return 0;
	}
	for (size_t i = 0; i < l.n; i++) {
		const struct acl_entry *e = &l.entries[i];
		check(e->kind == ACL_TOKEN || e->kind == ACL_CERT);
		check(e->role > ROLE_NONE && e->role < ROLE_LOCAL);
		check(e->name[0] && strlen(e->name) <= ACL_NAME_MAX);
		check(strspn(e->name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
				      "0123456789._:-@") == strlen(e->name));
		check((e->site[0] != '\0') == acl_role_site_scoped((enum acl_role)e->role));
		for (size_t j = 0; j < i; j++)
			check(l.entries[j].kind != e->kind || strcmp(l.entries[j].name, e->name));
		if (e->kind == ACL_TOKEN)
			check(acl_list_token(&l, e->hash) == e);
		else
			check(acl_list_cert(&l, e->name) == e);
	}
	acl_list_free(&l);
	return 0;
}
