// SPDX-License-Identifier: GPL-2.0
/*
 * sim.c - a whole vsr cluster in one thread, driven by one seeded PRNG.
 *
 * The network loses, duplicates, corrupts, delays and so reorders
 * datagrams and can be partitioned symmetrically or asymmetrically;
 * replicas crash (all state lost) and restart; clients issue requests with
 * retries, switch replicas, and lose sessions to eviction.  After every step
 * the checker verifies that every replica commits the same op at every
 * position (against the history the first committer defined), that commit
 * numbers never go backwards within an incarnation, that every acknowledged
 * request is exactly once in the log with the right data, that no request
 * is a record twice, and that each view has at most one normal primary.
 * Once the faults stop, the cluster must serve every outstanding request
 * and converge within a tick budget, or the seed fails (liveness).
 */
#include "../disk.h"
#include "sim.h"

struct vsr_sim_pkt {
	u64 at;
	u32 from;
	u32 to;
	u32 len;
	u8 *buf;
	bool corrupt;	/* a bit flipped on the way */
};

#define SIM_PKT_MAX	50000
#define SIM_RETRY	15
/* Small datagrams (most are header-only) come from a free list. */
#define SIM_SMALL	256

static const char *const vsr_sim_cmd[] = {
	"?", "REQUEST", "PREPARE", "PREPAREOK", "COMMIT", "SVC", "DVC", "SV",
	"GETSTATE", "NEWSTATE", "RECOVERY", "RECOVERYRESP",
};

/* Fault kinds that swarm testing switches on and off per seed. */
enum sim_sw {
	SW_LOSS, SW_DUP, SW_CORRUPT, SW_LONG, SW_CRASH, SW_QUICK, SW_PAUSE,
	SW_PART, SW_SLOW, SW_FAST, SW_ALLOC, SW_REPLAY, SW_BIG, SW_TRIM,
	SW_PROMISE, SW_STALE, SW_ABDICATE, SW_STAGGER, SW_LAG, SW_EPOCH,
	SW_NR
};

/* Targeted fault schedules (struct vsr_sim_episode). */
enum sim_ep {
	EP_NONE, EP_PROMISE, EP_STALE, EP_ASIDE, EP_LAGGARDS, EP_DEPOSED,
	EP_DROPPED
};

/* The steps of the dropped schedule (sim_dropped_start()). */
enum {
	DR_APPEND, DR_ELECT, DR_TAKE, DR_PULL
};

/* The deposed schedule's first step, with a learner (sim_deposed_teach()). */
enum {
	DP_STALL, DP_TEACH
};

#define SW(s, k)	((s)->swarm & (1u << SW_##k))

#define sim_trace(s, fmt, ...) do {					\
	if ((s)->p.trace)						\
		pr_info("sim %llu.%u: " fmt "\n",			\
			(unsigned long long)(s)->now, (s)->round,	\
			##__VA_ARGS__);					\
} while (0)

