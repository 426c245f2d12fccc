// SPDX-License-Identifier: GPL-2.0
/*
 * journal.c - a durable instance's log file: format, restart, and the work
 * item that writes it.
 *
 * The file is opened once, in the context of the netlink request that adds
 * the instance (its credentials, its mount namespace), and kept open.  It
 * is written with kernel_write() and flushed with vfs_fsync_range() over
 * the whole file, which works alike for regular files and block devices on
 * every kernel this module builds for.  A block device's log ring is
 * written with direct I/O (dio.c), unless the module parameter direct_io
 * is off when the instance is added.
 *
 * The I/O runs in one work item per instance, never under the node lock
 * and never in softirq.  The lock is taken only to pick up what to write
 * (copies of the entries, or the record and its checkpoint) and to tell the
 * core what was flushed.  One write and one flush are in flight at a time;
 * what the core appends meanwhile goes in the next batch (group commit).
 *
 * A batch of entries goes to both copies of the ring (disk.h), as two
 * writes, then one flush.  The order of the writes is the persist contract
 * (vsr_api.h): entries are flushed before the record (superblock) that
 * names them, and a checkpoint before the superblock that points at it.
 * A superblock update writes copies 0 and 1, flushes, then 2 and 3, and
 * flushes.  Any error is fatal for the instance: status failed, never
 * retried.
 */
#include <linux/blkdev.h>
#include <linux/fs.h>
#include <linux/mutex.h>
#include <linux/netlink.h>
#include <linux/pagemap.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "journal.h"
#include "node_priv.h"

static bool direct_io = true;
module_param(direct_io, bool, 0644);
MODULE_PARM_DESC(direct_io,
		 "write the log ring of a block device with direct I/O, not through the page cache (read when an instance is added)");

/* The log files in use, by device and inode: one instance each. */
static LIST_HEAD(vsr_journals);
static DEFINE_MUTEX(vsr_journals_lock);

/* The slot size a format chooses: one block per entry. */
#define VSR_JOURNAL_SLOT	VSR_DISK_BLOCK

static int vsr_journal_io(struct vsr_journal *j, bool write, void *buf,
			  size_t len, loff_t pos)
{
	u64 t = ktime_get_ns();
	ssize_t n;

	while (len) {
		n = write ? kernel_write(j->file, buf, len, &pos) :
			    kernel_read(j->file, buf, len, &pos);
		if (n < 0)
			return n;
		/* Past the end of the file or device. */
		if (!n)
			return write ? -ENOSPC : -ENODATA;
		buf += n;
		len -= n;
	}
	if (write)
		j->write_ns += ktime_get_ns() - t;
	return 0;
}

static int vsr_journal_sync(struct vsr_journal *j)
{
	u64 t = ktime_get_ns();
	int ret;

	j->flushes++;
	ret = vfs_fsync_range(j->file, 0, LLONG_MAX, 1);
	j->sync_ns += ktime_get_ns() - t;
	return ret;
}

/*
 * Write superblock @d: the pair that does not hold the copy a restart went
 * by first (@first_pair's other), a flush, then the other pair, a flush.
 * A power cut tears at most one pair; the update counts after the second.
 */
