// SPDX-License-Identifier: GPL-2.0
/*
 * restart.c - a durable replica restarts from its disk.
 *
 * The driver reads the disk's record (cfg.persisted: epoch, view, log view,
 * the head its log was whole at, the checkpoint) and the checkpoint itself,
 * then the entries above it, and hands them over before any other input.
 * The replica keeps the entries that chain from the checkpoint, cuts those
 * above the record's head of a view older than the log view (entries it
 * dropped when its log became whole, which stayed on the disk), and comes
 * back in view change for its persisted view v, with a new incarnation:
 *
 * - it never leads v, nor completes a view change into it: its
 *   predecessor may have led v with ops it never wrote, and leading v
 *   again could fork it;
 * - a PREPARE, COMMIT or STARTVIEW from the primary of v (or of a later
 *   view) makes it a backup there, as for any replica in a view change:
 *   its disk holds every op it acked, so its log is a sound start, and it
 *   repairs what it lacks;
 * - it promises v again (its disk says it did, or that it was normal in
 *   v), and if it hears of nothing, it votes for v + 1 after the
 *   view-change timeout, as any replica whose view change stalls.
 *
 * It never bootstraps (it is not recovering), so a cluster whose replicas
 * all restart from their disks comes back by an ordinary view change among
 * them, and loses nothing that a quorum acked.
 */
#include "replica.h"

/**
 * vsr_replica_restore() - restart a durable replica from its disk
 * @r: replica created with cfg.durable and cfg.restore, before any input
 * @rs: the checkpoint and the entries the disk holds above it, in op order
 *
 * Entries are taken while each extends the chain (op, parent and checksum);
 * the first that does not ends the log.  If the log does not reach the
 * record's head as the record names it, or the record is of another epoch
 * (or of a later one without the RECONFIG that started it), or it was
 * written while the replica recovered (VSR_PERSIST_RECOVERING), the disk cannot be trusted to hold what the replica acked: the replica
 * is of no use then, and the driver creates one without cfg.restore, which
 * recovers from the others as a replica without a disk does.
 *
 * Return: 0; -EUCLEAN (the disk cannot be trusted), -EINVAL (not a
 * replica waiting to be restored), -ENOSPC (its ring is smaller than
 * what the disk holds above the checkpoint), -ENOMEM.  On an error the
 * replica is of no use.
 */
int vsr_replica_restore(struct vsr_replica *r, const struct vsr_restore *rs)
{
	const struct vsr_persist *p = &r->persisted;
	const struct vsr_entry *e;
	u64 op, from;
	u32 i, csum;
	int ret;

	if (!r->cfg.durable || !r->cfg.restore || r->restored ||
	    r->status != VSR_STATUS_RECOVERING)
		return -EINVAL;
	r->restored = true;
	if (r->cfg.persisted.epoch != r->epoch || rs->ckpt != p->ckpt ||
	    (p->flags & VSR_PERSIST_RECOVERING) ||
	    (r->epoch && !r->epoch_hdr.op) ||
	    vsr_ct_decode(&r->ckpt.table, rs->table, rs->table_count))
		goto untrusted;
	if (rs->ckpt) {
		vsr_log_reset(&r->log, rs->ckpt, rs->ckpt_csum);
		r->ckpt.op = rs->ckpt;
		r->ckpt.view = rs->ckpt_view;
		r->ckpt.checksum = rs->ckpt_csum;
		r->commit = rs->ckpt;
		r->commit_max = rs->ckpt;
	}
	ret = vsr_ct_copy(&r->ct, &r->ckpt.table, r->cfg.gfp);
	if (ret) {
		vsr_fail(r);
		return ret;
	}
	for (i = 0; i < rs->count; i++) {
		e = rs->entries[i];
		if (e->h.checksum != vsr_entry_checksum(&e->h, e->data))
			break;
		ret = vsr_log_extend(r, &e->h, e->data);
		if (ret == -EINVAL)
			break;
		/* Out of memory, or a ring smaller than the disk's. */
		if (ret) {
			vsr_fail(r);
			return ret;
		}
	}
	/*
	 * The record's head, as the record names it (none in a record never
	 * written, whose log starts at the cluster's root).
	 */
	if (p->op > r->log.head ||
	    (p->op && p->op >= r->log.base &&
	     (!vsr_log_csum(&r->log, p->op, &csum) || csum != p->csum)))
		goto untrusted;
	from = max(p->op, r->log.base);
	/*
	 * In a later epoch, the ops up to the RECONFIG that started it are
	 * the committed history only if the log holds that op: a record
	 * written on entering the epoch behind or recovering names a head
	 * below it, and above that head the ring may hold an earlier
	 * incarnation's ops that were never committed, which would chain.
	 * Without it, the log ends at the head (nothing of our epoch can
	 * follow: it would chain on that op).  With it, what follows is of
	 * our epoch (nothing follows that op in its own), and views compare.
	 */
	if (r->epoch && from < r->epoch_hdr.op) {
		if (!vsr_log_csum(&r->log, r->epoch_hdr.op, &csum) ||
		    csum != r->epoch_hdr.checksum) {
			vsr_log_truncate(&r->log, from);
			goto whole;
		}
		from = r->epoch_hdr.op;
	}
	/*
	 * The head itself may be a RECONFIG of the next epoch, which nothing
	 * of our epoch follows (the cut below; helper-80's review).
	 */
	if (from > max(r->log.base, r->epoch_hdr.op) && from < r->log.head &&
	    vsr_log_get(&r->log, from)->h.type == VSR_OP_RECONFIG) {
		vsr_log_truncate(&r->log, from);
		goto whole;
	}
	/*
	 * Above it, the log went on in the log view (or took committed ops
	 * of later views, catching up to the next epoch): an entry of an
	 * older view there is one it dropped when it became whole, which
	 * chains on when it was the first dropped.
	 */
	for (op = from + 1; op <= r->log.head; op++) {
		u32 view = vsr_log_get(&r->log, op)->h.view;

		/*
		 * Nor is one of a view above ours: a backup that followed a
		 * later primary wrote its entries before any record of that
		 * view, so it never acked them.
		 */
		if (view < p->log_view || view > p->view) {
			vsr_log_truncate(&r->log, op - 1);
			break;
		}
		/*
		 * Nor is one after a RECONFIG of the next epoch: a backup that
		 * applied it switched, and followed the next epoch's primary,
		 * before its switch was on the disk.  It acked none of those.
		 */
		if (vsr_log_get(&r->log, op)->h.type == VSR_OP_RECONFIG &&
		    op < r->log.head) {
			vsr_log_truncate(&r->log, op);
			break;
		}
	}
whole:
	r->log.durable = r->log.head;
	r->sent_op = r->log.head;
	r->view = p->view;
	r->log_view = p->log_view;
	vsr_restart_view(r);
	return 0;

untrusted:
	vsr_fail(r);
	return -EUCLEAN;
}
EXPORT_SYMBOL_IF_KUNIT(vsr_replica_restore);
