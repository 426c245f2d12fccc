// SPDX-License-Identifier: GPL-2.0
/*
 * unit-test: vsradm's functions that need no kernel, natively ("make -C
 * tools/vsradm check" compares the output with unit-test.expected).
 *
 * - show: the kernel's GET replies (the attributes of the netlink spec)
 *   for instances in each key state, printed as show and show -j do;
 * - setconf: whether the key lines of a configuration file change a live
 *   instance (keys_differ()).
 */

#define main vsradm_main
#include "vsradm.c"
#undef main
#include "instance.c"
#include "conf.c"

struct test_peer {
	const char *addr;
	uint16_t port;
	bool heard;
	/* 0 nothing heard, 1 unauthenticated, 2 key @key_id, 3 and encrypted */
	int auth;
	uint32_t key_id;
	uint64_t drop_auth;
	bool no_decrypt;	/* we encrypt, it cannot decrypt */
};

struct test_inst {
	const char *name;
	uint32_t replica;
	bool key;		/* key-id @key_id */
	uint32_t key_id;
	bool accept_key;	/* accept-key-id @accept_key_id */
	uint32_t accept_key_id;
	bool accept_none;	/* accept-key-none */
	uint8_t encrypt;	/* enum vsr_encrypt */
	uint64_t drop_auth;
	uint64_t view;
	struct test_peer peers[3];
	uint32_t n_peers;	/* 0: 3 */
	/* Reconfigured: epoch, status, primary and each peer's member index. */
	bool reconfigured;
	uint64_t epoch;
	uint8_t status;
	uint32_t primary;
	bool no_primary;	/* removed: no primary attribute */
	int member[3];		/* -1: not a member */
};

static const struct test_inst tests[] = {
	{	/* rotating: sends with 1a2b3c4d, accepts 5e6f7a8b too */
		.name = "vsrlog0", .replica = 0, .key = true, .key_id = 0x1a2b3c4d,
		.accept_key = true, .accept_key_id = 0x5e6f7a8b, .drop_auth = 12,
		.peers = {
			{ "10.0.0.1", 7000, false, 0, 0, 0 },
			{ "10.0.0.2", 7000, true, 2, 0x5e6f7a8b, 0 },
			{ "10.0.0.3", 7000, true, 2, 0x9f8e7d6c, 12 },
		},
	},
	{	/* moving to a key: sends with it, accepts unauthenticated */
		.name = "vsrlog1", .replica = 1, .key = true, .key_id = 0x0000abcd,
		.accept_none = true,
		.peers = {
			{ "10.0.0.1", 7001, true, 1, 0, 0 },
			{ "10.0.0.2", 7001, false, 0, 0, 0 },
			{ "10.0.0.3", 7001, false, 0, 0, 0 },
		},
	},
	{	/* about to move to a key: unauthenticated, accepts it */
		.name = "vsrlog2", .replica = 2, .accept_key = true, .accept_key_id = 0x0000abcd,
		.peers = {
			{ "10.0.0.1", 7002, true, 2, 0x0000abcd, 0 },
			{ "10.0.0.2", 7002, true, 1, 0, 0 },
			{ "10.0.0.3", 7002, false, 0, 0, 0 },
		},
	},
	{	/* unauthenticated, a peer with a key */
		.name = "vsrlog3", .replica = 0, .drop_auth = 7,
		.peers = {
			{ "10.0.0.1", 7003, false, 0, 0, 0 },
			{ "10.0.0.2", 7003, true, 2, 0x11111111, 7 },
			{ "10.0.0.3", 7003, true, 1, 0, 0 },
		},
	},
	{	/* a key only: an unauthenticated peer is refused */
		.name = "vsrlog4", .replica = 0, .key = true, .key_id = 0xffffffff,
		.drop_auth = 3,
		.peers = {
			{ "10.0.0.1", 7004, false, 0, 0, 0 },
			{ "10.0.0.2", 7004, true, 1, 0, 3 },
			{ "10.0.0.3", 7004, true, 2, 0xffffffff, 0 },
		},
	},
	{	/* requiring encryption: one peer encrypts too, one cannot decrypt;
		 * a view past 2^31 (a warning)
		 */
		.name = "vsrlog5", .replica = 0, .key = true, .key_id = 0x0badcafe,
		.encrypt = VSR_ENCRYPT_REQUIRE, .view = 0x80000003,
		.peers = {
			{ "10.0.0.1", 7005, false, 0, 0, 0 },
			{ "10.0.0.2", 7005, true, 3, 0x0badcafe, 0 },
			{ "10.0.0.3", 7005, true, 2, 0x0badcafe, 0, true },
		},
	},
	{	/* epoch 1: peer 0 left out, 2 and 1 in that order */
		.name = "vsrlog6", .replica = 1,
		.peers = {
			{ "10.0.0.1", 7006, true, 1, 0, 0 },
			{ "10.0.0.2", 7006, false, 0, 0, 0 },
			{ "10.0.0.3", 7006, true, 1, 0, 0 },
		},
		.reconfigured = true, .epoch = 1, .status = VSR_STATE_NORMAL,
		.primary = 2, .member = { -1, 1, 0 },
	},
	{	/* removed by epoch 1: no members, no primary */
		.name = "vsrlog7", .replica = 0,
		.peers = {
			{ "10.0.0.1", 7007, false, 0, 0, 0 },
			{ "10.0.0.2", 7007, true, 1, 0, 0 },
			{ "10.0.0.3", 7007, true, 1, 0, 0 },
		},
		.reconfigured = true, .epoch = 1, .status = VSR_STATE_REMOVED,
		.no_primary = true, .member = { -1, -1, -1 },
	},
	{	/* joining: its own address only, no members, no primary */
		.name = "vsrlog8", .replica = 0, .n_peers = 1,
		.peers = { { "10.0.0.4", 7008, false, 0, 0, 0 } },
		.reconfigured = true, .epoch = 0, .status = VSR_STATE_JOINING,
		.no_primary = true, .member = { -1 },
	},
};

