// SPDX-License-Identifier: GPL-2.0
/*
 * auth_test.c - KUnit suite for auth.c: the MAC trailer, the derived keys,
 * the handshake, the replay window and the two key slots.  Also run
 * natively by tools/sim/vsr-unit, with tools/lib/blake2s.c for the
 * kernel's BLAKE2s.
 *
 * The known answers were computed with Python's hashlib.blake2s (and the
 * cryptography package's ChaCha20Poly1305) from the description in auth.h,
 * so they also pin the derivation that Documentation/protocol.rst and the
 * selftests rely on.  Replica i is at 10.0.0.(i + 1), UDP port 7000 + i:
 * its address as the keys name it is rep_addr()'s.
 *
 * vsr_auth_sessions runs the handshake between three replicas over a
 * network that loses, duplicates, reorders and replays anything ever sent
 * (datagrams of earlier incarnations too), with restarts: a data datagram
 * is accepted only by the incarnation it was sealed for, and only once;
 * once the network is clean, every pair gets a session.  Each replica
 * keeps its peers in an order of its own, as after a reconfiguration;
 * vsr_auth_peer_order checks that case alone, and that the keys name the
 * addresses of a link, not the slots of its sessions.
 */

#include <kunit/test.h>
#include <linux/err.h>
#include <linux/prandom.h>
#include <linux/random.h>

#include "../auth.h"

#define MSG_LEN	100
#define DGRAM	(MSG_LEN + VSR_AUTH_TRAILER_SIZE)
#define AUTH_LEN (VSR_HDR_SIZE + VSR_AUTH_BODY_SIZE)
#define CLUSTER	0x77

/* A message (not an AUTH) whose header's size field says MSG_LEN. */
static void msg_fill(u8 *buf, u64 id)
{
	size_t i;

	for (i = 0; i < MSG_LEN; i++)
		buf[i] = i * 7;
	buf[14] = 3;
	put_unaligned_le32(MSG_LEN, buf + 48);
	put_unaligned_le64(id, buf + 64);
}

/*
 * Replica @i's address as auth.h names it: AF_INET (le16), port 7000 + @i
 * and 10.0.0.(@i + 1) in network order, zeros to the end.
 */
static void rep_addr(u8 addr[VSR_AUTH_ADDR_SIZE], u32 i)
{
	memset(addr, 0, VSR_AUTH_ADDR_SIZE);
	put_unaligned_le16(2, addr);	/* AF_INET */
	addr[2] = (7000 + i) >> 8;
	addr[3] = (7000 + i) & 0xff;
	addr[4] = 10;
	addr[7] = i + 1;
}

/* Keys of the replica at @addr (incarnation @nonce): @key, or none. */
static struct vsr_auth *keys_at(struct kunit *test, const u8 *key,
				u64 cluster, const u8 *addr, const u8 *nonce)
{
	struct vsr_key_change kc = { .key = key, .key_none = !key };
	const char *why = NULL;
	struct vsr_auth *a;

	a = vsr_auth_change(NULL, &kc, cluster, addr, nonce, GFP_KERNEL, &why);
	KUNIT_ASSERT_FALSE(test, IS_ERR(a));
	return a;
}

/* The same for replica @replica, at rep_addr()'s. */
static struct vsr_auth *keys(struct kunit *test, const u8 *key, u64 cluster,
			     u32 replica, const u8 *nonce)
{
	u8 addr[VSR_AUTH_ADDR_SIZE];

	rep_addr(addr, replica);
	return keys_at(test, key, cluster, addr, nonce);
}

/* Seal @len bytes at @buf from @a to @to; returns the datagram's length. */
static int seal(const struct vsr_auth *a, unsigned int to,
		struct vsr_auth_peer *peer, u8 *buf, size_t len)
{
	struct kvec iov[2] = {
		{ .iov_base = buf, .iov_len = VSR_HDR_SIZE },
		{ .iov_base = buf + VSR_HDR_SIZE, .iov_len = len - VSR_HDR_SIZE },
	};
	int ret = vsr_auth_seal(a, to, peer, iov, 2, buf + len);

	return ret < 0 ? ret : len + ret;
}

/*
 * Replica 0 (10.0.0.1:7000, nonce a0 a1 ..) seals to replica 1
 * (10.0.0.2:7001, nonce b0 b1 ..) with key 00 01 .. 1f, cluster 0x77.
 */
static void vsr_auth_known_answers(struct kunit *test)
{
	/* From Python's hashlib and cryptography (ChaCha20Poly1305). */
	static const u8 data_tag[VSR_AUTH_TAG_SIZE] = {
		0xb9, 0xf5, 0x71, 0xe8, 0xb6, 0xe1, 0x40, 0x85,
		0xd2, 0x4e, 0x51, 0x34, 0x07, 0x11, 0x12, 0x8e,
	};
	static const u8 auth_tag[VSR_AUTH_TAG_SIZE] = {
		0x38, 0x29, 0xfd, 0x87, 0xb0, 0xff, 0xfd, 0x70,
		0x34, 0xc9, 0xf3, 0x1a, 0xc2, 0xd8, 0xd7, 0x2b,
	};
	u8 key[VSR_KEY_LEN], na[VSR_AUTH_NONCE_SIZE], buf[DGRAM];
	struct vsr_auth_peer peer = { .known = true };
	struct vsr_auth *a;
	size_t i;

	for (i = 0; i < sizeof(key); i++)
		key[i] = i;
	for (i = 0; i < VSR_AUTH_NONCE_SIZE; i++) {
		na[i] = 0xa0 + i;
		peer.nonce[i] = 0xb0 + i;
	}
	rep_addr(peer.addr, 1);
	KUNIT_EXPECT_EQ(test, vsr_auth_key_id(key), 0xba049a50u);
	a = keys(test, key, CLUSTER, 0, na);

	for (i = 0; i < MSG_LEN; i++)
		buf[i] = i * 7;
	put_unaligned_le32(MSG_LEN, buf + 48);
	buf[14] = 3;
	KUNIT_ASSERT_EQ(test, seal(a, 1, &peer, buf, MSG_LEN), DGRAM);
	KUNIT_EXPECT_EQ(test, get_unaligned_le32(buf + MSG_LEN), 0xba049a50u);
	KUNIT_EXPECT_EQ(test, get_unaligned_le64(buf + MSG_LEN + 4), 1ull);
	KUNIT_EXPECT_MEMEQ(test, buf + MSG_LEN + 12, data_tag, sizeof(data_tag));

	buf[14] = VSR_CMD_AUTH;
	KUNIT_ASSERT_EQ(test, seal(a, 1, &peer, buf, MSG_LEN), DGRAM);
	KUNIT_EXPECT_EQ(test, get_unaligned_le64(buf + MSG_LEN + 4), 0ull);
	KUNIT_EXPECT_MEMEQ(test, buf + MSG_LEN + 12, auth_tag, sizeof(auth_tag));
	vsr_auth_free(a);
}

