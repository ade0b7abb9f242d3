/*
 * yima-gen — a deterministic synthetic supply chain for tests and
 * benchmarks: sites, products, lots, and every distribution record from
 * commissioning to the pharmacy counter, as yima's native CSV files (and a
 * GS1 EPCIS 2.0 JSON-LD document on request), plus planted live scans,
 * a sample of codes and the facts a correct load must reproduce.
 *
 *   yima-gen --units N [--seed S] [--today YYYY-MM-DD] [--out DIR] [--epcis]
 *            [--products P] [--sites M,D,P,H]
 *
 * DESIGN.  The unit of generation is the lot.  A lot's whole life is
 * written before the next lot starts: commission its units, middle packs
 * and cases and pack them (case by case), ship the cases to distributors,
 * unpack some and ship middle packs on to pharmacies and hospitals, sell a
 * share of the units there, then write the lot's expected facts.  So memory
 * is bounded by the largest lot (a few arrays of case and middle-pack
 * states), not by N, and expected.csv needs no global table.  A code is
 * never stored: unit k of a product is a pure function of (seed, product,
 * k), so any later event regenerates its text.  The only collections that
 * grow with N are bounded samples: sample-codes.txt (at most 1,000,000
 * codes, chosen by selection sampling and shuffled) and the candidates for
 * planted scans (reservoirs of a fixed size).
 *
 * Determinism: every random choice comes from one xoshiro256** stream
 * seeded by --seed, in one fixed order; no floating point, no hash-table
 * iteration order, and no clock once "today" is fixed (--today, or the
 * date in Beijing when yima-gen starts).  --epcis only adds output and
 * draws nothing.
 *
 * Times: each group of records (one commissioning run, one container
 * packed, one shipment, one sale) gets the next instant of a simulated
 * clock; lots are spread evenly from LEAD_DAYS days before --today (08:00
 * +08:00) over SPAN_MS, each in its own slice of that span (a lot with
 * more groups than its slice was planned for slows down near the slice's
 * end), so every sale happens at least three weeks before --today and
 * before its lot expires.  Every date written (times, expiries, lot
 * names, the document's creationDate) is an offset from --today: the same
 * seed with another --today gives the same files with every date moved by
 * the difference.
 *
 * Exit status: 0 done; 2 bad arguments or an output error (message on
 * stderr).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "gen_code.h"
#include "gen_out.h"
#include "xmem.h"

#define UNITS_MIN      1000ull
#define UNITS_MAX      100000000ull
#define PER_MIDDLE     10u     /* units per middle pack */
#define PER_CASE       20u     /* middle packs per case */
#define GROUP_MAX      (PER_MIDDLE * PER_CASE) /* codes in one record group */
#define SAMPLE_MAX     1000000u
#define SAMPLE_SLOT    32u     /* bytes per sampled code text (longest: 30) */
#define SITES_MAX      99999u  /* 5-digit GLN location references */
#define COLD_READING   "14.5"  /* the planted cold-chain break's reading, °C */

/* Simulated clock: ms since the Unix epoch, UTC; every time is written
 * in Beijing time (+08:00, Asia/Shanghai: no daylight saving time). */
#define DAY_MS     (86400ll * 1000)
#define LEAD_DAYS  321     /* the first lot starts this many days before --today */
#define SPAN_MS    (299 * DAY_MS) /* the lots' span: it ends 22 days before --today */
#define TZ_MS      (8ll * 3600 * 1000)
#define TODAY_MIN  "2000-01-01" /* --today: every date written keeps four digits */
#define TODAY_MAX  "9990-12-31"

/* ---------------------------------------------------------------- rng */

struct rng { uint64_t s[4]; };

static uint64_t splitmix(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static void rng_seed(struct rng *r, uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix(&seed);
}

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static inline uint64_t rng_next(struct rng *r)
{
	uint64_t *s = r->s, res = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return res;
}

/* Uniform in 0 .. n-1 (n > 0); Lemire's multiply-shift, bias < 2^-32 for
 * the n used here, and integer-only so it is the same everywhere. */
static inline uint64_t rng_below(struct rng *r, uint64_t n)
{
	return (uint64_t)(((unsigned __int128)rng_next(r) * n) >> 64);
}

/* True with probability per_mille / 1000. */
static inline bool rng_chance(struct rng *r, unsigned per_mille)
{
	return rng_below(r, 1000) < per_mille;
}

/* -------------------------------------------------------------- dates */

/* Days since 1970-01-01 of a civil date and back (Howard Hinnant's
 * algorithms, proleptic Gregorian). */
static int64_t days_from_civil(int y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int *y, unsigned *m, unsigned *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t yy = (int64_t)yoe + era * 400;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int)(yy + (*m <= 2));
}

/* "YYYY-MM-DD", out[11]. */
static void format_day(int64_t days, char out[11])
{
	int y;
	unsigned m, d;
	civil_from_days(days, &y, &m, &d);
	gen_digits(out, (uint64_t)y, 4);
	out[4] = '-';
	gen_digits(out + 5, m, 2);
	out[7] = '-';
	gen_digits(out + 8, d, 2);
	out[10] = '\0';
}

/* ------------------------------------------------------------- model */

enum site_kind { SK_MFR, SK_DIST, SK_PHARMACY, SK_HOSPITAL, SK_N };
static const char *const site_kind_name[SK_N] = {
	"manufacturer", "distributor", "pharmacy", "hospital"
};
static const char *const site_id_prefix[SK_N] = { "MFR", "DST", "PHA", "HSP" };

struct site {
	char s_id[12];
	char s_gln[14];
	char s_urn[GEN_URN_MAX];
	uint8_t s_kind;
};

enum prod_kind { PK_CN, PK_GS1, PK_DEVICE };

struct product {
	uint8_t p_kind;
	uint32_t p_upp;              /* units per pack (> 1: split-packable) */
	uint32_t p_mfr;              /* site index of its manufacturer */
	uint32_t p_table;            /* index into drugs[] or devices[] */
	char p_id[16];               /* unit level: CN 7-digit prefix or GTIN-14 */
	char p_mid[16];              /* middle-pack level: its own prefix / GTIN */
	char p_nhsa[24];
	uint64_t p_units, p_mids;    /* codes issued so far at each level */
	uint64_t p_cn_off, p_cn_mid_off; /* CN serials start here */
	uint64_t p_key;              /* GS1 serial permutation key */
};

struct drug {
	const char *d_cn, *d_en, *d_form, *d_strength;
	unsigned d_count;            /* sub-units in a box (tablets, ampoules) */
};

static const struct drug drugs[] = {
	{ "阿莫西林胶囊", "Amoxicillin capsules", "capsule", "250 mg", 24 },
	{ "布洛芬缓释胶囊", "Ibuprofen SR capsules", "capsule", "300 mg", 20 },
	{ "盐酸二甲双胍片", "Metformin tablets", "tablet", "500 mg", 48 },
	{ "头孢克肟片", "Cefixime tablets", "tablet", "100 mg", 6 },
	{ "奥美拉唑肠溶胶囊", "Omeprazole capsules", "capsule", "20 mg", 14 },
	{ "苯磺酸氨氯地平片", "Amlodipine tablets", "tablet", "5 mg", 28 },
	{ "阿托伐他汀钙片", "Atorvastatin tablets", "tablet", "20 mg", 7 },
	{ "胰岛素注射液", "Insulin injection", "injection", "300 IU/3 ml", 5 },
	{ "左氧氟沙星片", "Levofloxacin tablets", "tablet", "500 mg", 10 },
	{ "对乙酰氨基酚片", "Paracetamol tablets", "tablet", "500 mg", 12 },
	{ "氯雷他定片", "Loratadine tablets", "tablet", "10 mg", 6 },
	{ "硝苯地平控释片", "Nifedipine CR tablets", "tablet", "30 mg", 12 },
};

static const struct drug devices[] = {
	{ "一次性使用无菌注射器", "Sterile syringe", "device", "5 ml", 1 },
	{ "一次性使用输液器", "Infusion set", "device", "Φ0.7 mm", 1 },
	{ "血糖试纸", "Blood glucose test strips", "device", "50 strips", 1 },
	{ "医用外科口罩", "Surgical mask", "device", "17.5 x 9.5 cm", 1 },
};

/* Company names: commas and quotes on purpose, so RFC 4180 quoting is
 * exercised by every file that names them. */
static const char *const makers[] = {
	"Huaxin Pharmaceutical Co., Ltd.",
	"Kangtai \"Sunrise\" Medical, Inc.",
	"北方制药有限公司",
	"Jinling Biotech Co., Ltd.",
	"Tianhe Pharma Group",
};

static const char *const cities[] = {
	"Beijing", "Shanghai", "Guangzhou", "Chengdu", "Wuhan", "Xi'an", "Hangzhou",
	"Shenyang", "Kunming", "Harbin",
};

/* By city: its district's region code (GB/T 2260) and the province's
 * abbreviation, which opens licence numbers (--archives). */
static const struct { const char *region, *prov, *tel; } city_archive[] = {
	{ "110105", "京", "010" }, { "310104", "沪", "021" }, { "440106", "粤", "020" },
	{ "510104", "川", "028" }, { "420102", "鄂", "027" }, { "610102", "陕", "029" },
	{ "330102", "浙", "0571" }, { "210102", "辽", "024" }, { "530102", "云", "0871" },
	{ "230102", "黑", "0451" },
};

/* Where a case or a middle pack is at the end of its lot's story. */
struct place {
	uint32_t pl_site;      /* holder; for in_transit, the sender */
	uint8_t  pl_transit;   /* shipped, never received */
	uint8_t  pl_unpacked;  /* cases: opened at a distributor */
	uint8_t  pl_retail;    /* middle packs: received at a pharmacy/hospital */
	uint8_t  pl_diverted;  /* received somewhere other than its destination */
	uint8_t  pl_cold;      /* shipped with the planted out-of-range reading */
	uint32_t pl_sold;      /* middle packs: units dispensed (fully or partly) */
};

