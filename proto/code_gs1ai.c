/*
 * code_gs1ai.c — yima's table of GS1 Application Identifiers and the checks
 * a value must pass.  The facts (lengths, character sets, which AIs need no
 * FNC1 separator, which checks apply) follow GS1's Barcode Syntax
 * Dictionary; the table is ours, in our own layout, sorted by AI so lookups
 * are a binary search among the entries of the AI's first two digits.  Content checks that need outside lists (ISO 3166
 * country codes, ISO 4217 currencies, IBAN, coupon data) are not applied:
 * those values are checked for length and character set only.
 */
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include "code_gs1ai.h"

#define PD GS1_AI_PREDEF
#define DA GS1_AI_DLATTR
#define DK GS1_AI_DLKEY

#define CS   GS1_LINT_CSUM
#define CSA  GS1_LINT_CSUMALPHA
#define D0   GS1_LINT_YYMMD0
#define DT   GS1_LINT_YYMMDD
#define D8   GS1_LINT_YYYYMMDD
#define HM   GS1_LINT_HHMI

/* Components: N/X/Y/Z, Fixed or Variable length, Optional. */
#define NF(l, c)  { GS1_CS_N, l, l, c, 0 }
#define NV(l)     { GS1_CS_N, 1, l, 0, 0 }
#define XF(l)     { GS1_CS_X, l, l, 0, 0 }
#define XV(l, c)  { GS1_CS_X, 1, l, c, 0 }
#define YV(l)     { GS1_CS_Y, 1, l, 0, 0 }
#define ZV(l)     { GS1_CS_Z, 1, l, 0, 0 }
#define NFO(l, c) { GS1_CS_N, l, l, c, 1 }
#define NVO(l)    { GS1_CS_N, 1, l, 0, 1 }
#define XVO(l)    { GS1_CS_X, 1, l, 0, 1 }

/* Measures 3nn0-3nn5: six digits, the last AI digit places the decimal
 * point; all predefined length. */
#define MEASURE(p3, name) { p3 "0", p3 "5", PD | DA, { NF(6, 0) }, name }

