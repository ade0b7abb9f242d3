/*
 * bench_hist — a latency histogram with logarithmic buckets, for
 * yima-bench.
 *
 * Recording is one array increment: no sample is kept and nothing is
 * sorted, so a run of any length costs the same 16 KB.  Values below 32 are
 * exact; above, each power of two is split into 32 buckets, so a reported
 * percentile is within 1/32 (about 3 %) of the true value.  The maximum is
 * kept exactly.  Values are plain integers; yima-bench records nanoseconds.
 */
#ifndef YIMA_BENCH_HIST_H
#define YIMA_BENCH_HIST_H

#include <stdint.h>

#define HIST_SUB_BITS 5
#define HIST_SUB      (1u << HIST_SUB_BITS)		/* buckets per power of two */
#define HIST_BUCKETS  ((64 - HIST_SUB_BITS + 1) * HIST_SUB)

struct hist {
	uint64_t h_count;
	uint64_t h_sum;			/* for the mean; saturates, never wraps */
	uint64_t h_min, h_max;
	uint64_t h_bucket[HIST_BUCKETS];
};

void hist_init(struct hist *h);
void hist_record(struct hist *h, uint64_t v);
/* Add every value recorded in src to dst. */
void hist_merge(struct hist *dst, const struct hist *src);
/*
 * The value at quantile q (0 < q <= 1): the smallest recorded value v such
 * that at least q of all values are <= v, give or take the bucket's width
 * (the bucket's midpoint is returned, never above the exact maximum).
 * q = 1 returns the exact maximum; an empty histogram returns 0.
 */
uint64_t hist_quantile(const struct hist *h, double q);
double hist_mean(const struct hist *h);

/* Bucket arithmetic, exported for the unit test. */
unsigned hist_bucket_of(uint64_t v);
uint64_t hist_bucket_low(unsigned b);
uint64_t hist_bucket_high(unsigned b);

#endif
