/*
 * code_gs1.c — GS1 element strings, raw and bracketed, into a list of
 * checked (AI, value) elements; and the decision of what such a list
 * identifies.  The decision is shared by every GS1 syntax (element string,
 * Digital Link, EPC URN), so each accepted form of one pack gives one key.
 *
 * Drugs and devices are not told apart here: a GS1 UDI with a serial and a
 * drug pack's SGTIN have the same shape, and the product's master data says
 * which it is.  GTIN + lot without serial is a lot-level key (CODE_LGTIN),
 * for lot-controlled devices.
 */
#include <stdio.h>
#include <string.h>

#include "code_gs1.h"

enum code_err gs1_msg_add(struct code_ctx *ctx, struct gs1_msg *m,
                          const struct gs1_ai *ai, const char *code,
                          const char *v, size_t n, size_t pos, bool verbatim)
{
	enum code_err err = gs1_ai_check(ctx, ai, code, v, n, pos, verbatim);
	char q1[64], q2[64];

	if (err != CODE_OK)
		return err;
	for (unsigned i = 0; i < m->gm_n; i++) {
		const struct gs1_elem *e = &m->gm_e[i];

		if (strcmp(e->ge_code, code) != 0)
			continue;
		if (e->ge_len == n && memcmp(e->ge_val, v, n) == 0)
			return CODE_OK; /* repeated, same value: harmless */
		return code_fail(ctx, CODE_E_CONFLICT, pos,
		                 "(%s) %s appears twice with different values "
		                 "'%s' and '%s'", code, ai->ga_name,
		                 code_quote(e->ge_val, e->ge_len, q1, sizeof(q1)),
		                 code_quote(v, n, q2, sizeof(q2)));
	}
	if (m->gm_n == GS1_ELEMS_MAX)
		return code_fail(ctx, CODE_E_LENGTH, pos,
		                 "more than %d GS1 elements in one scan",
		                 GS1_ELEMS_MAX);
	struct gs1_elem *e = &m->gm_e[m->gm_n++];

	e->ge_ai = ai;
	memcpy(e->ge_code, code, strlen(code) + 1);
	e->ge_val = v;
	e->ge_len = n;
	e->ge_pos = pos;
	return CODE_OK;
}

const struct gs1_elem *gs1_msg_get(const struct gs1_msg *m, const char *code)
{
	for (unsigned i = 0; i < m->gm_n; i++)
		if (strcmp(m->gm_e[i].ge_code, code) == 0)
			return &m->gm_e[i];
	return NULL;
}

/* Report an AI that is not in the table (or cut off) at p[0..alen). */
static enum code_err bad_ai(struct code_ctx *ctx, const char *p, size_t n,
                            size_t alen, size_t pos)
{
	char q[64];

	if (alen == n && alen < 4)
		return code_fail(ctx, CODE_E_TRUNCATED, pos,
		                 "the scan ends inside an Application Identifier "
		                 "('%s'): truncated scan?",
		                 code_quote(p, n, q, sizeof(q)));
	if (alen < 2)
		return code_fail(ctx, CODE_E_SYNTAX, pos + alen,
		                 "'%s' where a GS1 Application Identifier (2 to "
		                 "4 digits) was expected",
		                 code_quote(p, n < 8 ? n : 8, q, sizeof(q)));
	return code_fail(ctx, CODE_E_AI, pos,
	                 "'%s...' does not start with a GS1 Application "
	                 "Identifier",
	                 code_quote(p, alen, q, sizeof(q)));
}

