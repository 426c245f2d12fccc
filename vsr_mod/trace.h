/* SPDX-License-Identifier: GPL-2.0 */
/*
 * trace.h - tracepoints of the vsr engine (events/vsr/ in tracefs).
 *
 * Emitted by the kernel glue (observe.c) from what the protocol core
 * reports: its status callbacks, its state transfer and commit point
 * compared before and after each input, and the datagrams the engine
 * drops; and by node.c for each datagram the core sends or is handed.
 * The core itself does not trace: it is also built in userspace.
 *
 * Every event starts with the instance name and the replica index.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM vsr

#if !defined(_VSR_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _VSR_TRACE_H

#include <linux/string.h>
#include <linux/tracepoint.h>

#include "node_priv.h"

TRACE_DEFINE_ENUM(VSR_STATUS_NORMAL);
TRACE_DEFINE_ENUM(VSR_STATUS_VIEW_CHANGE);
TRACE_DEFINE_ENUM(VSR_STATUS_RECOVERING);
TRACE_DEFINE_ENUM(VSR_STATUS_FAILED);
TRACE_DEFINE_ENUM(VSR_FETCH_REPAIR);
TRACE_DEFINE_ENUM(VSR_FETCH_VIEW_CHANGE);
TRACE_DEFINE_ENUM(VSR_FETCH_RECOVERY);
TRACE_DEFINE_ENUM(VSR_CNT_DROP_NOT_PEER);
TRACE_DEFINE_ENUM(VSR_CNT_DROP_CLUSTER);
TRACE_DEFINE_ENUM(VSR_CNT_DROP_CHECKSUM);
TRACE_DEFINE_ENUM(VSR_CNT_DROP_MALFORMED);
TRACE_DEFINE_ENUM(VSR_CNT_DROP_STALE);
TRACE_DEFINE_ENUM(VSR_CNT_DROP_NOMEM);
TRACE_DEFINE_ENUM(VSR_CNT_SEND_ERRORS);
TRACE_DEFINE_ENUM(VSR_CNT_DROP_VERSION);
TRACE_DEFINE_ENUM(VSR_CMD_REQUEST);
TRACE_DEFINE_ENUM(VSR_CMD_PREPARE);
TRACE_DEFINE_ENUM(VSR_CMD_PREPAREOK);
TRACE_DEFINE_ENUM(VSR_CMD_COMMIT);
TRACE_DEFINE_ENUM(VSR_CMD_STARTVIEWCHANGE);
TRACE_DEFINE_ENUM(VSR_CMD_DOVIEWCHANGE);
TRACE_DEFINE_ENUM(VSR_CMD_STARTVIEW);
TRACE_DEFINE_ENUM(VSR_CMD_GETSTATE);
TRACE_DEFINE_ENUM(VSR_CMD_NEWSTATE);
TRACE_DEFINE_ENUM(VSR_CMD_RECOVERY);
TRACE_DEFINE_ENUM(VSR_CMD_RECOVERYRESPONSE);
TRACE_DEFINE_ENUM(VSR_CMD_HELLO);
TRACE_DEFINE_ENUM(VSR_CMD_AUTH);
TRACE_DEFINE_ENUM(VSR_CMD_EPOCH);
TRACE_DEFINE_ENUM(VSR_CMD_ANSWER);

/*
 * A change of the replica's status or view.  @from_view is the last view
 * in which the replica was normal.
 */
