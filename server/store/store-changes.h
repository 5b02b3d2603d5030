/*
 * The change log as one viewer may see it, written once for every backend
 * (store-changes.c): which users a viewer sees, which streams of the log
 * that takes, and how the streams merge under one bound. A backend gives
 * the queries (struct store_changes_ops); the rule is here, so SQLite and
 * PostgreSQL cannot drift apart on who sees what.
 */
#ifndef CAIRN_STORE_CHANGES_H
#define CAIRN_STORE_CHANGES_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

/*
 * The phase-one streams: each one indexed range of seqs in (cursor,
 * bound], at most limit of them, ascending. key and extra as noted.
 */
enum store_stream {
	STORE_STREAM_OWNER,              /* key owner; extra: kinds <= it */
	STORE_STREAM_SUBJECT,            /* key viewer: records about them */
	STORE_STREAM_OWNER_ABOUT_OTHERS, /* key viewer: theirs on others */
	STORE_STREAM_EVENTS,             /* key viewer: access events */
	STORE_STREAM_SUBJECT_SHARED,     /* key subject; extra 1: not the
	                                    viewer's own records again */
};

/* A change found in phase one: its seq and whether it is an event. */
struct store_head {
	uint64_t seq;
	int event;
};

struct store_heads {
	struct store_head *v;
	size_t n, cap;
	uint64_t bound; /* no head above this can make the first limit */
	size_t limit;
};

struct store_changes_ops {
	/*
	 * Runs stream which, adding each seq with store_heads_add and ending
	 * with store_heads_stream_end. Not called when h->bound <= cursor.
	 */
	int (*stream)(struct store *st, enum store_stream which, int64_t key,
	              int64_t extra, uint64_t cursor, struct store_heads *h);
	/* The users viewer may see besides itself (caller frees *out). */
	int (*visible)(struct store *st, int64_t viewer, int64_t **out,
	               size_t *n);
	/* *yes: a relation of kind see (a STORE_SEE_* bit) from a to b. */
	int (*exists)(struct store *st, unsigned see, int64_t a, int64_t b,
	              int *yes);
	/* Reports the event or the record change at seq to cb. */
	int (*event)(struct store *st, uint64_t seq, store_change_cb cb,
	             void *arg);
	int (*record)(struct store *st, const struct store_query *q,
	              uint64_t seq, store_change_cb cb, void *arg);
};

/* Appends a head. CAIRN_ENOMEM. */
int store_heads_add(struct store_heads *h, uint64_t seq, int event);
/*
 * Ends a stream that added got heads, the last at seq: a stream that
 * filled the limit lowers the bound, since nothing above its last seq
 * can be among the first limit changes of the merge.
 */
void store_heads_stream_end(struct store_heads *h, size_t got, uint64_t seq);

/* The visibility op, from three exists queries. */
int store_visibility_of(const struct store_changes_ops *o, struct store *st,
                        int64_t viewer, int64_t subject, unsigned *mask);
/*
 * The changes op: phase one merges the streams q calls for (every seq
 * bounded by top too: a backend whose statements see different
 * snapshots passes the committed counter), phase two reports each change
 * to cb in seq order. A callback's positive return stops the walk.
 */
int store_changes_walk(const struct store_changes_ops *o, struct store *st,
                       const struct store_query *q, uint64_t top,
                       store_change_cb cb, void *arg);

#endif
