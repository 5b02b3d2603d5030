/*
 * The plan importer, part one: from text to units. md4c gives the block
 * structure; this file learns from its callbacks which source line belongs
 * to which block, so that every non-blank line ends up in exactly one unit.
 * plan-lines.c then gives the lines to the units and plan-items.c makes
 * items of them. The rules:
 *
 *  - A heading is a unit; a setext heading keeps its underline.
 *  - A list item is a unit together with its first block (its paragraph,
 *    or its heading in "- ### Arrays"); a task-list item keeps its box even
 *    with no text. Further blocks inside a list item are units of their own.
 *  - A paragraph outside list items is cut into one unit per line, so that
 *    plain-text plans ("Month 1: ...", "Week 1-2: ..." with no #) give one
 *    item per line. A line stays with the line before it when it would read
 *    differently alone (an indented line, "2. x", "<x", "[a]: b") or when
 *    an inline span (a link, emphasis) runs across the line break.
 *  - A table row is a unit, its cells kept for the schedule and courses.
 *  - A code block is a unit with its fences; an HTML block is a unit.
 *  - Any other non-blank line (a rule, an empty list item, a link
 *    definition, a table's delimiter row) is a stray unit of its own.
 *  - A unit's line is its source lines verbatim (blank lines inside a code
 *    block kept, line ends dropped); its title is its text with inline
 *    markup removed, whitespace collapsed, cut at PLAN_TITLE_MAX bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <md4c.h>

#include "err.h"
#include "utf8.h"
#include "plan-int.h"

int
plan_grow(void **arr, size_t *cap, size_t need, size_t size, size_t max)
{
	size_t ncap;
	void *p;

	if (need <= *cap)
		return CAIRN_OK;
	if (need > max)
		return CAIRN_ETOOBIG;
	ncap = *cap ? *cap * 2 : 64;
	if (ncap < need)
		ncap = need;
	if (ncap > max)
		ncap = max;
	p = realloc(*arr, ncap * size);
	if (p == NULL)
		return CAIRN_ENOMEM;
	*arr = p;
	*cap = ncap;
	return CAIRN_OK;
}

/* The line holding offset off (binary search over line starts). */
int
plan_line_of(const struct pp *pp, size_t off)
{
	size_t lo = 0, hi = pp->nlines;

	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (pp->lstart[mid] <= off)
			lo = mid;
		else
			hi = mid;
	}
	return (int)lo;
}

static int
pp_unit_new(struct pp *pp, enum pu_type type)
{
	struct plan_unit *u;
	int rc;

	rc = plan_grow((void **)&pp->out.u, &pp->cap_u, pp->out.n + 1,
	               sizeof(*u), PP_MAX_UNITS);
	if (rc != CAIRN_OK) {
		pp->rc = rc;
		return -1;
	}
	u = &pp->out.u[pp->out.n];
	memset(u, 0, sizeof(*u));
	u->type = type;
	u->first = u->last = -1;
	u->table = -1;
	u->in_li = pp->li_depth;
	return (int)pp->out.n++;
}

/*
 * Appends n bytes to u's title, collapsing whitespace and stopping at
 * PLAN_TITLE_MAX - 1 bytes on a UTF-8 boundary.
 */
int
plan_title_add(struct plan_unit *u, const char *s, size_t n)
{
	size_t i, cap;
	char *t;

	if (u->title == NULL) {
		u->title = malloc(PLAN_TITLE_MAX);
		if (u->title == NULL)
			return CAIRN_ENOMEM;
		u->tlen = 0;
	}
	t = u->title;
	cap = PLAN_TITLE_MAX - 1;
	for (i = 0; i < n && u->tlen < cap; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
		    c == '\0') {
			if (u->tlen > 0 && t[u->tlen - 1] != ' ')
				t[u->tlen++] = ' ';
			continue;
		}
		if (c >= 0xc0) {
			size_t k = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;

			if (u->tlen + k > cap)
				break;
		}
		t[u->tlen++] = (char)c;
	}
	t[u->tlen] = '\0';
	return CAIRN_OK;
}

