/*
 * The rules of a device's timer record, shared by client and server.
 */
#include <string.h>

#include "entry.h"
#include "err.h"
#include "timefmt.h"
#include "timerrec.h"
#include "utf8.h"
#include "uuid.h"

#define TIMER_EPOCH_MIN INT64_C(946684800) /* 2000-01-01T00:00:00Z */
#define TIMER_FUTURE_MAX INT64_C(86400)    /* a clock a day fast at most */

/* Checks a text field of at most max bytes of UTF-8 (may be empty). */
static int
timer_text(const char *s, size_t max, const char *what, char *why,
           size_t whylen)
{
	size_t n = s != NULL ? strlen(s) : 0;

	if (n > max)
		return validate_fail(why, whylen, "%s: longer than %zu bytes",
		                     what, max);
	if (n > 0 && !utf8_valid(s, n))
		return validate_fail(why, whylen, "%s: not valid UTF-8", what);
	return CAIRN_OK;
}

int
timerrec_validate(const Cairn__Timer *t, int64_t now, char *why, size_t whylen)
{
	int rc;

	if (t->activity == NULL || !activity_valid(t->activity))
		return validate_fail(
		        why, whylen,
		        "activity: a lowercase word of at most %d characters",
		        ENTRY_ACTIVITY_MAX);
	if ((rc = timer_text(t->text, ENTRY_TEXT_MAX, "text", why, whylen)) ||
	    (rc = timer_text(t->item, ENTRY_ITEM_MAX, "item", why, whylen)) ||
	    (rc = timer_text(t->device_name, DEVICE_NAME_MAX, "device name",
	                     why, whylen)))
		return rc;
	if (t->device_name == NULL || t->device_name[0] == '\0')
		return validate_fail(why, whylen, "device name: empty");
	if (t->started_at < TIMER_EPOCH_MIN)
		return validate_fail(why, whylen, "started_at: before 2000");
	if (t->started_at > now + TIMER_FUTURE_MAX)
		return validate_fail(
		        why, whylen,
		        "started_at: more than a day in the future");
	if (t->limit_minutes > DURATION_MAX_MINUTES)
		return validate_fail(why, whylen, "limit: more than %d minutes",
		                     DURATION_MAX_MINUTES);
	if (t->running) {
		if (t->ended_at != 0 ||
		    (t->entry != NULL && t->entry[0] != '\0'))
			return validate_fail(
			        why, whylen,
			        "a running timer has no end and no entry");
		return CAIRN_OK;
	}
	if (t->ended_at < t->started_at || t->ended_at > now + TIMER_FUTURE_MAX)
		return validate_fail(
		        why, whylen,
		        "ended_at: before the start or in the future");
	if (t->entry != NULL && t->entry[0] != '\0' && !uuid_valid(t->entry))
		return validate_fail(why, whylen, "entry: not a UUID");
	return CAIRN_OK;
}
