// SPDX-License-Identifier: GPL-2.0
/*
 * log.c - the replicated log.
 *
 * The log holds ops (base, head]; op @base is the checkpoint (trim point - 1)
 * whose chain checksum is kept so that the next entry can be verified
 * against it.  Every append checks the chain: the new entry's parent must be
 * the checksum of the current head.
 */
#include "log.h"

/**
 * vsr_entry_new() - allocate an entry and copy its data
 * @h: metadata (h->len bytes of data)
 * @data: data
 * @gfp: allocation flags
 *
 * Return: the entry, or NULL.
 */
struct vsr_entry *vsr_entry_new(const struct vsr_entry_hdr *h,
				const void *data, gfp_t gfp)
{
	struct vsr_entry *e;

	if (WARN_ON_ONCE(h->len > VSR_RECORD_MAX))
		return NULL;
	e = vsr_alloc(sizeof(*e) + h->len, gfp);
	if (!e)
		return NULL;
	e->h = *h;
	e->flags = 0;
	if (h->len)
		memcpy(e->data, data, h->len);
	return e;
}
EXPORT_SYMBOL_IF_KUNIT(vsr_entry_new);

/**
 * vsr_log_init() - set up an empty log
 * @log: log
 * @cap: capacity in ops (at least 2)
 * @base: checkpoint op the log starts after
 * @base_csum: chain checksum of @base
 * @gfp: allocation flags
 *
 * Return: 0 or -ENOMEM.
 */
