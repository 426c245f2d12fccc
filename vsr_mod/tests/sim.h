/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sim.h - deterministic whole-cluster simulator for the vsr protocol core.
 */
#ifndef _VSR_SIM_H
#define _VSR_SIM_H

#include "../replica.h"

#define VSR_SIM_CLIENTS_MAX	8

/**
 * struct vsr_sim_params - what one seed runs
 * @seed: everything else random is derived from it
 * @trace: print events
 * @replicas: 0 = random: 1..7 (even n included), now and then up to
 *	VSR_REPLICAS_MAX, and with changes of epoch sometimes up to three
 *	more nodes that start as joining replicas
 * @fault_ticks: length of the fault phase
 * @live_ticks: budget for convergence after the faults stop
 * @big_records: allow records up to VSR_RECORD_MAX
 * @small_records: records of at most 256 bytes (cheap seeds for KUnit)
 * @scripted: no random faults, no random client activity (tests drive it)
 * @paper_truncate_defect: re-enact the 2012 paper's state-transfer step
 *	(truncate the log to the commit number on learning of a later view
 *	from its primary, keeping the log view) in every replica, so that a
 *	test can show that it loses committed ops; see sim_paper_truncate()
 * @swarm: each seed enables a random subset of the fault kinds (swarm
 *	testing); otherwise every kind is enabled, at random intensities
 * @joiners: nodes beyond @replicas that start as joining replicas
 *	(scripted tests; random seeds draw their own)
 * @kernel_warn: native builds: a core WARN is printed but is not itself a
 *	violation, as in the kernel; the checker (or VSR_STATUS_FAILED) must
 *	see its consequences
 */
struct vsr_sim_params {
	u64 seed;
	bool trace;
	u32 replicas;
	u32 fault_ticks;
	u32 live_ticks;
	bool big_records;
	bool small_records;
	bool scripted;
	bool paper_truncate_defect;
	bool swarm;
	bool kernel_warn;
	u32 joiners;
	u32 disk_max;
	u32 rounds;		/* deliveries per tick (0: drawn per seed) */
};

/*
 * struct vsr_sim_result - counters of one or many seeds
 */
struct vsr_sim_result {
	u64 seeds;
	u64 ops;
	u64 records;
	u64 acked;
	u64 view_changes;
	u64 recoveries;
	u64 violations;
	u64 ticks;
	u64 messages;
	u64 checkpoints;
	u64 evictions;
	u64 barriers;
	u64 live_max;		/* most ticks any seed needed to converge */
	u64 chunks;		/* NEWSTATEs with more of the log to come */
	u64 chunks_ckpt;	/* ... of which carry a checkpoint */
	u64 replays;		/* old datagrams delivered again */
	u64 alloc_fails;	/* core allocations failed on purpose */
	u64 episodes;		/* targeted fault schedules started */
	u64 reconfigs;		/* RECONFIG ops appended */
	u64 shrinks;		/* ... of which leave members out */
	u64 forwarded;		/* ... of which a backup forwarded */
	u64 grows;		/* ... of which add new members */
	u64 joins;		/* joining replicas that entered an epoch */
	u64 learned;		/* ... normal: taught, and recorded */
	u64 epochs;		/* most epochs a seed went through */
	u64 wedged;		/* seeds left at the incarnation model's limit */
	u64 power_early;	/* ... by a power loss before a quorum served */
	u64 restores;		/* restarts from a disk */
	u64 restores_epoch;	/* ... of an epoch above 0 */
	u64 power_losses;	/* the whole cluster at once */
	u64 restores_refused;	/* disks a restart could not use */
	u64 lowered;		/* records lowered before a batch (sim_lower()) */
	u64 raised;		/* records raised to the durable head */
	u64 torn;		/* crashes that landed part of a write in flight */
	u64 damaged;		/* restarts from a disk damaged below its head */
	u64 stale;		/* ... one of those by a lost or misdirected write */
	u64 copy_faults;	/* faults in one copy of a slot (its mirror good) */
	u64 mended;		/* slots a restart read from their other copy */
	u64 wiped;		/* restarts on a new disk (the old one dead) */
	u64 flush_failed;	/* flushes that failed, failing their replica */
	u64 quiet;		/* healed clusters watched for a needless abdication */
	u64 quiet_ok;		/* ... through the whole watch, nobody down */
	u64 subtick;		/* seeds with several deliveries per tick */
	u64 held;		/* batches after which a primary held ops back */
};

