/*
 * Accounts and devices: register, login, auth (a device token), logout,
 * the device list, renaming and revoking a device. Each request runs in stages
 * on the right thread: checks on the loop, scrypt on the libuv thread pool,
 * storage on the database thread (dbq.c), the reply on the loop again.
 * One struct auth_op carries a request through its stages.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "cairnd.h"
#include "err.h"
#include "log.h"
#include "utf8.h"

#define AUTH_DEVICES_MAX 1000
#define AUTH_DEFAULT_DEVICE "unnamed"
#define AUTH_HASHES_PER_IP 2 /* password hashes in flight per address */

struct auth_op {
	struct rq *rq; /* borrowed: the request owns this op */
	struct dbq_job job;
	uv_work_t work;
	int kdf_rc;
	int invite_only;
	int user_found;
	int hash_slot; /* index in srv->hash_slots + 1, or 0 */
	int64_t now;
	const char *password; /* borrowed from the request */
	size_t pwlen;
	char code[RATELIMIT_KEY_MAX + 1]; /* invite code; auth: rate key */
	char prefix[UUID_LEN + 1];
	char caller[UUID_LEN + 1]; /* the session's device */
	struct store_user user;
	struct store_device dev;
	uint8_t token[SECRET_TOKEN_LEN];
	uint8_t hash[STORE_HASH_LEN];
	Cairn__Session session;
	/* Devices list / revoke answers. */
	struct store_device *devs; /* owned, ndevs long */
	size_t ndevs;
	Cairn__Device *pb;   /* owned, ndevs long */
	Cairn__Device **pbp; /* owned, ndevs long */
	Cairn__DevicesOk devices;
	/* Rename: the new name, and the answer. */
	char name[DEVICE_NAME_MAX + 1];
	Cairn__Device renamed_pb;
	Cairn__DeviceRenamed renamed;
};

static void auth_hash_release(struct auth_op *op);

static void
auth_op_free(void *p)
{
	struct auth_op *op = p;

	if (op == NULL)
		return;
	auth_hash_release(op);
	OPENSSL_cleanse(op->token, sizeof(op->token));
	free(op->devs);
	free(op->pb);
	free(op->pbp);
	free(op);
}

static struct auth_op *
auth_op_new(struct rq *rq)
{
	struct auth_op *op;

	if ((op = calloc(1, sizeof(*op))) == NULL) {
		rq_fail(rq, CAIRN_ENOMEM, NULL, "server out of memory");
		return NULL;
	}
	op->rq = rq;
	op->now = (int64_t)time(NULL);
	op->work.data = op;
	rq->data = op;
	rq->data_free = auth_op_free;
	return op;
}

/* ---- admission: attempts counted when they start, hashes bounded ---- */

/* Frees op's place among the password hashes in flight. */
static void
auth_hash_release(struct auth_op *op)
{
	struct server *srv = op->rq->c->srv;

	if (op->hash_slot == 0)
		return;
	srv->hash_slots[op->hash_slot - 1].used = 0;
	srv->hashing--;
	op->hash_slot = 0;
}

/*
 * Takes a place among the password hashes in flight for a check of
 * handle from the connection's address: at most cfg->hash_limit in all,
 * AUTH_HASHES_PER_IP per address and one per handle. 0 when refused.
 */
static int
auth_hash_admit(struct auth_op *op, const char *handle)
{
	struct conn *c = op->rq->c;
	struct server *srv = c->srv;
	struct hash_slot *free_slot = NULL, *h;
	unsigned i, same_ip = 0, same_handle = 0;

	for (i = 0; i < srv->cfg->hash_limit; i++) {
		h = &srv->hash_slots[i];
		if (!h->used) {
			if (free_slot == NULL)
				free_slot = h;
			continue;
		}
		if (strcmp(h->ip, c->ip) == 0)
			same_ip++;
		if (strcmp(h->handle, handle) == 0)
			same_handle++;
	}
	if (free_slot == NULL || same_ip >= AUTH_HASHES_PER_IP ||
	    same_handle > 0)
		return 0;
	free_slot->used = 1;
	snprintf(free_slot->ip, sizeof(free_slot->ip), "%s", c->ip);
	snprintf(free_slot->handle, sizeof(free_slot->handle), "%s", handle);
	op->hash_slot = (int)(free_slot - srv->hash_slots) + 1;
	srv->hashing++;
	return 1;
}

/*
 * The level of a refusal's log line: the first of each conn.summary
 * period at level, the rest at debug (the summary counts them), so that a
 * flood of refused attempts cannot flood the log.
 */
static enum log_level
auth_log_level(struct server *srv, enum log_level level)
{
	return srv->stats.auth_refused++ == 0 ? level : LOG_DEBUG;
}

/*
 * Counts one attempt on each limiter (key and limiter pairs, NULL
 * ended), taking back the ones already counted when a later one refuses.
 * Fails rq with CAIRN_ERATELIMIT and why; returns 0 then.
 */
