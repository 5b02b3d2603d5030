/*
 * cairn init: makes a home, or points one at a server and says what the
 * home trusts to vouch for it: the CA given with --ca, pinned by copying
 * it into the home (nothing else is trusted), or, only when asked with
 * --system-ca, the system's CA store. Without either, a home that already
 * trusts something keeps it, and a new one is refused: no home trusts a
 * CA silently. Without --server it makes a home that works offline until
 * it is pointed at a server. Every other command needs a home init made,
 * and a failed init leaves nothing behind.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cairn.h"
#include "err.h"

const struct cmd cmd_init_entry = {
        .name = "init",
        .fn = cmd_init,
        .flags = CMD_NEEDS_HOME | CMD_MAKES_HOME | CMD_WRITES,
        .usage = "init [--server HOST:PORT (--ca FILE | --system-ca)]",
        .summary = "make this home, or point it at a server",
        .help = "Makes the home (see --home) and points it at a cairnd server. HOST\n"
                "may be a name, an IPv4 address or [IPv6]. Every other command needs\n"
                "a home that init made; a failed init leaves nothing behind.\n"
                "  --server HOST:PORT  the server this home syncs with\n"
                "  --ca FILE           the server's CA certificate (ca.pem from its\n"
                "                      operator): copied into the home and pinned;\n"
                "                      every connection is verified against it alone\n"
                "  --system-ca         trust this system's CA store instead, for a\n"
                "                      server with a public CA's certificate\n"
                "With --server, one of --ca and --system-ca is required the first\n"
                "time; init says what the home trusts (the CA's subject and SHA-256\n"
                "fingerprint, to compare with the operator's). Later, init with\n"
                "--server alone keeps what the home trusts.\n"
                "Without --server, init makes a home that works offline (log, plans,\n"
                "views) before you have an account or a server; run init again with\n"
                "--server when you have one, and your records sync from then on. On\n"
                "an existing home, init alone changes nothing and says what it uses.\n"
                "The home is kept private: 0700, its files 0600.\n"
                "\n"
                "EXAMPLES:\n"
                "  cairn init --server cairn.example.org:7420 --ca ca.pem\n"
                "  cairn init --server [2001:db8::5]:7420 --system-ca\n"
                "  cairn init\n"
                "  cairn --home ~/cairn-work init --server 127.0.0.1:7420 --ca ca.pem\n",
};

/* Prints (or adds to the JSON) what the home uses and trusts now. */
static int
init_say(struct cli *c, const char *server, const char *from)
{
	struct errbuf err = {""};
	char path[CLI_PATH_MAX], desc[512];
	int rc, trust;

	if (server == NULL || server[0] == '\0') {
		if (c->json)
			return out_json(json_pack("{s:s, s:n, s:n, s:n}",
			                          "home", c->home, "server",
			                          "trust", "ca"));
		printf("home %s works offline: it has no server yet\n",
		       c->home);
		printf("next: cairn log ..., and cairn init --server HOST:PORT --ca FILE when you have a server\n");
		return CAIRN_OK;
	}
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

/*
 * Writes what init was asked to (ca.pem, then config, the mark of a home)
 * into a home that exists. A new home also gets its store first.
 */
static int
init_write(struct cli *c, const char *server, const char *ca_data,
           size_t ca_len, int system_ca)
{
	struct errbuf err = {""};
	char path[CLI_PATH_MAX];
	int rc;

	if (c->st == NULL &&
	    ((rc = home_path(c->home, "cairn.db", path, sizeof(path), &err)) ||
	     (rc = store_open(path, 0, &c->st, &err))))
		return cli_errbuf(rc, &err);
	if (ca_data != NULL &&
	    (rc = home_ca_save(c->home, ca_data, ca_len, &err)) != CAIRN_OK)
		return cli_errbuf(rc, &err);
	if (system_ca && (rc = home_trust_system(c->home, &err)) != CAIRN_OK)
		return cli_errbuf(rc, &err);
	if ((rc = home_config_write(c->home, server, &err)) != CAIRN_OK)
		return cli_errbuf(rc, &err);
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
	struct home_made made;
	char host[CLI_HOST_MAX], port[CLI_PORT_MAX], real[CLI_PATH_MAX];
	const char *server = NULL, *ca = NULL, *arg;
	char *ca_data = NULL;
	size_t ca_len = 0;
	int ch, rc, system_ca = 0, fresh = c->st == NULL;

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
	if (server == NULL && (ca != NULL || system_ca))
		return cli_usage(c, "--ca and --system-ca go with --server");
	if (ca != NULL && system_ca)
		return cli_usage(c, "give --ca FILE or --system-ca, not both");
	/* Init alone on a home changes nothing: it says what it uses. */
	if (server == NULL && !fresh)
		return init_say(c, c->server, NULL);
	if (server != NULL &&
	    (strlen(server) >= CLI_SERVER_MAX ||
	     home_split_server(server, host, sizeof(host), port,
	                       sizeof(port)) != CAIRN_OK))
		return cli_err(
		        CAIRN_EUSAGE,
		        "bad server '%s': expected HOST:PORT or [IPv6]:PORT",
		        server);
	/* c->ca is the home's ca.pem when it has one. */
	if (server != NULL && ca == NULL && !system_ca &&
	    home_trust(c->ca) == HOME_TRUST_NONE)
		return cli_err(
		        CAIRN_EUSAGE,
		        "--ca FILE is required: the server's CA certificate (ca.pem, from its operator); or --system-ca to trust this system's CA store instead");
	/* Everything is checked before anything is written. */
	if (ca != NULL &&
	    (rc = home_ca_load(ca, &ca_data, &ca_len, &err)) != CAIRN_OK)
		return cli_errbuf(rc, &err);
	if (fresh && (rc = home_make(c->home, &made, &err)) != CAIRN_OK) {
		rc = cli_errbuf(rc, &err);
		goto out;
	}
	if ((rc = init_write(c, server, ca_data, ca_len, system_ca)) !=
	    CAIRN_OK) {
		if (fresh) {
			store_close(c->st);
			c->st = NULL;
			home_unmake(c->home, &made);
		}
		goto out;
	}
	if (fresh && realpath(c->home, real) != NULL)
		memcpy(c->home, real, sizeof(real));
	rc = init_say(c, server, ca);
out:
	free(ca_data);
	return rc;
}
