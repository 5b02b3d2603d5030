/*
 * The plan command and its own sub-table: import (a Markdown or text plan
 * into one Plan record and one PlanItem record per item), use, ls, show
 * (plan/plan-show.c), done, reopen, status (plan/plan-status.c) and
 * export. Every subcommand works offline; sync moves the records like
 * entries.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "cairn.h"
#include "err.h"
#include "hlc.h"
#include "plan-select.h"
#include "planrec.h"
#include "timefmt.h"

const struct cmd cmd_plan_entry = {
        .name = "plan",
        .fn = cmd_plan,
        .flags = CMD_NEEDS_HOME | CMD_WRITES,
        .usage =
                "plan import|use|ls|show|done|reopen|status|export|rm|rename [ARGS]",
        .summary = "import, follow and export a study plan",
        .help = "  plan import FILE [--replace PLAN] [--start YYYY-MM-DD] [--dry-run]\n"
                "      read a Markdown or text plan and print what was understood;\n"
                "      weeks and months become dates counted from --start (default:\n"
                "      a 'Start: YYYY-MM-DD' line in the plan, else the Monday of\n"
                "      this week). The plan imported last is active. It warns when\n"
                "      you already have a plan of that title.\n"
                "      --replace PLAN updates PLAN from the edited file instead: an\n"
                "      item whose title path (the titles of the sections above it\n"
                "      and its own) is unchanged keeps its ID, done mark and logged\n"
                "      minutes, and is rewritten only if its kind, window or text\n"
                "      changed; two items with the same path pair up in order. A\n"
                "      renamed or moved section is removed and added again, and so\n"
                "      is everything under it. A box ticked in the file counts;\n"
                "      untick with 'plan reopen'. It prints - removed, + added,\n"
                "      ~ changed and how many were kept; with --dry-run, only that.\n"
                "  plan use PLAN                  make PLAN the active plan (on every\n"
                "                                 machine of yours, after sync)\n"
                "  plan ls [--user HANDLE]        list plans (* marks the active one)\n"
                "  plan show [PLAN] [--user HANDLE] [--notes]\n"
                "      the tree: short item IDs, windows, done marks, minutes\n"
                "      logged under each item, attempts at time-boxed drills\n"
                "  plan done ITEM...              tick items\n"
                "  plan reopen ITEM...            untick items\n"
                "  plan status [--user HANDLE] [--today YYYY-MM-DD]\n"
                "      week of the plan, current phase, due and overdue items,\n"
                "      hours this week against the schedule, time per activity\n"
                "      against the allocation\n"
                "  plan export [PLAN] [--out FILE]  Markdown, every done item ticked\n"
                "  plan rm PLAN                   remove a plan and its items (the\n"
                "                                 entries logged stay; 'cairn undo'\n"
                "                                 brings the plan back)\n"
                "  plan rename PLAN TITLE         give a plan another title\n"
                "PLAN is an ID prefix or a title; ITEM is an ID prefix (6 or more\n"
                "characters) or a title in the active plan. An exact title wins,\n"
                "then the same ignoring case, then a unique piece of a title (so\n"
                "'Week 1' is not 'Week 10'). Days count from $CAIRN_NOW (YYYY-MM-DD)\n"
                "when it is set, else from today. --json shapes: plan ls\n"
                "[{id,title,start,active}]; plan show {id,title,start,\n"
                "hours_per_week: {min,max} or null, schedule: [{day,hours,\n"
                "activity}], items: [{id,parent,kind,title,from,to,done,minutes}]};\n"
                "plan import --replace {id,dry_run,title,start,added,removed,\n"
                "changed,kept}.\n"
                "EXAMPLES:\n"
                "  cairn plan import plan.md --start 2026-01-05\n"
                "  cairn plan export --out plan.md\n"
                "  cairn plan import plan.md --replace 'Learn Rust' --dry-run\n"
                "  cairn plan done 'Week 1'\n",
};

struct plan_sub {
	const char *name;
	int (*fn)(struct cli *c, int argc, char **argv);
	const char *usage;
};

/* Parses a --today value over plan_today's answer. */
static int
today_opt(const char *arg, int64_t *days)
{
	char why[TIMEFMT_WHY_MAX];
	int64_t today;
	int rc;

	if ((rc = plan_today(&today)) != CAIRN_OK)
		return rc;
	if (arg == NULL) {
		*days = today;
		return CAIRN_OK;
	}
	if (date_read_days(arg, today, 0, days, why, sizeof(why)) != CAIRN_OK)
		return cli_err(CAIRN_EINVAL, "bad --today '%s': %s", arg, why);
	return CAIRN_OK;
}

