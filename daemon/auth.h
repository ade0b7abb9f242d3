/*
 * auth — turning credentials into principals: a token sent with AUTH, or
 * the names in a verified client certificate.
 *
 * Tokens and explicit certificate names come from the ACL file (acl_file.h),
 * loaded at start and again on SIGHUP; a connection copies its principal
 * out, so a reload affects new sign-ins only.  A certificate name without
 * an ACL entry that is a site id signs in as that site, with the role its
 * kind gives (a pharmacy site's certificate is a pharmacy principal).
 *
 * Errors: 0; -1 with a message in err when no token or name matches; -2
 * when the entry that matched names a site that does not exist (the
 * credential was right, the ACL file is wrong); or a store error code.
 */
#ifndef YIMA_AUTH_H
#define YIMA_AUTH_H

#include <stddef.h>
#include <stdint.h>

#include "acl.h"

struct config;
struct auth;
struct store_txn;

int auth_new(struct auth **out, const struct config *cfg, char *err, size_t errlen);
/* Read acl_file again; on error the old list stays in use. */
int auth_reload(struct auth *a, const struct config *cfg, char *err, size_t errlen);
void auth_free(struct auth *a);
/* Entries in the current list, for logs. */
size_t auth_entries(struct auth *a);

/* The SHA-256 of a token, as the ACL file keeps it: 0, or -1 if OpenSSL
 * cannot hash. */
int auth_token_digest(const char *token, size_t len, uint8_t digest[32]);
/* Sign in by a token's digest. */
int auth_token(struct auth *a, struct store_txn *t, const uint8_t digest[32],
	       struct principal *p, char *err, size_t errlen);
int auth_cert(struct auth *a, struct store_txn *t, char (*names)[ACL_NAME_MAX + 1], int n,
	      struct principal *p, char *err, size_t errlen);

#endif
