/*
 * Comments and the inbox. A comment is a record of its author's (made
 * offline, synced like the rest) on an entry or on a learner's week; the
 * server checks that its author may see what it is on. show lists the
 * comments on an entry; inbox lists what others said about my work since
 * I last looked (comments, reviews) and the invitations waiting for me.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cairn.h"
#include "comment.h"
#include "err.h"
#include "planrec.h"
#include "timefmt.h"

const struct cmd cmd_comment_entry = {
        .name = "comment",
        .fn = cmd_comment,
        .flags = CMD_NEEDS_HOME | CMD_NEEDS_LOGIN | CMD_WRITES,
        .usage = "comment ID TEXT | comment --week HANDLE WEEK TEXT",
        .summary = "comment on an entry or on a learner's week",
        .help = "ID is an entry's ID (6 or more characters), yours or one you\n"
                "can see. WEEK is this, last, YYYY-Www or a date in it. Works\n"
                "offline; 'cairn sync' sends it.\n"
                "\n"
                "EXAMPLES:\n"
                "  cairn comment 5adabe0b \"timed drills every morning? I am in\"\n"
                "  cairn comment --week maya last \"a strong week\"\n",
};

const struct cmd cmd_inbox_entry = {
        .name = "inbox",
        .fn = cmd_inbox,
        .flags = CMD_NEEDS_HOME | CMD_NEEDS_LOGIN | CMD_WRITES,
        .usage = "inbox [--all]",
        .summary = "new comments and reviews on your work, and invitations",
        .help = "  --all             every comment, not only new ones\n"
                "Reads this home (run 'cairn sync' first) and marks what it\n"
                "shows as read. --json: {comments: [...], invites: [...]}.\n"
                "\n"
                "EXAMPLES:\n"
                "  cairn inbox\n"
                "  cairn inbox --all\n",
};

/* May this home's user write about handle? (themselves, or someone whose
 * data the server lets them see: partners, mentees, group members). */
static int
comment_may_see(struct cli *c, const char *handle)
{
	Cairn__PeopleOk *p = NULL;
	int rc, role;

	if (strcmp(handle, c->handle) == 0)
		return CAIRN_OK;
	if ((rc = people_cache_load(c, &p)) != CAIRN_OK)
		return rc;
	role = people_role(p, handle, 0);
	cairn__people_ok__free_unpacked(p, NULL);
	if (role == 0 || role == CAIRN__ROLE__ROLE_MENTOR)
		return cli_err(
		        CAIRN_EFORBIDDEN,
		        "you do not see %s's log; see 'cairn people' (after 'cairn sync')",
		        handle);
	return CAIRN_OK;
}

