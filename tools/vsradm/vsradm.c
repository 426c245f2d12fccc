// SPDX-License-Identifier: GPL-2.0
/*
 * vsradm: administer vsr instances over the "vsr" generic netlink family.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include <linux/vsr.h>

struct family {
	unsigned int id;
	unsigned int version;
	unsigned int maxattr;
};

static const char *prog = "vsradm";

static int family_attr_cb(const struct nlattr *attr, void *data)
{
	struct family *fam = data;

	switch (mnl_attr_get_type(attr)) {
	case CTRL_ATTR_FAMILY_ID:
		if (mnl_attr_validate(attr, MNL_TYPE_U16) < 0)
			return MNL_CB_ERROR;
		fam->id = mnl_attr_get_u16(attr);
		break;
	case CTRL_ATTR_VERSION:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
			return MNL_CB_ERROR;
		fam->version = mnl_attr_get_u32(attr);
		break;
	case CTRL_ATTR_MAXATTR:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
			return MNL_CB_ERROR;
		fam->maxattr = mnl_attr_get_u32(attr);
		break;
	}
	return MNL_CB_OK;
}

static int family_cb(const struct nlmsghdr *nlh, void *data)
{
	return mnl_attr_parse(nlh, GENL_HDRLEN, family_attr_cb, data);
}

/* Resolve the vsr family; returns 0 or a negative errno. */
static int resolve_family(struct mnl_socket *nl, struct family *fam)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	struct genlmsghdr *genl;
	unsigned int seq = time(NULL);
	unsigned int portid = mnl_socket_get_portid(nl);
	int ret;

	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = GENL_ID_CTRL;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = seq;
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = CTRL_CMD_GETFAMILY;
	genl->version = 1;
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, VSR_GENL_NAME);

	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;

	memset(fam, 0, sizeof(*fam));
	do {
		ret = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (ret < 0)
			return -errno;
		ret = mnl_cb_run(buf, ret, seq, portid, family_cb, fam);
	} while (ret > 0);
	if (ret < 0)
		return -errno;
	return fam->id ? 0 : -ENOENT;
}

static struct mnl_socket *open_genl(void)
{
	struct mnl_socket *nl = mnl_socket_open(NETLINK_GENERIC);

	if (!nl) {
		fprintf(stderr, "%s: cannot open generic netlink socket: %s\n",
			prog, strerror(errno));
		return NULL;
	}
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		fprintf(stderr, "%s: cannot bind netlink socket: %s\n",
			prog, strerror(errno));
		mnl_socket_close(nl);
		return NULL;
	}
	return nl;
}

static int cmd_family(int argc, char **argv)
{
	struct mnl_socket *nl;
	struct family fam;
	int ret;

	(void)argv;
	if (argc != 0) {
		fprintf(stderr, "%s: family takes no arguments\n", prog);
		return 2;
	}
	nl = open_genl();
	if (!nl)
		return 1;
	ret = resolve_family(nl, &fam);
	mnl_socket_close(nl);
	if (ret == -ENOENT) {
		fprintf(stderr, "%s: generic netlink family \"%s\" not found (is vsr.ko loaded?)\n",
			prog, VSR_GENL_NAME);
		return 1;
	}
	if (ret) {
		fprintf(stderr, "%s: cannot resolve family \"%s\": %s\n",
			prog, VSR_GENL_NAME, strerror(-ret));
		return 1;
	}
	printf("family %s id %u version %u maxattr %u\n",
	       VSR_GENL_NAME, fam.id, fam.version, fam.maxattr);
	return 0;
}

static void print_usage(FILE *f)
{
	fprintf(f,
		"usage: %s COMMAND [ARGS]\n"
		"commands:\n"
		"  family     show the vsr generic netlink family (id, version)\n"
		"  help       this text\n", prog);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		print_usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "--help")) {
		print_usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "family"))
		return cmd_family(argc - 2, argv + 2);

	fprintf(stderr, "%s: unknown command \"%s\" (try \"%s help\")\n",
		prog, argv[1], prog);
	return 2;
}