enum code_err gs1_parse_raw(struct code_ctx *ctx, struct gs1_msg *m,
                            const char *s, size_t n, size_t base,
                            unsigned *parsed)
{
	size_t i = 0;

	*parsed = 0;
	while (i < n) {
		size_t alen, end;
		char code[5];

		if (s[i] == CODE_GS) {
			i++;
			continue;
		}
		const struct gs1_ai *ai = gs1_ai_find(s + i, n - i, &alen);

		if (ai == NULL)
			return bad_ai(ctx, s + i, n - i, alen, base + i);
		memcpy(code, s + i, alen);
		code[alen] = '\0';
		i += alen;

		size_t fixed = gs1_ai_fixed_len(ai);
		const char *gs = memchr(s + i, CODE_GS, n - i);

		end = gs != NULL ? (size_t)(gs - s) : n;
		/* A fixed-length value ends after its length; a GS inside it
		 * or the end of the scan makes it short. */
		if (fixed != 0 && i + fixed < end)
			end = i + fixed;
		enum code_err err = gs1_msg_add(ctx, m, ai, code, s + i, end - i,
		                                base + i, true);
		if (err == CODE_E_LENGTH && fixed == 0) {
			/* The usual cause: a scanner that drops GS. */
			char *msg = ctx->out->cr_msg;
			size_t ml = strlen(msg);

			snprintf(msg + ml, sizeof(ctx->out->cr_msg) - ml,
			         " (a missing GS separator after it?)");
		}
		if (err != CODE_OK)
			return err;
		(*parsed)++;
		i = end;
	}
	if (m->gm_n == 0)
		return code_fail(ctx, CODE_E_EMPTY, base,
		                 "GS1 symbol without data");
	return CODE_OK;
}

/* True if p[0..n) starts with "(AI)" for an AI in the table, or is "("
 * and up to 4 digits: an AI cut off by the end of the scan. */
static bool starts_ai(const char *p, size_t n)
{
	size_t d = 0;

	while (d < 4 && 1 + d < n && code_is_digit(p[1 + d]))
		d++;
	if (d >= 1 && 1 + d == n)
		return true;
	return d >= 2 && 1 + d < n && p[1 + d] == ')' &&
	       gs1_ai_exact(p + 1, d) != NULL;
}

static bool blank(int c)
{
	return c == ' ' || c == '\t';
}

enum code_err gs1_parse_bracketed(struct code_ctx *ctx, struct gs1_msg *m,
                                  const char *s, size_t n, size_t base)
{
	size_t i = 0;
	char q[64];

	for (;;) {
		while (i < n && blank(s[i]))
			i++;
		if (i == n)
			break;
		if (s[i] != '(')
			return code_fail(ctx, CODE_E_SYNTAX, base + i,
			                 "'%s' where '(' and an Application "
			                 "Identifier were expected",
			                 code_quote(s + i, n - i, q, sizeof(q)));
		size_t j = i + 1;

		while (j < n && j - i - 1 < 4 && code_is_digit(s[j]))
			j++;
		if (j == n || s[j] != ')' || j - i - 1 < 2)
			return code_fail(ctx, j == n ? CODE_E_TRUNCATED :
			                 CODE_E_SYNTAX, base + j,
			                 "'(' must be followed by an Application "
			                 "Identifier of 2 to 4 digits and ')'");
		const struct gs1_ai *ai = gs1_ai_exact(s + i + 1, j - i - 1);
		char code[5];

		if (ai == NULL)
			return code_fail(ctx, CODE_E_AI, base + i + 1,
			                 "(%s) is not a GS1 Application Identifier",
			                 code_quote(s + i + 1, j - i - 1, q,
			                            sizeof(q)));
		memcpy(code, s + i + 1, j - i - 1);
		code[j - i - 1] = '\0';

		size_t v = j + 1, k = v;
		bool escaped = false;

		while (v < n && blank(s[v]))
			v++;
		for (k = v; k < n; k++) {
			if (s[k] == '\\' && k + 1 < n && s[k + 1] == '(') {
				escaped = true;
				k++;
			} else if (s[k] == '(' && starts_ai(s + k, n - k)) {
				break;
			}
		}
		size_t vend = k;

		while (vend > v && blank(s[vend - 1]))
			vend--;
		const char *val = s + v;
		size_t len = vend - v;

		if (escaped) {
			/* Drop the backslash of each "\(" into gm_buf. */
			char *o = gs1_msg_room(m, vend - v);

			if (o == NULL)
				return code_fail(ctx, CODE_E_TOO_LONG, base + v,
				                 "bracketed GS1 data too long");
			len = 0;
			for (size_t x = v; x < vend; x++) {
				if (s[x] == '\\' && x + 1 < vend && s[x + 1] == '(')
					x++;
				o[len++] = s[x];
			}
			val = o;
			m->gm_used += len;
		}
		enum code_err err = gs1_msg_add(ctx, m, ai, code, val, len,
		                                base + v, !escaped);
		if (err != CODE_OK)
			return err;
		i = k;
	}
	if (m->gm_n == 0)
		return code_fail(ctx, CODE_E_EMPTY, base, "no (AI) elements");
	return CODE_OK;
}

