// SPDX-License-Identifier: GPL-2.0
/*
 * wire.c - encode, decode and checksum vsr messages.
 *
 * The decoder is the only code that looks at bytes from the network.  It
 * validates everything (length, magic, version, checksums, cluster, command,
 * body layout, entry chain) before anything else sees the message and never
 * reads outside [buf, buf + len).
 */
#include "wire.h"

/**
 * vsr_crc32c() - crc32c (Castagnoli), raw update without pre/post inversion
 * @seed: running value (start with ~0)
 * @buf: bytes
 * @len: number of bytes
 *
 * Return: the updated crc.
 */
u32 vsr_crc32c(u32 seed, const void *buf, size_t len)
{
	return crc32c(seed, buf, len);
}
EXPORT_SYMBOL_IF_KUNIT(vsr_crc32c);

/**
 * vsr_chain_root() - checksum of the virtual op 0 that every chain starts at
 * @cluster: cluster id (so that chains of different clusters never match)
 *
 * Return: the root checksum.
 */
u32 vsr_chain_root(u64 cluster)
{
	u8 b[8];

	vsr_put_le64(b, cluster);
	return vsr_crc32c(~0u, b, sizeof(b));
}
EXPORT_SYMBOL_IF_KUNIT(vsr_chain_root);

/**
 * vsr_entry_hdr_put() - encode an entry header (48 bytes)
 * @p: destination, VSR_ENTRY_HDR_SIZE bytes
 * @e: entry metadata
 */
void vsr_entry_hdr_put(u8 *p, const struct vsr_entry_hdr *e)
{
	vsr_put_le64(p, e->op);
	vsr_put_le64(p + 8, e->session);
	vsr_put_le64(p + 16, e->request);
	vsr_put_le32(p + 24, e->view);
	vsr_put_le32(p + 28, e->len);
	vsr_put_le32(p + 32, e->parent);
	p[36] = e->type;
	memset(p + 37, 0, 7);
	vsr_put_le32(p + 44, e->checksum);
}
EXPORT_SYMBOL_IF_KUNIT(vsr_entry_hdr_put);

/**
 * vsr_entry_hdr_get() - decode an entry header (48 bytes)
 * @p: source, VSR_ENTRY_HDR_SIZE bytes
 * @e: decoded metadata
 */
void vsr_entry_hdr_get(const u8 *p, struct vsr_entry_hdr *e)
{
	e->op = vsr_get_le64(p);
	e->session = vsr_get_le64(p + 8);
	e->request = vsr_get_le64(p + 16);
	e->view = vsr_get_le32(p + 24);
	e->len = vsr_get_le32(p + 28);
	e->parent = vsr_get_le32(p + 32);
	e->type = p[36];
	e->checksum = vsr_get_le32(p + 44);
}
EXPORT_SYMBOL_IF_KUNIT(vsr_entry_hdr_get);

/**
 * vsr_entry_checksum() - chain checksum of an entry
 * @e: metadata; e->parent must hold the parent's checksum
 * @data: e->len bytes of data
 *
 * Covers every metadata field except the checksum itself (so the parent's
 * checksum too) and then the data.
 *
 * Return: the checksum.
 */
u32 vsr_entry_checksum(const struct vsr_entry_hdr *e, const void *data)
{
	u8 b[VSR_ENTRY_HDR_SIZE];
	u32 c;

	vsr_entry_hdr_put(b, e);
	c = vsr_crc32c(~0u, b, 44);
	if (e->len)
		c = vsr_crc32c(c, data, e->len);
	return c;
}
EXPORT_SYMBOL_IF_KUNIT(vsr_entry_checksum);

/**
 * vsr_hdr_put() - encode a message header
 * @p: destination, VSR_HDR_SIZE bytes
 * @h: header
 */
