// SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause)
/* Do not edit directly, auto-generated from: */
/*	Documentation/netlink/specs/vsr.yaml */
/* YNL-GEN kernel source */

#include <net/netlink.h>
#include <net/genetlink.h>

#include "netlink_gen.h"

#include <uapi/linux/vsr_genl.h>

/* Common nested types */
const struct nla_policy vsr_peer_nl_policy[VSR_A_PEER_DURABILITY_DIFFERS + 1] = {
	[VSR_A_PEER_ADDR] = { .type = NLA_BINARY, },
	[VSR_A_PEER_PORT] = NLA_POLICY_MIN(NLA_U16, 1),
	[VSR_A_PEER_INDEX] = { .type = NLA_U32, },
	[VSR_A_PEER_LAST_HEARD_MS] = { .type = NLA_U64, },
	[VSR_A_PEER_LAG] = { .type = NLA_U64, },
	[VSR_A_PEER_WIRE_VERSION] = { .type = NLA_U32, },
	[VSR_A_PEER_KEY_ID] = { .type = NLA_U32, },
	[VSR_A_PEER_UNAUTHENTICATED] = { .type = NLA_FLAG, },
	[VSR_A_PEER_DROP_AUTH] = { .type = NLA_U64, },
	[VSR_A_PEER_ENCRYPTED] = { .type = NLA_FLAG, },
	[VSR_A_PEER_NO_DECRYPT] = { .type = NLA_FLAG, },
	[VSR_A_PEER_MEMBER] = { .type = NLA_U32, },
	[VSR_A_PEER_DURABILITY_DIFFERS] = { .type = NLA_FLAG, },
};

/* VSR_NL_CMD_ADD - do */
const struct nla_policy vsr_add_nl_policy[VSR_A_LOG_FORMAT + 1] = {
	[VSR_A_NAME] = { .type = NLA_NUL_STRING, .len = 15, },
	[VSR_A_CLUSTER_ID] = { .type = NLA_U64, },
	[VSR_A_REPLICA] = NLA_POLICY_MAX(NLA_U32, 15),
	[VSR_A_PEER] = NLA_POLICY_NESTED(vsr_peer_nl_policy),
	[VSR_A_HEARTBEAT_MS] = NLA_POLICY_MIN(NLA_U32, 10),
	[VSR_A_VIEW_CHANGE_TIMEOUT_MS] = NLA_POLICY_MIN(NLA_U32, 20),
	[VSR_A_CLIENT_TIMEOUT_MS] = NLA_POLICY_MIN(NLA_U32, 100),
	[VSR_A_LOG_RETENTION] = { .type = NLA_U64, },
	[VSR_A_WIRE_VERSION] = NLA_POLICY_MAX(NLA_U32, 255),
	[VSR_A_KEY] = NLA_POLICY_EXACT_LEN(VSR_KEY_LEN),
	[VSR_A_ENCRYPT] = NLA_POLICY_MAX(NLA_U8, 2),
	[VSR_A_JOIN] = { .type = NLA_FLAG, },
	[VSR_A_LOG_FILE] = { .type = NLA_NUL_STRING, .len = 4095, },
	[VSR_A_LOG_FORMAT] = { .type = NLA_FLAG, },
};

/* VSR_NL_CMD_DEL - do */
const struct nla_policy vsr_del_nl_policy[VSR_A_NAME + 1] = {
	[VSR_A_NAME] = { .type = NLA_NUL_STRING, .len = 15, },
};

/* VSR_NL_CMD_GET - do */
const struct nla_policy vsr_get_nl_policy[VSR_A_NAME + 1] = {
	[VSR_A_NAME] = { .type = NLA_NUL_STRING, .len = 15, },
};

