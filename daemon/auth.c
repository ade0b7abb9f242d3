/*
 * auth — the loaded ACL list and sign-in.
 */
#include "auth.h"
#include "config.h"
#include "master.h"
#include "store.h"
#include "xmem.h"

#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct auth {
	pthread_rwlock_t lock;		/* readers: sign-ins; writer: reload */
	struct acl_list list;
};

static int load(const struct config *cfg, struct acl_list *l, char *err, size_t errlen)
{
	memset(l, 0, sizeof *l);
	if (cfg->acl_file[0] == '\0')
		return 0;
	return acl_list_load(cfg->acl_file, l, err, errlen);
}

int auth_new(struct auth **out, const struct config *cfg, char *err, size_t errlen)
{
	struct acl_list l;
	if (load(cfg, &l, err, errlen) != 0)
		return -1;
	struct auth *a = xcalloc(1, sizeof *a);
	pthread_rwlock_init(&a->lock, NULL);
	a->list = l;
	*out = a;
	return 0;
}

int auth_reload(struct auth *a, const struct config *cfg, char *err, size_t errlen)
{
	struct acl_list l, old;
	if (load(cfg, &l, err, errlen) != 0)
		return -1;
	pthread_rwlock_wrlock(&a->lock);
	old = a->list;
	a->list = l;
	pthread_rwlock_unlock(&a->lock);
	acl_list_free(&old);
	return 0;
}

void auth_free(struct auth *a)
{
	if (a == NULL)
		return;
	acl_list_free(&a->list);
	pthread_rwlock_destroy(&a->lock);
	free(a);
}

size_t auth_entries(struct auth *a)
{
	pthread_rwlock_rdlock(&a->lock);
	size_t n = a->list.n;
	pthread_rwlock_unlock(&a->lock);
	return n;
}

/* The role a site's kind gives its certificate; ROLE_NONE if none. */
static enum acl_role role_of_kind(const struct master_rec *rec)
{
	int k = master_field_index(&master_site, "kind");
	if (k < 0 || rec->val[k] == NULL)
		return ROLE_NONE;
	enum acl_role r = acl_role_parse(rec->val[k], rec->len[k]);
	return r == ROLE_ADMIN ? ROLE_NONE : r;	/* no site kind is "admin" */
}

/* Fill p from a role, a name and (site-scoped roles) a site id. */
static int principal_for(struct store_txn *t, enum acl_role role, const char *name,
			 const char *site, struct principal *p, char *err, size_t errlen)
{
	memset(p, 0, sizeof *p);
	p->role = (uint8_t)role;
	snprintf(p->name, sizeof p->name, "%s", name);
	if (!acl_role_site_scoped(role))
		return 0;
	struct master_rec rec;
	int rc = master_load(t, &master_site, site, &rec);
	if (rc == STORE_NOTFOUND) {
		snprintf(err, errlen, "'%s' acts for site '%s', which does not exist", name, site);
		memset(p, 0, sizeof *p);
		return -2;
	}
	if (rc) {
		memset(p, 0, sizeof *p);
		return rc;
	}
	p->site = rec.num;
	snprintf(p->site_id, sizeof p->site_id, "%s", site);
	return 0;
}

int auth_token_digest(const char *token, size_t len, uint8_t digest[32])
{
	unsigned n = 0;
	return EVP_Digest(token, len, digest, &n, EVP_sha256(), NULL) == 1 && n == 32 ? 0 : -1;
}

int auth_token(struct auth *a, struct store_txn *t, const uint8_t digest[32],
	       struct principal *p, char *err, size_t errlen)
{
	struct acl_entry e;
	pthread_rwlock_rdlock(&a->lock);
	const struct acl_entry *found = acl_list_token(&a->list, digest);
	if (found)
		e = *found;	/* copied: the list may be replaced after unlock */
	pthread_rwlock_unlock(&a->lock);
	if (found == NULL) {
		snprintf(err, errlen, "invalid token");
		memset(p, 0, sizeof *p);
		return -1;
	}
	return principal_for(t, (enum acl_role)e.role, e.name, e.site, p, err, errlen);
}

int auth_cert(struct auth *a, struct store_txn *t, char (*names)[ACL_NAME_MAX + 1], int n,
	      struct principal *p, char *err, size_t errlen)
{
	memset(p, 0, sizeof *p);
	/* An ACL entry for any of the names comes first. */
	for (int i = 0; i < n; i++) {
		struct acl_entry e;
		pthread_rwlock_rdlock(&a->lock);
		const struct acl_entry *found = acl_list_cert(&a->list, names[i]);
		if (found)
			e = *found;
		pthread_rwlock_unlock(&a->lock);
		if (found)
			return principal_for(t, (enum acl_role)e.role, e.name, e.site, p, err,
					     errlen);
	}
	/* Then a name that is a site id, with the role of the site's kind. */
	for (int i = 0; i < n; i++) {
		char id[MASTER_ID_MAX + 1], why[200];
		struct master_rec rec;
		if (master_normalize_id(&master_site, names[i], strlen(names[i]), id, why,
					sizeof why) != 0)
			continue;
		int rc = master_load(t, &master_site, id, &rec);
		if (rc == STORE_NOTFOUND)
			continue;
		if (rc)
			return rc;
		enum acl_role role = role_of_kind(&rec);
		if (role == ROLE_NONE)
			continue;
		return principal_for(t, role, id, id, p, err, errlen);
	}
	snprintf(err, errlen, "no ACL entry or site for certificate name%s%s%s",
		 n ? " '" : "s", n ? names[0] : "", n ? "'" : "");
	return -1;
}
