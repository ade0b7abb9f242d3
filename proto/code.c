/*
 * code.c — the one entry point for scans: clean the input up, read the
 * AIM symbology identifier if there is one, recognise the syntax and hand
 * it to its codec; refuse what is not a traceability code (product
 * barcodes, NHSA product codes) with a message that says what was scanned
 * and what is expected.  Also the small name helpers clients print.
 *
 * Recognition, in order: a GS1 symbology identifier (]C1 ]d2 ]d5 ]Q3 ]Q4
 * ]e0 ]J1) means a raw element string; ]E* means EAN/UPC.  Otherwise the
 * text decides: GS or digits+AI -> element string, '(' -> bracketed,
 * http(s):// -> Digital Link, urn:epc: -> EPC, '+' -> HIBC, "MA." -> MA,
 * digits only -> CN 20-digit code or a product barcode.
 */
#include <string.h>

#include "code_cn20.h"
#include "code_dl.h"
#include "code_epc.h"
#include "code_gs1.h"
#include "code_hibc.h"
#include "code_ma.h"
#include "code_scan.h"

#define PLEASE_SCAN "scan the traceability code (20-digit code or GS1 " \
                    "DataMatrix)"

static void reset(struct code_result *out)
{
	out->cr_type = CODE_NONE;
	out->cr_form = CODE_FORM_NONE;
	out->cr_pack = CODE_PACK_UNKNOWN;
	out->cr_err = CODE_OK;
	out->cr_err_pos = 0;
	out->cr_key_len = 0;
	out->cr_product[0] = '\0';
	out->cr_serial[0] = '\0';
	out->cr_lot[0] = '\0';
	out->cr_check[0] = '\0';
	out->cr_aim[0] = '\0';
	memset(&out->cr_expiry, 0, sizeof(out->cr_expiry));
	memset(&out->cr_prod_date, 0, sizeof(out->cr_prod_date));
	out->cr_msg[0] = '\0';
}

/* Raw element string (GS-separated) at s[0..n). */
static enum code_err parse_gs1(struct code_ctx *ctx, const char *s, size_t n,
                               size_t base, unsigned *parsed)
{
	struct gs1_msg m;
	enum code_err err;

	gs1_msg_init(&m);
	ctx->out->cr_form = CODE_FORM_GS1;
	err = gs1_parse_raw(ctx, &m, s, n, base, parsed);
	return err != CODE_OK ? err : gs1_identify(ctx, &m, base + n);
}

/* Bracketed, Digital Link or EPC: the same element list, another syntax. */
static enum code_err parse_gs1_text(struct code_ctx *ctx, enum code_form form,
                                    const char *s, size_t n, size_t base)
{
	struct gs1_msg m;
	enum code_err err;

	gs1_msg_init(&m);
	ctx->out->cr_form = form;
	if (form == CODE_FORM_BRACKET)
		err = gs1_parse_bracketed(ctx, &m, s, n, base);
	else if (form == CODE_FORM_DL)
		err = dl_parse(ctx, &m, s, n, base);
	else
		err = epc_parse(ctx, &m, s, n, base);
	return err != CODE_OK ? err : gs1_identify(ctx, &m, base + n);
}

/* The refusal for a product barcode of n digits at d. */
static enum code_err product_barcode(struct code_ctx *ctx, const char *d,
                                     size_t n, size_t base)
{
	char q[64];
	const char *what = n == 8 ? "EAN-8 product barcode" :
	                   n == 12 ? "UPC-A product barcode" :
	                   n == 13 ? "EAN-13 product barcode" :
	                   n == 14 && memcmp(d, "869", 3) == 0 ?
	                   "CN drug standard code (benweima)" :
	                   n == 14 ? "GTIN-14 (ITF-14 case barcode)" :
	                   "EAN/UPC product barcode";
	const char *kind = n == 14 ? "a GTIN" : "a product barcode";

	code_quote(d, n, q, sizeof(q));
	return code_fail(ctx, CODE_E_PRODUCT, base, "%s %s: %s identifies a "
	                 "product, not a pack; " PLEASE_SCAN, what, q, kind);
}

/* Bare digits (single spaces between groups allowed, as people type a
 * printed code).  Returns CODE_E_FORMAT without a message if s is not
 * digits, for the caller to go on. */
