/*
 * Durations ("1h30m", "1.5h"), dates ("2024-02-29", "yesterday", "mon",
 * "3 days ago"), times of day ("21:00", "9pm") as learners type them, with
 * the reason when they are refused, and RFC 3339 instants. Local times use
 * the C library's view of the TZ zone: mktime with tm_isdst = -1 and
 * tm_gmtoff for offsets. Calendar days are counted in days since
 * 1970-01-01, so "3 days ago" never meets a DST change.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "timefmt.h"

#define TIMEFMT_NUM_DIGITS 5  /* 99999: past every bound below */
#define TIMEFMT_FRAC_DIGITS 3 /* 1.125h */
#define TIMEFMT_INPUT_MAX 64  /* longer input is no duration or date */
#define TIMEFMT_YEAR_MIN 1970
#define TIMEFMT_YEAR_MAX 9999
#define TIMEFMT_AGO_MAX 36500 /* days or weeks "ago" */

static const char *const timefmt_months[12] = {
        "January", "February", "March",     "April",   "May",      "June",
        "July",    "August",   "September", "October", "November", "December",
};

/* Monday first, as ISO weeks; each row: the full name, then short ones. */
static const char *const timefmt_weekdays[7][5] = {
        {"monday", "mon", NULL},    {"tuesday", "tue", "tues", NULL},
        {"wednesday", "wed", NULL}, {"thursday", "thu", "thur", "thurs", NULL},
        {"friday", "fri", NULL},    {"saturday", "sat", NULL},
        {"sunday", "sun", NULL},
};

static const char *const timefmt_wd_abbr[7] = {"Mon", "Tue", "Wed", "Thu",
                                               "Fri", "Sat", "Sun"};

static int
timefmt_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int
timefmt_alpha(char c)
{
	return c >= 'a' && c <= 'z';
}

/* The failure of every parser: the reason into why, CAIRN_EINVAL out. */
static int __attribute__((format(printf, 3, 4)))
timefmt_why(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	if (why != NULL && whylen > 0) {
		va_start(ap, fmt);
		vsnprintf(why, whylen, fmt, ap);
		va_end(ap);
	}
	return CAIRN_EINVAL;
}

/*
 * Copies s into out lowercased, without the spaces around it. Returns 0
 * when s is NULL, empty or longer than the buffer.
 */
static int
timefmt_norm(const char *s, char out[TIMEFMT_INPUT_MAX + 1])
{
	size_t len, i;

	if (s == NULL)
		return 0;
	while (*s == ' ' || *s == '\t')
		s++;
	len = strnlen(s, TIMEFMT_INPUT_MAX + 1);
	if (len > TIMEFMT_INPUT_MAX)
		return 0;
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	for (i = 0; i < len; i++)
		out[i] = (char)tolower((unsigned char)s[i]);
	out[len] = '\0';
	return len > 0;
}

