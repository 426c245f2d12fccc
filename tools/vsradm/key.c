// SPDX-License-Identifier: GPL-2.0
/*
 * vsradm: cluster keys (genkey, keyid, and the key files of add, set and
 * configuration files).
 *
 * A key file holds a key as WireGuard's "wg genkey" writes one: its
 * VSR_KEY_LEN (32) bytes in base64 (RFC 4648, with padding), 44
 * characters, then a newline.  The key goes to the kernel and is never
 * shown: only its key id, which is computed here as the module does
 * (vsr_auth_key_id() in vsr_mod/auth.c), so that a file can be matched
 * to the id that show prints.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/random.h>
#include <sys/stat.h>

#include "vsradm.h"

/* What a key file must hold, for the error message. */
#define KEY_FILE_FORMAT \
	"44 base64 characters, as vsradm genkey or wg genkey write"

/* A key file is at most this long: the key and some white space. */
#define KEY_FILE_MAX	128

/* --- BLAKE2s (RFC 7693), for key ids --- */

static const uint32_t blake2s_iv[8] = {
	0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
	0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
};

static const uint8_t blake2s_sigma[10][16] = {
	{ 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15 },
	{ 14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3 },
	{ 11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4 },
	{ 7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8 },
	{ 9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13 },
	{ 2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9 },
	{ 12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11 },
	{ 13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10 },
	{ 6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5 },
	{ 10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0 },
};

#define BLAKE2S_BLOCK	64
#define BLAKE2S_OUT	32

struct blake2s {
	uint32_t h[8];
	uint32_t t;		/* bytes compressed (messages here are short) */
	uint8_t buf[BLAKE2S_BLOCK];
	size_t len;		/* bytes in @buf */
};

static uint32_t ror32(uint32_t x, unsigned int n)
{
	return x >> n | x << (32 - n);
}

static uint32_t get_le32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

#define G(a, b, c, d, x, y) do {			\
		v[a] += v[b] + (x);			\
		v[d] = ror32(v[d] ^ v[a], 16);		\
		v[c] += v[d];				\
		v[b] = ror32(v[b] ^ v[c], 12);		\
		v[a] += v[b] + (y);			\
		v[d] = ror32(v[d] ^ v[a], 8);		\
		v[c] += v[d];				\
		v[b] = ror32(v[b] ^ v[c], 7);		\
	} while (0)

static void blake2s_compress(struct blake2s *s, bool last)
{
	uint32_t m[16], v[16];
	int i, r;

	for (i = 0; i < 16; i++)
		m[i] = get_le32(s->buf + 4 * i);
	for (i = 0; i < 8; i++) {
		v[i] = s->h[i];
		v[i + 8] = blake2s_iv[i];
	}
	v[12] ^= s->t;
	if (last)
		v[14] = ~v[14];
	for (r = 0; r < 10; r++) {
		const uint8_t *sg = blake2s_sigma[r];

		G(0, 4, 8, 12, m[sg[0]], m[sg[1]]);
		G(1, 5, 9, 13, m[sg[2]], m[sg[3]]);
		G(2, 6, 10, 14, m[sg[4]], m[sg[5]]);
		G(3, 7, 11, 15, m[sg[6]], m[sg[7]]);
		G(0, 5, 10, 15, m[sg[8]], m[sg[9]]);
		G(1, 6, 11, 12, m[sg[10]], m[sg[11]]);
		G(2, 7, 8, 13, m[sg[12]], m[sg[13]]);
		G(3, 4, 9, 14, m[sg[14]], m[sg[15]]);
	}
	for (i = 0; i < 8; i++)
		s->h[i] ^= v[i] ^ v[i + 8];
	explicit_bzero(m, sizeof(m));
	explicit_bzero(v, sizeof(v));
}

