// SPDX-License-Identifier: GPL-2.0
/*
 * recovery.c - RECOVERY and RECOVERYRESPONSE (VRR section 4.3), and the
 * bootstrap of a new cluster.
 *
 * A replica keeps no state across restarts, so every replica starts in
 * recovering status.  It sends RECOVERY with a fresh nonce (from the core's
 * driver-seeded PRNG); replicas in normal status answer with their view,
 * and the primary also with its log's (op, commit, head checksum).  With
 * n - quorum + 1 normal answers (that many others meet every quorum that
 * does not count us: f + 1 for n = 2f + 1) including the primary of the
 * highest view among them, the replica pulls that primary's log by state
 * transfer and becomes normal once it holds the head the primary announced
 * in its answer (which postdates our crash, so it holds everything our
 * previous incarnation may have acked).  It never votes, acks or answers
 * anything meanwhile.  Each attempt starts again from the committed prefix:
 * what an earlier attempt pulled may come from a primary deposed since.
 *
 * A DOVIEWCHANGE of our previous incarnation may still be on its way; the
 * view change counts it only if we confirm it, which we cannot (see
 * view_change.c).
 *
 * Bootstrap: when every other replica answered and fewer than a quorum of
 * them are normal, all of those in view 0, twice in a row with the same
 * answers from the same incarnations (so that they all held at one
 * moment: a replica never goes back to recovering, nor a normal one to an
 * older view), no op can have been committed
 * (that needs a quorum holding it, and replicas that lost their state do
 * not count: more than f of them would be lost), so the replica starts
 * normal in view 0 with an empty log.  This is how a brand-new cluster (all
 * replicas recovering) comes up; it needs all n replicas up once.  (With an
 * even n, n - quorum + 1 normal answers can come from replicas that started
 * view 0 first and cannot form a quorum without us: then it is the
 * bootstrap that applies, not recovery from them.)
 */
#include "replica.h"

static void vsr_send_recovery(struct vsr_replica *r)
{
	struct vsr_hdr h;

	r->rec_sent = r->ticks;
	vsr_hdr_init(r, &h, VSR_CMD_RECOVERY);
	h.arg0 = r->nonce;
	vsr_broadcast(r, &h, 0);
}

/* Ask everybody again, with a new nonce: answers to the old one are void. */
static void vsr_recovery_round(struct vsr_replica *r)
{
	u32 i;

	/*
	 * Consecutive nonces from a random base: distinct for each round,
	 * and an answer to an earlier round of ours is known as one.
	 */
	if (!r->rec_rounds)
		r->nonce_base = vsr_prng_next(r);
	r->rec_rounds++;
	r->nonce = r->nonce_base + r->rec_rounds;
	r->rec_round_tick = r->ticks;
	for (i = 0; i < r->n; i++)
		r->rr[i].have = false;
	vsr_send_recovery(r);
}

/**
 * vsr_start_recovery() - (re)start recovery with a new nonce
 * @r: replica
 */
void vsr_start_recovery(struct vsr_replica *r)
{
	r->status = VSR_STATUS_RECOVERING;
	r->rec_tick = r->ticks;
	r->fetch.active = false;
	/* Only the committed prefix is known to be in every later log. */
	if (r->log.head > max(r->commit, r->log.base))
		vsr_log_truncate(&r->log, max(r->commit, r->log.base));
	if (r->n == 1 && !r->epoch && !vsr_in_service(r)) {
		/*
		 * Nobody to learn from: a single replica starts afresh.  Not
		 * in a later epoch, whose first ops it must hold, nor over a
		 * disk that was in service (it could not be used): there it
		 * can only wait (its one member lost its state).
		 */
		r->view = 0;
		vsr_originate(r);
		vsr_become_primary(r);
		return;
	}
	vsr_recovery_round(r);
}

