// SPDX-License-Identifier: GPL-2.0
/*
 * view_change.c - STARTVIEWCHANGE, DOVIEWCHANGE and STARTVIEW.
 *
 * Voting: a replica that wants a new view (a backup that stopped hearing
 * its primary, a primary that stopped hearing a quorum, a replica whose view
 * change stalled) votes for view + 1 and keeps sending STARTVIEWCHANGE; it
 * does not leave its view on its own.  A replica enters view change w only
 * when a quorum (a majority, itself included) has recently voted for w or later,
 * so one replica behind an asymmetric partition can neither depose a healthy
 * primary nor drive the views up.  A replica that did enter view change w
 * says so in its STARTVIEWCHANGE (VSR_SVC_ENTERED) and that makes the others
 * join w: the quorum was there, and it cannot go back to the old view.
 * Entering view change w sends DOVIEWCHANGE to w's primary at once (the
 * quorum has been seen).
 *
 * DOVIEWCHANGE is a promise: "I take no part in views below w".  A restart
 * forgets it, while the message may still be on its way; counted then, it
 * would present a log that lacks what the new incarnation acked in an older
 * view since.  So the new primary uses a DOVIEWCHANGE only once its sender
 * confirmed it: on each new DOVIEWCHANGE it draws a challenge and asks the
 * senders (by incarnation) to send theirs again with it; a replica does so
 * only while it is still in that view change, the same incarnation.  It
 * decides with a quorum Q such that every member of Q echoed a challenge
 * drawn after the last member of Q's DOVIEWCHANGE arrived.  At the moment
 * that last one arrived, every member of Q was in view change w: it had
 * entered before its DOVIEWCHANGE arrived, and had neither left nor crashed
 * before it answered a later challenge.  So a quorum was in view change w
 * at one instant, as the paper's argument needs (protocol.rst).
 *
 * DOVIEWCHANGE and STARTVIEW carry only (log view, op, commit, head
 * checksum); the logs themselves move by state transfer, in datagram-sized
 * chunks.  The new primary picks the log with the highest (log view, op),
 * pulls the entries it lacks from that replica, and only then takes the
 * view.  A backup takes the view's log by the same pull.  A replica's log
 * view is raised to v only when its log holds everything the view's
 * STARTVIEW had (vsr_become_whole()), and entries are only ever replaced by
 * entries of a log whose log view is at least ours: this is what keeps the
 * state-transfer defect of the 2012 paper out (see protocol.rst).
 *
 * A durable replica (cfg.durable) has its view on the disk before it
 * promises anything for it: its ENTERED STARTVIEWCHANGE, its DOVIEWCHANGE
 * and its echoes wait, and a primary-elect does not count its own
 * DOVIEWCHANGE, until the driver says the view is written
 * (vsr_replica_persisted()).  A plain vote promises nothing.
 */
#include "replica.h"

/**
 * vsr_vote() - vote for a view change to @view
 * @r: replica
 * @view: the view we want
 */
void vsr_vote(struct vsr_replica *r, u32 view)
{
	struct vsr_hdr h;

	if (r->vote_view[r->self] < view)
		r->vote_view[r->self] = view;
	r->vote_tick[r->self] = r->ticks;
	if (r->ticks - r->vote_sent < r->cfg.heartbeat_ticks && r->vote_sent)
		return;
	r->vote_sent = r->ticks;
	vsr_hdr_init(r, &h, VSR_CMD_STARTVIEWCHANGE);
	h.view = r->vote_view[r->self];
	vsr_broadcast(r, &h, 0);
}

/**
 * vsr_check_votes() - enter a view change once a quorum asks for it
 * @r: replica
 *
 * Enters the highest view w such that a quorum voted for w or later within
 * the last 2 * view_change_ticks.
 */
