/*
 * cairn sync, as docs/sync.md says: Hello, Auth, push dirty batches until
 * none is left (clearing dirty only for versions unchanged since they were
 * sent), then pull from the saved cursor and epoch until the server has no
 * more, applying each batch together with its cursor in one transaction.
 * A reset from the server (unknown cursor or epoch) marks every own record
 * dirty, pushes again and pulls from zero. Ctrl-C stops between batches.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/file.h>
#include <unistd.h>

#include "cairn.h"
#include "err.h"
#include "frame.h"
#include "msg.h"

#define SYNC_RESETS_MAX 2 /* resets one sync accepts before giving up */
#define SYNC_STUCK_MAX 3  /* pushes in a row that may clean nothing */
#define SYNC_EPOCH_MAX 64

struct sync {
	struct cli *c;
	struct net_conn *n;
	uint32_t batch; /* records per push and pull */
	int progress;   /* stderr is a terminal */
	uint64_t pushed, pulled, cursor;
	int stuck; /* pushes in a row that cleaned nothing */
	/* CAIRN_TEST_KILL: which event, and the count that kills. */
	int kill_push, kill_pull;
	uint64_t push_acks, pull_recvs;
};

static void
on_sigint(int sig)
{
	(void)sig;
	net_interrupted = 1;
}

/* Reads CAIRN_BATCH and CAIRN_TEST_KILL (see docs/sync.md). */
static int
sync_env(struct sync *s)
{
	const char *v;
	char *end;
	long n;

	s->batch = CLI_BATCH_DEFAULT;
	if ((v = getenv("CAIRN_BATCH")) != NULL && *v != '\0') {
		n = strtol(v, &end, 10);
		if (*end != '\0' || n < 1)
			return cli_err(
			        CAIRN_EUSAGE,
			        "CAIRN_BATCH must be a number of at least 1");
		s->batch = n > MSG_MAX_BATCH ? MSG_MAX_BATCH : (uint32_t)n;
	}
	if ((v = getenv("CAIRN_TEST_KILL")) != NULL && *v != '\0') {
		if (strncmp(v, "push-ack:", 9) == 0)
			s->kill_push = atoi(v + 9);
		else if (strncmp(v, "pull-recv:", 10) == 0)
			s->kill_pull = atoi(v + 10);
		else
			return cli_err(CAIRN_EUSAGE,
			               "CAIRN_TEST_KILL must be push-ack:N or "
			               "pull-recv:N");
	}
	return CAIRN_OK;
}

/* Packs one local version as a wire Record (borrowing its strings). */
static void
to_wire(const struct rec *r, Cairn__Record *w)
{
	cairn__record__init(w);
	w->id = (char *)r->id;
	w->kind = (Cairn__Kind)r->kind;
	w->owner = (char *)r->owner;
	w->hlc = r->hlc;
	w->device = (char *)r->device;
	w->deleted = r->deleted;
	w->private_ = r->priv;
	w->body.data = r->body;
	w->body.len = r->body != NULL ? r->body_len : 0;
}