/* The answers to this round are the ones we asked to be confirmed. */
static bool vsr_boot_confirmed(const struct vsr_replica *r)
{
	const struct vsr_rr *a, *b;
	u32 i;

	if (!r->boot_pending)
		return false;
	for (i = 0; i < r->n; i++) {
		a = &r->rr[i];
		b = &r->boot[i];
		if (i == r->self)
			continue;
		if (!a->have || !b->have || a->normal != b->normal ||
		    a->view != b->view || a->incarnation != b->incarnation)
			return false;
	}
	return true;
}

/**
 * vsr_on_recovery() - answer a recovering replica
 * @r: replica
 * @m: RECOVERY (arg0 = nonce)
 */
void vsr_on_recovery(struct vsr_replica *r, const struct vsr_msg *m)
{
	struct vsr_hdr h;

	/*
	 * The incarnation its PREPAREOKs named is gone: no change may record
	 * it (epoch.c).
	 */
	r->incs[m->h.replica] = 0;
	r->ok_tick[m->h.replica] = 0;
	/*
	 * A recovering replica whose disk was in service has something to
	 * lose: its "I have nothing" would let the others bootstrap.
	 */
	if (r->status == VSR_STATUS_VIEW_CHANGE ||
	    (r->status == VSR_STATUS_RECOVERING && vsr_in_service(r)))
		return;
	vsr_hdr_init(r, &h, VSR_CMD_RECOVERYRESPONSE);
	h.arg0 = m->h.arg0;
	h.arg1 = r->incarnation;
	if (r->status == VSR_STATUS_NORMAL) {
		h.flags = VSR_RR_NORMAL;
	} else {
		/* Recovering: only "I have nothing", for the bootstrap rule. */
		h.view = 0;
		h.log_view = 0;
		h.op = 0;
		h.commit = 0;
		h.head_csum = 0;
	}
	vsr_send(r, m->h.replica, &h, 0);
}

static void vsr_recovery_decide(struct vsr_replica *r)
{
	u32 i, got = 0, normal = 0, maxv = 0;
	bool empty = true;
	struct vsr_rr *p;

	for (i = 0; i < r->n; i++) {
		if (!r->rr[i].have)
			continue;
		got++;
		if (r->rr[i].normal) {
			normal++;
			maxv = max(maxv, r->rr[i].view);
			if (r->rr[i].op)
				empty = false;
		}
	}
	p = &r->rr[vsr_primary_of(r, maxv)];
	if (normal >= r->n - r->quorum + 1 &&
	    vsr_primary_of(r, maxv) != r->self && p->have && p->normal &&
	    p->view == maxv && maxv >= r->view) {
		r->view = maxv;
		r->fetch.op = p->op;
		r->fetch.head = p->head;
		r->fetch.log_view = maxv;
		if (p->commit > r->commit_max)
			r->commit_max = p->commit;
		vsr_fetch_start(r, VSR_FETCH_RECOVERY, vsr_primary_of(r, maxv),
				r->commit + 1);
		return;
	}
	/*
	 * A previous incarnation of ours may have led view 0 (beyond the
	 * failure model: more than f lost at once); a view has one log, so
	 * never lead it again over others' ops: wait rather than fork.
	 */
	if (got == r->n - 1 && normal < r->quorum && maxv == 0 &&
	    !r->log.head && !r->view && !r->epoch && !vsr_in_service(r) &&
	    (empty || !vsr_is_primary(r))) {
		/*
		 * The answers may come from different moments (a replica
		 * that answered "recovering" may have recovered since, and
		 * another crashed).  Ask again: if every answer comes back the
		 * same, from the same incarnation, it held throughout, so all
		 * of them held at once when we asked.
		 */
		if (!vsr_boot_confirmed(r)) {
			memcpy(r->boot, r->rr, sizeof(r->boot));
			r->boot_pending = true;
			vsr_recovery_round(r);
			return;
		}
		/* Bootstrap (see above): nothing can have been committed. */
		r->view = 0;
		r->log_view = 0;
		r->recoveries++;
		vsr_originate(r);
		if (vsr_is_primary(r))
			vsr_become_primary(r);
		else
			vsr_enter_view(r, 0);
	}
}

/**
 * vsr_on_recovery_response() - collect answers for our nonce
 * @r: replica
 * @m: RECOVERYRESPONSE
 */
