/*
 * cairn sync, as docs/sync.md says: Hello, Auth, a first pull when there
 * is anything to push (so entries edited here and elsewhere merge before
 * they go up), push dirty batches until none is left (clearing dirty only for
 * versions unchanged since they were sent), then pull from the saved cursor and
 * epoch until the server has no more, applying each batch together with its
 * cursor in one transaction; then the backfills of people who became visible,
 * each batch with its position; then the people list, cached for the commands
 * that work offline. A reset from the server (unknown cursor or epoch) marks
 * every own record dirty, pushes again and pulls from zero. A server over the
 * account's quota or with a full disk stops the pushes (the changes stay
 * queued) but not the pull, and the sync ends with its words, exit 6.
 * Versions of an entry edited on two machines merge field by field as
 * they are pulled; a merge that neither side had is pushed in the same
 * run, and an edit of this home that another replaced unseen is said,
 * one line per field. Ctrl-C stops between batches.
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

const struct cmd cmd_sync_entry = {
        .name = "sync",
        .fn = cmd_sync,
        .flags = CMD_NEEDS_HOME | CMD_NEEDS_LOGIN | CMD_WRITES | CMD_NETWORK,
        .usage = "sync",
        .summary = "push local changes, then pull everyone else's",
        .help = "Progress is shown on a terminal. Ctrl-C stops after the current\n"
                "batch; run sync again to continue.\n"
                "An entry edited on two machines keeps both edits when they touch\n"
                "different fields. When both changed the same field, the later\n"
                "edit wins, and the machine whose edit lost says so:\n"
                "  396cad48: text from desktop replaced yours\n"
                "'cairn undo' takes back this machine's last change.\n"
                "\n"
                "EXAMPLES:\n"
                "  cairn sync\n"
                "  cairn --json sync\n",
};

#define SYNC_RESETS_MAX 2 /* resets one sync accepts before giving up */
#define SYNC_STUCK_MAX 3  /* pushes in a row that may clean nothing */
#define SYNC_EPOCH_MAX 64
#define SYNC_REFUSED_MAX 100 /* undeliverable comments set aside per sync */
#define SYNC_LOST_MAX 1000   /* "replaced yours" lines one sync keeps */
#define DEVICES_CACHE_KEY "devices"

