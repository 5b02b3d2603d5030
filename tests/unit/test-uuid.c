/* Unit tests of UUIDs (common/uuid.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "err.h"
#include "uuid.h"

static void
test_new(void **state)
{
	char a[UUID_LEN + 1], b[UUID_LEN + 1];
	int i;

	for (i = 0; i < 1000; i++) {
		assert_int_equal(uuid_new(a), CAIRN_OK);
		assert_int_equal(strlen(a), UUID_LEN);
		assert_true(uuid_valid(a));
		assert_int_equal(a[14], '4');
		assert_non_null(strchr("89ab", a[19]));
		assert_true(uuid_prefix_valid(a));
	}
	assert_int_equal(uuid_new(b), CAIRN_OK);
	assert_string_not_equal(a, b);
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