/* ---- import ---- */

/* Reads the whole file at path (at most PLAN_MAX_BYTES) into *out. */
static int
read_file(const char *path, char **out, size_t *len)
{
	FILE *f = NULL;
	char *buf = NULL;
	size_t n;
	int rc;

	if ((f = fopen(path, "rb")) == NULL) {
		rc = cli_err(CAIRN_ENOTFOUND, "cannot open %s: %s", path,
		             strerror(errno));
		goto out;
	}
	if ((buf = malloc(PLAN_MAX_BYTES + 1)) == NULL) {
		rc = CAIRN_ENOMEM;
		goto out;
	}
	n = fread(buf, 1, PLAN_MAX_BYTES + 1, f);
	if (ferror(f)) {
		rc = cli_err(CAIRN_EIO, "cannot read %s: %s", path,
		             strerror(errno));
		goto out;
	}
	if (n > PLAN_MAX_BYTES) {
		rc = cli_err(CAIRN_ETOOBIG, "%s is larger than %u bytes", path,
		             PLAN_MAX_BYTES);
		goto out;
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	buf = NULL;
	rc = CAIRN_OK;
out:
	free(buf);
	if (f != NULL)
		fclose(f);
	return rc;
}

json_t *
plan_hours_json(const Cairn__Plan *p)
{
	if (p->hours_max <= 0)
		return json_null();
	return json_pack("{s:f, s:f}", "min", (double)p->hours_min, "max",
	                 (double)p->hours_max);
}

json_t *
plan_schedule_json(const Cairn__Plan *p)
{
	json_t *a = json_array(), *o;
	size_t i;

	for (i = 0; a != NULL && i < p->n_schedule; i++) {
		o = json_pack("{s:s, s:f, s:s}", "day", p->schedule[i]->day,
		              "hours", (double)p->schedule[i]->hours,
		              "activity", p->schedule[i]->activity);
		if (o == NULL || json_array_append_new(a, o) != 0) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

static int
import_print(struct cli *c, const struct ptree *t, int dry_run)
{
	const Cairn__Plan *p = t->plan;
	size_t counts[7] = {0}, i, k;
	char from[11], to[11], sid[9];
	json_t *o, *cnt, *win, *w;

	for (i = 0; i < t->n; i++)
		counts[t->items[i].m->kind <= 6 ? t->items[i].m->kind : 0]++;
	if (c->json) {
		cnt = json_object();
		win = json_array();
		for (k = 1; cnt != NULL && k <= 6; k++)
			json_object_set_new(
			        cnt, plan_kind_name((enum plan_kind)k),
			        json_integer((json_int_t)counts[k]));
		for (i = 0; win != NULL && i < t->n; i++) {
			if (!t->items[i].m->has_window)
				continue;
			ptree_window(t, i, from, to);
			w = json_pack("{s:s, s:s, s:s, s:s}", "kind",
			              ptree_kind(t, i), "title",
			              t->items[i].m->title, "from", from, "to",
			              to);
			if (w == NULL || json_array_append_new(win, w) != 0) {
				json_decref(win);
				win = NULL;
			}
		}
		o = json_pack("{s:o, s:b, s:s, s:s, s:I, s:o, s:o, s:o, s:o}",
		              "id", dry_run ? json_null() : json_string(t->id),
		              "dry_run", dry_run, "title", p->title, "start",
		              p->start, "items", (json_int_t)t->n, "counts",
		              cnt, "hours_per_week", plan_hours_json(p),
		              "schedule", plan_schedule_json(p), "windows",
		              win);
		return out_json(o);
	}
	printf("plan \"%s\"%s%s%s, starting %s\n", p->title,
	       dry_run ? "" : " (", dry_run ? "" : out_short_id(t->id, sid),
	       dry_run ? "" : ")", p->start);
	printf("  %zu phases, %zu projects, %zu tasks, %zu milestones, %zu skills, %zu notes\n",
	       counts[1], counts[2], counts[3], counts[4], counts[5],
	       counts[6]);
	if (p->hours_max > 0 && p->hours_min != p->hours_max)
		printf("  hours per week: %g-%g\n", p->hours_min, p->hours_max);
	else if (p->hours_max > 0)
		printf("  hours per week: %g\n", p->hours_max);
	else
		printf("  hours per week: not given\n");
	for (i = 0; i < p->n_schedule; i++)
		printf("  %s %s %gh %s\n", i == 0 ? "schedule:" : "         ",
		       p->schedule[i]->day, p->schedule[i]->hours,
		       p->schedule[i]->activity);
	for (i = 0; i < p->n_allocations; i++)
		printf("  allocation: %s %u-%u%%\n",
		       p->allocations[i]->activity, p->allocations[i]->min_pct,
		       p->allocations[i]->max_pct);
	for (i = 0; i < t->n; i++) {
		if (!t->items[i].m->has_window)
			continue;
		ptree_window(t, i, from, to);
		printf("  %s .. %s  %-9s %s\n", from, to, ptree_kind(t, i),
		       t->items[i].m->title);
	}
	printf(dry_run ? "dry run: nothing stored\n"
	               : "stored; it is now the active plan\n");
	return CAIRN_OK;
}

/*
 * Stamps t as the active plan: an active_at above the clock and above
 * every other plan's, so it wins on every machine after sync.
 */
static int
plan_stamp_active(struct cli *c, struct ptree *t)
{
	struct plan_rows pr;
	uint64_t last = 0, v;
	size_t i;
	int rc;

	if ((rc = plan_rows_load(c, NULL, &pr)) != CAIRN_OK)
		goto out;
	if ((rc = store_meta_get_u64(c->st, "hlc", &last)) != CAIRN_OK)
		goto out;
	v = hlc_tick(last, hlc_wall_ms());
	for (i = 0; i < pr.n; i++)
		if (pr.rows[i].active_at >= v)
			v = pr.rows[i].active_at + 1;
	t->plan->active_at = v;
out:
	free(pr.rows);
	return rc;
}

/* Warns when a plan of this title is there already (the last one). */
static int
warn_same_title(struct cli *c, const struct ptree *t, const char *path)
{
	struct plan_rows pr;
	char sid[9];
	size_t i, hit = 0, n = 0;
	int rc;

	if ((rc = plan_rows_load(c, NULL, &pr)) != CAIRN_OK)
		goto out;
	for (i = 0; i < pr.n; i++) {
		if (strcmp(pr.rows[i].title, t->plan->title) == 0) {
			hit = i;
			n++;
		}
	}
	if (n > 0)
		fprintf(stderr,
		        "warning: you already have a plan '%s' (%s); to update it, use 'cairn plan import %s --replace %s'\n",
		        pr.rows[hit].title, out_short_id(pr.rows[hit].id, sid),
		        path, sid);
out:
	free(pr.rows);
	return rc;
}

/* The names of what changed in an item (PTREE_CH_* bits). */
static void
what_names(unsigned w, char *out, size_t len)
{
	static const struct {
		unsigned bit;
		const char *name;
	} names[] = {
	        {PTREE_CH_KIND, "kind"},
	        {PTREE_CH_WINDOW, "window"},
	        {PTREE_CH_TEXT, "text"},
	        {PTREE_CH_DONE, "ticked"},
	};
	size_t i, used = 0;

	out[0] = '\0';
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!(w & names[i].bit) || used >= len)
			continue;
		used += (size_t)snprintf(out + used, len - used, "%s%s",
		                         used > 0 ? ", " : "", names[i].name);
	}
}

static json_t *
diff_item_json(const struct ptree *t, size_t i, const char *what)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:b, s:I}", "id", t->items[i].id,
	                      "kind", ptree_kind(t, i), "title",
	                      t->items[i].m->title, "done", t->items[i].m->done,
	                      "minutes", (json_int_t)t->items[i].minutes);

	if (o != NULL && what != NULL)
		json_object_set_new(o, "changed", json_string(what));
	return o;
}

