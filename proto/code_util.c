/*
 * code_util.c — small pieces every identifier codec needs: error messages
 * that quote the scan safely, GS1 character sets and mod-10 check digits,
 * two-digit-year dates with GS1's century rule and DD = 00, and key
 * building.  Pure C, no allocation.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "code_util.h"

enum code_err code_fail(struct code_ctx *ctx, enum code_err err, size_t pos,
                        const char *fmt, ...)
{
	struct code_result *out = ctx->out;
	va_list ap;

	out->cr_err = err;
	out->cr_err_pos = pos;
	out->cr_type = CODE_NONE;
	out->cr_key_len = 0;
	va_start(ap, fmt);
	vsnprintf(out->cr_msg, sizeof(out->cr_msg), fmt, ap);
	va_end(ap);
	return err;
}

const char *code_quote(const char *p, size_t n, char *buf, size_t cap)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0, shown = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];
		size_t need = (c >= 0x20 && c < 0x7f) ? 1 : 4;

		if (shown >= 40 || o + need + 4 > cap) {
			memcpy(buf + o, "...", 3);
			o += 3;
			break;
		}
		if (need == 1) {
			buf[o++] = (char)c;
		} else {
			buf[o++] = '\\';
			buf[o++] = 'x';
			buf[o++] = hex[c >> 4];
			buf[o++] = hex[c & 15];
		}
		shown++;
	}
	buf[o] = '\0';
	return buf;
}

bool code_is_cset82(int c)
{
	if (code_is_alnum(c))
		return true;
	switch (c) {
	case '!': case '"': case '%': case '&': case '\'': case '(': case ')':
	case '*': case '+': case ',': case '-': case '.': case '/': case ':':
	case ';': case '<': case '=': case '>': case '?': case '_':
		return true;
	default:
		return false;
	}
}

bool code_is_cset39(int c)
{
	return code_is_digit(c) || code_is_upper(c) || c == '#' || c == '-' ||
	       c == '/';
}

bool code_all_digits(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!code_is_digit(p[i]))
			return false;
	return true;
}

char code_gs1_check(const char *p, size_t n)
{
	unsigned sum = 0;

	/* Weights 3,1,3,... from the rightmost data digit. */
	for (size_t i = 0; i < n; i++) {
		unsigned d = (unsigned)(p[n - 1 - i] - '0');
		sum += (i & 1) ? d : 3 * d;
	}
	return (char)('0' + (10 - sum % 10) % 10);
}

bool code_gs1_check_ok(const char *p, size_t n)
{
	return n >= 2 && code_gs1_check(p, n - 1) == p[n - 1];
}

uint64_t code_digits_u64(const char *p, size_t n)
{
	uint64_t v = 0;

	for (size_t i = 0; i < n; i++)
		v = v * 10 + (uint64_t)(p[i] - '0');
	return v;
}

void code_u64_digits(uint64_t v, char *p, size_t n)
{
	while (n > 0) {
		p[--n] = (char)('0' + v % 10);
		v /= 10;
	}
}

void code_set_str(char *dst, size_t cap, const char *src, size_t n)
{
	if (n >= cap)
		n = cap - 1;
	if (n > 0)
		memcpy(dst, src, n);
	dst[n] = '\0';
}

static int hexval(int c)
{
	if (code_is_digit(c))
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

bool code_pct_decode(const char *p, size_t n, char *dst, size_t *dlen,
                     size_t *bad)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		if (p[i] != '%') {
			dst[o++] = p[i];
			continue;
		}
		int h = i + 2 < n ? hexval((unsigned char)p[i + 1]) : -1;
		int l = i + 2 < n ? hexval((unsigned char)p[i + 2]) : -1;

		if (h < 0 || l < 0) {
			*bad = i;
			return false;
		}
		dst[o++] = (char)(h * 16 + l);
		i += 2;
	}
	*dlen = o;
	return true;
}