static void blake2s_update(struct blake2s *s, const uint8_t *in, size_t len)
{
	size_t n;

	while (len) {
		/* The last block is compressed by blake2s_final(). */
		if (s->len == BLAKE2S_BLOCK) {
			s->t += BLAKE2S_BLOCK;
			blake2s_compress(s, false);
			s->len = 0;
		}
		n = BLAKE2S_BLOCK - s->len;
		if (n > len)
			n = len;
		memcpy(s->buf + s->len, in, n);
		s->len += n;
		in += n;
		len -= n;
	}
}

/* BLAKE2s-256 of @in keyed with @key (1 to 32 bytes). */
static void blake2s_keyed(uint8_t out[BLAKE2S_OUT], const uint8_t *key,
			  size_t keylen, const uint8_t *in, size_t len)
{
	uint8_t block[BLAKE2S_BLOCK] = { 0 };
	struct blake2s s;
	int i;

	memset(&s, 0, sizeof(s));
	memcpy(s.h, blake2s_iv, sizeof(s.h));
	s.h[0] ^= 0x01010000 | keylen << 8 | BLAKE2S_OUT;
	memcpy(block, key, keylen);
	blake2s_update(&s, block, sizeof(block));
	blake2s_update(&s, in, len);
	s.t += s.len;
	memset(s.buf + s.len, 0, BLAKE2S_BLOCK - s.len);
	blake2s_compress(&s, true);
	for (i = 0; i < 8; i++) {
		out[4 * i] = s.h[i];
		out[4 * i + 1] = s.h[i] >> 8;
		out[4 * i + 2] = s.h[i] >> 16;
		out[4 * i + 3] = s.h[i] >> 24;
	}
	explicit_bzero(block, sizeof(block));
	explicit_bzero(&s, sizeof(s));
}

/* As the module's vsr_auth_key_id(). */
#define KEY_ID_LABEL	"vsr key id 1"

uint32_t key_id(const uint8_t key[VSR_KEY_LEN])
{
	uint8_t out[BLAKE2S_OUT];
	uint32_t id;

	blake2s_keyed(out, key, VSR_KEY_LEN, (const uint8_t *)KEY_ID_LABEL,
		      sizeof(KEY_ID_LABEL) - 1);
	id = get_le32(out);
	explicit_bzero(out, sizeof(out));
	return id;
}

/* --- base64 --- */

