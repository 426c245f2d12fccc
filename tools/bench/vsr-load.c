// SPDX-License-Identifier: GPL-2.0
/*
 * vsr-load: a load generator for /dev/vsrlogN.
 *
 *   vsr-load -d DEVICE -c CLIENTS -s SIZE -t SECONDS [-r RATE] [-w WARMUP_S]
 *   vsr-load -d DEVICE -c CLIENTS -s SIZE -n COUNT [-t SECONDS] [-r RATE]
 *
 * Every client is one thread with its own open file, that is, its own vsr
 * client session; write() returns once the record is committed, so each
 * client has one record in flight.
 *
 * Closed loop (no -r): every client writes back to back.  A record counts
 * if it completes inside the measured interval [warmup, warmup + SECONDS];
 * its latency is the time write() took.
 *
 * Open loop (-r RATE): arrival i is scheduled at start + i / RATE.  The
 * clients share one atomic ticket counter: a client that is free takes the
 * next arrival, sleeps until its scheduled time if that is still ahead,
 * and writes; a client that is late writes at once.  That is one arrival
 * stream served by CLIENTS sessions (a queue with CLIENTS servers): a
 * stalled write holds up only the arrivals that actually have to wait for
 * a session, rather than every CLIENTS-th arrival as with a fixed split
 * (i mod CLIENTS), which would stall behind one slow session while others
 * idle.  Latency runs from the *scheduled* arrival time to completion, so
 * the time an arrival waits for a free session is charged to it (no
 * coordinated omission).  A record counts if its arrival is scheduled in
 * the measured interval; after the interval the clients go on serving the
 * arrivals already due for at most min(SECONDS, 5 s), and what is still
 * unserved then is reported as "backlog".
 *
 * -n COUNT writes exactly COUNT records (write() calls) in all, then stops
 * (warmup defaults to 0 then, and -t is an optional time limit).
 *
 * Records are "<run>-<client>-<seq>" padded with '.' to SIZE bytes
 * (truncated if SIZE is smaller): unique across clients and runs, so a
 * harness can check that every acknowledged record is in the log once.
 *
 * Output: one JSON object on stdout.  MB is 10^6 bytes of record payload.
 * cpu_s_per_record is the busy CPU time of the whole machine (/proc/stat:
 * user + nice + system + irq + softirq + steal) over the measured interval,
 * divided by the records counted.  Errors are counted by errno over the
 * whole run (warmup included); ENODEV and the other errors that cannot go
 * away by themselves stop the run, and the exit status is then 1.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include "hist.h"

#define MAX_CLIENTS	1024	/* the cluster's client table */
#define MAX_RECORD	61440	/* Documentation/device.rst */
#define NSEC		1000000000ULL
#define N_ERRNO		256
#define ERR_SHORT	0	/* slot 0 of errs[]: a short write */
#define START_DELAY	(20 * 1000000ULL)	/* threads get going first */
#define JOIN_GRACE	(5 * NSEC)

struct client {
	pthread_t thread;
	int id;
	int fd;
	bool started;
	pthread_mutex_t lock;	/* hist, frozen: against the final merge */
	bool frozen;
	struct hist hist;
	uint64_t errs[N_ERRNO];
	uint64_t last_done;	/* completion time of the last counted record */
	atomic_bool done;
};

static struct {
	const char *device;
	unsigned int clients;
	unsigned int size;
	double seconds;		/* 0: none (-n only) */
	double rate;		/* 0: closed loop */
	double warmup;
	uint64_t count;		/* 0: none */
	uint32_t run;
} opt = { .warmup = -1 };

/* Times, CLOCK_MONOTONIC ns. */
static uint64_t t_start, t_mstart, t_mend, t_drain;
static atomic_uint_fast64_t next_ticket;
static atomic_uint_fast64_t served;	/* open loop: arrivals written */
static atomic_bool stop;
static atomic_bool fatal;
static atomic_uint_fast64_t t_fatal;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NSEC + (uint64_t)ts.tv_nsec;
}

