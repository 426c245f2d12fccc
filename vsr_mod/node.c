// SPDX-License-Identifier: GPL-2.0
/*
 * node.c - the replication engine of an instance: drives the protocol
 * core with datagrams, ticks and client requests, and turns its callbacks
 * into datagrams, woken clients and netlink events.
 */

#include <linux/delay.h>
#include <linux/hrtimer.h>
#include <linux/jiffies.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/memcontrol.h>
#include <linux/random.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "auth.h"
#include "node.h"
#include "journal.h"
#include "node_priv.h"
#include "trace.h"
#include "vsr_api.h"
#include "wire.h"

/* The uapi's name for the retention that a log-retention of 0 stands for. */
static_assert(VSR_LOG_RETENTION_DEFAULT == VSR_CORE_RETAIN_DEFAULT);

static void vsr_cb_send(void *ctx, unsigned int to, const void *buf,
			size_t len)
{
	struct vsr_node *node = ctx;
	u32 peer = to == VSR_PEER_SENDER ? node->rx_peer :
		   to - VSR_PEER_LEARNER < VSR_MAX_PEERS ?
		   node->learner_peer[to - VSR_PEER_LEARNER] :
		   vsr_node_peer_of(node, to);

	if (trace_vsr_send_enabled()) {
		struct vsr_hdr h;

		vsr_hdr_get(buf, &h);
		trace_vsr_send(node, peer == VSR_RX_ADDR ? -1 : peer, &h, 0);
	}
	/* A joining replica answers an address it has no peer for. */
	if (peer == VSR_RX_ADDR) {
		vsr_socket_send_addr(node, &node->rx_addr, buf, len);
		return;
	}
	/* A member whose address this instance has no room for. */
	if (peer >= vsr_n_peers(&node->inst->cfg)) {
		vsr_drop(node, VSR_CNT_SEND_ERRORS, -1, -EDESTADDRREQ);
		return;
	}
	vsr_socket_send(node, peer, buf, len);
}

/**
 * vsr_node_member_id() - a member's identity for the core, and the name
 *	of its address in the keys: the family, the port and the address of
 *	its UDP endpoint
 * @a: the endpoint
 * @id: filled (zeros after the address)
 */
void vsr_node_member_id(const union vsr_sockaddr *a, struct vsr_member_id *id)
{
	memset(id, 0, sizeof(*id));
	put_unaligned_le16(a->sa.sa_family, id->b);
	if (a->sa.sa_family == AF_INET) {
		memcpy(id->b + 2, &a->sin.sin_port, 2);
		memcpy(id->b + 4, &a->sin.sin_addr, 4);
	} else {
		memcpy(id->b + 2, &a->sin6.sin6_port, 2);
		memcpy(id->b + 4, &a->sin6.sin6_addr, 16);
	}
}

/**
 * vsr_node_member_addr() - the UDP endpoint a member's identity names
 * @id: an identity from vsr_node_member_id()
 * @a: filled
 *
 * Return: false if @id names no endpoint.
 */
bool vsr_node_member_addr(const struct vsr_member_id *id,
			  union vsr_sockaddr *a)
{
	memset(a, 0, sizeof(*a));
	a->sa.sa_family = get_unaligned_le16(id->b);
	if (a->sa.sa_family == AF_INET) {
		memcpy(&a->sin.sin_port, id->b + 2, 2);
		memcpy(&a->sin.sin_addr, id->b + 4, 4);
		return true;
	}
	if (a->sa.sa_family == AF_INET6) {
		memcpy(&a->sin6.sin6_port, id->b + 2, 2);
		memcpy(&a->sin6.sin6_addr, id->b + 4, 16);
		return true;
	}
	return false;
}

/*
 * Append the address of member @id, new to this instance, to its peers.
 * Its per-peer state is still as the node was allocated (zero: nothing
 * heard, nothing agreed), but for the session's name of the address
 * (the keys name peers by address).  Refused once the list is full: the
 * member stays unreachable from here.
 */
static void vsr_node_add_peer(struct vsr_node *node,
			      const struct vsr_member_id *id)
{
	struct vsr_config *cfg = &node->inst->cfg;
	u32 n = cfg->n_peers;

	if (n == VSR_MAX_PEERS || !vsr_node_member_addr(id, &cfg->peers[n])) {
		pr_warn_ratelimited("vsr: %s: no room for a new member's address\n",
				    node->inst->name);
		return;
	}
	vsr_keys_peer_init(node, n);
	WRITE_ONCE(node->grown, true);
	/* The address before the count: lockless readers see it whole. */
	smp_store_release(&cfg->n_peers, n + 1);
}

/* The peer whose address is the identity @id, or VSR_NO_PEER. */
static u32 vsr_node_peer_find(const struct vsr_node *node,
			      const struct vsr_member_id *id)
{
	const struct vsr_config *cfg = &node->inst->cfg;
	struct vsr_member_id own;
	u32 p;

	for (p = 0; p < cfg->n_peers; p++) {
		vsr_node_member_id(&cfg->peers[p], &own);
		if (!memcmp(own.b, id->b, sizeof(own.b)))
			return p;
	}
	return VSR_NO_PEER;
}

/*
 * The peer whose address is the identity @id, added to the instance's
 * peers if it has none yet; VSR_NO_PEER if there is no room for it.
 */
static u32 vsr_node_peer_by_id(struct vsr_node *node,
			       const struct vsr_member_id *id)
{
	u32 p = vsr_node_peer_find(node, id);

	if (p != VSR_NO_PEER)
		return p;
	p = node->inst->cfg.n_peers;
	vsr_node_add_peer(node, id);
	return p < node->inst->cfg.n_peers ? p : VSR_NO_PEER;
}

/*
 * Which of the instance's peers are the @count members @ids of @epoch;
 * members it has no address for yet are added to its peers.
 */
static void vsr_cb_members(void *ctx, u32 epoch,
			   const struct vsr_member_id *ids, u32 count,
			   u32 self)
{
	struct vsr_node *node = ctx;
	const struct vsr_config *cfg = &node->inst->cfg;
	struct vsr_member_id id;
	u32 i, p;

	for (i = 0; i < count; i++)
		vsr_node_peer_by_id(node, &ids[i]);
	memset(node->member_peer, VSR_NO_PEER, sizeof(node->member_peer));
	for (p = 0; p < cfg->n_peers; p++) {
		vsr_node_member_id(&cfg->peers[p], &id);
		for (i = 0; i < count; i++)
			if (!memcmp(id.b, ids[i].b, sizeof(id.b)))
				break;
		WRITE_ONCE(node->peer_member[p], i < count ? i : VSR_NO_PEER);
		if (i < count)
			node->member_peer[i] = p;
	}
	/* Our own address names us: the core found us by it. */
	WARN_ON_ONCE(node->member_peer[self] != cfg->replica);
	node->n_members = count;
	WRITE_ONCE(node->members_epoch, epoch);
}

/*
 * The learners the core teaches as a primary: new members of a change it
 * tries, added to the peers now (they will be members, and must reach
 * us: datagrams of addresses that are no peer's are dropped).
 */
static void vsr_cb_learners(void *ctx, const struct vsr_member_id *ids,
			    u32 count)
{
	struct vsr_node *node = ctx;
	u32 j;

	memset(node->learner_peer, VSR_NO_PEER, sizeof(node->learner_peer));
	for (j = 0; j < count && j < VSR_MAX_PEERS; j++)
		node->learner_peer[j] = vsr_node_peer_by_id(node, &ids[j]);
}

static bool vsr_waiter_matches(const struct vsr_waiter *w,
			       const struct vsr_reply *rep)
{
	if (w->done || w->type != rep->type || w->request != rep->request)
		return false;
	/* A registration is known by its nonce, everything else by session. */
	return rep->type == VSR_OP_REGISTER || w->session == rep->session;
}

/*
 * A request's outcome.  In the receive work its waiter wakes only once the
 * work drops the lock (vsr_rx_unlock()): woken here, on a machine's one
 * CPU it took the CPU from the datagram being served only to block on the
 * lock (vsr_node_call() takes it to leave @calls).  Elsewhere (the tick,
 * the journal's work, a writer's own flush) it wakes at once.
 */
