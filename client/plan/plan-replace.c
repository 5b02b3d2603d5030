/*
 * A plan updated from an edited file (plan import FILE --replace PLAN):
 * the items of the freshly imported tree are matched to the stored ones
 * by title path, so a match keeps its id (and with it the minutes logged
 * against it), its done mark and its privacy; what the file added is new,
 * what it dropped becomes a tombstone, and only items whose kind, window,
 * text or place changed get a new version.
 */
#include <stdlib.h>
#include <string.h>

#include "cairn.h"
#include "err.h"
#include "planrec.h"

/* An item's title path: its ancestors' titles and its own. */
struct rp_key {
	char *path; /* owned: titles joined by '\x1f', root first */
	size_t idx;
};

void
ptree_diff_release(struct ptree_diff *d)
{
	if (d == NULL)
		return;
	free(d->old_of);
	free(d->what);
	free(d->gone);
	memset(d, 0, sizeof(*d));
}

/* The title path of item i of t (caller frees), or NULL on ENOMEM. */
static char *
rp_path(const struct ptree *t, size_t i)
{
	size_t len = 0, depth = 0, k;
	int p;
	char *s;

	for (p = (int)i; p >= 0 && depth <= t->n; p = t->items[p].parent) {
		len += strlen(t->items[p].m->title) + 1;
		depth++;
	}
	if ((s = malloc(len + 1)) == NULL)
		return NULL;
	s[len] = '\0';
	/* Written from the end: the item last, its root first. */
	k = len;
	for (p = (int)i; p >= 0 && depth > 0; p = t->items[p].parent) {
		size_t n = strlen(t->items[p].m->title);

		k -= n + 1;
		s[k] = '\x1f';
		memcpy(s + k + 1, t->items[p].m->title, n);
		depth--;
	}
	return s;
}

