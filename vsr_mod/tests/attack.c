// SPDX-License-Identifier: GPL-2.0
/*
 * attack.c - scenarios from a hostile review of the incarnation fixes
 * (included by vsr_kunit.c): a counted vote of a dead incarnation, a NEWSTATE
 * meant for an earlier incarnation, a restarted primary of a 2-replica
 * cluster, bootstrap on answers of different moments.  Each scripts a trace that lost an acknowledged op with an
 * earlier design and asserts that it no longer does.
 * Run natively: tools/sim/vsr-unit vsr_attack
 */

struct atk_msg {
	u8 *buf;
	size_t len;
};

struct atk_ctx {
	int phase;
	struct atk_msg m[4];
};

static void atk_hold(struct atk_msg *m, const u8 *buf, size_t len)
{
	if (m->len || len > VSR_MSG_MAX)
		return;
	memcpy(m->buf, buf, len);
	m->len = len;
}

static bool atk_init(struct atk_ctx *c)
{
	u32 i;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < ARRAY_SIZE(c->m); i++) {
		c->m[i].buf = kvmalloc(VSR_MSG_MAX, GFP_KERNEL);
		if (!c->m[i].buf)
			return false;
	}
	return true;
}

static void atk_fini(struct atk_ctx *c)
{
	u32 i;

	for (i = 0; i < ARRAY_SIZE(c->m); i++)
		kvfree(c->m[i].buf);
}

static bool is_vc(const struct vsr_hdr *h)
{
	return h->command == VSR_CMD_STARTVIEWCHANGE ||
	       h->command == VSR_CMD_DOVIEWCHANGE;
}

/* ==== B: a counted vote of a dead incarnation ============================ */

/*
 * n = 3, P = R0 (view 0), X = R1 (primary of view 1), R = R2.
 *  1. X misses R0's heartbeats and votes for view 1; its STARTVIEWCHANGE to
 *     R is held, the others lost.  X crashes and recovers (X') into view 0:
 *     X' remembers no vote.
 *  2. R misses R0's heartbeats and votes for view 1; then X's old vote
 *     arrives: R counts {R, X} = a quorum and enters view change 1; its
 *     DOVIEWCHANGE(1) to R1 is held, its STARTVIEWCHANGEs are lost.
 *  3. R crashes and recovers (R'): answers from R0 (vote 0) and X' (vote
 *     0): floor 0 -- the quorum R' needed to meet had X's dead incarnation
 *     in it.  R' recovers into view 0 and acks.
 *  4. Y commits on R0 and R' (X' hears nothing of R0).
 *  5. R's old DOVIEWCHANGE(1) reaches X': X' enters view change 1 and has a
 *     quorum {X', R}: view 1 without Y.
 */
static bool b_filter(struct vsr_sim *s, u32 from, u32 to, const u8 *buf,
		     size_t len)
{
	struct atk_ctx *c = s->filter_ctx;
	struct vsr_hdr h;

	vsr_hdr_get(buf, &h);
	switch (c->phase) {
	case 1:
		if (from == 1 && is_vc(&h)) {
			if (to == 2 && h.command == VSR_CMD_STARTVIEWCHANGE)
				atk_hold(&c->m[0], buf, len);
			return true;
		}
		return false;
	case 2:
		if (from == 2 && is_vc(&h)) {
			if (to == 1 && h.command == VSR_CMD_DOVIEWCHANGE)
				atk_hold(&c->m[1], buf, len);
			return true;
		}
		return false;
	case 4:
		return from == 0 && to == 1;
	default:
		return false;
	}
}

