/*
 * The rules a comment (Comment) and a review (Review) must follow, shared
 * by the client (before it stores one) and the server (before it accepts a
 * push), like entry_validate for check-ins. Also ISO week names, which both
 * use.
 */
#ifndef CAIRN_COMMENT_H
#define CAIRN_COMMENT_H

#include <stddef.h>
#include <stdint.h>

#include "cairn.pb-c.h"

#define COMMENT_TEXT_MAX 4096 /* bytes of a comment's text */
#define WEEK_NAME_LEN 8       /* "YYYY-Www" */
#define WEEK_NAME_MAX WEEK_NAME_LEN

/*
 * Checks c: exactly one of target (a UUID) and week (an ISO week name),
 * text 1..COMMENT_TEXT_MAX bytes of UTF-8 without NUL, at after 2000.
 * CAIRN_OK, or CAIRN_EINVAL with a one-line reason written to why.
 */
int comment_validate(const Cairn__Comment *c, char *why, size_t whylen);
/* Checks r: week an ISO week name, at after 2000. Same results. */
int review_validate(const Cairn__Review *r, char *why, size_t whylen);

/*
 * 1 if s is an ISO week name "YYYY-Www" of a week that exists (W53 only in
 * years that have one), years 2000..2999.
 */
int week_valid(const char *s);
/*
 * The ISO week holding day (days since 1970-01-01): its name into out and
 * its Monday into *monday (may be NULL).
 */
void week_of_day(int64_t day, char out[WEEK_NAME_LEN + 1], int64_t *monday);
/* The Monday (days since 1970-01-01) of a valid week name. CAIRN_EINVAL. */
int week_monday(const char *s, int64_t *monday);

#endif
