// SPDX-License-Identifier: GPL-2.0
/*
 * vsradm: saved configuration (showconf, setconf, up, down).
 *
 * A configuration file holds the keys of "vsradm add", one "KEY VALUE"
 * per line; see "CONFIGURATION FILES" in Documentation/vsradm.rst for the
 * grammar.  setconf makes an instance match its file: it creates a
 * missing one, changes the tunables and keys of a live one, and refuses
 * (changing nothing) what cannot change live: replica, peers and cluster.
 * A file without key-file (or accept-key-file) leaves that key of a live
 * instance as it is: showconf cannot write the path of a key.
 */

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

/* A key slot as a file gives it: key-file, accept-key-file. */
enum conf_slot_mode {
	SLOT_ABSENT,	/* no line: a live instance keeps what it has */
	SLOT_NONE,	/* "none": unauthenticated datagrams */
	SLOT_OFF,	/* "off" (accept-key-file only): no second key */
	SLOT_KEY,	/* the key of a key file */
};

struct conf_slot {
	enum conf_slot_mode mode;
	uint8_t key[VSR_KEY_LEN];
};

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
	uint8_t encrypt;
	struct conf_slot key;		/* sent with (and accepted) */
	struct conf_slot accept;	/* accepted too */
	char log_file[PATH_MAX];	/* durable: the log file; "" in memory */
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
	K_ENCRYPT,
	K_KEY_FILE,
	K_ACCEPT_KEY_FILE,
	K_LOG_FILE,
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
	[K_ENCRYPT] = "encrypt",
	[K_KEY_FILE] = "key-file",
	[K_ACCEPT_KEY_FILE] = "accept-key-file",
	[K_LOG_FILE] = "log-file",
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

/*
 * "key-file KEYFILE|none", "accept-key-file KEYFILE|none|off": a relative
 * KEYFILE is in @dir, the configuration file's directory (NULL: the
 * current one).
 */
static void conf_slot(struct conf_slot *slot, const char *value, bool accept,
		      const char *dir)
{
	char path[PATH_MAX];

	if (!strcmp(value, "none")) {
		slot->mode = SLOT_NONE;
		return;
	}
	if (accept && !strcmp(value, "off")) {
		slot->mode = SLOT_OFF;
		return;
	}
	if (value[0] != '/' && dir) {
		if (snprintf(path, sizeof(path), "%s/%s", dir, value) >= (int)sizeof(path))
			usage_error("key file path too long");
		value = path;
	}
	key_read(value, slot->key);
	slot->mode = SLOT_KEY;
}

/*
 * "log-file PATH": a durable instance's log file, formatted before (add
 * ... log-format); a relative PATH is in @dir, as a key file's, and goes
 * to the module absolute.
 */
static void conf_log_file(struct vsr_conf *conf, const char *value,
			  const char *dir)
{
	char cwd[PATH_MAX];
	int n;

	if (value[0] == '/')
		n = snprintf(conf->log_file, sizeof(conf->log_file), "%s", value);
	else if (dir && dir[0] == '/')
		n = snprintf(conf->log_file, sizeof(conf->log_file), "%s/%s",
			     dir, value);
	else if (getcwd(cwd, sizeof(cwd)))
		n = snprintf(conf->log_file, sizeof(conf->log_file), "%s/%s%s%s",
			     cwd, dir ? dir : "", dir ? "/" : "", value);
	else
		fail("getcwd: %s", strerror(errno));
	if (n >= (int)sizeof(conf->log_file))
		usage_error("log file path too long");
}

/* One "KEY VALUE" line (comment already cut off); @line is its number. */
static void conf_line(struct vsr_conf *conf, char *s, unsigned int line,
		      unsigned int first[K_NR], const char *dir)
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
	case K_ENCRYPT:
		conf->encrypt = parse_encrypt("encrypt", value);
		break;
	case K_KEY_FILE:
		conf_slot(&conf->key, value, false, dir);
		break;
	case K_ACCEPT_KEY_FILE:
		conf_slot(&conf->accept, value, true, dir);
		break;
	case K_LOG_FILE:
		conf_log_file(conf, value, dir);
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
	char *buf = NULL, *hash, *dir = NULL, *slash;
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
	/* Where relative key file paths are (stdin: the current directory). */
	slash = f != stdin ? strrchr(path, '/') : NULL;
	if (slash) {
		dir = strndup(path, slash > path ? (size_t)(slash - path) : 1);
		if (!dir)
			fail("out of memory");
	}
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
		conf_line(conf, buf, line, first, dir);
		errno = 0;
	}
	if (errno)
		fail("cannot read %s: %s", path, strerror(errno));
	free(buf);
	free(dir);
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
	conf->encrypt = in->encrypt;
	snprintf(conf->log_file, sizeof(conf->log_file), "%s", in->log_file);
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
 * (@live->wire_version), encrypt only when it is on or was: a module older
 * than the attribute refuses it.
 */