static struct nlmsghdr *build(char *buf, const struct test_inst *t)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct nlattr *nest;
	struct genlmsghdr *genl;
	struct in_addr a;
	unsigned int i;

	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = VSR_NL_CMD_GET;
	mnl_attr_put_strz(nlh, VSR_A_NAME, t->name);
	mnl_attr_put_u32(nlh, VSR_A_MINOR, t->name[6] - '0');
	mnl_attr_put_u64(nlh, VSR_A_CLUSTER_ID, 7);
	mnl_attr_put_u32(nlh, VSR_A_REPLICA, t->replica);
	if (t->view)
		mnl_attr_put_u64(nlh, VSR_A_VIEW, t->view);
	for (i = 0; i < (t->n_peers ? t->n_peers : ARRAY_SIZE(t->peers)); i++) {
		const struct test_peer *p = &t->peers[i];

		nest = mnl_attr_nest_start(nlh, VSR_A_PEER);
		inet_pton(AF_INET, p->addr, &a);
		mnl_attr_put(nlh, VSR_A_PEER_ADDR, 4, &a);
		mnl_attr_put_u16(nlh, VSR_A_PEER_PORT, p->port);
		mnl_attr_put_u32(nlh, VSR_A_PEER_INDEX, i);
		if (p->heard)
			mnl_attr_put_u64(nlh, VSR_A_PEER_LAST_HEARD_MS, 40);
		mnl_attr_put_u64(nlh, VSR_A_PEER_LAG, 0);
		if (i != t->replica) {
			if (p->heard)
				mnl_attr_put_u32(nlh, VSR_A_PEER_WIRE_VERSION, 2);
			if (p->auth >= 2)
				mnl_attr_put_u32(nlh, VSR_A_PEER_KEY_ID, p->key_id);
			else if (p->auth == 1)
				mnl_attr_put(nlh, VSR_A_PEER_UNAUTHENTICATED, 0, "");
			mnl_attr_put_u64(nlh, VSR_A_PEER_DROP_AUTH, p->drop_auth);
			if (p->auth == 3)
				mnl_attr_put(nlh, VSR_A_PEER_ENCRYPTED, 0, "");
			if (p->no_decrypt)
				mnl_attr_put(nlh, VSR_A_PEER_NO_DECRYPT, 0, "");
		}
		if (t->reconfigured && t->member[i] >= 0)
			mnl_attr_put_u32(nlh, VSR_A_PEER_MEMBER, t->member[i]);
		mnl_attr_nest_end(nlh, nest);
	}
	mnl_attr_put_u32(nlh, VSR_A_HEARTBEAT_MS, 100);
	mnl_attr_put_u32(nlh, VSR_A_VIEW_CHANGE_TIMEOUT_MS, 1000);
	mnl_attr_put_u32(nlh, VSR_A_CLIENT_TIMEOUT_MS, 5000);
	mnl_attr_put_u64(nlh, VSR_A_LOG_RETENTION, 0);
	mnl_attr_put_u8(nlh, VSR_A_STATUS, t->status);
	if (t->reconfigured)
		mnl_attr_put_u64(nlh, VSR_A_EPOCH, t->epoch);
	if (!t->no_primary)
		mnl_attr_put_u32(nlh, VSR_A_PRIMARY, t->primary);
	nest = mnl_attr_nest_start(nlh, VSR_A_STATS);
	for (i = VSR_A_STATS_MSGS_IN; i <= VSR_A_STATS_MAX; i++)
		mnl_attr_put_u64(nlh, i, i == VSR_A_STATS_DROP_AUTH ? t->drop_auth : 0);
	mnl_attr_nest_end(nlh, nest);
	mnl_attr_put_u32(nlh, VSR_A_WIRE_VERSION, 0);
	mnl_attr_put_u32(nlh, VSR_A_WIRE_VERSION_MAX, 2);
	if (t->key)
		mnl_attr_put_u32(nlh, VSR_A_KEY_ID, t->key_id);
	if (t->accept_key)
		mnl_attr_put_u32(nlh, VSR_A_ACCEPT_KEY_ID, t->accept_key_id);
	if (t->accept_none)
		mnl_attr_put(nlh, VSR_A_ACCEPT_KEY_NONE, 0, "");
	mnl_attr_put_u8(nlh, VSR_A_ENCRYPT, t->encrypt);
	return nlh;
}

