// SPDX-License-Identifier: GPL-2.0
/*
 * netlink.c - the "vsr" generic netlink family: add, del, get (do and
 * dump), set and trim, and the "events" multicast group.
 *
 * The policies and the op table come from Documentation/netlink/specs/
 * vsr.yaml through ynl-gen (netlink_gen.c, included below: ynl-gen emits
 * the multicast group table as a static array for the family struct to
 * use, and genetlink-legacy families write their own family struct).
 * Every op, GET and its dump included, needs CAP_NET_ADMIN in the initial
 * user namespace (GENL_ADMIN_PERM): an instance makes host-global objects
 * (its /dev/vsrlogN node, its host-wide name and minor), which the root of
 * a user namespace may not make, and GET shows cluster state.  Joining
 * "events" needs CAP_NET_ADMIN as well (GENL_MCAST_CAP_NET_ADMIN).  Every
 * other refusal says why in the extended ack.  Ops run in parallel
 * (parallel_ops): the registry is
 * guarded by vsr_instances_lock, and a trim waits for its commit without
 * holding any lock (not even genl_mutex, which all families share).
 */

#include <linux/slab.h>
#include <net/genetlink.h>
#include <net/ipv6.h>

#include "auth.h"
#include "compat.h"
#include "instance.h"
#include "journal.h"
#include "netlink.h"
#include "node.h"

#include "netlink_gen.c"

/*
 * The generated vsr_nl_mcgrps[] without flags (6.12's ynl-gen does not emit
 * the spec's admin-perm on a group): the family uses this one instead.
 * GENL_MCAST_CAP_NET_ADMIN checks CAP_NET_ADMIN in the user namespace that
 * owns the listener's network namespace, and notifications go only to the
 * instance's namespace: for an instance in a namespace owned by the initial
 * user namespace, only the host's administrators receive them.
 */
static const struct genl_multicast_group vsr_nl_admin_mcgrps[] = {
	[VSR_NLGRP_EVENTS] = { .name = VSR_MCGRP_EVENTS, .flags = GENL_MCAST_CAP_NET_ADMIN },
};
static_assert(ARRAY_SIZE(vsr_nl_admin_mcgrps) == ARRAY_SIZE(vsr_nl_mcgrps));

static DEFINE_MUTEX(vsr_nl_lock);	/* orders notifications and unregistration */
static bool vsr_nl_registered;

static struct genl_family vsr_genl_family __ro_after_init = {
	.name		= VSR_GENL_NAME,
	.version	= VSR_GENL_VERSION,
	.netnsok	= true,
	.module		= THIS_MODULE,
	.ops		= vsr_nl_ops,
	.n_ops		= ARRAY_SIZE(vsr_nl_ops),
	.resv_start_op	= VSR_NL_CMD_TRIM + 1,
	.parallel_ops	= true,
	.mcgrps		= vsr_nl_admin_mcgrps,
	.n_mcgrps	= ARRAY_SIZE(vsr_nl_admin_mcgrps),
};

static int vsr_nl_put_peer_auth(struct sk_buff *skb, struct vsr_instance *inst, u32 i)
{
	struct vsr_peer_auth pa;

	if (i == inst->cfg.replica)
		return 0;
	vsr_node_peer_auth(inst, i, &pa);
	if ((pa.auth == 2 && nla_put_u32(skb, VSR_A_PEER_KEY_ID, pa.key_id)) ||
	    (pa.auth == 1 && nla_put_flag(skb, VSR_A_PEER_UNAUTHENTICATED)) ||
	    (pa.encrypted && nla_put_flag(skb, VSR_A_PEER_ENCRYPTED)) ||
	    (pa.no_decrypt && nla_put_flag(skb, VSR_A_PEER_NO_DECRYPT)) ||
	    (pa.durability_differs &&
	     nla_put_flag(skb, VSR_A_PEER_DURABILITY_DIFFERS)))
		return -EMSGSIZE;
	return nla_put_u64_64bit(skb, VSR_A_PEER_DROP_AUTH, pa.drop_auth,
				 VSR_A_PEER_PAD);
}

/* The peer's place among the members of the epoch, if it is one. */
static int vsr_nl_put_member(struct sk_buff *skb, const struct vsr_status *st,
			     u32 i)
{
	u32 m;

	for (m = 0; m < st->n_members; m++)
		if (st->members[m] == i)
			return nla_put_u32(skb, VSR_A_PEER_MEMBER, m);
	return 0;
}

