// SPDX-License-Identifier: GPL-2.0
/*
 * keys.c - an instance's keys: the rules of auth.c applied to the node's
 * datagrams, and what netlink sets and reports of them.
 *
 * The keys are one struct vsr_auth behind an RCU pointer.  A change makes
 * a new one and publishes it under the node lock; the receive path reads
 * it under rcu_read_lock() (outside the node lock: verification is the
 * costly part of receiving), the send path under the node lock.  Old keys
 * are wiped once no reader can hold them.
 *
 * The sessions (struct vsr_auth_peer, one per peer): the receive work
 * alone moves the replay windows, without the lock; a peer's nonce is
 * adopted by the receive work under the lock, and the send path reads it
 * and moves the send counter under the lock.  A session's address (what
 * the keys name the peer by) is written under the lock before the peer
 * is published (vsr_keys_peer_init()), and again by vsr_keys_vmfork(),
 * which runs in the receive work.
 */

#include <linux/err.h>
#include <linux/random.h>
#include <linux/rcupdate.h>
#include <crypto/algapi.h>

#include "auth.h"
#include "node.h"
#include "node_priv.h"

/* A peer is shown with the key its failed datagrams name after this. */
#define VSR_KEYS_QUIET_MS	2000
/* AUTH to a peer without a session this often (ticks) ... */
#define VSR_KEYS_AUTH_EVERY	10
/* ... and no answer or kick to one peer more often than this. */
#define VSR_KEYS_AUTH_GAP	10

/* The keys name an address by its identity for the core. */
static_assert(sizeof(struct vsr_member_id) == VSR_AUTH_ADDR_SIZE);

/* The name of address @a in the keys: its identity for the core. */
static void vsr_keys_addr(const union vsr_sockaddr *a,
			  u8 addr[VSR_AUTH_ADDR_SIZE])
{
	struct vsr_member_id id;

	vsr_node_member_id(a, &id);
	memcpy(addr, id.b, VSR_AUTH_ADDR_SIZE);
}

static struct vsr_auth *vsr_keys_make(struct vsr_node *node,
				      const struct vsr_auth *old,
				      const struct vsr_key_change *kc,
				      struct netlink_ext_ack *extack)
{
	const struct vsr_config *cfg = &node->inst->cfg;
	u8 self[VSR_AUTH_ADDR_SIZE];
	const char *why = NULL;
	struct vsr_auth *a;

	vsr_keys_addr(&cfg->peers[cfg->replica], self);
	a = vsr_auth_change(old, kc, cfg->cluster_id, self, node->auth_nonce,
			    GFP_KERNEL_ACCOUNT, &why);
	/* @why is a string literal, as NL_SET_ERR_MSG() wants. */
	if (IS_ERR(a) && why && extack)
		extack->_msg = why;
	return a;
}

/**
 * vsr_keys_init() - the keys a new node starts with
 * @node: the node, not running yet (its wire_cap set)
 * @kc: the keys of the add request, or NULL for none
 * @extack: for the reason of a refusal
 *
 * Draws the incarnation's nonce and challenges, whether or not there is a
 * key.  A key needs the handshake, which is in wire format 2.
 *
 * Return: 0 or a negative errno (-ERESTARTSYS: a signal came while
 * waiting for the random number generator).
 */
int vsr_keys_init(struct vsr_node *node, const struct vsr_key_change *kc,
		  struct netlink_ext_ack *extack)
{
	struct vsr_auth *a;
	unsigned int i;
	int ret;

