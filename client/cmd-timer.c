/*
 * The timer: start, stop (an entry, with whether a time box was beaten
 * and by how much), cancel, continue and status. Each device's timer is a
 * private record of its own (KIND_TIMER, a name-based id from the device
 * id), so after a sync the learner's other machines see a timer running
 * there; stop and cancel write a version with running false. Everything
 * works offline.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cairn.h"
#include "err.h"
#include "timefmt.h"
#include "timerrec.h"

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
                "One timer runs on each machine; 'cairn stop' makes the entry.\n"
                "A timer running on another of your machines (seen after 'cairn\n"
                "sync') does not stop this one: start says so and goes on.\n"
                "EXAMPLES:\n"
                "  cairn start drill \"scales in C\" --limit 45m\n"
                "  cairn start project \"bed frame\" --item \"bed frame\"\n",
};

const struct cmd cmd_stop_entry = {
        .name = "stop",
        .fn = cmd_stop,
        .flags = CMD_NEEDS_HOME | CMD_WRITES,
        .usage = "stop [--note TEXT]",
        .summary = "stop the timer and log the session",
        .help = "  --note TEXT       added to the session's text\n"
                "Minutes are rounded, at least 1, at most 24 hours. With a time\n"
                "box, stop says whether the session ended within it and by how\n"
                "much.\n"
                "EXAMPLES:\n"
                "  cairn stop\n"
                "  cairn stop --note \"clean at 90 bpm\"\n",
};

const struct cmd cmd_status_entry = {
        .name = "status",
        .fn = cmd_status,
        .flags = CMD_NEEDS_HOME,
        .usage = "status",
        .summary = "show the running timer and unsynced changes",
        .help = "Shows this machine's timer (time so far, and how far over its\n"
                "time box it is), timers running on your other machines as of the\n"
                "last sync, and what is waiting to sync. Works offline.\n"
                "EXAMPLES:\n"
                "  cairn status\n"
                "  cairn --json status\n",
};

const struct cmd cmd_cancel_entry = {
        .name = "cancel",
        .fn = cmd_cancel,
        .flags = CMD_NEEDS_HOME | CMD_WRITES,
        .usage = "cancel",
        .summary = "discard the running timer without logging",
        .help = "Stops this machine's timer and logs nothing; says what was\n"
                "discarded.\n"
                "EXAMPLES:\n"
                "  cairn cancel\n"
                "  cairn --json cancel\n",
};

const struct cmd cmd_continue_entry = {
        .name = "continue",
        .fn = cmd_continue,
        .flags = CMD_NEEDS_HOME | CMD_WRITES,
        .usage = "continue",
        .summary = "start the timer again on the last stopped session",
        .help = "Starts a new timer with the activity, text, plan item and time\n"
                "box of the session the last 'cairn stop' logged (on any of your\n"
                "machines, as of the last sync). A cancelled timer is not\n"
                "continued.\n"
                "EXAMPLES:\n"
                "  cairn stop && cairn continue\n"
                "  cairn continue\n",
};

#define TIMER_DEVICES_MAX 1000 /* other machines' timers read */

struct timer {
	int running;
	int legacy; /* a timer of the meta keys older versions kept */
	char id[UUID_LEN + 1];
	char device[CLI_DEVICE_MAX + 1]; /* the device that wrote it */
	uint64_t hlc;
	char activity[ENTRY_ACTIVITY_MAX + 1];
	char text[ENTRY_TEXT_MAX + 1];
	char item[ENTRY_ITEM_MAX + 1]; /* plan item id (or label), "" */
	int64_t started, ended;        /* unix seconds; ended 0 if running */
	uint32_t limit;                /* minutes, 0 for none */
	char device_name[DEVICE_NAME_MAX + 1];
	char entry[UUID_LEN + 1]; /* what stop logged, "" */
};

/* This machine's timer and the others' this home has pulled. */
struct timers {
	char dev[CLI_DEVICE_MAX + 1]; /* this device's id, "" if none yet */
	char my_id[UUID_LEN + 1];     /* its timer's record id */
	int have_mine;
	struct timer mine;
	struct timer *others; /* owned */
	size_t n_others;
	int64_t now;
};

static void
timers_release(struct timers *ts)
{
	free(ts->others);
	ts->others = NULL;
	ts->n_others = 0;
}