/* Two keys: 32 zero bytes (key id 05349ce9) and 0x00..0x1f (ba049a50). */
static uint8_t key_z[VSR_KEY_LEN], key_s[VSR_KEY_LEN];
#define ID_Z	0x05349ce9
#define ID_S	0xba049a50

/* A slot of a file: "-" absent, "none", "off", "Z" or "S". */
static void file_slot(struct conf_slot *slot, const char *what)
{
	memset(slot, 0, sizeof(*slot));
	if (!strcmp(what, "none"))
		slot->mode = SLOT_NONE;
	else if (!strcmp(what, "off"))
		slot->mode = SLOT_OFF;
	else if (!strcmp(what, "Z") || !strcmp(what, "S"))
		slot->mode = SLOT_KEY;
	if (what[0] == 'Z')
		memcpy(slot->key, key_z, VSR_KEY_LEN);
	else if (what[0] == 'S')
		memcpy(slot->key, key_s, VSR_KEY_LEN);
}

/* A live instance: key "none", "Z" or "S"; second "-", "none", "Z", "S". */
static void live(struct inst_info *in, const char *key, const char *second)
{
	memset(in, 0, sizeof(*in));
	in->has_key_id = strcmp(key, "none");
	in->key_id = key[0] == 'Z' ? ID_Z : ID_S;
	in->has_accept_key_id = second[0] == 'Z' || second[0] == 'S';
	in->accept_key_id = second[0] == 'Z' ? ID_Z : ID_S;
	/* The kernel reports accept-key-none only with a key. */
	in->accept_key_none = in->has_key_id && !strcmp(second, "none");
}

static void differ(const char *lkey, const char *lsecond, const char *fkey,
		   const char *faccept)
{
	struct vsr_conf conf;
	struct inst_info in;

	memset(&conf, 0, sizeof(conf));
	live(&in, lkey, lsecond);
	file_slot(&conf.key, fkey);
	file_slot(&conf.accept, faccept);
	printf("live key %s second %s, file key-file %s accept-key-file %s: %s\n",
	       lkey, lsecond, fkey, faccept, keys_differ(&conf, &in) ? "set" : "same");
}

int main(void)
{
	static char buf[16384];
	struct inst_info in;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(tests); i++) {
		if (parse_instance(build(buf, &tests[i]), &in) < 0)
			fail("%s: parse_instance failed", tests[i].name);
		opt_json = false;
		print_instance(&in, NULL);
		opt_json = true;
		print_instance(&in, NULL);
		j_end_line();
	}

	for (i = 0; i < VSR_KEY_LEN; i++)
		key_s[i] = i;
	if (key_id(key_z) != ID_Z || key_id(key_s) != ID_S)
		fail("key_id: %08x %08x", key_id(key_z), key_id(key_s));
	differ("none", "-", "-", "-");
	differ("none", "-", "none", "-");
	differ("none", "-", "none", "off");
	differ("none", "-", "-", "none");	/* as good as off without a key */
	differ("none", "-", "Z", "-");
	differ("none", "-", "Z", "none");
	differ("none", "-", "-", "Z");		/* to a key: step 1 */
	differ("none", "Z", "-", "Z");
	differ("none", "Z", "Z", "none");	/* step 2, by file */
	differ("Z", "none", "Z", "none");
	differ("Z", "none", "Z", "-");
	differ("Z", "none", "-", "off");	/* step 3 */
	differ("Z", "-", "Z", "-");
	differ("Z", "-", "-", "-");
	differ("Z", "-", "Z", "off");
	differ("Z", "-", "S", "-");
	differ("Z", "-", "none", "-");
	differ("Z", "-", "-", "none");
	differ("Z", "-", "-", "S");		/* rotation: step 1 */
	differ("Z", "S", "Z", "S");
	differ("Z", "S", "S", "Z");		/* step 2, by file */
	differ("S", "Z", "S", "Z");
	differ("S", "Z", "S", "off");		/* step 3 */
	differ("Z", "S", "Z", "-");
	differ("Z", "S", "-", "none");
	return 0;
}
