/*
 * Reading check-ins: ls (newest first, narrowed by dates, week, count,
 * learner, activity, skill, plan item, plan and words of the text; in
 * columns with a total, through a pager on a terminal) and show (one entry
 * in full). Both read the local store only.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "cairn.h"
#include "err.h"
#include "timefmt.h"

#define LS_WINDOW_WEEKS 4 /* what ls shows on a terminal by default */

const struct cmd cmd_ls_entry = {
        .name = "ls",
        .fn = cmd_ls,
        .flags = CMD_NEEDS_HOME,
        .usage = "ls [--since DATE] [--until DATE] [--week WEEK] [--limit N] "
                 "[--user HANDLE] [--activity A] [--skill S] [--item ITEM] "
                 "[--plan PLAN] [--text WORDS] [--all]",
        .summary = "list entries, newest first",
        .help = "  --since DATE      from this local date on (inclusive)\n"
                "  --until DATE      up to this local date (inclusive)\n"
                "  --week WEEK       in that week: this, last, YYYY-Www or a date\n"
                "                    in it (as 'cairn week' takes it)\n"
                "  --limit N         at most N entries (the newest)\n"
                "  --user HANDLE     only this learner's entries\n"
                "  --activity A      only this activity (drill, project, ...)\n"
                "  --skill S         only sessions that practised skill S\n"
                "  --item ITEM       only sessions of this plan item or of items\n"
                "                    under it (ITEM as 'cairn log --item' takes it)\n"
                "  --plan PLAN       only sessions of items of that plan (an ID\n"
                "                    prefix or a piece of its title)\n"
                "  --text WORDS      only sessions whose text contains WORDS\n"
                "                    (ignoring case)\n"
                "  --all             every entry (see below)\n"
                "Filters combine: an entry is listed when it passes all of them.\n"
                "DATE is any day 'cairn help dates' lists (2026-11-30, yesterday,\n"
                "mon, '3 days ago'). A time shown with an\n"
                "offset (21:00 +09:00) is the local time of a session logged in\n"
                "another time zone. A * marks entries not yet synced. The last line\n"
                "counts the entries listed and adds up their time.\n"
                "On a terminal the list goes through $PAGER (else less -FRX), and\n"
                "without a filter or --limit it shows the last 4 weeks (--all or\n"
                "--since for earlier). --json and pipes get every entry.\n"
                "EXAMPLES:\n"
                "  cairn ls --week last --activity drill\n"
                "  cairn ls --text \"bed frame\" --since 2026-11-01\n"
                "  cairn ls --plan ultralearning --limit 20\n"
                "  cairn --json ls --user bob --skill sight-reading\n",
};

const struct cmd cmd_show_entry = {
        .name = "show",
        .fn = cmd_show,
        .flags = CMD_NEEDS_HOME,
        .usage = "show ID",
        .summary = "show one entry",
        .help = "ID is any unique prefix of 6 or more characters.\n"
                "\n"
                "EXAMPLES:\n"
                "  cairn show 5adabe0b\n"
                "  cairn show 5adabe0b --json\n",
};

#define LS_LIMIT_MAX 1000000000L
#define LS_STOP 1 /* a callback's "enough": not an error */

/* One line of the human list, formatted, before the widths are known. */
struct ls_row {
	char id[9];
	char user[HANDLE_MAX + 1];
	char date[11];
	char time[16]; /* "21:00", or "21:00 +09:00" from another zone */
	char dur[16];
	char activity[ENTRY_ACTIVITY_MAX + 1];
	char *text; /* owned */
	int priv, dirty;
};

struct ls_state {
	struct cli *c;
	json_t *arr; /* --json: the array being built */
	int failed;
	int with_user; /* others' entries are here: say whose */
	/* Filters on the entry's body (NULL: none). */
	const char *activity, *skill, *text;
	const char *item_label;   /* an item without a plan: exact */
	const struct ptree *item; /* the tree --item was found in */
	int item_idx;             /* and its index there */
	const struct ptree *plan; /* --plan */
	int64_t limit;            /* 0: none */
	/* What was listed. */
	struct ls_row *rows; /* owned */
	size_t n, cap;
	uint64_t minutes;
};

