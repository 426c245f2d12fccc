/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rxlimit.h - the receive path's flood limit: its rules as pure functions
 * of times in ns, and the state of an address that softirq (socket.c) and
 * the receive work (node.c) keep with them, for KUnit as well.
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
 * during it, at the measured cost of its datagrams' checks, with the
 * work's whole time on the other addresses' datagrams, would have taken
 * all of the work's time (vsr_rx_renew()).  A flood that the
 * work keeps up with, bursts included, delays nobody, and limiting it
 * would only drop the spoofed member's own datagrams.  While behind, softirq
 * takes an address's datagrams freely while it owes nothing, at most
 * VSR_RX_FLOOD_QUEUE queued while its debt is within VSR_RX_FLOOD_SLACK
 * (what it takes on credit), and none beyond: they are dropped where they
 * arrive, before any copy or MAC.
 */
#ifndef _VSR_RXLIMIT_H
#define _VSR_RXLIMIT_H

#include <linux/atomic.h>
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

/**
 * struct vsr_rx_flow - the flood limit's state for one sender address
 * @paid: when its charges are paid off (written by the receive work, read
 *	in softirq)
 * @behind: until when the work is behind on it by CoDel's rule (likewise)
 * @lease: when its lease of being behind ends, 0 if none (likewise)
 * @dropped: when softirq last dropped one of its datagrams for the
 *	charges, 0 if never (written in softirq only)
 * @arrived: its datagrams that arrived during the lease (counted in
 *	softirq)
 * @above: vsr_rx_behind()'s state (this and the rest: the work's only)
 * @spent: the time the checks took on its datagrams this lease, each
 *	capped at VSR_RX_FLOOD_COST_MAX
 * @taken: how many
 * @busy: the work's whole time on its datagrams this lease
 * @busy_from: the work's whole time on every address's when the lease
 *	began
 *
 * Each field has a single writer, so that none undoes what another did.
 */
struct vsr_rx_flow {
	atomic64_t paid;
	atomic64_t behind;
	atomic64_t lease;
	atomic64_t dropped;
	atomic_t arrived;
	u64 above;
	u64 spent;
	u64 taken;
	u64 busy;
	u64 busy_from;
};

/*
 * Softirq: whether the work is behind on @f's address at @now: by its
 * queue's waits, or, within a lease (and VSR_RX_FLOOD_GRACE after it,
 * until the work, which may take nothing up meanwhile, judges it), for
 * VSR_RX_FLOOD_HOLD after a drop, since drops cut the waits it would see.
 */
static inline bool vsr_rx_flow_behind(struct vsr_rx_flow *f, u64 now)
{
	u64 lease, dropped;

	if (atomic64_read(&f->behind) > now)
		return true;
	lease = atomic64_read(&f->lease);
	dropped = atomic64_read(&f->dropped);
	return lease && dropped &&
	       now < min(dropped + VSR_RX_FLOOD_HOLD,
			 lease + VSR_RX_FLOOD_GRACE);
}

/* Softirq: a datagram of @f's address arrived, for the lease's judgement. */
static inline void vsr_rx_flow_arrive(struct vsr_rx_flow *f)
{
	if (atomic64_read(&f->lease))
		atomic_inc(&f->arrived);
}

/*
 * Softirq: a datagram of @f's address arrived at @now, @queued of its
 * datagrams waiting.  Whether to drop it for the address's charges (the
 * work deemed behind if @always); noted if so.
 */
static inline bool vsr_rx_flow_limit(struct vsr_rx_flow *f, u64 now,
				     unsigned int queued, bool always)
{
	u64 paid = atomic64_read(&f->paid);

	if (likely(paid <= now))
		return false;
	if (!always && !vsr_rx_flow_behind(f, now))
		return false;
	if (vsr_rx_admit(paid, now, queued))
		return false;
	atomic64_set(&f->dropped, now);
	return true;
}

/*
 * The work takes up a datagram of @f's address at @now, queued at
 * @queued, @more of the address's behind it, its waits' target @target;
 * @busy is its whole time on every address's datagrams so far.  Notes
 * whether it is behind, and judges the lease when it ends: the others'
 * time is the work's on every address since the lease began, less this
 * one's.
 */
static inline void vsr_rx_flow_take(struct vsr_rx_flow *f, u64 now,
				    u64 queued, bool more, u64 target,
				    u64 busy)
{
	u64 lease = atomic64_read(&f->lease);
	bool renew;

	if (vsr_rx_behind(&f->above, now, now - queued, target, more)) {
		atomic64_set(&f->behind, now + VSR_RX_FLOOD_HOLD);
		if (lease && now < lease)
			return;
		/* A fresh lease counts from here. */
		atomic_set(&f->arrived, 0);
		renew = true;
	} else if (lease && now >= lease) {
		renew = vsr_rx_renew((u32)atomic_xchg(&f->arrived, 0),
				     f->spent, f->taken,
				     busy - f->busy_from - f->busy,
				     now - (lease - VSR_RX_FLOOD_LEASE));
		if (!renew)
			atomic64_set(&f->behind, now);
	} else {
		return;
	}
	atomic64_set(&f->lease, renew ? now + VSR_RX_FLOOD_LEASE : 0);
	f->spent = 0;
	f->taken = 0;
	f->busy = 0;
	f->busy_from = busy;
}

/*
 * The checks of a datagram of @f's address (up to its verdict, before the
 * node lock) took the work from @start to @end; @charge if it brought
 * nothing, at @share per mille.
 */
static inline void vsr_rx_flow_checked(struct vsr_rx_flow *f, u64 start,
				       u64 end, bool charge, u32 share)
{
	f->spent += min_t(u64, end - start, VSR_RX_FLOOD_COST_MAX);
	f->taken++;
	if (charge)
		atomic64_set(&f->paid, vsr_rx_charge(atomic64_read(&f->paid),
						     start, end, share));
}

/*
 * The work spent @t on a datagram of @f's address, all told (checks,
 * node lock, core): added to @f's and to @busy, the work's on every
 * address.
 */
static inline void vsr_rx_flow_busy(struct vsr_rx_flow *f, u64 *busy, u64 t)
{
	f->busy += t;
	*busy += t;
}

#endif /* _VSR_RXLIMIT_H */
