/* SPDX-License-Identifier: GPL-2.0 */
/*
 * replica.h - replica state shared by the protocol-core files (internal).
 */
#ifndef _VSR_REPLICA_H
#define _VSR_REPLICA_H

#include "vsr_api.h"
#include "client_table.h"

/**
 * struct vsr_checkpoint - state at the log's base op
 * @op: checkpoint op (log.base)
 * @view: view of that op
 * @checksum: its chain checksum
 * @table: client table after applying ops 1..op
 */
struct vsr_checkpoint {
	u64 op;
	u32 view;
	u32 checksum;
	struct vsr_client_table table;
};

/*
 * What a new primary remembers about one DOVIEWCHANGE.  @arrived and
 * @confirmed are readings of r->dvc_clock: when this content arrived, and
 * when the challenge its sender last echoed was drawn (0: never).
 */
struct vsr_dvc {
	bool have;
	u64 arrived;
	u64 confirmed;
	u32 log_view;
	u64 op;
	u64 commit;
	u32 head;
	u64 incarnation;	/* of its sender */
};

/* What a recovering replica remembers about one RECOVERYRESPONSE. */
struct vsr_rr {
	bool have;
	bool normal;
	u32 view;
	u64 op;
	u64 commit;
	u32 head;
	u64 incarnation;
};

/**
 * struct vsr_fetch - an ongoing state transfer (this replica pulls)
 * @active: a transfer is in progress
 * @purpose: what it is for: which chunks it takes, when it is done
 * @source: replica we pull from
 * @view: source's view the transfer is for
 * @next: next op to ask for
 * @tick: when we last asked
 * @began: when it started
 * @op: (view change, recovery) target op: done once our log holds @op
 *	with checksum @head
 * @head: target checksum
 * @log_view: (view change) the source's log view must still be this;
 *	(epoch) the view that k was appended in
 * @epoch: (epoch) the source's epoch, which started at @op
 * @route: (epoch) the source as a member of our epoch (U32_MAX: none)
 *
 * Every change of status ends a transfer, so an active one always belongs
 * to the status its purpose was started in.
 */
struct vsr_fetch {
	bool active;
	enum vsr_fetch_purpose purpose;
	u32 source;
	u32 view;
	u64 next;
	u64 tick;
	u64 began;
	u64 op;
	u32 head;
	u32 log_view;
	u32 epoch;
	u32 route;
};

/*
 * struct vsr_learner - a new member of the change a primary tries, as that
 * primary knows it (learn.c)
 * @id: its identity
 * @inc: the incarnation of its last request (0: none yet)
 * @op: the last op it holds, as that request said
 * @tick: when that request came, + 1
 * @invited: when we last invited it, + 1
 * @taught: when we last answered one of its requests with ops, + 1
 * @waits: that request asked for an op we had not committed: it is
 *	answered once we commit one (vsr_teach_waiting())
 */
struct vsr_learner {
	struct vsr_member_id id;
	u64 inc;
	u64 op;
	u64 tick;
	u64 invited;
	u64 taught;
	bool waits;
};

/*
 * struct vsr_answer_slot - an answer to a forwarded change (VSR_CMD_ANSWER)
 * @nonce: the change's (0: a free slot)
 * @answer: VSR_ANSWER_*
 * @member: the index, in the change's list, of the member it names
 * @view: the view of the primary that answered
 * @epoch: ... and its epoch
 */
struct vsr_answer_slot {
	u64 nonce;
	u32 answer;
	u32 member;
	u32 view;
	u32 epoch;
};

/* Changes a replica keeps answers for: calls at once on one node. */
#define VSR_ANSWER_SLOTS	4

/* DOVIEWCHANGE challenges a new primary still accepts answers to. */
#define VSR_CHALLENGES	VSR_REPLICAS_MAX

/*
 * struct vsr_replica - one replica (see Documentation/protocol.rst)
 */
struct vsr_replica {
	struct vsr_core_config cfg;
	const struct vsr_ops *ops;
	void *ctx;
	u32 n;
	u32 quorum;		/* a majority: n / 2 + 1, for odd and even n */
	u32 self;
	u64 incarnation;	/* random, drawn when created */
	struct vsr_member_id members[VSR_REPLICAS_MAX];	/* cfg.members */

