/* Unit tests of the bounded buffers of common/buf.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "err.h"

static void
test_append_consume(void **state)
{
	struct buf b;

	buf_init(&b, 16);
	assert_null(b.data);
	assert_int_equal(buf_append(&b, "abcdef", 6), CAIRN_OK);
	assert_int_equal(buf_append(&b, "ghij", 4), CAIRN_OK);
	assert_int_equal(b.len, 10);
	assert_memory_equal(b.data, "abcdefghij", 10);
	buf_consume(&b, 3);
	assert_int_equal(b.len, 7);
	assert_memory_equal(b.data, "defghij", 7);
	buf_consume(&b, 100);
	assert_int_equal(b.len, 0);
	assert_int_equal(buf_append(&b, "", 0), CAIRN_OK);
	buf_reset(&b);
	assert_int_equal(b.len, 0);
	buf_release(&b);
	assert_null(b.data);
	buf_release(&b);
}

static void
test_ceiling(void **state)
{
	struct buf b;
	char big[17];

	memset(big, 'z', sizeof(big));
	buf_init(&b, 16);
	assert_int_equal(buf_append(&b, big, 17), CAIRN_ETOOBIG);
	assert_int_equal(b.len, 0);
	assert_int_equal(buf_append(&b, big, 16), CAIRN_OK);
	assert_true(b.cap <= 16);
	assert_int_equal(buf_append(&b, big, 1), CAIRN_ETOOBIG);
	assert_int_equal(buf_reserve(&b, 0), CAIRN_OK);
	assert_int_equal(buf_reserve(&b, SIZE_MAX), CAIRN_ETOOBIG);
	assert_int_equal(b.len, 16);
	buf_consume(&b, 8);
	assert_int_equal(buf_append(&b, big, 8), CAIRN_OK);
	assert_int_equal(b.len, 16);
	buf_release(&b);
}

static void
test_growth(void **state)
{
	struct buf b;
	size_t i;
	uint8_t v;

	buf_init(&b, 1 << 20);
	for (i = 0; i < 100000; i++) {
		v = (uint8_t)i;
		assert_int_equal(buf_append(&b, &v, 1), CAIRN_OK);
	}
	assert_int_equal(b.len, 100000);
	assert_true(b.cap >= b.len && b.cap <= b.max);
	for (i = 0; i < 100000; i++)
		assert_int_equal(b.data[i], (uint8_t)i);
	buf_release(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_append_consume),
	        cmocka_unit_test(test_ceiling),
	        cmocka_unit_test(test_growth),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
