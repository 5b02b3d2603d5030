/*
 * Unit tests of plans as records (client/plan/plan-tree.c, plan-status.c and
 * common/planrec.c) with plans built by hand: record conversion and
 * validation, minutes summed up the tree, item lookup, the status of a
 * day, the round trip through the store and back to an in-memory plan;
 * and the progress model (client/view/progress.c) over such a plan.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cairn.h"
#include "comment.h"
#include "err.h"
#include "planrec.h"

/*
 * The plan: two phases of two weeks; a project with a task and a
 * time-boxed drill in the first; a milestone and a note in the second.
 */
static struct plan *
hand_plan(void)
{
	static const struct {
		int parent, kind, win, from, to, limit, level;
		const char *title, *line;
	} rows[] = {
	        {-1, PLAN_PHASE, 1, 0, 13, 0, 2, "Phase 1: Basics",
	         "## Phase 1: Basics (Weeks 1-2)"},
	        {0, PLAN_PROJECT, 1, 0, 6, 0, 3, "Project A",
	         "### Project A (Week 1)"},
	        {1, PLAN_TASK, 0, 0, 0, 0, 0, "Write the parser",
	         "- [ ] Write the parser"},
	        {1, PLAN_TASK, 0, 0, 0, 20, 0,
	         "Drill: sort in under 20 minutes",
	         "- Drill: sort in under 20 minutes"},
	        {-1, PLAN_PHASE, 1, 14, 27, 0, 2, "Phase 2: More",
	         "## Phase 2: More (Weeks 3-4)"},
	        {4, PLAN_MILESTONE, 1, 21, 27, 0, 0, "Ship it",
	         "- [ ] Ship it (Week 4)"},
	        {4, PLAN_NOTE, 0, 0, 0, 0, 0, "a note", "a note"},
	};
	struct plan *p = calloc(1, sizeof(*p));
	size_t i, n = sizeof(rows) / sizeof(rows[0]);

	assert_non_null(p);
	p->title = strdup("Hand plan");
	p->goal = strdup("Learn by hand");
	p->hours_min = 10;
	p->hours_max = 12;
	p->n_sched = 2;
	p->sched = calloc(2, sizeof(*p->sched));
	p->sched[0].day = strdup("Mon");
	p->sched[0].hours = 2;
	p->sched[0].activity = strdup("project");
	p->sched[1].day = strdup("Wed");
	p->sched[1].hours = 1;
	p->sched[1].activity = strdup("drill");
	p->n_alloc = 2;
	p->alloc = calloc(2, sizeof(*p->alloc));
	p->alloc[0].activity = strdup("project");
	p->alloc[0].min_pct = 50;
	p->alloc[0].max_pct = 70;
	p->alloc[1].activity = strdup("drill");
	p->alloc[1].min_pct = 20;
	p->alloc[1].max_pct = 40;
	p->items = calloc(n, sizeof(*p->items));
	p->n_items = n;
	for (i = 0; i < n; i++) {
		p->items[i].parent = rows[i].parent;
		p->items[i].kind = (enum plan_kind)rows[i].kind;
		p->items[i].title = strdup(rows[i].title);
		p->items[i].line = strdup(rows[i].line);
		p->items[i].has_window = rows[i].win;
		p->items[i].from_day = rows[i].from;
		p->items[i].to_day = rows[i].to;
		p->items[i].limit_minutes = (uint32_t)rows[i].limit;
		p->items[i].level = rows[i].level;
		p->items[i].checkbox = rows[i].line[2] == '[';
	}
	return p;
}

static int64_t
day_of(const char *s)
{
	int64_t d;

	assert_int_equal(planrec_date_days(s, &d), CAIRN_OK);
	return d;
}

/* Seconds of 12:00 UTC on date s. */
static int64_t
noon(const char *s)
{
	return day_of(s) * 86400 + 12 * 3600;
}

static struct ptree *
hand_tree(void)
{
	struct plan *p = hand_plan();
	struct ptree *t = NULL;

	assert_int_equal(
	        ptree_from_plan(p, day_of("2025-01-06"), "hand.md", &t, NULL),
	        CAIRN_OK);
	plan_free(p);
	return t;
}

