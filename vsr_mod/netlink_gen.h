/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause) */
/* Do not edit directly, auto-generated from: */
/*	Documentation/netlink/specs/vsr.yaml */
/* YNL-GEN kernel header */

#ifndef _LINUX_VSR_GEN_H
#define _LINUX_VSR_GEN_H

#include <net/netlink.h>
#include <net/genetlink.h>

#include <uapi/linux/vsr_genl.h>

/* Common nested types */
extern const struct nla_policy vsr_peer_nl_policy[VSR_A_PEER_DURABILITY_DIFFERS + 1];

extern const struct nla_policy vsr_add_nl_policy[VSR_A_LOG_FORMAT + 1];

extern const struct nla_policy vsr_del_nl_policy[VSR_A_NAME + 1];

extern const struct nla_policy vsr_get_nl_policy[VSR_A_NAME + 1];

extern const struct nla_policy vsr_set_nl_policy[VSR_A_ENCRYPT + 1];

extern const struct nla_policy vsr_trim_nl_policy[VSR_A_TRIM_POINT + 1];

extern const struct nla_policy vsr_reconfigure_nl_policy[VSR_A_PEER + 1];

/* Ops table for vsr */
extern const struct genl_ops vsr_nl_ops[6];

int vsr_nl_add_doit(struct sk_buff *skb, struct genl_info *info);
int vsr_nl_del_doit(struct sk_buff *skb, struct genl_info *info);
int vsr_nl_get_doit(struct sk_buff *skb, struct genl_info *info);
int vsr_nl_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb);
int vsr_nl_set_doit(struct sk_buff *skb, struct genl_info *info);
int vsr_nl_trim_doit(struct sk_buff *skb, struct genl_info *info);
int vsr_nl_reconfigure_doit(struct sk_buff *skb, struct genl_info *info);

enum {
	VSR_NLGRP_EVENTS,
};

#endif /* _LINUX_VSR_GEN_H */
