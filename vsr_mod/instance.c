// SPDX-License-Identifier: GPL-2.0
/*
 * instance.c - vsr instances and their registry.
 *
 * Instances are indexed host-wide by minor in an xarray (their names are
 * device names, so they are unique across namespaces) and listed per
 * network namespace.  Both change only under vsr_instances_lock; the
 * xarray is also read under RCU by vsr_instance_get_by_minor().
 */

#include <linux/device.h>
#include <linux/kernel.h>
#include <linux/memcontrol.h>
#include <linux/notifier.h>
#include <linux/random.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/stringify.h>
#include <linux/xarray.h>
#include <net/netns/generic.h>
#include <net/ipv6.h>

#include "compat.h"
#include "instance.h"
#include "journal.h"
#include "netlink.h"
#include "node.h"
#include "wire.h"

DEFINE_MUTEX(vsr_instances_lock);

static DEFINE_XARRAY(vsr_minors);
static struct class *vsr_class;
static dev_t vsr_devt;
static unsigned int vsr_net_id __read_mostly;

struct vsr_net {
	struct list_head instances;
};

/* Device nodes are root-only; widening that is udev's business. */
static char *vsr_devnode(VSR_DEVNODE_CONST struct device *dev, umode_t *mode)
{
	if (mode)
		*mode = 0600;
	return NULL;
}

/**
 * vsr_name_to_minor() - parse an instance name
 * @name: "vsrlogN", N a decimal number below VSR_MAX_INSTANCES without
 *	leading zeros
 * @minor: set to N
 *
 * Return: 0, or -EINVAL if @name is not such a name.
 */
int vsr_name_to_minor(const char *name, unsigned int *minor)
{
	size_t plen = strlen(VSR_DEV_PREFIX);
	const char *num = name + plen;
	unsigned int n;

	if (strncmp(name, VSR_DEV_PREFIX, plen) || !*num)
		return -EINVAL;
	if (num[0] == '0' && num[1])
		return -EINVAL;
	if (num[0] < '0' || num[0] > '9' || kstrtouint(num, 10, &n))
		return -EINVAL;
	if (n >= VSR_MAX_INSTANCES)
		return -EINVAL;
	*minor = n;
	return 0;
}

/**
 * vsr_tunables_validate() - check tunables beyond the netlink policy ranges
 * @tun: the tunables
 * @extack: for the reason of a refusal
 *
 * Return: 0 or -EINVAL.
 */
int vsr_tunables_validate(const struct vsr_tunables *tun, struct netlink_ext_ack *extack)
{
	if (tun->heartbeat_ms < 10 || tun->heartbeat_ms > 60000) {
		NL_SET_ERR_MSG(extack, "heartbeat must be 10..60000 ms");
		return -EINVAL;
	}
	if (tun->view_change_timeout_ms < 2 * tun->heartbeat_ms ||
	    tun->view_change_timeout_ms > 600000) {
		NL_SET_ERR_MSG(extack,
			       "view-change timeout must be at least twice the heartbeat and at most 600000 ms");
		return -EINVAL;
	}
	if (tun->client_timeout_ms < 100 || tun->client_timeout_ms > 3600000) {
		NL_SET_ERR_MSG(extack, "client timeout must be 100..3600000 ms");
		return -EINVAL;
	}
	if (tun->log_retention > VSR_LOG_RETENTION_MAX) {
		NL_SET_ERR_MSG(extack, "retention must be at most 1048576 ops");
		return -EINVAL;
	}
	if (tun->wire_version &&
	    (tun->wire_version < VSR_WIRE_MIN || tun->wire_version > VSR_WIRE_MAX)) {
		NL_SET_ERR_MSG(extack, "wire-version must be 0 (the newest) or "
			       __stringify(VSR_WIRE_MIN) ".." __stringify(VSR_WIRE_MAX));
		return -EINVAL;
	}
	if (tun->encrypt > VSR_ENCRYPT_REQUIRE) {
		NL_SET_ERR_MSG(extack, "encrypt must be 0 (off), 1 (on) or 2 (require)");
		return -EINVAL;
	}
	return 0;
}

/**
 * vsr_sockaddr_equal() - whether two peer addresses are the same endpoint
 * @a: an address (AF_INET or AF_INET6)
 * @b: another
 *
 * Return: true if family, address and port match.
 */
bool vsr_sockaddr_equal(const union vsr_sockaddr *a, const union vsr_sockaddr *b)
{
	if (a->sa.sa_family != b->sa.sa_family)
		return false;
	if (a->sa.sa_family == AF_INET)
		return a->sin.sin_addr.s_addr == b->sin.sin_addr.s_addr &&
		       a->sin.sin_port == b->sin.sin_port;
	return ipv6_addr_equal(&a->sin6.sin6_addr, &b->sin6.sin6_addr) &&
	       a->sin6.sin6_port == b->sin6.sin6_port;
}

