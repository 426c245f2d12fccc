// SPDX-License-Identifier: GPL-2.0
/*
 * epoch.c - epochs: the RECONFIG op, the switch on its commit, and the
 * EPOCH notices that tell the others (Documentation/reconfiguration.rst).
 *
 * A RECONFIG op carries the next epoch's number and, for each member, its
 * identity and the incarnation under which the proposing primary last
 * heard it.  Once a
 * RECONFIG is in a primary's log it appends nothing after it (rule 2), so
 * a committed RECONFIG at op k is the last op of its epoch.  A replica
 * switches when it applies k, never on append: it enters the next epoch
 * in view 0 with its log 1..k, normal if it is the incarnation the op
 * recorded and was not recovering, otherwise recovering (no incarnation
 * enters view 0 of an epoch twice).
 *
 * Every replica of an epoch that a RECONFIG started keeps sending an EPOCH
 * notice (the epoch, k and k's checksum, and the RECONFIG itself) to each
 * peer it has not heard in that epoch, and answers every message of an
 * older epoch with one.  A replica that gets a notice of the next epoch
 * and holds k with that checksum applies through k and switches; if it
 * lacks ops, it pulls them from the sender (which serves an older epoch up
 * to k only); otherwise it enters the newest epoch behind if the op
 * recorded it, recovering if not.
 *
 * A new member is a joining replica (cfg.joining), which knows only its
 * own identity.  While the primary waits for the members, it teaches the
 * new ones the log (learn.c).  One that caught up is recorded, and enters
 * the epoch as a member that stays does; the others are recorded as never
 * heard, and enter it recovering once a notice names them.  The change
 * waits for a quorum of the next epoch that will enter it normal.
 */
#include "replica.h"

/* The fields of a RECONFIG entry's data, validated by the decoder. */
static u32 vsr_reconfig_epoch(const u8 *conf)
{
	return get_unaligned_le32(conf);
}

static u32 vsr_reconfig_count(const u8 *conf)
{
	return get_unaligned_le32(conf + 4);
}

static const struct vsr_wire_member *vsr_reconfig_member(const u8 *conf,
							 u32 i)
{
	return (const void *)(conf + VSR_RECONFIG_SIZE(i));
}

/* The incarnation that the RECONFIG @conf recorded for member @i. */
static u64 vsr_reconfig_inc(const u8 *conf, u32 i)
{
	return get_unaligned_le64(&vsr_reconfig_member(conf, i)->incarnation);
}

/* @id's index in the list @ids of @n members, or U32_MAX. */
static u32 vsr_member_find(const struct vsr_member_id *ids, u32 n,
			   const u8 *id)
{
	u32 i;

	for (i = 0; i < n; i++)
		if (!memcmp(ids[i].b, id, VSR_MEMBER_ID_SIZE))
			return i;
	return U32_MAX;
}

/* @id's index among the members the RECONFIG @conf names, or U32_MAX. */
static u32 vsr_reconfig_find(const u8 *conf, const u8 *id)
{
	u32 i, n = vsr_reconfig_count(conf);

	for (i = 0; i < n; i++)
		if (!memcmp(vsr_reconfig_member(conf, i)->id, id,
			    VSR_MEMBER_ID_SIZE))
			return i;
	return U32_MAX;
}

/**
 * vsr_reconfig_recorded() - does a RECONFIG record this incarnation?
 * @conf: the RECONFIG's data
 * @id: a member's identity
 * @inc: an incarnation of it
 *
 * Return: true if @conf names @id with the non-zero incarnation @inc (0
 * stands for a member never heard, which enters recovering).
 */
bool vsr_reconfig_recorded(const u8 *conf, const struct vsr_member_id *id,
			   u64 inc)
{
	u32 i = vsr_reconfig_find(conf, id->b);

	return inc && i != U32_MAX && vsr_reconfig_inc(conf, i) == inc;
}

/*
 * Does the RECONFIG @conf keep exactly our members (in any order)?  Then
 * every quorum of the next epoch meets every quorum of ours, among them
 * the one that acked the RECONFIG: what lets a member enter behind.
 */
static bool vsr_reconfig_same_set(const struct vsr_replica *r,
				  const u8 *conf)
{
	u32 i;

	if (vsr_reconfig_count(conf) != r->n)
		return false;
	for (i = 0; i < r->n; i++)
		if (vsr_reconfig_find(conf, r->members[i].b) == U32_MAX)
			return false;
	return true;
}

/* Is the RECONFIG @conf's list well formed: no member twice? */
static bool vsr_reconfig_members_ok(const u8 *conf)
{
	u32 i, n = vsr_reconfig_count(conf);

	for (i = 0; i < n; i++) {
		const u8 *id = vsr_reconfig_member(conf, i)->id;

		if (vsr_reconfig_find(conf, id) != i)
			return false;
	}
	return true;
}

/**
 * vsr_reconfig_pending() - does our log end in a RECONFIG of our epoch?
 * @r: replica
 *
 * Nothing is appended after such an op (rule 2), so it is the head.
 *
 * Return: true if it does: a primary then appends nothing.
 */
bool vsr_reconfig_pending(const struct vsr_replica *r)
{
	const struct vsr_entry *e;

	if (r->log.head <= r->epoch_hdr.op)
		return false;
	e = vsr_log_get(&r->log, r->log.head);
	return e && e->h.type == VSR_OP_RECONFIG;
}
EXPORT_SYMBOL_IF_KUNIT(vsr_reconfig_pending);

/*
 * Our epoch's notice to @to (a member, or VSR_PEER_SENDER), at most once
 * per repair interval as kept in @last.  It carries the RECONFIG that
 * started the epoch: its members and the incarnations it recorded.
 */
static void vsr_send_notice_heard(struct vsr_replica *r, u32 to, u64 *last,
				  bool heard)
{
	struct vsr_hdr h;
	u32 len = r->epoch_hdr.len;

	if (*last && r->ticks + 1 - *last < r->cfg.repair_ticks)
		return;
	*last = r->ticks + 1;
	vsr_hdr_init(r, &h, VSR_CMD_EPOCH);
	/* We heard the receiver in the epoch: it need not answer. */
	h.arg1 = heard;
	h.op = r->epoch_hdr.op;
	h.head_csum = r->epoch_hdr.checksum;
	/* How far the epoch got, as far as we know (0: we lack k). */
	h.commit = r->commit >= r->epoch_hdr.op ? r->commit : 0;
	if (r->status == VSR_STATUS_REMOVED)
		h.flags = VSR_EPOCH_REMOVED;
	/*
	 * We serve an older epoch up to k, our checkpoint included, if we
	 * applied k and our checkpoint is below it.
	 */
	h.arg0 = r->commit < r->epoch_hdr.op || r->log.base >= r->epoch_hdr.op ?
		 U64_MAX : 1;
	vsr_entry_hdr_put(r->tx + VSR_HDR_SIZE, &r->epoch_hdr);
	memcpy(r->tx + VSR_HDR_SIZE + VSR_ENTRY_HDR_SIZE, r->epoch_conf, len);
	vsr_send(r, to, &h, VSR_ENTRY_HDR_SIZE + len);
}

static void vsr_send_notice(struct vsr_replica *r, u32 to, u64 *last)
{
	vsr_send_notice_heard(r, to, last, false);
}

