// SPDX-License-Identifier: GPL-2.0
/*
 * vsradm: talking to the vsr generic netlink family with libmnl, with the
 * kernel's extended ack messages reported.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "vsradm.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

static int mcgrp_cb(const struct nlattr *grp, struct nlctx *ctx)
{
	const struct nlattr *a;
	const char *name = NULL;
	uint32_t id = 0;

	mnl_attr_for_each_nested(a, grp) {
		switch (mnl_attr_get_type(a)) {
		case CTRL_ATTR_MCAST_GRP_NAME:
			if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
				name = mnl_attr_get_str(a);
			break;
		case CTRL_ATTR_MCAST_GRP_ID:
			if (mnl_attr_validate(a, MNL_TYPE_U32) == 0)
				id = mnl_attr_get_u32(a);
			break;
		}
	}
	if (name && !strcmp(name, VSR_MCGRP_EVENTS))
		ctx->events_grp = id;
	return MNL_CB_OK;
}

static int family_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nlctx *ctx = data;
	const struct nlattr *a, *g;

	mnl_attr_for_each(a, nlh, GENL_HDRLEN) {
		switch (mnl_attr_get_type(a)) {
		case CTRL_ATTR_FAMILY_ID:
			if (mnl_attr_validate(a, MNL_TYPE_U16) < 0)
				return MNL_CB_ERROR;
			ctx->family = mnl_attr_get_u16(a);
			break;
		case CTRL_ATTR_VERSION:
			if (mnl_attr_validate(a, MNL_TYPE_U32) < 0)
				return MNL_CB_ERROR;
			ctx->version = mnl_attr_get_u32(a);
			break;
		case CTRL_ATTR_MAXATTR:
			if (mnl_attr_validate(a, MNL_TYPE_U32) < 0)
				return MNL_CB_ERROR;
			ctx->maxattr = mnl_attr_get_u32(a);
			break;
		case CTRL_ATTR_MCAST_GROUPS:
			mnl_attr_for_each_nested(g, a)
				mcgrp_cb(g, ctx);
			break;
		}
	}
	return MNL_CB_OK;
}

/* Buffers only: requests can be built before the socket is opened. */
void nl_init(struct nlctx *ctx)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->bufsize = 65536;
	ctx->buf = malloc(ctx->bufsize);
	ctx->req = malloc(ctx->bufsize);
	if (!ctx->buf || !ctx->req)
		fail("out of memory");
}

/*
 * Open a generic netlink socket with extended acks; with @resolve, look up
 * the vsr family (fails with a clear message if vsr.ko is not loaded).
 * Returns 0 or a negative errno (already reported).
 */
int nl_open(struct nlctx *ctx, bool resolve)
{
	int one = 1;
	int ret;

	if (!ctx->buf)
		nl_init(ctx);
	ctx->nl = mnl_socket_open(NETLINK_GENERIC);
	if (!ctx->nl)
		fail("cannot open generic netlink socket: %s", strerror(errno));
	if (mnl_socket_bind(ctx->nl, 0, MNL_SOCKET_AUTOPID) < 0)
		fail("cannot bind netlink socket: %s", strerror(errno));
	ctx->portid = mnl_socket_get_portid(ctx->nl);
	ctx->seq = time(NULL);
	mnl_socket_setsockopt(ctx->nl, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(ctx->nl, NETLINK_CAP_ACK, &one, sizeof(one));
	if (!resolve)
		return 0;

	{
		struct nlmsghdr *nlh = mnl_nlmsg_put_header(ctx->buf);
		struct genlmsghdr *genl;

		nlh->nlmsg_type = GENL_ID_CTRL;
		nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
		genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
		genl->cmd = CTRL_CMD_GETFAMILY;
		genl->version = 1;
		mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, VSR_GENL_NAME);
		ret = nl_talk(ctx, nlh, family_cb, ctx);
	}
	if (ret == -ENOENT || (!ret && !ctx->family))
		fail("generic netlink family \"%s\" not found (is vsr.ko loaded?)",
		     VSR_GENL_NAME);
	if (ret)
		fail("cannot resolve family \"%s\": %s", VSR_GENL_NAME, strerror(-ret));
	return 0;
}

/* Requests may hold keys: wiped before they are freed, or on failure. */
static void nl_wipe(struct nlctx *ctx)
{
	if (ctx->req)
		explicit_bzero(ctx->req, ctx->bufsize);
}

