/*
 * cairn, the command-line client: global options, the command table and
 * the dispatcher that enforces each command's flags (home, login, writes,
 * network) once, so commands only do their own work.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cairn.h"
#include "err.h"

static int cmd_help(struct cli *c, int argc, char **argv);

#define ENTRY_OPTIONS \
	"  --date DATE       YYYY-MM-DD, today or yesterday (local time)\n" \
	"  --at HH:MM        local start time\n" \
	"  --skill NAME      a skill practised (repeatable)\n" \
	"  --item ITEM       the plan item this session belongs to\n" \
	"  --metric K=N      a measurement, e.g. --metric pages=12 " \
	"(repeatable)\n" \
	"  --private         only this learner's own machines see it\n"

static const struct cmd commands[] = {
        {"init", cmd_init, CMD_NEEDS_HOME | CMD_WRITES,
         "init --server HOST:PORT (--ca FILE | --system-ca)",
         "point this home at a server",
         "Points this home at a cairnd server. HOST may be a name, an IPv4\n"
         "address or [IPv6].\n"
         "  --ca FILE         the server's CA certificate (ca.pem from its\n"
         "                    operator): copied into the home and pinned;\n"
         "                    every connection is verified against it alone\n"
         "  --system-ca       trust this system's CA store instead, for a\n"
         "                    server with a public CA's certificate\n"
         "One of them is required the first time; init says what the home\n"
         "trusts (the CA's subject and SHA-256 fingerprint, to compare with\n"
         "the operator's). Later, init without either keeps what the home\n"
         "trusts. The home is kept private: 0700, its files 0600.\n"},
        {"register", cmd_register, CMD_NEEDS_HOME | CMD_WRITES | CMD_NETWORK,
         "register HANDLE [--password-stdin] [--code CODE] [--device NAME]",
         "create an account and log this device in",
         "  --password-stdin  read the password as one line from stdin\n"
         "  --code CODE       invite code, when the server is invite-only\n"
         "  --device NAME     a name for this device (default: host name)\n"
         "Without --password-stdin the password is read from the terminal\n"
         "without echo. Passwords are 8 to 1024 bytes.\n"},
        {"login", cmd_login, CMD_NEEDS_HOME | CMD_WRITES | CMD_NETWORK,
         "login HANDLE [--password-stdin] [--device NAME]",
         "log this device in",
         "  --password-stdin  read the password as one line from stdin\n"
         "  --device NAME     a name for this device (default: host name)\n"
         "Each login makes a new device with its own revocable token.\n"
         "Refused when this home holds another learner's records.\n"},
        {"logout", cmd_logout,
         CMD_NEEDS_HOME | CMD_NEEDS_LOGIN | CMD_WRITES | CMD_NETWORK, "logout",
         "revoke this device and forget its token",
         "Local records stay; log in again to sync them.\n"},
        {"whoami", cmd_whoami, CMD_NEEDS_HOME | CMD_NEEDS_LOGIN, "whoami",
         "show the handle, server and device of this home",
         "Works offline. Exit code 4 when not logged in.\n"},
        {"devices", cmd_devices,
         CMD_NEEDS_HOME | CMD_NEEDS_LOGIN | CMD_WRITES | CMD_NETWORK,
         "devices [revoke ID-PREFIX]", "list or revoke your devices",
         "Without arguments lists every device of your account. 'devices\n"
         "revoke ID' revokes one (any unique prefix of 6 or more\n"
         "characters); revoking this device logs it out.\n"},
        {"log", cmd_log, CMD_NEEDS_HOME | CMD_WRITES,
         "log DURATION ACTIVITY [TEXT] [options]", "record a practice session",
         "DURATION is like 45m, 1h30m or 2h. ACTIVITY is project, drill,\n"
         "reading, retrieval, review, community, planning or a lowercase\n"
         "word of your own. Works offline.\n" ENTRY_OPTIONS
         "When the session started: with --at, at that time (today unless\n"
         "--date says otherwise); with only --date, it ended now if DATE is\n"
         "today, else it started at 12:00 that day; with neither, it ended\n"
         "now.\n"},
        {"start", cmd_start, CMD_NEEDS_HOME | CMD_WRITES,
         "start ACTIVITY [TEXT] [--limit DURATION] [--item ITEM]",
         "start the timer",
         "  --limit DURATION  a time box: the entry records whether the\n"
         "                    session ended within it\n"
         "  --item ITEM       the plan item; a time-boxed drill's limit is\n"
         "                    the timer's unless --limit is given\n"
         "Only one timer runs at a time; 'cairn stop' makes the entry.\n"},
        {"stop", cmd_stop, CMD_NEEDS_HOME | CMD_WRITES, "stop [--note TEXT]",
         "stop the timer and log the session",
         "  --note TEXT       added to the session's text\n"
         "Minutes are rounded, at least 1, at most 24 hours.\n"},
        {"status", cmd_status, CMD_NEEDS_HOME, "status",
         "show the running timer and unsynced changes", ""},
        {"ls", cmd_ls, CMD_NEEDS_HOME,
         "ls [--since DATE] [--until DATE] [--limit N] [--user HANDLE]",
         "list entries, newest first",
         "  --since DATE      from this local date on (inclusive)\n"
         "  --until DATE      up to this local date (inclusive)\n"
         "  --limit N         at most N entries\n"
         "  --user HANDLE     only this learner's entries\n"
         "A * marks entries not yet synced.\n"},
        {"show", cmd_show, CMD_NEEDS_HOME, "show ID", "show one entry",
         "ID is any unique prefix of 6 or more characters.\n"},
        {"edit", cmd_edit, CMD_NEEDS_HOME | CMD_WRITES,
         "edit ID [--duration D] [--activity A] [--text TEXT] [options]",
         "change an entry",
         "  --duration D      new duration\n"
         "  --activity A      new activity\n"
         "  --text TEXT       new text\n" ENTRY_OPTIONS
         "  --public          undo --private\n"
         "--date keeps the time of day; --at keeps the date. --skill and\n"
         "--metric replace the lists when given.\n"},
        {"rm", cmd_rm, CMD_NEEDS_HOME | CMD_WRITES, "rm ID", "delete an entry",
         "The delete syncs to your other machines.\n"},
        {"sync", cmd_sync,
         CMD_NEEDS_HOME | CMD_NEEDS_LOGIN | CMD_WRITES | CMD_NETWORK, "sync",
         "push local changes, then pull everyone else's",
         "Progress is shown on a terminal. Ctrl-C stops after the current\n"
         "batch; run sync again to continue.\n"},
        {"plan", cmd_plan, CMD_NEEDS_HOME | CMD_WRITES,
         "plan SUBCOMMAND [ARGS]", "import, follow and export a study plan",
         "  plan import FILE [--start YYYY-MM-DD] [--dry-run]\n"
         "      read a Markdown or text plan and print what was understood;\n"
         "      weeks and months become dates counted from --start (default:\n"
         "      a 'Start: YYYY-MM-DD' line in the plan, else the Monday of\n"
         "      this week). The plan imported last is active.\n"
         "  plan use PLAN                  make PLAN the active plan\n"
         "  plan ls [--user HANDLE]        list plans (* marks the active one)\n"
         "  plan show [PLAN] [--user HANDLE] [--notes]\n"
         "      the tree: short item IDs, windows, done marks, minutes\n"
         "      logged under each item, attempts at time-boxed drills\n"
         "  plan done ITEM...              tick items\n"
         "  plan reopen ITEM...            untick items\n"
         "  plan status [--user HANDLE] [--today YYYY-MM-DD]\n"
         "      week of the plan, current phase, due and overdue items,\n"
         "      hours this week against the schedule, time per activity\n"
         "      against the allocation\n"
         "  plan export [PLAN] [--out FILE]  Markdown with ticked boxes\n"
         "PLAN is an ID prefix or a unique piece of a title; ITEM is an ID\n"
         "prefix (6 or more characters) or a unique piece of an item's\n"
         "title in the active plan. Days count from $CAIRN_NOW (YYYY-MM-DD)\n"
         "when it is set, else from today. --json shapes: plan ls\n"
         "[{id,title,start,active}]; plan show {id,title,start,\n"
         "hours_per_week: {min,max} or null, schedule: [{day,hours,\n"
         "activity}], items: [{id,parent,kind,title,from,to,done,minutes}]}.\n"},
        {"week", cmd_week, CMD_NEEDS_HOME, "week [WEEK] [--user HANDLE]",
         "your week: days by activity against the plan",
         "WEEK is this (default), last, YYYY-Www or a date in it. One line\n"
         "a day (a bar split by activity, the time, what the plan asks),\n"
         "then the total against the plan's hours, the streak, plan items\n"
         "worked on, drills against their time boxes, the week's\n"
         "predictions (and earlier ones still open), broken commitments\n"
         "and comments. Days are the learner's own (the date where each\n"
         "session was logged); today follows TZ, or $CAIRN_NOW (a date or\n"
         "an RFC 3339 time). --json: numbers, e.g. days[].minutes,\n"
         "minutes, target_minutes, streak.\n"},
        {"streak", cmd_streak, CMD_NEEDS_HOME,
         "streak [--user HANDLE] [--min DURATION]",
         "days in a row with practice, now and at best",
         "  --min DURATION    what makes a day count (default 15m)\n"
         "A day the plan's schedule leaves free does not break a run.\n"},
        {"heatmap", cmd_heatmap, CMD_NEEDS_HOME,
         "heatmap [--weeks N] [--user HANDLE]",
         "a calendar of the last weeks, shaded by time",
         "  --weeks N         how many weeks (default 26, as many as fit)\n"
         "Colour and shading only on a terminal without NO_COLOR; plain\n"
         "characters otherwise (. none, - <30m, + <1h, * <2h, # 2h+).\n"},
        {"report", cmd_report, CMD_NEEDS_HOME,
         "report [--weeks N] [--user HANDLE] [--format html|md] [--out FILE] [--private]",
         "a report to send a mentor",
         "  --weeks N         weeks to cover (default 8)\n"
         "  --format FORMAT   html (default): one self-contained file,\n"
         "                    inline SVG and CSS, no script, nothing\n"
         "                    fetched, readable in print and dark mode;\n"
         "                    md: the same as Markdown\n"
         "  --out FILE        write there instead of standard output\n"
         "  --private         include your private entries (left out,\n"
         "                    since a report is made to be sent)\n"
         "Hours per week against the plan, the heatmap, time per activity\n"
         "against the plan's allocation, the plan's timeline, drills\n"
         "against their time boxes, prediction calibration, sessions.\n"},
        {"predict", cmd_predict, CMD_NEEDS_HOME | CMD_WRITES,
         "predict TEXT [--confidence PERCENT] [--week WEEK] | predict ls [--week WEEK] [--user HANDLE] | predict resolve ID right|wrong|partly [--note TEXT]",
         "the prediction game: Monday's guesses, Friday's answers",
         "On Monday write down what will break, what will be harder than\n"
         "expected and what numbers you will see, each with how sure you\n"
         "are (50 to 100, default 70). On Friday resolve them. predict ls\n"
         "shows them and your calibration: per confidence band the share\n"
         "that came true, and the Brier score (mean of (p - outcome)^2;\n"
         "partly counts 0.5), overall and for the last 8 weeks. A\n"
         "prediction still open after its week shows as DUE in week.\n"},
        {"commit", cmd_commit, CMD_NEEDS_HOME | CMD_WRITES,
         "commit [--max-gap DAYS | --days-per-week N | --hours-per-week H]",
         "a rule you make with your partners",
         "  --max-gap DAYS        at most DAYS days in a row without practice\n"
         "  --days-per-week N     at least N days with practice each week\n"
         "  --hours-per-week H    at least H hours each week\n"
         "Without an option: your rules and when they were broken. A new\n"
         "value replaces the old. Partners and mentors see the rule, and\n"
         "their inbox and mentees say when it is broken.\n"},
        {"invite", cmd_invite,
         CMD_NEEDS_HOME | CMD_NEEDS_LOGIN | CMD_WRITES | CMD_NETWORK,
         "invite HANDLE --as partner|mentor",
         "ask someone to be your study partner or your mentor",
         "  --as partner      mutual: each of you sees the other's log\n"
         "  --as mentor       one way: they see your log and may comment\n"
         "Nothing is shared until they run 'cairn accept YOUR-HANDLE'.\n"
         "Private entries (log --private) are never shared.\n"},
        {"invites", cmd_invites,
         CMD_NEEDS_HOME | CMD_NEEDS_LOGIN | CMD_WRITES | CMD_NETWORK,
         "invites [--offline]", "list invitations to and from you",
         "  --offline         what the server said at the last sync\n"
         "--json: [{handle, role, incoming, at, group}].\n"},
        {"accept", cmd_accept,
         CMD_NEEDS_HOME | CMD_NEEDS_LOGIN | CMD_WRITES | CMD_NETWORK,
         "accept HANDLE [--as partner|mentor]", "accept HANDLE's invitation",
         "Your next 'cairn sync' brings the log you can now see.\n"},
        {"decline", cmd_decline,
         CMD_NEEDS_HOME | CMD_NEEDS_LOGIN | CMD_WRITES | CMD_NETWORK,
         "decline HANDLE [--as partner|mentor]", "decline HANDLE's invitation",
         ""},
        {"people", cmd_people,
         CMD_NEEDS_HOME | CMD_NEEDS_LOGIN | CMD_WRITES | CMD_NETWORK,
         "people [--offline]", "list your partners, mentors and mentees",
         "  --offline         what the server said at the last sync\n"
         "Members of your study groups are your partners while you stay.\n"
         "--json: [{handle, role, since, group}], role partner, mentor\n"
         "(they mentor you) or mentee (you mentor them).\n"},
        {"drop", cmd_drop,
         CMD_NEEDS_HOME | CMD_NEEDS_LOGIN | CMD_WRITES | CMD_NETWORK,
         "drop HANDLE", "end a partnership or mentorship",
         "Also withdraws invitations between you. After their next sync\n"
         "your log is gone from their machines, and theirs from yours.\n"},
        {"feed", cmd_feed, CMD_NEEDS_HOME | CMD_WRITES,
         "feed [--since DATE] [--follow]",
         "check-ins of everyone you can see, newest last",
         "  --since DATE      from this local date (default: a week ago)\n"
         "  --follow          then stay connected and print check-ins as\n"
         "                    others sync them; Ctrl-C ends\n"
         "Without --follow it reads this home only (run 'cairn sync'\n"
         "first). --json: an array of entries as in ls --json; with\n"
         "--follow, one entry object a line as they come.\n"},
        {"comment", cmd_comment, CMD_NEEDS_HOME | CMD_NEEDS_LOGIN | CMD_WRITES,
         "comment ID TEXT | comment --week HANDLE WEEK TEXT",
         "comment on an entry or on a learner's week",
         "ID is an entry's ID (6 or more characters), yours or one you\n"
         "can see. WEEK is this, last, YYYY-Www or a date in it. Works\n"
         "offline; 'cairn sync' sends it.\n"},
        {"inbox", cmd_inbox, CMD_NEEDS_HOME | CMD_NEEDS_LOGIN | CMD_WRITES,
         "inbox [--all]",
         "new comments and reviews on your work, and invitations",
         "  --all             every comment, not only new ones\n"
         "Reads this home (run 'cairn sync' first) and marks what it\n"
         "shows as read. --json: {comments: [...], invites: [...]}.\n"},
        {"mentees", cmd_mentees, CMD_NEEDS_HOME | CMD_NEEDS_LOGIN, "mentees",
         "your mentees at a glance",
         "One line each: hours this week against their plan's target,\n"
         "last check-in, streak, behind or on track, weeks you have not\n"
         "reviewed. Behind: fewer hours so far this week than the plan\n"
         "asks by today, or a milestone or phase overdue. Reads this\n"
         "home (run 'cairn sync' first).\n"},
        {"review", cmd_review, CMD_NEEDS_HOME | CMD_NEEDS_LOGIN | CMD_WRITES,
         "review HANDLE [--week WEEK] [--comment TEXT]",
         "read a mentee's week and mark it reviewed",
         "  --week WEEK       this, last (default), YYYY-Www or a date\n"
         "  --comment TEXT    also comment on that week\n"},
        {"group", cmd_group, CMD_NEEDS_HOME | CMD_WRITES,
         "group create|invite|join|leave|board|ls [NAME] [HANDLE]",
         "study groups: members are each other's partners",
         "  group create NAME             a new group, with you in it\n"
         "  group invite NAME HANDLE      invite someone (members only)\n"
         "  group join NAME               accept an invitation\n"
         "  group leave NAME              leave (or decline)\n"
         "  group board NAME [--week WEEK]\n"
         "      this week's hours per member against their own plan's\n"
         "      target, ranked (reads this home: sync first)\n"
         "  group ls                      your groups\n"
         "NAME is 1-64 of a-z, 0-9, _ and -.\n"},
        {"help", cmd_help, 0, "help [COMMAND]", "show help", ""},
};

#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static const struct cmd *
find_command(const char *name)
{
	size_t i;

	for (i = 0; i < N_COMMANDS; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

static void
usage_all(FILE *f)
{
	size_t i;

	fprintf(f, "usage: cairn [--home DIR] [--json] COMMAND [ARGS]\n\n"
	           "commands:\n");
	for (i = 0; i < N_COMMANDS; i++)
		fprintf(f, "  %-9s %s\n", commands[i].name,
		        commands[i].summary);
	fprintf(f,
	        "\nRun 'cairn help COMMAND' for a command's options.\n"
	        "Exit codes: 0 ok, 1 internal or storage, 2 usage, 3 network or TLS,\n4 authentication, 5 not found or invalid, 6 server busy.\n");
}

static void
usage_one(FILE *f, const struct cmd *cmd)
{
	fprintf(f, "usage: cairn %s\n\n%s.\n", cmd->usage, cmd->summary);
	if (cmd->help[0] != '\0')
		fprintf(f, "\n%s", cmd->help);
}

static int
cmd_help(struct cli *c, int argc, char **argv)
{
	const struct cmd *cmd;

	if (argc > 2)
		return cli_usage(c, "too many arguments");
	if (argc < 2) {
		usage_all(stdout);
		return CAIRN_OK;
	}
	if ((cmd = find_command(argv[1])) == NULL)
		return cli_err(CAIRN_EUSAGE,
		               "unknown command '%s'; see 'cairn help'",
		               argv[1]);
	usage_one(stdout, cmd);
	return CAIRN_OK;
}

/* Hex text of a token back into bytes. */
static int
unhex(const char *s, uint8_t *out, size_t max, size_t *len)
{
	size_t n = strlen(s), i;
	unsigned int v;

	if (n % 2 != 0 || n / 2 > max)
		return CAIRN_ESTORAGE;
	for (i = 0; i < n / 2; i++) {
		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			return CAIRN_ESTORAGE;
		out[i] = (uint8_t)v;
	}
	*len = n / 2;
	return CAIRN_OK;
}