static void sleep_until(uint64_t t)
{
	struct timespec ts = { .tv_sec = t / NSEC, .tv_nsec = t % NSEC };

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

static void print_help(void)
{
	fprintf(stderr,
		"usage: vsr-load -d DEVICE -c CLIENTS -s SIZE -t SECONDS [-r RATE] [-w WARMUP_S]\n"
		"       vsr-load -d DEVICE -c CLIENTS -s SIZE -n COUNT [-t SECONDS] [-r RATE] [-w WARMUP_S]\n"
		"  -c CLIENTS  concurrent sessions, 1..%d (one thread and open file each)\n"
		"  -s SIZE     record size in bytes, 1..%d\n"
		"  -t SECONDS  measured interval (after the warmup)\n"
		"  -r RATE     open loop: RATE records/s in all (default: closed loop)\n"
		"  -w WARMUP_S warmup excluded from the statistics (default 0.5, 0 with -n)\n"
		"  -n COUNT    write exactly COUNT records in all, then stop\n",
		MAX_CLIENTS, MAX_RECORD);
}

/* A one-line error about the command line, exit status 2. */
static _Noreturn void die_usage(const char *fmt, const char *arg)
{
	fprintf(stderr, "vsr-load: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n");
	exit(2);
}

static uint64_t parse_uint(const char *s, const char *what, uint64_t min, uint64_t max)
{
	unsigned long long v;
	char *end;

	errno = 0;
	if (!*s || *s == '-' || *s == '+')
		die_usage(what, s);
	v = strtoull(s, &end, 10);
	if (errno || *end || v < min || v > max)
		die_usage(what, s);
	return v;
}

static double parse_double(const char *s, const char *what, double min, double max)
{
	double v;
	char *end;

	errno = 0;
	if (!*s)
		die_usage(what, s);
	v = strtod(s, &end);
	if (errno || *end || !isfinite(v) || v < min || v > max)
		die_usage(what, s);
	return v;
}

static void parse_args(int argc, char **argv)
{
	bool have_c = false, have_s = false;
	int c;

	opterr = 0;
	while ((c = getopt(argc, argv, ":d:c:s:t:r:w:n:h")) != -1) {
		switch (c) {
		case 'd':
			opt.device = optarg;
			break;
		case 'c':
			opt.clients = parse_uint(optarg,
						 "-c: bad client count '%s' (1..1024)",
						 1, MAX_CLIENTS);
			have_c = true;
			break;
		case 's':
			opt.size = parse_uint(optarg,
					      "-s: bad record size '%s' (1..61440 bytes)",
					      1, MAX_RECORD);
			have_s = true;
			break;
		case 't':
			opt.seconds = parse_double(optarg,
						   "-t: bad duration '%s' (seconds, > 0)",
						   1e-3, 1e7);
			break;
		case 'r':
			opt.rate = parse_double(optarg,
						"-r: bad rate '%s' (records/s, > 0)",
						1e-3, 1e9);
			break;
		case 'w':
			opt.warmup = parse_double(optarg,
						  "-w: bad warmup '%s' (seconds, >= 0)",
						  0, 1e6);
			break;
		case 'n':
			opt.count = parse_uint(optarg,
					       "-n: bad record count '%s' (>= 1)",
					       1, UINT64_MAX / 2);
			break;
		case 'h':
			print_help();
			exit(0);
		case ':':
			fprintf(stderr, "vsr-load: option -%c needs an argument\n", optopt);
			exit(2);
		default:
			fprintf(stderr, "vsr-load: unknown option -%c (-h for help)\n", optopt);
			exit(2);
		}
	}
	if (optind < argc)
		die_usage("unexpected argument '%s'", argv[optind]);
	if (!opt.device)
		die_usage("%smissing -d DEVICE", "");
	if (!have_c)
		die_usage("%smissing -c CLIENTS", "");
	if (!have_s)
		die_usage("%smissing -s SIZE", "");
	if (!opt.seconds && !opt.count)
		die_usage("%smissing -t SECONDS (or -n COUNT)", "");
	if (opt.warmup < 0)
		opt.warmup = opt.count ? 0 : 0.5;
}

/* The busy and total jiffies of the aggregate "cpu" line of /proc/stat. */
static int read_cpu(uint64_t *busy)
{
	unsigned long long v[8] = { 0 };
	FILE *f = fopen("/proc/stat", "r");
	int n;

	if (!f)
		return -1;
	n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu",
		   &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]);
	fclose(f);
	if (n < 7)
		return -1;
	/* user nice system idle iowait irq softirq steal */
	*busy = v[0] + v[1] + v[2] + v[5] + v[6] + v[7];
	return 0;
}