	/* epoch (epoch.c) */
	u32 epoch;		/* the configuration epoch it is in */
	bool switching;		/* applied a RECONFIG: switch after this input */
	u32 switch_how;		/* ... and enter the new epoch so */
	/* The sender of the last notice of epoch @told_epoch: it knows. */
	u32 told_epoch;
	struct vsr_member_id told_by;
	bool receiving;		/* in vsr_on_other_epoch(): VSR_PEER_SENDER */
	/*
	 * Ops (pulled_lo, pulled_hi] were applied from a pull of the next
	 * epoch's start (epoch.c; none while pulled_hi is 0): committed,
	 * but a view of ours before the one that committed k may have a
	 * log without them (vsr_stale_view()).
	 */
	u64 pulled_lo;
	u64 pulled_hi;
	u64 reconf_nonce;	/* the change vsr_replica_reconfigure() tries */
	u32 reconf_view;	/* ... as the primary of this view */
	u32 reconf_epoch;	/* ... of this epoch */
	u64 reconf_since;	/* ... since then */
	u64 reconf_tried;	/* ... and last tried then */
	/* ... the RECONFIG's data as it is built (off the stack) */
	u8 reconf_data[VSR_RECONFIG_SIZE(VSR_REPLICAS_MAX)];
	u32 n_learners;		/* ... and the new members it teaches */
	struct vsr_learner learners[VSR_REPLICAS_MAX];
	/* Answers of our primaries to changes we forwarded (VSR_CMD_ANSWER). */
	struct vsr_answer_slot answers[VSR_ANSWER_SLOTS];
	u32 answers_next;	/* ... the slot the next new change takes */
	/* Forwarded changes we refused as a primary, which stay refused. */
	struct vsr_answer_slot refused[VSR_ANSWER_SLOTS];
	u32 refused_next;
	bool learning;		/* joining: taught by a primary of @epoch */
	/*
	 * The RECONFIG that started it (op 0: none), kept whatever the trims:
	 * its op k, checksum and data (for the notices).
	 */
	struct vsr_entry_hdr epoch_hdr;
	u8 epoch_conf[VSR_RECONFIG_SIZE(VSR_REPLICAS_MAX)];
	u32 peer_epoch[VSR_REPLICAS_MAX];	/* newest epoch heard from each */
	u64 notice_tick[VSR_REPLICAS_MAX];	/* EPOCH last sent to each, + 1 */
	/* ... and as an answer to each index of other epochs, + 1 */
	u64 answer_tick[VSR_REPLICAS_MAX];
	/* ... and as an answer to each member's notice of ours, + 1 */
	u64 heard_tick[VSR_REPLICAS_MAX];

	u32 status;
	u32 view;
	u32 log_view;
	/* cfg.durable: the view on the disk, and the last one asked for */
	struct vsr_persist persisted;
	struct vsr_persist persist_asked;
	/*
	 * cfg.durable: struct vsr_persist's origin, 0 or e + 1 (vsr_originate());
	 * with it, the disk stands for the incarnation a RECONFIG recorded
	 */
	u32 origin;
	/* Restarted from its disk: never leads view no_lead_view (restart.c) */
	u64 full_tick;		/* primary: last tick its disk kept no ring full */
	bool restored;
	bool no_lead;
	u32 no_lead_view;
	u64 commit;		/* applied through */
	u64 commit_max;		/* known committed through */
	struct vsr_log log;
	struct vsr_checkpoint ckpt;
	struct vsr_client_table ct;	/* after applying 1..commit */
	struct vsr_client_table scratch;
	u64 ticks;
	u64 prng;
	u8 *tx;

	/* primary */
	bool abdicated;
	u64 sent_op;
	u64 remote_op;		/* highest op proposed for a backup's REQUEST */
	u64 commit_told;	/* commit number last sent to the backups */
	u64 trim_op;		/* op of its last automatic trim, 0: none */
	u64 last_send;
	u64 acked[VSR_REPLICAS_MAX];
	u64 heard[VSR_REPLICAS_MAX];
	u64 incs[VSR_REPLICAS_MAX];	/* incarnations in this view's PREPAREOKs */
	u64 ok_tick[VSR_REPLICAS_MAX];	/* ... and when the last came, + 1 */

	/* backup */
	u64 primary_tick;
	u64 primary_op;
	/* its last PREPAREOK (vsr_send_prepareok()): what it named, when + 1 */
	u32 ok_epoch;
	u32 ok_view;
	u64 ok_inc;
	u64 ok_op;
	u64 ok_sent;

