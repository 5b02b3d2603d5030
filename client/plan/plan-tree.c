/*
 * A plan as records: turning an imported plan into one Plan record and one
 * PlanItem record per item (new UUIDs, parents by id, positions in
 * document order), loading those records back into a tree, summing the
 * minutes logged against each item up the tree, finding items by id
 * prefix or title, and rebuilding the in-memory plan for export.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cairn.h"
#include "err.h"
#include "planrec.h"

#define PTREE_CANDIDATES 5 /* candidates an ambiguity error lists */

void
ptree_free(struct ptree *t)
{
	size_t i;

	if (t == NULL)
		return;
	if (t->plan != NULL)
		cairn__plan__free_unpacked(t->plan, NULL);
	for (i = 0; i < t->n; i++) {
		if (t->items[i].m != NULL)
			cairn__plan_item__free_unpacked(t->items[i].m, NULL);
	}
	free(t->items);
	free(t->byid);
	free(t->ents);
	free(t);
}

/* A copy of at most max bytes of s, cut at a UTF-8 boundary. */
static char *
cut_dup(const char *s, size_t max)
{
	size_t n;

	if (s == NULL)
		s = "";
	n = strnlen(s, max + 1);
	if (n > max) {
		n = max;
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
	}
	return strndup(s, n);
}

static int
key_cmp(const void *a, const void *b)
{
	const struct ptree_key *x = a, *y = b;

	return strcmp(x->id, y->id);
}

static int
item_cmp(const void *a, const void *b)
{
	const struct ptree_item *x = a, *y = b;

	if (x->m->position != y->m->position)
		return x->m->position < y->m->position ? -1 : 1;
	return strcmp(x->id, y->id);
}

int
ptree_find(const struct ptree *t, const char *id)
{
	struct ptree_key k, *hit;

	if (id == NULL || id[0] == '\0' || t->n == 0)
		return -1;
	k.id = id;
	k.idx = 0;
	hit = bsearch(&k, t->byid, t->n, sizeof(k), key_cmp);
	return hit != NULL ? (int)hit->idx : -1;
}

/*
 * Sorts the items into document order, indexes their ids and links each
 * to its parent. A parent that is missing, or that would close a cycle,
 * puts the item at the top.
 */
int
ptree_relink(struct ptree *t)
{
	size_t i, steps;
	int p;

	if (t->n > 0)
		qsort(t->items, t->n, sizeof(*t->items), item_cmp);
	free(t->byid);
	t->byid = calloc(t->n > 0 ? t->n : 1, sizeof(*t->byid));
	if (t->byid == NULL)
		return CAIRN_ENOMEM;
	for (i = 0; i < t->n; i++) {
		t->byid[i].id = t->items[i].id;
		t->byid[i].idx = i;
	}
	if (t->n > 0)
		qsort(t->byid, t->n, sizeof(*t->byid), key_cmp);
	for (i = 0; i < t->n; i++)
		t->items[i].parent = ptree_find(t, t->items[i].m->parent);
	for (i = 0; i < t->n; i++) {
		p = t->items[i].parent;
		for (steps = 0; p >= 0 && steps <= t->n; steps++)
			p = t->items[p].parent;
		if (p >= 0 || steps > t->n)
			t->items[i].parent = -1;
	}
	return CAIRN_OK;
}

/* Packs m and unpacks it again: an owned, unpacked copy. */
static Cairn__PlanItem *
item_roundtrip(const Cairn__PlanItem *m)
{
	size_t len = cairn__plan_item__get_packed_size(m);
	uint8_t *buf = malloc(len > 0 ? len : 1);
	Cairn__PlanItem *u;

	if (buf == NULL)
		return NULL;
	cairn__plan_item__pack(m, buf);
	u = cairn__plan_item__unpack(NULL, len, buf);
	free(buf);
	return u;
}