static void vsr_cb_reply(void *ctx, const struct vsr_reply *rep)
{
	struct vsr_node *node = ctx;
	struct vsr_waiter *w;

	spin_lock(&node->waiters_lock);
	list_for_each_entry(w, &node->waiters, node) {
		if (vsr_waiter_matches(w, rep)) {
			w->rep = *rep;
			/* Paired with vsr_waiter_done()'s: @rep first. */
			smp_store_release(&w->done, true);
			if (node->rx_locked)
				node->reply_wake = true;
			else
				wake_up(&w->wq);
		}
	}
	spin_unlock(&node->waiters_lock);
}

static void vsr_cb_commit(void *ctx, const struct vsr_entry *e)
{
	struct vsr_node *node = ctx;

	WRITE_ONCE(node->commit, e->h.op);
}

/* Wake every client operation waiting for its outcome (vsr_node_call()). */
static void vsr_node_wake_waiters(struct vsr_node *node)
{
	struct vsr_waiter *w;

	spin_lock(&node->waiters_lock);
	list_for_each_entry(w, &node->waiters, node)
		wake_up(&w->wq);
	spin_unlock(&node->waiters_lock);
}

/* Does vsr_replica_submit()'s @ret end a vsr_node_call()? */
static bool vsr_call_ends(int ret)
{
	return ret == -EINVAL || ret == -EALREADY || ret == -EIO ||
	       ret == -EROFS || ret == -ENOTCONN;
}

/*
 * After a kick: wake every waiter but those whose request
 * vsr_node_process() submitted again for it since (they have nothing to
 * do but wait on).
 */
static void vsr_node_wake_kicked(struct vsr_node *node)
{
	unsigned int gen = READ_ONCE(node->resubmit);
	struct vsr_waiter *w;

	spin_lock(&node->waiters_lock);
	list_for_each_entry(w, &node->waiters, node)
		if (READ_ONCE(w->resubmitted) != gen)
			wake_up(&w->wq);
	spin_unlock(&node->waiters_lock);
}

/*
 * A new view is in normal operation: requests sent to the old primary
 * may be lost, so every waiting writer resubmits now rather than at its
 * next retry (failover time is then the view change alone).  In the
 * receive work the wakeups wait for the end of its batch: a writer woken
 * there took the vCPU from the switch only to block on the lock, and the
 * requests of vsr_node_call() are submitted again by the work itself.
 */
static void vsr_node_kick_waiters(struct vsr_node *node)
{
	WRITE_ONCE(node->resubmit, node->resubmit + 1);
	if (node->rx_locked)
		node->kick_wake = true;
	else
		vsr_node_wake_waiters(node);
}

/* The receive work takes the node lock: its kicks wake at its end. */
static void vsr_rx_lock(struct vsr_node *node)
{
	mutex_lock(&node->lock);
	node->rx_locked = true;
}

/* The waiters whose request has its outcome (vsr_cb_reply()). */
static void vsr_node_wake_done(struct vsr_node *node)
{
	struct vsr_waiter *w;

	spin_lock(&node->waiters_lock);
	list_for_each_entry(w, &node->waiters, node)
		if (READ_ONCE(w->done))
			wake_up(&w->wq);
	spin_unlock(&node->waiters_lock);
}

/*
 * ... drops it for a while (the kicks' wakeups still wait, the replies'
 * do not) ...
 */
static void vsr_rx_unlock(struct vsr_node *node)
{
	bool wake = node->reply_wake;

	node->reply_wake = false;
	node->rx_locked = false;
	mutex_unlock(&node->lock);
	if (wake)
		vsr_node_wake_done(node);
}

/* ... or at the end of its batch, and wakes what they left waiting. */
static void vsr_rx_unlock_wake(struct vsr_node *node)
{
	bool wake = node->kick_wake;

	node->kick_wake = false;
	vsr_rx_unlock(node);
	if (wake)
		vsr_node_wake_kicked(node);
}

/*
 * Wake every blocked writer and reader (and poller): the node died or its
 * core failed, and they return an error.
 */
static void vsr_node_wake_all(struct vsr_node *node)
{
	vsr_node_wake_waiters(node);
	wake_up_interruptible_all(&node->read_wq);
}

/*
 * The core broke a safety invariant (it warned) and stopped for good: it
 * ignores every input from now on.  Its clients get -EIO.
 */
static void vsr_node_failed(struct vsr_node *node,
			    const struct vsr_core_status *st)
{
	struct vsr_instance *inst = node->inst;

	/* The lines of the changes before, first. */
	vsr_observe_log_flush(node);
	pr_err("%s: failed: %s; replica %u of cluster %llu stopped in view %u at op %llu, commit %llu; /dev/%s returns EIO\n",
	       inst->name,
	       inst->cfg.journal && inst->cfg.journal->err ?
	       "its log file cannot be written" : "a safety invariant broke",
	       inst->cfg.replica, inst->cfg.cluster_id, st->view,
	       st->op, st->commit, inst->name);
	WRITE_ONCE(node->failed, true);
	vsr_node_wake_all(node);
}

static void vsr_cb_status(void *ctx, const struct vsr_core_status *st)
{
	struct vsr_node *node = ctx;
	struct vsr_core_status *old = &node->notified;
	u32 primary;

	/*
	 * A checkpoint taken over from a peer moves the commit number
	 * without a commit callback: the mirror follows it here.
	 */
	if (node->restoring)
		return;
	WRITE_ONCE(node->commit, st->commit);
	WRITE_ONCE(node->trim, st->trim);
	if (st->status == VSR_STATUS_FAILED && !node->failed)
		vsr_node_failed(node, st);
	WRITE_ONCE(node->joining, st->status == VSR_STATUS_JOINING);
	if (st->view != old->view)
		vsr_instance_event(node->inst, VSR_EVENT_VIEW);
	if (st->status != old->status)
		vsr_instance_event(node->inst, VSR_EVENT_STATUS);
	/* The primary as a peer: member indices change with the epoch. */
	primary = st->status == VSR_STATUS_REMOVED ||
		  st->status == VSR_STATUS_JOINING ? VSR_NO_PEER :
		  vsr_node_peer_of(node, st->primary);
	if (primary != node->primary_peer) {
		node->primary_peer = primary;
		vsr_instance_event(node->inst, VSR_EVENT_PRIMARY);
	}
	if (st->trim != old->trim) {
		vsr_instance_event(node->inst, VSR_EVENT_CONFIG);
		/* A trim waits for the trim point, whoever moved it. */
		vsr_node_wake_waiters(node);
	}
	if (st->epoch != old->epoch)
		vsr_instance_event(node->inst, VSR_EVENT_EPOCH);
	/* A new view or epoch: requests to the old primary may be lost. */
	if (st->status == VSR_STATUS_NORMAL &&
	    (st->view != old->view || st->epoch != old->epoch ||
	     old->status != VSR_STATUS_NORMAL)) {
		node->kicked = true;
		vsr_node_kick_waiters(node);
	}
	/* Writers get -EROFS at once, readers the end of the log. */
	if (st->status == VSR_STATUS_REMOVED && !node->removed) {
		WRITE_ONCE(node->removed, true);
		vsr_node_kick_waiters(node);
	}
	/* Named again by a later epoch: a member, recovering there. */
	if (st->status != VSR_STATUS_REMOVED && node->removed)
		WRITE_ONCE(node->removed, false);
	vsr_observe_status(node, old, st);
	*old = *st;
	/* A reader positioned before the new trim point must learn it. */
	wake_up_interruptible_all(&node->read_wq);
}

/* A durable replica asks for a record: the journal writes it. */
static void vsr_cb_persist(void *ctx, const struct vsr_persist *p)
{
	struct vsr_node *node = ctx;

	vsr_journal_persist(node->inst->cfg.journal, p);
}

static const struct vsr_ops vsr_node_ops = {
	.send	= vsr_cb_send,
	.reply	= vsr_cb_reply,
	.commit	= vsr_cb_commit,
	.status	= vsr_cb_status,
	.members = vsr_cb_members,
	.learners = vsr_cb_learners,
	.persist = vsr_cb_persist,
};

/*
 * vsr_node_process(), but what the batch made ready is sent only if
 * @send: otherwise it waits in the core for the next flush.
 */
static void vsr_node_settle(struct vsr_node *node, u64 before, bool send)
{
	struct vsr_waiter *w;
	int ret;

	lockdep_assert_held(&node->lock);
	if (node->kicked) {
		node->kicked = false;
		list_for_each_entry(w, &node->calls, call) {
			if (w->done)
				continue;
			ret = vsr_replica_submit(node->core, w->type,
						 w->session, w->request,
						 w->data, w->len);
			/* An error that ends the call: the writer must see it. */
			if (!vsr_call_ends(ret))
				WRITE_ONCE(w->resubmitted, node->resubmit);
		}
	}
	if (send)
		vsr_replica_flush(node->core);
	vsr_observe_batch(node, before);
	if (READ_ONCE(node->commit) != before)
		wake_up_interruptible_all(&node->read_wq);
	/* What the batch appended goes to the disk (group commit). */
	vsr_journal_kick(node->inst->cfg.journal);
}

