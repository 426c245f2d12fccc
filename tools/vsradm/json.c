// SPDX-License-Identifier: GPL-2.0
/*
 * vsradm: a minimal JSON writer to stdout (one document per line).
 */

#include <stdio.h>

#include "vsradm.h"

#define J_MAX_DEPTH 16

static int depth;
static bool first[J_MAX_DEPTH];

static void j_sep(const char *key)
{
	if (depth > 0 && !first[depth - 1])
		putchar(',');
	if (depth > 0)
		first[depth - 1] = false;
	if (key)
		j_strn(NULL, (const unsigned char *)key, (size_t)-1);
	if (key)
		putchar(':');
}

static void j_push(char c)
{
	putchar(c);
	if (depth < J_MAX_DEPTH)
		first[depth] = true;
	depth++;
}

void j_obj_open(const char *key)
{
	j_sep(key);
	j_push('{');
}

void j_obj_close(void)
{
	depth--;
	putchar('}');
}

void j_arr_open(const char *key)
{
	j_sep(key);
	j_push('[');
}

void j_arr_close(void)
{
	depth--;
	putchar(']');
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

/* A string; bytes outside printable ASCII are escaped as \u00XX. */
void j_strn(const char *key, const unsigned char *s, size_t len)
{
	size_t i;

	if (key)
		j_sep(key);
	putchar('"');
	for (i = 0; len == (size_t)-1 ? s[i] != '\0' : i < len; i++) {
		unsigned char c = s[i];

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c == '\n')
			fputs("\\n", stdout);
		else if (c == '\t')
			fputs("\\t", stdout);
		else if (c < 0x20 || c >= 0x7f)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

void j_str(const char *key, const char *s)
{
	j_sep(key);
	j_strn(NULL, (const unsigned char *)s, (size_t)-1);
}

void j_end_line(void)
{
	putchar('\n');
	fflush(stdout);
	depth = 0;
}