/* Appends an entity ("&amp;", "&#8212;") decoded when it is a common one. */
static int
pp_entity(struct plan_unit *u, const char *s, size_t n)
{
	static const struct {
		const char *name, *text;
	} names[] = {{"&amp;", "&"},   {"&lt;", "<"},   {"&gt;", ">"},
	             {"&quot;", "\""}, {"&apos;", "'"}, {"&nbsp;", " "}};
	char buf[4];
	uint32_t cp = 0;
	size_t i, k;

	for (k = 0; k < sizeof(names) / sizeof(names[0]); k++)
		if (strlen(names[k].name) == n &&
		    memcmp(names[k].name, s, n) == 0)
			return plan_title_add(u, names[k].text,
			                      strlen(names[k].text));
	if (n < 4 || s[1] != '#')
		return plan_title_add(u, s, n);
	if (s[2] == 'x' || s[2] == 'X') {
		for (i = 3; i + 1 < n && cp <= 0x10ffff; i++) {
			char c = s[i];

			cp = cp * 16 + (uint32_t)(c <= '9'   ? c - '0'
			                          : c <= 'F' ? c - 'A' + 10
			                                     : c - 'a' + 10);
		}
	} else {
		for (i = 2; i + 1 < n && cp <= 0x10ffff; i++)
			cp = cp * 10 + (uint32_t)(s[i] - '0');
	}
	return plan_title_add(u, buf, utf8_encode(cp, buf));
}

/* Skips blanks and '>' quote markers of line ln; returns the offset. */
size_t
plan_skip_prefix(const struct pp *pp, int ln, int list_marker)
{
	size_t i = pp->lstart[ln], e = pp->lend[ln];
	const char *d = pp->doc;

	while (i < e && (d[i] == ' ' || d[i] == '\t' || d[i] == '>'))
		i++;
	if (list_marker && i < e && strchr("-+*", d[i]) != NULL &&
	    (i + 1 == e || d[i + 1] == ' ' || d[i + 1] == '\t')) {
		i++;
	} else if (list_marker) {
		size_t j = i;

		while (j < e && d[j] >= '0' && d[j] <= '9')
			j++;
		if (j > i && j < e && (d[j] == '.' || d[j] == ')'))
			i = j + 1;
	}
	while (i < e && (d[i] == ' ' || d[i] == '\t'))
		i++;
	return i;
}

/*
 * Returns 1 if line ln, a continuation line of a paragraph, would read
 * differently as a paragraph of its own, so it must stay with the line
 * before it.
 */
static int
pp_must_continue(const struct pp *pp, int ln)
{
	size_t s = pp->lstart[ln], e = pp->lend[ln], i, col = 0;
	const char *d = pp->doc;

	for (i = s; i < e && (d[i] == ' ' || d[i] == '\t'); i++)
		col = d[i] == '\t' ? (col + 4) / 4 * 4 : col + 1;
	if (col >= 4)
		return 1;
	i = plan_skip_prefix(pp, ln, 0);
	if (i < e && (d[i] == '<' || d[i] == '|'))
		return 1;
	if (i < e && d[i] == '[' && memchr(d + i, ']', e - i) != NULL) {
		const char *b = memchr(d + i, ']', e - i);

		if (b + 1 < d + e && b[1] == ':')
			return 1;
	}
	if (i < e && strchr("-+*", d[i]) != NULL) {
		size_t j = i + 1;

		while (j < e && (d[j] == ' ' || d[j] == '\t'))
			j++;
		return j == e;
	}
	s = i;
	while (i < e && d[i] >= '0' && d[i] <= '9')
		i++;
	return i > s && i - s <= 9 && i < e && (d[i] == '.' || d[i] == ')') &&
	       (i + 1 == e || d[i + 1] == ' ' || d[i + 1] == '\t');
}

static void
pp_mark_line(struct pp *pp, struct plan_unit *u, const char *text, size_t size)
{
	uintptr_t t = (uintptr_t)text, b = (uintptr_t)pp->doc;
	size_t off;
	int a, z;

	if (size == 0 || t < b || t + size > b + pp->len)
		return;
	off = (size_t)(t - b);
	a = plan_line_of(pp, off);
	z = plan_line_of(pp, off + size - 1);
	if (!u->has_text) {
		u->has_text = 1;
		u->text_off = off;
	}
	if (u->first < 0 || a < u->first)
		u->first = a;
	if (z > u->last)
		u->last = z;
}

