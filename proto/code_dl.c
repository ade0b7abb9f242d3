/*
 * code_dl.c — GS1 Digital Link URIs into GS1 elements.  The host and any
 * leading path segments are the brand's business and are ignored; the
 * primary key is the first path segment from which the rest of the path
 * reads as key/value pairs with the key's qualifiers in their order
 * (for (01): 22, 10, 21 — or 235).  Query parameters carry further AIs.
 * Compressed Digital Link URIs are not supported.
 */
#include <string.h>

#include "code_dl.h"

/* Primary keys and their qualifier sequences ('|' separates
 * alternatives; each is a list of AIs, used in order, each optional). */
static const struct dl_key {
	const char *key;
	const char *quals;
} dl_keys[] = {
	{ "00", "" },
	{ "01", "22,10,21|235" },
	{ "253", "" },
	{ "255", "" },
	{ "401", "" },
	{ "402", "" },
	{ "414", "254|7040" },
	{ "415", "8020" },
	{ "417", "7040" },
	{ "8003", "" },
	{ "8004", "7040" },
	{ "8006", "22,10,21" },
	{ "8010", "8011" },
	{ "8013", "" },
	{ "8017", "8019" },
	{ "8018", "8019" },
};

/* Short names that older Digital Link URIs use instead of AI digits. */
static const struct dl_alias {
	const char *name;
	const char *ai;
} dl_aliases[] = {
	{ "gtin", "01" }, { "itip", "8006" }, { "cpv", "22" }, { "lot", "10" },
	{ "ser", "21" }, { "exp", "17" }, { "sscc", "00" }, { "gln", "414" },
	{ "party", "417" }, { "glnx", "254" },
};

/* A path segment or query key: the AI digits it names, or NULL. */
static const char *seg_ai(const char *p, size_t n)
{
	if (n >= 2 && n <= 4 && code_all_digits(p, n))
		return NULL; /* digits: the caller uses them as they are */
	for (size_t i = 0; i < sizeof(dl_aliases) / sizeof(dl_aliases[0]); i++)
		if (strlen(dl_aliases[i].name) == n &&
		    memcmp(dl_aliases[i].name, p, n) == 0)
			return dl_aliases[i].ai;
	return NULL;
}

/* Copy the AI named by p[0..n) (digits or short name) to code; false if
 * it names none in the table. */
static bool name_ai(const char *p, size_t n, char code[5])
{
	const char *alias = seg_ai(p, n);

	if (alias != NULL) {
		memcpy(code, alias, strlen(alias) + 1);
		return true;
	}
	if (n < 2 || n > 4 || gs1_ai_exact(p, n) == NULL)
		return false;
	memcpy(code, p, n);
	code[n] = '\0';
	return true;
}

static const struct dl_key *find_key(const char *code)
{
	for (size_t i = 0; i < sizeof(dl_keys) / sizeof(dl_keys[0]); i++)
		if (strcmp(dl_keys[i].key, code) == 0)
			return &dl_keys[i];
	return NULL;
}

/* Is `code` the next usable qualifier of alternative `alt` after position
 * *at?  Advances *at past it. */
static bool qual_next(const char *alt, size_t altlen, size_t *at,
                      const char *code)
{
	size_t cl = strlen(code);

	while (*at < altlen) {
		const char *comma = memchr(alt + *at, ',', altlen - *at);
		size_t end = comma != NULL ? (size_t)(comma - alt) : altlen;
		bool hit = end - *at == cl && memcmp(alt + *at, code, cl) == 0;

		*at = end + (comma != NULL);
		if (hit)
			return true;
	}
	return false;
}

#define DL_SEGS_MAX 64

struct dl_seg {
	const char *p;
	size_t n, pos;
};

/* Do segments seg[i..k) read as key/value pairs with the key's
 * qualifiers in order? */
static bool path_fits(const struct dl_seg *seg, size_t i, size_t k)
{
	char code[5];
	const struct dl_key *key;

	if ((k - i) % 2 != 0 || !name_ai(seg[i].p, seg[i].n, code) ||
	    (key = find_key(code)) == NULL)
		return false;
	/* Try each alternative qualifier sequence. */
	for (const char *alt = key->quals;;) {
		const char *bar = strchr(alt, '|');
		size_t altlen = bar != NULL ? (size_t)(bar - alt) : strlen(alt);
		size_t at = 0, j;

		for (j = i + 2; j < k; j += 2)
			if (!name_ai(seg[j].p, seg[j].n, code) ||
			    !qual_next(alt, altlen, &at, code))
				break;
		if (j >= k)
			return true;
		if (bar == NULL)
			return false;
		alt = bar + 1;
	}
}

/* %-decode p[0..n) into m and add it as AI `code`.  GTINs of 8, 12 or 13
 * digits are padded to 14. */
static enum code_err add_value(struct code_ctx *ctx, struct gs1_msg *m,
                               const char *code, const char *p, size_t n,
                               size_t pos)
{
	char *o = gs1_msg_room(m, n + 14);
	size_t len, bad;
	char q[64];

	if (o == NULL)
		return code_fail(ctx, CODE_E_TOO_LONG, pos, "Digital Link too long");
	if (!code_pct_decode(p, n, o, &len, &bad))
		return code_fail(ctx, CODE_E_SYNTAX, pos + bad,
		                 "Digital Link value '%s': '%%' must be followed "
		                 "by two hex digits",
		                 code_quote(p, n, q, sizeof(q)));
	if (strcmp(code, "01") == 0 && (len == 8 || len == 12 || len == 13) &&
	    code_all_digits(o, len)) {
		memmove(o + 14 - len, o, len);
		memset(o, '0', 14 - len);
		len = 14;
	}
	m->gm_used += len;
	return gs1_msg_add(ctx, m, gs1_ai_exact(code, strlen(code)), code, o,
	                   len, pos, len == n && memchr(p, '%', n) == NULL);
}

