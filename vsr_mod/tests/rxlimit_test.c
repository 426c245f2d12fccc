// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the receive path's flood limit (rxlimit.h): its rules one
 * by one, then a flood run against them in simulated time, which must get
 * about its share of the receive work, whatever its datagrams cost, with
 * admissions spread over time.
 */

#include <kunit/test.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/stddef.h>
#include <linux/string.h>

#include "../rxlimit.h"

#define US	NSEC_PER_USEC
#define MS	NSEC_PER_MSEC

static void vsr_rxlimit_charge(struct kunit *test)
{
	u64 paid = 0, t = 5 * MS;
	int i;

	/* A tenth: ten times the time spent, from when it began. */
	KUNIT_EXPECT_EQ(test, vsr_rx_charge(0, t, t + 30 * US, 100),
			t + 300 * US);
	/* Debt already owed adds up. */
	KUNIT_EXPECT_EQ(test, vsr_rx_charge(t + MS, t, t + 30 * US, 100),
			t + MS + 300 * US);
	/* A stall is charged at most VSR_RX_FLOOD_COST_MAX. */
	KUNIT_EXPECT_EQ(test, vsr_rx_charge(0, t, t + 50 * MS, 100),
			t + 10 * VSR_RX_FLOOD_COST_MAX);
	/* The debt ends VSR_RX_FLOOD_DEBT ahead at most. */
	KUNIT_EXPECT_EQ(test, vsr_rx_charge(t + 10 * NSEC_PER_SEC, t,
					    t + 30 * US, 100),
			t + 30 * US + VSR_RX_FLOOD_DEBT);
	/* The share is taken as 1 to 1000. */
	KUNIT_EXPECT_EQ(test, vsr_rx_charge(0, t, t + US, 0), t + 1000 * US);
	KUNIT_EXPECT_EQ(test, vsr_rx_charge(0, t, t + US, 5000), t + US);
	/* At 1000, back to back, never ahead of the clock. */
	for (i = 0; i < 1000; i++) {
		paid = vsr_rx_charge(paid, t, t + 7 * US, 1000);
		KUNIT_EXPECT_LE(test, paid, t + 7 * US);
		t += 7 * US;
	}
}

static void vsr_rxlimit_behind(struct kunit *test)
{
	u64 above = 0, t = MS, target = 10 * MS;

	/* Waits at the target are not behind, and leave no state. */
	KUNIT_EXPECT_FALSE(test, vsr_rx_behind(&above, t, target, target,
					       true));
	KUNIT_EXPECT_EQ(test, above, 0);
	/* Above it: behind only once that lasted the interval. */
	KUNIT_EXPECT_FALSE(test, vsr_rx_behind(&above, t, target + 1, target,
					       true));
	KUNIT_EXPECT_EQ(test, above, t + VSR_RX_FLOOD_INTERVAL);
	t += VSR_RX_FLOOD_INTERVAL - 1;
	KUNIT_EXPECT_FALSE(test, vsr_rx_behind(&above, t, target + 1, target,
					       true));
	/* A short wait in between starts the interval over. */
	KUNIT_EXPECT_FALSE(test, vsr_rx_behind(&above, t, 0, target, true));
	KUNIT_EXPECT_EQ(test, above, 0);
	t += 1;
	KUNIT_EXPECT_FALSE(test, vsr_rx_behind(&above, t, 2 * target, target,
					       true));
	t += VSR_RX_FLOOD_INTERVAL;
	KUNIT_EXPECT_TRUE(test, vsr_rx_behind(&above, t, 2 * target, target,
					      true));
	/* So does a datagram that drained the queue, however late. */
	KUNIT_EXPECT_FALSE(test, vsr_rx_behind(&above, t + MS, 2 * target,
					       target, false));
	KUNIT_EXPECT_EQ(test, above, 0);
}

