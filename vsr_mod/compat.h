/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel API differences between the kernels vsr builds against
 * (Debian's 6.1 and 6.12, and later).
 */
#ifndef _VSR_COMPAT_H
#define _VSR_COMPAT_H

#include <linux/version.h>
#include <linux/device.h>

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

#endif /* _VSR_COMPAT_H */
