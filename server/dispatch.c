/*
 * The dispatcher: unpack a request once, check the connection's state
 * against the handler's row (needs Hello, needs a session), call the
 * handler, pack the reply, free everything once. Handlers only read the
 * request and fill the response; the checks that apply to many of them
 * live here, as flags on their row.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cairnd.h"
#include "err.h"
#include "log.h"
#include "msg.h"

/* Frames from this size up are decoded on the thread pool. */
#define DISPATCH_OFFLOOP_MIN (64 * 1024)

struct dispatch_row {
	Cairn__Request__BodyCase body;
	const char *name;
	int (*fn)(struct rq *rq);
	unsigned flags;
};

static const struct dispatch_row dispatch_table[] = {
        {CAIRN__REQUEST__BODY_HELLO, "hello", h_hello, 0},
        {CAIRN__REQUEST__BODY_REGISTER, "register", h_register,
         DF_NEEDS_HELLO | DF_WRITES},
        {CAIRN__REQUEST__BODY_LOGIN, "login", h_login,
         DF_NEEDS_HELLO | DF_WRITES},
        {CAIRN__REQUEST__BODY_AUTH, "auth", h_auth, DF_NEEDS_HELLO | DF_WRITES},
        {CAIRN__REQUEST__BODY_LOGOUT, "logout", h_logout,
         DF_NEEDS_HELLO | DF_NEEDS_AUTH | DF_WRITES},
        {CAIRN__REQUEST__BODY_DEVICES, "devices", h_devices,
         DF_NEEDS_HELLO | DF_NEEDS_AUTH},
        {CAIRN__REQUEST__BODY_REVOKE, "revoke", h_revoke,
         DF_NEEDS_HELLO | DF_NEEDS_AUTH | DF_WRITES},
        {CAIRN__REQUEST__BODY_PUSH, "push", h_push,
         DF_NEEDS_HELLO | DF_NEEDS_AUTH | DF_WRITES},
        {CAIRN__REQUEST__BODY_PULL, "pull", h_pull,
         DF_NEEDS_HELLO | DF_NEEDS_AUTH},
        {CAIRN__REQUEST__BODY_INVITE, "invite", h_invite,
         DF_NEEDS_HELLO | DF_NEEDS_AUTH | DF_WRITES | DF_V2},
        {CAIRN__REQUEST__BODY_ANSWER, "answer", h_answer,
         DF_NEEDS_HELLO | DF_NEEDS_AUTH | DF_WRITES | DF_V2},
        {CAIRN__REQUEST__BODY_DROP, "drop", h_drop,
         DF_NEEDS_HELLO | DF_NEEDS_AUTH | DF_WRITES | DF_V2},
        {CAIRN__REQUEST__BODY_PEOPLE, "people", h_people,
         DF_NEEDS_HELLO | DF_NEEDS_AUTH | DF_V2},
        {CAIRN__REQUEST__BODY_GROUP, "group", h_group,
         DF_NEEDS_HELLO | DF_NEEDS_AUTH | DF_WRITES | DF_V2},
        {CAIRN__REQUEST__BODY_FOLLOW, "follow", h_follow,
         DF_NEEDS_HELLO | DF_NEEDS_AUTH | DF_V2},
        {CAIRN__REQUEST__BODY_RENAME, "rename", h_rename,
         DF_NEEDS_HELLO | DF_NEEDS_AUTH | DF_WRITES},
};

static const struct dispatch_row *
dispatch_find(Cairn__Request__BodyCase body)
{
	size_t i;

	for (i = 0; i < sizeof(dispatch_table) / sizeof(dispatch_table[0]);
	     i++) {
		if (dispatch_table[i].body == body)
			return &dispatch_table[i];
	}
	return NULL;
}

/* Sends a status-only response for request id (0: frame-level). */
static void
dispatch_status(struct conn *c, uint32_t id, int code, const char *message)
{
	Cairn__Response resp = CAIRN__RESPONSE__INIT;
	Cairn__Status st = CAIRN__STATUS__INIT;

	st.code = code;
	st.message = (char *)message;
	resp.id = id;
	resp.status = &st;
	if (conn_send(c, &resp) != CAIRN_OK)
		conn_close(c, "cannot send reply");
}

void
dispatch_error(struct conn *c, int code, const char *message)
{
	dispatch_status(c, 0, code, message);
}

void
rq_fail(struct rq *rq, int code, const char *record_id, const char *fmt, ...)
{
	va_list ap;

	rq->failed = 1;
	rq->status.code = code;
	va_start(ap, fmt);
	vsnprintf(rq->msg, sizeof(rq->msg), fmt, ap);
	va_end(ap);
	snprintf(rq->record_id, sizeof(rq->record_id), "%s",
	         record_id != NULL ? record_id : "");
}

int
dbq_submit_rq(struct rq *rq, struct dbq_job *job)
{
	if (rq->writes)
		job->flags |= DBQ_WRITE;
	return dbq_submit(rq->c->srv->dbq, job);
}

/* Sends the response and frees the request; c stays referenced by caller. */
static void
rq_finish(struct rq *rq)
{
	struct conn *c = rq->c;

	rq->resp.id = rq->id;
	if (rq->failed) {
		rq->resp.body_case = CAIRN__RESPONSE__BODY__NOT_SET;
		rq->status.message = rq->msg;
		rq->status.record_id = rq->record_id;
		rq->resp.status = &rq->status;
	}
	if (!c->closing && conn_send(c, &rq->resp) != CAIRN_OK)
		conn_close(c, "cannot send reply");
	log_event(LOG_DEBUG, "rq.done", "peer=%s op=%s code=%d ms=%llu",
	          c->peer, rq->name, rq->failed ? rq->status.code : 0,
	          (unsigned long long)(now_mono_ms() - rq->start_ms));
	c->rq = NULL;
	c->srv->inflight--;
	if (rq->close_after)
		conn_close_after_flush(c, "protocol state");
	msg_free_request(rq->req);
	if (rq->data_free != NULL)
		rq->data_free(rq->data);
	free(rq);
}