void vsr_hdr_put(u8 *p, const struct vsr_hdr *h)
{
	vsr_put_le32(p, h->hdr_csum);
	vsr_put_le32(p + 4, h->body_csum);
	vsr_put_le32(p + 8, h->magic);
	vsr_put_le16(p + 12, h->version);
	p[14] = h->command;
	p[15] = h->replica;
	vsr_put_le64(p + 16, h->cluster);
	vsr_put_le32(p + 24, h->epoch);
	vsr_put_le32(p + 28, h->view);
	vsr_put_le64(p + 32, h->op);
	vsr_put_le64(p + 40, h->commit);
	vsr_put_le32(p + 48, h->size);
	vsr_put_le32(p + 52, h->log_view);
	vsr_put_le32(p + 56, h->head_csum);
	vsr_put_le32(p + 60, h->flags);
	vsr_put_le64(p + 64, h->arg0);
	vsr_put_le64(p + 72, h->arg1);
}
EXPORT_SYMBOL_IF_KUNIT(vsr_hdr_put);

/**
 * vsr_hdr_get() - decode a message header
 * @p: source, VSR_HDR_SIZE bytes
 * @h: decoded header
 */
void vsr_hdr_get(const u8 *p, struct vsr_hdr *h)
{
	h->hdr_csum = vsr_get_le32(p);
	h->body_csum = vsr_get_le32(p + 4);
	h->magic = vsr_get_le32(p + 8);
	h->version = vsr_get_le16(p + 12);
	h->command = p[14];
	h->replica = p[15];
	h->cluster = vsr_get_le64(p + 16);
	h->epoch = vsr_get_le32(p + 24);
	h->view = vsr_get_le32(p + 28);
	h->op = vsr_get_le64(p + 32);
	h->commit = vsr_get_le64(p + 40);
	h->size = vsr_get_le32(p + 48);
	h->log_view = vsr_get_le32(p + 52);
	h->head_csum = vsr_get_le32(p + 56);
	h->flags = vsr_get_le32(p + 60);
	h->arg0 = vsr_get_le64(p + 64);
	h->arg1 = vsr_get_le64(p + 72);
}
EXPORT_SYMBOL_IF_KUNIT(vsr_hdr_get);

/**
 * vsr_msg_seal() - finish a message whose body is already at buf + 80
 * @buf: message buffer, at least VSR_HDR_SIZE + @body_len bytes
 * @h: header; magic, version, size and both checksums are filled in here
 * @body_len: body bytes already written after the header
 *
 * Return: total message size.
 */
size_t vsr_msg_seal(u8 *buf, struct vsr_hdr *h, size_t body_len)
{
	WARN_ON_ONCE(VSR_HDR_SIZE + body_len > VSR_MSG_MAX);
	h->magic = VSR_MAGIC;
	h->version = VSR_VERSION;
	h->size = VSR_HDR_SIZE + body_len;
	/*
	 * A PREPARE's body is a run of entries that each carry a chained
	 * checksum of their header and data, which the receiver verifies:
	 * a second checksum over the same bytes would only cost time.
	 */
	if (h->command == VSR_CMD_PREPARE)
		h->body_csum = 0;
	else
		h->body_csum = vsr_crc32c(~0u, buf + VSR_HDR_SIZE, body_len);
	h->hdr_csum = 0;
	vsr_hdr_put(buf, h);
	h->hdr_csum = vsr_crc32c(~0u, buf + 4, VSR_HDR_SIZE - 4);
	vsr_put_le32(buf, h->hdr_csum);
	return h->size;
}
EXPORT_SYMBOL_IF_KUNIT(vsr_msg_seal);

/*
 * Validate a run of entries: complete, within limits, consecutive, chained
 * to each other (and to @parent when @check_parent), each checksum right.
 */
static int vsr_check_entries(const u8 *p, u32 len, u32 view, u64 first_op,
			     bool check_parent, u32 parent, u32 *nr,
			     struct vsr_entry_hdr *last)
{
	struct vsr_entry_hdr e;
	u32 count = 0;

