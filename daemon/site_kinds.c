/*
 * site_kinds — the site-kind table and its rule (site_kinds.h).
 *
 * Why these rows (DESIGN.md §1, DOMAIN.md §7): manufacturers give packs
 * their codes (COMMISSION); manufacturers and distributors build cases
 * and pallets (PACK) and send stock down the chain (SHIP); whoever holds
 * a case may break it open (UNPACK: a pharmacy opens the case it
 * received, as a DISPENSE from a case does by itself);
 * distributors, pharmacies and hospitals send it back up (RETURN: a
 * manufacturer has no one upstream); every site that holds stock receives
 * it, destroys it and acknowledges a recall; only the counter — pharmacies
 * and hospitals — sells (DISPENSE) and takes a sale back (UNDO).  A
 * regulator's site holds no stock and acts in none of these.
 */
#include "site_kinds.h"
#include "args.h"
#include "decommission.h"
#include "units.h"
#include "master.h"
#include "parse.h"
#include "store.h"

#include <stdio.h>
#include <string.h>

#define BIT(k)	(1u << (k))
#define MA	BIT(SITE_KIND_MANUFACTURER)
#define DI	BIT(SITE_KIND_DISTRIBUTOR)
#define PH	BIT(SITE_KIND_PHARMACY)
#define HO	BIT(SITE_KIND_HOSPITAL)
#define HOLDERS	(MA | DI | PH | HO)	/* sites that hold stock */

/* The kinds that may be each command's acting site; 0: not restricted. */
static const unsigned table[CMD__COUNT] = {
	[CMD_COMMISSION] = MA,
	[CMD_PACK]       = MA | DI,
	[CMD_UNPACK]     = HOLDERS,
	[CMD_SHIP]       = MA | DI,
	[CMD_RETURN]     = DI | PH | HO,
	[CMD_RECEIVE]    = HOLDERS,
	[CMD_DESTROY]    = HOLDERS,
	[CMD_RECALL_ACK] = HOLDERS,
	[CMD_DISPENSE]   = PH | HO,
	[CMD_UNDO]       = PH | HO,
	[CMD_DECOMMISSION] = HOLDERS,	/* by STATE: kinds_of */
	[CMD_REACTIVATE] = HOLDERS,
	/* Repackaging (分装, relabelling) is licensed work: manufacturers and
	 * distributors.  A pharmacy or hospital splitting a pack sells its
	 * parts (DISPENSE QTY), it gives them no new codes. */
	[CMD_TRANSFORM]  = MA | DI,
};

/* DECOMMISSION by its STATE: any holder takes a sample or reports a theft;
 * only manufacturers and distributors export (an export licence); only a
 * hospital checks packs out to its wards. */
static unsigned kinds_of(const struct cmd *c)
{
	enum cmd_id id = c->spec->id;
	const struct resp_arg *s = c->opt[OPT_STATE].arg;
	if (id != CMD_DECOMMISSION || s == NULL)
		return table[id];
	switch (decommission_state_parse(s->ptr, s->len)) {
	case UNIT_EXPORTED: return MA | DI;
	case UNIT_CHECKED_OUT: return HO;
	default: return table[id];
	}
}

static const char *const names[SITE_KIND__COUNT] = {
	[SITE_KIND_NONE] = "none",
	[SITE_KIND_MANUFACTURER] = "manufacturer",
	[SITE_KIND_DISTRIBUTOR] = "distributor",
	[SITE_KIND_PHARMACY] = "pharmacy",
	[SITE_KIND_HOSPITAL] = "hospital",
	[SITE_KIND_REGULATOR] = "regulator",
};

enum site_kind site_kind_parse(const char *s, size_t n)
{
	for (int k = SITE_KIND_NONE + 1; k < SITE_KIND__COUNT; k++)
		if (strlen(names[k]) == n && memcmp(names[k], s, n) == 0)
			return (enum site_kind)k;
	return SITE_KIND_NONE;
}

const char *site_kind_name(enum site_kind k)
{
	return k < SITE_KIND__COUNT ? names[k] : "?";
}

bool site_kind_may(enum site_kind k, enum cmd_id id)
{
	return k == SITE_KIND_NONE || table[id] == 0 || (table[id] & BIT(k)) != 0;
}