/* Pushes one batch; *n is 0 when nothing was dirty. */
static int
push_batch(struct sync *s, size_t *n)
{
	Cairn__Request req = CAIRN__REQUEST__INIT;
	Cairn__Push push = CAIRN__PUSH__INIT;
	Cairn__Record *wire = NULL, **ptrs = NULL;
	Cairn__Response *resp = NULL;
	struct errbuf err = {""};
	struct rec *recs = NULL;
	size_t count = 0, i, cleaned = 0;
	int rc;

	if ((rc = store_dirty_batch(s->c->st, s->batch, MSG_BATCH_BYTES, &recs,
	                            &count)) != CAIRN_OK) {
		rc = cli_err(rc, "cannot read local changes: %s",
		             store_errmsg(s->c->st));
		goto out;
	}
	*n = count;
	if (count == 0)
		goto out;
	wire = calloc(count, sizeof(*wire));
	ptrs = calloc(count, sizeof(*ptrs));
	if (wire == NULL || ptrs == NULL) {
		rc = CAIRN_ENOMEM;
		goto out;
	}
	for (i = 0; i < count; i++) {
		to_wire(&recs[i], &wire[i]);
		ptrs[i] = &wire[i];
	}
	push.n_records = count;
	push.records = ptrs;
	req.body_case = CAIRN__REQUEST__BODY_PUSH;
	req.push = &push;
	if ((rc = net_call(s->n, &req, &resp, &err)) != CAIRN_OK) {
		rc = cli_errbuf(rc, &err);
		goto out;
	}
	if (resp->body_case != CAIRN__RESPONSE__BODY_PUSH ||
	    resp->push == NULL) {
		rc = cli_err(CAIRN_EPROTO,
		             "the server did not answer the push");
		goto out;
	}
	if (s->kill_push > 0 && ++s->push_acks == (uint64_t)s->kill_push)
		raise(SIGKILL);
	if ((rc = store_mark_clean(s->c->st, recs, count, &cleaned)) ||
	    (rc = store_observe(s->c->st, resp->push->hlc))) {
		rc = cli_err(rc, "cannot record the push: %s",
		             store_errmsg(s->c->st));
		goto out;
	}
	/*
	 * Versions edited while their push was in flight stay dirty and go
	 * in the next batch; a batch that cleans nothing several times in a
	 * row means something keeps rewriting them, so stop rather than spin.
	 */
	if (cleaned == 0 && ++s->stuck >= SYNC_STUCK_MAX) {
		rc = cli_err(CAIRN_EINTERNAL,
		             "local changes stayed unsynced "
		             "after %d pushes; run 'cairn "
		             "sync' again",
		             SYNC_STUCK_MAX);
		goto out;
	}
	if (cleaned > 0)
		s->stuck = 0;
	s->pushed += count;
out:
	msg_free_response(resp);
	free(ptrs);
	free(wire);
	rec_free_array(recs, count);
	return rc;
}

static int
push_all(struct sync *s)
{
	uint64_t total = 0, done = 0;
	size_t n = 0;
	int rc;

	if ((rc = store_restamp(s->c->st, s->c->device, NULL)) ||
	    (rc = store_count_dirty(s->c->st, &total)))
		return cli_err(rc, "cannot prepare local changes: %s",
		               store_errmsg(s->c->st));
	while (total > 0) {
		if (net_interrupted)
			return CAIRN_EINTR;
		if ((rc = push_batch(s, &n)) != CAIRN_OK)
			return rc;
		if (n == 0)
			break;
		done += n;
		if (s->progress)
			fprintf(stderr, "\rpushing %llu/%llu",
			        (unsigned long long)done,
			        (unsigned long long)(done > total ? done
			                                          : total));
	}
	if (s->progress && done > 0)
		fputc('\n', stderr);
	return CAIRN_OK;
}

/* Copies a pulled Record into a local version, checking its bounds. */
static int
from_wire(const Cairn__Record *w, struct rec *r)
{
	Cairn__Entry *e;

	memset(r, 0, sizeof(*r));
	if (w->id == NULL || !uuid_valid(w->id) || w->owner == NULL ||
	    !handle_valid(w->owner) || w->device == NULL ||
	    strlen(w->device) > CLI_DEVICE_MAX || w->body.len > FRAME_MAX)
		return CAIRN_EPROTO;
	memcpy(r->id, w->id, UUID_LEN + 1);
	snprintf(r->owner, sizeof(r->owner), "%s", w->owner);
	snprintf(r->device, sizeof(r->device), "%s", w->device);
	r->kind = (int)w->kind;
	r->hlc = w->hlc;
	r->deleted = w->deleted;
	r->priv = w->private_;
	if (!w->deleted && w->body.len > 0) {
		r->body = malloc(w->body.len);
		if (r->body == NULL)
			return CAIRN_ENOMEM;
		memcpy(r->body, w->body.data, w->body.len);
		r->body_len = w->body.len;
	}
	if (r->kind == CAIRN__KIND__KIND_ENTRY && !r->deleted) {
		if ((e = entryrec_unpack(r)) == NULL)
			return CAIRN_EPROTO;
		r->at = e->started_at;
		cairn__entry__free_unpacked(e, NULL);
	}
	return CAIRN_OK;
}