/* Sorted by AI digits (string order); ranges do not overlap. */
static const struct gs1_ai ai_table[] = {
	{ "00", "00", PD | DA | DK, { NF(18, CS) }, "SSCC" },
	{ "01", "01", PD | DA | DK, { NF(14, CS) }, "GTIN" },
	{ "02", "02", PD | DA, { NF(14, CS) }, "content GTIN" },
	{ "03", "03", PD, { NF(14, CS) }, "made-to-order GTIN" },
	{ "10", "10", DA, { XV(20, 0) }, "batch/lot" },
	{ "11", "11", PD | DA, { NF(6, D0) }, "production date" },
	{ "12", "12", PD | DA, { NF(6, D0) }, "due date" },
	{ "13", "13", PD | DA, { NF(6, D0) }, "packaging date" },
	{ "15", "15", PD | DA, { NF(6, D0) }, "best before date" },
	{ "16", "16", PD | DA, { NF(6, D0) }, "sell by date" },
	{ "17", "17", PD | DA, { NF(6, D0) }, "expiry date" },
	{ "20", "20", PD | DA, { NF(2, 0) }, "variant" },
	{ "21", "21", 0, { XV(20, 0) }, "serial number" },
	{ "22", "22", 0, { XV(20, 0) }, "consumer product variant" },
	{ "235", "235", 0, { XV(28, 0) }, "third-party serial extension" },
	{ "240", "240", DA, { XV(30, 0) }, "additional product id" },
	{ "241", "241", DA, { XV(30, 0) }, "customer part number" },
	{ "242", "242", DA, { NV(6) }, "made-to-order variant" },
	{ "243", "243", DA, { XV(20, 0) }, "packaging component number" },
	{ "250", "250", DA, { XV(30, 0) }, "secondary serial number" },
	{ "251", "251", DA, { XV(30, 0) }, "reference to source entity" },
	{ "253", "253", DA | DK, { NF(13, CS), XVO(17) }, "GDTI" },
	{ "254", "254", 0, { XV(20, 0) }, "GLN extension" },
	{ "255", "255", DA | DK, { NF(13, CS), NVO(12) }, "GCN" },
	{ "30", "30", DA, { NV(8) }, "variable count" },
	MEASURE("310", "net weight (kg)"),
	MEASURE("311", "length (m)"),
	MEASURE("312", "width (m)"),
	MEASURE("313", "height (m)"),
	MEASURE("314", "area (m2)"),
	MEASURE("315", "net volume (l)"),
	MEASURE("316", "net volume (m3)"),
	MEASURE("320", "net weight (lb)"),
	MEASURE("321", "length (in)"),
	MEASURE("322", "length (ft)"),
	MEASURE("323", "length (yd)"),
	MEASURE("324", "width (in)"),
	MEASURE("325", "width (ft)"),
	MEASURE("326", "width (yd)"),
	MEASURE("327", "height (in)"),
	MEASURE("328", "height (ft)"),
	MEASURE("329", "height (yd)"),
	MEASURE("330", "logistic gross weight (kg)"),
	MEASURE("331", "logistic length (m)"),
	MEASURE("332", "logistic width (m)"),
	MEASURE("333", "logistic height (m)"),
	MEASURE("334", "logistic area (m2)"),
	MEASURE("335", "logistic volume (l)"),
	MEASURE("336", "logistic volume (m3)"),
	MEASURE("337", "kilograms per m2"),
	MEASURE("340", "logistic gross weight (lb)"),
	MEASURE("341", "logistic length (in)"),
	MEASURE("342", "logistic length (ft)"),
	MEASURE("343", "logistic length (yd)"),
	MEASURE("344", "logistic width (in)"),
	MEASURE("345", "logistic width (ft)"),
	MEASURE("346", "logistic width (yd)"),
	MEASURE("347", "logistic height (in)"),
	MEASURE("348", "logistic height (ft)"),
	MEASURE("349", "logistic height (yd)"),
	MEASURE("350", "area (in2)"),
	MEASURE("351", "area (ft2)"),
	MEASURE("352", "area (yd2)"),
	MEASURE("353", "logistic area (in2)"),
	MEASURE("354", "logistic area (ft2)"),
	MEASURE("355", "logistic area (yd2)"),
	MEASURE("356", "net weight (troy oz)"),
	MEASURE("357", "net volume (oz)"),
	MEASURE("360", "net volume (qt)"),
	MEASURE("361", "net volume (gal)"),
	MEASURE("362", "logistic volume (qt)"),
	MEASURE("363", "logistic volume (gal)"),
	MEASURE("364", "net volume (in3)"),
	MEASURE("365", "net volume (ft3)"),
	MEASURE("366", "net volume (yd3)"),
	MEASURE("367", "logistic volume (in3)"),
	MEASURE("368", "logistic volume (ft3)"),
	MEASURE("369", "logistic volume (yd3)"),
	{ "37", "37", DA, { NV(8) }, "count of trade items" },
	{ "3900", "3909", DA, { NV(15) }, "amount payable" },
	{ "3910", "3919", DA, { NF(3, 0), NV(15) }, "amount payable, currency" },
	{ "3920", "3929", DA, { NV(15) }, "price" },
	{ "3930", "3939", DA, { NF(3, 0), NV(15) }, "price, currency" },
	{ "3940", "3943", DA, { NF(4, 0) }, "percentage discount" },
	{ "3950", "3955", DA, { NF(6, 0) }, "price per unit of measure" },
	{ "400", "400", DA, { XV(30, 0) }, "customer order number" },
	{ "401", "401", DA | DK, { XV(30, 0) }, "GINC" },
	{ "402", "402", DA | DK, { NF(17, CS) }, "GSIN" },
	{ "403", "403", DA, { XV(30, 0) }, "routing code" },
	{ "410", "410", PD | DA, { NF(13, CS) }, "ship-to GLN" },
	{ "411", "411", PD | DA, { NF(13, CS) }, "bill-to GLN" },
	{ "412", "412", PD | DA, { NF(13, CS) }, "purchased-from GLN" },
	{ "413", "413", PD | DA, { NF(13, CS) }, "ship-for GLN" },
	{ "414", "414", PD | DA | DK, { NF(13, CS) }, "location GLN" },
	{ "415", "415", PD | DA | DK, { NF(13, CS) }, "invoicing party GLN" },
	{ "416", "416", PD | DA, { NF(13, CS) }, "production location GLN" },
	{ "417", "417", PD | DA | DK, { NF(13, CS) }, "party GLN" },
	{ "420", "420", DA, { XV(20, 0) }, "ship-to postal code" },
	{ "421", "421", DA, { NF(3, 0), XV(9, 0) }, "ship-to postal code, country" },
	{ "422", "422", DA, { NF(3, 0) }, "country of origin" },
	{ "423", "423", DA,
	  { NF(3, 0), NFO(3, 0), NFO(3, 0), NFO(3, 0), NFO(3, 0) },
	  "countries of initial processing" },
	{ "424", "424", DA, { NF(3, 0) }, "country of processing" },
	{ "425", "425", DA,
	  { NF(3, 0), NFO(3, 0), NFO(3, 0), NFO(3, 0), NFO(3, 0) },
	  "countries of disassembly" },
	{ "426", "426", DA, { NF(3, 0) }, "country of full process" },
	{ "427", "427", DA, { XV(3, 0) }, "country subdivision of origin" },
	{ "4300", "4301", DA, { XV(35, 0) }, "ship-to company or name" },
	{ "4302", "4306", DA, { XV(70, 0) }, "ship-to address" },
	{ "4307", "4307", DA, { XF(2) }, "ship-to country" },
	{ "4308", "4308", DA, { XV(30, 0) }, "ship-to phone" },
	{ "4309", "4309", DA, { NF(10, 0), NF(10, 0) }, "ship-to geolocation" },
	{ "4310", "4311", DA, { XV(35, 0) }, "return-to company or name" },
	{ "4312", "4316", DA, { XV(70, 0) }, "return-to address" },
	{ "4317", "4317", DA, { XF(2) }, "return-to country" },
	{ "4318", "4318", DA, { XV(20, 0) }, "return-to postal code" },
	{ "4319", "4319", DA, { XV(30, 0) }, "return-to phone" },
	{ "4320", "4320", DA, { XV(35, 0) }, "service description" },
	{ "4321", "4323", DA, { NF(1, GS1_LINT_YESNO) }, "shipping flag" },
	{ "4324", "4325", DA, { NF(6, D0), NF(4, HM) }, "delivery date and time" },
	{ "4326", "4326", DA, { NF(6, DT) }, "release date" },
	{ "4330", "4333", DA,
	  { NF(6, 0), { GS1_CS_X, 1, 1, GS1_LINT_HYPHEN, 1 } },
	  "temperature limit" },
	{ "7001", "7001", DA, { NF(13, 0) }, "NATO stock number" },
	{ "7002", "7002", DA, { XV(30, 0) }, "meat carcass classification" },
	{ "7003", "7003", DA, { NF(6, DT), NF(4, HM) }, "expiry date and time" },
	{ "7004", "7004", DA, { NV(4) }, "active potency" },
	{ "7005", "7005", DA, { XV(12, 0) }, "catch area" },
	{ "7006", "7006", DA, { NF(6, DT) }, "first freeze date" },
	{ "7007", "7007", DA, { NF(6, DT), NFO(6, DT) }, "harvest date" },
	{ "7008", "7008", DA, { XV(3, 0) }, "aquatic species" },
	{ "7009", "7009", DA, { XV(10, 0) }, "fishing gear type" },
	{ "7010", "7010", DA, { XV(2, 0) }, "production method" },
	{ "7011", "7011", DA, { NF(6, DT), NFO(4, HM) }, "test by date" },
	{ "7020", "7020", DA, { XV(20, 0) }, "refurbishment lot" },
	{ "7021", "7021", DA, { XV(20, 0) }, "functional status" },
	{ "7022", "7022", DA, { XV(20, 0) }, "revision status" },
	{ "7023", "7023", DA, { XV(30, 0) }, "GIAI of an assembly" },
	{ "7030", "7039", DA, { NF(3, 0), XV(27, 0) }, "processor approval" },
	{ "7040", "7040", 0, { NF(1, 0), XF(1), XF(1), XF(1) },
	  "GS1 UIC with extension" },
	{ "7041", "7041", 0, { XV(4, 0) }, "freight unit type" },
	{ "710", "717", DA, { XV(20, 0) },
	  "national healthcare reimbursement number" },
	{ "7230", "7239", DA, { XF(2), XV(28, 0) }, "certification reference" },
	{ "7240", "7240", DA, { XV(20, 0) }, "protocol id" },
	{ "7241", "7241", DA, { NF(2, 0) }, "AIDC media type" },
	{ "7242", "7242", DA, { XV(25, 0) }, "version control number" },
	{ "7250", "7250", DA, { NF(8, D8) }, "date of birth" },
	{ "7251", "7251", DA, { NF(8, D8), NF(4, HM) }, "date and time of birth" },
	{ "7252", "7252", DA, { NF(1, 0) }, "biological sex" },
	{ "7253", "7254", DA, { XV(40, 0) }, "person name" },
	{ "7255", "7255", DA, { XV(10, 0) }, "name suffix" },
	{ "7256", "7256", DA, { XV(90, 0) }, "full name" },
	{ "7257", "7257", DA, { XV(70, 0) }, "person address" },
	{ "7258", "7258", DA, { { GS1_CS_X, 3, 3, GS1_LINT_POSINSEQ, 0 } },
	  "birth sequence" },
	{ "7259", "7259", DA, { XV(40, 0) }, "baby name" },
	{ "8001", "8001", DA,
	  { NF(4, GS1_LINT_NONZERO), NF(5, GS1_LINT_NONZERO),
	    NF(3, GS1_LINT_NONZERO), NF(1, 0), NF(1, 0) },
	  "roll dimensions" },
	{ "8002", "8002", DA, { XV(20, 0) }, "cellular mobile phone id" },
	{ "8003", "8003", DA | DK,
	  { NF(1, GS1_LINT_ZERO), NF(13, CS), XVO(16) }, "GRAI" },
	{ "8004", "8004", DA | DK, { XV(30, 0) }, "GIAI" },
	{ "8005", "8005", DA, { NF(6, 0) }, "price per unit" },
	{ "8006", "8006", DA | DK, { NF(14, CS), NF(4, GS1_LINT_PIECE) }, "ITIP" },
	{ "8007", "8007", DA, { XV(34, 0) }, "IBAN" },
	{ "8008", "8008", DA,
	  { NF(6, DT), NF(2, GS1_LINT_HH), NFO(2, GS1_LINT_MI),
	    NFO(2, GS1_LINT_MI) },
	  "production date and time" },
	{ "8009", "8009", DA, { XV(50, 0) }, "optically readable sensor" },
	{ "8010", "8010", DA | DK, { YV(30) }, "CPID" },
	{ "8011", "8011", 0, { { GS1_CS_N, 1, 12, GS1_LINT_NOZERO1, 0 } },
	  "CPID serial" },
	{ "8012", "8012", DA, { XV(20, 0) }, "software version" },
	{ "8013", "8013", DA | DK, { XV(25, CSA) }, "GMN" },
	{ "8014", "8014", 0, { XV(25, CSA) }, "MUDI" },
	{ "8017", "8017", DA | DK, { NF(18, CS) }, "GSRN provider" },
	{ "8018", "8018", DA | DK, { NF(18, CS) }, "GSRN recipient" },
	{ "8019", "8019", 0, { NV(10) }, "service relation instance" },
	{ "8020", "8020", 0, { XV(25, 0) }, "payment slip reference" },
	{ "8026", "8026", DA, { NF(14, CS), NF(4, GS1_LINT_PIECE) },
	  "ITIP content" },
	{ "8030", "8030", DA, { ZV(90) }, "digital signature" },
	{ "8040", "8041", 0, { NF(15, 0) }, "IMEI" },
	{ "8042", "8042", 0, { NF(32, 0) }, "eSIM id" },
	{ "8043", "8043", 0, { NF(18, 0), NVO(2) }, "pSIM id" },
	{ "8110", "8110", DA, { XV(70, 0) }, "coupon code" },
	{ "8111", "8111", DA, { NF(4, 0) }, "loyalty points" },
	{ "8112", "8112", DA, { XV(70, 0) }, "paperless coupon code" },
	{ "8200", "8200", 0, { XV(70, 0) }, "extended packaging URL" },
	{ "90", "90", DA, { XV(30, 0) }, "internal information" },
	{ "91", "99", DA, { XV(90, 0) }, "company internal information" },
};