static int
plan_msg_build(const struct plan *p, int64_t start, const char *source,
               struct ptree *t, struct errbuf *err)
{
	Cairn__ScheduleRow rows[PLANREC_SCHEDULE_MAX],
	        *prow[PLANREC_SCHEDULE_MAX];
	Cairn__Allocation al[PLANREC_ALLOC_MAX], *pal[PLANREC_ALLOC_MAX];
	Cairn__Plan m = CAIRN__PLAN__INIT;
	char *strs[2 * PLANREC_SCHEDULE_MAX + 3], date[11], why[256];
	size_t i, ns = 0, len;
	uint8_t *buf = NULL;
	int rc = CAIRN_ENOMEM;

	memset(strs, 0, sizeof(strs));
	if (p->n_sched > PLANREC_SCHEDULE_MAX ||
	    p->n_alloc > PLANREC_ALLOC_MAX) {
		rc = errbuf_set(
		        err, CAIRN_EINVAL,
		        "the plan has too many schedule or allocation rows");
		goto out;
	}
	planrec_days_date(start, date);
	strs[ns++] = cut_dup(p->title != NULL && p->title[0] != '\0'
	                             ? p->title
	                             : (source != NULL && source[0] != '\0'
	                                        ? source
	                                        : "plan"),
	                     PLANREC_TITLE_MAX);
	strs[ns++] = cut_dup(p->goal, PLANREC_GOAL_MAX);
	strs[ns++] = cut_dup(source, PLANREC_SOURCE_MAX);
	for (i = 0; i < 3; i++)
		if (strs[i] == NULL)
			goto out;
	m.title = strs[0];
	m.goal = strs[1];
	m.source = strs[2];
	m.start = date;
	m.hours_min = (float)p->hours_min;
	m.hours_max = (float)p->hours_max;
	for (i = 0; i < p->n_sched; i++) {
		cairn__schedule_row__init(&rows[i]);
		strs[ns] = cut_dup(p->sched[i].day, PLANREC_DAY_MAX);
		rows[i].day = strs[ns++];
		strs[ns] = cut_dup(p->sched[i].activity, PLANREC_TEXT_MAX);
		rows[i].activity = strs[ns++];
		if (rows[i].day == NULL || rows[i].activity == NULL)
			goto out;
		rows[i].hours = (float)p->sched[i].hours;
		prow[i] = &rows[i];
	}
	m.n_schedule = p->n_sched;
	m.schedule = prow;
	for (i = 0; i < p->n_alloc; i++) {
		cairn__allocation__init(&al[i]);
		al[i].activity = p->alloc[i].activity;
		al[i].min_pct = p->alloc[i].min_pct;
		al[i].max_pct = p->alloc[i].max_pct;
		pal[i] = &al[i];
	}
	m.n_allocations = p->n_alloc;
	m.allocations = pal;
	if (planrec_validate_plan(&m, why, sizeof(why)) != CAIRN_OK) {
		rc = errbuf_set(err, CAIRN_EINVAL,
		                "the plan cannot be stored: %s", why);
		goto out;
	}
	len = cairn__plan__get_packed_size(&m);
	if ((buf = malloc(len > 0 ? len : 1)) == NULL)
		goto out;
	cairn__plan__pack(&m, buf);
	if ((t->plan = cairn__plan__unpack(NULL, len, buf)) == NULL)
		goto out;
	t->start = start;
	rc = CAIRN_OK;
out:
	for (i = 0; i < ns; i++)
		free(strs[i]);
	free(buf);
	return rc;
}

