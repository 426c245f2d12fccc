/* SPDX-License-Identifier: GPL-2.0 */
/*
 * <crypto/chacha20poly1305.h> for the native build: the kernel's API (6.1
 * to 6.12) on the tools' ChaCha20-Poly1305, tools/lib/chacha20poly1305.c.
 */
#ifndef _VSR_SHIM_CRYPTO_CHACHA20POLY1305_H
#define _VSR_SHIM_CRYPTO_CHACHA20POLY1305_H

#include "vsr_shim.h"
#include "../../../lib/chacha20poly1305.h"

#ifndef __must_check
#define __must_check	__attribute__((warn_unused_result))
#endif

static inline void chacha20poly1305_encrypt(u8 *dst, const u8 *src,
					    const size_t src_len,
					    const u8 *ad, const size_t ad_len,
					    const u64 nonce,
					    const u8 key[CHACHA20POLY1305_KEY_SIZE])
{
	vsr_native_chacha20poly1305_encrypt(dst, src, src_len, ad, ad_len,
					    nonce, key);
}

static inline bool __must_check
chacha20poly1305_decrypt(u8 *dst, const u8 *src, const size_t src_len,
			 const u8 *ad, const size_t ad_len, const u64 nonce,
			 const u8 key[CHACHA20POLY1305_KEY_SIZE])
{
	return vsr_native_chacha20poly1305_decrypt(dst, src, src_len, ad,
						   ad_len, nonce, key);
}

#endif /* _VSR_SHIM_CRYPTO_CHACHA20POLY1305_H */
