/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vsr_api.h - the interface between the VSR protocol core and its drivers
 * (the kernel glue in main.c and friends, and the simulator).
 *
 * A replica is a passive state machine.  The driver feeds it three inputs:
 * vsr_replica_receive() (a datagram from a peer), vsr_replica_tick() (time
 * passes; all timeouts are counted in ticks) and vsr_replica_submit() (a
 * client request), and calls vsr_replica_flush() after a batch of inputs so
 * that requests that arrived together leave in one PREPARE.  The core calls
 * back through struct vsr_ops, synchronously, from inside those calls.
 *
 * The core is not reentrant and takes no locks: the driver serialises all
 * calls for one replica (and must not call into the same replica from a
 * callback, except for the getters that only read it: vsr_replica_get_*(),
 * vsr_replica_peer_lag(), vsr_replica_log_entry(), vsr_replica_log_csum(),
 * vsr_replica_checkpoint(), vsr_replica_debug_show()).  Callbacks must not
 * sleep if the driver calls in atomic context.
 */
#ifndef _VSR_API_H
#define _VSR_API_H

#include "log.h"

enum vsr_replica_status {
	VSR_STATUS_NORMAL = 0,
	VSR_STATUS_VIEW_CHANGE = 1,
	VSR_STATUS_RECOVERING = 2,
	VSR_STATUS_FAILED = 3,	/* a safety invariant broke: stopped for good */
	/*
	 * Not a member of its epoch (a RECONFIG left it out): it serves
	 * older epochs the ops up to that RECONFIG, and does nothing else.
	 */
	VSR_STATUS_REMOVED = 4,
	/*
	 * Created to join a cluster (cfg.joining): it knows only its own
	 * identity, and waits for an EPOCH notice of an epoch that names it.
	 */
	VSR_STATUS_JOINING = 5,
};

/* @to of vsr_ops.send: the sender of the datagram being received. */
#define VSR_PEER_SENDER	0xffffu
/*
 * @to of vsr_ops.send from VSR_PEER_LEARNER on: learner @to -
 * VSR_PEER_LEARNER of the list vsr_ops.learners last gave.
 */
#define VSR_PEER_LEARNER	0x100u

/**
 * struct vsr_persist - what a durable replica asks its driver to write
 *	before it acts on it (cfg.durable)
 * @epoch: the epoch of @view
 * @view: the replica's view.  Its promises for a view it entered a view
 *	change for (ENTERED STARTVIEWCHANGE, DOVIEWCHANGE, the echo of a
 *	challenge; a new primary counting itself) wait until the view is on
 *	the disk: a restart must not forget them
 * @log_view: the view its log is whole for.  It acks as whole for that
 *	view (a backup's PREPAREOK, a primary counting itself) only once
 *	that is on the disk
 * @op: the head of its log when it asked (whole for @log_view)
 * @csum: that op's chain checksum
 * @ckpt: the op of its checkpoint.  The driver writes the checkpoint, and
 *	keeps the ring's ops above the one on the disk until it has: the
 *	replica reuses none of their slots before (vsr_log_room()), so that
 *	a restart finds every op from the checkpoint on
 * @flags: VSR_PERSIST_SERVICE once the replica has been normal: its disk
 *	is no longer fresh, and it must never bootstrap again.  Nothing is
 *	acked or led before that is written
 * @origin: e + 1 if the disk has held the replica's whole history since
 *	it entered epoch e without recovering (it bootstrapped e, or entered
 *	it as the member a RECONFIG recorded); 0 if not (a new disk, or one
 *	under a replica that recovered from the others before it entered an
 *	epoch so).  Such a disk would hold a switch to the next epoch had any
 *	incarnation made it, so it stands for the incarnation a RECONFIG
 *	recorded (protocol.rst, "The durable log")
 *
 * View 0 of the epoch the replica was created in needs no write (the
 * disk holds it).  A later epoch does, from its view 0: the replica acks
 * or appends there only once its switch to it is on the disk, or a
 * restart that forgot the switch could lead that view again.
 */
struct vsr_persist {
	u32 epoch;
	u32 view;
	u32 log_view;
	u32 csum;
	u64 op;
	u64 ckpt;
	u32 flags;
	u32 origin;
};

#define VSR_PERSIST_SERVICE	0x1	/* in service: normal once */
/*
 * Written while recovering (entering an epoch so, or taking a checkpoint
 * over): the log is not whole for the log view it names, and a restart
 * cannot go by it.  The replica clears it before it acks or leads again.
 */
#define VSR_PERSIST_RECOVERING	0x2

