/*
 * Durations ("1h30m"), dates ("2024-02-29", "yesterday"), wall clock times
 * ("09:30") and RFC 3339 instants. Local times use the C library's view of
 * the TZ zone: mktime with tm_isdst = -1 and tm_gmtoff for offsets.
 */
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "timefmt.h"

#define TIMEFMT_NUM_DIGITS 5
#define TIMEFMT_YEAR_MIN 1970
#define TIMEFMT_YEAR_MAX 9999

static int
timefmt_digit(char c)
{
	return c >= '0' && c <= '9';
}

/*
 * Reads 1..TIMEFMT_NUM_DIGITS digits at *s into *v and advances *s.
 * Returns 0 when there are no digits or too many.
 */
static int
timefmt_number(const char **s, uint32_t *v)
{
	const char *p = *s;
	uint32_t n = 0;
	size_t k = 0;

	while (timefmt_digit(*p)) {
		if (++k > TIMEFMT_NUM_DIGITS)
			return 0;
		n = n * 10 + (uint32_t)(*p - '0');
		p++;
	}
	if (k == 0)
		return 0;
	*s = p;
	*v = n;
	return 1;
}

int
duration_parse(const char *s, uint32_t *minutes)
{
	uint32_t h = 0, m = 0, v;
	const char *p = s;
	int have_h = 0, have_m = 0;

	if (s == NULL || !timefmt_number(&p, &v))
		return CAIRN_EINVAL;
	if (*p == '\0') {
		m = v;
		have_m = 1;
	} else if (*p == 'h') {
		h = v;
		have_h = 1;
		p++;
		while (*p == ' ')
			p++;
		if (*p == '\0' && p[-1] == ' ')
			return CAIRN_EINVAL;
		if (*p != '\0') {
			if (!timefmt_number(&p, &m) || *p != 'm')
				return CAIRN_EINVAL;
			p++;
			have_m = 1;
		}
	} else if (*p == 'm') {
		m = v;
		have_m = 1;
		p++;
	} else {
		return CAIRN_EINVAL;
	}
	if (*p != '\0' || (!have_h && !have_m))
		return CAIRN_EINVAL;
	if (h > DURATION_MAX_MINUTES / 60 || m > DURATION_MAX_MINUTES)
		return CAIRN_EINVAL;
	v = h * 60 + m;
	if (v < 1 || v > DURATION_MAX_MINUTES)
		return CAIRN_EINVAL;
	*minutes = v;
	return CAIRN_OK;
}

void
duration_format(uint32_t minutes, char *out, size_t len)
{
	if (len == 0)
		return;
	if (minutes < 60)
		snprintf(out, len, "%um", minutes);
	else if (minutes % 60 == 0)
		snprintf(out, len, "%uh", minutes / 60);
	else
		snprintf(out, len, "%uh%um", minutes / 60, minutes % 60);
}

static int
timefmt_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int
timefmt_days_in_month(int y, int m)
{
	static const int days[12] = {31, 28, 31, 30, 31, 30,
	                             31, 31, 30, 31, 30, 31};

	if (m == 2 && timefmt_leap(y))
		return 29;
	return days[m - 1];
}

