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

/* HELLO to @peer, saying that we speak up to @cap. */
static void vsr_hello_send(struct vsr_node *node, unsigned int peer, u8 cap)
{
	const struct vsr_config *cfg = &node->inst->cfg;
	u8 buf[VSR_HDR_SIZE];
	u64 lo, hi, cur;
	size_t len;

	vsr_link_hello(&node->links[peer], cap, node->ticks, &lo, &hi, &cur);
	len = vsr_hello_seal(buf, cfg->cluster_id, 0, cfg->replica, lo, hi,
			     cur);
	vsr_socket_send_raw(node, peer, buf, len);
}

/**
 * vsr_version_rx() - learn a peer's format from a datagram it sent
 * @node: the node, its lock held
 * @peer: the sender's replica index (its address matched)
 * @m: the decoded datagram
 *
 * Return: 0 if @m is for the core; 1 if it was a HELLO, consumed here;
 * -EPROTONOSUPPORT if this replica does not speak its format.
 */
int vsr_version_rx(struct vsr_node *node, unsigned int peer,
		   const struct vsr_msg *m)
{
	u8 cap = vsr_version_cap(node);
	bool hello;
	int ret;

	ret = vsr_link_rx(&node->links[peer], cap, &m->h, node->ticks, &hello);
	if (hello)
		vsr_hello_send(node, peer, cap);
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
	for (i = 0; i < vsr_n_peers(cfg); i++)
		if (i != cfg->replica &&
		    vsr_link_tick(&node->links[i], cap, node->ticks))
			vsr_hello_send(node, i, cap);
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