/* 1 if item index i of t is idx or under it. */
static int
ls_under(const struct ptree *t, int i, int idx)
{
	int depth = 0;

	while (i >= 0 && depth++ < 1000) {
		if (i == idx)
			return 1;
		i = t->items[i].parent;
	}
	return 0;
}

/* 1 if e passes the body filters of s. */
static int
ls_match(const struct ls_state *s, const Cairn__Entry *e)
{
	size_t i;
	int found, idx;

	if (s->activity != NULL && strcasecmp(e->activity, s->activity) != 0)
		return 0;
	if (s->skill != NULL) {
		for (i = 0, found = 0; i < e->n_skills && !found; i++)
			found = strcasecmp(e->skills[i], s->skill) == 0;
		if (!found)
			return 0;
	}
	if (s->text != NULL && !ptree_ci_contains(e->text, s->text))
		return 0;
	if (s->item_label != NULL && strcmp(e->item, s->item_label) != 0)
		return 0;
	if (s->item != NULL) {
		idx = e->item[0] != '\0' ? ptree_find(s->item, e->item) : -1;
		if (idx < 0 || !ls_under(s->item, idx, s->item_idx))
			return 0;
	}
	if (s->plan != NULL &&
	    (e->item[0] == '\0' || ptree_find(s->plan, e->item) < 0))
		return 0;
	return 1;
}

/* "21:00", with the offset when it is not this zone's at that instant. */
static void
ls_time(const Cairn__Entry *e, char *date, char *time, size_t tlen)
{
	char buf[64];

	rfc3339_format(e->started_at, e->utc_offset, buf, sizeof(buf));
	/* "YYYY-MM-DDTHH:MM:SS+hh:mm" (or Z). */
	snprintf(date, 11, "%.10s", buf);
	if (e->utc_offset == local_offset(e->started_at))
		snprintf(time, tlen, "%.5s", buf + 11);
	else
		snprintf(time, tlen, "%.5s %.6s", buf + 11,
		         buf[19] == 'Z' ? "+00:00" : buf + 19);
}

static int
ls_keep(struct ls_state *s, const struct rec *r, const Cairn__Entry *e)
{
	struct ls_row *row, *grown;
	size_t cap;

	if (s->n == s->cap) {
		cap = s->cap > 0 ? s->cap * 2 : 64;
		grown = realloc(s->rows, cap * sizeof(*grown));
		if (grown == NULL)
			return CAIRN_ENOMEM;
		s->rows = grown;
		s->cap = cap;
	}
	row = &s->rows[s->n];
	memset(row, 0, sizeof(*row));
	if ((row->text = strdup(e->text)) == NULL)
		return CAIRN_ENOMEM;
	s->n++;
	out_short_id(r->id, row->id);
	snprintf(row->user, sizeof(row->user), "%s",
	         r->owner[0] != '\0' ? r->owner : "-");
	ls_time(e, row->date, row->time, sizeof(row->time));
	duration_format(e->minutes, row->dur, sizeof(row->dur));
	snprintf(row->activity, sizeof(row->activity), "%s", e->activity);
	row->priv = r->priv;
	row->dirty = r->dirty;
	return CAIRN_OK;
}

static int
ls_one(void *arg, const struct rec *r)
{
	struct ls_state *s = arg;
	Cairn__Entry *e;
	json_t *o;
	int rc = 0;

	if ((e = entryrec_unpack(r)) == NULL)
		return 0; /* an unreadable entry matches no filter */
	if (!ls_match(s, e))
		goto out;
	if (s->arr != NULL) {
		if ((o = out_entry_json(r)) == NULL ||
		    json_array_append_new(s->arr, o) != 0) {
			s->failed = 1;
			rc = CAIRN_ENOMEM;
			goto out;
		}
	} else if ((rc = ls_keep(s, r, e)) != CAIRN_OK) {
		s->failed = 1;
		goto out;
	}
	s->minutes += e->minutes;
	if (s->limit > 0 && (int64_t)(s->arr != NULL ? json_array_size(s->arr)
	                                             : s->n) >= s->limit)
		rc = LS_STOP;
out:
	cairn__entry__free_unpacked(e, NULL);
	return rc;
}

