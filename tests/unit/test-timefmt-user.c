/*
 * Unit tests of the readers of what learners type (common/timefmt.c:
 * duration_read, date_read_days, date_read, clock_read): every accepted
 * form, and every refusal with its exact reason, since the reason is
 * what a learner reads. Leap years, and a DST day with TZ set.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "err.h"
#include "timefmt.h"

static void
set_tz(const char *tz)
{
	assert_int_equal(setenv("TZ", tz, 1), 0);
	tzset();
}

static int64_t
day_of(int y, int m, int d)
{
	struct ymd date = {y, m, d};

	return ymd_days(&date);
}

static void
dur_ok(const char *s, uint32_t want)
{
	char why[TIMEFMT_WHY_MAX] = "";
	uint32_t m = 0;

	if (duration_read(s, &m, why, sizeof(why)) != CAIRN_OK)
		fail_msg("duration '%s' refused: %s", s, why);
	assert_int_equal(m, want);
}

static void
dur_why(const char *s, const char *want)
{
	char why[TIMEFMT_WHY_MAX] = "";
	uint32_t m = 777;

	if (duration_read(s, &m, why, sizeof(why)) != CAIRN_EINVAL)
		fail_msg("duration '%s' accepted", s != NULL ? s : "(null)");
	assert_string_equal(why, want);
	assert_int_equal(m, 777);
}

static void
test_duration_forms(void **state)
{
	(void)state;
	dur_ok("45m", 45);
	dur_ok("1h30m", 90);
	dur_ok("1h 30m", 90);
	dur_ok("1.5h", 90);
	dur_ok("1,5h", 90);
	dur_ok("90min", 90);
	dur_ok("90 min", 90);
	dur_ok("90mins", 90);
	dur_ok("90 minutes", 90);
	dur_ok("1 minute", 1);
	dur_ok("2h", 120);
	dur_ok("2 hours", 120);
	dur_ok("1 hour 5 minutes", 65);
	dur_ok("2hr", 120);
	dur_ok("2hrs", 120);
	dur_ok("0.25h", 15);
	dur_ok(".5h", 30);
	dur_ok("1.25h", 75);
	dur_ok("1H30M", 90);
	dur_ok("  45m  ", 45);
	dur_ok("1m", 1);
	dur_ok("24h", 1440);
	dur_ok("1440m", 1440);
	dur_ok("0h45m", 45);
	dur_ok("1h59m", 119);
	/* Without hours, minutes past 59 are what was meant. */
	dur_ok("150m", 150);
}