/**
 * vsr_node_process() - finish a batch of inputs to the core
 * @node: the node, its lock held
 * @before: node->commit before the batch
 *
 * After a batch in which a view or an epoch started normal operation, it
 * first submits again every request that writers wait for: they would
 * each do so once they ran (vsr_node_call()), a wakeup later, and the
 * core drops the duplicates.  At an epoch switch that wakeup, on another
 * CPU, was most of the writers' pause.
 *
 * Sends what the batch made ready (one PREPARE for all requests that came
 * in together) and wakes the readers if the commit point moved.
 */
void vsr_node_process(struct vsr_node *node, u64 before)
{
	vsr_node_settle(node, before, true);
}

/* Count a datagram from @peer the core refused, by reason. */
static void vsr_count_drop(struct vsr_node *node, int err, int peer)
{
	switch (err) {
	case -EXDEV:
		vsr_drop(node, VSR_CNT_DROP_CLUSTER, peer, err);
		break;
	case -EBADMSG:
		vsr_drop(node, VSR_CNT_DROP_CHECKSUM, peer, err);
		break;
	case -ESTALE:
		vsr_drop(node, VSR_CNT_DROP_STALE, peer, err);
		break;
	case -EPROTONOSUPPORT:
		vsr_drop(node, VSR_CNT_DROP_VERSION, peer, err);
		break;
	case -ENOKEY:
	case -ENOTCONN:
	case -EKEYREJECTED:
	case -EKEYEXPIRED:
		vsr_drop(node, VSR_CNT_DROP_AUTH, peer, err);
		break;
	default:
		vsr_drop(node, VSR_CNT_DROP_MALFORMED, peer, err);
		break;
	}
}

/*
 * Does a message from @peer's address name its sender as @peer?  The
 * glue's own (HELLO, AUTH) are known by their address alone; the core's
 * name members of the sender's epoch, which we can check in the epoch we
 * know the members of only: an index of another epoch means what the core
 * knows it to, and so does a flagged notice's (a removed member's names
 * it in the epoch before, a joining replica's or a learner's in none).  A
 * member's notice of our own epoch is checked as any message: it says
 * that its sender is in the epoch, and is answered.  Lockless as a filter
 * before the MAC; exact under the node lock.
 */
static bool vsr_rx_claim_ok(const struct vsr_node *node, u32 peer,
			    u8 command, u32 flags, u32 epoch, u32 replica)
{
	/*
	 * The glue's own: a sender names itself by its place in its own
	 * list, which is ours only if neither list grew nor the sender began
	 * joining (as replica 0).  The address is what counts, and the keys
	 * bind it.
	 */
	if (command == VSR_CMD_HELLO || command == VSR_CMD_AUTH)
		return true;
	/* A joining instance knows no members yet: the core judges. */
	return (command == VSR_CMD_EPOCH && flags) ||
	       READ_ONCE(node->joining) ||
	       epoch != READ_ONCE(node->members_epoch) ||
	       replica == READ_ONCE(node->peer_member[peer]);
}

/*
 * What the receive work does to a datagram of @peer's address before the
 * node lock: the copy, the cheap checks (the sender claims its address's
 * index and our cluster), the MAC, which strips the trailer (a
 * wire format above the cap is then dropped before any checksum, as by a
 * module that does not know it), and the decoding into @m.  Sets @kret to
 * what vsr_keys_rx() said (0 if it was not reached).
 *
 * Return: 0 with @m decoded; 1 if the datagram was dropped and counted;
 * or the error to count it by.
 */
static int vsr_rx_check(struct vsr_node *node, struct sk_buff *skb,
			int peer, const union vsr_sockaddr *from,
			struct vsr_msg *m, bool *authenticated, bool *echoed,
			int *kret)
{
	u64 cluster = node->inst->cfg.cluster_id;
	bool stranger = peer == node->inst->cfg.replica;
	/* Read once: what let a stranger's AUTH through must verify it. */
	bool keyed = rcu_access_pointer(node->auth);
	u8 command;
	size_t len;
	int ret;

	*echoed = false;
	*kret = 0;
	ret = vsr_socket_payload(skb, node->rxbuf, VSR_MSG_MAX +
				 VSR_AUTH_TRAILER_SIZE);
	if (ret < VSR_HDR_SIZE) {
		vsr_drop(node, VSR_CNT_DROP_MALFORMED, peer, min(ret, 0));
		return 1;
	}
	len = ret;
	command = vsr_wire_command(node->rxbuf);
	/*
	 * An address a joining instance has no peer for: without keys, the
	 * core's only; with keys (any: "none" accepted too), only an AUTH
	 * is taken, which can make it a peer (vsr_keys_rx_stranger()).
	 */
	if (stranger ? command == VSR_CMD_HELLO ||
		       (command == VSR_CMD_AUTH && !keyed) :
	    !vsr_rx_claim_ok(node, peer, command, vsr_wire_flags(node->rxbuf),
			     vsr_wire_epoch(node->rxbuf),
			     vsr_wire_replica(node->rxbuf))) {
		vsr_drop(node, VSR_CNT_DROP_NOT_PEER, peer, 0);
		return 1;
	}
	if (vsr_wire_cluster(node->rxbuf) != cluster) {
		vsr_drop(node, VSR_CNT_DROP_CLUSTER, peer, -EXDEV);
		return 1;
	}
	if (stranger && keyed) {
		*kret = vsr_keys_rx_stranger(node, from, node->rxbuf, &len,
					     echoed);
		*authenticated = !*kret;
	} else {
		*kret = vsr_keys_rx(node, peer, node->rxbuf, &len,
				    authenticated);
	}
	if (*kret)
		return *kret;
	if (vsr_wire_version(node->rxbuf) > vsr_version_cap(node))
		return -EPROTONOSUPPORT;
	return vsr_msg_decode(node->rxbuf, len, cluster, m);
}

/*
 * Under the node lock: the peer that the address @from of a stranger's
 * datagram is now, in @peer.  A joining instance queues what comes from
 * an address that is none of its peers as a stranger's; the epoch it
 * enters makes its members peers, and the epoch's first PREPARE comes
 * right behind the notice that named them, queued before it was read.
 * Only without a key: with one, no stranger's datagram but an AUTH gets
 * this far, and one let through before a key was set stays a stranger's.
 */
static bool vsr_rx_peer_now(const struct vsr_node *node,
			    const union vsr_sockaddr *from, int *peer)
{
	struct vsr_member_id id;
	u32 p;

	if (READ_ONCE(node->joining) || rcu_access_pointer(node->auth))
		return false;
	vsr_node_member_id(from, &id);
	p = vsr_node_peer_find(node, &id);
	/* Our own address is no peer's. */
	if (p == VSR_NO_PEER || p == node->inst->cfg.replica)
		return false;
	*peer = p;
	return true;
}

/*
 * An AUTH that verified for an address a joining instance has no peer for
 * (under the node lock).  One that echoed our challenge to the address
 * makes it a peer, and the handshake goes on there; any other is answered
 * with that challenge (vsr_keys_rx_stranger() says why).  Once the
 * instance joined, an AUTH from such an address is nobody's.
 */
static void vsr_rx_stranger_auth(struct vsr_node *node,
				 const union vsr_sockaddr *from,
				 const struct vsr_msg *m, bool echoed)
{
	u32 self = node->inst->cfg.replica;
	struct vsr_member_id id;
	u32 p;

	/* Another joining instance's answer: two strangers never pair. */
	if (!READ_ONCE(node->joining) || m->h.arg0 & VSR_AUTH_FEAT_JOINING) {
		vsr_drop(node, VSR_CNT_DROP_NOT_PEER, self, 0);
		return;
	}
	if (!echoed) {
		vsr_keys_stranger_answer(node, from, m);
		return;
	}
	vsr_node_member_id(from, &id);
	p = vsr_node_peer_by_id(node, &id);
	if (p == VSR_NO_PEER) {
		vsr_drop(node, VSR_CNT_DROP_NOT_PEER, self, -ENOSPC);
		return;
	}
	vsr_keys_stranger_peer(node, p);
	if (vsr_keys_handshake(node, p, m, true))
		WRITE_ONCE(node->last_heard[p], jiffies);
}

