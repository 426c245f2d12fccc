// SPDX-License-Identifier: GPL-2.0
/*
 * state_transfer.c - GETSTATE / NEWSTATE: pulling log entries (and, below
 * the source's trim point, its checkpoint) in datagram-sized chunks.
 *
 * Used by a backup that is behind or has just entered a view, by a new
 * primary that lacks the chosen log, and by a recovering replica.  Received
 * entries are compared with ours position by position: equal entries are
 * kept; at the first difference our suffix is dropped and replaced.  That is
 * safe because we only ever take entries from a log whose log view is at
 * least ours: an op of ours that differs from such a log at the same
 * position was never committed (see protocol.rst).  Unlike the 2012 paper we
 * never truncate to the commit number and keep claiming the old log view
 * for a shorter log.
 */
#include "replica.h"

/**
 * vsr_fetch_request() - ask the source for the next chunk
 * @r: replica with an active fetch.  One that learns the next epoch
 *	(VSR_FETCH_EPOCH) knows its source by the source's index in that
 *	epoch, and sends to it as to a member of its own (@route) or, when it
 *	is none, only while it handles the source's datagram.
 */
void vsr_fetch_request(struct vsr_replica *r)
{
	u32 to = r->fetch.source;
	struct vsr_hdr h;

	if (r->fetch.purpose == VSR_FETCH_EPOCH)
		to = r->fetch.route != U32_MAX ? r->fetch.route :
		     VSR_PEER_SENDER;
	if (to == VSR_PEER_SENDER && !r->receiving)
		return;
	r->fetch.tick = r->ticks;
	vsr_hdr_init(r, &h, VSR_CMD_GETSTATE);
	h.arg0 = r->fetch.next;
	vsr_send(r, to, &h, 0);
}

/**
 * vsr_fetch_start() - start pulling from @source, beginning at op @from
 * @r: replica
 * @purpose: what the transfer is for (the caller has set the target in
 *	r->fetch that @purpose needs: see enum vsr_fetch_purpose)
 * @source: replica to pull from
 * @from: first op wanted
 */
void vsr_fetch_start(struct vsr_replica *r, enum vsr_fetch_purpose purpose,
		     u32 source, u64 from)
{
	if (source == r->self && purpose != VSR_FETCH_EPOCH)
		return;
	r->fetch.active = true;
	r->fetch.purpose = purpose;
	r->fetch.source = source;
	r->fetch.view = r->view;
	r->fetch.began = r->ticks;
	r->fetch.next = max(from, r->log.base + 1);
	vsr_fetch_request(r);
}

/**
 * vsr_send_state() - a NEWSTATE with our entries from op @from up to @last
 * @r: replica
 * @from: first op asked for; at or below our trim point, our checkpoint
 *	comes first
 * @last: last op to serve (as many as fit in one datagram)
 * @to: where to (as for vsr_send())
 */
void vsr_send_state(struct vsr_replica *r, u64 from, u64 last, u32 to)
{
	size_t off = VSR_HDR_SIZE;
	struct vsr_entry *e;
	struct vsr_hdr h;
	u32 view;
	u64 op;

	vsr_hdr_init(r, &h, VSR_CMD_NEWSTATE);
	if (r->status == VSR_STATUS_NORMAL && r->log_view == r->view)
		h.arg1 = 1;	/* source is a normal replica, log whole */
	/*
	 * Nothing of a view above ours, which a NEWSTATE of epoch 0 cannot
	 * carry (in later epochs a log holds older epochs' ops of any view):
	 * a replica that pulled committed ops of a later view, the next
	 * epoch's start in a pull it gave up since, never joined that view.
	 */
	view = h.epoch ? U32_MAX : h.view;
	if (from <= r->log.base) {
		struct vsr_wire_ckpt_hdr *c = (void *)(r->tx + off);

		if (r->ckpt.view > view)
			return;

		h.flags |= VSR_NS_CKPT;
		put_unaligned_le64(r->ckpt.op, &c->op);
		put_unaligned_le32(r->ckpt.view, &c->view);
		put_unaligned_le32(r->ckpt.checksum, &c->checksum);
		put_unaligned_le32(r->ckpt.table.count, &c->count);
		put_unaligned_le32(0, &c->zero);
		off += VSR_CKPT_HDR_SIZE;
		off += vsr_ct_encode(&r->ckpt.table, r->tx + off);
		from = r->log.base + 1;
	}
	if (from > last + 1)
		from = last + 1;
	h.arg0 = from;
	for (op = from; op <= last; op++) {
		e = vsr_log_get(&r->log, op);
		if (e->h.view > view ||
		    off + VSR_ENTRY_HDR_SIZE + e->h.len > VSR_MSG_BUILD_MAX)
			break;
		vsr_entry_hdr_put(r->tx + off, &e->h);
		memcpy(r->tx + off + VSR_ENTRY_HDR_SIZE, e->data, e->h.len);
		off += VSR_ENTRY_HDR_SIZE + e->h.len;
	}
	vsr_send(r, to, &h, off - VSR_HDR_SIZE);
}

