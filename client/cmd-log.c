/*
 * Check-in commands: log (a new entry), edit (a new version of one) and
 * rm (a tombstone). All work offline; sync moves the versions later. Every
 * entry passes entry_validate, the rules the server applies too, and the
 * learner's own ones: nothing in the future, no two sessions at once
 * (unless --force). log and edit say back what they stored.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cairn.h"
#include "err.h"
#include "timefmt.h"

#define ENTRY_OPTIONS \
	"  --date DATE       the day: YYYY-MM-DD, today, yesterday, a weekday\n" \
	"                    (mon: the last one, today included) or '3 days ago'\n" \
	"  --at TIME         local start time: 21:00, 9:05, 9pm, 9:30pm\n" \
	"  --from TIME       when the session started (same as --at)\n" \
	"  --to TIME         when it ended; earlier than --from means the next\n" \
	"                    day (across midnight)\n" \
	"  --ago DURATION    it ended that long ago, e.g. --ago 2h\n" \
	"  --skill NAME      a skill practised (repeatable)\n" \
	"  --item ITEM       the plan item this session belongs to\n" \
	"  --metric K=N      a measurement, e.g. --metric pages=12 " \
	"(repeatable)\n" \
	"  --private         only this learner's own machines see it\n" \
	"  --force           store it even if it overlaps another session\n"

const struct cmd cmd_log_entry = {
        .name = "log",
        .fn = cmd_log,
        .flags = CMD_NEEDS_HOME | CMD_WRITES,
        .usage = "log [DURATION] ACTIVITY [TEXT] [options]",
        .summary = "record a practice session",
        .help = "DURATION is like 45m, 1h30m, 1.5h or 90min (a bare number is\n"
                "refused); it may be left out when --from and --to say it.\n"
                "ACTIVITY is project, drill, reading, retrieval, review,\n"
                "community, planning or a lowercase word of your own (a word\n"
                "you never used before gets a note, in case of a typo). Works\n"
                "offline. See 'cairn help dates' for every way to write a\n"
                "duration, a date or a time.\n" ENTRY_OPTIONS
                "When the session was: with --at or --from, it started then\n"
                "(today unless --date says otherwise); with --to alone, it\n"
                "ended then; with --ago, it ended that long before now; with\n"
                "only --date, it ended now if DATE is today, else it started\n"
                "at 12:00 that day; with none of them, it ended now. A session\n"
                "that would start or end in the future is refused, and so is\n"
                "one that overlaps another of yours unless --force is given.\n"
                "log says back what it stored.\n"
                "\n"
                "EXAMPLES:\n"
                "  cairn log 45m reading \"chapter 3 of SICP\"\n"
                "  cairn log reading --from 21:00 --to 22:30 --date yesterday\n"
                "  cairn log 1h30m project --ago 2h --skill c\n"
                "  cairn log 2h drill --date yesterday --at 9pm\n",
};

const struct cmd cmd_edit_entry = {
        .name = "edit",
        .fn = cmd_edit,
        .flags = CMD_NEEDS_HOME | CMD_WRITES,
        .usage =
                "edit ID [--duration D] [--activity A] [--text TEXT] [options]",
        .summary = "change an entry",
        .help = "  --duration D      new duration (45m, 1h30m, 1.5h...)\n"
                "  --activity A      new activity\n"
                "  --text TEXT       new text\n" ENTRY_OPTIONS
                "  --public          undo --private\n"
                "--date keeps the time of day; --at keeps the date; --from and\n"
                "--to set both ends (and the duration); --ago moves the end;\n"
                "--duration alone keeps the start, or the end when keeping the\n"
                "start would end the session in the future.\n"
                "--skill and --metric replace the lists when given. The new\n"
                "state is said back; values equal to the current ones store\n"
                "nothing and say 'nothing changed' (with --json: the entry and\n"
                "\"changed\": false). The same checks as log apply: nothing in\n"
                "the future, no overlap with another session unless --force.\n"
                "\n"
                "EXAMPLES:\n"
                "  cairn edit 396cad48 --duration 1h15m\n"
                "  cairn edit 396cad48 --from 20:30 --to 22:00\n"
                "  cairn edit 396cad48 --date yesterday --activity drill\n",
};

const struct cmd cmd_rm_entry = {
        .name = "rm",
        .fn = cmd_rm,
        .flags = CMD_NEEDS_HOME | CMD_WRITES,
        .usage = "rm ID",
        .summary = "delete an entry",
        .help = "The delete syncs to your other machines.\n",
};

/* Minutes a session may reach past now: clocks of two machines differ. */
#define LOG_CLOCK_SLACK 60
/* Activities of earlier entries kept for "did you mean". */
#define LOG_ACTS_MAX 256

