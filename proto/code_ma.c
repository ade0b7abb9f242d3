/*
 * code_ma.c — MA codes (IDcode, issuing agency "MA", run by ZIIOT), one of
 * the three UDI issuing agencies in China.  Dot-separated segments:
 *
 *   MA . 156 . M0 . 100761 . 21234561   DI: country, sector, company,
 *                                         product segment (its last
 *                                         character is a check character)
 *   .S serial  .L lot  .M or .P production date  .D sterilisation lot
 *   .E expiry  .V valid until (dates YYMMDD or YYYYMMDD)  .C check
 *
 * The check algorithms are not public, so checks are kept, not verified.
 * Key: DI without "MA." then 0x00 then the serial (CODE_KEY_MA_SER) or,
 * without serial, the lot (CODE_KEY_MA_LOT).
 */
#include <string.h>

#include "code_ma.h"

/* Upper-case letters and digits only, for the DI segments. */
static bool all_upper_alnum(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!code_is_digit(p[i]) && !code_is_upper(p[i]))
			return false;
	return true;
}

static bool all_alnum(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!code_is_alnum(p[i]))
			return false;
	return true;
}

/* A date segment value: YYMMDD or YYYYMMDD.  NULL or the reason. */
static const char *ma_date(struct code_ctx *ctx, const char *p, size_t n,
                           struct code_date *d)
{
	if (n == 6)
		return code_yymmdd(ctx, p, false, d);
	if (n == 8)
		return code_yyyymmdd(p, d);
	return "a date is YYMMDD or YYYYMMDD";
}

/* Check that DI segment k (p, n) has the shape the MA layout wants. */
static bool di_segment_ok(int k, const char *p, size_t n)
{
	switch (k) {
	case 0:
		return n == 2 && memcmp(p, "MA", 2) == 0;
	case 1:
		return n == 3 && code_all_digits(p, n);
	case 2:
		return n == 2 && all_upper_alnum(p, n);
	case 3:
		return n >= 1 && n <= 12 && code_all_digits(p, n);
	default:
		return n >= 1 && n <= 20 && all_upper_alnum(p, n);
	}
}

static const char *const di_what[5] = {
	"\"MA\"", "a 3-digit country code", "a 2-character sector code",
	"a company code of 1 to 12 digits",
	"a product segment of 1 to 20 upper-case letters or digits",
};