/* A planted live scan candidate. */
struct cand {
	char c_code[GEN_CODE_MAX];
	uint32_t c_site;
};

/* One reservoir of candidates. */
struct reservoir {
	struct cand *r_items;
	size_t r_cap, r_len;
	uint64_t r_seen;
};

enum ev { EV_COMMISSION, EV_PACK, EV_UNPACK, EV_SHIP, EV_RECEIVE, EV_DISPENSE };
static const char *const ev_name[] = {
	"commission", "pack", "unpack", "ship", "receive", "dispense"
};

/* One group of records that share everything but the code: one CSV row per
 * code, one EPCIS event for the group. */
struct group {
	enum ev g_ev;
	const char *g_parent, *g_parent_urn;
	const char *g_product, *g_lot, *g_expiry;
	unsigned g_level;       /* 0: none */
	int64_t g_from, g_to;   /* site index, -1: none */
	const char *g_ref;
	uint32_t g_qty;         /* 0: none */
	bool g_partial;         /* a split pack sold in part */
	const char *g_temp;     /* SHIP: the logger's reading, or NULL */
	size_t g_n;
};

struct gen {
	uint64_t units, seed;
	int64_t day_ref;              /* --today, days since 1970-01-01 */
	int64_t t0;                   /* the first lot's start, ms */
	const char *dir;
	bool epcis;
	bool archives;                /* --archives: the archive columns */
	uint32_t nbad;                /* --bad-pharmacies: the last nbad pharmacies */
	bool temp_col;                /* events.csv has the temp column */
	bool cold_done;               /* the planted cold-chain break is written */
	struct rng rng;
	uint64_t key;                 /* derived from the seed: code hashing */

	struct site *sites;
	uint32_t nsites, first[SK_N], count[SK_N];
	struct product *prods;
	uint32_t nprods;

	struct gen_out ev_out, ep_out, exp_out, sample_out, scans_out;
	uint64_t rows, groups, lots, shipments, mp_shipments, sales, unpacked, sscc_next;
	bool ep_first;

	int64_t clock, step;
	int64_t lot_end;              /* the end of the current lot's slice */
	int64_t cached_sec;
	char tbuf[40];                /* the current group's time text */
	size_t tlen;

	/* The group being written. */
	char codes[GROUP_MAX][GEN_CODE_MAX];
	char urns[GROUP_MAX][GEN_URN_MAX];
	char parent[GEN_CODE_MAX], parent_urn[GEN_URN_MAX];

	/* Per lot. */
	struct place *cases_at, *mids_at;
	size_t places_cap;
	uint32_t *touched;            /* sites with counters for this lot */
	uint32_t ntouched;
	uint64_t (*tally)[3];         /* per site: in_stock, in_transit, dispensed */

	/* sample-codes.txt: selection sampling, then a shuffle. */
	char *sample;
	uint64_t sample_want, sample_len, units_seen;

	struct reservoir green, dup;
	uint64_t planted;             /* scans per kind */
	uint64_t diverted, in_transit, near_lots, expired_lots;
	uint64_t *site_sales;         /* --bad-pharmacies: DISPENSE events per site */
	uint64_t *site_alerts;        /* ... and diversions received per site */
};

/* ---------------------------------------------------------- identifiers */

/* A multiplier coprime to 10: (a*i + b) mod 10^k is then a permutation,
 * so products get distinct, scattered prefixes and item references. */
static uint64_t coprime10(struct rng *r)
{
	uint64_t a;
	do
		a = 1 + rng_below(r, 999998);
	while (a % 2 == 0 || a % 5 == 0);
	return a;
}

/* The canonical text of code k of a product's unit (mid = false) or
 * middle-pack level, and its EPC URN if urn != NULL (CN codes have no EPC
 * form: the URN is the code itself).  Returns the text length. */
static size_t code_text(const struct gen *g, const struct product *p, bool mid, uint64_t k,
			char out[GEN_CODE_MAX], char *urn)
{
	if (p->p_kind == PK_CN) {
		const char *prefix = mid ? p->p_mid : p->p_id;
		uint64_t serial = (mid ? p->p_cn_mid_off : p->p_cn_off) + k;
		/* The 4-digit check part is the issuer's secret; a keyed hash
		 * stands in for it. */
		uint64_t h = g->key ^ (serial * 0x9e3779b97f4a7c15ull) ^
			     ((uint64_t)(prefix[1] * 131 + prefix[6]) << 40);
		h = splitmix(&h);
		memcpy(out, prefix, 7);
		gen_digits(out + 7, serial, 9);
		gen_digits(out + 16, h % 10000, 4);
		out[20] = '\0';
		if (urn)
			memcpy(urn, out, 21);
		return 20;
	}
	const char *gtin = mid ? p->p_mid : p->p_id;
	char serial[9];
	gen_base32(gen_permute40(k, p->p_key ^ (mid ? 0x5a5a5a5a5aull : 0)), serial);
	memcpy(out, "(01)", 4);
	memcpy(out + 4, gtin, 14);
	memcpy(out + 18, "(21)", 4);
	memcpy(out + 22, serial, 9);
	if (urn)
		gen_urn_sgtin(gtin, serial, urn);
	return 30;
}

static void sscc_text(const struct gen *g, uint64_t n, char out[GEN_CODE_MAX], char *urn)
{
	char s[19];
	gen_sscc((unsigned)(g->key % 10), (g->key >> 8) % 500000000u + n, s);
	memcpy(out, "(00)", 4);
	memcpy(out + 4, s, 19);
	if (urn)
		gen_urn_sscc(s, urn);
}

/* ---------------------------------------------------------------- time */

/* Advance the clock to the group's instant and format it once. */
static void tick(struct gen *g)
{
	/* A lot with more groups than its slice was planned for slows down
	 * rather than run into the next lot's time, or past --today. */
	if (g->clock + g->step > g->lot_end && g->step > 1) {
		g->step = (g->lot_end - g->clock) / 16;
		if (g->step < 1)
			g->step = 1;
	}
	g->clock += g->step;
	int64_t local = g->clock + TZ_MS;
	int64_t sec = local / 1000;
	char *t = g->tbuf;
	if (sec != g->cached_sec) {
		int64_t days = sec / 86400, s = sec % 86400;
		format_day(days, t);
		t[10] = 'T';
		gen_digits(t + 11, (uint64_t)(s / 3600), 2);
		t[13] = ':';
		gen_digits(t + 14, (uint64_t)(s / 60 % 60), 2);
		t[16] = ':';
		gen_digits(t + 17, (uint64_t)(s % 60), 2);
		t[19] = '.';
		memcpy(t + 23, "+08:00", 7);
		g->cached_sec = sec;
	}
	gen_digits(t + 20, (uint64_t)(local % 1000), 3);
	g->tlen = 29;
}

/* --------------------------------------------------------------- output */

static void epcis_sources(struct gen *g, const char *list, const char *field, uint32_t site)
{
	struct gen_out *o = &g->ep_out;
	const char *urn = g->sites[site].s_urn;
	gen_out_str(o, ",\"");
	gen_out_str(o, list);
	gen_out_str(o, "\":[{\"type\":\"owning_party\",\"");
	gen_out_str(o, field);
	gen_out_str(o, "\":\"");
	gen_out_str(o, urn);
	gen_out_str(o, "\"},{\"type\":\"location\",\"");
	gen_out_str(o, field);
	gen_out_str(o, "\":\"");
	gen_out_str(o, urn);
	gen_out_str(o, "\"}]");
}

static void epcis_location(struct gen *g, uint32_t site)
{
	struct gen_out *o = &g->ep_out;
	gen_out_str(o, ",\"readPoint\":{\"id\":\"");
	gen_out_str(o, g->sites[site].s_urn);
	gen_out_str(o, "\"},\"bizLocation\":{\"id\":\"");
	gen_out_str(o, g->sites[site].s_urn);
	gen_out_str(o, "\"}");
}

static void epcis_list(struct gen *g, const char *name, size_t n)
{
	struct gen_out *o = &g->ep_out;
	gen_out_ch(o, ',');
	gen_out_json(o, name);
	gen_out_str(o, ":[");
	for (size_t i = 0; i < n; i++) {
		if (i)
			gen_out_ch(o, ',');
		gen_out_room(o);
		gen_out_json(o, g->urns[i]);
	}
	gen_out_ch(o, ']');
}

