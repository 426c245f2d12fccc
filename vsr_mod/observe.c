// SPDX-License-Identifier: GPL-2.0
/*
 * observe.c - what an engine tells the outside about its replica: the
 * tracepoints of trace.h and rate-limited kernel log lines for changes of
 * state (a view change done, a recovery done, a peer silent or back).
 *
 * The protocol core does not trace (it is also built in userspace): the
 * events are derived from what it reports.  Status, view and primary come
 * from its status callback; the state transfer in progress is compared
 * before and after each input (vsr_replica_get_fetch()); commits come
 * from the commit point the commit callback moves; drops are counted here.
 * Everything but vsr_drop() runs under the node's lock.
 */

#include <linux/jiffies.h>
#include <linux/printk.h>
#include <linux/ratelimit.h>

#include "node_priv.h"

#define CREATE_TRACE_POINTS
#include "trace.h"

/*
 * How long a status line waits (vsr_observe_log()): past the switch it
 * reports, at least 10 ms.
 */
#define VSR_OBS_LOG_DELAY	(msecs_to_jiffies(10) + 1)

/* Print the oldest status line that waits, and free its slot. */
static void vsr_observe_log_pop(struct vsr_observe *obs)
{
	pr_info("%s\n", obs->lines[obs->log_head]);
	obs->log_head = (obs->log_head + 1) % VSR_OBS_LINES;
	obs->log_count--;
}

/**
 * vsr_observe_log_flush() - print the status lines that wait, oldest first
 * @node: the node, its lock held (the lines keep their order)
 */
void vsr_observe_log_flush(struct vsr_node *node)
{
	lockdep_assert_held(&node->lock);
	while (node->obs.log_count)
		vsr_observe_log_pop(&node->obs);
}

static void vsr_observe_log_work(struct work_struct *work)
{
	struct vsr_observe *obs = container_of(to_delayed_work(work),
					       struct vsr_observe, log_work);
	struct vsr_node *node = container_of(obs, struct vsr_node, obs);

	mutex_lock(&node->lock);
	vsr_observe_log_flush(node);
	mutex_unlock(&node->lock);
}

/*
 * A status line for the kernel log (without its newline), under the node
 * lock.  A switch of epoch or view changes the status of every replica
 * at once, and printk() there came before the datagrams the switch had
 * to handle next (traced in one guest: on each replica, a tenth of its
 * switch).  The line waits for a work item that prints it at least 10 ms
 * later; with every slot taken, the oldest is printed now.  Once the node
 * is dead, lines are printed at once.  The lines keep their order, and
 * the failure's line follows them (vsr_node_failed() prints them first);
 * the peer lines of vsr_observe_peers() may come before one that waits.
 */
static __printf(2, 3) void vsr_observe_log(struct vsr_node *node,
					   const char *fmt, ...)
{
	struct vsr_observe *obs = &node->obs;
	va_list args;

	lockdep_assert_held(&node->lock);
	if (obs->log_count == VSR_OBS_LINES)
		vsr_observe_log_pop(obs);
	va_start(args, fmt);
	vsnprintf(obs->lines[(obs->log_head + obs->log_count) % VSR_OBS_LINES],
		  VSR_OBS_LINE_LEN, fmt, args);
	va_end(args);
	obs->log_count++;
	if (node->dead)
		vsr_observe_log_flush(node);
	else
		queue_delayed_work(system_wq, &obs->log_work, VSR_OBS_LOG_DELAY);
}

