/* SPDX-License-Identifier: GPL-2.0 */
/*
 * journal.h - a durable instance's log file and the work item that writes
 * it (journal.c; the format is disk.h).
 */
#ifndef _VSR_JOURNAL_H
#define _VSR_JOURNAL_H

#include <linux/list.h>
#include <linux/types.h>
#include <linux/workqueue.h>

#include "dio.h"
#include "disk.h"

struct file;
struct netlink_ext_ack;
struct vsr_config;
struct vsr_node;

/* Slots of one write: 1 MiB of 4 KiB slots. */
#define VSR_JOURNAL_BATCH	256

/**
 * struct vsr_journal - a durable instance's log file
 * @file: the file, open for the instance's life (write errors reach it
 *	through its error sequence, which a second open would not see)
 * @path: the path it was opened by, for `vsradm show`
 * @link: entry in the module's list of files in use
 * @ino: its inode number and @dev its device, to refuse a second user
 * @dev: see @ino
 * @d: the superblock on the disk (the worker's; read under the node lock
 *	by status)
 * @next: the superblock the worker is writing (off the stack)
 * @ck_csum: the chain checksum of the checkpoint on the disk
 * @fresh: the disk was never in service when the instance started: it
 *	starts recovering (a new cluster may bootstrap), not from the disk
 * @restore: what the disk holds, for vsr_replica_restore() (freed once
 *	the replica took it)
 * @restore_entries: the entries of @restore, owned
 * @node: the engine it writes for
 * @work: writes and flushes, off the node lock
 * @busy: @work is queued or running (under the node lock)
 * @asked: a record was asked for and not yet written (under the lock)
 * @want: the record asked for (under the lock)
 * @want_table: the client table of @want's checkpoint, when it is the
 *	replica's and not the one on the disk (under the lock)
 * @want_ck: the checkpoint of @want as the replica had it (under the lock)
 * @want_start: when @want is of another epoch than the disk's record, the
 *	RECONFIG that started it, as the replica had it (under the lock)
 * @want_start_conf: its data
 * @w_from: the disk holds the log's entries from @w_from to @w_op, as
 *	the worker wrote them, chained (worker and lock)
 * @w_op: see @w_from
 * @w_csum: the chain checksum of @w_op as written
 * @told: the core's durable point after the worker last told it what the
 *	disk holds (under the lock)
 * @told_held: the log held the op told then, as told
 * @taken: this incarnation took the disk (formatted it, restored from
 *	it, or wrote a record of its own since, and has not switched epochs
 *	in memory since): it keeps the disk's record true when a truncation
 *	would break it (the worker's, and under the lock)
 * @hold: write no record the core asks for (a test's, through debugfs)
 * @err: a write or flush failed: the instance failed for good
 * @buf: the worker's write buffer: VSR_JOURNAL_BATCH slots
 * @buf1: at a restart, the buffer for the ring's copy 1 (@buf's is 0)
 * @batches: batches of entries written since the superblock on the disk
 *	(@d): with its sequence number, the next batch's stamp
 *	(struct vsr_disk_tail; the worker's)
 * @mended: slots a restart took from one copy while the other was bad or
 *	older (a lost write), and wrote over the other: damage the mirror
 *	made good
 * @mend_err: writing one over the other failed (the load fails)
 * @direct: @buf is written with direct I/O (@dio), not kernel_write()
 * @dio: the direct writes' state, when @direct
 * @blk: the worker's buffer for a superblock or a checkpoint slot
 * @flushes: flushes done, and @writes batches of entries written
 * @writes: see @flushes
 * @entries: entries written
 * @write_ns: time spent in writes (kernel_write() into the page cache, or
 *	direct writes until the disk took them), and @sync_ns in flushes,
 *	for the benchmark
 * @sync_ns: see @write_ns
 * @lowered: records lowered before a batch wrote over their heads
 * @unlowered: batches that wrote over a head they could not lower first
 *	(a restart may then refuse the disk: safe, and not expected)
 * @raised: records raised to the last op written (vsr_journal_raise())
 * @w_ns: when the last batch of entries was written (ktime_get_ns())
 * @raise_ns: when the last raised record was
 */
struct vsr_journal {
	struct file *file;
	char *path;
	struct list_head link;
	u64 ino;
	dev_t dev;
	struct vsr_disk_info d;
	struct vsr_disk_info next;
	u32 ck_csum;
	bool fresh;
	struct vsr_restore restore;
	struct vsr_entry **restore_entries;
	u8 *restore_table;
	struct vsr_node *node;
	struct work_struct work;
	bool busy;
	bool asked;
	struct vsr_persist want;
	u8 *want_table;
	struct vsr_restore want_ck;
	struct vsr_entry_hdr want_start;
	u8 want_start_conf[VSR_RECONFIG_SIZE(VSR_DISK_MEMBERS_MAX)];
	u64 w_from;
	u64 w_op;
	u32 w_csum;
	u64 told;
	bool told_held;
	bool taken;
	bool hold;
	int err;
	u8 *buf;
	u8 *buf1;
	u32 batches;
	u64 mended;
	bool mend_err;
	bool direct;
	struct vsr_dio dio;
	u8 *blk;
	u64 flushes;
	u64 writes;
	u64 entries;
	u64 write_ns;
	u64 sync_ns;
	u64 lowered;
	u64 unlowered;
	u64 raised;
	u64 w_ns;
	u64 raise_ns;
};

int vsr_journal_open(const char *path, bool format, struct vsr_config *cfg,
		     struct vsr_journal **jp, struct netlink_ext_ack *extack);
void vsr_journal_close(struct vsr_journal *j);
void vsr_journal_start(struct vsr_journal *j, struct vsr_node *node);
void vsr_journal_stop(struct vsr_journal *j);
void vsr_journal_persist(struct vsr_journal *j, const struct vsr_persist *p);
void vsr_journal_kick(struct vsr_journal *j);
void vsr_journal_restored(struct vsr_journal *j, bool taken);

#endif /* _VSR_JOURNAL_H */
