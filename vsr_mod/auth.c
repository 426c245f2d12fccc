// SPDX-License-Identifier: GPL-2.0
/*
 * auth.c - the MAC trailer of authenticated datagrams and the handshake
 * that makes it fresh (see auth.h).
 *
 * BLAKE2s derives the keys and MACs the handshake: both Debian kernels
 * (6.1 and 6.12) have it built in, with nothing to configure (random.c
 * uses it), and a keyed BLAKE2s is a MAC by design (RFC 7693 section
 * 2.5).  The datagrams of a session, which carry the records, are MACed
 * (or encrypted) with ChaCha20-Poly1305, several times faster per byte
 * than BLAKE2s.  Both tags are 16 bytes; a forgery of Poly1305's succeeds
 * with at most 2^-91 per try for the longest datagram, BLAKE2s's 2^-128.
 * Poly1305, unlike BLAKE2s, needs each key and nonce once: see
 * vsr_keys_vmfork() for the one way a replica could repeat them.
 */

#include <linux/bitmap.h>
#include <linux/err.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <crypto/algapi.h>
#include <crypto/chacha.h>
#include <crypto/chacha20poly1305.h>
#include <crypto/poly1305.h>

#include "auth.h"
#include "wire.h"

#define VSR_AUTH_ID_LABEL	"vsr key id 1"
#define VSR_AUTH_LINK_LABEL	"vsr link key 2"
#define VSR_AUTH_SENDER_LABEL	"vsr sender key 2"
#define VSR_AUTH_ENC_LABEL	"vsr encrypt key 2"
/* Additional data of the AEAD: clear header | key id | counter | N_b. */
#define VSR_AUTH_AD_SIZE	(VSR_AUTH_CLEAR + 12 + VSR_AUTH_NONCE_SIZE)

/**
 * vsr_auth_key_id() - the public name of a key
 * @key: VSR_KEY_LEN bytes
 *
 * The first 32 bits of BLAKE2s keyed with @key over a constant: it tells
 * keys apart and says nothing about them.
 *
 * Return: the key id.
 */
u32 vsr_auth_key_id(const u8 *key)
{
	u8 out[BLAKE2S_HASH_SIZE];
	u32 id;

	blake2s(out, VSR_AUTH_ID_LABEL, key, sizeof(out),
		sizeof(VSR_AUTH_ID_LABEL) - 1, VSR_KEY_LEN);
	id = get_unaligned_le32(out);
	memzero_explicit(out, sizeof(out));
	return id;
}
EXPORT_SYMBOL_IF_KUNIT(vsr_auth_key_id);

/* L(from, to): the key of AUTH messages from one address to another. */
static void vsr_auth_link_key(u8 out[BLAKE2S_KEY_SIZE], const u8 *key,
			      u64 cluster, const u8 *from, const u8 *to)
{
	u8 msg[sizeof(VSR_AUTH_LINK_LABEL) - 1 + 8 + 2 * VSR_AUTH_ADDR_SIZE];
	size_t n = sizeof(VSR_AUTH_LINK_LABEL) - 1;

	memcpy(msg, VSR_AUTH_LINK_LABEL, n);
	put_unaligned_le64(cluster, msg + n);
	memcpy(msg + n + 8, from, VSR_AUTH_ADDR_SIZE);
	memcpy(msg + n + 8 + VSR_AUTH_ADDR_SIZE, to, VSR_AUTH_ADDR_SIZE);
	blake2s(out, msg, key, BLAKE2S_KEY_SIZE, sizeof(msg), VSR_KEY_LEN);
}

/* S(address, nonce): the key of every other datagram of one incarnation. */
static void vsr_auth_sender_key(u8 out[BLAKE2S_KEY_SIZE], const u8 *key,
				u64 cluster, const u8 *addr, const u8 *nonce)
{
	u8 msg[sizeof(VSR_AUTH_SENDER_LABEL) - 1 + 8 + VSR_AUTH_ADDR_SIZE +
	       VSR_AUTH_NONCE_SIZE];
	size_t n = sizeof(VSR_AUTH_SENDER_LABEL) - 1;

	memcpy(msg, VSR_AUTH_SENDER_LABEL, n);
	put_unaligned_le64(cluster, msg + n);
	memcpy(msg + n + 8, addr, VSR_AUTH_ADDR_SIZE);
	memcpy(msg + n + 8 + VSR_AUTH_ADDR_SIZE, nonce, VSR_AUTH_NONCE_SIZE);
	blake2s(out, msg, key, BLAKE2S_KEY_SIZE, sizeof(msg), VSR_KEY_LEN);
}