static void
test_duration_refusals(void **state)
{
	(void)state;
	dur_why("90", "a bare number: say 90m or 1h30m");
	dur_why("45", "a bare number: say 45m");
	dur_why("2", "a bare number: say 2m or 2h");
	dur_why("120", "a bare number: say 120m or 2h");
	dur_why("0", "a bare number: say 45m or 1h30m");
	dur_why("99999", "a bare number: say 45m or 1h30m");
	dur_why("1h70m", "70 minutes is more than an hour: use 2h10m");
	dur_why("1h 60m", "60 minutes is more than an hour: use 2h");
	dur_why("23h60m", "60 minutes is more than an hour: use 24h");
	dur_why("0m", "no time at all: give at least 1m, e.g. 45m");
	dur_why("0h", "no time at all: give at least 1m, e.g. 45m");
	dur_why("0h0m", "no time at all: give at least 1m, e.g. 45m");
	dur_why("0.0h", "no time at all: give at least 1m, e.g. 45m");
	dur_why("25h",
	        "more than 24h, the most one entry can hold: log each day apart, e.g. 8h");
	dur_why("24h1m",
	        "more than 24h, the most one entry can hold: log each day apart, e.g. 8h");
	dur_why("1441m",
	        "more than 24h, the most one entry can hold: log each day apart, e.g. 8h");
	dur_why("23h90m",
	        "more than 24h, the most one entry can hold: log each day apart, e.g. 8h");
	dur_why("99999999999999999999m",
	        "more than 24h, the most one entry can hold: log each day apart, e.g. 8h");
	dur_why("4294967297h",
	        "more than 24h, the most one entry can hold: log each day apart, e.g. 8h");
	dur_why("1h30", "a number without a unit after the hours: say 1h30m");
	dur_why("1.33h", "1.33h is not a whole number of minutes: say 1h20m");
	dur_why("1.01h", "1.01h is not a whole number of minutes: say 1h1m");
	dur_ok("1.05h", 63);
	dur_why("1.125h", "1.125h is not a whole number of minutes: say 1h8m");
	dur_why("1.5m", "minutes are whole: say 2m");
	dur_why("1:30",
	        "that is how a time of day is written: for a duration say 1h30m");
	dur_why("", "not a duration: use 45m, 1h30m, 1.5h or 90min");
	dur_why("   ", "not a duration: use 45m, 1h30m, 1.5h or 90min");
	dur_why(NULL, "not a duration: use 45m, 1h30m, 1.5h or 90min");
	dur_why("1x", "not a duration: use 45m, 1h30m, 1.5h or 90min");
	dur_why("2d", "not a duration: use 45m, 1h30m, 1.5h or 90min");
	dur_why("h", "not a duration: use 45m, 1h30m, 1.5h or 90min");
	dur_why("-5m", "not a duration: use 45m, 1h30m, 1.5h or 90min");
	dur_why("30m1h", "not a duration: use 45m, 1h30m, 1.5h or 90min");
	dur_why("1h2h", "not a duration: use 45m, 1h30m, 1.5h or 90min");
	dur_why("5m5m", "not a duration: use 45m, 1h30m, 1.5h or 90min");
	dur_why("1.5h30m", "not a duration: use 45m, 1h30m, 1.5h or 90min");
	dur_why("1.h", "not a duration: use 45m, 1h30m, 1.5h or 90min");
	dur_why("1.2345h", "not a duration: use 45m, 1h30m, 1.5h or 90min");
	dur_why("1h30m5", "not a duration: use 45m, 1h30m, 1.5h or 90min");
	dur_why("1.5", "not a duration: use 45m, 1h30m, 1.5h or 90min");
	/* Longer than any duration: refused before it is read. */
	dur_why("1111111111111111111111111111111111111111111111111111111111111111m",
	        "not a duration: use 45m, 1h30m, 1.5h or 90min");
	/* The old reader without a reason refuses the same. */
	{
		uint32_t m = 5;

		assert_int_equal(duration_parse("90", &m), CAIRN_EINVAL);
		assert_int_equal(duration_parse("1h30m", &m), CAIRN_OK);
		assert_int_equal(m, 90);
	}
}

static void
day_ok(const char *s, int64_t today, int y, int m, int d)
{
	char why[TIMEFMT_WHY_MAX] = "";
	int64_t got = -1;
	struct ymd out;

	if (date_read_days(s, today, DATE_NOT_FUTURE, &got, why, sizeof(why)) !=
	    CAIRN_OK)
		fail_msg("date '%s' refused: %s", s, why);
	days_ymd(got, &out);
	if (out.y != y || out.m != m || out.d != d)
		fail_msg("date '%s' read as %04d-%02d-%02d, not %04d-%02d-%02d",
		         s, out.y, out.m, out.d, y, m, d);
}

static void
day_why(const char *s, int64_t today, int flags, const char *want)
{
	char why[TIMEFMT_WHY_MAX] = "";
	int64_t got = -1;

	if (date_read_days(s, today, flags, &got, why, sizeof(why)) !=
	    CAIRN_EINVAL)
		fail_msg("date '%s' accepted", s != NULL ? s : "(null)");
	assert_string_equal(why, want);
	assert_int_equal(got, -1);
}

#define DATE_GENERIC \
	"not a date: use YYYY-MM-DD, today, yesterday, a weekday (mon) or '3 days ago'"