static int
item_build(const struct plan *p, size_t i, struct ptree *t, struct errbuf *err)
{
	const struct plan_item *src = &p->items[i];
	Cairn__PlanItem m = CAIRN__PLAN_ITEM__INIT;
	char why[256];
	int rc = CAIRN_ENOMEM;

	m.plan = t->id;
	m.parent = src->parent >= 0 && (size_t)src->parent < p->n_items &&
	                           (size_t)src->parent != i
	                   ? t->items[src->parent].id
	                   : (char *)"";
	/* Gaps between positions leave room for items a replace adds. */
	m.position = (uint32_t)i * PTREE_POS_STEP;
	m.kind = (Cairn__ItemKind)src->kind;
	m.title = cut_dup(src->title, PLANREC_TITLE_MAX);
	m.line = cut_dup(src->line, PLANREC_LINE_MAX);
	if (m.title == NULL || m.line == NULL)
		goto out;
	m.has_window = src->has_window != 0;
	m.from_day = src->has_window ? src->from_day : 0;
	m.to_day = src->has_window ? src->to_day : 0;
	m.done = src->done != 0;
	m.limit_minutes = src->limit_minutes;
	m.level = src->level > 0 ? (uint32_t)src->level : 0;
	if (planrec_validate_item(&m, t->items[i].id, why, sizeof(why)) !=
	    CAIRN_OK) {
		rc = errbuf_set(err, CAIRN_EINVAL, "item %zu of the plan: %s",
		                i + 1, why);
		goto out;
	}
	if ((t->items[i].m = item_roundtrip(&m)) == NULL)
		goto out;
	rc = CAIRN_OK;
out:
	free(m.title);
	free(m.line);
	return rc;
}

int
ptree_from_plan(const struct plan *p, int64_t start, const char *source,
                struct ptree **out, struct errbuf *err)
{
	struct ptree *t = NULL;
	size_t i;
	int rc = CAIRN_ENOMEM;

	if (p->n_items > PLAN_MAX_ITEMS) {
		rc = errbuf_set(err, CAIRN_ETOOBIG,
		                "the plan has more than %d items",
		                PLAN_MAX_ITEMS);
		goto out;
	}
	if ((t = calloc(1, sizeof(*t))) == NULL)
		goto out;
	if ((rc = uuid_new(t->id)) != CAIRN_OK)
		goto out;
	rc = CAIRN_ENOMEM;
	t->items = calloc(p->n_items > 0 ? p->n_items : 1, sizeof(*t->items));
	if (t->items == NULL)
		goto out;
	t->n = p->n_items;
	for (i = 0; i < t->n; i++) {
		if ((rc = uuid_new(t->items[i].id)) != CAIRN_OK)
			goto out;
	}
	if ((rc = plan_msg_build(p, start, source, t, err)) != CAIRN_OK)
		goto out;
	for (i = 0; i < t->n; i++) {
		if ((rc = item_build(p, i, t, err)) != CAIRN_OK)
			goto out;
	}
	if ((rc = ptree_relink(t)) != CAIRN_OK)
		goto out;
	*out = t;
	t = NULL;
out:
	ptree_free(t);
	return rc;
}

struct load_state {
	struct ptree *t;
	size_t cap;
	int rc;
	struct errbuf *err; /* borrowed from ptree_load's caller */
};

static int
load_item(void *arg, const struct rec *r)
{
	struct load_state *ls = arg;
	struct ptree *t = ls->t;
	Cairn__PlanItem *m;
	struct ptree_item *grown;

	m = cairn__plan_item__unpack(NULL, r->body_len,
	                             r->body != NULL ? r->body
	                                             : (const uint8_t *)"");
	if (m == NULL)
		return 0; /* An unreadable item is left out of the view. */
	if (strcmp(m->plan, t->id) != 0) {
		cairn__plan_item__free_unpacked(m, NULL);
		return 0;
	}
	if (t->n >= PLAN_MAX_ITEMS) {
		cairn__plan_item__free_unpacked(m, NULL);
		ls->rc = errbuf_set(ls->err, CAIRN_ETOOBIG,
		                    "plan %.8s has more than %d items", t->id,
		                    PLAN_MAX_ITEMS);
		return ls->rc;
	}
	if (t->n == ls->cap) {
		ls->cap = ls->cap > 0 ? ls->cap * 2 : 64;
		grown = realloc(t->items, ls->cap * sizeof(*grown));
		if (grown == NULL) {
			cairn__plan_item__free_unpacked(m, NULL);
			ls->rc = CAIRN_ENOMEM;
			return ls->rc;
		}
		t->items = grown;
	}
	memset(&t->items[t->n], 0, sizeof(t->items[t->n]));
	snprintf(t->items[t->n].id, sizeof(t->items[t->n].id), "%s", r->id);
	t->items[t->n].m = m;
	t->items[t->n].priv = r->priv;
	t->n++;
	return 0;
}

