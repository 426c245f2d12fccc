// SPDX-License-Identifier: GPL-2.0
/*
 * socket.c - the UDP transport of an instance.
 *
 * One kernel UDP socket per instance, bound to the instance's own peer
 * address in the instance's network namespace, set up as a UDP tunnel
 * socket so that datagrams are handed to vsr_udp_recv() in softirq.  That
 * only checks that the sender is a configured peer and queues the skb on
 * that peer's queue; the node's work item does the rest in process
 * context.  Sending happens in process context (the core's send callback,
 * under the node lock).
 */

#include <linux/in.h>
#include <linux/in6.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/net.h>
#include <linux/udp.h>
#include <net/sock.h>
#include <net/udp_tunnel.h>

#include "auth.h"
#include "node_priv.h"
#include "wire.h"

/* Pieces of a datagram: header, body (or the encrypted rest), trailer. */
#define VSR_SOCKET_IOV	3

/* Which configured peer sent @skb, or -1. */
static int vsr_peer_of(const struct vsr_node *node, const struct sk_buff *skb)
{
	const struct vsr_config *cfg = &node->inst->cfg;
	__be16 port = udp_hdr(skb)->source;
	unsigned int i, n = vsr_n_peers(cfg);

	for (i = 0; i < n; i++) {
		const union vsr_sockaddr *p = &cfg->peers[i];

		if (skb->protocol == htons(ETH_P_IP) &&
		    p->sa.sa_family == AF_INET) {
			if (p->sin.sin_port == port &&
			    p->sin.sin_addr.s_addr == ip_hdr(skb)->saddr)
				return i;
		} else if (skb->protocol == htons(ETH_P_IPV6) &&
			   p->sa.sa_family == AF_INET6) {
			if (p->sin6.sin6_port == port &&
			    ipv6_addr_equal(&p->sin6.sin6_addr,
					    &ipv6_hdr(skb)->saddr))
				return i;
		}
	}
	return -1;
}

/*
 * Softirq: a datagram arrived.  Returning 0 means we consumed the skb.
 */
static int vsr_udp_recv(struct sock *sk, struct sk_buff *skb)
{
	struct vsr_node *node = rcu_dereference_sk_user_data(sk);
	struct vsr_rx_flow *flow;
	unsigned int n;
	u32 target_us;
	int peer;
	u64 now;

	if (unlikely(!node))
		goto drop;
	peer = vsr_peer_of(node, skb);
	/*
	 * Nothing comes from our own address: whatever does is forged.  So
	 * its queue is free for what a joining instance hears from members
	 * it has no address for yet.
	 */
	if (peer < 0 && READ_ONCE(node->joining)) {
		peer = node->inst->cfg.replica;
	} else if (peer < 0 || peer == node->inst->cfg.replica) {
		vsr_drop(node, VSR_CNT_DROP_NOT_PEER, peer, 0);
		goto drop;
	}
	n = vsr_n_peers(&node->inst->cfg);
	flow = &node->rx_flow[peer];
	/*
	 * Each peer's address has its own queue, of a share of the room: a
	 * flood from one (forged datagrams that only the MAC, later, tells
	 * apart) leaves the others theirs, and, if the receive work cannot
	 * keep up with it, their share of its time: an address in debt for
	 * one is limited before any copy or MAC (rxlimit.h).
	 */
	now = ktime_get_ns();
	if (atomic_read(&node->rxq_len) >= VSR_RXQ_MAX ||
	    skb_queue_len_lockless(&node->rxq[peer]) >= VSR_RXQ_MAX / n ||
	    atomic_read(&node->rxq_bytes[peer]) + skb->truesize >
	    VSR_RXQ_BYTES / n) {
		vsr_drop(node, VSR_CNT_DROP_NOMEM, peer, -ENOBUFS);
		goto drop;
	}
	target_us = READ_ONCE(node->rx_flood_target_us);
	if (target_us != U32_MAX &&
	    vsr_rx_flow_limit(flow, &node->rx_load, now,
			      skb_queue_len_lockless(&node->rxq[peer]))) {
		atomic64_inc(&node->rx_flood_drops);
		vsr_drop(node, VSR_CNT_DROP_NOMEM, peer, -ENOBUFS);
		goto drop;
	}
	/* When it was queued, for the flood limit. */
	skb->tstamp = ns_to_ktime(now);
	atomic_add(skb->truesize, &node->rxq_bytes[peer]);
	atomic_inc(&node->rxq_len);
	skb_queue_tail(&node->rxq[peer], skb);
	queue_work(system_wq, &node->rx_work);
	return 0;
drop:
	kfree_skb(skb);
	return 0;
}

