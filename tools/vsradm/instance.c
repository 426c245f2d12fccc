// SPDX-License-Identifier: GPL-2.0
/*
 * vsradm: add, del, show, set, trim, reconfigure and monitor.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "vsradm.h"

/*
 * Counter names, indexed by VSR_A_STATS_*: the attribute names of
 * Documentation/netlink/specs/vsr.yaml, in text and JSON alike.
 */
static const char *const stat_names[VSR_A_STATS_MAX + 1] = {
	[VSR_A_STATS_MSGS_IN] = "msgs-in",
	[VSR_A_STATS_MSGS_OUT] = "msgs-out",
	[VSR_A_STATS_DROP_NOT_PEER] = "drop-not-peer",
	[VSR_A_STATS_DROP_CLUSTER] = "drop-cluster",
	[VSR_A_STATS_DROP_CHECKSUM] = "drop-checksum",
	[VSR_A_STATS_DROP_MALFORMED] = "drop-malformed",
	[VSR_A_STATS_DROP_STALE] = "drop-stale",
	[VSR_A_STATS_DROP_NOMEM] = "drop-nomem",
	[VSR_A_STATS_VIEW_CHANGES] = "view-changes",
	[VSR_A_STATS_RECOVERIES] = "recoveries",
	[VSR_A_STATS_SEND_ERRORS] = "send-errors",
	[VSR_A_STATS_PREPARES] = "prepares",
	[VSR_A_STATS_DROP_VERSION] = "drop-version",
	[VSR_A_STATS_DROP_AUTH] = "drop-auth",
};

static const char *const state_names[] = {
	[VSR_STATE_NORMAL] = "normal",
	[VSR_STATE_VIEW_CHANGE] = "view-change",
	[VSR_STATE_RECOVERING] = "recovering",
	[VSR_STATE_FAILED] = "failed",
	[VSR_STATE_REMOVED] = "removed",
	[VSR_STATE_JOINING] = "joining",
};

static const char *state_name(uint8_t s)
{
	if (s < ARRAY_SIZE(state_names) && state_names[s])
		return state_names[s];
	return "unknown";
}

/* --- parsing the kernel's messages --- */

static int attr_u(const struct nlattr *a, enum mnl_attr_data_type t, uint64_t *v)
{
	if (mnl_attr_validate(a, t) < 0)
		return -1;
	switch (t) {
	case MNL_TYPE_U8:
		*v = mnl_attr_get_u8(a);
		break;
	case MNL_TYPE_U16:
		*v = mnl_attr_get_u16(a);
		break;
	case MNL_TYPE_U32:
		*v = mnl_attr_get_u32(a);
		break;
	default:
		*v = mnl_attr_get_u64(a);
		break;
	}
	return 0;
}

static int parse_peer(const struct nlattr *nest, struct peer_info *p)
{
	const struct nlattr *a;
	uint64_t v = 0;

	memset(p, 0, sizeof(*p));
	mnl_attr_for_each_nested(a, nest) {
		switch (mnl_attr_get_type(a)) {
		case VSR_A_PEER_ADDR:
			if (mnl_attr_get_payload_len(a) == 4)
				p->a.family = AF_INET;
			else if (mnl_attr_get_payload_len(a) == 16)
				p->a.family = AF_INET6;
			else
				return -1;
			memcpy(p->a.addr, mnl_attr_get_payload(a), mnl_attr_get_payload_len(a));
			break;
		case VSR_A_PEER_PORT:
			if (attr_u(a, MNL_TYPE_U16, &v))
				return -1;
			p->a.port = v;
			break;
		case VSR_A_PEER_INDEX:
			if (attr_u(a, MNL_TYPE_U32, &v))
				return -1;
			p->index = v;
			break;
		case VSR_A_PEER_LAST_HEARD_MS:
			if (attr_u(a, MNL_TYPE_U64, &p->last_heard_ms))
				return -1;
			p->heard = true;
			break;
		case VSR_A_PEER_LAG:
			if (attr_u(a, MNL_TYPE_U64, &p->lag))
				return -1;
			break;
		case VSR_A_PEER_WIRE_VERSION:
			if (attr_u(a, MNL_TYPE_U32, &v))
				return -1;
			p->wire_version = v;
			break;
		case VSR_A_PEER_KEY_ID:
			if (attr_u(a, MNL_TYPE_U32, &v))
				return -1;
			p->key_id = v;
			p->has_key_id = true;
			break;
		case VSR_A_PEER_UNAUTHENTICATED:
			p->unauthenticated = true;
			break;
		case VSR_A_PEER_DROP_AUTH:
			if (attr_u(a, MNL_TYPE_U64, &p->drop_auth))
				return -1;
			break;
		case VSR_A_PEER_ENCRYPTED:
			p->encrypted = true;
			break;
		case VSR_A_PEER_NO_DECRYPT:
			p->no_decrypt = true;
			break;
		case VSR_A_PEER_DURABILITY_DIFFERS:
			p->durability_differs = true;
			break;
		case VSR_A_PEER_MEMBER:
			if (attr_u(a, MNL_TYPE_U32, &v))
				return -1;
			p->member = v;
			p->has_member = true;
			break;
		}
	}
	return 0;
}

/*
 * Which peers are members of the epoch: those the kernel gave a member
 * index.  A module without reconfiguration names none: all of them are,
 * in their order.
 */
static void set_members(struct inst_info *in)
{
	unsigned int i;

	for (i = 0; i < in->n_peers; i++)
		if (in->peers[i].has_member)
			return;
	for (i = 0; i < in->n_peers; i++) {
		in->peers[i].has_member = true;
		in->peers[i].member = in->peers[i].index;
	}
}

