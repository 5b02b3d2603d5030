/*
 * Mentors: mentees (one line per mentee from the progress model: hours
 * this week against their plan, last check-in, streak, behind or on
 * track, weeks not yet reviewed) and review (a mentee's week in full,
 * marked reviewed, with an optional comment). Both read the local store,
 * so they work offline after a sync; a review syncs like any record.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cairn.h"
#include "comment.h"
#include "err.h"
#include "planrec.h"
#include "timefmt.h"

const struct cmd cmd_mentees_entry = {
        .name = "mentees",
        .fn = cmd_mentees,
        .flags = CMD_NEEDS_HOME | CMD_NEEDS_LOGIN,
        .usage = "mentees",
        .summary = "your mentees at a glance",
        .help = "One line each: hours this week against their plan's target,\n"
                "last check-in, streak, behind or on track, weeks you have not\n"
                "reviewed. Behind: fewer hours so far this week than the plan\n"
                "asks by today, or a milestone or phase overdue. Reads this\n"
                "home (run 'cairn sync' first).\n"
                "\n"
                "EXAMPLES:\n"
                "  cairn sync && cairn mentees\n"
                "  cairn mentees --json\n",
};

const struct cmd cmd_review_entry = {
        .name = "review",
        .fn = cmd_review,
        .flags = CMD_NEEDS_HOME | CMD_NEEDS_LOGIN | CMD_WRITES,
        .usage = "review HANDLE [--week WEEK] [--comment TEXT]",
        .summary = "read a mentee's week and mark it reviewed",
        .help = "  --week WEEK       this, last (default), YYYY-Www or a date\n"
                "  --comment TEXT    also comment on that week\n"
                "\n"
                "EXAMPLES:\n"
                "  cairn review maya\n"
                "  cairn review maya --week this --comment \"Put the service in a container before Friday.\"\n",
};

#define MENTOR_WEEKS_MAX 52 /* unreviewed weeks looked back at */

/* The id of mentor's review of mentee's week: the same on every machine. */
static void
review_id(const char *mentor, const char *mentee, const char *week,
          char out[UUID_LEN + 1])
{
	char name[128];

	snprintf(name, sizeof(name), "cairn-review:%s:%s:%s", mentor, mentee,
	         week);
	uuid_from_name(name, out);
}

/* 1 if this home's user reviewed mentee's week starting monday. */
static int
reviewed(struct cli *c, const char *mentee, int64_t monday)
{
	char week[WEEK_NAME_LEN + 1], id[UUID_LEN + 1];
	struct rec r;
	int yes;

	memset(&r, 0, sizeof(r));
	week_of_day(monday, week, NULL);
	review_id(c->handle, mentee, week, id);
	yes = store_get_kind(c->st, CAIRN__KIND__KIND_REVIEW, id, &r) ==
	      CAIRN_OK;
	rec_release(&r);
	return yes;
}

/* The UTC instant the local day (days since 1970-01-01) starts. */
static int64_t
day_start(int64_t day)
{
	char s[11];
	struct ymd d;

	planrec_days_date(day, s);
	if (sscanf(s, "%d-%d-%d", &d.y, &d.m, &d.d) != 3)
		return 0;
	return ymd_start(&d);
}

/* The mentees in the cached people list, with when each started. */
static int
mentee_list(struct cli *c, Cairn__PeopleOk **p)
{
	size_t i, n = 0;
	int rc;

	if ((rc = people_cache_load(c, p)) != CAIRN_OK)
		return rc;
	for (i = 0; i < (*p)->n_people; i++)
		n += (*p)->people[i]->role == CAIRN__ROLE__ROLE_MENTEE;
	return n > 0 ? CAIRN_OK : CAIRN_ENOTFOUND;
}

/* The progress of handle in the week starting monday. */
static int
mentee_progress(struct cli *c, const char *handle, int64_t monday,
                int64_t today, struct progress *p)
{
	struct ptree *t = NULL;
	int rc;

	if ((rc = plan_open_any(c, handle, &t)) != CAIRN_OK)
		return rc;
	if (t != NULL && (rc = ptree_load_entries(c->st, t, NULL)) != 0) {
		ptree_free(t);
		return cli_err(rc, "cannot read %s's log", handle);
	}
	rc = progress_compute(c->st, handle, t, monday, today, p);
	ptree_free(t);
	if (rc != CAIRN_OK)
		return cli_err(rc, "cannot read %s's log: %s", handle,
		               store_errmsg(c->st));
	return CAIRN_OK;
}