static void
test_date_forms(void **state)
{
	/* Tuesday 2026-12-01. */
	int64_t tue = day_of(2026, 12, 1);

	(void)state;
	assert_string_equal(days_weekday(tue), "Tue");
	assert_string_equal(days_weekday(0), "Thu");
	day_ok("today", tue, 2026, 12, 1);
	day_ok("Today", tue, 2026, 12, 1);
	day_ok(" yesterday ", tue, 2026, 11, 30);
	day_ok("2026-12-01", tue, 2026, 12, 1);
	day_ok("2026-1-5", tue, 2026, 1, 5);
	day_ok("1970-01-01", tue, 1970, 1, 1);
	/* Weekdays: the most recent such day, today included. */
	day_ok("tuesday", tue, 2026, 12, 1);
	day_ok("tue", tue, 2026, 12, 1);
	day_ok("tues", tue, 2026, 12, 1);
	day_ok("monday", tue, 2026, 11, 30);
	day_ok("mon", tue, 2026, 11, 30);
	day_ok("Mon", tue, 2026, 11, 30);
	day_ok("sunday", tue, 2026, 11, 29);
	day_ok("sun", tue, 2026, 11, 29);
	day_ok("saturday", tue, 2026, 11, 28);
	day_ok("sat", tue, 2026, 11, 28);
	day_ok("friday", tue, 2026, 11, 27);
	day_ok("fri", tue, 2026, 11, 27);
	day_ok("thursday", tue, 2026, 11, 26);
	day_ok("thu", tue, 2026, 11, 26);
	day_ok("thur", tue, 2026, 11, 26);
	day_ok("thurs", tue, 2026, 11, 26);
	day_ok("wednesday", tue, 2026, 11, 25);
	day_ok("wed", tue, 2026, 11, 25);
	/* Ago, across a month and a year. */
	day_ok("0 days ago", tue, 2026, 12, 1);
	day_ok("1 day ago", tue, 2026, 11, 30);
	day_ok("3 days ago", tue, 2026, 11, 28);
	day_ok("3 DAYS AGO", tue, 2026, 11, 28);
	day_ok("3  days  ago", tue, 2026, 11, 28);
	day_ok("2 weeks ago", tue, 2026, 11, 17);
	day_ok("1 week ago", tue, 2026, 11, 24);
	day_ok("1 day ago", day_of(2027, 1, 1), 2026, 12, 31);
	day_ok("1 day ago", day_of(2024, 3, 1), 2024, 2, 29);
	day_ok("1 day ago", day_of(2023, 3, 1), 2023, 2, 28);
	day_ok("yesterday", day_of(2000, 3, 1), 2000, 2, 29);
	day_ok("yesterday", day_of(2100, 3, 1), 2100, 2, 28);
}

static void
test_date_refusals(void **state)
{
	int64_t tue = day_of(2026, 12, 1);

	(void)state;
	day_why("2026-02-30", tue, 0, "February has 28 days in 2026");
	day_why("2026-02-29", tue, 0, "February has 28 days in 2026");
	day_why("2024-02-30", tue, 0, "February has 29 days in 2024");
	day_why("1900-02-29", tue, 0,
	        "before 1970: the earliest date is 1970-01-01");
	day_why("2100-02-29", tue, 0, "February has 28 days in 2100");
	day_ok("2000-02-29", tue, 2000, 2, 29);
	day_ok("2024-02-29", tue, 2024, 2, 29);
	day_why("2026-04-31", tue, 0, "April has 30 days");
	day_why("2026-11-31", tue, 0, "November has 30 days");
	day_why("2026-13-01", tue, 0, "there is no month 13");
	day_why("2026-00-10", tue, 0, "there is no month 0");
	day_why("2026-01-00", tue, 0, "there is no day 0");
	day_why("2026-12-02", tue, DATE_NOT_FUTURE,
	        "a day in the future (today is Tue 2026-12-01)");
	day_why("2027-01-01", tue, DATE_NOT_FUTURE,
	        "a day in the future (today is Tue 2026-12-01)");
	/* Without the flag the future is a date like any other. */
	{
		char why[TIMEFMT_WHY_MAX];
		int64_t d;

		assert_int_equal(date_read_days("2026-12-02", tue, 0, &d, why,
		                                sizeof(why)),
		                 CAIRN_OK);
		assert_int_equal(d, tue + 1);
	}
	day_why("3", tue, 0,
	        "a bare number: say '3 days ago' (quoted) or a date like 2026-12-01");
	day_why("3 days", tue, 0, "say '3 days ago'");
	day_why("1 week", tue, 0, "say '1 week ago'");
	day_why("99999 days ago", tue, 0,
	        "too far back: give a date as YYYY-MM-DD");
	day_why("999999 days ago", tue, 0,
	        "too far back: give a date as YYYY-MM-DD");
	day_why("30000 days ago", tue, 0,
	        "before 1970: the earliest date is 1970-01-01");
	day_why("3 months ago", tue, 0, DATE_GENERIC);
	day_why("3 days later", tue, 0, DATE_GENERIC);
	day_why("3 days ago x", tue, 0, DATE_GENERIC);
	day_why("mo", tue, 0, DATE_GENERIC);
	day_why("tomorrow", tue, 0, DATE_GENERIC);
	day_why("2026/12/01", tue, 0, DATE_GENERIC);
	day_why("01.12.2026", tue, 0, DATE_GENERIC);
	day_why("26-12-01", tue, 0, DATE_GENERIC);
	day_why("2026-12-001", tue, 0, DATE_GENERIC);
	day_why("2026-12-01x", tue, 0, DATE_GENERIC);
	day_why("+026-12-01", tue, 0, DATE_GENERIC);
	day_why("", tue, 0, DATE_GENERIC);
	day_why(NULL, tue, 0, DATE_GENERIC);
}