/* One EPCIS event for the group (see GEN.md for the mapping). */
static void epcis_event(struct gen *g, const struct group *gr)
{
	struct gen_out *o = &g->ep_out;
	gen_out_room(o);
	gen_out_str(o, g->ep_first ? "\n" : ",\n");
	g->ep_first = false;
	bool agg = gr->g_ev == EV_PACK || gr->g_ev == EV_UNPACK;
	gen_out_str(o, agg ? "{\"type\":\"AggregationEvent\"" : "{\"type\":\"ObjectEvent\"");
	gen_out_str(o, ",\"eventTime\":\"");
	gen_out_put(o, g->tbuf, g->tlen);
	gen_out_str(o, "\",\"eventTimeZoneOffset\":\"+08:00\"");
	if (agg) {
		gen_out_str(o, ",\"parentID\":");
		gen_out_json(o, gr->g_parent_urn);
		epcis_list(g, "childEPCs", gr->g_n);
	} else {
		epcis_list(g, "epcList", gr->g_n);
	}
	gen_out_room(o);
	switch (gr->g_ev) {
	case EV_COMMISSION:
		gen_out_str(o, ",\"action\":\"ADD\",\"bizStep\":\"commissioning\","
			       "\"disposition\":\"active\"");
		epcis_location(g, (uint32_t)gr->g_from);
		if (gr->g_lot) {
			gen_out_str(o, ",\"ilmd\":{\"cbvmda:lotNumber\":");
			gen_out_json(o, gr->g_lot);
			gen_out_str(o, ",\"cbvmda:itemExpirationDate\":\"");
			gen_out_str(o, gr->g_expiry);
			gen_out_str(o, "\"}");
		}
		gen_out_str(o, ",\"yima:level\":");
		gen_out_u64(o, gr->g_level);
		break;
	case EV_PACK:
		gen_out_str(o, ",\"action\":\"ADD\",\"bizStep\":\"packing\","
			       "\"disposition\":\"in_progress\"");
		epcis_location(g, (uint32_t)gr->g_from);
		break;
	case EV_UNPACK:
		gen_out_str(o, ",\"action\":\"DELETE\",\"bizStep\":\"unpacking\"");
		epcis_location(g, (uint32_t)gr->g_from);
		break;
	case EV_SHIP:
	case EV_RECEIVE: {
		bool ship = gr->g_ev == EV_SHIP;
		gen_out_str(o, ship ? ",\"action\":\"OBSERVE\",\"bizStep\":\"shipping\","
				      "\"disposition\":\"in_transit\"" :
				      ",\"action\":\"OBSERVE\",\"bizStep\":\"receiving\","
				      "\"disposition\":\"in_progress\"");
		epcis_location(g, (uint32_t)(ship ? gr->g_from : gr->g_to));
		gen_out_str(o, ",\"bizTransactionList\":[{\"type\":\"desadv\","
			       "\"bizTransaction\":\"urn:epcglobal:cbv:bt:");
		gen_out_str(o, g->sites[gr->g_from].s_gln);
		gen_out_ch(o, ':');
		gen_out_str(o, gr->g_ref);
		gen_out_str(o, "\"}]");
		epcis_sources(g, "sourceList", "source", (uint32_t)gr->g_from);
		if (ship)
			epcis_sources(g, "destinationList", "destination", (uint32_t)gr->g_to);
		if (gr->g_temp) {
			gen_out_str(o, ",\"sensorElementList\":[{\"sensorReport\":[{\"type\":"
				       "\"gs1:Temperature\",\"value\":");
			gen_out_str(o, gr->g_temp);
			gen_out_str(o, ",\"uom\":\"CEL\"}]}]");
		}
		break;
	}
	case EV_DISPENSE:
		gen_out_str(o, gr->g_partial ?
			       ",\"action\":\"OBSERVE\",\"bizStep\":\"retail_selling\","
			       "\"disposition\":\"partially_dispensed\"" :
			       ",\"action\":\"OBSERVE\",\"bizStep\":\"retail_selling\","
			       "\"disposition\":\"retail_sold\"");
		epcis_location(g, (uint32_t)gr->g_from);
		gen_out_str(o, ",\"bizTransactionList\":[{\"type\":\"inv\","
			       "\"bizTransaction\":\"urn:epcglobal:cbv:bt:");
		gen_out_str(o, g->sites[gr->g_from].s_gln);
		gen_out_ch(o, ':');
		gen_out_str(o, gr->g_ref);
		gen_out_str(o, "\"}]");
		if (gr->g_qty) {
			gen_out_str(o, ",\"yima:qty\":");
			gen_out_u64(o, gr->g_qty);
		}
		break;
	}
	gen_out_ch(o, '}');
}

/* Write the group: advance the clock, one CSV row per code in g->codes. */
static void emit(struct gen *g, const struct group *gr)
{
	struct gen_out *o = &g->ev_out;
	tick(g);
	g->groups++;
	const char *name = ev_name[gr->g_ev];
	size_t nlen = strlen(name);
	const char *from = gr->g_from >= 0 ? g->sites[gr->g_from].s_id : "";
	const char *to = gr->g_to >= 0 ? g->sites[gr->g_to].s_id : "";
	for (size_t i = 0; i < gr->g_n; i++) {
		gen_out_room(o);
		gen_out_put(o, name, nlen);
		gen_out_ch(o, ',');
		gen_out_put(o, g->tbuf, g->tlen);
		gen_out_ch(o, ',');
		gen_out_str(o, g->codes[i]);
		gen_out_ch(o, ',');
		if (gr->g_parent)
			gen_out_str(o, gr->g_parent);
		gen_out_ch(o, ',');
		if (gr->g_product)
			gen_out_str(o, gr->g_product);
		gen_out_ch(o, ',');
		if (gr->g_lot)
			gen_out_str(o, gr->g_lot);
		gen_out_ch(o, ',');
		if (gr->g_expiry)
			gen_out_str(o, gr->g_expiry);
		gen_out_ch(o, ',');
		if (gr->g_level)
			gen_out_ch(o, (char)('0' + gr->g_level));
		gen_out_ch(o, ',');
		gen_out_str(o, from);
		gen_out_ch(o, ',');
		gen_out_str(o, to);
		gen_out_ch(o, ',');
		if (gr->g_ref)
			gen_out_str(o, gr->g_ref);
		gen_out_ch(o, ',');
		if (gr->g_qty)
			gen_out_u64(o, gr->g_qty);
		if (g->temp_col) {
			gen_out_ch(o, ',');
			if (gr->g_temp)
				gen_out_str(o, gr->g_temp);
		}
		gen_out_ch(o, '\n');
	}
	g->rows += gr->g_n;
	if (g->epcis)
		epcis_event(g, gr);
}

/* -------------------------------------------------------- bookkeeping */

static void tally(struct gen *g, uint32_t site, unsigned what, uint64_t n)
{
	if (!n)
		return;
	uint64_t *t = g->tally[site];
	if (!t[0] && !t[1] && !t[2])
		g->touched[g->ntouched++] = site;
	t[what] += n;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return (x > y) - (x < y);
}

/* Reservoir sampling (Vitter's algorithm R): the slot the next candidate
 * goes to, or NULL when it is not kept.  The caller fills the slot. */
static struct cand *reservoir_slot(struct gen *g, struct reservoir *r)
{
	uint64_t slot = r->r_seen++;
	if (r->r_len < r->r_cap)
		return &r->r_items[r->r_len++];
	slot = rng_below(&g->rng, r->r_seen);
	return slot < r->r_cap ? &r->r_items[slot] : NULL;
}

/* A random site of kind pharmacy or hospital (3 in 4 pharmacies), or of
 * `kind` when kind != SK_PHARMACY; never `not` (UINT32_MAX: no exclusion;
 * needs two sites to choose from). */
static uint32_t pick_site(struct gen *g, enum site_kind kind, uint32_t not)
{
	for (;;) {
		enum site_kind k = kind;
		if (k == SK_PHARMACY && g->count[SK_HOSPITAL] &&
		    (rng_below(&g->rng, 4) == 0 || !g->count[SK_PHARMACY]))
			k = SK_HOSPITAL;
		uint32_t s = g->first[k] + (uint32_t)rng_below(&g->rng, g->count[k]);
		if (s != not)
			return s;
	}
}

/* --bad-pharmacies: the planted bad pharmacies are the last nbad ones. */
static bool is_bad(const struct gen *g, uint32_t s)
{
	uint32_t end = g->first[SK_PHARMACY] + g->count[SK_PHARMACY];
	return g->nbad && s < end && s >= end - g->nbad;
}

/* The k-th bad pharmacy (cycling), never `not`; UINT32_MAX when the only
 * one is `not`.  Draws nothing: the stream stays what it would have been. */
static uint32_t bad_site(const struct gen *g, uint64_t k, uint32_t not)
{
	uint32_t first = g->first[SK_PHARMACY] + g->count[SK_PHARMACY] - g->nbad;
	uint32_t s = first + (uint32_t)(k % g->nbad);
	if (s == not)
		s = g->nbad > 1 ? first + (uint32_t)((k + 1) % g->nbad) : UINT32_MAX;
	return s;
}

/* Where a diverted shipment is received: with --bad-pharmacies, a bad
 * pharmacy (a case too: it stays there unopened), else any other site of
 * the kind. */
static uint32_t divert_site(struct gen *g, enum site_kind kind, uint32_t dest)
{
	uint32_t at = g->nbad ? bad_site(g, g->diverted, dest) : UINT32_MAX;
	if (at == UINT32_MAX)
		at = pick_site(g, kind, dest);
	if (g->nbad)
		g->site_alerts[at]++;
	return at;
}

/* ----------------------------------------------------------------- lots */

enum fate { F_NORMAL, F_STAY, F_TRANSIT, F_DIVERT };

/* What happens to shipment number n: a few are planted at fixed early
 * positions so that even the smallest data set has each kind. */
static enum fate shipment_fate(struct gen *g, uint64_t n, uint64_t divert_at,
			       uint64_t transit_at, unsigned stay_pm)
{
	if (n == divert_at)
		return F_DIVERT;
	if (n == transit_at)
		return F_TRANSIT;
	uint64_t r = rng_below(&g->rng, 1000);
	if (r < 15)
		return F_DIVERT;
	if (r < 40)
		return F_TRANSIT;
	if (r < 40 + stay_pm)
		return F_STAY;
	return F_NORMAL;
}

struct lot {
	struct product *l_p;
	char l_name[24];
	char l_expiry[11];
	int64_t l_expiry_days;
	bool l_far, l_sellable;
	uint64_t l_units, l_mids, l_cases;
	uint64_t l_u0, l_m0, l_c0;  /* first code numbers */
};

static uint64_t mid_units(const struct lot *l, uint64_t m)
{
	uint64_t left = l->l_units - m * PER_MIDDLE;
	return left < PER_MIDDLE ? left : PER_MIDDLE;
}