/* E(a, N_a, b, N_b), from @sender = S(a, N_a): the AEAD key of a -> b. */
static void vsr_auth_enc_key(u8 out[CHACHA20POLY1305_KEY_SIZE],
			     const u8 *sender, const u8 *to, const u8 *to_nonce)
{
	u8 msg[sizeof(VSR_AUTH_ENC_LABEL) - 1 + VSR_AUTH_ADDR_SIZE +
	       VSR_AUTH_NONCE_SIZE];
	size_t n = sizeof(VSR_AUTH_ENC_LABEL) - 1;

	memcpy(msg, VSR_AUTH_ENC_LABEL, n);
	memcpy(msg + n, to, VSR_AUTH_ADDR_SIZE);
	memcpy(msg + n + VSR_AUTH_ADDR_SIZE, to_nonce, VSR_AUTH_NONCE_SIZE);
	blake2s(out, msg, sender, CHACHA20POLY1305_KEY_SIZE, sizeof(msg),
		BLAKE2S_KEY_SIZE);
}

/*
 * The key in @d if it was derived for @peer_nonce and @self_nonce, else
 * NULL.  (Nonces are no secret: memcmp() will do.)
 */
static const u8 *vsr_auth_cached(const struct vsr_auth_derived *d,
				 const u8 *peer_nonce, const u8 *self_nonce)
{
	if (d->set && !memcmp(d->peer, peer_nonce, VSR_AUTH_NONCE_SIZE) &&
	    !memcmp(d->self, self_nonce, VSR_AUTH_NONCE_SIZE))
		return d->key;
	return NULL;
}

/* Make @d the place of a key for @peer_nonce and @self_nonce: its key. */
static u8 *vsr_auth_cache_put(struct vsr_auth_derived *d,
			      const u8 *peer_nonce, const u8 *self_nonce)
{
	d->set = true;
	memcpy(d->peer, peer_nonce, VSR_AUTH_NONCE_SIZE);
	memcpy(d->self, self_nonce, VSR_AUTH_NONCE_SIZE);
	return d->key;
}

/* The AEAD's additional data: @hdr's clear part, @trailer's id and counter. */
static void vsr_auth_ad(u8 ad[VSR_AUTH_AD_SIZE], const u8 *hdr,
			const u8 *trailer, const u8 *to_nonce)
{
	memcpy(ad, hdr, VSR_AUTH_CLEAR);
	memcpy(ad + VSR_AUTH_CLEAR, trailer, 12);
	memcpy(ad + VSR_AUTH_CLEAR + 12, to_nonce, VSR_AUTH_NONCE_SIZE);
}

static void vsr_auth_slot_derive(struct vsr_auth_slot *s, const struct vsr_auth *a)
{
	memzero_explicit(s->self, sizeof(s->self));
	if (!s->set)
		return;
	s->id = vsr_auth_key_id(s->key);
	vsr_auth_sender_key(s->self, s->key, a->cluster, a->addr, a->nonce);
}

static void vsr_auth_slot_set(struct vsr_auth_slot *s, const u8 *key)
{
	memzero_explicit(s, sizeof(*s));
	if (key) {
		memcpy(s->key, key, VSR_KEY_LEN);
		s->set = true;
	}
}

/* In place: a slot is too large for a temporary on the stack. */
static void vsr_auth_slot_swap(struct vsr_auth_slot *x, struct vsr_auth_slot *y)
{
	u8 *p = (u8 *)x, *q = (u8 *)y;
	size_t i;

	for (i = 0; i < sizeof(*x); i++)
		swap(p[i], q[i]);
}

/**
 * vsr_auth_change() - the keys after a change
 * @old: the keys now (NULL: unauthenticated)
 * @kc: the change; applied in its order: @kc->key or @kc->key_none, then
 *	one of @kc->accept_key, @kc->accept_none and @kc->accept_off, then
 *	@kc->swap
 * @cluster: the cluster id the keys are derived for
 * @addr: this replica's address, VSR_AUTH_ADDR_SIZE bytes (see auth.h)
 * @nonce: this incarnation's nonce (VSR_AUTH_NONCE_SIZE bytes)
 * @gfp: for the allocation
 * @why: set to the reason when the change is refused
 *
 * Every derived key is derived again, so an empty change for another
 * nonce gives the keys of that nonce.  @old is not changed.
 *
 * Return: the new keys (free them with vsr_auth_free() or
 * vsr_auth_free_rcu()), NULL if they leave the instance unauthenticated
 * with nothing else accepted, or ERR_PTR(-EINVAL) or ERR_PTR(-ENOMEM).
 */
