/* SPDX-License-Identifier: GPL-2.0 */
/*
 * <crypto/blake2s.h> for the native build: the kernel's BLAKE2s API
 * (6.1 to 6.12), implemented by tools/sim/blake2s.c after RFC 7693.
 */
#ifndef _VSR_SHIM_CRYPTO_BLAKE2S_H
#define _VSR_SHIM_CRYPTO_BLAKE2S_H

#include "vsr_shim.h"

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
	u32 h[8];
	u32 t[2];
	u32 f[2];
	u8 buf[BLAKE2S_BLOCK_SIZE];
	unsigned int buflen;
	unsigned int outlen;
};

void blake2s_native_init(struct blake2s_state *state, size_t outlen,
			const void *key, size_t keylen);
void blake2s_update(struct blake2s_state *state, const u8 *in, size_t inlen);
void blake2s_final(struct blake2s_state *state, u8 *out);

/* An unkeyed hash of @outlen bytes. */
static inline void blake2s_init(struct blake2s_state *state,
				const size_t outlen)
{
	blake2s_native_init(state, outlen, NULL, 0);
}

/* A keyed hash (a MAC) of @outlen bytes, @keylen 1..BLAKE2S_KEY_SIZE. */
static inline void blake2s_init_key(struct blake2s_state *state,
				    const size_t outlen, const void *key,
				    const size_t keylen)
{
	WARN_ON_ONCE(!key || !keylen || keylen > BLAKE2S_KEY_SIZE);
	blake2s_native_init(state, outlen, key, keylen);
}

/* One shot; @key may be NULL (with @keylen 0) for an unkeyed hash. */
static inline void blake2s(u8 *out, const u8 *in, const u8 *key,
			   const size_t outlen, const size_t inlen,
			   const size_t keylen)
{
	struct blake2s_state state;

	WARN_ON_ONCE(!out || (!in && inlen) || (!key && keylen));
	blake2s_native_init(&state, outlen, key, keylen);
	blake2s_update(&state, in, inlen);
	blake2s_final(&state, out);
}

#endif /* _VSR_SHIM_CRYPTO_BLAKE2S_H */