static int
auth_take(struct rq *rq, int64_t now, const char *why, struct ratelimit *rl1,
          const char *key1, struct ratelimit *rl2, const char *key2)
{
	int r, refused_second = 0;

	if ((r = ratelimit_take(rl1, key1, now)) == RATELIMIT_OK) {
		if (rl2 == NULL ||
		    (r = ratelimit_take(rl2, key2, now)) == RATELIMIT_OK)
			return 1;
		ratelimit_refund(rl1, key1, now);
		refused_second = 1;
	}
	log_event(auth_log_level(rq->c->srv, LOG_WARN), "auth.ratelimited",
	          "op=%s key=%s peer=%s%s", rq->name,
	          refused_second ? key2 : key1, rq->c->peer,
	          r == RATELIMIT_FULL ? " table=full" : "");
	rq_fail(rq, CAIRN_ERATELIMIT, NULL, "%s", why);
	return 0;
}

/*
 * 1 (and rq failed) when handle already has cfg->max_conns_user
 * connections with a session: one account cannot hold the server's
 * slots, which a full server never takes from connections with sessions.
 */
static int
auth_user_full(struct rq *rq, const char *handle)
{
	struct server *srv = rq->c->srv;
	const struct conn *o;
	unsigned n = 0;

	for (o = srv->conns; o != NULL; o = o->next) {
		if (o != rq->c && o->authed && strcmp(o->handle, handle) == 0)
			n++;
	}
	if (n < srv->cfg->max_conns_user)
		return 0;
	log_event(auth_log_level(srv, LOG_WARN), "auth.refused",
	          "user=%s peer=%s reason=\"connections per account\" conns=%u",
	          handle, rq->c->peer, n);
	rq_fail(rq, CAIRN_EBUSY, NULL,
	        "this account already has %u connections to the server, the most it allows; stop a 'cairn feed --follow' or retry later",
	        n);
	return 1;
}

/* Fails rq as busy: too many password hashes in flight. */
static void
auth_busy(struct rq *rq)
{
	log_event(LOG_DEBUG, "auth.busy", "op=%s peer=%s hashing=%u", rq->name,
	          rq->c->peer, rq->c->srv->hashing);
	rq_fail(rq, CAIRN_EBUSY, NULL,
	        "the server is busy checking other passwords");
}

/* Checks a device name and copies it (or the default) into op->dev. */
/* 1 if name may name a device: 1 to 64 bytes of UTF-8, no controls. */
static int
auth_name_ok(const char *name)
{
	size_t i, len = strlen(name);

	if (len == 0 || len > DEVICE_NAME_MAX || !utf8_valid(name, len))
		return 0;
	for (i = 0; i < len; i++)
		if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f)
			return 0;
	return 1;
}

static int
auth_device_name(struct rq *rq, struct auth_op *op, const char *name)
{
	size_t len = strlen(name);

	/* Empty: the default name; else the rule rename applies too. */
	if (len > 0 && !auth_name_ok(name)) {
		rq_fail(rq, CAIRN_EINVAL, NULL,
		        "device name must be 1 to %d bytes of UTF-8 without control characters",
		        DEVICE_NAME_MAX);
		return CAIRN_EINVAL;
	}
	snprintf(op->dev.name, sizeof(op->dev.name), "%s",
	         len > 0 ? name : AUTH_DEFAULT_DEVICE);
	return CAIRN_OK;
}

static int
auth_password_ok(struct rq *rq, const char *pw)
{
	size_t len = strlen(pw);

	if (len < SECRET_PASSWORD_MIN || len > SECRET_PASSWORD_MAX) {
		rq_fail(rq, CAIRN_EINVAL, NULL,
		        "password must be %d to %d bytes", SECRET_PASSWORD_MIN,
		        SECRET_PASSWORD_MAX);
		return 0;
	}
	return 1;
}

/* Makes a device id and token for op->dev (user_id set later). */
static int
auth_new_device(struct auth_op *op)
{
	if (uuid_new(op->dev.id) != CAIRN_OK ||
	    secret_random(op->token, sizeof(op->token)) != CAIRN_OK ||
	    secret_token_hash(op->token, sizeof(op->token),
	                      op->dev.token_hash) != CAIRN_OK)
		return CAIRN_EINTERNAL;
	op->dev.created_at = op->now;
	return CAIRN_OK;
}

/* Thread pool: the slow part of register and login. */
static void
auth_work_scrypt(uv_work_t *w)
{
	struct auth_op *op = w->data;

	op->kdf_rc = secret_scrypt(op->password, op->pwlen, op->user.salt,
	                           STORE_SALT_LEN, op->user.n, op->user.r,
	                           op->user.p, op->hash);
	/*
	 * Pool threads outlive OpenSSL's exit-time cleanup; free this
	 * thread's OpenSSL state now (it is remade on the next use).
	 */
	OPENSSL_thread_stop();
}

