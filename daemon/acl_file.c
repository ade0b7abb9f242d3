/*
 * acl_file — parse the ACL file and look principals up in it.
 */
#include "acl_file.h"
#include "xmem.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ACL_FILE_MAX ((size_t)64 << 20)	/* refuse to read a bigger file */
#define WORDS_MAX 6

static const char *const role_names[ROLE__COUNT] = {
	[ROLE_NONE] = "none",
	[ROLE_PHARMACY] = "pharmacy",
	[ROLE_HOSPITAL] = "hospital",
	[ROLE_DISTRIBUTOR] = "distributor",
	[ROLE_MANUFACTURER] = "manufacturer",
	[ROLE_REGULATOR] = "regulator",
	[ROLE_ADMIN] = "admin",
	[ROLE_LOCAL] = "local",
};

bool acl_role_site_scoped(enum acl_role r)
{
	return r == ROLE_PHARMACY || r == ROLE_HOSPITAL || r == ROLE_DISTRIBUTOR ||
	       r == ROLE_MANUFACTURER;
}

const char *acl_role_name(enum acl_role r)
{
	return (unsigned)r < ROLE__COUNT ? role_names[r] : "?";
}

enum acl_role acl_role_parse(const char *s, size_t n)
{
	for (int r = ROLE_PHARMACY; r <= ROLE_ADMIN; r++)
		if (strlen(role_names[r]) == n && memcmp(role_names[r], s, n) == 0)
			return (enum acl_role)r;
	return ROLE_NONE;
}

struct word {
	const char *p;
	size_t n;
};

/* Names and site ids: 1-64 of A-Z a-z 0-9 . _ : - (names also @). */
static bool name_ok(const struct word *w, bool at_allowed)
{
	if (w->n == 0 || w->n > ACL_NAME_MAX)
		return false;
	for (size_t i = 0; i < w->n; i++) {
		char c = w->p[i];
		bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
			  (c >= '0' && c <= '9') || c == '.' || c == '_' || c == ':' ||
			  c == '-' || (at_allowed && c == '@');
		if (!ok)
			return false;
	}
	return true;
}

/* "sha256:" and 64 hex digits → hash. */
static bool parse_hash(const struct word *w, uint8_t hash[32])
{
	static const char prefix[] = "sha256:";
	size_t pl = sizeof prefix - 1;
	if (w->n != pl + 64 || memcmp(w->p, prefix, pl) != 0)
		return false;
	for (size_t i = 0; i < 32; i++) {
		int hi = OPENSSL_hexchar2int((unsigned char)w->p[pl + 2 * i]);
		int lo = OPENSSL_hexchar2int((unsigned char)w->p[pl + 2 * i + 1]);
		if (hi < 0 || lo < 0)
			return false;
		hash[i] = (uint8_t)(hi << 4 | lo);
	}
	return true;
}

/* Split one line (comment removed) into words; -1 if there are too many. */
static int split(const char *p, size_t n, struct word *w)
{
	int count = 0;
	size_t i = 0;
	while (i < n) {
		while (i < n && (p[i] == ' ' || p[i] == '\t'))
			i++;
		if (i == n)
			break;
		size_t start = i;
		while (i < n && p[i] != ' ' && p[i] != '\t')
			i++;
		if (count == WORDS_MAX)
			return -1;
		w[count].p = p + start;
		w[count].n = i - start;
		count++;
	}
	return count;
}

/* Check one line's words and fill e.  Returns NULL, or what is wrong. */
static const char *parse_entry(const struct word *w, int nw, struct acl_entry *e,
			       char *why, size_t n)
{
	memset(e, 0, sizeof *e);
	bool token = w[0].n == 5 && memcmp(w[0].p, "token", 5) == 0;
	bool cert = w[0].n == 4 && memcmp(w[0].p, "cert", 4) == 0;
	if (!token && !cert) {
		snprintf(why, n, "'%.*s' is not an entry kind; lines start with token or cert",
			 (int)(w[0].n > 40 ? 40 : w[0].n), w[0].p);
		return why;
	}
	int want = token ? 5 : 4;
	if (nw != want)
		return token ? "a token line is: token NAME ROLE SITE sha256:HEX"
			     : "a cert line is: cert NAME ROLE SITE";
	e->kind = token ? ACL_TOKEN : ACL_CERT;
	if (!name_ok(&w[1], true))
		return "NAME must be 1-64 characters from A-Z a-z 0-9 . _ : - @";
	memcpy(e->name, w[1].p, w[1].n);
	enum acl_role role = acl_role_parse(w[2].p, w[2].n);
	if (role == ROLE_NONE) {
		snprintf(why, n, "'%.*s' is not a role; roles are pharmacy, hospital, "
			 "distributor, manufacturer, regulator, admin",
			 (int)(w[2].n > 40 ? 40 : w[2].n), w[2].p);
		return why;
	}
	e->role = (uint8_t)role;
	bool dash = w[3].n == 1 && w[3].p[0] == '-';
	if (acl_role_site_scoped(role)) {
		if (dash || !name_ok(&w[3], false)) {
			snprintf(why, n, "a %s acts for one site: SITE must be a site id "
				 "(1-64 characters from A-Z a-z 0-9 . _ : -)", acl_role_name(role));
			return why;
		}
		memcpy(e->site, w[3].p, w[3].n);
	} else if (!dash) {
		snprintf(why, n, "%s %s acts for no one site: SITE must be -",
			 role == ROLE_ADMIN ? "an" : "a", acl_role_name(role));
		return why;
	}
	if (token && !parse_hash(&w[4], e->hash))
		return "the secret must be sha256: and 64 hex digits (the SHA-256 of the token)";
	return NULL;
}