static bool fatal_errno(int e)
{
	switch (e) {
	case ENODEV:
	case ENXIO:
	case EBADF:
	case EFAULT:
	case EINVAL:
	case EMSGSIZE:
	case EPERM:
	case EACCES:
	case EROFS:
		return true;
	default:
		return false;
	}
}

static void set_stop_fatal(void)
{
	uint_fast64_t zero = 0;

	atomic_compare_exchange_strong(&t_fatal, &zero, now_ns());
	atomic_store(&fatal, true);
	atomic_store(&stop, true);
}

/* Counts a record completed at @t1 with latency @lat, if it is still
 * wanted (not after the final merge).
 */
static void account(struct client *cl, uint64_t t1, uint64_t lat)
{
	pthread_mutex_lock(&cl->lock);
	if (!cl->frozen) {
		hist_record(&cl->hist, lat);
		cl->last_done = t1;
	}
	pthread_mutex_unlock(&cl->lock);
}

/* One write; true if the record was appended. */
static bool do_write(struct client *cl, char *buf, uint64_t seq)
{
	char head[64];
	ssize_t r;
	int n;

	n = snprintf(head, sizeof(head), "%08" PRIx32 "-%d-%" PRIu64,
		     opt.run, cl->id, seq);
	memcpy(buf, head, (unsigned int)n < opt.size ? (unsigned int)n : opt.size);
	r = write(cl->fd, buf, opt.size);
	if (r == (ssize_t)opt.size)
		return true;
	if (r >= 0) {
		cl->errs[ERR_SHORT]++;
		return false;
	}
	cl->errs[errno < N_ERRNO ? errno : N_ERRNO - 1]++;
	if (fatal_errno(errno)) {
		set_stop_fatal();
		return false;
	}
	usleep(1000);	/* do not spin on an error that returns at once */
	return false;
}

static void *closed_loop(struct client *cl, char *buf)
{
	uint64_t seq, t0, t1;

	for (seq = 0; !atomic_load(&stop); seq++) {
		if (opt.count && atomic_fetch_add(&next_ticket, 1) >= opt.count)
			break;
		t0 = now_ns();
		if (t0 >= t_mend)
			break;
		if (!do_write(cl, buf, seq)) {
			if (atomic_load(&stop))
				break;
			continue;
		}
		t1 = now_ns();
		if (t0 >= t_mstart && t1 <= t_mend)
			account(cl, t1, t1 - t0);
	}
	return NULL;
}

static void *open_loop(struct client *cl, char *buf)
{
	uint64_t seq, i, sched, t1;
	double ns_per = (double)NSEC / opt.rate;

	for (seq = 0; !atomic_load(&stop); seq++) {
		i = atomic_fetch_add(&next_ticket, 1);
		if (opt.count && i >= opt.count)
			break;
		sched = t_start + (uint64_t)((double)i * ns_per);
		if (sched >= t_mend)
			break;
		if (now_ns() >= t_drain)
			break;
		if (now_ns() < sched)
			sleep_until(sched);
		atomic_fetch_add(&served, 1);
		if (!do_write(cl, buf, seq)) {
			if (atomic_load(&stop))
				break;
			continue;
		}
		t1 = now_ns();
		if (sched >= t_mstart)
			account(cl, t1, t1 - sched);
	}
	return NULL;
}

static void *client_main(void *arg)
{
	struct client *cl = arg;
	char *buf = malloc(opt.size);

	if (!buf) {
		fprintf(stderr, "vsr-load: out of memory\n");
		set_stop_fatal();
	} else {
		memset(buf, '.', opt.size);
		/* Wake up on time for scheduled arrivals (default slack 50 us). */
		prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
		sleep_until(t_start);
		if (opt.rate)
			open_loop(cl, buf);
		else
			closed_loop(cl, buf);
		free(buf);
	}
	atomic_store(&cl->done, true);
	return NULL;
}

