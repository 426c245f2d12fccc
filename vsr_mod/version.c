// SPDX-License-Identifier: GPL-2.0
/*
 * version.c - the wire format of each peer's link: the rules of link.c
 * applied to the node's datagrams and clock.
 *
 * The protocol core seals every message in its own format, the newest;
 * vsr_socket_send() restamps the header for a link of an older format.
 * The core never sees HELLO.  The wire-version tunable caps the formats
 * this replica speaks: capped at 1 it neither sends HELLO nor accepts
 * format 2, as a module of format 1 (vsr 0.1.0) does on the wire.
 *
 * Everything here runs under the node lock (the links, the tick count);
 * the cap is also read locklessly, by vsr_version_cap().
 */

#include <linux/minmax.h>
#include <linux/random.h>

#include "link.h"
#include "node_priv.h"

/**
 * vsr_version_cap() - the newest wire format a node speaks
 * @node: the node
 *
 * Return: its wire-version tunable, or VSR_WIRE_MAX for 0.
 */
u8 vsr_version_cap(const struct vsr_node *node)
{
	return READ_ONCE(node->wire_cap) ?: VSR_WIRE_MAX;
}

/**
 * vsr_version_to() - the wire format of the link to a peer
 * @node: the node, its lock held
 * @peer: replica index
 *
 * Return: the format to send @peer datagrams in.
 */
u8 vsr_version_to(const struct vsr_node *node, unsigned int peer)
{
	return vsr_link_format(&node->links[peer], vsr_version_cap(node));
}

/* Whether this node's log is on disk. */
static bool vsr_version_durable(const struct vsr_node *node)
{
	return node->inst->cfg.journal;
}

/*
 * HELLO to @peer, saying that we speak up to @cap, and whether our log is
 * durable.  A durable node asks for the peer's HELLO back, and so does a
 * node in memory of a peer it knows as durable (which may have been
 * replaced by one in memory).
 */
static void vsr_hello_send(struct vsr_node *node, unsigned int peer, u8 cap)
{
	const struct vsr_config *cfg = &node->inst->cfg;
	u8 buf[VSR_HDR_SIZE];
	u64 lo, hi, cur;
	u32 flags = 0;
	size_t len;

	if (vsr_version_durable(node)) {
		flags = VSR_HELLO_DURABLE | VSR_HELLO_ASK;
		if (!node->hello_challenge[peer])
			node->hello_challenge[peer] = get_random_u32() | 1;
	} else if (node->peer_durable[peer] == VSR_PEER_DURABLE) {
		flags = VSR_HELLO_ASK;
	}
	vsr_link_hello(&node->links[peer], cap, node->ticks, &lo, &hi, &cur);
	len = vsr_hello_seal(buf, cfg->cluster_id, 0, cfg->replica, lo, hi,
			     cur, flags, node->hello_challenge[peer],
			     node->peer_challenge[peer]);
	vsr_socket_send_raw(node, peer, buf, len);
}

/* Whether a HELLO to @peer may go now: none within @gap ticks before. */
static bool vsr_hello_due(const struct vsr_node *node, unsigned int peer,
			  u64 gap)
{
	const struct vsr_link *l = &node->links[peer];

	return !l->sent || node->ticks - l->sent_at >= gap;
}

/*
 * A peer's HELLO says whether its log is durable.  Durability is the same
 * on every member of a cluster (a durable replica acks only what is on
 * its disk; one in memory would make a quorum that a power loss undoes):
 * a peer of the other kind gets nothing to the core (vsr_version_rx()).
 *
 * A durable node believes only an answer to its current challenge, and
 * then draws the next: a HELLO that a reordering network (or a replayer)
 * delivers late may be of the incarnation before, of the other kind.  A
 * node in memory believes any (at worst it drops a peer for a while).
 * Returns true if a HELLO that was no answer says something new: then it
 * asks at once.
 */
static bool vsr_version_durability(struct vsr_node *node, unsigned int peer,
				   const struct vsr_hdr *h)
{
	u8 seen = h->flags & VSR_HELLO_DURABLE ? VSR_PEER_DURABLE :
		  VSR_PEER_IN_MEMORY;
	bool differs = (seen == VSR_PEER_DURABLE) != vsr_version_durable(node);

	if (vsr_version_durable(node)) {
		/*
		 * Not an answer: if it says otherwise, ask now; a peer known
		 * as durable that says it is in memory is dropped until it
		 * answers (in a keyed cluster such a HELLO is its own).
		 */
		if (!node->hello_challenge[peer] ||
		    h->log_view != node->hello_challenge[peer]) {
			if (seen == VSR_PEER_IN_MEMORY &&
			    node->peer_durable[peer] == VSR_PEER_DURABLE)
				WRITE_ONCE(node->peer_durable[peer], 0);
			return node->peer_durable[peer] != seen;
		}
		node->hello_challenge[peer] = get_random_u32() | 1;
	}

	if (node->peer_durable[peer] != seen && differs)
		pr_warn("%s: peer %u (%pISpc) is %s, this replica %s: durability differs, its datagrams are dropped\n",
			node->inst->name, peer, &node->inst->cfg.peers[peer].sa,
			seen == VSR_PEER_DURABLE ? "durable" : "in memory",
			vsr_version_durable(node) ? "durable" : "in memory");
	WRITE_ONCE(node->peer_durable[peer], seen);
	return false;
}

/*
 * The rounds of one recovery carry consecutive nonces from a random base
 * (recovery.c); a nonce that does not follow the last one seen starts a
 * recovery, which may be a new incarnation of the other kind (an
 * in-memory replica put in place of a durable one).  A durable node then
 * forgets what the peer said, and takes nothing from it until its HELLO;
 * a node in memory asks a peer it knows as durable again (and keeps
 * dropping it until its HELLO says otherwise).  Returns true if it should
 * ask for a HELLO now.
 */