/* As vsr_observe_log(), at most a burst of lines per interval per site. */
#define vsr_observe_log_ratelimited(node, fmt, ...)			\
do {									\
	static DEFINE_RATELIMIT_STATE(_rs, DEFAULT_RATELIMIT_INTERVAL,	\
				      DEFAULT_RATELIMIT_BURST);		\
									\
	if (__ratelimit(&_rs))						\
		vsr_observe_log(node, fmt, ##__VA_ARGS__);		\
} while (0)

/**
 * vsr_observe_init() - set up what observe.c keeps for a new node
 * @node: the node, before its core is created
 */
void vsr_observe_init(struct vsr_node *node)
{
	INIT_DELAYED_WORK(&node->obs.log_work, vsr_observe_log_work);
}

/**
 * vsr_observe_stop() - print the status lines that still wait
 * @node: the node, dead (a line written from now on is printed at once),
 *	its lock not held
 */
void vsr_observe_stop(struct vsr_node *node)
{
	flush_delayed_work(&node->obs.log_work);
}

/**
 * vsr_observe_start() - the core of @node was just created
 * @node: the node, its lock held, node->notified set
 *
 * A new replica starts by recovering its state from the others (a
 * 1-replica cluster starts normal).
 */
void vsr_observe_start(struct vsr_node *node)
{
	lockdep_assert_held(&node->lock);
	vsr_replica_get_fetch(node->core, &node->obs.fetch);
	node->obs.normal_view = node->notified.view;
	if (node->notified.status == VSR_STATUS_RECOVERING)
		trace_vsr_recovery_start(node, &node->notified, 0);
}

/**
 * vsr_observe_status() - the core reported a new status
 * @node: the node, its lock held
 * @old: the status reported before
 * @st: the new one
 *
 * Called from the core's status callback, for every report (most change
 * neither status nor view).  Only reads the core, through its getters.
 */
void vsr_observe_status(struct vsr_node *node,
			const struct vsr_core_status *old,
			const struct vsr_core_status *st)
{
	const char *name = node->inst->name;
	u32 from = node->obs.normal_view;

	/*
	 * A change of status ends the state transfer in progress: trace
	 * that first.  (Not from inside vsr_replica_create(), before the
	 * node knows its core.)
	 */
	if (node->core)
		vsr_observe_step(node);
	if (st->status == VSR_STATUS_VIEW_CHANGE &&
	    (old->status != VSR_STATUS_VIEW_CHANGE || st->view != old->view))
		trace_vsr_view_change_start(node, st, from);
	/* A new epoch starts at view 0 without a view change. */
	if (st->status == VSR_STATUS_NORMAL && st->epoch == old->epoch &&
	    old->status != VSR_STATUS_RECOVERING &&
	    (old->status != VSR_STATUS_NORMAL || st->view != old->view)) {
		trace_vsr_view_change_end(node, st, from);
		vsr_observe_log_ratelimited(node, "%s: view change done: view %u, primary %u%s, last normal view %u",
					    name, st->view,
					    vsr_node_peer_of(node, st->primary),
					    st->is_primary ? " (this replica)" : "",
					    from);
	}
	if (st->status == VSR_STATUS_RECOVERING &&
	    old->status != VSR_STATUS_RECOVERING)
		trace_vsr_recovery_start(node, st, from);
	if (st->status == VSR_STATUS_NORMAL &&
	    old->status == VSR_STATUS_RECOVERING) {
		trace_vsr_recovery_end(node, st, from);
		vsr_observe_log_ratelimited(node, "%s: recovery done: view %u, primary %u%s, op %llu, commit %llu",
					    name, st->view,
					    vsr_node_peer_of(node, st->primary),
					    st->is_primary ? " (this replica)" : "",
					    st->op, st->commit);
	}
	if (st->status == VSR_STATUS_FAILED &&
	    old->status != VSR_STATUS_FAILED)
		trace_vsr_failed(node, st, from);
	if (st->status == VSR_STATUS_REMOVED &&
	    old->status != VSR_STATUS_REMOVED) {
		vsr_observe_log(node, "%s: removed from the cluster: epoch %u left this replica out; its log ends at op %llu",
				name, st->epoch, st->commit);
	} else if (st->status == VSR_STATUS_JOINING) {
		if (st->epoch != old->epoch)
			vsr_observe_log(node, "%s: learning the log from a primary of epoch %u",
					name, st->epoch);
	} else if (st->status != VSR_STATUS_FAILED &&
		   (st->epoch != old->epoch ||
		    old->status == VSR_STATUS_JOINING)) {
		vsr_observe_log(node, "%s: epoch %u: %u members, this replica is member %u%s",
				name, st->epoch, st->replica_count, st->replica,
				old->status != VSR_STATUS_JOINING &&
				old->status != VSR_STATUS_REMOVED ? "" :
				st->status == VSR_STATUS_RECOVERING ?
				" (new: it recovers there)" :
				" (new: it caught up as a learner)");
	}
	if (st->status == VSR_STATUS_NORMAL)
		node->obs.normal_view = st->view;
	if (st->view >= VSR_VIEW_WARN && !node->obs.view_warned) {
		node->obs.view_warned = true;
		pr_warn("%s: view %u is past 2^31: no view change is possible after view 4294967295; reconfiguring to the same members starts over at view 0\n",
			name, st->view);
	}
}

/**
 * vsr_observe_step() - the core took an input: trace its state transfer
 * @node: the node, its lock held
 *
 * Compares the transfer in progress with the one seen after the previous
 * input: a new one started, it received ops (its next op moved), or it
 * ended (finished, or abandoned for a new status or another transfer).
 */
void vsr_observe_step(struct vsr_node *node)
{
	struct vsr_core_fetch *seen = &node->obs.fetch;
	struct vsr_core_status cs;
	struct vsr_core_fetch f;
	bool same;

	lockdep_assert_held(&node->lock);
	vsr_replica_get_fetch(node->core, &f);
	if (!f.active && !seen->active) {
		*seen = f;
		return;
	}
	same = f.purpose == seen->purpose && f.source == seen->source &&
	       f.view == seen->view;
	if (seen->active && f.active && same) {
		if (f.next > seen->next)
			trace_vsr_fetch_chunk(node, &f, seen->next, f.next - 1);
		else if (f.next < seen->next)	/* asked again from further back */
			trace_vsr_fetch_start(node, &f, f.next, f.target);
	} else {
		if (seen->active) {
			if (!f.active && same && f.next > seen->next)
				trace_vsr_fetch_chunk(node, &f, seen->next,
						      f.next - 1);
			if (trace_vsr_fetch_done_enabled()) {
				vsr_replica_get_status(node->core, &cs);
				trace_vsr_fetch_done(node, same ? &f : seen,
						     same ? f.next : seen->next,
						     cs.op);
			}
		}
		if (f.active)
			trace_vsr_fetch_start(node, &f, f.next, f.target);
	}
	*seen = f;
}

/**
 * vsr_observe_batch() - a batch of inputs to the core is done
 * @node: the node, its lock held
 * @before: the commit point before the batch
 */
void vsr_observe_batch(struct vsr_node *node, u64 before)
{
	u64 commit = READ_ONCE(node->commit);

	if (commit > before)
		trace_vsr_commit(node, before + 1, commit);
	vsr_observe_step(node);
}

/* Peers this replica expects to hear from all the time. */
static bool vsr_peer_expected(const struct vsr_node *node, u32 peer)
{
	const struct vsr_core_status *st = &node->notified;

	return st->status == VSR_STATUS_NORMAL &&
	       vsr_node_member_of(node, peer) != VSR_NO_PEER &&
	       (st->is_primary || peer == vsr_node_peer_of(node, st->primary));
}

/**
 * vsr_observe_peers() - note peers that went silent or came back
 * @node: the node, its lock held; called on every tick
 *
 * A peer is silent when this replica expects to hear from it (as primary,
 * every backup; as backup, its primary) and has not for a view-change
 * timeout.  It is back with the next datagram accepted from it.  Both are
 * logged; silence between backups (which exchange nothing when all is
 * well) is not.
 */
void vsr_observe_peers(struct vsr_node *node)
{
	const struct vsr_config *cfg = &node->inst->cfg;
	unsigned long now = jiffies, heard;
	struct vsr_core_config cc;
	unsigned int ms, limit;
	u32 i;

	lockdep_assert_held(&node->lock);
	if (time_before(now, node->obs.peer_check))
		return;
	node->obs.peer_check = now + msecs_to_jiffies(100);
	vsr_replica_get_config(node->core, &cc);
	limit = cc.view_change_ticks * VSR_TICK_MS;
	for (i = 0; i < vsr_n_peers(cfg); i++) {
		if (i == cfg->replica)
			continue;
		heard = READ_ONCE(node->last_heard[i]);
		if (node->obs.silent & BIT(i)) {
			if (heard == node->obs.silent_heard[i])
				continue;
			node->obs.silent &= ~BIT(i);
			ms = jiffies_to_msecs(heard - node->obs.silent_heard[i]);
			trace_vsr_peer_back(node, i, ms);
			pr_info_ratelimited("%s: peer %u (%pISpc) heard again after %u ms\n",
					    node->inst->name, i,
					    &cfg->peers[i].sa, ms);
			continue;
		}
		if (!heard || !vsr_peer_expected(node, i))
			continue;
		ms = vsr_heard_ms(now, heard);
		if (ms < limit)
			continue;
		node->obs.silent |= BIT(i);
		node->obs.silent_heard[i] = heard;
		trace_vsr_peer_silent(node, i, ms);
		pr_info_ratelimited("%s: peer %u (%pISpc) silent for %u ms\n",
				    node->inst->name, i, &cfg->peers[i].sa, ms);
	}
}

/**
 * vsr_drop() - count (and trace) a datagram dropped or not sent
 * @node: the node; any context
 * @reason: the counter: VSR_CNT_DROP_* or VSR_CNT_SEND_ERRORS
 * @peer: the replica index it came from or was for, -1 if not a peer's
 * @err: the errno that decided it, 0 if none
 */
void vsr_drop(struct vsr_node *node, enum vsr_counter reason, int peer,
	      int err)
{
	vsr_count(node, reason);
	trace_vsr_drop(node, reason, peer, err);
}
