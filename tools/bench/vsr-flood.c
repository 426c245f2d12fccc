// SPDX-License-Identifier: GPL-2.0
/*
 * vsr-flood: forged vsr datagrams at a fixed rate, for the benchmark's
 * auth stage.
 *
 *   vsr-flood -f FROM_IP:PORT -t TO_IP:PORT -c CLUSTER -r REPLICA
 *             -k KEY_ID -s SIZE -p PER_SECOND -d SECONDS
 *             [-e QEMU_IP:PORT -m MAC]
 *
 * Each datagram claims to come from FROM (a member's address: it is sent
 * through a raw IPv4 socket with that source address and port) and passes
 * every cheap check of the receiver: its header names REPLICA (the
 * member's index) and CLUSTER, its size field matches, and its trailer
 * names KEY_ID, the cluster's key.  Only its tag is wrong (and its counter
 * random), so each one costs the receiver a full MAC over SIZE bytes: the
 * worst a forger who does not hold the key can do.  Checksums are not made: the MAC is
 * checked first.
 *
 * With -e the datagrams come from outside the guest: each IPv4 packet is
 * wrapped in an Ethernet frame to MAC and sent as one UDP datagram to
 * QEMU_IP:PORT, where a guest NIC of QEMU's socket backend
 * (-netdev socket,udp=...,localaddr=QEMU_IP:PORT) delivers it.  The
 * forger's CPU is then the host's, not the guest's, as an attacker's is.
 *
 * Prints {"sent": N, "seconds": S, "per_s": R} on stdout.  Without -e it
 * needs CAP_NET_RAW.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <inttypes.h>
#include <net/ethernet.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define NSEC		1000000000ULL
#define VSR_MAGIC	0x31525356u
#define HDR_SIZE	80
#define TRAILER_SIZE	28	/* key id, counter, tag: vsr_mod/auth.h */
#define MAX_SIZE	(65507 - TRAILER_SIZE)
#define BURST		64	/* datagrams per sendmmsg() at most */

