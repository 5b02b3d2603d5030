/*
 * The rules a check-in (Entry) must follow, shared by the client (before it
 * stores) and the server (before it accepts a push).
 */
#ifndef CAIRN_ENTRY_H
#define CAIRN_ENTRY_H

#include <stddef.h>
#include <stdint.h>

#include "cairn.pb-c.h"

#define ENTRY_ACTIVITY_MAX 32
#define ENTRY_TEXT_MAX 4096
#define ENTRY_SKILLS_MAX 32
#define ENTRY_SKILL_MAX 64
#define ENTRY_METRICS_MAX 32
#define ENTRY_METRIC_KEY_MAX 64
#define ENTRY_ITEM_MAX 64
#define HANDLE_MIN 2
#define HANDLE_MAX 32
#define DEVICE_NAME_MAX 64

/*
 * The fields of a check-in that merge one by one (SYNC-CASES 14,
 * docs/sync.md), as Entry.FieldClock numbers them. A field is what a
 * learner changes in one go: "duration" holds the minutes and the time
 * box (limit, beaten), "when" the start and its UTC offset, "private"
 * the record's private flag.
 */
enum entry_field {
	ENTRY_FIELD_DURATION = 1,
	ENTRY_FIELD_ACTIVITY,
	ENTRY_FIELD_TEXT,
	ENTRY_FIELD_WHEN,
	ENTRY_FIELD_ITEM,
	ENTRY_FIELD_SKILLS,
	ENTRY_FIELD_METRICS,
	ENTRY_FIELD_PRIVATE,
};
#define ENTRY_FIELDS 8
#define ENTRY_FIELDS_ALL 0x1feu /* bit f set for every field f */

/* The field's name as a learner knows it ("text"), or "?" if unknown. */
const char *entry_field_name(int f);

/*
 * Checks every field of e against the bounds above and for sense (minutes
 * 1..DURATION_MAX_MINUTES, activity a lowercase word, UTF-8 text, finite
 * metrics, offset within +-18h, started_at after 2000 and not after
 * now + 1 day). Returns CAIRN_OK, or CAIRN_EINVAL with a one-line reason
 * naming the field written to why.
 */
int entry_validate(const Cairn__Entry *e, int64_t now, char *why,
                   size_t whylen);
/*
 * Checks e's field clocks: at most ENTRY_FIELDS, each a known field once,
 * none later than clocks_for, each replaced clock before its clock. Part of
 * entry_validate.
 */
int entry_validate_clocks(const Cairn__Entry *e, char *why, size_t whylen);
/* 1 if s is a valid handle: HANDLE_MIN..HANDLE_MAX of [a-z0-9_-], a letter
 * first. */
int handle_valid(const char *s);
/* 1 if s is an activity word: [a-z][a-z0-9_-]*, ENTRY_ACTIVITY_MAX at most. */
int activity_valid(const char *s);
/*
 * Writes a one-line reason (printf-style) to why, if why is not NULL, and
 * returns CAIRN_EINVAL: the failure path of every validator.
 */
int validate_fail(char *why, size_t whylen, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

#endif
