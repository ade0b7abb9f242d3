/*
 * load.c — what the CSV and EPCIS readers share: record kinds and field
 * names, the table of which fields each kind of event requires and allows,
 * and the syntax checks of times, dates, counts and codes.
 *
 * The checks are written for speed as much as for precision: the CSV reader
 * runs them on millions of rows a second, so they scan fixed positions and
 * never allocate.
 */
#include "load_int.h"

#include <stdio.h>
#include <string.h>

#include "code_util.h"

static const char *const kind_names[] = {
	[LOAD_SITE] = "site",           [LOAD_PRODUCT] = "product",
	[LOAD_COMMISSION] = "commission", [LOAD_PACK] = "pack",
	[LOAD_UNPACK] = "unpack",       [LOAD_SHIP] = "ship",
	[LOAD_RECEIVE] = "receive",     [LOAD_RETURN] = "return",
	[LOAD_DESTROY] = "destroy",     [LOAD_DISPENSE] = "dispense",
	[LOAD_TRANSFORM] = "transform",
};

static const char *const field_names[LOAD_F__COUNT] = {
	[LOAD_F_SITE] = "site",         [LOAD_F_NAME] = "name",
	[LOAD_F_KIND] = "kind",         [LOAD_F_GLN] = "gln",
	[LOAD_F_PRODUCT] = "product",   [LOAD_F_UNITS_PER_PACK] = "units_per_pack",
	[LOAD_F_FORM] = "form",         [LOAD_F_STRENGTH] = "strength",
	[LOAD_F_HOLDER] = "holder",     [LOAD_F_NHSA_CODE] = "nhsa_code",
	[LOAD_F_TIME] = "time",         [LOAD_F_CODE] = "code",
	[LOAD_F_PARENT] = "parent",     [LOAD_F_LOT] = "lot",
	[LOAD_F_EXPIRY] = "expiry",     [LOAD_F_LEVEL] = "level",
	[LOAD_F_FROM] = "from",         [LOAD_F_TO] = "to",
	[LOAD_F_REF] = "ref",           [LOAD_F_QTY] = "qty",
	[LOAD_F_REGION] = "region",     [LOAD_F_LICENCE] = "licence",
	[LOAD_F_LICENCE_VALID_FROM] = "licence_valid_from",
	[LOAD_F_LICENCE_VALID_UNTIL] = "licence_valid_until",
	[LOAD_F_ADDRESS] = "address",   [LOAD_F_CONTACT] = "contact",
	[LOAD_F_CATEGORY] = "category", [LOAD_F_APPROVAL_NUMBER] = "approval_number",
	[LOAD_F_STORAGE_MIN_C] = "storage_min_c", [LOAD_F_STORAGE_MAX_C] = "storage_max_c",
	[LOAD_F_TEMP] = "temp",
	[LOAD_F_INPUTS] = "inputs",     [LOAD_F_OUTPUTS] = "outputs",
};

const char *load_kind_name(enum load_kind kind)
{
	if ((unsigned)kind < sizeof(kind_names) / sizeof(kind_names[0]))
		return kind_names[kind];
	return "?";
}

const char *load_field_name(enum load_field field)
{
	if ((unsigned)field < LOAD_F__COUNT)
		return field_names[field];
	return "?";
}

int load_event_kind(const char *s, size_t n)
{
	for (int k = LOAD_COMMISSION; k <= LOAD_TRANSFORM; k++)
		if (strlen(kind_names[k]) == n && memcmp(kind_names[k], s, n) == 0)
			return k;
	return -1;
}

#define B LOAD_BIT
/* What each event kind needs; the server's commands take the rest as
 * options (PROTOCOL.md).  Sites and products are checked by the CSV
 * reader itself. */
uint64_t load_required(enum load_kind kind)
{
	switch (kind) {
	case LOAD_COMMISSION: return B(LOAD_F_CODE) | B(LOAD_F_FROM);
	case LOAD_PACK:
	case LOAD_UNPACK:     return B(LOAD_F_CODE) | B(LOAD_F_PARENT) | B(LOAD_F_FROM);
	case LOAD_SHIP:       /* to: may be unknown (EPCIS without destinationList) */
	                      return B(LOAD_F_CODE) | B(LOAD_F_FROM);
	case LOAD_RETURN:     return B(LOAD_F_CODE) | B(LOAD_F_FROM) | B(LOAD_F_TO);
	case LOAD_RECEIVE:    return B(LOAD_F_CODE) | B(LOAD_F_TO);
	case LOAD_DESTROY:
	case LOAD_DISPENSE:   return B(LOAD_F_CODE) | B(LOAD_F_FROM);
	case LOAD_TRANSFORM:  return B(LOAD_F_INPUTS) | B(LOAD_F_OUTPUTS) | B(LOAD_F_FROM) |
	                             B(LOAD_F_LOT) | B(LOAD_F_EXPIRY);
	default:              return 0;
	}
}

