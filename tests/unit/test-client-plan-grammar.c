/*
 * Unit tests of the plan importer's small grammar (client/plan/plan-grammar.c):
 * windows, time limits, hours per week, percentages, weekdays, dates and
 * section words, each with phrases that must match and phrases that must
 * not.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "plan-grammar.h"

#define S(x) (x), strlen(x)

static void
window_is(const char *s, int from, int to)
{
	int f = -7, t = -7;

	if (!pg_window(S(s), &f, &t))
		fail_msg("no window in '%s'", s);
	if (f != from || t != to)
		fail_msg("'%s': %d-%d, want %d-%d", s, f, t, from, to);
}

static void
test_windows(void **state)
{
	int f, t;

	(void)state;
	window_is("Week 1", 0, 6);
	window_is("Weeks 3-16", 14, 111);
	window_is("Phase 2 (Weeks 3\xe2\x80\x93"
	          "6)",
	          14, 41);
	window_is("weeks 3 to week 6", 14, 41);
	window_is("Month 3:", 56, 83);
	window_is("Months 8-12", 196, 335);
	window_is("Day 3", 2, 2);
	window_is("Days 1 through 10", 0, 9);
	window_is("Week 4-2", 21, 27);
	assert_false(pg_window(S("(6-12 months)"), &f, &t));
	assert_false(pg_window(S("20 hours/week"), &f, &t));
	assert_false(pg_window(S("6 months 2 weeks"), &f, &t));
	assert_false(pg_window(S("Week 0"), &f, &t));
	assert_false(pg_window(S("Week 99999"), &f, &t));
	assert_false(pg_window(S("weekly review"), &f, &t));
	assert_false(pg_window(S(""), &f, &t));
}

static void
test_leads(void **state)
{
	(void)state;
	assert_int_equal(pg_lead(S("Phase 2: Core")), PG_LEAD_PHASE);
	assert_int_equal(pg_lead(S("Phase II - x")), PG_LEAD_PHASE);
	assert_int_equal(pg_lead(S("Project 1: Rec (Weeks 3-6)")),
	                 PG_LEAD_PROJECT);
	assert_int_equal(pg_lead(S("Month 1: Basic 3D Literacy")),
	                 PG_LEAD_MONTH);
	assert_int_equal(pg_lead(S("Week 1-2: Single Object Mastery")),
	                 PG_LEAD_WEEK);
	assert_int_equal(pg_lead(S("Week 3")), PG_LEAD_WEEK);
	assert_int_equal(pg_lead(S("Day 5 - rest")), PG_LEAD_DAY);
	assert_int_equal(pg_lead(S("Week 3 is the hardest")), PG_LEAD_NONE);
	assert_int_equal(pg_lead(S("Projects")), PG_LEAD_NONE);
	assert_int_equal(pg_lead(S("Project management basics")), PG_LEAD_NONE);
	assert_int_equal(pg_lead(S("Phases of the moon")), PG_LEAD_NONE);
}

static void
test_limits(void **state)
{
	(void)state;
	assert_int_equal(pg_limit(S("Model a mug in under 2 hours")), 120);
	assert_int_equal(pg_limit(S("in under 90 minutes")), 90);
	assert_int_equal(pg_limit(S("Texture it, 2-3 hours max")), 180);
	assert_int_equal(pg_limit(S("(max 45 min)")), 45);
	assert_int_equal(pg_limit(S("time limit: 1h30m")), 90);
	assert_int_equal(pg_limit(S("at most 1.5 hours")), 90);
	assert_int_equal(pg_limit(S("no more than 40 mins")), 40);
	assert_int_equal(pg_limit(S("less than 2 h")), 120);
	assert_int_equal(pg_limit(S("Timeboxed to 25 minutes")), 25);
	assert_int_equal(pg_limit(S("30 minutes or less")), 30);
	assert_int_equal(pg_limit(S("2 hours tops")), 120);
	assert_int_equal(pg_limit(S("2-3 hour deep work sessions")), 0);
	assert_int_equal(pg_limit(S("Spend ~20 hours mapping")), 0);
	assert_int_equal(pg_limit(S("more than 2 hours")), 0);
	assert_int_equal(pg_limit(S("under 2 weeks")), 0);
	assert_int_equal(pg_limit(S("under 20000 hours")), 0);
	assert_int_equal(pg_limit(S("spend 2-3 focused sessions")), 0);
}

static void
test_hours(void **state)
{
	double lo = -1, hi = -1, h = -1;
	size_t end = 0;

	(void)state;
	assert_true(pg_hours_week(S("**Time:** 15-25 hours/week"), &lo, &hi));
	assert_true(lo == 15 && hi == 25);
	assert_true(pg_hours_week(S("10 hrs per week"), &lo, &hi));
	assert_true(lo == 10 && hi == 10);
	assert_true(pg_hours_week(S("about 6 h a week"), &lo, &hi));
	assert_true(pg_hours_week(S("8 hours weekly"), &lo, &hi));
	assert_true(lo == 8);
	assert_false(pg_hours_week(S("8-12 hours a day"), &lo, &hi));
	assert_false(pg_hours_week(S("500 hours/week"), &lo, &hi));
	assert_false(pg_hours_week(S("20 minutes per week"), &lo, &hi));
	assert_true(pg_hours(S("3"), &h) && h == 3);
	assert_true(pg_hours(S("2-3"), &h) && h == 2.5);
	assert_true(pg_hours(S("90 min"), &h) && h == 1.5);
	assert_true(pg_hours(S("1h30"), &h) && h == 1);
	assert_false(pg_hours(S("lots"), &h));
	assert_true(pg_duration_in(S(": 2h drills"), &h, &end) && h == 2);
	assert_int_equal(end, 4);
	assert_false(pg_duration_in(S("no time"), &h, &end));
}

static void
test_words(void **state)
{
	unsigned lo = 0, hi = 0;
	size_t wl = 0, off = 0;
	char date[11];

	(void)state;
	assert_true(pg_percent(S("Projects: 50-70%"), &lo, &hi));
	assert_true(lo == 50 && hi == 70);
	assert_false(pg_percent(S("Projects: 150%"), &lo, &hi));
	assert_false(pg_percent(S("Projects: 50"), &lo, &hi));
	assert_string_equal(pg_activity(S("Projects: 50%")), "project");
	assert_string_equal(pg_activity(S("Reading papers")), "reading");
	assert_string_equal(pg_activity(S("Anki flashcards")), "retrieval");
	assert_string_equal(pg_activity(S("Weekly planning")), "planning");
	assert_null(pg_activity(S("Ready to go")));
	assert_int_equal(pg_weekday(S("Mon | 3"), &wl), 1);
	assert_int_equal(wl, 3);
	assert_int_equal(pg_weekday(S("Sunday: rest"), &wl), 7);
	assert_int_equal(pg_weekday(S("Monument"), &wl), 0);
	assert_true(pg_start_date(S("Start: 2025-01-06"), date));
	assert_string_equal(date, "2025-01-06");
	assert_true(pg_start_date(S("Starting on 2025-3-4"), date));
	assert_string_equal(date, "2025-03-04");
	assert_false(pg_start_date(S("Start: 2025-13-01"), date));
	assert_false(pg_start_date(S("Due: 2025-01-06"), date));
	assert_true(pg_goal(S("Goal: get hired"), &off));
	assert_int_equal(off, 6);
	assert_false(pg_goal(S("Goals matter"), &off));
	assert_true(pg_is_goal_heading(S("My Goal")));
	assert_false(pg_is_goal_heading(S("Goal setting tips")));
	assert_int_equal(pg_class(S("Build:")), PG_CLASS_TASK);
	assert_int_equal(pg_class(S("Key Concepts to Master:")),
	                 PG_CLASS_SKILL);
	assert_int_equal(pg_class(S("Success Metrics")), PG_CLASS_METRIC);
	assert_int_equal(pg_class(S("Resources")), 0);
	assert_int_equal(pg_word_count(S("a, b - 3 c")), 4);
}

static void
due_is(const char *s, int day, int rest)
{
	int d = -7, r = -7;

	if (!pg_due(S(s), &d, &r))
		fail_msg("no deadline in '%s'", s);
	if (d != day || r != rest)
		fail_msg("'%s': day %d rest %d, want %d %d", s, d, r, day,
		         rest);
}

static void
test_milestone_words(void **state)
{
	static const char *const not_due[] = {"By hand: a bed frame",
	                                      "Bye for now",
	                                      "The end of Week 4",
	                                      "By the way, Week 4 is hard",
	                                      "End of story",
	                                      "",
	                                      NULL};
	static const char *const checkpoints[] = {
	        "Week 4: can order food in a café",
	        "Week 6 - able to play a song start to finish",
	        "Week 8: I should be able to read a paper",
	        "Month 2 \xe2\x80\x94 I can hold a conversation",
	        "**Week 3:** can switch chords in 2 seconds",
	        "Week 10: you will be able to deploy",
	        NULL};
	static const char *const not_checkpoints[] = {
	        "Week 4: canoe trip",
	        "Week 4: strumming patterns",
	        "Week 4 can",
	        "Weeks 2-3 will cover arrays",
	        "Learn what you can in Week 4",
	        NULL};
	static const char *const keys[] = {"Milestone: first open mic",
	                                   "Checkpoint 2 (Week 8): a demo",
	                                   "Checkpoint (Week 8): a demo",
	                                   "Deliverable - the crate",
	                                   "Success metric: 30 days in a row",
	                                   "Milestone 3: v1.0",
	                                   "**Milestone:** ship",
	                                   "Target: 2000 words",
	                                   NULL};
	static const char *const not_keys[] = {"Milestones",
	                                       "Milestone:",
	                                       "Milestone reached at last",
	                                       "Targeting: the web",
	                                       "A milestone: maybe",
	                                       NULL};
	size_t i;
	int d, r;

	(void)state;
	due_is("By the end of Month 2, hold a conversation", 55, 1);
	due_is("By end of week 4: order food", 27, 1);
	due_is("By Week 14: retell a story", 97, 1);
	due_is("End of Month 4 - pass a mock exam", 111, 1);
	due_is("At the end of month 4:", 111, 0);
	due_is("### By the end of Month 1", 27, 0);
	due_is("**By the end of Weeks 5-6:**", 41, 0);
	for (i = 0; not_due[i] != NULL; i++)
		if (pg_due(S(not_due[i]), &d, &r))
			fail_msg("'%s' has no deadline", not_due[i]);
	for (i = 0; checkpoints[i] != NULL; i++)
		if (!pg_checkpoint(S(checkpoints[i])))
			fail_msg("'%s' is a checkpoint", checkpoints[i]);
	for (i = 0; not_checkpoints[i] != NULL; i++)
		if (pg_checkpoint(S(not_checkpoints[i])))
			fail_msg("'%s' is no checkpoint", not_checkpoints[i]);
	for (i = 0; keys[i] != NULL; i++)
		if (!pg_milestone_key(S(keys[i])))
			fail_msg("'%s' names a milestone", keys[i]);
	for (i = 0; not_keys[i] != NULL; i++)
		if (pg_milestone_key(S(not_keys[i])))
			fail_msg("'%s' names no milestone", not_keys[i]);
	/* Short titles of milestone sections; long lines are other things. */
	assert_int_equal(pg_class(S("Goals")), PG_CLASS_METRIC);
	assert_int_equal(pg_class(S("Learning goals")), PG_CLASS_METRIC);
	assert_int_equal(pg_class(S("Deliverables")), PG_CLASS_METRIC);
	assert_int_equal(pg_class(S("Key results")), PG_CLASS_METRIC);
	assert_int_equal(pg_class(S("Exit criteria")), PG_CLASS_METRIC);
	assert_int_equal(pg_class(S("Targets by month")), PG_CLASS_METRIC);
	assert_int_equal(pg_class(S("Success Metrics")), PG_CLASS_METRIC);
	assert_int_equal(
	        pg_class(S("Set three goals for the week and review them")), 0);
	assert_int_equal(pg_class(S("Bookmark benchmark resources")), 0);
	assert_int_equal(pg_class(S("Build:")), PG_CLASS_TASK);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_windows),
	        cmocka_unit_test(test_leads),
	        cmocka_unit_test(test_limits),
	        cmocka_unit_test(test_hours),
	        cmocka_unit_test(test_words),
	        cmocka_unit_test(test_milestone_words),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
