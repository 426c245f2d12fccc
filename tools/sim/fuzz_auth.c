// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_auth.c - libFuzzer harness for the authenticated receive path: a
 * datagram goes through the checks of node.c's vsr_rx_work(), the sender's
 * replica index and cluster id, then vsr_auth_open() and vsr_msg_decode().
 *
 * The input picks the receiver's keys, how the datagram is made and the
 * message in it:
 *
 *   0      & 3: the receiver's keys: none, K1, K1 + accept K2, K1 + accept
 *          none (made by vsr_auth_change(), one change after another);
 *          & 4: then a key-swap; >> 5: the key the sender seals with
 *          (fuzz_tx_key[]): K1, K2, K3 (which no receiver has) or none
 *   1      the mode (enum fuzz_mode)
 *   2      & 15: n_peers - 1
 *   3      & 15: the receiver, >> 4: the sender (modulo n_peers)
 *   4..11  the mode's parameters
 *   12     how vsr_auth_seal() is given the message: % 3 + 1 pieces,
 *          cut where bits 2-4 and 5-7 say
 *   13     the message, by & 3: 0 or 1 a PREPARE or NEWSTATE with
 *          entries (fuzz_build.h; at most 8 unless & 0x1c is 0x1c: an
 *          entry can have 500 bytes, and hashing them takes time); 2 a
 *          command without a body; 3 the rest of the input, resealed
 *   14..   the message's input
 *
 * The sender's index is below n_peers, as node.c's address lookup makes
 * sure.  (vsr_auth_open() does not check that itself: from an index in
 * n_peers..VSR_MAX_PEERS - 1 it accepts a tag made with the all-zero link
 * key it holds there.)
 *
 * The harness knows what vsr_auth_open() must do from the description in
 * auth.h, independently of auth.c: it derives the link keys and key ids,
 * computes the tag over the datagram and so knows whether a trailer is
 * genuine.  It aborts if
 *
 *  - vsr_auth_open() does not return what that description says, or @seen
 *    does not say what the datagram claims;
 *  - an accepted authenticated datagram's stripped length is not its
 *    header's size, or a rejected one's length changed;
 *  - a datagram is accepted without a trailer by keys that do not accept
 *    unauthenticated datagrams;
 *  - a datagram mangled after sealing (bits flipped, cut, extended) or
 *    sealed for another link, cluster or epoch is accepted as
 *    authenticated, or at all by keys that do not accept unauthenticated
 *    datagrams;
 *  - a genuine datagram is not accepted, or decodes otherwise than the
 *    message it carries;
 *  - vsr_auth_seal() gives another trailer for the message in pieces.
 */
#include <linux/err.h>

#include "auth.h"
#include "wire.h"
#include "fuzz.h"
#include "fuzz_build.h"

enum fuzz_mode {
	FUZZ_SEAL,		/* sealed, delivered as is */
	FUZZ_SEAL2,		/* (twice as likely) */
	FUZZ_FLIP,		/* then 1 to 4 bits flipped */
	FUZZ_CUT,		/* then 1 to 40 bytes cut off */
	FUZZ_EXTEND,		/* then 1 to 40 bytes appended */
	FUZZ_OTHER_LINK,	/* sealed for another link, cluster or epoch */
	FUZZ_TRAILER,		/* the fuzzer's trailer of 0 to 40 bytes */
	FUZZ_RAW,		/* all of it the fuzzer's (but index, cluster) */
	FUZZ_MODES
};

enum fuzz_key { FUZZ_K1, FUZZ_K2, FUZZ_K3, FUZZ_NONE };

/* The key the sender seals with, by byte 0 >> 5. */
static const enum fuzz_key fuzz_tx_key[8] = {
	FUZZ_K1, FUZZ_K1, FUZZ_K1, FUZZ_K2, FUZZ_K2, FUZZ_K3, FUZZ_NONE,
	FUZZ_NONE,
};

/* The datagram may carry a trailer and then the fuzzer's bytes. */
#define FUZZ_DGRAM_MAX	(VSR_MSG_MAX + VSR_AUTH_TRAILER_SIZE)
#define FUZZ_EXTRA_MAX	40
#define LINK_LABEL	"vsr link key 1"
#define ID_LABEL	"vsr key id 1"

