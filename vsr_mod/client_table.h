/* SPDX-License-Identifier: GPL-2.0 */
/*
 * client_table.h - sessions and exactly-once, derived from the log.
 */
#ifndef _VSR_CLIENT_TABLE_H
#define _VSR_CLIENT_TABLE_H

#include "wire.h"

/**
 * struct vsr_session - one client session
 * @id: session id = op number of its REGISTER op
 * @nonce: the client's nonce from that REGISTER
 * @last_request: highest request number applied
 * @last_op: op of the last accepted request (or of the REGISTER); eviction
 *	removes the session with the smallest @last_op
 */
struct vsr_session {
	u64 id;
	u64 nonce;
	u64 last_request;
	u64 last_op;
};

/**
 * struct vsr_client_table - bounded session table
 * @s: sessions, @count used of @max
 * @count: sessions in use
 * @max: capacity
 */
struct vsr_client_table {
	struct vsr_session *s;
	u32 count;
	u32 max;
};

/* Result of applying one op to the table. */
enum vsr_ct_result {
	VSR_CT_NONE,		/* not a client op (noop, trim) */
	VSR_CT_ACCEPTED,	/* a new request: the op is a record */
	VSR_CT_DUPLICATE,	/* request already applied: not a record */
	VSR_CT_STALE,		/* no such session (evicted): not a record */
	VSR_CT_REGISTERED,	/* new session, id = op */
	VSR_CT_REREGISTERED,	/* nonce already registered */
};

int vsr_ct_init(struct vsr_client_table *ct, u32 max, gfp_t gfp);
void vsr_ct_destroy(struct vsr_client_table *ct);
int vsr_ct_copy(struct vsr_client_table *dst,
		const struct vsr_client_table *src, gfp_t gfp);
struct vsr_session *vsr_ct_find(const struct vsr_client_table *ct, u64 id);
struct vsr_session *vsr_ct_find_nonce(const struct vsr_client_table *ct,
				      u64 nonce);
enum vsr_ct_result vsr_ct_apply(struct vsr_client_table *ct,
				const struct vsr_entry_hdr *e, u64 *reply_op);
size_t vsr_ct_encode(const struct vsr_client_table *ct, u8 *p);
int vsr_ct_decode(struct vsr_client_table *ct, const u8 *p, u32 count);

#endif /* _VSR_CLIENT_TABLE_H */