/* Applies one PullOk; its records and cursor in one transaction. */
static int
apply_batch(struct sync *s, const Cairn__PullOk *p, const char *epoch)
{
	struct rec *recs = NULL;
	size_t i, n = 0;
	int rc = CAIRN_OK;

	if (p->n_records > MSG_MAX_BATCH)
		return cli_err(CAIRN_EPROTO, "the server sent too big a batch");
	if (p->n_records > 0 &&
	    (recs = calloc(p->n_records, sizeof(*recs))) == NULL)
		return CAIRN_ENOMEM;
	for (i = 0; i < p->n_records; i++) {
		rc = from_wire(p->records[i], &recs[i]);
		n = i + 1;
		if (rc != CAIRN_OK) {
			rc = cli_err(rc, "the server sent a malformed record");
			goto out;
		}
	}
	if ((rc = store_apply_pull(s->c->st, recs, n, p->cursor, epoch,
	                           NULL)) != CAIRN_OK) {
		rc = cli_err(rc, "cannot store pulled records: %s",
		             store_errmsg(s->c->st));
		goto out;
	}
	s->pulled += n;
	s->cursor = p->cursor;
out:
	rec_free_array(recs, n);
	return rc;
}

/* Pulls until the server has no more; *reset when it asked for one. */
static int
pull_all(struct sync *s, int *reset)
{
	Cairn__Request req = CAIRN__REQUEST__INIT;
	Cairn__Pull pull = CAIRN__PULL__INIT;
	Cairn__Response *resp = NULL;
	struct errbuf err = {""};
	char epoch[SYNC_EPOCH_MAX + 1];
	const Cairn__PullOk *p;
	int rc, more = 1;

	*reset = 0;
	if ((rc = store_meta_get_u64(s->c->st, "cursor", &s->cursor)))
		return cli_err(rc, "cannot read the cursor");
	rc = store_meta_get(s->c->st, "epoch", epoch, sizeof(epoch));
	if (rc == CAIRN_ENOTFOUND || (rc == CAIRN_OK && epoch[0] == '\0'))
		snprintf(epoch, sizeof(epoch), "%s", net_epoch(s->n));
	else if (rc != CAIRN_OK)
		return cli_err(rc, "cannot read the epoch");
	while (more) {
		if (net_interrupted)
			return CAIRN_EINTR;
		pull.cursor = s->cursor;
		pull.epoch = epoch;
		pull.limit = s->batch;
		req.body_case = CAIRN__REQUEST__BODY_PULL;
		req.pull = &pull;
		if ((rc = net_call(s->n, &req, &resp, &err)) != CAIRN_OK)
			return cli_errbuf(rc, &err);
		p = resp->pull;
		if (resp->body_case != CAIRN__RESPONSE__BODY_PULL ||
		    p == NULL || p->epoch == NULL ||
		    strlen(p->epoch) > SYNC_EPOCH_MAX) {
			rc = cli_err(CAIRN_EPROTO,
			             "the server did not answer the pull");
			goto out;
		}
		if (s->kill_pull > 0 &&
		    ++s->pull_recvs == (uint64_t)s->kill_pull)
			raise(SIGKILL);
		if (p->epoch[0] != '\0')
			snprintf(epoch, sizeof(epoch), "%s", p->epoch);
		if (p->reset) {
			if ((rc = store_reset(s->c->st, s->c->handle, epoch)))
				rc = cli_err(rc, "cannot reset: %s",
				             store_errmsg(s->c->st));
			*reset = rc == CAIRN_OK;
			goto out;
		}
		if (p->more && p->n_records == 0 && p->cursor <= s->cursor) {
			rc = cli_err(CAIRN_EPROTO,
			             "the server's pull made no progress");
			goto out;
		}
		if ((rc = apply_batch(s, p, epoch)) != CAIRN_OK)
			goto out;
		more = p->more;
		msg_free_response(resp);
		resp = NULL;
		if (s->progress)
			fprintf(stderr, "\rpulling %llu",
			        (unsigned long long)s->pulled);
	}
out:
	if (s->progress && s->pulled > 0)
		fputc('\n', stderr);
	msg_free_response(resp);
	return rc;
}