/* Copies a decoded Timer record into t. */
static void
timer_from(struct timer *t, const struct rec *r, const Cairn__Timer *m)
{
	memset(t, 0, sizeof(*t));
	snprintf(t->id, sizeof(t->id), "%s", r->id);
	snprintf(t->device, sizeof(t->device), "%s", r->device);
	t->hlc = r->hlc;
	t->running = m->running;
	snprintf(t->activity, sizeof(t->activity), "%s", m->activity);
	snprintf(t->text, sizeof(t->text), "%s", m->text);
	snprintf(t->item, sizeof(t->item), "%s", m->item);
	snprintf(t->device_name, sizeof(t->device_name), "%s", m->device_name);
	snprintf(t->entry, sizeof(t->entry), "%s", m->entry);
	t->started = m->started_at;
	t->ended = m->ended_at;
	t->limit = m->limit_minutes;
}

static int
timers_one(void *arg, const struct rec *r)
{
	struct timers *ts = arg;
	Cairn__Timer *m;
	struct timer t, *grown;
	char why[160];
	int mine;

	m = cairn__timer__unpack(NULL, r->body_len,
	                         r->body != NULL ? r->body
	                                         : (const uint8_t *)"");
	/* A record this version cannot read is skipped, not fatal. */
	if (m == NULL)
		return 0;
	if (timerrec_validate(m, ts->now, why, sizeof(why)) != CAIRN_OK) {
		cairn__timer__free_unpacked(m, NULL);
		return 0;
	}
	timer_from(&t, r, m);
	cairn__timer__free_unpacked(m, NULL);
	/*
	 * Mine: named after this device, or written by it (a timer started
	 * before the first login carries the local id it had then).
	 */
	mine = strcmp(r->id, ts->my_id) == 0 ||
	       (ts->dev[0] != '\0' && strcmp(r->device, ts->dev) == 0);
	if (mine) {
		/* The running one wins, then the newest. */
		if (!ts->have_mine || (t.running && !ts->mine.running) ||
		    (t.running == ts->mine.running && t.hlc > ts->mine.hlc))
			ts->mine = t;
		ts->have_mine = 1;
		return 0;
	}
	if (ts->n_others >= TIMER_DEVICES_MAX)
		return 0;
	grown = realloc(ts->others, (ts->n_others + 1) * sizeof(*grown));
	if (grown == NULL)
		return CAIRN_ENOMEM;
	ts->others = grown;
	ts->others[ts->n_others++] = t;
	return 0;
}

/* The timer older versions kept in meta keys, if one runs. */
static int
timer_legacy(struct cli *c, struct timer *t)
{
	uint64_t started, limit;
	int rc;

	memset(t, 0, sizeof(*t));
	rc = store_meta_get(c->st, "timer_activity", t->activity,
	                    sizeof(t->activity));
	if (rc == CAIRN_ENOTFOUND)
		return CAIRN_OK;
	if (rc != CAIRN_OK)
		return rc;
	rc = store_meta_get(c->st, "timer_text", t->text, sizeof(t->text));
	if (rc != CAIRN_OK && rc != CAIRN_ENOTFOUND)
		return rc;
	rc = store_meta_get(c->st, "timer_item", t->item, sizeof(t->item));
	if (rc != CAIRN_OK && rc != CAIRN_ENOTFOUND)
		return rc;
	if ((rc = store_meta_get_u64(c->st, "timer_started", &started)) ||
	    (rc = store_meta_get_u64(c->st, "timer_limit", &limit)))
		return rc;
	t->started = (int64_t)started;
	t->limit = limit <= DURATION_MAX_MINUTES ? (uint32_t)limit : 0;
	t->running = 1;
	t->legacy = 1;
	return CAIRN_OK;
}

/* Forgets the legacy meta keys; runs inside a write transaction. */
static int
timer_legacy_clear(struct cli *c)
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

/*
 * This device's id without making one (status runs on a read-only store):
 * the server's, else the local one, else "".
 */
static int
timer_device(struct cli *c, char out[CLI_DEVICE_MAX + 1])
{
	int rc;

	rc = store_meta_get(c->st, "device_id", out, CLI_DEVICE_MAX + 1);
	if (rc == CAIRN_ENOTFOUND)
		rc = store_meta_get(c->st, "local_device", out,
		                    CLI_DEVICE_MAX + 1);
	if (rc == CAIRN_ENOTFOUND) {
		out[0] = '\0';
		rc = CAIRN_OK;
	}
	return rc;
}

