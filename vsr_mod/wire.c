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
	struct vsr_wire_entry_hdr *w = (struct vsr_wire_entry_hdr *)p;

	put_unaligned_le64(e->op, &w->op);
	put_unaligned_le64(e->session, &w->session);
	put_unaligned_le64(e->request, &w->request);
	put_unaligned_le32(e->view, &w->view);
	put_unaligned_le32(e->len, &w->len);
	put_unaligned_le32(e->parent, &w->parent);
	w->type = e->type;
	memset(w->zero, 0, sizeof(w->zero));
	put_unaligned_le32(e->checksum, &w->checksum);
}
EXPORT_SYMBOL_IF_KUNIT(vsr_entry_hdr_put);

/**
 * vsr_entry_hdr_get() - decode an entry header (48 bytes)
 * @p: source, VSR_ENTRY_HDR_SIZE bytes
 * @e: decoded metadata
 */
void vsr_entry_hdr_get(const u8 *p, struct vsr_entry_hdr *e)
{
	const struct vsr_wire_entry_hdr *w = (const void *)p;

	e->op = get_unaligned_le64(&w->op);
	e->session = get_unaligned_le64(&w->session);
	e->request = get_unaligned_le64(&w->request);
	e->view = get_unaligned_le32(&w->view);
	e->len = get_unaligned_le32(&w->len);
	e->parent = get_unaligned_le32(&w->parent);
	e->type = w->type;
	e->checksum = get_unaligned_le32(&w->checksum);
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
	c = vsr_crc32c(~0u, b, offsetof(struct vsr_wire_entry_hdr, checksum));
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
	struct vsr_wire_hdr *w = (struct vsr_wire_hdr *)p;

	put_unaligned_le32(h->hdr_csum, &w->hdr_csum);
	put_unaligned_le32(h->body_csum, &w->body_csum);
	put_unaligned_le32(h->magic, &w->magic);
	put_unaligned_le16(h->version, &w->version);
	w->command = h->command;
	w->replica = h->replica;
	put_unaligned_le64(h->cluster, &w->cluster);
	put_unaligned_le32(h->epoch, &w->epoch);
	put_unaligned_le32(h->view, &w->view);
	put_unaligned_le64(h->op, &w->op);
	put_unaligned_le64(h->commit, &w->commit);
	put_unaligned_le32(h->size, &w->size);
	put_unaligned_le32(h->log_view, &w->log_view);
	put_unaligned_le32(h->head_csum, &w->head_csum);
	put_unaligned_le32(h->flags, &w->flags);
	put_unaligned_le64(h->arg0, &w->arg0);
	put_unaligned_le64(h->arg1, &w->arg1);
}
EXPORT_SYMBOL_IF_KUNIT(vsr_hdr_put);

/**
 * vsr_hdr_get() - decode a message header
 * @p: source, VSR_HDR_SIZE bytes
 * @h: decoded header
 */
void vsr_hdr_get(const u8 *p, struct vsr_hdr *h)
{
	const struct vsr_wire_hdr *w = (const void *)p;

	h->hdr_csum = get_unaligned_le32(&w->hdr_csum);
	h->body_csum = get_unaligned_le32(&w->body_csum);
	h->magic = get_unaligned_le32(&w->magic);
	h->version = get_unaligned_le16(&w->version);
	h->command = w->command;
	h->replica = w->replica;
	h->cluster = get_unaligned_le64(&w->cluster);
	h->epoch = get_unaligned_le32(&w->epoch);
	h->view = get_unaligned_le32(&w->view);
	h->op = get_unaligned_le64(&w->op);
	h->commit = get_unaligned_le64(&w->commit);
	h->size = get_unaligned_le32(&w->size);
	h->log_view = get_unaligned_le32(&w->log_view);
	h->head_csum = get_unaligned_le32(&w->head_csum);
	h->flags = get_unaligned_le32(&w->flags);
	h->arg0 = get_unaligned_le64(&w->arg0);
	h->arg1 = get_unaligned_le64(&w->arg1);
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
	struct vsr_wire_hdr *w = (struct vsr_wire_hdr *)buf;

	WARN_ON_ONCE(VSR_HDR_SIZE + body_len > VSR_MSG_BUILD_MAX);
	h->magic = VSR_MAGIC;
	if (h->command != VSR_CMD_HELLO && h->command != VSR_CMD_AUTH)
		h->version = VSR_WIRE_MAX;
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
	h->hdr_csum = vsr_crc32c(~0u, buf + VSR_HDR_CSUM_START,
				 VSR_HDR_SIZE - VSR_HDR_CSUM_START);
	put_unaligned_le32(h->hdr_csum, &w->hdr_csum);
	return h->size;
}
EXPORT_SYMBOL_IF_KUNIT(vsr_msg_seal);