	while (len) {
		if (len < VSR_ENTRY_HDR_SIZE)
			return -EPROTO;
		vsr_entry_hdr_get(p, &e);
		if (e.len > VSR_RECORD_MAX ||
		    e.len > len - VSR_ENTRY_HDR_SIZE)
			return -EPROTO;
		if (e.type > VSR_OP_MAX || e.view > view)
			return -EPROTO;
		if (memchr_inv(p + 37, 0, 7))
			return -EPROTO;
		if (e.op != first_op + count || e.op == 0)
			return -EPROTO;
		if ((count || check_parent) && e.parent != parent)
			return -EPROTO;
		if (vsr_entry_checksum(&e, p + VSR_ENTRY_HDR_SIZE) !=
		    e.checksum)
			return -EBADMSG;
		parent = e.checksum;
		p += VSR_ENTRY_HDR_SIZE + e.len;
		len -= VSR_ENTRY_HDR_SIZE + e.len;
		count++;
		*last = e;
	}
	*nr = count;
	return 0;
}

static int vsr_check_body(struct vsr_msg *m)
{
	const struct vsr_hdr *h = &m->h;
	struct vsr_entry_hdr last;
	const u8 *b = m->body;
	u32 len = m->body_len;
	u64 first;
	int err;

	switch (h->command) {
	case VSR_CMD_REQUEST:
		if (h->flags != VSR_OP_REGISTER && h->flags != VSR_OP_DATA &&
		    h->flags != VSR_OP_TRIM && h->flags != VSR_OP_NOOP)
			return -EPROTO;
		if (len > VSR_RECORD_MAX)
			return -EPROTO;
		if (h->flags != VSR_OP_DATA && len)
			return -EPROTO;
		if (h->flags == VSR_OP_DATA && !h->arg0)
			return -EPROTO;
		return 0;
	case VSR_CMD_PREPARE:
		if (h->flags || !len || h->op < 1)
			return -EPROTO;
		/* The first op is not in the header: peek at it. */
		if (len < VSR_ENTRY_HDR_SIZE)
			return -EPROTO;
		first = vsr_get_le64(b);
		err = vsr_check_entries(b, len, h->view, first, false, 0,
					&m->nr_entries, &last);
		if (err)
			return err;
		if (last.op != h->op || last.checksum != h->head_csum)
			return -EPROTO;
		m->entries = b;
		m->entries_len = len;
		return 0;
	case VSR_CMD_NEWSTATE: {
		bool ckpt = h->flags & VSR_NS_CKPT;
		u32 parent = 0;

		if (h->flags & ~VSR_NS_CKPT)
			return -EPROTO;
		first = h->arg0;
		if (ckpt) {
			u32 count, clen;

			if (len < VSR_CKPT_HDR_SIZE)
				return -EPROTO;
			count = vsr_get_le32(b + 16);
			if (count > VSR_SESSIONS_MAX || vsr_get_le32(b + 20))
				return -EPROTO;
			clen = VSR_CKPT_HDR_SIZE +
			       count * VSR_SESSION_WIRE_SIZE;
			if (clen > len)
				return -EPROTO;
			if (first != vsr_get_le64(b) + 1 ||
			    vsr_get_le32(b + 8) > h->view)
				return -EPROTO;
			parent = vsr_get_le32(b + 12);
			m->ckpt = b;
			m->ckpt_len = clen;
			b += clen;
			len -= clen;
		}
		if (!first)
			return -EPROTO;
		err = vsr_check_entries(b, len, h->view, first, ckpt, parent,
					&m->nr_entries, &last);
		if (err)
			return err;
		if (m->nr_entries && last.op > h->op)
			return -EPROTO;
		if (ckpt && first - 1 > h->op)
			return -EPROTO;
		m->entries = b;
		m->entries_len = len;
		return 0;
	}
	case VSR_CMD_RECOVERYRESPONSE:
		if (h->flags & ~VSR_RR_NORMAL)
			return -EPROTO;
		return len ? -EPROTO : 0;
	case VSR_CMD_STARTVIEWCHANGE:
		if (h->flags & ~(VSR_SVC_ENTERED | VSR_SVC_CONFIRM) ||
		    h->flags == VSR_SVC_CONFIRM)
			return -EPROTO;
		return len ? -EPROTO : 0;
	case VSR_CMD_PREPAREOK:
	case VSR_CMD_COMMIT:
	case VSR_CMD_DOVIEWCHANGE:
	case VSR_CMD_STARTVIEW:
	case VSR_CMD_GETSTATE:
	case VSR_CMD_RECOVERY:
		return (len || h->flags) ? -EPROTO : 0;
	default:
		return -EPROTO;
	}
}

