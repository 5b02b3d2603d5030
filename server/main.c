/*
 * cairnd's entry point: command-line options (getopt_long), the optional
 * --config file ("key = value" lines with the long option names; the
 * command line wins), --help, --version, and the invite-code and migrate
 * subcommands.
 * Then server_run does the work.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cairnd.h"
#include "conf.h"
#include "err.h"
#include "log.h"

#define MAIN_PAIRS_MAX 64

static const char main_usage[] =
        "usage: cairnd --listen ADDR:PORT --db PATH --cert FILE --key FILE\n"
        "              [--registration open|invite] [--config FILE]\n"
        "              [--max-conns N] [--max-conns-per-ip N]\n"
        "              [--max-conns-per-user N]\n"
        "              [--handshake-timeout S] [--auth-timeout S]\n"
        "              [--idle-timeout S] [--write-timeout S] [--heartbeat S]\n"
        "              [--login-limit N] [--login-ip-limit N]\n"
        "              [--register-limit N] [--hash-limit N]\n"
        "              [--input-budget MB] [--quota-records N] [--quota-mb MB]\n"
        "              [--log-level debug|info|warn|error]\n"
        "       cairnd invite-code --db PATH [--uses N]\n"
        "       cairnd migrate --from FILE --to URL\n"
        "       cairnd --help | --version\n"
        "\n"
        "The cairn sync server: TLS 1.3 on ADDR:PORT, data in a SQLite file\n"
        "or a PostgreSQL database.\n"
        "\n"
        "  --listen ADDR:PORT    address to listen on: IPv4, [IPv6] or\n"
        "                        localhost; port 0 picks a free port (the\n"
        "                        server.listen log line shows it)\n"
        "  --db PATH             SQLite database, created if missing; or\n"
        "                        postgresql://USER@HOST/DB: PostgreSQL, which\n"
        "                        several cairnd may share (docs/operating.md)\n"
        "  --cert FILE           server certificate chain (PEM)\n"
        "  --key FILE            server private key (PEM)\n"
        "  --registration MODE   open (default): anyone who reaches the\n"
        "                        port may create accounts (limited by\n"
        "                        --register-limit and the quotas) and fill\n"
        "                        the disk up to them; invite: register\n"
        "                        needs a code from 'cairnd invite-code'\n"
        "  --config FILE         read \"key = value\" lines with these long\n"
        "                        option names (listen, db, cert, key, ...);\n"
        "                        options on the command line win\n"
        "\n"
        "Connections (defaults hold 1,024 hostile connections in under\n"
        "256 MB; see docs/security.md):\n"
        "  --max-conns N         most open connections (default 1024); when\n"
        "                        full, the oldest connection that has not\n"
        "                        logged in is closed to make room\n"
        "  --max-conns-per-ip N  most connections from one address (default\n"
        "                        64; raise it for learners behind one NAT;\n"
        "                        IPv6 addresses count by their /64)\n"
        "  --max-conns-per-user N most connections with a session of one\n"
        "                        account (default 32)\n"
        "  --handshake-timeout S close a connection that has not finished the\n"
        "                        TLS handshake in S seconds (default 10)\n"
        "  --auth-timeout S      close a connection not logged in S seconds\n"
        "                        after it opened (default 30)\n"
        "  --idle-timeout S      close a connection silent for S seconds\n"
        "                        (default 300)\n"
        "  --write-timeout S     close a connection that reads none of its\n"
        "                        replies for S seconds (default 30)\n"
        "  --heartbeat S         live-feed followers ('cairn feed --follow')\n"
        "                        are not timed out; they get a heartbeat\n"
        "                        after S quiet seconds (default 25)\n"
        "  --input-budget MB     most request bytes buffered across all\n"
        "                        connections (default 64)\n"
        "\n"
        "Accounts:\n"
        "  --login-limit N       password checks per handle a minute,\n"
        "                        counted when they start (default 5)\n"
        "  --login-ip-limit N    password checks per address a minute\n"
        "                        (default 20)\n"
        "  --register-limit N    registrations per address an hour\n"
        "                        (default 20)\n"
        "  --hash-limit N        password hashes in flight at once (default\n"
        "                        8; each takes 16 MiB and ~50 ms of a core)\n"
        "  --quota-records N     most records one learner may store (default\n"
        "                        200000; 0: no limit)\n"
        "  --quota-mb MB         most record bytes one learner may store\n"
        "                        (default 256; 0: no limit)\n"
        "\n"
        "  --log-level LEVEL     debug, info (default), warn or error; logs\n"
        "                        go to stderr, one line per event\n"
        "  -h, --help            show this help\n"
        "  -V, --version         show the version\n"
        "\n"
        "invite-code: print a new registration code stored in the database\n"
        "  --db PATH             the server's database\n"
        "  --uses N              how many registrations it allows (default 1)\n"
        "\n"
        "migrate: copy a SQLite database into an empty PostgreSQL database,\n"
        "ids, change log and epoch included, so clients carry on unchanged\n"
        "  --from FILE           the SQLite database (stop its cairnd first)\n"
        "  --to URL              postgresql://USER@HOST/DB\n"
        "\n"
        "SIGINT or SIGTERM stops the server cleanly: it finishes the commits\n"
        "in flight, answers them, closes connections and exits 0.\n"
        "Exit codes: 0 ok, 1 runtime failure, 2 usage error.\n"
        "\n"
        "EXAMPLES:\n"
        "  cairnd --listen 0.0.0.0:7443 --db cairn.db --cert server.pem --key server.key\n"
        "  cairnd --listen 0.0.0.0:7443 --db postgresql://cairn@db.example/cairn --cert server.pem --key server.key\n"
        "  cairnd invite-code --db cairn.db --uses 5\n"
        "  cairnd migrate --from cairn.db --to postgresql://cairn@db.example/cairn\n";

/* A setting from the command line, applied after the config file. */
struct main_pair {
	const char *key;
	const char *value;
};