static void put_tunables(struct nlmsghdr *nlh, const struct vsr_conf *conf,
			 const struct vsr_conf *live)
{
	mnl_attr_put_u32(nlh, VSR_A_HEARTBEAT_MS, conf->heartbeat_ms);
	mnl_attr_put_u32(nlh, VSR_A_VIEW_CHANGE_TIMEOUT_MS, conf->timeout_ms);
	mnl_attr_put_u32(nlh, VSR_A_CLIENT_TIMEOUT_MS, conf->client_timeout_ms);
	mnl_attr_put_u64(nlh, VSR_A_LOG_RETENTION, conf->retention);
	if (conf->wire_version || live->wire_version)
		mnl_attr_put_u32(nlh, VSR_A_WIRE_VERSION, conf->wire_version);
	if (conf->encrypt || live->encrypt)
		mnl_attr_put_u8(nlh, VSR_A_ENCRYPT, conf->encrypt);
}

/* The attribute of a key slot that a file gives (not SLOT_ABSENT). */
static void put_slot(struct nlmsghdr *nlh, const struct conf_slot *slot, bool accept)
{
	switch (slot->mode) {
	case SLOT_ABSENT:
		break;
	case SLOT_NONE:
		nl_put_flag(nlh, accept ? VSR_A_ACCEPT_KEY_NONE : VSR_A_KEY_NONE);
		break;
	case SLOT_OFF:
		nl_put_flag(nlh, VSR_A_ACCEPT_KEY_OFF);
		break;
	case SLOT_KEY:
		mnl_attr_put(nlh, accept ? VSR_A_ACCEPT_KEY : VSR_A_KEY, VSR_KEY_LEN, slot->key);
		break;
	}
}

/*
 * A key slot by its key id, to compare a live instance with a file; the
 * key ids of the file's keys are computed as the module does.
 */
struct slot_state {
	enum conf_slot_mode mode;	/* SLOT_NONE, SLOT_OFF or SLOT_KEY */
	uint32_t id;
};

static bool slot_eq(const struct slot_state *a, const struct slot_state *b)
{
	return a->mode == b->mode && (a->mode != SLOT_KEY || a->id == b->id);
}

/* Whether slots @s accept what @x stands for. */
static bool slot_accepts(const struct slot_state s[2], const struct slot_state *x)
{
	return slot_eq(&s[0], x) || (s[1].mode != SLOT_OFF && slot_eq(&s[1], x));
}

/*
 * The keys of a live instance.  One that sends unauthenticated datagrams
 * and reports no second key has none, or "none" (which accepts the same
 * datagrams): taken as none.
 */
static void live_slots(const struct inst_info *in, struct slot_state s[2])
{
	memset(s, 0, 2 * sizeof(*s));
	s[0].mode = in->has_key_id ? SLOT_KEY : SLOT_NONE;
	s[0].id = in->key_id;
	if (in->has_accept_key_id) {
		s[1].mode = SLOT_KEY;
		s[1].id = in->accept_key_id;
	} else if (in->has_key_id && in->accept_key_none) {
		s[1].mode = SLOT_NONE;
	} else {
		s[1].mode = SLOT_OFF;
	}
}

/* @live after the key lines of @conf. */
static void file_slots(const struct vsr_conf *conf, const struct slot_state live[2],
		       struct slot_state s[2])
{
	const struct conf_slot *c[2] = { &conf->key, &conf->accept };
	int i;

	for (i = 0; i < 2; i++) {
		s[i] = live[i];
		if (c[i]->mode == SLOT_ABSENT)
			continue;
		s[i].mode = c[i]->mode;
		s[i].id = c[i]->mode == SLOT_KEY ? key_id(c[i]->key) : 0;
	}
}

/*
 * Whether the file's key lines change what the live instance sends with
 * or accepts.
 */
static bool keys_differ(const struct vsr_conf *conf, const struct inst_info *in)
{
	struct slot_state live[2], want[2];

	live_slots(in, live);
	file_slots(conf, live, want);
	return !slot_eq(&live[0], &want[0]) ||
	       (live[1].mode != SLOT_OFF && !slot_accepts(want, &live[1])) ||
	       (want[1].mode != SLOT_OFF && !slot_accepts(live, &want[1]));
}

