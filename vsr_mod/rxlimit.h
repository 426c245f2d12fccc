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
 * The debt matters only while the work is *behind*, by CoDel's rule:
 * for VSR_RX_FLOOD_INTERVAL on end, each datagram that the work took up
 * waited more than the target (as built, 0: any wait) with more of any
 * address behind it; that is, its queues never all drained.  (Judged for
 * the work as a whole, not for each address: taken in turn, one a turn,
 * dear datagrams of a flood may drain their queue while another
 * address's overflows.)  That verdict holds for VSR_RX_FLOOD_HOLD and
 * opens a lease of VSR_RX_FLOOD_LEASE, within which (and
 * VSR_RX_FLOOD_GRACE after it, until the work, which may take nothing up
 * while debts are paid off, ends it) each datagram dropped holds the work
 * behind for VSR_RX_FLOOD_HOLD too, since the limit keeps the queues
 * short and draining.  A lease is never renewed: when it ends, every
 * address is taken freely again, and if a flood goes on, the queues say
 * so again.  (An estimate of what a flood would cost unlimited would be
 * made of what the limit let in, which the order of its datagrams
 * decides.)  A lease that opens within the last one's length after it
 * ran out is twice as long, up to VSR_RX_FLOOD_LEASE_MAX, so that a
 * lasting flood gets in unlimited only now and then.  A flood that the
 * work keeps up with, bursts included, delays nobody, and limiting it
 * would only drop the spoofed member's own datagrams (what it gets in
 * unlimited is bounded by its queue's caps).  While the work is behind,
 * softirq takes an address's datagrams freely while it owes nothing, at
 * most VSR_RX_FLOOD_QUEUE queued while its debt is within
 * VSR_RX_FLOOD_SLACK (what it takes on credit), and none beyond: they are
 * dropped where they arrive, before any copy or MAC.
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
 * A datagram taken up at @now waited @sojourn in its queue, and @more
 * wait behind it: whether the work is now behind, waits above @target
 * with more behind having lasted VSR_RX_FLOOD_INTERVAL.  @above is the
 * state: when that interval ends, or 0 if the last wait was not above or
 * drained the queues.
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
 */
struct vsr_rx_flow {
	atomic64_t paid;
};

/**
 * struct vsr_rx_load - whether the receive work is behind, for every
 *	address
 * @behind: until when its verdict holds (written by the receive work,
 *	read in softirq)
 * @lease: when its lease of being behind ends, 0 if none (likewise)
 * @dropped: when softirq last dropped a datagram for its address's
 *	charges, 0 if never (written in softirq only, on whichever CPU took
 *	the datagram: a store may go back by the microseconds between two
 *	CPUs, which nothing here minds)
 * @above: vsr_rx_behind()'s state (this and the rest: the work's only)
 * @len: the length of the last lease
 * @ended: when the last lease ran out, 0 if none did
 */
struct vsr_rx_load {
	atomic64_t behind;
	atomic64_t lease;
	atomic64_t dropped;
	u64 above;
	u64 len;
	u64 ended;
};

/*
 * Softirq: whether the work is behind at @now: by its verdict, or, within
 * a lease (and VSR_RX_FLOOD_GRACE after it, until the work ends it), for
 * VSR_RX_FLOOD_HOLD after a drop.
 */
static inline bool vsr_rx_load_behind(struct vsr_rx_load *l, u64 now)
{
	u64 lease, dropped;

	if (atomic64_read(&l->behind) > now)
		return true;
	lease = atomic64_read(&l->lease);
	dropped = atomic64_read(&l->dropped);
	return lease && dropped &&
	       now < min(dropped + VSR_RX_FLOOD_HOLD,
			 lease + VSR_RX_FLOOD_GRACE);
}

/*
 * Softirq: a datagram of @f's address arrived at @now, @queued of its
 * datagrams waiting, the work's load @l.  Whether to drop it for the
 * address's charges: only while the work is behind.
 */
static inline bool vsr_rx_flow_limit(struct vsr_rx_flow *f,
				     struct vsr_rx_load *l, u64 now,
				     unsigned int queued)
{
	u64 paid = atomic64_read(&f->paid);

	if (likely(paid <= now))
		return false;
	if (!vsr_rx_load_behind(l, now))
		return false;
	if (vsr_rx_admit(paid, now, queued))
		return false;
	atomic64_set(&l->dropped, now);
	return true;
}

/*
 * The work takes up a datagram at @now, queued at @queued, @more of any
 * address's behind it, its waits' target @target: its verdict, and the
 * lease's start or end.
 */
static inline void vsr_rx_load_take(struct vsr_rx_load *l, u64 now,
				    u64 queued, bool more, u64 target)
{
	u64 lease = atomic64_read(&l->lease), last;
	bool again;

	if (vsr_rx_behind(&l->above, now, now - queued, target, more)) {
		atomic64_set(&l->behind, now + VSR_RX_FLOOD_HOLD);
		if (lease && now < lease)
			return;
		/* Behind again soon after the last lease ran out. */
		last = lease ? lease : l->ended;
		again = l->len && now - last < l->len;
		l->len = again ? min_t(u64, 2 * l->len, VSR_RX_FLOOD_LEASE_MAX) :
				 VSR_RX_FLOOD_LEASE;
		atomic64_set(&l->lease, now + l->len);
	} else if (lease && now >= lease) {
		atomic64_set(&l->lease, 0);
		atomic64_set(&l->behind, now);
		l->ended = lease;
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