/**
 * vsr_config_validate() - check a complete instance configuration
 * @cfg: the configuration
 * @extack: for the reason of a refusal
 *
 * Return: 0 or -EINVAL.
 */
int vsr_config_validate(const struct vsr_config *cfg, struct netlink_ext_ack *extack)
{
	u32 i, j;

	if (cfg->n_peers < 1 || cfg->n_peers > VSR_MAX_PEERS) {
		NL_SET_ERR_MSG(extack, "need 1..16 peers");
		return -EINVAL;
	}
	if (cfg->replica >= cfg->n_peers) {
		NL_SET_ERR_MSG(extack, "replica index must be below the number of peers");
		return -EINVAL;
	}
	if (cfg->joining && cfg->n_peers != 1) {
		NL_SET_ERR_MSG(extack, "a joining instance has one peer: its own address");
		return -EINVAL;
	}
	for (i = 0; i < cfg->n_peers; i++) {
		const union vsr_sockaddr *p = &cfg->peers[i];

		if (p->sa.sa_family != AF_INET && p->sa.sa_family != AF_INET6) {
			NL_SET_ERR_MSG(extack, "peer address must be IPv4 or IPv6");
			return -EINVAL;
		}
		if ((p->sa.sa_family == AF_INET && !p->sin.sin_port) ||
		    (p->sa.sa_family == AF_INET6 && !p->sin6.sin6_port)) {
			NL_SET_ERR_MSG(extack, "peer port must not be 0");
			return -EINVAL;
		}
		for (j = 0; j < i; j++) {
			if (vsr_sockaddr_equal(p, &cfg->peers[j])) {
				NL_SET_ERR_MSG(extack, "duplicate peer address and port");
				return -EINVAL;
			}
		}
	}
	return vsr_tunables_validate(&cfg->tun, extack);
}

static void vsr_instance_release(struct kref *ref)
{
	struct vsr_instance *inst = container_of(ref, struct vsr_instance, ref);

	vsr_node_free(inst);
	vsr_journal_close(inst->cfg.journal);
	mem_cgroup_put(inst->memcg);
	kfree_rcu(inst, rcu);
}

/**
 * vsr_instance_put() - drop a reference to an instance
 * @inst: the instance, or NULL
 *
 * Process context: the last reference frees the engine state.
 */
void vsr_instance_put(struct vsr_instance *inst)
{
	if (inst)
		kref_put(&inst->ref, vsr_instance_release);
}

/**
 * vsr_instance_get_by_minor() - look up a live instance by device minor
 * @minor: the minor of /dev/vsrlogN
 *
 * For the character device's open(); any namespace.
 *
 * Return: the instance with a reference taken (vsr_instance_put() it), or
 * NULL if there is none.
 */
struct vsr_instance *vsr_instance_get_by_minor(unsigned int minor)
{
	struct vsr_instance *inst;

	rcu_read_lock();
	inst = xa_load(&vsr_minors, minor);
	if (inst && (READ_ONCE(inst->dead) || !kref_get_unless_zero(&inst->ref)))
		inst = NULL;
	rcu_read_unlock();
	return inst;
}

static const u8 vsr_event_cmd[__VSR_EVENT_MAX] = {
	[VSR_EVENT_VIEW]	= VSR_NL_CMD_VIEW_NTF,
	[VSR_EVENT_STATUS]	= VSR_NL_CMD_STATUS_NTF,
	[VSR_EVENT_PRIMARY]	= VSR_NL_CMD_PRIMARY_NTF,
	[VSR_EVENT_CONFIG]	= VSR_NL_CMD_SET_NTF,
	[VSR_EVENT_EPOCH]	= VSR_NL_CMD_EPOCH_NTF,
};

static void vsr_instance_event_work(struct work_struct *work)
{
	struct vsr_instance *inst = container_of(work, struct vsr_instance, event_work);
	int ev;

	/* Events of a starting engine go out after the instance's ADD. */
	if (READ_ONCE(inst->dead) || !READ_ONCE(inst->announced))
		return;
	for (ev = 0; ev < __VSR_EVENT_MAX; ev++)
		if (test_and_clear_bit(ev, &inst->events))
			vsr_nl_notify(inst, vsr_event_cmd[ev]);
}

