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

/* struct vsr_status.primary of a replica that has none (removed). */
#define VSR_PRIMARY_NONE	(~(__u32)0)

/* vsr_peer_status.last_heard_ms of a peer never heard from. */
#define VSR_LAST_HEARD_NEVER	(~(__u64)0)

/*
 * From this view on, the kernel log and vsradm warn: no view follows
 * 0xffffffff (Documentation/protocol.rst, "Limits").
 */
#define VSR_VIEW_WARN		0x80000000U

/**
 * struct vsr_peer_status - what a replica knows about one peer
 * @last_heard_ms: milliseconds since the last valid datagram from the peer,
 *	VSR_LAST_HEARD_NEVER if none yet (0 for the replica itself)
 * @lag: ops the peer is known to be behind this replica
 *
 * A member of struct vsr_status: its size never changes.
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
 *
 * A member of struct vsr_status: its size never changes.  A new counter
 * is a new member at the end of struct vsr_status.
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
 * struct vsr_status_hdr - the first bytes of struct vsr_status
 * @size: in: the size of the caller's struct vsr_status, at least
 *	VSR_STATUS_SIZE_VER0; out: the bytes the kernel filled,
 *	min(@size, the kernel's sizeof(struct vsr_status))
 * @reserved: zero, in and out
 *
 * The argument type of VSR_IOC_GET_STATUS, so that the request number
 * does not change when struct vsr_status grows.
 */
struct vsr_status_hdr {
	__u32 size;
	__u32 reserved;
};

/**
 * struct vsr_status - the state of one instance
 * @hdr: set @hdr.size to sizeof(struct vsr_status) and @hdr.reserved to 0
 *	before the ioctl; on return @hdr.size is the number of valid bytes
 * @cluster_id: cluster identifier
 * @epoch: configuration epoch
 * @view: current view number
 * @op: highest op number in the log
 * @commit: highest committed op number
 * @trim_point: lowest op number still in the log
 * @log_bytes: bytes of record data held in the log
 * @replica: this replica's entry in @peers
 * @primary: the entry in @peers of the primary of @view;
 *	VSR_PRIMARY_NONE once the replica was removed
 * @n_peers: valid entries of @peers: the addresses the instance was created
 *	with, in their order, whether or not they are members of @epoch
 *	(until a reconfiguration, they all are, in that order)
 * @status: enum vsr_state
 * @reserved: zero
 * @peers: per peer
 * @stats: counters
 * @drop_version: datagrams in a wire format this replica does not speak
 *	(since VSR_STATUS_SIZE_VER1, as are the fields after it)
 * @wire_version: the newest wire format this replica speaks: its
 *	wire-version setting, or @wire_version_max
 * @wire_version_max: the newest wire format the module speaks
 * @peer_wire_version: per replica, the wire format this replica speaks to
 *	it; 0 for itself and for a peer it has learned nothing of yet (which
 *	it speaks format 1 to)
 * @reserved1: zero
 * @drop_auth: datagrams that failed authentication (since
 *	VSR_STATUS_SIZE_VER2, as are the fields after it)
 * @key_id: key-id of the key this replica sends with, if @auth_flags has
 *	VSR_AUTH_KEY
 * @accept_key_id: key-id of the second key it accepts, if @auth_flags
 *	has VSR_AUTH_ACCEPT_KEY
 * @auth_flags: VSR_AUTH_* bits
 * @reserved2: zero
 * @n_members: members of the replica's configuration epoch @epoch (since
 *	VSR_STATUS_SIZE_VER3, as are the fields after it); 0 once the
 *	replica was removed
 * @members: the members in their order (a member's place is its replica
 *	index in the epoch, and the primary of view v is member v mod
 *	@n_members), each as its entry in @peers
 * @reserved3: zero
 *
 * Filled by ioctl(VSR_IOC_GET_STATUS) on /dev/vsrlogN; the same values are
 * reported by the VSR_NL_CMD_GET generic netlink command (which reports
 * the wire-version setting as set, 0 for the newest, where @wire_version
 * is the format in force).
 *
 * The struct only grows, at its end: a new field is appended after the
 * last one, no member changes size or place, and each new size gets a
 * VSR_STATUS_SIZE_VER<n> define.  The kernel fills as much of the
 * caller's struct as both know, so a caller built against an older header
 * gets the prefix it knows, and one built against a newer header learns
 * from @hdr.size which fields an older kernel filled.
 */