static void vsr_rxlimit_admit(struct kunit *test)
{
	u64 t = NSEC_PER_SEC, slack = VSR_RX_FLOOD_SLACK;

	/* No debt: taken, however many wait. */
	KUNIT_EXPECT_TRUE(test, vsr_rx_admit(t, t, 1000));
	/* Within the slack: while fewer than VSR_RX_FLOOD_QUEUE wait. */
	KUNIT_EXPECT_TRUE(test, vsr_rx_admit(t + 1, t, VSR_RX_FLOOD_QUEUE - 1));
	KUNIT_EXPECT_TRUE(test, vsr_rx_admit(t + slack, t,
					     VSR_RX_FLOOD_QUEUE - 1));
	KUNIT_EXPECT_FALSE(test, vsr_rx_admit(t + 1, t, VSR_RX_FLOOD_QUEUE));
	/* Beyond: never. */
	KUNIT_EXPECT_FALSE(test, vsr_rx_admit(t + slack + 1, t, 0));
}

static void vsr_rxlimit_flow(struct kunit *test)
{
	struct vsr_rx_flow f = {};
	struct vsr_rx_load l = {};
	u64 t = NSEC_PER_SEC, q, lease;
	int i;

	/* No debt: never dropped, behind or not. */
	KUNIT_EXPECT_FALSE(test, vsr_rx_flow_limit(&f, &l, t, 1000));
	/* In debt but not behind: taken, however many wait. */
	vsr_rx_flow_charge(&f, t, t + MS, 100);
	KUNIT_EXPECT_FALSE(test, vsr_rx_flow_limit(&f, &l, t + MS, 1000));
	KUNIT_EXPECT_FALSE(test, vsr_rx_load_behind(&l, t + MS));
	KUNIT_EXPECT_EQ(test, atomic64_read(&l.dropped), 0);
	/* A queue that drains between bursts: never behind. */
	for (i = 0; i < 100; i++, t += 10 * MS) {
		vsr_rx_load_take(&l, t, t - 3 * MS, true, VSR_RX_FLOOD_TARGET);
		vsr_rx_load_take(&l, t + MS, t - 2 * MS, false,
				 VSR_RX_FLOOD_TARGET);
	}
	KUNIT_EXPECT_EQ(test, atomic64_read(&l.lease), 0);
	/* One that never drains, for the interval: behind, with a lease. */
	q = t - MS;
	for (i = 0; i <= 2; i++, t += VSR_RX_FLOOD_INTERVAL / 2)
		vsr_rx_load_take(&l, t, q, true, VSR_RX_FLOOD_TARGET);
	t -= VSR_RX_FLOOD_INTERVAL / 2;
	KUNIT_EXPECT_TRUE(test, vsr_rx_load_behind(&l, t));
	KUNIT_EXPECT_EQ(test, atomic64_read(&l.lease), t + VSR_RX_FLOOD_LEASE);
	KUNIT_EXPECT_FALSE(test, vsr_rx_load_behind(&l, t + VSR_RX_FLOOD_HOLD));
	/* While behind and in debt, the slack's rule: 8 queued at most. */
	vsr_rx_flow_charge(&f, t, t + MS, 100);
	KUNIT_EXPECT_FALSE(test, vsr_rx_flow_limit(&f, &l, t + MS,
						   VSR_RX_FLOOD_QUEUE - 1));
	KUNIT_EXPECT_TRUE(test, vsr_rx_flow_limit(&f, &l, t + MS,
						  VSR_RX_FLOOD_QUEUE));
	KUNIT_EXPECT_EQ(test, atomic64_read(&l.dropped), t + MS);
	/* A drop within the lease holds it behind for the hold. */
	lease = atomic64_read(&l.lease);
	t = lease - 500 * MS;
	atomic64_set(&l.dropped, t);
	KUNIT_EXPECT_TRUE(test, vsr_rx_load_behind(&l, t + 50 * MS));
	KUNIT_EXPECT_FALSE(test, vsr_rx_load_behind(&l, t +
						    VSR_RX_FLOOD_HOLD));
	/* After the lease, until the work ends it, up to the grace. */
	t = lease + 50 * MS;
	atomic64_set(&l.dropped, t);
	KUNIT_EXPECT_TRUE(test, vsr_rx_load_behind(&l, lease +
						   VSR_RX_FLOOD_GRACE - 1));
	KUNIT_EXPECT_FALSE(test, vsr_rx_load_behind(&l, lease +
						    VSR_RX_FLOOD_GRACE));
	/*
	 * The work ends the lease, however many were dropped in it (no
	 * renewal), and the drops no longer hold the address behind.
	 */
	t += 2 * MS;
	vsr_rx_load_take(&l, t, t, false, VSR_RX_FLOOD_TARGET);
	KUNIT_EXPECT_EQ(test, atomic64_read(&l.lease), 0);
	KUNIT_EXPECT_FALSE(test, vsr_rx_load_behind(&l, t));
	/* Behind again soon after: a lease twice as long. */
	q = t - MS;
	for (i = 0; i <= 2; i++, t += VSR_RX_FLOOD_INTERVAL / 2)
		vsr_rx_load_take(&l, t, q, true, VSR_RX_FLOOD_TARGET);
	t -= VSR_RX_FLOOD_INTERVAL / 2;
	KUNIT_EXPECT_EQ(test, atomic64_read(&l.lease),
			t + 2 * VSR_RX_FLOOD_LEASE);
	/* And at its end at once: twice again, up to the most. */
	for (i = 0; i < 5; i++) {
		t = atomic64_read(&l.lease);
		vsr_rx_load_take(&l, t, q, true, VSR_RX_FLOOD_TARGET);
	}
	KUNIT_EXPECT_EQ(test, atomic64_read(&l.lease),
			t + VSR_RX_FLOOD_LEASE_MAX);
	/* Long after the last one ended: a lease of the first length. */
	t = atomic64_read(&l.lease);
	vsr_rx_load_take(&l, t, t, false, VSR_RX_FLOOD_TARGET);
	KUNIT_EXPECT_EQ(test, atomic64_read(&l.lease), 0);
	t += VSR_RX_FLOOD_LEASE_MAX;
	q = t - MS;
	for (i = 0; i <= 2; i++, t += VSR_RX_FLOOD_INTERVAL / 2)
		vsr_rx_load_take(&l, t, q, true, VSR_RX_FLOOD_TARGET);
	t -= VSR_RX_FLOOD_INTERVAL / 2;
	KUNIT_EXPECT_EQ(test, atomic64_read(&l.lease), t + VSR_RX_FLOOD_LEASE);
	/*
	 * One that ran out unseen (nothing came) counts as ended then, not
	 * when the work next takes a datagram up.
	 */
	t = atomic64_read(&l.lease) + VSR_RX_FLOOD_LEASE_MAX;
	vsr_rx_load_take(&l, t - MS, t - MS, false, VSR_RX_FLOOD_TARGET);
	KUNIT_EXPECT_EQ(test, atomic64_read(&l.lease), 0);
	q = t - MS;
	for (i = 0; i <= 2; i++, t += VSR_RX_FLOOD_INTERVAL / 2)
		vsr_rx_load_take(&l, t, q, true, VSR_RX_FLOOD_TARGET);
	t -= VSR_RX_FLOOD_INTERVAL / 2;
	KUNIT_EXPECT_EQ(test, atomic64_read(&l.lease), t + VSR_RX_FLOOD_LEASE);
}

