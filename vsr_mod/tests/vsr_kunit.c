// SPDX-License-Identifier: GPL-2.0
/*
 * vsr_kunit.c - KUnit suites for the vsr protocol core: wire format,
 * hash chain, log, client table, quorum behaviour, the regression scenario
 * for the 2012 paper's state-transfer defect, and the seeded cluster
 * simulator.  Built into vsr_test.ko; also runs natively (tools/sim/unit.c).
 *
 * Module parameters (vsr_test.<name>=...):
 *   sim_seeds  seeds to run (default 4000)
 *   sim_start  first seed (default 1)
 *   sim_seed   run only this seed (replay), with sim_trace=1 for a trace
 *   sim_ticks  fault-phase ticks per seed (default 40)
 *   sim_chunk  seeds per parameterised KUnit case (default 50)
 *   sim_swarm  swarm testing: each seed enables a random subset of the
 *              fault kinds (default 1; 0 enables them all)
 */
/* The summary line is grepped for: print it without a module prefix. */
#undef pr_fmt
#define pr_fmt(fmt) fmt

#ifdef __KERNEL__
#include <kunit/test.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#else
#include <kunit/test.h>
#endif
#include "sim.h"
#include "../link.h"

static unsigned int sim_seeds = 4000;
static unsigned long long sim_start = 1;
static unsigned long long sim_seed;
static bool sim_trace;
static unsigned int sim_ticks = 40;
static unsigned int sim_chunk = 50;
static bool sim_swarm = true;
module_param(sim_seeds, uint, 0444);
MODULE_PARM_DESC(sim_seeds, "simulator seeds per run");
module_param(sim_start, ullong, 0444);
MODULE_PARM_DESC(sim_start, "first simulator seed");
module_param(sim_seed, ullong, 0444);
MODULE_PARM_DESC(sim_seed, "replay this single seed");
module_param(sim_trace, bool, 0444);
MODULE_PARM_DESC(sim_trace, "trace the simulated cluster");
module_param(sim_chunk, uint, 0444);
MODULE_PARM_DESC(sim_chunk, "seeds per KUnit case");
module_param(sim_ticks, uint, 0444);
MODULE_PARM_DESC(sim_ticks, "fault-phase ticks per seed");
module_param(sim_swarm, bool, 0444);
MODULE_PARM_DESC(sim_swarm, "per-seed random subset of fault kinds");

#define TEST_CLUSTER	0x1234abcd5678ef01ULL

/* ---- wire ------------------------------------------------------------- */

static u8 *msg_buf(struct kunit *test)
{
	u8 *b = kvmalloc(VSR_MSG_MAX + 16, GFP_KERNEL);

	KUNIT_EXPECT_NOT_NULL(test, b);
	if (b)
		memset(b, 0, VSR_MSG_MAX + 16);
	return b;
}

static void hdr_defaults(struct vsr_hdr *h, u8 cmd)
{
	memset(h, 0, sizeof(*h));
	h->command = cmd;
	h->replica = 1;
	h->cluster = TEST_CLUSTER;
	h->view = 7;
	h->op = 10;
	h->commit = 9;
	h->log_view = 7;
}

/* Decode from an exact-size heap copy, so over-reads hit KASAN/ASan. */
static int decode_exact(const u8 *buf, size_t len, struct vsr_msg *m)
{
	u8 *copy = kvmalloc(len ? len : 1, GFP_KERNEL);
	int err;

	if (!copy)
		return -ENOMEM;
	memcpy(copy, buf, len);
	err = vsr_msg_decode(copy, len, TEST_CLUSTER, m);
	kvfree(copy);
	return err;
}

/* Build a PREPARE with @n chained entries of @len bytes each. */
static size_t build_prepare(u8 *buf, u32 n, u32 len, u32 parent)
{
	struct vsr_entry_hdr e;
	size_t off = VSR_HDR_SIZE;
	struct vsr_hdr h;
	u32 i;

	hdr_defaults(&h, VSR_CMD_PREPARE);
	h.commit = 4;
	for (i = 0; i < n; i++) {
		memset(&e, 0, sizeof(e));
		e.op = 5 + i;
		e.session = 3;
		e.request = 100 + i;
		e.view = 7;
		e.len = len;
		e.type = VSR_OP_DATA;
		e.parent = parent;
		memset(buf + off + VSR_ENTRY_HDR_SIZE, 'a' + i, len);
		e.checksum = vsr_entry_checksum(&e, buf + off +
						VSR_ENTRY_HDR_SIZE);
		vsr_entry_hdr_put(buf + off, &e);
		parent = e.checksum;
		off += VSR_ENTRY_HDR_SIZE + len;
		h.op = e.op;
		h.head_csum = e.checksum;
	}
	return vsr_msg_seal(buf, &h, off - VSR_HDR_SIZE);
}

static void vsr_wire_crc32c_vector(struct kunit *test)
{
	/* The standard crc32c check value. */
	KUNIT_EXPECT_EQ(test, ~vsr_crc32c(~0u, "123456789", 9), 0xE3069283u);
	KUNIT_EXPECT_NE(test, vsr_chain_root(1), vsr_chain_root(2));
}

static void vsr_wire_roundtrip(struct kunit *test)
{
	static const u8 cmds[] = {
		VSR_CMD_PREPAREOK, VSR_CMD_COMMIT, VSR_CMD_STARTVIEWCHANGE,
		VSR_CMD_DOVIEWCHANGE, VSR_CMD_STARTVIEW, VSR_CMD_GETSTATE,
		VSR_CMD_RECOVERY, VSR_CMD_RECOVERYRESPONSE,
	};
	struct vsr_entry_iter it;
	struct vsr_entry_hdr e;
	const u8 *data;
	struct vsr_msg m;
	struct vsr_hdr h;
	u8 *buf = msg_buf(test);
	size_t len;
	u32 i;

	if (!buf)
		return;
	for (i = 0; i < ARRAY_SIZE(cmds); i++) {
		hdr_defaults(&h, cmds[i]);
		h.arg0 = 0x1122334455667788ULL;
		h.arg1 = 42;
		len = vsr_msg_seal(buf, &h, 0);
		KUNIT_EXPECT_EQ(test, len, (size_t)VSR_HDR_SIZE);
		KUNIT_EXPECT_EQ(test, decode_exact(buf, len, &m), 0);
		KUNIT_EXPECT_EQ(test, m.h.command, cmds[i]);
		KUNIT_EXPECT_EQ(test, m.h.view, 7u);
		KUNIT_EXPECT_EQ(test, m.h.op, 10ull);
		KUNIT_EXPECT_EQ(test, m.h.commit, 9ull);
		KUNIT_EXPECT_EQ(test, m.h.arg0, 0x1122334455667788ULL);
		KUNIT_EXPECT_EQ(test, m.h.arg1, 42ull);
		KUNIT_EXPECT_EQ(test, m.h.replica, 1);
	}
	/* A request with a record. */
	hdr_defaults(&h, VSR_CMD_REQUEST);
	h.flags = VSR_OP_DATA;
	h.arg0 = 5;
	h.arg1 = 6;
	memset(buf + VSR_HDR_SIZE, 0x5a, 1000);
	len = vsr_msg_seal(buf, &h, 1000);
	KUNIT_EXPECT_EQ(test, decode_exact(buf, len, &m), 0);
	KUNIT_EXPECT_EQ(test, m.body_len, 1000u);
	/* A batch of entries. */
	len = build_prepare(buf, 5, 300, 77);
	KUNIT_EXPECT_EQ(test, vsr_msg_decode(buf, len, TEST_CLUSTER, &m), 0);
	KUNIT_EXPECT_EQ(test, m.nr_entries, 5u);
	vsr_entry_iter_init(&it, &m);
	for (i = 0; vsr_entry_iter_next(&it, &e, &data); i++) {
		KUNIT_EXPECT_EQ(test, e.op, 5ull + i);
		KUNIT_EXPECT_EQ(test, e.len, 300u);
		KUNIT_EXPECT_EQ(test, data[0], 'a' + i);
	}
	KUNIT_EXPECT_EQ(test, i, 5u);
	/* The largest record fits a datagram, with room for a MAC trailer. */
	len = build_prepare(buf, 1, VSR_RECORD_MAX, 0);
	KUNIT_EXPECT_LE(test, len, (size_t)VSR_MSG_BUILD_MAX);
	KUNIT_EXPECT_EQ(test, decode_exact(buf, len, &m), 0);
	kvfree(buf);
}

/*
 * The wire bytes, pinned: every field of a header and of an entry header
 * holds a distinct pattern, so a field at the wrong offset, of the wrong
 * width or in the wrong byte order changes these bytes.
 */
static void vsr_wire_layout(struct kunit *test)
{
	static const u8 hdr_bytes[VSR_HDR_SIZE] = {
		0xe8, 0xd7, 0x2a, 0x61, 0xff, 0xff, 0xff, 0xff,
		0x56, 0x53, 0x52, 0x31, 0x01, 0x00, 0x06, 0x02,
		0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01,
		0x14, 0x13, 0x12, 0x11, 0x24, 0x23, 0x22, 0x21,
		0x38, 0x37, 0x36, 0x35, 0x34, 0x33, 0x32, 0x31,
		0x37, 0x37, 0x36, 0x35, 0x34, 0x33, 0x32, 0x31,
		0x50, 0x00, 0x00, 0x00, 0x44, 0x43, 0x42, 0x41,
		0x54, 0x53, 0x52, 0x51, 0x64, 0x63, 0x62, 0x61,
		0x78, 0x77, 0x76, 0x75, 0x74, 0x73, 0x72, 0x71,
		0x88, 0x87, 0x86, 0x85, 0x84, 0x83, 0x82, 0x81,
	};
	static const u8 entry_bytes[VSR_ENTRY_HDR_SIZE] = {
		0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01,
		0x18, 0x17, 0x16, 0x15, 0x14, 0x13, 0x12, 0x11,
		0x28, 0x27, 0x26, 0x25, 0x24, 0x23, 0x22, 0x21,
		0x34, 0x33, 0x32, 0x31, 0x03, 0x00, 0x00, 0x00,
		0x44, 0x43, 0x42, 0x41, 0x02, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00, 0x43, 0x9e, 0xed, 0x30,
	};
	struct vsr_entry_hdr e, e2;
	struct vsr_hdr h, h2;
	u8 buf[VSR_HDR_SIZE + 1];
	u8 v1[VSR_HDR_SIZE], v2[VSR_HDR_SIZE];

	memset(&h, 0, sizeof(h));
	h.command = VSR_CMD_DOVIEWCHANGE;
	h.replica = 2;
	h.cluster = 0x0102030405060708ULL;
	h.epoch = 0x11121314;
	h.view = 0x21222324;
	h.op = 0x3132333435363738ULL;
	h.commit = 0x3132333435363737ULL;
	h.log_view = 0x41424344;
	h.head_csum = 0x51525354;
	h.flags = 0x61626364;
	h.arg0 = 0x7172737475767778ULL;
	h.arg1 = 0x8182838485868788ULL;
	/* At an odd address: the encoders must not assume alignment. */
	KUNIT_EXPECT_EQ(test, vsr_msg_seal(buf + 1, &h, 0),
			(size_t)VSR_HDR_SIZE);
	/* Sealed in format 2: only the version and the checksum differ. */
	KUNIT_EXPECT_EQ(test, memcmp(buf + 1, "\xa5\xbb\x01\x45", 4), 0);
	KUNIT_EXPECT_EQ(test, buf[1 + 12], 2);
	KUNIT_EXPECT_EQ(test, memcmp(buf + 1 + 4, hdr_bytes + 4, 8), 0);
	KUNIT_EXPECT_EQ(test, memcmp(buf + 1 + 13, hdr_bytes + 13,
				     VSR_HDR_SIZE - 13), 0);
	vsr_hdr_get(buf + 1, &h2);
	KUNIT_EXPECT_EQ(test, memcmp(&h, &h2, sizeof(h)), 0);
	/* Format 1 is frozen: restamped, these are its bytes exactly. */
	vsr_hdr_restamp(v1, buf + 1, 1);
	KUNIT_EXPECT_EQ(test, memcmp(v1, hdr_bytes, VSR_HDR_SIZE), 0);
	vsr_hdr_restamp(v2, v1, 2);
	KUNIT_EXPECT_EQ(test, memcmp(v2, buf + 1, VSR_HDR_SIZE), 0);

	memset(&e, 0, sizeof(e));
	e.op = 0x0102030405060708ULL;
	e.session = 0x1112131415161718ULL;
	e.request = 0x2122232425262728ULL;
	e.view = 0x31323334;
	e.len = 3;
	e.parent = 0x41424344;
	e.type = VSR_OP_DATA;
	e.checksum = vsr_entry_checksum(&e, "abc");
	vsr_entry_hdr_put(buf + 1, &e);
	KUNIT_EXPECT_EQ(test, memcmp(buf + 1, entry_bytes,
				     VSR_ENTRY_HDR_SIZE), 0);
	vsr_entry_hdr_get(buf + 1, &e2);
	KUNIT_EXPECT_EQ(test, e2.op, e.op);
	KUNIT_EXPECT_EQ(test, e2.session, e.session);
	KUNIT_EXPECT_EQ(test, e2.request, e.request);
	KUNIT_EXPECT_EQ(test, e2.view, e.view);
	KUNIT_EXPECT_EQ(test, e2.len, e.len);
	KUNIT_EXPECT_EQ(test, e2.parent, e.parent);
	KUNIT_EXPECT_EQ(test, e2.type, e.type);
	KUNIT_EXPECT_EQ(test, e2.checksum, e.checksum);
}

/* Re-seal after tampering so that only the tampered rule can reject. */
static void reseal(u8 *buf, size_t len)
{
	struct vsr_hdr h;

	vsr_hdr_get(buf, &h);
	vsr_msg_seal(buf, &h, len - VSR_HDR_SIZE);
}

/*
 * Build an EPOCH notice of epoch 3 started by a RECONFIG at op 9 with
 * @count members; @epoch goes in the RECONFIG's data.
 */
static size_t build_notice(u8 *buf, u32 count, u32 epoch)
{
	u8 *d = buf + VSR_HDR_SIZE + VSR_ENTRY_HDR_SIZE;
	struct vsr_entry_hdr e;
	struct vsr_hdr h;
	u32 i;

	hdr_defaults(&h, VSR_CMD_EPOCH);
	h.epoch = 3;
	h.commit = 0;
	memset(&e, 0, sizeof(e));
	e.op = 9;
	e.view = 70000;
	e.request = 5;
	e.type = VSR_OP_RECONFIG;
	e.parent = 0x1234;
	e.len = VSR_RECONFIG_SIZE(count);
	memset(d, 0, e.len);
	put_unaligned_le32(epoch, d);
	put_unaligned_le32(count, d + 4);
	for (i = 0; i < count; i++)
		put_unaligned_le64(100 + i, d + VSR_RECONFIG_SIZE(i));
	e.checksum = vsr_entry_checksum(&e, d);
	vsr_entry_hdr_put(buf + VSR_HDR_SIZE, &e);
	h.op = e.op;
	h.head_csum = e.checksum;
	return vsr_msg_seal(buf, &h, VSR_ENTRY_HDR_SIZE + e.len);
}

/* A notice carries exactly the RECONFIG that started its epoch. */
static void vsr_wire_epoch_notice(struct kunit *test)
{
	u8 *buf = msg_buf(test);
	struct vsr_hdr h;
	struct vsr_msg m;
	size_t len, i;

	if (!buf)
		return;
	len = build_notice(buf, 5, 3);
	KUNIT_ASSERT_EQ(test, decode_exact(buf, len, &m), 0);
	KUNIT_EXPECT_EQ(test, m.nr_entries, 1u);
	KUNIT_EXPECT_EQ(test, m.entries_len, (u32)(len - VSR_HDR_SIZE));
	for (i = VSR_HDR_SIZE; i < len; i++)
		KUNIT_EXPECT_NE(test, decode_exact(buf, i, &m), 0);
	/* A removed sender's flag; how far the sender got, at least k. */
	vsr_hdr_get(buf, &h);
	h.flags = VSR_EPOCH_REMOVED;
	h.commit = h.op + 40;
	len = vsr_msg_seal(buf, &h, len - VSR_HDR_SIZE);
	KUNIT_EXPECT_EQ(test, decode_exact(buf, len, &m), 0);
	h.commit = h.op - 1;
	len = vsr_msg_seal(buf, &h, len - VSR_HDR_SIZE);
	KUNIT_EXPECT_EQ(test, decode_exact(buf, len, &m), -EPROTO);
	h.commit = 0;
	h.flags = 0x2;
	len = vsr_msg_seal(buf, &h, len - VSR_HDR_SIZE);
	KUNIT_EXPECT_EQ(test, decode_exact(buf, len, &m), -EPROTO);
	/* The op starts another epoch than the header's. */
	len = build_notice(buf, 5, 4);
	KUNIT_EXPECT_EQ(test, decode_exact(buf, len, &m), -EPROTO);
	/* 17 members. */
	len = build_notice(buf, VSR_REPLICAS_MAX + 1, 3);
	KUNIT_EXPECT_EQ(test, decode_exact(buf, len, &m), -EPROTO);
	/* The header names another checksum, or another op. */
	len = build_notice(buf, 2, 3);
	vsr_hdr_get(buf, &h);
	h.head_csum ^= 1;
	len = vsr_msg_seal(buf, &h, len - VSR_HDR_SIZE);
	KUNIT_EXPECT_EQ(test, decode_exact(buf, len, &m), -EPROTO);
	h.head_csum ^= 1;
	h.op = 10;
	len = vsr_msg_seal(buf, &h, len - VSR_HDR_SIZE);
	KUNIT_EXPECT_NE(test, decode_exact(buf, len, &m), 0);
	/* Op 0 (a request for the receiver's notice) has no body. */
	h.op = 0;
	h.head_csum = 0;
	len = vsr_msg_seal(buf, &h, len - VSR_HDR_SIZE);
	KUNIT_EXPECT_EQ(test, decode_exact(buf, len, &m), -EPROTO);
	len = vsr_msg_seal(buf, &h, 0);
	KUNIT_EXPECT_EQ(test, decode_exact(buf, len, &m), 0);
	/*
	 * A joining replica's request: epoch 0, op 0, nothing else; epoch 0
	 * is no notice's without the flag.
	 */
	h.flags = VSR_EPOCH_JOINING;
	h.epoch = 0;
	len = vsr_msg_seal(buf, &h, 0);
	KUNIT_EXPECT_EQ(test, decode_exact(buf, len, &m), 0);
	h.flags = 0;
	len = vsr_msg_seal(buf, &h, 0);
	KUNIT_EXPECT_EQ(test, decode_exact(buf, len, &m), -EPROTO);
	h.flags = VSR_EPOCH_JOINING | VSR_EPOCH_REMOVED;
	len = vsr_msg_seal(buf, &h, 0);
	KUNIT_EXPECT_EQ(test, decode_exact(buf, len, &m), -EPROTO);
	h.flags = VSR_EPOCH_JOINING;
	h.epoch = 3;
	len = vsr_msg_seal(buf, &h, 0);
	KUNIT_EXPECT_EQ(test, decode_exact(buf, len, &m), -EPROTO);
	h.epoch = 0;
	h.commit = 1;
	len = vsr_msg_seal(buf, &h, 0);
	KUNIT_EXPECT_EQ(test, decode_exact(buf, len, &m), -EPROTO);
	h.commit = 0;
	len = vsr_msg_seal(buf, &h, 8);
	KUNIT_EXPECT_EQ(test, decode_exact(buf, len, &m), -EPROTO);
	kvfree(buf);
}

static void vsr_wire_malformed(struct kunit *test)
{
	struct vsr_entry_hdr e;
	struct vsr_msg m;
	struct vsr_hdr h;
	u8 *buf = msg_buf(test);
	size_t len, i;

	if (!buf)
		return;
	len = build_prepare(buf, 3, 50, 0);
	KUNIT_ASSERT_EQ(test, decode_exact(buf, len, &m), 0);
	/* Every truncation. */
	for (i = 0; i < len; i++)
		KUNIT_EXPECT_NE(test, decode_exact(buf, i, &m), 0);
	KUNIT_EXPECT_EQ(test, decode_exact(buf, VSR_HDR_SIZE - 1, &m),
			-ENODATA);
	/* Longer than the size field, and oversized. */
	KUNIT_EXPECT_EQ(test, decode_exact(buf, len + 1, &m), -EINVAL);
	KUNIT_EXPECT_EQ(test, vsr_msg_decode(buf, VSR_MSG_MAX + 1,
					     TEST_CLUSTER, &m), -EMSGSIZE);
	/* Every single-bit flip anywhere. */
	for (i = 0; i < len * 8; i += 3) {
		buf[i / 8] ^= 1u << (i % 8);
		KUNIT_EXPECT_NE(test, decode_exact(buf, len, &m), 0);
		buf[i / 8] ^= 1u << (i % 8);
	}
	KUNIT_EXPECT_EQ(test, decode_exact(buf, len, &m), 0);
	/* Wrong cluster. */
	KUNIT_EXPECT_EQ(test, vsr_msg_decode(buf, len, TEST_CLUSTER + 1, &m),
			-EXDEV);
	/* Bad magic and version, with valid checksums. */
	vsr_put_le32(buf + 8, 0xdeadbeef);
	vsr_put_le32(buf, vsr_crc32c(~0u, buf + 4, VSR_HDR_SIZE - 4));
	KUNIT_EXPECT_EQ(test, decode_exact(buf, len, &m), -EPROTO);
	len = build_prepare(buf, 3, 50, 0);
	vsr_put_le16(buf + 12, VSR_WIRE_MAX + 1);
	vsr_put_le32(buf, vsr_crc32c(~0u, buf + 4, VSR_HDR_SIZE - 4));
	KUNIT_EXPECT_EQ(test, decode_exact(buf, len, &m), -EPROTONOSUPPORT);
	vsr_put_le16(buf + 12, VSR_WIRE_MIN - 1);
	vsr_put_le32(buf, vsr_crc32c(~0u, buf + 4, VSR_HDR_SIZE - 4));
	KUNIT_EXPECT_EQ(test, decode_exact(buf, len, &m), -EPROTONOSUPPORT);
	/* Unknown commands; bad sender index; commit beyond op. */
	len = build_prepare(buf, 3, 50, 0);
	buf[14] = VSR_CMD_MAX + 1;
	reseal(buf, len);
	KUNIT_EXPECT_EQ(test, decode_exact(buf, len, &m), -EPROTO);
	len = build_prepare(buf, 3, 50, 0);
	buf[14] = VSR_CMD_HELLO + 1;
	reseal(buf, len);
	KUNIT_EXPECT_EQ(test, decode_exact(buf, len, &m), -EPROTO);
	len = build_prepare(buf, 3, 50, 0);
	buf[15] = VSR_REPLICAS_MAX;
	reseal(buf, len);
	KUNIT_EXPECT_EQ(test, decode_exact(buf, len, &m), -EPROTO);
	len = build_prepare(buf, 3, 50, 0);
	vsr_put_le64(buf + 40, 1000);
	reseal(buf, len);
	KUNIT_EXPECT_EQ(test, decode_exact(buf, len, &m), -EPROTO);
	/* Broken chain: second entry's parent. */
	len = build_prepare(buf, 3, 50, 0);
	i = VSR_HDR_SIZE + VSR_ENTRY_HDR_SIZE + 50;
	vsr_entry_hdr_get(buf + i, &e);
	e.parent ^= 1;
	e.checksum = vsr_entry_checksum(&e, buf + i + VSR_ENTRY_HDR_SIZE);
	vsr_entry_hdr_put(buf + i, &e);
	reseal(buf, len);
	KUNIT_EXPECT_EQ(test, decode_exact(buf, len, &m), -EPROTO);
	/* Entry checksum wrong (message checksums right). */
	len = build_prepare(buf, 3, 50, 0);
	buf[VSR_HDR_SIZE + VSR_ENTRY_HDR_SIZE + 3] ^= 0x40;
	reseal(buf, len);
	KUNIT_EXPECT_EQ(test, decode_exact(buf, len, &m), -EBADMSG);
	/* Entry length pointing past the body. */
	len = build_prepare(buf, 1, 50, 0);
	vsr_put_le32(buf + VSR_HDR_SIZE + 28, 51);
	reseal(buf, len);
	KUNIT_EXPECT_EQ(test, decode_exact(buf, len, &m), -EPROTO);
	vsr_put_le32(buf + VSR_HDR_SIZE + 28, 0xffffffff);
	reseal(buf, len);
	KUNIT_EXPECT_EQ(test, decode_exact(buf, len, &m), -EPROTO);
	/* Non-consecutive ops; trailing garbage after the entries. */
	len = build_prepare(buf, 2, 10, 0);
	vsr_put_le64(buf + VSR_HDR_SIZE + VSR_ENTRY_HDR_SIZE + 10, 9);
	reseal(buf, len);
	KUNIT_EXPECT_EQ(test, decode_exact(buf, len, &m), -EPROTO);
	len = build_prepare(buf, 2, 10, 0);
	reseal(buf, len + 5);
	KUNIT_EXPECT_EQ(test, decode_exact(buf, len + 5, &m), -EPROTO);
	/* Head checksum in the header must match the last entry. */
	len = build_prepare(buf, 2, 10, 0);
	vsr_put_le32(buf + 56, 1);
	reseal(buf, len);
	KUNIT_EXPECT_EQ(test, decode_exact(buf, len, &m), -EPROTO);
	/* A header-only command with a body; unknown flags. */
	hdr_defaults(&h, VSR_CMD_COMMIT);
	len = vsr_msg_seal(buf, &h, 4);
	KUNIT_EXPECT_EQ(test, decode_exact(buf, len, &m), -EPROTO);
	hdr_defaults(&h, VSR_CMD_COMMIT);
	h.flags = 8;
	len = vsr_msg_seal(buf, &h, 0);
	KUNIT_EXPECT_EQ(test, decode_exact(buf, len, &m), -EPROTO);
	/* Requests: bad type, data without session, oversized record. */
	hdr_defaults(&h, VSR_CMD_REQUEST);
	h.flags = VSR_OP_MAX + 1;
	len = vsr_msg_seal(buf, &h, 0);
	KUNIT_EXPECT_EQ(test, decode_exact(buf, len, &m), -EPROTO);
	hdr_defaults(&h, VSR_CMD_REQUEST);
	h.flags = VSR_OP_NOOP;
	len = vsr_msg_seal(buf, &h, 1);
	KUNIT_EXPECT_EQ(test, decode_exact(buf, len, &m), -EPROTO);
	hdr_defaults(&h, VSR_CMD_REQUEST);
	h.flags = VSR_OP_DATA;
	len = vsr_msg_seal(buf, &h, 10);
	KUNIT_EXPECT_EQ(test, decode_exact(buf, len, &m), -EPROTO);
	hdr_defaults(&h, VSR_CMD_REQUEST);
	h.flags = VSR_OP_DATA;
	h.arg0 = 1;
	len = vsr_msg_seal(buf, &h, VSR_RECORD_MAX + 1);
	KUNIT_EXPECT_EQ(test, decode_exact(buf, len, &m), -EPROTO);
	hdr_defaults(&h, VSR_CMD_REQUEST);
	h.flags = VSR_OP_REGISTER;
	len = vsr_msg_seal(buf, &h, 1);
	KUNIT_EXPECT_EQ(test, decode_exact(buf, len, &m), -EPROTO);
	/* NEWSTATE: checkpoint larger than the body, too many sessions. */
	hdr_defaults(&h, VSR_CMD_NEWSTATE);
	h.flags = VSR_NS_CKPT;
	h.arg0 = 5;
	vsr_put_le64(buf + VSR_HDR_SIZE, 4);
	vsr_put_le32(buf + VSR_HDR_SIZE + 16, 2);
	vsr_put_le32(buf + VSR_HDR_SIZE + 20, 0);
	len = vsr_msg_seal(buf, &h, VSR_CKPT_HDR_SIZE + 32);
	KUNIT_EXPECT_EQ(test, decode_exact(buf, len, &m), -EPROTO);
	len = vsr_msg_seal(buf, &h, VSR_CKPT_HDR_SIZE + 64);
	KUNIT_EXPECT_EQ(test, decode_exact(buf, len, &m), 0);
	vsr_put_le32(buf + VSR_HDR_SIZE + 16, VSR_SESSIONS_MAX + 1);
	len = vsr_msg_seal(buf, &h, VSR_CKPT_HDR_SIZE + 64);
	KUNIT_EXPECT_EQ(test, decode_exact(buf, len, &m), -EPROTO);
	kvfree(buf);
}

/*
 * Every wire format the module speaks decodes to the same message, and
 * HELLO is a format-2 message that only the glue reads.
 */
static void vsr_wire_versions(struct kunit *test)
{
	u8 *buf = msg_buf(test), *old = msg_buf(test);
	struct vsr_msg m, m1;
	size_t len;
	int err;
	u16 v;

	if (!buf || !old)
		goto out;
	len = build_prepare(buf, 3, 50, 0);
	err = decode_exact(buf, len, &m);
	KUNIT_EXPECT_EQ(test, err, 0);
	if (err)
		goto out;
	KUNIT_EXPECT_EQ(test, m.h.version, VSR_WIRE_MAX);
	for (v = VSR_WIRE_MIN; v <= VSR_WIRE_MAX; v++) {
		memcpy(old, buf, len);
		vsr_hdr_restamp(old, buf, v);
		KUNIT_EXPECT_EQ(test, decode_exact(old, len, &m1), 0);
		KUNIT_EXPECT_EQ(test, m1.h.version, v);
		KUNIT_EXPECT_EQ(test, m1.h.op, m.h.op);
		KUNIT_EXPECT_EQ(test, m1.nr_entries, m.nr_entries);
		KUNIT_EXPECT_EQ(test, m1.h.head_csum, m.h.head_csum);
	}
	/* A restamped header whose checksum was not redone is refused. */
	memcpy(old, buf, len);
	old[12] = 1;
	KUNIT_EXPECT_EQ(test, decode_exact(old, len, &m1), -EBADMSG);

	len = vsr_hello_seal(buf, TEST_CLUSTER, 0, 2, 1, 2, 1, 0, 0, 0);
	KUNIT_EXPECT_EQ(test, len, (size_t)VSR_HDR_SIZE);
	KUNIT_EXPECT_EQ(test, decode_exact(buf, len, &m), 0);
	KUNIT_EXPECT_EQ(test, m.h.command, VSR_CMD_HELLO);
	KUNIT_EXPECT_EQ(test, m.h.version, VSR_WIRE_HELLO);
	KUNIT_EXPECT_EQ(test, m.h.replica, 2);
	KUNIT_EXPECT_EQ(test, m.h.arg0, 1ULL);
	KUNIT_EXPECT_EQ(test, m.h.arg1, 2ULL);
	KUNIT_EXPECT_EQ(test, m.h.op, 1ULL);
	KUNIT_EXPECT_EQ(test, m.h.flags, 0);
	/* A durable sender says so; no other flag exists. */
	len = vsr_hello_seal(buf, TEST_CLUSTER, 0, 2, 1, 2, 1,
			     VSR_HELLO_DURABLE, 0, 0);
	KUNIT_EXPECT_EQ(test, decode_exact(buf, len, &m), 0);
	KUNIT_EXPECT_EQ(test, m.h.flags, VSR_HELLO_DURABLE);
	/* An ask carries a challenge, and every HELLO the last one echoed. */
	len = vsr_hello_seal(buf, TEST_CLUSTER, 0, 2, 1, 2, 1,
			     VSR_HELLO_DURABLE | VSR_HELLO_ASK, 0xdeadbeef,
			     0x1234567);
	KUNIT_EXPECT_EQ(test, decode_exact(buf, len, &m), 0);
	KUNIT_EXPECT_EQ(test, m.h.view, 0xdeadbeefU);
	KUNIT_EXPECT_EQ(test, m.h.log_view, 0x1234567U);
	len = vsr_hello_seal(buf, TEST_CLUSTER, 0, 2, 1, 2, 1, 4, 0, 0);
	KUNIT_EXPECT_EQ(test, decode_exact(buf, len, &m), -EPROTO);
	/* A range the sender may speak from a later version on. */
	len = vsr_hello_seal(buf, TEST_CLUSTER, 0, 2, 2, 200, 2, 0, 0, 0);
	KUNIT_EXPECT_EQ(test, decode_exact(buf, len, &m), 0);
	/* No HELLO in format 1, no empty range, no body. */
	vsr_hdr_restamp(old, buf, 1);
	KUNIT_EXPECT_EQ(test, decode_exact(old, len, &m), -EPROTO);
	len = vsr_hello_seal(buf, TEST_CLUSTER, 0, 2, 2, 1, 1, 0, 0, 0);
	KUNIT_EXPECT_EQ(test, decode_exact(buf, len, &m), -EPROTO);
	len = vsr_hello_seal(buf, TEST_CLUSTER, 0, 2, 0, 1, 1, 0, 0, 0);
	KUNIT_EXPECT_EQ(test, decode_exact(buf, len, &m), -EPROTO);
	/* The format sent to the receiver: 1..255. */
	len = vsr_hello_seal(buf, TEST_CLUSTER, 0, 2, 1, 2, 0, 0, 0, 0);
	KUNIT_EXPECT_EQ(test, decode_exact(buf, len, &m), -EPROTO);
	len = vsr_hello_seal(buf, TEST_CLUSTER, 0, 2, 1, 2, 1, 0, 0, 0);
	vsr_put_le32(buf + 48, VSR_HDR_SIZE + 8);
	reseal(buf, VSR_HDR_SIZE + 8);
	KUNIT_EXPECT_EQ(test, decode_exact(buf, VSR_HDR_SIZE + 8, &m),
			-EPROTO);
out:
	kvfree(old);
	kvfree(buf);
}

/*
 * The version negotiation of link.c between two replicas A and B, over a
 * network that loses, duplicates and reorders, with B restarted as a new
 * or an old module (cap 1: no HELLO, format 1 only) and caps changed live.
 * Once the network is clean and both send now and then, each side must
 * speak min(capA, capB) and stay there: no flapping, no stuck link, no
 * datagram dropped for its format, and no HELLO between equal modules.
 */
#define LT_MAX_FLIGHT	256

struct lt_dgram {
	u64 at;
	int to;
	struct vsr_hdr h;
};

struct lt_end {
	u8 cap;
	struct vsr_link link;
	u64 next_send;		/* next ordinary datagram */
	u32 every;		/* ... every this many ticks at most; 0: quiet */
	bool recovering;	/* restarted: RECOVERY until heard from */
};

struct lt_net {
	u64 rng;
	struct lt_dgram fl[LT_MAX_FLIGHT];
	u32 nr;
	u32 loss, dup, delay;	/* percent, percent, ticks */
	u32 drops_version, changes, hellos;
};

static u32 lt_rand(struct lt_net *n, u32 below)
{
	n->rng ^= n->rng << 13;
	n->rng ^= n->rng >> 7;
	n->rng ^= n->rng << 17;
	return below ? (u32)(n->rng % below) : 0;
}

static void lt_put(struct lt_net *n, int to, const struct vsr_hdr *h, u64 now)
{
	int copies = 1 + (lt_rand(n, 100) < n->dup);

	while (copies--) {
		if (lt_rand(n, 100) < n->loss || n->nr == LT_MAX_FLIGHT)
			continue;
		n->fl[n->nr].at = now + 1 + lt_rand(n, n->delay + 1);
		n->fl[n->nr].to = to;
		n->fl[n->nr].h = *h;
		n->nr++;
	}
}

static void lt_send(struct lt_net *n, struct lt_end *e, int to, u64 now,
		    bool hello, u8 cap)
{
	struct vsr_hdr h = { .command = VSR_CMD_COMMIT };

	if (hello) {
		h.command = VSR_CMD_HELLO;
		h.version = VSR_WIRE_HELLO;
		vsr_link_hello(&e->link, cap, now, &h.arg0, &h.arg1, &h.op);
		n->hellos++;
	} else {
		h.version = vsr_link_format(&e->link, e->cap);
	}
	lt_put(n, to, &h, now);
}

static void lt_restart(struct lt_net *n, struct lt_end *e, u8 cap)
{
	memset(&e->link, 0, sizeof(e->link));
	e->cap = cap;
	e->recovering = true;
}

