// SPDX-License-Identifier: MIT
/*
 * Unit tests: sentry/cgroup.c, the CPU time a sandbox's group reports in
 * both hierarchies' formats (v1 cpuacct.usage: nanoseconds; v2 cpu.stat:
 * usage_usec among other keys), from files written here.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sentry/cgroup.h"

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_cpu_ns(void **state)
{
	char dir[] = "/tmp/moat-test-cgroup.XXXXXX";
	struct cgroups cg = { 0 };

	(void)state;
	assert_non_null(mkdtemp(dir));
	/* no group that counts: no budget is judged */
	assert_true(cgroup_cpu_ns(&cg) == UINT64_MAX);

	snprintf(cg.cpu_file, sizeof(cg.cpu_file), "%s/cpuacct.usage", dir);
	write_file(cg.cpu_file, "1500000000\n");
	assert_true(cgroup_cpu_ns(&cg) == 1500000000ull);

	snprintf(cg.cpu_file, sizeof(cg.cpu_file), "%s/cpu.stat", dir);
	cg.cpu_v2 = true;
	write_file(cg.cpu_file, "usage_usec 2500000\nuser_usec 2000000\nsystem_usec 500000\n");
	assert_true(cgroup_cpu_ns(&cg) == 2500000000ull);
	/* the key at a line's start only, wherever the line is */
	write_file(cg.cpu_file, "nr_periods 0\nxusage_usec 9\nusage_usec 7\n");
	assert_true(cgroup_cpu_ns(&cg) == 7000ull);

	unlink(cg.cpu_file);
	snprintf(cg.cpu_file, sizeof(cg.cpu_file), "%s/cpuacct.usage", dir);
	unlink(cg.cpu_file);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cpu_ns),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
