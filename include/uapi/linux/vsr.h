/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * vsr: Viewstamped Replication as a replicated log device.
 *
 * This header is shared by the vsr kernel module and userspace (vsradm).
 * The generic netlink enums and defines (VSR_GENL_NAME, VSR_DEV_PREFIX,
 * VSR_A_*, VSR_NL_CMD_*, ...) are generated from
 * Documentation/netlink/specs/vsr.yaml into vsr_genl.h.
 */
#ifndef _UAPI_LINUX_VSR_H
#define _UAPI_LINUX_VSR_H

#include <linux/types.h>
#include <linux/ioctl.h>

#include "vsr_genl.h"

/* vsr_peer_status.last_heard_ms of a peer never heard from. */
#define VSR_LAST_HEARD_NEVER	(~(__u64)0)

/**
 * struct vsr_peer_status - what a replica knows about one peer
 * @last_heard_ms: milliseconds since the last valid datagram from the peer,
 *	VSR_LAST_HEARD_NEVER if none yet (0 for the replica itself)
 * @lag: ops the peer is known to be behind this replica
 */
struct vsr_peer_status {
	__u64 last_heard_ms;
	__u64 lag;
};

/**
 * struct vsr_stats - counters of one instance
 * @msgs_in: datagrams accepted
 * @msgs_out: datagrams sent
 * @drop_not_peer: datagrams from an address that is not a configured peer
 * @drop_cluster: datagrams with a wrong cluster id
 * @drop_checksum: datagrams with a bad checksum
 * @drop_malformed: truncated or malformed datagrams
 * @drop_stale: messages of an old view or epoch
 * @drop_nomem: datagrams dropped for lack of memory or queue space
 * @view_changes: view changes completed
 * @recoveries: recoveries gone through
 * @send_errors: datagrams the socket refused for another reason than
 *	memory or queue space (no route to the peer, ...)
 * @prepares: PREPARE messages sent while primary, counted once for all
 *	backups (records per PREPARE is the batching factor)
 */
struct vsr_stats {
	__u64 msgs_in;
	__u64 msgs_out;
	__u64 drop_not_peer;
	__u64 drop_cluster;
	__u64 drop_checksum;
	__u64 drop_malformed;
	__u64 drop_stale;
	__u64 drop_nomem;
	__u64 view_changes;
	__u64 recoveries;
	__u64 send_errors;
	__u64 prepares;
};

/**
 * struct vsr_status - the state of one instance
 * @cluster_id: cluster identifier
 * @epoch: configuration epoch
 * @view: current view number
 * @op: highest op number in the log
 * @commit: highest committed op number
 * @trim_point: lowest op number still in the log
 * @log_bytes: bytes of record data held in the log
 * @replica: index of this replica
 * @primary: index of the primary of @view
 * @n_peers: number of replicas in the cluster (valid entries of @peers)
 * @status: enum vsr_state
 * @reserved: zero
 * @peers: per replica, indexed by replica number
 * @stats: counters
 *
 * Filled by ioctl(VSR_IOC_STATUS) on /dev/vsrlogN; the same values are
 * reported by the VSR_NL_CMD_GET generic netlink command.
 */
struct vsr_status {
	__u64 cluster_id;
	__u64 epoch;
	__u64 view;
	__u64 op;
	__u64 commit;
	__u64 trim_point;
	__u64 log_bytes;
	__u32 replica;
	__u32 primary;
	__u32 n_peers;
	__u8 status;
	__u8 reserved[3];
	struct vsr_peer_status peers[VSR_MAX_PEERS];
	struct vsr_stats stats;
};

#define VSR_IOC_MAGIC		0xb5
#define VSR_IOC_STATUS		_IOR(VSR_IOC_MAGIC, 1, struct vsr_status)

#endif /* _UAPI_LINUX_VSR_H */