void
rq_complete(struct rq *rq)
{
	struct conn *c = rq->c;
	struct server *srv = c->srv;

	rq_finish(rq);
	conn_request_done(c);
	conn_unref(c);
	server_check_stop(srv);
}

/*
 * Decodes the payload into rq->req, or fails rq: a well-formed request
 * with a NUL in a string is refused with its id (the connection stays
 * open); anything else that is not a Request closes the connection.
 */
static void
dispatch_decode(struct rq *rq, const uint8_t *p, size_t len)
{
	char why[160];
	uint32_t id;

	if ((rq->req = msg_read_request(p, len)) != NULL) {
		rq->id = rq->req->id;
		if (rq->req->body_case == CAIRN__REQUEST__BODY_PUSH &&
		    rq->c->authed && len >= DISPATCH_OFFLOOP_MIN)
			sync_push_precheck(rq);
		return;
	}
	if (msg_request_refusal(p, len, &id, why, sizeof(why)) ==
	    CAIRN_EINVAL) {
		rq->id = id;
		rq_fail(rq, CAIRN_EINVAL, NULL, "%s", why);
		return;
	}
	rq->id = 0;
	rq_fail(rq, CAIRN_EPROTO, NULL, "malformed request");
	rq->close_after = 1;
}

/* Checks the session's state against the row and runs the handler. */
static void
dispatch_run(struct rq *rq)
{
	const struct dispatch_row *row = NULL;
	struct conn *c = rq->c;
	struct server *srv = c->srv;
	Cairn__Request *req = rq->req;

	if (req == NULL) {
		log_event(LOG_INFO,
		          rq->close_after ? "conn.bad_frame" : "rq.refused",
		          "peer=%s reason=\"%s\"", c->peer,
		          rq->close_after ? "not a Request message" : rq->msg);
		goto finish;
	}
	row = dispatch_find(req->body_case);
	rq->name = row != NULL ? row->name : "unknown";
	if (!c->hello && (row == NULL || (row->flags & DF_NEEDS_HELLO))) {
		rq_fail(rq, CAIRN_ESTATE, NULL,
		        "the first request must be Hello");
		rq->close_after = 1;
	} else if (row == NULL) {
		rq_fail(rq, CAIRN_EPROTO, NULL, "unknown request type %d",
		        (int)req->body_case);
	} else if ((row->flags & DF_V2) && c->version < 2) {
		rq_fail(rq, CAIRN_EVERSION, NULL,
		        "%s needs protocol version 2; upgrade cairn",
		        row->name);
	} else if ((row->flags & DF_NEEDS_AUTH) && !c->authed) {
		rq_fail(rq, CAIRN_EAUTHREQ, NULL,
		        "not logged in; run 'cairn login HANDLE'");
	} else {
		rq->writes = (row->flags & DF_WRITES) != 0;
		if (row->fn(rq) == RQ_ASYNC) {
			rq->async = 1;
			return;
		}
	}
finish:
	if (rq->async) { /* decoded off the loop: not inside conn_pump */
		rq_complete(rq);
		return;
	}
	rq_finish(rq);
	conn_unref(c);
	server_check_stop(srv);
}

/* A large frame decoded on the thread pool. */
struct dispatch_job {
	uv_work_t work;
	struct rq *rq;
	size_t len;
	uint8_t raw[]; /* a copy of the payload */
};

static void
dispatch_work(uv_work_t *w)
{
	struct dispatch_job *dj = w->data;

	dispatch_decode(dj->rq, dj->raw, dj->len);
}

static void
dispatch_work_done(uv_work_t *w, int status)
{
	struct dispatch_job *dj = w->data;
	struct rq *rq = dj->rq;

	rq->c->srv->in_bytes -= dj->len;
	free(dj);
	if (status != 0 && rq->req == NULL && !rq->failed)
		rq_fail(rq, CAIRN_EINTERNAL, NULL, "cannot decode the request");
	dispatch_run(rq);
}

/*
 * Takes one frame: decodes it (a large one on the thread pool, so that
 * unpacking and checking a 4 MiB push never holds the loop) and runs it.
 * The connection takes no other frame until the request is answered.
 */
void
dispatch_frame(struct conn *c, const uint8_t *p, size_t len)
{
	struct dispatch_job *dj;
	struct rq *rq;

	if ((rq = calloc(1, sizeof(*rq))) == NULL) {
		dispatch_error(c, CAIRN_ENOMEM, "server out of memory");
		conn_close_after_flush(c, "out of memory");
		return;
	}
	rq->c = c;
	conn_ref(c);
	c->srv->inflight++;
	rq->name = "decode";
	rq->start_ms = now_mono_ms();
	cairn__response__init(&rq->resp);
	cairn__status__init(&rq->status);
	c->rq = rq;
	if (len >= DISPATCH_OFFLOOP_MIN &&
	    (dj = malloc(sizeof(*dj) + len)) != NULL) {
		dj->work.data = dj;
		dj->rq = rq;
		dj->len = len;
		memcpy(dj->raw, p, len);
		if (uv_queue_work(c->srv->loop, &dj->work, dispatch_work,
		                  dispatch_work_done) == 0) {
			/* The copy counts against the input budget too. */
			c->srv->in_bytes += len;
			rq->async = 1;
			return;
		}
		free(dj);
	}
	dispatch_decode(rq, p, len);
	dispatch_run(rq);
}
