/*
 * What the commands share: getopt_long with cairn's one-line usage errors
 * (whole option names only, and the closest real one for a typo), and
 * net_open with this home's server and login state.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cairn.h"
#include "err.h"

#define CLI_OPTS_MAX 64     /* long options one command may have */
#define SUGGEST_NAME_MAX 65 /* longest option name suggested for, with NUL */

int
cli_usage(struct cli *c, const char *what)
{
	return cli_err(CAIRN_EUSAGE, "%s; usage: cairn %s", what,
	               c->cmd->usage);
}

/*
 * Completion's probe (cli_probe_options): when probe_fd is open, cli_getopt
 * writes the long options it is shown there, one "NAME ARG" line each (ARG
 * is 0, 1 or 2 as getopt's has_arg), and stops the command, so completion
 * lists exactly the arrays the commands parse with.
 */
static int probe_fd = -1;

void
cli_probe_options(int fd)
{
	probe_fd = fd;
}

static int
probe_write(const struct option *longopts)
{
	char line[96];
	size_t i;
	int n;

	for (i = 0; longopts[i].name != NULL; i++) {
		n = snprintf(line, sizeof(line), "%s %d\n", longopts[i].name,
		             longopts[i].has_arg);
		if (n > 0 && (size_t)n < sizeof(line) &&
		    write(probe_fd, line, (size_t)n) != n)
			break;
	}
	return cli_err(CAIRN_EUSAGE, "options listed for completion");
}

/*
 * An option getopt did not take: "--name", "--name=value" or "-x". Says
 * which option of which command, and the closest real one when a letter
 * or two is off. --json and --help count: the dispatcher takes them.
 */
static int
unknown_option(struct cli *c, const char *word, const struct option *longopts)
{
	const char *cands[CLI_OPTS_MAX + 2], *hit;
	char name[SUGGEST_NAME_MAX];
	size_t n = 0, len;

	if (strncmp(word, "--", 2) != 0 || word[2] == '\0')
		return cli_err(
		        CAIRN_EUSAGE,
		        "unknown option '%s' for '%s'; see 'cairn help %s'",
		        word, c->cmd->name, c->cmd->name);
	len = strcspn(word + 2, "=");
	if (len >= sizeof(name))
		len = sizeof(name) - 1;
	memcpy(name, word + 2, len);
	name[len] = '\0';
	for (n = 0; longopts[n].name != NULL && n < CLI_OPTS_MAX; n++) {
		cands[n] = longopts[n].name;
		/* A flag given a value: --private=yes. */
		if (strcmp(name, cands[n]) == 0 && word[2 + len] == '=' &&
		    longopts[n].has_arg == no_argument)
			return cli_err(
			        CAIRN_EUSAGE,
			        "option '--%s' takes no value; see 'cairn help %s'",
			        name, c->cmd->name);
	}
	cands[n++] = "json";
	cands[n++] = "help";
	if ((hit = suggest_closest(name, cands, n)) != NULL)
		return cli_err(
		        CAIRN_EUSAGE,
		        "unknown option '--%s' for '%s'; did you mean '--%s'?",
		        name, c->cmd->name, hit);
	return cli_err(CAIRN_EUSAGE,
	               "unknown option '--%s' for '%s'; see 'cairn help %s'",
	               name, c->cmd->name, c->cmd->name);
}

int
cli_getopt(struct cli *c, int argc, char **argv, const struct option *longopts,
           const char **arg)
{
	const char *word;
	size_t len;
	int ch, idx = -1;

	if (probe_fd >= 0)
		return probe_write(longopts);
	opterr = 0;
	ch = getopt_long(argc, argv, ":", longopts, &idx);
	*arg = optarg;
	if (ch == '?') {
		word = argv[optind - 1];
		if (optopt != 0 && strncmp(word, "--", 2) != 0)
			return cli_err(
			        CAIRN_EUSAGE,
			        "unknown option '-%c' for '%s'; see 'cairn help %s'",
			        optopt, c->cmd->name, c->cmd->name);
		return unknown_option(c, word, longopts);
	}
	if (ch == ':')
		return cli_err(CAIRN_EUSAGE,
		               "option '%s' needs a value; see 'cairn help %s'",
		               argv[optind - 1], c->cmd->name);
	if (ch == -1 || idx < 0)
		return ch;
	/*
	 * getopt_long takes any unambiguous abbreviation (--act for
	 * --activity); a script written that way breaks the day another
	 * option starts with the same letters, so only whole names pass.
	 * The option's word is the one before its value when the value came
	 * as the next word.
	 */
	word = argv[optind - 1];
	if (optarg != NULL && optarg == argv[optind - 1] && optind >= 2)
		word = argv[optind - 2];
	len = strcspn(word, "=");
	if (len < 2 || strncmp(word, "--", 2) != 0 ||
	    (len - 2 == strlen(longopts[idx].name) &&
	     strncmp(word + 2, longopts[idx].name, len - 2) == 0))
		return ch;
	return cli_err(CAIRN_EUSAGE,
	               "unknown option '%.*s' for '%s'; did you mean '--%s'?",
	               (int)len, word, c->cmd->name, longopts[idx].name);
}

int
cli_optind(void)
{
	return optind;
}

void
cli_net_target(const struct cli *c, struct net_target *t)
{
	memset(t, 0, sizeof(*t));
	t->server = c->server;
	t->ca = c->ca;
	t->handle = c->handle;
	t->device = c->device;
	t->token = c->token;
	t->token_len = c->token_len;
}

int
cli_net_open(struct cli *c, int auth, struct net_conn **out)
{
	struct errbuf err = {""};
	struct net_target t;
	int rc;

	cli_net_target(c, &t);
	if ((rc = net_open(&t, auth, out, &err)) != CAIRN_OK)
		return cli_errbuf(rc, &err);
	return CAIRN_OK;
}