uint64_t load_allowed(enum load_kind kind)
{
	uint64_t t = B(LOAD_F_TIME) | load_required(kind);

	switch (kind) {
	case LOAD_COMMISSION:
		return t | B(LOAD_F_PRODUCT) | B(LOAD_F_LOT) | B(LOAD_F_EXPIRY) |
		       B(LOAD_F_LEVEL) | B(LOAD_F_QTY);
	case LOAD_SHIP:       return t | B(LOAD_F_TO) | B(LOAD_F_REF) | B(LOAD_F_TEMP);
	case LOAD_RETURN:     return t | B(LOAD_F_REF) | B(LOAD_F_TEMP);
	case LOAD_DESTROY:    return t | B(LOAD_F_REF);
	case LOAD_RECEIVE:    return t | B(LOAD_F_FROM) | B(LOAD_F_REF) | B(LOAD_F_TEMP);
	case LOAD_DISPENSE:   return t | B(LOAD_F_REF) | B(LOAD_F_QTY);
	case LOAD_TRANSFORM:  return t | B(LOAD_F_PRODUCT) | B(LOAD_F_REF);
	default:              return t;
	}
}
#undef B

void load_msgf(char *buf, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, LOAD_MSG_MAX, fmt, ap);
	va_end(ap);
}

void load_warnf(const struct load_opts *opts, const char *fmt, ...)
{
	char msg[LOAD_MSG_MAX];
	va_list ap;

	if (opts == NULL || opts->lo_warn == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	opts->lo_warn(opts->lo_warn_arg, msg);
}

const char *load_quote(const char *p, size_t n, char *buf, size_t cap)
{
	return code_quote(p, n, buf, cap);
}

void load_rec_clear(struct load_rec *rec)
{
	memset(rec->f, 0, sizeof(rec->f));
	memset(rec->len, 0, sizeof(rec->len));
}

/* n decimal digits at p into *v; false if any is not a digit. */
static inline bool num(const char *p, int n, int *v)
{
	int x = 0;

	for (int i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return false;
		x = x * 10 + (p[i] - '0');
	}
	*v = x;
	return true;
}

/* "YYYY-MM-DD" at s (10 bytes available), a real date. */
static bool ymd_ok(const char *s)
{
	int y, m, d;

	return num(s, 4, &y) && s[4] == '-' && num(s + 5, 2, &m) && s[7] == '-' &&
	       num(s + 8, 2, &d) && m >= 1 && m <= 12 && d >= 1 &&
	       d <= code_days_in_month(y, m);
}

int load_check_time(const char *s, size_t n, char *why)
{
	char q[64];
	size_t i = 19;
	int hh, mi, ss, oh, om;

	if (n < 20 || !ymd_ok(s) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
	    !num(s + 11, 2, &hh) || s[13] != ':' || !num(s + 14, 2, &mi) ||
	    s[16] != ':' || !num(s + 17, 2, &ss) || hh > 23 || mi > 59 || ss > 60)
		goto bad;
	if (s[i] == '.') {
		size_t d = ++i;

		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
		if (i == d || i - d > 9)
			goto bad;
	}
	if (i + 1 == n && (s[i] == 'Z' || s[i] == 'z'))
		return 0;
	if (i + 6 == n && (s[i] == '+' || s[i] == '-') && num(s + i + 1, 2, &oh) &&
	    s[i + 3] == ':' && num(s + i + 4, 2, &om) && oh <= 14 && om <= 59)
		return 0;
bad:
	load_msgf(why, "'%s' is not an ISO 8601 time with offset",
	          load_quote(s, n, q, sizeof(q)));
	return -1;
}

int load_check_date(const char *s, size_t n, char *why)
{
	char q[64];

	if (n == 10 && ymd_ok(s))
		return 0;
	load_msgf(why, "'%s' is not a date (YYYY-MM-DD)",
	          load_quote(s, n, q, sizeof(q)));
	return -1;
}

int load_check_count(const char *s, size_t n, unsigned long min,
                     unsigned long max, char *why)
{
	char q[64];
	unsigned long v = 0;
	bool ok = n > 0 && n <= 10;

	for (size_t i = 0; ok && i < n; i++) {
		ok = s[i] >= '0' && s[i] <= '9';
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (ok && v >= min && v <= max)
		return 0;
	load_msgf(why, "'%s' is not a whole number from %lu to %lu",
	          load_quote(s, n, q, sizeof(q)), min, max);
	return -1;
}

int load_check_code(const char *s, size_t n, const struct code_opts *opts,
                    char *why)
{
	struct code_result r;
	char q[64];

	if (code_parse(s, n, opts, &r) != CODE_OK) {
		load_msgf(why, "%s", r.cr_msg);
		return -1;
	}
	if (r.cr_type == CODE_SGLN || r.cr_type == CODE_PGLN) {
		load_msgf(why, "'%s' is a location or party (GLN), not an item",
		          load_quote(s, n, q, sizeof(q)));
		return -1;
	}
	return 0;
}