static u8 fuzz_keys[3][VSR_KEY_LEN];
static u32 fuzz_ids[3];

static unsigned long long fuzz_stats[FUZZ_MODES][6];
enum { ST_DROP, ST_AUTH, ST_UNAUTH, ST_NOKEY, ST_REJECTED, ST_DECODED };

struct fuzz_rx {
	struct vsr_auth *a;
	u8 accept;		/* bit k: key k is accepted */
	bool accept_none;
};

#define FUZZ_ASSERT(c) do {						\
	if (!(c)) {							\
		fprintf(stderr, "fuzz_auth: %s failed at line %d\n",	\
			#c, __LINE__);					\
		abort();						\
	}								\
} while (0)

static void fuzz_init(void)
{
	static bool done;
	u8 out[BLAKE2S_HASH_SIZE];
	int k, i;

	if (done)
		return;
	done = true;
	for (k = 0; k < 3; k++) {
		for (i = 0; i < VSR_KEY_LEN; i++)
			fuzz_keys[k][i] = 0x11 * (k + 1) + 7 * i;
		/* auth.h: the first 32 bits of BLAKE2s over a constant. */
		blake2s(out, ID_LABEL, fuzz_keys[k], sizeof(out),
			sizeof(ID_LABEL) - 1, VSR_KEY_LEN);
		fuzz_ids[k] = get_unaligned_le32(out);
		FUZZ_ASSERT(vsr_auth_key_id(fuzz_keys[k]) == fuzz_ids[k]);
	}
	FUZZ_ASSERT(fuzz_ids[0] != fuzz_ids[1] && fuzz_ids[0] != fuzz_ids[2] &&
		    fuzz_ids[1] != fuzz_ids[2]);
}

/* vsr_auth_change() from @old, which it does not free. */
static struct vsr_auth *fuzz_change(const struct vsr_auth *old,
				    const struct vsr_key_change *kc, u64 cluster,
				    u32 epoch, u32 replica, u32 n_peers)
{
	const char *why = NULL;
	struct vsr_auth *a;

	a = vsr_auth_change(old, kc, cluster, epoch, replica, n_peers,
			    GFP_KERNEL, &why);
	FUZZ_ASSERT(!IS_ERR(a));
	return a;
}

/*
 * The receiver's keys: made once for each state, replica and n_peers, by
 * the changes of the rotation procedures (Documentation/vsradm.rst).
 */
static const struct fuzz_rx *fuzz_rx_keys(unsigned int state, bool swap,
					  u32 replica, u32 n_peers)
{
	static struct fuzz_rx cache[4][2][VSR_MAX_PEERS][VSR_MAX_PEERS];
	static bool made[4][2][VSR_MAX_PEERS][VSR_MAX_PEERS];
	struct fuzz_rx *rx = &cache[state][swap][replica][n_peers - 1];
	struct vsr_key_change kc = { .key = fuzz_keys[FUZZ_K1] };
	struct vsr_auth *a = NULL, *b;
	const char *why = NULL;

	if (made[state][swap][replica][n_peers - 1])
		return rx;
	made[state][swap][replica][n_peers - 1] = true;
	if (state) {
		a = fuzz_change(NULL, &kc, CLUSTER, 0, replica, n_peers);
		rx->accept = 1 << FUZZ_K1;
	}
	memset(&kc, 0, sizeof(kc));
	if (state == 2) {
		kc.accept_key = fuzz_keys[FUZZ_K2];
		rx->accept |= 1 << FUZZ_K2;
	}
	kc.accept_none = state == 3;
	if (state >= 2) {
		b = fuzz_change(a, &kc, CLUSTER, 0, replica, n_peers);
		vsr_auth_free(a);
		a = b;
	}
	rx->accept_none = !state || state == 3;
	if (swap) {
		/* Refused without a second key; the keys stay. */
		memset(&kc, 0, sizeof(kc));
		kc.swap = true;
		b = vsr_auth_change(a, &kc, CLUSTER, 0, replica, n_peers,
				    GFP_KERNEL, &why);
		if (state < 2) {
			FUZZ_ASSERT(PTR_ERR(b) == -EINVAL && why);
		} else {
			FUZZ_ASSERT(!IS_ERR_OR_NULL(b));
			vsr_auth_free(a);
			a = b;
		}
	}
	FUZZ_ASSERT(!state == !a);
	rx->a = a;
	return rx;
}

