/* SPDX-License-Identifier: GPL-2.0 */
/*
 * node_priv.h - the replication engine of one instance: the protocol core,
 * its UDP socket, its timer and the clients of /dev/vsrlogN.
 *
 * Locking: @lock serialises every call into the core (which takes no locks
 * of its own) and guards the core's state.  The receive path (softirq)
 * only queues datagrams on @rxq, one queue per peer; a work item feeds
 * them to the core, taking the queues in turn.
 * @waiters_lock (taken inside @lock by the core's reply callback) guards
 * the list of writers waiting for their record to commit.
 *
 * The glue keeps no copy of the core's state to report: a status (netlink
 * GET and dump, the status ioctls) is one vsr_replica_get_status() snapshot
 * taken under @lock.  Only @commit and @trim are mirrored, for lockless
 * wait conditions; the core's callbacks update them (under @lock) in the
 * same step as the core's own state, so under @lock they are exact.
 *
 * Peers and members: the instance's peers (inst->cfg.peers, the addresses
 * it was created with) never change while the node runs, and every
 * per-peer field here is indexed by them.  The core numbers the members
 * of its epoch, which a reconfiguration may reorder or leave some peers
 * out of: @member_peer and @peer_member translate, and are rebuilt when
 * the core enters an epoch with other members (its members callback).
 */
#ifndef _VSR_NODE_PRIV_H
#define _VSR_NODE_PRIV_H

#include <linux/atomic.h>
#include <linux/hrtimer.h>
#include <linux/jiffies.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/skbuff.h>
#include <linux/time64.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "auth.h"
#include "instance.h"
#include "link.h"
#include "rxlimit.h"
#include "vsr_api.h"

struct dentry;
struct kvec;
struct socket;

/* Time is counted in ticks of this many milliseconds by the core. */
#define VSR_TICK_MS		10
#define VSR_TICK_NS		(VSR_TICK_MS * NSEC_PER_MSEC)
/* How late the tick timer may fire, so the kernel can batch wakeups. */
#define VSR_TICK_SLACK_NS	(100 * NSEC_PER_USEC)
/* Most ticks given to the core at once when the tick work ran late. */
#define VSR_TICKS_CATCH_UP	50
/* Send buffer of an instance's socket (bytes). */
#define VSR_SNDBUF		(32 << 20)
/*
 * Datagrams queued for the core before new ones are dropped; a peer's
 * address may fill its own queue up to its share, VSR_RXQ_MAX / n, and
 * VSR_RXQ_BYTES / n of memory (21 MiB at n = 3, 4 MiB at n = 16).
 */
#define VSR_RXQ_MAX		4096
#define VSR_RXQ_BYTES		(64 << 20)

/* @peer_durable: what a peer's HELLO said. */
#define VSR_PEER_DURABLE	1
#define VSR_PEER_IN_MEMORY	2

/* @member_peer and @peer_member of a member without a peer, and back. */
#define VSR_NO_PEER		0xffu
/* @rx_peer of a datagram from an address with no peer: see @rx_addr. */
#define VSR_RX_ADDR		0xfeu

/* Counters of struct vsr_stats that the engine keeps. */
enum vsr_counter {
	VSR_CNT_MSGS_IN,
	VSR_CNT_MSGS_OUT,
	VSR_CNT_DROP_NOT_PEER,
	VSR_CNT_DROP_CLUSTER,
	VSR_CNT_DROP_CHECKSUM,
	VSR_CNT_DROP_MALFORMED,
	VSR_CNT_DROP_STALE,
	VSR_CNT_DROP_NOMEM,
	VSR_CNT_SEND_ERRORS,
	VSR_CNT_DROP_VERSION,
	VSR_CNT_DROP_AUTH,
	VSR_CNT_MAX
};

/**
 * struct vsr_waiter - a client operation waiting for its outcome
 * @node: entry in vsr_node.waiters
 * @type: VSR_OP_* of the request
 * @session: session of the request (REGISTER: 0 until known)
 * @request: request number (REGISTER, NOOP: the nonce; TRIM: the target)
 * @call: entry in vsr_node.calls while vsr_node_call() submits it (under
 *	the node's lock), else empty
 * @data: the request's record (DATA), valid while @call is linked
 * @len: its length
 * @done: the reply arrived (set with release after @rep; read without
 *	the lock with acquire)
 * @rep: the reply
 * @wq: woken when @done is set (in the receive work, once it drops the
 *	node's lock)
 * @resubmitted: vsr_node.resubmit when vsr_node_process() last submitted
 *	the request again for it (under the node's lock)
 */