/*
 * date_read takes today from the local clock of TZ: on the night summer
 * time begins in Berlin (2026-03-29, 02:00 CET to 03:00 CEST), and around
 * midnight where UTC is still on the day before.
 */
static void
test_date_local(void **state)
{
	char why[TIMEFMT_WHY_MAX] = "";
	struct ymd out = {0, 0, 0};
	int64_t d;

	(void)state;
	set_tz("Europe/Berlin");
	/* 2026-03-29T03:30+02:00 = 01:30Z. */
	assert_int_equal(local_days(1774747800, &d), CAIRN_OK);
	assert_int_equal(d, day_of(2026, 3, 29));
	assert_int_equal(
	        date_read("yesterday", 1774747800, 0, &out, why, sizeof(why)),
	        CAIRN_OK);
	assert_int_equal(out.d, 28);
	assert_int_equal(
	        date_read("sunday", 1774747800, 0, &out, why, sizeof(why)),
	        CAIRN_OK);
	assert_int_equal(out.m, 3);
	assert_int_equal(out.d, 29);
	assert_int_equal(
	        date_read("sat", 1774747800, 0, &out, why, sizeof(why)),
	        CAIRN_OK);
	assert_int_equal(out.d, 28);
	/* 2026-12-01T00:30+01:00 is still 2026-11-30 in UTC. */
	assert_int_equal(date_read("today", 1796081400, DATE_NOT_FUTURE, &out,
	                           why, sizeof(why)),
	                 CAIRN_OK);
	assert_int_equal(out.m, 12);
	assert_int_equal(out.d, 1);
	assert_int_equal(date_read("2026-12-02", 1796081400, DATE_NOT_FUTURE,
	                           &out, why, sizeof(why)),
	                 CAIRN_EINVAL);
	assert_string_equal(why,
	                    "a day in the future (today is Tue 2026-12-01)");
	set_tz("America/New_York");
	/* The same instant is 2026-11-30 18:30 in New York. */
	assert_int_equal(
	        date_read("today", 1796081400, 0, &out, why, sizeof(why)),
	        CAIRN_OK);
	assert_int_equal(out.d, 30);
}

static void
clk_ok(const char *s, int want_h, int want_m)
{
	char why[TIMEFMT_WHY_MAX] = "";
	int h = -1, m = -1;

	if (clock_read(s, &h, &m, why, sizeof(why)) != CAIRN_OK)
		fail_msg("time '%s' refused: %s", s, why);
	if (h != want_h || m != want_m)
		fail_msg("time '%s' read as %02d:%02d", s, h, m);
}

static void
clk_why(const char *s, const char *want)
{
	char why[TIMEFMT_WHY_MAX] = "";
	int h = -1, m = -1;

	if (clock_read(s, &h, &m, why, sizeof(why)) != CAIRN_EINVAL)
		fail_msg("time '%s' accepted", s != NULL ? s : "(null)");
	assert_string_equal(why, want);
	assert_int_equal(h, -1);
	assert_int_equal(m, -1);
}

#define CLOCK_GENERIC "not a time: use 21:00, 9:05, 9pm or 9:30pm"

