// SPDX-License-Identifier: GPL-2.0
/*
 * version.c - which wire format to speak with each peer.
 *
 * A cluster is upgraded one node at a time, so members of different
 * module versions must talk.  Each pair of replicas agrees on the newest
 * format both speak, as DRBD agrees on a protocol version at connect, but
 * without a connection: from what each one receives.
 *
 *  - A peer not heard from yet is spoken to in VSR_WIRE_MIN, which every
 *    module understands.
 *  - A datagram in format v from a peer shows that it speaks v: the link
 *    moves to v, up or down.  Down covers a peer replaced by an older
 *    module, which sends only what it knows.
 *  - HELLO (format 2 on) carries the range the sender speaks.  A receiver
 *    moves the link to the newest format in both ranges at once.  Each
 *    replica sends HELLO once a second to every peer it speaks an older
 *    format with than its own newest, and at once to a peer that just
 *    moved it down, so two new modules find each other within a second
 *    however they started, and a module of format 1 only (which drops
 *    HELLO, counted as drop-version) keeps being spoken to in format 1.
 *
 * Choosing too old a format is harmless (every module still speaks it);
 * too new a one loses datagrams, which the protocol tolerates, until the
 * peer's next datagram moves the link down.  Nothing here touches the
 * protocol core: it sees every message in its own format (the newest),
 * and the send path restamps a header for a link of an older format.
 *
 * The wire-version tunable caps what this replica speaks: an instance
 * capped at 1 behaves exactly like a module of format 1 (it neither sends
 * HELLO nor accepts format 2), which is how the selftests run a mixed
 * cluster with one module.
 *
 * @peer_ver is written by the receive work and read by every sender, all
 * under the node lock; the cap is read locklessly (READ_ONCE) as well.
 */

#include <linux/jiffies.h>
#include <linux/minmax.h>

#include "node_priv.h"
#include "wire.h"

/* HELLO to a peer of an older format: this often. */
#define VSR_HELLO_EVERY		(HZ)
/* An immediate HELLO to one peer: at most this often. */
#define VSR_HELLO_MIN_GAP	(HZ / 10)

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
	return min(node->peer_ver[peer] ?: VSR_WIRE_MIN, vsr_version_cap(node));
}

static void vsr_hello_send(struct vsr_node *node, unsigned int peer)
{
	const struct vsr_config *cfg = &node->inst->cfg;
	u8 buf[VSR_HDR_SIZE];
	size_t len;

	node->hello_sent[peer] = jiffies;
	len = vsr_hello_seal(buf, cfg->cluster_id, 0, cfg->replica,
			     VSR_WIRE_MIN, vsr_version_cap(node));
	vsr_socket_send_raw(node, peer, buf, len);
}

/**
 * vsr_version_rx() - learn a peer's format from a datagram it sent
 * @node: the node, its lock held
 * @peer: the sender's replica index (its address matched)
 * @m: the decoded datagram
 *
 * Return: 0 if @m is for the core; -EPROTONOSUPPORT if this replica does
 * not speak its format (the cap); 1 if it was a HELLO, consumed here.
 */
int vsr_version_rx(struct vsr_node *node, unsigned int peer,
		   const struct vsr_msg *m)
{
	u8 cap = vsr_version_cap(node), was = node->peer_ver[peer];
	u16 v = m->h.version;

	if (v > cap)
		return -EPROTONOSUPPORT;
	if (m->h.command == VSR_CMD_HELLO) {
		/* Decoding checked that arg0 <= arg1 <= U8_MAX. */
		if (m->h.arg1 < VSR_WIRE_MIN || m->h.arg0 > cap)
			return -EPROTONOSUPPORT;
		node->peer_ver[peer] = min_t(u64, m->h.arg1, cap);
		return 1;
	}
	node->peer_ver[peer] = v;
	/* Moved down: say what we speak, in case the peer has not heard. */
	if (was > v && v < cap &&
	    (!node->hello_sent[peer] ||
	     time_after(jiffies, node->hello_sent[peer] + VSR_HELLO_MIN_GAP)))
		vsr_hello_send(node, peer);
	return 0;
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

	/* Format 1 has no HELLO. */
	if (cap < VSR_WIRE_HELLO)
		return;
	for (i = 0; i < cfg->n_peers; i++) {
		if (i == cfg->replica || vsr_version_to(node, i) >= cap)
			continue;
		if (!node->hello_sent[i] ||
		    time_after(jiffies, node->hello_sent[i] + VSR_HELLO_EVERY))
			vsr_hello_send(node, i);
	}
}
