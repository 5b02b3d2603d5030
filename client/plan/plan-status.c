/*
 * Where a learner stands against a plan on a given day: the week of the
 * plan, the current phase, what is due this week and what is overdue,
 * hours this week against the weekly schedule, and time per activity
 * against the plan's allocation. The computation is separate from the
 * output so unit tests can drive it with hand-built trees.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cairn.h"
#include "err.h"
#include "planrec.h"
#include "timefmt.h"

#define PSTATUS_ACT_MAX 1024 /* distinct activities a status counts */
#define PSTATUS_LIST_MAX 10  /* due or overdue items printed for people */

enum { ST_NONE, ST_DUE, ST_OVERDUE };

void
pstatus_release(struct pstatus *s)
{
	if (s == NULL)
		return;
	free(s->due);
	free(s->overdue);
	free(s->act);
	memset(s, 0, sizeof(*s));
	s->phase = -1;
}

/* Monday 0 .. Sunday 6 of a day counted from 1970-01-01 (a Thursday). */
static int
weekday(int64_t days)
{
	int64_t w = (days + 3) % 7;

	return (int)(w < 0 ? w + 7 : w);
}

/* 1 if a schedule row's day names weekday wd (first three letters). */
static int
row_is_day(const char *day, int wd)
{
	static const char *const names[] = {"mon", "tue", "wed", "thu",
	                                    "fri", "sat", "sun"};

	return strlen(day) >= 3 && strncasecmp(day, names[wd], 3) == 0;
}

double
pstatus_day_hours(const Cairn__Plan *p, int64_t day)
{
	double h = 0;
	size_t i;

	for (i = 0; i < p->n_schedule; i++)
		if (row_is_day(p->schedule[i]->day, weekday(day)))
			h += p->schedule[i]->hours;
	if (p->n_schedule == 0 && p->hours_min > 0)
		h = p->hours_min / 7.0; /* "15-25 h/week": the least, spread */
	return h;
}

/* Item i's window, or its nearest ancestor's; 0 if none has one. */
static int
eff_window(const struct ptree *t, size_t i, int64_t *to)
{
	int p = (int)i;
	size_t steps;

	for (steps = 0; p >= 0 && steps <= t->n; steps++) {
		if (t->items[p].m->has_window) {
			*to = t->start + t->items[p].m->to_day;
			return 1;
		}
		p = t->items[p].parent;
	}
	return 0;
}

/* 1 if an ancestor of i is in state st. */
static int
ancestor_in(const struct ptree *t, const unsigned char *state, size_t i,
            unsigned char st)
{
	int p = t->items[i].parent;
	size_t steps;

	for (steps = 0; p >= 0 && steps <= t->n; steps++) {
		if (state[p] == st)
			return 1;
		p = t->items[p].parent;
	}
	return 0;
}

static int
due_lists(const struct ptree *t, struct pstatus *s)
{
	unsigned char *state = NULL;
	size_t i;
	int64_t to;
	int rc = CAIRN_ENOMEM, k;

	state = calloc(t->n > 0 ? t->n : 1, 1);
	s->due = calloc(t->n > 0 ? t->n : 1, sizeof(*s->due));
	s->overdue = calloc(t->n > 0 ? t->n : 1, sizeof(*s->overdue));
	if (state == NULL || s->due == NULL || s->overdue == NULL)
		goto out;
	for (i = 0; i < t->n; i++) {
		k = t->items[i].m->kind;
		if (t->items[i].m->done || k == CAIRN__ITEM_KIND__ITEM_NOTE ||
		    k == CAIRN__ITEM_KIND__ITEM_SKILL || !eff_window(t, i, &to))
			continue;
		if (to < s->today) {
			state[i] = ST_OVERDUE;
			if (!ancestor_in(t, state, i, ST_OVERDUE))
				s->overdue[s->n_overdue++] = (int)i;
		} else if (to <= s->week_to) {
			state[i] = ST_DUE;
			if (!ancestor_in(t, state, i, ST_DUE))
				s->due[s->n_due++] = (int)i;
		}
	}
	rc = CAIRN_OK;
out:
	free(state);
	return rc;
}

/* The row of activity a in s->act, added when missing; NULL when full. */
static struct pstatus_act *
act_row(struct pstatus *s, const char *a, size_t cap)
{
	size_t i;

	for (i = 0; i < s->n_act; i++) {
		if (strcmp(s->act[i].activity, a) == 0)
			return &s->act[i];
	}
	if (s->n_act >= cap)
		return NULL;
	memset(&s->act[s->n_act], 0, sizeof(s->act[0]));
	snprintf(s->act[s->n_act].activity, sizeof(s->act[0].activity), "%s",
	         a);
	return &s->act[s->n_act++];
}