DECLARE_EVENT_CLASS(vsr_state,

	TP_PROTO(const struct vsr_node *node, const struct vsr_core_status *st,
		 u32 from_view),

	TP_ARGS(node, st, from_view),

	TP_STRUCT__entry(
		__array(char, name, VSR_NAME_LEN)
		__field(u32, replica)
		__field(u32, status)
		__field(u32, view)
		__field(u32, from_view)
		__field(u32, log_view)
		__field(u32, primary)
		__field(u64, op)
		__field(u64, commit)
	),

	TP_fast_assign(
		memcpy(__entry->name, node->inst->name, VSR_NAME_LEN);
		__entry->replica = node->inst->cfg.replica;
		__entry->status = st->status;
		__entry->view = st->view;
		__entry->from_view = from_view;
		__entry->log_view = st->log_view;
		/* As a peer, like vsradm show (VSR_NO_PEER: none). */
		__entry->primary = vsr_node_peer_of(node, st->primary);
		__entry->op = st->op;
		__entry->commit = st->commit;
	),

	TP_printk("%s replica=%u status=%s view=%u from_view=%u log_view=%u primary=%u op=%llu commit=%llu",
		  __entry->name, __entry->replica,
		  __print_symbolic(__entry->status,
				   { VSR_STATUS_NORMAL, "normal" },
				   { VSR_STATUS_VIEW_CHANGE, "view-change" },
				   { VSR_STATUS_RECOVERING, "recovering" },
				   { VSR_STATUS_FAILED, "failed" },
				   { VSR_STATUS_REMOVED, "removed" },
				   { VSR_STATUS_JOINING, "joining" }),
		  __entry->view, __entry->from_view, __entry->log_view,
		  __entry->primary, __entry->op, __entry->commit)
);

/* Entered view-change status for a view (again, for a later view). */
DEFINE_EVENT(vsr_state, vsr_view_change_start,
	TP_PROTO(const struct vsr_node *node, const struct vsr_core_status *st,
		 u32 from_view),
	TP_ARGS(node, st, from_view));

/* Normal again, in a new view. */
DEFINE_EVENT(vsr_state, vsr_view_change_end,
	TP_PROTO(const struct vsr_node *node, const struct vsr_core_status *st,
		 u32 from_view),
	TP_ARGS(node, st, from_view));

/* Started recovering its state from the peers (on creation). */
DEFINE_EVENT(vsr_state, vsr_recovery_start,
	TP_PROTO(const struct vsr_node *node, const struct vsr_core_status *st,
		 u32 from_view),
	TP_ARGS(node, st, from_view));

/* Recovered (or bootstrapped a new cluster): normal. */
DEFINE_EVENT(vsr_state, vsr_recovery_end,
	TP_PROTO(const struct vsr_node *node, const struct vsr_core_status *st,
		 u32 from_view),
	TP_ARGS(node, st, from_view));

/* A safety invariant broke: the replica stopped for good. */
DEFINE_EVENT(vsr_state, vsr_failed,
	TP_PROTO(const struct vsr_node *node, const struct vsr_core_status *st,
		 u32 from_view),
	TP_ARGS(node, st, from_view));

/*
 * State transfer: vsr_fetch_start (@from: the first op asked for, @to:
 * the target), vsr_fetch_chunk (ops @from..@to received), vsr_fetch_done
 * (finished or abandoned; @from: the next op it would have asked for, @to:
 * the log's head).  @target is the op that ends it (enum vsr_fetch_purpose).
 */
DECLARE_EVENT_CLASS(vsr_fetch,

	TP_PROTO(const struct vsr_node *node, const struct vsr_core_fetch *f,
		 u64 from, u64 to),

	TP_ARGS(node, f, from, to),

	TP_STRUCT__entry(
		__array(char, name, VSR_NAME_LEN)
		__field(u32, replica)
		__field(u32, purpose)
		__field(u32, source)
		__field(u32, view)
		__field(u64, from)
		__field(u64, to)
		__field(u64, target)
	),

	TP_fast_assign(
		memcpy(__entry->name, node->inst->name, VSR_NAME_LEN);
		__entry->replica = node->inst->cfg.replica;
		__entry->purpose = f->purpose;
		__entry->source = f->source;
		__entry->view = f->view;
		__entry->from = from;
		__entry->to = to;
		__entry->target = f->target;
	),

	TP_printk("%s replica=%u purpose=%s source=%u view=%u from=%llu to=%llu target=%llu",
		  __entry->name, __entry->replica,
		  __print_symbolic(__entry->purpose,
				   { VSR_FETCH_REPAIR, "repair" },
				   { VSR_FETCH_VIEW_CHANGE, "view-change" },
				   { VSR_FETCH_RECOVERY, "recovery" },
				   { VSR_FETCH_EPOCH, "epoch" }),
		  __entry->source, __entry->view, __entry->from, __entry->to,
		  __entry->target)
);

