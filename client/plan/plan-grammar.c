/*
 * The small grammar of the plan importer: a tokenizer (words, numbers,
 * punctuation; en and em dashes read as '-') and recursive-descent style
 * matchers over its tokens. No regular expressions: each phrase is a short
 * function that walks tokens, e.g. a window is a unit word, a number, and
 * optionally a joiner and a second number.
 */
#include <stdio.h>
#include <string.h>

#include "plan-grammar.h"

#define PG_MAX_TOKENS 256
#define PG_MAX_WEEKS 520
#define PG_MAX_MONTHS 120
#define PG_MAX_DAYS 3650
#define PG_MAX_LIMIT_MINUTES 10080u
#define PG_MAX_LOOKBACK 3

enum pg_type {
	PG_WORD,
	PG_NUM,
	PG_PUNCT,
};

struct pg_tok {
	enum pg_type type;
	size_t off, len; /* bytes of the source */
	double num;      /* PG_NUM */
	int integer;     /* PG_NUM without a fraction */
	char c;          /* PG_PUNCT; '-' for dashes */
};

struct pg_toks {
	const char *s;
	struct pg_tok v[PG_MAX_TOKENS];
	size_t n;
};

/* Units of a duration (pg_dur). */
enum pg_unit {
	PG_UNIT_NONE = 0,
	PG_UNIT_HOURS,
	PG_UNIT_MINUTES,
};

struct pg_dur {
	double lo, hi;     /* in the unit */
	enum pg_unit unit; /* of the last number */
	double extra_min;  /* "1h30m": the 30 */
	size_t next;       /* token after the duration */
};

static const char *const pg_week_words[] = {"week", "weeks", "wk", "wks", NULL};
static const char *const pg_month_words[] = {"month", "months", NULL};
static const char *const pg_day_words[] = {"day", "days", NULL};
static const char *const pg_hour_units[] = {"h",    "hr",    "hrs",
                                            "hour", "hours", NULL};
static const char *const pg_minute_units[] = {"m",      "min",     "mins",
                                              "minute", "minutes", NULL};
static const char *const pg_joiners[] = {"to", "through", "thru", "until",
                                         NULL};

static int
pg_alpha(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int
pg_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

/* Returns the length of an en or em dash at s, else 0. */
static size_t
pg_dash(const unsigned char *s, size_t n)
{
	if (n >= 3 && s[0] == 0xe2 && s[1] == 0x80 &&
	    (s[2] == 0x93 || s[2] == 0x94))
		return 3;
	return 0;
}

static void
pg_tokenize(const char *str, size_t n, struct pg_toks *t)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, st, d;
	struct pg_tok *k;

	t->s = str;
	t->n = 0;
	while (i < n && t->n < PG_MAX_TOKENS) {
		k = &t->v[t->n];
		st = i;
		if (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' ||
		    s[i] == '\r') {
			i++;
			continue;
		}
		if ((d = pg_dash(s + i, n - i)) > 0) {
			k->type = PG_PUNCT;
			k->c = '-';
			i += d;
		} else if (pg_digit(s[i])) {
			double v = 0, scale = 0.1;

			k->type = PG_NUM;
			k->integer = 1;
			while (i < n && pg_digit(s[i]))
				v = v * 10 + (s[i++] - '0');
			if (i + 1 < n && s[i] == '.' && pg_digit(s[i + 1])) {
				k->integer = 0;
				for (i++; i < n && pg_digit(s[i]); i++) {
					v += (s[i] - '0') * scale;
					scale /= 10;
				}
			}
			k->num = v;
		} else if (pg_alpha(s[i]) || s[i] >= 0x80) {
			k->type = PG_WORD;
			while (i < n && pg_dash(s + i, n - i) == 0 &&
			       (pg_alpha(s[i]) || s[i] >= 0x80 ||
			        (s[i] == '\'' && i + 1 < n &&
			         pg_alpha(s[i + 1]))))
				i++;
		} else {
			k->type = PG_PUNCT;
			k->c = (char)s[i++];
		}
		k->off = st;
		k->len = i - st;
		t->n++;
	}
}

/* Returns 1 if token i is the word w (w in lower case). */
static int
pg_is(const struct pg_toks *t, size_t i, const char *w)
{
	const struct pg_tok *k;
	size_t j;

	if (i >= t->n || t->v[i].type != PG_WORD)
		return 0;
	k = &t->v[i];
	if (strlen(w) != k->len)
		return 0;
	for (j = 0; j < k->len; j++) {
		char c = t->s[k->off + j];

		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (c != w[j])
			return 0;
	}
	return 1;
}