/* A sender's keys: sending with @key, nothing else accepted. */
static struct vsr_auth *fuzz_tx_keys(enum fuzz_key key, u64 cluster,
				     u32 epoch, u32 replica, u32 n_peers)
{
	struct vsr_key_change kc = { };

	if (key == FUZZ_NONE)
		kc.key_none = true;
	else
		kc.key = fuzz_keys[key];
	return fuzz_change(NULL, &kc, cluster, epoch, replica, n_peers);
}

/*
 * The same, made once, for our cluster and epoch (@var 0), another
 * cluster (1) or another epoch (2).
 */
static const struct vsr_auth *fuzz_tx_cached(enum fuzz_key key,
					     unsigned int var, u32 replica,
					     u32 n_peers)
{
	static struct vsr_auth *cache[4][3][VSR_MAX_PEERS][VSR_MAX_PEERS];
	static bool made[4][3][VSR_MAX_PEERS][VSR_MAX_PEERS];
	struct vsr_auth **a = &cache[key][var][replica][n_peers - 1];

	if (!made[key][var][replica][n_peers - 1]) {
		made[key][var][replica][n_peers - 1] = true;
		*a = fuzz_tx_keys(key, var == 1 ? ~CLUSTER : CLUSTER,
				  var == 2 ? 1 : 0, replica, n_peers);
	}
	return *a;
}

/* auth.h: the tag of @buf (@size bytes and a key id) from @from to @to. */
static void fuzz_tag(u8 tag[VSR_AUTH_TAG_SIZE], enum fuzz_key key,
		     u32 from, u32 to, const u8 *buf, u32 size)
{
	u8 msg[sizeof(LINK_LABEL) - 1 + 8 + 4 + 2], link[BLAKE2S_KEY_SIZE];
	size_t n = sizeof(LINK_LABEL) - 1;

	memcpy(msg, LINK_LABEL, n);
	put_unaligned_le64(CLUSTER, msg + n);
	put_unaligned_le32(0, msg + n + 8);
	msg[n + 12] = from;
	msg[n + 13] = to;
	blake2s(link, msg, fuzz_keys[key], sizeof(link), sizeof(msg),
		VSR_KEY_LEN);
	blake2s(tag, buf, link, VSR_AUTH_TAG_SIZE, size + 4, sizeof(link));
}

/*
 * What vsr_auth_open() must return for @buf (@len bytes) from @from to
 * the receiver @rx, replica @to; sets *@genuine if the trailer is.
 */
static int fuzz_expect(const struct fuzz_rx *rx, u32 from, u32 to,
		       const u8 *buf, size_t len, bool *genuine)
{
	u32 size = vsr_wire_size(buf), id;
	u8 tag[VSR_AUTH_TAG_SIZE];
	int k;

	*genuine = false;
	if (len != (size_t)size + VSR_AUTH_TRAILER_SIZE)
		return rx->accept_none ? 0 : -ENOKEY;
	id = get_unaligned_le32(buf + size);
	for (k = 0; k < 3; k++) {
		if (!(rx->accept & 1 << k) || fuzz_ids[k] != id)
			continue;
		fuzz_tag(tag, k, from, to, buf, size);
		*genuine = !memcmp(tag, buf + size + 4, sizeof(tag));
		return *genuine ? 0 : -EKEYREJECTED;
	}
	return -ENOKEY;
}