static enum code_err parse_digits(struct code_ctx *ctx, const char *s,
                                  size_t n, size_t base)
{
	char d[CODE_SCAN_MAX], q[64];
	size_t dn = 0;
	bool spaced = false;
	unsigned parsed;
	enum code_err err;

	for (size_t i = 0; i < n; i++) {
		if (code_is_digit(s[i]))
			d[dn++] = s[i];
		else if (s[i] == ' ' && i > 0 && code_is_digit(s[i - 1]) &&
		         i + 1 < n && code_is_digit(s[i + 1]))
			spaced = true;
		else
			return CODE_E_FORMAT;
	}
	if (dn == 20 && (d[0] == '8' || (ctx->flags & CODE_OPT_CN20_ANY_LEAD)))
		return cn20_parse(ctx, d);
	ctx->out->cr_form = CODE_FORM_DIGITS;
	if (!spaced && (dn == 8 || dn == 12 || dn == 13 || dn == 14) &&
	    code_gs1_check_ok(d, dn))
		return product_barcode(ctx, d, dn, base);
	/* A GS1 element string sent without FNC1 (AIM identifiers off):
	 * once an AI and its value have been read, report as GS1. */
	if (!spaced) {
		err = parse_gs1(ctx, s, n, base, &parsed);
		if (err == CODE_OK || parsed > 0)
			return err;
		ctx->out->cr_form = CODE_FORM_DIGITS;
	}
	if (d[0] == '8' && dn != 20)
		return code_fail(ctx, dn < 20 ? CODE_E_TRUNCATED : CODE_E_LENGTH,
		                 base + (dn < 20 ? n : 20), "%zu digits %s: a CN "
		                 "drug traceability code has 20 digits (%s)", dn,
		                 code_quote(d, dn, q, sizeof(q)),
		                 dn < 20 ? "truncated scan?" :
		                 "two scans run together?");
	if (dn == 20)
		return code_fail(ctx, CODE_E_FORMAT, base, "20-digit number %s: "
		                 "CN drug traceability codes start with 8; "
		                 PLEASE_SCAN, code_quote(d, dn, q, sizeof(q)));
	if (dn == 8 || dn == 12 || dn == 13 || dn == 14)
		return code_fail(ctx, CODE_E_CHECK, base + n - 1, "%zu-digit "
		                 "number %s: not a traceability code, and its "
		                 "check digit is wrong for a product barcode; "
		                 PLEASE_SCAN, dn,
		                 code_quote(d, dn, q, sizeof(q)));
	return code_fail(ctx, CODE_E_FORMAT, base, "%zu-digit number %s: not "
	                 "a traceability code; " PLEASE_SCAN, dn,
	                 code_quote(d, dn, q, sizeof(q)));
}

/* NHSA (医保) product codes: drug "X"/"Z" + 22, consumables "C" + 19 or
 * "C" + 26 characters.  Product codes, never a pack's code. */
static bool nhsa_code(const char *s, size_t n)
{
	size_t i = 1;

	if (n == 23 && (s[0] == 'X' || s[0] == 'Z')) {
		while (i < n && (code_is_upper(s[i]) || code_is_digit(s[i])))
			i++;
		return i == n;
	}
	if (s[0] == 'C' && (n == 20 || n == 27))
		return code_all_digits(s + 1, n - 1);
	return false;
}

static bool gs1_aim(const char *a)
{
	static const char *const ids[] = {
		"C1", "d2", "d5", "Q3", "Q4", "e0", "J1"
	};

	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
		if (a[0] == ids[i][0] && a[1] == ids[i][1])
			return true;
	return false;
}