/* The UTC instant the local day (days since 1970-01-01) starts. */
static int64_t
day_start(int64_t day)
{
	struct ymd d;
	struct tm tm;
	time_t t = (time_t)(day * 86400 + 43200);

	gmtime_r(&t, &tm);
	d.y = tm.tm_year + 1900;
	d.m = tm.tm_mon + 1;
	d.d = tm.tm_mday;
	return ymd_start(&d);
}

/* The UTC instant the local day after d starts. */
static int64_t
day_after(const struct ymd *d)
{
	struct tm tm;
	struct ymd next;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = d->y - 1900;
	tm.tm_mon = d->m - 1;
	tm.tm_mday = d->d + 1;
	tm.tm_hour = 12;
	timegm(&tm);
	next.y = tm.tm_year + 1900;
	next.m = tm.tm_mon + 1;
	next.d = tm.tm_mday;
	return ymd_start(&next);
}

static size_t
maxz(size_t a, size_t b)
{
	return a > b ? a : b;
}

/* Prints the rows in columns as wide as they need, and the total line. */
static void
ls_print(const struct ls_state *s, const char *window)
{
	size_t i, wu = 4, wt = 5, wd = 8, wa = 8;
	char total[32];
	const struct ls_row *row;

	for (i = 0; i < s->n; i++) {
		wu = maxz(wu, strlen(s->rows[i].user));
		wt = maxz(wt, strlen(s->rows[i].time));
		wd = maxz(wd, strlen(s->rows[i].dur));
		wa = maxz(wa, strlen(s->rows[i].activity));
	}
	if (s->n > 0) {
		printf("%-8s ", "ID");
		if (s->with_user)
			printf("%-*s ", (int)wu, "USER");
		printf("%-10s %-*s %*s %-*s TEXT\n", "DATE", (int)wt, "START",
		       (int)wd, "DURATION", (int)wa, "ACTIVITY");
	}
	for (i = 0; i < s->n && !pager_gone(); i++) {
		row = &s->rows[i];
		printf("%s%s%s ", out_color("id"), row->id, out_color("reset"));
		if (s->with_user)
			printf("%-*s ", (int)wu, row->user);
		printf("%s %-*s %*s %-*s %s%s%s%s%s\n", row->date, (int)wt,
		       row->time, (int)wd, row->dur, (int)wa, row->activity,
		       row->text, row->priv ? " [private]" : "",
		       row->dirty ? out_color("dim") : "",
		       row->dirty ? " *" : "",
		       row->dirty ? out_color("reset") : "");
	}
	duration_format(s->minutes > UINT32_MAX ? UINT32_MAX
	                                        : (uint32_t)s->minutes,
	                total, sizeof(total));
	if (s->n == 0)
		printf("no entries");
	else
		printf("%zu %s, %s", s->n, s->n == 1 ? "entry" : "entries",
		       total);
	if (window != NULL)
		printf(" (%s)", window);
	printf("\n");
}

