/*
 * cairn init: points a home at a server and says what the home trusts to
 * vouch for it: the CA given with --ca, pinned by copying it into the home
 * (nothing else is trusted), or, only when asked with --system-ca, the
 * system's CA store. Without either, a home that already trusts something
 * keeps it, and a new one is refused: no home trusts a CA silently.
 */
#include <stdio.h>
#include <string.h>

#include "cairn.h"
#include "err.h"

const struct cmd cmd_init_entry = {
        .name = "init",
        .fn = cmd_init,
        .flags = CMD_NEEDS_HOME | CMD_WRITES,
        .usage = "init --server HOST:PORT (--ca FILE | --system-ca)",
        .summary = "point this home at a server",
        .help = "Points this home at a cairnd server. HOST may be a name, an IPv4\n"
                "address or [IPv6].\n"
                "  --ca FILE         the server's CA certificate (ca.pem from its\n"
                "                    operator): copied into the home and pinned;\n"
                "                    every connection is verified against it alone\n"
                "  --system-ca       trust this system's CA store instead, for a\n"
                "                    server with a public CA's certificate\n"
                "One of them is required the first time; init says what the home\n"
                "trusts (the CA's subject and SHA-256 fingerprint, to compare with\n"
                "the operator's). Later, init without either keeps what the home\n"
                "trusts. The home is kept private: 0700, its files 0600.\n",
};

/* Prints (or adds to the JSON) what the home trusts now. */
static int
init_say(struct cli *c, const char *server, const char *from)
{
	struct errbuf err = {""};
	char path[CLI_PATH_MAX], desc[512];
	int rc, trust;

	if ((rc = home_path(c->home, "ca.pem", path, sizeof(path), &err)) !=
	    CAIRN_OK)
		return cli_errbuf(rc, &err);
	trust = home_trust(path);
	desc[0] = '\0';
	if (trust == HOME_TRUST_PINNED &&
	    home_ca_describe(path, desc, sizeof(desc)) != CAIRN_OK)
		return cli_err(
		        CAIRN_EINVAL,
		        "%s holds no certificate that can be read; run 'cairn init --server %s --ca FILE'",
		        path, server);
	if (c->json)
		return out_json(json_pack(
		        "{s:s, s:s, s:s, s:s?}", "home", c->home, "server",
		        server, "trust",
		        trust == HOME_TRUST_SYSTEM ? "system" : "pinned", "ca",
		        trust == HOME_TRUST_SYSTEM ? NULL : desc));
	printf("home %s now uses %s\n", c->home, server);
	if (trust == HOME_TRUST_SYSTEM)
		printf("trusts the system's CA store (--system-ca): any CA this machine trusts may vouch for %s\n",
		       server);
	else
		printf("trusts only the CA pinned in %s%s%s: %s\n", path,
		       from != NULL ? ", from " : "", from != NULL ? from : "",
		       desc);
	if (c->token_len == 0)
		printf("next: cairn register HANDLE, or cairn login HANDLE\n");
	return CAIRN_OK;
}

int
cmd_init(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
	        {"server", required_argument, NULL, 's'},
	        {"ca", required_argument, NULL, 'c'},
	        {"system-ca", no_argument, NULL, 'S'},
	        {NULL, 0, NULL, 0},
	};
	struct errbuf err = {""};
	char host[CLI_HOST_MAX], port[CLI_PORT_MAX];
	const char *server = NULL, *ca = NULL, *arg;
	int ch, rc, system_ca = 0;

	while ((ch = cli_getopt(c, argc, argv, opts, &arg)) != -1) {
		if (ch < 0)
			return ch;
		if (ch == 's')
			server = arg;
		else if (ch == 'c')
			ca = arg;
		else if (ch == 'S')
			system_ca = 1;
	}
	if (cli_optind() < argc)
		return cli_usage(c, "unexpected argument");
	if (server == NULL)
		return cli_usage(c, "--server is required");
	if (ca != NULL && system_ca)
		return cli_usage(c, "give --ca FILE or --system-ca, not both");
	if (strlen(server) >= CLI_SERVER_MAX ||
	    home_split_server(server, host, sizeof(host), port, sizeof(port)) !=
	            CAIRN_OK)
		return cli_err(
		        CAIRN_EUSAGE,
		        "bad server '%s': expected HOST:PORT or [IPv6]:PORT",
		        server);
	/* c->ca is the home's ca.pem when it has one. */
	if (ca == NULL && !system_ca && home_trust(c->ca) == HOME_TRUST_NONE)
		return cli_err(
		        CAIRN_EUSAGE,
		        "--ca FILE is required: the server's CA certificate (ca.pem, from its operator); or --system-ca to trust this system's CA store instead");
	if (ca != NULL && (rc = home_copy_ca(c->home, ca, &err)) != CAIRN_OK)
		return cli_errbuf(rc, &err);
	if (system_ca && (rc = home_trust_system(c->home, &err)) != CAIRN_OK)
		return cli_errbuf(rc, &err);
	if ((rc = home_config_write(c->home, server, &err)) != CAIRN_OK)
		return cli_errbuf(rc, &err);
	return init_say(c, server, ca);
}