/**
 * vsr_msg_decode() - validate a received datagram
 * @buf: datagram
 * @len: datagram length
 * @cluster: our cluster id
 * @m: decoded message (body and entries point into @buf)
 *
 * Return: 0, or a negative errno saying why the datagram is dropped:
 * -ENODATA truncated, -EMSGSIZE oversized, -EPROTO bad magic, command or
 * body layout, -EPROTONOSUPPORT bad version, -EBADMSG a checksum mismatch,
 * -EINVAL size field disagrees with the length, -EXDEV other cluster.
 */
int vsr_msg_decode(const void *buf, size_t len, u64 cluster,
		   struct vsr_msg *m)
{
	const u8 *p = buf;

	memset(m, 0, sizeof(*m));
	if (len < VSR_HDR_SIZE)
		return -ENODATA;
	if (len > VSR_MSG_MAX)
		return -EMSGSIZE;
	vsr_hdr_get(p, &m->h);
	if (m->h.magic != VSR_MAGIC)
		return -EPROTO;
	if (m->h.version != VSR_VERSION)
		return -EPROTONOSUPPORT;
	if (vsr_crc32c(~0u, p + 4, VSR_HDR_SIZE - 4) != m->h.hdr_csum)
		return -EBADMSG;
	if (m->h.size != len)
		return -EINVAL;
	if (m->h.cluster != cluster)
		return -EXDEV;
	m->body = p + VSR_HDR_SIZE;
	m->body_len = len - VSR_HDR_SIZE;
	if (m->h.command == VSR_CMD_PREPARE ? m->h.body_csum != 0 :
	    vsr_crc32c(~0u, m->body, m->body_len) != m->h.body_csum)
		return -EBADMSG;
	if (m->h.command < VSR_CMD_REQUEST || m->h.command > VSR_CMD_MAX ||
	    m->h.replica >= VSR_REPLICAS_MAX)
		return -EPROTO;
	if (m->h.commit > m->h.op && m->h.command != VSR_CMD_REQUEST &&
	    m->h.command != VSR_CMD_GETSTATE &&
	    m->h.command != VSR_CMD_RECOVERY)
		return -EPROTO;
	return vsr_check_body(m);
}
EXPORT_SYMBOL_IF_KUNIT(vsr_msg_decode);

/**
 * vsr_entry_iter_init() - start walking the entries of a decoded message
 * @it: iterator
 * @m: message validated by vsr_msg_decode()
 */
void vsr_entry_iter_init(struct vsr_entry_iter *it, const struct vsr_msg *m)
{
	it->p = m->entries;
	it->end = m->entries ? m->entries + m->entries_len : NULL;
}
EXPORT_SYMBOL_IF_KUNIT(vsr_entry_iter_init);

/**
 * vsr_entry_iter_next() - next entry of a validated message
 * @it: iterator
 * @e: entry metadata
 * @data: set to the entry's data inside the message
 *
 * Return: false when there are no more entries.
 */
bool vsr_entry_iter_next(struct vsr_entry_iter *it, struct vsr_entry_hdr *e,
			 const u8 **data)
{
	if (!it->p || it->p >= it->end)
		return false;
	vsr_entry_hdr_get(it->p, e);
	*data = it->p + VSR_ENTRY_HDR_SIZE;
	it->p += VSR_ENTRY_HDR_SIZE + e->len;
	return true;
}
EXPORT_SYMBOL_IF_KUNIT(vsr_entry_iter_next);