/* How many members the epoch has. */
static unsigned int n_members(const struct inst_info *in)
{
	unsigned int i, n = 0;

	for (i = 0; i < in->n_peers; i++)
		n += in->peers[i].has_member;
	return n;
}

/* Scalar attributes of an instance: type and where they go. */
#define SCALAR(attr, type, field) \
	[attr] = { type, offsetof(struct inst_info, field), sizeof(((struct inst_info *)0)->field) }
static const struct {
	enum mnl_attr_data_type type;
	size_t off;
	size_t size;
} scalars[VSR_A_MAX + 1] = {
	SCALAR(VSR_A_MINOR, MNL_TYPE_U32, minor),
	SCALAR(VSR_A_CLUSTER_ID, MNL_TYPE_U64, cluster_id),
	SCALAR(VSR_A_REPLICA, MNL_TYPE_U32, replica),
	SCALAR(VSR_A_HEARTBEAT_MS, MNL_TYPE_U32, heartbeat_ms),
	SCALAR(VSR_A_VIEW_CHANGE_TIMEOUT_MS, MNL_TYPE_U32, view_change_timeout_ms),
	SCALAR(VSR_A_CLIENT_TIMEOUT_MS, MNL_TYPE_U32, client_timeout_ms),
	SCALAR(VSR_A_LOG_RETENTION, MNL_TYPE_U64, log_retention),
	SCALAR(VSR_A_EPOCH, MNL_TYPE_U64, epoch),
	SCALAR(VSR_A_VIEW, MNL_TYPE_U64, view),
	SCALAR(VSR_A_STATUS, MNL_TYPE_U8, status),
	SCALAR(VSR_A_PRIMARY, MNL_TYPE_U32, primary),
	SCALAR(VSR_A_OP, MNL_TYPE_U64, op),
	SCALAR(VSR_A_COMMIT, MNL_TYPE_U64, commit),
	SCALAR(VSR_A_TRIM_POINT, MNL_TYPE_U64, trim_point),
	SCALAR(VSR_A_LOG_BYTES, MNL_TYPE_U64, log_bytes),
	SCALAR(VSR_A_WIRE_VERSION, MNL_TYPE_U32, wire_version),
	SCALAR(VSR_A_WIRE_VERSION_MAX, MNL_TYPE_U32, wire_version_max),
	SCALAR(VSR_A_ENCRYPT, MNL_TYPE_U8, encrypt),
};

static void store(void *dst, size_t size, uint64_t v)
{
	if (size == 1) {
		uint8_t x = v;

		memcpy(dst, &x, 1);
	} else if (size == 4) {
		uint32_t x = v;

		memcpy(dst, &x, 4);
	} else {
		memcpy(dst, &v, 8);
	}
}

static int parse_instance(const struct nlmsghdr *nlh, struct inst_info *in)
{
	const struct nlattr *a, *s;
	unsigned int t;
	uint64_t v = 0;
	int bad = 0;

	memset(in, 0, sizeof(*in));
	in->primary = VSR_PRIMARY_NONE;
	mnl_attr_for_each(a, nlh, GENL_HDRLEN) {
		t = mnl_attr_get_type(a);
		if (t <= VSR_A_MAX && scalars[t].size) {
			bad |= attr_u(a, scalars[t].type, &v);
			store((char *)in + scalars[t].off, scalars[t].size, v);
			continue;
		}
		switch (t) {
		case VSR_A_NAME:
			if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) < 0)
				return -1;
			snprintf(in->name, sizeof(in->name), "%s", mnl_attr_get_str(a));
			break;
		case VSR_A_LOG_FILE:
			if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) < 0)
				return -1;
			snprintf(in->log_file, sizeof(in->log_file), "%s",
				 mnl_attr_get_str(a));
			break;
		case VSR_A_PEER:
			if (in->n_peers < VSR_MAX_PEERS)
				bad |= parse_peer(a, &in->peers[in->n_peers++]);
			break;
		case VSR_A_STATS:
			mnl_attr_for_each_nested(s, a) {
				t = mnl_attr_get_type(s);
				if (t <= VSR_A_STATS_MAX && stat_names[t])
					bad |= attr_u(s, MNL_TYPE_U64, &in->stats[t]);
			}
			break;
		case VSR_A_KEY_ID:
			bad |= attr_u(a, MNL_TYPE_U32, &v);
			in->key_id = v;
			in->has_key_id = true;
			break;
		case VSR_A_ACCEPT_KEY_ID:
			bad |= attr_u(a, MNL_TYPE_U32, &v);
			in->accept_key_id = v;
			in->has_accept_key_id = true;
			break;
		case VSR_A_ACCEPT_KEY_NONE:
			in->accept_key_none = true;
			break;
		}
	}
	/* A removed or joining replica is a member of nothing. */
	if (in->status != VSR_STATE_REMOVED && in->status != VSR_STATE_JOINING)
		set_members(in);
	return bad || !in->name[0] ? -1 : 0;
}

/* --- printing --- */

/*
 * The retention in force: 0 stands for the module's default (see
 * VSR_LOG_RETENTION_DEFAULT).
 */
static uint64_t retention(const struct inst_info *in)
{
	return in->log_retention ? in->log_retention : VSR_LOG_RETENTION_DEFAULT;
}

/*
 * The newest wire format the instance speaks: its wire-version, 0 standing
 * for the module's newest (a module without wire-version-max speaks 1).
 */
static uint32_t wire_version(const struct inst_info *in)
{
	if (in->wire_version)
		return in->wire_version;
	return in->wire_version_max ? in->wire_version_max : 1;
}