/*
 * One replica of the tests: its keys, address, nonce and sessions, the
 * session with replica i at @peer[@slot[i]] (its place in the replica's
 * list of peers: i unless rep_order() said otherwise).
 */
struct rep {
	struct vsr_auth *a;
	u8 addr[VSR_AUTH_ADDR_SIZE];
	u8 nonce[VSR_AUTH_NONCE_SIZE];
	u32 slot[3];
	struct vsr_auth_peer peer[VSR_MAX_PEERS];
	u32 index;
	u32 life;
};

/* @x's session with replica @y. */
static struct vsr_auth_peer *sess(struct rep *x, u32 y)
{
	return &x->peer[x->slot[y]];
}

/*
 * @r keeps its sessions with replicas 0, 1 and 2 at @slot[0], [1] and [2]
 * (distinct, below VSR_MAX_PEERS): new sessions, each naming its
 * replica's address.
 */
static void rep_order(struct rep *r, const u32 *slot)
{
	struct vsr_auth_peer *p;
	int i;

	memset(r->peer, 0, sizeof(r->peer));
	for (i = 0; i < 3; i++) {
		r->slot[i] = slot[i];
		p = sess(r, i);
		rep_addr(p->addr, i);
		get_random_bytes(p->challenge, VSR_AUTH_NONCE_SIZE);
	}
}

/* Replica i's session at slot i. */
static const u32 in_order[3] = { 0, 1, 2 };

static void rep_start(struct kunit *test, struct rep *r, const u8 *key,
		      u32 index)
{
	vsr_auth_free(r->a);
	memset(r, 0, sizeof(*r));
	r->index = index;
	rep_addr(r->addr, index);
	get_random_bytes(r->nonce, sizeof(r->nonce));
	rep_order(r, in_order);
	r->a = keys_at(test, key, CLUSTER, r->addr, r->nonce);
}

/* An AUTH from @x to @y; returns its length. */
static int auth_msg(struct rep *x, u32 y, u8 *buf)
{
	size_t len = vsr_auth_hello(sess(x, y), x->nonce, CLUSTER, 0,
				    x->index, buf);

	return seal(x->a, x->slot[y], sess(x, y), buf, len);
}

/*
 * @y receives @buf from @x: vsr_auth_open(), then the handshake for an
 * AUTH; *@action is what vsr_auth_handshake() says (VSR_AUTH_QUIET for
 * anything else).
 */
static int deliver(struct rep *y, u32 x, const u8 *buf, size_t len,
		   int *action)
{
	u8 challenge[VSR_AUTH_NONCE_SIZE];
	struct vsr_auth_seen seen;
	bool fresh;
	u8 *copy;
	int ret;

	*action = VSR_AUTH_QUIET;
	/* An encrypted datagram is decrypted in place: @buf may come again. */
	copy = kmemdup(buf, len, GFP_KERNEL);
	if (!copy)
		return -ENOMEM;
	ret = vsr_auth_open(y->a, y->slot[x], sess(y, x), y->nonce, copy, &len,
			    &seen);
	kfree(copy);
	if (ret || buf[14] != VSR_CMD_AUTH)
		return ret;
	get_random_bytes(challenge, sizeof(challenge));
	*action = vsr_auth_handshake(sess(y, x), y->nonce, buf + VSR_HDR_SIZE,
				     get_unaligned_le64(buf + 64),
				     seen.auth == 2, challenge, &fresh);
	return 0;
}

/* Run the handshake between @x and @y over a clean network. */
static void handshake(struct kunit *test, struct rep *r, u32 x, u32 y)
{
	u8 buf[2][AUTH_LEN + VSR_AUTH_TRAILER_SIZE];
	int len, action, from = x, to = y, i;

	len = auth_msg(&r[x], y, buf[0]);
	for (i = 0; len > 0 && i < 8; i++) {
		KUNIT_ASSERT_EQ(test, deliver(&r[to], from, buf[i % 2], len,
					      &action), 0);
		len = 0;
		if (action != VSR_AUTH_QUIET)
			len = auth_msg(&r[to], from, buf[(i + 1) % 2]);
		swap(from, to);
	}
	KUNIT_EXPECT_EQ(test, len, 0);
	KUNIT_EXPECT_TRUE(test, sess(&r[x], y)->known && sess(&r[y], x)->known);
}

/*
 * Every byte of an authenticated datagram matters, a tag is good for one
 * direction of one link of one cluster, and for one incarnation of the
 * receiver, once.
 */