static void json_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char ch = *s;

		if (ch == '"' || ch == '\\')
			printf("\\%c", ch);
		else if (ch < 0x20)
			printf("\\u%04x", ch);
		else
			putchar(ch);
	}
	putchar('"');
}

static const char *errno_name(int e)
{
	static char buf[16];
	const char *name;

	if (e == ERR_SHORT)
		return "SHORT_WRITE";
	name = strerrorname_np(e);
	if (name)
		return name;
	snprintf(buf, sizeof(buf), "E%d", e);
	return buf;
}

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const double cdf_points[] = {
	1, 5, 10, 20, 30, 40, 50, 60, 70, 80, 90, 95, 99, 99.5, 99.9, 99.99, 100,
};

static void report(const struct hist *h, const uint64_t *errs, double secs,
		   double cpu_s, uint64_t backlog)
{
	uint64_t n = hist_count(h);
	bool first = true;
	int e;

	printf("{\"system\":\"vsr\",\"device\":");
	json_string(opt.device);
	printf(",\"clients\":%u,\"size\":%u,\"mode\":\"%s\",\"rate_target\":",
	       opt.clients, opt.size, opt.rate ? "open" : "closed");
	if (opt.rate)
		printf("%.6g", opt.rate);
	else
		printf("null");
	printf(",\"records\":%" PRIu64 ",\"seconds\":%.6f", n, secs);
	printf(",\"records_per_s\":%.1f,\"mb_per_s\":%.3f",
	       secs > 0 ? n / secs : 0, secs > 0 ? n * (double)opt.size / secs / 1e6 : 0);
	printf(",\"lat_us\":{\"p50\":%.1f,\"p99\":%.1f,\"p999\":%.1f,\"max\":%.1f}",
	       hist_percentile(h, 50) / 1e3, hist_percentile(h, 99) / 1e3,
	       hist_percentile(h, 99.9) / 1e3, hist_max(h) / 1e3);
	/* Enough points for a latency CDF plot. */
	printf(",\"cdf_us\":[");
	for (e = 0; e < (int)ARRAY_SIZE(cdf_points); e++)
		printf("%s[%g,%.1f]", e ? "," : "", cdf_points[e],
		       hist_percentile(h, cdf_points[e]) / 1e3);
	printf("]");
	printf(",\"errors\":{");
	for (e = 0; e < N_ERRNO; e++) {
		if (!errs[e])
			continue;
		printf("%s\"%s\":%" PRIu64, first ? "" : ",", errno_name(e), errs[e]);
		first = false;
	}
	printf("},\"cpu_s_per_record\":");
	if (n && cpu_s >= 0)
		printf("%.6g", cpu_s / n);
	else
		printf("null");
	if (opt.rate)
		printf(",\"backlog\":%" PRIu64, backlog);
	printf("}\n");
	fflush(stdout);
}

