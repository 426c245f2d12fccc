/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel API differences between the kernels vsr builds against
 * (Debian's 6.1 and 6.12, and later).
 */
#ifndef _VSR_COMPAT_H
#define _VSR_COMPAT_H

#include <linux/version.h>
#include <linux/device.h>
#include <net/genetlink.h>

/* <asm/unaligned.h> moved to <linux/unaligned.h> in 6.12. */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 12, 0)
#include <asm/unaligned.h>
#else
#include <linux/unaligned.h>
#endif

/* class_create() lost its owner argument in 6.4. */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 4, 0)
#define vsr_class_create(name) class_create(THIS_MODULE, name)
#else
#define vsr_class_create(name) class_create(name)
#endif

/* MODULE_IMPORT_NS() takes a string literal from 6.13 on. */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 13, 0)
#define VSR_IMPORT_KUNIT_NS() MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING)
#else
#define VSR_IMPORT_KUNIT_NS() MODULE_IMPORT_NS("EXPORTED_FOR_KUNIT_TESTING")
#endif

/* struct class's devnode() takes a const struct device * from 6.2 on. */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 2, 0)
#define VSR_DEVNODE_CONST
#else
#define VSR_DEVNODE_CONST const
#endif

/*
 * GENL_MCAST_CAP_NET_ADMIN (only CAP_NET_ADMIN may join a multicast group)
 * appeared in 6.7 and reached 6.1 in its stable update 6.1.68 (Debian's
 * 6.1.69-1), with psample's and drop_monitor's fixes that use it.  A 6.1
 * without it has no way to refuse a genetlink multicast bind: struct
 * genl_family has no bind callback there (6.12's cannot refuse either).
 * Tested for by name, not by version, since distributions backport it.
 * Without it any user could subscribe to "events" and read what GET
 * refuses them: refuse to build instead.
 */
#ifndef GENL_MCAST_CAP_NET_ADMIN
#error "vsr needs GENL_MCAST_CAP_NET_ADMIN (Linux 6.7, or 6.1.68 and later 6.1 kernels)"
#endif

#endif /* _VSR_COMPAT_H */
