// SPDX-License-Identifier: GPL-2.0
/*
 * vsradm: saved configuration (showconf, setconf, up, down).
 *
 * A configuration file holds the keys of "vsradm add", one "KEY VALUE"
 * per line; see "CONFIGURATION FILES" in Documentation/vsradm.rst for the
 * grammar.  setconf makes an instance match its file: it creates a
 * missing one, changes the tunables of a live one, and refuses (changing
 * nothing) what cannot change live: replica, peers and cluster.
 */

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "vsradm.h"

/* Where "vsradm up NAME" looks for NAME.conf. */
#define VSR_CONF_DIR		"/etc/vsr"
#define VSR_CONF_DIR_ENV	"VSRADM_CONFDIR"

/*
 * The module's defaults (VSR_DEFAULT_* in vsr_mod/instance.h, documented
 * with "add"): a key missing from a file stands for its default, so that
 * removing a line and running setconf again restores it.
 */
#define DEFAULT_HEARTBEAT_MS		100
#define DEFAULT_TIMEOUT_MS		1000
#define DEFAULT_CLIENT_TIMEOUT_MS	5000
#define DEFAULT_RETENTION		0
#define DEFAULT_WIRE_VERSION		0

struct vsr_conf {
	uint32_t replica;
	uint64_t cluster_id;
	unsigned int n_peers;
	struct peer_addr peers[VSR_MAX_PEERS];
	uint32_t heartbeat_ms;
	uint32_t timeout_ms;
	uint32_t client_timeout_ms;
	uint64_t retention;
	uint32_t wire_version;
};

enum conf_key {
	K_REPLICA,
	K_PEERS,
	K_CLUSTER,
	K_HEARTBEAT,
	K_TIMEOUT,
	K_CLIENT_TIMEOUT,
	K_RETENTION,
	K_WIRE_VERSION,
	K_NR,
};

/* The keywords of add, in the order showconf prints them. */
static const char *const conf_keys[K_NR] = {
	[K_REPLICA] = "replica",
	[K_PEERS] = "peers",
	[K_CLUSTER] = "cluster",
	[K_HEARTBEAT] = "heartbeat",
	[K_TIMEOUT] = "timeout",
	[K_CLIENT_TIMEOUT] = "client-timeout",
	[K_RETENTION] = "retention",
	[K_WIRE_VERSION] = "wire-version",
};

static bool conf_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* The next word of @*p (NUL-terminated in place), or NULL at the end. */
static char *next_word(char **p)
{
	char *s = *p, *w;

	while (conf_space(*s))
		s++;
	if (!*s)
		return NULL;
	w = s;
	while (*s && !conf_space(*s))
		s++;
	if (*s)
		*s++ = '\0';
	*p = s;
	return w;
}

/* "peers A:P,A:P,...": no empty entries, at most VSR_MAX_PEERS. */
static void conf_peers(struct vsr_conf *conf, char *list)
{
	char *tok = list, *comma;

	conf->n_peers = 0;
	for (;;) {
		comma = strchr(tok, ',');
		if (comma)
			*comma = '\0';
		if (!*tok)
			usage_error("empty entry in the peer list");
		if (conf->n_peers == VSR_MAX_PEERS)
			usage_error("more than %d peers", VSR_MAX_PEERS);
		parse_peer_addr(tok, &conf->peers[conf->n_peers++]);
		if (!comma)
			break;
		tok = comma + 1;
	}
}

