// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_auth.c - libFuzzer harness for datagram authentication (auth.h):
 * two replicas of one cluster, each the other's peer, run a script that
 * the input writes, over a network that the script is: what is sent is
 * kept, and delivered when the script says, as often as it says, cut,
 * flipped or resealed wrongly, beside forgeries and the fuzzer's bytes.
 *
 * Each datagram goes through the receive path of node.c's vsr_rx_work():
 * the sender's replica index and the cluster id, vsr_auth_open() (what
 * vsr_keys_rx() calls), vsr_msg_decode(), and for an AUTH
 * vsr_auth_handshake() (as vsr_keys_handshake()), whose answer is built
 * by vsr_auth_hello() and sealed by vsr_auth_seal(), as keys.c does.
 * (Not the wire-version cap: both replicas speak format 2.)
 *
 * The input:
 *
 *   0      & 7: the first replica's keys, >> 3 & 7: the second's
 *          (fz_states[], each made by vsr_auth_change() as vsradm's
 *          procedures make it); & 0x40: start with a handshake; & 0x80:
 *          an AUTH that is answered gets the answer at once
 *   1      & 15: n_peers - 2 (modulo VSR_MAX_PEERS - 1); & 0x10: a
 *          datagram that a session would have let through is answered
 *          with an AUTH (vsr_keys_rx_refused()); & 0x20: start with the
 *          sessions set directly; & 0x40, & 0x80: the first, the second
 *          replica encrypts (vsr_keys_seal()'s rule: to a peer that
 *          decrypts, with vsr_auth_seal_encrypted(); to one that does not,
 *          nothing)
 *   2      & 15, >> 4: the two replicas' indices (modulo n_peers; the
 *          second moves on if they are the same), which name their
 *          addresses too (fz_addr(): what the keys name)
 *   3      the data message, by & 3: 0 or 1 a PREPARE or NEWSTATE with
 *          entries (fuzz_build.h; at most 8 unless & 0x1c is 0x1c: an
 *          entry can have 500 bytes, and hashing them takes time); 2 a
 *          command without a body; 3 the message input, resealed (which
 *          may be an AUTH); & 0x20: IPv6 addresses, else IPv4
 *   4      how vsr_auth_seal() is given a datagram: % 3 + 1 pieces, the
 *          header in the first, cut where bits 2-4 and 5-7 say
 *   5      % 32: the number of operations - 1; >> 5: the slots at which
 *          the replicas keep their sessions with each other (each its
 *          own list of peers; 0: each at the other's index, else
 *          elsewhere, as after a reconfiguration)
 *   6..    the operations, 4 bytes each: what (& 0x3f: enum fz_op),
 *          which replica (& 0x80: the second), whether the glue's rate
 *          limit lets an answer go (& 0x40), and three parameters
 *   rest   the message input (also the bytes of FZ_FORGE's raw datagram)
 *
 * The harness keeps its own account of what each session must be, from
 * the rules of auth.h and protocol.rst and the tags computed from the
 * formulas in auth.h (independently of auth.c), and aborts if
 *
 *  - a return value is not one that auth.h or wire.c documents, or
 *    vsr_auth_open() does not return what the account says, vsr_auth_seal()
 *    gives another trailer, or another one for the datagram in pieces,
 *    vsr_auth_handshake() adopts, answers or says the AUTH is fresh
 *    otherwise, vsr_auth_hello()
 *    says something else, or a session is not what the account says
 *    (its nonce, challenges, counter, highest counter, window);
 *  - an authenticated data datagram is accepted that is not one that the
 *    sender's incarnation whose nonce the receiver adopted sealed for this
 *    incarnation of the receiver, or whose counter this incarnation
 *    accepted before (from that sender's incarnation), or its stripped
 *    length is not its header's size;
 *  - an authenticated AUTH is accepted that a replica did not seal as is;
 *  - an unauthenticated datagram is accepted by keys that accept none;
 *  - a data datagram that was accepted is delivered again while the
 *    session is the same, and vsr_auth_open() says other than
 *    -EKEYEXPIRED;
 *  - an AUTH made before the receiver last renewed its challenge to the
 *    sender changes the nonce it adopted, or is said to be fresh (which
 *    makes the glue take the peer for alive);
 *  - a nonce that a receiver adopted and then replaced is adopted again
 *    in the same incarnation (with a new window), unless it adopted one
 *    from an unauthenticated AUTH in that incarnation (below);
 *  - a handshake over a clean network between replicas that accept each
 *    other's keys leaves one without the other's nonce, or a datagram
 *    sealed in such a session and delivered at once is not accepted;
 *  - an encrypted datagram is not the one computed here from auth.h's
 *    formulas (key E, nonce, additional data, checksums zeroed), or one
 *    that is accepted does not come back as the message sent, checksums
 *    and all; what a session says the peer can decrypt is not what the
 *    AUTH it was adopted from said.
 *
 * Keys that accept none adopt a nonce from an unauthenticated AUTH too,
 * which anyone on the path can make (FZ_ATTACK), but never in place of an
 * authenticated session (vsr_auth_handshake()); a nonce adopted again
 * after such an adoption is counted as "re-adoptions waived", and the
 * replay invariants still hold for it.  FUZZ_AUTH_STRICT=0 exempts that
 * receiver's incarnation from them, as the harness did before auth.c
 * refused it (and a replay got through).  FUZZ_AUTH_BLACKBOX=1 leaves out the first
 * item of the list, the tags computed here and the account's predictions
 * (the account then follows what auth.c does), to see what the other
 * invariants catch alone.  FUZZ_AUTH_TRACE=1 prints what each input does.
 */
#include <linux/bitmap.h>
#include <linux/err.h>
#include <crypto/chacha20poly1305.h>

#include "auth.h"
#include "wire.h"
#include "fuzz.h"
#include "fuzz_build.h"

#define NONCE		VSR_AUTH_NONCE_SIZE
#define TRAILER		VSR_AUTH_TRAILER_SIZE
#define AUTH_LEN	(VSR_HDR_SIZE + VSR_AUTH_BODY_SIZE)
/* A datagram may carry a trailer and then the fuzzer's bytes. */
#define FZ_DGRAM_MAX	(VSR_MSG_MAX + TRAILER)
#define FZ_EXTRA_MAX	40
#define FZ_OPS_MAX	32
#define FZ_HIST_MAX	512
#define FZ_ACC_MAX	1024
#define FZ_ADOPT_MAX	64
/* AUTHs answered at once, one answer after another, at most. */
#define FZ_DEPTH_MAX	8
/*
 * Lives no incarnation reaches: the nonces of forgeries (+ 0..255), the
 * attacker's (+ 256..511) and stale sessions' (+ 512..767).
 */
#define FZ_BOGUS_LIFE	1000
#define FZ_CACHE	16384
#define LINK_LABEL	"vsr link key 2"
#define SENDER_LABEL	"vsr sender key 2"
#define ENC_LABEL	"vsr encrypt key 2"
#define CLEAR		VSR_AUTH_CLEAR
#define AD_LEN		(CLEAR + 12 + NONCE)
#define ID_LABEL	"vsr key id 1"
/* An address as auth.h names it: family, port, address, zeros. */
#define ADDR		24
static_assert(ADDR == VSR_AUTH_ADDR_SIZE);

enum fz_key { FZ_K1, FZ_K2, FZ_K3, FZ_NONE };

/* What a replica's keys are: the key sent with, those accepted. */
struct fz_state {
	enum fz_key send;
	u8 accept;		/* bit k: key k */
	bool accept_none;
};

/* Made by fz_make_keys(), in this order. */
static const struct fz_state fz_states[8] = {
	{ FZ_NONE, 0, true },				/* no keys */
	{ FZ_K1, 1 << FZ_K1, false },			/* key K1 */
	{ FZ_K1, 1 << FZ_K1 | 1 << FZ_K2, false },	/* accept-key K2 */
	{ FZ_K1, 1 << FZ_K1, true },			/* accept-key-none */
	{ FZ_K2, 1 << FZ_K1 | 1 << FZ_K2, false },	/* 2, key-swap */
	{ FZ_NONE, 1 << FZ_K1, true },			/* 3, key-swap */
	{ FZ_K2, 1 << FZ_K2, false },			/* 4, accept-key-off */
	{ FZ_K3, 1 << FZ_K1 | 1 << FZ_K3, false },	/* accept-key K3, key-swap */
};

enum fz_op {
	FZ_SEND,	/* a data datagram (an AUTH instead without a session) */
	FZ_SEND2,
	FZ_SEND3,
	FZ_AUTH,	/* an AUTH, as the tick sends one */
	FZ_DELIVER,	/* a datagram sent before, once more */
	FZ_DELIVER2,
	FZ_MANGLE,	/* one sent before, changed */
	FZ_MANGLE2,
	FZ_FORGE,	/* sealed wrongly, or the fuzzer's bytes */
	FZ_FLUSH,	/* what was not delivered yet, in order or not */
	FZ_HANDSHAKE,	/* AUTHs back and forth over a clean network */
	FZ_RESTART,	/* a new incarnation */
	FZ_SESSION,	/* a session set directly, or a counter jump */
	FZ_KEYS,	/* a key change (sessions stay) */
	FZ_ATTACK,	/* an unauthenticated AUTH echoing a challenge seen */
	FZ_OPS
};

static const char * const fz_op_names[FZ_OPS] = {
	"send", "send", "send", "auth", "deliver", "deliver", "mangle",
	"mangle", "forge", "flush", "handshake", "restart", "session",
	"keys", "attack",
};

/* A datagram a replica sent (as it sent it), on the network for good. */
struct fz_dgram {
	u8 *buf;
	size_t len;
	u32 crc;		/* of buf, to find it fast */
	u8 from;		/* which replica sent it, 0 or 1 */
	bool handshake;		/* an AUTH */
	bool hello;		/* vsr_auth_hello()'s (else the data message) */
	bool trailer;		/* sealed with a key */
	u32 life;		/* the sender's incarnation */
	u8 sealer[NONCE];	/* its nonce */
	bool for_known;		/* data: the session it was sealed in ... */
	u8 for_nonce[NONCE];	/* ... and the receiver's nonce there */
	u64 ctr;
	u32 epoch;		/* AUTH: the receiver's challenge epoch then */
	bool delivered;
};

/* What a session must be (struct vsr_auth_peer), as the harness sees it. */
struct fz_session {
	bool known;
	bool known_auth;	/* only an authenticated AUTH replaces it */
	bool decrypts;		/* the AUTH adopted said so */
	u8 nonce[NONCE];
	u8 challenge[NONCE];
	u8 heard[NONCE];
	u8 answered[NONCE];
	u64 tx;
	u64 top;
	u64 acc[FZ_ACC_MAX];	/* counters accepted since the adoption */
	unsigned int nacc;
};

struct fz_rep {
	u32 index;
	u8 addr[ADDR];		/* fz_addr() of @index */
	u32 slot;		/* where it keeps its session with the other */
	unsigned int state;	/* fz_states[] */
	u32 life;
	u8 nonce[NONCE];
	const struct vsr_auth *a;
	struct vsr_auth_peer peer;	/* its session with the other */
	struct fz_session m;		/* what that must be */
	u32 epoch;		/* its challenges to the other so far */
	u8 adopted[FZ_ADOPT_MAX][NONCE];	/* nonces adopted this life */
	unsigned int nadopted;
	bool unauth;		/* adopted from an unauthenticated AUTH */
	bool waived;		/* a re-adoption after that: see the top */
};

/* A counter accepted: by @to in its life @life, from incarnation @sealer. */
struct fz_acc {
	u8 to;
	u32 life;
	u8 sealer[NONCE];
	u64 ctr;
};

struct fz_world {
	struct fz_rep r[2];
	u32 n_peers;
	bool v6;		/* the replicas' addresses are IPv6 ones */
	u8 split;
	bool kick;		/* answer what a session would let through */
	bool enc[2];		/* each replica encrypts */
	bool answer_now;	/* deliver answers at once */
	bool due;		/* the glue's rate limit lets an answer go */
	unsigned int depth;
	const u8 *msg[2];	/* the data message of each replica */
	size_t msg_len[2];
	const u8 *raw;		/* the message input */
	size_t raw_len;
	u64 rng;
	bool sealed_out;	/* seal and open at slot VSR_MAX_PEERS checked */
	unsigned int nhist;
	unsigned int nacc;
	/* Not cleared for each input: */
	struct fz_dgram hist[FZ_HIST_MAX];
	struct fz_acc acc[FZ_ACC_MAX];
};

enum {
	ST_RX, ST_DROP, ST_AUTH, ST_UNAUTH, ST_EINVAL, ST_NOKEY, ST_NOTCONN,
	ST_REJECTED, ST_EXPIRED, ST_DECODED, ST_HANDSHAKE, ST_ADOPTED,
	ST_ANSWERS, ST_REPLAYS, ST_STALE_AUTH, ST_CONVERGED, ST_UNAUTH_ADOPT,
	ST_WAIVED, ST_ENCRYPTED, ST_ENC_ACCEPTED, ST_NO_DECRYPT, ST_MAX
};

static const char * const fz_stat_names[ST_MAX] = {
	"received", "dropped before open (index, cluster, length)",
	"accepted authenticated", "accepted unauthenticated",
	"-EINVAL (malformed)", "-ENOKEY", "-ENOTCONN", "-EKEYREJECTED",
	"-EKEYEXPIRED", "decoded", "AUTHs handled", "nonces adopted",
	"AUTHs answered", "replays of accepted datagrams (all -EKEYEXPIRED)",
	"AUTHs older than the challenge (none adopted)",
	"handshakes with a session both ways after",
	"adoptions from unauthenticated AUTHs", "re-adoptions waived",
	"datagrams encrypted", "encrypted datagrams accepted",
	"not sent: the peer cannot decrypt",
};

static unsigned long long fz_stats[ST_MAX], fz_op_stats[FZ_OPS];
static u8 fz_keys[3][VSR_KEY_LEN];
static u32 fz_ids[3];
static bool fz_blackbox, fz_strict, fz_trace;
static unsigned long long fz_input;
static int fz_op_now = -1;

static struct fz_world fz_world;

#define FZ_ASSERT(c) do {						\
	if (!(c)) {							\
		fprintf(stderr,						\
			"fuzz_auth: %s failed at line %d (input %llu, op %d %s)\n", \
			#c, __LINE__, fz_input, fz_op_now,		\
			fz_op_now < 0 ? "setup" : fz_op_names[fz_op_now]); \
		abort();						\
	}								\
} while (0)

/* splitmix64, seeded from the input: challenges and mangling. */
static u64 fz_rand(struct fz_world *w)
{
	u64 z = (w->rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static void fz_bytes(struct fz_world *w, u8 *out, size_t n)
{
	size_t i;
	u64 r = 0;

	for (i = 0; i < n; i++) {
		if (!(i % 8))
			r = fz_rand(w);
		out[i] = r >> (8 * (i % 8));
	}
}

/* The nonce of incarnation @life of replica @replica: never all zeros. */
static void fz_nonce(u8 out[NONCE], u32 replica, u32 life)
{
	int i;

	for (i = 0; i < NONCE; i++)
		out[i] = 0x5a + i * 29 + replica * 13 + life * 7;
	out[0] = replica;
	put_unaligned_le32(life, out + 1);
}

/* --- The formulas of auth.h, written here again --- */

/*
 * The address of the replica of index @index: 10.0.0.(@index + 1), or
 * fd00::(@index + 1) if @v6, UDP port 7000 + @index (auth.h: the family
 * le16, then the port and the address in network order).
 */
static void fz_addr(u8 out[ADDR], u32 index, bool v6)
{
	memset(out, 0, ADDR);
	put_unaligned_le16(v6 ? 10 : 2, out);	/* AF_INET6, AF_INET */
	out[2] = (7000 + index) >> 8;
	out[3] = (7000 + index) & 0xff;
	if (v6) {
		out[4] = 0xfd;
		out[19] = index + 1;
	} else {
		out[4] = 10;
		out[7] = index + 1;
	}
}

/* L(a, b) of key @k, for cluster @c: addresses @a and @b. */
static void fz_link_key(u8 out[BLAKE2S_KEY_SIZE], enum fz_key k, u64 c,
			const u8 *a, const u8 *b)
{
	u8 m[sizeof(LINK_LABEL) - 1 + 8 + 2 * ADDR];
	size_t n = sizeof(LINK_LABEL) - 1;

	memcpy(m, LINK_LABEL, n);
	put_unaligned_le64(c, m + n);
	memcpy(m + n + 8, a, ADDR);
	memcpy(m + n + 8 + ADDR, b, ADDR);
	blake2s(out, m, fz_keys[k], BLAKE2S_KEY_SIZE, sizeof(m), VSR_KEY_LEN);
}

/* S(a, N) of key @k, for cluster @c: address @a, nonce @nonce. */
static void fz_sender_key(u8 out[BLAKE2S_KEY_SIZE], enum fz_key k, u64 c,
			  const u8 *a, const u8 *nonce)
{
	u8 m[sizeof(SENDER_LABEL) - 1 + 8 + ADDR + NONCE];
	size_t n = sizeof(SENDER_LABEL) - 1;

	memcpy(m, SENDER_LABEL, n);
	put_unaligned_le64(c, m + n);
	memcpy(m + n + 8, a, ADDR);
	memcpy(m + n + 8 + ADDR, nonce, NONCE);
	blake2s(out, m, fz_keys[k], BLAKE2S_KEY_SIZE, sizeof(m), VSR_KEY_LEN);
}

/* Who seals with what, for fz_trailer(). */
struct fz_seal {
	enum fz_key key;
	u64 cluster;
	const u8 *from, *to;	/* a, b: addresses (ADDR bytes) */
	const u8 *from_nonce;	/* N_a */
	const u8 *to_nonce;	/* N_b */
	u64 ctr;
};

/* E(a, N_a, b, N_b) of auth.h, from S(a, N_a). */
static void fz_enc_key(u8 out[CHACHA20POLY1305_KEY_SIZE],
		       const struct fz_seal *s)
{
	u8 sender[BLAKE2S_KEY_SIZE], msg[sizeof(ENC_LABEL) - 1 + ADDR + NONCE];
	size_t n = sizeof(ENC_LABEL) - 1;

	fz_sender_key(sender, s->key, s->cluster, s->from, s->from_nonce);
	memcpy(msg, ENC_LABEL, n);
	memcpy(msg + n, s->to, ADDR);
	memcpy(msg + n + ADDR, s->to_nonce, NONCE);
	blake2s(out, msg, sender, CHACHA20POLY1305_KEY_SIZE, sizeof(msg),
		sizeof(sender));
}

/*
 * The trailer of the message @buf (@len bytes) as auth.h defines it: for
 * an AUTH, BLAKE2s; else the AEAD's tag over no plaintext, the message
 * and the trailer's head as additional data (in one piece here).
 */
static void fz_trailer(u8 out[TRAILER], const struct fz_seal *s,
		       const u8 *buf, size_t len)
{
	u8 key[BLAKE2S_KEY_SIZE], *ad;
	struct blake2s_state st;

	put_unaligned_le32(fz_ids[s->key], out);
	put_unaligned_le64(s->ctr, out + 4);
	if (buf[14] != VSR_CMD_AUTH) {
		ad = malloc(len + 12);
		memcpy(ad, buf, len);
		memcpy(ad + len, out, 12);
		fz_enc_key(key, s);
		chacha20poly1305_encrypt(out + 12, NULL, 0, ad, len + 12,
					 s->ctr, key);
		free(ad);
		return;
	}
	fz_link_key(key, s->key, s->cluster, s->from, s->to);
	blake2s_init_key(&st, VSR_AUTH_TAG_SIZE, key, sizeof(key));
	blake2s_update(&st, buf, len);
	blake2s_update(&st, out, 12);
	blake2s_final(&st, out + 12);
}

/* The additional data: clear part as on the wire, key id, counter, N_b. */
static void fz_ad(u8 ad[AD_LEN], const u8 *wire, const u8 *trailer,
		  const struct fz_seal *s)
{
	memcpy(ad, wire, CLEAR);
	memcpy(ad + CLEAR, trailer, 12);
	memcpy(ad + CLEAR + 12, s->to_nonce, NONCE);
}

/*
 * The encrypted datagram of message @buf (@len bytes) as auth.h defines
 * it, into @out (@len + TRAILER bytes); @s->ctr has the encrypted bit.
 */
static void fz_encrypt(u8 *out, const struct fz_seal *s, const u8 *buf,
		       size_t len)
{
	u8 key[CHACHA20POLY1305_KEY_SIZE], ad[AD_LEN];
	u8 *ct = malloc(len - CLEAR + VSR_AUTH_TAG_SIZE);

	memcpy(out, buf, CLEAR);
	memset(out, 0, VSR_AUTH_CSUMS);
	put_unaligned_le32(fz_ids[s->key], out + len);
	put_unaligned_le64(s->ctr, out + len + 4);
	fz_ad(ad, out, out + len, s);
	fz_enc_key(key, s);
	chacha20poly1305_encrypt(ct, buf + CLEAR, len - CLEAR, ad, sizeof(ad),
				 s->ctr, key);
	memcpy(out + CLEAR, ct, len - CLEAR);
	memcpy(out + len + 12, ct + len - CLEAR, VSR_AUTH_TAG_SIZE);
	free(ct);
}

/* Whether encrypted datagram @buf (@size and a trailer) verifies for @s. */
static bool fz_decrypts(const struct fz_seal *s, const u8 *buf, u32 size)
{
	u8 key[CHACHA20POLY1305_KEY_SIZE], ad[AD_LEN];
	size_t n = size - CLEAR;
	u8 *ct = malloc(n + VSR_AUTH_TAG_SIZE), *pt = malloc(n + 1);
	bool ok;

	memcpy(ct, buf + CLEAR, n);
	memcpy(ct + n, buf + size + 12, VSR_AUTH_TAG_SIZE);
	fz_ad(ad, buf, buf + size, s);
	fz_enc_key(key, s);
	ok = chacha20poly1305_decrypt(pt, ct, n + VSR_AUTH_TAG_SIZE, ad,
				      sizeof(ad), s->ctr, key);
	free(ct);
	free(pt);
	return ok;
}

/* --- Keys --- */

static void fz_init(void)
{
	static bool done;
	u8 out[BLAKE2S_HASH_SIZE];
	const char *e;
	int k, i;

	if (done)
		return;
	done = true;
	e = getenv("FUZZ_AUTH_BLACKBOX");
	fz_blackbox = e && *e && *e != '0';
	e = getenv("FUZZ_AUTH_STRICT");
	fz_strict = !e || *e != '0';
	e = getenv("FUZZ_AUTH_TRACE");
	fz_trace = e && *e && *e != '0';
	for (k = 0; k < 3; k++) {
		for (i = 0; i < VSR_KEY_LEN; i++)
			fz_keys[k][i] = 0x11 * (k + 1) + 7 * i;
		/* auth.h: the first 4 bytes of BLAKE2s-256_K(label). */
		blake2s(out, ID_LABEL, fz_keys[k], sizeof(out),
			sizeof(ID_LABEL) - 1, VSR_KEY_LEN);
		fz_ids[k] = get_unaligned_le32(out);
		FZ_ASSERT(vsr_auth_key_id(fz_keys[k]) == fz_ids[k]);
	}
	FZ_ASSERT(fz_ids[0] != fz_ids[1] && fz_ids[0] != fz_ids[2] &&
		  fz_ids[1] != fz_ids[2]);
}

static struct vsr_auth *fz_change(struct vsr_auth *old,
				  const struct vsr_key_change *kc,
				  const u8 *addr, const u8 *nonce)
{
	const char *why = NULL;
	struct vsr_auth *a;

	a = vsr_auth_change(old, kc, CLUSTER, addr, nonce, GFP_KERNEL, &why);
	FZ_ASSERT(!IS_ERR(a));
	vsr_auth_free(old);
	return a;
}

/*
 * fz_states[@state] for a replica's incarnation (address @addr, nonce
 * @nonce), change after change.
 */
static struct vsr_auth *fz_make_keys(unsigned int state, const u8 *addr,
				     const u8 *nonce)
{
	struct vsr_key_change kc = { .key_none = true };
	const char *why = NULL;
	struct vsr_auth *a;

	if (!state) {
		FZ_ASSERT(!fz_change(NULL, &kc, addr, nonce));
		return NULL;
	}
	kc = (struct vsr_key_change){ .key = fz_keys[FZ_K1] };
	a = fz_change(NULL, &kc, addr, nonce);
	if (state == 1) {
		/* A swap needs a second key: refused, nothing changed. */
		kc = (struct vsr_key_change){ .swap = true };
		FZ_ASSERT(PTR_ERR(vsr_auth_change(a, &kc, CLUSTER, addr, nonce,
						  GFP_KERNEL, &why)) ==
			  -EINVAL && why);
	}
	memset(&kc, 0, sizeof(kc));
	if (state == 3 || state == 5)
		kc.accept_none = true;
	else
		kc.accept_key = fz_keys[state == 7 ? FZ_K3 : FZ_K2];
	if (state >= 2)
		a = fz_change(a, &kc, addr, nonce);
	if (state >= 4) {
		kc = (struct vsr_key_change){ .swap = true };
		a = fz_change(a, &kc, addr, nonce);
	}
	if (state == 6) {
		kc = (struct vsr_key_change){ .accept_off = true };
		a = fz_change(a, &kc, addr, nonce);
	}
	FZ_ASSERT(vsr_auth_sends_key(a) ==
		  (fz_states[state].send != FZ_NONE));
	FZ_ASSERT(vsr_auth_accepts_none(a) == fz_states[state].accept_none);
	FZ_ASSERT(vsr_auth_has_key(a) == !!fz_states[state].accept);
	return a;
}

/*
 * The same, made once (most inputs use few): a hash table, in which
 * what the two replicas hold now is never replaced.  The keys of replica
 * @replica's incarnation @life: its address is fz_addr(@replica, @v6),
 * its nonce @nonce is fz_nonce(@replica, @life).
 */
static const struct vsr_auth *fz_keys_of(unsigned int state, u32 replica,
					 bool v6, u32 life, const u8 *nonce)
{
	static struct {
		bool made;
		u8 state, replica;
		bool v6;
		u32 life;
		struct vsr_auth *a;
	} cache[FZ_CACHE];
	u32 h = ((state * 31 + replica) * 31 + v6) * 131 + life;
	unsigned int i, k;
	u8 addr[ADDR];

	h = (h * 2654435761u >> 7) % FZ_CACHE;
	for (i = 0; i < 3; i++) {
		k = (h + i) % FZ_CACHE;
		if (cache[k].made && cache[k].state == state &&
		    cache[k].replica == replica && cache[k].v6 == v6 &&
		    cache[k].life == life)
			return cache[k].a;
	}
	for (i = 0; i < 3; i++) {
		k = (h + i) % FZ_CACHE;
		if (!cache[k].a || (cache[k].a != fz_world.r[0].a &&
				    cache[k].a != fz_world.r[1].a))
			break;
	}
	FZ_ASSERT(i < 3);
	vsr_auth_free(cache[k].a);
	cache[k].made = true;
	cache[k].state = state;
	cache[k].replica = replica;
	cache[k].v6 = v6;
	cache[k].life = life;
	fz_addr(addr, replica, v6);
	cache[k].a = fz_make_keys(state, addr, nonce);
	return cache[k].a;
}

/* The key whose id is @id (FZ_NONE: none of ours). */
static enum fz_key fz_key_of(u32 id)
{
	int k;

	for (k = 0; k < 3; k++)
		if (fz_ids[k] == id)
			return k;
	return FZ_NONE;
}

static bool fz_accepts_key(const struct fz_rep *y, enum fz_key k)
{
	return k != FZ_NONE ? fz_states[y->state].accept & 1 << k :
	       fz_states[y->state].accept_none;
}

/* Does @y take what @x sends (an AUTH, to begin with)? */
static bool fz_compatible(const struct fz_rep *x, const struct fz_rep *y)
{
	return fz_accepts_key(y, fz_states[x->state].send);
}

/* --- Sessions --- */

/*
 * The session is what the account says, window and all (or, black-box,
 * the account takes what the session is).
 */
static void fz_check_session(struct fz_rep *y)
{
	const struct vsr_auth_peer *p = &y->peer;
	struct fz_session *m = &y->m;
	unsigned int i, in = 0, bits = 0;

	if (fz_blackbox) {
		m->known = p->known;
		memcpy(m->nonce, p->nonce, NONCE);
		memcpy(m->challenge, p->challenge, NONCE);
		memcpy(m->heard, p->heard, NONCE);
		memcpy(m->answered, p->answered, NONCE);
		m->tx = p->tx;
		m->top = p->top;
		m->decrypts = p->decrypts;
		return;
	}

	FZ_ASSERT(p->known == m->known);
	FZ_ASSERT(!m->known || !memcmp(p->nonce, m->nonce, NONCE));
	FZ_ASSERT(!m->known || p->decrypts == m->decrypts);
	FZ_ASSERT(!memcmp(p->challenge, m->challenge, NONCE));
	FZ_ASSERT(!memcmp(p->heard, m->heard, NONCE));
	FZ_ASSERT(!memcmp(p->answered, m->answered, NONCE));
	FZ_ASSERT(p->tx == m->tx);
	FZ_ASSERT(p->top == m->top);
	/* @seen: exactly the counters accepted in (top - WINDOW, top]. */
	for (i = 0; i < m->nacc; i++) {
		if (m->acc[i] + VSR_AUTH_WINDOW <= m->top)
			continue;
		in++;
		FZ_ASSERT(p->seen[m->acc[i] % VSR_AUTH_WINDOW / BITS_PER_LONG] &
			  1ul << (m->acc[i] % BITS_PER_LONG));
	}
	for (i = 0; i < BITS_TO_LONGS(VSR_AUTH_WINDOW); i++)
		bits += __builtin_popcountl(p->seen[i]);
	FZ_ASSERT(bits == in);
}

static bool fz_was_adopted(const struct fz_rep *y, const u8 *nonce)
{
	unsigned int i;

	for (i = 0; i < y->nadopted; i++)
		if (!memcmp(y->adopted[i], nonce, NONCE))
			return true;
	return false;
}

/* @y's session takes @nonce: a new window.  Direct (by the script) or not. */
static void fz_adopt(struct fz_rep *y, const u8 *nonce, bool authenticated)
{
	if (!fz_was_adopted(y, nonce) && y->nadopted < FZ_ADOPT_MAX)
		memcpy(y->adopted[y->nadopted++], nonce, NONCE);
	y->m.known = true;
	y->m.known_auth = authenticated;
	memcpy(y->m.nonce, nonce, NONCE);
	y->m.top = 0;
	y->m.nacc = 0;
}

static void fz_start(struct fz_world *w, int i, u32 life)
{
	struct fz_rep *x = &w->r[i];

	x->life = life;
	fz_nonce(x->nonce, x->index, life);
	x->a = fz_keys_of(x->state, x->index, w->v6, life, x->nonce);
	memset(&x->peer, 0, sizeof(x->peer));
	/* The glue names the peer's address before the session is used. */
	fz_addr(x->peer.addr, w->r[!i].index, w->v6);
	memset(&x->m, 0, sizeof(x->m));
	/* keys.c: a random challenge to each peer. */
	fz_bytes(w, x->m.challenge, NONCE);
	memcpy(x->peer.challenge, x->m.challenge, NONCE);
	x->epoch++;
	x->nadopted = 0;
	x->unauth = false;
	x->waived = false;
}

/*
 * Set @x's session to @nonce directly, as an adoption would (a new
 * challenge too), unless that re-adopts one.
 */
static void fz_session_set(struct fz_world *w, struct fz_rep *x,
			   const u8 *nonce)
{
	if (fz_was_adopted(x, nonce))
		return;
	fz_adopt(x, nonce, true);
	fz_bytes(w, x->m.challenge, NONCE);
	x->epoch++;
	x->peer.known = true;
	x->peer.known_auth = true;
	x->peer.decrypts = true;
	x->m.decrypts = true;
	memcpy(x->peer.nonce, nonce, NONCE);
	memcpy(x->peer.challenge, x->m.challenge, NONCE);
	x->peer.top = 0;
	bitmap_zero(x->peer.seen, VSR_AUTH_WINDOW);
	fz_check_session(x);
}

/* --- The network --- */

static bool fz_accepted(const struct fz_world *w, int to, u32 life,
			const u8 *sealer, u64 ctr)
{
	unsigned int i;

	for (i = 0; i < w->nacc; i++)
		if (w->acc[i].to == to && w->acc[i].life == life &&
		    w->acc[i].ctr == ctr &&
		    !memcmp(w->acc[i].sealer, sealer, NONCE))
			return true;
	return false;
}

/* The datagram a replica sent from @from with these bytes, if any. */
static struct fz_dgram *fz_find(struct fz_world *w, int from, const u8 *buf,
				size_t len)
{
	u32 crc = vsr_crc32c(~0u, buf, len);
	unsigned int i;

	for (i = 0; i < w->nhist; i++)
		if (w->hist[i].from == from && w->hist[i].len == len &&
		    w->hist[i].crc == crc && !memcmp(w->hist[i].buf, buf, len))
			return &w->hist[i];
	return NULL;
}

static struct fz_dgram *fz_record(struct fz_world *w, int from,
				  const u8 *buf, size_t len)
{
	struct fz_rep *x = &w->r[from], *y = &w->r[!from];
	struct fz_dgram *d = &w->hist[w->nhist++];

	FZ_ASSERT(w->nhist <= FZ_HIST_MAX);
	memset(d, 0, sizeof(*d));
	d->buf = malloc(len);
	memcpy(d->buf, buf, len);
	d->len = len;
	d->crc = vsr_crc32c(~0u, buf, len);
	d->from = from;
	d->handshake = buf[14] == VSR_CMD_AUTH;
	d->trailer = len == vsr_wire_size(buf) + TRAILER;
	d->life = x->life;
	memcpy(d->sealer, x->nonce, NONCE);
	if (d->trailer)
		d->ctr = get_unaligned_le64(buf + vsr_wire_size(buf) + 4) &
			 ~VSR_AUTH_CTR_ENCRYPTED;
	d->for_known = x->m.known;
	memcpy(d->for_nonce, x->m.nonce, NONCE);
	d->epoch = y->epoch;
	return d;
}

static void fz_rx(struct fz_world *w, int to, const u8 *buf, size_t len,
		  bool must_accept);

static void fz_deliver(struct fz_world *w, struct fz_dgram *d)
{
	d->delivered = true;
	fz_rx(w, !d->from, d->buf, d->len, false);
}

/* The datagram of vsr_auth_seal_encrypted()'s output (as socket.c sends it). */
static void fz_enc_datagram(u8 *dg, const struct vsr_auth_enc *enc,
			    size_t len, const u8 *trailer)
{
	memcpy(dg, enc->hdr, CLEAR);
	memcpy(dg + CLEAR, enc->out, len - CLEAR);
	memcpy(dg + len, trailer, TRAILER);
}

/*
 * fz_seal() for a replica that encrypts, the message a data message in
 * @iov (@nr pieces of @buf), @before the session before: the datagram
 * replaces the message in @buf.
 */
static int fz_seal_encrypted(struct fz_world *w, int from, u8 *buf,
			     size_t len, const struct kvec *iov, size_t nr,
			     const struct vsr_auth_peer *before)
{
	static u8 out[VSR_AUTH_ENC_OUT_MAX], dg[FZ_DGRAM_MAX], ref[FZ_DGRAM_MAX];
	struct fz_rep *x = &w->r[from], *y = &w->r[!from];
	const struct fz_state *st = &fz_states[x->state];
	struct vsr_auth_enc enc = { .out = out };
	struct vsr_auth_peer again = *before;
	struct kvec whole = { .iov_base = buf, .iov_len = len };
	u8 trailer[TRAILER];
	struct fz_seal s;
	int ret, want;

	/* vsr_keys_seal(): nothing to a peer that cannot decrypt. */
	if (x->peer.known && !x->peer.decrypts) {
		fz_stats[ST_NO_DECRYPT]++;
		return -EPROTONOSUPPORT;
	}
	ret = vsr_auth_seal_encrypted(x->a, x->slot, &x->peer, iov, nr, &enc,
				      trailer);
	FZ_ASSERT(ret == TRAILER || ret == -ENOTCONN || ret == -EINVAL);
	want = x->m.known ? TRAILER : -ENOTCONN;
	FZ_ASSERT(ret == want || fz_blackbox);
	if (ret == TRAILER)
		x->m.tx++;
	fz_check_session(x);
	if (ret != TRAILER)
		return ret;
	fz_stats[ST_ENCRYPTED]++;
	fz_enc_datagram(dg, &enc, len, trailer);
	if (!fz_blackbox) {
		s = (struct fz_seal){
			.key = st->send, .cluster = CLUSTER, .from = x->addr,
			.to = y->addr, .from_nonce = x->nonce,
			.to_nonce = x->m.nonce,
			.ctr = x->m.tx | VSR_AUTH_CTR_ENCRYPTED,
		};
		fz_encrypt(ref, &s, buf, len);
		FZ_ASSERT(!memcmp(ref, dg, len + TRAILER));
	}
	if (nr > 1) {
		/* In one piece, from the same session: the same datagram. */
		FZ_ASSERT(vsr_auth_seal_encrypted(x->a, x->slot, &again,
						  &whole, 1, &enc,
						  trailer) == TRAILER);
		fz_enc_datagram(ref, &enc, len, trailer);
		FZ_ASSERT(!memcmp(ref, dg, len + TRAILER));
	}
	memcpy(buf, dg, len + TRAILER);
	return TRAILER;
}

/*
 * @x seals the message of @len bytes at @buf (room for a trailer after
 * it) to the other replica, as keys.c's vsr_keys_seal(): the trailer's
 * length, or -ENOTCONN, -ENOKEY or -EPROTONOSUPPORT (not sent).
 */
static int fz_seal(struct fz_world *w, int from, u8 *buf, size_t len)
{
	struct fz_rep *x = &w->r[from], *y = &w->r[!from];
	const struct fz_state *st = &fz_states[x->state];
	struct vsr_auth_peer before = x->peer;
	u8 whole[TRAILER], ref[TRAILER];
	bool hs = buf[14] == VSR_CMD_AUTH;
	size_t nr = 1 + w->split % 3, c1, c2;
	struct fz_seal s;
	struct kvec iov[3];
	int ret, want;

	/* The whole header in the first piece, as auth.h asks. */
	c1 = VSR_HDR_SIZE + (len - VSR_HDR_SIZE) * ((w->split >> 2) & 7) / 8;
	c2 = c1 + (len - c1) * ((w->split >> 5) & 7) / 8;
	iov[0] = (struct kvec){ .iov_base = buf,
				.iov_len = nr > 1 ? c1 : len };
	iov[1] = (struct kvec){ .iov_base = buf + c1,
				.iov_len = (nr > 2 ? c2 : len) - c1 };
	iov[2] = (struct kvec){ .iov_base = buf + c2, .iov_len = len - c2 };
	if (w->enc[from] && !hs) {
		/* vsr_keys_seal(): encrypted, or not at all. */
		if (st->send == FZ_NONE)
			return -ENOKEY;
		return fz_seal_encrypted(w, from, buf, len, iov, nr, &before);
	}
	ret = vsr_auth_seal(x->a, x->slot, &x->peer, iov, nr, buf + len);
	FZ_ASSERT(ret == 0 || ret == TRAILER || ret == -ENOTCONN ||
		  ret == -EINVAL);
	want = st->send == FZ_NONE ? 0 : !hs && !x->m.known ? -ENOTCONN :
	       TRAILER;
	FZ_ASSERT(ret == want || fz_blackbox);
	if (ret == TRAILER && !hs)
		x->m.tx++;
	fz_check_session(x);
	if (ret != TRAILER)
		return ret;
	if (!fz_blackbox) {
		FZ_ASSERT(get_unaligned_le32(buf + len) == fz_ids[st->send]);
		FZ_ASSERT(get_unaligned_le64(buf + len + 4) ==
			  (hs ? 0 : x->m.tx));
		s = (struct fz_seal){
			.key = st->send, .cluster = CLUSTER, .from = x->addr,
			.to = y->addr, .from_nonce = x->nonce,
			.to_nonce = x->m.nonce, .ctr = hs ? 0 : x->m.tx,
		};
		fz_trailer(ref, &s, buf, len);
		FZ_ASSERT(!memcmp(ref, buf + len, TRAILER));
	}
	if (nr > 1) {
		/* In one piece, from the same session: the same trailer. */
		iov[0] = (struct kvec){ .iov_base = buf, .iov_len = len };
		FZ_ASSERT(vsr_auth_seal(x->a, x->slot, &before, iov, 1,
					whole) == TRAILER);
		FZ_ASSERT(!memcmp(whole, buf + len, TRAILER));
	}
	if (!w->sealed_out) {
		/* Slots from VSR_MAX_PEERS on have no keys. */
		size_t l = len + TRAILER;
		struct vsr_auth_seen seen;

		w->sealed_out = true;
		FZ_ASSERT(vsr_auth_seal(x->a, VSR_MAX_PEERS, &before, iov, 1,
					whole) == -EINVAL);
		ret = vsr_auth_open(y->a, VSR_MAX_PEERS, &before, y->nonce, buf,
				    &l, &seen);
		FZ_ASSERT(ret == -ENOKEY || ret == -EKEYREJECTED);
	}
	return TRAILER;
}

/* @x's AUTH to the other replica (vsr_keys_auth_send()), recorded. */
static void fz_auth(struct fz_world *w, int from, bool deliver)
{
	static const u8 none[NONCE];
	struct fz_rep *x = &w->r[from];
	u8 buf[AUTH_LEN + TRAILER];
	const u8 *b = buf + VSR_HDR_SIZE;
	struct fz_dgram *d;
	struct vsr_msg m;
	size_t len;
	int t;

	/* A full history: lost (it is never sent, so never forged). */
	if (w->nhist == FZ_HIST_MAX)
		return;
	len = vsr_auth_hello(&x->peer, x->nonce, CLUSTER, 0, x->index, buf);
	FZ_ASSERT(len == AUTH_LEN);
	FZ_ASSERT(!vsr_msg_decode(buf, len, CLUSTER, &m));
	FZ_ASSERT(m.h.command == VSR_CMD_AUTH && m.h.replica == x->index &&
		  m.h.version == VSR_WIRE_HELLO);
	/* wire.h: nonce, challenge, echo, known. */
	FZ_ASSERT(!memcmp(b, x->nonce, NONCE));
	FZ_ASSERT(!memcmp(b + NONCE, x->m.challenge, NONCE));
	FZ_ASSERT(!memcmp(b + 2 * NONCE, x->m.heard, NONCE));
	FZ_ASSERT(!memcmp(b + 3 * NONCE, x->m.known ? x->m.nonce : none,
			  NONCE));
	t = fz_seal(w, from, buf, len);
	FZ_ASSERT(t >= 0 || fz_blackbox);
	if (t < 0)
		return;
	d = fz_record(w, from, buf, len + t);
	d->hello = true;
	if (deliver && w->depth < FZ_DEPTH_MAX)
		fz_deliver(w, d);
}

/* An AUTH from the other replica, accepted and decoded: what keys.c does. */
static void fz_handshake(struct fz_world *w, int to, const struct vsr_msg *m,
			 const struct fz_dgram *d, u8 auth)
{
	struct fz_rep *y = &w->r[to];
	const u8 *nonce = m->body, *challenge = m->body + NONCE;
	const u8 *echo = m->body + 2 * NONCE, *known = m->body + 3 * NONCE;
	bool fresh, same, adopted, want_adopt, was_known, was_decrypts;
	u8 next[NONCE], was[NONCE];
	int ret, want;

	fz_stats[ST_HANDSHAKE]++;
	fz_bytes(w, next, NONCE);
	was_known = y->peer.known;
	was_decrypts = y->peer.decrypts;
	memcpy(was, y->peer.nonce, NONCE);
	/*
	 * auth.h and protocol.rst: adopted from an AUTH that echoes our
	 * challenge; quiet when both ends have each other's nonce; an
	 * answer at once to a challenge not answered yet, or an adoption.
	 */
	want = !memcmp(echo, y->m.challenge, NONCE);
	same = y->m.known && !memcmp(y->m.nonce, nonce, NONCE);
	want_adopt = want && !same &&
		     (auth == 2 || !y->m.known || !y->m.known_auth);
	if (!memcmp(known, y->nonce, NONCE) && (want || same))
		want = VSR_AUTH_QUIET;
	else if (want_adopt || memcmp(challenge, y->m.answered, NONCE))
		want = VSR_AUTH_ANSWER_NOW;
	else
		want = VSR_AUTH_ANSWER;
	ret = vsr_auth_handshake(&y->peer, y->nonce, m->body, m->h.arg0,
				 auth == 2, next, &fresh);
	FZ_ASSERT(ret == VSR_AUTH_QUIET || ret == VSR_AUTH_ANSWER ||
		  ret == VSR_AUTH_ANSWER_NOW);
	/* (Adopted: a nonce where there was none, or another one.) */
	adopted = y->peer.known &&
		  (!was_known || memcmp(was, y->peer.nonce, NONCE));
	FZ_ASSERT(fz_blackbox ||
		  (ret == want && adopted == want_adopt &&
		   fresh == !memcmp(echo, y->m.challenge, NONCE)));
	/*
	 * What the peer can do comes from the AUTH adopted, or an
	 * authenticated one of the incarnation adopted: from no other.
	 */
	FZ_ASSERT(fz_blackbox ||
		  y->peer.decrypts == (adopted || (same && auth == 2) ?
				       !!(m->h.arg0 & VSR_AUTH_FEAT_DECRYPT) :
				       was_decrypts));
	/*
	 * An AUTH from before our last challenge changes nothing, and does
	 * not pass for a sign of life (vsr_keys_handshake()).
	 */
	if (d && d->epoch != y->epoch) {
		fz_stats[ST_STALE_AUTH]++;
		FZ_ASSERT(!adopted && !fresh);
	}
	memcpy(y->m.heard, challenge, NONCE);
	if (ret == VSR_AUTH_ANSWER_NOW)
		memcpy(y->m.answered, challenge, NONCE);
	if (fz_trace)
		fprintf(stderr, "  %d: AUTH nonce %02x%02x.., echo %s, adopted %d, answer %d\n",
			to, nonce[0], nonce[1], fresh ? "fresh" : "stale",
			adopted, ret);
	if (adopted) {
		fz_stats[ST_ADOPTED]++;
		if (auth == 1) {
			fz_stats[ST_UNAUTH_ADOPT]++;
			y->unauth = true;
		}
		if (fz_was_adopted(y, nonce)) {
			/* A window reset for a nonce that had one. */
			FZ_ASSERT(y->unauth);
			fz_stats[ST_WAIVED]++;
			y->waived = !fz_strict;
		}
		fz_adopt(y, nonce, auth == 2);
		y->m.decrypts = m->h.arg0 & VSR_AUTH_FEAT_DECRYPT;
		memcpy(y->m.challenge, next, NONCE);
		y->epoch++;
	} else if (same && auth == 2) {
		y->m.decrypts = m->h.arg0 & VSR_AUTH_FEAT_DECRYPT;
	}
	fz_check_session(y);
	/* keys.c: an ANSWER waits for the rate limit. */
	if (ret == VSR_AUTH_ANSWER_NOW || (ret == VSR_AUTH_ANSWER && w->due)) {
		fz_stats[ST_ANSWERS]++;
		fz_auth(w, to, w->answer_now);
	}
}

/* What vsr_auth_open() must return, from auth.h's rules and formulas. */
static int fz_expect(const struct fz_world *w, int to, const u8 *buf,
		     size_t len)
{
	const struct fz_rep *y = &w->r[to], *x = &w->r[!to];
	const struct fz_state *st = &fz_states[y->state];
	u32 size = vsr_wire_size(buf), id;
	u8 ref[TRAILER];
	struct fz_seal s;
	unsigned int i;
	int k;
	u64 ctr;

	if (len == size)
		return st->accept_none ? 0 : -ENOKEY;
	if (len != (size_t)size + TRAILER)
		return -EINVAL;
	id = get_unaligned_le32(buf + size);
	for (k = 0; k < 3; k++)
		if (st->accept & 1 << k && fz_ids[k] == id)
			break;
	if (k == 3)
		return -ENOKEY;
	/* An AUTH of another size is refused before its BLAKE2s. */
	if (buf[14] == VSR_CMD_AUTH && size != VSR_HDR_SIZE + VSR_AUTH_BODY_SIZE)
		return -EINVAL;
	if (buf[14] != VSR_CMD_AUTH && !y->m.known)
		return -ENOTCONN;
	ctr = get_unaligned_le64(buf + size + 4);
	s = (struct fz_seal){
		.key = k, .cluster = CLUSTER, .from = x->addr,
		.to = y->addr, .from_nonce = y->m.nonce,
		.to_nonce = y->nonce, .ctr = ctr,
	};
	if (buf[14] != VSR_CMD_AUTH && (ctr & VSR_AUTH_CTR_ENCRYPTED)) {
		/* The AEAD's tag, over the clear part as it came. */
		if (!fz_decrypts(&s, buf, size))
			return -EKEYREJECTED;
		ctr &= ~VSR_AUTH_CTR_ENCRYPTED;
	} else {
		fz_trailer(ref, &s, buf, size);
		if (memcmp(ref + 12, buf + size + 12, VSR_AUTH_TAG_SIZE))
			return -EKEYREJECTED;
	}
	if (buf[14] == VSR_CMD_AUTH)
		return 0;
	/* Each counter once; those a window or more below the top: never. */
	if (!ctr || (ctr <= y->m.top && y->m.top - ctr >= VSR_AUTH_WINDOW))
		return -EKEYEXPIRED;
	for (i = 0; i < y->m.nacc; i++)
		if (y->m.acc[i] == ctr)
			return -EKEYEXPIRED;
	return 0;
}

static bool fz_open_err(int ret)
{
	return !ret || ret == -EINVAL || ret == -ENOKEY || ret == -ENOTCONN ||
	       ret == -EKEYREJECTED || ret == -EKEYEXPIRED;
}

static bool fz_decode_err(int ret)
{
	return !ret || ret == -ENODATA || ret == -EMSGSIZE || ret == -EPROTO ||
	       ret == -EPROTONOSUPPORT || ret == -EBADMSG || ret == -EINVAL ||
	       ret == -EXDEV;
}

/*
 * The other replica's address sends @len bytes at @buf to @to: node.c's
 * vsr_rx_work().  @must_accept: sealed just now in a session both ends
 * have, with keys the receiver takes.
 */
static void fz_rx(struct fz_world *w, int to, const u8 *buf, size_t len,
		  bool must_accept)
{
	struct fz_rep *y = &w->r[to], *x = &w->r[!to];
	size_t len0 = len, size;
	struct vsr_auth_seen seen;
	struct fz_dgram *d;
	struct vsr_msg m;
	int ret, want = 0, dec;
	bool replay;
	u8 *copy;
	u32 id;

	fz_stats[ST_RX]++;
	if (len < VSR_HDR_SIZE || len > FZ_DGRAM_MAX ||
	    vsr_wire_replica(buf) != x->index ||
	    vsr_wire_cluster(buf) != CLUSTER) {
		fz_stats[ST_DROP]++;
		FZ_ASSERT(!must_accept);
		return;
	}
	/* Exact-size heap copy: any over-read is an ASan report. */
	copy = malloc(len);
	memcpy(copy, buf, len);
	size = vsr_wire_size(copy);
	d = fz_find(w, !to, copy, len);
	id = len == (size_t)size + TRAILER ?
	     get_unaligned_le32(copy + size) : 0;
	/* A data datagram accepted before, with the same session. */
	replay = d && d->trailer && !d->handshake && y->m.known &&
		 !memcmp(y->m.nonce, d->sealer, NONCE) &&
		 fz_accepted(w, to, y->life, d->sealer, d->ctr) &&
		 fz_key_of(id) != FZ_NONE &&
		 fz_accepts_key(y, fz_key_of(id)) && !y->waived;
	if (!fz_blackbox)
		want = fz_expect(w, to, copy, len);
	ret = vsr_auth_open(y->a, y->slot, &y->peer, y->nonce, copy, &len,
			    &seen);
	if (fz_trace)
		fprintf(stderr, "  %d -> %d: %zu bytes, cmd %u, %s, ctr %llu: %d%s\n",
			!to, to, len0, copy[14], seen.auth == 2 ? "keyed" :
			seen.auth ? "unauthenticated" : "malformed",
			len0 == size + TRAILER ? (unsigned long long)
			get_unaligned_le64(copy + size + 4) : 0ull, ret,
			d ? (d->handshake ? " (an AUTH sent)" : " (sent)") : "");

	FZ_ASSERT(fz_open_err(ret));
	/* Only an encrypted datagram is changed: decrypted in place. */
	if (len0 != (size_t)size + TRAILER ||
	    !(get_unaligned_le64(buf + size + 4) & VSR_AUTH_CTR_ENCRYPTED))
		FZ_ASSERT(!memcmp(copy, buf, len0));
	if (len0 == (size_t)size + TRAILER) {
		FZ_ASSERT(seen.auth == 2 && seen.id == id);
		/* (Told only once the key is known to be one it accepts.) */
		FZ_ASSERT(!seen.encrypted || (buf[14] != VSR_CMD_AUTH &&
			  get_unaligned_le64(buf + size + 4) &
			  VSR_AUTH_CTR_ENCRYPTED));
		if (seen.encrypted && !ret)
			fz_stats[ST_ENC_ACCEPTED]++;
	} else {
		FZ_ASSERT(seen.auth == (len0 == size) && !seen.id);
		FZ_ASSERT(len0 == size || ret == -EINVAL);
	}
	if (!fz_blackbox)
		FZ_ASSERT(ret == want);
	if (replay) {
		fz_stats[ST_REPLAYS]++;
		FZ_ASSERT(ret == -EKEYEXPIRED);
	}
	if (must_accept)
		FZ_ASSERT(!ret);
	if (ret) {
		FZ_ASSERT(len == len0);
	} else if (seen.auth == 2) {
		/* Sealed as is by a replica, the trailer stripped. */
		FZ_ASSERT(len == size && len0 == len + TRAILER);
		FZ_ASSERT(d && d->trailer);
		if (!d->handshake) {
			/* By the incarnation adopted, for this one, once. */
			FZ_ASSERT(y->m.known &&
				  !memcmp(y->m.nonce, d->sealer, NONCE));
			FZ_ASSERT(d->for_known &&
				  !memcmp(d->for_nonce, y->nonce, NONCE));
			FZ_ASSERT(y->waived ||
				  !fz_accepted(w, to, y->life, d->sealer,
					       d->ctr));
			if (!fz_accepted(w, to, y->life, d->sealer, d->ctr)) {
				FZ_ASSERT(w->nacc < FZ_ACC_MAX);
				w->acc[w->nacc].to = to;
				w->acc[w->nacc].life = y->life;
				memcpy(w->acc[w->nacc].sealer, d->sealer,
				       NONCE);
				w->acc[w->nacc++].ctr = d->ctr;
			}
			FZ_ASSERT(y->m.nacc < FZ_ACC_MAX);
			y->m.acc[y->m.nacc++] = d->ctr;
			y->m.top = max(y->m.top, d->ctr);
			y->m.known_auth = true;
		}
	} else {
		/* Unauthenticated: only by keys that take them. */
		FZ_ASSERT(fz_states[y->state].accept_none && len == len0);
	}
	fz_check_session(y);

	fz_stats[!ret ? (seen.auth == 2 ? ST_AUTH : ST_UNAUTH) :
		 ret == -EINVAL ? ST_EINVAL : ret == -ENOKEY ? ST_NOKEY :
		 ret == -ENOTCONN ? ST_NOTCONN :
		 ret == -EKEYREJECTED ? ST_REJECTED : ST_EXPIRED]++;
	if (ret) {
		/* vsr_keys_rx_refused(): answer what a session would let through. */
		if ((ret == -ENOTCONN || ret == -EKEYREJECTED) && w->kick)
			fz_auth(w, to, w->answer_now);
		free(copy);
		return;
	}
	dec = vsr_msg_decode(copy, len, CLUSTER, &m);
	FZ_ASSERT(fz_decode_err(dec));
	if (!dec) {
		fz_stats[ST_DECODED]++;
		FZ_ASSERT(m.h.size == len && m.h.replica == x->index);
		FZ_ASSERT(m.body + m.body_len == copy + len);
	}
	/* What a replica sent is what it built, trailer stripped. */
	if (d && d->hello)
		FZ_ASSERT(!dec && m.h.command == VSR_CMD_AUTH);
	else if (d)
		FZ_ASSERT(len == w->msg_len[!to] &&
			  !memcmp(copy, w->msg[!to], len));
	if (!dec && m.h.command == VSR_CMD_AUTH) {
		w->depth++;
		fz_handshake(w, to, &m, d, seen.auth);
		w->depth--;
	}
	free(copy);
}

/* --- The operations --- */

/* @x sends its data message (vsr_keys_seal(): an AUTH without session). */
static void fz_send(struct fz_world *w, int from, bool deliver)
{
	static u8 buf[FZ_DGRAM_MAX];
	struct fz_rep *x = &w->r[from], *y = &w->r[!from];
	size_t len = w->msg_len[from];
	struct fz_dgram *d;
	bool session;
	int t;

	if (w->nhist == FZ_HIST_MAX)
		return;
	memcpy(buf, w->msg[from], len);
	/* Both ends in one session, the receiver taking the key. */
	session = x->m.known && !memcmp(x->m.nonce, y->nonce, NONCE) &&
		  y->m.known && !memcmp(y->m.nonce, x->nonce, NONCE) &&
		  fz_compatible(x, y) && !y->waived &&
		  /* (The glue sends no AUTH but vsr_auth_hello()'s.) */
		  (buf[14] != VSR_CMD_AUTH || len == AUTH_LEN);
	t = fz_seal(w, from, buf, len);
	if (t < 0) {
		if (t == -ENOTCONN)
			fz_auth(w, from, deliver);
		return;
	}
	d = fz_record(w, from, buf, len + t);
	if (deliver) {
		d->delivered = true;
		fz_rx(w, !from, d->buf, d->len, session);
	}
}

/* @d changed, by @q and @r, delivered. */
static void fz_mangle(struct fz_world *w, const struct fz_dgram *d, u8 q,
		      u8 r)
{
	static u8 buf[FZ_DGRAM_MAX + FZ_EXTRA_MAX];
	size_t len = d->len, size = vsr_wire_size(d->buf), i, pos;
	bool trailer = len == size + TRAILER;
	u64 v;

	memcpy(buf, d->buf, len);
	switch (q & 7) {
	case 0:
	case 1:	/* 1 to 4 bits flipped, half of them in the last 40 bytes */
		for (i = 0; i <= (q >> 3 & 3); i++) {
			v = fz_rand(w) ^ r;
			pos = (v & 1) ? len - 1 - (v >> 1) % min(len, 40ul) :
			      (v >> 1) % len;
			buf[pos] ^= 1u << ((q >> 5) + i) % 8;
		}
		break;
	case 2:	/* cut */
		len -= min(len, 1 + r % (size_t)FZ_EXTRA_MAX);
		break;
	case 3:	/* extended */
		for (i = 0; i <= r % FZ_EXTRA_MAX; i++)
			buf[len++] = fz_rand(w);
		break;
	case 4:	/* another counter */
		if (!trailer) {
			buf[len - 1] ^= 1;
			break;
		}
		v = get_unaligned_le64(buf + size + 4);
		v = (q & 8) ? v + 1 + r : (q & 16) ? r : v - 1 - r;
		put_unaligned_le64(v, buf + size + 4);
		break;
	case 5:	/* another key's id */
		if (!trailer) {
			buf[len - 1] ^= 0x80;
			break;
		}
		i = fz_key_of(get_unaligned_le32(buf + size));
		put_unaligned_le32(fz_ids[(i + 1 + (r & 1)) % 3], buf + size);
		break;
	case 6:	/* the trailer cut off, or a made-up one */
		if (trailer) {
			len = size;
			break;
		}
		put_unaligned_le32(fz_ids[r % 3], buf + len);
		fz_bytes(w, buf + len + 4, TRAILER - 4);
		len += TRAILER;
		break;
	default: /* the header restamped in the other format: checksums hold */
		vsr_hdr_restamp(buf, d->buf, buf[12] == 1 ? 2 : 1);
		break;
	}
	fz_rx(w, !d->from, buf, len, false);
}

/* A datagram from @x's address that no replica sealed: by @p, @q, @r. */
static void fz_forge(struct fz_world *w, int from, u8 p, u8 q, u8 r)
{
	static u8 buf[FZ_DGRAM_MAX + FZ_EXTRA_MAX];
	struct fz_rep *x = &w->r[from], *y = &w->r[!from];
	unsigned int v = p % 10, i;
	u8 old[NONCE], bogus[NONCE], other[ADDR];
	size_t len;
	struct fz_seal s;
	bool hs;

	if (v == 9) {
		/* The fuzzer's bytes, the replica index and cluster right. */
		len = min(w->raw_len, sizeof(buf));
		if (len < VSR_HDR_SIZE)
			return;
		memcpy(buf, w->raw, len);
		buf[offsetof(struct vsr_wire_hdr, replica)] = x->index;
		put_unaligned_le64(CLUSTER, buf +
				   offsetof(struct vsr_wire_hdr, cluster));
		fz_rx(w, !from, buf, len, false);
		return;
	}
	if (q & 1) {
		len = vsr_auth_hello(&x->peer, x->nonce, CLUSTER, 0, x->index,
				     buf);
	} else {
		len = w->msg_len[from];
		memcpy(buf, w->msg[from], len);
	}
	hs = buf[14] == VSR_CMD_AUTH;
	if (v == 8) {
		/* The fuzzer's trailer: 0 to 40 bytes, a key id of choice. */
		size_t t = (r & 1) ? TRAILER : (r >> 1) % (FZ_EXTRA_MAX + 1);
		u32 id = (q >> 1 & 3) < 3 ? fz_ids[q >> 1 & 3] : fz_rand(w);

		fz_bytes(w, buf + len, t);
		if (t >= 4)
			put_unaligned_le32(id, buf + len);
		fz_rx(w, !from, buf, len + t, false);
		return;
	}
	/* Right but for one thing (a tag right in all is no forgery). */
	s = (struct fz_seal){
		.key = fz_states[x->state].send == FZ_NONE ? FZ_K1 :
		       fz_states[x->state].send,
		.cluster = CLUSTER, .from = x->addr, .to = y->addr,
		.from_nonce = x->nonce,
		.to_nonce = x->m.known ? x->m.nonce : y->nonce,
		.ctr = hs ? 0 : x->m.tx + 1 + r % 4,
	};
	if (hs && v >= 4 && v <= 6)
		v = 0;
	switch (v) {
	case 0:
		s.cluster = ~CLUSTER;
		break;
	case 1:
		/*
		 * From or to (@r & 1) an address next to the replica's: one
		 * bit off, or its index in the other family (@r & 2).
		 */
		i = r & 1 ? y->index : x->index;
		if (r & 2) {
			fz_addr(other, i, !w->v6);
		} else {
			fz_addr(other, i, w->v6);
			other[(r >> 2) % ADDR] ^= 1 << fz_rand(w) % 8;
		}
		if (r & 1)
			s.to = other;
		else
			s.from = other;
		break;
	case 2:	/* from another replica (from the receiver: reflected) */
		fz_addr(other, (x->index + 1 + r % (w->n_peers - 1)) %
			w->n_peers, w->v6);
		s.from = other;
		break;
	case 3:	/* to another replica */
		fz_addr(other, (y->index + 1 + r % (w->n_peers - 1)) %
			w->n_peers, w->v6);
		s.to = other;
		break;
	case 4:	/* for an older incarnation of the receiver */
		fz_nonce(old, y->index, y->life ? r % y->life :
			 FZ_BOGUS_LIFE + r);
		s.to_nonce = old;
		break;
	case 5:	/* by an incarnation that never was */
		fz_nonce(bogus, x->index, FZ_BOGUS_LIFE + r);
		s.from_nonce = bogus;
		break;
	case 6:	/* counter 0, which only AUTH has */
		s.ctr = 0;
		s.to_nonce = y->nonce;
		break;
	default: /* with a key the receiver does not take (one of 3 is) */
		for (i = FZ_K3; fz_accepts_key(y, i); i--)
			FZ_ASSERT(i != FZ_K1);
		s.key = i;
		break;
	}
	fz_trailer(buf + len, &s, buf, len);
	fz_rx(w, !from, buf, len + TRAILER, false);
}

/*
 * An unauthenticated AUTH from @x's address to the other replica, echoing
 * the last challenge that one sent @x, which anyone on the path saw in
 * clear.  Keys that accept none take it, and vsr_auth_handshake() adopts
 * its nonce: made up, @x's previous incarnation's, or @x's own (@r picks).
 * A made-up one breaks the session, and the AUTHs that mend it bring @x's
 * nonce back with a new window: what the receiver accepted from @x before
 * gets through once more (FUZZ_AUTH_STRICT=1 shows it).
 */
static void fz_attack(struct fz_world *w, int from, u8 p, u8 q, u8 r)
{
	static const u8 none[NONCE];
	struct fz_rep *x = &w->r[from], *y = &w->r[!from];
	u8 buf[AUTH_LEN], nonce[NONCE], challenge[NONCE];
	const u8 *echo = none;
	unsigned int i;
	size_t len;

	for (i = w->nhist; i-- > 0; )
		if (w->hist[i].from == !from && w->hist[i].hello &&
		    w->hist[i].life == y->life) {
			echo = w->hist[i].buf + VSR_HDR_SIZE + NONCE;
			break;
		}
	if (r % 3 == 2)
		memcpy(nonce, x->nonce, NONCE);
	else if (r % 3 == 1 && x->life)
		fz_nonce(nonce, x->index, x->life - 1);
	else
		fz_nonce(nonce, x->index, FZ_BOGUS_LIFE + 256 + q);
	fz_bytes(w, challenge, NONCE);
	len = vsr_auth_msg_seal(buf, CLUSTER, 0, x->index, nonce, challenge,
				echo, (p & 1) ? y->nonce : none,
				(p & 2) ? VSR_AUTH_FEAT_DECRYPT : 0);
	fz_rx(w, !from, buf, len, false);
}

/* AUTHs back and forth until nobody answers, nothing lost. */
static void fz_handshake_clean(struct fz_world *w, int from)
{
	struct fz_rep *x = &w->r[from], *y = &w->r[!from];
	bool now = w->answer_now, y_spoke = false;
	unsigned int before, i;

	if (w->nhist + FZ_DEPTH_MAX > FZ_HIST_MAX)
		return;
	/* A clean network, and time enough for the rate limits. */
	w->answer_now = true;
	w->due = true;
	before = w->nhist;
	fz_auth(w, from, true);
	w->answer_now = now;
	for (i = before; i < w->nhist; i++)
		y_spoke |= w->hist[i].from == !from && w->hist[i].hello;
	if (!fz_compatible(x, y) || !fz_compatible(y, x) || x->waived ||
	    y->waived)
		return;
	/*
	 * Each side that sends with a key has the other's nonce, unless the
	 * other sends unauthenticated AUTHs and the session it would replace
	 * is an authenticated one (auth.c refuses that; see
	 * vsr_auth_handshake()).
	 */
	if (fz_states[x->state].send != FZ_NONE &&
	    !(fz_states[y->state].send == FZ_NONE && x->m.known_auth))
		FZ_ASSERT(x->m.known && !memcmp(x->m.nonce, y->nonce, NONCE));
	if (fz_states[y->state].send != FZ_NONE &&
	    !(fz_states[x->state].send == FZ_NONE && y->m.known_auth))
		FZ_ASSERT(y->m.known && !memcmp(y->m.nonce, x->nonce, NONCE));
	/*
	 * A side that has the other's nonce and heard its authenticated
	 * AUTHs knows that it decrypts (both modules do): no AUTH planted
	 * earlier outlives the live one.
	 */
	if (x->m.known && !memcmp(x->m.nonce, y->nonce, NONCE) &&
	    fz_states[y->state].send != FZ_NONE && y_spoke)
		FZ_ASSERT(x->peer.decrypts);
	fz_stats[ST_CONVERGED]++;
}

static void fz_op(struct fz_world *w, const u8 *o)
{
	int from = o[0] >> 7, op = (o[0] & 0x3f) % FZ_OPS;
	struct fz_rep *x = &w->r[from], *y = &w->r[!from];
	u8 p = o[1], q = o[2], r = o[3], nonce[NONCE];
	unsigned int i, n;

	fz_op_now = op;
	fz_op_stats[op]++;
	w->due = o[0] & 0x40;
	if (fz_trace)
		fprintf(stderr, "op %s by %d (%u, life %u): %02x %02x %02x\n",
			fz_op_names[op], from, x->index, x->life, p, q, r);
	switch (op) {
	case FZ_SEND:
	case FZ_SEND2:
	case FZ_SEND3:
		fz_send(w, from, p & 3);
		break;
	case FZ_AUTH:
		fz_auth(w, from, p & 3);
		break;
	case FZ_DELIVER:
	case FZ_DELIVER2:
		if (w->nhist)
			fz_deliver(w, &w->hist[(p | q << 8) % w->nhist]);
		break;
	case FZ_MANGLE:
	case FZ_MANGLE2:
		if (w->nhist)
			fz_mangle(w, &w->hist[p % w->nhist], q, r);
		break;
	case FZ_FORGE:
		fz_forge(w, from, p, q, r);
		break;
	case FZ_FLUSH:
		n = w->nhist;
		for (i = 0; i < n; i++) {
			struct fz_dgram *d = &w->hist[(p & 1) ? n - 1 - i : i];

			if (d->from == from && !d->delivered)
				fz_deliver(w, d);
		}
		break;
	case FZ_HANDSHAKE:
		fz_handshake_clean(w, from);
		break;
	case FZ_RESTART:
		fz_start(w, from, x->life + 1);
		break;
	case FZ_SESSION:
		switch (p & 3) {
		case 0:
			fz_session_set(w, x, y->nonce);
			break;
		case 1:
			fz_session_set(w, x, y->nonce);
			fz_session_set(w, y, x->nonce);
			break;
		case 2:	/* a counter jump, up to 2^31 */
			x->peer.tx += (u64)(1 + (q | r << 8)) << (p >> 2 & 15);
			x->m.tx = x->peer.tx;
			break;
		default:
			/*
			 * Where there is none, a stale session: an older
			 * incarnation's nonce, as if adopted back then.  (Not
			 * over one: no AUTH can take a session back.)
			 */
			if (x->m.known)
				break;
			fz_nonce(nonce, y->index, y->life ? q % y->life :
				 FZ_BOGUS_LIFE + 512 + q);
			fz_session_set(w, x, nonce);
			break;
		}
		break;
	case FZ_KEYS:
		x->state = p % ARRAY_SIZE(fz_states);
		x->a = fz_keys_of(x->state, x->index, w->v6, x->life,
				  x->nonce);
		break;
	default:
		fz_attack(w, from, p, q, r);
		break;
	}
	fz_check_session(x);
	fz_check_session(y);
}

/* The data message from @replica, in @buf: built, or the fuzzer's bytes. */
static size_t fz_message(u8 *buf, u8 kind, const u8 *in, size_t n,
			 u32 replica)
{
	static const u8 cmds[] = {
		VSR_CMD_PREPAREOK, VSR_CMD_COMMIT, VSR_CMD_STARTVIEWCHANGE,
		VSR_CMD_DOVIEWCHANGE, VSR_CMD_STARTVIEW, VSR_CMD_GETSTATE,
		VSR_CMD_RECOVERY,
	};
	struct vsr_hdr h = { };
	u8 b[4] = { };
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
		memcpy(b, in, min(n, sizeof(b)));
		h.command = cmds[b[0] % ARRAY_SIZE(cmds)];
		h.view = b[1];
		h.op = b[2];
		h.commit = b[3] % (h.op + 1);
		len = vsr_msg_seal(buf, &h, 0);
		break;
	default:
		len = min(n, (size_t)VSR_MSG_BUILD_MAX);
		if (len < VSR_HDR_SIZE)
			return fz_message(buf, 2, in, n, replica);
		memcpy(buf, in, len);
		break;
	}
	/* From @replica, in our cluster (node.c checks both first). */
	vsr_hdr_get(buf, &h);
	h.replica = replica;
	h.cluster = CLUSTER;
	return vsr_msg_seal(buf, &h, len - VSR_HDR_SIZE);
}

static void fz_cleanup(struct fz_world *w)
{
	unsigned int i;

	for (i = 0; i < w->nhist; i++)
		free(w->hist[i].buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static u8 msg[2][VSR_MSG_MAX + 64];
	struct fz_world *w = &fz_world;
	u8 hdr[6] = { }, o[4];
	unsigned int nops, i;
	size_t k, at;
	u64 h = 0xcbf29ce484222325ull;

	fz_init();
	fz_input++;
	if (fz_trace)
		fprintf(stderr, "input %llu: %zu bytes\n", fz_input, size);
	fz_op_now = -1;
	memcpy(hdr, data, min(size, sizeof(hdr)));
	/* FNV-1a of the input seeds the challenges and the mangling. */
	for (k = 0; k < size; k++)
		h = (h ^ data[k]) * 0x100000001b3ull;

	memset(w, 0, offsetof(struct fz_world, hist));
	w->rng = h;
	w->n_peers = 2 + (hdr[1] & 15) % (VSR_MAX_PEERS - 1);
	w->kick = hdr[1] & 0x10;
	w->enc[0] = hdr[1] & 0x40;
	w->enc[1] = hdr[1] & 0x80;
	w->answer_now = hdr[0] & 0x80;
	w->split = hdr[4];
	w->r[0].index = (hdr[2] & 15) % w->n_peers;
	w->r[1].index = (hdr[2] >> 4) % w->n_peers;
	if (w->r[1].index == w->r[0].index)
		w->r[1].index = (w->r[0].index + 1) % w->n_peers;
	w->v6 = hdr[3] & 0x20;
	for (i = 0; i < 2; i++)
		fz_addr(w->r[i].addr, w->r[i].index, w->v6);
	/* Where each keeps the other: not where the other keeps it. */
	w->r[0].slot = (w->r[1].index + 3 * (hdr[5] >> 5)) % VSR_MAX_PEERS;
	w->r[1].slot = (w->r[0].index + 5 * (hdr[5] >> 5)) % VSR_MAX_PEERS;
	w->r[0].state = hdr[0] & 7;
	w->r[1].state = hdr[0] >> 3 & 7;
	nops = 1 + hdr[5] % FZ_OPS_MAX;
	at = min(size, sizeof(hdr) + 4 * nops);
	w->raw = data + at;
	w->raw_len = size - at;
	for (i = 0; i < 2; i++) {
		fz_start(w, i, 0);
		w->msg[i] = msg[i];
		w->msg_len[i] = fz_message(msg[i], hdr[3], w->raw_len ?
					   w->raw : hdr, w->raw_len ?
					   w->raw_len : sizeof(hdr),
					   w->r[i].index);
	}
	if (hdr[1] & 0x20) {
		fz_session_set(w, &w->r[0], w->r[1].nonce);
		fz_session_set(w, &w->r[1], w->r[0].nonce);
	}
	if (hdr[0] & 0x40)
		fz_handshake_clean(w, 0);

	for (i = 0; i < nops; i++) {
		if (sizeof(hdr) + 4 * i >= size)
			break;
		/* Room for what one operation records at most. */
		if (w->nhist + 4 * FZ_DEPTH_MAX > FZ_HIST_MAX ||
		    w->nacc + 4 * FZ_DEPTH_MAX > FZ_ACC_MAX)
			break;
		memset(o, 0, sizeof(o));
		memcpy(o, data + sizeof(hdr) + 4 * i,
		       min(sizeof(o), size - sizeof(hdr) - 4 * i));
		fz_op(w, o);
	}
	fz_cleanup(w);
	return 0;
}

void fuzz_report(void)
{
	unsigned long long n;
	int i, j;

	printf("%-50s %10s\n", "operations", "done");
	for (i = 0; i < FZ_OPS; i++) {
		if (i && !strcmp(fz_op_names[i], fz_op_names[i - 1]))
			continue;
		for (n = 0, j = i; j < FZ_OPS; j++)
			if (!strcmp(fz_op_names[i], fz_op_names[j]))
				n += fz_op_stats[j];
		printf("%-50s %10llu\n", fz_op_names[i], n);
	}
	printf("%-50s %10s\n", "datagrams and AUTHs", "count");
	for (i = 0; i < ST_MAX; i++)
		printf("%-50s %10llu\n", fz_stat_names[i], fz_stats[i]);
	if (fz_blackbox || fz_strict)
		printf("(%s%s)\n", fz_blackbox ? "FUZZ_AUTH_BLACKBOX " : "",
		       fz_strict ? "FUZZ_AUTH_STRICT" : "");
}
