/*
 * cairn init: points a home at a server and pins the server's CA by
 * copying it into the home.
 */
#include <stdio.h>
#include <string.h>

#include "cairn.h"
#include "err.h"

int
cmd_init(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
	        {"server", required_argument, NULL, 's'},
	        {"ca", required_argument, NULL, 'c'},
	        {NULL, 0, NULL, 0},
	};
	struct errbuf err = {""};
	char host[CLI_HOST_MAX], port[CLI_PORT_MAX];
	const char *server = NULL, *ca = NULL, *arg;
	json_t *doc;
	int ch, rc;

	while ((ch = cli_getopt(c, argc, argv, opts, &arg)) != -1) {
		if (ch < 0)
			return ch;
		if (ch == 's')
			server = arg;
		else if (ch == 'c')
			ca = arg;
	}
	if (cli_optind() < argc)
		return cli_usage(c, "unexpected argument");
	if (server == NULL)
		return cli_usage(c, "--server is required");
	if (strlen(server) >= CLI_SERVER_MAX ||
	    home_split_server(server, host, sizeof(host), port, sizeof(port)) !=
	            CAIRN_OK)
		return cli_err(
		        CAIRN_EUSAGE,
		        "bad server '%s': expected HOST:PORT or [IPv6]:PORT",
		        server);
	if (ca != NULL && (rc = home_copy_ca(c->home, ca, &err)) != CAIRN_OK)
		return cli_errbuf(rc, &err);
	if ((rc = home_config_write(c->home, server, &err)) != CAIRN_OK)
		return cli_errbuf(rc, &err);
	if (c->json) {
		doc = json_pack("{s:s, s:s}", "home", c->home, "server",
		                server);
		return out_json(doc);
	}
	printf("home %s now uses %s%s\n", c->home, server,
	       ca != NULL ? " (CA pinned)" : "");
	if (c->token_len == 0)
		printf("next: cairn register HANDLE, or cairn login HANDLE\n");
	return CAIRN_OK;
}
