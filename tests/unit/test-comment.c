/*
 * Unit tests of comments, reviews and ISO week names (common/comment.c):
 * weeks across year ends (week 1 holding January 4th, years with a week
 * 53), names refused, and every rule of comment_validate and
 * review_validate.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "comment.h"
#include "err.h"
#include "planrec.h"

static int64_t
day(const char *s)
{
	int64_t d;

	assert_int_equal(planrec_date_days(s, &d), CAIRN_OK);
	return d;
}

static void
check_week(const char *date, const char *want, const char *monday)
{
	char name[WEEK_NAME_LEN + 1];
	int64_t mon, back;

	week_of_day(day(date), name, &mon);
	assert_string_equal(name, want);
	assert_int_equal(mon, day(monday));
	assert_int_equal(week_monday(name, &back), CAIRN_OK);
	assert_int_equal(back, mon);
	assert_true(week_valid(name));
}

static void
test_weeks(void **state)
{
	int64_t m;

	(void)state;
	check_week("2026-12-02", "2026-W49", "2026-11-30");
	check_week("2026-11-30", "2026-W49", "2026-11-30");
	check_week("2026-12-06", "2026-W49", "2026-11-30");
	/* 2027-01-01 is a Friday: it belongs to 2026's last week (W53). */
	check_week("2027-01-01", "2026-W53", "2026-12-28");
	check_week("2027-01-04", "2027-W01", "2027-01-04");
	/* 2024-12-30 (a Monday) starts 2025's week 1. */
	check_week("2024-12-30", "2025-W01", "2024-12-30");
	check_week("2025-01-05", "2025-W01", "2024-12-30");
	check_week("2020-12-31", "2020-W53", "2020-12-28");
	{
		char name[WEEK_NAME_LEN + 1];

		/* Named, but not a week comments may name (before 2000). */
		week_of_day(day("2000-01-01"), name, &m);
		assert_string_equal(name, "1999-W52");
		assert_false(week_valid(name));
	}
	/* A W53 only where the year has one; malformed names. */
	assert_false(week_valid("2025-W53"));
	assert_true(week_valid("2026-W53"));
	assert_false(week_valid("2026-W00"));
	assert_false(week_valid("2026-W54"));
	assert_false(week_valid("2026-w49"));
	assert_false(week_valid("2026W49"));
	assert_false(week_valid("2026-W4"));
	assert_false(week_valid("2026-W049"));
	assert_false(week_valid("1999-W10"));
	assert_false(week_valid(""));
	assert_false(week_valid(NULL));
	assert_int_equal(week_monday("2026-W5x", &m), CAIRN_EINVAL);
}

static void
test_comment_rules(void **state)
{
	Cairn__Comment c = CAIRN__COMMENT__INIT;
	Cairn__Review r = CAIRN__REVIEW__INIT;
	char why[160], big[COMMENT_TEXT_MAX + 2];

	(void)state;
	c.target = "3f2a9c1e-5b7d-4e8f-9a0b-1c2d3e4f5a6b";
	c.text = "nice";
	c.at = 1795000000;
	assert_int_equal(comment_validate(&c, why, sizeof(why)), CAIRN_OK);
	c.week = "2026-W49";
	assert_int_equal(comment_validate(&c, why, sizeof(why)), CAIRN_EINVAL);
	assert_non_null(strstr(why, "one record or one week"));
	c.target = "";
	assert_int_equal(comment_validate(&c, why, sizeof(why)), CAIRN_OK);
	c.week = "";
	assert_int_equal(comment_validate(&c, why, sizeof(why)), CAIRN_EINVAL);
	c.target = "not-an-id";
	assert_int_equal(comment_validate(&c, why, sizeof(why)), CAIRN_EINVAL);
	assert_non_null(strstr(why, "not an ID"));
	c.target = "";
	c.week = "2026-W60";
	assert_int_equal(comment_validate(&c, why, sizeof(why)), CAIRN_EINVAL);
	assert_non_null(strstr(why, "YYYY-Www"));
	c.week = "2026-W49";
	c.text = "";
	assert_int_equal(comment_validate(&c, why, sizeof(why)), CAIRN_EINVAL);
	assert_non_null(strstr(why, "empty"));
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	c.text = big;
	assert_int_equal(comment_validate(&c, why, sizeof(why)), CAIRN_EINVAL);
	big[COMMENT_TEXT_MAX] = '\0'; /* exactly the limit */
	assert_int_equal(comment_validate(&c, why, sizeof(why)), CAIRN_OK);
	c.text = "bad \xff utf-8";
	assert_int_equal(comment_validate(&c, why, sizeof(why)), CAIRN_EINVAL);
	c.text = "ok";
	c.at = 5;
	assert_int_equal(comment_validate(&c, why, sizeof(why)), CAIRN_EINVAL);

	r.week = "2026-W49";
	r.at = 1795000000;
	assert_int_equal(review_validate(&r, why, sizeof(why)), CAIRN_OK);
	r.week = "2026-49";
	assert_int_equal(review_validate(&r, why, sizeof(why)), CAIRN_EINVAL);
	r.week = "2026-W49";
	r.at = 0;
	assert_int_equal(review_validate(&r, why, sizeof(why)), CAIRN_EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_weeks),
	        cmocka_unit_test(test_comment_rules),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
