/*
 * master — sites and products: field tables, checks, record encoding,
 * and the sites' GLN index.
 */
#include "master.h"
#include "args.h"
#include "category.h"
#include "code_util.h"
#include "command.h"
#include "store.h"
#include "text.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define REC_FORMAT 1
#define REC_MAX 4096

typedef int (*check_fn)(const char *v, size_t n, char *err, size_t errlen);

struct field {
	const char *name;
	check_fn check;
	size_t max;		/* bytes, for text */
};

struct master_kind {
	const char *what;
	const struct field *fields;
	int nfields;
	enum store_db db, num_db;
	int (*normalize)(const char *in, size_t n, char *out, char *err, size_t errlen);
};

/* ---------------------------------------------------------------- checks */

/* Text fields: not empty; what text_check refuses is refused for every
 * field in master_apply, before its own check. */
static int check_text(const char *v, size_t n, char *err, size_t errlen)
{
	(void)v;
	if (n == 0) {
		snprintf(err, errlen, "is empty");
		return -1;
	}
	return 0;
}

static int check_one_of(const char *v, size_t n, const char *const *words,
			char *err, size_t errlen)
{
	for (int i = 0; words[i]; i++)
		if (strlen(words[i]) == n && memcmp(v, words[i], n) == 0)
			return 0;
	int w = snprintf(err, errlen, "'%.*s' is not one of ", (int)(n > 40 ? 40 : n), v);
	for (int i = 0; words[i] && w > 0 && (size_t)w < errlen; i++)
		w += snprintf(err + w, errlen - (size_t)w, "%s%s", i ? ", " : "", words[i]);
	return -1;
}

static int check_site_kind(const char *v, size_t n, char *err, size_t errlen)
{
	static const char *const kinds[] = { "manufacturer", "distributor", "pharmacy",
					     "hospital", "regulator", NULL };
	return check_one_of(v, n, kinds, err, errlen);
}

static int check_product_kind(const char *v, size_t n, char *err, size_t errlen)
{
	static const char *const kinds[] = { "drug", "device", NULL };
	return check_one_of(v, n, kinds, err, errlen);
}

static bool all_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return n > 0;
}

static int check_gln(const char *v, size_t n, char *err, size_t errlen)
{
	if (n != 13 || !all_digits(v, n)) {
		snprintf(err, errlen, "'%.*s' is not a GLN (13 digits)", (int)(n > 40 ? 40 : n), v);
		return -1;
	}
	if (!code_gs1_check_ok(v, 13)) {
		snprintf(err, errlen, "%.13s has a wrong check digit (expected %c)", v,
			 code_gs1_check(v, 12));
		return -1;
	}
	return 0;
}

/* A region (行政区划): a six-digit administrative division code of GB/T
 * 2260, its first two digits a province-level division. */
static int check_region(const char *v, size_t n, char *err, size_t errlen)
{
	static const char provinces[] = "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 "
					"44 45 46 50 51 52 53 54 61 62 63 64 65 71 81 82";
	if (n != 6 || !all_digits(v, n)) {
		snprintf(err, errlen, "'%.*s' is not a region code (行政区划: 6 digits, e.g. "
			 "110105)", (int)(n > 40 ? 40 : n), v);
		return -1;
	}
	for (size_t i = 0; i + 2 <= sizeof provinces - 1; i += 3)	/* "NN " each */
		if (provinces[i] == v[0] && provinces[i + 1] == v[1])
			return 0;
	snprintf(err, errlen, "region %.6s: %.2s is no province-level division of GB/T 2260",
		 v, v);
	return -1;
}

static int check_units(const char *v, size_t n, char *err, size_t errlen)
{
	/* A sale sells at most a pack: the same limit as DISPENSE's QTY. */
	if (!all_digits(v, n) || n > 7 || atol(v) < 1 || atol(v) > CMD_SALE_QTY_MAX) {
		snprintf(err, errlen, "'%.*s' is not a whole number from 1 to %d",
			 (int)(n > 40 ? 40 : n), v, CMD_SALE_QTY_MAX);
		return -1;
	}
	return 0;
}

