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
 */

#include <linux/err.h>
#include <linux/rcupdate.h>

#include "auth.h"
#include "node.h"
#include "node_priv.h"

/* A peer is shown with the key its failed datagrams name after this. */
#define VSR_KEYS_QUIET_MS	2000

static struct vsr_auth *vsr_keys_make(struct vsr_node *node,
				      const struct vsr_auth *old,
				      const struct vsr_key_change *kc,
				      struct netlink_ext_ack *extack)
{
	const struct vsr_config *cfg = &node->inst->cfg;
	const char *why = NULL;
	struct vsr_auth *a;

	a = vsr_auth_change(old, kc, cfg->cluster_id, 0, cfg->replica,
			    cfg->n_peers, GFP_KERNEL_ACCOUNT, &why);
	/* @why is a string literal, as NL_SET_ERR_MSG() wants. */
	if (IS_ERR(a) && why && extack)
		extack->_msg = why;
	return a;
}

/**
 * vsr_keys_init() - the keys a new node starts with
 * @node: the node, not running yet
 * @kc: the keys of the add request, or NULL for none
 * @extack: for the reason of a refusal
 *
 * Return: 0 or a negative errno.
 */
int vsr_keys_init(struct vsr_node *node, const struct vsr_key_change *kc,
		  struct netlink_ext_ack *extack)
{
	struct vsr_auth *a;

	if (!kc)
		return 0;
	a = vsr_keys_make(node, NULL, kc, extack);
	if (IS_ERR(a))
		return PTR_ERR(a);
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
}

/**
 * vsr_node_set_keys() - change the keys of a live instance
 * @inst: the instance
 * @kc: the change
 * @extack: for the reason of a refusal
 *
 * Datagrams sent from now on carry the new key; a datagram being received
 * meanwhile is checked against the old keys or the new ones.
 *
 * Return: 0, -EINVAL (the change makes no sense) or -ENOMEM; nothing
 * changed then.
 */
int vsr_node_set_keys(struct vsr_instance *inst, const struct vsr_key_change *kc,
		      struct netlink_ext_ack *extack)
{
	struct vsr_node *node = inst->node;
	struct vsr_auth *a, *old;

	if (!node)
		return -ENODEV;
	mutex_lock(&node->lock);
	old = rcu_dereference_protected(node->auth, lockdep_is_held(&node->lock));
	a = vsr_keys_make(node, old, kc, extack);
	if (IS_ERR(a)) {
		mutex_unlock(&node->lock);
		return PTR_ERR(a);
	}
	rcu_assign_pointer(node->auth, a);
	mutex_unlock(&node->lock);
	vsr_auth_free_rcu(old);
	return 0;
}

/**
 * vsr_keys_seal() - the trailer for a datagram to a peer
 * @node: the node, its lock held
 * @to: the peer
 * @iov: the datagram
 * @nr: its number of pieces
 * @trailer: where the trailer goes
 *
 * Return: the length of the trailer, 0 if unauthenticated.
 */
size_t vsr_keys_seal(struct vsr_node *node, unsigned int to,
		     const struct kvec *iov, size_t nr, u8 *trailer)
{
	const struct vsr_auth *a;

	a = rcu_dereference_protected(node->auth, lockdep_is_held(&node->lock));
	return vsr_auth_seal(a, to, iov, nr, trailer);
}

/* Nothing from @peer was accepted for VSR_KEYS_QUIET_MS. */
static bool vsr_keys_peer_quiet(struct vsr_node *node, unsigned int peer)
{
	unsigned long heard = READ_ONCE(node->last_heard[peer]);

	return !heard || vsr_heard_ms(jiffies, heard) > VSR_KEYS_QUIET_MS;
}

/**
 * vsr_keys_rx() - authenticate a received datagram
 * @node: the node (no lock needed: the receive work item)
 * @peer: the sender, as its address says
 * @buf: the datagram, at least VSR_HDR_SIZE bytes
 * @len: its length; on success, without the trailer
 *
 * Notes how the peer authenticated, for vsr_node_peer_auth().
 *
 * Return: 0, or -ENOKEY or -EKEYREJECTED (see vsr_auth_open()).
 */
int vsr_keys_rx(struct vsr_node *node, unsigned int peer, const u8 *buf,
		size_t *len)
{
	struct vsr_auth_seen seen;
	int ret;

	rcu_read_lock();
	ret = vsr_auth_open(rcu_dereference(node->auth), peer, buf, len, &seen);
	rcu_read_unlock();
	/*
	 * What a datagram that failed claims is shown only if nothing from
	 * that peer verified lately: anyone can send those from its address,
	 * and must not be able to hide a healthy peer behind them.
	 */
	if (seen.auth && (!ret || (ret == -ENOKEY &&
				   vsr_keys_peer_quiet(node, peer)))) {
		WRITE_ONCE(node->peer_auth[peer], seen.auth);
		WRITE_ONCE(node->peer_key_id[peer], seen.id);
	}
	if (ret)
		atomic64_inc(&node->peer_drop_auth[peer]);
	return ret;
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
	pa->key_id = READ_ONCE(node->peer_key_id[peer]);
	pa->drop_auth = atomic64_read(&node->peer_drop_auth[peer]);
}