/**
 * struct vsr_core_config - per-replica configuration (the same on all replicas
 * of a cluster, except @replica and @seed)
 * @cluster: cluster id, in every header
 * @epoch: configuration epoch it starts in (0 for a new cluster)
 * @replica_count: n = 2f + 1 (1..VSR_REPLICAS_MAX)
 * @replica: this replica's index
 * @log_max: log capacity in ops (memory bound: log_max * record size)
 * @retain: committed ops kept after an automatic trim; 0 disables
 *	automatic trimming (then only explicit VSR_OP_TRIM requests trim)
 * @pipeline_max: most uncommitted ops the primary keeps in flight
 * @sessions_max: client table capacity
 * @heartbeat_ticks: primary sends COMMIT when idle this long
 * @view_change_ticks: backup gives up on a silent primary, and a stalled
 *	view change is abandoned, after this long
 * @abdicate_ticks: primary that heard no quorum for this long abdicates
 * @repair_ticks: retry interval for state transfer and recovery requests
 * @recovery_ticks: a recovery attempt that did not finish is restarted
 * @seed: seed of the core's PRNG (recovery nonces); from the driver
 * @gfp: allocation flags for every allocation the core makes
 * @epochs: take part in epoch changes (vsr_replica_reconfigure(), RECONFIG
 *	ops, EPOCH notices).  Off, the core refuses them and drops every
 *	message of another epoch, as modules without reconfiguration do.
 * @members: @replica_count identities of the members in index order,
 *	distinct (the kernel glue: their addresses), copied by
 *	vsr_replica_create(); NULL: the core numbers them by index.
 *	vsr_replica_get_config() points it at the replica's current list.
 * @joining: a new member's replica, which knows no configuration: with
 *	@replica_count 1, @replica 0, @epochs and its own identity as
 *	@members[0].  It waits in VSR_STATUS_JOINING until it hears of an
 *	epoch that names it (an EPOCH notice, or the answer to its request
 *	for one), then enters that epoch recovering.  It never bootstraps,
 *	and learns nothing from a cluster still in epoch 0 (which has no
 *	notice): a member of epoch 0 restarts with epoch 0's configuration.
 * @durable: the driver makes the log durable and says how far with
 *	vsr_replica_durable(); the replica acks (a backup's PREPAREOK, a
 *	primary counting itself) only ops it said are.  It also writes the
 *	views the replica asks for (ops->persist) and says when with
 *	vsr_replica_persisted(); the replica makes no promise for a view
 *	before, and acts in no epoch but @epoch (which the disk holds from
 *	the start) before its switch to it is written.  Off, every op is durable once in the log and every view
 *	once entered (the in-memory replica).
 * @persisted: with @durable, what the disk says was last written for the
 *	replica (zero for a new disk): the replica never asks for less, and
 *	counts it as written
 * @restore: with @durable, the replica restarts from its disk: it waits,
 *	silent, for vsr_replica_restore() (its first input) instead of
 *	recovering from the others
 * @start: with @durable and an @epoch above 0, the RECONFIG that started
 *	@epoch, as its disk holds it (vsr_replica_epoch_entry()); its list is
 *	@members.  Copied by vsr_replica_create(), which fails without it
 */
struct vsr_core_config {
	u64 cluster;
	u32 epoch;
	u32 replica_count;
	u32 replica;
	u32 log_max;
	u32 retain;
	u32 pipeline_max;
	u32 sessions_max;
	u32 heartbeat_ticks;
	u32 view_change_ticks;
	u32 abdicate_ticks;
	u32 repair_ticks;
	u32 recovery_ticks;
	u64 seed;
	gfp_t gfp;
	bool epochs;
	bool joining;
	bool durable;
	bool restore;
	struct vsr_persist persisted;
	const struct vsr_member_id *members;
	const struct vsr_entry *start;
};

/**
 * struct vsr_reply - outcome of a client operation
 * @type: VSR_OP_REGISTER, VSR_OP_DATA or VSR_OP_TRIM
 * @session: session id (REGISTER: the new session's id)
 * @request: request number (REGISTER: the nonce; TRIM: the target)
 * @op: op number of the record (REGISTER: = session id)
 * @err: 0, or -ESTALE when the session does not exist (evicted)
 */
struct vsr_reply {
	u32 type;
	u64 session;
	u64 request;
	u64 op;
	int err;
};

/*
 * struct vsr_core_status - externally visible replica state.  Copied on
 * every status callback: per-peer progress is vsr_replica_peer_lag().
 */
