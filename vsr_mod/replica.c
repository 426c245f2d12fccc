// SPDX-License-Identifier: GPL-2.0
/*
 * replica.c - replica life cycle, input dispatch and normal operation.
 *
 * Normal operation (VRR section 4.1 with batching and pipelining): the
 * primary appends each accepted request to its log at once and sends every
 * not yet sent op in one PREPARE when the driver flushes (or on the next
 * tick), so concurrent requests share a PREPARE and several PREPAREs are in
 * flight (bounded by pipeline_max uncommitted ops).  A backup appends ops
 * strictly in order, verifying the hash chain, and answers with a cumulative
 * PREPAREOK for its whole log; the primary commits the highest op a quorum
 * holds.  COMMIT is the idle heartbeat; backups answer it with PREPAREOK too,
 * which is how the primary knows it can still hear a quorum.
 */
#include "replica.h"

/**
 * vsr_prng_next() - next value of the replica's PRNG (splitmix64)
 * @r: replica
 *
 * The only source of "randomness" in the core; seeded by the driver.
 *
 * Return: a pseudo-random value.
 */
u64 vsr_prng_next(struct vsr_replica *r)
{
	u64 z = (r->prng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/**
 * vsr_hdr_init() - fill a header with the replica's current state
 * @r: replica
 * @h: header
 * @command: command
 */
void vsr_hdr_init(struct vsr_replica *r, struct vsr_hdr *h, u8 command)
{
	memset(h, 0, sizeof(*h));
	h->command = command;
	h->replica = r->self;
	h->cluster = r->cfg.cluster;
	h->epoch = r->cfg.epoch;
	h->view = r->view;
	h->op = r->log.head;
	h->commit = r->commit;
	h->log_view = r->log_view;
	h->head_csum = vsr_log_head_csum(&r->log);
}

/**
 * vsr_send() - seal the message in r->tx and send it to one replica
 * @r: replica
 * @to: destination replica
 * @h: header
 * @body_len: body bytes already at r->tx + VSR_HDR_SIZE
 */
void vsr_send(struct vsr_replica *r, u32 to, struct vsr_hdr *h,
	      size_t body_len)
{
	size_t len;

	if (WARN_ON_ONCE(to >= r->n || to == r->self) ||
	    r->status == VSR_STATUS_FAILED)
		return;
	len = vsr_msg_seal(r->tx, h, body_len);
	r->ops->send(r->ctx, to, r->tx, len);
}

/**
 * vsr_broadcast() - seal the message in r->tx and send it to every peer
 * @r: replica
 * @h: header
 * @body_len: body bytes already at r->tx + VSR_HDR_SIZE
 */
void vsr_broadcast(struct vsr_replica *r, struct vsr_hdr *h,
		   size_t body_len)
{
	size_t len;
	u32 i;

	if (r->status == VSR_STATUS_FAILED)
		return;
	len = vsr_msg_seal(r->tx, h, body_len);
	for (i = 0; i < r->n; i++)
		if (i != r->self)
			r->ops->send(r->ctx, i, r->tx, len);
}

/**
 * vsr_replica_get_status() - snapshot of the replica's visible state
 * @r: replica
 * @st: filled in
 */
void vsr_replica_get_status(const struct vsr_replica *r,
			    struct vsr_core_status *st)
{
	memset(st, 0, sizeof(*st));
	st->status = r->status;
	st->view = r->view;
	st->log_view = r->log_view;
	st->primary = vsr_primary_of(r, r->view);
	st->is_primary = r->status == VSR_STATUS_NORMAL && vsr_is_primary(r);
	st->abdicated = r->abdicated;
	st->op = r->log.head;
	st->commit = r->commit;
	st->trim = r->log.base + 1;
	st->log_bytes = r->log.bytes;
	st->view_changes = r->view_changes;
	st->recoveries = r->recoveries;
	st->checkpoints = r->checkpoints;
	st->prepares = r->prepares;
}
EXPORT_SYMBOL_IF_KUNIT(vsr_replica_get_status);

/**
 * vsr_notify() - tell the driver about a status change
 * @r: replica
 */
void vsr_notify(struct vsr_replica *r)
{
	struct vsr_core_status st;

	if (!r->ops->status)
		return;
	vsr_replica_get_status(r, &st);
	r->ops->status(r->ctx, &st);
}

/**
 * vsr_fail() - a safety invariant broke: stop this replica for good
 * @r: replica
 *
 * Its state can no longer be trusted, so it must not ack, vote, answer or
 * apply anything more: every input is ignored from now on, and the driver
 * is told (status VSR_STATUS_FAILED).  Callers WARN first.
 */
void vsr_fail(struct vsr_replica *r)
{
	if (r->status == VSR_STATUS_FAILED)
		return;
	r->status = VSR_STATUS_FAILED;
	r->fetch.active = false;
	vsr_notify(r);
}

/**
 * vsr_replica_entry() - a committed entry, for readers
 * @r: replica
 * @op: op number
 *
 * Return: the entry if @op is committed and not trimmed, else NULL.  Valid
 * until the next call into the replica.
 */
const struct vsr_entry *vsr_replica_entry(const struct vsr_replica *r,
					  u64 op)
{
	if (op > r->commit)
		return NULL;
	return vsr_log_get(&r->log, op);
}
EXPORT_SYMBOL_IF_KUNIT(vsr_replica_entry);

/**
 * vsr_has_csum() - does our log hold @op with chain checksum @csum?
 * @r: replica
 * @op: op
 * @csum: checksum
 *
 * An op below our checkpoint cannot be compared: it does not count as held.
 * (It is committed, but a "match" there says nothing about the ops after
 * it, and callers use a match to conclude that our log equals another
 * one up to @op: see vsr_become_whole().)
 *
 * Return: true if it does.
 */
bool vsr_has_csum(const struct vsr_replica *r, u64 op, u32 csum)
{
	u32 c;

	return vsr_log_csum(&r->log, op, &c) && c == csum;
}

/* Apply a TRIM op: move the checkpoint up to (target - 1), bounded by op. */
static void vsr_apply_trim(struct vsr_replica *r, const struct vsr_entry *t)
{
	u64 c = min(t->h.request, t->h.op + 1);
	struct vsr_client_table tmp;
	struct vsr_entry *e;
	u64 op, rop;

	if (!c)
		return;
	c--;
	if (c <= r->ckpt.op)
		return;
	/* Client table at c: the checkpoint's, plus ops (ckpt.op, c]. */
	if (WARN_ON_ONCE(vsr_ct_copy(&r->scratch, &r->ckpt.table, r->cfg.gfp)))
		return;
	for (op = r->ckpt.op + 1; op <= c; op++) {
		e = vsr_log_get(&r->log, op);
		if (WARN_ON_ONCE(!e)) {
			vsr_fail(r);
			return;
		}
		vsr_ct_apply(&r->scratch, &e->h, &rop);
	}
	e = vsr_log_get(&r->log, c);
	r->ckpt.op = c;
	r->ckpt.view = e->h.view;
	r->ckpt.checksum = e->h.checksum;
	tmp = r->ckpt.table;
	r->ckpt.table = r->scratch;
	r->scratch = tmp;
	vsr_log_trim(&r->log, c);
	if (r->sent_op < c)
		r->sent_op = c;
	vsr_notify(r);
}

static void vsr_reply(struct vsr_replica *r, u32 type, u64 session,
		      u64 request, u64 op, int err)
{
	struct vsr_reply rep = {
		.type = type, .session = session, .request = request,
		.op = op, .err = err,
	};

	if (r->ops->reply)
		r->ops->reply(r->ctx, &rep);
}

/**
 * vsr_apply_to() - execute committed ops in order up to @upto
 * @r: replica
 * @upto: highest op known to be committed and identical to the
 *	canonical log in our log
 */
void vsr_apply_to(struct vsr_replica *r, u64 upto)
{
	struct vsr_entry *e;
	enum vsr_ct_result res;
	u64 rop;

	upto = min(upto, r->log.head);
	if (upto > r->commit_max)
		r->commit_max = upto;
	while (r->commit < upto && r->status != VSR_STATUS_FAILED) {
		e = vsr_log_get(&r->log, r->commit + 1);
		if (WARN_ON_ONCE(!e)) {
			vsr_fail(r);
			return;
		}
		res = vsr_ct_apply(&r->ct, &e->h, &rop);
		e->flags = VSR_ENTRY_APPLIED;
		if (res == VSR_CT_ACCEPTED)
			e->flags |= VSR_ENTRY_RECORD;
		r->commit++;
		if (r->ops->commit)
			r->ops->commit(r->ctx, e);
		switch (res) {
		case VSR_CT_ACCEPTED:
			vsr_reply(r, VSR_OP_DATA, e->h.session, e->h.request,
				  e->h.op, 0);
			break;
		case VSR_CT_DUPLICATE:
			if (rop)
				vsr_reply(r, VSR_OP_DATA, e->h.session,
					  e->h.request, rop, 0);
			break;
		case VSR_CT_STALE:
			vsr_reply(r, VSR_OP_DATA, e->h.session, e->h.request,
				  0, -ESTALE);
			break;
		case VSR_CT_REGISTERED:
		case VSR_CT_REREGISTERED:
			vsr_reply(r, VSR_OP_REGISTER, rop, e->h.request, rop,
				  0);
			break;
		case VSR_CT_NONE:
			if (e->h.type == VSR_OP_NOOP && e->h.request)
				vsr_reply(r, VSR_OP_NOOP, 0, e->h.request,
					  e->h.op, 0);
			if (e->h.type == VSR_OP_TRIM) {
				vsr_reply(r, VSR_OP_TRIM, 0, e->h.request,
					  e->h.op, 0);
				vsr_apply_trim(r, e);
			}
			break;
		}
	}
}

/**
 * vsr_send_prepareok() - cumulative ack of our whole log in this view
 * @r: replica (a backup whose log is whole for its view)
 */
void vsr_send_prepareok(struct vsr_replica *r)
{
	struct vsr_hdr h;

	if (r->status != VSR_STATUS_NORMAL || r->log_view != r->view ||
	    vsr_is_primary(r))
		return;
	vsr_hdr_init(r, &h, VSR_CMD_PREPAREOK);
	vsr_send(r, vsr_primary_of(r, r->view), &h, 0);
}

/**
 * vsr_primary_commit() - commit what a quorum holds
 * @r: replica (the primary)
 *
 * The new commit number is the quorum-th highest op among our head and the
 * backups' cumulative acks.  A backup only acks ops of its log in this view
 * after its log became whole for the view, so a quorum of acks for op n
 * means a quorum holds the canonical log up to n.
 */
void vsr_primary_commit(struct vsr_replica *r)
{
	u64 v[VSR_REPLICAS_MAX];
	u32 i, j;

	for (i = 0; i < r->n; i++) {
		v[i] = i == r->self ? r->log.head : r->acked[i];
		for (j = i; j > 0 && v[j] > v[j - 1]; j--) {
			u64 t = v[j];

			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	}
	if (v[r->quorum - 1] > r->commit_max)
		r->commit_max = v[r->quorum - 1];
	vsr_apply_to(r, r->commit_max);
}

/**
 * vsr_become_primary() - start acting as primary of r->view
 * @r: replica whose log is now the view's canonical log
 */
void vsr_become_primary(struct vsr_replica *r)
{
	u32 i;

	r->status = VSR_STATUS_NORMAL;
	r->log_view = r->view;
	r->abdicated = false;
	r->sent_op = r->log.head;
	r->last_send = r->ticks;
	r->fetch.active = false;
	for (i = 0; i < r->n; i++) {
		r->acked[i] = 0;
		r->heard[i] = r->ticks;
	}
	vsr_notify(r);
}

/**
 * vsr_enter_view() - become a normal backup (or primary-elect) of @view
 * @r: replica
 * @view: view >= r->view
 *
 * The log view is not changed: the log becomes the view's log only once it
 * is known to hold everything the view's primary had (vsr_become_whole()).
 */
void vsr_enter_view(struct vsr_replica *r, u32 view)
{
	if (WARN_ON_ONCE(view < r->view)) {
		vsr_fail(r);
		return;
	}
	if (view > r->view)
		r->view_changes++;
	r->view = view;
	r->status = VSR_STATUS_NORMAL;
	r->abdicated = false;
	r->primary_tick = r->ticks;
	r->primary_op = 0;
	r->fetch.active = false;
	r->dvc_decided = false;
	if (r->vote_view[r->self] < view)
		r->vote_view[r->self] = view;
	vsr_notify(r);
}

/**
 * vsr_become_whole() - our log now holds the canonical log of our view
 * @r: replica in normal status
 * @op: an op our log holds with the checksum that a replica whose log is
 *	whole for r->view has at @op, where @op is at least that view's
 *	STARTVIEW op (the head of such a log, or an op of this view)
 *
 * Ops after @op that were prepared in an older view are not part of this
 * view's log (all of its ops after the STARTVIEW op are of this view) and
 * cannot be committed: drop them, then claim the view as log view.
 */
void vsr_become_whole(struct vsr_replica *r, u64 op)
{
	u64 p = op + 1;
	struct vsr_entry *e;

	while ((e = vsr_log_get(&r->log, p)) && e->h.view == r->view)
		p++;
	if (p <= r->log.head) {
		/* Committed ops are in every later view's log. */
		if (WARN_ON_ONCE(p - 1 < r->commit)) {
			vsr_fail(r);
			return;
		}
		vsr_log_truncate(&r->log, p - 1);
	}
	r->log_view = r->view;
	if (r->fetch.active && r->fetch.purpose == VSR_FETCH_REPAIR &&
	    r->log.head >= r->primary_op)
		r->fetch.active = false;
	vsr_notify(r);
}

/* Learned of a later view from its primary's PREPARE or COMMIT. */
static void vsr_learn_view(struct vsr_replica *r, u32 view)
{
	if (view > r->view && r->cfg.paper_truncate_defect) {
		/*
		 * TEST ONLY: the 2012 paper's state transfer truncates the
		 * log to the commit number here but keeps the last normal
		 * view: the defect the regression test demonstrates.
		 */
		vsr_log_truncate(&r->log, max(r->commit, r->log.base));
	}
	vsr_enter_view(r, view);
}

static void vsr_repair(struct vsr_replica *r)
{
	u32 p = vsr_primary_of(r, r->view);
	u64 from;

	if (r->fetch.active && r->fetch.source == p &&
	    r->fetch.view == r->view &&
	    r->ticks - r->fetch.tick < r->cfg.repair_ticks)
		return;
	from = r->log_view == r->view ? r->log.head + 1 : r->commit + 1;
	vsr_fetch_start(r, VSR_FETCH_REPAIR, p, from);
}

/**
 * vsr_follow_primary() - the steps after a message from our primary
 * @r: backup in normal status
 * @m: PREPARE, COMMIT, STARTVIEW or NEWSTATE from the primary of r->view,
 *	whose log is whole for r->view (its op, head and commit are the
 *	primary's)
 * @matched: the last op up to which our log now equals the primary's (0 if
 *	the message carried no entries)
 *
 * The primary is alive and holds @m's op: note both.  If our log holds the
 * primary's head, it is whole for the view (vsr_become_whole()).  A whole
 * log takes the primary's commit number, applies and acks; a log that is
 * not whole yet only applies what it now shares with the primary.  What is
 * left to do (pull more, and how) is the caller's.
 *
 * Return: true while our log is not whole or lacks ops the primary has
 * (the caller pulls them), false when we hold all the primary announced.
 */
bool vsr_follow_primary(struct vsr_replica *r, const struct vsr_msg *m,
			u64 matched)
{
	r->primary_tick = r->ticks;
	if (m->h.op > r->primary_op)
		r->primary_op = m->h.op;
	if (r->log_view < r->view && vsr_has_csum(r, m->h.op, m->h.head_csum))
		vsr_become_whole(r, m->h.op);
	if (r->log_view == r->view) {
		if (m->h.commit > r->commit_max)
			r->commit_max = m->h.commit;
		vsr_apply_to(r, r->commit_max);
		vsr_send_prepareok(r);
	} else {
		vsr_apply_to(r, min(m->h.commit, matched));
	}
	return r->log_view < r->view || r->log.head < r->primary_op;
}

/* A PREPARE or COMMIT from the primary of its view, which we follow? */
static bool vsr_from_primary(struct vsr_replica *r, const struct vsr_msg *m)
{
	if (r->status == VSR_STATUS_RECOVERING || m->h.view < r->view ||
	    m->h.replica != vsr_primary_of(r, m->h.view) ||
	    m->h.log_view != m->h.view)
		return false;
	if (m->h.view > r->view || r->status != VSR_STATUS_NORMAL)
		vsr_learn_view(r, m->h.view);
	return !vsr_is_primary(r);
}

static void vsr_on_prepare(struct vsr_replica *r, const struct vsr_msg *m)
{
	u64 matched = 0;

	if (!vsr_from_primary(r, m))
		return;
	vsr_adopt_entries(r, m, &matched);
	if (vsr_follow_primary(r, m, matched))
		vsr_repair(r);
}

static void vsr_on_commit(struct vsr_replica *r, const struct vsr_msg *m)
{
	if (!vsr_from_primary(r, m))
		return;
	if (vsr_follow_primary(r, m, 0))
		vsr_repair(r);
}

static void vsr_on_prepareok(struct vsr_replica *r, const struct vsr_msg *m)
{
	u32 i = m->h.replica;

	if (r->status != VSR_STATUS_NORMAL || !vsr_is_primary(r) ||
	    m->h.view != r->view)
		return;
	r->heard[i] = r->ticks;
	if (m->h.log_view != r->view || m->h.op > r->log.head ||
	    m->h.op <= r->acked[i] || m->h.op < r->log.base ||
	    !vsr_has_csum(r, m->h.op, m->h.head_csum))
		return;
	r->acked[i] = m->h.op;
	vsr_primary_commit(r);
}

static bool vsr_can_lead(const struct vsr_replica *r)
{
	return r->status == VSR_STATUS_NORMAL && vsr_is_primary(r) &&
	       !r->abdicated && r->log_view == r->view;
}

/* Primary: append a client operation to the log (or drop a duplicate). */
static int vsr_propose(struct vsr_replica *r, u32 type, u64 session,
		       u64 request, const void *data, u32 len)
{
	struct vsr_entry_hdr h;
	struct vsr_session *s;
	struct vsr_entry *e;
	u64 op;

	switch (type) {
	case VSR_OP_DATA:
		s = vsr_ct_find(&r->ct, session);
		if (s && request <= s->last_request)
			return 0;
		break;
	case VSR_OP_REGISTER:
		if (vsr_ct_find_nonce(&r->ct, request))
			return 0;
		break;
	case VSR_OP_TRIM:
		if (request <= r->log.base + 1)
			return 0;
		break;
	}
	/* Already in the uncommitted suffix? */
	for (op = r->commit + 1; op <= r->log.head; op++) {
		e = vsr_log_get(&r->log, op);
		if (e->h.type != type)
			continue;
		if (type == VSR_OP_DATA && e->h.session == session &&
		    e->h.request >= request)
			return 0;
		if ((type == VSR_OP_REGISTER || type == VSR_OP_NOOP) &&
		    e->h.request == request)
			return 0;
		if (type == VSR_OP_TRIM && e->h.request >= request)
			return 0;
	}
	if (r->log.head - r->commit >= r->cfg.pipeline_max)
		return -EBUSY;
	if (vsr_log_room(&r->log) < (type == VSR_OP_TRIM ? 1 : 2))
		return -EBUSY;
	memset(&h, 0, sizeof(h));
	h.op = r->log.head + 1;
	h.session = type == VSR_OP_DATA ? session : 0;
	h.request = request;
	h.view = r->view;
	h.len = len;
	h.type = type;
	h.parent = vsr_log_head_csum(&r->log);
	h.checksum = vsr_entry_checksum(&h, data);
	e = vsr_entry_new(&h, data, r->cfg.gfp);
	if (!e)
		return -ENOMEM;
	if (WARN_ON_ONCE(vsr_log_append(&r->log, e))) {
		vsr_free(e);
		vsr_fail(r);
		return -EIO;
	}
	if (r->n == 1)
		vsr_primary_commit(r);
	return 0;
}

/**
 * vsr_replica_submit() - a client operation from this node
 * @r: replica
 * @type: VSR_OP_REGISTER (request = nonce), VSR_OP_DATA, VSR_OP_TRIM
 *	(request = first op to keep) or VSR_OP_NOOP (request = nonce: a
 *	barrier, answered once an op ordered after everything committed
 *	before it is applied here)
 * @session: session id (DATA)
 * @request: request number (DATA, > the session's previous one)
 * @data: record (DATA)
 * @len: record length (DATA, <= VSR_RECORD_MAX)
 *
 * Call again to retry.  The outcome arrives through ops->reply when the op
 * is applied on this replica (possibly from inside this call, when this
 * replica already knows it).
 *
 * Return: 0 if the request was proposed, forwarded or answered; -EINVAL
 * for a malformed request; -EALREADY for a request older than the session's
 * last one; -EAGAIN when there is no usable primary right now; -EBUSY when
 * the primary's pipeline or log is full; -ENOMEM; -EIO once the replica
 * failed.
 */
int vsr_replica_submit(struct vsr_replica *r, u32 type, u64 session,
		       u64 request, const void *data, u32 len)
{
	struct vsr_session *s;
	struct vsr_hdr h;

	if (len > VSR_RECORD_MAX || (len && !data))
		return -EINVAL;
	if (type == VSR_OP_DATA) {
		if (!session)
			return -EINVAL;
	} else if ((type != VSR_OP_REGISTER && type != VSR_OP_TRIM &&
		    type != VSR_OP_NOOP) || len) {
		return -EINVAL;
	}
	if (r->status == VSR_STATUS_FAILED)
		return -EIO;
	if (r->status == VSR_STATUS_RECOVERING)
		return -EAGAIN;
	if (type == VSR_OP_DATA) {
		s = vsr_ct_find(&r->ct, session);
		if (s && request < s->last_request)
			return -EALREADY;
		if (s && request == s->last_request) {
			vsr_reply(r, type, session, request, s->last_op, 0);
			return 0;
		}
		if (!s && session <= r->commit) {
			vsr_reply(r, type, session, request, 0, -ESTALE);
			return 0;
		}
	} else if (type == VSR_OP_REGISTER) {
		s = vsr_ct_find_nonce(&r->ct, request);
		if (s) {
			vsr_reply(r, type, s->id, request, s->id, 0);
			return 0;
		}
	}
	if (vsr_can_lead(r))
		return vsr_propose(r, type, session, request, data, len);
	if (r->status != VSR_STATUS_NORMAL || vsr_is_primary(r))
		return -EAGAIN;
	if (VSR_HDR_SIZE + len > VSR_MSG_MAX)
		return -EINVAL;
	vsr_hdr_init(r, &h, VSR_CMD_REQUEST);
	h.flags = type;
	h.arg0 = session;
	h.arg1 = request;
	if (len)
		memcpy(r->tx + VSR_HDR_SIZE, data, len);
	vsr_send(r, vsr_primary_of(r, r->view), &h, len);
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(vsr_replica_submit);

static void vsr_on_request(struct vsr_replica *r, const struct vsr_msg *m)
{
	if (!vsr_can_lead(r))
		return;
	vsr_propose(r, m->h.flags, m->h.arg0, m->h.arg1, m->body,
		    m->body_len);
	/* Its writer, on that backup, waits for this op's commit. */
	r->remote_op = r->log.head;
}

/* Tell the backups the commit number (the heartbeat, when idle). */
static void vsr_send_commit(struct vsr_replica *r)
{
	struct vsr_hdr h;

	vsr_hdr_init(r, &h, VSR_CMD_COMMIT);
	vsr_broadcast(r, &h, 0);
	r->commit_told = r->commit;
	r->last_send = r->ticks;
}

/* Send every op not yet sent in as few PREPAREs as fit in datagrams. */
static void vsr_send_prepares(struct vsr_replica *r)
{
	struct vsr_entry *e;
	struct vsr_hdr h;
	size_t off;

	if (r->sent_op < r->log.base)
		r->sent_op = r->log.base;
	while (r->sent_op < r->log.head) {
		off = VSR_HDR_SIZE;
		vsr_hdr_init(r, &h, VSR_CMD_PREPARE);
		while (r->sent_op < r->log.head) {
			e = vsr_log_get(&r->log, r->sent_op + 1);
			if (off + VSR_ENTRY_HDR_SIZE + e->h.len > VSR_MSG_MAX)
				break;
			vsr_entry_hdr_put(r->tx + off, &e->h);
			memcpy(r->tx + off + VSR_ENTRY_HDR_SIZE, e->data,
			       e->h.len);
			off += VSR_ENTRY_HDR_SIZE + e->h.len;
			r->sent_op++;
			h.op = e->h.op;
			h.head_csum = e->h.checksum;
		}
		if (WARN_ON_ONCE(off == VSR_HDR_SIZE))
			return;
		vsr_broadcast(r, &h, off - VSR_HDR_SIZE);
		r->prepares++;
		r->commit_told = r->commit;
		r->last_send = r->ticks;
	}
}

/*
 * This is where batching happens, by Nagle's rule: with nothing in flight
 * an op goes out at once (a lone writer waits one round trip); while sent
 * ops await their quorum, new ones wait for that commit, which flushes
 * them together, or for the next tick (@force), whichever comes first.
 * Concurrent writers thus share PREPAREs as soon as they outnumber what
 * one round trip can carry, and no op waits more than a tick.
 */
static void vsr_flush(struct vsr_replica *r, bool force)
{
	if (!vsr_can_lead(r) || r->n == 1)
		return;
	if (force || r->sent_op <= r->commit)
		vsr_send_prepares(r);
	/*
	 * A writer on a backup waits until its replica learns the commit of
	 * its REQUEST: tell the backups now, not at the next heartbeat.
	 */
	if (r->commit > r->commit_told && r->remote_op > r->commit_told)
		vsr_send_commit(r);
}

/**
 * vsr_replica_flush() - send what the primary has appended, batched
 * @r: replica
 *
 * Call after each batch of inputs.  Ops go out at once when nothing is in
 * flight; otherwise they wait for the commit of what is (or the next tick)
 * and then share PREPAREs.
 */
void vsr_replica_flush(struct vsr_replica *r)
{
	vsr_flush(r, false);
}
EXPORT_SYMBOL_IF_KUNIT(vsr_replica_flush);

/*
 * Automatic trimming starts once retain + slack committed ops are held and
 * trims back to retain, so that it is not proposed again at once.
 */
static u32 vsr_trim_slack(const struct vsr_core_config *c)
{
	return c->retain / 2 + 1;
}

static void vsr_primary_tick(struct vsr_replica *r)
{
	u32 i, heard = 0;

	for (i = 0; i < r->n; i++)
		if (i != r->self &&
		    r->ticks - r->heard[i] <= r->cfg.abdicate_ticks)
			heard++;
	if (heard + 1 < r->quorum && !r->abdicated) {
		/* We can send but not hear a quorum: stop acting as primary. */
		r->abdicated = true;
		vsr_notify(r);
	}
	if (r->abdicated) {
		vsr_vote(r, r->view + 1);
		return;
	}
	if (r->cfg.retain &&
	    r->commit - r->log.base > r->cfg.retain + vsr_trim_slack(&r->cfg))
		vsr_propose(r, VSR_OP_TRIM, 0, r->commit + 1 - r->cfg.retain,
			    NULL, 0);
	vsr_flush(r, true);
	if (r->n > 1 && r->ticks - r->last_send >= r->cfg.heartbeat_ticks)
		vsr_send_commit(r);
}

/**
 * vsr_replica_tick() - time passes
 * @r: replica
 */
void vsr_replica_tick(struct vsr_replica *r)
{
	if (r->status == VSR_STATUS_FAILED)
		return;
	r->ticks++;
	switch (r->status) {
	case VSR_STATUS_NORMAL:
		if (vsr_is_primary(r)) {
			vsr_primary_tick(r);
			break;
		}
		if (r->ticks - r->primary_tick >= r->cfg.view_change_ticks)
			vsr_vote(r, r->view + 1);
		if (r->log_view < r->view || r->log.head < r->primary_op)
			vsr_repair(r);
		break;
	case VSR_STATUS_VIEW_CHANGE:
		vsr_view_change_tick(r);
		break;
	case VSR_STATUS_RECOVERING:
		vsr_recovery_tick(r);
		return;
	}
	vsr_check_votes(r);
}
EXPORT_SYMBOL_IF_KUNIT(vsr_replica_tick);

/**
 * vsr_replica_receive() - a datagram from a peer
 * @r: replica
 * @buf: datagram
 * @len: its length
 *
 * Return: 0 if the message was valid (whether or not it changed anything),
 * or the negative errno of vsr_msg_decode() saying why it was dropped, or
 * -ESTALE (other epoch), -EINVAL (bad sender index).
 */
int vsr_replica_receive(struct vsr_replica *r, const void *buf, size_t len)
{
	struct vsr_msg m;
	int err;

	err = vsr_msg_decode(buf, len, r->cfg.cluster, &m);
	if (err)
		return err;
	return vsr_replica_deliver(r, &m);
}
EXPORT_SYMBOL_IF_KUNIT(vsr_replica_receive);

/**
 * vsr_replica_deliver() - a message already validated by vsr_msg_decode()
 * @r: replica
 * @m: the decoded message (with this replica's cluster id); its body is
 *	only read during the call
 *
 * vsr_replica_receive() in two steps, so that a driver can check
 * datagrams (checksums: the costly part) before it takes its lock.
 *
 * Return: 0, -ESTALE (other epoch) or -EINVAL (bad sender index).
 */
int vsr_replica_deliver(struct vsr_replica *r, const struct vsr_msg *m)
{
	if (r->status == VSR_STATUS_FAILED)
		return 0;
	if (m->h.epoch != r->cfg.epoch)
		return -ESTALE;
	if (m->h.replica >= r->n || m->h.replica == r->self)
		return -EINVAL;
	switch (m->h.command) {
	case VSR_CMD_REQUEST:
		vsr_on_request(r, m);
		break;
	case VSR_CMD_PREPARE:
		vsr_on_prepare(r, m);
		break;
	case VSR_CMD_PREPAREOK:
		vsr_on_prepareok(r, m);
		break;
	case VSR_CMD_COMMIT:
		vsr_on_commit(r, m);
		break;
	case VSR_CMD_STARTVIEWCHANGE:
		vsr_on_start_view_change(r, m);
		break;
	case VSR_CMD_DOVIEWCHANGE:
		vsr_on_do_view_change(r, m);
		break;
	case VSR_CMD_STARTVIEW:
		vsr_on_start_view(r, m);
		break;
	case VSR_CMD_GETSTATE:
		vsr_on_get_state(r, m);
		break;
	case VSR_CMD_NEWSTATE:
		vsr_on_new_state(r, m);
		break;
	case VSR_CMD_RECOVERY:
		vsr_on_recovery(r, m);
		break;
	case VSR_CMD_RECOVERYRESPONSE:
		vsr_on_recovery_response(r, m);
		break;
	}
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(vsr_replica_deliver);

/**
 * vsr_core_config_defaults() - sensible defaults (ticks of about 10 ms)
 * @cfg: configuration to fill; the driver then sets cluster, replica,
 *	replica_count and seed
 */
void vsr_core_config_defaults(struct vsr_core_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->replica_count = 1;
	cfg->log_max = 8192;
	cfg->retain = VSR_CORE_RETAIN_DEFAULT;
	cfg->pipeline_max = 512;
	cfg->sessions_max = VSR_SESSIONS_MAX;
	cfg->heartbeat_ticks = 5;
	cfg->view_change_ticks = 30;
	cfg->abdicate_ticks = 30;
	cfg->repair_ticks = 5;
	cfg->recovery_ticks = 50;
	cfg->gfp = GFP_KERNEL;
}
EXPORT_SYMBOL_IF_KUNIT(vsr_core_config_defaults);

/**
 * vsr_core_log_max() - a log capacity that suits a configuration
 * @cfg: configuration; @retain and @pipeline_max are used
 *
 * Twice the retained suffix plus twice a full pipeline, and some room for
 * a backup that lags: automatic trimming then never waits for space.
 *
 * Return: capacity in ops.
 */
u32 vsr_core_log_max(const struct vsr_core_config *cfg)
{
	return 2 * cfg->retain + 2 * cfg->pipeline_max + 1024;
}
EXPORT_SYMBOL_IF_KUNIT(vsr_core_log_max);

static bool vsr_core_config_ok(const struct vsr_core_config *c)
{
	if (!c->replica_count || c->replica_count > VSR_REPLICAS_MAX ||
	    c->replica >= c->replica_count || !c->pipeline_max ||
	    !c->sessions_max || c->sessions_max > VSR_SESSIONS_MAX ||
	    !c->heartbeat_ticks || !c->view_change_ticks ||
	    !c->abdicate_ticks || !c->repair_ticks || !c->recovery_ticks)
		return false;
	/* Room for retained suffix, slack, a full pipeline and the TRIM. */
	if ((u64)c->retain + vsr_trim_slack(c) + c->pipeline_max + 4 >
	    c->log_max)
		return false;
	return true;
}

/**
 * vsr_replica_create() - a new replica, which starts by recovering
 * @cfg: configuration (copied)
 * @ops: callbacks (kept; must outlive the replica)
 * @ctx: passed to every callback
 *
 * A replica has no persistent state: it always starts in recovering
 * status and learns the state from the others (see protocol.rst, recovery
 * and bootstrap).  A 1-replica cluster starts normal at once.
 *
 * Return: the replica, NULL on allocation failure or bad configuration.
 */
struct vsr_replica *vsr_replica_create(const struct vsr_core_config *cfg,
				       const struct vsr_ops *ops, void *ctx)
{
	struct vsr_replica *r;
	u32 root;

	if (!vsr_core_config_ok(cfg) || !ops || !ops->send)
		return NULL;
	r = vsr_alloc(sizeof(*r), cfg->gfp);
	if (!r)
		return NULL;
	memset(r, 0, sizeof(*r));
	r->cfg = *cfg;
	r->ops = ops;
	r->ctx = ctx;
	r->n = cfg->replica_count;
	r->quorum = r->n / 2 + 1;
	r->self = cfg->replica;
	r->prng = cfg->seed;
	root = vsr_chain_root(cfg->cluster);
	r->ckpt.checksum = root;
	r->tx = vsr_alloc(VSR_MSG_MAX, cfg->gfp);
	if (!r->tx ||
	    vsr_log_init(&r->log, cfg->log_max, 0, root, cfg->gfp) ||
	    vsr_ct_init(&r->ct, cfg->sessions_max, cfg->gfp) ||
	    vsr_ct_init(&r->scratch, cfg->sessions_max, cfg->gfp) ||
	    vsr_ct_init(&r->ckpt.table, cfg->sessions_max, cfg->gfp)) {
		vsr_replica_destroy(r);
		return NULL;
	}
	vsr_start_recovery(r);
	return r;
}
EXPORT_SYMBOL_IF_KUNIT(vsr_replica_create);

/**
 * vsr_replica_set_retain() - change the retention of automatic trimming
 * @r: replica
 * @retain: committed ops to keep; 0 disables automatic trimming
 *
 * The log's ring is resized to suit (never below the entries it holds
 * plus a full pipeline).  A primary proposes the trim at its next commit;
 * a backup's retention matters once it is primary.
 *
 * Return: 0, -EINVAL if the retention does not fit a u32 ring, or -ENOMEM
 * (nothing changed then).
 */
int vsr_replica_set_retain(struct vsr_replica *r, u32 retain)
{
	struct vsr_core_config c = r->cfg;
	u64 need;
	int ret;

	c.retain = retain;
	need = max_t(u64, vsr_core_log_max(&c),
		     r->log.head - r->log.base + c.pipeline_max + 4);
	if (need > U32_MAX / 2)
		return -EINVAL;
	c.log_max = need;
	if (!vsr_core_config_ok(&c))
		return -EINVAL;
	ret = vsr_log_resize(&r->log, c.log_max, c.gfp);
	if (ret)
		return ret;
	r->cfg.retain = c.retain;
	r->cfg.log_max = c.log_max;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(vsr_replica_set_retain);

/**
 * vsr_replica_destroy() - free a replica
 * @r: replica or NULL
 */
void vsr_replica_destroy(struct vsr_replica *r)
{
	if (!r)
		return;
	vsr_log_destroy(&r->log);
	vsr_ct_destroy(&r->ct);
	vsr_ct_destroy(&r->scratch);
	vsr_ct_destroy(&r->ckpt.table);
	vsr_free(r->tx);
	vsr_free(r);
}
EXPORT_SYMBOL_IF_KUNIT(vsr_replica_destroy);
