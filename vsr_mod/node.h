/* SPDX-License-Identifier: GPL-2.0 */
/*
 * node.h - where the replication engine (UDP transport, /dev/vsrlogN I/O,
 * the protocol core) attaches to an instance of the control plane.
 *
 * The control plane (instance.c, netlink.c) calls these; the engine
 * implements them.  All are called in process context.
 *
 * Lifecycle of one instance, as seen by the engine:
 *
 *   vsr_node_start()      under vsr_instances_lock, with the keys of the
 *                         add request (keys.c), before the instance is
 *                         published (no open() can find it yet); sets
 *                         inst->node.  Failure aborts the creation: undo
 *                         what was done (vsr_node_stop() is not called,
 *                         vsr_node_free() is, with whatever inst->node is).
 *   ... vsr_node_get_status(), vsr_node_trim() (holding a reference, no
 *       lock: it sleeps until the trim committed), vsr_node_set_tunables()
 *       and vsr_node_keys_prepare()/_commit() (under vsr_instances_lock) ...
 *   vsr_node_stop()       under vsr_instances_lock, after the instance is
 *                         unpublished and inst->dead is set: close the
 *                         socket, stop the timers, wake every blocked reader
 *                         and writer with an error.  Open files may still
 *                         hold references afterwards.
 *   vsr_node_free()       when the last reference is dropped: free
 *                         inst->node.  vsr_node_get_status() may still be
 *                         called between stop and free.
 *
 * The engine reports view, status and primary changes with
 * vsr_instance_event() (instance.h), from any context.
 */
#ifndef _VSR_NODE_H
#define _VSR_NODE_H

#include <linux/types.h>
#include <net/netlink.h>
#include <uapi/linux/vsr.h>

struct vsr_auth;
struct vsr_instance;
union vsr_sockaddr;
struct vsr_key_change;
struct vsr_tunables;

/**
 * struct vsr_peer_auth - how a peer's datagrams are authenticated
 * @auth: its last datagram: 0 none yet, 1 unauthenticated, 2 with a key
 * @key_id: that key's id, if @auth is 2
 * @drop_auth: its datagrams that failed authentication
 * @encrypted: its last datagram was encrypted too (@auth is 2)
 * @no_decrypt: this replica encrypts, and the peer's module cannot
 *	decrypt: only AUTH goes to it
 * @durability_differs: the peer's log is durable and ours in memory, or
 *	the other way round, or (ours durable) it has not said: its
 *	datagrams are dropped
 */
struct vsr_peer_auth {
	u8 auth;
	u32 key_id;
	u64 drop_auth;
	bool encrypted;
	bool no_decrypt;
	bool durability_differs;
};

int vsr_node_start(struct vsr_instance *inst, const struct vsr_key_change *kc,
		   struct netlink_ext_ack *extack);
void vsr_node_stop(struct vsr_instance *inst);
void vsr_node_free(struct vsr_instance *inst);
void vsr_node_get_status(struct vsr_instance *inst, struct vsr_status *st);
int vsr_node_trim(struct vsr_instance *inst, u64 op, u64 *trim,
		  struct netlink_ext_ack *extack);
int vsr_node_set_tunables(struct vsr_instance *inst, const struct vsr_tunables *tun);
int vsr_node_reconfigure(struct vsr_instance *inst,
			 const union vsr_sockaddr *addrs, u32 n, u32 *epoch,
			 struct netlink_ext_ack *extack);
int vsr_node_keys_prepare(struct vsr_instance *inst, const struct vsr_key_change *kc,
			  struct vsr_auth **keys, struct netlink_ext_ack *extack);
void vsr_node_keys_commit(struct vsr_instance *inst, struct vsr_auth *keys);
void vsr_node_keys_abort(struct vsr_auth *keys);
void vsr_node_keys_held(struct vsr_instance *inst, bool *any, bool *sends);
void vsr_node_vmfork(struct vsr_instance *inst);
bool vsr_auth_has_key(const struct vsr_auth *a);
bool vsr_auth_sends_key(const struct vsr_auth *a);

/* Why encrypt on is refused (netlink's extack message). */
#define VSR_ENCRYPT_NEEDS_KEY	"encrypt needs a key to send with (key-file)"

void vsr_node_peer_auth(struct vsr_instance *inst, u32 peer,
			struct vsr_peer_auth *pa);

#endif /* _VSR_NODE_H */