/* Returns 1 if token i is one of the words of set. */
static int
pg_in(const struct pg_toks *t, size_t i, const char *const *set)
{
	for (; *set != NULL; set++)
		if (pg_is(t, i, *set))
			return 1;
	return 0;
}

/* Returns 1 if token i starts with the lower-case prefix p. */
static int
pg_prefix(const struct pg_toks *t, size_t i, const char *p)
{
	size_t j, pn = strlen(p);

	if (i >= t->n || t->v[i].type != PG_WORD || t->v[i].len < pn)
		return 0;
	for (j = 0; j < pn; j++) {
		char c = t->s[t->v[i].off + j];

		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (c != p[j])
			return 0;
	}
	return 1;
}

static int
pg_punct(const struct pg_toks *t, size_t i, char c)
{
	return i < t->n && t->v[i].type == PG_PUNCT && t->v[i].c == c;
}

static int
pg_num(const struct pg_toks *t, size_t i)
{
	return i < t->n && t->v[i].type == PG_NUM;
}

static int
pg_int(const struct pg_toks *t, size_t i)
{
	return pg_num(t, i) && t->v[i].integer && t->v[i].num < 1e6;
}

/* A range joiner at i: '-', "to", "through". */
static int
pg_joiner(const struct pg_toks *t, size_t i)
{
	return pg_punct(t, i, '-') || pg_in(t, i, pg_joiners);
}

/*
 * Matches a window at token i: UNIT NUM [JOINER [UNIT] NUM]. Returns the
 * token after it, or 0 when there is none.
 */
static size_t
pg_window_at(const struct pg_toks *t, size_t i, int *from, int *to)
{
	const char *const *unit;
	int a, b, mult, max;
	size_t j;

	if (pg_in(t, i, pg_week_words)) {
		unit = pg_week_words;
		mult = 7;
		max = PG_MAX_WEEKS;
	} else if (pg_in(t, i, pg_month_words)) {
		unit = pg_month_words;
		mult = 28;
		max = PG_MAX_MONTHS;
	} else if (pg_in(t, i, pg_day_words)) {
		unit = pg_day_words;
		mult = 1;
		max = PG_MAX_DAYS;
	} else {
		return 0;
	}
	/* "6 months 2 weeks" is a duration, not a window. */
	if (i > 0 && pg_num(t, i - 1))
		return 0;
	if (!pg_int(t, i + 1) || t->v[i + 1].num < 1 || t->v[i + 1].num > max)
		return 0;
	a = b = (int)t->v[i + 1].num;
	j = i + 2;
	if (pg_joiner(t, j)) {
		size_t k = j + 1;

		if (pg_in(t, k, unit))
			k++;
		if (pg_int(t, k) && t->v[k].num >= a && t->v[k].num <= max) {
			b = (int)t->v[k].num;
			j = k + 1;
		}
	}
	*from = (a - 1) * mult;
	*to = b * mult - 1;
	return j;
}

int
pg_window(const char *s, size_t n, int *from, int *to)
{
	struct pg_toks t;
	size_t i;

	pg_tokenize(s, n, &t);
	for (i = 0; i < t.n; i++)
		if (pg_window_at(&t, i, from, to) > 0)
			return 1;
	return 0;
}

/* Index of the first token that is not punctuation such as '(' or '*'. */
static size_t
pg_first_word(const struct pg_toks *t)
{
	size_t i = 0;

	while (i < t->n && i < 3 && t->v[i].type == PG_PUNCT)
		i++;
	return i;
}

/* Returns 1 if token i is a Roman numeral such as "II". */
static int
pg_roman(const struct pg_toks *t, size_t i)
{
	size_t j;

	if (i >= t->n || t->v[i].type != PG_WORD || t->v[i].len > 4)
		return 0;
	for (j = 0; j < t->v[i].len; j++)
		if (strchr("IVX", t->s[t->v[i].off + j]) == NULL)
			return 0;
	return 1;
}