void nl_close(struct nlctx *ctx)
{
	if (ctx->nl)
		mnl_socket_close(ctx->nl);
	nl_wipe(ctx);
	free(ctx->buf);
	free(ctx->req);
	ctx->nl = NULL;
	ctx->buf = NULL;
	ctx->req = NULL;
}

/*
 * Start a request for @cmd of the vsr family in the context's request
 * buffer; nl_talk() fills in the family id if it was not known yet.
 */
struct nlmsghdr *nl_msg(struct nlctx *ctx, uint8_t cmd, uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(ctx->req);
	struct genlmsghdr *genl;

	nlh->nlmsg_type = ctx->family;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = cmd;
	genl->version = VSR_GENL_VERSION;
	return nlh;
}

/* A flag attribute (NLA_FLAG: present or not, no payload). */
void nl_put_flag(struct nlmsghdr *nlh, uint16_t type)
{
	mnl_attr_put(nlh, type, 0, "");
}

/* The extended ack of an NLMSG_ERROR or NLMSG_DONE message. */
static void parse_extack(struct nlctx *ctx, const struct nlmsghdr *nlh, size_t off)
{
	const struct nlattr *a;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	mnl_attr_for_each(a, nlh, off) {
		if (mnl_attr_get_type(a) == NLMSGERR_ATTR_MSG &&
		    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
			snprintf(ctx->errmsg, sizeof(ctx->errmsg), "%s", mnl_attr_get_str(a));
		else if (mnl_attr_get_type(a) == NLMSGERR_ATTR_MISS_TYPE && !ctx->errmsg[0] &&
			 mnl_attr_validate(a, MNL_TYPE_U32) == 0)
			snprintf(ctx->errmsg, sizeof(ctx->errmsg), "missing attribute %u",
				 mnl_attr_get_u32(a));
	}
}

/*
 * Send @nlh and process the replies with @cb until the ack or the end of
 * the dump.  Returns 0 or a negative errno; ctx->errmsg holds the kernel's
 * message, if it gave one.
 */
int nl_talk(struct nlctx *ctx, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	unsigned int seq = ++ctx->seq;
	int n;

	nlh->nlmsg_seq = seq;
	if (!nlh->nlmsg_type)
		nlh->nlmsg_type = ctx->family;
	ctx->errmsg[0] = '\0';
	if (mnl_socket_sendto(ctx->nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		const struct nlmsghdr *m;

		n = mnl_socket_recvfrom(ctx->nl, ctx->buf, ctx->bufsize);
		if (n < 0)
			return -errno;
		for (m = (const struct nlmsghdr *)ctx->buf; mnl_nlmsg_ok(m, n);
		     m = mnl_nlmsg_next(m, &n)) {
			if (m->nlmsg_seq != seq || m->nlmsg_pid != ctx->portid)
				continue;
			if (m->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = mnl_nlmsg_get_payload(m);
				size_t off = sizeof(*e);

				if (m->nlmsg_len < mnl_nlmsg_size(sizeof(*e)))
					return -EBADMSG;
				if (!(m->nlmsg_flags & NLM_F_CAPPED))
					off += e->msg.nlmsg_len - sizeof(struct nlmsghdr);
				parse_extack(ctx, m, off);
				return e->error;
			}
			if (m->nlmsg_type == NLMSG_DONE) {
				int err = 0;

				if (m->nlmsg_len >= mnl_nlmsg_size(sizeof(int)))
					err = *(const int *)mnl_nlmsg_get_payload(m);
				parse_extack(ctx, m, sizeof(int));
				return err;
			}
			if (m->nlmsg_type < NLMSG_MIN_TYPE)
				continue;
			if (cb && cb(m, data) < 0)
				return -EBADMSG;
		}
	}
}

/* Report a failed request in one line and exit. */
void nl_fail(struct nlctx *ctx, int err, const char *what)
{
	nl_wipe(ctx);
	if (err < 0)
		err = -err;
	if (ctx->errmsg[0])
		fail("%s: %s (%s)", what, ctx->errmsg, strerror(err));
	if (err == EPERM)
		fail("%s: %s (%s)", what, strerror(err), VSRADM_EPERM_HINT);
	fail("%s: %s", what, strerror(err));
}