/* "manufacturers", "pharmacies and hospitals": who may, for a message. */
static void who_may(unsigned bits, char *out, size_t n)
{
	static const char *const plural[SITE_KIND__COUNT] = {
		[SITE_KIND_MANUFACTURER] = "manufacturers",
		[SITE_KIND_DISTRIBUTOR] = "distributors",
		[SITE_KIND_PHARMACY] = "pharmacies",
		[SITE_KIND_HOSPITAL] = "hospitals",
	};
	int count = __builtin_popcount(bits), seen = 0;
	size_t w = 0;
	out[0] = '\0';
	for (int k = 0; k < SITE_KIND__COUNT && w < n; k++) {
		if (!(bits & BIT(k)))
			continue;
		seen++;
		const char *sep = seen == 1 ? "" : seen == count ? " and " : ", ";
		w += (size_t)snprintf(out + w, n - w, "%s%s", sep, plural[k]);
	}
}

/* The kind of the last site this thread resolved, by the words the
 * command named it with: a load's records name the same acting site row
 * after row, and resolving it (normalize, read, decode) was ~2 % of the
 * writer's samples in a bulk load.  Valid only under the transaction tag it
 * was read in (store.h): any change to the sites moves the tag. */
static _Thread_local struct {
	uint64_t tag;		/* 0: empty (no transaction has tag 0) */
	size_t len;
	char name[128];
	enum site_kind kind;
	uint32_t num;
} last;

/* The kind of the site `a` names: 0, -1 for no such site, or a store error. */
static int kind_of_site(struct store_txn *t, const struct resp_arg *a, enum site_kind *k,
			uint32_t *num)
{
	uint64_t tag = store_txn_tag(t);
	if (last.tag == tag && last.len == a->len && memcmp(last.name, a->ptr, a->len) == 0) {
		*k = last.kind;
		*num = last.num;
		return 0;
	}
	struct master_rec rec;
	char why[200];
	int rc = args_site_record(t, a, &rec, why, sizeof why);
	if (rc)
		return rc;
	int f = master_field_index(&master_site, "kind");
	*k = f >= 0 && rec.val[f] ? site_kind_parse(rec.val[f], rec.len[f]) : SITE_KIND_NONE;
	*num = rec.num;
	if (a->len <= sizeof last.name) {
		last.tag = tag;
		last.len = a->len;
		memcpy(last.name, a->ptr, a->len);
		last.kind = *k;
		last.num = *num;
	}
	return 0;
}

int site_kinds_check(struct store_txn *t, const struct cmd *c, char *err, size_t errlen)
{
	enum cmd_id id = c->spec->id;
	int acting = c->spec->g.acting;
	/* An entry of version 1 was applied without this rule: replayed, it
	 * is applied as it was (entry.h). */
	if (!cmd_v2(c) || table[id] == 0 || acting < 0 || c->opt[acting].arg == NULL)
		return 0;
	enum site_kind k;
	uint32_t num;
	int rc = kind_of_site(t, c->opt[acting].arg, &k, &num);
	if (rc == -1)
		return 0;	/* no such site: the command's own checks say so */
	if (rc)
		return rc;
	unsigned bits = kinds_of(c);
	if (k == SITE_KIND_NONE || (bits & BIT(k)))
		return 0;
	char name[96], may[120], sid[MASTER_ID_MAX + 1];
	command_full_name(c->spec, name, sizeof name);
	if (id == CMD_DECOMMISSION) {
		size_t w = strlen(name);
		snprintf(name + w, sizeof name - w, " STATE %.*s",
			 (int)c->opt[OPT_STATE].arg->len, c->opt[OPT_STATE].arg->ptr);
	}
	if (master_num_id(t, &master_site, num, sid) != 0)
		snprintf(sid, sizeof sid, "%.*s", (int)c->opt[acting].arg->len,
			 c->opt[acting].arg->ptr);
	who_may(bits, may, sizeof may);
	snprintf(err, errlen, "site '%s' is a %s, and a %s may not %s (%s may)", sid,
		 site_kind_name(k), site_kind_name(k), name, may);
	return -1;
}
