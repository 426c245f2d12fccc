// SPDX-License-Identifier: GPL-2.0
/*
 * vsradm: a minimal JSON writer to stdout, one document per line, or
 * indented over several lines with -p.  Strings are written as UTF-8.
 */

#include <stdio.h>
#include <string.h>

#include "vsradm.h"

#define J_MAX_DEPTH 16

static int depth;
static bool first[J_MAX_DEPTH];

static void j_indent(void)
{
	int i;

	putchar('\n');
	for (i = 0; i < depth; i++)
		fputs("    ", stdout);
}

static void j_sep(const char *key)
{
	if (depth > 0 && depth <= J_MAX_DEPTH) {
		if (!first[depth - 1])
			putchar(',');
		first[depth - 1] = false;
	}
	if (depth > 0 && opt_pretty)
		j_indent();
	if (key) {
		j_strn(NULL, (const unsigned char *)key, (size_t)-1);
		fputs(opt_pretty ? ": " : ":", stdout);
	}
}

static void j_push(char c)
{
	putchar(c);
	if (depth < J_MAX_DEPTH)
		first[depth] = true;
	depth++;
}

static void j_pop(char c)
{
	depth--;
	if (opt_pretty && depth < J_MAX_DEPTH && !first[depth])
		j_indent();
	putchar(c);
}

void j_obj_open(const char *key)
{
	j_sep(key);
	j_push('{');
}

void j_obj_close(void)
{
	j_pop('}');
}

void j_arr_open(const char *key)
{
	j_sep(key);
	j_push('[');
}

void j_arr_close(void)
{
	j_pop(']');
}

void j_u64(const char *key, uint64_t v)
{
	j_sep(key);
	printf("%llu", (unsigned long long)v);
}

void j_bool(const char *key, bool v)
{
	j_sep(key);
	fputs(v ? "true" : "false", stdout);
}

void j_null(const char *key)
{
	j_sep(key);
	fputs("null", stdout);
}

/*
 * Length of the well-formed UTF-8 sequence at @s (at most @len bytes), or 0
 * if it is not one: no overlong forms, no surrogates, nothing above
 * U+10FFFF (RFC 3629).
 */
static size_t utf8_seq(const unsigned char *s, size_t len)
{
	unsigned char c = s[0];
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n, i;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
	} else {
		return 0;
	}
	if (len < n || s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

/* Whether @len bytes at @s are well-formed UTF-8. */
bool utf8_valid(const unsigned char *s, size_t len)
{
	size_t i, n;

	for (i = 0; i < len; i += n) {
		n = utf8_seq(s + i, len - i);
		if (!n)
			return false;
	}
	return true;
}

/*
 * A string of @len bytes (NUL-terminated if @len is (size_t)-1): UTF-8 as
 * is, with quote, backslash, control characters (C0, DEL, C1) and U+2028,
 * U+2029 escaped, so that no reader splits a line inside; bytes that are
 * not well-formed UTF-8 become U+FFFD (callers that must not lose them
 * check utf8_valid() first).
 */
void j_strn(const char *key, const unsigned char *s, size_t len)
{
	size_t i, n;

	if (key)
		j_sep(key);
	if (len == (size_t)-1)
		len = strlen((const char *)s);
	putchar('"');
	for (i = 0; i < len; i += n) {
		unsigned char c = s[i];

		n = 1;
		if (c == '"' || c == '\\') {
			printf("\\%c", c);
		} else if (c == '\n') {
			fputs("\\n", stdout);
		} else if (c == '\t') {
			fputs("\\t", stdout);
		} else if (c < 0x20 || c == 0x7f) {
			printf("\\u%04x", c);
		} else if (c < 0x80) {
			putchar(c);
		} else {
			n = utf8_seq(s + i, len - i);
			if (n == 2 && c == 0xc2 && s[i + 1] < 0xa0) {
				/* C1 controls (U+0080..U+009F) */
				printf("\\u%04x", s[i + 1]);
			} else if (n == 3 && c == 0xe2 && s[i + 1] == 0x80 &&
				   (s[i + 2] == 0xa8 || s[i + 2] == 0xa9)) {
				/* line and paragraph separators, lines to some readers */
				printf("\\u%04x", 0x2000 | (s[i + 2] & 0x3f));
			} else if (n) {
				fwrite(s + i, 1, n, stdout);
			} else {
				fputs("\\ufffd", stdout);
				n = 1;
			}
		}
	}
	putchar('"');
}

void j_str(const char *key, const char *s)
{
	j_sep(key);
	j_strn(NULL, (const unsigned char *)s, (size_t)-1);
}

/* @len bytes at @s in standard base64 (RFC 4648, with padding). */
void j_base64(const char *key, const unsigned char *s, size_t len)
{
	static const char b64[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char out[4];
	size_t i;

	j_sep(key);
	putchar('"');
	for (i = 0; i + 2 < len; i += 3) {
		out[0] = b64[s[i] >> 2];
		out[1] = b64[(s[i] & 0x03) << 4 | s[i + 1] >> 4];
		out[2] = b64[(s[i + 1] & 0x0f) << 2 | s[i + 2] >> 6];
		out[3] = b64[s[i + 2] & 0x3f];
		fwrite(out, 1, 4, stdout);
	}
	if (len - i == 1) {
		out[0] = b64[s[i] >> 2];
		out[1] = b64[(s[i] & 0x03) << 4];
		out[2] = '=';
		out[3] = '=';
		fwrite(out, 1, 4, stdout);
	} else if (len - i == 2) {
		out[0] = b64[s[i] >> 2];
		out[1] = b64[(s[i] & 0x03) << 4 | s[i + 1] >> 4];
		out[2] = b64[(s[i + 1] & 0x0f) << 2];
		out[3] = '=';
		fwrite(out, 1, 4, stdout);
	}
	putchar('"');
}

void j_end_line(void)
{
	putchar('\n');
	fflush(stdout);
	depth = 0;
}