/* Forget everything that belongs to the views of the epoch we leave. */
static void vsr_epoch_reset(struct vsr_replica *r)
{
	u32 i;

	r->view = 0;
	r->log_view = 0;
	r->abdicated = false;
	r->no_lead = false;
	r->fetch.active = false;
	r->pulled_lo = 0;
	r->pulled_hi = 0;
	r->primary_op = 0;
	r->remote_op = 0;
	r->sent_op = r->log.head;
	r->commit_told = r->commit;
	r->commit_max = r->commit;
	memset(r->acked, 0, sizeof(r->acked));
	memset(r->incs, 0, sizeof(r->incs));
	memset(r->ok_tick, 0, sizeof(r->ok_tick));
	memset(r->vote_view, 0, sizeof(r->vote_view));
	memset(r->vote_tick, 0, sizeof(r->vote_tick));
	r->vote_sent = 0;
	r->vc_tick = 0;
	r->vc_sent = 0;
	r->vc_streak = 0;
	memset(r->dvc, 0, sizeof(r->dvc));
	memset(r->dvc_challenge, 0, sizeof(r->dvc_challenge));
	memset(r->dvc_challenge_at, 0, sizeof(r->dvc_challenge_at));
	r->dvc_decided = false;
	r->learning = false;
	vsr_teach_stop(r);
	memset(r->rr, 0, sizeof(r->rr));
	memset(r->boot, 0, sizeof(r->boot));
	r->boot_pending = false;
	/* Indices may mean other members now. */
	memset(r->peer_epoch, 0, sizeof(r->peer_epoch));
	memset(r->notice_tick, 0, sizeof(r->notice_tick));
	memset(r->answer_tick, 0, sizeof(r->answer_tick));
	memset(r->heard_tick, 0, sizeof(r->heard_tick));
	for (i = 0; i < VSR_REPLICAS_MAX; i++)
		r->heard[i] = r->ticks;
}

/*
 * Take the members of the RECONFIG @conf, where we are member @self: our
 * index, the quorum and every index change with the list.
 */
static void vsr_take_members(struct vsr_replica *r, const u8 *conf,
			     u32 self)
{
	u32 i;

	r->n = vsr_reconfig_count(conf);
	r->quorum = r->n / 2 + 1;
	r->self = self;
	r->cfg.replica_count = r->n;
	r->cfg.replica = self;
	/* A member now (vsr_replica_set_tunables() checks the config). */
	r->cfg.joining = false;
	for (i = 0; i < r->n; i++)
		memcpy(r->members[i].b, vsr_reconfig_member(conf, i)->id,
		       VSR_MEMBER_ID_SIZE);
	if (r->ops->members)
		r->ops->members(r->ctx, r->epoch, r->members, r->n, self);
}

/*
 * Did member @i (of r->members: the epoch's, or, leaving, the epoch
 * before's) tell us of the epoch we enter (r->epoch)?
 */
static bool vsr_told_by(const struct vsr_replica *r, u32 i)
{
	return r->told_epoch == r->epoch &&
	       !memcmp(r->members[i].b, r->told_by.b, VSR_MEMBER_ID_SIZE);
}

/* Did a member of the epoch we enter tell us of it? */
static bool vsr_told_by_member(const struct vsr_replica *r)
{
	return r->told_epoch == r->epoch &&
	       vsr_member_find(r->members, r->n, r->told_by.b) != U32_MAX;
}

/*
 * Left out of the epoch we learned of: a removed member keeps only ops it
 * knows committed (a prefix of every later log), serves older epochs their
 * ops up to the epoch's start, and does nothing else.  It keeps its old
 * epoch's members, to tell each of them once: if it was the primary that
 * committed the change, nobody else may know yet.  If anyone told us, the
 * first to learn of the epoch told its members at once, and those that
 * entered it go on telling each other (vsr_epoch_tick()): only the others
 * removed hear from us, and the members' first PREPARE of the epoch does
 * not wait behind our notice.
 */
static void vsr_leave(struct vsr_replica *r)
{
	bool told = r->told_epoch == r->epoch;
	u32 i;

	if (r->log.head > max(r->commit, r->log.base))
		vsr_log_truncate(&r->log, max(r->commit, r->log.base));
	r->status = VSR_STATUS_REMOVED;
	vsr_notify(r);
	for (i = 0; i < r->n; i++)
		if (i != r->self && !vsr_told_by(r, i) &&
		    (!told || vsr_reconfig_find(r->epoch_conf,
						r->members[i].b) == U32_MAX))
			vsr_send_notice(r, i, &r->notice_tick[i]);
}

/*
 * Enter the epoch that the RECONFIG @eh with data @conf started, in view 0
 * with our log and the op's members (or leave, if it names us not).  A
 * recorded incarnation that lacks k enters behind, holding only ops it
 * knows committed: a prefix of every log of the epoch, but not view 0's
 * whole log, so as view 0's primary it moves on to view 1.
 */
static void vsr_enter_epoch(struct vsr_replica *r,
			    const struct vsr_entry_hdr *eh, const u8 *conf,
			    enum vsr_entering how)
{
	u32 i, epoch = vsr_reconfig_epoch(conf);
	u32 self = vsr_reconfig_find(conf, r->members[r->self].b);
	u32 was[VSR_REPLICAS_MAX];

	r->switching = false;
	r->epoch = epoch;
	r->epoch_hdr = *eh;
	memmove(r->epoch_conf, conf, eh->len);
	r->epochs++;
	vsr_epoch_reset(r);
	if (self == U32_MAX) {
		vsr_leave(r);
		return;
	}
	/* Each member's index in the epoch we leave, for our answers. */
	for (i = 0; i < vsr_reconfig_count(r->epoch_conf); i++)
		was[i] = vsr_member_find(r->members, r->n,
					 vsr_reconfig_member(r->epoch_conf,
							     i)->id);
	vsr_take_members(r, r->epoch_conf, self);
	r->peer_epoch[r->self] = epoch;
	if (how != VSR_ENTER_RECOVERING)
		vsr_originate(r);
	if (how == VSR_ENTER_RECOVERING)
		vsr_start_recovery(r);
	else if (how == VSR_ENTER_BEHIND && vsr_is_primary(r))
		vsr_start_view_change(r, 1);
	else if (vsr_is_primary(r))
		vsr_become_primary(r);
	else
		vsr_enter_view(r, 0);
	vsr_notify(r);
	/* Durable, we write the switch before we act in the epoch. */
	vsr_persisted(r);
	/*
	 * Tell the others at once, unless a member of the epoch told us.
	 * The first to enter was told by none (or by a removed member), and
	 * tells every member at once; the others hear from us at our next
	 * tick (vsr_epoch_tick(), which every member runs until it heard
	 * each one): not before the epoch's first PREPARE, which may be
	 * next in our queue.
	 */
	if (vsr_told_by_member(r))
		return;
	for (i = 0; i < r->n; i++) {
		if (i == r->self || r->peer_epoch[i] >= epoch)
			continue;
		vsr_send_notice(r, i, &r->notice_tick[i]);
		/*
		 * What it sent in the epoch we left before ours reached it
		 * (an ack of k) needs no answer within the repair interval.
		 */
		if (was[i] != U32_MAX)
			r->answer_tick[was[i]] = r->notice_tick[i];
	}
}

