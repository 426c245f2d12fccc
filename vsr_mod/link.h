/* SPDX-License-Identifier: GPL-2.0 */
/*
 * link.h - the wire format two replicas speak: the rules of the version
 * negotiation, pure (no sockets, no clock: the driver passes the time in
 * ticks), so that the unit tests can run them over a lossy network.
 */
#ifndef _VSR_LINK_H
#define _VSR_LINK_H

#include "wire.h"

/* HELLO to a peer spoken to in an older format than ours: this often. */
#define VSR_LINK_HELLO_EVERY	100
/* No HELLO to one peer more often than this. */
#define VSR_LINK_HELLO_GAP	10
/*
 * A peer that sent HELLO this recently knows HELLO: its datagrams in an
 * older format are ones it sent before it heard ours, not a sign that it
 * was replaced by an older module.
 */
#define VSR_LINK_TRUST		200

/**
 * struct vsr_link - what one replica knows of the format of one peer
 * @ver: the format agreed on (or seen), 0 = nothing known yet
 * @sent: a HELLO was sent, at @sent_at
 * @heard: a HELLO was received, at @heard_at
 * @sent_at: tick of the last HELLO sent
 * @heard_at: tick of the last HELLO received
 */
struct vsr_link {
	u8 ver;
	bool sent;
	bool heard;
	u64 sent_at;
	u64 heard_at;
};

u8 vsr_link_format(const struct vsr_link *l, u8 cap);
int vsr_link_rx(struct vsr_link *l, u8 cap, const struct vsr_hdr *h, u64 now,
		bool *hello);
bool vsr_link_tick(const struct vsr_link *l, u8 cap, u64 now);
void vsr_link_hello(struct vsr_link *l, u8 cap, u64 now, u64 *lo, u64 *hi,
		    u64 *cur);

#endif /* _VSR_LINK_H */
