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
 * Checks every field of e against the bounds above and for sense (minutes
 * 1..DURATION_MAX_MINUTES, activity a lowercase word, UTF-8 text, finite
 * metrics, offset within +-18h, started_at after 2000 and not after
 * now + 1 day). Returns CAIRN_OK, or CAIRN_EINVAL with a one-line reason
 * naming the field written to why.
 */
int entry_validate(const Cairn__Entry *e, int64_t now, char *why,
                   size_t whylen);
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