/*
 * Is this replica the incarnation that the RECONFIG @conf recorded for it?
 * Only that one enters the next epoch normal: it is the member's only
 * incarnation that can apply the op, once.  Any other one may have a
 * predecessor that acted in the next epoch and was forgotten: acked ops
 * there (a primary keeps a dead incarnation's cumulative ack and commits
 * with it beside acks given after this one recovered), or led view 0.
 * It recovers there, as after a restart.
 *
 * A durable replica whose disk holds its whole history since it entered
 * our epoch without recovering (r->origin) stands for the recorded one,
 * whatever its incarnation: every incarnation of it writes its switch to
 * the next epoch before it acts there, and its disk, which says we are in
 * the epoch before, would hold that switch.  Otherwise, after the whole
 * cluster lost power between the append and the switch, every member
 * would restart as another incarnation, and no one could start the epoch.
 */
static bool vsr_recorded(const struct vsr_replica *r, const u8 *conf)
{
	u32 i = vsr_reconfig_find(conf, r->members[r->self].b);

	if (r->status == VSR_STATUS_RECOVERING || i == U32_MAX)
		return false;
	if (vsr_reconfig_inc(conf, i) == r->incarnation)
		return true;
	return r->cfg.durable && r->origin && r->origin <= r->epoch + 1 &&
	       r->persisted.epoch <= r->epoch;
}

/**
 * vsr_epoch_restore() - a durable replica is created in a later epoch
 * @r: replica being created in the epoch its disk holds (cfg.epoch, whose
 *	members are cfg.members)
 * @e: the RECONFIG that started that epoch, from the disk (cfg.start)
 *
 * Return: 0; -EUCLEAN if @e is not that op: not a RECONFIG, its checksum
 * wrong, another epoch, or other members (or in another order).
 */
int vsr_epoch_restore(struct vsr_replica *r, const struct vsr_entry *e)
{
	u32 i;

	if (e->h.type != VSR_OP_RECONFIG || !e->h.op ||
	    e->h.checksum != vsr_entry_checksum(&e->h, e->data) ||
	    !vsr_reconfig_ok(e->data, e->h.len) ||
	    vsr_reconfig_epoch(e->data) != r->epoch ||
	    vsr_reconfig_count(e->data) != r->n || !vsr_reconfig_members_ok(e->data))
		return -EUCLEAN;
	for (i = 0; i < r->n; i++)
		if (memcmp(vsr_reconfig_member(e->data, i)->id, r->members[i].b,
			   VSR_MEMBER_ID_SIZE))
			return -EUCLEAN;
	r->epoch_hdr = e->h;
	memcpy(r->epoch_conf, e->data, e->h.len);
	return 0;
}

/**
 * vsr_replica_epoch_entry() - the RECONFIG that started the replica's epoch
 * @r: replica
 * @conf: set to its data (e->h.len bytes), valid until the next input
 *
 * A durable replica's driver writes it with a record of a later epoch
 * (struct vsr_persist's @epoch), for vsr_replica_restore() to take back.
 *
 * Return: its header; NULL if the replica knows none (epoch 0).
 */
const struct vsr_entry_hdr *vsr_replica_epoch_entry(const struct vsr_replica *r,
						    const u8 **conf)
{
	if (!r->epoch_hdr.op)
		return NULL;
	*conf = r->epoch_conf;
	return &r->epoch_hdr;
}
EXPORT_SYMBOL_IF_KUNIT(vsr_replica_epoch_entry);

/**
 * vsr_apply_reconfig() - a RECONFIG op is being applied
 * @r: replica
 * @e: the entry, just applied (r->commit is its op)
 *
 * The switch itself waits for the end of the input being handled
 * (vsr_epoch_settle()), so that no step of the old epoch runs on the new
 * one's state.  A RECONFIG at or below the op that started our epoch is
 * history (we entered our epoch without applying it).
 *
 * Return: true when the replica stops applying here (it switches).
 */
bool vsr_apply_reconfig(struct vsr_replica *r, const struct vsr_entry *e)
{
	if (e->h.op <= r->epoch_hdr.op)
		return false;
	/* Nothing follows a RECONFIG in its epoch (rule 2). */
	if (WARN_ON_ONCE(!r->cfg.epochs || e->h.op != r->log.head ||
			 vsr_reconfig_epoch(e->data) != r->epoch + 1 ||
			 !vsr_reconfig_members_ok(e->data))) {
		vsr_fail(r);
		return true;
	}
	r->switching = true;
	r->switch_how = vsr_recorded(r, e->data) ? VSR_ENTER_SWITCHED :
						   VSR_ENTER_RECOVERING;
	return true;
}

/**
 * vsr_epoch_settle() - finish a switch that applying a RECONFIG began
 * @r: replica
 *
 * Called at the end of every input from the driver.
 */
void vsr_epoch_settle(struct vsr_replica *r)
{
	const struct vsr_entry *e;

	if (!r->switching || r->status == VSR_STATUS_FAILED)
		return;
	e = vsr_log_get(&r->log, r->commit);
	if (WARN_ON_ONCE(!e || e->h.type != VSR_OP_RECONFIG)) {
		vsr_fail(r);
		return;
	}
	vsr_teach_last(r, e);
	vsr_enter_epoch(r, &e->h, e->data, r->switch_how);
}

/*
 * The sender of the notice @m (whose RECONFIG is @conf), as a member of our
 * epoch: a removed member names itself so, a member of the next epoch by
 * its index there.  U32_MAX if it is none of ours.
 */
static u32 vsr_notice_route(const struct vsr_replica *r,
			    const struct vsr_msg *m, const u8 *conf)
{
	if (m->h.flags & VSR_EPOCH_REMOVED)
		return m->h.replica < r->n && m->h.replica != r->self ?
		       m->h.replica : U32_MAX;
	if (m->h.replica >= vsr_reconfig_count(conf))
		return U32_MAX;
	return vsr_member_find(r->members, r->n,
			       vsr_reconfig_member(conf, m->h.replica)->id);
}

/* Note who sent the notice @m of the next epoch (whose RECONFIG is @conf). */
static void vsr_note_teller(struct vsr_replica *r, const struct vsr_msg *m,
			    const u8 *conf)
{
	bool removed = m->h.flags & VSR_EPOCH_REMOVED;
	u32 i = m->h.replica;

	/* A removed member names itself by its index among ours. */
	if (i >= (removed ? r->n : vsr_reconfig_count(conf)))
		return;
	r->told_epoch = m->h.epoch;
	memcpy(r->told_by.b,
	       removed ? r->members[i].b : vsr_reconfig_member(conf, i)->id,
	       VSR_MEMBER_ID_SIZE);
}

