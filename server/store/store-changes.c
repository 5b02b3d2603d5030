/*
 * The change log as one viewer may see it (store-changes.h): the rule of
 * who sees what and the merge of the log's streams, shared by the SQLite
 * and PostgreSQL stores, which only run the queries.
 */
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "store-changes.h"

int
store_heads_add(struct store_heads *h, uint64_t seq, int event)
{
	struct store_head *nv;
	size_t cap;

	if (h->n == h->cap) {
		cap = h->cap == 0 ? 256 : h->cap * 2;
		if ((nv = realloc(h->v, cap * sizeof(*nv))) == NULL)
			return CAIRN_ENOMEM;
		h->v = nv;
		h->cap = cap;
	}
	h->v[h->n].seq = seq;
	h->v[h->n].event = event;
	h->n++;
	return CAIRN_OK;
}

void
store_heads_stream_end(struct store_heads *h, size_t got, uint64_t seq)
{
	if (got == h->limit && seq < h->bound)
		h->bound = seq;
}

int
store_visibility_of(const struct store_changes_ops *o, struct store *st,
                    int64_t viewer, int64_t subject, unsigned *mask)
{
	static const unsigned sees[] = {STORE_SEE_PARTNER, STORE_SEE_MENTOR,
	                                STORE_SEE_GROUP};
	unsigned m = viewer == subject ? STORE_SEE_SELF : 0;
	size_t i;
	int rc, yes;

	for (i = 0; i < sizeof(sees) / sizeof(sees[0]); i++) {
		if ((rc = o->exists(st, sees[i], viewer, subject, &yes)) != 0)
			return rc;
		/* A learner is in their own groups; that is not a relation. */
		if (yes && !(sees[i] == STORE_SEE_GROUP && viewer == subject))
			m |= sees[i];
	}
	*mask = m;
	return CAIRN_OK;
}

static int
store_stream_run(const struct store_changes_ops *o, struct store *st,
                 enum store_stream which, int64_t key, int64_t extra,
                 uint64_t cursor, struct store_heads *h)
{
	if (h->bound <= cursor)
		return CAIRN_OK;
	return o->stream(st, which, key, extra, cursor, h);
}

static int
store_head_cmp(const void *a, const void *b)
{
	const struct store_head *x = a, *y = b;

	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Phase one: the seqs of the first q->limit changes, sorted, unique. */
static int
store_changes_heads(const struct store_changes_ops *o, struct store *st,
                    const struct store_query *q, uint64_t top,
                    struct store_heads *h)
{
	int64_t *others = NULL;
	size_t n = 0, i, j;
	unsigned mask;
	int rc;

	h->bound = q->upto != 0 ? q->upto : (uint64_t)INT64_MAX;
	if (top < h->bound)
		h->bound = top;
	h->limit = q->limit > 0 ? q->limit : 1;
	if (q->own_only) {
		rc = store_stream_run(o, st, STORE_STREAM_OWNER, q->viewer,
		                      q->max_kind > 0 ? q->max_kind : INT32_MAX,
		                      q->cursor, h);
		goto sort;
	}
	if (q->subject != 0) {
		/* A backfill: one subject, never its private records. */
		if ((rc = store_visibility_of(o, st, q->viewer, q->subject,
		                              &mask)) != CAIRN_OK)
			return rc;
		if (mask == 0)
			return CAIRN_EFORBIDDEN;
		rc = store_stream_run(o, st, STORE_STREAM_SUBJECT_SHARED,
		                      q->subject, 0, q->cursor, h);
		goto sort;
	}
	if ((rc = store_stream_run(o, st, STORE_STREAM_SUBJECT, q->viewer, 0,
	                           q->cursor, h)) ||
	    (rc = store_stream_run(o, st, STORE_STREAM_OWNER_ABOUT_OTHERS,
	                           q->viewer, 0, q->cursor, h)) ||
	    (rc = store_stream_run(o, st, STORE_STREAM_EVENTS, q->viewer, 0,
	                           q->cursor, h)) ||
	    (rc = o->visible(st, q->viewer, &others, &n)))
		return rc;
	for (i = 0; i < n && rc == CAIRN_OK; i++)
		rc = store_stream_run(o, st, STORE_STREAM_SUBJECT_SHARED,
		                      others[i], 1, q->cursor, h);
	free(others);
sort:
	if (rc != CAIRN_OK)
		return rc;
	if (h->n > 1)
		qsort(h->v, h->n, sizeof(*h->v), store_head_cmp);
	/* Streams overlap (my comment on a partner's entry): drop repeats. */
	for (i = 0, j = 0; i < h->n; i++)
		if (j == 0 || h->v[j - 1].seq != h->v[i].seq)
			h->v[j++] = h->v[i];
	h->n = j < h->limit ? j : h->limit;
	return CAIRN_OK;
}

int
store_changes_walk(const struct store_changes_ops *o, struct store *st,
                   const struct store_query *q, uint64_t top,
                   store_change_cb cb, void *arg)
{
	struct store_heads h;
	size_t i;
	int rc;

	memset(&h, 0, sizeof(h));
	if ((rc = store_changes_heads(o, st, q, top, &h)) != CAIRN_OK)
		goto out;
	for (i = 0; i < h.n; i++) {
		rc = h.v[i].event ? o->event(st, h.v[i].seq, cb, arg)
		                  : o->record(st, q, h.v[i].seq, cb, arg);
		if (rc != 0) {
			rc = rc > 0 ? CAIRN_OK : rc;
			goto out;
		}
	}
	rc = CAIRN_OK;
out:
	free(h.v);
	return rc;
}