/* VSR_NL_CMD_SET - do */
const struct nla_policy vsr_set_nl_policy[VSR_A_ENCRYPT + 1] = {
	[VSR_A_NAME] = { .type = NLA_NUL_STRING, .len = 15, },
	[VSR_A_HEARTBEAT_MS] = NLA_POLICY_MIN(NLA_U32, 10),
	[VSR_A_VIEW_CHANGE_TIMEOUT_MS] = NLA_POLICY_MIN(NLA_U32, 20),
	[VSR_A_CLIENT_TIMEOUT_MS] = NLA_POLICY_MIN(NLA_U32, 100),
	[VSR_A_LOG_RETENTION] = { .type = NLA_U64, },
	[VSR_A_WIRE_VERSION] = NLA_POLICY_MAX(NLA_U32, 255),
	[VSR_A_KEY] = NLA_POLICY_EXACT_LEN(VSR_KEY_LEN),
	[VSR_A_KEY_NONE] = { .type = NLA_FLAG, },
	[VSR_A_ACCEPT_KEY] = NLA_POLICY_EXACT_LEN(VSR_KEY_LEN),
	[VSR_A_ACCEPT_KEY_NONE] = { .type = NLA_FLAG, },
	[VSR_A_ACCEPT_KEY_OFF] = { .type = NLA_FLAG, },
	[VSR_A_KEY_SWAP] = { .type = NLA_FLAG, },
	[VSR_A_ENCRYPT] = NLA_POLICY_MAX(NLA_U8, 2),
};

/* VSR_NL_CMD_TRIM - do */
const struct nla_policy vsr_trim_nl_policy[VSR_A_TRIM_POINT + 1] = {
	[VSR_A_NAME] = { .type = NLA_NUL_STRING, .len = 15, },
	[VSR_A_TRIM_POINT] = { .type = NLA_U64, },
};

/* VSR_NL_CMD_RECONFIGURE - do */
const struct nla_policy vsr_reconfigure_nl_policy[VSR_A_PEER + 1] = {
	[VSR_A_NAME] = { .type = NLA_NUL_STRING, .len = 15, },
	[VSR_A_PEER] = NLA_POLICY_NESTED(vsr_peer_nl_policy),
};

/* Ops table for vsr */
const struct genl_ops vsr_nl_ops[6] = {
	{
		.cmd		= VSR_NL_CMD_ADD,
		.doit		= vsr_nl_add_doit,
		.policy		= vsr_add_nl_policy,
		.maxattr	= VSR_A_LOG_FORMAT,
		.flags		= GENL_ADMIN_PERM,
	},
	{
		.cmd		= VSR_NL_CMD_DEL,
		.doit		= vsr_nl_del_doit,
		.policy		= vsr_del_nl_policy,
		.maxattr	= VSR_A_NAME,
		.flags		= GENL_ADMIN_PERM,
	},
	{
		.cmd		= VSR_NL_CMD_GET,
		.doit		= vsr_nl_get_doit,
		.dumpit		= vsr_nl_get_dumpit,
		.policy		= vsr_get_nl_policy,
		.maxattr	= VSR_A_NAME,
		.flags		= GENL_ADMIN_PERM,
	},
	{
		.cmd		= VSR_NL_CMD_SET,
		.doit		= vsr_nl_set_doit,
		.policy		= vsr_set_nl_policy,
		.maxattr	= VSR_A_ENCRYPT,
		.flags		= GENL_ADMIN_PERM,
	},
	{
		.cmd		= VSR_NL_CMD_TRIM,
		.doit		= vsr_nl_trim_doit,
		.policy		= vsr_trim_nl_policy,
		.maxattr	= VSR_A_TRIM_POINT,
		.flags		= GENL_ADMIN_PERM,
	},
	{
		.cmd		= VSR_NL_CMD_RECONFIGURE,
		.doit		= vsr_nl_reconfigure_doit,
		.policy		= vsr_reconfigure_nl_policy,
		.maxattr	= VSR_A_PEER,
		.flags		= GENL_ADMIN_PERM,
	},
};

static const struct genl_multicast_group vsr_nl_mcgrps[] = {
	[VSR_NLGRP_EVENTS] = { "events", },
};