static int vsr_nl_put_peer(struct sk_buff *skb, struct vsr_instance *inst, u32 i,
			   const struct vsr_status *st)
{
	const struct vsr_peer_status *ps = &st->peers[i];
	u8 wire_version = st->peer_wire_version[i];
	const union vsr_sockaddr *p = &inst->cfg.peers[i];
	struct nlattr *nest;
	int ret;

	nest = nla_nest_start(skb, VSR_A_PEER);
	if (!nest)
		return -EMSGSIZE;
	if (p->sa.sa_family == AF_INET)
		ret = nla_put_in_addr(skb, VSR_A_PEER_ADDR, p->sin.sin_addr.s_addr) ||
		      nla_put_u16(skb, VSR_A_PEER_PORT, ntohs(p->sin.sin_port));
	else
		ret = nla_put_in6_addr(skb, VSR_A_PEER_ADDR, &p->sin6.sin6_addr) ||
		      nla_put_u16(skb, VSR_A_PEER_PORT, ntohs(p->sin6.sin6_port));
	if (ret || nla_put_u32(skb, VSR_A_PEER_INDEX, i) ||
	    (ps->last_heard_ms != VSR_LAST_HEARD_NEVER &&
	     nla_put_u64_64bit(skb, VSR_A_PEER_LAST_HEARD_MS, ps->last_heard_ms,
			       VSR_A_PEER_PAD)) ||
	    nla_put_u64_64bit(skb, VSR_A_PEER_LAG, ps->lag, VSR_A_PEER_PAD) ||
	    (wire_version && nla_put_u32(skb, VSR_A_PEER_WIRE_VERSION, wire_version)) ||
	    vsr_nl_put_peer_auth(skb, inst, i) || vsr_nl_put_member(skb, st, i)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

static int vsr_nl_put_stats(struct sk_buff *skb, const struct vsr_status *st)
{
	const struct vsr_stats *s = &st->stats;
	static const struct {
		int attr;
		size_t off;
	} map[] = {
		{ VSR_A_STATS_MSGS_IN, offsetof(struct vsr_stats, msgs_in) },
		{ VSR_A_STATS_MSGS_OUT, offsetof(struct vsr_stats, msgs_out) },
		{ VSR_A_STATS_DROP_NOT_PEER, offsetof(struct vsr_stats, drop_not_peer) },
		{ VSR_A_STATS_DROP_CLUSTER, offsetof(struct vsr_stats, drop_cluster) },
		{ VSR_A_STATS_DROP_CHECKSUM, offsetof(struct vsr_stats, drop_checksum) },
		{ VSR_A_STATS_DROP_MALFORMED, offsetof(struct vsr_stats, drop_malformed) },
		{ VSR_A_STATS_DROP_STALE, offsetof(struct vsr_stats, drop_stale) },
		{ VSR_A_STATS_DROP_NOMEM, offsetof(struct vsr_stats, drop_nomem) },
		{ VSR_A_STATS_VIEW_CHANGES, offsetof(struct vsr_stats, view_changes) },
		{ VSR_A_STATS_RECOVERIES, offsetof(struct vsr_stats, recoveries) },
		{ VSR_A_STATS_SEND_ERRORS, offsetof(struct vsr_stats, send_errors) },
		{ VSR_A_STATS_PREPARES, offsetof(struct vsr_stats, prepares) },
	};
	struct nlattr *nest;
	size_t i;

	nest = nla_nest_start(skb, VSR_A_STATS);
	if (!nest)
		return -EMSGSIZE;
	for (i = 0; i < ARRAY_SIZE(map); i++) {
		u64 v = *(const u64 *)((const char *)s + map[i].off);

		if (nla_put_u64_64bit(skb, map[i].attr, v, VSR_A_STATS_PAD)) {
			nla_nest_cancel(skb, nest);
			return -EMSGSIZE;
		}
	}
	/* Counters after struct vsr_stats was frozen. */
	if (nla_put_u64_64bit(skb, VSR_A_STATS_DROP_VERSION, st->drop_version,
			      VSR_A_STATS_PAD) ||
	    nla_put_u64_64bit(skb, VSR_A_STATS_DROP_AUTH, st->drop_auth,
			      VSR_A_STATS_PAD)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

/* One instance as a VSR_NL_CMD_GET reply or a notification of @cmd. */
static int vsr_nl_fill(struct sk_buff *skb, struct vsr_instance *inst, u32 portid,
		       u32 seq, int flags, u8 cmd)
{
	struct vsr_tunables tun;
	struct vsr_status *st;
	void *hdr;
	u32 i;
	int ret = -EMSGSIZE;

	st = kmalloc(sizeof(*st), GFP_KERNEL);
	if (!st)
		return -ENOMEM;
	vsr_node_get_status(inst, st);
	vsr_instance_tunables(inst, &tun);

	hdr = genlmsg_put(skb, portid, seq, &vsr_genl_family, flags, cmd);
	if (!hdr)
		goto out;
	if (nla_put_string(skb, VSR_A_NAME, inst->name) ||
	    nla_put_u32(skb, VSR_A_MINOR, inst->minor) ||
	    nla_put_u64_64bit(skb, VSR_A_CLUSTER_ID, inst->cfg.cluster_id, VSR_A_PAD) ||
	    nla_put_u32(skb, VSR_A_REPLICA, inst->cfg.replica))
		goto cancel;
	for (i = 0; i < vsr_n_peers(&inst->cfg); i++)
		if (vsr_nl_put_peer(skb, inst, i, st))
			goto cancel;
	if (nla_put_u32(skb, VSR_A_HEARTBEAT_MS, tun.heartbeat_ms) ||
	    nla_put_u32(skb, VSR_A_VIEW_CHANGE_TIMEOUT_MS, tun.view_change_timeout_ms) ||
	    nla_put_u32(skb, VSR_A_CLIENT_TIMEOUT_MS, tun.client_timeout_ms) ||
	    nla_put_u64_64bit(skb, VSR_A_LOG_RETENTION, tun.log_retention, VSR_A_PAD) ||
	    nla_put_u64_64bit(skb, VSR_A_EPOCH, st->epoch, VSR_A_PAD) ||
	    nla_put_u64_64bit(skb, VSR_A_VIEW, st->view, VSR_A_PAD) ||
	    nla_put_u8(skb, VSR_A_STATUS, st->status) ||
	    (st->primary != VSR_PRIMARY_NONE &&
	     nla_put_u32(skb, VSR_A_PRIMARY, st->primary)) ||
	    nla_put_u64_64bit(skb, VSR_A_OP, st->op, VSR_A_PAD) ||
	    nla_put_u64_64bit(skb, VSR_A_COMMIT, st->commit, VSR_A_PAD) ||
	    nla_put_u64_64bit(skb, VSR_A_TRIM_POINT, st->trim_point, VSR_A_PAD) ||
	    nla_put_u64_64bit(skb, VSR_A_LOG_BYTES, st->log_bytes, VSR_A_PAD) ||
	    vsr_nl_put_stats(skb, st) ||
	    nla_put_u32(skb, VSR_A_WIRE_VERSION, tun.wire_version) ||
	    nla_put_u32(skb, VSR_A_WIRE_VERSION_MAX, st->wire_version_max) ||
	    nla_put_u8(skb, VSR_A_ENCRYPT, tun.encrypt) ||
	    ((st->auth_flags & VSR_AUTH_KEY) &&
	     nla_put_u32(skb, VSR_A_KEY_ID, st->key_id)) ||
	    ((st->auth_flags & VSR_AUTH_ACCEPT_KEY) &&
	     nla_put_u32(skb, VSR_A_ACCEPT_KEY_ID, st->accept_key_id)) ||
	    ((st->auth_flags & VSR_AUTH_ACCEPT_NONE) &&
	     (st->auth_flags & (VSR_AUTH_KEY | VSR_AUTH_ACCEPT_KEY)) &&
	     nla_put_flag(skb, VSR_A_ACCEPT_KEY_NONE)) ||
	    (inst->cfg.journal &&
	     nla_put_string(skb, VSR_A_LOG_FILE, inst->cfg.journal->path)))
		goto cancel;
	genlmsg_end(skb, hdr);
	ret = 0;
	goto out;
cancel:
	genlmsg_cancel(skb, hdr);
out:
	kfree(st);
	return ret;
}

/**
 * vsr_nl_notify() - send an instance's state to the "events" group
 * @inst: the instance
 * @cmd: VSR_NL_CMD_*_NTF
 *
 * Process context.  Goes to listeners in the instance's namespace; does
 * nothing once the family is being unregistered.
 */
void vsr_nl_notify(struct vsr_instance *inst, u8 cmd)
{
	struct sk_buff *skb;

	mutex_lock(&vsr_nl_lock);
	if (!vsr_nl_registered ||
	    !genl_has_listeners(&vsr_genl_family, inst->net, VSR_NLGRP_EVENTS))
		goto out;
	skb = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!skb)
		goto out;
	if (vsr_nl_fill(skb, inst, 0, 0, 0, cmd)) {
		nlmsg_free(skb);
		goto out;
	}
	genlmsg_multicast_netns(&vsr_genl_family, inst->net, skb, 0, VSR_NLGRP_EVENTS,
				GFP_KERNEL);
out:
	mutex_unlock(&vsr_nl_lock);
}

/* A required attribute; says which one is missing. */
#define vsr_nl_require(info, type, msg) ({				\
	bool __present = !!(info)->attrs[type];				\
									\
	if (!__present) {						\
		NL_SET_ERR_MSG((info)->extack, msg);			\
		NL_SET_ERR_ATTR_MISS((info)->extack, NULL, type);	\
	}								\
	__present;							\
})

static int vsr_nl_parse_peer(const struct nlattr *attr, union vsr_sockaddr *p,
			     struct netlink_ext_ack *extack)
{
	struct nlattr *tb[VSR_A_PEER_MAX + 1];
	const struct nlattr *a;
	__be16 port;
	int ret;

	ret = nla_parse_nested(tb, VSR_A_PEER_MAX, attr, vsr_peer_nl_policy, extack);
	if (ret)
		return ret;
	if (tb[VSR_A_PEER_INDEX] || tb[VSR_A_PEER_LAST_HEARD_MS] || tb[VSR_A_PEER_LAG] ||
	    tb[VSR_A_PEER_WIRE_VERSION] || tb[VSR_A_PEER_KEY_ID] ||
	    tb[VSR_A_PEER_UNAUTHENTICATED] || tb[VSR_A_PEER_DROP_AUTH] ||
	    tb[VSR_A_PEER_ENCRYPTED] || tb[VSR_A_PEER_NO_DECRYPT] ||
	    tb[VSR_A_PEER_MEMBER] || tb[VSR_A_PEER_DURABILITY_DIFFERS]) {
		NL_SET_ERR_MSG_ATTR(extack, attr, "a peer has an address and a port; the rest is read-only");
		return -EINVAL;
	}
	a = tb[VSR_A_PEER_ADDR];
	if (!a) {
		NL_SET_ERR_MSG_ATTR(extack, attr, "peer has no address");
		NL_SET_ERR_ATTR_MISS(extack, attr, VSR_A_PEER_ADDR);
		return -EINVAL;
	}
	if (!tb[VSR_A_PEER_PORT]) {
		NL_SET_ERR_MSG_ATTR(extack, attr, "peer has no port");
		NL_SET_ERR_ATTR_MISS(extack, attr, VSR_A_PEER_PORT);
		return -EINVAL;
	}
	port = htons(nla_get_u16(tb[VSR_A_PEER_PORT]));
	if (!port) {
		NL_SET_ERR_MSG_ATTR(extack, tb[VSR_A_PEER_PORT], "peer port must not be 0");
		return -EINVAL;
	}
	memset(p, 0, sizeof(*p));
	if (nla_len(a) == sizeof(struct in_addr)) {
		p->sin.sin_family = AF_INET;
		p->sin.sin_addr.s_addr = nla_get_in_addr(a);
		p->sin.sin_port = port;
		if (ipv4_is_zeronet(p->sin.sin_addr.s_addr) ||
		    ipv4_is_multicast(p->sin.sin_addr.s_addr) ||
		    ipv4_is_lbcast(p->sin.sin_addr.s_addr)) {
			NL_SET_ERR_MSG_ATTR(extack, a, "peer address must be a unicast address");
			return -EINVAL;
		}
	} else if (nla_len(a) == sizeof(struct in6_addr)) {
		p->sin6.sin6_family = AF_INET6;
		p->sin6.sin6_addr = nla_get_in6_addr(a);
		p->sin6.sin6_port = port;
		if (ipv6_addr_any(&p->sin6.sin6_addr) ||
		    ipv6_addr_is_multicast(&p->sin6.sin6_addr)) {
			NL_SET_ERR_MSG_ATTR(extack, a, "peer address must be a unicast address");
			return -EINVAL;
		}
	} else {
		NL_SET_ERR_MSG_ATTR(extack, a, "peer address must be 4 (IPv4) or 16 (IPv6) bytes");
		return -EINVAL;
	}
	return 0;
}

/* Fills the tunables present in @info over @tun; returns how many. */
static int vsr_nl_get_tunables(struct genl_info *info, struct vsr_tunables *tun)
{
	int n = 0;

	if (info->attrs[VSR_A_HEARTBEAT_MS]) {
		tun->heartbeat_ms = nla_get_u32(info->attrs[VSR_A_HEARTBEAT_MS]);
		n++;
	}
	if (info->attrs[VSR_A_VIEW_CHANGE_TIMEOUT_MS]) {
		tun->view_change_timeout_ms =
			nla_get_u32(info->attrs[VSR_A_VIEW_CHANGE_TIMEOUT_MS]);
		n++;
	}
	if (info->attrs[VSR_A_CLIENT_TIMEOUT_MS]) {
		tun->client_timeout_ms = nla_get_u32(info->attrs[VSR_A_CLIENT_TIMEOUT_MS]);
		n++;
	}
	if (info->attrs[VSR_A_LOG_RETENTION]) {
		tun->log_retention = nla_get_u64(info->attrs[VSR_A_LOG_RETENTION]);
		n++;
	}
	if (info->attrs[VSR_A_WIRE_VERSION]) {
		tun->wire_version = nla_get_u32(info->attrs[VSR_A_WIRE_VERSION]);
		n++;
	}
	if (info->attrs[VSR_A_ENCRYPT]) {
		tun->encrypt = nla_get_u8(info->attrs[VSR_A_ENCRYPT]);
		n++;
	}
	return n;
}

/*
 * Fills @kc from the key attributes of @info; returns how many there are.
 * ADD takes only VSR_A_KEY (its policy refuses the others).  The keys stay
 * in the request, which vsr_nl_wipe_keys() wipes.
 */
static int vsr_nl_get_keys(struct genl_info *info, struct vsr_key_change *kc,
			   bool add)
{
	struct nlattr **tb = info->attrs;

	memset(kc, 0, sizeof(*kc));
	if (tb[VSR_A_KEY])
		kc->key = nla_data(tb[VSR_A_KEY]);
	if (add)
		return !!kc->key;
	if (tb[VSR_A_ACCEPT_KEY])
		kc->accept_key = nla_data(tb[VSR_A_ACCEPT_KEY]);
	kc->key_none = tb[VSR_A_KEY_NONE];
	kc->accept_none = tb[VSR_A_ACCEPT_KEY_NONE];
	kc->accept_off = tb[VSR_A_ACCEPT_KEY_OFF];
	kc->swap = tb[VSR_A_KEY_SWAP];
	return !!kc->key + !!kc->accept_key + kc->key_none + kc->accept_none +
	       kc->accept_off + kc->swap;
}

/*
 * Key material is wiped from the request once it was used, on every path
 * out of a doit.  (A request that fails the policy never gets here, and a
 * netlink monitor sees the keys: see Documentation/vsradm.rst.)
 */
static void vsr_nl_wipe_keys(struct genl_info *info, bool add)
{
	if (info->attrs[VSR_A_KEY])
		memzero_explicit(nla_data(info->attrs[VSR_A_KEY]), VSR_KEY_LEN);
	if (!add && info->attrs[VSR_A_ACCEPT_KEY])
		memzero_explicit(nla_data(info->attrs[VSR_A_ACCEPT_KEY]), VSR_KEY_LEN);
}

/*
 * Open the log file of a durable instance: format it, or read the replica's
 * identity and state from it.  Refused for an instance whose name is taken
 * before anything is written.
 */
static int vsr_nl_open_log(struct genl_info *info, struct vsr_config *cfg)
{
	bool format = nla_get_flag(info->attrs[VSR_A_LOG_FORMAT]);
	struct vsr_instance *inst;

	/* A new member's log holds nothing yet: it is formatted to join. */
	if (cfg->joining && !format) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[VSR_A_LOG_FILE],
				    "a joining instance's log file is formatted to join (format)");
		return -EINVAL;
	}
	/* Durability is told in HELLO, which is in wire format 2. */
	if (cfg->tun.wire_version == 1) {
		NL_SET_ERR_MSG(info->extack, "a durable instance needs wire format 2 or later (wire-version)");
		return -EINVAL;
	}
	mutex_lock(&vsr_instances_lock);
	inst = vsr_instance_find(genl_info_net(info),
				 nla_data(info->attrs[VSR_A_NAME]));
	mutex_unlock(&vsr_instances_lock);
	if (inst) {
		NL_SET_ERR_MSG(info->extack, "an instance of that name exists");
		return -EEXIST;
	}
	if (format) {
		int ret = vsr_config_validate(cfg, info->extack);

		if (ret)
			return ret;
	}
	return vsr_journal_open(nla_data(info->attrs[VSR_A_LOG_FILE]), format,
				cfg, &cfg->journal, info->extack);
}

