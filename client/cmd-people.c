/*
 * People: invite, invites, accept, decline, people and drop talk to the
 * server (h-people.c), which decides; every answer is the caller's whole
 * people list, cached in the local store so that the commands that work
 * offline (mentees, inbox, feed, group board) know who is who. sync
 * refreshes the cache too.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cairn.h"
#include "err.h"
#include "msg.h"
#include "planrec.h"

const struct cmd cmd_invite_entry = {
        .name = "invite",
        .fn = cmd_invite,
        .flags = CMD_NEEDS_HOME | CMD_NEEDS_LOGIN | CMD_WRITES | CMD_NETWORK,
        .usage = "invite HANDLE --as partner|mentor",
        .summary = "ask someone to be your study partner or your mentor",
        .help = "  --as partner      mutual: each of you sees the other's log\n"
                "  --as mentor       one way: they see your log and may comment\n"
                "Nothing is shared until they run 'cairn accept YOUR-HANDLE'.\n"
                "Private entries (log --private) are never shared.\n"
                "\n"
                "EXAMPLES:\n"
                "  cairn invite sam --as partner\n"
                "  cairn invite ines --as mentor\n",
};

const struct cmd cmd_invites_entry = {
        .name = "invites",
        .fn = cmd_invites,
        .flags = CMD_NEEDS_HOME | CMD_NEEDS_LOGIN | CMD_WRITES | CMD_NETWORK,
        .usage = "invites [--offline]",
        .summary = "list invitations to and from you",
        .help = "  --offline         what the server said at the last sync\n"
                "--json: [{handle, role, incoming, at, group}].\n"
                "\n"
                "EXAMPLES:\n"
                "  cairn invites\n"
                "  cairn invites --offline --json\n",
};

const struct cmd cmd_accept_entry = {
        .name = "accept",
        .fn = cmd_accept,
        .flags = CMD_NEEDS_HOME | CMD_NEEDS_LOGIN | CMD_WRITES | CMD_NETWORK,
        .usage = "accept HANDLE [--as partner|mentor]",
        .summary = "accept HANDLE's invitation",
        .help = "Your next 'cairn sync' brings the log you can now see.\n"
                "\n"
                "EXAMPLES:\n"
                "  cairn accept maya\n"
                "  cairn accept maya --as mentor\n",
};

const struct cmd cmd_decline_entry = {
        .name = "decline",
        .fn = cmd_decline,
        .flags = CMD_NEEDS_HOME | CMD_NEEDS_LOGIN | CMD_WRITES | CMD_NETWORK,
        .usage = "decline HANDLE [--as partner|mentor]",
        .summary = "decline HANDLE's invitation",
        .help = "EXAMPLES:\n"
                "  cairn decline carol\n"
                "  cairn decline maya --as mentor\n",
};

const struct cmd cmd_people_entry = {
        .name = "people",
        .fn = cmd_people,
        .flags = CMD_NEEDS_HOME | CMD_NEEDS_LOGIN | CMD_WRITES | CMD_NETWORK,
        .usage = "people [--offline]",
        .summary = "list your partners, mentors and mentees",
        .help = "  --offline         what the server said at the last sync\n"
                "Members of your study groups are your partners while you stay.\n"
                "--json: [{handle, role, since, group}], role partner, mentor\n"
                "(they mentor you) or mentee (you mentor them).\n"
                "\n"
                "EXAMPLES:\n"
                "  cairn people\n"
                "  cairn people --offline --json\n",
};

const struct cmd cmd_drop_entry = {
        .name = "drop",
        .fn = cmd_drop,
        .flags = CMD_NEEDS_HOME | CMD_NEEDS_LOGIN | CMD_WRITES | CMD_NETWORK,
        .usage = "drop HANDLE",
        .summary = "end a partnership or mentorship",
        .help = "Also withdraws invitations between you. After their next sync\n"
                "your log is gone from their machines, and theirs from yours.\n"
                "\n"
                "EXAMPLES:\n"
                "  cairn drop sam\n",
};

#define PEOPLE_CACHE_KEY "people"

int
people_cache_put(struct cli *c, const Cairn__Response *resp)
{
	uint8_t *buf = NULL;
	size_t len;
	int rc;

	if (resp->body_case != CAIRN__RESPONSE__BODY_PEOPLE ||
	    resp->people == NULL)
		return cli_err(CAIRN_EPROTO,
		               "the server did not answer with your people");
	len = cairn__people_ok__get_packed_size(resp->people);
	if ((buf = malloc(len > 0 ? len : 1)) == NULL)
		return CAIRN_ENOMEM;
	cairn__people_ok__pack(resp->people, buf);
	rc = store_cache_put(c->st, PEOPLE_CACHE_KEY, buf, len);
	free(buf);
	if (rc != CAIRN_OK)
		return cli_err(rc, "cannot save your people: %s",
		               store_errmsg(c->st));
	return CAIRN_OK;
}

int
people_cache_load(struct cli *c, Cairn__PeopleOk **out)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	int rc;

	rc = store_cache_get(c->st, PEOPLE_CACHE_KEY, &buf, &len);
	if (rc == CAIRN_ENOTFOUND) {
		/* Never synced since people came: an empty list. */
		*out = cairn__people_ok__unpack(NULL, 0, (const uint8_t *)"");
		return *out != NULL ? CAIRN_OK : CAIRN_ENOMEM;
	}
	if (rc != CAIRN_OK)
		return cli_err(rc, "cannot read your people: %s",
		               store_errmsg(c->st));
	*out = cairn__people_ok__unpack(NULL, len, buf);
	free(buf);
	if (*out == NULL)
		return cli_err(
		        CAIRN_ESTORAGE,
		        "the saved people list is unreadable; run 'cairn sync'");
	return CAIRN_OK;
}

