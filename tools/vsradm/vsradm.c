// SPDX-License-Identifier: GPL-2.0
/*
 * vsradm: administer vsr instances over the "vsr" generic netlink family.
 * See Documentation/vsradm.rst.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vsradm.h"
#include "vsr_version.h"

/* Where ip-netns(8) keeps its named network namespaces. */
#define NETNS_RUN_DIR	"/run/netns"

const char *prog = "vsradm";
bool opt_json;
bool opt_pretty;
char err_where[ERR_WHERE_SIZE];

/*
 * A bad command line or configuration file: one line on stderr (after
 * FILE:LINE for a file), exit status 2.
 */
void usage_error(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "%s: ", prog);
	if (err_where[0])
		fprintf(stderr, "%s: ", err_where);
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

/*
 * -j and -p, which show, monitor and log also take after the command (as
 * vsradm always did): true if @arg is one of them.  -p implies -j.
 */
bool output_option(const char *arg)
{
	if (!strcmp(arg, "-j") || !strcmp(arg, "--json"))
		opt_json = true;
	else if (!strcmp(arg, "-p") || !strcmp(arg, "--pretty"))
		opt_json = opt_pretty = true;
	else
		return false;
	return true;
}

/* An option @cmd does not know: never taken for a name or a value. */
void unknown_option(const char *cmd, const char *arg)
{
	usage_error("unknown option \"%s\" for %s (try \"%s help\")", arg, cmd, prog);
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
	if (*end || (errno && errno != ERANGE))
		usage_error("invalid %s \"%s\"", what, s);
	if (errno == ERANGE || v > max)
		usage_error("%s %s out of range (at most %llu)", what, s,
			    (unsigned long long)max);
	return v;
}

/* The encrypt settings by their value (enum vsr_encrypt). */
const char *const encrypt_names[3] = { "off", "on", "require" };

/**
 * parse_encrypt() - "off", "on" or "require", for keyword @what
 * @what: the keyword, for the message
 * @s: the value
 *
 * Return: its enum vsr_encrypt; exits with a usage error otherwise.
 */
int parse_encrypt(const char *what, const char *s)
{
	int i;

	for (i = 0; i < (int)ARRAY_SIZE(encrypt_names); i++)
		if (!strcmp(s, encrypt_names[i]))
			return i;
	usage_error("%s must be off, on or require, not \"%s\"", what, s);
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
	if (opt_json) {
		j_obj_open(NULL);
		j_str("name", VSR_GENL_NAME);
		j_u64("id", ctx.family);
		j_u64("version", ctx.version);
		j_u64("maxattr", ctx.maxattr);
		j_u64("events", ctx.events_grp);
		j_str("module-version", module_version(modver, sizeof(modver)));
		j_obj_close();
		j_end_line();
	} else {
		printf("family %s id %u version %u maxattr %u events %u module-version %s\n",
		       VSR_GENL_NAME, ctx.family, ctx.version, ctx.maxattr, ctx.events_grp,
		       module_version(modver, sizeof(modver)));
	}
	nl_close(&ctx);
	return 0;
}

