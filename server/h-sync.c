/*
 * Push and pull, the server half of docs/sync.md. A push is validated as a
 * whole on the loop before anything is written, then applied by one
 * database job inside its own savepoint, merged by the one merge rule
 * (here, not in a backend), and acknowledged only after the commit; a
 * version that would take its owner over the quota is left out and the
 * push answered EQUOTA after the commit of the rest. A pull
 * reads the change log as the caller may see it (records and access
 * events, the store's changes operation) after the client's cursor, in
 * bounded batches; a backfill pull reads one newly visible user's history.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cairnd.h"
#include "comment.h"
#include "err.h"
#include "hlc.h"
#include "log.h"
#include "msg.h"
#include "planrec.h"
#include "predict.h"
#include "timerrec.h"

#define SYNC_FUTURE_MS (24ull * 3600 * 1000)
/*
 * Largest record accepted, packed. Any accepted record must fit in a
 * PullOk frame with room to spare, or one oversized record would stop
 * every later pull of its owner.
 */
#define SYNC_RECORD_MAX (256u * 1024)
#define PULL_RECORD_OVERHEAD 8 /* tag and length of a record in PullOk */
/* A record of someone else, whether named so or by its stored owner. */
#define PUSH_NOT_OWNER_FMT "record %s is not owned by %s"

