/* SPDX-License-Identifier: GPL-2.0 */
/*
 * <linux/types.h> for the native build: the shim's types, and the __uN
 * names the uapi header include/uapi/linux/vsr.h uses, as the kernel's
 * asm-generic/int-ll64.h spells them.  (It shadows the system's
 * <linux/types.h>, whose __le64 would clash with the shim's.)
 */
#ifndef _VSR_SHIM_LINUX_TYPES_H
#define _VSR_SHIM_LINUX_TYPES_H

#include "vsr_shim.h"

typedef unsigned char __u8;
typedef unsigned short __u16;
typedef unsigned int __u32;
typedef unsigned long long __u64;
typedef signed char __s8;
typedef signed short __s16;
typedef signed int __s32;
typedef signed long long __s64;

#endif /* _VSR_SHIM_LINUX_TYPES_H */
