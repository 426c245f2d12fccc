/* SPDX-License-Identifier: GPL-2.0 */
/*
 * <linux/prandom.h> for the native build: a seeded generator with the
 * kernel's names (not its sequence: xorshift64*).
 */
#ifndef _VSR_SHIM_LINUX_PRANDOM_H
#define _VSR_SHIM_LINUX_PRANDOM_H

#include "vsr_shim.h"

struct rnd_state {
	u64 s;
};

static inline void prandom_seed_state(struct rnd_state *state, u64 seed)
{
	state->s = seed * 0x9e3779b97f4a7c15ull | 1;
}

static inline u32 prandom_u32_state(struct rnd_state *state)
{
	state->s ^= state->s >> 12;
	state->s ^= state->s << 25;
	state->s ^= state->s >> 27;
	return (state->s * 0x2545f4914f6cdd1dull) >> 32;
}

#endif /* _VSR_SHIM_LINUX_PRANDOM_H */