	/*
	 * The nonce keeps a key and counter from ever encrypting twice:
	 * wait for the random number generator, if it is not ready yet.
	 */
	ret = get_random_bytes_wait(node->auth_nonce, sizeof(node->auth_nonce));
	if (ret)
		return ret;
	for (i = 0; i < VSR_MAX_PEERS; i++)
		get_random_bytes(node->sessions[i].challenge,
				 sizeof(node->sessions[i].challenge));
	for (i = 0; i < node->inst->cfg.n_peers; i++)
		vsr_keys_peer_init(node, i);
	get_random_bytes(node->stranger_secret, sizeof(node->stranger_secret));
	if (!kc) {
		if (!node->encrypt)
			return 0;
		NL_SET_ERR_MSG(extack, VSR_ENCRYPT_NEEDS_KEY);
		return -EINVAL;
	}
	a = vsr_keys_make(node, NULL, kc, extack);
	if (IS_ERR(a))
		return PTR_ERR(a);
	if (vsr_auth_has_key(a) && vsr_version_cap(node) < VSR_WIRE_HELLO) {
		vsr_auth_free(a);
		NL_SET_ERR_MSG(extack, "a key needs wire format 2 or later (wire-version)");
		return -EINVAL;
	}
	if (node->encrypt && !vsr_auth_sends_key(a)) {
		vsr_auth_free(a);
		NL_SET_ERR_MSG(extack, VSR_ENCRYPT_NEEDS_KEY);
		return -EINVAL;
	}
	RCU_INIT_POINTER(node->auth, a);
	return 0;
}

/**
 * vsr_keys_exit() - wipe a node's keys
 * @node: the node, dead, its socket closed
 */
void vsr_keys_exit(struct vsr_node *node)
{
	vsr_auth_free_rcu(rcu_dereference_protected(node->auth, true));
	RCU_INIT_POINTER(node->auth, NULL);
	memzero_explicit(node->auth_nonce, sizeof(node->auth_nonce));
}

/* Whether the node authenticates what it sends (its lock held). */
static bool vsr_keys_sends_key(struct vsr_node *node)
{
	return vsr_auth_sends_key(rcu_dereference_protected(node->auth,
				  lockdep_is_held(&node->lock)));
}

/**
 * vsr_node_keys_prepare() - the keys of a live instance after a change
 * @inst: the instance
 * @kc: the change
 * @keys: set to the new keys (NULL: unauthenticated), for
 *	vsr_node_keys_commit() or vsr_node_keys_abort()
 * @extack: for the reason of a refusal
 *
 * Caller holds vsr_instances_lock, through to the commit or abort (so
 * that nothing else changes the keys meanwhile).
 *
 * Return: 0, -EINVAL (the change makes no sense), -ENOMEM, or -ENODEV (no
 * engine).
 */
int vsr_node_keys_prepare(struct vsr_instance *inst, const struct vsr_key_change *kc,
			  struct vsr_auth **keys, struct netlink_ext_ack *extack)
{
	struct vsr_node *node = inst->node;
	struct vsr_auth *a;

	if (!node)
		return -ENODEV;
	mutex_lock(&node->lock);
	a = vsr_keys_make(node, rcu_dereference_protected(node->auth,
			  lockdep_is_held(&node->lock)), kc, extack);
	mutex_unlock(&node->lock);
	if (IS_ERR(a))
		return PTR_ERR(a);
	*keys = a;
	return 0;
}

/**
 * vsr_node_keys_commit() - put prepared keys in force
 * @inst: the instance
 * @keys: what vsr_node_keys_prepare() made
 *
 * Datagrams sent from now on carry the new key; a datagram being received
 * meanwhile is checked against the old keys or the new ones.  Sessions
 * (the peers' nonces, the replay windows) are kept.
 */
void vsr_node_keys_commit(struct vsr_instance *inst, struct vsr_auth *keys)
{
	struct vsr_node *node = inst->node;
	struct vsr_auth *old;

	mutex_lock(&node->lock);
	old = rcu_dereference_protected(node->auth, lockdep_is_held(&node->lock));
	rcu_assign_pointer(node->auth, keys);
	/* Made for a nonce that vsr_keys_vmfork() has given up since? */
	node->auth_renew = keys && memcmp(keys->nonce, node->auth_nonce,
					  sizeof(node->auth_nonce));
	mutex_unlock(&node->lock);
	vsr_auth_free_rcu(old);
}

/**
 * vsr_node_keys_abort() - drop prepared keys
 * @keys: what vsr_node_keys_prepare() made
 */