#define RING	2048	/* more than an address's share of the queue */
#define ADDRS	2
#define CAP	1365	/* an address's share of the queue at n = 3 */

/*
 * One source of datagrams for vsr_rxlimit_run(): from address @addr,
 * @burst datagrams at once (1 if 0) every @gap ns from @first on (if
 * @jitter, every @gap / 2 to @gap * 3 / 2, at random), whose checks cost
 * the work cost(i) ns and (if @genuine, when they are not charged) the
 * core @extra ns more.  What it got in the last ten seconds of the run is
 * filled in.
 */
struct vsr_rxlimit_src {
	unsigned int addr, burst;
	u64 gap, first, extra;
	u64 (*cost)(unsigned int i);
	bool genuine, jitter;
	/* What it got, and the run's state: zero when a run begins. */
	struct_group(run,
		u64 spent;	/* the work's time on its checks */
		u64 taken;	/* datagrams the work took up */
		u64 sent;	/* datagrams that arrived */
		u64 dropped;	/* dropped, by the limit or the queue cap */
		u64 longest;	/* the longest time without an admission */
		u64 wait;	/* the longest wait in the queue */
		u64 next, last;
		unsigned int i, k;
		u32 rnd;
	);
};

struct vsr_rxlimit_queue {
	u64 at[RING];
	unsigned int src[RING];
	unsigned int head, len;
};

