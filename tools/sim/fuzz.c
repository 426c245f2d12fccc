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
#include "fuzz.h"
#include "fuzz_build.h"

static unsigned long long fuzz_inputs, fuzz_decoded;

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
		len = fuzz_build(buf, data, size);
	} else if ((data[0] & 1) && len >= VSR_HDR_SIZE &&
		   len <= VSR_MSG_BUILD_MAX) {
		struct vsr_hdr h;

		vsr_hdr_get(buf, &h);
		h.cluster = CLUSTER;
		vsr_msg_seal(buf, &h, len - VSR_HDR_SIZE);
	}
	/* Exact-size heap copy: any over-read is an ASan report. */
	copy = malloc(len ? len : 1);
	memcpy(copy, buf, len);
	fuzz_inputs++;
	if (vsr_msg_decode(copy, len, CLUSTER, &m) == 0) {
		fuzz_decoded++;
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

void fuzz_report(void)
{
	printf("decoded %llu of %llu\n", fuzz_decoded, fuzz_inputs);
}
