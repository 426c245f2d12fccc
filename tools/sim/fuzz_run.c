// SPDX-License-Identifier: GPL-2.0
/*
 * fuzz_run.c - a main() for the libFuzzer harnesses without libFuzzer, so
 * that gcc builds them and `make check` runs them for a fixed budget:
 *
 *   fuzz-X-run N [SEED]	N pseudo-random inputs from SEED (default 1)
 *   fuzz-X-run FILE...		the inputs in these files (a crash found
 *				by libFuzzer, a corpus)
 *
 * The inputs are the same for the same N and SEED.  At the end, the
 * harness's fuzz_report() says what its inputs reached.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fuzz.h"


#define FUZZ_RUN_MAX	70000

static uint64_t fuzz_rng;

/* splitmix64 */
static uint64_t fuzz_next(void)
{
	uint64_t z = (fuzz_rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/*
 * Mostly short inputs: a few hundred bytes already build a PREPARE near
 * the largest datagram.  One in 1000 up to past the largest datagram.
 */
static size_t fuzz_len(void)
{
	uint64_t r = fuzz_next();

	switch (r % 1000) {
	case 0:
		return (r >> 16) % FUZZ_RUN_MAX;
	case 1 ... 30:
		return 256 + (r >> 16) % 1792;
	default:
		return (r >> 16) % 256;
	}
}

static int fuzz_file(const char *path, uint8_t *buf)
{
	FILE *f = fopen(path, "rb");
	size_t n;

	if (!f) {
		perror(path);
		return 1;
	}
	n = fread(buf, 1, FUZZ_RUN_MAX, f);
	fclose(f);
	printf("%s: %zu bytes\n", path, n);
	LLVMFuzzerTestOneInput(buf, n);
	return 0;
}

int main(int argc, char **argv)
{
	static uint8_t buf[FUZZ_RUN_MAX];
	unsigned long long n, i;
	struct timespec t0, t1;
	char *end;
	size_t len, k;
	uint64_t r = 0;

	/* What was run so far shows even if the harness aborts. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2) {
		fprintf(stderr, "usage: %s N [SEED] | %s FILE...\n",
			argv[0], argv[0]);
		return 2;
	}
	n = strtoull(argv[1], &end, 0);
	if (*end) {
		for (i = 1; i < (unsigned long long)argc; i++)
			if (fuzz_file(argv[i], buf))
				return 1;
		goto out;
	}
	fuzz_rng = argc > 2 ? strtoull(argv[2], NULL, 0) : 1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < n; i++) {
		len = fuzz_len();
		for (k = 0; k < len; k++) {
			if (!(k % 8))
				r = fuzz_next();
			buf[k] = r >> (8 * (k % 8));
		}
		LLVMFuzzerTestOneInput(buf, len);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("%s: %llu inputs in %.2f s\n", argv[0], n,
	       (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
out:
	fuzz_report();
	return 0;
}