int
cmd_comment(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
	        {"week", required_argument, NULL, 'w'},
	        {NULL, 0, NULL, 0},
	};
	Cairn__Comment cm = CAIRN__COMMENT__INIT;
	char week[WEEK_NAME_LEN + 1], sid[9];
	const char *who = NULL, *arg, *text;
	struct errbuf err = {""};
	struct rec target, r;
	int64_t today, monday;
	int ch, rc, npos;

	memset(&target, 0, sizeof(target));
	memset(&r, 0, sizeof(r));
	while ((ch = cli_getopt(c, argc, argv, opts, &arg)) != -1) {
		if (ch < 0)
			return ch;
		who = arg;
	}
	npos = argc - cli_optind();
	if (who != NULL) {
		/* comment --week HANDLE WEEK TEXT */
		if (npos != 2)
			return cli_usage(
			        c, "expected HANDLE WEEK TEXT after --week");
		if (!handle_valid(who))
			return cli_err(CAIRN_EINVAL, "bad handle '%s'", who);
		if ((rc = plan_today(&today)) != CAIRN_OK)
			return rc;
		if ((rc = week_arg(argv[cli_optind()], today, &monday, &err)))
			return cli_errbuf(rc, &err);
		if ((rc = comment_may_see(c, who)) != CAIRN_OK)
			return rc;
		week_of_day(monday, week, NULL);
		cm.week = week;
		text = argv[cli_optind() + 1];
		snprintf(r.subject, sizeof(r.subject), "%s", who);
	} else {
		if (npos != 2)
			return cli_usage(c, "expected ID TEXT");
		if ((rc = cmd_find_entry(c, argv[cli_optind()], &target)))
			return rc;
		cm.target = target.id;
		text = argv[cli_optind() + 1];
		snprintf(r.subject, sizeof(r.subject), "%s",
		         target.owner[0] != '\0' ? target.owner : c->handle);
	}
	cm.text = (char *)text;
	cm.at = (int64_t)time(NULL);
	if (comment_validate(&cm, err.msg, sizeof(err.msg)) != CAIRN_OK) {
		rc = cli_err(CAIRN_EINVAL, "%s", err.msg);
		goto out;
	}
	if ((rc = uuid_new(r.id)) != CAIRN_OK)
		goto out;
	r.kind = CAIRN__KIND__KIND_COMMENT;
	if ((rc = rec_pack_body(&r, &cm.base)) != CAIRN_OK ||
	    (rc = store_put(c->st, &r)) != CAIRN_OK) {
		rc = cli_err(rc, "cannot store the comment: %s",
		             store_errmsg(c->st));
		goto out;
	}
	if (c->json)
		rc = out_json(json_pack("{s:s, s:o, s:o, s:s, s:s}", "id", r.id,
		                        "target", out_str_or_null(cm.target),
		                        "week", out_str_or_null(cm.week),
		                        "subject", r.subject, "text", text));
	else if (who != NULL)
		printf("commented on %s's week %s (%s); 'cairn sync' sends it\n",
		       r.subject, week, out_short_id(r.id, sid));
	else
		printf("commented on %s's entry %.8s (%s); 'cairn sync' sends it\n",
		       r.subject, target.id, out_short_id(r.id, sid));
out:
	rec_release(&target);
	rec_release(&r);
	return rc;
}

/* A comment or review as JSON (new reference; NULL if unreadable). */
static json_t *
comment_json(const struct rec *r)
{
	Cairn__Comment *cm;
	json_t *o;

	if (r->kind == CAIRN__KIND__KIND_REVIEW)
		return json_pack("{s:s, s:s, s:s, s:s, s:o, s:s}", "id", r->id,
		                 "kind", "review", "author", r->owner, "about",
		                 r->subject, "at", out_time_or_null(r->at),
		                 "week", r->target + 5);
	cm = cairn__comment__unpack(NULL, r->body_len,
	                            r->body != NULL ? r->body
	                                            : (const uint8_t *)"");
	if (cm == NULL)
		return NULL;
	o = json_pack(
	        "{s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:o}", "id", r->id, "kind",
	        "comment", "author", r->owner, "about", r->subject, "text",
	        cm->text, "at", out_time_or_null(cm->at), "target",
	        out_str_or_null(cm->target), "week", out_str_or_null(cm->week));
	cairn__comment__free_unpacked(cm, NULL);
	return o;
}

struct comment_list {
	json_t *arr; /* --json, else print */
	int n;
	const char *indent;
};

static int
comment_one(void *arg, const struct rec *r)
{
	struct comment_list *l = arg;
	Cairn__Comment *cm;
	char when[32];

	l->n++;
	if (l->arr != NULL) {
		json_t *o = comment_json(r);

		return o == NULL || json_array_append_new(l->arr, o) != 0
		               ? CAIRN_ENOMEM
		               : 0;
	}
	cm = cairn__comment__unpack(NULL, r->body_len,
	                            r->body != NULL ? r->body
	                                            : (const uint8_t *)"");
	if (cm == NULL)
		return 0;
	out_local_time(cm->at, when);
	printf("%s%s, %s%s%s: %s\n", l->indent, r->owner, when,
	       r->dirty ? " (not synced)" : "", r->priv ? " (private)" : "",
	       cm->text);
	cairn__comment__free_unpacked(cm, NULL);
	return 0;
}