int
cmd_mentees(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {{NULL, 0, NULL, 0}};
	char hours[64], last[32], week[WEEK_NAME_LEN + 1];
	Cairn__PeopleOk *people = NULL;
	json_t *arr = NULL, *o, *weeks;
	struct progress p;
	int64_t today, monday, from, w, since;
	const char *arg;
	size_t i;
	int ch, rc, unreviewed;

	while ((ch = cli_getopt(c, argc, argv, opts, &arg)) != -1)
		if (ch < 0)
			return ch;
	if (cli_optind() < argc)
		return cli_usage(c, "unexpected argument");
	if ((rc = plan_today(&today)) != CAIRN_OK)
		return rc;
	week_of_day(today, week, &monday);
	rc = mentee_list(c, &people);
	if (rc == CAIRN_ENOTFOUND && !c->json) {
		printf("no mentees yet: a learner runs 'cairn invite %s --as mentor', you 'cairn accept' and 'cairn sync'\n",
		       c->handle);
		rc = CAIRN_OK;
		goto out;
	}
	if (rc != CAIRN_OK && rc != CAIRN_ENOTFOUND)
		goto out;
	if (c->json && (arr = json_array()) == NULL) {
		rc = CAIRN_ENOMEM;
		goto out;
	}
	for (i = 0; i < people->n_people; i++) {
		const Cairn__Person *m = people->people[i];

		if (m->role != CAIRN__ROLE__ROLE_MENTEE)
			continue;
		if ((rc = mentee_progress(c, m->handle, monday, today, &p)))
			goto out;
		/*
		 * Complete weeks since mentoring began, and at least the
		 * last one (a new mentor reviews the week just past), not
		 * before the mentee's first check-in.
		 */
		since = m->since / 86400;
		from = p.first_day > since ? p.first_day : since;
		week_of_day(from, week, &from);
		if (from > monday - 7)
			from = monday - 7;
		if (from < monday - 7 * MENTOR_WEEKS_MAX)
			from = monday - 7 * MENTOR_WEEKS_MAX;
		weeks = json_array();
		unreviewed = 0;
		for (w = from; w < monday; w += 7) {
			if (p.first_day < 0 || w + 6 < p.first_day ||
			    reviewed(c, m->handle, w))
				continue;
			week_of_day(w, week, NULL);
			json_array_append_new(weeks, json_string(week));
			unreviewed++;
		}
		if (arr != NULL) {
			o = progress_json(&p);
			json_object_set_new(o, "unreviewed", weeks);
			json_array_append_new(arr, o);
			continue;
		}
		json_decref(weeks);
		progress_hours(&p, hours, sizeof(hours));
		out_local_time(p.last_at, last);
		printf("%-12s %-18s last %-16s streak %-3d %-9s", m->handle,
		       hours, last, p.streak, p.behind ? "BEHIND" : "on track");
		if (p.overdue > 0)
			printf(" %d overdue", p.overdue);
		if (p.breaches > 0)
			printf(" commitment broken");
		if (unreviewed > 0)
			printf(" %d week%s to review", unreviewed,
			       unreviewed == 1 ? "" : "s");
		printf("\n");
	}
	if (arr != NULL) {
		rc = out_json(arr);
		arr = NULL;
	}
out:
	json_decref(arr);
	if (people != NULL)
		cairn__people_ok__free_unpacked(people, NULL);
	return rc;
}

/* Prints the entries of handle in the week starting monday. */
struct week_entries {
	int64_t monday;
	int n;
};

static int
review_entry(void *arg, const struct rec *r)
{
	struct week_entries *w = arg;
	Cairn__Entry *e = entryrec_unpack(r);
	int64_t t, day;

	if (e == NULL)
		return 0;
	t = e->started_at + (int64_t)e->utc_offset * 60;
	day = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
	cairn__entry__free_unpacked(e, NULL);
	if (day < w->monday || day >= w->monday + 7)
		return 0;
	if (w->n++ == 0)
		printf("entries:\n");
	printf("  ");
	out_entry_line(stdout, r, 0);
	return 0;
}