/* Is VSR_A_STATS_@i a drop counter (printed on its own text line)? */
static bool stat_is_drop(unsigned int i)
{
	return (i >= VSR_A_STATS_DROP_NOT_PEER && i <= VSR_A_STATS_DROP_NOMEM) ||
	       i == VSR_A_STATS_DROP_VERSION || i == VSR_A_STATS_DROP_AUTH;
}

/* A key id as show prints it, or "none". */
static const char *key_id_str(char buf[KEY_ID_STRLEN], bool has, uint32_t id)
{
	if (!has)
		return "none";
	snprintf(buf, KEY_ID_STRLEN, KEY_ID_FMT, id);
	return buf;
}

/* A key id in JSON: the string that show prints, or null. */
static void j_key_id(const char *key, bool has, uint32_t id)
{
	char buf[KEY_ID_STRLEN];

	if (has)
		j_str(key, key_id_str(buf, true, id));
	else
		j_null(key);
}

/*
 * Whether the instance accepts what peer @p authenticated its last
 * datagram with (true if nothing was heard: there is nothing to refuse).
 */
static bool peer_accepted(const struct inst_info *in, const struct peer_info *p)
{
	if (p->has_key_id)
		return (in->has_key_id && p->key_id == in->key_id) ||
		       (in->has_accept_key_id && p->key_id == in->accept_key_id);
	if (p->unauthenticated)
		return inst_accepts_none(in);
	return true;
}

/* An encrypt setting's name ("?" for one this vsradm does not know). */
static const char *encrypt_name(uint8_t v)
{
	return v < ARRAY_SIZE(encrypt_names) ? encrypt_names[v] : "?";
}

/*
 * One instance as a JSON object.  The keys are the attribute names of the
 * netlink spec (as the kernel's YNL tools print them), plus "self" in a
 * peer's object.
 */
static void print_instance_json(const struct inst_info *in, const char *key)
{
	char addr[INET6_ADDRSTRLEN];
	unsigned int i;

	j_obj_open(key);
	j_str("name", in->name);
	j_u64("minor", in->minor);
	j_u64("cluster-id", in->cluster_id);
	j_u64("replica", in->replica);
	j_str("status", state_name(in->status));
	j_u64("epoch", in->epoch);
	j_u64("view", in->view);
	if (in->primary == VSR_PRIMARY_NONE)
		j_null("primary");
	else
		j_u64("primary", in->primary);
	j_u64("op", in->op);
	j_u64("commit", in->commit);
	j_u64("trim-point", in->trim_point);
	j_u64("log-bytes", in->log_bytes);
	j_u64("heartbeat-ms", in->heartbeat_ms);
	j_u64("view-change-timeout-ms", in->view_change_timeout_ms);
	j_u64("client-timeout-ms", in->client_timeout_ms);
	j_u64("log-retention", retention(in));
	j_u64("wire-version", wire_version(in));
	j_u64("wire-version-max", in->wire_version_max ? in->wire_version_max : 1);
	j_key_id("key-id", in->has_key_id, in->key_id);
	j_key_id("accept-key-id", in->has_accept_key_id, in->accept_key_id);
	j_bool("accept-unauthenticated", inst_accepts_none(in));
	j_str("encrypt", encrypt_name(in->encrypt));
	if (in->log_file[0])
		j_str("log-file", in->log_file);
	else
		j_null("log-file");
	j_arr_open("peer");
	for (i = 0; i < in->n_peers; i++) {
		const struct peer_info *p = &in->peers[i];

		inet_ntop(p->a.family, p->a.addr, addr, sizeof(addr));
		j_obj_open(NULL);
		j_u64("index", p->index);
		j_str("addr", addr);
		j_u64("port", p->a.port);
		j_bool("self", p->index == in->replica);
		if (p->has_member)
			j_u64("member", p->member);
		else
			j_null("member");
		if (p->heard)
			j_u64("last-heard-ms", p->last_heard_ms);
		else
			j_null("last-heard-ms");
		j_u64("lag", p->lag);
		if (p->wire_version)
			j_u64("wire-version", p->wire_version);
		else
			j_null("wire-version");
		j_key_id("key-id", p->has_key_id, p->key_id);
		j_bool("unauthenticated", p->unauthenticated);
		j_bool("encrypted", p->encrypted);
		j_bool("no-decrypt", p->no_decrypt);
		j_bool("durability-differs", p->durability_differs);
		j_u64("drop-auth", p->drop_auth);
		j_obj_close();
	}
	j_arr_close();
	j_obj_open("stats");
	for (i = 0; i <= VSR_A_STATS_MAX; i++)
		if (stat_names[i])
			j_u64(stat_names[i], in->stats[i]);
	j_obj_close();
	j_obj_close();
}

/* One line of counters: the drops, or all the others. */
static void print_stats_text(const struct inst_info *in, bool drops)
{
	const char *sep = "\t";
	unsigned int i;

	for (i = 0; i <= VSR_A_STATS_MAX; i++) {
		if (!stat_names[i] || stat_is_drop(i) != drops)
			continue;
		printf("%s%s %llu", sep, stat_names[i], (unsigned long long)in->stats[i]);
		sep = " ";
	}
	putchar('\n');
}

/*
 * The keys: "auth key ID" or "auth none (unauthenticated)", then what it
 * accepts besides.
 */