void vsr_node_keys_abort(struct vsr_auth *keys)
{
	vsr_auth_free(keys);
}

/* Our AUTH to @peer (under the node lock). */
static void vsr_keys_auth_send(struct vsr_node *node, unsigned int peer)
{
	const struct vsr_config *cfg = &node->inst->cfg;
	u8 buf[VSR_HDR_SIZE + VSR_AUTH_BODY_SIZE];
	size_t len;

	WRITE_ONCE(node->auth_sent_at[peer], node->ticks + 1);
	len = vsr_auth_hello(&node->sessions[peer], node->auth_nonce,
			     cfg->cluster_id, 0, cfg->replica, buf);
	vsr_socket_send_raw(node, peer, buf, len);
}

/* Whether an AUTH to @peer is due after @gap ticks (lockless peek too). */
static bool vsr_keys_auth_due(struct vsr_node *node, unsigned int peer,
			      u64 gap)
{
	u64 at = READ_ONCE(node->auth_sent_at[peer]);

	/* @auth_sent_at is the tick + 1, 0 for never. */
	return !at || READ_ONCE(node->ticks) + 1 - at >= gap;
}

/**
 * vsr_keys_kick() - AUTH to a peer whose session does not work, at most
 *	every VSR_KEYS_AUTH_GAP ticks
 * @node: the node, its lock held
 * @peer: the peer
 */
void vsr_keys_kick(struct vsr_node *node, unsigned int peer)
{
	lockdep_assert_held(&node->lock);
	if (!node->dead && !node->failed &&
	    vsr_keys_auth_due(node, peer, VSR_KEYS_AUTH_GAP))
		vsr_keys_auth_send(node, peer);
}

/**
 * vsr_keys_seal() - the trailer for a datagram to a peer, and its
 *	encryption if the node encrypts
 * @node: the node, its lock held
 * @to: the peer
 * @iov: the datagram, the whole header in the first piece; on success,
 *	what to send before the trailer (at most 2 pieces, until the next
 *	call: an encrypted datagram is in @node->tx_enc)
 * @nr: its number of pieces, updated likewise
 * @trailer: where the trailer goes
 *
 * With encrypt on, nothing but an AUTH leaves in clear: a datagram goes
 * encrypted or not at all.
 *
 * Return: the length of the trailer, 0 if unauthenticated; or, and the
 * datagram is not sent, -ENOTCONN if there is no session with @to yet (an
 * AUTH goes instead), -ENOKEY if the node encrypts but sends without a
 * key, -EPROTONOSUPPORT if it encrypts and @to cannot decrypt.
 */
int vsr_keys_seal(struct vsr_node *node, unsigned int to,
		  struct kvec *iov, size_t *nr, u8 *trailer)
{
	struct vsr_auth_peer *peer = &node->sessions[to];
	struct vsr_auth_enc *enc = &node->tx_enc;
	const struct vsr_auth *a;
	u32 size;
	int ret;

	a = rcu_dereference_protected(node->auth, lockdep_is_held(&node->lock));
	/* Keys of a nonce given up (vsr_keys_vmfork()): AUTH only. */
	if (node->auth_renew && vsr_wire_command(iov[0].iov_base) != VSR_CMD_AUTH)
		return -ENOKEY;
	if (!node->encrypt || vsr_wire_command(iov[0].iov_base) == VSR_CMD_AUTH)
		return vsr_auth_seal(a, to, peer, iov, *nr, trailer);
	if (!vsr_auth_sends_key(a))
		return -ENOKEY;
	if (peer->known && !peer->decrypts)
		return -EPROTONOSUPPORT;
	ret = vsr_auth_seal_encrypted(a, to, peer, iov, *nr, enc, trailer);
	if (ret <= 0)
		return ret;
	size = vsr_wire_size(enc->hdr);
	iov[0].iov_base = enc->hdr;
	iov[0].iov_len = VSR_AUTH_CLEAR;
	iov[1].iov_base = enc->out;
	iov[1].iov_len = size - VSR_AUTH_CLEAR;
	*nr = 2;
	return ret;
}

