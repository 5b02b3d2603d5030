/*
 * The rules of plans and plan items, shared by client and server: every
 * string bounded and UTF-8, kinds known, windows sane, percentages and
 * hours within their ranges. Also the calendar arithmetic plans use
 * (dates as days since 1970-01-01, independent of the time zone).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "entry.h"
#include "err.h"
#include "planrec.h"
#include "timefmt.h"
#include "uuid.h"
#include "utf8.h"

int
planrec_date_days(const char *s, int64_t *days)
{
	struct ymd date;
	int y, m, d, i;

	if (s == NULL || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return CAIRN_EINVAL;
	for (i = 0; i < 10; i++) {
		if (i != 4 && i != 7 && !(s[i] >= '0' && s[i] <= '9'))
			return CAIRN_EINVAL;
	}
	y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 +
	    (s[3] - '0');
	m = (s[5] - '0') * 10 + (s[6] - '0');
	d = (s[8] - '0') * 10 + (s[9] - '0');
	if (y < 1970 || m < 1 || m > 12 || d < 1 || d > ymd_days_in_month(y, m))
		return CAIRN_EINVAL;
	date.y = y;
	date.m = m;
	date.d = d;
	*days = ymd_days(&date);
	return CAIRN_OK;
}

void
planrec_days_date(int64_t days, char out[11])
{
	struct ymd date;

	days_ymd(days, &date);
	if (date.y < 0 || date.y > 9999)
		date.y = 0;
	snprintf(out, 11, "%04d-%02d-%02d", date.y, date.m, date.d);
}

/*
 * 1 if s is 0..max bytes (at least min) of UTF-8 without control
 * characters other than tab (and newline when lines is set).
 */
static int
planrec_text(const char *s, size_t min, size_t max, int lines)
{
	size_t len, i;

	if (s == NULL)
		return min == 0;
	len = strnlen(s, max + 1);
	if (len < min || len > max || !utf8_valid(s, len))
		return 0;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\t' || (lines && (c == '\n' || c == '\r')))
			continue;
		if (c < 0x20 || c == 0x7f)
			return 0;
	}
	return 1;
}

static int
planrec_hours(float h, float max)
{
	return isfinite(h) && h >= 0 && h <= max;
}

static int
planrec_validate_rows(const Cairn__Plan *p, char *why, size_t whylen)
{
	size_t i;

	if (p->n_schedule > PLANREC_SCHEDULE_MAX)
		return validate_fail(why, whylen,
		                     "schedule: at most %d rows allowed",
		                     PLANREC_SCHEDULE_MAX);
	for (i = 0; i < p->n_schedule; i++) {
		const Cairn__ScheduleRow *r = p->schedule[i];

		if (r == NULL || !planrec_text(r->day, 1, PLANREC_DAY_MAX, 0))
			return validate_fail(
			        why, whylen,
			        "schedule: each day must be 1..%d bytes of printable UTF-8",
			        PLANREC_DAY_MAX);
		if (!planrec_hours(r->hours, 24))
			return validate_fail(why, whylen,
			                     "schedule: hours must be 0..24");
		if (!planrec_text(r->activity, 0, PLANREC_TEXT_MAX, 0))
			return validate_fail(
			        why, whylen,
			        "schedule: each activity must be 0..%d bytes of printable UTF-8",
			        PLANREC_TEXT_MAX);
	}
	if (p->n_allocations > PLANREC_ALLOC_MAX)
		return validate_fail(why, whylen,
		                     "allocations: at most %d allowed",
		                     PLANREC_ALLOC_MAX);
	for (i = 0; i < p->n_allocations; i++) {
		const Cairn__Allocation *a = p->allocations[i];

		if (a == NULL || !activity_valid(a->activity))
			return validate_fail(
			        why, whylen,
			        "allocations: each activity must be a lowercase word");
		if (a->min_pct > a->max_pct || a->max_pct > 100)
			return validate_fail(why, whylen,
			                     "allocations: percentages must be "
			                     "0 <= min <= max <= 100");
	}
	return CAIRN_OK;
}