struct vsr_status {
	struct vsr_status_hdr hdr;
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
	__u64 drop_version;
	__u8 wire_version;
	__u8 wire_version_max;
	__u8 peer_wire_version[VSR_MAX_PEERS];
	__u8 reserved1[6];
	__u64 drop_auth;
	__u32 key_id;
	__u32 accept_key_id;
	__u8 auth_flags;
	__u8 reserved2[7];
	__u32 n_members;
	__u8 members[VSR_MAX_PEERS];
	__u8 reserved3[4];
};

/* struct vsr_status.auth_flags */
#define VSR_AUTH_KEY		0x1	/* sends with a key (else unauthenticated) */
#define VSR_AUTH_ACCEPT_KEY	0x2	/* accepts a second key */
#define VSR_AUTH_ACCEPT_NONE	0x4	/* accepts unauthenticated datagrams */
#define VSR_AUTH_ENCRYPT	0x8	/* encrypts what it sends (but AUTH) */
#define VSR_AUTH_ENCRYPT_REQUIRE 0x10	/* and accepts nothing else but AUTH */

/* The encrypt setting (netlink VSR_A_ENCRYPT). */
enum vsr_encrypt {
	VSR_ENCRYPT_OFF,	/* authenticate only */
	VSR_ENCRYPT_ON,		/* encrypt what is sent, accept both forms */
	VSR_ENCRYPT_REQUIRE,	/* encrypt, and accept only encrypted data */
};

/*
 * sizeof(struct vsr_status) of each version: VER0 ends with @stats, VER1
 * with @reserved1, VER2 with @reserved2, VER3 with @reserved3.
 */
#define VSR_STATUS_SIZE_VER0	432
#define VSR_STATUS_SIZE_VER1	464
#define VSR_STATUS_SIZE_VER2	488
#define VSR_STATUS_SIZE_VER3	512

/*
 * VSR_IOC_GET_STATUS: fill a struct vsr_status whose hdr.size says how
 * large it is.  Type 0xbe is unlisted in the kernel's
 * Documentation/userspace-api/ioctl/ioctl-number.rst (see
 * Documentation/device.rst).
 */
#define VSR_IOC_TYPE		0xbe
#define VSR_IOC_GET_STATUS	_IOWR(VSR_IOC_TYPE, 1, struct vsr_status_hdr)

/**
 * struct vsr_status_v1 - deprecated: the reply of VSR_IOC_STATUS_V1
 * @cluster_id: as in struct vsr_status
 * @epoch: as in struct vsr_status
 * @view: as in struct vsr_status
 * @op: as in struct vsr_status
 * @commit: as in struct vsr_status
 * @trim_point: as in struct vsr_status
 * @log_bytes: as in struct vsr_status
 * @replica: as in struct vsr_status
 * @primary: as in struct vsr_status
 * @n_peers: as in struct vsr_status
 * @status: as in struct vsr_status
 * @reserved: zero
 * @peers: as in struct vsr_status (16 entries)
 * @stats: as in struct vsr_status
 *
 * The original struct vsr_status, frozen (424 bytes): binaries built
 * against it ask with VSR_IOC_STATUS_V1's number, which encodes its size,
 * and keep working.  New code uses VSR_IOC_GET_STATUS.
 */
struct vsr_status_v1 {
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
	struct vsr_peer_status peers[16];
	struct vsr_stats stats;
};

/*
 * Deprecated: the original status ioctl, type 0xb5 (rpmsg's range) with
 * the size of struct vsr_status_v1 in its number (0x81a8b501).  It was
 * named VSR_IOC_STATUS; renamed so that code still passing a struct
 * vsr_status to it (now a different layout) fails to compile.
 */
#define VSR_IOC_STATUS_V1	_IOR(0xb5, 1, struct vsr_status_v1)

#endif /* _UAPI_LINUX_VSR_H */
