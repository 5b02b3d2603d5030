/*
 * The plan importer, part three: from units (plan-parse.c, plan-lines.c) to
 * the items of a plan, their tree and kinds, and the plan-level facts. The
 * rules:
 *
 * Roles. The first H1 is the title (an item of its own, never a parent).
 * Other headings, and "- ### x" list items, are sections. A paragraph line
 * outside lists that leads with "Phase N", "Project N", "Month N", "Week N"
 * or "Day N" ("Month 1: Basic 3D Literacy", "**Month 3:**") is a plain
 * section. A short paragraph line ending in ':' ("**Build:**") is a label.
 * List items, table rows and all else (paragraph lines, code, HTML, stray
 * lines) are leaves.
 *
 * Tree. A heading nests under the nearest heading of a lower level, and a
 * week heading under a month heading of the same level. A plain section
 * nests under headings and under plain sections of a larger span (phase >
 * month > project > week > day). Labels and table rows nest under the
 * nearest section. A list item nests under the list item one level up, or
 * else under the nearest label or section. A leaf nests under the list
 * item holding it, or else under the nearest label or section.
 *
 * Kinds. A section leading with "Phase" is a phase, with "Project" a
 * project, with a week/month/day window (or a heading with a window
 * anywhere, "Job Search (Months 8-12)") a phase; other sections are notes.
 * Under a section whose title speaks of metrics, milestones or success,
 * window sections are notes and list items (and lines of labels) are
 * milestones. Elsewhere a checkbox is a task; a list item (or a line under
 * a label or plain section) is a task under "Build:", "Actions:",
 * "Exercises:"..., a skill under "Key Concepts", "Skills", "Procedures",
 * "Topics", "to master"; a list item right under a phase or project is a
 * task; a list item leading with a window that has children is a phase.
 * A line that sets a time limit is a task. A body row of a table with a
 * Duration or Effort column is a task (a course) titled by its first cell.
 * All else is a note.
 *
 * Milestones have many names. Besides items under a metrics section
 * (also a short "Goals", "Deliverables", "Targets", "Key results" or
 * "Exit criteria" title), an item is a milestone when it leads with a
 * milestone word and a colon ("Milestone: ...", "Checkpoint 2 (Week 8):
 * ...", "Success metric: ..."), with a deadline and words after it ("By
 * the end of Month 2, hold a conversation", "By Week 14: ...", "End of
 * Month 4 - ..."), or with a window and what the learner can do by then
 * ("Week 4: can ...", "Week 6 - able to ..."); such a plain line is not a
 * section. A heading or label that is only a deadline ("### By the end of
 * Month 1", "**At the end of month 4:**") heads a list of milestones due
 * then. A body row of a table with a Milestone, Checkpoint, Goal, Target
 * or Deliverable column is a milestone titled by that cell, due at the
 * end of its Week or Month column's window. A list item that is only a
 * link to a heading ("- [Phase 1](#phase-1)", a table of contents) is a
 * note without a window. A leading box on a heading, line or row ("## [x]
 * Week 1") is its done mark.
 *
 * Windows come from the item's own text (plan-grammar.c). A milestone is
 * due on the last day of its own window or of its nearest ancestor's
 * window: from_day == to_day == that day ("Month 3:" -> day 83).
 *
 * Plan facts. Goal: the first "Goal: ..." line, or the line after a "Goal"
 * heading. Hours per week: the first "N[-M] hours/week" outside tables.
 * Schedule: body rows of a table with Day and Hours columns, and lines
 * such as "Mon: 2h drills". Allocations: short lines with a percentage and
 * an activity word ("Projects: 50-70%"). Start: a "Start: YYYY-MM-DD" line.
 */
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "plan-grammar.h"
#include "plan-int.h"

#define PT_LABEL_MAX_WORDS 10
#define PT_ALLOC_MAX_WORDS 12

enum pt_role {
	PT_TITLE = 1,
	PT_HEADING,
	PT_SECTION, /* a plain-line section */
	PT_LABEL,
	PT_KEYED, /* a "Key: text" line, which ends a label's scope */
	PT_LIST,
	PT_ROW,
	PT_LEAF,
};

