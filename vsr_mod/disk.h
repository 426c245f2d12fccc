/* SPDX-License-Identifier: GPL-2.0 */
/*
 * disk.h - the on-disk format of a durable log (format version 3).
 *
 * A log file (a regular file or a block device) is cut into regions, every
 * offset and size a multiple of VSR_DISK_BLOCK:
 *
 *     offset  size                     contents
 *          0  4 x 4 KiB                the superblock, four copies
 *     16 KiB  2 x VSR_DISK_CKPT_SIZE   two checkpoint slots
 *     88 KiB  slots x slot_size        the log ring, copy 0
 *          +  slots x slot_size        the log ring, copy 1
 *
 * The superblock (struct vsr_disk_super) names the replica (cluster,
 * index, members of its epoch), the geometry, and what the replica last
 * asked its driver to persist (struct vsr_persist: epoch, view, log view
 * and its head, checkpoint, flags, origin) with the checkpoint slot that
 * holds that checkpoint; in an epoch above 0, the RECONFIG op that started
 * it, whose list the members are.  (Version 1 had no origin nor RECONFIG:
 * epoch 0 only.)
 * An update writes copies 0 and 1, flushes, then copies 2 and 3, and
 * flushes: a power cut tears at most one pair.  The valid copy with the
 * highest sequence number wins.
 *
 * A checkpoint slot holds a checkpoint's op, view and chain checksum and
 * the client table at that op, encoded as a NEWSTATE carries it.  The
 * superblock names the slot in use; a new checkpoint goes to the other one,
 * and counts once a superblock names it.
 *
 * The log ring holds the entry of op o in slot o % slots: its wire header
 * (48 bytes, with its chain checksum) and its data, zero padded, and the
 * slot's tail (struct vsr_disk_tail) in its last 16 bytes.  A slot proves
 * itself: the op its position says, a checksum over header and data, and
 * the tail's over the whole slot; a slot of an earlier lap, never written
 * or torn fails.  The entries above the checkpoint that chain from it are
 * the log.
 *
 * The ring is mirrored (version 3; version 2 had one copy): every batch
 * writes each slot into both copies, as two requests to two regions, and
 * one flush covers both.  So a latent sector error, a lost write or a
 * misdirected write takes one copy of a slot and the other still holds the
 * op, above the record's head as below it (where one copy would have lost
 * an acked op unseen).  Of two valid copies that differ (a lost write left
 * one with what it held before), the later write wins: the tail's stamp,
 * the superblock sequence number that was on the disk when the slot was
 * written and a count of the batches written since, only grows.
 *
 * Every checksum is crc32c: it detects torn writes and damage; forgery on
 * the disk is out of scope.  All integers are little endian.
 */
#ifndef _VSR_DISK_H
#define _VSR_DISK_H

#ifdef __KERNEL__
#include <linux/math64.h>
#endif
#include "vsr_api.h"

#define VSR_DISK_BLOCK		4096u
#define VSR_DISK_VERSION	3
#define VSR_DISK_SUPER_MAGIC	0x3152505553525356ULL	/* "VSRSUPR1" */
#define VSR_DISK_CKPT_MAGIC	0x3154504b43525356ULL	/* "VSRCKPT1" */
#define VSR_DISK_SUPERS		4
#define VSR_DISK_MEMBERS_MAX	16
/* struct vsr_disk_super's @dflags */
#define VSR_DISK_JOINER		0x1	/* formatted to join: no epoch yet */
/* A checkpoint slot: its header block, then the largest client table. */
#define VSR_DISK_CKPT_SIZE	(VSR_DISK_BLOCK + \
				 VSR_SESSIONS_MAX * VSR_SESSION_WIRE_SIZE)
#define VSR_DISK_CKPT_OFF	(VSR_DISK_SUPERS * VSR_DISK_BLOCK)
#define VSR_DISK_LOG_OFF	(VSR_DISK_CKPT_OFF + 2 * VSR_DISK_CKPT_SIZE)
/* Slot sizes: one block at least, room for the largest record at most. */
#define VSR_DISK_SLOT_MIN	VSR_DISK_BLOCK
#define VSR_DISK_SLOT_MAX	(64u * 1024u)
#define VSR_DISK_SLOTS_MAX	(1u << 22)
/* Copies of the log ring. */
#define VSR_DISK_COPIES		2
#define VSR_DISK_TAIL_SIZE	16u

