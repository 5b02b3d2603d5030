/*
 * Durations, dates and instants as learners type them and as cairn prints
 * them. Local dates are interpreted in the process's time zone (TZ).
 */
#ifndef CAIRN_TIMEFMT_H
#define CAIRN_TIMEFMT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define DURATION_MAX_MINUTES (24 * 60)
/* Room for the reason the *_read parsers give, with its NUL. */
#define TIMEFMT_WHY_MAX 192

/*
 * The *_read parsers take what a learner typed (case and surrounding
 * spaces ignored) and, when they refuse it, write to why (if not NULL)
 * a reason with a correct example, such as "a bare number: say 90m or
 * 1h30m", for the caller to put after the field's name. 'cairn help
 * dates' documents the forms. They return CAIRN_OK or CAIRN_EINVAL and
 * write their out-parameters only on success.
 */

/*
 * A duration of 1..DURATION_MAX_MINUTES minutes: "45m", "1h30m",
 * "1h 30m", "1.5h", "90min", "2 hours". Refused: a bare number, minutes
 * of an hour past 59 ("1h70m"), no time ("0m"), more than 24h.
 */
int duration_read(const char *s, uint32_t *minutes, char *why, size_t whylen);
/* duration_read without the reason. */
int duration_parse(const char *s, uint32_t *minutes);
/* Formats minutes as "45m", "2h", "1h30m". */
void duration_format(uint32_t minutes, char *out, size_t len);

struct ymd {
	int y, m, d;
};

/* Flags of date_read. */
#define DATE_NOT_FUTURE 0x01 /* refuse a day after today */

/*
 * A calendar day, as days since 1970-01-01, given today (the same):
 * "YYYY-MM-DD", "today", "yesterday", a weekday ("monday", "mon": the
 * most recent such day, today included), "3 days ago", "2 weeks ago".
 * Refused with the reason: days a month does not have ("February has 28
 * days in 2026"), "there is no month 13", years before 1970, and with
 * DATE_NOT_FUTURE a day after today.
 */
int date_read_days(const char *s, int64_t today, int flags, int64_t *days,
                   char *why, size_t whylen);
/* date_read_days with today the local date of now. */
int date_read(const char *s, time_t now, int flags, struct ymd *out, char *why,
              size_t whylen);
/* date_read with no flags and without the reason. */
int date_parse(const char *s, time_t now, struct ymd *out);
/*
 * A time of day: "21:00", "9:05", "9pm", "9:30pm", "12am" (00:00),
 * "12pm" (12:00), "noon", "midnight". Refused with the reason: hours
 * past 23 (or past 12 with am/pm), minutes past 59, a bare number.
 */
int clock_read(const char *s, int *hour, int *minute, char *why, size_t whylen);
/* clock_read without the reason. */
int clock_parse(const char *s, int *hour, int *minute);

/* Days in month m (1-12) of year y (proleptic Gregorian). */
int ymd_days_in_month(int y, int m);
/* Days since 1970-01-01 of a calendar date (proleptic Gregorian). */
int64_t ymd_days(const struct ymd *date);
/* The calendar date of days since 1970-01-01. */
void days_ymd(int64_t days, struct ymd *out);
/* "Mon".."Sun" of days since 1970-01-01. */
const char *days_weekday(int64_t days);
/* The local date of instant now (TZ), as days since 1970-01-01. */
int local_days(time_t now, int64_t *days);

/*
 * The UTC instant of a local wall time on a date, and the local UTC offset
 * in minutes at that instant. CAIRN_EINVAL if it does not exist.
 */
int local_to_instant(const struct ymd *date, int hour, int minute, int64_t *utc,
                     int *offset_min);
/* Local UTC offset in minutes at instant t. */
int local_offset(int64_t t);
/* Formats t shifted by offset as RFC 3339, e.g. 2026-11-22T09:30:00+01:00. */
void rfc3339_format(int64_t t, int offset_min, char *out, size_t len);
/*
 * Parses an RFC 3339 instant, "2026-12-02T21:00:00Z" or with an offset
 * "+01:00" (seconds required, no fraction). CAIRN_EINVAL otherwise.
 */
int rfc3339_parse(const char *s, int64_t *t);
/* Start of the local day of ymd as a UTC instant. */
int64_t ymd_start(const struct ymd *date);

#endif