static void vsr_rxlimit_took(struct vsr_rxlimit_src *s, u64 now, u64 from)
{
	if (now >= from)
		s->longest = max(s->longest, now - s->last);
	s->last = now;
}

/* The next arrival of @s: the rest of its burst, or the next one. */
static void vsr_rxlimit_advance(struct vsr_rxlimit_src *s)
{
	if (++s->k < max(s->burst, 1U))
		return;
	s->k = 0;
	s->next += s->gap;
	if (s->jitter) {
		/* xorshift32: the same run every time. */
		s->rnd ^= s->rnd << 13;
		s->rnd ^= s->rnd >> 17;
		s->rnd ^= s->rnd << 5;
		s->next += s->rnd % (s->gap + 1) - s->gap / 2;
	}
}

/*
 * Run @n sources against the limit at a share of a tenth for @secs
 * simulated seconds, as socket.c and node.c apply it, with the same
 * functions: per address, a queue of at most @cap and vsr_rx_flow_limit()
 * as each datagram arrives; the work taking one datagram of each address
 * in turn through vsr_rx_load_take(), and charging its checks when they
 * end (what arrives meanwhile sees the debt of before).  If @stall, the
 * work stops for 150 ms at 1 s.  The first seconds are not counted:
 * until a flood is noticed, the queue it filled is not limited.
 */
static void vsr_rxlimit_run(struct vsr_rxlimit_src *srcs, unsigned int n,
			    int secs, unsigned int cap, bool stall)
{
	u64 end = (u64)secs * NSEC_PER_SEC, from = end - 10 * NSEC_PER_SEC;
	u64 idle = 0, start = 0, done = 0, extra = 0, arrival, c, at;
	unsigned int next = 0, queued = 0, i, a, pa = 0;
	bool busy = false, charge = false;
	struct vsr_rx_load load = {};
	struct vsr_rx_flow *flows;
	struct vsr_rxlimit_queue *q;
	struct vsr_rxlimit_src *s;

	flows = kcalloc(ADDRS, sizeof(*flows), GFP_KERNEL);
	q = kcalloc(ADDRS, sizeof(*q), GFP_KERNEL);
	if (!flows || !q)
		goto out;
	for (i = 0; i < n; i++) {
		s = &srcs[i];
		memset(&s->run, 0, sizeof(s->run));
		s->next = s->first;
		s->last = s->first;
		s->rnd = 2463534242u + i;
	}
	for (;;) {
		/* The next arrival, of any source. */
		s = NULL;
		for (i = 0; i < n; i++)
			if (srcs[i].next < end && (!s || srcs[i].next < s->next))
				s = &srcs[i];
		if (!s && !queued && !busy)
			break;
		if (busy && (!s || done <= s->next)) {
			/* The checks end: their charge, then the core. */
			if (charge)
				vsr_rx_flow_charge(&flows[pa], start, done, 100);
			idle = done + extra;
			busy = false;
			continue;
		}
		if (!busy && queued && (!s || idle <= s->next)) {
			/* The work takes one up, each address in turn. */
			for (a = next; !q[a % ADDRS].len; a++)
				;
			a %= ADDRS;
			next = a + 1;
			at = q[a].at[q[a].head % RING];
			s = &srcs[q[a].src[q[a].head % RING]];
			q[a].head++;
			q[a].len--;
			queued--;
			if (stall && idle >= NSEC_PER_SEC) {
				idle += 150 * MS;
				stall = false;
			}
			vsr_rx_load_take(&load, idle, at, queued,
					 VSR_RX_FLOOD_TARGET);
			c = s->cost(s->i++);
			if (idle >= from) {
				s->spent += c;
				s->taken++;
				s->wait = max(s->wait, idle - at);
			}
			pa = a;
			start = idle;
			done = idle + c;
			charge = !s->genuine;
			extra = s->genuine ? s->extra : 0;
			busy = true;
			continue;
		}
		arrival = s->next;
		vsr_rxlimit_advance(s);
		a = s->addr;
		if (!queued && !busy && idle < arrival)
			idle = arrival;
		if (arrival >= from)
			s->sent++;
		if (q[a].len >= cap ||
		    vsr_rx_flow_limit(&flows[a], &load, arrival, q[a].len)) {
			if (arrival >= from)
				s->dropped++;
			continue;
		}
		i = (q[a].head + q[a].len) % RING;
		q[a].at[i] = arrival;
		q[a].src[i] = s - srcs;
		q[a].len++;
		queued++;
		vsr_rxlimit_took(s, arrival, from);
	}
out:
	kfree(q);
	kfree(flows);
}

