// SPDX-License-Identifier: GPL-2.0
/*
 * device.c - /dev/vsrlogN, the replicated log as a character device.
 *
 * Every open file is one client session of the cluster (registered
 * through the log on its first write), so a write that is retried across
 * view changes is appended exactly once.  The file position is the op
 * number of the next record to read.  See Documentation/device.rst.
 */

#include <linux/cdev.h>
#include <linux/fs.h>
#include <linux/jiffies.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "journal.h"
#include "node.h"
#include "node_priv.h"
#include "wire.h"

/**
 * struct vsr_file - one open file, one client session
 * @inst: the instance (a reference is held)
 * @node: its engine
 * @wlock: one write (or fsync) at a time
 * @session: session id, 0 until the first write registered one
 * @request: last request number used in @session
 * @wbuf: record being written (VSR_RECORD_MAX bytes)
 * @rlock: one read at a time
 * @rbuf: record being read (VSR_RECORD_MAX bytes)
 */
struct vsr_file {
	struct vsr_instance *inst;
	struct vsr_node *node;
	struct mutex wlock;
	u64 session;
	u64 request;
	u8 *wbuf;
	struct mutex rlock;
	u8 *rbuf;
};

static struct cdev vsr_cdev;

static int vsr_open(struct inode *inode, struct file *file)
{
	struct vsr_instance *inst;
	struct vsr_file *vf;

	inst = vsr_instance_get_by_minor(iminor(inode));
	if (!inst)
		return -ENODEV;
	vf = kzalloc(sizeof(*vf), GFP_KERNEL_ACCOUNT);
	if (!vf) {
		vsr_instance_put(inst);
		return -ENOMEM;
	}
	vf->inst = inst;
	vf->node = inst->node;
	mutex_init(&vf->wlock);
	mutex_init(&vf->rlock);
	mutex_lock(&vf->node->lock);
	file->f_pos = vf->node->trim;
	mutex_unlock(&vf->node->lock);
	file->private_data = vf;
	return 0;
}

static int vsr_release(struct inode *inode, struct file *file)
{
	struct vsr_file *vf = file->private_data;

	kvfree(vf->wbuf);
	kvfree(vf->rbuf);
	vsr_instance_put(vf->inst);
	kfree(vf);
	return 0;
}

/* Submit a client operation and wait for its outcome (vsr_node_call()). */
static int vsr_call(struct vsr_file *vf, u32 type, u64 session, u64 request,
		    const void *data, u32 len, struct vsr_reply *rep)
{
	struct vsr_waiter w = {
		.type = type, .session = session, .request = request,
	};
	int ret;

	ret = vsr_node_call(vf->node, &w, data, len);
	if (w.done)
		*rep = w.rep;
	return ret;
}

/* Register this file's session through the log. */
static int vsr_register(struct vsr_file *vf)
{
	struct vsr_reply rep;
	u64 nonce;
	int ret;

	mutex_lock(&vf->node->lock);
	nonce = vsr_node_new_nonce(vf->node);
	mutex_unlock(&vf->node->lock);
	ret = vsr_call(vf, VSR_OP_REGISTER, 0, nonce, NULL, 0, &rep);
	if (ret)
		return ret;
	vf->session = rep.session;
	vf->request = 0;
	return 0;
}