struct vsr_auth *vsr_auth_change(const struct vsr_auth *old,
				 const struct vsr_key_change *kc, u64 cluster,
				 const u8 *addr, const u8 *nonce, gfp_t gfp,
				 const char **why)
{
	struct vsr_auth *a;

	if (kc->key && kc->key_none) {
		*why = "key and key-none exclude each other";
		return ERR_PTR(-EINVAL);
	}
	if (!!kc->accept_key + kc->accept_none + kc->accept_off > 1) {
		*why = "give one of accept-key, accept-key-none and accept-key-off";
		return ERR_PTR(-EINVAL);
	}
	a = kzalloc(sizeof(*a) + sizeof(*a->cache), gfp);
	if (!a)
		return ERR_PTR(-ENOMEM);
	a->cache = (struct vsr_auth_cache *)(a + 1);
	if (old) {
		a->slot[0] = old->slot[0];
		a->slot[1] = old->slot[1];
		a->second = old->second;
	}
	a->cluster = cluster;
	memcpy(a->addr, addr, VSR_AUTH_ADDR_SIZE);
	memcpy(a->nonce, nonce, VSR_AUTH_NONCE_SIZE);
	if (kc->key || kc->key_none)
		vsr_auth_slot_set(&a->slot[0], kc->key);
	if (kc->accept_key || kc->accept_none) {
		vsr_auth_slot_set(&a->slot[1], kc->accept_key);
		a->second = true;
	} else if (kc->accept_off) {
		vsr_auth_slot_set(&a->slot[1], NULL);
		a->second = false;
	}
	if (kc->swap) {
		if (!a->second) {
			*why = "key-swap needs a second key (accept-key or accept-key-none)";
			vsr_auth_free(a);
			return ERR_PTR(-EINVAL);
		}
		vsr_auth_slot_swap(&a->slot[0], &a->slot[1]);
	}
	if (!a->slot[0].set && !a->second) {
		vsr_auth_free(a);
		return NULL;
	}
	vsr_auth_slot_derive(&a->slot[0], a);
	vsr_auth_slot_derive(&a->slot[1], a);
	return a;
}
EXPORT_SYMBOL_IF_KUNIT(vsr_auth_change);

/**
 * vsr_auth_free() - wipe and free keys nobody can be reading
 * @a: the keys, or NULL
 */
void vsr_auth_free(struct vsr_auth *a)
{
	kfree_sensitive(a);
}
EXPORT_SYMBOL_IF_KUNIT(vsr_auth_free);

static void vsr_auth_free_cb(struct rcu_head *rcu)
{
	kfree_sensitive(container_of(rcu, struct vsr_auth, rcu));
}

/**
 * vsr_auth_free_rcu() - wipe and free keys once RCU readers are done
 * @a: the keys, or NULL
 */
void vsr_auth_free_rcu(struct vsr_auth *a)
{
	if (a)
		call_rcu(&a->rcu, vsr_auth_free_cb);
}

/**
 * vsr_auth_sends_key() - whether datagrams are sent authenticated
 * @a: the keys (NULL: unauthenticated)
 *
 * Return: true if the key sent with is a key.
 */
bool vsr_auth_sends_key(const struct vsr_auth *a)
{
	return a && a->slot[0].set;
}
EXPORT_SYMBOL_IF_KUNIT(vsr_auth_sends_key);

/**
 * vsr_auth_accepts_none() - whether unauthenticated datagrams are accepted
 * @a: the keys (NULL: unauthenticated)
 *
 * Return: true if the key sent with, or the second key, is "none".
 */
bool vsr_auth_accepts_none(const struct vsr_auth *a)
{
	return !a || !a->slot[0].set || (a->second && !a->slot[1].set);
}
EXPORT_SYMBOL_IF_KUNIT(vsr_auth_accepts_none);

/**
 * vsr_auth_has_key() - whether any key (not "none") is held
 * @a: the keys (NULL: unauthenticated)
 *
 * Return: true if the key sent with or the second one is a key.
 */
bool vsr_auth_has_key(const struct vsr_auth *a)
{
	return a && (a->slot[0].set || (a->second && a->slot[1].set));
}
EXPORT_SYMBOL_IF_KUNIT(vsr_auth_has_key);

