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

static const struct cmd cmd_help_entry = {
        .name = "help",
        .fn = cmd_help,
        .flags = 0,
        .usage = "help [COMMAND|TOPIC]",
        .summary = "show help",
        .help = "Without COMMAND: every command, the exit codes and the environment.\n"
                "Manual pages: cairn(1), cairnd(8), cairn-sync(7), cairn-dates(7).\n"
                "\n"
                "EXAMPLES:\n"
                "  cairn help\n"
                "  cairn help log\n"
                "  cairn log --help\n",
};

/* The command list, in the order 'cairn help' shows it. */
static const struct cmd *const commands[] = {
        /* clang-format off */
	&cmd_init_entry,
	&cmd_register_entry,
	&cmd_login_entry,
	&cmd_logout_entry,
	&cmd_whoami_entry,
	&cmd_devices_entry,
	&cmd_log_entry,
	&cmd_start_entry,
	&cmd_stop_entry,
	&cmd_cancel_entry,
	&cmd_continue_entry,
	&cmd_status_entry,
	&cmd_ls_entry,
	&cmd_show_entry,
	&cmd_edit_entry,
	&cmd_rm_entry,
	&cmd_undo_entry,
	&cmd_sync_entry,
	&cmd_plan_entry,
	&cmd_week_entry,
	&cmd_streak_entry,
	&cmd_heatmap_entry,
	&cmd_report_entry,
	&cmd_predict_entry,
	&cmd_commit_entry,
	&cmd_invite_entry,
	&cmd_invites_entry,
	&cmd_accept_entry,
	&cmd_decline_entry,
	&cmd_people_entry,
	&cmd_drop_entry,
	&cmd_feed_entry,
	&cmd_comment_entry,
	&cmd_inbox_entry,
	&cmd_mentees_entry,
	&cmd_review_entry,
	&cmd_group_entry,
	&cmd_help_entry,
	&cmd_completion_entry,
        /* clang-format on */
};

#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

const struct cmd *const *
cli_commands(size_t *n)
{
	*n = N_COMMANDS;
	return commands;
}

/* The error for a command name not in the table, with the closest one. */
static int
unknown_command(const char *name, int topics_too)
{
	const char *names[N_COMMANDS + 16], *hit;
	const char *what = topics_too ? "command or topic" : "command";
	size_t i, n;

	for (i = 0; i < N_COMMANDS; i++)
		names[i] = commands[i]->name;
	n = N_COMMANDS;
	if (topics_too)
		n += help_topic_names(names + n, 16);
	if ((hit = suggest_closest(name, names, n)) != NULL)
		return cli_err(CAIRN_EUSAGE,
		               "unknown %s '%s'; did you mean '%s'?", what,
		               name, hit);
	return cli_err(CAIRN_EUSAGE, "unknown %s '%s'; see 'cairn help'", what,
	               name);
}

static const struct cmd *
find_command(const char *name)
{
	size_t i;

	for (i = 0; i < N_COMMANDS; i++)
		if (strcmp(commands[i]->name, name) == 0)
			return commands[i];
	return NULL;
}

/* The environment cairn reads; cairn(1) says the same. */
static const char help_environment[] =
        "ENVIRONMENT:\n"
        "  CAIRN_HOME     the home (database, config, pinned CA) when --home is\n"
        "                 not given\n"
        "  XDG_DATA_HOME  without either, the home is $XDG_DATA_HOME/cairn (an\n"
        "                 absolute path), else ~/.local/share/cairn\n"
        "  NO_COLOR       set (to anything): no colour, as when output is not a\n"
        "                 terminal\n"
        "  CAIRN_NOW      a date (YYYY-MM-DD) or an RFC 3339 time that stands for\n"
        "                 now: today, this week and streaks count from it\n"
        "  PAGER          the pager long output goes through on a terminal\n"
        "  TZ             the zone days and weeks are counted in (each entry\n"
        "                 keeps the offset where it was logged)\n";