/* Nothing from @peer was accepted for VSR_KEYS_QUIET_MS. */
static bool vsr_keys_peer_quiet(struct vsr_node *node, unsigned int peer)
{
	unsigned long heard = READ_ONCE(node->last_heard[peer]);

	return !heard || vsr_heard_ms(jiffies, heard) > VSR_KEYS_QUIET_MS;
}

/**
 * vsr_keys_rx() - authenticate a received datagram
 * @node: the node (the receive work item: its lock is not held)
 * @peer: the sender, as its address says
 * @buf: the datagram, at least VSR_HDR_SIZE bytes; decrypted in place if
 *	it was encrypted (and garbage if that fails)
 * @len: its length; on success, without the trailer
 * @authenticated: set if it was accepted with a trailer that verified
 *
 * Refuses what came in clear (but AUTH) if the node requires encryption.
 * Notes how the peer authenticated, for vsr_node_peer_auth().  What it
 * refuses, the caller passes to vsr_keys_rx_refused().
 *
 * Return: 0, or the error of vsr_auth_open().
 */
int vsr_keys_rx(struct vsr_node *node, unsigned int peer, u8 *buf,
		size_t *len, bool *authenticated)
{
	struct vsr_auth_seen seen;
	bool verified;
	int ret;

	rcu_read_lock();
	ret = vsr_auth_open(rcu_dereference(node->auth), peer,
			    &node->sessions[peer], node->auth_nonce, buf, len,
			    &seen);
	rcu_read_unlock();
	verified = !ret;
	/*
	 * Encryption required: what came in clear is refused, but for AUTH
	 * (and still shown: it verified, and says how the peer sends).
	 */
	if (verified && !seen.encrypted && vsr_wire_command(buf) != VSR_CMD_AUTH &&
	    READ_ONCE(node->encrypt) == VSR_ENCRYPT_REQUIRE)
		ret = -ENOKEY;
	*authenticated = !ret && seen.auth == 2;
	if (ret == -EINVAL)
		return ret;
	/*
	 * What a datagram that failed claims is shown only if nothing from
	 * that peer verified lately: anyone can send those from its address,
	 * and must not be able to hide a healthy peer behind them.
	 */
	if (seen.auth && (verified || (ret == -ENOKEY &&
					vsr_keys_peer_quiet(node, peer)))) {
		/* (An AUTH is never encrypted: it tells nothing of that.) */
		bool enc = vsr_wire_command(buf) == VSR_CMD_AUTH ?
			   READ_ONCE(node->peer_auth[peer]) == 3 :
			   seen.encrypted;

		WRITE_ONCE(node->peer_auth[peer], seen.auth + (seen.auth == 2 && enc));
		WRITE_ONCE(node->peer_key_id[peer], seen.id);
	}
	if (!ret)
		return 0;
	atomic64_inc(&node->peer_drop_auth[peer]);
	return ret;
}

/**
 * vsr_keys_rx_refused() - answer a datagram that vsr_keys_rx() refused
 * @node: the node (the receive work item: its lock is not held)
 * @peer: the sender, as its address says
 * @ret: what vsr_keys_rx() returned
 *
 * A datagram that a session with the peer would have let through is
 * answered with an AUTH, at most every VSR_KEYS_AUTH_GAP ticks.  Apart
 * from vsr_keys_rx() so that the receive work does not charge the address
 * (rxlimit.h) for the wait for the node lock.
 */
void vsr_keys_rx_refused(struct vsr_node *node, unsigned int peer, int ret)
{
	/* (Our own address's queue is a joining instance's strangers'.) */
	if (peer == node->inst->cfg.replica)
		return;
	if ((ret == -ENOTCONN || ret == -EKEYREJECTED) &&
	    vsr_keys_auth_due(node, peer, VSR_KEYS_AUTH_GAP)) {
		mutex_lock(&node->lock);
		vsr_keys_kick(node, peer);
		mutex_unlock(&node->lock);
	}
}

