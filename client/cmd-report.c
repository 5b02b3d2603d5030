/*
 * cairn report: what a learner sends a mentor, from the progress model.
 * Hours per week against the plan's target, the heatmap, time per
 * activity against the plan's allocation, the plan's timeline (phases and
 * projects over the weeks, done marks, a line for today), drill attempts
 * against their time boxes, prediction calibration and the sessions.
 *
 * --format html is one self-contained file: inline SVG and CSS, a content
 * security policy that allows no script and no fetch, every text from the
 * store escaped (entry texts come from other people), legible in print and
 * in dark mode. --format md is the same report as Markdown.
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

const struct cmd cmd_report_entry = {
        .name = "report",
        .fn = cmd_report,
        .flags = CMD_NEEDS_HOME,
        .usage =
                "report [--weeks N] [--user HANDLE] [--format html|md] [--out FILE] [--private]",
        .summary = "a report to send a mentor",
        .help = "  --weeks N         weeks to cover (default 8)\n"
                "  --format FORMAT   html (default): one self-contained file,\n"
                "                    inline SVG and CSS, no script, nothing\n"
                "                    fetched, readable in print and dark mode;\n"
                "                    md: the same as Markdown\n"
                "  --out FILE        write there instead of standard output\n"
                "  --private         include your private entries (left out,\n"
                "                    since a report is made to be sent)\n"
                "Hours per week against the plan, the heatmap, time per activity\n"
                "against the plan's allocation, the plan's timeline, drills\n"
                "against their time boxes, prediction calibration, sessions.\n"
                "\n"
                "EXAMPLES:\n"
                "  cairn report --out week49.html\n"
                "  cairn report --format md --weeks 4\n"
                "  cairn report --user sam --out sam.html\n",
};

#define REPORT_WEEKS_DEFAULT 8
#define REPORT_WEEKS_MAX 104
#define REPORT_SESSIONS_MAX 200
#define REPORT_LABEL_MAX 50 /* characters of a timeline label */

struct report {
	struct cli *c;
	FILE *f;
	struct model m;
	struct ptree *t;
	int weeks;
	int64_t first_monday; /* of the first week shown */
	int html;
};

/* Writes s with &, <, >, " and ' escaped for HTML text and attributes. */
static void
html_text(FILE *f, const char *s)
{
	for (; *s != '\0'; s++) {
		switch (*s) {
		case '&':
			fputs("&amp;", f);
			break;
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		case '\'':
			fputs("&#39;", f);
			break;
		default:
			fputc(*s, f);
		}
	}
}

/* html_text of at most max characters of s (UTF-8 kept whole), "..." */
static void
html_title(FILE *f, const char *s, size_t max)
{
	char buf[256];
	size_t n = 0, chars = 0;

	while (s[n] != '\0' && n + 4 < sizeof(buf)) {
		if (((unsigned char)s[n] & 0xc0) != 0x80 && chars++ == max)
			break;
		buf[n] = s[n];
		n++;
	}
	buf[n] = '\0';
	html_text(f, buf);
	if (s[n] != '\0')
		fputs("...", f);
}

/* Writes s for a Markdown table cell: | and newlines made harmless. */
static void
md_text(FILE *f, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '|')
			fputs("\\|", f);
		else if (*s == '\n' || *s == '\r')
			fputc(' ', f);
		else if (*s == '<')
			fputs("&lt;", f);
		else
			fputc(*s, f);
	}
}

/* Minutes of week w (0-based from the first shown) and its target. */
static void
report_week(const struct report *r, int w, uint64_t *minutes, double *target)
{
	int d;

	*minutes = 0;
	*target = 0;
	for (d = 0; d < 7; d++) {
		const struct model_day *day = &r->m.days[w * 7 + d];

		*minutes += day->minutes;
		*target += day->target_h * 60;
	}
}