static void
timer_record_id(const char *dev, char out[UUID_LEN + 1])
{
	char name[sizeof(TIMER_NAME_PREFIX) + CLI_DEVICE_MAX];

	snprintf(name, sizeof(name), "%s%s", TIMER_NAME_PREFIX, dev);
	uuid_from_name(name, out);
}

/* Reads every timer of this learner in this home. */
static int
timers_load(struct cli *c, int64_t now, struct timers *ts)
{
	struct timer legacy;
	int rc;

	memset(ts, 0, sizeof(*ts));
	ts->now = now;
	if ((rc = timer_device(c, ts->dev)) != CAIRN_OK)
		goto fail;
	timer_record_id(ts->dev, ts->my_id);
	rc = store_list_kind(c->st, CAIRN__KIND__KIND_TIMER, c->handle,
	                     timers_one, ts);
	if (rc != CAIRN_OK)
		goto fail;
	if (!(ts->have_mine && ts->mine.running)) {
		if ((rc = timer_legacy(c, &legacy)) != CAIRN_OK)
			goto fail;
		if (legacy.running) {
			ts->mine = legacy;
			ts->have_mine = 1;
		}
	}
	return CAIRN_OK;
fail:
	timers_release(ts);
	if (rc == CAIRN_ENOMEM)
		return cli_err(rc, "cannot read the timer: out of memory");
	return cli_err(CAIRN_ESTORAGE, "cannot read the timer: %s",
	               store_errmsg(c->st));
}

/* The name this device goes by: the one it logged in with, else the host. */
static void
timer_device_name(struct cli *c, char out[DEVICE_NAME_MAX + 1])
{
	char host[256];

	if (store_meta_get(c->st, "device_name", out, DEVICE_NAME_MAX + 1) ==
	            CAIRN_OK &&
	    out[0] != '\0')
		return;
	if (gethostname(host, sizeof(host)) != 0 || host[0] == '\0')
		snprintf(host, sizeof(host), "this machine");
	host[sizeof(host) - 1] = '\0';
	snprintf(out, DEVICE_NAME_MAX + 1, "%.*s", DEVICE_NAME_MAX, host);
}

/*
 * Writes t as this device's timer record (t->id, else the name-based id
 * of this device) and forgets any legacy timer; runs inside the caller's
 * transaction when it has one.
 */
static int
timer_put(struct cli *c, const struct timers *ts, const struct timer *t)
{
	Cairn__Timer m = CAIRN__TIMER__INIT;
	struct rec r;
	int rc;

	memset(&r, 0, sizeof(r));
	m.activity = (char *)t->activity;
	m.text = (char *)t->text;
	m.item = (char *)t->item;
	m.started_at = t->started;
	m.limit_minutes = t->limit;
	m.device_name = (char *)t->device_name;
	m.running = t->running;
	m.ended_at = t->ended;
	m.entry = (char *)t->entry;
	snprintf(r.id, sizeof(r.id), "%s",
	         t->id[0] != '\0' ? t->id : ts->my_id);
	r.kind = CAIRN__KIND__KIND_TIMER;
	r.priv = 1; /* the learner's own machines only */
	if ((rc = store_begin(c->st)) != CAIRN_OK)
		goto out;
	/*
	 * The timer is not a change undo takes back (undoing a stop deletes
	 * the entry it logged; the timer stays stopped).
	 */
	if ((rc = rec_pack_body(&r, &m.base)) == CAIRN_OK &&
	    (rc = store_put_flags(c->st, &r, STORE_PUT_NO_JOURNAL)) == CAIRN_OK)
		rc = timer_legacy_clear(c);
	rc = store_end(c->st, rc);
out:
	rec_release(&r);
	return rc;
}

/* "21:05" of t in the local zone; with the date when not within a day. */
static void
clock_of(int64_t t, int64_t now, char out[32])
{
	char buf[64];

	if (now - t >= 20 * 3600 || t > now + 3600) {
		out_local_time(t, out);
		return;
	}
	rfc3339_format(t, local_offset(t), buf, sizeof(buf));
	snprintf(out, 32, "%.5s", buf + 11);
}

/* Whole minutes t has run by now (0 when its clock is ahead). */
static uint32_t
elapsed_minutes(const struct timer *t, int64_t now)
{
	int64_t s = now - t->started;

	if (s <= 0)
		return 0;
	return s / 60 > UINT32_MAX ? UINT32_MAX : (uint32_t)(s / 60);
}

