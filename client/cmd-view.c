/*
 * The progress views a learner reads every evening: week (the days of one
 * week, split by activity, against what the plan asks; the total, streak,
 * items, drills, predictions, comments and commitments), streak and
 * heatmap. Each reads the progress model (view/model.c) of the local
 * store, so they work offline; --user shows a partner's or mentee's where
 * the server let this home hold their log; --json gives the figures as
 * numbers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cairn.h"
#include "comment.h"
#include "err.h"
#include "planrec.h"
#include "timefmt.h"

const struct cmd cmd_week_entry = {
        .name = "week",
        .fn = cmd_week,
        .flags = CMD_NEEDS_HOME,
        .usage = "week [WEEK] [--user HANDLE]",
        .summary = "your week: days by activity against the plan",
        .help = "WEEK is this (default), last, YYYY-Www or a date in it. One line\n"
                "a day (a bar split by activity, the time, what the plan asks),\n"
                "then the total against the plan's hours, the streak, plan items\n"
                "worked on, drills against their time boxes, the week's\n"
                "predictions (and earlier ones still open), broken commitments\n"
                "and comments. Days are the learner's own (the date where each\n"
                "session was logged); today follows TZ, or $CAIRN_NOW (a date or\n"
                "an RFC 3339 time). --json: numbers, e.g. days[].minutes,\n"
                "minutes, target_minutes, streak.\n"
                "\n"
                "EXAMPLES:\n"
                "  cairn week\n"
                "  cairn week last\n"
                "  cairn week 2026-W49 --user sam\n"
                "  cairn week --json\n",
};

const struct cmd cmd_streak_entry = {
        .name = "streak",
        .fn = cmd_streak,
        .flags = CMD_NEEDS_HOME,
        .usage = "streak [--user HANDLE] [--min DURATION]",
        .summary = "days in a row with practice, now and at best",
        .help = "  --min DURATION    what makes a day count (default 15m)\n"
                "A day the plan's schedule leaves free does not break a run.\n"
                "\n"
                "EXAMPLES:\n"
                "  cairn streak\n"
                "  cairn streak --min 30m\n"
                "  cairn streak --user sam\n",
};

const struct cmd cmd_heatmap_entry = {
        .name = "heatmap",
        .fn = cmd_heatmap,
        .flags = CMD_NEEDS_HOME,
        .usage = "heatmap [--weeks N] [--user HANDLE]",
        .summary = "a calendar of the last weeks, shaded by time",
        .help = "  --weeks N         how many weeks (default 26, as many as fit)\n"
                "Colour and shading only on a terminal without NO_COLOR; plain\n"
                "characters otherwise (. none, - <30m, + <1h, * <2h, # 2h+).\n"
                "\n"
                "EXAMPLES:\n"
                "  cairn heatmap\n"
                "  cairn heatmap --weeks 52\n"
                "  cairn heatmap --user sam --weeks 12\n",
};

#define HEATMAP_WEEKS_DEFAULT 26
#define HEATMAP_WEEKS_MAX 260
#define WEEK_ITEMS_MAX 64

/* What week shows beyond the model: targets and the items worked on. */
struct progress_week {
	double target_h, due_h;
	struct {
		char id[ENTRY_ITEM_MAX + 1];
		const char *title; /* borrowed from the plan, or NULL */
		uint64_t minutes;
	} items[WEEK_ITEMS_MAX];
	size_t n_items;
};

static const char *const day_names[] = {"Mon", "Tue", "Wed", "Thu",
                                        "Fri", "Sat", "Sun"};

