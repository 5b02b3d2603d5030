/*
 * Study groups: create, invite, join and leave talk to the server, which
 * decides (members are partners of each other while they stay); ls and
 * board read what this home holds. board ranks the members by this week's
 * hours against their own plan's target, from the progress model.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cairn.h"
#include "comment.h"
#include "err.h"
#include "msg.h"

const struct cmd cmd_group_entry = {
        .name = "group",
        .fn = cmd_group,
        .flags = CMD_NEEDS_HOME | CMD_WRITES,
        .usage = "group create|invite|join|leave|board|ls [NAME] [HANDLE]",
        .summary = "study groups: members are each other's partners",
        .help = "  group create NAME             a new group, with you in it\n"
                "  group invite NAME HANDLE      invite someone (members only)\n"
                "  group join NAME               accept an invitation\n"
                "  group leave NAME              leave (or decline)\n"
                "  group board NAME [--week WEEK]\n"
                "      this week's hours per member against their own plan's\n"
                "      target, ranked (reads this home: sync first)\n"
                "  group ls                      your groups\n"
                "NAME is 1-64 of a-z, 0-9, _ and -.\n"
                "\n"
                "EXAMPLES:\n"
                "  cairn group create ml-cohort\n"
                "  cairn group invite ml-cohort maya\n"
                "  cairn group join ml-cohort\n"
                "  cairn group board ml-cohort --week last\n",
};

/* The group op->name of the cached people list, or NULL. */
static const Cairn__Group *
group_find(const Cairn__PeopleOk *p, const char *name)
{
	size_t i;

	for (i = 0; i < p->n_groups; i++)
		if (strcmp(p->groups[i]->name, name) == 0)
			return p->groups[i];
	return NULL;
}

/* create, invite, join, leave: one request, the answer cached. */
static int
group_change(struct cli *c, Cairn__GroupAction action, const char *name,
             const char *handle)
{
	Cairn__Request req = CAIRN__REQUEST__INIT;
	Cairn__GroupOp m = CAIRN__GROUP_OP__INIT;
	Cairn__Response *resp = NULL;
	struct errbuf err = {""};
	struct net_conn *n = NULL;
	const Cairn__Group *g;
	int rc;

	m.action = action;
	m.name = (char *)name;
	m.handle = (char *)(handle != NULL ? handle : "");
	req.body_case = CAIRN__REQUEST__BODY_GROUP;
	req.group = &m;
	if ((rc = cli_net_open(c, 1, &n)) != CAIRN_OK)
		goto out;
	if ((rc = net_call(n, &req, &resp, &err)) != CAIRN_OK) {
		rc = cli_errbuf(rc, &err);
		goto out;
	}
	if ((rc = people_cache_put(c, resp)) != CAIRN_OK)
		goto out;
	g = group_find(resp->people, name);
	if (c->json) {
		rc = out_json(
		        json_pack("{s:s, s:i, s:i}", "group", name, "members",
		                  g != NULL ? (int)g->n_members : 0, "invited",
		                  g != NULL ? (int)g->n_invited : 0));
		goto out;
	}
	switch (action) {
	case CAIRN__GROUP_ACTION__GROUP_CREATE:
		printf("created group %s; invite members with 'cairn group invite %s HANDLE'\n",
		       name, name);
		break;
	case CAIRN__GROUP_ACTION__GROUP_INVITE:
		printf("invited %s to group %s; they join with 'cairn group join %s'\n",
		       handle, name, name);
		break;
	case CAIRN__GROUP_ACTION__GROUP_JOIN:
		printf("joined group %s (%zu members); run 'cairn sync' to get their logs\n",
		       name, g != NULL ? g->n_members : 0);
		break;
	default:
		printf("left group %s\n", name);
		break;
	}
out:
	msg_free_response(resp);
	net_close(n);
	return rc;
}

struct board_row {
	struct progress p;
	double ratio; /* of the target, or hours when there is none */
};

static int
board_cmp(const void *a, const void *b)
{
	const struct board_row *x = a, *y = b;

	if (x->ratio != y->ratio)
		return x->ratio < y->ratio ? 1 : -1;
	return strcmp(x->p.user, y->p.user);
}

