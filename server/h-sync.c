/*
 * Push and pull, the server half of docs/sync.md. A push is validated as a
 * whole on the loop before anything is written, then applied by one
 * database job inside its own savepoint and acknowledged only after the
 * commit. A pull reads the change log after the client's cursor, filtered
 * by visibility, in bounded batches.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cairnd.h"
#include "err.h"
#include "hlc.h"
#include "log.h"
#include "msg.h"
#include "planrec.h"

#define SYNC_FUTURE_MS (24ull * 3600 * 1000)
/*
 * Largest record accepted, packed. Any accepted record must fit in a
 * PullOk frame with room to spare, or one oversized record would stop
 * every later pull of its owner.
 */
#define SYNC_RECORD_MAX (256u * 1024)
#define PULL_SCAN_MAX 10000    /* rows one pull may look at, skipped or not */
#define PULL_RECORD_OVERHEAD 8 /* tag and length of a record in PullOk */

struct sync_op {
	struct rq *rq; /* borrowed: the request owns this op */
	struct dbq_job job;
	int64_t user_id;
	char device_id[UUID_LEN + 1];
	char fail_id[UUID_LEN + 1];
	int fail_device; /* fail_id names a device not the user's */
	uint64_t t0;
	/* Push. */
	unsigned applied, ignored;
	uint64_t max_hlc;
	Cairn__PushOk push_ok;
	/* Pull. */
	uint64_t cursor;
	uint32_t limit;
	unsigned scanned;
	size_t bytes;
	int more, reset;
	Cairn__Record **recs; /* owned, limit long, n used; each one block */
	size_t n;
	Cairn__PullOk pull_ok;
};

static void
sync_op_free(void *p)
{
	struct sync_op *op = p;
	size_t i;

	if (op == NULL)
		return;
	for (i = 0; i < op->n; i++)
		free(op->recs[i]);
	free(op->recs);
	free(op);
}

static struct sync_op *
sync_op_new(struct rq *rq)
{
	struct sync_op *op;

	if ((op = calloc(1, sizeof(*op))) == NULL) {
		rq_fail(rq, CAIRN_ENOMEM, NULL, "server out of memory");
		return NULL;
	}
	op->rq = rq;
	op->user_id = rq->c->user_id;
	memcpy(op->device_id, rq->c->device_id, sizeof(op->device_id));
	op->t0 = now_mono_ms();
	rq->data = op;
	rq->data_free = sync_op_free;
	return op;
}

/* The session's device may have been revoked since it authenticated. */
static int
sync_device_active(struct store *st, struct sync_op *op)
{
	struct store_device d;
	int rc;

	rc = st->ops->device_get(st, op->device_id, &d);
	if (rc == CAIRN_ENOTFOUND)
		return CAIRN_EREVOKED;
	if (rc != CAIRN_OK)
		return rc;
	return d.revoked_at != 0 ? CAIRN_EREVOKED : CAIRN_OK;
}

/* Fails rq for a job error that is not specific to a record. */
static void
sync_job_fail(struct sync_op *op, int rc)
{
	struct rq *rq = op->rq;

	if (rc == CAIRN_EREVOKED) {
		rq->c->authed = 0;
		rq_fail(rq, CAIRN_EREVOKED, NULL,
		        "this device's token was "
		        "revoked; run 'cairn login HANDLE'");
	} else {
		rq_fail(rq, CAIRN_ESTORAGE, NULL,
		        "server storage error; "
		        "retry later");
	}
}

/* ---- push ---- */

/*
 * Decodes a record's body as the message of its kind and checks it by the
 * rules client and server share. CAIRN_OK or CAIRN_EINVAL with why set.
 */
static int
push_check_body(const Cairn__Record *r, uint64_t now_ms, char *why,
                size_t whylen)
{
	Cairn__Entry *e;
	Cairn__Plan *p;
	Cairn__PlanItem *it;
	int rc;

	switch (r->kind) {
	case CAIRN__KIND__KIND_ENTRY:
		e = cairn__entry__unpack(NULL, r->body.len, r->body.data);
		if (e == NULL)
			break;
		rc = entry_validate(e, (int64_t)(now_ms / 1000), why, whylen);
		cairn__entry__free_unpacked(e, NULL);
		return rc;
	case CAIRN__KIND__KIND_PLAN:
		p = cairn__plan__unpack(NULL, r->body.len, r->body.data);
		if (p == NULL)
			break;
		rc = planrec_validate_plan(p, why, whylen);
		cairn__plan__free_unpacked(p, NULL);
		return rc;
	case CAIRN__KIND__KIND_PLAN_ITEM:
		it = cairn__plan_item__unpack(NULL, r->body.len, r->body.data);
		if (it == NULL)
			break;
		rc = planrec_validate_item(it, r->id, why, whylen);
		cairn__plan_item__free_unpacked(it, NULL);
		return rc;
	default:
		break;
	}
	snprintf(why, whylen, "body is not a valid message of its kind");
	return CAIRN_EINVAL;
}