static void vsr_attack_dead_voter(struct kunit *test)
{
	struct vsr_sim *s = scripted(3, 43, false);
	struct atk_ctx c;
	struct vsr_core_status a, b;
	u64 y;
	u32 t;

	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_ASSERT_TRUE(test, atk_init(&c));
	s->filter = b_filter;
	s->filter_ctx = &c;
	KUNIT_ASSERT_TRUE(test, run_until_idle(s, 2000));
	st(s, 0, &a);
	KUNIT_ASSERT_TRUE(test, a.is_primary);

	/* 1. X votes (held to R), crashes, recovers into view 0. */
	c.phase = 1;
	s->block[0][1] = true;
	for (t = 0; t < 300 && !c.m[0].len; t++)
		vsr_sim_step(s);
	KUNIT_ASSERT_NE(test, c.m[0].len, (size_t)0);
	vsr_sim_crash(s, 1, 1);
	s->block[0][1] = false;
	for (t = 0; t < 300; t++) {
		vsr_sim_step(s);
		st(s, 1, &b);
		if (b.status == VSR_STATUS_NORMAL && b.log_view == b.view)
			break;
	}
	KUNIT_ASSERT_EQ(test, b.status, (u32)VSR_STATUS_NORMAL);
	KUNIT_ASSERT_EQ(test, b.view, 0u);
	KUNIT_EXPECT_EQ(test, s->node[1].r->vote_view[1], 0u);

	/* 2. R votes; X's old vote arrives; R enters view change 1. */
	c.phase = 2;
	s->block[0][2] = true;
	for (t = 0; t < 300 && s->node[2].r->vote_view[2] < 1; t++)
		vsr_sim_step(s);
	st(s, 2, &b);
	KUNIT_ASSERT_EQ(test, b.status, (u32)VSR_STATUS_NORMAL);
	KUNIT_ASSERT_EQ(test, s->node[2].r->vote_view[2], 1u);
	/* Alone R's vote is no quorum: only X's dead vote makes one. */
	vsr_replica_receive(s->node[2].r, c.m[0].buf, c.m[0].len);
	st(s, 2, &b);
	KUNIT_ASSERT_EQ(test, b.status, (u32)VSR_STATUS_VIEW_CHANGE);
	for (t = 0; t < 5; t++)
		vsr_sim_step(s);
	st(s, 2, &b);
	KUNIT_ASSERT_EQ(test, b.status, (u32)VSR_STATUS_VIEW_CHANGE);
	KUNIT_ASSERT_EQ(test, b.view, 1u);
	KUNIT_ASSERT_NE(test, c.m[1].len, (size_t)0);

	/* 3. R crashes; R' recovers into view 0 (floor 0). */
	c.phase = 3;
	vsr_sim_crash(s, 2, 1);
	s->block[0][2] = false;
	for (t = 0; t < 300; t++) {
		vsr_sim_step(s);
		st(s, 2, &b);
		if (b.status == VSR_STATUS_NORMAL && b.log_view == b.view)
			break;
	}
	KUNIT_ASSERT_EQ(test, b.status, (u32)VSR_STATUS_NORMAL);
	KUNIT_ASSERT_EQ(test, b.view, 0u);

	/* 4. Y commits on R0 and R'. */
	c.phase = 4;
	st(s, 0, &a);
	y = a.op + 1;
	vsr_sim_issue(s, 0);
	for (t = 0; t < 25 && s->client[0].busy; t++)
		vsr_sim_step(s);
	KUNIT_ASSERT_EQ(test, s->client[0].acked, 1ull);
	st(s, 1, &a);
	KUNIT_EXPECT_LT(test, a.op, y);

	/* 5. R's old DOVIEWCHANGE reaches X'. */
	vsr_replica_receive(s->node[1].r, c.m[1].buf, c.m[1].len);
	st(s, 1, &a);
	kunit_info(test, "X': view %u primary %d op %llu (Y at %llu)\n",
		   a.view, a.is_primary, (unsigned long long)a.op,
		   (unsigned long long)y);
	KUNIT_EXPECT_FALSE(test, a.is_primary && a.view >= 1 && a.op < y);
	c.phase = 0;
	s->client[1].origin = 1;
	vsr_sim_issue(s, 1);
	for (t = 0; t < 2000 && !s->violation && !vsr_sim_idle(s); t++)
		vsr_sim_step(s);
	if (s->violation)
		kunit_info(test, "violation: %s\n", s->why);
	KUNIT_EXPECT_EQ(test, s->violation, 0);
	atk_fini(&c);
	vsr_sim_destroy(s);
}

