/*
 * Internal to the plan importer: the units that plan-parse.c cuts a
 * document into (one per heading, list item, paragraph line, table row,
 * code or HTML block, or stray line) and that plan-items.c turns into the
 * items, tree and plan-level facts of struct plan.
 */
#ifndef CAIRN_PLAN_INT_H
#define CAIRN_PLAN_INT_H

#include <stddef.h>

#include <md4c.h>

#include "plan.h"

#define PLAN_MAX_CELLS 32 /* table columns looked at */

enum pu_type {
	PU_HEADING = 1, /* ATX or setext heading */
	PU_PARA,        /* one line of a paragraph (or a wrapped run) */
	PU_LI,          /* a list item with its first block */
	PU_ROW,         /* a table row */
	PU_CODE,        /* a code block with its fences */
	PU_HTML,        /* an HTML block */
	PU_STRAY,       /* a line md4c gave no text for: rule, empty item */
};

struct pu_table {
	int day_col, hours_col, act_col; /* a weekly schedule */
	int course;                      /* has Duration or Effort columns */
	int ms_col;    /* a Milestone, Checkpoint, Goal... column, or -1 */
	int win_col;   /* a Week or Month column ("| 1-2 |"), or -1 */
	char win_unit; /* 'w' or 'm': what win_col counts */
};

struct plan_unit {
	enum pu_type type;
	int level;      /* heading level, also of "- ### Arrays" */
	int list_depth; /* PU_LI: its depth (1 = top list) */
	int in_li;      /* other types: depth of the list item holding it */
	int checkbox, done;
	int first, last;   /* source line range, -1 when none yet */
	int table;         /* PU_ROW: index into the tables, else -1 */
	int header;        /* PU_ROW: the header row */
	int cell0, ncells; /* PU_ROW: cells in the cell arrays */
	char fence;        /* PU_CODE: '`' or '~', 0 when indented */
	int has_text;      /* md4c gave text from the source */
	size_t text_off;   /* offset in the source of its first text */
	char *title;       /* owned; text with inline markup removed */
	size_t tlen;
};

struct plan_cell {
	size_t off, len; /* within the row's title */
};

/* The document as units, in source order, with each unit's lines. */
struct plan_doc {
	struct plan_unit *u; /* owned array */
	size_t n;
	char **lines;            /* owned: per unit, its verbatim line(s) */
	struct pu_table *tables; /* owned array */
	size_t n_tables;
	struct plan_cell *cells; /* owned array */
	size_t n_cells;
};

/* The state of one parse (plan-parse.c, plan-lines.c). */
#define PP_MAX_NEST 256
#define PP_MAX_UNITS (2 * PLAN_MAX_ITEMS)
#define PP_MAX_TABLES 4096

struct pp_block {
	MD_BLOCKTYPE type;
	int unit;     /* PU_LI unit of an LI block */
	int fresh;    /* LI: no child block seen yet */
	int saved_li; /* LI: li_depth outside it */
};

struct pp {
	const char *doc;
	size_t len;
	size_t *lstart, *lend; /* per line: start offset, end (no newline) */
	size_t nlines;
	struct plan_doc out;
	size_t cap_u, cap_tables, cap_cells;
	struct pp_block stack[PP_MAX_NEST];
	size_t depth, overflow;
	int list_depth, li_depth;
	int cur;   /* unit receiving text, -1 when none */
	int split; /* the paragraph is cut per line */
	int space; /* a soft break is pending */
	int spans; /* inline spans open */
	int in_thead, table, col;
	size_t cell_start;
	int rc;
};

/* Grows *arr to hold need elements of size bytes, at most max. */
int plan_grow(void **arr, size_t *cap, size_t need, size_t size, size_t max);
/* The line of pp's text holding offset off. */
int plan_line_of(const struct pp *pp, size_t off);
/* Offset in line ln after blanks, '>' and (if list_marker) a list marker. */
size_t plan_skip_prefix(const struct pp *pp, int ln, int list_marker);
/* Appends n bytes to u's title (whitespace collapsed, bounded). */
int plan_title_add(struct plan_unit *u, const char *s, size_t n);
/* Fills pp->lstart, pp->lend and pp->nlines. CAIRN_OK or CAIRN_ENOMEM. */
int plan_split_lines(struct pp *pp);
/*
 * Gives the lines to pp's units and fills d (units in source order, with
 * their lines). Takes the titles of the units it keeps.
 */
int plan_finish(struct pp *pp, struct plan_doc *d);
/* Frees what d owns. Accepts NULL. */
void plan_doc_release(struct plan_doc *d);

/*
 * Builds p's items, tree, title, goal, hours, schedule and allocations from
 * doc; takes ownership of the titles and lines in doc (sets them NULL).
 * Returns CAIRN_OK or CAIRN_ENOMEM.
 */
int plan_tree_build(struct plan_doc *doc, struct plan *p);

#endif