void vsr_on_recovery_response(struct vsr_replica *r, const struct vsr_msg *m)
{
	struct vsr_rr *rr = &r->rr[m->h.replica];

	if (r->status != VSR_STATUS_RECOVERING)
		return;
	if (m->h.arg0 != r->nonce) {
		/*
		 * An answer to an earlier round of ours: it was asked for
		 * before this round began, so it took at least that long.
		 * Longer than a resend interval: the network is slow.
		 */
		if (m->h.arg0 - r->nonce_base - 1 < r->rec_rounds &&
		    r->ticks - r->rec_round_tick > r->cfg.repair_ticks)
			r->rec_late = true;
		return;
	}
	if (r->fetch.active)
		return;
	rr->have = true;
	rr->normal = m->h.flags & VSR_RR_NORMAL;
	rr->view = m->h.view;
	rr->op = m->h.op;
	rr->commit = m->h.commit;
	rr->head = m->h.head_csum;
	rr->incarnation = m->h.arg1;
	if (rr->normal && m->h.log_view != m->h.view &&
	    vsr_primary_of(r, m->h.view) == m->h.replica)
		rr->have = false;	/* a primary's log is whole */
	vsr_recovery_decide(r);
}

/**
 * vsr_fetch_done_recovery() - we hold the primary's log: back to normal
 * @r: replica
 * @op: our log equals the primary's (whole for its view) up to @op, and @op
 *	is at least the head it announced in its answer; anything after @op
 *	is dropped
 */
void vsr_fetch_done_recovery(struct vsr_replica *r, u64 op)
{
	u32 view = r->fetch.view;

	r->fetch.active = false;
	if (op < r->log.head) {
		if (WARN_ON_ONCE(op < r->commit)) {
			vsr_fail(r);
			return;
		}
		vsr_log_truncate(&r->log, op);
	}
	r->view = view;
	r->log_view = view;
	r->recoveries++;
	/*
	 * Durable: no RECONFIG of our epoch in the log we took from the
	 * primary means that none had committed when it answered us (a
	 * committed op is in the log of every later view), and none of our
	 * predecessors, all gone before we asked, applied one.  From here on
	 * our disk holds our whole history (vsr_originate()).
	 */
	if (!vsr_reconfig_pending(r))
		vsr_originate(r);
	vsr_enter_view(r, view);
	vsr_apply_to(r, r->commit_max);
	vsr_send_prepareok(r);
}

/*
 * An attempt that takes longer than this starts again with a new nonce.  It
 * needs a round trip to every peer (two for a bootstrap): on a network
 * slower than that, each new nonce would void the answers on their way,
 * for ever.  So an attempt that ran out while answers to an earlier round
 * came in late gets twice the time of the one before (up to 16 times);
 * one that ran out for want of answers (peers down, cut off) does not,
 * which keeps the next attempt quick once they are back.  A state transfer
 * restarts the clock each time it moves on: one that makes progress is
 * never cut short (a lagging replica under load would pull for ever).
 */
/**
 * vsr_recovery_attempt_ticks() - how long a recovery attempt may take
 * @r: replica
 *
 * Return: ticks from the attempt's start before it starts again.
 */
u64 vsr_recovery_attempt_ticks(const struct vsr_replica *r)
{
	return (u64)r->cfg.recovery_ticks << min_t(u32, r->rec_streak, 4);
}

/**
 * vsr_recovery_tick() - timers while recovering
 * @r: replica
 */
void vsr_recovery_tick(struct vsr_replica *r)
{
	if (r->ticks - r->rec_tick > vsr_recovery_attempt_ticks(r)) {
		if (r->rec_late && r->rec_streak < U32_MAX)
			r->rec_streak++;
		r->rec_late = false;
		vsr_start_recovery(r);
		return;
	}
	if (r->fetch.active) {
		if (r->ticks - r->fetch.tick >= r->cfg.repair_ticks)
			vsr_fetch_request(r);
		return;
	}
	if (r->ticks - r->rec_sent >= r->cfg.repair_ticks)
		vsr_send_recovery(r);
}
