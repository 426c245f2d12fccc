// SPDX-License-Identifier: GPL-2.0
/*
 * Smoke test: the test module loads next to vsr.ko and KUnit runs in the
 * guest.  Checks the uapi constants userspace relies on.
 */

#include <kunit/test.h>
#include <linux/module.h>
#include <linux/string.h>
#include <uapi/linux/vsr.h>

static void vsr_smoke_uapi_names(struct kunit *test)
{
	KUNIT_EXPECT_STREQ(test, VSR_GENL_NAME, "vsr");
	KUNIT_EXPECT_STREQ(test, VSR_DEV_PREFIX, "vsrlog");
	KUNIT_EXPECT_GE(test, VSR_GENL_VERSION, 1);
}

static struct kunit_case vsr_smoke_cases[] = {
	KUNIT_CASE(vsr_smoke_uapi_names),
	{}
};

static struct kunit_suite vsr_smoke_suite = {
	.name = "vsr_smoke",
	.test_cases = vsr_smoke_cases,
};

kunit_test_suite(vsr_smoke_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit tests for vsr");
