// SPDX-License-Identifier: GPL-2.0
/*
 * udp-perf: a raw UDP baseline for the vsr benchmark.
 *
 *   udp-perf server [-H BIND_ADDR] [-p PORT] [-t SECONDS]
 *   udp-perf rr     -H HOST [-p PORT] -s SIZE -t SECONDS
 *   udp-perf stream -H HOST [-p PORT] -s SIZE -t SECONDS
 *
 * server: echoes request/response datagrams to their sender and counts
 * the bytes of stream datagrams per flow; runs until SIGINT/SIGTERM (or
 * for -t SECONDS), then prints its totals as JSON.  Without -H it listens
 * on IPv6 and IPv4 (a dual-stack socket, or IPv4 alone without IPv6).
 *
 * rr: one flow, one request outstanding: send SIZE bytes, wait for the
 * echo, repeat for SECONDS.  A request not answered within 1 s counts as
 * a timeout and is sent again (same sequence number; stale echoes are
 * skipped); its latency runs from its first send.
 *
 * stream: SIZE-byte datagrams one way as fast as the socket takes them for
 * SECONDS; then the client asks the server (a control datagram, retried)
 * how many bytes of this flow it received.  recv_mb_per_s is the figure.
 *
 * Every datagram starts with a 16-byte header (magic and type, flow id,
 * sequence number), so SIZE is 16..65507.  MB is 10^6 bytes of UDP payload.
 * Output: one JSON object on stdout.  Port default 7777.
 */
#define _GNU_SOURCE
#include <endian.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "hist.h"

#define NSEC		1000000000ULL
#define MAGIC		0x55504600u	/* "UPF" and a type byte */
#define T_RR		1	/* echo me */
#define T_STREAM	2	/* count me */
#define T_QUERY		3	/* how much of flow F did you get? */
#define T_ANSWER	4	/* header, then bytes and datagrams (be64) */
#define HDR_LEN		16
#define MAX_SIZE	65507	/* largest UDP payload over IPv4 */
#define MAX_FLOWS	64
#define RR_TIMEOUT_MS	1000
#define SOCK_BUF	(4 << 20)
#define DEFAULT_PORT	"7777"

struct hdr {
	uint32_t magic;
	uint32_t flow;
	uint64_t seq;
};

struct flow {
	uint32_t id;
	uint64_t bytes;
	uint64_t dgrams;
	uint64_t used;
};

static struct {
	const char *host;
	const char *port;
	unsigned int size;
	double seconds;
} opt = { .port = DEFAULT_PORT };

static atomic_int got_signal;	/* lock-free: fine in a handler */

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NSEC + (uint64_t)ts.tv_nsec;
}

static void put_hdr(void *buf, unsigned int type, uint32_t flow, uint64_t seq)
{
	struct hdr h = {
		.magic = htobe32(MAGIC | type),
		.flow = htobe32(flow),
		.seq = htobe64(seq),
	};

	memcpy(buf, &h, sizeof(h));
}

/* The type of a datagram of @len bytes, 0 if it is not ours. */
static unsigned int get_hdr(const void *buf, size_t len, uint32_t *flow, uint64_t *seq)
{
	struct hdr h;
	uint32_t m;

	if (len < HDR_LEN)
		return 0;
	memcpy(&h, buf, sizeof(h));
	m = be32toh(h.magic);
	if ((m & ~0xffu) != MAGIC)
		return 0;
	*flow = be32toh(h.flow);
	*seq = be64toh(h.seq);
	return m & 0xff;
}

static void print_help(void)
{
	fprintf(stderr,
		"usage: udp-perf server [-H BIND_ADDR] [-p PORT] [-t SECONDS]\n"
		"       udp-perf rr     -H HOST [-p PORT] -s SIZE -t SECONDS\n"
		"       udp-perf stream -H HOST [-p PORT] -s SIZE -t SECONDS\n"
		"  SIZE is the UDP payload, %d..%d bytes; PORT defaults to %s\n",
		HDR_LEN, MAX_SIZE, DEFAULT_PORT);
}

/* A one-line error about the command line, exit status 2. */
static _Noreturn void die_usage(const char *fmt, const char *arg)
{
	fprintf(stderr, "udp-perf: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n");
	exit(2);
}

static unsigned long parse_uint(const char *s, const char *what,
				unsigned long min, unsigned long max)
{
	unsigned long v;
	char *end;

	errno = 0;
	if (!*s || *s == '-' || *s == '+')
		die_usage(what, s);
	v = strtoul(s, &end, 10);
	if (errno || *end || v < min || v > max)
		die_usage(what, s);
	return v;
}