static void lt_step(struct lt_net *n, struct lt_end *e, u64 now)
{
	u32 i = 0;
	bool hello;
	int ret;

	/* Deliver what is due, in any order the delays gave. */
	while (i < n->nr) {
		struct lt_dgram d = n->fl[i];
		struct lt_end *r = &e[d.to];
		u8 before;

		if (d.at > now) {
			i++;
			continue;
		}
		n->fl[i] = n->fl[--n->nr];
		before = vsr_link_format(&r->link, r->cap);
		ret = vsr_link_rx(&r->link, r->cap, &d.h, now, &hello);
		if (ret < 0) {
			n->drops_version++;
			continue;
		}
		r->recovering = false;
		if (hello)
			lt_send(n, r, !d.to, now, true, r->cap);
		if (vsr_link_format(&r->link, r->cap) != before)
			n->changes++;
	}
	for (i = 0; i < 2; i++) {
		struct lt_end *s = &e[i];

		if (s->recovering ? !(now % 5) : s->every && now >= s->next_send) {
			lt_send(n, s, !i, now, false, s->cap);
			s->next_send = now + 1 + lt_rand(n, s->every);
		}
		if (vsr_link_tick(&s->link, s->cap, now))
			lt_send(n, s, !i, now, true, s->cap);
	}
}

static void vsr_link_negotiation(struct kunit *test)
{
	u32 seed, bad = 0;

	for (seed = 1; seed <= 2000 && bad < 3; seed++) {
		struct lt_net *n = kzalloc(sizeof(*n), GFP_KERNEL);
		struct lt_end e[2] = {};
		u64 now, fault_end, end;
		u32 i, events;
		bool stale;
		u8 want;

		if (!n)
			break;
		n->rng = seed * 0x9e3779b97f4a7c15ULL;
		n->loss = lt_rand(n, 40);
		n->dup = lt_rand(n, 20);
		n->delay = lt_rand(n, 30);
		for (i = 0; i < 2; i++) {
			e[i].cap = 1 + lt_rand(n, 2);
			/*
			 * Busy, sparse, the heartbeat's pace, or quiet but
			 * for HELLO and recovery (two backups of an idle
			 * cluster).
			 */
			e[i].every = lt_rand(n, 3) ? 1 + lt_rand(n, 60) : 0;
			e[i].recovering = true;
		}
		fault_end = 500 + lt_rand(n, 2000);
		events = lt_rand(n, 4);
		for (now = 1; now < fault_end; now++) {
			/* Restarts (upgrade or rollback) and live cap changes. */
			if (events && !lt_rand(n, 300)) {
				struct lt_end *x = &e[lt_rand(n, 2)];
				u8 cap = 1 + lt_rand(n, 2);

				events--;
				if (lt_rand(n, 2)) {
					lt_restart(n, x, cap);
				} else {
					if (cap < x->cap)
						lt_send(n, x, x == e, now, true, cap);
					x->cap = cap;
				}
			}
			lt_step(n, e, now);
		}
		/* Clean network; both keep sending now and then. */
		n->loss = 0;
		n->dup = 0;
		n->delay = lt_rand(n, 3);
		for (i = 0; i < 2; i++)
			e[i].every = min_t(u32, e[i].every, 50);
		/*
		 * Only traffic tells a peer that a module was rolled back
		 * (it has no HELLO): the link to a quiet old module may stay
		 * newer than it, as protocol.rst says.
		 */
		stale = (!e[0].every && e[0].cap < VSR_WIRE_MAX) ||
			(!e[1].every && e[1].cap < VSR_WIRE_MAX);
		end = now + 2 * VSR_LINK_TRUST + 4 * VSR_LINK_HELLO_EVERY;
		for (; now < end; now++)
			lt_step(n, e, now);
		n->changes = 0;
		n->drops_version = 0;
		n->hellos = 0;
		end = now + 3 * VSR_LINK_HELLO_EVERY;
		for (; now < end; now++)
			lt_step(n, e, now);
		want = min(e[0].cap, e[1].cap);
		if (stale)
			goto next;
		if (vsr_link_format(&e[0].link, e[0].cap) != want ||
		    vsr_link_format(&e[1].link, e[1].cap) != want ||
		    n->changes || (e[0].cap == e[1].cap && n->hellos) ||
		    (want == VSR_WIRE_MAX && n->drops_version)) {
			bad++;
			KUNIT_FAIL(test, "seed %u: caps %u/%u speak %u/%u, at the end %u changes, %u HELLOs, %u version drops",
				   seed, e[0].cap, e[1].cap,
				   vsr_link_format(&e[0].link, e[0].cap),
				   vsr_link_format(&e[1].link, e[1].cap),
				   n->changes, n->hellos, n->drops_version);
		}
next:
		kfree(n);
	}
}

/* ---- hash chain -------------------------------------------------------- */

static void vsr_chain_checksums(struct kunit *test)
{
	struct vsr_entry_hdr e = {
		.op = 3, .session = 1, .request = 2, .view = 4, .len = 5,
		.parent = 99, .type = VSR_OP_DATA,
	};
	u32 base = vsr_entry_checksum(&e, "hello"), c;

	KUNIT_EXPECT_EQ(test, vsr_entry_checksum(&e, "hello"), base);
	KUNIT_EXPECT_NE(test, vsr_entry_checksum(&e, "hellp"), base);
	e.parent = 98;
	KUNIT_EXPECT_NE(test, vsr_entry_checksum(&e, "hello"), base);
	e.parent = 99;
	e.op = 4;
	KUNIT_EXPECT_NE(test, vsr_entry_checksum(&e, "hello"), base);
	e.op = 3;
	e.view = 5;
	KUNIT_EXPECT_NE(test, vsr_entry_checksum(&e, "hello"), base);
	e.view = 4;
	e.type = VSR_OP_TRIM;
	KUNIT_EXPECT_NE(test, vsr_entry_checksum(&e, "hello"), base);
	e.type = VSR_OP_DATA;
	e.request = 3;
	c = vsr_entry_checksum(&e, "hello");
	KUNIT_EXPECT_NE(test, c, base);
}

/* ---- log --------------------------------------------------------------- */

static struct vsr_entry *mk_entry(u64 op, u32 parent, const char *s)
{
	struct vsr_entry_hdr h = {
		.op = op, .session = 1, .request = op, .view = 1,
		.len = strlen(s), .parent = parent, .type = VSR_OP_DATA,
	};

	h.checksum = vsr_entry_checksum(&h, s);
	return vsr_entry_new(&h, s, GFP_KERNEL);
}

/* Append ops @from..@to ("abc" each) chained to the head; false on a refusal. */
static bool append_ops(struct vsr_log *log, u64 from, u64 to)
{
	struct vsr_entry *e;

	for (; from <= to; from++) {
		e = mk_entry(from, vsr_log_head_csum(log), "abc");
		if (!e || vsr_log_append(log, e)) {
			vsr_free(e);
			return false;
		}
	}
	return true;
}