static uint64_t case_mids(const struct lot *l, uint64_t c)
{
	uint64_t left = l->l_mids - c * PER_CASE;
	return left < PER_CASE ? left : PER_CASE;
}

/* Commission the lot case by case and pack it. */
static void lot_commission(struct gen *g, struct lot *l)
{
	struct product *p = l->l_p;
	uint32_t mfr = p->p_mfr;
	char *urn_or_null;
	for (uint64_t c = 0; c < l->l_cases; c++) {
		uint64_t m_first = c * PER_CASE, nm = case_mids(l, c);
		uint64_t u_first = m_first * PER_MIDDLE, nu = 0;
		for (uint64_t m = 0; m < nm; m++)
			nu += mid_units(l, m_first + m);

		struct group gr = { .g_ev = EV_COMMISSION, .g_product = p->p_id,
				    .g_lot = l->l_name, .g_expiry = l->l_expiry, .g_level = 1,
				    .g_from = mfr, .g_to = -1, .g_n = nu };
		for (uint64_t i = 0; i < nu; i++) {
			urn_or_null = g->epcis ? g->urns[i] : NULL;
			code_text(g, p, false, l->l_u0 + u_first + i, g->codes[i], urn_or_null);
			/* Selection sampling (Knuth's algorithm S): exactly
			 * sample_want of the N units, each equally likely. */
			uint64_t left = g->units - g->units_seen++;
			if (rng_below(&g->rng, left) < g->sample_want - g->sample_len)
				memcpy(g->sample + SAMPLE_SLOT * g->sample_len++, g->codes[i],
				       SAMPLE_SLOT);
		}
		emit(g, &gr);

		gr.g_product = p->p_mid;
		gr.g_level = 2;
		gr.g_n = nm;
		for (uint64_t m = 0; m < nm; m++)
			code_text(g, p, true, l->l_m0 + m_first + m, g->codes[m],
				  g->epcis ? g->urns[m] : NULL);
		emit(g, &gr);

		sscc_text(g, l->l_c0 + c, g->codes[0], g->epcis ? g->urns[0] : NULL);
		struct group cs = { .g_ev = EV_COMMISSION, .g_level = 3, .g_from = mfr,
				    .g_to = -1, .g_n = 1 };
		emit(g, &cs);

		/* Units into middle packs, then middle packs into the case. */
		struct group pk = { .g_ev = EV_PACK, .g_parent = g->parent,
				    .g_parent_urn = g->parent_urn, .g_from = mfr, .g_to = -1 };
		for (uint64_t m = 0; m < nm; m++) {
			code_text(g, p, true, l->l_m0 + m_first + m, g->parent, g->parent_urn);
			pk.g_n = mid_units(l, m_first + m);
			for (uint64_t i = 0; i < pk.g_n; i++)
				code_text(g, p, false, l->l_u0 + (m_first + m) * PER_MIDDLE + i,
					  g->codes[i], g->epcis ? g->urns[i] : NULL);
			emit(g, &pk);
		}
		sscc_text(g, l->l_c0 + c, g->parent, g->parent_urn);
		pk.g_n = nm;
		for (uint64_t m = 0; m < nm; m++)
			code_text(g, p, true, l->l_m0 + m_first + m, g->codes[m],
				  g->epcis ? g->urns[m] : NULL);
		emit(g, &pk);

		g->cases_at[c] = (struct place){ .pl_site = mfr };
	}
}

/* Ship the lot's cases to distributors in shipments of a few cases. */
static void lot_ship_cases(struct gen *g, struct lot *l)
{
	uint32_t mfr = l->l_p->p_mfr;
	uint64_t per = 1 + g->units / 2000000;	/* bigger runs, bigger shipments */
	if (per > 8)
		per = 8;
	char ref[24];
	for (uint64_t c = 0; c < l->l_cases;) {
		uint64_t k = 1 + rng_below(&g->rng, per);
		if (k > l->l_cases - c)
			k = l->l_cases - c;
		enum fate f = shipment_fate(g, g->shipments++, 1, 3, 30);
		uint32_t dest = pick_site(g, SK_DIST, UINT32_MAX);
		if (f != F_STAY) {
			snprintf(ref, sizeof ref, "DN%08" PRIu64, g->shipments);
			for (uint64_t i = 0; i < k; i++)
				sscc_text(g, l->l_c0 + c + i, g->codes[i],
					  g->epcis ? g->urns[i] : NULL);
			struct group gr = { .g_ev = EV_SHIP, .g_from = mfr, .g_to = dest,
					    .g_ref = ref, .g_n = k };
			emit(g, &gr);
			uint32_t at = dest;
			if (f == F_DIVERT)
				at = divert_site(g, SK_DIST, dest);
			if (f != F_TRANSIT) {
				gr.g_ev = EV_RECEIVE;
				gr.g_to = at;
				emit(g, &gr);
			}
			for (uint64_t i = 0; i < k; i++) {
				struct place *pl = &g->cases_at[c + i];
				pl->pl_transit = f == F_TRANSIT;
				pl->pl_site = f == F_TRANSIT ? mfr : at;
				pl->pl_diverted = f == F_DIVERT;
			}
			g->diverted += f == F_DIVERT;
			g->in_transit += f == F_TRANSIT;
		}
		c += k;
	}
}

/* Distributors open most cases and send middle packs on. */
static void lot_distribute(struct gen *g, struct lot *l)
{
	struct product *p = l->l_p;
	char ref[24];
	for (uint64_t c = 0; c < l->l_cases; c++) {
		struct place *cp = &g->cases_at[c];
		uint64_t m_first = c * PER_CASE, nm = case_mids(l, c);
		for (uint64_t m = 0; m < nm; m++)
			g->mids_at[m_first + m] = (struct place){ .pl_site = cp->pl_site };
		if (cp->pl_transit || g->sites[cp->pl_site].s_kind != SK_DIST ||
		    (g->unpacked > 0 && !rng_chance(&g->rng, 750)))
			continue;
		g->unpacked++;
		uint32_t dist = cp->pl_site;
		cp->pl_unpacked = 1;
		sscc_text(g, l->l_c0 + c, g->parent, g->parent_urn);
		for (uint64_t m = 0; m < nm; m++)
			code_text(g, p, true, l->l_m0 + m_first + m, g->codes[m],
				  g->epcis ? g->urns[m] : NULL);
		struct group up = { .g_ev = EV_UNPACK, .g_parent = g->parent,
				    .g_parent_urn = g->parent_urn, .g_from = dist, .g_to = -1,
				    .g_n = nm };
		emit(g, &up);

		for (uint64_t m = 0; m < nm;) {
			uint64_t k = 1 + rng_below(&g->rng, 5);
			if (k > nm - m)
				k = nm - m;
			enum fate f = shipment_fate(g, g->mp_shipments++, 2, 5, 100);
			uint32_t dest = pick_site(g, SK_PHARMACY, UINT32_MAX);
			/* --bad-pharmacies with --archives: the first shipment
			 * of a vaccine lot far from expiry goes to a bad
			 * pharmacy with a warm logger reading. */
			bool cold = g->temp_col && !g->cold_done && f == F_NORMAL && l->l_far &&
				    (size_t)(p - g->prods) % 10 == 2;
			if (cold) {
				dest = bad_site(g, 0, UINT32_MAX);
				g->cold_done = true;
			}
			if (f != F_STAY) {
				snprintf(ref, sizeof ref, "DN%08" PRIu64,
					 ++g->shipments);
				for (uint64_t i = 0; i < k; i++)
					code_text(g, p, true, l->l_m0 + m_first + m + i,
						  g->codes[i], g->epcis ? g->urns[i] : NULL);
				struct group gr = { .g_ev = EV_SHIP, .g_from = dist,
						    .g_to = dest, .g_ref = ref, .g_n = k,
						    .g_temp = cold ? COLD_READING : NULL };
				emit(g, &gr);
				gr.g_temp = NULL;
				uint32_t at = dest;
				if (f == F_DIVERT)
					at = divert_site(g, SK_PHARMACY, dest);
				if (f != F_TRANSIT) {
					gr.g_ev = EV_RECEIVE;
					gr.g_to = at;
					emit(g, &gr);
				}
				for (uint64_t i = 0; i < k; i++) {
					struct place *pl = &g->mids_at[m_first + m + i];
					pl->pl_transit = f == F_TRANSIT;
					pl->pl_site = f == F_TRANSIT ? dist : at;
					pl->pl_retail = f != F_TRANSIT;
					pl->pl_diverted = f == F_DIVERT;
					pl->pl_cold = cold;
				}
				g->diverted += f == F_DIVERT;
				g->in_transit += f == F_TRANSIT;
			}
			m += k;
		}
	}
}