static void
test_dates(void **state)
{
	char buf[11];
	int64_t d;

	(void)state;
	assert_int_equal(planrec_date_days("1970-01-01", &d), CAIRN_OK);
	assert_int_equal(d, 0);
	assert_int_equal(planrec_date_days("2024-02-29", &d), CAIRN_OK);
	planrec_days_date(d, buf);
	assert_string_equal(buf, "2024-02-29");
	planrec_days_date(d + 1, buf);
	assert_string_equal(buf, "2024-03-01");
	assert_int_equal(planrec_date_days("2023-02-29", &d), CAIRN_EINVAL);
	assert_int_equal(planrec_date_days("2023-13-01", &d), CAIRN_EINVAL);
	assert_int_equal(planrec_date_days("2023-1-01", &d), CAIRN_EINVAL);
	assert_int_equal(planrec_date_days("2023-01-011", &d), CAIRN_EINVAL);
	assert_int_equal(planrec_date_days(NULL, &d), CAIRN_EINVAL);
	/* 2025-01-06 is a Monday: (days + 3) % 7 == 0. */
	assert_int_equal((day_of("2025-01-06") + 3) % 7, 0);
}

static void
test_records(void **state)
{
	struct ptree *t = hand_tree();
	char why[256];

	(void)state;
	assert_int_equal(t->n, 7);
	assert_true(uuid_valid(t->id));
	assert_string_equal(t->plan->title, "Hand plan");
	assert_string_equal(t->plan->start, "2025-01-06");
	assert_string_equal(t->plan->source, "hand.md");
	assert_int_equal(t->plan->n_schedule, 2);
	assert_int_equal(t->plan->n_allocations, 2);
	assert_int_equal(t->items[0].parent, -1);
	assert_int_equal(t->items[1].parent, 0);
	assert_int_equal(t->items[3].parent, 1);
	assert_int_equal(t->items[6].parent, 4);
	assert_string_equal(t->items[3].m->parent, t->items[1].id);
	assert_string_equal(t->items[3].m->plan, t->id);
	assert_int_equal(t->items[3].m->limit_minutes, 20);
	assert_int_equal(t->items[5].m->position, 5 * PTREE_POS_STEP);
	assert_int_equal(ptree_depth(t, 3), 2);
	assert_string_equal(ptree_kind(t, 5), "milestone");
	assert_int_equal(planrec_validate_plan(t->plan, why, sizeof(why)),
	                 CAIRN_OK);
	/* active_at is any HLC; 0 is what older clients write. */
	assert_int_equal(t->plan->active_at, 0);
	t->plan->active_at = UINT64_MAX;
	assert_int_equal(planrec_validate_plan(t->plan, why, sizeof(why)),
	                 CAIRN_OK);
	t->plan->active_at = 0;
	assert_int_equal(planrec_validate_item(t->items[3].m, t->items[3].id,
	                                       why, sizeof(why)),
	                 CAIRN_OK);
	/* An item may not be its own parent. */
	assert_int_equal(planrec_validate_item(t->items[3].m, t->items[1].id,
	                                       why, sizeof(why)),
	                 CAIRN_EINVAL);
	assert_non_null(strstr(why, "parent"));
	ptree_free(t);
}