int
view_open(struct cli *c, const char *user, int64_t from, int64_t to,
          const struct model_opts *o, struct model *m, struct ptree **plan)
{
	struct ptree *t = NULL;
	int64_t today;
	int rc, me;

	/* This home's own (before any login, its records have no owner). */
	if (user == NULL)
		user = c->handle;
	else if (!handle_valid(user))
		return cli_err(CAIRN_EINVAL, "bad handle '%s'", user);
	me = strcmp(user, c->handle) == 0;
	if ((rc = cli_now(NULL, &today)) != CAIRN_OK)
		return rc;
	/* The plan's schedule and items; the model reads the sessions. */
	if ((rc = plan_open_any(c, me ? NULL : user, &t)) != CAIRN_OK)
		return rc;
	rc = model_build(c->st, user, t, from, to, today, o, m);
	if (rc != CAIRN_OK) {
		ptree_free(t);
		return cli_err(rc, "cannot read %s's log: %s", user,
		               store_errmsg(c->st));
	}
	if (!me && m->entries_total == 0 && t == NULL)
		fprintf(stderr,
		        "cairn: nothing of %s's here; run 'cairn sync' (and see 'cairn people': do you see their log?)\n",
		        user);
	if (plan != NULL)
		*plan = t;
	else
		ptree_free(t);
	return CAIRN_OK;
}

/* The title of plan item id in t, or NULL. */
static const char *
view_item_title(const struct ptree *t, const char *id)
{
	int i = t != NULL && id[0] != '\0' ? ptree_find(t, id) : -1;

	return i >= 0 ? t->items[i].m->title : NULL;
}

/* Cuts s to at most max bytes at a word boundary, marking the cut. */
static void
view_fit(char *s, size_t max)
{
	size_t n = strlen(s);

	if (n <= max)
		return;
	n = max > 3 ? max - 3 : 0;
	while (n > 0 && s[n] != ' ')
		n--;
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == ','))
		n--;
	memcpy(s + n, "...", 4);
}

/* What the plan's schedule says of day: "3h project, 1h drill". */
static void
view_ask(const struct ptree *t, int64_t day, char *out, size_t len)
{
	static const char *const names[] = {"mon", "tue", "wed", "thu",
	                                    "fri", "sat", "sun"};
	int64_t w = (day + 3) % 7;
	size_t i, n = 0;

	out[0] = '\0';
	if (t == NULL)
		return;
	w = w < 0 ? w + 7 : w;
	for (i = 0; i < t->plan->n_schedule && n + 2 < len; i++) {
		const Cairn__ScheduleRow *r = t->plan->schedule[i];

		if (strlen(r->day) < 3 || strncasecmp(r->day, names[w], 3) != 0)
			continue;
		n += (size_t)snprintf(out + n, len - n, "%s%gh %s",
		                      n > 0 ? ", " : "", r->hours, r->activity);
	}
	if (n == 0 && t->plan->n_schedule > 0)
		snprintf(out, len, "free");
}