static u64 vsr_rxlimit_cost_flat(unsigned int i)
{
	return 30 * US;
}

/* Cheap and dear in turn: a dear one is charged its cost up to the cap. */
static u64 vsr_rxlimit_cost_mixed(unsigned int i)
{
	return i % 2 ? VSR_RX_FLOOD_COST_MAX : 2 * US;
}

/* A dear forgery: a 64 KiB datagram's copy and MAC, about. */
static u64 vsr_rxlimit_cost_dear(unsigned int i)
{
	return 50 * US;
}

/* Dearer still. */
static u64 vsr_rxlimit_cost_dear2(unsigned int i)
{
	return 100 * US;
}

/* A genuine datagram's checks (its MAC); the core's time is extra. */
static u64 vsr_rxlimit_cost_genuine(unsigned int i)
{
	return 10 * US;
}

/* One flood from address 0, alone, in bursts of @burst: what it got. */
static struct vsr_rxlimit_src vsr_rxlimit_flood1(u64 gap, unsigned int burst,
						 u64 (*cost)(unsigned int),
						 int secs, bool stall)
{
	struct vsr_rxlimit_src f = { .gap = gap, .burst = burst, .cost = cost };

	vsr_rxlimit_run(&f, 1, secs, CAP, stall);
	return f;
}

