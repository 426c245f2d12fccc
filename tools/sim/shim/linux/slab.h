/* SPDX-License-Identifier: GPL-2.0 */
/*
 * <linux/slab.h> for the native build: vsr_shim.h has the allocators;
 * kfree_sensitive() wipes what malloc_usable_size() says, as the kernel
 * wipes ksize().
 */
#ifndef _VSR_SHIM_LINUX_SLAB_H
#define _VSR_SHIM_LINUX_SLAB_H

#include <malloc.h>
#include "vsr_shim.h"
#include <linux/string.h>

static inline void kfree_sensitive(const void *p)
{
	if (!p)
		return;
	memzero_explicit((void *)p, malloc_usable_size((void *)p));
	free((void *)p);
}

#endif /* _VSR_SHIM_LINUX_SLAB_H */