/* The activities every learner has (PRODUCT.md). */
static const char *const log_builtin_acts[] = {
        "project", "drill",     "reading",  "retrieval",
        "review",  "community", "planning",
};

/* What log and edit may change, as given on the command line. */
struct entry_opts {
	const char *duration, *activity, *text, *date, *at, *item;
	const char *from, *to, *ago;
	const char *skills[ENTRY_SKILLS_MAX];
	size_t n_skills;
	int skills_given;
	const char *metrics[ENTRY_METRICS_MAX];
	size_t n_metrics;
	int metrics_given;
	int priv; /* -1 unchanged, 0 public, 1 private */
	int force;
};

static const struct option entry_options[] = {
        {"date", required_argument, NULL, 'D'},
        {"at", required_argument, NULL, 'A'},
        {"from", required_argument, NULL, 'F'},
        {"to", required_argument, NULL, 'T'},
        {"ago", required_argument, NULL, 'g'},
        {"force", no_argument, NULL, 'f'},
        {"skill", required_argument, NULL, 'k'},
        {"item", required_argument, NULL, 'i'},
        {"metric", required_argument, NULL, 'm'},
        {"private", no_argument, NULL, 'p'},
        {"public", no_argument, NULL, 'P'},
        {"duration", required_argument, NULL, 'd'},
        {"activity", required_argument, NULL, 'a'},
        {"text", required_argument, NULL, 't'},
        {NULL, 0, NULL, 0},
};

/* Parses the options; editing allows the ones only edit has. */
static int
parse_entry_opts(struct cli *c, int argc, char **argv, int editing,
                 struct entry_opts *o)
{
	const char *arg;
	int ch;

	memset(o, 0, sizeof(*o));
	o->priv = -1;
	while ((ch = cli_getopt(c, argc, argv, entry_options, &arg)) != -1) {
		if (ch < 0)
			return ch;
		if (!editing &&
		    (ch == 'P' || ch == 'd' || ch == 'a' || ch == 't'))
			return cli_usage(c, "that option is for 'cairn edit'");
		switch (ch) {
		case 'D':
			o->date = arg;
			break;
		case 'A':
			o->at = arg;
			break;
		case 'F':
			o->from = arg;
			break;
		case 'T':
			o->to = arg;
			break;
		case 'g':
			o->ago = arg;
			break;
		case 'f':
			o->force = 1;
			break;
		case 'k':
			if (o->n_skills >= ENTRY_SKILLS_MAX)
				return cli_err(CAIRN_EINVAL,
				               "at most %d --skill",
				               ENTRY_SKILLS_MAX);
			o->skills[o->n_skills++] = arg;
			o->skills_given = 1;
			break;
		case 'i':
			o->item = arg;
			break;
		case 'm':
			if (o->n_metrics >= ENTRY_METRICS_MAX)
				return cli_err(CAIRN_EINVAL,
				               "at most %d --metric",
				               ENTRY_METRICS_MAX);
			o->metrics[o->n_metrics++] = arg;
			o->metrics_given = 1;
			break;
		case 'p':
			o->priv = 1;
			break;
		case 'P':
			o->priv = 0;
			break;
		case 'd':
			o->duration = arg;
			break;
		case 'a':
			o->activity = arg;
			break;
		case 't':
			o->text = arg;
			break;
		}
	}
	if (o->ago != NULL && (o->date != NULL || o->at != NULL ||
	                       o->from != NULL || o->to != NULL))
		return cli_usage(
		        c,
		        "--ago says when the session ended: leave out --date, --at, --from and --to");
	if (o->at != NULL && (o->from != NULL || o->to != NULL))
		return cli_usage(
		        c,
		        "--at and --from say the same thing: give one of them");
	return CAIRN_OK;
}

static int
replace_str(char **dst, const char *src)
{
	char *s = strdup(src);

	if (s == NULL)
		return CAIRN_ENOMEM;
	free(*dst);
	*dst = s;
	return CAIRN_OK;
}

static int
set_skills(Cairn__Entry *e, const struct entry_opts *o)
{
	size_t i;

	for (i = 0; i < e->n_skills; i++)
		free(e->skills[i]);
	free(e->skills);
	e->skills = NULL;
	e->n_skills = 0;
	if (o->n_skills == 0)
		return CAIRN_OK;
	e->skills = calloc(o->n_skills, sizeof(*e->skills));
	if (e->skills == NULL)
		return CAIRN_ENOMEM;
	for (i = 0; i < o->n_skills; i++) {
		if ((e->skills[i] = strdup(o->skills[i])) == NULL)
			return CAIRN_ENOMEM;
		e->n_skills++;
	}
	return CAIRN_OK;
}