struct vsr_waiter {
	struct list_head node;
	struct list_head call;
	u32 type;
	u64 session;
	u64 request;
	const void *data;
	u32 len;
	bool done;
	struct vsr_reply rep;
	wait_queue_head_t wq;
	unsigned int resubmitted;
};

/* Status lines that wait for the log work, and their longest. */
#define VSR_OBS_LINES		8
#define VSR_OBS_LINE_LEN	160

/**
 * struct vsr_observe - what observe.c and debugfs.c keep per node (all
 *	under the node's lock)
 * @fetch: the core's state transfer as last seen, for the fetch events
 * @normal_view: the last view in which the replica was normal
 * @silent: peers reported silent (bit i: peer i)
 * @silent_heard: their last_heard when they were reported silent
 * @peer_check: jiffies of the next check for silent peers
 * @debugfs: the instance's directory in debugfs
 * @view_warned: the kernel log said that the view passed VSR_VIEW_WARN
 * @log_work: prints @lines, a little after they were written
 * @log_head: the oldest of @lines
 * @log_count: how many of @lines wait for @log_work
 * @lines: kernel log lines of status changes (vsr_observe_status())
 */
struct vsr_observe {
	struct vsr_core_fetch fetch;
	bool view_warned;
	u32 normal_view;
	u32 silent;
	unsigned long silent_heard[VSR_MAX_PEERS];
	unsigned long peer_check;
	struct dentry *debugfs;
	struct delayed_work log_work;
	u8 log_head;
	u8 log_count;
	char lines[VSR_OBS_LINES][VSR_OBS_LINE_LEN];
};