int
ptree_load(struct store *st, const char *id, struct ptree **out,
           struct errbuf *err)
{
	struct load_state ls = {NULL, 0, CAIRN_OK, err};
	struct ptree *t = NULL;
	struct rec r;
	int rc;

	memset(&r, 0, sizeof(r));
	if ((rc = store_get_kind(st, CAIRN__KIND__KIND_PLAN, id, &r)))
		goto out;
	rc = CAIRN_ENOMEM;
	if ((t = calloc(1, sizeof(*t))) == NULL)
		goto out;
	memcpy(t->id, r.id, sizeof(t->id));
	memcpy(t->owner, r.owner, sizeof(t->owner));
	t->priv = r.priv;
	t->plan = cairn__plan__unpack(NULL, r.body_len,
	                              r.body != NULL ? r.body
	                                             : (const uint8_t *)"");
	if (t->plan == NULL ||
	    planrec_date_days(t->plan->start, &t->start) != CAIRN_OK) {
		rc = errbuf_set(err, CAIRN_ESTORAGE, "plan %.8s is unreadable",
		                r.id);
		goto out;
	}
	ls.t = t;
	rc = store_list_kind(st, CAIRN__KIND__KIND_PLAN_ITEM, t->owner,
	                     load_item, &ls);
	if (ls.rc != CAIRN_OK) {
		rc = ls.rc;
		goto out;
	}
	if (rc != CAIRN_OK)
		goto out;
	if ((rc = ptree_relink(t)) != CAIRN_OK)
		goto out;
	*out = t;
	t = NULL;
out:
	rec_release(&r);
	ptree_free(t);
	return rc;
}

/* Floor division of a by a positive b. */
static int64_t
floor_div(int64_t a, int64_t b)
{
	return a >= 0 ? a / b : -((-a + b - 1) / b);
}

int
ptree_add_entry(struct ptree *t, const char *item, int64_t started_at,
                int utc_offset, uint32_t minutes, uint32_t limit, int beaten,
                const char *activity, struct errbuf *err)
{
	struct ptree_entry *grown, *e;
	size_t steps;
	int i;

	if (t->n_ents >= PTREE_ENTRIES_MAX)
		return errbuf_set(err, CAIRN_ETOOBIG,
		                  "more than %d entries to read",
		                  PTREE_ENTRIES_MAX);
	/* Grow by doubling: the capacity is the next power of two. */
	if ((t->n_ents & (t->n_ents - 1)) == 0) {
		grown = realloc(t->ents, (t->n_ents > 0 ? t->n_ents * 2 : 1) *
		                                 sizeof(*grown));
		if (grown == NULL)
			return CAIRN_ENOMEM;
		t->ents = grown;
	}
	e = &t->ents[t->n_ents++];
	memset(e, 0, sizeof(*e));
	e->item = i = ptree_find(t, item);
	e->started_at = started_at;
	e->day = floor_div(started_at + (int64_t)utc_offset * 60, 86400);
	e->minutes = minutes;
	e->limit = limit;
	e->beaten = beaten;
	snprintf(e->activity, sizeof(e->activity), "%s",
	         activity != NULL ? activity : "");
	for (steps = 0; i >= 0 && steps <= t->n; steps++) {
		t->items[i].minutes += minutes;
		i = t->items[i].parent;
	}
	return CAIRN_OK;
}

/* What ptree_load_entries hands to load_entry. */
struct entries_state {
	struct ptree *t;
	struct errbuf *err; /* borrowed from ptree_load_entries' caller */
};

static int
load_entry(void *arg, const struct rec *r)
{
	struct entries_state *es = arg;
	Cairn__Entry *e;
	int rc;

	if ((e = entryrec_unpack(r)) == NULL)
		return 0;
	rc = ptree_add_entry(es->t, e->item, e->started_at, e->utc_offset,
	                     e->minutes, e->limit_minutes, e->beaten,
	                     e->activity, es->err);
	cairn__entry__free_unpacked(e, NULL);
	return rc;
}