/* Prints the diff of a replace: - removed, + added, ~ changed, kept. */
static int
replace_print(struct cli *c, const struct ptree *old, const struct ptree *nt,
              const struct ptree_diff *d, const char *path, int dry_run)
{
	json_t *add = NULL, *rm = NULL, *chg = NULL, *o;
	char what[64], sid[9], mins[64];
	size_t i;

	if (c->json &&
	    ((add = json_array()) == NULL || (rm = json_array()) == NULL ||
	     (chg = json_array()) == NULL))
		goto nomem;
	if (!c->json)
		printf("plan \"%s\" (%s) from %s:\n", nt->plan->title,
		       out_short_id(nt->id, sid), path);
	for (i = 0; i < old->n; i++) {
		if (!d->gone[i])
			continue;
		if (c->json) {
			o = diff_item_json(old, i, NULL);
			if (o == NULL || json_array_append_new(rm, o) != 0)
				goto nomem;
			continue;
		}
		/* Say what goes with it: its done mark, its minutes. */
		mins[0] = '\0';
		if (old->items[i].minutes > 0)
			snprintf(mins, sizeof(mins), " (%s%" PRIu64 "m logged)",
			         old->items[i].m->done ? "done, " : "",
			         old->items[i].minutes);
		else if (old->items[i].m->done)
			snprintf(mins, sizeof(mins), " (done)");
		printf("- %-9s %s%s\n", ptree_kind(old, i),
		       old->items[i].m->title, mins);
	}
	for (i = 0; i < nt->n; i++) {
		unsigned w = d->what[i] & ~PTREE_CH_PLACE;

		if (d->old_of[i] >= 0 && w == 0)
			continue;
		what_names(w, what, sizeof(what));
		if (c->json) {
			o = diff_item_json(nt, i,
			                   d->old_of[i] >= 0 ? what : NULL);
			if (o == NULL ||
			    json_array_append_new(d->old_of[i] >= 0 ? chg : add,
			                          o) != 0)
				goto nomem;
			continue;
		}
		if (d->old_of[i] < 0)
			printf("+ %-9s %s\n", ptree_kind(nt, i),
			       nt->items[i].m->title);
		else
			printf("~ %-9s %s (%s)\n", ptree_kind(nt, i),
			       nt->items[i].m->title, what);
	}
	if (c->json)
		return out_json(json_pack(
		        "{s:s, s:b, s:s, s:s, s:o, s:o, s:o, s:I}", "id",
		        nt->id, "dry_run", dry_run, "title", nt->plan->title,
		        "start", nt->plan->start, "added", add, "removed", rm,
		        "changed", chg, "kept", (json_int_t)d->kept));
	printf("%zu added, %zu removed, %zu changed, %zu kept\n", d->added,
	       d->removed, d->changed, d->kept);
	printf(dry_run ? "dry run: nothing stored\n"
	               : "stored; it is now the active plan\n");
	return CAIRN_OK;
nomem:
	json_decref(add);
	json_decref(rm);
	json_decref(chg);
	return CAIRN_ENOMEM;
}