struct vsr_sim;
struct vsr_sim_pkt;

/*
 * One entry on a simulated disk: its chain checksum and its parent's.  The
 * disk's ring has two copies (disk.h); a copy lost to a latent sector
 * error reads back bad at a restart, one lost to a lost write reads back
 * as the entry it held before, and the restart takes the copy written last
 * (vsr_disk_slot_pick()).  A lost slot stays written for the checks: it was
 * on the disk when its op was acked.
 */
#define VSR_SIM_COPIES	3	/* both copies, in @lost and @stale */
struct vsr_sim_slot {
	u32 csum;
	u32 parent;
	bool written;
	u8 lost;		/* copies (bit c: copy c) that lost the entry */
	u8 stale;		/* ... and read back as @prev */
	bool read;		/* a restart read it since its last fault */
	struct vsr_entry *e;	/* a copy, to restart from */
	struct vsr_entry *prev;	/* the entry of an older view it replaced */
};

/* A checkpoint on a simulated disk, its client table encoded. */
struct vsr_sim_ckpt {
	u64 op;
	u32 view;
	u32 csum;
	u32 count;
	u8 *table;
	u64 table_cap;
	/* The RECONFIG that started the record's epoch (op 0: none, epoch 0) */
	struct vsr_entry_hdr ep;
	u8 ep_conf[VSR_RECONFIG_SIZE(VSR_REPLICAS_MAX)];
};

/* One simulated replica slot. */
struct vsr_sim_node {
	struct vsr_sim *sim;
	u32 idx;
	struct vsr_replica *r;
	bool up;
	u64 incarnation;
	u64 down_until;
	u64 last_commit;	/* last commit seen, this incarnation */
	u64 last_applied;	/* last op delivered by ops->commit */
	bool recovering;	/* restarted, not yet normal */
	u64 paused_until;	/* stalled: no ticks, no deliveries */
	u32 skew_pm;		/* per mille of ticks this clock misses */
	u32 fast_pm;		/* per mille of steps it ticks twice */
	u64 ckpt_seen;		/* checkpoint op last checked */
	bool recovered;		/* just recovered: replay its old messages */
	bool late;		/* first start at down_until, not at 0 */
	u32 seen_epoch;		/* newest epoch this incarnation reported */
	bool entered_normal;	/* ... and it entered that epoch normal */
	bool joining;		/* this incarnation started as a joiner */
	bool rejoin;		/* removed, then added again: starts joining */
	/* Restarted from a disk that holds its history, of this epoch */
	u32 restored_from;
	/* Its epoch's members, as its disk names them at a restart */
	struct vsr_member_id start_ids[VSR_REPLICAS_MAX];
	/* While it is created: its epoch's members (NULL: by number) */
	const struct vsr_member_id *ids;
	u32 n_ids;
	bool power;		/* lost power with all the others: from its disk */
	u32 led_epoch;		/* the (epoch, view) it last sent a PREPARE in */
	u32 led_view;
	bool led;
	u64 doom_at;		/* crashes then, its last datagrams lost */
	u64 start_tick;		/* when this incarnation started */
	u64 crash_tick;		/* when the last one crashed */
	/* Each node's last PREPAREOK here: its incarnation, and our tick. */
	u64 ok_inc[VSR_REPLICAS_MAX];
	u64 ok_at[VSR_REPLICAS_MAX];
	/* Its disk (cfg.durable): one flush at a time, of the log's head. */
	bool flushing;
	bool disk_stuck;	/* a scripted test's: no flush completes */
	bool record_held;	/* a scripted test's: no record write starts */
	/* A scripted test's: 1 from its disk, 2 not, 3 from it damaged */
	u32 restore_mode;
	u64 flush_at;
	u64 flush_op;
	u32 flush_csum;
	u64 reported;		/* highest op reported durable, this incarnation */
	u64 w_op;		/* the last op the last flush wrote, and its */
	u32 w_csum;		/* checksum (what the kernel's journal raises to) */
	/* Its last PREPAREOK naming an op, kept across crashes. */
	u64 ack_op;
	u32 ack_csum;
	u32 ack_epoch;
	u32 ack_log_view;
	/* The last of those before its disk was wiped (sim_wipe()). */
	u64 wiped_ack_op;
	u32 wiped_ack_csum;
	u32 wiped_ack_epoch;
	u32 wiped_ack_log_view;
	u32 wiped_epoch;	/* the highest epoch a wiped disk held */
	u32 reported_csum;
	/*
	 * What the disk holds, kept across crashes: for each op, the entry
	 * last written there (a shorter log written later leaves the ops
	 * above it as they were), and the checkpoint's checksum.  The flush
	 * in flight writes ops flush_from..flush_op as they were when it
	 * began.
	 */
	struct vsr_sim_slot *disk;
	u64 disk_cap;
	u64 disk_ring;		/* slots of the disk's ring, fixed at format */
	struct vsr_sim_ckpt disk_ck;
	struct vsr_sim_slot *flush_buf;
	u64 flush_cap;
	u64 flush_from;
	/*
	 * Views written for the replica (ops->persist), one at a time after
	 * the log's flush: the last asked for, the one in flight, and the
	 * last this incarnation was told of.
	 */
	bool view_asked;
	struct vsr_persist view_want;
	struct vsr_sim_ckpt want_ck;
	bool view_writing;
	u64 view_at;
	struct vsr_persist view_write;
	struct vsr_sim_ckpt write_ck;
	struct vsr_persist view_done;
	struct vsr_persist disk_view;	/* the last written, kept across crashes */
	/*
	 * This incarnation took the disk (formatted it, restored from it, or
	 * wrote a record of its own since), so it keeps the disk's record
	 * true (sim_lower()); a restart must then be able to use it.
	 */
	bool disk_taken;
	bool view_lowered;	/* the record in flight is a lowered one */
	bool view_raised;	/* ... a raised one (sim_raise()) */
	u64 window_crash_at;	/* a targeted crash in the lowering's window */
	/* The record reported before the last, sent again now and then. */
	struct vsr_persist stale_view;
};

