/* SPDX-License-Identifier: GPL-2.0 */
/*
 * auth.h - authentication of an instance's datagrams: MACs in a trailer
 * after each datagram, keyed fresh for each pair of incarnations, with a
 * counter against replays; for a sender that encrypts, the same AEAD
 * with the record bytes as plaintext.
 *
 * Pure (no sockets, no locks, no clock): keys.c applies it to what the
 * node receives and sends; the unit tests call it directly.  See
 * Documentation/protocol.rst, "Authentication", for the why.
 *
 * Every replica incarnation draws a random nonce N.  Two replicas learn
 * each other's nonce in an AUTH handshake (wire.h), whose messages are
 * MACed with a static key per link direction.  A replica adopts a peer's
 * nonce only from an AUTH that echoes the challenge it last gave that
 * peer, and draws a new challenge each time it adopts one: only a live
 * incarnation can answer the current challenge, so no recorded AUTH can
 * plant an old nonce, or bring back one whose replay window is gone.
 * Every other datagram from a to b is MACed with the session key
 * E(a, N_a, b, N_b), with the counter as nonce: it is good for one
 * incarnation of b, and once (the counter).
 *
 * An authenticated datagram is the message (hdr.size bytes) followed by
 *
 *   off  size
 *     0     4  key id of the cluster key it was sealed with (le32)
 *     4     8  counter (le64): 1, 2, ... per destination; 0 in AUTH
 *    12    16  tag: BLAKE2s-128 (AUTH) or Poly1305's (every other)
 *
 * With K the 32-byte cluster key and C the cluster id (le64):
 *
 *   key id     first 4 bytes of BLAKE2s-256_K("vsr key id 1")
 *   L(a, b)    BLAKE2s-256_K("vsr link key 2" | C | a | b)
 *   S(a, N)    BLAKE2s-256_K("vsr sender key 2" | C | a | N)
 *   E(a, N_a, b, N_b)  BLAKE2s-256_S(a, N_a)("vsr encrypt key 2" | b | N_b)
 *   AUTH tag   BLAKE2s-128_L(a, b)(message | key id | counter)
 *   other tag  the tag of ChaCha20-Poly1305 with key E(a, N_a, b, N_b) and
 *              nonce the counter, over no plaintext and the additional
 *              data message | key id | counter
 *
 * a and b are the two replicas' UDP addresses, VSR_AUTH_ADDR_SIZE bytes
 * each: the family (le16), the port and the address (network order), and
 * zeros to the end.  Not their indices: an instance's peers are in an
 * order of its own once its list grew (reconfiguration appends the new
 * members in the order it meets them), so only the addresses are names
 * that both ends of a link share.  (The nonce of the AEAD is the 64-bit
 * one of the kernel's chacha20poly1305_encrypt(), RFC 8439's
 * 0^32 | le64.)
 *
 * Encryption (a sender's choice, "encrypt on"; every receiver takes both):
 * a datagram other than an AUTH may instead be encrypted with the same
 * AEAD and key, its counter's top bit (VSR_AUTH_CTR_ENCRYPTED) set:
 *
 *   nonce              the counter, top bit set (unique: a sender's counter
 *                      to a peer never goes back in its incarnation, and
 *                      the bit keeps it apart from the MACs' nonces)
 *   plaintext          message bytes VSR_AUTH_CLEAR.. (head checksum, flags,
 *                      arguments, body), encrypted in place
 *   additional data    message bytes 0..VSR_AUTH_CLEAR - 1, both checksums
 *                      zeroed | key id | counter | N_b
 *   tag                the AEAD's, in the trailer's tag field
 *
 * What stays in clear is what the receive path reads before it can decrypt
 * (magic, version, command, sender, cluster, epoch, size) and the
 * protocol's view, op, commit and log view: no byte of a record, nor any
 * checksum over one.
 */
#ifndef _VSR_AUTH_H
#define _VSR_AUTH_H

#include <linux/bitops.h>
#include <linux/rcupdate.h>
#include <linux/types.h>
#include <linux/uio.h>
#include <crypto/blake2s.h>
#include <uapi/linux/vsr.h>

#include "wire.h"