/* One "KEY VALUE" line (comment already cut off); @line is its number. */
static void conf_line(struct vsr_conf *conf, char *s, unsigned int line,
		      unsigned int first[K_NR])
{
	char *key, *value, *extra;
	int k;

	key = next_word(&s);
	if (!key)
		return;		/* blank or comment only */
	for (k = 0; k < K_NR; k++)
		if (!strcmp(key, conf_keys[k]))
			break;
	if (k == K_NR)
		usage_error("unknown key \"%s\"", key);
	if (first[k])
		usage_error("\"%s\" given twice (first on line %u)", key, first[k]);
	first[k] = line;
	value = next_word(&s);
	if (!value)
		usage_error("\"%s\" needs a value", key);
	extra = next_word(&s);
	if (extra)
		usage_error("\"%s\" takes one value, not also \"%s\"", key, extra);

	switch (k) {
	case K_REPLICA:
		conf->replica = parse_u64("replica", value, VSR_MAX_PEERS - 1);
		break;
	case K_PEERS:
		conf_peers(conf, value);
		break;
	case K_CLUSTER:
		conf->cluster_id = parse_u64("cluster", value, UINT64_MAX);
		break;
	case K_HEARTBEAT:
		conf->heartbeat_ms = parse_u64("heartbeat", value, UINT32_MAX);
		break;
	case K_TIMEOUT:
		conf->timeout_ms = parse_u64("timeout", value, UINT32_MAX);
		break;
	case K_CLIENT_TIMEOUT:
		conf->client_timeout_ms = parse_u64("client-timeout", value, UINT32_MAX);
		break;
	case K_RETENTION:
		conf->retention = parse_u64("retention", value, UINT64_MAX);
		break;
	case K_WIRE_VERSION:
		conf->wire_version = parse_u64("wire-version", value, UINT8_MAX);
		break;
	}
}

/*
 * Read configuration file @path ("-" for stdin) into @conf.  A file that
 * cannot be read fails (exit 1); a syntax error is reported as FILE:LINE
 * and exits 2.
 */
static void conf_read(const char *path, struct vsr_conf *conf)
{
	const char *label = strcmp(path, "-") ? path : "<stdin>";
	unsigned int first[K_NR] = { 0 };
	unsigned int line = 0;
	char *buf = NULL, *hash;
	size_t size = 0;
	ssize_t len;
	FILE *f;

	memset(conf, 0, sizeof(*conf));
	conf->heartbeat_ms = DEFAULT_HEARTBEAT_MS;
	conf->timeout_ms = DEFAULT_TIMEOUT_MS;
	conf->client_timeout_ms = DEFAULT_CLIENT_TIMEOUT_MS;
	conf->retention = DEFAULT_RETENTION;
	conf->wire_version = DEFAULT_WIRE_VERSION;

	f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	if (!f)
		fail("cannot open %s: %s", path, strerror(errno));
	errno = 0;
	while ((len = getline(&buf, &size, f)) >= 0) {
		line++;
		snprintf(err_where, ERR_WHERE_SIZE, "%s:%u", label, line);
		if (strlen(buf) != (size_t)len)
			usage_error("NUL byte in the line");
		if (len && buf[len - 1] == '\n')
			buf[--len] = '\0';
		hash = strchr(buf, '#');
		if (hash)
			*hash = '\0';
		conf_line(conf, buf, line, first);
		errno = 0;
	}
	if (errno)
		fail("cannot read %s: %s", path, strerror(errno));
	free(buf);
	if (f != stdin)
		fclose(f);

	snprintf(err_where, ERR_WHERE_SIZE, "%s", label);
	if (!first[K_REPLICA])
		usage_error("no \"replica\" line");
	if (!first[K_PEERS])
		usage_error("no \"peers\" line");
	if (conf->replica >= conf->n_peers) {
		snprintf(err_where, ERR_WHERE_SIZE, "%s:%u", label, first[K_REPLICA]);
		usage_error("replica %u is not below the number of peers (%u)",
			    conf->replica, conf->n_peers);
	}
	err_where[0] = '\0';
}

/* The live instance's configuration, in the terms of a file. */
static void conf_of_instance(const struct inst_info *in, struct vsr_conf *conf)
{
	unsigned int i;

	memset(conf, 0, sizeof(*conf));
	conf->replica = in->replica;
	conf->cluster_id = in->cluster_id;
	conf->heartbeat_ms = in->heartbeat_ms;
	conf->timeout_ms = in->view_change_timeout_ms;
	conf->client_timeout_ms = in->client_timeout_ms;
	conf->retention = in->log_retention;
	conf->wire_version = in->wire_version;
	conf->n_peers = in->n_peers;
	for (i = 0; i < in->n_peers; i++) {
		if (in->peers[i].index >= in->n_peers)
			fail("%s: peer index %u out of range in the kernel's answer",
			     in->name, in->peers[i].index);
		conf->peers[in->peers[i].index] = in->peers[i].a;
	}
}