/* One simulated client (a session on some replica). */
struct vsr_sim_client {
	u32 origin;
	u64 session;
	u64 nonce;
	u64 last_request;
	bool busy;		/* an operation is outstanding */
	bool registering;
	bool barrier;		/* the operation is a NOOP read barrier */
	u64 barrier_floor;	/* highest op committed when it was issued */
	u64 request;
	u32 len;
	u32 data_csum;
	u64 first_tick;
	u64 last_try;
	u64 acked;
	u64 failed;
};

/* The committed history: the first replica to apply op n defines it. */
struct vsr_sim_golden {
	bool set;
	bool record;
	u8 type;
	u32 checksum;
	u32 data_csum;
	u64 session;
	u64 request;
	bool ckpt_set;		/* a replica had its checkpoint at this op */
	u32 ckpt_hash;		/* of that checkpoint's view and client table */
};

/* A captured datagram, for replay long after it was sent. */
struct vsr_sim_old {
	u64 incarnation;	/* of the sender */
	u32 from;
	u32 to;
	u32 len;
	u8 *buf;
};

#define VSR_SIM_OLD_MAX	16

/*
 * A targeted fault schedule (an "episode"), drawn at random moments with
 * random roles and durations; see sim_episode() in sim.c.
 */
struct vsr_sim_episode {
	u32 kind;		/* 0: none */
	u32 p;			/* the primary */
	u32 b;			/* the replica that crashes and recovers */
	u64 b_inc;		/* its incarnation whose messages are held */
	u32 deaf;		/* replicas that do not hear p (bit mask);
				 * (laggards) the laggards; (deposed) p and b,
				 * if the others' change keeps them
				 */
	bool vc_to_p;		/* view-change messages to p are lost;
				 * (laggards) they are cut off; (deposed) b
				 * pulls, not p
				 */
	bool crashed;		/* b crashed (promise); b is back (aside);
				 * p and b run again (deposed)
				 */
	bool cut;		/* p isolated (stale tail); b aside (aside);
				 * the pull stalls (deposed)
				 */
	u64 hold;		/* b's view-change messages arrive this late
				 * (promise); ops b holds past the others
				 * (aside); chunks of the pull that arrive
				 * (deposed)
				 */
	u64 until;		/* the episode ends */
	u64 ops;		/* (deposed) ops the others commit past p's
				 * head before they change the epoch;
				 * (dropped) k, p's change
				 */
	u32 k_csum;		/* (dropped) k's checksum */
	u64 first;		/* (dropped) p's first op that reaches nobody */
	u64 since;		/* (dropped) when first was found */
	u64 lag;		/* (deposed) p and b stall at this tick; b
				 * misses p's PREPAREs until then (while p
				 * teaches d: how long after d caught up)
				 */
	u64 head0;		/* (dropped) p's head when it started */
	u32 view;		/* (dropped) the view before d's */
	bool lasts;		/* (dropped) the faults go on until it ends */
	u32 d;			/* (dropped) the primary of p's next view;
				 * (deposed) the spare that p teaches and
				 * the others' change adds, or U32_MAX
				 */
	u32 step;		/* (dropped) see sim_dropped(); (deposed)
				 * DP_TEACH while p teaches d
				 */
};