struct pt {
	struct plan_doc *doc;
	struct plan *p;
	int *role, *rank, *lead, *stack, *win_end;
	unsigned *cls;
	char *metric, *has_child, *has_list;
	char *trailing; /* a leaf after its parent's list: a note */
	char *ms;       /* the unit says it is a milestone (pt_marks) */
	char *due_hdr;  /* "By the end of Month 2:", heading a list */
	char *toc;      /* a table-of-contents link ("- [x](#x)") */
	size_t sp;
};

static const char *
pt_title(const struct pt *t, size_t i)
{
	return t->doc->u[i].title != NULL ? t->doc->u[i].title : "";
}

static int
pt_is_label(const char *s)
{
	size_t n = strlen(s);

	while (n > 0 && s[n - 1] == ' ')
		n--;
	return n > 1 && s[n - 1] == ':' &&
	       pg_word_count(s, n) <= PT_LABEL_MAX_WORDS;
}

/* Returns 1 if s starts with a short key and a colon ("Note on SQL: x"). */
static int
pt_is_keyed(const char *s)
{
	const char *c = strchr(s, ':');

	return c != NULL && c > s && c[1] != '\0' &&
	       pg_word_count(s, (size_t)(c - s)) <= 5 &&
	       pg_word_count(c + 1, strlen(c + 1)) > 0;
}

static int
pt_section_rank(int lead)
{
	switch (lead) {
	case PG_LEAD_PHASE:
		return 70;
	case PG_LEAD_MONTH:
		return 71;
	case PG_LEAD_PROJECT:
		return 73;
	case PG_LEAD_WEEK:
		return 75;
	default:
		return 77;
	}
}

/*
 * 1 if line is a list item holding only a link to a heading of the same
 * document ("- [Phase 1](#phase-1)"): a table of contents, kept as notes.
 */
static int
pt_is_toc(const char *line)
{
	const char *s = line, *e;
	size_t d;

	if (s == NULL)
		return 0;
	s += strspn(s, " \t>");
	d = strspn(s, "0123456789");
	if (*s == '-' || *s == '*' || *s == '+')
		s++;
	else if (d > 0 && (s[d] == '.' || s[d] == ')'))
		s += d + 1;
	else
		return 0;
	s += strspn(s, " \t");
	if (*s != '[' || (e = strstr(s, "](#")) == NULL ||
	    (e = strchr(e + 3, ')')) == NULL)
		return 0;
	e++;
	return e[strspn(e, " \t")] == '\0';
}

/*
 * What a unit's own words say before roles and kinds are given: a
 * milestone ("Milestone: ...", "Week 4: can ...", "By the end of Month 2,
 * ..."), the head of a list of milestones ("By the end of Month 2:"), a
 * table-of-contents link.
 */
static void
pt_marks(struct pt *t)
{
	size_t i;

	for (i = 0; i < t->doc->n; i++) {
		const struct plan_unit *u = &t->doc->u[i];
		const char *s = pt_title(t, i);
		size_t n = strlen(s);
		int day, rest;

		if (u->type == PU_LI && pt_is_toc(t->doc->lines[i])) {
			t->toc[i] = 1;
			continue;
		}
		if (u->type == PU_ROW || u->type == PU_CODE ||
		    u->type == PU_HTML || u->type == PU_STRAY)
			continue;
		if (pg_milestone_key(s, n) || pg_checkpoint(s, n))
			t->ms[i] = 1;
		else if (pg_due(s, n, &day, &rest) && rest)
			t->ms[i] = 1;
		else if (pg_due(s, n, &day, &rest))
			t->due_hdr[i] = 1;
	}
}

static void
pt_roles(struct pt *t)
{
	size_t i;
	int have_title = 0;

	for (i = 0; i < t->doc->n; i++) {
		const struct plan_unit *u = &t->doc->u[i];
		const char *s = pt_title(t, i);

		t->lead[i] = pg_lead(s, strlen(s));
		if (u->type == PU_HEADING && u->level == 1 && !have_title) {
			t->role[i] = PT_TITLE;
			have_title = 1;
		} else if (u->type == PU_HEADING ||
		           (u->type == PU_LI && u->level > 0)) {
			t->role[i] = PT_HEADING;
		} else if (u->type == PU_PARA && u->in_li == 0 &&
		           t->lead[i] != PG_LEAD_NONE && !t->ms[i]) {
			/* "Week 4: can ..." is a milestone, not a section. */
			t->role[i] = PT_SECTION;
		} else if (u->type == PU_PARA && u->in_li == 0 &&
		           pt_is_label(s)) {
			t->role[i] = PT_LABEL;
		} else if (u->type == PU_PARA && u->in_li == 0 &&
		           pt_is_keyed(s)) {
			t->role[i] = PT_KEYED;
		} else if (u->type == PU_LI) {
			t->role[i] = PT_LIST;
		} else if (u->type == PU_ROW && u->in_li == 0) {
			t->role[i] = PT_ROW;
		} else {
			t->role[i] = PT_LEAF;
		}
	}
}