int
cmd_ls(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
	        {"since", required_argument, NULL, 's'},
	        {"until", required_argument, NULL, 'u'},
	        {"limit", required_argument, NULL, 'l'},
	        {"user", required_argument, NULL, 'U'},
	        {"activity", required_argument, NULL, 'a'},
	        {"skill", required_argument, NULL, 'k'},
	        {"item", required_argument, NULL, 'i'},
	        {"plan", required_argument, NULL, 'p'},
	        {"week", required_argument, NULL, 'w'},
	        {"text", required_argument, NULL, 't'},
	        {"all", no_argument, NULL, 'A'},
	        {NULL, 0, NULL, 0},
	};
	struct store_filter f = {INT64_MIN, INT64_MAX, 0, NULL};
	struct ls_state s;
	struct errbuf err = {""};
	struct ptree *item_tree = NULL, *plan_tree = NULL;
	struct ymd d;
	const char *arg, *item = NULL, *plan = NULL, *week = NULL;
	const char *window = NULL;
	char item_id[UUID_LEN + 1], wname[64];
	char *end, why[TIMEFMT_WHY_MAX];
	int64_t now, today, monday, limit = 0;
	long n;
	int ch, rc, all = 0, narrowed = 0, paged = 0;
	size_t i;

	memset(&s, 0, sizeof(s));
	s.c = c;
	if ((rc = cli_now(&now, &today)) != CAIRN_OK)
		return rc;
	while ((ch = cli_getopt(c, argc, argv, opts, &arg)) != -1) {
		if (ch < 0)
			return ch;
		/* Every option but --user narrows what is listed. */
		narrowed |= ch != 'U';
		if ((ch == 's' || ch == 'u') &&
		    date_read(arg, (time_t)now, 0, &d, why, sizeof(why)) !=
		            CAIRN_OK)
			return cli_err(CAIRN_EINVAL, "bad %s '%s': %s",
			               ch == 's' ? "--since" : "--until", arg,
			               why);
		if (ch == 's')
			f.since = ymd_start(&d);
		else if (ch == 'u')
			f.until = day_after(&d);
		else if (ch == 'l') {
			errno = 0;
			n = strtol(arg, &end, 10);
			if (errno != 0 || *end != '\0' || end == arg || n < 1 ||
			    n > LS_LIMIT_MAX)
				return cli_err(
				        CAIRN_EINVAL,
				        "bad limit '%s': give a positive number",
				        arg);
			limit = n;
		} else if (ch == 'U') {
			if (!handle_valid(arg))
				return cli_err(CAIRN_EINVAL, "bad handle '%s'",
				               arg);
			f.owner = arg;
		} else if (ch == 'a' || ch == 'k' || ch == 't') {
			if (arg[0] == '\0')
				return cli_err(CAIRN_EINVAL,
				               "--%s needs a non-empty value",
				               ch == 'a'   ? "activity"
				               : ch == 'k' ? "skill"
				                           : "text");
			if (ch == 'a')
				s.activity = arg;
			else if (ch == 'k')
				s.skill = arg;
			else
				s.text = arg;
		} else if (ch == 'i') {
			item = arg;
		} else if (ch == 'p') {
			plan = arg;
		} else if (ch == 'w') {
			week = arg;
		} else if (ch == 'A') {
			all = 1;
		}
	}
	if (cli_optind() < argc)
		return cli_usage(c, "unexpected argument");
	if (f.since != INT64_MIN && f.until != INT64_MAX && f.since >= f.until)
		return cli_err(
		        CAIRN_EINVAL,
		        "--since is after --until: nothing could be listed");
	if (week != NULL) {
		if ((rc = week_arg(week, today, &monday, &err)) != CAIRN_OK)
			return cli_errbuf(rc, &err);
		if (day_start(monday) > f.since)
			f.since = day_start(monday);
		if (day_start(monday + 7) < f.until)
			f.until = day_start(monday + 7);
	}
	/* An item of another learner is looked up in their plan. */
	if (item != NULL && f.owner != NULL &&
	    strcmp(f.owner, c->handle) != 0) {
		if ((rc = plan_open_any(c, f.owner, &item_tree)) != CAIRN_OK)
			goto out;
		if (item_tree == NULL) {
			s.item_label = item;
		} else if ((rc = ptree_resolve(item_tree, item, &s.item_idx,
		                               &err)) != CAIRN_OK) {
			rc = cli_errbuf(rc, &err);
			goto out;
		}
	} else if (item != NULL) {
		if ((rc = plan_resolve_item(c, item, item_id, NULL)) !=
		            CAIRN_OK ||
		    (rc = plan_open_any(c, NULL, &item_tree)) != CAIRN_OK)
			goto out;
		s.item_idx =
		        item_tree != NULL ? ptree_find(item_tree, item_id) : -1;
		if (s.item_idx < 0) {
			/* No plan here: the item is a label, kept as written.
			 */
			ptree_free(item_tree);
			item_tree = NULL;
			s.item_label = item;
		}
	}
	s.item = item_tree;
	if (plan != NULL) {
		if ((rc = plan_open(c, plan, f.owner, &plan_tree)) != CAIRN_OK)
			goto out;
		s.plan = plan_tree;
	}
	/* On a terminal, a whole history is more than anyone reads. */
	if (!c->json && !all && !narrowed && isatty(STDOUT_FILENO)) {
		f.since = day_start(today - 7 * LS_WINDOW_WEEKS + 1);
		snprintf(wname, sizeof(wname),
		         "last %d weeks; --since DATE or --all for earlier",
		         LS_WINDOW_WEEKS);
		window = wname;
	}
	s.limit = limit;
	/* Without body filters the store can stop at the limit itself. */
	if (s.activity == NULL && s.skill == NULL && s.text == NULL &&
	    item == NULL && plan == NULL)
		f.limit = limit;
	if (c->json && (s.arr = json_array()) == NULL) {
		rc = CAIRN_ENOMEM;
		goto out;
	}
	if (f.owner == NULL &&
	    (rc = store_has_others(c->st, c->handle, &s.with_user)) != 0) {
		rc = cli_err(rc, "cannot read the store: %s",
		             store_errmsg(c->st));
		goto out;
	}
	rc = store_list(c->st, &f, ls_one, &s);
	if (rc == LS_STOP)
		rc = CAIRN_OK;
	if (rc != CAIRN_OK) {
		if (s.failed)
			rc = cli_err(rc, "cannot build the list");
		else
			rc = cli_err(rc, "cannot read the store: %s",
			             store_errmsg(c->st));
		goto out;
	}
	if (s.arr != NULL) {
		rc = out_json(s.arr);
		s.arr = NULL;
		goto out;
	}
	out_color("id"); /* colours are decided by the terminal, not the pipe */
	paged = pager_start();
	ls_print(&s, window);