static void print_auth_text(const struct inst_info *in)
{
	char buf[KEY_ID_STRLEN];

	if (in->has_key_id)
		printf("\tauth key %s", key_id_str(buf, true, in->key_id));
	else
		printf("\tauth none (unauthenticated)");
	if (in->has_accept_key_id)
		printf(" accepts %s", key_id_str(buf, true, in->accept_key_id));
	if (in->has_key_id && in->accept_key_none)
		printf(" accepts unauthenticated");
	if (in->encrypt)
		printf(" encrypt %s", encrypt_name(in->encrypt));
	putchar('\n');
}

/*
 * A peer's key: " key ID" or " key none", flagged if not accepted, and
 * " encrypted" if its datagrams were; " cannot-decrypt" if we encrypt and
 * its module cannot decrypt (nothing goes to it).
 */
static void print_peer_auth_text(const struct inst_info *in, const struct peer_info *p)
{
	char buf[KEY_ID_STRLEN];

	if (p->has_key_id || p->unauthenticated) {
		printf(" key %s", key_id_str(buf, p->has_key_id, p->key_id));
		if (!peer_accepted(in, p))
			printf(" (not accepted)");
		if (p->encrypted)
			printf(" encrypted");
	}
	if (p->no_decrypt)
		printf(" cannot-decrypt");
	if (p->durability_differs)
		printf(" durability-differs");
	if (p->drop_auth)
		printf(" drop-auth %llu", (unsigned long long)p->drop_auth);
}

static void print_instance_text(const struct inst_info *in, const char *event)
{
	char addr[PEER_STRLEN];
	unsigned int i;

	if (event)
		printf("[%s] ", event);
	printf("%s: cluster %llu replica %u of %u status %s view %llu epoch %llu primary ",
	       in->name, (unsigned long long)in->cluster_id, in->replica, in->n_peers,
	       state_name(in->status), (unsigned long long)in->view,
	       (unsigned long long)in->epoch);
	if (in->primary == VSR_PRIMARY_NONE)
		printf("none");
	else
		printf("%u", in->primary);
	/* Peers that a reconfiguration left out are not counted. */
	if (n_members(in) != in->n_peers)
		printf(" members %u", n_members(in));
	putchar('\n');
	printf("\top %llu commit %llu trim-point %llu log-bytes %llu\n",
	       (unsigned long long)in->op, (unsigned long long)in->commit,
	       (unsigned long long)in->trim_point, (unsigned long long)in->log_bytes);
	printf("\theartbeat %u timeout %u client-timeout %u retention %llu wire-version %u%s\n",
	       in->heartbeat_ms, in->view_change_timeout_ms, in->client_timeout_ms,
	       (unsigned long long)retention(in), wire_version(in),
	       in->wire_version ? " (set)" : "");
	if (in->view >= VSR_VIEW_WARN)
		printf("\twarning: view past 2^31: no view change is possible after view 4294967295 (reconfigure to the same peers: view 0)\n");
	print_auth_text(in);
	if (in->log_file[0])
		printf("\tdurable log-file %s\n", in->log_file);
	for (i = 0; i < in->n_peers; i++) {
		const struct peer_info *p = &in->peers[i];

		format_peer_addr(&p->a, addr, sizeof(addr));
		printf("\tpeer %u %s", p->index, addr);
		/* Its place in the epoch, where a reconfiguration moved it. */
		if (!p->has_member)
			printf(" not-member");
		else if (p->member != p->index)
			printf(" member %u", p->member);
		if (p->index == in->replica) {
			printf(" self\n");
			continue;
		}
		if (p->heard)
			printf(" last-heard %llums", (unsigned long long)p->last_heard_ms);
		else
			printf(" last-heard never");
		printf(" lag %llu", (unsigned long long)p->lag);
		if (p->wire_version)
			printf(" wire-version %u", p->wire_version);
		print_peer_auth_text(in, p);
		putchar('\n');
	}
	/* The counters by their spec names, the drops on a line of their own. */
	print_stats_text(in, false);
	print_stats_text(in, true);
	fflush(stdout);
}

/* An instance, for show (@event NULL) or as a monitor event. */
static void print_instance(const struct inst_info *in, const char *event)
{
	if (!opt_json) {
		print_instance_text(in, event);
		return;
	}
	if (event) {
		j_obj_open(NULL);
		j_str("event", event);
		print_instance_json(in, "instance");
		j_obj_close();
		j_end_line();
	} else {
		print_instance_json(in, NULL);
	}
}

/* --- command-line parsing --- */

void check_name(const char *name)
{
	size_t plen = strlen(VSR_DEV_PREFIX);
	const char *p = name + plen;

	if (name[0] == '-')
		usage_error("unknown option \"%s\" (try \"%s help\")", name, prog);
	if (strncmp(name, VSR_DEV_PREFIX, plen) || !*p || strlen(name) >= VSR_NAME_LEN)
		usage_error("invalid instance name \"%s\" (expected %sN)", name, VSR_DEV_PREFIX);
	for (; *p; p++)
		if (*p < '0' || *p > '9')
			usage_error("invalid instance name \"%s\" (expected %sN)", name,
				    VSR_DEV_PREFIX);
}

