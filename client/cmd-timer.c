/*
 * The timer: start remembers an activity and the instant in the store's
 * meta table, stop turns it into an entry (with whether a time box was
 * beaten), status shows it and what is waiting to sync.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cairn.h"
#include "err.h"
#include "timefmt.h"

const struct cmd cmd_start_entry = {
        .name = "start",
        .fn = cmd_start,
        .flags = CMD_NEEDS_HOME | CMD_WRITES,
        .usage = "start ACTIVITY [TEXT] [--limit DURATION] [--item ITEM]",
        .summary = "start the timer",
        .help = "  --limit DURATION  a time box: the entry records whether the\n"
                "                    session ended within it\n"
                "  --item ITEM       the plan item; a time-boxed drill's limit is\n"
                "                    the timer's unless --limit is given\n"
                "Only one timer runs at a time; 'cairn stop' makes the entry.\n",
};

const struct cmd cmd_stop_entry = {
        .name = "stop",
        .fn = cmd_stop,
        .flags = CMD_NEEDS_HOME | CMD_WRITES,
        .usage = "stop [--note TEXT]",
        .summary = "stop the timer and log the session",
        .help = "  --note TEXT       added to the session's text\n"
                "Minutes are rounded, at least 1, at most 24 hours.\n",
};

const struct cmd cmd_status_entry = {
        .name = "status",
        .fn = cmd_status,
        .flags = CMD_NEEDS_HOME,
        .usage = "status",
        .summary = "show the running timer and unsynced changes",
        .help = "",
};

struct timer {
	int running;
	char activity[ENTRY_ACTIVITY_MAX + 1];
	char text[ENTRY_TEXT_MAX + 1];
	uint64_t started;        /* unix seconds */
	uint64_t limit;          /* minutes, 0 for none */
	char item[UUID_LEN + 1]; /* plan item id, "" for none */
};

static int
timer_load(struct cli *c, struct timer *t)
{
	int rc;

	memset(t, 0, sizeof(*t));
	rc = store_meta_get(c->st, "timer_activity", t->activity,
	                    sizeof(t->activity));
	if (rc == CAIRN_ENOTFOUND)
		return CAIRN_OK;
	if (rc != CAIRN_OK)
		goto fail;
	rc = store_meta_get(c->st, "timer_text", t->text, sizeof(t->text));
	if (rc == CAIRN_ENOTFOUND)
		t->text[0] = '\0';
	else if (rc != CAIRN_OK)
		goto fail;
	rc = store_meta_get(c->st, "timer_item", t->item, sizeof(t->item));
	if (rc == CAIRN_ENOTFOUND)
		t->item[0] = '\0';
	else if (rc != CAIRN_OK)
		goto fail;
	if ((rc = store_meta_get_u64(c->st, "timer_started", &t->started)) ||
	    (rc = store_meta_get_u64(c->st, "timer_limit", &t->limit)))
		goto fail;
	t->running = 1;
	return CAIRN_OK;
fail:
	return cli_err(CAIRN_ESTORAGE, "cannot read the timer: %s",
	               store_errmsg(c->st));
}

/* "started 09:30" (local) of a running timer, in out. */
static const char *
since(const struct timer *t, char *out, size_t len)
{
	char buf[64];
	int64_t s = (int64_t)t->started;

	rfc3339_format(s, local_offset(s), buf, sizeof(buf));
	snprintf(out, len, "started %.5s", buf + 11);
	return out;
}

static json_t *
timer_json(const struct timer *t)
{
	return json_pack("{s:s, s:s, s:o, s:o}", "activity", t->activity,
	                 "text", t->text, "started_at",
	                 out_time_or_null((int64_t)t->started), "limit_minutes",
	                 t->limit > 0 ? json_integer((json_int_t)t->limit)
	                              : json_null());
}