/* The element pointers gs1_identify() looks at. */
struct gs1_keys {
	const struct gs1_elem *gtin, *serial, *lot, *sscc, *expiry, *exptime,
	                      *prod, *gln, *glnext, *party, *tpx, *content,
	                      *other;
};

static void collect(const struct gs1_msg *m, struct gs1_keys *k)
{
	memset(k, 0, sizeof(*k));
	for (unsigned i = 0; i < m->gm_n; i++) {
		const struct gs1_elem *e = &m->gm_e[i];
		const char *c = e->ge_code;

		if (strcmp(c, "01") == 0)
			k->gtin = e;
		else if (strcmp(c, "21") == 0)
			k->serial = e;
		else if (strcmp(c, "10") == 0)
			k->lot = e;
		else if (strcmp(c, "17") == 0)
			k->expiry = e;
		else if (strcmp(c, "11") == 0)
			k->prod = e;
		else if (strcmp(c, "00") == 0)
			k->sscc = e;
		else if (strcmp(c, "414") == 0)
			k->gln = e;
		else if (strcmp(c, "254") == 0)
			k->glnext = e;
		else if (strcmp(c, "417") == 0)
			k->party = e;
		else if (strcmp(c, "7003") == 0)
			k->exptime = e;
		else if (strcmp(c, "235") == 0)
			k->tpx = e;
		else if (strcmp(c, "02") == 0)
			k->content = e;
		else if (k->other == NULL &&
		         ((e->ge_ai->ga_flags & GS1_AI_DLKEY) ||
		          strcmp(c, "03") == 0))
			k->other = e;
	}
}

static void set_elem(char *dst, size_t cap, const struct gs1_elem *e)
{
	if (e != NULL)
		code_set_str(dst, cap, e->ge_val, e->ge_len);
}

/* Key = type byte, the 13/14/18-digit number in nbytes big-endian, then
 * the tail (serial, lot, GLN extension) if any. */
static void set_key(struct code_result *out, uint8_t type,
                    const struct gs1_elem *num, size_t nbytes,
                    const struct gs1_elem *tail)
{
	uint8_t be[8];

	code_key_start(out, type);
	code_put_be(be, code_digits_u64(num->ge_val, num->ge_len), nbytes);
	code_key_add(out, be, nbytes);
	if (tail != NULL)
		code_key_add(out, tail->ge_val, tail->ge_len);
}

