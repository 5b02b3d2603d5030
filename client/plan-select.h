/*
 * plan-select.c's plan list, for the commands that list or pick plans by
 * what a user types (plan use, plan ls). plan_open, plan_resolve_item and
 * cli_now are declared in cairn.h.
 */
#ifndef CAIRN_PLAN_SELECT_H
#define CAIRN_PLAN_SELECT_H

#include "cairn.h"
#include "planrec.h"

#define PLAN_LIST_MAX 10000 /* plans one home lists */

/* A plan as plan ls and plan_open see it. */
struct plan_row {
	char id[UUID_LEN + 1];
	char title[PLANREC_TITLE_MAX + 1];
	char start[11];
	uint64_t active_at; /* Plan.active_at: the greatest is active */
};

struct plan_rows {
	struct cli *c;
	const char *owner; /* NULL: this home's own (its handle or "") */
	struct plan_row *rows;
	size_t n;
};

/* The plans of owner (NULL: this home's own), least recently written first. */
int plan_rows_load(struct cli *c, const char *owner, struct plan_rows *pr);
/*
 * The index in pr of owner's active plan: the greatest active_at (ties:
 * the greater id); when none has one (plans of older clients), this
 * home's old per-machine choice, else the last imported. pr->n > 0.
 */
size_t plan_active_idx(struct cli *c, const struct plan_rows *pr);
/*
 * Index in pr of the plan spec names, or of the active one (spec NULL):
 * an id prefix, else a title, exact before exact ignoring case before a
 * piece of a title. Ambiguity names up to 5 candidates.
 */
int plan_pick(struct cli *c, const struct plan_rows *pr, const char *spec,
              const char *owner, size_t *idx);

#endif
