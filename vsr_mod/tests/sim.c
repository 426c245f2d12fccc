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
#include "sim.h"

struct vsr_sim_pkt {
	u64 at;
	u32 from;
	u32 to;
	u32 len;
	u8 *buf;
};

#define SIM_PKT_MAX	50000
#define SIM_RETRY	15
/* Small datagrams (most are header-only) come from a free list. */
#define SIM_SMALL	256

static const char *const vsr_sim_cmd[] = {
	"?", "REQUEST", "PREPARE", "PREPAREOK", "COMMIT", "SVC", "DVC", "SV",
	"GETSTATE", "NEWSTATE", "RECOVERY", "RECOVERYRESP",
};

#define sim_trace(s, fmt, ...) do {					\
	if ((s)->p.trace)						\
		pr_info("sim %llu: " fmt "\n",				\
			(unsigned long long)(s)->now, ##__VA_ARGS__);	\
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
	pr_info("vsr_sim: VIOLATION seed=%llu tick=%llu: %s\n",
		(unsigned long long)s->p.seed, (unsigned long long)s->now,
		s->why);
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
	p->at = s->now + delay;
	s->npkt++;
	if (s->corrupt_pm && sim_pm(s, s->corrupt_pm))
		p->buf[sim_below(s, len)] ^= 1u << sim_below(s, 8);
}

static u64 sim_delay(struct vsr_sim *s)
{
	u64 d = 1 + sim_below(s, s->delay_max);

	if (sim_pm(s, 20))
		d += sim_below(s, 4 * s->delay_max + 1);
	return d;
}