static const char report_css[] =
        ":root{--fg:#1d2330;--bg:#fff;--muted:#667;--grid:#d8dce4;"
        "--bar:#2f6fd6;--target:#d33;--l0:#eceef2;--l1:#c6e48b;"
        "--l2:#7bc96f;--l3:#239a3b;--l4:#196127;--done:#239a3b}"
        "@media (prefers-color-scheme:dark){:root{--fg:#e6e9ef;"
        "--bg:#15181e;--muted:#9aa3b2;--grid:#343a46;--bar:#5b9bff;"
        "--target:#ff6b6b;--l0:#242a33;--l1:#0e4429;--l2:#006d32;"
        "--l3:#26a641;--l4:#39d353}}"
        "body{font:15px/1.45 system-ui,sans-serif;color:var(--fg);"
        "background:var(--bg);max-width:60em;margin:2em auto;padding:0 1em}"
        "h1{font-size:1.5em}h2{font-size:1.15em;margin-top:2em}"
        "table{border-collapse:collapse}td,th{padding:.2em .6em;"
        "border-bottom:1px solid var(--grid);text-align:left}"
        "svg text{fill:var(--fg);font-size:11px}"
        ".muted{color:var(--muted)}.axis{stroke:var(--grid)}"
        ".week-bar rect{fill:var(--bar)}.target{stroke:var(--target);"
        "stroke-width:2}.today{stroke:var(--target);stroke-dasharray:4 3}"
        ".l0{fill:var(--l0)}.l1{fill:var(--l1)}.l2{fill:var(--l2)}"
        ".l3{fill:var(--l3)}.l4{fill:var(--l4)}"
        ".phase{fill:var(--bar);opacity:.35}.project{fill:var(--bar)}"
        ".done{fill:var(--done)}.over{fill:var(--target)}"
        ".act-bar{fill:var(--bar)}.alloc{fill:var(--grid)}"
        ".calib{fill:var(--bar)}"
        "@media print{body{margin:0;max-width:none}section{break-inside:"
        "avoid}}";

static void
report_head(struct report *r)
{
	char from[WEEK_NAME_LEN + 1], to[WEEK_NAME_LEN + 1], today[11];
	const char *who = r->m.user[0] != '\0' ? r->m.user : "this home";

	week_of_day(r->first_monday, from, NULL);
	week_of_day(r->m.today, to, NULL);
	planrec_days_date(r->m.today, today);
	if (!r->html) {
		fprintf(r->f, "# Progress report: ");
		md_text(r->f, who);
		fprintf(r->f, ", %s to %s\n\n", from, to);
		if (r->m.has_plan) {
			fputs("Plan: ", r->f);
			md_text(r->f, r->m.plan);
			fputs("  \n", r->f);
		}
		fprintf(r->f,
		        "Made %s by cairn. Streak %d days (longest %d).\n",
		        today, r->m.streak, r->m.longest);
		return;
	}
	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta "
	      "charset=\"utf-8\">\n<meta http-equiv=\"Content-Security-"
	      "Policy\" content=\"default-src 'none'; style-src "
	      "'unsafe-inline'; img-src data:\">\n<meta name=\"viewport\" "
	      "content=\"width=device-width\">\n<title>Progress report: ",
	      r->f);
	html_text(r->f, who);
	fprintf(r->f,
	        "</title>\n<style>%s</style></head>\n<body>\n<h1>"
	        "Progress report: ",
	        report_css);
	html_text(r->f, who);
	fprintf(r->f, ", %s to %s</h1>\n<p class=\"muted\">", from, to);
	if (r->m.has_plan) {
		fputs("Plan: ", r->f);
		html_text(r->f, r->m.plan);
		fputs(". ", r->f);
	}
	fprintf(r->f, "Made %s by cairn. Streak %d days (longest %d).</p>\n",
	        today, r->m.streak, r->m.longest);
}