/* Authenticates the connection and answers with a Session. */
static void
auth_session(struct auth_op *op, const char *handle, int64_t user_id,
             const char *device_id, int with_token)
{
	struct rq *rq = op->rq;
	struct conn *c = rq->c;

	c->authed = 1;
	c->user_id = user_id;
	snprintf(c->handle, sizeof(c->handle), "%s", handle);
	snprintf(c->device_id, sizeof(c->device_id), "%s", device_id);
	cairn__session__init(&op->session);
	op->session.handle = c->handle;
	op->session.device_id = c->device_id;
	if (with_token) {
		op->session.token.data = op->token;
		op->session.token.len = sizeof(op->token);
	}
	rq->resp.body_case = CAIRN__RESPONSE__BODY_SESSION;
	rq->resp.session = &op->session;
}

/*
 * Fails rq with a storage error, or ends the session of a device revoked
 * since it authenticated, and completes it.
 */
static void
auth_storage_fail(struct rq *rq, int rc)
{
	if (rc == CAIRN_EREVOKED) {
		rq->c->authed = 0;
		rq_fail(rq, CAIRN_EREVOKED, NULL,
		        "this device's token was revoked; run 'cairn login HANDLE'");
		rq_complete(rq);
		return;
	}
	if (rc == CAIRN_EBUSY && rq->c->srv->stopping)
		rq_fail(rq, CAIRN_EBUSY, NULL,
		        "server is shutting down; retry soon");
	else if (rc == CAIRN_EBUSY) /* PostgreSQL away: reconnecting */
		rq_fail(rq, CAIRN_EBUSY, NULL, "server database busy, retry");
	else if (rc == CAIRN_ESERVERFULL)
		rq_fail(rq, CAIRN_ESERVERFULL, NULL,
		        "the server's disk is full; nothing was changed; tell the server's operator");
	else
		rq_fail(rq, CAIRN_ESTORAGE, NULL,
		        "server storage error; retry later");
	rq_complete(rq);
}

/* ---- register ---- */

/*
 * Before any hashing (a dry run: its writes are rolled back): the invite
 * code is good and the handle is free, so a wrong code or a taken handle
 * costs the server a lookup, not a password hash.
 */
static int
reg_check_run(struct store *st, struct dbq_job *job)
{
	struct auth_op *op = container_of(job, struct auth_op, job);
	struct store_user u;
	int rc;

	if (op->invite_only &&
	    (rc = st->ops->invite_consume(st, op->code)) != CAIRN_OK)
		return rc;
	rc = st->ops->user_get(st, op->user.handle, &u);
	if (rc == CAIRN_OK)
		return CAIRN_EEXIST;
	return rc == CAIRN_ENOTFOUND ? CAIRN_OK : rc;
}

static int
reg_run(struct store *st, struct dbq_job *job)
{
	struct auth_op *op = container_of(job, struct auth_op, job);
	int rc;

	if (op->invite_only &&
	    (rc = st->ops->invite_consume(st, op->code)) != CAIRN_OK)
		return rc;
	if ((rc = st->ops->user_create(st, &op->user)) != CAIRN_OK)
		return rc;
	op->dev.user_id = op->user.id;
	return st->ops->device_create(st, &op->dev);
}

/* Answers a refused registration; 1 if job->rc was a refusal. */
static int
reg_refused(struct auth_op *op, int rc)
{
	struct rq *rq = op->rq;

	if (rc == CAIRN_EEXIST) {
		/* A taken handle cost a lookup: it uses up nothing. */
		ratelimit_refund(rq->c->srv->rl_register, rq->c->ip, op->now);
		rq_fail(rq, CAIRN_EEXIST, NULL,
		        "handle '%s' is taken; pick another", op->user.handle);
	} else if (rc == CAIRN_EINVITE) {
		/*
		 * A wrong code cost a lookup, not a hash: it does not use up
		 * the address's registrations (an invitee behind the same
		 * address still gets in). Codes are 24 random characters.
		 */
		ratelimit_refund(rq->c->srv->rl_register, rq->c->ip, op->now);
		rq_fail(rq, CAIRN_EINVITE, NULL,
		        "invite code is invalid or used up; ask the server's operator for a new one");
	} else {
		return 0;
	}
	log_event(LOG_INFO, "auth.fail", "op=register user=%s peer=%s rc=%s",
	          op->user.handle, rq->c->peer, err_name(rc));
	rq_complete(rq);
	return 1;
}

static void
reg_done(struct dbq_job *job)
{
	struct auth_op *op = container_of(job, struct auth_op, job);
	struct rq *rq = op->rq;

	if (reg_refused(op, job->rc))
		return;
	if (job->rc < 0) {
		auth_storage_fail(rq, job->rc);
		return;
	}
	auth_session(op, op->user.handle, op->user.id, op->dev.id, 1);
	log_event(LOG_INFO, "auth.register", "user=%s device=%s peer=%s",
	          op->user.handle, op->dev.id, rq->c->peer);
	rq_complete(rq);
}