static void sim_send(void *ctx, unsigned int to, const void *buf, size_t len)
{
	struct vsr_sim_node *nd = ctx;
	struct vsr_sim *s = nd->sim;
	u32 from = nd->idx;

	s->res.messages++;
	if (WARN_ON_ONCE(to >= s->n || len > VSR_MSG_MAX))
		return;
	if (s->block[from][to])
		return;
	if (s->filter && s->filter(s, from, to, buf, len))
		return;
	if (s->loss_pm && sim_pm(s, s->loss_pm))
		return;
	sim_enqueue(s, from, to, buf, len, sim_delay(s));
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

static void sim_deliver(struct vsr_sim *s)
{
	struct vsr_sim_pkt p;
	u32 i = 0;

	while (i < s->npkt) {
		if (s->pkt[i].at > s->now ||
		    s->node[s->pkt[i].to].paused_until > s->now) {
			i++;
			continue;
		}
		p = s->pkt[i];
		s->pkt[i] = s->pkt[--s->npkt];
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
			vsr_replica_receive(s->node[p.to].r, p.buf, p.len);
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

	sim_trace(nd->sim, "replica %u status %u view %u log_view %u op %llu commit %llu%s",
		  nd->idx, st->status, st->view, st->log_view,
		  (unsigned long long)st->op, (unsigned long long)st->commit,
		  st->abdicated ? " abdicated" : "");
}

static const struct vsr_ops sim_ops = {
	.send = sim_send,
	.reply = sim_reply,
	.commit = sim_commit,
	.status = sim_status,
};

static void sim_check(struct vsr_sim *s)
{
	struct vsr_core_status st;
	u64 id;
	u32 i;

	for (i = 0; i < s->n; i++) {
		struct vsr_sim_node *nd = &s->node[i];

		if (!nd->up)
			continue;
		vsr_replica_get_status(nd->r, &st);
		if (st.commit < nd->last_commit)
			sim_fail(s, "commit number went backwards", i,
				 st.commit);
		nd->last_commit = st.commit;
		if (nd->recovering && st.status == VSR_STATUS_NORMAL) {
			nd->recovering = false;
			s->res.recoveries++;
		}
		if (st.view > s->res.view_changes)
			s->res.view_changes = st.view;
		if (!st.is_primary)
			continue;
		if (!sim_grow((void **)&s->view_primary, &s->view_cap,
			      st.view, sizeof(u64)))
			continue;
		id = ((u64)i << 32 | nd->incarnation) + 1;
		if (!s->view_primary[st.view])
			s->view_primary[st.view] = id;
		else if (s->view_primary[st.view] != id)
			sim_fail(s, "two normal primaries in one view", st.view,
				 i);
	}
}

/* ---- replicas and clients --------------------------------------------- */

static void sim_start(struct vsr_sim *s, u32 i)
{
	struct vsr_sim_node *nd = &s->node[i];
	struct vsr_core_config cfg = s->cfg;

	cfg.replica = i;
	cfg.seed = sim_rnd(s);
	nd->sim = s;
	nd->idx = i;
	nd->incarnation++;
	nd->last_commit = 0;
	nd->last_applied = 0;
	nd->recovering = nd->incarnation > 1;
	nd->r = vsr_replica_create(&cfg, &sim_ops, nd);
	nd->up = nd->r != NULL;
	if (!nd->up)
		sim_fail(s, "replica create failed", i, 0);
	sim_trace(s, "replica %u started (incarnation %llu)", i,
		  (unsigned long long)nd->incarnation);
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
	vsr_replica_get_status(nd->r, &st);
	s->res.checkpoints += st.checkpoints;
	vsr_replica_destroy(nd->r);
	nd->r = NULL;
	nd->up = false;
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

static void sim_try(struct vsr_sim *s, u32 c)
{
	struct vsr_sim_client *cl = &s->client[c];
	int err;

	if (!s->node[cl->origin].up ||
	    s->node[cl->origin].paused_until > s->now ||
	    (cl->last_try && sim_pm(s, 300))) {
		u32 o = sim_below(s, s->n);

		if (s->node[o].up && !s->p.scripted)
			cl->origin = o;
		if (!s->node[cl->origin].up ||
		    s->node[cl->origin].paused_until > s->now)
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

static u32 sim_unhealthy(struct vsr_sim *s)
{
	struct vsr_core_status st;
	u32 i, k = 0;

	for (i = 0; i < s->n; i++) {
		if (!s->node[i].up) {
			k++;
			continue;
		}
		vsr_replica_get_status(s->node[i].r, &st);
		if (st.status == VSR_STATUS_RECOVERING)
			k++;
	}
	return k;
}

static void sim_partition(struct vsr_sim *s)
{
	u32 mode = sim_below(s, 6), a = sim_below(s, s->n), i, j;

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

static void sim_faults(struct vsr_sim *s)
{
	u32 i;

	if (s->now >= s->part_until && sim_below(s, 10000) < s->part_pm)
		sim_partition(s);
	else if (s->now >= s->part_until)
		memset(s->block, 0, sizeof(s->block));
	if (s->n >= 3 && sim_below(s, 10000) < s->crash_pm &&
	    sim_unhealthy(s) < (s->n - 1) / 2) {
		i = sim_below(s, s->n);
		vsr_sim_crash(s, i, 5 + sim_below(s, 100));
	}
	/* A stall (VM pause, long softirq): no ticks, no deliveries. */
	if (sim_below(s, 10000) < s->pause_pm) {
		i = sim_below(s, s->n);
		s->node[i].paused_until = s->now + 5 + sim_below(s, 60);
		sim_trace(s, "replica %u paused", i);
	}
	/* An explicit trim now and then (any replica, fire and forget). */
	if (sim_pm(s, 5)) {
		struct vsr_core_status st;

		i = sim_below(s, s->n);
		if (s->node[i].up) {
			vsr_replica_get_status(s->node[i].r, &st);
			vsr_replica_submit(s->node[i].r, VSR_OP_TRIM, 0,
					   st.commit + 1 - sim_below(s, 8),
					   NULL, 0);
		}
	}
}

static void sim_heal(struct vsr_sim *s)
{
	u32 i;

	memset(s->block, 0, sizeof(s->block));
	s->loss_pm = 0;
	s->dup_pm = 0;
	s->corrupt_pm = 0;
	s->faults = false;
	for (i = 0; i < s->n; i++)
		s->node[i].paused_until = 0;
	sim_trace(s, "faults stop");
}

/* ---- driver ----------------------------------------------------------- */

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
	r = sim_below(s, 20);
	s->n = p->replicas ? p->replicas :
	       r < 2 ? 1 : r < 12 ? 3 : r < 19 ? 5 : 7;
	vsr_core_config_defaults(&s->cfg);
	s->cfg.cluster = sim_rnd(s);
	s->cfg.replica_count = s->n;
	s->cfg.gfp = GFP_KERNEL;
	s->cfg.paper_truncate_defect = p->paper_truncate_defect;
	s->cfg.log_max = 24 + sim_below(s, 200);
	s->cfg.pipeline_max = 1 + sim_below(s, min_t(u32, 32,
						     s->cfg.log_max / 4));
	s->cfg.retain = 4 + sim_below(s, (s->cfg.log_max -
					   s->cfg.pipeline_max - 10) * 2 / 3);
	s->cfg.sessions_max = 1 + sim_below(s, 8);
	s->cfg.heartbeat_ticks = 1 + sim_below(s, 4);
	s->cfg.view_change_ticks = 8 + sim_below(s, 24);
	s->cfg.abdicate_ticks = s->cfg.view_change_ticks;
	s->cfg.repair_ticks = 2 + sim_below(s, 5);
	s->cfg.recovery_ticks = 20 + sim_below(s, 40);
	s->nclients = 1 + sim_below(s, VSR_SIM_CLIENTS_MAX);
	s->delay_max = 1 + sim_below(s, 6);
	s->issue_pm = 50 + sim_below(s, 500);
	if (!p->scripted) {
		s->faults = true;
		s->loss_pm = sim_pm(s, 200) ? 0 : sim_below(s, 301);
		s->dup_pm = sim_below(s, 200);
		s->corrupt_pm = sim_below(s, 20);
		s->crash_pm = sim_pm(s, 300) ? 0 : sim_below(s, 100);
		s->part_pm = sim_pm(s, 300) ? 0 : sim_below(s, 300);
		s->pause_pm = sim_pm(s, 500) ? 0 : sim_below(s, 100);
		for (i = 0; i < s->n; i++)
			s->node[i].skew_pm = sim_pm(s, 500) ? 0 :
					     sim_below(s, 200);
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
	sim_trace(s, "seed %llu: n=%u clients=%u loss=%u dup=%u corrupt=%u delay<=%u crash=%u pause=%u part=%u log=%u pipe=%u retain=%u sessions=%u",
		  (unsigned long long)p->seed, s->n, s->nclients, s->loss_pm,
		  s->dup_pm, s->corrupt_pm, s->delay_max, s->crash_pm,
		  s->pause_pm, s->part_pm, s->cfg.log_max, s->cfg.pipeline_max,
		  s->cfg.retain, s->cfg.sessions_max);
	for (i = 0; i < s->n; i++)
		sim_start(s, i);
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
	while (s->nfree)
		kvfree(s->free[--s->nfree]);
	kvfree(s->buf);
	kvfree(s->pkt);
	kvfree(s->golden);
	kvfree(s->view_primary);
	kvfree(s->rec_keys);
	kvfree(s);
}

/**
 * vsr_sim_step() - one tick of the whole cluster, then the checks
 * @s: simulator
 *
 * Return: 0, or 1 once a violation was found.
 */
int vsr_sim_step(struct vsr_sim *s)
{
	u32 i;

	s->now++;
	for (i = 0; i < s->n; i++)
		if (!s->node[i].up && s->node[i].incarnation &&
		    s->now >= s->node[i].down_until)
			sim_start(s, i);
	if (s->faults)
		sim_faults(s);
	sim_deliver(s);
	if (!s->p.scripted)
		sim_clients(s, s->faults);
	else
		sim_clients(s, false);
	for (i = 0; i < s->n; i++) {
		struct vsr_sim_node *nd = &s->node[i];

		if (!nd->up || nd->paused_until > s->now)
			continue;
		/* Clocks drift: a slow one misses ticks. */
		if (!nd->skew_pm || !sim_pm(s, nd->skew_pm))
			vsr_replica_tick(nd->r);
		vsr_replica_flush(nd->r);
	}
	sim_check(s);
	return s->violation;
}

/**
 * vsr_sim_idle() - no outstanding client operation and a converged cluster
 * @s: simulator
 *
 * Return: true when every replica is up, normal in the same view with a
 * whole log, and has applied everything the primary has.
 */
bool vsr_sim_idle(const struct vsr_sim *s)
{
	struct vsr_core_status st, p;
	u32 i;

	for (i = 0; i < s->nclients; i++)
		if (s->client[i].busy)
			return false;
	if (!s->node[0].up)
		return false;
	vsr_replica_get_status(s->node[0].r, &p);
	if (!s->node[p.primary].up)
		return false;
	vsr_replica_get_status(s->node[p.primary].r, &p);
	if (!p.is_primary || p.abdicated || p.commit != p.op)
		return false;
	for (i = 0; i < s->n; i++) {
		if (!s->node[i].up)
			return false;
		vsr_replica_get_status(s->node[i].r, &st);
		if (st.status != VSR_STATUS_NORMAL || st.view != p.view ||
		    st.log_view != p.view || st.commit != p.commit)
			return false;
	}
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
		pr_info("vsr_sim:  replica %u status %u view %u log_view %u op %llu commit %llu trim %llu%s\n",
			i, st.status, st.view, st.log_view,
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
	int ret;
	u32 i;

	if (!s)
		return -ENOMEM;
	while (!s->violation && s->now < p->fault_ticks)
		vsr_sim_step(s);
	sim_heal(s);
	while (!s->violation && !vsr_sim_idle(s) &&
	       s->now < (u64)p->fault_ticks + p->live_ticks)
		vsr_sim_step(s);
	if (!s->violation && !vsr_sim_idle(s)) {
		for (i = 0; i < s->nclients; i++)
			if (s->client[i].busy)
				break;
		sim_fail(s, "liveness: no convergence after faults stopped",
			 i, s->now);
		sim_dump(s);
	}
	s->res.ops = s->golden_max;
	if (s->now - p->fault_ticks > total->live_max)
		total->live_max = s->now - p->fault_ticks;
	for (i = 0; i < s->n; i++) {
		struct vsr_core_status st;

		if (!s->node[i].up)
			continue;
		vsr_replica_get_status(s->node[i].r, &st);
		s->res.checkpoints += st.checkpoints;
	}
	total->checkpoints += s->res.checkpoints;
	total->evictions += s->res.evictions;
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
