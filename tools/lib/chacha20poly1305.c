// SPDX-License-Identifier: GPL-2.0
/*
 * chacha20poly1305.c - the ChaCha20-Poly1305 AEAD of RFC 8439, for the
 * native build of the module's auth.c (see chacha20poly1305.h).  Written
 * for clarity, not speed: ChaCha20 one block at a time, Poly1305 in five
 * 26-bit limbs.
 */
#include <string.h>

#include "chacha20poly1305.h"

static uint32_t get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = v;
	p[1] = v >> 8;
	p[2] = v >> 16;
	p[3] = v >> 24;
}

static void put_le64(uint8_t *p, uint64_t v)
{
	put_le32(p, (uint32_t)v);
	put_le32(p + 4, (uint32_t)(v >> 32));
}

/* ---- ChaCha20 (RFC 8439, 2.3) ---------------------------------------- */

#define ROTL32(v, n)	(((v) << (n)) | ((v) >> (32 - (n))))
#define QR(a, b, c, d) do {						\
	a += b; d ^= a; d = ROTL32(d, 16);				\
	c += d; b ^= c; b = ROTL32(b, 12);				\
	a += b; d ^= a; d = ROTL32(d, 8);				\
	c += d; b ^= c; b = ROTL32(b, 7);				\
} while (0)

struct chacha {
	uint32_t s[16];
};

/* Key, block counter 0, nonce 0^32 | le64(@nonce). */
static void chacha_init(struct chacha *c, const uint8_t key[32],
			uint64_t nonce)
{
	int i;

	c->s[0] = 0x61707865;	/* "expand 32-byte k" */
	c->s[1] = 0x3320646e;
	c->s[2] = 0x79622d32;
	c->s[3] = 0x6b206574;
	for (i = 0; i < 8; i++)
		c->s[4 + i] = get_le32(key + 4 * i);
	c->s[12] = 0;
	c->s[13] = 0;
	c->s[14] = (uint32_t)nonce;
	c->s[15] = (uint32_t)(nonce >> 32);
}

/* The next 64 bytes of key stream; the block counter moves. */
static void chacha_block(struct chacha *c, uint8_t out[64])
{
	uint32_t x[16];
	int i;

	memcpy(x, c->s, sizeof(x));
	for (i = 0; i < 10; i++) {
		QR(x[0], x[4], x[8], x[12]);
		QR(x[1], x[5], x[9], x[13]);
		QR(x[2], x[6], x[10], x[14]);
		QR(x[3], x[7], x[11], x[15]);
		QR(x[0], x[5], x[10], x[15]);
		QR(x[1], x[6], x[11], x[12]);
		QR(x[2], x[7], x[8], x[13]);
		QR(x[3], x[4], x[9], x[14]);
	}
	for (i = 0; i < 16; i++)
		put_le32(out + 4 * i, x[i] + c->s[i]);
	c->s[12]++;
}

static void chacha_xor(struct chacha *c, uint8_t *dst, const uint8_t *src,
		       size_t len)
{
	uint8_t ks[64];
	size_t i, n;

	while (len) {
		chacha_block(c, ks);
		n = len < 64 ? len : 64;
		for (i = 0; i < n; i++)
			dst[i] = src[i] ^ ks[i];
		dst += n;
		src += n;
		len -= n;
	}
	memset(ks, 0, sizeof(ks));
}

/* ---- Poly1305 (RFC 8439, 2.5), h and r in 26-bit limbs --------------- */

#define poly vsr_native_poly1305

static void poly_init(struct poly *p, const uint8_t key[32])
{
	/* r is clamped as the RFC says, in the same step. */
	p->r[0] = get_le32(key) & 0x3ffffff;
	p->r[1] = (get_le32(key + 3) >> 2) & 0x3ffff03;
	p->r[2] = (get_le32(key + 6) >> 4) & 0x3ffc0ff;
	p->r[3] = (get_le32(key + 9) >> 6) & 0x3f03fff;
	p->r[4] = (get_le32(key + 12) >> 8) & 0x00fffff;
	memset(p->h, 0, sizeof(p->h));
	for (int i = 0; i < 4; i++)
		p->pad[i] = get_le32(key + 16 + 4 * i);
	p->buflen = 0;
}

