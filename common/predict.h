/*
 * The rules a prediction (Prediction) and a commitment (Commitment) must
 * follow, shared by the client (before it stores one) and the server
 * (before it accepts a push), like entry_validate for check-ins.
 */
#ifndef CAIRN_PREDICT_H
#define CAIRN_PREDICT_H

#include <stddef.h>

#include "cairn.pb-c.h"

#define PREDICT_TEXT_MAX 1024 /* bytes of a prediction or its note */
#define PREDICT_CONF_MIN 50   /* percent: below, predict the opposite */
#define PREDICT_CONF_MAX 100
#define COMMIT_GAP_MAX 365 /* days in a row without practice */

/*
 * Checks p: week an ISO week name, text 1..PREDICT_TEXT_MAX bytes of
 * UTF-8, confidence PREDICT_CONF_MIN..MAX, a known outcome with a
 * resolution time exactly when resolved, a bounded note, at after 2000.
 * CAIRN_OK, or CAIRN_EINVAL with a one-line reason written to why.
 */
int prediction_validate(const Cairn__Prediction *p, char *why, size_t whylen);
/*
 * Checks c: a known rule with a value in its range (max-gap 1..365 whole
 * days, days-per-week 1..7 whole days, hours-per-week above 0 and at most
 * 168), since a real date, at after 2000. Same results.
 */
int commitment_validate(const Cairn__Commitment *c, char *why, size_t whylen);

#endif
