/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vsradm: shared declarations.
 */
#ifndef _VSRADM_H
#define _VSRADM_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/vsr.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define VSRADM_ATTR(x) __attribute__(x)
#define __printf(a, b) VSRADM_ATTR((format(printf, a, b)))
#define __noreturn _Noreturn

extern const char *prog;

/* Global options, given before the command (see main()). */
extern bool opt_json;		/* -j: JSON output */
extern bool opt_pretty;		/* -p: JSON indented over several lines */

/* Exit codes: 1 = the operation failed, 2 = bad command line. */
#define EXIT_FAIL	1
#define EXIT_USAGE	2

/*
 * Where a configuration file's error is (vsradm: FILE:LINE: ...), or
 * empty: usage_error() puts it before its message.
 */
extern char err_where[];
#define ERR_WHERE_SIZE	4200

__printf(1, 2) __noreturn void usage_error(const char *fmt, ...);
__printf(1, 2) __noreturn void fail(const char *fmt, ...);
bool output_option(const char *arg);
__noreturn void unknown_option(const char *cmd, const char *arg);

/* nl.c: the vsr generic netlink family */
struct nlctx {
	struct mnl_socket *nl;
	unsigned int portid;
	unsigned int seq;
	uint16_t family;
	uint32_t version;
	uint32_t maxattr;
	uint32_t events_grp;	/* multicast group id, 0 if unknown */
	char *buf;		/* replies */
	char *req;		/* requests (nl_msg()) */
	size_t bufsize;
	char errmsg[256];	/* the kernel's extended ack message, if any */
};

void nl_init(struct nlctx *ctx);
int nl_open(struct nlctx *ctx, bool resolve);
void nl_close(struct nlctx *ctx);
struct nlmsghdr *nl_msg(struct nlctx *ctx, uint8_t cmd, uint16_t flags);
void nl_put_flag(struct nlmsghdr *nlh, uint16_t type);
int nl_talk(struct nlctx *ctx, struct nlmsghdr *nlh, mnl_cb_t cb, void *data);
__noreturn void nl_fail(struct nlctx *ctx, int err, const char *what);
/* What an EPERM from the vsr family means. */
#define VSRADM_EPERM_HINT "vsr needs CAP_NET_ADMIN in the initial user namespace"

/* json.c: a minimal JSON writer */
void j_obj_open(const char *key);
void j_obj_close(void);
void j_arr_open(const char *key);
void j_arr_close(void);
void j_u64(const char *key, uint64_t v);
void j_str(const char *key, const char *s);
void j_strn(const char *key, const unsigned char *s, size_t len);
void j_base64(const char *key, const unsigned char *s, size_t len);
bool utf8_valid(const unsigned char *s, size_t len);
void j_bool(const char *key, bool v);
void j_null(const char *key);
void j_end_line(void);

/* instance.c */
struct peer_addr {
	int family;		/* AF_INET or AF_INET6 */
	unsigned char addr[16];
	unsigned int port;
};

struct peer_info {
	struct peer_addr a;
	uint32_t index;
	bool heard;
	uint64_t last_heard_ms;
	uint64_t lag;
	uint32_t wire_version;	/* 0: not reported (itself, an older module) */
	/* How its last datagram was authenticated (never set for itself). */
	bool has_key_id;	/* with key @key_id */
	uint32_t key_id;
	bool unauthenticated;	/* without a key */
	uint64_t drop_auth;	/* its datagrams that failed authentication */
	bool encrypted;		/* its last datagram was encrypted */
	bool no_decrypt;	/* we encrypt; its module cannot decrypt */
	bool durability_differs;	/* durable and in memory: dropped */
	bool has_member;	/* the kernel named its place in the epoch */
	uint32_t member;	/* its replica index in the epoch */
};

struct inst_info {
	char name[VSR_NAME_LEN];
	uint32_t minor;
	uint64_t cluster_id;
	uint32_t replica;
	unsigned int n_peers;
	struct peer_info peers[VSR_MAX_PEERS];
	uint32_t heartbeat_ms;
	uint32_t view_change_timeout_ms;
	uint32_t client_timeout_ms;
	uint64_t log_retention;
	uint32_t wire_version;		/* as set: 0 = the newest */
	uint32_t wire_version_max;	/* 0: an older module, which speaks 1 */
	uint64_t epoch, view, op, commit, trim_point, log_bytes;
	uint8_t status;
	uint32_t primary;
	uint64_t stats[VSR_A_STATS_MAX + 1];
	/* The keys: see "Keys" in Documentation/vsradm.rst. */
	bool has_key_id;		/* sends with key @key_id */
	uint32_t key_id;
	bool has_accept_key_id;		/* accepts key @accept_key_id too */
	uint32_t accept_key_id;
	bool accept_key_none;		/* sends with a key, accepts none too */
	uint8_t encrypt;		/* encrypts what it sends */
	char log_file[4096];		/* durable: its log file; "" in memory */
};

/* Whether the instance accepts unauthenticated datagrams. */
static inline bool inst_accepts_none(const struct inst_info *in)
{
	return !in->has_key_id || in->accept_key_none;
}

/* "A.B.C.D:PORT" or "[IPV6]:PORT", and back; a bad one is a usage error. */
#define PEER_STRLEN	(INET6_ADDRSTRLEN + 8)
void parse_peer_addr(const char *spec, struct peer_addr *pa);
void format_peer_addr(const struct peer_addr *pa, char *buf, size_t size);
void check_name(const char *name);
int instance_get(struct nlctx *ctx, const char *name, struct inst_info *in);

int cmd_add(int argc, char **argv);
int cmd_del(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_set(int argc, char **argv);
int cmd_trim(int argc, char **argv);
int cmd_reconfigure(int argc, char **argv);
int cmd_monitor(int argc, char **argv);

/* conf.c */
int cmd_showconf(int argc, char **argv);
int cmd_setconf(int argc, char **argv);
int cmd_up(int argc, char **argv);
int cmd_down(int argc, char **argv);

/* key.c: key files, as wg genkey writes them */
#define KEY_B64_LEN	44		/* VSR_KEY_LEN bytes in base64 */
#define KEY_ID_FMT	"%08x"		/* how key ids are shown */
#define KEY_ID_STRLEN	9
void key_read(const char *path, uint8_t key[VSR_KEY_LEN]);
uint32_t key_id(const uint8_t key[VSR_KEY_LEN]);
int cmd_genkey(int argc, char **argv);
int cmd_keyid(int argc, char **argv);

/* log.c */
int cmd_log(int argc, char **argv);

/* util */
uint64_t parse_u64(const char *what, const char *s, uint64_t max);
extern const char *const encrypt_names[3];
int parse_encrypt(const char *what, const char *s);

#endif /* _VSRADM_H */