/* "A:P", "[A6]:P" */
void parse_peer_addr(const char *spec, struct peer_addr *pa)
{
	char host[INET6_ADDRSTRLEN + 2];
	const char *colon, *h = spec;
	size_t hlen;
	uint64_t port;

	memset(pa, 0, sizeof(*pa));
	if (*spec == '[') {
		const char *end = strchr(spec, ']');

		if (!end || end[1] != ':')
			usage_error("invalid peer \"%s\" (expected [IPV6]:PORT)", spec);
		h = spec + 1;
		hlen = end - h;
		colon = end + 1;
	} else {
		colon = strrchr(spec, ':');
		if (!colon || strchr(spec, ':') != colon)
			usage_error("invalid peer \"%s\" (expected ADDR:PORT or [IPV6]:PORT)", spec);
		hlen = colon - spec;
	}
	if (hlen == 0 || hlen >= sizeof(host))
		usage_error("invalid peer address in \"%s\"", spec);
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	if (inet_pton(AF_INET, host, pa->addr) == 1)
		pa->family = AF_INET;
	else if (inet_pton(AF_INET6, host, pa->addr) == 1)
		pa->family = AF_INET6;
	else
		usage_error("invalid peer address \"%s\"", host);
	port = parse_u64("port", colon + 1, 65535);
	if (port == 0)
		usage_error("invalid peer \"%s\": port must not be 0", spec);
	pa->port = port;
}

/* As vsradm takes it: "A.B.C.D:PORT" or "[IPV6]:PORT". */
void format_peer_addr(const struct peer_addr *pa, char *buf, size_t size)
{
	char addr[INET6_ADDRSTRLEN];

	if (!inet_ntop(pa->family, pa->addr, addr, sizeof(addr)))
		snprintf(addr, sizeof(addr), "?");
	snprintf(buf, size, pa->family == AF_INET6 ? "[%s]:%u" : "%s:%u", addr, pa->port);
}

static void put_peer(struct nlmsghdr *nlh, const char *spec)
{
	struct peer_addr pa;
	struct nlattr *nest;

	parse_peer_addr(spec, &pa);
	nest = mnl_attr_nest_start(nlh, VSR_A_PEER);
	mnl_attr_put(nlh, VSR_A_PEER_ADDR, pa.family == AF_INET ? 4 : 16, pa.addr);
	mnl_attr_put_u16(nlh, VSR_A_PEER_PORT, pa.port);
	mnl_attr_nest_end(nlh, nest);
}

static void put_peers(struct nlmsghdr *nlh, const char *list)
{
	char *copy = strdup(list), *tok, *save = NULL;
	int n = 0;

	if (!copy)
		fail("out of memory");
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		put_peer(nlh, tok);
		n++;
	}
	free(copy);
	if (!n)
		usage_error("empty peer list");
}

/*
 * Tunable keywords shared by add and set; returns how many arguments it
 * consumed (0 if @argv[0] is not a tunable).
 */
static int put_tunable(struct nlmsghdr *nlh, int argc, char **argv, unsigned int *seen)
{
	static const struct {
		const char *kw;
		int attr;
		uint64_t max;
	} kws[] = {
		{ "heartbeat", VSR_A_HEARTBEAT_MS, UINT32_MAX },
		{ "timeout", VSR_A_VIEW_CHANGE_TIMEOUT_MS, UINT32_MAX },
		{ "client-timeout", VSR_A_CLIENT_TIMEOUT_MS, UINT32_MAX },
		{ "retention", VSR_A_LOG_RETENTION, UINT64_MAX },
		{ "wire-version", VSR_A_WIRE_VERSION, UINT8_MAX },
		{ "encrypt", VSR_A_ENCRYPT, VSR_ENCRYPT_REQUIRE },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(kws); i++) {
		uint64_t v;

		if (strcmp(argv[0], kws[i].kw))
			continue;
		if (argc < 2)
			usage_error("\"%s\" needs a value", kws[i].kw);
		if (*seen & (1u << i))
			usage_error("\"%s\" given twice", kws[i].kw);
		*seen |= 1u << i;
		if (kws[i].attr == VSR_A_ENCRYPT) {
			mnl_attr_put_u8(nlh, kws[i].attr,
					parse_encrypt(kws[i].kw, argv[1]));
			return 2;
		}
		v = parse_u64(kws[i].kw, argv[1], kws[i].max);
		if (kws[i].attr == VSR_A_LOG_RETENTION)
			mnl_attr_put_u64(nlh, kws[i].attr, v);
		else
			mnl_attr_put_u32(nlh, kws[i].attr, v);
		return 2;
	}
	return 0;
}

/* Which key keywords a command line gave (put_key_arg()). */
#define KS_KEY		0x1
#define KS_ACCEPT	0x2
#define KS_SWAP		0x4

/*
 * The key keywords of set: key-file KEYFILE|none, accept-key-file
 * KEYFILE|none|off and key-swap; of add (@add), key-file only.  Returns
 * how many arguments it consumed (0 if @argv[0] is not one of them).  The
 * key is read here, and wiped from the request by nl_close().
 */
static int put_key_arg(struct nlmsghdr *nlh, int argc, char **argv, unsigned int *seen,
		       bool add)
{
	const char *kw = argv[0], *val;
	uint8_t key[VSR_KEY_LEN];
	bool accept;

	if (!strcmp(kw, "key-swap")) {
		if (add)
			usage_error("\"key-swap\" is for set (a new instance has one key)");
		if (*seen & KS_SWAP)
			usage_error("\"key-swap\" given twice");
		*seen |= KS_SWAP;
		nl_put_flag(nlh, VSR_A_KEY_SWAP);
		return 1;
	}
	if (strcmp(kw, "key-file") && strcmp(kw, "accept-key-file"))
		return 0;
	accept = kw[0] == 'a';
	if (accept && add)
		usage_error("\"accept-key-file\" is for set (add takes key-file)");
	if (argc < 2)
		usage_error("\"%s\" needs a value", kw);
	if (*seen & (accept ? KS_ACCEPT : KS_KEY))
		usage_error("\"%s\" given twice", kw);
	*seen |= accept ? KS_ACCEPT : KS_KEY;
	val = argv[1];
	if (!strcmp(val, "none")) {
		if (!add)
			nl_put_flag(nlh, accept ? VSR_A_ACCEPT_KEY_NONE : VSR_A_KEY_NONE);
	} else if (accept && !strcmp(val, "off")) {
		nl_put_flag(nlh, VSR_A_ACCEPT_KEY_OFF);
	} else {
		key_read(val, key);
		mnl_attr_put(nlh, accept ? VSR_A_ACCEPT_KEY : VSR_A_KEY, VSR_KEY_LEN, key);
		explicit_bzero(key, sizeof(key));
	}
	return 2;
}