static int
set_metrics(Cairn__Entry *e, const struct entry_opts *o)
{
	Cairn__Metric *m;
	const char *eq;
	char *end;
	size_t i, j, klen;
	double v;

	for (i = 0; i < e->n_metrics; i++) {
		free(e->metrics[i]->key);
		free(e->metrics[i]);
	}
	free(e->metrics);
	e->metrics = NULL;
	e->n_metrics = 0;
	if (o->n_metrics == 0)
		return CAIRN_OK;
	e->metrics = calloc(o->n_metrics, sizeof(*e->metrics));
	if (e->metrics == NULL)
		return CAIRN_ENOMEM;
	for (i = 0; i < o->n_metrics; i++) {
		eq = strchr(o->metrics[i], '=');
		klen = eq != NULL ? (size_t)(eq - o->metrics[i]) : 0;
		if (eq == NULL || klen == 0 || klen > ENTRY_METRIC_KEY_MAX)
			return cli_err(CAIRN_EINVAL,
			               "bad metric '%s': expected KEY=NUMBER",
			               o->metrics[i]);
		errno = 0;
		v = strtod(eq + 1, &end);
		if (eq[1] == '\0' || *end != '\0' || errno != 0 || !isfinite(v))
			return cli_err(
			        CAIRN_EINVAL,
			        "bad metric '%s': the value is not a number",
			        o->metrics[i]);
		for (j = 0; j < i; j++)
			if (strncmp(e->metrics[j]->key, o->metrics[i], klen) ==
			            0 &&
			    e->metrics[j]->key[klen] == '\0')
				return cli_err(CAIRN_EINVAL,
				               "metric '%.*s' given twice",
				               (int)klen, o->metrics[i]);
		if ((m = calloc(1, sizeof(*m))) == NULL)
			return CAIRN_ENOMEM;
		cairn__metric__init(m);
		e->metrics[e->n_metrics++] = m;
		if ((m->key = strndup(o->metrics[i], klen)) == NULL)
			return CAIRN_ENOMEM;
		m->value = v;
	}
	return CAIRN_OK;
}

/* The local wall clock of instant t at UTC offset off (minutes). */
static void
wall(int64_t t, int off, struct ymd *d, int *h, int *m)
{
	time_t u = (time_t)(t + (int64_t)off * 60);
	struct tm tm;

	gmtime_r(&u, &tm);
	d->y = tm.tm_year + 1900;
	d->m = tm.tm_mon + 1;
	d->d = tm.tm_mday;
	*h = tm.tm_hour;
	*m = tm.tm_min;
}

/* The local wall time of entry e as the learner saw it. */
static void
entry_wall(const Cairn__Entry *e, struct ymd *d, int *h, int *m)
{
	wall(e->started_at, e->utc_offset, d, h, m);
}

/*
 * When entry e was, as people read it: its day ("Tue 2026-12-01") and its
 * span ("21:00-22:30", "23:30-01:00 next day"). The end is read in the
 * start's offset, moved by a DST change of this zone in between.
 */
static void
entry_when(const Cairn__Entry *e, char day[32], char span[48])
{
	int64_t end = e->started_at + (int64_t)e->minutes * 60;
	int off = e->utc_offset, h1, m1, h2, m2;
	int64_t d1, d2;
	struct ymd a, b;

	if (local_offset(e->started_at) == e->utc_offset)
		off = local_offset(end);
	entry_wall(e, &a, &h1, &m1);
	wall(end, off, &b, &h2, &m2);
	d1 = ymd_days(&a);
	d2 = ymd_days(&b);
	snprintf(day, 32, "%s %04d-%02d-%02d", days_weekday(d1), a.y, a.m, a.d);
	if (d2 == d1)
		snprintf(span, 48, "%02d:%02d-%02d:%02d", h1, m1, h2, m2);
	else if (d2 == d1 + 1)
		snprintf(span, 48, "%02d:%02d-%02d:%02d next day", h1, m1, h2,
		         m2);
	else
		snprintf(span, 48, "%02d:%02d-%s %02d:%02d", h1, m1,
		         days_weekday(d2), h2, m2);
}

/*
 * entry_validate names fields as the protocol does; say them as the
 * command line does ("minutes" is the duration, "started_at" the date).
 */
void
cmd_entry_why(char *why, size_t len)
{
	static const struct {
		const char *field, *user;
	} map[] = {
	        {"minutes:", "duration:"},     {"started_at:", "date:"},
	        {"utc_offset:", "time zone:"}, {"limit_minutes:", "--limit:"},
	        {"beaten:", "time box:"},      {"skills:", "--skill:"},
	        {"metrics:", "--metric:"},     {"item:", "--item:"},
	};
	char buf[512];
	size_t i, n;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		n = strlen(map[i].field);
		if (strncmp(why, map[i].field, n) != 0)
			continue;
		snprintf(buf, sizeof(buf), "%s%s", map[i].user, why + n);
		snprintf(why, len, "%s", buf);
		return;
	}
}