/**
 * vsr_nl_add_doit() - VSR_NL_CMD_ADD: create an instance in the caller's netns
 * @skb: the request
 * @info: its parsed attributes
 *
 * Return: 0 or a negative errno (the reason is in the extended ack).
 */
int vsr_nl_add_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct vsr_key_change kc;
	struct vsr_instance *inst;
	struct vsr_config *cfg;
	const struct nlattr *attr;
	bool restart;
	int rem, ret;

	/* A formatted log file names the replica and its peers. */
	restart = info->attrs[VSR_A_LOG_FILE] && !info->attrs[VSR_A_LOG_FORMAT];
	if (!vsr_nl_require(info, VSR_A_NAME, "missing instance name") ||
	    (!info->attrs[VSR_A_JOIN] && !restart &&
	     !vsr_nl_require(info, VSR_A_REPLICA, "missing replica index")) ||
	    (!restart && !vsr_nl_require(info, VSR_A_PEER, "missing peers"))) {
		vsr_nl_wipe_keys(info, true);
		return -EINVAL;
	}

	cfg = kzalloc(sizeof(*cfg), GFP_KERNEL);
	if (!cfg) {
		vsr_nl_wipe_keys(info, true);
		return -ENOMEM;
	}
	if (info->attrs[VSR_A_CLUSTER_ID])
		cfg->cluster_id = nla_get_u64(info->attrs[VSR_A_CLUSTER_ID]);
	if (info->attrs[VSR_A_REPLICA])
		cfg->replica = nla_get_u32(info->attrs[VSR_A_REPLICA]);
	cfg->joining = nla_get_flag(info->attrs[VSR_A_JOIN]);
	cfg->tun.heartbeat_ms = VSR_DEFAULT_HEARTBEAT_MS;
	cfg->tun.view_change_timeout_ms = VSR_DEFAULT_VIEW_CHANGE_TIMEOUT_MS;
	cfg->tun.client_timeout_ms = VSR_DEFAULT_CLIENT_TIMEOUT_MS;
	cfg->tun.log_retention = VSR_DEFAULT_LOG_RETENTION;
	vsr_nl_get_tunables(info, &cfg->tun);

	nlmsg_for_each_attr(attr, info->nlhdr, GENL_HDRLEN, rem) {
		if (nla_type(attr) != VSR_A_PEER)
			continue;
		if (cfg->n_peers == VSR_MAX_PEERS) {
			NL_SET_ERR_MSG_ATTR(info->extack, attr, "too many peers (at most 16)");
			ret = -EINVAL;
			goto out;
		}
		ret = vsr_nl_parse_peer(attr, &cfg->peers[cfg->n_peers], info->extack);
		if (ret)
			goto out;
		cfg->n_peers++;
	}
	if (cfg->n_peers && cfg->replica >= cfg->n_peers) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[VSR_A_REPLICA],
				    "replica index must be below the number of peers");
		ret = -EINVAL;
		goto out;
	}
	if (info->attrs[VSR_A_LOG_FORMAT] && !info->attrs[VSR_A_LOG_FILE]) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[VSR_A_LOG_FORMAT],
				    "log-format needs a log-file");
		ret = -EINVAL;
		goto out;
	}
	if (info->attrs[VSR_A_LOG_FILE]) {
		ret = vsr_nl_open_log(info, cfg);
		if (ret)
			goto out;
	}

	vsr_nl_get_keys(info, &kc, true);
	mutex_lock(&vsr_instances_lock);
	inst = vsr_instance_create(genl_info_net(info), nla_data(info->attrs[VSR_A_NAME]),
				   cfg, &kc, info->extack);
	mutex_unlock(&vsr_instances_lock);
	ret = PTR_ERR_OR_ZERO(inst);