/* Is the message in @iov (its header in @iov[0]) an AUTH? */
static bool vsr_auth_is_handshake(const struct kvec *iov)
{
	return iov[0].iov_len >= VSR_HDR_SIZE &&
	       ((const u8 *)iov[0].iov_base)[14] == VSR_CMD_AUTH;
}

/*
 * The tag of a datagram other than an AUTH that is not encrypted: the AEAD
 * ChaCha20-Poly1305 with @key = E(a, N_a, b, N_b) and nonce @ctr (top bit
 * clear), over no plaintext and the additional data @iov (the message) |
 * @trailer's key id and counter.  What chacha20poly1305_encrypt() gives
 * for that additional data, computed over the pieces where they are
 * (vsr_auth_open() checks it with chacha20poly1305_decrypt()).
 */
static void vsr_auth_mac(u8 tag[VSR_AUTH_TAG_SIZE], const u8 *key, u64 ctr,
			 const struct kvec *iov, size_t nr, const u8 *trailer)
{
	static const u8 zeros[POLY1305_KEY_SIZE];
	u32 state[CHACHA_STATE_WORDS], k[CHACHA_KEY_SIZE / sizeof(u32)];
	struct poly1305_desc_ctx poly;
	union {
		u8 block0[POLY1305_KEY_SIZE];
		__le64 iv[2];
		__le64 lens[2];
	} b;
	size_t ad_len = 12, i;

	for (i = 0; i < ARRAY_SIZE(k); i++)
		k[i] = get_unaligned_le32(key + 4 * i);
	b.iv[0] = 0;
	b.iv[1] = cpu_to_le64(ctr);
	chacha_init(state, k, (const u8 *)b.iv);
	chacha20_crypt(state, b.block0, zeros, sizeof(b.block0));
	poly1305_init(&poly, b.block0);
	for (i = 0; i < nr; i++) {
		poly1305_update(&poly, iov[i].iov_base, iov[i].iov_len);
		ad_len += iov[i].iov_len;
	}
	poly1305_update(&poly, trailer, 12);
	if (ad_len & 15)
		poly1305_update(&poly, zeros, 16 - (ad_len & 15));
	b.lens[0] = cpu_to_le64(ad_len);
	b.lens[1] = 0;
	poly1305_update(&poly, (const u8 *)b.lens, sizeof(b.lens));
	poly1305_final(&poly, tag);
	memzero_explicit(state, sizeof(state));
	memzero_explicit(k, sizeof(k));
	memzero_explicit(&b, sizeof(b));
}

/* The session key E(this replica, N_self, @to, N_to) of slot 0, kept. */
static const u8 *vsr_auth_tx_key(const struct vsr_auth *a, unsigned int to,
				 const struct vsr_auth_peer *peer)
{
	struct vsr_auth_derived *d = &a->cache->tx[to];
	const u8 *key = vsr_auth_cached(d, peer->nonce, a->nonce);

	if (key)
		return key;
	vsr_auth_enc_key(vsr_auth_cache_put(d, peer->nonce, a->nonce),
			 a->slot[0].self, peer->addr, peer->nonce);
	return d->key;
}

/**
 * vsr_auth_seal() - the trailer of a datagram to a peer
 * @a: the keys (NULL: unauthenticated)
 * @to: the peer's index among the instance's peers (which session key
 *	of the cache; below VSR_MAX_PEERS)
 * @peer: the session with the peer (its counter moves)
 * @iov: the datagram, in @nr pieces, the whole header in the first
 * @nr: number of pieces
 * @trailer: where the trailer is written
 *
 * Return: the trailer's length: VSR_AUTH_TRAILER_SIZE, or 0 if this
 * replica sends unauthenticated datagrams; -ENOTCONN if the datagram
 * cannot be sealed yet because the peer's nonce is not known (send it an
 * AUTH instead); -EINVAL if @to is not below VSR_MAX_PEERS.
 */