/* Hours per week against the target: bars, a target mark per week. */
static void
report_weeks(struct report *r)
{
	const int h = 160, bw = 28, gap = 10, left = 36;
	char name[WEEK_NAME_LEN + 1], dur[32];
	double target, most = 60, y;
	uint64_t min;
	int w;

	for (w = 0; w < r->weeks; w++) {
		report_week(r, w, &min, &target);
		most = min > most ? (double)min : most;
		most = target > most ? target : most;
	}
	if (!r->html) {
		fputs("\n## Hours per week\n\n| week | hours | target |\n"
		      "| --- | ---: | ---: |\n",
		      r->f);
		for (w = 0; w < r->weeks; w++) {
			report_week(r, w, &min, &target);
			week_of_day(r->first_monday + 7 * w, name, NULL);
			if (r->m.has_plan)
				fprintf(r->f, "| %s | %.1f | %.1f |\n", name,
				        min / 60.0, target / 60.0);
			else
				fprintf(r->f, "| %s | %.1f | - |\n", name,
				        min / 60.0);
		}
		return;
	}
	fprintf(r->f,
	        "<section id=\"weeks\"><h2>Hours per week</h2>\n<svg "
	        "width=\"%d\" height=\"%d\" role=\"img\" aria-label=\"hours "
	        "per week against the plan's target\">\n",
	        left + r->weeks * (bw + gap) + 10, h + 40);
	fprintf(r->f,
	        "<line class=\"axis\" x1=\"%d\" y1=\"%d\" x2=\"%d\" "
	        "y2=\"%d\"/><text x=\"0\" y=\"%d\">%.0fh</text><text x=\"0\" "
	        "y=\"%d\">0h</text>\n",
	        left, h + 5, left + r->weeks * (bw + gap), h + 5, 14,
	        most / 60.0, h + 5);
	for (w = 0; w < r->weeks; w++) {
		int x = left + w * (bw + gap);

		report_week(r, w, &min, &target);
		week_of_day(r->first_monday + 7 * w, name, NULL);
		duration_format((uint32_t)min, dur, sizeof(dur));
		y = h * (min / most);
		fprintf(r->f,
		        "<g class=\"week-bar\" data-week=\"%s\" "
		        "data-minutes=\"%llu\"><rect x=\"%d\" y=\"%.1f\" "
		        "width=\"%d\" height=\"%.1f\"><title>%s: %s</title>"
		        "</rect></g>\n",
		        name, (unsigned long long)min, x, h + 5 - y, bw, y,
		        name, dur);
		if (r->m.has_plan && target > 0)
			fprintf(r->f,
			        "<line class=\"target\" x1=\"%d\" y1=\"%.1f\" "
			        "x2=\"%d\" y2=\"%.1f\"/>\n",
			        x - 3, h + 5 - h * (target / most), x + bw + 3,
			        h + 5 - h * (target / most));
		fprintf(r->f, "<text x=\"%d\" y=\"%d\">W%s</text>\n", x, h + 22,
		        name + 6);
	}
	fputs("</svg>\n<p class=\"muted\">Bars: hours logged; red marks: "
	      "what the plan's schedule asks.</p></section>\n",
	      r->f);
}

static void
report_heatmap(struct report *r)
{
	static const char *const days[] = {"Mon", "Tue", "Wed", "Thu",
	                                   "Fri", "Sat", "Sun"};
	static const char plain[] = ".-+*#";
	const int cell = 13, left = 34;
	char date[11];
	int w, d, lv;

	if (!r->html) {
		fputs("\n## Heatmap\n\n```\n", r->f);
		for (d = 0; d < 7; d++) {
			fprintf(r->f, "%s ", days[d]);
			for (w = 0; w < r->weeks; w++) {
				const struct model_day *day =
				        &r->m.days[w * 7 + d];

				fputc(day->day > r->m.today
				              ? ' '
				              : plain[term_level(day->minutes)],
				      r->f);
				fputc(' ', r->f);
			}
			fputc('\n', r->f);
		}
		fputs("```\n\n`.` none, `-` under 30m, `+` under 1h, `*` under 2h, `#` 2h or more\n",
		      r->f);
		return;
	}
	fprintf(r->f,
	        "<section id=\"heatmap\"><h2>Days</h2>\n<svg width=\"%d\" "
	        "height=\"%d\" role=\"img\" aria-label=\"a cell per day, "
	        "shaded by time\">\n",
	        left + r->weeks * cell + 4, 7 * cell + 6);
	for (d = 0; d < 7; d += 2)
		fprintf(r->f, "<text x=\"0\" y=\"%d\">%s</text>\n",
		        d * cell + 10, days[d]);
	for (w = 0; w < r->weeks; w++) {
		for (d = 0; d < 7; d++) {
			const struct model_day *day = &r->m.days[w * 7 + d];

			if (day->day > r->m.today)
				continue;
			lv = term_level(day->minutes);
			planrec_days_date(day->day, date);
			fprintf(r->f,
			        "<rect class=\"day l%d\" data-date=\"%s\" "
			        "data-minutes=\"%u\" x=\"%d\" y=\"%d\" "
			        "width=\"%d\" height=\"%d\" "
			        "rx=\"2\"><title>%s: "
			        "%u min</title></rect>\n",
			        lv, date, day->minutes, left + w * cell,
			        d * cell, cell - 2, cell - 2, date,
			        day->minutes);
		}
	}
	fputs("</svg></section>\n", r->f);
}

