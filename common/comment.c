/*
 * The rules of comments and reviews, shared by client and server, and ISO
 * week names (Monday first; the week belongs to the year of its Thursday),
 * computed on days since 1970-01-01 so they do not depend on a time zone.
 */
#include <stdio.h>
#include <string.h>

#include "comment.h"
#include "entry.h"
#include "err.h"
#include "planrec.h"
#include "uuid.h"
#include "utf8.h"

#define COMMENT_AT_MIN 946684800 /* 2000-01-01 */

/* Floor division by 7 for negative days too. */
static int64_t
floor7(int64_t d)
{
	return d >= 0 ? d / 7 : -((-d + 6) / 7);
}

/* Days since 1970-01-01 of January 1st of year y. */
static int64_t
year_start(int y)
{
	char s[16];
	int64_t d = 0;

	snprintf(s, sizeof(s), "%04d-01-01", (y % 10000 + 10000) % 10000);
	planrec_date_days(s, &d);
	return d;
}

void
week_of_day(int64_t day, char out[WEEK_NAME_LEN + 1], int64_t *monday)
{
	/* 1970-01-05 (day 4) was a Monday. */
	int64_t mon = 4 + floor7(day - 4) * 7, thu = mon + 3;
	char date[11];
	int y, w;

	planrec_days_date(thu, date);
	y = (date[0] - '0') * 1000 + (date[1] - '0') * 100 +
	    (date[2] - '0') * 10 + (date[3] - '0');
	w = (int)((thu - year_start(y)) / 7) + 1;
	snprintf(out, WEEK_NAME_LEN + 1, "%04u-W%02u", (unsigned)y % 10000u,
	         (unsigned)w % 100u);
	if (monday != NULL)
		*monday = mon;
}

int
week_monday(const char *s, int64_t *monday)
{
	char again[WEEK_NAME_LEN + 1];
	int64_t jan4, mon;
	int y, w;

	if (s == NULL || strlen(s) != WEEK_NAME_LEN || s[4] != '-' ||
	    s[5] != 'W' || sscanf(s, "%4d-W%2d", &y, &w) != 2 || y < 2000 ||
	    y > 2999 || w < 1 || w > 53)
		return CAIRN_EINVAL;
	/* Week 1 is the week that holds January 4th. */
	jan4 = year_start(y) + 3;
	mon = 4 + floor7(jan4 - 4) * 7 + (int64_t)(w - 1) * 7;
	week_of_day(mon, again, NULL);
	if (strcmp(again, s) != 0)
		return CAIRN_EINVAL; /* W53 of a year that has 52 */
	*monday = mon;
	return CAIRN_OK;
}

int
week_valid(const char *s)
{
	int64_t m;

	return week_monday(s, &m) == CAIRN_OK;
}

int
comment_validate(const Cairn__Comment *c, char *why, size_t whylen)
{
	int has_target = c->target != NULL && c->target[0] != '\0';
	int has_week = c->week != NULL && c->week[0] != '\0';
	size_t n;

	if (has_target == has_week)
		return validate_fail(why, whylen,
		                     "a comment is on one record or one week");
	if (has_target && !uuid_valid(c->target))
		return validate_fail(why, whylen,
		                     "the record commented on is not an ID");
	if (has_week && !week_valid(c->week))
		return validate_fail(why, whylen,
		                     "week is not YYYY-Www (e.g. 2026-W48)");
	n = c->text != NULL ? strlen(c->text) : 0;
	if (n == 0)
		return validate_fail(why, whylen, "comment text is empty");
	if (n > COMMENT_TEXT_MAX)
		return validate_fail(why, whylen,
		                     "comment text is longer than %d bytes",
		                     COMMENT_TEXT_MAX);
	if (!utf8_valid(c->text, n))
		return validate_fail(why, whylen,
		                     "comment text is not valid UTF-8");
	if (c->at < COMMENT_AT_MIN)
		return validate_fail(why, whylen,
		                     "comment time is before 2000");
	return CAIRN_OK;
}

int
review_validate(const Cairn__Review *r, char *why, size_t whylen)
{
	if (r->week == NULL || !week_valid(r->week))
		return validate_fail(why, whylen,
		                     "week is not YYYY-Www (e.g. 2026-W48)");
	if (r->at < COMMENT_AT_MIN)
		return validate_fail(why, whylen, "review time is before 2000");
	return CAIRN_OK;
}
