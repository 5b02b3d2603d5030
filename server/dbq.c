/*
 * Disk work off the loop: one dedicated database thread owns the store and
 * runs jobs from a queue; results go back to the loop with uv_async_send.
 *
 * Why one thread and not the libuv thread pool:
 * - One writer means SQLite never answers SQLITE_BUSY between our own
 *   connections, and there is one connection to cache statements on.
 * - Group commit: the thread takes every job queued while it was busy and
 *   runs them all in one BEGIN IMMEDIATE ... COMMIT, each inside its own
 *   SAVEPOINT (a failing job rolls back to its savepoint only, so it
 *   cannot spoil its neighbours). With synchronous=FULL each commit costs
 *   an fsync; under load many pushes share one, so throughput grows with
 *   the number of clients instead of being capped by the disk's fsync
 *   rate.
 * - No job is reported done before its transaction committed, so a push
 *   is acknowledged only once it is durable.
 * - The loop never blocks on the disk, so one slow transaction delays
 *   only the requests that wait for it, never reads, writes or handshakes
 *   of other connections.
 */
#include <signal.h>
#include <stdlib.h>

#include "cairnd.h"
#include "err.h"
#include "log.h"

#define DBQ_IDLE_NS (100 * 1000000ull) /* quiet before housekeeping */

struct dbq {
	uv_loop_t *loop;     /* borrowed */
	struct store *store; /* borrowed; touched only by the thread */
	uv_thread_t thread;
	uv_mutex_t lock;
	uv_cond_t cond;
	uv_async_t async;
	/* Under lock: */
	struct dbq_job *todo, *todo_tail;
	struct dbq_job *done, *done_tail;
	int stop;
	/* Thread only: */
	int kill_after;
	int push_commits;
	int started;
};

static void
dbq_append(struct dbq_job **head, struct dbq_job **tail, struct dbq_job *j)
{
	j->next = NULL;
	if (*tail != NULL)
		(*tail)->next = j;
	else
		*head = j;
	*tail = j;
}

/*
 * What a job is told when its transaction failed with rc: a full disk
 * stays a full disk (the client says so as a server-side state), and a
 * database that is away (PostgreSQL restarting: the store reconnects)
 * stays busy, so the client retries; any other failure is a storage
 * error.
 */
static int
dbq_failure(int rc)
{
	return rc == CAIRN_ESERVERFULL || rc == CAIRN_EBUSY ? rc
	                                                    : CAIRN_ESTORAGE;
}

/* Runs one batch of jobs in one transaction. */
static void
dbq_run_batch(struct dbq *q, struct dbq_job *batch)
{
	struct store *st = q->store;
	struct dbq_job *j;
	uint64_t t0 = now_mono_ms();
	int writes = 0, pushes = 0, njobs = 0, keep, rc;

	for (j = batch; j != NULL; j = j->next) {
		if (j->flags & DBQ_WRITE)
			writes = 1;
		njobs++;
	}
	rc = st->ops->begin(st, writes);
	if (rc != CAIRN_OK) {
		for (j = batch; j != NULL; j = j->next)
			j->rc = dbq_failure(rc);
		return;
	}
	for (j = batch; j != NULL; j = j->next) {
		if (!(j->flags & DBQ_WRITE)) {
			j->rc = j->run(st, j);
			continue;
		}
		if (st->ops->savepoint(st, "job") != CAIRN_OK) {
			j->rc = CAIRN_ESTORAGE;
			continue;
		}
		j->rc = j->run(st, j);
		/* A release writes what the store kept back (usage counts). */
		keep = j->rc >= 0 && !(j->flags & DBQ_DRYRUN);
		if (keep && (rc = st->ops->release(st, "job")) != CAIRN_OK) {
			j->rc = rc;
			keep = 0;
		}
		if (keep) {
			if (j->flags & DBQ_PUSH)
				pushes++;
			continue;
		}
		if (st->ops->rollback_to(st, "job") != CAIRN_OK ||
		    st->ops->release(st, "job") != CAIRN_OK) {
			/*
			 * The transaction is unusable (SQLite may end it on a
			 * full disk): give up on all of it, saying why.
			 */
			rc = dbq_failure(j->rc);
			st->ops->rollback(st);
			for (j = batch; j != NULL; j = j->next)
				j->rc = rc;
			return;
		}
	}
	rc = st->ops->commit(st);
	if (rc != CAIRN_OK) {
		/*
		 * Reads in the batch may have seen its writes, which are now
		 * gone: none of it may be answered as if it had happened.
		 */
		st->ops->rollback(st);
		for (j = batch; j != NULL; j = j->next) {
			if (j->rc >= 0)
				j->rc = dbq_failure(rc);
		}
		return;
	}
	log_event(LOG_DEBUG, "db.commit", "jobs=%d writes=%d ms=%llu", njobs,
	          writes, (unsigned long long)(now_mono_ms() - t0));
	if (pushes > 0 && q->kill_after > 0 &&
	    ++q->push_commits >= q->kill_after) {
		log_event(LOG_WARN, "test.kill", "after_commits=%d",
		          q->push_commits);
		raise(SIGKILL);
	}
}