static int vsr_journal_super(struct vsr_journal *j,
			     const struct vsr_disk_info *d, int first_pair)
{
	int pair, i, ret;

	vsr_disk_super_put(d, j->blk);
	for (pair = 0; pair < 2; pair++) {
		int p = pair ^ first_pair;

		for (i = 0; i < 2; i++) {
			ret = vsr_journal_io(j, true, j->blk, VSR_DISK_BLOCK,
					     (2 * p + i) * VSR_DISK_BLOCK);
			if (ret)
				return ret;
		}
		ret = vsr_journal_sync(j);
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * The write buffer: a batch of slots of the file's size, written directly
 * from its pages if the file is a block device that takes that.
 */
static int vsr_journal_alloc_buf(struct vsr_journal *j)
{
	size_t len = VSR_JOURNAL_BATCH * j->d.slot_size;

	j->buf = kvmalloc(len, GFP_KERNEL_ACCOUNT);
	if (!j->buf)
		return -ENOMEM;
	/* Without room for the page vector, through the page cache. */
	if (READ_ONCE(direct_io) && vsr_dio_usable(j->file, VSR_DISK_BLOCK))
		j->direct = !vsr_dio_init(&j->dio, j->file, j->buf, len);
	return 0;
}

/*
 * Bytes the file holds: a block device's size is its own inode's, which
 * the open file's mapping belongs to, not the device node's.
 */
static u64 vsr_journal_size(struct vsr_journal *j)
{
	return i_size_read(j->file->f_mapping->host);
}

/*
 * Format: zeros over every region, the empty log's checkpoint, then the
 * superblock.
 */
static int vsr_journal_format(struct vsr_journal *j,
			      const struct vsr_config *cfg,
			      struct netlink_ext_ack *extack)
{
	struct vsr_disk_info *d = &j->d;
	struct vsr_core_config core;
	u64 size, pos;
	size_t len;
	u32 i;
	int ret;

	memset(d, 0, sizeof(*d));
	d->nonce = get_random_u64();
	d->seq = 1;
	d->cluster = cfg->cluster_id;
	d->replica = cfg->replica;
	d->members = cfg->n_peers;
	d->joiner = cfg->joining;
	for (i = 0; i < cfg->n_peers; i++)
		vsr_node_member_id(&cfg->peers[i], &d->ids[i]);
	d->p.csum = vsr_chain_root(cfg->cluster_id);
	j->ck_csum = d->p.csum;
	vsr_core_config_defaults(&core);
	if (cfg->tun.log_retention)
		core.retain = cfg->tun.log_retention;
	d->retain = core.retain;
	d->slot_size = VSR_JOURNAL_SLOT;
	d->slots = vsr_core_log_max(&core);
	if (vsr_disk_info_check(d)) {
		NL_SET_ERR_MSG(extack, "log retention too large for a log file");
		return -EINVAL;
	}
	size = vsr_disk_size(d);
	if (S_ISBLK(file_inode(j->file)->i_mode) &&
	    vsr_journal_size(j) < size) {
		NL_SET_ERR_MSG(extack, "block device too small for the log retention");
		return -ENOSPC;
	}
	ret = vsr_journal_alloc_buf(j);
	if (ret)
		return ret;
	memset(j->buf, 0, VSR_JOURNAL_BATCH * VSR_JOURNAL_SLOT);
	for (pos = 0; pos < size; pos += len) {
		len = min_t(u64, size - pos, VSR_JOURNAL_BATCH * VSR_JOURNAL_SLOT);
		ret = vsr_journal_io(j, true, j->buf, len, pos);
		if (ret)
			goto err;
	}
	len = vsr_disk_ckpt_put(d, 0, 0, d->p.csum, NULL, 0, j->blk);
	ret = vsr_journal_io(j, true, j->blk, len, vsr_disk_ckpt_off(0));
	if (!ret)
		ret = vsr_journal_sync(j);
	if (!ret)
		ret = vsr_journal_super(j, d, 0);
	if (!ret) {
		j->taken = true;
		return 0;
	}
err:
	NL_SET_ERR_MSG(extack, "cannot format the log file");
	return ret;
}

/* Whether the disk's identity is the one the request named. */
static bool vsr_journal_matches(const struct vsr_disk_info *d,
				const struct vsr_config *cfg)
{
	struct vsr_member_id id;
	u32 i;

	if (cfg->cluster_id != d->cluster || cfg->replica != d->replica ||
	    cfg->n_peers != d->members)
		return false;
	for (i = 0; i < cfg->n_peers; i++) {
		vsr_node_member_id(&cfg->peers[i], &id);
		if (memcmp(&id, &d->ids[i], sizeof(id)))
			return false;
	}
	return true;
}

/*
 * A read that failed with a media error (a latent sector error): what it
 * covers is damaged, as if its checksum failed, and the load goes on.
 */
static bool vsr_journal_unreadable(struct vsr_journal *j, int err,
				   const char *what, u64 n)
{
	if (err != -EIO)
		return false;
	pr_warn("%s: %s %llu unreadable (error %d): taken as damaged\n",
		j->path, what, n, err);
	return true;
}

/*
 * Read the checkpoint the superblock names (into @blk): its chain checksum
 * is what a record naming the checkpoint's op must carry.  A fresh disk's
 * is the empty log's, the cluster's chain root.  One that is not there, or
 * cannot be read, leaves the restore nothing to take (ckpt U64_MAX: the
 * core refuses it).
 */
static int vsr_journal_read_ckpt(struct vsr_journal *j)
{
	struct vsr_disk_info *d = &j->d;
	struct vsr_restore *rs = &j->restore;
	int ret;

	ret = vsr_journal_io(j, false, j->blk, VSR_DISK_CKPT_SIZE,
			     vsr_disk_ckpt_off(d->ckpt_slot));
	if (ret && !vsr_journal_unreadable(j, ret, "checkpoint slot",
					   d->ckpt_slot))
		return ret;
	if (ret || vsr_disk_ckpt_get(d, j->blk, &rs->ckpt, &rs->ckpt_view,
			      &rs->ckpt_csum, &rs->table_count) ||
	    rs->ckpt != d->p.ckpt) {
		rs->ckpt = U64_MAX;
		rs->table_count = 0;
		j->ck_csum = d->p.ckpt ? 0 : vsr_chain_root(d->cluster);
		return 0;
	}
	j->ck_csum = rs->ckpt_csum;
	return 0;
}

/*
 * Read @n slots of copy @copy of the ring from op @first into @buf.  After
 * a media error, one by one: a slot that cannot be read is zeros, which no
 * check passes (damaged, as if its checksum failed).
 */
static int vsr_journal_read_run(struct vsr_journal *j, u32 copy, u64 first,
				u32 n, u8 *buf)
{
	const struct vsr_disk_info *d = &j->d;
	size_t size = d->slot_size;
	u32 i;
	int ret;

	ret = vsr_journal_io(j, false, buf, n * size,
			     vsr_disk_slot_off(d, first, copy));
	if (ret != -EIO)
		return ret;
	for (i = 0; i < n; i++) {
		ret = vsr_journal_io(j, false, buf + i * size, size,
				     vsr_disk_slot_off(d, first + i, copy));
		if (vsr_journal_unreadable(j, ret, copy ?
					   "copy 1 of the slot of op" :
					   "copy 0 of the slot of op", first + i))
			memset(buf + i * size, 0, size);
		else if (ret)
			return ret;
	}
	return 0;
}

/*
 * The entry of op @op, the @i-th slot of the run in j->buf (copy 0) and
 * j->buf1 (copy 1): the copy vsr_disk_slot_pick() takes, written over the
 * other if that is bad or older (the caller flushes).  -EUCLEAN if neither
 * holds it.
 */
static int vsr_journal_read_slot(struct vsr_journal *j, u64 op, u32 i,
				 struct vsr_entry **e)
{
	const struct vsr_disk_info *d = &j->d;
	size_t off = (size_t)i * d->slot_size;
	u8 *slot[VSR_DISK_COPIES] = { j->buf + off, j->buf1 + off };
	struct vsr_disk_stamp st[VSR_DISK_COPIES];
	bool ok[VSR_DISK_COPIES];
	int c, ret;

	for (c = 0; c < VSR_DISK_COPIES; c++)
		ok[c] = !vsr_disk_slot_check(d, slot[c], op, &st[c]);
	c = vsr_disk_slot_pick(ok[0] ? &st[0] : NULL, ok[1] ? &st[1] : NULL);
	if (c < 0)
		return -EUCLEAN;
	/* The other copy is bad, or missed the last write: mend it. */
	if (!ok[!c] || st[0].seq != st[1].seq || st[0].n != st[1].n) {
		ret = vsr_journal_io(j, true, slot[c], d->slot_size,
				     vsr_disk_slot_off(d, op, !c));
		if (ret) {
			j->mend_err = true;
			return ret;
		}
		j->mended++;
	}
	return vsr_disk_slot_get(d, slot[c], op, GFP_KERNEL_ACCOUNT, e);
}

/*
 * Read what a restart needs: the checkpoint the superblock names and the
 * entries above it, each slot from the copy of the ring that holds it
 * (written last; the other is mended), up to the first that neither holds.
 * The core checks the chain and what the record names.
 */
static int vsr_journal_read_log(struct vsr_journal *j)
{
	struct vsr_disk_info *d = &j->d;
	struct vsr_restore *rs = &j->restore;
	u64 first, last;
	u32 n, i, count;
	int ret;

	j->restore_table = kvmalloc(VSR_SESSIONS_MAX * VSR_SESSION_WIRE_SIZE,
				    GFP_KERNEL_ACCOUNT);
	j->restore_entries = kvcalloc(d->slots, sizeof(*j->restore_entries),
				      GFP_KERNEL_ACCOUNT);
	j->buf1 = kvmalloc(VSR_JOURNAL_BATCH * d->slot_size, GFP_KERNEL_ACCOUNT);
	if (!j->restore_table || !j->restore_entries || !j->buf1)
		return -ENOMEM;
	/* A checkpoint that is not there: the core refuses the disk. */
	count = rs->table_count;
	if (rs->ckpt == U64_MAX)
		return 0;
	memcpy(j->restore_table, j->blk + VSR_DISK_BLOCK,
	       (size_t)count * VSR_SESSION_WIRE_SIZE);
	rs->table = j->restore_table;
	rs->table_count = count;
	rs->entries = (const struct vsr_entry *const *)j->restore_entries;
	rs->count = 0;
	last = rs->ckpt + d->slots;
	for (first = rs->ckpt + 1; first <= last; first += n) {
		/* A run of slots up to the end of the ring. */
		n = min_t(u64, last - first + 1, VSR_JOURNAL_BATCH);
		n = min(n, d->slots - vsr_disk_slot_idx(d, first));
		ret = vsr_journal_read_run(j, 0, first, n, j->buf) ?:
		      vsr_journal_read_run(j, 1, first, n, j->buf1);
		if (ret)
			return ret;
		for (i = 0; i < n; i++) {
			ret = vsr_journal_read_slot(j, first + i, i,
						    &j->restore_entries[rs->count]);
			if (ret == -EUCLEAN)
				return 0;
			if (ret)
				return ret;
			rs->count++;
		}
	}
	return 0;
}

static void vsr_journal_free_restore(struct vsr_journal *j)
{
	u32 i;

	if (j->restore_entries)
		for (i = 0; i < j->restore.count; i++)
			vsr_free(j->restore_entries[i]);
	kvfree(j->restore_entries);
	kvfree(j->restore_table);
	kvfree(j->buf1);
	j->restore_entries = NULL;
	j->restore_table = NULL;
	j->buf1 = NULL;
	j->restore.count = 0;
}

/* Load a formatted log: its superblock, written again, then its log. */
static int vsr_journal_load(struct vsr_journal *j, struct vsr_config *cfg,
			    struct netlink_ext_ack *extack)
{
	u8 *copies[VSR_DISK_SUPERS];
	struct vsr_disk_info *d = &j->d;
	int i, err, ret, won;

	/*
	 * After a failed flush in this boot, the page cache may hold clean
	 * pages that never reached the disk: read the disk, not them.  (Clean
	 * pages only: dirty ones are no journal's, whose every write is
	 * flushed, and tmpfs's pages are its storage.)  So may a block
	 * device's after direct writes: neither kernel drops the cached
	 * pages of a range after an asynchronous direct write, and a plain
	 * reader of the device (dd, blkid) may have cached them meanwhile.
	 */
	invalidate_mapping_pages(j->file->f_mapping, 0, -1);
	ret = vsr_journal_io(j, false, j->blk, VSR_DISK_SUPERS * VSR_DISK_BLOCK,
			     0);
	/* A media error: the copies one by one; one unreadable is invalid. */
	for (i = 0; ret == -EIO && i < VSR_DISK_SUPERS; i++) {
		copies[i] = j->blk + i * VSR_DISK_BLOCK;
		err = vsr_journal_io(j, false, copies[i], VSR_DISK_BLOCK,
				     i * VSR_DISK_BLOCK);
		if (vsr_journal_unreadable(j, err, "superblock copy", i))
			memset(copies[i], 0, VSR_DISK_BLOCK);
		else if (err)
			ret = err;
		if (i + 1 == VSR_DISK_SUPERS && ret == -EIO)
			ret = 0;
	}
	if (ret) {
		NL_SET_ERR_MSG(extack, "cannot read the log file");
		return ret == -ENODATA ? -EUCLEAN : ret;
	}
	for (i = 0; i < VSR_DISK_SUPERS; i++)
		copies[i] = j->blk + i * VSR_DISK_BLOCK;
	won = vsr_disk_super_pick(copies, d);
	if (won == -EPROTONOSUPPORT) {
		NL_SET_ERR_MSG(extack, "the log file has another format version");
		return won;
	}
	if (won < 0) {
		NL_SET_ERR_MSG(extack, "no valid superblock: not a formatted log file, or damaged (format it to start afresh)");
		return -EUCLEAN;
	}
	if (vsr_journal_size(j) < vsr_disk_size(d)) {
		NL_SET_ERR_MSG(extack, "the log file is shorter than its format says");
		return -EUCLEAN;
	}
	if (cfg->n_peers && !vsr_journal_matches(d, cfg)) {
		NL_SET_ERR_MSG(extack, "cluster, replica or peers differ from the log file's");
		return -EINVAL;
	}
	if (d->joiner) {
		NL_SET_ERR_MSG(extack, "the log file was formatted to join and never joined: format it again");
		return -EINVAL;
	}
	cfg->cluster_id = d->cluster;
	cfg->replica = d->replica;
	cfg->n_peers = d->members;
	for (i = 0; i < d->members; i++)
		if (!vsr_node_member_addr(&d->ids[i], &cfg->peers[i])) {
			NL_SET_ERR_MSG(extack, "the log file names a peer that is no address");
			return -EUCLEAN;
		}
	cfg->tun.log_retention = d->retain;
	/*
	 * The copy it went by may be the only one: written again, first to
	 * the pair that does not hold it, before the replica acts on it.
	 */
	d->seq++;
	ret = vsr_journal_super(j, d, won < 2 ? 1 : 0);
	if (ret) {
		NL_SET_ERR_MSG(extack, "cannot write the log file");
		return ret;
	}
	j->fresh = !(d->p.flags & VSR_PERSIST_SERVICE);
	ret = vsr_journal_alloc_buf(j) ?: vsr_journal_read_ckpt(j);
	if (!ret && !j->fresh)
		ret = vsr_journal_read_log(j);
	if (ret) {
		if (j->mend_err)
			NL_SET_ERR_MSG(extack, "cannot write the log file (mending slots from their other copy)");
		else
			NL_SET_ERR_MSG(extack, "cannot read the log file");
		return ret;
	}
	if (!j->mended)
		return 0;
	pr_warn("%s: mended %llu log slots from their other copy (bad or older in one copy of the ring)\n",
		j->path, j->mended);
	ret = vsr_journal_sync(j);
	if (ret)
		NL_SET_ERR_MSG(extack, "cannot write the log file (mending slots from their other copy)");
	return ret;
}

/*
 * Hold a block device as a mount or device mapper holds one: open its node
 * again with O_EXCL, which claims the device with the file as its holder,
 * so that nobody else claims it while the instance runs (a plain opener
 * such as dd still can).  The same device, or the path changed under us.
 */
static int vsr_journal_claim(struct vsr_journal *j, const char *path,
			     struct netlink_ext_ack *extack)
{
	struct file *x;

	x = filp_open(path, O_RDWR | O_LARGEFILE | O_EXCL, 0);
	if (IS_ERR(x)) {
		if (PTR_ERR(x) == -EBUSY)
			NL_SET_ERR_MSG(extack, "the block device is in use (mounted, or held by device mapper)");
		else
			NL_SET_ERR_MSG(extack, "cannot open the log file");
		return PTR_ERR(x);
	}
	if (!S_ISBLK(file_inode(x)->i_mode) ||
	    file_inode(x)->i_rdev != j->dev) {
		filp_close(x, NULL);
		NL_SET_ERR_MSG(extack, "the log file changed while it was opened");
		return -EAGAIN;
	}
	filp_close(j->file, NULL);
	j->file = x;
	return 0;
}

/**
 * vsr_journal_open() - open (and format, or load) an instance's log file
 * @path: the file: a regular file or a block device
 * @format: format it first (a missing regular file is created)
 * @cfg: with @format, the identity to format it with; without, filled
 *	from the disk (if it names peers, they must match the disk's)
 * @jp: the journal, owned by the caller until an instance takes it
 * @extack: for the reason of a refusal
 *
 * In the context of the request that adds the instance: the file is
 * opened with its credentials, and kept open for the instance's life.
 *
 * Return: 0 or a negative errno (the reason is in @extack).
 */
int vsr_journal_open(const char *path, bool format, struct vsr_config *cfg,
		     struct vsr_journal **jp, struct netlink_ext_ack *extack)
{
	struct vsr_journal *j, *o;
	struct inode *inode;
	bool create;
	int ret;

	j = kzalloc(sizeof(*j), GFP_KERNEL_ACCOUNT);
	if (!j)
		return -ENOMEM;
	INIT_LIST_HEAD(&j->link);
	j->path = kstrdup(path, GFP_KERNEL_ACCOUNT);
	j->blk = kvmalloc(VSR_DISK_CKPT_SIZE, GFP_KERNEL_ACCOUNT);
	j->want_table = kvmalloc(VSR_SESSIONS_MAX * VSR_SESSION_WIRE_SIZE,
				 GFP_KERNEL_ACCOUNT);
	if (!j->path || !j->blk || !j->want_table) {
		ret = -ENOMEM;
		goto err;
	}
	/*
	 * A format creates a regular file that does not exist, but never
	 * under /dev: a name there is a device's, and one that is missing
	 * (a typo, a node udev has not made yet) must not become a file in
	 * memory that looks durable.
	 */
	create = format && !str_has_prefix(path, "/dev/");
	j->file = filp_open(path, O_RDWR | O_LARGEFILE | (create ? O_CREAT : 0),
			    0600);
	if (IS_ERR(j->file)) {
		ret = PTR_ERR(j->file);
		j->file = NULL;
		if (ret == -ENOENT && format && !create)
			NL_SET_ERR_MSG(extack, "no such device (a log file is never created under /dev)");
		else
			NL_SET_ERR_MSG(extack, "cannot open the log file");
		goto err;
	}
	inode = file_inode(j->file);
	if (!S_ISREG(inode->i_mode) && !S_ISBLK(inode->i_mode)) {
		NL_SET_ERR_MSG(extack, "the log file must be a regular file or a block device");
		ret = -EINVAL;
		goto err;
	}
	/* A block device by its number alone: it may have several nodes. */
	j->ino = S_ISBLK(inode->i_mode) ? 0 : inode->i_ino;
	j->dev = S_ISBLK(inode->i_mode) ? inode->i_rdev : inode->i_sb->s_dev;
	mutex_lock(&vsr_journals_lock);
	list_for_each_entry(o, &vsr_journals, link)
		if (o->ino == j->ino && o->dev == j->dev) {
			mutex_unlock(&vsr_journals_lock);
			NL_SET_ERR_MSG(extack, "the log file is in use by another instance");
			ret = -EBUSY;
			goto err;
		}
	list_add(&j->link, &vsr_journals);
	mutex_unlock(&vsr_journals_lock);
	if (S_ISBLK(inode->i_mode)) {
		ret = vsr_journal_claim(j, path, extack);
		if (ret)
			goto err;
	}

	ret = format ? vsr_journal_format(j, cfg, extack) :
		       vsr_journal_load(j, cfg, extack);
	if (ret)
		goto err;
	if (format)
		j->fresh = true;
	/*
	 * The ring's pages the format or the load left in the cache: each
	 * direct write would drop those of its range first, at a cost per
	 * page.  (The superblock's and the checkpoint's stay: they are
	 * written through the cache.)
	 */
	if (j->direct)
		invalidate_mapping_pages(j->file->f_mapping,
					 VSR_DISK_LOG_OFF >> PAGE_SHIFT, -1);
	*jp = j;
	return 0;
err:
	vsr_journal_close(j);
	return ret;
}

/**
 * vsr_journal_close() - close a log file (its work item is stopped)
 * @j: the journal, or NULL
 */
void vsr_journal_close(struct vsr_journal *j)
{
	if (!j)
		return;
	mutex_lock(&vsr_journals_lock);
	list_del(&j->link);
	mutex_unlock(&vsr_journals_lock);
	vsr_journal_free_restore(j);
	if (j->file)
		filp_close(j->file, NULL);
	kvfree(j->want_table);
	kvfree(j->blk);
	vsr_dio_free(&j->dio);
	kvfree(j->buf);
	kfree(j->path);
	kfree(j);
}

/* The I/O failed: the instance stops for good (under the node lock). */
static void vsr_journal_failed(struct vsr_journal *j, int err)
{
	struct vsr_node *node = j->node;

	pr_err("%s: writing the log file %s failed (error %d): the instance stops\n",
	       node->inst->name, j->path, err);
	j->err = err;
	vsr_replica_fail(node->core);
}

/*
 * Whether the log still holds the last op the worker wrote, as written:
 * then the disk holds the log's chain up to it (under the node lock).
 */
static bool vsr_journal_written_held(const struct vsr_journal *j)
{
	const struct vsr_entry *w = vsr_replica_log_entry(j->node->core, j->w_op);

	return w && w->h.checksum == j->w_csum;
}

/*
 * Whether the disk holds op @op with chain checksum @csum, chained from
 * checkpoint @ckpt (of checksum @ck_csum): what a record naming them needs
 * (under the node lock).  (A replica whose disk it could not restart from
 * asks with the disk's checkpoint and its own, empty log's head, below.)
 */
static bool vsr_journal_holds(struct vsr_journal *j,
			      const struct vsr_core_status *st, u64 op,
			      u32 csum, u64 ckpt, u32 ck_csum)
{
	const struct vsr_entry *e;
	u64 base = st->trim - 1;

	if (op == ckpt)
		return csum == ck_csum;
	/* A head below the checkpoint names nothing above it. */
	if (op < ckpt)
		return true;
	e = vsr_replica_log_entry(j->node->core, op);
	if (!e || e->h.checksum != csum)
		return false;
	/* What the core counts as durable is, from the disk's checkpoint. */
	if (st->durable >= op && st->durable >= base)
		return true;
	/* So is what the worker wrote since a checkpoint taken over. */
	return j->w_from <= ckpt + 1 && op <= j->w_op &&
	       vsr_journal_written_held(j);
}

/*
 * The checkpoint asked for, into j->blk, for the checkpoint slot that
 * j->next does not name yet (under the node lock).  Returns its length.
 */
static size_t vsr_journal_put_want_ckpt(struct vsr_journal *j)
{
	struct vsr_disk_info *nd = &j->next;

	nd->ckpt_slot ^= 1;
	return vsr_disk_ckpt_put(nd, j->want_ck.ckpt, j->want_ck.ckpt_view,
				 j->want_ck.ckpt_csum, j->want_table,
				 j->want_ck.table_count, j->blk);
}

/* The first op of the next batch of entries (under the node lock). */
static u64 vsr_journal_next_op(const struct vsr_journal *j,
			       const struct vsr_core_status *st)
{
	if (vsr_journal_written_held(j))
		return j->w_op + 1;
	return max(st->trim - 1, st->durable) + 1;
}

/*
 * Before a batch from op @from, which may write over the head that the
 * record on the disk names: if the log no longer holds that head as the
 * record names it (a truncation: the replica became whole for a later
 * view), the batch would break the record's chain, and a restart would
 * refuse a disk that lost nothing.  So the record goes first: the disk's
 * own but for its head, lowered to the op before the batch, which the
 * disk holds as the log does (after a checkpoint taken over: with the
 * checkpoint asked for, written first, and the head at or above it).  Only
 * on a disk this incarnation took: another incarnation's record is not
 * this one's to keep.  (protocol.rst, "The durable log".)
 *
 * Under the node lock: fills j->next, and j->blk with a checkpoint (its
 * length in @ck_len).  Returns false if no record is to be written first.
 */
static bool vsr_journal_lowered(struct vsr_journal *j,
				const struct vsr_core_status *st, u64 from,
				size_t *ck_len)
{
	const struct vsr_persist *d = &j->d.p;
	struct vsr_replica *core = j->node->core;
	struct vsr_disk_info *nd = &j->next;
	u64 t = from - 1;
	u32 csum;

	if (!j->taken || from > d->op || d->op <= d->ckpt ||
	    (vsr_replica_log_csum(core, d->op, &csum) && csum == d->csum))
		return false;
	/*
	 * Not across an epoch switch (entries carry no epoch: a restart could
	 * keep the next epoch's under this one's log view), nor without the
	 * op below the batch.  Then the disk may be refused at a restart,
	 * which is safe: counted.  Across an epoch switch the disk is no
	 * longer kept true, until the replica writes a record of its own.
	 */
	if (st->epoch != d->epoch || !vsr_replica_log_csum(core, t, &csum)) {
		j->unlowered++;
		j->taken = st->epoch == d->epoch;
		return false;
	}
	*nd = j->d;
	nd->seq++;
	nd->p.op = t;
	nd->p.csum = csum;
	*ck_len = 0;
	if (t >= d->ckpt &&
	    vsr_journal_holds(j, st, t, csum, d->ckpt, j->ck_csum))
		return true;
	if (j->asked && j->want.ckpt > d->ckpt &&
	    j->want_ck.ckpt == j->want.ckpt && t >= j->want.ckpt &&
	    vsr_journal_holds(j, st, t, csum, j->want.ckpt,
			      j->want_ck.ckpt_csum)) {
		nd->p.ckpt = j->want.ckpt;
		*ck_len = vsr_journal_put_want_ckpt(j);
		return true;
	}
	/* Not expected: the disk may then be refused at a restart (safe). */
	pr_warn_ratelimited("%s: cannot lower the record of %s below op %llu before writing over it\n",
			    j->node->inst->name, j->path, d->op);
	j->unlowered++;
	return false;
}

/*
 * Pick up the next batch of entries (under the node lock): copies of the
 * log's entries above what the disk holds as the log has them, into the
 * write buffer.  Returns how many, with the first's op and the last's
 * checksum.
 */
static u32 vsr_journal_batch(struct vsr_journal *j,
			     const struct vsr_core_status *st, u64 *from,
			     u32 *csum)
{
	/* Stamped with the superblock on the disk and the batches since. */
	const struct vsr_disk_stamp stamp = { .seq = j->d.seq, .n = j->batches };
	const struct vsr_entry *e;
	u64 op, start;
	u32 n, slot = j->d.slot_size;

	start = vsr_journal_next_op(j, st);
	if (!vsr_journal_written_held(j))
		j->w_from = start;
	if (start > st->op)
		return 0;
	n = min_t(u64, st->op - start + 1, VSR_JOURNAL_BATCH);
	for (op = start; op < start + n; op++) {
		e = vsr_replica_log_entry(j->node->core, op);
		if (WARN_ON_ONCE(!e))
			return 0;
		/* A member formatted with larger slots sent it. */
		if (e->h.len > vsr_disk_record_max(slot)) {
			vsr_journal_failed(j, -EMSGSIZE);
			return 0;
		}
		vsr_disk_slot_put(&j->d, e, j->buf + (size_t)(op - start) * slot,
				  &stamp);
		*csum = e->h.checksum;
	}
	*from = start;
	return n;
}

/*
 * Write @n slots from op @from into both copies of the ring, in runs that
 * end at the ring's end, then one flush.  Direct writes are all in flight
 * together before the worker waits for them.
 */
static int vsr_journal_write_slots(struct vsr_journal *j, u64 from, u32 n)
{
	const struct vsr_disk_info *d = &j->d;
	u64 t = ktime_get_ns();
	u32 done, run, copy;
	size_t off, len;
	loff_t pos;
	int ret;

	if (j->direct)
		vsr_dio_begin(&j->dio);
	for (copy = 0; copy < VSR_DISK_COPIES; copy++)
		for (done = 0; done < n; done += run) {
			run = min(n - done,
				  d->slots - vsr_disk_slot_idx(d, from + done));
			off = (size_t)done * d->slot_size;
			len = (size_t)run * d->slot_size;
			pos = vsr_disk_slot_off(d, from + done, copy);
			if (j->direct) {
				vsr_dio_write(&j->dio, off, len, pos);
				continue;
			}
			ret = vsr_journal_io(j, true, j->buf + off, len, pos);
			if (ret)
				return ret;
		}
	if (j->direct) {
		ret = vsr_dio_end(&j->dio);
		j->write_ns += ktime_get_ns() - t;
		if (ret)
			return ret;
	}
	return vsr_journal_sync(j);
}

/* The record asked for: its checkpoint first when it is a new one. */
static int vsr_journal_write_record(struct vsr_journal *j,
				    struct vsr_disk_info *nd, size_t ck_len)
{
	int ret;

	if (ck_len) {
		ret = vsr_journal_io(j, true, j->blk, ck_len,
				     vsr_disk_ckpt_off(nd->ckpt_slot));
		if (!ret)
			ret = vsr_journal_sync(j);
		if (ret)
			return ret;
	}
	return vsr_journal_super(j, nd, 0);
}

/* Whether the record asked for may be written now (under the node lock). */
static bool vsr_journal_record_ready(struct vsr_journal *j,
				     const struct vsr_core_status *st)
{
	bool disk_ck = j->want.ckpt == j->d.p.ckpt;

	if (!j->asked || READ_ONCE(j->hold) ||
	    (!disk_ck && j->want.ckpt != j->want_ck.ckpt))
		return false;
	return vsr_journal_holds(j, st, j->want.op, j->want.csum, j->want.ckpt,
				 disk_ck ? j->ck_csum : j->want_ck.ckpt_csum);
}

/*
 * Whether the core should be told again what the disk holds (under the
 * node lock): its durable point went down (a truncation, or a recovery
 * that fetches the same entries again) or up to a checkpoint taken over,
 * below what the worker wrote, which the log still holds as written.  Once
 * per change of the core's durable point: a report it ignored (the
 * checkpoint it took over is not on the disk yet) is not repeated until
 * that point moves, unless the log did not hold the op reported then (a
 * truncation during the write) and holds it again.
 */
static bool vsr_journal_retell(struct vsr_journal *j,
			       const struct vsr_core_status *st)
{
	if (st->durable >= j->w_op ||
	    (st->durable == j->told && j->told_held))
		return false;
	return vsr_journal_written_held(j);
}

/* Tell the core what the disk holds (under the node lock). */
static void vsr_journal_tell(struct vsr_journal *j, u64 op, u32 csum)
{
	const struct vsr_entry *e = vsr_replica_log_entry(j->node->core, op);
	struct vsr_node *node = j->node;
	u64 before = READ_ONCE(node->commit);
	struct vsr_core_status st;

	j->told_held = e && e->h.checksum == csum;
	vsr_replica_durable(node->core, op, csum);
	vsr_node_process(node, before);
	vsr_replica_get_status(node->core, &st);
	j->told = st.durable;
}

/*
 * Write j->next, after its checkpoint (@ck_len bytes of j->blk, of chain
 * checksum @ck_csum) if it has a new one, off the node lock; then it is
 * the disk's superblock.  False if the instance failed.
 */
static bool vsr_journal_write_next(struct vsr_journal *j, size_t ck_len,
				   u32 ck_csum)
{
	struct vsr_node *node = j->node;
	int ret;

	/* A superblock a restart would refuse must never be written. */
	if (WARN_ON_ONCE(vsr_disk_info_check(&j->next))) {
		vsr_journal_failed(j, -EINVAL);
		return false;
	}
	mutex_unlock(&node->lock);
	ret = vsr_journal_write_record(j, &j->next, ck_len);
	mutex_lock(&node->lock);
	if (ret) {
		vsr_journal_failed(j, ret);
		return false;
	}
	j->d = j->next;
	j->batches = 0;
	if (ck_len)
		j->ck_csum = ck_csum;
	return true;
}

/*
 * A record of a new epoch names its RECONFIG and the members it lists,
 * among them this replica (a replica the change removes writes no record
 * of it), which is a joiner no more.  A joiner learning in an epoch it is
 * no member of writes only its own identity still: its file is of no use
 * to a restart until it is a member.  False if neither: the contract
 * broke.
 */
static bool vsr_journal_new_epoch(struct vsr_journal *j,
				  struct vsr_disk_info *nd)
{
	const struct vsr_member_id *self = &j->d.ids[j->d.replica];
	const u8 *conf = j->want_start_conf;
	u32 i, n = get_unaligned_le32(conf + 4);

	nd->start = j->want_start;
	memcpy(nd->start_conf, conf, j->want_start.len);
	if (WARN_ON_ONCE(n > VSR_DISK_MEMBERS_MAX))
		return false;
	for (i = 0; i < n; i++)
		if (!memcmp(conf + VSR_RECONFIG_SIZE(i) + 8, self, sizeof(*self)))
			break;
	if (i == n && j->d.joiner)
		return true;
	nd->joiner = false;
	nd->prev_members = j->d.joiner ? 0 : j->d.members;
	memcpy(nd->prev_ids, j->d.ids, sizeof(nd->prev_ids));
	nd->members = n;
	nd->replica = U32_MAX;
	for (i = 0; i < n; i++) {
		memcpy(nd->ids[i].b, conf + VSR_RECONFIG_SIZE(i) + 8,
		       VSR_MEMBER_ID_SIZE);
		if (!memcmp(&nd->ids[i], self, sizeof(*self)))
			nd->replica = i;
	}
	return !WARN_ON_ONCE(nd->replica == U32_MAX ||
			     vsr_disk_start_check(nd));
}

/* Write the record asked for; false if the instance failed. */
static bool vsr_journal_record(struct vsr_journal *j)
{
	struct vsr_disk_info *nd = &j->next;
	struct vsr_node *node = j->node;
	struct vsr_persist p = j->want;
	u32 ck_csum = j->want_ck.ckpt_csum;
	size_t ck_len = 0;
	u64 before;

	j->asked = false;
	*nd = j->d;
	nd->p = p;
	nd->seq++;
	if (p.epoch != j->d.p.epoch && !vsr_journal_new_epoch(j, nd)) {
		vsr_journal_failed(j, -EINVAL);
		return false;
	}
	if (p.ckpt != j->d.p.ckpt)
		ck_len = vsr_journal_put_want_ckpt(j);
	if (!vsr_journal_write_next(j, ck_len, ck_csum))
		return false;
	j->taken = true;
	if (node->dead)
		return false;
	before = READ_ONCE(node->commit);
	vsr_replica_persisted(node->core, &p);
	vsr_node_process(node, before);
	return true;
}

/*
 * Write the lowered record the next batch needs first (vsr_journal_lowered()):
 * 1 if written, 0 if none is needed, -1 if the instance failed.  The core
 * is not told: its own records still cover what it asked for.
 */
static int vsr_journal_lower(struct vsr_journal *j,
			     const struct vsr_core_status *st)
{
	u64 from = vsr_journal_next_op(j, st);
	u32 ck_csum = j->want_ck.ckpt_csum;
	size_t ck_len;

	if (from > st->op || !vsr_journal_lowered(j, st, from, &ck_len))
		return 0;
	if (!vsr_journal_write_next(j, ck_len, ck_csum))
		return -1;
	j->lowered++;
	return j->node->dead ? -1 : 1;
}

/*
 * Raised records.  The record's head is the op the log held when it became
 * whole for its log view, and a restart finds damage (a checksum or a read
 * that fails) only below it: above, the log just ends there.  Most of the
 * log lies above, and damage there would cost the replica ops it acked,
 * unseen.  So the worker raises the head to the last op it wrote, now and
 * then: idle for half a second, or under load once it is 64 ops behind
 * and a tenth of a second since the last raise (each costs the next batch
 * two flushes).  The record is
 * the disk's own but for its head, like a lowered one (and the core is not
 * told), written only when it is true: on a disk this incarnation took,
 * with no record asked for, and while the log is whole for the disk's view
 * and log view (normal in it): every op up to the last written is then of
 * that log.  (protocol.rst, "The durable log", *Raised records*.)
 */
#define VSR_JOURNAL_RAISE_OPS	64
#define VSR_JOURNAL_RAISE_NS	(500 * NSEC_PER_MSEC)
#define VSR_JOURNAL_RAISE_BUSY_NS	(100 * NSEC_PER_MSEC)

/* Whether to raise the disk's record now (under the node lock). */
static bool vsr_journal_raise_due(struct vsr_journal *j,
				  const struct vsr_core_status *st)
{
	const struct vsr_persist *d = &j->d.p;
	u64 now;

	if (!j->taken || j->asked || READ_ONCE(j->hold) ||
	    st->status != VSR_STATUS_NORMAL || st->epoch != d->epoch ||
	    st->view != d->view || st->log_view != d->view ||
	    d->log_view != d->view || (d->flags & VSR_PERSIST_RECOVERING) ||
	    j->w_op <= d->op || j->w_op <= d->ckpt ||
	    !vsr_journal_holds(j, st, j->w_op, j->w_csum, d->ckpt, j->ck_csum))
		return false;
	now = ktime_get_ns();
	if (vsr_journal_next_op(j, st) > st->op)
		return now - j->w_ns >= VSR_JOURNAL_RAISE_NS;
	return j->w_op - d->op >= VSR_JOURNAL_RAISE_OPS &&
	       now - j->raise_ns >= VSR_JOURNAL_RAISE_BUSY_NS;
}

/* Raise it: 1 if written, 0 if not due, -1 if the instance failed. */
static int vsr_journal_raise(struct vsr_journal *j,
			     const struct vsr_core_status *st)
{
	struct vsr_disk_info *nd = &j->next;

	if (!vsr_journal_raise_due(j, st))
		return 0;
	*nd = j->d;
	nd->seq++;
	nd->p.op = j->w_op;
	nd->p.csum = j->w_csum;
	if (!vsr_journal_write_next(j, 0, 0))
		return -1;
	j->raised++;
	j->raise_ns = ktime_get_ns();
	return j->node->dead ? -1 : 1;
}

/* Write the next batch of entries; false if none, or the instance failed. */
static bool vsr_journal_entries(struct vsr_journal *j,
				const struct vsr_core_status *st)
{
	struct vsr_node *node = j->node;
	u32 n, csum = 0;
	u64 from;
	int ret;

	/*
	 * The stamps' count would wrap: the same superblock, a new sequence
	 * (then the caller looks at the core again: the lock was dropped).
	 */
	if (unlikely(j->batches == U32_MAX)) {
		j->next = j->d;
		j->next.seq++;
		return vsr_journal_write_next(j, 0, 0) && !node->dead;
	}
	n = vsr_journal_batch(j, st, &from, &csum);
	if (!n)
		return false;
	mutex_unlock(&node->lock);
	ret = vsr_journal_write_slots(j, from, n);
	mutex_lock(&node->lock);
	if (ret) {
		vsr_journal_failed(j, ret);
		return false;
	}
	j->writes++;
	j->batches++;
	j->entries += n;
	j->w_op = from + n - 1;
	j->w_csum = csum;
	j->w_ns = ktime_get_ns();
	if (node->dead)
		return false;
	vsr_journal_tell(j, j->w_op, csum);
	return true;
}

static void vsr_journal_work(struct work_struct *work)
{
	struct vsr_journal *j = container_of(work, struct vsr_journal, work);
	struct vsr_node *node = j->node;
	struct vsr_core_status st;
	int lowered;

	mutex_lock(&node->lock);
	while (!node->dead && !node->failed && !j->err) {
		vsr_replica_get_status(node->core, &st);
		if (vsr_journal_record_ready(j, &st)) {
			if (!vsr_journal_record(j))
				break;
			continue;
		}
		if (vsr_journal_retell(j, &st)) {
			vsr_journal_tell(j, j->w_op, j->w_csum);
			continue;
		}
		lowered = vsr_journal_lower(j, &st);
		if (lowered < 0)
			break;
		if (lowered)
			continue;
		lowered = vsr_journal_raise(j, &st);
		if (lowered < 0)
			break;
		if (lowered)
			continue;
		if (!vsr_journal_entries(j, &st))
			break;
	}
	j->busy = false;
	mutex_unlock(&node->lock);
}

/**
 * vsr_journal_start() - the engine starts writing the log file
 * @j: the journal
 * @node: the engine, its core created (restored or not)
 *
 * The disk holds nothing the core's log holds, but what a restore took
 * (vsr_journal_restored()).
 */
void vsr_journal_start(struct vsr_journal *j, struct vsr_node *node)
{
	j->node = node;
	INIT_WORK(&j->work, vsr_journal_work);
	j->w_from = 1;
	j->w_op = 0;
	j->w_csum = 0;
}

/**
 * vsr_journal_restored() - the restore is over
 * @j: the journal, started
 * @taken: the core took what the disk holds; else it refused it, and must
 *	not be looked at (the driver creates another)
 *
 * Under the node lock.  A log the core took is on the disk, chained from
 * the disk's checkpoint.  Frees what was read for the restore.
 */
void vsr_journal_restored(struct vsr_journal *j, bool taken)
{
	struct vsr_core_status st;
	const struct vsr_entry *e;

	if (taken) {
		vsr_replica_get_status(j->node->core, &st);
		e = vsr_replica_log_entry(j->node->core, st.op);
		if (e) {
			j->w_from = j->d.p.ckpt + 1;
			j->w_op = st.op;
			j->w_csum = e->h.checksum;
		}
		j->told = st.durable;
		j->told_held = true;
		j->taken = true;
	}
	vsr_journal_free_restore(j);
}

/**
 * vsr_journal_stop() - the engine stopped: wait for the work item
 * @j: the journal, or NULL
 *
 * After vsr_node_stop() set the node dead: the work item stops at its next
 * step, after the write or flush in flight.
 */
void vsr_journal_stop(struct vsr_journal *j)
{
	if (j && j->node)
		cancel_work_sync(&j->work);
}

/**
 * vsr_journal_persist() - the core asks for a record (its persist effect)
 * @j: the journal
 * @p: what to write; it supersedes what was asked before
 *
 * Under the node lock.  A checkpoint that is not the one on the disk is
 * the core's own: copied now, as the core has it.
 */
void vsr_journal_persist(struct vsr_journal *j, const struct vsr_persist *p)
{
	const struct vsr_entry_hdr *start;
	const u8 *conf;

	j->want = *p;
	j->asked = true;
	/*
	 * A new epoch: its RECONFIG, whose list the record names.  (Not
	 * from inside vsr_replica_create(), which is in the disk's epoch.)
	 */
	if (p->epoch != j->d.p.epoch) {
		start = j->node->core ?
			vsr_replica_epoch_entry(j->node->core, &conf) : NULL;
		if (WARN_ON_ONCE(!start || start->len >
				 sizeof(j->want_start_conf))) {
			j->err = -EINVAL;
			return;
		}
		j->want_start = *start;
		memcpy(j->want_start_conf, conf, start->len);
	}
	if (p->ckpt != j->d.p.ckpt) {
		/*
		 * Not from inside vsr_replica_create(), where the core's
		 * checkpoint is the disk's or none (node->core is not set).
		 */
		if (WARN_ON_ONCE(!j->node->core)) {
			j->err = -EINVAL;
			return;
		}
		vsr_replica_checkpoint(j->node->core, &j->want_ck,
				       j->want_table);
		/*
		 * Neither the disk's nor its own: the contract broke.  Nothing
		 * more is written, so the replica acts on nothing more.
		 */
		if (WARN_ON_ONCE(j->want_ck.ckpt != p->ckpt))
			j->err = -EINVAL;
	}
	vsr_journal_kick(j);
}

/**
 * vsr_journal_kick() - start the work item if there is something to do
 * @j: the journal, or NULL
 *
 * Under the node lock, after each batch of inputs to the core, after its
 * creation, and from its persist callback (so only the core's getters are
 * used here).
 */
void vsr_journal_kick(struct vsr_journal *j)
{
	struct vsr_core_status st;

	/* No core yet: the ask came from inside vsr_replica_create(). */
	if (!j || !j->node || !j->node->core || j->busy || j->err ||
	    j->node->failed)
		return;
	vsr_replica_get_status(j->node->core, &st);
	if (!vsr_journal_record_ready(j, &st) && !vsr_journal_retell(j, &st) &&
	    !vsr_journal_raise_due(j, &st)) {
		/* Entries to write: above what the disk holds as written. */
		if (st.durable >= st.op)
			return;
		if (j->w_op >= st.op && vsr_journal_written_held(j))
			return;
	}
	j->busy = true;
	queue_work(system_unbound_wq, &j->work);
}
