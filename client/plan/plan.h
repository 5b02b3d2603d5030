/*
 * A learner's plan in memory: what the importer understood of a Markdown or
 * plain-text plan, and what export writes back. The importer
 * (plan-parse.c) builds it from text; the plan commands (cmd-plan.c) turn
 * it into Plan and PlanItem records (proto/cairn.proto) and back.
 */
#ifndef CAIRN_PLAN_H
#define CAIRN_PLAN_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define PLAN_MAX_BYTES (4u * 1024 * 1024) /* largest plan file accepted */
#define PLAN_MAX_ITEMS 20000
#define PLAN_TITLE_MAX 512  /* bytes of an item title (longer is cut) */
#define PLAN_LINE_MAX 16384 /* bytes of an item's source text */
#define PLAN_MAX_SCHEDULE 64
#define PLAN_MAX_ALLOC 32

enum plan_kind {
	PLAN_PHASE = 1, /* values match proto ItemKind */
	PLAN_PROJECT = 2,
	PLAN_TASK = 3,
	PLAN_MILESTONE = 4,
	PLAN_SKILL = 5,
	PLAN_NOTE = 6,
};

/*
 * Windows count days from the plan's start (day 0): Week N is days
 * 7(N-1)..7N-1, Month N is four weeks, days 28(N-1)..28N-1 (calendar-free),
 * Day N is day N-1. A milestone is due on the last day of its window or of
 * its nearest ancestor's ("Month 3:" -> from_day == to_day == 83). The
 * rules that map Markdown to items are at the top of plan-parse.c and
 * plan-items.c.
 */
struct plan_item {
	int parent; /* index of the parent item, -1 at the top */
	enum plan_kind kind;
	char *title;    /* owned; plain text, inline markup removed */
	char *line;     /* owned; the source line(s) verbatim, joined by
	                 * '\n', without line ends (CRLF read as LF) */
	int has_window; /* from_day/to_day are set */
	int from_day;   /* days after the plan's start, inclusive */
	int to_day;
	int done;               /* a ticked checkbox ("- [x]") */
	int checkbox;           /* the line is a task-list item */
	uint32_t limit_minutes; /* "in under 2 hours" -> 120, "2-3 hours
	                         * max" -> 180 (upper bound); 0 if none */
	int level;              /* heading level 1-6, 0 if not a heading */
};

struct plan_sched {
	char *day; /* owned: "Mon".."Sun" or as written */
	double hours;
	char *activity; /* owned */
};

struct plan_alloc {
	char *activity; /* owned: a cairn activity word */
	unsigned min_pct, max_pct;
};

struct plan {
	char *title; /* owned, never NULL; the first H1, else the first
	              * heading, else the first line; "" for an empty
	              * text (the caller may use the file name then) */
	char *goal;  /* owned; may be NULL */
	char *start; /* owned; "YYYY-MM-DD" from a "Start: ..." line, or
	              * NULL */
	double hours_min, hours_max; /* per week; 0 when not given;
	                              * equal when not a range */
	struct plan_sched *sched;    /* owned array */
	size_t n_sched;
	struct plan_alloc *alloc; /* owned array */
	size_t n_alloc;
	struct plan_item *items; /* owned array, document order */
	size_t n_items;
};

/*
 * Parses a plan. Never refuses text it can read: a line it does not
 * understand becomes a note, and every non-blank line of text ends up in
 * exactly one item's line. A UTF-8 byte order mark is skipped. Returns
 * CAIRN_OK and a new plan in *out (caller frees with plan_free),
 * CAIRN_ETOOBIG past PLAN_MAX_BYTES or PLAN_MAX_ITEMS or for a single line
 * longer than PLAN_LINE_MAX, CAIRN_EINVAL if the text is not UTF-8 or
 * holds a NUL byte, CAIRN_ENOMEM. text is borrowed.
 */
int plan_parse(const char *text, size_t len, struct plan **out);
/* Frees a plan. Accepts NULL. */
void plan_free(struct plan *p);
/*
 * Writes p as Markdown to f: each item's line verbatim, a blank line
 * between items (none between the rows of a table or between two list
 * items), the box of a task-list item ticked or cleared from its done
 * mark. An item without a line is written from its title (a heading, or a
 * list item). A done item without a box gets "[x] " after its list
 * marker, its heading's #s, in its row's first cell or before its text
 * (code and HTML blocks excepted); the importer reads that back as a
 * done mark. plan_parse of the output gives
 * the same tree (kinds, titles, parents, windows, done marks, limits,
 * schedule, hours). Returns CAIRN_OK or CAIRN_EIO. p and f are borrowed.
 */
int plan_export(const struct plan *p, FILE *f);
/* The name of kind: "phase", "project", ... */
const char *plan_kind_name(enum plan_kind kind);

#endif