/* Reads exactly n digits at s as a number. Returns -1 if they are not. */
static int
timefmt_fixed(const char *s, size_t n)
{
	int v = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (!timefmt_digit(s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* The local calendar date days_back days before the day of now. */
static int
timefmt_local_day(time_t now, int days_back, struct ymd *out)
{
	struct tm tm;
	time_t t;

	if (localtime_r(&now, &tm) == NULL)
		return CAIRN_EINVAL;
	/* Noon is never skipped by a DST change, unlike midnight. */
	tm.tm_mday -= days_back;
	tm.tm_hour = 12;
	tm.tm_min = 0;
	tm.tm_sec = 0;
	tm.tm_isdst = -1;
	t = mktime(&tm);
	if (t == (time_t)-1 && tm.tm_hour != 12)
		return CAIRN_EINVAL;
	out->y = tm.tm_year + 1900;
	out->m = tm.tm_mon + 1;
	out->d = tm.tm_mday;
	return CAIRN_OK;
}

int
date_parse(const char *s, time_t now, struct ymd *out)
{
	int y, m, d;

	if (s == NULL)
		return CAIRN_EINVAL;
	if (strcmp(s, "today") == 0)
		return timefmt_local_day(now, 0, out);
	if (strcmp(s, "yesterday") == 0)
		return timefmt_local_day(now, 1, out);
	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return CAIRN_EINVAL;
	y = timefmt_fixed(s, 4);
	m = timefmt_fixed(s + 5, 2);
	d = timefmt_fixed(s + 8, 2);
	if (y < TIMEFMT_YEAR_MIN || y > TIMEFMT_YEAR_MAX || m < 1 || m > 12 ||
	    d < 1 || d > timefmt_days_in_month(y, m))
		return CAIRN_EINVAL;
	out->y = y;
	out->m = m;
	out->d = d;
	return CAIRN_OK;
}

int
clock_parse(const char *s, int *hour, int *minute)
{
	int h, m;

	if (s == NULL || strlen(s) != 5 || s[2] != ':')
		return CAIRN_EINVAL;
	h = timefmt_fixed(s, 2);
	m = timefmt_fixed(s + 3, 2);
	if (h < 0 || h > 23 || m < 0 || m > 59)
		return CAIRN_EINVAL;
	*hour = h;
	*minute = m;
	return CAIRN_OK;
}

static int
timefmt_date_ok(const struct ymd *date)
{
	return date->y >= TIMEFMT_YEAR_MIN && date->y <= TIMEFMT_YEAR_MAX &&
	       date->m >= 1 && date->m <= 12 && date->d >= 1 &&
	       date->d <= timefmt_days_in_month(date->y, date->m);
}

int
local_to_instant(const struct ymd *date, int hour, int minute, int64_t *utc,
                 int *offset_min)
{
	struct tm tm;
	time_t t;

	if (date == NULL || !timefmt_date_ok(date) || hour < 0 || hour > 23 ||
	    minute < 0 || minute > 59)
		return CAIRN_EINVAL;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = date->y - 1900;
	tm.tm_mon = date->m - 1;
	tm.tm_mday = date->d;
	tm.tm_hour = hour;
	tm.tm_min = minute;
	tm.tm_isdst = -1;
	t = mktime(&tm);
	/* A wall time skipped by a DST change comes back moved: refuse it. */
	if (tm.tm_year != date->y - 1900 || tm.tm_mon != date->m - 1 ||
	    tm.tm_mday != date->d || tm.tm_hour != hour || tm.tm_min != minute)
		return CAIRN_EINVAL;
	*utc = (int64_t)t;
	*offset_min = (int)(tm.tm_gmtoff / 60);
	return CAIRN_OK;
}

int
local_offset(int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (localtime_r(&tt, &tm) == NULL)
		return 0;
	return (int)(tm.tm_gmtoff / 60);
}

void
rfc3339_format(int64_t t, int offset_min, char *out, size_t len)
{
	time_t shifted = (time_t)(t + (int64_t)offset_min * 60);
	int a = offset_min < 0 ? -offset_min : offset_min;
	struct tm tm;

	if (len == 0)
		return;
	if (gmtime_r(&shifted, &tm) == NULL) {
		out[0] = '\0';
		return;
	}
	if (offset_min == 0) {
		snprintf(out, len, "%04d-%02d-%02dT%02d:%02d:%02dZ",
		         tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
		         tm.tm_hour, tm.tm_min, tm.tm_sec);
		return;
	}
	snprintf(out, len, "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d",
	         tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	         tm.tm_min, tm.tm_sec, offset_min < 0 ? '-' : '+', a / 60,
	         a % 60);
}

int64_t
ymd_start(const struct ymd *date)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = date->y - 1900;
	tm.tm_mon = date->m - 1;
	tm.tm_mday = date->d;
	tm.tm_isdst = -1;
	/* Where midnight is skipped, mktime moves it to the day's first hour.
	 */
	return (int64_t)mktime(&tm);
}

int
rfc3339_parse(const char *s, int64_t *t)
{
	int y, mo, d, h, mi, sec, oh = 0, om = 0, n = 0, sign = 0;
	struct ymd date;
	struct tm tm;
	time_t u;

	if (s == NULL ||
	    sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec,
	           &n) != 6 ||
	    n != 19)
		return CAIRN_EINVAL;
	date.y = y;
	date.m = mo;
	date.d = d;
	if (!timefmt_date_ok(&date) || h > 23 || mi > 59 || sec > 60)
		return CAIRN_EINVAL;
	s += n;
	if (strcmp(s, "Z") != 0) {
		if ((s[0] != '+' && s[0] != '-') || strlen(s) != 6 ||
		    sscanf(s + 1, "%2d:%2d", &oh, &om) != 2 || oh > 18 ||
		    om > 59)
			return CAIRN_EINVAL;
		sign = s[0] == '-' ? -1 : 1;
	}
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	if ((u = timegm(&tm)) == (time_t)-1)
		return CAIRN_EINVAL;
	*t = (int64_t)u - (int64_t)sign * (oh * 3600 + om * 60);
	return CAIRN_OK;
}