static int
pp_text(MD_TEXTTYPE type, const MD_CHAR *text, MD_SIZE size, void *ud)
{
	struct pp *pp = ud;
	struct plan_unit *u;
	uintptr_t t = (uintptr_t)text, b = (uintptr_t)pp->doc;
	int ln = -1, rc = CAIRN_OK;

	if (type == MD_TEXT_SOFTBR || type == MD_TEXT_BR) {
		pp->space = 1;
		return 0;
	}
	if (size > 0 && t >= b && t + size <= b + pp->len)
		ln = plan_line_of(pp, (size_t)(t - b));
	if (pp->cur < 0) {
		if (!pp->split)
			return 0;
		if ((pp->cur = pp_unit_new(pp, PU_PARA)) < 0)
			return 1;
	} else if (pp->split && ln >= 0 && pp->out.u[pp->cur].last >= 0 &&
	           ln > pp->out.u[pp->cur].last && pp->spans == 0 &&
	           !pp_must_continue(pp, ln)) {
		if ((pp->cur = pp_unit_new(pp, PU_PARA)) < 0)
			return 1;
		pp->space = 0;
	}
	u = &pp->out.u[pp->cur];
	pp_mark_line(pp, u, text, size);
	if (pp->space) {
		rc = plan_title_add(u, " ", 1);
		pp->space = 0;
	}
	if (rc != CAIRN_OK) {
		/* Nothing to add. */
	} else if (type == MD_TEXT_NULLCHAR) {
		rc = plan_title_add(u, "\xef\xbf\xbd", 3);
	} else if (type == MD_TEXT_ENTITY) {
		rc = pp_entity(u, text, size);
	} else if ((u->type == PU_CODE || u->type == PU_HTML ||
	            (u->type == PU_LI && u->fence)) &&
	           u->tlen > 0) {
		/* A code or HTML block is titled by its first line. */
	} else {
		rc = plan_title_add(u, text, size);
	}
	if (rc != CAIRN_OK) {
		pp->rc = rc;
		return 1;
	}
	return 0;
}

static void
pp_header_cell(struct pp *pp, const char *s, size_t n)
{
	struct pu_table *t = &pp->out.tables[pp->table];
	char low[64];
	size_t i;

	if (n >= sizeof(low))
		n = sizeof(low) - 1;
	for (i = 0; i < n; i++)
		low[i] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] - 'A' + 'a'
		                                           : s[i]);
	low[n] = '\0';
	if (strstr(low, "duration") != NULL || strstr(low, "effort") != NULL)
		t->course = 1;
	else if (t->ms_col < 0 && (strstr(low, "milestone") != NULL ||
	                           strstr(low, "checkpoint") != NULL ||
	                           strstr(low, "deliverable") != NULL ||
	                           strstr(low, "goal") != NULL ||
	                           strstr(low, "target") != NULL ||
	                           strstr(low, "success") != NULL))
		t->ms_col = pp->col;
	else if (t->win_col < 0 && (strstr(low, "week") != NULL ||
	                            strstr(low, "month") != NULL)) {
		t->win_col = pp->col;
		t->win_unit = strstr(low, "week") != NULL ? 'w' : 'm';
	} else if (t->day_col < 0 && strstr(low, "day") != NULL)
		t->day_col = pp->col;
	else if (t->hours_col < 0 &&
	         (strstr(low, "hour") != NULL || strstr(low, "hrs") != NULL ||
	          strstr(low, "time") != NULL))
		t->hours_col = pp->col;
	else if (t->act_col < 0 &&
	         (strstr(low, "activit") != NULL ||
	          strstr(low, "focus") != NULL || strstr(low, "what") != NULL ||
	          strstr(low, "task") != NULL))
		t->act_col = pp->col;
}

static int
pp_leaf(struct pp *pp, MD_BLOCKTYPE type, void *detail)
{
	struct pp_block *parent =
	        pp->depth >= 2 ? &pp->stack[pp->depth - 2] : NULL;
	struct plan_unit *u;
	int merge =
	        parent != NULL && parent->type == MD_BLOCK_LI && parent->fresh;

	if (parent != NULL && parent->type == MD_BLOCK_LI)
		parent->fresh = 0;
	pp->split = 0;
	pp->space = 0;
	pp->cur = -1;
	if (merge) {
		pp->cur = parent->unit;
	} else if (type == MD_BLOCK_P && pp->li_depth == 0) {
		pp->split = 1;
		return 0;
	} else {
		pp->cur = pp_unit_new(pp, type == MD_BLOCK_H      ? PU_HEADING
		                          : type == MD_BLOCK_CODE ? PU_CODE
		                          : type == MD_BLOCK_HTML ? PU_HTML
		                                                  : PU_PARA);
		if (pp->cur < 0)
			return 1;
	}
	u = &pp->out.u[pp->cur];
	if (type == MD_BLOCK_H)
		u->level = (int)((MD_BLOCK_H_DETAIL *)detail)->level;
	if (type == MD_BLOCK_CODE)
		u->fence = ((MD_BLOCK_CODE_DETAIL *)detail)->fence_char;
	return 0;
}