/*
 * Feed the received datagrams to the core.  Each is copied and checked
 * (checksums, layout) before the node lock is taken, and the lock is taken
 * per message: writers and the tick get in between, and the core's
 * critical sections hold no checksum work.  What the batch made ready is
 * sent once, at the end, but for a datagram that starts a view or an
 * epoch: what waits for it goes out at once.  (rxbuf is this work's own:
 * a work item never runs concurrently with itself.)
 */
static void vsr_rx_work(struct work_struct *work)
{
	struct vsr_node *node = container_of(work, struct vsr_node, rx_work);
	struct mem_cgroup *old_memcg;
	unsigned int budget = 256;
	struct sk_buff *skb;
	struct vsr_msg m;
	u32 target_us = READ_ONCE(node->rx_flood_target_us);
	u32 delay_us = min(READ_ONCE(node->rx_check_delay_us), 1000U);
	u64 target = (u64)target_us * NSEC_PER_USEC;
	/* Never behind: a test's knob (debugfs). */
	bool watch = target_us != U32_MAX;
	u64 before = READ_ONCE(node->commit);
	struct vsr_rx_flow *flow;
	bool heard, authenticated, stranger, echoed;
	union vsr_sockaddr from;
	u64 start;
	int peer, ret, kret;

	old_memcg = set_active_memcg(node->inst->memcg);
	if (atomic_xchg(&node->vmfork, 0))
		vsr_keys_vmfork(node);

	while (budget-- && !READ_ONCE(node->dead) &&
	       (skb = vsr_socket_dequeue(node, &peer))) {
		flow = &node->rx_flow[peer];
		heard = true;
		/* Queued under our own address: a joining instance's. */
		stranger = peer == node->inst->cfg.replica;
		if (stranger && vsr_socket_source(skb, &from)) {
			kfree_skb(skb);
			continue;
		}
		/*
		 * Bottom halves off: what the checks take is theirs, and is
		 * charged to the address if the datagram brings nothing.
		 */
		local_bh_disable();
		start = ktime_get_ns();
		if (watch)
			vsr_rx_load_take(&node->rx_load, start,
					 ktime_to_ns(skb->tstamp),
					 atomic_read(&node->rxq_len), target);
		ret = vsr_rx_check(node, skb, peer, &from, &m, &authenticated,
				   &echoed, &kret);
		if (unlikely(delay_us))
			udelay(delay_us);
		if (ret || m.h.command == VSR_CMD_AUTH)
			vsr_rx_flow_charge(flow, start, ktime_get_ns(),
					   READ_ONCE(node->rx_flood_share));
		local_bh_enable();
		if (ret)
			kfree_skb(skb);
		else
			consume_skb(skb);
		if (kret && stranger)
			vsr_keys_stranger_refused(node, &from, kret);
		else if (kret)
			vsr_keys_rx_refused(node, peer, kret);
		if (!ret) {
			vsr_rx_lock(node);
			if (stranger && m.h.command != VSR_CMD_AUTH &&
			    vsr_rx_peer_now(node, &from, &peer))
				stranger = false;
			if (node->dead) {
				ret = -ENODEV;
			} else if (stranger && m.h.command == VSR_CMD_AUTH) {
				heard = false;
				ret = 1;
				vsr_rx_stranger_auth(node, &from, &m, echoed);
			} else if (stranger) {
				/* Joined meanwhile, and from no peer. */
				heard = false;
				ret = READ_ONCE(node->joining) ? 0 : 1;
				if (ret)
					vsr_drop(node, VSR_CNT_DROP_NOT_PEER,
						 peer, 0);
			} else if (m.h.command == VSR_CMD_AUTH) {
				heard = vsr_keys_handshake(node, peer, &m,
							   authenticated);
				ret = 1;
			} else if (!vsr_rx_claim_ok(node, peer, m.h.command,
						    m.h.flags, m.h.epoch,
						    m.h.replica)) {
				/* The members changed since the check. */
				vsr_drop(node, VSR_CNT_DROP_NOT_PEER, peer, 0);
				heard = false;
				ret = 1;
			} else {
				ret = vsr_version_rx(node, peer, &m);
			}
			/* 1: a HELLO or AUTH, for the glue only. */
			if (!ret) {
				node->rx_peer = stranger ? VSR_RX_ADDR : peer;
				if (stranger)
					node->rx_addr = from;
				ret = vsr_replica_deliver(node->core, &m);
				trace_vsr_recv(node, stranger ? -1 : peer,
					       &m.h, ret);
				node->rx_peer = VSR_NO_PEER;
				vsr_observe_step(node);
				/*
				 * A view or epoch started: its first PREPARE
				 * (the waiting writers' requests) goes out
				 * now, before the rest of the batch.  The
				 * tasks it wakes (the admin's command among
				 * them) wake at the batch's end.
				 */
				if (node->kicked) {
					vsr_node_process(node, before);
					before = node->commit;
				}
			}
			vsr_rx_unlock(node);
			ret = min(ret, 0);
			if (!ret && heard) {
				vsr_count(node, VSR_CNT_MSGS_IN);
				WRITE_ONCE(node->last_heard[peer], jiffies);
			}
		}
		if (ret < 0 && ret != -ENODEV)
			vsr_count_drop(node, ret, peer);
	}
	vsr_rx_lock(node);
	if (node->dead) {
		vsr_rx_unlock_wake(node);
		vsr_socket_purge(node);
		goto out;
	}
	vsr_node_process(node, before);
	vsr_rx_unlock_wake(node);
	if (atomic_read(&node->rxq_len))
		queue_work(system_wq, &node->rx_work);
out:
	set_active_memcg(old_memcg);
}

/* Arm the clock for the next tick boundary (under the node lock). */
static void vsr_tick_arm(struct vsr_node *node)
{
	u64 next = node->clock_start + (node->ticks + 1) * VSR_TICK_NS;

	hrtimer_start_range_ns(&node->tick_timer, ns_to_ktime(next),
			       VSR_TICK_SLACK_NS, HRTIMER_MODE_ABS);
}

/*
 * An hrtimer, not a delayed work: jiffies (4 ms at HZ=250) would make
 * every timeout of the core up to that much late, and failover with it.
 */
static enum hrtimer_restart vsr_tick_timer(struct hrtimer *t)
{
	struct vsr_node *node = container_of(t, struct vsr_node, tick_timer);

	queue_work(system_wq, &node->tick_work);
	return HRTIMER_NORESTART;
}

static void vsr_tick_work(struct work_struct *work)
{
	struct vsr_node *node = container_of(work, struct vsr_node, tick_work);
	struct mem_cgroup *old_memcg;
	u64 before, due;

	mutex_lock(&node->lock);
	if (node->dead) {
		mutex_unlock(&node->lock);
		return;
	}
	old_memcg = set_active_memcg(node->inst->memcg);
	before = READ_ONCE(node->commit);
	/*
	 * The work may run late (a busy CPU): give the core every tick that
	 * is due by the clock, so that its timeouts are milliseconds and not
	 * "ticks as they came".  After a long stall (a suspended machine)
	 * the backlog is dropped, not replayed.
	 */
	due = div_u64(ktime_get_ns() - node->clock_start, VSR_TICK_NS);
	if (due - node->ticks > VSR_TICKS_CATCH_UP)
		WRITE_ONCE(node->ticks, due - VSR_TICKS_CATCH_UP);
	while (node->ticks < due) {
		vsr_replica_tick(node->core);
		/* Read locklessly too (keys.c's rate limits). */
		WRITE_ONCE(node->ticks, node->ticks + 1);
	}
	vsr_observe_peers(node);
	vsr_version_tick(node);
	vsr_keys_tick(node);
	vsr_node_process(node, before);
	/* A failed core ignores time: the clock stops with it. */
	if (!node->failed)
		vsr_tick_arm(node);
	set_active_memcg(old_memcg);
	mutex_unlock(&node->lock);
}

/*
 * Send what a request of the admin appended (vsr_node_reconfigure()):
 * from a work item of its own, not from the request's context, and not
 * after a batch of the receive work either.
 */
