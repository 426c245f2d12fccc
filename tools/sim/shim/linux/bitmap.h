/* SPDX-License-Identifier: GPL-2.0 */
/* <linux/bitmap.h> for the native build. */
#ifndef _VSR_SHIM_LINUX_BITMAP_H
#define _VSR_SHIM_LINUX_BITMAP_H

#include <string.h>
#include <linux/bitops.h>

static inline void bitmap_zero(unsigned long *map, unsigned int nbits)
{
	memset(map, 0, BITS_TO_LONGS(nbits) * sizeof(long));
}

#endif /* _VSR_SHIM_LINUX_BITMAP_H */