#define VSR_AUTH_TAG_SIZE	16
/* A message's bytes that encryption leaves in clear ... */
#define VSR_AUTH_CLEAR		56
/* ... of which these first ones (the two checksums) go as zeros. */
#define VSR_AUTH_CSUMS		8
/* In a trailer's counter: the datagram is encrypted. */
#define VSR_AUTH_CTR_ENCRYPTED	BIT_ULL(63)
static_assert(offsetof(struct vsr_wire_hdr, head_csum) == VSR_AUTH_CLEAR);
static_assert(offsetof(struct vsr_wire_hdr, size) < VSR_AUTH_CLEAR);
static_assert(offsetof(struct vsr_wire_hdr, magic) == VSR_AUTH_CSUMS);
#define VSR_AUTH_TRAILER_SIZE	(4 + 8 + VSR_AUTH_TAG_SIZE)
/* An address as the keys name it (see above). */
#define VSR_AUTH_ADDR_SIZE	24
static_assert(VSR_AUTH_TRAILER_SIZE <= VSR_TRAILER_ROOM);
/* What vsr_auth_handshake() says to do. */
enum {
	VSR_AUTH_QUIET,		/* nothing */
	VSR_AUTH_ANSWER,	/* answer, within the rate limit */
	VSR_AUTH_ANSWER_NOW,	/* answer now: a new challenge, or an adoption */
};
/* Counters this far below the highest one accepted are still accepted. */
#define VSR_AUTH_WINDOW		1024

/**
 * struct vsr_key_change - what a netlink add or set asks of the keys
 * @key: the new key to send with (VSR_KEY_LEN bytes), or NULL
 * @key_none: send unauthenticated datagrams instead
 * @accept_key: a second key to accept too, or NULL
 * @accept_none: accept unauthenticated datagrams too
 * @accept_off: accept only what @key (or @key_none) allows
 * @swap: then exchange the key sent with and the second one
 */
struct vsr_key_change {
	const u8 *key;
	bool key_none;
	const u8 *accept_key;
	bool accept_none;
	bool accept_off;
	bool swap;
};

/**
 * struct vsr_auth_slot - one key an instance holds
 * @set: holds a key; else it stands for unauthenticated datagrams
 * @id: vsr_auth_key_id() of @key
 * @key: the cluster key
 * @self: S(this replica, its nonce)
 *
 * The link keys L, used by AUTH alone, are derived for each AUTH: the
 * peers they name can be added at any time.
 */
struct vsr_auth_slot {
	bool set;
	u32 id;
	u8 key[VSR_KEY_LEN];
	u8 self[BLAKE2S_KEY_SIZE];
};

/**
 * struct vsr_auth_derived - a key derived for one session, kept for the
 *	datagrams that follow it
 * @set: @key holds a key, derived for the nonces below
 * @peer: the peer's nonce it was derived for
 * @self: this incarnation's nonce, likewise
 * @key: the key
 */
struct vsr_auth_derived {
	bool set;
	u8 peer[VSR_AUTH_NONCE_SIZE];
	u8 self[VSR_AUTH_NONCE_SIZE];
	u8 key[BLAKE2S_KEY_SIZE];
};

/**
 * struct vsr_auth_cache - the session keys E of struct vsr_auth, derived
 *	once per pair of incarnations instead of once per datagram
 * @rx: E(peer, N_peer, this replica, N_self), per slot and peer
 * @tx: E(this replica, N_self, peer, N_peer), slot 0's, per peer
 *
 * The receive path alone (one work item) uses @rx, the send path alone
 * (under the node lock) @tx: each has one writer.
 */
struct vsr_auth_cache {
	struct vsr_auth_derived rx[2][VSR_MAX_PEERS];
	struct vsr_auth_derived tx[VSR_MAX_PEERS];
};

/**
 * struct vsr_auth - the keys of an instance; replaced whole, never changed
 *	(but for the session keys it derives and keeps in @cache)
 * @rcu: freed (and wiped) after a grace period
 * @slot: [0] is sent with and accepted; [1] is accepted too if @second
 * @second: @slot[1] is in use
 * @cluster: the cluster id the keys were derived for
 * @addr: this replica's address (VSR_AUTH_ADDR_SIZE), likewise
 * @nonce: this incarnation's nonce, which @slot's keys were derived for
 * @cache: session keys derived from @slot (in the same allocation)
 */
struct vsr_auth {
	struct rcu_head rcu;
	struct vsr_auth_slot slot[2];
	bool second;
	u64 cluster;
	u8 addr[VSR_AUTH_ADDR_SIZE];
	u8 nonce[VSR_AUTH_NONCE_SIZE];
	struct vsr_auth_cache *cache;
};

