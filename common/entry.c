/*
 * The rules of a check-in (Entry), shared by client and server, and the
 * text checks they rest on: handles and strict UTF-8.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "entry.h"
#include "err.h"
#include "timefmt.h"
#include "utf8.h"

#define ENTRY_OFFSET_MAX (18 * 60)
#define ENTRY_EPOCH_MIN INT64_C(946684800) /* 2000-01-01T00:00:00Z */
#define ENTRY_FUTURE_MAX INT64_C(86400)

int
handle_valid(const char *s)
{
	size_t i;

	if (s == NULL || !(s[0] >= 'a' && s[0] <= 'z'))
		return 0;
	for (i = 0; s[i] != '\0'; i++) {
		char c = s[i];

		if (i >= HANDLE_MAX)
			return 0;
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-'))
			return 0;
	}
	return i >= HANDLE_MIN;
}

int
activity_valid(const char *s)
{
	size_t i;

	if (s == NULL || !(s[0] >= 'a' && s[0] <= 'z'))
		return 0;
	for (i = 0; s[i] != '\0'; i++) {
		char c = s[i];

		if (i >= ENTRY_ACTIVITY_MAX)
			return 0;
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-'))
			return 0;
	}
	return 1;
}

/*
 * 1 if s is a name of 1..max bytes: UTF-8 without control characters, not
 * starting or ending with a space, and without the byte reject if that
 * is not NUL.
 */
static int
entry_name(const char *s, size_t max, char reject)
{
	size_t len, i;

	if (s == NULL)
		return 0;
	len = strnlen(s, max + 1);
	if (len == 0 || len > max || !utf8_valid(s, len))
		return 0;
	if (s[0] == ' ' || s[len - 1] == ' ')
		return 0;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f || (reject != '\0' && c == reject))
			return 0;
	}
	return 1;
}

int
validate_fail(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	if (why != NULL && whylen > 0) {
		va_start(ap, fmt);
		vsnprintf(why, whylen, fmt, ap);
		va_end(ap);
	}
	return CAIRN_EINVAL;
}

const char *
entry_field_name(int f)
{
	static const char *const names[ENTRY_FIELDS + 1] = {
	        "?",    "duration", "activity", "text",    "when",
	        "item", "skills",   "metrics",  "private",
	};

	return f >= 1 && f <= ENTRY_FIELDS ? names[f] : names[0];
}

int
entry_validate_clocks(const Cairn__Entry *e, char *why, size_t whylen)
{
	unsigned seen = 0;
	size_t i;

	if (e->n_clocks > ENTRY_FIELDS)
		return validate_fail(why, whylen,
		                     "field clocks: at most %d allowed",
		                     ENTRY_FIELDS);
	for (i = 0; i < e->n_clocks; i++) {
		const Cairn__Entry__FieldClock *fc = e->clocks[i];

		if (fc == NULL || fc->field < 1 || fc->field > ENTRY_FIELDS)
			return validate_fail(why, whylen,
			                     "field clocks: unknown field");
		if (seen & (1u << fc->field))
			return validate_fail(why, whylen,
			                     "field clocks: %s given twice",
			                     entry_field_name((int)fc->field));
		seen |= 1u << fc->field;
		if (fc->hlc > e->clocks_for || fc->replaced >= fc->hlc)
			return validate_fail(
			        why, whylen,
			        "field clocks: %s's clock is out of order",
			        entry_field_name((int)fc->field));
	}
	return CAIRN_OK;
}

static int
entry_validate_lists(const Cairn__Entry *e, char *why, size_t whylen)
{
	size_t i, j;

	if (e->n_skills > ENTRY_SKILLS_MAX)
		return validate_fail(why, whylen, "skills: at most %d allowed",
		                     ENTRY_SKILLS_MAX);
	for (i = 0; i < e->n_skills; i++) {
		if (!entry_name(e->skills[i], ENTRY_SKILL_MAX, '\0'))
			return validate_fail(
			        why, whylen,
			        "skills: each must be 1..%d bytes of printable UTF-8",
			        ENTRY_SKILL_MAX);
	}
	if (e->n_metrics > ENTRY_METRICS_MAX)
		return validate_fail(why, whylen, "metrics: at most %d allowed",
		                     ENTRY_METRICS_MAX);
	for (i = 0; i < e->n_metrics; i++) {
		const Cairn__Metric *mt = e->metrics[i];

		if (mt == NULL ||
		    !entry_name(mt->key, ENTRY_METRIC_KEY_MAX, '='))
			return validate_fail(
			        why, whylen,
			        "metrics: each key must be 1..%d bytes of printable UTF-8 without '='",
			        ENTRY_METRIC_KEY_MAX);
		if (!isfinite(mt->value))
			return validate_fail(
			        why, whylen,
			        "metrics: value of '%s' must be a finite number",
			        mt->key);
		for (j = 0; j < i; j++) {
			if (strcmp(e->metrics[j]->key, mt->key) == 0)
				return validate_fail(
				        why, whylen,
				        "metrics: key '%s' given twice",
				        mt->key);
		}
	}
	return CAIRN_OK;
}

int
entry_validate(const Cairn__Entry *e, int64_t now, char *why, size_t whylen)
{
	size_t len;

	if (e == NULL)
		return validate_fail(why, whylen, "entry: missing");
	if (e->minutes < 1 || e->minutes > DURATION_MAX_MINUTES)
		return validate_fail(why, whylen, "minutes: must be 1..%d",
		                     DURATION_MAX_MINUTES);
	if (!activity_valid(e->activity))
		return validate_fail(
		        why, whylen,
		        "activity: must be a lowercase word [a-z][a-z0-9_-] of at most %d characters",
		        ENTRY_ACTIVITY_MAX);
	len = e->text != NULL ? strnlen(e->text, ENTRY_TEXT_MAX + 1) : 0;
	if (len > ENTRY_TEXT_MAX)
		return validate_fail(why, whylen, "text: at most %d bytes",
		                     ENTRY_TEXT_MAX);
	if (!utf8_valid(e->text, len))
		return validate_fail(why, whylen, "text: must be valid UTF-8");
	if (e->item != NULL && e->item[0] != '\0' &&
	    !entry_name(e->item, ENTRY_ITEM_MAX, '\0'))
		return validate_fail(
		        why, whylen,
		        "item: must be 1..%d bytes of printable UTF-8",
		        ENTRY_ITEM_MAX);
	if (e->utc_offset < -ENTRY_OFFSET_MAX ||
	    e->utc_offset > ENTRY_OFFSET_MAX)
		return validate_fail(why, whylen,
		                     "utc_offset: must be within -18h..+18h");
	if (e->started_at < ENTRY_EPOCH_MIN)
		return validate_fail(why, whylen,
		                     "started_at: must be after 2000-01-01");
	if (e->started_at > now + ENTRY_FUTURE_MAX)
		return validate_fail(
		        why, whylen,
		        "started_at: more than a day in the future");
	if (e->limit_minutes > DURATION_MAX_MINUTES)
		return validate_fail(why, whylen,
		                     "limit_minutes: must be 0..%d",
		                     DURATION_MAX_MINUTES);
	if (e->beaten && e->limit_minutes == 0)
		return validate_fail(
		        why, whylen,
		        "beaten: only a time-boxed entry can be beaten");
	if (entry_validate_lists(e, why, whylen) != CAIRN_OK)
		return CAIRN_EINVAL;
	return entry_validate_clocks(e, why, whylen);
}
