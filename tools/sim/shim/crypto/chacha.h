/* SPDX-License-Identifier: GPL-2.0 */
/*
 * <crypto/chacha.h> for the native build: the kernel's ChaCha20 API (6.1
 * to 6.12, a u32[16] state) on the tools' ChaCha20,
 * tools/lib/chacha20poly1305.c.
 */
#ifndef _VSR_SHIM_CRYPTO_CHACHA_H
#define _VSR_SHIM_CRYPTO_CHACHA_H

#include "vsr_shim.h"
#include "../../../lib/chacha20poly1305.h"

#define CHACHA_IV_SIZE		16
#define CHACHA_KEY_SIZE		32
#define CHACHA_BLOCK_SIZE	64
#define CHACHA_STATE_WORDS	(CHACHA_BLOCK_SIZE / sizeof(u32))

static inline void chacha_init(u32 *state, const u32 *key, const u8 *iv)
{
	int i;

	state[0] = 0x61707865;	/* "expand 32-byte k" */
	state[1] = 0x3320646e;
	state[2] = 0x79622d32;
	state[3] = 0x6b206574;
	for (i = 0; i < 8; i++)
		state[4 + i] = key[i];
	for (i = 0; i < 4; i++)
		state[12 + i] = get_unaligned_le32(iv + 4 * i);
}

static inline void chacha20_crypt(u32 *state, u8 *dst, const u8 *src,
				  unsigned int bytes)
{
	vsr_native_chacha20_crypt(state, dst, src, bytes);
}

#endif /* _VSR_SHIM_CRYPTO_CHACHA_H */