/* "drill scales" or "drill" of t. */
static void
what_of(const struct timer *t, char *out, size_t len)
{
	snprintf(out, len, "%s%s%s", t->activity, t->text[0] ? " " : "",
	         t->text);
}

/* Warns about timers running on this learner's other machines. */
static void
warn_others(const struct timers *ts)
{
	char dur[32], when[32];
	size_t i;

	for (i = 0; i < ts->n_others; i++) {
		const struct timer *o = &ts->others[i];

		if (!o->running)
			continue;
		duration_format(elapsed_minutes(o, ts->now), dur, sizeof(dur));
		clock_of(o->started, ts->now, when);
		fprintf(stderr,
		        "cairn: note: a timer is also running on %s: %s for %s (since %s)\n",
		        o->device_name, o->activity, dur, when);
	}
}

static json_t *
timer_json(const struct timer *t, int64_t now)
{
	return json_pack(
	        "{s:s, s:s, s:o, s:o, s:o, s:I, s:s}", "activity", t->activity,
	        "text", t->text, "item", out_str_or_null(t->item), "started_at",
	        out_time_or_null(t->started), "limit_minutes",
	        t->limit > 0 ? json_integer((json_int_t)t->limit) : json_null(),
	        "elapsed_minutes", (json_int_t)elapsed_minutes(t, now),
	        "device", t->device_name);
}

/*
 * Starts a timer on this device for what t says (activity, text, item,
 * limit), after checking them by the entry rules; verb says how.
 */
static int
timer_begin(struct cli *c, struct timers *ts, struct timer *t, int64_t now,
            const char *verb, const char *ago)
{
	Cairn__Entry probe = CAIRN__ENTRY__INIT;
	char why[256], dur[32], when[32], what[ENTRY_TEXT_MAX + 64];
	int rc;

	if (ts->have_mine && ts->mine.running) {
		what_of(&ts->mine, what, sizeof(what));
		clock_of(ts->mine.started, now, when);
		return cli_err(
		        CAIRN_EEXIST,
		        "a timer is already running (%s, started %s); run 'cairn stop' or 'cairn cancel' first",
		        what, when);
	}
	/* Check activity and text by the entry rules before keeping them. */
	probe.started_at = now;
	probe.utc_offset = local_offset(now);
	probe.minutes = 1;
	probe.activity = t->activity;
	probe.text = t->text;
	probe.item = t->item;
	probe.limit_minutes = t->limit;
	if (entry_validate(&probe, now, why, sizeof(why)) != CAIRN_OK)
		return cli_err(CAIRN_EINVAL, "%s", why);
	t->started = now;
	t->ended = 0;
	t->running = 1;
	t->entry[0] = '\0';
	t->id[0] = '\0';
	timer_device_name(c, t->device_name);
	if ((rc = timer_put(c, ts, t)) != CAIRN_OK)
		return cli_err(CAIRN_ESTORAGE, "cannot save the timer: %s",
		               store_errmsg(c->st));
	warn_others(ts);
	if (c->json)
		return out_json(timer_json(t, now));
	what_of(t, what, sizeof(what));
	printf("%s %s", verb, what);
	if (t->limit > 0) {
		duration_format(t->limit, dur, sizeof(dur));
		printf(" (limit %s)", dur);
	}
	if (ago != NULL)
		printf(", as stopped %s", ago);
	printf("; 'cairn stop' logs it\n");
	return CAIRN_OK;
}

