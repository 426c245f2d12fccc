// SPDX-License-Identifier: GPL-2.0
/*
 * vsradm: administer vsr instances over the "vsr" generic netlink family.
 * See Documentation/vsradm.rst.
 */

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "vsradm.h"
#include "vsr_version.h"

const char *prog = "vsradm";

/* A bad command line: one line on stderr, exit status 2. */
void usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(EXIT_USAGE);
}

/* A failed operation: one line on stderr, exit status 1. */
void fail(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(EXIT_FAIL);
}

/* A decimal (or 0x hex) number no larger than @max, or a usage error. */
uint64_t parse_u64(const char *what, const char *s, uint64_t max)
{
	unsigned long long v;
	char *end;

	if (!*s || *s == '-' || *s == '+' || *s == ' ')
		usage_error("invalid %s \"%s\"", what, s);
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end)
		usage_error("invalid %s \"%s\"", what, s);
	if (v > max)
		usage_error("%s %s out of range (at most %llu)", what, s,
			    (unsigned long long)max);
	return v;
}

/*
 * The loaded module's MODULE_VERSION, from sysfs (the family resolved, so
 * vsr is loaded or built in); "unknown" if that cannot be read.
 */
static const char *module_version(char *buf, size_t size)
{
	FILE *f = fopen("/sys/module/vsr/version", "r");
	size_t n;

	if (!f)
		return "unknown";
	n = fread(buf, 1, size - 1, f);
	fclose(f);
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		n--;
	buf[n] = '\0';
	return n ? buf : "unknown";
}

static int cmd_family(int argc, char **argv)
{
	char modver[64];
	struct nlctx ctx;

	(void)argv;
	if (argc != 0)
		usage_error("family takes no arguments");
	nl_init(&ctx);
	nl_open(&ctx, true);
	printf("family %s id %u version %u maxattr %u events %u module-version %s\n",
	       VSR_GENL_NAME, ctx.family, ctx.version, ctx.maxattr, ctx.events_grp,
	       module_version(modver, sizeof(modver)));
	nl_close(&ctx);
	return 0;
}

static void print_usage(FILE *f)
{
	fprintf(f,
		"usage: %s COMMAND [ARGS]\n"
		"commands:\n"
		"  add NAME replica N peers ADDR:PORT,... [cluster ID] [heartbeat MS]\n"
		"      [timeout MS] [client-timeout MS] [retention N]\n"
		"                 create an instance (NAME is vsrlogN)\n"
		"  del NAME       destroy an instance\n"
		"  show [NAME] [-j]\n"
		"                 configuration, status and counters\n"
		"  set NAME [heartbeat MS] [timeout MS] [client-timeout MS] [retention N]\n"
		"                 change tunables\n"
		"  trim NAME OP   discard the records below OP\n"
		"  monitor [-j]   print events (instances added/removed, view, status,\n"
		"                 primary changes)\n"
		"  log NAME [from OP] [-f] [-j]\n"
		"                 print committed records with their op numbers\n"
		"  family         show the vsr generic netlink family and the module's\n"
		"                 version\n"
		"  version        vsradm's version (also --version)\n"
		"  help           this text\n"
		"IPv6 peers are written [ADDR]:PORT.\n", prog);
}

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
} cmds[] = {
	{ "add", cmd_add },
	{ "del", cmd_del },
	{ "show", cmd_show },
	{ "set", cmd_set },
	{ "trim", cmd_trim },
	{ "monitor", cmd_monitor },
	{ "log", cmd_log },
	{ "family", cmd_family },
};

int main(int argc, char **argv)
{
	size_t i;

	if (argc < 2) {
		print_usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "--help")) {
		print_usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "version") || !strcmp(argv[1], "--version")) {
		if (argc > 2)
			usage_error("%s takes no arguments", argv[1]);
		printf("vsradm %s\n", VSR_RELEASE);
		return 0;
	}
	for (i = 0; i < ARRAY_SIZE(cmds); i++)
		if (!strcmp(argv[1], cmds[i].name))
			return cmds[i].fn(argc - 2, argv + 2);

	usage_error("unknown command \"%s\" (try \"%s help\")", argv[1], prog);
}