#define AI_COUNT (sizeof(ai_table) / sizeof(ai_table[0]))

const struct gs1_ai *gs1_ai_at(size_t i)
{
	return i < AI_COUNT ? &ai_table[i] : NULL;
}

size_t gs1_ai_digits(const struct gs1_ai *ai)
{
	return ai->ga_lo[2] == '\0' ? 2 : ai->ga_lo[3] == '\0' ? 3 : 4;
}

/* memcmp for a few digits, inline: lookups run per element scanned. */
static int cmp_digits(const char *a, const char *b, size_t d)
{
	for (size_t i = 0; i < d; i++)
		if (a[i] != b[i])
			return a[i] < b[i] ? -1 : 1;
	return 0;
}

/* Compare the first d bytes of p with the entry's range (its first d
 * digits): <0 before it, 0 inside, >0 after. */
static int range_cmp(const struct gs1_ai *ai, const char *p, size_t d)
{
	if (cmp_digits(p, ai->ga_lo, d) < 0)
		return -1;
	if (cmp_digits(p, ai->ga_hi, d) > 0)
		return 1;
	return 0;
}

/* The entries an AI starting with two digits XY can match: those from
 * prefix_from[XY] up to (not including) prefix_to[XY].  Every element of
 * every code scanned or loaded is looked up, and these narrow a search of
 * the whole table (eight steps) to one or two. */