int
cmd_start(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
	        {"limit", required_argument, NULL, 'l'},
	        {"item", required_argument, NULL, 'i'},
	        {NULL, 0, NULL, 0},
	};
	struct timers ts;
	struct timer t;
	const char *arg, *limit = NULL, *item = NULL;
	char item_id[UUID_LEN + 1], why[TIMEFMT_WHY_MAX];
	uint32_t minutes = 0, item_limit = 0;
	int64_t now;
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
	if (limit != NULL &&
	    duration_read(limit, &minutes, why, sizeof(why)) != CAIRN_OK)
		return cli_err(CAIRN_EINVAL, "bad --limit '%s': %s", limit,
		               why);
	if ((rc = cli_now(&now, NULL)) != CAIRN_OK)
		return rc;
	item_id[0] = '\0';
	/* A drill's own time box is the limit unless --limit says otherwise. */
	if (item != NULL && item[0] != '\0' &&
	    (rc = plan_resolve_item(c, item, item_id, &item_limit)) != CAIRN_OK)
		return rc;
	if (limit == NULL)
		minutes = item_limit;
	memset(&t, 0, sizeof(t));
	snprintf(t.activity, sizeof(t.activity), "%.*s",
	         (int)sizeof(t.activity) - 1, argv[first]);
	if (strlen(argv[first]) >= sizeof(t.activity))
		return cli_err(CAIRN_EINVAL, "activity: at most %d characters",
		               ENTRY_ACTIVITY_MAX);
	if (argc - first == 2) {
		if (strlen(argv[first + 1]) > ENTRY_TEXT_MAX)
			return cli_err(CAIRN_EINVAL, "text: at most %d bytes",
			               ENTRY_TEXT_MAX);
		snprintf(t.text, sizeof(t.text), "%s", argv[first + 1]);
	}
	snprintf(t.item, sizeof(t.item), "%s", item_id);
	t.limit = minutes;
	if ((rc = timers_load(c, now, &ts)) != CAIRN_OK)
		return rc;
	rc = timer_begin(c, &ts, &t, now, "started", NULL);
	timers_release(&ts);
	return rc;
}

/* "no timer is running" and where one is, when elsewhere. */
static int
not_running(const struct timers *ts)
{
	char when[32];
	size_t i;

	for (i = 0; i < ts->n_others; i++) {
		if (!ts->others[i].running)
			continue;
		clock_of(ts->others[i].started, ts->now, when);
		return cli_err(
		        CAIRN_ENOTFOUND,
		        "no timer is running here; the one on %s (%s since %s) stops there",
		        ts->others[i].device_name, ts->others[i].activity,
		        when);
	}
	return cli_err(
	        CAIRN_ENOTFOUND,
	        "no timer is running; start one with 'cairn start ACTIVITY'");
}

/*
 * ", within its 45m time box by 7m" or ", over its 45m time box by 5m"
 * for a session of minutes (as logged) against limit minutes; beaten
 * decides which (it is measured in seconds); "" without a limit.
 */
static void
box_text(uint32_t limit, uint32_t minutes, int beaten, char *out, size_t len)
{
	char box[32], by[32];
	uint32_t d;

	out[0] = '\0';
	if (limit == 0)
		return;
	duration_format(limit, box, sizeof(box));
	d = beaten ? (limit > minutes ? limit - minutes : 0)
	           : (minutes > limit ? minutes - limit : 0);
	duration_format(d, by, sizeof(by));
	if (d == 0)
		snprintf(out, len, ", just %s its %s time box",
		         beaten ? "within" : "over", box);
	else
		snprintf(out, len, ", %s its %s time box by %s",
		         beaten ? "within" : "over", box, by);
}