/* The plan's allocation of activity a ("50-70%" into out, and the
 * bounds), or 0 when the plan gives it none. */
static int
report_alloc(const struct report *r, const char *a, char *out, size_t len,
             unsigned *lo, unsigned *hi)
{
	size_t i;

	out[0] = '\0';
	for (i = 0; r->t != NULL && i < r->t->plan->n_allocations; i++) {
		const Cairn__Allocation *al = r->t->plan->allocations[i];

		if (strcmp(al->activity, a) == 0) {
			snprintf(out, len, "%u-%u%%", al->min_pct, al->max_pct);
			*lo = al->min_pct;
			*hi = al->max_pct;
			return 1;
		}
	}
	return 0;
}

/*
 * Time per activity as horizontal bars of its share, with the plan's
 * allocation as a band behind each (0 to 100 %, axis labelled).
 */
static void
report_activity_chart(struct report *r)
{
	const int left = 90, w = 360, row = 22;
	char alloc[32];
	unsigned lo = 0, hi = 0;
	size_t i;
	double share;

	fprintf(r->f,
	        "<svg width=\"%d\" height=\"%d\" role=\"img\" "
	        "aria-label=\"time per activity against the plan's "
	        "allocation\">\n",
	        left + w + 50, (int)r->m.n_acts * row + 30);
	for (i = 0; i < r->m.n_acts; i++) {
		int y = (int)i * row;

		share = r->m.total > 0 ? (double)r->m.act_total[i] / r->m.total
		                       : 0;
		fprintf(r->f, "<text x=\"0\" y=\"%d\">", y + 14);
		html_text(r->f, r->m.acts[i]);
		fputs("</text>\n", r->f);
		if (report_alloc(r, r->m.acts[i], alloc, sizeof(alloc), &lo,
		                 &hi))
			fprintf(r->f,
			        "<rect class=\"alloc\" x=\"%.1f\" y=\"%d\" "
			        "width=\"%.1f\" height=\"%d\"><title>plan: "
			        "%s</title></rect>\n",
			        left + w * lo / 100.0, y + 1,
			        w * (hi - lo) / 100.0, row - 4, alloc);
		fprintf(r->f,
		        "<rect class=\"act-bar\" x=\"%d\" y=\"%d\" "
		        "width=\"%.1f\" height=\"%d\"/><text x=\"%.1f\" "
		        "y=\"%d\">%.0f%%</text>\n",
		        left, y + 6, w * share, row - 12, left + w * share + 4,
		        y + 14, share * 100);
	}
	fprintf(r->f,
	        "<line class=\"axis\" x1=\"%d\" y1=\"%d\" x2=\"%d\" "
	        "y2=\"%d\"/><text x=\"%d\" y=\"%d\">0%%</text><text "
	        "x=\"%d\" y=\"%d\">100%%</text></svg>\n<p class=\"muted\">"
	        "Bars: share of the time; bands: the plan's allocation.</p>\n",
	        left, (int)r->m.n_acts * row + 2, left + w,
	        (int)r->m.n_acts * row + 2, left, (int)r->m.n_acts * row + 16,
	        left + w - 20, (int)r->m.n_acts * row + 16);
}