struct sync_op {
	struct rq *rq; /* borrowed: the request owns this op */
	struct dbq_job job;
	int64_t user_id;
	char device_id[UUID_LEN + 1];
	int version; /* the session's protocol version */
	char fail_id[UUID_LEN + 1];
	char fail_msg[200]; /* a refusal naming fail_id, set with its code */
	uint64_t t0;
	/* Push. */
	unsigned applied, ignored;
	uint64_t max_hlc;
	Cairn__PushOk push_ok;
	/* The quota (0: none) and the user's usage as the batch goes. */
	uint64_t quota_records, quota_bytes;
	unsigned quota_mb;
	struct store_usage usage;
	unsigned over_quota;              /* versions refused for it */
	char over_quota_id[UUID_LEN + 1]; /* the first of them */
	/* Pull. */
	uint64_t cursor, upto;
	char subject[HANDLE_MAX + 1]; /* a backfill's subject, or "" */
	uint32_t limit;
	size_t seen; /* changes the store reported */
	size_t bytes;
	size_t max_bytes; /* the batch's aim (server_reply_budget) */
	int more, reset;
	Cairn__Record **recs; /* owned, limit long, n used; each one block */
	size_t n;
	Cairn__Access **access; /* owned, limit long, n_access used */
	size_t n_access;
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
	for (i = 0; i < op->n_access; i++)
		free(op->access[i]);
	free(op->access);
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
	op->version = rq->c->version;
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
		        "this device's token was revoked; run 'cairn login HANDLE'");
	} else if (rc == CAIRN_ESERVERFULL) {
		/* The store rolled the write back: nothing half-done. */
		rq_fail(rq, CAIRN_ESERVERFULL, NULL,
		        "the server's disk is full; nothing was lost; tell the server's operator");
		log_event(LOG_ERROR, "sync.full", "user=%s", rq->c->handle);
	} else if (rc == CAIRN_EBUSY) {
		/* The database is away (reconnecting): nothing was stored. */
		rq_fail(rq, CAIRN_EBUSY, NULL, "server database busy, retry");
	} else {
		rq_fail(rq, CAIRN_ESTORAGE, NULL,
		        "server storage error; retry later");
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
	Cairn__Comment *cm;
	Cairn__Review *rv;
	Cairn__Prediction *pr;
	Cairn__Commitment *cmt;
	Cairn__Timer *tm;
	int rc;

	/* protobuf-c would cut a string at a NUL byte the checks never see. */
	if (msg_check_body(r->kind, r->body.data, r->body.len, why, whylen) !=
	    CAIRN_OK)
		return CAIRN_EINVAL;
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
	case CAIRN__KIND__KIND_COMMENT:
		cm = cairn__comment__unpack(NULL, r->body.len, r->body.data);
		if (cm == NULL)
			break;
		rc = comment_validate(cm, why, whylen);
		cairn__comment__free_unpacked(cm, NULL);
		return rc;
	case CAIRN__KIND__KIND_REVIEW:
		rv = cairn__review__unpack(NULL, r->body.len, r->body.data);
		if (rv == NULL)
			break;
		rc = review_validate(rv, why, whylen);
		cairn__review__free_unpacked(rv, NULL);
		return rc;
	case CAIRN__KIND__KIND_PREDICTION:
		pr = cairn__prediction__unpack(NULL, r->body.len, r->body.data);
		if (pr == NULL)
			break;
		rc = prediction_validate(pr, why, whylen);
		cairn__prediction__free_unpacked(pr, NULL);
		return rc;
	case CAIRN__KIND__KIND_COMMITMENT:
		cmt = cairn__commitment__unpack(NULL, r->body.len,
		                                r->body.data);
		if (cmt == NULL)
			break;
		rc = commitment_validate(cmt, why, whylen);
		cairn__commitment__free_unpacked(cmt, NULL);
		return rc;
	case CAIRN__KIND__KIND_TIMER:
		/* A timer is for the learner's own machines only. */
		if (!r->private_) {
			snprintf(why, whylen, "a timer must be private");
			return CAIRN_EINVAL;
		}
		tm = cairn__timer__unpack(NULL, r->body.len, r->body.data);
		if (tm == NULL)
			break;
		rc = timerrec_validate(tm, (int64_t)(now_ms / 1000), why,
		                       whylen);
		cairn__timer__free_unpacked(tm, NULL);
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
	if (r->kind < CAIRN__KIND__KIND_ENTRY ||
	    r->kind > (c->version >= 2 ? CAIRN__KIND__KIND_TIMER
	                               : CAIRN__KIND__KIND_PLAN_ITEM)) {
		rq_fail(rq, CAIRN_EINVAL, id, "record %s has unknown kind %d",
		        id, (int)r->kind);
		return CAIRN_EINVAL;
	}
	if (r->subject[0] != '\0' && !handle_valid(r->subject)) {
		rq_fail(rq, CAIRN_EINVAL, id,
		        "record %s has an invalid subject", id);
		return CAIRN_EINVAL;
	}
	if (strcmp(r->owner, c->handle) != 0) {
		rq_fail(rq, CAIRN_EFORBIDDEN, id, PUSH_NOT_OWNER_FMT, id,
		        c->handle);
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
		        "record %s is stamped %llu s in the future; check this machine's clock",
		        id,
		        (unsigned long long)((hlc_ms(r->hlc) - now_ms) / 1000));
		return CAIRN_ECLOCK;
	}
	if (r->deleted) {
		if (r->body.len != 0) {
			rq_fail(rq, CAIRN_EINVAL, id,
			        "deleted record %s has a body", id);
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

/* Fails the job for record id with code and a one-line reason. */
static int push_refuse(struct sync_op *op, const char *id, int code,
                       const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));

static int
push_refuse(struct sync_op *op, const char *id, int code, const char *fmt, ...)
{
	va_list ap;

	snprintf(op->fail_id, sizeof(op->fail_id), "%s", id);
	va_start(ap, fmt);
	vsnprintf(op->fail_msg, sizeof(op->fail_msg), fmt, ap);
	va_end(ap);
	return code;
}

/*
 * A version that names another device than the session's must name one of
 * the user's own devices (revoked ones too: their versions stay theirs).
 */
static int
push_device_is_users(struct store *st, struct sync_op *op,
                     const Cairn__Record *p)
{
	struct store_device d;
	int rc;

	rc = st->ops->device_get(st, p->device, &d);
	if (rc == CAIRN_OK && d.user_id == op->user_id)
		return CAIRN_OK;
	if (rc != CAIRN_OK && rc != CAIRN_ENOTFOUND)
		return rc;
	return push_refuse(op, p->id, CAIRN_EFORBIDDEN,
	                   "record %s names a device that is not one of yours",
	                   p->id);
}

/* The user id of handle, and whether the pusher may see them. */
static int
push_visible_user(struct store *st, struct sync_op *op, const char *handle,
                  int64_t *id, unsigned *mask)
{
	struct store_user u;
	int rc;

	rc = st->ops->user_get(st, handle, &u);
	if (rc == CAIRN_ENOTFOUND) {
		*mask = 0;
		return CAIRN_OK;
	}
	if (rc != CAIRN_OK)
		return rc;
	*id = u.id;
	return st->ops->visibility(st, op->user_id, u.id, mask);
}

/*
 * The subject of a comment: the owner of the record it is on (which the
 * author must be able to see), or the user whose week it is.
 */
static int
push_comment_subject(struct store *st, struct sync_op *op,
                     const Cairn__Record *p, int64_t *subject)
{
	struct store_record_head h;
	Cairn__Comment *cm;
	unsigned mask = 0;
	int rc;

	cm = cairn__comment__unpack(NULL, p->body.len, p->body.data);
	if (cm == NULL)
		return CAIRN_EINVAL; /* checked on the loop already */
	if (cm->target[0] == '\0') {
		rc = push_visible_user(
		        st, op, p->subject[0] != '\0' ? p->subject : p->owner,
		        subject, &mask);
		if (rc == CAIRN_OK && mask == 0)
			rc = push_refuse(
			        op, p->id, CAIRN_EFORBIDDEN,
			        "comment %s is on the week of someone you cannot see",
			        p->id);
		goto out;
	}
	rc = st->ops->record_get(st, cm->target, &h);
	if (rc == CAIRN_OK && (h.kind == CAIRN__KIND__KIND_COMMENT ||
	                       h.kind == CAIRN__KIND__KIND_REVIEW || h.deleted))
		rc = CAIRN_ENOTFOUND;
	if (rc == CAIRN_OK && h.owner_id != op->user_id &&
	    (rc = st->ops->visibility(st, op->user_id, h.owner_id, &mask)) ==
	            CAIRN_OK &&
	    (mask == 0 || h.private_))
		rc = CAIRN_ENOTFOUND;
	if (rc == CAIRN_ENOTFOUND) {
		/* Unknown and invisible look the same: nothing leaks. */
		rc = push_refuse(op, p->id, CAIRN_EFORBIDDEN,
		                 "comment %s is on a record you cannot see",
		                 p->id);
		goto out;
	}
	if (rc == CAIRN_OK)
		*subject = h.subject_id;
out:
	cairn__comment__free_unpacked(cm, NULL);
	return rc;
}

/*
 * Works out whose data p is about and whether its author may write it
 * there (docs/sync.md, comments and reviews). Deletes need no check: an
 * author may always withdraw their own record.
 */
static int
push_subject(struct store *st, struct sync_op *op, const Cairn__Record *p,
             const struct store_record_head *cur, int64_t *subject)
{
	unsigned mask = 0;
	int64_t id = 0;
	int rc;

	*subject = op->user_id;
	if (p->deleted) {
		if (cur != NULL)
			*subject = cur->subject_id;
		return CAIRN_OK;
	}
	switch (p->kind) {
	case CAIRN__KIND__KIND_COMMENT:
		return push_comment_subject(st, op, p, subject);
	case CAIRN__KIND__KIND_REVIEW:
		if ((rc = push_visible_user(st, op, p->subject, &id, &mask)))
			return rc;
		if (!(mask & STORE_SEE_MENTOR))
			return push_refuse(
			        op, p->id, CAIRN_EFORBIDDEN,
			        "review %s is of someone who is not your mentee",
			        p->id);
		*subject = id;
		return CAIRN_OK;
	default:
		if (p->subject[0] != '\0' && strcmp(p->subject, p->owner) != 0)
			return push_refuse(
			        op, p->id, CAIRN_EINVAL,
			        "record %s: an entry or plan is about its owner",
			        p->id);
		return CAIRN_OK;
	}
}

/*
 * Whether the user's usage may take version p in place of cur (NULL: a new
 * record), counting it in op->usage if so. Only growth is checked: a
 * delete, a smaller edit or an ignored version always fits, so a user
 * over the quota (lowered by the operator) can still make room. A version
 * that does not fit is left out and counted, and the batch goes on: what
 * fits is stored, and push_done answers EQUOTA after the commit.
 */
static int
push_fits(struct sync_op *op, const Cairn__Record *p,
          const struct store_record_head *cur)
{
	struct store_usage now = store_usage_of(p->deleted, p->body.len);
	struct store_usage was = {0, 0};

	if (cur != NULL)
		was = store_usage_of(cur->deleted, cur->body_len);
	if ((op->quota_records > 0 && now.records > was.records &&
	     op->usage.records + now.records - was.records >
	             op->quota_records) ||
	    (op->quota_bytes > 0 && now.bytes > was.bytes &&
	     op->usage.bytes + now.bytes - was.bytes > op->quota_bytes)) {
		if (op->over_quota++ == 0)
			snprintf(op->over_quota_id, sizeof(op->over_quota_id),
			         "%s", p->id);
		return 0;
	}
	op->usage.records = op->usage.records + now.records - was.records;
	op->usage.bytes = op->usage.bytes + now.bytes - was.bytes;
	return 1;
}

/* Merges one pushed version (the merge rule lives here, not in a store). */
static int
push_one(struct store *st, struct sync_op *op, const Cairn__Record *p)
{
	struct store_record_head cur;
	struct store_record r;
	int rc, have;

	if (strcmp(p->device, op->device_id) != 0 &&
	    (rc = push_device_is_users(st, op, p)) != CAIRN_OK)
		return rc;
	rc = st->ops->record_get(st, p->id, &cur);
	if (rc != CAIRN_OK && rc != CAIRN_ENOTFOUND)
		return rc;
	have = rc == CAIRN_OK;
	/*
	 * An id another user holds: the same answer as a record that names
	 * another owner (push_check), so that the refusal itself does not
	 * say the id exists.
	 */
	if (have && cur.owner_id != op->user_id)
		return push_refuse(op, p->id, CAIRN_EFORBIDDEN,
		                   PUSH_NOT_OWNER_FMT, p->id,
		                   op->rq->c->handle);
	if (have &&
	    hlc_version_cmp(p->hlc, p->device, cur.hlc, cur.device) <= 0) {
		op->ignored++;
		return CAIRN_OK;
	}
	memset(&r, 0, sizeof(r));
	if ((rc = push_subject(st, op, p, have ? &cur : NULL, &r.subject_id)) !=
	    CAIRN_OK)
		return rc;
	if (!push_fits(op, p, have ? &cur : NULL))
		return CAIRN_OK;
	r.id = p->id;
	r.kind = (int)p->kind;
	r.owner_id = op->user_id;
	r.hlc = p->hlc;
	r.device = p->device;
	r.deleted = p->deleted;
	r.private_ = p->private_;
	r.body = p->body.data;
	r.body_len = p->body.len;
	if ((rc = st->ops->record_put(st, &r)) != CAIRN_OK)
		return rc;
	op->applied++;
	return CAIRN_OK;
}

static int
push_run(struct store *st, struct dbq_job *job)
{
	struct sync_op *op = container_of(job, struct sync_op, job);
	const Cairn__Push *m = op->rq->req->push;
	size_t i;
	int rc;

	if ((rc = sync_device_active(st, op)) != CAIRN_OK)
		return rc;
	op->applied = op->ignored = op->over_quota = 0;
	op->over_quota_id[0] = '\0';
	if ((op->quota_records > 0 || op->quota_bytes > 0) &&
	    (rc = st->ops->usage_get(st, op->user_id, &op->usage)) != CAIRN_OK)
		return rc;
	for (i = 0; i < m->n_records; i++) {
		if ((rc = push_one(st, op, m->records[i])) != CAIRN_OK) {
			if (op->fail_id[0] == '\0')
				snprintf(op->fail_id, sizeof(op->fail_id), "%s",
				         m->records[i]->id);
			return rc;
		}
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
	          "user=%s n=%zu applied=%u ignored=%u ms=%llu", rq->c->handle,
	          rq->req->push->n_records, op->applied, op->ignored,
	          (unsigned long long)(now_mono_ms() - op->t0));
}

/*
 * Refuses what did not fit the quota (after the commit of what did), in
 * words that say what to do about it.
 */
static void
push_over_quota(struct sync_op *op)
{
	struct rq *rq = op->rq;
	char limits[64];

	if (op->quota_records > 0 && op->quota_mb > 0)
		snprintf(limits, sizeof(limits), "%llu records / %u MiB",
		         (unsigned long long)op->quota_records, op->quota_mb);
	else if (op->quota_records > 0)
		snprintf(limits, sizeof(limits), "%llu records",
		         (unsigned long long)op->quota_records);
	else
		snprintf(limits, sizeof(limits), "%u MiB", op->quota_mb);
	rq_fail(rq, CAIRN_EQUOTA, op->over_quota_id,
	        "your account is over its storage quota on this server (%s); remove old entries or ask the server's operator to raise --quota-records/--quota-mb",
	        limits);
	log_event(
	        LOG_WARN, "sync.quota",
	        "user=%s record=%s refused=%u applied=%u records=%llu bytes=%llu",
	        rq->c->handle, op->over_quota_id, op->over_quota, op->applied,
	        (unsigned long long)op->usage.records,
	        (unsigned long long)op->usage.bytes);
}

static void
push_done(struct dbq_job *job)
{
	struct sync_op *op = container_of(job, struct sync_op, job);
	struct rq *rq = op->rq;

	if (job->rc >= 0 && op->over_quota > 0) {
		push_over_quota(op);
	} else if (job->rc < 0 && op->fail_msg[0] != '\0') {
		rq_fail(rq, job->rc, op->fail_id, "%s", op->fail_msg);
		log_event(LOG_INFO, "sync.refused", "user=%s record=%s code=%s",
		          rq->c->handle, op->fail_id, err_name(job->rc));
	} else if (job->rc < 0)
		sync_job_fail(op, job->rc);
	else
		push_answer(op);
	if (job->rc >= 0 && op->applied > 0)
		follow_notify(rq->c->srv);
	rq_complete(rq);
}

/*
 * The checks of a push that need no storage: the batch size and every
 * record on its own. Pure (it reads the request and the session's handle
 * and writes only rq's failure), so dispatch.c runs it on the thread pool
 * for a large frame, off the loop.
 */
void
sync_push_precheck(struct rq *rq)
{
	const Cairn__Push *m = rq->req->push;
	uint64_t now_ms = hlc_wall_ms();
	size_t i;

	rq->prechecked = 1;
	if (m->n_records > MSG_MAX_BATCH) {
		rq_fail(rq, CAIRN_ETOOBIG, NULL,
		        "push of %zu records; the limit is %d", m->n_records,
		        MSG_MAX_BATCH);
		return;
	}
	for (i = 0; i < m->n_records; i++) {
		if (push_check(rq, m->records[i], now_ms) != CAIRN_OK)
			return;
	}
}

int
h_push(struct rq *rq)
{
	const Cairn__Push *m = rq->req->push;
	struct sync_op *op;
	size_t i;

	if (!rq->prechecked)
		sync_push_precheck(rq);
	if (rq->failed) {
		log_event(LOG_INFO, "sync.refused", "user=%s record=%s code=%s",
		          rq->c->handle, rq->record_id,
		          err_name(rq->status.code));
		return RQ_DONE;
	}
	if ((op = sync_op_new(rq)) == NULL)
		return RQ_DONE;
	op->quota_records = rq->c->srv->cfg->quota_records;
	op->quota_mb = rq->c->srv->cfg->quota_mb;
	op->quota_bytes = (uint64_t)op->quota_mb * 1024 * 1024;
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
		        "server is shutting down; retry soon");
		return RQ_DONE;
	}
	return RQ_ASYNC;
}