out:
	vsr_nl_wipe_keys(info, true);
	kfree(cfg);
	return ret;
}

static struct vsr_instance *vsr_nl_lookup(struct genl_info *info)
{
	struct vsr_instance *inst;

	inst = vsr_instance_find(genl_info_net(info), nla_data(info->attrs[VSR_A_NAME]));
	if (!inst)
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[VSR_A_NAME],
				    "no such instance in this network namespace");
	return inst;
}

/**
 * vsr_nl_del_doit() - VSR_NL_CMD_DEL: destroy an instance
 * @skb: the request
 * @info: its parsed attributes
 *
 * Return: 0 or a negative errno.
 */
int vsr_nl_del_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct vsr_instance *inst;
	int ret = 0;

	if (!vsr_nl_require(info, VSR_A_NAME, "missing instance name"))
		return -EINVAL;
	mutex_lock(&vsr_instances_lock);
	inst = vsr_nl_lookup(info);
	if (inst)
		vsr_instance_destroy(inst);
	else
		ret = -ENOENT;
	mutex_unlock(&vsr_instances_lock);
	return ret;
}

/**
 * vsr_nl_get_doit() - VSR_NL_CMD_GET: configuration and status of an instance
 * @skb: the request
 * @info: its parsed attributes
 *
 * Return: 0 or a negative errno.
 */