static int
ent_cmp(const void *a, const void *b)
{
	const struct ptree_entry *x = a, *y = b;

	if (x->started_at != y->started_at)
		return x->started_at < y->started_at ? -1 : 1;
	return 0;
}

int
ptree_load_entries(struct store *st, struct ptree *t, struct errbuf *err)
{
	struct entries_state es = {t, err};
	int rc;

	rc = store_list_kind(st, CAIRN__KIND__KIND_ENTRY, t->owner, load_entry,
	                     &es);
	if (rc != CAIRN_OK)
		return rc;
	if (t->n_ents > 1)
		qsort(t->ents, t->n_ents, sizeof(*t->ents), ent_cmp);
	return CAIRN_OK;
}

int
ptree_ci_contains(const char *hay, const char *needle)
{
	size_t i, j, hn = strlen(hay), nn = strlen(needle);

	if (nn == 0 || nn > hn)
		return 0;
	for (i = 0; i + nn <= hn; i++) {
		for (j = 0; j < nn; j++) {
			if (tolower((unsigned char)hay[i + j]) !=
			    tolower((unsigned char)needle[j]))
				break;
		}
		if (j == nn)
			return 1;
	}
	return 0;
}

/* Writes the error for several matches to err, naming a few. */
static int
ambiguous(const struct ptree *t, const char *spec, const int *hits, size_t n,
          struct errbuf *err)
{
	char list[700];
	size_t i, used = 0;
	int w;

	list[0] = '\0';
	for (i = 0; i < n && i < PTREE_CANDIDATES; i++) {
		const char *title = t->items[hits[i]].m->title;
		size_t tl = strnlen(title, 41);

		/* At most 40 bytes of the title, cut at a character. */
		if (tl > 40)
			for (tl = 40; tl > 0 &&
			              ((unsigned char)title[tl] & 0xc0) == 0x80;
			     tl--)
				;
		w = snprintf(list + used, sizeof(list) - used, "%s%.8s %.*s",
		             i > 0 ? ", " : "", t->items[hits[i]].id, (int)tl,
		             title);
		if (w < 0 || (size_t)w >= sizeof(list) - used)
			break;
		used += (size_t)w;
	}
	return errbuf_set(
	        err, CAIRN_EAMBIGUOUS,
	        "'%s' matches %zu items: %s%s; give more of the ID or the title",
	        spec, n, list, n > PTREE_CANDIDATES ? ", ..." : "");
}

/*
 * How well item i answers spec in pass: 0 its title is spec, 1 spec
 * ignoring case, 2 a piece of the title of an item other than a note, 3
 * a piece of a note's title.
 */
static int
resolve_pass(const struct ptree *t, size_t i, const char *spec, size_t pass)
{
	const char *title = t->items[i].m->title;
	int note = t->items[i].m->kind == CAIRN__ITEM_KIND__ITEM_NOTE;

	switch (pass) {
	case 0:
		return strcmp(title, spec) == 0;
	case 1:
		return strcasecmp(title, spec) == 0;
	case 2:
		return !note && ptree_ci_contains(title, spec);
	default:
		return note && ptree_ci_contains(title, spec);
	}
}

int
ptree_resolve(const struct ptree *t, const char *spec, int *idx,
              struct errbuf *err)
{
	int hits[PTREE_CANDIDATES + 1];
	size_t i, n = 0, pass;