static int
week_json(struct cli *c, const struct model *m, const struct ptree *t,
          const struct progress_week *w)
{
	char date[11], week[WEEK_NAME_LEN + 1], target[REC_TARGET_MAX + 1];
	json_t *days, *o, *acts, *items, *drills, *preds, *comments, *br;
	size_t i, k;
	int rc;

	week_of_day(m->from, week, NULL);
	days = json_array();
	for (i = 0; i < m->n_days; i++) {
		acts = json_object();
		for (k = 0; k < m->n_acts; k++)
			if (m->days[i].act[k] > 0)
				json_object_set_new(
				        acts, m->acts[k],
				        json_integer(m->days[i].act[k]));
		planrec_days_date(m->days[i].day, date);
		json_array_append_new(
		        days,
		        json_pack(
		                "{s:s, s:s, s:i, s:o, s:o, s:b}", "date", date,
		                "day", day_names[i], "minutes",
		                (int)m->days[i].minutes, "by_activity", acts,
		                "target_minutes",
		                t != NULL
		                        ? json_integer((
		                                  json_int_t)(m->days[i].target_h *
		                                                      60 +
		                                              0.5))
		                        : json_null(),
		                "free", m->days[i].free));
	}
	items = json_array();
	for (i = 0; i < w->n_items; i++)
		json_array_append_new(
		        items,
		        json_pack("{s:s, s:o, s:I}", "id", w->items[i].id,
		                  "title", out_str_or_null(w->items[i].title),
		                  "minutes", (json_int_t)w->items[i].minutes));
	drills = json_array();
	for (i = 0; i < m->n_ents; i++) {
		const struct model_entry *e = &m->ents[i];

		if (e->limit == 0)
			continue;
		planrec_days_date(e->day, date);
		json_array_append_new(
		        drills,
		        json_pack("{s:s, s:s, s:i, s:i, s:b, s:s}", "id", e->id,
		                  "date", date, "minutes", (int)e->minutes,
		                  "limit_minutes", (int)e->limit, "beaten",
		                  e->beaten, "text", e->text));
	}
	preds = json_array();
	for (i = 0; i < m->n_preds; i++) {
		static const char *const oc[] = {"open", "right", "wrong",
		                                 "partly"};
		const struct model_pred *p = &m->preds[i];

		if (p->monday != m->from && !model_pred_due(m, i))
			continue;
		json_array_append_new(
		        preds,
		        json_pack("{s:s, s:s, s:s, s:i, s:s, s:b}", "id", p->id,
		                  "week", p->week, "text", p->text,
		                  "confidence", (int)p->confidence, "outcome",
		                  oc[p->outcome & 3], "due",
		                  model_pred_due(m, i)));
	}
	comments = json_array();
	snprintf(target, sizeof(target), "week:%s", week);
	if ((rc = comments_show(c, target, m->user, comments)) != 0)
		goto fail;
	for (i = 0; i < m->n_ents; i++)
		if ((rc = comments_show(c, m->ents[i].id, NULL, comments)))
			goto fail;
	br = json_array();
	for (i = 0; i < m->n_breaches; i++) {
		char from[11], to[11];
		const struct model_breach *b = &m->breaches[i];

		if (b->to < m->from || b->from > m->to)
			continue;
		planrec_days_date(b->from, from);
		planrec_days_date(b->to, to);
		json_array_append_new(
		        br,
		        json_pack("{s:s, s:f, s:f, s:s, s:s}", "rule",
		                  model_rule_name(b->rule), "value", b->value,
		                  "got", b->got, "from", from, "to", to));
	}
	planrec_days_date(m->from, date);
	o = json_pack(
	        "{s:s, s:s, s:s, s:o, s:I, s:o, s:o, s:i, s:i, s:o, s:o, s:o, s:o, s:o, s:o}",
	        "user", m->user, "week", week, "monday", date, "days", days,
	        "minutes", (json_int_t)m->total, "target_minutes",
	        t != NULL ? json_integer((json_int_t)(w->target_h * 60 + 0.5))
	                  : json_null(),
	        "due_minutes",
	        t != NULL ? json_integer((json_int_t)(w->due_h * 60 + 0.5))
	                  : json_null(),
	        "streak", m->streak, "longest_streak", m->longest, "items",
	        items, "drills", drills, "predictions", preds, "comments",
	        comments, "broken_commitments", br, "plan",
	        out_str_or_null(m->has_plan ? m->plan : NULL));
	return out_json(o);
fail:
	json_decref(days);
	json_decref(items);
	json_decref(drills);
	json_decref(preds);
	json_decref(comments);
	return rc;
}

/* Items worked on in the span of m, with their minutes. */
static int
week_items(const struct model *m, const struct ptree *t,
           struct progress_week *w)
{
	size_t i, k;

	for (i = 0; i < m->n_ents; i++) {
		const struct model_entry *e = &m->ents[i];

		if (e->item[0] == '\0')
			continue;
		for (k = 0; k < w->n_items; k++)
			if (strcmp(w->items[k].id, e->item) == 0)
				break;
		if (k == w->n_items) {
			if (k == WEEK_ITEMS_MAX)
				continue;
			snprintf(w->items[k].id, sizeof(w->items[k].id), "%s",
			         e->item);
			w->items[k].title = view_item_title(t, e->item);
			w->n_items++;
		}
		w->items[k].minutes += e->minutes;
	}
	return CAIRN_OK;
}

