// SPDX-License-Identifier: GPL-2.0
/*
 * link.c - which wire format to speak with one peer.
 *
 * A cluster is upgraded one node at a time, so members of different
 * module versions must talk.  Each pair of replicas agrees on the newest
 * format both speak, as DRBD agrees on a protocol version at connect, but
 * without a connection.  The rules (protocol.rst, "Wire versions"):
 *
 *  - Nothing known of a peer: speak VSR_WIRE_MIN, which every module reads.
 *  - HELLO (lo, hi, cur): the peer speaks lo..hi and sends us cur.  Agree
 *    on min(hi, our cap) (drop it if the ranges do not meet), and answer
 *    with our own HELLO if cur is not that: one round trip settles a pair,
 *    however its HELLOs crossed or were lost.
 *  - Any other datagram in format v: a peer that speaks v.  Above what we
 *    agreed, move up.  Below it, move down only if the peer has sent no
 *    HELLO for VSR_LINK_TRUST ticks: a module that knows HELLO sends one
 *    every VSR_LINK_HELLO_EVERY ticks while it speaks an older format to
 *    us than it could, so older datagrams without a recent HELLO come
 *    from a module that does not know HELLO (a rollback), and older ones
 *    with a recent HELLO are merely late.
 *  - Every VSR_LINK_HELLO_EVERY ticks, HELLO to a peer we heard from and
 *    speak an older format with than our own newest.
 */

#include "link.h"

/**
 * vsr_link_format() - the format to send a peer datagrams in
 * @l: the link
 * @cap: the newest format this replica speaks
 *
 * Return: the agreed format, VSR_WIRE_MIN while nothing is known.
 */
u8 vsr_link_format(const struct vsr_link *l, u8 cap)
{
	u8 v = l->ver ? l->ver : VSR_WIRE_MIN;

	return v < cap ? v : cap;
}
EXPORT_SYMBOL_IF_KUNIT(vsr_link_format);

static bool vsr_link_may_hello(const struct vsr_link *l, u64 now, u64 gap)
{
	return !l->sent || now - l->sent_at >= gap;
}

/**
 * vsr_link_rx() - learn from a datagram the peer sent
 * @l: the link
 * @cap: the newest format this replica speaks
 * @h: the datagram's header, validated by vsr_msg_decode()
 * @now: the time in ticks
 * @hello: set if a HELLO should be sent to the peer now
 *
 * Return: 0 if the datagram is for the core, 1 if it was a HELLO (for the
 * link alone), -EPROTONOSUPPORT if this replica does not speak its format.
 */
int vsr_link_rx(struct vsr_link *l, u8 cap, const struct vsr_hdr *h, u64 now,
		bool *hello)
{
	u16 v = h->version;
	u8 agreed;

	*hello = false;
	if (v > cap)
		return -EPROTONOSUPPORT;
	if (h->command == VSR_CMD_HELLO) {
		/* Decoding checked VSR_WIRE_HELLO <= version, lo <= hi <= 255. */
		if (h->arg1 < VSR_WIRE_MIN || h->arg0 > cap)
			return -EPROTONOSUPPORT;
		agreed = h->arg1 < cap ? h->arg1 : cap;
		l->ver = agreed;
		l->heard = true;
		l->heard_at = now;
		*hello = h->op != agreed &&
			 vsr_link_may_hello(l, now, VSR_LINK_HELLO_GAP);
		return 1;
	}
	if (!l->ver || v > l->ver)
		l->ver = v;
	else if (v < l->ver &&
		 (!l->heard || now - l->heard_at >= VSR_LINK_TRUST))
		l->ver = v;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(vsr_link_rx);

/**
 * vsr_link_tick() - is a periodic HELLO due?
 * @l: the link
 * @cap: the newest format this replica speaks
 * @now: the time in ticks
 *
 * Return: true if the peer should get a HELLO now: we heard from it, we
 * speak it an older format than our own newest, and the last HELLO is
 * VSR_LINK_HELLO_EVERY ticks old.  Format 1 has no HELLO.  A peer never
 * heard from gets none: it is down or starting, and a replica that starts
 * sends RECOVERY to every peer, which makes it heard.
 */
bool vsr_link_tick(const struct vsr_link *l, u8 cap, u64 now)
{
	return cap >= VSR_WIRE_HELLO && l->ver &&
	       vsr_link_format(l, cap) < cap &&
	       vsr_link_may_hello(l, now, VSR_LINK_HELLO_EVERY);
}
EXPORT_SYMBOL_IF_KUNIT(vsr_link_tick);

/**
 * vsr_link_hello() - the fields of a HELLO to the peer, which is sent now
 * @l: the link
 * @cap: the newest format this replica speaks
 * @now: the time in ticks
 * @lo: the oldest format we speak
 * @hi: the newest, @cap
 * @cur: the format we send the peer
 */
void vsr_link_hello(struct vsr_link *l, u8 cap, u64 now, u64 *lo, u64 *hi,
		    u64 *cur)
{
	l->sent = true;
	l->sent_at = now;
	*lo = VSR_WIRE_MIN;
	*hi = cap;
	*cur = vsr_link_format(l, cap);
}
EXPORT_SYMBOL_IF_KUNIT(vsr_link_hello);