int
cmd_start(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
	        {"limit", required_argument, NULL, 'l'},
	        {"item", required_argument, NULL, 'i'},
	        {NULL, 0, NULL, 0},
	};
	Cairn__Entry probe = CAIRN__ENTRY__INIT;
	struct timer t;
	const char *arg, *limit = NULL, *item = NULL;
	char why[256], dur[32], when[32], item_id[UUID_LEN + 1];
	uint32_t minutes = 0, item_limit = 0;
	time_t now = time(NULL);
	int ch, rc, first;

	while ((ch = cli_getopt(c, argc, argv, opts, &arg)) != -1) {
		if (ch < 0)
			return ch;
		if (ch == 'i')
			item = arg;
		else
			limit = arg;
	}
	first = cli_optind();
	if (argc - first < 1 || argc - first > 2)
		return cli_usage(c, "expected ACTIVITY [TEXT]");
	if (limit != NULL && duration_parse(limit, &minutes) != CAIRN_OK)
		return cli_err(CAIRN_EINVAL,
		               "bad limit '%s': use 45m, 1h30m or 2h", limit);
	item_id[0] = '\0';
	/* A drill's own time box is the limit unless --limit says otherwise. */
	if (item != NULL && item[0] != '\0' &&
	    (rc = plan_resolve_item(c, item, item_id, &item_limit)) != CAIRN_OK)
		return rc;
	if (limit == NULL)
		minutes = item_limit;
	if ((rc = timer_load(c, &t)) != CAIRN_OK)
		return rc;
	if (t.running)
		return cli_err(
		        CAIRN_EEXIST,
		        "a timer is already running (%s, %s); run 'cairn stop' first",
		        t.activity, since(&t, when, sizeof(when)));
	/* Check activity and text by the entry rules before keeping them. */
	probe.started_at = (int64_t)now;
	probe.utc_offset = local_offset((int64_t)now);
	probe.minutes = 1;
	probe.activity = argv[first];
	probe.text = argc - first == 2 ? argv[first + 1] : (char *)"";
	probe.limit_minutes = minutes;
	if (entry_validate(&probe, (int64_t)now, why, sizeof(why)) != CAIRN_OK)
		return cli_err(CAIRN_EINVAL, "%s", why);
	snprintf(t.activity, sizeof(t.activity), "%s", probe.activity);
	snprintf(t.text, sizeof(t.text), "%s", probe.text);
	t.started = (uint64_t)now;
	t.limit = minutes;
	memcpy(t.item, item_id, sizeof(t.item));
	if (!(rc = store_begin(c->st)) &&
	    !(rc = t.item[0] != '\0'
	                   ? store_meta_set(c->st, "timer_item", t.item)
	                   : store_meta_del(c->st, "timer_item")) &&
	    !(rc = store_meta_set(c->st, "timer_activity", t.activity)) &&
	    !(rc = store_meta_set(c->st, "timer_text", t.text)) &&
	    !(rc = store_meta_set_u64(c->st, "timer_started", t.started)))
		rc = store_meta_set_u64(c->st, "timer_limit", t.limit);
	if ((rc = store_end(c->st, rc))) {
		return cli_err(CAIRN_ESTORAGE, "cannot save the timer: %s",
		               store_errmsg(c->st));
	}
	if (c->json)
		return out_json(timer_json(&t));
	printf("started %s", t.activity);
	if (t.limit > 0) {
		duration_format((uint32_t)t.limit, dur, sizeof(dur));
		printf(" (limit %s)", dur);
	}
	printf("; 'cairn stop' logs it\n");
	return CAIRN_OK;
}

/* Forgets the timer; runs inside the transaction that stores the entry. */
static int
timer_clear(struct cli *c)
{
	int rc;

	if ((rc = store_meta_del(c->st, "timer_activity")) ||
	    (rc = store_meta_del(c->st, "timer_text")) ||
	    (rc = store_meta_del(c->st, "timer_started")) ||
	    (rc = store_meta_del(c->st, "timer_limit")) ||
	    (rc = store_meta_del(c->st, "timer_item")))
		return rc;
	return CAIRN_OK;
}