/* ==== C: a NEWSTATE meant for an earlier incarnation ends recovery ====== */

/*
 * n = 3, P = R0, S = R1, R = R2.
 *  1. R crashes and recovers (R'); P's first NEWSTATE to R' (ops 1..h, from
 *     op 1) is copied.
 *  2. Y = h + 1 commits on P and R' (S does not get it).
 *  3. R' crashes; R'' asks P, which answers with head Y.  The copied
 *     NEWSTATE (same source, same view, whole source, no nonce) arrives
 *     first: R'' holds h with P's checksum and completes there, without Y.
 *     Only P holds the committed Y now.
 *  4. P crashes (R'' is normal: one replica down).  S and R'' elect view 1
 *     without Y.
 */
static bool c_filter(struct vsr_sim *s, u32 from, u32 to, const u8 *buf,
		     size_t len)
{
	struct atk_ctx *c = s->filter_ctx;
	struct vsr_hdr h;

	vsr_hdr_get(buf, &h);
	switch (c->phase) {
	case 1:
		if (from == 0 && to == 2 && h.command == VSR_CMD_NEWSTATE &&
		    h.arg0 == 1)
			atk_hold(&c->m[0], buf, len);
		return false;
	case 2:	/* S never gets Y (COMMIT heartbeats still pass) */
		return from == 0 && to == 1 &&
		       (h.command == VSR_CMD_PREPARE ||
			h.command == VSR_CMD_NEWSTATE);
	case 3:	/* P's NEWSTATEs and PREPAREs to R'' are lost */
		if (from == 0 && to == 2 &&
		    (h.command == VSR_CMD_PREPARE ||
		     h.command == VSR_CMD_NEWSTATE))
			return true;
		return from == 0 && to == 1 &&
		       (h.command == VSR_CMD_PREPARE ||
			h.command == VSR_CMD_NEWSTATE);
	default:
		return false;
	}
}

static void vsr_attack_stale_newstate(struct kunit *test)
{
	struct vsr_sim *s = scripted(3, 47, false);
	struct atk_ctx c;
	struct vsr_core_status a, b;
	struct vsr_hdr held;
	u64 y;
	u32 t;

	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_ASSERT_TRUE(test, atk_init(&c));
	s->filter = c_filter;
	s->filter_ctx = &c;
	KUNIT_ASSERT_TRUE(test, run_until_idle(s, 2000));
	KUNIT_ASSERT_TRUE(test, write_records(s, 2));

	/* 1. R -> R'; copy P's first NEWSTATE to it. */
	c.phase = 1;
	vsr_sim_crash(s, 2, 1);
	KUNIT_ASSERT_TRUE(test, run_until_idle(s, 2000));
	KUNIT_ASSERT_NE(test, c.m[0].len, (size_t)0);
	vsr_hdr_get(c.m[0].buf, &held);
	st(s, 0, &a);
	KUNIT_ASSERT_EQ(test, held.op, a.op);
	y = a.op + 1;

	/* 2. Y commits on P and R'. */
	c.phase = 2;
	vsr_sim_issue(s, 0);
	for (t = 0; t < 25 && s->client[0].busy; t++)
		vsr_sim_step(s);
	KUNIT_ASSERT_EQ(test, s->client[0].acked, 3ull);
	st(s, 1, &a);
	KUNIT_EXPECT_LT(test, a.op, y);

	/* 3. R' -> R''; the copied NEWSTATE arrives during its fetch. */
	c.phase = 3;
	vsr_sim_crash(s, 2, 1);
	for (t = 0; t < 100; t++) {
		vsr_sim_step(s);
		if (s->node[2].up && s->node[2].r->fetch.active)
			break;
	}
	KUNIT_ASSERT_TRUE(test, s->node[2].up && s->node[2].r->fetch.active);
	KUNIT_EXPECT_GE(test, s->node[2].r->fetch.op, y);
	vsr_replica_receive(s->node[2].r, c.m[0].buf, c.m[0].len);
	st(s, 2, &b);
	kunit_info(test, "R'': status %u view %u lv %u op %llu commit %llu (Y at %llu)\n",
		   b.status, b.view, b.log_view, (unsigned long long)b.op,
		   (unsigned long long)b.commit, (unsigned long long)y);
	/* Safety: a recovered replica holds what its primary announced. */
	KUNIT_EXPECT_FALSE(test, b.status == VSR_STATUS_NORMAL && b.op < y);

	/* 4. P crashes; S and R'' elect view 1; S writes. */
	for (t = 0; t < 5; t++)
		vsr_sim_step(s);
	vsr_sim_crash(s, 0, 1000000);
	c.phase = 0;
	s->client[1].origin = 1;
	vsr_sim_issue(s, 1);
	for (t = 0; t < 2000 && !s->violation && s->client[1].busy; t++)
		vsr_sim_step(s);
	if (s->violation)
		kunit_info(test, "violation: %s\n", s->why);
	KUNIT_EXPECT_EQ(test, s->violation, 0);
	atk_fini(&c);
	vsr_sim_destroy(s);
}


