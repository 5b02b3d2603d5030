/*
 * cairn feed: the check-ins of everyone this home may see, newest last,
 * from the local store (so it works offline). With --follow it then holds
 * one connection open as a follower (h-follow.c) and prints each check-in
 * as the server pushes it, keeping a copy in the local store; a lost
 * connection is retried with backoff, resuming from the last event's
 * cursor so nothing in between is missed. Ctrl-C ends it.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cairn.h"
#include "err.h"
#include "msg.h"
#include "timefmt.h"

const struct cmd cmd_feed_entry = {
        .name = "feed",
        .fn = cmd_feed,
        .flags = CMD_NEEDS_HOME | CMD_WRITES,
        .usage = "feed [--since DATE] [--follow]",
        .summary = "check-ins of everyone you can see, newest last",
        .help = "  --since DATE      from this local date (default: a week ago)\n"
                "  --follow          then stay connected and print check-ins as\n"
                "                    others sync them; Ctrl-C ends\n"
                "Without --follow it reads this home only (run 'cairn sync'\n"
                "first). --json: an array of entries as in ls --json; with\n"
                "--follow, one entry object a line as they come.\n"
                "\n"
                "EXAMPLES:\n"
                "  cairn feed\n"
                "  cairn feed --since 2026-11-01\n"
                "  cairn feed --follow\n",
};

#define FEED_DAYS_DEFAULT 7
#define FEED_BACKOFF_MAX 30 /* seconds between reconnects, at most */
#define FEED_ROWS_MAX 100000

struct feed {
	struct rec *rows; /* newest first from the store; bodies owned */
	size_t n, cap;
};

static int
feed_collect(void *arg, const struct rec *r)
{
	struct feed *f = arg;
	struct rec *nr;
	size_t cap;

	if (f->n >= FEED_ROWS_MAX)
		return 1;
	if (f->n == f->cap) {
		cap = f->cap == 0 ? 64 : f->cap * 2;
		if ((nr = realloc(f->rows, cap * sizeof(*nr))) == NULL)
			return CAIRN_ENOMEM;
		f->rows = nr;
		f->cap = cap;
	}
	f->rows[f->n] = *r;
	f->rows[f->n].body = NULL;
	if (r->body_len > 0) {
		if ((f->rows[f->n].body = malloc(r->body_len)) == NULL)
			return CAIRN_ENOMEM;
		memcpy(f->rows[f->n].body, r->body, r->body_len);
	}
	f->n++;
	return 0;
}

/* Prints the stored feed since `since`, oldest first. */
static int
feed_print_stored(struct cli *c, int64_t since)
{
	struct store_filter flt = {since, INT64_MAX, 0, NULL};
	json_t *arr = NULL, *o;
	struct feed f;
	size_t i;
	int rc;

	memset(&f, 0, sizeof(f));
	rc = store_list(c->st, &flt, feed_collect, &f);
	if (rc < 0) {
		rc = cli_err(rc, "cannot read the store: %s",
		             store_errmsg(c->st));
		goto out;
	}
	rc = CAIRN_OK;
	if (c->json && (arr = json_array()) == NULL) {
		rc = CAIRN_ENOMEM;
		goto out;
	}
	for (i = f.n; i-- > 0;) {
		if (arr == NULL) {
			out_entry_line(stdout, &f.rows[i], 1);
			continue;
		}
		if ((o = out_entry_json(&f.rows[i])) != NULL)
			json_array_append_new(arr, o);
	}
	if (arr != NULL) {
		rc = out_json(arr);
		arr = NULL;
	}
out:
	rec_free_array(f.rows, f.n);
	json_decref(arr);
	return rc;
}

static void
feed_on_sigint(int sig)
{
	(void)sig;
	net_interrupted = 1;
}