/*
 * A joining instance's challenge to the address named @addr, which it has
 * no peer for: derived from a secret of this incarnation, so that it
 * keeps no state for strangers, and no AUTH recorded before it was given
 * can echo it.
 */
static void vsr_keys_cookie(struct vsr_node *node, const u8 *addr,
			    u8 out[VSR_AUTH_NONCE_SIZE])
{
	blake2s(out, addr, node->stranger_secret, VSR_AUTH_NONCE_SIZE,
		VSR_AUTH_ADDR_SIZE, sizeof(node->stranger_secret));
}

/**
 * vsr_keys_rx_stranger() - authenticate a datagram from an address that is
 *	none of a joining instance's peers
 * @node: the node (the receive work item: its lock is not held)
 * @from: the address it came from
 * @buf: the datagram, at least VSR_HDR_SIZE bytes
 * @len: its length; on success, without the trailer
 * @echoed: set if it is an AUTH that echoes our challenge to @from
 *	(vsr_keys_cookie())
 *
 * A joining instance knows none of its members' addresses.  With keys,
 * it takes nothing from one but AUTH, and an AUTH that verifies for that
 * address only gets an AUTH back (vsr_keys_stranger_answer()), with a
 * challenge made for the address.  An AUTH that echoes it came from a
 * live holder of the key at that address: the address becomes a peer
 * (vsr_keys_stranger_peer()).  A recorded AUTH, which verifies too, is
 * not enough: replayed from the addresses it came from, it would fill the
 * instance's list for peers.  An unauthenticated AUTH does neither.  Any
 * other datagram is refused, -ENOTCONN if it names a key we accept: a
 * member whose session is with an older life at this address sends it,
 * and our AUTH makes it start one (vsr_keys_stranger_refused()).
 *
 * Return: 0 if @buf is an AUTH sealed with a key the node accepts, from
 * @from to this instance; else the error of vsr_auth_open(), or -ENOKEY
 * for an unauthenticated datagram.
 */
int vsr_keys_rx_stranger(struct vsr_node *node, const union vsr_sockaddr *from,
			 u8 *buf, size_t *len, bool *echoed)
{
	struct vsr_auth_peer stranger = { };
	u8 cookie[VSR_AUTH_NONCE_SIZE];
	struct vsr_auth_seen seen;
	int ret;

	*echoed = false;
	vsr_keys_addr(from, stranger.addr);
	rcu_read_lock();
	ret = vsr_auth_open(rcu_dereference(node->auth), 0, &stranger,
			    node->auth_nonce, buf, len, &seen);
	rcu_read_unlock();
	if (!ret && seen.auth != 2)
		ret = -ENOKEY;
	if (ret)
		return ret;
	if (WARN_ON_ONCE(vsr_wire_command(buf) != VSR_CMD_AUTH))
		return -EINVAL;
	/* The body: nonce, challenge, echo, known (wire.h). */
	vsr_keys_cookie(node, stranger.addr, cookie);
	*echoed = !crypto_memneq(buf + VSR_HDR_SIZE + 2 * VSR_AUTH_NONCE_SIZE,
				 cookie, sizeof(cookie));
	return 0;
}

/**
 * vsr_keys_stranger_peer() - the session with a peer that was a stranger,
 *	before its AUTH that echoed our challenge to its address is handled
 * @node: the node, its lock held
 * @peer: the peer, just added for that AUTH's address
 *
 * Our challenge to it was vsr_keys_cookie()'s: the AUTH is fresh.
 */
void vsr_keys_stranger_peer(struct vsr_node *node, unsigned int peer)
{
	struct vsr_auth_peer *s = &node->sessions[peer];

	lockdep_assert_held(&node->lock);
	if (!s->known)
		vsr_keys_cookie(node, s->addr, s->challenge);
}