int
pg_lead(const char *s, size_t n)
{
	struct pg_toks t;
	size_t i, j;
	int from, to;

	pg_tokenize(s, n, &t);
	i = pg_first_word(&t);
	if (pg_is(&t, i, "phase") || pg_is(&t, i, "stage") ||
	    pg_is(&t, i, "project") || pg_is(&t, i, "capstone")) {
		j = i + 1;
		if (pg_num(&t, j) || pg_roman(&t, j))
			j++;
		if (j < t.n && t.v[j].type != PG_PUNCT)
			return PG_LEAD_NONE;
		return pg_is(&t, i, "phase") || pg_is(&t, i, "stage")
		               ? PG_LEAD_PHASE
		               : PG_LEAD_PROJECT;
	}
	j = pg_window_at(&t, i, &from, &to);
	if (j == 0 || (j < t.n && t.v[j].type != PG_PUNCT))
		return PG_LEAD_NONE;
	if (pg_in(&t, i, pg_month_words))
		return PG_LEAD_MONTH;
	if (pg_in(&t, i, pg_week_words))
		return PG_LEAD_WEEK;
	return PG_LEAD_DAY;
}

/*
 * Matches a duration at token i: NUM [JOINER NUM] [UNIT [NUM MINUTES]].
 * need_unit: the unit must be there. Returns 1 and fills d.
 */
static int
pg_dur(const struct pg_toks *t, size_t i, int need_unit, struct pg_dur *d)
{
	size_t j;

	if (!pg_num(t, i))
		return 0;
	d->lo = d->hi = t->v[i].num;
	d->extra_min = 0;
	j = i + 1;
	if (pg_joiner(t, j) && pg_num(t, j + 1) && t->v[j + 1].num >= d->lo) {
		d->hi = t->v[j + 1].num;
		j += 2;
	}
	if (pg_in(t, j, pg_hour_units)) {
		d->unit = PG_UNIT_HOURS;
		j++;
		if (d->lo == d->hi && pg_int(t, j) && t->v[j].num < 60 &&
		    pg_in(t, j + 1, pg_minute_units)) {
			d->extra_min = t->v[j].num;
			j += 2;
		}
	} else if (pg_in(t, j, pg_minute_units)) {
		d->unit = PG_UNIT_MINUTES;
		j++;
	} else if (need_unit) {
		return 0;
	} else {
		d->unit = PG_UNIT_NONE;
	}
	d->next = j;
	return 1;
}

static double
pg_dur_minutes(const struct pg_dur *d, double v)
{
	if (d->unit == PG_UNIT_MINUTES)
		return v;
	return v * 60 + d->extra_min;
}

/* Words that, just before a duration, make it a limit. */
static int
pg_limit_before(const struct pg_toks *t, size_t i)
{
	static const char *const skip[] = {"of",     "about", "roughly",
	                                   "approx", "to",    "in",
	                                   "a",      "an",    NULL};
	static const char *const trig[] = {
	        "under",   "within", "max",       "maximum",    "limit",
	        "limited", "cap",    "capped",    "timebox",    "timeboxed",
	        "box",     "boxed",  "timeboxes", "timeboxing", NULL};
	size_t k, j = i;

	for (k = 0; k <= PG_MAX_LOOKBACK && j > 0; k++) {
		j--;
		if (pg_in(t, j, trig))
			return 1;
		if (pg_is(t, j, "most") && j > 0 && pg_is(t, j - 1, "at"))
			return 1;
		if (pg_is(t, j, "than") && j > 0 &&
		    (pg_is(t, j - 1, "less") || pg_is(t, j - 1, "fewer") ||
		     (pg_is(t, j - 1, "more") && j > 1 &&
		      (pg_is(t, j - 2, "no") || pg_is(t, j - 2, "not")))))
			return 1;
		if (t->v[j].type != PG_PUNCT && !pg_in(t, j, skip))
			return 0;
	}
	return 0;
}

/* Words that, just after a duration, make it a limit. */
static int
pg_limit_after(const struct pg_toks *t, size_t j)
{
	if (pg_punct(t, j, ')') || pg_punct(t, j, ','))
		j++;
	if (pg_is(t, j, "max") || pg_is(t, j, "maximum") ||
	    pg_is(t, j, "tops") || pg_is(t, j, "limit") || pg_is(t, j, "cap"))
		return 1;
	return pg_is(t, j, "or") &&
	       (pg_is(t, j + 1, "less") || pg_is(t, j + 1, "fewer"));
}

