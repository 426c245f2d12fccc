/* SPDX-License-Identifier: GPL-2.0 */
/*
 * netlink.h - the "vsr" generic netlink family.
 */
#ifndef _VSR_NETLINK_H
#define _VSR_NETLINK_H

#include <linux/types.h>

struct vsr_instance;

int vsr_netlink_init(void);
void vsr_netlink_exit(void);
void vsr_nl_notify(struct vsr_instance *inst, u8 cmd);

#endif /* _VSR_NETLINK_H */
