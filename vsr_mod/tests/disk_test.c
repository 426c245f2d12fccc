// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the durable log's on-disk format (disk.c): each block
 * reads back as written, and every torn, damaged, stale or foreign block
 * is refused, so that a restart never takes one for the replica's own.
 */

#include <kunit/test.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "../disk.h"

static void disk_info(struct vsr_disk_info *d)
{
	u32 i;

	memset(d, 0, sizeof(*d));
	d->nonce = 0x1234567890abcdefULL;
	d->seq = 7;
	d->cluster = 42;
	d->replica = 1;
	d->members = 3;
	for (i = 0; i < d->members; i++)
		memset(d->ids[i].b, 'a' + i, VSR_MEMBER_ID_SIZE);
	d->p.epoch = 2;
	d->p.view = 9;
	d->p.log_view = 8;
	d->p.op = 100;
	d->p.csum = 0xfeedf00d;
	d->p.ckpt = 64;
	d->p.flags = VSR_PERSIST_SERVICE;
	d->ckpt_slot = 1;
	d->slot_size = VSR_DISK_BLOCK;
	d->slots = 1024;
	d->retain = 256;
	d->p.origin = 2;
	/* The RECONFIG that started epoch 2, naming the three members. */
	put_unaligned_le32(2, d->start_conf);
	put_unaligned_le32(d->members, d->start_conf + 4);
	for (i = 0; i < d->members; i++) {
		u8 *m = d->start_conf + VSR_RECONFIG_SIZE(i);

		put_unaligned_le64(100 + i, m);
		memcpy(m + 8, d->ids[i].b, VSR_MEMBER_ID_SIZE);
	}
	d->start.op = 50;
	d->start.view = 4;
	d->start.type = VSR_OP_RECONFIG;
	d->start.len = VSR_RECONFIG_SIZE(d->members);
	d->start.parent = 0x5eed;
	d->start.request = 77;
	d->start.checksum = vsr_entry_checksum(&d->start, d->start_conf);
	d->prev_members = 2;
	memset(d->prev_ids[0].b, 'a', VSR_MEMBER_ID_SIZE);
	memset(d->prev_ids[1].b, 'q', VSR_MEMBER_ID_SIZE);
}

static void vsr_disk_super_roundtrip(struct kunit *test)
{
	struct vsr_disk_info *dp = kunit_kzalloc(test, 2 * sizeof(*dp), GFP_KERNEL);
	struct vsr_disk_info *d, *g;
	u8 *b = kunit_kzalloc(test, VSR_DISK_BLOCK, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, dp);
	KUNIT_ASSERT_NOT_NULL(test, b);
	d = &dp[0];
	g = &dp[1];
	disk_info(d);
	KUNIT_EXPECT_EQ(test, vsr_disk_info_check(d), 0);
	vsr_disk_super_put(d, b);
	KUNIT_ASSERT_EQ(test, vsr_disk_super_get(b, g), 0);
	KUNIT_EXPECT_EQ(test, memcmp(d, g, sizeof(*d)), 0);
	/* One flipped bit anywhere in it: not a copy. */
	b[100] ^= 0x10;
	KUNIT_EXPECT_EQ(test, vsr_disk_super_get(b, g), -EUCLEAN);
	b[100] ^= 0x10;
	/* Zeros (never written) are no copy either. */
	memset(b, 0, VSR_DISK_BLOCK);
	KUNIT_EXPECT_EQ(test, vsr_disk_super_get(b, g), -EUCLEAN);
	/* A geometry no format makes is refused even with its checksum. */
	d->replica = 3;
	vsr_disk_super_put(d, b);
	KUNIT_EXPECT_EQ(test, vsr_disk_super_get(b, g), -EUCLEAN);
	/* An epoch's RECONFIG that names other members, or none. */
	disk_info(d);
	memset(d->ids[2].b, 'z', VSR_MEMBER_ID_SIZE);
	vsr_disk_super_put(d, b);
	KUNIT_EXPECT_EQ(test, vsr_disk_super_get(b, g), -EUCLEAN);
	disk_info(d);
	d->start.checksum++;
	vsr_disk_super_put(d, b);
	KUNIT_EXPECT_EQ(test, vsr_disk_super_get(b, g), -EUCLEAN);
	disk_info(d);
	d->p.epoch = 3;
	vsr_disk_super_put(d, b);
	KUNIT_EXPECT_EQ(test, vsr_disk_super_get(b, g), -EUCLEAN);
	/* Epoch 0 has none; a joiner's disk says so. */
	disk_info(d);
	d->p.epoch = 0;
	memset(&d->start, 0, sizeof(d->start));
	memset(d->start_conf, 0, sizeof(d->start_conf));
	d->joiner = true;
	vsr_disk_super_put(d, b);
	KUNIT_ASSERT_EQ(test, vsr_disk_super_get(b, g), 0);
	KUNIT_EXPECT_EQ(test, memcmp(d, g, sizeof(*d)), 0);
	/* Another format version says so. */
	disk_info(d);
	vsr_disk_super_put(d, b);
	((struct vsr_disk_super *)b)->version = cpu_to_le32(99);
	KUNIT_EXPECT_EQ(test, vsr_disk_super_get(b, g), -EPROTONOSUPPORT);
}