/* ==== D: n = 2 (f = 0): a restarted primary of view 0 bootstraps ======== */

/*
 * Outside the failure model (f = 0 tolerates no crash), but shows what the
 * bootstrap rule does with even n: R0 (primary of view 0) restarts empty;
 * R1 answers "normal, view 0"; the recovery rule is out (R0 is the primary
 * of view 0), and bootstrap applies (got == n - 1, normal = 1 < quorum 2,
 * view 0, empty log): R0 is primary of view 0 again, with an empty log,
 * while R1 holds committed ops of view 0.
 */
static void vsr_attack_two_replicas_bootstrap(struct kunit *test)
{
	struct vsr_sim *s = scripted(2, 53, false);
	struct vsr_core_status a, b;
	u32 t;

	KUNIT_ASSERT_NOT_NULL(test, s);
	KUNIT_ASSERT_TRUE(test, run_until_idle(s, 2000));
	KUNIT_ASSERT_TRUE(test, write_records(s, 2));
	vsr_sim_crash(s, 0, 1);
	for (t = 0; t < 300 && !s->violation; t++)
		vsr_sim_step(s);
	st(s, 0, &a);
	st(s, 1, &b);
	kunit_info(test, "R0: status %u view %u op %llu; R1: status %u view %u op %llu\n",
		   a.status, a.view, (unsigned long long)a.op, b.status,
		   b.view, (unsigned long long)b.op);
	if (s->violation)
		kunit_info(test, "violation: %s\n", s->why);
	KUNIT_EXPECT_FALSE(test, a.is_primary && a.view == 0);
	KUNIT_EXPECT_EQ(test, s->violation, 0);
	vsr_sim_destroy(s);
}

/* ==== bootstrap counts stale "recovering" answers (n = 5) ======== */

/*
 * n = 5, q = 3, f = 2.  P = R0 (view 0), R1 is the primary of view 1.
 *  1. Y commits on {R0, R3, R4} (R1, R2 never get it).
 *  2. R4 crashes; R4' recovers.  R0's answers never reach it (lost); R1 and
 *     R2 answer "normal, view 0".
 *  3. R3 crashes; R3' answers R4' "recovering, nothing", then recovers
 *     from R0 (it holds Y).  Its later (normal) answers to R4' are lost.
 *     Down at any time: R4', R3' (2 = f).
 *  4. R0 crashes; R0' answers R4' "recovering, nothing".  Down: R4', R0'.
 *     R4' now has n - 1 answers, 2 < q normal, all view 0, an empty log,
 *     and is not the primary of view 0: it bootstraps, normal in view 0,
 *     log view 0, empty log ("whole" for view 0).
 *  5. View change 1 (primary R1) with {R1, R2, R4'} (R3's DOVIEWCHANGE is
 *     late): log view 0 everywhere, the longest is R1's, without Y.
 * The "recovering" answers came at different times, each within f; the
 * bootstrap rule treats them as one snapshot.
 */