/**
 * vsr_on_get_state() - serve entries from op arg0 on (and our checkpoint if
 * arg0 is at or below our trim point)
 * @r: replica
 * @m: GETSTATE
 */
void vsr_on_get_state(struct vsr_replica *r, const struct vsr_msg *m)
{
	u64 from = m->h.arg0, last = r->log.head;

	if (!from)
		return;
	/*
	 * An older epoch's replica may only learn committed ops up to the
	 * RECONFIG that ended its epoch, and a checkpoint only below it, so
	 * that it applies the RECONFIG itself (and switches then).  Those are
	 * committed whatever our status: a recovering replica serves them too.
	 */
	if (m->h.epoch < r->epoch) {
		if (from <= r->log.base && r->log.base >= r->epoch_hdr.op)
			return;
		last = min(last, min(r->epoch_hdr.op, r->commit));
	} else if (r->status == VSR_STATUS_RECOVERING) {
		return;
	}
	if (r->status == VSR_STATUS_NORMAL && vsr_is_primary(r) &&
	    m->h.epoch == r->epoch && m->h.view == r->view)
		r->heard[m->h.replica] = r->ticks;
	/* An older epoch's replica is known by its index in that epoch. */
	vsr_send_state(r, from, last,
		       m->h.epoch == r->epoch ? m->h.replica : VSR_PEER_SENDER);
}

/* Take the source's checkpoint (op c) when it is beyond ours. */
static int vsr_install_checkpoint(struct vsr_replica *r, const u8 *p)
{
	const struct vsr_wire_ckpt_hdr *w = (const void *)p;
	u64 c = get_unaligned_le64(&w->op);
	u32 view = get_unaligned_le32(&w->view);
	u32 csum = get_unaligned_le32(&w->checksum);
	u32 count = get_unaligned_le32(&w->count);
	struct vsr_client_table tmp;

	if (c <= r->log.base)
		return 0;
	if (vsr_ct_decode(&r->scratch, p + VSR_CKPT_HDR_SIZE, count))
		return -EINVAL;
	if (vsr_has_csum(r, c, csum)) {
		vsr_log_trim(&r->log, c);
	} else {
		/* Our ops up to c differ from a log that has them committed. */
		if (WARN_ON_ONCE(c <= r->commit)) {
			vsr_fail(r);
			return -EIO;
		}
		vsr_log_reset(&r->log, c, csum);
	}
	r->checkpoints++;
	r->ckpt.op = c;
	r->ckpt.view = view;
	r->ckpt.checksum = csum;
	tmp = r->ckpt.table;
	r->ckpt.table = r->scratch;
	r->scratch = tmp;
	if (r->commit < c) {
		if (WARN_ON_ONCE(vsr_ct_copy(&r->ct, &r->ckpt.table,
					     r->cfg.gfp)))
			return -ENOMEM;
		r->commit = c;
		if (r->commit_max < c)
			r->commit_max = c;
	}
	if (r->sent_op < c)
		r->sent_op = c;
	vsr_persist_checkpoint(r);
	vsr_notify(r);
	return 0;
}