/* A notice of a newer epoch (from replica m->h.replica). */
static void vsr_on_notice(struct vsr_replica *r, const struct vsr_msg *m)
{
	u32 epoch = m->h.epoch;
	const u8 *conf = m->entries + VSR_ENTRY_HDR_SIZE;
	struct vsr_entry_hdr eh;
	u64 k = m->h.op;

	if (!k || r->switching || r->status == VSR_STATUS_REMOVED)
		return;
	if (!vsr_reconfig_members_ok(conf))
		return;
	vsr_entry_hdr_get(m->entries, &eh);
	if (epoch == r->epoch + 1)
		vsr_note_teller(r, m, conf);
	if (epoch == r->epoch + 1 && r->status != VSR_STATUS_RECOVERING) {
		/*
		 * The notice's entry is k itself, checked whole on decode.
		 * If it follows our head, the chain says that our log up to
		 * k - 1 is the one k was committed on: append k rather than
		 * pull it a round trip later (a learner's log ends where its
		 * last lesson did; a backup may have missed k's PREPARE).
		 */
		if (vsr_log_extend(r, &eh, conf) == -EIO)
			return;
		if (vsr_has_csum(r, k, m->h.head_csum)) {
			/* k is committed, and so is our log up to it. */
			if (k > r->commit_max)
				r->commit_max = k;
			vsr_apply_to(r, k);
			return;
		}
		/*
		 * One source at a time; another if it seems gone.  We ask
		 * the source again when its notice comes (only then do we
		 * know where it is: it may not be a member of our epoch).
		 */
		if (vsr_epoch_learning(r) && r->fetch.epoch == epoch &&
		    r->fetch.source == m->h.replica) {
			if (r->ticks - r->fetch.tick >= r->cfg.repair_ticks)
				vsr_fetch_request(r);
			return;
		}
		if (vsr_epoch_learning(r) && r->fetch.epoch == epoch &&
		    r->ticks - r->fetch.began < r->cfg.recovery_ticks)
			return;
		/* Pull what we lack, up to k, if the sender still has it. */
		if (k > r->commit && m->h.arg0 <= r->commit + 1) {
			r->fetch.op = k;
			r->fetch.head = m->h.head_csum;
			r->fetch.log_view = eh.view;
			r->fetch.epoch = epoch;
			r->fetch.route = vsr_notice_route(r, m, conf);
			vsr_fetch_start(r, VSR_FETCH_EPOCH, m->h.replica,
					r->commit + 1);
			return;
		}
	}
	/*
	 * Epochs skipped, or the ops we lack trimmed: we cannot apply k
	 * ourselves.  If the op recorded this incarnation and keeps our
	 * members, we enter as a backup that is behind, with what we know
	 * committed, and catch up from the epoch's primary; otherwise we
	 * recover there (or leave, if it names us not).  With other members,
	 * a quorum of the new epoch may all lack k: behind, they could elect
	 * a log without it.  A recorded member waits for a sender that can
	 * serve it instead (the removed members hold k, the members of the
	 * epoch until they trim past it): recovering, it would be one normal
	 * member fewer there, for good.  Unless the sender committed ops
	 * past k: then the epoch went on without us (a quorum of it held k),
	 * and we recover there.  (A sender that recovers there says k, not
	 * more: it proves nothing of the kind.)
	 */
	if (epoch == r->epoch + 1 && vsr_recorded(r, conf)) {
		if (vsr_reconfig_same_set(r, conf)) {
			if (r->log.head > max(r->commit, r->log.base))
				vsr_log_truncate(&r->log,
						 max(r->commit, r->log.base));
			vsr_enter_epoch(r, &eh, conf, VSR_ENTER_BEHIND);
			return;
		}
		if (m->h.commit <= k)
			return;
	}
	vsr_enter_epoch(r, &eh, conf, VSR_ENTER_RECOVERING);
}

/**
 * vsr_on_joining() - a message for a joining replica
 * @r: replica in VSR_STATUS_JOINING, or removed (then @m is a notice of a
 *	later epoch than ours)
 * @m: the message
 *
 * A notice of an epoch that names us makes us a member: we enter it
 * recovering, as any incarnation that the RECONFIG did not record, and
 * learn the state from its members.  A removed replica's log holds only
 * committed ops of older epochs, and it made no promise in later ones.
 * Any other message of an epoch (a member's heartbeat, to an instance
 * that was one of them before it restarted) makes a joining replica ask
 * its sender for the notice, at most once per repair interval.
 *
 * Return: 0 if the message made us a member, -ESTALE if it was dropped.
 */
int vsr_on_joining(struct vsr_replica *r, const struct vsr_msg *m)
{
	const u8 *conf = m->entries + VSR_ENTRY_HDR_SIZE;
	u64 *last = &r->answer_tick[m->h.replica];
	bool joining = r->status == VSR_STATUS_JOINING;
	struct vsr_entry_hdr eh;
	struct vsr_hdr h;

	/* The ops up to the next epoch's start, from a notice's sender. */
	if (vsr_epoch_learning(r)) {
		if (m->h.command == VSR_CMD_NEWSTATE &&
		    r->fetch.source == m->h.replica &&
		    r->fetch.epoch == m->h.epoch) {
			vsr_on_epoch_state(r, m);
			return 0;
		}
	} else if (joining && m->h.command == VSR_CMD_NEWSTATE) {
		return vsr_on_lesson(r, m);
	}
	if (joining && m->h.command == VSR_CMD_EPOCH &&
	    m->h.flags == VSR_EPOCH_LEARN)
		return vsr_on_invitation(r, m);
	if (!m->h.epoch || (m->h.flags & VSR_EPOCH_LEARN))
		return -ESTALE;
	if (m->h.command == VSR_CMD_EPOCH && m->h.op) {
		if (!vsr_reconfig_members_ok(conf) ||
		    vsr_reconfig_find(conf, r->members[r->self].b) == U32_MAX)
			return -ESTALE;
		/*
		 * Taught in the epoch before and recorded: we enter as a
		 * member that stays does, once we hold its ops up to k.
		 */
		if (r->learning && m->h.epoch == r->epoch + 1 &&
		    vsr_recorded(r, conf)) {
			vsr_on_notice(r, m);
			return 0;
		}
		if (r->learning && m->h.epoch <= r->epoch)
			return -ESTALE;
		vsr_entry_hdr_get(m->entries, &eh);
		vsr_enter_epoch(r, &eh, conf, VSR_ENTER_RECOVERING);
		return 0;
	}
	if (*last && r->ticks + 1 - *last < r->cfg.repair_ticks)
		return -ESTALE;
	*last = r->ticks + 1;
	vsr_hdr_init(r, &h, VSR_CMD_EPOCH);
	/* It names nothing, whatever a learner holds. */
	h.epoch = 0;
	h.op = 0;
	h.commit = 0;
	h.flags = VSR_EPOCH_JOINING;
	vsr_send(r, VSR_PEER_SENDER, &h, 0);
	return -ESTALE;
}

/*
 * A pull of the ops up to the next epoch's start ends without the switch
 * (its source went silent, or named another k): we go on in our epoch,
 * but not in any view up to the one k was appended in, which k's commit
 * ended.  What we pulled may have replaced ops of ours past our commit
 * number, or follow them: our log is no longer our view's, whose primary
 * only appends.  As its primary we would announce commit numbers over
 * backups' logs that differ from ours (a fork, found by random search);
 * as a backup of it, or of a deposed primary of a view up to k's, meet
 * PREPAREs, and logs to become whole for, at ops we hold committed.  So
 * we enter the view change to the view after both (restarting one we
 * were in: the pull took its place).  A deposed primary of a later view
 * that dropped k, before the one that committed it, may still lack ops we
 * applied: we leave its view when we meet it (vsr_stale_view()).
 */