/* ---- pull ---- */

Cairn__Record *
sync_record_copy(const Cairn__Record *src)
{
	size_t lid = strlen(src->id) + 1, low = strlen(src->owner) + 1;
	size_t ldev = strlen(src->device) + 1, lsub = strlen(src->subject) + 1;
	Cairn__Record *r;
	char *p;

	r = malloc(sizeof(*r) + lid + low + ldev + lsub + src->body.len);
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
	r->subject = memcpy(p, src->subject, lsub);
	p += lsub;
	r->body.data = src->body.len > 0
	                       ? memcpy(p, src->body.data, src->body.len)
	                       : NULL;
	return r;
}

int
sync_record_to_wire(const struct store_record *s, int64_t viewer,
                    Cairn__Record *r)
{
	/*
	 * The store applies the private rule; this is the last gate before
	 * the wire. A private body for someone who is neither its owner nor
	 * its subject is a bug, and is never sent.
	 */
	if (s->private_ && s->body_len > 0 && s->owner_id != viewer &&
	    s->subject_id != viewer) {
		log_event(
		        LOG_ERROR, "sync.leak",
		        "record=%s viewer=%lld reason=\"private body for another user\"",
		        s->id, (long long)viewer);
		return CAIRN_EINTERNAL;
	}
	cairn__record__init(r);
	r->id = (char *)s->id;
	r->kind = (Cairn__Kind)s->kind;
	r->owner = (char *)s->owner;
	r->subject =
	        (char *)(strcmp(s->subject, s->owner) != 0 ? s->subject : "");
	r->hlc = s->hlc;
	r->device = (char *)s->device;
	r->deleted = s->deleted != 0;
	r->private_ = s->private_ != 0;
	r->body.data = (uint8_t *)s->body;
	r->body.len = s->body_len;
	r->seq = s->seq;
	return CAIRN_OK;
}