int vsr_auth_seal(const struct vsr_auth *a, unsigned int to,
		  struct vsr_auth_peer *peer, const struct kvec *iov,
		  size_t nr, u8 trailer[VSR_AUTH_TRAILER_SIZE])
{
	const struct vsr_auth_slot *s;
	u8 link[BLAKE2S_KEY_SIZE];
	struct blake2s_state st;
	bool handshake;
	size_t i;
	u64 ctr;

	if (!vsr_auth_sends_key(a))
		return 0;
	if (to >= VSR_MAX_PEERS)
		return -EINVAL;
	s = &a->slot[0];
	handshake = vsr_auth_is_handshake(iov);
	if (!handshake && !peer->known)
		return -ENOTCONN;
	put_unaligned_le32(s->id, trailer);
	if (!handshake) {
		ctr = ++peer->tx;
		put_unaligned_le64(ctr, trailer + 4);
		vsr_auth_mac(trailer + 12, vsr_auth_tx_key(a, to, peer), ctr,
			     iov, nr, trailer);
		return VSR_AUTH_TRAILER_SIZE;
	}
	put_unaligned_le64(0, trailer + 4);
	vsr_auth_link_key(link, s->key, a->cluster, a->addr, peer->addr);
	blake2s_init_key(&st, VSR_AUTH_TAG_SIZE, link, BLAKE2S_KEY_SIZE);
	memzero_explicit(link, sizeof(link));
	for (i = 0; i < nr; i++)
		blake2s_update(&st, iov[i].iov_base, iov[i].iov_len);
	blake2s_update(&st, trailer, 12);
	blake2s_final(&st, trailer + 12);
	return VSR_AUTH_TRAILER_SIZE;
}
EXPORT_SYMBOL_IF_KUNIT(vsr_auth_seal);

/* Copy @len bytes from offset @off of the message in @iov to @dst. */
static void vsr_auth_gather(u8 *dst, const struct kvec *iov, size_t nr,
			    size_t off, size_t len)
{
	size_t i, n;

	for (i = 0; i < nr && len; i++) {
		if (off >= iov[i].iov_len) {
			off -= iov[i].iov_len;
			continue;
		}
		n = min(len, iov[i].iov_len - off);
		memcpy(dst, (const u8 *)iov[i].iov_base + off, n);
		dst += n;
		len -= n;
		off = 0;
	}
}

/**
 * vsr_auth_seal_encrypted() - encrypt a datagram to a peer, and its trailer
 * @a: the keys (NULL: unauthenticated)
 * @to: the peer's index among the instance's peers (which session key
 *	of the cache; below VSR_MAX_PEERS)
 * @peer: the session with the peer (its counter moves)
 * @iov: the message, in @nr pieces, the whole header in the first; not an
 *	AUTH (vsr_auth_seal() only)
 * @nr: number of pieces
 * @enc: where the datagram's first VSR_AUTH_CLEAR bytes (@enc->hdr) and
 *	the rest of the message, encrypted (@enc->out), are written
 * @trailer: where the trailer is written
 *
 * The datagram is @enc->hdr, then the message's size - VSR_AUTH_CLEAR
 * bytes at @enc->out, then the trailer.  Its header's two checksums are
 * zero (they would tell of what is encrypted; the receiver computes them
 * again from the plaintext); the rest of the clear part and the trailer's
 * key id and counter are authenticated as additional data, and the counter
 * has VSR_AUTH_CTR_ENCRYPTED set.
 *
 * Return: as vsr_auth_seal() (-EINVAL also for a header whose size is not
 * that of the pieces, or above VSR_MSG_MAX); 0 (nothing written: send the
 * message as it is) if this replica sends unauthenticated datagrams.
 */
int vsr_auth_seal_encrypted(const struct vsr_auth *a, unsigned int to,
			    struct vsr_auth_peer *peer, const struct kvec *iov,
			    size_t nr, struct vsr_auth_enc *enc,
			    u8 trailer[VSR_AUTH_TRAILER_SIZE])
{
	const struct vsr_auth_slot *s;
	size_t size, body, total, i;
	u8 ad[VSR_AUTH_AD_SIZE];
	u64 ctr;

	if (!vsr_auth_sends_key(a))
		return 0;
	if (to >= VSR_MAX_PEERS || iov[0].iov_len < VSR_HDR_SIZE ||
	    vsr_auth_is_handshake(iov))
		return -EINVAL;
	/* What fits the buffers, and is what the pieces hold. */
	size = vsr_wire_size(iov[0].iov_base);
	for (i = 0, total = 0; i < nr; i++)
		total += iov[i].iov_len;
	if (size > VSR_MSG_MAX || size != total)
		return -EINVAL;
	if (!peer->known)
		return -ENOTCONN;
	s = &a->slot[0];
	body = size - VSR_AUTH_CLEAR;
	vsr_auth_gather(enc->hdr, iov, nr, 0, VSR_AUTH_CLEAR);
	memset(enc->hdr, 0, VSR_AUTH_CSUMS);
	vsr_auth_gather(enc->out, iov, nr, VSR_AUTH_CLEAR, body);
	ctr = ++peer->tx | VSR_AUTH_CTR_ENCRYPTED;
	put_unaligned_le32(s->id, trailer);
	put_unaligned_le64(ctr, trailer + 4);
	vsr_auth_ad(ad, enc->hdr, trailer, peer->nonce);
	chacha20poly1305_encrypt(enc->out, enc->out, body, ad, sizeof(ad), ctr,
				 vsr_auth_tx_key(a, to, peer));
	memcpy(trailer + 12, enc->out + body, VSR_AUTH_TAG_SIZE);
	return VSR_AUTH_TRAILER_SIZE;
}
EXPORT_SYMBOL_IF_KUNIT(vsr_auth_seal_encrypted);