static double parse_seconds(const char *s)
{
	double v;
	char *end;

	errno = 0;
	v = strtod(s, &end);
	if (!*s || errno || *end || !isfinite(v) || v < 1e-3 || v > 1e7)
		die_usage("-t: bad duration '%s' (seconds, > 0)", s);
	return v;
}

static void parse_args(int argc, char **argv, bool server)
{
	bool have_s = false, have_t = false;
	int c;

	opterr = 0;
	optind = 2;
	while ((c = getopt(argc, argv, ":H:p:s:t:h")) != -1) {
		switch (c) {
		case 'H':
			opt.host = optarg;
			break;
		case 'p':
			parse_uint(optarg, "-p: bad port '%s' (1..65535)", 1, 65535);
			opt.port = optarg;
			break;
		case 's':
			if (server)
				die_usage("%s-s is for the rr and stream tests, not the server", "");
			opt.size = parse_uint(optarg, "-s: bad size '%s' (16..65507 bytes)",
					      HDR_LEN, MAX_SIZE);
			have_s = true;
			break;
		case 't':
			opt.seconds = parse_seconds(optarg);
			have_t = true;
			break;
		case 'h':
			print_help();
			exit(0);
		case ':':
			fprintf(stderr, "udp-perf: option -%c needs an argument\n", optopt);
			exit(2);
		default:
			fprintf(stderr, "udp-perf: unknown option -%c (-h for help)\n", optopt);
			exit(2);
		}
	}
	if (optind < argc)
		die_usage("unexpected argument '%s'", argv[optind]);
	if (server)
		return;
	if (!opt.host)
		die_usage("%smissing -H HOST", "");
	if (!have_s)
		die_usage("%smissing -s SIZE", "");
	if (!have_t)
		die_usage("%smissing -t SECONDS", "");
}

/* Big socket buffers: forced past rmem_max/wmem_max when we may. */
static void big_buffers(int fd)
{
	int v = SOCK_BUF;

	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &v, sizeof(v)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v));
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &v, sizeof(v)))
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v));
}

/* A socket bound (server) or connected (client) to @host:@port. */
static int open_socket(const char *host, const char *port, bool server)
{
	struct addrinfo hints = {
		.ai_family = AF_UNSPEC,
		.ai_socktype = SOCK_DGRAM,
		.ai_flags = server ? AI_PASSIVE : 0,
	};
	struct addrinfo *res, *ai;
	int fd = -1, e, saved = 0, off = 0;

	if (server && !host) {
		/* Dual stack: IPv6 and v4-mapped IPv4 on one socket. */
		struct sockaddr_in6 a6 = {
			.sin6_family = AF_INET6,
			.sin6_port = htons(atoi(port)),
			.sin6_addr = IN6ADDR_ANY_INIT,
		};
		struct sockaddr_in a4 = {
			.sin_family = AF_INET,
			.sin_port = htons(atoi(port)),
			.sin_addr.s_addr = htonl(INADDR_ANY),
		};

		fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (fd >= 0) {
			setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off));
			if (bind(fd, (struct sockaddr *)&a6, sizeof(a6)) == 0)
				return fd;
			saved = errno;
			close(fd);
			if (saved == EADDRINUSE)
				goto fail;
		}
		fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (fd >= 0 && bind(fd, (struct sockaddr *)&a4, sizeof(a4)) == 0)
			return fd;
		saved = errno;
		goto fail;
	}

	e = getaddrinfo(host, port, &hints, &res);
	if (e) {
		fprintf(stderr, "udp-perf: %s: %s\n", host, gai_strerror(e));
		exit(1);
	}
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
		if (fd < 0) {
			saved = errno;
			continue;
		}
		if ((server ? bind : connect)(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		saved = errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd >= 0)
		return fd;
fail:
	fprintf(stderr, "udp-perf: cannot %s %s port %s: %s\n",
		server ? "listen on" : "reach", host ? host : "any address", port,
		strerror(saved));
	exit(1);
}

static void on_signal(int sig)
{
	got_signal = sig;
}

static struct flow *flow_of(struct flow *flows, uint32_t id, uint64_t tick)
{
	struct flow *f, *lru = &flows[0];

	for (f = flows; f < flows + MAX_FLOWS; f++) {
		if (f->used && f->id == id)
			goto found;
		if (f->used < lru->used)
			lru = f;
	}
	f = lru;
	memset(f, 0, sizeof(*f));
	f->id = id;
found:
	f->used = tick;
	return f;
}

