/*
 * Unit tests of durations, dates and instants (common/timefmt.c), with the
 * zone set through TZ: Europe/Berlin across its DST changes and
 * America/St_Johns with its half-hour offset.
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

static void
duration_ok(const char *s, uint32_t want)
{
	uint32_t m = 0;

	if (duration_parse(s, &m) != CAIRN_OK)
		fail_msg("duration '%s' refused", s);
	assert_int_equal(m, want);
}

static void
duration_bad(const char *s)
{
	uint32_t m = 777;

	if (duration_parse(s, &m) != CAIRN_EINVAL)
		fail_msg("duration '%s' accepted", s != NULL ? s : "(null)");
	assert_int_equal(m, 777);
}

static void
test_duration(void **state)
{
	char out[16];

	duration_ok("45m", 45);
	duration_ok("1h30m", 90);
	duration_ok("2h", 120);
	duration_ok("1h 30m", 90);
	duration_ok("24h", 1440);
	duration_ok("1440m", 1440);
	duration_ok("0h5m", 5);
	/* Spaces around and between the parts, and case, do not matter. */
	duration_ok("5 m", 5);
	duration_ok(" 5m", 5);
	duration_ok("5m ", 5);
	duration_ok("1h ", 60);
	duration_ok("1H", 60);
	duration_bad("");
	duration_bad("0m");
	duration_bad("0");
	duration_bad("1");
	duration_bad("90");
	duration_bad("1440");
	duration_bad("25h");
	duration_bad("24h1m");
	duration_bad("1441");
	duration_bad("1x");
	duration_bad("h");
	duration_bad("m");
	duration_bad("-5m");
	duration_bad("+5m");
	duration_bad("1h30");
	duration_bad("1h30m5");
	duration_bad("30m1h");
	duration_bad("99999999999999999999m");
	duration_bad("4294967296");
	duration_bad("4294967297m");
	duration_bad(NULL);

	duration_format(45, out, sizeof(out));
	assert_string_equal(out, "45m");
	duration_format(120, out, sizeof(out));
	assert_string_equal(out, "2h");
	duration_format(90, out, sizeof(out));
	assert_string_equal(out, "1h30m");
	duration_format(1440, out, sizeof(out));
	assert_string_equal(out, "24h");
	duration_format(61, out, 4);
	assert_string_equal(out, "1h1");
}

static void
date_ok(const char *s, time_t now, int y, int m, int d)
{
	struct ymd out = {0, 0, 0};

	if (date_parse(s, now, &out) != CAIRN_OK)
		fail_msg("date '%s' refused", s);
	assert_int_equal(out.y, y);
	assert_int_equal(out.m, m);
	assert_int_equal(out.d, d);
}

static void
date_bad(const char *s)
{
	struct ymd out = {1, 1, 1};

	if (date_parse(s, 0, &out) != CAIRN_EINVAL)
		fail_msg("date '%s' accepted", s != NULL ? s : "(null)");
	assert_int_equal(out.y, 1);
}

static void
test_date(void **state)
{
	set_tz("Europe/Berlin");
	date_ok("2024-02-29", 0, 2024, 2, 29);
	date_ok("2000-02-29", 0, 2000, 2, 29);
	date_ok("2024-12-31", 0, 2024, 12, 31);
	date_bad("2023-02-29");
	date_bad("1900-02-29");
	date_bad("2024-04-31");
	date_bad("2024-13-01");
	date_bad("2024-00-10");
	date_bad("2024-01-00");
	date_ok("2024-1-01", 0, 2024, 1, 1);
	date_bad("2024-01-01x");
	date_bad("2024/01/01");
	date_bad("+024-01-01");
	date_bad("");
	date_ok("Today", 1709283600, 2024, 3, 1);
	date_bad(NULL);
	/* 2024-03-01T10:00 in Berlin: yesterday is the leap day. */
	date_ok("today", 1709283600, 2024, 3, 1);
	date_ok("yesterday", 1709283600, 2024, 2, 29);
	/* 2025-01-01T00:30 in Berlin, still 2024 in UTC. */
	date_ok("today", 1735687800, 2025, 1, 1);
	date_ok("yesterday", 1735687800, 2024, 12, 31);
	/* 2023-03-01T00:30 in Berlin. */
	date_ok("yesterday", 1677627000, 2023, 2, 28);
	/* The day after the spring change (2024-03-31T03:30 CEST). */
	date_ok("today", 1711848600, 2024, 3, 31);
	date_ok("yesterday", 1711848600, 2024, 3, 30);
}

