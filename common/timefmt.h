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

/*
 * Parses "45m", "1h30m", "2h", "1h 30m", "90" (minutes) into minutes
 * (1..DURATION_MAX_MINUTES). CAIRN_EINVAL otherwise.
 */
int duration_parse(const char *s, uint32_t *minutes);
/* Formats minutes as "45m", "2h", "1h30m". */
void duration_format(uint32_t minutes, char *out, size_t len);

struct ymd {
	int y, m, d;
};

/*
 * Parses "YYYY-MM-DD", "today" or "yesterday" (relative to now, local
 * time) into a valid calendar date. CAIRN_EINVAL otherwise.
 */
int date_parse(const char *s, time_t now, struct ymd *out);
/* Parses "HH:MM" (00:00..23:59). CAIRN_EINVAL otherwise. */
int clock_parse(const char *s, int *hour, int *minute);
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