static void vsr_rxlimit_flood(struct kunit *test)
{
	struct vsr_rxlimit_src got;

	/*
	 * Twice what the work can take: it gets a tenth of the time, and
	 * more: a lease is never renewed, so at most every 4 s the flood
	 * gets in unlimited until its queue, not draining for the interval,
	 * says it is behind again.
	 */
	got = vsr_rxlimit_flood1(15 * US, 1, vsr_rxlimit_cost_flat, 12, false);
	KUNIT_EXPECT_GE(test, got.spent, 950 * MS);
	KUNIT_EXPECT_LE(test, got.spent, 1400 * MS);
	/*
	 * Its admissions are spread: no gap near a view change's timeout
	 * (the longest is after its queue drained at a lease's start, while
	 * its debt is paid off).
	 */
	KUNIT_EXPECT_LE(test, got.longest, VSR_RX_FLOOD_DEBT +
			5 * VSR_RX_FLOOD_SLACK);
	/*
	 * Sizes mixed to game an estimate: there is none.  But each time,
	 * the queue it filled unlimited is dear: half of 1,365 at the cost's
	 * cap (in the kernel the byte cap holds fewer such datagrams), most
	 * of it beyond the debt's cap.
	 */
	got = vsr_rxlimit_flood1(10 * US, 1, vsr_rxlimit_cost_mixed, 12, false);
	KUNIT_EXPECT_GE(test, got.spent, 950 * MS);
	KUNIT_EXPECT_LE(test, got.spent, 3500 * MS);
	KUNIT_EXPECT_LE(test, got.longest, NSEC_PER_SEC);
	/* A flood the work keeps up with, at a twentieth: all taken. */
	got = vsr_rxlimit_flood1(600 * US, 1, vsr_rxlimit_cost_flat, 10, false);
	KUNIT_EXPECT_EQ(test, got.dropped, 0);
	KUNIT_EXPECT_EQ(test, got.spent, 30 * US *
			DIV_ROUND_UP(10 * NSEC_PER_SEC, 600 * US));
	/* Or at nine tenths, in debt all along: all taken too. */
	got = vsr_rxlimit_flood1(33 * US, 1, vsr_rxlimit_cost_flat, 10, false);
	KUNIT_EXPECT_EQ(test, got.dropped, 0);
	/*
	 * At half, after a stall that made the work fall behind: limited
	 * for a lease at most, then all taken again.
	 */
	got = vsr_rxlimit_flood1(60 * US, 1, vsr_rxlimit_cost_flat, 13, true);
	KUNIT_EXPECT_EQ(test, got.dropped, 0);
	/*
	 * At half in bursts of a hundred: the queue drains between them,
	 * so the work is never deemed behind and the flood loses nothing.
	 */
	got = vsr_rxlimit_flood1(6 * MS, 100, vsr_rxlimit_cost_flat, 12, false);
	KUNIT_EXPECT_EQ(test, got.dropped, 0);
	KUNIT_EXPECT_GE(test, got.spent, 4900 * MS);
}

/*
 * A flood from a member's address with the member's own datagrams among
 * it, and another member's traffic that takes half of the work: the
 * other member loses nothing and waits little, and the flooded member's
 * datagrams get through at the flood's rate of admission, never starved.
 */