static int
pp_enter(MD_BLOCKTYPE type, void *detail, void *ud)
{
	struct pp *pp = ud;
	struct pp_block *blk, *parent;
	MD_BLOCK_LI_DETAIL *li;
	struct plan_unit *u;
	int rc;

	if (pp->depth >= PP_MAX_NEST || pp->overflow > 0) {
		pp->overflow++;
		return 0;
	}
	blk = &pp->stack[pp->depth++];
	memset(blk, 0, sizeof(*blk));
	blk->type = type;
	blk->unit = -1;
	parent = pp->depth >= 2 ? &pp->stack[pp->depth - 2] : NULL;
	switch (type) {
	case MD_BLOCK_UL:
	case MD_BLOCK_OL:
		if (parent != NULL && parent->type == MD_BLOCK_LI)
			parent->fresh = 0;
		pp->list_depth++;
		pp->cur = -1;
		break;
	case MD_BLOCK_LI:
		li = detail;
		blk->saved_li = pp->li_depth;
		blk->unit = pp_unit_new(pp, PU_LI);
		if (blk->unit < 0)
			return 1;
		blk->fresh = 1;
		pp->li_depth = pp->list_depth;
		/* A tight list item gets its text with no paragraph block. */
		pp->cur = blk->unit;
		pp->split = 0;
		pp->space = 0;
		u = &pp->out.u[blk->unit];
		u->list_depth = pp->list_depth;
		u->in_li = blk->saved_li;
		if (li->is_task) {
			u->checkbox = 1;
			u->done = li->task_mark == 'x' || li->task_mark == 'X';
			if (li->task_mark_offset < pp->len)
				u->first = u->last =
				        plan_line_of(pp, li->task_mark_offset);
		}
		break;
	case MD_BLOCK_H:
	case MD_BLOCK_P:
	case MD_BLOCK_CODE:
	case MD_BLOCK_HTML:
		return pp_leaf(pp, type, detail);
	case MD_BLOCK_TABLE:
		if (parent != NULL && parent->type == MD_BLOCK_LI)
			parent->fresh = 0;
		rc = plan_grow((void **)&pp->out.tables, &pp->cap_tables,
		               pp->out.n_tables + 1, sizeof(struct pu_table),
		               PP_MAX_TABLES);
		if (rc != CAIRN_OK) {
			pp->rc = rc;
			return 1;
		}
		pp->table = (int)pp->out.n_tables++;
		pp->out.tables[pp->table] =
		        (struct pu_table){-1, -1, -1, 0, -1, -1, 0};
		break;
	case MD_BLOCK_THEAD:
		pp->in_thead = 1;
		break;
	case MD_BLOCK_TR:
		if (pp->table < 0 || (pp->cur = pp_unit_new(pp, PU_ROW)) < 0)
			return pp->table < 0 ? 0 : 1;
		u = &pp->out.u[pp->cur];
		u->table = pp->table;
		u->header = pp->in_thead;
		u->cell0 = (int)pp->out.n_cells;
		pp->col = 0;
		pp->split = 0;
		break;
	case MD_BLOCK_TH:
	case MD_BLOCK_TD:
		if (pp->cur < 0)
			break;
		u = &pp->out.u[pp->cur];
		if (pp->col > 0 && plan_title_add(u, " | ", 3) != CAIRN_OK) {
			pp->rc = CAIRN_ENOMEM;
			return 1;
		}
		pp->cell_start = u->tlen;
		break;
	default:
		break;
	}
	return 0;
}

static int
pp_leave(MD_BLOCKTYPE type, void *detail, void *ud)
{
	struct pp *pp = ud;
	struct pp_block *blk;
	struct plan_unit *u;
	int rc;

	(void)detail;
	if (pp->overflow > 0) {
		pp->overflow--;
		return 0;
	}
	blk = &pp->stack[--pp->depth];
	switch (type) {
	case MD_BLOCK_UL:
	case MD_BLOCK_OL:
		pp->list_depth--;
		break;
	case MD_BLOCK_LI:
		pp->li_depth = blk->saved_li;
		pp->cur = -1;
		break;
	case MD_BLOCK_H:
	case MD_BLOCK_P:
	case MD_BLOCK_CODE:
	case MD_BLOCK_HTML:
	case MD_BLOCK_TR:
		pp->cur = -1;
		pp->split = 0;
		pp->space = 0;
		break;
	case MD_BLOCK_THEAD:
		pp->in_thead = 0;
		break;
	case MD_BLOCK_TABLE:
		pp->table = -1;
		break;
	case MD_BLOCK_TH:
	case MD_BLOCK_TD:
		if (pp->cur < 0)
			break;
		u = &pp->out.u[pp->cur];
		if (u->tlen < pp->cell_start)
			pp->cell_start = u->tlen;
		if (u->header && pp->table >= 0)
			pp_header_cell(
			        pp, u->title ? u->title + pp->cell_start : "",
			        u->tlen - pp->cell_start);
		if (u->ncells < PLAN_MAX_CELLS) {
			rc = plan_grow((void **)&pp->out.cells, &pp->cap_cells,
			               pp->out.n_cells + 1,
			               sizeof(struct plan_cell),
			               PP_MAX_UNITS * (size_t)PLAN_MAX_CELLS);
			if (rc != CAIRN_OK) {
				pp->rc = rc;
				return 1;
			}
			pp->out.cells[pp->out.n_cells++] = (struct plan_cell){
			        pp->cell_start, u->tlen - pp->cell_start};
			u->ncells++;
		}
		pp->col++;
		break;
	default:
		break;
	}
	return 0;
}

