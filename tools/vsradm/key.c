// SPDX-License-Identifier: GPL-2.0
/*
 * vsradm: cluster keys (genkey, keyid, and the key files of add, set and
 * configuration files).
 *
 * A key file holds a key as WireGuard's "wg genkey" writes one: its
 * VSR_KEY_LEN (32) bytes in base64 (RFC 4648, with padding), 44
 * characters, then a newline.  The key goes to the kernel and is never
 * shown: only its key id, which is computed here as the module does
 * (vsr_auth_key_id() in vsr_mod/auth.c), with the tools' BLAKE2s
 * (tools/lib/blake2s.c), so that a file can be matched to the id that
 * show prints.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/random.h>
#include <sys/stat.h>

#include "blake2s.h"
#include "vsradm.h"

/* What a key file must hold, for the error message. */
#define KEY_FILE_FORMAT \
	"44 base64 characters, as vsradm genkey or wg genkey write"

/* A key file is at most this long: the key and some white space. */
#define KEY_FILE_MAX	128

/* As the module's vsr_auth_key_id(). */
#define KEY_ID_LABEL	"vsr key id 1"

/* BLAKE2s-256 keyed with the key over the label; its first 4 bytes. */
uint32_t key_id(const uint8_t key[VSR_KEY_LEN])
{
	struct blake2s_state s;
	uint8_t out[BLAKE2S_HASH_SIZE];
	uint32_t id;

	blake2s_native_init(&s, sizeof(out), key, VSR_KEY_LEN);
	blake2s_update(&s, (const uint8_t *)KEY_ID_LABEL,
		       sizeof(KEY_ID_LABEL) - 1);
	blake2s_final(&s, out);
	id = out[0] | out[1] << 8 | out[2] << 16 | (uint32_t)out[3] << 24;
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
