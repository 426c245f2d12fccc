/* SPDX-License-Identifier: GPL-2.0 */
/*
 * chacha20poly1305.h - the ChaCha20-Poly1305 AEAD (RFC 8439) for
 * userspace, as the kernel's lib/crypto has it (6.1 to 6.12): a 64-bit
 * nonce n is the RFC's 96-bit nonce 0^32 | le64(n), and the 16-byte tag
 * follows the ciphertext.
 *
 *   tools/sim      the module's auth.c, natively: shim/crypto/
 *                  chacha20poly1305.h maps the kernel's names to these
 *
 * Plain C99 and <stdint.h>, as blake2s.h.
 */
#ifndef _VSR_TOOLS_CHACHA20POLY1305_H
#define _VSR_TOOLS_CHACHA20POLY1305_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum chacha20poly1305_lengths {
	XCHACHA20POLY1305_NONCE_SIZE = 24,
	CHACHA20POLY1305_KEY_SIZE = 32,
	CHACHA20POLY1305_AUTHTAG_SIZE = 16
};

/*
 * Encrypt @src_len bytes of @src to @dst (@src itself is fine), then the
 * tag: @dst holds @src_len + CHACHA20POLY1305_AUTHTAG_SIZE bytes.
 */
void vsr_native_chacha20poly1305_encrypt(uint8_t *dst, const uint8_t *src,
					 size_t src_len, const uint8_t *ad,
					 size_t ad_len, uint64_t nonce,
					 const uint8_t key[32]);

/*
 * @src is ciphertext and tag (@src_len counts both).  True, with the
 * plaintext in @dst (@src itself is fine), if the tag verifies; else
 * false, and @dst is zeroed.
 */
bool vsr_native_chacha20poly1305_decrypt(uint8_t *dst, const uint8_t *src,
					 size_t src_len, const uint8_t *ad,
					 size_t ad_len, uint64_t nonce,
					 const uint8_t key[32]);

/* Poly1305's state (RFC 8439, 2.5): h and r in 26-bit limbs. */
struct vsr_native_poly1305 {
	uint32_t r[5], h[5], pad[4];
	uint8_t buf[16];
	size_t buflen;
};

/*
 * The primitives alone: ChaCha20 from @state (the kernel's layout:
 * constants, key, block counter, nonce), which moves on a block for each
 * 64 bytes or part; Poly1305 with a one-time key.
 */
void vsr_native_chacha20_crypt(uint32_t state[16], uint8_t *dst,
			       const uint8_t *src, size_t len);
void vsr_native_poly1305_init(struct vsr_native_poly1305 *p,
			      const uint8_t key[32]);
void vsr_native_poly1305_update(struct vsr_native_poly1305 *p,
				const uint8_t *m, size_t len);
void vsr_native_poly1305_final(struct vsr_native_poly1305 *p,
			       uint8_t tag[16]);

#endif /* _VSR_TOOLS_CHACHA20POLY1305_H */