static void vsr_auth_forgeries(struct kunit *test)
{
	u8 key[VSR_KEY_LEN], other[VSR_KEY_LEN], buf[DGRAM], copy[DGRAM];
	struct vsr_auth *foreign, *wrong;
	struct vsr_auth_peer *p;
	struct vsr_auth_seen seen;
	struct rep *r;
	size_t len, i;
	int n;

	r = kunit_kzalloc(test, 3 * sizeof(*r), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, r);
	get_random_bytes(key, sizeof(key));
	get_random_bytes(other, sizeof(other));
	for (i = 0; i < 3; i++)
		rep_start(test, &r[i], key, i);
	/* Before a handshake, nothing can be sealed. */
	msg_fill(buf, 1);
	KUNIT_EXPECT_EQ(test, seal(r[0].a, 1, &r[0].peer[1], buf, MSG_LEN), -ENOTCONN);
	handshake(test, r, 0, 1);
	handshake(test, r, 2, 1);
	foreign = keys(test, key, CLUSTER + 1, 1, r[1].nonce);
	wrong = keys(test, other, CLUSTER, 1, r[1].nonce);

	n = seal(r[0].a, 1, &r[0].peer[1], buf, MSG_LEN);
	KUNIT_ASSERT_EQ(test, n, DGRAM);
	memcpy(copy, buf, n);

	/* Any flipped bit. */
	p = kunit_kzalloc(test, sizeof(*p), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	for (i = 0; i < n; i++) {
		*p = r[1].peer[0];
		memcpy(buf, copy, n);
		buf[i] ^= 1u << (i % 8);
		len = n;
		KUNIT_EXPECT_NE_MSG(test, vsr_auth_open(r[1].a, 0, p, r[1].nonce,
							buf, &len, &seen), 0,
				    "flipped byte %zu accepted", i);
	}
	memcpy(buf, copy, n);

	/* Another sender, reflected back, another receiver, cluster, key. */
	len = n;
	KUNIT_EXPECT_EQ(test, vsr_auth_open(r[1].a, 2, &r[1].peer[2], r[1].nonce,
					    buf, &len, &seen), -EKEYREJECTED);
	KUNIT_EXPECT_EQ(test, vsr_auth_open(r[0].a, 1, &r[0].peer[1], r[0].nonce,
					    buf, &len, &seen), -EKEYREJECTED);
	KUNIT_EXPECT_EQ(test, vsr_auth_open(foreign, 0, &r[1].peer[0], r[1].nonce,
					    buf, &len, &seen), -EKEYREJECTED);
	KUNIT_EXPECT_EQ(test, vsr_auth_open(wrong, 0, &r[1].peer[0], r[1].nonce,
					    buf, &len, &seen), -ENOKEY);
	KUNIT_EXPECT_EQ(test, seen.id, vsr_auth_key_id(key));
	/* No session with replica 2 on replica 0's side. */
	KUNIT_EXPECT_EQ(test, vsr_auth_open(r[0].a, 2, &r[0].peer[2], r[0].nonce,
					    buf, &len, &seen), -ENOTCONN);

	/* The genuine one: accepted once, the trailer stripped. */
	KUNIT_EXPECT_EQ(test, vsr_auth_open(r[1].a, 0, &r[1].peer[0], r[1].nonce,
					    buf, &len, &seen), 0);
	KUNIT_EXPECT_EQ(test, len, (size_t)MSG_LEN);
	KUNIT_EXPECT_EQ(test, seen.auth, 2);
	len = n;
	KUNIT_EXPECT_EQ(test, vsr_auth_open(r[1].a, 0, &r[1].peer[0], r[1].nonce,
					    buf, &len, &seen), -EKEYEXPIRED);

	/* Cut off: a keyed replica takes nothing unauthenticated ... */
	len = MSG_LEN;
	KUNIT_EXPECT_EQ(test, vsr_auth_open(r[1].a, 0, &r[1].peer[0], r[1].nonce,
					    buf, &len, &seen), -ENOKEY);
	KUNIT_EXPECT_EQ(test, seen.auth, 1);
	len = MSG_LEN + 3;
	KUNIT_EXPECT_EQ(test, vsr_auth_open(r[1].a, 0, &r[1].peer[0], r[1].nonce,
					    buf, &len, &seen), -EINVAL);
	/* ... and a replica without a key none that is authenticated. */
	len = n;
	KUNIT_EXPECT_EQ(test, vsr_auth_open(NULL, 0, &r[1].peer[0], r[1].nonce,
					    buf, &len, &seen), -ENOKEY);
	len = MSG_LEN;
	KUNIT_EXPECT_EQ(test, vsr_auth_open(NULL, 0, &r[1].peer[0], r[1].nonce,
					    buf, &len, &seen), 0);

	/* A new incarnation of the receiver takes nothing of the old one. */
	msg_fill(buf, 2);
	n = seal(r[0].a, 1, &r[0].peer[1], buf, MSG_LEN);
	memcpy(copy, buf, n);
	rep_start(test, &r[1], key, 1);
	handshake(test, r, 1, 0);
	len = n;
	KUNIT_EXPECT_EQ(test, vsr_auth_open(r[1].a, 0, &r[1].peer[0], r[1].nonce,
					    copy, &len, &seen), -EKEYREJECTED);
	/* Nor of an old incarnation of the sender, once it knows the new. */
	msg_fill(buf, 3);
	n = seal(r[0].a, 1, &r[0].peer[1], buf, MSG_LEN);
	memcpy(copy, buf, n);
	rep_start(test, &r[0], key, 0);
	handshake(test, r, 0, 1);
	len = n;
	KUNIT_EXPECT_EQ(test, vsr_auth_open(r[1].a, 0, &r[1].peer[0], r[1].nonce,
					    copy, &len, &seen), -EKEYREJECTED);

	for (i = 0; i < 3; i++)
		vsr_auth_free(r[i].a);
	vsr_auth_free(foreign);
	vsr_auth_free(wrong);
}

/* The replay window: each counter once, reordering within the window. */
static void vsr_auth_window(struct kunit *test)
{
	static const u64 order[] = {
		5, 3, 4, 1, 2, 1000, 1000, 7, 2, 1100, VSR_AUTH_WINDOW + 1099,
		1100, 1099, VSR_AUTH_WINDOW + 1100, 5000, 3977, 3976, 4999, 4999,
	};
	static const bool fresh[] = {
		1, 1, 1, 1, 1, 1, 0, 1, 0, 1, 1,
		0, 0, 1, 1, 1, 0, 1, 0,
	};
	u8 key[VSR_KEY_LEN], buf[DGRAM];
	struct vsr_auth_seen seen;
	struct rep *r;
	size_t i, len;
	int n;

	r = kunit_kzalloc(test, 2 * sizeof(*r), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, r);
	get_random_bytes(key, sizeof(key));
	rep_start(test, &r[0], key, 0);
	rep_start(test, &r[1], key, 1);
	handshake(test, r, 0, 1);
	for (i = 0; i < ARRAY_SIZE(order); i++) {
		msg_fill(buf, i);
		r[0].peer[1].tx = order[i] - 1;
		n = seal(r[0].a, 1, &r[0].peer[1], buf, MSG_LEN);
		len = n;
		KUNIT_EXPECT_EQ_MSG(test, vsr_auth_open(r[1].a, 0, &r[1].peer[0],
							r[1].nonce, buf, &len, &seen),
				    fresh[i] ? 0 : -EKEYEXPIRED,
				    "counter %llu (step %zu)",
				    (unsigned long long)order[i], i);
	}
	vsr_auth_free(r[0].a);
	vsr_auth_free(r[1].a);
}

/*
 * Encrypt @len bytes at @msg with @a to @to, session @peer, into @dgram
 * (@out: vsr_auth_seal_encrypted()'s); the datagram's length.
 */
static int seal_enc_to(const struct vsr_auth *a, unsigned int to,
		       struct vsr_auth_peer *peer, const u8 *msg, size_t len,
		       u8 *out, u8 *dgram)
{
	struct kvec iov[2] = {
		{ .iov_base = (void *)msg, .iov_len = VSR_HDR_SIZE },
		{ .iov_base = (void *)(msg + VSR_HDR_SIZE),
		  .iov_len = len - VSR_HDR_SIZE },
	};
	struct vsr_auth_enc enc = { .out = out };
	u8 trailer[VSR_AUTH_TRAILER_SIZE];
	int ret;

	ret = vsr_auth_seal_encrypted(a, to, peer, iov, 2, &enc, trailer);
	if (ret <= 0)
		return ret;
	memcpy(dgram, enc.hdr, VSR_AUTH_CLEAR);
	memcpy(dgram + VSR_AUTH_CLEAR, out, len - VSR_AUTH_CLEAR);
	memcpy(dgram + len, trailer, ret);
	return len + ret;
}

/* The same from @x to @y. */
static int seal_enc(struct rep *x, u32 y, const u8 *msg, size_t len,
		    u8 *out, u8 *dgram)
{
	return seal_enc_to(x->a, x->slot[y], sess(x, y), msg, len, out, dgram);
}

static bool contains(const u8 *hay, size_t n, const char *needle)
{
	size_t k = strlen(needle), i;

	for (i = 0; i + k <= n; i++)
		if (!memcmp(hay + i, needle, k))
			return true;
	return false;
}

/*
 * Encryption: known answers (computed with Python's hashlib and the
 * cryptography package from auth.h's formulas), no record byte or
 * checksum of one in clear, the message back whole (checksums too),
 * once; any flipped bit (each against the session before), checksum
 * bytes not zero, another receiver incarnation: refused.
 */
static void vsr_auth_encryption(struct kunit *test)
{
	static const u8 ct16[16] = {
		0x59, 0xca, 0x61, 0x6d, 0x82, 0x39, 0x3c, 0xc6,
		0xc1, 0xcb, 0xa0, 0xd6, 0xda, 0x5d, 0x27, 0x6b,
	};
	static const u8 tag[VSR_AUTH_TAG_SIZE] = {
		0x41, 0x58, 0x0c, 0xcf, 0x9e, 0xd2, 0xb2, 0xec,
		0x51, 0x47, 0x98, 0x13, 0x28, 0x5b, 0x6f, 0x02,
	};
	const size_t body = 300, len = VSR_HDR_SIZE + body;
	u8 key[VSR_KEY_LEN], *msg, *dgram, *copy, *out, *out2, *fresh;
	struct vsr_auth_seen seen;
	struct vsr_hdr h = { 0 };
	struct vsr_msg m;
	struct vsr_auth_peer *was, *sess;
	struct rep *r;
	size_t i, n;
	int dlen, ret;

	msg = kunit_kzalloc(test, len, GFP_KERNEL);
	dgram = kunit_kzalloc(test, len + VSR_AUTH_TRAILER_SIZE, GFP_KERNEL);
	copy = kunit_kzalloc(test, len + VSR_AUTH_TRAILER_SIZE, GFP_KERNEL);
	out = kunit_kzalloc(test, len + VSR_AUTH_TAG_SIZE, GFP_KERNEL);
	out2 = kunit_kzalloc(test, len + VSR_AUTH_TAG_SIZE, GFP_KERNEL);
	fresh = kunit_kzalloc(test, len + VSR_AUTH_TRAILER_SIZE, GFP_KERNEL);
	r = kunit_kzalloc(test, 2 * sizeof(*r), GFP_KERNEL);
	was = kunit_kzalloc(test, sizeof(*was), GFP_KERNEL);
	sess = kunit_kzalloc(test, sizeof(*sess), GFP_KERNEL);
	KUNIT_ASSERT_TRUE(test, msg && dgram && copy && out && out2 && fresh &&
			  r && was && sess);

	/* Known answers: the key and nonces of vsr_auth_known_answers. */
	for (i = 0; i < sizeof(key); i++)
		key[i] = i;
	for (i = 0; i < VSR_AUTH_NONCE_SIZE; i++)
		was->nonce[i] = 0xb0 + i;
	r[0].index = 0;
	rep_addr(r[0].addr, 0);
	rep_order(&r[0], in_order);
	for (i = 0; i < VSR_AUTH_NONCE_SIZE; i++)
		r[0].nonce[i] = 0xa0 + i;
	r[0].a = keys_at(test, key, CLUSTER, r[0].addr, r[0].nonce);
	was->known = true;
	rep_addr(was->addr, 1);
	r[0].peer[1] = *was;
	for (i = 0; i < MSG_LEN; i++)
		msg[i] = i * 7;
	msg[14] = 3;
	put_unaligned_le32(MSG_LEN, msg + 48);
	KUNIT_ASSERT_EQ(test, seal_enc(&r[0], 1, msg, MSG_LEN, out, dgram),
			DGRAM);
	KUNIT_EXPECT_EQ(test, get_unaligned_le64(dgram + MSG_LEN + 4),
			1ull | VSR_AUTH_CTR_ENCRYPTED);
	KUNIT_EXPECT_MEMEQ(test, dgram + VSR_AUTH_CLEAR, ct16, sizeof(ct16));
	KUNIT_EXPECT_MEMEQ(test, dgram + MSG_LEN + 12, tag, sizeof(tag));
	vsr_auth_free(r[0].a);
	r[0].a = NULL;

	/* A session, and a real message with a record in its body. */
	get_random_bytes(key, sizeof(key));
	rep_start(test, &r[0], key, 0);
	rep_start(test, &r[1], key, 1);
	handshake(test, r, 0, 1);
	for (i = 0; i < body; i++)
		msg[VSR_HDR_SIZE + i] = "secret record "[i % 14];
	h.command = VSR_CMD_REQUEST;
	h.cluster = CLUSTER;
	h.op = 5;
	h.arg0 = 42;
	h.flags = VSR_OP_DATA;
	KUNIT_ASSERT_EQ(test, vsr_msg_seal(msg, &h, body), len);
	dlen = seal_enc(&r[0], 1, msg, len, out, dgram);
	KUNIT_ASSERT_EQ(test, dlen, (int)(len + VSR_AUTH_TRAILER_SIZE));
	KUNIT_EXPECT_FALSE(test, contains(dgram, dlen, "secret"));
	KUNIT_EXPECT_EQ(test, get_unaligned_le64(dgram), 0ull);
	KUNIT_EXPECT_MEMEQ(test, dgram + VSR_AUTH_CSUMS, msg + VSR_AUTH_CSUMS,
			   VSR_AUTH_CLEAR - VSR_AUTH_CSUMS);
	/* The same message again: another counter, another ciphertext. */
	KUNIT_ASSERT_EQ(test, seal_enc(&r[0], 1, msg, len, out2, copy), dlen);
	KUNIT_EXPECT_NE(test, memcmp(out, out2, body), 0);

	/* Opened: the message as sealed, checksums included; then a replay. */
	memcpy(copy, dgram, dlen);
	n = dlen;
	KUNIT_EXPECT_EQ(test, vsr_auth_open(r[1].a, 0, &r[1].peer[0],
					    r[1].nonce, copy, &n, &seen), 0);
	KUNIT_EXPECT_EQ(test, n, len);
	KUNIT_EXPECT_MEMEQ(test, copy, msg, len);
	KUNIT_EXPECT_EQ(test, vsr_msg_decode(copy, n, CLUSTER, &m), 0);
	memcpy(copy, dgram, dlen);
	n = dlen;
	KUNIT_EXPECT_EQ(test, vsr_auth_open(r[1].a, 0, &r[1].peer[0],
					    r[1].nonce, copy, &n, &seen),
			-EKEYEXPIRED);

	/*
	 * Any flipped bit of a datagram not opened yet, the session as it
	 * was each time: refused; unflipped (the last try): accepted.  And
	 * checksum bytes that are not zero, which the tag covers as zeros.
	 */
	KUNIT_ASSERT_EQ(test, seal_enc(&r[0], 1, msg, len, out2, fresh), dlen);
	*was = r[1].peer[0];
	for (i = 0; i <= 8 * (size_t)dlen; i++) {
		*sess = *was;
		memcpy(copy, fresh, dlen);
		if (i < 8 * (size_t)dlen)
			copy[i / 8] ^= 1 << (i % 8);
		n = dlen;
		ret = vsr_auth_open(r[1].a, 0, sess, r[1].nonce, copy, &n,
				    &seen);
		if (i == 8 * (size_t)dlen) {
			KUNIT_EXPECT_EQ(test, ret, 0);
			KUNIT_EXPECT_MEMEQ(test, copy, msg, len);
		} else {
			KUNIT_EXPECT_NE_MSG(test, ret, 0, "bit %zu", i);
			if (!ret)
				break;
		}
	}
	*sess = *was;
	memcpy(copy, fresh, dlen);
	copy[1] = 0x5a;
	n = dlen;
	KUNIT_EXPECT_EQ(test, vsr_auth_open(r[1].a, 0, sess, r[1].nonce, copy,
					    &n, &seen), -EKEYREJECTED);

	/* Another incarnation of the receiver: refused. */
	rep_start(test, &r[1], key, 1);
	r[0].peer[1].known = false;
	handshake(test, r, 0, 1);
	memcpy(copy, dgram, dlen);
	n = dlen;
	KUNIT_EXPECT_EQ(test, vsr_auth_open(r[1].a, 0, &r[1].peer[0],
					    r[1].nonce, copy, &n, &seen),
			-EKEYREJECTED);
	/* No key sent: nothing to encrypt with. */
	vsr_auth_free(r[0].a);
	r[0].a = keys(test, NULL, CLUSTER, 0, r[0].nonce);
	KUNIT_EXPECT_EQ(test, seal_enc(&r[0], 1, msg, len, out, dgram), 0);
	vsr_auth_free(r[0].a);
	vsr_auth_free(r[1].a);
}

/* What bind_open() seals: a MACed datagram, an encrypted one, an AUTH. */
enum { BIND_MAC, BIND_ENC, BIND_AUTH, BIND_KINDS };

/* The address that bind_open() changes: none, or one as an end names it. */
enum { BIND_NONE, BIND_FROM, BIND_SELF, BIND_TO, BIND_WHERE };

static const char * const bind_kinds[BIND_KINDS] = {
	"MACed", "encrypted", "AUTH",
};

static const char * const bind_wheres[BIND_WHERE] = {
	"no address", "the sender's at the receiver",
	"the receiver's in its keys", "the receiver's at the sender",
};

/*
 * A message of MSG_LEN bytes, checksums and all (what an encrypted
 * datagram gives back whole): a REQUEST, @id its op.
 */
static size_t msg_whole(u8 *buf, u64 id)
{
	struct vsr_hdr h = {
		.command = VSR_CMD_REQUEST, .cluster = CLUSTER, .op = id,
		.flags = VSR_OP_DATA,
	};

	memset(buf + VSR_HDR_SIZE, 's', MSG_LEN - VSR_HDR_SIZE);
	return vsr_msg_seal(buf, &h, MSG_LEN - VSR_HDR_SIZE);
}

/* bind_open()'s sessions and buffers, off the stack. */
struct bind {
	struct vsr_auth_peer tx, rx;
	u8 msg[MSG_LEN];
	u8 out[MSG_LEN + VSR_AUTH_TAG_SIZE];
	u8 buf[AUTH_LEN + VSR_AUTH_TRAILER_SIZE];
};

/*
 * Replica 0 (X) seals a datagram of kind @kind to replica 1 (Y), which
 * opens it: vsr_auth_open()'s return.  Each end with fresh keys of its
 * own (no session key kept from before) and a copy of its session, and
 * the address @where says changed: its byte @byte flipped, or (@byte ==
 * VSR_AUTH_ADDR_SIZE) replaced by replica 2's.
 */
static int bind_open(struct kunit *test, struct rep *r, const u8 *key,
		     struct bind *b, int kind, int where, size_t byte)
{
	u8 self[VSR_AUTH_ADDR_SIZE], *addr = NULL;
	struct vsr_auth *xa, *ya;
	struct vsr_auth_seen seen;
	int n, ret;
	size_t len;

	b->tx = *sess(&r[0], 1);
	b->rx = *sess(&r[1], 0);
	memcpy(self, r[1].addr, sizeof(self));
	if (where == BIND_FROM)
		addr = b->rx.addr;
	else if (where == BIND_SELF)
		addr = self;
	else if (where == BIND_TO)
		addr = b->tx.addr;
	if (addr && byte < VSR_AUTH_ADDR_SIZE)
		addr[byte] ^= 1 << (byte % 8);
	else if (addr)
		rep_addr(addr, 2);
	KUNIT_ASSERT_EQ(test, msg_whole(b->msg, 1000 + byte), MSG_LEN);
	xa = keys_at(test, key, CLUSTER, r[0].addr, r[0].nonce);
	ya = keys_at(test, key, CLUSTER, self, r[1].nonce);
	switch (kind) {
	case BIND_MAC:
		msg_fill(b->buf, 1000 + byte);
		n = seal(xa, r[0].slot[1], &b->tx, b->buf, MSG_LEN);
		break;
	case BIND_ENC:
		n = seal_enc_to(xa, r[0].slot[1], &b->tx, b->msg, MSG_LEN,
				b->out, b->buf);
		break;
	default:
		len = vsr_auth_hello(&b->tx, r[0].nonce, CLUSTER, 0, r[0].index,
				     b->buf);
		n = seal(xa, r[0].slot[1], &b->tx, b->buf, len);
		break;
	}
	ret = n;
	if (n > 0) {
		len = n;
		ret = vsr_auth_open(ya, r[1].slot[0], &b->rx, r[1].nonce,
				    b->buf, &len, &seen);
	}
	vsr_auth_free(xa);
	vsr_auth_free(ya);
	KUNIT_ASSERT_GT(test, n, 0);
	if (!ret && kind == BIND_ENC)
		KUNIT_EXPECT_MEMEQ(test, b->buf, b->msg, MSG_LEN);
	return ret;
}

/* @y opens @len bytes at @buf from @x, in place: vsr_auth_open()'s return. */
static int open_from(struct rep *y, u32 x, u8 *buf, size_t len)
{
	struct vsr_auth_seen seen;

	return vsr_auth_open(y->a, y->slot[x], sess(y, x), y->nonce, buf, &len,
			     &seen);
}

/*
 * Peer lists in different orders, as after a reconfiguration: X (replica
 * 0) keeps Y (replica 1) at slot 2, Y keeps X at slot 0, each keeps
 * replica 2 elsewhere.  Every pair completes the handshake and exchanges
 * MACed and encrypted datagrams both ways.  The keys name the addresses
 * of the link, not the slots: what X seals for Y does not open at Y as
 * from another address, nor at keys of Y for another address of its own,
 * nor when X's session names another address for Y.  Slots from
 * VSR_MAX_PEERS on have no keys.
 */
static void vsr_auth_peer_order(struct kunit *test)
{
	static const u32 order[3][3] = {
		{ 1, 2, VSR_MAX_PEERS - 1 },
		{ 0, 9, 4 },
		{ 3, 7, 0 },
	};
	struct vsr_auth_peer *xy, *yx;
	struct vsr_auth_seen seen;
	int n, ret, kind, where;
	u8 key[VSR_KEY_LEN];
	struct bind *b;
	struct rep *r;
	size_t len, i;
	u32 x, y;

	r = kunit_kzalloc(test, 3 * sizeof(*r), GFP_KERNEL);
	b = kunit_kzalloc(test, sizeof(*b), GFP_KERNEL);
	KUNIT_ASSERT_TRUE(test, r && b);
	get_random_bytes(key, sizeof(key));
	for (x = 0; x < 3; x++) {
		rep_start(test, &r[x], key, x);
		rep_order(&r[x], order[x]);
	}
	KUNIT_ASSERT_EQ(test, r[0].slot[1], 2u);
	KUNIT_ASSERT_EQ(test, r[1].slot[0], 0u);
	handshake(test, r, 0, 1);
	handshake(test, r, 2, 0);
	handshake(test, r, 1, 2);

	for (x = 0; x < 3; x++)
		for (y = 0; y < 3; y++) {
			if (x == y)
				continue;
			msg_fill(b->buf, 10 * x + y);
			n = seal(r[x].a, r[x].slot[y], sess(&r[x], y), b->buf,
				 MSG_LEN);
			KUNIT_ASSERT_EQ(test, n, DGRAM);
			ret = open_from(&r[y], x, b->buf, n);
			KUNIT_EXPECT_EQ_MSG(test, ret, 0, "MACed %u -> %u", x,
					    y);
			n = msg_whole(b->msg, 100 + 10 * x + y);
			KUNIT_ASSERT_EQ(test, n, MSG_LEN);
			n = seal_enc(&r[x], y, b->msg, MSG_LEN, b->out, b->buf);
			KUNIT_ASSERT_EQ(test, n, DGRAM);
			ret = open_from(&r[y], x, b->buf, n);
			KUNIT_EXPECT_EQ_MSG(test, ret, 0, "encrypted %u -> %u",
					    x, y);
			KUNIT_EXPECT_MEMEQ(test, b->buf, b->msg, MSG_LEN);
		}

	/*
	 * Each address of the link is in every key: one bit of one byte
	 * matters (byte VSR_AUTH_ADDR_SIZE: replica 2's address instead).
	 */
	for (kind = 0; kind < BIND_KINDS; kind++) {
		ret = bind_open(test, r, key, b, kind, BIND_NONE, 0);
		KUNIT_EXPECT_EQ_MSG(test, ret, 0, "%s", bind_kinds[kind]);
		for (where = BIND_FROM; where < BIND_WHERE; where++)
			for (i = 0; i <= VSR_AUTH_ADDR_SIZE; i++) {
				ret = bind_open(test, r, key, b, kind, where,
						i);
				KUNIT_EXPECT_EQ_MSG(test, ret, -EKEYREJECTED,
						    "%s, %s, byte %zu",
						    bind_kinds[kind],
						    bind_wheres[where], i);
			}
	}

	/* No slot VSR_MAX_PEERS, whatever the session. */
	xy = sess(&r[0], 1);
	yx = sess(&r[1], 0);
	msg_fill(b->buf, 50);
	KUNIT_EXPECT_EQ(test, seal(r[0].a, VSR_MAX_PEERS, xy, b->buf, MSG_LEN),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, seal_enc_to(r[0].a, VSR_MAX_PEERS, xy, b->msg,
					  MSG_LEN, b->out, b->buf), -EINVAL);
	n = seal(r[0].a, r[0].slot[1], xy, b->buf, MSG_LEN);
	KUNIT_ASSERT_EQ(test, n, DGRAM);
	len = n;
	KUNIT_EXPECT_EQ(test, vsr_auth_open(r[1].a, VSR_MAX_PEERS, yx,
					    r[1].nonce, b->buf, &len, &seen),
			-EKEYREJECTED);
	KUNIT_EXPECT_EQ(test, open_from(&r[1], 0, b->buf, len), 0);
	for (x = 0; x < 3; x++)
		vsr_auth_free(r[x].a);
}

/* A datagram on the simulated network of vsr_auth_sessions. */
struct dgram {
	u32 from, to;
	bool auth;
	u8 for_nonce[VSR_AUTH_NONCE_SIZE];	/* N_to it was sealed for */
	int len;
	u8 buf[AUTH_LEN + VSR_AUTH_TRAILER_SIZE];
};

#define NET_MAX		64
#define HISTORY_MAX	512
#define ACCEPTED_MAX	4096

/* The glue's rate limits (keys.c), in steps of the model. */
#define AUTH_GAP	10
#define AUTH_EVERY	10

struct anet {
	struct kunit *test;
	struct rnd_state rnd;
	u64 now;		/* steps so far */
	u64 auth_at[3][3];	/* step + 1 of x's last AUTH to y */
	u32 order[3][3];	/* where x keeps its session with y */
	struct rep r[3];
	struct dgram *flight[NET_MAX];
	int nflight;
	struct dgram *history[HISTORY_MAX];
	int nhistory;
	struct {
		u32 to, life;
		u64 id;
	} accepted[ACCEPTED_MAX];
	int naccepted;
	u64 next_id;
	int violations;
};

static u32 rnd(struct anet *n, u32 below)
{
	return prandom_u32_state(&n->rnd) % below;
}

/* A new incarnation of replica @x, its peers in its order. */
static void net_start(struct anet *n, u32 x, const u8 *key)
{
	rep_start(n->test, &n->r[x], key, x);
	rep_order(&n->r[x], n->order[x]);
}

/* @d goes on the network (which owns it now) and into the history. */
static void net_put(struct anet *n, struct dgram *d)
{
	struct dgram *h = kmemdup(d, sizeof(*d), GFP_KERNEL);

	if (h && n->nhistory < HISTORY_MAX) {
		n->history[n->nhistory++] = h;
	} else if (h) {
		u32 i = rnd(n, HISTORY_MAX);

		kfree(n->history[i]);
		n->history[i] = h;
	}
	if (n->nflight < NET_MAX)
		n->flight[n->nflight++] = d;
	else
		kfree(d);
}

static void net_send(struct anet *n, u32 x, u32 y, bool auth)
{
	struct rep *rx = &n->r[x];
	struct dgram *d = kzalloc(sizeof(*d), GFP_KERNEL);

	if (!d)
		return;
	d->from = x;
	d->to = y;
	if (!auth) {
		msg_fill(d->buf, ++n->next_id);
		d->len = seal(rx->a, rx->slot[y], sess(rx, y), d->buf,
			      MSG_LEN);
		if (d->len == -ENOTCONN)
			auth = true;
	}
	if (auth)
		d->len = auth_msg(rx, y, d->buf);
	d->auth = auth;
	memcpy(d->for_nonce, sess(rx, y)->nonce, VSR_AUTH_NONCE_SIZE);
	KUNIT_EXPECT_GT(n->test, d->len, 0);
	if (d->len <= 0) {
		kfree(d);
		return;
	}
	net_put(n, d);
}

/* An AUTH from @x to @y if @gap steps passed since the last (0: now). */
static void net_auth(struct anet *n, u32 x, u32 y, u64 gap)
{
	u64 at = n->auth_at[x][y];

	if (gap && at && n->now + 1 - at < gap)
		return;
	n->auth_at[x][y] = n->now + 1;
	net_send(n, x, y, true);
}

static void net_deliver(struct anet *n, const struct dgram *d)
{
	struct rep *y = &n->r[d->to];
	int ret, action, i;
	u64 id;

	ret = deliver(y, d->from, d->buf, d->len, &action);
	if (action == VSR_AUTH_ANSWER_NOW)
		net_auth(n, d->to, d->from, 0);
	else if (action == VSR_AUTH_ANSWER)
		net_auth(n, d->to, d->from, AUTH_GAP);
	if (ret == -ENOTCONN || ret == -EKEYREJECTED) {
		net_auth(n, d->to, d->from, AUTH_GAP);
		return;
	}
	if (ret || d->auth)
		return;
	/* A data datagram got through: for this incarnation, once. */
	if (memcmp(d->for_nonce, y->nonce, VSR_AUTH_NONCE_SIZE)) {
		n->violations++;
		KUNIT_FAIL(n->test, "%u accepted a datagram sealed for an older incarnation",
			   d->to);
	}
	id = get_unaligned_le64(d->buf + 64);
	for (i = 0; i < n->naccepted; i++)
		if (n->accepted[i].to == d->to && n->accepted[i].life == y->life &&
		    n->accepted[i].id == id) {
			n->violations++;
			KUNIT_FAIL(n->test, "%u accepted datagram %llu twice", d->to,
				   (unsigned long long)id);
		}
	if (n->naccepted < ACCEPTED_MAX) {
		n->accepted[n->naccepted].to = d->to;
		n->accepted[n->naccepted].life = y->life;
		n->accepted[n->naccepted++].id = id;
	}
}

static void net_step(struct anet *n, bool faults)
{
	u32 x = rnd(n, 3), y = (x + 1 + rnd(n, 2)) % 3, i;
	struct dgram *d;

	n->now++;
	switch (rnd(n, faults ? 10 : 6)) {
	case 0:
	case 1:
		net_send(n, x, y, false);
		break;
	case 2:	/* the tick: AUTH to peers without a session */
		for (i = 0; i < 3; i++)
			if (i != x && !sess(&n->r[x], i)->known)
				net_auth(n, x, i, AUTH_EVERY);
		break;
	case 3:
	case 4:
	case 5:
		if (!n->nflight)
			break;
		i = faults ? rnd(n, n->nflight) : 0;
		d = n->flight[i];
		if (faults && !rnd(n, 5) && n->nflight < NET_MAX) {
			net_deliver(n, d);	/* and it stays: a duplicate */
			break;
		}
		memmove(&n->flight[i], &n->flight[i + 1],
			(n->nflight - i - 1) * sizeof(d));
		n->nflight--;
		net_deliver(n, d);
		kfree(d);
		break;
	case 6:	/* loss */
		if (n->nflight) {
			i = rnd(n, n->nflight);
			kfree(n->flight[i]);
			n->flight[i] = n->flight[--n->nflight];
		}
		break;
	case 7:
	case 8:	/* a replay of anything ever sent */
		if (n->nhistory)
			net_deliver(n, n->history[rnd(n, n->nhistory)]);
		break;
	case 9:	/* a restart */
		if (!rnd(n, 8)) {
			u8 key[VSR_KEY_LEN];
			u32 life = n->r[x].life;

			memcpy(key, n->r[x].a->slot[0].key, sizeof(key));
			net_start(n, x, key);
			n->r[x].life = life + 1;
			memset(n->auth_at[x], 0, sizeof(n->auth_at[x]));
		}
		break;
	}
}

/*
 * Steps of a clean network until nothing is in flight, at most
 * DRAIN_MAX: a network that never drains (AUTHs refused, answered,
 * refused ...) is a failure, not a hang.
 */
#define DRAIN_MAX	20000

static void net_drain(struct anet *n)
{
	int step;

	for (step = 0; n->nflight && step < DRAIN_MAX; step++)
		net_step(n, false);
	KUNIT_EXPECT_EQ_MSG(n->test, n->nflight, 0,
			    "still in flight after %d steps", DRAIN_MAX);
}

/* Seeds 1..200, 40 to a case: each well under the hung-task timeout. */
#define SESSION_SEEDS	40
static const u32 session_chunks[] = { 1, 41, 81, 121, 161 };

static void session_chunk_desc(const u32 *first, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "seeds %u-%u", *first,
		 *first + SESSION_SEEDS - 1);
}