/*
 * The --replace half of import: p (parsed from path) becomes the next
 * version of the plan spec names.
 */
static int
import_replace(struct cli *c, const struct plan *p, const char *spec,
               const int64_t *start_opt, const char *path, int dry_run)
{
	struct errbuf err = {""};
	struct ptree *old = NULL, *nt = NULL;
	struct ptree_diff d;
	const char *base;
	int64_t start;
	int rc;

	memset(&d, 0, sizeof(d));
	if ((rc = plan_open(c, spec, NULL, &old)) != CAIRN_OK)
		goto out;
	if ((rc = ptree_load_entries(c->st, old, &err)) != CAIRN_OK) {
		rc = cli_errbuf(rc, &err);
		goto out;
	}
	/* --start, else the file's Start: line, else the plan's own. */
	start = old->start;
	if (start_opt != NULL)
		start = *start_opt;
	else if (p->start != NULL)
		(void)planrec_date_days(p->start, &start);
	base = strrchr(path, '/') != NULL ? strrchr(path, '/') + 1 : path;
	if ((rc = ptree_from_plan(p, start, base, &nt, &err)) != CAIRN_OK) {
		rc = cli_errbuf(rc, &err);
		goto out;
	}
	if ((rc = ptree_replace(old, nt, &d)) != CAIRN_OK)
		goto out;
	if (!dry_run) {
		if ((rc = plan_stamp_active(c, nt)) != CAIRN_OK ||
		    (rc = ptree_replace_store(c->st, old, nt, &d)) !=
		            CAIRN_OK) {
			rc = cli_err(rc, "cannot store the plan: %s",
			             store_errmsg(c->st));
			goto out;
		}
	}
	rc = replace_print(c, old, nt, &d, path, dry_run);
out:
	ptree_diff_release(&d);
	ptree_free(nt);
	ptree_free(old);
	return rc;
}

