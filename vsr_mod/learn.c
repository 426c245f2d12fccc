// SPDX-License-Identifier: GPL-2.0
/*
 * learn.c - learners: the new members of a change catch up before it.
 *
 * A primary that tries a change (vsr_replica_reconfigure()) naming
 * identities that are none of its members teaches them while it waits for
 * its members to be ready.  Every heartbeat it invites each one that does
 * not follow its commits already: an EPOCH flagged VSR_EPOCH_LEARN,
 * carrying what a notice of its epoch carries and its commit number.
 * Each one, a joining replica, answers with a request:
 * the first op it lacks and its incarnation.  The primary serves only
 * committed ops (a NEWSTATE up to its commit number), so that a learner's
 * log is a prefix of every later log, and notes how far each learner got.
 * A learner asks again after each lesson that brought it new ops; one that
 * holds every op committed waits for the next commit, which answers it.
 *
 * A learner that asked lately and holds the ops up to a pipeline below the
 * commit point is ready: the RECONFIG records its incarnation, as it does
 * for a member that stays, and the learner enters the next epoch as such a
 * member does.  As the change commits, the primary that taught it sends
 * it the ops it lacked up to the RECONFIG k (vsr_teach_last()), just
 * before its notice; a learner that still lacks some (that lesson lost,
 * or too long for one datagram) pulls them from the sender of a notice
 * that names it.  It applies k and switches, normal (epoch.c); any other
 * incarnation of it recovers there.  Until then a learner acks
 * nothing and counts for no quorum.
 *
 * A learner applies what it learns (so its readers see the records), but
 * no RECONFIG beyond the one that started the epoch it learns in: that
 * would be a switch, which only a notice that names it may make.
 */
#include "replica.h"

/* Has this replica learners: the primary of the view it tried a change in? */
static bool vsr_teacher(const struct vsr_replica *r)
{
	return r->n_learners && r->status == VSR_STATUS_NORMAL &&
	       vsr_is_primary(r) && r->reconf_view == r->view &&
	       r->reconf_epoch == r->epoch && !vsr_epoch_learning(r);
}

/* Is this replica teaching now: trying its change, not switching? */
static bool vsr_teaching(const struct vsr_replica *r)
{
	return vsr_teacher(r) && !r->switching &&
	       r->ticks - r->reconf_tried <= r->cfg.abdicate_ticks;
}

/**
 * vsr_teach() - teach the new members of a change from now on
 * @r: primary, as it first tries the change in this view
 * @members: the next epoch's members
 * @from: each one's index among ours, U32_MAX for a new one
 * @count: how many
 *
 * Only with a driver that can reach them (vsr_ops.learners).
 */
void vsr_teach(struct vsr_replica *r, const struct vsr_member_id *members,
	       const u32 *from, u32 count)
{
	struct vsr_member_id ids[VSR_REPLICAS_MAX];
	u32 i, n = 0;

	vsr_teach_stop(r);
	if (!r->ops->learners)
		return;
	memset(r->learners, 0, sizeof(r->learners));
	for (i = 0; i < count; i++)
		if (from[i] == U32_MAX)
			ids[n++] = members[i];
	for (i = 0; i < n; i++)
		r->learners[i].id = ids[i];
	r->n_learners = n;
	if (n)
		r->ops->learners(r->ctx, ids, n);
}

/**
 * vsr_teach_stop() - forget the learners (a new epoch, or another change)
 * @r: replica
 */
void vsr_teach_stop(struct vsr_replica *r)
{
	if (!r->n_learners)
		return;
	r->n_learners = 0;
	r->ops->learners(r->ctx, NULL, 0);
}

/* The index of learner @id of the change being tried, or U32_MAX. */
static u32 vsr_learner_find(const struct vsr_replica *r, const u8 *id)
{
	u32 j;

	for (j = 0; j < r->n_learners; j++)
		if (!memcmp(r->learners[j].id.b, id, VSR_MEMBER_ID_SIZE))
			return j;
	return U32_MAX;
}

/**
 * vsr_learner_ready() - has the new member @id caught up, lately?
 * @r: primary trying a change
 * @id: a member of the next epoch that is none of ours
 *
 * Ready: its last request came within an abdication window and it held
 * the ops up to a pipeline below our commit point then.
 *
 * Return: the incarnation to record for it, 0 if it is not ready (it
 * then recovers in the next epoch).
 */
u64 vsr_learner_ready(const struct vsr_replica *r,
		      const struct vsr_member_id *id)
{
	u32 j = vsr_learner_find(r, id->b);
	const struct vsr_learner *l;

	if (j == U32_MAX)
		return 0;
	l = &r->learners[j];
	if (!l->tick ||
	    r->ticks + 1 - l->tick > r->cfg.abdicate_ticks ||
	    l->op + r->cfg.pipeline_max < r->commit)
		return 0;
	return l->inc;
}

