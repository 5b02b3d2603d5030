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

/* Version 7: valid, and each later one sorts after the one before. */
static void
test_new(void **state)
{
	char a[UUID_LEN + 1], b[UUID_LEN + 1], hex[13];
	unsigned long long ms;
	time_t now = time(NULL);
	int i;

	assert_int_equal(uuid_new(a), CAIRN_OK);
	for (i = 0; i < 10000; i++) {
		assert_int_equal(uuid_new(b), CAIRN_OK);
		assert_int_equal(strlen(b), UUID_LEN);
		assert_true(uuid_valid(b));
		assert_int_equal(b[14], '7');
		assert_non_null(strchr("89ab", b[19]));
		assert_true(uuid_prefix_valid(b));
		assert_true(strcmp(a, b) < 0);
		memcpy(a, b, sizeof(a));
	}
	/* Its first 48 bits are the time in milliseconds. */
	memcpy(hex, b, 8);
	memcpy(hex + 8, b + 9, 4);
	hex[12] = '\0';
	ms = strtoull(hex, NULL, 16);
	assert_true(ms / 1000 >= (unsigned long long)now - 5);
	assert_true(ms / 1000 <= (unsigned long long)now + 60);
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