/**
 * vsr_instance_event() - report an event to the "events" multicast group
 * @inst: the instance
 * @event: what happened
 *
 * Any context.  The notification (carrying the instance's state at the
 * time it is sent) goes out from a work item; events of one kind that
 * happen before it runs are coalesced.  Must not be called after
 * vsr_node_stop() returned.
 */
void vsr_instance_event(struct vsr_instance *inst, enum vsr_event event)
{
	if (WARN_ON_ONCE(event >= __VSR_EVENT_MAX) || READ_ONCE(inst->dead))
		return;
	set_bit(event, &inst->events);
	schedule_work(&inst->event_work);
}

/**
 * vsr_instance_tunables() - read the current tunables
 * @inst: the instance
 * @tun: filled with a consistent copy
 */
void vsr_instance_tunables(struct vsr_instance *inst, struct vsr_tunables *tun)
{
	spin_lock_bh(&inst->tun_lock);
	*tun = inst->cfg.tun;
	spin_unlock_bh(&inst->tun_lock);
}

/* Change the tunables: 0, -EINVAL or -ENOMEM (nothing changed then). */
static int vsr_instance_set_tunables(struct vsr_instance *inst,
				     const struct vsr_tunables *tun,
				     struct netlink_ext_ack *extack)
{
	int ret;

	lockdep_assert_held(&vsr_instances_lock);
	ret = vsr_tunables_validate(tun, extack);
	if (ret)
		return ret;
	/* The engine first: it may fail, and then nothing has changed. */
	ret = vsr_node_set_tunables(inst, tun);
	if (ret == -ENOMEM) {
		NL_SET_ERR_MSG(extack, "no memory to resize the log for that retention");
		return ret;
	}
	if (ret) {
		NL_SET_ERR_MSG(extack, "the engine refused these tunables");
		return ret;
	}
	spin_lock_bh(&inst->tun_lock);
	inst->cfg.tun = *tun;
	spin_unlock_bh(&inst->tun_lock);
	return 0;
}

/**
 * vsr_instance_set() - change the tunables or keys of a live instance
 * @inst: the instance
 * @tun: the complete new set of tunables, or NULL
 * @kc: a change of its keys, or NULL
 * @extack: for the reason of a refusal
 *
 * Caller holds vsr_instances_lock.  All or nothing: the new keys are
 * made first, the tunables applied, and only then the keys put in force.
 *
 * Return: 0, -EINVAL or -ENOMEM (nothing is changed then).
 */
int vsr_instance_set(struct vsr_instance *inst, const struct vsr_tunables *tun,
		     const struct vsr_key_change *kc, struct netlink_ext_ack *extack)
{
	struct vsr_tunables now;
	struct vsr_auth *keys = NULL;
	bool has_key, sends_key;
	u32 wire;
	int ret;

	lockdep_assert_held(&vsr_instances_lock);
	if (kc) {
		ret = vsr_node_keys_prepare(inst, kc, &keys, extack);
		if (ret)
			return ret;
	}
	/* A key needs the handshake, which is in wire format 2. */
	vsr_instance_tunables(inst, &now);
	wire = tun ? tun->wire_version : now.wire_version;
	if (kc) {
		has_key = vsr_auth_has_key(keys);
		sends_key = vsr_auth_sends_key(keys);
	} else {
		vsr_node_keys_held(inst, &has_key, &sends_key);
	}
	if (has_key && wire == 1) {
		NL_SET_ERR_MSG(extack, "a key needs wire format 2 or later (wire-version)");
		if (kc)
			vsr_node_keys_abort(keys);
		return -EINVAL;
	}
	/* So does a durable log: durability is told in HELLO. */
	if (inst->cfg.journal && wire == 1) {
		NL_SET_ERR_MSG(extack, "a durable instance needs wire format 2 or later (wire-version)");
		if (kc)
			vsr_node_keys_abort(keys);
		return -EINVAL;
	}
	/* Else nothing would go: there is no clear to fall back to. */
	if ((tun ? tun->encrypt : now.encrypt) && !sends_key) {
		NL_SET_ERR_MSG(extack, VSR_ENCRYPT_NEEDS_KEY);
		if (kc)
			vsr_node_keys_abort(keys);
		return -EINVAL;
	}
	if (tun) {
		ret = vsr_instance_set_tunables(inst, tun, extack);
		if (ret) {
			if (kc)
				vsr_node_keys_abort(keys);
			return ret;
		}
	}
	if (kc)
		vsr_node_keys_commit(inst, keys);
	return 0;
}

/**
 * vsr_instance_find() - look up an instance of a namespace by name
 * @net: the namespace
 * @name: the instance name
 *
 * Caller holds vsr_instances_lock, which keeps the result alive.
 *
 * Return: the instance or NULL.
 */