int vsr_nl_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct vsr_instance *inst;
	struct sk_buff *msg;
	int ret;

	if (!vsr_nl_require(info, VSR_A_NAME, "missing instance name"))
		return -EINVAL;
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	mutex_lock(&vsr_instances_lock);
	inst = vsr_nl_lookup(info);
	if (inst)
		ret = vsr_nl_fill(msg, inst, info->snd_portid, info->snd_seq, 0,
				  VSR_NL_CMD_GET);
	else
		ret = -ENOENT;
	mutex_unlock(&vsr_instances_lock);
	if (ret) {
		nlmsg_free(msg);
		return ret;
	}
	return genlmsg_reply(msg, info);
}

/**
 * vsr_nl_get_dumpit() - VSR_NL_CMD_GET dump: every instance of the netns
 * @skb: the message to fill
 * @cb: the dump; cb->args[0] is the minor to resume at
 *
 * Return: the length of @skb, 0 at the end, or a negative errno.
 */
int vsr_nl_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct net *net = sock_net(skb->sk);
	struct vsr_instance *inst;
	unsigned long minor = cb->args[0];
	int ret = 0;

	mutex_lock(&vsr_instances_lock);
	while ((inst = vsr_instance_next(net, &minor))) {
		ret = vsr_nl_fill(skb, inst, NETLINK_CB(cb->skb).portid,
				  cb->nlh->nlmsg_seq, NLM_F_MULTI, VSR_NL_CMD_GET);
		if (ret)
			break;
		minor++;
	}
	mutex_unlock(&vsr_instances_lock);
	cb->args[0] = minor;
	if (ret && !skb->len)
		return ret;
	return skb->len;
}