static ssize_t vsr_write(struct file *file, const char __user *ubuf,
			 size_t len, loff_t *ppos)
{
	struct vsr_file *vf = file->private_data;
	struct vsr_reply rep;
	ssize_t ret;

	if (!len)
		return -EINVAL;
	if (len > VSR_RECORD_MAX)
		return -EMSGSIZE;
	/* A durable log holds a record in one slot of its ring. */
	if (vf->inst->cfg.journal &&
	    len > vsr_disk_record_max(vf->inst->cfg.journal->d.slot_size))
		return -EMSGSIZE;
	if (mutex_lock_killable(&vf->wlock))
		return -EINTR;
	if (!vf->wbuf) {
		vf->wbuf = kvmalloc(VSR_RECORD_MAX, GFP_KERNEL_ACCOUNT);
		if (!vf->wbuf) {
			ret = -ENOMEM;
			goto out;
		}
	}
	if (copy_from_user(vf->wbuf, ubuf, len)) {
		ret = -EFAULT;
		goto out;
	}
	if (!vf->session) {
		ret = vsr_register(vf);
		if (ret)
			goto out;
	}
	ret = vsr_call(vf, VSR_OP_DATA, vf->session, vf->request + 1,
		       vf->wbuf, len, &rep);
	if (ret == -ESTALE) {
		/* The cluster evicted the session: the next write starts anew. */
		vf->session = 0;
	} else if (!ret) {
		vf->request++;
		ret = len;
	} else if (ret != -EINVAL) {
		/* The request may still commit: never reuse its number. */
		vf->request++;
	}
out:
	mutex_unlock(&vf->wlock);
	return ret;
}

/*
 * Find the first record at or after *pos that is committed.  Return its
 * entry (node lock held), NULL if none yet, or an ERR_PTR: -EPIPE when
 * *pos has been trimmed away.  Advances *pos over non-record ops.
 */
static const struct vsr_entry *vsr_next_record(struct vsr_node *node, loff_t *pos)
{
	const struct vsr_entry *e;

	lockdep_assert_held(&node->lock);
	if (*pos < node->trim)
		return ERR_PTR(-EPIPE);
	while (*pos <= node->commit) {
		e = vsr_replica_entry(node->core, *pos);
		if (!e)
			return ERR_PTR(-EPIPE);
		if (e->flags & VSR_ENTRY_RECORD)
			return e;
		(*pos)++;
	}
	return NULL;
}

static ssize_t vsr_read(struct file *file, char __user *ubuf, size_t count,
			loff_t *ppos)
{
	struct vsr_file *vf = file->private_data;
	struct vsr_node *node = vf->node;
	const struct vsr_entry *e;
	loff_t pos;
	ssize_t ret;
	u32 len;

	if (mutex_lock_interruptible(&vf->rlock))
		return -ERESTARTSYS;
	if (!vf->rbuf) {
		vf->rbuf = kvmalloc(VSR_RECORD_MAX, GFP_KERNEL_ACCOUNT);
		if (!vf->rbuf) {
			ret = -ENOMEM;
			goto out;
		}
	}
	pos = *ppos;
	for (;;) {
		mutex_lock(&node->lock);
		ret = vsr_node_error(node);
		if (ret) {
			mutex_unlock(&node->lock);
			goto out;
		}
		e = vsr_next_record(node, &pos);
		if (IS_ERR(e)) {
			mutex_unlock(&node->lock);
			ret = PTR_ERR(e);
			goto out;
		}
		if (e) {
			len = e->h.len;
			if (len <= count)
				memcpy(vf->rbuf, e->data, len);
			mutex_unlock(&node->lock);
			break;
		}
		/* Removed: its log ends at the change that removed it. */
		if (node->removed) {
			mutex_unlock(&node->lock);
			*ppos = pos;
			ret = 0;
			goto out;
		}
		mutex_unlock(&node->lock);
		*ppos = pos;

		if (file->f_flags & O_NONBLOCK) {
			ret = -EAGAIN;
			goto out;
		}
		if (wait_event_interruptible(node->read_wq,
					     READ_ONCE(node->commit) >= pos ||
					     vsr_node_error(node) ||
					     READ_ONCE(node->removed) ||
					     READ_ONCE(node->trim) > pos)) {
			ret = -ERESTARTSYS;
			goto out;
		}
	}
	*ppos = pos;
	if (len > count) {
		ret = -EMSGSIZE;
		goto out;
	}
	if (copy_to_user(ubuf, vf->rbuf, len)) {
		ret = -EFAULT;
		goto out;
	}
	*ppos = pos + 1;
	ret = len;
out:
	mutex_unlock(&vf->rlock);
	return ret;
}

