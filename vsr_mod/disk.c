// SPDX-License-Identifier: GPL-2.0
/*
 * disk.c - encode and verify the blocks of a durable log (disk.h).
 *
 * Pure functions on buffers: the kernel's journal (journal.c) reads and
 * writes them, and the simulator's unit tests build them natively.  A
 * block that fails any check is not there: the caller decides what its
 * absence means.
 */
#include "disk.h"

static u32 vsr_disk_crc(const void *p, size_t len)
{
	return vsr_crc32c(~0u, p, len);
}

/**
 * vsr_disk_info_check() - whether a geometry and identity can be formatted
 * @d: superblock contents
 *
 * Return: 0 or -EINVAL.
 */
int vsr_disk_info_check(const struct vsr_disk_info *d)
{
	if (d->slot_size < VSR_DISK_SLOT_MIN ||
	    d->slot_size > VSR_DISK_SLOT_MAX ||
	    d->slot_size % VSR_DISK_BLOCK || !d->slots ||
	    d->slots > VSR_DISK_SLOTS_MAX || !d->members ||
	    d->members > VSR_DISK_MEMBERS_MAX || d->replica >= d->members ||
	    d->ckpt_slot > 1 || d->p.log_view > d->p.view)
		return -EINVAL;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(vsr_disk_info_check);

/**
 * vsr_disk_start_check() - whether a superblock's epoch and members agree
 * @d: superblock contents
 *
 * In epoch 0 there is no RECONFIG; above it, @d->start must be the
 * RECONFIG that started @d->p.epoch, checksum right, and its list the
 * members @d->ids (but on a joiner's disk, which names only itself until
 * it enters an epoch as a member).
 *
 * Return: 0 or -EINVAL.
 */
int vsr_disk_start_check(const struct vsr_disk_info *d)
{
	const u8 *conf = d->start_conf;
	u32 i;

	if (!d->p.epoch)
		return d->start.op ? -EINVAL : 0;
	if (d->start.type != VSR_OP_RECONFIG || !d->start.op ||
	    d->start.len > sizeof(d->start_conf) ||
	    !vsr_reconfig_ok(conf, d->start.len) ||
	    d->start.checksum != vsr_entry_checksum(&d->start, conf) ||
	    get_unaligned_le32(conf) != d->p.epoch)
		return -EINVAL;
	/* A joiner learns in an epoch that does not name it yet. */
	if (d->joiner)
		return 0;
	if (get_unaligned_le32(conf + 4) != d->members)
		return -EINVAL;
	for (i = 0; i < d->members; i++)
		if (memcmp(conf + VSR_RECONFIG_SIZE(i) + 8, d->ids[i].b,
			   VSR_MEMBER_ID_SIZE))
			return -EINVAL;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(vsr_disk_start_check);

/**
 * vsr_disk_super_put() - encode a superblock copy
 * @d: its contents
 * @block: VSR_DISK_BLOCK bytes, written whole (zero after the structure)
 */
void vsr_disk_super_put(const struct vsr_disk_info *d, u8 *block)
{
	struct vsr_disk_super *s = (struct vsr_disk_super *)block;
	u32 i;

	memset(block, 0, VSR_DISK_BLOCK);
	s->magic = cpu_to_le64(VSR_DISK_SUPER_MAGIC);
	s->version = cpu_to_le32(VSR_DISK_VERSION);
	s->size = cpu_to_le32(sizeof(*s));
	s->nonce = cpu_to_le64(d->nonce);
	s->seq = cpu_to_le64(d->seq);
	s->cluster = cpu_to_le64(d->cluster);
	s->replica = cpu_to_le32(d->replica);
	s->members = cpu_to_le32(d->members);
	s->epoch = cpu_to_le32(d->p.epoch);
	s->view = cpu_to_le32(d->p.view);
	s->log_view = cpu_to_le32(d->p.log_view);
	s->head_csum = cpu_to_le32(d->p.csum);
	s->head = cpu_to_le64(d->p.op);
	s->ckpt = cpu_to_le64(d->p.ckpt);
	s->ckpt_slot = cpu_to_le32(d->ckpt_slot);
	s->flags = cpu_to_le32(d->p.flags);
	s->slot_size = cpu_to_le32(d->slot_size);
	s->slots = cpu_to_le32(d->slots);
	s->retain = cpu_to_le64(d->retain);
	for (i = 0; i < d->members && i < VSR_DISK_MEMBERS_MAX; i++)
		memcpy(s->ids[i], d->ids[i].b, VSR_MEMBER_ID_SIZE);
	s->origin = cpu_to_le32(d->p.origin);
	s->dflags = cpu_to_le32(d->joiner ? VSR_DISK_JOINER : 0);
	if (d->p.epoch && d->start.len <= sizeof(s->start_conf)) {
		vsr_entry_hdr_put(s->start, &d->start);
		memcpy(s->start_conf, d->start_conf, d->start.len);
	}
	s->prev_members = cpu_to_le32(d->prev_members);
	for (i = 0; i < d->prev_members && i < VSR_DISK_MEMBERS_MAX; i++)
		memcpy(s->prev_ids[i], d->prev_ids[i].b, VSR_MEMBER_ID_SIZE);
	s->csum = cpu_to_le32(vsr_disk_crc(s, offsetof(struct vsr_disk_super,
						       csum)));
}
EXPORT_SYMBOL_IF_KUNIT(vsr_disk_super_put);

/**
 * vsr_disk_super_get() - decode and verify a superblock copy
 * @block: VSR_DISK_BLOCK bytes
 * @d: its contents, on success
 *
 * Return: 0; -EUCLEAN if it is no valid copy (torn, damaged, never
 * written); -EPROTONOSUPPORT if it is a valid copy of another format
 * version.
 */
int vsr_disk_super_get(const u8 *block, struct vsr_disk_info *d)
{
	const struct vsr_disk_super *s = (const struct vsr_disk_super *)block;
	u32 i;

	if (le64_to_cpu(s->magic) != VSR_DISK_SUPER_MAGIC)
		return -EUCLEAN;
	if (le32_to_cpu(s->version) != VSR_DISK_VERSION)
		return -EPROTONOSUPPORT;
	if (le32_to_cpu(s->size) != sizeof(*s) ||
	    le32_to_cpu(s->csum) !=
	    vsr_disk_crc(s, offsetof(struct vsr_disk_super, csum)))
		return -EUCLEAN;
	memset(d, 0, sizeof(*d));
	d->nonce = le64_to_cpu(s->nonce);
	d->seq = le64_to_cpu(s->seq);
	d->cluster = le64_to_cpu(s->cluster);
	d->replica = le32_to_cpu(s->replica);
	d->members = le32_to_cpu(s->members);
	d->p.epoch = le32_to_cpu(s->epoch);
	d->p.view = le32_to_cpu(s->view);
	d->p.log_view = le32_to_cpu(s->log_view);
	d->p.csum = le32_to_cpu(s->head_csum);
	d->p.op = le64_to_cpu(s->head);
	d->p.ckpt = le64_to_cpu(s->ckpt);
	d->p.flags = le32_to_cpu(s->flags);
	d->ckpt_slot = le32_to_cpu(s->ckpt_slot);
	d->slot_size = le32_to_cpu(s->slot_size);
	d->slots = le32_to_cpu(s->slots);
	d->retain = le64_to_cpu(s->retain);
	d->p.origin = le32_to_cpu(s->origin);
	d->joiner = le32_to_cpu(s->dflags) & VSR_DISK_JOINER;
	if (vsr_disk_info_check(d) || le32_to_cpu(s->dflags) & ~VSR_DISK_JOINER)
		return -EUCLEAN;
	for (i = 0; i < d->members; i++)
		memcpy(d->ids[i].b, s->ids[i], VSR_MEMBER_ID_SIZE);
	if (d->p.epoch) {
		vsr_entry_hdr_get(s->start, &d->start);
		if (d->start.len > sizeof(d->start_conf))
			return -EUCLEAN;
		memcpy(d->start_conf, s->start_conf, d->start.len);
	}
	d->prev_members = le32_to_cpu(s->prev_members);
	if (d->prev_members > VSR_DISK_MEMBERS_MAX)
		return -EUCLEAN;
	for (i = 0; i < d->prev_members; i++)
		memcpy(d->prev_ids[i].b, s->prev_ids[i], VSR_MEMBER_ID_SIZE);
	return vsr_disk_start_check(d) ? -EUCLEAN : 0;
}
EXPORT_SYMBOL_IF_KUNIT(vsr_disk_super_get);

/**
 * vsr_disk_super_pick() - the superblock a restart goes by
 * @blocks: the VSR_DISK_SUPERS copies as read
 * @d: the valid copy with the highest sequence number
 *
 * (A format writes zeros over the copies of an earlier format before its
 * own, so copies of two formats are never both valid.)  The caller must
 * write the winner again (an ordinary update) before acting on it: it may
 * be in one copy only.
 *
 * Return: the index of the copy taken; -EUCLEAN if no copy is valid;
 * -EPROTONOSUPPORT if none is and one is of another format version.
 */
int vsr_disk_super_pick(u8 *const blocks[VSR_DISK_SUPERS],
			struct vsr_disk_info *d)
{
	int ret = -EUCLEAN, i, err, won = -1;
	u64 seq = 0;

	/* @d is the scratch space (no second one on the stack), then the winner. */
	for (i = 0; i < VSR_DISK_SUPERS; i++) {
		err = vsr_disk_super_get(blocks[i], d);
		if (err) {
			if (err == -EPROTONOSUPPORT)
				ret = err;
			continue;
		}
		if (won < 0 || d->seq > seq) {
			seq = d->seq;
			won = i;
		}
	}
	if (won < 0)
		return ret;
	vsr_disk_super_get(blocks[won], d);
	return won;
}
EXPORT_SYMBOL_IF_KUNIT(vsr_disk_super_pick);

/**
 * vsr_disk_ckpt_put() - encode a checkpoint slot
 * @d: the superblock (its nonce)
 * @op: the checkpoint's op
 * @view: the view of @op
 * @chain: its chain checksum
 * @table: @count sessions, encoded as vsr_ct_encode() does
 * @count: at most VSR_SESSIONS_MAX
 * @buf: VSR_DISK_CKPT_SIZE bytes
 *
 * Return: bytes to write from @buf (whole blocks).
 */
size_t vsr_disk_ckpt_put(const struct vsr_disk_info *d, u64 op, u32 view,
			 u32 chain, const u8 *table, u32 count, u8 *buf)
{
	struct vsr_disk_ckpt *c = (struct vsr_disk_ckpt *)buf;
	size_t tlen = (size_t)count * VSR_SESSION_WIRE_SIZE;
	size_t len = VSR_DISK_BLOCK + tlen;

	len = (len + VSR_DISK_BLOCK - 1) / VSR_DISK_BLOCK * VSR_DISK_BLOCK;
	memset(buf, 0, len);
	c->magic = cpu_to_le64(VSR_DISK_CKPT_MAGIC);
	c->nonce = cpu_to_le64(d->nonce);
	c->op = cpu_to_le64(op);
	c->view = cpu_to_le32(view);
	c->chain = cpu_to_le32(chain);
	c->count = cpu_to_le32(count);
	if (tlen)
		memcpy(buf + VSR_DISK_BLOCK, table, tlen);
	c->table_csum = cpu_to_le32(vsr_disk_crc(buf + VSR_DISK_BLOCK, tlen));
	c->csum = cpu_to_le32(vsr_disk_crc(c, offsetof(struct vsr_disk_ckpt,
						       csum)));
	return len;
}
EXPORT_SYMBOL_IF_KUNIT(vsr_disk_ckpt_put);

/**
 * vsr_disk_ckpt_get() - verify a checkpoint slot
 * @d: the superblock (its nonce)
 * @buf: VSR_DISK_CKPT_SIZE bytes as read; the table starts at
 *	@buf + VSR_DISK_BLOCK
 * @op: the checkpoint's op
 * @view: its view
 * @chain: its chain checksum
 * @count: sessions in the table
 *
 * Return: 0 or -EUCLEAN.
 */
int vsr_disk_ckpt_get(const struct vsr_disk_info *d, const u8 *buf,
		      u64 *op, u32 *view, u32 *chain, u32 *count)
{
	const struct vsr_disk_ckpt *c = (const struct vsr_disk_ckpt *)buf;
	u32 n;

	if (le64_to_cpu(c->magic) != VSR_DISK_CKPT_MAGIC ||
	    le64_to_cpu(c->nonce) != d->nonce ||
	    le32_to_cpu(c->csum) !=
	    vsr_disk_crc(c, offsetof(struct vsr_disk_ckpt, csum)))
		return -EUCLEAN;
	n = le32_to_cpu(c->count);
	if (n > VSR_SESSIONS_MAX ||
	    le32_to_cpu(c->table_csum) !=
	    vsr_disk_crc(buf + VSR_DISK_BLOCK,
			 (size_t)n * VSR_SESSION_WIRE_SIZE))
		return -EUCLEAN;
	*op = le64_to_cpu(c->op);
	*view = le32_to_cpu(c->view);
	*chain = le32_to_cpu(c->chain);
	*count = n;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(vsr_disk_ckpt_get);

/*
 * A slot's tail checksum: over the slot up to it, seeded with the format's
 * nonce, so that no slot of an earlier format of the file (whose stamps
 * may be higher) passes for this one's.
 */
static u32 vsr_disk_slot_crc(const struct vsr_disk_info *d, const u8 *slot)
{
	__le64 nonce = cpu_to_le64(d->nonce);

	return vsr_crc32c(vsr_disk_crc(&nonce, sizeof(nonce)), slot,
			  d->slot_size - sizeof(__le32));
}

/**
 * vsr_disk_slot_put() - encode an entry into its log slot
 * @d: the superblock (geometry, nonce)
 * @e: the entry; its data must be at most vsr_disk_record_max()
 * @slot: d->slot_size bytes, written whole (zero padded, then the tail)
 * @st: when it is written: a stamp above every earlier write of the slot
 */
void vsr_disk_slot_put(const struct vsr_disk_info *d, const struct vsr_entry *e,
		       u8 *slot, const struct vsr_disk_stamp *st)
{
	struct vsr_disk_tail *t = (struct vsr_disk_tail *)
		(slot + d->slot_size - VSR_DISK_TAIL_SIZE);

	vsr_entry_hdr_put(slot, &e->h);
	if (e->h.len)
		memcpy(slot + VSR_ENTRY_HDR_SIZE, e->data, e->h.len);
	memset(slot + VSR_ENTRY_HDR_SIZE + e->h.len, 0,
	       d->slot_size - VSR_ENTRY_HDR_SIZE - e->h.len - VSR_DISK_TAIL_SIZE);
	t->seq = cpu_to_le64(st->seq);
	t->n = cpu_to_le32(st->n);
	t->csum = cpu_to_le32(vsr_disk_slot_crc(d, slot));
}
EXPORT_SYMBOL_IF_KUNIT(vsr_disk_slot_put);

/**
 * vsr_disk_slot_check() - whether a log slot holds a valid entry of @op
 * @d: the superblock (geometry)
 * @slot: d->slot_size bytes as read
 * @op: the op the slot must hold
 * @st: when it was written, if it does
 *
 * Return: 0; -EUCLEAN if not (never written, of an earlier lap or an
 * earlier format, torn or damaged).
 */
int vsr_disk_slot_check(const struct vsr_disk_info *d, const u8 *slot, u64 op,
			struct vsr_disk_stamp *st)
{
	const struct vsr_wire_entry_hdr *w =
		(const struct vsr_wire_entry_hdr *)slot;
	const struct vsr_disk_tail *t = (const struct vsr_disk_tail *)
		(slot + d->slot_size - VSR_DISK_TAIL_SIZE);
	struct vsr_entry_hdr h;
	u32 i;

	if (le32_to_cpu(t->csum) != vsr_disk_slot_crc(d, slot))
		return -EUCLEAN;
	vsr_entry_hdr_get(slot, &h);
	if (h.op != op || h.len > vsr_disk_record_max(d->slot_size))
		return -EUCLEAN;
	for (i = 0; i < sizeof(w->zero); i++)
		if (w->zero[i])
			return -EUCLEAN;
	if (h.checksum != vsr_entry_checksum(&h, slot + VSR_ENTRY_HDR_SIZE))
		return -EUCLEAN;
	st->seq = le64_to_cpu(t->seq);
	st->n = le32_to_cpu(t->n);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(vsr_disk_slot_check);

/**
 * vsr_disk_slot_get() - the entry a log slot holds for @op
 * @d: the superblock (geometry)
 * @slot: d->slot_size bytes as read
 * @op: the op the slot must hold
 * @gfp: allocation flags
 * @e: a new entry (vsr_free() it), on success
 *
 * Return: 0; -EUCLEAN if the slot holds no valid entry of @op
 * (vsr_disk_slot_check()); -ENOMEM.
 */
int vsr_disk_slot_get(const struct vsr_disk_info *d, const u8 *slot, u64 op,
		      gfp_t gfp, struct vsr_entry **e)
{
	struct vsr_disk_stamp st;
	struct vsr_entry_hdr h;

	if (vsr_disk_slot_check(d, slot, op, &st))
		return -EUCLEAN;
	vsr_entry_hdr_get(slot, &h);
	*e = vsr_entry_new(&h, slot + VSR_ENTRY_HDR_SIZE, gfp);
	return *e ? 0 : -ENOMEM;
}
EXPORT_SYMBOL_IF_KUNIT(vsr_disk_slot_get);

/**
 * vsr_disk_slot_pick() - which copy of a slot a restart takes
 * @a: copy 0's stamp, NULL if it is not valid (vsr_disk_slot_check())
 * @b: copy 1's, likewise
 *
 * The one written last: the other missed a write (lost, or misdirected),
 * or is the older half of a write in flight at a crash, either of which
 * the slot may hold.  One valid copy is the slot; none, and the slot holds
 * nothing.
 *
 * Return: 0 or 1, the copy; -1 if neither is valid.
 */
int vsr_disk_slot_pick(const struct vsr_disk_stamp *a,
		       const struct vsr_disk_stamp *b)
{
	if (!a || !b)
		return a ? 0 : b ? 1 : -1;
	if (b->seq != a->seq)
		return b->seq > a->seq;
	return b->n > a->n;
}
EXPORT_SYMBOL_IF_KUNIT(vsr_disk_slot_pick);