/**
 * vsr_nl_set_doit() - VSR_NL_CMD_SET: change an instance's tunables or keys
 * @skb: the request
 * @info: its parsed attributes
 *
 * Return: 0 or a negative errno.
 */
int vsr_nl_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct vsr_key_change kc;
	struct vsr_instance *inst;
	struct vsr_tunables tun;
	int ntun, nkeys, ret;

	if (!vsr_nl_require(info, VSR_A_NAME, "missing instance name")) {
		vsr_nl_wipe_keys(info, false);
		return -EINVAL;
	}
	mutex_lock(&vsr_instances_lock);
	inst = vsr_nl_lookup(info);
	if (!inst) {
		ret = -ENOENT;
		goto out;
	}
	vsr_instance_tunables(inst, &tun);
	ntun = vsr_nl_get_tunables(info, &tun);
	nkeys = vsr_nl_get_keys(info, &kc, false);
	if (!ntun && !nkeys) {
		NL_SET_ERR_MSG(info->extack, "nothing to set: give at least one tunable or key");
		ret = -EINVAL;
		goto out;
	}
	ret = vsr_instance_set(inst, ntun ? &tun : NULL, nkeys ? &kc : NULL,
			       info->extack);
	if (!ret)
		vsr_nl_notify(inst, VSR_NL_CMD_SET_NTF);