/* Pharmacies and hospitals sell a share of what they received. */
static void lot_dispense(struct gen *g, struct lot *l)
{
	struct product *p = l->l_p;
	char ref[24];
	for (uint64_t m = 0; m < l->l_mids; m++) {
		struct place *pl = &g->mids_at[m];
		if (!pl->pl_retail || pl->pl_cold)
			continue;	/* a broken pack is not sold (nor offered) */
		uint64_t nu = mid_units(l, m);
		for (uint64_t i = 0; i < nu; i++) {
			uint64_t k = l->l_u0 + m * PER_MIDDLE + i;
			/* Never sell what has expired by the time of the sale:
			 * the load would rightly refuse it. */
			bool sell = l->l_sellable && rng_chance(&g->rng, 450) &&
				    (g->clock + g->step * 3 + TZ_MS) / DAY_MS < l->l_expiry_days;
			if (!sell) {
				struct cand *c;
				if (l->l_far && !pl->pl_diverted &&
				    (c = reservoir_slot(g, &g->green)) != NULL) {
					code_text(g, p, false, k, c->c_code, NULL);
					c->c_site = pl->pl_site;
				}
				continue;
			}
			code_text(g, p, false, k, g->codes[0], g->epcis ? g->urns[0] : NULL);
			struct group gr = { .g_ev = EV_DISPENSE, .g_from = pl->pl_site,
					    .g_to = -1, .g_ref = ref, .g_n = 1 };
			uint32_t sold = 0, sales = 1;
			if (p->p_upp > 1) {
				/* Split packs: half sold whole, the rest in one
				 * or two partial sales. */
				uint64_t r = rng_below(&g->rng, 10);
				sales = r < 5 ? 1 : r < 8 ? 1 : 2;
				if (r < 5)
					gr.g_qty = p->p_upp;
				else
					gr.g_qty = 1 + (uint32_t)rng_below(&g->rng, p->p_upp - 1);
			}
			for (uint32_t s = 0; s < sales; s++) {
				if (s == 1) {
					uint32_t left = p->p_upp - sold;
					gr.g_qty = 1 + (uint32_t)rng_below(&g->rng, left);
				}
				snprintf(ref, sizeof ref, "TX%010" PRIu64, ++g->sales);
				gr.g_partial = p->p_upp > 1 && gr.g_qty + sold < p->p_upp;
				emit(g, &gr);
				if (g->nbad)
					g->site_sales[pl->pl_site]++;
				sold += gr.g_qty ? gr.g_qty : 1;
			}
			pl->pl_sold++;
			struct cand *c;
			if (sold >= p->p_upp && (c = reservoir_slot(g, &g->dup)) != NULL) {
				memcpy(c->c_code, g->codes[0], GEN_CODE_MAX);
				c->c_site = pl->pl_site;
			}
		}
	}
}

/* The lot's facts: where its units are and in what state. */
static void lot_expected(struct gen *g, struct lot *l)
{
	for (uint64_t c = 0; c < l->l_cases; c++) {
		const struct place *cp = &g->cases_at[c];
		uint64_t m_first = c * PER_CASE, nm = case_mids(l, c);
		for (uint64_t m = 0; m < nm; m++) {
			uint64_t nu = mid_units(l, m_first + m);
			const struct place *mp = cp->pl_unpacked ? &g->mids_at[m_first + m] : cp;
			if (mp->pl_transit) {
				tally(g, mp->pl_site, 1, nu);
			} else {
				tally(g, mp->pl_site, 0, nu - mp->pl_sold);
				tally(g, mp->pl_site, 2, mp->pl_sold);
			}
		}
	}
	qsort(g->touched, g->ntouched, sizeof *g->touched, cmp_u32);
	struct gen_out *o = &g->exp_out;
	for (uint32_t i = 0; i < g->ntouched; i++) {
		uint32_t s = g->touched[i];
		gen_out_room(o);
		gen_out_str(o, l->l_p->p_id);
		gen_out_ch(o, ',');
		gen_out_str(o, l->l_name);
		gen_out_ch(o, ',');
		gen_out_str(o, g->sites[s].s_id);
		for (int k = 0; k < 3; k++) {
			gen_out_ch(o, ',');
			gen_out_u64(o, g->tally[s][k]);
			g->tally[s][k] = 0;
		}
		gen_out_ch(o, '\n');
	}
	g->ntouched = 0;
}

static void gen_lot(struct gen *g, uint64_t index, uint64_t units, uint64_t done)
{
	struct lot l = { .l_units = units };
	/* --bad-pharmacies with --archives: the fourth lot is of the first
	 * vaccine family (2), far from expiry, for the planted cold-chain
	 * break. */
	bool cold = g->temp_col && index == 3 && g->nprods > 2;
	struct product *p = &g->prods[cold ? 2 : index < g->nprods ? index :
				       rng_below(&g->rng, g->nprods)];
	l.l_p = p;

	/* The lot starts at its share of the time span (later if the previous
	 * lot ran long), and its groups share the lot's slice. */
	int64_t start = g->t0 + (int64_t)((unsigned __int128)done * SPAN_MS / g->units);
	if (g->clock < start)
		g->clock = start;
	int64_t slice = (int64_t)((unsigned __int128)units * SPAN_MS / g->units);
	g->lot_end = start + slice;
	g->step = slice / (int64_t)(units / 2 + 8);
	if (g->step < 1)
		g->step = 1;

	int64_t made = (g->clock + TZ_MS) / DAY_MS;	/* the lot's first day */
	uint64_t kind = index == 1 ? 1 : index == 2 ? 2 : rng_below(&g->rng, 100);
	if (cold)
		kind = 99;
	if (kind == 1 || (kind >= 3 && kind < 10)) {
		/* Near expiry: 1 to 29 days after --today. */
		l.l_expiry_days = g->day_ref + 1 + (int64_t)rng_below(&g->rng, 29);
		g->near_lots++;
	} else if (kind == 2 || (kind >= 10 && kind < 16)) {
		/* Already expired on --today. */
		l.l_expiry_days = g->day_ref - 1 - (int64_t)rng_below(&g->rng, 300);
		g->expired_lots++;
	} else {
		l.l_expiry_days = made + 730 + (int64_t)rng_below(&g->rng, 1096);
		l.l_far = true;
	}
	l.l_sellable = l.l_expiry_days > g->day_ref;
	format_day(l.l_expiry_days, l.l_expiry);
	char d[11];
	format_day(made, d);
	snprintf(l.l_name, sizeof l.l_name, "B%.2s%.2s%.2s%05" PRIu64, d + 2, d + 5, d + 8,
		 index + 1);

	l.l_mids = (units + PER_MIDDLE - 1) / PER_MIDDLE;
	l.l_cases = (l.l_mids + PER_CASE - 1) / PER_CASE;
	l.l_u0 = p->p_units;
	l.l_m0 = p->p_mids;
	l.l_c0 = g->sscc_next;
	p->p_units += l.l_units;
	p->p_mids += l.l_mids;
	g->sscc_next += l.l_cases;
	if (l.l_cases > g->places_cap) {
		g->places_cap = l.l_cases;
		free(g->cases_at);
		free(g->mids_at);
		g->cases_at = xcalloc(l.l_cases, sizeof *g->cases_at);
		g->mids_at = xcalloc(l.l_cases * PER_CASE, sizeof *g->mids_at);
	}
	lot_commission(g, &l);
	lot_ship_cases(g, &l);
	lot_distribute(g, &l);
	lot_dispense(g, &l);
	lot_expected(g, &l);
	g->lots++;
}

/* ------------------------------------------------------- master data */

static void make_sites(struct gen *g, const uint32_t cnt[SK_N])
{
	g->nsites = 0;
	for (int k = 0; k < SK_N; k++)
		g->nsites += cnt[k];
	g->sites = xcalloc(g->nsites, sizeof *g->sites);
	g->tally = xcalloc(g->nsites, sizeof *g->tally);
	g->touched = xcalloc(g->nsites, sizeof *g->touched);
	static const int width[SK_N] = { 3, 4, 5, 5 };
	uint32_t n = 0;
	for (int k = 0; k < SK_N; k++) {
		g->first[k] = n;
		g->count[k] = cnt[k];
		for (uint32_t i = 0; i < cnt[k]; i++, n++) {
			struct site *s = &g->sites[n];
			s->s_kind = (uint8_t)k;
			snprintf(s->s_id, sizeof s->s_id, "%s%0*" PRIu32, site_id_prefix[k],
				 width[k], i + 1);
			gen_gln(n + 1, s->s_gln);
			gen_urn_sgln(s->s_gln, s->s_urn);
		}
	}
}

/* A site's archive columns (--archives): region, licence and its validity
 * (five years; every 50th pharmacy's passed ten days before --today, the
 * planted expired licences), address, contact.  From the site's number
 * alone: the random streams, and so every other file, stay as they are. */
static void site_archive(struct gen *g, struct gen_out *o, uint32_t n, uint32_t i)
{
	static const char *const letters[SK_N] = { "20", "AA", "CB", "YL" };
	const struct site *s = &g->sites[n];
	size_t c = (n * 7 + 3) % (sizeof city_archive / sizeof *city_archive);
	char buf[160], from[11], until[11];
	bool expired = s->s_kind == SK_PHARMACY && i % 50 == 7;
	format_day(g->day_ref - 1500, from);
	format_day(expired ? g->day_ref - 10 : g->day_ref + 326, until);
	gen_out_ch(o, ',');
	gen_out_str(o, city_archive[c].region);
	snprintf(buf, sizeof buf, ",%s%s%07" PRIu32 ",%s,%s,", city_archive[c].prov,
		 letters[s->s_kind], n + 1, from, until);
	gen_out_str(o, buf);
	snprintf(buf, sizeof buf, "%s, %s Road No. %" PRIu32, cities[c], cities[(c + 3) % 10],
		 i);
	gen_out_csv(o, buf);
	snprintf(buf, sizeof buf, ",Tel %s-8%07" PRIu32, city_archive[c].tel, n + 1);
	gen_out_str(o, buf);
}