static loff_t vsr_llseek(struct file *file, loff_t off, int whence)
{
	struct vsr_file *vf = file->private_data;
	struct vsr_node *node = vf->node;
	loff_t pos;
	int ret = 0;

	mutex_lock(&node->lock);
	switch (whence) {
	case SEEK_SET:
		pos = off;
		break;
	case SEEK_CUR:
		pos = file->f_pos + off;
		break;
	case SEEK_END:
		pos = node->commit + 1 + off;
		break;
	default:
		ret = -EINVAL;
		break;
	}
	if (!ret && pos < 0)
		ret = -EINVAL;
	else if (!ret && pos < node->trim)
		ret = -ERANGE;
	mutex_unlock(&node->lock);
	if (ret)
		return ret;
	file->f_pos = pos;
	return pos;
}

static __poll_t vsr_poll(struct file *file, poll_table *wait)
{
	struct vsr_file *vf = file->private_data;
	struct vsr_node *node = vf->node;
	const struct vsr_entry *e;
	__poll_t mask = 0;
	loff_t pos = file->f_pos;

	poll_wait(file, &node->read_wq, wait);
	mutex_lock(&node->lock);
	if (node->dead) {
		mask = EPOLLHUP | EPOLLERR;
	} else if (node->failed) {
		mask = EPOLLERR;	/* read() and write() return -EIO */
	} else if (node->joining) {
		/* Only what a learner was taught; writes get -ENOTCONN. */
		e = vsr_next_record(node, &pos);
		if (e)
			mask |= EPOLLIN | EPOLLRDNORM;
	} else if (node->removed) {
		/* Records up to the change, then end of file; -EROFS. */
		mask = EPOLLHUP;
		e = vsr_next_record(node, &pos);
		if (e)
			mask |= EPOLLIN | EPOLLRDNORM;
	} else {
		mask = EPOLLOUT | EPOLLWRNORM;
		e = vsr_next_record(node, &pos);
		if (e)	/* a record, or an error that read() will report */
			mask |= EPOLLIN | EPOLLRDNORM;
	}
	mutex_unlock(&node->lock);
	return mask;
}

/*
 * A read barrier: commit a no-op through the log and wait until it is
 * applied here.  Everything the cluster had committed when fsync() was
 * called is ordered before it, so it has been applied here too.
 */
static int vsr_fsync(struct file *file, loff_t start, loff_t end, int datasync)
{
	struct vsr_file *vf = file->private_data;
	struct vsr_reply rep;
	u64 nonce;
	int ret;

	if (mutex_lock_killable(&vf->wlock))
		return -EINTR;
	mutex_lock(&vf->node->lock);
	nonce = vsr_node_new_nonce(vf->node);
	mutex_unlock(&vf->node->lock);
	ret = vsr_call(vf, VSR_OP_NOOP, 0, nonce, NULL, 0, &rep);
	mutex_unlock(&vf->wlock);
	return ret;
}

/*
 * The size of struct vsr_status this module knows: VSR_STATUS_SIZE_VER<n>
 * of the newest version.  Whoever appends a field adds a VER define to
 * the uapi header and updates this line (the build checks).
 */
#define VSR_STATUS_SIZE_LATEST	VSR_STATUS_SIZE_VER3

/*
 * VSR_IOC_GET_STATUS: fill min(hdr.size, sizeof(struct vsr_status)) bytes
 * of the caller's struct and report that number in its hdr.size; bytes
 * past it are left alone.
 */
static long vsr_ioctl_get_status(struct vsr_file *vf,
				 struct vsr_status_hdr __user *uhdr)
{
	struct vsr_status_hdr hdr;
	struct vsr_status *st;
	long ret = 0;
	u32 size;

