/*
 * plan show: a plan's tree with short item IDs, windows as dates, done
 * marks and the minutes logged under each item (an entry counts for its
 * item and every ancestor), and for time-boxed drills every attempt's
 * time, oldest first, so a learner sees whether they are getting faster.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cairn.h"
#include "err.h"
#include "timefmt.h"

#define SHOW_ATTEMPTS_MAX 20 /* attempts listed per item, the latest */

static json_t *
show_json(const struct ptree *t)
{
	const Cairn__Plan *p = t->plan;
	json_t *items, *o;
	char from[11], to[11];
	size_t i;
	int par;

	if ((items = json_array()) == NULL)
		return NULL;
	for (i = 0; i < t->n; i++) {
		ptree_window(t, i, from, to);
		par = t->items[i].parent;
		o = json_pack(
		        "{s:s, s:o, s:s, s:s, s:o, s:o, s:b, s:I}", "id",
		        t->items[i].id, "parent",
		        par >= 0 ? json_string(t->items[par].id) : json_null(),
		        "kind", ptree_kind(t, i), "title", t->items[i].m->title,
		        "from", out_str_or_null(from), "to",
		        out_str_or_null(to), "done", t->items[i].m->done,
		        "minutes", (json_int_t)t->items[i].minutes);
		if (o == NULL || json_array_append_new(items, o) != 0) {
			json_decref(items);
			return NULL;
		}
	}
	return json_pack("{s:s, s:s, s:s, s:o, s:o, s:o}", "id", t->id, "title",
	                 p->title, "start", p->start, "hours_per_week",
	                 plan_hours_json(p), "schedule", plan_schedule_json(p),
	                 "items", items);
}

/* The attempts at item i: entries naming it with a time box. */
static void
show_attempts(FILE *f, const struct ptree *t, size_t i, int indent)
{
	char d[32];
	size_t k, n = 0, shown = 0;

	for (k = 0; k < t->n_ents; k++)
		if (t->ents[k].item == (int)i && t->ents[k].limit > 0)
			n++;
	if (n == 0)
		return;
	fprintf(f, "%*s  attempts:", indent, "");
	if (n > SHOW_ATTEMPTS_MAX)
		fprintf(f, " (%zu earlier)", n - SHOW_ATTEMPTS_MAX);
	for (k = 0; k < t->n_ents; k++) {
		const struct ptree_entry *e = &t->ents[k];

		if (e->item != (int)i || e->limit == 0)
			continue;
		if (shown++ <
		    n - (n > SHOW_ATTEMPTS_MAX ? SHOW_ATTEMPTS_MAX : n))
			continue;
		duration_format(e->minutes, d, sizeof(d));
		fprintf(f, " %s%s", d, e->beaten ? " (beaten)" : " (over)");
	}
	fprintf(f, "\n");
}

static void
show_human(FILE *f, const struct ptree *t, int notes)
{
	const Cairn__Plan *p = t->plan;
	char sid[9], from[11], to[11], d[32];
	size_t i;
	int depth, note;

	fprintf(f, "%s (%s), starts %s", p->title, out_short_id(t->id, sid),
	        p->start);
	if (t->owner[0] != '\0')
		fprintf(f, ", by %s", t->owner);
	if (p->hours_max > 0 && p->hours_min != p->hours_max)
		fprintf(f, ", %g-%g h/week", p->hours_min, p->hours_max);
	else if (p->hours_max > 0)
		fprintf(f, ", %g h/week", p->hours_max);
	fprintf(f, "\n");
	for (i = 0; i < t->n; i++) {
		const Cairn__PlanItem *m = t->items[i].m;

		/*
		 * Notes are hidden without --notes, but for the headings
		 * and dated lines ("Month 3:") that hold other items: the
		 * tree would look as if their children belonged elsewhere.
		 */
		note = m->kind == CAIRN__ITEM_KIND__ITEM_NOTE;
		if (note && !notes && m->level == 0 && !m->has_window)
			continue;
		/* The title heading is already the first line. */
		if (note && !notes && i == 0 && strcmp(m->title, p->title) == 0)
			continue;
		depth = ptree_depth(t, i);
		ptree_window(t, i, from, to);
		fprintf(f, "%*s%s %s%s%s %-9s %s", depth * 2, "",
		        note      ? "  -"
		        : m->done ? "[x]"
		                  : "[ ]",
		        out_color("id"), out_short_id(t->items[i].id, sid),
		        out_color("reset"), ptree_kind(t, i), m->title);
		if (from[0] != '\0')
			fprintf(f, "  %s..%s", from, to);
		if (m->limit_minutes > 0) {
			duration_format(m->limit_minutes, d, sizeof(d));
			fprintf(f, "  limit %s", d);
		}
		if (t->items[i].minutes > 0) {
			duration_format(t->items[i].minutes > UINT32_MAX
			                        ? UINT32_MAX
			                        : (uint32_t)t->items[i].minutes,
			                d, sizeof(d));
			fprintf(f, "  %s%s logged%s", out_color("bold"), d,
			        out_color("reset"));
		}
		fprintf(f, "\n");
		show_attempts(f, t, i, depth * 2 + 4);
	}
}

int
plan_cmd_show(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
	        {"user", required_argument, NULL, 'U'},
	        {"notes", no_argument, NULL, 'n'},
	        {NULL, 0, NULL, 0},
	};
	const char *arg, *user = NULL;
	struct errbuf err = {""};
	struct ptree *t = NULL;
	int ch, rc, notes = 0;

	while ((ch = cli_getopt(c, argc, argv, opts, &arg)) != -1) {
		if (ch < 0)
			return ch;
		if (ch == 'n') {
			notes = 1;
			continue;
		}
		if (!handle_valid(arg))
			return cli_err(CAIRN_EINVAL, "bad handle '%s'", arg);
		user = arg;
	}
	if (argc - cli_optind() > 1)
		return cli_usage(c, "expected at most one PLAN");
	rc = plan_open(c, argc > cli_optind() ? argv[cli_optind()] : NULL, user,
	               &t);
	if (rc != CAIRN_OK)
		goto out;
	if ((rc = ptree_load_entries(c->st, t, &err)) != CAIRN_OK) {
		rc = cli_errbuf(rc, &err);
		if (cli_errmsg() == NULL)
			rc = cli_err(rc, "cannot read the entries: %s",
			             store_errmsg(c->st));
		goto out;
	}
	if (c->json)
		rc = out_json(show_json(t));
	else
		show_human(stdout, t, notes);
out:
	ptree_free(t);
	return rc;
}