/**
 * vsr_msg_set_csums() - fill in the checksums of a message again
 * @buf: a whole message (its header's size long), whose checksums are
 *	missing: an encrypted one, decrypted and authenticated (auth.c)
 *
 * As vsr_msg_seal() computes them, so that vsr_msg_decode() checks the
 * message as any other.
 */
void vsr_msg_set_csums(u8 *buf)
{
	struct vsr_wire_hdr *w = (struct vsr_wire_hdr *)buf;
	u32 size = vsr_wire_size(buf);

	put_unaligned_le32(w->command == VSR_CMD_PREPARE || size < VSR_HDR_SIZE ?
			   0 : vsr_crc32c(~0u, buf + VSR_HDR_SIZE,
					  size - VSR_HDR_SIZE),
			   &w->body_csum);
	put_unaligned_le32(vsr_crc32c(~0u, buf + VSR_HDR_CSUM_START,
				      VSR_HDR_SIZE - VSR_HDR_CSUM_START),
			   &w->hdr_csum);
}
EXPORT_SYMBOL_IF_KUNIT(vsr_msg_set_csums);

/**
 * vsr_hdr_restamp() - the header of a sealed message in another format
 * @dst: VSR_HDR_SIZE bytes for the new header
 * @src: a message sealed by vsr_msg_seal() (its body is not touched)
 * @version: wire format, VSR_WIRE_MIN..VSR_WIRE_MAX
 *
 * The core's commands have one layout in every format so far, so only the
 * version field and the header checksum change; @dst followed by the
 * original body is the message in @version.
 */
void vsr_hdr_restamp(u8 *dst, const u8 *src, u16 version)
{
	struct vsr_wire_hdr *w = (struct vsr_wire_hdr *)dst;

	memcpy(dst, src, VSR_HDR_SIZE);
	put_unaligned_le16(version, &w->version);
	put_unaligned_le32(vsr_crc32c(~0u, dst + VSR_HDR_CSUM_START,
				      VSR_HDR_SIZE - VSR_HDR_CSUM_START),
			   &w->hdr_csum);
}
EXPORT_SYMBOL_IF_KUNIT(vsr_hdr_restamp);

/**
 * vsr_hello_seal() - build a HELLO: the formats the sender speaks
 * @buf: at least VSR_HDR_SIZE bytes
 * @cluster: cluster id
 * @epoch: configuration epoch
 * @replica: the sender's index
 * @lo: oldest wire format the sender speaks
 * @hi: newest wire format the sender speaks
 * @cur: the format the sender sends the receiver
 * @flags: VSR_HELLO_DURABLE, VSR_HELLO_ASK or 0
 * @challenge: with VSR_HELLO_ASK, the challenge the answer must echo
 * @echo: the receiver's last challenge (0: none)
 *
 * Return: the message size, VSR_HDR_SIZE.
 */
size_t vsr_hello_seal(u8 *buf, u64 cluster, u32 epoch, u8 replica, u64 lo,
		      u64 hi, u64 cur, u32 flags, u32 challenge, u32 echo)
{
	struct vsr_hdr h = {
		.version = VSR_WIRE_HELLO,
		.command = VSR_CMD_HELLO,
		.replica = replica,
		.cluster = cluster,
		.epoch = epoch,
		.view = challenge,
		.log_view = echo,
		.op = cur,
		.arg0 = lo,
		.arg1 = hi,
		.flags = flags,
	};

	return vsr_msg_seal(buf, &h, 0);
}
EXPORT_SYMBOL_IF_KUNIT(vsr_hello_seal);

/**
 * vsr_auth_msg_seal() - build an AUTH (see enum vsr_command)
 * @buf: at least VSR_HDR_SIZE + VSR_AUTH_BODY_SIZE bytes
 * @cluster: cluster id
 * @epoch: configuration epoch
 * @replica: the sender's index
 * @nonce: the sender's incarnation nonce
 * @challenge: the sender's current challenge to the receiver
 * @echo: the receiver's challenge as the sender last heard it
 * @known: the receiver's nonce as the sender adopted it (zeros: none)
 * @features: the sender's VSR_AUTH_FEAT_* (arg0)
 *
 * Return: the message size.
 */