static_assert(VSR_DISK_CKPT_SIZE % VSR_DISK_BLOCK == 0);
static_assert(VSR_ENTRY_HDR_SIZE + VSR_RECORD_MAX + VSR_DISK_TAIL_SIZE <=
	      VSR_DISK_SLOT_MAX);

/**
 * struct vsr_disk_tail - the last bytes of a log slot
 * @seq: the superblock sequence number on the disk when it was written
 * @n: batches written since that superblock, before this one's
 * @csum: crc32c over every byte of the slot before it, seeded with the
 *	crc32c of the superblock's @nonce (a slot of an earlier format of
 *	the file is not this one's)
 */
struct vsr_disk_tail {
	__le64 seq;
	__le32 n;
	__le32 csum;
} __packed;

static_assert(sizeof(struct vsr_disk_tail) == VSR_DISK_TAIL_SIZE);

/**
 * struct vsr_disk_stamp - when a slot was written (struct vsr_disk_tail)
 * @seq: superblock sequence number
 * @n: batch since
 */
struct vsr_disk_stamp {
	u64 seq;
	u32 n;
};

/**
 * struct vsr_disk_super - a superblock copy on the disk (one block)
 * @magic: VSR_DISK_SUPER_MAGIC
 * @version: VSR_DISK_VERSION
 * @size: bytes of this structure (what @csum covers, with it)
 * @nonce: drawn at format: a checkpoint slot of another format never
 *	passes for this one's
 * @seq: sequence number of the update, one higher each time
 * @cluster: cluster id
 * @replica: this replica's index in @ids
 * @members: how many of @ids there are
 * @epoch: of struct vsr_persist
 * @view: likewise
 * @log_view: likewise
 * @head_csum: struct vsr_persist's @csum
 * @head: struct vsr_persist's @op
 * @ckpt: the checkpoint's op
 * @ckpt_slot: the checkpoint slot that holds it (0 or 1)
 * @flags: struct vsr_persist's @flags
 * @slot_size: bytes of one log ring slot
 * @slots: slots of the log ring: the core's log capacity
 * @retain: the log retention the ring was sized for
 * @ids: the members' identities, in index order
 * @origin: struct vsr_persist's @origin
 * @dflags: VSR_DISK_JOINER
 * @start: in an epoch above 0, the wire header of the RECONFIG entry that
 *	started @epoch (zero in epoch 0)
 * @start_conf: its data, whose list is @ids
 * @prev_members: how many of @prev_ids there are
 * @prev_ids: the members of the epoch the disk held before @epoch (none in
 *	epoch 0): a member that the change removed, restarted, is told
 * @csum: crc32c over every byte before it
 */
struct vsr_disk_super {
	__le64 magic;
	__le32 version;
	__le32 size;
	__le64 nonce;
	__le64 seq;
	__le64 cluster;
	__le32 replica;
	__le32 members;
	__le32 epoch;
	__le32 view;
	__le32 log_view;
	__le32 head_csum;
	__le64 head;
	__le64 ckpt;
	__le32 ckpt_slot;
	__le32 flags;
	__le32 slot_size;
	__le32 slots;
	__le64 retain;
	u8 ids[VSR_DISK_MEMBERS_MAX][VSR_MEMBER_ID_SIZE];
	__le32 origin;
	__le32 dflags;
	u8 start[VSR_ENTRY_HDR_SIZE];
	u8 start_conf[VSR_RECONFIG_SIZE(VSR_DISK_MEMBERS_MAX)];
	__le32 prev_members;
	u8 prev_ids[VSR_DISK_MEMBERS_MAX][VSR_MEMBER_ID_SIZE];
	__le32 csum;
} __packed;

static_assert(sizeof(struct vsr_disk_super) <= VSR_DISK_BLOCK);

/**
 * struct vsr_disk_ckpt - the header of a checkpoint slot on the disk,
 *	followed (at the next block) by @count sessions
 * @magic: VSR_DISK_CKPT_MAGIC
 * @nonce: the superblock's @nonce
 * @op: the checkpoint's op
 * @view: the view of that op
 * @chain: its chain checksum
 * @count: sessions of the client table
 * @table_csum: crc32c over the @count sessions
 * @csum: crc32c over every byte before it
 */