int main(int argc, char **argv)
{
	uint64_t busy0 = 0, busy1 = 0, errs[N_ERRNO] = { 0 };
	uint64_t last = 0, end, backlog = 0, due;
	struct client *cls;
	bool cpu_ok, stuck = false;
	struct hist *h;
	double secs, cpu_s;
	unsigned int i;
	long tck;
	int e, fd;

	parse_args(argc, argv);
	tck = sysconf(_SC_CLK_TCK);
	opt.run = (uint32_t)getpid() ^ (uint32_t)(now_ns() / 1000);

	fd = open(opt.device, O_WRONLY);
	if (fd < 0) {
		fprintf(stderr, "vsr-load: %s: %s\n", opt.device, strerror(errno));
		return 1;
	}
	close(fd);

	cls = calloc(opt.clients, sizeof(*cls));
	h = malloc(sizeof(*h));
	if (!cls || !h) {
		fprintf(stderr, "vsr-load: out of memory\n");
		return 1;
	}
	/* One open file (one vsr session) per client, opened up front so
	 * that a failure is reported before any load.
	 */
	for (i = 0; i < opt.clients; i++) {
		cls[i].id = i;
		cls[i].fd = open(opt.device, O_WRONLY | O_CLOEXEC);
		if (cls[i].fd < 0) {
			fprintf(stderr, "vsr-load: %s: open for client %u: %s\n",
				opt.device, i, strerror(errno));
			return 1;
		}
		pthread_mutex_init(&cls[i].lock, NULL);
		hist_init(&cls[i].hist);
	}

	t_start = now_ns() + START_DELAY;
	t_mstart = t_start + (uint64_t)(opt.warmup * NSEC);
	t_mend = opt.seconds ? t_mstart + (uint64_t)(opt.seconds * NSEC) : UINT64_MAX;
	t_drain = t_mend;
	if (opt.rate && opt.seconds)
		t_drain = t_mend + (uint64_t)(fmin(opt.seconds, 5.0) * NSEC);

	for (i = 0; i < opt.clients; i++) {
		e = pthread_create(&cls[i].thread, NULL, client_main, &cls[i]);
		if (e) {
			fprintf(stderr, "vsr-load: cannot start client %u: %s\n", i, strerror(e));
			atomic_store(&stop, true);
			break;
		}
		cls[i].started = true;
	}

	sleep_until(t_mstart);
	cpu_ok = read_cpu(&busy0) == 0;
	if (!opt.rate && opt.seconds) {
		/* Closed loop: the interval ends at t_mend for everyone. */
		sleep_until(t_mend);
		cpu_ok = cpu_ok && read_cpu(&busy1) == 0;
	}

	/* Wait for the clients; one stuck in write() past the grace period
	 * (no quorum: it returns only at the client timeout) is left behind.
	 */
	for (i = 0; i < opt.clients; i++) {
		if (!cls[i].started)
			continue;
		while (!atomic_load(&cls[i].done)) {
			if (t_drain != UINT64_MAX && now_ns() > t_drain + JOIN_GRACE)
				break;
			usleep(1000);
		}
		if (atomic_load(&cls[i].done))
			pthread_join(cls[i].thread, NULL);
		else
			stuck = true;
	}
	end = now_ns();
	if (opt.rate || !opt.seconds)
		cpu_ok = cpu_ok && read_cpu(&busy1) == 0;

	hist_init(h);
	for (i = 0; i < opt.clients; i++) {
		pthread_mutex_lock(&cls[i].lock);
		cls[i].frozen = true;
		hist_merge(h, &cls[i].hist);
		if (cls[i].last_done > last)
			last = cls[i].last_done;
		for (e = 0; e < N_ERRNO; e++)
			errs[e] += cls[i].errs[e];
		pthread_mutex_unlock(&cls[i].lock);
	}

	/* The measured interval: [t_mstart, t_mend] in a closed loop; until
	 * the last counted completion when that is later (open loop drain)
	 * or there is no t_mend (-n); cut short by a fatal error.
	 */
	if (opt.seconds && !opt.rate)
		secs = (double)(t_mend - t_mstart) / NSEC;
	else if (opt.seconds)
		secs = fmax(opt.seconds, last > t_mstart ? (double)(last - t_mstart) / NSEC : 0);
	else
		secs = last > t_mstart ? (double)(last - t_mstart) / NSEC : 0;
	if (atomic_load(&fatal)) {
		uint64_t tf = atomic_load(&t_fatal);

		if (tf > t_mstart && (double)(tf - t_mstart) / NSEC < secs)
			secs = (double)(tf - t_mstart) / NSEC;
		else if (tf <= t_mstart)
			secs = 0;
	}
	if (opt.rate) {
		/* Arrivals due before the end that no client served. */
		due = (uint64_t)ceil((double)((end < t_mend ? end : t_mend) - t_start) /
				     NSEC * opt.rate);
		if (opt.count && due > opt.count)
			due = opt.count;
		if (due > atomic_load(&served))
			backlog = due - atomic_load(&served);
	}
	cpu_s = cpu_ok && tck > 0 ? (double)(busy1 - busy0) / tck : -1;
	report(h, errs, secs, cpu_s, backlog);

	if (stuck)
		fprintf(stderr, "vsr-load: some clients still blocked in write(), not waiting for them\n");
	if (atomic_load(&fatal)) {
		for (e = 1; e < N_ERRNO; e++)
			if (errs[e] && fatal_errno(e))
				fprintf(stderr, "vsr-load: %s: write: %s, stopped\n",
					opt.device, strerror(e));
		return 1;
	}
	return 0;
}