/*
 * Decrypt in place the datagram @buf of @size bytes (and a trailer) sealed
 * with @key = E(from, N_from, self, N_self) for @self and @self_nonce:
 * true if it verifies; then @buf holds the message with its checksums.
 */
static bool vsr_auth_decrypt(u8 *buf, u32 size, const u8 *key, u64 ctr,
			     const u8 *self_nonce)
{
	u8 ad[VSR_AUTH_AD_SIZE], tag[VSR_AUTH_TAG_SIZE];
	bool ok;

	if (size < VSR_HDR_SIZE)
		return false;
	vsr_auth_ad(ad, buf, buf + size, self_nonce);
	/* The tag right after the ciphertext, as the AEAD has it. */
	memcpy(tag, buf + size + 12, VSR_AUTH_TAG_SIZE);
	memcpy(buf + size, tag, VSR_AUTH_TAG_SIZE);
	ok = chacha20poly1305_decrypt(buf + VSR_AUTH_CLEAR, buf + VSR_AUTH_CLEAR,
				      size - VSR_AUTH_CLEAR + VSR_AUTH_TAG_SIZE,
				      ad, sizeof(ad), ctr, key);
	if (ok)
		vsr_msg_set_csums(buf);
	return ok;
}

/*
 * Accept counter @ctr from @peer once: false if it is 0, was accepted
 * before, or is too far behind to tell.  Only for a datagram whose tag
 * verified, or forgers would move the window.
 */
static bool vsr_auth_fresh(struct vsr_auth_peer *peer, u64 ctr)
{
	u64 c;

	if (!ctr || ctr + VSR_AUTH_WINDOW <= peer->top)
		return false;
	if (ctr > peer->top) {
		if (ctr - peer->top >= VSR_AUTH_WINDOW)
			bitmap_zero(peer->seen, VSR_AUTH_WINDOW);
		else
			for (c = peer->top + 1; c < ctr; c++)
				__clear_bit(c % VSR_AUTH_WINDOW, peer->seen);
		peer->top = ctr;
		__set_bit(ctr % VSR_AUTH_WINDOW, peer->seen);
		return true;
	}
	return !__test_and_set_bit(ctr % VSR_AUTH_WINDOW, peer->seen);
}

/*
 * The session key E(from, N_from, self, N_self) of datagrams from peer
 * @from's incarnation (@peer) to this one, @self_nonce, under slot @s:
 * derived on the session's first datagram and kept in @a->cache.
 */
static const u8 *vsr_auth_rx_key(const struct vsr_auth *a,
				 const struct vsr_auth_slot *s, u8 from,
				 const struct vsr_auth_peer *peer,
				 const u8 *self_nonce)
{
	struct vsr_auth_derived *d = &a->cache->rx[s - a->slot][from];
	const u8 *key = vsr_auth_cached(d, peer->nonce, self_nonce);
	u8 sender[BLAKE2S_KEY_SIZE];

	if (key)
		return key;
	vsr_auth_sender_key(sender, s->key, a->cluster, peer->addr,
			    peer->nonce);
	vsr_auth_enc_key(vsr_auth_cache_put(d, peer->nonce, self_nonce), sender,
			 a->addr, self_nonce);
	memzero_explicit(sender, sizeof(sender));
	return d->key;
}

/**
 * vsr_auth_open() - authenticate a received datagram
 * @a: the keys (NULL: unauthenticated)
 * @from: the sender's index among the instance's peers (its address
 *	matched; below VSR_MAX_PEERS)
 * @peer: the session with the sender (its replay window moves)
 * @self_nonce: this incarnation's nonce
 * @buf: the datagram, at least VSR_HDR_SIZE bytes
 * @len: its length; on success, the length of the message without trailer
 * @seen: set to what the datagram claims (whether or not it verifies)
 *
 * A datagram is authenticated if it is exactly a trailer longer than its
 * header's size says, unauthenticated if it is exactly that size.  An
 * authenticated one must name a key this replica accepts and its tag must
 * verify; then an AUTH is accepted, and any other datagram once, if it
 * was sealed for this incarnation by the sender's incarnation we know.
 *
 * Return: 0 if the datagram is accepted; -EINVAL if its length fits
 * neither form, or it is an AUTH of another size than an AUTH's
 * (malformed); -ENOKEY if it is unauthenticated where a key
 * is required, or names a key this replica does not accept (@seen says
 * which: the peer's key, or none); -ENOTCONN if the sender's nonce is
 * not known yet; -EKEYREJECTED if its tag does not verify (@seen says
 * nothing of the peer then: anyone can write a key id); -EKEYEXPIRED if
 * it verifies but was accepted before (a replay) or is too old to tell.
 */
