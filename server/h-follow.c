/*
 * Followers: the live feed (docs/sync.md, "Followers"). Follow turns a
 * connection into a follower with a cursor at the newest change. After
 * every commit that moved the change log, follow_notify queues one
 * database job that runs the store's changes query for every follower from
 * its cursor (the same visibility rule as a pull) and, back on the loop,
 * sends each follower what it may see as one Event (a Response with id 0).
 *
 * Bounded by construction: a follower whose output queue is over
 * FOLLOW_WQ_MAX is left out of a round and keeps its cursor; when its queue
 * drains it asks for another round, so a slow follower holds at most one
 * round's worth of memory and misses nothing. Followers are exempt from
 * the idle timeout; a heartbeat Event goes to every follower that was sent
 * nothing for heartbeat seconds, so clients can tell a quiet feed from a
 * dead connection.
 */
#include <stdlib.h>
#include <string.h>

#include "cairnd.h"
#include "err.h"
#include "log.h"
#include "msg.h"

#define FOLLOW_BATCH 200                 /* changes per follower per round */
#define FOLLOW_WQ_MAX (64u * 1024)       /* queued bytes that skip a round */
#define FOLLOW_ROUND_BYTES (512u * 1024) /* records per follower per round */

/* One follower's share of a round. */
struct follow_slot {
	struct conn *c; /* holds a reference for the round */
	int64_t user_id;
	char device_id[UUID_LEN + 1];
	uint64_t cursor;
	size_t seen;
	size_t bytes;
	int more;
	Cairn__Record **recs; /* owned, FOLLOW_BATCH long once it has one */
	size_t n;
};

struct follow_round {
	struct dbq_job job;
	struct server *srv;
	struct follow_slot *slots; /* owned */
	size_t n;
	uint64_t t0;
	uint64_t base;     /* the newest seq the last round saw (0: none) */
	uint64_t top;      /* the newest seq this round sees */
	int64_t *audience; /* owned, sorted: who may see (base, top] */
	size_t naudience, cap;
	size_t asked; /* followers whose changes were read */
};

static void
follow_round_free(struct follow_round *r)
{
	size_t i, j;

	if (r == NULL)
		return;
	for (i = 0; i < r->n; i++) {
		for (j = 0; j < r->slots[i].n; j++)
			free(r->slots[i].recs[j]);
		free(r->slots[i].recs);
	}
	free(r->slots);
	free(r->audience);
	free(r);
}

/* Takes a follower's visible records (store.h changes callback). */
static int
follow_cb(void *arg, const struct store_change *ch)
{
	struct follow_slot *s = arg;
	Cairn__Record w;
	int rc;

	s->seen++;
	if (s->bytes >= FOLLOW_ROUND_BYTES) {
		s->more = 1;
		return 1;
	}
	s->cursor = ch->seq;
	/* Access events are for syncs; its own device's writes it has. */
	if (ch->type != STORE_CH_RECORD ||
	    strcmp(ch->rec->device, s->device_id) == 0)
		return 0;
	if ((rc = sync_record_to_wire(ch->rec, s->user_id, &w)) != CAIRN_OK)
		return rc;
	/* Most followers see nothing of a round: no array until they do. */
	if (s->recs == NULL &&
	    (s->recs = calloc(FOLLOW_BATCH, sizeof(*s->recs))) == NULL)
		return CAIRN_ENOMEM;
	if ((s->recs[s->n] = sync_record_copy(&w)) == NULL)
		return CAIRN_ENOMEM;
	s->bytes += cairn__record__get_packed_size(&w);
	s->n++;
	return 0;
}

static int
follow_audience_add(void *arg, int64_t user_id)
{
	struct follow_round *r = arg;
	int64_t *v;

	if (r->naudience == r->cap) {
		r->cap = r->cap == 0 ? 64 : r->cap * 2;
		if ((v = realloc(r->audience, r->cap * sizeof(*v))) == NULL)
			return CAIRN_ENOMEM;
		r->audience = v;
	}
	r->audience[r->naudience++] = user_id;
	return CAIRN_OK;
}

static int
follow_id_cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/*
 * 1 if s may have something new: its cursor is behind what the last
 * round saw, or its user is in the audience of the changes since.
 */
static int
follow_may_see(const struct follow_round *r, const struct follow_slot *s)
{
	if (r->audience == NULL || s->cursor < r->base)
		return 1;
	return bsearch(&s->user_id, r->audience, r->naudience,
	               sizeof(*r->audience), follow_id_cmp) != NULL;
}