/**
 * vsr_learner_waits() - why the new member @id is not ready
 * @r: primary trying a change
 * @id: a member of the next epoch that is none of ours
 *
 * Return: 0 if it is ready; VSR_ANSWER_SILENT if it has not asked to
 * learn within an abdication window (or ever); VSR_ANSWER_BEHIND if it
 * asked but is more than a pipeline below our commit point.
 */
u32 vsr_learner_waits(const struct vsr_replica *r,
		      const struct vsr_member_id *id)
{
	u32 j = vsr_learner_find(r, id->b);
	const struct vsr_learner *l;

	if (j == U32_MAX)
		return VSR_ANSWER_SILENT;
	l = &r->learners[j];
	if (!l->tick || r->ticks + 1 - l->tick > r->cfg.abdicate_ticks)
		return VSR_ANSWER_SILENT;
	return l->op + r->cfg.pipeline_max < r->commit ? VSR_ANSWER_BEHIND : 0;
}
EXPORT_SYMBOL_IF_KUNIT(vsr_learner_waits);

/**
 * vsr_teach_tick() - invite each learner, once per heartbeat interval
 * @r: replica (does something only while teaching)
 *
 * The invitation is our epoch's notice, flagged VSR_EPOCH_LEARN, with our
 * commit number: each one answers with how far it got.  Not a learner
 * that follows our commits: we taught it since we last invited it, and it
 * asked within the last heartbeat interval (each lesson, or the next
 * commit, answers it).  Its invitation would only cost both sides a
 * datagram, at a change possibly inside the switch.  One that fell silent
 * (a lesson lost) is invited a heartbeat after it last asked; an idle
 * cluster's learners, every heartbeat as before.
 */
void vsr_teach_tick(struct vsr_replica *r)
{
	u32 j, len = r->epoch_hdr.op ? r->epoch_hdr.len : 0;
	struct vsr_learner *l;
	struct vsr_hdr h;

	if (!vsr_teaching(r))
		return;
	for (j = 0; j < r->n_learners; j++) {
		l = &r->learners[j];
		if (l->invited &&
		    r->ticks + 1 - l->invited < r->cfg.heartbeat_ticks)
			continue;
		if (l->taught > l->invited &&
		    r->ticks + 1 - l->tick < r->cfg.heartbeat_ticks)
			continue;
		l->invited = r->ticks + 1;
		vsr_hdr_init(r, &h, VSR_CMD_EPOCH);
		h.flags = VSR_EPOCH_LEARN;
		h.op = r->epoch_hdr.op;
		h.head_csum = r->epoch_hdr.checksum;
		if (len) {
			vsr_entry_hdr_put(r->tx + VSR_HDR_SIZE, &r->epoch_hdr);
			memcpy(r->tx + VSR_HDR_SIZE + VSR_ENTRY_HDR_SIZE,
			       r->epoch_conf, len);
		}
		vsr_send(r, VSR_PEER_LEARNER + j, &h,
			 len ? VSR_ENTRY_HDR_SIZE + len : 0);
	}
}

/**
 * vsr_on_learner_request() - a learner of ours says how far it got
 * @r: replica (answers only while teaching)
 * @m: EPOCH flagged VSR_EPOCH_JOINING | VSR_EPOCH_LEARN, of our epoch
 *
 * It gets the committed ops from the first one it lacks, as many as fit,
 * or, if it holds every op we committed, the next ones once we commit
 * them (vsr_teach_waiting()).
 */
void vsr_on_learner_request(struct vsr_replica *r, const struct vsr_msg *m)
{
	struct vsr_learner *l;
	u32 j;

	if (!vsr_teaching(r))
		return;
	j = vsr_learner_find(r, m->body);
	if (j == U32_MAX)
		return;
	l = &r->learners[j];
	l->inc = m->h.arg1;
	l->op = m->h.arg0 - 1;
	l->tick = r->ticks + 1;
	l->waits = m->h.arg0 > r->commit;
	if (!l->waits) {
		l->taught = r->ticks + 1;
		vsr_send_state(r, m->h.arg0, r->commit, VSR_PEER_SENDER);
	}
}

/**
 * vsr_teach_waiting() - answer the learners that wait for our next commit
 * @r: replica (does something only while teaching)
 *
 * Called after each batch of inputs.  A learner that holds every op we
 * committed asks again for the next one, and gets it once we commit it
 * rather than when we next invite it, a heartbeat later: it stays within
 * a round trip of our commit point, so that the last lesson
 * (vsr_teach_last()) carries only what the switch's last round trip
 * committed, not a heartbeat's worth of ops.  Each request is answered
 * once; a lost answer is made up for at the next invitation.
 */
void vsr_teach_waiting(struct vsr_replica *r)
{
	struct vsr_learner *l;
	u32 j;

	if (!vsr_teaching(r))
		return;
	for (j = 0; j < r->n_learners; j++) {
		l = &r->learners[j];
		if (!l->waits || l->op >= r->commit ||
		    r->ticks + 1 - l->tick > r->cfg.abdicate_ticks)
			continue;
		l->waits = false;
		l->taught = r->ticks + 1;
		/* To its address as our learner: it is no request's sender. */
		vsr_send_state(r, l->op + 1, r->commit, VSR_PEER_LEARNER + j);
	}
}