KUNIT_ARRAY_PARAM(session_chunks, session_chunks, session_chunk_desc);

static void vsr_auth_sessions(struct kunit *test)
{
	u32 first = *(const u32 *)test->param_value;
	u8 key[VSR_KEY_LEN];
	struct anet *n;
	u32 seed, x, y;
	int i, step;

	n = kzalloc(sizeof(*n), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, n);
	for (seed = first; seed < first + SESSION_SEEDS && !n->violations;
	     seed++) {
		memset(n, 0, sizeof(*n));
		n->test = test;
		prandom_seed_state(&n->rnd, seed);
		get_random_bytes(key, sizeof(key));
		/* Peer lists in three orders, another with each seed. */
		for (x = 0; x < 3; x++)
			for (y = 0; y < 3; y++)
				n->order[x][y] = (5 * y + 7 * x + seed) %
						 VSR_MAX_PEERS;
		for (i = 0; i < 3; i++)
			net_start(n, i, key);
		for (step = 0; step < 400; step++)
			net_step(n, true);
		/* A clean network: every pair gets a session. */
		for (i = 0; i < n->nflight; i++)
			kfree(n->flight[i]);
		n->nflight = 0;
		for (step = 0; step < 300; step++)
			net_step(n, false);
		net_drain(n);
		for (x = 0; x < 3; x++)
			for (y = 0; y < 3; y++)
				KUNIT_EXPECT_TRUE_MSG(test, x == y ||
						      sess(&n->r[x], y)->known,
						      "seed %u: %u has no session with %u",
						      seed, x, y);
		/* ... that works. */
		i = n->naccepted;
		for (x = 0; x < 3; x++)
			net_send(n, x, (x + 1) % 3, false);
		net_drain(n);
		KUNIT_EXPECT_GE_MSG(test, n->naccepted, i + 3, "seed %u", seed);
		for (i = 0; i < n->nflight; i++)
			kfree(n->flight[i]);
		for (i = 0; i < n->nhistory; i++)
			kfree(n->history[i]);
		for (i = 0; i < 3; i++)
			vsr_auth_free(n->r[i].a);
	}
	kfree(n);
}