static void print_usage(FILE *f)
{
	fprintf(f,
		"usage: %s [OPTIONS] COMMAND [ARGS]\n"
		"options:\n"
		"  -j, --json     JSON output (show, monitor, log, family)\n"
		"  -p, --pretty   indented JSON (implies -j)\n"
		"  -n, --netns NETNS\n"
		"                 run in network namespace NETNS (/run/netns/NETNS)\n"
		"  -h, --help     this text\n"
		"commands:\n"
		"  add NAME replica N peers ADDR:PORT,... [cluster ID] [heartbeat MS]\n"
		"      [timeout MS] [client-timeout MS] [retention N] [wire-version V]\n"
		"      [key-file KEYFILE] [encrypt off|on|require]\n"
		"      [log-file PATH format]\n"
		"                 create an instance (NAME is vsrlogN); with\n"
		"                 log-file, durable: its log in PATH, formatted now\n"
		"  add NAME log-file PATH\n"
		"                 restart a durable instance from its log file\n"
		"  add NAME join ADDR:PORT [cluster ID] [heartbeat MS] ...\n"
		"                 create a joining instance at ADDR:PORT: it waits\n"
		"                 for a reconfigure on a member to name it\n"
		"  del NAME       destroy an instance\n"
		"  show [NAME]    configuration, status and counters\n"
		"  set NAME [heartbeat MS] [timeout MS] [client-timeout MS] [retention N]\n"
		"      [wire-version V] [key-file KEYFILE|none]\n"
		"      [accept-key-file KEYFILE|none|off] [key-swap] [encrypt off|on|require]\n"
		"                 change tunables and keys\n"
		"  trim NAME OP   discard the records below OP\n"
		"  reconfigure NAME peers ADDR:PORT,...\n"
		"                 change the cluster's members, in that order: new\n"
		"                 addresses must be joining instances; members\n"
		"                 left out are removed\n"
		"  showconf NAME  the configuration, in the format of a configuration file\n"
		"  setconf NAME FILE\n"
		"                 create NAME from FILE (\"-\": stdin), or change its\n"
		"                 tunables (and keys) to FILE's\n"
		"  up NAME        setconf NAME /etc/vsr/NAME.conf\n"
		"  down NAME      del NAME\n"
		"  monitor        print the state of every instance, then events\n"
		"                 (instances added/removed, view, status, primary,\n"
		"                 epoch changes)\n"
		"  log NAME [from OP] [-f]\n"
		"                 print committed records with their op numbers\n"
		"  genkey         print a new key (for a key file: umask 077)\n"
		"  keyid KEYFILE  the key id of KEYFILE's key, as show prints it\n"
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
	{ "reconfigure", cmd_reconfigure },
	{ "monitor", cmd_monitor },
	{ "log", cmd_log },
	{ "family", cmd_family },
	{ "showconf", cmd_showconf },
	{ "setconf", cmd_setconf },
	{ "up", cmd_up },
	{ "down", cmd_down },
	{ "genkey", cmd_genkey },
	{ "keyid", cmd_keyid },
};

/*
 * Like ip -n: move into the network namespace that ip-netns(8) named
 * @name, before any netlink socket or device is opened.
 */
static void enter_netns(const char *name)
{
	char path[PATH_MAX];
	int fd;

	if (!*name || strchr(name, '/') || !strcmp(name, ".") || !strcmp(name, "..") ||
	    strlen(name) > NAME_MAX)
		usage_error("invalid network namespace name \"%s\"", name);
	snprintf(path, sizeof(path), "%s/%s", NETNS_RUN_DIR, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		fail("cannot open network namespace \"%s\": %s", name, strerror(errno));
	if (setns(fd, CLONE_NEWNET) < 0)
		fail("cannot enter network namespace \"%s\": %s", name, strerror(errno));
	close(fd);
}

int main(int argc, char **argv)
{
	const char *netns = NULL;
	size_t c;
	int i;

	if (argc < 2) {
		print_usage(stderr);
		return EXIT_USAGE;
	}
	/* Global options, up to the command. */
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *arg = argv[i];

		if (!strcmp(arg, "-h") || !strcmp(arg, "--help")) {
			print_usage(stdout);
			return 0;
		} else if (!strcmp(arg, "--version")) {
			printf("vsradm %s\n", VSR_RELEASE);
			return 0;
		} else if (!strcmp(arg, "-n") || !strcmp(arg, "--netns") ||
			   !strncmp(arg, "--netns=", 8)) {
			if (netns)
				usage_error("\"%s\" given twice", "--netns");
			if (arg[1] == '-' && arg[7] == '=')
				netns = arg + 8;
			else if (++i < argc)
				netns = argv[i];
			else
				usage_error("\"%s\" needs a network namespace name", arg);
		} else if (!output_option(arg)) {
			usage_error("unknown option \"%s\" (try \"%s help\")", arg, prog);
		}
	}
	if (i >= argc)
		usage_error("no command after the options (try \"%s help\")", prog);
	if (!strcmp(argv[i], "help")) {
		print_usage(stdout);
		return 0;
	}
	if (!strcmp(argv[i], "version")) {
		if (argc > i + 1)
			usage_error("version takes no arguments");
		printf("vsradm %s\n", VSR_RELEASE);
		return 0;
	}
	for (c = 0; c < ARRAY_SIZE(cmds); c++) {
		if (strcmp(argv[i], cmds[c].name))
			continue;
		if (netns)
			enter_netns(netns);
		return cmds[c].fn(argc - i - 1, argv + i + 1);
	}
	usage_error("unknown command \"%s\" (try \"%s help\")", argv[i], prog);
}