static int
plan_import(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
	        {"start", required_argument, NULL, 's'},
	        {"dry-run", no_argument, NULL, 'n'},
	        {"today", required_argument, NULL, 'T'},
	        {"replace", required_argument, NULL, 'r'},
	        {NULL, 0, NULL, 0},
	};
	const char *arg, *start_arg = NULL, *today_arg = NULL, *path, *base;
	const char *replace = NULL;
	struct errbuf err = {""};
	struct plan *p = NULL;
	struct ptree *t = NULL;
	char *text = NULL, why[TIMEFMT_WHY_MAX];
	size_t len = 0;
	int64_t start, today;
	int ch, rc, dry_run = 0;

	while ((ch = cli_getopt(c, argc, argv, opts, &arg)) != -1) {
		if (ch < 0)
			return ch;
		if (ch == 's')
			start_arg = arg;
		else if (ch == 'n')
			dry_run = 1;
		else if (ch == 'r')
			replace = arg;
		else
			today_arg = arg;
	}
	if (argc - cli_optind() != 1)
		return cli_usage(c, "expected one FILE");
	path = argv[cli_optind()];
	if (start_arg != NULL) {
		if ((rc = today_opt(today_arg, &today)) != CAIRN_OK)
			return rc;
		if (date_read_days(start_arg, today, 0, &start, why,
		                   sizeof(why)) != CAIRN_OK)
			return cli_err(CAIRN_EINVAL, "bad --start '%s': %s",
			               start_arg, why);
	}
	if (start_arg == NULL) {
		if ((rc = today_opt(today_arg, &today)) != CAIRN_OK)
			return rc;
		/* The Monday of this week (1970-01-01 was a Thursday). */
		start = today - ((today + 3) % 7 + 7) % 7;
	}
	if ((rc = read_file(path, &text, &len)) != CAIRN_OK)
		goto out;
	rc = plan_parse(text, len, &p);
	if (rc == CAIRN_ETOOBIG)
		rc = cli_err(rc, "%s is too large a plan (at most %d items)",
		             path, PLAN_MAX_ITEMS);
	else if (rc == CAIRN_EINVAL)
		rc = cli_err(rc, "%s is not UTF-8 text", path);
	if (rc != CAIRN_OK)
		goto out;
	if (replace != NULL) {
		rc = import_replace(c, p, replace,
		                    start_arg != NULL ? &start : NULL, path,
		                    dry_run);
		goto out;
	}
	/* A "Start: YYYY-MM-DD" line in the plan beats this week's Monday. */
	if (start_arg == NULL && p->start != NULL)
		(void)planrec_date_days(p->start, &start);
	base = strrchr(path, '/') != NULL ? strrchr(path, '/') + 1 : path;
	if ((rc = ptree_from_plan(p, start, base, &t, &err)) != CAIRN_OK) {
		rc = cli_errbuf(rc, &err);
		goto out;
	}
	if ((rc = warn_same_title(c, t, path)) != CAIRN_OK)
		goto out;
	if (!dry_run) {
		if ((rc = plan_stamp_active(c, t)) != CAIRN_OK ||
		    (rc = ptree_store(c->st, t)) != CAIRN_OK) {
			rc = cli_err(rc, "cannot store the plan: %s",
			             store_errmsg(c->st));
			goto out;
		}
	}
	rc = import_print(c, t, dry_run);
out:
	ptree_free(t);
	plan_free(p);
	free(text);
	return rc;
}

/* ---- use, ls ---- */

static int
plan_use(struct cli *c, int argc, char **argv)
{
	struct ptree *t = NULL;
	char sid[9];
	int rc;

	if (argc != 2)
		return cli_usage(c, "expected one PLAN");
	if ((rc = plan_open(c, argv[1], NULL, &t)) != CAIRN_OK)
		goto out;
	/* A new version of the plan record, so the choice syncs. */
	if ((rc = plan_stamp_active(c, t)) != CAIRN_OK ||
	    (rc = ptree_put_plan(c->st, t)) != CAIRN_OK) {
		rc = cli_err(rc, "cannot store the active plan: %s",
		             store_errmsg(c->st));
		goto out;
	}
	if (c->json)
		rc = out_json(json_pack("{s:s, s:s, s:b}", "id", t->id, "title",
		                        t->plan->title, "active", 1));
	else
		printf("active plan: %s (%s)\n", t->plan->title,
		       out_short_id(t->id, sid));
out:
	ptree_free(t);
	return rc;
}