/*
 * One changes query per follower was the whole cost of a round (10,000
 * followers: 88% of cairnd's time, pushes waiting behind it). Now the
 * round first asks who may see anything written since the last one (the
 * store's audience, a superset) and reads changes only for them; the
 * others have nothing new and their cursors move to the top.
 */
static int
follow_run(struct store *st, struct dbq_job *job)
{
	struct follow_round *r = container_of(job, struct follow_round, job);
	struct store_query q;
	size_t i;
	int rc;

	if ((rc = st->ops->max_seq(st, &r->top)) != CAIRN_OK)
		return rc;
	if (r->base > 0 && st->ops->audience != NULL) {
		rc = st->ops->audience(st, r->base, follow_audience_add, r);
		if (rc == CAIRN_OK) {
			if (r->naudience > 1)
				qsort(r->audience, r->naudience,
				      sizeof(*r->audience), follow_id_cmp);
			if (r->audience == NULL)
				r->audience = calloc(1, sizeof(*r->audience));
		} else {
			free(r->audience); /* ask everyone */
			r->audience = NULL;
			r->naudience = 0;
		}
	}
	for (i = 0; i < r->n; i++) {
		struct follow_slot *s = &r->slots[i];

		if (!follow_may_see(r, s)) {
			if (r->top > s->cursor)
				s->cursor = r->top;
			continue;
		}
		r->asked++;
		memset(&q, 0, sizeof(q));
		q.viewer = s->user_id;
		q.cursor = s->cursor;
		q.limit = FOLLOW_BATCH;
		rc = st->ops->changes(st, &q, follow_cb, s);
		if (rc != CAIRN_OK) {
			/* That follower waits for the next round. */
			log_event(LOG_WARN, "follow.error", "code=%s",
			          err_name(rc));
			s->more = 0;
			continue;
		}
		if (s->seen >= FOLLOW_BATCH)
			s->more = 1;
	}
	return CAIRN_OK;
}

/* Sends one Event (id 0) on c. */
static int
follow_send(struct conn *c, Cairn__Record **recs, size_t n, uint64_t cursor,
            int heartbeat)
{
	Cairn__Response resp = CAIRN__RESPONSE__INIT;
	Cairn__Event ev = CAIRN__EVENT__INIT;
	int rc;

	ev.records = recs;
	ev.n_records = n;
	ev.cursor = cursor;
	ev.heartbeat = heartbeat;
	resp.id = 0;
	resp.body_case = CAIRN__RESPONSE__BODY_EVENT;
	resp.event = &ev;
	if ((rc = conn_send(c, &resp)) != CAIRN_OK)
		conn_close(c, "cannot send event");
	else
		c->follow_sent_ms = now_mono_ms();
	return rc;
}

static void
follow_done(struct dbq_job *job)
{
	struct follow_round *r = container_of(job, struct follow_round, job);
	struct server *srv = r->srv;
	size_t i, sent = 0, events = 0;
	int again = 0;

	for (i = 0; i < r->n; i++) {
		struct follow_slot *s = &r->slots[i];
		struct conn *c = s->c;

		if (job->rc == CAIRN_OK && !c->closing && c->follower) {
			if (s->n > 0) {
				follow_send(c, s->recs, s->n, s->cursor, 0);
				sent++;
				events += s->n;
			}
			c->follow_cursor = s->cursor;
			again |= s->more;
		}
		conn_unref(c);
	}
	if (job->rc == CAIRN_OK && r->top > srv->follow_base)
		srv->follow_base = r->top;
	log_event(LOG_DEBUG, "follow.round",
	          "followers=%zu asked=%zu sent=%zu records=%zu ms=%llu", r->n,
	          r->asked, sent, events,
	          (unsigned long long)(now_mono_ms() - r->t0));
	follow_round_free(r);
	srv->follow_running = 0;
	if (again || srv->follow_again)
		follow_notify(srv);
}

void
follow_drained(struct conn *c)
{
	if (c->follower && c->follow_lagging && c->wq_bytes <= FOLLOW_WQ_MAX) {
		c->follow_lagging = 0;
		follow_notify(c->srv);
	}
}