static void vsr_disk_super_pick_newest(struct kunit *test)
{
	struct vsr_disk_info *dp = kunit_kzalloc(test, 2 * sizeof(*dp), GFP_KERNEL);
	struct vsr_disk_info *d, *g;
	u8 *b[VSR_DISK_SUPERS];
	int i;

	KUNIT_ASSERT_NOT_NULL(test, dp);
	d = &dp[0];
	g = &dp[1];
	for (i = 0; i < VSR_DISK_SUPERS; i++) {
		b[i] = kunit_kzalloc(test, VSR_DISK_BLOCK, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, b[i]);
	}
	KUNIT_EXPECT_EQ(test, vsr_disk_super_pick(b, g), -EUCLEAN);
	/* An update that tore after copy 0: the new state is in one copy. */
	disk_info(d);
	for (i = 1; i < VSR_DISK_SUPERS; i++)
		vsr_disk_super_put(d, b[i]);
	d->seq = 8;
	d->p.view = 10;
	vsr_disk_super_put(d, b[0]);
	KUNIT_ASSERT_EQ(test, vsr_disk_super_pick(b, g), 0);
	KUNIT_EXPECT_EQ(test, g->seq, 8);
	KUNIT_EXPECT_EQ(test, g->p.view, 10);
	/* Torn copy 0: the older state, whole, from the others. */
	b[0][200] ^= 1;
	KUNIT_ASSERT_EQ(test, vsr_disk_super_pick(b, g), 1);
	KUNIT_EXPECT_EQ(test, g->seq, 7);
	KUNIT_EXPECT_EQ(test, g->p.view, 9);
}

static void vsr_disk_ckpt_roundtrip(struct kunit *test)
{
	u8 *b = kunit_kzalloc(test, VSR_DISK_CKPT_SIZE, GFP_KERNEL);
	u8 table[3 * VSR_SESSION_WIRE_SIZE];
	u32 view, chain, count;
	struct vsr_disk_info *d = kunit_kzalloc(test, sizeof(*d), GFP_KERNEL);
	size_t len;
	u64 op;

	KUNIT_ASSERT_NOT_NULL(test, b);
	KUNIT_ASSERT_NOT_NULL(test, d);
	disk_info(d);
	memset(table, 0x5a, sizeof(table));
	len = vsr_disk_ckpt_put(d, 64, 8, 0xabcdef01, table, 3, b);
	KUNIT_EXPECT_EQ(test, len, 2 * VSR_DISK_BLOCK);
	KUNIT_ASSERT_EQ(test, vsr_disk_ckpt_get(d, b, &op, &view, &chain,
						&count), 0);
	KUNIT_EXPECT_EQ(test, op, 64);
	KUNIT_EXPECT_EQ(test, view, 8);
	KUNIT_EXPECT_EQ(test, chain, 0xabcdef01);
	KUNIT_EXPECT_EQ(test, count, 3);
	KUNIT_EXPECT_EQ(test, memcmp(b + VSR_DISK_BLOCK, table, sizeof(table)),
			0);
	/* Damage in the table is seen too. */
	b[VSR_DISK_BLOCK + 40] ^= 4;
	KUNIT_EXPECT_EQ(test, vsr_disk_ckpt_get(d, b, &op, &view, &chain,
						&count), -EUCLEAN);
	b[VSR_DISK_BLOCK + 40] ^= 4;
	/* A slot of an earlier format of the same file is not this one's. */
	d->nonce++;
	KUNIT_EXPECT_EQ(test, vsr_disk_ckpt_get(d, b, &op, &view, &chain,
						&count), -EUCLEAN);
}