int vsr_log_init(struct vsr_log *log, u32 cap, u64 base, u32 base_csum,
		 gfp_t gfp)
{
	memset(log, 0, sizeof(*log));
	if (cap < 2)
		return -EINVAL;
	log->ring = vsr_alloc(sizeof(*log->ring) * cap, gfp);
	if (!log->ring)
		return -ENOMEM;
	memset(log->ring, 0, sizeof(*log->ring) * cap);
	log->cap = cap;
	log->base = base;
	log->head = base;
	log->base_csum = base_csum;
	log->kept = base;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(vsr_log_init);

/**
 * vsr_log_destroy() - free every entry and the ring
 * @log: log
 */
void vsr_log_destroy(struct vsr_log *log)
{
	if (!log->ring)
		return;
	vsr_log_truncate(log, log->base);
	vsr_free(log->ring);
	log->ring = NULL;
}
EXPORT_SYMBOL_IF_KUNIT(vsr_log_destroy);

/**
 * vsr_log_get() - the entry of an op
 * @log: log
 * @op: op number
 *
 * Return: the entry, or NULL when @op is not in (base, head].
 */
struct vsr_entry *vsr_log_get(const struct vsr_log *log, u64 op)
{
	struct vsr_entry *e;

	if (op <= log->base || op > log->head)
		return NULL;
	e = log->ring[op % log->cap];
	WARN_ON_ONCE(!e || e->h.op != op);
	return e;
}
EXPORT_SYMBOL_IF_KUNIT(vsr_log_get);

/**
 * vsr_log_csum() - chain checksum of an op held by the log
 * @log: log
 * @op: op in [base, head]
 * @csum: the checksum
 *
 * Return: false when the log does not know @op.
 */
bool vsr_log_csum(const struct vsr_log *log, u64 op, u32 *csum)
{
	struct vsr_entry *e;

	if (op == log->base) {
		*csum = log->base_csum;
		return true;
	}
	e = vsr_log_get(log, op);
	if (!e)
		return false;
	*csum = e->h.checksum;
	return true;
}
EXPORT_SYMBOL_IF_KUNIT(vsr_log_csum);

/**
 * vsr_log_head_csum() - chain checksum of the last op
 * @log: log
 *
 * Return: the checksum.
 */
u32 vsr_log_head_csum(const struct vsr_log *log)
{
	u32 c = 0;

	WARN_ON_ONCE(!vsr_log_csum(log, log->head, &c));
	return c;
}
EXPORT_SYMBOL_IF_KUNIT(vsr_log_head_csum);

/**
 * vsr_log_append() - append the next op
 * @log: log
 * @e: entry for op head + 1 whose parent is the head's checksum; on success
 *	the log owns it
 *
 * Return: 0, -ENOSPC when the ring is full, -EINVAL when @e does not extend
 * the chain.
 */
int vsr_log_append(struct vsr_log *log, struct vsr_entry *e)
{
	if (e->h.op != log->head + 1 ||
	    e->h.parent != vsr_log_head_csum(log))
		return -EINVAL;
	if (!vsr_log_room(log))
		return -ENOSPC;
	WARN_ON_ONCE(log->ring[e->h.op % log->cap]);
	log->ring[e->h.op % log->cap] = e;
	log->head = e->h.op;
	log->bytes += e->h.len;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(vsr_log_append);

/**
 * vsr_log_truncate() - drop every op after @op
 * @log: log
 * @op: last op kept (>= base)
 */
void vsr_log_truncate(struct vsr_log *log, u64 op)
{
	if (WARN_ON_ONCE(op < log->base))
		op = log->base;
	while (log->head > op) {
		struct vsr_entry **slot = &log->ring[log->head % log->cap];

		log->bytes -= (*slot)->h.len;
		vsr_free(*slot);
		*slot = NULL;
		log->head--;
	}
	if (log->durable > log->head)
		log->durable = log->head;
}
EXPORT_SYMBOL_IF_KUNIT(vsr_log_truncate);

/**
 * vsr_log_trim() - discard ops up to and including @op (a new checkpoint)
 * @log: log
 * @op: new base, in [base, head]
 */
void vsr_log_trim(struct vsr_log *log, u64 op)
{
	if (WARN_ON_ONCE(op > log->head))
		return;
	while (log->base < op) {
		struct vsr_entry **slot = &log->ring[(log->base + 1) % log->cap];

		log->base_csum = (*slot)->h.checksum;
		log->bytes -= (*slot)->h.len;
		vsr_free(*slot);
		*slot = NULL;
		log->base++;
	}
}
EXPORT_SYMBOL_IF_KUNIT(vsr_log_trim);

/**
 * vsr_log_resize() - move the entries to a ring of another capacity
 * @log: log
 * @cap: new capacity; at least the slots in use (vsr_log_used()), and 2
 * @gfp: allocation flags
 *
 * Return: 0, -EINVAL if the entries would not fit, or -ENOMEM (the log
 * is unchanged then).
 */
int vsr_log_resize(struct vsr_log *log, u32 cap, gfp_t gfp)
{
	struct vsr_entry **ring;
	u64 op;

	if (cap < 2 || cap < vsr_log_used(log))
		return -EINVAL;
	if (cap == log->cap)
		return 0;
	ring = vsr_alloc(sizeof(*ring) * cap, gfp);
	if (!ring)
		return -ENOMEM;
	memset(ring, 0, sizeof(*ring) * cap);
	for (op = log->base + 1; op <= log->head; op++)
		ring[op % cap] = log->ring[op % log->cap];
	vsr_free(log->ring);
	log->ring = ring;
	log->cap = cap;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(vsr_log_resize);

/**
 * vsr_log_reset() - drop everything and restart after a new checkpoint
 * @log: log
 * @base: checkpoint op
 * @base_csum: its chain checksum
 */
void vsr_log_reset(struct vsr_log *log, u64 base, u32 base_csum)
{
	vsr_log_truncate(log, log->base);
	log->base = base;
	log->head = base;
	log->base_csum = base_csum;
	/*
	 * A checkpoint taken over is durable once the driver says so: the
	 * truncation above left @durable at the old base, which is below
	 * the new one (the only caller moves the base up), so it names no
	 * op of this log.
	 */
	WARN_ON_ONCE(log->durable > base);
}
EXPORT_SYMBOL_IF_KUNIT(vsr_log_reset);