	if (strlen(spec) >= 6 && uuid_prefix_valid(spec)) {
		for (i = 0; i < t->n; i++) {
			if (strncmp(t->items[i].id, spec, strlen(spec)) != 0)
				continue;
			if (n <= PTREE_CANDIDATES)
				hits[n] = (int)i;
			n++;
		}
		if (n == 1) {
			*idx = hits[0];
			return CAIRN_OK;
		}
		if (n > 1)
			return ambiguous(t, spec, hits, n, err);
	}
	/*
	 * The first pass with a match decides: "Week 1" is the item titled
	 * so even when "Week 10" exists.
	 */
	for (pass = 0; pass < 4; pass++) {
		n = 0;
		for (i = 0; i < t->n; i++) {
			if (!resolve_pass(t, i, spec, pass))
				continue;
			if (n <= PTREE_CANDIDATES)
				hits[n] = (int)i;
			n++;
		}
		if (n == 1) {
			*idx = hits[0];
			return CAIRN_OK;
		}
		if (n > 1)
			return ambiguous(t, spec, hits, n, err);
	}
	return errbuf_set(err, CAIRN_ENOTFOUND,
	                  "no item '%s' in plan %.8s; see 'cairn plan show'",
	                  spec, t->id);
}

/* Packs msg (of kind) into a new record version and stores it. */
static int
put_body(struct store *st, const char *id, int kind, int priv,
         const ProtobufCMessage *msg)
{
	struct rec r;
	size_t len;
	int rc = CAIRN_ENOMEM;

	memset(&r, 0, sizeof(r));
	snprintf(r.id, sizeof(r.id), "%s", id);
	r.kind = kind;
	r.priv = priv;
	len = protobuf_c_message_get_packed_size(msg);
	if ((r.body = malloc(len > 0 ? len : 1)) == NULL)
		goto out;
	protobuf_c_message_pack(msg, r.body);
	r.body_len = len;
	rc = store_put(st, &r);
out:
	rec_release(&r);
	return rc;
}

int
ptree_put_item(struct store *st, struct ptree *t, size_t i)
{
	return put_body(st, t->items[i].id, CAIRN__KIND__KIND_PLAN_ITEM,
	                t->items[i].priv, &t->items[i].m->base);
}

int
ptree_put_plan(struct store *st, struct ptree *t)
{
	return put_body(st, t->id, CAIRN__KIND__KIND_PLAN, t->priv,
	                &t->plan->base);
}

/* Stores a tombstone for record id of kind. */
static int
put_tombstone(struct store *st, const char *id, int kind, int priv)
{
	struct rec r;

	memset(&r, 0, sizeof(r));
	snprintf(r.id, sizeof(r.id), "%s", id);
	r.kind = kind;
	r.priv = priv;
	r.deleted = 1;
	return store_put(st, &r);
}

int
ptree_tombstone_item(struct store *st, const struct ptree *t, size_t i)
{
	return put_tombstone(st, t->items[i].id, CAIRN__KIND__KIND_PLAN_ITEM,
	                     t->items[i].priv);
}

int
ptree_remove(struct store *st, const struct ptree *t)
{
	size_t i;
	int rc;

	if ((rc = store_begin(st)) != CAIRN_OK)
		return rc;
	for (i = 0; i < t->n; i++)
		if ((rc = ptree_tombstone_item(st, t, i)) != CAIRN_OK)
			goto fail;
	if ((rc = put_tombstone(st, t->id, CAIRN__KIND__KIND_PLAN, t->priv)) !=
	    CAIRN_OK)
		goto fail;
	if ((rc = store_commit(st)) == CAIRN_OK)
		return CAIRN_OK;
fail:
	store_rollback(st);
	return rc;
}

int
ptree_store(struct store *st, struct ptree *t)
{
	size_t i;
	int rc;

	if ((rc = store_begin(st)) != CAIRN_OK)
		goto out;
	if ((rc = ptree_put_plan(st, t)) != CAIRN_OK)
		goto fail;
	for (i = 0; i < t->n; i++) {
		if ((rc = ptree_put_item(st, t, i)) != CAIRN_OK)
			goto fail;
	}
fail:
	rc = store_end(st, rc);
out:
	return rc;
}

/* 1 if line is a Markdown task-list item ("- [ ] ..."). */
static int
is_checkbox(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	if (*s == '-' || *s == '*' || *s == '+') {
		s++;
	} else if (isdigit((unsigned char)*s)) {
		while (isdigit((unsigned char)*s))
			s++;
		if (*s != '.' && *s != ')')
			return 0;
		s++;
	} else {
		return 0;
	}
	if (*s != ' ' && *s != '\t')
		return 0;
	while (*s == ' ' || *s == '\t')
		s++;
	return s[0] == '[' && (s[1] == ' ' || s[1] == 'x' || s[1] == 'X') &&
	       s[2] == ']';
}