int
people_role(const Cairn__PeopleOk *p, const char *handle, int role)
{
	size_t i;

	for (i = 0; i < p->n_people; i++)
		if (strcmp(p->people[i]->handle, handle) == 0 &&
		    (role == 0 || (int)p->people[i]->role == role))
			return (int)p->people[i]->role;
	return 0;
}

const char *
people_role_name(int role)
{
	switch (role) {
	case CAIRN__ROLE__ROLE_PARTNER:
		return "partner";
	case CAIRN__ROLE__ROLE_MENTOR:
		return "mentor";
	case CAIRN__ROLE__ROLE_MENTEE:
		return "mentee";
	default:
		return "group";
	}
}

/* Sends one people request and caches the answer; *out is new. */
static int
people_call(struct cli *c, Cairn__Request *req, Cairn__Response **out)
{
	struct errbuf err = {""};
	struct net_conn *n = NULL;
	Cairn__Response *resp = NULL;
	int rc;

	if ((rc = cli_net_open(c, 1, &n)) != CAIRN_OK)
		goto out;
	if ((rc = net_call(n, req, &resp, &err)) != CAIRN_OK) {
		rc = cli_errbuf(rc, &err);
		goto out;
	}
	if ((rc = people_cache_put(c, resp)) != CAIRN_OK)
		goto out;
	*out = resp;
	resp = NULL;
out:
	msg_free_response(resp);
	net_close(n);
	return rc;
}

/* "2026-12-01" of unix time t in the local zone ("-" for 0). */
static void
people_date(int64_t t, char out[11])
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t <= 0 || localtime_r(&tt, &tm) == NULL) {
		snprintf(out, 11, "-");
		return;
	}
	strftime(out, 11, "%Y-%m-%d", &tm);
}