static int
plan_ls(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
	        {"user", required_argument, NULL, 'U'},
	        {NULL, 0, NULL, 0},
	};
	struct plan_rows pr = {0};
	const char *arg, *user = NULL;
	char act[UUID_LEN + 1], sid[9];
	size_t i, pick = 0;
	json_t *a = NULL, *o;
	int ch, rc;

	while ((ch = cli_getopt(c, argc, argv, opts, &arg)) != -1) {
		if (ch < 0)
			return ch;
		if (!handle_valid(arg))
			return cli_err(CAIRN_EINVAL, "bad handle '%s'", arg);
		user = arg;
	}
	if (cli_optind() < argc)
		return cli_usage(c, "unexpected argument");
	if ((rc = plan_rows_load(c, user, &pr)) != CAIRN_OK)
		goto out;
	act[0] = '\0';
	if (pr.n > 0 && user == NULL &&
	    plan_pick(c, &pr, NULL, NULL, &pick) == CAIRN_OK)
		memcpy(act, pr.rows[pick].id, sizeof(act));
	if (c->json && (a = json_array()) == NULL) {
		rc = CAIRN_ENOMEM;
		goto out;
	}
	for (i = 0; i < pr.n; i++) {
		int on = strcmp(pr.rows[i].id, act) == 0;

		if (a == NULL) {
			printf("%s %s%s%s %s %s\n", on ? "*" : " ",
			       out_color("id"),
			       out_short_id(pr.rows[i].id, sid),
			       out_color("reset"), pr.rows[i].start,
			       pr.rows[i].title);
			continue;
		}
		o = json_pack("{s:s, s:s, s:s, s:b}", "id", pr.rows[i].id,
		              "title", pr.rows[i].title, "start",
		              pr.rows[i].start, "active", on);
		if (o == NULL || json_array_append_new(a, o) != 0) {
			rc = CAIRN_ENOMEM;
			goto out;
		}
	}
	if (a != NULL) {
		rc = out_json(a);
		a = NULL;
	} else if (pr.n == 0) {
		printf("no plans; import one with 'cairn plan import FILE'\n");
	}
out:
	json_decref(a);
	free(pr.rows);
	return rc;
}

/* ---- done, reopen ---- */

static int
plan_mark(struct cli *c, int argc, char **argv, int done)
{
	struct errbuf err = {""};
	struct ptree *t = NULL;
	int idx[64], rc, i, n;
	json_t *a = NULL, *o;
	char sid[9];

	if (argc < 2)
		return cli_usage(c, "expected ITEM...");
	if (argc - 1 > (int)(sizeof(idx) / sizeof(idx[0])))
		return cli_err(CAIRN_EUSAGE, "at most %zu items at a time",
		               sizeof(idx) / sizeof(idx[0]));
	n = argc - 1;
	if ((rc = plan_open(c, NULL, NULL, &t)) != CAIRN_OK)
		goto out;
	for (i = 0; i < n; i++) {
		rc = ptree_resolve(t, argv[i + 1], &idx[i], &err);
		if (rc != CAIRN_OK) {
			rc = cli_errbuf(rc, &err);
			goto out;
		}
	}
	if ((rc = store_begin(c->st)) != CAIRN_OK)
		goto fail;
	for (i = 0; i < n; i++) {
		if (t->items[idx[i]].m->done == (done != 0))
			continue;
		t->items[idx[i]].m->done = done != 0;
		if ((rc = ptree_put_item(c->st, t, (size_t)idx[i])) != CAIRN_OK)
			break;
	}
	if ((rc = store_end(c->st, rc)) != CAIRN_OK)
		goto fail;
	if (c->json && (a = json_array()) == NULL) {
		rc = CAIRN_ENOMEM;
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (a == NULL) {
			printf("%s %s %s\n", done ? "done" : "reopened",
			       out_short_id(t->items[idx[i]].id, sid),
			       t->items[idx[i]].m->title);
			continue;
		}
		o = json_pack("{s:s, s:s, s:b}", "id", t->items[idx[i]].id,
		              "title", t->items[idx[i]].m->title, "done", done);
		if (o == NULL || json_array_append_new(a, o) != 0) {
			rc = CAIRN_ENOMEM;
			goto out;
		}
	}
	if (a != NULL) {
		rc = out_json(
		        json_pack("{s:s, s:o}", "plan", t->id, "items", a));
		a = NULL;
	}
	goto out;
fail:
	rc = cli_err(rc, "cannot store the change: %s", store_errmsg(c->st));
out:
	json_decref(a);
	ptree_free(t);
	return rc;
}

static int
plan_done(struct cli *c, int argc, char **argv)
{
	return plan_mark(c, argc, argv, 1);
}

static int
plan_reopen(struct cli *c, int argc, char **argv)
{
	return plan_mark(c, argc, argv, 0);
}

/* ---- rm, rename ---- */

