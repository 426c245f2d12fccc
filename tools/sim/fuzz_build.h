/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fuzz_build.h - a valid PREPARE or NEWSTATE, entries and all, from fuzzer
 * input: for the harnesses (fuzz.c, fuzz_auth.c) to reach past the
 * checksums into the body and entry validation.
 */
#ifndef _VSR_FUZZ_BUILD_H
#define _VSR_FUZZ_BUILD_H

#include "wire.h"

#define CLUSTER 0x5eed5eed5eed5eedULL

/*
 * fuzz_build() - a message from @n bytes of input @in (at least 8)
 * @buf: VSR_MSG_MAX bytes
 *
 * in[1] picks the command and the replica, in[2] the view, in[3] the
 * first op, in[4] the parent checksum, in[5] a checkpoint; each 3 more
 * bytes are an entry.  If in[0] & 4, one byte of the body is flipped
 * after the entries are checksummed (and before the body checksum).
 *
 * Return: the message's length, 0 if @n is too short.
 */
static size_t fuzz_build(u8 *buf, const uint8_t *in, size_t n)
{
	size_t off = VSR_HDR_SIZE, i = 6;
	struct vsr_entry_hdr e;
	struct vsr_hdr h;
	u32 parent;
	u64 op;

	if (n < 8)
		return 0;
	memset(&h, 0, sizeof(h));
	h.command = (in[1] & 1) ? VSR_CMD_PREPARE : VSR_CMD_NEWSTATE;
	h.replica = in[1] >> 4;
	h.cluster = CLUSTER;
	h.view = in[2];
	op = 1 + in[3];
	parent = in[4] * 0x01010101u;
	h.arg0 = op;
	if (h.command == VSR_CMD_NEWSTATE && (in[5] & 1)) {
		struct vsr_wire_ckpt_hdr *c = (void *)(buf + off);
		u32 count = (in[5] >> 1) & 7;

		h.flags = VSR_NS_CKPT;
		put_unaligned_le64(op - 1, &c->op);
		put_unaligned_le32(in[2] / 2, &c->view);
		put_unaligned_le32(parent, &c->checksum);
		put_unaligned_le32(count, &c->count);
		put_unaligned_le32(0, &c->zero);
		off += VSR_CKPT_HDR_SIZE;
		for (u32 k = 0; k < count * VSR_SESSION_WIRE_SIZE; k++)
			buf[off++] = i < n ? in[i++] : (u8)k;
	}
	while (i + 3 <= n && off + VSR_ENTRY_HDR_SIZE + 600 < VSR_MSG_MAX) {
		memset(&e, 0, sizeof(e));
		e.op = op++;
		e.len = in[i] | (in[i + 1] & 1) << 8;
		e.type = in[i + 2] & 3;
		e.view = in[2] ? in[i + 2] % (in[2] + 1) : 0;
		e.session = in[i] ^ in[i + 2];
		e.request = i;
		e.parent = parent;
		i += 3;
		for (u32 k = 0; k < e.len; k++)
			buf[off + VSR_ENTRY_HDR_SIZE + k] = k;
		e.checksum = vsr_entry_checksum(&e, buf + off +
						VSR_ENTRY_HDR_SIZE);
		vsr_entry_hdr_put(buf + off, &e);
		off += VSR_ENTRY_HDR_SIZE + e.len;
		parent = e.checksum;
		h.op = e.op;
		h.head_csum = e.checksum;
	}
	if (!h.op)
		h.op = op - 1;
	h.commit = h.op / 2;
	/* One corruption the checksums will not catch. */
	if (in[0] & 4)
		buf[VSR_HDR_SIZE + (in[6] | in[7] << 8) %
		    (off - VSR_HDR_SIZE + 1)] ^= 1 + (in[5] >> 4);
	return vsr_msg_seal(buf, &h, off - VSR_HDR_SIZE);
}

#endif /* _VSR_FUZZ_BUILD_H */
