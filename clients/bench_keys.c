/*
 * bench_keys — load a sample file of codes; pick codes uniformly or by a
 * Zipf law (see bench_keys.h).
 */
#include "bench_keys.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "xmem.h"

int keys_load(struct keys *k, const char *path, char *err, size_t errlen)
{
	memset(k, 0, sizeof *k);
	FILE *f = fopen(path, "r");
	if (!f) {
		snprintf(err, errlen, "cannot open sample file %s: %s", path, strerror(errno));
		return -1;
	}
	size_t cap = 1 << 20, len = 0, ncap = 1 << 16;
	k->k_text = xmalloc(cap);
	k->k_off = xmalloc(ncap * sizeof *k->k_off);
	char line[KEYS_CODE_MAX + 2];
	unsigned long lineno = 0;
	int rc = 0;
	while (fgets(line, sizeof line, f)) {
		lineno++;
		size_t n = strlen(line);
		if (n == sizeof line - 1 && line[n - 1] != '\n') {
			snprintf(err, errlen, "%s:%lu: a code longer than %u bytes", path, lineno,
				 KEYS_CODE_MAX);
			rc = -1;
			break;
		}
		while (n && (line[n - 1] == '\n' || line[n - 1] == '\r' || line[n - 1] == ' '))
			line[--n] = '\0';
		if (n == 0)
			continue;
		if (k->k_n == KEYS_MAX) {
			snprintf(err, errlen, "%s: more than %u codes", path, KEYS_MAX);
			rc = -1;
			break;
		}
		if (len + n + 1 > cap) {
			cap *= 2;
			k->k_text = xrealloc(k->k_text, cap);
		}
		if (k->k_n == ncap) {
			ncap *= 2;
			k->k_off = xrealloc(k->k_off, ncap * sizeof *k->k_off);
		}
		k->k_off[k->k_n++] = (uint32_t)len;
		memcpy(k->k_text + len, line, n + 1);
		len += n + 1;
	}
	if (rc == 0 && ferror(f)) {
		snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
		rc = -1;
	}
	if (rc == 0 && k->k_n == 0) {
		snprintf(err, errlen, "%s holds no codes", path);
		rc = -1;
	}
	fclose(f);
	if (rc != 0)
		keys_free(k);
	return rc;
}

void keys_free(struct keys *k)
{
	free(k->k_text);
	free(k->k_off);
	free(k->k_zipf_cdf);
	memset(k, 0, sizeof *k);
}

void keys_zipf(struct keys *k, double s)
{
	/* P(rank r) is proportional to 1 / r^s; a pick is a binary search of
	 * the cumulative weights (8 bytes a code, built once). */
	free(k->k_zipf_cdf);
	k->k_zipf_cdf = xmalloc((size_t)k->k_n * sizeof *k->k_zipf_cdf);
	double sum = 0;
	for (uint32_t i = 0; i < k->k_n; i++) {
		sum += 1.0 / pow((double)i + 1.0, s);
		k->k_zipf_cdf[i] = sum;
	}
	for (uint32_t i = 0; i < k->k_n; i++)
		k->k_zipf_cdf[i] /= sum;
}

uint64_t rng64_next(struct rng64 *r)
{
	r->r_state += 0xa0761d6478bd642full;
	unsigned __int128 t = (unsigned __int128)r->r_state * (r->r_state ^ 0xe7037ed1a0b428dbull);
	return (uint64_t)(t >> 64) ^ (uint64_t)t;
}

uint64_t rng64_below(struct rng64 *r, uint64_t n)
{
	return (uint64_t)(((unsigned __int128)rng64_next(r) * n) >> 64);
}

double rng64_unit(struct rng64 *r)
{
	return (double)(rng64_next(r) >> 11) * 0x1.0p-53;
}

uint32_t keys_pick(const struct keys *k, struct rng64 *r)
{
	if (!k->k_zipf_cdf)
		return (uint32_t)rng64_below(r, k->k_n);
	double u = rng64_unit(r);
	uint32_t lo = 0, hi = k->k_n - 1;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (k->k_zipf_cdf[mid] <= u)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}