static int
plan_rm(struct cli *c, int argc, char **argv)
{
	struct ptree *t = NULL;
	char sid[9];
	int rc;

	if (argc != 2)
		return cli_usage(c, "expected one PLAN");
	if ((rc = plan_open(c, argv[1], NULL, &t)) != CAIRN_OK)
		goto out;
	/* One transaction, so 'cairn undo' brings it all back at once. */
	if ((rc = ptree_remove(c->st, t)) != CAIRN_OK) {
		rc = cli_err(rc, "cannot store the removal: %s",
		             store_errmsg(c->st));
		goto out;
	}
	if (c->json)
		rc = out_json(json_pack("{s:s, s:s, s:I, s:b}", "id", t->id,
		                        "title", t->plan->title, "items",
		                        (json_int_t)t->n, "removed", 1));
	else
		printf("removed plan \"%s\" (%s) and its %zu items; entries logged against them stay; 'cairn undo' brings the plan back\n",
		       t->plan->title, out_short_id(t->id, sid), t->n);
out:
	ptree_free(t);
	return rc;
}

static int
plan_rename(struct cli *c, int argc, char **argv)
{
	struct ptree *t = NULL;
	char why[256], sid[9], *was = NULL;
	int rc;

	if (argc != 3)
		return cli_usage(c, "expected PLAN and TITLE");
	if ((rc = plan_open(c, argv[1], NULL, &t)) != CAIRN_OK)
		goto out;
	if (strcmp(t->plan->title, argv[2]) == 0) {
		/* A change that changes nothing stores nothing. */
		if (c->json)
			rc = out_json(json_pack("{s:s, s:s, s:b}", "id", t->id,
			                        "title", argv[2], "changed",
			                        0));
		else
			printf("nothing changed: plan %s is already \"%s\"\n",
			       out_short_id(t->id, sid), argv[2]);
		goto out;
	}
	was = t->plan->title;
	t->plan->title = argv[2];
	if (planrec_validate_plan(t->plan, why, sizeof(why)) != CAIRN_OK) {
		/* The rule's own "title: " is the word this message has. */
		rc = cli_err(CAIRN_EINVAL, "bad title: %s",
		             strncmp(why, "title: ", 7) == 0 ? why + 7 : why);
		goto out;
	}
	if ((rc = ptree_put_plan(c->st, t)) != CAIRN_OK) {
		rc = cli_err(rc, "cannot store the plan: %s",
		             store_errmsg(c->st));
		goto out;
	}
	if (c->json)
		rc = out_json(json_pack("{s:s, s:s, s:s}", "id", t->id, "title",
		                        argv[2], "was", was));
	else
		printf("renamed plan %s: \"%s\" is now \"%s\"\n",
		       out_short_id(t->id, sid), was, argv[2]);
out:
	/* The unpacked message frees its own title, not argv's. */
	if (was != NULL)
		t->plan->title = was;
	ptree_free(t);
	return rc;
}

/* ---- status, export ---- */

static int
plan_status(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
	        {"user", required_argument, NULL, 'U'},
	        {"today", required_argument, NULL, 'T'},
	        {NULL, 0, NULL, 0},
	};
	const char *arg, *user = NULL, *today_arg = NULL;
	struct errbuf err = {""};
	struct ptree *t = NULL;
	struct pstatus s;
	struct model m;
	json_t *doc;
	int64_t today;
	size_t i;
	int ch, rc, due = 0;

	memset(&s, 0, sizeof(s));
	while ((ch = cli_getopt(c, argc, argv, opts, &arg)) != -1) {
		if (ch < 0)
			return ch;
		if (ch == 'U' && !handle_valid(arg))
			return cli_err(CAIRN_EINVAL, "bad handle '%s'", arg);
		if (ch == 'U')
			user = arg;
		else
			today_arg = arg;
	}
	if (cli_optind() < argc)
		return cli_usage(c, "unexpected argument");
	if ((rc = today_opt(today_arg, &today)) != CAIRN_OK)
		return rc;
	if ((rc = plan_open(c, NULL, user, &t)) != CAIRN_OK)
		goto out;
	if ((rc = ptree_load_entries(c->st, t, &err)) != CAIRN_OK) {
		rc = cli_errbuf(rc, &err);
		goto out;
	}
	if ((rc = pstatus_compute(t, today, &s)) != CAIRN_OK)
		goto out;
	/* Predictions still open after their week are due too. */
	if ((rc = model_build_predictions(c->st,
	                                  user != NULL ? user : c->handle,
	                                  today, &m)) != CAIRN_OK)
		goto out;
	for (i = 0; i < m.n_preds; i++)
		due += model_pred_due(&m, i);
	model_release(&m);
	if (c->json) {
		doc = pstatus_json(t, &s);
		if (doc != NULL)
			json_object_set_new(doc, "predictions_due",
			                    json_integer(due));
		rc = out_json(doc);
	} else {
		pstatus_print(stdout, t, &s);
		if (due > 0)
			printf("predictions due: %d, still open after their week ('cairn predict ls')\n",
			       due);
	}
