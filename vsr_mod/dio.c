// SPDX-License-Identifier: GPL-2.0
/*
 * dio.c - direct writes of a buffer's pages to a block device.
 *
 * The journal writes each batch of slots into both copies of the ring
 * before one flush.  Through the page cache (kernel_write()) that is a
 * copy of every slot into the cache and its writeback from inside the
 * flush.  A direct write hands the buffer's own pages to the block layer
 * instead, as the loop driver does for its backing file: the buffer's
 * pages as a bio_vec iterator, and a kiocb with IOCB_DIRECT and a
 * completion, so that the copies' writes are in flight together and the
 * worker waits once for all of them.
 *
 * Only block devices: their direct writes are the block layer's own and
 * behave alike on every kernel this module builds for, where a regular
 * file's depend on its file system (tmpfs has none on 6.1).
 */
#include <linux/blkdev.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/uio.h>
#include <linux/vmalloc.h>

#include "dio.h"

/**
 * vsr_dio_usable() - whether an open file takes the writes of this file
 * @file: the file, open for writing
 * @align: the alignment of every write's offset and length, and of the
 *	buffer's pages (a power of two)
 *
 * Return: true for a block device that takes direct writes aligned to
 * @align (its logical block size divides it).
 */
bool vsr_dio_usable(struct file *file, unsigned int align)
{
	struct inode *inode = file->f_mapping->host;
	struct block_device *bdev;

	if (!S_ISBLK(file_inode(file)->i_mode) ||
	    !(file->f_mode & FMODE_CAN_ODIRECT) || !file->f_op->write_iter)
		return false;
	bdev = I_BDEV(inode);
	return !(align % bdev_logical_block_size(bdev)) &&
	       !(align & bdev_dma_alignment(bdev));
}

/**
 * vsr_dio_init() - prepare direct writes from a buffer
 * @dio: the writes' state
 * @file: a block device vsr_dio_usable() accepted
 * @buf: the buffer, from kvmalloc(), page aligned
 * @len: its length, a multiple of PAGE_SIZE
 *
 * Return: 0, or -ENOMEM.
 */
int vsr_dio_init(struct vsr_dio *dio, struct file *file, u8 *buf, size_t len)
{
	unsigned int i;

	if (WARN_ON_ONCE(offset_in_page(buf) || offset_in_page(len)))
		return -EINVAL;
	memset(dio, 0, sizeof(*dio));
	dio->npages = len >> PAGE_SHIFT;
	dio->bvec = kvmalloc_array(dio->npages, sizeof(*dio->bvec),
				   GFP_KERNEL_ACCOUNT);
	if (!dio->bvec)
		return -ENOMEM;
	for (i = 0; i < dio->npages; i++) {
		void *p = buf + ((size_t)i << PAGE_SHIFT);
		struct page *page = is_vmalloc_addr(p) ? vmalloc_to_page(p) :
							 virt_to_page(p);

		bvec_set_page(&dio->bvec[i], page, PAGE_SIZE, 0);
	}
	dio->file = file;
	dio->buf = buf;
	dio->len = len;
	init_completion(&dio->done);
	return 0;
}

/**
 * vsr_dio_free() - free what vsr_dio_init() allocated
 * @dio: the writes' state (none in flight), initialised or zeroed
 */
void vsr_dio_free(struct vsr_dio *dio)
{
	kvfree(dio->bvec);
	dio->bvec = NULL;
}

/**
 * vsr_dio_begin() - start a set of writes
 * @dio: the writes' state, none in flight
 */
void vsr_dio_begin(struct vsr_dio *dio)
{
	dio->nreq = 0;
	dio->err = 0;
	atomic_set(&dio->pending, 1);
	reinit_completion(&dio->done);
	/* The pages are written through their own mappings. */
	if (is_vmalloc_addr(dio->buf))
		flush_kernel_vmap_range(dio->buf, dio->len);
}

static void vsr_dio_put(struct vsr_dio *dio)
{
	if (atomic_dec_and_test(&dio->pending))
		complete(&dio->done);
}

/* The block layer completed a write (any context), or it failed to start. */
static void vsr_dio_complete(struct kiocb *iocb, long ret)
{
	struct vsr_dio_req *r = container_of(iocb, struct vsr_dio_req, iocb);
	struct vsr_dio *dio = r->dio;

	if (ret >= 0 && ret != r->len)
		ret = -EIO;
	if (ret < 0)
		cmpxchg(&dio->err, 0, (int)ret);
	vsr_dio_put(dio);
}

/**
 * vsr_dio_write() - start a direct write
 * @dio: the writes' state, after vsr_dio_begin()
 * @off: where in the buffer the write starts (aligned as the file needs)
 * @len: bytes to write (aligned likewise)
 * @pos: where in the file
 *
 * At most VSR_DIO_REQS writes per set; vsr_dio_end() gives the result.
 */
void vsr_dio_write(struct vsr_dio *dio, size_t off, size_t len, loff_t pos)
{
	struct vsr_dio_req *r;
	struct iov_iter iter;
	ssize_t ret;

	if (WARN_ON_ONCE(dio->nreq == VSR_DIO_REQS || off > dio->len ||
			 len > dio->len - off)) {
		cmpxchg(&dio->err, 0, -EINVAL);
		return;
	}
	r = &dio->req[dio->nreq++];
	r->dio = dio;
	r->len = len;
	init_sync_kiocb(&r->iocb, dio->file);
	r->iocb.ki_flags |= IOCB_DIRECT;
	r->iocb.ki_pos = pos;
	r->iocb.ki_complete = vsr_dio_complete;
	iov_iter_bvec(&iter, ITER_SOURCE, dio->bvec, dio->npages, dio->len);
	iov_iter_advance(&iter, off);
	iov_iter_truncate(&iter, len);
	atomic_inc(&dio->pending);
	/*
	 * Queued, or done already: the block layer fell back to the page
	 * cache (pages of the range it could not drop), or refused it.
	 */
	ret = dio->file->f_op->write_iter(&r->iocb, &iter);
	if (ret != -EIOCBQUEUED)
		vsr_dio_complete(&r->iocb, ret);
}

/**
 * vsr_dio_end() - wait for a set of writes
 * @dio: the writes' state
 *
 * Return: 0 when every write of the set wrote all its bytes, else the
 * first error (-EIO for a short write).  The data may still be in the
 * device's volatile cache: a flush follows.
 */
int vsr_dio_end(struct vsr_dio *dio)
{
	vsr_dio_put(dio);
	wait_for_completion_io(&dio->done);
	return dio->err;
}