out:
	mutex_unlock(&vsr_instances_lock);
	vsr_nl_wipe_keys(info, false);
	return ret;
}

/*
 * The instance that @info names, with a reference for a request that
 * sleeps without vsr_instances_lock; NULL (extack set) if there is none.
 */
static struct vsr_instance *vsr_nl_hold(struct genl_info *info)
{
	struct vsr_instance *inst;

	mutex_lock(&vsr_instances_lock);
	inst = vsr_nl_lookup(info);
	if (inst)
		kref_get(&inst->ref);
	mutex_unlock(&vsr_instances_lock);
	return inst;
}

/*
 * Answer a request that waited for its outcome: @ret if it failed, else
 * a @cmd reply in @msg (consumed either way) with the instance's name and
 * @attr = @val.
 */
static int vsr_nl_reply_u64(struct sk_buff *msg, struct genl_info *info,
			    const struct vsr_instance *inst, int ret, u8 cmd,
			    int attr, u64 val)
{
	void *hdr;

	if (ret)
		goto err;
	hdr = genlmsg_put_reply(msg, info, &vsr_genl_family, 0, cmd);
	ret = -EMSGSIZE;
	if (!hdr || nla_put_string(msg, VSR_A_NAME, inst->name) ||
	    nla_put_u64_64bit(msg, attr, val, VSR_A_PAD))
		goto err;
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
err:
	nlmsg_free(msg);
	return ret;
}

/**
 * vsr_nl_trim_doit() - VSR_NL_CMD_TRIM: discard records below an op
 * @skb: the request
 * @info: its parsed attributes
 *
 * Waits until the trim committed and took effect on this replica (it is
 * retried across view changes, like a write()), without holding
 * vsr_instances_lock meanwhile: a reference keeps the instance.  The reply
 * carries the instance's name and its new trim point.
 *
 * Return: 0 or a negative errno.
 */
int vsr_nl_trim_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct vsr_instance *inst;
	struct sk_buff *msg;
	u64 op, trim = 0;
	int ret;

	if (!vsr_nl_require(info, VSR_A_NAME, "missing instance name") ||
	    !vsr_nl_require(info, VSR_A_TRIM_POINT, "missing trim point"))
		return -EINVAL;
	op = nla_get_u64(info->attrs[VSR_A_TRIM_POINT]);
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	inst = vsr_nl_hold(info);
	if (!inst) {
		nlmsg_free(msg);
		return -ENOENT;
	}
	ret = vsr_node_trim(inst, op, &trim, info->extack);
	if (ret == -ERANGE)
		NL_SET_BAD_ATTR(info->extack, info->attrs[VSR_A_TRIM_POINT]);
	ret = vsr_nl_reply_u64(msg, info, inst, ret, VSR_NL_CMD_TRIM,
			       VSR_A_TRIM_POINT, trim);
	vsr_instance_put(inst);
	return ret;
}

