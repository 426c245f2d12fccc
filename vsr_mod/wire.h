/* SPDX-License-Identifier: GPL-2.0 */
/*
 * wire.h - the vsr message format.
 *
 * Every message is one UDP datagram: an 80-byte little-endian header
 * followed by a body of hdr.size - 80 bytes.  The header, the entry header
 * and the checkpoint header are packed structs of __le fields (struct
 * vsr_wire_hdr and friends below; no padding, sizes and offsets asserted),
 * read and written with get_unaligned_le*() and put_unaligned_le*() because
 * a datagram, or an entry inside one, may sit at any address.
 *
 *   off size field
 *     0    4 hdr_csum   crc32c over header bytes 4..79
 *     4    4 body_csum  crc32c over the body
 *     8    4 magic      VSR_MAGIC
 *    12    2 version    wire format, VSR_WIRE_MIN..VSR_WIRE_MAX
 *    14    1 command    enum vsr_command
 *    15    1 replica    sender's index in the configuration
 *    16    8 cluster    cluster id
 *    24    4 epoch      configuration epoch (reserved, always 0 for now)
 *    28    4 view       sender's view
 *    32    8 op         command-specific op number (see protocol.rst)
 *    40    8 commit     sender's commit number
 *    48    4 size       header + body bytes
 *    52    4 log_view   sender's log view (last view its log is whole for)
 *    56    4 head_csum  chain checksum of entry @op in the sender's log
 *    60    4 flags      command-specific
 *    64    8 arg0       command-specific
 *    72    8 arg1       command-specific
 *
 * A log entry on the wire (PREPARE and NEWSTATE bodies) is a 48-byte entry
 * header followed by len bytes of data:
 *
 *     0    8 op, 8 session, 16 request, 24 view(4), 28 len(4), 32 parent(4),
 *    36 type(1), 37..43 zero, 44 checksum(4)
 *
 * checksum = crc32c over entry-header bytes 0..43 and then the data; the
 * header includes the parent's checksum, which chains every entry to the
 * one before it.
 */
#ifndef _VSR_WIRE_H
#define _VSR_WIRE_H

#include "core.h"

#define VSR_MAGIC		0x31525356u	/* "VSR1" */
/*
 * Wire formats this module speaks.  1: the original.  2: 1 plus HELLO,
 * with which two peers agree on the newest format both speak (version.c).
 * The core seals every message in VSR_WIRE_MAX; the layouts of the core's
 * commands are the same in both, so a link that speaks 1 gets the header
 * restamped (vsr_hdr_restamp()).
 */
#define VSR_WIRE_MIN		1
#define VSR_WIRE_MAX		2
/* HELLO is sent in this format, by every version to come. */
#define VSR_WIRE_HELLO		2
#define VSR_HDR_SIZE		80
#define VSR_ENTRY_HDR_SIZE	48
/* Largest datagram: the IPv4 UDP payload limit. */
#define VSR_MSG_MAX		65507u
/*
 * Largest message the core builds: room is left for the MAC trailer that
 * the glue appends when the instance has a key (auth.h).  Format 1 nodes
 * built up to VSR_MSG_MAX, which is still accepted.
 */
#define VSR_TRAILER_ROOM	28u
#define VSR_MSG_BUILD_MAX	(VSR_MSG_MAX - VSR_TRAILER_ROOM)
/* Largest record (client data) in one op. */
#define VSR_RECORD_MAX		(60u * 1024u)
#define VSR_REPLICAS_MAX	16
#define VSR_SESSIONS_MAX	1024
/* Serialised session in a checkpoint. */
#define VSR_SESSION_WIRE_SIZE	32
/* Checkpoint header inside NEWSTATE: op, view, checksum, count, pad. */
#define VSR_CKPT_HDR_SIZE	24