static int main_usage_error(const char *fmt, ...)
        __attribute__((format(printf, 1, 2)));

static int
main_usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "cairnd: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see cairnd --help)\n");
	return EXIT_USAGE;
}

/* Parses a decimal number in lo..hi. */
static int
main_number(const char *s, unsigned lo, unsigned hi, unsigned *out)
{
	unsigned long v;
	char *end;

	if (*s < '0' || *s > '9')
		return CAIRN_EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < lo || v > hi)
		return CAIRN_EINVAL;
	*out = (unsigned)v;
	return CAIRN_OK;
}

static int
main_copy(char *dst, size_t len, const char *key, const char *value)
{
	if (strlen(value) >= len || value[0] == '\0')
		return main_usage_error("bad value for %s", key);
	snprintf(dst, len, "%s", value);
	return EXIT_OK;
}

/* The numeric settings: name, field, range and unit for the message. */
struct main_number_opt {
	const char *name;
	size_t offset;
	unsigned lo, hi;
	const char *unit;
};

#define MAIN_NUM(name, field, lo, hi, unit) \
	{ \
		name, offsetof(struct config, field), lo, hi, unit \
	}

static const struct main_number_opt main_numbers[] = {
        MAIN_NUM("max-conns", max_conns, 1, 1000000, ""),
        MAIN_NUM("max-conns-per-ip", max_conns_ip, 1, 1000000, ""),
        MAIN_NUM("max-conns-per-user", max_conns_user, 1, 1000000, ""),
        MAIN_NUM("idle-timeout", idle_timeout, 1, 86400, " seconds"),
        MAIN_NUM("handshake-timeout", handshake_timeout, 1, 3600, " seconds"),
        MAIN_NUM("auth-timeout", auth_timeout, 1, 3600, " seconds"),
        MAIN_NUM("write-timeout", write_timeout, 1, 3600, " seconds"),
        MAIN_NUM("heartbeat", heartbeat, 1, 3600, " seconds"),
        MAIN_NUM("login-limit", login_limit, 1, 100000, " a minute"),
        MAIN_NUM("login-ip-limit", login_ip_limit, 1, 100000, " a minute"),
        MAIN_NUM("register-limit", register_limit, 1, 100000, " an hour"),
        MAIN_NUM("hash-limit", hash_limit, 1, 1024, ""),
        MAIN_NUM("input-budget", input_budget_mb, 1, 65536, " MiB"),
        MAIN_NUM("quota-records", quota_records, 0, 4000000000u, ""),
        MAIN_NUM("quota-mb", quota_mb, 0, 4000000, " MiB"),
};

