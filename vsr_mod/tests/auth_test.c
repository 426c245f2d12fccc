// SPDX-License-Identifier: GPL-2.0
/*
 * auth_test.c - KUnit suite for auth.c: the MAC trailer, the link keys and
 * the two key slots.  Also run natively by tools/sim/vsr-unit, with
 * tools/sim/blake2s.c for the kernel's BLAKE2s.
 *
 * The known answer was computed with Python's hashlib.blake2s from the
 * description in auth.h, so it also pins the derivation that
 * Documentation/protocol.rst and selftests/forge.py rely on.
 */

#include <kunit/test.h>
#include <linux/err.h>
#include <linux/random.h>

#include "../auth.h"

#define MSG_LEN	100
#define CLUSTER	0x77

/* A message whose header's size field says @len. */
static void msg_fill(u8 *buf, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = i * 7;
	put_unaligned_le32(len, buf + 48);
}

static struct vsr_auth *keys(struct kunit *test, const u8 *key,
			     const u8 *accept, bool accept_none, u64 cluster,
			     u32 replica)
{
	struct vsr_key_change kc = {
		.key = key, .key_none = !key, .accept_key = accept,
		.accept_none = accept_none,
	};
	const char *why = NULL;
	struct vsr_auth *a;

	a = vsr_auth_change(NULL, &kc, cluster, 0, replica, 3, GFP_KERNEL, &why);
	KUNIT_ASSERT_FALSE(test, IS_ERR(a));
	return a;
}

/* Seal @buf (@len bytes) from @a to @to; returns the datagram's length. */
static size_t seal(const struct vsr_auth *a, unsigned int to, u8 *buf,
		   size_t len)
{
	struct kvec iov[2] = {
		{ .iov_base = buf, .iov_len = 30 },
		{ .iov_base = buf + 30, .iov_len = len - 30 },
	};

	return len + vsr_auth_seal(a, to, iov, 2, buf + len);
}

static void vsr_auth_known_answer(struct kunit *test)
{
	static const u8 want[VSR_AUTH_TAG_SIZE] = {
		0xc1, 0x96, 0x3a, 0xb1, 0x56, 0xfa, 0xe2, 0x04,
		0x5b, 0x8a, 0x5b, 0xb2, 0x87, 0x2c, 0x8c, 0x4d,
	};
	u8 key[VSR_KEY_LEN], buf[MSG_LEN + VSR_AUTH_TRAILER_SIZE];
	struct vsr_auth *a;
	size_t i;

	for (i = 0; i < sizeof(key); i++)
		key[i] = i;
	KUNIT_EXPECT_EQ(test, vsr_auth_key_id(key), 0xba049a50u);
	a = keys(test, key, NULL, false, CLUSTER, 0);
	msg_fill(buf, MSG_LEN);
	KUNIT_ASSERT_EQ(test, seal(a, 1, buf, MSG_LEN),
			(size_t)MSG_LEN + VSR_AUTH_TRAILER_SIZE);
	KUNIT_EXPECT_EQ(test, get_unaligned_le32(buf + MSG_LEN), 0xba049a50u);
	KUNIT_EXPECT_MEMEQ(test, buf + MSG_LEN + 4, want, sizeof(want));
	vsr_auth_free(a);
}

/*
 * Every byte of an authenticated datagram matters, and a tag is good for
 * one direction of one link of one cluster.
 */