/* Checks one record of a push. CAIRN_OK or fails rq and returns code. */
static int
push_check(struct rq *rq, const Cairn__Record *r, uint64_t now_ms)
{
	const char *id = uuid_valid(r->id) ? r->id : NULL;
	struct conn *c = rq->c;
	char why[160];
	int rc;

	if (id == NULL) {
		rq_fail(rq, CAIRN_EINVAL, NULL, "a record id is not a UUID");
		return CAIRN_EINVAL;
	}
	if (r->kind != CAIRN__KIND__KIND_ENTRY &&
	    r->kind != CAIRN__KIND__KIND_PLAN &&
	    r->kind != CAIRN__KIND__KIND_PLAN_ITEM) {
		rq_fail(rq, CAIRN_EINVAL, id, "record %s has unknown kind %d",
		        id, (int)r->kind);
		return CAIRN_EINVAL;
	}
	if (strcmp(r->owner, c->handle) != 0) {
		rq_fail(rq, CAIRN_EFORBIDDEN, id,
		        "record %s is not owned by "
		        "%s",
		        id, c->handle);
		return CAIRN_EFORBIDDEN;
	}
	/*
	 * A version written by another of the user's devices may come back
	 * unchanged (a client re-pushing after a server restore); push_run
	 * checks that the device is the user's.
	 */
	if (!uuid_valid(r->device)) {
		rq_fail(rq, CAIRN_EINVAL, id,
		        "record %s has no valid device id", id);
		return CAIRN_EINVAL;
	}
	if (cairn__record__get_packed_size(r) > SYNC_RECORD_MAX) {
		rq_fail(rq, CAIRN_EINVAL, id,
		        "record %s is larger than %u bytes", id,
		        SYNC_RECORD_MAX);
		return CAIRN_EINVAL;
	}
	if (r->hlc == 0) {
		rq_fail(rq, CAIRN_EINVAL, id, "record %s has no timestamp", id);
		return CAIRN_EINVAL;
	}
	if (hlc_ms(r->hlc) > now_ms + SYNC_FUTURE_MS) {
		rq_fail(rq, CAIRN_ECLOCK, id,
		        "record %s is stamped %llu s in "
		        "the future; check this machine's clock",
		        id,
		        (unsigned long long)((hlc_ms(r->hlc) - now_ms) / 1000));
		return CAIRN_ECLOCK;
	}
	if (r->deleted) {
		if (r->body.len != 0) {
			rq_fail(rq, CAIRN_EINVAL, id,
			        "deleted record %s has "
			        "a body",
			        id);
			return CAIRN_EINVAL;
		}
		return CAIRN_OK;
	}
	rc = push_check_body(r, now_ms, why, sizeof(why));
	if (rc != CAIRN_OK) {
		rq_fail(rq, CAIRN_EINVAL, id, "record %s: %s", id, why);
		return CAIRN_EINVAL;
	}
	return CAIRN_OK;
}

/*
 * A version that names another device than the session's must name one of
 * the user's own devices (revoked ones too: their versions stay theirs).
 */
static int
push_device_is_users(struct store *st, struct sync_op *op, const char *id)
{
	struct store_device d;
	int rc;

	rc = st->ops->device_get(st, id, &d);
	if (rc == CAIRN_OK && d.user_id == op->user_id)
		return CAIRN_OK;
	if (rc != CAIRN_OK && rc != CAIRN_ENOTFOUND)
		return rc;
	op->fail_device = 1;
	return CAIRN_EFORBIDDEN;
}

static int
push_run(struct store *st, struct dbq_job *job)
{
	struct sync_op *op = container_of(job, struct sync_op, job);
	const Cairn__Push *m = op->rq->req->push;
	struct store_record r;
	size_t i;
	int rc, applied;

	if ((rc = sync_device_active(st, op)) != CAIRN_OK)
		return rc;
	op->applied = op->ignored = 0;
	for (i = 0; i < m->n_records; i++) {
		const Cairn__Record *p = m->records[i];

		if (strcmp(p->device, op->device_id) != 0 &&
		    (rc = push_device_is_users(st, op, p->device)) !=
		            CAIRN_OK) {
			snprintf(op->fail_id, sizeof(op->fail_id), "%s", p->id);
			return rc;
		}
		memset(&r, 0, sizeof(r));
		r.id = p->id;
		r.kind = (int)p->kind;
		r.owner_id = op->user_id;
		r.hlc = p->hlc;
		r.device = p->device;
		r.deleted = p->deleted;
		r.private_ = p->private_;
		r.body = p->body.data;
		r.body_len = p->body.len;
		if ((rc = st->ops->record_put(st, &r, &applied)) != CAIRN_OK) {
			snprintf(op->fail_id, sizeof(op->fail_id), "%s", p->id);
			return rc;
		}
		if (applied)
			op->applied++;
		else
			op->ignored++;
	}
	return CAIRN_OK;
}

