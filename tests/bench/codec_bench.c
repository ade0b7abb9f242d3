/*
 * codec_bench — single-thread parse throughput of code_parse(), per syntax.
 *
 * For each syntax (CN 20-digit, GS1 raw element string, bracketed, Digital
 * Link, EPC URN, HIBC, MA) it builds a rotating set of SCANS distinct valid
 * scans (check digits and check characters computed here, independently of
 * the codecs), checks that every one parses, then parses them round-robin
 * until about SECONDS of CPU-wall time or MAX_PARSES parses, whichever comes
 * first, and prints scans per second.  The keys are folded into a checksum
 * so the work cannot be optimised away.
 *
 *   build/codec_bench [SECONDS]        (default 1.0; tests/bench/codec_bench.sh)
 */
#include "code.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SCANS      1000          /* distinct scans per syntax */
#define SCAN_LEN   128           /* room for the longest one built here */
#define MAX_PARSES 100000000ull  /* count bound, whatever the clock says */
#define BATCH      1000          /* parses between clock reads */

struct scan_set {
	const char *name;
	size_t      len[SCANS];
	char        text[SCANS][SCAN_LEN];
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* GS1 mod-10 check digit of the n digits at p. */
static char gs1_check(const char *p, size_t n)
{
	int sum = 0;

	for (size_t i = 0; i < n; i++)
		sum += (p[n - 1 - i] - '0') * (i % 2 == 0 ? 3 : 1);
	return (char)('0' + (10 - sum % 10) % 10);
}

/* HIBC mod-43 check character of the string s. */
static char hibc_check_char(const char *s)
{
	static const char set[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-. $/+%";
	int sum = 0;

	for (; *s; s++)
		sum += (int)(strchr(set, *s) - set);
	return set[sum % 43];
}

/* A GTIN-14 "0690123" + 6-digit item reference from i + check digit. */
static void gtin(char out[15], unsigned i)
{
	snprintf(out, 15, "0690123%06u", (i * 7919u) % 1000000u);
	out[13] = gs1_check(out, 13);
	out[14] = '\0';
}

static void add(struct scan_set *s, unsigned i, const char *text)
{
	size_t n = strlen(text);

	if (n >= SCAN_LEN) {
		fprintf(stderr, "codec_bench: scan too long: %s\n", text);
		exit(1);
	}
	memcpy(s->text[i], text, n + 1);
	s->len[i] = n;
}

static void build(struct scan_set *sets)
{
	char t[SCAN_LEN], g[15], b[SCAN_LEN];

	sets[0].name = "CN 20-digit";
	sets[1].name = "GS1 element string (raw, GS)";
	sets[2].name = "GS1 bracketed";
	sets[3].name = "GS1 Digital Link";
	sets[4].name = "EPC URN (sgtin)";
	sets[5].name = "HIBC (concatenated)";
	sets[6].name = "MA code";
	for (unsigned i = 0; i < SCANS; i++) {
		gtin(g, i);
		snprintf(t, sizeof(t), "83%05u%09u%04u", i % 100000,
		         i * 104729u % 1000000000u, i * 31u % 10000u);
		add(&sets[0], i, t);
		/* As a GS1 DataMatrix reader sends it: ]d2, fixed fields
		 * first, GS after the variable-length lot. */
		snprintf(t, sizeof(t), "]d201%s17%02u%02u%02u10L%05u\x1d" "21SN%08u",
		         g, 26 + i % 10, 1 + i % 12, 1 + i % 28, i, i * 7u);
		add(&sets[1], i, t);
		snprintf(t, sizeof(t), "(01)%s(17)%02u%02u%02u(10)L%05u(21)SN%08u",
		         g, 26 + i % 10, 1 + i % 12, 1 + i % 28, i, i * 7u);
		add(&sets[2], i, t);
		snprintf(t, sizeof(t), "https://id.gs1.org/01/%s/10/L%05u/21/"
		         "SN%08u?17=%02u%02u%02u", g, i, i * 7u, 26 + i % 10,
		         1 + i % 12, 1 + i % 28);
		add(&sets[3], i, t);
		snprintf(t, sizeof(t), "urn:epc:id:sgtin:6901234.%c%.5s.SN%08u",
		         g[0], g + 8, i * 7u);
		add(&sets[4], i, t);
		snprintf(b, sizeof(b), "+A123P%05u1/$$3%02u%02u%02uLOT%04u",
		         i, 26 + i % 10, 1 + i % 12, 1 + i % 28, i % 10000);
		size_t bl = strlen(b); /* about 30: room for the check */

		if (bl + 2 > sizeof(b))
			exit(1);
		b[bl] = hibc_check_char(b);
		b[bl + 1] = '\0';
		add(&sets[5], i, b);
		snprintf(t, sizeof(t), "MA.156.M0.100761.2%07u.Sx%06u.E%02u%02u%02u",
		         i * 13u % 10000000u, i, 26 + i % 10, 1 + i % 12,
		         1 + i % 28);
		add(&sets[6], i, t);
	}
}

/* Every scan must parse, and the scans of a set must give distinct keys
 * (checked for neighbours, enough to catch a constant). */
static void verify(const struct scan_set *s, const struct code_opts *opts)
{
	uint8_t prev[CODE_KEY_MAX];
	size_t prev_len = 0;

	for (unsigned i = 0; i < SCANS; i++) {
		struct code_result r;

		if (code_parse(s->text[i], s->len[i], opts, &r) != CODE_OK) {
			fprintf(stderr, "codec_bench: %s: '%s' does not parse: "
			        "%s\n", s->name, s->text[i], r.cr_msg);
			exit(1);
		}
		if (r.cr_key_len == prev_len &&
		    memcmp(r.cr_key, prev, prev_len) == 0) {
			fprintf(stderr, "codec_bench: %s: duplicate key at '%s'\n",
			        s->name, s->text[i]);
			exit(1);
		}
		memcpy(prev, r.cr_key, r.cr_key_len);
		prev_len = r.cr_key_len;
	}
}

static void run(const struct scan_set *s, const struct code_opts *opts,
                double seconds, uint64_t *sink)
{
	struct code_result r;
	unsigned long long parses = 0;
	unsigned i = 0;
	double t0 = now(), t = t0;

	while (t - t0 < seconds && parses < MAX_PARSES) {
		for (unsigned k = 0; k < BATCH; k++) {
			code_parse(s->text[i], s->len[i], opts, &r);
			*sink += r.cr_key[r.cr_key_len - 1] + r.cr_key_len;
			if (++i == SCANS)
				i = 0;
		}
		parses += BATCH;
		t = now();
	}
	double el = t - t0;

	printf("%-30s %10llu %8.3f %12.0f %8.1f\n", s->name, parses, el,
	       (double)parses / el, el * 1e9 / (double)parses);
}

int main(int argc, char **argv)
{
	/* A fixed reference year: the same dates mean the same thing on
	 * every run. */
	const struct code_opts opts = { 2026, 0 };
	double seconds = argc > 1 ? atof(argv[1]) : 1.0;
	struct scan_set *sets = calloc(7, sizeof(*sets));
	uint64_t sink = 0;

	if (sets == NULL || seconds <= 0 || seconds > 60) {
		fprintf(stderr, "usage: codec_bench [SECONDS (0-60]]\n");
		return 2;
	}
	build(sets);
	for (int k = 0; k < 7; k++)
		verify(&sets[k], &opts);
	printf("code_parse, single thread, %d distinct valid scans per syntax, "
	       "~%.1f s each\n", SCANS, seconds);
	printf("%-30s %10s %8s %12s %8s\n", "syntax", "parses", "seconds",
	       "scans/s", "ns/scan");
	for (int k = 0; k < 7; k++)
		run(&sets[k], &opts, seconds, &sink);
	printf("(checksum %llu)\n", (unsigned long long)sink);
	free(sets);
	return 0;
}