/* s[0..n) is the cleaned scan; s[n..full) the blanks trimmed after it. */
static enum code_err dispatch(struct code_ctx *ctx, const char *s, size_t n,
                              size_t full)
{
	struct code_result *out = ctx->out;
	size_t p = 0;
	unsigned parsed;
	enum code_err err;
	char q[64], q2[8];

	/* AIM symbology identifier: ']', symbology letter, modifier. */
	if (n >= 3 && s[0] == ']' && (code_is_upper(s[1]) ||
	    code_is_lower(s[1])) && code_is_alnum(s[2])) {
		memcpy(out->cr_aim, s, 3);
		out->cr_aim[3] = '\0';
		p = 3;
		if (gs1_aim(s + 1)) {
			if (p < n && s[p] == '(')
				return parse_gs1_text(ctx, CODE_FORM_BRACKET,
				                      s + p, n - p, p);
			return parse_gs1(ctx, s + p, n - p, p, &parsed);
		}
		if (s[1] == 'E' && p < n && code_all_digits(s + p, n - p)) {
			out->cr_form = CODE_FORM_DIGITS;
			return product_barcode(ctx, s + p, n - p, p);
		}
	}
	const char *c = s + p;
	size_t m = n - p;

	if (m == 0)
		return code_fail(ctx, CODE_E_EMPTY, p, "symbology identifier "
		                 "%s without data", out->cr_aim);
	if (c[0] == CODE_GS)
		return parse_gs1(ctx, c, m, p, &parsed);
	if (c[0] == '(')
		return parse_gs1_text(ctx, CODE_FORM_BRACKET, c, m, p);
	if (code_prefix_ci(c, m, "https://") || code_prefix_ci(c, m, "http://"))
		return parse_gs1_text(ctx, CODE_FORM_DL, c, m, p);
	if (code_prefix_ci(c, m, "urn:epc:"))
		return parse_gs1_text(ctx, CODE_FORM_EPC, c, m, p);
	if (c[0] == '+') {
		err = hibc_parse(ctx, c, m, p);
		/* An HIBC check character can be a space, which the clean-up
		 * took for trailing blank.  Without it the last data character
		 * stands as the check, which may then pass and leave the data
		 * short ("+C28231/$J " reads as an empty lot): retry after any
		 * error, and report the first reading's if that fails too. */
		if (err != CODE_OK && full > n && s[n] == ' ') {
			if (hibc_parse(ctx, c, m + 1, p) == CODE_OK)
				return CODE_OK;
			err = hibc_parse(ctx, c, m, p);
		}
		return err;
	}
	if (m >= 3 && memcmp(c, "MA.", 3) == 0)
		return ma_parse(ctx, c, m, p);
	if ((err = parse_digits(ctx, c, m, p)) != CODE_E_FORMAT ||
	    out->cr_msg[0] != '\0')
		return err;
	if (m >= 2 && code_is_digit(c[0]) && code_is_digit(c[1])) {
		err = parse_gs1(ctx, c, m, p, &parsed);
		if (err != CODE_E_AI || parsed > 0)
			return err;
	}
	out->cr_form = CODE_FORM_NONE;
	if (nhsa_code(c, m))
		return code_fail(ctx, CODE_E_PRODUCT, p, "NHSA product code %s: "
		                 "identifies a product, not a pack; " PLEASE_SCAN,
		                 code_quote(c, m, q, sizeof(q)));
	/* Something like a CN code with a stray character in it. */
	if (c[0] == '8' && m >= 15 && m <= 25) {
		size_t i = 0, digits = 0;

		for (size_t x = 0; x < m; x++)
			digits += code_is_digit(c[x]);
		while (code_is_digit(c[i]))
			i++;
		if (digits * 4 >= m * 3)
			return code_fail(ctx, CODE_E_CHARSET, p + i, "'%s': a CN "
			                 "drug traceability code is 20 digits, "
			                 "'%s' is not a digit",
			                 code_quote(c, m, q, sizeof(q)),
			                 code_quote(c + i, 1, q2, sizeof(q2)));
	}
	for (size_t i = 0; i < m; i++) {
		unsigned char b = (unsigned char)c[i];

		if (b < 0x20 || b >= 0x7f)
			return code_fail(ctx, CODE_E_CHARSET, p + i, "'%s': byte "
			                 "0x%02x is not part of any code",
			                 code_quote(c, m, q, sizeof(q)), b);
	}
	return code_fail(ctx, CODE_E_FORMAT, p, "'%s' is not a code yima "
	                 "knows: expected a CN 20-digit code, a GS1 code "
	                 "(DataMatrix, GS1-128, Digital Link, EPC URN), an HIBC "
	                 "or an MA code", code_quote(c, m, q, sizeof(q)));
}

enum code_err code_parse(const void *scan, size_t len,
                         const struct code_opts *opts,
                         struct code_result *out)
{
	struct code_ctx ctx = {
		.out = out,
		.flags = opts != NULL ? opts->co_flags : 0,
		.ref_year = opts != NULL ? opts->co_ref_year : 0,
		.year_cache = 0,
	};
	char buf[CODE_SCAN_MAX];
	size_t n, full, lead;
	enum code_err err;