size_t vsr_auth_msg_seal(u8 *buf, u64 cluster, u32 epoch, u8 replica,
			 const u8 *nonce, const u8 *challenge, const u8 *echo,
			 const u8 *known, u64 features)
{
	struct vsr_hdr h = {
		.version = VSR_WIRE_HELLO,
		.command = VSR_CMD_AUTH,
		.replica = replica,
		.cluster = cluster,
		.epoch = epoch,
		.arg0 = features,
	};
	u8 *b = buf + VSR_HDR_SIZE;

	memcpy(b, nonce, VSR_AUTH_NONCE_SIZE);
	memcpy(b + VSR_AUTH_NONCE_SIZE, challenge, VSR_AUTH_NONCE_SIZE);
	memcpy(b + 2 * VSR_AUTH_NONCE_SIZE, echo, VSR_AUTH_NONCE_SIZE);
	memcpy(b + 3 * VSR_AUTH_NONCE_SIZE, known, VSR_AUTH_NONCE_SIZE);
	return vsr_msg_seal(buf, &h, VSR_AUTH_BODY_SIZE);
}
EXPORT_SYMBOL_IF_KUNIT(vsr_auth_msg_seal);

/**
 * vsr_reconfig_ok() - is @data (@len bytes) the data of a RECONFIG entry?
 * @data: the entry's data
 * @len: its length
 *
 * Return: true if it is well formed (members distinct is not checked).
 */