out:
	if (paged)
		pager_end();
	json_decref(s.arr);
	for (i = 0; i < s.n; i++)
		free(s.rows[i].text);
	free(s.rows);
	ptree_free(item_tree);
	ptree_free(plan_tree);
	return rc;
}

/*
 * The title of the plan item an entry names, in out ("" when the item is
 * not in this home, or unreadable).
 */
static void
item_title(struct cli *c, const struct rec *r, char *out, size_t len)
{
	Cairn__Entry *e = entryrec_unpack(r);
	Cairn__PlanItem *m = NULL;
	struct rec ir;

	memset(&ir, 0, sizeof(ir));
	out[0] = '\0';
	if (e == NULL || e->item[0] == '\0' ||
	    store_get_kind(c->st, CAIRN__KIND__KIND_PLAN_ITEM, e->item, &ir) !=
	            CAIRN_OK)
		goto out;
	m = cairn__plan_item__unpack(NULL, ir.body_len,
	                             ir.body != NULL ? ir.body
	                                             : (const uint8_t *)"");
	if (m != NULL)
		snprintf(out, len, "%s", m->title);
out:
	if (m != NULL)
		cairn__plan_item__free_unpacked(m, NULL);
	if (e != NULL)
		cairn__entry__free_unpacked(e, NULL);
	rec_release(&ir);
}

int
cmd_show(struct cli *c, int argc, char **argv)
{
	char title[PLAN_TITLE_MAX + 1];
	json_t *doc = NULL, *comments = NULL;
	struct rec r;
	int rc;

	memset(&r, 0, sizeof(r));
	if (argc != 2)
		return cli_usage(c, "expected one ID");
	if ((rc = cmd_find_entry(c, argv[1], &r)) != CAIRN_OK)
		goto out;
	if (c->json) {
		if ((doc = out_entry_json(&r)) == NULL ||
		    (comments = json_array()) == NULL) {
			rc = cli_err(CAIRN_ENOMEM, "cannot build the entry");
			goto out;
		}
		if ((rc = comments_show(c, r.id, NULL, comments)) != CAIRN_OK)
			goto out;
		json_object_set_new(doc, "comments", comments);
		comments = NULL;
		rc = out_json(doc);
		doc = NULL;
		goto out;
	}
	item_title(c, &r, title, sizeof(title));
	out_entry_long(stdout, &r, title[0] != '\0' ? title : NULL);
	rc = comments_show(c, r.id, NULL, NULL);
out:
	json_decref(doc);
	json_decref(comments);
	rec_release(&r);
	return rc;
}
