/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rxlimit.h - the receive path's flood limit: its rules as pure functions
 * of times in ns, for socket.c and node.c, and for KUnit.
 *
 * A flood from one address is of datagrams that cost the receive work
 * time and bring nothing: refused before the MAC, by it, or after it
 * (replays, checksums), or AUTHs (whose replays pass the tag).  The work
 * charges each address the time those took, from when it took one up to
 * the verdict with bottom halves off (so that neither softirq nor another
 * task's time is in it) and at most VSR_RX_FLOOD_COST_MAX, as if it might
 * spend VSR_RX_FLOOD_SHARE per mille of the clock on them: the address's
 * debt says when its charges are paid off, never more than
 * VSR_RX_FLOOD_DEBT ahead.
 *
 * The debt matters only while the work is *behind* on the address, by
 * CoDel's rule: the address's datagrams waited more than
 * VSR_RX_FLOOD_TARGET in its queue, with more behind them, for
 * VSR_RX_FLOOD_INTERVAL on end; it stays behind for VSR_RX_FLOOD_HOLD
 * after that, and after each datagram dropped, for a lease of
 * VSR_RX_FLOOD_LEASE and VSR_RX_FLOOD_GRACE after it (the work, which may
 * take nothing up while the debt is paid off, judges the lease when it
 * next takes one up).  Since the limit keeps the queue and its waits
 * short, the lease is renewed only if what arrived from the address
 * during it, at the measured cost of its datagrams, with what the other
 * addresses took, would have taken all of the work's time
 * (vsr_rx_renew()).  A flood that the
 * work keeps up with, bursts included, delays nobody, and limiting it
 * would only drop the spoofed member's own datagrams.  While behind, softirq
 * takes an address's datagrams freely while it owes nothing, at most
 * VSR_RX_FLOOD_QUEUE queued while its debt is within VSR_RX_FLOOD_SLACK
 * (what it takes on credit), and none beyond: they are dropped where they
 * arrive, before any copy or MAC.
 */
#ifndef _VSR_RXLIMIT_H
#define _VSR_RXLIMIT_H

#include <linux/math64.h>
#include <linux/minmax.h>
#include <linux/time64.h>
#include <linux/types.h>

#define VSR_RX_FLOOD_SHARE	100
#define VSR_RX_FLOOD_COST_MAX	NSEC_PER_MSEC
#define VSR_RX_FLOOD_DEBT	(100 * NSEC_PER_MSEC)
#define VSR_RX_FLOOD_TARGET	(10 * NSEC_PER_MSEC)
#define VSR_RX_FLOOD_INTERVAL	(100 * NSEC_PER_MSEC)
#define VSR_RX_FLOOD_HOLD	(100 * NSEC_PER_MSEC)
#define VSR_RX_FLOOD_LEASE	NSEC_PER_SEC
#define VSR_RX_FLOOD_GRACE	(100 * NSEC_PER_MSEC)
#define VSR_RX_FLOOD_SLACK	(10 * NSEC_PER_MSEC)
#define VSR_RX_FLOOD_QUEUE	8

/*
 * The debt @paid (when the charges are paid off) after a datagram that
 * brought nothing took the work from @start to @end, at @share per mille
 * (taken as 1 to 1000; at 1000 a charge is the time spent, which the
 * clock has paid by @end).
 */
static inline u64 vsr_rx_charge(u64 paid, u64 start, u64 end, u32 share)
{
	u64 cost = min_t(u64, end - start, VSR_RX_FLOOD_COST_MAX);

	share = clamp_t(u32, share, 1, 1000);
	paid = max(paid, start) + div_u64(cost * 1000, share);
	return min(paid, end + VSR_RX_FLOOD_DEBT);
}

/*
 * A datagram taken up at @now waited @sojourn in its address's queue, and
 * @more of the address's wait behind it: whether the work is now behind
 * on the address, waits above @target with more behind having lasted
 * VSR_RX_FLOOD_INTERVAL.  @above is the address's state: when that
 * interval ends, or 0 if the last wait was not above or drained the
 * queue.
 */
static inline bool vsr_rx_behind(u64 *above, u64 now, u64 sojourn,
				 u64 target, bool more)
{
	if (sojourn <= target || !more) {
		*above = 0;
		return false;
	}
	if (!*above) {
		*above = now + VSR_RX_FLOOD_INTERVAL;
		return false;
	}
	return now >= *above;
}

/*
 * At the end of a lease, judged @lease ns after it began: whether to
 * renew it, @arrived
 * datagrams having come from the address during it, the work's
 * checks having taken @spent ns on @n of the address's datagrams and
 * @others ns on other addresses'.  Renewed if the arrivals, at that mean
 * cost each, and the others would have taken the whole lease.
 */
static inline bool vsr_rx_renew(u64 arrived, u64 spent, u64 n, u64 others,
				u64 lease)
{
	return n && mul_u64_u64_div_u64(arrived, spent, n) + others >= lease;
}

/*
 * Whether softirq takes a datagram of an address whose debt is paid off
 * at @paid, at @now, while the work is behind on it and @queued of its
 * datagrams wait.
 */
static inline bool vsr_rx_admit(u64 paid, u64 now, unsigned int queued)
{
	if (paid <= now)
		return true;
	return paid <= now + VSR_RX_FLOOD_SLACK && queued < VSR_RX_FLOOD_QUEUE;
}

#endif /* _VSR_RXLIMIT_H */
