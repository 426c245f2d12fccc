// SPDX-License-Identifier: GPL-2.0
/*
 * normal.c - normal operation: REQUEST, PREPARE, PREPAREOK and COMMIT,
 * proposing, batching, applying and trimming.
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
 * vsr_checkpoint_to() - move the checkpoint up to an applied op, and trim
 * @r: replica
 * @c: the op, at most our commit number (ignored if not above the
 *	checkpoint)
 *
 * A durable replica moves it only as far as its log is durable: the disk
 * must hold every op from its checkpoint on, and an op trimmed before it
 * was written never would be.
 */
void vsr_checkpoint_to(struct vsr_replica *r, u64 c)
{
	struct vsr_client_table tmp;
	struct vsr_entry *e;
	u64 op, rop;

	if (WARN_ON_ONCE(c > r->commit))
		return;
	c = min(c, vsr_log_durable(&r->log));
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
	vsr_persist_checkpoint(r);
	vsr_notify(r);
}

/* Apply a TRIM op: move the checkpoint up to (target - 1), bounded by op. */
static void vsr_apply_trim(struct vsr_replica *r, const struct vsr_entry *t)
{
	u64 c = min(t->h.request, t->h.op + 1);

	if (c)
		vsr_checkpoint_to(r, c - 1);
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
	while (r->commit < upto && r->status != VSR_STATUS_FAILED &&
	       !r->switching) {
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
			if (e->h.type == VSR_OP_RECONFIG &&
			    vsr_apply_reconfig(r, e)) {
				vsr_reply(r, VSR_OP_RECONFIG, 0, e->h.request,
					  e->h.op, 0);
				return;
			}
			/* (A trim may free e.) */
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
 * vsr_send_prepareok() - cumulative ack of our log in this view, up to
 *	what is durable
 * @r: replica (a backup whose log is whole for its view)
 */
void vsr_send_prepareok(struct vsr_replica *r)
{
	u64 op = vsr_log_durable(&r->log);
	struct vsr_hdr h;
	bool written;
	u32 csum;

	if (r->status != VSR_STATUS_NORMAL || r->log_view != r->view ||
	    vsr_is_primary(r))
		return;
	vsr_hdr_init(r, &h, VSR_CMD_PREPAREOK);
	/*
	 * Only what is durable (all of an in-memory log).  Below our trim
	 * point (a checkpoint taken over, not yet durable), or before our
	 * log view is on the disk, we name no op: the ack still tells the
	 * primary that we hear it.
	 */
	written = vsr_persisted(r);
	if (op < h.op || !written) {
		if (!written || !vsr_log_csum(&r->log, op, &csum))
			op = csum = 0;
		h.op = op;
		h.head_csum = csum;
		h.commit = min(h.commit, op);
	}
	h.arg1 = r->incarnation;
	r->ok_epoch = r->epoch;
	r->ok_view = r->view;
	r->ok_inc = r->incarnation;
	r->ok_op = h.op;
	r->ok_sent = r->ticks + 1;
	vsr_send(r, vsr_primary_of(r, r->view), &h, 0);
}

/*
 * Whether the ack a PREPARE asks for may wait for the entries' durable
 * report (vsr_replica_durable(), which acks them): a durable log holds ops
 * its disk has not written, so the ack would only repeat the last one,
 * and delay the entries' write and the primary's next ack.  At most for
 * half a heartbeat since the last, so that under a stream of PREPAREs the
 * primary still hears a backup whose disk is slow (a COMMIT, the idle
 * heartbeat, is always answered).
 */
static bool vsr_ack_waits(struct vsr_replica *r)
{
	u64 op = vsr_log_durable(&r->log);

	return r->cfg.durable && vsr_persisted(r) && op < r->log.head &&
	       r->ok_sent && r->ok_op == op && r->ok_epoch == r->epoch &&
	       r->ok_view == r->view && r->ok_inc == r->incarnation &&
	       2 * (r->ticks + 1 - r->ok_sent) < r->cfg.heartbeat_ticks;
}

/**
 * vsr_primary_commit() - commit what a quorum holds
 * @r: replica (the primary)
 *
 * The new commit number is the quorum-th highest op among our durable point
 * (our head, for an in-memory replica) and the backups' cumulative acks.
 * A backup only acks ops of its log in this view after its log became
 * whole for the view, so a quorum of acks for op n means a quorum holds
 * the canonical log up to n.
 */
void vsr_primary_commit(struct vsr_replica *r)
{
	u64 v[VSR_REPLICAS_MAX], self = 0;
	u32 i, j;

	/* Ourselves: as whole for the view once that is on the disk. */
	if (vsr_persisted(r))
		self = vsr_log_durable(&r->log);
	for (i = 0; i < r->n; i++) {
		v[i] = i == r->self ? self : r->acked[i];
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
	/* Its head is another op where we hold one we pulled. */
	if (r->log_view < r->view && m->h.op <= r->commit &&
	    m->h.op >= r->log.base && vsr_stale_op(r, m->h.op) &&
	    !vsr_has_csum(r, m->h.op, m->h.head_csum) && vsr_stale_view(r))
		return false;
	if (r->log_view < r->view && vsr_has_csum(r, m->h.op, m->h.head_csum))
		vsr_become_whole(r, m->h.op);
	/* A stale view, which we left (vsr_stale_view()). */
	if (r->status != VSR_STATUS_NORMAL)
		return false;
	if (r->log_view == r->view) {
		if (m->h.commit > r->commit_max)
			r->commit_max = m->h.commit;
		vsr_apply_to(r, r->commit_max);
		if (m->h.command != VSR_CMD_PREPARE || !vsr_ack_waits(r))
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
	/*
	 * A later view: enter it, keeping our log and log view.  (The 2012
	 * paper truncates the log to the commit number here: the defect that
	 * the simulator's paper_truncate_defect re-enacts, see protocol.rst.)
	 */
	if (m->h.view > r->view || r->status != VSR_STATUS_NORMAL)
		vsr_enter_view(r, m->h.view);
	return !vsr_is_primary(r);
}

/**
 * vsr_on_prepare() - ops from the primary, to append and ack
 * @r: replica
 * @m: PREPARE
 */
void vsr_on_prepare(struct vsr_replica *r, const struct vsr_msg *m)
{
	u64 matched = 0;

	if (!vsr_from_primary(r, m))
		return;
	if (vsr_adopt_entries(r, m, &matched) == -ESTALE) {
		vsr_stale_view(r);
		return;
	}
	if (vsr_follow_primary(r, m, matched))
		vsr_repair(r);
}

/**
 * vsr_on_commit() - the primary's heartbeat: its op, head and commit
 * @r: replica
 * @m: COMMIT
 */
void vsr_on_commit(struct vsr_replica *r, const struct vsr_msg *m)
{
	if (!vsr_from_primary(r, m))
		return;
	if (vsr_follow_primary(r, m, 0))
		vsr_repair(r);
}

/**
 * vsr_on_prepareok() - a backup's cumulative ack, at the primary
 * @r: replica
 * @m: PREPAREOK
 */
void vsr_on_prepareok(struct vsr_replica *r, const struct vsr_msg *m)
{
	u32 i = m->h.replica;

	if (r->status != VSR_STATUS_NORMAL || !vsr_is_primary(r) ||
	    m->h.view != r->view)
		return;
	r->heard[i] = r->ticks;
	r->incs[i] = m->h.arg1;
	r->ok_tick[i] = r->ticks + 1;
	if (m->h.log_view != r->view || m->h.op > r->log.head ||
	    m->h.op <= r->acked[i] || m->h.op < r->log.base ||
	    !vsr_has_csum(r, m->h.op, m->h.head_csum))
		return;
	r->acked[i] = m->h.op;
	vsr_primary_commit(r);
}

/*
 * A primary that pulls the ops up to the next epoch's start takes no part
 * in its own epoch any more: its log may hold entries of views it never
 * knew, which no PREPARE of its view may carry.  Nor once it gave up the
 * pull (its source went silent) with such entries in its log: it goes on
 * in its epoch, but another primary must lead it (random search found one
 * that led again, seed 2127090).  Ops up to the epoch's start are of
 * earlier epochs, with views of their own.
 */
static bool vsr_can_lead(const struct vsr_replica *r)
{
	const struct vsr_entry *e = vsr_log_get(&r->log, r->log.head);

	return r->status == VSR_STATUS_NORMAL && vsr_is_primary(r) &&
	       !r->abdicated && r->log_view == r->view &&
	       !vsr_epoch_learning(r) &&
	       (!e || r->log.head <= r->epoch_hdr.op || e->h.view <= r->view);
}

/**
 * vsr_propose() - primary: append an operation to the log
 * @r: replica that can lead
 * @type: VSR_OP_*
 * @session: session (DATA)
 * @request: request number, nonce or target
 * @data: data (DATA, RECONFIG)
 * @len: its length
 *
 * A duplicate of an op applied or in the log is dropped.  Nothing is
 * appended after a RECONFIG of this epoch (its writers retry in the next).
 *
 * Return: 0 if appended or dropped as a duplicate; -EAGAIN after a
 * RECONFIG, or before a durable replica's switch to its epoch is on the
 * disk; -EBUSY when the pipeline or log is full; -ENOMEM; -EIO.
 */
int vsr_propose(struct vsr_replica *r, u32 type, u64 session, u64 request,
		const void *data, u32 len)
{
	struct vsr_entry_hdr h;
	struct vsr_session *s;
	struct vsr_entry *e;
	u64 op;

	if (vsr_reconfig_pending(r))
		return -EAGAIN;
	/*
	 * A durable primary leads a new epoch's view 0 only once the switch
	 * is on its disk, and any view only once its disk says that it is
	 * in service: a restart that forgot either would lead that view
	 * again (by a bootstrap, in view 0 of the first epoch), with other
	 * ops.  Until then its log holds only what the epoch began with, so
	 * no PREPARE, NEWSTATE or RECOVERYRESPONSE can carry an op of the
	 * epoch.  (A later view was written before its STARTVIEW.)
	 */
	if ((r->persisted.epoch != r->epoch ||
	     (r->persisted.flags & VSR_PERSIST_RECOVERING) ||
	     !(r->persisted.flags & VSR_PERSIST_SERVICE)) && !vsr_persisted(r))
		return -EAGAIN;

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
	/*
	 * A ring full to its last slot, which only a log taken in a view
	 * change fills (from a primary whose ring was bigger), has no room
	 * for the TRIM that would free it: our checkpoint moves up by the
	 * one op the TRIM needs (a backup's moves by itself, as far as its
	 * commit).  Only so far, so that the TRIM itself, whose target is
	 * further up, still goes into the log for the others: a durable
	 * primary's slot is free once its disk holds the checkpoint, and
	 * the trim is proposed again then.
	 */
	if (type == VSR_OP_TRIM && !vsr_log_room(&r->log))
		vsr_checkpoint_to(r, min(r->commit, r->log.base + 1));
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
 * the primary's pipeline or log is full; -EROFS once removed (for what it
 * cannot answer); -ENOTCONN while joining; -ENOMEM; -EIO once the replica
 * failed.
 */
int vsr_replica_submit(struct vsr_replica *r, u32 type, u64 session,
		       u64 request, const void *data, u32 len)
{
	struct vsr_session *s;
	struct vsr_hdr h;
	int ret;

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
	if (r->status == VSR_STATUS_RECOVERING || vsr_epoch_learning(r))
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
	/* Only what was committed before it left is answered there. */
	if (r->status == VSR_STATUS_REMOVED)
		return -EROFS;
	if (r->status == VSR_STATUS_JOINING)
		return -ENOTCONN;
	if (vsr_can_lead(r)) {
		ret = vsr_propose(r, type, session, request, data, len);
		vsr_epoch_settle(r);
		return ret;
	}
	if (r->status != VSR_STATUS_NORMAL || vsr_is_primary(r))
		return -EAGAIN;
	if (VSR_HDR_SIZE + len > VSR_MSG_BUILD_MAX)
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

/**
 * vsr_on_request() - a client operation forwarded by a backup
 * @r: replica (acts only as a primary that can lead)
 * @m: REQUEST
 */
void vsr_on_request(struct vsr_replica *r, const struct vsr_msg *m)
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
			if (off + VSR_ENTRY_HDR_SIZE + e->h.len > VSR_MSG_BUILD_MAX)
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
 *
 * A RECONFIG goes out at once, with what waited before it: nothing is
 * appended after it in its epoch, so every write that comes meanwhile
 * waits for its commit and then for the next epoch's first round trip.
 * Held back behind what was in flight, it added up to a round trip to
 * that pause.
 */
static void vsr_flush(struct vsr_replica *r, bool force)
{
	if (!vsr_can_lead(r) || r->n == 1)
		return;
	if (force || r->sent_op <= r->commit ||
	    (r->sent_op < r->log.head && vsr_reconfig_pending(r)))
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
 * and then share PREPAREs.  Learners waiting for our next commit get
 * what the batch committed.
 */
void vsr_replica_flush(struct vsr_replica *r)
{
	vsr_flush(r, false);
	vsr_teach_waiting(r);
}
EXPORT_SYMBOL_IF_KUNIT(vsr_replica_flush);

static void vsr_primary_tick(struct vsr_replica *r)
{
	u64 abdicate = r->cfg.abdicate_ticks;
	bool grace;
	u32 i, heard = 0;

	/*
	 * A new primary hears its backups a round trip after its STARTVIEW
	 * at the earliest: it counts them as heard for two windows, or on a
	 * network whose round trip is longer than one every primary would
	 * abdicate, view after view.
	 */
	grace = r->ticks - r->normal_tick <= 2 * abdicate;
	for (i = 0; i < r->n; i++)
		if (i != r->self &&
		    (grace || r->ticks - r->heard[i] <= abdicate))
			heard++;
	/*
	 * A durable primary whose own disk keeps its ring full (the log or
	 * the checkpoint not written: a disk that hangs) gives way too, or
	 * its backups, which go on hearing it, would never elect another
	 * and no write would pass again.
	 */
	if (vsr_log_room(&r->log) >= 2 || !r->cfg.durable ||
	    (vsr_log_durable(&r->log) >= r->commit &&
	     r->log.kept >= r->log.base))
		r->full_tick = r->ticks;
	if ((heard + 1 < r->quorum || r->ticks - r->full_tick > abdicate) &&
	    !r->abdicated) {
		/* We can send but not hear a quorum: stop acting as primary. */
		r->abdicated = true;
		if (heard + 1 < r->quorum)
			r->unheard++;
		vsr_notify(r);
	}
	if (r->abdicated) {
		vsr_vote(r, r->view + 1);
		return;
	}
	/*
	 * One automatic trim at a time: each one committed moves the commit
	 * number, and on a network slow enough for more than the slack to be
	 * in flight, a trim per tick would make the next trim due for ever.
	 * None while our checkpoint waits for our disk: it could not move.
	 */
	if (r->cfg.retain && vsr_can_lead(r) && r->trim_op <= r->commit &&
	    r->commit - r->log.base > r->cfg.retain + vsr_trim_slack(&r->cfg) &&
	    vsr_log_durable(&r->log) > r->log.base &&
	    !vsr_propose(r, VSR_OP_TRIM, 0, r->commit + 1 - r->cfg.retain,
			 NULL, 0))
		r->trim_op = r->log.head;
	vsr_flush(r, true);
	if (r->n > 1 && r->ticks - r->last_send >= r->cfg.heartbeat_ticks)
		vsr_send_commit(r);
}

/**
 * vsr_normal_tick() - timers in normal status
 * @r: replica
 *
 * The primary flushes, proposes automatic trims, sends heartbeats and
 * abdicates when it no longer hears a quorum.  A backup votes for the next
 * view when its primary has been silent for too long, and pulls what it
 * lacks from the primary.
 */
void vsr_normal_tick(struct vsr_replica *r)
{
	/*
	 * The view change time stays doubled until the view has lasted as
	 * long as the last view change could: a view change slower than its
	 * first window leaves votes for the next view on their way, which
	 * would end the new view as soon as it starts, at every view.
	 */
	if (r->vc_streak && r->ticks - r->normal_tick > vsr_stall_ticks(r))
		r->vc_streak = 0;
	if (vsr_is_primary(r)) {
		vsr_primary_tick(r);
		return;
	}
	if (r->ticks - r->primary_tick >= r->cfg.view_change_ticks)
		vsr_vote(r, r->view + 1);
	if (r->log_view < r->view || r->log.head < r->primary_op)
		vsr_repair(r);
}