enum code_err dl_parse(struct code_ctx *ctx, struct gs1_msg *m,
                       const char *s, size_t n, size_t base)
{
	struct dl_seg seg[DL_SEGS_MAX];
	size_t i = code_prefix_ci(s, n, "https://") ? 8 : 7, k = 0;
	size_t qs, fr;
	char q[64], code[5];
	enum code_err err;

	/* Authority: anything up to the path. */
	size_t a = i;

	while (i < n && s[i] != '/' && s[i] != '?' && s[i] != '#') {
		unsigned char c = (unsigned char)s[i];

		if (c <= ' ' || c >= 0x7f)
			return code_fail(ctx, CODE_E_CHARSET, base + i,
			                 "Digital Link host: byte '%s' is not "
			                 "allowed in a URI",
			                 code_quote(s + i, 1, q, sizeof(q)));
		i++;
	}
	if (i == a)
		return code_fail(ctx, CODE_E_SYNTAX, base + i,
		                 "Digital Link URI without a host");
	const char *hash = memchr(s + i, '#', n - i);

	fr = hash != NULL ? (size_t)(hash - s) : n;
	const char *qm = memchr(s + i, '?', fr - i);

	qs = qm != NULL ? (size_t)(qm - s) : fr;
	/* Path segments between i and qs. */
	for (size_t j = i; j < qs;) {
		size_t e = j + 1;

		while (e < qs && s[e] != '/')
			e++;
		for (size_t x = j + 1; x < e; x++) {
			unsigned char c = (unsigned char)s[x];

			if (c <= ' ' || c >= 0x7f)
				return code_fail(ctx, CODE_E_CHARSET, base + x,
				                 "Digital Link path: byte '%s' is not "
				                 "allowed in a URI",
				                 code_quote(s + x, 1, q, sizeof(q)));
		}
		if (e - j - 1 > 0 || e < qs) {
			if (k == DL_SEGS_MAX)
				return code_fail(ctx, CODE_E_SYNTAX, base + j,
				                 "Digital Link path has too many "
				                 "segments");
			seg[k].p = s + j + 1;
			seg[k].n = e - j - 1;
			seg[k].pos = base + j + 1;
			k++;
		}
		j = e;
	}
	size_t start = k;

	for (size_t j = 0; j < k; j++)
		if (path_fits(seg, j, k)) {
			start = j;
			break;
		}
	if (start == k) {
		for (size_t j = 0; j < k; j++)
			if (name_ai(seg[j].p, seg[j].n, code) &&
			    find_key(code) != NULL)
				return code_fail(ctx, (k - j) % 2 ?
				                 CODE_E_TRUNCATED : CODE_E_SYNTAX,
				                 seg[j].pos, "Digital Link path "
				                 "'%s': a GS1 key and its value may "
				                 "only be followed by its qualifiers, "
				                 "each with a value, in order (after "
				                 "/01/: /22/, /10/, /21/)",
				                 code_quote(seg[j].p, (size_t)(s + qs -
				                            seg[j].p), q, sizeof(q)));
		return code_fail(ctx, CODE_E_SYNTAX, base + i,
		                 "Digital Link URI without a GS1 key in its path "
		                 "(/01/{GTIN}, /00/{SSCC}, /414/{GLN}, ...); "
		                 "compressed Digital Link is not supported");
	}
	for (size_t j = start; j < k; j += 2) {
		name_ai(seg[j].p, seg[j].n, code);
		if ((err = add_value(ctx, m, code, seg[j + 1].p, seg[j + 1].n,
		                     seg[j + 1].pos)) != CODE_OK)
			return err;
	}
	/* Query: key=value pairs separated by '&' (or ';'). */
	for (size_t j = qs + 1; j < fr;) {
		size_t e = j;

		while (e < fr && s[e] != '&' && s[e] != ';')
			e++;
		const char *eq = memchr(s + j, '=', e - j);

		for (size_t x = j; x < e; x++) {
			unsigned char c = (unsigned char)s[x];

			if (c <= ' ' || c >= 0x7f)
				return code_fail(ctx, CODE_E_CHARSET, base + x,
				                 "Digital Link query: byte '%s' is not "
				                 "allowed in a URI",
				                 code_quote(s + x, 1, q, sizeof(q)));
		}
		/* Non-GS1 parameters (linkType, context, ...) are ignored. */
		if (eq != NULL && name_ai(s + j, (size_t)(eq - s) - j, code)) {
			size_t v = (size_t)(eq - s) + 1;

			if ((err = add_value(ctx, m, code, s + v, e - v,
			                     base + v)) != CODE_OK)
				return err;
		}
		j = e + 1;
	}
	if (m->gm_n == 0)
		return code_fail(ctx, CODE_E_SYNTAX, base, "empty Digital Link");
	return CODE_OK;
}