/* The instant of TIME on day (days since 1970) and its UTC offset. */
static int
day_instant(int64_t day, int h, int m, int64_t *t, int *off)
{
	struct ymd date;

	days_ymd(day, &date);
	if (local_to_instant(&date, h, m, t, off) != CAIRN_OK)
		return cli_err(
		        CAIRN_EINVAL,
		        "%04d-%02d-%02d %02d:%02d does not exist in this time zone (the clocks skip it)",
		        date.y, date.m, date.d, h, m);
	return CAIRN_OK;
}

/* Reads a TIME option's value, naming the option when it is refused. */
static int
time_opt(const char *name, const char *arg, int *h, int *m)
{
	char why[TIMEFMT_WHY_MAX];

	if (arg != NULL && clock_read(arg, h, m, why, sizeof(why)) != CAIRN_OK)
		return cli_err(CAIRN_EINVAL, "bad %s '%s': %s", name, arg, why);
	return CAIRN_OK;
}

/*
 * Sets when the session was (and its minutes, from --from and --to).
 * log: see 'cairn help log'. edit: --date keeps the time of day, --at
 * keeps the date, neither keeps both.
 */
static int
set_time(Cairn__Entry *e, const struct entry_opts *o, int editing, int64_t now,
         int64_t today, uint32_t old_minutes)
{
	char why[TIMEFMT_WHY_MAX], d1[32], d2[32];
	int h = 12, m = 0, fh = 0, fm = 0, th = 0, tm = 0, off, off2, rc;
	int64_t day, start, end;
	uint32_t ago, span;
	struct ymd date;

	if (o->ago != NULL) {
		if (duration_read(o->ago, &ago, why, sizeof(why)) != CAIRN_OK) {
			/* The reason speaks of a session's length: say it
			 * of a time back instead. */
			if (strncmp(why, "more than 24h", 13) == 0)
				return cli_err(
				        CAIRN_EINVAL,
				        "bad --ago '%s': more than 24h ago; for an earlier day give --date and --at, e.g. --date yesterday --at 21:00",
				        o->ago);
			return cli_err(CAIRN_EINVAL, "bad --ago '%s': %s",
			               o->ago, why);
		}
		e->started_at =
		        now - (int64_t)ago * 60 - (int64_t)e->minutes * 60;
		e->utc_offset = local_offset(e->started_at);
		return CAIRN_OK;
	}
	if (editing && o->date == NULL && o->at == NULL && o->from == NULL &&
	    o->to == NULL) {
		/* A new duration keeps the start, unless that would end the
		 * session in the future: then it keeps the end (a session
		 * logged as ending now, found longer). */
		end = e->started_at + (int64_t)e->minutes * 60;
		if (end > now + LOG_CLOCK_SLACK) {
			end = e->started_at + (int64_t)old_minutes * 60;
			e->started_at = (end < now ? end : now) -
			                (int64_t)e->minutes * 60;
			e->utc_offset = local_offset(e->started_at);
		}
		return CAIRN_OK;
	}
	day = today;
	if (editing) {
		entry_wall(e, &date, &h, &m);
		day = ymd_days(&date);
	}
	if (o->date != NULL &&
	    date_read_days(o->date, today, DATE_NOT_FUTURE, &day, why,
	                   sizeof(why)) != CAIRN_OK)
		return cli_err(CAIRN_EINVAL, "bad --date '%s': %s", o->date,
		               why);
	if ((rc = time_opt("--at", o->at, &h, &m)) != CAIRN_OK ||
	    (rc = time_opt("--from", o->from, &fh, &fm)) != CAIRN_OK ||
	    (rc = time_opt("--to", o->to, &th, &tm)) != CAIRN_OK)
		return rc;
	if (o->from != NULL && o->to != NULL) {
		if (fh == th && fm == tm)
			return cli_err(
			        CAIRN_EINVAL,
			        "--from and --to are the same time: give when the session ended, e.g. --from %s --to %02d:%02d",
			        o->from, (fh + 1) % 24, fm);
		/* An end before the start is on the next day. */
		if ((rc = day_instant(day, fh, fm, &start, &off)) != 0 ||
		    (rc = day_instant(day + (th * 60 + tm < fh * 60 + fm), th,
		                      tm, &end, &off2)) != 0)
			return rc;
		span = (uint32_t)((end - start) / 60);
		if (span > DURATION_MAX_MINUTES)
			return cli_err(
			        CAIRN_EINVAL,
			        "--from %s --to %s is more than 24h, the most one entry can hold",
			        o->from, o->to);
		if (o->duration != NULL && e->minutes != span) {
			duration_format(e->minutes, d1, sizeof(d1));
			duration_format(span, d2, sizeof(d2));
			return cli_err(
			        CAIRN_EINVAL,
			        "duration %s disagrees with --from %s --to %s, which is %s: leave the duration out or make them agree",
			        d1, o->from, o->to, d2);
		}
		e->minutes = span;
	} else if (o->to != NULL) {
		if ((rc = day_instant(day, th, tm, &end, &off)) != 0)
			return rc;
		start = end - (int64_t)e->minutes * 60;
		off = local_offset(start);
	} else if (o->from != NULL || o->at != NULL) {
		if (o->from != NULL) {
			h = fh;
			m = fm;
		}
		if ((rc = day_instant(day, h, m, &start, &off)) != 0)
			return rc;
	} else if (!editing && day == today) {
		/* The session ends now. */
		start = now - (int64_t)e->minutes * 60;
		off = local_offset(start);
	} else if ((rc = day_instant(day, h, m, &start, &off)) != 0) {
		return rc;
	}
	e->started_at = start;
	e->utc_offset = off;
	return CAIRN_OK;
}

