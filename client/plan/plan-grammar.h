/*
 * The small grammar of the plan importer (plan-grammar.c): a tokenizer that
 * cuts a line into words, numbers and punctuation, and matchers over those
 * tokens for the phrases plans use: date windows ("Weeks 3-6", "Month 3"),
 * time limits ("in under 2 hours", "2-3 hours max"), hours per week
 * ("15-25 hours/week"), percentages, weekdays, dates and the words that say
 * what a section holds. Every function reads a byte range, not a C string.
 */
#ifndef CAIRN_PLAN_GRAMMAR_H
#define CAIRN_PLAN_GRAMMAR_H

#include <stddef.h>
#include <stdint.h>

/* What a line starts with (pg_lead). */
enum pg_lead {
	PG_LEAD_NONE = 0,
	PG_LEAD_PHASE,   /* "Phase 2: ...", "Stage 1 - ..." */
	PG_LEAD_MONTH,   /* "Month 1: ...", "Months 2-3 ..." */
	PG_LEAD_PROJECT, /* "Project 1: ..." */
	PG_LEAD_WEEK,    /* "Week 1-2: ...", "Weeks 3-6" */
	PG_LEAD_DAY,     /* "Day 3: ..." */
};

/* What the words of a section title say its list holds (pg_class). */
#define PG_CLASS_TASK 1u
#define PG_CLASS_SKILL 2u
#define PG_CLASS_METRIC 4u

/*
 * Finds the first window phrase in s: "Week N", "Weeks a-b", "Month N",
 * "Months a-b", "Day N", "Days a-b" ("to", "through" and dashes also join
 * a range). Week N is days 7(N-1)..7N-1, Month N is days 28(N-1)..28N-1,
 * Day N is day N-1. Returns 1 and the inclusive day range, else 0.
 */
int pg_window(const char *s, size_t n, int *from, int *to);
/*
 * Says what s leads with (enum pg_lead): a keyword, with a window or number
 * after it, then punctuation or the end of the line.
 */
int pg_lead(const char *s, size_t n);
/* The time limit s sets, in minutes (upper bound of a range), else 0. */
uint32_t pg_limit(const char *s, size_t n);
/* Hours per week stated in s ("15-25 hours/week"). Returns 1 if found. */
int pg_hours_week(const char *s, size_t n, double *min, double *max);
/* A duration in hours at the start of s ("3", "2h", "90 min", "2-3"). */
int pg_hours(const char *s, size_t n, double *hours);
/*
 * A duration with an hours or minutes unit anywhere in s; *end is set to
 * the offset just after it. Returns 1 if found.
 */
int pg_duration_in(const char *s, size_t n, double *hours, size_t *end);
/* A percentage ("50%", "50-70%") in s. Returns 1 if found. */
int pg_percent(const char *s, size_t n, unsigned *min, unsigned *max);
/* The cairn activity a word of s names ("Projects" -> "project"), or NULL. */
const char *pg_activity(const char *s, size_t n);
/* Returns 1..7 (Monday..Sunday) if s starts with a weekday name, else 0. */
int pg_weekday(const char *s, size_t n, size_t *word_len);
/*
 * If s starts with a start label ("Start:", "Start date:", "Begins") and
 * holds a date YYYY-MM-DD, writes it with a NUL to out. Returns 1 if so.
 */
int pg_start_date(const char *s, size_t n, char out[11]);
/*
 * If s starts with a goal label ("Goal:", "Objective -"), sets *off to
 * where the goal text begins. Returns 1 if so.
 */
int pg_goal(const char *s, size_t n, size_t *off);
/* Returns 1 if s is only a goal word ("Goal", "Goals", "Objective"). */
int pg_is_goal_heading(const char *s, size_t n);
/*
 * PG_CLASS_* bits for the words of s. Short titles (a few words) also
 * read "Goals", "Deliverables", "Targets", "Key results", "Exit
 * criteria" as milestone sections.
 */
unsigned pg_class(const char *s, size_t n);
/*
 * If s leads with a deadline ("By the end of Month 2", "By Week 4", "End
 * of month 3", "At the end of week 6"), sets *day to the last day of its
 * window and *rest to 1 when words follow it ("..., hold a 10-minute
 * conversation"), 0 when only punctuation does (a heading or label).
 * Returns 1 if so.
 */
int pg_due(const char *s, size_t n, int *day, int *rest);
/*
 * Returns 1 if s is a checkpoint line: a window lead and then what the
 * learner can do by then ("Week 4: can order food", "Month 2 - able to
 * read a paper", "Week 6: I should be able to ...").
 */
int pg_checkpoint(const char *s, size_t n);
/*
 * Returns 1 if s leads with a milestone word and a colon or dash
 * ("Milestone: ...", "Checkpoint 2 (Week 8): ...", "Deliverable - ...",
 * "Success metric: ...").
 */
int pg_milestone_key(const char *s, size_t n);
/* The number of words in s. */
size_t pg_word_count(const char *s, size_t n);

#endif