struct sync {
	struct cli *c;
	struct net_conn *n;
	uint32_t batch;      /* records per push */
	uint32_t pull_batch; /* records per pull */
	int progress;        /* stderr is a terminal */
	uint64_t pushed, pulled, cursor;
	uint64_t backfilled, forgot, refused;
	int stuck;                 /* pushes in a row that cleaned nothing */
	int held;                  /* EQUOTA or ESERVERFULL: pushes wait */
	char held_msg[ERRBUF_MAX]; /* the server's words for it */
	json_t *shared, *unshared; /* handles granted and revoked */
	json_t *lost;              /* own edits another replaced unseen */
	uint64_t merged;           /* merged versions written by the pull */
	int new_device;            /* a version from a device not cached */
	Cairn__DevicesOk *devices; /* the cached device list, or NULL */
	/* CAIRN_TEST_KILL: which event, and the count that kills (or, for
	 * sigint-push-ack, interrupts as Ctrl-C would). */
	int kill_push, kill_pull, int_push;
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
	s->pull_batch = MSG_MAX_PULL;
	if ((v = getenv("CAIRN_BATCH")) != NULL && *v != '\0') {
		n = strtol(v, &end, 10);
		if (*end != '\0' || n < 1)
			return cli_err(
			        CAIRN_EUSAGE,
			        "CAIRN_BATCH must be a number of at least 1");
		s->batch = n > MSG_MAX_BATCH ? MSG_MAX_BATCH : (uint32_t)n;
		s->pull_batch = s->batch;
	}
	if ((v = getenv("CAIRN_TEST_KILL")) != NULL && *v != '\0') {
		if (strncmp(v, "push-ack:", 9) == 0)
			s->kill_push = atoi(v + 9);
		else if (strncmp(v, "pull-recv:", 10) == 0)
			s->kill_pull = atoi(v + 10);
		else if (strncmp(v, "sigint-push-ack:", 16) == 0)
			s->int_push = atoi(v + 16);
		else
			return cli_err(
			        CAIRN_EUSAGE,
			        "CAIRN_TEST_KILL must be push-ack:N, pull-recv:N or sigint-push-ack:N");
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
	w->subject =
	        (char *)(strcmp(r->subject, r->owner) != 0 ? r->subject : "");
	w->hlc = r->hlc;
	w->device = (char *)r->device;
	w->deleted = r->deleted;
	w->private_ = r->priv;
	w->body.data = r->body;
	w->body.len = r->body != NULL ? r->body_len : 0;
}

/*
 * A refused push. A comment or review of this home that the server will
 * never take (its author lost sight of what it is on while offline) would
 * block every later sync: it is set aside (kept here, no longer pushed),
 * said once, and the push goes on. Anything else is the sync's error.
 */
static int
push_refused(struct sync *s, int rc, const struct rec *recs, size_t n,
             const struct errbuf *err)
{
	const char *id = net_refused_record(s->n);
	char sid[9];
	size_t i;

	if ((rc != CAIRN_EFORBIDDEN && rc != CAIRN_EINVAL) || id[0] == '\0' ||
	    s->refused >= SYNC_REFUSED_MAX)
		return cli_errbuf(rc, err);
	for (i = 0; i < n; i++) {
		if (strcmp(recs[i].id, id) != 0)
			continue;
		/*
		 * A server older than the timer kind refuses it: the timer
		 * stays on this machine and the rest of the push goes on.
		 */
		if (recs[i].kind == CAIRN__KIND__KIND_TIMER &&
		    store_set_clean(s->c->st, id) == CAIRN_OK)
			return CAIRN_OK;
		if (rc != CAIRN_EFORBIDDEN)
			break;
		if (recs[i].kind != CAIRN__KIND__KIND_COMMENT &&
		    recs[i].kind != CAIRN__KIND__KIND_REVIEW)
			break;
		if (store_set_clean(s->c->st, id) != CAIRN_OK)
			break;
		fprintf(stderr,
		        "cairn: %s %s was not delivered and stays on this machine only: %s\n",
		        recs[i].kind == CAIRN__KIND__KIND_COMMENT ? "comment"
		                                                  : "review",
		        out_short_id(id, sid), err->msg);
		s->refused++;
		return CAIRN_OK;
	}
	return cli_errbuf(rc, err);
}

/* A push sent and not yet answered: its versions and their wire form. */
struct push_flight {
	struct rec *recs;
	size_t count;
	Cairn__Record *wire, **ptrs;
	uint32_t id;
	int refused; /* refused whole, a comment set aside: resend the rest */
};

static void
push_flight_free(struct push_flight *f)
{
	free(f->ptrs);
	free(f->wire);
	rec_free_array(f->recs, f->count);
	memset(f, 0, sizeof(*f));
}

/*
 * Sends the next batch of dirty versions after the skip still in flight;
 * f->count is 0 when there was nothing to send. f is zeroed or holds a
 * batch already answered (freed here).
 */
static int
push_send(struct sync *s, size_t skip, struct push_flight *f)
{
	Cairn__Request req = CAIRN__REQUEST__INIT;
	Cairn__Push push = CAIRN__PUSH__INIT;
	struct errbuf err = {""};
	size_t i;
	int rc;

	push_flight_free(f); /* f may hold an empty batch */
	if ((rc = store_dirty_batch_after(s->c->st, skip, s->batch,
	                                  MSG_BATCH_BYTES, &f->recs,
	                                  &f->count)) != CAIRN_OK)
		return cli_err(rc, "cannot read local changes: %s",
		               store_errmsg(s->c->st));
	if (f->count == 0)
		return CAIRN_OK;
	f->wire = calloc(f->count, sizeof(*f->wire));
	f->ptrs = calloc(f->count, sizeof(*f->ptrs));
	if (f->wire == NULL || f->ptrs == NULL)
		return CAIRN_ENOMEM;
	for (i = 0; i < f->count; i++) {
		to_wire(&f->recs[i], &f->wire[i]);
		f->ptrs[i] = &f->wire[i];
	}
	push.n_records = f->count;
	push.records = f->ptrs;
	req.body_case = CAIRN__REQUEST__BODY_PUSH;
	req.push = &push;
	if ((rc = net_send(s->n, &req, &err)) != CAIRN_OK)
		return cli_errbuf(rc, &err);
	f->id = req.id;
	return CAIRN_OK;
}

/* Reads the answer to f, whatever it is, and forgets f. */
static void
push_drain(struct sync *s, struct push_flight *f)
{
	Cairn__Response *resp = NULL;
	struct errbuf err = {""};

	if (f->count > 0 && net_answer(s->n, f->id, &resp, &err) == CAIRN_OK)
		msg_free_response(resp);
	push_flight_free(f);
}

/*
 * Waits for the answer to f and marks what it acknowledged clean. A batch
 * refused whole for a comment or review that is then set aside comes back
 * CAIRN_OK with f->refused set (nothing of it was stored).
 */
static int
push_recv(struct sync *s, struct push_flight *f)
{
	Cairn__Response *resp = NULL;
	struct errbuf err = {""};
	size_t cleaned = 0;
	int rc;

	if ((rc = net_answer(s->n, f->id, &resp, &err)) != CAIRN_OK) {
		rc = push_refused(s, rc, f->recs, f->count, &err);
		f->refused = rc == CAIRN_OK;
		return rc;
	}
	if (resp->body_case != CAIRN__RESPONSE__BODY_PUSH ||
	    resp->push == NULL) {
		rc = cli_err(CAIRN_EPROTO,
		             "the server did not answer the push");
		goto out;
	}
	++s->push_acks;
	if (s->kill_push > 0 && s->push_acks == (uint64_t)s->kill_push)
		raise(SIGKILL);
	if (s->int_push > 0 && s->push_acks == (uint64_t)s->int_push)
		raise(SIGINT); /* Ctrl-C, at a known point */
	if ((rc = store_mark_clean(s->c->st, f->recs, f->count, &cleaned)) ||
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
		rc = cli_err(
		        CAIRN_EINTERNAL,
		        "local changes stayed unsynced after %d pushes; run 'cairn sync' again",
		        SYNC_STUCK_MAX);
		goto out;
	}
	if (cleaned > 0)
		s->stuck = 0;
	s->pushed += f->count;
out:
	msg_free_response(resp);
	return rc;
}

/*
 * Pushes every dirty version, two batches in flight: batch k+1 is sent
 * before the answer to batch k is awaited, so the server starts on it as
 * soon as k is committed and the client reads and packs it meanwhile.
 * Each answer still comes after its commit (docs/sync.md).
 */
static int
push_all(struct sync *s)
{
	struct push_flight cur = {0}, next = {0};
	uint64_t total = 0, done = 0;
	int rc;

	if ((rc = store_restamp(s->c->st, s->c->device, NULL)) ||
	    (rc = store_count_dirty(s->c->st, &total)))
		return cli_err(rc, "cannot prepare local changes: %s",
		               store_errmsg(s->c->st));
	if (total > 0)
		rc = push_send(s, 0, &cur);
	while (rc == CAIRN_OK && cur.count > 0) {
		if (net_interrupted) {
			rc = CAIRN_EINTR;
			break;
		}
		if ((rc = push_send(s, cur.count, &next)) != CAIRN_OK)
			break;
		rc = push_recv(s, &cur);
		if (rc != CAIRN_OK || cur.refused) {
			/*
			 * next went out behind a batch that failed or was
			 * refused whole: its answer is stale (it may refuse
			 * what leaned on that batch). Read it and drop it, so
			 * the pull reads its own answer; its versions stay
			 * dirty and go again from the first.
			 */
			push_drain(s, &next);
			push_flight_free(&cur);
			if (rc == CAIRN_OK)
				rc = push_send(s, 0, &cur);
			continue;
		}
		done += cur.count;
		if (s->progress)
			fprintf(stderr, "\rpushing %llu/%llu",
			        (unsigned long long)done,
			        (unsigned long long)(done > total ? done
			                                          : total));
		push_flight_free(&cur);
		cur = next;
		memset(&next, 0, sizeof(next));
		/*
		 * The pipeline ran dry: whatever is dirty now (skipped, or
		 * edited meanwhile) goes in a new round; none left ends it.
		 */
		if (cur.count == 0)
			rc = push_send(s, 0, &cur);
	}
	push_flight_free(&cur);
	push_flight_free(&next);
	if (s->progress && done > 0)
		fputc('\n', stderr);
	return rc;
}

int
sync_from_wire(const Cairn__Record *w, struct rec *r)
{
	memset(r, 0, sizeof(*r));
	if (w->id == NULL || !uuid_valid(w->id) || w->owner == NULL ||
	    !handle_valid(w->owner) || w->device == NULL ||
	    strlen(w->device) > CLI_DEVICE_MAX || w->body.len > FRAME_MAX ||
	    w->subject == NULL ||
	    (w->subject[0] != '\0' && !handle_valid(w->subject)))
		return CAIRN_EPROTO;
	memcpy(r->id, w->id, UUID_LEN + 1);
	snprintf(r->owner, sizeof(r->owner), "%s", w->owner);
	snprintf(r->subject, sizeof(r->subject), "%s",
	         w->subject[0] != '\0' ? w->subject : w->owner);
	snprintf(r->device, sizeof(r->device), "%s", w->device);
	r->kind = (int)w->kind;
	r->hlc = w->hlc;
	r->seq = w->seq;
	r->deleted = w->deleted;
	r->priv = w->private_;
	if (!w->deleted && w->body.len > 0) {
		r->body = malloc(w->body.len);
		if (r->body == NULL)
			return CAIRN_ENOMEM;
		memcpy(r->body, w->body.data, w->body.len);
		r->body_len = w->body.len;
	}
	return rec_derive(r);
}

/* Notes a handle granted or revoked, for what sync says at the end. */
static void
note_handle(json_t **list, const char *h)
{
	size_t i;
	json_t *v;

	if (*list == NULL && (*list = json_array()) == NULL)
		return;
	json_array_foreach(*list, i, v)
	{
		if (strcmp(json_string_value(v), h) == 0)
			return;
	}
	json_array_append_new(*list, json_string(h));
}

/* The device id in d, or NULL. */
static const Cairn__Device *
device_find(const Cairn__DevicesOk *d, const char *id)
{
	size_t i;

	for (i = 0; d != NULL && i < d->n_devices; i++)
		if (d->devices[i]->id != NULL &&
		    strcmp(d->devices[i]->id, id) == 0)
			return d->devices[i];
	return NULL;
}

/* The cached device list, or NULL before the first sync that saved one. */
static Cairn__DevicesOk *
devices_load(struct cli *c)
{
	Cairn__DevicesOk *d = NULL;
	uint8_t *buf = NULL;
	size_t len = 0;

	if (store_cache_get(c->st, DEVICES_CACHE_KEY, &buf, &len) == CAIRN_OK)
		d = cairn__devices_ok__unpack(NULL, len, buf);
	free(buf);
	return d;
}

void
sync_device_name(struct cli *c, const char *id, char *out, size_t len)
{
	Cairn__DevicesOk *d;
	const Cairn__Device *dv;

	if (id == NULL || id[0] == '\0') {
		snprintf(out, len, "another machine");
		return;
	}
	d = devices_load(c);
	dv = device_find(d, id);
	if (dv != NULL && dv->name != NULL && dv->name[0] != '\0')
		snprintf(out, len, "%s", dv->name);
	else
		snprintf(out, len, "%.8s", id);
	if (d != NULL)
		cairn__devices_ok__free_unpacked(d, NULL);
}

/*
 * Asks for this account's devices and caches them, so the names of the
 * machines whose edits arrive can be said, offline too (undo). Only
 * when a version came from a device the cache does not know.
 */
static int
devices_refresh(struct sync *s)
{
	Cairn__Request req = CAIRN__REQUEST__INIT;
	Cairn__DevicesList dl = CAIRN__DEVICES_LIST__INIT;
	Cairn__Response *resp = NULL;
	struct errbuf err = {""};
	uint8_t *buf = NULL;
	size_t len;
	int rc;

	req.body_case = CAIRN__REQUEST__BODY_DEVICES;
	req.devices = &dl;
	if ((rc = net_call(s->n, &req, &resp, &err)) != CAIRN_OK)
		return cli_errbuf(rc, &err);
	if (resp->body_case != CAIRN__RESPONSE__BODY_DEVICES ||
	    resp->devices == NULL) {
		rc = cli_err(CAIRN_EPROTO, "the server sent no device list");
		goto out;
	}
	len = cairn__devices_ok__get_packed_size(resp->devices);
	if ((buf = malloc(len > 0 ? len : 1)) == NULL) {
		rc = CAIRN_ENOMEM;
		goto out;
	}
	cairn__devices_ok__pack(resp->devices, buf);
	if ((rc = store_cache_put(s->c->st, DEVICES_CACHE_KEY, buf, len)))
		rc = cli_err(rc, "cannot save the device list: %s",
		             store_errmsg(s->c->st));
out:
	free(buf);
	msg_free_response(resp);
	return rc;
}

/* A field of an own entry that a pulled edit replaced unseen. */
static void
on_lost(void *arg, const char *id, int field, const char *device)
{
	struct sync *s = arg;
	json_t *o;

	if (s->lost == NULL && (s->lost = json_array()) == NULL)
		return;
	if (json_array_size(s->lost) >= SYNC_LOST_MAX)
		return;
	o = json_pack("{s:s, s:s, s:s}", "id", id, "field",
	              entry_field_name(field), "device", device);
	if (o != NULL)
		json_array_append_new(s->lost, o);
}

/*
 * Applies one PullOk: its records, access events and position in one
 * transaction. backfill is the subject of a backfill, or NULL.
 */
static int
apply_batch(struct sync *s, const Cairn__PullOk *p, const char *epoch,
            const char *backfill)
{
	struct store_batch b;
	struct access *acc = NULL;
	struct rec *recs = NULL;
	size_t i, n = 0, forgot = 0, applied = 0;
	int rc = CAIRN_OK;

	if (p->n_records > MSG_MAX_PULL || p->n_access > MSG_MAX_PULL)
		return cli_err(CAIRN_EPROTO, "the server sent too big a batch");
	if ((p->n_records > 0 &&
	     (recs = calloc(p->n_records, sizeof(*recs))) == NULL) ||
	    (p->n_access > 0 &&
	     (acc = calloc(p->n_access, sizeof(*acc))) == NULL)) {
		rc = CAIRN_ENOMEM;
		goto out;
	}
	for (i = 0; i < p->n_records; i++) {
		rc = sync_from_wire(p->records[i], &recs[i]);
		n = i + 1;
		if (rc != CAIRN_OK) {
			rc = cli_err(rc, "the server sent a malformed record");
			goto out;
		}
	}
	for (i = 0; i < p->n_access; i++) {
		const Cairn__Access *a = p->access[i];

		if (a->subject == NULL || !handle_valid(a->subject) ||
		    backfill != NULL) {
			rc = cli_err(
			        CAIRN_EPROTO,
			        "the server sent a malformed access change");
			goto out;
		}
		acc[i].seq = a->seq;
		acc[i].granted = a->granted;
		snprintf(acc[i].subject, sizeof(acc[i].subject), "%s",
		         a->subject);
		note_handle(a->granted ? &s->shared : &s->unshared, a->subject);
	}
	memset(&b, 0, sizeof(b));
	b.recs = recs;
	b.n = n;
	b.access = acc;
	b.n_access = p->n_access;
	b.me = s->c->handle;
	b.cursor = p->cursor;
	b.epoch = epoch;
	b.backfill = backfill;
	b.done = !p->more;
	b.lost = on_lost;
	b.lost_arg = s;
	b.merged = &s->merged;
	for (i = 0; i < n && !s->new_device; i++)
		if (strcmp(recs[i].owner, s->c->handle) == 0 &&
		    strcmp(recs[i].device, s->c->device) != 0 &&
		    device_find(s->devices, recs[i].device) == NULL)
			s->new_device = 1;
	if ((rc = store_apply_pull(s->c->st, &b, &applied, &forgot)) !=
	    CAIRN_OK) {
		rc = cli_err(rc, "cannot store pulled records: %s",
		             store_errmsg(s->c->st));
		goto out;
	}
	/* A backfill overlaps what the main pull brought: count what is new. */
	if (backfill != NULL)
		s->backfilled += applied;
	else
		s->pulled += n;
	s->forgot += forgot;
	if (backfill == NULL)
		s->cursor = p->cursor;
out:
	rec_free_array(recs, n);
	free(acc);
	return rc;
}

/* Checks a PullOk's shape; CAIRN_EPROTO (error line set) if malformed. */
static int
pull_ok(const Cairn__Response *resp)
{
	const Cairn__PullOk *p = resp->pull;

	if (resp->body_case != CAIRN__RESPONSE__BODY_PULL || p == NULL ||
	    p->epoch == NULL || strlen(p->epoch) > SYNC_EPOCH_MAX)
		return cli_err(CAIRN_EPROTO,
		               "the server did not answer the pull");
	return CAIRN_OK;
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
		pull.limit = s->pull_batch;
		req.body_case = CAIRN__REQUEST__BODY_PULL;
		req.pull = &pull;
		if ((rc = net_call(s->n, &req, &resp, &err)) != CAIRN_OK)
			return cli_errbuf(rc, &err);
		if ((rc = pull_ok(resp)) != CAIRN_OK)
			goto out;
		p = resp->pull;
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
		if (p->more && p->n_records == 0 && p->n_access == 0 &&
		    p->cursor <= s->cursor) {
			rc = cli_err(CAIRN_EPROTO,
			             "the server's pull made no progress");
			goto out;
		}
		if ((rc = apply_batch(s, p, epoch, NULL)) != CAIRN_OK)
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

/*
 * Backfills: the history of everyone who became visible, up to the
 * change that made them so (docs/sync.md). Each batch is applied with the
 * backfill's new position, so an interrupted sync resumes where it was.
 */
static int
backfill_all(struct sync *s)
{
	Cairn__Request req = CAIRN__REQUEST__INIT;
	Cairn__Pull pull = CAIRN__PULL__INIT;
	Cairn__Response *resp = NULL;
	struct errbuf err = {""};
	char subject[HANDLE_MAX + 1];
	uint64_t upto, after;
	int rc;

	for (;;) {
		if (net_interrupted)
			return CAIRN_EINTR;
		rc = store_backfill_next(s->c->st, subject, &upto, &after);
		if (rc == CAIRN_ENOTFOUND)
			return CAIRN_OK;
		if (rc != CAIRN_OK)
			return cli_err(rc, "cannot read the backfills: %s",
			               store_errmsg(s->c->st));
		pull.cursor = after;
		pull.epoch = (char *)net_epoch(s->n);
		pull.limit = s->pull_batch;
		pull.subject = subject;
		pull.upto = upto;
		req.body_case = CAIRN__REQUEST__BODY_PULL;
		req.pull = &pull;
		if ((rc = net_call(s->n, &req, &resp, &err)) != CAIRN_OK)
			return cli_errbuf(rc, &err);
		if ((rc = pull_ok(resp)) != CAIRN_OK)
			goto out;
		if (resp->pull->reset) {
			/* The server changed under us; the next sync redoes. */
			rc = cli_err(
			        CAIRN_EPROTO,
			        "the server was restored during the sync; run 'cairn sync' again");
			goto out;
		}
		if (resp->pull->more && resp->pull->cursor <= after) {
			rc = cli_err(CAIRN_EPROTO,
			             "the server's backfill made no progress");
			goto out;
		}
		if ((rc = apply_batch(s, resp->pull, NULL, subject)) != 0)
			goto out;
		msg_free_response(resp);
		resp = NULL;
	}
out:
	msg_free_response(resp);
	return rc;
}

/* Asks for the people list and caches it (mentees, inbox, feed). */
static int
people_refresh(struct sync *s)
{
	Cairn__Request req = CAIRN__REQUEST__INIT;
	Cairn__PeopleList pl = CAIRN__PEOPLE_LIST__INIT;
	Cairn__Response *resp = NULL;
	struct errbuf err = {""};
	int rc;

	req.body_case = CAIRN__REQUEST__BODY_PEOPLE;
	req.people = &pl;
	if ((rc = net_call(s->n, &req, &resp, &err)) != CAIRN_OK)
		return cli_errbuf(rc, &err);
	rc = people_cache_put(s->c, resp);
	msg_free_response(resp);
	return rc;
}

/*
 * The server took no more of this home's changes: over the account's
 * quota, or its disk is full. They stay queued (dirty) for a later sync;
 * this one still pulls, and ends with the server's words and what waits.
 */
static void
sync_hold(struct sync *s, int rc)
{
	const char *msg = cli_errmsg();

	s->held = rc;
	snprintf(s->held_msg, sizeof(s->held_msg), "%s",
	         msg != NULL ? msg : err_message(rc));
	cli_err_clear();
}

static int
sync_held(struct sync *s)
{
	uint64_t n = 0;

	if (store_count_dirty(s->c->st, &n) != CAIRN_OK)
		return cli_err(s->held, "%s", s->held_msg);
	return cli_err(
	        s->held,
	        "%s; %llu change%s stay%s queued on this machine for the next 'cairn sync'",
	        s->held_msg, (unsigned long long)n, n == 1 ? "" : "s",
	        n == 1 ? "s" : "");
}

static int
sync_run(struct sync *s)
{
	uint64_t dirty = 0;
	int rc, reset = 0, resets = 0;

	if ((rc = cli_net_open(s->c, 1, &s->n)) != CAIRN_OK)
		return rc;
	if (net_max_batch(s->n) < s->batch)
		s->batch = net_max_batch(s->n);
	s->devices = devices_load(s->c);
	/*
	 * With local changes to push, pull first: an entry edited here and
	 * on another machine merges before the push, so what goes up holds
	 * both edits and the other machine has them at its next sync (A, B,
	 * A converge). Pushing first would let this version replace the
	 * other on the server unseen, and a merge would wait for the other
	 * machine's next sync.
	 */
	if ((rc = store_count_dirty(s->c->st, &dirty)) != CAIRN_OK)
		return cli_err(rc, "cannot read local changes: %s",
		               store_errmsg(s->c->st));
	if (dirty > 0 && (rc = pull_all(s, &reset)) != CAIRN_OK)
		return rc;
	if (reset)
		resets++;
	for (;;) {
		rc = push_all(s);
		if (rc == CAIRN_EQUOTA || rc == CAIRN_ESERVERFULL) {
			sync_hold(s, rc);
			rc = CAIRN_OK;
		}
		if (rc != CAIRN_OK || (rc = pull_all(s, &reset)) != CAIRN_OK)
			return rc;
		if (!reset)
			break;
		if (++resets > SYNC_RESETS_MAX)
			return cli_err(
			        CAIRN_EPROTO,
			        "the server keeps asking for a reset; try again");
	}
	/*
	 * Merges the pull wrote (edits of two machines, each keeping its
	 * fields) go up now, so the other machine has them at its next sync.
	 */
	if (s->merged > 0 && !s->held) {
		rc = push_all(s);
		if (rc == CAIRN_EQUOTA || rc == CAIRN_ESERVERFULL) {
			sync_hold(s, rc);
			rc = CAIRN_OK;
		}
		if (rc != CAIRN_OK)
			return rc;
	}
	if ((rc = backfill_all(s)) != CAIRN_OK ||
	    (rc = people_refresh(s)) != CAIRN_OK)
		return rc;
	if ((s->new_device || (s->lost != NULL && s->devices == NULL)) &&
	    (rc = devices_refresh(s)) != CAIRN_OK)
		return rc;
	if (s->held)
		return sync_held(s);
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
			fprintf(stderr,
			        "waiting for another sync of this home to finish\n");
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

/* Says whose history arrived and whose was forgotten. */
static void
sync_say_people(const struct sync *s)
{
	size_t i;
	json_t *v;

	json_array_foreach(s->shared, i, v)
	{
		printf("now sharing with %s\n", json_string_value(v));
	}
	json_array_foreach(s->unshared, i, v)
	{
		printf("no longer sharing with %s: their records are gone from this machine\n",
		       json_string_value(v));
	}
	if (s->refused > 0)
		printf("%llu comment(s) could not be delivered (see above)\n",
		       (unsigned long long)s->refused);
}

/* Adds each replaced field's device name, for --json. */
static void
name_lost(struct sync *s)
{
	char name[DEVICE_NAME_MAX + 1];
	json_t *v;
	size_t i;

	json_array_foreach(s->lost, i, v)
	{
		sync_device_name(
		        s->c, json_string_value(json_object_get(v, "device")),
		        name, sizeof(name));
		json_object_set_new(v, "device_name", json_string(name));
	}
}

/*
 * One line per field of this home's edits that another one replaced, to f.
 * Said even when the sync then fails: the merge is stored by then, and
 * no later sync would say it.
 */
static void
sync_say_lost(struct sync *s, FILE *f)
{
	char name[DEVICE_NAME_MAX + 1], sid[9];
	json_t *v;
	size_t i;

	json_array_foreach(s->lost, i, v)
	{
		sync_device_name(
		        s->c, json_string_value(json_object_get(v, "device")),
		        name, sizeof(name));
		fprintf(f, "%s: %s from %s replaced yours\n",
		        out_short_id(
		                json_string_value(json_object_get(v, "id")),
		                sid),
		        json_string_value(json_object_get(v, "field")), name);
	}
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
	if (rc != CAIRN_OK)
		sync_say_lost(&s, stderr);
	if (rc == CAIRN_EINTR) {
		rc = cli_err(
		        rc,
		        "interrupted after %llu pushed and %llu pulled; run 'cairn sync' to continue",
		        (unsigned long long)s.pushed,
		        (unsigned long long)(s.pulled + s.backfilled));
		goto out;
	}
	if (rc != CAIRN_OK)
		goto out;
	if (c->json) {
		if (s.shared == NULL)
			s.shared = json_array();
		if (s.unshared == NULL)
			s.unshared = json_array();
		if (s.lost == NULL)
			s.lost = json_array();
		name_lost(&s);
		rc = out_json(json_pack(
		        "{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:O, s:O, s:O}",
		        "pushed", (json_int_t)s.pushed, "pulled",
		        (json_int_t)(s.pulled + s.backfilled), "backfilled",
		        (json_int_t)s.backfilled, "forgot",
		        (json_int_t)s.forgot, "undelivered",
		        (json_int_t)s.refused, "cursor", (json_int_t)s.cursor,
		        "merged", (json_int_t)s.merged, "shared", s.shared,
		        "unshared", s.unshared, "replaced", s.lost));
		goto out;
	}
	printf("pushed %llu, pulled %llu\n", (unsigned long long)s.pushed,
	       (unsigned long long)(s.pulled + s.backfilled));
	sync_say_people(&s);
	sync_say_lost(&s, stdout);
out:
	if (s.devices != NULL)
		cairn__devices_ok__free_unpacked(s.devices, NULL);
	json_decref(s.shared);
	json_decref(s.unshared);
	json_decref(s.lost);
	return rc;
}