/* Applies one setting. Returns EXIT_OK or EXIT_USAGE (message printed). */
static int
main_set(struct config *cfg, const char *key, const char *value)
{
	static const char *levels[] = {"debug", "info", "warn", "error"};
	size_t i;

	if (strcmp(key, "listen") == 0)
		return main_copy(cfg->listen, sizeof(cfg->listen), key, value);
	if (strcmp(key, "db") == 0)
		return main_copy(cfg->db, sizeof(cfg->db), key, value);
	if (strcmp(key, "cert") == 0)
		return main_copy(cfg->cert, sizeof(cfg->cert), key, value);
	if (strcmp(key, "key") == 0)
		return main_copy(cfg->key, sizeof(cfg->key), key, value);
	if (strcmp(key, "registration") == 0) {
		if (strcmp(value, "open") == 0)
			cfg->invite_only = 0;
		else if (strcmp(value, "invite") == 0)
			cfg->invite_only = 1;
		else
			return main_usage_error(
			        "registration must be open or invite, not '%s'",
			        value);
		return EXIT_OK;
	}
	for (i = 0; i < sizeof(main_numbers) / sizeof(main_numbers[0]); i++) {
		const struct main_number_opt *o = &main_numbers[i];
		unsigned *field = (unsigned *)(void *)((char *)cfg + o->offset);

		if (strcmp(key, o->name) != 0)
			continue;
		if (main_number(value, o->lo, o->hi, field) != 0) {
			fprintf(stderr,
			        "cairnd: %s must be %u to %u%s, not '%s' (see cairnd --help)\n",
			        key, o->lo, o->hi, o->unit, value);
			return EXIT_USAGE;
		}
		return EXIT_OK;
	}
	if (strcmp(key, "log-level") == 0) {
		for (i = 0; i < sizeof(levels) / sizeof(levels[0]); i++) {
			if (strcmp(value, levels[i]) == 0) {
				cfg->log_level = (enum log_level)i;
				return EXIT_OK;
			}
		}
		return main_usage_error(
		        "log-level must be debug, info, warn or error, not '%s'",
		        value);
	}
	return main_usage_error("unknown setting '%s'", key);
}

static int
main_conf_set(void *arg, const char *key, const char *value)
{
	if (strcmp(key, "config") == 0)
		return EXIT_USAGE;
	return main_set(arg, key, value);
}

/* Reads a config file of "key = value" lines; # starts a comment line. */
static int
main_config_file(struct config *cfg, const char *path)
{
	char why[CONFIG_PATH_MAX + 64];

	if (conf_read(path, main_conf_set, cfg, why, sizeof(why)) != CAIRN_OK) {
		fprintf(stderr, "cairnd: %s\n", why);
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

/* cairnd migrate --from FILE --to URL */
static int
main_migrate(int argc, char **argv)
{
	static const struct option opts[] = {
	        {"from", required_argument, NULL, 'f'},
	        {"to", required_argument, NULL, 't'},
	        {"help", no_argument, NULL, 'h'},
	        {NULL, 0, NULL, 0},
	};
	const char *from = NULL, *to = NULL;
	char err[512];
	int ch;

	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'f':
			from = optarg;
			break;
		case 't':
			to = optarg;
			break;
		case 'h':
			fputs(main_usage, stdout);
			return EXIT_OK;
		default:
			return main_usage_error(
			        "unknown option or missing value: %s",
			        argv[optind - 1]);
		}
	}
	if (from == NULL || to == NULL || optind != argc)
		return main_usage_error("%s",
		                        "migrate needs --from FILE --to URL");
	if (store_is_pg(from) || !store_is_pg(to))
		return main_usage_error(
		        "%s",
		        "migrate copies a SQLite file (--from FILE) to PostgreSQL (--to postgresql://...)");
	if (store_migrate(from, to, stdout, err, sizeof(err)) != CAIRN_OK) {
		fprintf(stderr, "cairnd: %s\n", err);
		return EXIT_FAIL;
	}
	return fflush(stdout) == 0 ? EXIT_OK : EXIT_FAIL;
}

