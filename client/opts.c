/*
 * What the commands share: getopt_long with cairn's one-line usage errors,
 * and net_open with this home's server and login state.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cairn.h"
#include "err.h"

int
cli_usage(struct cli *c, const char *what)
{
	return cli_err(CAIRN_EUSAGE, "%s; usage: cairn %s", what,
	               c->cmd->usage);
}

int
cli_getopt(struct cli *c, int argc, char **argv, const struct option *longopts,
           const char **arg)
{
	int ch;

	opterr = 0;
	ch = getopt_long(argc, argv, ":", longopts, NULL);
	*arg = optarg;
	if (ch == '?') {
		if (optopt != 0)
			return cli_err(
			        CAIRN_EUSAGE,
			        "unknown option '-%c'; see 'cairn help %s'",
			        optopt, c->cmd->name);
		return cli_err(CAIRN_EUSAGE,
		               "unknown option '%s'; see 'cairn help %s'",
		               argv[optind - 1], c->cmd->name);
	}
	if (ch == ':')
		return cli_err(CAIRN_EUSAGE,
		               "option '%s' needs a value; see 'cairn help %s'",
		               argv[optind - 1], c->cmd->name);
	return ch;
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