static u64 sim_rnd(struct vsr_sim *s)
{
	u64 z = (s->rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static u32 sim_below(struct vsr_sim *s, u32 n)
{
	return n ? (u32)(sim_rnd(s) % n) : 0;
}

/* Below @n, from the stream @rng (splitmix64). */
static u64 sim_stream_below(u64 *rng, u64 n)
{
	u64 z = (*rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return (z ^ (z >> 31)) % n;
}

/* Below @n, from the disks' stream. */
static u64 sim_disk_below(struct vsr_sim *s, u64 n)
{
	return sim_stream_below(&s->disk_rng, n);
}

static bool sim_pm(struct vsr_sim *s, u32 pm)
{
	return sim_below(s, 1000) < pm;
}

static void sim_fail(struct vsr_sim *s, const char *why, u64 a, u64 b)
{
	if (s->violation)
		return;
	s->violation = 1;
	snprintf(s->why, sizeof(s->why), "%s (%llu, %llu)", why,
		 (unsigned long long)a, (unsigned long long)b);
	pr_info("vsr_sim: VIOLATION seed=%llu n=%u tick=%llu: %s\n",
		(unsigned long long)s->p.seed, s->n,
		(unsigned long long)s->now, s->why);
}

/*
 * Record @id as a normal primary of (@epoch, @view): false if another one
 * was.  A hash table by epoch and view (open addressing, at most half
 * full), since views may be sparse: a test may move a cluster to the last
 * views.  If memory runs out, the view goes unchecked.
 */
static bool sim_view_primary(struct vsr_sim *s, u32 epoch, u32 view, u64 id)
{
	u64 key = ((u64)epoch << 32 | view) + 1, *keys, *ids, cap, j, k;

	if (2 * (s->view_used + 1) > s->view_cap) {
		cap = s->view_cap ? 2 * s->view_cap : 256;
		keys = kvcalloc(cap, sizeof(u64), GFP_KERNEL);
		ids = kvcalloc(cap, sizeof(u64), GFP_KERNEL);
		if (!keys || !ids) {
			kvfree(keys);
			kvfree(ids);
			return true;
		}
		for (j = 0; j < s->view_cap; j++) {
			if (!s->view_primary[j])
				continue;
			for (k = s->view_primary[j] % cap; keys[k];
			     k = (k + 1) % cap)
				;
			keys[k] = s->view_primary[j];
			ids[k] = s->view_primary_id[j];
		}
		kvfree(s->view_primary);
		kvfree(s->view_primary_id);
		s->view_primary = keys;
		s->view_primary_id = ids;
		s->view_cap = cap;
	}
	for (k = key % s->view_cap; s->view_primary[k]; k = (k + 1) % s->view_cap)
		if (s->view_primary[k] == key)
			return s->view_primary_id[k] == id;
	s->view_primary[k] = key;
	s->view_primary_id[k] = id;
	s->view_used++;
	return true;
}

static bool sim_grow(void **p, u64 *cap, u64 need, size_t size)
{
	u64 ncap = *cap ? *cap : 64;
	void *q;

	if (need < *cap)
		return true;
	while (ncap <= need)
		ncap *= 2;
	q = kvmalloc(ncap * size, GFP_KERNEL);
	if (!q)
		return false;
	memset(q, 0, ncap * size);
	if (*p)
		memcpy(q, *p, *cap * size);
	kvfree(*p);
	*p = q;
	*cap = ncap;
	return true;
}

/* ---- network ---------------------------------------------------------- */

/* The round at which a datagram sent now, @delay ticks late, is due. */
static u64 sim_due(struct vsr_sim *s, u64 delay)
{
	u64 at = s->now * s->rounds + s->round;

	if (s->rounds == 1)
		return at + delay;
	/* A tick late: 1..s->rounds rounds; each tick more: s->rounds more. */
	return at + (delay - 1) * s->rounds + 1 +
	       sim_stream_below(&s->round_rng, s->rounds);
}

static void sim_enqueue(struct vsr_sim *s, u32 from, u32 to, const void *buf,
			size_t len, u64 delay)
{
	struct vsr_sim_pkt *p;

	if (s->npkt >= SIM_PKT_MAX)
		return;
	if (s->npkt == s->pkt_cap) {
		u64 cap = s->pkt_cap;

		if (!sim_grow((void **)&s->pkt, &cap, cap, sizeof(*s->pkt)))
			return;
		s->pkt_cap = cap;
	}
	p = &s->pkt[s->npkt];
	if (len <= SIM_SMALL && s->nfree) {
		p->buf = s->free[--s->nfree];
	} else {
		p->buf = kvmalloc(max_t(size_t, len, SIM_SMALL), GFP_KERNEL);
		if (!p->buf)
			return;
	}
	memcpy(p->buf, buf, len);
	p->len = len;
	p->from = from;
	p->to = to;
	p->at = sim_due(s, delay);
	s->npkt++;
	p->corrupt = s->corrupt_pm && sim_pm(s, s->corrupt_pm);
	if (p->corrupt)
		p->buf[sim_below(s, len)] ^= 1u << sim_below(s, 8);
}

static u64 sim_delay(struct vsr_sim *s)
{
	u64 d;

	if (s->fixed_delay)
		return s->fixed_delay;
	d = 1 + s->delay_min + sim_below(s, s->delay_max - s->delay_min);

	if (sim_pm(s, 20))
		d += sim_below(s, 4 * s->delay_max + 1);
	/* Rarely, hundreds of ticks: past a restart and a recovery. */
	if (s->long_pm && sim_below(s, 10000) < s->long_pm)
		d += 50 + sim_below(s, 450);
	return d;
}

/* Statistics: is this NEWSTATE one chunk of a longer transfer? */
static void sim_count_chunk(struct vsr_sim *s, const u8 *buf, size_t len)
{
	struct vsr_entry_iter it;
	struct vsr_entry_hdr eh;
	const u8 *data;
	struct vsr_msg m;
	u64 last = 0;

	if (vsr_msg_decode(buf, len, s->cfg.cluster, &m))
		return;
	vsr_entry_iter_init(&it, &m);
	while (vsr_entry_iter_next(&it, &eh, &data))
		last = eh.op;
	if (last && last < m.h.op) {
		s->res.chunks++;
		if (m.ckpt)
			s->res.chunks_ckpt++;
	}
}

/*
 * Keep a copy of some datagrams to deliver again much later, possibly
 * after their sender restarted: view-change messages always (they are
 * few and carry promises), others now and then.
 */
static void sim_capture(struct vsr_sim *s, u32 from, u32 to, const u8 *buf,
			size_t len)
{
	struct vsr_sim_old *o;
	u8 cmd = len > 0 ? buf[0] : 0;
	struct vsr_hdr h;

	if (len >= VSR_HDR_SIZE) {
		vsr_hdr_get(buf, &h);
		cmd = h.command;
	}
	if (cmd == VSR_CMD_NEWSTATE)
		sim_count_chunk(s, buf, len);
	/* Half of the slots for view-change messages, half for the rest. */
	if (cmd == VSR_CMD_DOVIEWCHANGE || cmd == VSR_CMD_STARTVIEW ||
	    cmd == VSR_CMD_STARTVIEWCHANGE)
		o = &s->old[sim_below(s, VSR_SIM_OLD_MAX / 2)];
	else if (sim_pm(s, 20))
		o = &s->old[VSR_SIM_OLD_MAX / 2 +
			    sim_below(s, VSR_SIM_OLD_MAX / 2)];
	else
		return;
	kvfree(o->buf);
	o->buf = kvmalloc(len, GFP_KERNEL);
	if (!o->buf)
		return;
	memcpy(o->buf, buf, len);
	o->incarnation = s->node[from].incarnation;
	o->from = from;
	o->to = to;
	o->len = len;
}

/*
 * The node of member @idx of @r's epoch.  The simulator leaves the
 * identities to the core, which numbers the first epoch's members from 1.
 */
static u32 sim_node_of(struct vsr_sim *s, const struct vsr_replica *r,
		       u32 idx)
{
	if (idx >= VSR_PEER_LEARNER &&
	    idx - VSR_PEER_LEARNER < r->n_learners)
		return get_unaligned_le32(r->learners[idx -
					  VSR_PEER_LEARNER].id.b) - 1;
	if (idx >= r->n)
		return idx % s->n;
	return get_unaligned_le32(r->members[idx].b) - 1;
}

/* The node of member @i of the RECONFIG data @conf. */
static u32 sim_conf_node(const u8 *conf, u32 i)
{
	return get_unaligned_le32(conf + VSR_RECONFIG_SIZE(i) + 8) - 1;
}

/* Is node @node a member of @r's epoch? */
static bool sim_is_member(const struct vsr_replica *r, u32 node)
{
	u32 i;

	for (i = 0; i < r->n; i++)
		if (get_unaligned_le32(r->members[i].b) == node + 1)
			return true;
	return false;
}

/* Is node @node a member of @c? */
static bool sim_conf_has(const struct vsr_sim_conf *c, u32 node)
{
	u32 i;

	for (i = 0; i < c->n; i++)
		if (c->node[i] == node)
			return true;
	return false;
}

/* Is replica @i pulling state (a transfer is in progress)? */
static bool sim_fetching(struct vsr_sim *s, u32 i)
{
	return s->node[i].up && s->node[i].r->fetch.active;
}

/*
 * Is node @i spared the replays and crashes that would undo the dropped
 * schedule before its pull stalls?  Old datagrams queued for b while it
 * stalls would move it through views on waking and draw a full transfer;
 * a crash of p, b or d ends the episode.
 */
static bool sim_ep_spared(const struct vsr_sim *s, u32 i)
{
	const struct vsr_sim_episode *ep = &s->ep;

	return ep->kind == EP_DROPPED && !ep->cut &&
	       (i == ep->p || i == ep->b || i == ep->d);
}

/*
 * An old datagram arrives again.  Half of the time it is one for a replica
 * in the middle of a state transfer, where a stale message matters most.
 */
static void sim_replay(struct vsr_sim *s)
{
	struct vsr_sim_old *o = &s->old[sim_below(s, VSR_SIM_OLD_MAX)];
	u32 i, k = sim_below(s, VSR_SIM_OLD_MAX);

	if (sim_pm(s, 500)) {
		for (i = 0; i < VSR_SIM_OLD_MAX; i++) {
			struct vsr_sim_old *c = &s->old[(k + i) %
							VSR_SIM_OLD_MAX];

			if (c->buf && sim_fetching(s, c->to)) {
				o = c;
				break;
			}
		}
	}
	if (!o->buf || sim_ep_spared(s, o->to))
		return;
	sim_trace(s, "replay %u->%u", o->from, o->to);
	s->res.replays++;
	sim_enqueue(s, o->from, o->to, o->buf, o->len, sim_delay(s));
}

/* An old datagram for replica @to arrives again (if one was kept). */
static void sim_replay_to(struct vsr_sim *s, u32 to)
{
	u32 i, k = sim_below(s, VSR_SIM_OLD_MAX);
	struct vsr_sim_old *o;

	if (sim_ep_spared(s, to))
		return;
	for (i = 0; i < VSR_SIM_OLD_MAX; i++) {
		o = &s->old[(k + i) % VSR_SIM_OLD_MAX];
		if (!o->buf || o->to != to)
			continue;
		sim_trace(s, "replay %u->%u during a transfer", o->from, to);
		sim_enqueue(s, o->from, to, o->buf, o->len, 1);
		s->res.replays++;
		return;
	}
}

/*
 * A replica that restarted and recovered: what its previous incarnations
 * said (votes, DOVIEWCHANGEs) arrives now, after the recovery.
 */
static void sim_replay_incarnation(struct vsr_sim *s, u32 from)
{
	struct vsr_sim_old *o;
	u32 i;

	for (i = 0; i < VSR_SIM_OLD_MAX; i++) {
		o = &s->old[i];
		if (!o->buf || o->from != from ||
		    o->incarnation == s->node[from].incarnation)
			continue;
		sim_trace(s, "replay %u->%u from incarnation %llu", o->from,
			  o->to, (unsigned long long)o->incarnation);
		sim_enqueue(s, o->from, o->to, o->buf, o->len,
			    1 + sim_below(s, 20));
		s->res.replays++;
	}
}

/*
 * Faults aim at a replica that matters half of the time: the source of a
 * state transfer in progress, else the primary of a replica's view.
 */
static u32 sim_target(struct vsr_sim *s)
{
	u32 i, k = sim_below(s, s->n);

	if (sim_pm(s, 500))
		return k;
	for (i = 0; i < s->n; i++)
		if (sim_fetching(s, (k + i) % s->n))
			return sim_node_of(s, s->node[(k + i) % s->n].r,
					   s->node[(k + i) % s->n].r->fetch.source);
	if (s->node[k].up)
		return sim_node_of(s, s->node[k].r,
				   vsr_primary_of(s->node[k].r,
						  s->node[k].r->view));
	return k;
}

static bool sim_is_vc(u8 cmd)
{
	return cmd == VSR_CMD_STARTVIEWCHANGE || cmd == VSR_CMD_DOVIEWCHANGE;
}

/*
 * A chunk of a pull reaches the puller @to: the first ep->hold pass, and
 * the next cuts it off (true: that one is lost).
 */
static bool sim_pull_chunk(struct vsr_sim *s, struct vsr_sim_episode *ep,
			   u32 to)
{
	if (!ep->hold) {
		const struct vsr_replica *r = vsr_sim_replica(s, to);

		ep->cut = true;
		sim_trace(s, "episode: %u cut off (pulled %llu..%llu)", to,
			  r ? (unsigned long long)r->pulled_lo : 0ULL,
			  r ? (unsigned long long)r->pulled_hi : 0ULL);
		return true;
	}
	ep->hold--;
	return false;
}

/* The dropped schedule: is p's op @op a big one (a chunk of its own)? */
static bool sim_dropped_big(struct vsr_sim *s, u64 op)
{
	const struct vsr_entry *e = vsr_log_get(&s->node[s->ep.p].r->log, op);

	return e && e->h.len >= VSR_RECORD_MAX / 2;
}

/*
 * The dropped schedule: p's first big op since it started (found once,
 * then kept in ep->first), or 0 while there is none.
 */
static u64 sim_dropped_first(struct vsr_sim *s)
{
	struct vsr_sim_episode *ep = &s->ep;
	u64 op;

	for (op = ep->head0 + 1;
	     !ep->first && op <= s->node[ep->p].r->log.head; op++) {
		if (sim_dropped_big(s, op)) {
			ep->first = op;
			ep->since = s->now;
		}
	}
	return ep->first;
}

/*
 * The network during an episode (see sim_episode()): true if the datagram
 * is lost; *delay grows for one that is held back.
 */
static bool sim_ep_send(struct vsr_sim *s, u32 from, u32 to, const u8 *buf,
			size_t len, u64 *delay)
{
	struct vsr_sim_episode *ep = &s->ep;
	const struct vsr_replica *r;
	struct vsr_hdr h;
	u64 first;
	u32 i;

	if (len < VSR_HDR_SIZE)
		return false;
	vsr_hdr_get(buf, &h);
	switch (ep->kind) {
	case EP_PROMISE:
		/* p is mute to the deaf, b's next incarnation hears it. */
		if (from == ep->p && (ep->deaf & (1u << to)) &&
		    !(to == ep->b && ep->crashed))
			return true;
		if (to == ep->p && ep->vc_to_p && sim_is_vc(h.command))
			return true;
		/* What b promised reaches the others late. */
		if (from == ep->b && sim_is_vc(h.command) &&
		    s->node[from].incarnation == ep->b_inc)
			*delay += ep->hold;
		return false;
	case EP_STALE:
		if (ep->cut)
			return from == ep->p || to == ep->p;
		/* p's new ops reach b's state transfer only. */
		return from == ep->p && to != ep->b &&
		       h.command != VSR_CMD_COMMIT;
	case EP_LAGGARDS:
		/*
		 * The laggards hear nobody until the change committed, then
		 * only b (a removed member that lost its log) for a while.
		 */
		if (!ep->vc_to_p || ep->crashed ||
		    (ep->deaf >> from & 1) == (ep->deaf >> to & 1))
			return false;
		return !ep->cut || (from != ep->b && to != ep->b);
	case EP_ASIDE:
		/* b is set aside, with the ops that only it got from p. */
		if (ep->cut && !ep->crashed)
			return from == ep->b || to == ep->b;
		return !ep->cut && from == ep->p && to != ep->b &&
		       h.command != VSR_CMD_COMMIT;
	case EP_DEPOSED:
		/* p teaches d first: nothing is lost yet. */
		if (ep->step == DP_TEACH)
			return false;
		/* b lags: p's PREPAREs do not reach it (its COMMITs do). */
		if (s->now < ep->lag)
			return from == ep->p && to == ep->b &&
			       h.command == VSR_CMD_PREPARE;
		if ((from == ep->p || from == ep->b) ==
		    (to == ep->p || to == ep->b))
			return false;
		/* Nothing while they stall; then one of them pulls. */
		i = ep->vc_to_p ? ep->p : ep->b;
		if (!ep->crashed || from == i || to == i || ep->cut)
			return true;
		/* It gets its pull's first chunks, then the pull stalls. */
		if (h.command == VSR_CMD_NEWSTATE &&
		    (to == ep->p || to == ep->b))
			return sim_pull_chunk(s, ep, to);
		return false;
	case EP_DROPPED:
		/* What comes for a stalled node is lost (b's, till its pull). */
		if (ep->step < DR_PULL && (to == ep->b || from == ep->b))
			return true;
		switch (ep->step) {
		case DR_APPEND:
			/*
			 * p's ops from its first big one on reach nobody (nor
			 * do its repairs); those before commit, and their
			 * writers write big records next.
			 */
			if (from != ep->p || (h.command != VSR_CMD_PREPARE &&
					      h.command != VSR_CMD_NEWSTATE))
				return false;
			first = sim_dropped_first(s);
			return first && h.op >= first;
		case DR_ELECT:
			/*
			 * d's view starts, and nobody hears of it: of d, only
			 * its votes (no STARTVIEW, and none of its log).
			 */
			if (from == ep->p || to == ep->p)
				return true;
			return from == ep->d && !sim_is_vc(h.command);
		case DR_TAKE:
			if (from == ep->d || to == ep->d)
				return true;
			/*
			 * The view they elect takes p's log: p's vote is among
			 * the first (the others' come late).
			 */
			if (h.command == VSR_CMD_DOVIEWCHANGE && from != ep->p)
				*delay += 3;
			return false;
		case DR_PULL:
			/*
			 * b hears the others until its pull stalls, then only
			 * d, which hears nobody else.
			 */
			if (from == ep->d || to == ep->d)
				return !ep->cut || (from != ep->b && to != ep->b);
			if (from != ep->b && to != ep->b)
				return false;
			if (ep->cut)
				return true;
			/*
			 * Chunks of its pull count once it applied p's first
			 * big op, which only the pull brings it (a chunk it
			 * refused, or its commit moving in the old epoch, is
			 * no help).
			 */
			r = s->node[to].up ? s->node[to].r : NULL;
			if (h.command == VSR_CMD_NEWSTATE && to == ep->b && r &&
			    h.epoch > r->epoch && r->commit >= ep->first)
				return sim_pull_chunk(s, ep, to);
			return false;
		default:
			return false;
		}
	default:
		return false;
	}
}

/* Free what a disk's slot holds, and empty it. */
static void sim_slot_clear(struct vsr_sim_slot *d)
{
	vsr_free(d->e);
	vsr_free(d->prev);
	memset(d, 0, sizeof(*d));
}

/*
 * Write @f's entry over the slot @d (@f gives it up).  The entry of an
 * older view that it replaces stays behind, for a lost write to leave in
 * the slot (sim_damage()).
 */
static void sim_slot_put(struct vsr_sim_slot *d, struct vsr_sim_slot *f)
{
	struct vsr_entry *prev = d->prev;

	if (d->written && d->e && d->csum != f->csum) {
		vsr_free(prev);
		prev = d->e;
	} else {
		/* (A lost rewrite of the same entry reads back the same.) */
		vsr_free(d->e);
		vsr_free(prev);
		prev = NULL;
	}
	*d = *f;
	d->prev = prev;
	f->e = NULL;
}

/*
 * Whether slot @sl holds its entry in a copy: what a restart must read
 * (the checks' view, apart from the driver's pick).
 */
static bool sim_slot_held(const struct vsr_sim_slot *sl)
{
	return (sl->lost & VSR_SIM_COPIES) != VSR_SIM_COPIES;
}

/* What copy @c of slot @sl reads back: its entry, an older one, or none. */
static const struct vsr_entry *sim_copy_read(const struct vsr_sim_slot *sl,
					     u32 c)
{
	if (!(sl->lost & (1u << c)))
		return sl->e;
	return sl->stale & (1u << c) ? sl->prev : NULL;
}

/*
 * What a restart reads of slot @sl: the copy that the driver takes
 * (vsr_disk_slot_pick(): the entry was written after the older one it
 * replaced), in @copy if not NULL (-1: neither holds an entry).
 */
static const struct vsr_entry *sim_slot_read(const struct vsr_sim_slot *sl,
					     int *copy)
{
	static const struct vsr_disk_stamp later = { .seq = 1, .n = 1 };
	static const struct vsr_disk_stamp older = { .seq = 1 };
	const struct vsr_disk_stamp *st[2];
	const struct vsr_entry *e[2];
	u32 c;
	int k;

	for (c = 0; c < 2; c++) {
		e[c] = sim_copy_read(sl, c);
		st[c] = !e[c] ? NULL : e[c] == sl->e ? &later : &older;
	}
	k = vsr_disk_slot_pick(st[0], st[1]);
	if (copy)
		*copy = k;
	return k < 0 ? NULL : e[k];
}

/* The restart writes the copy it took over the other, if that differs. */
static void sim_slot_mend(struct vsr_sim *s, struct vsr_sim_slot *sl, int c)
{
	u8 other = (1u << !c);

	if (sim_copy_read(sl, !c) == sim_copy_read(sl, c))
		return;
	if (sl->lost & (1u << c)) {
		sl->lost |= other;
		sl->stale |= other;
	} else {
		sl->lost &= ~other;
		sl->stale &= ~other;
	}
	s->res.mended++;
}

/*
 * Whether a restart from @nd's disk would find @op with chain checksum
 * @csum: the checkpoint on the disk, then a written entry at every op up
 * to @op, each the parent of the next.  (An op below the checkpoint is
 * in it: it was committed.)
 */
static bool sim_chain_of(const struct vsr_sim_node *nd, u64 op, u32 csum,
			 u64 ckpt, u32 ckpt_csum, bool readable)
{
	for (; op > ckpt; op--) {
		if (op >= nd->disk_cap || !nd->disk[op].written ||
		    (readable && !sim_slot_held(&nd->disk[op])) ||
		    nd->disk[op].csum != csum)
			return false;
		csum = nd->disk[op].parent;
	}
	return op < ckpt || csum == ckpt_csum;
}

static bool sim_chain(const struct vsr_sim_node *nd, u64 op, u32 csum,
		      u64 ckpt, u32 ckpt_csum)
{
	return sim_chain_of(nd, op, csum, ckpt, ckpt_csum, false);
}

/*
 * The same, as the driver knows it: a lost slot is not there (the kernel's
 * journal goes by what this incarnation wrote, which a slot lost before it
 * started is not, unless it wrote it again).
 */
static bool sim_chain_read(const struct vsr_sim_node *nd, u64 op, u32 csum,
			   u64 ckpt, u32 ckpt_csum)
{
	return sim_chain_of(nd, op, csum, ckpt, ckpt_csum, true);
}

static bool sim_on_disk(const struct vsr_sim_node *nd, u64 op, u32 csum)
{
	return sim_chain(nd, op, csum, nd->disk_view.ckpt, nd->disk_ck.csum);
}

/* A crash: the write in flight never lands. */
static void sim_flush_drop(struct vsr_sim_node *nd)
{
	u64 op;

	if (nd->flushing)
		for (op = nd->flush_from; op <= nd->flush_op; op++) {
			vsr_free(nd->flush_buf[op - nd->flush_from].e);
			nd->flush_buf[op - nd->flush_from].e = NULL;
		}
	nd->flushing = false;
}

/*
 * DOVIEWCHANGE, STARTVIEWCHANGE saying its sender entered the view, or
 * STARTVIEW (its sender counted its own DOVIEWCHANGE: every primary of a
 * view above 0 came through a view change).
 */
static bool sim_promise(const struct vsr_msg *m)
{
	return m->h.command == VSR_CMD_DOVIEWCHANGE ||
	       m->h.command == VSR_CMD_STARTVIEW ||
	       (m->h.command == VSR_CMD_STARTVIEWCHANGE &&
		m->h.flags == VSR_SVC_ENTERED);
}

static void sim_send(void *ctx, unsigned int to, const void *buf, size_t len)
{
	struct vsr_sim_node *nd = ctx;
	struct vsr_sim *s = nd->sim;
	u32 from = nd->idx;
	struct vsr_msg m;
	u64 delay;

	/* Members by index in the sender's epoch (a new one: by number). */
	if (to == VSR_PEER_SENDER)
		to = s->sender;
	else if (nd->r)
		to = sim_node_of(s, nd->r, to);
	else if (nd->ids && to < nd->n_ids)	/* from inside its creation */
		to = get_unaligned_le32(nd->ids[to].b) - 1;
	s->res.messages++;
	if (WARN_ON_ONCE(to >= s->n || len > VSR_MSG_BUILD_MAX))
		return;
	/* The core never sends what it would refuse. */
	if (vsr_msg_decode(buf, len, s->cfg.cluster, &m))
		sim_fail(s, "the core sent what it refuses (command, flags)",
			 vsr_wire_command(buf), m.h.flags);
	/*
	 * A backup acks only what its disk said is durable, and holds: the
	 * op (whose chain checksum vouches for every op below it), as
	 * acked.
	 */
	else if (s->disk_max && m.h.command == VSR_CMD_PREPAREOK &&
		 (m.h.op > s->node[from].reported ||
		  (m.h.op && m.h.op == s->node[from].reported &&
		   m.h.head_csum != s->node[from].reported_csum)))
		sim_fail(s, "a backup acked an op not durable (op, durable)",
			 m.h.op, s->node[from].reported);
	else if (s->disk_max && m.h.command == VSR_CMD_PREPAREOK && m.h.op &&
		 !sim_on_disk(nd, m.h.op, m.h.head_csum))
		sim_fail(s, "a backup acked an op its disk does not hold so (op, replica)",
			 m.h.op, from);
	/*
	 * It leads (PREPARE) or acks in an epoch once the switch to it is on
	 * the disk: a restart that forgot the switch would lead its view 0
	 * again.
	 */
	else if (s->disk_max && nd->view_done.epoch < m.h.epoch &&
		 (m.h.command == VSR_CMD_PREPARE ||
		  (m.h.command == VSR_CMD_PREPAREOK && m.h.op)))
		sim_fail(s, "a replica acted in an epoch not on its disk (epoch, written)",
			 m.h.epoch, nd->view_done.epoch);
	/* An ack as whole for a log view once that is on the disk. */
	else if (s->disk_max && m.h.command == VSR_CMD_PREPAREOK && m.h.op &&
		 (nd->view_done.epoch != m.h.epoch ||
		  nd->view_done.log_view < m.h.log_view))
		sim_fail(s, "an ack for a log view not on the disk (log view, written)",
			 m.h.log_view, nd->view_done.epoch == m.h.epoch ?
			 nd->view_done.log_view : 0);
	/* A promise for a view once that view is on the disk. */
	else if (s->disk_max && sim_promise(&m) && m.h.view &&
		 (nd->view_done.epoch != m.h.epoch ||
		  nd->view_done.view < m.h.view))
		sim_fail(s, "a promise for a view not on the disk (view, written)",
			 m.h.view, nd->view_done.epoch == m.h.epoch ?
			 nd->view_done.view : 0);
	if (s->count_notices && m.h.command == VSR_CMD_EPOCH && !m.h.flags &&
	    m.h.op && nd->r && s->node[to].r &&
	    s->node[to].r->epoch == m.h.epoch &&
	    s->node[to].r->status != VSR_STATUS_REMOVED) {
		if (m.h.arg1)
			s->own_answers++;
		else
			s->own_notices++;
	}
	if (m.h.command == VSR_CMD_PREPARE) {
		nd->led = true;
		nd->led_epoch = m.h.epoch;
		nd->led_view = m.h.view;
	}
	/* The last ack as whole: the latest (epoch, log view), its op. */
	if (m.h.command == VSR_CMD_PREPAREOK && m.h.op &&
	    (m.h.epoch > nd->ack_epoch ||
	     (m.h.epoch == nd->ack_epoch &&
	      (m.h.log_view > nd->ack_log_view ||
	       (m.h.log_view == nd->ack_log_view &&
		m.h.op >= nd->ack_op))))) {
		nd->ack_op = m.h.op;
		nd->ack_csum = m.h.head_csum;
		nd->ack_epoch = m.h.epoch;
		nd->ack_log_view = m.h.log_view;
	}
	if (s->replay_pm)
		sim_capture(s, from, to, buf, len);
	if (s->block[from][to])
		return;
	if (s->filter && s->filter(s, from, to, buf, len))
		return;
	delay = sim_delay(s);
	if (s->ep.kind && sim_ep_send(s, from, to, buf, len, &delay))
		return;
	if (s->loss_pm && sim_pm(s, s->loss_pm))
		return;
	sim_enqueue(s, from, to, buf, len, delay);
	if (s->dup_pm && sim_pm(s, s->dup_pm))
		sim_enqueue(s, from, to, buf, len, sim_delay(s));
}

static void sim_pkt_free(struct vsr_sim *s, u8 *buf, u32 len)
{
	if (len <= SIM_SMALL && s->nfree < ARRAY_SIZE(s->free))
		s->free[s->nfree++] = buf;
	else
		kvfree(buf);
}

/*
 * The 2012 paper's state transfer, for the tests that show its defect
 * (@paper_truncate_defect): a replica that learns of a later view from a
 * PREPARE or COMMIT of that view's primary truncates its log to its commit
 * number but keeps its log view.  The core does not do that, and has no
 * switch for it: the simulator does it to the replica just before the core
 * takes such a message, under the same conditions as the core's own step
 * into the later view (vsr_replica_deliver(), vsr_from_primary()), so the
 * replica then enters the view with the truncated log.
 */
static void sim_paper_truncate(struct vsr_sim *s, struct vsr_replica *r,
			       const u8 *buf, u32 len)
{
	struct vsr_msg m;

	if (vsr_msg_decode(buf, len, s->cfg.cluster, &m) ||
	    r->status == VSR_STATUS_FAILED ||
	    r->status == VSR_STATUS_RECOVERING ||
	    m.h.epoch != r->epoch || m.h.replica >= r->n ||
	    m.h.replica == r->self ||
	    (m.h.command != VSR_CMD_PREPARE &&
	     m.h.command != VSR_CMD_COMMIT) ||
	    m.h.view <= r->view || m.h.log_view != m.h.view ||
	    m.h.replica != vsr_primary_of(r, m.h.view))
		return;
	vsr_log_truncate(&r->log, max(r->commit, r->log.base));
}

static void sim_forward_appended(struct vsr_sim *s, u32 p, const void *buf,
				 size_t len, u64 head);

/*
 * A PREPAREOK of node @from reached node @to: note its incarnation, and
 * when, by @to's clock (a paused node's stands still).
 */
static void sim_note_ok(struct vsr_sim *s, u32 from, u32 to, const void *buf,
			size_t len)
{
	struct vsr_hdr h;

	if (len < VSR_HDR_SIZE || vsr_wire_command(buf) != VSR_CMD_PREPAREOK)
		return;
	vsr_hdr_get(buf, &h);
	s->node[to].ok_inc[from] = h.arg1;
	s->node[to].ok_at[from] = s->node[to].r ? s->node[to].r->ticks : 0;
}

static void sim_deliver(struct vsr_sim *s)
{
	struct vsr_sim_pkt p;
	u32 i = 0;
	int ret;

	while (i < s->npkt) {
		if (s->pkt[i].at > s->now * s->rounds + s->round ||
		    s->node[s->pkt[i].to].paused_until > s->now) {
			i++;
			continue;
		}
		p = s->pkt[i];
		/* Kept in the order sent, or one of those due moved here. */
		s->npkt--;
		if (s->fifo)
			memmove(&s->pkt[i], &s->pkt[i + 1],
				(s->npkt - i) * sizeof(*s->pkt));
		else
			s->pkt[i] = s->pkt[s->npkt];
		if (s->node[p.to].up) {
			if (s->p.trace && p.len >= VSR_HDR_SIZE) {
				struct vsr_hdr h;

				vsr_hdr_get(p.buf, &h);
				sim_trace(s, "%u->%u %s v%u op%llu c%llu lv%u a%llu",
					  p.from, p.to,
					  h.command < ARRAY_SIZE(vsr_sim_cmd) ?
					  vsr_sim_cmd[h.command] : "?",
					  h.view, (unsigned long long)h.op,
					  (unsigned long long)h.commit,
					  h.log_view,
					  (unsigned long long)h.arg0);
			}
			if (s->p.paper_truncate_defect)
				sim_paper_truncate(s, s->node[p.to].r, p.buf,
						   p.len);
			u64 head = s->node[p.to].r->log.head;

			s->sender = p.from;
			ret = vsr_replica_receive(s->node[p.to].r, p.buf,
						  p.len);
			s->sender = U32_MAX;
			/*
			 * What a replica sent, intact, is used or stale, never
			 * refused as malformed (a driver counts that as an
			 * attack, or a bug).
			 */
			if (ret && ret != -ESTALE && !p.corrupt)
				sim_fail(s, "an intact datagram refused (errno, command)",
					 -ret, vsr_wire_command(p.buf));
			sim_note_ok(s, p.from, p.to, p.buf, p.len);
			sim_forward_appended(s, p.to, p.buf, p.len, head);
		}
		sim_pkt_free(s, p.buf, p.len);
	}
}

/* ---- checker ---------------------------------------------------------- */

static u64 sim_key_hash(u64 session, u64 request)
{
	u64 z = session * 0x9e3779b97f4a7c15ULL ^ request;

	z = (z ^ (z >> 31)) * 0xbf58476d1ce4e5b9ULL;
	return z ^ (z >> 29);
}

/* Insert (session, request); false if it was there already. */
static bool sim_rec_insert(struct vsr_sim *s, u64 session, u64 request)
{
	u64 i;

	if ((s->rec_count + 1) * 2 > s->rec_cap) {
		u64 *old = s->rec_keys, ocap = s->rec_cap, ncap;

		ncap = ocap ? ocap * 2 : 256;
		s->rec_keys = kvmalloc(ncap * 2 * sizeof(u64), GFP_KERNEL);
		if (!s->rec_keys) {
			s->rec_keys = old;
			return true;
		}
		memset(s->rec_keys, 0, ncap * 2 * sizeof(u64));
		s->rec_cap = ncap;
		s->rec_count = 0;
		for (i = 0; i < ocap; i++)
			if (old[2 * i])
				sim_rec_insert(s, old[2 * i], old[2 * i + 1]);
		kvfree(old);
	}
	i = sim_key_hash(session, request) & (s->rec_cap - 1);
	while (s->rec_keys[2 * i]) {
		if (s->rec_keys[2 * i] == session &&
		    s->rec_keys[2 * i + 1] == request)
			return false;
		i = (i + 1) & (s->rec_cap - 1);
	}
	s->rec_keys[2 * i] = session;
	s->rec_keys[2 * i + 1] = request;
	s->rec_count++;
	return true;
}

/*
 * @op, of view @view with chain checksum @csum, is committed for the first
 * time, by @nd: a quorum of the members of its epoch must hold it on disk (the
 * primary counted acks that its disk had said were durable), with a log
 * view at least the committer's (each acked as whole for it).
 */
static void sim_check_durable(struct vsr_sim *s, struct vsr_sim_node *nd,
			      u64 op, u32 view, u32 csum)
{
	const struct vsr_replica *r = nd->r;
	const struct vsr_sim_node *m;
	u32 i, held = 0;

	for (i = 0; i < r->n; i++) {
		m = &s->node[sim_node_of(s, r, i)];
		held += (sim_on_disk(m, op, csum) &&
			 (m->disk_view.epoch > r->epoch ||
			  (m->disk_view.epoch == r->epoch &&
			   m->disk_view.log_view >= r->log_view))) ||
			/* (Or it did, and acked it, before it was wiped.) */
			(m->wiped_ack_op >= op &&
			 (m->wiped_ack_op > op || m->wiped_ack_csum == csum) &&
			 (m->wiped_ack_epoch > r->epoch ||
			  (m->wiped_ack_epoch == r->epoch &&
			   m->wiped_ack_log_view >= r->log_view)));
	}
	if (held < r->quorum)
		sim_fail(s, "an op committed that a quorum's disks do not hold, whole for its log view (op, disks)",
			 op, held);
	/*
	 * An op of a later epoch's view 0: its primary's disk holds the
	 * switch, or a restart of it would lead that view again.
	 */
	m = &s->node[sim_node_of(s, r, 0)];
	if (r->epoch > s->cfg.epoch && view == 0 && op > r->epoch_hdr.op &&
	    max(m->disk_view.epoch, m->wiped_epoch) < r->epoch)
		sim_fail(s, "an op committed in a new epoch's view 0 before its primary's disk held the switch (op, epoch)",
			 op, r->epoch);
}

static void sim_commit(void *ctx, const struct vsr_entry *e)
{
	struct vsr_sim_node *nd = ctx;
	struct vsr_sim *s = nd->sim;
	struct vsr_sim_golden *g;
	bool record = e->flags & VSR_ENTRY_RECORD;
	u32 dc = vsr_crc32c(~0u, e->data, e->h.len);
	u64 op = e->h.op;

	if (op <= nd->last_applied)
		sim_fail(s, "apply order went backwards", op, nd->last_applied);
	nd->last_applied = op;
	if (!sim_grow((void **)&s->golden, &s->golden_cap, op,
		      sizeof(*s->golden)))
		return;
	g = &s->golden[op];
	/*
	 * The first to apply an op committed it: a quorum of its epoch's
	 * disks hold that op as it has it.
	 */
	if (!g->set && s->disk_max)
		sim_check_durable(s, nd, op, e->h.view, e->h.checksum);
	if (!g->set) {
		g->set = true;
		g->record = record;
		g->type = e->h.type;
		g->checksum = e->h.checksum;
		g->data_csum = dc;
		g->session = e->h.session;
		g->request = e->h.request;
		if (op > s->golden_max)
			s->golden_max = op;
		if (record) {
			s->res.records++;
			if (!sim_rec_insert(s, e->h.session, e->h.request))
				sim_fail(s, "request executed twice",
					 e->h.session, e->h.request);
		}
		return;
	}
	if (g->checksum != e->h.checksum || g->record != record ||
	    g->data_csum != dc)
		sim_fail(s, "replicas committed different ops", op, nd->idx);
}

static void sim_data(u64 session, u64 request, u8 *buf, u32 len)
{
	u64 x = session * 1000003 + request;
	u32 i;

	for (i = 0; i < len; i++) {
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		buf[i] = x >> 56;
	}
}

static void sim_reply(void *ctx, const struct vsr_reply *rep)
{
	struct vsr_sim_node *nd = ctx;
	struct vsr_sim *s = nd->sim;
	struct vsr_sim_golden *g;
	u32 i;

	for (i = 0; i < s->nclients; i++) {
		struct vsr_sim_client *c = &s->client[i];

		if (!c->busy || c->origin != nd->idx)
			continue;
		if (c->registering) {
			if (rep->type != VSR_OP_REGISTER ||
			    rep->request != c->nonce)
				continue;
			c->session = rep->session;
			c->last_request = 0;
			c->registering = false;
			c->busy = false;
			sim_trace(s, "client %u registered session %llu", i,
				  (unsigned long long)c->session);
			continue;
		}
		if (c->barrier) {
			if (rep->type != VSR_OP_NOOP || rep->request != c->nonce)
				continue;
			g = rep->op < s->golden_cap ? &s->golden[rep->op] :
			    NULL;
			/* Ordered after everything committed before it. */
			if (!g || !g->set || g->type != VSR_OP_NOOP ||
			    g->request != c->nonce ||
			    rep->op <= c->barrier_floor)
				sim_fail(s, "read barrier answered too early",
					 rep->op, c->barrier_floor);
			c->busy = false;
			c->barrier = false;
			s->res.barriers++;
			continue;
		}
		if (rep->type != VSR_OP_DATA || rep->session != c->session ||
		    rep->request != c->request)
			continue;
		c->busy = false;
		if (rep->err == -ESTALE) {
			c->failed++;
			s->res.evictions++;
			c->session = 0;
			sim_trace(s, "client %u session evicted", i);
			continue;
		}
		if (rep->err) {
			sim_fail(s, "unexpected client error", i, -rep->err);
			continue;
		}
		g = rep->op < s->golden_cap ? &s->golden[rep->op] : NULL;
		if (!g || !g->set || !g->record || g->type != VSR_OP_DATA ||
		    g->session != c->session || g->request != c->request ||
		    g->data_csum != c->data_csum) {
			sim_fail(s, "acknowledged request not in the log",
				 c->session, c->request);
			continue;
		}
		c->last_request = c->request;
		c->acked++;
		s->res.acked++;
		sim_trace(s, "client %u acked s%llu r%llu at op %llu", i,
			  (unsigned long long)c->session,
			  (unsigned long long)c->request,
			  (unsigned long long)rep->op);
	}
}

static void sim_status(void *ctx, const struct vsr_core_status *st)
{
	struct vsr_sim_node *nd = ctx;
	struct vsr_sim *s = nd->sim;

	/*
	 * The new epoch's first primary may die before anyone hears it.  (A
	 * joining replica that learns is in the epoch of its teacher.)
	 */
	if (st->epoch > nd->seen_epoch && st->status != VSR_STATUS_JOINING) {
		if (nd->joining && nd->seen_epoch == 0) {
			s->res.joins++;
			/* Taught as a learner, and recorded. */
			if (st->status != VSR_STATUS_RECOVERING)
				s->res.learned++;
		}
		nd->seen_epoch = st->epoch;
		nd->entered_normal = st->status != VSR_STATUS_RECOVERING;
		if (st->is_primary && s->doom_pm && sim_pm(s, s->doom_pm))
			nd->doom_at = s->now + 1;
		/*
		 * So may a member that stays, before its notices go out: the
		 * new members must then learn k from another (revert.sh 20).
		 */
		else if (!nd->joining && s->doom_pm &&
			 st->status == VSR_STATUS_NORMAL &&
			 sim_pm(s, s->doom_pm / 4))
			nd->doom_at = s->now + 1;
	}

	sim_trace(nd->sim, "replica %u status %u epoch %u view %u log_view %u op %llu commit %llu%s",
		  nd->idx, st->status, st->epoch, st->view, st->log_view,
		  (unsigned long long)st->op, (unsigned long long)st->commit,
		  st->abdicated ? " abdicated" : "");
}

/* The simulator reaches a learner by its number (sim_node_of()). */
static void sim_learners(void *ctx, const struct vsr_member_id *ids,
			 u32 count)
{
}

/* A durable replica asks for its view to be written (sim_disk() does). */
/* A copy of a checkpoint; false if out of memory. */
static bool sim_ck_copy(struct vsr_sim_ckpt *d, const struct vsr_sim_ckpt *c)
{
	if (!sim_grow((void **)&d->table, &d->table_cap,
		      (u64)c->count * VSR_SESSION_WIRE_SIZE, 1))
		return false;
	d->op = c->op;
	d->view = c->view;
	d->csum = c->csum;
	d->count = c->count;
	if (c->count)
		memcpy(d->table, c->table,
		       (size_t)c->count * VSR_SESSION_WIRE_SIZE);
	d->ep = c->ep;
	memcpy(d->ep_conf, c->ep_conf, sizeof(d->ep_conf));
	return true;
}

/* The RECONFIG that started the replica's epoch, written with its record. */
static void sim_ck_epoch(struct vsr_sim_ckpt *d, const struct vsr_replica *r)
{
	const struct vsr_entry_hdr *h;
	const u8 *conf;

	h = vsr_replica_epoch_entry(r, &conf);
	memset(&d->ep, 0, sizeof(d->ep));
	if (h) {
		d->ep = *h;
		memcpy(d->ep_conf, conf, h->len);
	}
}

/* The replica's checkpoint, as its driver would write it. */
static bool sim_ck_take(struct vsr_sim_ckpt *d, const struct vsr_replica *r)
{
	const struct vsr_checkpoint *c = &r->ckpt;

	if (!sim_grow((void **)&d->table, &d->table_cap,
		      (u64)c->table.count * VSR_SESSION_WIRE_SIZE, 1))
		return false;
	d->op = c->op;
	d->view = c->view;
	d->csum = c->checksum;
	d->count = c->table.count;
	vsr_ct_encode(&c->table, d->table);
	sim_ck_epoch(d, r);
	return true;
}

static void sim_persist(void *ctx, const struct vsr_persist *p)
{
	struct vsr_sim_node *nd = ctx;

	nd->view_asked = true;
	nd->view_want = *p;
	/*
	 * The checkpoint it names is the replica's (the driver writes it), or
	 * the one on the disk, which stays.
	 */
	if (nd->r && p->ckpt == nd->r->ckpt.op) {
		if (!sim_ck_take(&nd->want_ck, nd->r))
			sim_fail(nd->sim, "out of memory", 0, 0);
	} else if (p->ckpt == nd->disk_view.ckpt) {
		if (!sim_ck_copy(&nd->want_ck, &nd->disk_ck))
			sim_fail(nd->sim, "out of memory", 0, 0);
	} else
		sim_fail(nd->sim, "asked to write a checkpoint it does not have (checkpoint, on disk)",
			 p->ckpt, nd->disk_view.ckpt);
	if (nd->r)
		sim_ck_epoch(&nd->want_ck, nd->r);
	if (p->epoch && !nd->want_ck.ep.op)
		sim_fail(nd->sim, "asked to write a later epoch whose start it does not know (epoch, replica)",
			 p->epoch, nd->idx);
	sim_trace(nd->sim, "replica %u asks to write epoch %u view %u log view %u checkpoint %llu",
		  nd->idx, p->epoch, p->view, p->log_view,
		  (unsigned long long)p->ckpt);
}

static const struct vsr_ops sim_ops = {
	.persist = sim_persist,
	.send = sim_send,
	.reply = sim_reply,
	.commit = sim_commit,
	.status = sim_status,
	.learners = sim_learners,
};

/* Order-independent digest of a checkpoint's view and client table. */
static u32 sim_ckpt_hash(const struct vsr_checkpoint *c)
{
	u64 x = sim_key_hash(c->view, c->table.count);
	u32 i;

	for (i = 0; i < c->table.count; i++) {
		const struct vsr_session *ss = &c->table.s[i];

		x += sim_key_hash(ss->id ^ ss->nonce * 31,
				  ss->last_request * 131 ^ ss->last_op);
	}
	return (u32)(x ^ (x >> 32));
}

/*
 * Checkpoints: every replica whose checkpoint is at op c holds the same
 * checkpoint there (the committed op's checksum, its view, the client
 * table after applying 1..c).
 */
static void sim_check_ckpt(struct vsr_sim *s, struct vsr_sim_node *nd)
{
	const struct vsr_checkpoint *c = &nd->r->ckpt;
	struct vsr_sim_golden *g;
	u32 h;

	if (!c->op || c->op == nd->ckpt_seen)
		return;
	nd->ckpt_seen = c->op;
	if (!sim_grow((void **)&s->golden, &s->golden_cap, c->op,
		      sizeof(*s->golden)))
		return;
	g = &s->golden[c->op];
	if (g->set && g->checksum != c->checksum)
		sim_fail(s, "checkpoint is not at the committed op", c->op,
			 nd->idx);
	h = sim_ckpt_hash(c);
	if (!g->ckpt_set) {
		g->ckpt_set = true;
		g->ckpt_hash = h;
	} else if (g->ckpt_hash != h) {
		sim_fail(s, "checkpoints differ at the same op", c->op,
			 nd->idx);
	}
}

/*
 * What readers see: every op in (trim point, commit] is in the log, is the
 * committed op, and is flagged a record exactly when the first replica to
 * apply it flagged it so (also for entries fetched again later).  The op
 * at the commit number and a few others, chosen without touching the
 * simulation's PRNG, are checked after every step.
 */
static void sim_check_entries(struct vsr_sim *s, struct vsr_sim_node *nd)
{
	const struct vsr_replica *r = nd->r;
	const struct vsr_entry *e;
	struct vsr_sim_golden *g;
	u64 op, span, x;
	u8 want;
	u32 k;

	if (r->commit > r->log.head || r->commit < r->log.base) {
		sim_fail(s, "commit number outside the log", nd->idx,
			 r->commit);
		return;
	}
	span = r->commit - r->log.base;
	if (!span)
		return;
	x = sim_key_hash(s->now, nd->idx);
	for (k = 0; k < 4; k++, x = sim_key_hash(x, k)) {
		op = k ? r->log.base + 1 + x % span : r->commit;
		e = vsr_replica_entry(r, op);
		if (!e) {
			sim_fail(s, "committed op missing for readers", op,
				 nd->idx);
			return;
		}
		if (op >= s->golden_cap || !s->golden[op].set)
			continue;
		g = &s->golden[op];
		want = VSR_ENTRY_APPLIED | (g->record ? VSR_ENTRY_RECORD : 0);
		if (e->h.checksum != g->checksum || e->flags != want) {
			sim_fail(s, "readers see a different op or record flag",
				 op, nd->idx);
			return;
		}
	}
}

/*
 * Does @r's log end with an op of its epoch of a view above its own (or,
 * all trimmed, with a checkpoint of one)?
 */
static bool sim_pulled_later(const struct vsr_replica *r)
{
	const struct vsr_entry *e = vsr_log_get(&r->log, r->log.head);

	if (r->log.head <= r->epoch_hdr.op)
		return false;
	return e ? e->h.view > r->view : r->ckpt.view > r->view;
}

/*
 * A backup whose log is whole for its view (normal, log view = view) holds
 * a prefix of the log of that view's normal primary: everything of the
 * view past the STARTVIEW op came from that primary, which only appends,
 * and vsr_become_whole() dropped older ops beyond that point.  The logs
 * are hash-chained, so comparing the checksums at the backup's head
 * compares the whole common part.
 */
static void sim_check_whole(struct vsr_sim *s, struct vsr_sim_node *nd)
{
	const struct vsr_replica *b = nd->r, *p;
	struct vsr_sim_node *pn;
	u32 cb, cp;
	u64 k;

	if (b->status != VSR_STATUS_NORMAL || b->log_view != b->view ||
	    vsr_is_primary(b))
		return;
	pn = &s->node[sim_node_of(s, b, vsr_primary_of(b, b->view))];
	if (!pn->up)
		return;
	p = pn->r;
	if (p->status != VSR_STATUS_NORMAL || p->epoch != b->epoch ||
	    p->view != b->view || p->log_view != p->view)
		return;
	/*
	 * Unless either pulls the ops up to the next epoch's start, or
	 * pulled some, committed in views above its own: they replace those
	 * it held beyond the commit number (that the other one may still
	 * hold; an append that fails leaves it with fewer), and it knows no
	 * more of those views.
	 */
	if (vsr_epoch_learning(b) || vsr_epoch_learning(p) ||
	    sim_pulled_later(b) || sim_pulled_later(p))
		return;
	if (b->log.head > p->log.head) {
		sim_fail(s, "whole backup holds ops its primary lacks",
			 nd->idx, b->log.head);
		return;
	}
	k = b->log.head;
	if (k < p->log.base)
		return;
	if (vsr_log_csum(&b->log, k, &cb) && vsr_log_csum(&p->log, k, &cp) &&
	    cb != cp)
		sim_fail(s, "whole backup's log differs from its primary's",
			 nd->idx, k);
}

/* Has @c other members than @prev (in any order)? */
static bool sim_conf_changed(const struct vsr_sim_conf *prev,
			     const struct vsr_sim_conf *c)
{
	u32 i, j;

	if (prev->n != c->n)
		return true;
	for (i = 0; i < c->n; i++) {
		for (j = 0; j < prev->n; j++)
			if (prev->node[j] == c->node[i])
				break;
		if (j == prev->n)
			return true;
	}
	return false;
}

/* Note the newest epoch a replica entered (see struct vsr_sim_conf). */
static void sim_note_epoch(struct vsr_sim *s, const struct vsr_replica *r)
{
	struct vsr_sim_conf *c = &s->conf[0];
	u32 i;

	if (r->epoch <= c->epoch || !r->epoch_hdr.op)
		return;
	s->conf[1] = *c;
	c->epoch = r->epoch;
	c->n = get_unaligned_le32(r->epoch_conf + 4);
	for (i = 0; i < c->n; i++) {
		c->node[i] = sim_conf_node(r->epoch_conf, i);
		c->inc[i] = get_unaligned_le64(r->epoch_conf +
					       VSR_RECONFIG_SIZE(i));
	}
	c->changed = sim_conf_changed(&s->conf[1], c);
	c->k = r->epoch_hdr.op;
	sim_trace(s, "epoch %u: %u members", c->epoch, c->n);
}

/*
 * Whether a normal primary of @st's view has acted: with disks, once it
 * sent a PREPARE there.  (After a power loss, replicas whose disks are
 * fresh bootstrap view 0 again, as other incarnations: safe only if the
 * first ones led nothing, which is what the check then asks.)
 */
static bool sim_in_service(const struct vsr_sim *s,
			   const struct vsr_sim_node *nd,
			   const struct vsr_core_status *st)
{
	return !s->disk_max || (nd->led && nd->led_epoch == st->epoch &&
				nd->led_view == st->view);
}

static void sim_check(struct vsr_sim *s)
{
	struct vsr_core_status st;
	u64 id;
	u32 i;

	for (i = 0; i < s->n; i++) {
		struct vsr_sim_node *nd = &s->node[i];

		if (!nd->up)
			continue;
		sim_note_epoch(s, nd->r);
		vsr_replica_get_status(nd->r, &st);
		/* vsr_fail(): the core itself saw a broken invariant. */
		if (st.status == VSR_STATUS_FAILED)
			sim_fail(s, "replica failed (broken invariant)", i,
				 st.commit);
		if (st.commit < nd->last_commit)
			sim_fail(s, "commit number went backwards", i,
				 st.commit);
		nd->last_commit = st.commit;
		if (nd->recovering && st.status == VSR_STATUS_NORMAL) {
			nd->recovering = false;
			nd->recovered = true;
			s->res.recoveries++;
		}
		if (st.view > s->res.view_changes)
			s->res.view_changes = st.view;
		sim_check_entries(s, nd);
		sim_check_ckpt(s, nd);
		sim_check_whole(s, nd);
		if (!st.is_primary || !sim_in_service(s, nd, &st))
			continue;
		id = ((u64)i << 32 | nd->incarnation) + 1;
		if (!sim_view_primary(s, st.epoch, st.view, id))
			sim_fail(s, "two normal primaries in one view", st.view,
				 i);
	}
}

/* ---- replicas and clients --------------------------------------------- */

/* Whether a restart would find anything on @nd's disk. */
static bool sim_disk_held(const struct vsr_sim_node *nd)
{
	static const struct vsr_persist none;

	return memcmp(&nd->disk_view, &none, sizeof(none)) ||
	       (nd->disk_cap > 1 && nd->disk[1].written);
}


/*
 * Hand @nd's disk to its new replica, as a driver reads it: the checkpoint,
 * then every written entry above it in op order (the replica keeps those
 * that chain).  It must hold what its predecessor last acked, if its log
 * is whole for the same view.
 */
static int sim_restore(struct vsr_sim *s, struct vsr_sim_node *nd)
{
	const struct vsr_entry **es = NULL;
	struct vsr_restore rs = {
		.ckpt = nd->disk_ck.op, .ckpt_view = nd->disk_ck.view,
		.ckpt_csum = nd->disk_ck.csum, .table = nd->disk_ck.table,
		.table_count = nd->disk_ck.count,
	};
	struct vsr_replica *r = nd->r;
	const struct vsr_entry *e;
	u64 op, cap = 0;
	u32 csum;
	int ret;

	for (op = rs.ckpt + 1; op < nd->disk_cap; op++) {
		int c;

		e = sim_slot_read(&nd->disk[op], &c);
		if (!e)
			break;
		sim_slot_mend(s, &nd->disk[op], c);
		nd->disk[op].read = true;
		if (!sim_grow((void **)&es, &cap, rs.count, sizeof(*es)))
			return -ENOMEM;
		es[rs.count++] = e;
	}
	rs.entries = es;
	/* Part of its creation: no injected allocation failure. */
	s->creating = true;
	ret = vsr_replica_restore(r, &rs);
	s->creating = false;
	kvfree(es);
	if (ret)
		return ret;
	s->res.restores++;
	/*
	 * In a later epoch, the ops up to the one that started it are taken
	 * as committed history: they must be the committed ops.
	 */
	for (op = r->log.base + 1; r->epoch && op <= r->log.head &&
	     op <= r->epoch_hdr.op; op++)
		if (op < s->golden_cap && s->golden[op].set &&
		    vsr_log_get(&r->log, op)->h.checksum !=
		    s->golden[op].checksum)
			sim_fail(s, "a restart in a later epoch keeps an op below its start that was not committed (op, replica)",
				 op, nd->idx);
	/* Nothing follows a RECONFIG of the next epoch in a restored log. */
	for (op = max(r->log.base, r->epoch_hdr.op) + 1; op < r->log.head; op++)
		if (vsr_log_get(&r->log, op)->h.type == VSR_OP_RECONFIG)
			sim_fail(s, "a restart keeps ops after a RECONFIG of the next epoch (op, replica)",
				 op, nd->idx);
	/* One that may stand for the recorded incarnation of the next. */
	if (r->origin)
		nd->restored_from = r->epoch;
	if (r->epoch)
		s->res.restores_epoch++;
	nd->disk_taken = true;
	nd->reported = r->log.head;
	vsr_log_csum(&r->log, r->log.head, &nd->reported_csum);
	nd->w_op = nd->reported;
	nd->w_csum = nd->reported_csum;
	sim_trace(s, "replica %u restarted from its disk: view %u log view %u op %llu checkpoint %llu",
		  nd->idx, r->view, r->log_view, (unsigned long long)r->log.head,
		  (unsigned long long)r->ckpt.op);
	/*
	 * Unless ops of a later view replaced it (committed ones, taken to
	 * catch up to the next epoch), and the log then ends there or goes
	 * on in that view.
	 */
	e = vsr_log_get(&r->log, min(nd->ack_op, r->log.head));
	if (nd->ack_op && nd->ack_epoch == r->epoch &&
	    nd->ack_log_view == r->log_view && nd->ack_op > r->log.base &&
	    (!e || e->h.view <= nd->ack_log_view) &&
	    (!vsr_log_csum(&r->log, nd->ack_op, &csum) ||
	     csum != nd->ack_csum))
		sim_fail(s, "a replica restarted from its disk lacks an op it acked (op, replica)",
			 nd->ack_op, nd->idx);
	if (nd->ack_op && nd->ack_epoch == r->epoch &&
	    nd->ack_log_view > r->log_view)
		sim_fail(s, "a replica restarted from its disk went back in log view (acked in, restarted in)",
			 nd->ack_log_view, r->log_view);
	return 0;
}

/*
 * Or, at a restart from a disk, a write that never landed: a slot
 * holds what it held before its last write, an entry of an older view of
 * the same op (another lap's reads back as no entry: the driver checks
 * each slot's op), intact and chained on the op below.  Only a slot that
 * was written over such an entry reads back other than empty, and at the
 * record's head only the record's checksum of it tells: the head in half
 * of the draws where it was rewritten, else any rewritten slot.
 *
 * Return: its op, 0 for none.
 */
static u64 sim_lost_write(struct vsr_sim *s, struct vsr_sim_node *nd)
{
	const struct vsr_persist *d = &nd->disk_view;
	u64 op, lw = 0, n = 0, low = d->op + 1;
	u32 csum = d->csum;

	if (!s->lostw_pm ||
	    sim_stream_below(&s->fault_rng, 1000) >= s->lostw_pm)
		return 0;
	/*
	 * Only a write the record stands on: a slot written since with what
	 * it does not name (a crash landed part of a write, a removed
	 * replica took committed ops over it) reads back, lost, as the
	 * record says, as if that write never landed.
	 */
	while (low > d->ckpt + 1 && nd->disk[low - 1].written &&
	       nd->disk[low - 1].csum == csum)
		csum = nd->disk[--low].parent;
	if (low > d->op)
		return 0;
	if (nd->disk[d->op].prev && sim_stream_below(&s->fault_rng, 2))
		return d->op;
	for (op = low; op <= d->op; op++)
		if (nd->disk[op].prev && !sim_stream_below(&s->fault_rng, ++n))
			lw = op;
	return lw;
}

/*
 * A latent sector error found at a restart: a slot below the record's head
 * reads back bad in both copies of the ring (two faults), so the disk does
 * not hold what the replica may have acked, and the restart must refuse
 * it.  Or a lost write (sim_lost_write()), in one copy or both.  Not at a
 * power loss beyond what the cluster survives (s->damage_left).  Returns
 * whether the disk is damaged (both copies).
 */
static bool sim_damage(struct vsr_sim *s, struct vsr_sim_node *nd)
{
	const struct vsr_persist *d = &nd->disk_view;
	u64 op, lw;
	u8 copies;

	if (d->op <= d->ckpt || d->op >= nd->disk_cap)
		return false;
	op = 0;
	if (nd->restore_mode == 3 ||
	    (s->damage_pm && (!nd->power || s->damage_left) &&
	     sim_stream_below(&s->tear_rng, 1000) < s->damage_pm)) {
		op = d->ckpt + 1 +
		     sim_stream_below(&s->tear_rng, d->op - d->ckpt);
		if (!nd->disk[op].written)
			return false;
	}
	/* A lost write, found at a restart like a latent error. */
	lw = nd->power && !s->damage_left && nd->restore_mode != 3 ? 0 :
	     sim_lost_write(s, nd);
	if (!op && !lw)
		return false;
	/* Half of those in one copy (the other holds the op), half in both. */
	copies = VSR_SIM_COPIES;
	if (lw && nd->restore_mode != 3 && sim_stream_below(&s->fault_rng, 2))
		copies = 1u << sim_stream_below(&s->fault_rng, 2);
	if (copies == VSR_SIM_COPIES) {
		if (nd->power && s->damage_left)
			s->damage_left--;
		s->res.damaged++;
	}
	if (!lw) {
		nd->disk[op].lost = VSR_SIM_COPIES;
		nd->disk[op].stale = 0;
		sim_trace(s, "replica %u's disk lost op %llu (its record's head %llu)",
			  nd->idx, (unsigned long long)op,
			  (unsigned long long)d->op);
		return true;
	}
	if (copies == VSR_SIM_COPIES)
		s->res.stale++;
	else
		s->res.copy_faults++;
	/* (A fault of the other copy that no restart mended stays.) */
	nd->disk[lw].lost |= copies;
	nd->disk[lw].stale |= copies;
	sim_trace(s, "replica %u's last write of op %llu was lost in copies %u (its record's head %llu)",
		  nd->idx, (unsigned long long)lw, copies,
		  (unsigned long long)d->op);
	/* Half of those went to another slot, which holds another op now. */
	op = d->ckpt + 1 + sim_stream_below(&s->fault_rng, d->op - d->ckpt);
	if (sim_stream_below(&s->fault_rng, 2) && op != lw &&
	    nd->disk[op].written && !(nd->disk[op].lost & ~copies)) {
		nd->disk[op].lost |= copies;
		nd->disk[op].stale &= ~copies;
		sim_trace(s, "... misdirected: it hit op %llu",
			  (unsigned long long)op);
	}
	return copies == VSR_SIM_COPIES;
}

/*
 * Hit copy @c (a bit) of @op's slot, if its other copy is intact: no
 * fault, or one that a restart read since, and so mended (faults add up
 * over restarts only where the driver does not mend them).
 */
static bool sim_copy_hit(struct vsr_sim_node *nd, u64 op, u8 c, bool stale)
{
	struct vsr_sim_slot *sl = &nd->disk[op];

	if (!sl->written || (sl->lost && !sl->read))
		return false;
	sl->lost |= c;
	if (stale && sl->prev)
		sl->stale |= c;
	else
		sl->stale &= ~c;
	sl->read = false;
	return true;
}

/*
 * Faults in one copy of a slot, found at a restart from the disk: a latent
 * sector error, a lost write (the copy holds what it held before) or a
 * misdirected one (which also hits another slot of the same copy).  Up to
 * the last op written, half of them above the record's head, where one
 * copy would lose ops the replica acked unseen: the other copy holds them,
 * and the restart must take it.  Never both copies of a slot (sim_damage()
 * draws those, below the head).  At any restart from the disk, power
 * losses of the whole cluster too: every replica survives these.
 */
static void sim_copy_faults(struct vsr_sim *s, struct vsr_sim_node *nd)
{
	const struct vsr_persist *d = &nd->disk_view;
	u64 top, lo, op, k, n;
	u32 kind;
	u8 c;

	if (!s->copy_pm || sim_stream_below(&s->fault_rng, 1000) >= s->copy_pm)
		return;
	/* One past the last op written. */
	for (top = nd->disk_cap; top > d->ckpt + 1 &&
	     !nd->disk[top - 1].written; top--)
		;
	if (top <= d->ckpt + 1)
		return;
	n = 1 + sim_stream_below(&s->fault_rng, 4);
	for (k = 0; k < n; k++) {
		lo = d->ckpt + 1;
		if (sim_stream_below(&s->fault_rng, 2) && d->op >= lo &&
		    d->op + 1 < top)
			lo = d->op + 1;
		op = lo + sim_stream_below(&s->fault_rng, top - lo);
		c = 1u << sim_stream_below(&s->fault_rng, 2);
		kind = sim_stream_below(&s->fault_rng, 3);
		if (!sim_copy_hit(nd, op, c, kind > 0))
			continue;
		s->res.copy_faults++;
		sim_trace(s, "replica %u's disk: %s of op %llu in copy %u (its record's head %llu)",
			  nd->idx, !kind ? "a latent error" : "a lost write",
			  (unsigned long long)op, c >> 1,
			  (unsigned long long)d->op);
		/* Misdirected: it hit another slot of that copy. */
		op = d->ckpt + 1 + sim_stream_below(&s->fault_rng, top - d->ckpt - 1);
		if (kind == 2 && sim_copy_hit(nd, op, c, false))
			sim_trace(s, "... misdirected: it hit op %llu",
				  (unsigned long long)op);
	}
}

/* Whether a slot up to @nd's record's head reads back other than written. */
static bool sim_disk_lost(const struct vsr_sim_node *nd)
{
	u64 op;

	for (op = nd->disk_view.ckpt + 1;
	     op <= nd->disk_view.op && op < nd->disk_cap; op++)
		if (!sim_slot_held(&nd->disk[op]))
			return true;
	return false;
}

/*
 * A dead disk: its admin formats a new one (vsradm add ... log-file PATH
 * format), which holds nothing of the node's history, not even its view,
 * and the replica recovers from the others as one without a disk does.
 * Not at a power loss beyond what the cluster survives (s->damage_left).
 */
static void sim_wipe(struct vsr_sim *s, struct vsr_sim_node *nd)
{
	u64 op;

	if (!s->wipe_pm || !sim_disk_held(nd) ||
	    (nd->power && !s->damage_left) ||
	    sim_stream_below(&s->fault_rng, 1000) >= s->wipe_pm)
		return;
	if (nd->power)
		s->damage_left--;
	for (op = 0; op < nd->disk_cap; op++)
		sim_slot_clear(&nd->disk[op]);
	nd->wiped_epoch = max(nd->wiped_epoch, nd->disk_view.epoch);
	memset(&nd->disk_view, 0, sizeof(nd->disk_view));
	nd->disk_ck.op = 0;
	nd->disk_ck.view = 0;
	nd->disk_ck.count = 0;
	nd->disk_ck.csum = vsr_chain_root(s->cfg.cluster);
	memset(&nd->disk_ck.ep, 0, sizeof(nd->disk_ck.ep));
	memset(nd->disk_ck.ep_conf, 0, sizeof(nd->disk_ck.ep_conf));
	nd->disk_taken = false;
	/*
	 * It promises nothing it acked on the old one, but those acks may
	 * still count towards a commit (sim_check_durable()).
	 */
	if (nd->ack_epoch > nd->wiped_ack_epoch ||
	    (nd->ack_epoch == nd->wiped_ack_epoch &&
	     (nd->ack_log_view > nd->wiped_ack_log_view ||
	      (nd->ack_log_view == nd->wiped_ack_log_view &&
	       nd->ack_op > nd->wiped_ack_op)))) {
		nd->wiped_ack_op = nd->ack_op;
		nd->wiped_ack_csum = nd->ack_csum;
		nd->wiped_ack_epoch = nd->ack_epoch;
		nd->wiped_ack_log_view = nd->ack_log_view;
	}
	nd->ack_op = 0;
	nd->ack_csum = 0;
	nd->ack_epoch = 0;
	nd->ack_log_view = 0;
	s->res.wiped++;
	sim_trace(s, "replica %u's disk is a new one", nd->idx);
}

/*
 * A durable node whose disk is of a later epoch that names it restarts in
 * that epoch, as the driver reads it off the disk: the epoch's members,
 * its index among them, and the RECONFIG that started it (@start, to free).
 */
static bool sim_disk_epoch(struct vsr_sim_node *nd,
			   struct vsr_core_config *cfg,
			   struct vsr_member_id *ids, struct vsr_entry **start)
{
	const struct vsr_sim_ckpt *c = &nd->disk_ck;
	u32 j, n = get_unaligned_le32(c->ep_conf + 4), self = U32_MAX;
	struct vsr_entry *e;

	if (!nd->disk_view.epoch || !c->ep.op || !n || n > VSR_REPLICAS_MAX)
		return false;
	for (j = 0; j < n; j++) {
		memcpy(ids[j].b, c->ep_conf + VSR_RECONFIG_SIZE(j) + 8,
		       VSR_MEMBER_ID_SIZE);
		if (get_unaligned_le32(ids[j].b) == nd->idx + 1)
			self = j;
	}
	if (self == U32_MAX)
		return false;
	e = kvmalloc(sizeof(*e) + c->ep.len, GFP_KERNEL);
	if (!e)
		return false;
	memset(e, 0, sizeof(*e));
	e->h = c->ep;
	memcpy(e->data, c->ep_conf, c->ep.len);
	*start = e;
	cfg->epoch = nd->disk_view.epoch;
	cfg->replica_count = n;
	cfg->replica = self;
	cfg->members = ids;
	cfg->start = e;
	cfg->joining = false;
	return true;
}

static void sim_start(struct vsr_sim *s, u32 i)
{
	struct vsr_sim_node *nd = &s->node[i];
	struct vsr_core_config cfg = s->cfg;
	struct vsr_member_id id = {}, *ids = nd->start_ids;
	struct vsr_entry *start = NULL;
	bool trusted, damaged;
	int ret;

	cfg.replica = i;
	if (s->disk_max && nd->incarnation && !nd->rejoin)
		sim_wipe(s, nd);
	/*
	 * A node that epoch 0 does not name, or that was removed (deleted
	 * and added again by its admin), starts as a joining replica: it
	 * knows only its identity (numbered as the core numbers epoch 0's).
	 * So does the one member of a cluster of one, once that grew: with
	 * its first configuration it would start a new cluster at once, and
	 * its admin knows it (Documentation/vsradm.rst).
	 */
	nd->joining = i >= s->n0 || nd->rejoin ||
		      (s->n0 == 1 && s->conf[0].epoch > 0);
	if (nd->joining) {
		put_unaligned_le32(i + 1, id.b);
		cfg.joining = true;
		cfg.replica_count = 1;
		cfg.replica = 0;
		cfg.members = &id;
	}
	/* Durable, a member of a later epoch restarts there (or recovers). */
	if (s->disk_max && nd->incarnation > 0 && !nd->rejoin &&
	    sim_disk_epoch(nd, &cfg, ids, &start))
		nd->joining = false;
	cfg.seed = sim_rnd(s);
	nd->sim = s;
	nd->idx = i;
	nd->incarnation++;
	nd->start_tick = s->now;
	nd->late = false;
	nd->last_commit = 0;
	nd->last_applied = 0;
	nd->recovering = nd->incarnation > 1;
	nd->ckpt_seen = 0;
	nd->seen_epoch = cfg.epoch;
	nd->entered_normal = false;
	nd->doom_at = 0;
	sim_flush_drop(nd);
	nd->reported = 0;
	nd->reported_csum = 0;
	nd->w_op = 0;
	nd->w_csum = 0;
	memset(&nd->stale_view, 0, sizeof(nd->stale_view));
	nd->view_asked = false;
	nd->view_writing = false;
	nd->view_lowered = false;
	nd->view_raised = false;
	nd->window_crash_at = 0;
	/* (A record written while recovering is not to go by.) */
	trusted = nd->disk_taken &&
		  !(nd->disk_view.flags & VSR_PERSIST_RECOVERING);
	nd->disk_taken = nd->incarnation == 1;
	/*
	 * Its disk holds the epoch it starts in (the driver's format), or
	 * what an earlier incarnation wrote: the replica is told.  (It still
	 * restarts with an empty log, and recovers.)
	 */
	memset(&nd->view_done, 0, sizeof(nd->view_done));
	nd->view_done.epoch = cfg.epoch;
	if (s->disk_max && nd->incarnation > 1) {
		cfg.persisted = nd->disk_view;
		nd->view_done = nd->disk_view;
		/*
		 * A joiner's disk is a new one (its admin formats it to join):
		 * it holds none of the node's history.
		 */
		if (nd->joining)
			cfg.persisted.origin = 0;
		/* Most restarts are from the disk. */
		cfg.restore = !nd->joining && sim_disk_held(nd) &&
			      nd->disk_view.epoch == cfg.epoch &&
			      (nd->restore_mode ? nd->restore_mode != 2 :
			       nd->power || sim_disk_below(s, 4));
	}
	/* A new disk holds the empty log's checkpoint (the chain's root). */
	if (nd->incarnation == 1)
		nd->disk_ck.csum = vsr_chain_root(cfg.cluster);
	nd->restored_from = U32_MAX - 1;
	/* Its creation may send, to its epoch's members. */
	if (cfg.members && !cfg.joining) {
		nd->ids = cfg.members;
		nd->n_ids = cfg.replica_count;
	}
	s->creating = true;
	nd->r = vsr_replica_create(&cfg, &sim_ops, nd);
	s->creating = false;
	damaged = false;
	if (nd->r && cfg.restore) {
		damaged = sim_damage(s, nd);
		sim_copy_faults(s, nd);
		damaged |= sim_disk_lost(nd);
	}
	ret = nd->r && cfg.restore ? sim_restore(s, nd) : 0;
	if (!ret && cfg.restore && damaged)
		sim_fail(s, "a restart took a disk that lost a slot below its head (replica, op on disk)",
			 i, nd->disk_view.op);
	if (ret) {
		/*
		 * A disk that is intact below its head and that the last
		 * incarnation took must be usable (sim_lower()).  Another's
		 * may not be (an incarnation that recovered from the others
		 * wrote its log over it before a record of its own): counted.
		 */
		if (trusted && !damaged)
			sim_fail(s, "a replica cannot restart from its own intact disk (replica, op on disk)",
				 i, nd->disk_view.op);
		s->res.restores_refused++;
		/* Not to be trusted: recover from the others instead. */
		sim_trace(s, "replica %u cannot restart from its disk", i);
		vsr_replica_destroy(nd->r);
		nd->r = NULL;
		cfg.restore = false;
		s->creating = true;
		nd->r = vsr_replica_create(&cfg, &sim_ops, nd);
		s->creating = false;
	}
	nd->ids = NULL;
	kvfree(start);
	nd->power = false;
	nd->led = false;
	nd->up = nd->r != NULL;
	if (nd->up && nd->incarnation == 1)
		nd->disk_ring = nd->r->log.cap;
	if (!nd->up)
		sim_fail(s, "replica create failed", i, 0);
	sim_trace(s, "replica %u started (incarnation %llu)%s", i,
		  (unsigned long long)nd->incarnation,
		  nd->joining ? " joining" : "");
}

static bool sim_may_crash_as(struct vsr_sim *s, bool strict);

/*
 * A crash with a write in flight: the device had taken any part of it,
 * unreported.  Each slot of a batch landed whole, torn (unreadable), or not
 * at all, in any order; a record landed whole or not at all (its copies
 * and their two flushes see to that).  A lost slot stays lost unless
 * written whole.
 */
static void sim_disk_crash(struct vsr_sim *s, struct vsr_sim_node *nd)
{
	bool any = false;
	u64 op, k;

	if (!s->tear)
		return;
	if (nd->flushing && sim_grow((void **)&nd->disk, &nd->disk_cap,
				     nd->flush_op, sizeof(*nd->disk))) {
		for (op = nd->flush_from; op <= nd->flush_op; op++) {
			struct vsr_sim_slot *f =
				&nd->flush_buf[op - nd->flush_from];

			k = sim_stream_below(&s->tear_rng, 4);
			/* (A slot written again as it was cannot tear.) */
			if (k >= 2 || (k && nd->disk[op].written &&
				       nd->disk[op].csum == f->csum))
				continue;
			if (!k)
				sim_slot_put(&nd->disk[op], f);
			else
				sim_slot_clear(&nd->disk[op]);
			any = true;
		}
		if (any)
			s->res.torn++;
		sim_trace(s, "replica %u's write of ops %llu..%llu partly landed",
			  nd->idx, (unsigned long long)nd->flush_from,
			  (unsigned long long)nd->flush_op);
	}
	if (nd->view_writing && sim_stream_below(&s->tear_rng, 2)) {
		nd->disk_view = nd->view_write;
		if (!sim_ck_copy(&nd->disk_ck, &nd->write_ck))
			sim_fail(s, "out of memory", 0, 0);
		if (!nd->view_lowered && !nd->view_raised)
			nd->disk_taken = true;
		sim_trace(s, "replica %u's record landed unreported: view %u log view %u op %llu",
			  nd->idx, nd->disk_view.view, nd->disk_view.log_view,
			  (unsigned long long)nd->disk_view.op);
	}
}

/**
 * vsr_sim_crash() - crash a replica: all its state is lost
 * @s: simulator
 * @i: replica
 * @down_ticks: it restarts (empty, recovering) after this long
 */
void vsr_sim_crash(struct vsr_sim *s, u32 i, u64 down_ticks)
{
	struct vsr_sim_node *nd = &s->node[i];
	struct vsr_core_status st;

	if (!nd->up)
		return;
	/* More of an epoch out than it survives, counting laggards. */
	if (!s->p.scripted && !sim_may_crash_as(s, true))
		s->beyond_f = true;
	vsr_replica_get_status(nd->r, &st);
	s->res.checkpoints += st.checkpoints;
	sim_disk_crash(s, nd);
	vsr_replica_destroy(nd->r);
	nd->r = NULL;
	nd->up = false;
	nd->crash_tick = s->now;
	nd->down_until = s->now + down_ticks;
	sim_trace(s, "replica %u crashed", i);
}

/**
 * vsr_sim_replica() - a replica of the simulated cluster
 * @s: simulator
 * @i: index
 *
 * Return: the replica, or NULL while it is down.
 */
const struct vsr_replica *vsr_sim_replica(const struct vsr_sim *s, u32 i)
{
	return s->node[i].up ? s->node[i].r : NULL;
}

static u32 sim_record_len(struct vsr_sim *s)
{
	u32 x = sim_below(s, 1000);

	/*
	 * The ops that only p holds in the dropped schedule: one to a
	 * chunk, so that a pull of them can stall halfway.
	 */
	if (s->ep.kind == EP_DROPPED && s->ep.step == DR_APPEND)
		return VSR_RECORD_MAX / 2 + sim_below(s, VSR_RECORD_MAX / 2 + 1);
	/* Big records: state transfers take many datagrams. */
	if (x < s->big_pm)
		return 16384 + sim_below(s, VSR_RECORD_MAX - 16384 + 1);
	x -= min(x, s->big_pm);
	if (s->p.big_records && x < 3)
		return sim_below(s, VSR_RECORD_MAX + 1);
	if (x < 30)
		return sim_below(s, s->p.small_records ? 257 : 4096);
	return sim_below(s, 64);
}

/**
 * vsr_sim_issue() - client @c starts its next operation (register first)
 * @s: simulator
 * @c: client index
 */
void vsr_sim_issue(struct vsr_sim *s, u32 c)
{
	struct vsr_sim_client *cl = &s->client[c];

	if (cl->busy)
		return;
	cl->busy = true;
	cl->first_tick = s->now;
	cl->last_try = 0;
	if (!cl->session) {
		cl->registering = true;
		cl->nonce = sim_rnd(s) | 1;
		cl->len = 0;
		return;
	}
	cl->registering = false;
	if (!s->p.scripted && sim_pm(s, 100)) {
		cl->barrier = true;
		cl->nonce = sim_rnd(s) | 1;
		cl->barrier_floor = s->golden_max;
		cl->len = 0;
		return;
	}
	cl->request = cl->last_request + 1;
	cl->len = sim_record_len(s);
}

/* Can node @i take a client's request (a member, or one that was)? */
static bool sim_origin_ok(struct vsr_sim *s, u32 i)
{
	const struct vsr_sim_node *nd = &s->node[i];

	return nd->up && nd->paused_until <= s->now &&
	       nd->r->status != VSR_STATUS_REMOVED &&
	       nd->r->status != VSR_STATUS_JOINING;
}

static void sim_try(struct vsr_sim *s, u32 c)
{
	struct vsr_sim_client *cl = &s->client[c];
	int err;

	if (!sim_origin_ok(s, cl->origin) ||
	    (cl->last_try && sim_pm(s, 300))) {
		u32 o = sim_below(s, s->n);

		if (s->node[o].up && !s->p.scripted)
			cl->origin = o;
		if (!sim_origin_ok(s, cl->origin))
			return;
	}
	cl->last_try = s->now;
	if (cl->registering || cl->barrier) {
		err = vsr_replica_submit(s->node[cl->origin].r,
					 cl->barrier ? VSR_OP_NOOP :
					 VSR_OP_REGISTER, 0, cl->nonce, NULL,
					 0);
	} else {
		sim_data(cl->session, cl->request, s->buf, cl->len);
		cl->data_csum = vsr_crc32c(~0u, s->buf, cl->len);
		err = vsr_replica_submit(s->node[cl->origin].r, VSR_OP_DATA,
					 cl->session, cl->request, s->buf,
					 cl->len);
	}
	if (err == -EALREADY || err == -EINVAL)
		sim_fail(s, "submit refused a valid request", c, -err);
}

static void sim_clients(struct vsr_sim *s, bool issue)
{
	u32 i;

	for (i = 0; i < s->nclients; i++) {
		struct vsr_sim_client *cl = &s->client[i];

		if (!cl->busy && issue && sim_pm(s, s->issue_pm))
			vsr_sim_issue(s, i);
		if (cl->busy && (!cl->last_try ||
				 s->now - cl->last_try >= SIM_RETRY))
			sim_try(s, i);
	}
}

/* ---- faults ----------------------------------------------------------- */

static int sim_primary(struct vsr_sim *s);
static struct vsr_replica *sim_primary_r(struct vsr_sim *s);
static int sim_backup_of(struct vsr_sim *s, u32 p);
static u32 sim_unhealthy(struct vsr_sim *s);
static bool sim_may_crash(struct vsr_sim *s);

/* Is there a primary whose view change ended within its timeout? */
static bool sim_new_view(struct vsr_sim *s)
{
	const struct vsr_replica *r = sim_primary_r(s);

	return r && r->view &&
	       r->ticks - r->normal_tick < r->cfg.view_change_ticks;
}

/* Is the primary of the newest view in its first abdication window? */
static bool sim_new_primary(struct vsr_sim *s)
{
	const struct vsr_replica *r = sim_primary_r(s);

	return r && r->ticks - r->normal_tick < r->cfg.abdicate_ticks;
}

/*
 * A RECONFIG was just appended at @r: a quorum of its members must be
 * recorded under the incarnation that runs (the primary waits for that),
 * or under one that died so lately (its last PREPAREOK still counts) that
 * the primary could not know.  (Others may be recorded under a dead one:
 * the primary forgets an incarnation only on its successor's RECOVERY.)
 */
static void sim_check_append(struct vsr_sim *s, const struct vsr_replica *r)
{
	const struct vsr_entry *e = vsr_log_get(&r->log, r->log.head);
	const struct vsr_sim_node *pn = NULL;
	u32 i, n, good = 0;
	u64 inc;

	if (!e || e->h.type != VSR_OP_RECONFIG)
		return;
	for (i = 0; i < s->n; i++)
		if (s->node[i].r == r)
			pn = &s->node[i];
	if (WARN_ON_ONCE(!pn))
		return;
	n = get_unaligned_le32(e->data + 4);
	for (i = 0; i < n; i++) {
		const struct vsr_sim_node *nd;

		nd = &s->node[sim_conf_node(e->data, i)];
		inc = get_unaligned_le64(e->data + VSR_RECONFIG_SIZE(i));
		if (!inc)
			continue;
		/*
		 * A dead one counts while its last PREPAREOK that reached the
		 * proposer is recent by the proposer's clock: late ones arrive
		 * after the crash (delayed, duplicated), and a proposer that
		 * was paused saw its last ones just now.
		 */
		if ((nd->up && nd->r->incarnation == inc) ||
		    (nd->crash_tick &&
		     s->now - nd->crash_tick <= r->cfg.abdicate_ticks + 1) ||
		    (pn->ok_inc[nd->idx] == inc &&
		     pn->ok_at[nd->idx] <= r->ticks &&
		     r->ticks - pn->ok_at[nd->idx] <= r->cfg.abdicate_ticks + 1))
			good++;
	}
	if (good < n / 2 + 1)
		sim_fail(s, "a change recorded too few running members",
			 good, n);
}

/* The change the simulator asks for was appended at @p. */
static void sim_appended(struct vsr_sim *s, u32 p)
{
	sim_check_append(s, s->node[p].r);
	s->epoch_nonce++;
	s->pend_epoch = 0;
	s->res.reconfigs++;
	if (s->pend_grow)
		s->res.grows++;
	else if (s->pend_count)
		s->res.shrinks++;
	/* The proposer may die right after the append. */
	if (s->doom_pm && sim_pm(s, s->doom_pm))
		s->node[p].doom_at = s->now + 1 + sim_below(s, 4);
}

/*
 * Add new members to the change being drawn (s->pend_ids, or all of @r's
 * members): nodes that are none of @r's members, up or down, each at a
 * random place.  The primary teaches them, and waits for a quorum of the
 * next epoch among those that stay and those that caught up; a change
 * that waits too long is given up (sim_reconfigure()).  A change that
 * keeps fewer than f + 1 members must be refused; now and then the
 * members that stay are dropped from the list, to see that.  A removed node that runs joins when the epoch
 * that names it tells it; half of the time its admin deletes it and adds
 * it again, joining, instead.
 */
static void sim_grow_members(struct vsr_sim *s, const struct vsr_replica *r)
{
	struct vsr_member_id *ids = s->pend_ids;
	u32 i, j, k, want = 1 + sim_below(s, 3);

	if (!s->pend_count) {
		memcpy(ids, r->members, r->n * sizeof(ids[0]));
		s->pend_count = r->n;
	}
	for (k = sim_below(s, s->n), i = 0; i < s->n && want; i++, k++) {
		struct vsr_sim_node *nd = &s->node[k % s->n];
		struct vsr_member_id id = {};

		put_unaligned_le32(nd->idx + 1, id.b);
		for (j = 0; j < s->pend_count; j++)
			if (!memcmp(&ids[j], &id, sizeof(id)))
				break;
		if (j < s->pend_count || s->pend_count == VSR_REPLICAS_MAX)
			continue;
		if (sim_is_member(r, nd->idx))
			continue;
		if (nd->up && nd->r->status == VSR_STATUS_REMOVED &&
		    sim_pm(s, 500)) {
			if (!sim_may_crash(s))
				continue;
			nd->rejoin = true;
			vsr_sim_crash(s, nd->idx, 1 + sim_below(s, 20));
		}
		/* At a random place: the next epoch's primary may be new. */
		j = sim_below(s, s->pend_count + 1);
		ids[s->pend_count++] = ids[j];
		ids[j] = id;
		s->pend_grow = true;
		want--;
	}
	if (!s->pend_grow || !sim_pm(s, 30))
		return;
	for (i = 0, j = 0; i < s->pend_count; i++)
		if (!sim_is_member(r, get_unaligned_le32(ids[i].b) - 1))
			ids[j++] = ids[i];
	s->pend_count = j;
}

/*
 * Propose the next epoch at a normal primary, or at one of its backups
 * (which forwards it).  The first try may only commit a NOOP of its view
 * (-EAGAIN): a few ticks later, try again.
 */
static void sim_reconfigure(struct vsr_sim *s)
{
	struct vsr_member_id ids[VSR_REPLICAS_MAX];
	const struct vsr_replica *r;
	int p = sim_primary(s), c, ret;
	u32 i, j, count = 0;

	if (p < 0)
		return;
	r = s->node[p].r;
	/*
	 * The same members, or some left out, now and then in a new order:
	 * the same change (nonce and list) until it is appended, since its
	 * wait for the members is bounded from its first try.
	 */
	/*
	 * One that cannot be appended (too few members ready: new ones
	 * down, or slow to learn) is given up after a while, as its
	 * caller's timeout would, for a new one.
	 */
	if (s->pend_epoch == r->epoch + 1 &&
	    s->now - s->pend_since > 8ULL * s->cfg.abdicate_ticks) {
		s->epoch_nonce++;
		s->pend_epoch = 0;
	}
	if (s->pend_epoch != r->epoch + 1) {
		s->pend_epoch = r->epoch + 1;
		s->pend_since = s->now;
		s->pend_count = 0;
		s->pend_grow = false;
		if (r->n > 1 && sim_pm(s, s->shrink_pm)) {
			for (i = 0; i < r->n; i++)
				if (sim_pm(s, 600))
					ids[count++] = r->members[i];
			if (count == r->n) {
				j = sim_below(s, count);
				ids[j] = ids[--count];
			}
			if (!count)
				ids[count++] = r->members[sim_below(s, r->n)];
			for (i = count; i > 1 && sim_pm(s, 500); i--) {
				j = sim_below(s, i);
				swap(ids[i - 1], ids[j]);
			}
			memcpy(s->pend_ids, ids, count * sizeof(ids[0]));
			s->pend_count = count;
		}
		if (s->n > s->n0 && sim_pm(s, s->grow_pm))
			sim_grow_members(s, r);
	}
	count = s->pend_count;
	/* Now and then asked at a backup, which forwards it. */
	c = sim_pm(s, 300) ? sim_backup_of(s, p) : -1;
	if (c < 0)
		c = p;
	ret = vsr_replica_reconfigure(s->node[c].r, s->epoch_nonce + 1,
				      count ? s->pend_ids : NULL, count);
	sim_trace(s, "replica %d: reconfigure %llu (%u members): %d", c,
		  (unsigned long long)s->epoch_nonce + 1,
		  count ? count : r->n, ret);
	/* A forwarded change is counted where the primary appends it. */
	if (!ret && c == p)
		sim_appended(s, p);
	/*
	 * The lists are valid and every module knows epochs: no replica may
	 * refuse one so, nor a backup relay such a refusal (VSR_CMD_ANSWER).
	 */
	if (ret == -EINVAL || ret == -EPROTONOSUPPORT || ret == -EOVERFLOW)
		sim_fail(s, "a valid change refused (replica, errno)", c, -ret);
	/* Fewer than f + 1 stay: refused for good, draw another. */
	if (ret == -EDOM) {
		for (i = 0, j = 0; i < count; i++)
			j += sim_is_member(r, get_unaligned_le32(s->pend_ids[i].b) - 1);
		if (j >= (count - 1) / 2 + 1)
			sim_fail(s, "a change keeping f + 1 members refused (stay, count)",
				 j, count);
		s->epoch_nonce++;
		s->pend_epoch = 0;
	}
}

/*
 * Did the REQUEST in @buf just make node @p append the change the
 * simulator asks for?  (@head: p's log head before.)
 */
static void sim_forward_appended(struct vsr_sim *s, u32 p, const void *buf,
				 size_t len, u64 head)
{
	const struct vsr_replica *r = s->node[p].r;
	const struct vsr_entry *e;

	if (len < VSR_HDR_SIZE || vsr_wire_command(buf) != VSR_CMD_REQUEST ||
	    r->log.head == head)
		return;
	e = vsr_log_get(&r->log, r->log.head);
	/* Or one given up, that a late REQUEST still brought. */
	if (e && e->h.type == VSR_OP_RECONFIG &&
	    e->h.request <= s->epoch_nonce + 1) {
		s->res.forwarded++;
		sim_appended(s, p);
	}
}

/*
 * A crash that also loses what the replica sent last (still in flight):
 * the proposer of a change right after its append, or the new epoch's
 * first primary before anyone heard of the epoch from it.
 */
static void sim_doom(struct vsr_sim *s)
{
	u32 i, j;

	for (i = 0; i < s->n; i++) {
		struct vsr_sim_node *nd = &s->node[i];

		if (!nd->up || !nd->doom_at || s->now < nd->doom_at)
			continue;
		nd->doom_at = 0;
		if (!sim_may_crash(s) || sim_ep_spared(s, i))
			continue;
		for (j = 0; j < s->npkt;) {
			if (s->pkt[j].from != i) {
				j++;
				continue;
			}
			sim_pkt_free(s, s->pkt[j].buf, s->pkt[j].len);
			s->pkt[j] = s->pkt[--s->npkt];
		}
		vsr_sim_crash(s, i, s->quick && sim_pm(s, 500) ?
			      1 + sim_below(s, 4) : 5 + sim_below(s, 100));
	}
}

/*
 * Members of @c that are down or recovering, or will recover when they
 * enter its epoch (another incarnation than the one its RECONFIG recorded).
 * With @strict, also the recorded members of a change of members that lack
 * its op k: they wait for a sender that can serve it (they never enter
 * behind), out of the epoch until then.  Crashes are limited without them
 * (with them, no seed crashed the members that hold k while such a
 * laggard existed: the schedule that entering behind forks on, bug 14),
 * and a seed that went beyond the strict count is excused if it wedges.
 */
static u32 sim_unhealthy_in(struct vsr_sim *s, const struct vsr_sim_conf *c,
			    bool strict)
{
	struct vsr_core_status st;
	u32 i, k = 0;

	for (i = 0; i < c->n; i++) {
		const struct vsr_sim_node *nd = &s->node[c->node[i]];

		if (!nd->up) {
			k++;
			continue;
		}
		vsr_replica_get_status(nd->r, &st);
		/*
		 * Strictly, a recorded laggard that lacks k is out: it waits
		 * for a sender that can serve it.  Not a learner (joining):
		 * the members that stay are its senders, and a change keeps
		 * enough of them that f crashes leave one (revert.sh 20).
		 */
		if (st.status == VSR_STATUS_RECOVERING ||
		    (c->epoch && st.epoch < c->epoch &&
		     (nd->r->incarnation != c->inc[i] ||
		      (strict && c->changed && nd->r->log.head < c->k &&
		       st.status != VSR_STATUS_JOINING))))
			k++;
	}
	return k;
}

/* Replicas that are down or recovering. */
static u32 sim_unhealthy(struct vsr_sim *s)
{
	struct vsr_sim_conf all = { .n = s->n };
	u32 i;

	for (i = 0; i < s->n; i++)
		all.node[i] = i;
	return sim_unhealthy_in(s, &all, false);
}

/* May one more member of @c crash, and @c keep a quorum? */
static bool sim_conf_may_crash(struct vsr_sim *s, const struct vsr_sim_conf *c,
			       bool strict)
{
	return c->n >= 3 && sim_unhealthy_in(s, c, strict) < (c->n - 1) / 2;
}

/*
 * May one more replica crash?  Only if the current epoch, the one before
 * it (which may still have to finish the change) and any epoch that a
 * RECONFIG in a log proposes all keep a quorum.
 */
static bool sim_may_crash_as(struct vsr_sim *s, bool strict)
{
	struct vsr_sim_conf next;
	const struct vsr_entry *e;
	u32 i, j;

	for (i = 0; i < 2; i++)
		if (!sim_conf_may_crash(s, &s->conf[i], strict))
			return false;
	for (i = 0; i < s->n; i++) {
		if (!s->node[i].up || !vsr_reconfig_pending(s->node[i].r))
			continue;
		e = vsr_log_get(&s->node[i].r->log, s->node[i].r->log.head);
		next.epoch = get_unaligned_le32(e->data);
		next.n = get_unaligned_le32(e->data + 4);
		for (j = 0; j < next.n; j++) {
			next.node[j] = sim_conf_node(e->data, j);
			next.inc[j] = get_unaligned_le64(e->data +
							 VSR_RECONFIG_SIZE(j));
		}
		next.changed = sim_conf_changed(&s->conf[0], &next);
		next.k = e->h.op;
		if (!sim_conf_may_crash(s, &next, strict))
			return false;
	}
	return true;
}

static bool sim_may_crash(struct vsr_sim *s)
{
	return sim_may_crash_as(s, false);
}

static void sim_partition(struct vsr_sim *s)
{
	u32 mode = sim_below(s, 6), a = sim_target(s), i, j;

	memset(s->block, 0, sizeof(s->block));
	s->part_until = s->now + 10 + sim_below(s, 150);
	for (i = 0; i < s->n; i++) {
		for (j = 0; j < s->n; j++) {
			if (i == j)
				continue;
			switch (mode) {
			case 0:	/* isolate a */
				s->block[i][j] = i == a || j == a;
				break;
			case 1:	/* a cannot hear */
				s->block[i][j] = j == a;
				break;
			case 2:	/* a cannot speak */
				s->block[i][j] = i == a;
				break;
			case 3:	/* random split (symmetric) */
				s->block[i][j] = ((a >> i) & 1) !=
						 ((a >> j) & 1);
				break;
			case 4:	/* random one-way links */
				s->block[i][j] = sim_pm(s, 300);
				break;
			default: /* healed */
				break;
			}
		}
		if (mode == 3)
			a = (u32)sim_rnd(s);
	}
	sim_trace(s, "partition mode %u around %u", mode, a % s->n);
}

/* The normal primary of the highest view, or -1. */
static int sim_primary(struct vsr_sim *s)
{
	int p = -1;
	u32 i;

	for (i = 0; i < s->n; i++) {
		const struct vsr_replica *r = s->node[i].r;

		if (!s->node[i].up || r->status != VSR_STATUS_NORMAL ||
		    !vsr_is_primary(r) || r->abdicated ||
		    r->log_view != r->view)
			continue;
		if (p < 0 || r->epoch > s->node[p].r->epoch ||
		    (r->epoch == s->node[p].r->epoch &&
		     r->view > s->node[p].r->view))
			p = i;
	}
	return p;
}

/* sim_primary()'s replica, or NULL. */
static struct vsr_replica *sim_primary_r(struct vsr_sim *s)
{
	int p = sim_primary(s);

	return p < 0 ? NULL : s->node[p].r;
}

/* A random replica other than @p that is up and normal in @p's view. */
static int sim_backup_of(struct vsr_sim *s, u32 p)
{
	u32 i, k = sim_below(s, s->n);

	for (i = 0; i < s->n; i++) {
		u32 b = (k + i) % s->n;
		const struct vsr_replica *r = s->node[b].r;

		if (b != p && s->node[b].up &&
		    r->status == VSR_STATUS_NORMAL &&
		    r->epoch == s->node[p].r->epoch &&
		    r->view == s->node[p].r->view)
			return b;
	}
	return -1;
}

/*
 * A forgotten promise: the primary p goes mute to some replicas (the deaf,
 * b among them), which vote for the next view; b sees a quorum, enters the
 * view change and promises (DOVIEWCHANGE), but what it says is held back
 * in the network.  b crashes, restarts at once and recovers, hearing p
 * again, while the others still have not left p's view; its old promise
 * arrives later.  How many are deaf, whether p hears view-change messages,
 * how long the promise is held: all drawn here.
 */
static void sim_promise_start(struct vsr_sim *s)
{
	struct vsr_sim_episode *ep = &s->ep;
	u32 i, k, q = s->n / 2 + 1, others;
	int p = sim_primary(s), b;

	if (p < 0 || sim_unhealthy(s))
		return;
	b = sim_backup_of(s, p);
	if (b < 0)
		return;
	memset(ep, 0, sizeof(*ep));
	ep->kind = EP_PROMISE;
	ep->p = p;
	ep->b = b;
	ep->b_inc = s->node[b].incarnation;
	ep->deaf = 1u << b;
	/* Exactly enough for b to see a quorum, or any number. */
	others = s->n - 2;
	k = sim_pm(s, 500) ? q - 1 : 1 + sim_below(s, others);
	for (i = sim_below(s, s->n); k && others; i = (i + 1) % s->n) {
		if (i == ep->p || i == ep->b || (ep->deaf & (1u << i)))
			continue;
		if (sim_pm(s, 500)) {
			ep->deaf |= 1u << i;
			k--;
			others--;
		}
	}
	ep->vc_to_p = sim_pm(s, 500);
	ep->hold = 20 + sim_below(s, 130);
	ep->until = s->now + 3 * s->cfg.view_change_ticks + ep->hold + 60;
	s->res.episodes++;
	sim_trace(s, "episode: promise p=%u b=%u deaf=%#x vc_to_p=%d hold=%llu",
		  ep->p, ep->b, ep->deaf, ep->vc_to_p,
		  (unsigned long long)ep->hold);
}

/*
 * A stale recovery tail: backup b crashes and restarts at once; the
 * primary p keeps heartbeating the others but its new ops reach only b's
 * state transfer.  Once b has pulled ops that p alone holds and before its
 * transfer completes, p is cut off: the others elect a view without those
 * ops, and b's next recovery attempt pulls from the new primary.
 */
static void sim_stale_start(struct vsr_sim *s)
{
	struct vsr_sim_episode *ep = &s->ep;
	int p = sim_primary(s), b;

	if (p < 0 || s->n < 4 || sim_unhealthy(s) || !sim_may_crash(s))
		return;
	b = sim_backup_of(s, p);
	if (b < 0)
		return;
	memset(ep, 0, sizeof(*ep));
	ep->kind = EP_STALE;
	ep->p = p;
	ep->b = b;
	ep->until = s->now + 4 * (s->cfg.view_change_ticks +
				  s->cfg.recovery_ticks) + 100;
	s->res.episodes++;
	sim_trace(s, "episode: stale tail p=%u b=%u", ep->p, ep->b);
	vsr_sim_crash(s, b, 1 + sim_below(s, 4));
}

/* An episode's change of @n members was just appended at @r. */
static void sim_episode_changed(struct vsr_sim *s, const struct vsr_replica *r,
				u32 n)
{
	sim_check_append(s, r);
	s->epoch_nonce++;
	s->res.reconfigs++;
	s->res.shrinks += n < r->n;
}

/*
 * A member set aside with another op where the RECONFIG lands: the
 * primary p's new ops reach only backup b.  Once b holds at least two ops
 * past every other log, p dies and b is cut off; the others elect a view
 * without those ops and change the epoch (to themselves, so that the
 * change waits for neither b nor p) at once, and its RECONFIG (after the
 * new primary's NOOP, or a write) may land on an op number where b holds
 * one of p's.  Then b comes back and learns of the epoch: it must not take
 * its own op for the RECONFIG.
 */
static void sim_aside_start(struct vsr_sim *s)
{
	struct vsr_sim_episode *ep = &s->ep;
	int p = sim_primary(s), b;

	if (p < 0 || s->n < 5 || sim_unhealthy(s) || !sim_may_crash(s))
		return;
	b = sim_backup_of(s, p);
	if (b < 0)
		return;
	memset(ep, 0, sizeof(*ep));
	ep->kind = EP_ASIDE;
	ep->p = p;
	ep->b = b;
	ep->hold = 2 + sim_below(s, 3);
	ep->until = s->now + 4 * (s->cfg.view_change_ticks +
				  s->cfg.abdicate_ticks) + 200;
	s->res.episodes++;
	sim_trace(s, "episode: aside p=%u b=%u ops=%llu", ep->p, ep->b,
		  (unsigned long long)ep->hold);
}

/* The aside episode's steps (see sim_aside_start()). */
static void sim_aside(struct vsr_sim *s)
{
	struct vsr_sim_episode *ep = &s->ep;
	const struct vsr_replica *b = s->node[ep->b].r;
	struct vsr_member_id ids[VSR_REPLICAS_MAX];
	const struct vsr_replica *r;
	u32 i, n = 0;
	u64 others = 0;
	int p, ret;

	if (!s->node[ep->b].up) {
		ep->until = s->now;
		return;
	}
	if (!ep->cut) {
		for (i = 0; i < s->n; i++)
			if (i != ep->p && i != ep->b && s->node[i].up)
				others = max(others, s->node[i].r->log.head);
		if (!s->node[ep->p].up || b->log.head < others + ep->hold)
			return;
		ep->cut = true;
		/* A view change, then the change waits for b: time for both. */
		ep->until = s->now + 2 * s->cfg.view_change_ticks +
			    6 * s->cfg.abdicate_ticks + 200;
		sim_trace(s, "episode: b=%u aside at op %llu, p=%u dies",
			  ep->b, (unsigned long long)b->log.head, ep->p);
		vsr_sim_crash(s, ep->p, 5 + sim_below(s, 100));
		return;
	}
	if (ep->crashed)
		return;
	/* The others change the epoch as soon as they can; then b is back. */
	for (i = 0; i < s->n; i++) {
		if (!s->node[i].up || s->node[i].r->epoch <= b->epoch)
			continue;
		ep->crashed = true;
		ep->until = s->now + 3 * s->cfg.recovery_ticks + 100;
		sim_trace(s, "episode: b=%u back", ep->b);
		return;
	}
	if (!sim_pm(s, 200))
		return;
	/* The others, without b and p: they need not wait for those two. */
	p = sim_primary(s);
	if (p < 0 || s->node[p].r->epoch != b->epoch)
		return;
	r = s->node[p].r;
	for (i = 0; i < r->n; i++)
		if (sim_node_of(s, r, i) != ep->b && sim_node_of(s, r, i) != ep->p)
			ids[n++] = r->members[i];
	ret = vsr_replica_reconfigure(s->node[p].r, s->epoch_nonce + 1, ids,
				      n);
	sim_trace(s, "episode: the others change: %d", ret);
	if (!ret)
		sim_episode_changed(s, r, n);
}

/*
 * A change that keeps only laggards: p proposes an epoch of a few members
 * (fewer than the others' quorum), caught up with it, and they are cut
 * off at once, before the RECONFIG reaches them.  The others commit it
 * and are removed.  One of them (b) restarts and learns that it was
 * removed, with an empty log; the laggards hear it first, then everyone.
 * No quorum of the new epoch ever held the change: entering behind on
 * b's notice, they would elect a log without it.  They must wait for a
 * member that can serve them.
 */
static void sim_laggards_start(struct vsr_sim *s)
{
	struct vsr_sim_episode *ep = &s->ep;
	int p = sim_primary(s);
	const struct vsr_replica *r;
	u32 i, k;

	if (p < 0 || s->n < 3 || sim_unhealthy(s))
		return;
	r = s->node[p].r;
	memset(ep, 0, sizeof(*ep));
	k = 1 + sim_below(s, r->n - r->quorum);
	for (i = sim_below(s, r->n); k; i = (i + 1) % r->n) {
		if (i == r->self || (ep->deaf >> i & 1))
			continue;
		if (sim_pm(s, 500)) {
			ep->deaf |= 1u << i;
			k--;
		}
	}
	ep->kind = EP_LAGGARDS;
	ep->p = p;
	ep->until = s->now + 4 * s->cfg.view_change_ticks + 100;
	s->res.episodes++;
	sim_trace(s, "episode: laggards %#x, p=%u", ep->deaf, ep->p);
}

/* The laggards episode's steps (see sim_laggards_start()). */
static void sim_laggards(struct vsr_sim *s)
{
	struct vsr_sim_episode *ep = &s->ep;
	struct vsr_member_id ids[VSR_REPLICAS_MAX];
	struct vsr_replica *p = s->node[ep->p].r;
	u32 i, n = 0;
	int ret;

	if (ep->crashed)
		return;
	if (ep->cut) {
		/* b is back and knows; the laggards heard it for a while. */
		if (s->node[ep->b].up &&
		    s->node[ep->b].r->status == VSR_STATUS_REMOVED &&
		    s->now >= ep->hold)
			ep->crashed = true;
		if (s->now > ep->hold + 4 * s->cfg.recovery_ticks)
			ep->crashed = true;
		if (ep->crashed)
			sim_trace(s, "episode: laggards hear everyone");
		return;
	}
	if (ep->vc_to_p) {
		for (i = 0; i < s->n; i++)
			if (!(ep->deaf >> i & 1) && s->node[i].up &&
			    s->node[i].r->status == VSR_STATUS_REMOVED)
				n = i + 1;
		if (!n)
			return;
		/* The change committed: one removed member loses its log. */
		ep->cut = sim_may_crash(s);
		ep->crashed = !ep->cut;
		ep->b = n - 1;
		ep->hold = s->now + 5 + 3 * s->cfg.repair_ticks +
			   sim_below(s, 2 * s->cfg.recovery_ticks);
		ep->until = ep->hold + 8 * s->cfg.recovery_ticks + 300;
		sim_trace(s, "episode: laggards hear %s", ep->cut ?
			  "the removed member that restarts" : "again");
		if (ep->cut)
			vsr_sim_crash(s, ep->b, 1 + sim_below(s, 4));
		return;
	}
	if (!s->node[ep->p].up || p->status != VSR_STATUS_NORMAL ||
	    !vsr_is_primary(p) || !sim_pm(s, 300))
		return;
	/*
	 * The laggards are indices of p's members when drawn, every node: a
	 * change since (p's, before this one) took some out, and indices
	 * past its members named nobody (a change with an empty identity:
	 * sweep seed 3,061,775).
	 */
	if (p->n != s->n) {
		ep->until = s->now;
		return;
	}
	for (i = 0; i < s->n; i++)
		if (ep->deaf >> i & 1)
			ids[n++] = p->members[i];
	/* Cut off before the RECONFIG leaves (at this step's flush). */
	ep->vc_to_p = true;
	ret = vsr_replica_reconfigure(p, s->epoch_nonce + 1, ids, n);
	ep->vc_to_p = !ret;
	sim_trace(s, "episode: p=%u keeps the laggards: %d", ep->p, ret);
	if (ret)
		return;
	sim_episode_changed(s, p, n);
	ep->until = s->now + 8 * s->cfg.view_change_ticks + 400;
}

/*
 * A primary deposed unawares: p and its backup b stall (their machines
 * paused, what comes for them lost) while the others elect a view and
 * change the epoch, after committing a few ops of that view.  When both
 * run again, one of them hears the others too: their notices make it pull
 * the ops up to the next epoch's start, committed in a view above its
 * own.  After a chunk or a few the pull stalls (it is cut off from the
 * others too), and it has applied what came.  The other one heard nothing.
 * If p pulled, it is still the primary of its view as far as it knows,
 * and b, behind it, asks it for those ops (helper-94's review of the
 * deposed teacher; revert.sh 60).  If b pulled, p may go on leading its
 * view: its next op meets one that b holds committed.
 *
 * In a seed with spares that are no members yet, p first teaches one, d
 * (sim_deposed_teach()), and the others' change adds d too.
 */
static void sim_deposed_start(struct vsr_sim *s)
{
	struct vsr_sim_episode *ep = &s->ep;
	const struct vsr_replica *r, *q;
	int p = sim_primary(s), b;
	u32 i, k, d = U32_MAX;

	if (p < 0 || sim_unhealthy(s))
		return;
	/*
	 * The roles are members; a node that is none is a spare that joins,
	 * and one of those that runs is d.  (Drawn from the episode's own
	 * stream, and only in seeds with spares.)
	 */
	if (s->conf[0].n != s->n) {
		k = sim_stream_below(&s->deposed_rng, s->n);
		for (i = 0; i < s->n && d == U32_MAX; i++, k++) {
			const struct vsr_sim_node *nd = &s->node[k % s->n];

			if (!sim_conf_has(&s->conf[0], k % s->n) && nd->up &&
			    nd->r->status == VSR_STATUS_JOINING)
				d = k % s->n;
		}
		if (d == U32_MAX)
			return;
	}
	/*
	 * Now and then b is the next view's primary: the others' first view
	 * change fails, and they commit in a view at least two above p's.
	 */
	r = s->node[p].r;
	b = sim_node_of(s, r, vsr_primary_of(r, r->view + 1));
	q = s->node[b].r;
	if (!sim_pm(s, 500) || !s->node[b].up ||
	    q->status != VSR_STATUS_NORMAL || q->epoch != r->epoch ||
	    q->view != r->view)
		b = sim_backup_of(s, p);
	if (b < 0)
		return;
	memset(ep, 0, sizeof(*ep));
	ep->kind = EP_DEPOSED;
	ep->p = p;
	ep->b = b;
	/* Before both stall, b misses p's last PREPAREs, now and then. */
	ep->lag = sim_pm(s, 500) ? s->now + 1 + sim_below(s, 8) : s->now;
	ep->hold = sim_below(s, 3);
	ep->ops = sim_below(s, 32);
	ep->vc_to_p = sim_pm(s, 500);
	/* Which of the two the change keeps: now and then, one or both. */
	if (sim_pm(s, 250))
		ep->deaf |= 1u << p;
	if (sim_pm(s, 250))
		ep->deaf |= 1u << b;
	ep->d = d;
	if (d != U32_MAX) {
		/*
		 * p pulls, and its pull does not stall: the bug needs it to
		 * apply k.  b's lag counts from the stall.
		 */
		ep->step = DP_TEACH;
		ep->lag -= s->now;
		ep->vc_to_p = false;
		ep->hold = U64_MAX;
	}
	ep->until = s->now + 4 * s->cfg.view_change_ticks +
		    8 * s->cfg.abdicate_ticks + 400;
	s->res.episodes++;
	sim_trace(s, "episode: deposed p=%u b=%u pulls=%u kept=%#x lag=%llu chunks=%llu ops=%llu teaches=%d",
		  ep->p, ep->b, ep->vc_to_p ? ep->b : ep->p, ep->deaf,
		  (unsigned long long)(ep->step ? ep->lag : ep->lag - s->now),
		  (unsigned long long)ep->hold, (unsigned long long)ep->ops,
		  (int)d);
}

/*
 * p tries a change that adds d to its members, and teaches d.  Once d is
 * ready (its last request held the ops up to a pipeline below p's commit
 * point), p is asked no more, which would append the change, and stalls
 * as soon as d holds every op that p committed (or before the teaching
 * ends, an abdication window after the last ask).  It is still d's
 * teacher, of its view, when it pulls the next epoch's start from a later
 * view, whose change names d too and records the same incarnation: its
 * last lesson to d, from the op d lacks, would carry the later view's
 * ops (revert.sh 58; from further behind, only ops of p's view fit in
 * it).  Random changes wait: one asked at p with the same nonce would be
 * appended as p's.
 */
static void sim_deposed_teach(struct vsr_sim *s)
{
	struct vsr_sim_episode *ep = &s->ep;
	struct vsr_replica *r = s->node[ep->p].r;
	struct vsr_member_id ids[VSR_REPLICAS_MAX];
	u32 j;
	int ret;

	if (!s->node[ep->d].up || r->status != VSR_STATUS_NORMAL ||
	    !vsr_is_primary(r) || r->n >= VSR_REPLICAS_MAX) {
		ep->until = s->now;
		return;
	}
	for (j = 0; j < r->n_learners; j++) {
		const struct vsr_learner *l = &r->learners[j];

		if (get_unaligned_le32(l->id.b) != ep->d + 1 || !l->tick ||
		    l->op + r->cfg.pipeline_max < r->commit)
			continue;
		if (l->op < r->commit &&
		    r->ticks - r->reconf_tried < r->cfg.abdicate_ticks / 2)
			return;
		ep->step = DP_STALL;
		ep->lag += s->now;
		ep->until = s->now + 4 * s->cfg.view_change_ticks +
			    8 * s->cfg.abdicate_ticks + 400;
		sim_trace(s, "episode: d=%u caught up with p=%u at op %llu",
			  ep->d, ep->p, (unsigned long long)l->op);
		return;
	}
	memcpy(ids, r->members, r->n * sizeof(ids[0]));
	memset(&ids[r->n], 0, sizeof(ids[0]));
	put_unaligned_le32(ep->d + 1, ids[r->n].b);
	ret = vsr_replica_reconfigure(r, s->epoch_nonce + 1, ids, r->n + 1);
	if (ret) {
		sim_trace(s, "episode: p=%u teaches d=%u: %d", ep->p, ep->d,
			  ret);
		return;
	}
	/* Appended without d (a quorum was ready): p is no deposed teacher. */
	sim_trace(s, "episode: p=%u appends the change", ep->p);
	sim_episode_changed(s, r, r->n + 1);
	ep->until = s->now;
}

/* The deposed episode's steps (see sim_deposed_start()). */
static void sim_deposed(struct vsr_sim *s)
{
	struct vsr_sim_episode *ep = &s->ep;
	struct vsr_sim_node *p = &s->node[ep->p], *b = &s->node[ep->b];
	struct vsr_member_id ids[VSR_REPLICAS_MAX];
	struct vsr_replica *q;
	u32 i, n = 0;
	int ret;

	if (!p->up || !b->up) {
		ep->until = s->now;
		return;
	}
	if (ep->step == DP_TEACH) {
		sim_deposed_teach(s);
		return;
	}
	if (ep->crashed || s->now < ep->lag)
		return;
	/* Both stall through the next tick. */
	p->paused_until = max(p->paused_until, s->now + 2);
	b->paused_until = max(b->paused_until, s->now + 2);
	q = sim_primary_r(s);
	if (!q || q == p->r)
		return;
	if (q->epoch > p->r->epoch) {
		/* The change committed: both run again. */
		ep->crashed = true;
		p->paused_until = 0;
		b->paused_until = 0;
		ep->until = s->now + 3 * s->cfg.recovery_ticks +
			    2 * s->cfg.abdicate_ticks + 200;
		sim_trace(s, "episode: p=%u and b=%u run again", ep->p, ep->b);
		return;
	}
	/* A few ops of the new view first (if they come). */
	if (q->epoch != p->r->epoch || q->view <= p->r->view ||
	    (q->commit < p->r->log.head + ep->ops &&
	     s->now < ep->lag + 4 * s->cfg.view_change_ticks + 20) ||
	    !sim_pm(s, 200))
		return;
	/* Without p or b or both, as drawn: else it waits for them. */
	for (i = 0; i < q->n; i++) {
		u32 node = sim_node_of(s, q, i);

		if ((node != ep->p && node != ep->b) || (ep->deaf >> node & 1))
			ids[n++] = q->members[i];
	}
	/* The new member that p taught, last (not the next primary). */
	if (ep->d != U32_MAX && n < VSR_REPLICAS_MAX &&
	    !sim_is_member(q, ep->d)) {
		memset(&ids[n], 0, sizeof(ids[n]));
		put_unaligned_le32(ep->d + 1, ids[n++].b);
	}
	ret = vsr_replica_reconfigure(q, s->epoch_nonce + 1, ids, n);
	sim_trace(s, "episode: the others change (%u members): %d", n, ret);
	if (!ret)
		sim_episode_changed(s, q, n);
}

/*
 * A view that dropped the change: p, the primary of view v, appends ops
 * and then a change k while its PREPAREs reach nobody, and stalls.  The
 * others elect view v + 1, whose primary d tells nobody (its STARTVIEW is
 * lost), and d stalls too, normal in it as far as it knows.  The rest,
 * with p back, elect a later view, which takes p's log (the others never
 * became whole for v + 1) and commits k.  Backup b stalled from the
 * start: when it runs again it pulls the ops up to k from the next epoch,
 * p's first, the pull stalls after a chunk or a few, and b meets d, which
 * hears only b, with a log of v + 1 that lacks the ops b applied
 * (helper-96's review; revert.sh 62).
 */
static void sim_dropped_start(struct vsr_sim *s)
{
	struct vsr_sim_episode *ep = &s->ep;
	const struct vsr_replica *r;
	const struct vsr_entry *e;
	int p = sim_primary(s), b;
	u32 d;

	/*
	 * Once p's ops stop reaching anyone, each client writes one more op
	 * at most, and the append waits for two big ones or more.
	 */
	if (s->nclients < 2)
		return;
	if (p < 0 || s->conf[0].n != s->n || sim_unhealthy(s))
		return;
	r = s->node[p].r;
	/* A primary that may change the epoch: it committed in its view. */
	e = vsr_log_get(&r->log, r->commit);
	if (!e || e->h.view != r->view || r->commit <= r->epoch_hdr.op ||
	    vsr_reconfig_pending(r))
		return;
	d = sim_node_of(s, r, vsr_primary_of(r, r->view + 1));
	if (d == p || !s->node[d].up)
		return;
	b = sim_backup_of(s, p);
	if (b < 0 || b == d)
		return;
	memset(ep, 0, sizeof(*ep));
	ep->kind = EP_DROPPED;
	ep->p = p;
	ep->b = b;
	ep->d = d;
	ep->head0 = r->log.head;
	/* Chunks after the first that b applies. */
	ep->hold = sim_below(s, 2);
	ep->until = s->now + 8 * s->cfg.view_change_ticks +
		    8 * s->cfg.abdicate_ticks + 400;
	s->res.episodes++;
	sim_trace(s, "episode: dropped p=%u d=%u b=%u chunks=%llu",
		  ep->p, ep->d, ep->b, (unsigned long long)ep->hold);
}

/* The dropped schedule's steps (see sim_dropped_start()). */
static void sim_dropped(struct vsr_sim *s)
{
	struct vsr_sim_episode *ep = &s->ep;
	struct vsr_sim_node *p = &s->node[ep->p], *b = &s->node[ep->b];
	struct vsr_sim_node *d = &s->node[ep->d];
	const struct vsr_replica *q;
	const struct vsr_entry *e;
	u64 i, first;
	bool last;
	u32 n;
	int ret;

	if (!p->up || !b->up || !d->up) {
		ep->until = s->now;
		return;
	}
	if (ep->step < DR_PULL)
		b->paused_until = max(b->paused_until, s->now + 2);
	switch (ep->step) {
	case DR_APPEND:
		if (p->r->status != VSR_STATUS_NORMAL || !vsr_is_primary(p->r)) {
			ep->until = s->now;
			return;
		}
		/*
		 * Ops that only p holds, a chunk each, two more than the
		 * chunks b gets after its first (the change may share the
		 * last one's), then the change (same members).
		 */
		first = sim_dropped_first(s);
		for (i = first, n = 0; first && i <= p->r->log.head; i++)
			n += sim_dropped_big(s, i);
		/*
		 * Two big ops do (no chunk held after the first) once the
		 * clients wrote none for a while, or when the members' acks,
		 * which stopped below p's first, are about to fall a pipeline
		 * behind its head: the change could never be appended then.
		 */
		last = first && p->r->log.head + 1 >= first +
						     p->r->cfg.pipeline_max;
		if (n >= 2 && n < ep->hold + 2 &&
		    (last || s->now >= ep->since + 50))
			ep->hold = n - 2;
		if (n < ep->hold + 2) {
			if (last)
				ep->until = s->now;
			return;
		}
		ret = vsr_replica_reconfigure(p->r, s->epoch_nonce + 1, NULL, 0);
		if (ret == -EAGAIN || ret == -EBUSY)
			return;
		sim_trace(s, "episode: p=%u appends the change: %d", ep->p, ret);
		if (ret) {
			ep->until = s->now;
			return;
		}
		sim_episode_changed(s, p->r, p->r->n);
		e = vsr_log_get(&p->r->log, p->r->log.head);
		ep->ops = p->r->log.head;
		ep->k_csum = e ? e->h.checksum : 0;
		ep->view = p->r->view;
		ep->lasts = sim_stream_below(&s->dropped_rng, 2);
		ep->step = DR_ELECT;
		ep->until = s->now + 8 * s->cfg.view_change_ticks +
			    8 * s->cfg.abdicate_ticks + 400;
		break;
	case DR_ELECT:
		p->paused_until = max(p->paused_until, s->now + 2);
		q = d->r;
		if (q->status == VSR_STATUS_NORMAL && q->view == ep->view + 1 &&
		    q->epoch == p->r->epoch) {
			/* d is deposed unawares; p runs again. */
			sim_trace(s, "episode: d=%u leads view %u alone", ep->d,
				  q->view);
			p->paused_until = 0;
			ep->step = DR_TAKE;
		} else if (q->epoch != p->r->epoch) {
			ep->until = s->now;
		} else if (q->view > ep->view + 1) {
			/*
			 * d's view failed: the primary of the one the others
			 * try now is d, unless it is p or b (then the next).
			 */
			n = sim_node_of(s, q, vsr_primary_of(q, q->view));
			if (n != ep->p && n != ep->b && s->node[n].up) {
				ep->d = n;
				ep->view = q->view - 1;
				sim_trace(s, "episode: d=%u for view %u", n,
					  q->view);
			}
		}
		break;
	case DR_TAKE:
		d->paused_until = max(d->paused_until, s->now + 2);
		q = sim_primary_r(s);
		if (q && q->epoch > b->r->epoch &&
		    (q->epoch != b->r->epoch + 1 ||
		     q->epoch_hdr.op != ep->ops ||
		     q->epoch_hdr.checksum != ep->k_csum)) {
			/* Another change: the view that took p's log lost k. */
			ep->until = s->now;
		} else if (q && q->epoch > b->r->epoch) {
			sim_trace(s, "episode: the change committed; b=%u and d=%u run again",
				  ep->b, ep->d);
			d->paused_until = 0;
			b->paused_until = 0;
			ep->step = DR_PULL;
			ep->until = s->now + 3 * s->cfg.recovery_ticks +
				    2 * s->cfg.view_change_ticks + 200;
		}
		break;
	}
}

static void sim_episode(struct vsr_sim *s)
{
	struct vsr_sim_episode *ep = &s->ep;
	const struct vsr_replica *b, *p;

	if (ep->kind && s->now >= ep->until) {
		sim_trace(s, "episode ends");
		ep->kind = EP_NONE;
	}
	/* The schedules' roles assume every node is a member. */
	if (!ep->kind && s->conf[0].n != s->n)
		return;
	if (!ep->kind) {
		if (s->n >= 3 && sim_below(s, 10000) < s->promise_pm)
			sim_promise_start(s);
		else if (sim_below(s, 10000) < s->stale_pm)
			sim_stale_start(s);
		else if (sim_below(s, 10000) < s->aside_pm)
			sim_aside_start(s);
		else if (sim_below(s, 10000) < s->laggards_pm)
			sim_laggards_start(s);
		return;
	}
	b = s->node[ep->b].up ? s->node[ep->b].r : NULL;
	p = s->node[ep->p].up ? s->node[ep->p].r : NULL;
	switch (ep->kind) {
	case EP_PROMISE:
		/* b promised: it crashes and restarts at once. */
		if (!ep->crashed && b && b->status == VSR_STATUS_VIEW_CHANGE &&
		    sim_pm(s, 500) && sim_may_crash(s)) {
			ep->crashed = true;
			vsr_sim_crash(s, ep->b, 1 + sim_below(s, 4));
		}
		break;
	case EP_STALE:
		/* b holds ops only p has, its transfer is not done: cut p. */
		if (!ep->cut && b && p && b->status == VSR_STATUS_RECOVERING &&
		    b->fetch.active && b->fetch.source == ep->p &&
		    b->log.head > p->commit && sim_pm(s, 300)) {
			ep->cut = true;
			sim_trace(s, "episode: p=%u cut off", ep->p);
		}
		if (b && b->status == VSR_STATUS_NORMAL && ep->until >
		    s->now + 30)
			ep->until = s->now + 30;
		break;
	case EP_ASIDE:
		sim_aside(s);
		break;
	case EP_LAGGARDS:
		sim_laggards(s);
		break;
	case EP_DEPOSED:
		sim_deposed(s);
		break;
	case EP_DROPPED:
		sim_dropped(s);
		break;
	}
}

/*
 * Every replica loses power at once (not while a joiner runs, whose disk
 * holds nothing yet): what each acked is on its disk, and each restarts
 * from it a few ticks later, in the epoch its disk holds.
 */
static void sim_power_loss(struct vsr_sim *s)
{
	bool beyond_f = s->beyond_f;
	u32 i;

	const struct vsr_sim_conf *c = &s->conf[0];
	u32 served = 0, sure = 0;

	for (i = 0; i < s->n; i++)
		if (s->node[i].joining || s->node[i].rejoin)
			return;
	sim_trace(s, "power loss");
	s->res.power_losses++;
	for (i = 0; i < s->n; i++) {
		if (!s->node[i].up)
			continue;
		s->node[i].power = true;
		vsr_sim_crash(s, i, 1 + sim_disk_below(s, 8));
	}
	/*
	 * (One that was down may come back without its disk; a record that
	 * landed as the power went counts.)  Disks beyond a quorum of those
	 * may come back damaged.
	 */
	for (i = 0; i < c->n; i++) {
		const struct vsr_sim_node *nd = &s->node[c->node[i]];

		/*
		 * (A record written while recovering is refused; one of an
		 * older epoch, of a member that had not entered this one,
		 * says nothing of its service here.)
		 */
		if (!nd->power || !(nd->disk_view.flags & VSR_PERSIST_SERVICE) ||
		    (nd->disk_view.flags & VSR_PERSIST_RECOVERING) ||
		    nd->disk_view.epoch != c->epoch)
			continue;
		served++;
		/* Those that must restart from their disks (sim_start()). */
		if (nd->disk_taken)
			sure++;
	}
	if (served < c->n / 2 + 1)
		s->power_early = true;
	s->damage_left = sure > c->n / 2 + 1 ? sure - (c->n / 2 + 1) : 0;
	/* Within the model: every replica comes back from its disk. */
	s->beyond_f = beyond_f;
}

static void sim_faults(struct vsr_sim *s)
{
	u32 i;

	/*
	 * From its own stream, so that seeds without it draw as they did;
	 * ten times as often while a primary is new, in its grace (it counts
	 * its backups as heard), which the pause does not end.
	 */
	if (s->deposed_pm && !s->ep.kind &&
	    sim_stream_below(&s->deposed_rng, 10000) <
	    s->deposed_pm * (sim_new_primary(s) ? 10 : 1))
		sim_deposed_start(s);
	/* The same for the dropped one, which takes half the fault phase. */
	if (s->dropped_pm && !s->ep.kind &&
	    sim_stream_below(&s->dropped_rng, 10000) <
	    s->dropped_pm * (sim_new_primary(s) ? 10 : 1) &&
	    s->now <= s->p.fault_ticks / 2)
		sim_dropped_start(s);
	if (s->promise_pm || s->stale_pm || s->aside_pm || s->laggards_pm ||
	    s->ep.kind)
		sim_episode(s);

	if (s->now >= s->part_until && sim_below(s, 10000) < s->part_pm)
		sim_partition(s);
	else if (s->now >= s->part_until)
		memset(s->block, 0, sizeof(s->block));
	if (sim_below(s, 10000) < s->crash_pm && sim_may_crash(s)) {
		i = sim_target(s);
		/* A quick restart: its old messages are still in flight. */
		if (!sim_ep_spared(s, i))
			vsr_sim_crash(s, i, s->quick && sim_pm(s, 500) ?
				      1 + sim_below(s, 4) :
				      5 + sim_below(s, 100));
	}
	/*
	 * Not while the dropped schedule needs p, b and d (until it ends: b
	 * meets d after the cut): a tick later.
	 */
	if (s->power_at == s->now && s->ep.kind == EP_DROPPED)
		s->power_at++;
	else if (s->power_at == s->now)
		sim_power_loss(s);
	if (s->replay_pm && sim_below(s, 10000) < s->replay_pm)
		sim_replay(s);
	/* Stale messages hit a state transfer in progress. */
	for (i = 0; i < s->n && s->replay_pm; i++)
		if (sim_fetching(s, i) && sim_pm(s, 50))
			sim_replay_to(s, i);
	for (i = 0; i < s->n; i++) {
		if (!s->node[i].recovered)
			continue;
		s->node[i].recovered = false;
		if (s->replay_pm && sim_pm(s, 500))
			sim_replay_incarnation(s, i);
	}
	/* A stall (VM pause, long softirq): no ticks, no deliveries. */
	if (sim_below(s, 10000) < s->pause_pm) {
		i = sim_below(s, s->n);
		s->node[i].paused_until = s->now + 5 + sim_below(s, 60);
		sim_trace(s, "replica %u paused", i);
	}
	/*
	 * An admin's vsradm set now and then, with the settings unchanged: a
	 * replica must take its own configuration back, whatever it went
	 * through (a member that had joined refused it once).  No random
	 * draw, so that the seeds' streams stay as they were; the ring may
	 * be resized (as vsradm set does).
	 */
	if ((u32)s->now % 61 == 60) {
		struct vsr_core_config cfg;

		i = ((u32)s->now / 61) % s->n;
		if (s->node[i].up) {
			vsr_replica_get_config(s->node[i].r, &cfg);
			/*
			 * Or, in some seeds, a retention of its own (from
			 * their own stream): rings of different sizes, and
			 * trims that some replicas' rings cannot wait for.
			 */
			if (s->retain_mix)
				cfg.retain = 4 + sim_stream_below(&s->mix_rng,
								  2 * s->cfg.retain + 4);
			/*
			 * -ENOMEM: the ring's resize met an injected failure;
			 * -ENOSPC: a durable ring cannot hold that retention.
			 */
			if (vsr_replica_set_tunables(s->node[i].r, &cfg) == -EINVAL)
				sim_fail(s, "a replica refused its own settings (replica, epoch)",
					 i, s->node[i].r->epoch);
		}
	}
	/* An explicit trim now and then (any replica, fire and forget). */
	if (sim_pm(s, s->trim_pm)) {
		struct vsr_core_status st;

		i = sim_below(s, s->n);
		if (s->node[i].up) {
			vsr_replica_get_status(s->node[i].r, &st);
			vsr_replica_submit(s->node[i].r, VSR_OP_TRIM, 0,
					   st.commit + 1 - sim_below(s, 8),
					   NULL, 0);
		}
	}
	/*
	 * A change of epoch, proposed at the primary (fire and forget), ten
	 * times as often in a view's first ticks: right after a view change,
	 * logs still differ past the commit number, and a member may hold
	 * another op where the RECONFIG commits.
	 */
	if (s->epoch_pm &&
	    sim_below(s, 10000) < s->epoch_pm * (sim_new_view(s) ? 10 : 1) &&
	    !(s->ep.kind == EP_DROPPED && s->ep.step < DR_PULL) &&
	    !(s->ep.kind == EP_DEPOSED && s->ep.step == DP_TEACH))
		sim_reconfigure(s);
	sim_doom(s);
}

/*
 * Do the faults go on past the fault phase?  A dropped episode's steps
 * after the append wait for view changes that the faults slow down, and
 * one that started in the phase's first half often had its change
 * committed just before the heal ended it.  Half of them run to their
 * end (for at most three more fault phases); the others heal where they
 * are, a stalled primary leading its view alone among them.
 */
static bool sim_ep_lasts(const struct vsr_sim *s)
{
	return s->ep.kind == EP_DROPPED && s->ep.lasts &&
	       s->now < s->ep.until && s->now < 4 * (u64)s->p.fault_ticks;
}

static void sim_heal(struct vsr_sim *s)
{
	u32 i;

	memset(s->block, 0, sizeof(s->block));
	s->loss_pm = 0;
	s->dup_pm = 0;
	s->corrupt_pm = 0;
	s->long_pm = 0;
	s->replay_pm = 0;
	s->alloc_ppm = 0;
	s->ep.kind = EP_NONE;
	s->faults = false;
	for (i = 0; i < s->n; i++)
		s->node[i].paused_until = 0;
	sim_trace(s, "faults stop");
}

/* ---- driver ----------------------------------------------------------- */

#ifndef __KERNEL__
/*
 * Native builds: the simulator that is running (one at a time) gets the
 * shim's WARNs as violations, and decides which core allocations fail.
 */
static struct vsr_sim *sim_cur;

static void sim_warn(const char *cond, const char *file, int line)
{
	char why[160];

	if (!sim_cur)
		abort();
	if (sim_cur->p.kernel_warn)
		return;
	snprintf(why, sizeof(why), "core WARN_ON_ONCE(%s) at %s:%d", cond,
		 file, line);
	sim_fail(sim_cur, why, line, 0);
}

static bool sim_alloc_fault(size_t size)
{
	struct vsr_sim *s = sim_cur;

	if (!s || !s->alloc_ppm || s->creating)
		return false;
	if (sim_below(s, 1000000) >= s->alloc_ppm)
		return false;
	s->res.alloc_fails++;
	return true;
}

static void sim_hooks(struct vsr_sim *s)
{
	sim_cur = s;
	vsr_shim_warn_hook = s ? sim_warn : NULL;
	vsr_alloc_fault = s ? sim_alloc_fault : NULL;
}
#else
static void sim_hooks(struct vsr_sim *s)
{
}
#endif

/* Swarm testing: which fault kinds this seed has, and how much of each. */
static void sim_draw_faults(struct vsr_sim *s)
{
	u32 i;

	s->swarm = s->p.swarm ? (u32)sim_rnd(s) : ~0u;
	s->faults = true;
	if (SW(s, LOSS))
		s->loss_pm = 1 + sim_below(s, 300);
	if (SW(s, DUP))
		s->dup_pm = 1 + sim_below(s, 200);
	if (SW(s, CORRUPT))
		s->corrupt_pm = 1 + sim_below(s, 20);
	if (SW(s, LONG))
		s->long_pm = 1 + sim_below(s, 100);
	if (SW(s, CRASH))
		s->crash_pm = 1 + sim_below(s, 150);
	s->quick = SW(s, QUICK);
	if (SW(s, PART))
		s->part_pm = 1 + sim_below(s, 300);
	if (SW(s, PAUSE))
		s->pause_pm = 1 + sim_below(s, 100);
	if (SW(s, REPLAY))
		s->replay_pm = 1 + sim_below(s, 300);
	if (SW(s, ALLOC))
		s->alloc_ppm = 1 + sim_below(s, 20000);
	if (SW(s, BIG))
		s->big_pm = (s->p.small_records ? 5 : 20) +
			    sim_below(s, s->p.small_records ? 50 : 300);
	s->trim_pm = SW(s, TRIM) ? 1 + sim_below(s, 30) : 0;
	if (SW(s, PROMISE))
		s->promise_pm = 10 + sim_below(s, 200);
	if (SW(s, STALE))
		s->stale_pm = 10 + sim_below(s, 200);
	/* A primary slow to give up lets a view change run beside it. */
	if (SW(s, ABDICATE))
		s->cfg.abdicate_ticks += sim_below(s, 8 *
						   s->cfg.view_change_ticks);
	/*
	 * A loaded machine (a debug kernel under emulation): every datagram
	 * takes as long as several heartbeats, timeouts run out while
	 * answers are on their way.
	 */
	if (SW(s, LAG)) {
		s->delay_max = 1 + sim_below(s, s->cfg.view_change_ticks);
		/* Most of it for every datagram: no retry finds a short one. */
		s->delay_min = sim_below(s, s->delay_max);
	}
	if (SW(s, STAGGER))
		s->stagger = sim_below(s, 2 * (s->cfg.recovery_ticks +
					       s->cfg.view_change_ticks));
	if (SW(s, EPOCH)) {
		s->epoch_pm = 1 + sim_below(s, 200);
		s->doom_pm = sim_below(s, 500);
		s->aside_pm = sim_pm(s, 500) ? 10 + sim_below(s, 200) : 0;
		s->shrink_pm = sim_pm(s, 500) ? sim_below(s, 1000) : 0;
		s->laggards_pm = sim_pm(s, 500) ? 10 + sim_below(s, 200) : 0;
	}
	for (i = 0; i < s->n; i++) {
		if (SW(s, SLOW) && sim_pm(s, 500))
			s->node[i].skew_pm = 1 + sim_below(s, 200);
		if (SW(s, FAST) && sim_pm(s, 500))
			s->node[i].fast_pm = 1 + sim_below(s, 300);
	}
}

/*
 * Seeds that change epochs: now and then up to three more nodes, which
 * start as joining replicas, and how often a change adds some.  Drawn from
 * a stream of their own, so that a seed without them runs as it did
 * before they existed.
 */
static void sim_draw_spares(struct vsr_sim *s)
{
	u64 x = (s->p.seed ^ 0x6a6f696e696e6721ULL) * 0x9e3779b97f4a7c15ULL;

	x ^= x >> 29;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 32;
	if (s->p.joiners) {
		s->n = min_t(u32, VSR_REPLICAS_MAX, s->n + s->p.joiners);
		return;
	}
	if (s->p.replicas || s->p.scripted || !s->epoch_pm || x % 100 >= 40)
		return;
	s->n = min_t(u32, VSR_REPLICAS_MAX, s->n + 1 + (x >> 8) % 3);
	s->grow_pm = 100 + (x >> 16) % 800;
}

/**
 * vsr_sim_create() - a cluster for one seed
 * @p: parameters
 *
 * Return: the simulator or NULL.
 */
struct vsr_sim *vsr_sim_create(const struct vsr_sim_params *p)
{
	struct vsr_sim *s;
	u32 i, r;

	s = kvmalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		return NULL;
	memset(s, 0, sizeof(*s));
	s->buf = kvmalloc(VSR_RECORD_MAX, GFP_KERNEL);
	if (!s->buf) {
		kvfree(s);
		return NULL;
	}
	s->p = *p;
	s->rng = p->seed * 0x2545f4914f6cdd1dULL + 1;
	r = sim_below(s, 100);
	s->n = p->replicas ? p->replicas :
	       r < 95 ? 1 + sim_below(s, 7) :
	       8 + sim_below(s, VSR_REPLICAS_MAX - 7);
	vsr_core_config_defaults(&s->cfg);
	s->cfg.cluster = sim_rnd(s);
	s->cfg.replica_count = s->n;
	s->cfg.gfp = GFP_KERNEL;
	s->cfg.epochs = true;
	s->sender = U32_MAX;
	s->conf[0].n = s->n;
	for (i = 0; i < s->n; i++)
		s->conf[0].node[i] = i;
	s->conf[1] = s->conf[0];
	if (!p->scripted && sim_pm(s, 200)) {
		/* Production-sized: nothing is trimmed within a seed. */
		s->cfg.retain = 512 + sim_below(s, 4096);
		s->cfg.pipeline_max = 1 + sim_below(s, 512);
		s->cfg.log_max = vsr_core_log_max(&s->cfg);
	} else {
		s->cfg.log_max = 24 + sim_below(s, 200);
		s->cfg.pipeline_max = 1 + sim_below(s, min_t(u32, 32,
							     s->cfg.log_max / 4));
		s->cfg.retain = 4 + sim_below(s, (s->cfg.log_max -
						   s->cfg.pipeline_max - 10) *
					      2 / 3);
	}
	s->cfg.sessions_max = 1 + sim_below(s, 8);
	s->cfg.heartbeat_ticks = 1 + sim_below(s, 4);
	s->cfg.view_change_ticks = 8 + sim_below(s, 24);
	s->cfg.abdicate_ticks = s->cfg.view_change_ticks;
	s->cfg.repair_ticks = 2 + sim_below(s, 5);
	s->cfg.recovery_ticks = 10 + sim_below(s, 50);
	s->nclients = 1 + sim_below(s, VSR_SIM_CLIENTS_MAX);
	s->delay_max = 1 + sim_below(s, 6);
	s->issue_pm = 50 + sim_below(s, 500);
	/* Half of the seeds have slow disks (from their own stream). */
	s->disk_rng = p->seed ^ 0x6469736b64697363ULL;
	s->disk_max = p->disk_max;
	if (!p->scripted && !s->disk_max && sim_disk_below(s, 2)) {
		s->disk_max = 1 + sim_disk_below(s, 8);
		/* A quarter of those: flushes that span view changes. */
		if (!sim_disk_below(s, 4))
			s->disk_max += 16 + sim_disk_below(s, 48);
	}
	/* A third of them: the whole cluster loses power once. */
	if (s->disk_max && !p->scripted && !sim_disk_below(s, 3))
		s->power_at = 30 + sim_disk_below(s, 260);
	/*
	 * Half of them: a crash lands any part of the write in flight; half
	 * of those: restarts find disks damaged (a stream of its own).
	 */
	s->tear_rng = p->seed ^ 0x7465617264616d67ULL;
	/* Most of them: records raised, as the kernel's journal does. */
	s->raise = s->disk_max && !p->scripted &&
		   sim_stream_below(&s->tear_rng, 4);
	if (s->disk_max && !p->scripted &&
	    sim_stream_below(&s->tear_rng, 2)) {
		s->tear = true;
		if (sim_stream_below(&s->tear_rng, 2))
			s->damage_pm = 20 + sim_stream_below(&s->tear_rng, 300);
	}
	/*
	 * Of the seeds with torn writes: lost and misdirected writes (in
	 * those with damaged disks), wiped disks, failed flushes.
	 */
	s->fault_rng = p->seed ^ 0x6661756c74646973ULL;
	if (s->tear) {
		if (s->damage_pm && sim_stream_below(&s->fault_rng, 2))
			s->lostw_pm = 200 + sim_stream_below(&s->fault_rng, 800);
		if (!sim_stream_below(&s->fault_rng, 3))
			s->wipe_pm = 10 + sim_stream_below(&s->fault_rng, 100);
		if (!sim_stream_below(&s->fault_rng, 3))
			s->flush_fail_pm = 1 + sim_stream_below(&s->fault_rng, 8);
		if (sim_stream_below(&s->fault_rng, 2))
			s->copy_pm = 200 + sim_stream_below(&s->fault_rng, 800);
	}
	s->cfg.durable = s->disk_max;
	s->mix_rng = p->seed ^ 0x72657461696e6d78ULL;
	s->retain_mix = !p->scripted && !sim_stream_below(&s->mix_rng, 4);
	/* Half of the seeds: 2 to 8 deliveries per tick. */
	s->round_rng = p->seed ^ 0x726f756e64737562ULL;
	s->rounds = p->rounds ? p->rounds : 1;
	if (!p->scripted && !p->rounds && sim_stream_below(&s->round_rng, 2))
		s->rounds = 2 + sim_stream_below(&s->round_rng, 7);
	s->res.subtick = s->rounds > 1;
	if (!p->scripted) {
		sim_draw_faults(s);
	} else {
		s->delay_max = 1;
		s->cfg.sessions_max = VSR_SIM_CLIENTS_MAX;
		s->cfg.log_max = 256;
		s->cfg.retain = 128;
		s->cfg.pipeline_max = 16;
		s->cfg.heartbeat_ticks = 2;
		s->cfg.view_change_ticks = 10;
		s->cfg.abdicate_ticks = 10;
		s->cfg.repair_ticks = 3;
	}
	for (i = 0; i < s->nclients; i++)
		s->client[i].origin = sim_below(s, s->n);
	s->n0 = s->n;
	sim_draw_spares(s);
	/*
	 * Half of the seeds that change epochs among five members or more: a
	 * primary deposed unawares, from a stream of their own (with spares,
	 * it teaches one first: revert.sh 58); and half of those without
	 * spares (the roles assume every node a member), a view that dropped
	 * the change, from another.
	 */
	s->deposed_rng = p->seed ^ 0x6465706f73656421ULL;
	if (s->epoch_pm && s->n0 >= 5 &&
	    sim_stream_below(&s->deposed_rng, 2))
		s->deposed_pm = 10 + sim_stream_below(&s->deposed_rng, 200);
	s->dropped_rng = p->seed ^ 0x64726f7070656421ULL;
	if (s->epoch_pm && s->n >= 5 && s->n == s->n0 &&
	    sim_stream_below(&s->dropped_rng, 2))
		s->dropped_pm = 10 + sim_stream_below(&s->dropped_rng, 200);
	sim_trace(s, "seed %llu: n=%u+%u clients=%u swarm=%#x loss=%u dup=%u corrupt=%u delay<=%u long=%u crash=%u quick=%u pause=%u part=%u replay=%u alloc=%u big=%u trim=%u promise=%u stale=%u epoch=%u doom=%u aside=%u disk=%u mix=%u",
		  (unsigned long long)p->seed, s->n0, s->n - s->n0, s->nclients,
		  s->swarm & ((1u << SW_NR) - 1), s->loss_pm, s->dup_pm,
		  s->corrupt_pm, s->delay_max, s->long_pm, s->crash_pm,
		  s->quick, s->pause_pm, s->part_pm, s->replay_pm,
		  s->alloc_ppm, s->big_pm, s->trim_pm, s->promise_pm,
		  s->stale_pm, s->epoch_pm, s->doom_pm, s->aside_pm,
		  s->disk_max, s->retain_mix);
	sim_trace(s, "log=%u pipe=%u retain=%u sessions=%u hb=%u vc=%u abdicate=%u repair=%u recovery=%u rounds=%u",
		  s->cfg.log_max, s->cfg.pipeline_max, s->cfg.retain,
		  s->cfg.sessions_max, s->cfg.heartbeat_ticks,
		  s->cfg.view_change_ticks, s->cfg.abdicate_ticks,
		  s->cfg.repair_ticks, s->cfg.recovery_ticks, s->rounds);
	sim_hooks(s);
	for (i = 0; i < s->n; i++) {
		/*
		 * A new cluster's replicas come up one by one, as an admin
		 * adds them on slow machines: some may bootstrap while others
		 * are not even there.
		 */
		if (s->faults && SW(s, STAGGER) && i) {
			s->node[i].late = true;
			s->node[i].down_until = sim_below(s, s->stagger + 1);
		} else {
			sim_start(s, i);
		}
	}
	return s;
}

/**
 * vsr_sim_destroy() - free a simulator
 * @s: simulator
 */
void vsr_sim_destroy(struct vsr_sim *s)
{
	u32 i;

	if (!s)
		return;
	for (i = 0; i < s->n; i++)
		vsr_replica_destroy(s->node[i].r);
	for (i = 0; i < s->npkt; i++)
		kvfree(s->pkt[i].buf);
	for (i = 0; i < VSR_SIM_OLD_MAX; i++)
		kvfree(s->old[i].buf);
	while (s->nfree)
		kvfree(s->free[--s->nfree]);
	for (i = 0; i < VSR_REPLICAS_MAX; i++) {
		struct vsr_sim_node *nd = &s->node[i];
		u64 op;

		for (op = 0; op < nd->disk_cap; op++)
			sim_slot_clear(&nd->disk[op]);
		sim_flush_drop(nd);
		kvfree(nd->disk);
		kvfree(nd->flush_buf);
		kvfree(nd->want_ck.table);
		kvfree(nd->write_ck.table);
		kvfree(nd->disk_ck.table);
	}
	kvfree(s->buf);
	kvfree(s->pkt);
	kvfree(s->golden);
	kvfree(s->view_primary);
	kvfree(s->view_primary_id);
	kvfree(s->rec_keys);
#ifndef __KERNEL__
	if (sim_cur == s)
		sim_hooks(NULL);
#endif
	kvfree(s);
}

/*
 * Before a batch from op @from, which may write over the head that the
 * record on the disk names: if the log no longer holds that head (a
 * truncation: the replica became whole for a later view), the batch would
 * break the record's chain and a restart could not use the disk.  So the
 * record goes first, the disk's own but for its head, lowered to the op
 * before the batch, which the disk holds as the log does (after a
 * checkpoint taken over: that checkpoint, with its head there).  Only on
 * a disk this incarnation took: another's record is not its to keep.
 * sim_overwrites_head() says whether the batch would; sim_lower() returns
 * true if the lowered record's write began.
 */
static bool sim_overwrites_head(const struct vsr_sim_node *nd, u64 from)
{
	const struct vsr_persist *d = &nd->disk_view;
	u32 csum;

	return from <= d->op && d->op > d->ckpt &&
	       !(vsr_log_csum(&nd->r->log, d->op, &csum) && csum == d->csum);
}

static bool sim_lower(struct vsr_sim *s, struct vsr_sim_node *nd, u64 from)
{
	const struct vsr_persist *d = &nd->disk_view;
	struct vsr_replica *r = nd->r;
	struct vsr_persist low = *d;
	u64 t = from - 1;
	u32 csum;

	if (!nd->disk_taken)
		return false;
	/*
	 * Not across an epoch switch: entries carry no epoch, and a restart
	 * could keep the next epoch's under this one's log view.  The disk
	 * is no longer kept true then, and a restart may refuse it (safe:
	 * counted), until the replica writes a record of its own.
	 */
	if (r->epoch != d->epoch) {
		nd->disk_taken = false;
		return false;
	}
	if (!vsr_log_csum(&r->log, t, &csum)) {
		sim_fail(s, "a batch starts above an op the log lacks (op, replica)",
			 t, nd->idx);
		return false;
	}
	low.op = t;
	low.csum = csum;
	if (t >= d->ckpt &&
	    sim_chain_read(nd, t, csum, d->ckpt, nd->disk_ck.csum)) {
		if (!sim_ck_copy(&nd->write_ck, &nd->disk_ck))
			sim_fail(s, "out of memory", 0, 0);
	} else if (t >= r->ckpt.op && r->ckpt.op > d->ckpt &&
		   sim_chain_read(nd, t, csum, r->ckpt.op, r->ckpt.checksum)) {
		low.ckpt = r->ckpt.op;
		if (!sim_ck_take(&nd->write_ck, r))
			sim_fail(s, "out of memory", 0, 0);
	} else {
		sim_fail(s, "no record to lower the disk's to (op, replica)",
			 t, nd->idx);
		return false;
	}
	s->res.lowered++;
	nd->view_writing = true;
	nd->view_lowered = true;
	nd->view_write = low;
	nd->view_at = s->now + sim_disk_below(s, s->disk_max + 1);
	sim_trace(s, "replica %u lowers its disk's record from op %llu to %llu",
		  nd->idx, (unsigned long long)d->op, (unsigned long long)t);
	return true;
}

/*
 * A lowered record landed: the disk's, which the replica was not told of.
 * Now and then a crash follows soon, so that restarts from lowered
 * records (a head too low, say) are common.
 */
static void sim_lowered(struct vsr_sim *s, struct vsr_sim_node *nd)
{
	nd->view_lowered = false;
	nd->disk_view = nd->view_write;
	if (!sim_ck_copy(&nd->disk_ck, &nd->write_ck))
		sim_fail(s, "out of memory", 0, 0);
	if (s->crash_pm && sim_disk_below(s, 4))
		nd->window_crash_at = s->now + 1 +
				      sim_disk_below(s, 2 * s->disk_max + 2);
}

/*
 * Now and then (less often with entries to write, @busy) the driver raises
 * the disk's record to the last op its last flush wrote, the disk's own
 * record but for that head, so that a restart finds damage below it (and
 * not only below the head of the log view's start).  Only on a disk this incarnation took,
 * with no record asked for, and when the log is whole for the disk's
 * view and log view (normal in it): every op up to the disk's head is
 * then of that whole log.  The core is not told.  (journal.c's
 * vsr_journal_raised(), protocol.rst "The durable log".)
 */
static bool sim_raise(struct vsr_sim *s, struct vsr_sim_node *nd, bool busy)
{
	const struct vsr_persist *d = &nd->disk_view;
	struct vsr_replica *r = nd->r;
	u32 csum;

	if (!s->raise || !nd->disk_taken || nd->view_asked ||
	    r->status != VSR_STATUS_NORMAL || r->epoch != d->epoch ||
	    r->view != d->view || r->log_view != d->view ||
	    d->log_view != d->view || (d->flags & VSR_PERSIST_RECOVERING) ||
	    nd->w_op <= d->op || nd->w_op <= d->ckpt ||
	    !vsr_log_csum(&r->log, nd->w_op, &csum) || csum != nd->w_csum ||
	    !sim_chain_read(nd, nd->w_op, csum, d->ckpt, nd->disk_ck.csum) ||
	    sim_stream_below(&s->tear_rng, busy ? 16 : 4))
		return false;
	nd->view_write = *d;
	nd->view_write.op = nd->w_op;
	nd->view_write.csum = csum;
	if (!sim_ck_copy(&nd->write_ck, &nd->disk_ck))
		sim_fail(s, "out of memory", 0, 0);
	nd->view_writing = true;
	nd->view_raised = true;
	nd->view_at = s->now + sim_stream_below(&s->tear_rng, s->disk_max + 1);
	s->res.raised++;
	sim_trace(s, "replica %u raises its disk's record from op %llu to %llu",
		  nd->idx, (unsigned long long)d->op,
		  (unsigned long long)nd->w_op);
	return true;
}

/*
 * The last op acked as whole, once the log no longer holds it as acked: a
 * truncation replaced it (the replica took a log of a later view, or
 * committed ops of one to catch up to the next epoch).  Those acks are
 * void: what a restart must find is the part of the acked log that the
 * log still holds, up to the last op where the log and the disk (which
 * holds what was acked, not yet written over: this runs before the next
 * batch) agree.  (Ops at or below the checkpoint were committed: the
 * checkpoint holds them.)
 */
static void sim_void_acks(struct vsr_sim_node *nd)
{
	const struct vsr_log *log = &nd->r->log;
	u64 t;
	u32 csum;

	if (!nd->ack_op || nd->ack_op <= log->base ||
	    (vsr_log_csum(log, nd->ack_op, &csum) && csum == nd->ack_csum))
		return;
	for (t = min(nd->ack_op, log->head); t > log->base; t--)
		if (t < nd->disk_cap && nd->disk[t].written &&
		    vsr_log_csum(log, t, &csum) && csum == nd->disk[t].csum)
			break;
	nd->ack_op = t;
	if (!vsr_log_csum(log, t, &nd->ack_csum))
		nd->ack_op = 0;
}

/*
 * The flush (or the record's) that would complete now fails instead, and
 * so does the replica (the kernel's journal never retries one): what the
 * device took of the write is on the disk (sim_disk_crash()).
 */
static bool sim_flush_fails(struct vsr_sim *s, struct vsr_sim_node *nd)
{
	if (!s->faults || !s->flush_fail_pm || nd->disk_stuck ||
	    !((nd->flushing && s->now >= nd->flush_at) ||
	      (nd->view_writing && s->now >= nd->view_at)))
		return false;
	return sim_stream_below(&s->fault_rng, 1000) < s->flush_fail_pm &&
	       sim_may_crash(s);
}

/*
 * A node's disk: one write and flush of the log up to its head at a time,
 * which takes 0..disk_max ticks; then the replica is told.  A crash loses
 * the flush in flight (the replica restarts empty anyway); what earlier
 * flushes wrote stays (nd->disk), for the checks of acks and commits.
 */
static void sim_disk(struct vsr_sim *s, struct vsr_sim_node *nd)
{
	struct vsr_log *log = &nd->r->log;
	struct vsr_entry *e;
	u64 op, from;
	u32 csum;

	if (!s->disk_max)
		return;
	sim_void_acks(nd);
	if (nd->flushing && s->now >= nd->flush_at && !nd->disk_stuck) {
		nd->flushing = false;
		if (!sim_grow((void **)&nd->disk, &nd->disk_cap, nd->flush_op,
			      sizeof(*nd->disk)))
			return;
		for (op = nd->flush_from; op <= nd->flush_op; op++) {
			struct vsr_sim_slot *f = &nd->flush_buf[op - nd->flush_from];

			sim_slot_put(&nd->disk[op], f);
		}
		if (nd->flush_op >= nd->reported) {
			nd->reported = nd->flush_op;
			nd->reported_csum = nd->flush_csum;
		}
		nd->w_op = nd->flush_op;
		nd->w_csum = nd->flush_csum;
		vsr_replica_durable(nd->r, nd->flush_op, nd->flush_csum);
		/* An input like any other: a switch it began is done. */
		if (nd->r->switching)
			sim_fail(s, "a durable report left an epoch switch pending (op, epoch)",
				 nd->flush_op, nd->r->epoch);

	}
	if (nd->view_writing && s->now >= nd->view_at && !nd->disk_stuck) {
		nd->view_writing = false;
		if (!sim_chain(nd, nd->view_write.op, nd->view_write.csum,
			       nd->view_write.ckpt, nd->write_ck.csum))
			sim_fail(s, "a record landed without the log it names (op, replica)",
				 nd->view_write.op, nd->idx);
		if (nd->view_lowered) {
			sim_lowered(s, nd);
			return;
		}
		if (nd->view_raised) {
			nd->view_raised = false;
			nd->disk_view = nd->view_write;
			if (!sim_ck_copy(&nd->disk_ck, &nd->write_ck))
				sim_fail(s, "out of memory", 0, 0);
			return;
		}
		nd->disk_taken = true;
		nd->view_done = nd->view_write;
		/*
		 * A record of a new epoch whose head is below the op that
		 * started it (entered behind or recovering) over a ring that
		 * holds more: now and then the power goes soon, so that
		 * restarts from such disks are common.
		 */
		if (nd->view_write.epoch > nd->disk_view.epoch &&
		    nd->write_ck.ep.op > nd->view_write.op &&
		    nd->view_write.op + 1 < nd->disk_cap &&
		    nd->disk[nd->view_write.op + 1].e && s->crash_pm &&
		    !s->p.scripted && s->power_at < s->now && sim_disk_below(s, 2))
			s->power_at = s->now + 1 + sim_disk_below(s, 4);
		nd->disk_view = nd->view_write;
		if (!sim_ck_copy(&nd->disk_ck, &nd->write_ck))
			sim_fail(s, "out of memory", 0, 0);
		/* A checkpoint taken over is durable once written. */
		if (nd->view_write.ckpt >= nd->reported) {
			nd->reported = nd->view_write.ckpt;
			nd->reported_csum = nd->write_ck.csum;
		}
		sim_trace(s, "replica %u wrote epoch %u view %u log view %u checkpoint %llu",
			  nd->idx, nd->view_write.epoch, nd->view_write.view,
			  nd->view_write.log_view,
			  (unsigned long long)nd->view_write.ckpt);
		vsr_replica_persisted(nd->r, &nd->view_write);
		if (nd->r->switching)
			sim_fail(s, "a view written left an epoch switch pending (view, epoch)",
				 nd->view_write.view, nd->r->epoch);
		/* A stale report of a record, now and then, changes nothing. */
		if (!sim_disk_below(s, 8))
			vsr_replica_persisted(nd->r, &nd->stale_view);
		nd->stale_view = nd->view_write;
	}
	/*
	 * A record goes to the disk only after the log it names: its head
	 * from its checkpoint on.  (If the log no longer holds that head, a
	 * later request replaces this one.)  One write at a time: a log
	 * flush does not overtake a record, nor a record a flush.
	 */
	if (!nd->view_writing && nd->view_asked && !nd->flushing &&
	    !nd->record_held &&
	    sim_chain_read(nd, nd->view_want.op, nd->view_want.csum,
			   nd->view_want.ckpt, nd->want_ck.csum)) {
		nd->view_asked = false;
		nd->view_writing = true;
		nd->view_write = nd->view_want;
		if (!sim_ck_copy(&nd->write_ck, &nd->want_ck))
			sim_fail(s, "out of memory", 0, 0);
		nd->view_at = s->now + sim_disk_below(s, s->disk_max + 1);
	}
	/*
	 * The entries above what is durable (those below were written as
	 * they are); the checkpoint is the view write's.
	 */
	from = max(log->base, vsr_log_durable(log)) + 1;
	if (!nd->flushing && !nd->view_writing &&
	    sim_raise(s, nd, from <= log->head))
		return;
	if (nd->flushing || nd->view_writing || from > log->head ||
	    !vsr_log_csum(log, log->head, &csum))
		return;
	/*
	 * The disk's ring has the log's capacity, fixed when it was formatted:
	 * op o goes where o - ring was, which a restart from the checkpoint on
	 * the disk would need unless that checkpoint is at or above it.
	 */
	if (log->head > nd->disk_view.ckpt + nd->disk_ring)
		sim_fail(s, "a ring slot reused that the disk's checkpoint still needs (op, checkpoint on disk)",
			 log->head, nd->disk_view.ckpt);
	if (sim_overwrites_head(nd, from)) {
		/* Now and then, a crash in the window: before or after. */
		if (s->crash_pm && !nd->window_crash_at &&
		    !sim_disk_below(s, 3))
			nd->window_crash_at = s->now + 1 +
				sim_disk_below(s, 3 * s->disk_max + 4);
		if (sim_lower(s, nd, from))
			return;
	}
	if (!sim_grow((void **)&nd->flush_buf, &nd->flush_cap,
		      log->head - from, sizeof(*nd->flush_buf)))
		return;
	for (op = from; op <= log->head; op++) {
		struct vsr_sim_slot *d = &nd->flush_buf[op - from];

		e = vsr_log_get(log, op);
		d->csum = e->h.checksum;
		d->parent = e->h.parent;
		d->written = true;
		d->lost = 0;
		d->stale = 0;
		d->read = false;
		d->prev = NULL;
		s->creating = true;
		d->e = vsr_entry_new(&e->h, e->data, GFP_KERNEL);
		s->creating = false;
		if (!d->e)
			sim_fail(s, "out of memory", op, 0);
	}
	nd->flushing = true;
	nd->flush_from = from;
	nd->flush_op = log->head;
	nd->flush_csum = csum;
	nd->flush_at = s->now + sim_disk_below(s, s->disk_max + 1);
	sim_trace(s, "replica %u writes ops %llu..%llu", nd->idx,
		  (unsigned long long)from, (unsigned long long)log->head);
}

/* What a batch made a replica append goes out, or waits (Nagle's rule). */
static void sim_flush(struct vsr_sim *s, struct vsr_replica *r)
{
	vsr_replica_flush(r);
	if (r->status == VSR_STATUS_NORMAL && vsr_is_primary(r) &&
	    r->sent_op < r->log.head)
		s->res.held++;
}

/**
 * vsr_sim_step() - one tick of the whole cluster, then the checks
 * @s: simulator
 *
 * Return: 0, or 1 once a violation was found.
 */
int vsr_sim_step(struct vsr_sim *s)
{
	u32 i, clients = 0;

	s->now++;
	s->round = 0;
	for (i = 0; i < s->n; i++)
		if (!s->node[i].up &&
		    (s->node[i].incarnation || s->node[i].late) &&
		    s->now >= s->node[i].down_until)
			sim_start(s, i);
	if (s->faults)
		sim_faults(s);
	/* Clients ask in one round of the tick: any, with several. */
	if (s->rounds > 1)
		clients = sim_stream_below(&s->round_rng, s->rounds);
	sim_deliver(s);
	/*
	 * Rounds within the tick: each batch of datagrams is followed by
	 * what the disks completed and a flush, as the driver does after
	 * each batch it receives, and the tick comes only after the last.
	 */
	for (;;) {
		if (s->round == clients)
			sim_clients(s, !s->p.scripted && s->faults);
		if (s->round + 1 == s->rounds)
			break;
		for (i = 0; i < s->n; i++) {
			struct vsr_sim_node *nd = &s->node[i];

			if (!nd->up || nd->paused_until > s->now)
				continue;
			sim_disk(s, nd);
			sim_flush(s, nd->r);
		}
		sim_check(s);
		if (s->violation)
			return 1;
		s->round++;
		sim_deliver(s);
	}
	for (i = 0; i < s->n; i++) {
		struct vsr_sim_node *nd = &s->node[i];

		if (!nd->up || nd->paused_until > s->now)
			continue;
		/* A crash that sim_lower() aimed at its window. */
		if (nd->window_crash_at && s->now >= nd->window_crash_at) {
			nd->window_crash_at = 0;
			if (s->faults && sim_may_crash(s)) {
				vsr_sim_crash(s, i, 1 + sim_disk_below(s, 20));
				continue;
			}
		}
		/* A failed flush fails the replica; its admin adds it back. */
		if (sim_flush_fails(s, nd)) {
			s->res.flush_failed++;
			vsr_sim_crash(s, i, 5 + sim_stream_below(&s->fault_rng,
								 40));
			continue;
		}
		/* Clocks drift: a slow one misses ticks. */
		if (!nd->skew_pm || !sim_pm(s, nd->skew_pm))
			vsr_replica_tick(nd->r);
		/* ... and a fast one ticks twice now and then. */
		if (nd->fast_pm && sim_pm(s, nd->fast_pm))
			vsr_replica_tick(nd->r);
		sim_disk(s, nd);
		sim_flush(s, nd->r);
	}
	sim_check(s);
	return s->violation;
}

/**
 * vsr_sim_idle() - no outstanding client operation and a converged cluster
 * @s: simulator
 *
 * Return: true when every replica is up, every member of the newest epoch
 * normal in the same view with a whole log and has applied everything the
 * primary has, and every other replica knows that it was removed (or is
 * a joining replica that no epoch named since it started).
 */
bool vsr_sim_idle(const struct vsr_sim *s)
{
	const struct vsr_sim_conf *c = &s->conf[0];
	const struct vsr_sim_node *nd = &s->node[c->node[0]];
	struct vsr_core_status st, p;
	u32 i, pn;

	for (i = 0; i < s->nclients; i++)
		if (s->client[i].busy)
			return false;
	if (!nd->up || nd->r->epoch != c->epoch || nd->r->n != c->n)
		return false;
	vsr_replica_get_status(nd->r, &p);
	pn = get_unaligned_le32(nd->r->members[p.primary].b) - 1;
	if (!s->node[pn].up)
		return false;
	vsr_replica_get_status(s->node[pn].r, &p);
	if (!p.is_primary || p.abdicated || p.commit != p.op)
		return false;
	for (i = 0; i < s->n; i++) {
		if (!s->node[i].up)
			return false;
		vsr_replica_get_status(s->node[i].r, &st);
		if (!sim_conf_has(c, i)) {
			if (st.status != VSR_STATUS_REMOVED &&
			    st.status != VSR_STATUS_JOINING)
				return false;
			continue;
		}
		if (st.status != VSR_STATUS_NORMAL || st.epoch != p.epoch ||
		    st.view != p.view ||
		    st.log_view != p.view || st.commit != p.commit)
			return false;
	}
	return true;
}

/*
 * The limit of the incarnation model (protocol.rst, Epochs and
 * incarnations): only the incarnation a RECONFIG recorded for a member
 * enters the new epoch without recovering.  If fewer than a quorum of the
 * newest epoch's members entered it so and still run, restarts around the
 * change cost more than the epoch's f, and it may never recover: counted
 * (res.wedged), not failed.  A durable member restarted from a disk of the
 * epoch before that holds its history stands for the recorded incarnation
 * (vsr_recorded()): no excuse.
 */
static bool sim_epoch_wedged(struct vsr_sim *s)
{
	const struct vsr_sim_conf *c = &s->conf[0];
	u32 i, epoch = c->epoch, normal = 0, stuck = 0;

	if (!epoch)
		return false;
	for (i = 0; i < c->n; i++) {
		const struct vsr_sim_node *nd = &s->node[c->node[i]];

		if (nd->up && nd->seen_epoch == epoch && nd->entered_normal)
			normal++;
		else if (nd->up && (nd->r->incarnation == c->inc[i] ||
				    nd->restored_from + 1 == epoch))
			stuck++;
	}
	/*
	 * Only members that could not enter normal excuse it: down, or
	 * running as another incarnation than the one the op recorded (a
	 * successor, or one the primary gave up waiting for).  A recorded
	 * incarnation that runs and never entered normal is a failure.
	 */
	if (normal >= c->n / 2 + 1 || stuck)
		return false;
	pr_info("vsr_sim: seed=%llu n=%u: epoch %u wedged, %u entered it normal\n",
		(unsigned long long)s->p.seed, s->n, epoch, normal);
	return true;
}

static void sim_dump(struct vsr_sim *s)
{
	struct vsr_core_status st;
	u32 i;

	for (i = 0; i < s->n; i++) {
		if (!s->node[i].up) {
			pr_info("vsr_sim:  replica %u down\n", i);
			continue;
		}
		vsr_replica_get_status(s->node[i].r, &st);
		pr_info("vsr_sim:  replica %u status %u epoch %u view %u log_view %u op %llu commit %llu trim %llu%s\n",
			i, st.status, st.epoch, st.view, st.log_view,
			(unsigned long long)st.op,
			(unsigned long long)st.commit,
			(unsigned long long)st.trim,
			st.abdicated ? " abdicated" : "");
	}
	for (i = 0; i < s->nclients; i++)
		pr_info("vsr_sim:  client %u origin %u session %llu busy %d registering %d request %llu\n",
			i, s->client[i].origin,
			(unsigned long long)s->client[i].session,
			s->client[i].busy, s->client[i].registering,
			(unsigned long long)s->client[i].request);
}

/* Clients write on, as during the faults. */
static void sim_quiet_step(struct vsr_sim *s)
{
	u32 i;

	for (i = 0; i < s->nclients; i++)
		if (!s->client[i].busy && sim_pm(s, s->issue_pm))
			vsr_sim_issue(s, i);
	vsr_sim_step(s);
}

/*
 * Stable once healed: after the cluster converged, clients write on for
 * two abdication windows with every replica up and the network clean
 * (only the usual delays, slow disks and clocks that drift): the primary
 * must not give way.  A primary that abdicates then for want of a quorum
 * heard (the core counts those apart, vsr_core_status.unheard), with no
 * replica down or failed meanwhile, hears its backups too late: a
 * violation.  A backup that held back its acks while its disk writes,
 * with no limit, is found so (seed 48).  A primary whose own disk kept
 * its ring full gives way by design, and a backup whose clock runs fast
 * may start a view change: neither counts.  Nor do the tightest timeouts,
 * where the delays alone make an ack late: there the first version of
 * the held-back acks (vsr_ack_waits()) failed, which only the scripted
 * vsr_durable_ack_repeat_abdicate finds.
 */
static void sim_quiet(struct vsr_sim *s)
{
	struct vsr_core_status st;
	const struct vsr_replica *r;
	u64 end = s->now, unheard, watch_end, count_from, settle;
	bool watch;
	u32 i, epoch;
	int p;

	/*
	 * First, what the faults left in flight (replays, long delays) is
	 * delivered, and the cluster settles again (an old STARTVIEWCHANGE
	 * may start a view change).
	 */
	for (i = 0; i < s->npkt; i++)
		end = max(end, s->pkt[i].at / s->rounds);
	while (!s->violation && s->now < end)
		vsr_sim_step(s);
	end = s->now + 3000;
	while (!s->violation && !vsr_sim_idle(s) && s->now < end)
		vsr_sim_step(s);
	p = sim_primary(s);
	if (s->violation || !vsr_sim_idle(s) || p < 0)
		return;
	r = s->node[p].r;
	/*
	 * Only where acks cannot be late by a whole window: a datagram takes
	 * up to delay_max ticks (now and then up to five times that), a
	 * backup answers each heartbeat.
	 */
	watch = 3ULL * r->cfg.heartbeat_ticks + 6ULL * s->delay_max <=
		r->cfg.abdicate_ticks;
	vsr_replica_get_status(r, &st);
	unheard = st.unheard;
	epoch = r->epoch;
	watch_end = s->now + (watch ? 2ULL * r->cfg.abdicate_ticks : 0);
	/*
	 * The notices: once every member heard every other (a notice of the
	 * epoch counts, and is answered), none tells another of the epoch.
	 * They have a few repair intervals and long round trips to settle,
	 * on clocks that run slow, and then an abdication window in which
	 * none may be sent.
	 */
	settle = 5ULL * r->cfg.repair_ticks + 12ULL * s->delay_max;
	count_from = s->now + max_t(u64, r->cfg.abdicate_ticks, settle);
	end = max(watch_end, count_from + r->cfg.abdicate_ticks);
	if (watch)
		s->res.quiet++;
	while (!s->violation && s->now < end) {
		if (s->now == count_from) {
			s->count_notices = true;
			s->own_notices = 0;
			s->own_answers = 0;
		}
		/* Clients write on through the watch only. */
		if (s->now < watch_end)
			sim_quiet_step(s);
		else
			vsr_sim_step(s);
		for (i = 0; i < s->n; i++)
			if (!s->node[i].up ||
			    s->node[i].r->status == VSR_STATUS_FAILED)
				break;
		r = s->node[p].r;
		if (i < s->n || r->epoch != epoch) {
			s->count_notices = false;
			return;
		}
		if (s->now > watch_end)
			continue;
		vsr_replica_get_status(r, &st);
		if (st.unheard != unheard) {
			s->count_notices = false;
			sim_fail(s, "liveness: the primary gave way, hearing no quorum, with every replica up and the network clean",
				 p, r->view);
			sim_dump(s);
			return;
		}
	}
	s->count_notices = false;
	/* Answers only to notices sent just before the window. */
	if (!s->violation &&
	    (s->own_notices || s->own_answers > s->n * s->n)) {
		sim_fail(s, "liveness: members of an epoch, all up, kept telling each other of it (notices, answers)",
			 s->own_notices, s->own_answers);
		sim_dump(s);
		return;
	}
	if (watch)
		s->res.quiet_ok++;
}

/**
 * vsr_sim_run_seed() - run one seed: faults, then healing and liveness
 * @p: parameters
 * @total: counters to add this seed's to
 *
 * Return: 0, or 1 on a violation (already printed with its seed).
 */
int vsr_sim_run_seed(const struct vsr_sim_params *p,
		     struct vsr_sim_result *total)
{
	struct vsr_sim *s = vsr_sim_create(p);
	u64 healed;
	int ret;
	u32 i;

	if (!s)
		return -ENOMEM;
	while (!s->violation && (s->now < p->fault_ticks || sim_ep_lasts(s)))
		vsr_sim_step(s);
	healed = s->now;
	sim_heal(s);
	while (!s->violation && !vsr_sim_idle(s) &&
	       s->now < healed + p->live_ticks)
		vsr_sim_step(s);
	/* Half of the seeds (watching every one would cost 60 % more ticks). */
	if (!s->violation && vsr_sim_idle(s) && sim_below(s, 2)) {
		sim_quiet(s);
		while (!s->violation && !vsr_sim_idle(s) &&
		       s->now < healed + p->live_ticks)
			vsr_sim_step(s);
	}
	if (!s->violation && !vsr_sim_idle(s) &&
	    (sim_epoch_wedged(s) || s->beyond_f || s->power_early)) {
		s->res.wedged++;
		if (s->power_early && !s->beyond_f)
			s->res.power_early++;
	} else if (!s->violation && !vsr_sim_idle(s)) {
		for (i = 0; i < s->nclients; i++)
			if (s->client[i].busy)
				break;
		sim_fail(s, "liveness: no convergence after faults stopped",
			 i, s->now);
		sim_dump(s);
	}
	s->res.ops = s->golden_max;
	if (s->now - healed > total->live_max)
		total->live_max = s->now - healed;
	for (i = 0; i < s->n; i++) {
		struct vsr_core_status st;

		if (!s->node[i].up)
			continue;
		vsr_replica_get_status(s->node[i].r, &st);
		s->res.checkpoints += st.checkpoints;
		if (st.epoch > total->epochs)
			total->epochs = st.epoch;
	}
	total->reconfigs += s->res.reconfigs;
	total->shrinks += s->res.shrinks;
	total->forwarded += s->res.forwarded;
	total->grows += s->res.grows;
	total->joins += s->res.joins;
	total->learned += s->res.learned;
	total->wedged += s->res.wedged;
	total->restores += s->res.restores;
	total->restores_epoch += s->res.restores_epoch;
	total->power_early += s->res.power_early;
	total->power_losses += s->res.power_losses;
	total->lowered += s->res.lowered;
	total->restores_refused += s->res.restores_refused;
	total->raised += s->res.raised;
	total->torn += s->res.torn;
	total->damaged += s->res.damaged;
	total->stale += s->res.stale;
	total->copy_faults += s->res.copy_faults;
	total->mended += s->res.mended;
	total->wiped += s->res.wiped;
	total->flush_failed += s->res.flush_failed;
	total->quiet += s->res.quiet;
	total->quiet_ok += s->res.quiet_ok;
	total->subtick += s->res.subtick;
	total->held += s->res.held;
	total->checkpoints += s->res.checkpoints;
	total->evictions += s->res.evictions;
	total->chunks += s->res.chunks;
	total->chunks_ckpt += s->res.chunks_ckpt;
	total->replays += s->res.replays;
	total->alloc_fails += s->res.alloc_fails;
	total->episodes += s->res.episodes;
	total->barriers += s->res.barriers;
	total->seeds++;
	total->ops += s->res.ops;
	total->records += s->res.records;
	total->acked += s->res.acked;
	total->view_changes += s->res.view_changes;
	total->recoveries += s->res.recoveries;
	total->messages += s->res.messages;
	total->ticks += s->now;
	total->violations += s->violation ? 1 : 0;
	ret = s->violation;
	vsr_sim_destroy(s);
	return ret;
}