/* Loads the login state (handle, device id, token) from the store. */
static int
load_login(struct cli *c)
{
	char hex[2 * CLI_TOKEN_MAX + 1];
	int rc;

	rc = store_meta_get(c->st, "handle", c->handle, sizeof(c->handle));
	if (rc == CAIRN_ENOTFOUND)
		c->handle[0] = '\0';
	else if (rc != CAIRN_OK)
		return rc;
	rc = store_meta_get(c->st, "device_id", c->device, sizeof(c->device));
	if (rc == CAIRN_ENOTFOUND)
		c->device[0] = '\0';
	else if (rc != CAIRN_OK)
		return rc;
	c->token_len = 0;
	rc = store_meta_get(c->st, "token", hex, sizeof(hex));
	if (rc == CAIRN_ENOTFOUND)
		return CAIRN_OK;
	if (rc != CAIRN_OK)
		return rc;
	return unhex(hex, c->token, sizeof(c->token), &c->token_len);
}

/* Opens the home, its config and store as the command's flags say. */
static int
prepare(struct cli *c, const char *home_opt)
{
	struct errbuf err = {""};
	char path[CLI_PATH_MAX];
	struct stat sb;
	int rc, flags = c->cmd->flags;

	if (!(flags & CMD_NEEDS_HOME))
		return CAIRN_OK;
	if ((rc = home_resolve(home_opt, c->home, sizeof(c->home), &err)) ||
	    (rc = home_prepare(c->home, &err)))
		return cli_errbuf(rc, &err);
	/* Messages and --json name the home absolutely. */
	if (realpath(c->home, path) != NULL)
		memcpy(c->home, path, sizeof(path));
	if ((rc = home_config_read(c->home, c->server, sizeof(c->server),
	                           &err)) ||
	    (rc = home_path(c->home, "ca.pem", path, sizeof(path), &err)))
		return cli_errbuf(rc, &err);
	if (stat(path, &sb) == 0)
		memcpy(c->ca, path, sizeof(path));
	if ((rc = home_path(c->home, "cairn.db", path, sizeof(path), &err)) ||
	    (rc = store_open(path, !(flags & CMD_WRITES), &c->st, &err)))
		return cli_errbuf(rc, &err);
	if ((rc = load_login(c)) != CAIRN_OK)
		return cli_err(rc, "cannot read the login state from %s: %s",
		               path, store_errmsg(c->st));
	if ((flags & CMD_NETWORK) && c->server[0] == '\0')
		return cli_err(
		        CAIRN_ENOCONFIG,
		        "this home has no server; run 'cairn init --server HOST:PORT --ca FILE'");
	if ((flags & CMD_NEEDS_LOGIN) && c->token_len == 0)
		return cli_err(CAIRN_EAUTHREQ,
		               "not logged in; run 'cairn login %s'",
		               c->handle[0] != '\0' ? c->handle : "HANDLE");
	return CAIRN_OK;
}