int
comments_show(struct cli *c, const char *target, const char *subject,
              json_t *arr)
{
	struct comment_list l = {arr, 0, "  "};
	int rc;

	if (arr == NULL)
		printf("comments:\n");
	rc = store_list_on(c->st, CAIRN__KIND__KIND_COMMENT, target, subject,
	                   comment_one, &l);
	if (rc != CAIRN_OK)
		return cli_err(rc, "cannot read comments: %s",
		               store_errmsg(c->st));
	if (arr == NULL && l.n == 0)
		printf("  none yet\n");
	return CAIRN_OK;
}

/* ---- inbox ---- */

struct inbox {
	struct cli *c;
	json_t *arr;
	uint64_t newest; /* highest arrival number listed */
	int n;
};

/* What an entry comment is on, for people: "entry 3f2a9c1e (drill ...)". */
static void
inbox_target(struct cli *c, const char *id, char *out, size_t len)
{
	Cairn__Entry *e = NULL;
	char when[32];
	struct rec r;

	memset(&r, 0, sizeof(r));
	if (store_get(c->st, id, &r) == CAIRN_OK &&
	    (e = entryrec_unpack(&r)) != NULL) {
		out_local_time(e->started_at, when);
		snprintf(out, len, "entry %.8s (%.10s %s, %s)", id, when,
		         e->activity, e->text);
		cairn__entry__free_unpacked(e, NULL);
	} else {
		snprintf(out, len, "record %.8s", id);
	}
	rec_release(&r);
}

static int
inbox_one(void *arg, const struct rec *r)
{
	struct inbox *ib = arg;
	Cairn__Comment *cm;
	char what[160], when[32];
	json_t *o;

	ib->n++;
	if (r->arrived > ib->newest)
		ib->newest = r->arrived;
	if (ib->arr != NULL) {
		o = comment_json(r);
		return o == NULL || json_array_append_new(ib->arr, o) != 0
		               ? CAIRN_ENOMEM
		               : 0;
	}
	out_local_time(r->at, when);
	if (r->kind == CAIRN__KIND__KIND_REVIEW) {
		printf("  %s reviewed your week %s (%s)\n", r->owner,
		       r->target + 5, when);
		return 0;
	}
	cm = cairn__comment__unpack(NULL, r->body_len,
	                            r->body != NULL ? r->body
	                                            : (const uint8_t *)"");
	if (cm == NULL)
		return 0;
	if (cm->target[0] != '\0')
		inbox_target(ib->c, cm->target, what, sizeof(what));
	else
		snprintf(what, sizeof(what), "week %s", cm->week);
	printf("  %s on your %s, %s:\n      %s\n", r->owner, what, when,
	       cm->text);
	cairn__comment__free_unpacked(cm, NULL);
	return 0;
}

/*
 * Commitments broken by the people whose logs this home holds (partners,
 * mentees, group members), each said once: a breach shown is remembered
 * in the store's cache, unless all is set.
 */
static int
inbox_breaches(struct cli *c, const Cairn__PeopleOk *p, int all, json_t *arr,
               int *shown)
{
	char key[128], line[200], from[11], to[11];
	uint8_t *seen = NULL;
	int64_t today;
	struct model m;
	size_t i, k, len;
	int rc;

	if ((rc = cli_now(NULL, &today)) != CAIRN_OK)
		return rc;
	for (i = 0; i < p->n_people; i++) {
		const Cairn__Person *who = p->people[i];

		if (who->role == CAIRN__ROLE__ROLE_MENTOR)
			continue; /* a mentor's log is not shared with me */
		rc = model_build(c->st, who->handle, NULL, today, today, today,
		                 NULL, &m);
		if (rc != CAIRN_OK)
			return cli_err(rc, "cannot read %s's log", who->handle);
		for (k = 0; k < m.n_breaches; k++) {
			const struct model_breach *b = &m.breaches[k];

			planrec_days_date(b->from, from);
			planrec_days_date(b->to, to);
			snprintf(key, sizeof(key), "breach:%s:%d:%s",
			         who->handle, b->rule, from);
			if (!all && store_cache_get(c->st, key, &seen, &len) ==
			                    CAIRN_OK) {
				free(seen);
				seen = NULL;
				continue;
			}
			if (store_cache_put(c->st, key, (const uint8_t *)"1",
			                    1) != CAIRN_OK) {
				model_release(&m);
				return cli_err(CAIRN_ESTORAGE,
				               "cannot save what you read: %s",
				               store_errmsg(c->st));
			}
			if (arr != NULL) {
				json_array_append_new(
				        arr,
				        json_pack(
				                "{s:s, s:s, s:f, s:f, s:s, s:s}",
				                "user", who->handle, "rule",
				                model_rule_name(b->rule),
				                "value", b->value, "got",
				                b->got, "from", from, "to",
				                to));
				continue;
			}
			if ((*shown)++ == 0)
				printf("commitments broken:\n");
			model_breach_text(b, line, sizeof(line));
			printf("  %s: %s\n", who->handle, line);
		}
		model_release(&m);
	}
	return CAIRN_OK;
}