static void
reg_after_scrypt(uv_work_t *w, int status)
{
	struct auth_op *op = w->data;
	struct rq *rq = op->rq;
	int rc;

	auth_hash_release(op);
	if (status != 0 || op->kdf_rc != CAIRN_OK) {
		rq_fail(rq, CAIRN_EINTERNAL, NULL, "password hashing failed");
		rq_complete(rq);
		return;
	}
	memcpy(op->user.hash, op->hash, STORE_HASH_LEN);
	op->job.run = reg_run;
	op->job.done = reg_done;
	op->job.flags = 0;
	if ((rc = dbq_submit_rq(rq, &op->job)) != CAIRN_OK)
		auth_storage_fail(rq, rc);
}

static void
reg_check_done(struct dbq_job *job)
{
	struct auth_op *op = container_of(job, struct auth_op, job);
	struct rq *rq = op->rq;

	if (reg_refused(op, job->rc))
		return;
	if (job->rc < 0) {
		auth_storage_fail(rq, job->rc);
		return;
	}
	if (!auth_hash_admit(op, op->user.handle)) {
		auth_busy(rq);
		rq_complete(rq);
		return;
	}
	if (uv_queue_work(rq->c->srv->loop, &op->work, auth_work_scrypt,
	                  reg_after_scrypt) != 0) {
		rq_fail(rq, CAIRN_EINTERNAL, NULL, "cannot start hashing");
		rq_complete(rq);
	}
}

int
h_register(struct rq *rq)
{
	const Cairn__Register *m = rq->req->register_;
	struct server *srv = rq->c->srv;
	struct auth_op *op;

	if (!handle_valid(m->handle)) {
		rq_fail(rq, CAIRN_EINVAL, NULL,
		        "handle must be %d to %d of a-z 0-9 _ -, starting with a letter",
		        HANDLE_MIN, HANDLE_MAX);
		return RQ_DONE;
	}
	if (!auth_password_ok(rq, m->password))
		return RQ_DONE;
	if (srv->cfg->invite_only &&
	    (m->code[0] == '\0' || strlen(m->code) > STORE_INVITE_MAX)) {
		rq_fail(rq, CAIRN_EINVITE, NULL,
		        "this server needs an invite code: cairn register HANDLE --code CODE");
		return RQ_DONE;
	}
	if ((op = auth_op_new(rq)) == NULL)
		return RQ_DONE;
	if (auth_device_name(rq, op, m->device_name) != CAIRN_OK)
		return RQ_DONE;
	if (!auth_take(
	            rq, op->now,
	            "too many registrations from your address; try again in an hour",
	            srv->rl_register, rq->c->ip, NULL, NULL))
		return RQ_DONE;
	op->invite_only = srv->cfg->invite_only;
	snprintf(op->code, sizeof(op->code), "%s", m->code);
	snprintf(op->user.handle, sizeof(op->user.handle), "%s", m->handle);
	op->user.n = SECRET_SCRYPT_N;
	op->user.r = SECRET_SCRYPT_R;
	op->user.p = SECRET_SCRYPT_P;
	op->user.created_at = op->now;
	op->password = m->password;
	op->pwlen = strlen(m->password);
	if (secret_random(op->user.salt, STORE_SALT_LEN) != CAIRN_OK ||
	    auth_new_device(op) != CAIRN_OK) {
		rq_fail(rq, CAIRN_EINTERNAL, NULL, "cannot make a token");
		return RQ_DONE;
	}
	op->job.run = reg_check_run;
	op->job.done = reg_check_done;
	op->job.flags = DBQ_DRYRUN;
	if (dbq_submit_rq(rq, &op->job) != CAIRN_OK) {
		rq_fail(rq, CAIRN_EBUSY, NULL, "server is shutting down");
		return RQ_DONE;
	}
	return RQ_ASYNC;
}

/* ---- login ---- */

static int
login_lookup_run(struct store *st, struct dbq_job *job)
{
	struct auth_op *op = container_of(job, struct auth_op, job);
	struct store_user u;
	int rc;

	rc = st->ops->user_get(st, op->user.handle, &u);
	if (rc == CAIRN_OK) {
		op->user = u;
		op->user_found = 1;
	}
	return rc == CAIRN_ENOTFOUND ? CAIRN_OK : rc;
}

static int
login_device_run(struct store *st, struct dbq_job *job)
{
	struct auth_op *op = container_of(job, struct auth_op, job);

	op->dev.user_id = op->user.id;
	return st->ops->device_create(st, &op->dev);
}