/* A message with no body: the commands that have none. */
static size_t fuzz_header_only(u8 *buf, const u8 *in, size_t n)
{
	static const u8 cmds[] = {
		VSR_CMD_PREPAREOK, VSR_CMD_COMMIT, VSR_CMD_STARTVIEWCHANGE,
		VSR_CMD_DOVIEWCHANGE, VSR_CMD_STARTVIEW, VSR_CMD_GETSTATE,
		VSR_CMD_RECOVERY,
	};
	struct vsr_hdr h = { };
	u8 b[4] = { };

	memcpy(b, in, min(n, sizeof(b)));
	h.command = cmds[b[0] % ARRAY_SIZE(cmds)];
	h.view = b[1];
	h.op = b[2];
	h.commit = b[3] % (h.op + 1);
	return vsr_msg_seal(buf, &h, 0);
}

/*
 * The message from @replica, in @buf: built, or the fuzzer's bytes with
 * the header repaired.  Return: its length (0: none).
 */
static size_t fuzz_message(u8 *buf, u8 kind, const u8 *in, size_t n,
			   u32 replica)
{
	struct vsr_hdr h;
	size_t len;

	switch (kind & 3) {
	case 0:
	case 1:
		/* Up to 8 entries (4 kB), unless kind & 0x1c is 0x1c. */
		len = fuzz_build(buf, in, (kind & 0x1c) == 0x1c ? n :
				 min(n, (size_t)30));
		if (len)
			break;
		fallthrough;
	case 2:
		len = fuzz_header_only(buf, in, n);
		break;
	default:
		len = min(n, (size_t)VSR_MSG_BUILD_MAX);
		if (len < VSR_HDR_SIZE)
			return 0;
		memcpy(buf, in, len);
		break;
	}
	/* From @replica, in our cluster (node.c checks both first). */
	vsr_hdr_get(buf, &h);
	h.replica = replica;
	h.cluster = CLUSTER;
	return vsr_msg_seal(buf, &h, len - VSR_HDR_SIZE);
}