#define VSR_RECOVERY_ROUNDS_SEEN	64

static bool vsr_version_recovery(struct vsr_node *node, unsigned int peer,
				 u64 nonce)
{
	s64 d = (s64)(nonce - node->peer_recovery[peer]);
	bool same = node->peer_recovery[peer] &&
		    d >= -VSR_RECOVERY_ROUNDS_SEEN &&
		    d <= VSR_RECOVERY_ROUNDS_SEEN;

	node->peer_recovery[peer] = nonce;
	if (same)
		return false;
	/* In memory, it asks a peer it knows as durable: still? */
	if (!vsr_version_durable(node))
		return node->peer_durable[peer] == VSR_PEER_DURABLE;
	/*
	 * Answers to the challenge before it are of the old incarnation:
	 * also while the peer's kind is not known yet (an answer to the
	 * challenge of its last recovery may still be on its way).
	 */
	WRITE_ONCE(node->peer_durable[peer], 0);
	node->hello_challenge[peer] = get_random_u32() | 1;
	return true;
}

/**
 * vsr_version_differs() - whether a peer's durability is not this node's
 * @node: the node
 * @peer: replica index
 *
 * A durable node counts a peer that has not said (no HELLO yet) as
 * differing; a node in memory does not, so that it keeps speaking to
 * modules older than HELLO.  Lockless: a peek for status.
 *
 * Return: true if @peer's datagrams are kept from the core.
 */
bool vsr_version_differs(const struct vsr_node *node, unsigned int peer)
{
	u8 seen = READ_ONCE(node->peer_durable[peer]);

	if (!seen)
		return vsr_version_durable(node);
	return (seen == VSR_PEER_DURABLE) != vsr_version_durable(node);
}

/**
 * vsr_version_rx() - learn a peer's format from a datagram it sent
 * @node: the node, its lock held
 * @peer: the sender's replica index (its address matched)
 * @m: the decoded datagram
 *
 * Return: 0 if @m is for the core; 1 if it was a HELLO, consumed here;
 * -EPROTONOSUPPORT if this replica does not speak its format, or if the
 * peer's durability differs or (durable) is not known yet.
 */
int vsr_version_rx(struct vsr_node *node, unsigned int peer,
		   const struct vsr_msg *m)
{
	u8 cap = vsr_version_cap(node);
	bool hello;
	int ret;

	ret = vsr_link_rx(&node->links[peer], cap, &m->h, node->ticks, &hello);
	if (ret == 1) {
		if (m->h.flags & VSR_HELLO_ASK)
			node->peer_challenge[peer] = m->h.view;
		/*
		 * It does not know whether we are durable, or we do not know
		 * what it is.
		 */
		if ((vsr_version_durability(node, peer, &m->h) ||
		     m->h.flags & VSR_HELLO_ASK) &&
		    vsr_hello_due(node, peer, VSR_LINK_HELLO_GAP))
			hello = true;
	}
	if (!ret && m->h.command == VSR_CMD_RECOVERY &&
	    vsr_version_recovery(node, peer, m->h.arg0))
		hello = hello || vsr_hello_due(node, peer, VSR_LINK_HELLO_GAP);
	if (hello)
		vsr_hello_send(node, peer, cap);
	if (!ret && vsr_version_differs(node, peer))
		return -EPROTONOSUPPORT;
	return ret;
}

/**
 * vsr_version_tick() - HELLO to the peers spoken to in an older format
 * @node: the node, its lock held
 */
void vsr_version_tick(struct vsr_node *node)
{
	const struct vsr_config *cfg = &node->inst->cfg;
	u8 cap = vsr_version_cap(node);
	unsigned int i;

	if (node->failed)
		return;
	for (i = 0; i < vsr_n_peers(cfg); i++) {
		if (i == cfg->replica)
			continue;
		/*
		 * A durable node asks every peer it heard from for its HELLO:
		 * soon if it has none, then every VSR_LINK_HELLO_EVERY ticks,
		 * since the peer may have been replaced by one of the other
		 * kind (the formats may agree, and then neither side would
		 * send one).  A node in memory asks a peer it knows as
		 * durable every VSR_LINK_HELLO_EVERY ticks, for the same
		 * reason.
		 */
		if (vsr_link_tick(&node->links[i], cap, node->ticks) ||
		    (vsr_version_durable(node) && node->links[i].ver &&
		     vsr_hello_due(node, i, node->peer_durable[i] ?
				   VSR_LINK_HELLO_EVERY : VSR_LINK_HELLO_GAP)) ||
		    (node->peer_durable[i] == VSR_PEER_DURABLE &&
		     !vsr_version_durable(node) &&
		     vsr_hello_due(node, i, VSR_LINK_HELLO_EVERY)))
			vsr_hello_send(node, i, cap);
	}
}

/**
 * vsr_version_set_cap() - change the newest format a node speaks
 * @node: the node, its lock held
 * @wire_version: the wire-version tunable, 0 for the newest
 *
 * Lowering it first tells every peer in a HELLO (in format VSR_WIRE_HELLO,
 * which they still read), so that they move down at once instead of
 * sending what this replica will drop until its own datagrams reach them.
 */
void vsr_version_set_cap(struct vsr_node *node, u8 wire_version)
{
	const struct vsr_config *cfg = &node->inst->cfg;
	u8 cap = wire_version ?: VSR_WIRE_MAX;
	unsigned int i;

	if (cap < vsr_version_cap(node) && !node->failed)
		for (i = 0; i < vsr_n_peers(cfg); i++)
			if (i != cfg->replica)
				vsr_hello_send(node, i, cap);
	WRITE_ONCE(node->wire_cap, wire_version);
}