static void format_peers(const struct vsr_conf *conf, char *buf, size_t size)
{
	char one[PEER_STRLEN];
	size_t off = 0;
	unsigned int i;

	buf[0] = '\0';
	for (i = 0; i < conf->n_peers && off < size; i++) {
		format_peer_addr(&conf->peers[i], one, sizeof(one));
		off += snprintf(buf + off, size - off, "%s%s", i ? "," : "", one);
	}
}

static bool same_peer(const struct peer_addr *a, const struct peer_addr *b)
{
	return a->family == b->family && a->port == b->port &&
	       !memcmp(a->addr, b->addr, a->family == AF_INET ? 4 : 16);
}

static bool same_peers(const struct vsr_conf *a, const struct vsr_conf *b)
{
	unsigned int i;

	if (a->n_peers != b->n_peers)
		return false;
	for (i = 0; i < a->n_peers; i++)
		if (!same_peer(&a->peers[i], &b->peers[i]))
			return false;
	return true;
}

/*
 * The tunables of @conf.  wire-version goes only when it is set or was
 * (@live_wire): a module older than the attribute refuses it.
 */
static void put_tunables(struct nlmsghdr *nlh, const struct vsr_conf *conf, bool live_wire)
{
	mnl_attr_put_u32(nlh, VSR_A_HEARTBEAT_MS, conf->heartbeat_ms);
	mnl_attr_put_u32(nlh, VSR_A_VIEW_CHANGE_TIMEOUT_MS, conf->timeout_ms);
	mnl_attr_put_u32(nlh, VSR_A_CLIENT_TIMEOUT_MS, conf->client_timeout_ms);
	mnl_attr_put_u64(nlh, VSR_A_LOG_RETENTION, conf->retention);
	if (conf->wire_version || live_wire)
		mnl_attr_put_u32(nlh, VSR_A_WIRE_VERSION, conf->wire_version);
}

static void conf_add(struct nlctx *ctx, const char *name, const struct vsr_conf *conf,
		     const char *what)
{
	struct nlmsghdr *nlh;
	struct nlattr *nest;
	unsigned int i;
	int ret;

	nlh = nl_msg(ctx, VSR_NL_CMD_ADD, NLM_F_ACK);
	mnl_attr_put_strz(nlh, VSR_A_NAME, name);
	mnl_attr_put_u32(nlh, VSR_A_REPLICA, conf->replica);
	mnl_attr_put_u64(nlh, VSR_A_CLUSTER_ID, conf->cluster_id);
	for (i = 0; i < conf->n_peers; i++) {
		const struct peer_addr *pa = &conf->peers[i];

		nest = mnl_attr_nest_start(nlh, VSR_A_PEER);
		mnl_attr_put(nlh, VSR_A_PEER_ADDR, pa->family == AF_INET ? 4 : 16, pa->addr);
		mnl_attr_put_u16(nlh, VSR_A_PEER_PORT, pa->port);
		mnl_attr_nest_end(nlh, nest);
	}
	put_tunables(nlh, conf, false);
	ret = nl_talk(ctx, nlh, NULL, NULL);
	if (ret)
		nl_fail(ctx, ret, what);
}

/*
 * Make instance @name match @conf (read from @path): create it, or change
 * its tunables, or refuse a change that cannot be made live.
 */
static void conf_apply(const char *name, const char *path, const struct vsr_conf *conf)
{
	char what[64], differ[64] = "";
	struct vsr_conf live;
	struct nlmsghdr *nlh;
	struct inst_info in;
	struct nlctx ctx;
	int ret;

	snprintf(what, sizeof(what), "setconf %s", name);
	nl_init(&ctx);
	nl_open(&ctx, true);
	if (instance_get(&ctx, name, &in) == -ENOENT) {
		conf_add(&ctx, name, conf, what);
		nl_close(&ctx);
		return;
	}
	conf_of_instance(&in, &live);
	if (live.replica != conf->replica)
		strcat(differ, ", replica");
	if (!same_peers(&live, conf))
		strcat(differ, ", peers");
	if (live.cluster_id != conf->cluster_id)
		strcat(differ, ", cluster");
	if (differ[0])
		fail("%s: %s cannot change on a running instance (%s differs from it): \"%s del %s\" first",
		     what, differ + 2, strcmp(path, "-") ? path : "<stdin>", prog, name);
	if (live.heartbeat_ms == conf->heartbeat_ms && live.timeout_ms == conf->timeout_ms &&
	    live.client_timeout_ms == conf->client_timeout_ms &&
	    live.retention == conf->retention && live.wire_version == conf->wire_version) {
		nl_close(&ctx);
		return;		/* nothing to change */
	}
	/* All at once: the kernel checks them together, or changes none. */
	nlh = nl_msg(&ctx, VSR_NL_CMD_SET, NLM_F_ACK);
	mnl_attr_put_strz(nlh, VSR_A_NAME, name);
	put_tunables(nlh, conf, live.wire_version);
	ret = nl_talk(&ctx, nlh, NULL, NULL);
	if (ret)
		nl_fail(&ctx, ret, what);
	nl_close(&ctx);
}