static void vsr_auth_forgeries(struct kunit *test)
{
	u8 key[VSR_KEY_LEN], other[VSR_KEY_LEN];
	u8 buf[MSG_LEN + VSR_AUTH_TRAILER_SIZE], copy[sizeof(buf)];
	struct vsr_auth *r0, *r1, *r2, *foreign, *wrong;
	struct vsr_auth_seen seen;
	size_t len, n, i;

	get_random_bytes(key, sizeof(key));
	get_random_bytes(other, sizeof(other));
	r0 = keys(test, key, NULL, false, CLUSTER, 0);
	r1 = keys(test, key, NULL, false, CLUSTER, 1);
	r2 = keys(test, key, NULL, false, CLUSTER, 2);
	foreign = keys(test, key, NULL, false, CLUSTER + 1, 1);
	wrong = keys(test, other, NULL, false, CLUSTER, 1);

	msg_fill(buf, MSG_LEN);
	n = seal(r0, 1, buf, MSG_LEN);
	memcpy(copy, buf, n);

	/* The genuine one: accepted once the trailer is stripped. */
	len = n;
	KUNIT_EXPECT_EQ(test, vsr_auth_open(r1, 0, buf, &len, &seen), 0);
	KUNIT_EXPECT_EQ(test, len, (size_t)MSG_LEN);
	KUNIT_EXPECT_EQ(test, seen.auth, 2);
	KUNIT_EXPECT_EQ(test, seen.id, vsr_auth_key_id(key));

	/* Any flipped bit. */
	for (i = 0; i < n; i++) {
		memcpy(buf, copy, n);
		buf[i] ^= 1u << (i % 8);
		len = n;
		/* (The size field then says it has no trailer.) */
		KUNIT_EXPECT_NE_MSG(test, vsr_auth_open(r1, 0, buf, &len, &seen), 0,
				    "flipped byte %zu accepted", i);
	}
	memcpy(buf, copy, n);

	/* Another sender, reflected back, another receiver, cluster, key. */
	len = n;
	KUNIT_EXPECT_EQ(test, vsr_auth_open(r1, 2, buf, &len, &seen), -EKEYREJECTED);
	KUNIT_EXPECT_EQ(test, vsr_auth_open(r0, 1, buf, &len, &seen), -EKEYREJECTED);
	KUNIT_EXPECT_EQ(test, vsr_auth_open(r2, 0, buf, &len, &seen), -EKEYREJECTED);
	KUNIT_EXPECT_EQ(test, vsr_auth_open(foreign, 0, buf, &len, &seen), -EKEYREJECTED);
	KUNIT_EXPECT_EQ(test, vsr_auth_open(wrong, 0, buf, &len, &seen), -ENOKEY);
	KUNIT_EXPECT_EQ(test, seen.id, vsr_auth_key_id(key));

	/* Cut off: a keyed replica takes nothing unauthenticated. */
	len = MSG_LEN;
	KUNIT_EXPECT_EQ(test, vsr_auth_open(r1, 0, buf, &len, &seen), -ENOKEY);
	KUNIT_EXPECT_EQ(test, seen.auth, 1);
	/* ... and a replica without a key none that is authenticated. */
	len = n;
	KUNIT_EXPECT_EQ(test, vsr_auth_open(NULL, 0, buf, &len, &seen), -ENOKEY);
	KUNIT_EXPECT_EQ(test, seen.auth, 2);
	len = MSG_LEN;
	KUNIT_EXPECT_EQ(test, vsr_auth_open(NULL, 0, buf, &len, &seen), 0);
	KUNIT_EXPECT_EQ(test, len, (size_t)MSG_LEN);

	vsr_auth_free(r0);
	vsr_auth_free(r1);
	vsr_auth_free(r2);
	vsr_auth_free(foreign);
	vsr_auth_free(wrong);
}

/* Does each of replicas 0 and 1 accept what the other sends? */
static bool accepts(struct kunit *test, struct vsr_auth **a)
{
	u8 buf[MSG_LEN + VSR_AUTH_TRAILER_SIZE];
	struct vsr_auth_seen seen;
	int from, ret, ok = 0;
	size_t len;

	for (from = 0; from < 2; from++) {
		msg_fill(buf, MSG_LEN);
		len = seal(a[from], !from, buf, MSG_LEN);
		ret = vsr_auth_open(a[!from], from, buf, &len, &seen);
		KUNIT_EXPECT_TRUE(test, !ret || ret == -ENOKEY || ret == -EKEYREJECTED);
		ok += !ret;
	}
	return ok == 2;
}

static struct vsr_auth *change(struct kunit *test, struct vsr_auth *old,
			       const struct vsr_key_change *kc, u32 replica)
{
	const char *why = NULL;
	struct vsr_auth *a;

	a = vsr_auth_change(old, kc, CLUSTER, 0, replica, 3, GFP_KERNEL, &why);
	KUNIT_ASSERT_FALSE(test, IS_ERR(a));
	vsr_auth_free(old);
	return a;
}