/*
 * Create the instance: add with its key, then a set for the second key
 * accepted, if the file gives one (add takes none).  If that set fails,
 * the instance goes again: all or nothing, as for a live instance.
 */
static void conf_add(struct nlctx *ctx, const char *name, const struct vsr_conf *conf,
		     const char *what)
{
	static const struct vsr_conf no_conf;
	char errmsg[sizeof(ctx->errmsg)];
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
	put_tunables(nlh, conf, &no_conf);
	if (conf->key.mode == SLOT_KEY)
		put_slot(nlh, &conf->key, false);
	/* Its file, which must hold a log formatted for this replica. */
	if (conf->log_file[0])
		mnl_attr_put_strz(nlh, VSR_A_LOG_FILE, conf->log_file);
	ret = nl_talk(ctx, nlh, NULL, NULL);
	if (ret)
		nl_fail(ctx, ret, what);
	if (conf->accept.mode != SLOT_KEY && conf->accept.mode != SLOT_NONE)
		return;
	nlh = nl_msg(ctx, VSR_NL_CMD_SET, NLM_F_ACK);
	mnl_attr_put_strz(nlh, VSR_A_NAME, name);
	put_slot(nlh, &conf->accept, true);
	ret = nl_talk(ctx, nlh, NULL, NULL);
	if (!ret)
		return;
	memcpy(errmsg, ctx->errmsg, sizeof(errmsg));
	nlh = nl_msg(ctx, VSR_NL_CMD_DEL, NLM_F_ACK);
	mnl_attr_put_strz(nlh, VSR_A_NAME, name);
	nl_talk(ctx, nlh, NULL, NULL);
	memcpy(ctx->errmsg, errmsg, sizeof(errmsg));
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
	bool tunables, keys;
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
	if (strcmp(live.log_file, conf->log_file))
		strcat(differ, ", log-file");
	if (differ[0])
		fail("%s: %s cannot change on a running instance (%s differs from it): \"%s del %s\" first",
		     what, differ + 2, strcmp(path, "-") ? path : "<stdin>", prog, name);
	tunables = live.heartbeat_ms != conf->heartbeat_ms ||
		   live.timeout_ms != conf->timeout_ms ||
		   live.client_timeout_ms != conf->client_timeout_ms ||
		   live.retention != conf->retention || live.wire_version != conf->wire_version ||
		   live.encrypt != conf->encrypt;
	keys = keys_differ(conf, &in);
	if (!tunables && !keys) {
		nl_close(&ctx);
		return;		/* nothing to change */
	}
	/*
	 * All at once: the kernel checks them together, or changes none (the
	 * keys changed, only a log that cannot be resized fails).
	 */
	nlh = nl_msg(&ctx, VSR_NL_CMD_SET, NLM_F_ACK);
	mnl_attr_put_strz(nlh, VSR_A_NAME, name);
	if (tunables)
		put_tunables(nlh, conf, &live);
	if (keys) {
		put_slot(nlh, &conf->key, false);
		put_slot(nlh, &conf->accept, true);
	}
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
	/* Its own address alone, as replica 0: setconf would start a cluster. */
	if (in.status == VSR_STATE_JOINING)
		fail("showconf %s: a joining instance has no configuration file: add it again with \"add %s join %s cluster %llu\"",
		     in.name, in.name, peers, (unsigned long long)conf.cluster_id);
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
	printf("%s %s\n", conf_keys[K_ENCRYPT], conf.encrypt < ARRAY_SIZE(encrypt_names) ?
	       encrypt_names[conf.encrypt] : "?");
	if (conf.log_file[0])
		printf("%s %s\n", conf_keys[K_LOG_FILE], conf.log_file);
	/* Keys are never shown: their ids, for finding their files. */
	if (in.has_key_id)
		printf("# key-id " KEY_ID_FMT ": the key is not shown; add \"%s KEYFILE\" for it\n",
		       in.key_id, conf_keys[K_KEY_FILE]);
	if (in.has_accept_key_id)
		printf("# accept-key-id " KEY_ID_FMT ": the key is not shown; add \"%s KEYFILE\" for it\n",
		       in.accept_key_id, conf_keys[K_ACCEPT_KEY_FILE]);
	else if (in.has_key_id && in.accept_key_none)
		printf("%s none\n", conf_keys[K_ACCEPT_KEY_FILE]);
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
	explicit_bzero(&conf, sizeof(conf));
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
	explicit_bzero(&conf, sizeof(conf));
	return 0;
}

/* down NAME: del NAME (its file stays). */
int cmd_down(int argc, char **argv)
{
	if (argc != 1)
		usage_error("usage: %s down NAME", prog);
	return cmd_del(argc, argv);
}