static int run_server(void)
{
	static struct flow flows[MAX_FLOWS];
	static unsigned char buf[MAX_SIZE + 1];
	uint64_t tick = 0, echoed = 0, counted = 0, bytes = 0, bad = 0;
	uint64_t deadline = opt.seconds ? now_ns() + (uint64_t)(opt.seconds * NSEC) : 0;
	struct sigaction sa = { .sa_handler = on_signal };	/* no SA_RESTART */
	struct sockaddr_storage from;
	socklen_t fromlen;
	struct flow *f;
	unsigned int type;
	uint32_t flow;
	uint64_t seq;
	ssize_t n;
	int fd;

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	fd = open_socket(opt.host, opt.port, true);
	big_buffers(fd);
	if (deadline) {
		struct timeval tv = { .tv_sec = 0, .tv_usec = 200000 };

		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	}
	fprintf(stderr, "udp-perf: server on %s port %s\n",
		opt.host ? opt.host : "any address", opt.port);

	while (!got_signal && (!deadline || now_ns() < deadline)) {
		fromlen = sizeof(from);
		n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fromlen);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)
				continue;
			fprintf(stderr, "udp-perf: recvfrom: %s\n", strerror(errno));
			return 1;
		}
		type = get_hdr(buf, n, &flow, &seq);
		switch (type) {
		case T_RR:
			if (sendto(fd, buf, n, 0, (struct sockaddr *)&from, fromlen) == n)
				echoed++;
			break;
		case T_STREAM:
			f = flow_of(flows, flow, ++tick);
			f->bytes += n;
			f->dgrams++;
			counted++;
			bytes += n;
			break;
		case T_QUERY: {
			uint64_t v[2];

			f = flow_of(flows, flow, ++tick);
			put_hdr(buf, T_ANSWER, flow, seq);
			v[0] = htobe64(f->bytes);
			v[1] = htobe64(f->dgrams);
			memcpy(buf + HDR_LEN, v, sizeof(v));
			sendto(fd, buf, HDR_LEN + sizeof(v), 0,
			       (struct sockaddr *)&from, fromlen);
			break;
		}
		default:
			bad++;
			break;
		}
	}
	printf("{\"test\":\"udp_server\",\"echoed\":%" PRIu64 ",\"stream_datagrams\":%" PRIu64
	       ",\"stream_bytes\":%" PRIu64 ",\"bad\":%" PRIu64 "}\n",
	       echoed, counted, bytes, bad);
	close(fd);
	return 0;
}

/*
 * Sends @len bytes of @buf (type @type, @seq) and waits for a datagram of
 * type @want with that sequence number: up to @tries sends, @wait_ms
 * apart, never past @deadline (0: none).  Returns its length, 0 if none
 * came; *@first gets the time of the first send.
 */
static ssize_t exchange(int fd, unsigned char *buf, size_t len, unsigned int type,
			uint32_t flow, uint64_t seq, unsigned int want, int tries,
			int wait_ms, uint64_t deadline, uint64_t *timeouts)
{
	static unsigned char in[MAX_SIZE + 1];
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	uint64_t sent, now, rseq;
	uint32_t rflow;
	ssize_t n;
	int ms;

	put_hdr(buf, type, flow, seq);
	while (tries-- > 0) {
		if (send(fd, buf, len, 0) < 0 && errno != ECONNREFUSED &&
		    errno != ENOBUFS && errno != EAGAIN) {
			fprintf(stderr, "udp-perf: send: %s\n", strerror(errno));
			exit(1);
		}
		sent = now_ns();
		for (;;) {
			now = now_ns();
			if (deadline && now >= deadline)
				return 0;
			ms = wait_ms - (int)((now - sent) / 1000000);
			if (deadline && (deadline - now) / 1000000 < (uint64_t)ms)
				ms = (deadline - now) / 1000000 + 1;
			if (ms <= 0)
				break;
			if (poll(&pfd, 1, ms) <= 0)
				continue;
			n = recv(fd, in, sizeof(in), 0);
			if (n < 0) {
				/* ICMP port unreachable: no server (yet). */
				if (errno == ECONNREFUSED || errno == EINTR)
					continue;
				fprintf(stderr, "udp-perf: recv: %s\n", strerror(errno));
				exit(1);
			}
			if (get_hdr(in, n, &rflow, &rseq) == want && rflow == flow &&
			    rseq == seq) {
				if (want == T_ANSWER)
					memcpy(buf, in, n);	/* both MAX_SIZE + 1 */
				return n;
			}
		}
		if (timeouts)
			(*timeouts)++;
	}
	return 0;
}

/* The server answers at all: before the clock starts. */
static void hello(int fd, unsigned char *buf, uint32_t flow)
{
	if (!exchange(fd, buf, HDR_LEN, T_RR, flow, 0, T_RR, 5, 500, 0, NULL)) {
		fprintf(stderr, "udp-perf: no answer from a udp-perf server at %s port %s\n",
			opt.host, opt.port);
		exit(1);
	}
}