struct e_ctx {
	int phase;
};

static bool e_filter(struct vsr_sim *s, u32 from, u32 to, const u8 *buf,
		     size_t len)
{
	struct e_ctx *c = s->filter_ctx;
	struct vsr_hdr h;

	vsr_hdr_get(buf, &h);
	if (c->phase >= 1 && c->phase < 5 && from == 0 && (to == 1 || to == 2) &&
	    (h.command == VSR_CMD_PREPARE || h.command == VSR_CMD_NEWSTATE))
		return true;
	if (c->phase >= 2 && c->phase < 5 && to == 4 &&
	    h.command == VSR_CMD_RECOVERYRESPONSE &&
	    (h.flags & VSR_RR_NORMAL) && from != 1 && from != 2)
		return true;
	if (c->phase == 5 && from == 3 && to == 1 && is_vc(&h))
		return true;
	return false;
}

static void vsr_attack_bootstrap_stale_answers(struct kunit *test)
{
	struct vsr_sim *s = scripted(5, 62, false);
	struct e_ctx c = { 0 };
	struct vsr_core_status a;
	u64 y;
	u32 t, i;

	KUNIT_ASSERT_NOT_NULL(test, s);
	s->filter = e_filter;
	s->filter_ctx = &c;
	KUNIT_ASSERT_TRUE(test, run_until_idle(s, 2000));
	KUNIT_ASSERT_TRUE(test, write_records(s, 2));
	st(s, 0, &a);
	KUNIT_ASSERT_TRUE(test, a.is_primary);

	/* 1. Y commits on R0, R3, R4. */
	c.phase = 1;
	y = a.op + 1;
	vsr_sim_issue(s, 0);
	for (t = 0; t < 50 && s->client[0].busy; t++)
		vsr_sim_step(s);
	KUNIT_ASSERT_EQ(test, s->client[0].acked, 3ull);
	st(s, 1, &a);
	KUNIT_ASSERT_TRUE(test, a.op < y);
	st(s, 2, &a);
	KUNIT_ASSERT_TRUE(test, a.op < y);

	/* 2. R4 crashes and starts recovering (one long attempt). */
	c.phase = 2;
	vsr_sim_crash(s, 4, 1);
	vsr_sim_step(s);
	KUNIT_ASSERT_TRUE(test, s->node[4].up);
	kunit_info(test, "R4 recovery_ticks %u (now %llu)\n", s->node[4].r->cfg.recovery_ticks, (unsigned long long)s->now);
	for (t = 0; t < 10; t++)
		vsr_sim_step(s);
	st(s, 4, &a);
	KUNIT_ASSERT_EQ(test, a.status, (u32)VSR_STATUS_RECOVERING);

	/* 3. R3 crashes, answers R4' while recovering, recovers (with Y). */
	c.phase = 3;
	vsr_sim_crash(s, 3, 1);
	for (t = 0; t < 300; t++) {
		vsr_sim_step(s);
		st(s, 3, &a);
		if (s->node[4].r->rr[3].have && a.status == VSR_STATUS_NORMAL &&
		    a.log_view == a.view)
			break;
	}
	KUNIT_ASSERT_TRUE(test, s->node[4].r->rr[3].have);
	KUNIT_ASSERT_FALSE(test, s->node[4].r->rr[3].normal);
	st(s, 3, &a);
	KUNIT_ASSERT_EQ(test, a.status, (u32)VSR_STATUS_NORMAL);
	KUNIT_ASSERT_GE(test, a.op, y);
	st(s, 4, &a);
	KUNIT_ASSERT_EQ(test, a.status, (u32)VSR_STATUS_RECOVERING);

	/* 4. R0 crashes; R0' answers R4' "nothing". */
	c.phase = 4;
	vsr_sim_crash(s, 0, 1);
	for (t = 0; t < 20; t++) {
		vsr_sim_step(s);
		st(s, 4, &a);
		if (a.status != VSR_STATUS_RECOVERING)
			break;
	}
	kunit_info(test, "R4': status %u view %u lv %u op %llu (Y at %llu)\n",
		   a.status, a.view, a.log_view, (unsigned long long)a.op,
		   (unsigned long long)y);
	/* Safety: nothing but a quorum-less start may bootstrap. */
	KUNIT_EXPECT_NE(test, a.status, (u32)VSR_STATUS_NORMAL);

	/* 5. View change 1 without R3. */
	c.phase = 5;
	for (t = 0; t < 400 && !s->violation; t++) {
		vsr_sim_step(s);
		st(s, 1, &a);
		if (a.is_primary && a.view >= 1)
			break;
	}
	st(s, 1, &a);
	kunit_info(test, "R1: primary %d view %u op %llu commit %llu (Y at %llu)\n",
		   a.is_primary, a.view, (unsigned long long)a.op,
		   (unsigned long long)a.commit, (unsigned long long)y);
	KUNIT_EXPECT_FALSE(test, a.is_primary && a.op < y);
	c.phase = 6;
	s->client[1].origin = 1;
	vsr_sim_issue(s, 1);
	for (t = 0; t < 3000 && !s->violation && !vsr_sim_idle(s); t++)
		vsr_sim_step(s);
	for (i = 0; i < 5; i++) {
		st(s, i, &a);
		kunit_info(test, "R%u: status %u view %u lv %u op %llu commit %llu\n",
			   i, a.status, a.view, a.log_view,
			   (unsigned long long)a.op, (unsigned long long)a.commit);
	}
	if (s->violation)
		kunit_info(test, "violation: %s\n", s->why);
	KUNIT_EXPECT_EQ(test, s->violation, 0);
	vsr_sim_destroy(s);
}