struct vsr_core_status {
	u32 status;
	u32 epoch;		/* configuration epoch (cfg.epoch) */
	u32 view;
	u32 log_view;
	u32 primary;
	u32 replica;		/* this replica's index in its epoch */
	u32 replica_count;	/* members of its epoch */
	bool is_primary;
	bool abdicated;
	u64 op;
	u64 commit;
	u64 trim;		/* first op still readable (checkpoint + 1) */
	u64 log_bytes;
	u64 view_changes;	/* views this replica entered */
	u64 unheard;		/* times it gave way as primary, hearing no quorum */
	u64 recoveries;		/* recoveries completed */
	u64 checkpoints;	/* checkpoints taken over from peers */
	u64 prepares;		/* PREPAREs sent as primary (not per peer) */
	u64 epochs;		/* epochs entered after the first */
	u64 epoch_nonce;	/* the change that started @epoch, 0: none */
	u64 durable;		/* last op it may ack (@op without cfg.durable) */
};

/**
 * struct vsr_ops - callbacks from the core to its driver
 * @send: send @len bytes to replica @to of the sender's epoch, or to
 *	VSR_PEER_SENDER (only from inside vsr_replica_receive() and
 *	vsr_replica_deliver(), whatever the datagram's epoch); the buffer is
 *	only valid during the call (copy it)
 * @reply: a client operation finished.  Called on every replica that
 *	applies the op (the driver picks its own sessions), and from
 *	vsr_replica_submit() when the answer is known locally
 * @commit: op @e was committed and applied, in op order; it is a record for
 *	readers iff e->flags & VSR_ENTRY_RECORD
 * @status: status, view, log view, primary or trim point changed
 * @members: optional: the replica entered @epoch as member @self of its
 *	@count members, @ids in index order (whether or not they are those
 *	of the epoch before, in the same order).  Called before anything is
 *	sent in that epoch, so that @send's @to means the new list's member
 *	from then on; the list is only valid during the call
 * @learners: optional: as a primary, the replica teaches the @count
 *	identities @ids (none of its epoch's members) the log from now on,
 *	so that they enter the next epoch caught up; @send's @to
 *	VSR_PEER_LEARNER + j means @ids[j] until the next call (@count 0:
 *	none).  A driver without it teaches nobody: new members then
 *	recover in the next epoch.  The list is only valid during the call
 * @persist: with cfg.durable (required then), write @p to the disk,
 *	superseding what earlier calls asked for, and call
 *	vsr_replica_persisted() with it once it is flushed: later, as an
 *	input of its own, never from inside this callback.  The log up to
 *	@p->op (as @p->csum chains it, from the checkpoint on) is written
 *	and flushed first: a record never reaches the disk before what it
 *	names.  If the log no longer holds that op so, a later call
 *	replaces this one.  Each call covers every earlier one (it never
 *	asks for less).  Never called without cfg.durable
 */
struct vsr_ops {
	void (*send)(void *ctx, unsigned int to, const void *buf, size_t len);
	void (*reply)(void *ctx, const struct vsr_reply *rep);
	void (*commit)(void *ctx, const struct vsr_entry *e);
	void (*status)(void *ctx, const struct vsr_core_status *st);
	void (*members)(void *ctx, u32 epoch, const struct vsr_member_id *ids,
			u32 count, u32 self);
	void (*learners)(void *ctx, const struct vsr_member_id *ids,
			 u32 count);
	void (*persist)(void *ctx, const struct vsr_persist *p);
};

/**
 * enum vsr_fetch_purpose - what a state transfer is for, set by its starter
 * @VSR_FETCH_REPAIR: a normal backup pulls from the primary of its view
 *	(whole for it) what it lacks.  Done once our log is whole for the
 *	view and holds the primary's op (vsr_follow_primary()).
 * @VSR_FETCH_VIEW_CHANGE: the primary-elect pulls the log chosen among
 *	the DOVIEWCHANGEs from its sender, which must still claim that log
 *	(@log_view, @op, @head of struct vsr_fetch).  Done once our log holds
 *	@op with checksum @head (vsr_fetch_done_view_change()).
 * @VSR_FETCH_RECOVERY: a recovering replica pulls the log of the primary of
 *	the view it recovers into (whole for that view).  Done once our log
 *	holds the head a chunk carries or the one the primary announced
 *	(@op, @head) (vsr_fetch_done_recovery()).
 * @VSR_FETCH_EPOCH: a replica that learned of the next epoch pulls the
 *	ops up to the RECONFIG that started it (@op, @head) from a member of
 *	that epoch (@epoch), then applies them and switches (epoch.c).
 */