int
cmd_inbox(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
	        {"all", no_argument, NULL, 'a'},
	        {NULL, 0, NULL, 0},
	};
	struct inbox ib = {c, NULL, 0, 0};
	Cairn__PeopleOk *p = NULL;
	json_t *inv = NULL, *br = NULL;
	uint64_t seen = 0;
	const char *arg;
	size_t i;
	int ch, rc, all = 0, ninv = 0, nbr = 0;

	while ((ch = cli_getopt(c, argc, argv, opts, &arg)) != -1) {
		if (ch < 0)
			return ch;
		all = 1;
	}
	if (cli_optind() < argc)
		return cli_usage(c, "unexpected argument");
	if ((rc = store_meta_get_u64(c->st, "inbox_seen", &seen)) != CAIRN_OK)
		return cli_err(rc, "cannot read the store: %s",
		               store_errmsg(c->st));
	if ((rc = people_cache_load(c, &p)) != CAIRN_OK)
		return rc;
	if (c->json &&
	    ((ib.arr = json_array()) == NULL || (inv = json_array()) == NULL ||
	     (br = json_array()) == NULL)) {
		rc = CAIRN_ENOMEM;
		goto out;
	}
	if (!c->json)
		printf("%s:\n", all ? "comments and reviews on your work"
		                    : "new on your work");
	rc = store_list_about(c->st, c->handle, all ? 0 : seen, inbox_one, &ib);
	if (rc != CAIRN_OK) {
		rc = cli_err(rc, "cannot read the store: %s",
		             store_errmsg(c->st));
		goto out;
	}
	if (!c->json && ib.n == 0)
		printf("  nothing new%s\n",
		       all ? "" : " ('cairn inbox --all' shows everything)");
	for (i = 0; i < p->n_invites; i++) {
		const Cairn__Invitation *v = p->invites[i];

		if (!v->incoming)
			continue;
		if (ninv++ == 0 && !c->json)
			printf("invitations:\n");
		if (c->json)
			json_array_append_new(
			        inv,
			        json_pack("{s:s, s:s?, s:o}", "handle",
			                  v->handle, "role",
			                  v->group[0] != '\0'
			                          ? NULL
			                          : people_role_name(v->role),
			                  "group", out_str_or_null(v->group)));
		else if (v->group[0] != '\0')
			printf("  %s invites you to group %s ('cairn group join %s')\n",
			       v->handle, v->group, v->group);
		else
			printf("  %s asks you to be their %s ('cairn accept %s')\n",
			       v->handle,
			       v->role == CAIRN__ROLE__ROLE_MENTOR ? "mentor"
			                                           : "partner",
			       v->handle);
	}
	if ((rc = inbox_breaches(c, p, all, br, &nbr)) != CAIRN_OK)
		goto out;
	if (ib.newest > seen &&
	    (rc = store_meta_set_u64(c->st, "inbox_seen", ib.newest)) != 0) {
		rc = cli_err(rc, "cannot save what you read: %s",
		             store_errmsg(c->st));
		goto out;
	}
	if (c->json) {
		rc = out_json(json_pack("{s:O, s:O, s:O}", "comments", ib.arr,
		                        "invites", inv, "broken_commitments",
		                        br));
	}
out:
	json_decref(ib.arr);
	json_decref(inv);
	json_decref(br);
	cairn__people_ok__free_unpacked(p, NULL);
	return rc;
}