/* ==== a restarted primary of view 0 leads view 0 again (n = 5) === */

/*
 * Same root cause as the test above, against invariant 1.  n = 5, P = R0.
 *  0. R1 and R2 never receive anything from R0 (normal in view 0, op 0);
 *     ops commit on {R0, R3, R4}.
 *  1. R0 crashes; R0' asks.  R1 and R2 answer "normal, view 0, op 0";
 *     R3's and R4's normal answers are lost.
 *  2. R3 crashes; R3' answers R0' "recovering" (down: R0', R3').
 *  3. View change 1 (R1, R2, R4; primary R1, log of R4); R3' recovers into
 *     view 1 (down: R0').  Later answers of R1, R2 to R0' are lost.
 *  4. R4 crashes; R4' answers R0' "recovering" (down: R0', R4').  R0' holds
 *     4 answers, 2 normal (stale, view 0, empty): it bootstraps and leads
 *     view 0 again, over an empty log.
 * R0''s one recovery attempt spans the whole trace (its clock is slow: we
 * raise its recovery_ticks; timers are liveness-only in the model).
 */
struct f_ctx {
	int phase;
};

static bool f_filter(struct vsr_sim *s, u32 from, u32 to, const u8 *buf,
		     size_t len)
{
	struct f_ctx *c = s->filter_ctx;
	struct vsr_hdr h;

	vsr_hdr_get(buf, &h);
	if (from == 0 && (to == 1 || to == 2) &&
	    (h.command == VSR_CMD_PREPARE || h.command == VSR_CMD_NEWSTATE))
		return true;
	if (c->phase >= 1 && to == 0 && h.command == VSR_CMD_RECOVERYRESPONSE &&
	    (h.flags & VSR_RR_NORMAL)) {
		if (from == 3 || from == 4)
			return true;
		if (c->phase >= 3)
			return true;
	}
	/* R0' takes no part in anything else meanwhile. */
	if (c->phase >= 1 && c->phase < 5 && to == 0 &&
	    h.command != VSR_CMD_RECOVERYRESPONSE)
		return true;
	return false;
}