enum vsr_fetch_purpose {
	VSR_FETCH_REPAIR,
	VSR_FETCH_VIEW_CHANGE,
	VSR_FETCH_RECOVERY,
	VSR_FETCH_EPOCH,
};

/**
 * struct vsr_core_fetch - the state transfer a replica is pulling, for its
 *	driver (tracing, debugging)
 * @active: a transfer is in progress; the other fields describe the last
 *	one started when it is not
 * @purpose: what it is for (enum vsr_fetch_purpose)
 * @source: replica it pulls from
 * @view: the view it is for
 * @next: next op it asks for
 * @target: the op that ends it: the op the log must hold (view change,
 *	recovery), or the primary's latest op known (repair)
 */
struct vsr_core_fetch {
	bool active;
	u32 purpose;
	u32 source;
	u32 view;
	u64 next;
	u64 target;
};

/**
 * struct vsr_restore - what a durable replica's disk holds, to restart
 *	from (vsr_replica_restore())
 * @ckpt: the checkpoint's op (that of cfg.persisted)
 * @ckpt_view: the view of its op
 * @ckpt_csum: its chain checksum
 * @table: the client table at @ckpt, @table_count sessions encoded as a
 *	NEWSTATE carries them
 * @table_count: sessions in @table
 * @entries: the entries the disk holds above @ckpt, from @ckpt + 1 on
 * @count: how many
 */
struct vsr_restore {
	u64 ckpt;
	u32 ckpt_view;
	u32 ckpt_csum;
	const u8 *table;
	u32 table_count;
	const struct vsr_entry *const *entries;
	u32 count;
};

struct vsr_replica;

/* Committed ops automatic trimming keeps unless configured otherwise. */
#define VSR_CORE_RETAIN_DEFAULT	4096

void vsr_core_config_defaults(struct vsr_core_config *cfg);
u32 vsr_core_log_max(const struct vsr_core_config *cfg);
struct vsr_replica *vsr_replica_create(const struct vsr_core_config *cfg,
				       const struct vsr_ops *ops, void *ctx);
void vsr_replica_destroy(struct vsr_replica *r);
int vsr_replica_receive(struct vsr_replica *r, const void *buf, size_t len);
int vsr_replica_deliver(struct vsr_replica *r, const struct vsr_msg *m);
void vsr_replica_tick(struct vsr_replica *r);
int vsr_replica_submit(struct vsr_replica *r, u32 type, u64 session,
		       u64 request, const void *data, u32 len);
void vsr_replica_flush(struct vsr_replica *r);
void vsr_replica_durable(struct vsr_replica *r, u64 op, u32 csum);
void vsr_replica_persisted(struct vsr_replica *r, const struct vsr_persist *p);
int vsr_replica_restore(struct vsr_replica *r, const struct vsr_restore *rs);
int vsr_replica_reconfigure(struct vsr_replica *r, u64 nonce,
			    const struct vsr_member_id *members, u32 count);
int vsr_replica_reconfigure_waits(const struct vsr_replica *r, u64 nonce,
				  const struct vsr_member_id *members,
				  u32 count, u32 *member);
void vsr_replica_get_config(const struct vsr_replica *r,
			    struct vsr_core_config *cfg);
int vsr_replica_set_tunables(struct vsr_replica *r,
			     const struct vsr_core_config *cfg);
int vsr_replica_set_retain(struct vsr_replica *r, u32 retain);
void vsr_replica_get_status(const struct vsr_replica *r,
			    struct vsr_core_status *st);
u64 vsr_replica_peer_lag(const struct vsr_replica *r, u32 peer);
const struct vsr_entry *vsr_replica_entry(const struct vsr_replica *r,
					  u64 op);
const struct vsr_entry *vsr_replica_log_entry(const struct vsr_replica *r,
					      u64 op);
bool vsr_replica_log_csum(const struct vsr_replica *r, u64 op, u32 *csum);
const struct vsr_entry_hdr *vsr_replica_epoch_entry(const struct vsr_replica *r,
						    const u8 **conf);
void vsr_replica_checkpoint(const struct vsr_replica *r,
			    struct vsr_restore *rs, u8 *table);
void vsr_replica_fail(struct vsr_replica *r);
void vsr_replica_get_fetch(const struct vsr_replica *r,
			   struct vsr_core_fetch *f);
void vsr_replica_debug_show(const struct vsr_replica *r,
			    __printf(2, 3) void (*print)(void *arg,
							 const char *fmt, ...),
			    void *arg);

#endif /* _VSR_API_H */