/* Prints one pushed record as people (or JSON lines) read it. */
static void
feed_print_live(struct cli *c, const struct rec *r)
{
	Cairn__Comment *cm;
	json_t *o;
	char *s;

	if (r->deleted)
		return;
	if (r->kind == CAIRN__KIND__KIND_ENTRY) {
		if (!c->json) {
			out_entry_line(stdout, r, 1);
			return;
		}
		if ((o = out_entry_json(r)) != NULL &&
		    (s = json_dumps(o, JSON_COMPACT)) != NULL) {
			printf("%s\n", s);
			free(s);
		}
		json_decref(o);
		return;
	}
	if (r->kind != CAIRN__KIND__KIND_COMMENT || c->json)
		return;
	cm = cairn__comment__unpack(NULL, r->body_len,
	                            r->body != NULL ? r->body
	                                            : (const uint8_t *)"");
	if (cm == NULL)
		return;
	if (cm->target[0] != '\0')
		printf("%s commented on %s's entry %.8s: %s\n", r->owner,
		       r->subject, cm->target, cm->text);
	else
		printf("%s commented on %s's week %s: %s\n", r->owner,
		       r->subject, cm->week, cm->text);
	cairn__comment__free_unpacked(cm, NULL);
}

/* Applies and prints one Event; *cursor moves to its end. */
static int
feed_event(struct cli *c, const Cairn__Event *ev, uint64_t *cursor)
{
	struct store_batch b;
	struct rec *recs = NULL;
	size_t i, n = 0;
	int rc = CAIRN_OK;

	if (ev->n_records > MSG_MAX_BATCH)
		return cli_err(CAIRN_EPROTO,
		               "the server sent too big an event");
	if (ev->n_records > 0 &&
	    (recs = calloc(ev->n_records, sizeof(*recs))) == NULL)
		return CAIRN_ENOMEM;
	for (i = 0; i < ev->n_records; i++) {
		rc = sync_from_wire(ev->records[i], &recs[i]);
		n = i + 1;
		if (rc != CAIRN_OK) {
			rc = cli_err(rc, "the server sent a malformed record");
			goto out;
		}
	}
	memset(&b, 0, sizeof(b));
	b.recs = recs;
	b.n = n;
	b.me = c->handle;
	b.merge_only = 1;
	if (n > 0 && (rc = store_apply_pull(c->st, &b, NULL, NULL)) != 0) {
		rc = cli_err(rc, "cannot store the feed: %s",
		             store_errmsg(c->st));
		goto out;
	}
	for (i = 0; i < n; i++)
		feed_print_live(c, &recs[i]);
	if (fflush(stdout) != 0)
		rc = cli_err(CAIRN_EIO, "cannot write to standard output");
	if (ev->cursor > *cursor)
		*cursor = ev->cursor;
out:
	rec_free_array(recs, n);
	return rc;
}

/*
 * One follow session: connect, Follow from *cursor, then events until
 * the connection fails (returned) or Ctrl-C (CAIRN_EINTR). *up is set once
 * the server said FollowOk.
 */
static int
feed_session(struct cli *c, uint64_t *cursor, int *up, struct errbuf *err)
{
	Cairn__Request req = CAIRN__REQUEST__INIT;
	Cairn__Follow fo = CAIRN__FOLLOW__INIT;
	Cairn__Response *resp = NULL;
	struct net_conn *n = NULL;
	struct net_target t;
	int rc;

	cli_net_target(c, &t);
	if ((rc = net_open(&t, 1, &n, err)) != CAIRN_OK)
		goto out;
	fo.cursor = *cursor;
	req.body_case = CAIRN__REQUEST__BODY_FOLLOW;
	req.follow = &fo;
	if ((rc = net_call(n, &req, &resp, err)) != CAIRN_OK)
		goto out;
	if (resp->body_case != CAIRN__RESPONSE__BODY_FOLLOW ||
	    resp->follow == NULL) {
		rc = errbuf_set(err, CAIRN_EPROTO,
		                "the server did not answer Follow");
		goto out;
	}
	*up = 1;
	if (*cursor == 0)
		*cursor = resp->follow->cursor;
	/* Three quiet heartbeats mean the connection is gone. */
	net_set_timeout(n, (int)(resp->follow->heartbeat_s * 3000 + 5000));
	msg_free_response(resp);
	resp = NULL;
	for (;;) {
		if ((rc = net_recv(n, &resp, err)) != CAIRN_OK)
			goto out;
		if (resp->id == 0 &&
		    resp->body_case == CAIRN__RESPONSE__BODY_EVENT &&
		    resp->event != NULL) {
			if ((rc = feed_event(c, resp->event, cursor)) != 0)
				goto out;
		} else if (resp->status != NULL && resp->status->code != 0) {
			rc = errbuf_set(err, resp->status->code, "%s",
			                resp->status->message);
			goto out;
		}
		msg_free_response(resp);
		resp = NULL;
	}
out:
	msg_free_response(resp);
	net_close(n);
	return rc;
}