enum code_err ma_parse(struct code_ctx *ctx, const char *s, size_t n,
                       size_t base)
{
	struct code_result *out = ctx->out;
	const char *serial = NULL, *lot = NULL, *seen_c = NULL;
	size_t serial_len = 0, lot_len = 0, di_end = 0;
	struct code_date valid = { 0, 0, 0 };
	char q[64], q2[32];
	int k = 0;
	unsigned seen = 0;

	out->cr_form = CODE_FORM_MA;
	for (size_t i = 0; i <= n; k++) {
		const char *dot = memchr(s + i, '.', n - i);
		size_t e = dot != NULL ? (size_t)(dot - s) : n;
		const char *p = s + i;
		size_t len = e - i;

		if (seen_c != NULL)
			return code_fail(ctx, CODE_E_SYNTAX, base + i,
			                 "MA code: the check segment .C must be "
			                 "last");
		if (k < 5) {
			if (!di_segment_ok(k, p, len))
				return code_fail(ctx, len == 0 && e == n ?
				                 CODE_E_TRUNCATED : CODE_E_SYNTAX,
				                 base + i, "MA code '%s': segment %d "
				                 "'%s' should be %s", code_quote(s, n,
				                 q, sizeof(q)), k + 1,
				                 code_quote(p, len, q2, sizeof(q2)),
				                 di_what[k]);
			di_end = e;
		} else {
			/* PI segment: a letter, then its value. */
			char tag = len > 0 ? p[0] : '?';
			const char *v = p + 1, *why = NULL;
			size_t vn = len > 0 ? len - 1 : 0;
			const char *tags = "SLMPDEVC";
			const char *at = memchr(tags, tag, 8);

			if (at == NULL || vn == 0)
				return code_fail(ctx, CODE_E_SYNTAX, base + i,
				                 "MA code: segment '%s' is not one of "
				                 ".S serial, .L lot, .M/.P production "
				                 "date, .D sterilisation lot, .E expiry, "
				                 ".V valid until, .C check",
				                 code_quote(p, len, q, sizeof(q)));
			unsigned bit = 1u << (at - tags);

			if (seen & bit)
				return code_fail(ctx, CODE_E_CONFLICT, base + i,
				                 "MA code: segment .%c appears twice",
				                 tag);
			seen |= bit;
			switch (tag) {
			case 'S': case 'L': case 'D': case 'C': {
				size_t max = tag == 'C' ? 2 : MA_DATA_MAX;

				if (vn > max || !all_alnum(v, vn))
					return code_fail(ctx, vn > max ?
					                 CODE_E_LENGTH : CODE_E_CHARSET,
					                 base + i + 1,
					                 "MA code: .%c value '%s' should be "
					                 "1 to %zu letters or digits", tag,
					                 code_quote(v, vn, q, sizeof(q)),
					                 max);
				if (tag == 'S') {
					serial = v;
					serial_len = vn;
				} else if (tag == 'L') {
					lot = v;
					lot_len = vn;
				} else if (tag == 'C') {
					seen_c = v;
					code_set_str(out->cr_check,
					             sizeof(out->cr_check), v, vn);
				}
				break;
			}
			case 'M': case 'P':
				if ((seen & 0x0c) == 0x0c)
					return code_fail(ctx, CODE_E_CONFLICT,
					                 base + i, "MA code: both .M and "
					                 ".P production dates");
				why = ma_date(ctx, v, vn, &out->cr_prod_date);
				break;
			case 'E':
				why = ma_date(ctx, v, vn, &out->cr_expiry);
				break;
			default: /* 'V' */
				why = ma_date(ctx, v, vn, &valid);
				break;
			}
			if (why != NULL)
				return code_fail(ctx, CODE_E_DATE, base + i + 1,
				                 "MA code: .%c date '%s': %s", tag,
				                 code_quote(v, vn, q, sizeof(q)), why);
		}
		i = e + 1;
	}
	if (k < 5)
		return code_fail(ctx, CODE_E_TRUNCATED, base + n,
		                 "MA code '%s' ends inside its product part "
		                 "(MA.country.sector.company.product): truncated "
		                 "scan?", code_quote(s, n, q, sizeof(q)));
	if (out->cr_expiry.cd_year == 0)
		out->cr_expiry = valid;
	code_set_str(out->cr_product, sizeof(out->cr_product), s, di_end);
	code_set_str(out->cr_serial, sizeof(out->cr_serial), serial, serial_len);
	code_set_str(out->cr_lot, sizeof(out->cr_lot), lot, lot_len);
	if (serial == NULL && lot == NULL)
		return code_fail(ctx, CODE_E_NO_SERIAL, base + n,
		                 "MA code %s without serial (.S) or lot (.L): "
		                 "identifies a product, not a unit",
		                 out->cr_product);
	if (serial == NULL && (ctx->flags & CODE_OPT_REQUIRE_SERIAL))
		return code_fail(ctx, CODE_E_LOT_ONLY, base + n,
		                 "MA code %s with lot %s but no serial: "
		                 "identifies a lot, not a unit", out->cr_product,
		                 out->cr_lot);
	code_key_start(out, serial ? CODE_KEY_MA_SER : CODE_KEY_MA_LOT);
	code_key_add(out, s + 3, di_end - 3);
	code_key_add(out, "", 1);
	if (serial != NULL)
		code_key_add(out, serial, serial_len);
	else
		code_key_add(out, lot, lot_len);
	out->cr_type = CODE_UDI_MA;
	return CODE_OK;
}

int ma_format(const uint8_t *key, size_t len, char *buf, size_t cap)
{
	const uint8_t *z = len > 1 ? memchr(key + 1, 0, len - 1) : NULL;

	if (z == NULL || (key[0] != CODE_KEY_MA_SER && key[0] != CODE_KEY_MA_LOT))
		return -1;
	const char *di = (const char *)key + 1, *tail = (const char *)z + 1;
	size_t dn = (size_t)(z - key - 1), tn = len - dn - 2;
	size_t need = 3 + dn + 2 + tn;

	if (dn > MA_DI_MAX || tn == 0 || tn > MA_DATA_MAX ||
	    !all_alnum(tail, tn) || need + 1 > cap)
		return -1;
	/* The DI must split into the four segments ma_parse() checks. */
	size_t i = 0;

	for (int k = 1; k < 5; k++) {
		const char *dot = memchr(di + i, '.', dn - i);
		size_t e = k < 4 ? (dot ? (size_t)(dot - di) : dn + 1) : dn;

		if (e > dn || (k == 4 && dot != NULL) ||
		    !di_segment_ok(k, di + i, e - i))
			return -1;
		i = e + 1;
	}
	memcpy(buf, "MA.", 3);
	memcpy(buf + 3, di, dn);
	buf[3 + dn] = '.';
	buf[4 + dn] = key[0] == CODE_KEY_MA_SER ? 'S' : 'L';
	memcpy(buf + 5 + dn, tail, tn);
	buf[need] = '\0';
	return (int)need;
}