enum vsr_command {
	VSR_CMD_REQUEST = 1,
	VSR_CMD_PREPARE,
	VSR_CMD_PREPAREOK,
	VSR_CMD_COMMIT,
	VSR_CMD_STARTVIEWCHANGE,
	VSR_CMD_DOVIEWCHANGE,
	VSR_CMD_STARTVIEW,
	VSR_CMD_GETSTATE,
	VSR_CMD_NEWSTATE,
	VSR_CMD_RECOVERY,
	VSR_CMD_RECOVERYRESPONSE,
	VSR_CMD_MAX = VSR_CMD_RECOVERYRESPONSE,
	/*
	 * Not the protocol core's: the glue's version negotiation (wire
	 * format 2 and later, link.c).  arg0 and arg1: the oldest and newest
	 * format the sender speaks; op: the format it sends the receiver;
	 * flags: VSR_HELLO_DURABLE if its log is on disk; view: with
	 * VSR_HELLO_ASK, the sender's challenge (0: none); log_view: the
	 * receiver's last challenge, echoed (0: none); no body.
	 */
	VSR_CMD_HELLO = 12,
	/*
	 * Not the core's either: the glue's authentication handshake (format
	 * 2 and later, auth.c).  Body, VSR_AUTH_NONCE_SIZE bytes each: the
	 * sender's incarnation nonce, its current challenge to the receiver,
	 * the echo of the receiver's challenge to it, and the receiver's
	 * nonce as the sender adopted it (zeros: none).  arg0: the sender's
	 * features (VSR_AUTH_FEAT_*); a module without any sends 0, and none
	 * checks it.
	 */
	VSR_CMD_AUTH = 13,
	/*
	 * The core's again, with reconfiguration (cfg.epochs): a notice of
	 * the sender's epoch.  op: the RECONFIG op that started it, head_csum:
	 * that op's checksum (op 0: the sender knows of none, and only asks
	 * for the receiver's notice; with VSR_EPOCH_JOINING, epoch 0 too);
	 * arg0: the first op the sender can serve to an older epoch;
	 * commit: the sender's commit number once it has applied that op,
	 * else 0; arg1: 1 if the sender heard the receiver in the epoch (an
	 * answer to the receiver's notice), else 0 (a module before
	 * 2026-12-05 sends 0 and reads nothing there).  Body: that RECONFIG
	 * entry (header and data), so that the receiver learns the epoch's
	 * members and the incarnations it recorded; none with op 0.
	 */
	VSR_CMD_EPOCH = 14,
	/*
	 * The core's, with cfg.epochs: a primary's answer to a backup that
	 * forwarded a change (a REQUEST of type VSR_OP_RECONFIG), when it
	 * did not append it.  arg1: the change's nonce; arg0: the answer
	 * (VSR_ANSWER_*); flags: the index, in the change's list, of the
	 * member the answer names (0 for the others); no body.
	 */
	VSR_CMD_ANSWER = 15,
};

/*
 * Answers to a forwarded change (VSR_CMD_ANSWER's arg0).  Below
 * VSR_ANSWER_REFUSED the primary still tries it and says what it waits
 * for; from it, it refused the change for good.
 */
enum vsr_answer {
	VSR_ANSWER_QUORUM = 1,	/* a quorum: of ours, or of the next epoch's */
	VSR_ANSWER_SILENT,	/* the new member named has not answered */
	VSR_ANSWER_BEHIND,	/* the new member named is still catching up */
	VSR_ANSWER_REFUSED = 16,
	VSR_ANSWER_ALREADY = VSR_ANSWER_REFUSED,	/* -EALREADY */
	VSR_ANSWER_DOM,		/* -EDOM: too few members stay */
	VSR_ANSWER_INVAL,	/* -EINVAL */
	VSR_ANSWER_OVERFLOW,	/* -EOVERFLOW: the last epoch */
	VSR_ANSWER_NOEPOCHS,	/* -EPROTONOSUPPORT: a member knows no epochs */
	VSR_ANSWER_MAX = VSR_ANSWER_NOEPOCHS,
};

/* In an AUTH's arg0: the sender decrypts what is encrypted to it. */
#define VSR_AUTH_FEAT_DECRYPT	BIT_ULL(0)
/*
 * In an AUTH's arg0: the sender is a joining instance answering an
 * address it has no peer for; another joining instance ignores it.
 */
#define VSR_AUTH_FEAT_JOINING	BIT_ULL(1)

/* Bytes of a nonce or challenge of the authentication handshake. */
#define VSR_AUTH_NONCE_SIZE	16
/* Body of an AUTH: nonce, challenge, echo, known. */
#define VSR_AUTH_BODY_SIZE	(4 * VSR_AUTH_NONCE_SIZE)

/* Operation (log entry) types. */
enum vsr_op_type {
	VSR_OP_NOOP = 0,
	VSR_OP_REGISTER = 1,	/* request = client nonce; session id = op */
	VSR_OP_DATA = 2,	/* a record: session, request, data */
	VSR_OP_TRIM = 3,	/* request = first op to keep */
	VSR_OP_RECONFIG = 4,	/* request = nonce; data: the next epoch */
	VSR_OP_MAX = VSR_OP_RECONFIG,
};

