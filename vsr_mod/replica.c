// SPDX-License-Identifier: GPL-2.0
/*
 * replica.c - replica life cycle (create, status changes, failure) and
 * input dispatch: datagrams, ticks and status to and from the driver.
 *
 * The protocol's steps are elsewhere: normal operation in normal.c, view
 * changes in view_change.c, recovery in recovery.c, state transfer in
 * state_transfer.c.
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
	h->epoch = r->epoch;
	h->view = r->view;
	h->op = r->log.head;
	h->commit = r->commit;
	h->log_view = r->log_view;
	h->head_csum = vsr_log_head_csum(&r->log);
}

/**
 * vsr_send() - seal the message in r->tx and send it to one replica
 * @r: replica
 * @to: destination replica, or VSR_PEER_SENDER while a datagram is
 *	delivered: its sender, whatever its epoch, or VSR_PEER_LEARNER + j:
 *	learner j of the change being tried
 * @h: header
 * @body_len: body bytes already at r->tx + VSR_HDR_SIZE
 */
void vsr_send(struct vsr_replica *r, u32 to, struct vsr_hdr *h,
	      size_t body_len)
{
	size_t len;

	if (to == VSR_PEER_SENDER ? WARN_ON_ONCE(!r->receiving) :
	    to >= VSR_PEER_LEARNER ?
	    WARN_ON_ONCE(to - VSR_PEER_LEARNER >= r->n_learners) :
	    WARN_ON_ONCE(to >= r->n || to == r->self))
		return;
	if (r->status == VSR_STATUS_FAILED)
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
	st->epoch = r->epoch;
	st->view = r->view;
	st->log_view = r->log_view;
	st->primary = vsr_primary_of(r, r->view);
	st->replica = r->self;
	st->replica_count = r->n;
	st->is_primary = r->status == VSR_STATUS_NORMAL && vsr_is_primary(r);
	st->abdicated = r->abdicated;
	st->op = r->log.head;
	st->commit = r->commit;
	st->trim = r->log.base + 1;
	st->log_bytes = r->log.bytes;
	st->view_changes = r->view_changes;
	st->unheard = r->unheard;
	st->recoveries = r->recoveries;
	st->checkpoints = r->checkpoints;
	st->prepares = r->prepares;
	st->epochs = r->epochs;
	st->epoch_nonce = r->epoch_hdr.op ? r->epoch_hdr.request : 0;
	st->durable = vsr_log_durable(&r->log);
	if (st->durable < r->log.base)
		st->durable = 0;
}
EXPORT_SYMBOL_IF_KUNIT(vsr_replica_get_status);

/**
 * vsr_replica_peer_lag() - how far a backup trails this primary
 * @r: replica
 * @peer: index of a replica
 *
 * Only a primary in normal status counts the backups' acknowledgements.
 *
 * Return: the ops this replica holds beyond the highest one @peer
 * acknowledged; 0 when this replica is no normal primary, for itself and
 * for an index outside the cluster.
 */
u64 vsr_replica_peer_lag(const struct vsr_replica *r, u32 peer)
{
	if (r->status != VSR_STATUS_NORMAL || !vsr_is_primary(r) ||
	    peer >= r->n || peer == r->self || r->log.head <= r->acked[peer])
		return 0;
	return r->log.head - r->acked[peer];
}
EXPORT_SYMBOL_IF_KUNIT(vsr_replica_peer_lag);

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
 * vsr_replica_log_entry() - an entry of the log, committed or not, for a
 *	durable replica's driver to write
 * @r: replica
 * @op: op number
 *
 * Return: the entry if the log holds @op (above its checkpoint), else
 * NULL.  Valid until the next call into the replica.
 */
const struct vsr_entry *vsr_replica_log_entry(const struct vsr_replica *r,
					      u64 op)
{
	return vsr_log_get(&r->log, op);
}
EXPORT_SYMBOL_IF_KUNIT(vsr_replica_log_entry);

/**
 * vsr_replica_log_csum() - the chain checksum of an op the log holds, for
 *	a durable replica's driver
 * @r: replica
 * @op: op number, from the log's base (its checkpoint) to its head
 * @csum: the op's chain checksum, if held
 *
 * Return: true if the log holds @op (the base included).
 */
bool vsr_replica_log_csum(const struct vsr_replica *r, u64 op, u32 *csum)
{
	return vsr_log_csum(&r->log, op, csum);
}
EXPORT_SYMBOL_IF_KUNIT(vsr_replica_log_csum);

/**
 * vsr_replica_checkpoint() - the replica's checkpoint, for its driver to
 *	write when a persist request names it
 * @r: replica
 * @rs: its op, view and chain checksum (@ckpt, @ckpt_view, @ckpt_csum)
 *	and its session count (@table_count); the other fields are left
 * @table: VSR_SESSIONS_MAX * VSR_SESSION_WIRE_SIZE bytes for the client
 *	table at the checkpoint, encoded as a NEWSTATE carries it
 */
