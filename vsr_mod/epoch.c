// SPDX-License-Identifier: GPL-2.0
/*
 * epoch.c - epochs: the RECONFIG op, the switch on its commit, and the
 * EPOCH notices that tell the others (Documentation/reconfiguration.rst).
 *
 * This is stage 1 of that design, for changes that keep the members: a
 * RECONFIG op carries the next epoch's number and, for each member, its
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

/* Does the RECONFIG @conf keep our members, in our order? */
static bool vsr_reconfig_same_members(const struct vsr_replica *r,
				      const u8 *conf)
{
	u32 i;

	if (vsr_reconfig_count(conf) != r->n)
		return false;
	for (i = 0; i < r->n; i++)
		if (memcmp(vsr_reconfig_member(conf, i)->id,
			   r->cfg.members[i].b, VSR_MEMBER_ID_SIZE))
			return false;
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

	if (r->log.head <= r->epoch_op)
		return false;
	e = vsr_log_get(&r->log, r->log.head);
	return e && e->h.type == VSR_OP_RECONFIG;
}

/*
 * Our epoch's notice to @to, at most once per repair interval.  It carries
 * the RECONFIG that started the epoch: its members and the incarnations
 * it recorded.
 */
static void vsr_send_notice(struct vsr_replica *r, u32 to)
{
	struct vsr_hdr h;
	u32 len = r->epoch_hdr.len;

	if (r->notice_tick[to] &&
	    r->ticks + 1 - r->notice_tick[to] < r->cfg.repair_ticks)
		return;
	r->notice_tick[to] = r->ticks + 1;
	vsr_hdr_init(r, &h, VSR_CMD_EPOCH);
	h.op = r->epoch_op;
	h.head_csum = r->epoch_csum;
	h.commit = 0;
	/* We serve an older epoch up to k from our log, if we hold k. */
	h.arg0 = r->status == VSR_STATUS_RECOVERING || r->commit < r->epoch_op ?
		 U64_MAX : r->log.base + 1;
	vsr_entry_hdr_put(r->tx + VSR_HDR_SIZE, &r->epoch_hdr);
	memcpy(r->tx + VSR_HDR_SIZE + VSR_ENTRY_HDR_SIZE, r->epoch_conf, len);
	vsr_send(r, to, &h, VSR_ENTRY_HDR_SIZE + len);
}

/* Forget everything that belongs to the views of the epoch we leave. */
static void vsr_epoch_reset(struct vsr_replica *r)
{
	r->view = 0;
	r->log_view = 0;
	r->abdicated = false;
	r->fetch.active = false;
	r->primary_op = 0;
	r->remote_op = 0;
	r->sent_op = r->log.head;
	r->commit_told = r->commit;
	r->commit_max = r->commit;
	memset(r->acked, 0, sizeof(r->acked));
	memset(r->incs, 0, sizeof(r->incs));
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
	memset(r->rr, 0, sizeof(r->rr));
	memset(r->boot, 0, sizeof(r->boot));
	r->boot_pending = false;
}

/*
 * Enter the epoch that the RECONFIG @eh with data @conf started, in view 0
 * with our log.  A recorded incarnation that lacks k enters behind,
 * holding only ops it knows committed: a prefix of every log of the
 * epoch, but not view 0's whole log, so as view 0's primary it moves on
 * to view 1.
 */
static void vsr_enter_epoch(struct vsr_replica *r,
			    const struct vsr_entry_hdr *eh, const u8 *conf,
			    enum vsr_entering how)
{
	u32 i, epoch = vsr_reconfig_epoch(conf);

	r->switching = false;
	r->epoch = epoch;
	r->epoch_op = eh->op;
	r->epoch_csum = eh->checksum;
	r->epoch_hdr = *eh;
	memmove(r->epoch_conf, conf, eh->len);
	r->epochs++;
	r->peer_epoch[r->self] = epoch;
	vsr_epoch_reset(r);
	if (how == VSR_ENTER_RECOVERING)
		vsr_start_recovery(r);
	else if (how == VSR_ENTER_BEHIND && vsr_is_primary(r))
		vsr_start_view_change(r, 1);
	else if (vsr_is_primary(r))
		vsr_become_primary(r);
	else
		vsr_enter_view(r, 0);
	vsr_notify(r);
	/* Tell the others at once; vsr_epoch_tick() goes on until heard. */
	for (i = 0; i < r->n; i++)
		if (i != r->self && r->peer_epoch[i] < epoch)
			vsr_send_notice(r, i);
}