/**
 * vsr_log_extend() - append the entry that follows our head, if it does
 * @r: replica
 * @eh: the entry's header (checked whole on decode)
 * @data: its data (copied)
 *
 * Return: 0 if appended; -EINVAL if it does not follow our head (op or
 * parent checksum); -ENOSPC without room; -ENOMEM; -EIO if the log
 * refused it (the replica failed).
 */
int vsr_log_extend(struct vsr_replica *r, const struct vsr_entry_hdr *eh,
		   const void *data)
{
	struct vsr_entry *e;

	if (eh->op != r->log.head + 1 ||
	    eh->parent != vsr_log_head_csum(&r->log))
		return -EINVAL;
	/*
	 * A ring full of ops we applied: our checkpoint moves up to our
	 * commit number, as a TRIM would.  Rings differ between replicas (an
	 * admin's vsradm set resizes one), and one smaller than its
	 * primary's would otherwise never take the TRIM that frees it.
	 */
	if (!vsr_log_room(&r->log) && r->commit > r->log.base)
		vsr_checkpoint_to(r, r->commit);
	if (!vsr_log_room(&r->log))
		return -ENOSPC;
	e = vsr_entry_new(eh, data, r->cfg.gfp);
	if (!e)
		return -ENOMEM;
	if (WARN_ON_ONCE(vsr_log_append(&r->log, e))) {
		vsr_free(e);
		vsr_fail(r);
		return -EIO;
	}
	return 0;
}

/*
 * Is @m our view's primary's log (its PREPARE, or a chunk of a repair from
 * it), which may be a stale view's (vsr_stale_op())?  Elsewhere a conflict
 * with a committed op is a broken invariant, as it always was.
 */
static bool vsr_stale_source(const struct vsr_replica *r,
			     const struct vsr_msg *m)
{
	if (m->h.epoch != r->epoch || r->status != VSR_STATUS_NORMAL)
		return false;
	return m->h.command == VSR_CMD_PREPARE ||
	       (m->h.command == VSR_CMD_NEWSTATE && r->fetch.active &&
		r->fetch.purpose == VSR_FETCH_REPAIR);
}

/**
 * vsr_adopt_entries() - merge a chunk of another log into ours
 * @r: replica
 * @m: PREPARE or NEWSTATE from a log whose log view is >= ours
 * @matched: set to the last op up to which our log now equals the source's
 *	(unchanged if none)
 *
 * Return: 0, or a negative errno when the chunk could not be taken at all:
 * -ESTALE if our view's primary sent it, and it differs from ops we pulled
 * with the next epoch's start and hold committed, or follows another op
 * there (a stale view's log, see vsr_stale_op()).
 */
int vsr_adopt_entries(struct vsr_replica *r, const struct vsr_msg *m,
		      u64 *matched)
{
	struct vsr_entry_iter it;
	struct vsr_entry_hdr eh;
	struct vsr_entry *own;
	const u8 *data;
	int err;

	if (m->ckpt) {
		err = vsr_install_checkpoint(r, m->ckpt);
		if (err)
			return err;
		if (m->h.arg0 - 1 <= r->log.base)
			*matched = r->log.base;
	}
	vsr_entry_iter_init(&it, m);
	while (vsr_entry_iter_next(&it, &eh, &data)) {
		if (eh.op <= r->log.base) {
			*matched = eh.op;
			continue;
		}
		if (eh.op <= r->log.head) {
			own = vsr_log_get(&r->log, eh.op);
			if (own->h.checksum == eh.checksum) {
				*matched = eh.op;
				continue;
			}
			/*
			 * A committed op can never differ, but in a stale
			 * view's log from ops we pulled (vsr_stale_op()).
			 */
			if (eh.op <= r->commit && vsr_stale_op(r, eh.op) &&
			    vsr_stale_source(r, m))
				return -ESTALE;
			if (WARN_ON_ONCE(eh.op <= r->commit)) {
				vsr_fail(r);
				return -EIO;
			}
			vsr_log_truncate(&r->log, eh.op - 1);
		}
		if (eh.type == VSR_OP_RECONFIG && !r->cfg.epochs)
			break;
		/* It follows another op where we hold one we pulled. */
		if (eh.op - 1 >= r->log.base && eh.op - 1 <= r->commit &&
		    vsr_stale_op(r, eh.op - 1) && vsr_stale_source(r, m) &&
		    !vsr_has_csum(r, eh.op - 1, eh.parent))
			return -ESTALE;
		err = vsr_log_extend(r, &eh, data);
		if (err == -EIO)
			return err;
		if (err)
			break;
		*matched = eh.op;
	}
	return 0;
}