static void vsr_epoch_pull_end(struct vsr_replica *r)
{
	r->fetch.active = false;
	if (r->status == VSR_STATUS_NORMAL ||
	    r->status == VSR_STATUS_VIEW_CHANGE)
		vsr_start_view_change(r, max(r->view, r->fetch.log_view) + 1);
}

/**
 * vsr_stale_op() - may a log of our view lack our committed op @op?
 * @r: replica
 * @op: an op we hold committed, which our view's primary lacks or holds
 *	otherwise
 *
 * Only an op we applied from a pull of the next epoch's start: a view
 * from the one that committed k on has it in its log, but the view after
 * the one k was appended in, where a pull given up leads
 * (vsr_epoch_pull_end()), may be older than that, and its deposed
 * primary, which never learnt of the views after its own, may still
 * answer us.  An op we committed before the pull was committed in a view
 * up to ours, and every later view's log has it.
 *
 * Return: true if @op is one we pulled, and such a log a stale view's.
 */
bool vsr_stale_op(const struct vsr_replica *r, u64 op)
{
	return op > r->pulled_lo && op <= r->pulled_hi;
}

/**
 * vsr_stale_view() - leave a stale view (vsr_stale_op())
 * @r: replica whose view's primary has a log without an op we pulled, or
 *	with another op there
 *
 * Such a view can commit nothing (a quorum moved on to the view that
 * committed k): go on to the next.
 *
 * Return: true if we left the view; false if we are not normal in it.
 */
bool vsr_stale_view(struct vsr_replica *r)
{
	if (r->status != VSR_STATUS_NORMAL)
		return false;
	vsr_start_view_change(r, r->view + 1);
	return true;
}

/**
 * vsr_on_epoch_state() - a chunk of the log up to the next epoch's start
 * @r: replica pulling it (VSR_FETCH_EPOCH)
 * @m: NEWSTATE from a member of that epoch
 *
 * The source's ops up to k are committed: they replace any of ours that
 * differ (which, differing from committed ops, were not committed).
 */
void vsr_on_epoch_state(struct vsr_replica *r, const struct vsr_msg *m)
{
	const struct vsr_wire_ckpt_hdr *c = (const void *)m->ckpt;
	u64 matched = 0, upto, commit = r->commit;
	bool other_k;

	/* Its checkpoint is below k (vsr_on_get_state()): committed. */
	if (c && get_unaligned_le64(&c->op) >= r->fetch.op)
		return;
	if (vsr_adopt_entries(r, m, &matched))
		return;
	/* Nothing of the next epoch in ours; and k must be the one named. */
	if (r->log.head > r->fetch.op)
		vsr_log_truncate(&r->log, r->fetch.op);
	upto = min(matched, r->fetch.op);
	other_k = upto == r->fetch.op &&
		  !vsr_has_csum(r, r->fetch.op, r->fetch.head);
	/*
	 * What we now share with the source up to k is committed: apply it
	 * as it comes (its trims make room for the rest), k last (a
	 * checkpoint is served only below k).
	 */
	vsr_apply_to(r, other_k ? upto - 1 : upto);
	if (r->commit > commit) {
		if (!r->pulled_hi)
			r->pulled_lo = commit;
		r->pulled_hi = r->commit;
	}
	if (other_k) {
		vsr_epoch_pull_end(r);
		return;
	}
	if (!r->fetch.active)
		return;
	if (r->switching || r->commit >= r->fetch.op) {
		r->fetch.active = false;
		return;
	}
	/* A pull that moves on is not given up. */
	if (matched >= r->fetch.next) {
		r->fetch.next = matched + 1;
		r->fetch.began = r->ticks;
		vsr_fetch_request(r);
	}
}

/**
 * vsr_on_other_epoch() - a message of an epoch other than ours
 * @r: replica (with cfg.epochs)
 * @m: the message, from a valid sender index
 *
 * An older epoch's sender gets our notice (and an older epoch's GETSTATE
 * the ops up to our epoch's start); a newer epoch's notice is acted on,
 * and any other message of a newer epoch makes us ask for that notice.
 *
 * Return: 0 if the message was used, -ESTALE if it was dropped.
 */
int vsr_on_other_epoch(struct vsr_replica *r, const struct vsr_msg *m)
{
	u32 from = m->h.replica;
	u64 *last = &r->answer_tick[from];

	if (m->h.epoch < r->epoch) {
		if (m->h.command == VSR_CMD_GETSTATE && r->epoch_hdr.op) {
			vsr_on_get_state(r, m);
			return 0;
		}
		/*
		 * A learner's request that crossed our switch draws no notice:
		 * a learner that our epoch names hears of it from the members
		 * in it (at once from the first to enter, else at their
		 * ticks, vsr_epoch_tick()), and one that it does not name has
		 * no use for it.
		 */
		if (m->h.command == VSR_CMD_EPOCH &&
		    m->h.flags == (VSR_EPOCH_JOINING | VSR_EPOCH_LEARN))
			return -ESTALE;
		if (r->epoch_hdr.op)
			vsr_send_notice(r, VSR_PEER_SENDER, last);
		return -ESTALE;
	}
	/* Named again by a later epoch: we join it as a new member. */
	if (r->status == VSR_STATUS_REMOVED)
		return m->h.command == VSR_CMD_EPOCH && m->h.op ?
		       vsr_on_joining(r, m) : -ESTALE;
	/* Invitations and learners' requests are for others. */
	if (m->h.command == VSR_CMD_EPOCH &&
	    (m->h.flags & (VSR_EPOCH_LEARN | VSR_EPOCH_JOINING)))
		return -ESTALE;
	if (m->h.command == VSR_CMD_EPOCH) {
		vsr_on_notice(r, m);
		return 0;
	}
	if (m->h.command == VSR_CMD_NEWSTATE && vsr_epoch_learning(r) &&
	    r->fetch.source == from && r->fetch.epoch == m->h.epoch) {
		vsr_on_epoch_state(r, m);
		return 0;
	}
	/*
	 * Our (older) epoch's notice makes the sender answer with its own.
	 * Epoch 0 has none (a notice names the RECONFIG that started its
	 * epoch): the newer epoch's members keep telling us (vsr_epoch_tick()).
	 */
	if (r->epoch_hdr.op)
		vsr_send_notice(r, VSR_PEER_SENDER, last);
	return -ESTALE;
}

/**
 * vsr_on_own_notice() - a member's notice of our own epoch
 * @r: replica
 * @m: the notice, from member m->h.replica of our epoch
 *
 * Its sender has not heard us in the epoch (that is when a member sends
 * one), unless it says so (arg1, an answer), and we may have heard it
 * before, in which case nothing else we send may ever reach it (backups
 * send only to the primary).  Our notice answers it, saying that we heard
 * it, at most once per repair interval (apart from our own notices to it,
 * which may have crossed it or been lost): then both stop.  An answer is not
 * answered (it would go back and forth every round trip).  Nor is a
 * notice between a normal primary and its backup: the one hears the other
 * within a heartbeat (a COMMIT, or the PREPAREOK that answers it), and
 * at a switch, the answer would come just as the epoch's first ops do.
 */