static void
test_validate_limits(void **state)
{
	Cairn__Plan p = CAIRN__PLAN__INIT;
	Cairn__PlanItem it = CAIRN__PLAN_ITEM__INIT;
	Cairn__Allocation a = CAIRN__ALLOCATION__INIT, *pa = &a;
	Cairn__ScheduleRow r = CAIRN__SCHEDULE_ROW__INIT, *pr = &r;
	char why[256], big[PLANREC_TITLE_MAX + 2];

	(void)state;
	p.title = "T";
	p.start = "2025-01-06";
	p.hours_min = 0;
	p.hours_max = 168;
	assert_int_equal(planrec_validate_plan(&p, why, sizeof(why)), CAIRN_OK);
	p.hours_max = 168.5f;
	assert_int_equal(planrec_validate_plan(&p, why, sizeof(why)),
	                 CAIRN_EINVAL);
	p.hours_min = 20;
	p.hours_max = 10;
	assert_int_equal(planrec_validate_plan(&p, why, sizeof(why)),
	                 CAIRN_EINVAL);
	p.hours_min = 10;
	p.start = "2025-02-30";
	assert_int_equal(planrec_validate_plan(&p, why, sizeof(why)),
	                 CAIRN_EINVAL);
	p.start = "2025-01-06";
	p.title = "";
	assert_int_equal(planrec_validate_plan(&p, why, sizeof(why)),
	                 CAIRN_EINVAL);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	p.title = big;
	assert_int_equal(planrec_validate_plan(&p, why, sizeof(why)),
	                 CAIRN_EINVAL);
	big[PLANREC_TITLE_MAX] = '\0';
	assert_int_equal(planrec_validate_plan(&p, why, sizeof(why)), CAIRN_OK);
	p.title = "bad \xc3\x28 utf-8";
	assert_int_equal(planrec_validate_plan(&p, why, sizeof(why)),
	                 CAIRN_EINVAL);
	p.title = "T";
	a.activity = "project";
	a.min_pct = 40;
	a.max_pct = 101;
	p.n_allocations = 1;
	p.allocations = &pa;
	assert_int_equal(planrec_validate_plan(&p, why, sizeof(why)),
	                 CAIRN_EINVAL);
	a.max_pct = 100;
	assert_int_equal(planrec_validate_plan(&p, why, sizeof(why)), CAIRN_OK);
	a.activity = "Deep Work";
	assert_int_equal(planrec_validate_plan(&p, why, sizeof(why)),
	                 CAIRN_EINVAL);
	a.activity = "project";
	r.day = "Mon";
	r.activity = "anything as written";
	r.hours = 25;
	p.n_schedule = 1;
	p.schedule = &pr;
	assert_int_equal(planrec_validate_plan(&p, why, sizeof(why)),
	                 CAIRN_EINVAL);
	r.hours = 3;
	assert_int_equal(planrec_validate_plan(&p, why, sizeof(why)), CAIRN_OK);

	it.plan = "aaaaaa11-0000-4000-8000-000000000001";
	it.parent = "";
	it.kind = CAIRN__ITEM_KIND__ITEM_TASK;
	it.title = "t";
	it.line = "- t\nmore";
	assert_int_equal(planrec_validate_item(&it, NULL, why, sizeof(why)),
	                 CAIRN_OK);
	it.kind = 7;
	assert_int_equal(planrec_validate_item(&it, NULL, why, sizeof(why)),
	                 CAIRN_EINVAL);
	it.kind = CAIRN__ITEM_KIND__ITEM_TASK;
	it.has_window = 1;
	it.from_day = 5;
	it.to_day = 4;
	assert_int_equal(planrec_validate_item(&it, NULL, why, sizeof(why)),
	                 CAIRN_EINVAL);
	it.from_day = -1;
	it.to_day = 4;
	assert_int_equal(planrec_validate_item(&it, NULL, why, sizeof(why)),
	                 CAIRN_EINVAL);
	it.has_window = 0;
	assert_int_equal(planrec_validate_item(&it, NULL, why, sizeof(why)),
	                 CAIRN_EINVAL);
	it.from_day = it.to_day = 0;
	it.plan = "not-a-uuid";
	assert_int_equal(planrec_validate_item(&it, NULL, why, sizeof(why)),
	                 CAIRN_EINVAL);
	it.plan = "aaaaaa11-0000-4000-8000-000000000001";
	it.limit_minutes = 24 * 60 + 1;
	assert_int_equal(planrec_validate_item(&it, NULL, why, sizeof(why)),
	                 CAIRN_EINVAL);
	it.limit_minutes = 0;
	it.title = "tab\tok";
	assert_int_equal(planrec_validate_item(&it, NULL, why, sizeof(why)),
	                 CAIRN_OK);
	it.title = "newline\nnot in a title";
	assert_int_equal(planrec_validate_item(&it, NULL, why, sizeof(why)),
	                 CAIRN_EINVAL);
}

static void
test_minutes_up_the_tree(void **state)
{
	struct ptree *t = hand_tree();

	(void)state;
	assert_int_equal(ptree_add_entry(t, t->items[2].id, noon("2025-01-07"),
	                                 0, 30, 0, 0, "project", NULL),
	                 CAIRN_OK);
	assert_int_equal(ptree_add_entry(t, t->items[3].id, noon("2025-01-08"),
	                                 60, 18, 20, 1, "drill", NULL),
	                 CAIRN_OK);
	assert_int_equal(ptree_add_entry(t, "", noon("2025-01-08"), 0, 50, 0, 0,
	                                 "reading", NULL),
	                 CAIRN_OK);
	assert_int_equal(ptree_add_entry(t, t->items[5].id, noon("2025-01-30"),
	                                 0, 5, 0, 0, "project", NULL),
	                 CAIRN_OK);
	assert_int_equal(t->items[2].minutes, 30);
	assert_int_equal(t->items[3].minutes, 18);
	assert_int_equal(t->items[1].minutes, 48);
	assert_int_equal(t->items[0].minutes, 48);
	assert_int_equal(t->items[4].minutes, 5);
	assert_int_equal(t->items[5].minutes, 5);
	assert_int_equal(t->items[6].minutes, 0);
	assert_int_equal(t->n_ents, 4);
	assert_int_equal(t->ents[1].item, 3);
	assert_int_equal(t->ents[1].day, day_of("2025-01-08"));
	assert_int_equal(t->ents[2].item, -1);
	ptree_free(t);
}

