/* SPDX-License-Identifier: GPL-2.0 */
/*
 * core.h - the one header every protocol-core file includes first.
 *
 * The protocol core (wire.c, log.c, client_table.c, replica.c, normal.c,
 * view_change.c, recovery.c, state_transfer.c) is plain C that uses no
 * sockets, timers, locks or sleeping.  In the kernel it builds against the
 * kernel headers; in userspace (tools/sim) it builds against a small shim
 * that provides the same names, so the simulator and the fuzzer run the very
 * same files.
 */
#ifndef _VSR_CORE_H
#define _VSR_CORE_H

#ifdef __KERNEL__
#include <linux/types.h>
#include <linux/kernel.h>
#include <linux/bug.h>
#include <linux/errno.h>
#include <linux/export.h>
#include <linux/minmax.h>
#include <linux/slab.h>
#include <linux/mm.h>
#include <linux/string.h>
#include <linux/crc32c.h>
#include <linux/gfp.h>
#include <kunit/visibility.h>
#include "compat.h"		/* get/put_unaligned_le*() */
#else
#include "vsr_shim.h"
#endif

#ifdef VSR_ALLOC_FAULT_HOOK
/*
 * TEST ONLY (native simulator builds): when set, consulted by every
 * vsr_alloc(); returning true makes that allocation fail.  Production
 * builds do not define VSR_ALLOC_FAULT_HOOK and have no such check.
 */
extern bool (*vsr_alloc_fault)(size_t size);
#endif

/**
 * vsr_alloc() - allocate core memory with the caller's allocation flags
 * @size: bytes
 * @gfp: allocation flags chosen by the driver (GFP_ATOMIC when the core is
 *	driven from softirq or under a spinlock)
 *
 * Failure is not an error for the protocol: the core treats it like the loss
 * of the message that needed the memory.
 *
 * Return: memory to be released with vsr_free(), or NULL.
 */
static inline void *vsr_alloc(size_t size, gfp_t gfp)
{
#ifdef VSR_ALLOC_FAULT_HOOK
	if (vsr_alloc_fault && vsr_alloc_fault(size))
		return NULL;
#endif
#ifdef __KERNEL__
	if (gfpflags_allow_blocking(gfp))
		return kvmalloc(size, gfp | __GFP_NOWARN);
	return kmalloc(size, gfp | __GFP_NOWARN);
#else
	return kvmalloc(size, gfp);
#endif
}

/**
 * vsr_free() - release memory from vsr_alloc()
 * @p: memory or NULL
 */
static inline void vsr_free(const void *p)
{
	kvfree(p);
}

#endif /* _VSR_CORE_H */