bool code_prefix_ci(const char *p, size_t n, const char *prefix)
{
	size_t i = 0;

	for (; prefix[i] != '\0'; i++) {
		int c = i < n ? (unsigned char)p[i] : -1;

		if (c >= 'A' && c <= 'Z')
			c += 'a' - 'A';
		if (c != prefix[i])
			return false;
	}
	return true;
}

/* ---- dates ---- */

int code_days_in_month(int y, int m)
{
	static const unsigned char days[12] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};

	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return days[m - 1];
}

int code_century(struct code_ctx *ctx, int yy)
{
	if (ctx->year_cache == 0) {
		int y = ctx->ref_year;

		if (y <= 0) {
			/* Only when no reference year was given: results then
			 * depend on the clock, which the caller chose. */
			time_t now = time(NULL);
			struct tm tm;

			y = gmtime_r(&now, &tm) ? tm.tm_year + 1900 : 2000;
		}
		ctx->year_cache = y;
	}
	int cur = ctx->year_cache % 100;
	int century = ctx->year_cache - cur;
	int diff = yy - cur;

	if (diff >= 51)
		century -= 100;
	else if (diff <= -50)
		century += 100;
	return century + yy;
}

/* Check month m and day d of year y; NULL or a reason. */
static const char *check_md(int y, int m, int d, bool dd00)
{
	if (m < 1 || m > 12)
		return "month is not 01-12";
	if (d == 0 && !dd00)
		return "day 00 is not allowed here";
	if (d > code_days_in_month(y, m))
		return "day does not exist in that month";
	return NULL;
}

const char *code_yymmdd(struct code_ctx *ctx, const char *p, bool dd00,
                        struct code_date *d)
{
	if (!code_all_digits(p, 6))
		return "a date is six digits YYMMDD";
	int y = code_century(ctx, code_two(p));
	int m = code_two(p + 2), day = code_two(p + 4);
	const char *why = check_md(y, m, day, dd00);

	if (why == NULL && d != NULL) {
		d->cd_year = (uint16_t)y;
		d->cd_month = (uint8_t)m;
		/* DD = 00: the last day of that month. */
		d->cd_day = (uint8_t)(day ? day : code_days_in_month(y, m));
	}
	return why;
}

const char *code_yyyymmdd(const char *p, struct code_date *d)
{
	if (!code_all_digits(p, 8))
		return "a date is eight digits YYYYMMDD";
	int y = code_two(p) * 100 + code_two(p + 2);
	int m = code_two(p + 4), day = code_two(p + 6);
	const char *why = y == 0 ? "year 0000 is not a year" :
	                  check_md(y, m, day, false);

	if (why == NULL && d != NULL) {
		d->cd_year = (uint16_t)y;
		d->cd_month = (uint8_t)m;
		d->cd_day = (uint8_t)day;
	}
	return why;
}

const char *code_hhmm(const char *p)
{
	if (!code_all_digits(p, 4))
		return "a time is four digits HHMM";
	if (code_two(p) > 23)
		return "hour is not 00-23";
	if (code_two(p + 2) > 59)
		return "minute is not 00-59";
	return NULL;
}

int code_date_format(const struct code_date *d, char buf[11])
{
	if (d->cd_year == 0) {
		buf[0] = '\0';
		return 0;
	}
	code_u64_digits(d->cd_year, buf, 4);
	buf[4] = '-';
	code_u64_digits(d->cd_month, buf + 5, 2);
	buf[7] = '-';
	code_u64_digits(d->cd_day, buf + 8, 2);
	buf[10] = '\0';
	return 10;
}

/* ---- keys ---- */

void code_key_start(struct code_result *out, uint8_t t)
{
	out->cr_key[0] = t;
	out->cr_key_len = 1;
}

void code_key_add(struct code_result *out, const void *p, size_t n)
{
	if (out->cr_key_len + n > sizeof(out->cr_key))
		n = sizeof(out->cr_key) - out->cr_key_len; /* cannot happen */
	memcpy(out->cr_key + out->cr_key_len, p, n);
	out->cr_key_len += n;
}