/**
 * vsr_socket_open() - create and bind the instance's UDP socket
 * @node: the node; its instance's peers[replica] is the local address
 *
 * Return: 0 or a negative errno (-EADDRINUSE if the address is taken,
 * -EADDRNOTAVAIL if it is not local to the namespace).
 */
int vsr_socket_open(struct vsr_node *node)
{
	const struct vsr_config *cfg = &node->inst->cfg;
	const union vsr_sockaddr *self = &cfg->peers[cfg->replica];
	struct udp_tunnel_sock_cfg tcfg = {
		.sk_user_data = node,
		.encap_type = 1,
		.encap_rcv = vsr_udp_recv,
	};
	struct udp_port_cfg pcfg = { 0 };
	struct socket *sock;
	int ret;

	if (self->sa.sa_family == AF_INET) {
		pcfg.family = AF_INET;
		pcfg.local_ip = self->sin.sin_addr;
		pcfg.local_udp_port = self->sin.sin_port;
	} else {
		pcfg.family = AF_INET6;
		pcfg.local_ip6 = self->sin6.sin6_addr;
		pcfg.local_udp_port = self->sin6.sin6_port;
		pcfg.ipv6_v6only = 1;
	}
	ret = udp_sock_create(node->inst->net, &pcfg, &sock);
	if (ret)
		return ret;
	sock->sk->sk_allocation = GFP_KERNEL;
	/*
	 * A flush sends every waiting op to every backup at once: with the
	 * default send buffer (wmem_default) a burst of 64 KiB PREPAREs finds
	 * it full and the backups must pull the lost ones.  What is queued
	 * is bounded by the pipeline anyway.
	 */
	WRITE_ONCE(sock->sk->sk_sndbuf, VSR_SNDBUF);
	sock->sk->sk_userlocks |= SOCK_SNDBUF_LOCK;
	setup_udp_tunnel_sock(node->inst->net, sock, &tcfg);
	node->sock = sock;
	return 0;
}

/**
 * vsr_socket_close() - release the socket; no datagram is delivered after
 * @node: the node, already dead (so that nothing sends any more)
 */
void vsr_socket_close(struct vsr_node *node)
{
	if (!node->sock)
		return;
	udp_tunnel_sock_release(node->sock);
	node->sock = NULL;
	vsr_socket_purge(node);
}

/**
 * vsr_socket_dequeue() - the next received datagram, the peers in turn
 * @node: the node; called by its receive work only
 * @peer: set to the index of the peer whose address sent it
 *
 * Takes one datagram from each peer's queue in turn, so that a flood from
 * one address (forged datagrams, which only the MAC tells apart) delays
 * that address's own datagrams and not the other peers'.
 *
 * Return: the datagram, or NULL if every queue is empty.
 */
struct sk_buff *vsr_socket_dequeue(struct vsr_node *node, int *peer)
{
	unsigned int n = vsr_n_peers(&node->inst->cfg), i, p;
	struct sk_buff *skb;

	for (i = 0; i < n; i++) {
		p = (node->rx_next + i) % n;
		if (skb_queue_empty_lockless(&node->rxq[p]))
			continue;
		skb = skb_dequeue(&node->rxq[p]);
		if (!skb)
			continue;
		atomic_sub(skb->truesize, &node->rxq_bytes[p]);
		atomic_dec(&node->rxq_len);
		node->rx_next = (p + 1) % n;
		*peer = p;
		return skb;
	}
	return NULL;
}