uint32_t
pg_limit(const char *s, size_t n)
{
	struct pg_toks t;
	struct pg_dur d;
	double m;
	size_t i;

	pg_tokenize(s, n, &t);
	for (i = 0; i < t.n; i++) {
		if (!pg_dur(&t, i, 1, &d))
			continue;
		if (!pg_limit_before(&t, i) && !pg_limit_after(&t, d.next))
			continue;
		m = pg_dur_minutes(&d, d.hi);
		if (m >= 1 && m <= PG_MAX_LIMIT_MINUTES)
			return (uint32_t)(m + 0.5);
	}
	return 0;
}

int
pg_hours_week(const char *s, size_t n, double *min, double *max)
{
	static const char *const per[] = {"per",  "a",     "an",
	                                  "each", "every", NULL};
	struct pg_toks t;
	struct pg_dur d;
	size_t i, j;
	int ok;

	pg_tokenize(s, n, &t);
	for (i = 0; i < t.n; i++) {
		if (!pg_dur(&t, i, 1, &d) || d.unit != PG_UNIT_HOURS ||
		    d.extra_min > 0)
			continue;
		j = d.next;
		ok = pg_is(&t, j, "weekly") ||
		     ((pg_punct(&t, j, '/') || pg_in(&t, j, per)) &&
		      (pg_in(&t, j + 1, pg_week_words) ||
		       pg_is(&t, j + 1, "w")));
		if (ok && d.hi > 0 && d.hi <= 168) {
			*min = d.lo;
			*max = d.hi;
			return 1;
		}
	}
	return 0;
}

int
pg_hours(const char *s, size_t n, double *hours)
{
	struct pg_toks t;
	struct pg_dur d;
	double v;

	pg_tokenize(s, n, &t);
	if (!pg_dur(&t, pg_first_word(&t), 0, &d))
		return 0;
	v = (d.lo + d.hi) / 2;
	v = d.unit == PG_UNIT_MINUTES ? v / 60 : v + d.extra_min / 60;
	if (v < 0 || v > 24)
		return 0;
	*hours = v;
	return 1;
}

int
pg_duration_in(const char *s, size_t n, double *hours, size_t *end)
{
	struct pg_toks t;
	struct pg_dur d;
	const struct pg_tok *last;
	double v;
	size_t i;

	pg_tokenize(s, n, &t);
	for (i = 0; i < t.n; i++) {
		if (!pg_dur(&t, i, 1, &d))
			continue;
		v = (d.lo + d.hi) / 2;
		v = d.unit == PG_UNIT_MINUTES ? v / 60 : v + d.extra_min / 60;
		if (v <= 0 || v > 24)
			return 0;
		last = &t.v[d.next - 1];
		*hours = v;
		*end = last->off + last->len;
		return 1;
	}
	return 0;
}

int
pg_percent(const char *s, size_t n, unsigned *min, unsigned *max)
{
	struct pg_toks t;
	struct pg_dur d;
	size_t i;

	pg_tokenize(s, n, &t);
	for (i = 0; i < t.n; i++) {
		if (!pg_dur(&t, i, 0, &d) || d.unit != PG_UNIT_NONE ||
		    !pg_punct(&t, d.next, '%') || d.hi > 100)
			continue;
		*min = (unsigned)d.lo;
		*max = (unsigned)d.hi;
		return 1;
	}
	return 0;
}

const char *
pg_activity(const char *s, size_t n)
{
	static const struct {
		const char *word, *activity;
		int prefix;
	} map[] = {
	        {"project", "project", 1},     {"drill", "drill", 1},
	        {"practic", "drill", 1},       {"exercis", "drill", 1},
	        {"reading", "reading", 1},     {"read", "reading", 0},
	        {"book", "reading", 0},        {"books", "reading", 0},
	        {"paper", "reading", 0},       {"papers", "reading", 0},
	        {"retriev", "retrieval", 1},   {"recall", "retrieval", 1},
	        {"flashcard", "retrieval", 1}, {"anki", "retrieval", 0},
	        {"quiz", "retrieval", 1},      {"review", "review", 1},
	        {"reflect", "review", 1},      {"communit", "community", 1},
	        {"network", "community", 1},   {"sharing", "community", 0},
	        {"planning", "planning", 0},   {"plan", "planning", 0},
	};
	struct pg_toks t;
	size_t i, k;

	pg_tokenize(s, n, &t);
	for (i = 0; i < t.n; i++)
		for (k = 0; k < sizeof(map) / sizeof(map[0]); k++)
			if (map[k].prefix ? pg_prefix(&t, i, map[k].word)
			                  : pg_is(&t, i, map[k].word))
				return map[k].activity;
	return NULL;
}

