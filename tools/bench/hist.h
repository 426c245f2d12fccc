/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A log-linear latency histogram in the spirit of HdrHistogram: values
 * (nanoseconds) below HIST_SUB are counted exactly; above, every power of
 * two is cut into HIST_SUB / 2 buckets of equal width, so a bucket is at
 * most 1/64 (1.6 %) of the values it holds.  Values up to 2^HIST_MAX_BITS
 * ns (about 18 minutes) are resolved; larger ones land in the last bucket
 * (max is still exact).
 */
#ifndef BENCH_HIST_H
#define BENCH_HIST_H

#include <stdint.h>

#define HIST_SUB_BITS	7
#define HIST_SUB	(1u << HIST_SUB_BITS)
#define HIST_MAX_BITS	40
#define HIST_BUCKETS	(HIST_SUB + (HIST_MAX_BITS - HIST_SUB_BITS + 1) * (HIST_SUB / 2))

struct hist {
	uint64_t count;
	uint64_t max;
	uint64_t b[HIST_BUCKETS];
};

void hist_init(struct hist *h);
void hist_record(struct hist *h, uint64_t ns);
void hist_merge(struct hist *dst, const struct hist *src);
/* The value at percentile @p (0..100): the top of its bucket, <= max. */
uint64_t hist_percentile(const struct hist *h, double p);

static inline uint64_t hist_max(const struct hist *h)
{
	return h->max;
}

static inline uint64_t hist_count(const struct hist *h)
{
	return h->count;
}

#endif /* BENCH_HIST_H */