/* group board NAME [--week WEEK]: members ranked by the week's hours. */
static int
group_board(struct cli *c, const char *name, const char *wk)
{
	char week[WEEK_NAME_LEN + 1], hours[64];
	Cairn__PeopleOk *p = NULL;
	struct board_row *rows = NULL;
	struct errbuf err = {""};
	struct ptree *t = NULL;
	const Cairn__Group *g;
	int64_t today, monday;
	json_t *arr = NULL, *o;
	size_t i, n = 0;
	int rc;

	if ((rc = plan_today(&today)) != CAIRN_OK)
		return rc;
	if ((rc = week_arg(wk, today, &monday, &err)) != CAIRN_OK)
		return cli_errbuf(rc, &err);
	week_of_day(monday, week, NULL);
	if ((rc = people_cache_load(c, &p)) != CAIRN_OK)
		return rc;
	if ((g = group_find(p, name)) == NULL) {
		rc = cli_err(
		        CAIRN_ENOTFOUND,
		        "you are not in a group '%s' (as of your last 'cairn sync'); see 'cairn group ls'",
		        name);
		goto out;
	}
	if ((rows = calloc(g->n_members + 1, sizeof(*rows))) == NULL) {
		rc = CAIRN_ENOMEM;
		goto out;
	}
	for (i = 0; i < g->n_members; i++) {
		const char *who = g->members[i];
		int me = strcmp(who, c->handle) == 0;

		if ((rc = plan_open_any(c, me ? NULL : who, &t)) != CAIRN_OK)
			goto out;
		if (t != NULL && (rc = ptree_load_entries(c->st, t, NULL))) {
			rc = cli_err(rc, "cannot read %s's log", who);
			goto out;
		}
		rc = progress_compute(c->st, who, t, monday, today, &rows[n].p);
		ptree_free(t);
		t = NULL;
		if (rc != CAIRN_OK) {
			rc = cli_err(rc, "cannot read %s's log", who);
			goto out;
		}
		rows[n].ratio = rows[n].p.has_plan && rows[n].p.target_h > 0
		                        ? rows[n].p.week_minutes /
		                                  (rows[n].p.target_h * 60.0)
		                        : rows[n].p.week_minutes / 6000.0;
		n++;
	}
	qsort(rows, n, sizeof(*rows), board_cmp);
	if (c->json) {
		if ((arr = json_array()) == NULL) {
			rc = CAIRN_ENOMEM;
			goto out;
		}
		for (i = 0; i < n; i++) {
			o = progress_json(&rows[i].p);
			json_object_set_new(o, "rank",
			                    json_integer((int)i + 1));
			json_array_append_new(arr, o);
		}
		rc = out_json(json_pack("{s:s, s:s, s:O}", "group", name,
		                        "week", week, "members", arr));
		goto out;
	}
	printf("group %s, week %s\n", name, week);
	for (i = 0; i < n; i++) {
		progress_hours(&rows[i].p, hours, sizeof(hours));
		printf("%2zu. %-14s %-18s", i + 1, rows[i].p.user, hours);
		if (rows[i].p.has_plan && rows[i].p.target_h > 0)
			printf(" %3.0f%%", rows[i].ratio * 100.0);
		printf("  streak %d\n", rows[i].p.streak);
	}
out:
	ptree_free(t);
	json_decref(arr);
	free(rows);
	cairn__people_ok__free_unpacked(p, NULL);
	return rc;
}

/* group ls: the groups this home knows of (as of the last sync). */
static int
group_ls(struct cli *c)
{
	Cairn__PeopleOk *p = NULL;
	json_t *arr, *mem;
	size_t i, j;
	int rc;

	if ((rc = people_cache_load(c, &p)) != CAIRN_OK)
		return rc;
	if (c->json) {
		arr = json_array();
		for (i = 0; arr != NULL && i < p->n_groups; i++) {
			mem = json_array();
			for (j = 0; j < p->groups[i]->n_members; j++)
				json_array_append_new(
				        mem,
				        json_string(p->groups[i]->members[j]));
			json_array_append_new(arr,
			                      json_pack("{s:s, s:o}", "name",
			                                p->groups[i]->name,
			                                "members", mem));
		}
		rc = out_json(arr);
		goto out;
	}
	if (p->n_groups == 0)
		printf("no groups: 'cairn group create NAME'\n");
	for (i = 0; i < p->n_groups; i++) {
		printf("%s:", p->groups[i]->name);
		for (j = 0; j < p->groups[i]->n_members; j++)
			printf(" %s", p->groups[i]->members[j]);
		if (p->groups[i]->n_invited > 0)
			printf(" (invited:");
		for (j = 0; j < p->groups[i]->n_invited; j++)
			printf(" %s", p->groups[i]->invited[j]);
		printf("%s\n", p->groups[i]->n_invited > 0 ? ")" : "");
	}
out:
	cairn__people_ok__free_unpacked(p, NULL);
	return rc;
}

int
cmd_group(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
	        {"week", required_argument, NULL, 'w'},
	        {NULL, 0, NULL, 0},
	};
	const char *sub, *name, *arg, *wk = NULL;
	int ch, npos;

	while ((ch = cli_getopt(c, argc, argv, opts, &arg)) != -1) {
		if (ch < 0)
			return ch;
		wk = arg;
	}
	npos = argc - cli_optind();
	if (npos < 1)
		return cli_usage(c, "expected a subcommand");
	sub = argv[cli_optind()];
	if (strcmp(sub, "ls") == 0 && npos == 1)
		return group_ls(c);
	if (npos < 2)
		return cli_usage(c, "expected a group NAME");
	name = argv[cli_optind() + 1];
	if (wk != NULL && strcmp(sub, "board") != 0)
		return cli_usage(c, "--week is for group board");
	if (strcmp(sub, "invite") == 0) {
		if (npos != 3)
			return cli_usage(c, "expected NAME HANDLE");
		if (!handle_valid(argv[cli_optind() + 2]))
			return cli_err(CAIRN_EINVAL, "bad handle '%s'",
			               argv[cli_optind() + 2]);
		if (c->token_len == 0 || c->server[0] == '\0')
			return cli_err(
			        CAIRN_EAUTHREQ,
			        "not logged in; run 'cairn login HANDLE'");
		return group_change(c, CAIRN__GROUP_ACTION__GROUP_INVITE, name,
		                    argv[cli_optind() + 2]);
	}
	if (npos != 2)
		return cli_usage(c, "unexpected argument");
	if (strcmp(sub, "board") == 0)
		return group_board(c, name, wk);
	if (c->token_len == 0 || c->server[0] == '\0')
		return cli_err(CAIRN_EAUTHREQ,
		               "not logged in; run 'cairn login HANDLE'");
	if (strcmp(sub, "create") == 0)
		return group_change(c, CAIRN__GROUP_ACTION__GROUP_CREATE, name,
		                    NULL);
	if (strcmp(sub, "join") == 0)
		return group_change(c, CAIRN__GROUP_ACTION__GROUP_JOIN, name,
		                    NULL);
	if (strcmp(sub, "leave") == 0)
		return group_change(c, CAIRN__GROUP_ACTION__GROUP_LEAVE, name,
		                    NULL);
	return cli_err(CAIRN_EUSAGE,
	               "unknown group subcommand '%s'; see 'cairn help group'",
	               sub);
}