static void
test_resolve(void **state)
{
	struct ptree *t = hand_tree();
	struct errbuf err = {""};
	char prefix[9], want[128];
	int idx = -1;

	(void)state;
	assert_int_equal(ptree_resolve(t, "parser", &idx, &err), CAIRN_OK);
	assert_int_equal(idx, 2);
	assert_int_equal(ptree_resolve(t, "SHIP", &idx, &err), CAIRN_OK);
	assert_int_equal(idx, 5);
	assert_string_equal(err.msg, "");
	assert_int_equal(ptree_resolve(t, "phase", &idx, &err),
	                 CAIRN_EAMBIGUOUS);
	assert_memory_equal(err.msg, "'phase' matches 2 items: ", 25);
	assert_non_null(strstr(err.msg, "; give more of the ID or the title"));
	assert_null(strchr(err.msg, '\n'));
	assert_int_equal(ptree_resolve(t, "phase 2: more", &idx, &err),
	                 CAIRN_OK);
	assert_int_equal(idx, 4);
	/* A note matches only when nothing else does. */
	assert_int_equal(ptree_resolve(t, "note", &idx, &err), CAIRN_OK);
	assert_int_equal(idx, 6);
	assert_int_equal(ptree_resolve(t, "zebra", &idx, &err),
	                 CAIRN_ENOTFOUND);
	snprintf(want, sizeof(want),
	         "no item 'zebra' in plan %.8s; see 'cairn plan show'", t->id);
	assert_string_equal(err.msg, want);
	/* NULL is allowed when the caller wants no message. */
	assert_int_equal(ptree_resolve(t, "zebra", &idx, NULL),
	                 CAIRN_ENOTFOUND);
	snprintf(prefix, sizeof(prefix), "%.8s", t->items[3].id);
	assert_int_equal(ptree_resolve(t, prefix, &idx, &err), CAIRN_OK);
	assert_int_equal(idx, 3);
	assert_int_equal(ptree_find(t, t->items[5].id), 5);
	assert_int_equal(ptree_find(t, "nope"), -1);
	/* The plan tree says nothing on the command's error line. */
	assert_null(cli_errmsg());
	ptree_free(t);
}