static int check_nhsa(const char *v, size_t n, char *err, size_t errlen)
{
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)v[i])) {
			snprintf(err, errlen, "'%.*s' is not an NHSA code (letters and digits)",
				 (int)(n > 40 ? 40 : n), v);
			return -1;
		}
	if (n == 0 || n > 32) {
		snprintf(err, errlen, "must be 1 to 32 letters and digits");
		return -1;
	}
	return 0;
}


static int check_category(const char *v, size_t n, char *err, size_t errlen)
{
	if (category_of(v, n) != CAT_NONE)
		return 0;
	int w = snprintf(err, errlen, "'%.*s' is not one of ", (int)(n > 40 ? 40 : n), v);
	for (int c = CAT_ORDINARY; c < CAT__COUNT && w > 0 && (size_t)w < errlen; c++)
		w += snprintf(err + w, errlen - (size_t)w, "%s%s", c > CAT_ORDINARY ? ", " : "",
			      category_name((enum category)c));
	return -1;
}

/* Province-level abbreviations (简称) that open provincial numbers: licences
 * and provincial device registrations and filings. */
static const char *const province_abbrevs[] = {
	"京", "津", "冀", "晋", "蒙", "辽", "吉", "黑", "沪", "苏", "浙", "皖", "闽", "赣",
	"鲁", "豫", "鄂", "湘", "粤", "桂", "琼", "渝", "川", "蜀", "贵", "黔", "云", "滇",
	"藏", "陕", "秦", "甘", "陇", "青", "宁", "新", "兵", NULL
};

/* The length of the province abbreviation v starts with, or 0. */
static size_t province_prefix(const char *v, size_t n)
{
	for (int i = 0; province_abbrevs[i]; i++) {
		size_t k = strlen(province_abbrevs[i]);
		if (n >= k && memcmp(v, province_abbrevs[i], k) == 0)
			return k;
	}
	return 0;
}

static bool starts(const char *v, size_t n, const char *prefix)
{
	size_t k = strlen(prefix);
	return n >= k && memcmp(v, prefix, k) == 0;
}

/* A registration number's digits: 4-digit year, class 1 to 3, 2-digit
 * category, 4-digit serial. */
static bool device_digits(const char *d, size_t n)
{
	return n == 11 && all_digits(d, n) && (d[0] == '1' || d[0] == '2') &&
	       d[4] >= '1' && d[4] <= '3';
}

/* 批准文号 / 注册证号 / 备案号 (DOMAIN.md §11): 国药准字 + H, Z, S, J, B, T
 * or F (or HJ, SJ, ZJ, HC, SC, ZC) + 8 digits; 国械注准/进/许 or X械注准 +
 * year, class, category, serial (11 digits); X械备 + year and serial (8). */