/*
 * The peers of a RECONFIGURE, in their order, none twice.  Addresses that
 * are none of @inst's peers are new members: only as many as its peer
 * list has room for.
 */
static int vsr_nl_members(struct genl_info *info, struct vsr_instance *inst,
			  union vsr_sockaddr *addrs, u32 *n)
{
	u32 i, j, fresh = 0, n_peers = vsr_n_peers(&inst->cfg);
	const struct nlattr *attr;
	int rem, ret;

	*n = 0;
	/* The length of the list first: it says more than its 17th entry. */
	nlmsg_for_each_attr(attr, info->nlhdr, GENL_HDRLEN, rem) {
		if (nla_type(attr) == VSR_A_PEER && ++*n > VSR_MAX_PEERS) {
			NL_SET_ERR_MSG_ATTR(info->extack, attr, "too many peers (at most 16)");
			return -EINVAL;
		}
	}
	*n = 0;
	nlmsg_for_each_attr(attr, info->nlhdr, GENL_HDRLEN, rem) {
		if (nla_type(attr) != VSR_A_PEER)
			continue;
		ret = vsr_nl_parse_peer(attr, &addrs[*n], info->extack);
		if (ret)
			return ret;
		for (j = 0; j < *n; j++) {
			if (vsr_sockaddr_equal(&addrs[j], &addrs[*n])) {
				NL_SET_ERR_MSG_ATTR(info->extack, attr, "peer listed twice");
				return -EINVAL;
			}
		}
		for (i = 0; i < n_peers; i++)
			if (vsr_sockaddr_equal(&addrs[*n], &inst->cfg.peers[i]))
				break;
		if (i == n_peers) {
			if (n_peers + ++fresh > VSR_MAX_PEERS) {
				NL_SET_ERR_MSG_ATTR(info->extack, attr,
						    "no room for another address: an instance knows at most 16 peers");
				return -ENOSPC;
			}
		}
		(*n)++;
	}
	if (!*n) {
		NL_SET_ERR_MSG(info->extack, "missing peers: the new member list is empty");
		NL_SET_ERR_ATTR_MISS(info->extack, NULL, VSR_A_PEER);
		return -EINVAL;
	}
	return 0;
}

/**
 * vsr_nl_reconfigure_doit() - VSR_NL_CMD_RECONFIGURE: change the members
 * @skb: the request
 * @info: its parsed attributes
 *
 * Waits until the change committed and this replica took it (see
 * vsr_node_reconfigure()), holding a reference to the instance and no
 * lock.  The reply carries the instance's name and its new epoch.
 *
 * Return: 0 or a negative errno.
 */
int vsr_nl_reconfigure_doit(struct sk_buff *skb, struct genl_info *info)
{
	union vsr_sockaddr *addrs;
	struct vsr_instance *inst;
	struct sk_buff *msg;
	u32 n, epoch = 0;
	int ret;

	if (!vsr_nl_require(info, VSR_A_NAME, "missing instance name"))
		return -EINVAL;
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	/* Off the stack: the wait below is deep with a debug kernel. */
	addrs = kcalloc(VSR_MAX_PEERS, sizeof(*addrs), GFP_KERNEL);
	if (!msg || !addrs) {
		nlmsg_free(msg);
		kfree(addrs);
		return -ENOMEM;
	}
	inst = vsr_nl_hold(info);
	if (!inst) {
		nlmsg_free(msg);
		kfree(addrs);
		return -ENOENT;
	}
	ret = vsr_nl_members(info, inst, addrs, &n);
	if (!ret)
		ret = vsr_node_reconfigure(inst, addrs, n, &epoch, info->extack);
	ret = vsr_nl_reply_u64(msg, info, inst, ret, VSR_NL_CMD_RECONFIGURE,
			       VSR_A_EPOCH, epoch);
	vsr_instance_put(inst);
	kfree(addrs);
	return ret;
}

/**
 * vsr_netlink_init() - register the "vsr" generic netlink family
 *
 * Return: 0 or a negative errno.
 */
int vsr_netlink_init(void)
{
	int ret;

	ret = genl_register_family(&vsr_genl_family);
	if (ret)
		return ret;
	mutex_lock(&vsr_nl_lock);
	vsr_nl_registered = true;
	mutex_unlock(&vsr_nl_lock);
	return 0;
}

/**
 * vsr_netlink_exit() - unregister the family; waits for running ops
 */
void vsr_netlink_exit(void)
{
	mutex_lock(&vsr_nl_lock);
	vsr_nl_registered = false;
	mutex_unlock(&vsr_nl_lock);
	genl_unregister_family(&vsr_genl_family);
}