static int
activities(const struct ptree *t, struct pstatus *s)
{
	const Cairn__Plan *p = t->plan;
	struct pstatus_act *row;
	size_t i, cap = p->n_allocations + PSTATUS_ACT_MAX;

	if ((s->act = calloc(cap, sizeof(*s->act))) == NULL)
		return CAIRN_ENOMEM;
	for (i = 0; i < p->n_allocations; i++) {
		if ((row = act_row(s, p->allocations[i]->activity, cap)) ==
		    NULL)
			continue;
		row->has_alloc = 1;
		row->min_pct = p->allocations[i]->min_pct;
		row->max_pct = p->allocations[i]->max_pct;
	}
	for (i = 0; i < t->n_ents; i++) {
		const struct ptree_entry *e = &t->ents[i];

		if (e->day >= s->week_from && e->day <= s->week_to)
			s->week_minutes += e->minutes;
		if (e->day < t->start || e->day > s->today)
			continue;
		s->total_minutes += e->minutes;
		if ((row = act_row(s, e->activity, cap)) != NULL)
			row->minutes += e->minutes;
	}
	return CAIRN_OK;
}

int
pstatus_compute(const struct ptree *t, int64_t today, struct pstatus *out)
{
	struct pstatus s;
	const Cairn__Plan *p = t->plan;
	size_t i;
	int64_t d;
	int rc;

	memset(&s, 0, sizeof(s));
	s.phase = -1;
	s.today = today;
	s.day = today - t->start;
	s.week = s.day >= 0 ? (int)(s.day / 7) + 1 : 0;
	s.week_from = t->start + (s.week > 0 ? (int64_t)(s.week - 1) * 7 : 0);
	s.week_to = s.week_from + 6;
	for (i = 0; i < t->n && s.phase < 0; i++) {
		const Cairn__PlanItem *m = t->items[i].m;

		if (m->kind == CAIRN__ITEM_KIND__ITEM_PHASE && m->has_window &&
		    s.day >= m->from_day && s.day <= m->to_day)
			s.phase = (int)i;
	}
	if ((rc = due_lists(t, &s)) != CAIRN_OK ||
	    (rc = activities(t, &s)) != CAIRN_OK)
		goto fail;
	for (i = 0; i < p->n_schedule; i++) {
		s.sched_hours += p->schedule[i]->hours;
		for (d = s.week_from; d <= s.today && d <= s.week_to; d++) {
			if (row_is_day(p->schedule[i]->day, weekday(d)))
				s.sched_to_date += p->schedule[i]->hours;
		}
	}
	*out = s;
	return CAIRN_OK;
fail:
	pstatus_release(&s);
	return rc;
}

static json_t *
date_json(int64_t days)
{
	char buf[11];

	planrec_days_date(days, buf);
	return json_string(buf);
}