static void
report_activities(struct report *r)
{
	char dur[32], alloc[32];
	unsigned lo, hi;
	size_t i;

	if (r->html) {
		fputs("<section id=\"activities\"><h2>Time per activity</h2>"
		      "\n",
		      r->f);
		report_activity_chart(r);
		fputs("<table><tr><th>activity</th><th>time</th><th>share"
		      "</th><th>plan</th></tr>\n",
		      r->f);
	} else
		fputs("\n## Time per activity\n\n| activity | time | share | plan |\n| --- | ---: | ---: | ---: |\n",
		      r->f);
	for (i = 0; i < r->m.n_acts; i++) {
		double share = r->m.total > 0
		                       ? 100.0 * r->m.act_total[i] / r->m.total
		                       : 0;

		duration_format((uint32_t)r->m.act_total[i], dur, sizeof(dur));
		report_alloc(r, r->m.acts[i], alloc, sizeof(alloc), &lo, &hi);
		if (r->html) {
			fputs("<tr><td>", r->f);
			html_text(r->f, r->m.acts[i]);
			fprintf(r->f,
			        "</td><td>%s</td><td>%.0f%%</td><td>%s</td>"
			        "</tr>\n",
			        dur, share, alloc);
		} else {
			fputs("| ", r->f);
			md_text(r->f, r->m.acts[i]);
			fprintf(r->f, " | %s | %.0f%% | %s |\n", dur, share,
			        alloc);
		}
	}
	if (r->html)
		fputs("</table></section>\n", r->f);
}

/* Phases and projects as bars over the weeks shown, and today. */
static void
report_timeline(struct report *r)
{
	const int left = 330, row = 18, wpx = 22;
	const struct ptree *t = r->t;
	int64_t span_from = r->first_monday, span_to;
	char from[11], to[11];
	size_t i;
	int n = 0, y;

	if (t == NULL)
		return;
	span_to = span_from + 7 * r->weeks - 1;
	if (!r->html) {
		fputs("\n## Plan timeline\n\n| item | from | to | done |\n"
		      "| --- | --- | --- | --- |\n",
		      r->f);
		for (i = 0; i < t->n; i++) {
			const Cairn__PlanItem *m = t->items[i].m;

			if ((m->kind != CAIRN__ITEM_KIND__ITEM_PHASE &&
			     m->kind != CAIRN__ITEM_KIND__ITEM_PROJECT) ||
			    !m->has_window)
				continue;
			ptree_window(t, i, from, to);
			fputs("| ", r->f);
			md_text(r->f, m->title);
			fprintf(r->f, " | %s | %s | %s |\n", from, to,
			        m->done ? "yes" : "");
		}
		return;
	}
	for (i = 0; i < t->n; i++)
		n += (t->items[i].m->kind == CAIRN__ITEM_KIND__ITEM_PHASE ||
		      t->items[i].m->kind == CAIRN__ITEM_KIND__ITEM_PROJECT) &&
		     t->items[i].m->has_window;
	fprintf(r->f,
	        "<section id=\"timeline\"><h2>Plan timeline</h2>\n<svg "
	        "width=\"%d\" height=\"%d\" role=\"img\" aria-label=\"the "
	        "plan's phases and projects over the weeks\">\n",
	        left + r->weeks * wpx + 10, n * row + 20);
	for (i = 0, y = 0; i < t->n; i++) {
		const Cairn__PlanItem *m = t->items[i].m;
		int64_t a, b;
		double x0, x1;

		if ((m->kind != CAIRN__ITEM_KIND__ITEM_PHASE &&
		     m->kind != CAIRN__ITEM_KIND__ITEM_PROJECT) ||
		    !m->has_window)
			continue;
		a = t->start + m->from_day;
		b = t->start + m->to_day;
		fprintf(r->f, "<text x=\"0\" y=\"%d\">%s", y * row + 13,
		        m->done ? "\u2713 " : "");
		html_title(r->f, m->title, REPORT_LABEL_MAX);
		fputs("</text>\n", r->f);
		if (b >= span_from && a <= span_to) {
			x0 = left + (double)((a < span_from ? span_from : a) -
			                     span_from) /
			                    7.0 * wpx;
			x1 = left + (double)((b > span_to ? span_to : b) -
			                     span_from + 1) /
			                    7.0 * wpx;
			fprintf(r->f,
			        "<rect class=\"%s%s\" x=\"%.1f\" y=\"%d\" "
			        "width=\"%.1f\" height=\"%d\"/>\n",
			        m->kind == CAIRN__ITEM_KIND__ITEM_PHASE
			                ? "phase"
			                : "project",
			        m->done ? " done" : "", x0, y * row + 3,
			        x1 - x0, row - 6);
		}
		y++;
	}
	fprintf(r->f,
	        "<line class=\"today\" x1=\"%.1f\" y1=\"0\" x2=\"%.1f\" "
	        "y2=\"%d\"/><text x=\"%.1f\" y=\"%d\">today</text>\n</svg>"
	        "</section>\n",
	        left + (double)(r->m.today - span_from) / 7.0 * wpx,
	        left + (double)(r->m.today - span_from) / 7.0 * wpx, n * row,
	        left + (double)(r->m.today - span_from) / 7.0 * wpx - 14,
	        n * row + 14);
}

