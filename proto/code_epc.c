/*
 * code_epc.c — EPC URNs into GS1 elements.  The dot after the company
 * prefix tells its length; the GS1 key is rebuilt from the pieces:
 *
 *   sgtin  CP.IR.serial   GTIN-14 = IR[0] CP IR[1..] check, (21) serial
 *   lgtin  CP.IR.lot      (class URN) the same GTIN, (10) lot
 *   sscc   CP.SR          SSCC = SR[0] CP SR[1..] check
 *   sgln   CP.LR.ext      GLN = CP LR check; ext "0" = no (254) extension
 *   pgln   CP.PR          GLN = CP PR check
 *
 * Tag URIs (urn:epc:tag:sgtin-96:F.CP.IR.serial ...) carry a filter value
 * first, which is dropped.
 */
#include <string.h>

#include "code_epc.h"

enum epc_kind { EPC_SGTIN, EPC_LGTIN, EPC_SSCC, EPC_SGLN, EPC_PGLN };

static const struct epc_scheme {
	const char *prefix;
	enum epc_kind kind;
	bool filter;         /* tag URI: a filter digit and '.' come first */
} epc_schemes[] = {
	{ "urn:epc:id:sgtin:", EPC_SGTIN, false },
	{ "urn:epc:id:sscc:", EPC_SSCC, false },
	{ "urn:epc:id:sgln:", EPC_SGLN, false },
	{ "urn:epc:id:pgln:", EPC_PGLN, false },
	{ "urn:epc:class:lgtin:", EPC_LGTIN, false },
	{ "urn:epc:tag:sgtin-96:", EPC_SGTIN, true },
	{ "urn:epc:tag:sgtin-198:", EPC_SGTIN, true },
	{ "urn:epc:tag:sscc-96:", EPC_SSCC, true },
	{ "urn:epc:tag:sgln-96:", EPC_SGLN, true },
	{ "urn:epc:tag:sgln-195:", EPC_SGLN, true },
};

/* Per kind: digits of CP + reference, the AI of the key, the AI of the
 * third field (NULL: no third field), a name for messages. */
static const struct epc_shape {
	size_t digits;
	const char *key_ai, *tail_ai, *name;
} epc_shapes[] = {
	[EPC_SGTIN] = { 13, "01", "21", "sgtin" },
	[EPC_LGTIN] = { 13, "01", "10", "lgtin" },
	[EPC_SSCC]  = { 17, "00", NULL, "sscc" },
	[EPC_SGLN]  = { 12, "414", "254", "sgln" },
	[EPC_PGLN]  = { 12, "417", NULL, "pgln" },
};

enum code_err epc_parse(struct code_ctx *ctx, struct gs1_msg *m,
                        const char *s, size_t n, size_t base)
{
	const struct epc_scheme *sc = NULL;
	char q[64];

	for (size_t i = 0; i < sizeof(epc_schemes) / sizeof(epc_schemes[0]); i++)
		if (code_prefix_ci(s, n, epc_schemes[i].prefix)) {
			sc = &epc_schemes[i];
			break;
		}
	if (sc == NULL)
		return code_fail(ctx, CODE_E_UNSUPPORTED, base,
		                 "EPC URN '%s': not a scheme yima keys (expected "
		                 "urn:epc:id:sgtin, sscc, sgln, pgln or "
		                 "urn:epc:class:lgtin)",
		                 code_quote(s, n, q, sizeof(q)));
	const struct epc_shape *sh = &epc_shapes[sc->kind];
	size_t i = strlen(sc->prefix);

	if (sc->filter) {
		if (n - i < 2 || s[i] < '0' || s[i] > '7' || s[i + 1] != '.')
			return code_fail(ctx, CODE_E_SYNTAX, base + i,
			                 "EPC tag URI: expected a filter value 0-7 "
			                 "and '.' after '%s'", sc->prefix);
		i += 2;
	}
	/* Company prefix, then reference. */
	size_t cp = i, cpn = 0, ref, refn = 0;

	while (cp + cpn < n && code_is_digit(s[cp + cpn]))
		cpn++;
	ref = cp + cpn + 1;
	while (ref + refn < n && code_is_digit(s[ref + refn]))
		refn++;
	if (cp + cpn >= n || s[cp + cpn] != '.' || cpn < 6 || cpn > 12)
		return code_fail(ctx, cp + cpn >= n ? CODE_E_TRUNCATED :
		                 CODE_E_SYNTAX, base + cp + cpn,
		                 "EPC %s URN: expected a company prefix of 6 to "
		                 "12 digits, then '.'", sh->name);
	size_t after = ref + refn;

	if (cpn + refn != sh->digits)
		return code_fail(ctx, CODE_E_LENGTH, base + ref,
		                 "EPC %s URN: company prefix and reference must "
		                 "have %zu digits together, found %zu", sh->name,
		                 sh->digits, cpn + refn);
	if (sh->tail_ai != NULL ? (after >= n || s[after] != '.') : after != n)
		return code_fail(ctx, after >= n ? CODE_E_TRUNCATED :
		                 CODE_E_SYNTAX, base + after,
		                 "EPC %s URN: expected %s after the reference",
		                 sh->name, sh->tail_ai != NULL ?
		                 "'.' and a serial, lot or extension" :
		                 "nothing");

	/* The key: indicator or extension digit first (GTIN, SSCC), then the
	 * company prefix, the rest of the reference and the check digit. */
	char *o = gs1_msg_room(m, sh->digits + 1 + (n - after));
	size_t kn = 0;
	enum code_err err;

	if (o == NULL)
		return code_fail(ctx, CODE_E_TOO_LONG, base, "EPC URN too long");
	if (sc->kind == EPC_SGLN || sc->kind == EPC_PGLN) {
		memcpy(o, s + cp, cpn);
		memcpy(o + cpn, s + ref, refn);
	} else {
		if (refn == 0)
			return code_fail(ctx, CODE_E_LENGTH, base + ref,
			                 "EPC %s URN: empty reference", sh->name);
		o[0] = s[ref];
		memcpy(o + 1, s + cp, cpn);
		memcpy(o + 1 + cpn, s + ref + 1, refn - 1);
	}
	kn = sh->digits;
	o[kn] = code_gs1_check(o, kn);
	kn++;
	m->gm_used += kn;
	err = gs1_msg_add(ctx, m, gs1_ai_exact(sh->key_ai, strlen(sh->key_ai)),
	                  sh->key_ai, o, kn, base + cp, false);
	if (err != CODE_OK || sh->tail_ai == NULL)
		return err;

	/* Serial, lot or extension: %-escaped GS1 characters. */
	const char *t = s + after + 1;
	size_t tn = n - after - 1, len, bad;

	o += kn;
	if (!code_pct_decode(t, tn, o, &len, &bad))
		return code_fail(ctx, CODE_E_SYNTAX, base + after + 1 + bad,
		                 "EPC %s URN: '%%' must be followed by two hex "
		                 "digits", sh->name);
	if (sc->kind == EPC_SGLN && len == 1 && o[0] == '0')
		return CODE_OK; /* extension "0": the GLN alone */
	m->gm_used += len;
	return gs1_msg_add(ctx, m, gs1_ai_exact(sh->tail_ai,
	                   strlen(sh->tail_ai)), sh->tail_ai, o, len,
	                   base + after + 1, len == tn);
}