static void vsr_flush_work(struct work_struct *work)
{
	struct vsr_node *node = container_of(work, struct vsr_node, flush_work);
	struct mem_cgroup *old_memcg;

	mutex_lock(&node->lock);
	if (!node->dead) {
		old_memcg = set_active_memcg(node->inst->memcg);
		vsr_node_process(node, node->commit);
		set_active_memcg(old_memcg);
	}
	mutex_unlock(&node->lock);
}

/* The shortest recovery attempt, in ticks (the core's default). */
#define VSR_RECOVERY_TICKS_MIN	50

static u32 vsr_ms_to_ticks(u32 ms)
{
	return max_t(u32, 1, DIV_ROUND_UP(ms, VSR_TICK_MS));
}

/* Tunables in core terms; the core's other settings keep their defaults. */
static void vsr_node_apply_tunables(struct vsr_core_config *cfg,
				    const struct vsr_tunables *tun)
{
	cfg->heartbeat_ticks = vsr_ms_to_ticks(tun->heartbeat_ms);
	cfg->view_change_ticks = vsr_ms_to_ticks(tun->view_change_timeout_ms);
	/* A primary that heard no quorum for as long steps down. */
	cfg->abdicate_ticks = cfg->view_change_ticks;
	cfg->repair_ticks = max_t(u32, 2, cfg->heartbeat_ticks);
	/*
	 * A recovery (and a new cluster's bootstrap) needs two rounds of
	 * answers within one attempt.  A fixed 500 ms never let a slow or
	 * loaded network finish one: the attempt restarted for ever.  The
	 * timeouts say how slow the network may be; so does this.
	 */
	cfg->recovery_ticks = max_t(u32, VSR_RECOVERY_TICKS_MIN,
				    cfg->view_change_ticks);
}

/*
 * Hand the disk's log to a durable replica created to restart from it
 * (under the node lock).  A disk it cannot trust (a record whose log is
 * not there, damage below what it may have acked) makes it of no use: it
 * is created again without the disk, and recovers from the others as a
 * replica without a disk does, never bootstrapping if it was in service.
 */
static void vsr_node_restore(struct vsr_node *node,
			     struct vsr_core_config *cfg)
{
	struct vsr_journal *j = node->inst->cfg.journal;
	int ret;

	node->restoring = true;
	ret = vsr_replica_restore(node->core, &j->restore);
	node->restoring = false;
	if (!ret) {
		pr_info("%s: restarted from %s: view %u, log view %u, checkpoint %llu, %u ops above it\n",
			node->inst->name, j->path, j->d.p.view, j->d.p.log_view,
			j->restore.ckpt, j->restore.count);
		vsr_journal_restored(j, true);
		return;
	}
	pr_warn("%s: cannot restart from %s (error %d): recovering from the other replicas\n",
		node->inst->name, j->path, ret);
	vsr_journal_restored(j, false);
	vsr_replica_destroy(node->core);
	/* The journal must not see the old core from the new one's creation. */
	node->core = NULL;
	cfg->restore = false;
	node->core = vsr_replica_create(cfg, &vsr_node_ops, node);
}

/**
 * vsr_node_start() - bring up the engine of a new instance
 * @inst: the instance, configured but not yet published
 * @kc: its keys (only @kc->key or nothing), or NULL
 * @extack: for the reason of a refusal
 *
 * Creates the protocol core (which starts by recovering its state from the
 * peers), binds the UDP socket and starts the clock.
 *
 * Return: 0 or a negative errno that aborts the creation.
 */
int vsr_node_start(struct vsr_instance *inst, const struct vsr_key_change *kc,
		   struct netlink_ext_ack *extack)
{
	struct vsr_journal *j = inst->cfg.journal;
	struct vsr_member_id ids[VSR_REPLICAS_MAX];
	struct vsr_entry *start = NULL;
	struct vsr_core_config cfg;
	struct vsr_tunables tun;
	struct vsr_node *node;
	unsigned int i;
	int ret;

	node = kzalloc(sizeof(*node), GFP_KERNEL_ACCOUNT);
	if (!node)
		return -ENOMEM;
	/*
	 * A durable replica restarts in the epoch its disk holds, whose
	 * members the instance's peers are (vsr_journal_open()), with the
	 * RECONFIG that started it.
	 */
	if (j && j->d.p.epoch) {
		start = kmalloc(sizeof(*start) + j->d.start.len, GFP_KERNEL);
		if (!start) {
			kfree(node);
			return -ENOMEM;
		}
		memset(start, 0, sizeof(*start));
		start->h = j->d.start;
		memcpy(start->data, j->d.start_conf, j->d.start.len);
	}
	node->inst = inst;
	mutex_init(&node->lock);
	for (i = 0; i < ARRAY_SIZE(node->rxq); i++)
		skb_queue_head_init(&node->rxq[i]);
	node->rx_flood_share = VSR_RX_FLOOD_SHARE;
	node->rx_flood_target_us = VSR_RX_FLOOD_TARGET / NSEC_PER_USEC;
	INIT_WORK(&node->rx_work, vsr_rx_work);
	INIT_WORK(&node->tick_work, vsr_tick_work);
	INIT_WORK(&node->flush_work, vsr_flush_work);
	vsr_observe_init(node);
	hrtimer_init(&node->tick_timer, CLOCK_MONOTONIC, HRTIMER_MODE_ABS);
	node->tick_timer.function = vsr_tick_timer;
	init_waitqueue_head(&node->read_wq);
	spin_lock_init(&node->waiters_lock);
	INIT_LIST_HEAD(&node->calls);
	INIT_LIST_HEAD(&node->waiters);
	node->nonce = get_random_u64() | 1;

	node->rxbuf = kvmalloc(VSR_MSG_MAX + VSR_AUTH_TRAILER_SIZE,
			       GFP_KERNEL_ACCOUNT);
	node->tx_enc.out = kvmalloc(VSR_AUTH_ENC_OUT_MAX, GFP_KERNEL_ACCOUNT);
	if (!node->rxbuf || !node->tx_enc.out) {
		ret = -ENOMEM;
		goto err;
	}

	vsr_core_config_defaults(&cfg);
	vsr_instance_tunables(inst, &tun);
	node->wire_cap = tun.wire_version;
	node->encrypt = tun.encrypt;
	/* The keys before the socket: nothing goes unauthenticated. */
	ret = vsr_keys_init(node, kc, extack);
	if (ret)
		goto err;
	cfg.cluster = inst->cfg.cluster_id;
	cfg.replica_count = inst->cfg.n_peers;
	for (i = 0; i < inst->cfg.n_peers; i++)
		vsr_node_member_id(&inst->cfg.peers[i], &ids[i]);
	cfg.members = ids;
	cfg.epochs = true;
	cfg.replica = inst->cfg.replica;
	/* Its own address only, until an epoch names it. */
	cfg.joining = inst->cfg.joining;
	node->joining = cfg.joining;
	node->grown = cfg.joining;
	/* The epoch's members are the peers, in their order. */
	if (start) {
		cfg.epoch = j->d.p.epoch;
		cfg.start = start;
	}
	node->rx_peer = VSR_NO_PEER;
	node->primary_peer = VSR_NO_PEER;
	memset(node->learner_peer, VSR_NO_PEER, sizeof(node->learner_peer));
	vsr_cb_members(node, cfg.epoch, ids, cfg.replica_count, cfg.replica);
	/*
	 * And the members of the epoch before, as peers that are no members:
	 * one that the change removed, restarted, hears of it from us.
	 */
	for (i = 0; j && i < j->d.prev_members; i++)
		vsr_node_peer_by_id(node, &j->d.prev_ids[i]);
	cfg.seed = get_random_u64();
	/*
	 * The core's log, entries and client tables are charged: to the
	 * caller where a writer's write() or an administrator's request
	 * allocates, to the instance's creator where the engine's work items
	 * do (vsr_rx_work(), vsr_tick_work()).
	 */
	cfg.gfp = GFP_KERNEL_ACCOUNT;
	if (tun.log_retention)
		cfg.retain = tun.log_retention;
	cfg.log_max = vsr_core_log_max(&cfg);
	vsr_node_apply_tunables(&cfg, &tun);
	/*
	 * A durable replica: its ring is the disk's, and it restarts from the
	 * disk unless the disk was never in service (then it starts as a new
	 * replica does, and may bootstrap a new cluster).
	 */
	if (j) {
		cfg.durable = true;
		cfg.persisted = j->d.p;
		cfg.log_max = j->d.slots;
		cfg.restore = !j->fresh;
	}
	/*
	 * The core starts recovering at once and may send from inside
	 * vsr_replica_create(): like every call into it, under the lock.
	 * (Those first datagrams go nowhere, the socket is not open yet;
	 * the core repeats them on its next ticks.)
	 */
	mutex_lock(&node->lock);
	if (j)
		vsr_journal_start(j, node);
	node->core = vsr_replica_create(&cfg, &vsr_node_ops, node);
	if (node->core && cfg.restore)
		vsr_node_restore(node, &cfg);
	if (node->core) {
		vsr_replica_get_status(node->core, &node->notified);
		node->commit = node->notified.commit;
		node->trim = node->notified.trim;
		vsr_observe_start(node);
		/* A record the core asked for while it was being created. */
		vsr_journal_kick(j);
	}
	mutex_unlock(&node->lock);
	/* The core took its copy (and a refused restore's re-creation too). */
	kfree(start);
	start = NULL;
	if (!node->core) {
		ret = -ENOMEM;
		goto err;
	}