/* Is @m a chunk of the log our transfer in progress is for? */
static bool vsr_fetch_accepts(const struct vsr_replica *r,
			      const struct vsr_msg *m)
{
	bool whole_source = m->h.arg1 == 1 && m->h.log_view == m->h.view;

	if (!r->fetch.active || m->h.replica != r->fetch.source)
		return false;
	switch (r->fetch.purpose) {
	case VSR_FETCH_RECOVERY:
		if (m->h.view != r->fetch.view || !whole_source)
			return false;
		break;
	case VSR_FETCH_VIEW_CHANGE:
		if (!r->dvc_decided || m->h.log_view != r->fetch.log_view ||
		    m->h.op != r->fetch.op || m->h.head_csum != r->fetch.head)
			return false;
		break;
	case VSR_FETCH_REPAIR:
		if (m->h.view != r->view || !whole_source ||
		    m->h.replica != vsr_primary_of(r, r->view))
			return false;
		break;
	case VSR_FETCH_EPOCH:
		/* Its chunks are of the next epoch: vsr_on_epoch_state(). */
		return false;
	}
	return m->h.log_view >= r->log_view;
}

/**
 * vsr_on_new_state() - a chunk of the log we are pulling
 * @r: replica
 * @m: NEWSTATE (arg1 = 1 when the source is normal with a whole log)
 *
 * Which chunks a transfer takes and when it is done depend on what it is
 * for (r->fetch.purpose, see enum vsr_fetch_purpose).
 */
void vsr_on_new_state(struct vsr_replica *r, const struct vsr_msg *m)
{
	u64 matched = 0, next = r->fetch.next;
	int err;

	if (!vsr_fetch_accepts(r, m))
		return;
	err = vsr_adopt_entries(r, m, &matched);
	if (err) {
		/* Our view's primary, whose log is stale. */
		if (err == -ESTALE)
			vsr_stale_view(r);
		return;
	}
	if (matched >= r->fetch.next)
		r->fetch.next = matched + 1;
	if (r->fetch.next <= r->log.base)
		r->fetch.next = r->log.base + 1;

	switch (r->fetch.purpose) {
	case VSR_FETCH_RECOVERY:
		vsr_apply_to(r, min(m->h.commit, matched));
		/*
		 * Done once our log holds the head the source announced in
		 * its answer to this attempt (or a checkpoint beyond it): that
		 * postdates our crash, so it has every op our previous
		 * incarnation may have acked.  A chunk's own head proves
		 * nothing: it may be a late one, sent to that incarnation.
		 * What we hold beyond the target came from this attempt, from
		 * this source in this view.
		 */
		if (!vsr_has_csum(r, r->fetch.op, r->fetch.head) &&
		    r->log.base < r->fetch.op) {
			/* Progress: the attempt goes on (recovery.c). */
			if (r->fetch.next > next)
				r->rec_tick = r->ticks;
			break;
		}
		if (m->h.commit > r->commit_max)
			r->commit_max = m->h.commit;
		vsr_fetch_done_recovery(r, max3(r->fetch.op, matched,
						 r->commit));
		return;
	case VSR_FETCH_VIEW_CHANGE:
		vsr_apply_to(r, min(m->h.commit, matched));
		if (vsr_has_csum(r, r->fetch.op, r->fetch.head)) {
			vsr_fetch_done_view_change(r);
			return;
		}
		break;
	case VSR_FETCH_REPAIR:
		if (!vsr_follow_primary(r, m, matched)) {
			r->fetch.active = false;
			return;
		}
		break;
	case VSR_FETCH_EPOCH:
		return;
	}
	/* More to pull: ask for the next chunk right away. */
	if (matched && r->fetch.next <= m->h.op)
		vsr_fetch_request(r);
}