/* cairnd invite-code --db PATH [--uses N] */
static int
main_invite_code(int argc, char **argv)
{
	static const struct option opts[] = {
	        {"db", required_argument, NULL, 'd'},
	        {"uses", required_argument, NULL, 'u'},
	        {"help", no_argument, NULL, 'h'},
	        {NULL, 0, NULL, 0},
	};
	char code[SECRET_INVITE_LEN + 1], err[512];
	const char *db = NULL;
	struct store *st = NULL;
	unsigned uses = 1;
	int ch, rc = EXIT_FAIL;

	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'd':
			db = optarg;
			break;
		case 'u':
			if (main_number(optarg, 1, 1000000, &uses) != 0)
				return main_usage_error(
				        "--uses must be 1 to 1000000, not '%s'",
				        optarg);
			break;
		case 'h':
			fputs(main_usage, stdout);
			return EXIT_OK;
		default:
			return main_usage_error(
			        "unknown option or missing value: %s",
			        argv[optind - 1]);
		}
	}
	if (db == NULL || optind != argc)
		return main_usage_error("%s", "invite-code needs --db PATH");
	if (store_open(db, &st, err, sizeof(err)) != CAIRN_OK) {
		fprintf(stderr, "cairnd: %s\n", err);
		goto out;
	}
	if (secret_invite_code(code) != CAIRN_OK ||
	    st->ops->invite_create(st, code, uses, (int64_t)time(NULL)) !=
	            CAIRN_OK) {
		fprintf(stderr, "cairnd: cannot store an invite code in %s\n",
		        db);
		goto out;
	}
	printf("%s\n", code);
	rc = fflush(stdout) == 0 ? EXIT_OK : EXIT_FAIL;
out:
	if (st != NULL)
		st->ops->close(st);
	return rc;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
	        {"listen", required_argument, NULL, 0},
	        {"db", required_argument, NULL, 0},
	        {"cert", required_argument, NULL, 0},
	        {"key", required_argument, NULL, 0},
	        {"registration", required_argument, NULL, 0},
	        {"config", required_argument, NULL, 0},
	        {"max-conns", required_argument, NULL, 0},
	        {"max-conns-per-ip", required_argument, NULL, 0},
	        {"max-conns-per-user", required_argument, NULL, 0},
	        {"idle-timeout", required_argument, NULL, 0},
	        {"handshake-timeout", required_argument, NULL, 0},
	        {"auth-timeout", required_argument, NULL, 0},
	        {"write-timeout", required_argument, NULL, 0},
	        {"heartbeat", required_argument, NULL, 0},
	        {"login-limit", required_argument, NULL, 0},
	        {"login-ip-limit", required_argument, NULL, 0},
	        {"register-limit", required_argument, NULL, 0},
	        {"hash-limit", required_argument, NULL, 0},
	        {"input-budget", required_argument, NULL, 0},
	        {"quota-records", required_argument, NULL, 0},
	        {"quota-mb", required_argument, NULL, 0},
	        {"log-level", required_argument, NULL, 0},
	        {"help", no_argument, NULL, 'h'},
	        {"version", no_argument, NULL, 'V'},
	        {NULL, 0, NULL, 0},
	};
	static struct config cfg;
	struct main_pair pairs[MAIN_PAIRS_MAX];
	const char *config_file = NULL;
	size_t npairs = 0, i;
	int ch, idx, rc;

	/* The database holds password and token hashes: owner only. */
	umask(077);
	if (argc > 1 && strcmp(argv[1], "migrate") == 0)
		return main_migrate(argc - 1, argv + 1);
	if (argc > 1 && strcmp(argv[1], "invite-code") == 0)
		return main_invite_code(argc - 1, argv + 1);
	config_defaults(&cfg);
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "hV", opts, &idx)) != -1) {
		switch (ch) {
		case 0:
			if (strcmp(opts[idx].name, "config") == 0) {
				config_file = optarg;
			} else if (npairs < MAIN_PAIRS_MAX) {
				pairs[npairs].key = opts[idx].name;
				pairs[npairs++].value = optarg;
			} else {
				return main_usage_error("%s",
				                        "too many options");
			}
			break;
		case 'h':
			fputs(main_usage, stdout);
			return EXIT_OK;
		case 'V':
			printf("cairnd %s\n", CAIRN_VERSION);
			return EXIT_OK;
		default:
			return main_usage_error(
			        "unknown option or missing value: %s",
			        argv[optind - 1]);
		}
	}
	if (optind != argc)
		return main_usage_error("unexpected argument '%s'",
		                        argv[optind]);
	if (config_file != NULL &&
	    (rc = main_config_file(&cfg, config_file)) != EXIT_OK)
		return rc;
	for (i = 0; i < npairs; i++) {
		if ((rc = main_set(&cfg, pairs[i].key, pairs[i].value)) !=
		    EXIT_OK)
			return rc;
	}
	if (cfg.listen[0] == '\0')
		return main_usage_error("%s", "--listen ADDR:PORT is required");
	if (cfg.db[0] == '\0')
		return main_usage_error("%s", "--db PATH is required");
	if (cfg.cert[0] == '\0' || cfg.key[0] == '\0')
		return main_usage_error(
		        "%s", "--cert FILE and --key FILE are required");
	return server_run(&cfg);
}