/**
 * struct vsr_auth_peer - the session with one peer (the glue's, mutable)
 * @known: @nonce is the peer's nonce, adopted
 * @known_auth: it was adopted from an authenticated AUTH, or an
 *	authenticated datagram was accepted in its session: only an
 *	authenticated AUTH may replace it
 * @nonce: the peer's nonce, adopted from an AUTH that echoed @challenge
 * @challenge: ours to the peer; random, renewed at each adoption
 * @heard: the peer's challenge to us, from its last AUTH: what ours echo
 * @answered: the last challenge of the peer's that we answered
 * @top: highest counter accepted from the peer's incarnation @nonce
 * @seen: whether counter c in (@top - VSR_AUTH_WINDOW, @top] was
 *	accepted: bit c % VSR_AUTH_WINDOW
 * @decrypts: the peer's incarnation @nonce decrypts (VSR_AUTH_FEAT_DECRYPT
 *	in the AUTH it was adopted from)
 * @tx: counter of the last datagram sealed to the peer
 * @addr: the peer's address (VSR_AUTH_ADDR_SIZE), which the keys of the
 *	link name: set by the glue before the session is used, and never
 *	changed while it is (vsr_auth_handshake() leaves it)
 */
struct vsr_auth_peer {
	bool known;
	bool known_auth;
	bool decrypts;
	u8 nonce[VSR_AUTH_NONCE_SIZE];
	u8 challenge[VSR_AUTH_NONCE_SIZE];
	u8 heard[VSR_AUTH_NONCE_SIZE];
	u8 answered[VSR_AUTH_NONCE_SIZE];
	u64 top;
	unsigned long seen[BITS_TO_LONGS(VSR_AUTH_WINDOW)];
	u64 tx;
	u8 addr[VSR_AUTH_ADDR_SIZE];
};

/**
 * struct vsr_auth_enc - where vsr_auth_seal_encrypted() puts a datagram
 * @hdr: its first VSR_AUTH_CLEAR bytes
 * @out: the rest of the message, encrypted; room for its size -
 *	VSR_AUTH_CLEAR + VSR_AUTH_TAG_SIZE bytes (VSR_AUTH_ENC_OUT_MAX will do)
 */
struct vsr_auth_enc {
	u8 hdr[VSR_AUTH_CLEAR];
	u8 *out;
};

#define VSR_AUTH_ENC_OUT_MAX	(VSR_MSG_MAX - VSR_AUTH_CLEAR + VSR_AUTH_TAG_SIZE)

/**
 * struct vsr_auth_seen - how a received datagram was authenticated
 * @auth: 0 nothing learned (malformed), 1 unauthenticated, 2 with key @id
 *	(verified or not: see the return value)
 * @id: its key id if @auth is 2
 * @encrypted: it was encrypted, if @auth is 2
 */
struct vsr_auth_seen {
	u8 auth;
	u32 id;
	bool encrypted;
};

u32 vsr_auth_key_id(const u8 *key);
struct vsr_auth *vsr_auth_change(const struct vsr_auth *old,
				 const struct vsr_key_change *kc, u64 cluster,
				 const u8 *addr, const u8 *nonce, gfp_t gfp,
				 const char **why);
void vsr_auth_free(struct vsr_auth *a);
void vsr_auth_free_rcu(struct vsr_auth *a);
bool vsr_auth_sends_key(const struct vsr_auth *a);
bool vsr_auth_accepts_none(const struct vsr_auth *a);
bool vsr_auth_has_key(const struct vsr_auth *a);
int vsr_auth_seal(const struct vsr_auth *a, unsigned int to,
		  struct vsr_auth_peer *peer, const struct kvec *iov,
		  size_t nr, u8 trailer[VSR_AUTH_TRAILER_SIZE]);
int vsr_auth_seal_encrypted(const struct vsr_auth *a, unsigned int to,
			    struct vsr_auth_peer *peer, const struct kvec *iov,
			    size_t nr, struct vsr_auth_enc *enc,
			    u8 trailer[VSR_AUTH_TRAILER_SIZE]);
int vsr_auth_open(const struct vsr_auth *a, unsigned int from,
		  struct vsr_auth_peer *peer, const u8 *self_nonce,
		  u8 *buf, size_t *len, struct vsr_auth_seen *seen);
int vsr_auth_handshake(struct vsr_auth_peer *peer, const u8 *self_nonce,
		       const u8 *body, u64 features, bool authenticated,
		       const u8 *new_challenge, bool *fresh);
size_t vsr_auth_hello(const struct vsr_auth_peer *peer, const u8 *self_nonce,
		      u64 cluster, u32 epoch, u8 replica, u8 *buf);

#endif /* _VSR_AUTH_H */