/**
 * vsr_socket_purge() - drop every received datagram not yet processed
 * @node: the node
 */
void vsr_socket_purge(struct vsr_node *node)
{
	struct sk_buff *skb;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(node->rxq); i++) {
		while ((skb = skb_dequeue(&node->rxq[i]))) {
			atomic_sub(skb->truesize, &node->rxq_bytes[i]);
			atomic_dec(&node->rxq_len);
			kfree_skb(skb);
		}
	}
}

/**
 * vsr_socket_source() - the address a received datagram came from
 * @skb: the datagram, as queued by the receive path
 * @addr: set to its source address and port
 *
 * Return: 0, or -EAFNOSUPPORT.
 */
int vsr_socket_source(const struct sk_buff *skb, union vsr_sockaddr *addr)
{
	memset(addr, 0, sizeof(*addr));
	if (skb->protocol == htons(ETH_P_IP)) {
		addr->sin.sin_family = AF_INET;
		addr->sin.sin_port = udp_hdr(skb)->source;
		addr->sin.sin_addr.s_addr = ip_hdr(skb)->saddr;
		return 0;
	}
	if (skb->protocol == htons(ETH_P_IPV6)) {
		addr->sin6.sin6_family = AF_INET6;
		addr->sin6.sin6_port = udp_hdr(skb)->source;
		addr->sin6.sin6_addr = ipv6_hdr(skb)->saddr;
		return 0;
	}
	return -EAFNOSUPPORT;
}

/**
 * vsr_socket_send_to() - send one datagram to an address with no peer
 * @node: the node (its lock held)
 * @addr: the destination
 * @iov: the datagram, sealed as it goes, in @nr pieces
 * @nr: number of pieces
 * @len: its length
 */
void vsr_socket_send_to(struct vsr_node *node, const union vsr_sockaddr *addr,
			struct kvec *iov, size_t nr, size_t len)
{
	union vsr_sockaddr to = *addr;
	struct msghdr msg = {
		.msg_name = &to,
		.msg_namelen = to.sa.sa_family == AF_INET ? sizeof(to.sin) :
							   sizeof(to.sin6),
		.msg_flags = MSG_DONTWAIT | MSG_NOSIGNAL,
	};
	int ret;

	lockdep_assert_held(&node->lock);
	if (node->dead || !node->sock)
		return;
	ret = kernel_sendmsg(node->sock, &msg, iov, nr, len);
	if (ret >= 0)
		vsr_count(node, VSR_CNT_MSGS_OUT);
	else
		vsr_drop(node, VSR_CNT_SEND_ERRORS, -1, ret);
}

/**
 * vsr_socket_send_addr() - send one of the core's datagrams to an address
 *	with no peer
 * @node: the node (its lock held); a joining instance without keys (one
 *	with keys talks to no such address but for its AUTH)
 * @addr: the destination
 * @buf: the datagram, as the core sealed it
 * @len: its length
 *
 * A joining instance's answer to a member it has no address for yet.
 */
void vsr_socket_send_addr(struct vsr_node *node,
			  const union vsr_sockaddr *addr, const void *buf,
			  size_t len)
{
	struct kvec iov = { .iov_base = (void *)buf, .iov_len = len };

	lockdep_assert_held(&node->lock);
	if (rcu_access_pointer(node->auth))
		return;
	vsr_socket_send_to(node, addr, &iov, 1, len);
}

/**
 * vsr_socket_payload() - copy a received datagram's UDP payload
 * @skb: the datagram, as queued by the receive path
 * @buf: where to copy it
 * @max: size of @buf
 *
 * Return: the payload length, or -EMSGSIZE/-EFAULT if it cannot be copied.
 */
int vsr_socket_payload(const struct sk_buff *skb, void *buf, size_t max)
{
	int off = skb_transport_offset(skb) + sizeof(struct udphdr);
	int len = skb->len - off;

	if (len < 0 || len > max)
		return -EMSGSIZE;
	if (skb_copy_bits(skb, off, buf, len))
		return -EFAULT;
	return len;
}