typedef bool (*vsr_sim_filter_t)(struct vsr_sim *s, u32 from, u32 to,
				 const u8 *buf, size_t len);

struct vsr_sim {
	struct vsr_sim_params p;
	u64 rng;
	/*
	 * The disks' own stream, so that seeds without slow disks draw as
	 * they did before them; disk_max: a flush takes 0..disk_max ticks
	 * (0: no disks, every op durable once in the log).
	 */
	u64 disk_rng;
	u64 power_at;		/* every replica loses power then (0: never) */
	u32 disk_max;
	/*
	 * Disk damage, from a stream of its own: a crash lands any part of
	 * the write in flight, tearing slots (sim_disk_crash()); a restart
	 * now and then finds a slot below the record's head unreadable.
	 * damage_left: how many more of the last power loss's disks may be.
	 */
	u64 tear_rng;
	bool tear;
	bool raise;		/* the driver raises its records' heads */
	u32 damage_pm;
	u32 damage_left;
	/*
	 * More disk faults, from a stream of their own (so that the seeds
	 * above draw as they did): restarts that find a slot holding what
	 * it held before its last write (a lost write, or a misdirected one
	 * that also hit another slot), a disk wiped (its admin formats a
	 * new one), flushes that fail (and fail the replica).
	 */
	u64 fault_rng;
	u32 lostw_pm;		/* of the restarts from a disk, per mille */
	u32 copy_pm;		/* ... that find faults in single copies */
	u32 wipe_pm;		/* of the restarts */
	u32 flush_fail_pm;	/* of the flushes */
	/* Each vsradm set gives its replica a retention of its own. */
	u64 mix_rng;
	bool retain_mix;
	/*
	 * Deliveries per tick, from a stream of their own.  In the kernel a
	 * round trip takes a fraction of a tick, so that what a primary holds
	 * back until a commit or the next tick (Nagle's rule, vsr_flush()),
	 * a learner's request waiting for the next commit and a held-back
	 * ack wait across several batches of datagrams.  With one delivery
	 * per tick, the tick that follows every batch releases them all.
	 * Datagrams are due at a round: now * rounds + round.
	 */
	u64 round_rng;
	u32 rounds;
	u32 round;
	u64 now;
	u32 n;			/* nodes */
	u32 n0;			/* epoch 0's members: nodes 0..n0-1 */
	struct vsr_core_config cfg;
	struct vsr_sim_node node[VSR_REPLICAS_MAX];
	u32 nclients;
	struct vsr_sim_client client[VSR_SIM_CLIENTS_MAX];

	/* network */
	struct vsr_sim_pkt *pkt;
	u32 npkt;
	u32 pkt_cap;
	bool block[VSR_REPLICAS_MAX][VSR_REPLICAS_MAX];
	u32 loss_pm;		/* per mille */
	u32 dup_pm;
	u32 corrupt_pm;
	u32 delay_min;		/* every datagram takes longer than this */
	u32 delay_max;
	u32 fixed_delay;		/* scripted: every datagram takes this long */
	bool fifo;		/* scripted: those due at once arrive as sent */
	u64 part_until;
	vsr_sim_filter_t filter;
	void *filter_ctx;
	/* sim_quiet(): notices of an epoch between two of its members */
	bool count_notices;
	u32 own_notices;
	u32 own_answers;	/* ... that answer one (arg1) */
	u8 *free[256];		/* small packet buffers for reuse */
	u32 nfree;
	u8 *buf;		/* client record scratch */