static void
usage_all(FILE *f)
{
	size_t i;

	fprintf(f,
	        "usage: cairn [--home DIR] [--json] COMMAND [ARGS]\n\n"
	        "--home DIR and --json may also follow the command. Start with\n"
	        "'cairn init' (see 'cairn help init'); other commands need a home.\n\n"
	        "commands:\n");
	for (i = 0; i < N_COMMANDS; i++)
		fprintf(f, "  %-10s %s\n", commands[i]->name,
		        commands[i]->summary);
	fprintf(f, "\n%s", help_environment);
	fprintf(f,
	        "\nRun 'cairn help COMMAND' for a command's options.\n"
	        "Exit codes: 0 ok, 1 internal or storage, 2 usage, 3 network or TLS,\n4 authentication, 5 not found or invalid, 6 server busy.\n"
	        "A failure prints one line on stderr; with --json it also prints\n"
	        "{\"error\": {\"code\": NAME, \"exit\": N, \"message\": TEXT}} on stdout,\n"
	        "NAME being the error's name (ENOTFOUND, EAUTHREQ, ENOCONFIG...).\n");
	help_topics_list(f);
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
	if ((cmd = find_command(argv[1])) == NULL &&
	    help_topic_show(stdout, argv[1]))
		return CAIRN_OK;
	if (cmd == NULL)
		return unknown_command(argv[1], 1);
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
	if ((rc = home_resolve(home_opt, c->home, sizeof(c->home), &err)) !=
	    CAIRN_OK)
		return cli_errbuf(rc, &err);
	rc = home_open(c->home, &err);
	/* Only init runs where there is no home yet, and makes one. */
	if (rc == CAIRN_ENOCONFIG && (flags & CMD_MAKES_HOME))
		return CAIRN_OK;
	if (rc != CAIRN_OK)
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

/*
 * Long options of the commands that take their value as the next word
 * ("--note TEXT"): a word after one of them is that value, even when it
 * reads "--json" or "--home". An option missing here is read as a flag,
 * so a "--json" after it is cairn's own, as before.
 */
static const char *const value_opts[] = {
        "activity", "ago",      "as",         "at",      "ca",
        "code",     "comment",  "confidence", "date",    "days-per-week",
        "device",   "duration", "format",     "from",    "hours-per-week",
        "item",     "limit",    "max-gap",    "metric",  "min",
        "note",     "out",      "plan",       "replace", "server",
        "since",    "skill",    "start",      "text",    "to",
        "today",    "until",    "user",       "week",    "weeks",
};

/* 1 if word is a long option (no "=VALUE") that takes the next word. */
static int
takes_value(const char *word)
{
	size_t i;

	if (strncmp(word, "--", 2) != 0 || strchr(word, '=') != NULL)
		return 0;
	for (i = 0; i < sizeof(value_opts) / sizeof(value_opts[0]); i++)
		if (strcmp(word + 2, value_opts[i]) == 0)
			return 1;
	return 0;
}

/*
 * Takes cairn's own options out of a command's argv (after the command,
 * before "--", and not where they are another option's value): "--json"
 * sets c->json, "--home DIR" and "--home=DIR" set *home_opt.
 */
static int
strip_globals(struct cli *c, int *argcp, char **argv, const char **home_opt)
{
	int i, j, argc = *argcp;

	for (i = 1, j = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0) {
			while (i < argc)
				argv[j++] = argv[i++];
			break;
		}
		if (strcmp(argv[i], "--json") == 0) {
			c->json = 1;
		} else if (strncmp(argv[i], "--home=", 7) == 0) {
			*home_opt = argv[i] + 7;
		} else if (strcmp(argv[i], "--home") == 0) {
			if (i + 1 >= argc)
				return cli_err(CAIRN_EUSAGE,
				               "option '--home' needs a DIR");
			*home_opt = argv[++i];
		} else {
			argv[j++] = argv[i];
			/* Its value stays with it, whatever it reads. */
			if (takes_value(argv[i]) && i + 1 < argc)
				argv[j++] = argv[++i];
		}
	}
	argv[j] = NULL;
	*argcp = j;
	return CAIRN_OK;
}

/* 1 if "--json" is among argv[1..] before "--" (for early errors). */
static int
asks_json(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "--json") == 0)
			return 1;
	return 0;
}

/*
 * The error document of --json, printed on stdout beside the line on
 * stderr, so a script reads one JSON document whatever happened.
 */
static void
json_error(int rc, const char *message)
{
	json_t *doc;

	doc = json_pack("{s:{s:s, s:i, s:s}}", "error", "code", err_name(rc),
	                "exit", err_exit_code(rc), "message", message);
	if (doc == NULL)
		return;
	if (json_dumpf(doc, stdout, JSON_INDENT(2)) == 0)
		fputc('\n', stdout);
	json_decref(doc);
	fflush(stdout);
}

int
main(int argc, char **argv)
{
	static struct cli cli;
	const char *home_opt = NULL, *msg;
	int i, rc = CAIRN_OK, early_json = 0;

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
			printf("cairn %s\n", CAIRN_VERSION);
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
	/* Read only if the command is unknown: then nothing else is. */
	early_json = asks_json(argc - i, argv + i);
	if ((cli.cmd = find_command(argv[i])) == NULL) {
		rc = unknown_command(argv[i], 0);
		goto out;
	}
	argc -= i;
	argv += i;
	if ((rc = strip_globals(&cli, &argc, argv, &home_opt)) != CAIRN_OK)
		goto out;
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
	/*
	 * A reader that went away (cairn ls | head) took what it wanted: no
	 * error to report, and no failure for a shell with pipefail.
	 */
	if (rc == CAIRN_EIO && errno == EPIPE)
		return EXIT_OK;
	if (rc != CAIRN_OK) {
		msg = cli_errmsg() != NULL ? cli_errmsg() : err_message(rc);
		fprintf(stderr, "cairn: %s\n", msg);
		if (cli.json || (cli.cmd == NULL && early_json))
			json_error(rc, msg);
		return err_exit_code(rc);
	}
	return EXIT_OK;
}