/* h = (h + block + hibit * 2^128) * r mod 2^130 - 5 */
static void poly_block(struct poly *p, const uint8_t m[16], uint32_t hibit)
{
	const uint32_t *r = p->r;
	uint32_t s1 = r[1] * 5, s2 = r[2] * 5, s3 = r[3] * 5, s4 = r[4] * 5;
	uint32_t *h = p->h;
	uint64_t d0, d1, d2, d3, d4;
	uint32_t c;

	h[0] += get_le32(m) & 0x3ffffff;
	h[1] += (get_le32(m + 3) >> 2) & 0x3ffffff;
	h[2] += (get_le32(m + 6) >> 4) & 0x3ffffff;
	h[3] += (get_le32(m + 9) >> 6) & 0x3ffffff;
	h[4] += (get_le32(m + 12) >> 8) | (hibit << 24);

	d0 = (uint64_t)h[0] * r[0] + (uint64_t)h[1] * s4 +
	     (uint64_t)h[2] * s3 + (uint64_t)h[3] * s2 + (uint64_t)h[4] * s1;
	d1 = (uint64_t)h[0] * r[1] + (uint64_t)h[1] * r[0] +
	     (uint64_t)h[2] * s4 + (uint64_t)h[3] * s3 + (uint64_t)h[4] * s2;
	d2 = (uint64_t)h[0] * r[2] + (uint64_t)h[1] * r[1] +
	     (uint64_t)h[2] * r[0] + (uint64_t)h[3] * s4 + (uint64_t)h[4] * s3;
	d3 = (uint64_t)h[0] * r[3] + (uint64_t)h[1] * r[2] +
	     (uint64_t)h[2] * r[1] + (uint64_t)h[3] * r[0] + (uint64_t)h[4] * s4;
	d4 = (uint64_t)h[0] * r[4] + (uint64_t)h[1] * r[3] +
	     (uint64_t)h[2] * r[2] + (uint64_t)h[3] * r[1] + (uint64_t)h[4] * r[0];

	c = (uint32_t)(d0 >> 26);
	h[0] = (uint32_t)d0 & 0x3ffffff;
	d1 += c;
	c = (uint32_t)(d1 >> 26);
	h[1] = (uint32_t)d1 & 0x3ffffff;
	d2 += c;
	c = (uint32_t)(d2 >> 26);
	h[2] = (uint32_t)d2 & 0x3ffffff;
	d3 += c;
	c = (uint32_t)(d3 >> 26);
	h[3] = (uint32_t)d3 & 0x3ffffff;
	d4 += c;
	c = (uint32_t)(d4 >> 26);
	h[4] = (uint32_t)d4 & 0x3ffffff;
	h[0] += c * 5;
	c = h[0] >> 26;
	h[0] &= 0x3ffffff;
	h[1] += c;
}

static void poly_update(struct poly *p, const uint8_t *m, size_t len)
{
	size_t n;

	while (len) {
		n = 16 - p->buflen;
		if (n > len)
			n = len;
		memcpy(p->buf + p->buflen, m, n);
		p->buflen += n;
		m += n;
		len -= n;
		if (p->buflen == 16) {
			poly_block(p, p->buf, 1);
			p->buflen = 0;
		}
	}
}

/* Zeros up to the next multiple of 16 bytes (the AEAD's padding). */
static void poly_pad16(struct poly *p)
{
	static const uint8_t zero[16];

	if (p->buflen)
		poly_update(p, zero, 16 - p->buflen);
}

static void poly_final(struct poly *p, uint8_t tag[16])
{
	uint32_t *h = p->h, g[5], c, mask;
	uint64_t f;
	int i;

	if (p->buflen) {
		/* A last partial block: a 1 byte after it, no 2^128. */
		p->buf[p->buflen] = 1;
		memset(p->buf + p->buflen + 1, 0, 15 - p->buflen);
		poly_block(p, p->buf, 0);
	}
	/* Carry fully, then h - p if h >= p = 2^130 - 5. */
	c = h[1] >> 26;
	h[1] &= 0x3ffffff;
	for (i = 2; i < 5; i++) {
		h[i] += c;
		c = h[i] >> 26;
		h[i] &= 0x3ffffff;
	}
	h[0] += c * 5;
	c = h[0] >> 26;
	h[0] &= 0x3ffffff;
	h[1] += c;

	g[0] = h[0] + 5;
	c = g[0] >> 26;
	g[0] &= 0x3ffffff;
	for (i = 1; i < 4; i++) {
		g[i] = h[i] + c;
		c = g[i] >> 26;
		g[i] &= 0x3ffffff;
	}
	/* g = h + 5 - 2^130: negative (top bit set) if h < p. */
	g[4] = h[4] + c - (1u << 26);
	mask = (g[4] >> 31) - 1;	/* all ones if h >= p */
	for (i = 0; i < 5; i++)
		h[i] = (h[i] & ~mask) | (g[i] & mask);

	/* h mod 2^128, plus the pad. */
	f = (uint64_t)((h[0] | h[1] << 26) & 0xffffffff) + p->pad[0];
	put_le32(tag, (uint32_t)f);
	f = (uint64_t)((h[1] >> 6 | h[2] << 20) & 0xffffffff) + p->pad[1] +
	    (f >> 32);
	put_le32(tag + 4, (uint32_t)f);
	f = (uint64_t)((h[2] >> 12 | h[3] << 14) & 0xffffffff) + p->pad[2] +
	    (f >> 32);
	put_le32(tag + 8, (uint32_t)f);
	f = (uint64_t)((h[3] >> 18 | h[4] << 8) & 0xffffffff) + p->pad[3] +
	    (f >> 32);
	put_le32(tag + 12, (uint32_t)f);
	memset(p, 0, sizeof(*p));
}