/* Checks the one HANDLE argument of a command. */
static int
people_handle(struct cli *c, int argc, char **argv, const char **handle)
{
	if (argc - cli_optind() != 1)
		return cli_usage(c, "expected one HANDLE");
	*handle = argv[cli_optind()];
	if (!handle_valid(*handle))
		return cli_err(
		        CAIRN_EINVAL,
		        "bad handle '%s': 2 to 32 of a-z 0-9 _ -, starting with a letter",
		        *handle);
	return CAIRN_OK;
}

/* Parses --as partner|mentor into a wire role (0 if not given). */
static int
people_as(const char *arg, Cairn__Role *role)
{
	if (strcmp(arg, "partner") == 0)
		*role = CAIRN__ROLE__ROLE_PARTNER;
	else if (strcmp(arg, "mentor") == 0)
		*role = CAIRN__ROLE__ROLE_MENTOR;
	else
		return cli_err(CAIRN_EUSAGE,
		               "--as takes partner or mentor, not '%s'", arg);
	return CAIRN_OK;
}

int
cmd_invite(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
	        {"as", required_argument, NULL, 'a'},
	        {NULL, 0, NULL, 0},
	};
	Cairn__Request req = CAIRN__REQUEST__INIT;
	Cairn__Invite m = CAIRN__INVITE__INIT;
	Cairn__Response *resp = NULL;
	const char *handle = NULL, *arg;
	int ch, rc, now;

	m.role = CAIRN__ROLE__ROLE_UNSPECIFIED;
	while ((ch = cli_getopt(c, argc, argv, opts, &arg)) != -1) {
		if (ch < 0)
			return ch;
		if ((rc = people_as(arg, &m.role)) != CAIRN_OK)
			return rc;
	}
	if ((rc = people_handle(c, argc, argv, &handle)) != CAIRN_OK)
		return rc;
	if (m.role == CAIRN__ROLE__ROLE_UNSPECIFIED)
		return cli_usage(c, "say --as partner or --as mentor");
	m.handle = (char *)handle;
	req.body_case = CAIRN__REQUEST__BODY_INVITE;
	req.invite = &m;
	if ((rc = people_call(c, &req, &resp)) != CAIRN_OK)
		return rc;
	/* They had invited us: the server took this as a yes. */
	now = people_role(resp->people, handle, CAIRN__ROLE__ROLE_PARTNER) !=
	              0 &&
	      m.role == CAIRN__ROLE__ROLE_PARTNER;
	if (c->json)
		rc = out_json(json_pack("{s:s, s:s, s:b}", "handle", handle,
		                        "role", people_role_name(m.role),
		                        "accepted", now));
	else if (now)
		printf("%s had invited you: you are partners now; run 'cairn sync' to get their log\n",
		       handle);
	else if (m.role == CAIRN__ROLE__ROLE_PARTNER)
		printf("invited %s to be your study partner; they accept with 'cairn accept %s'\n",
		       handle, c->handle);
	else
		printf("asked %s to be your mentor; they accept with 'cairn accept %s'\n",
		       handle, c->handle);
	msg_free_response(resp);
	return rc;
}

/* accept and decline. */
static int
people_answer(struct cli *c, int argc, char **argv, int accept)
{
	static const struct option opts[] = {
	        {"as", required_argument, NULL, 'a'},
	        {NULL, 0, NULL, 0},
	};
	Cairn__Request req = CAIRN__REQUEST__INIT;
	Cairn__Answer m = CAIRN__ANSWER__INIT;
	Cairn__Response *resp = NULL;
	const char *handle = NULL, *arg;
	int ch, rc, role;

	while ((ch = cli_getopt(c, argc, argv, opts, &arg)) != -1) {
		if (ch < 0)
			return ch;
		if ((rc = people_as(arg, &m.role)) != CAIRN_OK)
			return rc;
	}
	if ((rc = people_handle(c, argc, argv, &handle)) != CAIRN_OK)
		return rc;
	m.handle = (char *)handle;
	m.accept = accept;
	req.body_case = CAIRN__REQUEST__BODY_ANSWER;
	req.answer = &m;
	if ((rc = people_call(c, &req, &resp)) != CAIRN_OK)
		return rc;
	role = people_role(resp->people, handle, 0);
	if (c->json)
		rc = out_json(
		        json_pack("{s:s, s:b, s:s?}", "handle", handle,
		                  "accepted", accept, "role",
		                  accept ? people_role_name(role) : NULL));
	else if (!accept)
		printf("declined %s's invitation\n", handle);
	else if (role == CAIRN__ROLE__ROLE_MENTEE)
		printf("you are now %s's mentor; run 'cairn sync' to get their log, then 'cairn mentees'\n",
		       handle);
	else if (role == CAIRN__ROLE__ROLE_MENTOR)
		printf("%s is now your mentor\n", handle);
	else
		printf("%s is now your study partner; run 'cairn sync' to get their log\n",
		       handle);
	msg_free_response(resp);
	return rc;
}

