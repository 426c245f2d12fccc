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
 * CoDel's rule: for VSR_RX_FLOOD_INTERVAL on end, each of its datagrams
 * that the work took up waited more than the target (as built, 0: any
 * wait) with more behind it; that is, its queue never drained.  That
 * verdict holds for VSR_RX_FLOOD_HOLD and opens a lease of
 * VSR_RX_FLOOD_LEASE, within which (and VSR_RX_FLOOD_GRACE after it,
 * until the work, which may take nothing up while the debt is paid off,
 * ends it) each datagram dropped holds the address behind for
 * VSR_RX_FLOOD_HOLD too, since the limit keeps the queue and its waits
 * short.  A lease is never renewed: when it ends, the address is taken
 * freely again, and if it still floods, its waits say so again.  (An
 * estimate of what it would cost unlimited would be made of what the
 * limit let in, which the order of a flood's datagrams decides.)  A lease
 * that opens within the last one's length after it ended is twice as
 * long, up to VSR_RX_FLOOD_LEASE_MAX, so that a lasting flood gets in
 * unlimited for an interval only now and then.  A flood that the work
 * keeps up with, bursts included, delays nobody, and limiting it would
 * only drop the spoofed member's own datagrams (what it gets in
 * unlimited is bounded by its queue's caps).  While behind, softirq takes an
 * address's datagrams freely while it owes nothing, at most
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
#define VSR_RX_FLOOD_TARGET	0
#define VSR_RX_FLOOD_INTERVAL	(100 * NSEC_PER_MSEC)
#define VSR_RX_FLOOD_HOLD	(100 * NSEC_PER_MSEC)
#define VSR_RX_FLOOD_LEASE	NSEC_PER_SEC
#define VSR_RX_FLOOD_LEASE_MAX	(4 * NSEC_PER_SEC)
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
 * @behind: until when the work's verdict holds it behind (likewise)
 * @lease: when its lease of being behind ends, 0 if none (likewise)
 * @dropped: when softirq last dropped one of its datagrams for the
 *	charges while behind, 0 if never (written in softirq only, on
 *	whichever CPU took the datagram: a store may go back by the
 *	microseconds between two CPUs, which nothing here minds)
 * @above: vsr_rx_behind()'s state (this and the rest: the work's only)
 * @len: the length of the last lease
 * @ended: when the last lease ran out, 0 if none did
 */
struct vsr_rx_flow {
	atomic64_t paid;
	atomic64_t behind;
	atomic64_t lease;
	atomic64_t dropped;
	u64 above;
	u64 len;
	u64 ended;
};

/*
 * Softirq: whether the work is behind on @f's address at @now: by its
 * verdict, or, within a lease (and VSR_RX_FLOOD_GRACE after it, until the
 * work ends it), for VSR_RX_FLOOD_HOLD after a drop.
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

/*
 * Softirq: a datagram of @f's address arrived at @now, @queued of its
 * datagrams waiting.  Whether to drop it for the address's charges: only
 * while the work is behind on it.
 */
static inline bool vsr_rx_flow_limit(struct vsr_rx_flow *f, u64 now,
				     unsigned int queued)
{
	u64 paid = atomic64_read(&f->paid);

	if (likely(paid <= now))
		return false;
	if (!vsr_rx_flow_behind(f, now))
		return false;
	if (vsr_rx_admit(paid, now, queued))
		return false;
	atomic64_set(&f->dropped, now);
	return true;
}

/*
 * The work takes up a datagram of @f's address at @now, queued at
 * @queued, @more of the address's behind it, its waits' target @target:
 * its verdict, and the lease's start or end.
 */
static inline void vsr_rx_flow_take(struct vsr_rx_flow *f, u64 now,
				    u64 queued, bool more, u64 target)
{
	u64 lease = atomic64_read(&f->lease), last;
	bool again;

	if (vsr_rx_behind(&f->above, now, now - queued, target, more)) {
		atomic64_set(&f->behind, now + VSR_RX_FLOOD_HOLD);
		if (lease && now < lease)
			return;
		/* Behind again soon after the last lease ended (or expired). */
		last = lease ? lease : f->ended;
		again = f->len && now - last < f->len;
		f->len = again ? min_t(u64, 2 * f->len, VSR_RX_FLOOD_LEASE_MAX) :
				 VSR_RX_FLOOD_LEASE;
		atomic64_set(&f->lease, now + f->len);
	} else if (lease && now >= lease) {
		atomic64_set(&f->lease, 0);
		atomic64_set(&f->behind, now);
		f->ended = lease;
	}
}

/*
 * The checks of a datagram of @f's address that brought nothing (up to
 * their verdict, before the node lock) took the work from @start to @end:
 * charged at @share per mille.
 */
static inline void vsr_rx_flow_charge(struct vsr_rx_flow *f, u64 start,
				      u64 end, u32 share)
{
	atomic64_set(&f->paid, vsr_rx_charge(atomic64_read(&f->paid), start,
					     end, share));
}

#endif /* _VSR_RXLIMIT_H */