static void
login_device_done(struct dbq_job *job)
{
	struct auth_op *op = container_of(job, struct auth_op, job);
	struct rq *rq = op->rq;

	if (job->rc < 0) {
		auth_storage_fail(rq, job->rc);
		return;
	}
	auth_session(op, op->user.handle, op->user.id, op->dev.id, 1);
	log_event(LOG_INFO, "auth.login", "user=%s device=%s peer=%s",
	          op->user.handle, op->dev.id, rq->c->peer);
	rq_complete(rq);
}

static void
login_after_scrypt(uv_work_t *w, int status)
{
	struct auth_op *op = w->data;
	struct rq *rq = op->rq;
	struct server *srv = rq->c->srv;
	int rc;

	auth_hash_release(op);
	if (status != 0 || op->kdf_rc != CAIRN_OK) {
		rq_fail(rq, CAIRN_EINTERNAL, NULL, "password hashing failed");
		rq_complete(rq);
		return;
	}
	if (!op->user_found ||
	    CRYPTO_memcmp(op->hash, op->user.hash, STORE_HASH_LEN) != 0) {
		log_event(LOG_INFO, "auth.fail",
		          "op=login user=%s peer=%s reason=\"%s\"",
		          op->user.handle, rq->c->peer,
		          op->user_found ? "wrong password" : "unknown handle");
		rq_fail(rq, CAIRN_ECREDS, NULL, "wrong handle or password");
		rq_complete(rq);
		return;
	}
	/* A success does not count against the handle or the address. */
	ratelimit_refund(srv->rl_handle, op->user.handle, op->now);
	ratelimit_refund(srv->rl_ip, rq->c->ip, op->now);
	op->job.run = login_device_run;
	op->job.done = login_device_done;
	op->job.flags = 0;
	if ((rc = dbq_submit_rq(rq, &op->job)) != CAIRN_OK)
		auth_storage_fail(rq, rc);
}

static void
login_lookup_done(struct dbq_job *job)
{
	struct auth_op *op = container_of(job, struct auth_op, job);
	struct rq *rq = op->rq;

	if (job->rc < 0) {
		auth_storage_fail(rq, job->rc);
		return;
	}
	if (!op->user_found || op->user.n < 2 || op->user.n > (1u << 20) ||
	    op->user.r < 1 || op->user.r > 32 || op->user.p < 1 ||
	    op->user.p > 16) {
		/* Hash anyway, so an unknown handle costs the same time. */
		op->user_found = 0;
		op->user.n = SECRET_SCRYPT_N;
		op->user.r = SECRET_SCRYPT_R;
		op->user.p = SECRET_SCRYPT_P;
	}
	if (uv_queue_work(rq->c->srv->loop, &op->work, auth_work_scrypt,
	                  login_after_scrypt) != 0) {
		rq_fail(rq, CAIRN_EINTERNAL, NULL, "cannot start hashing");
		rq_complete(rq);
	}
}

/*
 * A password check is counted when it starts, against the handle and the
 * address, and takes a place among the hashes in flight: however many
 * guesses arrive at once, a handle gets cfg->login_limit a minute.
 */
int
h_login(struct rq *rq)
{
	const Cairn__Login *m = rq->req->login;
	struct server *srv = rq->c->srv;
	struct auth_op *op;
	int rc;

	if (!handle_valid(m->handle)) {
		rq_fail(rq, CAIRN_ECREDS, NULL, "wrong handle or password");
		return RQ_DONE;
	}
	if (!auth_password_ok(rq, m->password))
		return RQ_DONE;
	if ((op = auth_op_new(rq)) == NULL)
		return RQ_DONE;
	if (auth_device_name(rq, op, m->device_name) != CAIRN_OK)
		return RQ_DONE;
	if (auth_user_full(rq, m->handle))
		return RQ_DONE;
	if (!auth_hash_admit(op, m->handle)) {
		auth_busy(rq);
		return RQ_DONE;
	}
	if (!auth_take(rq, op->now,
	               "too many login attempts; wait a minute and retry",
	               srv->rl_handle, m->handle, srv->rl_ip, rq->c->ip))
		return RQ_DONE;
	snprintf(op->user.handle, sizeof(op->user.handle), "%s", m->handle);
	op->password = m->password;
	op->pwlen = strlen(m->password);
	if (secret_random(op->user.salt, STORE_SALT_LEN) != CAIRN_OK ||
	    auth_new_device(op) != CAIRN_OK) {
		rq_fail(rq, CAIRN_EINTERNAL, NULL, "cannot make a token");
		return RQ_DONE;
	}
	op->job.run = login_lookup_run;
	op->job.done = login_lookup_done;
	if ((rc = dbq_submit(srv->dbq, &op->job)) != CAIRN_OK) {
		rq_fail(rq, CAIRN_EBUSY, NULL, "server is shutting down");
		return RQ_DONE;
	}
	return RQ_ASYNC;
}