/* Fills the PushOk answer. */
static void
push_answer(struct sync_op *op)
{
	struct rq *rq = op->rq;

	cairn__push_ok__init(&op->push_ok);
	op->push_ok.applied = op->applied;
	op->push_ok.ignored = op->ignored;
	op->push_ok.hlc = server_clock(rq->c->srv, op->max_hlc);
	rq->resp.body_case = CAIRN__RESPONSE__BODY_PUSH;
	rq->resp.push = &op->push_ok;
	log_event(LOG_INFO, "sync.push",
	          "user=%s n=%zu applied=%u "
	          "ignored=%u ms=%llu",
	          rq->c->handle, rq->req->push->n_records, op->applied,
	          op->ignored, (unsigned long long)(now_mono_ms() - op->t0));
}

static void
push_done(struct dbq_job *job)
{
	struct sync_op *op = container_of(job, struct sync_op, job);
	struct rq *rq = op->rq;

	if (job->rc == CAIRN_EFORBIDDEN && op->fail_device)
		rq_fail(rq, CAIRN_EFORBIDDEN, op->fail_id,
		        "record %s names a device that is not one of "
		        "yours",
		        op->fail_id);
	else if (job->rc == CAIRN_EFORBIDDEN)
		rq_fail(rq, CAIRN_EFORBIDDEN, op->fail_id,
		        "record %s belongs "
		        "to another user",
		        op->fail_id);
	else if (job->rc < 0)
		sync_job_fail(op, job->rc);
	else
		push_answer(op);
	rq_complete(rq);
}

int
h_push(struct rq *rq)
{
	const Cairn__Push *m = rq->req->push;
	uint64_t now_ms = hlc_wall_ms();
	struct sync_op *op;
	size_t i;

	if (m->n_records > MSG_MAX_BATCH) {
		rq_fail(rq, CAIRN_ETOOBIG, NULL,
		        "push of %zu records; the "
		        "limit is %d",
		        m->n_records, MSG_MAX_BATCH);
		return RQ_DONE;
	}
	for (i = 0; i < m->n_records; i++) {
		if (push_check(rq, m->records[i], now_ms) != CAIRN_OK) {
			log_event(LOG_INFO, "sync.refused",
			          "user=%s record=%s "
			          "code=%s",
			          rq->c->handle, rq->record_id,
			          err_name(rq->status.code));
			return RQ_DONE;
		}
	}
	if ((op = sync_op_new(rq)) == NULL)
		return RQ_DONE;
	for (i = 0; i < m->n_records; i++) {
		if (m->records[i]->hlc > op->max_hlc)
			op->max_hlc = m->records[i]->hlc;
	}
	if (m->n_records == 0) {
		push_answer(op);
		return RQ_DONE;
	}
	op->job.run = push_run;
	op->job.done = push_done;
	op->job.flags = DBQ_PUSH;
	if (dbq_submit_rq(rq, &op->job) != CAIRN_OK) {
		rq_fail(rq, CAIRN_EBUSY, NULL,
		        "server is shutting down; "
		        "retry soon");
		return RQ_DONE;
	}
	return RQ_ASYNC;
}

/* ---- pull ---- */

/* Copies a stored version into one allocation. NULL when out of memory. */
static Cairn__Record *
pull_copy(const Cairn__Record *src)
{
	size_t lid = strlen(src->id) + 1, low = strlen(src->owner) + 1;
	size_t ldev = strlen(src->device) + 1;
	Cairn__Record *r;
	char *p;

	r = malloc(sizeof(*r) + lid + low + ldev + src->body.len);
	if (r == NULL)
		return NULL;
	*r = *src;
	p = (char *)(r + 1);
	r->id = memcpy(p, src->id, lid);
	p += lid;
	r->owner = memcpy(p, src->owner, low);
	p += low;
	r->device = memcpy(p, src->device, ldev);
	p += ldev;
	r->body.data = src->body.len > 0
	                       ? memcpy(p, src->body.data, src->body.len)
	                       : NULL;
	return r;
}