/* Returns 1 if the stack top stays above a unit of role r and rank k. */
static int
pt_keeps(const struct pt *t, int top, int r, int k)
{
	int tr = t->role[top], tk = t->rank[top];

	switch (r) {
	case PT_HEADING:
	case PT_TITLE:
		return tr == PT_HEADING && tk < k;
	case PT_SECTION:
		return tr == PT_HEADING || (tr == PT_SECTION && tk < k);
	case PT_LABEL:
	case PT_KEYED:
	case PT_ROW:
		return tr == PT_HEADING || tr == PT_SECTION;
	case PT_LIST:
		return tr == PT_HEADING || tr == PT_SECTION || tr == PT_LABEL ||
		       (tr == PT_LIST && tk < k);
	default:
		/* Past a label's list, a leaf ends the label's scope. */
		return tr == PT_HEADING || tr == PT_SECTION ||
		       (tr == PT_LABEL && (k > 0 || !t->has_list[top])) ||
		       (tr == PT_LIST && tk <= k);
	}
}

/* The rank of heading i: 2 * level, +1 for a week under a month. */
static int
pt_heading_rank(const struct pt *t, size_t i)
{
	int level = t->doc->u[i].level, k = 2 * level;
	size_t j;

	if (t->lead[i] != PG_LEAD_WEEK)
		return k;
	for (j = t->sp; j > 0; j--) {
		int h = t->stack[j - 1];

		if (t->role[h] != PT_HEADING || t->doc->u[h].level > level)
			continue;
		if (t->doc->u[h].level == level && t->lead[h] == PG_LEAD_WEEK)
			continue;
		if (t->doc->u[h].level == level && t->lead[h] == PG_LEAD_MONTH)
			return k + 1;
		break;
	}
	return k;
}

static void
pt_tree(struct pt *t)
{
	size_t i;

	for (i = 0; i < t->doc->n; i++) {
		const struct plan_unit *u = &t->doc->u[i];
		int r = t->role[i], parent;

		switch (r) {
		case PT_TITLE:
			t->rank[i] = 0;
			break;
		case PT_HEADING:
			t->rank[i] = pt_heading_rank(t, i);
			break;
		case PT_SECTION:
			t->rank[i] = pt_section_rank(t->lead[i]);
			break;
		case PT_LIST:
			t->rank[i] = u->list_depth;
			break;
		default:
			t->rank[i] = u->in_li;
			break;
		}
		while (t->sp > 0 &&
		       !pt_keeps(t, t->stack[t->sp - 1], r, t->rank[i]))
			t->sp--;
		parent = t->sp > 0 && r != PT_TITLE ? t->stack[t->sp - 1] : -1;
		t->p->items[i].parent = parent;
		if (parent >= 0)
			t->has_child[parent] = 1;
		if (parent >= 0 && r == PT_LEAF && t->has_list[parent])
			t->trailing[i] = 1;
		if (parent >= 0 && r == PT_LIST)
			t->has_list[parent] = 1;
		if (r != PT_TITLE)
			t->stack[t->sp++] = (int)i;
	}
}

static int
pt_section_kind(const struct pt *t, size_t i, int has_window)
{
	switch (t->lead[i]) {
	case PG_LEAD_PHASE:
		return PLAN_PHASE;
	case PG_LEAD_PROJECT:
		return PLAN_PROJECT;
	case PG_LEAD_MONTH:
	case PG_LEAD_WEEK:
	case PG_LEAD_DAY:
		return PLAN_PHASE;
	default:
		return t->role[i] == PT_HEADING && has_window ? PLAN_PHASE
		                                              : PLAN_NOTE;
	}
}