/**
 * vsr_keys_stranger_answer() - answer an AUTH of an address that is none
 *	of a joining instance's peers, and did not echo our challenge
 * @node: the node, its lock held
 * @from: the address
 * @m: the AUTH, verified by vsr_keys_rx_stranger(); NULL for a datagram
 *	it refused with -ENOTCONN
 *
 * Our AUTH echoes its challenge and gives ours, vsr_keys_cookie()'s, and
 * says that we are joining (VSR_AUTH_FEAT_JOINING).  At most one such
 * AUTH per tick for verified AUTHs, and one for other datagrams, whoever
 * asks (a replayed or forged datagram must not make us a source of
 * datagrams to whatever address it names).
 */
void vsr_keys_stranger_answer(struct vsr_node *node,
			      const union vsr_sockaddr *from,
			      const struct vsr_msg *m)
{
	const struct vsr_config *cfg = &node->inst->cfg;
	u8 buf[VSR_HDR_SIZE + VSR_AUTH_BODY_SIZE + VSR_AUTH_TRAILER_SIZE];
	/* Forgeries of the one kind must not crowd out the other. */
	u64 *at = &node->stranger_sent_at[!m];
	struct vsr_auth_peer stranger = { };
	struct kvec iov;
	size_t len;
	int ret;

	lockdep_assert_held(&node->lock);
	if (*at == node->ticks + 1 || node->dead || node->failed)
		return;
	WRITE_ONCE(*at, node->ticks + 1);
	vsr_keys_addr(from, stranger.addr);
	vsr_keys_cookie(node, stranger.addr, stranger.challenge);
	if (m)
		memcpy(stranger.heard, m->body + VSR_AUTH_NONCE_SIZE,
		       sizeof(stranger.heard));
	len = vsr_auth_msg_seal(buf, cfg->cluster_id, 0, cfg->replica,
				node->auth_nonce, stranger.challenge,
				stranger.heard, stranger.nonce,
				VSR_AUTH_FEAT_DECRYPT | VSR_AUTH_FEAT_JOINING);
	iov.iov_base = buf;
	iov.iov_len = len;
	ret = vsr_auth_seal(rcu_dereference_protected(node->auth,
			    lockdep_is_held(&node->lock)), 0, &stranger, &iov, 1,
			    buf + len);
	if (ret <= 0)
		return;
	iov.iov_len = len + ret;
	vsr_socket_send_to(node, from, &iov, 1, iov.iov_len);
}

/**
 * vsr_keys_stranger_refused() - answer a datagram of an address that is
 *	none of a joining instance's peers, refused by vsr_keys_rx_stranger()
 * @node: the node (the receive work item: its lock is not held)
 * @from: the address
 * @ret: what vsr_keys_rx_stranger() returned
 */
void vsr_keys_stranger_refused(struct vsr_node *node,
			       const union vsr_sockaddr *from, int ret)
{
	if (ret != -ENOTCONN ||
	    READ_ONCE(node->stranger_sent_at[1]) == READ_ONCE(node->ticks) + 1)
		return;
	mutex_lock(&node->lock);
	if (node->joining)
		vsr_keys_stranger_answer(node, from, NULL);
	mutex_unlock(&node->lock);
}

/**
 * vsr_keys_peer_init() - name a peer's address in its session
 * @node: the node, its lock held (or not running yet)
 * @peer: the peer, its address written; before it is published
 */
void vsr_keys_peer_init(struct vsr_node *node, unsigned int peer)
{
	vsr_keys_addr(&node->inst->cfg.peers[peer], node->sessions[peer].addr);
}

/**
 * vsr_keys_handshake() - an AUTH from a peer, authenticated and decoded
 * @node: the node, its lock held
 * @peer: the sender
 * @m: the AUTH
 * @authenticated: its trailer verified (vsr_keys_rx())
 *
 * An AUTH that asks for an answer at once gets it, recorded or not: one
 * of a live peer must not wait behind replays, each of which answers its
 * own challenge.
 *
 * Return: whether it shows the peer alive now: only an AUTH that began a
 * new session does (a recorded one verifies too, even one that echoes our
 * current challenge, and must not make a dead peer look heard; a live
 * peer's session datagrams show it).
 */