static void write_sites(struct gen *g)
{
	struct gen_out *o = &g->sample_out;	/* borrowed before its own use */
	char name[256];
	gen_out_str(o, g->archives ? "site,name,kind,gln,region,licence,licence_valid_from,"
		    "licence_valid_until,address,contact\n" : "site,name,kind,gln\n");
	for (uint32_t n = 0; n < g->nsites; n++) {
		const struct site *s = &g->sites[n];
		uint32_t i = n - g->first[s->s_kind] + 1;
		const char *city = cities[(n * 7 + 3) % (sizeof cities / sizeof *cities)];
		switch (s->s_kind) {
		case SK_MFR:
			snprintf(name, sizeof name, "%s (%s plant %" PRIu32 ")",
				 makers[(i - 1) % (sizeof makers / sizeof *makers)], city, i);
			break;
		case SK_DIST:
			snprintf(name, sizeof name, "%s Pharmaceutical Distribution Co., Ltd. "
				 "#%" PRIu32, city, i);
			break;
		case SK_PHARMACY:
			snprintf(name, sizeof name, "康民大药房 Kangmin Pharmacy No. %" PRIu32
				 ", %s", i, city);
			break;
		default:
			snprintf(name, sizeof name, "%s People's Hospital No. %" PRIu32, city, i);
			break;
		}
		gen_out_room(o);
		gen_out_str(o, s->s_id);
		gen_out_ch(o, ',');
		gen_out_csv(o, name);
		gen_out_ch(o, ',');
		gen_out_str(o, site_kind_name[s->s_kind]);
		gen_out_ch(o, ',');
		gen_out_str(o, s->s_gln);
		if (g->archives)
			site_archive(g, o, n, i);
		gen_out_ch(o, '\n');
	}
}

static void make_products(struct gen *g, uint32_t count)
{
	g->nprods = count;
	g->prods = xcalloc(count, sizeof *g->prods);
	uint64_t a6 = coprime10(&g->rng), b6 = rng_below(&g->rng, 1000000);
	uint64_t a5 = coprime10(&g->rng), b5 = rng_below(&g->rng, 100000);
	uint64_t room = 1000000000ull - g->units - 2000000;
	for (uint32_t i = 0; i < count; i++) {
		struct product *p = &g->prods[i];
		unsigned cls = i % 10;
		p->p_kind = cls < 6 ? PK_CN : cls < 9 ? PK_GS1 : PK_DEVICE;
		p->p_mfr = g->first[SK_MFR] + i % g->count[SK_MFR];
		p->p_key = rng_next(&g->rng);
		p->p_cn_off = rng_below(&g->rng, room);
		p->p_cn_mid_off = rng_below(&g->rng, room);
		if (p->p_kind == PK_CN) {
			p->p_id[0] = p->p_mid[0] = '8';
			gen_digits(p->p_id + 1, (a6 * (2 * i) + b6) % 1000000, 6);
			gen_digits(p->p_mid + 1, (a6 * (2 * i + 1) + b6) % 1000000, 6);
		} else {
			uint32_t item = (uint32_t)((a5 * i + b5) % 100000);
			gen_gtin(0, item, p->p_id);
			gen_gtin(1, item, p->p_mid);	/* indicator 1: the middle pack */
		}
		if (p->p_kind == PK_DEVICE) {
			p->p_table = (i / 10) % (uint32_t)(sizeof devices / sizeof *devices);
			p->p_upp = 1;
			p->p_nhsa[0] = 'C';
			gen_digits(p->p_nhsa + 1, rng_below(&g->rng, 10000000000ull), 10);
			gen_digits(p->p_nhsa + 11, rng_below(&g->rng, 1000000000ull), 9);
		} else {
			p->p_table = (i * 7 + i / 10) % (uint32_t)(sizeof drugs / sizeof *drugs);
			p->p_upp = i % 3 == 1 ? drugs[p->p_table].d_count : 1;
			p->p_nhsa[0] = 'X';
			p->p_nhsa[1] = (char)('A' + rng_below(&g->rng, 26));
			p->p_nhsa[2] = (char)('A' + rng_below(&g->rng, 26));
			gen_digits(p->p_nhsa + 3, rng_below(&g->rng, 10000000000ull), 10);
			gen_digits(p->p_nhsa + 13, rng_below(&g->rng, 10000000000ull), 10);
		}
	}
}

static void product_row(struct gen_out *o, const char *id, const char *name, uint32_t upp,
			const struct drug *d, const char *holder, const char *kind,
			const char *nhsa, const char *archive)
{
	gen_out_room(o);
	gen_out_str(o, id);
	gen_out_ch(o, ',');
	gen_out_csv(o, name);
	gen_out_ch(o, ',');
	gen_out_u64(o, upp);
	gen_out_ch(o, ',');
	gen_out_csv(o, d->d_form);
	gen_out_ch(o, ',');
	gen_out_csv(o, d->d_strength);
	gen_out_ch(o, ',');
	gen_out_csv(o, holder);
	gen_out_ch(o, ',');
	gen_out_str(o, kind);
	gen_out_ch(o, ',');
	gen_out_str(o, nhsa);
	if (archive)
		gen_out_str(o, archive);
	gen_out_ch(o, '\n');
}

/* A product family's archive columns (--archives): category (family i mod
 * 10 = 2 a vaccine at 2-8 °C, i mod 40 = 5 a narcotic; other drugs
 * ordinary, devices none), approval number, storage range. */
static void product_archive(uint32_t i, bool dev, char *out, size_t n)
{
	if (dev) {
		snprintf(out, n, ",,国械注准%04" PRIu32 "346%04" PRIu32 ",,", 2015 + i % 10,
			 i % 10000);
		return;
	}
	bool vaccine = i % 10 == 2, narcotic = i % 40 == 5;
	snprintf(out, n, ",%s,国药准字%s%04" PRIu32 "%04" PRIu32 ",%s,%s",
		 vaccine ? "vaccine" : narcotic ? "narcotic" : "ordinary", vaccine ? "S" : "H",
		 2015 + i % 10, i % 10000, vaccine ? "2" : "", vaccine ? "8" : "25");
}

static void write_products(struct gen *g, struct gen_out *o)
{
	char name[256], mid[300], holder[128];
	char archive[160];
	gen_out_str(o, g->archives ? "product,name,units_per_pack,form,strength,holder,kind,"
		    "nhsa_code,category,approval_number,storage_min_c,storage_max_c\n" :
		    "product,name,units_per_pack,form,strength,holder,kind,nhsa_code\n");
	for (uint32_t i = 0; i < g->nprods; i++) {
		const struct product *p = &g->prods[i];
		bool dev = p->p_kind == PK_DEVICE;
		const struct drug *d = dev ? &devices[p->p_table] : &drugs[p->p_table];
		/* --archives: a vaccine or narcotic family is named as one, with
		 * the box size of its table entry (units per pack unchanged). */
		struct drug special;
		if (g->archives && !dev && (i % 10 == 2 || i % 40 == 5)) {
			special = i % 10 == 2 ?
				(struct drug){ "重组乙型肝炎疫苗", "Hepatitis B vaccine (recombinant)",
					       "injection", "10 µg/0.5 ml", d->d_count } :
				(struct drug){ "盐酸吗啡注射液", "Morphine hydrochloride injection",
					       "injection", "10 mg/1 ml", d->d_count };
			d = &special;
		}
		uint32_t m = p->p_mfr - g->first[SK_MFR];
		snprintf(holder, sizeof holder, "%s",
			 makers[m % (sizeof makers / sizeof *makers)]);
		if (dev)
			snprintf(name, sizeof name, "%s %s %s", d->d_cn, d->d_en, d->d_strength);
		else
			snprintf(name, sizeof name, "%s %s %s ×%u", d->d_cn, d->d_en,
				 d->d_strength, d->d_count);
		snprintf(mid, sizeof mid, "%s ×%u middle pack", name, PER_MIDDLE);
		const char *kind = dev ? "device" : "drug";
		product_archive(i, dev, archive, sizeof archive);
		const char *arch = g->archives ? archive : NULL;
		product_row(o, p->p_id, name, p->p_upp, d, holder, kind, p->p_nhsa, arch);
		product_row(o, p->p_mid, mid, 1, d, holder, kind, p->p_nhsa, arch);
	}
}

/* --------------------------------------------------------------- scans */

struct scan {
	uint32_t sc_site;
	const char *sc_expect;
	char sc_code[GEN_CODE_MAX];
};

/* --bad-pharmacies: enough duplicates and unknown codes at each bad
 * pharmacy that its rate per sale is more than twice the highest of any
 * other site (sales: its DISPENSE events and green scans; alerts: the
 * duplicates, unknown codes and diversions it got).  sc holds the n
 * scans planted so far; returns the array grown by the new ones. */
static struct scan *bad_scans(struct gen *g, struct scan *sc, size_t *n)
{
	uint64_t *sales = g->site_sales, *alerts = g->site_alerts;
	for (size_t i = 0; i < *n; i++) {
		if (!strcmp(sc[i].sc_expect, "green"))
			sales[sc[i].sc_site]++;
		else
			alerts[sc[i].sc_site]++;
	}
	/* The highest other rate, as a fraction top / under. */
	uint64_t top = 0, under = 1;
	for (uint32_t s = 0; s < g->nsites; s++) {
		uint64_t d = sales[s] ? sales[s] : 1;
		if (!is_bad(g, s) && alerts[s] * under > top * d) {
			top = alerts[s];
			under = d;
		}
	}
	uint64_t more = 0, *want = xcalloc(g->nbad, sizeof *want);
	for (uint32_t b = 0; b < g->nbad; b++) {
		uint32_t s = bad_site(g, b, UINT32_MAX);
		uint64_t d = sales[s] ? sales[s] : 1;
		want[b] = 2 * (top * d / under + 1) + 4;
		more += want[b];
	}
	sc = xrealloc(sc, (*n + more) * sizeof *sc);
	size_t k = *n, d = 0;
	uint64_t unknown = g->planted;	/* serials past those write_scans used */
	for (uint32_t b = 0; b < g->nbad; b++) {
		uint32_t s = bad_site(g, b, UINT32_MAX);
		for (uint64_t i = 0; i < want[b]; i++, k++) {
			struct scan *x = &sc[k];
			x->sc_site = s;
			x->sc_expect = "red";
			/* Half duplicates (units sold elsewhere), half unknown. */
			size_t tries = 0;
			while (i % 2 == 0 && tries < g->dup.r_len &&
			       g->dup.r_items[d % g->dup.r_len].c_site == s)
				d++, tries++;
			if (i % 2 == 0 && tries < g->dup.r_len) {
				memcpy(x->sc_code, g->dup.r_items[d++ % g->dup.r_len].c_code,
				       GEN_CODE_MAX);
			} else {
				struct product *p = &g->prods[rng_below(&g->rng, g->nprods)];
				code_text(g, p, false, p->p_units + 1000 + unknown++, x->sc_code,
					  NULL);
			}
		}
	}
	free(want);
	*n = k;
	return sc;
}