void vsr_on_own_notice(struct vsr_replica *r, const struct vsr_msg *m)
{
	u32 i = m->h.replica;

	if (!r->epoch_hdr.op || i >= r->n || i == r->self || m->h.arg1)
		return;
	if (r->status == VSR_STATUS_NORMAL &&
	    (vsr_is_primary(r) || i == vsr_primary_of(r, r->view)))
		return;
	vsr_send_notice_heard(r, i, &r->heard_tick[i], true);
}

/**
 * vsr_epoch_tick() - keep telling the others about our epoch
 * @r: replica
 *
 * Each peer not yet heard in our epoch gets our notice every repair
 * interval: this is the STARTEPOCH of VRR, sent by every member that
 * knows, so that a member that missed the commit of k, and a restarted
 * one that asks nothing, still learn of it.
 */
void vsr_epoch_tick(struct vsr_replica *r)
{
	u32 i;

	for (i = 0; i < r->n && r->epoch_hdr.op; i++)
		if (i != r->self && r->peer_epoch[i] < r->epoch)
			vsr_send_notice(r, i, &r->notice_tick[i]);
	vsr_teach_tick(r);
	if (!vsr_epoch_learning(r))
		return;
	/*
	 * A source that knew of the next epoch may have died and forgotten
	 * it: then go on in ours, where k is committed and in every later
	 * view's log, so that our epoch's next primary commits it again.
	 */
	if (r->ticks - r->fetch.began > r->cfg.recovery_ticks)
		vsr_epoch_pull_end(r);
	else if (r->fetch.route != U32_MAX &&
		 r->ticks - r->fetch.tick >= r->cfg.repair_ticks)
		vsr_fetch_request(r);
}

/*
 * Is our member @i ready for the next epoch: a PREPAREOK of this view came
 * from it lately (its incarnation is then the one the op records; a
 * RECOVERY from it since clears that), and it acked ops within a pipeline
 * of our head, so that it holds the op soon after we append it?
 */
static bool vsr_member_ready(const struct vsr_replica *r, u32 i)
{
	return i == r->self ||
	       (r->incs[i] && r->ok_tick[i] &&
		r->ticks + 1 - r->ok_tick[i] <= r->cfg.abdicate_ticks &&
		r->acked[i] + r->cfg.pipeline_max >= r->log.head);
}

/*
 * Does our member @i run a module that knows no epochs?  Its PREPAREOKs
 * of this view, lately, carry no incarnation: it would refuse the
 * RECONFIG and never switch.  (A RECOVERY from a member clears what its
 * PREPAREOKs said.)
 */
static bool vsr_member_without_epochs(const struct vsr_replica *r, u32 i)
{
	return i != r->self && !r->incs[i] && r->ok_tick[i] &&
	       r->ticks + 1 - r->ok_tick[i] <= r->cfg.abdicate_ticks;
}

/*
 * Is another change than @nonce being tried here, by a caller that asked
 * again lately (within an abdication window)?  Two callers that alternate
 * would each restart the other's wait for the members for ever.
 */
static bool vsr_other_change_tried(const struct vsr_replica *r, u64 nonce)
{
	return r->reconf_nonce && r->reconf_nonce != nonce &&
	       r->reconf_view == r->view && r->reconf_epoch == r->epoch &&
	       r->ticks - r->reconf_tried <= r->cfg.abdicate_ticks;
}

/*
 * Will the next epoch (@members, our members @from[0..@count), U32_MAX
 * for a new one) have enough members that enter it normal?  Only the
 * incarnations the op records do: the members that stay, and the new
 * ones that caught up as learners (the others recover there).  With fewer
 * than a quorum, the next epoch could never recover the others, and each
 * one missing is one failure fewer that it survives.  So teach the new
 * ones and wait for all, for two abdication windows from the first try of
 * this change (@nonce), then for a quorum of the next epoch among them.
 */
static bool vsr_next_epoch_ready(struct vsr_replica *r, u64 nonce,
				 const struct vsr_member_id *members,
				 const u32 *from, u32 count)
{
	u32 i, ready = 0;

	/* The same change, tried by the same primary of the same view. */
	if (r->reconf_nonce != nonce || r->reconf_view != r->view ||
	    r->reconf_epoch != r->epoch) {
		r->reconf_nonce = nonce;
		r->reconf_view = r->view;
		r->reconf_epoch = r->epoch;
		r->reconf_since = r->ticks;
		vsr_teach(r, members, from, count);
	}
	r->reconf_tried = r->ticks;
	for (i = 0; i < count; i++)
		if (from[i] == U32_MAX ? vsr_learner_ready(r, &members[i]) :
		    vsr_member_ready(r, from[i]))
			ready++;
	if (ready < count / 2 + 1)
		return false;
	return ready == count ||
	       r->ticks - r->reconf_since > 2ULL * r->cfg.abdicate_ticks;
}

/* Has this primary committed an op of its own view, in this epoch? */
static bool vsr_committed_own_view(const struct vsr_replica *r)
{
	const struct vsr_entry *e;

	if (r->commit <= r->epoch_hdr.op)
		return false;
	e = vsr_log_get(&r->log, r->commit);
	if (e)
		return e->h.view == r->view;
	return r->ckpt.op == r->commit && r->ckpt.view == r->view;
}

/*
 * A normal backup asks the primary of its view to propose the change; the
 * caller asks again until the op appears in our log (until then the
 * primary answers what it waits for, or refuses the change for good).
 */
static void vsr_forward_reconfig(struct vsr_replica *r, u64 nonce,
				 const struct vsr_member_id *members,
				 u32 count)
{
	struct vsr_hdr h;
	u32 i;

	vsr_hdr_init(r, &h, VSR_CMD_REQUEST);
	h.flags = VSR_OP_RECONFIG;
	h.arg1 = nonce;
	for (i = 0; i < count; i++)
		memcpy(r->tx + VSR_HDR_SIZE + i * VSR_MEMBER_ID_SIZE,
		       members[i].b, VSR_MEMBER_ID_SIZE);
	vsr_send(r, vsr_primary_of(r, r->view), &h,
		 count * VSR_MEMBER_ID_SIZE);
}

/*
 * What the change @nonce (@members, @count of them) waits for on this
 * primary: a quorum (of ours, to lead and commit; or of the next epoch,
 * with members of ours not ready, or the wait of two abdication windows
 * for the rest); else the new members that the next epoch's majority
 * needs: one that has not asked to learn lately, named first, or one that
 * is still behind.  A new member counts as silent only once it has been
 * taught for an abdication window.  Sets @member to the index of the
 * member it names.
 */
static u32 vsr_change_waits(const struct vsr_replica *r, u64 nonce,
			    const struct vsr_member_id *members, u32 count,
			    u32 *member)
{
	u32 i, k, why, ready = 0, silent = 0, behind = 0, need;
	u32 first_silent = 0, first_behind = 0;

	*member = 0;
	if (r->status != VSR_STATUS_NORMAL || !vsr_is_primary(r) ||
	    r->abdicated || r->log_view != r->view ||
	    !vsr_committed_own_view(r) || r->reconf_nonce != nonce ||
	    r->reconf_view != r->view || r->reconf_epoch != r->epoch ||
	    r->ticks - r->reconf_since <= r->cfg.abdicate_ticks)
		return VSR_ANSWER_QUORUM;
	for (i = 0; i < count; i++) {
		k = vsr_member_find(r->members, r->n, members[i].b);
		if (k != U32_MAX) {
			ready += vsr_member_ready(r, k);
			continue;
		}
		why = vsr_learner_waits(r, &members[i]);
		if (!why) {
			ready++;
		} else if (why == VSR_ANSWER_SILENT) {
			if (!silent++)
				first_silent = i;
		} else if (!behind++) {
			first_behind = i;
		}
	}
	need = count / 2 + 1;
	if (ready >= need || ready + silent + behind < need)
		return VSR_ANSWER_QUORUM;
	if (silent && ready + behind < need) {
		*member = first_silent;
		return VSR_ANSWER_SILENT;
	}
	*member = first_behind;
	return VSR_ANSWER_BEHIND;
}