int
cmd_review(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
	        {"week", required_argument, NULL, 'w'},
	        {"comment", required_argument, NULL, 'c'},
	        {NULL, 0, NULL, 0},
	};
	static const char *const days[] = {"Mon", "Tue", "Wed", "Thu",
	                                   "Fri", "Sat", "Sun"};
	Cairn__Review rv = CAIRN__REVIEW__INIT;
	Cairn__Comment cm = CAIRN__COMMENT__INIT;
	char week[WEEK_NAME_LEN + 1], target[REC_TARGET_MAX + 1], hours[64];
	char from[11], to[11], dur[32];
	const char *who, *arg, *wk = "last", *text = NULL;
	Cairn__PeopleOk *people = NULL;
	struct store_filter f = {INT64_MIN, INT64_MAX, 0, NULL};
	struct week_entries we;
	struct errbuf err = {""};
	struct rec r, rc_rec;
	struct progress p;
	int64_t today, monday;
	json_t *doc = NULL, *comments = NULL;
	int ch, rc, i;

	memset(&r, 0, sizeof(r));
	memset(&rc_rec, 0, sizeof(rc_rec));
	while ((ch = cli_getopt(c, argc, argv, opts, &arg)) != -1) {
		if (ch < 0)
			return ch;
		if (ch == 'w')
			wk = arg;
		else
			text = arg;
	}
	if (argc - cli_optind() != 1)
		return cli_usage(c, "expected one HANDLE");
	who = argv[cli_optind()];
	if (!handle_valid(who))
		return cli_err(CAIRN_EINVAL, "bad handle '%s'", who);
	if ((rc = plan_today(&today)) != CAIRN_OK)
		return rc;
	if ((rc = week_arg(wk, today, &monday, &err)) != CAIRN_OK)
		return cli_errbuf(rc, &err);
	if ((rc = people_cache_load(c, &people)) != CAIRN_OK)
		return rc;
	if (people_role(people, who, CAIRN__ROLE__ROLE_MENTEE) == 0) {
		rc = cli_err(
		        CAIRN_EFORBIDDEN,
		        "%s is not your mentee; see 'cairn people' (after 'cairn sync')",
		        who);
		goto out;
	}
	week_of_day(monday, week, NULL);
	if ((rc = mentee_progress(c, who, monday, today, &p)) != CAIRN_OK)
		goto out;
	/* The review: one record per mentor, mentee and week. */
	review_id(c->handle, who, week, r.id);
	r.kind = CAIRN__KIND__KIND_REVIEW;
	snprintf(r.subject, sizeof(r.subject), "%s", who);
	rv.week = week;
	rv.at = (int64_t)time(NULL);
	if ((rc = rec_pack_body(&r, &rv.base)) != CAIRN_OK ||
	    (rc = store_begin(c->st)) != CAIRN_OK)
		goto out;
	rc = store_put(c->st, &r);
	if (rc == CAIRN_OK && text != NULL) {
		cm.week = week;
		cm.text = (char *)text;
		cm.at = rv.at;
		snprintf(rc_rec.subject, sizeof(rc_rec.subject), "%s", who);
		rc_rec.kind = CAIRN__KIND__KIND_COMMENT;
		if (comment_validate(&cm, err.msg, sizeof(err.msg)) != 0) {
			store_rollback(c->st);
			rc = cli_err(CAIRN_EINVAL, "%s", err.msg);
			goto out;
		}
		if ((rc = uuid_new(rc_rec.id)) == CAIRN_OK &&
		    (rc = rec_pack_body(&rc_rec, &cm.base)) == CAIRN_OK)
			rc = store_put(c->st, &rc_rec);
	}
	if ((rc = store_end(c->st, rc)) != CAIRN_OK) {
		rc = cli_err(rc, "cannot store the review: %s",
		             store_errmsg(c->st));
		goto out;
	}
	snprintf(target, sizeof(target), "week:%s", week);
	if (c->json) {
		if ((doc = progress_json(&p)) == NULL ||
		    (comments = json_array()) == NULL) {
			rc = CAIRN_ENOMEM;
			goto out;
		}
		if ((rc = comments_show(c, target, who, comments)) != 0)
			goto out;
		json_object_set_new(doc, "comments", comments);
		comments = NULL;
		json_object_set_new(doc, "reviewed", json_true());
		json_object_set_new(doc, "review", json_string(r.id));
		rc = out_json(doc);
		doc = NULL;
		goto out;
	}
	planrec_days_date(monday, from);
	planrec_days_date(monday + 6, to);
	progress_hours(&p, hours, sizeof(hours));
	printf("%s, week %s (%s .. %s): %s", who, week, from, to, hours);
	if (p.has_plan && p.due_h > 0 && p.due_h < p.target_h)
		printf(" (%gh due by %s)",
		       (double)(int)(p.due_h * 10 + 0.5) / 10,
		       today < monday + 7 ? "today" : "the end of the week");
	printf(", %s%s\n", p.behind ? "behind" : "on track",
	       p.overdue > 0 ? " (a milestone or phase is overdue)" : "");
	if (p.has_plan)
		printf("plan: %s\n", p.plan);
	for (i = 0; i < 7; i++) {
		duration_format(p.day_minutes[i], dur, sizeof(dur));
		printf("  %s  %s\n", days[i], p.day_minutes[i] > 0 ? dur : "-");
	}
	we.monday = monday;
	we.n = 0;
	f.owner = who;
	f.since = day_start(monday - 1);
	f.until = day_start(monday + 8);
	if ((rc = store_list(c->st, &f, review_entry, &we)) != CAIRN_OK) {
		rc = cli_err(rc, "cannot read %s's log", who);
		goto out;
	}
	if ((rc = comments_show(c, target, who, NULL)) != CAIRN_OK)
		goto out;
	printf("marked reviewed; 'cairn sync' sends it%s\n",
	       text != NULL ? " with your comment" : "");
out:
	json_decref(doc);
	json_decref(comments);
	rec_release(&r);
	rec_release(&rc_rec);
	if (people != NULL)
		cairn__people_ok__free_unpacked(people, NULL);
	return rc;
}