static struct vsr_auth *change(struct kunit *test, struct rep *r,
			       const struct vsr_key_change *kc)
{
	const char *why = NULL;
	struct vsr_auth *a;

	a = vsr_auth_change(r->a, kc, CLUSTER, r->addr, r->nonce, GFP_KERNEL,
			    &why);
	KUNIT_ASSERT_FALSE(test, IS_ERR(a));
	vsr_auth_free(r->a);
	r->a = a;
	return a;
}

/* Does each of replicas 0 and 1 accept what the other sends? */
static bool accepts(struct kunit *test, struct rep *r)
{
	struct vsr_auth_seen seen;
	int from, ret, ok = 0, n;
	u8 buf[DGRAM];
	size_t len;

	for (from = 0; from < 2; from++) {
		msg_fill(buf, from);
		n = seal(r[from].a, r[from].slot[!from], sess(&r[from], !from),
			 buf, MSG_LEN);
		KUNIT_ASSERT_GT(test, n, 0);
		len = n;
		ret = vsr_auth_open(r[!from].a, r[!from].slot[from],
				    sess(&r[!from], from), r[!from].nonce, buf,
				    &len, &seen);
		KUNIT_EXPECT_TRUE(test, !ret || ret == -ENOKEY || ret == -EKEYREJECTED);
		ok += !ret;
	}
	return ok == 2;
}