	ret = vsr_socket_open(node);
	if (ret)
		goto err;
	inst->node = node;
	mutex_lock(&node->lock);
	node->clock_start = ktime_get_ns();
	vsr_tick_arm(node);
	mutex_unlock(&node->lock);
	vsr_debugfs_add(node);
	return 0;
err:
	/* The journal's work item may have been queued by the start. */
	if (j) {
		mutex_lock(&node->lock);
		node->dead = true;
		mutex_unlock(&node->lock);
		vsr_journal_stop(j);
	}
	/* The core's creation may have written a status line. */
	vsr_observe_stop(node);
	vsr_replica_destroy(node->core);
	kfree(start);
	/* The last datagram received, decrypted; the last one sent. */
	kvfree_sensitive(node->rxbuf, VSR_MSG_MAX + VSR_AUTH_TRAILER_SIZE);
	kvfree_sensitive(node->tx_enc.out, VSR_AUTH_ENC_OUT_MAX);
	vsr_keys_exit(node);
	kfree(node);
	return ret;
}

/**
 * vsr_node_stop() - shut down the engine of an unpublished instance
 * @inst: the instance, inst->dead set
 *
 * Closes the socket, stops the clock and wakes every blocked reader and
 * writer, which then fail with -ENODEV.
 */
void vsr_node_stop(struct vsr_instance *inst)
{
	struct vsr_node *node = inst->node;

	if (!node)
		return;
	vsr_debugfs_remove(node);
	/* Nothing calls into the core, or sends, once it is dead. */
	mutex_lock(&node->lock);
	node->dead = true;
	mutex_unlock(&node->lock);
	vsr_socket_close(node);
	/* Only the tick work re-arms the timer, and not once dead. */
	hrtimer_cancel(&node->tick_timer);
	cancel_work_sync(&node->tick_work);
	cancel_work_sync(&node->rx_work);
	cancel_work_sync(&node->flush_work);
	vsr_journal_stop(inst->cfg.journal);
	/* After the journal: its failure is a status change too. */
	vsr_observe_stop(node);
	vsr_socket_purge(node);
	vsr_node_wake_all(node);
}

/**
 * vsr_node_free() - release the engine state after the last reference
 * @inst: the instance about to be freed
 */
void vsr_node_free(struct vsr_instance *inst)
{
	struct vsr_node *node = inst->node;

	if (!node)
		return;
	WARN_ON_ONCE(!list_empty(&node->waiters));
	vsr_replica_destroy(node->core);
	/* The last datagram received, decrypted; the last one sent. */
	kvfree_sensitive(node->rxbuf, VSR_MSG_MAX + VSR_AUTH_TRAILER_SIZE);
	kvfree_sensitive(node->tx_enc.out, VSR_AUTH_ENC_OUT_MAX);
	vsr_keys_exit(node);
	kfree(node);
	inst->node = NULL;
}

/**
 * vsr_node_get_status() - report the replica's state
 * @inst: the instance
 * @st: filled completely; @st->hdr is zero (the ioctl sets it)
 *
 * Every field of the core (status, view, primary, op, commit, trim point,
 * lags, its counters) comes from one snapshot taken under the node lock,
 * so they belong to one moment of the replica; the glue's own counters and
 * last-heard times are read in the same critical section.
 */
void vsr_node_get_status(struct vsr_instance *inst, struct vsr_status *st)
{
	struct vsr_node *node = inst->node;
	struct vsr_core_status cs;
	unsigned long now = jiffies;
	u32 i;

	memset(st, 0, sizeof(*st));
	st->cluster_id = inst->cfg.cluster_id;
	st->replica = inst->cfg.replica;
	st->n_peers = vsr_n_peers(&inst->cfg);
	st->wire_version_max = VSR_WIRE_MAX;
	st->wire_version = inst->cfg.tun.wire_version ?: VSR_WIRE_MAX;
	if (!node)
		return;

	mutex_lock(&node->lock);
	vsr_replica_get_status(node->core, &cs);
	st->epoch = cs.epoch;
	st->view = cs.view;
	st->op = cs.op;
	st->commit = cs.commit;
	st->trim_point = cs.trim;
	st->log_bytes = cs.log_bytes;
	/*
	 * Members are reported as peers (uapi): a member always is one.  A
	 * removed replica has none (it keeps its old members to talk to).
	 */
	st->primary = node->removed || node->joining ? VSR_PRIMARY_NONE :
		      vsr_node_peer_of(node, cs.primary);
	switch (cs.status) {
	case VSR_STATUS_NORMAL:
		st->status = VSR_STATE_NORMAL;
		break;
	case VSR_STATUS_VIEW_CHANGE:
		st->status = VSR_STATE_VIEW_CHANGE;
		break;
	case VSR_STATUS_RECOVERING:
		st->status = VSR_STATE_RECOVERING;
		break;
	case VSR_STATUS_REMOVED:
		st->status = VSR_STATE_REMOVED;
		break;
	case VSR_STATUS_JOINING:
		st->status = VSR_STATE_JOINING;
		break;
	case VSR_STATUS_FAILED:
	default:	/* unknown to this glue: not to be trusted either */
		st->status = VSR_STATE_FAILED;
		break;
	}
	/* Peers the members callback added since (under this lock). */
	st->n_peers = inst->cfg.n_peers;
	for (i = 0; i < st->n_peers; i++) {
		unsigned long heard = READ_ONCE(node->last_heard[i]);

		if (i == inst->cfg.replica)
			st->peers[i].last_heard_ms = 0;
		else if (!heard)
			st->peers[i].last_heard_ms = VSR_LAST_HEARD_NEVER;
		else
			st->peers[i].last_heard_ms = vsr_heard_ms(now, heard);
		/* The primary knows how far each backup has acknowledged. */
		if (node->peer_member[i] != VSR_NO_PEER)
			st->peers[i].lag = vsr_replica_peer_lag(node->core,
							node->peer_member[i]);
		/* Reported once something was learned (else: 1, by default). */
		if (i != inst->cfg.replica && node->links[i].ver)
			st->peer_wire_version[i] = vsr_version_to(node, i);
	}
	st->wire_version = vsr_version_cap(node);
	st->n_members = node->removed || node->joining ? 0 : node->n_members;
	for (i = 0; i < st->n_members; i++)
		st->members[i] = node->member_peer[i];
	st->stats.view_changes = cs.view_changes;
	st->stats.recoveries = cs.recoveries;
	st->stats.prepares = cs.prepares;
	st->stats.msgs_in = atomic64_read(&node->cnt[VSR_CNT_MSGS_IN]);
	st->stats.msgs_out = atomic64_read(&node->cnt[VSR_CNT_MSGS_OUT]);
	st->stats.drop_not_peer = atomic64_read(&node->cnt[VSR_CNT_DROP_NOT_PEER]);
	st->stats.drop_cluster = atomic64_read(&node->cnt[VSR_CNT_DROP_CLUSTER]);
	st->stats.drop_checksum = atomic64_read(&node->cnt[VSR_CNT_DROP_CHECKSUM]);
	st->stats.drop_malformed = atomic64_read(&node->cnt[VSR_CNT_DROP_MALFORMED]);
	st->stats.drop_stale = atomic64_read(&node->cnt[VSR_CNT_DROP_STALE]);
	st->stats.drop_nomem = atomic64_read(&node->cnt[VSR_CNT_DROP_NOMEM]);
	st->stats.send_errors = atomic64_read(&node->cnt[VSR_CNT_SEND_ERRORS]);
	st->drop_version = atomic64_read(&node->cnt[VSR_CNT_DROP_VERSION]);
	vsr_keys_status(node, st);
	mutex_unlock(&node->lock);
}