struct vsr_instance *vsr_instance_find(struct net *net, const char *name)
{
	struct vsr_instance *inst;
	unsigned int minor;

	lockdep_assert_held(&vsr_instances_lock);
	if (vsr_name_to_minor(name, &minor))
		return NULL;
	inst = xa_load(&vsr_minors, minor);
	if (inst && net_eq(inst->net, net))
		return inst;
	return NULL;
}

/**
 * vsr_instance_next() - iterate over the instances of a namespace
 * @net: the namespace
 * @minor: where to start; set to the minor of the instance returned
 *
 * Caller holds vsr_instances_lock.  Resume with *@minor + 1.
 *
 * Return: the instance with the lowest minor >= *@minor in @net, or NULL.
 */
struct vsr_instance *vsr_instance_next(struct net *net, unsigned long *minor)
{
	struct vsr_instance *inst;

	lockdep_assert_held(&vsr_instances_lock);
	xa_for_each_start(&vsr_minors, *minor, inst, *minor) {
		if (net_eq(inst->net, net))
			return inst;
	}
	return NULL;
}

/**
 * vsr_instance_create() - create, start and publish an instance
 * @net: the caller's network namespace, where the instance will live
 * @name: "vsrlogN"
 * @cfg: the configuration (copied; its journal is the instance's from now
 *	on, even when this fails)
 * @kc: its keys (only @kc->key, if any: a new instance has no second key)
 * @extack: for the reason of a refusal
 *
 * Caller holds vsr_instances_lock.  Sends VSR_NL_CMD_ADD_NTF.
 *
 * Return: the instance (owned by the registry) or an ERR_PTR().
 */
struct vsr_instance *vsr_instance_create(struct net *net, const char *name,
					 const struct vsr_config *cfg,
					 const struct vsr_key_change *kc,
					 struct netlink_ext_ack *extack)
{
	struct vsr_net *vn = net_generic(net, vsr_net_id);
	struct vsr_instance *inst;
	struct device *dev;
	unsigned int minor;
	int ret;

	lockdep_assert_held(&vsr_instances_lock);
	if (vsr_name_to_minor(name, &minor)) {
		NL_SET_ERR_MSG(extack, "instance name must be vsrlog<N>, N below 256");
		ret = -EINVAL;
		goto err_journal;
	}
	ret = vsr_config_validate(cfg, extack);
	if (ret)
		goto err_journal;

	/*
	 * What the instance keeps is charged to the creator's memory cgroup:
	 * allocations in its context by GFP_KERNEL_ACCOUNT, those of the
	 * engine's work items through @memcg.  (The minor's xarray slot is
	 * not: 256 of them at most, shared by the host.)
	 */
	inst = kzalloc(sizeof(*inst), GFP_KERNEL_ACCOUNT);
	if (!inst) {
		ret = -ENOMEM;
		goto err_journal;
	}
	inst->memcg = get_mem_cgroup_from_mm(current->mm);
	strscpy(inst->name, name, sizeof(inst->name));
	inst->minor = minor;
	inst->devt = MKDEV(MAJOR(vsr_devt), minor);
	inst->net = net;
	inst->cfg = *cfg;
	spin_lock_init(&inst->tun_lock);
	kref_init(&inst->ref);
	INIT_LIST_HEAD(&inst->net_node);
	INIT_WORK(&inst->event_work, vsr_instance_event_work);

	/* Host-wide: the name is a device name. */
	ret = xa_insert(&vsr_minors, minor, NULL, GFP_KERNEL);
	if (ret == -EBUSY) {
		NL_SET_ERR_MSG(extack, "an instance of that name exists (maybe in another network namespace)");
		ret = -EEXIST;
	}
	if (ret)
		goto err_free;

	ret = vsr_node_start(inst, kc, extack);
	if (ret) {
		if (!extack || !extack->_msg)
			NL_SET_ERR_MSG(extack, "cannot start the instance");
		goto err_release;
	}

	dev = device_create(vsr_class, NULL, inst->devt, inst, "%s", inst->name);
	if (IS_ERR(dev)) {
		ret = PTR_ERR(dev);
		NL_SET_ERR_MSG(extack, "cannot create the device");
		goto err_stop;
	}
	inst->dev = dev;

