// SPDX-License-Identifier: MIT
/* Unit tests: tools/lib/parse.c, table-driven. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>

#include "parse.h"

static void test_sizes(void **state)
{
	static const struct { const char *in; int r; uint64_t out; } rows[] = {
		{ "0", 0, 0 }, { "512", 0, 512 }, { "1k", 0, 1024 }, { "1K", 0, 1024 },
		{ "64KiB", 0, 65536 }, { "16M", 0, 16ull << 20 }, { "2g", 0, 2ull << 30 },
		{ "1T", 0, 1ull << 40 }, { "3gb", 0, 3ull << 30 }, { "7b", 0, 7 },
		{ "", -EINVAL, 0 }, { "k", -EINVAL, 0 }, { "12q", -EINVAL, 0 },
		{ "1.5G", -EINVAL, 0 }, { "-1", -EINVAL, 0 }, { " 1", -EINVAL, 0 },
		{ "1 ", -EINVAL, 0 }, { "99999999999999999999", -ERANGE, 0 },
		{ "17179869184G", -ERANGE, 0 }, { "1Gx", -EINVAL, 0 },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		uint64_t v = 12345;
		int r = parse_size(rows[i].in, &v);

		assert_int_equal(r, rows[i].r);
		if (r == 0)
			assert_int_equal(v, rows[i].out);
		else
			assert_int_equal(v, 12345);	/* untouched on error */
	}
	assert_int_equal(parse_size(NULL, NULL), -EINVAL);
}

static void test_u64(void **state)
{
	uint64_t v;

	(void)state;
	assert_int_equal(parse_u64("18446744073709551615", &v), 0);
	assert_int_equal(v, UINT64_MAX);
	assert_int_equal(parse_u64("18446744073709551616", &v), -ERANGE);
	assert_int_equal(parse_u64("12a", &v), -EINVAL);
	assert_int_equal(parse_u64("", &v), -EINVAL);
	assert_int_equal(parse_u64("+1", &v), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_u64),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