	reset(out);
	if (scan == NULL)
		len = 0;
	/* The common case, on every hot path: a bare CN 20-digit code, read
	 * where it is.  dispatch() would reach the same cn20_parse() after
	 * copying and classifying the digits twice. */
	if (len == 20 && *(const char *)scan == '8' && code_all_digits(scan, 20))
		return cn20_parse(&ctx, scan);
	if (code_scan_clean(scan, len, buf, sizeof(buf), &n, &full, &lead) != CODE_OK)
		return code_fail(&ctx, CODE_E_TOO_LONG, lead, "scan of %zu bytes "
		                 "is longer than the %d characters a code may "
		                 "have", len, CODE_SCAN_MAX);
	if (n == 0)
		return code_fail(&ctx, CODE_E_EMPTY, len, "empty scan: expected "
		                 "a traceability code (20-digit code, GS1 "
		                 "DataMatrix, HIBC or MA code)");
	err = dispatch(&ctx, buf, n, full);
	/* A parser may have tried one reading before another succeeded. */
	out->cr_err = err;
	if (err == CODE_OK) {
		out->cr_err_pos = 0;
		out->cr_msg[0] = '\0';
	} else {
		if (out->cr_err_pos > n)
			out->cr_err_pos = n;
		out->cr_err_pos = code_scan_rawpos(scan, len, lead,
		                                   out->cr_err_pos);
	}
	return err;
}

/* ---- names ---- */

const char *code_type_name(enum code_type type)
{
	switch (type) {
	case CODE_CN20:     return "cn20";
	case CODE_SGTIN:    return "sgtin";
	case CODE_LGTIN:    return "lgtin";
	case CODE_SSCC:     return "sscc";
	case CODE_SGLN:     return "sgln";
	case CODE_PGLN:     return "pgln";
	case CODE_UDI_HIBC: return "udi-hibc";
	case CODE_UDI_MA:   return "udi-ma";
	default:            return "none";
	}
}

const char *code_type_family(enum code_type type)
{
	switch (type) {
	case CODE_CN20:
		return "cn20";
	case CODE_SGTIN: case CODE_LGTIN: case CODE_SSCC: case CODE_SGLN:
	case CODE_PGLN:
		return "gs1";
	case CODE_UDI_HIBC:
		return "udi-hibc";
	case CODE_UDI_MA:
		return "udi-ma";
	default:
		return "none";
	}
}

const char *code_form_name(enum code_form form)
{
	switch (form) {
	case CODE_FORM_DIGITS:  return "digits";
	case CODE_FORM_GS1:     return "gs1";
	case CODE_FORM_BRACKET: return "bracketed";
	case CODE_FORM_DL:      return "digital-link";
	case CODE_FORM_EPC:     return "epc";
	case CODE_FORM_HIBC:    return "hibc";
	case CODE_FORM_MA:      return "ma";
	default:                return "none";
	}
}

const char *code_pack_name(enum code_pack pack)
{
	switch (pack) {
	case CODE_PACK_UNIT:     return "unit";
	case CODE_PACK_GROUPED:  return "grouped";
	case CODE_PACK_VARIABLE: return "variable";
	case CODE_PACK_LOGISTIC: return "logistic";
	default:                 return "unknown";
	}
}

const char *code_err_name(enum code_err err)
{
	static const char *const names[] = {
		[CODE_OK] = "ok",
		[CODE_E_EMPTY] = "empty",
		[CODE_E_TOO_LONG] = "too-long",
		[CODE_E_CHARSET] = "charset",
		[CODE_E_FORMAT] = "format",
		[CODE_E_PRODUCT] = "product-barcode",
		[CODE_E_NO_SERIAL] = "no-serial",
		[CODE_E_LOT_ONLY] = "lot-only",
		[CODE_E_CHECK] = "check",
		[CODE_E_LENGTH] = "length",
		[CODE_E_TRUNCATED] = "truncated",
		[CODE_E_DATE] = "date",
		[CODE_E_SYNTAX] = "syntax",
		[CODE_E_AI] = "unknown-ai",
		[CODE_E_CONFLICT] = "conflict",
		[CODE_E_UNSUPPORTED] = "unsupported",
		[CODE_E_PARTIAL] = "partial",
	};

	if ((unsigned)err < sizeof(names) / sizeof(names[0]) && names[err])
		return names[err];
	return "unknown";
}
