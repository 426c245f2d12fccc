/* SPDX-License-Identifier: GPL-2.0 */
/*
 * auth.h - authentication of an instance's datagrams: keyed BLAKE2s MACs
 * in a trailer after each datagram, with a key for each direction of each
 * link derived from the cluster key.
 *
 * Pure (no sockets, no locks): node.c and socket.c apply it to what they
 * receive and send, under RCU; the unit tests call it directly.
 *
 * An authenticated datagram is the message (hdr.size bytes) followed by
 *
 *   off  size
 *     0     4  key id of the key it was sealed with (little-endian)
 *     4    16  tag: BLAKE2s-128, keyed with the link key, over the
 *              message and the key id
 *
 * The link key of the direction from replica a to replica b is
 * BLAKE2s-256 keyed with the cluster key over "vsr link key 1", the
 * cluster id (le64), the epoch (le32), a and b (one byte each): a tag is
 * good for one direction of one link of one cluster in one epoch.  See
 * Documentation/protocol.rst, "Authentication".
 */
#ifndef _VSR_AUTH_H
#define _VSR_AUTH_H

#include <linux/rcupdate.h>
#include <linux/types.h>
#include <linux/uio.h>
#include <crypto/blake2s.h>
#include <uapi/linux/vsr.h>

#include "wire.h"

#define VSR_AUTH_TAG_SIZE	16
#define VSR_AUTH_TRAILER_SIZE	(4 + VSR_AUTH_TAG_SIZE)
static_assert(VSR_AUTH_TRAILER_SIZE <= VSR_TRAILER_ROOM);

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
 * @tx: link keys of the directions from this replica to each peer
 * @rx: link keys of the directions from each peer to this replica
 */
struct vsr_auth_slot {
	bool set;
	u32 id;
	u8 key[VSR_KEY_LEN];
	u8 tx[VSR_MAX_PEERS][BLAKE2S_KEY_SIZE];
	u8 rx[VSR_MAX_PEERS][BLAKE2S_KEY_SIZE];
};

/**
 * struct vsr_auth - the keys of an instance; replaced whole, never changed
 * @rcu: freed (and wiped) after a grace period
 * @slot: [0] is sent with and accepted; [1] is accepted too if @second
 * @second: @slot[1] is in use
 */
struct vsr_auth {
	struct rcu_head rcu;
	struct vsr_auth_slot slot[2];
	bool second;
};

/**
 * struct vsr_auth_seen - how a received datagram was authenticated
 * @auth: 0 nothing learned (it was malformed), 1 unauthenticated,
 *	2 with key @id (verified or not: see the return value)
 * @id: its key id if @auth is 2
 */
struct vsr_auth_seen {
	u8 auth;
	u32 id;
};

u32 vsr_auth_key_id(const u8 *key);
struct vsr_auth *vsr_auth_change(const struct vsr_auth *old,
				 const struct vsr_key_change *kc, u64 cluster,
				 u32 epoch, u32 replica, u32 n_peers, gfp_t gfp,
				 const char **why);
void vsr_auth_free(struct vsr_auth *a);
void vsr_auth_free_rcu(struct vsr_auth *a);
bool vsr_auth_accepts_none(const struct vsr_auth *a);
size_t vsr_auth_seal(const struct vsr_auth *a, unsigned int to,
		     const struct kvec *iov, size_t nr,
		     u8 trailer[VSR_AUTH_TRAILER_SIZE]);
int vsr_auth_open(const struct vsr_auth *a, unsigned int from,
		  const u8 *buf, size_t *len, struct vsr_auth_seen *seen);

#endif /* _VSR_AUTH_H */