int
pg_weekday(const char *s, size_t n, size_t *word_len)
{
	static const char *const days[7][5] = {
	        {"mon", "monday", "mondays", NULL},
	        {"tue", "tues", "tuesday", "tuesdays", NULL},
	        {"wed", "weds", "wednesday", "wednesdays", NULL},
	        {"thu", "thur", "thurs", "thursday", NULL},
	        {"fri", "friday", "fridays", NULL},
	        {"sat", "saturday", "saturdays", NULL},
	        {"sun", "sunday", "sundays", NULL},
	};
	struct pg_toks t;
	size_t i, d;

	pg_tokenize(s, n, &t);
	i = pg_first_word(&t);
	for (d = 0; d < 7; d++) {
		if (pg_in(&t, i, days[d])) {
			*word_len = t.v[i].off + t.v[i].len;
			return (int)d + 1;
		}
	}
	return 0;
}

int
pg_start_date(const char *s, size_t n, char out[11])
{
	static const char *const start[] = {
	        "start",  "starting",  "starts",     "begin",
	        "begins", "beginning", "start-date", NULL};
	struct pg_toks t;
	size_t i, j;

	pg_tokenize(s, n, &t);
	i = pg_first_word(&t);
	if (!pg_in(&t, i, start))
		return 0;
	for (j = i + 1; j + 4 < t.n && j < i + 6; j++) {
		const struct pg_tok *y = &t.v[j], *m = &t.v[j + 2],
		                    *d = &t.v[j + 4];

		if (!pg_int(&t, j) || y->len != 4 ||
		    !pg_punct(&t, j + 1, '-') || !pg_int(&t, j + 2) ||
		    !pg_punct(&t, j + 3, '-') || !pg_int(&t, j + 4))
			continue;
		if (m->num < 1 || m->num > 12 || d->num < 1 || d->num > 31)
			return 0;
		snprintf(out, 11, "%04d-%02d-%02d", (int)y->num, (int)m->num,
		         (int)d->num);
		return 1;
	}
	return 0;
}

int
pg_goal(const char *s, size_t n, size_t *off)
{
	static const char *const goal[] = {"goal", "objective", "aim",
	                                   "mission", NULL};
	struct pg_toks t;
	size_t i, o;

	pg_tokenize(s, n, &t);
	i = pg_first_word(&t);
	if (!pg_in(&t, i, goal) ||
	    !(pg_punct(&t, i + 1, ':') || pg_punct(&t, i + 1, '-')) ||
	    i + 2 >= t.n)
		return 0;
	o = t.v[i + 2].off;
	*off = o;
	return 1;
}

int
pg_is_goal_heading(const char *s, size_t n)
{
	static const char *const words[] = {"goal", "goals", "objective",
	                                    "objectives", NULL};
	struct pg_toks t;
	size_t i, seen = 0;

	pg_tokenize(s, n, &t);
	for (i = 0; i < t.n; i++) {
		if (t.v[i].type == PG_PUNCT)
			continue;
		if (pg_in(&t, i, words))
			seen++;
		else if (!pg_is(&t, i, "the") && !pg_is(&t, i, "my"))
			return 0;
	}
	return seen == 1;
}

unsigned
pg_class(const char *s, size_t n)
{
	static const char *const task[] = {
	        "build",        "builds",      "action",    "actions",
	        "task",         "tasks",       "todo",      "step",
	        "steps",        "exercise",    "exercises", "practice",
	        "assignment",   "assignments", "homework",  "deliverable",
	        "deliverables", "drill",       "drills",    NULL};
	static const char *const skill[] = {
	        "concept",   "concepts",   "skill",    "skills",
	        "procedure", "procedures", "topic",    "topics",
	        "master",    "memorize",   "memorise", NULL};
	static const char *const metric[] = {
	        "metric",     "metrics",    "milestone",
	        "milestones", "checkpoint", "checkpoints",
	        "success",    "outcomes",   NULL};
	/* Words that name milestones only as a short title ("Goals"). */
	static const char *const short_metric[] = {
	        "goals",   "deliverables", "targets", "benchmarks",
	        "results", "criteria",     NULL};
	struct pg_toks t;
	unsigned c = 0;
	size_t i, words = pg_word_count(s, n);

	pg_tokenize(s, n, &t);
	for (i = 0; i < t.n; i++) {
		if (pg_in(&t, i, metric) ||
		    (words <= 4 && pg_in(&t, i, short_metric)))
			c |= PG_CLASS_METRIC;
		else if (pg_in(&t, i, task))
			c |= PG_CLASS_TASK;
		else if (pg_in(&t, i, skill))
			c |= PG_CLASS_SKILL;
	}
	/* "Deliverables" alone is a list of milestones, not of tasks. */
	if (c & PG_CLASS_METRIC)
		c &= ~PG_CLASS_TASK;
	return c;
}