/* The slot of @nonce in @slots, or NULL. */
static struct vsr_answer_slot *vsr_answer_find(struct vsr_answer_slot *slots,
					       u64 nonce)
{
	u32 i;

	for (i = 0; i < VSR_ANSWER_SLOTS; i++)
		if (slots[i].nonce == nonce)
			return &slots[i];
	return NULL;
}

/* The slot for @nonce in @slots: its own, or the next in turn. */
static struct vsr_answer_slot *vsr_answer_slot(struct vsr_answer_slot *slots,
					       u32 *next, u64 nonce)
{
	struct vsr_answer_slot *a = vsr_answer_find(slots, nonce);

	if (!a) {
		a = &slots[*next];
		*next = (*next + 1) % VSR_ANSWER_SLOTS;
	}
	return a;
}

/* A refusal for good as an answer, and back; 0 for anything else. */
static u32 vsr_answer_of(int err)
{
	switch (err) {
	case -EALREADY:
		return VSR_ANSWER_ALREADY;
	case -EDOM:
		return VSR_ANSWER_DOM;
	case -EINVAL:
		return VSR_ANSWER_INVAL;
	case -EOVERFLOW:
		return VSR_ANSWER_OVERFLOW;
	case -EPROTONOSUPPORT:
		return VSR_ANSWER_NOEPOCHS;
	}
	return 0;
}

static int vsr_answer_err(u32 answer)
{
	switch (answer) {
	case VSR_ANSWER_ALREADY:
		return -EALREADY;
	case VSR_ANSWER_DOM:
		return -EDOM;
	case VSR_ANSWER_INVAL:
		return -EINVAL;
	case VSR_ANSWER_OVERFLOW:
		return -EOVERFLOW;
	case VSR_ANSWER_NOEPOCHS:
		return -EPROTONOSUPPORT;
	}
	return 0;
}

/**
 * vsr_on_reconfig_request() - a change forwarded by a backup
 * @r: replica (acts only as a primary that can lead)
 * @m: REQUEST of type VSR_OP_RECONFIG: the nonce in arg1, the members'
 *	identities in the body
 *
 * Tried like a call of vsr_replica_reconfigure() here.  Unless it was
 * appended (the backup sees it in its log), the backup is answered: a
 * refusal for good, or what the change waits for; it asks again until
 * then.  A refused change stays refused here: a later copy of it (the
 * backup's next try, already on its way) is refused again, not tried, so
 * that no change that a backup reported refused is appended by this
 * primary.
 */
void vsr_on_reconfig_request(struct vsr_replica *r, const struct vsr_msg *m)
{
	struct vsr_member_id ids[VSR_REPLICAS_MAX];
	u32 n = m->body_len / VSR_MEMBER_ID_SIZE;
	struct vsr_answer_slot *a;
	u32 answer, member = 0;
	struct vsr_hdr h;
	int ret;

	if (!vsr_is_primary(r) || !m->h.arg1 || !n || n > VSR_REPLICAS_MAX ||
	    m->body_len % VSR_MEMBER_ID_SIZE)
		return;
	a = vsr_answer_find(r->refused, m->h.arg1);
	if (a) {
		answer = a->answer;
	} else {
		memcpy(ids, m->body, m->body_len);
		ret = vsr_replica_reconfigure(r, m->h.arg1, ids, n);
		answer = vsr_answer_of(ret);
		if (answer) {
			a = vsr_answer_slot(r->refused, &r->refused_next,
					    m->h.arg1);
			a->nonce = m->h.arg1;
			a->answer = answer;
		} else if (ret == -EAGAIN) {
			answer = vsr_change_waits(r, m->h.arg1, ids, n,
						  &member);
		}
	}
	if (!answer || r->status != VSR_STATUS_NORMAL || !vsr_is_primary(r))
		return;
	vsr_hdr_init(r, &h, VSR_CMD_ANSWER);
	h.arg0 = answer;
	h.arg1 = m->h.arg1;
	h.flags = member;
	vsr_send(r, m->h.replica, &h, 0);
}

/**
 * vsr_on_answer() - the primary's answer to a change we forwarded
 * @r: replica (a normal backup of the answer's view)
 * @m: VSR_CMD_ANSWER
 *
 * Kept, with its view, for vsr_replica_reconfigure() (a refusal for good
 * ends the change there) and vsr_replica_reconfigure_waits(); a refusal
 * is never overwritten by a later answer for the same change.
 */
void vsr_on_answer(struct vsr_replica *r, const struct vsr_msg *m)
{
	struct vsr_answer_slot *a;

	if (r->status != VSR_STATUS_NORMAL || vsr_is_primary(r) ||
	    m->h.view != r->view || m->h.replica != vsr_primary_of(r, r->view))
		return;
	a = vsr_answer_slot(r->answers, &r->answers_next, m->h.arg1);
	if (a->nonce == m->h.arg1 && a->answer >= VSR_ANSWER_REFUSED)
		return;
	a->nonce = m->h.arg1;
	a->answer = m->h.arg0;
	a->member = m->h.flags;
	a->view = m->h.view;
	a->epoch = r->epoch;
}

/**
 * vsr_replica_reconfigure_waits() - what a change being tried waits for
 * @r: replica
 * @nonce: the change's nonce, as given to vsr_replica_reconfigure()
 * @members: its members, as given there (not NULL)
 * @count: how many
 * @member: set to the index in @members of the member the answer names
 *
 * For a caller whose change has not happened in time: on the primary,
 * what it waits for now; on a backup, what its primary answered last in
 * this view, or its refusal.  A change already in the log waits for a
 * quorum to commit it.
 *
 * Return: the negative errno of a refusal for good; VSR_ANSWER_QUORUM,
 * VSR_ANSWER_SILENT or VSR_ANSWER_BEHIND; 0 if nothing is known (a backup
 * that had no answer in this view).
 */
