// SPDX-License-Identifier: GPL-2.0
/*
 * blake2s.c - BLAKE2s (RFC 7693) for userspace, behind the names of the
 * kernel's <crypto/blake2s.h> (see blake2s.h): what vsradm computes key
 * ids with, and what vsr_mod/auth.c hashes with when it runs in
 * tools/sim's vsr-unit and fuzzers.
 *
 * Plain C after the RFC's description: 32-bit words, 10 rounds of the G
 * mixing function, a digest of 1..32 bytes, an optional key of 1..32
 * bytes that is hashed as a first, zero-padded block.  Checked by
 * tools/sim/blake2s_test.c against the RFC's test vectors and Python's
 * hashlib, and by tools/vsradm/key-test.sh through key ids.
 */
#define _DEFAULT_SOURCE		/* explicit_bzero() */
#include <assert.h>
#include <string.h>

#include "blake2s.h"

typedef uint8_t u8;
typedef uint32_t u32;

static u32 get_le32(const u8 *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (u32)p[3] << 24;
}

static void put_le32(u32 v, u8 *p)
{
	p[0] = v;
	p[1] = v >> 8;
	p[2] = v >> 16;
	p[3] = v >> 24;
}

/* RFC 7693 section 2.6: the SHA-256 initial hash values. */
static const u32 blake2s_iv[8] = {
	0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
	0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
};

/* RFC 7693 section 2.7: the message word permutation of each round. */
static const u8 blake2s_sigma[10][16] = {
	{  0,  1,  2,  3,  4,  5,  6,  7,  8,  9, 10, 11, 12, 13, 14, 15 },
	{ 14, 10,  4,  8,  9, 15, 13,  6,  1, 12,  0,  2, 11,  7,  5,  3 },
	{ 11,  8, 12,  0,  5,  2, 15, 13, 10, 14,  3,  6,  7,  1,  9,  4 },
	{  7,  9,  3,  1, 13, 12, 11, 14,  2,  6,  5, 10,  4,  0, 15,  8 },
	{  9,  0,  5,  7,  2,  4, 10, 15, 14,  1, 11, 12,  6,  8,  3, 13 },
	{  2, 12,  6, 10,  0, 11,  8,  3,  4, 13,  7,  5, 15, 14,  1,  9 },
	{ 12,  5,  1, 15, 14, 13,  4, 10,  0,  7,  6,  3,  9,  2,  8, 11 },
	{ 13, 11,  7, 14, 12,  1,  3,  9,  5,  0, 15,  4,  8,  6,  2, 10 },
	{  6, 15, 14,  9, 11,  3,  0,  8, 12,  2, 13,  7,  1,  4, 10,  5 },
	{ 10,  2,  8,  4,  7,  6,  1,  5, 15, 11,  9, 14,  3, 12, 13,  0 },
};

static inline u32 blake2s_ror(u32 x, unsigned int n)
{
	return (x >> n) | (x << (32 - n));
}

/* RFC 7693 section 3.1: mix two message words into four state words. */
static inline void blake2s_g(u32 v[16], int a, int b, int c, int d,
			     u32 x, u32 y)
{
	v[a] = v[a] + v[b] + x;
	v[d] = blake2s_ror(v[d] ^ v[a], 16);
	v[c] = v[c] + v[d];
	v[b] = blake2s_ror(v[b] ^ v[c], 12);
	v[a] = v[a] + v[b] + y;
	v[d] = blake2s_ror(v[d] ^ v[a], 8);
	v[c] = v[c] + v[d];
	v[b] = blake2s_ror(v[b] ^ v[c], 7);
}

/*
 * RFC 7693 section 3.2: compress one block, @inc new bytes of input (the
 * whole block but for the last one, which is zero-padded).
 */