/* ---- auth (device token) ---- */

static int
authd_run(struct store *st, struct dbq_job *job)
{
	struct auth_op *op = container_of(job, struct auth_op, job);
	int rc;

	rc = st->ops->device_get(st, op->dev.id, &op->dev);
	if (rc == CAIRN_ENOTFOUND)
		return CAIRN_ECREDS;
	if (rc != CAIRN_OK)
		return rc;
	if (CRYPTO_memcmp(op->hash, op->dev.token_hash, STORE_HASH_LEN) != 0)
		return CAIRN_ECREDS;
	if (op->dev.revoked_at != 0)
		return CAIRN_EREVOKED;
	return st->ops->device_touch(st, op->dev.id, op->now);
}

static void
authd_done(struct dbq_job *job)
{
	struct auth_op *op = container_of(job, struct auth_op, job);
	struct rq *rq = op->rq;

	if (job->rc == CAIRN_ECREDS || job->rc == CAIRN_EREVOKED) {
		/*
		 * Counted only now, and dropped when the table is full: a
		 * token is 256 random bits, so the count is about load, and
		 * a spray of device ids must not lock anyone else out.
		 */
		(void)ratelimit_take(rq->c->srv->rl_token, op->code, op->now);
		log_event(auth_log_level(rq->c->srv, LOG_INFO), "auth.fail",
		          "op=auth device=%s peer=%s reason=\"%s\"", op->prefix,
		          rq->c->peer,
		          job->rc == CAIRN_EREVOKED ? "revoked" : "bad token");
		if (job->rc == CAIRN_EREVOKED)
			rq_fail(rq, CAIRN_EREVOKED, NULL,
			        "this device's token was revoked; run 'cairn login HANDLE'");
		else
			rq_fail(rq, CAIRN_ECREDS, NULL,
			        "unknown device or token; run 'cairn login HANDLE'");
	} else if (job->rc < 0) {
		auth_storage_fail(rq, job->rc);
		return;
	} else if (!auth_user_full(rq, op->dev.handle)) {
		auth_session(op, op->dev.handle, op->dev.user_id, op->dev.id,
		             0);
		log_event(LOG_DEBUG, "auth.ok", "user=%s device=%s peer=%s",
		          op->dev.handle, op->dev.id, rq->c->peer);
	}
	rq_complete(rq);
}

/*
 * Token failures are counted per address and device together: random
 * tokens from one address block only the device ids they name from that
 * address, never the other devices behind it, and nobody elsewhere can
 * lock a device out. Parallel attempts of one device all go through.
 */
int
h_auth(struct rq *rq)
{
	const Cairn__Auth *m = rq->req->auth;
	struct auth_op *op;

	if (!uuid_valid(m->device_id) || m->token.len != SECRET_TOKEN_LEN) {
		rq_fail(rq, CAIRN_ECREDS, NULL,
		        "unknown device or token; run 'cairn login HANDLE'");
		return RQ_DONE;
	}
	if ((op = auth_op_new(rq)) == NULL)
		return RQ_DONE;
	snprintf(op->code, sizeof(op->code), "%s|%s", rq->c->ip, m->device_id);
	if (ratelimit_blocked(rq->c->srv->rl_token, op->code, op->now)) {
		log_event(auth_log_level(rq->c->srv, LOG_WARN),
		          "auth.ratelimited", "op=auth key=%s peer=%s",
		          op->code, rq->c->peer);
		rq_fail(rq, CAIRN_ERATELIMIT, NULL,
		        "too many failed attempts for this device; wait a minute and retry");
		return RQ_DONE;
	}
	snprintf(op->dev.id, sizeof(op->dev.id), "%s", m->device_id);
	snprintf(op->prefix, sizeof(op->prefix), "%s", m->device_id);
	if (secret_token_hash(m->token.data, m->token.len, op->hash) !=
	    CAIRN_OK) {
		rq_fail(rq, CAIRN_EINTERNAL, NULL, "cannot hash the token");
		return RQ_DONE;
	}
	op->job.run = authd_run;
	op->job.done = authd_done;
	if (dbq_submit_rq(rq, &op->job) != CAIRN_OK) {
		rq_fail(rq, CAIRN_EBUSY, NULL, "server is shutting down");
		return RQ_DONE;
	}
	return RQ_ASYNC;
}

/* ---- logout, devices, revoke, rename ---- */

/*
 * The session's device may have been revoked (from another device) since
 * the connection authenticated: then it may do nothing more.
 */
static int
auth_caller_active(struct store *st, const struct auth_op *op)
{
	struct store_device d;
	int rc;

	rc = st->ops->device_get(st, op->caller, &d);
	if (rc == CAIRN_ENOTFOUND || (rc == CAIRN_OK && d.revoked_at != 0))
		return CAIRN_EREVOKED;
	return rc;
}