static int run_rr(int fd, unsigned char *buf, uint32_t flow)
{
	uint64_t start, end, deadline, t0, seq, timeouts = 0;
	struct hist *h = malloc(sizeof(*h));
	double secs;

	if (!h) {
		fprintf(stderr, "udp-perf: out of memory\n");
		return 1;
	}
	hist_init(h);
	start = now_ns();
	deadline = start + (uint64_t)(opt.seconds * NSEC);
	for (seq = 1; now_ns() < deadline; seq++) {
		t0 = now_ns();
		if (!exchange(fd, buf, opt.size, T_RR, flow, seq, T_RR, INT32_MAX,
			      RR_TIMEOUT_MS, deadline, &timeouts))
			break;
		hist_record(h, now_ns() - t0);
	}
	end = now_ns();
	secs = (double)(end - start) / NSEC;
	printf("{\"test\":\"udp_rr\",\"size\":%u,\"round_trips\":%" PRIu64
	       ",\"seconds\":%.6f,\"rtt_per_s\":%.1f", opt.size, hist_count(h), secs,
	       hist_count(h) / secs);
	printf(",\"lat_us\":{\"p50\":%.1f,\"p99\":%.1f,\"p999\":%.1f,\"max\":%.1f}",
	       hist_percentile(h, 50) / 1e3, hist_percentile(h, 99) / 1e3,
	       hist_percentile(h, 99.9) / 1e3, hist_max(h) / 1e3);
	printf(",\"timeouts\":%" PRIu64 "}\n", timeouts);
	free(h);
	return 0;
}

static int run_stream(int fd, unsigned char *buf, uint32_t flow)
{
	uint64_t start, end, deadline, seq, sent = 0, errs = 0, v[2];
	uint64_t rbytes, rdgrams;
	double secs;

	start = now_ns();
	deadline = start + (uint64_t)(opt.seconds * NSEC);
	for (seq = 1; now_ns() < deadline; seq++) {
		put_hdr(buf, T_STREAM, flow, seq);
		if (send(fd, buf, opt.size, 0) == (ssize_t)opt.size) {
			sent++;
			continue;
		}
		if (errno != ENOBUFS && errno != EAGAIN && errno != ECONNREFUSED &&
		    errno != EINTR) {
			fprintf(stderr, "udp-perf: send: %s\n", strerror(errno));
			return 1;
		}
		errs++;
	}
	end = now_ns();
	secs = (double)(end - start) / NSEC;

	/* The server handles datagrams in order: its answer covers the flow. */
	if (!exchange(fd, buf, HDR_LEN, T_QUERY, flow, seq, T_ANSWER, 20, 250, 0,
		      NULL)) {
		fprintf(stderr, "udp-perf: the server did not answer the byte count query\n");
		return 1;
	}
	memcpy(v, buf + HDR_LEN, sizeof(v));
	rbytes = be64toh(v[0]);
	rdgrams = be64toh(v[1]);
	printf("{\"test\":\"udp_stream\",\"size\":%u,\"seconds\":%.6f", opt.size, secs);
	printf(",\"sent_datagrams\":%" PRIu64 ",\"recv_datagrams\":%" PRIu64, sent, rdgrams);
	printf(",\"send_errors\":%" PRIu64, errs);
	printf(",\"sent_mb_per_s\":%.3f,\"recv_mb_per_s\":%.3f}\n",
	       (double)sent * opt.size / secs / 1e6, (double)rbytes / secs / 1e6);
	return 0;
}

int main(int argc, char **argv)
{
	unsigned char *buf;
	uint32_t flow;
	bool rr;
	int fd;

	if (argc < 2) {
		print_help();
		return 2;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		print_help();
		return 0;
	}
	if (!strcmp(argv[1], "server")) {
		parse_args(argc, argv, true);
		return run_server();
	}
	if (strcmp(argv[1], "rr") && strcmp(argv[1], "stream"))
		die_usage("unknown test '%s' (server, rr or stream)", argv[1]);
	rr = !strcmp(argv[1], "rr");
	parse_args(argc, argv, false);

	buf = calloc(1, MAX_SIZE + 1);
	if (!buf) {
		fprintf(stderr, "udp-perf: out of memory\n");
		return 1;
	}
	memset(buf, 'u', MAX_SIZE);
	fd = open_socket(opt.host, opt.port, false);
	big_buffers(fd);
	flow = (uint32_t)getpid() * 2654435761u ^ (uint32_t)now_ns();
	hello(fd, buf, flow);
	return rr ? run_rr(fd, buf, flow) : run_stream(fd, buf, flow);
}
