/* Unit tests of the hybrid logical clock and merge rule (common/hlc.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "hlc.h"

#define T0 UINT64_C(1700000000000)
#define DAY_MS UINT64_C(86400000)

static void
test_parts(void **state)
{
	uint64_t h = hlc_make(T0, 5);

	assert_true(hlc_ms(h) == T0);
	assert_int_equal(hlc_counter(h), 5);
	assert_true(hlc_make(T0, 0) > hlc_make(T0 - 1, 0xffff));
	assert_true(hlc_wall_ms() > T0);
}

static void
test_tick(void **state)
{
	uint64_t h, prev;
	int i;

	/* The wall clock ahead wins and resets the counter. */
	h = hlc_tick(0, T0);
	assert_true(h == hlc_make(T0, 0));
	h = hlc_tick(h, T0 + 10);
	assert_true(h == hlc_make(T0 + 10, 0));
	/* Same millisecond: the counter moves. */
	h = hlc_tick(h, T0 + 10);
	assert_true(h == hlc_make(T0 + 10, 1));
	/* The wall clock goes back an hour: still monotonic. */
	prev = h;
	for (i = 0; i < 100; i++) {
		h = hlc_tick(prev, T0 - 3600000);
		assert_true(h > prev);
		prev = h;
	}
	assert_true(hlc_ms(h) == T0 + 10);
	assert_int_equal(hlc_counter(h), 101);
}

static void
test_counter_overflow(void **state)
{
	uint64_t h = hlc_make(T0, 0xffff);
	uint64_t n = hlc_tick(h, T0 - 5);

	assert_true(n > h);
	assert_true(hlc_ms(n) == T0 + 1);
	assert_int_equal(hlc_counter(n), 0);
	/* The largest timestamp stays put rather than wrapping to zero. */
	assert_true(hlc_tick(UINT64_MAX, T0) == UINT64_MAX);
}

static void
test_observe(void **state)
{
	uint64_t local = hlc_make(T0, 3);
	uint64_t remote = hlc_make(T0 + DAY_MS, 7);
	uint64_t h, t;

	h = hlc_observe(local, remote, T0 + 1);
	assert_true(h > remote);
	assert_true(h > local);
	assert_true(h == hlc_make(T0 + DAY_MS, 8));
	/* A local write after seeing it beats the remote version. */
	t = hlc_tick(h, T0 + 2);
	assert_true(t > remote);
	assert_true(hlc_version_cmp(t, "aaa", remote, "zzz") > 0);
	/* A remote behind the wall clock: the wall clock wins. */
	h = hlc_observe(local, hlc_make(T0 - 5, 0), T0 + 100);
	assert_true(h == hlc_make(T0 + 100, 0));
	/* A remote behind the local clock, wall clock behind too. */
	h = hlc_observe(local, hlc_make(T0 - 5, 0), T0 - 100);
	assert_true(h == hlc_make(T0, 4));
}

static void
test_version_cmp(void **state)
{
	uint64_t a = hlc_make(T0, 1), b = hlc_make(T0, 2);

	assert_int_equal(hlc_version_cmp(a, "zzz", b, "aaa"), -1);
	assert_int_equal(hlc_version_cmp(b, "aaa", a, "zzz"), 1);
	/* Tie on the clock: the device id decides, the same either way. */
	assert_int_equal(hlc_version_cmp(a, "dev-b", a, "dev-a"), 1);
	assert_int_equal(hlc_version_cmp(a, "dev-a", a, "dev-b"), -1);
	assert_int_equal(hlc_version_cmp(a, "dev-a", a, "dev-a"), 0);
	assert_int_equal(hlc_version_cmp(a, NULL, a, ""), 0);
	assert_int_equal(hlc_version_cmp(a, NULL, a, "x"), -1);
	/* Unsigned comparison at the top bit. */
	assert_int_equal(hlc_version_cmp(UINT64_C(1) << 63, "a", 1, "a"), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_parts),
	        cmocka_unit_test(test_tick),
	        cmocka_unit_test(test_counter_overflow),
	        cmocka_unit_test(test_observe),
	        cmocka_unit_test(test_version_cmp),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