int
cmd_accept(struct cli *c, int argc, char **argv)
{
	return people_answer(c, argc, argv, 1);
}

int
cmd_decline(struct cli *c, int argc, char **argv)
{
	return people_answer(c, argc, argv, 0);
}

int
cmd_drop(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {{NULL, 0, NULL, 0}};
	Cairn__Request req = CAIRN__REQUEST__INIT;
	Cairn__Drop m = CAIRN__DROP__INIT;
	Cairn__Response *resp = NULL;
	const char *handle = NULL, *arg;
	int ch, rc, still;

	while ((ch = cli_getopt(c, argc, argv, opts, &arg)) != -1)
		if (ch < 0)
			return ch;
	if ((rc = people_handle(c, argc, argv, &handle)) != CAIRN_OK)
		return rc;
	m.handle = (char *)handle;
	req.body_case = CAIRN__REQUEST__BODY_DROP;
	req.drop = &m;
	if ((rc = people_call(c, &req, &resp)) != CAIRN_OK)
		return rc;
	still = people_role(resp->people, handle, 0) != 0;
	if (c->json)
		rc = out_json(json_pack("{s:s, s:b, s:b}", "handle", handle,
		                        "dropped", 1, "still_sharing", still));
	else if (still)
		printf("dropped %s, but you are still in a study group together and keep seeing each other; 'cairn group leave NAME' ends that\n",
		       handle);
	else
		printf("dropped %s: from their next sync they no longer have your log, and yours forgets theirs\n",
		       handle);
	msg_free_response(resp);
	return rc;
}

/* Fetches the list from the server (or the cache with --offline). */
static int
people_fetch(struct cli *c, int argc, char **argv, Cairn__PeopleOk **ok,
             Cairn__Response **resp)
{
	static const struct option opts[] = {
	        {"offline", no_argument, NULL, 'o'},
	        {NULL, 0, NULL, 0},
	};
	Cairn__Request req = CAIRN__REQUEST__INIT;
	Cairn__PeopleList m = CAIRN__PEOPLE_LIST__INIT;
	const char *arg;
	int ch, offline = 0, rc;

	while ((ch = cli_getopt(c, argc, argv, opts, &arg)) != -1) {
		if (ch < 0)
			return ch;
		offline = 1;
	}
	if (cli_optind() < argc)
		return cli_usage(c, "unexpected argument");
	*resp = NULL;
	if (offline)
		return people_cache_load(c, ok);
	req.body_case = CAIRN__REQUEST__BODY_PEOPLE;
	req.people = &m;
	if ((rc = people_call(c, &req, resp)) != CAIRN_OK)
		return rc;
	*ok = (*resp)->people;
	return CAIRN_OK;
}

/* Frees what people_fetch returned. */
static void
people_fetch_free(Cairn__PeopleOk *ok, Cairn__Response *resp)
{
	if (resp != NULL)
		msg_free_response(resp);
	else if (ok != NULL)
		cairn__people_ok__free_unpacked(ok, NULL);
}

