/*
 * Unit tests of the login rate limiter (server/ratelimit.c): the limit,
 * the window, clearing, and the fixed memory ceiling (the oldest slot is
 * reused when the table is full).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "cairnd.h"

static void
test_limit_and_window(void **state)
{
	struct ratelimit *rl = ratelimit_new(8, 5, 60);
	int i;

	assert_non_null(rl);
	assert_int_equal(ratelimit_blocked(rl, "alice", 1000), 0);
	for (i = 0; i < 4; i++)
		ratelimit_fail(rl, "alice", 1000 + i);
	assert_int_equal(ratelimit_blocked(rl, "alice", 1004), 0);
	ratelimit_fail(rl, "alice", 1005);
	assert_int_equal(ratelimit_blocked(rl, "alice", 1005), 1);
	assert_int_equal(ratelimit_blocked(rl, "alice", 1059), 1);
	assert_int_equal(ratelimit_blocked(rl, "bob", 1005), 0);
	/* The window started at the first failure and is over at +60 s. */
	assert_int_equal(ratelimit_blocked(rl, "alice", 1060), 0);
	ratelimit_fail(rl, "alice", 1060);
	assert_int_equal(ratelimit_blocked(rl, "alice", 1060), 0);
	ratelimit_free(rl);
}

static void
test_clear(void **state)
{
	struct ratelimit *rl = ratelimit_new(8, 2, 60);

	ratelimit_fail(rl, "alice", 1);
	ratelimit_fail(rl, "alice", 2);
	assert_int_equal(ratelimit_blocked(rl, "alice", 3), 1);
	ratelimit_clear(rl, "alice");
	assert_int_equal(ratelimit_blocked(rl, "alice", 3), 0);
	ratelimit_clear(rl, "nobody");
	ratelimit_free(rl);
	ratelimit_free(NULL);
}

static void
test_bounded_eviction(void **state)
{
	struct ratelimit *rl = ratelimit_new(4, 1, 60);
	char key[32];
	int i;

	ratelimit_fail(rl, "oldest", 100);
	for (i = 0; i < 3; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		ratelimit_fail(rl, key, 101 + i);
	}
	assert_int_equal(ratelimit_blocked(rl, "oldest", 105), 1);
	/* A fifth key pushes out the oldest entry, not a newer one. */
	ratelimit_fail(rl, "newcomer", 106);
	assert_int_equal(ratelimit_blocked(rl, "oldest", 106), 0);
	assert_int_equal(ratelimit_blocked(rl, "k0", 106), 1);
	assert_int_equal(ratelimit_blocked(rl, "newcomer", 106), 1);
	/* Keys longer than a slot are cut, not overflowed. */
	ratelimit_fail(rl,
	               "a-very-long-key-a-very-long-key-a-very-long-key-"
	               "a-very-long-key-x",
	               107);
	ratelimit_free(rl);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_limit_and_window),
	        cmocka_unit_test(test_clear),
	        cmocka_unit_test(test_bounded_eviction),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
