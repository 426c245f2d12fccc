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
	u64 above = 0, t = MS, target = VSR_RX_FLOOD_TARGET;

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

#define RING	2048	/* more than an address's share of the queue */

/* What a flood got in the last ten seconds of a run of vsr_rxlimit_run(). */
struct vsr_rxlimit_got {
	u64 spent;	/* the work's time on it */
	u64 longest;	/* the longest time without an admission */
	u64 dropped;	/* datagrams dropped by the limit */
};

/*
 * Run a flood of a datagram every @gap ns, each costing the work cost(i)
 * ns, against the limit at a share of a tenth for @secs simulated
 * seconds, as socket.c and node.c apply it: an address's queue of at most
 * 1,365, the work behind on it by CoDel's rule (always, if @always), held
 * behind by drops within a lease, the lease renewed by the flood's
 * demand (no other address's traffic).  If @stall, the work stops for 150 ms at 1 s.  The first
 * seconds are not counted: until a flood is noticed, the queue it filled
 * is not limited.
 */
static void vsr_rxlimit_run(u64 gap, u64 (*cost)(unsigned int), int secs,
			    bool always, bool stall, struct vsr_rxlimit_got *got)
{
	u64 end = (u64)secs * NSEC_PER_SEC, from = end - 10 * NSEC_PER_SEC;
	u64 arrival = 0, idle = 0, paid = 0, last = 0, above = 0, behind = 0;
	u64 lease = 0, arrived = 0, charged = 0, charges = 0, c, *queued_at;
	unsigned int head = 0, queued = 0, i = 0, cap = 1365;
	bool renew = false, judge = false;

	memset(got, 0, sizeof(*got));
	queued_at = kcalloc(RING, sizeof(*queued_at), GFP_KERNEL);
	if (!queued_at)
		return;
	while (arrival < end || queued) {
		if (queued && (idle <= arrival || arrival >= end)) {
			/* The work takes one up, as vsr_rx_sojourn() sees. */
			if (stall && idle >= NSEC_PER_SEC) {
				idle += 150 * MS;
				stall = false;
			}
			c = cost(i++);
			if (vsr_rx_behind(&above, idle,
					  idle - queued_at[head % RING],
					  VSR_RX_FLOOD_TARGET, queued > 1)) {
				behind = idle + VSR_RX_FLOOD_HOLD;
				judge = !lease || idle >= lease;
				renew = true;
			} else if (lease && idle >= lease) {
				judge = true;
				renew = vsr_rx_renew(arrived, charged, charges,
						     0, VSR_RX_FLOOD_LEASE);
				if (!renew)
					behind = idle;
			}
			if (judge) {
				lease = renew ? idle + VSR_RX_FLOOD_LEASE : 0;
				arrived = 0;
				charged = 0;
				charges = 0;
				judge = false;
			}
			paid = vsr_rx_charge(paid, idle, idle + c, 100);
			charged += min_t(u64, c, VSR_RX_FLOOD_COST_MAX);
			charges++;
			if (idle >= from)
				got->spent += c;
			idle += c;
			head++;
			queued--;
			continue;
		}
		if (!queued && idle < arrival)
			idle = arrival;
		if (lease)
			arrived++;
		if (queued < cap) {
			/* As vsr_rx_flooding() sees it. */
			bool take = paid <= arrival;

			if (!take)
				take = (!always && behind <= arrival) ||
				       vsr_rx_admit(paid, arrival, queued);
			if (take) {
				queued_at[(head + queued) % RING] = arrival;
				queued++;
				if (arrival >= from)
					got->longest = max(got->longest,
							   arrival - last);
				last = arrival;
			} else {
				if (lease && arrival < lease +
				    VSR_RX_FLOOD_GRACE)
					behind = min(arrival + VSR_RX_FLOOD_HOLD,
						     lease + VSR_RX_FLOOD_GRACE);
				if (arrival >= from)
					got->dropped++;
			}
		}
		arrival += gap;
	}
	kfree(queued_at);
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

static void vsr_rxlimit_flood(struct kunit *test)
{
	struct vsr_rxlimit_got got;

	/* Twice what the work can take: it gets a tenth of the time. */
	vsr_rxlimit_run(15 * US, vsr_rxlimit_cost_flat, 12, true, false, &got);
	KUNIT_EXPECT_GE(test, got.spent, 950 * MS);
	KUNIT_EXPECT_LE(test, got.spent, 1050 * MS);
	/* And its admissions are spread: no gap near a heartbeat. */
	KUNIT_EXPECT_LE(test, got.longest, 2 * VSR_RX_FLOOD_SLACK);
	/* The same, the work deemed behind by its queue's waits. */
	vsr_rxlimit_run(15 * US, vsr_rxlimit_cost_flat, 12, false, false, &got);
	KUNIT_EXPECT_GE(test, got.spent, 950 * MS);
	KUNIT_EXPECT_LE(test, got.spent, 1050 * MS);
	KUNIT_EXPECT_LE(test, got.longest, 2 * VSR_RX_FLOOD_SLACK);
	/* Sizes mixed to game an estimate: there is none. */
	vsr_rxlimit_run(10 * US, vsr_rxlimit_cost_mixed, 12, false, false,
			&got);
	KUNIT_EXPECT_GE(test, got.spent, 950 * MS);
	KUNIT_EXPECT_LE(test, got.spent, 1050 * MS);
	/* (A dear one taken on credit is ten times its cost in debt.) */
	KUNIT_EXPECT_LE(test, got.longest, VSR_RX_FLOOD_SLACK +
			VSR_RX_FLOOD_QUEUE * 10 * VSR_RX_FLOOD_COST_MAX);
	/* A flood the work keeps up with, at a twentieth: all taken. */
	vsr_rxlimit_run(600 * US, vsr_rxlimit_cost_flat, 10, false, false,
			&got);
	KUNIT_EXPECT_EQ(test, got.dropped, 0);
	KUNIT_EXPECT_EQ(test, got.spent, 30 * US *
			DIV_ROUND_UP(10 * NSEC_PER_SEC, 600 * US));
	/* Or at nine tenths, in debt all along: all taken too. */
	vsr_rxlimit_run(33 * US, vsr_rxlimit_cost_flat, 10, false, false,
			&got);
	KUNIT_EXPECT_EQ(test, got.dropped, 0);
	/*
	 * At half, after a stall that made the work fall behind: limited
	 * for a lease at most, then all taken again.
	 */
	vsr_rxlimit_run(60 * US, vsr_rxlimit_cost_flat, 13, false, true, &got);
	KUNIT_EXPECT_EQ(test, got.dropped, 0);
}

static struct kunit_case vsr_rxlimit_cases[] = {
	KUNIT_CASE(vsr_rxlimit_charge),
	KUNIT_CASE(vsr_rxlimit_behind),
	KUNIT_CASE(vsr_rxlimit_admit),
	KUNIT_CASE(vsr_rxlimit_flood),
	{}
};

static struct kunit_suite vsr_rxlimit_suite = {
	.name = "vsr_rxlimit",
	.test_cases = vsr_rxlimit_cases,
};

kunit_test_suite(vsr_rxlimit_suite);