/* Each attempt as a bar of its time, its time box as a mark. */
static void
report_drill_chart(struct report *r, int n)
{
	const int left = 10, w = 420, row = 16;
	double most = 1;
	size_t i;
	int k = 0;

	for (i = 0; i < r->m.n_ents; i++) {
		const struct model_entry *e = &r->m.ents[i];

		if (e->limit == 0)
			continue;
		most = e->minutes > most ? e->minutes : most;
		most = e->limit > most ? e->limit : most;
	}
	fprintf(r->f,
	        "<svg width=\"%d\" height=\"%d\" role=\"img\" "
	        "aria-label=\"drill attempts against their time boxes\">\n",
	        left + w + 60, n * row + 24);
	for (i = 0; i < r->m.n_ents; i++) {
		const struct model_entry *e = &r->m.ents[i];
		int y = k * row;

		if (e->limit == 0)
			continue;
		k++;
		fprintf(r->f,
		        "<rect class=\"drill %s\" x=\"%d\" y=\"%d\" "
		        "width=\"%.1f\" height=\"%d\"/><line class=\"target\" "
		        "x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\"/>\n",
		        e->beaten ? "done" : "over", left, y + 3,
		        w * e->minutes / most, row - 6,
		        left + w * e->limit / most, y,
		        left + w * e->limit / most, y + row);
	}
	fprintf(r->f,
	        "<text x=\"%d\" y=\"%d\">0</text><text x=\"%d\" "
	        "y=\"%d\">%.0f min</text></svg>\n<p class=\"muted\">Bars: "
	        "time taken (green: within the box); red marks: the time "
	        "box.</p>\n",
	        left, n * row + 16, left + w - 30, n * row + 16, most);
}

static void
report_drills(struct report *r)
{
	char date[11], dur[32], lim[32];
	size_t i;
	int n = 0;

	for (i = 0; i < r->m.n_ents; i++)
		n += r->m.ents[i].limit > 0;
	if (n == 0)
		return;
	if (r->html) {
		fputs("<section id=\"drills\"><h2>Drills against their time "
		      "boxes</h2>\n",
		      r->f);
		report_drill_chart(r, n);
		fputs("<table><tr><th>day</th><th>time</th><th>box</th><th>"
		      "</th><th>drill</th></tr>\n",
		      r->f);
	} else {
		fputs("\n## Drills against their time boxes\n\n| day | time | box | | drill |\n| --- | ---: | ---: | --- | --- |\n",
		      r->f);
	}
	for (i = 0; i < r->m.n_ents; i++) {
		const struct model_entry *e = &r->m.ents[i];

		if (e->limit == 0)
			continue;
		planrec_days_date(e->day, date);
		duration_format(e->minutes, dur, sizeof(dur));
		duration_format(e->limit, lim, sizeof(lim));
		if (r->html) {
			fprintf(r->f,
			        "<tr><td>%s</td><td>%s</td><td>%s</td><td>%s"
			        "</td><td>",
			        date, dur, lim, e->beaten ? "beaten" : "over");
			html_text(r->f, e->text);
			fputs("</td></tr>\n", r->f);
		} else {
			fprintf(r->f, "| %s | %s | %s | %s | ", date, dur, lim,
			        e->beaten ? "beaten" : "over");
			md_text(r->f, e->text);
			fputs(" |\n", r->f);
		}
	}
	if (n > 0 && r->html)
		fputs("</table></section>\n", r->f);
}

/*
 * Calibration: per confidence band, the share that came true as a dot,
 * against the diagonal where a well-calibrated learner's dots lie.
 */