/* Bytes of a member's identity: to the kernel, its UDP address. */
#define VSR_MEMBER_ID_SIZE	24

/*
 * struct vsr_member_id - who a member is, whatever its index in an epoch.
 * The core only compares identities; its driver chose them (the kernel
 * glue: family, port and address; the simulator: the node's number).
 */
struct vsr_member_id {
	u8 b[VSR_MEMBER_ID_SIZE];
};

/*
 * One member in a RECONFIG: the incarnation under which the proposing
 * primary last heard it (0: not heard in its view), and its identity.
 */
struct vsr_wire_member {
	__le64 incarnation;
	u8 id[VSR_MEMBER_ID_SIZE];
} __packed;

/*
 * The data of a RECONFIG entry: the epoch it starts and its members in
 * order (a member's place is its index in that epoch).  Only the recorded
 * incarnation of a member enters the new epoch without recovering.
 */
struct vsr_wire_reconfig {
	__le32 epoch;
	__le32 count;
	struct vsr_wire_member member[];
} __packed;

#define VSR_MEMBER_WIRE_SIZE	(8u + VSR_MEMBER_ID_SIZE)
#define VSR_RECONFIG_SIZE(n)	(8u + VSR_MEMBER_WIRE_SIZE * (n))
bool vsr_reconfig_ok(const u8 *data, u32 len);

/* NEWSTATE flags */
#define VSR_NS_CKPT		0x1	/* body starts with a checkpoint */
/* EPOCH flags: the sender was removed; its index is of the epoch before */
#define VSR_EPOCH_REMOVED	0x1
/*
 * EPOCH flag: the sender is a joining replica, which knows no epoch: epoch
 * 0, op 0, no body; it asks for the receiver's notice.
 */
#define VSR_EPOCH_JOINING	0x2
/*
 * EPOCH flag, alone: a primary invites a learner (a joining replica that a
 * change it tries names) to learn the log; epoch, op and head_csum as in
 * a notice (epoch 0: op 0, no body), commit: its commit number.  With
 * VSR_EPOCH_JOINING: the learner's request, in the epoch it was invited
 * to: arg0 the first op it lacks, arg1 its incarnation, op and commit 0,
 * body its identity (VSR_MEMBER_ID_SIZE bytes); the primary answers with a
 * NEWSTATE of committed ops.
 */
#define VSR_EPOCH_LEARN		0x4
/* STARTVIEWCHANGE flags */
#define VSR_SVC_ENTERED		0x1	/* sender is in view change for it */
#define VSR_SVC_CONFIRM		0x2	/* new primary: confirm your DVC */
/* RECOVERYRESPONSE flags */
#define VSR_RR_NORMAL		0x1	/* responder is in normal status */
/*
 * HELLO flags.  DURABLE: the sender's log is on disk (journal.c).  Modules
 * before them send none, and refuse a HELLO with flags: durability is the
 * same on every member of a cluster, and a mismatch is refused
 * (version.c).
 */
#define VSR_HELLO_DURABLE	0x1
/*
 * The sender asks for a HELLO back (a durable one asks every second), with
 * a challenge that the answer echoes: a durable node takes a peer's
 * durability only from an answer to its current challenge, never from an
 * older HELLO that a network delivered late.
 */
#define VSR_HELLO_ASK		0x2
/* COMMIT / PREPARE flags */
#define VSR_PF_NONE		0x0

/*
 * struct vsr_wire_hdr - the message header as it is on the wire
 *
 * Never dereferenced for its fields directly: buffers may be unaligned, so
 * every field goes through get_unaligned_le*() or put_unaligned_le*().
 * The decoded form, in host byte order, is struct vsr_hdr.
 */
struct vsr_wire_hdr {
	__le32 hdr_csum;	/* crc32c over the bytes after this field */
	__le32 body_csum;
	__le32 magic;
	__le16 version;
	u8 command;
	u8 replica;
	__le64 cluster;
	__le32 epoch;
	__le32 view;
	__le64 op;
	__le64 commit;
	__le32 size;
	__le32 log_view;
	__le32 head_csum;
	__le32 flags;
	__le64 arg0;
	__le64 arg1;
} __packed;