/* Follows until Ctrl-C, reconnecting with backoff. */
static int
feed_follow(struct cli *c)
{
	struct sigaction sa, old;
	struct errbuf err;
	uint64_t cursor = 0;
	unsigned backoff = 1, i;
	int rc, up;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = feed_on_sigint;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old);
	sigaction(SIGTERM, &sa, NULL);
	for (;;) {
		memset(&err, 0, sizeof(err));
		up = 0;
		rc = feed_session(c, &cursor, &up, &err);
		if (rc == CAIRN_EINTR || net_interrupted) {
			rc = CAIRN_OK;
			break;
		}
		/* Refusals that a retry cannot mend end the feed. */
		if (err_exit_code(rc) == EXIT_AUTH || rc == CAIRN_EVERSION ||
		    rc == CAIRN_ETLS || rc == CAIRN_EIO) {
			rc = cli_errbuf(rc, &err);
			break;
		}
		if (up)
			backoff = 1;
		fprintf(stderr, "cairn: %s; reconnecting in %us\n",
		        err.msg[0] != '\0' ? err.msg : err_message(rc),
		        backoff);
		for (i = 0; i < backoff * 10 && !net_interrupted; i++)
			usleep(100000);
		if (net_interrupted) {
			rc = CAIRN_OK;
			break;
		}
		backoff = backoff * 2 > FEED_BACKOFF_MAX ? FEED_BACKOFF_MAX
		                                         : backoff * 2;
	}
	sigaction(SIGINT, &old, NULL);
	return rc;
}

int
cmd_feed(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
	        {"since", required_argument, NULL, 's'},
	        {"follow", no_argument, NULL, 'f'},
	        {NULL, 0, NULL, 0},
	};
	int64_t now, since;
	const char *arg;
	char why[TIMEFMT_WHY_MAX];
	struct ymd d;
	int ch, rc, follow = 0;

	/* "now" as the views see it: $CAIRN_NOW pins it for tests. */
	if ((rc = cli_now(&now, NULL)) != CAIRN_OK)
		return rc;
	since = now - FEED_DAYS_DEFAULT * 86400;
	while ((ch = cli_getopt(c, argc, argv, opts, &arg)) != -1) {
		if (ch < 0)
			return ch;
		if (ch == 'f') {
			follow = 1;
			continue;
		}
		if (date_read(arg, (time_t)now, 0, &d, why, sizeof(why)) !=
		    CAIRN_OK)
			return cli_err(CAIRN_EINVAL, "bad --since '%s': %s",
			               arg, why);
		since = ymd_start(&d);
	}
	if (cli_optind() < argc)
		return cli_usage(c, "unexpected argument");
	if (follow) {
		if (c->server[0] == '\0')
			return cli_err(
			        CAIRN_ENOCONFIG,
			        "this home has no server; run 'cairn init --server HOST:PORT --ca FILE'");
		if (c->token_len == 0)
			return cli_err(CAIRN_EAUTHREQ,
			               "not logged in; run 'cairn login %s'",
			               c->handle[0] ? c->handle : "HANDLE");
		/* --json --follow: one JSON object a line, as they come. */
		if (!c->json && (rc = feed_print_stored(c, since)) != CAIRN_OK)
			return rc;
		fflush(stdout);
		return feed_follow(c);
	}
	return feed_print_stored(c, since);
}
