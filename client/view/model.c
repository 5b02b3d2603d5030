/*
 * The progress model: everything the views show about one learner over a
 * span of days, computed once from the local store. week, streak,
 * heatmap, report, predict ls, mentees, review and group board all read
 * it; no figure is computed in two places.
 *
 * Days are the learner's own: a session belongs to the wall-clock date
 * where it was logged (its start shifted by the UTC offset it kept), so a
 * partner in another zone sees the same week the learner sees, and
 * daylight-saving changes (a 23- or 25-hour day) cannot move a session to
 * another day. Days are counted as integers since 1970-01-01; "today" is
 * the viewer's local date (cli_now).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cairn.h"
#include "comment.h"
#include "err.h"
#include "planrec.h"

#define MODEL_HISTORY_MAX 36600 /* days of history a streak looks at */

int64_t
model_entry_day(int64_t started_at, int utc_offset)
{
	int64_t t = started_at + (int64_t)utc_offset * 60;

	return t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
}

/* Index of activity a in m (added when new; the last slot is "other"). */
static int
model_act(struct model *m, const char *a)
{
	size_t i;

	for (i = 0; i < m->n_acts; i++)
		if (strcmp(m->acts[i], a) == 0)
			return (int)i;
	if (m->n_acts == MODEL_ACTS - 1) {
		snprintf(m->acts[m->n_acts++], sizeof(m->acts[0]), "other");
		return MODEL_ACTS - 1;
	}
	if (m->n_acts == MODEL_ACTS)
		return MODEL_ACTS - 1;
	snprintf(m->acts[m->n_acts], sizeof(m->acts[0]), "%s", a);
	return (int)m->n_acts++;
}

/*
 * One pass over the user's sessions (newest first, as store_list gives):
 * minutes per day of the whole history, counted back from today, for
 * streaks and commitments; the sessions of the span kept whole.
 */
struct model_scan {
	struct model *m;
	uint32_t *back;  /* minutes of day today - i; owned */
	size_t n_back;   /* days counted back so far */
	int shared_only; /* leave private entries out */
};

/* Makes back[] hold at least n days (zeroed). */
static int
model_back(struct model_scan *sc, size_t n)
{
	uint32_t *nv;
	size_t cap = sc->n_back;

	if (n <= sc->n_back)
		return CAIRN_OK;
	while (cap < n)
		cap = cap == 0 ? 64 : cap * 2;
	if (cap > MODEL_HISTORY_MAX)
		cap = MODEL_HISTORY_MAX;
	if ((nv = realloc(sc->back, cap * sizeof(*nv))) == NULL)
		return CAIRN_ENOMEM;
	memset(nv + sc->n_back, 0, (cap - sc->n_back) * sizeof(*nv));
	sc->back = nv;
	sc->n_back = cap;
	return CAIRN_OK;
}

static int
model_collect(void *arg, const struct rec *r)
{
	struct model_scan *sc = arg;
	struct model *m = sc->m;
	struct model_entry *e, *nv;
	Cairn__Entry *en;
	int64_t day, back;
	int rc = 0;

	if (sc->shared_only && r->priv)
		return 0;
	if ((en = entryrec_unpack(r)) == NULL)
		return 0; /* unreadable: skipped, as ls does */
	day = model_entry_day(en->started_at, en->utc_offset);
	m->entries_total++;
	if (en->started_at > m->last_at)
		m->last_at = en->started_at;
	if (m->first_day < 0 || day < m->first_day)
		m->first_day = day;
	back = m->today - day;
	if (back >= 0 && back < MODEL_HISTORY_MAX) {
		if ((rc = model_back(sc, (size_t)back + 1)) != CAIRN_OK)
			goto out;
		sc->back[back] += en->minutes;
	}
	if (day < m->from || day > m->to)
		goto out;
	if ((m->n_ents & (m->n_ents - 1)) == 0) {
		nv = realloc(m->ents, (m->n_ents == 0 ? 1 : m->n_ents * 2) *
		                              sizeof(*nv));
		if (nv == NULL) {
			rc = CAIRN_ENOMEM;
			goto out;
		}
		m->ents = nv;
	}
	e = &m->ents[m->n_ents++];
	memset(e, 0, sizeof(*e));
	memcpy(e->id, r->id, sizeof(e->id));
	e->started_at = en->started_at;
	e->offset = en->utc_offset;
	e->day = day;
	e->minutes = en->minutes;
	e->limit = en->limit_minutes;
	e->beaten = en->beaten;
	snprintf(e->activity, sizeof(e->activity), "%s", en->activity);
	snprintf(e->item, sizeof(e->item), "%s", en->item);
	snprintf(e->text, sizeof(e->text), "%s", en->text);
out:
	cairn__entry__free_unpacked(en, NULL);
	return rc;
}

