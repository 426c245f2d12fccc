/* SPDX-License-Identifier: GPL-2.0 */
/*
 * <crypto/poly1305.h> for the native build: the kernel's Poly1305 API (6.1
 * to 6.12) on the tools' Poly1305, tools/lib/chacha20poly1305.c.
 */
#ifndef _VSR_SHIM_CRYPTO_POLY1305_H
#define _VSR_SHIM_CRYPTO_POLY1305_H

#include "vsr_shim.h"
#include "../../../lib/chacha20poly1305.h"

#define POLY1305_KEY_SIZE	32
#define POLY1305_DIGEST_SIZE	16

struct poly1305_desc_ctx {
	struct vsr_native_poly1305 p;
};

static inline void poly1305_init(struct poly1305_desc_ctx *d, const u8 *key)
{
	vsr_native_poly1305_init(&d->p, key);
}

static inline void poly1305_update(struct poly1305_desc_ctx *d, const u8 *src,
				   unsigned int len)
{
	vsr_native_poly1305_update(&d->p, src, len);
}

static inline void poly1305_final(struct poly1305_desc_ctx *d, u8 *digest)
{
	vsr_native_poly1305_final(&d->p, digest);
}

#endif /* _VSR_SHIM_CRYPTO_POLY1305_H */