static void vsr_log_basics(struct kunit *test)
{
	struct vsr_log log;
	struct vsr_entry *e;
	u32 root = vsr_chain_root(TEST_CLUSTER), c;

	KUNIT_ASSERT_EQ(test, vsr_log_init(&log, 4, 0, root, GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, vsr_log_head_csum(&log), root);
	/* Wrong op, wrong parent. */
	e = mk_entry(2, root, "x");
	KUNIT_EXPECT_EQ(test, vsr_log_append(&log, e), -EINVAL);
	vsr_free(e);
	e = mk_entry(1, root + 1, "x");
	KUNIT_EXPECT_EQ(test, vsr_log_append(&log, e), -EINVAL);
	vsr_free(e);
	KUNIT_ASSERT_TRUE(test, append_ops(&log, 1, 4));
	KUNIT_EXPECT_EQ(test, vsr_log_room(&log), 0u);
	e = mk_entry(5, vsr_log_head_csum(&log), "abc");
	KUNIT_EXPECT_EQ(test, vsr_log_append(&log, e), -ENOSPC);
	vsr_free(e);
	KUNIT_EXPECT_EQ(test, log.bytes, 12ull);
	KUNIT_EXPECT_NULL(test, vsr_log_get(&log, 0));
	KUNIT_EXPECT_NULL(test, vsr_log_get(&log, 5));
	KUNIT_EXPECT_EQ(test, vsr_log_get(&log, 3)->h.op, 3ull);
	/* Trim keeps the checksum of the new base. */
	c = vsr_log_get(&log, 2)->h.checksum;
	vsr_log_trim(&log, 2);
	KUNIT_EXPECT_EQ(test, log.base, 2ull);
	KUNIT_EXPECT_EQ(test, log.base_csum, c);
	KUNIT_EXPECT_NULL(test, vsr_log_get(&log, 2));
	KUNIT_EXPECT_TRUE(test, vsr_log_csum(&log, 2, &c));
	KUNIT_EXPECT_EQ(test, vsr_log_room(&log), 2u);
	/* The ring wraps. */
	e = mk_entry(5, vsr_log_head_csum(&log), "defg");
	KUNIT_EXPECT_EQ(test, vsr_log_append(&log, e), 0);
	KUNIT_EXPECT_EQ(test, log.bytes, 10ull);
	/* Truncate drops the suffix and the head moves back. */
	c = vsr_log_get(&log, 3)->h.checksum;
	vsr_log_truncate(&log, 3);
	KUNIT_EXPECT_EQ(test, log.head, 3ull);
	KUNIT_EXPECT_EQ(test, vsr_log_head_csum(&log), c);
	KUNIT_EXPECT_EQ(test, log.bytes, 3ull);
	vsr_log_reset(&log, 10, 1234);
	KUNIT_EXPECT_EQ(test, log.head, 10ull);
	KUNIT_EXPECT_EQ(test, vsr_log_head_csum(&log), 1234u);
	KUNIT_EXPECT_EQ(test, log.bytes, 0ull);
	vsr_log_destroy(&log);
}

/* ---- client table ------------------------------------------------------ */

static enum vsr_ct_result ct_op(struct vsr_client_table *ct, u8 type,
				u64 op, u64 session, u64 request, u64 *rop)
{
	struct vsr_entry_hdr e = {
		.op = op, .session = session, .request = request, .type = type,
	};

	return vsr_ct_apply(ct, &e, rop);
}

static void vsr_client_table_rules(struct kunit *test)
{
	struct vsr_client_table ct, ct2;
	u8 wire[3 * VSR_SESSION_WIRE_SIZE];
	u64 rop;

	KUNIT_ASSERT_EQ(test, vsr_ct_init(&ct, 2, GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, ct_op(&ct, VSR_OP_REGISTER, 5, 0, 111, &rop),
			VSR_CT_REGISTERED);
	KUNIT_EXPECT_EQ(test, rop, 5ull);
	KUNIT_EXPECT_EQ(test, ct_op(&ct, VSR_OP_REGISTER, 6, 0, 111, &rop),
			VSR_CT_REREGISTERED);
	KUNIT_EXPECT_EQ(test, rop, 5ull);
	KUNIT_EXPECT_EQ(test, ct_op(&ct, VSR_OP_DATA, 7, 5, 1, &rop),
			VSR_CT_ACCEPTED);
	KUNIT_EXPECT_EQ(test, rop, 7ull);
	/* The same request again: not a record, answered with op 7. */
	KUNIT_EXPECT_EQ(test, ct_op(&ct, VSR_OP_DATA, 8, 5, 1, &rop),
			VSR_CT_DUPLICATE);
	KUNIT_EXPECT_EQ(test, rop, 7ull);
	KUNIT_EXPECT_EQ(test, ct_op(&ct, VSR_OP_DATA, 9, 5, 0, &rop),
			VSR_CT_DUPLICATE);
	KUNIT_EXPECT_EQ(test, ct_op(&ct, VSR_OP_DATA, 10, 5, 2, &rop),
			VSR_CT_ACCEPTED);
	KUNIT_EXPECT_EQ(test, ct_op(&ct, VSR_OP_DATA, 11, 99, 1, &rop),
			VSR_CT_STALE);
	/* Fill the table; the least recently active session is evicted. */
	KUNIT_EXPECT_EQ(test, ct_op(&ct, VSR_OP_REGISTER, 12, 0, 222, &rop),
			VSR_CT_REGISTERED);
	KUNIT_EXPECT_EQ(test, ct_op(&ct, VSR_OP_DATA, 13, 5, 3, &rop),
			VSR_CT_ACCEPTED);
	KUNIT_EXPECT_EQ(test, ct_op(&ct, VSR_OP_REGISTER, 14, 0, 333, &rop),
			VSR_CT_REGISTERED);
	KUNIT_EXPECT_NULL(test, vsr_ct_find(&ct, 12));
	KUNIT_EXPECT_NOT_NULL(test, vsr_ct_find(&ct, 5));
	KUNIT_EXPECT_NOT_NULL(test, vsr_ct_find(&ct, 14));
	/* The evicted session gets an explicit error, never a record. */
	KUNIT_EXPECT_EQ(test, ct_op(&ct, VSR_OP_DATA, 15, 12, 1, &rop),
			VSR_CT_STALE);
	/* Noop and trim do not touch the table. */
	KUNIT_EXPECT_EQ(test, ct_op(&ct, VSR_OP_TRIM, 16, 0, 3, &rop),
			VSR_CT_NONE);
	KUNIT_EXPECT_EQ(test, ct.count, 2u);
	/* Serialisation round trip, and rejection of impossible tables. */
	KUNIT_ASSERT_EQ(test, vsr_ct_init(&ct2, 2, GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, vsr_ct_encode(&ct, wire),
			(size_t)2 * VSR_SESSION_WIRE_SIZE);
	KUNIT_EXPECT_EQ(test, vsr_ct_decode(&ct2, wire, 2), 0);
	KUNIT_EXPECT_EQ(test, vsr_ct_find(&ct2, 5)->last_request, 3ull);
	KUNIT_EXPECT_EQ(test, vsr_ct_find(&ct2, 14)->nonce, 333ull);
	KUNIT_EXPECT_EQ(test, vsr_ct_decode(&ct2, wire, 3), -EINVAL);
	memcpy(wire + VSR_SESSION_WIRE_SIZE, wire, VSR_SESSION_WIRE_SIZE);
	KUNIT_EXPECT_EQ(test, vsr_ct_decode(&ct2, wire, 2), -EINVAL);
	vsr_put_le64(wire, 0);
	KUNIT_EXPECT_EQ(test, vsr_ct_decode(&ct2, wire, 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, vsr_ct_copy(&ct2, &ct, GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, ct2.count, 2u);
	vsr_ct_destroy(&ct2);
	vsr_ct_destroy(&ct);
}

/* A resized ring keeps every entry at its op, and refuses to lose any. */
static void vsr_log_resizes(struct kunit *test)
{
	struct vsr_log log;
	u32 root = vsr_chain_root(TEST_CLUSTER), c;
	u64 op;

	KUNIT_ASSERT_EQ(test, vsr_log_init(&log, 4, 0, root, GFP_KERNEL), 0);
	KUNIT_ASSERT_TRUE(test, append_ops(&log, 1, 4));
	vsr_log_trim(&log, 2);
	c = vsr_log_head_csum(&log);
	KUNIT_EXPECT_EQ(test, vsr_log_resize(&log, 1, GFP_KERNEL), -EINVAL);
	KUNIT_ASSERT_EQ(test, vsr_log_resize(&log, 7, GFP_KERNEL), 0);
	KUNIT_EXPECT_EQ(test, vsr_log_room(&log), 5u);
	KUNIT_EXPECT_EQ(test, vsr_log_get(&log, 3)->h.op, 3ull);
	KUNIT_EXPECT_EQ(test, vsr_log_get(&log, 4)->h.op, 4ull);
	KUNIT_EXPECT_EQ(test, vsr_log_head_csum(&log), c);
	KUNIT_ASSERT_TRUE(test, append_ops(&log, 5, 9));
	/* Seven entries held: six slots would drop one. */
	KUNIT_EXPECT_EQ(test, vsr_log_resize(&log, 6, GFP_KERNEL), -EINVAL);
	KUNIT_ASSERT_EQ(test, vsr_log_resize(&log, 7, GFP_KERNEL), 0);
	KUNIT_ASSERT_EQ(test, vsr_log_resize(&log, 9, GFP_KERNEL), 0);
	for (op = 3; op <= 9; op++)
		KUNIT_EXPECT_EQ(test, vsr_log_get(&log, op)->h.op, op);
	KUNIT_EXPECT_EQ(test, log.bytes, 21ull);
	vsr_log_destroy(&log);
}

/* ---- scripted clusters -------------------------------------------------- */

/* @n members and @joiners nodes after them that start joining. */
static struct vsr_sim *scripted_params(const struct vsr_sim_params *p)
{
	struct vsr_sim *s = vsr_sim_create(p);
	u32 i, n = p->replicas;

	if (!s)
		return NULL;
	s->nclients = n;
	for (i = 0; i < n; i++) {
		s->client[i].origin = i;
		vsr_sim_issue(s, i);	/* register */
	}
	return s;
}

static struct vsr_sim *scripted_joiners(u32 n, u32 joiners, u64 seed,
					bool defect)
{
	struct vsr_sim_params p = {
		.seed = seed, .replicas = n, .scripted = true,
		.trace = sim_trace, .paper_truncate_defect = defect,
		.joiners = joiners,
	};

	return scripted_params(&p);
}

/* Replicas whose disks take 0..@disk_max ticks a flush (cfg.durable). */
static struct vsr_sim *scripted_disks(u32 n, u64 seed, u32 disk_max)
{
	struct vsr_sim_params p = {
		.seed = seed, .replicas = n, .scripted = true,
		.trace = sim_trace, .disk_max = disk_max,
	};

	return scripted_params(&p);
}

static struct vsr_sim *scripted(u32 n, u64 seed, bool defect)
{
	return scripted_joiners(n, 0, seed, defect);
}

static bool run_until_idle(struct vsr_sim *s, u32 max)
{
	while (max--) {
		if (vsr_sim_step(s))
			return false;
		if (vsr_sim_idle(s))
			return true;
	}
	return false;
}

static void st(const struct vsr_sim *s, u32 i, struct vsr_core_status *out)
{
	memset(out, 0, sizeof(*out));
	if (vsr_sim_replica(s, i))
		vsr_replica_get_status(vsr_sim_replica(s, i), out);
	else
		out->status = U32_MAX;
}

static void isolate(struct vsr_sim *s, u32 a, bool on)
{
	u32 i;

	for (i = 0; i < s->n; i++) {
		if (i == a)
			continue;
		s->block[a][i] = on;
		s->block[i][a] = on;
	}
}

/* A client's write commits with a quorum and not without one. */
static void vsr_quorum_commit(struct kunit *test)
{
	struct vsr_sim *s = scripted(5, 11, false);
	struct vsr_core_status p;
	u32 t;

	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_ASSERT_TRUE(test, run_until_idle(s, 2000));
	st(s, 0, &p);
	KUNIT_EXPECT_TRUE(test, p.is_primary);
	/* Two backups cut off: 3 of 5 still commit. */
	isolate(s, 3, true);
	isolate(s, 4, true);
	vsr_sim_issue(s, 1);
	for (t = 0; t < 300 && s->client[1].busy; t++)
		vsr_sim_step(s);
	KUNIT_EXPECT_FALSE(test, s->client[1].busy);
	KUNIT_EXPECT_EQ(test, s->client[1].acked, 1ull);
	/* A third one: no quorum, nothing commits. */
	isolate(s, 2, true);
	vsr_sim_issue(s, 1);
	for (t = 0; t < 300; t++)
		vsr_sim_step(s);
	KUNIT_EXPECT_TRUE(test, s->client[1].busy);
	KUNIT_EXPECT_EQ(test, s->client[1].acked, 1ull);
	/* Heal: it commits, exactly once. */
	isolate(s, 2, false);
	isolate(s, 3, false);
	isolate(s, 4, false);
	KUNIT_EXPECT_TRUE(test, run_until_idle(s, 3000));
	KUNIT_EXPECT_EQ(test, s->client[1].acked, 2ull);
	KUNIT_EXPECT_EQ(test, s->violation, 0);
	vsr_sim_destroy(s);
}

/* Client 0 writes @n records, one after the other; false on a stall. */
static bool write_records(struct vsr_sim *s, u32 n)
{
	while (n--) {
		vsr_sim_issue(s, 0);
		if (!run_until_idle(s, 500))
			return false;
	}
	return true;
}

/*
 * Durable acks (cfg.durable): a replica acks only what its disk said is
 * durable.  Of three, with the primary's disk and 2's stuck, 1 alone holds
 * a new write durably: no quorum, no commit, though every replica has the
 * op in its log.  2's disk back: 1 and 2 are a quorum without the primary.
 * Then 300 more writes on slow disks, and the simulator's checks.
 */
static void vsr_durable_acks(struct kunit *test)
{
	struct vsr_sim *s = scripted_disks(3, 83, 4);
	struct vsr_core_status p, b;
	u32 t;

	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_ASSERT_TRUE(test, run_until_idle(s, 2000));
	KUNIT_ASSERT_TRUE(test, write_records(s, 5));
	st(s, 0, &p);
	KUNIT_ASSERT_TRUE(test, p.is_primary);
	s->node[0].disk_stuck = true;
	s->node[2].disk_stuck = true;
	vsr_sim_issue(s, 0);
	for (t = 0; t < 100; t++)
		vsr_sim_step(s);
	st(s, 0, &b);
	KUNIT_EXPECT_EQ(test, b.op, p.op + 1);
	KUNIT_EXPECT_EQ(test, b.commit, p.commit);
	for (t = 1; t < 3; t++) {
		st(s, t, &b);
		KUNIT_EXPECT_EQ(test, b.op, p.op + 1);
	}
	KUNIT_EXPECT_TRUE(test, s->client[0].busy);
	s->node[2].disk_stuck = false;
	KUNIT_EXPECT_TRUE(test, run_until_idle(s, 500));
	st(s, 0, &b);
	KUNIT_EXPECT_EQ(test, b.commit, p.op + 1);
	s->node[0].disk_stuck = false;
	KUNIT_EXPECT_TRUE(test, write_records(s, 300));
	KUNIT_EXPECT_EQ(test, s->violation, 0);
	vsr_sim_destroy(s);
}

/* The node that is normal primary, or s->n if none is. */
static u32 primary_node(struct vsr_sim *s)
{
	struct vsr_core_status a;
	u32 i;

	for (i = 0; i < s->n; i++) {
		st(s, i, &a);
		if (a.is_primary)
			break;
	}
	return i;
}

/* Every replica's heartbeat, and view-change and abdication timeouts. */
static void set_timeouts(struct kunit *test, struct vsr_sim *s, u32 hb,
			 u32 vc)
{
	struct vsr_core_config cfg;
	u32 i;

	for (i = 0; i < s->n; i++) {
		vsr_replica_get_config(s->node[i].r, &cfg);
		cfg.heartbeat_ticks = hb;
		cfg.view_change_ticks = vc;
		cfg.abdicate_ticks = vc;
		KUNIT_ASSERT_EQ(test, vsr_replica_set_tunables(s->node[i].r, &cfg),
				0);
	}
}

/* Client @c writes one record; false if it is not answered in 500 ticks. */
static bool write_one(struct vsr_sim *s, u32 c)
{
	u32 t;

	vsr_sim_issue(s, c);
	for (t = 0; t < 500 && s->client[c].busy; t++)
		vsr_sim_step(s);
	return !s->client[c].busy;
}

/* Client @c (of replica @origin) writes a 40 KiB record: one op a datagram. */
static void rt_issue(struct vsr_sim *s, u32 c, u32 origin)
{
	s->client[c].origin = origin;
	vsr_sim_issue(s, c);
	s->client[c].len = 40000;
}

/* Client @c writes a 40 KiB record; false if not answered in 500 ticks. */
static bool write_big(struct vsr_sim *s, u32 c)
{
	u32 t;

	rt_issue(s, c, s->client[c].origin);
	for (t = 0; t < 500 && s->client[c].busy; t++)
		vsr_sim_step(s);
	return !s->client[c].busy;
}

/* What ok_count_filter() saw: PREPAREs to backup @b, and its PREPAREOKs. */
struct ok_count {
	u32 b;
	u32 prepares;
	u32 oks;
};

static bool ok_count_filter(struct vsr_sim *s, u32 from, u32 to,
			    const u8 *buf, size_t len)
{
	struct ok_count *c = s->filter_ctx;
	struct vsr_hdr h;

	vsr_hdr_get(buf, &h);
	if (to == c->b && h.command == VSR_CMD_PREPARE)
		c->prepares++;
	if (from == c->b && h.command == VSR_CMD_PREPAREOK)
		c->oks++;
	return false;
}

/*
 * A durable backup acks a PREPARE once its entries are on its disk: an ack
 * before that would only name what its last one named, and delay the
 * write.  Such a repeat goes out once half a heartbeat has passed since
 * the last ack, so that the primary still hears a backup whose disk is
 * slow.  With a heartbeat of 10 ticks, backup b's disk is stuck while 30
 * writes commit with the other two: b gets a PREPARE for each and acks
 * about twice per heartbeat.  Its disk back, it acks what it holds, and
 * the primary counts it for the next writes.
 */
static void vsr_durable_ack_repeat(struct kunit *test)
{
	struct vsr_sim *s = scripted_disks(3, 83, 2);
	struct ok_count c = {};
	struct vsr_core_status a;
	u32 oks, p, w;
	u64 t0, ticks;

	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_ASSERT_TRUE(test, run_until_idle(s, 2000));
	set_timeouts(test, s, 10, 40);
	p = primary_node(s);
	KUNIT_ASSERT_TRUE(test, p < 3);
	c.b = (p + 1) % 3;
	s->node[c.b].disk_stuck = true;
	s->filter = ok_count_filter;
	s->filter_ctx = &c;
	t0 = s->now;
	for (w = 0; w < 30; w++)
		KUNIT_ASSERT_TRUE(test, write_one(s, 0));
	ticks = s->now - t0;
	KUNIT_EXPECT_GE(test, c.prepares, 30u);
	/* One when its first PREPARE came, then two per heartbeat at most. */
	KUNIT_EXPECT_LE(test, (u64)c.oks, ticks / 5 + 2);
	/* Well below one per PREPARE (19 of 30 here; 30 without). */
	KUNIT_EXPECT_LT(test, c.oks, c.prepares * 3 / 4);
	KUNIT_EXPECT_GE(test, (u64)c.oks, ticks / 10);
	st(s, c.b, &a);
	KUNIT_EXPECT_LT(test, a.durable, a.op);
	/* Its disk back: b's acks name its whole log, and count again. */
	s->node[c.b].disk_stuck = false;
	oks = c.oks;
	KUNIT_EXPECT_TRUE(test, run_until_idle(s, 500));
	st(s, c.b, &a);
	KUNIT_EXPECT_EQ(test, a.durable, a.op);
	KUNIT_EXPECT_GT(test, c.oks, oks);
	/* The other backup's disk stuck: writes commit with b. */
	s->node[(p + 2) % 3].disk_stuck = true;
	for (w = 0; w < 5; w++)
		KUNIT_EXPECT_TRUE(test, write_one(s, 0));
	s->node[(p + 2) % 3].disk_stuck = false;
	s->filter = NULL;
	KUNIT_EXPECT_TRUE(test, run_until_idle(s, 500));
	KUNIT_EXPECT_EQ(test, s->violation, 0);
	vsr_sim_destroy(s);
}

/*
 * The repeats keep a primary whose backups' disks both stall from giving
 * way at the shortest view-change timeout allowed, twice the heartbeat
 * (abdicate_ticks is the same): one write waits on the stalled disks for
 * 200 ticks, datagrams late by up to 3 ticks, and the primary, which
 * hears both backups, must not abdicate.  Over 100 clusters (review: with
 * repeats held back for a whole heartbeat, a fifth of them abdicated).
 */
static void vsr_durable_ack_repeat_abdicate(struct kunit *test)
{
	struct vsr_core_status a;
	u32 p, t, seed, gave_way = 0;
	struct vsr_sim *s;

	for (seed = 1; seed <= 100; seed++) {
		s = scripted_disks(3, seed, 2);
		KUNIT_ASSERT_NOT_NULL(test, s);
		KUNIT_ASSERT_TRUE(test, run_until_idle(s, 2000));
		set_timeouts(test, s, 10, 20);
		s->delay_max = 3;
		p = primary_node(s);
		KUNIT_ASSERT_TRUE(test, p < 3);
		s->node[(p + 1) % 3].disk_stuck = true;
		s->node[(p + 2) % 3].disk_stuck = true;
		vsr_sim_issue(s, 0);
		for (t = 0; t < 200; t++)
			vsr_sim_step(s);
		st(s, p, &a);
		if (!a.is_primary || a.abdicated)
			gave_way++;
		KUNIT_EXPECT_TRUE(test, s->client[0].busy);
		s->node[(p + 1) % 3].disk_stuck = false;
		s->node[(p + 2) % 3].disk_stuck = false;
		KUNIT_EXPECT_TRUE(test, run_until_idle(s, 2000));
		KUNIT_EXPECT_EQ(test, s->violation, 0);
		vsr_sim_destroy(s);
	}
	KUNIT_EXPECT_EQ(test, gave_way, 0u);
}

/* Node @p cut off until now: the cluster settles, writes on, stays safe. */
static void heal_and_write(struct kunit *test, struct vsr_sim *s, u32 p)
{
	isolate(s, p, false);
	KUNIT_EXPECT_TRUE(test, run_until_idle(s, 3000));
	KUNIT_EXPECT_TRUE(test, write_records(s, 20));
	KUNIT_EXPECT_EQ(test, s->violation, 0);
}

/*
 * A durable replica promises a view only once it is on its disk: the
 * primary is cut off, and one backup's disk is stuck, so that backup
 * enters the view change but sends no DOVIEWCHANGE, and the other cannot
 * take the view without it (two of three).  Once the disk writes again,
 * the view change completes, and the cluster goes on.
 */
static void vsr_durable_view(struct kunit *test)
{
	struct vsr_sim *s = scripted_disks(3, 89, 4);
	struct vsr_core_status a, b;
	u32 t, p, x, y;

	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_ASSERT_TRUE(test, run_until_idle(s, 2000));
	KUNIT_ASSERT_TRUE(test, write_records(s, 5));
	p = primary_node(s);
	KUNIT_ASSERT_GT(test, 3u, p);
	x = (p + 1) % 3;
	y = (p + 2) % 3;
	s->node[y].disk_stuck = true;
	isolate(s, p, true);
	for (t = 0; t < 400; t++)
		vsr_sim_step(s);
	st(s, x, &a);
	st(s, y, &b);
	KUNIT_EXPECT_EQ(test, a.status, (u32)VSR_STATUS_VIEW_CHANGE);
	KUNIT_EXPECT_EQ(test, b.status, (u32)VSR_STATUS_VIEW_CHANGE);
	KUNIT_EXPECT_GT(test, b.view, 0u);
	KUNIT_EXPECT_TRUE(test, s->node[y].view_writing);
	s->node[y].disk_stuck = false;
	for (t = 0; t < 2000; t++) {
		vsr_sim_step(s);
		st(s, x, &a);
		st(s, y, &b);
		if (a.status == VSR_STATUS_NORMAL &&
		    b.status == VSR_STATUS_NORMAL && a.log_view == a.view &&
		    b.log_view == b.view)
			break;
	}
	KUNIT_EXPECT_EQ(test, a.status, (u32)VSR_STATUS_NORMAL);
	KUNIT_EXPECT_EQ(test, b.status, (u32)VSR_STATUS_NORMAL);
	KUNIT_EXPECT_EQ(test, a.view, b.view);
	heal_and_write(test, s, p);
	vsr_sim_destroy(s);
}

/*
 * A durable backup acks as whole for a view only once its log view is on
 * its disk: the primary is cut off, and the disk of one of the other two
 * sticks as soon as that replica asks for its new log view to be written.
 * The view change completes, but the new primary cannot commit a write
 * (it and that backup are two of three, and the backup's acks name no
 * op); once the disk writes, the write commits.
 */
static void vsr_durable_log_view(struct kunit *test)
{
	struct vsr_sim *s = scripted_disks(3, 89, 4);
	struct vsr_sim_node *ny;
	struct vsr_core_status a, b;
	u32 t, p, x, y, c;

	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_ASSERT_TRUE(test, run_until_idle(s, 2000));
	KUNIT_ASSERT_TRUE(test, write_records(s, 5));
	p = primary_node(s);
	KUNIT_ASSERT_GT(test, 3u, p);
	isolate(s, p, true);
	st(s, (p + 1) % 3, &a);
	/* The next view's primary, and the other one. */
	x = (a.view + 1) % 3 == p ? (p + 1) % 3 : (a.view + 1) % 3;
	y = 3 - p - x;
	ny = &s->node[y];
	for (t = 0; t < 1000 && !ny->disk_stuck; t++) {
		vsr_sim_step(s);
		if ((ny->view_asked &&
		     ny->view_want.log_view == ny->view_want.view &&
		     ny->view_want.view) ||
		    (ny->view_writing &&
		     ny->view_write.log_view == ny->view_write.view &&
		     ny->view_write.view))
			ny->disk_stuck = true;
	}
	KUNIT_ASSERT_TRUE(test, ny->disk_stuck);
	for (c = 0; c < s->nclients && s->client[c].origin != x; c++)
		;
	KUNIT_ASSERT_GT(test, s->nclients, c);
	vsr_sim_issue(s, c);
	for (t = 0; t < 200; t++)
		vsr_sim_step(s);
	st(s, x, &a);
	st(s, y, &b);
	KUNIT_EXPECT_TRUE(test, a.is_primary);
	KUNIT_EXPECT_EQ(test, b.status, (u32)VSR_STATUS_NORMAL);
	KUNIT_EXPECT_EQ(test, b.log_view, a.view);
	KUNIT_EXPECT_GT(test, a.op, a.commit);
	KUNIT_EXPECT_TRUE(test, s->client[c].busy);
	ny->disk_stuck = false;
	for (t = 0; t < 500 && s->client[c].busy; t++)
		vsr_sim_step(s);
	KUNIT_EXPECT_FALSE(test, s->client[c].busy);
	heal_and_write(test, s, p);
	vsr_sim_destroy(s);
}

/*
 * Rings of different sizes: the primary and one backup keep 1,000 ops (an
 * admin's vsradm set there; their rings grow), the other backup keeps its
 * ring of 256.  The primary trims only past 1,000, so that backup's ring
 * fills with applied ops long before a TRIM comes, and it could never take
 * one: it checkpoints its own committed ops to make room, keeps up, and
 * agrees with the others at every op it holds.
 */
static void vsr_ring_smaller_than_primary(struct kunit *test)
{
	struct vsr_sim *s = scripted(3, 71, false);
	struct vsr_core_config cfg;
	struct vsr_core_status p, b;
	u32 i;

	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_ASSERT_TRUE(test, run_until_idle(s, 2000));
	st(s, 0, &p);
	KUNIT_ASSERT_TRUE(test, p.is_primary);
	for (i = 0; i < 2; i++) {
		vsr_replica_get_config(s->node[i].r, &cfg);
		cfg.retain = 1000;
		KUNIT_ASSERT_EQ(test, vsr_replica_set_tunables(s->node[i].r,
							       &cfg), 0);
	}
	vsr_replica_get_config(s->node[2].r, &cfg);
	KUNIT_ASSERT_EQ(test, cfg.log_max, 256u);
	KUNIT_ASSERT_TRUE(test, write_records(s, 600));
	st(s, 0, &p);
	st(s, 2, &b);
	KUNIT_EXPECT_EQ(test, p.trim, 1ull);
	KUNIT_EXPECT_EQ(test, b.status, (u32)VSR_STATUS_NORMAL);
	KUNIT_EXPECT_EQ(test, b.commit, p.commit);
	KUNIT_EXPECT_GT(test, b.trim, 600ull - 256);
	KUNIT_EXPECT_EQ(test, s->violation, 0);
	vsr_sim_destroy(s);
}

/*
 * The same backup becomes primary: the view change hands it the others'
 * longer log, which fills its ring to the last slot with committed ops
 * (its own checkpoint made room for each), and its ring has no slot left
 * for the TRIM that would free it.  It moves its checkpoint up for the
 * TRIM, and writes go on.  (Random search found it: a primary that
 * answered every write with -EBUSY for ever.)
 */
static void vsr_ring_full_new_primary(struct kunit *test)
{
	struct vsr_sim *s = scripted(5, 72, false);
	struct vsr_core_config cfg;
	struct vsr_core_status p, q;
	u32 i, t, room;

	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_ASSERT_TRUE(test, run_until_idle(s, 2000));
	st(s, 0, &p);
	KUNIT_ASSERT_TRUE(test, p.is_primary);
	for (i = 0; i < 5; i++) {
		vsr_replica_get_config(s->node[i].r, &cfg);
		cfg.retain = i == 2 ? 64 : 4000;
		KUNIT_ASSERT_EQ(test, vsr_replica_set_tunables(s->node[i].r,
							       &cfg), 0);
	}
	/* 2's ring full to its last slot, of committed ops. */
	vsr_replica_get_config(s->node[2].r, &cfg);
	st(s, 2, &q);
	room = cfg.log_max - (u32)(q.op - q.trim + 1);
	KUNIT_ASSERT_TRUE(test, write_records(s, room));
	st(s, 2, &q);
	KUNIT_ASSERT_EQ(test, q.op - q.trim + 1, (u64)cfg.log_max);
	/* Views 1 and 2 without their primaries: 2 leads. */
	vsr_sim_crash(s, 0, 100000);
	vsr_sim_crash(s, 1, 100000);
	st(s, 2, &p);
	for (t = 0; t < 5000 && !p.is_primary; t++) {
		KUNIT_ASSERT_EQ(test, vsr_sim_step(s), 0);
		st(s, 2, &p);
	}
	KUNIT_ASSERT_TRUE(test, p.is_primary);
	/* 20 writes of 2's own client, each committed in time. */
	for (i = 0; i < 20; i++) {
		vsr_sim_issue(s, 2);
		for (t = 0; t < 500 && s->client[2].busy; t++)
			KUNIT_ASSERT_EQ(test, vsr_sim_step(s), 0);
		KUNIT_ASSERT_FALSE(test, s->client[2].busy);
	}
	st(s, 2, &q);
	KUNIT_EXPECT_GE(test, q.commit, p.commit + 20);
	KUNIT_EXPECT_EQ(test, s->violation, 0);
	vsr_sim_destroy(s);
}

/* The retention of a live cluster can shrink and grow past its ring. */
static void vsr_retain_change(struct kunit *test)
{
	struct vsr_sim *s = scripted(3, 14, false);
	struct vsr_core_status p, q;
	u32 i;

	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_ASSERT_TRUE(test, run_until_idle(s, 2000));
	KUNIT_ASSERT_TRUE(test, write_records(s, 300));
	st(s, 0, &p);
	KUNIT_EXPECT_GT(test, p.trim, 1ull);
	/* Shrink to 8: the next commits trim to about 8 ops. */
	for (i = 0; i < 3; i++)
		KUNIT_ASSERT_EQ(test, vsr_replica_set_retain(s->node[i].r, 8), 0);
	KUNIT_ASSERT_TRUE(test, write_records(s, 40));
	for (i = 0; i < 3; i++) {
		st(s, i, &q);
		KUNIT_EXPECT_LE(test, q.commit + 1 - q.trim, 8ull + 5 + 2);
	}
	/* Grow to 1000, beyond the 256-slot ring: 600 writes, no trim. */
	for (i = 0; i < 3; i++)
		KUNIT_ASSERT_EQ(test, vsr_replica_set_retain(s->node[i].r, 1000), 0);
	st(s, 0, &p);
	KUNIT_ASSERT_TRUE(test, write_records(s, 600));
	for (i = 0; i < 3; i++) {
		st(s, i, &q);
		KUNIT_EXPECT_EQ(test, q.trim, p.trim);
		KUNIT_EXPECT_GE(test, q.commit, p.commit + 600);
	}
	KUNIT_EXPECT_EQ(test, vsr_replica_set_retain(s->node[0].r, U32_MAX),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, s->violation, 0);
	vsr_sim_destroy(s);
}

/*
 * The driver's view of a live replica: the epoch, each backup's lag at the
 * primary, and tunables that change only through the validating setter.
 */
static void vsr_driver_api(struct kunit *test)
{
	struct vsr_sim *s = scripted(5, 11, false);
	struct vsr_core_config old, c, now;
	struct vsr_replica *r;
	struct vsr_core_status p;
	u32 t;

	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_ASSERT_TRUE(test, run_until_idle(s, 2000));
	st(s, 0, &p);
	KUNIT_ASSERT_TRUE(test, p.is_primary);
	KUNIT_EXPECT_EQ(test, p.epoch, 0u);
	r = s->node[0].r;
	/* A backup cut off falls behind; the others and the primary do not. */
	isolate(s, 4, true);
	vsr_sim_issue(s, 1);
	for (t = 0; t < 300 && s->client[1].busy; t++)
		vsr_sim_step(s);
	KUNIT_EXPECT_FALSE(test, s->client[1].busy);
	KUNIT_EXPECT_GT(test, vsr_replica_peer_lag(r, 4), 0ull);
	for (t = 0; t < 4; t++)
		KUNIT_EXPECT_EQ(test, vsr_replica_peer_lag(r, t), 0ull);
	KUNIT_EXPECT_EQ(test, vsr_replica_peer_lag(r, 5), 0ull);
	KUNIT_EXPECT_EQ(test, vsr_replica_peer_lag(r, VSR_REPLICAS_MAX), 0ull);
	/* Only a primary counts acknowledgements. */
	KUNIT_EXPECT_EQ(test, vsr_replica_peer_lag(vsr_sim_replica(s, 1), 4),
			0ull);

	/* Refused, and nothing changed: an invalid timeout, a fixed setting. */
	vsr_replica_get_config(r, &old);
	c = old;
	c.heartbeat_ticks = 7;
	c.view_change_ticks = 0;
	KUNIT_EXPECT_EQ(test, vsr_replica_set_tunables(r, &c), -EINVAL);
	c = old;
	c.heartbeat_ticks = 7;
	c.replica = 1;
	KUNIT_EXPECT_EQ(test, vsr_replica_set_tunables(r, &c), -EINVAL);
	c = old;
	c.pipeline_max = 1;
	KUNIT_EXPECT_EQ(test, vsr_replica_set_tunables(r, &c), -EINVAL);
	vsr_replica_get_config(r, &now);
	KUNIT_EXPECT_EQ(test, memcmp(&now, &old, sizeof(now)), 0);
	/* Accepted: the timeouts as given, the log sized by the core. */
	c = old;
	c.heartbeat_ticks = 7;
	c.view_change_ticks = 40;
	c.abdicate_ticks = 40;
	c.retain = 64;
	c.log_max = 1;
	KUNIT_EXPECT_EQ(test, vsr_replica_set_tunables(r, &c), 0);
	vsr_replica_get_config(r, &now);
	KUNIT_EXPECT_EQ(test, now.heartbeat_ticks, 7u);
	KUNIT_EXPECT_EQ(test, now.view_change_ticks, 40u);
	KUNIT_EXPECT_EQ(test, now.abdicate_ticks, 40u);
	KUNIT_EXPECT_EQ(test, now.retain, 64u);
	KUNIT_EXPECT_GE(test, now.log_max, vsr_core_log_max(&now));

	/* Healed, the backup catches up. */
	isolate(s, 4, false);
	KUNIT_EXPECT_TRUE(test, run_until_idle(s, 3000));
	/* Idle means all applied; its ack of the last op may be a tick late. */
	for (t = 0; t < 100 && vsr_replica_peer_lag(r, 4); t++)
		vsr_sim_step(s);
	KUNIT_EXPECT_EQ(test, vsr_replica_peer_lag(r, 4), 0ull);
	KUNIT_EXPECT_EQ(test, s->violation, 0);
	vsr_sim_destroy(s);
}

/* What vsr_replica_debug_show() printed, for the test below. */
struct dbg_text {
	char s[4096];
	size_t len;
};

static __printf(2, 3) void dbg_print(void *arg, const char *fmt, ...)
{
	struct dbg_text *t = arg;
	va_list ap;
	int n;

	if (t->len >= sizeof(t->s) - 1)
		return;
	va_start(ap, fmt);
	n = vsnprintf(t->s + t->len, sizeof(t->s) - t->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		t->len = min_t(size_t, t->len + n, sizeof(t->s) - 1);
}

static const char *dbg_show(struct dbg_text *t, const struct vsr_replica *r)
{
	t->len = 0;
	t->s[0] = 0;
	vsr_replica_debug_show(r, dbg_print, t);
	return t->s;
}

/*
 * The driver's debugging views follow the replica: the debug dump (status,
 * view, the primary's acks, a recovery's answers) and the state transfer
 * in progress.
 */
static void vsr_debug_views(struct kunit *test)
{
	struct vsr_sim *s = scripted(3, 11, false);
	struct dbg_text *t = kzalloc(sizeof(*t), GFP_KERNEL);
	const struct vsr_replica *r;
	struct vsr_core_status a;
	struct vsr_core_fetch f;
	bool fetched = false;
	char line[64];
	u32 i;

	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_ASSERT_NOT_NULL(test, t);
	KUNIT_ASSERT_TRUE(test, run_until_idle(s, 2000));
	st(s, 0, &a);
	KUNIT_ASSERT_TRUE(test, a.is_primary);
	dbg_show(t, vsr_sim_replica(s, 0));
	KUNIT_EXPECT_NOT_NULL(test, strstr(t->s, "status normal\n"));
	KUNIT_EXPECT_NOT_NULL(test, strstr(t->s, "\nview 0\n"));
	KUNIT_EXPECT_NOT_NULL(test, strstr(t->s, "\nprimary 0 (self)\n"));
	KUNIT_EXPECT_NOT_NULL(test, strstr(t->s, "\n  peer 2 acked "));
	KUNIT_EXPECT_NOT_NULL(test, strstr(t->s, "\nfetch none\n"));
	vsr_replica_get_fetch(vsr_sim_replica(s, 0), &f);
	KUNIT_EXPECT_FALSE(test, f.active);

	/* A restarted backup recovers: answers, then a pull from 0. */
	vsr_sim_crash(s, 2, 5);
	for (i = 0; i < 100 && !vsr_sim_replica(s, 2); i++)
		vsr_sim_step(s);
	r = vsr_sim_replica(s, 2);
	KUNIT_ASSERT_NOT_NULL(test, r);
	dbg_show(t, r);
	KUNIT_EXPECT_NOT_NULL(test, strstr(t->s, "status recovering\n"));
	KUNIT_EXPECT_NOT_NULL(test, strstr(t->s, "\nrecovery: nonce "));
	/* The attempt's window, a first attempt's: not backed off. */
	snprintf(line, sizeof(line), "\n  attempt %u ticks streak 0 late no round ",
		 r->cfg.recovery_ticks);
	KUNIT_EXPECT_NOT_NULL(test, strstr(t->s, line));
	KUNIT_EXPECT_NOT_NULL(test, strstr(t->s, "\nview_change_streak "));
	for (i = 0; i < 500; i++) {
		st(s, 2, &a);
		if (a.status != VSR_STATUS_RECOVERING)
			break;
		vsr_replica_get_fetch(r, &f);
		if (f.active && !fetched) {
			fetched = true;
			KUNIT_EXPECT_EQ(test, f.purpose, (u32)VSR_FETCH_RECOVERY);
			KUNIT_EXPECT_EQ(test, f.source, 0u);
			dbg_show(t, r);
			KUNIT_EXPECT_NOT_NULL(test,
					      strstr(t->s, "\nfetch recovery from 0 "));
		}
		vsr_sim_step(s);
	}
	KUNIT_EXPECT_TRUE(test, fetched);
	KUNIT_EXPECT_EQ(test, a.status, (u32)VSR_STATUS_NORMAL);

	/* The primary cut off: the others move on to a later view. */
	isolate(s, 0, true);
	for (i = 0; i < 3000; i++) {
		st(s, 1, &a);
		if (a.status == VSR_STATUS_NORMAL && a.view > 0)
			break;
		vsr_sim_step(s);
	}
	KUNIT_ASSERT_GT(test, a.view, 0u);
	dbg_show(t, vsr_sim_replica(s, 1));
	snprintf(line, sizeof(line), "\nview %u\n", a.view);
	KUNIT_EXPECT_NOT_NULL(test, strstr(t->s, line));
	KUNIT_EXPECT_NOT_NULL(test, strstr(t->s, "status normal\n"));
	isolate(s, 0, false);
	KUNIT_EXPECT_TRUE(test, run_until_idle(s, 3000));
	KUNIT_EXPECT_EQ(test, s->violation, 0);
	kfree(t);
	vsr_sim_destroy(s);
}

/* A replica that can send but not hear must not churn views. */
static void vsr_quorum_lone_voter(struct kunit *test)
{
	struct vsr_sim *s = scripted(3, 12, false);
	struct vsr_core_status a, b;
	u32 t, i;

	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_ASSERT_TRUE(test, run_until_idle(s, 2000));
	st(s, 0, &a);
	for (i = 0; i < 3; i++)
		s->block[i][2] = true;	/* replica 2 hears nothing */
	for (t = 0; t < 400; t++) {
		vsr_sim_step(s);
		if (t % 20 == 0)
			vsr_sim_issue(s, 0);
	}
	st(s, 0, &b);
	KUNIT_EXPECT_EQ(test, b.view, a.view);
	KUNIT_EXPECT_TRUE(test, b.is_primary);
	KUNIT_EXPECT_GE(test, s->client[0].acked, 10ull);
	st(s, 2, &b);
	KUNIT_EXPECT_EQ(test, b.view, a.view);
	for (i = 0; i < 3; i++)
		s->block[i][2] = false;
	KUNIT_EXPECT_TRUE(test, run_until_idle(s, 3000));
	KUNIT_EXPECT_EQ(test, s->violation, 0);
	vsr_sim_destroy(s);
}

/*
 * Run @s for @steps steps: false as soon as a replica of it that is normal
 * or in a view change is in a view outside @lo..@hi, or a step fails.
 */
static bool views_within(struct vsr_sim *s, u32 steps, u32 lo, u32 hi)
{
	struct vsr_core_status a;
	u32 i;

	while (steps--) {
		if (vsr_sim_step(s))
			return false;
		for (i = 0; i < s->p.replicas; i++) {
			st(s, i, &a);
			if ((a.status == VSR_STATUS_NORMAL ||
			     a.status == VSR_STATUS_VIEW_CHANGE) &&
			    (a.view < lo || a.view > hi))
				return false;
		}
	}
	return true;
}

/*
 * The last views: a cluster moved to three views before U32_MAX goes on
 * through view changes up to it, and there stays: no replica's view wraps
 * to 0 (where the messages of every view before would be of later ones),
 * and nothing committed is lost.
 */
static void vsr_view_limit(struct kunit *test)
{
	struct vsr_sim *s = scripted(3, 17, false);
	struct vsr_core_status a;
	struct vsr_replica *r;
	u64 acked;
	u32 i, k, v;

	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_ASSERT_TRUE(test, run_until_idle(s, 2000));
	st(s, 0, &a);
	/* The same primary, three view changes before the last view. */
	v = a.view + (U32_MAX - 3 - a.view) / 3 * 3;
	for (i = 0; i < 3; i++) {
		r = s->node[i].r;
		KUNIT_ASSERT_EQ(test, r->view, a.view);
		KUNIT_ASSERT_EQ(test, r->status, (u32)VSR_STATUS_NORMAL);
		r->view = v;
		r->log_view = v;
	}
	for (k = 0; k < 4; k++) {
		/* A write commits, in the view it should. */
		acked = s->client[1].acked;
		vsr_sim_issue(s, 1);
		KUNIT_ASSERT_TRUE(test, run_until_idle(s, 20000));
		KUNIT_EXPECT_GT(test, s->client[1].acked, acked);
		st(s, 1, &a);
		KUNIT_EXPECT_EQ(test, a.view, v + min(k, 3U));
		/* Its primary dies, and comes back; no view goes back. */
		vsr_sim_crash(s, vsr_primary_of(s->node[1].r, a.view), 300);
		KUNIT_ASSERT_TRUE(test, views_within(s, 2000, v, U32_MAX));
	}
	/*
	 * In the last view for good, its primary gone: a write never
	 * commits (protocol.rst, "Limits"), and no view wraps.
	 */
	acked = s->client[1].acked;
	vsr_sim_issue(s, 1);
	KUNIT_ASSERT_TRUE(test, views_within(s, 5000, U32_MAX, U32_MAX));
	KUNIT_EXPECT_EQ(test, s->client[1].acked, acked);
	KUNIT_EXPECT_EQ(test, s->violation, 0);
	vsr_sim_destroy(s);
}

/* A primary that can send but not hear abdicates; the others move on. */
static void vsr_quorum_deaf_primary(struct kunit *test)
{
	struct vsr_sim *s = scripted(3, 13, false);
	struct vsr_core_status a, b;
	u32 t, i;

	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_ASSERT_TRUE(test, run_until_idle(s, 2000));
	st(s, 0, &a);
	KUNIT_ASSERT_TRUE(test, a.is_primary);
	for (i = 1; i < 3; i++)
		s->block[i][0] = true;	/* the primary hears nothing */
	s->client[1].origin = 1;
	vsr_sim_issue(s, 1);
	for (t = 0; t < 600 && s->client[1].busy; t++)
		vsr_sim_step(s);
	st(s, 0, &b);
	KUNIT_EXPECT_TRUE(test, b.abdicated || b.view > a.view);
	st(s, 1, &b);
	KUNIT_EXPECT_GT(test, b.view, a.view);
	KUNIT_EXPECT_FALSE(test, s->client[1].busy);
	for (i = 1; i < 3; i++)
		s->block[i][0] = false;
	KUNIT_EXPECT_TRUE(test, run_until_idle(s, 3000));
	KUNIT_EXPECT_EQ(test, s->violation, 0);
	vsr_sim_destroy(s);
}

/* A replica behind the trim point catches up from a checkpoint. */
static void vsr_trim_checkpoint_catchup(struct kunit *test)
{
	struct vsr_sim *s = scripted(3, 14, false);
	struct vsr_core_status a, b;
	u32 t, k;

	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_ASSERT_TRUE(test, run_until_idle(s, 2000));
	isolate(s, 2, true);
	for (k = 0; k < 6; k++) {
		vsr_sim_issue(s, 0);
		for (t = 0; t < 300 && s->client[0].busy; t++)
			vsr_sim_step(s);
	}
	KUNIT_EXPECT_EQ(test, s->client[0].acked, 6ull);
	/* Trim everything committed so far (replicated through the log). */
	st(s, 0, &a);
	KUNIT_EXPECT_EQ(test, vsr_replica_submit((struct vsr_replica *)
						 vsr_sim_replica(s, 0),
						 VSR_OP_TRIM, 0, a.commit + 1,
						 NULL, 0), 0);
	for (t = 0; t < 100; t++)
		vsr_sim_step(s);
	st(s, 1, &a);
	KUNIT_EXPECT_GT(test, a.trim, 6ull);
	st(s, 2, &b);
	KUNIT_EXPECT_LT(test, b.commit + 1, a.trim);
	isolate(s, 2, false);
	KUNIT_EXPECT_TRUE(test, run_until_idle(s, 3000));
	st(s, 2, &b);
	KUNIT_EXPECT_GE(test, b.checkpoints, 1ull);
	KUNIT_EXPECT_EQ(test, b.trim, a.trim);
	st(s, 0, &a);
	KUNIT_EXPECT_EQ(test, b.commit, a.commit);
	/* A read below the trim point finds nothing; above it, the record. */
	KUNIT_EXPECT_NULL(test, vsr_replica_entry(vsr_sim_replica(s, 2),
						  b.trim - 1));
	KUNIT_EXPECT_EQ(test, s->violation, 0);
	vsr_sim_destroy(s);
}

/* ---- epochs ------------------------------------------------------------- */

/*
 * Propose the next epoch (members @ids[0..@n), NULL: the same) at replica
 * @p until the RECONFIG is in its log, for at most 400 ticks (the first
 * tries commit a NOOP of the primary's view and wait for the members; a
 * backup forwards the change to its primary).
 */
static int reconfigure(struct vsr_sim *s, u32 p, u64 nonce,
		       const struct vsr_member_id *ids, u32 n)
{
	int ret = -EAGAIN;
	u32 t;

	for (t = 0; t < 400 && (ret == -EAGAIN || ret == -EINPROGRESS); t++) {
		ret = vsr_replica_reconfigure(s->node[p].r, nonce, ids, n);
		if (ret == -EAGAIN || ret == -EINPROGRESS)
			vsr_sim_step(s);
	}
	return ret;
}

/* Every replica is normal in @epoch, view 0, through the same commit. */
static void expect_epoch(struct kunit *test, struct vsr_sim *s, u32 epoch)
{
	struct vsr_core_status a, b;
	u32 i;

	st(s, 0, &a);
	for (i = 0; i < s->n; i++) {
		st(s, i, &b);
		KUNIT_EXPECT_EQ(test, b.status, (u32)VSR_STATUS_NORMAL);
		KUNIT_EXPECT_EQ(test, b.epoch, epoch);
		KUNIT_EXPECT_EQ(test, b.commit, a.commit);
		KUNIT_EXPECT_EQ(test, b.trim, a.trim);
	}
}

/*
 * The primary's own durable report is what commits a RECONFIG: one
 * backup's disk is stuck, and the primary's stops once the RECONFIG is in
 * its log, so only the other backup acks it.  When the primary's disk
 * comes back, that report commits the change, and the primary switches
 * to the new epoch there and then (the simulator fails a report that
 * leaves a switch pending); the three go on in epoch 1.
 */
static void vsr_durable_switch(struct kunit *test)
{
	struct vsr_sim *s = scripted_disks(3, 87, 4);
	struct vsr_core_status a, b;
	u32 t;

	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_ASSERT_TRUE(test, run_until_idle(s, 2000));
	KUNIT_ASSERT_TRUE(test, write_records(s, 5));
	st(s, 0, &a);
	KUNIT_ASSERT_TRUE(test, a.is_primary);
	s->node[2].disk_stuck = true;
	KUNIT_ASSERT_EQ(test, reconfigure(s, 0, 9, NULL, 0), 0);
	s->node[0].disk_stuck = true;
	st(s, 0, &a);
	for (t = 0; t < 100; t++)
		vsr_sim_step(s);
	st(s, 0, &b);
	KUNIT_EXPECT_EQ(test, b.epoch, 0u);
	KUNIT_EXPECT_EQ(test, b.commit, a.op - 1);
	st(s, 1, &b);
	KUNIT_EXPECT_EQ(test, b.op, a.op);
	s->node[0].disk_stuck = false;
	for (t = 0; t < 20 && s->node[0].reported < a.op; t++)
		vsr_sim_step(s);
	KUNIT_EXPECT_EQ(test, s->node[0].reported, a.op);
	st(s, 0, &b);
	KUNIT_EXPECT_EQ(test, b.epoch, 1u);
	s->node[2].disk_stuck = false;
	KUNIT_EXPECT_TRUE(test, run_until_idle(s, 3000));
	expect_epoch(test, s, 1);
	KUNIT_EXPECT_TRUE(test, write_records(s, 20));
	KUNIT_EXPECT_EQ(test, s->violation, 0);
	vsr_sim_destroy(s);
}

/*
 * A durable primary leads a new epoch only once the switch is on its
 * disk: the primary's disk sticks as soon as it asks for epoch 1 to be
 * written.  It is epoch 1's primary of view 0 and hears its backups, but
 * appends nothing: a write waits, and no replica's log grows past the
 * change.  Once the disk writes, the write commits in epoch 1.
 */
static void vsr_durable_epoch(struct kunit *test)
{
	struct vsr_sim *s = scripted_disks(3, 87, 4);
	struct vsr_sim_node *np = &s->node[0];
	struct vsr_core_status a, b;
	u32 t, i;

	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_ASSERT_TRUE(test, run_until_idle(s, 2000));
	KUNIT_ASSERT_TRUE(test, write_records(s, 5));
	st(s, 0, &a);
	KUNIT_ASSERT_TRUE(test, a.is_primary);
	KUNIT_ASSERT_EQ(test, reconfigure(s, 0, 9, NULL, 0), 0);
	for (t = 0; t < 1000 && !np->disk_stuck; t++) {
		vsr_sim_step(s);
		if ((np->view_asked && np->view_want.epoch == 1) ||
		    (np->view_writing && np->view_write.epoch == 1))
			np->disk_stuck = true;
	}
	KUNIT_ASSERT_TRUE(test, np->disk_stuck);
	st(s, 0, &a);
	KUNIT_EXPECT_EQ(test, a.epoch, 1u);
	vsr_sim_issue(s, 0);
	for (t = 0; t < 200; t++)
		vsr_sim_step(s);
	for (i = 0; i < 3; i++) {
		st(s, i, &b);
		KUNIT_EXPECT_EQ(test, b.status, (u32)VSR_STATUS_NORMAL);
		KUNIT_EXPECT_EQ(test, b.epoch, 1u);
		KUNIT_EXPECT_EQ(test, b.view, 0u);
		KUNIT_EXPECT_EQ(test, b.op, a.op);
	}
	KUNIT_EXPECT_TRUE(test, s->client[0].busy);
	np->disk_stuck = false;
	for (t = 0; t < 500 && s->client[0].busy; t++)
		vsr_sim_step(s);
	KUNIT_EXPECT_FALSE(test, s->client[0].busy);
	st(s, 0, &b);
	KUNIT_EXPECT_EQ(test, b.epoch, 1u);
	KUNIT_EXPECT_GT(test, b.commit, a.op);
	KUNIT_EXPECT_TRUE(test, run_until_idle(s, 3000));
	expect_epoch(test, s, 1);
	KUNIT_EXPECT_EQ(test, s->violation, 0);
	vsr_sim_destroy(s);
}

/*
 * Regression: the whole cluster loses power after the RECONFIG committed,
 * while no replica's switch to the new epoch is on its disk.  Each comes
 * back from its disk in the old epoch as a new incarnation, which the op
 * did not record: only the disk, which holds each one's history and no
 * switch, lets them enter the new epoch normal.  (Entering it recovering,
 * none would be normal there, and it would never start.)
 */
static void vsr_durable_epoch_power(struct kunit *test)
{
	struct vsr_sim *s = scripted_disks(3, 87, 4);
	struct vsr_core_status a;
	u32 t, i, held = 0;

	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_ASSERT_TRUE(test, run_until_idle(s, 2000));
	KUNIT_ASSERT_TRUE(test, write_records(s, 5));
	KUNIT_ASSERT_EQ(test, reconfigure(s, 0, 9, NULL, 0), 0);
	for (t = 0; t < 1000 && held < 3; t++) {
		vsr_sim_step(s);
		for (i = 0, held = 0; i < 3; i++) {
			struct vsr_sim_node *nd = &s->node[i];

			if ((nd->view_asked && nd->view_want.epoch == 1) ||
			    (nd->view_writing && nd->view_write.epoch == 1))
				nd->disk_stuck = true;
			held += nd->disk_stuck;
		}
	}
	KUNIT_ASSERT_EQ(test, held, 3u);
	for (i = 0; i < 3; i++) {
		KUNIT_EXPECT_EQ(test, s->node[i].disk_view.epoch, 0u);
		s->node[i].disk_stuck = false;
		s->node[i].restore_mode = 1;
		vsr_sim_crash(s, i, 3);
	}
	KUNIT_EXPECT_TRUE(test, run_until_idle(s, 3000));
	KUNIT_EXPECT_EQ(test, s->res.restores, 3ull);
	for (i = 0; i < 3; i++) {
		st(s, i, &a);
		KUNIT_EXPECT_EQ(test, a.status, (u32)VSR_STATUS_NORMAL);
		KUNIT_EXPECT_EQ(test, a.epoch, 1u);
	}
	KUNIT_EXPECT_TRUE(test, write_records(s, 5));
	/* And again, now from disks of the new epoch. */
	for (i = 0; i < 3; i++)
		vsr_sim_crash(s, i, 3);
	KUNIT_EXPECT_TRUE(test, run_until_idle(s, 3000));
	KUNIT_EXPECT_EQ(test, s->res.restores_epoch, 3ull);
	KUNIT_EXPECT_TRUE(test, write_records(s, 5));
	expect_epoch(test, s, 1);
	KUNIT_EXPECT_EQ(test, s->violation, 0);
	vsr_sim_destroy(s);
}

/* Three durable replicas (disks of up to 4 ticks), idle after @n writes. */
static struct vsr_sim *durable_three(struct kunit *test, u64 seed, u32 n)
{
	struct vsr_sim *s = scripted_disks(3, seed, 4);

	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_ASSERT_TRUE(test, run_until_idle(s, 2000));
	KUNIT_ASSERT_TRUE(test, write_records(s, n));
	return s;
}

/*
 * A durable replica reuses no slot of its disk's ring that the checkpoint
 * on the disk still needs: one backup's records are held (its log still
 * flushes), so its disk keeps the checkpoint it had while its log moves
 * on.  It makes ops durable only until its ring is full from that
 * checkpoint; the other two go on, and it falls so far behind that it
 * takes a checkpoint over, which it cannot ack above until the checkpoint
 * is written.  Once its records are written again, it catches up.
 */
static void vsr_durable_checkpoint(struct kunit *test)
{
	struct vsr_sim *s = durable_three(test, 91, 5);
	struct vsr_core_status p, b;
	struct vsr_sim_node *ny;
	u32 i, cap;
	u64 kept;

	KUNIT_ASSERT_EQ(test, primary_node(s), 0u);
	for (i = 0; i < 3; i++)
		KUNIT_ASSERT_EQ(test, vsr_replica_set_retain(s->node[i].r, 8), 0);
	ny = &s->node[2];
	ny->record_held = true;
	kept = ny->disk_view.ckpt;
	cap = ny->r->log.cap;
	for (i = 0; i < 2 * cap; i++)
		KUNIT_ASSERT_TRUE(test, write_one(s, 0));
	st(s, 0, &p);
	st(s, 2, &b);
	KUNIT_EXPECT_EQ(test, ny->disk_view.ckpt, kept);
	KUNIT_EXPECT_GT(test, b.trim, kept + cap);
	KUNIT_EXPECT_LE(test, b.durable, kept + cap);
	KUNIT_EXPECT_GT(test, p.commit, kept + cap + cap / 2);
	KUNIT_EXPECT_EQ(test, b.status, (u32)VSR_STATUS_NORMAL);
	ny->record_held = false;
	KUNIT_EXPECT_TRUE(test, run_until_idle(s, 3000));
	KUNIT_EXPECT_TRUE(test, write_records(s, 20));
	st(s, 0, &p);
	st(s, 2, &b);
	KUNIT_EXPECT_EQ(test, b.commit, p.commit);
	KUNIT_EXPECT_EQ(test, b.durable, b.op);
	KUNIT_EXPECT_GT(test, ny->disk_view.ckpt, kept + cap);
	KUNIT_EXPECT_EQ(test, s->violation, 0);
	vsr_sim_destroy(s);
}

/*
 * After a checkpoint taken over, a durable replica acks nothing above it
 * until its disk holds it: the ops up to it were never written there, so
 * a restart could replay none of those above.  A backup cut off while the
 * others write and trim takes the primary's checkpoint over when it comes
 * back, with its records held: it pulls and writes the ops above, but its
 * acks name no op until the checkpoint is written.
 */
static void vsr_durable_takeover(struct kunit *test)
{
	struct vsr_sim *s = durable_three(test, 93, 5);
	struct vsr_sim_node *ny = &s->node[2];
	struct vsr_core_status b;
	u32 i, t;

	KUNIT_ASSERT_EQ(test, primary_node(s), 0u);
	for (i = 0; i < 3; i++)
		KUNIT_ASSERT_EQ(test, vsr_replica_set_retain(s->node[i].r, 8), 0);
	isolate(s, 2, true);
	for (i = 0; i < 60; i++)
		KUNIT_ASSERT_TRUE(test, write_one(s, 0));
	ny->record_held = true;
	isolate(s, 2, false);
	for (t = 0; t < 300; t++)
		vsr_sim_step(s);
	st(s, 2, &b);
	KUNIT_EXPECT_GT(test, b.trim, ny->disk_view.ckpt + 20);
	KUNIT_EXPECT_GT(test, b.op, b.trim);
	KUNIT_EXPECT_LT(test, b.durable + 1, b.trim);
	ny->record_held = false;
	KUNIT_EXPECT_TRUE(test, run_until_idle(s, 3000));
	KUNIT_EXPECT_TRUE(test, write_records(s, 20));
	st(s, 2, &b);
	KUNIT_EXPECT_EQ(test, b.durable, b.op);
	KUNIT_EXPECT_EQ(test, s->violation, 0);
	vsr_sim_destroy(s);
}

/*
 * A durable primary whose disk hangs (no error, no completion) gives way:
 * its backups commit without it, but its ring fills with ops it can
 * neither make durable nor trim, and they would go on hearing it for
 * ever.  It abdicates, another primary takes over, and twice its ring of
 * writes pass.
 */
static void vsr_durable_primary_disk_hangs(struct kunit *test)
{
	struct vsr_sim *s = durable_three(test, 91, 5);
	struct vsr_core_status a;
	u32 i, cap;

	KUNIT_ASSERT_EQ(test, primary_node(s), 0u);
	s->node[0].disk_stuck = true;
	cap = s->node[0].r->log.cap;
	for (i = 0; i < 2 * cap; i++)
		KUNIT_ASSERT_TRUE(test, write_one(s, 1));
	st(s, 1, &a);
	KUNIT_EXPECT_GT(test, a.view, 0u);
	KUNIT_EXPECT_GT(test, a.commit, 2ull * cap);
	s->node[0].disk_stuck = false;
	KUNIT_EXPECT_TRUE(test, run_until_idle(s, 3000));
	KUNIT_EXPECT_EQ(test, s->violation, 0);
	vsr_sim_destroy(s);
}

/*
 * The whole cluster loses power, and @unusable of its three disks cannot
 * be used (their replicas recover from the others, as without a disk).
 * With one, the cluster comes back and writes on; with more, it may not
 * come back, but a replica whose disk was in service never bootstraps a
 * new, empty log over what was committed.
 */
static bool power_loss_unusable(struct kunit *test, u32 unusable)
{
	struct vsr_sim *s = durable_three(test, 101, 10);
	struct vsr_core_status a;
	bool back = true;
	u64 commit;
	u32 i, t;

	KUNIT_ASSERT_TRUE(test, run_until_idle(s, 2000));
	st(s, 0, &a);
	commit = a.commit;
	for (i = 0; i < 3; i++) {
		s->node[i].restore_mode = i < unusable ? 2 : 1;
		vsr_sim_crash(s, i, 3);
	}
	for (t = 0; t < 3000; t++)
		vsr_sim_step(s);
	for (i = 0; i < 3; i++) {
		st(s, i, &a);
		if (a.status == VSR_STATUS_NORMAL)
			KUNIT_EXPECT_GE(test, a.commit, commit);
		else
			back = false;
	}
	if (unusable < 2)
		KUNIT_EXPECT_TRUE(test, back && write_records(s, 5));
	KUNIT_EXPECT_EQ(test, s->violation, 0);
	vsr_sim_destroy(s);
	return back;
}

static void vsr_restart_power_loss(struct kunit *test)
{
	KUNIT_EXPECT_TRUE(test, power_loss_unusable(test, 0));
	KUNIT_EXPECT_TRUE(test, power_loss_unusable(test, 1));
	power_loss_unusable(test, 2);
	KUNIT_EXPECT_FALSE(test, power_loss_unusable(test, 3));
}

/*
 * A lost write of slot @sl in @copies (bits): they hold an older view's
 * entry of its op, as intact as any, chained on the same op below.
 */
static void lose_write(struct kunit *test, struct vsr_sim_slot *sl, u8 copies)
{
	struct vsr_entry_hdr h;

	KUNIT_ASSERT_NOT_NULL(test, sl->e);
	h = sl->e->h;
	h.view--;
	h.checksum = vsr_entry_checksum(&h, sl->e->data);
	vsr_free(sl->prev);
	sl->prev = vsr_entry_new(&h, sl->e->data, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, sl->prev);
	sl->lost = copies;
	sl->stale = copies;
}

/*
 * The whole cluster loses power, and one disk's log no longer holds what
 * its replica acked below its record's head: that replica must not restart
 * from it; it recovers from the other two, which come back from their
 * disks.  Nothing committed is lost, and writes go on.  (A view change
 * first, so that the records name a head above the checkpoint.)  The
 * damage: a slot unreadable (a latent sector error), or, with @lost_write,
 * the head's slot holding the entry an older view wrote at that op.
 */
static void restart_one_damaged(struct kunit *test, bool lost_write)
{
	struct vsr_sim *s = durable_three(test, 103, 12);
	struct vsr_core_status a;
	u32 i, p, q, d;
	u64 commit;

	p = primary_node(s);
	KUNIT_ASSERT_GT(test, 3u, p);
	s->node[p].restore_mode = 1;
	vsr_sim_crash(s, p, 50);
	KUNIT_ASSERT_TRUE(test, write_records(s, 4));
	KUNIT_ASSERT_TRUE(test, run_until_idle(s, 2000));
	/* The new view's backup that did not crash. */
	q = primary_node(s);
	KUNIT_ASSERT_GT(test, 3u, q);
	d = q != p ? 3 - p - q : (q + 1) % 3;
	KUNIT_ASSERT_GT(test, s->node[d].disk_view.op, s->node[d].disk_view.ckpt);
	KUNIT_ASSERT_GT(test, s->node[d].disk_view.view, 0u);
	st(s, d, &a);
	commit = a.commit;
	for (i = 0; i < 3; i++) {
		s->node[i].restore_mode = i == d && !lost_write ? 3 : 1;
		vsr_sim_crash(s, i, 3);
	}
	if (lost_write) {
		/* An older view's entry of the head's op, in both copies. */
		lose_write(test, &s->node[d].disk[s->node[d].disk_view.op],
			   VSR_SIM_COPIES);
	}
	KUNIT_EXPECT_TRUE(test, run_until_idle(s, 3000));
	KUNIT_EXPECT_EQ(test, s->res.damaged, lost_write ? 0ull : 1ull);
	KUNIT_EXPECT_EQ(test, s->res.restores_refused, 1ull);
	KUNIT_EXPECT_EQ(test, s->res.restores, 3ull);
	for (i = 0; i < 3; i++) {
		st(s, i, &a);
		KUNIT_EXPECT_EQ(test, a.status, (u32)VSR_STATUS_NORMAL);
		KUNIT_EXPECT_GE(test, a.commit, commit);
	}
	KUNIT_EXPECT_TRUE(test, write_records(s, 5));
	KUNIT_EXPECT_EQ(test, s->violation, 0);
	vsr_sim_destroy(s);
}

/*
 * The ring's two copies.  The whole cluster loses power with ops above the
 * heads its records name (no record is raised here), and each disk has one
 * copy of two of those ops bad: the last op it wrote, and the one below,
 * in the other copy.  On replica 0's disk, copy 0 of the op below those
 * also lost its last write: it holds an older view's entry of that op, as
 * intact as any.  Every replica restarts from its own disk with every op
 * it wrote, taking each slot from the copy written last, and mends the
 * other.  (revert.sh 56 reads copy 0 alone: replicas come back without
 * ops they acked; 57 takes the first valid copy, the older entry.)
 */
static void vsr_restart_one_copy(struct kunit *test)
{
	struct vsr_sim *s = durable_three(test, 107, 12);
	struct vsr_core_status a;
	struct vsr_sim_node *nd;
	u64 top[3], commit, restores;
	u32 i, p;

	/* Ops of view 1 on top, so that an older view's entry can be. */
	p = primary_node(s);
	KUNIT_ASSERT_GT(test, 3u, p);
	s->node[p].restore_mode = 1;
	vsr_sim_crash(s, p, 50);
	KUNIT_ASSERT_TRUE(test, write_records(s, 6));
	KUNIT_ASSERT_TRUE(test, run_until_idle(s, 2000));
	st(s, primary_node(s), &a);
	commit = a.commit;
	restores = s->res.restores;
	KUNIT_ASSERT_EQ(test, s->res.restores_refused + s->res.mended, 0ull);
	for (i = 0; i < 3; i++) {
		nd = &s->node[i];
		for (top[i] = nd->disk_cap - 1; top[i] && !nd->disk[top[i]].written;
		     top[i]--)
			;
		KUNIT_ASSERT_GT(test, top[i], nd->disk_view.op + 3);
		nd->disk[top[i]].lost = 1u << (i % 2);
		nd->disk[top[i] - 1].lost = 1u << !(i % 2);
		nd->restore_mode = 1;
		vsr_sim_crash(s, i, 3);
	}
	KUNIT_ASSERT_NOT_NULL(test, s->node[0].disk[top[0] - 2].e);
	KUNIT_ASSERT_GT(test, s->node[0].disk[top[0] - 2].e->h.view, 0u);
	lose_write(test, &s->node[0].disk[top[0] - 2], 1);
	KUNIT_EXPECT_TRUE(test, run_until_idle(s, 3000));
	KUNIT_EXPECT_EQ(test, s->res.restores, restores + 3);
	KUNIT_EXPECT_EQ(test, s->res.restores_refused, 0ull);
	KUNIT_EXPECT_EQ(test, s->res.damaged, 0ull);
	KUNIT_EXPECT_EQ(test, s->res.mended, 7ull);
	for (i = 0; i < 3; i++) {
		st(s, i, &a);
		KUNIT_EXPECT_EQ(test, a.status, (u32)VSR_STATUS_NORMAL);
		KUNIT_EXPECT_GE(test, a.op, top[i]);
		KUNIT_EXPECT_GE(test, a.commit, commit);
		KUNIT_EXPECT_EQ(test, s->node[i].disk[top[i]].lost, 0);
	}
	KUNIT_EXPECT_TRUE(test, write_records(s, 5));
	KUNIT_EXPECT_EQ(test, s->violation, 0);
	vsr_sim_destroy(s);
}

/* A latent sector error.  (revert.sh 52 restarts from the damaged disk.) */
static void vsr_restart_damaged(struct kunit *test)
{
	restart_one_damaged(test, false);
}

/*
 * A lost write: the head's slot is intact and chains on the op below, and
 * only the record's checksum of its head tells.  (revert.sh 55 checks the
 * head's op only.)
 */
static void vsr_restart_lost_write(struct kunit *test)
{
	restart_one_damaged(test, true);
}

/*
 * Restarts in epoch 1 straight from a made-up disk: replica 0 of three,
 * whose epoch started with the RECONFIG at op 5.  restore_cut() builds a
 * chain from the cluster's root, op i of view @views[i - 1] (a RECONFIG
 * where @conf[i - 1] names its epoch, 1 being the one that started ours
 * and is the same entry), hands ops 1..@n over with a record of epoch 1,
 * view 0, log view 0 and head @head, and returns the log's head after
 * vsr_replica_restore() (or -1 if it refused the disk).
 */
#define RESTORE_K	5

static void nop_send(void *ctx, unsigned int to, const void *buf, size_t len);

static void nop_persist(void *ctx, const struct vsr_persist *p)
{
}

static void restore_conf(u8 *conf, u32 epoch)
{
	u32 i;

	memset(conf, 0, VSR_RECONFIG_SIZE(3));
	put_unaligned_le32(epoch, conf);
	put_unaligned_le32(3, conf + 4);
	for (i = 0; i < 3; i++) {
		put_unaligned_le64(0x100 + i, conf + VSR_RECONFIG_SIZE(i));
		put_unaligned_le32(i + 1, conf + VSR_RECONFIG_SIZE(i) + 8);
	}
}

static s64 restore_cut(struct kunit *test, const u32 *views, const u8 *confs,
		       u32 n, u64 head)
{
	static const struct vsr_ops ops = {
		.send = nop_send, .persist = nop_persist,
	};
	/* (Off the stack: the debug kernel's frames are 1,024 bytes.) */
	struct {
		struct vsr_entry *es[16];
		struct vsr_core_config cfg;
	} *b = kunit_kzalloc(test, sizeof(*b), GFP_KERNEL);
	struct vsr_entry **es = b->es;
	struct vsr_core_config *cfg = &b->cfg;
	struct vsr_member_id ids[3] = {};
	struct vsr_restore rs = {};
	struct vsr_replica *r;
	u8 conf[VSR_RECONFIG_SIZE(3)];
	struct vsr_entry_hdr h = {};
	u32 i, csum;
	s64 ret = -1;

	KUNIT_ASSERT_NOT_NULL(test, b);
	memset(conf, 0, sizeof(conf));
	vsr_core_config_defaults(cfg);
	cfg->cluster = 5;
	cfg->epochs = true;
	cfg->durable = true;
	cfg->restore = true;
	cfg->epoch = 1;
	cfg->replica_count = 3;
	cfg->replica = 0;
	for (i = 0; i < 3; i++)
		put_unaligned_le32(i + 1, ids[i].b);
	cfg->members = ids;
	csum = vsr_chain_root(cfg->cluster);
	for (i = 0; i < n; i++) {
		memset(&h, 0, sizeof(h));
		h.op = i + 1;
		h.view = views[i];
		h.parent = csum;
		h.type = confs[i] ? VSR_OP_RECONFIG : VSR_OP_NOOP;
		if (confs[i]) {
			restore_conf(conf, confs[i]);
			h.len = VSR_RECONFIG_SIZE(3);
		}
		h.checksum = vsr_entry_checksum(&h, conf);
		csum = h.checksum;
		es[i] = vsr_entry_new(&h, conf, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, es[i]);
		if (h.op == RESTORE_K && confs[i] == 1)
			cfg->start = es[i];
		if (h.op == head) {
			cfg->persisted.op = head;
			cfg->persisted.csum = csum;
		}
	}
	/* The disk's record of epoch 1 (its start, as it was). */
	cfg->persisted.epoch = 1;
	cfg->persisted.flags = VSR_PERSIST_SERVICE;
	if (!cfg->start) {
		restore_conf(conf, 1);
		memset(&h, 0, sizeof(h));
		h.op = RESTORE_K;
		h.type = VSR_OP_RECONFIG;
		h.len = VSR_RECONFIG_SIZE(3);
		h.checksum = vsr_entry_checksum(&h, conf);
		es[15] = vsr_entry_new(&h, conf, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, es[15]);
		cfg->start = es[15];
	}
	r = vsr_replica_create(cfg, &ops, NULL);
	KUNIT_ASSERT_NOT_NULL(test, r);
	rs.ckpt_csum = vsr_chain_root(cfg->cluster);
	rs.entries = (const struct vsr_entry *const *)es;
	rs.count = n;
	if (!vsr_replica_restore(r, &rs))
		ret = r->log.head;
	vsr_replica_destroy(r);
	for (i = 0; i < 16; i++)
		vsr_free(es[i]);
	return ret;
}

/*
 * The ops up to the RECONFIG that started the epoch are of earlier
 * epochs, whose views are numbered apart: a record written on entering
 * the epoch behind (head 3, below op 5) keeps them, and ours above, with
 * views below those.  (revert.sh 46 compares their views and cuts ops
 * the replica acked.)
 */
static void vsr_restore_epoch_views(struct kunit *test)
{
	static const u32 views[] = { 2, 3, 3, 3, 3, 0, 0, 0 };
	static const u8 confs[] = { 0, 0, 0, 0, 1, 0, 0, 0 };

	KUNIT_EXPECT_EQ(test, restore_cut(test, views, confs, 8, 3), 8);
	KUNIT_EXPECT_EQ(test, restore_cut(test, views, confs, 8, 7), 8);
}

/*
 * Without the RECONFIG that started the epoch at its op, what the ring
 * holds above a record's head below it is an earlier incarnation's, never
 * committed: the log ends at the head.  (revert.sh 48 keeps ops 4 to 8.)
 */
static void vsr_restore_epoch_start_missing(struct kunit *test)
{
	static const u32 views[] = { 0, 0, 0, 1, 1, 1, 1, 1 };
	static const u8 confs[] = { 0, 0, 0, 0, 0, 0, 0, 0 };

	KUNIT_EXPECT_EQ(test, restore_cut(test, views, confs, 8, 3), 3);
}

/*
 * Nothing of our epoch follows a RECONFIG of the next (at op 7): a backup
 * that applied it followed the next epoch's primary before its switch was
 * on the disk, and acked nothing after it.  So whether the record's head
 * is below that op or is that op.  (revert.sh 49 and 51.)
 */
static void vsr_restore_next_epoch_cut(struct kunit *test)
{
	static const u32 views[] = { 0, 0, 0, 0, 0, 0, 0, 0, 0 };
	static const u8 confs[] = { 0, 0, 0, 0, 1, 0, 2, 0, 0 };

	KUNIT_EXPECT_EQ(test, restore_cut(test, views, confs, 9, 6), 7);
	KUNIT_EXPECT_EQ(test, restore_cut(test, views, confs, 9, 7), 7);
}

/*
 * A cluster of one whose disk cannot be used waits: it would otherwise
 * start afresh over the ops it committed.
 */
static void vsr_restart_single_unusable(struct kunit *test)
{
	struct vsr_sim *s = scripted_disks(1, 99, 4);
	struct vsr_core_status a;
	u32 t;

	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_ASSERT_TRUE(test, run_until_idle(s, 2000));
	KUNIT_ASSERT_TRUE(test, write_records(s, 10));
	KUNIT_ASSERT_TRUE(test, run_until_idle(s, 2000));
	s->node[0].restore_mode = 2;
	vsr_sim_crash(s, 0, 3);
	vsr_sim_issue(s, 0);
	for (t = 0; t < 500; t++)
		vsr_sim_step(s);
	st(s, 0, &a);
	KUNIT_EXPECT_EQ(test, a.status, (u32)VSR_STATUS_RECOVERING);
	KUNIT_EXPECT_EQ(test, s->violation, 0);
	/* From its disk, it comes back with all of them. */
	s->node[0].restore_mode = 1;
	vsr_sim_crash(s, 0, 3);
	KUNIT_EXPECT_TRUE(test, run_until_idle(s, 2000));
	KUNIT_EXPECT_TRUE(test, write_records(s, 5));
	KUNIT_EXPECT_EQ(test, s->violation, 0);
	vsr_sim_destroy(s);
}

/*
 * The record on a backup's disk names a head that a view change then
 * drops: the primary of view 0 sends two ops to backup 4 alone, which
 * writes them and crashes.  4, whose datagrams are lost, promises view 1
 * with them as its head; 1, 2 and 3 go on in view 1 without them.  4
 * takes view 1's log, truncated below its record's head, and (its next
 * record held back) writes the new ops over those slots before the
 * record that names them: its driver lowers the disk's record first.
 * The whole cluster loses power @cut ticks after the held record may go;
 * every replica restarts from its own disk (a refused one is a
 * violation), and the cluster writes on.  Returns false once the window
 * had closed before the cut.
 */
static bool lowered_head_cut(struct kunit *test, u32 cut)
{
	struct vsr_sim *s = scripted_disks(5, 103, 2);
	struct vsr_sim_node *b = &s->node[4];
	struct vsr_core_status a;
	u32 i, t, csum, old;
	bool open;
	u64 head;

	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_ASSERT_TRUE(test, run_until_idle(s, 2000));
	KUNIT_ASSERT_EQ(test, primary_node(s), 0u);
	s->client[0].origin = 0;
	s->client[1].origin = 0;
	s->client[2].origin = 1;
	KUNIT_ASSERT_TRUE(test, write_records(s, 5));
	st(s, 0, &a);
	head = a.op;
	for (i = 1; i < 4; i++)
		s->block[0][i] = true;
	vsr_sim_issue(s, 0);
	vsr_sim_issue(s, 1);
	for (t = 0; t < 30 && b->reported < head + 2; t++)
		vsr_sim_step(s);
	KUNIT_ASSERT_EQ(test, b->reported, head + 2);
	s->node[0].restore_mode = 2;
	vsr_sim_crash(s, 0, 200);
	s->client[0].busy = false;
	s->client[1].busy = false;
	for (i = 0; i < 4; i++) {
		s->block[0][i] = false;
		s->block[4][i] = true;
	}
	for (t = 0; t < 500 && !b->disk_view.view; t++)
		vsr_sim_step(s);
	KUNIT_ASSERT_EQ(test, b->disk_view.op, head + 2);
	KUNIT_ASSERT_EQ(test, b->disk_view.log_view, 0u);
	old = b->disk_view.csum;
	b->record_held = true;
	KUNIT_ASSERT_TRUE(test, write_one(s, 2));
	KUNIT_ASSERT_TRUE(test, write_one(s, 2));
	KUNIT_ASSERT_TRUE(test, write_one(s, 2));
	/* 4's log holds view 1's ops over them; the window opens. */
	KUNIT_ASSERT_TRUE(test, vsr_log_csum(&b->r->log, head + 2, &csum));
	KUNIT_ASSERT_NE(test, csum, old);
	KUNIT_ASSERT_EQ(test, b->disk_view.log_view, 0u);
	/* It lasts until the record of view 1's log lands. */
	b->record_held = false;
	for (t = 0; t < cut; t++)
		vsr_sim_step(s);
	open = !b->disk_view.log_view;
	for (i = 0; i < 4; i++)
		s->block[4][i] = false;
	for (i = 0; i < 5; i++) {
		s->node[i].restore_mode = 1;
		vsr_sim_crash(s, i, 3);
	}
	s->client[2].busy = false;
	KUNIT_EXPECT_TRUE(test, run_until_idle(s, 3000));
	KUNIT_EXPECT_EQ(test, s->res.restores_refused, 0ull);
	for (i = 0; i < 5; i++) {
		st(s, i, &a);
		KUNIT_EXPECT_EQ(test, a.status, (u32)VSR_STATUS_NORMAL);
	}
	KUNIT_EXPECT_TRUE(test, write_one(s, 2));
	KUNIT_EXPECT_EQ(test, s->res.lowered, 1ull);
	KUNIT_EXPECT_EQ(test, s->violation, 0);
	vsr_sim_destroy(s);
	return open;
}

/* Regression: a power cut at every tick of the window above. */
static void vsr_restart_lowered_head(struct kunit *test)
{
	u32 cut;

	for (cut = 0; cut < 40 && lowered_head_cut(test, cut); cut++)
		;
	/* The window lasts a few ticks on these disks. */
	KUNIT_EXPECT_GT(test, cut, 1u);
	KUNIT_EXPECT_LT(test, cut, 40u);
}

/*
 * A replica restarted from its disk never leads the view it had: the
 * primary's datagrams are lost while two writes reach its disk only, then
 * the whole cluster loses power and restarts from its disks, in a view
 * change for view 0.  The old primary gets the others' DOVIEWCHANGEs for
 * view 0, but does not lead it again (it would reuse those op numbers in
 * view 0 for other ops): view 1 comes, and a write commits there.
 */
static void vsr_restart_never_relead(struct kunit *test)
{
	struct vsr_sim *s = durable_three(test, 97, 10);
	struct vsr_core_status a;
	u64 head;
	u32 i, t;

	KUNIT_ASSERT_TRUE(test, run_until_idle(s, 2000));
	KUNIT_ASSERT_EQ(test, primary_node(s), 0u);
	st(s, 0, &a);
	head = a.op;
	s->block[0][1] = true;
	s->block[0][2] = true;
	vsr_sim_issue(s, 1);
	vsr_sim_issue(s, 2);
	for (t = 0; t < 30 && s->node[0].reported < head + 2; t++)
		vsr_sim_step(s);
	KUNIT_ASSERT_EQ(test, s->node[0].reported, head + 2);
	s->block[0][1] = false;
	s->block[0][2] = false;
	for (i = 0; i < 3; i++) {
		s->node[i].restore_mode = 1;
		vsr_sim_crash(s, i, 3);
	}
	s->client[1].busy = false;
	s->client[2].busy = false;
	for (t = 0; t < 4; t++)
		vsr_sim_step(s);
	for (i = 0; i < 3; i++) {
		st(s, i, &a);
		KUNIT_EXPECT_EQ(test, a.status, (u32)VSR_STATUS_VIEW_CHANGE);
		KUNIT_EXPECT_EQ(test, a.view, 0u);
	}
	KUNIT_EXPECT_EQ(test, s->node[0].r->log.head, head + 2);
	KUNIT_EXPECT_TRUE(test, write_one(s, 0));
	st(s, 0, &a);
	KUNIT_EXPECT_GT(test, a.view, 0u);
	KUNIT_EXPECT_TRUE(test, run_until_idle(s, 3000));
	KUNIT_EXPECT_EQ(test, s->violation, 0);
	vsr_sim_destroy(s);
}

/* The identity the simulator gives node @i. */
static struct vsr_member_id node_id(u32 i)
{
	struct vsr_member_id id = {};

	put_unaligned_le32(i + 1, id.b);
	return id;
}

/* The incarnation that the RECONFIG which started @r's epoch recorded. */
static u64 recorded_inc(const struct vsr_replica *r, u32 i)
{
	const struct vsr_wire_reconfig *w = (const void *)r->epoch_conf;

	return get_unaligned_le64(&w->member[i].incarnation);
}

/*
 * Growing from three to five: two joining replicas wait, refuse writes
 * and changes, and disturb nothing; the change names them (at indices 1
 * and 4), they enter epoch 1 recovering, take the whole state from the
 * members that stay, and the five write on with every log the same.
 */
static void vsr_epoch_grow(struct kunit *test)
{
	struct vsr_sim *s = scripted_joiners(3, 2, 41, false);
	struct vsr_member_id ids[5];
	struct vsr_core_status a;
	u32 i;

	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_ASSERT_EQ(test, s->n, 5u);
	KUNIT_ASSERT_TRUE(test, run_until_idle(s, 2000));
	KUNIT_ASSERT_TRUE(test, write_records(s, 20));
	for (i = 3; i < 5; i++) {
		st(s, i, &a);
		KUNIT_EXPECT_EQ(test, a.status, (u32)VSR_STATUS_JOINING);
		KUNIT_EXPECT_EQ(test, a.epoch, 0u);
		KUNIT_EXPECT_EQ(test, a.commit, 0ull);
		KUNIT_EXPECT_EQ(test, vsr_replica_submit(s->node[i].r,
							 VSR_OP_REGISTER, 0, 7,
							 NULL, 0), -ENOTCONN);
		KUNIT_EXPECT_EQ(test, vsr_replica_reconfigure(s->node[i].r, 7,
							      NULL, 0),
				-ENOTCONN);
	}
	ids[0] = node_id(0);
	ids[1] = node_id(3);
	ids[2] = node_id(1);
	ids[3] = node_id(2);
	ids[4] = node_id(4);
	/* Asked at a backup, forwarded to the primary. */
	KUNIT_ASSERT_EQ(test, reconfigure(s, 1, 9, ids, 5), 0);
	KUNIT_ASSERT_TRUE(test, run_until_idle(s, 3000));
	expect_epoch(test, s, 1);
	st(s, 3, &a);
	KUNIT_EXPECT_EQ(test, a.replica, 1u);
	KUNIT_EXPECT_EQ(test, a.replica_count, 5u);
	KUNIT_EXPECT_EQ(test, s->res.joins, 2ull);
	/* Taught as learners, both entered normal: recorded, not recovered. */
	for (i = 3; i < 5; i++) {
		st(s, i, &a);
		KUNIT_EXPECT_EQ(test, a.recoveries, 0ull);
		KUNIT_EXPECT_EQ(test, recorded_inc(s->node[0].r, a.replica),
				s->node[i].r->incarnation);
	}
	KUNIT_ASSERT_TRUE(test, write_records(s, 5));
	expect_epoch(test, s, 1);
	KUNIT_EXPECT_EQ(test, s->violation, 0);
	vsr_sim_destroy(s);
}

/* Step until node @i is a normal primary, for at most @max ticks. */
static bool until_normal_primary(struct vsr_sim *s, u32 i, u32 max)
{
	struct vsr_core_status a;

	while (max--) {
		vsr_sim_step(s);
		st(s, i, &a);
		if (a.is_primary && a.status == VSR_STATUS_NORMAL)
			return true;
	}
	return false;
}

/* Step until replica @i is normal in @epoch; false after @max steps. */
static bool until_normal_in_epoch(struct vsr_sim *s, u32 i, u32 epoch,
				  u32 max)
{
	struct vsr_core_status a;

	while (max--) {
		vsr_sim_step(s);
		st(s, i, &a);
		if (a.epoch == epoch && a.status == VSR_STATUS_NORMAL)
			return true;
	}
	return false;
}

/*
 * Replacing a dead primary: of three, the primary (0) dies for good; the
 * others elect 1, which changes the members to {1, 2, 3}, 3 a joining
 * replica at a new address.  When 0 comes back with its first
 * configuration, it learns that it was removed.
 */
static void vsr_epoch_replace_dead_primary(struct kunit *test)
{
	struct vsr_sim *s = scripted_joiners(3, 1, 43, false);
	struct vsr_member_id ids[3];
	struct vsr_core_status a;
	u32 t;

	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_ASSERT_TRUE(test, run_until_idle(s, 2000));
	KUNIT_ASSERT_TRUE(test, write_records(s, 10));
	vsr_sim_crash(s, 0, 1000000);
	s->client[0].origin = 1;
	KUNIT_ASSERT_TRUE(test, until_normal_primary(s, 1, 500));
	ids[0] = node_id(1);
	ids[1] = node_id(2);
	ids[2] = node_id(3);
	KUNIT_ASSERT_EQ(test, reconfigure(s, 2, 11, ids, 3), 0);
	for (t = 0; t < 1000; t++) {
		vsr_sim_step(s);
		st(s, 3, &a);
		if (a.status == VSR_STATUS_NORMAL)
			break;
	}
	KUNIT_EXPECT_EQ(test, a.status, (u32)VSR_STATUS_NORMAL);
	KUNIT_EXPECT_EQ(test, a.epoch, 1u);
	/* Not idle while 0 is down: one write at a time. */
	for (t = 0; t < 5; t++)
		KUNIT_ASSERT_TRUE(test, write_one(s, 1));
	s->node[0].down_until = s->now;
	KUNIT_ASSERT_TRUE(test, run_until_idle(s, 3000));
	st(s, 0, &a);
	KUNIT_EXPECT_EQ(test, a.status, (u32)VSR_STATUS_REMOVED);
	for (t = 1; t < 4; t++) {
		st(s, t, &a);
		KUNIT_EXPECT_EQ(test, a.status, (u32)VSR_STATUS_NORMAL);
		KUNIT_EXPECT_EQ(test, a.epoch, 1u);
	}
	KUNIT_EXPECT_EQ(test, s->violation, 0);
	vsr_sim_destroy(s);
}

/*
 * Of three (scripted(3, 47)), 2 is left out by epoch 1 ({0, 1}) and knows
 * it; 5 records before, @more after.
 */
static bool node2_removed(struct vsr_sim *s, u32 more)
{
	struct vsr_member_id ids[2] = { node_id(0), node_id(1) };
	struct vsr_core_status a;

	if (!run_until_idle(s, 2000) || !write_records(s, 5) ||
	    reconfigure(s, 0, 13, ids, 2) || !run_until_idle(s, 3000))
		return false;
	st(s, 2, &a);
	return a.status == VSR_STATUS_REMOVED && write_records(s, more);
}

/* What the removed replica 0 sends (sim->filter_ctx), kept, not sent. */
struct removed_capture {
	u8 buf[VSR_MSG_BUILD_MAX];
	size_t len;
};

static bool removed_filter(struct vsr_sim *s, u32 from, u32 to,
			   const u8 *buf, size_t len)
{
	struct removed_capture *c = s->filter_ctx;

	if (from != 0 || vsr_wire_command(buf) != VSR_CMD_NEWSTATE)
		return false;
	memcpy(c->buf, buf, len);
	c->len = len;
	return true;
}

/*
 * A removed replica keeps its old epoch's members, so the indices of the
 * epoch that left it out mean nothing to it: a member there that has its
 * old index is no bad sender.  Nor is the removed replica's NEWSTATE
 * (served to an older epoch's replica; it names itself by its old index)
 * at a member of the new epoch that has that index.  Both are stale: a
 * driver counts a bad sender as malformed (selftests/grow.sh saw one).
 */
static void vsr_epoch_removed_indices(struct kunit *test)
{
	struct vsr_member_id ids[2] = { node_id(1), node_id(2) };
	struct vsr_sim *s = scripted(3, 53, false);
	struct removed_capture *c = kzalloc(sizeof(*c), GFP_KERNEL);
	u8 *buf = msg_buf(test);
	struct vsr_core_status a, b;
	struct vsr_hdr h = {};
	u32 i, same = 0;
	size_t len;

	KUNIT_ASSERT_NOT_NULL(test, s);
	if (!c || !buf)
		goto out;
	KUNIT_ASSERT_TRUE(test, run_until_idle(s, 2000));
	KUNIT_ASSERT_TRUE(test, write_records(s, 5));
	KUNIT_ASSERT_EQ(test, reconfigure(s, 0, 17, ids, 2), 0);
	KUNIT_ASSERT_TRUE(test, run_until_idle(s, 3000));
	st(s, 0, &a);
	KUNIT_ASSERT_EQ(test, a.status, (u32)VSR_STATUS_REMOVED);
	KUNIT_ASSERT_EQ(test, a.epoch, 1u);
	KUNIT_ASSERT_EQ(test, a.replica, 0u);
	/* The member whose index in epoch 1 is the removed one's old one. */
	for (i = 1; i < 3; i++) {
		st(s, i, &b);
		KUNIT_EXPECT_EQ(test, b.status, (u32)VSR_STATUS_NORMAL);
		KUNIT_EXPECT_EQ(test, b.epoch, 1u);
		if (b.replica == a.replica)
			same = i;
	}
	KUNIT_ASSERT_NE(test, same, 0u);
	st(s, same, &b);

	/* Its heartbeat of epoch 1 at the removed replica. */
	h.command = VSR_CMD_COMMIT;
	h.cluster = s->cfg.cluster;
	h.epoch = 1;
	h.replica = b.replica;
	h.view = b.view;
	h.op = b.op;
	h.commit = b.commit;
	len = vsr_msg_seal(buf, &h, 0);
	KUNIT_EXPECT_EQ(test, vsr_replica_receive(s->node[0].r, buf, len),
			-ESTALE);

	/* An epoch-0 replica's GETSTATE (3 - same, index 1 or 2 there). */
	memset(&h, 0, sizeof(h));
	h.command = VSR_CMD_GETSTATE;
	h.cluster = s->cfg.cluster;
	h.replica = 3 - same;
	h.arg0 = 1;
	len = vsr_msg_seal(buf, &h, 0);
	s->filter = removed_filter;
	s->filter_ctx = c;
	s->sender = 3 - same;
	KUNIT_EXPECT_EQ(test, vsr_replica_receive(s->node[0].r, buf, len), 0);
	s->sender = U32_MAX;
	s->filter = NULL;
	KUNIT_ASSERT_GT(test, c->len, (size_t)VSR_HDR_SIZE);
	vsr_hdr_get(c->buf, &h);
	KUNIT_EXPECT_EQ(test, h.epoch, 1u);
	KUNIT_EXPECT_EQ(test, (u32)h.replica, a.replica);
	KUNIT_EXPECT_EQ(test, vsr_replica_receive(s->node[same].r, c->buf,
						  c->len), -ESTALE);

	/* Epoch 1 goes on as before. */
	s->client[0].origin = same;
	KUNIT_EXPECT_TRUE(test, write_records(s, 5));
	st(s, same, &b);
	KUNIT_EXPECT_EQ(test, b.status, (u32)VSR_STATUS_NORMAL);
	KUNIT_EXPECT_EQ(test, b.commit, a.commit + 5);
	KUNIT_EXPECT_EQ(test, s->violation, 0);
out:
	kvfree(buf);
	kfree(c);
	vsr_sim_destroy(s);
}

/*
 * An address used again: 2 is removed, then deleted and added back as a
 * joining replica, and a later change names it again.  Its old
 * incarnation's promises are not its new one's: it recovers, and ends
 * with the same log as the others.
 */
static void vsr_epoch_member_added_again(struct kunit *test)
{
	struct vsr_sim *s = scripted(3, 47, false);
	struct vsr_member_id ids[3];
	struct vsr_core_status a;

	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_ASSERT_TRUE(test, node2_removed(s, 5));
	s->node[2].rejoin = true;
	vsr_sim_crash(s, 2, 1);
	KUNIT_ASSERT_TRUE(test, run_until_idle(s, 3000));
	st(s, 2, &a);
	KUNIT_EXPECT_EQ(test, a.status, (u32)VSR_STATUS_JOINING);
	ids[0] = node_id(0);
	ids[1] = node_id(1);
	ids[2] = node_id(2);
	KUNIT_ASSERT_EQ(test, reconfigure(s, 0, 15, ids, 3), 0);
	KUNIT_ASSERT_TRUE(test, run_until_idle(s, 3000));
	expect_epoch(test, s, 2);
	KUNIT_ASSERT_TRUE(test, write_records(s, 3));
	expect_epoch(test, s, 2);
	KUNIT_EXPECT_EQ(test, s->violation, 0);
	vsr_sim_destroy(s);
}

/*
 * A removed replica that still runs is named again (found by the hostile
 * review of the grows): 2 is removed by epoch 1, which then commits ops
 * it never sees; epoch 2 names it first, so that it would lead view 0.
 * Its log holds epoch 0's ops only: it must recover there, never enter
 * normal with it (a mutation that let it do so went unseen by every
 * other test and by the random simulator, which re-added removed nodes
 * only after a restart).
 */
static void vsr_epoch_removed_named_again_running(struct kunit *test)
{
	struct vsr_sim *s = scripted(3, 47, false);
	struct vsr_member_id ids[3];

	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_ASSERT_TRUE(test, node2_removed(s, 8));
	ids[0] = node_id(2);
	ids[1] = node_id(0);
	ids[2] = node_id(1);
	KUNIT_ASSERT_EQ(test, reconfigure(s, 0, 15, ids, 3), 0);
	KUNIT_ASSERT_TRUE(test, run_until_idle(s, 3000));
	KUNIT_EXPECT_EQ(test, s->node[2].seen_epoch, 2u);
	KUNIT_EXPECT_FALSE(test, s->node[2].entered_normal);
	KUNIT_ASSERT_TRUE(test, write_records(s, 5));
	expect_epoch(test, s, 2);
	KUNIT_EXPECT_EQ(test, s->violation, 0);
	vsr_sim_destroy(s);
}

/*
 * One grows to two.  The quorum of two is both, so the change waits until
 * the new member, taught the log as a learner meanwhile, has caught up:
 * the op records its incarnation, and it enters the epoch normal, without
 * recovering, with every record.  A list without any current member is
 * refused at once (nobody would start the epoch).
 */
static void vsr_epoch_grow_one_to_two(struct kunit *test)
{
	struct vsr_sim *s = scripted_joiners(1, 1, 53, false);
	struct vsr_member_id ids[2];
	struct vsr_core_status a, b;
	struct vsr_core_config cfg;

	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_ASSERT_TRUE(test, run_until_idle(s, 2000));
	KUNIT_ASSERT_TRUE(test, write_records(s, 30));
	ids[0] = node_id(1);
	KUNIT_EXPECT_EQ(test, vsr_replica_reconfigure(s->node[0].r, 17, ids, 1),
			-EDOM);
	ids[0] = node_id(0);
	ids[1] = node_id(1);
	KUNIT_ASSERT_EQ(test, reconfigure(s, 0, 17, ids, 2), 0);
	KUNIT_ASSERT_TRUE(test, run_until_idle(s, 3000));
	expect_epoch(test, s, 1);
	st(s, 1, &b);
	KUNIT_EXPECT_EQ(test, b.recoveries, 0ull);
	KUNIT_EXPECT_EQ(test, recorded_inc(s->node[0].r, 1),
			s->node[1].r->incarnation);
	/* The new member's settings can be changed (it is joining no more). */
	vsr_replica_get_config(s->node[1].r, &cfg);
	cfg.heartbeat_ticks++;
	KUNIT_EXPECT_EQ(test, vsr_replica_set_tunables(s->node[1].r, &cfg), 0);
	KUNIT_ASSERT_TRUE(test, write_records(s, 5));
	st(s, 0, &a);
	st(s, 1, &b);
	KUNIT_EXPECT_EQ(test, a.commit, b.commit);
	KUNIT_EXPECT_EQ(test, s->violation, 0);
	vsr_sim_destroy(s);
}

/* Cut the link between nodes @a and @b, both ways (or heal it). */
static void cut(struct vsr_sim *s, u32 a, u32 b, bool on)
{
	s->block[a][b] = on;
	s->block[b][a] = on;
}

/*
 * A bodiless @command to @r from index @from of its epoch, naming @r's
 * head and commit (a GETSTATE asks from op 1), sealed into @buf.
 */
static size_t hdr_msg(const struct vsr_replica *r, u8 command, u32 from,
		      u8 *buf)
{
	struct vsr_hdr h;

	memset(&h, 0, sizeof(h));
	h.command = command;
	h.replica = from;
	h.cluster = r->cfg.cluster;
	h.epoch = r->epoch;
	h.op = r->log.head;
	h.commit = r->commit;
	h.arg0 = command == VSR_CMD_GETSTATE;
	return vsr_msg_seal(buf, &h, 0);
}

/*
 * A learner pulls the ops up to the next epoch's start from the sender of
 * that epoch's notice, in its own epoch e under its joining index (0
 * here), which means nothing in e.  If the sender restarted since, before
 * its switch was on its disk, it is back in e: the request is stale, not
 * a bad sender, which a driver counts as an attack (sweep seed 70553,
 * revert.sh 59).  Other commands from there stay bad.
 */
static void vsr_epoch_learner_pull_stale(struct kunit *test)
{
	struct vsr_sim *s = scripted_joiners(3, 1, 59, false);
	u8 buf[VSR_HDR_SIZE];
	struct vsr_replica *r;
	size_t len;
	u32 from;

	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_ASSERT_TRUE(test, run_until_idle(s, 2000));
	r = s->node[0].r;
	for (from = 0; from <= r->n; from += r->n) {
		len = hdr_msg(r, VSR_CMD_GETSTATE, from, buf);
		KUNIT_EXPECT_EQ(test, vsr_replica_receive(r, buf, len),
				-ESTALE);
		len = hdr_msg(r, VSR_CMD_COMMIT, from, buf);
		KUNIT_EXPECT_EQ(test, vsr_replica_receive(r, buf, len),
				-EINVAL);
	}
	KUNIT_EXPECT_EQ(test, s->violation, 0);
	vsr_sim_destroy(s);
}

/*
 * A NEWSTATE never carries entries of a view above its header's, which
 * receivers refuse in epoch 0.  A replica holds such entries once it
 * pulled the next epoch's start (committed ops of a later view) and gave
 * the pull up: it goes on in its view and still answers GETSTATE
 * (helper-94's review; revert.sh 60).  Backup 2 of view 1, set back to
 * view 0, stands for it here, and 1 asks it for everything.
 */
static void vsr_epoch_state_no_later_view(struct kunit *test)
{
	struct vsr_sim *s = scripted(3, 67, false);
	u8 buf[VSR_HDR_SIZE];
	struct vsr_replica *r;
	size_t len;
	u32 t;

	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_ASSERT_TRUE(test, run_until_idle(s, 2000));
	KUNIT_ASSERT_TRUE(test, write_records(s, 5));
	vsr_sim_crash(s, 0, 1000000);
	s->client[0].origin = 1;
	KUNIT_ASSERT_TRUE(test, until_normal_primary(s, 1, 500));
	for (t = 0; t < 3; t++)
		KUNIT_ASSERT_TRUE(test, write_one(s, 0));
	r = s->node[2].r;
	KUNIT_ASSERT_EQ(test, r->view, 1u);
	r->view = 0;
	r->log_view = 0;
	len = hdr_msg(r, VSR_CMD_GETSTATE, 1, buf);
	s->sender = 1;
	KUNIT_EXPECT_EQ(test, vsr_replica_receive(r, buf, len), 0);
	s->sender = U32_MAX;
	KUNIT_EXPECT_EQ(test, s->violation, 0);
	vsr_sim_destroy(s);
}

/* What one_chunk_filter() lets through: a first NEWSTATE to @p only. */
struct one_chunk {
	u32 p;
	u32 b;
	bool passed;
};

/* Nothing between p and the others once a NEWSTATE reached p. */
static bool one_chunk_filter(struct vsr_sim *s, u32 from, u32 to,
			     const u8 *buf, size_t len)
{
	struct one_chunk *c = s->filter_ctx;
	struct vsr_hdr h;

	if ((from == c->p || to == c->p) == (from == c->b || to == c->b))
		return false;
	if (c->passed)
		return true;
	vsr_hdr_get(buf, &h);
	c->passed = to == c->p && h.command == VSR_CMD_NEWSTATE;
	return false;
}

/*
 * A primary deposed unawares that gave up pulling the next epoch's start
 * leaves its view.  Of five, 0 leads view 0 and only 1 gets its op 4;
 * both stall while 2, 3 and 4 elect view 2 (1 would lead view 1), commit
 * big records and change the epoch to themselves.  Back, 0 hears them and
 * pulls the ops up to k: the first chunk replaces its op 4, then the pull
 * stalls.  When 0 gives the pull up its log is no longer view 0's, whose
 * backup 1 still holds the old op 4: had 0 gone on as the view's primary,
 * its heartbeat's commit number would have made 1 commit that op (a fork:
 * random search, the simulator's deposed episode; revert.sh 61).
 */
static void vsr_epoch_gave_up_pull_leaves_view(struct kunit *test)
{
	struct vsr_sim *s = scripted(5, 61, false);
	struct vsr_member_id ids[3];
	struct one_chunk c = { };
	struct vsr_core_config cfg;
	struct vsr_core_status a;
	u32 i, t, q, head;

	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_ASSERT_TRUE(test, run_until_idle(s, 2000));
	KUNIT_ASSERT_TRUE(test, write_records(s, 3));
	/* p leads; b would lead the next view, q the one after. */
	c.p = primary_node(s);
	c.b = (c.p + 1) % 5;
	q = (c.p + 2) % 5;
	for (i = 0; i < 3; i++)
		ids[i] = node_id((q + i) % 5);
	/* p stays primary through its pull (it abdicates late). */
	vsr_replica_get_config(s->node[c.p].r, &cfg);
	cfg.abdicate_ticks = 200;
	cfg.recovery_ticks = 20;
	KUNIT_ASSERT_EQ(test,
			vsr_replica_set_tunables(s->node[c.p].r, &cfg), 0);
	for (i = 2; i < 5; i++) {
		cut(s, c.p, (c.p + i) % 5, true);
		cut(s, c.b, (c.p + i) % 5, true);
	}
	st(s, c.b, &a);
	head = a.op;
	vsr_sim_issue(s, c.p);
	for (t = 0; t < 10; t++)
		vsr_sim_step(s);
	st(s, c.b, &a);
	KUNIT_ASSERT_EQ(test, a.op, head + 1ull);
	KUNIT_ASSERT_EQ(test, a.commit, (u64)head);
	s->node[c.p].paused_until = U64_MAX;
	s->node[c.b].paused_until = U64_MAX;
	KUNIT_ASSERT_TRUE(test, until_normal_primary(s, q, 500));
	for (i = 0; i < 3; i++)
		KUNIT_ASSERT_TRUE(test, write_big(s, q));
	KUNIT_ASSERT_EQ(test, reconfigure(s, q, 61, ids, 3), 0);
	KUNIT_ASSERT_TRUE(test, until_normal_in_epoch(s, q, 1, 500));
	/* Both run again; p hears the others, for one chunk. */
	s->filter = one_chunk_filter;
	s->filter_ctx = &c;
	s->node[c.p].paused_until = 0;
	s->node[c.b].paused_until = 0;
	for (i = 2; i < 5; i++)
		cut(s, c.p, (c.p + i) % 5, false);
	for (t = 0; t < 200 && !s->violation; t++)
		vsr_sim_step(s);
	KUNIT_EXPECT_TRUE(test, c.passed);
	st(s, c.p, &a);
	KUNIT_EXPECT_EQ(test, a.epoch, 0u);
	KUNIT_EXPECT_EQ(test, a.status, (u32)VSR_STATUS_VIEW_CHANGE);
	KUNIT_EXPECT_GT(test, a.commit, (u64)head);
	st(s, c.b, &a);
	KUNIT_EXPECT_EQ(test, a.commit, (u64)head);
	KUNIT_EXPECT_EQ(test, s->violation, 0);
	/* Then both learn that they were removed; p's writer goes to q. */
	s->filter = NULL;
	for (i = 2; i < 5; i++)
		cut(s, c.b, (c.p + i) % 5, false);
	s->client[c.p].origin = q;
	KUNIT_EXPECT_TRUE(test, run_until_idle(s, 3000));
	KUNIT_EXPECT_EQ(test, s->violation, 0);
	vsr_sim_destroy(s);
}

/*
 * Nor does it follow a primary of a view up to the one k was appended in.
 * Of five, 0 leads view 0 and stalls; 1 leads view 1, commits a few, and
 * stalls unawares too; 2 leads view 2, commits big records and changes the
 * epoch to 2, 3 and 4.  0 runs again, pulls one chunk past 1's head and
 * gives up.  Then 1 runs again, still the primary of view 1 as it knows:
 * had 0 entered only view 1, 1's heartbeat would have made it become
 * whole for a log that differs at ops it holds committed, and fail
 * (helper-95's review of the fix above).
 */
static void vsr_epoch_gave_up_pull_past_deposed(struct kunit *test)
{
	struct vsr_sim *s = scripted(5, 161, false);
	struct vsr_member_id ids[3];
	struct one_chunk c = { };
	struct vsr_core_config cfg;
	struct vsr_core_status a;
	u32 i, t, q;
	u64 head;

	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_ASSERT_TRUE(test, run_until_idle(s, 2000));
	KUNIT_ASSERT_TRUE(test, write_records(s, 3));
	c.p = primary_node(s);
	c.b = (c.p + 1) % 5;
	q = (c.p + 2) % 5;
	for (i = 0; i < 3; i++)
		ids[i] = node_id((q + i) % 5);
	vsr_replica_get_config(s->node[c.p].r, &cfg);
	cfg.recovery_ticks = 20;
	KUNIT_ASSERT_EQ(test,
			vsr_replica_set_tunables(s->node[c.p].r, &cfg), 0);
	isolate(s, c.p, true);
	s->node[c.p].paused_until = U64_MAX;
	KUNIT_ASSERT_TRUE(test, until_normal_primary(s, c.b, 500));
	for (i = 0; i < 3; i++)
		KUNIT_ASSERT_TRUE(test, write_one(s, c.b));
	for (t = 0; t < 50; t++)
		vsr_sim_step(s);
	st(s, c.b, &a);
	head = a.op;
	isolate(s, c.b, true);
	s->node[c.b].paused_until = U64_MAX;
	KUNIT_ASSERT_TRUE(test, until_normal_primary(s, q, 500));
	KUNIT_ASSERT_TRUE(test, write_one(s, q));
	for (i = 0; i < 3; i++)
		KUNIT_ASSERT_TRUE(test, write_big(s, q));
	KUNIT_ASSERT_EQ(test, reconfigure(s, q, 161, ids, 3), 0);
	KUNIT_ASSERT_TRUE(test, until_normal_in_epoch(s, q, 1, 500));
	/* 0 hears the others for one chunk, and 1 (stalled) only. */
	isolate(s, c.p, false);
	isolate(s, c.b, true);
	cut(s, c.p, c.b, false);
	s->filter = one_chunk_filter;
	s->filter_ctx = &c;
	s->node[c.p].paused_until = 0;
	for (t = 0; t < 300 && !s->violation; t++) {
		vsr_sim_step(s);
		if (c.passed && !s->node[c.p].r->fetch.active)
			break;
	}
	st(s, c.p, &a);
	KUNIT_EXPECT_EQ(test, a.status, (u32)VSR_STATUS_VIEW_CHANGE);
	KUNIT_EXPECT_GT(test, a.view, 2u);
	KUNIT_EXPECT_GT(test, a.commit, head);
	s->node[c.b].paused_until = 0;
	for (t = 0; t < 100 && !s->violation; t++)
		vsr_sim_step(s);
	st(s, c.p, &a);
	KUNIT_EXPECT_NE(test, a.status, (u32)VSR_STATUS_FAILED);
	KUNIT_EXPECT_EQ(test, s->violation, 0);
	s->filter = NULL;
	isolate(s, c.b, false);
	s->client[c.p].origin = q;
	s->client[c.b].origin = q;
	KUNIT_EXPECT_TRUE(test, run_until_idle(s, 3000));
	KUNIT_EXPECT_EQ(test, s->violation, 0);
	vsr_sim_destroy(s);
}

/* What from_filter() drops: commands @cmds (a bit each) from node @from. */
struct from_cmds {
	u32 from;
	u32 cmds;
};

static bool from_filter(struct vsr_sim *s, u32 from, u32 to, const u8 *buf,
			size_t len)
{
	struct from_cmds *f = s->filter_ctx;

	return from == f->from && (f->cmds & (1u << vsr_wire_command(buf)));
}

/*
 * Nor does it follow a primary of a view between the one k was appended
 * in and the one that committed it.  Of five, 0 leads view 0 and, cut
 * off, appends two big records and k; 4 stalls.  1 leads view 1 with 2
 * and 3, whose logs end before 0's records, and stalls unawares (2 and 3
 * never get its STARTVIEW); 2 leads view 2 with 0 and 3, takes 0's log
 * and commits k: epoch 1.  4 runs again, pulls one chunk (the first big
 * record, which it applies) and gives up: k was appended in view 0, so it
 * enters view 1, whose primary, 1, answers its DOVIEWCHANGE.  1's log is
 * a prefix of 4's, without the op 4 holds committed: 4 must not become
 * whole for it (a WARN, and the replica failed).  @mode 1: 1 (which
 * abdicates late) appends an op of view 1 in its place, and only its
 * PREPARE reaches 4: its entry differs from 4's committed op (the same).
 * (helper-96's review of the fix above; revert.sh 62.)  @mode 2: 1
 * appends that op before 4 hears it, so 4 meets a head that differs
 * from its committed op; @mode 3: two ops, a head past 4's commit, whose
 * first follows another op than 4's (helper-97's review: 4 stayed in
 * view 1, a backup that is not whole, as long as 1 answered it).
 */
static void gave_up_past_dropped(struct kunit *test, int mode)
{
	struct vsr_sim *s = scripted(5, 171, false);
	struct from_cmds f = { };
	struct one_chunk c = { };
	struct vsr_core_config cfg;
	struct vsr_core_status a;
	u32 i, t, p, q, x;
	u64 head;

	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_ASSERT_TRUE(test, run_until_idle(s, 2000));
	KUNIT_ASSERT_TRUE(test, write_records(s, 3));
	/* p leads view 0, c.b view 1, q view 2; c.p is the puller. */
	p = primary_node(s);
	c.b = (p + 1) % 5;
	q = (p + 2) % 5;
	x = (p + 3) % 5;
	c.p = (p + 4) % 5;
	vsr_replica_get_config(s->node[c.p].r, &cfg);
	cfg.recovery_ticks = 20;
	KUNIT_ASSERT_EQ(test,
			vsr_replica_set_tunables(s->node[c.p].r, &cfg), 0);
	if (mode) {
		vsr_replica_get_config(s->node[c.b].r, &cfg);
		cfg.abdicate_ticks = 2000;
		KUNIT_ASSERT_EQ(test,
				vsr_replica_set_tunables(s->node[c.b].r, &cfg),
				0);
	}
	st(s, p, &a);
	head = a.op;
	/* The puller stalls; p, cut off, appends two big records and k. */
	isolate(s, c.p, true);
	s->node[c.p].paused_until = U64_MAX;
	isolate(s, p, true);
	rt_issue(s, p, p);
	rt_issue(s, x, p);
	for (t = 0; t < 5; t++)
		vsr_sim_step(s);
	KUNIT_ASSERT_EQ(test, s->node[p].r->log.head, head + 2);
	KUNIT_ASSERT_EQ(test, reconfigure(s, p, 171, NULL, 0), 0);
	KUNIT_ASSERT_EQ(test, s->node[p].r->log.head, head + 3);
	s->node[p].paused_until = U64_MAX;
	/* View 1: its primary's STARTVIEW reaches nobody. */
	f.from = c.b;
	f.cmds = (1u << VSR_CMD_STARTVIEW) | (1u << VSR_CMD_PREPARE) |
		 (1u << VSR_CMD_COMMIT);
	s->filter = from_filter;
	s->filter_ctx = &f;
	KUNIT_ASSERT_TRUE(test, until_normal_primary(s, c.b, 500));
	st(s, c.b, &a);
	KUNIT_ASSERT_EQ(test, a.view, 1u);
	KUNIT_ASSERT_EQ(test, a.op, head);
	isolate(s, c.b, true);
	s->filter = NULL;
	/* View 2 with p, whose log has k: it commits k, epoch 1. */
	cut(s, p, q, false);
	cut(s, p, x, false);
	s->node[p].paused_until = 0;
	KUNIT_ASSERT_TRUE(test, until_normal_in_epoch(s, q, 1, 1000));
	st(s, c.b, &a);
	KUNIT_ASSERT_EQ(test, a.view, 1u);
	KUNIT_ASSERT_EQ(test, a.status, (u32)VSR_STATUS_NORMAL);
	/* The puller runs again and hears the others for one chunk. */
	for (i = 0; i < 5; i++)
		if (i != c.p && i != c.b)
			cut(s, c.p, i, false);
	s->filter = one_chunk_filter;
	s->filter_ctx = &c;
	s->node[c.p].paused_until = 0;
	for (t = 0; t < 300 && !s->violation; t++) {
		vsr_sim_step(s);
		if (c.passed && !s->node[c.p].r->fetch.active)
			break;
	}
	st(s, c.p, &a);
	KUNIT_EXPECT_TRUE(test, c.passed);
	KUNIT_EXPECT_EQ(test, a.epoch, 0u);
	KUNIT_EXPECT_EQ(test, a.status, (u32)VSR_STATUS_VIEW_CHANGE);
	KUNIT_EXPECT_EQ(test, a.view, 1u);
	KUNIT_EXPECT_EQ(test, a.commit, head + 1);
	/* It meets view 1's deposed primary, and only it. */
	isolate(s, c.p, true);
	if (mode >= 2) {
		/* Which appends its ops before. */
		s->client[c.b].origin = c.b;
		vsr_sim_issue(s, c.b);
		if (mode == 3) {
			s->client[x].origin = c.b;
			vsr_sim_issue(s, x);
		}
		for (t = 0; t < 30; t++)
			vsr_sim_step(s);
		KUNIT_EXPECT_EQ(test, s->node[c.b].r->log.head,
				head + mode - 1);
	}
	cut(s, c.p, c.b, false);
	s->filter = NULL;
	if (mode == 1) {
		f.cmds = (1u << VSR_CMD_STARTVIEW) | (1u << VSR_CMD_COMMIT);
		s->filter = from_filter;
		s->filter_ctx = &f;
		s->client[c.b].origin = c.b;
		vsr_sim_issue(s, c.b);
	}
	for (t = 0; t < 100 && !s->violation; t++)
		vsr_sim_step(s);
	KUNIT_EXPECT_EQ(test, s->node[c.b].r->log.head,
			head + (mode ? max(mode - 1, 1) : 0));
	st(s, c.p, &a);
	KUNIT_EXPECT_NE(test, a.status, (u32)VSR_STATUS_FAILED);
	KUNIT_EXPECT_EQ(test, a.commit, head + 1);
	/* It left view 1 for the next. */
	KUNIT_EXPECT_GT(test, a.view, 1u);
	KUNIT_EXPECT_EQ(test, s->violation, 0);
	/* Then all heal: every one in epoch 1. */
	s->filter = NULL;
	isolate(s, c.p, false);
	isolate(s, c.b, false);
	for (i = 0; i < 5; i++)
		s->client[i].origin = q;
	KUNIT_EXPECT_TRUE(test, run_until_idle(s, 3000));
	KUNIT_EXPECT_EQ(test, s->violation, 0);
	vsr_sim_destroy(s);
}

static void vsr_epoch_gave_up_pull_past_dropped(struct kunit *test)
{
	gave_up_past_dropped(test, 0);
}

static void vsr_epoch_gave_up_pull_dropped_prepare(struct kunit *test)
{
	gave_up_past_dropped(test, 1);
}

static void vsr_epoch_gave_up_pull_stale_head(struct kunit *test)
{
	gave_up_past_dropped(test, 2);
}

static void vsr_epoch_gave_up_pull_stale_past(struct kunit *test)
{
	gave_up_past_dropped(test, 3);
}

/*
 * A deposed primary is no teacher.  0, the primary of view 0, is cut off
 * from 1 and 2 and teaches the joining 3 for its change to {1, 2, 3};
 * then its machine stops.  1 and 2 elect view 1 and make the same change,
 * 1 teaching 3.  When 0 runs again it hears of epoch 1, pulls the ops up
 * to its start (view 1's among them) and applies that RECONFIG, which is
 * not the one it appended: it must not send 3 a last lesson, whose
 * entries of view 1 a NEWSTATE of its view 0 cannot carry (the core sent
 * what it refuses; sweep seed 5046828, revert.sh 58).
 */
static void vsr_epoch_deposed_teacher(struct kunit *test)
{
	struct vsr_sim *s = scripted_joiners(3, 1, 53, false);
	struct vsr_member_id ids[3] = { node_id(1), node_id(2), node_id(3) };
	struct vsr_core_status a;
	int ret = -EAGAIN;
	u32 t;

	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_ASSERT_TRUE(test, run_until_idle(s, 2000));
	KUNIT_ASSERT_TRUE(test, write_records(s, 10));
	st(s, 0, &a);
	KUNIT_ASSERT_TRUE(test, a.is_primary);
	cut(s, 0, 1, true);
	cut(s, 0, 2, true);
	for (t = 0; t < 200 && !s->node[3].r->commit; t++) {
		if (ret == -EAGAIN || ret == -EINPROGRESS)
			ret = vsr_replica_reconfigure(s->node[0].r, 21, ids, 3);
		vsr_sim_step(s);
	}
	KUNIT_ASSERT_GT(test, s->node[3].r->commit, 0ull);
	s->node[0].paused_until = U64_MAX;
	KUNIT_ASSERT_TRUE(test, until_normal_primary(s, 1, 500));
	KUNIT_ASSERT_EQ(test, reconfigure(s, 1, 22, ids, 3), 0);
	for (t = 0; t < 1000; t++) {
		vsr_sim_step(s);
		st(s, 3, &a);
		if (a.status == VSR_STATUS_NORMAL)
			break;
	}
	KUNIT_ASSERT_EQ(test, a.epoch, 1u);
	/* 0 runs again, still the normal primary of view 0 as it knows. */
	st(s, 0, &a);
	KUNIT_EXPECT_TRUE(test, a.is_primary);
	KUNIT_EXPECT_EQ(test, a.view, 0u);
	s->node[0].paused_until = 0;
	cut(s, 0, 1, false);
	cut(s, 0, 2, false);
	KUNIT_ASSERT_TRUE(test, run_until_idle(s, 3000));
	st(s, 0, &a);
	KUNIT_EXPECT_EQ(test, a.status, (u32)VSR_STATUS_REMOVED);
	for (t = 1; t < 4; t++) {
		st(s, t, &a);
		KUNIT_EXPECT_EQ(test, a.status, (u32)VSR_STATUS_NORMAL);
		KUNIT_EXPECT_EQ(test, a.epoch, 1u);
	}
	KUNIT_EXPECT_EQ(test, s->violation, 0);
	vsr_sim_destroy(s);
}

/*
 * The new members of a change get k from its members that stay: removed
 * ones know only their old members.  So a change that keeps fewer than
 * f + 1 is refused: {0, 1, 2} to {0, 3, 4} (the hostile review of the
 * learners wedged it: 0's notices to the learners lost, then 0 crashed,
 * and nobody of epoch 1 could serve them k).  {0, 1, 3, 4} keeps two of
 * four: the same faults, and 1 serves the learners; epoch 1 survives 0.
 */
static void vsr_epoch_learners_need_f_plus_one(struct kunit *test)
{
	struct vsr_sim *s = scripted_joiners(3, 2, 61, false);
	struct vsr_member_id ids[4] = { node_id(0), node_id(3), node_id(4) };
	struct vsr_core_status a;
	u32 t;

	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_ASSERT_TRUE(test, run_until_idle(s, 2000));
	KUNIT_ASSERT_TRUE(test, write_records(s, 20));
	KUNIT_EXPECT_EQ(test, vsr_replica_reconfigure(s->node[0].r, 21, ids, 3),
			-EDOM);
	ids[1] = node_id(1);
	ids[2] = node_id(3);
	ids[3] = node_id(4);
	KUNIT_ASSERT_EQ(test, reconfigure(s, 0, 21, ids, 4), 0);
	/* 0's notices to the learners are lost; then 0 crashes. */
	cut(s, 0, 3, true);
	cut(s, 0, 4, true);
	for (t = 0; t < 2000; t++) {
		vsr_sim_step(s);
		st(s, 0, &a);
		if (a.epoch == 1)
			break;
	}
	KUNIT_ASSERT_EQ(test, a.epoch, 1u);
	KUNIT_EXPECT_NE(test, recorded_inc(s->node[0].r, 2), 0ull);
	KUNIT_EXPECT_NE(test, recorded_inc(s->node[0].r, 3), 0ull);
	vsr_sim_crash(s, 0, 50);
	cut(s, 0, 3, false);
	cut(s, 0, 4, false);
	KUNIT_ASSERT_TRUE(test, run_until_idle(s, 5000));
	for (t = 0; t < 5; t++) {
		st(s, t, &a);
		KUNIT_EXPECT_EQ(test, a.epoch, 1u);
		KUNIT_EXPECT_EQ(test, a.status, t == 2 ? (u32)VSR_STATUS_REMOVED :
				(u32)VSR_STATUS_NORMAL);
	}
	KUNIT_EXPECT_TRUE(test, write_one(s, 0));
	KUNIT_EXPECT_EQ(test, s->violation, 0);
	vsr_sim_destroy(s);
}

/* Fake learner @id's last request to primary @r at @tick (0: never), at op 0. */
static void learner_asked(struct vsr_replica *r, const struct vsr_member_id *id,
			  u64 tick)
{
	u32 j;

	for (j = 0; j < r->n_learners; j++) {
		if (memcmp(r->learners[j].id.b, id->b, VSR_MEMBER_ID_SIZE))
			continue;
		r->learners[j].tick = tick;
		r->learners[j].op = 0;
	}
}

/* Has @r, as a primary, refused the forwarded change @nonce for good? */
static bool refused_here(const struct vsr_replica *r, u64 nonce)
{
	u32 i;

	for (i = 0; i < VSR_ANSWER_SLOTS; i++)
		if (r->refused[i].nonce == nonce)
			return true;
	return false;
}

/*
 * A change asked at a backup is answered by the primary (VSR_CMD_ANSWER):
 * {p, b, c} to {p, b, 3, 4} while 3 and 4 are cut off waits for a quorum
 * of the next epoch, and both the backup and the primary say that it
 * waits for new member 3 (index 2 of the list), which never answered;
 * had 3 asked from far behind, both would say it is behind.  Meanwhile another change asked at the other backup is refused for
 * good, -EALREADY, as it would be at the primary, which keeps refusing
 * it.  Once 3 and 4 are heard, the first change happens.
 */
static void vsr_epoch_forwarded_answers(struct kunit *test)
{
	struct vsr_sim *s = scripted_joiners(3, 2, 67, false);
	struct vsr_member_id ids[4];
	struct vsr_core_status a;
	u32 t, p, b, c, m = 99;
	int ret = 0, other = 0;

	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_ASSERT_TRUE(test, run_until_idle(s, 2000));
	KUNIT_ASSERT_TRUE(test, write_records(s, 40));
	st(s, 0, &a);
	p = a.primary;
	KUNIT_ASSERT_GT(test, 3u, p);
	b = (p + 1) % 3;
	c = (p + 2) % 3;
	ids[0] = node_id(p);
	ids[1] = node_id(b);
	ids[2] = node_id(3);
	ids[3] = node_id(4);
	isolate(s, 3, true);
	isolate(s, 4, true);
	/* Nothing known before the first answer. */
	KUNIT_EXPECT_EQ(test, vsr_replica_reconfigure_waits(s->node[b].r, 9,
							    ids, 4, &m), 0);
	for (t = 0; t < 300; t++) {
		ret = vsr_replica_reconfigure(s->node[b].r, 9, ids, 4);
		if (ret != -EINPROGRESS)
			break;
		vsr_sim_step(s);
	}
	KUNIT_EXPECT_EQ(test, ret, -EINPROGRESS);
	KUNIT_EXPECT_EQ(test, vsr_replica_reconfigure_waits(s->node[b].r, 9,
							    ids, 4, &m),
			(int)VSR_ANSWER_SILENT);
	KUNIT_EXPECT_EQ(test, m, 2u);
	m = 99;
	KUNIT_EXPECT_EQ(test, vsr_replica_reconfigure_waits(s->node[p].r, 9,
							    ids, 4, &m),
			(int)VSR_ANSWER_SILENT);
	KUNIT_EXPECT_EQ(test, m, 2u);
	/*
	 * Had 3 asked lately, from far behind, the change would wait for it
	 * to catch up: 3 is named, not 4, which stays silent, since 3 alone
	 * would make the majority.  (Its request is faked at the primary.)
	 */
	learner_asked(s->node[p].r, &ids[2], s->node[p].r->ticks);
	m = 99;
	KUNIT_EXPECT_EQ(test, vsr_replica_reconfigure_waits(s->node[p].r, 9,
							    ids, 4, &m),
			(int)VSR_ANSWER_BEHIND);
	KUNIT_EXPECT_EQ(test, m, 2u);
	for (t = 0; t < 20; t++) {
		KUNIT_EXPECT_EQ(test, vsr_replica_reconfigure(s->node[b].r, 9,
							      ids, 4),
				-EINPROGRESS);
		vsr_sim_step(s);
		if (vsr_replica_reconfigure_waits(s->node[b].r, 9, ids, 4,
						  &m) == VSR_ANSWER_BEHIND)
			break;
	}
	KUNIT_EXPECT_LT(test, t, 20u);
	KUNIT_EXPECT_EQ(test, m, 2u);
	learner_asked(s->node[p].r, &ids[2], 0);
	/* Another change, at the other backup, while 9 is tried. */
	for (t = 0; t < 100; t++) {
		vsr_replica_reconfigure(s->node[b].r, 9, ids, 4);
		other = vsr_replica_reconfigure(s->node[c].r, 10, NULL, 0);
		if (other != -EINPROGRESS)
			break;
		vsr_sim_step(s);
	}
	KUNIT_EXPECT_EQ(test, other, -EALREADY);
	/* It stays refused, at the primary too; the first one goes on. */
	KUNIT_EXPECT_EQ(test, vsr_replica_reconfigure(s->node[c].r, 10, NULL, 0),
			-EALREADY);
	KUNIT_EXPECT_EQ(test, vsr_replica_reconfigure_waits(s->node[c].r, 10,
							    ids, 3, &m),
			-EALREADY);
	KUNIT_EXPECT_TRUE(test, refused_here(s->node[p].r, 10));
	KUNIT_EXPECT_EQ(test, vsr_replica_reconfigure(s->node[b].r, 9, ids, 4),
			-EINPROGRESS);
	isolate(s, 3, false);
	isolate(s, 4, false);
	KUNIT_ASSERT_EQ(test, reconfigure(s, b, 9, ids, 4), 0);
	KUNIT_ASSERT_TRUE(test, run_until_idle(s, 3000));
	st(s, b, &a);
	KUNIT_EXPECT_EQ(test, a.epoch, 1u);
	KUNIT_EXPECT_EQ(test, a.status, (u32)VSR_STATUS_NORMAL);
	st(s, c, &a);
	KUNIT_EXPECT_EQ(test, a.status, (u32)VSR_STATUS_REMOVED);
	KUNIT_EXPECT_TRUE(test, write_one(s, p));
	KUNIT_EXPECT_EQ(test, s->violation, 0);
	vsr_sim_destroy(s);
}

/*
 * A new member that never answers (down) is never ready: one of two is
 * no quorum of the next epoch, so the change is never appended, and the
 * cluster writes on meanwhile.
 */
static void vsr_epoch_grow_waits_for_learner(struct kunit *test)
{
	struct vsr_sim *s = scripted_joiners(1, 1, 59, false);
	struct vsr_member_id ids[2];
	struct vsr_core_status a;
	u32 t;

	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_ASSERT_TRUE(test, run_until_idle(s, 2000));
	vsr_sim_crash(s, 1, 1000000);
	ids[0] = node_id(0);
	ids[1] = node_id(1);
	for (t = 0; t < 6 * s->cfg.abdicate_ticks; t++) {
		KUNIT_ASSERT_EQ(test, vsr_replica_reconfigure(s->node[0].r, 19,
							      ids, 2),
				-EAGAIN);
		vsr_sim_step(s);
	}
	st(s, 0, &a);
	KUNIT_EXPECT_EQ(test, a.epoch, 0u);
	KUNIT_EXPECT_FALSE(test, vsr_reconfig_pending(s->node[0].r));
	/* Not idle while 1 is down: one write at a time. */
	KUNIT_EXPECT_TRUE(test, write_one(s, 0));
	KUNIT_EXPECT_TRUE(test, write_one(s, 0));
	KUNIT_EXPECT_EQ(test, s->violation, 0);
	vsr_sim_destroy(s);
}

/*
 * A change that leaves members out: of five, the primary (0) and an
 * isolated member (3) go, and the rest are listed in another order (4, 2,
 * 1).  The three switch, take their new indices (4 leads view 0), and
 * write on; the primary that committed the change is removed, and the
 * isolated one, once healed, learns the change from the new members,
 * pulls the ops it lacks up to it, and is removed too: both hold exactly
 * the ops up to the change, and refuse writes.
 */
static void vsr_epoch_shrink(struct kunit *test)
{
	struct vsr_sim *s = scripted(5, 29, false);
	struct vsr_member_id ids[VSR_REPLICAS_MAX];
	const struct vsr_replica *r;
	struct vsr_core_status a;
	int ret;
	u32 i, t;
	u64 k;

	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_ASSERT_TRUE(test, run_until_idle(s, 2000));
	KUNIT_ASSERT_TRUE(test, write_records(s, 5));
	r = vsr_sim_replica(s, 0);
	/* Bad lists: nothing is appended. */
	ids[0] = r->members[1];
	ids[1] = r->members[1];
	KUNIT_EXPECT_EQ(test, vsr_replica_reconfigure(s->node[0].r, 9, ids, 2),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, vsr_replica_reconfigure(s->node[0].r, 9, ids, 0),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, vsr_replica_reconfigure(s->node[0].r, 9, ids,
						      VSR_REPLICAS_MAX + 1),
			-EINVAL);
	memset(&ids[1], 0, sizeof(ids[1]));
	KUNIT_EXPECT_EQ(test, vsr_replica_reconfigure(s->node[0].r, 9, ids, 2),
			-EINVAL);
	st(s, 0, &a);
	k = a.op;
	isolate(s, 3, true);
	ids[0] = r->members[4];
	ids[1] = r->members[2];
	ids[2] = r->members[1];
	ret = reconfigure(s, 0, 9, ids, 3);
	KUNIT_ASSERT_EQ(test, ret, 0);
	st(s, 0, &a);
	KUNIT_EXPECT_GT(test, a.op, k);
	k = a.op;
	for (t = 0; t < 300; t++) {
		vsr_sim_step(s);
		st(s, 4, &a);
		if (a.is_primary && a.epoch == 1)
			break;
	}
	KUNIT_ASSERT_TRUE(test, a.is_primary);
	KUNIT_EXPECT_EQ(test, a.replica, 0u);
	KUNIT_EXPECT_EQ(test, a.replica_count, 3u);
	st(s, 0, &a);
	KUNIT_EXPECT_EQ(test, a.status, (u32)VSR_STATUS_REMOVED);
	st(s, 3, &a);
	KUNIT_EXPECT_EQ(test, a.epoch, 0u);
	KUNIT_EXPECT_LT(test, a.commit, k);
	/* The new epoch writes on; its members' indices changed. */
	s->client[0].origin = 1;
	for (i = 0; i < 5; i++)
		KUNIT_ASSERT_TRUE(test, write_one(s, 0));
	st(s, 1, &a);
	KUNIT_EXPECT_EQ(test, a.replica, 2u);
	KUNIT_EXPECT_GT(test, a.commit, k);
	isolate(s, 3, false);
	KUNIT_ASSERT_TRUE(test, run_until_idle(s, 3000));
	for (i = 0; i < 5; i++) {
		st(s, i, &a);
		KUNIT_EXPECT_EQ(test, a.epoch, 1u);
		if (i != 0 && i != 3)
			continue;
		KUNIT_EXPECT_EQ(test, a.status, (u32)VSR_STATUS_REMOVED);
		KUNIT_EXPECT_EQ(test, a.commit, k);
		KUNIT_EXPECT_EQ(test, a.op, k);
		KUNIT_EXPECT_EQ(test, vsr_replica_submit(s->node[i].r,
							 VSR_OP_NOOP, 0, 77,
							 NULL, 0), -EROFS);
		KUNIT_EXPECT_EQ(test, vsr_replica_reconfigure(s->node[i].r, 10,
							      NULL, 0),
				-EROFS);
	}
	KUNIT_EXPECT_EQ(test, s->violation, 0);
	vsr_sim_destroy(s);
}

/* 3 and 4 say nothing the primary can count (review of the shrinks). */
static bool unheard_filter(struct vsr_sim *s, u32 from, u32 to,
			   const u8 *buf, size_t len)
{
	struct vsr_hdr h;

	vsr_hdr_get(buf, &h);
	return (from == 3 || from == 4) && h.command == VSR_CMD_PREPAREOK;
}

/*
 * A shrink waits for a quorum of its members to be recorded and caught up
 * (regression; found by the hostile review of the shrinks): of five, the
 * primary keeps {2, 3, 4} while 3 and 4's PREPAREOKs are lost.  Recorded
 * as unknown, they would recover in the new epoch, where nobody could
 * recover them: wedged for good, with no crash at all.  The change waits
 * (-EAGAIN); once they are heard it happens, and all three end normal.
 */
static void vsr_epoch_shrink_waits_for_quorum(struct kunit *test)
{
	struct vsr_sim *s = scripted(5, 29, false);
	struct vsr_member_id ids[VSR_REPLICAS_MAX];
	const struct vsr_replica *r;
	struct vsr_core_status a;
	int ret;
	u64 rec[5];
	u32 i;

	KUNIT_ASSERT_NOT_NULL(test, s);
	s->filter = unheard_filter;
	KUNIT_ASSERT_TRUE(test, run_until_idle(s, 2000));
	KUNIT_ASSERT_TRUE(test, write_records(s, 3));
	for (i = 0; i < 5; i++) {
		st(s, i, &a);
		rec[i] = a.recoveries;
	}
	r = vsr_sim_replica(s, 0);
	ids[0] = r->members[2];
	ids[1] = r->members[3];
	ids[2] = r->members[4];
	ret = reconfigure(s, 0, 9, ids, 3);
	KUNIT_EXPECT_EQ(test, ret, -EAGAIN);
	s->filter = NULL;
	ret = reconfigure(s, 0, 9, ids, 3);
	KUNIT_ASSERT_EQ(test, ret, 0);
	s->client[0].origin = 2;
	KUNIT_ASSERT_TRUE(test, run_until_idle(s, 3000));
	for (i = 2; i < 5; i++) {
		st(s, i, &a);
		KUNIT_EXPECT_EQ(test, a.status, (u32)VSR_STATUS_NORMAL);
		KUNIT_EXPECT_EQ(test, a.epoch, 1u);
		KUNIT_EXPECT_EQ(test, a.recoveries, rec[i]);
	}
	KUNIT_EXPECT_EQ(test, s->violation, 0);
	vsr_sim_destroy(s);
}

/*
 * Two changes asked at once (two backups forwarding, or a backup and the
 * primary) while two of five members are not heard: the first one tried
 * waits for the members, then settles for a quorum of them; the other
 * gets -EALREADY meanwhile instead of restarting that wait (found by the
 * hostile review of the kernel's reconfiguration: alternating, neither
 * was appended in 1000 ticks).
 */
static void vsr_epoch_one_change_at_a_time(struct kunit *test)
{
	struct vsr_sim *s = scripted(5, 29, false);
	int ret = -EAGAIN, other;
	u32 t;

	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_ASSERT_TRUE(test, run_until_idle(s, 2000));
	KUNIT_ASSERT_TRUE(test, write_records(s, 3));
	s->filter = unheard_filter;
	/* Until their last PREPAREOKs are too old to count. */
	for (t = 0; t <= vsr_sim_replica(s, 0)->cfg.abdicate_ticks; t++)
		vsr_sim_step(s);
	for (t = 0; t < 400 && ret == -EAGAIN; t++) {
		ret = vsr_replica_reconfigure(s->node[0].r, 9, NULL, 0);
		other = vsr_replica_reconfigure(s->node[0].r, 10, NULL, 0);
		if (ret == -EAGAIN && t > 2)
			KUNIT_EXPECT_EQ(test, other, -EALREADY);
		if (ret == -EAGAIN)
			vsr_sim_step(s);
	}
	KUNIT_EXPECT_EQ(test, ret, 0);
	KUNIT_EXPECT_LT(test, t, 100u);
	KUNIT_EXPECT_EQ(test, vsr_replica_reconfigure(s->node[0].r, 10, NULL, 0),
			-EALREADY);
	s->filter = NULL;
	KUNIT_ASSERT_TRUE(test, run_until_idle(s, 3000));
	expect_epoch(test, s, 1);
	KUNIT_EXPECT_EQ(test, s->violation, 0);
	vsr_sim_destroy(s);
}

/* Replica 2's PREPAREOKs as a module without epochs sends them. */
struct legacy_ack {
	u8 buf[VSR_HDR_SIZE];
	bool pending;
};

static bool legacy_filter(struct vsr_sim *s, u32 from, u32 to,
			  const u8 *buf, size_t len)
{
	struct legacy_ack *l = s->filter_ctx;
	struct vsr_hdr h;

	vsr_hdr_get(buf, &h);
	if (from != 2 || h.command != VSR_CMD_PREPAREOK)
		return false;
	h.arg1 = 0;
	vsr_msg_seal(l->buf, &h, 0);
	l->pending = true;
	return true;
}

/*
 * A member whose module knows no epochs (its PREPAREOKs carry no
 * incarnation) would refuse the RECONFIG and never switch: the change is
 * refused (-EPROTONOSUPPORT) while it acks so, and goes through once it
 * runs a module that does.
 */
static void vsr_epoch_member_without_epochs(struct kunit *test)
{
	struct vsr_sim *s = scripted(3, 29, false);
	struct legacy_ack l = { };
	int ret = -EAGAIN;
	u32 t;

	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_ASSERT_TRUE(test, run_until_idle(s, 2000));
	KUNIT_ASSERT_TRUE(test, write_records(s, 3));
	s->filter = legacy_filter;
	s->filter_ctx = &l;
	for (t = 0; t < 400 && ret == -EAGAIN; t++) {
		/* Its acks of a heartbeat or two first. */
		if (t > 30)
			ret = vsr_replica_reconfigure(s->node[0].r, 9, NULL, 0);
		if (ret != -EAGAIN)
			break;
		vsr_sim_step(s);
		if (l.pending) {
			l.pending = false;
			vsr_replica_receive(s->node[0].r, l.buf, VSR_HDR_SIZE);
		}
	}
	KUNIT_EXPECT_EQ(test, ret, -EPROTONOSUPPORT);
	/* Upgraded: its next acks carry its incarnation. */
	s->filter = NULL;
	for (t = 0; t < 30; t++)
		vsr_sim_step(s);
	KUNIT_ASSERT_EQ(test, reconfigure(s, 0, 9, NULL, 0), 0);
	KUNIT_ASSERT_TRUE(test, run_until_idle(s, 2000));
	expect_epoch(test, s, 1);
	KUNIT_EXPECT_EQ(test, s->violation, 0);
	vsr_sim_destroy(s);
}

/* 3 and 4 get no op from @op on (sim->filter_ctx) of anyone. */
static bool laggards_filter(struct vsr_sim *s, u32 from, u32 to,
			    const u8 *buf, size_t len)
{
	const u64 *op = s->filter_ctx;
	struct vsr_hdr h;

	vsr_hdr_get(buf, &h);
	return (to == 3 || to == 4) &&
	       ((h.command == VSR_CMD_PREPARE && h.op >= *op) ||
		h.command == VSR_CMD_NEWSTATE);
}

/*
 * Members kept by a shrink that missed it wait for a member that can
 * serve them (regression, revert.sh 14; the simulator's laggards
 * schedule).  Of five, the primary keeps only {3, 4}, which miss the last
 * op before the RECONFIG, and the RECONFIG (with just k missing, a notice
 * would give it to them);
 * 0, 1 and 2 commit it and are removed.  2 restarts with nothing and
 * learns that it was removed; 3 and 4 hear only 2 for a while.  Entering
 * behind on its notice, they would elect a log without the last ops of
 * epoch 0.  They wait, then pull those ops from 0 or 1, and go on in
 * epoch 1.
 */
static void vsr_epoch_shrink_laggards(struct kunit *test)
{
	struct vsr_sim *s = scripted(5, 31, false);
	struct vsr_member_id ids[VSR_REPLICAS_MAX];
	const struct vsr_replica *r;
	struct vsr_core_status a;
	int ret = -EAGAIN;
	u32 i, t;
	u64 k;

	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_ASSERT_TRUE(test, run_until_idle(s, 2000));
	KUNIT_ASSERT_TRUE(test, write_records(s, 5));
	r = vsr_sim_replica(s, 0);
	ids[0] = r->members[3];
	ids[1] = r->members[4];
	st(s, 0, &a);
	k = a.op + 1;
	s->filter = laggards_filter;
	s->filter_ctx = &k;
	vsr_sim_issue(s, 0);
	for (t = 0; t < 100 && a.commit < k; t++) {
		vsr_sim_step(s);
		st(s, 0, &a);
	}
	KUNIT_ASSERT_EQ(test, a.commit, k);
	for (t = 0; t < 400 && ret == -EAGAIN; t++) {
		isolate(s, 3, true);
		isolate(s, 4, true);
		ret = vsr_replica_reconfigure(s->node[0].r, 9, ids, 2);
		if (ret != -EAGAIN)
			break;
		isolate(s, 3, false);
		isolate(s, 4, false);
		vsr_sim_step(s);
	}
	KUNIT_ASSERT_EQ(test, ret, 0);
	s->filter = NULL;
	st(s, 3, &a);
	KUNIT_EXPECT_LT(test, a.op, k);
	st(s, 0, &a);
	k = a.op;
	for (t = 0; t < 300; t++) {
		vsr_sim_step(s);
		st(s, 2, &a);
		if (a.status == VSR_STATUS_REMOVED)
			break;
	}
	KUNIT_ASSERT_EQ(test, a.status, (u32)VSR_STATUS_REMOVED);
	vsr_sim_crash(s, 2, 1);
	for (i = 0; i < 2; i++)
		for (t = 3; t < 5; t++)
			s->block[i][t] = s->block[t][i] = true;
	s->block[2][3] = s->block[3][2] = false;
	s->block[2][4] = s->block[4][2] = false;
	for (t = 0; t < 400; t++)
		vsr_sim_step(s);
	st(s, 2, &a);
	KUNIT_EXPECT_EQ(test, a.status, (u32)VSR_STATUS_REMOVED);
	KUNIT_EXPECT_EQ(test, a.commit, 0ull);
	st(s, 3, &a);
	KUNIT_EXPECT_EQ(test, a.epoch, 0u);
	isolate(s, 3, false);
	isolate(s, 4, false);
	s->client[0].origin = 3;
	KUNIT_ASSERT_TRUE(test, run_until_idle(s, 3000));
	for (i = 3; i < 5; i++) {
		st(s, i, &a);
		KUNIT_EXPECT_EQ(test, a.status, (u32)VSR_STATUS_NORMAL);
		KUNIT_EXPECT_EQ(test, a.epoch, 1u);
		KUNIT_EXPECT_GE(test, a.commit, k);
	}
	KUNIT_ASSERT_TRUE(test, write_records(s, 3));
	KUNIT_EXPECT_EQ(test, s->violation, 0);
	vsr_sim_destroy(s);
}

/*
 * A recovering member's notice proves nothing (regression; found by the
 * second hostile review of the shrinks): of five, the primary keeps
 * {1, 2, 3}, where 3 restarted unheard and so is not recorded; 0, 3 and 4
 * ack the RECONFIG, and 1 and 2 hear from nobody but 3 from then on.  3
 * enters the new epoch recovering, with commit k: its notice must not let
 * 1 and 2 enter behind (they would elect a log without k), only a notice
 * of a member that committed past k may make them recover.  They pull the
 * ops up to k from 3 (which serves them, recovering or not), and switch
 * holding k.
 */
static void vsr_epoch_shrink_recovering_notice(struct kunit *test)
{
	struct vsr_sim *s = scripted(5, 41, false);
	struct vsr_member_id ids[VSR_REPLICAS_MAX];
	const struct vsr_replica *r;
	struct vsr_core_status a;
	int ret;
	u32 i, j, t;
	u64 k;

	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_ASSERT_TRUE(test, run_until_idle(s, 2000));
	isolate(s, 3, true);
	vsr_sim_crash(s, 3, 5);
	for (t = 0; t < 60; t++)
		vsr_sim_step(s);
	for (i = 0; i < 3; i++)
		KUNIT_ASSERT_TRUE(test, write_one(s, 0));
	r = vsr_sim_replica(s, 0);
	ids[0] = r->members[1];
	ids[1] = r->members[2];
	ids[2] = r->members[3];
	ret = reconfigure(s, 0, 9, ids, 3);
	KUNIT_ASSERT_EQ(test, ret, 0);
	st(s, 0, &a);
	k = a.op;
	isolate(s, 3, false);
	for (i = 1; i <= 2; i++)
		for (j = 0; j < 5; j += 4)
			s->block[i][j] = s->block[j][i] = true;
	for (t = 0; t < 1500 && !s->violation; t++)
		vsr_sim_step(s);
	for (i = 1; i <= 2; i++) {
		st(s, i, &a);
		KUNIT_EXPECT_EQ(test, a.epoch, 1u);
		KUNIT_EXPECT_GE(test, a.commit, k);
		KUNIT_EXPECT_EQ(test, a.view, 0u);
	}
	for (i = 0; i < 5; i++)
		for (j = 0; j < 5; j++)
			s->block[i][j] = false;
	s->client[0].origin = 1;
	KUNIT_EXPECT_TRUE(test, run_until_idle(s, 3000));
	KUNIT_EXPECT_TRUE(test, write_records(s, 3));
	for (i = 1; i < 4; i++) {
		st(s, i, &a);
		KUNIT_EXPECT_EQ(test, a.epoch, 1u);
		KUNIT_EXPECT_EQ(test, a.status, (u32)VSR_STATUS_NORMAL);
	}
	KUNIT_EXPECT_EQ(test, s->violation, 0);
	vsr_sim_destroy(s);
}

/*
 * A member that restarted is not ready under its predecessor's incarnation
 * (regression; found by the third hostile review of the shrinks): of five,
 * 3 and 4 restart one after the other and recover while their PREPAREOKs
 * are lost.  The primary must not record their dead incarnations (they
 * would recover in the new epoch, which one more crash would then wedge):
 * the change waits until it hears them again, and all five enter it
 * normal, so that it survives the crash of its first primary.
 */
static void vsr_epoch_dead_incarnations_wait(struct kunit *test)
{
	struct vsr_sim *s = scripted(5, 29, false);
	struct vsr_core_status a;
	u64 rec[5];
	int ret;
	u32 i, t;

	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_ASSERT_TRUE(test, run_until_idle(s, 2000));
	KUNIT_ASSERT_TRUE(test, write_records(s, 3));
	s->filter = unheard_filter;
	for (i = 3; i < 5; i++) {
		vsr_sim_crash(s, i, 2);
		for (t = 0; t < 300; t++) {
			vsr_sim_step(s);
			st(s, i, &a);
			if (a.status == VSR_STATUS_NORMAL)
				break;
		}
		KUNIT_ASSERT_EQ(test, a.status, (u32)VSR_STATUS_NORMAL);
	}
	for (t = 0; t < s->cfg.abdicate_ticks; t++) {
		ret = vsr_replica_reconfigure(s->node[0].r, 9, NULL, 0);
		KUNIT_ASSERT_EQ(test, ret, -EAGAIN);
		vsr_sim_step(s);
	}
	s->filter = NULL;
	ret = reconfigure(s, 0, 9, NULL, 0);
	KUNIT_ASSERT_EQ(test, ret, 0);
	for (i = 0; i < 5; i++) {
		st(s, i, &a);
		rec[i] = a.recoveries;
	}
	KUNIT_ASSERT_TRUE(test, run_until_idle(s, 2000));
	for (i = 0; i < 5; i++) {
		st(s, i, &a);
		KUNIT_EXPECT_EQ(test, a.epoch, 1u);
		KUNIT_EXPECT_EQ(test, a.recoveries, rec[i]);
	}
	vsr_sim_crash(s, 0, 5);
	KUNIT_EXPECT_TRUE(test, run_until_idle(s, 3000));
	KUNIT_EXPECT_EQ(test, s->violation, 0);
	vsr_sim_destroy(s);
}

/*
 * The lone member of an epoch that restarts can only wait (regression,
 * revert.sh 15; found by the simulator, seed 1750): of three, the primary
 * keeps only replica 2, which writes on alone in epoch 1, then crashes.
 * Restarted, it learns of epoch 1 from the removed members and recovers
 * there; with nobody to recover from, it must not start afresh with an
 * empty log (the writes of epoch 1 were acknowledged).
 */
static void vsr_epoch_lone_member_restarts(struct kunit *test)
{
	struct vsr_sim *s = scripted(3, 37, false);
	struct vsr_member_id ids[1];
	struct vsr_core_status a;
	int ret;
	u32 t;

	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_ASSERT_TRUE(test, run_until_idle(s, 2000));
	KUNIT_ASSERT_TRUE(test, write_records(s, 3));
	ids[0] = vsr_sim_replica(s, 0)->members[2];
	ret = reconfigure(s, 0, 9, ids, 1);
	KUNIT_ASSERT_EQ(test, ret, 0);
	s->client[0].origin = 2;
	KUNIT_ASSERT_TRUE(test, run_until_idle(s, 2000));
	KUNIT_ASSERT_TRUE(test, write_records(s, 3));
	st(s, 2, &a);
	KUNIT_EXPECT_TRUE(test, a.is_primary);
	KUNIT_EXPECT_EQ(test, a.replica_count, 1u);
	vsr_sim_crash(s, 2, 1);
	for (t = 0; t < 500; t++)
		vsr_sim_step(s);
	st(s, 2, &a);
	KUNIT_EXPECT_EQ(test, a.epoch, 1u);
	KUNIT_EXPECT_EQ(test, a.status, (u32)VSR_STATUS_RECOVERING);
	KUNIT_EXPECT_EQ(test, vsr_replica_submit(s->node[2].r, VSR_OP_NOOP, 0,
						 5, NULL, 0), -EAGAIN);
	KUNIT_EXPECT_EQ(test, s->violation, 0);
	vsr_sim_destroy(s);
}

/* 2 gets no op from k (sim->filter_ctx) on in epoch 0, and can pull none. */
static bool notice_filter(struct vsr_sim *s, u32 from, u32 to,
			  const u8 *buf, size_t len)
{
	const u64 *k = s->filter_ctx;
	struct vsr_hdr h;

	vsr_hdr_get(buf, &h);
	if (h.epoch || (from != 2 && to != 2))
		return false;
	return (to == 2 && h.command == VSR_CMD_PREPARE && h.op >= *k) ||
	       (from == 2 && h.command == VSR_CMD_GETSTATE) ||
	       (to == 2 && h.command == VSR_CMD_NEWSTATE);
}

/*
 * A member that holds the ops up to k - 1 takes k from the notice, which
 * carries it whole: of three, 2 misses k's PREPARE and cannot pull it in
 * epoch 0; the notice of epoch 1 makes it switch, normal, with k, its
 * log unchanged below.  (The learners' last step: without it they pulled
 * k a round trip later, and the writes waited.)
 */
static void vsr_epoch_notice_brings_k(struct kunit *test)
{
	struct vsr_sim *s = scripted(3, 23, false);
	const struct vsr_entry *e, *e0;
	struct vsr_core_status a;
	u64 rec, k;
	u32 t;

	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_ASSERT_TRUE(test, run_until_idle(s, 2000));
	KUNIT_ASSERT_TRUE(test, write_records(s, 5));
	st(s, 2, &a);
	rec = a.recoveries;
	k = a.op + 1;
	s->filter = notice_filter;
	s->filter_ctx = &k;
	KUNIT_ASSERT_EQ(test, reconfigure(s, 0, 7, NULL, 0), 0);
	for (t = 0; t < 300; t++) {
		vsr_sim_step(s);
		st(s, 2, &a);
		if (a.epoch == 1)
			break;
	}
	KUNIT_EXPECT_EQ(test, a.epoch, 1u);
	KUNIT_EXPECT_EQ(test, a.status, (u32)VSR_STATUS_NORMAL);
	KUNIT_EXPECT_EQ(test, a.recoveries, rec);
	KUNIT_EXPECT_EQ(test, a.commit, k);
	e = vsr_replica_entry(vsr_sim_replica(s, 2), k);
	e0 = vsr_replica_entry(vsr_sim_replica(s, 0), k);
	KUNIT_ASSERT_NOT_NULL(test, e);
	KUNIT_ASSERT_NOT_NULL(test, e0);
	KUNIT_EXPECT_EQ(test, e->h.checksum, e0->h.checksum);
	KUNIT_EXPECT_EQ(test, (u32)e->h.type, (u32)VSR_OP_RECONFIG);
	s->filter = NULL;
	KUNIT_ASSERT_TRUE(test, write_records(s, 3));
	KUNIT_ASSERT_TRUE(test, run_until_idle(s, 2000));
	expect_epoch(test, s, 1);
	KUNIT_EXPECT_EQ(test, s->violation, 0);
	vsr_sim_destroy(s);
}

struct teller_ctx {
	u64 k;
	bool on;
};

/* 2 misses k, and hears of epoch 1 from nobody but 0. */
static bool teller_filter(struct vsr_sim *s, u32 from, u32 to,
			  const u8 *buf, size_t len)
{
	struct teller_ctx *c = s->filter_ctx;
	struct vsr_hdr h;

	vsr_hdr_get(buf, &h);
	if (!c->on || to != 2)
		return false;
	if (!h.epoch)
		return (h.command == VSR_CMD_PREPARE && h.op >= c->k) ||
		       h.command == VSR_CMD_NEWSTATE;
	return from != 0;
}

/*
 * A member that switched on a notice does not send its own at once (its
 * sender, a member, knows), but goes on telling the members it has not
 * heard in the epoch every repair interval (from the hostile review of
 * the notices that carry k): of three, 2 learns of epoch 1 from 0's
 * notice alone, then 0 crashes and forgets it.  0 learns of the epoch
 * again, and the three go on in it.
 */
static void vsr_epoch_teller_crashes(struct kunit *test)
{
	struct vsr_sim *s = scripted(3, 37, false);
	struct teller_ctx c = { .on = true };
	struct vsr_core_status a;
	u32 t;

	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_ASSERT_TRUE(test, run_until_idle(s, 2000));
	KUNIT_ASSERT_TRUE(test, write_records(s, 3));
	st(s, 0, &a);
	c.k = a.op + 1;
	s->filter = teller_filter;
	s->filter_ctx = &c;
	KUNIT_ASSERT_EQ(test, reconfigure(s, 0, 5, NULL, 0), 0);
	for (t = 0; t < 400; t++) {
		vsr_sim_step(s);
		st(s, 2, &a);
		if (a.epoch == 1)
			break;
	}
	KUNIT_EXPECT_EQ(test, a.epoch, 1u);
	vsr_sim_crash(s, 0, 5);
	c.on = false;
	s->filter = NULL;
	for (t = 0; t < 3000; t++)
		vsr_sim_step(s);
	KUNIT_ASSERT_TRUE(test, run_until_idle(s, 5000));
	KUNIT_ASSERT_TRUE(test, write_records(s, 2));
	expect_epoch(test, s, 1);
	KUNIT_EXPECT_EQ(test, s->violation, 0);
	vsr_sim_destroy(s);
}

/* The notices of epoch 1 that each replica sent. */
static bool notice_count_filter(struct vsr_sim *s, u32 from, u32 to,
				const u8 *buf, size_t len)
{
	u32 *sent = s->filter_ctx;
	struct vsr_hdr h;

	vsr_hdr_get(buf, &h);
	if (h.command == VSR_CMD_EPOCH && h.epoch == 1 && h.op)
		sent[from]++;
	return false;
}

/*
 * Of three, a change with the same members, asked at @asked, the primary
 * of the view now: in the 1,000 steps from the request it sent at least
 * two notices of epoch 1 (at once) and the others at least one each (at
 * their next tick), and none sent any in the 1,000 steps after that.
 */
static void notices_settle(struct kunit *test, struct vsr_sim *s, u32 asked)
{
	u32 sent[VSR_REPLICAS_MAX] = {};
	u32 i, t;

	s->filter = notice_count_filter;
	s->filter_ctx = sent;
	KUNIT_ASSERT_EQ(test, reconfigure(s, asked, 7, NULL, 0), 0);
	for (t = 0; t < 1000; t++)
		KUNIT_ASSERT_EQ(test, vsr_sim_step(s), 0);
	expect_epoch(test, s, 1);
	for (i = 0; i < 3; i++)
		KUNIT_EXPECT_GE(test, sent[i], i == asked ? 2u : 1u);
	memset(sent, 0, sizeof(sent));
	for (t = 0; t < 1000; t++)
		KUNIT_ASSERT_EQ(test, vsr_sim_step(s), 0);
	for (i = 0; i < 3; i++)
		KUNIT_EXPECT_EQ(test, sent[i], 0u);
	s->filter = NULL;
	KUNIT_ASSERT_TRUE(test, write_records(s, 2));
	expect_epoch(test, s, 1);
	KUNIT_EXPECT_EQ(test, s->violation, 0);
}

/*
 * The notices settle after a change.  The primary that committed it
 * tells the others at once; they, told by it, tell the ones they have not
 * heard at their next tick.  A member's notice of our epoch counts as
 * hearing it, and, between two backups, is answered (its sender has not
 * heard us), so each pair stops after one exchange; a primary and its
 * backups hear each other within a heartbeat anyway.  Backups hear each
 * other in no other message: until 2026-12-05 they told each other every
 * repair interval for as long as the epoch lasted.  Two cases: the
 * primary of view 0 commits the change and stays primary; and, after a
 * failover, the primary of view 1 does, and becomes a backup in view 0 of
 * the epoch (from the hostile review: the other backup, told at once
 * while still in epoch 0, had never heard it in epoch 1).
 */
static void vsr_epoch_notices_settle(struct kunit *test)
{
	struct vsr_sim *s = scripted(3, 29, false);
	struct vsr_core_status a;
	u32 t;

	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_ASSERT_TRUE(test, run_until_idle(s, 2000));
	KUNIT_ASSERT_TRUE(test, write_records(s, 3));
	st(s, 0, &a);
	KUNIT_ASSERT_EQ(test, a.primary, 0u);
	notices_settle(test, s, 0);
	vsr_sim_destroy(s);

	s = scripted(3, 31, false);
	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_ASSERT_TRUE(test, run_until_idle(s, 2000));
	isolate(s, 0, true);
	for (t = 0; t < 3000; t++) {
		st(s, 1, &a);
		if (a.status == VSR_STATUS_NORMAL && a.view > 0)
			break;
		vsr_sim_step(s);
	}
	KUNIT_ASSERT_EQ(test, a.view, 1u);
	isolate(s, 0, false);
	KUNIT_ASSERT_TRUE(test, run_until_idle(s, 3000));
	KUNIT_ASSERT_TRUE(test, write_records(s, 3));
	st(s, 1, &a);
	KUNIT_ASSERT_EQ(test, a.primary, 1u);
	notices_settle(test, s, 1);
	vsr_sim_destroy(s);
}

/* A removed member's notices to the members of the new epoch. */
static bool removed_notice_filter(struct vsr_sim *s, u32 from, u32 to,
				  const u8 *buf, size_t len)
{
	u32 *sent = s->filter_ctx;
	struct vsr_hdr h;

	vsr_hdr_get(buf, &h);
	if (h.command == VSR_CMD_EPOCH && (h.flags & VSR_EPOCH_REMOVED) &&
	    from == 2 && to != 2)
		sent[to]++;
	return false;
}

/*
 * A removed member that someone told of the change tells none of the new
 * epoch's members (they heard of it from the first to enter, and go on
 * telling each other): of three, backup 2 is replaced by the joining 3,
 * and learns of epoch 1 from a member of it (the primary answers its ack
 * of k, or a notice reaches it); it sent none of its notices to 0 or 1,
 * where one would have reached a member's queue as the epoch's first
 * PREPAREs did (the rig's switch, 2026-12-05).
 */
static void vsr_epoch_removed_told_quiet(struct kunit *test)
{
	struct vsr_sim *s = scripted_joiners(3, 1, 47, false);
	u32 sent[VSR_REPLICAS_MAX] = {};
	struct vsr_member_id ids[3];
	struct vsr_core_status a;
	u32 t;

	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_ASSERT_TRUE(test, run_until_idle(s, 2000));
	KUNIT_ASSERT_TRUE(test, write_records(s, 5));
	st(s, 0, &a);
	KUNIT_ASSERT_EQ(test, a.primary, 0u);
	s->filter = removed_notice_filter;
	s->filter_ctx = sent;
	ids[0] = node_id(0);
	ids[1] = node_id(1);
	ids[2] = node_id(3);
	KUNIT_ASSERT_EQ(test, reconfigure(s, 0, 13, ids, 3), 0);
	for (t = 0; t < 1000; t++)
		KUNIT_ASSERT_EQ(test, vsr_sim_step(s), 0);
	st(s, 2, &a);
	KUNIT_EXPECT_EQ(test, a.status, (u32)VSR_STATUS_REMOVED);
	KUNIT_EXPECT_EQ(test, s->node[2].r->told_epoch, 1u);
	KUNIT_EXPECT_EQ(test, sent[0], 0u);
	KUNIT_EXPECT_EQ(test, sent[1], 0u);
	for (t = 0; t < 4; t++) {
		if (t == 2)
			continue;
		st(s, t, &a);
		KUNIT_EXPECT_EQ(test, a.status, (u32)VSR_STATUS_NORMAL);
		KUNIT_EXPECT_EQ(test, a.epoch, 1u);
	}
	s->filter = NULL;
	KUNIT_EXPECT_EQ(test, s->violation, 0);
	vsr_sim_destroy(s);
}

/*
 * Of three and the joining 3, after five writes: primary 0 tries once to
 * replace 2 by 3 (@ids is set to the new list), which starts teaching for
 * an abdication window (@abdicate ticks, if not 0), and 3 learns up to
 * 0's commit point.
 */
static void learner_caught_up(struct kunit *test, struct vsr_sim *s,
			      struct vsr_member_id *ids, u64 abdicate)
{
	struct vsr_core_status a, p;
	u32 t;

	KUNIT_ASSERT_TRUE(test, run_until_idle(s, 2000));
	KUNIT_ASSERT_TRUE(test, write_records(s, 5));
	st(s, 0, &p);
	KUNIT_ASSERT_EQ(test, p.primary, 0u);
	ids[0] = node_id(0);
	ids[1] = node_id(1);
	ids[2] = node_id(3);
	if (abdicate)
		s->node[0].r->cfg.abdicate_ticks = abdicate;
	KUNIT_ASSERT_EQ(test, vsr_replica_reconfigure(s->node[0].r, 13, ids, 3),
			-EAGAIN);
	for (t = 0; t < 200; t++) {
		vsr_sim_step(s);
		st(s, 3, &a);
		if (a.commit == p.commit)
			break;
	}
	KUNIT_ASSERT_EQ(test, a.commit, p.commit);
}

struct last_lesson_ctx {
	u64 k;		/* lessons short of it are lost */
	u32 getstates;	/* the new member's requests for ops */
	u32 notices;	/* the primary's notices of epoch 1 to it */
	u32 requests;	/* its requests as a learner after the switch */
	bool on;
	bool switched;
};

static bool last_lesson_filter(struct vsr_sim *s, u32 from, u32 to,
			       const u8 *buf, size_t len)
{
	struct last_lesson_ctx *c = s->filter_ctx;
	struct vsr_hdr h;

	vsr_hdr_get(buf, &h);
	if (!c->on)
		return false;
	if (from == 3 && h.command == VSR_CMD_GETSTATE)
		c->getstates++;
	if (from == 0 && to == 3 && h.command == VSR_CMD_EPOCH && h.epoch == 1)
		c->notices++;
	if (from == 3 && c->switched && h.command == VSR_CMD_EPOCH &&
	    h.flags == (VSR_EPOCH_JOINING | VSR_EPOCH_LEARN))
		c->requests++;
	return to == 3 && h.command == VSR_CMD_NEWSTATE && !h.epoch &&
	       h.commit < c->k;
}

/*
 * A learner that lags as the change commits enters with the notice
 * alone.  Of three, backup 2 is replaced by the joining 3, which catches
 * up as a learner, then loses the lessons of the two writes that come
 * before the change (as under load, where the change commits between
 * two lessons).  As the primary switches, its last lesson, up to the
 * RECONFIG k, goes out before its notice: 3 enters epoch 1 normal, in
 * the step the notice reaches it, without asking anyone for ops.  Until
 * 2026-12-05 it fetched them from the notice's sender, a round trip
 * after the epoch's first PREPARE had reached it (seen on the rig).  It
 * asks its teacher nothing more once it learned up to k, and a request
 * of its that crossed the switch draws no second notice.  The simulator
 * delivers the datagrams due in one tick in the order sent here, as one
 * path between two machines does.
 */
static void vsr_epoch_last_lesson(struct kunit *test)
{
	struct vsr_sim *s = scripted_joiners(3, 1, 53, false);
	struct last_lesson_ctx c = { .k = U64_MAX };
	struct vsr_core_status a, p;
	struct vsr_member_id ids[3];
	u32 t;

	KUNIT_ASSERT_NOT_NULL(test, s);
	/* One path between two machines: no datagram overtakes another. */
	s->fixed_delay = 1;
	s->fifo = true;
	learner_caught_up(test, s, ids, 0);
	c.on = true;
	s->filter = last_lesson_filter;
	s->filter_ctx = &c;
	KUNIT_ASSERT_TRUE(test, write_records(s, 2));
	st(s, 0, &p);
	KUNIT_ASSERT_EQ(test, p.epoch, 0u);
	c.k = p.op + 1;
	KUNIT_ASSERT_EQ(test, reconfigure(s, 0, 13, ids, 3), 0);
	for (t = 0; t < 300 && p.epoch == 0; t++) {
		vsr_sim_step(s);
		st(s, 0, &p);
	}
	KUNIT_ASSERT_EQ(test, p.epoch, 1u);
	c.switched = true;
	/* It enters a step later: one datagram's delay, no fetch. */
	vsr_sim_step(s);
	st(s, 3, &a);
	KUNIT_EXPECT_EQ(test, a.epoch, 1u);
	/*
	 * Having learned up to k, it asked its teacher for nothing more,
	 * and its request that crossed the switch drew no second notice.
	 */
	KUNIT_EXPECT_EQ(test, c.requests, 0u);
	KUNIT_EXPECT_EQ(test, c.notices, 1u);
	KUNIT_EXPECT_EQ(test, a.status, (u32)VSR_STATUS_NORMAL);
	KUNIT_EXPECT_EQ(test, a.recoveries, 0ull);
	KUNIT_EXPECT_EQ(test, a.commit, c.k);
	KUNIT_EXPECT_EQ(test, c.getstates, 0u);
	KUNIT_EXPECT_EQ(test, recorded_inc(s->node[0].r, a.replica),
			s->node[3].r->incarnation);
	s->filter = NULL;
	KUNIT_ASSERT_TRUE(test, write_records(s, 3));
	st(s, 3, &a);
	KUNIT_EXPECT_EQ(test, a.commit, c.k + 3);
	KUNIT_EXPECT_EQ(test, s->violation, 0);
	vsr_sim_destroy(s);
}

/* What the learner 3 gets: its lessons and invitations, counted. */
struct learner_ctx {
	u32 invitations;	/* the primary's, to 3 */
	u32 lessons;		/* NEWSTATEs to 3 */
	bool drop;		/* the invitations are lost */
};

static bool learner_filter(struct vsr_sim *s, u32 from, u32 to,
			   const u8 *buf, size_t len)
{
	struct learner_ctx *c = s->filter_ctx;
	struct vsr_hdr h;

	vsr_hdr_get(buf, &h);
	if (to != 3)
		return false;
	if (h.command == VSR_CMD_NEWSTATE)
		c->lessons++;
	if (h.command == VSR_CMD_EPOCH && h.flags == VSR_EPOCH_LEARN) {
		c->invitations++;
		return c->drop;
	}
	return false;
}

/*
 * A learner that holds every committed op gets each next one as it
 * commits.  Of three, backup 2 is to be replaced by the joining 3, which
 * catches up as a learner while the change waits.  Then the primary's
 * invitations are lost, and three writes commit one by one: after each,
 * 3 holds it, from one lesson each (its request, which found nothing
 * new, waited at the primary for the next commit).  Until 2026-12-05 it
 * got them only at the next invitation, a heartbeat later, and the last
 * lesson as the change committed carried a heartbeat's worth of ops
 * (seven fragments of 1,500 bytes under one writer on the rig).
 */
static void vsr_epoch_learner_waits(struct kunit *test)
{
	struct vsr_sim *s = scripted_joiners(3, 1, 59, false);
	struct learner_ctx c = { .drop = true };
	struct vsr_core_status a, p;
	struct vsr_member_id ids[3];
	u32 t;

	KUNIT_ASSERT_NOT_NULL(test, s);
	/*
	 * Teaching goes on for the primary's abdication window, long here,
	 * so that it teaches through the writes without a second try, which
	 * would append the change.
	 */
	learner_caught_up(test, s, ids, 1000);
	KUNIT_ASSERT_TRUE(test, run_until_idle(s, 500));
	s->filter = learner_filter;
	s->filter_ctx = &c;
	for (t = 0; t < 3; t++) {
		KUNIT_ASSERT_TRUE(test, write_records(s, 1));
		st(s, 0, &p);
		st(s, 3, &a);
		KUNIT_EXPECT_EQ(test, a.commit, p.commit);
		KUNIT_EXPECT_EQ(test, c.lessons, t + 1);
	}
	KUNIT_EXPECT_EQ(test, a.status, (u32)VSR_STATUS_JOINING);
	KUNIT_EXPECT_EQ(test, p.epoch, 0u);
	s->filter = NULL;
	KUNIT_EXPECT_EQ(test, s->violation, 0);
	vsr_sim_destroy(s);
}

/*
 * A learner that follows the commits is not invited; an idle cluster's
 * is, every heartbeat.  Of three, backup 2 is to be replaced by the
 * joining 3, which catches up as a learner while the change waits (the
 * primary's heartbeat 4 ticks here, a write's 2 or 3).  Then a writer
 * writes without a pause for ten heartbeats: each commit's lesson answers
 * 3's waiting request and 3 asks again, so the primary invites it at most
 * once.  Until
 * 2026-12-05 it invited it every heartbeat all the same (each invitation
 * a datagram each way, traced once inside a switch on the rig).  Then six
 * idle heartbeats: invited at least five times, and ready throughout.
 */
static void vsr_epoch_learner_follows(struct kunit *test)
{
	struct vsr_sim *s = scripted_joiners(3, 1, 61, false);
	struct learner_ctx c = {};
	struct vsr_core_status a, p;
	struct vsr_member_id ids[3];
	u64 before;
	u32 t, hb = 4;

	KUNIT_ASSERT_NOT_NULL(test, s);
	learner_caught_up(test, s, ids, 1000);
	s->node[0].r->cfg.heartbeat_ticks = hb;
	KUNIT_ASSERT_TRUE(test, run_until_idle(s, 500));
	s->filter = learner_filter;
	s->filter_ctx = &c;
	st(s, 0, &p);
	before = p.commit;
	for (t = 0; t < 10 * hb; t++) {
		vsr_sim_issue(s, 0);
		vsr_sim_step(s);
	}
	KUNIT_ASSERT_TRUE(test, run_until_idle(s, 500));
	st(s, 0, &p);
	st(s, 3, &a);
	KUNIT_ASSERT_GT(test, p.commit, before + 10);
	KUNIT_EXPECT_EQ(test, a.commit, p.commit);
	KUNIT_EXPECT_GT(test, c.lessons, 10u);
	KUNIT_EXPECT_LE(test, c.invitations, 1u);
	c.invitations = 0;
	for (t = 0; t < 6 * hb; t++) {
		vsr_sim_step(s);
		KUNIT_EXPECT_EQ(test, vsr_learner_waits(s->node[0].r, &ids[2]),
				0u);
	}
	KUNIT_EXPECT_GE(test, c.invitations, 5u);
	st(s, 3, &a);
	KUNIT_EXPECT_EQ(test, a.status, (u32)VSR_STATUS_JOINING);
	KUNIT_EXPECT_EQ(test, a.commit, p.commit);
	s->filter = NULL;
	KUNIT_EXPECT_EQ(test, s->violation, 0);
	vsr_sim_destroy(s);
}

/*
 * A change of epoch with the same members: it commits as an op, every
 * replica switches when it applies it (normal, view 0 of epoch 1, its log
 * kept), nothing is appended after it in epoch 0, and writes go on.
 */
static void vsr_epoch_same_members(struct kunit *test)
{
	struct vsr_sim *s = scripted(3, 21, false);
	struct vsr_core_status a;
	const struct vsr_entry *e;
	u64 k, rec[3];
	u32 i;

	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_ASSERT_TRUE(test, run_until_idle(s, 2000));
	KUNIT_ASSERT_TRUE(test, write_records(s, 5));
	for (i = 0; i < 3; i++) {
		st(s, i, &a);
		rec[i] = a.recoveries;
	}
	st(s, 0, &a);
	KUNIT_ASSERT_TRUE(test, a.is_primary);
	KUNIT_EXPECT_EQ(test, vsr_replica_reconfigure(s->node[0].r, 0, NULL, 0),
			-EINVAL);
	KUNIT_ASSERT_EQ(test, reconfigure(s, 0, 7, NULL, 0), 0);
	st(s, 0, &a);
	k = a.op;
	/* Rule 2: nothing after it, not a write, not a second change. */
	KUNIT_EXPECT_EQ(test, vsr_replica_submit(s->node[0].r, VSR_OP_NOOP, 0,
						 99, NULL, 0), -EAGAIN);
	KUNIT_EXPECT_EQ(test, vsr_replica_reconfigure(s->node[0].r, 8, NULL, 0),
			-EALREADY);
	KUNIT_EXPECT_EQ(test, vsr_replica_reconfigure(s->node[0].r, 7, NULL, 0),
			0);
	st(s, 0, &a);
	KUNIT_EXPECT_EQ(test, a.op, k);
	KUNIT_EXPECT_EQ(test, a.epoch, 0u);
	KUNIT_ASSERT_TRUE(test, run_until_idle(s, 2000));
	expect_epoch(test, s, 1);
	for (i = 0; i < 3; i++) {
		st(s, i, &a);
		KUNIT_EXPECT_EQ(test, a.view, 0u);
		KUNIT_EXPECT_EQ(test, a.epochs, 1ull);
		KUNIT_EXPECT_EQ(test, a.recoveries, rec[i]);
		e = vsr_replica_entry(vsr_sim_replica(s, i), k);
		KUNIT_ASSERT_NOT_NULL(test, e);
		KUNIT_EXPECT_EQ(test, e->h.type, (u8)VSR_OP_RECONFIG);
		KUNIT_EXPECT_FALSE(test, e->flags & VSR_ENTRY_RECORD);
	}
	/* The client table carried over: the session writes on. */
	KUNIT_ASSERT_TRUE(test, write_records(s, 5));
	KUNIT_EXPECT_EQ(test, s->client[0].acked, 10ull);
	st(s, 0, &a);
	KUNIT_EXPECT_GT(test, a.commit, k);
	/* And again: epochs follow one another. */
	KUNIT_ASSERT_EQ(test, reconfigure(s, 0, 9, NULL, 0), 0);
	KUNIT_ASSERT_TRUE(test, run_until_idle(s, 2000));
	expect_epoch(test, s, 2);
	KUNIT_EXPECT_EQ(test, s->violation, 0);
	vsr_sim_destroy(s);
}

/*
 * A RECONFIG goes out at once, even with a write in flight.  Of three,
 * each datagram taking 3 ticks: a write is sent, then the change (same
 * members) is proposed before the write commits.  Its PREPARE leaves in
 * the same batch, once, so it commits in the step the write commits, and
 * a writer that comes after the write waits a round trip less for the
 * next epoch.  Until 2026-12-05 it waited behind the write by Nagle's
 * rule, until the write's commit or the next tick: in the kernel, with a
 * 10 ms tick and a round trip of a millisecond, the commit.
 */
static void vsr_epoch_change_not_held(struct kunit *test)
{
	struct vsr_sim *s = scripted(3, 67, false);
	struct vsr_replica *r;
	struct vsr_core_status a;
	u64 w, prepares;
	u32 t;

	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_ASSERT_TRUE(test, run_until_idle(s, 2000));
	KUNIT_ASSERT_TRUE(test, write_records(s, 5));
	s->fixed_delay = 3;
	r = s->node[0].r;
	st(s, 0, &a);
	KUNIT_ASSERT_TRUE(test, a.is_primary);
	w = a.op + 1;
	vsr_sim_issue(s, 0);
	for (t = 0; t < 20 && r->sent_op < w; t++)
		vsr_sim_step(s);
	KUNIT_ASSERT_EQ(test, r->sent_op, w);
	KUNIT_ASSERT_GT(test, w, r->commit);
	prepares = r->prepares;
	KUNIT_ASSERT_EQ(test, vsr_replica_reconfigure(r, 7, NULL, 0), 0);
	vsr_replica_flush(r);
	/* Sent with the write still in flight, in one PREPARE. */
	KUNIT_EXPECT_EQ(test, r->log.head, w + 1);
	KUNIT_EXPECT_EQ(test, r->sent_op, w + 1);
	KUNIT_EXPECT_EQ(test, r->prepares, prepares + 1);
	KUNIT_EXPECT_GT(test, w, r->commit);
	/* ... and not again: nothing is sent twice. */
	vsr_replica_flush(r);
	vsr_sim_step(s);
	KUNIT_EXPECT_EQ(test, r->prepares, prepares + 1);
	/* Both commit in the same step, and the epoch starts. */
	for (t = 0; t < 20 && r->commit < w; t++)
		vsr_sim_step(s);
	KUNIT_EXPECT_EQ(test, r->commit, w + 1);
	st(s, 0, &a);
	KUNIT_EXPECT_EQ(test, a.epoch, 1u);
	KUNIT_ASSERT_TRUE(test, run_until_idle(s, 2000));
	expect_epoch(test, s, 1);
	KUNIT_ASSERT_TRUE(test, write_records(s, 3));
	KUNIT_EXPECT_EQ(test, s->violation, 0);
	vsr_sim_destroy(s);
}

/*
 * A change asked at a backup goes through its primary: of three, backup 2
 * asks to remove the primary (0), and to lead.  It forwards the change
 * (-EINPROGRESS) until the RECONFIG is in its log; asked again with the
 * same nonce, that is still 0, and another nonce is another change
 * (-EALREADY).  Replicas 2 and 1 switch, 0 is removed, and the change
 * that started the epoch is not proposed twice.
 */
static void vsr_epoch_from_backup(struct kunit *test)
{
	struct vsr_sim *s = scripted(3, 31, false);
	struct vsr_member_id ids[2];
	struct vsr_core_status a;

	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_ASSERT_TRUE(test, run_until_idle(s, 2000));
	KUNIT_ASSERT_TRUE(test, write_records(s, 3));
	ids[0] = vsr_sim_replica(s, 1)->members[2];
	ids[1] = vsr_sim_replica(s, 1)->members[1];
	KUNIT_EXPECT_EQ(test, vsr_replica_reconfigure(s->node[2].r, 5, ids, 2),
			-EINPROGRESS);
	KUNIT_ASSERT_EQ(test, reconfigure(s, 2, 5, ids, 2), 0);
	KUNIT_EXPECT_TRUE(test, vsr_reconfig_pending(vsr_sim_replica(s, 2)));
	KUNIT_EXPECT_EQ(test, vsr_replica_reconfigure(s->node[2].r, 5, ids, 2),
			0);
	KUNIT_EXPECT_EQ(test, vsr_replica_reconfigure(s->node[1].r, 6, ids, 2),
			-EALREADY);
	KUNIT_ASSERT_TRUE(test, run_until_idle(s, 2000));
	st(s, 0, &a);
	KUNIT_EXPECT_EQ(test, a.status, (u32)VSR_STATUS_REMOVED);
	st(s, 2, &a);
	KUNIT_EXPECT_EQ(test, a.status, (u32)VSR_STATUS_NORMAL);
	KUNIT_EXPECT_EQ(test, a.epoch, 1u);
	KUNIT_EXPECT_EQ(test, a.replica, 0u);
	KUNIT_EXPECT_TRUE(test, a.is_primary);
	KUNIT_EXPECT_EQ(test, a.epoch_nonce, 5ull);
	st(s, 1, &a);
	KUNIT_EXPECT_EQ(test, a.status, (u32)VSR_STATUS_NORMAL);
	KUNIT_EXPECT_EQ(test, a.epoch, 1u);
	KUNIT_EXPECT_EQ(test, a.replica, 1u);
	/* Its caller asking again: done, not a second change. */
	KUNIT_EXPECT_EQ(test, vsr_replica_reconfigure(s->node[1].r, 5, ids, 2),
			0);
	KUNIT_ASSERT_TRUE(test, run_until_idle(s, 2000));
	st(s, 2, &a);
	KUNIT_EXPECT_EQ(test, a.epoch, 1u);
	KUNIT_EXPECT_EQ(test, s->violation, 0);
	vsr_sim_destroy(s);
}

/*
 * A backup cut off while the change commits stays in epoch 0.  Healed, it
 * hears of epoch 1 (the others keep telling it), pulls the ops it lacks up
 * to the RECONFIG, applies them and switches: normal, without recovering.
 * Another, restarted with the configuration of epoch 0, learns of epoch 1
 * from the answers to its RECOVERY and recovers there.
 */
static void vsr_epoch_laggard_and_restart(struct kunit *test)
{
	struct vsr_sim *s = scripted(3, 22, false);
	struct vsr_core_status a, b;
	u64 rec;
	u32 t;

	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_ASSERT_TRUE(test, run_until_idle(s, 2000));
	st(s, 2, &b);
	rec = b.recoveries;
	isolate(s, 2, true);
	for (t = 0; t < 4; t++) {
		vsr_sim_issue(s, 0);
		while (s->client[0].busy)
			vsr_sim_step(s);
	}
	KUNIT_ASSERT_EQ(test, reconfigure(s, 0, 5, NULL, 0), 0);
	for (t = 0; t < 200; t++)
		vsr_sim_step(s);
	st(s, 0, &a);
	st(s, 2, &b);
	KUNIT_EXPECT_EQ(test, a.epoch, 1u);
	KUNIT_EXPECT_EQ(test, b.epoch, 0u);
	KUNIT_EXPECT_LT(test, b.commit, a.commit);
	isolate(s, 2, false);
	KUNIT_ASSERT_TRUE(test, run_until_idle(s, 2000));
	expect_epoch(test, s, 1);
	st(s, 2, &b);
	KUNIT_EXPECT_EQ(test, b.recoveries, rec);

	vsr_sim_crash(s, 1, 5);
	KUNIT_ASSERT_TRUE(test, run_until_idle(s, 3000));
	expect_epoch(test, s, 1);
	st(s, 1, &b);
	KUNIT_EXPECT_EQ(test, b.recoveries, 1ull);
	KUNIT_ASSERT_TRUE(test, write_records(s, 3));
	KUNIT_EXPECT_EQ(test, s->violation, 0);
	vsr_sim_destroy(s);
}

/*
 * A backup holds another op where the RECONFIG committed (regression for
 * revert.sh bug 10).  Of five replicas, only 4 gets the primary's last
 * two writes before the primary crashes; 4 is cut off, and the other three
 * elect a view without those ops and change the epoch: a NOOP of the view,
 * then the RECONFIG, take their places.  Healed, 4 hears that epoch 1 started at that op: it must not take
 * its own op there for the committed one, but pull the RECONFIG over it.
 */
static void vsr_epoch_other_op_at_k(struct kunit *test)
{
	struct vsr_sim *s = scripted(5, 23, false);
	struct vsr_core_status a, b;
	u32 i, t;

	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_ASSERT_TRUE(test, run_until_idle(s, 2000));
	st(s, 0, &a);
	KUNIT_ASSERT_TRUE(test, a.is_primary);
	for (i = 1; i <= 3; i++) {
		s->block[0][i] = true;
		s->block[i][0] = true;
	}
	/* Two writes: the new primary's first op will be a NOOP. */
	vsr_sim_issue(s, 0);
	vsr_sim_issue(s, 4);
	for (t = 0; t < 50; t++) {
		vsr_sim_step(s);
		st(s, 0, &a);
		st(s, 4, &b);
		if (a.op >= a.commit + 2 && b.op == a.op)
			break;
	}
	KUNIT_ASSERT_EQ(test, b.op, a.op);
	KUNIT_ASSERT_GE(test, a.op, a.commit + 2);
	vsr_sim_crash(s, 0, 400);
	isolate(s, 4, true);
	for (i = 1; i <= 3; i++)
		s->block[0][i] = s->block[i][0] = false;
	for (t = 0; t < 300; t++) {
		vsr_sim_step(s);
		st(s, 1, &a);
		if (a.is_primary)
			break;
	}
	KUNIT_ASSERT_TRUE(test, a.is_primary);
	KUNIT_ASSERT_EQ(test, reconfigure(s, 1, 11, NULL, 0), 0);
	for (t = 0; t < 100; t++)
		vsr_sim_step(s);
	st(s, 1, &a);
	st(s, 4, &b);
	KUNIT_ASSERT_EQ(test, a.epoch, 1u);
	KUNIT_EXPECT_EQ(test, b.epoch, 0u);
	/* 4 holds an op at the RECONFIG's position: not the same one. */
	KUNIT_EXPECT_GE(test, b.op, a.commit);
	isolate(s, 4, false);
	KUNIT_ASSERT_TRUE(test, run_until_idle(s, 3000));
	expect_epoch(test, s, 1);
	KUNIT_EXPECT_EQ(test, s->violation, 0);
	vsr_sim_destroy(s);
}

/*
 * Member 0 leads view 0 of a new epoch once (regression; found by the
 * hostile review of the epochs, revert.sh bug 13).  Of three replicas, the
 * primary A commits the RECONFIG with B's ack and switches, but nobody
 * hears from it in epoch 1 and C never gets the op; A dies.  B leads view 1
 * of epoch 0 with the op uncommitted; A restarts, recovers in epoch 0 and
 * acks it, and B commits it.  A's second incarnation, not the one the op
 * recorded, must not lead view 0 of epoch 1 again: the first may have
 * committed ops there that it has forgotten.
 */
struct v0_ctx {
	int phase;
	u64 k;
};

static bool v0_filter(struct vsr_sim *s, u32 from, u32 to, const u8 *buf,
		      size_t len)
{
	struct v0_ctx *c = s->filter_ctx;
	struct vsr_hdr h;

	vsr_hdr_get(buf, &h);
	if (c->phase == 1 && from == 0)
		return h.epoch == 1 || h.commit >= c->k ||
		       (to == 2 && h.command == VSR_CMD_PREPARE && h.op >= c->k);
	/* C must not ack k before A's second incarnation does. */
	return c->phase == 2 && from == 1 && to == 2 &&
	       h.command == VSR_CMD_NEWSTATE;
}

static void vsr_epoch_view0_second_incarnation(struct kunit *test)
{
	struct vsr_sim *s = scripted(3, 21, false);
	struct v0_ctx c = { .phase = 1, .k = U64_MAX };
	struct vsr_core_status a, b;
	u32 t;

	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_ASSERT_TRUE(test, write_records(s, 3));
	s->filter = v0_filter;
	s->filter_ctx = &c;
	KUNIT_ASSERT_EQ(test, reconfigure(s, 0, 7, NULL, 0), 0);
	st(s, 0, &a);
	c.k = a.op;
	for (t = 0; t < 100 && a.epoch != 1; t++) {
		vsr_sim_step(s);
		st(s, 0, &a);
	}
	KUNIT_ASSERT_EQ(test, a.epoch, 1u);
	KUNIT_ASSERT_TRUE(test, a.is_primary);
	st(s, 1, &b);
	KUNIT_EXPECT_EQ(test, b.epoch, 0u);
	c.phase = 2;
	vsr_sim_crash(s, 0, 5);
	for (t = 0; t < 2000 && !s->violation; t++) {
		vsr_sim_step(s);
		st(s, 0, &a);
		st(s, 2, &b);
		if (a.epoch == 1 && b.epoch == 1)
			break;
	}
	KUNIT_EXPECT_EQ(test, s->violation, 0);
	KUNIT_EXPECT_EQ(test, a.epoch, 1u);
	KUNIT_EXPECT_FALSE(test, a.is_primary && a.view == 0);
	s->filter = NULL;
	KUNIT_ASSERT_TRUE(test, run_until_idle(s, 3000));
	expect_epoch(test, s, 1);
	st(s, 0, &a);
	KUNIT_EXPECT_GE(test, a.view, 1u);
	KUNIT_ASSERT_TRUE(test, write_records(s, 3));
	KUNIT_EXPECT_EQ(test, s->violation, 0);
	vsr_sim_destroy(s);
}


/*
 * Only the recorded incarnation enters a new epoch normal (regression; found
 * by the second hostile review of the epochs, revert.sh bug 13).  n = 5: 0
 * leads, 1 = A, 2 = B.  A acks x in epoch 1 and dies; its successor A'
 * recovers in epoch 0 from B, 3 and 4, which then switch; the primary
 * commits x with A's old ack and B's new one.  Had A' entered epoch 1
 * normal, A', 3 and 4 would elect a view without x.
 */
struct bi_ctx {
	int phase;
	u64 k;
	u8 held[VSR_MSG_BUILD_MAX];
	size_t held_len;
};

static bool bi_left(u32 i)
{
	return i <= 1;
}

static bool bi_filter(struct vsr_sim *s, u32 from, u32 to, const u8 *buf,
		      size_t len)
{
	struct bi_ctx *c = s->filter_ctx;
	struct vsr_hdr h;
	bool cross;

	vsr_hdr_get(buf, &h);
	if (c->phase == 1) {
		cross = bi_left(from) != bi_left(to);
		if (from == 0 && to == 2 && h.command == VSR_CMD_PREPARE &&
		    h.commit < c->k)
			return false;
		if (from == 2 && to == 0 && h.command == VSR_CMD_PREPAREOK &&
		    h.op >= c->k && !c->held_len) {
			memcpy(c->held, buf, len);
			c->held_len = len;
			return true;
		}
		if (cross)
			return true;
		/* 3 and 4 stay behind B's head k. */
		if (from == 2 && (to == 3 || to == 4) &&
		    (h.command == VSR_CMD_STARTVIEW ||
		     h.command == VSR_CMD_NEWSTATE ||
		     h.command == VSR_CMD_PREPARE))
			return true;
		return false;
	}
	if (c->phase == 2) {	/* {0,1} | {2,3,4} */
		if (bi_left(from) != bi_left(to))
			return true;
		if (from == 2 && (to == 3 || to == 4) &&
		    (h.command == VSR_CMD_STARTVIEW ||
		     h.command == VSR_CMD_NEWSTATE ||
		     h.command == VSR_CMD_PREPARE))
			return true;
		return false;
	}
	if (c->phase == 3) {	/* A crashed: 0 alone; A' with 2,3,4 */
		if (from == 0 || to == 0)
			return true;
		if (from == 2 && (to == 3 || to == 4) &&
		    (h.command == VSR_CMD_STARTVIEW ||
		     h.command == VSR_CMD_NEWSTATE ||
		     h.command == VSR_CMD_PREPARE))
			return true;
		return false;
	}
	if (c->phase == 4) {	/* 0 talks to 2 only; 2 hears none of 1,3,4 in epoch 1 */
		if ((from == 0 && to != 2) || (to == 0 && from != 2))
			return true;
		if (to == 2 && from != 0 && h.epoch >= 1)
			return true;
		return false;
	}
	/* phase 5: {0,2} | {1,3,4} */
	return (from == 0 || from == 2) != (to == 0 || to == 2);
}

static void vsr_epoch_dead_ack_across_epoch(struct kunit *test)
{
	struct vsr_sim *s = scripted(5, 31, false);
	struct bi_ctx *c = kzalloc(sizeof(*c), GFP_KERNEL);
	struct vsr_core_status a, b;
	u64 acked0;
	u32 t;

	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_ASSERT_NOT_NULL(test, c);
	KUNIT_ASSERT_TRUE(test, run_until_idle(s, 2000));
	KUNIT_ASSERT_TRUE(test, write_records(s, 3));
	st(s, 0, &a);
	KUNIT_ASSERT_TRUE(test, a.is_primary);
	c->k = a.op + 1;
	c->phase = 1;
	s->filter = bi_filter;
	s->filter_ctx = c;
	KUNIT_ASSERT_EQ(test, reconfigure(s, 0, 7, NULL, 0), 0);
	st(s, 0, &a);
	KUNIT_ASSERT_EQ(test, a.op, c->k);
	/* B (2) gets k, acks it (held); 2,3,4 elect B in epoch 0. */
	for (t = 0; t < 400; t++) {
		vsr_sim_step(s);
		st(s, 2, &b);
		if (b.epoch == 0 && b.is_primary && b.status == VSR_STATUS_NORMAL) {
			struct vsr_core_status x3, x4;

			st(s, 3, &x3);
			st(s, 4, &x4);
			if (x3.status == VSR_STATUS_NORMAL && x3.view == b.view &&
			    x4.status == VSR_STATUS_NORMAL && x4.view == b.view)
				break;
		}
	}
	KUNIT_ASSERT_TRUE(test, b.is_primary);
	KUNIT_ASSERT_EQ(test, b.op, c->k);
	KUNIT_ASSERT_TRUE(test, b.commit < c->k);
	KUNIT_ASSERT_GT(test, c->held_len, (size_t)0);
	/* B's late PREPAREOK of k reaches 0: k commits, 0 and A switch. */
	c->phase = 2;
	vsr_replica_receive(s->node[0].r, c->held, c->held_len);
	for (t = 0; t < 100; t++) {
		vsr_sim_step(s);
		st(s, 0, &a);
		st(s, 1, &b);
		if (a.epoch == 1 && b.epoch == 1 && b.status == VSR_STATUS_NORMAL)
			break;
	}
	KUNIT_ASSERT_EQ(test, a.epoch, 1u);
	KUNIT_ASSERT_TRUE(test, a.is_primary);
	KUNIT_ASSERT_EQ(test, b.epoch, 1u);
	/* x at k + 1: A acks it, then dies. */
	acked0 = s->client[0].acked;
	vsr_sim_issue(s, 0);
	for (t = 0; t < 100; t++) {
		vsr_sim_step(s);
		if (s->node[0].r->acked[1] >= c->k + 1)
			break;
	}
	KUNIT_ASSERT_GE(test, s->node[0].r->acked[1], c->k + 1);
	st(s, 0, &a);
	KUNIT_ASSERT_TRUE(test, a.commit < c->k + 1);
	c->phase = 3;
	vsr_sim_crash(s, 1, 2);
	for (t = 0; t < 400; t++) {
		vsr_sim_step(s);
		st(s, 1, &b);
		if (s->node[1].up && b.status == VSR_STATUS_NORMAL)
			break;
	}
	KUNIT_ASSERT_EQ(test, b.status, (u32)VSR_STATUS_NORMAL);
	KUNIT_ASSERT_EQ(test, b.epoch, 0u);
	/* Now 3 and 4 catch up: B commits k, everyone in 2,3,4,A' switches. */
	c->phase = 4;
	for (t = 0; t < 400; t++) {
		vsr_sim_step(s);
		st(s, 0, &a);
		if (a.commit >= c->k + 1 && s->client[0].acked > acked0)
			break;
	}
	KUNIT_ASSERT_GE(test, a.commit, c->k + 1);
	KUNIT_ASSERT_GT(test, s->client[0].acked, acked0);
	/* 0 and B cut off; A', 3, 4 go on without x. */
	c->phase = 5;
	for (t = 0; t < 600; t++) {
		vsr_sim_step(s);
		st(s, 1, &b);
		if (b.epoch == 1 && b.is_primary && b.status == VSR_STATUS_NORMAL &&
		    !b.abdicated)
			break;
	}
	vsr_sim_issue(s, 1);
	for (t = 0; t < 300 && !s->violation; t++)
		vsr_sim_step(s);
	KUNIT_EXPECT_EQ(test, s->violation, 0);
	s->filter = NULL;
	vsr_sim_destroy(s);
	kfree(c);
}

static void nop_send(void *ctx, unsigned int to, const void *buf, size_t len)
{
}

/* Without cfg.epochs there are none; a lone replica switches at once. */
static void vsr_epoch_single_and_disabled(struct kunit *test)
{
	static const struct vsr_ops ops = { .send = nop_send };
	struct vsr_core_config cfg;
	struct vsr_core_status a;
	struct vsr_replica *r;

	vsr_core_config_defaults(&cfg);
	cfg.cluster = 5;
	r = vsr_replica_create(&cfg, &ops, NULL);
	KUNIT_ASSERT_NOT_NULL(test, r);
	KUNIT_EXPECT_EQ(test, vsr_replica_reconfigure(r, 1, NULL, 0), -EOPNOTSUPP);
	vsr_replica_destroy(r);

	cfg.epochs = true;
	r = vsr_replica_create(&cfg, &ops, NULL);
	KUNIT_ASSERT_NOT_NULL(test, r);
	/* First a NOOP of its view, then the change. */
	KUNIT_EXPECT_EQ(test, vsr_replica_reconfigure(r, 1, NULL, 0), -EAGAIN);
	KUNIT_EXPECT_EQ(test, vsr_replica_reconfigure(r, 1, NULL, 0), 0);
	vsr_replica_get_status(r, &a);
	KUNIT_EXPECT_EQ(test, a.epoch, 1u);
	KUNIT_EXPECT_EQ(test, a.status, (u32)VSR_STATUS_NORMAL);
	KUNIT_EXPECT_TRUE(test, a.is_primary);
	KUNIT_EXPECT_EQ(test, a.op, 2ull);
	KUNIT_EXPECT_EQ(test, a.commit, 2ull);
	KUNIT_EXPECT_EQ(test, vsr_replica_submit(r, VSR_OP_REGISTER, 0, 3,
						 NULL, 0), 0);
	vsr_replica_get_status(r, &a);
	KUNIT_EXPECT_EQ(test, a.commit, 3ull);
	vsr_replica_destroy(r);
}

/* Replicas [0, half) on one side, the others on the other. */
static void split(struct vsr_sim *s, u32 half, bool on)
{
	u32 i, j;

	for (i = 0; i < s->n; i++)
		for (j = 0; j < s->n; j++)
			if (i != j && (i < half) != (j < half))
				s->block[i][j] = on;
}

/*
 * Even n: a quorum is a majority, n / 2 + 1.  Half of the replicas (the
 * primary's half or the other) can neither commit nor elect; with f + 1
 * as the quorum both halves of a 4-replica cluster commit and the log
 * forks, and either replica of a 2-replica cluster commits alone.
 */
static void vsr_quorum_even_halves(struct kunit *test)
{
	struct vsr_core_status a, b;
	struct vsr_sim *s;
	u32 n, i, t;

	for (n = 2; n <= 4; n += 2) {
		s = scripted(n, 15 + n, false);
		KUNIT_ASSERT_NOT_NULL(test, s);
		KUNIT_ASSERT_TRUE(test, run_until_idle(s, 2000));
		st(s, 0, &a);
		KUNIT_ASSERT_TRUE(test, a.is_primary);
		split(s, n / 2, true);
		/* A write on each side: the primary's, and the other. */
		vsr_sim_issue(s, 0);
		vsr_sim_issue(s, n - 1);
		for (t = 0; t < 600 && !s->violation; t++)
			vsr_sim_step(s);
		KUNIT_EXPECT_TRUE(test, s->client[0].busy);
		KUNIT_EXPECT_TRUE(test, s->client[n - 1].busy);
		for (i = 0; i < n; i++) {
			st(s, i, &b);
			KUNIT_EXPECT_EQ(test, b.commit, a.commit);
			KUNIT_EXPECT_FALSE(test, b.is_primary && b.view != a.view);
		}
		/* Healed: both writes commit, once, in one log. */
		split(s, n / 2, false);
		KUNIT_EXPECT_TRUE(test, run_until_idle(s, 3000));
		KUNIT_EXPECT_EQ(test, s->client[0].acked, 1ull);
		KUNIT_EXPECT_EQ(test, s->client[n - 1].acked, 1ull);
		KUNIT_EXPECT_EQ(test, s->violation, 0);
		vsr_sim_destroy(s);
	}
}

/* ---- a promise of a previous incarnation ------------------------------ */

struct inc_ctx {
	int phase;
	u8 dvc[VSR_HDR_SIZE];	/* B's DOVIEWCHANGE to S, held back */
	size_t dvc_len;
};

static bool inc_filter(struct vsr_sim *s, u32 from, u32 to, const u8 *buf,
		       size_t len)
{
	struct inc_ctx *c = s->filter_ctx;
	bool vc;
	struct vsr_hdr h;

	vsr_hdr_get(buf, &h);
	vc = h.command == VSR_CMD_STARTVIEWCHANGE ||
	     h.command == VSR_CMD_DOVIEWCHANGE;
	/* P never takes part in the view change it does not know of. */
	if (c->phase && to == 0 && vc)
		return true;
	/* S never learns of Y. */
	if (c->phase && c->phase < 3 && from == 0 && to == 1)
		return true;
	if (c->phase != 1)
		return false;
	if (from == 0)
		return true;	/* P is silent: Y reaches nobody */
	if (from == 2 && to == 1 && h.command == VSR_CMD_DOVIEWCHANGE &&
	    !c->dvc_len && len <= sizeof(c->dvc)) {
		memcpy(c->dvc, buf, len);
		c->dvc_len = len;
	}
	/* S hears neither B's votes nor its DOVIEWCHANGE. */
	return from == 2 && to == 1 && vc;
}

/*
 * n = 3, P = 0, S = 1, B = 2 (the issue's trace):
 *  P appends Y; it reaches nobody (S never hears of it, B only once it
 *  restarted).  B and S stop hearing P and vote for
 *  view 1; B sees S's vote, enters the view change and sends S its
 *  DOVIEWCHANGE, which the network holds back.  B crashes and restarts
 *  empty; P and S are normal in view 0, so B recovers into view 0.  If B
 *  acked Y there, P would commit it and acknowledge the client; the old
 *  DOVIEWCHANGE then reaches S, which decides view 1 with it and its own
 *  log, neither of which has Y: an acknowledged record would be lost.
 *  S's answer to B's RECOVERY says that S voted for view 1, so B keeps
 *  the promise it forgot: it enters view change 1 with the log it pulled
 *  (which has Y) instead of acking in view 0.
 */
static void vsr_recovery_keeps_promise(struct kunit *test)
{
	struct vsr_sim *s = scripted(3, 31, false);
	struct inc_ctx c = { 0 };
	struct vsr_core_status a, b;
	u32 t;

	KUNIT_ASSERT_NOT_NULL(test, s);
	s->filter = inc_filter;
	s->filter_ctx = &c;
	KUNIT_ASSERT_TRUE(test, run_until_idle(s, 2000));
	st(s, 0, &a);
	KUNIT_ASSERT_TRUE(test, a.is_primary);
	KUNIT_ASSERT_EQ(test, a.view, 0u);
	/* P must not abdicate while it is silent. */
	s->node[0].r->cfg.abdicate_ticks = 100000;
	c.phase = 1;
	vsr_sim_issue(s, 0);
	for (t = 0; t < 500 && !c.dvc_len; t++)
		vsr_sim_step(s);
	KUNIT_ASSERT_GT(test, c.dvc_len, (size_t)0);
	st(s, 1, &b);
	KUNIT_EXPECT_EQ(test, b.status, (u32)VSR_STATUS_NORMAL);
	KUNIT_EXPECT_EQ(test, b.view, 0u);
	/* B restarts empty and recovers; P speaks again. */
	vsr_sim_crash(s, 2, 1);
	c.phase = 2;
	for (t = 0; t < 300; t++) {
		vsr_sim_step(s);
		st(s, 2, &b);
		if (b.status != VSR_STATUS_RECOVERING && b.status != U32_MAX &&
		    !s->client[0].busy)
			break;
	}
	/* The old DOVIEWCHANGE arrives at S. */
	vsr_replica_receive(s->node[1].r, c.dvc, c.dvc_len);
	c.phase = 3;
	KUNIT_EXPECT_TRUE(test, run_until_idle(s, 3000));
	KUNIT_EXPECT_EQ(test, s->client[0].acked, 1ull);
	KUNIT_EXPECT_EQ(test, s->violation, 0);
	vsr_sim_destroy(s);
}

/* ---- the state-transfer defect of the 2012 paper ------------------------- */

struct vl_ctx {
	int phase;
	u64 op_b;
};

static bool vl_filter(struct vsr_sim *s, u32 from, u32 to, const u8 *buf,
		      size_t len)
{
	struct vl_ctx *c = s->filter_ctx;
	struct vsr_hdr h;

	vsr_hdr_get(buf, &h);
	switch (c->phase) {
	case 1:	/* R2 must not learn that B committed */
		return from == 1 && to == 2 && c->op_b && h.commit >= c->op_b;
	case 3:	/* R2 hears only R1's heartbeat, R1 hears nothing of R2 */
		if (from == 2 && to == 1)
			return true;
		if (from == 1 && to == 2 && h.command != VSR_CMD_COMMIT)
			return true;
		fallthrough;
	case 2:	/* R0 never learns the new view's log */
		if (to == 0 && h.command == VSR_CMD_DOVIEWCHANGE)
			return true;
		if (from == 1 && to == 0 &&
		    (h.command == VSR_CMD_STARTVIEW ||
		     h.command == VSR_CMD_PREPARE ||
		     h.command == VSR_CMD_COMMIT ||
		     h.command == VSR_CMD_NEWSTATE))
			return true;
		return false;
	default:
		return false;
	}
}

/*
 * Vanlightly's trace, 3 replicas, primary(v) = v mod 3:
 *  view 0: R0 commits A with R1 (R2 cut off).
 *  view 1: R1 and R2 (R0 cut off); R1 commits B with R2, R2 never hears
 *          that B is committed.
 *  view 4: R1 leads with R0's DOVIEWCHANGE; R0 never gets STARTVIEW, so
 *          its log view stays 0.  R2 learns of view 4 from a heartbeat;
 *          in the paper it truncates its log to its commit number (< B)
 *          and asks for state, which never arrives.
 *  R1 dies.  R0 and R2 form the next view: R2's claim (last normal view
 *  1) beats R0's (0).  If R2's log lost B, the committed B is gone.
 * Returns the simulator's violation flag; *kept tells whether R2 ends
 * with B at op_b.
 */
static int vanlightly(struct kunit *test, bool defect, bool *kept)
{
	struct vsr_sim *s = scripted(3, 21, defect);
	struct vl_ctx c = { 0 };
	struct vsr_core_status a, b;
	const struct vsr_entry *e;
	u64 b_session, b_request;
	int ret = -1;
	u32 t;

	*kept = false;
	if (!s)
		return -1;
	s->filter = vl_filter;
	s->filter_ctx = &c;
	if (!run_until_idle(s, 2000))
		goto out;
	/* View 0: A commits on R0 and R1. */
	isolate(s, 2, true);
	vsr_sim_issue(s, 0);
	for (t = 0; t < 300 && s->client[0].busy; t++)
		vsr_sim_step(s);
	KUNIT_EXPECT_EQ(test, s->client[0].acked, 1ull);
	/* View 1: R1 + R2. */
	isolate(s, 2, false);
	isolate(s, 0, true);
	for (t = 0; t < 1000; t++) {
		vsr_sim_step(s);
		st(s, 1, &a);
		st(s, 2, &b);
		if (a.is_primary && b.view == a.view &&
		    b.log_view == b.view && b.commit == a.commit)
			break;
	}
	KUNIT_EXPECT_EQ(test, a.view, 1u);
	c.phase = 1;
	st(s, 1, &a);
	c.op_b = a.op + 1;
	vsr_sim_issue(s, 1);
	b_session = s->client[1].session;
	b_request = s->client[1].request;
	for (t = 0; t < 300 && s->client[1].busy; t++)
		vsr_sim_step(s);
	KUNIT_EXPECT_EQ(test, s->client[1].acked, 1ull);
	st(s, 2, &b);
	KUNIT_EXPECT_EQ(test, b.op, c.op_b);
	KUNIT_EXPECT_LT(test, b.commit, c.op_b);
	/* View 4: R1 leads with R0; R0 never becomes whole; R2 cut off. */
	c.phase = 2;
	isolate(s, 0, false);
	isolate(s, 2, true);
	for (t = 0; t < 3000; t++) {
		vsr_sim_step(s);
		st(s, 1, &a);
		if (a.is_primary && a.view > 1)
			break;
	}
	KUNIT_EXPECT_TRUE(test, a.is_primary);
	st(s, 0, &b);
	KUNIT_EXPECT_EQ(test, b.log_view, 0u);
	KUNIT_EXPECT_EQ(test, b.view, a.view);
	/* R2 hears R1's heartbeat for the new view, nothing else. */
	c.phase = 3;
	s->block[1][2] = false;
	s->block[2][1] = false;
	for (t = 0; t < 100; t++) {
		vsr_sim_step(s);
		st(s, 2, &b);
		if (b.view == a.view)
			break;
	}
	KUNIT_EXPECT_EQ(test, b.view, a.view);
	/* R1 dies; R0 and R2 elect. */
	vsr_sim_crash(s, 1, 1000000);
	c.phase = 0;
	isolate(s, 2, false);
	isolate(s, 0, false);
	vsr_sim_issue(s, 2);
	for (t = 0; t < 2000 && s->client[2].busy && !s->violation; t++)
		vsr_sim_step(s);
	e = vsr_sim_replica(s, 2) ?
	    vsr_replica_entry(vsr_sim_replica(s, 2), c.op_b) : NULL;
	*kept = e && e->h.session == b_session && e->h.request == b_request;
	ret = s->violation;
out:
	vsr_sim_destroy(s);
	return ret;
}

static void vsr_vanlightly_regression(struct kunit *test)
{
	bool kept;

	/* Our state transfer: B survives, the checker stays quiet. */
	KUNIT_EXPECT_EQ(test, vanlightly(test, false, &kept), 0);
	KUNIT_EXPECT_TRUE(test, kept);
}

static void vsr_vanlightly_paper_defect_is_caught(struct kunit *test)
{
	bool kept;

	/* The paper's truncation: the same trace loses B, and we see it. */
	KUNIT_EXPECT_EQ(test, vanlightly(test, true, &kept), 1);
	KUNIT_EXPECT_FALSE(test, kept);
}

/* ---- recovery keeps no stale tail ---------------------------------------- */

struct rt_ctx {
	int phase;
	u64 commit;		/* P's commit number before its tail */
};

static bool rt_filter(struct vsr_sim *s, u32 from, u32 to, const u8 *buf,
		      size_t len)
{
	struct rt_ctx *c = s->filter_ctx;
	struct vsr_hdr h;

	vsr_hdr_get(buf, &h);
	switch (c->phase) {
	case 1:	/* P's tail reaches only R, and not its last op */
		if (from != 0)
			return false;
		if (to != 4)
			return h.command == VSR_CMD_PREPARE ||
			       h.command == VSR_CMD_NEWSTATE;
		return h.command == VSR_CMD_NEWSTATE &&
		       h.arg0 > c->commit + 2;
	case 2:	/* R hears view 1's commit number, not its PREPAREs */
		return from == 1 && to == 4 && h.command == VSR_CMD_PREPARE;
	default:
		return false;
	}
}

/*
 * 5 replicas, primary(v) = v mod 5; P = R0, R = R4; c = P's commit number.
 *  R is down while P commits ops up to c (40 KiB records) with R1-R3.
 *  P appends c+1..c+3, which reach nobody.  R restarts and pulls P's log,
 *  one op per NEWSTATE, up to c+2; the chunk with c+3, which would complete
 *  the attempt, is lost.
 *  P is cut off; R1-R3 elect view 1 (primary R1) with head c.  R's next
 *  attempt pulls from R1 and completes: it must hold view 1's log, which
 *  ends at c, not P's uncommitted c+1 and c+2.
 *  A client writes c+1' in view 1; R gets the commit number but not the
 *  PREPARE.  With P's tail kept (and log view 1 claimed for it), R applies
 *  P's c+1 where the others have c+1': the logs fork, and the checker
 *  reports it.  (In a later view change R's longer log would win instead.)
 */
static void vsr_recovery_stale_tail_regression(struct kunit *test)
{
	struct vsr_sim *s = scripted(5, 31, false);
	struct rt_ctx c = { 0 };
	const struct vsr_entry *e, *f;
	struct vsr_core_status a, b;
	u32 t, i;

	KUNIT_ASSERT_NOT_NULL(test, s);
	s->filter = rt_filter;
	s->filter_ctx = &c;
	KUNIT_ASSERT_TRUE(test, run_until_idle(s, 2000));
	vsr_sim_crash(s, 4, 1000000);
	for (i = 0; i < 3; i++) {
		rt_issue(s, 0, 0);
		for (t = 0; t < 300 && s->client[0].busy; t++)
			vsr_sim_step(s);
	}
	KUNIT_EXPECT_EQ(test, s->client[0].acked, 3ull);
	st(s, 0, &a);
	c.commit = a.commit;
	/* P's tail: c+1..c+3 from three clients of P. */
	c.phase = 1;
	rt_issue(s, 0, 0);
	rt_issue(s, 2, 0);
	rt_issue(s, 3, 0);
	for (t = 0; t < 5; t++)
		vsr_sim_step(s);
	st(s, 0, &a);
	KUNIT_EXPECT_EQ(test, a.op, c.commit + 3);
	/* R restarts and pulls P's log up to c+2. */
	s->node[4].down_until = s->now + 1;
	for (t = 0; t < 300; t++) {
		vsr_sim_step(s);
		st(s, 4, &b);
		if (b.op == c.commit + 2)
			break;
	}
	KUNIT_EXPECT_EQ(test, b.status, (u32)VSR_STATUS_RECOVERING);
	KUNIT_EXPECT_EQ(test, b.op, c.commit + 2);
	/* P cut off: view 1 with head c; R's next attempt completes. */
	isolate(s, 0, true);
	for (t = 0; t < 1000; t++) {
		vsr_sim_step(s);
		st(s, 4, &b);
		if (b.status == VSR_STATUS_NORMAL)
			break;
	}
	st(s, 1, &a);
	KUNIT_EXPECT_TRUE(test, a.is_primary);
	KUNIT_EXPECT_EQ(test, a.view, 1u);
	KUNIT_EXPECT_EQ(test, a.op, c.commit);
	KUNIT_EXPECT_EQ(test, b.status, (u32)VSR_STATUS_NORMAL);
	KUNIT_EXPECT_EQ(test, b.view, 1u);
	KUNIT_EXPECT_EQ(test, b.log_view, 1u);
	KUNIT_EXPECT_EQ(test, b.op, c.commit);
	/* c+1' commits in view 1; R learns it from COMMIT and NEWSTATE. */
	c.phase = 2;
	vsr_sim_issue(s, 1);
	for (t = 0; t < 300 && !s->violation; t++) {
		vsr_sim_step(s);
		st(s, 4, &b);
		if (!s->client[1].busy && b.commit > c.commit)
			break;
	}
	KUNIT_EXPECT_EQ(test, s->client[1].acked, 1ull);
	e = vsr_replica_entry(vsr_sim_replica(s, 1), c.commit + 1);
	f = vsr_replica_entry(vsr_sim_replica(s, 4), c.commit + 1);
	KUNIT_EXPECT_TRUE(test, e && f && e->h.checksum == f->h.checksum);
	KUNIT_EXPECT_EQ(test, s->violation, 0);
	/* Heal: P's clients get their writes in view 1. */
	c.phase = 0;
	isolate(s, 0, false);
	KUNIT_EXPECT_TRUE(test, run_until_idle(s, 3000));
	KUNIT_EXPECT_EQ(test, s->violation, 0);
	vsr_sim_destroy(s);
}

/* Every replica restarts at once, with the cluster's (changed) s->cfg. */
static void restart_all(struct vsr_sim *s)
{
	u32 i;

	for (i = 0; i < s->n; i++)
		vsr_sim_crash(s, i, 1);
}

/*
 * A network slower than a recovery attempt (regression).  Every datagram
 * takes 30 ticks, an attempt 20: a round trip does not fit in one, and a
 * new cluster's bootstrap needs two.  With a fixed attempt time every
 * replica restarted its attempt, with a new nonce that voids the answers on
 * their way, for ever: a 5-replica cluster in a loaded debug guest never
 * came up.  Attempts that run out now take twice as long each time.
 */
static void vsr_recovery_slow_network(struct kunit *test)
{
	struct vsr_sim *s = scripted(3, 71, false);
	struct vsr_core_status a;

	KUNIT_ASSERT_NOT_NULL(test, s);
	/* The same cluster, restarted on a slow network. */
	s->cfg.recovery_ticks = 20;
	s->cfg.view_change_ticks = 100;
	s->cfg.abdicate_ticks = 100;
	s->fixed_delay = 30;
	restart_all(s);
	KUNIT_ASSERT_TRUE(test, run_until_idle(s, 3000));
	st(s, 0, &a);
	kunit_info(test, "normal in view %u at tick %llu\n", a.view,
		   (unsigned long long)s->now);
	KUNIT_EXPECT_TRUE(test, write_records(s, 3));
	st(s, 0, &a);
	KUNIT_EXPECT_EQ(test, a.commit, a.op);
	KUNIT_EXPECT_EQ(test, s->violation, 0);
	vsr_sim_destroy(s);
}

/*
 * Writes on a network whose round trip (14 ticks) is longer than the
 * abdication window (10) and the trim slack (2; regression).  A new primary
 * hears its first PREPAREOK a round trip after its STARTVIEW: without a
 * grace every primary abdicated, view after view.  The cluster must stay
 * in view 0 and fall idle after the writes, automatic trims (retention 2)
 * included.  (Trims piling up on a slow network, fixed by one automatic
 * trim at a time, need a schedule this one does not have: the pinned seed
 * 453 of vsr_sim_pinned_seeds is their regression test.)
 */
static void vsr_slow_network_writes(struct kunit *test)
{
	struct vsr_sim *s = scripted(3, 73, false);
	struct vsr_core_status a;

	KUNIT_ASSERT_NOT_NULL(test, s);
	s->cfg.retain = 2;
	s->fixed_delay = 7;
	restart_all(s);
	KUNIT_ASSERT_TRUE(test, run_until_idle(s, 3000));
	KUNIT_EXPECT_TRUE(test, write_records(s, 40));
	st(s, 0, &a);
	kunit_info(test, "view %u commit %llu trim %llu view changes %llu\n",
		   a.view, (unsigned long long)a.commit,
		   (unsigned long long)a.trim,
		   (unsigned long long)a.view_changes);
	/* A slow network is not a failed primary. */
	KUNIT_EXPECT_EQ(test, a.view, 0u);
	KUNIT_EXPECT_EQ(test, a.commit, a.op);
	KUNIT_EXPECT_GT(test, a.trim, 1ull);
	KUNIT_EXPECT_EQ(test, s->violation, 0);
	vsr_sim_destroy(s);
}

/* ---- no checksum match below the trim point ------------------------------ */

#define BT_BIG		(40u * 1024u)	/* one entry per NEWSTATE */

struct bt_ctx {
	int phase;
	u8 cmd;			/* the command of the message to hold */
	u8 *held;		/* the held datagram, sent by R1 in view 1 */
	size_t held_len;
};

static void bt_hold(struct bt_ctx *c, const u8 *buf, size_t len)
{
	if (c->held_len || len > VSR_MSG_MAX)
		return;
	memcpy(c->held, buf, len);
	c->held_len = len;
}

static bool bt_filter(struct vsr_sim *s, u32 from, u32 to, const u8 *buf,
		      size_t len)
{
	struct bt_ctx *c = s->filter_ctx;
	struct vsr_hdr h;

	vsr_hdr_get(buf, &h);
	switch (c->phase) {
	case 1:	/* view 1 elected by R1 and R2: R2 never gets STARTVIEW */
	case 3:	/* R2 catches up: nor the ones answering its DOVIEWCHANGE */
		if (from == 1 && to == 2 && h.command == VSR_CMD_STARTVIEW) {
			if (h.view == 1 && c->cmd == VSR_CMD_STARTVIEW)
				bt_hold(c, buf, len);
			return true;
		}
		return false;
	case 2:	/* R0 and R1 go on in view 1: copy a PREPARE or COMMIT */
		if (from == 1 && to == 0 && h.command == c->cmd &&
		    h.view == 1)
			bt_hold(c, buf, len);
		return false;
	default:
		return false;
	}
}

/* Client 1 (on R1, the primary of view 1) writes a record of BT_BIG bytes. */
static bool bt_write_big(struct vsr_sim *s)
{
	u32 t;

	vsr_sim_issue(s, 1);
	s->client[1].len = BT_BIG;
	for (t = 0; t < 300 && s->client[1].busy; t++)
		vsr_sim_step(s);
	return !s->client[1].busy;
}

/*
 * 3 replicas, primary(v) = v mod 3:
 *  view 1: R1 and R2 elect R1 (R0 cut off); R2 never gets STARTVIEW, so
 *          its log view stays 0.  Then R2 is cut off and R0 joins.
 *  R1 commits big records with R0, trims (checkpoint beyond view 1's
 *  STARTVIEW op) and commits more.  Meanwhile one message of R1's in view 1
 *  is held: the STARTVIEW meant for R2, or a COMMIT or PREPARE sent to R0,
 *  all with an op that ends up below the checkpoint.
 *  R2 comes back, enters view 1 on a heartbeat and pulls R1's log, one
 *  record per NEWSTATE: it takes over the checkpoint (its commit jumps past
 *  the held op) while its log view is still 0.
 *  The held message is delivered to R2 now.  It matches nothing R2 holds:
 *  R2 must not become whole at an op below its commit (vsr_has_csum() used
 *  to say yes below the trim point; vsr_become_whole() then dropped
 *  committed ops, which came back without their record flags).
 */
static void below_trim(struct kunit *test, u8 cmd)
{
	struct vsr_sim *s = scripted(3, 31, false);
	struct bt_ctx c = { .cmd = cmd };
	struct vsr_core_status a, b;
	const struct vsr_entry *e;
	const struct vsr_replica *r1, *r2;
	struct vsr_hdr held;
	u32 t, k, records = 0;
	u8 flags;
	u64 op;

	KUNIT_ASSERT_NOT_NULL(test, s);
	c.held = kvmalloc(VSR_MSG_MAX, GFP_KERNEL);
	if (!c.held)
		goto out;
	s->filter = bt_filter;
	s->filter_ctx = &c;
	if (!run_until_idle(s, 2000)) {
		KUNIT_EXPECT_TRUE(test, false);
		goto out;
	}
	r1 = vsr_sim_replica(s, 1);
	r2 = vsr_sim_replica(s, 2);

	/* View 1: R1 + R2, and R2 stays in view change (no STARTVIEW). */
	c.phase = 1;
	isolate(s, 0, true);
	for (t = 0; t < 1000; t++) {
		vsr_sim_step(s);
		st(s, 1, &a);
		if (a.is_primary && a.view == 1)
			break;
	}
	KUNIT_EXPECT_TRUE(test, a.is_primary);
	KUNIT_EXPECT_EQ(test, a.view, 1u);
	st(s, 2, &b);
	KUNIT_EXPECT_EQ(test, b.view, 1u);
	KUNIT_EXPECT_EQ(test, b.log_view, 0u);

	/* R0 instead of R2; big records, a trim, more big records. */
	c.phase = 2;
	isolate(s, 2, true);
	isolate(s, 0, false);
	for (t = 0; t < 300; t++) {
		vsr_sim_step(s);
		st(s, 0, &a);
		if (a.view == 1 && a.log_view == 1)
			break;
	}
	KUNIT_EXPECT_EQ(test, a.log_view, 1u);
	for (k = 0; k < 4; k++)
		KUNIT_EXPECT_TRUE(test, bt_write_big(s));
	st(s, 1, &a);
	KUNIT_EXPECT_EQ(test, vsr_replica_submit((struct vsr_replica *)r1,
						 VSR_OP_TRIM, 0, a.commit + 1,
						 NULL, 0), 0);
	for (k = 0; k < 4; k++)
		KUNIT_EXPECT_TRUE(test, bt_write_big(s));
	st(s, 1, &a);
	KUNIT_EXPECT_NE(test, c.held_len, (size_t)0);
	if (!c.held_len)
		goto out;
	vsr_hdr_get(c.held, &held);
	KUNIT_EXPECT_EQ(test, held.command, cmd);
	KUNIT_EXPECT_LT(test, held.op, a.trim - 1);

	/* R2 back: it takes over R1's checkpoint, one record at a time. */
	c.phase = 3;
	isolate(s, 2, false);
	for (t = 0; t < 300; t++) {
		vsr_sim_step(s);
		st(s, 2, &b);
		if (b.status == VSR_STATUS_NORMAL && b.checkpoints)
			break;
	}
	KUNIT_EXPECT_EQ(test, b.status, (u32)VSR_STATUS_NORMAL);
	KUNIT_EXPECT_EQ(test, b.view, 1u);
	KUNIT_EXPECT_EQ(test, b.log_view, 0u);
	KUNIT_EXPECT_EQ(test, b.trim, a.trim);
	KUNIT_EXPECT_GT(test, b.commit, held.op);
	KUNIT_EXPECT_LT(test, b.op, a.op);

	/* The late message: no match below the trim point, no harm. */
	KUNIT_EXPECT_EQ(test, vsr_replica_receive((struct vsr_replica *)r2,
						  c.held, c.held_len), 0);
	st(s, 2, &b);
	KUNIT_EXPECT_EQ(test, b.status, (u32)VSR_STATUS_NORMAL);
	KUNIT_EXPECT_EQ(test, b.log_view, 0u);
	KUNIT_EXPECT_EQ(test, b.trim, a.trim);

	/* R2 becomes whole the normal way and serves every record. */
	c.phase = 0;
	KUNIT_EXPECT_TRUE(test, run_until_idle(s, 3000));
	st(s, 1, &a);
	st(s, 2, &b);
	KUNIT_EXPECT_EQ(test, b.status, (u32)VSR_STATUS_NORMAL);
	KUNIT_EXPECT_EQ(test, b.view, a.view);
	KUNIT_EXPECT_EQ(test, b.log_view, b.view);
	KUNIT_EXPECT_EQ(test, b.commit, a.commit);
	for (op = max(a.trim, b.trim); op <= a.commit; op++) {
		e = vsr_replica_entry(r1, op);
		KUNIT_EXPECT_NOT_NULL(test, e);
		if (!e)
			continue;
		flags = e->flags & VSR_ENTRY_RECORD;
		records += !!flags;
		e = vsr_replica_entry(r2, op);
		KUNIT_EXPECT_NOT_NULL(test, e);
		if (e)
			KUNIT_EXPECT_EQ(test, e->flags & VSR_ENTRY_RECORD, flags);
	}
	KUNIT_EXPECT_GE(test, records, 4u);
	KUNIT_EXPECT_EQ(test, s->violation, 0);
out:
	kvfree(c.held);
	vsr_sim_destroy(s);
}

static void vsr_trim_no_match_below_checkpoint(struct kunit *test)
{
	below_trim(test, VSR_CMD_STARTVIEW);
	below_trim(test, VSR_CMD_COMMIT);
	below_trim(test, VSR_CMD_PREPARE);
}

/* ---- the simulator ------------------------------------------------------ */

/*
 * The seeds run as many short parameterised cases (sim_chunk seeds each),
 * so that no single case keeps insmod waiting long enough for the hung-task
 * detector of a slow debug guest.
 */
#define SIM_CHUNKS_MAX 10000

static struct vsr_sim_result sim_total;
static u32 sim_chunk_ids[SIM_CHUNKS_MAX];

static u32 sim_nchunks(void)
{
	u32 per = max_t(u32, sim_chunk, 1);

	if (sim_seed)
		return 1;
	return min_t(u32, (sim_seeds + per - 1) / per, SIM_CHUNKS_MAX);
}

static const void *sim_chunks_gen_params(const void *prev, char *desc)
{
	const u32 *next = prev ? (const u32 *)prev + 1 : sim_chunk_ids;
	u32 i = next - sim_chunk_ids;

	if (i >= sim_nchunks())
		return NULL;
	sim_chunk_ids[i] = i;
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "chunk %u", i);
	return next;
}

static void vsr_sim_seeds(struct kunit *test)
{
	u32 chunk = *(const u32 *)test->param_value;
	struct vsr_sim_params p = {
		.fault_ticks = sim_ticks, .live_ticks = 3000,
		.trace = sim_trace, .small_records = true, .swarm = sim_swarm,
	};
	u64 first, count, seed;

	if (sim_seed) {
		first = sim_seed;
		count = 1;
	} else {
		u32 per = max_t(u32, sim_chunk, 1);

		first = (u64)chunk * per;
		count = min_t(u64, per, sim_seeds - first);
		first += sim_start;
	}
	for (seed = first; seed < first + count; seed++) {
		p.seed = seed;
		if (vsr_sim_run_seed(&p, &sim_total))
			kunit_err(test, "seed %llu failed: replay with vsr_test.sim_seed=%llu vsr_test.sim_trace=1\n",
				  (unsigned long long)seed,
				  (unsigned long long)seed);
	}
	KUNIT_EXPECT_EQ(test, sim_total.violations, 0ull);
}

/*
 * Random seeds that found a bug once, pinned (vsr-sim --replicas N --seed
 * S): their fault schedules stay tested whatever the sweep's range.
 *   453, n = 5  automatic trims made trims for ever on a slow network
 *   127         a new primary abdicated before its first answers came
 *   204092, n = 7  a deposed primary pulling the ops up to the next
 *               epoch's start sent them in PREPAREs of its own view (the
 *               hostile review of notices that carry k)
 *   45160       a restart in a later epoch compared the views of earlier
 *               epochs' ops with its own (revert.sh 46)
 *   43108       a record written while recovering was restored: the one
 *               member of a shrunk epoch came back empty and led (50)
 *   39851       a stale report of a recovering record went unanswered: a
 *               view change waited for ever (the first fix of 50)
 *   2127090     a primary that gave up pulling the ops up to the next
 *               epoch's start led again with them (revert.sh 54)
 *   5046828     a primary deposed unawares pulled a later view's ops up to
 *               the next epoch's start and sent its learner a lesson of
 *               them (revert.sh 58; vsr_epoch_deposed_teacher)
 * (Seeds with disks draw raised records and torn writes since 6a239c1,
 * which moved their schedules: 45160 no longer meets bug 46.)  All of
 * them were found with one delivery per tick, and run so.
 */
static void vsr_sim_pinned_seeds(struct kunit *test)
{
	static const struct { u64 seed; u32 n; } pinned[] = {
		{ 453, 5 }, { 127, 0 }, { 204092, 7 }, { 45160, 0 },
		{ 43108, 0 }, { 39851, 0 }, { 2127090, 0 }, { 5046828, 0 },
	};
	struct vsr_sim_params p = {
		.fault_ticks = 300, .live_ticks = 3000, .swarm = true,
		.trace = sim_trace, .rounds = 1,
	};
	struct vsr_sim_result res = { 0 };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(pinned); i++) {
		p.seed = pinned[i].seed;
		p.replicas = pinned[i].n;
		KUNIT_EXPECT_EQ_MSG(test, vsr_sim_run_seed(&p, &res), 0,
				    "seed %llu", (unsigned long long)p.seed);
	}
	KUNIT_EXPECT_EQ(test, res.violations, 0ull);
}

static int vsr_sim_suite_init(struct kunit_suite *suite)
{
	memset(&sim_total, 0, sizeof(sim_total));
	return 0;
}

static void vsr_sim_suite_exit(struct kunit_suite *suite)
{
	pr_info("vsr_sim: seeds=%llu ops=%llu view_changes=%llu recoveries=%llu violations=%llu\n",
	       (unsigned long long)sim_total.seeds,
	       (unsigned long long)sim_total.ops,
	       (unsigned long long)sim_total.view_changes,
	       (unsigned long long)sim_total.recoveries,
	       (unsigned long long)sim_total.violations);
}

#include "attack.c"

static struct kunit_case vsr_wire_cases[] = {
	KUNIT_CASE(vsr_wire_crc32c_vector),
	KUNIT_CASE(vsr_wire_roundtrip),
	KUNIT_CASE(vsr_wire_layout),
	KUNIT_CASE(vsr_wire_malformed),
	KUNIT_CASE(vsr_wire_epoch_notice),
	KUNIT_CASE(vsr_wire_versions),
	KUNIT_CASE(vsr_link_negotiation),
	KUNIT_CASE(vsr_chain_checksums),
	{}
};

static struct kunit_suite vsr_wire_suite = {
	.name = "vsr_wire",
	.test_cases = vsr_wire_cases,
};

static struct kunit_case vsr_state_cases[] = {
	KUNIT_CASE(vsr_log_basics),
	KUNIT_CASE(vsr_log_resizes),
	KUNIT_CASE(vsr_client_table_rules),
	{}
};

static struct kunit_suite vsr_state_suite = {
	.name = "vsr_state",
	.test_cases = vsr_state_cases,
};

static struct kunit_case vsr_protocol_cases[] = {
	KUNIT_CASE(vsr_quorum_commit),
	KUNIT_CASE(vsr_retain_change),
	KUNIT_CASE(vsr_ring_smaller_than_primary),
	KUNIT_CASE(vsr_ring_full_new_primary),
	KUNIT_CASE(vsr_durable_acks),
	KUNIT_CASE(vsr_durable_ack_repeat),
	KUNIT_CASE(vsr_durable_ack_repeat_abdicate),
	KUNIT_CASE(vsr_durable_switch),
	KUNIT_CASE(vsr_durable_epoch),
	KUNIT_CASE(vsr_durable_epoch_power),
	KUNIT_CASE(vsr_durable_view),
	KUNIT_CASE(vsr_durable_log_view),
	KUNIT_CASE(vsr_durable_checkpoint),
	KUNIT_CASE(vsr_durable_takeover),
	KUNIT_CASE(vsr_durable_primary_disk_hangs),
	KUNIT_CASE(vsr_restart_power_loss),
	KUNIT_CASE(vsr_restart_damaged),
	KUNIT_CASE(vsr_restart_lost_write),
	KUNIT_CASE(vsr_restart_one_copy),
	KUNIT_CASE(vsr_restore_epoch_views),
	KUNIT_CASE(vsr_restore_epoch_start_missing),
	KUNIT_CASE(vsr_restore_next_epoch_cut),
	KUNIT_CASE(vsr_restart_single_unusable),
	KUNIT_CASE(vsr_restart_never_relead),
	KUNIT_CASE(vsr_restart_lowered_head),
	KUNIT_CASE(vsr_driver_api),
	KUNIT_CASE(vsr_debug_views),
	KUNIT_CASE(vsr_quorum_lone_voter),
	KUNIT_CASE(vsr_quorum_deaf_primary),
	KUNIT_CASE(vsr_view_limit),
	KUNIT_CASE(vsr_trim_checkpoint_catchup),
	KUNIT_CASE(vsr_quorum_even_halves),
	KUNIT_CASE(vsr_recovery_keeps_promise),
	KUNIT_CASE(vsr_vanlightly_regression),
	KUNIT_CASE(vsr_vanlightly_paper_defect_is_caught),
	KUNIT_CASE(vsr_recovery_stale_tail_regression),
	KUNIT_CASE(vsr_recovery_slow_network),
	KUNIT_CASE(vsr_slow_network_writes),
	KUNIT_CASE(vsr_sim_pinned_seeds),
	KUNIT_CASE(vsr_trim_no_match_below_checkpoint),
	KUNIT_CASE(vsr_epoch_same_members),
	KUNIT_CASE(vsr_epoch_notice_brings_k),
	KUNIT_CASE(vsr_epoch_teller_crashes),
	KUNIT_CASE(vsr_epoch_notices_settle),
	KUNIT_CASE(vsr_epoch_removed_told_quiet),
	KUNIT_CASE(vsr_epoch_last_lesson),
	KUNIT_CASE(vsr_epoch_learner_waits),
	KUNIT_CASE(vsr_epoch_learner_follows),
	KUNIT_CASE(vsr_epoch_change_not_held),
	KUNIT_CASE(vsr_epoch_shrink),
	KUNIT_CASE(vsr_epoch_grow),
	KUNIT_CASE(vsr_epoch_replace_dead_primary),
	KUNIT_CASE(vsr_epoch_deposed_teacher),
	KUNIT_CASE(vsr_epoch_learner_pull_stale),
	KUNIT_CASE(vsr_epoch_state_no_later_view),
	KUNIT_CASE(vsr_epoch_gave_up_pull_leaves_view),
	KUNIT_CASE(vsr_epoch_gave_up_pull_past_deposed),
	KUNIT_CASE(vsr_epoch_gave_up_pull_past_dropped),
	KUNIT_CASE(vsr_epoch_gave_up_pull_dropped_prepare),
	KUNIT_CASE(vsr_epoch_gave_up_pull_stale_head),
	KUNIT_CASE(vsr_epoch_gave_up_pull_stale_past),
	KUNIT_CASE(vsr_epoch_member_added_again),
	KUNIT_CASE(vsr_epoch_removed_indices),
	KUNIT_CASE(vsr_epoch_removed_named_again_running),
	KUNIT_CASE(vsr_epoch_grow_one_to_two),
	KUNIT_CASE(vsr_epoch_grow_waits_for_learner),
	KUNIT_CASE(vsr_epoch_learners_need_f_plus_one),
	KUNIT_CASE(vsr_epoch_forwarded_answers),
	KUNIT_CASE(vsr_epoch_from_backup),
	KUNIT_CASE(vsr_epoch_one_change_at_a_time),
	KUNIT_CASE(vsr_epoch_member_without_epochs),
	KUNIT_CASE(vsr_epoch_shrink_waits_for_quorum),
	KUNIT_CASE(vsr_epoch_shrink_laggards),
	KUNIT_CASE(vsr_epoch_lone_member_restarts),
	KUNIT_CASE(vsr_epoch_shrink_recovering_notice),
	KUNIT_CASE(vsr_epoch_dead_incarnations_wait),
	KUNIT_CASE(vsr_epoch_laggard_and_restart),
	KUNIT_CASE(vsr_epoch_other_op_at_k),
	KUNIT_CASE(vsr_epoch_view0_second_incarnation),
	KUNIT_CASE(vsr_epoch_dead_ack_across_epoch),
	KUNIT_CASE(vsr_epoch_single_and_disabled),
	{}
};



static struct kunit_suite vsr_protocol_suite = {
	.name = "vsr_protocol",
	.test_cases = vsr_protocol_cases,
};

static struct kunit_case vsr_sim_cases[] = {
	KUNIT_CASE_PARAM(vsr_sim_seeds, sim_chunks_gen_params),
	{}
};

static struct kunit_suite vsr_sim_suite = {
	.name = "vsr_sim",
	.suite_init = vsr_sim_suite_init,
	.suite_exit = vsr_sim_suite_exit,
	.test_cases = vsr_sim_cases,
};

kunit_test_suites(&vsr_wire_suite, &vsr_state_suite, &vsr_protocol_suite,
		  &vsr_attack_suite, &vsr_sim_suite);

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