bool vsr_keys_handshake(struct vsr_node *node, unsigned int peer,
			const struct vsr_msg *m, bool authenticated)
{
	struct vsr_auth_peer *s = &node->sessions[peer];
	u8 challenge[VSR_AUTH_NONCE_SIZE], before[VSR_AUTH_NONCE_SIZE];
	bool fresh, adopted;

	lockdep_assert_held(&node->lock);
	get_random_bytes(challenge, sizeof(challenge));
	/* A new session, and only that, gives the peer a new challenge. */
	memcpy(before, s->challenge, sizeof(before));
	switch (vsr_auth_handshake(s, node->auth_nonce, m->body, m->h.arg0,
				   authenticated, challenge, &fresh)) {
	case VSR_AUTH_ANSWER:
		if (vsr_keys_auth_due(node, peer, VSR_KEYS_AUTH_GAP))
			vsr_keys_auth_send(node, peer);
		break;
	case VSR_AUTH_ANSWER_NOW:
		vsr_keys_auth_send(node, peer);
		break;
	}
	adopted = memcmp(before, s->challenge, sizeof(before));
	memzero_explicit(challenge, sizeof(challenge));
	return adopted;
}

/**
 * vsr_node_keys_held() - which keys an instance holds
 * @inst: the instance
 * @any: set if the key sent with or the second one is a key (not "none")
 * @sends: set if it authenticates what it sends
 */
void vsr_node_keys_held(struct vsr_instance *inst, bool *any, bool *sends)
{
	struct vsr_node *node = inst->node;
	const struct vsr_auth *a;

	*any = false;
	*sends = false;
	if (!node)
		return;
	rcu_read_lock();
	a = rcu_dereference(node->auth);
	*any = vsr_auth_has_key(a);
	*sends = vsr_auth_sends_key(a);
	rcu_read_unlock();
}

/*
 * The keys again for this incarnation's nonce (under the node lock),
 * after vsr_keys_vmfork() drew a new one; until then nothing but AUTH is
 * sealed.  Retried every tick if memory is short.
 */
static void vsr_keys_renew(struct vsr_node *node)
{
	const struct vsr_key_change same = { };
	struct vsr_auth *old, *a;

	old = rcu_dereference_protected(node->auth, lockdep_is_held(&node->lock));
	a = old ? vsr_keys_make(node, old, &same, NULL) : NULL;
	if (IS_ERR(a))
		return;
	rcu_assign_pointer(node->auth, a);
	node->auth_renew = false;
	vsr_auth_free_rcu(old);
}

/**
 * vsr_node_vmfork() - the machine was cloned or restored from a snapshot
 * @inst: the instance (under vsr_instances_lock, which keeps it alive)
 *
 * Has its receive work draw a new nonce (vsr_keys_vmfork()).
 */
void vsr_node_vmfork(struct vsr_instance *inst)
{
	if (inst->node)
		vsr_keys_vmfork_request(inst->node);
}

/**
 * vsr_keys_vmfork_request() - have the receive work draw a new nonce
 * @node: the node, alive
 *
 * Return: 0, or -ENODEV if the node is dead.
 */
int vsr_keys_vmfork_request(struct vsr_node *node)
{
	if (READ_ONCE(node->dead))
		return -ENODEV;
	atomic_set(&node->vmfork, 1);
	queue_work(system_wq, &node->rx_work);
	return 0;
}

/**
 * vsr_keys_vmfork() - a new incarnation nonce, after the machine was
 *	cloned or restored from a snapshot
 * @node: the node; from its receive work (which alone moves the replay
 *	windows without the lock)
 *
 * A clone, or a machine that resumes a snapshot, would seal with session
 * keys and counters that its first run already used; and two messages
 * under one key and nonce of Poly1305 give away that nonce's key, so
 * that anyone who saw both could forge.  A new nonce makes every session
 * key new: to its peers' keys the node is a new incarnation (to the
 * protocol it is not: see Documentation/protocol.rst).
 */
