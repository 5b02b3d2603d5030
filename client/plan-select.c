/*
 * Choosing plans and items by what a user types, shared by every command
 * that takes a PLAN or an ITEM (plan, log, edit, start), and the day
 * "today" is for them ($CAIRN_NOW or the clock).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "cairn.h"
#include "err.h"
#include "plan-select.h"
#include "planrec.h"
#include "timefmt.h"

#define PLAN_CANDIDATES 5 /* candidates an ambiguity error lists */

int
cli_now(int64_t *now, int64_t *today)
{
	const char *env = getenv("CAIRN_NOW");
	int64_t t = (int64_t)time(NULL), d;
	char buf[48];
	struct tm tm;
	time_t tt;

	if (env != NULL && env[0] != '\0') {
		if (planrec_date_days(env, &d) == CAIRN_OK) {
			/* A date: that day, at noon in the local zone. */
			if (today != NULL)
				*today = d;
			if (now != NULL) {
				struct ymd y;

				planrec_days_date(d, buf);
				sscanf(buf, "%d-%d-%d", &y.y, &y.m, &y.d);
				*now = ymd_start(&y) + 12 * 3600;
			}
			return CAIRN_OK;
		}
		if (rfc3339_parse(env, &t) != CAIRN_OK)
			return cli_err(
			        CAIRN_EUSAGE,
			        "bad CAIRN_NOW '%s': use YYYY-MM-DD or an RFC 3339 time (2026-12-02T21:00:00+01:00)",
			        env);
	}
	tt = (time_t)t;
	if (localtime_r(&tt, &tm) == NULL)
		return cli_err(CAIRN_EINTERNAL, "cannot tell today's date");
	snprintf(buf, sizeof(buf), "%04d-%02d-%02d", tm.tm_year + 1900,
	         tm.tm_mon + 1, tm.tm_mday);
	if (planrec_date_days(buf, &d) != CAIRN_OK)
		return cli_err(CAIRN_EINTERNAL, "cannot tell today's date");
	if (now != NULL)
		*now = t;
	if (today != NULL)
		*today = d;
	return CAIRN_OK;
}

int
plan_today(int64_t *days)
{
	return cli_now(NULL, days);
}

static int
row_cb(void *arg, const struct rec *r)
{
	struct plan_rows *pr = arg;
	Cairn__Plan *p;
	struct plan_row *row;

	if (pr->owner == NULL && r->owner[0] != '\0' &&
	    strcmp(r->owner, pr->c->handle) != 0)
		return 0;
	if (pr->n >= PLAN_LIST_MAX)
		return cli_err(CAIRN_ETOOBIG, "more than %d plans",
		               PLAN_LIST_MAX);
	p = cairn__plan__unpack(NULL, r->body_len,
	                        r->body != NULL ? r->body
	                                        : (const uint8_t *)"");
	if (p == NULL)
		return 0;
	row = &pr->rows[pr->n++];
	snprintf(row->id, sizeof(row->id), "%s", r->id);
	snprintf(row->title, sizeof(row->title), "%s", p->title);
	snprintf(row->start, sizeof(row->start), "%s", p->start);
	row->active_at = p->active_at;
	cairn__plan__free_unpacked(p, NULL);
	return 0;
}

/* The plans of owner (NULL: this home's own), least recently written first. */
int
plan_rows_load(struct cli *c, const char *owner, struct plan_rows *pr)
{
	int rc;

	memset(pr, 0, sizeof(*pr));
	pr->c = c;
	pr->owner = owner;
	if ((pr->rows = calloc(PLAN_LIST_MAX, sizeof(*pr->rows))) == NULL)
		return CAIRN_ENOMEM;
	rc = store_list_kind(c->st, CAIRN__KIND__KIND_PLAN, owner, row_cb, pr);
	if (rc != CAIRN_OK && cli_errmsg() == NULL)
		rc = cli_err(rc, "cannot read the store: %s",
		             store_errmsg(c->st));
	return rc;
}

size_t
plan_active_idx(struct cli *c, const struct plan_rows *pr)
{
	char act[UUID_LEN + 1];
	size_t i, best = pr->n - 1;

	for (i = 0; i < pr->n; i++) {
		const struct plan_row *r = &pr->rows[i], *b = &pr->rows[best];

		if (r->active_at > b->active_at ||
		    (r->active_at == b->active_at && r->active_at > 0 &&
		     strcmp(r->id, b->id) > 0))
			best = i;
	}
	if (pr->rows[best].active_at > 0 || pr->owner != NULL)
		return best;
	/* Older plans: the choice this machine kept in its meta table. */
	if (store_meta_get(c->st, "active_plan", act, sizeof(act)) != CAIRN_OK)
		return best;
	for (i = 0; i < pr->n; i++)
		if (strcmp(pr->rows[i].id, act) == 0)
			return i;
	return best;
}