/**
 * vsr_teach_last() - the last lesson, as a change commits
 * @r: replica that just applied the RECONFIG k (r->commit), switching
 * @k: k's entry
 *
 * As the primary that taught the change, each learner that k recorded
 * (by the incarnation of its last request) gets the ops it lacked up to
 * k, in the epoch it learns in, before our notice of the next epoch, as
 * many as fit in one datagram.  They are committed, as every lesson's
 * are.  With its log up to k - 1, the notice alone lets it enter
 * (vsr_on_notice() appends k), in time to ack the epoch's first PREPARE,
 * which follows the notice, rather than a round trip later after a fetch.
 *
 * Only if k is ours, appended in our view: a primary deposed unawares
 * (its machine stopped) that pulled a later view's k still thinks that it
 * teaches, and its lesson would carry ops of views above its own.
 */
void vsr_teach_last(struct vsr_replica *r, const struct vsr_entry *k)
{
	const struct vsr_learner *l;
	u32 j;

	if (!vsr_teacher(r) || k->h.view != r->view)
		return;
	for (j = 0; j < r->n_learners; j++) {
		l = &r->learners[j];
		if (l->op + 1 < r->commit &&
		    vsr_reconfig_recorded(k->data, &l->id, l->inc))
			vsr_send_state(r, l->op + 1, r->commit,
				       VSR_PEER_LEARNER + j);
	}
}

/* Ask the primary teaching us (the sender) for the ops we lack. */
static void vsr_learn_request(struct vsr_replica *r)
{
	struct vsr_hdr h;

	vsr_hdr_init(r, &h, VSR_CMD_EPOCH);
	h.flags = VSR_EPOCH_JOINING | VSR_EPOCH_LEARN;
	h.op = 0;
	h.commit = 0;
	h.arg0 = max(r->commit, r->log.base) + 1;
	h.arg1 = r->incarnation;
	memcpy(r->tx + VSR_HDR_SIZE, r->members[r->self].b,
	       VSR_MEMBER_ID_SIZE);
	vsr_send(r, VSR_PEER_SENDER, &h, VSR_MEMBER_ID_SIZE);
}

/**
 * vsr_on_invitation() - a primary invites us to learn
 * @r: joining replica
 * @m: EPOCH flagged VSR_EPOCH_LEARN
 *
 * We learn in the newest epoch we were invited to: the RECONFIG that
 * started it is history to us (what we hold is committed, and a prefix
 * of its log).  We answer every invitation, so that the primary knows
 * how far we got.
 *
 * Return: 0, or -ESTALE for an older epoch's.
 */
int vsr_on_invitation(struct vsr_replica *r, const struct vsr_msg *m)
{
	if (r->learning && m->h.epoch < r->epoch)
		return -ESTALE;
	if (!r->learning || m->h.epoch > r->epoch) {
		memset(&r->epoch_hdr, 0, sizeof(r->epoch_hdr));
		if (m->h.op) {
			vsr_entry_hdr_get(m->entries, &r->epoch_hdr);
			memcpy(r->epoch_conf, m->entries + VSR_ENTRY_HDR_SIZE,
			       r->epoch_hdr.len);
		}
		r->epoch = m->h.epoch;
		r->learning = true;
		vsr_notify(r);
	}
	vsr_learn_request(r);
	return 0;
}

/**
 * vsr_on_lesson() - committed ops from the primary teaching us
 * @r: joining replica
 * @m: NEWSTATE
 *
 * Return: 0, or -ESTALE if we learn nothing in its epoch.
 */
int vsr_on_lesson(struct vsr_replica *r, const struct vsr_msg *m)
{
	u64 matched = 0, upto, op, before = r->commit;
	const struct vsr_entry *e;
	bool ended = false;

	if (!r->learning || m->h.epoch != r->epoch)
		return -ESTALE;
	if (vsr_adopt_entries(r, m, &matched))
		return 0;
	/* It serves ops up to its commit number: committed. */
	upto = min(matched, m->h.commit);
	for (op = r->commit + 1; op <= upto; op++) {
		e = vsr_log_get(&r->log, op);
		if (e->h.type == VSR_OP_RECONFIG && op > r->epoch_hdr.op) {
			upto = op - 1;
			ended = true;
			break;
		}
	}
	if (r->log.head > max(upto, r->commit))
		vsr_log_truncate(&r->log, max(upto, r->commit));
	vsr_apply_to(r, upto);
	/*
	 * Ask on while chunks bring new ops: under load, what the primary
	 * committed meanwhile comes a round trip later, not a heartbeat.  (A
	 * duplicate brings nothing new: it starts no second chain.)  Not
	 * after a lesson that reached a RECONFIG past our epoch (the last
	 * one, vsr_teach_last()): the change committed and the teacher
	 * switched, so it would not answer; a notice tells us the rest.
	 */
	if (r->commit > before && !ended)
		vsr_learn_request(r);
	return 0;
}
