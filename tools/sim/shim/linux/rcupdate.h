/* SPDX-License-Identifier: GPL-2.0 */
/*
 * <linux/rcupdate.h> for the native build.  The native programs run the
 * pure code single-threaded, so there is never a reader to wait for: a
 * grace period is over at once and call_rcu() runs its callback now.
 */
#ifndef _VSR_SHIM_LINUX_RCUPDATE_H
#define _VSR_SHIM_LINUX_RCUPDATE_H

#include "vsr_shim.h"

struct rcu_head {
	struct rcu_head *next;
	void (*func)(struct rcu_head *head);
};

typedef void (*rcu_callback_t)(struct rcu_head *head);

static inline void call_rcu(struct rcu_head *head, rcu_callback_t func)
{
	func(head);
}

static inline void rcu_read_lock(void)
{
}

static inline void rcu_read_unlock(void)
{
}

#define rcu_dereference(p)	(p)

#endif /* _VSR_SHIM_LINUX_RCUPDATE_H */