/* 1 when the plan has a schedule and it asks nothing of day. */
static int
model_free_day(const struct ptree *t, int64_t day)
{
	return t != NULL && t->plan->n_schedule > 0 &&
	       pstatus_day_hours(t->plan, day) <= 0;
}

/*
 * Streaks over the whole history: days with at least streak_min minutes
 * in a row; a day the plan leaves free neither counts nor breaks.
 * The current run ends today, or yesterday while today is still open.
 */
static void
model_streaks(struct model *m, const struct ptree *t, const uint32_t *per,
              int64_t first)
{
	int64_t d, n = m->today - first + 1;
	int run = 0;

	for (d = 0; d < n; d++) {
		if (per[d] >= m->streak_min)
			run++;
		else if (!model_free_day(t, first + d))
			run = 0;
		if (run > m->longest)
			m->longest = run;
	}
	d = n - 1;
	if (d >= 0 && per[d] < m->streak_min)
		d--; /* today is open */
	for (; d >= 0; d--) {
		if (per[d] >= m->streak_min)
			m->streak++;
		else if (!model_free_day(t, first + d))
			break;
	}
}

/* ---- predictions ---- */

static int
model_pred_one(void *arg, const struct rec *r)
{
	struct model *m = arg;
	Cairn__Prediction *p;
	struct model_pred *q, *nv;

	if (r->kind != CAIRN__KIND__KIND_PREDICTION || r->deleted)
		return 0;
	p = cairn__prediction__unpack(NULL, r->body_len,
	                              r->body != NULL ? r->body
	                                              : (const uint8_t *)"");
	if (p == NULL)
		return 0;
	if ((m->n_preds & (m->n_preds - 1)) == 0) {
		nv = realloc(m->preds, (m->n_preds == 0 ? 1 : m->n_preds * 2) *
		                               sizeof(*nv));
		if (nv == NULL) {
			cairn__prediction__free_unpacked(p, NULL);
			return CAIRN_ENOMEM;
		}
		m->preds = nv;
	}
	q = &m->preds[m->n_preds++];
	memset(q, 0, sizeof(*q));
	memcpy(q->id, r->id, sizeof(q->id));
	snprintf(q->week, sizeof(q->week), "%s", p->week);
	week_monday(p->week, &q->monday);
	snprintf(q->text, sizeof(q->text), "%s", p->text);
	snprintf(q->note, sizeof(q->note), "%s", p->note);
	q->confidence = p->confidence;
	q->outcome = p->outcome;
	q->at = p->at;
	q->resolved_at = p->resolved_at;
	q->dirty = r->dirty;
	cairn__prediction__free_unpacked(p, NULL);
	return 0;
}

double
model_outcome_value(int outcome)
{
	return outcome == CAIRN__OUTCOME__OUTCOME_RIGHT    ? 1.0
	       : outcome == CAIRN__OUTCOME__OUTCOME_PARTLY ? 0.5
	                                                   : 0.0;
}

void
model_calibrate(const struct model_pred *p, size_t n, int64_t since,
                struct model_calib *c)
{
	double pr, o, sq = 0;
	size_t i;
	int b;

	memset(c, 0, sizeof(*c));
	for (b = 0; b < MODEL_BANDS; b++) {
		c->band[b].lo = 50 + 10 * (unsigned)b;
		c->band[b].hi = c->band[b].lo + 10;
	}
	for (i = 0; i < n; i++) {
		if (p[i].outcome == CAIRN__OUTCOME__OUTCOME_OPEN ||
		    p[i].monday < since)
			continue;
		b = ((int)p[i].confidence - 50) / 10;
		b = b < 0 ? 0 : b >= MODEL_BANDS ? MODEL_BANDS - 1 : b;
		o = model_outcome_value(p[i].outcome);
		pr = p[i].confidence / 100.0;
		c->band[b].n++;
		c->band[b].came_true += o;
		sq += (pr - o) * (pr - o);
		c->n++;
	}
	for (b = 0; b < MODEL_BANDS; b++)
		if (c->band[b].n > 0)
			c->band[b].came_true /= c->band[b].n;
	c->brier = c->n > 0 ? sq / c->n : 0;
}

/* ---- commitments ---- */

static int
model_commit_one(void *arg, const struct rec *r)
{
	struct model *m = arg;
	Cairn__Commitment *c;
	int64_t since;

	if (r->kind != CAIRN__KIND__KIND_COMMITMENT || r->deleted ||
	    m->n_commits >= MODEL_COMMITS)
		return 0;
	c = cairn__commitment__unpack(NULL, r->body_len,
	                              r->body != NULL ? r->body
	                                              : (const uint8_t *)"");
	if (c == NULL)
		return 0;
	if (planrec_date_days(c->since, &since) == CAIRN_OK) {
		m->commits[m->n_commits].rule = c->rule;
		m->commits[m->n_commits].value = c->value;
		m->commits[m->n_commits].since = since;
		m->n_commits++;
	}
	cairn__commitment__free_unpacked(c, NULL);
	return 0;
}