void vsr_check_votes(struct vsr_replica *r)
{
	u32 v[VSR_REPLICAS_MAX];
	u32 i, j, k = 0;

	if (r->status == VSR_STATUS_RECOVERING)
		return;
	for (i = 0; i < r->n; i++) {
		if (r->vote_view[i] <= r->view ||
		    r->ticks - r->vote_tick[i] > 2ULL * r->cfg.view_change_ticks)
			continue;
		v[k] = r->vote_view[i];
		for (j = k++; j > 0 && v[j] > v[j - 1]; j--) {
			u32 t = v[j];

			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	}
	if (k >= r->quorum)
		vsr_start_view_change(r, v[r->quorum - 1]);
}

/* Our DOVIEWCHANGE, with our incarnation and a challenge to echo (or 0). */
static void vsr_send_dvc(struct vsr_replica *r, u64 challenge)
{
	struct vsr_hdr h;

	vsr_hdr_init(r, &h, VSR_CMD_DOVIEWCHANGE);
	h.arg0 = challenge;
	h.arg1 = r->incarnation;
	vsr_send(r, vsr_primary_of(r, r->view), &h, 0);
}

/* The latest challenge sits at index dvc_clock % VSR_CHALLENGES. */
static u32 vsr_latest_challenge(const struct vsr_replica *r)
{
	return r->dvc_clock % VSR_CHALLENGES;
}

/* New primary: ask the senders that have not echoed the latest challenge. */
static void vsr_request_confirms(struct vsr_replica *r)
{
	u32 c = vsr_latest_challenge(r);
	struct vsr_dvc *d;
	struct vsr_hdr h;
	u32 i;

	for (i = 0; i < r->n; i++) {
		d = &r->dvc[i];
		if (i == r->self || !d->have ||
		    d->confirmed >= r->dvc_challenge_at[c])
			continue;
		vsr_hdr_init(r, &h, VSR_CMD_STARTVIEWCHANGE);
		h.flags = VSR_SVC_ENTERED | VSR_SVC_CONFIRM;
		h.arg0 = r->dvc_challenge[c];
		h.arg1 = d->incarnation;
		vsr_send(r, i, &h, 0);
	}
}

/* A new challenge, drawn after every DOVIEWCHANGE held now arrived. */
static void vsr_new_challenge(struct vsr_replica *r)
{
	u32 c;

	r->dvc_clock++;
	c = vsr_latest_challenge(r);
	r->dvc_challenge[c] = vsr_prng_next(r) | 1;
	r->dvc_challenge_at[c] = r->dvc_clock;
	vsr_request_confirms(r);
}

/* An echo of a recent challenge confirms as of when it was drawn. */
static void vsr_confirm(struct vsr_replica *r, struct vsr_dvc *d, u64 echo)
{
	u32 c;

	for (c = 0; c < VSR_CHALLENGES; c++)
		if (echo && r->dvc_challenge[c] == echo &&
		    r->dvc_challenge_at[c] > d->confirmed)
			d->confirmed = r->dvc_challenge_at[c];
}

/*
 * A quorum whose members all echoed a challenge drawn after the last of
 * their DOVIEWCHANGEs arrived (see above); true if there is one, with its
 * members in @in.
 */
static bool vsr_confirmed_quorum(const struct vsr_replica *r, bool *in)
{
	const struct vsr_dvc *d, *e;
	u32 i, j, count;

	/* Try each arrival as the instant; ours arrived when we entered. */
	for (i = 0; i < r->n; i++) {
		e = &r->dvc[i];
		if (!e->have || e->confirmed < e->arrived)
			continue;
		count = 0;
		for (j = 0; j < r->n; j++) {
			d = &r->dvc[j];
			in[j] = d->have && d->arrived <= e->arrived &&
				d->confirmed >= e->arrived;
			count += in[j];
		}
		if (count >= r->quorum)
			return true;
	}
	return false;
}

/* Status view change for r->view: our part begins (and our promises). */
static void vsr_view_change_begin(struct vsr_replica *r)
{
	u32 i;

	r->status = VSR_STATUS_VIEW_CHANGE;
	r->abdicated = false;
	r->vc_tick = r->ticks;
	r->vc_sent = r->ticks;
	r->fetch.active = false;
	r->dvc_decided = false;
	memset(r->dvc_challenge, 0, sizeof(r->dvc_challenge));
	for (i = 0; i < r->n; i++)
		r->dvc[i].have = false;
	if (r->vote_view[r->self] < r->view)
		r->vote_view[r->self] = r->view;
	r->vote_tick[r->self] = r->ticks;
	r->vote_sent = r->ticks;
	if (vsr_is_primary(r)) {
		struct vsr_dvc *d = &r->dvc[r->self];

		d->have = true;
		d->log_view = r->log_view;
		d->op = r->log.head;
		d->commit = r->commit;
		d->head = vsr_log_head_csum(&r->log);
		d->incarnation = r->incarnation;
		/* Ours is in force for as long as we are in this view change. */
		d->arrived = ++r->dvc_clock;
		d->confirmed = U64_MAX;
	}
	vsr_promise_view(r);
	vsr_notify(r);
}

/**
 * vsr_start_view_change() - enter view-change status for @view
 * @r: replica
 * @view: new view (> r->view)
 */
void vsr_start_view_change(struct vsr_replica *r, u32 view)
{
	if (WARN_ON_ONCE(view <= r->view))
		return;
	r->view = view;
	r->view_changes++;
	if (r->vc_streak < U32_MAX)
		r->vc_streak++;
	vsr_view_change_begin(r);
}

/**
 * vsr_restart_view() - a replica restarted from its disk resumes the view
 *	change for its persisted view, which it will never lead
 * @r: replica, with the view and log view of its disk (restart.c)
 */
void vsr_restart_view(struct vsr_replica *r)
{
	r->no_lead = true;
	r->no_lead_view = r->view;
	vsr_view_change_begin(r);
}

static void vsr_decide(struct vsr_replica *r);

/* Our ENTERED STARTVIEWCHANGE, and a backup's DOVIEWCHANGE. */
static void vsr_say_entered(struct vsr_replica *r)
{
	struct vsr_hdr h;

	vsr_hdr_init(r, &h, VSR_CMD_STARTVIEWCHANGE);
	h.flags = VSR_SVC_ENTERED;
	vsr_broadcast(r, &h, 0);
	if (!vsr_is_primary(r))
		vsr_send_dvc(r, 0);
}

/**
 * vsr_promise_view() - say that we are in our view change, once we may
 * @r: replica in view-change status
 *
 * Broadcasts our ENTERED STARTVIEWCHANGE and sends a backup's DOVIEWCHANGE;
 * a durable primary-elect decides if it can.  Nothing while the view is
 * not on the disk (a durable replica): the driver's
 * vsr_replica_persisted() calls this again.
 */
void vsr_promise_view(struct vsr_replica *r)
{
	if (!vsr_persisted(r))
		return;
	vsr_say_entered(r);
	if (vsr_is_primary(r) && !r->dvc_decided && r->cfg.durable)
		vsr_decide(r);
}

/**
 * vsr_on_start_view_change() - a vote from another replica
 * @r: replica
 * @m: STARTVIEWCHANGE
 */
void vsr_on_start_view_change(struct vsr_replica *r, const struct vsr_msg *m)
{
	u32 i = m->h.replica;

	if (m->h.flags & VSR_SVC_CONFIRM) {
		/*
		 * Only the incarnation that sent it, still in that view
		 * change.  It asks only once our DOVIEWCHANGE came, which
		 * this incarnation sent with the view on the disk.
		 */
		if (r->status == VSR_STATUS_VIEW_CHANGE &&
		    m->h.view == r->view && m->h.arg1 == r->incarnation &&
		    m->h.replica == vsr_primary_of(r, r->view))
			vsr_send_dvc(r, m->h.arg0);
		return;
	}
	if (r->status == VSR_STATUS_RECOVERING || m->h.view <= r->view)
		return;
	if (m->h.flags & VSR_SVC_ENTERED) {
		/*
		 * The sender only entered that view change after seeing a
		 * quorum of votes for it: join, or a replica that cannot go
		 * back would wait alone for a view nobody else asks for.
		 */
		vsr_start_view_change(r, m->h.view);
		return;
	}
	if (r->vote_view[i] < m->h.view ||
	    r->ticks - r->vote_tick[i] > 2ULL * r->cfg.view_change_ticks)
		r->vote_view[i] = m->h.view;
	r->vote_tick[i] = r->ticks;
	/*
	 * A backup that has not heard its primary for half its timeout
	 * (and for two heartbeats) seconds the vote at once instead of
	 * waiting out the rest of its own timer: the two timers run out at
	 * nearly the same time anyway, but not in the same tick.  A primary
	 * that is heard keeps its backups from seconding anything.
	 */
	if (r->status == VSR_STATUS_NORMAL && !vsr_is_primary(r) &&
	    m->h.view == r->view + 1 &&
	    r->ticks - r->primary_tick >
	    max_t(u64, r->cfg.view_change_ticks / 2, 2 * r->cfg.heartbeat_ticks))
		vsr_vote(r, r->view + 1);
	vsr_check_votes(r);
}

/**
 * vsr_send_start_view() - announce the view we lead
 * @r: replica (normal primary)
 * @to: replica, or -1 for all
 */
void vsr_send_start_view(struct vsr_replica *r, int to)
{
	struct vsr_hdr h;

	vsr_hdr_init(r, &h, VSR_CMD_STARTVIEW);
	if (to < 0)
		vsr_broadcast(r, &h, 0);
	else
		vsr_send(r, to, &h, 0);
}

/* New primary: our log is the chosen one; take the view. */
static void vsr_install_view(struct vsr_replica *r)
{
	u64 k = r->dvc_commit;

	/* The chosen log holds every op a quorum committed. */
	if (WARN_ON_ONCE(k > r->log.head)) {
		vsr_fail(r);
		return;
	}
	vsr_become_primary(r);
	if (k > r->commit_max)
		r->commit_max = k;
	vsr_apply_to(r, r->commit_max);
	vsr_send_start_view(r, -1);
	r->last_send = r->ticks;
	if (r->n == 1)
		vsr_primary_commit(r);
}

/**
 * vsr_fetch_done_view_change() - the new primary now holds the chosen log
 * @r: replica
 *
 * Ops of ours after the chosen log's head were not in it and cannot have
 * been committed (the chosen log has every committed op): drop them.
 */
void vsr_fetch_done_view_change(struct vsr_replica *r)
{
	u64 op = r->fetch.op;

	r->fetch.active = false;
	if (op < r->log.head) {
		if (WARN_ON_ONCE(op < r->commit)) {
			vsr_fail(r);
			return;
		}
		vsr_log_truncate(&r->log, op);
	}
	vsr_install_view(r);
}

static void vsr_decide(struct vsr_replica *r)
{
	bool in[VSR_REPLICAS_MAX];
	struct vsr_dvc *best = NULL, *d;
	u32 i, winner = 0;
	u64 k = 0;

	/* Restarted from our disk, we never lead the view we had. */
	if (!vsr_persisted(r) || (r->no_lead && r->view == r->no_lead_view) ||
	    !vsr_confirmed_quorum(r, in))
		return;
	for (i = 0; i < r->n; i++) {
		d = &r->dvc[i];
		if (!in[i])
			continue;
		if (d->commit > k)
			k = d->commit;
		if (!best || d->log_view > best->log_view ||
		    (d->log_view == best->log_view && d->op > best->op) ||
		    (d->log_view == best->log_view && d->op == best->op &&
		     i == r->self)) {
			best = d;
			winner = i;
		}
	}
	r->dvc_decided = true;
	r->dvc_commit = k;
	d = &r->dvc[r->self];
	if (winner == r->self ||
	    (d->log_view == best->log_view && d->op == best->op)) {
		/*
		 * Same log view and length.  The logs may still differ past
		 * the last op they share (one may already hold ops of a
		 * later view it has not become whole for), but each holds
		 * every op committed in views up to that log view, so
		 * either is a correct choice: keep ours.
		 */
		vsr_install_view(r);
		return;
	}
	r->fetch.op = best->op;
	r->fetch.head = best->head;
	r->fetch.log_view = best->log_view;
	vsr_fetch_start(r, VSR_FETCH_VIEW_CHANGE, winner, r->commit + 1);
}

/**
 * vsr_on_do_view_change() - a DOVIEWCHANGE for a view we would lead
 * @r: replica
 * @m: DOVIEWCHANGE
 */
void vsr_on_do_view_change(struct vsr_replica *r, const struct vsr_msg *m)
{
	struct vsr_dvc *d = &r->dvc[m->h.replica];

	if (r->status == VSR_STATUS_RECOVERING || m->h.view < r->view ||
	    vsr_primary_of(r, m->h.view) != r->self)
		return;
	if (m->h.view > r->view) {
		/* Its sender saw a quorum of votes for this view. */
		vsr_start_view_change(r, m->h.view);
	}
	if (r->status == VSR_STATUS_NORMAL) {
		if (r->log_view == r->view)
			vsr_send_start_view(r, m->h.replica);
		return;
	}
	if (m->h.log_view > m->h.view || m->h.replica == r->self)
		return;
	if (!d->have || d->incarnation != m->h.arg1 ||
	    d->log_view != m->h.log_view || d->op != m->h.op ||
	    d->commit != m->h.commit || d->head != m->h.head_csum) {
		/* New, or from another incarnation: to be confirmed. */
		d->have = true;
		d->log_view = m->h.log_view;
		d->op = m->h.op;
		d->commit = m->h.commit;
		d->head = m->h.head_csum;
		d->incarnation = m->h.arg1;
		d->arrived = ++r->dvc_clock;
		d->confirmed = 0;
		if (!r->dvc_decided)
			vsr_new_challenge(r);
	} else {
		vsr_confirm(r, d, m->h.arg0);
	}
	if (!r->dvc_decided)
		vsr_decide(r);
}

/**
 * vsr_on_start_view() - the new primary announces its view
 * @r: replica
 * @m: STARTVIEW (op, head: the view's log; commit)
 */
void vsr_on_start_view(struct vsr_replica *r, const struct vsr_msg *m)
{
	if (r->status == VSR_STATUS_RECOVERING || m->h.view < r->view ||
	    m->h.replica != vsr_primary_of(r, m->h.view) ||
	    m->h.log_view != m->h.view)
		return;
	if (m->h.view > r->view || r->status != VSR_STATUS_NORMAL)
		vsr_enter_view(r, m->h.view);
	if (!vsr_follow_primary(r, m, 0))
		return;
	vsr_fetch_start(r, VSR_FETCH_REPAIR, m->h.replica,
			r->log_view == r->view ? r->log.head + 1 :
			r->commit + 1);
}

/**
 * vsr_stall_ticks() - how long a view change may take
 * @r: replica
 *
 * A view change that takes longer than this is abandoned for the next one.
 * The time doubles with each view change in a row (up to 8 times), so
 * that a slow network (the confirmation round costs a round trip) still
 * lets one of them finish; a view that lasts this long ends the row
 * (vsr_normal_tick()).
 *
 * Return: the time, in ticks.
 */
u64 vsr_stall_ticks(const struct vsr_replica *r)
{
	return (u64)r->cfg.view_change_ticks <<
	       min_t(u32, r->vc_streak ? r->vc_streak - 1 : 0, 3);
}

/**
 * vsr_view_change_tick() - timers while in view-change status
 * @r: replica
 */
void vsr_view_change_tick(struct vsr_replica *r)
{

	/*
	 * A stalled view change: ask for the next view, but keep sending our
	 * DOVIEWCHANGE too, so that the would-be primary joins even if the
	 * voters that got us here have since gone back to their old primary
	 * (we cannot: we promised the old view nothing more).  A durable
	 * replica gives up no view before its promises for it are written
	 * (and its stall counts from then: vsr_replica_persisted()).
	 */
	if (r->ticks - r->vc_tick > vsr_stall_ticks(r) && vsr_persisted(r))
		vsr_vote(r, r->view + 1);
	if (r->fetch.active) {
		if (r->ticks - r->fetch.tick >= r->cfg.repair_ticks)
			vsr_fetch_request(r);
		return;
	}
	if (r->ticks - r->vc_sent < r->cfg.heartbeat_ticks)
		return;
	r->vc_sent = r->ticks;
	if (vsr_persisted(r))
		vsr_say_entered(r);
	if (!vsr_is_primary(r))
		return;
	/* Lost requests or answers. */
	if (!r->dvc_decided && r->dvc_challenge[vsr_latest_challenge(r)])
		vsr_request_confirms(r);
}
