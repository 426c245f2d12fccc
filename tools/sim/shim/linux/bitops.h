/* SPDX-License-Identifier: GPL-2.0 */
/* <linux/bitops.h> for the native build: the non-atomic bit operations. */
#ifndef _VSR_SHIM_LINUX_BITOPS_H
#define _VSR_SHIM_LINUX_BITOPS_H

#include "vsr_shim.h"

#define BITS_PER_LONG		(8 * (int)sizeof(long))
#define BITS_TO_LONGS(n)	(((n) + BITS_PER_LONG - 1) / BITS_PER_LONG)
#define BIT_ULL(n)		(1ULL << (n))

static inline void __set_bit(unsigned long nr, unsigned long *map)
{
	map[nr / BITS_PER_LONG] |= 1ul << (nr % BITS_PER_LONG);
}

static inline void __clear_bit(unsigned long nr, unsigned long *map)
{
	map[nr / BITS_PER_LONG] &= ~(1ul << (nr % BITS_PER_LONG));
}

static inline bool __test_and_set_bit(unsigned long nr, unsigned long *map)
{
	bool old = map[nr / BITS_PER_LONG] & (1ul << (nr % BITS_PER_LONG));

	__set_bit(nr, map);
	return old;
}

#endif /* _VSR_SHIM_LINUX_BITOPS_H */