enum code_err gs1_identify(struct code_ctx *ctx, const struct gs1_msg *m,
                           size_t end)
{
	struct code_result *out = ctx->out;
	struct gs1_keys k;
	char q[64];

	collect(m, &k);
	set_elem(out->cr_serial, sizeof(out->cr_serial), k.serial);
	set_elem(out->cr_lot, sizeof(out->cr_lot), k.lot);
	/* Values were checked on the way in; these only resolve the dates. */
	if (k.expiry != NULL)
		code_yymmdd(ctx, k.expiry->ge_val, true, &out->cr_expiry);
	else if (k.exptime != NULL)
		code_yymmdd(ctx, k.exptime->ge_val, false, &out->cr_expiry);
	if (k.prod != NULL)
		code_yymmdd(ctx, k.prod->ge_val, true, &out->cr_prod_date);

	if (k.gtin != NULL) {
		char ind = k.gtin->ge_val[0];

		set_elem(out->cr_product, sizeof(out->cr_product), k.gtin);
		out->cr_pack = ind == '0' ? CODE_PACK_UNIT :
		               ind == '9' ? CODE_PACK_VARIABLE :
		                            CODE_PACK_GROUPED;
		if (k.sscc != NULL)
			return code_fail(ctx, CODE_E_CONFLICT, k.sscc->ge_pos,
			                 "the scan carries both an SSCC and a GTIN: "
			                 "one code must identify one thing");
		if (k.serial != NULL) {
			set_key(out, CODE_KEY_SGTIN, k.gtin, 6, k.serial);
			out->cr_type = CODE_SGTIN;
			return CODE_OK;
		}
		if (k.tpx != NULL)
			return code_fail(ctx, CODE_E_UNSUPPORTED, k.tpx->ge_pos,
			                 "GTIN %s with a third-party serial (235): "
			                 "not supported, expected (21) serial",
			                 out->cr_product);
		if (k.lot == NULL)
			return code_fail(ctx, CODE_E_NO_SERIAL, k.gtin->ge_pos,
			                 "GTIN %s without serial: a GTIN identifies "
			                 "a product, not a pack; scan the pack's "
			                 "traceability code (GS1 DataMatrix with "
			                 "(21) serial)", out->cr_product);
		if (ctx->flags & CODE_OPT_REQUIRE_SERIAL)
			return code_fail(ctx, CODE_E_LOT_ONLY, k.lot->ge_pos,
			                 "GTIN %s with lot %s but no serial: "
			                 "identifies a lot, not a pack; scan the "
			                 "pack's traceability code (GS1 DataMatrix "
			                 "with (21) serial)", out->cr_product,
			                 code_quote(out->cr_lot, strlen(out->cr_lot),
			                            q, sizeof(q)));
		set_key(out, CODE_KEY_LGTIN, k.gtin, 6, k.lot);
		out->cr_type = CODE_LGTIN;
		return CODE_OK;
	}
	if (k.sscc != NULL) {
		set_elem(out->cr_serial, sizeof(out->cr_serial), k.sscc);
		out->cr_pack = CODE_PACK_LOGISTIC;
		set_key(out, CODE_KEY_SSCC, k.sscc, 8, NULL);
		out->cr_type = CODE_SSCC;
		return CODE_OK;
	}
	if (k.gln != NULL) {
		set_elem(out->cr_product, sizeof(out->cr_product), k.gln);
		out->cr_serial[0] = '\0';
		set_elem(out->cr_serial, sizeof(out->cr_serial), k.glnext);
		set_key(out, CODE_KEY_SGLN, k.gln, 6, k.glnext);
		out->cr_type = CODE_SGLN;
		return CODE_OK;
	}
	if (k.party != NULL) {
		set_elem(out->cr_product, sizeof(out->cr_product), k.party);
		set_key(out, CODE_KEY_PGLN, k.party, 6, NULL);
		out->cr_type = CODE_PGLN;
		return CODE_OK;
	}
	if (k.other != NULL)
		return code_fail(ctx, CODE_E_UNSUPPORTED, k.other->ge_pos,
		                 "(%s) %s %s: not a code yima tracks; expected "
		                 "(01) GTIN with (21) serial, or (00) SSCC",
		                 k.other->ge_code, k.other->ge_ai->ga_name,
		                 code_quote(k.other->ge_val, k.other->ge_len, q,
		                            sizeof(q)));
	if (k.content != NULL)
		return code_fail(ctx, CODE_E_NO_SERIAL, k.content->ge_pos,
		                 "(02) content GTIN %s names what a logistic unit "
		                 "holds, not an item; scan the SSCC (00) or a "
		                 "pack's code", code_quote(k.content->ge_val,
		                 k.content->ge_len, q, sizeof(q)));
	return code_fail(ctx, CODE_E_FORMAT, end,
	                 "GS1 data without an identification key (first "
	                 "element (%s) %s): expected (01) GTIN with (21) "
	                 "serial, or (00) SSCC", m->gm_e[0].ge_code,
	                 m->gm_e[0].ge_ai->ga_name);
}

/* Does a URI path segment take c as it is (RFC 3986 unreserved, but '~',
 * which GS1 does not allow)? */