int
cmd_week(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
	        {"user", required_argument, NULL, 'u'},
	        {NULL, 0, NULL, 0},
	};
	char week[WEEK_NAME_LEN + 1], from[11], to[11], dur[32], ask[96];
	char target[REC_TARGET_MAX + 1], line[200], total[32];
	const char *arg, *user = NULL, *title;
	struct progress_week w;
	struct errbuf err = {""};
	struct ptree *t = NULL;
	int64_t today, monday, upto;
	double per_cell, most = 0;
	struct model m;
	size_t i;
	int ch, rc, bar, width;

	memset(&m, 0, sizeof(m));
	memset(&w, 0, sizeof(w));
	while ((ch = cli_getopt(c, argc, argv, opts, &arg)) != -1) {
		if (ch < 0)
			return ch;
		user = arg;
	}
	if (argc - cli_optind() > 1)
		return cli_usage(c, "expected at most one WEEK");
	if ((rc = cli_now(NULL, &today)) != CAIRN_OK)
		return rc;
	if ((rc = week_arg(argc > cli_optind() ? argv[cli_optind()] : NULL,
	                   today, &monday, &err)) != CAIRN_OK)
		return cli_errbuf(rc, &err);
	if ((rc = view_open(c, user, monday, monday + 6, NULL, &m, &t)) != 0)
		return rc;
	upto = today < monday + 6 ? today : monday + 6;
	for (i = 0; i < 7; i++) {
		w.target_h += m.days[i].target_h;
		if (m.days[i].day <= upto)
			w.due_h += m.days[i].target_h;
	}
	week_items(&m, t, &w);
	if (c->json) {
		rc = week_json(c, &m, t, &w);
		goto out;
	}
	week_of_day(monday, week, NULL);
	planrec_days_date(monday, from);
	planrec_days_date(monday + 6, to);
	printf("%sweek %s%s (%s .. %s), %s", out_color("bold"), week,
	       out_color("reset"), from, to,
	       m.user[0] != '\0' ? m.user : "this home");
	if (m.has_plan)
		printf(", plan: %s", m.plan);
	printf("\n");
	width = term_width();
	bar = width - 50;
	bar = bar < 10 ? 10 : bar > 60 ? 60 : bar;
	for (i = 0; i < 7; i++) {
		if (m.days[i].minutes > most)
			most = m.days[i].minutes;
		if (m.days[i].target_h * 60 > most)
			most = m.days[i].target_h * 60;
	}
	per_cell = most > 0 ? most / bar : 1;
	for (i = 0; i < 7; i++) {
		const struct model_day *d = &m.days[i];

		planrec_days_date(d->day, from);
		printf("%s %s ", day_names[i], from + 5);
		term_bar(stdout, &m, d->act, per_cell, bar);
		duration_format(d->minutes, dur, sizeof(dur));
		view_ask(t, d->day, ask, sizeof(ask));
		printf(" %6s", d->minutes > 0 ? dur : "-");
		if (ask[0] != '\0') {
			view_fit(ask, (size_t)(width - bar - 22 > 12
			                               ? width - bar - 22
			                               : 12));
			printf("  %s%s%s", out_color("dim"), ask,
			       out_color("reset"));
		}
		if (d->day == today)
			printf("  < today");
		printf("\n");
	}
	term_legend(stdout, &m);
	duration_format((uint32_t)m.total, total, sizeof(total));
	printf("total %s", total);
	if (m.has_plan && w.target_h > 0) {
		printf(" of %gh", (double)(int)(w.target_h * 10 + 0.5) / 10);
		if (w.due_h < w.target_h && monday <= today)
			printf(" (%gh due by today)",
			       (double)(int)(w.due_h * 10 + 0.5) / 10);
		printf(", %s",
		       (double)m.total < w.due_h * 60 ? "behind" : "on track");
	}
	printf("\nstreak %d day%s (longest %d)\n", m.streak,
	       m.streak == 1 ? "" : "s", m.longest);
	if (w.n_items > 0) {
		printf("worked on:\n");
		for (i = 0; i < w.n_items; i++) {
			duration_format((uint32_t)w.items[i].minutes, dur,
			                sizeof(dur));
			title = w.items[i].title;
			printf("  %-6s %s\n", dur,
			       title != NULL ? title : w.items[i].id);
		}
	}
	for (i = 0, ch = 0; i < m.n_ents; i++) {
		const struct model_entry *e = &m.ents[i];
		char lim[32];

		if (e->limit == 0)
			continue;
		if (ch++ == 0)
			printf("drills against their time boxes:\n");
		duration_format(e->minutes, dur, sizeof(dur));
		duration_format(e->limit, lim, sizeof(lim));
		title = view_item_title(t, e->item);
		printf("  %s %s of %s, %s: %s\n", day_names[(e->day + 3) % 7],
		       dur, lim, e->beaten ? "beaten" : "not beaten",
		       title != NULL ? title : e->text);
	}
	for (i = 0, ch = 0; i < m.n_preds; i++) {
		static const char *const oc[] = {"open", "right", "wrong",
		                                 "partly"};
		const struct model_pred *p = &m.preds[i];

		if (p->monday != monday && !model_pred_due(&m, i))
			continue;
		if (ch++ == 0)
			printf("predictions:\n");
		printf("  %.8s %3u%% %s: %s%s\n", p->id, p->confidence,
		       model_pred_due(&m, i) ? "DUE" : oc[p->outcome & 3],
		       p->text,
		       p->monday != monday ? " (an earlier week)" : "");
	}
	for (i = 0, ch = 0; i < m.n_breaches; i++) {
		if (m.breaches[i].to < monday ||
		    m.breaches[i].from > monday + 6)
			continue;
		if (ch++ == 0)
			printf("commitments broken:\n");
		model_breach_text(&m.breaches[i], line, sizeof(line));
		printf("  %s\n", line);
	}
	snprintf(target, sizeof(target), "week:%s", week);
	rc = comments_show(c, target, m.user, NULL);