DEFINE_EVENT(vsr_fetch, vsr_fetch_start,
	TP_PROTO(const struct vsr_node *node, const struct vsr_core_fetch *f,
		 u64 from, u64 to),
	TP_ARGS(node, f, from, to));

DEFINE_EVENT(vsr_fetch, vsr_fetch_chunk,
	TP_PROTO(const struct vsr_node *node, const struct vsr_core_fetch *f,
		 u64 from, u64 to),
	TP_ARGS(node, f, from, to));

DEFINE_EVENT(vsr_fetch, vsr_fetch_done,
	TP_PROTO(const struct vsr_node *node, const struct vsr_core_fetch *f,
		 u64 from, u64 to),
	TP_ARGS(node, f, from, to));

/* Ops @from..@to were committed and applied by one batch of inputs. */
TRACE_EVENT(vsr_commit,

	TP_PROTO(const struct vsr_node *node, u64 from, u64 to),

	TP_ARGS(node, from, to),

	TP_STRUCT__entry(
		__array(char, name, VSR_NAME_LEN)
		__field(u32, replica)
		__field(u32, view)
		__field(u64, from)
		__field(u64, to)
	),

	TP_fast_assign(
		memcpy(__entry->name, node->inst->name, VSR_NAME_LEN);
		__entry->replica = node->inst->cfg.replica;
		__entry->view = node->notified.view;
		__entry->from = from;
		__entry->to = to;
	),

	TP_printk("%s replica=%u view=%u ops=%llu..%llu",
		  __entry->name, __entry->replica, __entry->view,
		  __entry->from, __entry->to)
);

/*
 * A datagram dropped (or not sent), counted under @reason.  @peer is the
 * replica index it came from or was for, -1 if it is not a peer's; @err
 * the errno that decided it, if any.
 */
TRACE_EVENT(vsr_drop,

	TP_PROTO(const struct vsr_node *node, enum vsr_counter reason, int peer,
		 int err),

	TP_ARGS(node, reason, peer, err),

	TP_STRUCT__entry(
		__array(char, name, VSR_NAME_LEN)
		__field(u32, replica)
		__field(u32, reason)
		__field(int, peer)
		__field(int, err)
	),

	TP_fast_assign(
		memcpy(__entry->name, node->inst->name, VSR_NAME_LEN);
		__entry->replica = node->inst->cfg.replica;
		__entry->reason = reason;
		__entry->peer = peer;
		__entry->err = err;
	),

	TP_printk("%s replica=%u reason=%s peer=%d err=%d",
		  __entry->name, __entry->replica,
		  __print_symbolic(__entry->reason,
				   { VSR_CNT_DROP_NOT_PEER, "not-peer" },
				   { VSR_CNT_DROP_CLUSTER, "cluster" },
				   { VSR_CNT_DROP_CHECKSUM, "checksum" },
				   { VSR_CNT_DROP_MALFORMED, "malformed" },
				   { VSR_CNT_DROP_STALE, "stale" },
				   { VSR_CNT_DROP_NOMEM, "nomem" },
				   { VSR_CNT_SEND_ERRORS, "send-errors" },
				   { VSR_CNT_DROP_VERSION, "version" },
				   { VSR_CNT_DROP_AUTH, "auth" }),
		  __entry->peer, __entry->err)
);

/*
 * A peer this replica expects to hear from (its primary; as primary, every
 * backup) has been silent for @ms, or was heard again after @ms.
 */
DECLARE_EVENT_CLASS(vsr_peer,

	TP_PROTO(const struct vsr_node *node, u32 peer, unsigned int ms),

	TP_ARGS(node, peer, ms),

	TP_STRUCT__entry(
		__array(char, name, VSR_NAME_LEN)
		__field(u32, replica)
		__field(u32, peer)
		__field(unsigned int, ms)
		__array(u8, addr, sizeof(union vsr_sockaddr))
	),

	TP_fast_assign(
		memcpy(__entry->name, node->inst->name, VSR_NAME_LEN);
		__entry->replica = node->inst->cfg.replica;
		__entry->peer = peer;
		__entry->ms = ms;
		memcpy(__entry->addr, &node->inst->cfg.peers[peer],
		       sizeof(union vsr_sockaddr));
	),

	TP_printk("%s replica=%u peer=%u addr=%pISpc ms=%u",
		  __entry->name, __entry->replica, __entry->peer,
		  __entry->addr, __entry->ms)
);