static uint16_t prefix_from[100], prefix_to[100];
static pthread_once_t prefix_once = PTHREAD_ONCE_INIT;

static int two_digits(const char *s)
{
	return (s[0] - '0') * 10 + (s[1] - '0');
}

static void index_prefixes(void)
{
	size_t from = 0, to = 0;
	for (int xy = 0; xy < 100; xy++) {
		/* The table is sorted and its ranges do not overlap. */
		while (from < AI_COUNT && two_digits(ai_table[from].ga_hi) < xy)
			from++;
		while (to < AI_COUNT && two_digits(ai_table[to].ga_lo) <= xy)
			to++;
		prefix_from[xy] = (uint16_t)from;
		prefix_to[xy] = (uint16_t)(to > from ? to : from);
	}
}

const struct gs1_ai *gs1_ai_find(const char *p, size_t n, size_t *ai_len)
{
	size_t digits = 0;

	while (digits < n && digits < 4 && code_is_digit(p[digits]))
		digits++;
	*ai_len = digits;
	if (digits < 2)
		return NULL;
	pthread_once(&prefix_once, index_prefixes);
	size_t lo = prefix_from[two_digits(p)], hi = prefix_to[two_digits(p)];
	/* AIs are prefix-free, so the set of strings starting with each AI
	 * is an interval and the intervals are in table order. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct gs1_ai *ai = &ai_table[mid];
		size_t d = gs1_ai_digits(ai);
		int c;

		if (d > digits) {
			/* Too few digits to match this entry: order by the
			 * digits we have; a tie means "truncated here". */
			c = range_cmp(ai, p, digits);
			if (c == 0)
				return NULL;
		} else {
			c = range_cmp(ai, p, d);
			if (c == 0) {
				*ai_len = d;
				return ai;
			}
		}
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

