/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * vsr: Viewstamped Replication as a replicated log device.
 *
 * This header is shared by the vsr kernel module and userspace (vsradm).
 */
#ifndef _UAPI_LINUX_VSR_H
#define _UAPI_LINUX_VSR_H

#include <linux/types.h>

#define VSR_GENL_NAME		"vsr"
#define VSR_GENL_VERSION	1

/* Character devices are /dev/vsrlogN. */
#define VSR_DEV_PREFIX		"vsrlog"

#endif /* _UAPI_LINUX_VSR_H */
