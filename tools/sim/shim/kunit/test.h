/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A minimal userspace stand-in for <kunit/test.h>: enough to run the vsr
 * KUnit suites natively (tools/sim/unit.c) under ASan/UBSan.
 */
#ifndef _VSR_SHIM_KUNIT_TEST_H
#define _VSR_SHIM_KUNIT_TEST_H

#include <setjmp.h>
#include "vsr_shim.h"

/*
 * @abort: a failed KUNIT_ASSERT_*() ends the case there, even from a helper
 * function, as in the kernel (the runner set it with setjmp()).
 */
struct kunit {
	const char *name;
	int failed;
	const void *param_value;
	jmp_buf abort;
	void *res[32];		/* kunit_kzalloc()'s, freed after the case */
	int nres;
};

static inline void *kunit_kzalloc(struct kunit *test, size_t size, gfp_t gfp)
{
	void *p;

	if (test->nres == (int)ARRAY_SIZE(test->res))
		return NULL;
	p = calloc(1, size);
	if (p)
		test->res[test->nres++] = p;
	return p;
}

static inline void kunit_release(struct kunit *test)
{
	while (test->nres)
		free(test->res[--test->nres]);
}

struct kunit_case {
	void (*run_case)(struct kunit *test);
	const char *name;
	const void *(*generate_params)(const void *prev, char *desc);
};

struct kunit_suite {
	const char *name;
	int (*suite_init)(struct kunit_suite *suite);
	void (*suite_exit)(struct kunit_suite *suite);
	int (*init)(struct kunit *test);
	void (*exit)(struct kunit *test);
	struct kunit_case *test_cases;
};

#define KUNIT_PARAM_DESC_SIZE 128
#define KUNIT_CASE(f) { .run_case = f, .name = #f }
#define KUNIT_CASE_PARAM(f, gen) { .run_case = f, .name = #f, \
				   .generate_params = gen }
#define KUNIT_ARRAY_PARAM(name, array, get_desc)			\
static const void *name##_gen_params(const void *prev, char *desc)	\
{									\
	typeof((array)[0]) *__next = prev ? ((typeof(__next))prev) + 1 : \
					    (array);			\
	if (__next - (array) < (long)ARRAY_SIZE(array)) {		\
		void (*__get_desc)(typeof(__next), char *) = get_desc;	\
		if (__get_desc)						\
			__get_desc(__next, desc);			\
		return __next;						\
	}								\
	return NULL;							\
}

#define kunit_info(test, ...) do { printf("    # "); printf(__VA_ARGS__); } while (0)
#define kunit_err(test, ...) do { printf("    # "); printf(__VA_ARGS__); } while (0)

#define __KU_FAIL(test, fmt, ...) do {					\
	(test)->failed = 1;						\
	fprintf(stderr, "    FAIL %s:%d: " fmt "\n", __FILE__, __LINE__, \
		##__VA_ARGS__);						\
} while (0)