int vsr_auth_open(const struct vsr_auth *a, unsigned int from,
		  struct vsr_auth_peer *peer, const u8 *self_nonce,
		  u8 *buf, size_t *len, struct vsr_auth_seen *seen)
{
	u32 size = vsr_wire_size(buf);
	const struct vsr_auth_slot *s = NULL;
	u8 tag[VSR_AUTH_TAG_SIZE], link[BLAKE2S_KEY_SIZE];
	struct blake2s_state st;
	const u8 *key;
	bool handshake;
	u64 ctr;
	int i, ret;

	seen->auth = 0;
	seen->id = 0;
	seen->encrypted = false;
	if (*len == size) {
		seen->auth = 1;
		return vsr_auth_accepts_none(a) ? 0 : -ENOKEY;
	}
	if (*len != (size_t)size + VSR_AUTH_TRAILER_SIZE)
		return -EINVAL;
	seen->auth = 2;
	seen->id = get_unaligned_le32(buf + size);
	for (i = 0; a && i < (a->second ? 2 : 1); i++)
		if (a->slot[i].set && a->slot[i].id == seen->id) {
			s = &a->slot[i];
			break;
		}
	if (!s)
		return -ENOKEY;
	if (from >= VSR_MAX_PEERS)
		return -EKEYREJECTED;
	handshake = buf[14] == VSR_CMD_AUTH;
	/* An AUTH has one size: a bigger one would cost a dear BLAKE2s. */
	if (handshake && size != VSR_HDR_SIZE + VSR_AUTH_BODY_SIZE)
		return -EINVAL;
	if (!handshake && !peer->known)
		return -ENOTCONN;
	ctr = get_unaligned_le64(buf + size + 4);
	if (handshake) {
		vsr_auth_link_key(link, s->key, a->cluster, peer->addr,
				  a->addr);
		blake2s_init_key(&st, VSR_AUTH_TAG_SIZE, link, BLAKE2S_KEY_SIZE);
		memzero_explicit(link, sizeof(link));
		blake2s_update(&st, buf, size + 12);
		blake2s_final(&st, tag);
		ret = crypto_memneq(tag, buf + size + 12, VSR_AUTH_TAG_SIZE) ?
		      -EKEYREJECTED : 0;
		memzero_explicit(tag, sizeof(tag));
		goto out;
	}
	key = vsr_auth_rx_key(a, s, from, peer, self_nonce);
	if (ctr & VSR_AUTH_CTR_ENCRYPTED) {
		seen->encrypted = true;
		ret = vsr_auth_decrypt(buf, size, key, ctr, self_nonce) ?
		      0 : -EKEYREJECTED;
		ctr &= ~VSR_AUTH_CTR_ENCRYPTED;
	} else {
		/* The tag of no plaintext, after the additional data. */
		ret = chacha20poly1305_decrypt(tag, buf + size + 12,
					       VSR_AUTH_TAG_SIZE, buf, size + 12,
					       ctr, key) ? 0 : -EKEYREJECTED;
	}
out:
	if (!ret && !handshake && !vsr_auth_fresh(peer, ctr))
		ret = -EKEYEXPIRED;
	/* Its window now guards something: see vsr_auth_handshake(). */
	if (!ret && !handshake)
		peer->known_auth = true;
	if (!ret)
		*len = size;
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(vsr_auth_open);

/**
 * vsr_auth_handshake() - an AUTH from a peer, accepted by vsr_auth_open()
 * @peer: the session with the peer
 * @self_nonce: this incarnation's nonce
 * @body: the AUTH's body (VSR_AUTH_BODY_SIZE bytes, see wire.h)
 * @features: its arg0, the peer's VSR_AUTH_FEAT_*
 * @authenticated: the AUTH had a trailer that verified (else it came in
 *	while unauthenticated datagrams are accepted)
 * @new_challenge: random bytes, our next challenge to the peer if its
 *	nonce is adopted now
 * @fresh: set if the AUTH echoed our current challenge (it was sent after
 *	we gave it, by a live incarnation of the peer)
 *
 * The peer's nonce is adopted from an AUTH that echoes our current
 * challenge, which we then renew; a new nonce starts a new replay window.
 * What the peer can do (@features) is taken from that AUTH, and again from
 * any authenticated AUTH of the same incarnation (@nonce): a recorded one
 * of an older incarnation cannot say that a live peer cannot decrypt (so
 * that nothing goes to it), nor can an unauthenticated one planted with
 * the peer's real nonce while "none" is accepted.
 * An unauthenticated AUTH (anyone's, while "none" is accepted) never
 * replaces a nonce adopted from an authenticated one, or one whose
 * session has accepted an authenticated datagram: it could otherwise
 * plant a nonce of its own and have the genuine one come back with a new
 * window, and the genuine peer's datagrams replayed.
 * An AUTH that does not echo it is still answered, so that the peer
 * learns our challenge: at once if it carries a challenge we have not
 * answered yet (a recorded AUTH cannot crowd out a live one), else within
 * the caller's rate limit.
 *
 * Return: VSR_AUTH_QUIET when the peer has our nonce and we have its;
 * VSR_AUTH_ANSWER_NOW or VSR_AUTH_ANSWER to answer with vsr_auth_hello().
 */
int vsr_auth_handshake(struct vsr_auth_peer *peer, const u8 *self_nonce,
		       const u8 *body, u64 features, bool authenticated,
		       const u8 *new_challenge, bool *fresh)
{
	const u8 *nonce = body, *challenge = body + VSR_AUTH_NONCE_SIZE;
	const u8 *echo = body + 2 * VSR_AUTH_NONCE_SIZE;
	const u8 *known = body + 3 * VSR_AUTH_NONCE_SIZE;
	bool same = peer->known &&
		    !memcmp(peer->nonce, nonce, VSR_AUTH_NONCE_SIZE);
	bool adopted;

	*fresh = !memcmp(echo, peer->challenge, VSR_AUTH_NONCE_SIZE);
	memcpy(peer->heard, challenge, VSR_AUTH_NONCE_SIZE);
	adopted = *fresh && !same &&
		  (authenticated || !peer->known || !peer->known_auth);
	if (adopted) {
		memcpy(peer->nonce, nonce, VSR_AUTH_NONCE_SIZE);
		memcpy(peer->challenge, new_challenge, VSR_AUTH_NONCE_SIZE);
		peer->known = true;
		peer->known_auth = authenticated;
		peer->decrypts = features & VSR_AUTH_FEAT_DECRYPT;
		peer->top = 0;
		bitmap_zero(peer->seen, VSR_AUTH_WINDOW);
	} else if (same && authenticated) {
		/* The incarnation's own word: its module does not change. */
		peer->decrypts = features & VSR_AUTH_FEAT_DECRYPT;
	}
	if (!memcmp(known, self_nonce, VSR_AUTH_NONCE_SIZE) &&
	    (*fresh || same))
		return VSR_AUTH_QUIET;
	if (adopted || memcmp(challenge, peer->answered, VSR_AUTH_NONCE_SIZE)) {
		memcpy(peer->answered, challenge, VSR_AUTH_NONCE_SIZE);
		return VSR_AUTH_ANSWER_NOW;
	}
	return VSR_AUTH_ANSWER;
}
EXPORT_SYMBOL_IF_KUNIT(vsr_auth_handshake);

/**
 * vsr_auth_hello() - build our AUTH to a peer
 * @peer: the session with the peer
 * @self_nonce: this incarnation's nonce
 * @cluster: cluster id
 * @epoch: configuration epoch
 * @replica: this replica's index
 * @buf: at least VSR_HDR_SIZE + VSR_AUTH_BODY_SIZE bytes
 *
 * Return: the message size.
 */
size_t vsr_auth_hello(const struct vsr_auth_peer *peer, const u8 *self_nonce,
		      u64 cluster, u32 epoch, u8 replica, u8 *buf)
{
	static const u8 none[VSR_AUTH_NONCE_SIZE];

	return vsr_auth_msg_seal(buf, cluster, epoch, replica, self_nonce,
				 peer->challenge, peer->heard,
				 peer->known ? peer->nonce : none,
				 VSR_AUTH_FEAT_DECRYPT);
}
EXPORT_SYMBOL_IF_KUNIT(vsr_auth_hello);