/* Adds an access event to the answer. */
static int
pull_access(struct sync_op *op, const struct store_change *ch)
{
	size_t len = strlen(ch->subject) + 1;
	Cairn__Access *a;

	if ((a = malloc(sizeof(*a) + len)) == NULL)
		return CAIRN_ENOMEM;
	cairn__access__init(a);
	a->seq = ch->seq;
	a->subject = memcpy(a + 1, ch->subject, len);
	a->granted = ch->type == STORE_CH_GRANT;
	op->access[op->n_access++] = a;
	op->bytes += len + 24;
	op->cursor = ch->seq;
	return 0;
}

/* Takes changes in seq order until a limit says stop (store.h callback). */
static int
pull_cb(void *arg, const struct store_change *ch)
{
	struct sync_op *op = arg;
	const struct store_record *s = ch->rec;
	Cairn__Record r;
	size_t size;
	int rc;

	op->seen++;
	if (op->n + op->n_access > 0 && op->bytes >= op->max_bytes) {
		op->more = 1;
		return 1;
	}
	if (ch->type != STORE_CH_RECORD)
		return pull_access(op, ch);
	if (strcmp(s->device, op->device_id) == 0) {
		/* This device wrote it: it has it already. */
		op->cursor = ch->seq;
		return 0;
	}
	if ((rc = sync_record_to_wire(s, op->user_id, &r)) != CAIRN_OK)
		return rc;
	size = cairn__record__get_packed_size(&r) + PULL_RECORD_OVERHEAD;
	if (op->n + op->n_access > 0 && op->bytes + size > op->max_bytes) {
		op->more = 1;
		return 1;
	}
	if ((op->recs[op->n] = sync_record_copy(&r)) == NULL)
		return CAIRN_ENOMEM;
	op->n++;
	op->bytes += size;
	op->cursor = ch->seq;
	return 0;
}

