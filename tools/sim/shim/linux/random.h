/* SPDX-License-Identifier: GPL-2.0 */
/*
 * <linux/random.h> for the native build: not random at all, but a fixed
 * sequence (splitmix64), so that every native run is the same run.
 */
#ifndef _VSR_SHIM_LINUX_RANDOM_H
#define _VSR_SHIM_LINUX_RANDOM_H

#include "vsr_shim.h"

static inline u64 get_random_u64(void)
{
	static u64 state = 0x9e3779b97f4a7c15ull;
	u64 z = (state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static inline u32 get_random_u32(void)
{
	return get_random_u64() >> 32;
}

static inline void get_random_bytes(void *buf, size_t len)
{
	u8 *p = buf;
	u64 r = 0;
	size_t i;

	for (i = 0; i < len; i++) {
		if (!(i % 8))
			r = get_random_u64();
		p[i] = r >> (8 * (i % 8));
	}
}

#endif /* _VSR_SHIM_LINUX_RANDOM_H */