static void run(struct nlctx *ctx, struct nlmsghdr *nlh, const char *what,
		mnl_cb_t cb, void *data)
{
	int ret;

	nl_open(ctx, true);
	ret = nl_talk(ctx, nlh, cb, data);

	if (ret)
		nl_fail(ctx, ret, what);
}

/*
 * The log file, by an absolute path: the module opens it in our context,
 * but an absolute path reads the same in `vsradm show` and in its log.
 */
static void put_log_file(struct nlmsghdr *nlh, const char *path, bool format)
{
	char abs[4096];

	if (path[0] == '/') {
		snprintf(abs, sizeof(abs), "%s", path);
	} else {
		if (!getcwd(abs, sizeof(abs)))
			fail("getcwd: %s", strerror(errno));
		if (strlen(abs) + 1 + strlen(path) >= sizeof(abs))
			usage_error("log-file path too long");
		strcat(abs, "/");
		strcat(abs, path);
	}
	mnl_attr_put_strz(nlh, VSR_A_LOG_FILE, abs);
	if (format)
		mnl_attr_put(nlh, VSR_A_LOG_FORMAT, 0, NULL);
}

int cmd_add(int argc, char **argv)
{
	struct nlctx ctx;
	struct nlmsghdr *nlh;
	unsigned int seen = 0, kseen = 0;
	bool replica = false, peers = false, cluster = false, join = false;
	bool format = false;
	const char *name, *log_file = NULL;
	char what[64];
	int n;

	if (argc < 1)
		usage_error("add needs an instance name");
	name = argv[0];
	check_name(name);
	nl_init(&ctx);
	nlh = nl_msg(&ctx, VSR_NL_CMD_ADD, NLM_F_ACK);
	mnl_attr_put_strz(nlh, VSR_A_NAME, name);
	for (argc--, argv++; argc > 0; argc -= n, argv += n) {
		n = put_tunable(nlh, argc, argv, &seen);
		if (!n)
			n = put_key_arg(nlh, argc, argv, &kseen, true);
		if (n)
			continue;
		n = 2;
		if (argc < 2 && (!strcmp(argv[0], "replica") || !strcmp(argv[0], "peers") ||
				 !strcmp(argv[0], "cluster") || !strcmp(argv[0], "join") ||
				 !strcmp(argv[0], "log-file")))
			usage_error("\"%s\" needs a value", argv[0]);
		if (!strcmp(argv[0], "format")) {
			if (format)
				usage_error("\"format\" given twice");
			format = true;
			n = 1;
		} else if (!strcmp(argv[0], "log-file")) {
			if (log_file)
				usage_error("\"log-file\" given twice");
			if (!argv[1][0])
				usage_error("log-file needs a path");
			log_file = argv[1];
		} else if (!strcmp(argv[0], "replica")) {
			if (replica)
				usage_error("\"replica\" given twice");
			replica = true;
			mnl_attr_put_u32(nlh, VSR_A_REPLICA,
					 parse_u64("replica", argv[1], UINT32_MAX));
		} else if (!strcmp(argv[0], "peers")) {
			if (peers)
				usage_error("\"peers\" given twice");
			peers = true;
			put_peers(nlh, argv[1]);
		} else if (!strcmp(argv[0], "join")) {
			if (join)
				usage_error("\"join\" given twice");
			if (strchr(argv[1], ','))
				usage_error("join takes this instance's own ADDR:PORT only");
			join = true;
			mnl_attr_put(nlh, VSR_A_JOIN, 0, NULL);
			put_peers(nlh, argv[1]);
		} else if (!strcmp(argv[0], "cluster")) {
			if (cluster)
				usage_error("\"cluster\" given twice");
			cluster = true;
			mnl_attr_put_u64(nlh, VSR_A_CLUSTER_ID,
					 parse_u64("cluster", argv[1], UINT64_MAX));
		} else {
			usage_error("unknown argument \"%s\" for add", argv[0]);
		}
	}
	if (join && (replica || peers))
		usage_error("join takes no \"replica\" or \"peers\": the cluster names them");
	if (format && !log_file)
		usage_error("format needs \"log-file PATH\"");
	if (join && log_file && !format)
		usage_error("a joining instance's log file is formatted to join: add \"format\"");
	/* A formatted log file names the replica and its peers. */
	if (!join && !replica && (!log_file || format))
		usage_error("add needs \"replica N\"");
	if (!join && !peers && (!log_file || format))
		usage_error("add needs \"peers ADDR:PORT,...\"");
	if (log_file)
		put_log_file(nlh, log_file, format);
	snprintf(what, sizeof(what), "add %s", name);
	run(&ctx, nlh, what, NULL, NULL);
	nl_close(&ctx);
	return 0;
}

int cmd_del(int argc, char **argv)
{
	struct nlctx ctx;
	struct nlmsghdr *nlh;
	char what[64];

	if (argc != 1)
		usage_error("usage: %s del NAME", prog);
	check_name(argv[0]);
	nl_init(&ctx);
	nlh = nl_msg(&ctx, VSR_NL_CMD_DEL, NLM_F_ACK);
	mnl_attr_put_strz(nlh, VSR_A_NAME, argv[0]);
	snprintf(what, sizeof(what), "del %s", argv[0]);
	run(&ctx, nlh, what, NULL, NULL);
	nl_close(&ctx);
	return 0;
}