static void
report_calib_chart(struct report *r, const struct model_calib *c)
{
	const int left = 40, size = 200, top = 10;
	int b;

	fprintf(r->f,
	        "<svg width=\"%d\" height=\"%d\" role=\"img\" "
	        "aria-label=\"share that came true per confidence band\">\n"
	        "<line class=\"axis\" x1=\"%d\" y1=\"%d\" x2=\"%d\" "
	        "y2=\"%d\"/><line class=\"axis\" x1=\"%d\" y1=\"%d\" "
	        "x2=\"%d\" y2=\"%d\"/><line class=\"today\" x1=\"%d\" "
	        "y1=\"%d\" x2=\"%d\" y2=\"%d\"/>\n<text x=\"0\" "
	        "y=\"%d\">100%%</text><text x=\"0\" y=\"%d\">0%%</text>"
	        "<text x=\"%d\" y=\"%d\">said 50%%</text><text x=\"%d\" "
	        "y=\"%d\">100%%</text>\n",
	        left + size + 20, size + top + 30, left, top + size,
	        left + size, top + size, left, top, left, top + size, left,
	        top + size, left + size, top, top + 8, top + size, left,
	        top + size + 16, left + size - 24, top + size + 16);
	for (b = 0; b < MODEL_BANDS; b++) {
		double said = (c->band[b].lo + c->band[b].hi) / 2.0;

		if (c->band[b].n == 0)
			continue;
		fprintf(r->f,
		        "<circle class=\"calib\" cx=\"%.1f\" cy=\"%.1f\" "
		        "r=\"%d\"><title>said %u-%u%%: %u, %.0f%% came "
		        "true</title></circle>\n",
		        left + size * (said - 50) / 50.0,
		        top + size * (1 - c->band[b].came_true),
		        3 + (int)(c->band[b].n > 6 ? 6 : c->band[b].n),
		        c->band[b].lo, c->band[b].hi, c->band[b].n,
		        c->band[b].came_true * 100);
	}
	fputs("</svg>\n", r->f);
}

static void
report_calib(struct report *r, const char *label, const struct model_calib *c)
{
	int b;

	if (r->html) {
		fputs("<h3>", r->f);
		html_text(r->f, label);
		fprintf(r->f, "</h3>\n<p>%u resolved", c->n);
		if (c->n > 0)
			fprintf(r->f, ", Brier score %.3f", c->brier);
		fputs("</p>\n", r->f);
		report_calib_chart(r, c);
		fputs("<table><tr><th>said</th><th>resolved</th>"
		      "<th>came true</th></tr>\n",
		      r->f);
	} else {
		fprintf(r->f, "\n%s: %u resolved", label, c->n);
		if (c->n > 0)
			fprintf(r->f, ", Brier score %.3f", c->brier);
		fputs("\n\n| said | resolved | came true |\n| --- | ---: | ---: |\n",
		      r->f);
	}
	for (b = 0; b < MODEL_BANDS; b++) {
		char share[16] = "-";

		if (c->band[b].n > 0)
			snprintf(share, sizeof(share), "%.0f%%",
			         c->band[b].came_true * 100.0);
		fprintf(r->f,
		        r->html ? "<tr><td>%u-%u%%</td><td>%u</td><td>%s</td>"
		                  "</tr>\n"
		                : "| %u-%u%% | %u | %s |\n",
		        c->band[b].lo, c->band[b].hi, c->band[b].n, share);
	}
	if (r->html)
		fputs("</table>\n", r->f);
}

static void
report_predictions(struct report *r)
{
	if (r->m.n_preds == 0)
		return;
	fputs(r->html ? "<section id=\"predictions\"><h2>Predictions</h2>\n"
	              : "\n## Predictions\n",
	      r->f);
	report_calib(r, "All weeks", &r->m.all);
	report_calib(r, "The last 8 weeks", &r->m.recent);
	if (r->html)
		fputs("</section>\n", r->f);
}