/* The kind of item i from its role, its context and its own text. */
static int
pt_kind(const struct pt *t, size_t i, int has_window)
{
	const struct plan_unit *u = &t->doc->u[i];
	const struct plan_item *it = &t->p->items[i];
	int parent = it->parent, pk = 0, pr = 0, k;
	unsigned pc = 0;
	int pm = 0;

	if (parent >= 0) {
		pc = t->cls[parent];
		pm = t->metric[parent];
		pk = t->p->items[parent].kind;
		pr = t->role[parent];
	}
	if (t->toc[i])
		return PLAN_NOTE;
	if (t->ms[i] && t->role[i] != PT_ROW)
		return PLAN_MILESTONE;
	switch (t->role[i]) {
	case PT_HEADING:
	case PT_SECTION:
		if (t->due_hdr[i])
			return PLAN_NOTE;
		k = pt_section_kind(t, i, has_window);
		return k == PLAN_PHASE && pm ? PLAN_NOTE : k;
	case PT_LIST:
		if (t->lead[i] == PG_LEAD_PROJECT)
			return PLAN_PROJECT;
		if (t->lead[i] != PG_LEAD_NONE && t->has_child[i] && !pm)
			return PLAN_PHASE;
		if (pm)
			return PLAN_MILESTONE;
		if (u->checkbox || (pc & PG_CLASS_TASK))
			return PLAN_TASK;
		if (pc & PG_CLASS_SKILL)
			return PLAN_SKILL;
		if ((pk == PLAN_PHASE || pk == PLAN_PROJECT) && pr != PT_LIST)
			return PLAN_TASK;
		return it->limit_minutes > 0 ? PLAN_TASK : PLAN_NOTE;
	case PT_LEAF:
		if (u->type != PU_PARA)
			return PLAN_NOTE;
		if ((pr == PT_LABEL || pr == PT_SECTION) && !t->trailing[i]) {
			if (pm)
				return PLAN_MILESTONE;
			if (pc & PG_CLASS_TASK)
				return PLAN_TASK;
			if (pc & PG_CLASS_SKILL)
				return PLAN_SKILL;
			if (pr == PT_SECTION &&
			    (pk == PLAN_PHASE || pk == PLAN_PROJECT))
				return PLAN_TASK;
		}
		return it->limit_minutes > 0 ? PLAN_TASK : PLAN_NOTE;
	case PT_KEYED:
		return it->limit_minutes > 0 ? PLAN_TASK : PLAN_NOTE;
	case PT_ROW:
		if (u->header)
			return PLAN_NOTE;
		if (t->doc->tables[u->table].ms_col >= 0)
			return PLAN_MILESTONE;
		return t->doc->tables[u->table].course ? PLAN_TASK : PLAN_NOTE;
	default:
		return PLAN_NOTE;
	}
}