int
cmd_stop(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
	        {"note", required_argument, NULL, 'n'},
	        {NULL, 0, NULL, 0},
	};
	Cairn__Entry *e = NULL;
	struct timers ts;
	struct timer t;
	struct rec r;
	const char *arg, *note = NULL;
	char why[256], dur[32], sid[9], box[128];
	int64_t now, elapsed;
	size_t tl, nl;
	int ch, rc;

	memset(&r, 0, sizeof(r));
	memset(&ts, 0, sizeof(ts));
	while ((ch = cli_getopt(c, argc, argv, opts, &arg)) != -1) {
		if (ch < 0)
			return ch;
		note = arg;
	}
	if (cli_optind() < argc)
		return cli_usage(c, "unexpected argument");
	if ((rc = cli_now(&now, NULL)) != CAIRN_OK)
		return rc;
	if ((rc = timers_load(c, now, &ts)) != CAIRN_OK)
		return rc;
	if (!ts.have_mine || !ts.mine.running) {
		rc = not_running(&ts);
		goto out;
	}
	t = ts.mine;
	elapsed = now - t.started;
	if (elapsed < 0)
		elapsed = 0;
	if ((e = calloc(1, sizeof(*e))) == NULL) {
		rc = CAIRN_ENOMEM;
		goto out;
	}
	cairn__entry__init(e);
	e->started_at = t.started;
	e->utc_offset = local_offset(e->started_at);
	e->minutes = (uint32_t)((elapsed + 30) / 60 > DURATION_MAX_MINUTES
	                                ? DURATION_MAX_MINUTES + 1
	                                : (elapsed + 30) / 60);
	if (e->minutes < 1)
		e->minutes = 1;
	if (e->minutes > DURATION_MAX_MINUTES) {
		fprintf(stderr,
		        "cairn: the timer ran more than 24 hours; logging 24h (fix it with 'cairn edit')\n");
		e->minutes = DURATION_MAX_MINUTES;
	}
	e->limit_minutes = t.limit;
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
	if (entry_validate(e, now, why, sizeof(why)) != CAIRN_OK) {
		rc = cli_err(CAIRN_EINVAL, "%s", why);
		goto out;
	}
	if ((rc = uuid_new(r.id)) != CAIRN_OK)
		goto out;
	r.kind = CAIRN__KIND__KIND_ENTRY;
	if ((rc = entryrec_pack(&r, e)) != CAIRN_OK)
		goto out;
	/* The entry and the stopped timer in one transaction. */
	t.running = 0;
	t.ended = now >= t.started ? now : t.started;
	memcpy(t.entry, r.id, sizeof(t.entry));
	if (t.legacy) {
		t.id[0] = '\0';
		timer_device_name(c, t.device_name);
	}
	if ((rc = store_begin(c->st)) == CAIRN_OK &&
	    (rc = store_put(c->st, &r)) == CAIRN_OK)
		rc = timer_put(c, &ts, &t);
	if ((rc = store_end(c->st, rc)) != CAIRN_OK) {
		rc = cli_err(rc, "cannot store the entry: %s",
		             store_errmsg(c->st));
		goto out;
	}
	if (c->json) {
		rc = out_json(out_entry_json(&r));
		goto out;
	}
	duration_format(e->minutes, dur, sizeof(dur));
	box_text(t.limit, e->minutes, e->beaten, box, sizeof(box));
	printf("stopped: %s %s%s (%s%s%s)\n", dur, e->activity, box,
	       out_color("id"), out_short_id(r.id, sid), out_color("reset"));
out:
	timers_release(&ts);
	entryrec_free_built(e);
	rec_release(&r);
	return rc;
}

int
cmd_cancel(struct cli *c, int argc, char **argv)
{
	struct timers ts;
	struct timer t;
	char dur[32], when[32], what[ENTRY_TEXT_MAX + 64];
	int64_t now;
	json_t *o;
	int rc;

	if (argc > 1)
		return cli_usage(c, "unexpected argument");
	if ((rc = cli_now(&now, NULL)) != CAIRN_OK)
		return rc;
	if ((rc = timers_load(c, now, &ts)) != CAIRN_OK)
		return rc;
	if (!ts.have_mine || !ts.mine.running) {
		rc = not_running(&ts);
		goto out;
	}
	t = ts.mine;
	t.running = 0;
	t.ended = now >= t.started ? now : t.started;
	t.entry[0] = '\0';
	if (t.legacy) {
		t.id[0] = '\0';
		timer_device_name(c, t.device_name);
	}
	if ((rc = timer_put(c, &ts, &t)) != CAIRN_OK) {
		rc = cli_err(CAIRN_ESTORAGE, "cannot save the timer: %s",
		             store_errmsg(c->st));
		goto out;
	}
	if (c->json) {
		o = json_pack("{s:o}", "discarded", timer_json(&ts.mine, now));
		rc = out_json(o);
		goto out;
	}
	what_of(&t, what, sizeof(what));
	duration_format(elapsed_minutes(&ts.mine, now), dur, sizeof(dur));
	clock_of(t.started, now, when);
	printf("discarded: %s, %s since %s; nothing logged\n", what, dur, when);
out:
	timers_release(&ts);
	return rc;
}

int
cmd_continue(struct cli *c, int argc, char **argv)
{
	struct timers ts;
	struct timer t;
	const struct timer *last = NULL;
	char ago[32] = "";
	int64_t now;
	size_t i;
	int rc;

	if (argc > 1)
		return cli_usage(c, "unexpected argument");
	if ((rc = cli_now(&now, NULL)) != CAIRN_OK)
		return rc;
	if ((rc = timers_load(c, now, &ts)) != CAIRN_OK)
		return rc;
	/* The session the last stop logged, on any of this learner's machines.
	 */
	if (ts.have_mine && !ts.mine.running && ts.mine.entry[0] != '\0')
		last = &ts.mine;
	for (i = 0; i < ts.n_others; i++)
		if (!ts.others[i].running && ts.others[i].entry[0] != '\0' &&
		    (last == NULL || ts.others[i].ended > last->ended))
			last = &ts.others[i];
	if (last == NULL && !(ts.have_mine && ts.mine.running)) {
		rc = cli_err(
		        CAIRN_ENOTFOUND,
		        "no stopped session to continue; start one with 'cairn start ACTIVITY'");
		goto out;
	}
	memset(&t, 0, sizeof(t));
	if (last != NULL) {
		t = *last;
		out_ago(last->ended, now, ago);
	}
	rc = timer_begin(c, &ts, &t, now, "continuing",
	                 last != NULL ? ago : NULL);
out:
	timers_release(&ts);
	return rc;
}