/**
 * struct vsr_node - the engine of one instance
 * @inst: the instance (the node lives and dies with it)
 * @lock: serialises calls into @core
 * @core: the protocol state machine
 * @sock: the UDP socket bound to the instance's own peer address
 * @rxq: datagrams received in softirq, for @rx_work, by sender's address
 * @rxq_len: how many datagrams @rxq holds in all
 * @rxq_bytes: how much memory each of @rxq holds (truesize)
 * @rx_next: the queue of @rxq that @rx_work takes from next
 * @rx_flow: each address's state for the flood limit (rxlimit.h)
 * @rx_load: whether @rx_work is behind, for the flood limit (rxlimit.h)
 * @rx_flood_share: VSR_RX_FLOOD_SHARE, unless a test changed it (debugfs)
 * @rx_flood_target_us: VSR_RX_FLOOD_TARGET in µs, likewise (U32_MAX:
 *	never behind, and no limit at all)
 * @rx_check_delay_us: a delay the receive work adds to each datagram's
 *	checks, 0 unless a test set it (debugfs): a receiver too slow for
 *	a forger inside a test's guest
 * @rx_flood_drops: datagrams dropped for their address's charges (also
 *	in drop-nomem; shown in debugfs)
 * @rx_work: feeds @rxq to the core
 * @tick_timer: fires at each tick boundary and queues @tick_work
 * @tick_work: drives the core's clock
 * @flush_work: sends what a request of the admin appended
 *	(vsr_node_reconfigure())
 * @clock_start: ktime_get_ns() when the clock started
 * @ticks: ticks given to the core since @clock_start (under @lock)
 * @rxbuf: linear copy of the datagram being processed
 * @read_wq: readers and pollers: the commit point moved, or the node died
 *	or failed
 * @waiters_lock: guards @waiters
 * @waiters: writers waiting for replies
 * @commit: the core's commit number: exact under @lock, READ_ONCE() for
 *	lockless peeks (wait conditions)
 * @trim: the core's trim point (first op still held), like @commit
 * @notified: the core's status as of its last status callback, only to
 *	tell what changed (events); never reported (under @lock)
 * @last_heard: jiffies of the last datagram from each peer, 0 = never
 * @members_epoch: the epoch whose members @member_peer maps (a removed
 *	replica keeps its last one: it speaks to those members only)
 * @n_members: members of that epoch
 * @member_peer: each member's peer, VSR_NO_PEER if it has none
 * @learner_peer: the peer of each learner that the core teaches as a
 *	primary (vsr_ops.learners), VSR_NO_PEER if it has none
 * @peer_member: each peer's index among the members, VSR_NO_PEER if it
 *	is none (written under @lock, also read without it as a filter)
 * @rx_peer: the peer whose datagram the core is being given (the
 *	VSR_PEER_SENDER of its answers), VSR_NO_PEER at other times, and
 *	VSR_RX_ADDR for a joining instance's datagram from an address it has
 *	no peer for (its members', before it knows them)
 * @rx_addr: that address, while @rx_peer is VSR_RX_ADDR
 * @joining: the core is joining (VSR_STATUS_JOINING): datagrams of
 *	unknown addresses are its too, queued on its own address's queue
 *	(written under @lock, read without it)
 * @grown: members were added to the peer list: its order is this
 *	instance's own, and HELLO and AUTH are known by address alone
 * @primary_peer: the primary's peer as last reported (primary events),
 *	VSR_NO_PEER for none (under @lock)
 * @wire_cap: the wire-version tunable, 0 = the newest (version.c)
 * @links: the wire format of each peer's link (version.c, under @lock)
 * @auth: the keys (keys.c): RCU, changed under @lock
 * @auth_nonce: this incarnation's nonce, for the authentication handshake
 * @sessions: the authentication session with each peer (keys.c)
 * @auth_sent_at: tick + 1 of the last AUTH to each peer, 0 = never
 *	(written under @lock, also read without it)
 * @stranger_secret: what a joining instance's challenges to addresses it
 *	has no peer for are derived from (keys.c), drawn with @auth_nonce
 * @stranger_sent_at: tick + 1 of its last AUTH to such an address, [0]
 *	answering an AUTH, [1] another datagram (written under @lock, also
 *	read without it)
 * @vmfork: the machine was cloned or restored from a snapshot: the
 *	receive work draws a new @auth_nonce (vsr_keys_vmfork())
 * @auth_renew: @auth still holds the keys of the old @auth_nonce, which
 *	nothing but AUTH may be sealed with (under @lock)
 * @encrypt: the encrypt tunable, enum vsr_encrypt (written under @lock,
 *	also read without it)
 * @tx_enc: the datagram being encrypted for sending (keys.c, under @lock);
 *	its out buffer holds VSR_AUTH_ENC_OUT_MAX bytes
 * @peer_auth: how each peer's last datagram was authenticated:
 *	struct vsr_auth_seen.auth, 3 for 2 and encrypted (written by the
 *	receive work only)
 * @peer_key_id: the key id it carried, if @peer_auth is 2
 * @peer_durable: what each peer's HELLO said of its log: 0 nothing yet,
 *	VSR_PEER_DURABLE or VSR_PEER_IN_MEMORY (written under @lock, also
 *	read without it)
 * @peer_recovery: the nonce of each peer's last RECOVERY (under @lock)
 * @hello_challenge: the challenge a durable node's HELLOs ask each peer
 *	with; only an answer that echoes it says what the peer is (under
 *	@lock)
 * @peer_challenge: the last challenge each peer asked with, echoed in
 *	every HELLO to it (under @lock)
 * @peer_drop_auth: datagrams from each peer that failed authentication
 * @cnt: counters, indexed by enum vsr_counter
 * @nonce: next session-registration nonce
 * @resubmit: bumped when a view starts normal operation: waiting writers
 *	resubmit at once instead of at their next retry
 * @calls: the requests of vsr_node_call() in progress (under @lock)
 * @kicked: a view or epoch started normal operation: vsr_node_process()
 *	submits every request of @calls again at once (under @lock)
 * @rx_locked: the receive work holds @lock: a kick wakes the waiters
 *	once it drops it (@kick_wake), not while it serves the switch, and
 *	a reply wakes its waiter as it drops @lock (@reply_wake)
 * @kick_wake: waiters to wake for a kick, once @lock is dropped
 * @reply_wake: waiters got their reply: wake them once @lock is dropped
 * @dead: set by vsr_node_stop(); everything blocked returns -ENODEV
 * @failed: set (under @lock) when the core reports VSR_STATUS_FAILED: it
 *	broke a safety invariant and stopped for good; everything blocked
 *	returns -EIO
 * @restoring: the core is being handed its disk (vsr_node_restore()):
 *	a refusal fails that core, which is replaced, not the node
 * @removed: set (under @lock) when the core reports VSR_STATUS_REMOVED:
 *	a reconfiguration left it out; readers get end of file after its
 *	last committed record, writers -EROFS
 * @obs: tracing, log lines and debugfs (observe.c, debugfs.c)
 */
