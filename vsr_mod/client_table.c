// SPDX-License-Identifier: GPL-2.0
/*
 * client_table.c - the client (session) table.
 *
 * The table is a pure function of the applied log prefix: every replica that
 * applied the same ops has the same table.  A session is created by a
 * REGISTER op (its id is that op's number); a DATA op is a record only if its
 * session exists and its request number is above the session's last one, so
 * a request can never be applied twice, whatever the primary proposed.  The
 * table is bounded: registering into a full table evicts the session with
 * the oldest activity; requests of an evicted session are rejected with an
 * explicit error (VSR_CT_STALE) instead of being applied again.
 */
#include "client_table.h"

/**
 * vsr_ct_init() - empty table
 * @ct: table
 * @max: capacity (1..VSR_SESSIONS_MAX)
 * @gfp: allocation flags
 *
 * Return: 0, -EINVAL or -ENOMEM.
 */
int vsr_ct_init(struct vsr_client_table *ct, u32 max, gfp_t gfp)
{
	ct->count = 0;
	ct->max = max;
	ct->s = NULL;
	if (!max || max > VSR_SESSIONS_MAX)
		return -EINVAL;
	ct->s = vsr_alloc(sizeof(*ct->s) * max, gfp);
	return ct->s ? 0 : -ENOMEM;
}
EXPORT_SYMBOL_IF_KUNIT(vsr_ct_init);

/**
 * vsr_ct_destroy() - free a table
 * @ct: table
 */
void vsr_ct_destroy(struct vsr_client_table *ct)
{
	vsr_free(ct->s);
	ct->s = NULL;
	ct->count = 0;
}
EXPORT_SYMBOL_IF_KUNIT(vsr_ct_destroy);

/**
 * vsr_ct_copy() - replace @dst by a copy of @src
 * @dst: initialised table with the same capacity
 * @src: table
 * @gfp: allocation flags
 *
 * Return: 0 or -ENOMEM (then @dst is unchanged).
 */
int vsr_ct_copy(struct vsr_client_table *dst,
		const struct vsr_client_table *src, gfp_t gfp)
{
	if (dst->max != src->max || !dst->s) {
		struct vsr_client_table t;

		if (vsr_ct_init(&t, src->max, gfp))
			return -ENOMEM;
		vsr_ct_destroy(dst);
		*dst = t;
	}
	memcpy(dst->s, src->s, sizeof(*src->s) * src->count);
	dst->count = src->count;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(vsr_ct_copy);

/**
 * vsr_ct_find() - look a session up by id
 * @ct: table
 * @id: session id
 *
 * Return: the session or NULL.
 */
struct vsr_session *vsr_ct_find(const struct vsr_client_table *ct, u64 id)
{
	u32 i;

	for (i = 0; i < ct->count; i++)
		if (ct->s[i].id == id)
			return &ct->s[i];
	return NULL;
}
EXPORT_SYMBOL_IF_KUNIT(vsr_ct_find);

/**
 * vsr_ct_find_nonce() - look a session up by its registration nonce
 * @ct: table
 * @nonce: nonce
 *
 * Return: the session or NULL.
 */
struct vsr_session *vsr_ct_find_nonce(const struct vsr_client_table *ct,
				      u64 nonce)
{
	u32 i;

	for (i = 0; i < ct->count; i++)
		if (ct->s[i].nonce == nonce)
			return &ct->s[i];
	return NULL;
}
EXPORT_SYMBOL_IF_KUNIT(vsr_ct_find_nonce);

/**
 * vsr_ct_apply() - apply one committed op to the table
 * @ct: table
 * @e: the op
 * @reply_op: op to report to the client: the record's op, the session id,
 *	or the op of the earlier identical request (0 if unknown)
 *
 * Return: what the op did (see enum vsr_ct_result).
 */
enum vsr_ct_result vsr_ct_apply(struct vsr_client_table *ct,
				const struct vsr_entry_hdr *e, u64 *reply_op)
{
	struct vsr_session *s;
	u32 i, victim;

	*reply_op = 0;
	switch (e->type) {
	case VSR_OP_DATA:
		s = vsr_ct_find(ct, e->session);
		if (!s)
			return VSR_CT_STALE;
		if (e->request <= s->last_request) {
			if (e->request == s->last_request)
				*reply_op = s->last_op;
			return VSR_CT_DUPLICATE;
		}
		s->last_request = e->request;
		s->last_op = e->op;
		*reply_op = e->op;
		return VSR_CT_ACCEPTED;
	case VSR_OP_REGISTER:
		s = vsr_ct_find_nonce(ct, e->request);
		if (s) {
			*reply_op = s->id;
			return VSR_CT_REREGISTERED;
		}
		if (ct->count == ct->max) {
			victim = 0;
			for (i = 1; i < ct->count; i++)
				if (ct->s[i].last_op < ct->s[victim].last_op)
					victim = i;
			ct->s[victim] = ct->s[--ct->count];
		}
		s = &ct->s[ct->count++];
		s->id = e->op;
		s->nonce = e->request;
		s->last_request = 0;
		s->last_op = e->op;
		*reply_op = e->op;
		return VSR_CT_REGISTERED;
	default:
		return VSR_CT_NONE;
	}
}
EXPORT_SYMBOL_IF_KUNIT(vsr_ct_apply);

/**
 * vsr_ct_encode() - serialise the sessions (VSR_SESSION_WIRE_SIZE each)
 * @ct: table
 * @p: destination, count * VSR_SESSION_WIRE_SIZE bytes
 *
 * Return: bytes written.
 */
size_t vsr_ct_encode(const struct vsr_client_table *ct, u8 *p)
{
	u32 i;

	for (i = 0; i < ct->count; i++, p += VSR_SESSION_WIRE_SIZE) {
		vsr_put_le64(p, ct->s[i].id);
		vsr_put_le64(p + 8, ct->s[i].nonce);
		vsr_put_le64(p + 16, ct->s[i].last_request);
		vsr_put_le64(p + 24, ct->s[i].last_op);
	}
	return (size_t)ct->count * VSR_SESSION_WIRE_SIZE;
}
EXPORT_SYMBOL_IF_KUNIT(vsr_ct_encode);

/**
 * vsr_ct_decode() - load sessions received in a checkpoint
 * @ct: initialised table; replaced on success
 * @p: count * VSR_SESSION_WIRE_SIZE bytes
 * @count: number of sessions
 *
 * Return: 0, or -EINVAL if the sessions are not a table this cluster could
 * have produced (too many, id 0, duplicate id, activity before creation).
 */
int vsr_ct_decode(struct vsr_client_table *ct, const u8 *p, u32 count)
{
	u32 i, j;

	if (count > ct->max)
		return -EINVAL;
	for (i = 0; i < count; i++) {
		const u8 *q = p + (size_t)i * VSR_SESSION_WIRE_SIZE;
		u64 id = vsr_get_le64(q);

		if (!id || vsr_get_le64(q + 24) < id)
			return -EINVAL;
		for (j = 0; j < i; j++)
			if (vsr_get_le64(p + (size_t)j *
					 VSR_SESSION_WIRE_SIZE) == id)
				return -EINVAL;
	}
	for (i = 0; i < count; i++, p += VSR_SESSION_WIRE_SIZE) {
		ct->s[i].id = vsr_get_le64(p);
		ct->s[i].nonce = vsr_get_le64(p + 8);
		ct->s[i].last_request = vsr_get_le64(p + 16);
		ct->s[i].last_op = vsr_get_le64(p + 24);
	}
	ct->count = count;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(vsr_ct_decode);