/* Takes rows in seq order until a limit says stop (store.h callback). */
static int
pull_cb(void *arg, const struct store_record *s)
{
	struct sync_op *op = arg;
	Cairn__Record r = CAIRN__RECORD__INIT;
	size_t size;

	if (op->scanned >= PULL_SCAN_MAX) {
		op->more = 1;
		return 1;
	}
	op->scanned++;
	if (strcmp(s->device, op->device_id) == 0) {
		/* This device wrote it: it has it already. */
		op->cursor = s->seq;
		return 0;
	}
	if (op->n >= op->limit) {
		op->more = 1;
		return 1;
	}
	r.id = (char *)s->id;
	r.kind = (Cairn__Kind)s->kind;
	r.owner = (char *)s->owner;
	r.hlc = s->hlc;
	r.device = (char *)s->device;
	r.deleted = s->deleted != 0;
	r.private_ = s->private_ != 0;
	r.body.data = (uint8_t *)s->body;
	r.body.len = s->body_len;
	r.seq = s->seq;
	size = cairn__record__get_packed_size(&r) + PULL_RECORD_OVERHEAD;
	if (op->n > 0 && op->bytes + size > MSG_BATCH_BYTES) {
		op->more = 1;
		return 1;
	}
	if ((op->recs[op->n] = pull_copy(&r)) == NULL)
		return CAIRN_ENOMEM;
	op->n++;
	op->bytes += size;
	op->cursor = s->seq;
	return 0;
}

static int
pull_run(struct store *st, struct dbq_job *job)
{
	struct sync_op *op = container_of(job, struct sync_op, job);
	uint64_t max;
	int rc;

	if ((rc = sync_device_active(st, op)) != CAIRN_OK)
		return rc;
	if ((rc = st->ops->max_seq(st, &max)) != CAIRN_OK)
		return rc;
	if (op->cursor > max) {
		op->reset = 1;
		return CAIRN_OK;
	}
	return st->ops->pull(st, op->user_id, op->cursor, pull_cb, op);
}

/* Fills the PullOk answer (records, or a reset). */
static void
pull_answer(struct sync_op *op)
{
	struct rq *rq = op->rq;

	cairn__pull_ok__init(&op->pull_ok);
	op->pull_ok.epoch = rq->c->srv->epoch;
	if (op->reset) {
		op->pull_ok.reset = 1;
		op->pull_ok.cursor = 0;
	} else {
		op->pull_ok.n_records = op->n;
		op->pull_ok.records = op->recs;
		op->pull_ok.cursor = op->cursor;
		op->pull_ok.more = op->more;
	}
	rq->resp.body_case = CAIRN__RESPONSE__BODY_PULL;
	rq->resp.pull = &op->pull_ok;
	log_event(LOG_INFO, "sync.pull",
	          "user=%s n=%zu cursor=%llu more=%d "
	          "reset=%d ms=%llu",
	          rq->c->handle, op->n, (unsigned long long)op->pull_ok.cursor,
	          op->more, op->reset,
	          (unsigned long long)(now_mono_ms() - op->t0));
}

static void
pull_done(struct dbq_job *job)
{
	struct sync_op *op = container_of(job, struct sync_op, job);

	if (job->rc < 0)
		sync_job_fail(op, job->rc);
	else
		pull_answer(op);
	rq_complete(op->rq);
}

int
h_pull(struct rq *rq)
{
	const Cairn__Pull *m = rq->req->pull;
	struct server *srv = rq->c->srv;
	struct sync_op *op;

	if ((op = sync_op_new(rq)) == NULL)
		return RQ_DONE;
	op->cursor = m->cursor;
	op->limit = m->limit == 0 || m->limit > MSG_MAX_BATCH ? MSG_MAX_BATCH
	                                                      : m->limit;
	/* A cursor from another database, or one without an epoch. */
	if ((m->epoch[0] != '\0' && strcmp(m->epoch, srv->epoch) != 0) ||
	    (m->epoch[0] == '\0' && m->cursor > 0)) {
		op->reset = 1;
		pull_answer(op);
		return RQ_DONE;
	}
	if ((op->recs = calloc(op->limit, sizeof(*op->recs))) == NULL) {
		rq_fail(rq, CAIRN_ENOMEM, NULL, "server out of memory");
		return RQ_DONE;
	}
	op->job.run = pull_run;
	op->job.done = pull_done;
	if (dbq_submit_rq(rq, &op->job) != CAIRN_OK) {
		rq_fail(rq, CAIRN_EBUSY, NULL,
		        "server is shutting down; "
		        "retry soon");
		return RQ_DONE;
	}
	return RQ_ASYNC;
}