/* showconf NAME: the instance's configuration as a file for setconf. */
int cmd_showconf(int argc, char **argv)
{
	char peers[VSR_MAX_PEERS * (PEER_STRLEN + 1)];
	struct vsr_conf conf;
	struct inst_info in;
	struct nlctx ctx;

	if (argc != 1)
		usage_error("usage: %s showconf NAME", prog);
	check_name(argv[0]);
	nl_init(&ctx);
	if (instance_get(&ctx, argv[0], &in) == -ENOENT)
		fail("showconf %s: no such instance in this network namespace", argv[0]);
	nl_close(&ctx);
	conf_of_instance(&in, &conf);
	format_peers(&conf, peers, sizeof(peers));
	printf("# %s: vsradm setconf %s FILE restores this configuration\n",
	       in.name, in.name);
	printf("%s %u\n", conf_keys[K_REPLICA], conf.replica);
	printf("%s %s\n", conf_keys[K_PEERS], peers);
	printf("%s %llu\n", conf_keys[K_CLUSTER], (unsigned long long)conf.cluster_id);
	printf("%s %u\n", conf_keys[K_HEARTBEAT], conf.heartbeat_ms);
	printf("%s %u\n", conf_keys[K_TIMEOUT], conf.timeout_ms);
	printf("%s %u\n", conf_keys[K_CLIENT_TIMEOUT], conf.client_timeout_ms);
	printf("%s %llu", conf_keys[K_RETENTION], (unsigned long long)conf.retention);
	if (!conf.retention)
		printf("\t# the default, %d", VSR_LOG_RETENTION_DEFAULT);
	putchar('\n');
	printf("%s %u", conf_keys[K_WIRE_VERSION], conf.wire_version);
	if (!conf.wire_version)
		printf("\t# the newest the module speaks");
	putchar('\n');
	if (fflush(stdout) || ferror(stdout))
		fail("showconf %s: cannot write: %s", in.name, strerror(errno));
	return 0;
}

/* setconf NAME FILE: create the instance from FILE, or bring it in line. */
int cmd_setconf(int argc, char **argv)
{
	struct vsr_conf conf;

	if (argc != 2)
		usage_error("usage: %s setconf NAME FILE (FILE \"-\" for stdin)", prog);
	check_name(argv[0]);
	conf_read(argv[1], &conf);
	conf_apply(argv[0], argv[1], &conf);
	return 0;
}

/* up NAME: setconf NAME from the configuration directory's NAME.conf. */
int cmd_up(int argc, char **argv)
{
	const char *dir = getenv(VSR_CONF_DIR_ENV);
	char path[PATH_MAX];
	struct vsr_conf conf;

	if (argc != 1)
		usage_error("usage: %s up NAME", prog);
	check_name(argv[0]);
	if (!dir || !*dir)
		dir = VSR_CONF_DIR;
	if (snprintf(path, sizeof(path), "%s/%s.conf", dir, argv[0]) >= (int)sizeof(path))
		usage_error("configuration path too long");
	conf_read(path, &conf);
	conf_apply(argv[0], path, &conf);
	return 0;
}

/* down NAME: del NAME (its file stays). */
int cmd_down(int argc, char **argv)
{
	if (argc != 1)
		usage_error("usage: %s down NAME", prog);
	return cmd_del(argc, argv);
}