static void
test_clock(void **state)
{
	int h = -1, m = -1;

	assert_int_equal(clock_parse("23:59", &h, &m), CAIRN_OK);
	assert_int_equal(h, 23);
	assert_int_equal(m, 59);
	assert_int_equal(clock_parse("00:00", &h, &m), CAIRN_OK);
	assert_int_equal(h, 0);
	assert_int_equal(m, 0);
	assert_int_equal(clock_parse("09:05", &h, &m), CAIRN_OK);
	assert_int_equal(h, 9);
	assert_int_equal(m, 5);
	h = m = -1;
	assert_int_equal(clock_parse("24:00", &h, &m), CAIRN_EINVAL);
	assert_int_equal(clock_parse("12:60", &h, &m), CAIRN_EINVAL);
	assert_int_equal(clock_parse("9:3", &h, &m), CAIRN_EINVAL);
	assert_int_equal(clock_parse("09-30", &h, &m), CAIRN_EINVAL);
	assert_int_equal(clock_parse("09:3", &h, &m), CAIRN_EINVAL);
	assert_int_equal(clock_parse("", &h, &m), CAIRN_EINVAL);
	assert_int_equal(clock_parse(NULL, &h, &m), CAIRN_EINVAL);
	assert_int_equal(h, -1);
}

static void
instant_ok(int y, int mo, int d, int h, int mi, int64_t want, int want_off)
{
	struct ymd date = {y, mo, d};
	int64_t t = 0;
	int off = 9999;

	assert_int_equal(local_to_instant(&date, h, mi, &t, &off), CAIRN_OK);
	assert_int_equal(t, want);
	assert_int_equal(off, want_off);
}

static void
test_berlin(void **state)
{
	struct ymd date = {2024, 3, 31};
	int64_t t = 0;
	int off = 0;
	char out[40];

	set_tz("Europe/Berlin");
	/* Before and after the spring change at 02:00 CET. */
	instant_ok(2024, 3, 31, 1, 30, 1711845000, 60);
	instant_ok(2024, 3, 31, 3, 30, 1711848600, 120);
	/* 02:30 does not exist that night. */
	assert_int_equal(local_to_instant(&date, 2, 30, &t, &off),
	                 CAIRN_EINVAL);
	/* 02:30 on the autumn night exists twice; either is fine. */
	date.m = 10;
	date.d = 27;
	assert_int_equal(local_to_instant(&date, 2, 30, &t, &off), CAIRN_OK);
	assert_true((t == 1729989000 && off == 120) ||
	            (t == 1729992600 && off == 60));
	date.d = 32;
	assert_int_equal(local_to_instant(&date, 2, 30, &t, &off),
	                 CAIRN_EINVAL);
	date.d = 27;
	assert_int_equal(local_to_instant(&date, 24, 0, &t, &off),
	                 CAIRN_EINVAL);

	assert_int_equal(local_offset(1711845000), 60);
	assert_int_equal(local_offset(1711848600), 120);
	assert_int_equal(local_offset(1719835200), 120);
	rfc3339_format(1711848600, 120, out, sizeof(out));
	assert_string_equal(out, "2024-03-31T03:30:00+02:00");
	rfc3339_format(1711845000, 60, out, sizeof(out));
	assert_string_equal(out, "2024-03-31T01:30:00+01:00");
	rfc3339_format(1711845000, 0, out, sizeof(out));
	assert_string_equal(out, "2024-03-31T00:30:00Z");

	date.m = 3;
	date.d = 31;
	assert_int_equal(ymd_start(&date), 1711839600);
	/* That day is 23 hours long. */
	date.d = 30;
	assert_int_equal(1711839600 - ymd_start(&date), 24 * 3600);
	date.m = 4;
	date.d = 1;
	assert_int_equal(ymd_start(&date) - 1711839600, 23 * 3600);
}

static void
test_st_johns(void **state)
{
	char out[40];

	set_tz("America/St_Johns");
	instant_ok(2024, 1, 15, 9, 0, 1705321800, -210);
	instant_ok(2024, 7, 15, 9, 0, 1721043000, -150);
	assert_int_equal(local_offset(1705321800), -210);
	rfc3339_format(1705321800, -210, out, sizeof(out));
	assert_string_equal(out, "2024-01-15T09:00:00-03:30");
	rfc3339_format(1721043000, -150, out, sizeof(out));
	assert_string_equal(out, "2024-07-15T09:00:00-02:30");
	/* 2025-01-01T02:00Z is still New Year's Eve in St. John's. */
	{
		struct ymd d;

		assert_int_equal(date_parse("today", 1735696800, &d), CAIRN_OK);
		assert_int_equal(d.y, 2024);
		assert_int_equal(d.m, 12);
		assert_int_equal(d.d, 31);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_duration), cmocka_unit_test(test_date),
	        cmocka_unit_test(test_clock),    cmocka_unit_test(test_berlin),
	        cmocka_unit_test(test_st_johns),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
