/*
 * The live feed across servers. With PostgreSQL, several cairnd share one
 * change log, and a check-in pushed through one must reach followers
 * connected to another. Every commit that moves the log sends NOTIFY
 * cairn_changes (store-pg.c); each cairnd LISTENs on a connection of its
 * own, polled by the loop, and on a notification runs follow_notify: the
 * usual round, which reads each follower's changes from the database from
 * its cursor. A notification only says "the log moved", so one lost (the
 * listening connection dropped) loses nothing: after reconnecting, the
 * watch runs a round anyway.
 *
 * Connecting may wait (connect_timeout), so it runs on libuv's thread
 * pool, never on the loop; a failed attempt is retried after 0.1 s
 * doubling to 5 s. With SQLite there is one cairnd and nothing to watch.
 */
#include <stdlib.h>
#include <string.h>

#include "cairnd.h"
#include "err.h"
#include "log.h"

#define WATCH_BACKOFF_MIN_MS 100
#define WATCH_BACKOFF_MAX_MS 5000

struct watch {
	struct server *srv;
	struct store_watch *sw; /* loop-owned once connected */
	uv_poll_t poll;
	uv_timer_t retry;
	uv_work_t work;
	/* Filled by the connecting work, read by its after-work callback. */
	struct store_watch *fresh;
	char err[256];
	unsigned backoff_ms;
	int connecting, polling, closed, was_lost;
};

static void watch_connect(struct watch *w);

static void
watch_on_retry(uv_timer_t *t)
{
	watch_connect(t->data);
}

static void
watch_retry_later(struct watch *w)
{
	if (w->closed || w->srv->stopping)
		return;
	w->backoff_ms =
	        w->backoff_ms == 0 ? WATCH_BACKOFF_MIN_MS : w->backoff_ms * 2;
	if (w->backoff_ms > WATCH_BACKOFF_MAX_MS)
		w->backoff_ms = WATCH_BACKOFF_MAX_MS;
	uv_timer_start(&w->retry, watch_on_retry, w->backoff_ms, 0);
}

static void
watch_on_poll_closed(uv_handle_t *h)
{
	struct watch *w = h->data;

	store_watch_close(w->sw);
	w->sw = NULL;
	watch_retry_later(w);
}

/* The listening connection is gone: close it, reconnect later. */
static void
watch_lost(struct watch *w)
{
	if (!w->polling)
		return;
	log_event(LOG_WARN, "watch.lost",
	          "msg=\"change notifications lost; reconnecting\"");
	w->polling = 0;
	w->was_lost = 1;
	uv_poll_stop(&w->poll);
	uv_close((uv_handle_t *)&w->poll, watch_on_poll_closed);
}

static void
watch_on_readable(uv_poll_t *p, int status, int events)
{
	struct watch *w = p->data;
	int n;

	if (status < 0 || (n = store_watch_drain(w->sw)) < 0) {
		watch_lost(w);
		return;
	}
	if (n > 0 && !w->srv->stopping && w->srv->nfollowers > 0)
		follow_notify(w->srv);
}

static void
watch_work(uv_work_t *req)
{
	struct watch *w = req->data;

	w->fresh = NULL;
	w->err[0] = '\0';
	if (store_watch_open(w->srv->cfg->db, &w->fresh, w->err,
	                     sizeof(w->err)) != CAIRN_OK)
		w->fresh = NULL;
}

static void
watch_after_work(uv_work_t *req, int status)
{
	struct watch *w = req->data;

	w->connecting = 0;
	if (w->closed || w->srv->stopping)
		return; /* watch_free closes w->fresh */
	if (status != 0 || w->fresh == NULL) {
		log_event(LOG_WARN, "watch.connect", "msg=\"%s\"",
		          w->err[0] != '\0' ? w->err : "cancelled");
		watch_retry_later(w);
		return;
	}
	w->sw = w->fresh;
	w->fresh = NULL;
	if (uv_poll_init(w->srv->loop, &w->poll, store_watch_fd(w->sw)) != 0) {
		store_watch_close(w->sw);
		w->sw = NULL;
		watch_retry_later(w);
		return;
	}
	w->poll.data = w;
	uv_poll_start(&w->poll, UV_READABLE, watch_on_readable);
	w->polling = 1;
	w->backoff_ms = 0;
	log_event(LOG_INFO, "watch.listen", NULL);
	/* Whatever another cairnd wrote while we were not listening. */
	if (w->was_lost && w->srv->nfollowers > 0)
		follow_notify(w->srv);
}

static void
watch_connect(struct watch *w)
{
	if (w->connecting || w->polling || w->closed || w->srv->stopping)
		return;
	w->connecting = 1;
	w->work.data = w;
	if (uv_queue_work(w->srv->loop, &w->work, watch_work,
	                  watch_after_work) != 0) {
		w->connecting = 0;
		watch_retry_later(w);
	}
}

int
watch_start(struct server *srv)
{
	struct watch *w;

	if (!store_is_pg(srv->cfg->db))
		return CAIRN_OK;
	if ((w = calloc(1, sizeof(*w))) == NULL)
		return CAIRN_ENOMEM;
	w->srv = srv;
	uv_timer_init(srv->loop, &w->retry);
	w->retry.data = w;
	/* Housekeeping, not work: it must not keep a stopping loop alive. */
	uv_unref((uv_handle_t *)&w->retry);
	srv->watch = w;
	watch_connect(w);
	return CAIRN_OK;
}

/* The server stops: no more rounds; its walk closes the handles. */
void
watch_stop(struct server *srv)
{
	struct watch *w = srv->watch;

	if (w == NULL)
		return;
	w->closed = 1;
	uv_timer_stop(&w->retry);
	if (w->polling) {
		w->polling = 0;
		uv_poll_stop(&w->poll);
	}
}

/* After the loop ended (every handle closed, no work in flight). */
void
watch_free(struct server *srv)
{
	struct watch *w = srv->watch;

	if (w == NULL)
		return;
	srv->watch = NULL;
	store_watch_close(w->sw);
	store_watch_close(w->fresh);
	free(w);
}
