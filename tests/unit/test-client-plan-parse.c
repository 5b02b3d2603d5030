/*
 * Unit tests of the plan importer (client/plan/plan-parse.c, plan-items.c,
 * plan-export.c): each construct from the fixtures in tests/data/plans,
 * the acceptance checks on the sample plan and on the two big real-world
 * plans (tests/data/samples), the rule that no line is lost, and the round
 * trip import -> export -> import. Without the real-world plans (a tree
 * stripped of third-party text) the program exits 77: ctest says skipped.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "err.h"
#include "plan.h"

#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#endif
#endif
#ifndef RUNNING_ON_VALGRIND
#define RUNNING_ON_VALGRIND 0
#endif

#define MAX_LINES 100000
/* "Well under a second" for a big plan, unless valgrind slows us down. */
#define PARSE_MAX_SECONDS 0.5

/* Why a test could not run; main then exits 77 (ctest: skipped). */
static char skip_reason[600];

static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (f == NULL)
		return NULL;
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n >= 0);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static char *
fixture(const char *name, size_t *len)
{
	char path[512];
	char *t;

	snprintf(path, sizeof(path), "%s/plans/%s", TEST_DATA_DIR, name);
	t = slurp(path, len);
	if (t == NULL)
		fail_msg("fixture %s missing", path);
	return t;
}

static struct plan *
parse_ok(const char *text, size_t len)
{
	struct plan *p = NULL;

	assert_int_equal(plan_parse(text, len, &p), CAIRN_OK);
	assert_non_null(p);
	return p;
}

static int
blank(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t')
			return 0;
	return 1;
}

/* Appends the non-blank lines of s[0..n) (any line end) to v. */
static void
add_lines(const char *s, size_t n, char **v, size_t *count)
{
	size_t i = 0;

	while (i < n) {
		size_t st = i;

		while (i < n && s[i] != '\n' && s[i] != '\r')
			i++;
		if (!blank(s + st, i - st)) {
			assert_true(*count < MAX_LINES);
			v[*count] = strndup(s + st, i - st);
			assert_non_null(v[(*count)++]);
		}
		if (i < n && s[i] == '\r' && i + 1 < n && s[i + 1] == '\n')
			i++;
		i++;
	}
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every non-blank source line is in exactly one item's line. */
static void
assert_no_line_lost(const char *text, size_t len, const struct plan *p)
{
	char **src = calloc(MAX_LINES, sizeof(char *));
	char **got = calloc(MAX_LINES, sizeof(char *));
	size_t ns = 0, ng = 0, i;

	assert_non_null(src);
	assert_non_null(got);
	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0) {
		text += 3;
		len -= 3;
	}
	add_lines(text, len, src, &ns);
	for (i = 0; i < p->n_items; i++) {
		assert_non_null(p->items[i].line);
		add_lines(p->items[i].line, strlen(p->items[i].line), got, &ng);
	}
	qsort(src, ns, sizeof(char *), cmp_str);
	qsort(got, ng, sizeof(char *), cmp_str);
	assert_int_equal(ns, ng);
	for (i = 0; i < ns; i++)
		assert_string_equal(src[i], got[i]);
	for (i = 0; i < ns; i++)
		free(src[i]);
	for (i = 0; i < ng; i++)
		free(got[i]);
	free(src);
	free(got);
}

static void
assert_same_tree(const struct plan *a, const struct plan *b)
{
	size_t i;

	assert_string_equal(a->title, b->title);
	assert_true((a->goal == NULL) == (b->goal == NULL));
	if (a->goal != NULL)
		assert_string_equal(a->goal, b->goal);
	assert_true(a->hours_min == b->hours_min);
	assert_true(a->hours_max == b->hours_max);
	assert_int_equal(a->n_sched, b->n_sched);
	for (i = 0; i < a->n_sched; i++) {
		assert_string_equal(a->sched[i].day, b->sched[i].day);
		assert_true(a->sched[i].hours == b->sched[i].hours);
		assert_string_equal(a->sched[i].activity, b->sched[i].activity);
	}
	assert_int_equal(a->n_alloc, b->n_alloc);
	assert_int_equal(a->n_items, b->n_items);
	for (i = 0; i < a->n_items; i++) {
		const struct plan_item *x = &a->items[i], *y = &b->items[i];

		assert_string_equal(x->title, y->title);
		assert_int_equal(x->kind, y->kind);
		assert_int_equal(x->parent, y->parent);
		assert_int_equal(x->has_window, y->has_window);
		assert_int_equal(x->from_day, y->from_day);
		assert_int_equal(x->to_day, y->to_day);
		assert_int_equal(x->done, y->done);
		assert_int_equal(x->checkbox, y->checkbox);
		assert_int_equal(x->limit_minutes, y->limit_minutes);
		assert_int_equal(x->level, y->level);
	}
}