static const char b64[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int b64_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/*
 * The key that the KEY_B64_LEN characters at @s are in base64, or false:
 * 42 characters of 6 bits, a 43rd whose low 2 bits are 0 (the only
 * spelling of its 4 bits), then "=".
 */
static bool key_from_base64(uint8_t key[VSR_KEY_LEN], const char *s)
{
	uint32_t acc = 0;
	int i, v, bad = 0;

	for (i = 0; i < KEY_B64_LEN - 1; i++) {
		v = b64_value(s[i]);
		bad |= v < 0;
		acc = acc << 6 | (v & 0x3f);
		if (i % 4 == 3) {
			key[i / 4 * 3] = acc >> 16;
			key[i / 4 * 3 + 1] = acc >> 8;
			key[i / 4 * 3 + 2] = acc;
			acc = 0;
		}
	}
	/* 18 bits left: 2 bytes and 2 bits of padding */
	key[VSR_KEY_LEN - 2] = acc >> 10;
	key[VSR_KEY_LEN - 1] = acc >> 2;
	bad |= (acc & 3) != 0;
	bad |= s[KEY_B64_LEN - 1] != '=';
	acc = 0;
	if (bad)
		explicit_bzero(key, VSR_KEY_LEN);
	return !bad;
}

static void key_to_base64(char out[KEY_B64_LEN + 1], const uint8_t key[VSR_KEY_LEN])
{
	uint32_t acc;
	int i, o = 0;

	for (i = 0; i + 2 < VSR_KEY_LEN; i += 3) {
		acc = key[i] << 16 | key[i + 1] << 8 | key[i + 2];
		out[o++] = b64[acc >> 18 & 0x3f];
		out[o++] = b64[acc >> 12 & 0x3f];
		out[o++] = b64[acc >> 6 & 0x3f];
		out[o++] = b64[acc & 0x3f];
	}
	acc = key[i] << 16 | key[i + 1] << 8;
	out[o++] = b64[acc >> 18 & 0x3f];
	out[o++] = b64[acc >> 12 & 0x3f];
	out[o++] = b64[acc >> 6 & 0x3f];
	out[o++] = '=';
	out[o] = '\0';
	acc = 0;
}

/* --- key files --- */

static bool key_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/*
 * Read the key of key file @path into @key.  A file that cannot be read
 * fails (exit 1); one that holds anything but a key (and white space after
 * it) is a usage error (exit 2, after the configuration file's FILE:LINE if
 * err_where says one).  A regular file that its group or others may access
 * draws a warning.
 */
void key_read(const char *path, uint8_t key[VSR_KEY_LEN])
{
	char buf[KEY_FILE_MAX + 1];
	size_t len = 0, i;
	struct stat st;
	ssize_t n;
	bool ok;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		fail("%s%scannot open key file %s: %s", err_where, err_where[0] ? ": " : "",
		     path, strerror(errno));
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 077)) {
		fflush(stdout);
		fprintf(stderr, "%s: warning: key file %s is accessible to %s (mode %04o; chmod 600 it)\n",
			prog, path, st.st_mode & 007 ? "others" : "its group",
			(unsigned int)(st.st_mode & 07777));
	}
	for (;;) {
		n = read(fd, buf + len, sizeof(buf) - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			explicit_bzero(buf, sizeof(buf));
			fail("%s%scannot read key file %s: %s", err_where,
			     err_where[0] ? ": " : "", path, strerror(errno));
		}
		if (n == 0)
			break;
		len += n;
		if (len == sizeof(buf))
			break;	/* too long to be a key file */
	}
	close(fd);
	ok = len >= KEY_B64_LEN && len < sizeof(buf);
	for (i = KEY_B64_LEN; ok && i < len; i++)
		ok = key_space(buf[i]);
	if (ok)
		ok = key_from_base64(key, buf);
	explicit_bzero(buf, sizeof(buf));
	if (!ok)
		usage_error("%s: not a key (" KEY_FILE_FORMAT ")", path);
}

/* genkey: a new key, in base64, as wg genkey prints one. */
int cmd_genkey(int argc, char **argv)
{
	uint8_t key[VSR_KEY_LEN];
	char text[KEY_B64_LEN + 1];
	struct stat st;
	size_t got = 0;
	ssize_t n;

	(void)argv;
	if (argc != 0)
		usage_error("genkey takes no arguments");
	if (fstat(STDOUT_FILENO, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 077))
		fprintf(stderr, "%s: warning: writing a key to a file that %s may read (umask 077 first)\n",
			prog, st.st_mode & 007 ? "others" : "its group");
	while (got < sizeof(key)) {
		n = getrandom(key + got, sizeof(key) - got, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			fail("genkey: getrandom: %s", strerror(errno));
		got += n;
	}
	key_to_base64(text, key);
	explicit_bzero(key, sizeof(key));
	printf("%s\n", text);
	explicit_bzero(text, sizeof(text));
	if (fflush(stdout) || ferror(stdout))
		fail("genkey: cannot write: %s", strerror(errno));
	return 0;
}

/* keyid KEYFILE: the key id that show prints for the key of KEYFILE. */
int cmd_keyid(int argc, char **argv)
{
	uint8_t key[VSR_KEY_LEN];
	uint32_t id;

	if (argc != 1)
		usage_error("usage: %s keyid KEYFILE", prog);
	if (argv[0][0] == '-' && argv[0][1])
		unknown_option("keyid", argv[0]);
	key_read(strcmp(argv[0], "-") ? argv[0] : "/dev/stdin", key);
	id = key_id(key);
	explicit_bzero(key, sizeof(key));
	printf(KEY_ID_FMT "\n", id);
	return 0;
}