static void die(const char *what)
{
	fprintf(stderr, "vsr-flood: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void bad_usage(void)
{
	fprintf(stderr, "usage: vsr-flood -f FROM_IP:PORT -t TO_IP:PORT -c CLUSTER -r REPLICA\n"
		"                 -k KEY_ID -s SIZE -p PER_SECOND -d SECONDS\n"
		"                 [-e QEMU_IP:PORT -m MAC]\n");
	exit(2);
}

static void parse_addr(const char *s, struct sockaddr_in *sa)
{
	char host[64];
	const char *colon = strrchr(s, ':');

	if (!colon || (size_t)(colon - s) >= sizeof(host))
		bad_usage();
	memcpy(host, s, colon - s);
	host[colon - s] = 0;
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons(atoi(colon + 1));
	if (inet_pton(AF_INET, host, &sa->sin_addr) != 1 || !sa->sin_port)
		bad_usage();
}

static void parse_mac(const char *s, uint8_t *mac)
{
	unsigned int b[ETH_ALEN];
	char end;
	int i;

	if (sscanf(s, "%x:%x:%x:%x:%x:%x%c", &b[0], &b[1], &b[2], &b[3],
		   &b[4], &b[5], &end) != ETH_ALEN)
		bad_usage();
	for (i = 0; i < ETH_ALEN; i++) {
		if (b[i] > 0xff)
			bad_usage();
		mac[i] = b[i];
	}
}

/* The IPv4 header checksum (RFC 791), which a raw socket would fill. */
static uint16_t ip_csum(const void *hdr, size_t len)
{
	const uint8_t *p = hdr;
	uint32_t sum = 0;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons(~sum & 0xffff);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * NSEC + ts.tv_nsec;
}

static void put_le32(uint8_t *p, uint32_t v)
{
	v = htole32(v);
	memcpy(p, &v, 4);
}

static void put_le64(uint8_t *p, uint64_t v)
{
	v = htole64(v);
	memcpy(p, &v, 8);
}

int main(int argc, char **argv)
{
	struct sockaddr_in from = { 0 }, to = { 0 }, qemu = { 0 };
	struct ether_header eth = { .ether_type = htons(ETHERTYPE_IP) };
	int have_mac = 0;
	uint64_t cluster = 0, sent = 0, start, next, gap, end;
	unsigned int replica = 0, size = 1024, rate = 100000;
	uint32_t key_id = 0;
	double secs = 5;
	static uint8_t pkt[sizeof(struct iphdr) + sizeof(struct udphdr) +
			   MAX_SIZE + TRAILER_SIZE];
	struct iphdr *ip = (struct iphdr *)pkt;
	struct udphdr *udp = (struct udphdr *)(ip + 1);
	uint8_t *msg = (uint8_t *)(udp + 1);
	static struct mmsghdr mm[BURST];
	struct iovec iov[2];
	size_t len;
	int fd, one = 1, c, i, n, got;

	while ((c = getopt(argc, argv, "f:t:c:r:k:s:p:d:e:m:")) != -1) {
		switch (c) {
		case 'f':
			parse_addr(optarg, &from);
			break;
		case 't':
			parse_addr(optarg, &to);
			break;
		case 'c':
			cluster = strtoull(optarg, NULL, 0);
			break;
		case 'r':
			replica = atoi(optarg);
			break;
		case 'k':
			key_id = strtoul(optarg, NULL, 16);
			break;
		case 's':
			size = atoi(optarg);
			break;
		case 'p':
			rate = atoi(optarg);
			break;
		case 'd':
			secs = atof(optarg);
			break;
		case 'e':
			parse_addr(optarg, &qemu);
			break;
		case 'm':
			parse_mac(optarg, eth.ether_dhost);
			have_mac = 1;
			break;
		default:
			bad_usage();
		}
	}
	if (!from.sin_port || !to.sin_port || size < HDR_SIZE ||
	    size > MAX_SIZE || !rate || secs <= 0 ||
	    !qemu.sin_port != !have_mac)
		bad_usage();

	/* A PREPARE-shaped message, then a trailer with a random tag. */
	srandom(getpid());
	for (i = 0; i < (int)(size + TRAILER_SIZE); i++)
		msg[i] = random();
	put_le32(msg + 8, VSR_MAGIC);
	msg[12] = 2;			/* wire format 2 */
	msg[13] = 0;
	msg[14] = 2;			/* PREPARE */
	msg[15] = replica;
	put_le64(msg + 16, cluster);
	put_le32(msg + 24, 0);		/* epoch */
	put_le32(msg + 48, size);
	put_le32(msg + size, key_id);
	len = sizeof(*ip) + sizeof(*udp) + size + TRAILER_SIZE;

	ip->ihl = 5;
	ip->version = 4;
	ip->ttl = 64;
	ip->protocol = IPPROTO_UDP;
	ip->saddr = from.sin_addr.s_addr;
	ip->daddr = to.sin_addr.s_addr;
	ip->tot_len = htons(len);	/* the kernel fills id and checksum */
	udp->source = from.sin_port;
	udp->dest = to.sin_port;
	udp->len = htons(len - sizeof(*ip));
	udp->check = 0;			/* none: allowed over IPv4 */

	/* Through QEMU: an Ethernet frame, the IP header complete. */
	if (qemu.sin_port) {
		/* A locally administered source address. */
		memcpy(eth.ether_shost, "\x02\x00\x76\x73\x72\x66", ETH_ALEN);
		ip->id = htons(getpid());
		ip->check = ip_csum(ip, sizeof(*ip));
	}
	iov[0].iov_base = &eth;
	iov[0].iov_len = sizeof(eth);
	iov[1].iov_base = pkt;
	iov[1].iov_len = len;
	for (i = 0; i < BURST; i++) {
		mm[i].msg_hdr.msg_name = qemu.sin_port ? &qemu : &to;
		mm[i].msg_hdr.msg_namelen = sizeof(to);
		mm[i].msg_hdr.msg_iov = qemu.sin_port ? iov : iov + 1;
		mm[i].msg_hdr.msg_iovlen = qemu.sin_port ? 2 : 1;
	}

	if (qemu.sin_port) {
		fd = socket(AF_INET, SOCK_DGRAM, 0);
		if (fd < 0)
			die("UDP socket");
	} else {
		fd = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
		if (fd < 0)
			die("raw socket (needs CAP_NET_RAW)");
		if (setsockopt(fd, IPPROTO_IP, IP_HDRINCL, &one, sizeof(one)))
			die("IP_HDRINCL");
	}

	gap = NSEC / rate;
	start = next = now_ns();
	end = start + (uint64_t)(secs * NSEC);
	for (;;) {
		uint64_t t = now_ns();

		if (t >= end)
			break;
		if (t < next) {
			struct timespec ts = { 0, (long)(next - t) };

			if (next - t > 50000)
				nanosleep(&ts, NULL);
			continue;
		}
		/*
		 * Behind schedule: catch up, but never burst more than
		 * BURST, in one system call (a guest under TCG pays dearly
		 * for each).
		 */
		for (n = 0; n < BURST && next <= t; n++)
			next += gap;
		got = sendmmsg(fd, mm, n, 0);
		if (got > 0)
			sent += got;
		else if (got < 0 && errno != ENOBUFS && errno != EAGAIN)
			die("sendmmsg");
		if (next + BURST * gap < t)
			next = t;
	}
	printf("{\"sent\": %" PRIu64 ", \"seconds\": %.3f, \"per_s\": %.0f}\n",
	       sent, (now_ns() - start) / 1e9,
	       sent / ((now_ns() - start) / 1e9));
	return 0;
}