static int
rp_key_cmp(const void *a, const void *b)
{
	const struct rp_key *x = a, *y = b;
	int c = strcmp(x->path, y->path);

	if (c != 0)
		return c;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static void
rp_keys_free(struct rp_key *k, size_t n)
{
	size_t i;

	for (i = 0; k != NULL && i < n; i++)
		free(k[i].path);
	free(k);
}

/* The title paths of t's items, sorted (paths, then document order). */
static struct rp_key *
rp_keys(const struct ptree *t)
{
	struct rp_key *k = calloc(t->n > 0 ? t->n : 1, sizeof(*k));
	size_t i;

	if (k == NULL)
		return NULL;
	for (i = 0; i < t->n; i++) {
		k[i].idx = i;
		if ((k[i].path = rp_path(t, i)) == NULL) {
			rp_keys_free(k, t->n);
			return NULL;
		}
	}
	if (t->n > 0)
		qsort(k, t->n, sizeof(*k), rp_key_cmp);
	return k;
}

/*
 * The offset of the mark in a task-list line's "[ ]" (after blanks,
 * quote markers and a list marker), or -1.
 */
static long
rp_box(const char *s)
{
	size_t i = 0, j;

	while (s[i] == ' ' || s[i] == '\t' || s[i] == '>')
		i++;
	if (s[i] == '-' || s[i] == '+' || s[i] == '*') {
		i++;
	} else {
		for (j = i; s[j] >= '0' && s[j] <= '9'; j++)
			;
		if (j == i || (s[j] != '.' && s[j] != ')'))
			return -1;
		i = j + 1;
	}
	if (s[i] != ' ' && s[i] != '\t')
		return -1;
	while (s[i] == ' ' || s[i] == '\t')
		i++;
	if (s[i] != '[' || s[i + 1] == '\0' || s[i + 2] != ']')
		return -1;
	return (long)(i + 1);
}

/* 1 if two source texts are the same but for the mark in a box. */
static int
rp_same_text(const char *a, const char *b)
{
	long ba = rp_box(a), bb = rp_box(b);
	size_t la = strlen(a), lb = strlen(b);

	if (la != lb)
		return 0;
	if (ba < 0 || ba != bb)
		return strcmp(a, b) == 0;
	return memcmp(a, b, (size_t)ba) == 0 &&
	       strcmp(a + ba + 1, b + ba + 1) == 0;
}

/* What differs between old item j and new item i (PTREE_CH_*). */
static unsigned
rp_what(const struct ptree *old, size_t j, const struct ptree *nt, size_t i)
{
	const Cairn__PlanItem *a = old->items[j].m, *b = nt->items[i].m;
	unsigned w = 0;

	if (a->kind != b->kind)
		w |= PTREE_CH_KIND;
	if (a->has_window != b->has_window || a->from_day != b->from_day ||
	    a->to_day != b->to_day || a->limit_minutes != b->limit_minutes)
		w |= PTREE_CH_WINDOW;
	if (!rp_same_text(a->line, b->line))
		w |= PTREE_CH_TEXT;
	if (b->done && !a->done)
		w |= PTREE_CH_DONE;
	if (a->level != b->level || strcmp(a->parent, b->parent) != 0)
		w |= PTREE_CH_PLACE;
	return w;
}

/*
 * Replaces the string *dst of an unpacked message by src: protobuf-c
 * mallocs each string it unpacks, except an empty one, which points to
 * its shared protobuf_c_empty_string and is never freed.
 */
static int
rp_set(char **dst, const char *src)
{
	char *s = strdup(src);

	if (s == NULL)
		return CAIRN_ENOMEM;
	if (*dst != protobuf_c_empty_string)
		free(*dst);
	*dst = s;
	return CAIRN_OK;
}

/*
 * Among the kept items (old_of >= 0, in new order), the longest run whose
 * old positions increase: those can keep their positions. Sets anchor[i].
 */
static int
rp_anchors(const struct ptree *old, const struct ptree *nt, const int *old_of,
           char *anchor)
{
	size_t n = nt->n, len = 0, i, lo, hi, mid;
	size_t *tail = calloc(n + 1, sizeof(size_t));
	long *prev = calloc(n + 1, sizeof(long));
	long k;
	int rc = CAIRN_ENOMEM;

	if (tail == NULL || prev == NULL)
		goto out;
	for (i = 0; i < n; i++) {
		uint32_t p;

		if (old_of[i] < 0)
			continue;
		p = old->items[old_of[i]].m->position;
		lo = 0;
		hi = len;
		while (lo < hi) {
			mid = (lo + hi) / 2;
			if (old->items[old_of[tail[mid]]].m->position < p)
				lo = mid + 1;
			else
				hi = mid;
		}
		prev[i] = lo > 0 ? (long)tail[lo - 1] : -1;
		tail[lo] = i;
		if (lo == len)
			len++;
	}
	for (k = len > 0 ? (long)tail[len - 1] : -1; k >= 0; k = prev[k])
		anchor[k] = 1;
	rc = CAIRN_OK;
out:
	free(tail);
	free(prev);
	return rc;
}

/* Gives the items between anchors positions in the gaps they leave. */
static void
rp_positions(const struct ptree *old, struct ptree *nt, const int *old_of,
             char *anchor)
{
	int64_t last = -1, p, step;
	size_t i, j, from = 0, n = nt->n;

	for (i = 0; i <= n; i++) {
		if (i < n && !anchor[i])
			continue;
		if (i < n) {
			p = old->items[old_of[i]].m->position;
			/* No room for the items before it: it moves too. */
			if (p - last - 1 < (int64_t)(i - from)) {
				anchor[i] = 0;
				continue;
			}
			step = (p - last) / (int64_t)(i - from + 1);
		} else {
			step = PTREE_POS_STEP;
			if (last + step * (int64_t)(n - from) >
			    PLANREC_POSITION_MAX)
				step = (PLANREC_POSITION_MAX - last) /
				       (int64_t)(n - from + 1);
			p = last;
		}
		if (step < 1) {
			/* Out of room at the end: number everything again. */
			for (j = 0; j < n; j++) {
				anchor[j] = 0;
				nt->items[j].m->position = (uint32_t)j;
			}
			return;
		}
		for (j = from; j < i; j++)
			nt->items[j].m->position =
			        (uint32_t)(last +
			                   step * (int64_t)(j - from + 1));
		if (i < n) {
			nt->items[i].m->position = (uint32_t)p;
			last = p;
		}
		from = i + 1;
	}
}

int
ptree_replace(const struct ptree *old, struct ptree *nt, struct ptree_diff *d)
{
	struct rp_key *ko = NULL, *kn = NULL;
	size_t a = 0, b = 0, i;
	char *anchor = NULL;
	int rc = CAIRN_ENOMEM, c, j;

	memset(d, 0, sizeof(*d));
	d->old_of = calloc(nt->n > 0 ? nt->n : 1, sizeof(int));
	d->what = calloc(nt->n > 0 ? nt->n : 1, sizeof(unsigned));
	d->gone = calloc(old->n > 0 ? old->n : 1, 1);
	anchor = calloc(nt->n > 0 ? nt->n : 1, 1);
	if (d->old_of == NULL || d->what == NULL || d->gone == NULL ||
	    anchor == NULL || (ko = rp_keys(old)) == NULL ||
	    (kn = rp_keys(nt)) == NULL)
		goto out;
	for (i = 0; i < nt->n; i++)
		d->old_of[i] = -1;
	for (i = 0; i < old->n; i++)
		d->gone[i] = 1;
	/*
	 * Both key lists are sorted by path, then document order, so
	 * walking them together pairs the k-th old item of a path with its
	 * k-th new one: duplicates match in order.
	 */
	while (a < old->n && b < nt->n) {
		c = strcmp(ko[a].path, kn[b].path);
		if (c < 0) {
			a++;
		} else if (c > 0) {
			b++;
		} else {
			d->old_of[kn[b].idx] = (int)ko[a].idx;
			d->gone[ko[a].idx] = 0;
			a++;
			b++;
		}
	}
	/* The new tree takes the old ids, then its parents follow them. */
	memcpy(nt->id, old->id, sizeof(nt->id));
	memcpy(nt->owner, old->owner, sizeof(nt->owner));
	nt->priv = old->priv;
	for (i = 0; i < nt->n; i++) {
		if ((j = d->old_of[i]) < 0)
			continue;
		memcpy(nt->items[i].id, old->items[j].id,
		       sizeof(nt->items[i].id));
		nt->items[i].priv = old->items[j].priv;
	}
	for (i = 0; i < nt->n; i++) {
		int p = nt->items[i].parent;

		if (rp_set(&nt->items[i].m->plan, nt->id) != CAIRN_OK ||
		    rp_set(&nt->items[i].m->parent,
		           p >= 0 ? nt->items[p].id : "") != CAIRN_OK)
			goto out;
	}
	for (i = 0; i < nt->n; i++) {
		if ((j = d->old_of[i]) < 0) {
			d->added++;
			continue;
		}
		d->what[i] = rp_what(old, (size_t)j, nt, i);
		nt->items[i].m->done =
		        old->items[j].m->done || nt->items[i].m->done;
		if (d->what[i] & ~PTREE_CH_PLACE)
			d->changed++;
		else
			d->kept++;
	}
	for (i = 0; i < old->n; i++)
		d->removed += d->gone[i] != 0;
	if ((rc = rp_anchors(old, nt, d->old_of, anchor)) != CAIRN_OK)
		goto out;
	rp_positions(old, nt, d->old_of, anchor);
	for (i = 0; i < nt->n; i++) {
		j = d->old_of[i];
		if (j >= 0 &&
		    nt->items[i].m->position != old->items[j].m->position)
			d->what[i] |= PTREE_CH_PLACE;
	}
	/*
	 * The positions rise in document order, so relinking (which sorts
	 * by position) keeps the indices of d.
	 */
	rc = ptree_relink(nt);
out:
	free(anchor);
	rp_keys_free(ko, old->n);
	rp_keys_free(kn, nt->n);
	if (rc != CAIRN_OK)
		ptree_diff_release(d);
	return rc;
}

int
ptree_replace_store(struct store *st, const struct ptree *old, struct ptree *nt,
                    const struct ptree_diff *d)
{
	size_t i;
	int rc;

	if ((rc = store_begin(st)) != CAIRN_OK)
		return rc;
	if ((rc = ptree_put_plan(st, nt)) != CAIRN_OK)
		goto fail;
	for (i = 0; i < old->n; i++)
		if (d->gone[i] &&
		    (rc = ptree_tombstone_item(st, old, i)) != CAIRN_OK)
			goto fail;
	for (i = 0; i < nt->n; i++) {
		if (d->old_of[i] >= 0 && d->what[i] == 0)
			continue;
		if ((rc = ptree_put_item(st, nt, i)) != CAIRN_OK)
			goto fail;
	}
	if ((rc = store_commit(st)) == CAIRN_OK)
		return CAIRN_OK;
fail:
	store_rollback(st);
	return rc;
}