static int
revoke_run(struct store *st, struct dbq_job *job)
{
	struct auth_op *op = container_of(job, struct auth_op, job);
	int rc;

	if ((rc = auth_caller_active(st, op)) != CAIRN_OK)
		return rc;
	return st->ops->device_revoke(st, op->user.id, op->prefix, op->now,
	                              op->dev.id);
}

static int
devices_cb(void *arg, const struct store_device *d)
{
	struct auth_op *op = arg;
	struct store_device *nd;

	if (op->ndevs >= AUTH_DEVICES_MAX)
		return CAIRN_OK; /* the list is capped, oldest first */
	nd = realloc(op->devs, (op->ndevs + 1) * sizeof(*nd));
	if (nd == NULL)
		return CAIRN_ENOMEM;
	op->devs = nd;
	op->devs[op->ndevs++] = *d;
	return CAIRN_OK;
}

static int
devices_run(struct store *st, struct dbq_job *job)
{
	struct auth_op *op = container_of(job, struct auth_op, job);
	int rc;

	if ((rc = auth_caller_active(st, op)) != CAIRN_OK)
		return rc;
	return st->ops->device_list(st, op->user.id, devices_cb, op);
}

/* Builds the DevicesOk answer from op->devs. */
static int
devices_answer(struct auth_op *op)
{
	struct rq *rq = op->rq;
	size_t i, n = op->ndevs;

	cairn__devices_ok__init(&op->devices);
	if (n > 0) {
		op->pb = calloc(n, sizeof(*op->pb));
		op->pbp = calloc(n, sizeof(*op->pbp));
		if (op->pb == NULL || op->pbp == NULL)
			return CAIRN_ENOMEM;
	}
	for (i = 0; i < n; i++) {
		cairn__device__init(&op->pb[i]);
		op->pb[i].id = op->devs[i].id;
		op->pb[i].name = op->devs[i].name;
		op->pb[i].created_at = op->devs[i].created_at;
		op->pb[i].last_seen = op->devs[i].last_seen;
		op->pb[i].revoked = op->devs[i].revoked_at != 0;
		op->pb[i].current =
		        strcmp(op->devs[i].id, rq->c->device_id) == 0;
		op->pbp[i] = &op->pb[i];
	}
	op->devices.n_devices = n;
	op->devices.devices = op->pbp;
	rq->resp.body_case = CAIRN__RESPONSE__BODY_DEVICES;
	rq->resp.devices = &op->devices;
	return CAIRN_OK;
}

static void
devices_done(struct dbq_job *job)
{
	struct auth_op *op = container_of(job, struct auth_op, job);

	if (job->rc < 0) {
		auth_storage_fail(op->rq, job->rc);
		return;
	}
	if (devices_answer(op) != CAIRN_OK)
		rq_fail(op->rq, CAIRN_ENOMEM, NULL, "server out of memory");
	rq_complete(op->rq);
}

/*
 * Answers the two ways a device prefix (revoke, rename) can fail to name
 * one device; 1 if rc was one of them.
 */
static int
device_match_fail(struct rq *rq, int rc, const char *prefix)
{
	if (rc == CAIRN_ENOTFOUND)
		rq_fail(rq, CAIRN_ENOTFOUND, NULL,
		        "no device of yours matches '%s'; see 'cairn devices'",
		        prefix);
	else if (rc == CAIRN_EAMBIGUOUS)
		rq_fail(rq, CAIRN_EAMBIGUOUS, NULL,
		        "'%s' matches more than one device; give more characters",
		        prefix);
	else
		return 0;
	return 1;
}

static void
revoke_done(struct dbq_job *job)
{
	struct auth_op *op = container_of(job, struct auth_op, job);
	struct rq *rq = op->rq;
	struct conn *c = rq->c;
	int logout = rq->req->body_case == CAIRN__REQUEST__BODY_LOGOUT;

	if (device_match_fail(rq, job->rc, op->prefix)) {
		/* answered */
	} else if (job->rc < 0) {
		auth_storage_fail(rq, job->rc);
		return;
	} else {
		log_event(LOG_INFO, logout ? "auth.logout" : "auth.revoke",
		          "user=%s device=%s peer=%s", c->handle, op->dev.id,
		          c->peer);
		if (!logout) {
			op->devs = calloc(1, sizeof(*op->devs));
			if (op->devs != NULL) {
				snprintf(op->devs->id, sizeof(op->devs->id),
				         "%s", op->dev.id);
				op->devs->revoked_at = op->now;
				op->ndevs = 1;
			}
			if (op->devs == NULL || devices_answer(op) != CAIRN_OK)
				rq_fail(rq, CAIRN_ENOMEM, NULL,
				        "server out of memory");
		}
		/* A connection whose device is revoked loses its session. */
		if (strcmp(op->dev.id, c->device_id) == 0)
			c->authed = 0;
	}
	rq_complete(rq);
}