static int
sync_run(struct sync *s)
{
	int rc, reset, resets = 0;

	if ((rc = cli_net_open(s->c, 1, &s->n)) != CAIRN_OK)
		return rc;
	if (net_max_batch(s->n) < s->batch)
		s->batch = net_max_batch(s->n);
	for (;;) {
		if ((rc = push_all(s)) || (rc = pull_all(s, &reset)))
			return rc;
		if (!reset)
			break;
		if (++resets > SYNC_RESETS_MAX)
			return cli_err(CAIRN_EPROTO, "the server keeps asking "
			                             "for a reset; try again");
	}
	if ((rc = store_meta_set_u64(s->c->st, "last_sync",
	                             (uint64_t)time(NULL))) != CAIRN_OK)
		return cli_err(rc, "cannot save the sync time");
	return CAIRN_OK;
}

/*
 * Takes the home's sync lock (HOME/sync.lock, flock), waiting for another
 * sync of the same home to finish: two syncs at once would push the same
 * records and each see the other's acknowledgements. Returns the open
 * descriptor in *fd; closing it releases the lock.
 */
static int
sync_lock(struct cli *c, int *fd)
{
	struct errbuf err = {""};
	char path[CLI_PATH_MAX];
	int rc, f;

	if ((rc = home_path(c->home, "sync.lock", path, sizeof(path), &err)))
		return cli_errbuf(rc, &err);
	if ((f = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0)
		return cli_err(CAIRN_EIO, "cannot open %s: %s", path,
		               strerror(errno));
	if (flock(f, LOCK_EX | LOCK_NB) < 0) {
		if (isatty(STDERR_FILENO))
			fprintf(stderr, "waiting for another sync of this "
			                "home to finish\n");
		while (flock(f, LOCK_EX) < 0) {
			if (errno == EINTR && !net_interrupted)
				continue;
			close(f);
			return errno == EINTR ? CAIRN_EINTR
			                      : cli_err(CAIRN_EIO,
			                                "cannot lock %s: %s",
			                                path, strerror(errno));
		}
	}
	*fd = f;
	return CAIRN_OK;
}

int
cmd_sync(struct cli *c, int argc, char **argv)
{
	struct sigaction sa, old;
	struct sync s;
	int rc, lock = -1;

	if (argc > 1)
		return cli_usage(c, "unexpected argument");
	memset(&s, 0, sizeof(s));
	s.c = c;
	s.progress = isatty(STDERR_FILENO);
	if ((rc = sync_env(&s)) != CAIRN_OK)
		return rc;
	/* No SA_RESTART: a blocking wait returns and sees the flag. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigint;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old);
	if ((rc = sync_lock(c, &lock)) == CAIRN_OK)
		rc = sync_run(&s);
	net_close(s.n);
	if (lock >= 0)
		close(lock);
	sigaction(SIGINT, &old, NULL);
	if (rc == CAIRN_EINTR)
		return cli_err(rc,
		               "interrupted after %llu pushed and %llu "
		               "pulled; run 'cairn sync' to continue",
		               (unsigned long long)s.pushed,
		               (unsigned long long)s.pulled);
	if (rc != CAIRN_OK)
		return rc;
	if (c->json)
		return out_json(json_pack("{s:I, s:I, s:I}", "pushed",
		                          (json_int_t)s.pushed, "pulled",
		                          (json_int_t)s.pulled, "cursor",
		                          (json_int_t)s.cursor));
	printf("pushed %llu, pulled %llu\n", (unsigned long long)s.pushed,
	       (unsigned long long)s.pulled);
	return CAIRN_OK;
}