/*
 * The procedures of Documentation/vsradm.rst, replica 0 always a step
 * ahead of replica 1 and then a step behind: at every moment each accepts
 * what the other sends.
 */
static void vsr_auth_rotation(struct kunit *test)
{
	struct vsr_key_change accept_new = { }, swap = { .swap = true };
	struct vsr_key_change off = { .accept_off = true };
	struct vsr_key_change accept_none = { .accept_none = true };
	u8 k1[VSR_KEY_LEN], k2[VSR_KEY_LEN];
	struct vsr_auth *a[2];
	int step, who;

	get_random_bytes(k1, sizeof(k1));
	get_random_bytes(k2, sizeof(k2));
	accept_new.accept_key = k2;

	/* A key to another: K1 -> K2. */
	a[0] = keys(test, k1, NULL, false, CLUSTER, 0);
	a[1] = keys(test, k1, NULL, false, CLUSTER, 1);
	for (step = 0; step < 3; step++) {
		const struct vsr_key_change *kc =
			step == 0 ? &accept_new : step == 1 ? &swap : &off;

		for (who = 0; who < 2; who++) {
			a[who] = change(test, a[who], kc, who);
			KUNIT_EXPECT_TRUE(test, accepts(test, a));
		}
	}
	KUNIT_EXPECT_EQ(test, a[0]->slot[0].id, vsr_auth_key_id(k2));
	KUNIT_EXPECT_FALSE(test, a[1]->second);
	vsr_auth_free(a[0]);
	a[0] = keys(test, k1, NULL, false, CLUSTER, 0);
	KUNIT_EXPECT_FALSE(test, accepts(test, a));
	vsr_auth_free(a[0]);
	vsr_auth_free(a[1]);

	/* No key to a key: NULL (unauthenticated) -> K1. */
	accept_new.accept_key = k1;
	a[0] = NULL;
	a[1] = NULL;
	for (step = 0; step < 3; step++) {
		const struct vsr_key_change *kc =
			step == 0 ? &accept_new : step == 1 ? &swap : &off;

		for (who = 0; who < 2; who++) {
			a[who] = change(test, a[who], kc, who);
			KUNIT_EXPECT_TRUE(test, accepts(test, a));
		}
	}
	KUNIT_ASSERT_NOT_NULL(test, a[1]);
	KUNIT_EXPECT_FALSE(test, vsr_auth_accepts_none(a[1]));
	/* And back: K1 -> accepting none -> sending none -> NULL. */
	for (step = 0; step < 3; step++) {
		const struct vsr_key_change *kc =
			step == 0 ? &accept_none : step == 1 ? &swap : &off;

		for (who = 1; who >= 0; who--) {
			a[who] = change(test, a[who], kc, who);
			KUNIT_EXPECT_TRUE(test, accepts(test, a));
		}
	}
	KUNIT_EXPECT_NULL(test, a[0]);
	KUNIT_EXPECT_NULL(test, a[1]);
}

static void vsr_auth_bad_changes(struct kunit *test)
{
	u8 key[VSR_KEY_LEN] = { 1 };
	const struct vsr_key_change bad[] = {
		{ .key = key, .key_none = true },
		{ .accept_key = key, .accept_off = true },
		{ .accept_none = true, .accept_off = true },
		{ .swap = true },
		{ .key = key, .swap = true },
	};
	const char *why;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		why = NULL;
		KUNIT_EXPECT_EQ_MSG(test, PTR_ERR(vsr_auth_change(NULL, &bad[i],
			CLUSTER, 0, 0, 3, GFP_KERNEL, &why)), -EINVAL,
			"change %zu", i);
		KUNIT_EXPECT_NOT_NULL(test, why);
	}
}

static struct kunit_case vsr_auth_cases[] = {
	KUNIT_CASE(vsr_auth_known_answer),
	KUNIT_CASE(vsr_auth_forgeries),
	KUNIT_CASE(vsr_auth_rotation),
	KUNIT_CASE(vsr_auth_bad_changes),
	{}
};

static struct kunit_suite vsr_auth_suite = {
	.name = "vsr_auth",
	.test_cases = vsr_auth_cases,
};

kunit_test_suite(vsr_auth_suite);