	/* view change */
	u32 vote_view[VSR_REPLICAS_MAX];
	u64 vote_tick[VSR_REPLICAS_MAX];
	u64 vote_sent;
	u64 vc_tick;
	u64 vc_sent;
	u32 vc_streak;		/* view changes in a row (see vsr_stall_ticks()) */
	u64 normal_tick;	/* when it last became normal */
	struct vsr_dvc dvc[VSR_REPLICAS_MAX];
	u64 dvc_clock;		/* counts DOVIEWCHANGE events */
	u64 dvc_challenge[VSR_CHALLENGES];	/* the latest ones (0: none) */
	u64 dvc_challenge_at[VSR_CHALLENGES];	/* their dvc_clock */
	bool dvc_decided;
	u64 dvc_commit;

	/* state transfer (backup repair, new primary, recovery) */
	struct vsr_fetch fetch;

	/* recovery */
	u64 nonce;
	u64 nonce_base;		/* round k's nonce is nonce_base + k */
	u64 rec_rounds;		/* rounds so far, this incarnation */
	u64 rec_round_tick;	/* when this round began */
	bool rec_late;		/* a slow answer to an earlier round came */
	u64 rec_tick;
	u64 rec_sent;
	u32 rec_streak;		/* attempts in a row too short for the network */
	struct vsr_rr rr[VSR_REPLICAS_MAX];
	bool boot_pending;	/* @boot holds answers to confirm */
	struct vsr_rr boot[VSR_REPLICAS_MAX];

	/* counters */
	u64 view_changes;
	u64 unheard;		/* abdications for want of a quorum heard */
	u64 recoveries;
	u64 checkpoints;
	u64 prepares;
	u64 epochs;		/* epochs entered */
};

static inline u32 vsr_primary_of(const struct vsr_replica *r, u32 view)
{
	return view % r->n;
}

static inline bool vsr_is_primary(const struct vsr_replica *r)
{
	return vsr_primary_of(r, r->view) == r->self;
}

/*
 * Automatic trimming starts once retain + slack committed ops are held and
 * trims back to retain, so that it is not proposed again at once.
 */
static inline u32 vsr_trim_slack(const struct vsr_core_config *c)
{
	return c->retain / 2 + 1;
}

/* replica.c */
void vsr_hdr_init(struct vsr_replica *r, struct vsr_hdr *h, u8 command);
void vsr_send(struct vsr_replica *r, u32 to, struct vsr_hdr *h,
	      size_t body_len);
void vsr_broadcast(struct vsr_replica *r, struct vsr_hdr *h,
		   size_t body_len);
void vsr_notify(struct vsr_replica *r);
void vsr_become_primary(struct vsr_replica *r);
bool vsr_persisted(struct vsr_replica *r);
void vsr_persist_checkpoint(struct vsr_replica *r);
void vsr_originate(struct vsr_replica *r);

/*
 * A durable replica whose disk says it was in service once: it never
 * bootstraps, even when it recovers from the others (its disk could not
 * be used).
 */
static inline bool vsr_in_service(const struct vsr_replica *r)
{
	return r->cfg.durable &&
	       ((r->cfg.persisted.flags | r->persisted.flags) &
		VSR_PERSIST_SERVICE);
}
void vsr_restart_view(struct vsr_replica *r);
void vsr_enter_view(struct vsr_replica *r, u32 view);
bool vsr_has_csum(const struct vsr_replica *r, u64 op, u32 csum);
void vsr_become_whole(struct vsr_replica *r, u64 op);
void vsr_fail(struct vsr_replica *r);
u64 vsr_prng_next(struct vsr_replica *r);

/* normal.c */
void vsr_apply_to(struct vsr_replica *r, u64 upto);
void vsr_send_prepareok(struct vsr_replica *r);
void vsr_primary_commit(struct vsr_replica *r);
bool vsr_follow_primary(struct vsr_replica *r, const struct vsr_msg *m,
			u64 matched);
int vsr_propose(struct vsr_replica *r, u32 type, u64 session, u64 request,
		const void *data, u32 len);
void vsr_on_request(struct vsr_replica *r, const struct vsr_msg *m);
void vsr_on_prepare(struct vsr_replica *r, const struct vsr_msg *m);
void vsr_on_prepareok(struct vsr_replica *r, const struct vsr_msg *m);
void vsr_on_commit(struct vsr_replica *r, const struct vsr_msg *m);
void vsr_normal_tick(struct vsr_replica *r);

/* view_change.c */
void vsr_vote(struct vsr_replica *r, u32 view);
void vsr_check_votes(struct vsr_replica *r);
u64 vsr_stall_ticks(const struct vsr_replica *r);
void vsr_start_view_change(struct vsr_replica *r, u32 view);
void vsr_on_start_view_change(struct vsr_replica *r, const struct vsr_msg *m);
void vsr_on_do_view_change(struct vsr_replica *r, const struct vsr_msg *m);
void vsr_on_start_view(struct vsr_replica *r, const struct vsr_msg *m);
void vsr_view_change_tick(struct vsr_replica *r);
void vsr_send_start_view(struct vsr_replica *r, int to);
void vsr_fetch_done_view_change(struct vsr_replica *r);
void vsr_promise_view(struct vsr_replica *r);