	/* faults */
	u32 crash_pm;		/* per 10000 ticks */
	u32 pause_pm;
	u32 part_pm;
	u32 issue_pm;
	bool faults;
	u32 swarm;		/* enabled fault kinds (bit per enum sim_sw) */
	u32 long_pm;		/* per 10000 datagrams: delayed for hundreds */
	u32 replay_pm;		/* per 10000 ticks: an old datagram again */
	u32 alloc_ppm;		/* per million core allocations: failure */
	u32 big_pm;		/* per mille of records: 16..60 KiB */
	u32 trim_pm;		/* per mille of ticks: an explicit trim */
	bool quick;		/* crashed replicas may restart at once */
	u32 stagger;		/* first starts spread over this many ticks */
	bool creating;		/* no allocation failures: vsr_replica_create */
	struct vsr_sim_old old[VSR_SIM_OLD_MAX];
	u32 promise_pm;		/* per 10000 ticks: a forgotten promise */
	u32 stale_pm;		/* per 10000 ticks: a stale recovery tail */
	u32 aside_pm;		/* per 10000 ticks: a member set aside */
	u32 laggards_pm;	/* per 10000 ticks: a change keeps laggards */
	u32 deposed_pm;		/* per 10000 ticks: a primary deposed unawares */
	u64 deposed_rng;	/* ... drawn from a stream of its own */
	u32 dropped_pm;		/* per 10000 ticks: a view drops the change */
	u64 dropped_rng;	/* ... drawn from a stream of its own */
	u32 epoch_pm;		/* per 10000 ticks: a change of epoch */
	u32 doom_pm;		/* per mille: a change's proposer dies */
	u32 shrink_pm;		/* per mille of changes: members left out */
	u32 grow_pm;		/* per mille of changes: new members */
	u64 epoch_nonce;
	u32 pend_epoch;		/* the change being tried starts this epoch */
	u32 pend_count;		/* ... with these members (0: the same) */
	bool pend_grow;		/* ... some of them new */
	/*
	 * A power loss came before a quorum of the newest epoch's members had
	 * been in service and were up: those restart from their disks, the
	 * others recover, and neither kind can go on (durability.rst, a known
	 * limit).  Counted, not failed.
	 */
	bool power_early;
	bool beyond_f;		/* a crash took an epoch past its f, counting
				 * laggards that lack its k (sim_unhealthy_in())
				 */
	u64 pend_since;		/* ... drawn then */
	struct vsr_member_id pend_ids[VSR_REPLICAS_MAX];
	u32 sender;		/* node whose datagram is being delivered */
	/* the newest epoch any replica entered, and the one before */
	struct vsr_sim_conf {
		u32 epoch;
		u32 n;
		u32 node[VSR_REPLICAS_MAX];
		u64 inc[VSR_REPLICAS_MAX];	/* recorded incarnations */
		bool changed;	/* other members than the epoch before */
		u64 k;		/* the RECONFIG that started it */
	} conf[2];
	struct vsr_sim_episode ep;

	/* checker */
	struct vsr_sim_golden *golden;
	u64 golden_cap;
	u64 golden_max;
	/* view -> its normal primary: a hash table, views may be sparse */
	u64 *view_primary;	/* view + 1; 0: an empty slot */
	u64 *view_primary_id;	/* index << 32 | incarnation, + 1 */
	u64 view_cap, view_used;
	u64 *rec_keys;		/* (session, request) -> set, open addressing */
	u64 rec_cap;
	u64 rec_count;
	int violation;
	char why[200];

	struct vsr_sim_result res;
};

struct vsr_sim *vsr_sim_create(const struct vsr_sim_params *p);
void vsr_sim_destroy(struct vsr_sim *s);
int vsr_sim_step(struct vsr_sim *s);
int vsr_sim_run_seed(const struct vsr_sim_params *p,
		     struct vsr_sim_result *total);
void vsr_sim_issue(struct vsr_sim *s, u32 c);
bool vsr_sim_idle(const struct vsr_sim *s);
void vsr_sim_crash(struct vsr_sim *s, u32 i, u64 down_ticks);
const struct vsr_replica *vsr_sim_replica(const struct vsr_sim *s, u32 i);

#endif /* _VSR_SIM_H */
