// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness for the vsr message decoders.
 *
 * Byte 0 picks a mode: even = decode the rest as is; odd = first repair
 * magic, version, size, cluster and both checksums, so that the fuzzer
 * reaches the body and entry validation.  A message that decodes is then
 * walked entry by entry and re-checked: every entry lies inside the buffer,
 * ops are consecutive, the chain and each checksum hold.
 */
#include "wire.h"
#include "client_table.h"

#define CLUSTER 0x5eed5eed5eed5eedULL

static size_t build(u8 *buf, const uint8_t *in, size_t n)
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static u8 buf[VSR_MSG_MAX + 64];
	struct vsr_entry_iter it;
	struct vsr_entry_hdr e;
	struct vsr_msg m;
	const u8 *d, *end;
	u64 prev = 0;
	size_t len;
	u8 *copy;

	if (!size)
		return 0;
	len = size - 1;
	if (len > sizeof(buf))
		len = sizeof(buf);
	memcpy(buf, data + 1, len);
	if (data[0] & 2) {
		len = build(buf, data, size);
	} else if ((data[0] & 1) && len >= VSR_HDR_SIZE &&
		   len <= VSR_MSG_MAX) {
		struct vsr_hdr h;

		vsr_hdr_get(buf, &h);
		h.cluster = CLUSTER;
		vsr_msg_seal(buf, &h, len - VSR_HDR_SIZE);
	}
	/* Exact-size heap copy: any over-read is an ASan report. */
	copy = malloc(len ? len : 1);
	memcpy(copy, buf, len);
	if (vsr_msg_decode(copy, len, CLUSTER, &m) == 0) {
		end = copy + len;
		if (m.body + m.body_len != end)
			abort();
		vsr_entry_iter_init(&it, &m);
		while (vsr_entry_iter_next(&it, &e, &d)) {
			if (d < copy || d + e.len > end || e.len > VSR_RECORD_MAX)
				abort();
			if (prev && e.op != prev + 1)
				abort();
			if (vsr_entry_checksum(&e, d) != e.checksum)
				abort();
			prev = e.op;
		}
		if (m.ckpt) {
			const struct vsr_wire_ckpt_hdr *c = (const void *)m.ckpt;
			u32 count = get_unaligned_le32(&c->count);
			struct vsr_client_table ct;

			if (m.ckpt + m.ckpt_len > end)
				abort();
			if (!vsr_ct_init(&ct, VSR_SESSIONS_MAX, GFP_KERNEL)) {
				vsr_ct_decode(&ct, m.ckpt + VSR_CKPT_HDR_SIZE,
					      count);
				vsr_ct_destroy(&ct);
			}
		}
	}
	free(copy);
	return 0;
}