/* recovery.c */
void vsr_start_recovery(struct vsr_replica *r);
void vsr_on_recovery(struct vsr_replica *r, const struct vsr_msg *m);
void vsr_on_recovery_response(struct vsr_replica *r,
			      const struct vsr_msg *m);
void vsr_recovery_tick(struct vsr_replica *r);
u64 vsr_recovery_attempt_ticks(const struct vsr_replica *r);
void vsr_fetch_done_recovery(struct vsr_replica *r, u64 op);

/*
 * How a replica enters an epoch (epoch.c): recovering there; having
 * applied k as the incarnation the op recorded, normal in view 0, which
 * it leads if it is member 0; or behind, as the recorded incarnation that
 * lacks k, a normal backup of view 0, which as member 0 moves on to view 1.
 */
enum vsr_entering {
	VSR_ENTER_RECOVERING,
	VSR_ENTER_SWITCHED,
	VSR_ENTER_BEHIND,
};

/*
 * Learning the next epoch (a VSR_FETCH_EPOCH in progress): our epoch has
 * ended, and the replica takes no part in it any more.
 */
static inline bool vsr_epoch_learning(const struct vsr_replica *r)
{
	return r->fetch.active && r->fetch.purpose == VSR_FETCH_EPOCH;
}

/* epoch.c */
bool vsr_reconfig_pending(const struct vsr_replica *r);
void vsr_on_reconfig_request(struct vsr_replica *r, const struct vsr_msg *m);
void vsr_on_answer(struct vsr_replica *r, const struct vsr_msg *m);
int vsr_on_joining(struct vsr_replica *r, const struct vsr_msg *m);
bool vsr_apply_reconfig(struct vsr_replica *r, const struct vsr_entry *e);
int vsr_epoch_restore(struct vsr_replica *r, const struct vsr_entry *e);
bool vsr_reconfig_recorded(const u8 *conf, const struct vsr_member_id *id,
			   u64 inc);
void vsr_epoch_settle(struct vsr_replica *r);
int vsr_on_other_epoch(struct vsr_replica *r, const struct vsr_msg *m);
void vsr_on_epoch_state(struct vsr_replica *r, const struct vsr_msg *m);
void vsr_on_own_notice(struct vsr_replica *r, const struct vsr_msg *m);
void vsr_epoch_tick(struct vsr_replica *r);
bool vsr_stale_op(const struct vsr_replica *r, u64 op);
bool vsr_stale_view(struct vsr_replica *r);

/* learn.c */
void vsr_teach(struct vsr_replica *r, const struct vsr_member_id *members,
	       const u32 *from, u32 count);
void vsr_teach_stop(struct vsr_replica *r);
u64 vsr_learner_ready(const struct vsr_replica *r,
		      const struct vsr_member_id *id);
u32 vsr_learner_waits(const struct vsr_replica *r,
		      const struct vsr_member_id *id);
void vsr_teach_tick(struct vsr_replica *r);
void vsr_teach_last(struct vsr_replica *r, const struct vsr_entry *k);
void vsr_teach_waiting(struct vsr_replica *r);
void vsr_on_learner_request(struct vsr_replica *r, const struct vsr_msg *m);
int vsr_on_invitation(struct vsr_replica *r, const struct vsr_msg *m);
int vsr_on_lesson(struct vsr_replica *r, const struct vsr_msg *m);

/* state_transfer.c */
void vsr_fetch_start(struct vsr_replica *r, enum vsr_fetch_purpose purpose,
		     u32 source, u64 from);
void vsr_fetch_request(struct vsr_replica *r);
void vsr_send_state(struct vsr_replica *r, u64 from, u64 last, u32 to);
void vsr_on_get_state(struct vsr_replica *r, const struct vsr_msg *m);
void vsr_on_new_state(struct vsr_replica *r, const struct vsr_msg *m);
void vsr_checkpoint_to(struct vsr_replica *r, u64 c);
int vsr_log_extend(struct vsr_replica *r, const struct vsr_entry_hdr *eh,
		   const void *data);
int vsr_adopt_entries(struct vsr_replica *r, const struct vsr_msg *m,
		      u64 *matched);

#endif /* _VSR_REPLICA_H */
