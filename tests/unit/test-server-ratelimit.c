/*
 * The attempt counters: an exact sliding window, attempts counted when
 * they start, refunds, and eviction by age only (a spray of distinct keys
 * cannot flush a key under attack).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

#include <cmocka.h>

#include "cairnd.h"

/* Five attempts pass, the sixth within the window does not. */
static void
test_window_is_exact(void **state)
{
	struct ratelimit *rl = ratelimit_new(64, 5, 60);
	int i;

	assert_non_null(rl);
	for (i = 0; i < 5; i++)
		assert_int_equal(ratelimit_take(rl, "alice", 1000 + i),
		                 RATELIMIT_OK);
	assert_int_equal(ratelimit_blocked(rl, "alice", 1005), 1);
	assert_int_equal(ratelimit_take(rl, "alice", 1059), RATELIMIT_BLOCKED);
	assert_int_equal(ratelimit_take(rl, "bob", 1005), RATELIMIT_OK);
	/* At 1060 the first attempt (1000) has left: one more, not five. */
	assert_int_equal(ratelimit_take(rl, "alice", 1060), RATELIMIT_OK);
	assert_int_equal(ratelimit_take(rl, "alice", 1060), RATELIMIT_BLOCKED);
	assert_int_equal(ratelimit_take(rl, "alice", 1061), RATELIMIT_OK);
	/* Whatever the pattern: never more than 5 in 60 seconds. */
	assert_int_equal(ratelimit_take(rl, "alice", 1061), RATELIMIT_BLOCKED);
	assert_int_equal(ratelimit_take(rl, "alice", 1062), RATELIMIT_OK);
	assert_int_equal(ratelimit_take(rl, "alice", 1063), RATELIMIT_OK);
	assert_int_equal(ratelimit_take(rl, "alice", 1063), RATELIMIT_BLOCKED);
	assert_int_equal(ratelimit_take(rl, "alice", 1064), RATELIMIT_OK);
	ratelimit_free(rl);
}

static void
test_refund(void **state)
{
	struct ratelimit *rl = ratelimit_new(8, 2, 60);

	assert_non_null(rl);
	assert_int_equal(ratelimit_take(rl, "alice", 1), RATELIMIT_OK);
	assert_int_equal(ratelimit_take(rl, "alice", 2), RATELIMIT_OK);
	assert_int_equal(ratelimit_blocked(rl, "alice", 3), 1);
	ratelimit_refund(rl, "alice", 3);
	assert_int_equal(ratelimit_blocked(rl, "alice", 3), 0);
	assert_int_equal(ratelimit_take(rl, "alice", 3), RATELIMIT_OK);
	assert_int_equal(ratelimit_blocked(rl, "alice", 3), 1);
	ratelimit_refund(rl, "nobody", 3);
	ratelimit_free(rl);
	ratelimit_free(NULL);
}

/* A full table refuses new keys and keeps the live ones. */
static void
test_no_flush_by_spray(void **state)
{
	struct ratelimit *rl = ratelimit_new(4, 1, 60);
	char key[32];
	int i, full = 0;

	assert_non_null(rl);
	assert_int_equal(ratelimit_take(rl, "victim", 100), RATELIMIT_OK);
	for (i = 0; i < 100; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		if (ratelimit_take(rl, key, 101) == RATELIMIT_FULL)
			full++;
	}
	assert_int_equal(full, 100 - 3);
	assert_int_equal(ratelimit_blocked(rl, "victim", 150), 1);
	/* Once the window has passed, slots are reused. */
	assert_int_equal(ratelimit_take(rl, "newcomer", 161), RATELIMIT_OK);
	assert_int_equal(
	        ratelimit_take(
	                rl,
	                "a-key-longer-than-the-slot-holds-0123456789012345678901234567890123",
	                161),
	        RATELIMIT_OK);
	ratelimit_free(rl);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_window_is_exact),
	        cmocka_unit_test(test_refund),
	        cmocka_unit_test(test_no_flush_by_spray),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