/*
 * The procedures of Documentation/vsradm.rst, replica 0 always a step
 * ahead of replica 1 and then a step behind: at every moment each accepts
 * what the other sends.  Sessions survive key changes.
 */
static void vsr_auth_rotation(struct kunit *test)
{
	struct vsr_key_change accept_new = { }, swap = { .swap = true };
	struct vsr_key_change off = { .accept_off = true };
	struct vsr_key_change accept_none = { .accept_none = true };
	struct vsr_key_change none = { .key_none = true };
	u8 k1[VSR_KEY_LEN], k2[VSR_KEY_LEN];
	struct rep *r;
	int step, who;

	r = kunit_kzalloc(test, 2 * sizeof(*r), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, r);
	get_random_bytes(k1, sizeof(k1));
	get_random_bytes(k2, sizeof(k2));
	accept_new.accept_key = k2;

	/* A key to another: K1 -> K2. */
	rep_start(test, &r[0], k1, 0);
	rep_start(test, &r[1], k1, 1);
	handshake(test, r, 0, 1);
	for (step = 0; step < 3; step++) {
		const struct vsr_key_change *kc =
			step == 0 ? &accept_new : step == 1 ? &swap : &off;

		for (who = 0; who < 2; who++) {
			change(test, &r[who], kc);
			KUNIT_EXPECT_TRUE(test, accepts(test, r));
		}
	}
	KUNIT_EXPECT_EQ(test, r[0].a->slot[0].id, vsr_auth_key_id(k2));
	KUNIT_EXPECT_FALSE(test, r[1].a->second);

	/* To no key: K2 -> accepting none -> sending none -> NULL. */
	for (step = 0; step < 3; step++) {
		const struct vsr_key_change *kc =
			step == 0 ? &accept_none : step == 1 ? &swap : &off;

		for (who = 1; who >= 0; who--) {
			change(test, &r[who], kc);
			KUNIT_EXPECT_TRUE(test, accepts(test, r));
		}
	}
	KUNIT_EXPECT_NULL(test, r[0].a);
	KUNIT_EXPECT_NULL(test, r[1].a);

	/* And to a key again: NULL -> K1, the sessions from before. */
	accept_new.accept_key = k1;
	for (step = 0; step < 3; step++) {
		const struct vsr_key_change *kc =
			step == 0 ? &accept_new : step == 1 ? &swap : &off;

		for (who = 0; who < 2; who++) {
			change(test, &r[who], kc);
			KUNIT_EXPECT_TRUE(test, accepts(test, r));
		}
	}
	KUNIT_EXPECT_FALSE(test, vsr_auth_accepts_none(r[1].a));
	change(test, &r[0], &none);
	KUNIT_EXPECT_FALSE(test, accepts(test, r));
	vsr_auth_free(r[0].a);
	vsr_auth_free(r[1].a);
}