static void
report_sessions(struct report *r)
{
	char when[32], dur[32];
	size_t i, shown = 0;

	fputs(r->html ? "<section id=\"sessions\"><h2>Sessions</h2>\n<table>"
	                "<tr><th>when</th><th>time</th><th>activity</th>"
	                "<th>what</th></tr>\n"
	              : "\n## Sessions\n\n| when | time | activity | what |\n"
	                "| --- | ---: | --- | --- |\n",
	      r->f);
	for (i = r->m.n_ents; i-- > 0 && shown < REPORT_SESSIONS_MAX; shown++) {
		const struct model_entry *e = &r->m.ents[i];

		rfc3339_format(e->started_at, e->offset, when, sizeof(when));
		when[16] = '\0';
		when[10] = ' ';
		duration_format(e->minutes, dur, sizeof(dur));
		if (r->html) {
			fprintf(r->f, "<tr><td>%s</td><td>%s</td><td>", when,
			        dur);
			html_text(r->f, e->activity);
			fputs("</td><td>", r->f);
			html_text(r->f, e->text);
			fputs("</td></tr>\n", r->f);
		} else {
			fprintf(r->f, "| %s | %s | ", when, dur);
			md_text(r->f, e->activity);
			fputs(" | ", r->f);
			md_text(r->f, e->text);
			fputs(" |\n", r->f);
		}
	}
	if (r->html)
		fputs("</table></section>\n</body></html>\n", r->f);
}

int
cmd_report(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
	        {"weeks", required_argument, NULL, 'w'},
	        {"user", required_argument, NULL, 'u'},
	        {"format", required_argument, NULL, 'f'},
	        {"out", required_argument, NULL, 'o'},
	        {"private", no_argument, NULL, 'p'},
	        {NULL, 0, NULL, 0},
	};
	struct model_opts mo = {0, 1};
	const char *arg, *user = NULL, *out = NULL;
	char week[WEEK_NAME_LEN + 1], *end;
	struct report r;
	int64_t monday;
	int ch, rc;

	memset(&r, 0, sizeof(r));
	r.c = c;
	r.weeks = REPORT_WEEKS_DEFAULT;
	r.html = 1;
	while ((ch = cli_getopt(c, argc, argv, opts, &arg)) != -1) {
		if (ch < 0)
			return ch;
		if (ch == 'u') {
			user = arg;
		} else if (ch == 'p') {
			mo.shared_only = 0;
		} else if (ch == 'o') {
			out = arg;
		} else if (ch == 'f') {
			if (strcmp(arg, "html") != 0 && strcmp(arg, "md") != 0)
				return cli_err(
				        CAIRN_EUSAGE,
				        "--format is html or md, not '%s'",
				        arg);
			r.html = strcmp(arg, "html") == 0;
		} else {
			r.weeks = (int)strtol(arg, &end, 10);
			if (end == arg || *end != '\0' || r.weeks < 1 ||
			    r.weeks > REPORT_WEEKS_MAX)
				return cli_err(CAIRN_EINVAL,
				               "--weeks is 1 to %d, not '%s'",
				               REPORT_WEEKS_MAX, arg);
		}
	}
	if (cli_optind() < argc)
		return cli_usage(c, "unexpected argument");
	if ((rc = cli_now(NULL, &monday)) != CAIRN_OK)
		return rc;
	week_of_day(monday, week, &monday);
	r.first_monday = monday - 7 * (r.weeks - 1);
	if ((rc = view_open(c, user, r.first_monday, monday + 6, &mo, &r.m,
	                    &r.t)) != CAIRN_OK)
		return rc;
	r.f = stdout;
	if (out != NULL && (r.f = fopen(out, "w")) == NULL) {
		rc = cli_err(CAIRN_EIO, "cannot write %s", out);
		goto done;
	}
	report_head(&r);
	report_weeks(&r);
	report_heatmap(&r);
	report_activities(&r);
	report_timeline(&r);
	report_drills(&r);
	report_predictions(&r);
	report_sessions(&r);
	if (ferror(r.f) || (out != NULL && fclose(r.f) != 0)) {
		r.f = NULL;
		rc = cli_err(CAIRN_EIO, "cannot write %s",
		             out != NULL ? out : "standard output");
		goto done;
	}
	if (out != NULL) {
		r.f = NULL;
		if (c->json)
			rc = out_json(json_pack("{s:s, s:s}", "out", out,
			                        "format",
			                        r.html ? "html" : "md"));
		else
			fprintf(stderr, "report written to %s\n", out);
	}
done:
	if (r.f != NULL && r.f != stdout)
		fclose(r.f);
	model_release(&r.m);
	ptree_free(r.t);
	return rc;
}