void vsr_replica_checkpoint(const struct vsr_replica *r,
			    struct vsr_restore *rs, u8 *table)
{
	rs->ckpt = r->ckpt.op;
	rs->ckpt_view = r->ckpt.view;
	rs->ckpt_csum = r->ckpt.checksum;
	rs->table_count = r->ckpt.table.count;
	vsr_ct_encode(&r->ckpt.table, table);
}
EXPORT_SYMBOL_IF_KUNIT(vsr_replica_checkpoint);

/**
 * vsr_replica_fail() - stop a replica whose driver cannot keep its
 *	promises (a durable log's write or flush failed)
 * @r: replica
 *
 * The replica fails for good (VSR_STATUS_FAILED), as when it breaks an
 * invariant: it sends nothing more, and the driver's status callback
 * hears of it.
 */
void vsr_replica_fail(struct vsr_replica *r)
{
	vsr_fail(r);
}
EXPORT_SYMBOL_IF_KUNIT(vsr_replica_fail);

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

/**
 * vsr_become_primary() - start acting as primary of r->view
 * @r: replica whose log is now the view's canonical log
 */
void vsr_become_primary(struct vsr_replica *r)
{
	u32 i;

	r->status = VSR_STATUS_NORMAL;
	r->normal_tick = r->ticks;
	r->full_tick = r->ticks;
	r->rec_streak = 0;
	r->log_view = r->view;
	r->abdicated = false;
	r->sent_op = r->log.head;
	r->last_send = r->ticks;
	r->trim_op = 0;
	r->fetch.active = false;
	for (i = 0; i < r->n; i++) {
		r->acked[i] = 0;
		r->incs[i] = 0;
		r->ok_tick[i] = 0;
		r->heard[i] = r->ticks;
	}
	vsr_notify(r);
	/* Durable, it counts itself once its log view is written: ask now. */
	vsr_persisted(r);
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
	r->normal_tick = r->ticks;
	r->full_tick = r->ticks;
	r->rec_streak = 0;
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
 * cannot be committed: drop them, then claim the view as log view.  (Ops
 * we pulled with the next epoch's start may be committed and missing in
 * this view's log, if it is stale: then we leave it, see vsr_stale_view().)
 */
void vsr_become_whole(struct vsr_replica *r, u64 op)
{
	u64 p = op + 1;
	struct vsr_entry *e;

	while ((e = vsr_log_get(&r->log, p)) && e->h.view == r->view)
		p++;
	if (p <= r->log.head) {
		/* Committed ops are in every later view's log ... */
		if (p - 1 < r->commit && vsr_stale_op(r, p) &&
		    vsr_stale_view(r))
			return;
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

/**
 * vsr_replica_tick() - time passes
 * @r: replica
 */
void vsr_replica_tick(struct vsr_replica *r)
{
	if (r->status == VSR_STATUS_FAILED)
		return;
	r->ticks++;
	if (r->status == VSR_STATUS_REMOVED || r->status == VSR_STATUS_JOINING)
		return;
	if (vsr_epoch_learning(r)) {
		vsr_epoch_tick(r);
		vsr_epoch_settle(r);
		return;
	}
	switch (r->status) {
	case VSR_STATUS_NORMAL:
		vsr_normal_tick(r);
		break;
	case VSR_STATUS_VIEW_CHANGE:
		vsr_view_change_tick(r);
		break;
	case VSR_STATUS_RECOVERING:
		vsr_recovery_tick(r);
		break;
	}
	if (r->status != VSR_STATUS_RECOVERING)
		vsr_check_votes(r);
	vsr_epoch_tick(r);
	vsr_epoch_settle(r);
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
 * Return: 0, -ESTALE (other epoch, or indices of an epoch that this
 * replica is no member of), -EINVAL (bad sender index) or -EPROTO (a
 * HELLO: the driver's, not the core's).
 */
int vsr_replica_deliver(struct vsr_replica *r, const struct vsr_msg *m)
{
	int ret;

	if (r->status == VSR_STATUS_FAILED)
		return 0;
	if (r->status == VSR_STATUS_JOINING) {
		r->receiving = true;
		ret = vsr_on_joining(r, m);
		vsr_epoch_settle(r);
		r->receiving = false;
		return ret;
	}
	/* Senders of other epochs are known by their index in those. */
	if (m->h.epoch != r->epoch) {
		if (!r->cfg.epochs)
			return -ESTALE;
		r->receiving = true;
		ret = vsr_on_other_epoch(r, m);
		vsr_epoch_settle(r);
		r->receiving = false;
		return ret;
	}
	/* A learner's request: it is no member of ours yet. */
	if (m->h.command == VSR_CMD_EPOCH &&
	    m->h.flags == (VSR_EPOCH_JOINING | VSR_EPOCH_LEARN)) {
		r->receiving = true;
		vsr_on_learner_request(r, m);
		r->receiving = false;
		return 0;
	}
	/*
	 * A removed member's notice: its index is of the epoch before.  A
	 * joining replica's request: it is no member of ours yet (epoch 0).
	 * An invitation to learn is for joining replicas.
	 */
	if (m->h.command == VSR_CMD_EPOCH &&
	    (m->h.flags & (VSR_EPOCH_REMOVED | VSR_EPOCH_JOINING |
			   VSR_EPOCH_LEARN)))
		return -ESTALE;
	/*
	 * A removed replica's members are of the epoch before: an index of
	 * its epoch means nothing to it.  A removed member's NEWSTATE names
	 * it by its index in the epoch before, which may be none of ours
	 * (and says that its source is not a normal replica: arg1 0).  A
	 * GETSTATE that names us or none of our members is a learner's pull
	 * of the ops up to the next epoch's start (a joining replica's index
	 * means nothing in our epoch), from the sender of that epoch's
	 * notice: we sent it, and then a restart forgot our switch.
	 */
	if (r->status == VSR_STATUS_REMOVED)
		return -ESTALE;
	if (m->h.replica >= r->n || m->h.replica == r->self)
		return (m->h.command == VSR_CMD_NEWSTATE && !m->h.arg1) ||
		       m->h.command == VSR_CMD_GETSTATE ? -ESTALE : -EINVAL;
	/*
	 * Heard in our epoch (not from a NEWSTATE: a removed member's
	 * carries our epoch and its index in the epoch before, and it
	 * serves a replica that was in that epoch, which may have switched
	 * since).  A notice here is a member's of our epoch (a removed
	 * member's was turned away above): it knows, and needs ours no more.
	 */
	if (r->peer_epoch[m->h.replica] < r->epoch &&
	    m->h.command != VSR_CMD_NEWSTATE)
		r->peer_epoch[m->h.replica] = r->epoch;
	if (vsr_epoch_learning(r))
		return -ESTALE;
	switch (m->h.command) {
	case VSR_CMD_REQUEST:
		if (m->h.flags == VSR_OP_RECONFIG)
			vsr_on_reconfig_request(r, m);
		else
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
	case VSR_CMD_EPOCH:
		/* Our own epoch's notice: nothing to learn, but an answer. */
		if (!r->cfg.epochs)
			return -EPROTO;
		vsr_on_own_notice(r, m);
		break;
	case VSR_CMD_ANSWER:
		if (!r->cfg.epochs)
			return -EPROTO;
		vsr_on_answer(r, m);
		break;
	default:
		return -EPROTO;
	}
	vsr_epoch_settle(r);
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

/*
 * The members' identities from @c (by default, numbered by index), which
 * must be distinct.
 */
static bool vsr_replica_set_members(struct vsr_replica *r,
				    const struct vsr_core_config *c)
{
	u32 i, j;

	for (i = 0; i < c->replica_count; i++) {
		if (c->members)
			r->members[i] = c->members[i];
		else
			put_unaligned_le32(i + 1, r->members[i].b);
		for (j = 0; j < i; j++)
			if (!memcmp(&r->members[i], &r->members[j],
				    sizeof(r->members[i])))
				return false;
	}
	r->cfg.members = r->members;
	return true;
}

static bool vsr_core_config_ok(const struct vsr_core_config *c)
{
	if (!c->replica_count || c->replica_count > VSR_REPLICAS_MAX ||
	    c->replica >= c->replica_count || !c->pipeline_max ||
	    !c->sessions_max || c->sessions_max > VSR_SESSIONS_MAX ||
	    !c->heartbeat_ticks || !c->view_change_ticks ||
	    !c->abdicate_ticks || !c->repair_ticks || !c->recovery_ticks)
		return false;
	/* A joining replica knows itself only, and must learn an epoch. */
	if (c->joining &&
	    (c->replica_count != 1 || c->epoch || !c->epochs || !c->members))
		return false;
	/* Room for retained suffix, slack, a full pipeline and the TRIM. */
	if ((u64)c->retain + vsr_trim_slack(c) + c->pipeline_max + 4 >
	    c->log_max)
		return false;
	return true;
}

/*
 * Whether @have, on the disk, holds all that @want asks for: a later
 * epoch, or the same one with a view, log view and checkpoint each at
 * least @want's.
 */
static bool vsr_persist_covers(const struct vsr_persist *have,
			       const struct vsr_persist *want)
{
	if (have->epoch != want->epoch)
		return have->epoch > want->epoch;
	/*
	 * Flags only grow, but VSR_PERSIST_RECOVERING: a record without it
	 * covers one with it (the replica recovers once in an epoch).
	 */
	return have->view >= want->view && have->log_view >= want->log_view &&
	       have->ckpt >= want->ckpt &&
	       (have->flags & want->flags & ~VSR_PERSIST_RECOVERING) ==
	       (want->flags & ~VSR_PERSIST_RECOVERING) &&
	       (!(have->flags & VSR_PERSIST_RECOVERING) ||
		(want->flags & VSR_PERSIST_RECOVERING)) &&
	       (!want->origin || (have->origin && have->origin <= want->origin));
}

/**
 * vsr_replica_create() - a new replica, which starts by recovering
 * @cfg: configuration (copied)
 * @ops: callbacks (kept; must outlive the replica)
 * @ctx: passed to every callback
 *
 * A replica has no persistent state: it always starts in recovering
 * status and learns the state from the others (see protocol.rst, recovery
 * and bootstrap).  A 1-replica cluster starts normal at once.  A joining
 * replica (@cfg->joining) waits to hear of an epoch that names it.
 *
 * Return: the replica, NULL on allocation failure or bad configuration.
 */
struct vsr_replica *vsr_replica_create(const struct vsr_core_config *cfg,
				       const struct vsr_ops *ops, void *ctx)
{
	struct vsr_replica *r;
	u32 root;

	if (!vsr_core_config_ok(cfg) || !ops || !ops->send ||
	    (cfg->durable && !ops->persist))
		return NULL;
	r = vsr_alloc(sizeof(*r), cfg->gfp);
	if (!r)
		return NULL;
	memset(r, 0, sizeof(*r));
	r->cfg = *cfg;
	if (!vsr_replica_set_members(r, cfg)) {
		vsr_free(r);
		return NULL;
	}
	r->ops = ops;
	r->ctx = ctx;
	r->n = cfg->replica_count;
	r->quorum = r->n / 2 + 1;
	r->self = cfg->replica;
	r->epoch = cfg->epoch;
	r->prng = cfg->seed;
	r->incarnation = vsr_prng_next(r) | 1;
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
	r->log.reported = cfg->durable;
	/*
	 * The driver's disk holds the epoch we start in (at view 0), or what
	 * it says it holds.
	 */
	r->persisted.epoch = cfg->epoch;
	if (cfg->durable && cfg->persisted.epoch >= cfg->epoch)
		r->persisted = cfg->persisted;
	else if (cfg->durable)
		r->persisted.ckpt = cfg->persisted.ckpt;
	r->persist_asked = r->persisted;
	r->origin = r->persisted.origin;
	/* Durable in a later epoch: the op that started it, from the disk. */
	if (cfg->durable && cfg->epoch &&
	    (!cfg->start || vsr_epoch_restore(r, cfg->start))) {
		vsr_replica_destroy(r);
		return NULL;
	}
	r->cfg.start = NULL;	/* the caller's */
	r->log.kept = r->persisted.ckpt;
	if (cfg->joining)
		r->status = VSR_STATUS_JOINING;
	else if (cfg->durable && cfg->restore)
		r->status = VSR_STATUS_RECOVERING;	/* vsr_replica_restore() */
	else
		vsr_start_recovery(r);
	return r;
}
EXPORT_SYMBOL_IF_KUNIT(vsr_replica_create);

/*
 * Ask the driver to write what we are now, unless asked already.  What
 * we asked for before stays where it is higher (a replica that restarted
 * and recovers is behind its disk), so that the disk never goes back:
 * each request covers every earlier one.
 */
static void vsr_persist_ask(struct vsr_replica *r)
{
	const struct vsr_persist *a = &r->persist_asked;
	struct vsr_persist p = {
		.epoch = r->epoch, .view = r->view, .log_view = r->log_view,
		.op = r->log.head, .csum = vsr_log_head_csum(&r->log),
		.ckpt = max(r->ckpt.op, a->ckpt),
		.flags = a->flags,
		.origin = r->origin,
	};

	if (r->status == VSR_STATUS_NORMAL)
		p.flags |= VSR_PERSIST_SERVICE;
	if (r->status == VSR_STATUS_RECOVERING)
		p.flags |= VSR_PERSIST_RECOVERING;
	else
		p.flags &= ~VSR_PERSIST_RECOVERING;

	if (a->epoch == p.epoch) {
		p.view = max(p.view, a->view);
		p.log_view = max(p.log_view, a->log_view);
	}
	if (!vsr_persist_covers(a, &p)) {
		r->persist_asked = p;
		r->ops->persist(r->ctx, &p);
	}
}

/**
 * vsr_persisted() - whether our view and log view are on the disk
 * @r: replica
 *
 * Always without cfg.durable.  Durable, the record on the disk must hold
 * our epoch (the one the replica was created in is there from the start;
 * a later one is written from its view 0 on: a restart that forgot the
 * switch would lead that view again), our view and log view, and, once
 * we are normal, that we are in service (VSR_PERSIST_SERVICE); once we
 * are not recovering, a record not written while we were
 * (VSR_PERSIST_RECOVERING).  If not,
 * asks the driver to write them (vsr_persist_ask()).
 *
 * Return: true if the replica may act in its epoch, promise its view and
 * ack as whole for its log view.
 */
bool vsr_persisted(struct vsr_replica *r)
{
	if (!r->cfg.durable ||
	    (r->persisted.epoch == r->epoch && r->persisted.view >= r->view &&
	     r->persisted.log_view >= r->log_view &&
	     (r->status != VSR_STATUS_NORMAL ||
	      (r->persisted.flags & VSR_PERSIST_SERVICE)) &&
	     (r->status == VSR_STATUS_RECOVERING ||
	      !(r->persisted.flags & VSR_PERSIST_RECOVERING))))
		return true;
	vsr_persist_ask(r);
	return false;
}

/**
 * vsr_originate() - a durable replica enters its epoch without recovering
 * @r: replica, in the epoch it bootstrapped or entered as recorded
 *
 * From here on its disk holds its whole history (struct vsr_persist's
 * origin), unless it did already.  Written with the next record, which
 * comes before the replica acts in the epoch.
 */
void vsr_originate(struct vsr_replica *r)
{
	if (r->cfg.durable && !r->origin)
		r->origin = r->epoch + 1;
}

/**
 * vsr_persist_checkpoint() - a durable replica's checkpoint moved up: ask
 *	for it to be written, which frees the ring's slots below it
 * @r: replica
 */
void vsr_persist_checkpoint(struct vsr_replica *r)
{
	if (r->cfg.durable)
		vsr_persist_ask(r);
}

/**
 * vsr_replica_durable() - the driver made the log durable up to an op
 * @r: replica created with cfg.durable
 * @op: the last op of the log as the driver wrote it, now flushed
 * @csum: its chain checksum then
 *
 * The driver reports its writes in the order it made them, each once (a
 * report that came again after a later write could vouch for ops that
 * write replaced on the disk).
 *
 * The replica may now ack ops up to @op.  A report for an op that the log
 * no longer holds with @csum (it was replaced after it was written; the
 * chain checksum vouches for every op below it) is ignored: the driver
 * reports again once what replaced it is flushed: while the status's
 * @durable is below its @op, the driver has more to report.  After a
 * checkpoint taken over, reports are ignored until the checkpoint is
 * written (vsr_replica_persisted()), which makes it durable.  A backup acks
 * at once; a primary counts itself, and may commit (and switch epochs,
 * when what it commits is a RECONFIG).
 */
void vsr_replica_durable(struct vsr_replica *r, u64 op, u32 csum)
{
	if (!r->log.reported || r->status == VSR_STATUS_FAILED ||
	    op <= r->log.durable || op > r->log.head || op < r->log.base ||
	    !vsr_has_csum(r, op, csum))
		return;
	/*
	 * After a checkpoint taken over, the disk lacks the ops up to it
	 * until it holds the checkpoint: nothing above it can be replayed.
	 */
	if (r->log.durable < r->log.base && r->log.kept < r->log.base)
		return;
	r->log.durable = op;
	/* Learning, the log holds only committed ops (defensive). */
	if (r->status != VSR_STATUS_NORMAL || vsr_epoch_learning(r))
		return;
	if (vsr_is_primary(r))
		vsr_primary_commit(r);
	else
		vsr_send_prepareok(r);
	/* A primary's own report may commit the RECONFIG that ends its epoch. */
	vsr_epoch_settle(r);
}
EXPORT_SYMBOL_IF_KUNIT(vsr_replica_durable);

/**
 * vsr_replica_persisted() - the driver wrote what the replica asked for
 * @r: replica created with cfg.durable
 * @p: what ops->persist asked for, now flushed
 *
 * What waited for it goes on at once: a view change sends its promises, a
 * backup acks, a primary counts itself.  A checkpoint written frees the
 * ring's slots up to it.
 */
void vsr_replica_persisted(struct vsr_replica *r, const struct vsr_persist *p)
{
	bool had_view = r->persisted.epoch == r->epoch &&
			r->persisted.view >= r->view;

	if (!r->cfg.durable || r->status == VSR_STATUS_FAILED ||
	    vsr_persist_covers(&r->persisted, p))
		return;
	r->persisted = *p;
	/*
	 * The disk's ring need keep only the ops above this checkpoint; a
	 * checkpoint taken over is durable now, and what is above it can be.
	 */
	if (p->ckpt > r->log.kept)
		r->log.kept = p->ckpt;
	if (r->log.durable < r->log.base && r->log.kept >= r->log.base &&
	    vsr_has_csum(r, r->log.base, r->ckpt.checksum))
		r->log.durable = r->log.base;
	if (p->epoch != r->epoch || !vsr_persisted(r) ||
	    vsr_epoch_learning(r))
		return;
	if (r->status == VSR_STATUS_VIEW_CHANGE) {
		/*
		 * Our part of the view change begins with our promises: a slow
		 * disk does not count against it, or on a disk slower than the
		 * longest stall every view would be given up before its
		 * promises were written, view after view.
		 */
		if (!had_view)
			r->vc_tick = r->ticks;
		vsr_promise_view(r);
	} else if (r->status == VSR_STATUS_NORMAL && vsr_is_primary(r))
		vsr_primary_commit(r);
	else if (r->status == VSR_STATUS_NORMAL)
		vsr_send_prepareok(r);
	/* A commit may be of a RECONFIG. */
	vsr_epoch_settle(r);
}
EXPORT_SYMBOL_IF_KUNIT(vsr_replica_persisted);

/**
 * vsr_replica_get_config() - the configuration a replica runs with
 * @r: replica
 * @cfg: filled in: the configuration it was created with, with the
 *	tunables last set and the log capacity chosen for them
 */
void vsr_replica_get_config(const struct vsr_replica *r,
			    struct vsr_core_config *cfg)
{
	*cfg = r->cfg;
}
EXPORT_SYMBOL_IF_KUNIT(vsr_replica_get_config);

/* Whether @a and @b agree on everything a running replica cannot change. */
static bool vsr_core_config_same_fixed(const struct vsr_core_config *a,
				       const struct vsr_core_config *b)
{
	return a->cluster == b->cluster && a->epoch == b->epoch &&
	       a->replica_count == b->replica_count &&
	       a->replica == b->replica && a->pipeline_max == b->pipeline_max &&
	       a->sessions_max == b->sessions_max && a->seed == b->seed &&
	       a->gfp == b->gfp && a->durable == b->durable && a->members &&
	       !memcmp(a->members, b->members,
		       b->replica_count * sizeof(*b->members));
}

/**
 * vsr_replica_set_tunables() - change the settings of a running replica
 * @r: replica
 * @cfg: the new configuration: that of vsr_replica_get_config() with
 *	changes to @retain, @heartbeat_ticks, @view_change_ticks,
 *	@abdicate_ticks, @repair_ticks and @recovery_ticks only.  @log_max is
 *	ignored: the core sizes the log for @retain.
 *
 * The new timeouts apply from the next tick, a new retention from the next
 * commit.  The log's ring is resized to suit the retention (never below
 * the entries it holds plus a full pipeline), unless the replica is
 * durable: its ring is its disk's.  A primary proposes the trim
 * at its next commit; a backup's retention matters once it is primary.
 *
 * Return: 0; -EINVAL if @cfg changes another setting, would be refused by
 * vsr_replica_create(), or its retention does not fit a u32 ring; -ENOSPC
 * if the replica is durable and the retention does not fit its ring,
 * whose size its disk fixes; or -ENOMEM.  Nothing is changed unless 0 is
 * returned.
 */
int vsr_replica_set_tunables(struct vsr_replica *r,
			     const struct vsr_core_config *cfg)
{
	struct vsr_core_config c = *cfg;
	u64 need;
	int ret;

	if (!vsr_core_config_same_fixed(&c, &r->cfg))
		return -EINVAL;
	if (r->cfg.durable) {
		/* A durable log's ring is its disk's, of a size fixed there. */
		c.log_max = r->cfg.log_max;
		if ((u64)c.retain + vsr_trim_slack(&c) + c.pipeline_max + 4 >
		    c.log_max)
			return -ENOSPC;
	} else {
		need = max_t(u64, vsr_core_log_max(&c),
			     vsr_log_used(&r->log) + c.pipeline_max + 4);
		if (need > U32_MAX / 2)
			return -EINVAL;
		c.log_max = need;
	}
	if (!vsr_core_config_ok(&c))
		return -EINVAL;
	if (c.log_max != r->log.cap) {
		ret = vsr_log_resize(&r->log, c.log_max, c.gfp);
		if (ret)
			return ret;
	}
	r->cfg = c;
	r->cfg.members = r->members;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(vsr_replica_set_tunables);

/**
 * vsr_replica_set_retain() - change the retention of automatic trimming
 * @r: replica
 * @retain: committed ops to keep; 0 disables automatic trimming
 *
 * vsr_replica_set_tunables() with only the retention changed.
 *
 * Return: 0, -EINVAL if the retention does not fit a u32 ring, or -ENOMEM
 * (nothing changed then).
 */
int vsr_replica_set_retain(struct vsr_replica *r, u32 retain)
{
	struct vsr_core_config c = r->cfg;

	c.retain = retain;
	return vsr_replica_set_tunables(r, &c);
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

/**
 * vsr_replica_get_fetch() - the state transfer in progress
 * @r: replica
 * @f: filled in; f->active is false when there is none
 */
void vsr_replica_get_fetch(const struct vsr_replica *r,
			   struct vsr_core_fetch *f)
{
	memset(f, 0, sizeof(*f));
	f->active = r->fetch.active;
	f->purpose = r->fetch.purpose;
	f->source = r->fetch.source;
	f->view = r->fetch.view;
	f->next = r->fetch.next;
	f->target = r->fetch.purpose == VSR_FETCH_REPAIR ? r->primary_op :
			r->fetch.op;
}
EXPORT_SYMBOL_IF_KUNIT(vsr_replica_get_fetch);

static const char *const vsr_status_names[] = {
	[VSR_STATUS_NORMAL]		= "normal",
	[VSR_STATUS_VIEW_CHANGE]	= "view-change",
	[VSR_STATUS_RECOVERING]		= "recovering",
	[VSR_STATUS_FAILED]		= "failed",
	[VSR_STATUS_REMOVED]		= "removed",
	[VSR_STATUS_JOINING]		= "joining",
};

static const char *const vsr_fetch_names[] = {
	[VSR_FETCH_REPAIR]		= "repair",
	[VSR_FETCH_VIEW_CHANGE]		= "view-change",
	[VSR_FETCH_RECOVERY]		= "recovery",
	[VSR_FETCH_EPOCH]		= "epoch",
};

/* Ticks since @then, for "N ticks ago" (0 if @then is in the future). */
static unsigned long long vsr_ago(const struct vsr_replica *r, u64 then)
{
	return r->ticks >= then ? r->ticks - then : 0;
}

/*
 * The debug dump's u64 values are printed with %llu: unsigned long long is
 * u64 in the kernel but not natively, hence the casts.
 */
#define VSR_ULL(x)	((unsigned long long)(x))

static void vsr_debug_primary(const struct vsr_replica *r,
			      __printf(2, 3) void (*print)(void *, const char *, ...),
			      void *arg)
{
	u32 i;

	print(arg, "primary: sent_op %llu commit_told %llu last_send %llu ticks ago\n",
	      VSR_ULL(r->sent_op), VSR_ULL(r->commit_told), vsr_ago(r, r->last_send));
	for (i = 0; i < r->n; i++) {
		if (i == r->self)
			continue;
		print(arg, "  peer %u acked %llu heard %llu ticks ago\n", i,
		      VSR_ULL(r->acked[i]), vsr_ago(r, r->heard[i]));
	}
}

static void vsr_debug_view_change(const struct vsr_replica *r,
				  __printf(2, 3) void (*print)(void *, const char *, ...),
				  void *arg)
{
	const struct vsr_dvc *d;
	u32 i, held = 0;

	print(arg, "view_change: streak %u started %llu ticks ago decided %s\n",
	      r->vc_streak, vsr_ago(r, r->vc_tick),
	      r->dvc_decided ? "yes" : "no");
	for (i = 0; i < r->n; i++)
		if (r->dvc[i].have)
			held++;
	print(arg, "  doviewchanges %u of quorum %u\n", held, r->quorum);
	for (i = 0; i < r->n; i++) {
		d = &r->dvc[i];
		if (!d->have)
			continue;
		print(arg, "  dvc %u log_view %u op %llu commit %llu confirmed %s\n",
		      i, d->log_view, VSR_ULL(d->op), VSR_ULL(d->commit),
		      d->confirmed >= d->arrived ? "yes" : "no");
	}
}

static void vsr_debug_recovery(const struct vsr_replica *r,
			       __printf(2, 3) void (*print)(void *, const char *, ...),
			       void *arg)
{
	const struct vsr_rr *a;
	u32 i, got = 0, normal = 0;

	for (i = 0; i < r->n; i++) {
		if (!r->rr[i].have)
			continue;
		got++;
		normal += r->rr[i].normal;
	}
	print(arg, "recovery: nonce %#llx started %llu ticks ago answers %u normal %u need %u normal bootstrap %s\n",
	      VSR_ULL(r->nonce), vsr_ago(r, r->rec_tick), got, normal,
	      r->n - r->quorum + 1, r->boot_pending ? "confirming" : "no");
	print(arg, "  attempt %llu ticks streak %u late %s round %llu began %llu ticks ago\n",
	      VSR_ULL(vsr_recovery_attempt_ticks(r)), r->rec_streak,
	      r->rec_late ? "yes" : "no", VSR_ULL(r->rec_rounds),
	      vsr_ago(r, r->rec_round_tick));
	for (i = 0; i < r->n; i++) {
		a = &r->rr[i];
		if (!a->have)
			continue;
		print(arg, "  answer %u %s view %u op %llu commit %llu incarnation %#llx\n",
		      i, a->normal ? "normal" : "recovering", a->view,
		      VSR_ULL(a->op), VSR_ULL(a->commit), VSR_ULL(a->incarnation));
	}
}

/**
 * vsr_replica_debug_show() - describe the replica's internal state
 * @r: replica
 * @print: called with each piece of the text (lines end in "\n")
 * @arg: passed to @print
 *
 * For debugging (the driver's debugfs file): text lines "key value ...",
 * the status-independent ones first, then what the replica keeps for its
 * role and status.  Not a stable interface.
 */
void vsr_replica_debug_show(const struct vsr_replica *r,
			    __printf(2, 3) void (*print)(void *arg,
							 const char *fmt, ...),
			    void *arg)
{
	const char *status = r->status < ARRAY_SIZE(vsr_status_names) ?
			     vsr_status_names[r->status] : "?";
	u32 primary = vsr_primary_of(r, r->view);
	u32 i;

	print(arg, "status %s\n", status);
	print(arg, "replica %u of %u quorum %u\n", r->self, r->n, r->quorum);
	print(arg, "incarnation %#llx\n", VSR_ULL(r->incarnation));
	print(arg, "epoch %u started at op %llu\n", r->epoch,
	      VSR_ULL(r->epoch_hdr.op));
	print(arg, "view %u\n", r->view);
	print(arg, "log_view %u\n", r->log_view);
	print(arg, "primary %u%s\n", primary,
	      primary == r->self ? " (self)" : "");
	print(arg, "op %llu\n", VSR_ULL(r->log.head));
	print(arg, "commit %llu\n", VSR_ULL(r->commit));
	print(arg, "commit_max %llu\n", VSR_ULL(r->commit_max));
	print(arg, "base %llu\n", VSR_ULL(r->log.base));
	print(arg, "checkpoint op %llu view %u sessions %u\n", VSR_ULL(r->ckpt.op),
	      r->ckpt.view, r->ckpt.table.count);
	print(arg, "log entries %llu bytes %llu capacity %u\n",
	      VSR_ULL(r->log.head - r->log.base), VSR_ULL(r->log.bytes), r->log.cap);
	print(arg, "ticks %llu\n", VSR_ULL(r->ticks));
	print(arg, "view_change_streak %u recovery_streak %u\n", r->vc_streak,
	      r->rec_streak);
	print(arg, "counters view_changes %llu recoveries %llu checkpoints %llu prepares %llu epochs %llu\n",
	      VSR_ULL(r->view_changes), VSR_ULL(r->recoveries), VSR_ULL(r->checkpoints),
	      VSR_ULL(r->prepares), VSR_ULL(r->epochs));

	print(arg, "votes");
	for (i = 0; i < r->n; i++)
		print(arg, " %u:%u", i, r->vote_view[i]);
	print(arg, "\n");

	if (r->status == VSR_STATUS_NORMAL && vsr_is_primary(r))
		vsr_debug_primary(r, print, arg);
	else if (r->status == VSR_STATUS_NORMAL)
		print(arg, "backup: primary heard %llu ticks ago primary_op %llu\n",
		      vsr_ago(r, r->primary_tick), VSR_ULL(r->primary_op));
	if (r->status == VSR_STATUS_NORMAL && r->abdicated)
		print(arg, "abdicated yes\n");
	if (r->status == VSR_STATUS_VIEW_CHANGE)
		vsr_debug_view_change(r, print, arg);
	if (r->status == VSR_STATUS_RECOVERING)
		vsr_debug_recovery(r, print, arg);

	if (r->fetch.active) {
		struct vsr_core_fetch f;

		vsr_replica_get_fetch(r, &f);
		print(arg, "fetch %s from %u view %u next %llu target %llu asked %llu ticks ago\n",
		      f.purpose < ARRAY_SIZE(vsr_fetch_names) ?
		      vsr_fetch_names[f.purpose] : "?", f.source, f.view,
		      VSR_ULL(f.next), VSR_ULL(f.target), vsr_ago(r, r->fetch.tick));
	} else {
		print(arg, "fetch none\n");
	}
}
EXPORT_SYMBOL_IF_KUNIT(vsr_replica_debug_show);