static int check_approval(const char *v, size_t n, char *err, size_t errlen)
{
	static const char *const drug_letters[] = { "HJ", "SJ", "ZJ", "HC", "SC", "ZC", "H", "Z",
						    "S", "J", "B", "T", "F", NULL };
	const char *what = "an approval number (国药准字H20203456, 国械注准20153460001, "
			   "京械注准20152010001 or 京械备20150001)";
	if (starts(v, n, "国药准字")) {
		size_t p = strlen("国药准字");
		for (int i = 0; drug_letters[i]; i++) {
			size_t k = strlen(drug_letters[i]);
			if (n == p + k + 8 && memcmp(v + p, drug_letters[i], k) == 0 &&
			    all_digits(v + p + k, 8))
				return 0;
		}
		snprintf(err, errlen, "'%.*s': 国药准字 takes a letter (H, Z, S, J, B, T, F; "
			 "HJ, SJ, ZJ, HC, SC, ZC imported) and 8 digits", (int)(n > 60 ? 60 : n), v);
		return -1;
	}
	if (starts(v, n, "国械注准") || starts(v, n, "国械注进") || starts(v, n, "国械注许")) {
		size_t p = strlen("国械注准");
		if (device_digits(v + p, n - p))
			return 0;
		snprintf(err, errlen, "'%.*s': a device registration takes 11 digits (year, class "
			 "1-3, category, serial)", (int)(n > 60 ? 60 : n), v);
		return -1;
	}
	size_t prov = province_prefix(v, n);
	if (prov && starts(v + prov, n - prov, "械注准")) {
		size_t p = prov + strlen("械注准");
		if (device_digits(v + p, n - p))
			return 0;
		snprintf(err, errlen, "'%.*s': a provincial device registration takes 11 digits "
			 "(year, class, category, serial)", (int)(n > 60 ? 60 : n), v);
		return -1;
	}
	if (prov && starts(v + prov, n - prov, "械备")) {
		size_t p = prov + strlen("械备");
		if (n - p == 8 && all_digits(v + p, 8) && (v[p] == '1' || v[p] == '2'))
			return 0;
		snprintf(err, errlen, "'%.*s': a class I device filing takes 8 digits (year, "
			 "serial)", (int)(n > 60 ? 60 : n), v);
		return -1;
	}
	snprintf(err, errlen, "'%.*s' is not %s", (int)(n > 60 ? 60 : n), v, what);
	return -1;
}

/* 药品生产/经营许可证号: formats vary by province; the known part is the
 * province abbreviation that opens it, then letters and digits. */
static int check_licence(const char *v, size_t n, char *err, size_t errlen)
{
	size_t prov = province_prefix(v, n);
	if (prov == 0) {
		snprintf(err, errlen, "'%.*s' does not open with a province abbreviation "
			 "(京, 沪, 粤, ...)", (int)(n > 60 ? 60 : n), v);
		return -1;
	}
	for (size_t i = prov; i < n; i++)
		if (!isalnum((unsigned char)v[i])) {
			snprintf(err, errlen, "'%.*s': after the province, letters and digits only",
				 (int)(n > 60 ? 60 : n), v);
			return -1;
		}
	if (n == prov) {
		snprintf(err, errlen, "'%.*s' has no number after the province", (int)n, v);
		return -1;
	}
	return 0;
}

static int check_date(const char *v, size_t n, char *err, size_t errlen)
{
	char buf[16];	/* args_date takes a request's word, which is writable */
	struct resp_arg a = { .ptr = buf, .len = n < sizeof buf ? n : sizeof buf - 1 };
	memcpy(buf, v, a.len);
	buf[a.len] = '\0';
	uint32_t ymd;
	return args_date(&a, &ymd, err, errlen);
}

int master_celsius_tenths(const char *v, size_t n, int32_t *out)
{
	size_t i = 0;
	bool neg = n > 0 && v[0] == '-';
	i += neg;
	int32_t whole = 0, tenth = 0;
	size_t start = i;
	for (; i < n && v[i] >= '0' && v[i] <= '9' && i - start < 4; i++)
		whole = whole * 10 + (v[i] - '0');
	if (i == start)
		return -1;
	if (i < n && v[i] == '.') {
		if (i + 2 != n || v[i + 1] < '0' || v[i + 1] > '9')
			return -1;
		tenth = v[i + 1] - '0';
		i += 2;
	}
	if (i != n)
		return -1;
	*out = (neg ? -1 : 1) * (whole * 10 + tenth);
	return 0;
}

