/* SPDX-License-Identifier: GPL-2.0 */
/*
 * instance.h - vsr instances: one replica of one cluster, its /dev/vsrlogN
 * device and its place in the per-netns registry.
 *
 * Lifetimes (like wireguard's peers): an instance is created and destroyed
 * under vsr_instances_lock (netlink add/del, netns teardown, module unload).
 * Publication is through the minor-indexed xarray; lookups from other
 * contexts (the character device's open) take a reference under RCU with
 * vsr_instance_get_by_minor() and drop it with vsr_instance_put().  The
 * memory goes away after the last reference, after an RCU grace period.
 */
#ifndef _VSR_INSTANCE_H
#define _VSR_INSTANCE_H

#include <asm/barrier.h>
#include <linux/types.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/rcupdate.h>
#include <net/net_namespace.h>
#include <net/netlink.h>

struct mem_cgroup;
#include <uapi/linux/vsr.h>

struct class;
struct device;
struct vsr_key_change;
struct vsr_node;

/* Tunable defaults and the limits enforced beyond the netlink policy. */
#define VSR_DEFAULT_HEARTBEAT_MS		100
#define VSR_DEFAULT_VIEW_CHANGE_TIMEOUT_MS	1000
#define VSR_DEFAULT_CLIENT_TIMEOUT_MS		5000
#define VSR_DEFAULT_LOG_RETENTION		0
#define VSR_LOG_RETENTION_MAX			(1u << 20)

/**
 * union vsr_sockaddr - a peer's UDP endpoint
 * @sa: the family is in @sa.sa_family (AF_INET or AF_INET6)
 * @sin: IPv4 address and port, network byte order
 * @sin6: IPv6 address and port, network byte order
 */
union vsr_sockaddr {
	struct sockaddr sa;
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;
};

bool vsr_sockaddr_equal(const union vsr_sockaddr *a, const union vsr_sockaddr *b);

/**
 * struct vsr_tunables - what `vsradm set` may change on a live instance
 * @heartbeat_ms: interval of the primary's commit heartbeats
 * @view_change_timeout_ms: silence from the primary that starts a view change
 * @client_timeout_ms: a write not committed within this fails with ETIMEDOUT
 * @log_retention: committed ops kept by automatic trimming, 0 = the
 *	engine's default (4096); a change applies from the next commit
 * @wire_version: the newest wire format spoken, 0 = the newest the module
 *	speaks (version.c)
 * @encrypt: enum vsr_encrypt: encrypt every datagram but AUTH, and with
 *	VSR_ENCRYPT_REQUIRE accept no other (keys.c); needs a key to send with
 */
struct vsr_tunables {
	u32 heartbeat_ms;
	u32 view_change_timeout_ms;
	u32 client_timeout_ms;
	u64 log_retention;
	u32 wire_version;
	u8 encrypt;
};

/**
 * struct vsr_config - the configuration an instance is created with
 * @cluster_id: cluster identifier carried by every datagram
 * @replica: index of this replica in @peers
 * @n_peers: number of peers, 1..VSR_MAX_PEERS.  The list only grows:
 *	the engine appends the address of a member that a reconfiguration
 *	added (under its node lock, published with smp_store_release()), and
 *	an entry never changes once published; read it with vsr_n_peers()
 * @peers: endpoints, the first ones in replica order as added; the
 *	instance binds @peers[@replica]
 * @joining: created to join a cluster (vsradm add ... join): @peers is
 *	its own address only, until a reconfiguration names it
 * @tun: initial tunables
 * @journal: a durable instance's log file (journal.c), NULL in memory.
 *	vsr_instance_create() takes it, and the instance closes it
 */
struct vsr_config {
	u64 cluster_id;
	u32 replica;
	u32 n_peers;
	union vsr_sockaddr peers[VSR_MAX_PEERS];
	bool joining;
	struct vsr_tunables tun;
	struct vsr_journal *journal;
};