void
follow_notify(struct server *srv)
{
	struct follow_round *r = NULL;
	struct conn *c;
	size_t n = 0;

	if (srv->stopping || srv->dbq == NULL || srv->nfollowers == 0)
		return;
	if (srv->follow_running) {
		srv->follow_again = 1;
		return;
	}
	srv->follow_again = 0;
	if ((r = calloc(1, sizeof(*r))) == NULL ||
	    (r->slots = calloc(srv->nfollowers, sizeof(*r->slots))) == NULL)
		goto fail;
	for (c = srv->conns; c != NULL && n < srv->nfollowers; c = c->next) {
		struct follow_slot *s = &r->slots[n];

		if (!c->follower || c->closing || c->close_after_flush)
			continue;
		if (c->wq_bytes > FOLLOW_WQ_MAX) {
			c->follow_lagging = 1; /* served when it drains */
			continue;
		}
		c->follow_lagging = 0;
		s->c = c;
		conn_ref(c);
		s->user_id = c->user_id;
		memcpy(s->device_id, c->device_id, sizeof(s->device_id));
		s->cursor = c->follow_cursor;
		r->n = ++n;
	}
	if (n == 0) {
		follow_round_free(r);
		return;
	}
	r->srv = srv;
	r->t0 = now_mono_ms();
	r->base = srv->follow_base;
	r->job.run = follow_run;
	r->job.done = follow_done;
	if (dbq_submit(srv->dbq, &r->job) != CAIRN_OK)
		goto fail;
	srv->follow_running = 1;
	return;
fail:
	if (r != NULL) {
		for (n = 0; n < r->n; n++)
			conn_unref(r->slots[n].c);
		follow_round_free(r);
	}
	log_event(LOG_WARN, "follow.error", "msg=\"cannot start a round\"");
}

void
follow_heartbeat(struct server *srv)
{
	uint64_t now = now_mono_ms(), every = srv->heartbeat_s * 1000ull;
	struct conn *c;

	for (c = srv->conns; c != NULL; c = c->next) {
		if (!c->follower || c->closing || c->close_after_flush ||
		    now - c->follow_sent_ms < every)
			continue;
		if (c->wq_bytes > FOLLOW_WQ_MAX)
			continue; /* it is not reading; the write will time out
			           */
		follow_send(c, NULL, 0, c->follow_cursor, 1);
	}
}

void
follow_forget(struct conn *c)
{
	if (!c->follower)
		return;
	c->follower = 0;
	c->srv->nfollowers--;
}

/* ---- the Follow request ---- */

struct follow_op {
	struct rq *rq; /* borrowed: the request owns this op */
	struct dbq_job job;
	uint64_t cursor, want;
	Cairn__FollowOk ok;
};

static int
follow_start_run(struct store *st, struct dbq_job *job)
{
	struct follow_op *op = container_of(job, struct follow_op, job);
	int rc;

	if ((rc = st->ops->max_seq(st, &op->cursor)) != CAIRN_OK)
		return rc;
	/* A reconnecting follower resumes where it was (a known cursor). */
	if (op->want > 0 && op->want < op->cursor)
		op->cursor = op->want;
	return CAIRN_OK;
}

static void
follow_start_done(struct dbq_job *job)
{
	struct follow_op *op = container_of(job, struct follow_op, job);
	struct rq *rq = op->rq;
	struct conn *c = rq->c;

	if (job->rc == CAIRN_EBUSY) {
		/* PostgreSQL away: the store reconnects. */
		rq_fail(rq, CAIRN_EBUSY, NULL, "server database busy, retry");
	} else if (job->rc < 0) {
		rq_fail(rq, CAIRN_ESTORAGE, NULL,
		        "server storage error; retry later");
	} else {
		if (!c->follower) {
			c->follower = 1;
			c->srv->nfollowers++;
		}
		c->follow_cursor = op->cursor;
		c->follow_sent_ms = now_mono_ms();
		follow_notify(c->srv); /* a resumed cursor may have news */
		uv_tcp_keepalive(&c->tcp, 1, 60);
		cairn__follow_ok__init(&op->ok);
		op->ok.cursor = op->cursor;
		op->ok.heartbeat_s = c->srv->heartbeat_s;
		rq->resp.body_case = CAIRN__RESPONSE__BODY_FOLLOW;
		rq->resp.follow = &op->ok;
		log_event(LOG_INFO, "follow.start",
		          "user=%s peer=%s followers=%u cursor=%llu", c->handle,
		          c->peer, c->srv->nfollowers,
		          (unsigned long long)op->cursor);
	}
	rq_complete(rq);
}

int
h_follow(struct rq *rq)
{
	struct follow_op *op;

	if ((op = calloc(1, sizeof(*op))) == NULL) {
		rq_fail(rq, CAIRN_ENOMEM, NULL, "server out of memory");
		return RQ_DONE;
	}
	op->rq = rq;
	op->want = rq->req->follow->cursor;
	rq->data = op;
	rq->data_free = free;
	op->job.run = follow_start_run;
	op->job.done = follow_start_done;
	if (dbq_submit_rq(rq, &op->job) != CAIRN_OK) {
		rq_fail(rq, CAIRN_EBUSY, NULL,
		        "server is shutting down; retry soon");
		return RQ_DONE;
	}
	return RQ_ASYNC;
}