/* The "others" array of status --json. */
static json_t *
others_json(const struct timers *ts)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a != NULL && i < ts->n_others; i++)
		if (ts->others[i].running &&
		    json_array_append_new(
		            a, timer_json(&ts->others[i], ts->now)) != 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

int
cmd_status(struct cli *c, int argc, char **argv)
{
	struct timers ts;
	const struct timer *t = &ts.mine;
	uint64_t pending, last_sync;
	uint32_t elapsed = 0;
	char dur[32], when[32], box[32], what[ENTRY_TEXT_MAX + 64];
	int64_t now;
	size_t i;
	json_t *o;
	int rc, running;

	if (argc > 1)
		return cli_usage(c, "unexpected argument");
	if ((rc = cli_now(&now, NULL)) != CAIRN_OK)
		return rc;
	if ((rc = timers_load(c, now, &ts)) != CAIRN_OK)
		return rc;
	if ((rc = store_count_dirty(c->st, &pending)) ||
	    (rc = store_meta_get_u64(c->st, "last_sync", &last_sync))) {
		rc = cli_err(rc, "cannot read the store: %s",
		             store_errmsg(c->st));
		goto out;
	}
	running = ts.have_mine && t->running;
	if (running)
		elapsed = elapsed_minutes(t, now);
	if (c->json) {
		o = json_pack(
		        "{s:b, s:o, s:o, s:o, s:o, s:o, s:o, s:I, s:o, s:o}",
		        "running", running, "activity",
		        running ? json_string(t->activity) : json_null(),
		        "text", running ? json_string(t->text) : json_null(),
		        "started_at",
		        running ? out_time_or_null(t->started) : json_null(),
		        "elapsed_minutes",
		        running ? json_integer(elapsed) : json_null(),
		        "limit_minutes",
		        running && t->limit > 0
		                ? json_integer((json_int_t)t->limit)
		                : json_null(),
		        "over_minutes",
		        running && t->limit > 0 && elapsed > t->limit
		                ? json_integer((json_int_t)(elapsed - t->limit))
		                : json_null(),
		        "pending", (json_int_t)pending, "last_sync",
		        out_time_or_null((int64_t)last_sync), "others",
		        others_json(&ts));
		rc = out_json(o);
		goto out;
	}
	if (running) {
		what_of(t, what, sizeof(what));
		duration_format(elapsed, dur, sizeof(dur));
		clock_of(t->started, now, when);
		printf("running: %s, started %s, %s so far", what, when,
		       elapsed > 0 ? dur : "under a minute");
		if (t->limit > 0) {
			duration_format(t->limit, box, sizeof(box));
			printf(" (limit %s, ", box);
			if (elapsed > t->limit) {
				duration_format(elapsed - t->limit, dur,
				                sizeof(dur));
				printf("over by %s)", dur);
			} else {
				duration_format(t->limit - elapsed, dur,
				                sizeof(dur));
				printf("%s left)",
				       t->limit > elapsed ? dur : "no time");
			}
		}
		printf("\n");
	} else {
		printf("no timer running\n");
	}
	for (i = 0; i < ts.n_others; i++) {
		const struct timer *o2 = &ts.others[i];

		if (!o2->running)
			continue;
		duration_format(elapsed_minutes(o2, now), dur, sizeof(dur));
		clock_of(o2->started, now, when);
		printf("timer running on %s: %s for %s (since %s)\n",
		       o2->device_name, o2->activity, dur, when);
	}
	printf("%llu change%s not yet synced", (unsigned long long)pending,
	       pending == 1 ? "" : "s");
	if (last_sync > 0) {
		out_ago((int64_t)last_sync, now, when);
		printf("; last sync %s", when);
	} else {
		printf("; never synced");
	}
	printf("\n");
out:
	timers_release(&ts);
	return rc;
}
