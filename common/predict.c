/*
 * The rules of predictions and commitments, shared by client and server.
 */
#include <math.h>
#include <string.h>

#include "comment.h"
#include "entry.h"
#include "err.h"
#include "planrec.h"
#include "predict.h"
#include "utf8.h"

#define PREDICT_AT_MIN 946684800 /* 2000-01-01 */

/* Checks a text field of at most max bytes (min 1 unless may_be_empty). */
static int
predict_text(const char *s, int may_be_empty, const char *what, char *why,
             size_t whylen)
{
	size_t n = s != NULL ? strlen(s) : 0;

	if (n == 0 && !may_be_empty)
		return validate_fail(why, whylen, "%s is empty", what);
	if (n > PREDICT_TEXT_MAX)
		return validate_fail(why, whylen, "%s is longer than %d bytes",
		                     what, PREDICT_TEXT_MAX);
	if (n > 0 && !utf8_valid(s, n))
		return validate_fail(why, whylen, "%s is not valid UTF-8",
		                     what);
	return CAIRN_OK;
}

int
prediction_validate(const Cairn__Prediction *p, char *why, size_t whylen)
{
	int rc;

	if (p->week == NULL || !week_valid(p->week))
		return validate_fail(why, whylen,
		                     "week is not YYYY-Www (e.g. 2026-W48)");
	if ((rc = predict_text(p->text, 0, "prediction text", why, whylen)) !=
	            CAIRN_OK ||
	    (rc = predict_text(p->note, 1, "note", why, whylen)) != CAIRN_OK)
		return rc;
	if (p->confidence < PREDICT_CONF_MIN ||
	    p->confidence > PREDICT_CONF_MAX)
		return validate_fail(why, whylen,
		                     "confidence must be %d to %d percent",
		                     PREDICT_CONF_MIN, PREDICT_CONF_MAX);
	if (p->outcome < CAIRN__OUTCOME__OUTCOME_OPEN ||
	    p->outcome > CAIRN__OUTCOME__OUTCOME_PARTLY)
		return validate_fail(why, whylen, "unknown outcome %d",
		                     (int)p->outcome);
	if ((p->outcome == CAIRN__OUTCOME__OUTCOME_OPEN) !=
	    (p->resolved_at == 0))
		return validate_fail(why, whylen,
		                     "a resolution time goes with an outcome");
	if (p->at < PREDICT_AT_MIN ||
	    (p->resolved_at != 0 && p->resolved_at < PREDICT_AT_MIN))
		return validate_fail(why, whylen,
		                     "prediction time is before 2000");
	return CAIRN_OK;
}

int
commitment_validate(const Cairn__Commitment *c, char *why, size_t whylen)
{
	int64_t d;
	double v = c->value;

	if (!isfinite(v))
		return validate_fail(why, whylen, "value is not a number");
	switch (c->rule) {
	case CAIRN__RULE__RULE_MAX_GAP:
		if (v < 1 || v > COMMIT_GAP_MAX || v != floor(v))
			return validate_fail(why, whylen,
			                     "max-gap is 1 to %d whole days",
			                     COMMIT_GAP_MAX);
		break;
	case CAIRN__RULE__RULE_DAYS_PER_WEEK:
		if (v < 1 || v > 7 || v != floor(v))
			return validate_fail(why, whylen,
			                     "days-per-week is 1 to 7");
		break;
	case CAIRN__RULE__RULE_HOURS_PER_WEEK:
		if (!(v > 0) || v > 168)
			return validate_fail(
			        why, whylen,
			        "hours-per-week is above 0 and at most 168");
		break;
	default:
		return validate_fail(why, whylen, "unknown rule %d",
		                     (int)c->rule);
	}
	if (planrec_date_days(c->since, &d) != CAIRN_OK)
		return validate_fail(why, whylen,
		                     "since is not a date (YYYY-MM-DD)");
	if (c->at < PREDICT_AT_MIN)
		return validate_fail(why, whylen,
		                     "commitment time is before 2000");
	return CAIRN_OK;
}
