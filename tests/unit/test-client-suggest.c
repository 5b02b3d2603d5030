/*
 * Unit tests of the "did you mean" helper (client/suggest.c) and of the
 * "3 min ago" wording (out_ago, client/out.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cairn.h"

static const char *const activities[] = {
        "project", "drill",     "reading",  "retrieval",
        "review",  "community", "planning",
};
#define N_ACT (sizeof(activities) / sizeof(activities[0]))

static void
test_typos(void **state)
{
	(void)state;
	assert_string_equal(suggest_closest("reaading", activities, N_ACT),
	                    "reading");
	assert_string_equal(suggest_closest("raeding", activities, N_ACT),
	                    "reading");
	assert_string_equal(suggest_closest("Drll", activities, N_ACT),
	                    "drill");
	assert_string_equal(suggest_closest("reveiw", activities, N_ACT),
	                    "review");
}

static void
test_no_suggestion(void **state)
{
	(void)state;
	/* An exact word, a far word, a short word two edits away. */
	assert_null(suggest_closest("reading", activities, N_ACT));
	assert_null(suggest_closest("cooking", activities, N_ACT));
	assert_null(suggest_closest("dr", activities, N_ACT));
	assert_null(suggest_closest("", activities, N_ACT));
	assert_null(suggest_closest("x", NULL, 0));
}

static void
test_ago(void **state)
{
	char buf[32];
	int64_t now = 1800000000;

	(void)state;
	out_ago(0, now, buf);
	assert_string_equal(buf, "never");
	out_ago(now - 20, now, buf);
	assert_string_equal(buf, "just now");
	out_ago(now - 3 * 60 - 59, now, buf);
	assert_string_equal(buf, "3 min ago");
	out_ago(now - 5 * 3600, now, buf);
	assert_string_equal(buf, "5 h ago");
	out_ago(now - 4 * 86400, now, buf);
	assert_string_equal(buf, "4 days ago");
	out_ago(now + 600, now, buf);
	assert_non_null(strchr(buf, ':')); /* a local time, not "in 10 min" */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_typos),
	        cmocka_unit_test(test_no_suggestion),
	        cmocka_unit_test(test_ago),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