/* Sets the error for several plans matching spec, naming a few. */
static int
plan_ambiguous(const struct plan_rows *pr, const char *spec, const size_t *hits,
               size_t n)
{
	char list[700], sid[9];
	size_t i, used = 0;
	int w;

	list[0] = '\0';
	for (i = 0; i < n && i < PLAN_CANDIDATES; i++) {
		w = snprintf(list + used, sizeof(list) - used, "%s%s '%.40s'",
		             i > 0 ? ", " : "",
		             out_short_id(pr->rows[hits[i]].id, sid),
		             pr->rows[hits[i]].title);
		if (w < 0 || (size_t)w >= sizeof(list) - used)
			break;
		used += (size_t)w;
	}
	return cli_err(
	        CAIRN_EAMBIGUOUS,
	        "'%s' matches %zu plans: %s%s; give more of the ID or the title",
	        spec, n, list, n > PLAN_CANDIDATES ? ", ..." : "");
}

/*
 * How well title answers spec: 3 the same, 2 the same but for case, 1 a
 * piece of it, 0 not at all.
 */
static int
title_match(const char *title, const char *spec)
{
	if (strcmp(title, spec) == 0)
		return 3;
	if (strcasecmp(title, spec) == 0)
		return 2;
	return ptree_ci_contains(title, spec) ? 1 : 0;
}

int
plan_pick(struct cli *c, const struct plan_rows *pr, const char *spec,
          const char *owner, size_t *idx)
{
	size_t hits[PLAN_CANDIDATES + 1], i, n = 0;
	int best = 0, m;
	int by_id = strlen(spec != NULL ? spec : "") >= 6 &&
	            uuid_prefix_valid(spec);

	if (pr->n == 0) {
		if (owner != NULL)
			return cli_err(CAIRN_ENOTFOUND,
			               "no plan of %s here; run 'cairn sync'",
			               owner);
		return cli_err(
		        CAIRN_ENOTFOUND,
		        "no plan yet; import one with 'cairn plan import FILE'");
	}
	if (spec == NULL) {
		*idx = plan_active_idx(c, pr);
		return CAIRN_OK;
	}
	for (i = 0; by_id && i < pr->n; i++) {
		if (strncmp(pr->rows[i].id, spec, strlen(spec)) != 0)
			continue;
		if (n <= PLAN_CANDIDATES)
			hits[n] = i;
		n++;
	}
	if (n == 0) {
		/* The best kind of title match wins; ties are ambiguous. */
		for (i = 0; i < pr->n; i++) {
			if ((m = title_match(pr->rows[i].title, spec)) == 0 ||
			    m < best)
				continue;
			if (m > best) {
				best = m;
				n = 0;
			}
			if (n <= PLAN_CANDIDATES)
				hits[n] = i;
			n++;
		}
	}
	if (n == 1) {
		*idx = hits[0];
		return CAIRN_OK;
	}
	if (n == 0)
		return cli_err(CAIRN_ENOTFOUND,
		               "no plan '%s'; see 'cairn plan ls'", spec);
	return plan_ambiguous(pr, spec, hits, n);
}

int
plan_open(struct cli *c, const char *spec, const char *owner,
          struct ptree **out)
{
	struct errbuf err = {""};
	struct plan_rows pr;
	size_t idx;
	int rc;

	if ((rc = plan_rows_load(c, owner, &pr)) != CAIRN_OK)
		goto out;
	if ((rc = plan_pick(c, &pr, spec, owner, &idx)) != CAIRN_OK)
		goto out;
	if ((rc = ptree_load(c->st, pr.rows[idx].id, out, &err)) != CAIRN_OK)
		rc = cli_errbuf(rc, &err);
	if (rc != CAIRN_OK && cli_errmsg() == NULL)
		rc = cli_err(rc, "cannot read plan %.8s: %s", pr.rows[idx].id,
		             store_errmsg(c->st));
out:
	free(pr.rows);
	return rc;
}

int
plan_open_any(struct cli *c, const char *owner, struct ptree **out)
{
	struct plan_rows pr;
	int rc;

	*out = NULL;
	rc = plan_rows_load(c, owner, &pr);
	free(pr.rows);
	if (rc != CAIRN_OK)
		return rc;
	if (pr.n == 0)
		return CAIRN_OK;
	return plan_open(c, NULL, owner, out);
}

int
plan_resolve_item(struct cli *c, const char *spec, char id[UUID_LEN + 1],
                  uint32_t *limit)
{
	struct errbuf err = {""};
	struct plan_rows pr;
	struct ptree *t = NULL;
	int rc, idx;

	if ((rc = plan_rows_load(c, NULL, &pr)) != CAIRN_OK) {
		free(pr.rows);
		return rc;
	}
	free(pr.rows);
	if (pr.n == 0) {
		/* Without a plan, ITEM is kept as written (a free label). */
		if (strlen(spec) > UUID_LEN)
			return cli_err(CAIRN_EINVAL,
			               "item: at most %d bytes without a plan",
			               UUID_LEN);
		snprintf(id, UUID_LEN + 1, "%s", spec);
		if (limit != NULL)
			*limit = 0;
		return CAIRN_OK;
	}
	if ((rc = plan_open(c, NULL, NULL, &t)) != CAIRN_OK)
		goto out;
	if ((rc = ptree_resolve(t, spec, &idx, &err)) != CAIRN_OK) {
		rc = cli_errbuf(rc, &err);
		goto out;
	}
	memcpy(id, t->items[idx].id, UUID_LEN + 1);
	if (limit != NULL)
		*limit = t->items[idx].m->limit_minutes;
out:
	ptree_free(t);
	return rc;
}