/* Refuses a session that starts or ends after now (and the slack). */
static int
check_future(const Cairn__Entry *e, const struct entry_opts *o, int64_t now)
{
	int64_t end = e->started_at + (int64_t)e->minutes * 60;
	char day[32], span[48], at[32];
	int started = e->started_at > now + LOG_CLOCK_SLACK;

	if (end <= now + LOG_CLOCK_SLACK)
		return CAIRN_OK;
	entry_when(e, day, span);
	out_local_time(now, at);
	return cli_err(
	        CAIRN_EINVAL,
	        "the session would %s in the future (%s, %s; it is %s now)%s",
	        started ? "start" : "end", day, span, at,
	        o->date == NULL && (o->from != NULL || o->to != NULL ||
	                            o->at != NULL)
	                ? "; if it was on another day, add --date (e.g. --date yesterday)"
	                : "");
}

/* Applies the options to e (a built Entry) and validates the result. */
static int
apply_opts(Cairn__Entry *e, const struct entry_opts *o, int editing,
           int64_t now, int64_t today)
{
	char why[512], lower[ENTRY_ACTIVITY_MAX + 1];
	uint32_t minutes, old_minutes = e->minutes;
	size_t i;
	int rc;

	if (o->duration != NULL) {
		if (duration_read(o->duration, &minutes, why, sizeof(why)) !=
		    CAIRN_OK)
			return cli_err(CAIRN_EINVAL, "bad %s '%s': %s",
			               editing ? "--duration" : "duration",
			               o->duration, why);
		e->minutes = minutes;
	}
	if (o->activity != NULL && !activity_valid(o->activity)) {
		for (i = 0; o->activity[i] != '\0' && i < ENTRY_ACTIVITY_MAX;
		     i++)
			lower[i] = (char)tolower((unsigned char)o->activity[i]);
		lower[i] = '\0';
		if (o->activity[i] == '\0' && activity_valid(lower))
			return cli_err(
			        CAIRN_EINVAL,
			        "bad activity '%s': activities are lowercase, say '%s'",
			        o->activity, lower);
		return cli_err(
		        CAIRN_EINVAL,
		        "bad activity '%s': use one lowercase word of letters, digits, '-' or '_', a letter first (at most %d), e.g. reading",
		        o->activity, ENTRY_ACTIVITY_MAX);
	}
	if ((o->activity != NULL &&
	     (rc = replace_str(&e->activity, o->activity)) != CAIRN_OK) ||
	    (o->text != NULL && (rc = replace_str(&e->text, o->text))) ||
	    (o->item != NULL && (rc = replace_str(&e->item, o->item))))
		return rc;
	if (o->skills_given && (rc = set_skills(e, o)) != CAIRN_OK)
		return rc;
	if (o->metrics_given && (rc = set_metrics(e, o)) != CAIRN_OK)
		return rc;
	if ((rc = set_time(e, o, editing, now, today, old_minutes)) != CAIRN_OK)
		return rc;
	if (entry_validate(e, now, why, sizeof(why)) != CAIRN_OK) {
		cmd_entry_why(why, sizeof(why));
		return cli_err(CAIRN_EINVAL, "%s", why);
	}
	return CAIRN_OK;
}

/* Looks for an entry of mine (but self) whose time intersects ov's. */
struct overlap {
	const char *self; /* the entry being edited, or NULL */
	int64_t start, end;
	char id[UUID_LEN + 1];
	char what[160];
};