/*
 * Send @nr (at most 2) pieces as one datagram, with the MAC trailer if
 * the node has a key, encrypted if it encrypts: see vsr_socket_send_raw().
 * @iov has room for VSR_SOCKET_IOV pieces.
 */
static void vsr_socket_sendv(struct vsr_node *node, unsigned int to,
			     struct kvec *iov, size_t nr, size_t len)
{
	const struct vsr_config *cfg = &node->inst->cfg;
	u8 trailer[VSR_AUTH_TRAILER_SIZE];
	union vsr_sockaddr addr;
	struct msghdr msg = {
		.msg_name = &addr,
		.msg_flags = MSG_DONTWAIT | MSG_NOSIGNAL,
	};
	int trailer_len, ret;

	lockdep_assert_held(&node->lock);
	if (node->dead || !node->sock || to >= vsr_n_peers(cfg) ||
	    to == cfg->replica)
		return;
	trailer_len = vsr_keys_seal(node, to, iov, &nr, trailer);
	if (trailer_len == -ENOTCONN) {
		/* No session yet: lost, as the protocol allows. */
		vsr_keys_kick(node, to);
		return;
	}
	if (trailer_len < 0) {
		/* Not sent: it would have gone in clear. */
		vsr_drop(node, VSR_CNT_SEND_ERRORS, to, trailer_len);
		return;
	}
	if (trailer_len) {
		iov[nr].iov_base = trailer;
		iov[nr].iov_len = trailer_len;
		nr++;
		len += trailer_len;
	}
	addr = cfg->peers[to];
	msg.msg_namelen = addr.sa.sa_family == AF_INET ?
			  sizeof(addr.sin) : sizeof(addr.sin6);
	ret = kernel_sendmsg(node->sock, &msg, iov, nr, len);
	if (ret >= 0)
		vsr_count(node, VSR_CNT_MSGS_OUT);
	else if (ret == -ENOMEM || ret == -ENOBUFS || ret == -EAGAIN)
		vsr_drop(node, VSR_CNT_DROP_NOMEM, to, ret);
	else
		vsr_drop(node, VSR_CNT_SEND_ERRORS, to, ret);
}

/**
 * vsr_socket_send_raw() - send one datagram to a peer, as it is
 * @node: the node (its lock held)
 * @to: replica index of the destination
 * @buf: the datagram
 * @len: its length
 *
 * Never blocks: a datagram that cannot be queued is lost, which the
 * protocol tolerates.
 */
void vsr_socket_send_raw(struct vsr_node *node, unsigned int to,
			 const void *buf, size_t len)
{
	struct kvec iov[VSR_SOCKET_IOV] = {
		{ .iov_base = (void *)buf, .iov_len = len },
	};

	vsr_socket_sendv(node, to, iov, 1, len);
}

/**
 * vsr_socket_send() - send one of the core's messages to a peer
 * @node: the node (its lock held)
 * @to: replica index of the destination
 * @buf: the message, as the core sealed it (format VSR_WIRE_MAX)
 * @len: its length
 *
 * A peer spoken to in an older format gets a restamped header in front of
 * the same body (version.c).  Never blocks, as vsr_socket_send_raw().
 */
void vsr_socket_send(struct vsr_node *node, unsigned int to,
		     const void *buf, size_t len)
{
	struct kvec iov[VSR_SOCKET_IOV];
	u8 hdr[VSR_HDR_SIZE];
	u8 v;

	lockdep_assert_held(&node->lock);
	if (to >= VSR_MAX_PEERS || len < VSR_HDR_SIZE)
		return;
	v = vsr_version_to(node, to);
	if (v == VSR_WIRE_MAX) {
		vsr_socket_send_raw(node, to, buf, len);
		return;
	}
	vsr_hdr_restamp(hdr, buf, v);
	iov[0].iov_base = hdr;
	iov[0].iov_len = VSR_HDR_SIZE;
	iov[1].iov_base = (void *)buf + VSR_HDR_SIZE;
	iov[1].iov_len = len - VSR_HDR_SIZE;
	vsr_socket_sendv(node, to, iov, len > VSR_HDR_SIZE ? 2 : 1, len);
}
