/* SPDX-License-Identifier: GPL-2.0 */
/* <linux/uio.h> for the native build: the kernel's struct kvec. */
#ifndef _VSR_SHIM_LINUX_UIO_H
#define _VSR_SHIM_LINUX_UIO_H

#include "vsr_shim.h"

struct kvec {
	void *iov_base;
	size_t iov_len;
};

#endif /* _VSR_SHIM_LINUX_UIO_H */