/* Exports p and parses the result again. */
static struct plan *
reimport(const struct plan *p)
{
	struct plan *q;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(plan_export(p, f), CAIRN_OK);
	fclose(f);
	q = parse_ok(buf, len);
	free(buf);
	return q;
}

static void
assert_round_trip(const struct plan *p)
{
	struct plan *q = reimport(p);

	assert_same_tree(p, q);
	plan_free(q);
}

static int
find(const struct plan *p, const char *prefix)
{
	size_t i;

	for (i = 0; i < p->n_items; i++)
		if (strncmp(p->items[i].title, prefix, strlen(prefix)) == 0)
			return (int)i;
	fail_msg("no item titled '%s...'", prefix);
	return -1;
}

static void
assert_item(const struct plan *p, int i, enum plan_kind kind, int from, int to)
{
	const struct plan_item *it = &p->items[i];

	if (it->kind != kind)
		fail_msg("'%s' is a %s, not a %s", it->title,
		         plan_kind_name(it->kind), plan_kind_name(kind));
	if (from < 0) {
		assert_false(it->has_window);
		return;
	}
	assert_true(it->has_window);
	assert_int_equal(it->from_day, from);
	assert_int_equal(it->to_day, to);
}

static void
test_sample(void **state)
{
	static const int due[] = {83,  83,  167, 167, 167, 251,
	                          251, 251, 335, 335, 335};
	const char *path = TEST_DATA_DIR "/samples/ultralearning-plan.md";
	struct plan *p;
	size_t len, i, m = 0;
	double sum = 0;
	char *text = slurp(path, &len);
	int ph2;

	(void)state;
	if (text == NULL)
		fail_msg("the sample plan %s is missing", path);
	p = parse_ok(text, len);
	assert_string_equal(p->title,
	                    "Ultralearning Plan: ML Engineer (6-12 months)");
	assert_non_null(p->goal);
	assert_true(strncmp(p->goal, "Become job-ready", 16) == 0);
	assert_true(p->hours_min == 15 && p->hours_max == 25);
	assert_item(p, find(p, "Phase 1: Foundation"), PLAN_PHASE, 0, 13);
	ph2 = find(p, "Phase 2: Core Skills");
	assert_item(p, ph2, PLAN_PHASE, 14, 111);
	assert_item(p, find(p, "Phase 3: AI-Augmented"), PLAN_PHASE, -1, -1);
	assert_item(p, find(p, "Job Search Integration"), PLAN_PHASE, 196, 335);
	assert_item(p, find(p, "Project 1: Recommendation"), PLAN_PROJECT, 14,
	            41);
	assert_item(p, find(p, "Project 2: Reinforcement"), PLAN_PROJECT, 42,
	            83);
	assert_item(p, find(p, "Project 3: MLOps"), PLAN_PROJECT, 84, 111);
	assert_int_equal(p->items[find(p, "Project 2")].parent, ph2);
	for (i = 0; i < p->n_items; i++) {
		if (p->items[i].kind != PLAN_MILESTONE)
			continue;
		assert_true(m < 11);
		assert_item(p, (int)i, PLAN_MILESTONE, due[m], due[m]);
		assert_true(p->items[i].checkbox);
		m++;
	}
	assert_int_equal(m, 11);
	assert_int_equal(p->n_sched, 7);
	for (i = 0; i < p->n_sched; i++)
		sum += p->sched[i].hours;
	assert_true(sum == 20);
	assert_string_equal(p->sched[0].day, "Mon");
	assert_string_equal(p->sched[6].day, "Sun");
	assert_item(p, find(p, "Collaborative filtering"), PLAN_TASK, -1, -1);
	assert_item(p, find(p, "Deep Learning fundamentals"), PLAN_SKILL, -1,
	            -1);
	assert_item(p, find(p, "ONCE YOU'RE done"), PLAN_NOTE, -1, -1);
	assert_no_line_lost(text, len, p);
	assert_round_trip(p);
	plan_free(p);
	free(text);
}