int cmd_set(int argc, char **argv)
{
	struct nlctx ctx;
	struct nlmsghdr *nlh;
	unsigned int seen = 0, kseen = 0;
	char what[64];
	int n;

	if (argc < 1)
		usage_error("set needs an instance name");
	check_name(argv[0]);
	nl_init(&ctx);
	nlh = nl_msg(&ctx, VSR_NL_CMD_SET, NLM_F_ACK);
	mnl_attr_put_strz(nlh, VSR_A_NAME, argv[0]);
	snprintf(what, sizeof(what), "set %s", argv[0]);
	for (argc--, argv++; argc > 0; argc -= n, argv += n) {
		n = put_tunable(nlh, argc, argv, &seen);
		if (!n)
			n = put_key_arg(nlh, argc, argv, &kseen, false);
		if (!n)
			usage_error("unknown argument \"%s\" for set", argv[0]);
	}
	if (!seen && !kseen)
		usage_error("set needs heartbeat, timeout, client-timeout, retention, wire-version, encrypt, key-file, accept-key-file or key-swap");
	run(&ctx, nlh, what, NULL, NULL);
	nl_close(&ctx);
	return 0;
}

/* The kernel answers a trim, once it took effect, with the new trim point. */
static int trim_cb(const struct nlmsghdr *nlh, void *data)
{
	struct inst_info in;

	(void)data;
	if (parse_instance(nlh, &in) < 0) {
		fprintf(stderr, "%s: malformed message from the kernel\n", prog);
		return MNL_CB_ERROR;
	}
	printf("%s: trim-point %llu\n", in.name, (unsigned long long)in.trim_point);
	return MNL_CB_OK;
}

int cmd_trim(int argc, char **argv)
{
	struct nlctx ctx;
	struct nlmsghdr *nlh;
	char what[64];
	uint64_t op;

	if (argc != 2)
		usage_error("usage: %s trim NAME OP", prog);
	check_name(argv[0]);
	op = parse_u64("op", argv[1], UINT64_MAX);
	nl_init(&ctx);
	nlh = nl_msg(&ctx, VSR_NL_CMD_TRIM, NLM_F_ACK);
	mnl_attr_put_strz(nlh, VSR_A_NAME, argv[0]);
	mnl_attr_put_u64(nlh, VSR_A_TRIM_POINT, op);
	snprintf(what, sizeof(what), "trim %s", argv[0]);
	run(&ctx, nlh, what, trim_cb, NULL);
	nl_close(&ctx);
	return 0;
}

/* The kernel answers a change, once this replica took it, with its epoch. */
static int reconfigure_cb(const struct nlmsghdr *nlh, void *data)
{
	struct inst_info in;

	(void)data;
	if (parse_instance(nlh, &in) < 0) {
		fprintf(stderr, "%s: malformed message from the kernel\n", prog);
		return MNL_CB_ERROR;
	}
	printf("%s: epoch %llu\n", in.name, (unsigned long long)in.epoch);
	return MNL_CB_OK;
}

/* reconfigure NAME peers ADDR:PORT,...: the next epoch's members. */
int cmd_reconfigure(int argc, char **argv)
{
	struct nlctx ctx;
	struct nlmsghdr *nlh;
	char what[64];

	if (argc != 3 || strcmp(argv[1], "peers"))
		usage_error("usage: %s reconfigure NAME peers ADDR:PORT,...", prog);
	check_name(argv[0]);
	nl_init(&ctx);
	nlh = nl_msg(&ctx, VSR_NL_CMD_RECONFIGURE, NLM_F_ACK);
	mnl_attr_put_strz(nlh, VSR_A_NAME, argv[0]);
	put_peers(nlh, argv[2]);
	snprintf(what, sizeof(what), "reconfigure %s", argv[0]);
	run(&ctx, nlh, what, reconfigure_cb, NULL);
	nl_close(&ctx);
	return 0;
}

/* With -j, "[" comes with the first instance: a failed get prints none. */
static int show_cb(const struct nlmsghdr *nlh, void *data)
{
	bool *opened = data;
	struct inst_info in;

	if (parse_instance(nlh, &in) < 0) {
		fprintf(stderr, "%s: malformed message from the kernel\n", prog);
		return MNL_CB_ERROR;
	}
	if (opt_json && !*opened)
		j_arr_open(NULL);
	*opened = true;
	print_instance(&in, NULL);
	return MNL_CB_OK;
}

static int get_cb(const struct nlmsghdr *nlh, void *data)
{
	if (parse_instance(nlh, data) < 0) {
		fprintf(stderr, "%s: malformed message from the kernel\n", prog);
		return MNL_CB_ERROR;
	}
	return MNL_CB_OK;
}

/*
 * The configuration and state of instance @name of this namespace into
 * @in, over @ctx (opened here if it is not yet).  Returns 0, or -ENOENT
 * if there is no such instance; any other failure is reported and exits.
 */
int instance_get(struct nlctx *ctx, const char *name, struct inst_info *in)
{
	struct nlmsghdr *nlh;
	char what[64];
	int ret;

	if (!ctx->nl)
		nl_open(ctx, true);
	memset(in, 0, sizeof(*in));
	nlh = nl_msg(ctx, VSR_NL_CMD_GET, NLM_F_ACK);
	mnl_attr_put_strz(nlh, VSR_A_NAME, name);
	ret = nl_talk(ctx, nlh, get_cb, in);
	if (ret == -ENOENT)
		return ret;
	snprintf(what, sizeof(what), "get %s", name);
	if (ret)
		nl_fail(ctx, ret, what);
	if (strcmp(in->name, name))
		fail("%s: no answer from the kernel", what);
	return 0;
}

