// SPDX-License-Identifier: MIT
/* Unit tests: sentry/ids.c, the guest's ids in the owners the sentry reports. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>

#include "sentry/ids.h"

static void test_parse(void **state)
{
	static const struct { const char *text; int r; unsigned n; } rows[] = {
		{ "         0          0          1\n", 0, 1 },
		{ "0 0 4294967295\n", 0, 1 },
		{ "1234 0 1\n0 100000 1000\n", 0, 2 },
		{ "1234\t1000\t1", 0, 1 },	/* no final newline */
		{ "", -EINVAL, 0 },
		{ "\n", -EINVAL, 0 },
		{ "0 0\n", -EINVAL, 0 },
		{ "0 0 1 7\n", -EINVAL, 0 },
		{ "0 0 0\n", -EINVAL, 0 },	/* an empty range */
		{ "-1 0 1\n", -EINVAL, 0 },
		{ "0 4294967296 1\n", -EINVAL, 0 },
		{ "4294967295 0 2\n", -EINVAL, 0 },	/* runs past the last id */
		{ "0 x 1\n", -EINVAL, 0 },
		{ "1 1 1\n2 2 1\n3 3 1\n4 4 1\n5 5 1\n6 6 1\n7 7 1\n8 8 1\n9 9 1\n", -EINVAL, 0 },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct id_map m;

		assert_int_equal(ids_parse(rows[i].text, 65534, &m), rows[i].r);
		if (rows[i].r == 0)
			assert_int_equal(m.n, rows[i].n);
	}
}

static void test_map(void **state)
{
	/* a guest of uid 1234 run by user 1000, and a range of subordinate ids */
	static const struct { uint32_t host, guest; } rows[] = {
		{ 1000, 1234 }, { 0, 65534 }, { 999, 65534 }, { 1001, 65534 },
		{ 100000, 0 }, { 100999, 999 }, { 101000, 65534 }, { UINT32_MAX, 65534 },
	};
	struct id_map m, none = { 0 };

	(void)state;
	assert_int_equal(ids_parse("1234 1000 1\n0 100000 1000\n", 65534, &m), 0);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		assert_int_equal(ids_guest(&m, rows[i].host), rows[i].guest);
		if (rows[i].guest != 65534)
			assert_int_equal(ids_host(&m, rows[i].guest), rows[i].host);
	}
	assert_int_equal(ids_host(&m, 1235), UINT32_MAX);	/* not mapped */
	assert_int_equal(ids_host(&m, 1000), UINT32_MAX);
	assert_false(ids_identity(&m));
	assert_true(ids_identity(&none));
	assert_int_equal(ids_parse("0 0 1\n", 65534, &m), 0);
	assert_true(ids_identity(&m));
	/* a map never read: ids shown as they are */
	assert_int_equal(ids_guest(&none, 42), 42);
	assert_int_equal(ids_host(&none, 42), 42);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_map),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