static void vsr_auth_bad_changes(struct kunit *test)
{
	u8 key[VSR_KEY_LEN] = { 1 }, nonce[VSR_AUTH_NONCE_SIZE] = { };
	u8 addr[VSR_AUTH_ADDR_SIZE];
	const struct vsr_key_change bad[] = {
		{ .key = key, .key_none = true },
		{ .accept_key = key, .accept_off = true },
		{ .accept_none = true, .accept_off = true },
		{ .swap = true },
		{ .key = key, .swap = true },
	};
	const char *why;
	size_t i;

	rep_addr(addr, 0);
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		why = NULL;
		KUNIT_EXPECT_EQ_MSG(test, PTR_ERR(vsr_auth_change(NULL, &bad[i],
			CLUSTER, addr, nonce, GFP_KERNEL, &why)), -EINVAL,
			"change %zu", i);
		KUNIT_EXPECT_NOT_NULL(test, why);
	}
}

static struct kunit_case vsr_auth_cases[] = {
	KUNIT_CASE(vsr_auth_known_answers),
	KUNIT_CASE(vsr_auth_forgeries),
	KUNIT_CASE(vsr_auth_window),
	KUNIT_CASE(vsr_auth_encryption),
	KUNIT_CASE(vsr_auth_peer_order),
	KUNIT_CASE_PARAM(vsr_auth_sessions, session_chunks_gen_params),
	KUNIT_CASE(vsr_auth_rotation),
	KUNIT_CASE(vsr_auth_bad_changes),
	{}
};

static struct kunit_suite vsr_auth_suite = {
	.name = "vsr_auth",
	.test_cases = vsr_auth_cases,
};

kunit_test_suite(vsr_auth_suite);