static const char *
timefmt_skip_spaces(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/*
 * Reads 1..TIMEFMT_NUM_DIGITS digits at *s into *v and advances *s past
 * all the digits there. Returns 0 when there are none, -1 when there are
 * more (the number is past every bound), 1 otherwise.
 */
static int
timefmt_number(const char **s, uint32_t *v, size_t *ndigits)
{
	const char *p = *s;
	uint32_t n = 0;
	size_t k = 0;

	while (timefmt_digit(*p)) {
		if (k < TIMEFMT_NUM_DIGITS)
			n = n * 10 + (uint32_t)(*p - '0');
		k++;
		p++;
	}
	if (ndigits != NULL)
		*ndigits = k;
	if (k == 0)
		return 0;
	*s = p;
	*v = n;
	return k > TIMEFMT_NUM_DIGITS ? -1 : 1;
}

/* Reads a word of letters at *s into out (at most len - 1 of them). */
static void
timefmt_word(const char **s, char *out, size_t len)
{
	const char *p = *s;
	size_t k = 0;

	while (timefmt_alpha(*p)) {
		if (k + 1 < len)
			out[k++] = *p;
		p++;
	}
	out[k] = '\0';
	*s = p;
}

static int
timefmt_in(const char *w, const char *const *list)
{
	for (; *list != NULL; list++)
		if (strcmp(w, *list) == 0)
			return 1;
	return 0;
}

static const char *const timefmt_hour_units[] = {"h",    "hr",    "hrs",
                                                 "hour", "hours", NULL};
static const char *const timefmt_minute_units[] = {"m",      "min",     "mins",
                                                   "minute", "minutes", NULL};

#define DURATION_GENERIC "not a duration: use 45m, 1h30m, 1.5h or 90min"

/* The reason for a bare number n of a duration, with what to say. */
static int
duration_bare(uint32_t n, char *why, size_t whylen)
{
	char f[32];

	if (n == 0 || n > DURATION_MAX_MINUTES)
		return timefmt_why(why, whylen,
		                   "a bare number: say 45m or 1h30m");
	duration_format(n, f, sizeof(f));
	if (n <= 24)
		return timefmt_why(why, whylen, "a bare number: say %um or %uh",
		                   n, n);
	if (n >= 60)
		return timefmt_why(why, whylen, "a bare number: say %um or %s",
		                   n, f);
	return timefmt_why(why, whylen, "a bare number: say %um", n);
}

int
duration_read(const char *s, uint32_t *minutes, char *why, size_t whylen)
{
	char buf[TIMEFMT_INPUT_MAX + 1], unit[16], f[32];
	const char *p = buf;
	uint32_t v, frac, scale, hmin = 0, m = 0, total;
	size_t nd, nf;
	int have_h = 0, have_m = 0, h_frac = 0, big = 0, r;

	if (!timefmt_norm(s, buf))
		return timefmt_why(why, whylen, DURATION_GENERIC);
	/* "1:30" is how a time of day is written: say what is meant. */
	if (timefmt_number(&p, &v, &nd) > 0 && nd <= 2 && *p == ':' &&
	    timefmt_digit(p[1]) && timefmt_digit(p[2]) && p[3] == '\0')
		return timefmt_why(
		        why, whylen,
		        "that is how a time of day is written: for a duration say %uh%c%c%s",
		        v, p[1], p[2], "m");
	p = buf;
	while (*p != '\0') {
		/* ".5h" is half an hour. */
		r = 1;
		v = 0;
		if ((*p != '.' || !timefmt_digit(p[1])) &&
		    (r = timefmt_number(&p, &v, NULL)) == 0)
			return timefmt_why(why, whylen, DURATION_GENERIC);
		big |= r < 0;
		frac = 0;
		scale = 1;
		nf = 0;
		if (*p == '.' || *p == ',') {
			p++;
			while (timefmt_digit(*p)) {
				if (++nf > TIMEFMT_FRAC_DIGITS)
					return timefmt_why(why, whylen,
					                   DURATION_GENERIC);
				frac = frac * 10 + (uint32_t)(*p - '0');
				scale *= 10;
				p++;
			}
			if (nf == 0)
				return timefmt_why(why, whylen,
				                   DURATION_GENERIC);
		}
		p = timefmt_skip_spaces(p);
		timefmt_word(&p, unit, sizeof(unit));
		if (unit[0] == '\0') {
			if (*p != '\0' || nf > 0)
				return timefmt_why(why, whylen,
				                   DURATION_GENERIC);
			if (!have_h && !have_m)
				return duration_bare(big ? 0 : v, why, whylen);
			if (have_h && !have_m && !h_frac && !big && v < 60) {
				duration_format(hmin + v, f, sizeof(f));
				return timefmt_why(
				        why, whylen,
				        "a number without a unit after the hours: say %s",
				        f);
			}
			return timefmt_why(why, whylen, DURATION_GENERIC);
		}
		if (timefmt_in(unit, timefmt_hour_units)) {
			if (have_h || have_m)
				return timefmt_why(why, whylen,
				                   DURATION_GENERIC);
			have_h = 1;
			h_frac = nf > 0;
			if (big || v > DURATION_MAX_MINUTES / 60 + 1) {
				big = 1;
			} else {
				if (frac * 60 % scale != 0) {
					total = v * 60 +
					        (frac * 60 + scale / 2) / scale;
					duration_format(total, f, sizeof(f));
					return timefmt_why(
					        why, whylen,
					        "%u.%0*uh is not a whole number of minutes: say %s",
					        v, (int)nf, frac, f);
				}
				hmin = v * 60 + frac * 60 / scale;
			}
		} else if (timefmt_in(unit, timefmt_minute_units)) {
			if (have_m || h_frac)
				return timefmt_why(why, whylen,
				                   DURATION_GENERIC);
			have_m = 1;
			if (nf > 0)
				return timefmt_why(why, whylen,
				                   "minutes are whole: say %um",
				                   v + (frac * 2 >= scale));
			m = v;
		} else {
			return timefmt_why(why, whylen, DURATION_GENERIC);
		}
		p = timefmt_skip_spaces(p);
	}
	if (big || hmin + m > DURATION_MAX_MINUTES)
		return timefmt_why(
		        why, whylen,
		        "more than 24h, the most one entry can hold: log each day apart, e.g. 8h");
	total = hmin + m;
	if (have_h && m >= 60) {
		duration_format(total, f, sizeof(f));
		return timefmt_why(why, whylen,
		                   "%u minutes is more than an hour: use %s", m,
		                   f);
	}
	if (total == 0)
		return timefmt_why(
		        why, whylen,
		        "no time at all: give at least 1m, e.g. 45m");
	*minutes = total;
	return CAIRN_OK;
}

int
duration_parse(const char *s, uint32_t *minutes)
{
	return duration_read(s, minutes, NULL, 0);
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

int
ymd_days_in_month(int y, int m)
{
	static const int days[12] = {31, 28, 31, 30, 31, 30,
	                             31, 31, 30, 31, 30, 31};

	if (m == 2 && timefmt_leap(y))
		return 29;
	return days[m - 1];
}

int64_t
ymd_days(const struct ymd *date)
{
	int64_t y = date->y, era, yoe, doy, doe;
	int m = date->m, d = date->d;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void
days_ymd(int64_t days, struct ymd *out)
{
	int64_t z = days + 719468, era, doe, yoe, y, doy, mp;

	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	out->d = (int)(doy - (153 * mp + 2) / 5 + 1);
	out->m = (int)(mp < 10 ? mp + 3 : mp - 9);
	out->y = (int)(y + (out->m <= 2));
}

/* 0 for Monday .. 6 for Sunday (1970-01-01 was a Thursday). */
static int
timefmt_wday(int64_t days)
{
	return (int)(((days + 3) % 7 + 7) % 7);
}

const char *
days_weekday(int64_t days)
{
	return timefmt_wd_abbr[timefmt_wday(days)];
}

int
local_days(time_t now, int64_t *days)
{
	struct ymd d;
	struct tm tm;

	if (localtime_r(&now, &tm) == NULL)
		return CAIRN_EINVAL;
	d.y = tm.tm_year + 1900;
	d.m = tm.tm_mon + 1;
	d.d = tm.tm_mday;
	*days = ymd_days(&d);
	return CAIRN_OK;
}

#define DATE_GENERIC \
	"not a date: use YYYY-MM-DD, today, yesterday, a weekday (mon) or '3 days ago'"

/* "YYYY-M-D" (month and day of one or two digits) into *days. */
static int
date_numeric(const char *p, int64_t *days, char *why, size_t whylen)
{
	uint32_t y, m, d;
	size_t ny, nm, nd;
	struct ymd date;
	int dim;

	if (timefmt_number(&p, &y, &ny) <= 0 || ny != 4 || *p++ != '-' ||
	    timefmt_number(&p, &m, &nm) <= 0 || nm > 2 || *p++ != '-' ||
	    timefmt_number(&p, &d, &nd) <= 0 || nd > 2 || *p != '\0')
		return timefmt_why(why, whylen, DATE_GENERIC);
	if (m < 1 || m > 12)
		return timefmt_why(why, whylen, "there is no month %u", m);
	if (y < TIMEFMT_YEAR_MIN)
		return timefmt_why(
		        why, whylen,
		        "before 1970: the earliest date is 1970-01-01");
	dim = ymd_days_in_month((int)y, (int)m);
	if (d < 1)
		return timefmt_why(why, whylen, "there is no day 0");
	if (d > (uint32_t)dim) {
		if (m == 2)
			return timefmt_why(why, whylen,
			                   "February has %d days in %u", dim,
			                   y);
		return timefmt_why(why, whylen, "%s has %d days",
		                   timefmt_months[m - 1], dim);
	}
	date.y = (int)y;
	date.m = (int)m;
	date.d = (int)d;
	*days = ymd_days(&date);
	return CAIRN_OK;
}

/* "N days ago", "1 week ago" into *days. */
static int
date_ago(const char *p, int64_t today, int64_t *days, char *why, size_t whylen)
{
	char unit[16], ago[8];
	uint32_t n;
	int r, week;

	if ((r = timefmt_number(&p, &n, NULL)) == 0)
		return timefmt_why(why, whylen, DATE_GENERIC);
	p = timefmt_skip_spaces(p);
	if (*p == '\0') {
		struct ymd t;

		days_ymd(today, &t);
		return timefmt_why(
		        why, whylen,
		        "a bare number: say '%u days ago' (quoted) or a date like %04d-%02d-%02d",
		        r > 0 ? n : 3, t.y, t.m, t.d);
	}
	timefmt_word(&p, unit, sizeof(unit));
	if (strcmp(unit, "day") == 0 || strcmp(unit, "days") == 0)
		week = 0;
	else if (strcmp(unit, "week") == 0 || strcmp(unit, "weeks") == 0)
		week = 1;
	else
		return timefmt_why(why, whylen, DATE_GENERIC);
	p = timefmt_skip_spaces(p);
	timefmt_word(&p, ago, sizeof(ago));
	if (*p != '\0' || (ago[0] != '\0' && strcmp(ago, "ago") != 0))
		return timefmt_why(why, whylen, DATE_GENERIC);
	if (ago[0] == '\0')
		return timefmt_why(why, whylen, "say '%u %s ago'", n, unit);
	if (r < 0 || n > TIMEFMT_AGO_MAX)
		return timefmt_why(why, whylen,
		                   "too far back: give a date as YYYY-MM-DD");
	*days = today - (int64_t)n * (week ? 7 : 1);
	return CAIRN_OK;
}

int
date_read_days(const char *s, int64_t today, int flags, int64_t *days,
               char *why, size_t whylen)
{
	char buf[TIMEFMT_INPUT_MAX + 1];
	struct ymd t;
	int64_t d = 0;
	int rc, i;

	if (!timefmt_norm(s, buf))
		return timefmt_why(why, whylen, DATE_GENERIC);
	rc = CAIRN_EINVAL;
	if (strcmp(buf, "today") == 0) {
		d = today;
		rc = CAIRN_OK;
	} else if (strcmp(buf, "yesterday") == 0) {
		d = today - 1;
		rc = CAIRN_OK;
	} else if (timefmt_alpha(buf[0])) {
		for (i = 0; i < 7 && rc != CAIRN_OK; i++) {
			if (!timefmt_in(buf, timefmt_weekdays[i]))
				continue;
			/* The most recent such day; today if it is one. */
			d = today - (timefmt_wday(today) - i + 7) % 7;
			rc = CAIRN_OK;
		}
		if (rc != CAIRN_OK)
			return timefmt_why(why, whylen, DATE_GENERIC);
	} else if (strchr(buf, '-') != NULL) {
		if ((rc = date_numeric(buf, &d, why, whylen)) != CAIRN_OK)
			return rc;
	} else if ((rc = date_ago(buf, today, &d, why, whylen)) != CAIRN_OK) {
		return rc;
	}
	if (d < 0)
		return timefmt_why(
		        why, whylen,
		        "before 1970: the earliest date is 1970-01-01");
	days_ymd(d, &t);
	if (t.y > TIMEFMT_YEAR_MAX)
		return timefmt_why(why, whylen, DATE_GENERIC);
	if ((flags & DATE_NOT_FUTURE) && d > today) {
		days_ymd(today, &t);
		return timefmt_why(
		        why, whylen,
		        "a day in the future (today is %s %04d-%02d-%02d)",
		        days_weekday(today), t.y, t.m, t.d);
	}
	*days = d;
	return CAIRN_OK;
}

int
date_read(const char *s, time_t now, int flags, struct ymd *out, char *why,
          size_t whylen)
{
	int64_t today, d;
	int rc;

	if (local_days(now, &today) != CAIRN_OK)
		return timefmt_why(why, whylen, "cannot tell today's date");
	if ((rc = date_read_days(s, today, flags, &d, why, whylen)) != CAIRN_OK)
		return rc;
	days_ymd(d, out);
	return CAIRN_OK;
}

int
date_parse(const char *s, time_t now, struct ymd *out)
{
	return date_read(s, now, 0, out, NULL, 0);
}

#define CLOCK_GENERIC "not a time: use 21:00, 9:05, 9pm or 9:30pm"

int
clock_read(const char *s, int *hour, int *minute, char *why, size_t whylen)
{
	char buf[TIMEFMT_INPUT_MAX + 1], suffix[8];
	const char *p = buf;
	uint32_t h, m = 0;
	size_t nh, nm = 0;
	int colon = 0, pm;

	if (!timefmt_norm(s, buf))
		return timefmt_why(why, whylen, CLOCK_GENERIC);
	if (strcmp(buf, "noon") == 0 || strcmp(buf, "midnight") == 0) {
		*hour = buf[0] == 'n' ? 12 : 0;
		*minute = 0;
		return CAIRN_OK;
	}
	if (timefmt_number(&p, &h, &nh) <= 0 || nh > 2)
		return timefmt_why(why, whylen, CLOCK_GENERIC);
	if (*p == ':') {
		p++;
		colon = 1;
		if (timefmt_number(&p, &m, &nm) <= 0 || nm > 2)
			return timefmt_why(why, whylen, CLOCK_GENERIC);
	}
	p = timefmt_skip_spaces(p);
	timefmt_word(&p, suffix, sizeof(suffix));
	if (*p != '\0' || (suffix[0] != '\0' && strcmp(suffix, "am") != 0 &&
	                   strcmp(suffix, "pm") != 0))
		return timefmt_why(why, whylen, CLOCK_GENERIC);
	if (colon && nm != 2)
		return timefmt_why(why, whylen,
		                   "the minutes take two digits: say %u:%02u",
		                   h, m);
	if (m > 59)
		return timefmt_why(
		        why, whylen,
		        "there is no minute %u: the minutes run 00 to 59", m);
	if (suffix[0] != '\0') {
		pm = suffix[0] == 'p';
		if (h == 0 || h > 12) {
			if (h > 23)
				return timefmt_why(why, whylen,
				                   "there is no hour %u", h);
			if (m == 0)
				return timefmt_why(
				        why, whylen,
				        "with am or pm the hour runs 1 to 12: say %02u:00 or %u%s",
				        h, h == 0 ? 12 : h - 12,
				        h < 12 ? "am" : "pm");
			return timefmt_why(
			        why, whylen,
			        "with am or pm the hour runs 1 to 12: say %02u:%02u or %u:%02u%s",
			        h, m, h == 0 ? 12 : h - 12, m,
			        h < 12 ? "am" : "pm");
		}
		h = h % 12 + (pm ? 12 : 0);
	} else if (!colon) {
		if (h > 23)
			return timefmt_why(why, whylen, CLOCK_GENERIC);
		if (h == 0 || h == 12)
			return timefmt_why(why, whylen,
			                   "a bare number: say %02u:00 or 12%s",
			                   h, h == 0 ? "am" : "pm");
		if (h > 12)
			return timefmt_why(why, whylen,
			                   "a bare number: say %02u:00 or %upm",
			                   h, h - 12);
		return timefmt_why(why, whylen,
		                   "a bare number: say %02u:00, %uam or %upm",
		                   h, h, h);
	} else if (h == 24) {
		return timefmt_why(why, whylen,
		                   "there is no hour 24: midnight is 00:00");
	} else if (h > 23) {
		return timefmt_why(
		        why, whylen,
		        "there is no hour %u: the hours run 00 to 23", h);
	}
	*hour = (int)h;
	*minute = (int)m;
	return CAIRN_OK;
}

int
clock_parse(const char *s, int *hour, int *minute)
{
	return clock_read(s, hour, minute, NULL, 0);
}

static int
timefmt_date_ok(const struct ymd *date)
{
	return date->y >= TIMEFMT_YEAR_MIN && date->y <= TIMEFMT_YEAR_MAX &&
	       date->m >= 1 && date->m <= 12 && date->d >= 1 &&
	       date->d <= ymd_days_in_month(date->y, date->m);
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