bool vsr_reconfig_ok(const u8 *data, u32 len)
{
	const struct vsr_wire_reconfig *w = (const void *)data;
	u32 count;

	if (len < VSR_RECONFIG_SIZE(1))
		return false;
	count = get_unaligned_le32(&w->count);
	return count && count <= VSR_REPLICAS_MAX &&
	       len == VSR_RECONFIG_SIZE(count) &&
	       get_unaligned_le32(&w->epoch);
}

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
		const struct vsr_wire_entry_hdr *w = (const void *)p;

		if (len < VSR_ENTRY_HDR_SIZE)
			return -EPROTO;
		vsr_entry_hdr_get(p, &e);
		if (e.len > VSR_RECORD_MAX ||
		    e.len > len - VSR_ENTRY_HDR_SIZE)
			return -EPROTO;
		if (e.type > VSR_OP_MAX || e.view > view)
			return -EPROTO;
		if (e.type == VSR_OP_RECONFIG &&
		    !vsr_reconfig_ok(p + VSR_ENTRY_HDR_SIZE, e.len))
			return -EPROTO;
		if (memchr_inv(w->zero, 0, sizeof(w->zero)))
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
	const struct vsr_wire_entry_hdr *first_entry = (const void *)m->body;
	struct vsr_entry_hdr last;
	const u8 *b = m->body;
	u32 len = m->body_len;
	u64 first;
	int err;

	switch (h->command) {
	case VSR_CMD_REQUEST:
		/* A change: the members' identities (epoch.c). */
		if (h->flags == VSR_OP_RECONFIG)
			return !len || len % VSR_MEMBER_ID_SIZE || h->arg0 ||
			       len > VSR_REPLICAS_MAX * VSR_MEMBER_ID_SIZE ?
			       -EPROTO : 0;
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
		first = get_unaligned_le64(&first_entry->op);
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
		/*
		 * Views start again at 0 in each epoch: a log beyond epoch 0
		 * holds older epochs' ops with any view.
		 */
		u32 view = h->epoch ? U32_MAX : h->view;

		if (h->flags & ~VSR_NS_CKPT)
			return -EPROTO;
		first = h->arg0;
		if (ckpt) {
			const struct vsr_wire_ckpt_hdr *c = (const void *)b;
			u32 count, clen;

			if (len < VSR_CKPT_HDR_SIZE)
				return -EPROTO;
			count = get_unaligned_le32(&c->count);
			if (count > VSR_SESSIONS_MAX ||
			    get_unaligned_le32(&c->zero))
				return -EPROTO;
			clen = VSR_CKPT_HDR_SIZE +
			       count * VSR_SESSION_WIRE_SIZE;
			if (clen > len)
				return -EPROTO;
			if (first != get_unaligned_le64(&c->op) + 1 ||
			    get_unaligned_le32(&c->view) > view)
				return -EPROTO;
			parent = get_unaligned_le32(&c->checksum);
			m->ckpt = b;
			m->ckpt_len = clen;
			b += clen;
			len -= clen;
		}
		if (!first)
			return -EPROTO;
		err = vsr_check_entries(b, len, view, first, ckpt, parent,
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
	case VSR_CMD_HELLO:
		/* Format 1 has no HELLO; a range must be one. */
		if (h->version < VSR_WIRE_HELLO || !h->arg0 ||
		    h->arg0 > h->arg1 || h->arg1 > U8_MAX || !h->op ||
		    h->op > U8_MAX || h->commit)
			return -EPROTO;
		return (len || (h->flags & ~(VSR_HELLO_DURABLE | VSR_HELLO_ASK))) ?
		       -EPROTO : 0;
	case VSR_CMD_AUTH:
		if (h->version < VSR_WIRE_HELLO || h->op || h->commit ||
		    h->flags)
			return -EPROTO;
		return len == VSR_AUTH_BODY_SIZE ? 0 : -EPROTO;
	case VSR_CMD_STARTVIEWCHANGE:
		if (h->flags & ~(VSR_SVC_ENTERED | VSR_SVC_CONFIRM) ||
		    h->flags == VSR_SVC_CONFIRM)
			return -EPROTO;
		return len ? -EPROTO : 0;
	case VSR_CMD_EPOCH:
		/* A learner's request: where it is, and who. */
		if (h->flags == (VSR_EPOCH_JOINING | VSR_EPOCH_LEARN))
			return h->op || h->commit || !h->arg0 || !h->arg1 ||
			       len != VSR_MEMBER_ID_SIZE ? -EPROTO : 0;
		/* A joining replica's request: no epoch, nothing to name. */
		if (h->flags & VSR_EPOCH_JOINING)
			return h->flags != VSR_EPOCH_JOINING || h->epoch ||
			       h->op || h->commit || len ? -EPROTO : 0;
		/* An invitation to learn: a notice, of epoch 0 too. */
		if (h->flags == VSR_EPOCH_LEARN) {
			if (!h->epoch != !h->op || h->commit < h->op)
				return -EPROTO;
		} else if (!h->epoch || (h->flags & ~VSR_EPOCH_REMOVED) ||
			   (h->commit && h->commit < h->op)) {
			return -EPROTO;
		}
		if (!h->op)
			return len ? -EPROTO : 0;
		/* The RECONFIG at op, which starts the sender's epoch. */
		err = vsr_check_entries(b, len, U32_MAX, h->op, false, 0,
					&m->nr_entries, &last);
		if (err)
			return err;
		if (m->nr_entries != 1 || last.type != VSR_OP_RECONFIG ||
		    last.checksum != h->head_csum ||
		    get_unaligned_le32(b + VSR_ENTRY_HDR_SIZE) != h->epoch)
			return -EPROTO;
		m->entries = b;
		m->entries_len = len;
		return 0;
	case VSR_CMD_ANSWER:
		if (!h->arg1 || h->flags >= VSR_REPLICAS_MAX ||
		    !((h->arg0 >= VSR_ANSWER_QUORUM &&
		       h->arg0 <= VSR_ANSWER_BEHIND) ||
		      (h->arg0 >= VSR_ANSWER_REFUSED &&
		       h->arg0 <= VSR_ANSWER_MAX)))
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
	if (m->h.version < VSR_WIRE_MIN || m->h.version > VSR_WIRE_MAX)
		return -EPROTONOSUPPORT;
	if (vsr_crc32c(~0u, p + VSR_HDR_CSUM_START,
		       VSR_HDR_SIZE - VSR_HDR_CSUM_START) != m->h.hdr_csum)
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
	if (m->h.command < VSR_CMD_REQUEST ||
	    (m->h.command > VSR_CMD_MAX && m->h.command != VSR_CMD_HELLO &&
	     m->h.command != VSR_CMD_AUTH && m->h.command != VSR_CMD_EPOCH &&
	     m->h.command != VSR_CMD_ANSWER) ||
	    m->h.replica >= VSR_REPLICAS_MAX)
		return -EPROTO;
	if (m->h.commit > m->h.op && m->h.command != VSR_CMD_REQUEST &&
	    m->h.command != VSR_CMD_GETSTATE &&
	    m->h.command != VSR_CMD_RECOVERY &&
	    m->h.command != VSR_CMD_EPOCH)
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
