// SPDX-License-Identifier: GPL-2.0
/*
 * vsr-unit: run the vsr KUnit suites natively: those of
 * vsr_mod/tests/vsr_kunit.c (included here), of vsr_mod/tests/auth_test.c
 * and of blake2s_test.c (linked in), in link order.
 *   vsr-unit [suite-name-substring [case-name-substring]]
 */
#include "../../vsr_mod/tests/vsr_kunit.c"

/* The suites' section (see kunit_test_suites() in shim/kunit/test.h). */
extern struct kunit_suite *__start_vsr_kunit_suites[];
extern struct kunit_suite *__stop_vsr_kunit_suites[];

/* A case, which a failed assertion ends early. */
static void unit_run_case(struct kunit_case *c, struct kunit *t)
{
	if (!setjmp(t->abort))
		c->run_case(t);
	kunit_release(t);
}

int main(int argc, char **argv)
{
	int failed = 0, total = 0;

	for (struct kunit_suite **sp = __start_vsr_kunit_suites;
	     sp < __stop_vsr_kunit_suites; sp++) {
		struct kunit_suite *s = *sp;

		if (argc > 1 && !strstr(s->name, argv[1]))
			continue;
		printf("# suite %s\n", s->name);
		if (s->suite_init && s->suite_init(s))
			return 1;
		for (struct kunit_case *c = s->test_cases; c->run_case; c++) {
			const void *param = NULL;
			char desc[KUNIT_PARAM_DESC_SIZE];

			if (argc > 2 && !strstr(c->name, argv[2]))
				continue;
			do {
				struct kunit t = { .name = c->name };

				if (c->generate_params) {
					desc[0] = 0;
					param = c->generate_params(param, desc);
					if (!param)
						break;
					t.param_value = param;
				}
				if (s->init)
					s->init(&t);
				unit_run_case(c, &t);
				if (s->exit)
					s->exit(&t);
				total++;
				failed += t.failed;
				printf("%s %d - %s %s\n",
				       t.failed ? "not ok" : "ok", total,
				       c->name, c->generate_params ? desc : "");
			} while (c->generate_params);
		}
		if (s->suite_exit)
			s->suite_exit(s);
	}
	printf("# %d tests, %d failed\n", total, failed);
	return failed ? 1 : 0;
}