static double
parse_seconds(const char *text, size_t len, struct plan **p)
{
	struct timespec a, b;

	clock_gettime(CLOCK_MONOTONIC, &a);
	assert_int_equal(plan_parse(text, len, p), CAIRN_OK);
	clock_gettime(CLOCK_MONOTONIC, &b);
	return (double)(b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9;
}

static void
test_real_world(void **state)
{
	static const char *const names[] = {"coding-interview-university.md",
	                                    "ossu-computer-science.md"};
	size_t k, i, len;

	(void)state;
	for (k = 0; k < 2; k++) {
		char path[512];
		struct plan *p = NULL;
		size_t boxes = 0, tasks = 0;
		double s;
		char *text;

		snprintf(path, sizeof(path), "%s/samples/real-world/%s",
		         TEST_DATA_DIR, names[k]);
		text = slurp(path, &len);
		if (text == NULL) {
			snprintf(skip_reason, sizeof(skip_reason),
			         "%s is absent", path);
			print_message("skipped: %s\n", skip_reason);
			skip();
		}
		s = parse_seconds(text, len, &p);
		print_message("%s: %zu items in %.1f ms\n", names[k],
		              p->n_items, s * 1e3);
		if (!RUNNING_ON_VALGRIND)
			assert_true(s < PARSE_MAX_SECONDS);
		for (i = 0; i < p->n_items; i++) {
			boxes += p->items[i].checkbox;
			tasks += p->items[i].kind == PLAN_TASK;
		}
		if (k == 0) {
			assert_string_equal(p->title,
			                    "Coding Interview University");
			assert_true(boxes > 450);
		} else {
			/* The curriculum's courses, from its tables. */
			assert_true(tasks >= 30);
			assert_item(p, find(p, "Systematic Program Design"),
			            PLAN_TASK, -1, -1);
			assert_true(p->hours_min == 20);
		}
		assert_no_line_lost(text, len, p);
		plan_free(p);
		free(text);
	}
}

static void
test_plain_lines(void **state)
{
	struct plan *p;
	size_t len;
	char *text = fixture("import-plain.md", &len);
	int m1, w12, w34, m2, i;

	(void)state;
	p = parse_ok(text, len);
	assert_string_equal(p->title, "3D Modelling in 12 Weeks");
	assert_string_equal(p->goal,
	                    "model and texture a small scene on my own");
	assert_string_equal(p->start, "2025-01-06");
	assert_true(p->hours_min == 10 && p->hours_max == 10);
	m1 = find(p, "Month 1: Basic 3D Literacy");
	assert_item(p, m1, PLAN_PHASE, 0, 27);
	assert_int_equal(p->items[m1].parent, -1);
	w12 = find(p, "Week 1-2: Single Object Mastery");
	assert_item(p, w12, PLAN_PHASE, 0, 13);
	assert_int_equal(p->items[w12].parent, m1);
	w34 = find(p, "Week 3-4");
	assert_int_equal(p->items[w34].parent, m1);
	assert_item(p, w34, PLAN_PHASE, 14, 27);
	/* Time limits, and plain lines and * + bullets as tasks. */
	i = find(p, "Model a mug");
	assert_item(p, i, PLAN_TASK, -1, -1);
	assert_int_equal(p->items[i].limit_minutes, 120);
	assert_int_equal(p->items[i].parent, w12);
	assert_int_equal(p->items[find(p, "Texture the mug")].limit_minutes,
	                 180);
	i = find(p, "Retopology drill");
	assert_int_equal(p->items[i].limit_minutes, 90);
	assert_int_equal(p->items[i].parent, w12);
	assert_item(p, find(p, "Share the render"), PLAN_TASK, -1, -1);
	i = find(p, "Watch the Blender Guru donut series");
	assert_non_null(strstr(p->items[i].line,
	                       "(https://www.youtube.com/@blenderguru)"));
	/* A numbered list under a week. */
	i = find(p, "Render a turntable");
	assert_int_equal(p->items[i].parent, w34);
	assert_int_equal(p->items[i].limit_minutes, 45);
	assert_item(p, find(p, "Write down what worked"), PLAN_TASK, -1, -1);
	/* Checkboxes ticked and not. */
	m2 = find(p, "Month 2: Scenes");
	i = find(p, "Pick a reference photo");
	assert_int_equal(p->items[i].parent, m2);
	assert_true(p->items[i].checkbox && p->items[i].done);
	i = find(p, "Block out the scene");
	assert_true(p->items[i].checkbox && !p->items[i].done);
	assert_true(p->items[find(p, "Collect textures")].done);
	/* A milestone group, and the stray unfinished line. */
	assert_item(p, find(p, "Ten renders posted"), PLAN_MILESTONE, 83, 83);
	i = find(p, "then maybe a");
	assert_item(p, i, PLAN_NOTE, -1, -1);
	assert_no_line_lost(text, len, p);
	assert_round_trip(p);
	plan_free(p);
	free(text);
}

static void
test_courses_tables(void **state)
{
	struct plan *p;
	size_t len;
	char *text = fixture("import-courses.md", &len);
	int i, core;

	(void)state;
	p = parse_ok(text, len);
	assert_string_equal(p->title, "Self-taught CS");
	assert_string_equal(p->goal, "Finish the core courses in a year.");
	assert_true(p->hours_min == 12 && p->hours_max == 15);
	core = find(p, "Core programming");
	i = find(p, "Systematic Program Design");
	assert_item(p, i, PLAN_TASK, -1, -1);
	assert_int_equal(p->items[i].parent, core);
	assert_non_null(
	        strstr(p->items[i].line, "| 13 weeks | 8-10 hours/week"));
	assert_non_null(strstr(p->items[i].line, "https://example.org/spd"));
	assert_item(p, find(p, "Calculus 1A"), PLAN_TASK, -1, -1);
	assert_item(p, find(p, "Mathematics for Computer Science"), PLAN_TASK,
	            -1, -1);
	assert_item(p, find(p, "Courses | Duration"), PLAN_NOTE, -1, -1);
	assert_int_equal(p->n_alloc, 3);
	assert_string_equal(p->alloc[0].activity, "project");
	assert_int_equal(p->alloc[0].min_pct, 50);
	assert_int_equal(p->alloc[0].max_pct, 70);
	assert_string_equal(p->alloc[1].activity, "reading");
	assert_int_equal(p->alloc[1].max_pct, 20);
	assert_int_equal(p->n_sched, 3);
	assert_string_equal(p->sched[0].day, "Mon");
	assert_true(p->sched[0].hours == 2);
	assert_string_equal(p->sched[0].activity, "drills");
	assert_string_equal(p->sched[1].day, "Wednesday");
	assert_true(p->sched[1].hours == 1.5);
	assert_true(p->sched[2].hours == 3.5);
	assert_item(p, find(p, "Recursion"), PLAN_SKILL, -1, -1);
	assert_item(p, find(p, "Project (Weeks 20-24)"), PLAN_PROJECT, 133,
	            167);
	assert_no_line_lost(text, len, p);
	assert_round_trip(p);
	plan_free(p);
	free(text);
}

static void
test_crlf(void **state)
{
	struct plan *p;
	size_t len, i;
	char *text = fixture("import-crlf.md", &len);

	(void)state;
	assert_non_null(strstr(text, "\r\n"));
	p = parse_ok(text, len);
	assert_string_equal(p->title, "CRLF plan");
	for (i = 0; i < p->n_items; i++)
		assert_null(strchr(p->items[i].line, '\r'));
	assert_item(p, find(p, "Phase 1: Basics"), PLAN_PHASE, 0, 13);
	i = (size_t)find(p, "A tokenizer");
	assert_item(p, (int)i, PLAN_TASK, -1, -1);
	assert_int_equal(p->items[i].limit_minutes, 180);
	assert_true(p->items[find(p, "A parser")].done);
	assert_item(p, find(p, "Parses its own source"), PLAN_MILESTONE, 27,
	            27);
	assert_no_line_lost(text, len, p);
	assert_round_trip(p);
	plan_free(p);
	free(text);
}

static void
test_empty_and_no_headings(void **state)
{
	struct plan *p;
	size_t len;
	char *text = fixture("import-empty.md", &len);

	(void)state;
	assert_int_equal(len, 0);
	p = parse_ok(text, len);
	assert_int_equal(p->n_items, 0);
	assert_string_equal(p->title, "");
	assert_round_trip(p);
	plan_free(p);
	free(text);
	p = parse_ok(NULL, 0);
	plan_free(p);
	p = parse_ok("\n\n   \n\t\n", 7);
	assert_int_equal(p->n_items, 0);
	plan_free(p);

	text = fixture("import-noheadings.md", &len);
	p = parse_ok(text, len);
	assert_string_equal(p->title, "learn to juggle");
	assert_int_equal(p->n_items, 3);
	assert_item(p, 1, PLAN_NOTE, -1, -1);
	assert_no_line_lost(text, len, p);
	assert_round_trip(p);
	plan_free(p);
	free(text);
}

static void
test_nested_blocks(void **state)
{
	struct plan *p;
	size_t len;
	char *text = fixture("import-nested.md", &len);
	int m1, w1, w2, i;

	(void)state;
	p = parse_ok(text, len);
	/* A setext title keeps its underline. */
	assert_string_equal(p->title, "Juggling plan");
	assert_string_equal(p->items[0].line, "Juggling plan\n=============");
	assert_int_equal(p->items[0].level, 1);
	/* Week headings nest under the month heading of the same level. */
	m1 = find(p, "Month 1: Three balls");
	w1 = find(p, "Week 1: Cascade");
	w2 = find(p, "Week 2: Tricks");
	assert_item(p, w1, PLAN_PHASE, 0, 6);
	assert_int_equal(p->items[w1].parent, m1);
	assert_int_equal(p->items[w2].parent, m1);
	assert_int_equal(p->items[find(p, "Month 2")].parent, -1);
	i = find(p, "Practice the cascade");
	assert_int_equal(p->items[i].limit_minutes, 20);
	assert_int_equal(p->items[i].parent, w1);
	/* A code block with its fences, an HTML block, a quote. */
	i = find(p, "left right left");
	assert_string_equal(p->items[i].line,
	                    "```\nleft right left\nright left right\n```");
	i = find(p, "<div");
	assert_non_null(strstr(p->items[i].line, "</div>"));
	find(p, "Count out loud.");
	assert_item(p, find(p, "Mills mess"), PLAN_SKILL, -1, -1);
	assert_item(p, find(p, "100 catches"), PLAN_MILESTONE, -1, -1);
	assert_int_equal(p->items[find(p, "Success milestones")].level, 2);
	find(p, "[siteswap]: https://example.org/siteswap");
	find(p, "***");
	assert_no_line_lost(text, len, p);
	assert_round_trip(p);
	plan_free(p);
	free(text);
}

static void
test_export_marks(void **state)
{
	static const char text[] = "# P\n\n- [ ] one\n- [x] two\n"
	                           "* [X] three\n1. [ ] four\n";
	struct plan *p, *q;
	int i;

	(void)state;
	p = parse_ok(text, sizeof(text) - 1);
	assert_int_equal(p->n_items, 5);
	p->items[find(p, "one")].done = 1;
	p->items[find(p, "two")].done = 0;
	p->items[find(p, "four")].done = 1;
	q = reimport(p);
	assert_same_tree(p, q);
	i = find(q, "one");
	assert_true(q->items[i].done);
	assert_string_equal(q->items[i].line, "- [x] one");
	assert_false(q->items[find(q, "two")].done);
	assert_true(q->items[find(q, "three")].done);
	assert_string_equal(q->items[find(q, "four")].line, "1. [x] four");
	plan_free(q);
	/* An item without a line is written from its title. */
	free(p->items[1].line);
	p->items[1].line = NULL;
	q = reimport(p);
	assert_string_equal(q->items[1].line, "- [x] one");
	plan_free(q);
	plan_free(p);
}

/* Checks fixture name: the milestones it must hold, due on those days. */
static void
assert_milestones(const char *name, const char *const *titles, const int *due,
                  size_t n_ms)
{
	size_t len, i, got = 0;
	char *text = fixture(name, &len);
	struct plan *p = parse_ok(text, len);

	for (i = 0; i < n_ms; i++)
		assert_item(p, find(p, titles[i]), PLAN_MILESTONE,
		            due[i] < 0 ? -1 : due[i], due[i]);
	for (i = 0; i < p->n_items; i++)
		got += p->items[i].kind == PLAN_MILESTONE;
	if (got != n_ms)
		fail_msg("%s: %zu milestones, want %zu", name, got, n_ms);
	assert_no_line_lost(text, len, p);
	assert_round_trip(p);
	plan_free(p);
	free(text);
}

/*
 * The ways plans name milestones, one small plan each: a Goals and a
 * Deliverables section; deadlines ("By the end of Month 2, ...", a "By
 * the end of Month 1" heading, an "At the end of month 4:" label);
 * checkpoint lines ("Week 3: can ...", "Checkpoint 1 (Week 4): ...",
 * "Milestone: ...", "Success metric: ..."); a table with a Milestone
 * column. Week N ends on day 7N-1, Month N on day 28N-1.
 */
static void
test_milestone_vocabulary(void **state)
{
	static const char *const goals[] = {
	        "Finish Rustlings", "A CLI tool with 100 users",
	        "A blog post on the borrow", "The crate, version 1.0"};
	static const int goals_due[] = {27, 83, 41, 83};
	static const char *const by_end[] = {
	        "By the end of Month 2", "Order food",
	        "Introduce myself",      "By Week 14",
	        "Watch an episode",      "Write a one-page diary",
	        "End of Month 4 - pass"};
	static const int by_end_due[] = {55, 27, 27, 97, 111, 111, 111};
	static const char *const checks[] = {
	        "Week 3: can switch",  "Week 6 - able to",
	        "Week 8: I should be", "Week 12: can play",
	        "Checkpoint 1",        "Milestone: first open mic",
	        "Success metric"};
	static const int checks_due[] = {20, 41, 55, 83, 27, 83, 41};
	static const char *const table[] = {"Summarise a data set",
	                                    "Solve 20 problems",
	                                    "A/B test write-up"};
	static const int table_due[] = {13, 27, 41};
	size_t len;
	char *text;
	struct plan *p;

	(void)state;
	assert_milestones("milestones-goals.md", goals, goals_due, 4);
	assert_milestones("milestones-by-the-end.md", by_end, by_end_due, 7);
	assert_milestones("milestones-checkpoints.md", checks, checks_due, 7);
	assert_milestones("milestones-table.md", table, table_due, 3);
	/* The sections around them keep their kinds. */
	text = fixture("milestones-checkpoints.md", &len);
	p = parse_ok(text, len);
	assert_item(p, find(p, "Week 1-2: open chords"), PLAN_PHASE, 0, 13);
	assert_item(p, find(p, "Week 4-6: strumming"), PLAN_PHASE, 21, 41);
	assert_int_equal(p->items[find(p, "Week 6 - able")].parent,
	                 find(p, "Week 4-6: strumming"));
	plan_free(p);
	free(text);
	text = fixture("milestones-by-the-end.md", &len);
	p = parse_ok(text, len);
	assert_item(p, find(p, "By the end of Month 1"), PLAN_NOTE, 0, 27);
	assert_item(p, find(p, "Phase 2: Stories"), PLAN_PHASE, 56, 111);
	assert_item(p, find(p, "Read one short story"), PLAN_TASK, -1, -1);
	plan_free(p);
	free(text);
}

/* A table of contents is notes: no phases, no windows, no skills. */
static void
test_table_of_contents(void **state)
{
	size_t len, i, toc = 0;
	char *text = fixture("toc.md", &len);
	struct plan *p = parse_ok(text, len);
	int head = find(p, "Table of Contents"), ph1 = -1;

	(void)state;
	for (i = 0; i < p->n_items; i++) {
		int up = p->items[i].parent;

		while (up >= 0 && up != head)
			up = p->items[up].parent;
		if (up != head) {
			if (ph1 < 0 &&
			    strncmp(p->items[i].title, "Phase 1", 7) == 0)
				ph1 = (int)i;
			continue;
		}
		assert_item(p, (int)i, PLAN_NOTE, -1, -1);
		toc++;
	}
	assert_int_equal(toc, 5);
	/* The real sections after it are what they say. */
	assert_item(p, ph1, PLAN_PHASE, 0, 27);
	assert_item(p, find(p, "Project 1: Portfolio (Weeks"), PLAN_PROJECT, 14,
	            27);
	assert_item(p, find(p, "Portfolio live"), PLAN_MILESTONE, 55, 55);
	assert_no_line_lost(text, len, p);
	assert_round_trip(p);
	plan_free(p);
	free(text);
}

/* 1 if item it can carry no done mark in Markdown (a code or HTML block). */
static int
unmarkable(const struct plan_item *it)
{
	const char *s = it->line + strspn(it->line, " \t>");

	return s[0] == '`' || s[0] == '~' || s[0] == '<' || s[0] == '\0' ||
	       strspn(it->line, " ") >= 4 || strncmp(s, "---", 3) == 0 ||
	       strncmp(s, "***", 3) == 0 || strncmp(s, "___", 3) == 0 ||
	       (s[0] == '-' && s[1] == ' ' && s[2] == '#') ||
	       strcmp(s, "-") == 0 || strcmp(s, "*") == 0 ||
	       s[strspn(s, "|-: \t")] == '\0';
}

/*
 * Every item of the plan in text ticked, exported and read again: the same
 * titles and tree, and every item that can hold a mark comes back done,
 * boxes or none.
 */
static void
assert_all_done_round_trip(const char *text, size_t len)
{
	struct plan *p = parse_ok(text, len), *q;
	size_t i, marked = 0;

	for (i = 0; i < p->n_items; i++)
		p->items[i].done = 1;
	q = reimport(p);
	if (p->n_items != q->n_items) {
		char *b = NULL;
		size_t bl = 0;
		FILE *f = open_memstream(&b, &bl);

		assert_int_equal(plan_export(p, f), CAIRN_OK);
		fclose(f);
		print_message("%s\n", b);
		free(b);
	}
	assert_int_equal(p->n_items, q->n_items);
	for (i = 0; i < p->n_items; i++) {
		assert_string_equal(p->items[i].title, q->items[i].title);
		assert_int_equal(p->items[i].parent, q->items[i].parent);
		if (unmarkable(&p->items[i]))
			continue;
		if (!q->items[i].done)
			fail_msg("item %zu '%s' (%s) lost its done mark", i,
			         p->items[i].title, p->items[i].line);
		marked++;
	}
	assert_true(marked > 0);
	plan_free(q);
	plan_free(p);
}

static void
test_export_done_everywhere(void **state)
{
	static const char *const names[] = {"cmd-small-plan.md",
	                                    "import-courses.md",
	                                    "import-crlf.md",
	                                    "import-nested.md",
	                                    "import-plain.md",
	                                    "export-tight.md",
	                                    "milestones-goals.md",
	                                    "milestones-by-the-end.md",
	                                    "milestones-checkpoints.md",
	                                    "milestones-table.md",
	                                    "toc.md"};
	static const char text[] =
	        "# P\n\n## Week 1\n\nRead chapter 1\n\n"
	        "- one\n- two\n  - nested\n1. first\n"
	        "2. second\n\n| Course | Effort |\n|---|---|\n"
	        "| CS50 | 10h |\n";
	const char *samples[] = {
	        "/samples/ultralearning-plan.md",
	        "/samples/real-world/coding-interview-university.md",
	        "/samples/real-world/ossu-computer-science.md"};
	struct plan *p, *q;
	char *buf = NULL, *t, path[512];
	size_t len = 0, i;
	FILE *f;

	(void)state;
	assert_all_done_round_trip(text, sizeof(text) - 1);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		t = fixture(names[i], &len);
		assert_all_done_round_trip(t, len);
		free(t);
	}
	for (i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
		snprintf(path, sizeof(path), "%s%s", TEST_DATA_DIR, samples[i]);
		t = slurp(path, &len);
		assert_non_null(t); /* in the tree: tests/data/samples */
		assert_all_done_round_trip(t, len);
		free(t);
	}
	/* Done marks where there was no box, and a tight list stays tight. */
	p = parse_ok(text, sizeof(text) - 1);
	p->items[find(p, "Week 1")].done = 1;
	p->items[find(p, "Read chapter")].done = 1;
	p->items[find(p, "two")].done = 1;
	p->items[find(p, "second")].done = 1;
	p->items[find(p, "CS50")].done = 1;
	f = open_memstream(&buf, &len);
	assert_non_null(f);
	assert_int_equal(plan_export(p, f), CAIRN_OK);
	fclose(f);
	assert_string_equal(buf,
	                    "# P\n\n## [x] Week 1\n\n[x] Read chapter 1\n\n"
	                    "- one\n- [x] two\n  - nested\n1. first\n"
	                    "2. [x] second\n\n| Course | Effort |\n"
	                    "|---|---|\n| [x] CS50 | 10h |\n");
	q = parse_ok(buf, len);
	assert_true(q->items[find(q, "Week 1")].done);
	assert_true(q->items[find(q, "Read chapter 1")].done);
	assert_true(q->items[find(q, "two")].done);
	assert_false(q->items[find(q, "one")].done);
	assert_true(q->items[find(q, "CS50")].done);
	assert_string_equal(q->items[find(q, "CS50")].title, "CS50");
	assert_int_equal(q->items[find(q, "CS50")].kind, PLAN_TASK);
	plan_free(q);
	/* Exported again, nothing moves: the marks are boxes now. */
	q = reimport(p);
	free(buf);
	buf = NULL;
	f = open_memstream(&buf, &len);
	assert_non_null(f);
	assert_int_equal(plan_export(q, f), CAIRN_OK);
	fclose(f);
	assert_non_null(strstr(buf, "## [x] Week 1\n"));
	assert_null(strstr(buf, "[x] [x]"));
	free(buf);
	plan_free(q);
	plan_free(p);
}