static int
rename_run(struct store *st, struct dbq_job *job)
{
	struct auth_op *op = container_of(job, struct auth_op, job);
	int rc;

	if ((rc = auth_caller_active(st, op)) != CAIRN_OK)
		return rc;
	return st->ops->device_rename(st, op->user.id, op->prefix, op->name,
	                              &op->dev);
}

static void
rename_done(struct dbq_job *job)
{
	struct auth_op *op = container_of(job, struct auth_op, job);
	struct rq *rq = op->rq;
	struct conn *c = rq->c;

	if (device_match_fail(rq, job->rc, op->prefix)) {
		/* answered */
	} else if (job->rc == CAIRN_EFORBIDDEN) {
		rq_fail(rq, CAIRN_EFORBIDDEN, NULL,
		        "device %s is not one of yours; see 'cairn devices'",
		        op->prefix);
	} else if (job->rc == CAIRN_EEXIST) {
		rq_fail(rq, CAIRN_EEXIST, NULL,
		        "another of your devices is named '%s'; pick another name",
		        op->name);
	} else if (job->rc < 0) {
		auth_storage_fail(rq, job->rc);
		return;
	} else {
		log_event(LOG_INFO, "auth.rename", "user=%s device=%s peer=%s",
		          c->handle, op->dev.id, c->peer);
		cairn__device__init(&op->renamed_pb);
		op->renamed_pb.id = op->dev.id;
		op->renamed_pb.name = op->dev.name;
		op->renamed_pb.created_at = op->dev.created_at;
		op->renamed_pb.last_seen = op->dev.last_seen;
		op->renamed_pb.revoked = op->dev.revoked_at != 0;
		op->renamed_pb.current = strcmp(op->dev.id, c->device_id) == 0;
		cairn__device_renamed__init(&op->renamed);
		op->renamed.device = &op->renamed_pb;
		rq->resp.body_case = CAIRN__RESPONSE__BODY_RENAMED;
		rq->resp.renamed = &op->renamed;
	}
	rq_complete(rq);
}

/* Queues an authenticated-user job with run and done. */
static int
auth_user_job(struct rq *rq, struct auth_op *op,
              int (*run)(struct store *, struct dbq_job *),
              void (*done)(struct dbq_job *))
{
	op->user.id = rq->c->user_id;
	snprintf(op->caller, sizeof(op->caller), "%s", rq->c->device_id);
	op->job.run = run;
	op->job.done = done;
	if (dbq_submit_rq(rq, &op->job) != CAIRN_OK) {
		rq_fail(rq, CAIRN_EBUSY, NULL, "server is shutting down");
		return RQ_DONE;
	}
	return RQ_ASYNC;
}

int
h_logout(struct rq *rq)
{
	struct auth_op *op;

	if ((op = auth_op_new(rq)) == NULL)
		return RQ_DONE;
	snprintf(op->prefix, sizeof(op->prefix), "%s", rq->c->device_id);
	return auth_user_job(rq, op, revoke_run, revoke_done);
}

int
h_devices(struct rq *rq)
{
	struct auth_op *op;

	if ((op = auth_op_new(rq)) == NULL)
		return RQ_DONE;
	return auth_user_job(rq, op, devices_run, devices_done);
}

int
h_revoke(struct rq *rq)
{
	const char *prefix = rq->req->revoke->device_id;
	struct auth_op *op;

	if (strlen(prefix) < 6 || !uuid_prefix_valid(prefix)) {
		rq_fail(rq, CAIRN_EINVAL, NULL,
		        "device ID must be at least 6 characters of an ID from 'cairn devices'");
		return RQ_DONE;
	}
	if ((op = auth_op_new(rq)) == NULL)
		return RQ_DONE;
	snprintf(op->prefix, sizeof(op->prefix), "%s", prefix);
	return auth_user_job(rq, op, revoke_run, revoke_done);
}

int
h_rename(struct rq *rq)
{
	const Cairn__DeviceRename *m = rq->req->rename;
	struct auth_op *op;

	if (strlen(m->device_id) < 6 || !uuid_prefix_valid(m->device_id)) {
		rq_fail(rq, CAIRN_EINVAL, NULL,
		        "device ID must be at least 6 characters of an ID from 'cairn devices'");
		return RQ_DONE;
	}
	if (!auth_name_ok(m->name)) {
		rq_fail(rq, CAIRN_EINVAL, NULL,
		        "device name must be 1 to %d bytes of UTF-8 without control characters",
		        DEVICE_NAME_MAX);
		return RQ_DONE;
	}
	if ((op = auth_op_new(rq)) == NULL)
		return RQ_DONE;
	snprintf(op->prefix, sizeof(op->prefix), "%s", m->device_id);
	snprintf(op->name, sizeof(op->name), "%s", m->name);
	return auth_user_job(rq, op, rename_run, rename_done);
}
