// SPDX-License-Identifier: GPL-2.0
/*
 * vsr-failover: how long a cluster cannot commit when its primary dies.
 *
 *   vsr-failover -d /dev/vsrlogN [-w WARMUP_MS] [-t TIMEOUT_S] -- KILL_CMD...
 *
 * A writer thread appends 64-byte records back to back through a backup's
 * device and notes, after each one, the view the replica is in
 * (VSR_IOC_GET_STATUS).  After the warm-up the main thread runs KILL_CMD (which
 * destroys the primary), then waits for the first record committed in a
 * later view.  Prints one JSON object: failover_ms, the gap between the
 * last commit in the old view and the first in the new one (the primary
 * died within it: a writer that commits back to back sees its death within
 * a round trip); after_kill_ms, from the end of KILL_CMD to that commit
 * (a lower bound: the primary may have died while KILL_CMD ran); and how
 * long KILL_CMD took.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/vsr.h>

static const char *prog = "vsr-failover";

struct probe {
	int fd;
	atomic_int stop;
	atomic_ullong writes;
	/* Set by the writer: first completion seen in a view above @view0. */
	atomic_ullong view0;
	atomic_ullong new_view;
	atomic_llong new_view_ns;
	atomic_llong last_old_ns;	/* last commit seen in the old view */
	atomic_int err;
};

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void die(const char *fmt, const char *arg)
{
	fprintf(stderr, "%s: ", prog);
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	exit(1);
}

static int view_of(int fd, unsigned long long *view)
{
	struct vsr_status st = { .hdr.size = sizeof(st) };

	if (ioctl(fd, VSR_IOC_GET_STATUS, &st) < 0)
		return -errno;
	*view = st.view;
	return 0;
}

static void *writer(void *arg)
{
	struct probe *p = arg;
	char rec[64];
	unsigned long long seq = 0, view;
	long long t;
	int ret;

	while (!atomic_load(&p->stop)) {
		snprintf(rec, sizeof(rec), "failover %llu", seq++);
		memset(rec + strlen(rec), '.', sizeof(rec) - strlen(rec));
		if (write(p->fd, rec, sizeof(rec)) != sizeof(rec)) {
			atomic_store(&p->err, errno);
			break;
		}
		t = now_ns();
		atomic_fetch_add(&p->writes, 1);
		ret = view_of(p->fd, &view);
		if (ret) {
			atomic_store(&p->err, -ret);
			break;
		}
		if (atomic_load(&p->view0) != ULLONG_MAX &&
		    view > atomic_load(&p->view0)) {
			if (!atomic_load(&p->new_view)) {
				atomic_store(&p->new_view_ns, t);
				atomic_store(&p->new_view, view);
			}
		} else {
			atomic_store(&p->last_old_ns, t);
		}
	}
	return NULL;
}

static unsigned long parse_num(const char *what, const char *s)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v == 0)
		die("invalid %s", what);
	return v;
}

static void bad_usage(void)
{
	fprintf(stderr,
		"usage: %s -d DEVICE [-w WARMUP_MS] [-t TIMEOUT_S] -- KILL_CMD...\n",
		prog);
	exit(2);
}

int main(int argc, char **argv)
{
	struct probe p = { .fd = -1 };
	unsigned long warmup_ms = 1000, timeout_s = 120;
	unsigned long long view0, writes0;
	const char *dev = NULL;
	long long kill_ns, dead_ns;
	pthread_t thr;
	pid_t pid;
	int opt, status;

	while ((opt = getopt(argc, argv, "d:w:t:")) != -1) {
		switch (opt) {
		case 'd':
			dev = optarg;
			break;
		case 'w':
			warmup_ms = parse_num("warm-up", optarg);
			break;
		case 't':
			timeout_s = parse_num("timeout", optarg);
			break;
		default:
			bad_usage();
		}
	}
	if (!dev || optind >= argc)
		bad_usage();
	p.fd = open(dev, O_RDWR);
	if (p.fd < 0)
		die("cannot open %s", dev);
	atomic_store(&p.view0, ULLONG_MAX);
	if (pthread_create(&thr, NULL, writer, &p))
		die("cannot start the writer%s", "");
	usleep(warmup_ms * 1000);
	if (view_of(p.fd, &view0))
		die("VSR_IOC_GET_STATUS on %s failed", dev);
	writes0 = atomic_load(&p.writes);
	if (!writes0 || atomic_load(&p.err))
		die("no record committed during the warm-up on %s", dev);
	atomic_store(&p.view0, view0);

	kill_ns = now_ns();
	pid = fork();
	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (!pid) {
		execvp(argv[optind], argv + optind);
		fprintf(stderr, "%s: cannot run %s: %s\n", prog, argv[optind],
			strerror(errno));
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		die("the kill command %s failed", argv[optind]);
	/*
	 * The primary is certainly gone once the command is: count from
	 * here.  (Starting the command takes long in an emulated guest, and
	 * the primary commits on meanwhile.)
	 */
	dead_ns = now_ns();

	while (!atomic_load(&p.new_view) && !atomic_load(&p.err) &&
	       now_ns() - kill_ns < (long long)timeout_s * 1000000000LL)
		usleep(1000);
	atomic_store(&p.stop, 1);
	if (!atomic_load(&p.new_view)) {
		if (atomic_load(&p.err))
			die("write failed: %s", strerror(atomic_load(&p.err)));
		die("no commit in a new view within the timeout%s", "");
	}
	printf("{\"failover_ms\": %.3f, \"after_kill_ms\": %.3f, \"kill_cmd_ms\": %.3f, \"view_before\": %llu, \"view_after\": %llu, \"writes_before_kill\": %llu}\n",
	       (atomic_load(&p.new_view_ns) - atomic_load(&p.last_old_ns)) / 1e6,
	       (atomic_load(&p.new_view_ns) - dead_ns) / 1e6,
	       (dead_ns - kill_ns) / 1e6, view0,
	       (unsigned long long)atomic_load(&p.new_view), writes0);
	fflush(stdout);
	/* The writer may be blocked in write(): exiting ends it. */
	_exit(0);
}
