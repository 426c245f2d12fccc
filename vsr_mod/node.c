// SPDX-License-Identifier: GPL-2.0
/*
 * node.c - placeholder engine: instances exist, have a device and report
 * their configuration, but do not replicate anything yet.
 */

/* engine attaches here (socket.c, device.c) */

#include <linux/string.h>

#include "instance.h"
#include "node.h"

/**
 * vsr_node_start() - bring up the engine of a new instance
 * @inst: the instance, configured but not yet published
 *
 * Return: 0 or a negative errno that aborts the creation.
 */
int vsr_node_start(struct vsr_instance *inst)
{
	return 0;
}

/**
 * vsr_node_stop() - shut down the engine of an unpublished instance
 * @inst: the instance, inst->dead set
 */
void vsr_node_stop(struct vsr_instance *inst)
{
}

/**
 * vsr_node_free() - release the engine state after the last reference
 * @inst: the instance about to be freed
 */
void vsr_node_free(struct vsr_instance *inst)
{
}

/**
 * vsr_node_get_status() - report the replica's state
 * @inst: the instance
 * @st: filled completely
 */
void vsr_node_get_status(struct vsr_instance *inst, struct vsr_status *st)
{
	u32 i;

	memset(st, 0, sizeof(*st));
	st->cluster_id = inst->cfg.cluster_id;
	st->replica = inst->cfg.replica;
	st->n_peers = inst->cfg.n_peers;
	st->status = VSR_STATE_NORMAL;
	st->primary = 0;
	for (i = 0; i < inst->cfg.n_peers; i++)
		st->peers[i].last_heard_ms = i == inst->cfg.replica ? 0 : VSR_LAST_HEARD_NEVER;
}

/**
 * vsr_node_trim() - discard the records below @op on this replica
 * @inst: the instance
 * @op: the new trim point, at most one past the commit point
 * @extack: for the reason of a refusal
 *
 * Return: 0 or a negative errno.
 */
int vsr_node_trim(struct vsr_instance *inst, u64 op, struct netlink_ext_ack *extack)
{
	return 0;
}

/**
 * vsr_node_tunables_changed() - the tunables of @inst were changed
 * @inst: the instance; read the new values with vsr_instance_tunables()
 */
void vsr_node_tunables_changed(struct vsr_instance *inst)
{
}
