/*
 * archive — the archive fields of sites and products (see archive.h).
 */
#include "archive.h"

#include <string.h>

static const char *const site_fields[] = {
	"licence", "licence_valid_from", "licence_valid_until", "region", "address", "contact",
	NULL
};

static const char *const product_fields[] = {
	"approval_number", "holder", "form", "strength", "storage_min_c", "storage_max_c",
	"nhsa_code", "category", NULL
};

static const char *const *fields_of(const struct master_kind *k)
{
	return k == &master_site ? site_fields : product_fields;
}

void archive_of(const struct master_kind *k, const struct master_rec *rec, struct archive *a)
{
	const char *const *names = fields_of(k);
	size_t used = 0;
	memset(a, 0, sizeof *a);
	a->kind = k;
	for (int i = 0; names[i]; i++) {
		int f = master_field_index(k, names[i]);
		if (f < 0 || rec->val[f] == NULL)
			continue;
		size_t n = rec->len[f];
		if (used + n > sizeof a->text)
			continue;	/* fields are bounded far below it (master.c) */
		memcpy(a->text + used, rec->val[f], n);
		a->off[i] = (uint16_t)used;
		a->len[i] = (uint16_t)n;
		a->set[i] = true;
		used += n;
	}
	if (k == &master_site)
		a->licence_until = master_licence_until(rec);
}

bool archive_licence_expired(const struct archive *a, uint32_t today)
{
	return a->kind == &master_site && a->licence_until != 0 && today > a->licence_until;
}

void archive_reply(struct resp_out *o, const struct archive *a, uint32_t today)
{
	if (a->kind == NULL) {
		resp_null(o);
		return;
	}
	const char *const *names = fields_of(a->kind);
	bool site = a->kind == &master_site;
	size_t n = 0;
	while (names[n])
		n++;
	resp_map(o, n + site);
	for (size_t i = 0; i < n; i++) {
		resp_cstr(o, names[i]);
		if (a->set[i])
			resp_bulk(o, a->text + a->off[i], a->len[i]);
		else
			resp_null(o);
		if (site && strcmp(names[i], "licence_valid_until") == 0) {
			resp_cstr(o, "licence_expired");
			resp_bool(o, archive_licence_expired(a, today));
		}
	}
}