static_assert(sizeof(struct vsr_wire_hdr) == VSR_HDR_SIZE);
/* hdr_csum covers the header from here on. */
#define VSR_HDR_CSUM_START	offsetof(struct vsr_wire_hdr, body_csum)
static_assert(VSR_HDR_CSUM_START == 4);
static_assert(offsetof(struct vsr_wire_hdr, command) == 14);
static_assert(offsetof(struct vsr_wire_hdr, replica) == 15);
static_assert(offsetof(struct vsr_wire_hdr, cluster) == 16);
static_assert(offsetof(struct vsr_wire_hdr, op) == 32);
static_assert(offsetof(struct vsr_wire_hdr, size) == 48);
static_assert(offsetof(struct vsr_wire_hdr, arg0) == 64);

/*
 * struct vsr_wire_entry_hdr - a log entry's header as it is on the wire
 */
struct vsr_wire_entry_hdr {
	__le64 op;
	__le64 session;
	__le64 request;
	__le32 view;
	__le32 len;
	__le32 parent;		/* the previous entry's checksum */
	u8 type;
	u8 zero[7];		/* must be zero */
	__le32 checksum;	/* crc32c over the bytes before it, then data */
} __packed;

static_assert(sizeof(struct vsr_wire_entry_hdr) == VSR_ENTRY_HDR_SIZE);
static_assert(offsetof(struct vsr_wire_entry_hdr, view) == 24);
static_assert(offsetof(struct vsr_wire_entry_hdr, type) == 36);
static_assert(offsetof(struct vsr_wire_entry_hdr, checksum) == 44);

/*
 * struct vsr_wire_ckpt_hdr - the checkpoint at the start of a NEWSTATE body
 * (VSR_NS_CKPT), followed by count sessions of VSR_SESSION_WIRE_SIZE bytes
 */
struct vsr_wire_ckpt_hdr {
	__le64 op;		/* last op the checkpoint covers */
	__le32 view;		/* view of that op */
	__le32 checksum;	/* chain checksum of that op */
	__le32 count;		/* sessions that follow */
	__le32 zero;		/* must be zero */
} __packed;

static_assert(sizeof(struct vsr_wire_ckpt_hdr) == VSR_CKPT_HDR_SIZE);
static_assert(offsetof(struct vsr_wire_ckpt_hdr, count) == 16);

/**
 * vsr_wire_replica() - the sender's replica index of an undecoded message
 * @buf: at least VSR_HDR_SIZE bytes
 *
 * For filtering before vsr_msg_decode(); the value is not validated.
 *
 * Return: the header's replica field.
 */
static inline u8 vsr_wire_replica(const void *buf)
{
	return ((const struct vsr_wire_hdr *)buf)->replica;
}

/**
 * vsr_wire_epoch() - the sender's epoch of an undecoded message
 * @buf: at least VSR_HDR_SIZE bytes
 *
 * For filtering before vsr_msg_decode(); the value is not validated.
 *
 * Return: the header's epoch field.
 */
static inline u32 vsr_wire_epoch(const void *buf)
{
	return get_unaligned_le32(&((const struct vsr_wire_hdr *)buf)->epoch);
}

/**
 * vsr_wire_flags() - the flags of an undecoded message
 * @buf: at least VSR_HDR_SIZE bytes
 *
 * For filtering before vsr_msg_decode(); the value is not validated.
 *
 * Return: the header's flags field.
 */
static inline u32 vsr_wire_flags(const void *buf)
{
	return get_unaligned_le32(&((const struct vsr_wire_hdr *)buf)->flags);
}

/**
 * vsr_wire_command() - the command of an undecoded message
 * @buf: at least VSR_HDR_SIZE bytes
 *
 * For filtering before vsr_msg_decode(); the value is not validated.
 *
 * Return: the header's command field.
 */
static inline u8 vsr_wire_command(const void *buf)
{
	return ((const struct vsr_wire_hdr *)buf)->command;
}

/**
 * vsr_wire_version() - the wire format of an undecoded message
 * @buf: at least VSR_HDR_SIZE bytes
 *
 * For filtering before vsr_msg_decode(); the value is not validated.
 *
 * Return: the header's version field.
 */
static inline u16 vsr_wire_version(const void *buf)
{
	return get_unaligned_le16(&((const struct vsr_wire_hdr *)buf)->version);
}

/**
 * vsr_wire_cluster() - the cluster id of an undecoded message
 * @buf: at least VSR_HDR_SIZE bytes
 *
 * For filtering before vsr_msg_decode(); the value is not validated.
 *
 * Return: the header's cluster field.
 */
