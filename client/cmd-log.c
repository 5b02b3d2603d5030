/*
 * Check-in commands: log (a new entry), edit (a new version of one) and
 * rm (a tombstone). All work offline; sync moves the versions later. Every
 * entry passes entry_validate, the rules the server applies too.
 */
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
	"  --date DATE       YYYY-MM-DD, today or yesterday (local time)\n" \
	"  --at HH:MM        local start time\n" \
	"  --skill NAME      a skill practised (repeatable)\n" \
	"  --item ITEM       the plan item this session belongs to\n" \
	"  --metric K=N      a measurement, e.g. --metric pages=12 " \
	"(repeatable)\n" \
	"  --private         only this learner's own machines see it\n"

const struct cmd cmd_log_entry = {
        .name = "log",
        .fn = cmd_log,
        .flags = CMD_NEEDS_HOME | CMD_WRITES,
        .usage = "log DURATION ACTIVITY [TEXT] [options]",
        .summary = "record a practice session",
        .help = "DURATION is like 45m, 1h30m or 2h. ACTIVITY is project, drill,\n"
                "reading, retrieval, review, community, planning or a lowercase\n"
                "word of your own. Works offline.\n" ENTRY_OPTIONS
                "When the session started: with --at, at that time (today unless\n"
                "--date says otherwise); with only --date, it ended now if DATE is\n"
                "today, else it started at 12:00 that day; with neither, it ended\n"
                "now.\n",
};

const struct cmd cmd_edit_entry = {
        .name = "edit",
        .fn = cmd_edit,
        .flags = CMD_NEEDS_HOME | CMD_WRITES,
        .usage =
                "edit ID [--duration D] [--activity A] [--text TEXT] [options]",
        .summary = "change an entry",
        .help = "  --duration D      new duration\n"
                "  --activity A      new activity\n"
                "  --text TEXT       new text\n" ENTRY_OPTIONS
                "  --public          undo --private\n"
                "--date keeps the time of day; --at keeps the date. --skill and\n"
                "--metric replace the lists when given.\n",
};

const struct cmd cmd_rm_entry = {
        .name = "rm",
        .fn = cmd_rm,
        .flags = CMD_NEEDS_HOME | CMD_WRITES,
        .usage = "rm ID",
        .summary = "delete an entry",
        .help = "The delete syncs to your other machines.\n",
};

/* What log and edit may change, as given on the command line. */
struct entry_opts {
	const char *duration, *activity, *text, *date, *at, *item;
	const char *skills[ENTRY_SKILLS_MAX];
	size_t n_skills;
	int skills_given;
	const char *metrics[ENTRY_METRICS_MAX];
	size_t n_metrics;
	int metrics_given;
	int priv; /* -1 unchanged, 0 public, 1 private */
};