	/* The slot is reserved: this cannot fail. */
	xa_store(&vsr_minors, minor, inst, GFP_KERNEL);
	list_add_tail(&inst->net_node, &vn->instances);
	pr_debug("%s: created\n", inst->name);
	vsr_nl_notify(inst, VSR_NL_CMD_ADD_NTF);
	WRITE_ONCE(inst->announced, true);
	schedule_work(&inst->event_work);	/* what the start left pending */
	return inst;

err_stop:
	WRITE_ONCE(inst->dead, true);
	vsr_node_stop(inst);
err_release:
	WRITE_ONCE(inst->dead, true);
	cancel_work_sync(&inst->event_work);	/* events the engine sent while starting */
	xa_release(&vsr_minors, minor);
err_free:
	vsr_instance_put(inst);
	return ERR_PTR(ret);
err_journal:
	vsr_journal_close(cfg->journal);
	return ERR_PTR(ret);
}

/**
 * vsr_instance_destroy() - unpublish, stop and release an instance
 * @inst: the instance
 *
 * Caller holds vsr_instances_lock.  Sends VSR_NL_CMD_DEL_NTF.  Open files
 * keep their references; the engine has woken them with an error.
 */
void vsr_instance_destroy(struct vsr_instance *inst)
{
	lockdep_assert_held(&vsr_instances_lock);
	vsr_nl_notify(inst, VSR_NL_CMD_DEL_NTF);
	WRITE_ONCE(inst->dead, true);
	xa_erase(&vsr_minors, inst->minor);
	list_del_init(&inst->net_node);
	device_destroy(vsr_class, inst->devt);
	vsr_node_stop(inst);
	cancel_work_sync(&inst->event_work);
	pr_debug("%s: destroyed\n", inst->name);
	vsr_instance_put(inst);
}

static int __net_init vsr_net_init(struct net *net)
{
	struct vsr_net *vn = net_generic(net, vsr_net_id);

	INIT_LIST_HEAD(&vn->instances);
	return 0;
}

/* The namespace is going away: its instances (and sockets) go first. */
static void __net_exit vsr_net_pre_exit(struct net *net)
{
	struct vsr_net *vn = net_generic(net, vsr_net_id);
	struct vsr_instance *inst, *tmp;

	mutex_lock(&vsr_instances_lock);
	list_for_each_entry_safe(inst, tmp, &vn->instances, net_node)
		vsr_instance_destroy(inst);
	mutex_unlock(&vsr_instances_lock);
}

static void __net_exit vsr_net_exit(struct net *net)
{
	struct vsr_net *vn = net_generic(net, vsr_net_id);

	WARN_ON(!list_empty(&vn->instances));
}

static struct pernet_operations vsr_net_ops = {
	.init		= vsr_net_init,
	.pre_exit	= vsr_net_pre_exit,
	.exit		= vsr_net_exit,
	.id		= &vsr_net_id,
	.size		= sizeof(struct vsr_net),
};

/*
 * The machine was cloned or restored from a snapshot (vmgenid): every
 * instance draws a new nonce before it seals another datagram with keys
 * and counters that may have been used (keys.c, vsr_keys_vmfork()).
 */
static int vsr_vmfork_notify(struct notifier_block *nb, unsigned long action,
			     void *data)
{
	struct vsr_instance *inst;
	unsigned long minor;

	mutex_lock(&vsr_instances_lock);
	xa_for_each(&vsr_minors, minor, inst)
		vsr_node_vmfork(inst);
	mutex_unlock(&vsr_instances_lock);
	return NOTIFY_DONE;
}

static struct notifier_block vsr_vmfork_nb = {
	.notifier_call = vsr_vmfork_notify,
};

/**
 * vsr_instances_init() - set up the instance registry
 * @cls: the device class of /dev/vsrlogN (its devnode mode is set to 0600)
 * @devt: the first device number of the region of VSR_MAX_INSTANCES minors
 *
 * Also has every instance start new authentication sessions when the
 * machine is cloned or restored from a snapshot.
 *
 * Return: 0 or a negative errno.
 */
int vsr_instances_init(struct class *cls, dev_t devt)
{
	int ret;

	vsr_class = cls;
	vsr_devt = devt;
	cls->devnode = vsr_devnode;
	ret = register_pernet_device(&vsr_net_ops);
	if (ret)
		return ret;
	ret = register_random_vmfork_notifier(&vsr_vmfork_nb);
	if (ret)
		unregister_pernet_device(&vsr_net_ops);
	return ret;
}

/**
 * vsr_instances_exit() - destroy every instance of every namespace
 *
 * The generic netlink family must be unregistered already.
 */
void vsr_instances_exit(void)
{
	unregister_random_vmfork_notifier(&vsr_vmfork_nb);
	unregister_pernet_device(&vsr_net_ops);
	WARN_ON(!xa_empty(&vsr_minors));
	rcu_barrier();
}