static void
test_status(void **state)
{
	struct ptree *t = hand_tree();
	struct pstatus s;
	json_t *j;

	(void)state;
	ptree_add_entry(t, t->items[3].id, noon("2025-01-08"), 0, 30, 20, 0,
	                "drill", NULL);
	ptree_add_entry(t, t->items[2].id, noon("2025-01-14"), 0, 60, 0, 0,
	                "project", NULL);
	ptree_add_entry(t, "", noon("2025-01-20"), 0, 45, 0, 0, "project",
	                NULL);
	/* Wednesday of week 2. */
	assert_int_equal(pstatus_compute(t, day_of("2025-01-15"), &s),
	                 CAIRN_OK);
	assert_int_equal(s.week, 2);
	assert_int_equal(s.day, 9);
	assert_int_equal(s.week_from, day_of("2025-01-13"));
	assert_int_equal(s.week_to, day_of("2025-01-19"));
	assert_int_equal(s.phase, 0);
	/* Phase 1 ends this week; Project A ended last week (its tasks are
	 * covered by it). */
	assert_int_equal(s.n_due, 1);
	assert_int_equal(s.due[0], 0);
	assert_int_equal(s.n_overdue, 1);
	assert_int_equal(s.overdue[0], 1);
	assert_int_equal(s.week_minutes, 60);
	assert_int_equal(s.total_minutes, 90);
	assert_true(s.sched_hours == 3.0);
	assert_true(s.sched_to_date == 3.0); /* Mon 2h + Wed 1h */
	assert_int_equal(s.n_act, 2);
	assert_string_equal(s.act[0].activity, "project");
	assert_int_equal(s.act[0].minutes, 60);
	assert_true(s.act[0].has_alloc);
	assert_int_equal(s.act[1].minutes, 30);
	j = pstatus_json(t, &s);
	assert_non_null(j);
	assert_int_equal(json_integer_value(json_object_get(j, "week")), 2);
	json_decref(j);
	pstatus_release(&s);

	/* With the project done, its open tasks are overdue one by one. */
	t->items[1].m->done = 1;
	t->items[2].m->done = 1;
	assert_int_equal(pstatus_compute(t, day_of("2025-01-15"), &s),
	                 CAIRN_OK);
	assert_int_equal(s.n_overdue, 1);
	assert_int_equal(s.overdue[0], 3);
	pstatus_release(&s);

	/* Before the start: week 0; on the last day: week 4, phase 2. */
	assert_int_equal(pstatus_compute(t, day_of("2025-01-01"), &s),
	                 CAIRN_OK);
	assert_int_equal(s.week, 0);
	assert_int_equal(s.phase, -1);
	pstatus_release(&s);
	assert_int_equal(pstatus_compute(t, day_of("2025-02-02"), &s),
	                 CAIRN_OK);
	assert_int_equal(s.week, 4);
	assert_int_equal(s.phase, 4);
	assert_int_equal(s.n_due, 1); /* Phase 2 (the milestone under it) */
	assert_int_equal(s.due[0], 4);
	pstatus_release(&s);
	ptree_free(t);
}

static void
test_to_plan(void **state)
{
	struct ptree *t = hand_tree();
	struct plan *p = NULL;

	(void)state;
	t->items[2].m->done = 1;
	assert_int_equal(ptree_to_plan(t, &p), CAIRN_OK);
	assert_string_equal(p->title, "Hand plan");
	assert_string_equal(p->goal, "Learn by hand");
	assert_true(p->hours_min == 10 && p->hours_max == 12);
	assert_int_equal(p->n_sched, 2);
	assert_string_equal(p->sched[1].day, "Wed");
	assert_int_equal(p->n_alloc, 2);
	assert_int_equal(p->alloc[0].max_pct, 70);
	assert_int_equal(p->n_items, 7);
	assert_int_equal(p->items[3].parent, 1);
	assert_int_equal(p->items[3].limit_minutes, 20);
	assert_int_equal(p->items[2].done, 1);
	assert_int_equal(p->items[2].checkbox, 1);
	assert_int_equal(p->items[3].checkbox, 0);
	assert_int_equal(p->items[5].checkbox, 1);
	assert_int_equal(p->items[5].to_day, 27);
	assert_int_equal(p->items[0].level, 2);
	assert_string_equal(p->items[6].line, "a note");
	plan_free(p);
	ptree_free(t);
}