	BUILD_BUG_ON(sizeof(struct vsr_status) != VSR_STATUS_SIZE_LATEST);
	BUILD_BUG_ON(offsetofend(struct vsr_status, stats) != VSR_STATUS_SIZE_VER0);
	BUILD_BUG_ON(offsetofend(struct vsr_status, reserved1) != VSR_STATUS_SIZE_VER1);
	BUILD_BUG_ON(offsetofend(struct vsr_status, reserved2) != VSR_STATUS_SIZE_VER2);
	BUILD_BUG_ON(offsetofend(struct vsr_status, reserved3) != VSR_STATUS_SIZE_VER3);
	BUILD_BUG_ON(VSR_IOC_GET_STATUS != 0xc008be01);

	if (copy_from_user(&hdr, uhdr, sizeof(hdr)))
		return -EFAULT;
	if (hdr.size < VSR_STATUS_SIZE_VER0 || hdr.reserved)
		return -EINVAL;
	size = min_t(u32, hdr.size, sizeof(*st));

	st = kmalloc(sizeof(*st), GFP_KERNEL);
	if (!st)
		return -ENOMEM;
	vsr_node_get_status(vf->inst, st);
	st->hdr.size = size;
	st->hdr.reserved = 0;
	if (copy_to_user(uhdr, st, size))
		ret = -EFAULT;
	kfree(st);
	return ret;
}

/* The deprecated VSR_IOC_STATUS_V1: the original, fixed-size layout. */
static long vsr_ioctl_status_v1(struct vsr_file *vf,
				struct vsr_status_v1 __user *uv1)
{
	struct vsr_status_v1 *v1;
	struct vsr_status *st;
	long ret = 0;

	BUILD_BUG_ON(sizeof(struct vsr_status_v1) != 424);
	BUILD_BUG_ON(VSR_IOC_STATUS_V1 != 0x81a8b501);
	BUILD_BUG_ON(sizeof(v1->peers) != sizeof(st->peers));

	st = kmalloc(sizeof(*st), GFP_KERNEL);
	v1 = kzalloc(sizeof(*v1), GFP_KERNEL);
	if (!st || !v1) {
		ret = -ENOMEM;
		goto out;
	}
	vsr_node_get_status(vf->inst, st);
	v1->cluster_id = st->cluster_id;
	v1->epoch = st->epoch;
	v1->view = st->view;
	v1->op = st->op;
	v1->commit = st->commit;
	v1->trim_point = st->trim_point;
	v1->log_bytes = st->log_bytes;
	v1->replica = st->replica;
	v1->primary = st->primary;
	v1->n_peers = st->n_peers;
	v1->status = st->status;
	memcpy(v1->peers, st->peers, sizeof(v1->peers));
	v1->stats = st->stats;
	if (copy_to_user(uv1, v1, sizeof(*v1)))
		ret = -EFAULT;
out:
	kfree(v1);
	kfree(st);
	return ret;
}

static long vsr_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct vsr_file *vf = file->private_data;

	switch (cmd) {
	case VSR_IOC_GET_STATUS:
		return vsr_ioctl_get_status(vf, (void __user *)arg);
	case VSR_IOC_STATUS_V1:
		return vsr_ioctl_status_v1(vf, (void __user *)arg);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations vsr_fops = {
	.owner		= THIS_MODULE,
	.open		= vsr_open,
	.release	= vsr_release,
	.read		= vsr_read,
	.write		= vsr_write,
	.llseek		= vsr_llseek,
	.poll		= vsr_poll,
	.fsync		= vsr_fsync,
	.unlocked_ioctl	= vsr_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
};

/**
 * vsr_device_init() - register the file operations of /dev/vsrlogN
 * @devt: first device number of the region
 * @count: number of minors
 *
 * Return: 0 or a negative errno.
 */
int vsr_device_init(dev_t devt, unsigned int count)
{
	cdev_init(&vsr_cdev, &vsr_fops);
	vsr_cdev.owner = THIS_MODULE;
	return cdev_add(&vsr_cdev, devt, count);
}

/**
 * vsr_device_exit() - unregister the file operations
 */
void vsr_device_exit(void)
{
	cdev_del(&vsr_cdev);
}