static bool dl_plain(unsigned char c)
{
	return code_is_digit((char)c) || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       c == '-' || c == '.' || c == '_';
}

/* Append "(ai)" and the value (escaping '(' as "\(") to buf at *o, or
 * for a Digital Link "/ai/" and the value %-encoded but for the characters
 * a URI path segment takes as they are; false if it does not fit or the
 * value has a character GS1 does not allow. */
/* Inlined, like format_key, so that each form gets a copy without the
 * other's tests: every VERIFY's reply formats one or two codes. */
static inline __attribute__((always_inline))
bool put_elem(char *buf, size_t cap, size_t *o, const char *ai,
              const char *v, size_t n, bool dl)
{
	size_t al = strlen(ai), need = al + 2 + n + 1;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)v[i];

		if (!code_is_cset82(c))
			return false;
		if (dl)
			need += dl_plain(c) ? 0 : 2;
		else
			need += c == '(';
	}
	if (*o + need > cap)
		return false;
	buf[(*o)++] = dl ? '/' : '(';
	memcpy(buf + *o, ai, al);
	*o += al;
	buf[(*o)++] = dl ? '/' : ')';
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)v[i];

		if (dl && !dl_plain(c)) {
			static const char hex[] = "0123456789ABCDEF";

			buf[(*o)++] = '%';
			buf[(*o)++] = hex[c >> 4];
			buf[(*o)++] = hex[c & 15];
			continue;
		}
		if (!dl && c == '(')
			buf[(*o)++] = '\\';
		buf[(*o)++] = (char)c;
	}
	buf[*o] = '\0';
	return true;
}

/* A GS1 key as element strings, or as a Digital Link URI (dl). */
static inline __attribute__((always_inline))
int format_key(const uint8_t *key, size_t len, char *buf, size_t cap, bool dl)
{
	static const struct {
		uint8_t type;
		size_t nbytes, digits;      /* packed number */
		const char *ai, *tail_ai;   /* tail_ai NULL: no tail */
		size_t tail_min;
	} shapes[] = {
		{ CODE_KEY_SGTIN, 6, 14, "01", "21", 1 },
		{ CODE_KEY_LGTIN, 6, 14, "01", "10", 1 },
		{ CODE_KEY_SSCC, 8, 18, "00", NULL, 0 },
		{ CODE_KEY_SGLN, 6, 13, "414", "254", 0 },
		{ CODE_KEY_PGLN, 6, 13, "417", NULL, 0 },
	};
	char num[20];
	size_t o = 0;

	if (len == 0)
		return -1;
	for (size_t i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
		if (shapes[i].type != key[0])
			continue;
		size_t nb = shapes[i].nbytes, tn = len - 1 - nb;

		if (len < 1 + nb || tn < shapes[i].tail_min ||
		    tn > (shapes[i].tail_ai != NULL ? 20u : 0u))
			return -1;
		uint64_t v = code_get_be(key + 1, nb);
		uint64_t limit = 1;

		for (size_t d = 0; d < shapes[i].digits; d++)
			limit *= 10;
		if (v >= limit)
			return -1;
		code_u64_digits(v, num, shapes[i].digits);
		if (dl) {
			static const char host[] = "https://id.gs1.org";

			if (cap < sizeof(host))
				return -1;
			memcpy(buf, host, sizeof(host));
			o = sizeof(host) - 1;
		}
		if (!code_gs1_check_ok(num, shapes[i].digits) ||
		    !put_elem(buf, cap, &o, shapes[i].ai, num, shapes[i].digits, dl))
			return -1;
		if (tn > 0 && !put_elem(buf, cap, &o, shapes[i].tail_ai,
		                        (const char *)key + 1 + nb, tn, dl))
			return -1;
		return (int)o;
	}
	return -1;
}

int gs1_format(const uint8_t *key, size_t len, char *buf, size_t cap)
{
	return format_key(key, len, buf, cap, false);
}

int gs1_format_dl(const uint8_t *key, size_t len, char *buf, size_t cap)
{
	return format_key(key, len, buf, cap, true);
}
