// SPDX-License-Identifier: GPL-2.0
/*
 * vsr-sim: run the vsr cluster simulator natively.
 *
 *   vsr-sim [--seeds N] [--start S] [--jobs J] [--stop] [--ticks T]
 *           [--replicas N] [--no-swarm] [--big|--small] [--kernel-warn]
 *           [--disk D] [--rounds R]
 *   vsr-sim --seed S [--trace]
 *
 * Swarm testing is on by default (each seed enables a random subset of the
 * fault kinds); the number of replicas is random (1..7, some larger) unless
 * --replicas is given.  --jobs runs the seeds in that many processes.
 * --stop ends the run at the first failing seed (all jobs stop once they
 * are past it).  The summary line is
 * "vsr_sim: seeds=... violations=..."; every violation is printed with its
 * seed, and a seed that crashes the process is reported as CRASH.
 * --kernel-warn: a WARN in the core is not itself a violation (as in the
 * kernel, where KUnit sees only what the checker sees).
 * --disk D: every seed's replicas are durable, on disks whose writes take
 * up to D ticks (otherwise half of the seeds, with their own).
 * --rounds R: every seed delivers datagrams in R rounds per tick, a flush
 * after each (otherwise half of the seeds, 2 to 8; 1 is one per tick).
 */
#include <signal.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include "../../vsr_mod/tests/sim.h"

static volatile u64 cur_seed;
/* --stop: set by the first job that fails, shared by all jobs. */
static volatile u64 *stop_at;

