/*
 * The rules a plan (Plan) and its items (PlanItem) must follow, shared by
 * the client (before it stores an imported plan or a done mark) and the
 * server (before it accepts a push), like entry_validate for check-ins.
 */
#ifndef CAIRN_PLANREC_H
#define CAIRN_PLANREC_H

#include <stddef.h>
#include <stdint.h>

#include "cairn.pb-c.h"

#define PLANREC_TITLE_MAX 512   /* bytes of a plan's or an item's title */
#define PLANREC_GOAL_MAX 16384  /* bytes of a plan's goal */
#define PLANREC_LINE_MAX 16384  /* bytes of an item's source text */
#define PLANREC_SOURCE_MAX 1024 /* bytes of the file name imported */
#define PLANREC_DAY_MAX 64      /* bytes of a schedule row's day */
#define PLANREC_TEXT_MAX 512    /* bytes of a schedule row's activity */
#define PLANREC_SCHEDULE_MAX 64 /* schedule rows */
#define PLANREC_ALLOC_MAX 32    /* allocation rows */
#define PLANREC_HOURS_MAX 168   /* hours in a week */
#define PLANREC_DAYS_MAX 36600  /* a window ends within 100 years */
#define PLANREC_POSITION_MAX 1000000
#define PLANREC_LEVEL_MAX 6

/*
 * Checks every field of p: title 1..PLANREC_TITLE_MAX bytes of printable
 * UTF-8, start a real YYYY-MM-DD date, hours finite within
 * 0..PLANREC_HOURS_MAX with min <= max, bounded schedule rows (hours
 * 0..24) and allocations (activity words, 0 <= min <= max <= 100).
 * active_at takes any value: 0 is what older clients write.
 * CAIRN_OK, or CAIRN_EINVAL with a one-line reason written to why.
 */
int planrec_validate_plan(const Cairn__Plan *p, char *why, size_t whylen);
/*
 * Checks every field of it, the item whose record id is id (borrowed, may
 * be NULL): plan a UUID, parent empty or a UUID other than id, a known
 * kind, bounded UTF-8 title and line, a window 0 <= from <= to <=
 * PLANREC_DAYS_MAX (both 0 without one), limit within a day, level 0..6.
 * CAIRN_OK, or CAIRN_EINVAL with a one-line reason written to why.
 */
int planrec_validate_item(const Cairn__PlanItem *it, const char *id, char *why,
                          size_t whylen);
/* Parses "YYYY-MM-DD" (a real date) into days since 1970-01-01. */
int planrec_date_days(const char *s, int64_t *days);
/* Writes the date days after 1970-01-01 as "YYYY-MM-DD" (11 bytes). */
void planrec_days_date(int64_t days, char out[11]);

#endif