static inline u64 vsr_wire_cluster(const void *buf)
{
	return get_unaligned_le64(&((const struct vsr_wire_hdr *)buf)->cluster);
}

/**
 * vsr_wire_size() - the length an undecoded message claims
 * @buf: at least VSR_HDR_SIZE bytes
 *
 * For filtering before vsr_msg_decode(); the value is not validated.
 *
 * Return: the header's size field (header and body bytes).
 */
static inline u32 vsr_wire_size(const void *buf)
{
	return get_unaligned_le32(&((const struct vsr_wire_hdr *)buf)->size);
}

/*
 * struct vsr_hdr - a decoded message header (host byte order)
 */
struct vsr_hdr {
	u32 hdr_csum;
	u32 body_csum;
	u32 magic;
	u16 version;
	u8 command;
	u8 replica;
	u64 cluster;
	u32 epoch;
	u32 view;
	u64 op;
	u64 commit;
	u32 size;
	u32 log_view;
	u32 head_csum;
	u32 flags;
	u64 arg0;
	u64 arg1;
};

/*
 * struct vsr_entry_hdr - metadata of one log entry (host byte order)
 */
struct vsr_entry_hdr {
	u64 op;
	u64 session;
	u64 request;
	u32 view;
	u32 len;
	u32 parent;
	u32 checksum;
	u8 type;
};

/*
 * struct vsr_msg - a validated message; body points into the caller's buffer
 */
struct vsr_msg {
	struct vsr_hdr h;
	const u8 *body;
	u32 body_len;
	/* NEWSTATE: checkpoint, if VSR_NS_CKPT */
	const u8 *ckpt;
	u32 ckpt_len;
	/* PREPARE/NEWSTATE: validated entries */
	const u8 *entries;
	u32 entries_len;
	u32 nr_entries;
};

/*
 * struct vsr_entry_iter - walks the validated entries of a message
 */
struct vsr_entry_iter {
	const u8 *p;
	const u8 *end;
};

u32 vsr_crc32c(u32 seed, const void *buf, size_t len);
u32 vsr_chain_root(u64 cluster);
u32 vsr_entry_checksum(const struct vsr_entry_hdr *e, const void *data);
void vsr_entry_hdr_put(u8 *p, const struct vsr_entry_hdr *e);
void vsr_entry_hdr_get(const u8 *p, struct vsr_entry_hdr *e);
void vsr_hdr_put(u8 *p, const struct vsr_hdr *h);
void vsr_hdr_get(const u8 *p, struct vsr_hdr *h);
size_t vsr_msg_seal(u8 *buf, struct vsr_hdr *h, size_t body_len);
void vsr_hdr_restamp(u8 *dst, const u8 *src, u16 version);
void vsr_msg_set_csums(u8 *buf);
size_t vsr_auth_msg_seal(u8 *buf, u64 cluster, u32 epoch, u8 replica,
			 const u8 *nonce, const u8 *challenge, const u8 *echo,
			 const u8 *known, u64 features);
size_t vsr_hello_seal(u8 *buf, u64 cluster, u32 epoch, u8 replica, u64 lo,
		      u64 hi, u64 cur, u32 flags, u32 challenge, u32 echo);
int vsr_msg_decode(const void *buf, size_t len, u64 cluster,
		   struct vsr_msg *m);
void vsr_entry_iter_init(struct vsr_entry_iter *it, const struct vsr_msg *m);
bool vsr_entry_iter_next(struct vsr_entry_iter *it, struct vsr_entry_hdr *e,
			 const u8 **data);

/*
 * Little-endian integers at any address: the 32-byte session records of a
 * checkpoint (client_table.c) and bytes the tests forge.
 */
static inline void vsr_put_le16(u8 *p, u16 v)
{
	put_unaligned_le16(v, p);
}

static inline void vsr_put_le32(u8 *p, u32 v)
{
	put_unaligned_le32(v, p);
}

static inline void vsr_put_le64(u8 *p, u64 v)
{
	put_unaligned_le64(v, p);
}

static inline u16 vsr_get_le16(const u8 *p)
{
	return get_unaligned_le16(p);
}

static inline u32 vsr_get_le32(const u8 *p)
{
	return get_unaligned_le32(p);
}

static inline u64 vsr_get_le64(const u8 *p)
{
	return get_unaligned_le64(p);
}

#endif /* _VSR_WIRE_H */