int vsr_replica_reconfigure_waits(const struct vsr_replica *r, u64 nonce,
				  const struct vsr_member_id *members,
				  u32 count, u32 *member)
{
	const struct vsr_answer_slot *a;
	u32 i;

	*member = 0;
	if (vsr_reconfig_pending(r) &&
	    vsr_log_get(&r->log, r->log.head)->h.request == nonce)
		return VSR_ANSWER_QUORUM;
	if (r->status != VSR_STATUS_NORMAL)
		return 0;
	if (vsr_is_primary(r)) {
		if (!count || count > VSR_REPLICAS_MAX)
			return 0;
		return vsr_change_waits(r, nonce, members, count, member);
	}
	for (i = 0; i < VSR_ANSWER_SLOTS; i++) {
		a = &r->answers[i];
		if (a->nonce != nonce)
			continue;
		if (a->answer >= VSR_ANSWER_REFUSED)
			return vsr_answer_err(a->answer);
		if (a->view != r->view || a->epoch != r->epoch)
			return 0;
		*member = min(a->member, count ? count - 1 : 0);
		return a->answer;
	}
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(vsr_replica_reconfigure_waits);

/**
 * vsr_replica_reconfigure() - propose the next epoch's members
 * @r: replica (acts only as a primary that can lead)
 * @nonce: non-zero; the outcome is a reply of type VSR_OP_RECONFIG with
 *	this request number, on every replica that applies the op
 * @members: the next epoch's members in index order; a new member (none
 *	of ours) must be a joining replica: the primary teaches it the log
 *	meanwhile, and records it if it caught up (else it recovers in the
 *	next epoch once it hears of it); NULL: ours, as they are
 * @count: how many (1..VSR_REPLICAS_MAX); ignored with NULL @members
 *
 * The primary first commits an op of its own view (it appends a NOOP),
 * and waits for the next epoch's members to be ready: a member of ours
 * acked lately in this view, within a pipeline of its head; a new one
 * caught up (learn.c).  It waits for all of them, for two abdication
 * windows from the first call with @nonce in this view, then for a
 * quorum; until then it returns -EAGAIN: call again with the same @nonce
 * and list (the caller bounds the wait; the teaching stops an abdication
 * window after the last call).  The op records, for each member, the
 * incarnation of its last PREPAREOK in this view, or of a new one's last
 * request if it is ready.  Once
 * appended, the primary appends nothing more in this epoch.  The change
 * happened when the reply comes; a view change may drop the op before it
 * commits, and then no reply ever comes for @nonce.  Members left out
 * become VSR_STATUS_REMOVED once they learn of the change.
 *
 * A normal backup forwards the change to its primary (-EINPROGRESS): call
 * again, as above, until it returns 0.  Once that primary refused @nonce
 * for good (VSR_CMD_ANSWER), the backup returns its refusal instead; the
 * refusal is known by @nonce alone, so another list needs another nonce.
 *
 * Return: 0 if the RECONFIG with @nonce is in our log (appended now or
 * before, here or by the primary we forwarded it to) or started our
 * epoch; -EOPNOTSUPP without cfg.epochs; -ENOTCONN while joining;
 * -EDOM when fewer than f + 1 of the list (of 2f + 1 or 2f + 2) are
 * members of ours;
 * -EINVAL for a zero nonce, a count out of range, a member named
 * twice or an all-zero identity; -EINPROGRESS when forwarded; on a backup, any refusal of
 * this list here for its primary's; -EAGAIN when this replica
 * cannot lead or forward now, or first commits a NOOP; -EALREADY while
 * another change is in flight, or being tried here (asked again within
 * an abdication window); -EPROTONOSUPPORT when a member that acks runs
 * a module without epochs; -EBUSY while the pipeline is full;
 * -EOVERFLOW in the last epoch; -EROFS once removed; -ENOMEM; -EIO once
 * failed.
 */
int vsr_replica_reconfigure(struct vsr_replica *r, u64 nonce,
			    const struct vsr_member_id *members, u32 count)
{
	struct vsr_wire_reconfig *w = (void *)r->reconf_data;
	u32 i, j, stay = 0, from[VSR_REPLICAS_MAX];
	int ret;

	if (!r->cfg.epochs)
		return -EOPNOTSUPP;
	if (r->status == VSR_STATUS_FAILED)
		return -EIO;
	if (r->status == VSR_STATUS_REMOVED)
		return -EROFS;
	if (r->status == VSR_STATUS_JOINING)
		return -ENOTCONN;
	if (!members) {
		members = r->members;
		count = r->n;
	}
	if (!nonce || !count || count > VSR_REPLICAS_MAX)
		return -EINVAL;
	for (i = 0; i < count; i++) {
		/* No member's identity is all zeros (an unset one). */
		if (!memchr_inv(members[i].b, 0, VSR_MEMBER_ID_SIZE))
			return -EINVAL;
		from[i] = vsr_member_find(r->members, r->n, members[i].b);
		stay += from[i] != U32_MAX;
		for (j = 0; j < i; j++)
			if (!memcmp(members[j].b, members[i].b,
				    VSR_MEMBER_ID_SIZE))
				return -EINVAL;
	}
	/*
	 * Someone must start the next epoch and serve the new ones k: only
	 * its members that stay can (removed ones know only their old
	 * members).  With at most f of the next epoch's members failing,
	 * f + 1 that stay leave one.
	 */
	if (stay < (count - 1) / 2 + 1)
		return -EDOM;
	/* This change started our epoch, or is appended: asked again. */
	if (r->epoch_hdr.op && r->epoch_hdr.request == nonce)
		return 0;
	if (vsr_reconfig_pending(r))
		return vsr_log_get(&r->log, r->log.head)->h.request == nonce ?
		       0 : -EALREADY;
	if (r->epoch == U32_MAX)
		return -EOVERFLOW;
	if (r->status == VSR_STATUS_NORMAL && !vsr_is_primary(r) &&
	    !vsr_epoch_learning(r)) {
		const struct vsr_answer_slot *a;

		/* The primary refused it for good. */
		a = vsr_answer_find(r->answers, nonce);
		if (a && a->answer >= VSR_ANSWER_REFUSED)
			return vsr_answer_err(a->answer);
		vsr_forward_reconfig(r, nonce, members, count);
		return -EINPROGRESS;
	}
	if (r->status != VSR_STATUS_NORMAL || !vsr_is_primary(r) ||
	    r->abdicated || r->log_view != r->view || vsr_epoch_learning(r))
		return -EAGAIN;
	if (r->switching)
		return -EBUSY;
	if (!vsr_committed_own_view(r)) {
		ret = vsr_replica_submit(r, VSR_OP_NOOP, 0, 0, NULL, 0);
		return ret ? ret : -EAGAIN;
	}
	for (i = 0; i < r->n; i++)
		if (vsr_member_without_epochs(r, i))
			return -EPROTONOSUPPORT;
	/* One change at a time: another that is being tried waits for it. */
	if (vsr_other_change_tried(r, nonce))
		return -EALREADY;
	/* The backups answer every heartbeat with a PREPAREOK. */
	if (!vsr_next_epoch_ready(r, nonce, members, from, count))
		return -EAGAIN;
	put_unaligned_le32(r->epoch + 1, &w->epoch);
	put_unaligned_le32(count, &w->count);
	for (i = 0; i < count; i++) {
		u32 k = from[i];

		/*
		 * A new member that caught up is recorded, as a member that
		 * stays; one that did not is never heard, and recovers there.
		 */
		put_unaligned_le64(k == U32_MAX ?
				   vsr_learner_ready(r, &members[i]) :
				   k == r->self ? r->incarnation : r->incs[k],
				   &w->member[i].incarnation);
		memcpy(w->member[i].id, members[i].b, VSR_MEMBER_ID_SIZE);
	}
	ret = vsr_propose(r, VSR_OP_RECONFIG, 0, nonce, r->reconf_data,
			  VSR_RECONFIG_SIZE(count));
	vsr_epoch_settle(r);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(vsr_replica_reconfigure);