int
cmd_people(struct cli *c, int argc, char **argv)
{
	Cairn__Response *resp = NULL;
	Cairn__PeopleOk *ok = NULL;
	char since[11], label[80];
	json_t *arr, *o;
	size_t i;
	int rc;

	if ((rc = people_fetch(c, argc, argv, &ok, &resp)) != CAIRN_OK)
		return rc;
	if (c->json) {
		if ((arr = json_array()) == NULL) {
			rc = CAIRN_ENOMEM;
			goto out;
		}
		for (i = 0; i < ok->n_people; i++) {
			const Cairn__Person *p = ok->people[i];

			o = json_pack("{s:s, s:s, s:o, s:o}", "handle",
			              p->handle, "role",
			              people_role_name(p->role), "since",
			              out_time_or_null(p->since), "group",
			              out_str_or_null(p->group));
			json_array_append_new(arr, o);
		}
		rc = out_json(arr);
		goto out;
	}
	if (ok->n_people == 0)
		printf("nobody yet: 'cairn invite HANDLE --as partner' or '--as mentor'\n");
	for (i = 0; i < ok->n_people; i++) {
		const Cairn__Person *p = ok->people[i];

		people_date(p->since, since);
		if (p->group[0] != '\0')
			snprintf(label, sizeof(label), "partner (group %s)",
			         p->group);
		else
			snprintf(label, sizeof(label), "%s",
			         people_role_name(p->role));
		printf("%-16s %-24s since %s\n", p->handle, label, since);
	}
	for (i = 0; i < ok->n_groups; i++)
		printf("group %s: %zu member(s), %zu invited\n",
		       ok->groups[i]->name, ok->groups[i]->n_members,
		       ok->groups[i]->n_invited);
out:
	people_fetch_free(ok, resp);
	return rc;
}

int
cmd_invites(struct cli *c, int argc, char **argv)
{
	Cairn__Response *resp = NULL;
	Cairn__PeopleOk *ok = NULL;
	char at[11];
	json_t *arr, *o;
	size_t i;
	int rc, pass, any;

	if ((rc = people_fetch(c, argc, argv, &ok, &resp)) != CAIRN_OK)
		return rc;
	if (c->json) {
		if ((arr = json_array()) == NULL) {
			rc = CAIRN_ENOMEM;
			goto out;
		}
		for (i = 0; i < ok->n_invites; i++) {
			const Cairn__Invitation *v = ok->invites[i];

			o = json_pack("{s:s, s:s?, s:b, s:o, s:o}", "handle",
			              v->handle, "role",
			              v->group[0] != '\0'
			                      ? NULL
			                      : people_role_name(v->role),
			              "incoming", v->incoming, "at",
			              out_time_or_null(v->at), "group",
			              out_str_or_null(v->group));
			json_array_append_new(arr, o);
		}
		rc = out_json(arr);
		goto out;
	}
	for (pass = 1; pass >= 0; pass--) {
		any = 0;
		for (i = 0; i < ok->n_invites; i++) {
			const Cairn__Invitation *v = ok->invites[i];

			if ((int)v->incoming != pass)
				continue;
			if (!any++)
				printf("%s:\n", pass ? "incoming" : "outgoing");
			people_date(v->at, at);
			if (v->group[0] != '\0')
				printf("  %-16s to group %s, %s  ('cairn group join %s')\n",
				       v->handle, v->group, at, v->group);
			else if (pass)
				printf("  %-16s as your %s, %s  ('cairn accept %s')\n",
				       v->handle,
				       v->role == CAIRN__ROLE__ROLE_MENTOR
				               ? "mentor"
				               : "partner",
				       at, v->handle);
			else
				printf("  %-16s as %s, %s\n", v->handle,
				       v->role == CAIRN__ROLE__ROLE_MENTOR
				               ? "your mentor"
				               : "your partner",
				       at);
		}
	}
	if (ok->n_invites == 0)
		printf("no invitations\n");
out:
	people_fetch_free(ok, resp);
	return rc;
}