/**
 * vsr_node_wait_add() - register a client operation's waiter
 * @node: the node
 * @w: the waiter (type, session and request set)
 */
void vsr_node_wait_add(struct vsr_node *node, struct vsr_waiter *w)
{
	w->done = false;
	/* Not submitted again by a kick yet: the next one wakes it. */
	w->resubmitted = READ_ONCE(node->resubmit);
	init_waitqueue_head(&w->wq);
	spin_lock(&node->waiters_lock);
	list_add_tail(&w->node, &node->waiters);
	spin_unlock(&node->waiters_lock);
}

/**
 * vsr_node_wait_del() - unregister a waiter
 * @node: the node
 * @w: the waiter
 */
void vsr_node_wait_del(struct vsr_node *node, struct vsr_waiter *w)
{
	spin_lock(&node->waiters_lock);
	list_del(&w->node);
	spin_unlock(&node->waiters_lock);
}

static unsigned long vsr_node_retry_jiffies(struct vsr_node *node,
					    unsigned long *timeout)
{
	struct vsr_tunables tun;

	vsr_instance_tunables(node->inst, &tun);
	*timeout = msecs_to_jiffies(tun.client_timeout_ms);
	return msecs_to_jiffies(max_t(u32, 2 * tun.heartbeat_ms, 50));
}

/* A TRIM is done once the trim point reached its target, whoever moved it. */
static bool vsr_waiter_done(struct vsr_node *node, const struct vsr_waiter *w)
{
	/* Paired with vsr_cb_reply()'s release: @rep is set. */
	return smp_load_acquire(&w->done) ||
	       (w->type == VSR_OP_TRIM && READ_ONCE(node->trim) >= w->request);
}

/**
 * vsr_node_call() - submit a client operation and wait for its outcome
 * @node: the node
 * @w: the waiter, with type, session and request set
 * @data: the record (VSR_OP_DATA), else NULL
 * @len: its length
 *
 * Resubmits the same request (which the cluster deduplicates) at every
 * retry interval and at once when a new view starts normal operation,
 * until the reply arrives, the client timeout passes, the node dies or
 * fails, or the task is killed.  A VSR_OP_TRIM is also done once the trim
 * point reached its target (a trim further on may have overtaken it).
 *
 * Return: 0 (the reply is in @w->rep if @w->done), the reply's error,
 * -EINVAL or -EALREADY for a request the core refused, -EROFS once the
 * replica was removed from the cluster, -ENOTCONN while it is joining,
 * -ETIMEDOUT, -ENODEV, -EIO or
 * -EINTR.
 */
int vsr_node_call(struct vsr_node *node, struct vsr_waiter *w,
		  const void *data, u32 len)
{
	unsigned long timeout, retry, deadline;
	unsigned int gen;
	u64 before;
	long t;
	int ret;

	retry = vsr_node_retry_jiffies(node, &timeout);
	deadline = jiffies + timeout;
	w->data = data;
	w->len = len;
	vsr_node_wait_add(node, w);
	mutex_lock(&node->lock);
	list_add_tail(&w->call, &node->calls);
	mutex_unlock(&node->lock);
	for (;;) {
		mutex_lock(&node->lock);
		ret = vsr_node_error(node);
		if (ret) {
			mutex_unlock(&node->lock);
			break;
		}
		if (vsr_waiter_done(node, w)) {
			mutex_unlock(&node->lock);
			ret = w->done ? w->rep.err : 0;
			break;
		}
		before = node->commit;
		ret = vsr_replica_submit(node->core, w->type, w->session,
					 w->request, data, len);
		vsr_node_process(node, before);
		gen = node->resubmit;
		mutex_unlock(&node->lock);
		if (vsr_call_ends(ret))
			break;

		t = wait_event_killable_timeout(w->wq, vsr_waiter_done(node, w) ||
						vsr_node_error(node) ||
						READ_ONCE(node->resubmit) != gen,
						retry);
		if (t < 0) {
			ret = -EINTR;
			break;
		}
		/* As in vsr_waiter_done(): @rep is set. */
		if (smp_load_acquire(&w->done)) {
			ret = w->rep.err;
			break;
		}
		ret = vsr_node_error(node);
		if (ret)
			break;
		/* The trim point reached a TRIM's target: checked above. */
		if (vsr_waiter_done(node, w))
			continue;
		if (time_after(jiffies, deadline)) {
			ret = -ETIMEDOUT;
			break;
		}
	}
	mutex_lock(&node->lock);
	list_del_init(&w->call);
	mutex_unlock(&node->lock);
	vsr_node_wait_del(node, w);
	return ret;
}

/**
 * vsr_node_new_nonce() - a fresh session-registration nonce
 * @node: the node, its lock held
 *
 * Return: a nonce never returned before by this node.
 */
u64 vsr_node_new_nonce(struct vsr_node *node)
{
	lockdep_assert_held(&node->lock);
	return node->nonce += 2;
}

/**
 * vsr_node_trim() - discard the records below @op, on every replica
 * @inst: the instance
 * @op: the new trim point (first op kept), at most one past the commit point
 * @trim: set to this replica's trim point once the trim took effect here
 * @extack: for the reason of a refusal
 *
 * Proposes a replicated TRIM op and waits until it committed and was
 * applied on this replica, like a write(): the request is resubmitted
 * across view changes until the client timeout.  A trim point already at
 * or beyond @op is success at once.  Sleeps: the caller holds no lock.
 *
 * Return: 0 or a negative errno: -ERANGE (@op is beyond this replica's
 * commit point plus one), -ETIMEDOUT, -ENODEV (the instance was deleted),
 * -EIO (it failed), -EINTR (killed).
 */
int vsr_node_trim(struct vsr_instance *inst, u64 op, u64 *trim,
		  struct netlink_ext_ack *extack)
{
	struct vsr_node *node = inst->node;
	struct vsr_waiter w = { .type = VSR_OP_TRIM, .request = op };
	int ret;

	if (!node)
		return -ENODEV;
	mutex_lock(&node->lock);
	ret = vsr_node_error(node);
	if (!ret && op > node->commit + 1)
		ret = -ERANGE;
	*trim = node->trim;
	mutex_unlock(&node->lock);
	if (ret == -ERANGE) {
		NL_SET_ERR_MSG(extack, "trim point is beyond the commit point");
		return ret;
	}
	if (!ret)
		ret = vsr_node_call(node, &w, NULL, 0);

	mutex_lock(&node->lock);
	*trim = node->trim;
	mutex_unlock(&node->lock);
	switch (ret) {
	case 0:
		break;
	case -ETIMEDOUT:
		NL_SET_ERR_MSG(extack, "the trim did not commit within the client timeout (no quorum reachable?)");
		break;
	case -ENODEV:
		NL_SET_ERR_MSG(extack, "the instance was deleted");
		break;
	case -EIO:
		NL_SET_ERR_MSG(extack, "the instance has failed");
		break;
	case -EINTR:
		break;
	default:
		NL_SET_ERR_MSG(extack, "the trim request was refused");
		break;
	}
	return ret;
}

/* Whether vsr_replica_reconfigure() said to ask again later. */
static bool vsr_reconfig_retry(int ret)
{
	return !ret || ret == -EAGAIN || ret == -EINPROGRESS || ret == -EBUSY;
}

/*
 * Is the change with @nonce done here?  Applied (its reply came), or our
 * epoch is the one it started (entered without applying it: a notice).
 */
static bool vsr_reconfig_done(struct vsr_node *node, const struct vsr_waiter *w,
			      struct vsr_core_status *cs)
{
	vsr_replica_get_status(node->core, cs);
	return w->done || cs->epoch_nonce == w->request;
}

/*
 * A new member that a change waits for, by address where extack can hold
 * a formatted message (6.2 and later).
 */
static void vsr_reconfig_member_why(struct netlink_ext_ack *extack,
				    bool silent,
				    const union vsr_sockaddr *addr)
{
#ifdef NL_SET_ERR_MSG_FMT
	if (silent)
		NL_SET_ERR_MSG_FMT(extack, "new member %pISpc does not answer",
				   &addr->sa);
	else
		NL_SET_ERR_MSG_FMT(extack, "new member %pISpc still catching up",
				   &addr->sa);
#else
	if (silent)
		NL_SET_ERR_MSG(extack, "a new member does not answer");
	else
		NL_SET_ERR_MSG(extack, "a new member is still catching up");
#endif
}

