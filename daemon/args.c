/*
 * args — values of command arguments: times, dates, numbers, text, sites.
 */
#include "args.h"
#include "master.h"
#include "store.h"
#include "text.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

int args_text(const struct resp_arg *a, const char *what, char *err, size_t errlen)
{
	struct text_fault f;
	if (text_check(a->ptr, a->len, &f) == 0)
		return 0;
	char why[96];
	text_fault_describe(&f, why, sizeof why);
	snprintf(err, errlen, "%s %s", what, why);
	return -1;
}

static int digits(const char *s, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

static int days_in_month(int y, int m)
{
	static const int d[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return m == 2 && leap ? 29 : d[m - 1];
}

int64_t args_days(uint32_t ymd)
{
	/* Days from the civil date: count 400-year eras, then days in the era
	 * with March as the first month so the leap day comes last. */
	int64_t y = ymd / 10000, m = ymd / 100 % 100, d = ymd % 100;
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int parse_ymd(const char *s, size_t n, uint32_t *ymd)
{
	int y, m, d;
	if (n < 10 || s[4] != '-' || s[7] != '-' || digits(s, 4, &y) || digits(s + 5, 2, &m) ||
	    digits(s + 8, 2, &d) || y < 1970 || m < 1 || m > 12 || d < 1 ||
	    d > days_in_month(y, m))
		return -1;
	*ymd = (uint32_t)(y * 10000 + m * 100 + d);
	return 0;
}

int args_date(const struct resp_arg *a, uint32_t *ymd, char *err, size_t errlen)
{
	if (a->len != 10 || parse_ymd(a->ptr, a->len, ymd) != 0) {
		snprintf(err, errlen, "'%.40s' is not a date (YYYY-MM-DD)", a->ptr);
		return -1;
	}
	return 0;
}

int args_time(const struct resp_arg *a, int64_t *ms, char *err, size_t errlen)
{
	const char *s = a->ptr;
	size_t n = a->len;
	uint32_t ymd;
	int hh, mi, ss, frac = 0, off = 0;
	if (parse_ymd(s, n, &ymd) != 0 || n < 20 || (s[10] != 'T' && s[10] != ' ') ||
	    s[13] != ':' || s[16] != ':' || digits(s + 11, 2, &hh) || digits(s + 14, 2, &mi) ||
	    digits(s + 17, 2, &ss) || hh > 23 || mi > 59 || ss > 60)
		goto bad;
	size_t i = 19;
	if (i < n && s[i] == '.') {
		int scale = 100;
		for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
			frac += (s[i] - '0') * scale;
			scale /= 10;
		}
	}
	if (i + 1 == n && (s[i] == 'Z' || s[i] == 'z')) {
		off = 0;
	} else if (i + 6 == n && (s[i] == '+' || s[i] == '-') && s[i + 3] == ':') {
		int oh, om;
		if (digits(s + i + 1, 2, &oh) || digits(s + i + 4, 2, &om) || oh > 14 || om > 59)
			goto bad;
		off = (oh * 60 + om) * (s[i] == '-' ? -1 : 1);
	} else {
		goto bad;
	}
	*ms = ((args_days(ymd) * 86400 + hh * 3600 + mi * 60 + ss) - (int64_t)off * 60) * 1000 +
	      frac;
	return 0;
bad:
	snprintf(err, errlen, "'%.40s' is not an ISO 8601 time with offset "
		 "(e.g. 2026-11-22T10:30:00+08:00)", s);
	return -1;
}

int args_uint(const struct resp_arg *a, const char *what, uint32_t min, uint32_t max,
	      uint32_t *out, char *err, size_t errlen)
{
	uint64_t v = 0;
	bool ok = a->len > 0 && a->len <= 10;
	for (size_t i = 0; ok && i < a->len; i++) {
		ok = a->ptr[i] >= '0' && a->ptr[i] <= '9';
		v = v * 10 + (uint64_t)(a->ptr[i] - '0');
	}
	if (!ok || v < min || v > max) {
		snprintf(err, errlen, "%s '%.20s' is not a whole number from %u to %u", what,
			 a->ptr, min, max);
		return -1;
	}
	*out = (uint32_t)v;
	return 0;
}

/* A GLN given as 13 digits, as an SGLN/PGLN URN or as a GS1 Digital Link
 * (/414/, /417/: EPCIS locations and parties): the GLN's digits into
 * gln[14], or false. */
static bool gln_of(const struct resp_arg *a, char gln[14])
{
	bool digits = a->len == 13;
	for (size_t i = 0; digits && i < 13; i++)
		digits = a->ptr[i] >= '0' && a->ptr[i] <= '9';
	if (digits) {
		memcpy(gln, a->ptr, 13);
		gln[13] = '\0';
		return true;
	}
	/* Location ids carry no dates: any reference year reads them. */
	const struct code_opts opts = { .co_ref_year = 2000 };
	struct code_result r;
	bool uri = (a->len > 8 && strncasecmp(a->ptr, "urn:epc:", 8) == 0) ||
		   (a->len > 7 && strncasecmp(a->ptr, "http://", 7) == 0) ||
		   (a->len > 8 && strncasecmp(a->ptr, "https://", 8) == 0);
	if (uri && code_parse(a->ptr, a->len, &opts, &r) == CODE_OK &&
	    (r.cr_type == CODE_SGLN || r.cr_type == CODE_PGLN) && strlen(r.cr_product) == 13) {
		memcpy(gln, r.cr_product, 14);
		return true;
	}
	return false;
}

int args_site(struct store_txn *t, const struct resp_arg *given, uint32_t *num,
	      char *err, size_t errlen)
{
	struct master_rec rec;
	int rc = args_site_record(t, given, &rec, err, errlen);
	if (rc == 0)
		*num = rec.num;
	return rc;
}

int args_site_record(struct store_txn *t, const struct resp_arg *given,
		     struct master_rec *out, char *err, size_t errlen)
{
	char id[MASTER_ID_MAX + 1], gln[14];
	struct master_rec rec;
	int rc = STORE_NOTFOUND;
	struct resp_arg bare = *given;
	const struct resp_arg *a = &bare;
	/* The URI EPCIS documents name a site without a GLN by (epcis_query.h). */
	if (bare.len > sizeof ARGS_SITE_URN - 1 &&
	    strncmp(bare.ptr, ARGS_SITE_URN, sizeof ARGS_SITE_URN - 1) == 0) {
		bare.ptr += sizeof ARGS_SITE_URN - 1;
		bare.len -= sizeof ARGS_SITE_URN - 1;
	}
	if (master_normalize_id(&master_site, a->ptr, a->len, id, err, errlen) == 0)
		rc = master_load(t, &master_site, id, &rec);
	else if (!gln_of(a, gln))
		return -1;
	if (rc == STORE_NOTFOUND && gln_of(a, gln)) {
		rc = master_site_by_gln(t, gln, id);
		if (rc == STORE_NOTFOUND) {
			snprintf(err, errlen, "no site has GLN %s (give sites their gln with SITE SET)",
				 gln);
			return -1;
		}
		if (rc)
			return rc;
		rc = master_load(t, &master_site, id, &rec);
	}
	if (rc == STORE_NOTFOUND) {
		snprintf(err, errlen, "unknown site '%s' (add it with SITE SET)", id);
		return -1;
	}
	if (rc)
		return rc;
	*out = rec;
	return 0;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d);

void args_code_opts(int64_t now_ms, struct code_opts *o)
{
	int64_t secs = now_ms / 1000 - (now_ms % 1000 < 0);
	int64_t days = secs / 86400 - (secs % 86400 < 0), y;
	unsigned m, d;
	civil_from_days(days, &y, &m, &d);
	*o = (struct code_opts){ .co_ref_year = (int)y };
}

int args_code(const struct resp_arg *a, int64_t now_ms, struct code_result *r,
	      char *err, size_t errlen)
{
	struct code_opts opts;
	args_code_opts(now_ms, &opts);
	if (code_parse(a->ptr, a->len, &opts, r) != CODE_OK) {
		snprintf(err, errlen, "%s", r->cr_msg);
		return -1;
	}
	return 0;
}

/* The civil date of a day number (days since 1970-01-01): the inverse of
 * args_days, same eras. */
static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

/* n decimal digits of v, zero-padded, at p. */
static char *put_digits(char *p, unsigned v, int n)
{
	for (int i = n - 1; i >= 0; i--) {
		p[i] = (char)('0' + v % 10);
		v /= 10;
	}
	return p + n;
}

/* YYYY-MM-DD at p (a year of 0..9999). */
static char *put_date(char *p, unsigned y, unsigned m, unsigned d)
{
	p = put_digits(p, y, 4);
	*p++ = '-';
	p = put_digits(p, m, 2);
	*p++ = '-';
	return put_digits(p, d, 2);
}

void args_format_time(int64_t ms, char out[32])
{
	int64_t secs = ms / 1000, frac = ms % 1000;
	if (frac < 0) {
		frac += 1000;
		secs--;
	}
	int64_t days = secs / 86400, sod = secs % 86400;
	if (sod < 0) {
		sod += 86400;
		days--;
	}
	int64_t y;
	unsigned m, d;
	civil_from_days(days, &y, &m, &d);
	if (y < 0 || y > 9999) {	/* not four digits: the library's way */
		time_t t = (time_t)secs;
		struct tm tm;
		gmtime_r(&t, &tm);
		size_t n = strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
		snprintf(out + n, 32 - n, ".%03dZ", (int)frac);
		return;
	}
	char *p = put_date(out, (unsigned)y, m, d);
	*p++ = 'T';
	p = put_digits(p, (unsigned)(sod / 3600), 2);
	*p++ = ':';
	p = put_digits(p, (unsigned)(sod / 60 % 60), 2);
	*p++ = ':';
	p = put_digits(p, (unsigned)(sod % 60), 2);
	*p++ = '.';
	p = put_digits(p, (unsigned)frac, 3);
	*p++ = 'Z';
	*p = '\0';
}

void args_format_date(uint32_t ymd, char out[11])
{
	if (ymd == 0)
		out[0] = '\0';
	else
		*put_date(out, ymd / 10000 % 10000, ymd / 100 % 100, ymd % 100) = '\0';
}