static void vsr_rxlimit_mixed(struct kunit *test)
{
	struct vsr_rxlimit_src srcs[] = {
		/* The flood, at twice what the work can take. */
		{ .addr = 0, .gap = 15 * US, .cost = vsr_rxlimit_cost_flat,
		  .jitter = true },
		/* The spoofed member's own, 1,000/s. */
		{ .addr = 0, .gap = MS, .first = 7 * US, .genuine = true,
		  .cost = vsr_rxlimit_cost_genuine, .extra = 40 * US,
		  .jitter = true },
		/* Another member's, half of the work. */
		{ .addr = 1, .gap = 100 * US, .first = 3 * US, .genuine = true,
		  .cost = vsr_rxlimit_cost_genuine, .extra = 40 * US,
		  .jitter = true },
	};

	vsr_rxlimit_run(srcs, ARRAY_SIZE(srcs), 12, CAP, false);
	/* The flood gets about its tenth of the time (what the limit does). */
	KUNIT_EXPECT_GE(test, srcs[0].spent, 900 * MS);
	KUNIT_EXPECT_LE(test, srcs[0].spent, 1300 * MS);
	/* The other member: all taken, promptly (what the turns do). */
	KUNIT_EXPECT_EQ(test, srcs[2].dropped, 0);
	KUNIT_EXPECT_GE(test, srcs[2].taken, 99000);
	KUNIT_EXPECT_LE(test, srcs[2].wait, MS);
	/*
	 * The spoofed member: as many as the flood's admissions allow (a
	 * twentieth of it gets in), with no gap near a view change's
	 * timeout.
	 */
	KUNIT_EXPECT_GE(test, srcs[1].taken, 10000 / 40);
	KUNIT_EXPECT_LE(test, srcs[1].longest, 250 * MS);

	/*
	 * A flood the work could take alone (seven tenths), with the other
	 * member's half: together too much, so the flood's queue does not
	 * drain, and it is limited to about its tenth.
	 */
	srcs[0].gap = 43 * US;
	vsr_rxlimit_run(srcs, ARRAY_SIZE(srcs), 12, CAP, false);
	KUNIT_EXPECT_LE(test, srcs[0].spent, 1300 * MS);
	KUNIT_EXPECT_EQ(test, srcs[2].dropped, 0);
	KUNIT_EXPECT_LE(test, srcs[2].wait, MS);
	KUNIT_EXPECT_LE(test, srcs[1].longest, 250 * MS);

	/*
	 * Dear forgeries, 100 µs each, at half the work, with the other
	 * member's traffic at seven tenths: taken one a turn, the flood's
	 * queue drains while the other's does not, and the work as a whole
	 * is behind: the flood is limited, the other member loses nothing.
	 */
	srcs[0].gap = 200 * US;
	srcs[0].cost = vsr_rxlimit_cost_dear2;
	srcs[2].gap = 70 * US;
	vsr_rxlimit_run(srcs, ARRAY_SIZE(srcs), 12, CAP, false);
	KUNIT_EXPECT_LE(test, srcs[0].spent, 1300 * MS);
	KUNIT_EXPECT_EQ(test, srcs[2].dropped, 0);
	KUNIT_EXPECT_LE(test, srcs[2].wait, VSR_RX_FLOOD_INTERVAL / 2);

	/*
	 * The same forgeries at 15 % of the work, among the spoofed
	 * member's own traffic at a quarter, with the other member's at
	 * seven tenths: the work is behind, and the spoofed address, beyond
	 * its tenth, is limited (review 4).  What the forgeries cost falls
	 * on the address they name, in proportion, and on no other: the
	 * other member loses nothing.
	 */
	srcs[0].gap = 667 * US;
	srcs[1].gap = 200 * US;
	srcs[2].gap = 70 * US;
	vsr_rxlimit_run(srcs, ARRAY_SIZE(srcs), 12, CAP, false);
	KUNIT_EXPECT_EQ(test, srcs[2].dropped, 0);
	KUNIT_EXPECT_GE(test, srcs[1].taken, srcs[1].sent / 3);
	KUNIT_EXPECT_LE(test, srcs[1].longest, 250 * MS);
	srcs[0].cost = vsr_rxlimit_cost_flat;
	srcs[1].gap = MS;
	srcs[2].gap = 100 * US;

	/* Three tenths and a half: the work keeps up, nothing is dropped. */
	srcs[0].gap = 100 * US;
	vsr_rxlimit_run(srcs, ARRAY_SIZE(srcs), 12, CAP, false);
	KUNIT_EXPECT_EQ(test, srcs[0].dropped, 0);
	KUNIT_EXPECT_EQ(test, srcs[1].dropped, 0);
	KUNIT_EXPECT_EQ(test, srcs[2].dropped, 0);

	/*
	 * Bursts of 65 dear forgeries every 100 ms (3 % of the work), the
	 * spoofed member sending 5,000 a second: the queue drains between
	 * bursts, so the work is never deemed behind, and the member loses
	 * nothing.
	 */
	srcs[0].gap = 100 * MS;
	srcs[0].burst = 65;
	srcs[0].cost = vsr_rxlimit_cost_dear;
	srcs[0].jitter = false;
	srcs[1].gap = 200 * US;
	vsr_rxlimit_run(srcs, ARRAY_SIZE(srcs), 12, CAP, false);
	KUNIT_EXPECT_EQ(test, srcs[1].dropped, 0);
	KUNIT_EXPECT_EQ(test, srcs[2].dropped, 0);
}

static struct kunit_case vsr_rxlimit_cases[] = {
	KUNIT_CASE(vsr_rxlimit_charge),
	KUNIT_CASE(vsr_rxlimit_behind),
	KUNIT_CASE(vsr_rxlimit_admit),
	KUNIT_CASE(vsr_rxlimit_flow),
	KUNIT_CASE(vsr_rxlimit_flood),
	KUNIT_CASE(vsr_rxlimit_mixed),
	{}
};

static struct kunit_suite vsr_rxlimit_suite = {
	.name = "vsr_rxlimit",
	.test_cases = vsr_rxlimit_cases,
};

kunit_test_suite(vsr_rxlimit_suite);