#define KUNIT_FAIL(t, fmt, ...) __KU_FAIL(t, fmt, ##__VA_ARGS__)
#define KUNIT_EXPECT_TRUE(t, c) do { if (!(c)) __KU_FAIL(t, "%s", #c); } while (0)
#define KUNIT_EXPECT_FALSE(t, c) KUNIT_EXPECT_TRUE(t, !(c))
#define __KU_CMP(t, a, op, b) do {					\
	long long __a = (long long)(a), __b = (long long)(b);		\
	if (!(__a op __b))						\
		__KU_FAIL(t, "%s %s %s (%lld vs %lld)", #a, #op, #b,	\
			  __a, __b);					\
} while (0)
#define KUNIT_EXPECT_EQ(t, a, b) __KU_CMP(t, a, ==, b)
#define KUNIT_EXPECT_NE(t, a, b) __KU_CMP(t, a, !=, b)
#define KUNIT_EXPECT_LT(t, a, b) __KU_CMP(t, a, <, b)
#define KUNIT_EXPECT_LE(t, a, b) __KU_CMP(t, a, <=, b)
#define KUNIT_EXPECT_GT(t, a, b) __KU_CMP(t, a, >, b)
#define KUNIT_EXPECT_GE(t, a, b) __KU_CMP(t, a, >=, b)
#define KUNIT_EXPECT_NULL(t, p) KUNIT_EXPECT_TRUE(t, (p) == NULL)
#define KUNIT_EXPECT_NOT_NULL(t, p) KUNIT_EXPECT_TRUE(t, (p) != NULL)
#define __KU_CMP_MSG(t, a, op, b, fmt, ...) do {			\
	long long __a = (long long)(a), __b = (long long)(b);		\
	if (!(__a op __b))						\
		__KU_FAIL(t, "%s %s %s (%lld vs %lld): " fmt, #a, #op,	\
			  #b, __a, __b, ##__VA_ARGS__);			\
} while (0)
#define KUNIT_EXPECT_EQ_MSG(t, a, b, fmt, ...) \
	__KU_CMP_MSG(t, a, ==, b, fmt, ##__VA_ARGS__)
#define KUNIT_EXPECT_NE_MSG(t, a, b, fmt, ...) \
	__KU_CMP_MSG(t, a, !=, b, fmt, ##__VA_ARGS__)
#define KUNIT_EXPECT_GE_MSG(t, a, b, fmt, ...) \
	__KU_CMP_MSG(t, a, >=, b, fmt, ##__VA_ARGS__)
#define KUNIT_EXPECT_TRUE_MSG(t, c, fmt, ...) do {			\
	if (!(c))							\
		__KU_FAIL(t, "%s: " fmt, #c, ##__VA_ARGS__);		\
} while (0)
#define KUNIT_EXPECT_MEMEQ_MSG(t, a, b, n, fmt, ...) do {		\
	if (memcmp(a, b, n))						\
		__KU_FAIL(t, "%s == %s (%zu bytes) differ: " fmt, #a,	\
			  #b, (size_t)(n), ##__VA_ARGS__);		\
} while (0)
#define KUNIT_EXPECT_MEMEQ(t, a, b, n) KUNIT_EXPECT_MEMEQ_MSG(t, a, b, n, "")
#define KUNIT_ASSERT_TRUE(t, c) do {					\
	if (!(c)) {							\
		__KU_FAIL(t, "%s", #c);					\
		longjmp((t)->abort, 1);					\
	}								\
} while (0)
#define KUNIT_ASSERT_FALSE(t, c) KUNIT_ASSERT_TRUE(t, !(c))
#define KUNIT_ASSERT_EQ(t, a, b) KUNIT_ASSERT_TRUE(t, (a) == (b))
#define KUNIT_ASSERT_NE(t, a, b) KUNIT_ASSERT_TRUE(t, (a) != (b))
#define KUNIT_ASSERT_GT(t, a, b) KUNIT_ASSERT_TRUE(t, (a) > (b))
#define KUNIT_ASSERT_GE(t, a, b) KUNIT_ASSERT_TRUE(t, (a) >= (b))
#define KUNIT_ASSERT_LE(t, a, b) KUNIT_ASSERT_TRUE(t, (a) <= (b))
#define KUNIT_ASSERT_NOT_NULL(t, p) KUNIT_ASSERT_TRUE(t, (p) != NULL)

/*
 * Suites register themselves, as in the kernel, in a section: each file's
 * array of suite pointers lands in "vsr_kunit_suites", and the runner
 * walks from __start_vsr_kunit_suites to __stop_vsr_kunit_suites (symbols
 * the linker defines), so any number of files can each declare theirs.
 * (ASan leaves variables in named sections unpadded.)
 */
#define __KU_CAT2(a, b) a##b
#define __KU_CAT(a, b) __KU_CAT2(a, b)
#define kunit_test_suites(...)						\
	static struct kunit_suite *__KU_CAT(__vsr_kunit_suites_, __LINE__)[] \
	__attribute__((__used__, __section__("vsr_kunit_suites"),	\
		       __aligned__(sizeof(void *)))) = { __VA_ARGS__ }
#define kunit_test_suite(s) kunit_test_suites(&s)

#define module_param(name, type, perm)
#define MODULE_PARM_DESC(name, desc)
#define MODULE_IMPORT_NS(ns)
#define MODULE_LICENSE(l)
#define MODULE_DESCRIPTION(d)

#endif /* _VSR_SHIM_KUNIT_TEST_H */