/* The token after a window at i (see pg_window_at), or 0; sets *day. */
static size_t
pg_window_end(const struct pg_toks *t, size_t i, int *day)
{
	int from, to;
	size_t j = pg_window_at(t, i, &from, &to);

	if (j > 0)
		*day = to;
	return j;
}

/* 1 if only punctuation is left from token i on. */
static int
pg_only_punct(const struct pg_toks *t, size_t i)
{
	for (; i < t->n; i++)
		if (t->v[i].type != PG_PUNCT)
			return 0;
	return 1;
}

int
pg_due(const char *s, size_t n, int *day, int *rest)
{
	struct pg_toks t;
	size_t i, j;

	pg_tokenize(s, n, &t);
	i = pg_first_word(&t);
	if (pg_is(&t, i, "at") && pg_is(&t, i + 1, "the") &&
	    pg_is(&t, i + 2, "end"))
		i += 2;
	else if (pg_is(&t, i, "by") && pg_is(&t, i + 1, "the") &&
	         pg_is(&t, i + 2, "end"))
		i += 2;
	else if (pg_is(&t, i, "by") && pg_is(&t, i + 1, "end"))
		i += 1;
	else if (pg_is(&t, i, "by") && (j = pg_window_end(&t, i + 1, day)) > 0)
		goto found;
	if (!pg_is(&t, i, "end") || !pg_is(&t, i + 1, "of"))
		return 0;
	i += 2;
	if (pg_is(&t, i, "the"))
		i++;
	if ((j = pg_window_end(&t, i, day)) == 0)
		return 0;
found:
	*rest = !pg_only_punct(&t, j);
	return 1;
}

int
pg_checkpoint(const char *s, size_t n)
{
	struct pg_toks t;
	size_t j;
	int day;

	pg_tokenize(s, n, &t);
	j = pg_window_end(&t, pg_first_word(&t), &day);
	/* "Week 4:", "Week 4 -", "Week 4 (checkpoint):" */
	if (j == 0 || j >= t.n || t.v[j].type != PG_PUNCT)
		return 0;
	while (j < t.n && t.v[j].type == PG_PUNCT)
		j++;
	if (pg_is(&t, j, "i") || pg_is(&t, j, "you"))
		j++;
	if (pg_is(&t, j, "can") || pg_is(&t, j, "able"))
		return 1;
	if (pg_is(&t, j, "should") || pg_is(&t, j, "will"))
		j++;
	return pg_is(&t, j, "be") && pg_is(&t, j + 1, "able");
}

int
pg_milestone_key(const char *s, size_t n)
{
	static const char *const key[] = {
	        "milestone", "checkpoint", "deliverable", "target",
	        "benchmark", "milestones", "checkpoints", NULL};
	struct pg_toks t;
	size_t i, j;
	int day;

	pg_tokenize(s, n, &t);
	i = pg_first_word(&t);
	if (pg_is(&t, i, "success") &&
	    (pg_is(&t, i + 1, "metric") || pg_is(&t, i + 1, "criterion")))
		i++;
	else if (!pg_in(&t, i, key))
		return 0;
	j = i + 1;
	if (pg_num(&t, j) || pg_roman(&t, j))
		j++;
	/* "Checkpoint (Week 8):" */
	if (pg_punct(&t, j, '(')) {
		size_t k = pg_window_end(&t, j + 1, &day);

		if (k > 0 && pg_punct(&t, k, ')'))
			j = k + 1;
	} else if (pg_window_end(&t, j, &day) > 0) {
		j = pg_window_end(&t, j, &day);
	}
	return (pg_punct(&t, j, ':') || pg_punct(&t, j, '-')) &&
	       !pg_only_punct(&t, j + 1);
}

size_t
pg_word_count(const char *s, size_t n)
{
	struct pg_toks t;
	size_t i, c = 0;

	pg_tokenize(s, n, &t);
	for (i = 0; i < t.n; i++)
		c += t.v[i].type != PG_PUNCT;
	return c;
}