/* scans.csv: the planted live scans, shuffled. */
static void write_scans(struct gen *g)
{
	size_t n = g->green.r_len + g->dup.r_len + g->planted, k = 0;
	struct scan *sc = xcalloc(n ? n : 1, sizeof *sc);
	for (size_t i = 0; i < g->green.r_len; i++, k++) {
		sc[k].sc_site = g->green.r_items[i].c_site;
		sc[k].sc_expect = "green";
		memcpy(sc[k].sc_code, g->green.r_items[i].c_code, GEN_CODE_MAX);
	}
	for (size_t i = 0; i < g->dup.r_len; i++, k++) {
		/* A sold unit offered again elsewhere: resold reimbursed
		 * drugs (回流药) look exactly like this. */
		sc[k].sc_site = pick_site(g, SK_PHARMACY, g->dup.r_items[i].c_site);
		sc[k].sc_expect = "red";
		memcpy(sc[k].sc_code, g->dup.r_items[i].c_code, GEN_CODE_MAX);
	}
	for (uint64_t i = 0; i < g->planted; i++, k++) {
		/* Well-formed codes of real products that were never issued:
		 * the next serials after the last one used. */
		struct product *p = &g->prods[rng_below(&g->rng, g->nprods)];
		code_text(g, p, false, p->p_units + 1000 + i, sc[k].sc_code, NULL);
		sc[k].sc_site = pick_site(g, SK_PHARMACY, UINT32_MAX);
		sc[k].sc_expect = "red";
	}
	if (g->nbad)
		sc = bad_scans(g, sc, &n);
	for (size_t i = n; i > 1; i--) {
		size_t j = rng_below(&g->rng, i);
		struct scan t = sc[i - 1];
		sc[i - 1] = sc[j];
		sc[j] = t;
	}
	struct gen_out *o = &g->scans_out;
	gen_out_str(o, "site,code,tx,expect\n");
	for (size_t i = 0; i < n; i++) {
		gen_out_room(o);
		gen_out_str(o, g->sites[sc[i].sc_site].s_id);
		gen_out_ch(o, ',');
		gen_out_str(o, sc[i].sc_code);
		gen_out_str(o, ",SCAN");
		char num[7];
		gen_digits(num, i + 1, 6);
		gen_out_put(o, num, 6);
		gen_out_ch(o, ',');
		gen_out_str(o, sc[i].sc_expect);
		gen_out_ch(o, '\n');
	}
	free(sc);
}

static void write_sample(struct gen *g)
{
	char tmp[SAMPLE_SLOT];
	for (uint64_t i = g->sample_len; i > 1; i--) {
		uint64_t j = rng_below(&g->rng, i);
		memcpy(tmp, g->sample + SAMPLE_SLOT * (i - 1), SAMPLE_SLOT);
		memcpy(g->sample + SAMPLE_SLOT * (i - 1), g->sample + SAMPLE_SLOT * j, SAMPLE_SLOT);
		memcpy(g->sample + SAMPLE_SLOT * j, tmp, SAMPLE_SLOT);
	}
	struct gen_out *o = &g->sample_out;
	for (uint64_t i = 0; i < g->sample_len; i++) {
		gen_out_room(o);
		const char *c = g->sample + SAMPLE_SLOT * i;
		gen_out_put(o, c, strnlen(c, SAMPLE_SLOT));
		gen_out_ch(o, '\n');
	}
}

/* ----------------------------------------------------------------- main */

static void usage(FILE *f)
{
	fputs("usage: yima-gen --units N [--seed S] [--today YYYY-MM-DD] [--out DIR] [--epcis]\n"
	      "                [--products P] [--sites M,D,P,H] [--archives]\n"
	      "                [--bad-pharmacies B]\n"
	      "\n"
	      "Write a synthetic supply chain of N units (1,000 to 100,000,000) into DIR\n"
	      "(default ./gen): sites.csv, products.csv, events.csv, scans.csv,\n"
	      "expected.csv, sample-codes.txt, and with --epcis events.jsonld.\n"
	      "The same --seed (default 1) and --today give byte-identical files.\n"
	      "  --today DAY      the day the data set ends on: sales before it, lots\n"
	      "                   near expiry or expired on it (default: today in Beijing,\n"
	      "                   UTC+08:00; " TODAY_MIN " to " TODAY_MAX ")\n"
	      "  --products P     product families (default: N/50,000, 10 to 2,000)\n"
	      "  --sites M,D,P,H  manufacturers, distributors, pharmacies, hospitals\n"
	      "                   (default: scaled with N; see clients/GEN.md)\n"
	      "  --archives       sites.csv and products.csv carry the archive columns:\n"
	      "                   region, licence and its validity (some expired),\n"
	      "                   address, contact; category (some vaccines, narcotics),\n"
	      "                   approval number, storage range\n"
	      "  --bad-pharmacies B  the last B pharmacies get far more duplicates,\n"
	      "                   unknown codes and diversions than any other site\n"
	      "                   (yima risk ranks them first); with --archives, a\n"
	      "                   vaccine shipment to one of them reads " COLD_READING " °C\n"
	      "                   (events.csv's temp column): a cold-chain break\n", f);
}

static bool parse_u64(const char *s, uint64_t *v)
{
	if (!s || !*s || *s < '0' || *s > '9')
		return false;
	char *end;
	errno = 0;
	unsigned long long x = strtoull(s, &end, 10);
	if (errno || *end)
		return false;
	*v = x;
	return true;
}

/* "YYYY-MM-DD", a real calendar day, into days since 1970-01-01. */
static bool parse_day(const char *s, int64_t *days)
{
	static const unsigned mdays[12] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return false;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return false;
	int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	unsigned m = (unsigned)((s[5] - '0') * 10 + (s[6] - '0'));
	unsigned d = (unsigned)((s[8] - '0') * 10 + (s[9] - '0'));
	bool leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
	if (m < 1 || m > 12 || d < 1 || d > mdays[m - 1] || (m == 2 && d == 29 && !leap))
		return false;
	*days = days_from_civil(y, m, d);
	return true;
}

/* Today's date in Beijing (UTC+08:00 all year), days since 1970-01-01. */
static int64_t beijing_today(void)
{
	return ((int64_t)time(NULL) * 1000 + TZ_MS) / DAY_MS;
}

static uint64_t clamp(uint64_t v, uint64_t lo, uint64_t hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

/* mkdir -p: 0, or -1 with errno. */
static int make_dir(const char *path)
{
	char buf[4096];
	if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf) {
		errno = ENAMETOOLONG;
		return -1;
	}
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) != 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	if (mkdir(buf, 0755) != 0 && errno != EEXIST)
		return -1;
	struct stat st;
	if (stat(buf, &st) != 0)
		return -1;
	if (!S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		return -1;
	}
	return 0;
}

struct args {
	uint64_t units, seed, products;
	int64_t today;                /* days since 1970-01-01 */
	const char *out;
	bool epcis, archives, have_units, have_today;
	uint64_t bad;                 /* --bad-pharmacies */
	uint32_t sites[SK_N];
	bool have_sites;
};