const struct gs1_ai *gs1_ai_exact(const char *p, size_t n)
{
	size_t len;
	const struct gs1_ai *ai = gs1_ai_find(p, n, &len);

	return ai != NULL && len == n ? ai : NULL;
}

size_t gs1_ai_fixed_len(const struct gs1_ai *ai)
{
	size_t total = 0;

	for (size_t k = 0; k < GS1_PARTS_MAX && ai->ga_parts[k].gp_cset; k++) {
		const struct gs1_part *pt = &ai->ga_parts[k];

		if (pt->gp_min != pt->gp_max || pt->gp_opt)
			return 0;
		total += pt->gp_max;
	}
	return total;
}

size_t gs1_ai_max_len(const struct gs1_ai *ai)
{
	size_t total = 0;

	for (size_t k = 0; k < GS1_PARTS_MAX && ai->ga_parts[k].gp_cset; k++)
		total += ai->ga_parts[k].gp_max;
	return total;
}

/* GS1 character set 82 in value order (the order of ASCII). */
static const char cset82[] =
	"!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_"
	"abcdefghijklmnopqrstuvwxyz";

void gs1_csumalpha(const char *p, size_t n, char pair[2])
{
	static const unsigned char primes[] = {
		2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53,
		59, 61, 67, 71, 73, 79, 83
	};
	static const char cset32[] = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
	unsigned sum = 0;

	/* Weights are primes from the rightmost data character. */
	for (size_t i = 0; i < n && i < sizeof(primes); i++) {
		const char *at = strchr(cset82, p[n - 1 - i]);
		unsigned v = at != NULL && *at ? (unsigned)(at - cset82) : 0;

		sum += primes[i] * v;
	}
	sum %= 1021;
	pair[0] = cset32[sum >> 5];
	pair[1] = cset32[sum & 31];
}