/* Copies n bytes of s, trimmed of blanks and of " :-|" at the ends. */
static char *
pt_dup_trim(const char *s, size_t n, const char *cut)
{
	char *d;

	while (n > 0 && strchr(cut, s[0]) != NULL) {
		s++;
		n--;
	}
	while (n > 0 && strchr(cut, s[n - 1]) != NULL)
		n--;
	d = malloc(n + 1);
	if (d == NULL)
		return NULL;
	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

/* Length of a box "[x] " leading s ("[ ] ", "[X] " too), else 0. */
static size_t
pt_box_len(const char *s, int *done)
{
	if (s[0] != '[' || strchr(" xX", s[1]) == NULL || s[1] == '\0' ||
	    s[2] != ']' || s[3] != ' ' || s[4] == '\0')
		return 0;
	*done = s[1] != ' ';
	return 4;
}

static const struct plan_cell *
pt_cell(const struct pt *t, size_t i, int col)
{
	const struct plan_unit *u = &t->doc->u[i];

	if (col < 0 || col >= u->ncells)
		return NULL;
	return &t->doc->cells[u->cell0 + col];
}

/* The window of a row under a Week or Month column ("| 3-4 | ..."). */
static int
pt_row_window(const struct pt *t, size_t i, int *from, int *to)
{
	const struct pu_table *tb = &t->doc->tables[t->doc->u[i].table];
	const struct plan_cell *c = pt_cell(t, i, tb->win_col);
	const char *s;
	char buf[64];
	size_t k = 0, len;
	int n, done;

	/* Only in a table of milestones: elsewhere it may be a duration. */
	if (c == NULL || tb->win_unit == 0 || tb->ms_col < 0)
		return 0;
	/* Past a done mark export wrote there ("| [x] 3-4 |"). */
	s = pt_title(t, i) + c->off;
	len = c->len;
	if ((k = pt_box_len(s, &done)) > 0 && k <= len) {
		s += k;
		len -= k;
	}
	n = snprintf(buf, sizeof(buf), "%s %.*s",
	             tb->win_unit == 'w' ? "week" : "month",
	             (int)(len < 48 ? len : 48), s);
	return n > 0 && pg_window(buf, (size_t)n, from, to);
}

static int
pt_items(struct pt *t)
{
	size_t i;

	for (i = 0; i < t->doc->n; i++) {
		const struct plan_unit *u = &t->doc->u[i];
		struct plan_item *it = &t->p->items[i];
		const char *s = pt_title(t, i);
		const struct plan_cell *c0 = NULL;
		int from = 0, to = 0, own, parent = it->parent;
		unsigned own_cls = 0;

		own = !t->toc[i] && pg_window(s, strlen(s), &from, &to);
		if (!own && u->type == PU_ROW && !u->header)
			own = pt_row_window(t, i, &from, &to);
		it->limit_minutes = pg_limit(s, strlen(s));
		it->checkbox = u->checkbox;
		it->done = u->done;
		it->level = t->role[i] == PT_TITLE || t->role[i] == PT_HEADING
		                    ? u->level
		                    : 0;
		it->kind = (enum plan_kind)pt_kind(t, i, own);
		if (it->kind == PLAN_TASK && u->type == PU_ROW)
			c0 = pt_cell(t, i, 0);
		else if (it->kind == PLAN_MILESTONE && u->type == PU_ROW)
			c0 = pt_cell(t, i, t->doc->tables[u->table].ms_col);
		it->title = c0 != NULL ? pt_dup_trim(s + c0->off, c0->len, " ")
		                       : pt_dup_trim(s, strlen(s), " ");
		it->line = t->doc->lines[i];
		t->doc->lines[i] = NULL;
		if (it->title == NULL)
			return CAIRN_ENOMEM;
		/* A row's box sits in its first cell ("| [x] CS50 |"). */
		if (u->type == PU_ROW) {
			const struct plan_cell *f = pt_cell(t, i, 0);
			int done;
			size_t k = pt_box_len(it->title, &done);

			if (k > 0)
				memmove(it->title, it->title + k,
				        strlen(it->title + k) + 1);
			if (f != NULL && pt_box_len(s + f->off, &done) > 0) {
				it->checkbox = 1;
				it->done = done;
			}
		}
		t->win_end[i] = own           ? to
		                : parent >= 0 ? t->win_end[parent]
		                              : -1;
		if (it->kind == PLAN_MILESTONE && t->win_end[i] >= 0) {
			it->has_window = 1;
			it->from_day = it->to_day = t->win_end[i];
		} else if (own) {
			it->has_window = 1;
			it->from_day = from;
			it->to_day = to;
		}
		if ((it->kind == PLAN_NOTE || t->role[i] == PT_LIST) &&
		    !t->toc[i])
			own_cls = pg_class(s, strlen(s));
		if (t->due_hdr[i])
			own_cls |= PG_CLASS_METRIC;
		t->metric[i] = (char)((parent >= 0 && t->metric[parent]) ||
		                      (own_cls & PG_CLASS_METRIC));
		own_cls &= PG_CLASS_TASK | PG_CLASS_SKILL;
		t->cls[i] = own_cls       ? own_cls
		            : parent >= 0 ? t->cls[parent]
		                          : 0;
	}
	return CAIRN_OK;
}

static int
pt_add_sched(struct plan *p, const char *day, size_t dn, double hours,
             const char *act, size_t an)
{
	struct plan_sched *s;

	if (p->n_sched >= PLAN_MAX_SCHEDULE)
		return CAIRN_OK;
	s = &p->sched[p->n_sched];
	s->day = pt_dup_trim(day, dn, " :-,(");
	s->activity = pt_dup_trim(act, an, " :-,()|");
	s->hours = hours;
	if (s->day == NULL || s->activity == NULL) {
		free(s->day);
		free(s->activity);
		return CAIRN_ENOMEM;
	}
	p->n_sched++;
	return CAIRN_OK;
}

/* A schedule row from a table with Day and Hours columns. */
static int
pt_sched_row(struct pt *t, size_t i)
{
	const struct pu_table *tb = &t->doc->tables[t->doc->u[i].table];
	const struct plan_cell *d, *h, *a;
	const char *s = pt_title(t, i);
	double hours;

	if (tb->day_col < 0 || tb->hours_col < 0 || t->doc->u[i].header)
		return CAIRN_OK;
	d = pt_cell(t, i, tb->day_col);
	h = pt_cell(t, i, tb->hours_col);
	a = pt_cell(t, i, tb->act_col);
	if (d == NULL || h == NULL || !pg_hours(s + h->off, h->len, &hours))
		return CAIRN_OK;
	return pt_add_sched(t->p, s + d->off, d->len, hours,
	                    a != NULL ? s + a->off : "",
	                    a != NULL ? a->len : 0);
}

/* A schedule line such as "Mon: 2h drills". */
static int
pt_sched_line(struct pt *t, const char *s)
{
	size_t wl, end, n = strlen(s);
	double hours;

	if (pg_weekday(s, n, &wl) == 0 ||
	    !pg_duration_in(s + wl, n - wl, &hours, &end))
		return CAIRN_OK;
	return pt_add_sched(t->p, s, wl, hours, s + wl + end, n - wl - end);
}

static int
pt_alloc(struct plan *p, const char *s)
{
	const char *act;
	unsigned lo, hi;
	size_t i, n = strlen(s);

	if (p->n_alloc >= PLAN_MAX_ALLOC ||
	    pg_word_count(s, n) > PT_ALLOC_MAX_WORDS ||
	    !pg_percent(s, n, &lo, &hi) || (act = pg_activity(s, n)) == NULL)
		return CAIRN_OK;
	for (i = 0; i < p->n_alloc; i++)
		if (strcmp(p->alloc[i].activity, act) == 0)
			return CAIRN_OK;
	p->alloc[p->n_alloc].activity = strdup(act);
	if (p->alloc[p->n_alloc].activity == NULL)
		return CAIRN_ENOMEM;
	p->alloc[p->n_alloc].min_pct = lo;
	p->alloc[p->n_alloc].max_pct = hi;
	p->n_alloc++;
	return CAIRN_OK;
}

static int
pt_facts(struct pt *t)
{
	struct plan *p = t->p;
	size_t i, off, first_heading = t->doc->n;
	int r, rc = CAIRN_OK, have_hours = 0;

	for (i = 0; i < t->doc->n && rc == CAIRN_OK; i++) {
		const char *s = pt_title(t, i);
		size_t n = strlen(s);

		r = t->role[i];
		if (r == PT_TITLE && p->title == NULL)
			p->title = strdup(p->items[i].title);
		if (r == PT_HEADING && first_heading == t->doc->n)
			first_heading = i;
		if (p->goal == NULL && r != PT_ROW && pg_goal(s, n, &off))
			p->goal = pt_dup_trim(s + off, n - off, " ");
		else if (p->goal == NULL && r == PT_HEADING &&
		         pg_is_goal_heading(s, n) && i + 1 < t->doc->n &&
		         t->role[i + 1] != PT_HEADING)
			p->goal = strdup(pt_title(t, i + 1));
		if (p->start == NULL && r != PT_ROW) {
			char date[11];

			if (pg_start_date(s, n, date))
				p->start = strdup(date);
		}
		if (!have_hours && r != PT_ROW &&
		    pg_hours_week(s, n, &p->hours_min, &p->hours_max))
			have_hours = 1;
		if (r == PT_ROW)
			rc = pt_sched_row(t, i);
		else if (r == PT_LIST || r == PT_LEAF)
			rc = pt_sched_line(t, s);
		if (rc == CAIRN_OK && r != PT_HEADING && r != PT_TITLE)
			rc = pt_alloc(p, s);
	}
	if (rc != CAIRN_OK)
		return rc;
	if (p->title == NULL)
		p->title = strdup(first_heading < t->doc->n
		                          ? p->items[first_heading].title
		                  : t->doc->n > 0 ? p->items[0].title
		                                  : "");
	return p->title == NULL ? CAIRN_ENOMEM : CAIRN_OK;
}

/*
 * A heading or a line that starts with a box ("## [x] Week 1", "[x] Read
 * chapter 2", what export writes for a done item without one) is a
 * task-list item of sorts: the box is its done mark, not its title.
 */
static void
pt_boxes(struct plan_doc *doc)
{
	size_t i, k;
	int done;

	for (i = 0; i < doc->n; i++) {
		struct plan_unit *u = &doc->u[i];

		if ((u->type != PU_HEADING && u->type != PU_PARA) ||
		    u->title == NULL || (k = pt_box_len(u->title, &done)) == 0)
			continue;
		memmove(u->title, u->title + k, u->tlen - k + 1);
		u->tlen -= k;
		u->checkbox = 1;
		u->done = done;
	}
}

int
plan_tree_build(struct plan_doc *doc, struct plan *p)
{
	struct pt t;
	size_t n = doc->n ? doc->n : 1;
	int rc = CAIRN_ENOMEM;

	memset(&t, 0, sizeof(t));
	t.doc = doc;
	t.p = p;
	t.role = calloc(n, sizeof(int));
	t.rank = calloc(n, sizeof(int));
	t.lead = calloc(n, sizeof(int));
	t.stack = calloc(n, sizeof(int));
	t.win_end = calloc(n, sizeof(int));
	t.cls = calloc(n, sizeof(unsigned));
	t.metric = calloc(n, 1);
	t.has_child = calloc(n, 1);
	t.has_list = calloc(n, 1);
	t.trailing = calloc(n, 1);
	t.ms = calloc(n, 1);
	t.due_hdr = calloc(n, 1);
	t.toc = calloc(n, 1);
	p->items = calloc(n, sizeof(*p->items));
	p->sched = calloc(PLAN_MAX_SCHEDULE, sizeof(*p->sched));
	p->alloc = calloc(PLAN_MAX_ALLOC, sizeof(*p->alloc));
	if (t.role == NULL || t.rank == NULL || t.lead == NULL ||
	    t.stack == NULL || t.win_end == NULL || t.cls == NULL ||
	    t.metric == NULL || t.has_child == NULL || t.has_list == NULL ||
	    t.trailing == NULL || t.ms == NULL || t.due_hdr == NULL ||
	    t.toc == NULL || p->items == NULL || p->sched == NULL ||
	    p->alloc == NULL)
		goto out;
	p->n_items = doc->n;
	pt_boxes(doc);
	pt_marks(&t);
	pt_roles(&t);
	pt_tree(&t);
	if ((rc = pt_items(&t)) != CAIRN_OK)
		goto out;
	rc = pt_facts(&t);
out:
	free(t.role);
	free(t.rank);
	free(t.lead);
	free(t.stack);
	free(t.win_end);
	free(t.cls);
	free(t.metric);
	free(t.has_child);
	free(t.has_list);
	free(t.trailing);
	free(t.ms);
	free(t.due_hdr);
	free(t.toc);
	return rc;
}

void
plan_free(struct plan *p)
{
	size_t i;

	if (p == NULL)
		return;
	for (i = 0; p->items != NULL && i < p->n_items; i++) {
		free(p->items[i].title);
		free(p->items[i].line);
	}
	for (i = 0; i < p->n_sched; i++) {
		free(p->sched[i].day);
		free(p->sched[i].activity);
	}
	for (i = 0; i < p->n_alloc; i++)
		free(p->alloc[i].activity);
	free(p->items);
	free(p->sched);
	free(p->alloc);
	free(p->title);
	free(p->goal);
	free(p->start);
	free(p);
}

const char *
plan_kind_name(enum plan_kind kind)
{
	switch (kind) {
	case PLAN_PHASE:
		return "phase";
	case PLAN_PROJECT:
		return "project";
	case PLAN_TASK:
		return "task";
	case PLAN_MILESTONE:
		return "milestone";
	case PLAN_SKILL:
		return "skill";
	case PLAN_NOTE:
		return "note";
	default:
		return "note";
	}
}
