/* Unit tests of UUIDs (common/uuid.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "err.h"
#include "uuid.h"

/* The hour byte of the clock now, as uuid_new writes it. */
static int
hour_byte(void)
{
	return (int)(((uint64_t)time(NULL) / 3600) & 0xff);
}

/*
 * New ids: valid, version 8, led by the hour's byte, and random after it
 * (2,000 of them hardly ever share their first 8 digits, which people
 * type; when two do, cairn asks for more).
 */
static void
test_new(void **state)
{
	static char ids[2000][UUID_LEN + 1];
	char lead[3] = {0};
	int i, j, before, same = 0;

	for (i = 0; i < 2000; i++) {
		before = hour_byte();
		assert_int_equal(uuid_new(ids[i]), CAIRN_OK);
		assert_int_equal(strlen(ids[i]), UUID_LEN);
		assert_true(uuid_valid(ids[i]));
		assert_int_equal(ids[i][14], '8');
		assert_non_null(strchr("89ab", ids[i][19]));
		assert_true(uuid_prefix_valid(ids[i]));
		/* The hour may turn between the two reads. */
		memcpy(lead, ids[i], 2);
		if (before == hour_byte())
			assert_int_equal(strtol(lead, NULL, 16), before);
	}
	/*
	 * 24 random bits behind the hour: about 2000^2 / 2 / 2^24 = 0.12
	 * pairs are expected to share 8 digits; 4 or more is a broken
	 * generator (Poisson: less than 1e-5).
	 */
	for (i = 0; i < 2000; i++) {
		for (j = i + 1; j < 2000; j++)
			same += strncmp(ids[i], ids[j], 8) == 0;
	}
	assert_true(same < 4);
}

static void
test_valid(void **state)
{
	assert_true(uuid_valid("3f2a9c1e-5b7d-4e8f-9a0b-1c2d3e4f5a6b"));
	assert_false(uuid_valid("3F2A9C1E-5B7D-4E8F-9A0B-1C2D3E4F5A6B"));
	assert_false(uuid_valid("3f2a9c1e-5b7d-4e8f-9a0b-1c2d3e4f5a6"));
	assert_false(uuid_valid("3f2a9c1e-5b7d-4e8f-9a0b-1c2d3e4f5a6bb"));
	assert_false(uuid_valid("3f2a9c1e5b7d-4e8f-9a0b-1c2d3e4f5a6b-"));
	assert_false(uuid_valid("3f2a9c1e-5b7d-4e8f-9a0b-1c2d3e4f5a6g"));
	assert_false(uuid_valid(""));
	assert_false(uuid_valid(NULL));
}

static void
test_prefix(void **state)
{
	assert_true(uuid_prefix_valid("3f2a9c"));
	assert_true(uuid_prefix_valid("3f2a9c1e-5b"));
	assert_true(uuid_prefix_valid("3"));
	assert_false(uuid_prefix_valid(""));
	assert_false(uuid_prefix_valid(NULL));
	assert_false(uuid_prefix_valid("3F2A"));
	assert_false(uuid_prefix_valid("3f2a9c1e5"));
	assert_false(uuid_prefix_valid("xyz"));
	assert_false(
	        uuid_prefix_valid("3f2a9c1e-5b7d-4e8f-9a0b-1c2d3e4f5a6b0"));
}

static void
test_from_name(void **state)
{
	char a[UUID_LEN + 1], b[UUID_LEN + 1], c[UUID_LEN + 1];

	(void)state;
	uuid_from_name("cairn-review:mona:alice:2026-W48", a);
	uuid_from_name("cairn-review:mona:alice:2026-W48", b);
	uuid_from_name("cairn-review:mona:alice:2026-W49", c);
	assert_true(uuid_valid(a));
	assert_string_equal(a, b);
	assert_string_not_equal(a, c);
	assert_int_equal(a[14], '8');
	assert_non_null(strchr("89ab", a[19]));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_new),
	        cmocka_unit_test(test_from_name),
	        cmocka_unit_test(test_valid),
	        cmocka_unit_test(test_prefix),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
