/*
 * bench_hist — logarithmic latency buckets (see bench_hist.h).
 *
 * Bucket b < 32 holds the value b.  Above, a value v with its highest bit at
 * position e (e >= 5) goes to bucket (e - 4) * 32 + m, where m is the 5 bits
 * of v below the highest: 32 equal slices of [2^e, 2^(e+1)).
 */
#include "bench_hist.h"

#include <string.h>

void hist_init(struct hist *h)
{
	memset(h, 0, sizeof *h);
	h->h_min = UINT64_MAX;
}

unsigned hist_bucket_of(uint64_t v)
{
	if (v < HIST_SUB)
		return (unsigned)v;
	unsigned e = 63u - (unsigned)__builtin_clzll(v);
	unsigned m = (unsigned)(v >> (e - HIST_SUB_BITS)) & (HIST_SUB - 1);
	return (e - HIST_SUB_BITS + 1) * HIST_SUB + m;
}

uint64_t hist_bucket_low(unsigned b)
{
	if (b < HIST_SUB)
		return b;
	unsigned e = b / HIST_SUB + HIST_SUB_BITS - 1, m = b % HIST_SUB;
	return (uint64_t)(HIST_SUB + m) << (e - HIST_SUB_BITS);
}

uint64_t hist_bucket_high(unsigned b)
{
	if (b < HIST_SUB)
		return b;
	unsigned e = b / HIST_SUB + HIST_SUB_BITS - 1;
	return hist_bucket_low(b) + ((uint64_t)1 << (e - HIST_SUB_BITS)) - 1;
}

void hist_record(struct hist *h, uint64_t v)
{
	h->h_bucket[hist_bucket_of(v)]++;
	h->h_count++;
	h->h_sum = h->h_sum + v < h->h_sum ? UINT64_MAX : h->h_sum + v;
	if (v < h->h_min)
		h->h_min = v;
	if (v > h->h_max)
		h->h_max = v;
}

void hist_merge(struct hist *dst, const struct hist *src)
{
	for (unsigned b = 0; b < HIST_BUCKETS; b++)
		dst->h_bucket[b] += src->h_bucket[b];
	dst->h_count += src->h_count;
	dst->h_sum = dst->h_sum + src->h_sum < dst->h_sum ? UINT64_MAX
							   : dst->h_sum + src->h_sum;
	if (src->h_min < dst->h_min)
		dst->h_min = src->h_min;
	if (src->h_max > dst->h_max)
		dst->h_max = src->h_max;
}

uint64_t hist_quantile(const struct hist *h, double q)
{
	if (h->h_count == 0)
		return 0;
	if (q >= 1.0)
		return h->h_max;
	/* The rank of the value wanted, 1-based: ceil(q * count). */
	double want = q * (double)h->h_count;
	uint64_t rank = (uint64_t)want;
	if ((double)rank < want)
		rank++;
	if (rank == 0)
		rank = 1;
	uint64_t seen = 0;
	for (unsigned b = 0; b < HIST_BUCKETS; b++) {
		seen += h->h_bucket[b];
		if (seen >= rank) {
			uint64_t lo = hist_bucket_low(b), hi = hist_bucket_high(b);
			uint64_t mid = lo + (hi - lo) / 2;
			if (mid < h->h_min)
				mid = h->h_min;
			return mid > h->h_max ? h->h_max : mid;
		}
	}
	return h->h_max;
}

double hist_mean(const struct hist *h)
{
	return h->h_count ? (double)h->h_sum / (double)h->h_count : 0.0;
}
