/*
 * Reading check-ins: ls (newest first, narrowed by dates, count and
 * learner) and show (one entry in full). Both read the local store only.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cairn.h"
#include "err.h"
#include "timefmt.h"

const struct cmd cmd_ls_entry = {
        .name = "ls",
        .fn = cmd_ls,
        .flags = CMD_NEEDS_HOME,
        .usage = "ls [--since DATE] [--until DATE] [--limit N] [--user HANDLE]",
        .summary = "list entries, newest first",
        .help = "  --since DATE      from this local date on (inclusive)\n"
                "  --until DATE      up to this local date (inclusive)\n"
                "  --limit N         at most N entries\n"
                "  --user HANDLE     only this learner's entries\n"
                "A * marks entries not yet synced.\n",
};

const struct cmd cmd_show_entry = {
        .name = "show",
        .fn = cmd_show,
        .flags = CMD_NEEDS_HOME,
        .usage = "show ID",
        .summary = "show one entry",
        .help = "ID is any unique prefix of 6 or more characters.\n"
                "\n"
                "EXAMPLES:\n"
                "  cairn show 5adabe0b\n"
                "  cairn show 5adabe0b --json\n",
};

#define LS_LIMIT_MAX 1000000000L

struct ls_state {
	struct cli *c;
	json_t *arr; /* --json: the array being built */
	int failed;
	int with_user; /* others' entries are here: say whose */
};

static int
ls_one(void *arg, const struct rec *r)
{
	struct ls_state *s = arg;
	json_t *o;

	if (s->arr == NULL) {
		out_entry_line(stdout, r, s->with_user);
		return 0;
	}
	if ((o = out_entry_json(r)) == NULL ||
	    json_array_append_new(s->arr, o) != 0) {
		s->failed = 1;
		return CAIRN_ENOMEM;
	}
	return 0;
}

/* The UTC instant the local day after d starts. */
static int64_t
day_after(const struct ymd *d)
{
	struct tm tm;
	struct ymd next;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = d->y - 1900;
	tm.tm_mon = d->m - 1;
	tm.tm_mday = d->d + 1;
	tm.tm_hour = 12;
	timegm(&tm);
	next.y = tm.tm_year + 1900;
	next.m = tm.tm_mon + 1;
	next.d = tm.tm_mday;
	return ymd_start(&next);
}

int
cmd_ls(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
	        {"since", required_argument, NULL, 's'},
	        {"until", required_argument, NULL, 'u'},
	        {"limit", required_argument, NULL, 'l'},
	        {"user", required_argument, NULL, 'U'},
	        {NULL, 0, NULL, 0},
	};
	struct store_filter f = {INT64_MIN, INT64_MAX, 0, NULL};
	struct ls_state s = {c, NULL, 0, 0};
	struct ymd d;
	const char *arg;
	char *end;
	time_t now = time(NULL);
	long n;
	int ch, rc;

	while ((ch = cli_getopt(c, argc, argv, opts, &arg)) != -1) {
		if (ch < 0)
			return ch;
		if ((ch == 's' || ch == 'u') &&
		    date_parse(arg, now, &d) != CAIRN_OK)
			return cli_err(
			        CAIRN_EINVAL,
			        "bad date '%s': use YYYY-MM-DD, today or yesterday",
			        arg);
		if (ch == 's')
			f.since = ymd_start(&d);
		else if (ch == 'u')
			f.until = day_after(&d);
		else if (ch == 'l') {
			errno = 0;
			n = strtol(arg, &end, 10);
			if (errno != 0 || *end != '\0' || end == arg || n < 1 ||
			    n > LS_LIMIT_MAX)
				return cli_err(
				        CAIRN_EINVAL,
				        "bad limit '%s': give a positive number",
				        arg);
			f.limit = n;
		} else if (ch == 'U') {
			if (!handle_valid(arg))
				return cli_err(CAIRN_EINVAL, "bad handle '%s'",
				               arg);
			f.owner = arg;
		}
	}
	if (cli_optind() < argc)
		return cli_usage(c, "unexpected argument");
	if (c->json && (s.arr = json_array()) == NULL)
		return CAIRN_ENOMEM;
	if (f.owner == NULL &&
	    (rc = store_has_others(c->st, c->handle, &s.with_user)) != 0)
		return cli_err(rc, "cannot read the store: %s",
		               store_errmsg(c->st));
	rc = store_list(c->st, &f, ls_one, &s);
	if (rc != CAIRN_OK) {
		json_decref(s.arr);
		if (s.failed)
			return cli_err(rc, "cannot build the list");
		return cli_err(rc, "cannot read the store: %s",
		               store_errmsg(c->st));
	}
	if (s.arr != NULL)
		return out_json(s.arr);
	return CAIRN_OK;
}

/*
 * The title of the plan item an entry names, in out ("" when the item is
 * not in this home, or unreadable).
 */
static void
item_title(struct cli *c, const struct rec *r, char *out, size_t len)
{
	Cairn__Entry *e = entryrec_unpack(r);
	Cairn__PlanItem *m = NULL;
	struct rec ir;

	memset(&ir, 0, sizeof(ir));
	out[0] = '\0';
	if (e == NULL || e->item[0] == '\0' ||
	    store_get_kind(c->st, CAIRN__KIND__KIND_PLAN_ITEM, e->item, &ir) !=
	            CAIRN_OK)
		goto out;
	m = cairn__plan_item__unpack(NULL, ir.body_len,
	                             ir.body != NULL ? ir.body
	                                             : (const uint8_t *)"");
	if (m != NULL)
		snprintf(out, len, "%s", m->title);
out:
	if (m != NULL)
		cairn__plan_item__free_unpacked(m, NULL);
	if (e != NULL)
		cairn__entry__free_unpacked(e, NULL);
	rec_release(&ir);
}

int
cmd_show(struct cli *c, int argc, char **argv)
{
	char title[PLAN_TITLE_MAX + 1];
	json_t *doc = NULL, *comments = NULL;
	struct rec r;
	int rc;

	memset(&r, 0, sizeof(r));
	if (argc != 2)
		return cli_usage(c, "expected one ID");
	if ((rc = cmd_find_entry(c, argv[1], &r)) != CAIRN_OK)
		goto out;
	if (c->json) {
		if ((doc = out_entry_json(&r)) == NULL ||
		    (comments = json_array()) == NULL) {
			rc = cli_err(CAIRN_ENOMEM, "cannot build the entry");
			goto out;
		}
		if ((rc = comments_show(c, r.id, NULL, comments)) != CAIRN_OK)
			goto out;
		json_object_set_new(doc, "comments", comments);
		comments = NULL;
		rc = out_json(doc);
		doc = NULL;
		goto out;
	}
	item_title(c, &r, title, sizeof(title));
	out_entry_long(stdout, &r, title[0] != '\0' ? title : NULL);
	rc = comments_show(c, r.id, NULL, NULL);
out:
	json_decref(doc);
	json_decref(comments);
	rec_release(&r);
	return rc;
}