static bool in_cset(int cset, int c)
{
	switch (cset) {
	case GS1_CS_N:
		return code_is_digit(c);
	case GS1_CS_X:
		return code_is_cset82(c);
	case GS1_CS_Y:
		return code_is_cset39(c);
	default:
		return code_is_alnum(c) || c == '-' || c == '_';
	}
}

static const char *cset_what(int cset)
{
	switch (cset) {
	case GS1_CS_N:
		return "only digits";
	case GS1_CS_X:
		return "GS1 characters (letters, digits, !\"%&'()*+,-./:;<=>?_)";
	case GS1_CS_Y:
		return "upper-case letters, digits, # - /";
	default:
		return "base64url characters";
	}
}

/* Apply lint to the n bytes at v (charset already checked).  Returns NULL
 * or the reason it fails; *check is set for check-digit failures. */
static const char *lint(struct code_ctx *ctx, int lint_id, const char *v,
                        size_t n, bool *check)
{
	char pair[2];

	*check = false;
	switch (lint_id) {
	case GS1_LINT_CSUM:
		if (!code_gs1_check_ok(v, n)) {
			*check = true;
			return "check digit is wrong";
		}
		return NULL;
	case GS1_LINT_CSUMALPHA:
		if (n < 3)
			return "too short to carry its check characters";
		gs1_csumalpha(v, n - 2, pair);
		if (pair[0] != v[n - 2] || pair[1] != v[n - 1]) {
			*check = true;
			return "check character pair is wrong";
		}
		return NULL;
	case GS1_LINT_YYMMD0:
		return code_yymmdd(ctx, v, true, NULL);
	case GS1_LINT_YYMMDD:
		return code_yymmdd(ctx, v, false, NULL);
	case GS1_LINT_YYYYMMDD:
		return code_yyyymmdd(v, NULL);
	case GS1_LINT_HHMI:
		return code_hhmm(v);
	case GS1_LINT_HH:
		return code_two(v) > 23 ? "hour is not 00-23" : NULL;
	case GS1_LINT_MI:
		return code_two(v) > 59 ? "minute or second is not 00-59" : NULL;
	case GS1_LINT_ZERO:
		return v[0] != '0' ? "must be 0" : NULL;
	case GS1_LINT_NONZERO:
		for (size_t i = 0; i < n; i++)
			if (v[i] != '0')
				return NULL;
		return "must not be zero";
	case GS1_LINT_YESNO:
		return v[0] > '1' ? "must be 0 or 1" : NULL;
	case GS1_LINT_PIECE:
		if (code_two(v) == 0 || code_two(v + 2) == 0 ||
		    code_two(v) > code_two(v + 2))
			return "piece number must be 1 to the total";
		return NULL;
	case GS1_LINT_HYPHEN:
		return v[0] != '-' ? "must be '-'" : NULL;
	case GS1_LINT_NOZERO1:
		return n > 1 && v[0] == '0' ? "must not start with 0" : NULL;
	case GS1_LINT_POSINSEQ:
		if (!code_is_digit(v[0]) || v[1] != '/' || !code_is_digit(v[2]) ||
		    v[0] == '0' || v[0] > v[2])
			return "must be N/M with 1 <= N <= M";
		return NULL;
	default:
		return NULL;
	}
}