static void vsr_attack_view0_led_twice(struct kunit *test)
{
	struct vsr_sim *s = scripted(5, 67, false);
	struct f_ctx c = { 0 };
	struct vsr_core_status a;
	u32 t, i;

	KUNIT_ASSERT_NOT_NULL(test, s);
	s->filter = f_filter;
	s->filter_ctx = &c;
	for (t = 0; t < 200; t++)
		vsr_sim_step(s);
	for (i = 0; i < 5; i++) {
		st(s, i, &a);
		kunit_info(test, "R%u: status %u view %u lv %u op %llu commit %llu\n",
			   i, a.status, a.view, a.log_view,
			   (unsigned long long)a.op, (unsigned long long)a.commit);
	}
	st(s, 0, &a);
	KUNIT_ASSERT_TRUE(test, a.is_primary && a.commit > 0);
	st(s, 1, &a);
	KUNIT_ASSERT_TRUE(test, a.status == VSR_STATUS_NORMAL && a.op == 0);
	st(s, 2, &a);
	KUNIT_ASSERT_TRUE(test, a.status == VSR_STATUS_NORMAL && a.op == 0);

	/* 1. R0 crashes; R0' collects R1's and R2's answers. */
	c.phase = 1;
	vsr_sim_crash(s, 0, 1);
	vsr_sim_step(s);
	KUNIT_ASSERT_TRUE(test, s->node[0].up);
	s->node[0].r->cfg.recovery_ticks = 100000;
	for (t = 0; t < 20 && !(s->node[0].r->rr[1].have &&
				 s->node[0].r->rr[2].have); t++)
		vsr_sim_step(s);
	KUNIT_ASSERT_TRUE(test, s->node[0].r->rr[1].have &&
				s->node[0].r->rr[1].normal);
	KUNIT_ASSERT_TRUE(test, s->node[0].r->rr[2].have &&
				s->node[0].r->rr[2].normal);

	/* 2. R3 crashes; R3' answers R0' "recovering". */
	c.phase = 2;
	vsr_sim_crash(s, 3, 1);
	for (t = 0; t < 20 && !s->node[0].r->rr[3].have; t++)
		vsr_sim_step(s);
	KUNIT_ASSERT_TRUE(test, s->node[0].r->rr[3].have &&
				!s->node[0].r->rr[3].normal);

	/* 3. View change 1; R3' recovers into it. */
	c.phase = 3;
	for (t = 0; t < 400; t++) {
		vsr_sim_step(s);
		st(s, 3, &a);
		if (a.status == VSR_STATUS_NORMAL && a.view >= 1 &&
		    a.log_view == a.view)
			break;
	}
	KUNIT_ASSERT_TRUE(test, a.status == VSR_STATUS_NORMAL && a.view >= 1);
	st(s, 0, &a);
	KUNIT_ASSERT_EQ(test, a.status, (u32)VSR_STATUS_RECOVERING);

	/* 4. R4 crashes; R4' answers R0' "recovering". */
	c.phase = 4;
	vsr_sim_crash(s, 4, 1);
	for (t = 0; t < 20 && !s->violation; t++) {
		vsr_sim_step(s);
		st(s, 0, &a);
		if (a.status != VSR_STATUS_RECOVERING)
			break;
	}
	st(s, 0, &a);
	kunit_info(test, "R0': status %u view %u primary %d op %llu\n",
		   a.status, a.view, a.is_primary, (unsigned long long)a.op);
	if (s->violation)
		kunit_info(test, "violation: %s\n", s->why);
	KUNIT_EXPECT_FALSE(test, a.is_primary && a.view == 0);
	KUNIT_EXPECT_EQ(test, s->violation, 0);
	vsr_sim_destroy(s);
}

static struct kunit_case vsr_attack_cases[] = {
	KUNIT_CASE(vsr_attack_dead_voter),
	KUNIT_CASE(vsr_attack_stale_newstate),
	KUNIT_CASE(vsr_attack_two_replicas_bootstrap),
	KUNIT_CASE(vsr_attack_bootstrap_stale_answers),
	KUNIT_CASE(vsr_attack_view0_led_twice),
	{}
};

static struct kunit_suite vsr_attack_suite = {
	.name = "vsr_attack",
	.test_cases = vsr_attack_cases,
};
