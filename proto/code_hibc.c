/*
 * code_hibc.c — HIBC LIC (ANSI/HIBC 2.x) as scanned from Code 39, Code 128,
 * DataMatrix or QR.
 *
 *   primary     +LLLLP..PU C       LIC (4, first alphabetic), product or
 *                                  catalogue number (1-18), unit of measure
 *                                  digit, check character
 *   secondary   +S..S L C          secondary data, link character (= the
 *                                  primary's check character), check
 *   concatenated +LLLLP..PU/S..S C one check character at the end
 *
 * Secondary data: "$" lot, "$+" serial, "$$" [quantity] date lot,
 * "$$+" date serial, or the legacy "YYJJJ" lot; then supplementary fields
 * "/S" serial, "/14D" expiry and "/16D" manufacture date (YYYYMMDD).
 * Check: the sum of the character values (0-9, A-Z, - . space $ / + %
 * = 0..42), the leading '+' included, mod 43.
 *
 * Key: DI (LIC + product number + unit of measure) then 0x00 then the
 * serial (CODE_KEY_HIBC_SER) or, without serial, the lot
 * (CODE_KEY_HIBC_LOT).  Expiry and other dates are not part of the key.
 */
#include <string.h>

#include "code_hibc.h"

static const char hibc_chars[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-. $/+%";

int hibc_value(int c)
{
	if (code_is_digit(c))
		return c - '0';
	if (code_is_upper(c))
		return c - 'A' + 10;
	switch (c) {
	case '-': return 36;
	case '.': return 37;
	case ' ': return 38;
	case '$': return 39;
	case '/': return 40;
	case '+': return 41;
	case '%': return 42;
	default:  return -1;
	}
}

char hibc_check(const char *p, size_t n)
{
	unsigned sum = 0;

	for (size_t i = 0; i < n; i++) {
		int v = hibc_value((unsigned char)p[i]);

		sum += v < 0 ? 0 : (unsigned)v;
	}
	return hibc_chars[sum % 43];
}

/* What one secondary data structure holds. */
struct hibc_sec {
	const char *lot, *serial;
	size_t lot_len, serial_len;
	struct code_date expiry, prod;
};

/* Parse n digits at p as a date in HIBC format `fmt` ('0'/'1' MMYY, '2'
 * MMDDYY, '3' YYMMDD, '4' YYMMDDHH, '5' YYJJJ, '6' YYJJJHH, '7' none).
 * Returns the number of characters used, or 0 with *why set. */
static size_t hibc_date(struct code_ctx *ctx, char fmt, const char *p,
                        size_t n, struct code_date *d, const char **why)
{
	static const unsigned char lens[8] = { 4, 4, 6, 6, 8, 5, 7, 0 };
	size_t len = lens[fmt - '0'];
	char ymd[6];

	*why = NULL;
	if (n < len || !code_all_digits(p, len)) {
		*why = "date digits missing";
		return 0;
	}
	switch (fmt) {
	case '0': case '1': /* MMYY: the last day of that month */
		memcpy(ymd, p + 2, 2);
		memcpy(ymd + 2, p, 2);
		memcpy(ymd + 4, "00", 2);
		*why = code_yymmdd(ctx, ymd, true, d);
		break;
	case '2': /* MMDDYY */
		memcpy(ymd, p + 4, 2);
		memcpy(ymd + 2, p, 4);
		*why = code_yymmdd(ctx, ymd, false, d);
		break;
	case '3': case '4':
		*why = code_yymmdd(ctx, p, false, d);
		if (*why == NULL && fmt == '4' && code_two(p + 6) > 23)
			*why = "hour is not 00-23";
		break;
	case '5': case '6': { /* YYJJJ: day of the year */
		int y = code_century(ctx, code_two(p));
		int j = (int)code_digits_u64(p + 2, 3);
		int m = 1;

		if (j < 1 || j > 365 + (code_days_in_month(y, 2) == 29)) {
			*why = "day of the year is not 001-365 (366)";
			break;
		}
		while (j > code_days_in_month(y, m))
			j -= code_days_in_month(y, m++);
		d->cd_year = (uint16_t)y;
		d->cd_month = (uint8_t)m;
		d->cd_day = (uint8_t)j;
		if (fmt == '6' && code_two(p + 5) > 23)
			*why = "hour is not 00-23";
		break;
	}
	default:
		break;
	}
	return *why == NULL ? len : 0;
}

/* Length of the run of alphanumerics (upper case) at p[0..n). */
static size_t alnum_run(const char *p, size_t n)
{
	size_t i = 0;

	while (i < n && (code_is_digit(p[i]) || code_is_upper(p[i])))
		i++;
	return i;
}

/* Parse secondary data p[0..n) (no '+', no link, no check). */
static enum code_err parse_sec(struct code_ctx *ctx, const char *p, size_t n,
                               size_t pos, struct hibc_sec *sec)
{
	const char *why = NULL;
	bool serial = false, dated = false;
	size_t i = 0, k;
	char q[64];

	memset(sec, 0, sizeof(*sec));
	if (n >= 3 && memcmp(p, "$$+", 3) == 0) {
		serial = dated = true;
		i = 3;
	} else if (n >= 2 && memcmp(p, "$$", 2) == 0) {
		dated = true;
		i = 2;
		if (i < n && (p[i] == '8' || p[i] == '9')) {
			/* quantity: 2 or 5 digits, then the date format */
			size_t ql = p[i] == '8' ? 2 : 5;

			if (n - i - 1 < ql || !code_all_digits(p + i + 1, ql))
				return code_fail(ctx, CODE_E_SYNTAX, pos + i,
				                 "HIBC quantity after '$$%c' needs %zu "
				                 "digits", p[i], ql);
			i += 1 + ql;
		}
	} else if (n >= 2 && memcmp(p, "$+", 2) == 0) {
		serial = true;
		i = 2;
	} else if (n >= 1 && p[0] == '$') {
		i = 1;
	} else if (n >= 5 && code_all_digits(p, 5)) {
		/* Legacy secondary: Julian expiry YYJJJ, then the lot. */
		i = hibc_date(ctx, '5', p, n, &sec->expiry, &why);
		if (why != NULL)
			return code_fail(ctx, CODE_E_DATE, pos,
			                 "HIBC expiry '%s': %s",
			                 code_quote(p, 5, q, sizeof(q)), why);
	} else {
		return code_fail(ctx, CODE_E_SYNTAX, pos,
		                 "HIBC secondary data '%s' must start with '$' "
		                 "(lot), '$+' (serial), '$$' or a 5-digit date",
		                 code_quote(p, n, q, sizeof(q)));
	}
	if (dated) {
		if (i >= n || p[i] < '0' || p[i] > '7')
			return code_fail(ctx, i >= n ? CODE_E_TRUNCATED :
			                 CODE_E_SYNTAX, pos + i,
			                 "HIBC secondary data: a date format digit "
			                 "0-7 is expected after '%.*s'", (int)i, p);
		char fmt = p[i];

		if (fmt != '0' && fmt != '1')
			i++; /* the flag digit; MMYY starts with its month */
		k = hibc_date(ctx, fmt, p + i, n - i, &sec->expiry, &why);
		if (why != NULL)
			return code_fail(ctx, CODE_E_DATE, pos + i,
			                 "HIBC expiry '%s' (format %c): %s",
			                 code_quote(p + i, n - i, q, sizeof(q)),
			                 fmt, why);
		i += k;
	}
	k = alnum_run(p + i, n - i);
	if (k == 0 || k > HIBC_DATA_MAX)
		return code_fail(ctx, k == 0 && i == n ? CODE_E_TRUNCATED :
		                 k == 0 ? CODE_E_CHARSET : CODE_E_LENGTH,
		                 pos + i + (k ? HIBC_DATA_MAX : 0),
		                 "HIBC %s '%s': expected 1 to %d upper-case "
		                 "letters or digits", serial ? "serial" : "lot",
		                 code_quote(p + i, n - i, q, sizeof(q)),
		                 HIBC_DATA_MAX);
	if (serial) {
		sec->serial = p + i;
		sec->serial_len = k;
	} else {
		sec->lot = p + i;
		sec->lot_len = k;
	}
	i += k;
	/* Supplementary fields, each led by '/'. */
	while (i < n) {
		if (p[i] != '/')
			return code_fail(ctx, CODE_E_CHARSET, pos + i,
			                 "HIBC data: '%s' is not allowed in a lot "
			                 "or serial (upper-case letters and digits)",
			                 code_quote(p + i, 1, q, sizeof(q)));
		i++;
		if (i < n && p[i] == 'S' && sec->serial == NULL) {
			k = alnum_run(p + i + 1, n - i - 1);
			if (k == 0 || k > HIBC_DATA_MAX)
				return code_fail(ctx, k == 0 && i + 1 == n ?
				                 CODE_E_TRUNCATED : CODE_E_LENGTH,
				                 pos + i,
				                 "HIBC serial after '/S': expected 1 "
				                 "to %d upper-case letters or digits",
				                 HIBC_DATA_MAX);
			sec->serial = p + i + 1;
			sec->serial_len = k;
			i += 1 + k;
		} else if (n - i >= 3 && (memcmp(p + i, "14D", 3) == 0 ||
		                          memcmp(p + i, "16D", 3) == 0)) {
			struct code_date *d = p[i + 1] == '4' ? &sec->expiry :
			                                        &sec->prod;

			if (n - i - 3 < 8 ||
			    (why = code_yyyymmdd(p + i + 3, d)) != NULL)
				return code_fail(ctx, CODE_E_DATE, pos + i,
				                 "HIBC date '/%s': %s",
				                 code_quote(p + i, n - i, q, sizeof(q)),
				                 why ? why : "expected YYYYMMDD");
			i += 11;
		} else {
			return code_fail(ctx, CODE_E_SYNTAX, pos + i,
			                 "HIBC supplementary field '/%s': expected "
			                 "/S serial, /14D expiry or /16D "
			                 "manufacture date",
			                 code_quote(p + i, n - i, q, sizeof(q)));
		}
	}
	return CODE_OK;
}

/* One data structure, checked and split. */
struct hibc_one {
	const char *di;     /* primary: LIC + PCN + UoM; NULL for secondary */
	size_t di_len;
	char check;         /* its check character */
	char link;          /* secondary alone: the primary's check */
	bool has_sec;
	struct hibc_sec sec;
};

static enum code_err parse_one(struct code_ctx *ctx, const char *s, size_t n,
                               size_t pos, struct hibc_one *o)
{
	char q[64], qc[8];

	memset(o, 0, sizeof(*o));
	for (size_t i = 0; i < n; i++)
		if (hibc_value((unsigned char)s[i]) < 0)
			return code_fail(ctx, CODE_E_CHARSET, pos + i,
			                 "HIBC code '%s': '%s' is not an HIBC "
			                 "character (upper-case letters, digits, "
			                 "- . space $ / + %%)%s",
			                 code_quote(s, n, q, sizeof(q)),
			                 code_quote(s + i, 1, qc, sizeof(qc)),
			                 code_is_lower(s[i]) ? "; Caps Lock on?" : "");
	if (n < 5)
		return code_fail(ctx, CODE_E_TRUNCATED, pos + n,
		                 "HIBC code '%s' is too short: truncated scan?",
		                 code_quote(s, n, q, sizeof(q)));
	o->check = hibc_check(s, n - 1);
	if (o->check != s[n - 1])
		return code_fail(ctx, CODE_E_CHECK, pos + n - 1,
		                 "HIBC code '%s': check character '%c' is wrong "
		                 "(mistyped or truncated scan?)",
		                 code_quote(s, n, q, sizeof(q)), s[n - 1]);
	const char *b = s + 1;
	size_t bn = n - 2;

	if (b[0] == '$' || code_is_digit(b[0])) {
		o->has_sec = true;
		o->link = b[bn - 1];
		return parse_sec(ctx, b, bn - 1, pos + 1, &o->sec);
	}
	const char *slash = memchr(b, '/', bn);
	size_t pn = slash != NULL ? (size_t)(slash - b) : bn;

	if (!code_is_upper(b[0]) || pn < 6 || pn > HIBC_DI_MAX ||
	    alnum_run(b, pn - 1) != pn - 1 || !code_is_digit(b[pn - 1]))
		return code_fail(ctx, pn > HIBC_DI_MAX ? CODE_E_LENGTH :
		                 CODE_E_SYNTAX, pos + 1,
		                 "HIBC primary data '%s': expected a 4-character "
		                 "labeler code starting with a letter, a product "
		                 "number of 1 to 18 letters or digits and a "
		                 "unit-of-measure digit",
		                 code_quote(b, pn, q, sizeof(q)));
	o->di = b;
	o->di_len = pn;
	if (slash != NULL) {
		o->has_sec = true;
		return parse_sec(ctx, slash + 1, bn - pn - 1, pos + 2 + pn,
		                 &o->sec);
	}
	return CODE_OK;
}

static bool is_break(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

enum code_err hibc_parse(struct code_ctx *ctx, const char *s, size_t n,
                         size_t base)
{
	struct code_result *out = ctx->out;
	struct hibc_one a, b;
	const struct hibc_one *prim = NULL, *sec = NULL;
	enum code_err err;
	size_t n1 = n, p2 = n;
	char q[64];

	/* Two structures pasted together: "+PRIMARY\n+SECONDARY" or
	 * "+PRIMARY +SECONDARY".  A space is also an HIBC character (a check
	 * or link character may be one), so only line breaks and a single
	 * separating space are dropped. */
	for (size_t j = 1; j + 4 < n; j++) {
		if (s[j] != '+' || !is_break(s[j - 1]))
			continue;
		n1 = j;
		while (n1 > 0 && s[n1 - 1] != ' ' && is_break(s[n1 - 1]))
			n1--;
		if (n1 == j && s[n1 - 1] == ' ')
			n1--;
		p2 = j;
		break;
	}
	out->cr_form = CODE_FORM_HIBC;
	if ((err = parse_one(ctx, s, n1, base, &a)) != CODE_OK)
		return err;
	if (a.di != NULL)
		prim = &a;
	if (a.has_sec)
		sec = &a;
	if (p2 < n) {
		if ((err = parse_one(ctx, s + p2, n - p2, base + p2, &b)) != CODE_OK)
			return err;
		if (b.di != NULL || a.di == NULL || a.has_sec)
			return code_fail(ctx, CODE_E_SYNTAX, base + p2,
			                 "two HIBC structures must be a primary, "
			                 "then its secondary");
		if (b.link != a.check)
			return code_fail(ctx, CODE_E_CHECK, base + n - 2,
			                 "HIBC secondary's link character '%c' does "
			                 "not match its primary's check character "
			                 "'%c': the two labels belong to different "
			                 "products", b.link, a.check);
		sec = &b;
	}
	if (prim != NULL) {
		/* The product identifier as printed on its own: "+DI" + check. */
		char *pd = out->cr_product;

		pd[0] = '+';
		memcpy(pd + 1, prim->di, prim->di_len);
		pd[1 + prim->di_len] = hibc_check(pd, 1 + prim->di_len);
		pd[2 + prim->di_len] = '\0';
		out->cr_pack = prim->di[prim->di_len - 1] == '0' ? CODE_PACK_UNIT :
		               prim->di[prim->di_len - 1] == '9' ?
		               CODE_PACK_VARIABLE : CODE_PACK_GROUPED;
	}
	out->cr_check[0] = s[n - 1];
	out->cr_check[1] = '\0';
	if (sec != NULL) {
		const struct hibc_sec *x = &sec->sec;

		code_set_str(out->cr_lot, sizeof(out->cr_lot), x->lot, x->lot_len);
		code_set_str(out->cr_serial, sizeof(out->cr_serial), x->serial,
		             x->serial_len);
		out->cr_expiry = x->expiry;
		out->cr_prod_date = x->prod;
	}
	if (prim == NULL)
		return code_fail(ctx, CODE_E_PARTIAL, base,
		                 "HIBC secondary data alone ('%s'): it needs its "
		                 "primary (product) barcode; scan the primary, "
		                 "then this one",
		                 code_quote(s, n, q, sizeof(q)));
	if (sec == NULL)
		return code_fail(ctx, CODE_E_NO_SERIAL, base,
		                 "HIBC primary data %s alone identifies a product, "
		                 "not a unit; scan the secondary barcode (lot or "
		                 "serial) too", out->cr_product);
	const struct hibc_sec *x = &sec->sec;

	if (x->serial == NULL && (ctx->flags & CODE_OPT_REQUIRE_SERIAL))
		return code_fail(ctx, CODE_E_LOT_ONLY, base,
		                 "HIBC code %s with lot %s but no serial: "
		                 "identifies a lot, not a unit", out->cr_product,
		                 out->cr_lot);
	code_key_start(out, x->serial ? CODE_KEY_HIBC_SER : CODE_KEY_HIBC_LOT);
	code_key_add(out, prim->di, prim->di_len);
	code_key_add(out, "", 1);
	if (x->serial)
		code_key_add(out, x->serial, x->serial_len);
	else
		code_key_add(out, x->lot, x->lot_len);
	out->cr_type = CODE_UDI_HIBC;
	return CODE_OK;
}

int hibc_format(const uint8_t *key, size_t len, char *buf, size_t cap)
{
	const uint8_t *z = len > 1 ? memchr(key + 1, 0, len - 1) : NULL;

	if (z == NULL)
		return -1;
	size_t dn = (size_t)(z - key - 1), tn = len - dn - 2;
	const char *di = (const char *)key + 1, *tail = (const char *)z + 1;

	/* Only what hibc_parse() produces is well formed. */
	if (dn < 6 || dn > HIBC_DI_MAX || !code_is_upper(di[0]) ||
	    alnum_run(di, dn - 1) != dn - 1 || !code_is_digit(di[dn - 1]) ||
	    tn == 0 || tn > HIBC_DATA_MAX || alnum_run(tail, tn) != tn)
		return -1;
	bool ser = key[0] == CODE_KEY_HIBC_SER;

	if (key[0] != CODE_KEY_HIBC_SER && key[0] != CODE_KEY_HIBC_LOT)
		return -1;
	/* A space check character would be taken for a trailing blank and
	 * trimmed: after a final 'J' the rest then reads as a valid code with
	 * a shorter lot or serial.  Write the same data with date format 7
	 * ("no date") instead: "$$" and '7' add 46 = 3 (mod 43) to the sum,
	 * so that check character is never a space. */
	for (int dated = 0; dated < 2; dated++) {
		const char *flag = ser ? (dated ? "/$$+7" : "/$+") :
		                         (dated ? "/$$7" : "/$");
		size_t fl = strlen(flag), o = 0;

		if (1 + dn + fl + tn + 2 > cap)
			return -1;
		buf[o++] = '+';
		memcpy(buf + o, di, dn);
		o += dn;
		memcpy(buf + o, flag, fl);
		o += fl;
		memcpy(buf + o, tail, tn);
		o += tn;
		buf[o] = hibc_check(buf, o);
		if (buf[o] != ' ') {
			buf[++o] = '\0';
			return (int)o;
		}
	}
	return -1; /* not reached: the dated form's check is never a space */
}