out:
	if (rc != CAIRN_OK && cli_errmsg() == NULL)
		rc = cli_err(rc, "cannot read the plan: %s",
		             store_errmsg(c->st));
	pstatus_release(&s);
	ptree_free(t);
	return rc;
}

static int
plan_export_cmd(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
	        {"out", required_argument, NULL, 'o'},
	        {NULL, 0, NULL, 0},
	};
	const char *arg, *outp = NULL;
	struct ptree *t = NULL;
	struct plan *p = NULL;
	char *mem = NULL;
	size_t memlen = 0;
	FILE *f = NULL;
	int ch, rc;

	while ((ch = cli_getopt(c, argc, argv, opts, &arg)) != -1) {
		if (ch < 0)
			return ch;
		outp = arg;
	}
	if (argc - cli_optind() > 1)
		return cli_usage(c, "expected at most one PLAN");
	rc = plan_open(c, argc > cli_optind() ? argv[cli_optind()] : NULL, NULL,
	               &t);
	if (rc != CAIRN_OK || (rc = ptree_to_plan(t, &p)) != CAIRN_OK)
		goto out;
	if (outp != NULL)
		f = fopen(outp, "w");
	else if (c->json)
		f = open_memstream(&mem, &memlen);
	else
		f = stdout;
	if (f == NULL) {
		rc = cli_err(CAIRN_EIO, "cannot write %s: %s",
		             outp != NULL ? outp : "memory", strerror(errno));
		goto out;
	}
	rc = plan_export(p, f);
	if (f != stdout && fclose(f) != 0 && rc == CAIRN_OK)
		rc = CAIRN_EIO;
	f = NULL;
	if (rc != CAIRN_OK) {
		rc = cli_err(rc, "cannot write the plan to %s",
		             outp != NULL ? outp : "standard output");
		goto out;
	}
	if (c->json)
		rc = out_json(json_pack("{s:s, s:o, s:o}", "id", t->id, "out",
		                        out_str_or_null(outp), "markdown",
		                        mem != NULL ? json_stringn(mem, memlen)
		                                    : json_null()));
	else if (outp != NULL)
		printf("wrote %s\n", outp);
out:
	if (f != NULL && f != stdout)
		fclose(f);
	free(mem);
	plan_free(p);
	ptree_free(t);
	return rc;
}

static const struct plan_sub plan_subs[] = {
        {"import", plan_import,
         "plan import FILE [--replace PLAN] [--start YYYY-MM-DD] [--dry-run]"},
        {"use", plan_use, "plan use PLAN"},
        {"rm", plan_rm, "plan rm PLAN"},
        {"rename", plan_rename, "plan rename PLAN TITLE"},
        {"ls", plan_ls, "plan ls [--user HANDLE]"},
        {"show", plan_cmd_show, "plan show [PLAN] [--user HANDLE] [--notes]"},
        {"done", plan_done, "plan done ITEM..."},
        {"reopen", plan_reopen, "plan reopen ITEM..."},
        {"status", plan_status, "plan status [--user HANDLE]"},
        {"export", plan_export_cmd, "plan export [PLAN] [--out FILE]"},
};

int
cmd_plan(struct cli *c, int argc, char **argv)
{
	const struct cmd *top = c->cmd;
	struct cmd sub;
	size_t i;
	int rc;

	if (argc < 2)
		return cli_usage(c, "expected a subcommand");
	for (i = 0; i < sizeof(plan_subs) / sizeof(plan_subs[0]); i++) {
		if (strcmp(plan_subs[i].name, argv[1]) != 0)
			continue;
		/* Usage errors name the subcommand's usage line. */
		sub = *top;
		sub.usage = plan_subs[i].usage;
		c->cmd = &sub;
		rc = plan_subs[i].fn(c, argc - 1, argv + 1);
		c->cmd = top;
		return rc;
	}
	return cli_err(CAIRN_EUSAGE,
	               "unknown subcommand 'plan %s'; see 'cairn help plan'",
	               argv[1]);
}