struct vsr_disk_ckpt {
	__le64 magic;
	__le64 nonce;
	__le64 op;
	__le32 view;
	__le32 chain;
	__le32 count;
	__le32 table_csum;
	__le32 csum;
} __packed;

/**
 * struct vsr_disk_info - a superblock in host order
 * @nonce: format nonce
 * @seq: update sequence number
 * @cluster: cluster id
 * @replica: this replica's index
 * @members: members in @ids
 * @ids: their identities
 * @p: what was persisted
 * @ckpt_slot: the checkpoint slot of @p.ckpt
 * @slot_size: bytes per log slot
 * @slots: log slots
 * @retain: the retention the ring was sized for
 * @joiner: formatted to join (VSR_DISK_JOINER)
 * @start: the RECONFIG that started @p.epoch (op 0 in epoch 0)
 * @start_conf: its data
 * @prev_members: members in @prev_ids
 * @prev_ids: the members of the epoch the disk held before
 */
struct vsr_disk_info {
	u64 nonce;
	u64 seq;
	u64 cluster;
	u32 replica;
	u32 members;
	struct vsr_member_id ids[VSR_DISK_MEMBERS_MAX];
	struct vsr_persist p;
	u32 ckpt_slot;
	u32 slot_size;
	u32 slots;
	u64 retain;
	bool joiner;
	struct vsr_entry_hdr start;
	u8 start_conf[VSR_RECONFIG_SIZE(VSR_DISK_MEMBERS_MAX)];
	u32 prev_members;
	struct vsr_member_id prev_ids[VSR_DISK_MEMBERS_MAX];
};

/* Byte offset of checkpoint slot @slot. */
static inline u64 vsr_disk_ckpt_off(u32 slot)
{
	return VSR_DISK_CKPT_OFF + (u64)slot * VSR_DISK_CKPT_SIZE;
}

/* The ring slot of @op. */
static inline u32 vsr_disk_slot_idx(const struct vsr_disk_info *d, u64 op)
{
	u32 idx;

	div_u64_rem(op, d->slots, &idx);
	return idx;
}

/* Byte offset of the log slot of @op in copy @copy of the ring. */
static inline u64 vsr_disk_slot_off(const struct vsr_disk_info *d, u64 op,
				    u32 copy)
{
	return VSR_DISK_LOG_OFF +
	       ((u64)copy * d->slots + vsr_disk_slot_idx(d, op)) * d->slot_size;
}

/* Bytes a log of this geometry takes. */
static inline u64 vsr_disk_size(const struct vsr_disk_info *d)
{
	return VSR_DISK_LOG_OFF +
	       (u64)VSR_DISK_COPIES * d->slots * d->slot_size;
}

/* The largest record a slot of @slot_size bytes holds. */
static inline u32 vsr_disk_record_max(u32 slot_size)
{
	return min(slot_size - VSR_ENTRY_HDR_SIZE - VSR_DISK_TAIL_SIZE,
		   VSR_RECORD_MAX);
}

int vsr_disk_info_check(const struct vsr_disk_info *d);
int vsr_disk_start_check(const struct vsr_disk_info *d);
void vsr_disk_super_put(const struct vsr_disk_info *d, u8 *block);
int vsr_disk_super_get(const u8 *block, struct vsr_disk_info *d);
int vsr_disk_super_pick(u8 *const blocks[VSR_DISK_SUPERS],
			struct vsr_disk_info *d);
size_t vsr_disk_ckpt_put(const struct vsr_disk_info *d, u64 op, u32 view,
			 u32 chain, const u8 *table, u32 count, u8 *buf);
int vsr_disk_ckpt_get(const struct vsr_disk_info *d, const u8 *buf,
		      u64 *op, u32 *view, u32 *chain, u32 *count);
void vsr_disk_slot_put(const struct vsr_disk_info *d, const struct vsr_entry *e,
		       u8 *slot, const struct vsr_disk_stamp *st);
int vsr_disk_slot_check(const struct vsr_disk_info *d, const u8 *slot, u64 op,
			struct vsr_disk_stamp *st);
int vsr_disk_slot_get(const struct vsr_disk_info *d, const u8 *slot, u64 op,
		      gfp_t gfp, struct vsr_entry **e);
int vsr_disk_slot_pick(const struct vsr_disk_stamp *a,
		       const struct vsr_disk_stamp *b);

#endif /* _VSR_DISK_H */