struct vsr_node {
	struct vsr_instance *inst;
	struct mutex lock;
	struct vsr_replica *core;
	struct socket *sock;
	struct sk_buff_head rxq[VSR_MAX_PEERS];
	atomic_t rxq_len;
	atomic_t rxq_bytes[VSR_MAX_PEERS];
	unsigned int rx_next;
	struct vsr_rx_flow rx_flow[VSR_MAX_PEERS];
	struct vsr_rx_load rx_load;
	u32 rx_flood_share;
	u32 rx_flood_target_us;
	u32 rx_check_delay_us;
	atomic64_t rx_flood_drops;
	struct work_struct rx_work;
	struct hrtimer tick_timer;
	struct work_struct tick_work;
	struct work_struct flush_work;
	u64 clock_start;
	u64 ticks;
	u8 *rxbuf;
	wait_queue_head_t read_wq;
	spinlock_t waiters_lock;
	struct list_head waiters;
	u64 commit;
	u64 trim;
	struct vsr_core_status notified;
	unsigned long last_heard[VSR_MAX_PEERS];
	u32 members_epoch;
	u32 n_members;
	u8 member_peer[VSR_MAX_PEERS];
	u8 learner_peer[VSR_MAX_PEERS];
	u8 peer_member[VSR_MAX_PEERS];
	u8 rx_peer;
	union vsr_sockaddr rx_addr;
	bool joining;
	bool grown;
	u32 primary_peer;
	u8 wire_cap;
	struct vsr_link links[VSR_MAX_PEERS];
	struct vsr_auth __rcu *auth;
	u8 auth_nonce[VSR_AUTH_NONCE_SIZE];
	struct vsr_auth_peer sessions[VSR_MAX_PEERS];
	u64 auth_sent_at[VSR_MAX_PEERS];
	u8 stranger_secret[BLAKE2S_KEY_SIZE];
	u64 stranger_sent_at[2];
	atomic_t vmfork;
	bool auth_renew;
	u8 encrypt;
	struct vsr_auth_enc tx_enc;
	u8 peer_auth[VSR_MAX_PEERS];
	u32 peer_key_id[VSR_MAX_PEERS];
	u8 peer_durable[VSR_MAX_PEERS];
	u64 peer_recovery[VSR_MAX_PEERS];
	u32 hello_challenge[VSR_MAX_PEERS];
	u32 peer_challenge[VSR_MAX_PEERS];
	atomic64_t peer_drop_auth[VSR_MAX_PEERS];
	atomic64_t cnt[VSR_CNT_MAX];
	u64 nonce;
	unsigned int resubmit;
	struct list_head calls;
	bool kicked;
	bool rx_locked;
	bool kick_wake;
	bool reply_wake;
	bool dead;
	bool failed;
	bool restoring;
	bool removed;
	struct vsr_observe obs;
};

/*
 * Why clients of @node get nowhere: -ENODEV once it died, -EIO once its
 * core failed, else 0.  Lockless: for wait conditions too.
 */
static inline int vsr_node_error(const struct vsr_node *node)
{
	if (READ_ONCE(node->dead))
		return -ENODEV;
	if (READ_ONCE(node->failed))
		return -EIO;
	return 0;
}

/* The core's index of @peer's member in its epoch, or VSR_NO_PEER. */
static inline u32 vsr_node_member_of(const struct vsr_node *node, u32 peer)
{
	return peer < VSR_MAX_PEERS ? node->peer_member[peer] : VSR_NO_PEER;
}

/* The peer of the core's member @member of its epoch, or VSR_NO_PEER. */
static inline u32 vsr_node_peer_of(const struct vsr_node *node, u32 member)
{
	return member < VSR_MAX_PEERS ? node->member_peer[member] : VSR_NO_PEER;
}

static inline void vsr_count(struct vsr_node *node, enum vsr_counter c)
{
	atomic64_inc(&node->cnt[c]);
}

/*
 * Milliseconds from @heard (a @last_heard value) to @now.  The receive
 * path stores @last_heard after it drops @lock, so a reader that took
 * @now before may see a later @heard: that is 0 ms ago, not 49 days.
 */
static inline unsigned int vsr_heard_ms(unsigned long now, unsigned long heard)
{
	return time_after(heard, now) ? 0 : jiffies_to_msecs(now - heard);
}

/* socket.c */
int vsr_socket_open(struct vsr_node *node);
void vsr_socket_close(struct vsr_node *node);
struct sk_buff *vsr_socket_dequeue(struct vsr_node *node, int *peer);
void vsr_socket_purge(struct vsr_node *node);
int vsr_socket_payload(const struct sk_buff *skb, void *buf, size_t max);
void vsr_socket_send(struct vsr_node *node, unsigned int to,
		     const void *buf, size_t len);
void vsr_socket_send_raw(struct vsr_node *node, unsigned int to,
			 const void *buf, size_t len);
