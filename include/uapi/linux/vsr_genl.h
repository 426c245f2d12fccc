/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause) */
/* Do not edit directly, auto-generated from: */
/*	Documentation/netlink/specs/vsr.yaml */
/* YNL-GEN uapi header */

#ifndef _UAPI_LINUX_VSR_GENL_H
#define _UAPI_LINUX_VSR_GENL_H

#define VSR_GENL_NAME		"vsr"
#define VSR_GENL_VERSION	1

#define VSR_DEV_PREFIX			"vsrlog"
#define VSR_MAX_INSTANCES		256
#define VSR_MAX_PEERS			16
#define VSR_NAME_LEN			16
#define VSR_KEY_LEN			32
#define VSR_LOG_RETENTION_DEFAULT	4096

/**
 * enum vsr_state - Protocol status of a replica.
 * @VSR_STATE_NORMAL: Processing requests in the current view.
 * @VSR_STATE_VIEW_CHANGE: Taking part in a view change.
 * @VSR_STATE_RECOVERING: Recovering its state after a restart or re-add.
 * @VSR_STATE_FAILED: Stopped for good: a safety invariant broke, so its state
 *   cannot be trusted. It no longer acknowledges, votes or answers, and its
 *   device returns EIO. Delete the instance and add it again.
 * @VSR_STATE_REMOVED: A reconfiguration left it out of the cluster's new
 *   epoch. It keeps the old epoch's log, answers only replicas that have not
 *   learned of the change yet, and refuses writes with EROFS; readers get the
 *   old epoch's records, then end of file. A later reconfiguration that names
 *   it again makes it a member again.
 * @VSR_STATE_JOINING: Created with join: it knows no configuration, and waits
 *   for a reconfiguration of its cluster to name its address. Writes fail with
 *   ENOTCONN.
 */
enum vsr_state {
	VSR_STATE_NORMAL,
	VSR_STATE_VIEW_CHANGE,
	VSR_STATE_RECOVERING,
	VSR_STATE_FAILED,
	VSR_STATE_REMOVED,
	VSR_STATE_JOINING,
};

enum vsr_attrs {
	VSR_A_UNSPEC,
	VSR_A_PAD,
	VSR_A_NAME,
	VSR_A_CLUSTER_ID,
	VSR_A_REPLICA,
	VSR_A_PEER,
	VSR_A_HEARTBEAT_MS,
	VSR_A_VIEW_CHANGE_TIMEOUT_MS,
	VSR_A_CLIENT_TIMEOUT_MS,
	VSR_A_LOG_RETENTION,
	VSR_A_MINOR,
	VSR_A_EPOCH,
	VSR_A_VIEW,
	VSR_A_STATUS,
	VSR_A_PRIMARY,
	VSR_A_OP,
	VSR_A_COMMIT,
	VSR_A_TRIM_POINT,
	VSR_A_LOG_BYTES,
	VSR_A_STATS,
	VSR_A_WIRE_VERSION,
	VSR_A_WIRE_VERSION_MAX,
	VSR_A_KEY,
	VSR_A_KEY_NONE,
	VSR_A_ACCEPT_KEY,
	VSR_A_ACCEPT_KEY_NONE,
	VSR_A_ACCEPT_KEY_OFF,
	VSR_A_KEY_SWAP,
	VSR_A_KEY_ID,
	VSR_A_ACCEPT_KEY_ID,
	VSR_A_ENCRYPT,
	VSR_A_JOIN,
	VSR_A_LOG_FILE,
	VSR_A_LOG_FORMAT,

	__VSR_A_MAX
};
#define VSR_A_MAX (__VSR_A_MAX - 1)

enum vsr_peer_attrs {
	VSR_A_PEER_UNSPEC,
	VSR_A_PEER_PAD,
	VSR_A_PEER_ADDR,
	VSR_A_PEER_PORT,
	VSR_A_PEER_INDEX,
	VSR_A_PEER_LAST_HEARD_MS,
	VSR_A_PEER_LAG,
	VSR_A_PEER_WIRE_VERSION,
	VSR_A_PEER_KEY_ID,
	VSR_A_PEER_UNAUTHENTICATED,
	VSR_A_PEER_DROP_AUTH,
	VSR_A_PEER_ENCRYPTED,
	VSR_A_PEER_NO_DECRYPT,
	VSR_A_PEER_MEMBER,
	VSR_A_PEER_DURABILITY_DIFFERS,

	__VSR_A_PEER_MAX
};
#define VSR_A_PEER_MAX (__VSR_A_PEER_MAX - 1)

enum vsr_stats_attrs {
	VSR_A_STATS_UNSPEC,
	VSR_A_STATS_PAD,
	VSR_A_STATS_MSGS_IN,
	VSR_A_STATS_MSGS_OUT,
	VSR_A_STATS_DROP_NOT_PEER,
	VSR_A_STATS_DROP_CLUSTER,
	VSR_A_STATS_DROP_CHECKSUM,
	VSR_A_STATS_DROP_MALFORMED,
	VSR_A_STATS_DROP_STALE,
	VSR_A_STATS_DROP_NOMEM,
	VSR_A_STATS_VIEW_CHANGES,
	VSR_A_STATS_RECOVERIES,
	VSR_A_STATS_SEND_ERRORS,
	VSR_A_STATS_PREPARES,
	VSR_A_STATS_DROP_VERSION,
	VSR_A_STATS_DROP_AUTH,

	__VSR_A_STATS_MAX
};
#define VSR_A_STATS_MAX (__VSR_A_STATS_MAX - 1)

enum vsr_nl_cmd {
	VSR_NL_CMD_UNSPEC,
	VSR_NL_CMD_ADD,
	VSR_NL_CMD_DEL,
	VSR_NL_CMD_GET,
	VSR_NL_CMD_SET,
	VSR_NL_CMD_TRIM,
	VSR_NL_CMD_ADD_NTF,
	VSR_NL_CMD_DEL_NTF,
	VSR_NL_CMD_VIEW_NTF,
	VSR_NL_CMD_STATUS_NTF,
	VSR_NL_CMD_PRIMARY_NTF,
	VSR_NL_CMD_SET_NTF,
	VSR_NL_CMD_RECONFIGURE,
	VSR_NL_CMD_EPOCH_NTF,

	__VSR_NL_CMD_MAX
};
#define VSR_NL_CMD_MAX (__VSR_NL_CMD_MAX - 1)

#define VSR_MCGRP_EVENTS	"events"

#endif /* _UAPI_LINUX_VSR_GENL_H */