/* show [NAME]: with -j always an array, one object per instance. */
int cmd_show(int argc, char **argv)
{
	const char *name = NULL;
	bool opened = false;
	struct nlctx ctx;
	struct nlmsghdr *nlh;
	char what[64];
	int i;

	for (i = 0; i < argc; i++) {
		if (output_option(argv[i]))
			continue;
		if (argv[i][0] == '-')
			unknown_option("show", argv[i]);
		if (name)
			usage_error("usage: %s show [NAME]", prog);
		name = argv[i];
	}
	if (name)
		check_name(name);
	nl_init(&ctx);
	if (name) {
		nlh = nl_msg(&ctx, VSR_NL_CMD_GET, NLM_F_ACK);
		mnl_attr_put_strz(nlh, VSR_A_NAME, name);
		snprintf(what, sizeof(what), "show %s", name);
	} else {
		nlh = nl_msg(&ctx, VSR_NL_CMD_GET, NLM_F_DUMP);
		snprintf(what, sizeof(what), "show");
	}
	run(&ctx, nlh, what, show_cb, &opened);
	if (opt_json) {
		if (!opened)
			j_arr_open(NULL);
		j_arr_close();
		j_end_line();
	}
	nl_close(&ctx);
	return 0;
}

static const char *const event_names[] = {
	[VSR_NL_CMD_ADD_NTF] = "add",
	[VSR_NL_CMD_DEL_NTF] = "del",
	[VSR_NL_CMD_VIEW_NTF] = "view",
	[VSR_NL_CMD_STATUS_NTF] = "status",
	[VSR_NL_CMD_PRIMARY_NTF] = "primary",
	[VSR_NL_CMD_SET_NTF] = "set",
	[VSR_NL_CMD_EPOCH_NTF] = "epoch",
};

static const char *event_name(uint8_t cmd)
{
	return cmd < ARRAY_SIZE(event_names) ? event_names[cmd] : NULL;
}

static int monitor_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nlctx *ctx = data;
	const struct genlmsghdr *genl = mnl_nlmsg_get_payload(nlh);
	const char *ev;
	struct inst_info in;

	if (nlh->nlmsg_type != ctx->family)
		return MNL_CB_OK;
	ev = event_name(genl->cmd);
	if (!ev || parse_instance(nlh, &in) < 0)
		return MNL_CB_OK;
	print_instance(&in, ev);
	return MNL_CB_OK;
}

/* The state before the first event, as "state" events. */
/*
 * "monitoring vsr events", once the initial dump is answered: a refused
 * dump (EPERM) is then the only line.
 */
static void announce_monitor(void)
{
	static bool done;

	if (!opt_json && !done)
		printf("monitoring vsr events\n");
	done = true;
}

static int state_cb(const struct nlmsghdr *nlh, void *data)
{
	struct inst_info in;

	(void)data;

	announce_monitor();
	if (parse_instance(nlh, &in) < 0) {
		fprintf(stderr, "%s: malformed message from the kernel\n", prog);
		return MNL_CB_ERROR;
	}
	print_instance(&in, "state");
	return MNL_CB_OK;
}

/* The end of the "state" events: what follows happened since. */
static void print_state_end(void)
{
	announce_monitor();
	if (opt_json) {
		j_obj_open(NULL);
		j_str("event", "state-end");
		j_obj_close();
		j_end_line();
	} else {
		printf("[state-end]\n");
		fflush(stdout);
	}
}

int cmd_monitor(int argc, char **argv)
{
	struct nlctx ctx, dump;
	struct nlmsghdr *nlh;
	int i, n;

	for (i = 0; i < argc; i++) {
		if (output_option(argv[i]))
			continue;
		if (argv[i][0] == '-')
			unknown_option("monitor", argv[i]);
		usage_error("usage: %s monitor", prog);
	}
	nl_init(&ctx);
	nl_open(&ctx, true);
	if (!ctx.events_grp)
		fail("the vsr family has no \"%s\" multicast group", VSR_MCGRP_EVENTS);
	if (mnl_socket_setsockopt(ctx.nl, NETLINK_ADD_MEMBERSHIP, &ctx.events_grp,
				  sizeof(ctx.events_grp)) < 0)
		fail("cannot subscribe to events: %s%s", strerror(errno),
		     errno == EPERM ? " (" VSRADM_EPERM_HINT ")" : "");
	/*
	 * Subscribed first, dumped second: a change in between shows up
	 * twice (as state and as event), never not at all.
	 */
	nl_init(&dump);
	nlh = nl_msg(&dump, VSR_NL_CMD_GET, NLM_F_DUMP);
	run(&dump, nlh, "monitor", state_cb, NULL);
	nl_close(&dump);
	print_state_end();
	for (;;) {
		n = mnl_socket_recvfrom(ctx.nl, ctx.buf, ctx.bufsize);
		if (n < 0) {
			if (errno == ENOBUFS) {
				fprintf(stderr, "%s: monitor: events lost (receive buffer overrun)\n",
					prog);
				continue;
			}
			if (errno == EINTR)
				continue;
			fail("monitor: %s", strerror(errno));
		}
		if (mnl_cb_run(ctx.buf, n, 0, 0, monitor_cb, &ctx) < 0 && errno != ESRCH)
			fail("monitor: %s", strerror(errno));
	}
}