/*
 * Is this replica the incarnation that the RECONFIG @conf recorded for it?
 * Only that one enters the next epoch normal: it is the member's only
 * incarnation that can apply the op, once.  Any other one may have a
 * predecessor that acted in the next epoch and was forgotten: acked ops
 * there (a primary keeps a dead incarnation's cumulative ack and commits
 * with it beside acks given after this one recovered), or led view 0.
 * It recovers there, as after a restart.
 */
static bool vsr_recorded(const struct vsr_replica *r, const u8 *conf)
{
	return r->status != VSR_STATUS_RECOVERING &&
	       vsr_reconfig_inc(conf, r->self) == r->incarnation;
}

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
	if (e->h.op <= r->epoch_op)
		return false;
	/* Nothing follows a RECONFIG in its epoch (rule 2). */
	if (WARN_ON_ONCE(!r->cfg.epochs || e->h.op != r->log.head ||
			 vsr_reconfig_epoch(e->data) != r->epoch + 1 ||
			 !vsr_reconfig_same_members(r, e->data))) {
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
	vsr_enter_epoch(r, &e->h, e->data, r->switch_how);
}

/* A notice of a newer epoch (from replica m->h.replica). */
static void vsr_on_notice(struct vsr_replica *r, const struct vsr_msg *m)
{
	u32 epoch = m->h.epoch;
	const u8 *conf = m->entries + VSR_ENTRY_HDR_SIZE;
	struct vsr_entry_hdr eh;
	u64 k = m->h.op;

	if (!k || r->switching)
		return;
	/* Stage 1 of reconfiguration: every epoch has the same members. */
	if (!vsr_reconfig_same_members(r, conf))
		return;
	if (epoch == r->epoch + 1 && r->status != VSR_STATUS_RECOVERING) {
		if (vsr_has_csum(r, k, m->h.head_csum)) {
			/* k is committed, and so is our log up to it. */
			if (k > r->commit_max)
				r->commit_max = k;
			vsr_apply_to(r, k);
			return;
		}
		/* One source at a time; another if it seems gone. */
		if (vsr_epoch_learning(r) && r->fetch.epoch == epoch &&
		    (r->fetch.source == m->h.replica ||
		     r->ticks - r->fetch.began < r->cfg.recovery_ticks))
			return;
		/* Pull what we lack, up to k, if the sender still has it. */
		if (k > r->commit && m->h.arg0 <= r->commit + 1) {
			r->fetch.op = k;
			r->fetch.head = m->h.head_csum;
			r->fetch.epoch = epoch;
			vsr_fetch_start(r, VSR_FETCH_EPOCH, m->h.replica,
					r->commit + 1);
			return;
		}
	}
	/*
	 * Epochs skipped, or the ops we lack trimmed: we cannot apply k
	 * ourselves.  If the op recorded this incarnation, we enter as a
	 * backup that is behind, with what we know committed, and catch up
	 * from the epoch's primary; otherwise we recover there.
	 */
	vsr_entry_hdr_get(m->entries, &eh);
	if (epoch == r->epoch + 1 && vsr_recorded(r, conf)) {
		if (r->log.head > max(r->commit, r->log.base))
			vsr_log_truncate(&r->log, max(r->commit, r->log.base));
		vsr_enter_epoch(r, &eh, conf, VSR_ENTER_BEHIND);
		return;
	}
	vsr_enter_epoch(r, &eh, conf, VSR_ENTER_RECOVERING);
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
	u64 matched = 0;

	if (m->ckpt || vsr_adopt_entries(r, m, &matched))
		return;
	/*
	 * What we now share with the source up to k is committed: apply it
	 * as it comes (its trims make room for the rest), k last.
	 */
	vsr_apply_to(r, min(matched, r->fetch.op));
	if (r->switching) {
		r->fetch.active = false;
		return;
	}
	if (matched >= r->fetch.next) {
		r->fetch.next = matched + 1;
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

	if (m->h.epoch < r->epoch) {
		if (m->h.command == VSR_CMD_GETSTATE && r->epoch_op) {
			vsr_on_get_state(r, m);
			return 0;
		}
		if (r->epoch_op)
			vsr_send_notice(r, from);
		return -ESTALE;
	}
	if (m->h.epoch > r->peer_epoch[from])
		r->peer_epoch[from] = m->h.epoch;
	if (m->h.command == VSR_CMD_EPOCH) {
		vsr_on_notice(r, m);
		return 0;
	}
	if (m->h.command == VSR_CMD_NEWSTATE && vsr_epoch_learning(r) &&
	    r->fetch.source == from && r->fetch.epoch == m->h.epoch) {
		vsr_on_epoch_state(r, m);
		return 0;
	}
	/* Our (older) epoch's notice makes the sender answer with its own. */
	vsr_send_notice(r, from);
	return -ESTALE;
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

	for (i = 0; i < r->n && r->epoch_op; i++)
		if (i != r->self && r->peer_epoch[i] < r->epoch)
			vsr_send_notice(r, i);
	if (!vsr_epoch_learning(r))
		return;
	/*
	 * A source that knew of the next epoch may have died and forgotten
	 * it: then go on in ours, where k is committed and in every later
	 * view's log, so that our epoch's next primary commits it again.
	 */
	if (r->ticks - r->fetch.began > r->cfg.recovery_ticks)
		r->fetch.active = false;
	else if (r->ticks - r->fetch.tick >= r->cfg.repair_ticks)
		vsr_fetch_request(r);
}

/*
 * Does this primary know the incarnation of every member it heard lately?
 * Only the recorded incarnation of member 0 leads view 0 of the next
 * epoch (without it, the epoch starts with a view change), and changes of
 * members will need every member's.  A member that keeps repairing sends
 * no PREPAREOK: wait at most two abdication windows into the view.
 */
static bool vsr_knows_incarnations(const struct vsr_replica *r)
{
	u32 i;

	if (r->ticks - r->normal_tick > 2ULL * r->cfg.abdicate_ticks)
		return true;
	for (i = 0; i < r->n; i++)
		if (i != r->self && !r->incs[i] &&
		    r->ticks - r->heard[i] <= r->cfg.abdicate_ticks)
			return false;
	return true;
}

/* Has this primary committed an op of its own view, in this epoch? */
static bool vsr_committed_own_view(const struct vsr_replica *r)
{
	const struct vsr_entry *e;

	if (r->commit <= r->epoch_op)
		return false;
	e = vsr_log_get(&r->log, r->commit);
	if (e)
		return e->h.view == r->view;
	return r->ckpt.op == r->commit && r->ckpt.view == r->view;
}

/**
 * vsr_replica_reconfigure() - propose the next epoch, with the same members
 * @r: replica (acts only as a primary that can lead)
 * @nonce: non-zero; the outcome is a reply of type VSR_OP_RECONFIG with
 *	this request number, on every replica that applies the op
 *
 * The primary first commits an op of its own view (it appends a NOOP),
 * and hears a PREPAREOK from every member it heard lately; until then it
 * returns -EAGAIN: call again.  The op records, for each member, the
 * incarnation of its last PREPAREOK in this view.  Once
 * appended, the primary appends nothing more in this epoch.  The change
 * happened when the reply comes; a view change may drop the op before it
 * commits, and then no reply ever comes for @nonce.
 *
 * Return: 0 if the RECONFIG was appended; -EOPNOTSUPP without cfg.epochs;
 * -EINVAL for a zero nonce; -EAGAIN when this replica cannot lead now or
 * first commits a NOOP; -EBUSY while a change is in flight or the pipeline
 * is full; -EOVERFLOW in the last epoch; -ENOMEM; -EIO once failed.
 */
int vsr_replica_reconfigure(struct vsr_replica *r, u64 nonce)
{
	u8 data[VSR_RECONFIG_SIZE(VSR_REPLICAS_MAX)];
	struct vsr_wire_reconfig *w = (void *)data;
	int ret;
	u32 i;

	if (!r->cfg.epochs)
		return -EOPNOTSUPP;
	if (!nonce)
		return -EINVAL;
	if (r->status == VSR_STATUS_FAILED)
		return -EIO;
	if (r->status != VSR_STATUS_NORMAL || !vsr_is_primary(r) ||
	    r->abdicated || r->log_view != r->view || vsr_epoch_learning(r))
		return -EAGAIN;
	if (vsr_reconfig_pending(r) || r->switching)
		return -EBUSY;
	if (r->epoch == U32_MAX)
		return -EOVERFLOW;
	if (!vsr_committed_own_view(r)) {
		ret = vsr_replica_submit(r, VSR_OP_NOOP, 0, 0, NULL, 0);
		return ret ? ret : -EAGAIN;
	}
	/* The backups answer every heartbeat with a PREPAREOK. */
	if (!vsr_knows_incarnations(r))
		return -EAGAIN;
	put_unaligned_le32(r->epoch + 1, &w->epoch);
	put_unaligned_le32(r->n, &w->count);
	for (i = 0; i < r->n; i++) {
		put_unaligned_le64(i == r->self ? r->incarnation : r->incs[i],
				   &w->member[i].incarnation);
		memcpy(w->member[i].id, r->cfg.members[i].b,
		       VSR_MEMBER_ID_SIZE);
	}
	ret = vsr_propose(r, VSR_OP_RECONFIG, 0, nonce, data,
			  VSR_RECONFIG_SIZE(r->n));
	vsr_epoch_settle(r);
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(vsr_replica_reconfigure);