int
cmd_stop(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
	        {"note", required_argument, NULL, 'n'},
	        {NULL, 0, NULL, 0},
	};
	Cairn__Entry *e = NULL;
	struct timer t;
	const char *arg, *note = NULL;
	char why[256];
	time_t now = time(NULL);
	int64_t elapsed;
	size_t tl, nl;
	int ch, rc;

	while ((ch = cli_getopt(c, argc, argv, opts, &arg)) != -1) {
		if (ch < 0)
			return ch;
		note = arg;
	}
	if (cli_optind() < argc)
		return cli_usage(c, "unexpected argument");
	if ((rc = timer_load(c, &t)) != CAIRN_OK)
		return rc;
	if (!t.running)
		return cli_err(
		        CAIRN_ENOTFOUND,
		        "no timer is running; start one with 'cairn start ACTIVITY'");
	elapsed = (int64_t)now - (int64_t)t.started;
	if (elapsed < 0)
		elapsed = 0;
	if ((e = calloc(1, sizeof(*e))) == NULL)
		return CAIRN_ENOMEM;
	cairn__entry__init(e);
	e->started_at = (int64_t)t.started;
	e->utc_offset = local_offset(e->started_at);
	e->minutes = (uint32_t)((elapsed + 30) / 60);
	if (e->minutes < 1)
		e->minutes = 1;
	if (e->minutes > DURATION_MAX_MINUTES) {
		fprintf(stderr,
		        "cairn: the timer ran more than 24 hours; logging 24h (fix it with 'cairn edit')\n");
		e->minutes = DURATION_MAX_MINUTES;
	}
	e->limit_minutes = (uint32_t)t.limit;
	e->beaten = t.limit > 0 && elapsed <= (int64_t)t.limit * 60;
	tl = strlen(t.text);
	nl = note != NULL ? strlen(note) : 0;
	e->activity = strdup(t.activity);
	e->item = strdup(t.item);
	e->text = malloc(tl + nl + 3);
	if (e->activity == NULL || e->item == NULL || e->text == NULL) {
		rc = CAIRN_ENOMEM;
		goto out;
	}
	/* A note is added to the text the timer started with. */
	snprintf(e->text, tl + nl + 3, "%s%s%s", t.text,
	         tl > 0 && nl > 0 ? "; " : "", nl > 0 ? note : "");
	if (entry_validate(e, (int64_t)now, why, sizeof(why)) != CAIRN_OK) {
		rc = cli_err(CAIRN_EINVAL, "%s", why);
		goto out;
	}
	rc = cmd_log_write(c, NULL, e, 0, "logged", timer_clear);
out:
	entryrec_free_built(e);
	return rc;
}

int
cmd_status(struct cli *c, int argc, char **argv)
{
	struct timer t;
	uint64_t pending, last_sync;
	int64_t elapsed = 0;
	char dur[32], when[32];
	time_t now = time(NULL);
	json_t *o;
	int rc;

	if (argc > 1)
		return cli_usage(c, "unexpected argument");
	if ((rc = timer_load(c, &t)) != CAIRN_OK)
		return rc;
	if ((rc = store_count_dirty(c->st, &pending)) ||
	    (rc = store_meta_get_u64(c->st, "last_sync", &last_sync)))
		return cli_err(rc, "cannot read the store: %s",
		               store_errmsg(c->st));
	if (t.running && (int64_t)now > (int64_t)t.started)
		elapsed = ((int64_t)now - (int64_t)t.started) / 60;
	if (c->json) {
		o = json_pack("{s:b, s:o, s:o, s:o, s:o, s:o, s:I, s:o}",
		              "running", t.running, "activity",
		              t.running ? json_string(t.activity) : json_null(),
		              "text",
		              t.running ? json_string(t.text) : json_null(),
		              "started_at",
		              t.running ? out_time_or_null((int64_t)t.started)
		                        : json_null(),
		              "elapsed_minutes",
		              t.running ? json_integer(elapsed) : json_null(),
		              "limit_minutes",
		              t.running && t.limit > 0
		                      ? json_integer((json_int_t)t.limit)
		                      : json_null(),
		              "pending", (json_int_t)pending, "last_sync",
		              out_time_or_null((int64_t)last_sync));
		return out_json(o);
	}
	if (t.running) {
		duration_format(elapsed > 0 ? (uint32_t)elapsed : 0, dur,
		                sizeof(dur));
		printf("running: %s%s%s, %s, %s so far", t.activity,
		       t.text[0] ? " " : "", t.text,
		       since(&t, when, sizeof(when)),
		       elapsed > 0 ? dur : "under a minute");
		if (t.limit > 0) {
			duration_format((uint32_t)t.limit, dur, sizeof(dur));
			printf(" (limit %s)", dur);
		}
		printf("\n");
	} else {
		printf("no timer running\n");
	}
	printf("%llu change%s not yet synced", (unsigned long long)pending,
	       pending == 1 ? "" : "s");
	if (last_sync > 0) {
		o = out_time_or_null((int64_t)last_sync);
		printf("; last sync %s", json_string_value(o));
		json_decref(o);
	} else {
		printf("; never synced");
	}
	printf("\n");
	return CAIRN_OK;
}