static void
test_refusals_and_odd_bytes(void **state)
{
	static const char nul[] = "# T\n\nmid\0dle line\n";
	struct plan *p = NULL;
	char *big;

	(void)state;
	assert_int_equal(plan_parse("\xff\xfe bad", 6, &p), CAIRN_EINVAL);
	assert_int_equal(plan_parse("\xc0\x80", 2, &p), CAIRN_EINVAL);
	assert_null(p);
	big = calloc(PLAN_MAX_BYTES + 1, 1);
	assert_non_null(big);
	memset(big, 'a', PLAN_MAX_BYTES + 1);
	assert_int_equal(plan_parse(big, PLAN_MAX_BYTES + 1, &p),
	                 CAIRN_ETOOBIG);
	/* A line longer than an item may hold. */
	assert_int_equal(plan_parse(big, PLAN_LINE_MAX + 1, &p), CAIRN_ETOOBIG);
	/* Too many items. */
	memset(big, '\n', PLAN_MAX_BYTES);
	{
		size_t i;

		for (i = 0; i < 2 * (PLAN_MAX_ITEMS + 1); i += 2)
			big[i] = 'x';
		big[2 * (PLAN_MAX_ITEMS + 1)] = '\0';
	}
	assert_int_equal(plan_parse(big, 2 * (PLAN_MAX_ITEMS + 1), &p),
	                 CAIRN_ETOOBIG);
	free(big);
	assert_null(p);
	/*
	 * A NUL byte is refused (it would cut the records' strings), even
	 * as the last byte; a byte order mark is skipped.
	 */
	assert_int_equal(plan_parse(nul, sizeof(nul) - 1, &p), CAIRN_EINVAL);
	assert_int_equal(plan_parse(nul, sizeof(nul), &p), CAIRN_EINVAL);
	assert_int_equal(plan_parse("# T\n\0", 5, &p), CAIRN_EINVAL);
	assert_null(p);
	p = parse_ok("\xef\xbb\xbf# Title\n", 11);
	assert_string_equal(p->title, "Title");
	assert_string_equal(p->items[0].line, "# Title");
	plan_free(p);
	assert_string_equal(plan_kind_name(PLAN_MILESTONE), "milestone");
	plan_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_sample),
	        cmocka_unit_test(test_real_world),
	        cmocka_unit_test(test_plain_lines),
	        cmocka_unit_test(test_courses_tables),
	        cmocka_unit_test(test_crlf),
	        cmocka_unit_test(test_empty_and_no_headings),
	        cmocka_unit_test(test_nested_blocks),
	        cmocka_unit_test(test_export_marks),
	        cmocka_unit_test(test_export_done_everywhere),
	        cmocka_unit_test(test_milestone_vocabulary),
	        cmocka_unit_test(test_table_of_contents),
	        cmocka_unit_test(test_refusals_and_odd_bytes),
	};

	int rc = cmocka_run_group_tests(tests, NULL, NULL);

	if (rc == 0 && skip_reason[0] != '\0') {
		printf("1..0 # SKIP %s\n", skip_reason);
		return 77;
	}
	return rc;
}