int
planrec_validate_plan(const Cairn__Plan *p, char *why, size_t whylen)
{
	int64_t days;

	if (p == NULL)
		return validate_fail(why, whylen, "plan: missing");
	if (!planrec_text(p->title, 1, PLANREC_TITLE_MAX, 0))
		return validate_fail(
		        why, whylen,
		        "title: must be 1..%d bytes of printable UTF-8",
		        PLANREC_TITLE_MAX);
	if (!planrec_text(p->goal, 0, PLANREC_GOAL_MAX, 1))
		return validate_fail(why, whylen,
		                     "goal: at most %d bytes of UTF-8",
		                     PLANREC_GOAL_MAX);
	if (planrec_date_days(p->start, &days) != CAIRN_OK)
		return validate_fail(why, whylen,
		                     "start: must be a date YYYY-MM-DD");
	if (!planrec_hours(p->hours_min, PLANREC_HOURS_MAX) ||
	    !planrec_hours(p->hours_max, PLANREC_HOURS_MAX) ||
	    p->hours_min > p->hours_max)
		return validate_fail(why, whylen,
		                     "hours: must be 0 <= min <= max <= %d",
		                     PLANREC_HOURS_MAX);
	if (!planrec_text(p->source, 0, PLANREC_SOURCE_MAX, 0))
		return validate_fail(
		        why, whylen,
		        "source: at most %d bytes of printable UTF-8",
		        PLANREC_SOURCE_MAX);
	return planrec_validate_rows(p, why, whylen);
}

int
planrec_validate_item(const Cairn__PlanItem *it, const char *id, char *why,
                      size_t whylen)
{
	if (it == NULL)
		return validate_fail(why, whylen, "item: missing");
	if (!uuid_valid(it->plan))
		return validate_fail(why, whylen, "plan: must be a UUID");
	if (it->parent != NULL && it->parent[0] != '\0' &&
	    (!uuid_valid(it->parent) ||
	     (id != NULL && strcmp(it->parent, id) == 0) ||
	     strcmp(it->parent, it->plan) == 0))
		return validate_fail(why, whylen,
		                     "parent: must be another item's UUID");
	if (it->position > PLANREC_POSITION_MAX)
		return validate_fail(why, whylen, "position: at most %d",
		                     PLANREC_POSITION_MAX);
	if (it->kind < CAIRN__ITEM_KIND__ITEM_PHASE ||
	    it->kind > CAIRN__ITEM_KIND__ITEM_NOTE)
		return validate_fail(why, whylen, "kind: unknown kind %d",
		                     (int)it->kind);
	if (!planrec_text(it->title, 0, PLANREC_TITLE_MAX, 0))
		return validate_fail(
		        why, whylen,
		        "title: at most %d bytes of printable UTF-8",
		        PLANREC_TITLE_MAX);
	if (!planrec_text(it->line, 0, PLANREC_LINE_MAX, 1))
		return validate_fail(why, whylen,
		                     "line: at most %d bytes of UTF-8",
		                     PLANREC_LINE_MAX);
	if (it->has_window && (it->from_day < 0 || it->from_day > it->to_day ||
	                       it->to_day > PLANREC_DAYS_MAX))
		return validate_fail(why, whylen,
		                     "window: must be 0 <= from <= to <= %d",
		                     PLANREC_DAYS_MAX);
	if (!it->has_window && (it->from_day != 0 || it->to_day != 0))
		return validate_fail(
		        why, whylen,
		        "window: from and to must be 0 without a window");
	if (it->limit_minutes > DURATION_MAX_MINUTES)
		return validate_fail(why, whylen,
		                     "limit_minutes: must be 0..%d",
		                     DURATION_MAX_MINUTES);
	if (it->level > PLANREC_LEVEL_MAX)
		return validate_fail(why, whylen, "level: must be 0..%d",
		                     PLANREC_LEVEL_MAX);
	return CAIRN_OK;
}
