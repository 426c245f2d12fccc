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
 * DOVIEWCHANGE and STARTVIEW carry only (log view, op, commit, head
 * checksum); the logs themselves move by state transfer, in datagram-sized
 * chunks.  The new primary picks the log with the highest (log view, op),
 * pulls the entries it lacks from that replica, and only then takes the
 * view.  A backup takes the view's log by the same pull.  A replica's log
 * view is raised to v only when its log holds everything the view's
 * STARTVIEW had (vsr_become_whole()), and entries are only ever replaced by
 * entries of a log whose log view is at least ours: this is what keeps the
 * state-transfer defect of the 2012 paper out (see protocol.rst).
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

static void vsr_send_dvc(struct vsr_replica *r)
{
	struct vsr_hdr h;

	vsr_hdr_init(r, &h, VSR_CMD_DOVIEWCHANGE);
	vsr_send(r, vsr_primary_of(r, r->view), &h, 0);
}

/**
 * vsr_start_view_change() - enter view-change status for @view
 * @r: replica
 * @view: new view (> r->view)
 */
void vsr_start_view_change(struct vsr_replica *r, u32 view)
{
	struct vsr_hdr h;
	u32 i;

	if (WARN_ON_ONCE(view <= r->view))
		return;
	r->view = view;
	r->view_changes++;
	r->status = VSR_STATUS_VIEW_CHANGE;
	r->abdicated = false;
	r->vc_tick = r->ticks;
	r->vc_sent = r->ticks;
	r->fetch.active = false;
	r->dvc_decided = false;
	for (i = 0; i < r->n; i++)
		r->dvc[i].have = false;
	if (r->vote_view[r->self] < view)
		r->vote_view[r->self] = view;
	r->vote_tick[r->self] = r->ticks;
	vsr_hdr_init(r, &h, VSR_CMD_STARTVIEWCHANGE);
	h.flags = VSR_SVC_ENTERED;
	vsr_broadcast(r, &h, 0);
	r->vote_sent = r->ticks;
	if (vsr_is_primary(r)) {
		struct vsr_dvc *d = &r->dvc[r->self];

		d->have = true;
		d->log_view = r->log_view;
		d->op = r->log.head;
		d->commit = r->commit;
		d->head = vsr_log_head_csum(&r->log);
	} else {
		vsr_send_dvc(r);
	}
	vsr_notify(r);
}

/**
 * vsr_on_start_view_change() - a vote from another replica
 * @r: replica
 * @m: STARTVIEWCHANGE
 */
void vsr_on_start_view_change(struct vsr_replica *r, const struct vsr_msg *m)
{
	u32 i = m->h.replica;

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
	struct vsr_dvc *best = NULL, *d;
	u32 i, count = 0, winner = 0;
	u64 k = 0;

	for (i = 0; i < r->n; i++) {
		d = &r->dvc[i];
		if (!d->have)
			continue;
		count++;
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
	if (count < r->quorum)
		return;
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
	if (m->h.log_view > m->h.view)
		return;
	d->have = true;
	d->log_view = m->h.log_view;
	d->op = m->h.op;
	d->commit = m->h.commit;
	d->head = m->h.head_csum;
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
 * vsr_view_change_tick() - timers while in view-change status
 * @r: replica
 */
void vsr_view_change_tick(struct vsr_replica *r)
{
	struct vsr_hdr h;

	/*
	 * A stalled view change: ask for the next view, but keep sending our
	 * DOVIEWCHANGE too, so that the would-be primary joins even if the
	 * voters that got us here have since gone back to their old primary
	 * (we cannot: we promised the old view nothing more).
	 */
	if (r->ticks - r->vc_tick > r->cfg.view_change_ticks)
		vsr_vote(r, r->view + 1);
	if (r->fetch.active) {
		if (r->ticks - r->fetch.tick >= r->cfg.repair_ticks)
			vsr_fetch_request(r);
		return;
	}
	if (r->ticks - r->vc_sent < r->cfg.heartbeat_ticks)
		return;
	r->vc_sent = r->ticks;
	vsr_hdr_init(r, &h, VSR_CMD_STARTVIEWCHANGE);
	h.flags = VSR_SVC_ENTERED;
	vsr_broadcast(r, &h, 0);
	if (!vsr_is_primary(r))
		vsr_send_dvc(r);
}