/* How many of @cfg->peers are published (each one's address complete). */
static inline u32 vsr_n_peers(const struct vsr_config *cfg)
{
	/* Pairs with the engine's smp_store_release() of a new count. */
	return smp_load_acquire(&cfg->n_peers);
}

/* Events an engine reports with vsr_instance_event(). */
enum vsr_event {
	VSR_EVENT_VIEW,		/* entered a new view */
	VSR_EVENT_STATUS,	/* replica status changed */
	VSR_EVENT_PRIMARY,	/* learned of a new primary */
	VSR_EVENT_CONFIG,	/* tunables changed or log trimmed */
	VSR_EVENT_EPOCH,	/* entered a new epoch, or was removed */
	__VSR_EVENT_MAX,
};

/**
 * struct vsr_instance - one replica of one cluster
 * @name: "vsrlogN", also the device name (/dev/vsrlogN)
 * @minor: N, the character device minor
 * @devt: the device number of /dev/@name
 * @net: the network namespace it was created in (not refcounted: the
 *	namespace's pre_exit destroys the instance first); its UDP socket
 *	belongs there
 * @cfg: configuration; everything but @cfg.tun and the peers the engine
 *	appends (@cfg.n_peers) is immutable after creation
 * @tun_lock: protects @cfg.tun (read it with vsr_instance_tunables())
 * @node: engine state, owned by vsr_node_start()/vsr_node_free()
 * @dead: set (under vsr_instances_lock) once the instance is unpublished;
 *	readers may test it with READ_ONCE()
 * @announced: its ADD notification is out; events wait for it
 * @ref: references: the registry's, open files', in-flight lookups'
 * @net_node: entry in the namespace's instance list
 * @dev: the device under the vsrlog class
 * @events: pending VSR_EVENT_* bits for @event_work
 * @event_work: sends the pending events as netlink notifications
 * @rcu: frees the instance after a grace period
 * @memcg: the memory cgroup of the process that created the instance (a
 *	reference; NULL without memory cgroups): the engine's work items
 *	charge what they allocate to it (see vsr_node_start())
 */
struct vsr_instance {
	char name[VSR_NAME_LEN];
	unsigned int minor;
	dev_t devt;
	struct net *net;
	struct vsr_config cfg;
	spinlock_t tun_lock;
	struct vsr_node *node;
	bool dead;
	bool announced;

	struct kref ref;
	struct list_head net_node;
	struct device *dev;
	unsigned long events;
	struct work_struct event_work;
	struct rcu_head rcu;
	struct mem_cgroup *memcg;
};

extern struct mutex vsr_instances_lock;

int vsr_instances_init(struct class *cls, dev_t devt);
void vsr_instances_exit(void);

int vsr_config_validate(const struct vsr_config *cfg, struct netlink_ext_ack *extack);
int vsr_tunables_validate(const struct vsr_tunables *tun, struct netlink_ext_ack *extack);
int vsr_name_to_minor(const char *name, unsigned int *minor);

struct vsr_journal;

struct vsr_instance *vsr_instance_create(struct net *net, const char *name,
					 const struct vsr_config *cfg,
					 const struct vsr_key_change *kc,
					 struct netlink_ext_ack *extack);
void vsr_instance_destroy(struct vsr_instance *inst);
struct vsr_instance *vsr_instance_find(struct net *net, const char *name);
struct vsr_instance *vsr_instance_next(struct net *net, unsigned long *minor);
int vsr_instance_set(struct vsr_instance *inst, const struct vsr_tunables *tun,
		     const struct vsr_key_change *kc, struct netlink_ext_ack *extack);
void vsr_instance_tunables(struct vsr_instance *inst, struct vsr_tunables *tun);

struct vsr_instance *vsr_instance_get_by_minor(unsigned int minor);
void vsr_instance_put(struct vsr_instance *inst);
void vsr_instance_event(struct vsr_instance *inst, enum vsr_event event);

#endif /* _VSR_INSTANCE_H */