/* ---- the AEAD (RFC 8439, 2.8) ---------------------------------------- */

/* Poly1305's one-time key from block 0; the cipher goes on from block 1. */
static void aead_start(struct chacha *c, struct poly *p, const uint8_t *key,
		       uint64_t nonce, const uint8_t *ad, size_t ad_len)
{
	uint8_t otk[64];

	chacha_init(c, key, nonce);
	chacha_block(c, otk);
	poly_init(p, otk);
	memset(otk, 0, sizeof(otk));
	poly_update(p, ad, ad_len);
	poly_pad16(p);
}

static void aead_lengths(struct poly *p, size_t ad_len, size_t len)
{
	uint8_t b[16];

	poly_pad16(p);
	put_le64(b, ad_len);
	put_le64(b + 8, len);
	poly_update(p, b, 16);
}

void vsr_native_chacha20poly1305_encrypt(uint8_t *dst, const uint8_t *src,
					 size_t src_len, const uint8_t *ad,
					 size_t ad_len, uint64_t nonce,
					 const uint8_t key[32])
{
	struct chacha c;
	struct poly p;

	aead_start(&c, &p, key, nonce, ad, ad_len);
	chacha_xor(&c, dst, src, src_len);
	poly_update(&p, dst, src_len);
	aead_lengths(&p, ad_len, src_len);
	poly_final(&p, dst + src_len);
	memset(&c, 0, sizeof(c));
}

bool vsr_native_chacha20poly1305_decrypt(uint8_t *dst, const uint8_t *src,
					 size_t src_len, const uint8_t *ad,
					 size_t ad_len, uint64_t nonce,
					 const uint8_t key[32])
{
	size_t len = src_len - CHACHA20POLY1305_AUTHTAG_SIZE;
	uint8_t tag[16], diff = 0;
	struct chacha c;
	struct poly p;
	int i;

	if (src_len < CHACHA20POLY1305_AUTHTAG_SIZE)
		return false;
	aead_start(&c, &p, key, nonce, ad, ad_len);
	poly_update(&p, src, len);
	aead_lengths(&p, ad_len, len);
	poly_final(&p, tag);
	for (i = 0; i < 16; i++)
		diff |= tag[i] ^ src[len + i];
	if (diff) {
		memset(dst, 0, len);
		memset(&c, 0, sizeof(c));
		return false;
	}
	chacha_xor(&c, dst, src, len);
	memset(&c, 0, sizeof(c));
	return true;
}

/* The primitives alone, for the shims of <crypto/chacha.h> and <crypto/poly1305.h>. */

void vsr_native_chacha20_crypt(uint32_t state[16], uint8_t *dst,
			       const uint8_t *src, size_t len)
{
	struct chacha c;

	memcpy(c.s, state, sizeof(c.s));
	chacha_xor(&c, dst, src, len);
	memcpy(state, c.s, sizeof(c.s));
	memset(&c, 0, sizeof(c));
}

void vsr_native_poly1305_init(struct vsr_native_poly1305 *p,
			      const uint8_t key[32])
{
	poly_init(p, key);
}

void vsr_native_poly1305_update(struct vsr_native_poly1305 *p,
				const uint8_t *m, size_t len)
{
	poly_update(p, m, len);
}

void vsr_native_poly1305_final(struct vsr_native_poly1305 *p,
			       uint8_t tag[16])
{
	poly_final(p, tag);
}