out:
	model_release(&m);
	ptree_free(t);
	return rc;
}

int
cmd_streak(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
	        {"user", required_argument, NULL, 'u'},
	        {"min", required_argument, NULL, 'm'},
	        {NULL, 0, NULL, 0},
	};
	const char *arg, *user = NULL;
	uint32_t min = PROGRESS_STREAK_MIN;
	struct model_opts o = {0, 0};
	int64_t today;
	struct model m;
	char d[32], why[TIMEFMT_WHY_MAX];
	int ch, rc;

	while ((ch = cli_getopt(c, argc, argv, opts, &arg)) != -1) {
		if (ch < 0)
			return ch;
		if (ch == 'u')
			user = arg;
		else if (duration_read(arg, &min, why, sizeof(why)) != CAIRN_OK)
			return cli_err(CAIRN_EINVAL, "bad --min '%s': %s", arg,
			               why);
	}
	if (cli_optind() < argc)
		return cli_usage(c, "unexpected argument");
	o.streak_min = min;
	if ((rc = cli_now(NULL, &today)) != CAIRN_OK ||
	    (rc = view_open(c, user, today, today, &o, &m, NULL)) != 0)
		return rc;
	duration_format(min, d, sizeof(d));
	if (c->json)
		rc = out_json(json_pack("{s:s, s:i, s:i, s:i}", "user", m.user,
		                        "current", m.streak, "longest",
		                        m.longest, "min_minutes", (int)min));
	else
		printf("%d day%s in a row now, longest %d (days with %s or more%s)\n",
		       m.streak, m.streak == 1 ? "" : "s", m.longest, d,
		       m.has_plan
		               ? "; a day the plan leaves free does not break a run"
		               : "");
	model_release(&m);
	return rc;
}

