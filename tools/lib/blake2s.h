/* SPDX-License-Identifier: GPL-2.0 */
/*
 * blake2s.h - BLAKE2s (RFC 7693) for userspace: the one implementation
 * the tools share (blake2s.c).
 *
 *   tools/vsradm   key ids (key.c), as the module computes them
 *   tools/sim      the module's auth.c, natively: shim/crypto/blake2s.h
 *                  puts the rest of the kernel's <crypto/blake2s.h> API
 *                  (blake2s(), blake2s_init_key(), ...) on top of this
 *
 * The names and the state are the kernel's (6.1 to 6.12), so that the
 * shim needs no glue; only blake2s_native_init() is ours.  Plain C99 and
 * <stdint.h>: nothing of the kernel's or the shim's headers.
 */
#ifndef _VSR_TOOLS_BLAKE2S_H
#define _VSR_TOOLS_BLAKE2S_H

#include <stddef.h>
#include <stdint.h>

enum blake2s_lengths {
	BLAKE2S_BLOCK_SIZE = 64,
	BLAKE2S_HASH_SIZE = 32,
	BLAKE2S_KEY_SIZE = 32,

	BLAKE2S_128_HASH_SIZE = 16,
	BLAKE2S_160_HASH_SIZE = 20,
	BLAKE2S_224_HASH_SIZE = 28,
	BLAKE2S_256_HASH_SIZE = 32,
};

/**
 * struct blake2s_state - an incremental BLAKE2s computation
 * @h: chained state
 * @t: bytes compressed so far, low and high word
 * @f: finalization flags (f[0] set for the last block)
 * @buf: input not yet compressed
 * @buflen: bytes in @buf
 * @outlen: digest length, 1..BLAKE2S_HASH_SIZE
 */
struct blake2s_state {
	uint32_t h[8];
	uint32_t t[2];
	uint32_t f[2];
	uint8_t buf[BLAKE2S_BLOCK_SIZE];
	unsigned int buflen;
	unsigned int outlen;
};

void blake2s_native_init(struct blake2s_state *state, size_t outlen,
			 const void *key, size_t keylen);
void blake2s_update(struct blake2s_state *state, const uint8_t *in,
		    size_t inlen);
void blake2s_final(struct blake2s_state *state, uint8_t *out);

#endif /* _VSR_TOOLS_BLAKE2S_H */
