// SPDX-License-Identifier: GPL-2.0
/*
 * vsr-sim: run the vsr cluster simulator natively.
 *
 *   vsr-sim --seeds N [--start S] [--ticks T] [--big]
 *   vsr-sim --seed S [--trace]
 */
#include <time.h>
#include "../../vsr_mod/tests/sim.h"

int main(int argc, char **argv)
{
	struct vsr_sim_params p = { .fault_ticks = 300, .live_ticks = 3000 };
	struct vsr_sim_result res = { 0 };
	u64 seeds = 1000, start = 1, one = 0;
	bool have_one = false;
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
		else if (!strcmp(argv[i], "--trace"))
			p.trace = true;
		else if (!strcmp(argv[i], "--big"))
			p.big_records = true;
		else if (!strcmp(argv[i], "--small"))
			p.small_records = true;
		else {
			fprintf(stderr,
				"usage: vsr-sim [--seeds N] [--start S] [--seed S] [--trace] [--ticks T] [--replicas N] [--big|--small]\n");
			return 2;
		}
	}
	if (have_one) {
		start = one;
		seeds = 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (u64 s = start; s < start + seeds; s++) {
		p.seed = s;
		vsr_sim_run_seed(&p, &res);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("vsr_sim: seeds=%llu ops=%llu view_changes=%llu recoveries=%llu violations=%llu\n",
	       (unsigned long long)res.seeds, (unsigned long long)res.ops,
	       (unsigned long long)res.view_changes,
	       (unsigned long long)res.recoveries,
	       (unsigned long long)res.violations);
	fprintf(stderr, "records=%llu acked=%llu barriers=%llu evicted=%llu checkpoints=%llu messages=%llu ticks=%llu live_max=%llu time=%.2fs (%.3f ms/seed)\n",
		(unsigned long long)res.records, (unsigned long long)res.acked,
		(unsigned long long)res.barriers,
		(unsigned long long)res.evictions,
		(unsigned long long)res.checkpoints,
		(unsigned long long)res.messages,
		(unsigned long long)res.ticks,
		(unsigned long long)res.live_max, secs,
		secs * 1000 / (res.seeds ? res.seeds : 1));
	return res.violations ? 1 : 0;
}