static void
test_clock_forms(void **state)
{
	(void)state;
	clk_ok("21:00", 21, 0);
	clk_ok("9:05", 9, 5);
	clk_ok("09:05", 9, 5);
	clk_ok("00:00", 0, 0);
	clk_ok("23:59", 23, 59);
	clk_ok("9pm", 21, 0);
	clk_ok("9 pm", 21, 0);
	clk_ok("9PM", 21, 0);
	clk_ok("9:30pm", 21, 30);
	clk_ok("9:30am", 9, 30);
	clk_ok("9am", 9, 0);
	clk_ok("12am", 0, 0);
	clk_ok("12:15am", 0, 15);
	clk_ok("12pm", 12, 0);
	clk_ok("12:45pm", 12, 45);
	clk_ok("1am", 1, 0);
	clk_ok("11pm", 23, 0);
	clk_ok("noon", 12, 0);
	clk_ok("Midnight", 0, 0);
	clk_ok(" 21:00 ", 21, 0);
}

static void
test_clock_refusals(void **state)
{
	(void)state;
	clk_why("24:00", "there is no hour 24: midnight is 00:00");
	clk_why("25:00", "there is no hour 25: the hours run 00 to 23");
	clk_why("9:60", "there is no minute 60: the minutes run 00 to 59");
	clk_why("9:99pm", "there is no minute 99: the minutes run 00 to 59");
	clk_why("13pm",
	        "with am or pm the hour runs 1 to 12: say 13:00 or 1pm");
	clk_why("21:30pm",
	        "with am or pm the hour runs 1 to 12: say 21:30 or 9:30pm");
	clk_why("0am",
	        "with am or pm the hour runs 1 to 12: say 00:00 or 12am");
	clk_why("0:15am",
	        "with am or pm the hour runs 1 to 12: say 00:15 or 12:15am");
	clk_why("30pm", "there is no hour 30");
	clk_why("9", "a bare number: say 09:00, 9am or 9pm");
	clk_why("21", "a bare number: say 21:00 or 9pm");
	clk_why("0", "a bare number: say 00:00 or 12am");
	clk_why("12", "a bare number: say 12:00 or 12pm");
	clk_why("9:5", "the minutes take two digits: say 9:05");
	clk_why("30", CLOCK_GENERIC);
	clk_why("9:005", CLOCK_GENERIC);
	clk_why("123:00", CLOCK_GENERIC);
	clk_why("9-30", CLOCK_GENERIC);
	clk_why("9.30pm", CLOCK_GENERIC);
	clk_why("9 o'clock", CLOCK_GENERIC);
	clk_why("9xm", CLOCK_GENERIC);
	clk_why("pm", CLOCK_GENERIC);
	clk_why("", CLOCK_GENERIC);
	clk_why(NULL, CLOCK_GENERIC);
}

/*
 * A time read on the night summer time begins: 02:30 does not exist in
 * Berlin, and 01:00 to 04:00 is two hours of real time.
 */
static void
test_clock_dst(void **state)
{
	struct ymd spring = {2026, 3, 29};
	int64_t a, b;
	int h, m, off;

	(void)state;
	set_tz("Europe/Berlin");
	assert_int_equal(clock_read("2:30am", &h, &m, NULL, 0), CAIRN_OK);
	assert_int_equal(local_to_instant(&spring, h, m, &a, &off),
	                 CAIRN_EINVAL);
	assert_int_equal(clock_read("1am", &h, &m, NULL, 0), CAIRN_OK);
	assert_int_equal(local_to_instant(&spring, h, m, &a, &off), CAIRN_OK);
	assert_int_equal(off, 60);
	assert_int_equal(clock_read("4:00", &h, &m, NULL, 0), CAIRN_OK);
	assert_int_equal(local_to_instant(&spring, h, m, &b, &off), CAIRN_OK);
	assert_int_equal(off, 120);
	assert_int_equal(b - a, 2 * 3600);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_duration_forms),
	        cmocka_unit_test(test_duration_refusals),
	        cmocka_unit_test(test_date_forms),
	        cmocka_unit_test(test_date_refusals),
	        cmocka_unit_test(test_date_local),
	        cmocka_unit_test(test_clock_forms),
	        cmocka_unit_test(test_clock_refusals),
	        cmocka_unit_test(test_clock_dst),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