static int
pp_enter_span(MD_SPANTYPE type, void *detail, void *ud)
{
	struct pp *pp = ud;

	(void)type;
	(void)detail;
	pp->spans++;
	return 0;
}

static int
pp_leave_span(MD_SPANTYPE type, void *detail, void *ud)
{
	struct pp *pp = ud;

	(void)type;
	(void)detail;
	pp->spans--;
	return 0;
}

int
plan_parse(const char *text, size_t len, struct plan **out)
{
	struct pp pp;
	struct plan_doc doc;
	struct plan *p = NULL;
	MD_PARSER parser;
	char *copy = NULL;
	size_t i;
	int rc = CAIRN_OK;

	memset(&pp, 0, sizeof(pp));
	memset(&doc, 0, sizeof(doc));
	memset(&parser, 0, sizeof(parser));
	pp.cur = -1;
	pp.table = -1;
	if (len > PLAN_MAX_BYTES) {
		rc = CAIRN_ETOOBIG;
		goto out;
	}
	if (text == NULL)
		text = "";
	/*
	 * A NUL byte would cut the strings the plan's records carry (and
	 * cairnd refuses them): text holding one is not a plan.
	 */
	if ((len > 0 && memchr(text, '\0', len) != NULL) ||
	    !utf8_valid(text, len)) {
		rc = CAIRN_EINVAL;
		goto out;
	}
	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0) {
		text += 3;
		len -= 3;
	}
	/*
	 * md4c 0.4.8 may look one byte past the end of a link destination
	 * that runs to the end of the input (found by fuzz-plan): parse a
	 * NUL-terminated copy, whatever the caller hands in.
	 */
	if ((copy = malloc(len + 1)) == NULL) {
		rc = CAIRN_ENOMEM;
		goto out;
	}
	memcpy(copy, text, len);
	copy[len] = '\0';
	text = copy;
	pp.doc = text;
	pp.len = len;
	if ((rc = plan_split_lines(&pp)) != CAIRN_OK)
		goto out;
	parser.flags = MD_FLAG_TABLES | MD_FLAG_TASKLISTS |
	               MD_FLAG_STRIKETHROUGH | MD_FLAG_PERMISSIVEAUTOLINKS;
	parser.enter_block = pp_enter;
	parser.leave_block = pp_leave;
	parser.enter_span = pp_enter_span;
	parser.leave_span = pp_leave_span;
	parser.text = pp_text;
	if (md_parse(text, (MD_SIZE)len, &parser, &pp) != 0) {
		rc = pp.rc != CAIRN_OK ? pp.rc : CAIRN_ENOMEM;
		goto out;
	}
	if ((rc = plan_finish(&pp, &doc)) != CAIRN_OK)
		goto out;
	doc.tables = pp.out.tables;
	doc.n_tables = pp.out.n_tables;
	doc.cells = pp.out.cells;
	doc.n_cells = pp.out.n_cells;
	pp.out.tables = NULL;
	pp.out.cells = NULL;
	p = calloc(1, sizeof(*p));
	if (p == NULL) {
		rc = CAIRN_ENOMEM;
		goto out;
	}
	if ((rc = plan_tree_build(&doc, p)) != CAIRN_OK)
		goto out;
	*out = p;
	p = NULL;
out:
	for (i = 0; i < pp.out.n; i++)
		free(pp.out.u[i].title);
	free(pp.out.u);
	free(pp.out.tables);
	free(pp.out.cells);
	free(pp.lstart);
	free(pp.lend);
	plan_doc_release(&doc);
	plan_free(p);
	free(copy);
	return rc;
}