static int
to_plan_rows(const struct ptree *t, struct plan *p)
{
	const Cairn__Plan *m = t->plan;
	size_t i;

	if (m->n_schedule > 0) {
		p->sched = calloc(m->n_schedule, sizeof(*p->sched));
		if (p->sched == NULL)
			return CAIRN_ENOMEM;
		p->n_sched = m->n_schedule;
		for (i = 0; i < m->n_schedule; i++) {
			p->sched[i].day = strdup(m->schedule[i]->day);
			p->sched[i].activity = strdup(m->schedule[i]->activity);
			p->sched[i].hours = m->schedule[i]->hours;
			if (p->sched[i].day == NULL ||
			    p->sched[i].activity == NULL)
				return CAIRN_ENOMEM;
		}
	}
	if (m->n_allocations > 0) {
		p->alloc = calloc(m->n_allocations, sizeof(*p->alloc));
		if (p->alloc == NULL)
			return CAIRN_ENOMEM;
		p->n_alloc = m->n_allocations;
		for (i = 0; i < m->n_allocations; i++) {
			p->alloc[i].activity =
			        strdup(m->allocations[i]->activity);
			p->alloc[i].min_pct = m->allocations[i]->min_pct;
			p->alloc[i].max_pct = m->allocations[i]->max_pct;
			if (p->alloc[i].activity == NULL)
				return CAIRN_ENOMEM;
		}
	}
	return CAIRN_OK;
}

int
ptree_to_plan(const struct ptree *t, struct plan **out)
{
	struct plan *p;
	struct plan_item *it;
	const Cairn__PlanItem *m;
	size_t i;
	int rc = CAIRN_ENOMEM;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return CAIRN_ENOMEM;
	p->title = strdup(t->plan->title);
	if (p->title == NULL)
		goto out;
	if (t->plan->goal[0] != '\0' &&
	    (p->goal = strdup(t->plan->goal)) == NULL)
		goto out;
	p->hours_min = t->plan->hours_min;
	p->hours_max = t->plan->hours_max;
	if ((rc = to_plan_rows(t, p)) != CAIRN_OK)
		goto out;
	rc = CAIRN_ENOMEM;
	if (t->n > 0 && (p->items = calloc(t->n, sizeof(*p->items))) == NULL)
		goto out;
	p->n_items = t->n;
	for (i = 0; i < t->n; i++) {
		it = &p->items[i];
		m = t->items[i].m;
		it->parent = t->items[i].parent;
		it->kind = (enum plan_kind)m->kind;
		it->title = strdup(m->title);
		it->line = strdup(m->line);
		if (it->title == NULL || it->line == NULL)
			goto out;
		it->has_window = m->has_window;
		it->from_day = m->from_day;
		it->to_day = m->to_day;
		it->done = m->done;
		it->checkbox = m->done || is_checkbox(m->line);
		it->limit_minutes = m->limit_minutes;
		it->level = (int)m->level;
	}
	*out = p;
	p = NULL;
	rc = CAIRN_OK;
out:
	plan_free(p);
	return rc;
}

const char *
ptree_kind(const struct ptree *t, size_t i)
{
	return plan_kind_name((enum plan_kind)t->items[i].m->kind);
}

void
ptree_window(const struct ptree *t, size_t i, char from[11], char to[11])
{
	const Cairn__PlanItem *m = t->items[i].m;

	from[0] = to[0] = '\0';
	if (!m->has_window)
		return;
	planrec_days_date(t->start + m->from_day, from);
	planrec_days_date(t->start + m->to_day, to);
}

int
ptree_depth(const struct ptree *t, size_t i)
{
	int d = 0, p = t->items[i].parent;

	while (p >= 0 && (size_t)d <= t->n) {
		d++;
		p = t->items[p].parent;
	}
	return d;
}