static void blake2s_compress(struct blake2s_state *state,
			     const u8 block[BLAKE2S_BLOCK_SIZE], u32 inc)
{
	u32 m[16], v[16];
	int i, r;

	state->t[0] += inc;
	if (state->t[0] < inc)
		state->t[1]++;
	for (i = 0; i < 16; i++)
		m[i] = get_le32(block + 4 * i);
	for (i = 0; i < 8; i++) {
		v[i] = state->h[i];
		v[i + 8] = blake2s_iv[i];
	}
	v[12] ^= state->t[0];
	v[13] ^= state->t[1];
	v[14] ^= state->f[0];
	v[15] ^= state->f[1];
	for (r = 0; r < 10; r++) {
		const u8 *s = blake2s_sigma[r];

		blake2s_g(v, 0, 4, 8, 12, m[s[0]], m[s[1]]);
		blake2s_g(v, 1, 5, 9, 13, m[s[2]], m[s[3]]);
		blake2s_g(v, 2, 6, 10, 14, m[s[4]], m[s[5]]);
		blake2s_g(v, 3, 7, 11, 15, m[s[6]], m[s[7]]);
		blake2s_g(v, 0, 5, 10, 15, m[s[8]], m[s[9]]);
		blake2s_g(v, 1, 6, 11, 12, m[s[10]], m[s[11]]);
		blake2s_g(v, 2, 7, 8, 13, m[s[12]], m[s[13]]);
		blake2s_g(v, 3, 4, 9, 14, m[s[14]], m[s[15]]);
	}
	for (i = 0; i < 8; i++)
		state->h[i] ^= v[i] ^ v[i + 8];
	explicit_bzero(m, sizeof(m));
	explicit_bzero(v, sizeof(v));
}

/**
 * blake2s_native_init() - start a hash, keyed or not
 * @state: the state to set up
 * @outlen: digest length, 1..BLAKE2S_HASH_SIZE
 * @key: the key, or NULL for an unkeyed hash
 * @keylen: its length, 1..BLAKE2S_KEY_SIZE (0 without a key)
 */
void blake2s_native_init(struct blake2s_state *state, size_t outlen,
			 const void *key, size_t keylen)
{
	int i;

	assert(outlen && outlen <= BLAKE2S_HASH_SIZE &&
	       keylen <= BLAKE2S_KEY_SIZE && (key || !keylen));
	memset(state, 0, sizeof(*state));
	for (i = 0; i < 8; i++)
		state->h[i] = blake2s_iv[i];
	/* The parameter block: fanout 1, depth 1, key and digest length. */
	state->h[0] ^= 0x01010000 | (u32)keylen << 8 | (u32)outlen;
	state->outlen = outlen;
	if (keylen) {
		/* The key is a first block; compressed when input follows. */
		memcpy(state->buf, key, keylen);
		state->buflen = BLAKE2S_BLOCK_SIZE;
	}
}

/**
 * blake2s_update() - hash more input
 * @state: from blake2s_native_init()
 * @in: the input
 * @inlen: its length (may be 0)
 *
 * The last block, full or not, stays in @state->buf for blake2s_final(),
 * which compresses it with the finalization flag.
 */
void blake2s_update(struct blake2s_state *state, const u8 *in, size_t inlen)
{
	size_t fill = BLAKE2S_BLOCK_SIZE - state->buflen;

	if (!inlen)
		return;
	if (inlen > fill) {
		memcpy(state->buf + state->buflen, in, fill);
		blake2s_compress(state, state->buf, BLAKE2S_BLOCK_SIZE);
		state->buflen = 0;
		in += fill;
		inlen -= fill;
		while (inlen > BLAKE2S_BLOCK_SIZE) {
			blake2s_compress(state, in, BLAKE2S_BLOCK_SIZE);
			in += BLAKE2S_BLOCK_SIZE;
			inlen -= BLAKE2S_BLOCK_SIZE;
		}
	}
	memcpy(state->buf + state->buflen, in, inlen);
	state->buflen += inlen;
}

/**
 * blake2s_final() - the digest
 * @state: the state; wiped afterwards
 * @out: @state->outlen bytes
 */
void blake2s_final(struct blake2s_state *state, u8 *out)
{
	u8 h[BLAKE2S_HASH_SIZE];
	int i;

	state->f[0] = ~0u;
	memset(state->buf + state->buflen, 0,
	       BLAKE2S_BLOCK_SIZE - state->buflen);
	blake2s_compress(state, state->buf, state->buflen);
	for (i = 0; i < 8; i++)
		put_le32(state->h[i], h + 4 * i);
	memcpy(out, h, state->outlen);
	explicit_bzero(h, sizeof(h));
	explicit_bzero(state, sizeof(*state));
}