/* Returns 0, 1 for --help, or -1 after printing what is wrong. */
static int parse_args(int argc, char **argv, struct args *a)
{
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i], *val = NULL;
		char name[32];
		const char *eq = strchr(arg, '=');
		if (strncmp(arg, "--", 2) == 0 && eq && (size_t)(eq - arg) < sizeof name) {
			memcpy(name, arg, (size_t)(eq - arg));
			name[eq - arg] = '\0';
			val = eq + 1;
			arg = name;
		}
		if (!strcmp(arg, "-h") || !strcmp(arg, "--help"))
			return 1;
		if (!strcmp(arg, "--epcis") || !strcmp(arg, "--archives")) {
			if (val) {
				fprintf(stderr, "yima-gen: %s takes no value\n", arg);
				return -1;
			}
			*(arg[2] == 'e' ? &a->epcis : &a->archives) = true;
			continue;
		}
		bool known = !strcmp(arg, "--units") || !strcmp(arg, "--seed") ||
			     !strcmp(arg, "--out") || !strcmp(arg, "--products") ||
			     !strcmp(arg, "--sites") || !strcmp(arg, "--today") ||
			     !strcmp(arg, "--bad-pharmacies");
		if (!known) {
			fprintf(stderr, "yima-gen: unknown argument '%s' (see --help)\n", argv[i]);
			return -1;
		}
		if (!val) {
			if (i + 1 >= argc) {
				fprintf(stderr, "yima-gen: %s needs a value\n", arg);
				return -1;
			}
			val = argv[++i];
		}
		if (!strcmp(arg, "--out")) {
			if (!*val) {
				fprintf(stderr, "yima-gen: --out needs a directory\n");
				return -1;
			}
			a->out = val;
		} else if (!strcmp(arg, "--units")) {
			if (!parse_u64(val, &a->units) || a->units < UNITS_MIN ||
			    a->units > UNITS_MAX) {
				fprintf(stderr, "yima-gen: --units must be a whole number from "
					"1000 to 100000000, not '%s'\n", val);
				return -1;
			}
			a->have_units = true;
		} else if (!strcmp(arg, "--seed")) {
			if (!parse_u64(val, &a->seed)) {
				fprintf(stderr, "yima-gen: --seed must be a whole number from 0 to "
					"18446744073709551615, not '%s'\n", val);
				return -1;
			}
		} else if (!strcmp(arg, "--today")) {
			int64_t lo, hi;
			parse_day(TODAY_MIN, &lo);
			parse_day(TODAY_MAX, &hi);
			if (!parse_day(val, &a->today) || a->today < lo || a->today > hi) {
				fprintf(stderr, "yima-gen: --today must be a date YYYY-MM-DD from "
					TODAY_MIN " to " TODAY_MAX ", not '%s'\n", val);
				return -1;
			}
			a->have_today = true;
		} else if (!strcmp(arg, "--bad-pharmacies")) {
			if (!parse_u64(val, &a->bad) || a->bad > SITES_MAX) {
				fprintf(stderr, "yima-gen: --bad-pharmacies must be a whole number "
					"from 0 to the number of pharmacies, not '%s'\n", val);
				return -1;
			}
		} else if (!strcmp(arg, "--products")) {
			if (!parse_u64(val, &a->products) || a->products < 1 ||
			    a->products > 20000) {
				fprintf(stderr, "yima-gen: --products must be from 1 to 20000, "
					"not '%s'\n", val);
				return -1;
			}
		} else {
			uint64_t v[SK_N];
			char buf[128];
			snprintf(buf, sizeof buf, "%s", val);
			char *save = NULL, *tok = strtok_r(buf, ",", &save);
			int n = 0;
			for (; tok && n < SK_N; tok = strtok_r(NULL, ",", &save))
				if (!parse_u64(tok, &v[n++]))
					n = SK_N + 1;
			uint64_t total = n == SK_N ? v[0] + v[1] + v[2] + v[3] : 0;
			if (n != SK_N || tok || v[0] < 1 || v[1] < 2 || v[2] + v[3] < 2 ||
			    v[2] > SITES_MAX || v[3] > SITES_MAX || total > SITES_MAX) {
				fprintf(stderr, "yima-gen: --sites takes four counts M,D,P,H: at "
					"least 1 manufacturer, 2 distributors, 2 pharmacies and "
					"hospitals together, at most %u sites in all; not '%s'\n",
					SITES_MAX, val);
				return -1;
			}
			for (int k = 0; k < SK_N; k++)
				a->sites[k] = (uint32_t)v[k];
			a->have_sites = true;
		}
	}
	if (!a->have_units) {
		fprintf(stderr, "yima-gen: --units N is required (1000 to 100000000)\n");
		return -1;
	}
	return 0;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	struct args a = { .seed = 1, .out = "gen" };
	int rc = parse_args(argc, argv, &a);
	if (rc > 0) {
		usage(stdout);
		return 0;
	}
	if (rc < 0)
		return 2;	/* parse_args said what is wrong */
	double t0 = now_s();
	uint64_t n = a.units;
	if (!a.have_today)
		a.today = beijing_today();
	if (!a.have_sites) {
		a.sites[SK_MFR] = (uint32_t)clamp(n / 1000000, 2, 200);
		a.sites[SK_DIST] = (uint32_t)clamp(n / 200000, 3, 500);
		a.sites[SK_PHARMACY] = (uint32_t)clamp(n / 2000, 10, 40000);
		a.sites[SK_HOSPITAL] = (uint32_t)clamp(n / 8000, 10, 10000);
	}
	if (!a.products)
		a.products = clamp(n / 50000, 10, 2000);
	if (a.bad > a.sites[SK_PHARMACY]) {
		fprintf(stderr, "yima-gen: --bad-pharmacies %" PRIu64 " is more than the %" PRIu32
			" pharmacies\n", a.bad, a.sites[SK_PHARMACY]);
		return 2;
	}
	if (make_dir(a.out) != 0) {
		fprintf(stderr, "yima-gen: %s: %s\n", a.out, strerror(errno));
		return 2;
	}

	struct gen *g = xcalloc(1, sizeof *g);
	g->units = n;
	g->seed = a.seed;
	g->dir = a.out;
	g->epcis = a.epcis;
	g->archives = a.archives;
	g->nbad = (uint32_t)a.bad;
	g->temp_col = g->nbad && a.archives;
	g->cached_sec = -1;
	g->day_ref = a.today;
	/* The first lot starts at 08:00 in Beijing, LEAD_DAYS before today. */
	g->t0 = (a.today - LEAD_DAYS) * DAY_MS;
	g->clock = g->t0;
	g->ep_first = true;
	rng_seed(&g->rng, a.seed);
	g->key = rng_next(&g->rng);
	gen_out_init(&g->ev_out);
	gen_out_init(&g->ep_out);
	gen_out_init(&g->exp_out);
	gen_out_init(&g->sample_out);
	gen_out_init(&g->scans_out);
	g->planted = clamp(n / 1000, 10, 10000);
	g->green.r_cap = g->dup.r_cap = g->planted;
	g->green.r_items = xcalloc(g->planted, sizeof *g->green.r_items);
	g->dup.r_items = xcalloc(g->planted, sizeof *g->dup.r_items);
	g->sample_want = n < SAMPLE_MAX ? n : SAMPLE_MAX;
	g->sample = xcalloc(g->sample_want, SAMPLE_SLOT);

	make_sites(g, a.sites);
	make_products(g, (uint32_t)a.products);
	if (g->nbad) {
		g->site_sales = xcalloc(g->nsites, sizeof *g->site_sales);
		g->site_alerts = xcalloc(g->nsites, sizeof *g->site_alerts);
	}

	int bad = 0;
	bad |= gen_out_open(&g->sample_out, a.out, "sites.csv");
	if (!bad) {
		write_sites(g);
		bad |= gen_out_close(&g->sample_out);
	}
	bad |= bad ? -1 : gen_out_open(&g->sample_out, a.out, "products.csv");
	if (!bad) {
		write_products(g, &g->sample_out);
		bad |= gen_out_close(&g->sample_out);
	}
	bad |= bad ? -1 : gen_out_open(&g->ev_out, a.out, "events.csv");
	bad |= bad ? -1 : gen_out_open(&g->exp_out, a.out, "expected.csv");
	if (!bad && a.epcis)
		bad |= gen_out_open(&g->ep_out, a.out, "events.jsonld");
	if (!bad) {
		gen_out_str(&g->ev_out, g->temp_col ?
			    "event,time,code,parent,product,lot,expiry,level,from,to,ref,qty,temp\n" :
			    "event,time,code,parent,product,lot,expiry,level,from,to,ref,qty\n");
		gen_out_str(&g->exp_out, "product,lot,site,in_stock,in_transit,dispensed\n");
		if (a.epcis) {
			char day[11];
			format_day(g->day_ref, day);
			gen_out_str(&g->ep_out,
				    "{\"@context\":[\"https://ref.gs1.org/standards/epcis/2.0.0/"
				    "epcis-context.jsonld\",{\"yima\":\"https://yima.example/"
				    "epcis/\"}],\n\"type\":\"EPCISDocument\",\"schemaVersion\":"
				    "\"2.0\",\"creationDate\":\"");
			gen_out_str(&g->ep_out, day);
			gen_out_str(&g->ep_out, "T08:00:00.000+08:00\",\n"
				    "\"epcisBody\":{\"eventList\":[");
		}

		/* Lots of 0.5 to 1.5 times the target size; the last one takes
		 * the rest rather than leave a sliver. */
		uint64_t target = clamp(n / 40, 100, 50000), done = 0;
		for (uint64_t i = 0; done < n; i++) {
			uint64_t size = target / 2 + rng_below(&g->rng, target + 1);
			if (size > n - done || n - done - size < target / 4)
				size = n - done;
			gen_lot(g, i, size, done);
			done += size;
		}
		if (a.epcis)
			gen_out_str(&g->ep_out, "\n]}}\n");
		bad |= gen_out_close(&g->ev_out);
		bad |= gen_out_close(&g->exp_out);
		bad |= gen_out_close(&g->ep_out);
	}
	if (!bad) {
		bad |= gen_out_open(&g->scans_out, a.out, "scans.csv");
		if (!bad) {
			write_scans(g);
			bad |= gen_out_close(&g->scans_out);
		}
	}
	if (!bad) {
		bad |= gen_out_open(&g->sample_out, a.out, "sample-codes.txt");
		if (!bad) {
			write_sample(g);
			bad |= gen_out_close(&g->sample_out);
		}
	}
	double dt = now_s() - t0;
	if (!bad)
		fprintf(stderr, "yima-gen: %" PRIu64 " units in %" PRIu64 " lots, %" PRIu32
			" products, %" PRIu32 " sites: %" PRIu64 " event records (%" PRIu64
			" groups), %" PRIu64 " shipments, %" PRIu64 " sales, %" PRIu64
			" diverted, %" PRIu64 " left in transit; %.2f s, %.0f records/s\n",
			n, g->lots, g->nprods, g->nsites, g->rows, g->groups, g->shipments,
			g->sales, g->diverted, g->in_transit, dt, dt > 0 ? (double)g->rows / dt : 0);

	/* Every output was closed above unless an error cut things short. */
	gen_out_close(&g->ev_out);
	gen_out_close(&g->exp_out);
	gen_out_close(&g->ep_out);
	gen_out_close(&g->sample_out);
	gen_out_close(&g->scans_out);
	free(g->sample);
	free(g->green.r_items);
	free(g->dup.r_items);
	free(g->site_sales);
	free(g->site_alerts);
	free(g->cases_at);
	free(g->mids_at);
	free(g->sites);
	free(g->tally);
	free(g->touched);
	free(g->prods);
	free(g);
	return bad ? 2 : 0;
}