static int
overlap_cb(void *arg, const struct rec *r)
{
	struct overlap *ov = arg;
	char day[32], span[48];
	Cairn__Entry *e;
	int64_t end;
	int hit;

	if (ov->self != NULL && strcmp(r->id, ov->self) == 0)
		return 0;
	if ((e = entryrec_unpack(r)) == NULL)
		return 0;
	end = e->started_at + (int64_t)e->minutes * 60;
	hit = e->started_at < ov->end && end > ov->start;
	if (hit) {
		snprintf(ov->id, sizeof(ov->id), "%s", r->id);
		entry_when(e, day, span);
		/* "reading, 21:00-22:30 on 2026-12-01": the day without
		 * its weekday. */
		snprintf(ov->what, sizeof(ov->what), "%s, %s on %s",
		         e->activity, span, day + 4);
	}
	cairn__entry__free_unpacked(e, NULL);
	return hit;
}

/*
 * Refuses e when it overlaps another live entry of this learner (self,
 * the entry being edited, does not count).
 */
static int
check_overlap(struct cli *c, const Cairn__Entry *e, const char *self)
{
	struct overlap ov;
	struct store_filter f;
	int rc;

	memset(&ov, 0, sizeof(ov));
	ov.self = self;
	ov.start = e->started_at;
	ov.end = e->started_at + (int64_t)e->minutes * 60;
	/* An entry lasts at most a day (a DST day 25h): earlier ones end
	 * before ov.start. */
	f.since = ov.start - 2 * 86400;
	f.until = ov.end;
	f.limit = 0;
	f.owner = c->handle;
	rc = store_list(c->st, &f, overlap_cb, &ov);
	if (rc < 0)
		return cli_err(rc, "cannot read the store: %s",
		               store_errmsg(c->st));
	if (ov.id[0] != '\0')
		return cli_err(
		        CAIRN_EINVAL,
		        "overlaps %.8s (%s); add --force if both are meant",
		        ov.id, ov.what);
	return CAIRN_OK;
}

/* Whether an activity was used before, and the ones that were. */
struct acts {
	const char *want, *self;
	const char *seen[LOG_ACTS_MAX];
	size_t n;
	int found;
};

static int
acts_cb(void *arg, const struct rec *r)
{
	struct acts *a = arg;
	Cairn__Entry *e;
	size_t i;

	if (a->self != NULL && strcmp(r->id, a->self) == 0)
		return 0;
	if ((e = entryrec_unpack(r)) == NULL)
		return 0;
	if (strcmp(e->activity, a->want) == 0)
		a->found = 1;
	for (i = 0; i < a->n && strcmp(a->seen[i], e->activity) != 0; i++)
		;
	if (!a->found && i == a->n && a->n < LOG_ACTS_MAX &&
	    (a->seen[a->n] = strdup(e->activity)) != NULL)
		a->n++;
	cairn__entry__free_unpacked(e, NULL);
	return a->found;
}

/*
 * Notes on stderr an activity that is neither built in nor in an earlier
 * entry of mine (self aside), with the closest known one: a typo would
 * otherwise split the time per activity without a word.
 */
static int
note_new_activity(struct cli *c, const char *act, const char *self)
{
	const char *cands[LOG_ACTS_MAX + 8], *near;
	struct store_filter f = {INT64_MIN, INT64_MAX, 0, NULL};
	size_t nb = sizeof(log_builtin_acts) / sizeof(log_builtin_acts[0]);
	struct acts a;
	size_t i;
	int rc;

	for (i = 0; i < nb; i++)
		if (strcmp(act, log_builtin_acts[i]) == 0)
			return CAIRN_OK;
	memset(&a, 0, sizeof(a));
	a.want = act;
	a.self = self;
	f.owner = c->handle;
	rc = store_list(c->st, &f, acts_cb, &a);
	if (rc < 0) {
		rc = cli_err(rc, "cannot read the store: %s",
		             store_errmsg(c->st));
		goto out;
	}
	rc = CAIRN_OK;
	if (a.found)
		goto out;
	for (i = 0; i < nb; i++)
		cands[i] = log_builtin_acts[i];
	for (i = 0; i < a.n; i++)
		cands[nb + i] = a.seen[i];
	near = suggest_closest(act, cands, nb + a.n);
	if (near != NULL)
		fprintf(stderr,
		        "note: '%s' is a new activity (did you mean '%s'?)\n",
		        act, near);
	else
		fprintf(stderr, "note: '%s' is a new activity\n", act);
out:
	for (i = 0; i < a.n; i++)
		free((char *)a.seen[i]);
	return rc;
}

/*
 * Writes a new entry version for the record id (a new UUID when id is
 * NULL or empty) with e as its body and says it back. e is borrowed.
 */