DEFINE_EVENT(vsr_peer, vsr_peer_silent,
	TP_PROTO(const struct vsr_node *node, u32 peer, unsigned int ms),
	TP_ARGS(node, peer, ms));

DEFINE_EVENT(vsr_peer, vsr_peer_back,
	TP_PROTO(const struct vsr_node *node, u32 peer, unsigned int ms),
	TP_ARGS(node, peer, ms));

/*
 * A datagram of the protocol that this replica sent to, or handed its core
 * from, peer @peer (VSR_PEER_SENDER's peer for an answer; a joining
 * instance's answers to an address it has no peer for say -1), with the
 * fields of its header that tell what it is: @ret is what the core made of
 * a received one (0 taken, else the errno of its refusal).  For following
 * a switch or a view change step by step; off, they cost a branch.
 */
DECLARE_EVENT_CLASS(vsr_datagram,

	TP_PROTO(const struct vsr_node *node, int peer, const struct vsr_hdr *h,
		 int ret),

	TP_ARGS(node, peer, h, ret),

	TP_STRUCT__entry(
		__array(char, name, VSR_NAME_LEN)
		__field(u32, replica)
		__field(int, peer)
		__field(u8, command)
		__field(u8, from)
		__field(u32, epoch)
		__field(u32, view)
		__field(u64, op)
		__field(u64, commit)
		__field(u32, flags)
		__field(int, ret)
	),

	TP_fast_assign(
		memcpy(__entry->name, node->inst->name, VSR_NAME_LEN);
		__entry->replica = node->inst->cfg.replica;
		__entry->peer = peer;
		__entry->command = h->command;
		__entry->from = h->replica;
		__entry->epoch = h->epoch;
		__entry->view = h->view;
		__entry->op = h->op;
		__entry->commit = h->commit;
		__entry->flags = h->flags;
		__entry->ret = ret;
	),

	TP_printk("%s replica=%u peer=%d cmd=%s sender=%u epoch=%u view=%u op=%llu commit=%llu flags=%#x ret=%d",
		  __entry->name, __entry->replica, __entry->peer,
		  __print_symbolic(__entry->command,
				   { VSR_CMD_REQUEST, "request" },
				   { VSR_CMD_PREPARE, "prepare" },
				   { VSR_CMD_PREPAREOK, "prepareok" },
				   { VSR_CMD_COMMIT, "commit" },
				   { VSR_CMD_STARTVIEWCHANGE, "startviewchange" },
				   { VSR_CMD_DOVIEWCHANGE, "doviewchange" },
				   { VSR_CMD_STARTVIEW, "startview" },
				   { VSR_CMD_GETSTATE, "getstate" },
				   { VSR_CMD_NEWSTATE, "newstate" },
				   { VSR_CMD_RECOVERY, "recovery" },
				   { VSR_CMD_RECOVERYRESPONSE, "recoveryresponse" },
				   { VSR_CMD_HELLO, "hello" },
				   { VSR_CMD_AUTH, "auth" },
				   { VSR_CMD_EPOCH, "epoch" },
				   { VSR_CMD_ANSWER, "answer" }),
		  __entry->from, __entry->epoch, __entry->view, __entry->op,
		  __entry->commit, __entry->flags, __entry->ret)
);

DEFINE_EVENT(vsr_datagram, vsr_send,
	TP_PROTO(const struct vsr_node *node, int peer, const struct vsr_hdr *h,
		 int ret),
	TP_ARGS(node, peer, h, ret));

DEFINE_EVENT(vsr_datagram, vsr_recv,
	TP_PROTO(const struct vsr_node *node, int peer, const struct vsr_hdr *h,
		 int ret),
	TP_ARGS(node, peer, h, ret));

#endif /* _VSR_TRACE_H */

/* This part must be outside the protection. */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
