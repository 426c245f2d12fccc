/* SPDX-License-Identifier: GPL-2.0 */
/*
 * log.h - the replicated log: a bounded ring of hash-chained entries.
 */
#ifndef _VSR_LOG_H
#define _VSR_LOG_H

#include "wire.h"

/**
 * struct vsr_entry - one op in memory
 * @h: metadata, as on the wire
 * @flags: VSR_ENTRY_RECORD once applied as an accepted record
 * @data: h.len bytes
 */
struct vsr_entry {
	struct vsr_entry_hdr h;
	u8 flags;
	u8 data[];
};

#define VSR_ENTRY_RECORD	0x1	/* applied: a record readers see */
#define VSR_ENTRY_APPLIED	0x2	/* applied (committed and executed) */

/**
 * struct vsr_log - entries (base, head] in a ring of cap slots
 * @ring: cap entry pointers, op o lives in ring[o % cap]
 * @cap: ring capacity (ops)
 * @base: op of the checkpoint the log starts after (trim point - 1)
 * @base_csum: chain checksum of op @base
 * @head: last op
 * @bytes: data bytes held
 * @reported: durability is reported by the driver (vsr_replica_durable());
 *	without it, every op in the log is durable
 * @durable: with @reported, ops up to here are durable; never above @head
 *	(ops that replace durable ones are not).  Below @base (a checkpoint
 *	taken over, or a trim past it) it names no op of the log
 * @kept: with @reported, the op of the checkpoint on the disk: the disk's
 *	ring still holds the ops above it that a restart would replay, so
 *	the ring's slots count as used from there, not from @base, until
 *	the driver writes a later checkpoint (vsr_replica_persisted())
 */
struct vsr_log {
	struct vsr_entry **ring;
	u32 cap;
	u64 base;
	u32 base_csum;
	u64 head;
	u64 bytes;
	bool reported;
	u64 durable;
	u64 kept;
};

/*
 * The last op that the replica may ack: durable, and in its log unless it
 * is below the trim point (then no op may be acked).
 */
static inline u64 vsr_log_durable(const struct vsr_log *log)
{
	return log->reported ? log->durable : log->head;
}

struct vsr_entry *vsr_entry_new(const struct vsr_entry_hdr *h,
				const void *data, gfp_t gfp);
int vsr_log_init(struct vsr_log *log, u32 cap, u64 base, u32 base_csum,
		 gfp_t gfp);
void vsr_log_destroy(struct vsr_log *log);
struct vsr_entry *vsr_log_get(const struct vsr_log *log, u64 op);
bool vsr_log_csum(const struct vsr_log *log, u64 op, u32 *csum);
u32 vsr_log_head_csum(const struct vsr_log *log);
int vsr_log_append(struct vsr_log *log, struct vsr_entry *e);
void vsr_log_truncate(struct vsr_log *log, u64 op);
void vsr_log_trim(struct vsr_log *log, u64 op);
void vsr_log_reset(struct vsr_log *log, u64 base, u32 base_csum);
int vsr_log_resize(struct vsr_log *log, u32 cap, gfp_t gfp);

/*
 * Slots of the ring in use: the entries held, and with @reported those
 * between the checkpoint on the disk and @base, which the disk still
 * needs.  (After a checkpoint taken over, possibly more than @cap.)
 */
static inline u64 vsr_log_used(const struct vsr_log *log)
{
	u64 from = log->base;

	if (log->reported && log->kept < from)
		from = log->kept;
	return log->head - from;
}

/**
 * vsr_log_room() - free slots in the ring
 * @log: log
 *
 * Return: number of entries that can still be appended.
 */
static inline u32 vsr_log_room(const struct vsr_log *log)
{
	u64 used = vsr_log_used(log);

	return used < log->cap ? log->cap - (u32)used : 0;
}

#endif /* _VSR_LOG_H */