/*
 * The one-line reason for a change that failed with @ret; after a
 * timeout, @why is what it waited for (vsr_replica_reconfigure_waits()),
 * naming @addr.
 */
static void vsr_reconfig_why(struct netlink_ext_ack *extack, int ret, int why,
			     const union vsr_sockaddr *addr)
{
	switch (ret) {
	case -EHOSTUNREACH:
		vsr_reconfig_member_why(extack, true, addr);
		return;
	case -ETIMEDOUT:
		if (why == VSR_ANSWER_BEHIND) {
			vsr_reconfig_member_why(extack, false, addr);
			return;
		}
		if (why == VSR_ANSWER_QUORUM) {
			NL_SET_ERR_MSG(extack, "no quorum: too few members of this epoch or the next are ready");
			return;
		}
		NL_SET_ERR_MSG(extack, "the change did not commit in time (no quorum, or no answer from the primary)");
		return;
	}
	switch (ret) {
	case -EROFS:
		NL_SET_ERR_MSG(extack, "this instance was removed from the cluster");
		break;
	case -ENOTCONN:
		NL_SET_ERR_MSG(extack, "this instance is joining: run reconfigure on a member");
		break;
	case -EDOM:
		NL_SET_ERR_MSG(extack, "too few current members stay: keep f + 1 of a new list of 2f + 1 or 2f + 2");
		break;
	case -EALREADY:
		NL_SET_ERR_MSG(extack, "another reconfiguration is in progress or came first");
		break;
	case -EOVERFLOW:
		NL_SET_ERR_MSG(extack, "the cluster is in its last epoch");
		break;
	case -EPROTONOSUPPORT:
		NL_SET_ERR_MSG(extack, "a member runs a module without reconfiguration: upgrade every member first");
		break;
	case -ENODEV:
		NL_SET_ERR_MSG(extack, "the instance was deleted");
		break;
	case -EIO:
		NL_SET_ERR_MSG(extack, "the instance has failed");
		break;
	case -EINTR:
		break;
	default:
		NL_SET_ERR_MSG(extack, "the change was refused");
		break;
	}
}

/**
 * vsr_node_reconfigure() - change the members of the cluster
 * @inst: the instance
 * @addrs: the next epoch's members in their order, distinct; an address
 *	that is none of the instance's peers is a new member (a joining
 *	instance there), added to the peers once the change is taken
 * @n: how many (1..VSR_MAX_PEERS)
 * @epoch: set to the epoch this replica is in once the change is done
 * @extack: for the reason of a failure
 *
 * Proposes the change (here if this replica is the primary, else through
 * its primary) and waits until it committed and this replica took it:
 * the proposal is repeated at every retry interval and when a view starts
 * normal operation, for the client timeout or four view-change timeouts
 * (the primary may wait two for the members to be ready), whichever is
 * longer.  Sleeps: the caller holds no lock.
 *
 * Return: 0; -EROFS (this replica was removed), -ENOTCONN (it is
 * joining), -EDOM (fewer than f + 1 of a list of 2f + 1 or 2f + 2 are
 * members now),
 * -EALREADY (another change is in flight, or
 * came first), -EPROTONOSUPPORT (a member's module knows no epochs),
 * -EHOSTUNREACH (in time, a new member never asked to learn), -EOVERFLOW,
 * -ETIMEDOUT, -ENODEV, -EIO, -EINTR or -ENOMEM.  A backup's refusals
 * and reasons are its primary's (VSR_CMD_ANSWER).
 */
int vsr_node_reconfigure(struct vsr_instance *inst,
			 const union vsr_sockaddr *addrs, u32 n, u32 *epoch,
			 struct netlink_ext_ack *extack)
{
	struct vsr_waiter w = { .type = VSR_OP_RECONFIG };
	struct vsr_node *node = inst->node;
	unsigned long timeout, deadline, retry;
	struct vsr_member_id *ids;
	struct vsr_core_status cs;
	struct vsr_tunables tun;
	u32 i, start, member = 0;
	unsigned int gen;
	int why = 0;
	u64 before;
	long t;
	int ret;

	if (!node)
		return -ENODEV;
	if (WARN_ON_ONCE(!n || n > VSR_MAX_PEERS))
		return -EINVAL;
	/* Off the stack: a waiter is large with lockdep. */
	ids = kmalloc_array(n, sizeof(*ids), GFP_KERNEL);
	if (!ids)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		vsr_node_member_id(&addrs[i], &ids[i]);
	vsr_instance_tunables(inst, &tun);
	retry = vsr_node_retry_jiffies(node, &timeout);
	timeout = max(timeout,
		      msecs_to_jiffies(4 * tun.view_change_timeout_ms));
	deadline = jiffies + timeout;
	w.request = get_random_u64() | 1;
	mutex_lock(&node->lock);
	vsr_replica_get_status(node->core, &cs);
	start = cs.epoch;
	mutex_unlock(&node->lock);
	vsr_node_wait_add(node, &w);
	for (;;) {
		mutex_lock(&node->lock);
		ret = vsr_node_error(node);
		if (!ret && vsr_reconfig_done(node, &w, &cs)) {
			*epoch = cs.epoch;
			mutex_unlock(&node->lock);
			break;
		}
		if (!ret && cs.epoch != start)
			ret = -EALREADY;
		if (!ret) {
			before = node->commit;
			ret = vsr_replica_reconfigure(node->core, w.request,
						      ids, n);
			/*
			 * The primary's RECONFIG goes out from a work item,
			 * not from here: the caller may run at any priority
			 * (the admin's command at nice 19), and preempted
			 * while it sent under the node lock it held up this
			 * replica's receive work.  In one machine the sends'
			 * own softirqs woke the peers' work on this CPU,
			 * which did just that (traced: 0.5 ms).  (A backup
			 * forwards the request at once, from here.)  Queued
			 * under the lock, seen alive: vsr_node_stop()
			 * cancels it.
			 */
			vsr_node_settle(node, before, false);
			queue_work(system_wq, &node->flush_work);
		}
		gen = node->resubmit;
		mutex_unlock(&node->lock);
		if (!vsr_reconfig_retry(ret))
			break;
		/* Acquire: as in vsr_waiter_done(). */
		t = wait_event_killable_timeout(w.wq, smp_load_acquire(&w.done) ||
						vsr_node_error(node) ||
						READ_ONCE(node->resubmit) != gen,
						retry);
		if (t < 0) {
			ret = -EINTR;
			break;
		}
		/* Done meanwhile (the loop's first check), or too late. */
		if (time_after(jiffies, deadline)) {
			mutex_lock(&node->lock);
			ret = vsr_node_error(node);
			if (!ret && vsr_reconfig_done(node, &w, &cs)) {
				*epoch = cs.epoch;
			} else if (!ret) {
				why = vsr_replica_reconfigure_waits(node->core,
								    w.request,
								    ids, n,
								    &member);
				if (why < 0)
					ret = why;
				else
					ret = why == VSR_ANSWER_SILENT ?
					      -EHOSTUNREACH : -ETIMEDOUT;
			}
			mutex_unlock(&node->lock);
			break;
		}
	}
	vsr_node_wait_del(node, &w);
	kfree(ids);
	if (ret)
		vsr_reconfig_why(extack, ret, why, &addrs[member]);
	return ret;
}

/**
 * vsr_node_set_tunables() - apply new tunables to the engine of @inst
 * @inst: the instance
 * @tun: the new tunables (validated)
 *
 * The new timeouts apply from the next tick, a new log retention from the
 * next commit (the log's ring is resized to suit it).
 *
 * Return: 0, -ENOMEM if the log could not be resized, or -EINVAL if the
 * engine refused the settings (nothing is changed then).
 */
int vsr_node_set_tunables(struct vsr_instance *inst, const struct vsr_tunables *tun)
{
	struct vsr_node *node = inst->node;
	struct vsr_core_config cfg;
	int ret;

	if (!node)
		return 0;
	mutex_lock(&node->lock);
	vsr_replica_get_config(node->core, &cfg);
	cfg.retain = tun->log_retention ?: VSR_CORE_RETAIN_DEFAULT;
	vsr_node_apply_tunables(&cfg, tun);
	ret = vsr_replica_set_tunables(node->core, &cfg);
	if (!ret) {
		vsr_version_set_cap(node, tun->wire_version);
		WRITE_ONCE(node->encrypt, tun->encrypt);
	}
	mutex_unlock(&node->lock);
	return ret;
}