static void vsr_disk_slot_roundtrip(struct kunit *test)
{
	struct vsr_entry_hdr h = { .op = 1025, .session = 3, .request = 4,
				   .view = 2, .len = 5, .parent = 77,
				   .type = VSR_OP_DATA };
	const struct vsr_disk_stamp w = { .seq = 9, .n = 3 };
	struct vsr_disk_info *d = kunit_kzalloc(test, sizeof(*d), GFP_KERNEL);
	u8 *slot = kunit_kzalloc(test, VSR_DISK_BLOCK, GFP_KERNEL);
	struct vsr_entry *e, *g = NULL;
	struct vsr_disk_stamp st;

	KUNIT_ASSERT_NOT_NULL(test, slot);
	KUNIT_ASSERT_NOT_NULL(test, d);
	disk_info(d);
	h.checksum = vsr_entry_checksum(&h, "hello");
	e = vsr_entry_new(&h, "hello", GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, e);
	/* Op 1025 of 1024 slots lives at slot 1, of each copy of the ring. */
	KUNIT_EXPECT_EQ(test, vsr_disk_slot_off(d, 1025, 0),
			VSR_DISK_LOG_OFF + VSR_DISK_BLOCK);
	KUNIT_EXPECT_EQ(test, vsr_disk_slot_off(d, 1025, 1),
			VSR_DISK_LOG_OFF + 1025 * VSR_DISK_BLOCK);
	KUNIT_EXPECT_EQ(test, vsr_disk_size(d),
			VSR_DISK_LOG_OFF + 2048 * VSR_DISK_BLOCK);
	vsr_disk_slot_put(d, e, slot, &w);
	KUNIT_ASSERT_EQ(test, vsr_disk_slot_check(d, slot, 1025, &st), 0);
	KUNIT_EXPECT_EQ(test, st.seq, 9);
	KUNIT_EXPECT_EQ(test, st.n, 3);
	KUNIT_ASSERT_EQ(test, vsr_disk_slot_get(d, slot, 1025, GFP_KERNEL, &g),
			0);
	KUNIT_EXPECT_EQ(test, g->h.op, 1025);
	KUNIT_EXPECT_EQ(test, g->h.session, 3);
	KUNIT_EXPECT_EQ(test, g->h.request, 4);
	KUNIT_EXPECT_EQ(test, g->h.view, 2);
	KUNIT_EXPECT_EQ(test, g->h.parent, 77);
	KUNIT_EXPECT_EQ(test, g->h.type, VSR_OP_DATA);
	KUNIT_EXPECT_EQ(test, g->h.len, 5);
	KUNIT_EXPECT_EQ(test, g->h.checksum, e->h.checksum);
	KUNIT_EXPECT_EQ(test, memcmp(g->data, "hello", 5), 0);
	vsr_free(g);
	/* The previous lap's entry in that slot is not op 2049's. */
	KUNIT_EXPECT_EQ(test, vsr_disk_slot_get(d, slot, 2049, GFP_KERNEL,
						&g), -EUCLEAN);
	/* A torn slot: its data half old. */
	slot[VSR_ENTRY_HDR_SIZE + 2] ^= 0x80;
	KUNIT_EXPECT_EQ(test, vsr_disk_slot_get(d, slot, 1025, GFP_KERNEL,
						&g), -EUCLEAN);
	slot[VSR_ENTRY_HDR_SIZE + 2] ^= 0x80;
	/* Or its last sector old: the tail's checksum covers the padding. */
	slot[VSR_DISK_BLOCK - 512] ^= 1;
	KUNIT_EXPECT_EQ(test, vsr_disk_slot_check(d, slot, 1025, &st), -EUCLEAN);
	slot[VSR_DISK_BLOCK - 512] ^= 1;
	slot[VSR_DISK_BLOCK - VSR_DISK_TAIL_SIZE] ^= 1;
	KUNIT_EXPECT_EQ(test, vsr_disk_slot_check(d, slot, 1025, &st), -EUCLEAN);
	slot[VSR_DISK_BLOCK - VSR_DISK_TAIL_SIZE] ^= 1;
	KUNIT_EXPECT_EQ(test, vsr_disk_slot_check(d, slot, 1025, &st), 0);
	/* A slot of an earlier format of the file is not this one's. */
	d->nonce++;
	KUNIT_EXPECT_EQ(test, vsr_disk_slot_check(d, slot, 1025, &st), -EUCLEAN);
	d->nonce--;
	/* The largest record a slot holds leaves room for the tail. */
	KUNIT_EXPECT_EQ(test, vsr_disk_record_max(VSR_DISK_BLOCK),
			VSR_DISK_BLOCK - VSR_ENTRY_HDR_SIZE - VSR_DISK_TAIL_SIZE);
	/* Never written. */
	memset(slot, 0, VSR_DISK_BLOCK);
	KUNIT_EXPECT_EQ(test, vsr_disk_slot_get(d, slot, 0, GFP_KERNEL, &g),
			-EUCLEAN);
	vsr_free(e);
}