static json_t *
items_json(const struct ptree *t, const int *idx, size_t n)
{
	json_t *a = json_array(), *o;
	char from[11], to[11];
	size_t i;

	for (i = 0; a != NULL && i < n; i++) {
		ptree_window(t, (size_t)idx[i], from, to);
		o = json_pack("{s:s, s:s, s:s, s:o}", "id", t->items[idx[i]].id,
		              "kind", ptree_kind(t, (size_t)idx[i]), "title",
		              t->items[idx[i]].m->title, "to",
		              out_str_or_null(to));
		if (o == NULL || json_array_append_new(a, o) != 0) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

json_t *
pstatus_json(const struct ptree *t, const struct pstatus *s)
{
	const Cairn__Plan *p = t->plan;
	json_t *acts, *o, *planned;
	size_t i;

	if ((acts = json_array()) == NULL)
		return NULL;
	for (i = 0; i < s->n_act; i++) {
		const struct pstatus_act *a = &s->act[i];

		o = json_pack(
		        "{s:s, s:I, s:f, s:o, s:o}", "activity", a->activity,
		        "minutes", (json_int_t)a->minutes, "percent",
		        s->total_minutes > 0 ? 100.0 * (double)a->minutes /
		                                       (double)s->total_minutes
		                             : 0.0,
		        "min_pct",
		        a->has_alloc ? json_integer(a->min_pct) : json_null(),
		        "max_pct",
		        a->has_alloc ? json_integer(a->max_pct) : json_null());
		if (o == NULL || json_array_append_new(acts, o) != 0) {
			json_decref(acts);
			return NULL;
		}
	}
	planned = p->hours_max > 0
	                  ? json_pack("{s:f, s:f}", "min", (double)p->hours_min,
	                              "max", (double)p->hours_max)
	                  : json_null();
	return json_pack(
	        "{s:{s:s, s:s, s:s}, s:o, s:i, s:o, s:o, s:o, s:o, s:o, s:{s:f, s:f, s:f, s:o}, s:I, s:o}",
	        "plan", "id", t->id, "title", p->title, "start", p->start,
	        "today", date_json(s->today), "week", s->week, "week_from",
	        date_json(s->week_from), "week_to", date_json(s->week_to),
	        "phase",
	        s->phase >= 0
	                ? json_pack("{s:s, s:s}", "id", t->items[s->phase].id,
	                            "title", t->items[s->phase].m->title)
	                : json_null(),
	        "due", items_json(t, s->due, s->n_due), "overdue",
	        items_json(t, s->overdue, s->n_overdue), "hours", "logged",
	        (double)s->week_minutes / 60.0, "scheduled", s->sched_hours,
	        "scheduled_to_date", s->sched_to_date, "planned", planned,
	        "total_minutes", (json_int_t)s->total_minutes, "activities",
	        acts);
}

static void
print_items(FILE *f, const struct ptree *t, const char *what, const int *idx,
            size_t n)
{
	char from[11], to[11], sid[9];
	size_t i;

	if (n == 0) {
		fprintf(f, "%s: nothing\n", what);
		return;
	}
	fprintf(f, "%s:\n", what);
	for (i = 0; i < n && i < PSTATUS_LIST_MAX; i++) {
		ptree_window(t, (size_t)idx[i], from, to);
		fprintf(f, "  %s%s%s %-9s %s%s%s%s\n", out_color("id"),
		        out_short_id(t->items[idx[i]].id, sid),
		        out_color("reset"), ptree_kind(t, (size_t)idx[i]),
		        t->items[idx[i]].m->title, to[0] ? " (by " : "", to,
		        to[0] ? ")" : "");
	}
	if (n > PSTATUS_LIST_MAX)
		fprintf(f, "  and %zu more\n", n - PSTATUS_LIST_MAX);
}

/* "2h30m" of minutes, "0m" for none. */
static const char *
dur(uint64_t minutes, char *out, size_t len)
{
	if (minutes == 0)
		snprintf(out, len, "0m");
	else
		duration_format(minutes > UINT32_MAX ? UINT32_MAX
		                                     : (uint32_t)minutes,
		                out, len);
	return out;
}

void
pstatus_print(FILE *f, const struct ptree *t, const struct pstatus *s)
{
	const Cairn__Plan *p = t->plan;
	char a[11], b[11], sid[9], d1[32];
	size_t i;

	fprintf(f, "plan: %s (%s), starts %s\n", p->title,
	        out_short_id(t->id, sid), p->start);
	planrec_days_date(s->week_from, a);
	planrec_days_date(s->week_to, b);
	if (s->week > 0)
		fprintf(f, "week %d of the plan (%s .. %s), day %lld\n",
		        s->week, a, b, (long long)s->day + 1);
	else
		fprintf(f, "week 0: the plan starts in %lld days\n",
		        (long long)-s->day);
	if (s->phase >= 0) {
		ptree_window(t, (size_t)s->phase, a, b);
		fprintf(f, "current phase: %s (%s .. %s)\n",
		        t->items[s->phase].m->title, a, b);
	} else {
		fprintf(f, "current phase: none\n");
	}
	print_items(f, t, "due this week", s->due, s->n_due);
	print_items(f, t, "overdue", s->overdue, s->n_overdue);
	fprintf(f, "hours this week: %s logged",
	        dur(s->week_minutes, d1, sizeof(d1)));
	if (s->sched_hours > 0)
		fprintf(f, " of %gh scheduled (%gh through today)",
		        s->sched_hours, s->sched_to_date);
	if (p->hours_max > 0 && p->hours_min != p->hours_max)
		fprintf(f, "; the plan says %g-%g h/week", p->hours_min,
		        p->hours_max);
	else if (p->hours_max > 0)
		fprintf(f, "; the plan says %g h/week", p->hours_max);
	fprintf(f, "\n");
	fprintf(f, "time per activity since the start (%s):\n",
	        dur(s->total_minutes, d1, sizeof(d1)));
	if (s->n_act == 0)
		fprintf(f, "  nothing logged yet\n");
	for (i = 0; i < s->n_act; i++) {
		const struct pstatus_act *r = &s->act[i];
		unsigned pct = s->total_minutes > 0
		                       ? (unsigned)((r->minutes * 100 +
		                                     s->total_minutes / 2) /
		                                    s->total_minutes)
		                       : 0;

		fprintf(f, "  %-10s %7s %3u%%", r->activity,
		        dur(r->minutes, d1, sizeof(d1)), pct);
		if (r->has_alloc)
			fprintf(f, "  (plan %u-%u%%%s)", r->min_pct, r->max_pct,
			        s->total_minutes == 0 ? ""
			        : pct < r->min_pct    ? ", under"
			        : pct > r->max_pct    ? ", over"
			                              : ", on target");
		fprintf(f, "\n");
	}
}
