/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dio.h - direct writes of a buffer's pages to a block device, several in
 * flight at once, for the journal's log ring.
 */
#ifndef _VSR_DIO_H
#define _VSR_DIO_H

#include <linux/atomic.h>
#include <linux/bvec.h>
#include <linux/completion.h>
#include <linux/fs.h>

/* Writes in flight at once: two copies of a batch, each in up to two runs. */
#define VSR_DIO_REQS	4

struct vsr_dio;

/**
 * struct vsr_dio_req - one write in flight
 * @iocb: its I/O control block, completed by the block layer
 * @dio: the set it belongs to
 * @len: bytes it writes
 */
struct vsr_dio_req {
	struct kiocb iocb;
	struct vsr_dio *dio;
	size_t len;
};

/**
 * struct vsr_dio - direct writes from one buffer to one block device
 * @file: the block device, open for writing
 * @buf: the buffer the writes come from
 * @len: its length in bytes
 * @bvec: a vector of @buf's pages
 * @npages: their number
 * @pending: writes in flight, plus one while they are being started
 * @err: the first error of the writes (0, or a negative errno)
 * @done: completed when the last write in flight completes
 * @nreq: writes started since vsr_dio_begin()
 * @req: the writes
 */
struct vsr_dio {
	struct file *file;
	u8 *buf;
	size_t len;
	struct bio_vec *bvec;
	unsigned int npages;
	atomic_t pending;
	int err;
	struct completion done;
	unsigned int nreq;
	struct vsr_dio_req req[VSR_DIO_REQS];
};

bool vsr_dio_usable(struct file *file, unsigned int align);
int vsr_dio_init(struct vsr_dio *dio, struct file *file, u8 *buf, size_t len);
void vsr_dio_free(struct vsr_dio *dio);
void vsr_dio_begin(struct vsr_dio *dio);
void vsr_dio_write(struct vsr_dio *dio, size_t off, size_t len, loff_t pos);
int vsr_dio_end(struct vsr_dio *dio);

#endif /* _VSR_DIO_H */