void vsr_keys_vmfork(struct vsr_node *node)
{
	unsigned int i;

	mutex_lock(&node->lock);
	get_random_bytes(node->auth_nonce, sizeof(node->auth_nonce));
	for (i = 0; i < VSR_MAX_PEERS; i++) {
		memzero_explicit(&node->sessions[i], sizeof(node->sessions[i]));
		get_random_bytes(node->sessions[i].challenge,
				 sizeof(node->sessions[i].challenge));
		WRITE_ONCE(node->auth_sent_at[i], 0);
	}
	for (i = 0; i < node->inst->cfg.n_peers; i++)
		vsr_keys_peer_init(node, i);
	get_random_bytes(node->stranger_secret, sizeof(node->stranger_secret));
	node->auth_renew = true;
	vsr_keys_renew(node);
	mutex_unlock(&node->lock);
	pr_info("%s: the machine was cloned or restored: new authentication sessions\n",
		node->inst->name);
}

/**
 * vsr_keys_tick() - AUTH to the peers we have no session with
 * @node: the node, its lock held
 *
 * Only a replica that sends with a key needs its peers' nonces.
 */
void vsr_keys_tick(struct vsr_node *node)
{
	const struct vsr_config *cfg = &node->inst->cfg;
	unsigned int i;

	if (node->auth_renew)
		vsr_keys_renew(node);
	if (node->failed || !vsr_keys_sends_key(node))
		return;
	for (i = 0; i < vsr_n_peers(cfg); i++)
		if (i != cfg->replica && !node->sessions[i].known &&
		    vsr_keys_auth_due(node, i, VSR_KEYS_AUTH_EVERY))
			vsr_keys_auth_send(node, i);
}

/**
 * vsr_keys_status() - the key fields of a status report
 * @node: the node
 * @st: the report
 */
void vsr_keys_status(struct vsr_node *node, struct vsr_status *st)
{
	const struct vsr_auth *a;

	st->drop_auth = atomic64_read(&node->cnt[VSR_CNT_DROP_AUTH]);
	rcu_read_lock();
	a = rcu_dereference(node->auth);
	if (a && a->slot[0].set) {
		st->auth_flags |= VSR_AUTH_KEY;
		st->key_id = a->slot[0].id;
	}
	if (a && a->second && a->slot[1].set) {
		st->auth_flags |= VSR_AUTH_ACCEPT_KEY;
		st->accept_key_id = a->slot[1].id;
	}
	if (vsr_auth_accepts_none(a))
		st->auth_flags |= VSR_AUTH_ACCEPT_NONE;
	rcu_read_unlock();
	switch (READ_ONCE(node->encrypt)) {
	case VSR_ENCRYPT_REQUIRE:
		st->auth_flags |= VSR_AUTH_ENCRYPT_REQUIRE;
		fallthrough;
	case VSR_ENCRYPT_ON:
		st->auth_flags |= VSR_AUTH_ENCRYPT;
		break;
	}
}

/**
 * vsr_node_peer_auth() - how a peer's datagrams were authenticated
 * @inst: the instance
 * @peer: the peer's replica index
 * @pa: filled
 */
void vsr_node_peer_auth(struct vsr_instance *inst, u32 peer,
			struct vsr_peer_auth *pa)
{
	struct vsr_node *node = inst->node;

	memset(pa, 0, sizeof(*pa));
	if (!node || peer >= VSR_MAX_PEERS)
		return;
	pa->auth = READ_ONCE(node->peer_auth[peer]);
	pa->encrypted = pa->auth == 3;
	pa->auth = min_t(u8, pa->auth, 2);
	pa->key_id = READ_ONCE(node->peer_key_id[peer]);
	pa->drop_auth = atomic64_read(&node->peer_drop_auth[peer]);
	/* A peek: the session changes under the node lock. */
	pa->no_decrypt = READ_ONCE(node->encrypt) &&
			 READ_ONCE(node->sessions[peer].known) &&
			 !READ_ONCE(node->sessions[peer].decrypts);
	pa->durability_differs = vsr_version_differs(node, peer);
}