static void
dbq_thread(void *arg)
{
	struct dbq *q = arg;
	struct dbq_job *batch, *j, *next;
	int worked = 0;

	for (;;) {
		uv_mutex_lock(&q->lock);
		while (q->todo == NULL && !q->stop) {
			if (!worked) {
				uv_cond_wait(&q->cond, &q->lock);
				continue;
			}
			/*
			 * Quiet for DBQ_IDLE_NS after some work: housekeeping
			 * (a WAL checkpoint) falls here rather than on a
			 * commit. Not between the batches of a long push.
			 */
			if (uv_cond_timedwait(&q->cond, &q->lock,
			                      DBQ_IDLE_NS) == UV_ETIMEDOUT &&
			    q->todo == NULL && !q->stop) {
				uv_mutex_unlock(&q->lock);
				if (q->store->ops->idle != NULL)
					q->store->ops->idle(q->store);
				uv_mutex_lock(&q->lock);
				worked = 0;
			}
		}
		batch = q->todo;
		q->todo = q->todo_tail = NULL;
		uv_mutex_unlock(&q->lock);
		if (batch == NULL)
			break; /* stop requested and nothing left */
		dbq_run_batch(q, batch);
		worked = 1;
		uv_mutex_lock(&q->lock);
		for (j = batch; j != NULL; j = next) {
			next = j->next;
			dbq_append(&q->done, &q->done_tail, j);
		}
		uv_mutex_unlock(&q->lock);
		uv_async_send(&q->async);
	}
}

/* Loop thread: hands finished jobs to their done callbacks. */
static void
dbq_drain(struct dbq *q)
{
	struct dbq_job *j, *next;

	uv_mutex_lock(&q->lock);
	j = q->done;
	q->done = q->done_tail = NULL;
	uv_mutex_unlock(&q->lock);
	for (; j != NULL; j = next) {
		next = j->next;
		j->next = NULL;
		j->done(j);
	}
}

static void
dbq_on_async(uv_async_t *h)
{
	dbq_drain(h->data);
}

int
dbq_new(uv_loop_t *loop, struct store *st, int kill_after, struct dbq **out)
{
	struct dbq *q;

	if ((q = calloc(1, sizeof(*q))) == NULL)
		return CAIRN_ENOMEM;
	q->loop = loop;
	q->store = st;
	q->kill_after = kill_after;
	if (uv_mutex_init(&q->lock) != 0) {
		free(q);
		return CAIRN_EINTERNAL;
	}
	if (uv_cond_init(&q->cond) != 0) {
		uv_mutex_destroy(&q->lock);
		free(q);
		return CAIRN_EINTERNAL;
	}
	if (uv_async_init(loop, &q->async, dbq_on_async) != 0) {
		uv_cond_destroy(&q->cond);
		uv_mutex_destroy(&q->lock);
		free(q);
		return CAIRN_EINTERNAL;
	}
	q->async.data = q;
	if (uv_thread_create(&q->thread, dbq_thread, q) != 0) {
		/* The handle is initialised: it must be closed, then freed. */
		q->started = 0;
		dbq_close(q);
		return CAIRN_EINTERNAL;
	}
	q->started = 1;
	*out = q;
	return CAIRN_OK;
}

int
dbq_submit(struct dbq *q, struct dbq_job *job)
{
	/* A dry run needs the savepoint that rolls it back. */
	if (job->flags & DBQ_DRYRUN)
		job->flags |= DBQ_WRITE;
	int rc = CAIRN_OK;

	job->rc = 0;
	uv_mutex_lock(&q->lock);
	if (q->stop)
		rc = CAIRN_EBUSY;
	else
		dbq_append(&q->todo, &q->todo_tail, job);
	uv_cond_signal(&q->cond);
	uv_mutex_unlock(&q->lock);
	return rc;
}

static void
dbq_on_close(uv_handle_t *h)
{
	struct dbq *q = h->data;

	uv_cond_destroy(&q->cond);
	uv_mutex_destroy(&q->lock);
	free(q);
}

void
dbq_close(struct dbq *q)
{
	if (q == NULL)
		return;
	uv_mutex_lock(&q->lock);
	q->stop = 1;
	uv_cond_signal(&q->cond);
	uv_mutex_unlock(&q->lock);
	if (q->started) {
		uv_thread_join(&q->thread);
		q->started = 0;
	}
	dbq_drain(q);
	uv_close((uv_handle_t *)&q->async, dbq_on_close);
}
