/* SPDX-License-Identifier: GPL-2.0 */
/*
 * <crypto/blake2s.h> for the native build: the kernel's BLAKE2s API
 * (6.1 to 6.12).  The state, blake2s_update() and blake2s_final() are
 * tools/lib/blake2s.[ch], the tools' one BLAKE2s (vsradm's too); the rest
 * is here, with the kernel's checks of the arguments as WARNs.
 */
#ifndef _VSR_SHIM_CRYPTO_BLAKE2S_H
#define _VSR_SHIM_CRYPTO_BLAKE2S_H

#include "vsr_shim.h"
#include "../../../lib/blake2s.h"

/* An unkeyed hash of @outlen bytes. */
static inline void blake2s_init(struct blake2s_state *state,
				const size_t outlen)
{
	WARN_ON_ONCE(!outlen || outlen > BLAKE2S_HASH_SIZE);
	blake2s_native_init(state, outlen, NULL, 0);
}

/* A keyed hash (a MAC) of @outlen bytes, @keylen 1..BLAKE2S_KEY_SIZE. */
static inline void blake2s_init_key(struct blake2s_state *state,
				    const size_t outlen, const void *key,
				    const size_t keylen)
{
	WARN_ON_ONCE(!outlen || outlen > BLAKE2S_HASH_SIZE || !key ||
		     !keylen || keylen > BLAKE2S_KEY_SIZE);
	blake2s_native_init(state, outlen, key, keylen);
}

/* One shot; @key may be NULL (with @keylen 0) for an unkeyed hash. */
static inline void blake2s(u8 *out, const u8 *in, const u8 *key,
			   const size_t outlen, const size_t inlen,
			   const size_t keylen)
{
	struct blake2s_state state;

	WARN_ON_ONCE(!out || (!in && inlen) || (!key && keylen) ||
		     !outlen || outlen > BLAKE2S_HASH_SIZE ||
		     keylen > BLAKE2S_KEY_SIZE);
	blake2s_native_init(&state, outlen, key, keylen);
	blake2s_update(&state, in, inlen);
	blake2s_final(&state, out);
}

#endif /* _VSR_SHIM_CRYPTO_BLAKE2S_H */
