/* SPDX-License-Identifier: GPL-2.0 */
/* <linux/string.h> for the native build: what vsr_shim.h lacks. */
#ifndef _VSR_SHIM_LINUX_STRING_H
#define _VSR_SHIM_LINUX_STRING_H

#include "vsr_shim.h"

/* memset() that the compiler may not drop as a dead store. */
static inline void memzero_explicit(void *s, size_t count)
{
	memset(s, 0, count);
	__asm__ __volatile__("" : : "r"(s) : "memory");
}

#endif /* _VSR_SHIM_LINUX_STRING_H */