static void
test_store_roundtrip(void **state)
{
	char dir[64], path[128], cmd[160];
	struct ptree *t = hand_tree(), *u = NULL;
	struct store *st = NULL;
	size_t i;

	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/test-client-plan-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/cairn.db", dir);
	assert_int_equal(store_open(path, 0, &st, NULL), CAIRN_OK);
	assert_int_equal(ptree_store(st, t), CAIRN_OK);
	t->items[5].m->done = 1;
	assert_int_equal(ptree_put_item(st, t, 5), CAIRN_OK);
	assert_int_equal(ptree_load(st, t->id, &u, NULL), CAIRN_OK);
	assert_int_equal(u->n, t->n);
	for (i = 0; i < t->n; i++) {
		assert_string_equal(u->items[i].id, t->items[i].id);
		assert_int_equal(u->items[i].parent, t->items[i].parent);
		assert_string_equal(u->items[i].m->title, t->items[i].m->title);
	}
	assert_true(u->items[5].m->done);
	assert_int_equal(u->start, t->start);
	/* Items of another plan stay out. */
	ptree_free(u);
	u = hand_tree();
	assert_int_equal(ptree_store(st, u), CAIRN_OK);
	ptree_free(u);
	u = NULL;
	assert_int_equal(ptree_load(st, t->id, &u, NULL), CAIRN_OK);
	assert_int_equal(u->n, 7);
	assert_int_equal(ptree_load_entries(st, u, NULL), CAIRN_OK);
	assert_int_equal(u->n_ents, 0);
	ptree_free(u);
	ptree_free(t);
	store_close(st);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

/* Logs an entry of alice's at a local wall time with a UTC offset. */
static void
log_at(struct store *st, const char *date, int hour, int minute, int offset,
       uint32_t minutes)
{
	Cairn__Entry e = CAIRN__ENTRY__INIT;
	struct rec r;

	memset(&r, 0, sizeof(r));
	e.started_at = day_of(date) * 86400 + hour * 3600 + minute * 60 -
	               (int64_t)offset * 60;
	e.utc_offset = offset;
	e.minutes = minutes;
	e.activity = "drill";
	e.text = "";
	assert_int_equal(uuid_new(r.id), CAIRN_OK);
	r.kind = CAIRN__KIND__KIND_ENTRY;
	assert_int_equal(entryrec_pack(&r, &e), CAIRN_OK);
	assert_int_equal(store_put(st, &r), CAIRN_OK);
	rec_release(&r);
}

static void
test_progress(void **state)
{
	struct ptree *t = hand_tree();
	struct store *st = NULL;
	char dir[64], path[96], week[9];
	struct errbuf err = {""};
	struct progress p;
	int64_t mon;

	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/test-client-progress-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/cairn.db", dir);
	assert_int_equal(store_open(path, 0, &st, NULL), CAIRN_OK);
	assert_int_equal(store_meta_set(st, "handle", "alice"), CAIRN_OK);
	/*
	 * Week 2 of the plan (2025-01-13 .. 19). Monday 23:30 in New York
	 * is Tuesday in UTC: it counts on the learner's own Monday.
	 */
	log_at(st, "2025-01-13", 23, 30, -300, 60);
	log_at(st, "2025-01-14", 8, 0, 60, 30);
	log_at(st, "2025-01-14", 9, 0, 60, 10); /* the day: 40m */
	log_at(st, "2025-01-11", 12, 0, 0, 20); /* Saturday before */
	log_at(st, "2025-01-20", 12, 0, 0, 45); /* the next week */
	assert_int_equal(week_arg("2025-W03", day_of("2025-01-15"), &mon, &err),
	                 CAIRN_OK);
	assert_int_equal(mon, day_of("2025-01-13"));
	assert_int_equal(week_arg("last", day_of("2025-01-22"), &mon, &err),
	                 CAIRN_OK);
	assert_int_equal(mon, day_of("2025-01-13"));
	assert_int_equal(week_arg("2025-01-19", 0, &mon, &err), CAIRN_OK);
	assert_int_equal(mon, day_of("2025-01-13"));
	assert_int_equal(week_arg("2025-W99", 0, &mon, &err), CAIRN_EINVAL);
	assert_non_null(strstr(err.msg, "bad week '2025-W99'"));

	/* Wednesday of that week: Mon 2h and Wed 1h are due, 1h40m done. */
	assert_int_equal(progress_compute(st, "alice", t, day_of("2025-01-13"),
	                                  day_of("2025-01-15"), &p),
	                 CAIRN_OK);
	assert_int_equal(p.day_minutes[0], 60);
	assert_int_equal(p.day_minutes[1], 40);
	assert_int_equal(p.day_minutes[2], 0);
	assert_int_equal(p.week_minutes, 100);
	assert_true(p.has_plan);
	assert_true(p.target_h > 2.99 && p.target_h < 3.01);
	assert_true(p.due_h > 2.99 && p.due_h < 3.01);
	assert_int_equal(p.overdue, 0);
	assert_true(p.behind);
	/*
	 * Today (Wednesday) is open: the run is Monday, Tuesday and the
	 * Saturday before; the plan leaves Sunday free, which does not
	 * break it.
	 */
	assert_int_equal(p.streak, 3);
	assert_int_equal(p.first_day, day_of("2025-01-11"));
	assert_int_equal(p.entries, 5);
	/* On Monday only 2h were due; with 2h done it is on track. */
	log_at(st, "2025-01-13", 7, 0, 0, 60);
	assert_int_equal(progress_compute(st, "alice", t, day_of("2025-01-13"),
	                                  day_of("2025-01-13"), &p),
	                 CAIRN_OK);
	assert_true(p.due_h > 1.99 && p.due_h < 2.01);
	assert_false(p.behind);
	assert_int_equal(p.streak, 2); /* Monday, Saturday (Sunday free) */
	/* Weeks later, phase 1 is overdue: behind whatever the hours. */
	assert_int_equal(progress_compute(st, "alice", t, day_of("2025-02-10"),
	                                  day_of("2025-02-12"), &p),
	                 CAIRN_OK);
	assert_int_equal(p.week_minutes, 0);
	assert_true(p.overdue >= 1);
	assert_true(p.behind);
	assert_int_equal(p.streak, 0);
	/* Without a plan: no target, never behind for hours. */
	assert_int_equal(progress_compute(st, "alice", NULL,
	                                  day_of("2025-01-13"),
	                                  day_of("2025-01-15"), &p),
	                 CAIRN_OK);
	assert_false(p.has_plan);
	assert_false(p.behind);
	assert_int_equal(p.streak, 2); /* no plan: the empty Sunday breaks */
	week_of_day(p.monday, week, NULL);
	assert_string_equal(week, "2025-W03");
	store_close(st);
	ptree_free(t);
	unlink(path);
	snprintf(path, sizeof(path), "%s/cairn.db-wal", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/cairn.db-shm", dir);
	unlink(path);
	rmdir(dir);
}

/* A tree from Markdown text, starting 2025-01-06. */
static struct ptree *
md_tree(const char *text)
{
	struct plan *p = NULL;
	struct ptree *t = NULL;

	assert_int_equal(plan_parse(text, strlen(text), &p), CAIRN_OK);
	assert_int_equal(
	        ptree_from_plan(p, day_of("2025-01-06"), "t.md", &t, NULL),
	        CAIRN_OK);
	plan_free(p);
	return t;
}

/* Index in t of the n-th item titled title. */
static int
titled(const struct ptree *t, const char *title, int n)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (strcmp(t->items[i].m->title, title) == 0 && n-- == 0)
			return (int)i;
	fail_msg("no item '%s'", title);
	return -1;
}

/* Positions rise in document order (the tree is sorted by them). */
static void
assert_positions_rise(const struct ptree *t)
{
	size_t i;

	for (i = 1; i < t->n; i++)
		assert_true(t->items[i - 1].m->position <
		            t->items[i].m->position);
}

static void
test_exact_titles_win(void **state)
{
	struct ptree *t = md_tree("# P\n\n## Week 10\n- [ ] a\n\n## Week 1\n"
	                          "- [ ] Week 1 review\n\n## week 2\n"
	                          "## Week 2\n");
	struct errbuf err = {""};
	int idx = -1;

	(void)state;
	assert_int_equal(ptree_resolve(t, "Week 1", &idx, &err), CAIRN_OK);
	assert_int_equal(idx, titled(t, "Week 1", 0));
	assert_int_equal(ptree_resolve(t, "WEEK 1", &idx, &err), CAIRN_OK);
	assert_int_equal(idx, titled(t, "Week 1", 0));
	assert_int_equal(ptree_resolve(t, "Week 10", &idx, &err), CAIRN_OK);
	assert_int_equal(idx, titled(t, "Week 10", 0));
	/* Exact case wins over another case. */
	assert_int_equal(ptree_resolve(t, "week 2", &idx, &err), CAIRN_OK);
	assert_int_equal(idx, titled(t, "week 2", 0));
	assert_int_equal(ptree_resolve(t, "Week 2", &idx, &err), CAIRN_OK);
	assert_int_equal(idx, titled(t, "Week 2", 0));
	/* Two of a title in another case: ambiguous, both listed. */
	assert_int_equal(ptree_resolve(t, "WEEK 2", &idx, &err),
	                 CAIRN_EAMBIGUOUS);
	assert_memory_equal(err.msg, "'WEEK 2' matches 2 items: ", 26);
	assert_non_null(strstr(err.msg, " week 2, "));
	assert_non_null(strstr(err.msg, " Week 2; give more"));
	ptree_free(t);
}

static void
test_replace(void **state)
{
	struct ptree *old, *nt;
	struct ptree_diff d;
	size_t i;

	(void)state;
	/* Duplicates pair in order; the one dropped is the last. */
	old = md_tree("# P\n\n- [ ] a\n- [ ] a\n- [ ] b\n");
	old->items[titled(old, "a", 1)].m->done = 1;
	nt = md_tree("# P\n\n- [ ] a\n- [ ] c\n- [ ] a\n");
	assert_int_equal(ptree_replace(old, nt, &d), CAIRN_OK);
	assert_string_equal(nt->id, old->id);
	assert_string_equal(nt->items[titled(nt, "a", 0)].id,
	                    old->items[titled(old, "a", 0)].id);
	assert_string_equal(nt->items[titled(nt, "a", 1)].id,
	                    old->items[titled(old, "a", 1)].id);
	assert_true(nt->items[titled(nt, "a", 1)].m->done);
	assert_false(nt->items[titled(nt, "a", 0)].m->done);
	assert_int_equal(d.old_of[titled(nt, "c", 0)], -1);
	assert_true(d.gone[titled(old, "b", 0)]);
	assert_int_equal(d.added, 1);
	assert_int_equal(d.removed, 1);
	assert_int_equal(d.changed, 0);
	assert_int_equal(d.kept, 3);
	/* "c" fits between the positions the "a"s keep. */
	for (i = 0; i < nt->n; i++)
		if (d.old_of[i] >= 0)
			assert_int_equal(d.what[i], 0);
	assert_positions_rise(nt);
	ptree_diff_release(&d);
	ptree_free(nt);
	ptree_free(old);

	/*
	 * A section moved with its title path intact keeps everything; a
	 * renamed one is removed and added with what is under it.
	 */
	old = md_tree("# P\n\n## A\n- [ ] x\n\n## B\n- [ ] y\n\n## C\n- z\n");
	nt = md_tree("# P\n\n## B\n- [ ] y\n\n## A\n- [ ] x\n\n## D\n- z\n");
	assert_int_equal(ptree_replace(old, nt, &d), CAIRN_OK);
	assert_int_equal(d.kept, 5);
	assert_int_equal(d.added, 2);
	assert_int_equal(d.removed, 2);
	assert_string_equal(nt->items[titled(nt, "x", 0)].id,
	                    old->items[titled(old, "x", 0)].id);
	assert_string_equal(nt->items[titled(nt, "x", 0)].m->parent,
	                    old->items[titled(old, "A", 0)].id);
	assert_int_equal(d.old_of[titled(nt, "z", 0)], -1);
	assert_positions_rise(nt);
	ptree_diff_release(&d);
	ptree_free(nt);
	ptree_free(old);

	/* A window and its text change on one milestone: a new version. */
	old = md_tree(
	        "# P\n\n| Week | Milestone |\n|---|---|\n| 1 | Ship it |\n");
	nt = md_tree(
	        "# P\n\n| Week | Milestone |\n|---|---|\n| 2 | Ship it |\n");
	assert_int_equal(ptree_replace(old, nt, &d), CAIRN_OK);
	i = (size_t)titled(nt, "Ship it", 0);
	assert_int_equal(d.what[i], PTREE_CH_WINDOW | PTREE_CH_TEXT);
	assert_int_equal(nt->items[i].m->to_day, 13);
	assert_int_equal(d.changed, 1);
	ptree_diff_release(&d);
	ptree_free(nt);
	ptree_free(old);

	/*
	 * Plans of older clients have positions 0, 1, 2...: an item added
	 * at the top has no room, so the kept ones after it move (a new
	 * version, not a change), spread out for the next time.
	 */
	old = md_tree("# P\n\n- [ ] a\n- [ ] b\n- [ ] c\n");
	for (i = 0; i < old->n; i++)
		old->items[i].m->position = (uint32_t)i;
	nt = md_tree("# P\n\n- [ ] new\n- [ ] a\n- [ ] b\n- [ ] c\n");
	assert_int_equal(ptree_replace(old, nt, &d), CAIRN_OK);
	assert_positions_rise(nt);
	assert_int_equal(d.kept, 4);
	assert_int_equal(d.changed, 0);
	assert_int_equal(d.what[titled(nt, "P", 0)], 0);
	assert_int_equal(d.what[titled(nt, "c", 0)], PTREE_CH_PLACE);
	ptree_diff_release(&d);
	ptree_diff_release(NULL);
	ptree_free(nt);
	ptree_free(old);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_dates),
	        cmocka_unit_test(test_records),
	        cmocka_unit_test(test_validate_limits),
	        cmocka_unit_test(test_minutes_up_the_tree),
	        cmocka_unit_test(test_resolve),
	        cmocka_unit_test(test_status),
	        cmocka_unit_test(test_to_plan),
	        cmocka_unit_test(test_store_roundtrip),
	        cmocka_unit_test(test_progress),
	        cmocka_unit_test(test_exact_titles_win),
	        cmocka_unit_test(test_replace),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