static int
log_write(struct cli *c, const char *id, const Cairn__Entry *e, int priv,
          const char *verb)
{
	struct rec r;
	char dur[32], sid[9], day[32], span[48];
	int rc;

	memset(&r, 0, sizeof(r));
	if (id != NULL && id[0] != '\0')
		snprintf(r.id, sizeof(r.id), "%s", id);
	else if ((rc = uuid_new(r.id)) != CAIRN_OK)
		goto out;
	r.kind = CAIRN__KIND__KIND_ENTRY;
	r.priv = priv;
	if ((rc = entryrec_pack(&r, e)) != CAIRN_OK)
		goto out;
	if ((rc = store_begin(c->st)) == CAIRN_OK)
		rc = store_put(c->st, &r);
	if ((rc = store_end(c->st, rc)) != CAIRN_OK) {
		rc = cli_err(rc, "cannot store the entry: %s",
		             store_errmsg(c->st));
		goto out;
	}
	if (c->json) {
		rc = out_json(out_entry_json(&r));
		goto out;
	}
	/* Said back as stored, so a wrong guess of the day shows at once. */
	duration_format(e->minutes, dur, sizeof(dur));
	entry_when(e, day, span);
	printf("%s %s %s on %s, %s (%s%s%s)\n", verb, dur, e->activity, day,
	       span, out_color("id"), out_short_id(r.id, sid),
	       out_color("reset"));
out:
	rec_release(&r);
	return rc;
}

int
cmd_find_entry(struct cli *c, const char *prefix, struct rec *r)
{
	int rc;

	rc = store_get_kind(c->st, CAIRN__KIND__KIND_ENTRY, prefix, r);
	if (rc == CAIRN_EINVAL)
		return cli_err(rc,
		               "bad ID '%s': give 6 or more of its characters",
		               prefix);
	if (rc == CAIRN_ENOTFOUND)
		return cli_err(rc, "no entry %s; see 'cairn ls'", prefix);
	if (rc == CAIRN_EAMBIGUOUS)
		return cli_err(
		        rc,
		        "ID '%s' matches several entries; give more characters",
		        prefix);
	if (rc != CAIRN_OK)
		return cli_err(rc, "cannot read the store: %s",
		               store_errmsg(c->st));
	return CAIRN_OK;
}

/*
 * Turns --item ITEM (an id prefix or a piece of a title in the active
 * plan) into the item's id, in buf; an empty ITEM clears the item.
 */
static int
resolve_item(struct cli *c, struct entry_opts *o, char buf[UUID_LEN + 1])
{
	int rc;

	if (o->item == NULL || o->item[0] == '\0')
		return CAIRN_OK;
	if ((rc = plan_resolve_item(c, o->item, buf, NULL)) != CAIRN_OK)
		return rc;
	o->item = buf;
	return CAIRN_OK;
}

/* Refuses changes to another learner's records. */
static int
check_own(struct cli *c, const struct rec *r)
{
	if (r->owner[0] != '\0' && strcmp(r->owner, c->handle) != 0)
		return cli_err(
		        CAIRN_EFORBIDDEN,
		        "entry %.8s belongs to %s; you can change only your own",
		        r->id, r->owner);
	return CAIRN_OK;
}

int
cmd_log(struct cli *c, int argc, char **argv)
{
	struct entry_opts o;
	Cairn__Entry *e = NULL;
	char item[UUID_LEN + 1];
	int64_t now, today;
	int rc, first, n;

	if ((rc = parse_entry_opts(c, argc, argv, 0, &o)) != CAIRN_OK)
		return rc;
	first = cli_optind();
	n = argc - first;
	/* An activity starts with a letter, a duration with a digit. */
	if (n >= 1 &&
	    (isdigit((unsigned char)argv[first][0]) || argv[first][0] == '.')) {
		o.duration = argv[first++];
		n--;
	} else if (o.from == NULL || o.to == NULL) {
		return cli_usage(
		        c,
		        "expected DURATION and ACTIVITY (DURATION may be left out only with --from and --to)");
	}
	if (n < 1)
		return cli_usage(c, "expected an ACTIVITY");
	if (n > 2)
		return cli_usage(c, "too many arguments (quote the TEXT)");
	o.activity = argv[first];
	o.text = n == 2 ? argv[first + 1] : "";
	if ((rc = cli_now(&now, &today)) != CAIRN_OK)
		return rc;
	if ((rc = resolve_item(c, &o, item)) != CAIRN_OK)
		return rc;
	if ((e = calloc(1, sizeof(*e))) == NULL)
		return CAIRN_ENOMEM;
	cairn__entry__init(e);
	e->activity = e->text = e->item = NULL;
	if ((e->item = strdup(o.item != NULL ? o.item : "")) == NULL) {
		rc = CAIRN_ENOMEM;
		goto out;
	}
	if ((rc = apply_opts(e, &o, 0, now, today)) != CAIRN_OK ||
	    (rc = check_future(e, &o, now)) != CAIRN_OK ||
	    (!o.force && (rc = check_overlap(c, e, NULL)) != CAIRN_OK) ||
	    (rc = note_new_activity(c, e->activity, NULL)) != CAIRN_OK)
		goto out;
	rc = log_write(c, NULL, e, o.priv == 1, "logged");
out:
	entryrec_free_built(e);
	return rc;
}