static const struct option entry_options[] = {
        {"date", required_argument, NULL, 'D'},
        {"at", required_argument, NULL, 'A'},
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

/* The local wall time of entry e as the learner saw it. */
static void
entry_wall(const Cairn__Entry *e, struct ymd *d, int *h, int *m)
{
	time_t t = (time_t)(e->started_at + (int64_t)e->utc_offset * 60);
	struct tm tm;

	gmtime_r(&t, &tm);
	d->y = tm.tm_year + 1900;
	d->m = tm.tm_mon + 1;
	d->d = tm.tm_mday;
	*h = tm.tm_hour;
	*m = tm.tm_min;
}

/*
 * Sets when the session started. log: see 'cairn help log'. edit: --date
 * keeps the time of day, --at keeps the date, neither keeps both.
 */
static int
set_time(Cairn__Entry *e, const struct entry_opts *o, int editing, time_t now)
{
	struct ymd date, today;
	int h = 12, m = 0, off;
	int64_t t;

	if (date_parse("today", now, &today) != CAIRN_OK)
		return cli_err(CAIRN_EINTERNAL, "cannot tell today's date");
	if (editing) {
		if (o->date == NULL && o->at == NULL)
			return CAIRN_OK;
		entry_wall(e, &date, &h, &m);
	} else {
		date = today;
	}
	if (o->date != NULL && date_parse(o->date, now, &date) != CAIRN_OK)
		return cli_err(
		        CAIRN_EINVAL,
		        "bad date '%s': use YYYY-MM-DD, today or yesterday",
		        o->date);
	if (o->at != NULL && clock_parse(o->at, &h, &m) != CAIRN_OK)
		return cli_err(CAIRN_EINVAL, "bad time '%s': use HH:MM", o->at);
	if (!editing && o->at == NULL &&
	    (o->date == NULL ||
	     (date.y == today.y && date.m == today.m && date.d == today.d))) {
		/* The session ends now. */
		e->started_at = (int64_t)now - (int64_t)e->minutes * 60;
		e->utc_offset = local_offset(e->started_at);
		return CAIRN_OK;
	}
	if (local_to_instant(&date, h, m, &t, &off) != CAIRN_OK)
		return cli_err(
		        CAIRN_EINVAL,
		        "%04d-%02d-%02d %02d:%02d does not exist in this time zone",
		        date.y, date.m, date.d, h, m);
	e->started_at = t;
	e->utc_offset = off;
	return CAIRN_OK;
}

/* Applies the options to e (a built Entry) and validates the result. */
static int
apply_opts(Cairn__Entry *e, const struct entry_opts *o, int editing)
{
	char why[256];
	time_t now = time(NULL);
	uint32_t minutes;
	int rc;

	if (o->duration != NULL) {
		if (duration_parse(o->duration, &minutes) != CAIRN_OK)
			return cli_err(
			        CAIRN_EINVAL,
			        "bad duration '%s': use 45m, 1h30m or 2h (at most 24h)",
			        o->duration);
		e->minutes = minutes;
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
	if ((rc = set_time(e, o, editing, now)) != CAIRN_OK)
		return rc;
	if (entry_validate(e, (int64_t)now, why, sizeof(why)) != CAIRN_OK)
		return cli_err(CAIRN_EINVAL, "%s", why);
	return CAIRN_OK;
}

int
cmd_log_write(struct cli *c, const char *id, const Cairn__Entry *e, int priv,
              const char *verb, int (*also)(struct cli *c))
{
	struct rec r;
	char dur[32], sid[9];
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
	if ((rc = store_begin(c->st)) == CAIRN_OK &&
	    (also == NULL || (rc = also(c)) == CAIRN_OK))
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
	duration_format(e->minutes, dur, sizeof(dur));
	printf("%s %s %s (%s%s%s)\n", verb, dur, e->activity, out_color("id"),
	       out_short_id(r.id, sid), out_color("reset"));
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
	int rc, first;

	if ((rc = parse_entry_opts(c, argc, argv, 0, &o)) != CAIRN_OK)
		return rc;
	first = cli_optind();
	if (argc - first < 2)
		return cli_usage(c, "expected DURATION and ACTIVITY");
	if (argc - first > 3)
		return cli_usage(c, "too many arguments (quote the TEXT)");
	o.duration = argv[first];
	o.activity = argv[first + 1];
	o.text = argc - first == 3 ? argv[first + 2] : "";
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
	if ((rc = apply_opts(e, &o, 0)) != CAIRN_OK)
		goto out;
	rc = cmd_log_write(c, NULL, e, o.priv == 1, "logged", NULL);
out:
	entryrec_free_built(e);
	return rc;
}

int
cmd_edit(struct cli *c, int argc, char **argv)
{
	struct entry_opts o;
	Cairn__Entry *u = NULL, *e = NULL;
	char item[UUID_LEN + 1];
	struct rec r;
	int rc;

	memset(&r, 0, sizeof(r));
	if ((rc = parse_entry_opts(c, argc, argv, 1, &o)) != CAIRN_OK)
		return rc;
	if (argc - cli_optind() != 1)
		return cli_usage(c, "expected one ID");
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
	if ((rc = apply_opts(e, &o, 1)) != CAIRN_OK)
		goto out;
	rc = cmd_log_write(c, r.id, e, o.priv >= 0 ? o.priv : r.priv, "edited",
	                   NULL);
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
