// SPDX-License-Identifier: GPL-2.0
/*
 * Log-linear latency histogram: see hist.h.
 */
#include <string.h>

#include "hist.h"

void hist_init(struct hist *h)
{
	memset(h, 0, sizeof(*h));
}

static unsigned int hist_index(uint64_t v)
{
	unsigned int msb, shift;

	if (v < HIST_SUB)
		return v;
	msb = 63 - __builtin_clzll(v);
	if (msb > HIST_MAX_BITS)
		return HIST_BUCKETS - 1;
	/* v >> shift is in [HIST_SUB / 2, HIST_SUB) */
	shift = msb - (HIST_SUB_BITS - 1);
	return HIST_SUB + (shift - 1) * (HIST_SUB / 2) +
		(unsigned int)(v >> shift) - HIST_SUB / 2;
}

/* The largest value that falls in bucket @i. */
static uint64_t hist_top(unsigned int i)
{
	unsigned int shift, sub;

	if (i < HIST_SUB)
		return i;
	shift = (i - HIST_SUB) / (HIST_SUB / 2) + 1;
	sub = (i - HIST_SUB) % (HIST_SUB / 2) + HIST_SUB / 2;
	return (((uint64_t)sub + 1) << shift) - 1;
}

void hist_record(struct hist *h, uint64_t ns)
{
	h->b[hist_index(ns)]++;
	h->count++;
	if (ns > h->max)
		h->max = ns;
}

void hist_merge(struct hist *dst, const struct hist *src)
{
	unsigned int i;

	for (i = 0; i < HIST_BUCKETS; i++)
		dst->b[i] += src->b[i];
	dst->count += src->count;
	if (src->max > dst->max)
		dst->max = src->max;
}

uint64_t hist_percentile(const struct hist *h, double p)
{
	uint64_t rank, seen = 0, top;
	unsigned int i;

	if (!h->count)
		return 0;
	if (p <= 0)
		rank = 1;
	else if (p >= 100)
		rank = h->count;
	else
		rank = (uint64_t)(p / 100 * (double)h->count + 0.999999);
	if (rank < 1)
		rank = 1;
	for (i = 0; i < HIST_BUCKETS; i++) {
		seen += h->b[i];
		if (seen >= rank) {
			top = hist_top(i);
			return top < h->max ? top : h->max;
		}
	}
	return h->max;
}