/*
 * 1 if e holds the values of r's entry u in every field (the private flag
 * included): an edit that changes nothing. Compared field by field, so the
 * clocks a body carries (docs/sync.md) do not count as a change.
 */
static int
same_fields(const Cairn__Entry *e, int priv, const Cairn__Entry *u,
            const struct rec *r)
{
	int f;

	for (f = 1; f <= ENTRY_FIELDS; f++)
		if (!entryrec_field_equal(e, priv, u, r->priv, f))
			return 0;
	return 1;
}

int
cmd_edit(struct cli *c, int argc, char **argv)
{
	struct entry_opts o;
	Cairn__Entry *u = NULL, *e = NULL;
	char item[UUID_LEN + 1];
	struct rec r;
	json_t *doc;
	int64_t now, today;
	int rc, priv, moved;

	memset(&r, 0, sizeof(r));
	if ((rc = parse_entry_opts(c, argc, argv, 1, &o)) != CAIRN_OK)
		return rc;
	if (argc - cli_optind() != 1)
		return cli_usage(c, "expected one ID");
	if ((rc = cli_now(&now, &today)) != CAIRN_OK)
		return rc;
	if ((rc = resolve_item(c, &o, item)) != CAIRN_OK)
		return rc;
	if ((rc = cmd_find_entry(c, argv[cli_optind()], &r)) != CAIRN_OK)
		goto out;
	if ((rc = check_own(c, &r)) != CAIRN_OK)
		goto out;
	if ((u = entryrec_unpack(&r)) == NULL) {
		rc = cli_err(CAIRN_ESTORAGE, "entry %.8s is unreadable", r.id);
		goto out;
	}
	if ((e = entryrec_copy(u)) == NULL) {
		rc = CAIRN_ENOMEM;
		goto out;
	}
	if ((rc = apply_opts(e, &o, 1, now, today)) != CAIRN_OK)
		goto out;
	priv = o.priv >= 0 ? o.priv : r.priv;
	/* The same values again: no new version to store and sync. */
	if (same_fields(e, priv, u, &r)) {
		if (c->json) {
			if ((doc = out_entry_json(&r)) != NULL)
				json_object_set_new(doc, "changed",
				                    json_false());
			rc = out_json(doc);
		} else {
			printf("nothing changed\n");
		}
		goto out;
	}
	/* Only a session moved or resized is checked against the clock and
	 * the others: a text fix of an old entry must stay possible. */
	moved = e->started_at != u->started_at || e->minutes != u->minutes;
	if (moved &&
	    ((rc = check_future(e, &o, now)) != CAIRN_OK ||
	     (!o.force && (rc = check_overlap(c, e, r.id)) != CAIRN_OK)))
		goto out;
	if (strcmp(e->activity, u->activity) != 0 &&
	    (rc = note_new_activity(c, e->activity, r.id)) != CAIRN_OK)
		goto out;
	rc = log_write(c, r.id, e, priv, "edited");
out:
	if (u != NULL)
		cairn__entry__free_unpacked(u, NULL);
	entryrec_free_built(e);
	rec_release(&r);
	return rc;
}

int
cmd_rm(struct cli *c, int argc, char **argv)
{
	struct rec r;
	char sid[9];
	int rc;

	memset(&r, 0, sizeof(r));
	if (argc != 2)
		return cli_usage(c, "expected one ID");
	if ((rc = cmd_find_entry(c, argv[1], &r)) != CAIRN_OK)
		goto out;
	if ((rc = check_own(c, &r)) != CAIRN_OK)
		goto out;
	rec_release(&r);
	r.deleted = 1;
	if ((rc = store_put(c->st, &r)) != CAIRN_OK) {
		rc = cli_err(rc, "cannot store the delete: %s",
		             store_errmsg(c->st));
		goto out;
	}
	if (c->json)
		rc = out_json(
		        json_pack("{s:s, s:b}", "id", r.id, "deleted", 1));
	else
		printf("deleted %s\n", out_short_id(r.id, sid));
out:
	rec_release(&r);
	return rc;
}