static int check_celsius(const char *v, size_t n, char *err, size_t errlen)
{
	int32_t dc;
	if (master_celsius_tenths(v, n, &dc) != 0 || dc < -2000 || dc > 1000) {
		snprintf(err, errlen, "'%.*s' is not a temperature in °C from -200 to 100 (at most "
			 "one decimal, e.g. 2, -20, 2.5)", (int)(n > 40 ? 40 : n), v);
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------------- ids */

static int site_id(const char *in, size_t n, char *out, char *err, size_t errlen)
{
	if (n == 0 || n > MASTER_ID_MAX) {
		snprintf(err, errlen, "site id must be 1 to %d characters", MASTER_ID_MAX);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)in[i];
		if (!isalnum(c) && c != '.' && c != '_' && c != ':' && c != '-') {
			snprintf(err, errlen,
				 "site id '%.*s' has '%c'; use letters, digits and . _ : -",
				 (int)n, in, isprint(c) ? c : '?');
			return -1;
		}
	}
	memcpy(out, in, n);
	out[n] = '\0';
	return 0;
}

/* Product ids as they appear in codes: the CN 7-digit product prefix, a
 * GTIN (stored as GTIN-14), an HIBC UDI-DI ("+" LIC, product number, unit
 * of measure) or a ZIIOT MA-code UDI-DI ("MA." ...). */
/* A UDI-DI as scans name their product (cr_product): an HIBC primary with
 * its check character, or an MA DI without serial or lot.  Anything else
 * would be a product no scan can ever match. */
static int udi_di(const char *in, size_t n, char *out, char *err, size_t errlen)
{
	const struct code_opts opts = { .co_ref_year = 2000 };	/* no dates here */
	struct code_result r;
	enum code_err e = code_parse(in, n, &opts, &r);
	if (e == CODE_E_NO_SERIAL && strlen(r.cr_product) == n && memcmp(r.cr_product, in, n) == 0) {
		memcpy(out, in, n);
		out[n] = '\0';
		return 0;
	}
	if (e == CODE_OK)
		snprintf(err, errlen, "product id '%.*s' is the code of a unit (it carries a serial "
			 "or lot); a product is named by its DI alone: %s", (int)(n > 40 ? 40 : n),
			 in, r.cr_product);
	else
		snprintf(err, errlen, "product id '%.*s' is not a UDI-DI as scans carry it (an HIBC "
			 "primary with its check character, or an MA DI): %s",
			 (int)(n > 40 ? 40 : n), in, r.cr_msg);
	return -1;
}

static int product_id(const char *in, size_t n, char *out, char *err, size_t errlen)
{
	if (all_digits(in, n)) {
		if (n == 7) {
			memcpy(out, in, n);
			out[n] = '\0';
			return 0;
		}
		if (n == 8 || n == 12 || n == 13 || n == 14) {
			if (!code_gs1_check_ok(in, n)) {
				snprintf(err, errlen,
					 "GTIN %.*s has a wrong check digit (expected %c)",
					 (int)n, in, code_gs1_check(in, n - 1));
				return -1;
			}
			memset(out, '0', 14 - n);
			memcpy(out + 14 - n, in, n);
			out[14] = '\0';
			return 0;
		}
	} else if ((n >= 6 && n <= 24 && in[0] == '+') ||
		   (n > 3 && n <= MASTER_ID_MAX && strncmp(in, "MA.", 3) == 0)) {
		return udi_di(in, n, out, err, errlen);
	}
	snprintf(err, errlen,
		 "product id '%.*s' is not a CN 7-digit product prefix, a GTIN "
		 "(8, 12, 13 or 14 digits) or a UDI-DI (+HIBC or MA.)",
		 (int)(n > 40 ? 40 : n), in);
	return -1;
}

/* ---------------------------------------------------------------- tables */

static const struct field site_fields[] = {
	{ "name", check_text, 200 },
	{ "kind", check_site_kind, 0 },
	{ "gln", check_gln, 0 },
	{ "region", check_region, 0 },	/* added later: older records lack it */
	/* the archive (一企一档): licence (药品生产/经营许可证) and contact */
	{ "licence", check_licence, 64 },
	{ "licence_valid_from", check_date, 0 },
	{ "licence_valid_until", check_date, 0 },
	{ "address", check_text, 200 },
	{ "contact", check_text, 100 },
};

static const struct field product_fields[] = {
	{ "name", check_text, 200 },
	{ "form", check_text, 64 },
	{ "strength", check_text, 64 },
	{ "units_per_pack", check_units, 0 },
	{ "holder", check_text, 200 },
	{ "kind", check_product_kind, 0 },
	{ "nhsa_code", check_nhsa, 0 },
	/* the archive (一品一档), categories and storage: appended, older
	 * records lack them */
	{ "category", check_category, 0 },
	{ "approval_number", check_approval, 64 },
	{ "storage_min_c", check_celsius, 0 },
	{ "storage_max_c", check_celsius, 0 },
};

const struct master_kind master_site = {
	"site", site_fields, (int)(sizeof site_fields / sizeof site_fields[0]),
	DB_SITES, DB_SITE_NUMS, site_id,
};

const struct master_kind master_product = {
	"product", product_fields, (int)(sizeof product_fields / sizeof product_fields[0]),
	DB_PRODUCTS, DB_PRODUCT_NUMS, product_id,
};

const char *master_what(const struct master_kind *k) { return k->what; }
int master_nfields(const struct master_kind *k) { return k->nfields; }
const char *master_field_name(const struct master_kind *k, int i) { return k->fields[i].name; }

int master_field_index(const struct master_kind *k, const char *name)
{
	for (int i = 0; i < k->nfields; i++)
		if (strcmp(k->fields[i].name, name) == 0)
			return i;
	return -1;
}

int master_normalize_id(const struct master_kind *k, const char *in, size_t n,
			char out[MASTER_ID_MAX + 1], char *err, size_t errlen)
{
	/* Said first, and without echoing the id: the messages below quote
	 * it, and a control character in a reply reaches a terminal. */
	struct text_fault f;
	if (text_check(in, n, &f) != 0) {
		char why[96];
		text_fault_describe(&f, why, sizeof why);
		snprintf(err, errlen, "%s id %s", k->what, why);
		return -1;
	}
	return k->normalize(in, n, out, err, errlen);
}

int master_apply(const struct master_kind *k, struct master_rec *rec,
		 int nargs, const struct resp_arg *args, char *err, size_t errlen)
{
	if (nargs % 2) {
		snprintf(err, errlen, "field '%.40s' has no value", args[nargs - 1].ptr);
		return -1;
	}
	for (int i = 0; i < nargs; i += 2) {
		const struct resp_arg *name = &args[i], *val = &args[i + 1];
		int f;
		for (f = 0; f < k->nfields; f++)
			if (strlen(k->fields[f].name) == name->len &&
			    strncasecmp(name->ptr, k->fields[f].name, name->len) == 0)
				break;
		if (f == k->nfields) {
			int w = snprintf(err, errlen, "unknown %s field '%.40s'; fields are ",
					 k->what, name->ptr);
			for (int j = 0; j < k->nfields && w > 0 && (size_t)w < errlen; j++)
				w += snprintf(err + w, errlen - (size_t)w, "%s%s", j ? ", " : "",
					      k->fields[j].name);
			return -1;
		}
		char why[160];
		const struct field *fd = &k->fields[f];
		struct text_fault tf;
		if (text_check(val->ptr, val->len, &tf) != 0) {
			text_fault_describe(&tf, why, sizeof why);
			snprintf(err, errlen, "%s %s", fd->name, why);
			return -1;
		}
		if (fd->check(val->ptr, val->len, why, sizeof why) != 0) {
			snprintf(err, errlen, "%s %s", fd->name, why);
			return -1;
		}
		if (fd->max && val->len > fd->max) {
			snprintf(err, errlen, "%s is %zu bytes; at most %zu", fd->name,
				 val->len, fd->max);
			return -1;
		}
		rec->val[f] = val->ptr;
		rec->len[f] = val->len;
	}
	return 0;
}

static uint32_t get_be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put_be32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

int master_load(struct store_txn *t, const struct master_kind *k, const char *id,
		struct master_rec *rec)
{
	const void *v;
	size_t n;
	memset(rec, 0, sizeof *rec);
	int rc = store_get(t, k->db, id, strlen(id), &v, &n);
	if (rc)
		return rc;
	const unsigned char *p = v, *end = p + n;
	if (n < 5 || p[0] != REC_FORMAT)
		return STORE_NOTFOUND;	/* not a record this build can read */
	rec->num = get_be32(p + 1);
	for (p += 5; p + 3 <= end;) {
		unsigned f = p[0];
		size_t len = (size_t)p[1] << 8 | p[2];
		p += 3;
		if (p + len > end)
			break;
		if (f < (unsigned)k->nfields) {	/* unknown fields: skipped */
			rec->val[f] = (const char *)p;
			rec->len[f] = len;
		}
		p += len;
	}
	return 0;
}

/* A stored id (the value of a *_nums or site_glns entry) into out:
 * 0, or STORE_CORRUPT for what no id can be. */
static int stored_id(enum store_db db, const void *key, size_t klen, const void *v, size_t n,
		     char out[MASTER_ID_MAX + 1])
{
	if (n == 0 || n > MASTER_ID_MAX || memchr(v, '\0', n) != NULL)
		return store_corrupt(db, key, klen, "not an id");
	memcpy(out, v, n);
	out[n] = '\0';
	return 0;
}

int master_num_id(struct store_txn *t, const struct master_kind *k, uint32_t num,
		  char id_out[MASTER_ID_MAX + 1])
{
	unsigned char key[4];
	const void *v;
	size_t n;
	put_be32(key, num);
	int rc = store_get(t, k->num_db, key, 4, &v, &n);
	return rc ? rc : stored_id(k->num_db, key, sizeof key, v, n, id_out);
}

int master_load_num(struct store_txn *t, const struct master_kind *k, uint32_t num,
		    char id_out[MASTER_ID_MAX + 1], struct master_rec *rec)
{
	int rc = master_num_id(t, k, num, id_out);
	return rc ? rc : master_load(t, k, id_out, rec);
}

/* A field of rec by name (kind k), or NULL with *n 0. */
static const char *field_of(const struct master_kind *k, const struct master_rec *rec,
			    const char *name, size_t *n)
{
	int f = master_field_index(k, name);
	*n = f >= 0 && rec->val[f] ? rec->len[f] : 0;
	return f >= 0 ? rec->val[f] : NULL;
}

int master_category(const struct master_rec *rec)
{
	size_t n;
	const char *v = field_of(&master_product, rec, "category", &n);
	return v ? category_of(v, n) : CAT_NONE;
}

static uint32_t ymd_of(const char *v, size_t n)
{
	char err[80];
	if (v == NULL || check_date(v, n, err, sizeof err) != 0)
		return 0;
	uint32_t ymd = 0;	/* YYYY-MM-DD, checked: the digits in order */
	for (size_t i = 0; i < 10; i++)
		if (v[i] != '-')
			ymd = ymd * 10 + (uint32_t)(v[i] - '0');
	return ymd;
}

uint32_t master_licence_until(const struct master_rec *rec)
{
	size_t n;
	const char *v = field_of(&master_site, rec, "licence_valid_until", &n);
	return ymd_of(v, n);
}

bool master_storage(const struct master_rec *rec, int32_t *min_dc, bool *has_min,
		    int32_t *max_dc, bool *has_max)
{
	size_t n, m;
	const char *lo = field_of(&master_product, rec, "storage_min_c", &n);
	const char *hi = field_of(&master_product, rec, "storage_max_c", &m);
	*has_min = lo && master_celsius_tenths(lo, n, min_dc) == 0;
	*has_max = hi && master_celsius_tenths(hi, m, max_dc) == 0;
	return *has_min || *has_max;
}

int master_check_record(const struct master_kind *k, const struct master_rec *rec, char *err,
			size_t errlen)
{
	if (k == &master_site) {
		size_t n, m;
		const char *a = field_of(k, rec, "licence_valid_from", &n);
		const char *b = field_of(k, rec, "licence_valid_until", &m);
		uint32_t from = ymd_of(a, n), until = ymd_of(b, m);
		if (from && until && from > until) {
			snprintf(err, errlen, "licence_valid_from %.*s is after licence_valid_until "
				 "%.*s", (int)n, a, (int)m, b);
			return -1;
		}
		return 0;
	}
	int32_t lo, hi;
	bool has_lo, has_hi;
	master_storage(rec, &lo, &has_lo, &hi, &has_hi);
	if (has_lo && has_hi && lo > hi) {
		size_t n, m;
		const char *a = field_of(k, rec, "storage_min_c", &n);
		const char *b = field_of(k, rec, "storage_max_c", &m);
		snprintf(err, errlen, "storage_min_c %.*s is above storage_max_c %.*s", (int)n, a,
			 (int)m, b);
		return -1;
	}
	return 0;
}

uint32_t master_units_per_pack(const struct master_rec *rec)
{
	/* field 3 of a product; checked to be 1..1000000 when set */
	if (rec->val[3] == NULL || rec->len[3] == 0 || rec->len[3] > 7)
		return 1;
	uint32_t v = 0;
	for (size_t i = 0; i < rec->len[3]; i++)
		v = v * 10 + (uint32_t)(rec->val[3][i] - '0');
	return v ? v : 1;
}

int master_store(struct store_txn *t, const struct master_kind *k, const char *id,
		 struct master_rec *rec)
{
	/* Encode first: rec's values may point into the store, and pointers
	 * into the store do not survive a write. */
	unsigned char out[REC_MAX];
	size_t n = 5;
	out[0] = REC_FORMAT;
	for (int f = 0; f < k->nfields; f++) {
		if (rec->val[f] == NULL)
			continue;
		if (n + 3 + rec->len[f] > sizeof out)
			abort();	/* fields are bounded far below REC_MAX */
		out[n] = (unsigned char)f;
		out[n + 1] = (unsigned char)(rec->len[f] >> 8);
		out[n + 2] = (unsigned char)rec->len[f];
		memcpy(out + n + 3, rec->val[f], rec->len[f]);
		n += 3 + rec->len[f];
	}
	int rc;
	size_t idlen = strlen(id);
	if (rec->num == 0) {
		if ((rc = store_next_id(t, k->what, &rec->num)) != 0)
			return rc;
		unsigned char key[4];
		put_be32(key, rec->num);
		if ((rc = store_put(t, k->num_db, key, 4, id, idlen)) != 0)
			return rc;
	}
	put_be32(out + 1, rec->num);
	return store_put(t, k->db, id, idlen, out, n);
}

int master_site_by_gln(struct store_txn *t, const char *gln, char id[MASTER_ID_MAX + 1])
{
	const void *v;
	size_t n;
	int rc = store_get(t, DB_SITE_GLNS, gln, MASTER_GLN_LEN, &v, &n);
	return rc ? rc : stored_id(DB_SITE_GLNS, gln, MASTER_GLN_LEN, v, n, id);
}

int master_gln_set(struct store_txn *t, const char *gln, const char *id)
{
	return store_put(t, DB_SITE_GLNS, gln, MASTER_GLN_LEN, id, strlen(id));
}

int master_gln_del(struct store_txn *t, const char *gln)
{
	int rc = store_del(t, DB_SITE_GLNS, gln, MASTER_GLN_LEN);
	return rc == STORE_NOTFOUND ? 0 : rc;
}
