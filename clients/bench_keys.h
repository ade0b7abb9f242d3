/*
 * bench_keys — the codes a benchmark asks about, and how it picks them.
 *
 * The codes come from a yima-gen sample file (sample-codes.txt: one code per
 * line, already shuffled), so the benchmark scans codes that really exist.
 * A request picks one uniformly, or by a Zipf law over the file's order
 * (rank 1 is the first line: hot codes are spread over the key space,
 * because the file is shuffled).  Sales take codes one after another and
 * never the same one twice: a benchmark's DISPENSE must be a first sale.
 *
 * Errors: keys_load returns 0, or -1 with a message in err.
 */
#ifndef YIMA_BENCH_KEYS_H
#define YIMA_BENCH_KEYS_H

#include <stddef.h>
#include <stdint.h>

#define KEYS_MAX      20000000u	/* codes in one sample file */
#define KEYS_CODE_MAX 128u	/* bytes in one code */

struct keys {
	char     *k_text;		/* every code, each NUL-terminated */
	uint32_t *k_off;		/* offset of code i in k_text */
	uint32_t  k_n;
	double   *k_zipf_cdf;		/* k_n cumulative weights, or NULL */
};

int keys_load(struct keys *k, const char *path, char *err, size_t errlen);
void keys_free(struct keys *k);

static inline const char *keys_code(const struct keys *k, uint32_t i)
{
	return k->k_text + k->k_off[i];
}

/* Use a Zipf law with exponent s (> 0) for keys_pick from now on. */
void keys_zipf(struct keys *k, double s);

/* A small fast generator (wyrand); the same seed gives the same picks. */
struct rng64 { uint64_t r_state; };

uint64_t rng64_next(struct rng64 *r);
/* Uniform in 0 .. n-1, n > 0. */
uint64_t rng64_below(struct rng64 *r, uint64_t n);
/* Uniform in [0, 1). */
double rng64_unit(struct rng64 *r);

/* The index of the next code to ask about: uniform, or Zipf after
 * keys_zipf. */
uint32_t keys_pick(const struct keys *k, struct rng64 *r);

#endif