int
cmd_heatmap(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
	        {"weeks", required_argument, NULL, 'w'},
	        {"user", required_argument, NULL, 'u'},
	        {NULL, 0, NULL, 0},
	};
	static const char *const months[] = {"Jan", "Feb", "Mar", "Apr",
	                                     "May", "Jun", "Jul", "Aug",
	                                     "Sep", "Oct", "Nov", "Dec"};
	char date[11], week[WEEK_NAME_LEN + 1], *end;
	const char *arg, *user = NULL;
	int64_t today, monday, from;
	long weeks = HEATMAP_WEEKS_DEFAULT, fit;
	json_t *days;
	struct model m;
	int ch, rc, mo, last_mo = -1;
	long w, d, col;

	while ((ch = cli_getopt(c, argc, argv, opts, &arg)) != -1) {
		if (ch < 0)
			return ch;
		if (ch == 'u') {
			user = arg;
			continue;
		}
		weeks = strtol(arg, &end, 10);
		if (end == arg || *end != '\0' || weeks < 1 ||
		    weeks > HEATMAP_WEEKS_MAX)
			return cli_err(CAIRN_EINVAL,
			               "--weeks is 1 to %d, not '%s'",
			               HEATMAP_WEEKS_MAX, arg);
	}
	if (cli_optind() < argc)
		return cli_usage(c, "unexpected argument");
	if ((rc = cli_now(NULL, &today)) != CAIRN_OK)
		return rc;
	/* Columns are weeks; on a terminal, as many as fit. */
	fit = (term_width() - 5) / 2;
	if (!c->json && weeks > fit)
		weeks = fit;
	week_of_day(today, week, &monday);
	from = monday - 7 * (weeks - 1);
	if ((rc = view_open(c, user, from, monday + 6, NULL, &m, NULL)) != 0)
		return rc;
	if (c->json) {
		days = json_array();
		for (d = 0; d < (long)m.n_days && m.days[d].day <= today; d++) {
			planrec_days_date(m.days[d].day, date);
			json_array_append_new(
			        days, json_pack("{s:s, s:i, s:i}", "date", date,
			                        "minutes",
			                        (int)m.days[d].minutes, "level",
			                        term_level(m.days[d].minutes)));
		}
		rc = out_json(json_pack("{s:s, s:i, s:o}", "user", m.user,
		                        "weeks", (int)weeks, "days", days));
		goto out;
	}
	/* Month labels over the first week of each month. */
	printf("    ");
	for (w = 0, col = 0; w < weeks; w++, col += 2) {
		planrec_days_date(from + 7 * w, date);
		mo = (date[5] - '0') * 10 + (date[6] - '0') - 1;
		if (mo != last_mo && mo >= 0 && mo < 12) {
			printf("%s", months[mo]);
			last_mo = mo;
			w++; /* the label takes the next column too */
			if (w < weeks)
				printf(" ");
			continue;
		}
		printf("  ");
	}
	printf("\n");
	for (d = 0; d < 7; d++) {
		printf("%s ", day_names[d]);
		for (w = 0; w < weeks; w++) {
			int64_t day = from + 7 * w + d;

			term_cell(
			        stdout,
			        day > today
			                ? -1
			                : term_level(
			                          m.days[day - from].minutes));
			printf(" ");
		}
		printf("\n");
	}
	printf("    ");
	for (d = 0; d <= 4; d++) {
		term_cell(stdout, (int)d);
		printf(" %s  ", d == 0   ? "none"
		                : d == 1 ? "<30m"
		                : d == 2 ? "<1h"
		                : d == 3 ? "<2h"
		                         : "2h+");
	}
	printf("\n");
out:
	model_release(&m);
	return rc;
}