static int
model_breach(struct model *m, int rule, double value, int64_t from, int64_t to,
             double got)
{
	struct model_breach *b, *nv;

	if ((m->n_breaches & (m->n_breaches - 1)) == 0) {
		nv = realloc(m->breaches,
		             (m->n_breaches == 0 ? 1 : m->n_breaches * 2) *
		                     sizeof(*nv));
		if (nv == NULL)
			return CAIRN_ENOMEM;
		m->breaches = nv;
	}
	b = &m->breaches[m->n_breaches++];
	b->rule = rule;
	b->value = value;
	b->from = from;
	b->to = to;
	b->got = got;
	return CAIRN_OK;
}

/*
 * Every time a commitment was broken, from its since date up to
 * yesterday (today is open): a gap of more than value days; a complete
 * week with fewer practice days or hours than it promised.
 */
static int
model_breaches(struct model *m, const uint32_t *per, int64_t first)
{
	int64_t d, w, gap_from, day, mon;
	double got;
	char name[WEEK_NAME_LEN + 1];
	size_t k;
	int rc, i;

	for (k = 0; k < m->n_commits; k++) {
		const struct model_commit *c = &m->commits[k];
		/* Days before the first check-in count as empty. */
		int64_t start = c->since > m->today - MODEL_HISTORY_MAX
		                        ? c->since
		                        : m->today - MODEL_HISTORY_MAX;

		if (c->rule == CAIRN__RULE__RULE_MAX_GAP) {
			gap_from = -1;
			for (d = start; d <= m->today; d++) {
				int active = d < m->today && d >= first &&
				             per[d - first] >= m->streak_min;

				if (d < m->today && !active) {
					if (gap_from < 0)
						gap_from = d;
					continue;
				}
				if (gap_from >= 0 &&
				    (double)(d - gap_from) > c->value &&
				    (rc = model_breach(m, c->rule, c->value,
				                       gap_from, d - 1,
				                       (double)(d - gap_from))))
					return rc;
				gap_from = -1;
			}
			continue;
		}
		/* Whole weeks from the first Monday on or after since. */
		week_of_day(start, name, &mon);
		if (mon < start)
			mon += 7;
		for (w = mon; w + 6 < m->today; w += 7) {
			got = 0;
			for (i = 0; i < 7; i++) {
				day = w + i;
				if (day < first || day > m->today)
					continue;
				if (c->rule == CAIRN__RULE__RULE_DAYS_PER_WEEK)
					got += per[day - first] >=
					       m->streak_min;
				else
					got += per[day - first] / 60.0;
			}
			if (got + 1e-9 < c->value &&
			    (rc = model_breach(m, c->rule, c->value, w, w + 6,
			                       got)))
				return rc;
		}
	}
	return CAIRN_OK;
}

/* Every prediction of m->user, and their calibration as of m->today. */
static int
model_predictions(struct store *st, struct model *m)
{
	int64_t monday;
	int rc;

	if ((rc = store_list_kind(st, CAIRN__KIND__KIND_PREDICTION, m->user,
	                          model_pred_one, m)) != CAIRN_OK)
		return rc;
	model_calibrate(m->preds, m->n_preds, INT64_MIN, &m->all);
	week_of_day(m->today, m->recent_week, &monday);
	model_calibrate(m->preds, m->n_preds,
	                monday - 7 * (MODEL_RECENT_WEEKS - 1), &m->recent);
	return CAIRN_OK;
}

int
model_build_predictions(struct store *st, const char *user, int64_t today,
                        struct model *out)
{
	struct model m;
	int rc;

	memset(&m, 0, sizeof(m));
	snprintf(m.user, sizeof(m.user), "%s", user);
	m.from = m.to = m.today = today;
	m.first_day = -1;
	if ((rc = model_predictions(st, &m)) != CAIRN_OK) {
		model_release(&m);
		return rc;
	}
	*out = m;
	return CAIRN_OK;
}

/* ---- the model ---- */

int
model_build(struct store *st, const char *user, const struct ptree *t,
            int64_t from, int64_t to, int64_t today, const struct model_opts *o,
            struct model *out)
{
	unsigned streak_min = o != NULL ? o->streak_min : 0;
	struct store_filter f = {INT64_MIN, INT64_MAX, 0, user};
	struct model_scan sc;
	struct model m;
	uint32_t *per = NULL;
	int64_t first, d;
	size_t i;
	int rc, a;