int vsr_socket_source(const struct sk_buff *skb, union vsr_sockaddr *addr);
void vsr_socket_send_to(struct vsr_node *node, const union vsr_sockaddr *addr,
			struct kvec *iov, size_t nr, size_t len);
void vsr_socket_send_addr(struct vsr_node *node,
			  const union vsr_sockaddr *addr, const void *buf,
			  size_t len);

/* keys.c */
struct vsr_key_change;
int vsr_keys_init(struct vsr_node *node, const struct vsr_key_change *kc,
		  struct netlink_ext_ack *extack);
void vsr_keys_exit(struct vsr_node *node);
int vsr_keys_seal(struct vsr_node *node, unsigned int to,
		  struct kvec *iov, size_t *nr, u8 *trailer);
void vsr_keys_kick(struct vsr_node *node, unsigned int peer);
int vsr_keys_rx(struct vsr_node *node, unsigned int peer, u8 *buf,
		size_t *len, bool *authenticated);
void vsr_keys_rx_refused(struct vsr_node *node, unsigned int peer, int ret);
bool vsr_keys_handshake(struct vsr_node *node, unsigned int peer,
			const struct vsr_msg *m, bool authenticated);
void vsr_keys_tick(struct vsr_node *node);
void vsr_keys_vmfork(struct vsr_node *node);
int vsr_keys_vmfork_request(struct vsr_node *node);
void vsr_keys_status(struct vsr_node *node, struct vsr_status *st);
void vsr_keys_peer_init(struct vsr_node *node, unsigned int peer);
void vsr_node_member_id(const union vsr_sockaddr *a, struct vsr_member_id *id);
bool vsr_node_member_addr(const struct vsr_member_id *id,
			  union vsr_sockaddr *a);
int vsr_keys_rx_stranger(struct vsr_node *node, const union vsr_sockaddr *from,
			 u8 *buf, size_t *len, bool *echoed);
void vsr_keys_stranger_peer(struct vsr_node *node, unsigned int peer);
void vsr_keys_stranger_answer(struct vsr_node *node,
			      const union vsr_sockaddr *from,
			      const struct vsr_msg *m);
void vsr_keys_stranger_refused(struct vsr_node *node,
			       const union vsr_sockaddr *from, int ret);

/* version.c */
struct vsr_msg;
u8 vsr_version_cap(const struct vsr_node *node);
u8 vsr_version_to(const struct vsr_node *node, unsigned int peer);
int vsr_version_rx(struct vsr_node *node, unsigned int peer,
		   const struct vsr_msg *m);
void vsr_version_tick(struct vsr_node *node);
void vsr_version_set_cap(struct vsr_node *node, u8 wire_version);
bool vsr_version_differs(const struct vsr_node *node, unsigned int peer);

/* node.c */
void vsr_node_process(struct vsr_node *node, u64 before);
void vsr_node_wait_add(struct vsr_node *node, struct vsr_waiter *w);
void vsr_node_wait_del(struct vsr_node *node, struct vsr_waiter *w);
int vsr_node_call(struct vsr_node *node, struct vsr_waiter *w,
		  const void *data, u32 len);
u64 vsr_node_new_nonce(struct vsr_node *node);

/* observe.c */
void vsr_observe_init(struct vsr_node *node);
void vsr_observe_start(struct vsr_node *node);
void vsr_observe_stop(struct vsr_node *node);
void vsr_observe_log_flush(struct vsr_node *node);
void vsr_observe_status(struct vsr_node *node,
			const struct vsr_core_status *old,
			const struct vsr_core_status *st);
void vsr_observe_step(struct vsr_node *node);
void vsr_observe_batch(struct vsr_node *node, u64 before);
void vsr_observe_peers(struct vsr_node *node);
void vsr_drop(struct vsr_node *node, enum vsr_counter reason, int peer,
	      int err);

/* debugfs.c: /sys/kernel/debug/vsr/<instance>/state */
#ifdef CONFIG_DEBUG_FS
void vsr_debugfs_init(void);
void vsr_debugfs_exit(void);
void vsr_debugfs_add(struct vsr_node *node);
void vsr_debugfs_remove(struct vsr_node *node);
#else
static inline void vsr_debugfs_init(void) { }
static inline void vsr_debugfs_exit(void) { }
static inline void vsr_debugfs_add(struct vsr_node *node) { }
static inline void vsr_debugfs_remove(struct vsr_node *node) { }
#endif

/* device.c */
int vsr_device_init(dev_t devt, unsigned int count);
void vsr_device_exit(void);

#endif /* _VSR_NODE_PRIV_H */