static void on_signal(int sig)
{
	char msg[96];
	int len;

	len = snprintf(msg, sizeof(msg),
		       "vsr_sim: CRASH seed=%llu signal=%d\n",
		       (unsigned long long)cur_seed, sig);
	if (write(2, msg, len) < 0)
		_exit(3);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void add(struct vsr_sim_result *t, const struct vsr_sim_result *r)
{
	t->seeds += r->seeds;
	t->ops += r->ops;
	t->records += r->records;
	t->acked += r->acked;
	t->view_changes += r->view_changes;
	t->recoveries += r->recoveries;
	t->violations += r->violations;
	t->ticks += r->ticks;
	t->messages += r->messages;
	t->checkpoints += r->checkpoints;
	t->evictions += r->evictions;
	t->barriers += r->barriers;
	t->chunks += r->chunks;
	t->chunks_ckpt += r->chunks_ckpt;
	t->replays += r->replays;
	t->alloc_fails += r->alloc_fails;
	t->episodes += r->episodes;
	t->reconfigs += r->reconfigs;
	t->shrinks += r->shrinks;
	t->forwarded += r->forwarded;
	t->grows += r->grows;
	t->joins += r->joins;
	t->learned += r->learned;
	t->wedged += r->wedged;
	t->restores += r->restores;
	t->restores_epoch += r->restores_epoch;
	t->power_early += r->power_early;
	t->power_losses += r->power_losses;
	t->lowered += r->lowered;
	t->restores_refused += r->restores_refused;
	t->raised += r->raised;
	t->torn += r->torn;
	t->damaged += r->damaged;
	t->stale += r->stale;
	t->copy_faults += r->copy_faults;
	t->mended += r->mended;
	t->wiped += r->wiped;
	t->flush_failed += r->flush_failed;
	t->quiet += r->quiet;
	t->quiet_ok += r->quiet_ok;
	t->subtick += r->subtick;
	t->held += r->held;
	if (r->epochs > t->epochs)
		t->epochs = r->epochs;
	if (r->live_max > t->live_max)
		t->live_max = r->live_max;
}

/* Seeds start + job, start + job + jobs, ... below start + seeds. */
static void run(struct vsr_sim_params *p, u64 start, u64 seeds, u32 job,
		u32 jobs, bool stop, struct vsr_sim_result *res)
{
	for (u64 s = start + job; s < start + seeds; s += jobs) {
		if (stop && *stop_at && *stop_at < s)
			break;
		p->seed = s;
		cur_seed = s;
		if (vsr_sim_run_seed(p, res) && stop) {
			printf("vsr_sim: first failure at seed %llu (%llu seeds from the start)\n",
			       (unsigned long long)s,
			       (unsigned long long)(s - start + 1));
			if (!*stop_at || s < *stop_at)
				*stop_at = s;
			break;
		}
	}
}

static int usage(void)
{
	fprintf(stderr,
		"usage: vsr-sim [--seeds N] [--start S] [--seed S] [--jobs J] [--stop] [--trace]\n"
		"               [--ticks T] [--replicas N] [--no-swarm] [--big|--small]\n"
		"               [--kernel-warn] [--disk D] [--rounds R]\n");
	return 2;
}

int main(int argc, char **argv)
{
	struct vsr_sim_params p = {
		.fault_ticks = 300, .live_ticks = 3000, .swarm = true,
	};
	struct vsr_sim_result res = { 0 };
	u64 seeds = 1000, start = 1, one = 0;
	bool have_one = false, stop = false;
	u32 jobs = 1, crashed = 0;
	struct timespec t0, t1;
	double secs;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--seeds") && i + 1 < argc)
			seeds = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--start") && i + 1 < argc)
			start = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--seed") && i + 1 < argc) {
			one = strtoull(argv[++i], NULL, 0);
			have_one = true;
		} else if (!strcmp(argv[i], "--ticks") && i + 1 < argc)
			p.fault_ticks = strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--replicas") && i + 1 < argc)
			p.replicas = strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--jobs") && i + 1 < argc)
			jobs = strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--disk") && i + 1 < argc)
			p.disk_max = strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--rounds") && i + 1 < argc)
			p.rounds = strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--stop"))
			stop = true;
		else if (!strcmp(argv[i], "--trace"))
			p.trace = true;
		else if (!strcmp(argv[i], "--kernel-warn"))
			p.kernel_warn = true;
		else if (!strcmp(argv[i], "--no-swarm"))
			p.swarm = false;
		else if (!strcmp(argv[i], "--big"))
			p.big_records = true;
		else if (!strcmp(argv[i], "--small"))
			p.small_records = true;
		else
			return usage();
	}
	if (p.replicas > VSR_REPLICAS_MAX || !jobs || jobs > 64)
		return usage();
	if (have_one) {
		start = one;
		seeds = 1;
		jobs = 1;
	}
	stop_at = mmap(NULL, sizeof(*stop_at), PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (stop_at == MAP_FAILED)
		return 1;
	signal(SIGSEGV, on_signal);
	signal(SIGABRT, on_signal);
	signal(SIGBUS, on_signal);
	signal(SIGFPE, on_signal);
	setvbuf(stdout, NULL, _IOLBF, 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (jobs == 1) {
		run(&p, start, seeds, 0, 1, stop, &res);
	} else {
		int fd[64][2];
		pid_t pid[64];

		fflush(NULL);
		for (u32 j = 0; j < jobs; j++) {
			if (pipe(fd[j]))
				return 1;
			pid[j] = fork();
			if (pid[j] < 0)
				return 1;
			if (!pid[j]) {
				struct vsr_sim_result r = { 0 };

				close(fd[j][0]);
				run(&p, start, seeds, j, jobs, stop, &r);
				fflush(NULL);
				if (write(fd[j][1], &r, sizeof(r)) != sizeof(r))
					_exit(1);
				_exit(0);
			}
			close(fd[j][1]);
		}
		for (u32 j = 0; j < jobs; j++) {
			struct vsr_sim_result r;
			int status;

			if (read(fd[j][0], &r, sizeof(r)) == sizeof(r))
				add(&res, &r);
			else
				crashed++;
			close(fd[j][0]);
			waitpid(pid[j], &status, 0);
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("vsr_sim: seeds=%llu ops=%llu view_changes=%llu recoveries=%llu violations=%llu%s\n",
	       (unsigned long long)res.seeds, (unsigned long long)res.ops,
	       (unsigned long long)res.view_changes,
	       (unsigned long long)res.recoveries,
	       (unsigned long long)res.violations + crashed,
	       crashed ? " (crashed jobs)" : "");
	fprintf(stderr, "chunks=%llu chunks_ckpt=%llu replays=%llu alloc_fails=%llu episodes=%llu reconfigs=%llu shrinks=%llu forwarded=%llu grows=%llu joins=%llu learned=%llu epochs_max=%llu wedged=%llu (power early %llu) restores=%llu (in later epochs %llu) refused=%llu power_losses=%llu lowered=%llu raised=%llu torn=%llu damaged=%llu (stale %llu) copy_faults=%llu mended=%llu wiped=%llu flush_failed=%llu quiet=%llu/%llu subtick=%llu held=%llu\n",
		(unsigned long long)res.chunks,
		(unsigned long long)res.chunks_ckpt,
		(unsigned long long)res.replays,
		(unsigned long long)res.alloc_fails,
		(unsigned long long)res.episodes,
		(unsigned long long)res.reconfigs,
		(unsigned long long)res.shrinks,
		(unsigned long long)res.forwarded,
		(unsigned long long)res.grows,
		(unsigned long long)res.joins,
		(unsigned long long)res.learned,
		(unsigned long long)res.epochs,
		(unsigned long long)res.wedged,
		(unsigned long long)res.power_early,
		(unsigned long long)res.restores,
		(unsigned long long)res.restores_epoch,
		(unsigned long long)res.restores_refused,
		(unsigned long long)res.power_losses,
		(unsigned long long)res.lowered,
		(unsigned long long)res.raised,
		(unsigned long long)res.torn,
		(unsigned long long)res.damaged,
		(unsigned long long)res.stale,
		(unsigned long long)res.copy_faults,
		(unsigned long long)res.mended,
		(unsigned long long)res.wiped,
		(unsigned long long)res.flush_failed,
		(unsigned long long)res.quiet_ok, (unsigned long long)res.quiet,
		(unsigned long long)res.subtick, (unsigned long long)res.held);
	fprintf(stderr, "records=%llu acked=%llu barriers=%llu evicted=%llu checkpoints=%llu messages=%llu ticks=%llu live_max=%llu time=%.2fs (%.3f ms/seed)\n",
		(unsigned long long)res.records, (unsigned long long)res.acked,
		(unsigned long long)res.barriers,
		(unsigned long long)res.evictions,
		(unsigned long long)res.checkpoints,
		(unsigned long long)res.messages,
		(unsigned long long)res.ticks,
		(unsigned long long)res.live_max, secs,
		secs * 1000 / (res.seeds ? res.seeds : 1));
	return res.violations || crashed ? 1 : 0;
}