/* Of two copies of a slot, the valid one written last. */
static void vsr_disk_slot_pick_later(struct kunit *test)
{
	const struct vsr_disk_stamp a = { .seq = 5, .n = 7 };
	const struct vsr_disk_stamp b = { .seq = 5, .n = 8 };
	const struct vsr_disk_stamp c = { .seq = 6, .n = 0 };

	KUNIT_EXPECT_EQ(test, vsr_disk_slot_pick(NULL, NULL), -1);
	KUNIT_EXPECT_EQ(test, vsr_disk_slot_pick(&a, NULL), 0);
	KUNIT_EXPECT_EQ(test, vsr_disk_slot_pick(NULL, &a), 1);
	/* The same write in both: either (the first). */
	KUNIT_EXPECT_EQ(test, vsr_disk_slot_pick(&a, &a), 0);
	/* A later batch under the same superblock. */
	KUNIT_EXPECT_EQ(test, vsr_disk_slot_pick(&a, &b), 1);
	KUNIT_EXPECT_EQ(test, vsr_disk_slot_pick(&b, &a), 0);
	/* A later superblock, whatever the counts. */
	KUNIT_EXPECT_EQ(test, vsr_disk_slot_pick(&c, &b), 0);
	KUNIT_EXPECT_EQ(test, vsr_disk_slot_pick(&b, &c), 1);
}

static struct kunit_case vsr_disk_cases[] = {
	KUNIT_CASE(vsr_disk_super_roundtrip),
	KUNIT_CASE(vsr_disk_super_pick_newest),
	KUNIT_CASE(vsr_disk_ckpt_roundtrip),
	KUNIT_CASE(vsr_disk_slot_roundtrip),
	KUNIT_CASE(vsr_disk_slot_pick_later),
	{}
};

static struct kunit_suite vsr_disk_suite = {
	.name = "vsr_disk",
	.test_cases = vsr_disk_cases,
};

kunit_test_suite(vsr_disk_suite);