/* Notes the seq of the first change reported (store.h callback). */
static int
pull_first_cb(void *arg, const struct store_change *ch)
{
	uint64_t *seq = arg;

	*seq = ch->seq;
	return 1;
}

/*
 * Whether a cursor with nothing after it is one this viewer was given: a
 * pull hands out the seq of the last change it reported, so the change at
 * that seq is one the viewer may see (a newer version of it would come
 * after the cursor, and a change of access is an event the viewer sees).
 * Anything else (a database restored from a backup, or a number made up)
 * is answered with a reset. Comparing with the database-wide highest seq
 * instead would tell any user how many changes everyone made.
 */
static int
pull_cursor_known(struct store *st, const struct store_query *q, int *known)
{
	struct store_query at = *q;
	uint64_t first = 0;
	int rc;

	at.cursor = q->cursor - 1;
	at.limit = 1;
	if ((rc = st->ops->changes(st, &at, pull_first_cb, &first)) != 0)
		return rc;
	*known = first == q->cursor;
	return CAIRN_OK;
}

static int
pull_run(struct store *st, struct dbq_job *job)
{
	struct sync_op *op = container_of(job, struct sync_op, job);
	struct store_query q;
	struct store_user u;
	int rc, known = 1;

	if ((rc = sync_device_active(st, op)) != CAIRN_OK)
		return rc;
	memset(&q, 0, sizeof(q));
	q.viewer = op->user_id;
	q.cursor = op->cursor;
	q.limit = op->limit;
	if (op->subject[0] != '\0') {
		/* A backfill; a subject gone from view has nothing more. */
		rc = st->ops->user_get(st, op->subject, &u);
		if (rc == CAIRN_ENOTFOUND)
			return CAIRN_OK;
		if (rc != CAIRN_OK)
			return rc;
		q.subject = u.id;
		q.upto = op->upto;
		rc = st->ops->changes(st, &q, pull_cb, op);
		if (rc == CAIRN_EFORBIDDEN) {
			op->more = 0;
			return CAIRN_OK;
		}
		goto out;
	}
	if (op->version < 2) {
		/* The version 1 contract: own records of its kinds only. */
		q.own_only = 1;
		q.max_kind = CAIRN__KIND__KIND_PLAN_ITEM;
	}
	rc = st->ops->changes(st, &q, pull_cb, op);
	if (rc == CAIRN_OK && op->seen == 0 && q.cursor > 0 &&
	    (rc = pull_cursor_known(st, &q, &known)) == CAIRN_OK && !known) {
		op->reset = 1;
		return CAIRN_OK;
	}
out:
	if (rc == CAIRN_OK && op->seen >= op->limit)
		op->more = 1;
	return rc;
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
		op->pull_ok.n_access = op->n_access;
		op->pull_ok.access = op->access;
		op->pull_ok.cursor = op->cursor;
		op->pull_ok.more = op->more;
	}
	rq->resp.body_case = CAIRN__RESPONSE__BODY_PULL;
	rq->resp.pull = &op->pull_ok;
	log_event(
	        LOG_INFO, "sync.pull",
	        "user=%s n=%zu access=%zu cursor=%llu more=%d reset=%d%s%s ms=%llu",
	        rq->c->handle, op->n, op->n_access,
	        (unsigned long long)op->pull_ok.cursor, op->more, op->reset,
	        op->subject[0] != '\0' ? " backfill=" : "", op->subject,
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

	if (m->subject[0] != '\0' &&
	    (rq->c->version < 2 || !handle_valid(m->subject) || m->upto == 0)) {
		rq_fail(rq, CAIRN_EINVAL, NULL,
		        "a backfill pull needs protocol version 2, a handle and an upper bound");
		return RQ_DONE;
	}
	if ((op = sync_op_new(rq)) == NULL)
		return RQ_DONE;
	op->cursor = m->cursor;
	op->upto = m->upto;
	snprintf(op->subject, sizeof(op->subject), "%s", m->subject);
	op->limit = m->limit == 0 || m->limit > MSG_MAX_PULL ? MSG_MAX_PULL
	                                                     : m->limit;
	op->max_bytes = server_reply_budget(rq->c->srv);
	/* A cursor from another database, or one without an epoch. */
	if ((m->epoch[0] != '\0' && strcmp(m->epoch, srv->epoch) != 0) ||
	    (m->epoch[0] == '\0' && m->cursor > 0)) {
		op->reset = 1;
		pull_answer(op);
		return RQ_DONE;
	}
	if ((op->recs = calloc(op->limit, sizeof(*op->recs))) == NULL ||
	    (op->access = calloc(op->limit, sizeof(*op->access))) == NULL) {
		rq_fail(rq, CAIRN_ENOMEM, NULL, "server out of memory");
		return RQ_DONE;
	}
	op->job.run = pull_run;
	op->job.done = pull_done;
	if (dbq_submit_rq(rq, &op->job) != CAIRN_OK) {
		rq_fail(rq, CAIRN_EBUSY, NULL,
		        "server is shutting down; retry soon");
		return RQ_DONE;
	}
	return RQ_ASYNC;
}