/* Seal @len bytes at @buf in 1 to 3 pieces, as @split says. */
static size_t fuzz_seal(const struct vsr_auth *a, u32 to, u8 *buf,
			size_t len, u8 split)
{
	u8 whole[VSR_AUTH_TRAILER_SIZE];
	struct kvec iov[3];
	size_t nr = 1 + split % 3, c1, c2, t;

	c1 = len * ((split >> 2) & 7) / 8;
	c2 = c1 + (len - c1) * ((split >> 5) & 7) / 8;
	iov[0] = (struct kvec){ .iov_base = buf, .iov_len = nr > 1 ? c1 : len };
	iov[1] = (struct kvec){ .iov_base = buf + c1,
				.iov_len = (nr > 2 ? c2 : len) - c1 };
	iov[2] = (struct kvec){ .iov_base = buf + c2, .iov_len = len - c2 };
	t = vsr_auth_seal(a, to, iov, nr, buf + len);
	FUZZ_ASSERT(t == (a && a->slot[0].set ? VSR_AUTH_TRAILER_SIZE : 0));
	if (nr > 1) {
		/* In one piece: the same trailer. */
		iov[0] = (struct kvec){ .iov_base = buf, .iov_len = len };
		FUZZ_ASSERT(vsr_auth_seal(a, to, iov, 1, whole) == t);
		FUZZ_ASSERT(!memcmp(whole, buf + len, t));
	}
	return len + t;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static u8 msg[VSR_MSG_MAX + 64], dgram[FUZZ_DGRAM_MAX + FUZZ_EXTRA_MAX];
	static u8 sealed[FUZZ_DGRAM_MAX];
	u8 hdr[14] = { }, *copy;
	const u8 *p = hdr + 4, *in;
	unsigned int mode, from, to, n_peers, i;
	enum fuzz_key txk;
	const struct fuzz_rx *rx;
	const struct vsr_auth *tx;
	struct vsr_auth_seen seen;
	size_t msg_len, len, len0, n;
	bool mangled = false, genuine;
	struct vsr_msg m, m0;
	int ret, want, dec;

	fuzz_init();
	memcpy(hdr, data, min(size, sizeof(hdr)));
	in = size > sizeof(hdr) ? data + sizeof(hdr) : NULL;
	n = size > sizeof(hdr) ? size - sizeof(hdr) : 0;
	mode = hdr[1] % FUZZ_MODES;
	n_peers = 1 + (hdr[2] & 15);
	to = (hdr[3] & 15) % n_peers;
	from = (hdr[3] >> 4) % n_peers;
	txk = fuzz_tx_key[hdr[0] >> 5];
	rx = fuzz_rx_keys(hdr[0] & 3, hdr[0] & 4, to, n_peers);
	FUZZ_ASSERT(vsr_auth_accepts_none(rx->a) == rx->accept_none);

	msg_len = fuzz_message(msg, hdr[13], in ? in : hdr, n, from);
	if (!msg_len)
		return 0;
	memcpy(dgram, msg, msg_len);
	tx = fuzz_tx_cached(txk, 0, from, n_peers);

	switch (mode) {
	case FUZZ_SEAL:
	case FUZZ_SEAL2:
		len = fuzz_seal(tx, to, dgram, msg_len, hdr[12]);
		break;
	case FUZZ_FLIP:
		len = fuzz_seal(tx, to, dgram, msg_len, hdr[12]);
		memcpy(sealed, dgram, len);
		for (i = 0; i <= (p[0] & 3); i++) {
			u16 v = p[1 + i] | p[7 - i] << 8;
			size_t pos = (v & 1) ? len - 1 - (v >> 1) % min(len, 20ul) :
				     (v >> 1) % len;

			dgram[pos] ^= 1u << ((p[0] >> 2) + i) % 8;
		}
		/* (Flips of one bit twice leave it as it was.) */
		mangled = memcmp(dgram, sealed, len);
		break;
	case FUZZ_CUT:
		len = fuzz_seal(tx, to, dgram, msg_len, hdr[12]);
		len -= min(len, 1 + p[0] % (size_t)FUZZ_EXTRA_MAX);
		mangled = true;
		break;
	case FUZZ_EXTEND:
		len = fuzz_seal(tx, to, dgram, msg_len, hdr[12]);
		for (i = 0; i <= p[0] % FUZZ_EXTRA_MAX; i++)
			dgram[len++] = p[1 + i % 7];
		mangled = true;
		break;
	case FUZZ_OTHER_LINK: {
		u32 f = from, t = to, var = 0, v = p[0] % 5;

		if (n_peers < 2 || (v == 4 && from == to))
			v = 1 + p[0] % 2;
		switch (v) {
		case 0:		/* another sender */
			f = (from + 1 + p[1] % (n_peers - 1)) % n_peers;
			break;
		case 1:		/* another cluster */
		case 2:		/* another epoch */
			var = v;
			break;
		case 3:		/* to another replica */
			t = (to + 1 + p[1] % (n_peers - 1)) % n_peers;
			break;
		default:	/* our own, reflected */
			f = to;
			t = from;
			break;
		}
		len = fuzz_seal(fuzz_tx_cached(txk, var, f, n_peers), t,
				dgram, msg_len, hdr[12]);
		mangled = true;
		break;
	}
	case FUZZ_TRAILER: {
		size_t t = (p[0] & 1) ? VSR_AUTH_TRAILER_SIZE :
			   (p[0] >> 1) % (FUZZ_EXTRA_MAX + 1);
		u32 id = (p[1] & 3) < 3 ? fuzz_ids[p[1] & 3] :
			 get_unaligned_le32(p + 2);
		u8 trailer[FUZZ_EXTRA_MAX];

		put_unaligned_le32(id, trailer);
		for (i = 4; i < t; i++)
			trailer[i] = p[i % 8] ^ i;
		memcpy(dgram + msg_len, trailer, t);
		len = msg_len + t;
		break;
	}
	default:
		len = min(n, sizeof(dgram));
		if (!in || len < VSR_HDR_SIZE)
			return 0;
		memcpy(dgram, in, len);
		dgram[offsetof(struct vsr_wire_hdr, replica)] = from;
		put_unaligned_le64(CLUSTER, dgram +
				   offsetof(struct vsr_wire_hdr, cluster));
		break;
	}
	/* A sender without a key sent the message as it was. */
	if (txk == FUZZ_NONE)
		mangled = false;

	/* node.c: what the socket cannot take, the sender and cluster. */
	if (len < VSR_HDR_SIZE || len > FUZZ_DGRAM_MAX ||
	    vsr_wire_replica(dgram) != from ||
	    vsr_wire_cluster(dgram) != CLUSTER) {
		fuzz_stats[mode][ST_DROP]++;
		return 0;
	}
	/* Exact-size heap copy: any over-read is an ASan report. */
	copy = malloc(len);
	memcpy(copy, dgram, len);
	len0 = len;
	want = fuzz_expect(rx, from, to, copy, len, &genuine);
	ret = vsr_auth_open(rx->a, from, copy, &len, &seen);

	FUZZ_ASSERT(ret == want);
	FUZZ_ASSERT(!memcmp(copy, dgram, len0));
	if (len0 == (size_t)vsr_wire_size(copy) + VSR_AUTH_TRAILER_SIZE) {
		FUZZ_ASSERT(seen.auth == 2);
		FUZZ_ASSERT(seen.id == get_unaligned_le32(copy +
							 vsr_wire_size(copy)));
	} else {
		FUZZ_ASSERT(seen.auth == (len0 == vsr_wire_size(copy)));
		FUZZ_ASSERT(!seen.id);
	}
	if (ret) {
		FUZZ_ASSERT(len == len0);
	} else if (seen.auth == 2) {
		/* Authenticated: the trailer stripped, the message left. */
		FUZZ_ASSERT(genuine);
		FUZZ_ASSERT(len == vsr_wire_size(copy));
		FUZZ_ASSERT(len0 == len + VSR_AUTH_TRAILER_SIZE);
	} else {
		/* Unauthenticated: only by keys that take them. */
		FUZZ_ASSERT(rx->accept_none);
		FUZZ_ASSERT(len == len0);
	}
	if (mangled) {
		FUZZ_ASSERT(ret || seen.auth != 2);
		FUZZ_ASSERT(ret || rx->accept_none);
	}
	if ((mode == FUZZ_SEAL || mode == FUZZ_SEAL2) && txk != FUZZ_NONE &&
	    rx->accept & 1 << txk) {
		FUZZ_ASSERT(!ret && seen.auth == 2 && seen.id == fuzz_ids[txk]);
		FUZZ_ASSERT(len == msg_len);
	}

	fuzz_stats[mode][!ret ? (seen.auth == 2 ? ST_AUTH : ST_UNAUTH) :
			ret == -ENOKEY ? ST_NOKEY : ST_REJECTED]++;
	if (!ret) {
		dec = vsr_msg_decode(copy, len, CLUSTER, &m);
		if (!dec) {
			fuzz_stats[mode][ST_DECODED]++;
			FUZZ_ASSERT(m.h.size == len && m.h.replica == from);
			FUZZ_ASSERT(m.body + m.body_len == copy + len);
		}
		/* A genuine datagram decodes as the message in it. */
		if (seen.auth == 2 && mode != FUZZ_RAW && mode != FUZZ_TRAILER) {
			FUZZ_ASSERT(len == msg_len && !memcmp(copy, msg, len));
			FUZZ_ASSERT(vsr_msg_decode(msg, msg_len, CLUSTER,
						   &m0) == dec);
		}
	}
	free(copy);
	return 0;
}

void fuzz_report(void)
{
	static const char * const modes[FUZZ_MODES] = {
		"seal", "seal", "flip", "cut", "extend", "other-link",
		"trailer", "raw",
	};
	int i;

	printf("%-10s %9s %9s %9s %9s %9s %9s\n", "mode", "dropped",
	       "auth", "unauth", "nokey", "rejected", "decoded");
	for (i = 0; i < FUZZ_MODES; i++)
		printf("%-10s %9llu %9llu %9llu %9llu %9llu %9llu\n",
		       modes[i], fuzz_stats[i][ST_DROP], fuzz_stats[i][ST_AUTH],
		       fuzz_stats[i][ST_UNAUTH], fuzz_stats[i][ST_NOKEY],
		       fuzz_stats[i][ST_REJECTED], fuzz_stats[i][ST_DECODED]);
}
