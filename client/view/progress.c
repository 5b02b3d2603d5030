/*
 * One learner's week at a glance, for mentees, review and group board:
 * the progress model (model.c) over one ISO week, with the plan's due
 * and overdue items and whether that makes them behind. Nothing here
 * counts minutes of its own.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cairn.h"
#include "comment.h"
#include "err.h"
#include "planrec.h"
#include "timefmt.h"

int
week_arg(const char *s, int64_t today, int64_t *monday, struct errbuf *err)
{
	char name[WEEK_NAME_LEN + 1], why[TIMEFMT_WHY_MAX];
	int64_t day;

	if (s == NULL || strcmp(s, "this") == 0) {
		week_of_day(today, name, monday);
		return CAIRN_OK;
	}
	if (strcmp(s, "last") == 0) {
		week_of_day(today - 7, name, monday);
		return CAIRN_OK;
	}
	if (week_monday(s, monday) == CAIRN_OK)
		return CAIRN_OK;
	/* A date in the week, in any form dates take ('cairn help dates'). */
	if (date_read_days(s, today, 0, &day, why, sizeof(why)) == CAIRN_OK) {
		week_of_day(day, name, monday);
		return CAIRN_OK;
	}
	if (strncmp(why, "not a date", 10) != 0)
		return errbuf_set(err, CAIRN_EINVAL, "bad week '%s': %s", s,
		                  why);
	return errbuf_set(
	        err, CAIRN_EINVAL,
	        "bad week '%s': use this, last, YYYY-Www (e.g. 2026-W48) or a date in it",
	        s);
}

int
progress_compute(struct store *st, const char *user, const struct ptree *t,
                 int64_t monday, int64_t today, struct progress *out)
{
	struct pstatus ps;
	struct progress p;
	struct model m;
	int64_t upto;
	size_t i;
	int rc;

	if ((rc = model_build(st, user, t, monday, monday + 6, today, NULL,
	                      &m)))
		return rc;
	memset(&p, 0, sizeof(p));
	snprintf(p.user, sizeof(p.user), "%s", user);
	p.monday = monday;
	p.today = today;
	upto = today < monday + 6 ? today : monday + 6;
	for (i = 0; i < 7; i++) {
		p.day_minutes[i] = m.days[i].minutes;
		p.target_h += m.days[i].target_h;
		if (m.days[i].day <= upto)
			p.due_h += m.days[i].target_h;
	}
	p.week_minutes = m.total;
	p.streak = m.streak;
	p.last_at = m.last_at;
	p.first_day = m.first_day;
	p.entries = m.entries_total;
	/* Commitments broken lately (the last two weeks), for mentors. */
	for (i = 0; i < m.n_breaches; i++)
		if (m.breaches[i].to >= today - 14)
			p.breaches++;
	if (t != NULL) {
		p.has_plan = 1;
		snprintf(p.plan, sizeof(p.plan), "%s", m.plan);
		if ((rc = pstatus_compute(t, today, &ps)) != CAIRN_OK)
			goto out;
		for (i = 0; i < ps.n_overdue; i++) {
			int k = t->items[ps.overdue[i]].m->kind;

			if (k == CAIRN__ITEM_KIND__ITEM_MILESTONE ||
			    k == CAIRN__ITEM_KIND__ITEM_PHASE)
				p.overdue++;
		}
		pstatus_release(&ps);
	}
	p.behind = (p.due_h > 0 && (double)p.week_minutes < p.due_h * 60.0) ||
	           p.overdue > 0;
	*out = p;
out:
	model_release(&m);
	return rc;
}

json_t *
progress_json(const struct progress *p)
{
	char mon[11], week[WEEK_NAME_LEN + 1];
	json_t *days = json_array();
	int i;

	planrec_days_date(p->monday, mon);
	week_of_day(p->monday, week, NULL);
	for (i = 0; days != NULL && i < 7; i++)
		json_array_append_new(days, json_integer(p->day_minutes[i]));
	return json_pack(
	        "{s:s, s:s, s:s, s:o, s:I, s:o, s:o, s:i, s:o, s:i, s:b, s:i}",
	        "user", p->user, "week", week, "monday", mon, "days", days,
	        "minutes", (json_int_t)p->week_minutes, "target_minutes",
	        p->has_plan
	                ? json_integer((json_int_t)(p->target_h * 60.0 + 0.5))
	                : json_null(),
	        "due_minutes",
	        p->has_plan ? json_integer((json_int_t)(p->due_h * 60.0 + 0.5))
	                    : json_null(),
	        "streak", p->streak, "last_checkin",
	        out_time_or_null(p->last_at), "overdue", p->overdue, "behind",
	        p->behind, "broken_commitments", p->breaches);
}

void
progress_hours(const struct progress *p, char *out, size_t len)
{
	char done[32];

	duration_format((uint32_t)p->week_minutes, done, sizeof(done));
	if (p->has_plan && p->target_h > 0)
		snprintf(out, len, "%s of %gh", done,
		         (double)(int)(p->target_h * 10 + 0.5) / 10);
	else
		snprintf(out, len, "%s", done);
}