/* 1 if argv (after the command, before "--") asks for --help. */
static int
wants_help(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			return 0;
		if (strcmp(argv[i], "--help") == 0 ||
		    strcmp(argv[i], "-h") == 0)
			return 1;
	}
	return 0;
}

/* Removes "--json" from argv (before "--"), setting c->json. */
static int
strip_json(struct cli *c, int argc, char **argv)
{
	int i, j;

	for (i = 1, j = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0) {
			while (i < argc)
				argv[j++] = argv[i++];
			break;
		}
		if (strcmp(argv[i], "--json") == 0)
			c->json = 1;
		else
			argv[j++] = argv[i];
	}
	argv[j] = NULL;
	return j;
}

int
main(int argc, char **argv)
{
	static struct cli cli;
	const char *home_opt = NULL;
	int i, rc = CAIRN_OK;

	umask(077);
	signal(SIGPIPE, SIG_IGN);
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			cli.json = 1;
		else if (strcmp(argv[i], "--home") == 0 && i + 1 < argc)
			home_opt = argv[++i];
		else if (strncmp(argv[i], "--home=", 7) == 0)
			home_opt = argv[i] + 7;
		else if (strcmp(argv[i], "--help") == 0 ||
		         strcmp(argv[i], "-h") == 0) {
			usage_all(stdout);
			goto out;
		} else if (strcmp(argv[i], "--version") == 0) {
			printf("cairn %s\n", CAIRN_CLIENT_VERSION);
			goto out;
		} else if (strcmp(argv[i], "--home") == 0) {
			rc = cli_err(CAIRN_EUSAGE,
			             "option '--home' needs a DIR");
			goto out;
		} else if (argv[i][0] == '-') {
			rc = cli_err(
			        CAIRN_EUSAGE,
			        "unknown global option '%s'; see 'cairn help'",
			        argv[i]);
			goto out;
		} else
			break;
	}
	if (i >= argc) {
		usage_all(stderr);
		rc = cli_err(CAIRN_EUSAGE, "no command given");
		goto out;
	}
	if ((cli.cmd = find_command(argv[i])) == NULL) {
		rc = cli_err(CAIRN_EUSAGE,
		             "unknown command '%s'; see 'cairn help'", argv[i]);
		goto out;
	}
	argc -= i;
	argv += i;
	argc = strip_json(&cli, argc, argv);
	if (wants_help(argc, argv)) {
		usage_one(stdout, cli.cmd);
		goto out;
	}
	if ((rc = prepare(&cli, home_opt)) != CAIRN_OK)
		goto out;
	optind = 0;
	rc = cli.cmd->fn(&cli, argc, argv);
out:
	store_close(cli.st);
	explicit_bzero(cli.token, sizeof(cli.token));
	if (fflush(stdout) != 0 && rc == CAIRN_OK)
		rc = cli_err(CAIRN_EIO, "cannot write to standard output");
	/* A reader that went away (cairn ls | head) is no error to report. */
	if (rc == CAIRN_EIO && errno == EPIPE)
		return EXIT_FAIL;
	if (rc != CAIRN_OK) {
		fprintf(stderr, "cairn: %s\n",
		        cli_errmsg() != NULL ? cli_errmsg() : err_message(rc));
		return err_exit_code(rc);
	}
	return EXIT_OK;
}