	memset(&m, 0, sizeof(m));
	memset(&sc, 0, sizeof(sc));
	snprintf(m.user, sizeof(m.user), "%s", user);
	m.from = from;
	m.to = to < from ? from : to;
	m.today = today;
	m.first_day = -1;
	m.streak_min = streak_min > 0 ? streak_min : PROGRESS_STREAK_MIN;
	m.n_days = (size_t)(m.to - m.from + 1);
	if (m.n_days > MODEL_HISTORY_MAX) {
		rc = CAIRN_ETOOBIG;
		goto fail;
	}
	if ((m.days = calloc(m.n_days, sizeof(*m.days))) == NULL) {
		rc = CAIRN_ENOMEM;
		goto fail;
	}
	sc.m = &m;
	sc.shared_only = o != NULL && o->shared_only;
	if ((rc = store_list(st, &f, model_collect, &sc)) != CAIRN_OK)
		goto fail;
	/* History per day, oldest first, for streaks and commitments. */
	first = today - (int64_t)(sc.n_back > 0 ? sc.n_back - 1 : 0);
	if ((per = calloc((size_t)(today - first + 1), sizeof(*per))) == NULL) {
		rc = CAIRN_ENOMEM;
		goto fail;
	}
	for (i = 0; i < sc.n_back; i++)
		per[today - first - (int64_t)i] = sc.back[i];
	for (i = 0; i < m.n_days; i++) {
		m.days[i].day = m.from + (int64_t)i;
		if (t != NULL) {
			m.days[i].target_h =
			        pstatus_day_hours(t->plan, m.days[i].day);
			m.days[i].free = model_free_day(t, m.days[i].day);
		}
	}
	/* The span's sessions came newest first: turn them, then count. */
	for (i = 0; i < m.n_ents / 2; i++) {
		struct model_entry tmp = m.ents[i];

		m.ents[i] = m.ents[m.n_ents - 1 - i];
		m.ents[m.n_ents - 1 - i] = tmp;
	}
	for (i = 0; i < m.n_ents; i++) {
		struct model_entry *e = &m.ents[i];

		a = model_act(&m, e->activity);
		e->act = a;
		m.days[e->day - m.from].minutes += e->minutes;
		m.days[e->day - m.from].act[a] += e->minutes;
		m.act_total[a] += e->minutes;
		m.total += e->minutes;
	}
	model_streaks(&m, t, per, first);
	if (t != NULL) {
		m.has_plan = 1;
		snprintf(m.plan, sizeof(m.plan), "%s", t->plan->title);
		for (d = 0; d < 7; d++)
			m.week_target_h += pstatus_day_hours(t->plan, d);
	}
	if ((rc = model_predictions(st, &m)) != CAIRN_OK ||
	    (rc = store_list_kind(st, CAIRN__KIND__KIND_COMMITMENT, user,
	                          model_commit_one, &m)) != CAIRN_OK)
		goto fail;
	if ((rc = model_breaches(&m, per, first)) != CAIRN_OK)
		goto fail;
	free(per);
	free(sc.back);
	*out = m;
	return CAIRN_OK;
fail:
	free(per);
	free(sc.back);
	model_release(&m);
	return rc;
}

void
model_release(struct model *m)
{
	if (m == NULL)
		return;
	free(m->days);
	free(m->ents);
	free(m->preds);
	free(m->breaches);
	memset(m, 0, sizeof(*m));
}

int
model_pred_due(const struct model *m, size_t i)
{
	return m->preds[i].outcome == CAIRN__OUTCOME__OUTCOME_OPEN &&
	       m->preds[i].monday + 6 < m->today;
}

const char *
model_rule_name(int rule)
{
	switch (rule) {
	case CAIRN__RULE__RULE_MAX_GAP:
		return "max-gap";
	case CAIRN__RULE__RULE_DAYS_PER_WEEK:
		return "days-per-week";
	default:
		return "hours-per-week";
	}
}

void
model_breach_text(const struct model_breach *b, char *out, size_t len)
{
	char from[11], to[11];

	planrec_days_date(b->from, from);
	planrec_days_date(b->to, to);
	if (b->rule == CAIRN__RULE__RULE_MAX_GAP)
		snprintf(
		        out, len,
		        "%g days without practice, %s .. %s (the rule: at most %g)",
		        b->got, from, to, b->value);
	else if (b->rule == CAIRN__RULE__RULE_DAYS_PER_WEEK)
		snprintf(
		        out, len,
		        "%g practice days in the week %s .. %s (the rule: at least %g)",
		        b->got, from, to, b->value);
	else
		snprintf(out, len,
		         "%.1fh in the week %s .. %s (the rule: at least %gh)",
		         b->got, from, to, b->value);
}
