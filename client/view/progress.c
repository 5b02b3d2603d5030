/*
 * The progress model: what a learner did in one ISO week against what
 * their plan asks, their streak, their last check-in and whether they are
 * behind, computed from the local store for any user this home may see.
 * mentees, review and group board read this one model; no figure is
 * computed twice.
 *
 * A session belongs to the learner's own day: the wall-clock date where
 * it was logged (started_at shifted by the entry's UTC offset), so a
 * partner in another time zone sees the same week the learner sees.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cairn.h"
#include "comment.h"
#include "err.h"
#include "planrec.h"
#include "timefmt.h"

/* Days a streak may look back (ten years). */
#define PROGRESS_DAYS 3653

struct progress_scan {
	struct progress *p;
	uint32_t *back; /* minutes per day, index today - day */
};

/* The learner's own day of an entry. */
static int64_t
entry_day(const Cairn__Entry *e)
{
	int64_t t = e->started_at + (int64_t)e->utc_offset * 60;

	return t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
}

static int
progress_entry(void *arg, const struct rec *r)
{
	struct progress_scan *sc = arg;
	struct progress *p = sc->p;
	Cairn__Entry *e;
	int64_t day;

	if ((e = entryrec_unpack(r)) == NULL)
		return 0; /* unreadable: skipped, like ls does */
	day = entry_day(e);
	if (day >= p->monday && day < p->monday + 7) {
		p->day_minutes[day - p->monday] += e->minutes;
		p->week_minutes += e->minutes;
	}
	if (day <= p->today && p->today - day < PROGRESS_DAYS)
		sc->back[p->today - day] += e->minutes;
	if (e->started_at > p->last_at)
		p->last_at = e->started_at;
	if (p->first_day < 0 || day < p->first_day)
		p->first_day = day;
	p->entries++;
	cairn__entry__free_unpacked(e, NULL);
	return 0;
}

int
week_arg(const char *s, int64_t today, int64_t *monday, struct errbuf *err)
{
	char name[WEEK_NAME_LEN + 1];
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
	if (planrec_date_days(s, &day) == CAIRN_OK) {
		week_of_day(day, name, monday);
		return CAIRN_OK;
	}
	return errbuf_set(err, CAIRN_EINVAL,
	                  "bad week '%s': use this, last, YYYY-Www (e.g. "
	                  "2026-W48) or a date in it",
	                  s);
}

int
progress_compute(struct store *st, const char *user, const struct ptree *t,
                 int64_t monday, int64_t today, struct progress *out)
{
	struct store_filter f = {INT64_MIN, INT64_MAX, 0, user};
	struct progress_scan sc;
	struct pstatus ps;
	struct progress p;
	int64_t d, upto;
	size_t i;
	int rc;

	memset(&p, 0, sizeof(p));
	snprintf(p.user, sizeof(p.user), "%s", user);
	p.monday = monday;
	p.today = today;
	p.first_day = -1;
	if ((sc.back = calloc(PROGRESS_DAYS, sizeof(*sc.back))) == NULL)
		return CAIRN_ENOMEM;
	sc.p = &p;
	rc = store_list(st, &f, progress_entry, &sc);
	if (rc != CAIRN_OK)
		goto out;
	/* The streak: days with at least the minimum, ending today (or
	 * yesterday, while today is still open). */
	i = sc.back[0] >= PROGRESS_STREAK_MIN ? 0 : 1;
	for (; i < PROGRESS_DAYS && sc.back[i] >= PROGRESS_STREAK_MIN; i++)
		p.streak++;
	if (t != NULL) {
		p.has_plan = 1;
		snprintf(p.plan, sizeof(p.plan), "%s", t->plan->title);
		upto = today < monday + 6 ? today : monday + 6;
		for (d = monday; d < monday + 7; d++) {
			p.target_h += pstatus_day_hours(t->plan, d);
			if (d <= upto)
				p.due_h += pstatus_day_hours(t->plan, d);
		}
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
	free(sc.back);
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
	return json_pack("{s:s, s:s, s:s, s:o, s:I, s:o, s:o, s:i, s:o, "
	                 "s:i, s:b}",
	                 "user", p->user, "week", week, "monday", mon,
	                 "days", days, "minutes", (json_int_t)p->week_minutes,
	                 "target_minutes",
	                 p->has_plan ? json_integer((json_int_t)(p->target_h *
	                                                         60.0 +
	                                                         0.5))
	                             : json_null(),
	                 "due_minutes",
	                 p->has_plan ? json_integer((json_int_t)(p->due_h *
	                                                         60.0 +
	                                                         0.5))
	                             : json_null(),
	                 "streak", p->streak, "last_checkin",
	                 out_time_or_null(p->last_at), "overdue", p->overdue,
	                 "behind", p->behind);
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