enum code_err gs1_ai_check(struct code_ctx *ctx, const struct gs1_ai *ai,
                           const char *code, const char *v, size_t n,
                           size_t pos, bool verbatim)
{
	char q[64], qc[8];
	size_t i = 0, fixed = gs1_ai_fixed_len(ai), max = gs1_ai_max_len(ai);

	if (fixed != 0 && n != fixed)
		return code_fail(ctx, n < fixed ? CODE_E_TRUNCATED : CODE_E_LENGTH,
		                 pos, "(%s) %s '%s' has %zu characters, %zu "
		                 "expected", code, ai->ga_name,
		                 code_quote(v, n, q, sizeof(q)), n, fixed);
	if (n > max)
		return code_fail(ctx, CODE_E_LENGTH, pos + (verbatim ? max : 0),
		                 "(%s) %s '%s' has %zu characters, at most %zu "
		                 "allowed", code, ai->ga_name,
		                 code_quote(v, n, q, sizeof(q)), n, max);
	if (n == 0)
		return code_fail(ctx, CODE_E_LENGTH, pos,
		                 "(%s) %s is empty", code, ai->ga_name);
	for (size_t k = 0; k < GS1_PARTS_MAX && ai->ga_parts[k].gp_cset; k++) {
		const struct gs1_part *pt = &ai->ga_parts[k];
		size_t rem = n - i, len;

		if (rem == 0 && pt->gp_opt)
			break;
		if (pt->gp_min == pt->gp_max) {
			if (rem < pt->gp_max)
				return code_fail(ctx, CODE_E_LENGTH,
				                 pos + (verbatim ? n : 0),
				                 "(%s) %s '%s' is too short: a "
				                 "component of %u characters is cut "
				                 "off", code, ai->ga_name,
				                 code_quote(v, n, q, sizeof(q)),
				                 pt->gp_max);
			len = pt->gp_max;
		} else {
			len = rem; /* the last component takes the rest */
		}
		for (size_t j = 0; j < len; j++) {
			int c = (unsigned char)v[i + j];

			if (!in_cset(pt->gp_cset, c))
				return code_fail(ctx, CODE_E_CHARSET,
				                 pos + (verbatim ? i + j : 0),
				                 "(%s) %s '%s': character '%s' is "
				                 "not allowed, expected %s", code,
				                 ai->ga_name,
				                 code_quote(v, n, q, sizeof(q)),
				                 code_quote(v + i + j, 1, qc, sizeof(qc)),
				                 cset_what(pt->gp_cset));
		}
		bool check;
		const char *why = lint(ctx, pt->gp_lint, v + i, len, &check);

		if (why != NULL)
			return code_fail(ctx, check ? CODE_E_CHECK :
			                 (pt->gp_lint >= GS1_LINT_YYMMD0 &&
			                  pt->gp_lint <= GS1_LINT_MI) ?
			                 CODE_E_DATE : CODE_E_SYNTAX,
			                 pos + (verbatim ? i : 0),
			                 "(%s) %s '%s': %s", code, ai->ga_name,
			                 code_quote(v, n, q, sizeof(q)), why);
		i += len;
	}
	if (i < n)
		return code_fail(ctx, CODE_E_LENGTH, pos + (verbatim ? i : 0),
		                 "(%s) %s '%s' has %zu characters, at most %zu "
		                 "allowed", code, ai->ga_name,
		                 code_quote(v, n, q, sizeof(q)), n, i);
	return CODE_OK;
}