/* An entry that clashes with one before it, or NULL. */
static const char *clash(const struct acl_list *l, const struct acl_entry *e, char *why,
			 size_t n)
{
	for (size_t i = 0; i < l->n; i++) {
		const struct acl_entry *o = &l->entries[i];
		if (o->kind != e->kind)
			continue;
		if (strcmp(o->name, e->name) == 0) {
			snprintf(why, n, "%s '%s' is listed twice",
				 e->kind == ACL_TOKEN ? "token" : "cert", e->name);
			return why;
		}
		if (e->kind == ACL_TOKEN && memcmp(o->hash, e->hash, 32) == 0) {
			snprintf(why, n, "token '%s' has the same secret as token '%s'", e->name,
				 o->name);
			return why;
		}
	}
	return NULL;
}

int acl_list_parse(const char *text, size_t len, const char *file, struct acl_list *out,
		   char *err, size_t errlen)
{
	struct acl_list l = { 0 };
	char why[256];
	const char *bad = NULL;
	size_t pos = 0;
	int line = 0;
	while (pos < len && bad == NULL) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - text) : len;
		const char *p = text + pos;
		size_t n = end - pos;
		pos = end + 1;
		line++;
		if (n > ACL_LINE_MAX) {
			snprintf(why, sizeof why, "line longer than %d bytes", ACL_LINE_MAX);
			bad = why;
			break;
		}
		if (memchr(p, '\0', n) != NULL) {
			bad = "a NUL byte in the line";
			break;
		}
		const char *hash = memchr(p, '#', n);
		if (hash)
			n = (size_t)(hash - p);
		if (n && p[n - 1] == '\r')
			n--;
		struct word w[WORDS_MAX];
		int nw = split(p, n, w);
		if (nw == 0)
			continue;
		if (nw < 0) {
			bad = "too many words; a line is: token NAME ROLE SITE sha256:HEX, "
			      "or cert NAME ROLE SITE";
			break;
		}
		struct acl_entry e;
		if ((bad = parse_entry(w, nw, &e, why, sizeof why)) != NULL ||
		    (bad = clash(&l, &e, why, sizeof why)) != NULL)
			break;
		if (l.n == ACL_ENTRIES_MAX) {
			snprintf(why, sizeof why, "more than %d entries", ACL_ENTRIES_MAX);
			bad = why;
			break;
		}
		if (l.n == l.cap) {
			l.cap = l.cap ? l.cap * 2 : 16;
			l.entries = xrealloc(l.entries, l.cap * sizeof *l.entries);
		}
		l.entries[l.n++] = e;
	}
	if (bad) {
		snprintf(err, errlen, "%s:%d: %s", file, line, bad);
		acl_list_free(&l);
		memset(out, 0, sizeof *out);
		return -1;
	}
	*out = l;
	return 0;
}

int acl_list_load(const char *path, struct acl_list *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof *out);
	FILE *f = fopen(path, "rb");
	if (f == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	char *text = NULL;
	size_t len = 0, cap = 0;
	for (;;) {
		if (len == cap) {
			if (cap >= ACL_FILE_MAX) {
				snprintf(err, errlen, "%s: larger than %zu bytes", path, ACL_FILE_MAX);
				free(text);
				fclose(f);
				return -1;
			}
			cap = cap ? cap * 2 : 4096;
			text = xrealloc(text, cap);
		}
		size_t got = fread(text + len, 1, cap - len, f);
		len += got;
		if (got == 0)
			break;
	}
	int failed = ferror(f);
	fclose(f);
	if (failed) {
		snprintf(err, errlen, "%s: read error", path);
		free(text);
		return -1;
	}
	int rc = acl_list_parse(text ? text : "", len, path, out, err, errlen);
	free(text);
	return rc;
}

void acl_list_free(struct acl_list *l)
{
	free(l->entries);
	memset(l, 0, sizeof *l);
}

const struct acl_entry *acl_list_token(const struct acl_list *l, const uint8_t hash[32])
{
	const struct acl_entry *found = NULL;
	for (size_t i = 0; i < l->n; i++) {
		const struct acl_entry *e = &l->entries[i];
		/* Every token is compared, in full: no early exit. */
		bool same = CRYPTO_memcmp(e->hash, hash, 32) == 0 && e->kind == ACL_TOKEN;
		if (same)
			found = e;
	}
	return found;
}

const struct acl_entry *acl_list_cert(const struct acl_list *l, const char *name)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->entries[i].kind == ACL_CERT && strcmp(l->entries[i].name, name) == 0)
			return &l->entries[i];
	return NULL;
}
