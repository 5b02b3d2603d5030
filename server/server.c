/*
 * The server: one libuv loop with a TCP listener, the signal handlers and
 * the orderly stop. On SIGINT or SIGTERM it stops listening, lets every
 * request in flight finish (its commit included) and its reply flush,
 * closes the connections, stops the database thread, closes every handle
 * and returns so that main exits 0.
 */
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cairnd.h"
#include "err.h"
#include "hlc.h"
#include "log.h"
#include "msg.h"
#include "tls.h"

#define SERVER_BACKLOG 511
#define SERVER_STOP_GRACE_MS 10000
#define SERVER_SUMMARY_MS 60000 /* conn.summary period */
/*
 * Past SERVER_WQ_BUDGET of replies queued on all connections, a batch
 * reply (a pull) aims at SERVER_PRESSED_REPLY instead of MSG_PULL_BYTES:
 * peers that send requests and read nothing then hold about CONN_WQ_HIGH
 * plus one small reply each, 1,024 of them under 100 MiB.
 */
#define SERVER_WQ_BUDGET (32u * 1024 * 1024)
#define SERVER_PRESSED_REPLY (16u * 1024)
#define SERVER_RL_SLOTS 16384
#define SERVER_TOKEN_LIMIT 10 /* token checks per address and device */
/*
 * Allocations from this size up are mapped and unmapped: scrypt's 16 MiB
 * go back to the system after each hash instead of staying in the pool
 * threads' heaps (glibc would otherwise raise the threshold past them).
 */
#define SERVER_MMAP_THRESHOLD (1024 * 1024)

static void server_check_stop_now(struct server *srv);

void
config_defaults(struct config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->max_conns = 1024;
	cfg->max_conns_ip = 64;
	cfg->max_conns_user = 32;
	cfg->idle_timeout = 300;
	cfg->handshake_timeout = 10;
	cfg->auth_timeout = 30;
	cfg->write_timeout = 30;
	cfg->heartbeat = SERVER_HEARTBEAT_DEFAULT;
	cfg->login_limit = 5;
	cfg->login_ip_limit = 20;
	cfg->register_limit = 20;
	cfg->hash_limit = 8;
	cfg->input_budget_mb = 64;
	cfg->quota_records = 200000;
	cfg->quota_mb = 256;
	cfg->log_level = LOG_INFO;
}

int
server_limits_new(struct server *srv)
{
	const struct config *cfg = srv->cfg;

	srv->rl_handle = ratelimit_new(SERVER_RL_SLOTS, cfg->login_limit, 60);
	srv->rl_ip = ratelimit_new(SERVER_RL_SLOTS, cfg->login_ip_limit, 60);
	srv->rl_register =
	        ratelimit_new(SERVER_RL_SLOTS, cfg->register_limit, 3600);
	srv->rl_token = ratelimit_new(SERVER_RL_SLOTS, SERVER_TOKEN_LIMIT, 60);
	srv->hash_slots = calloc(cfg->hash_limit, sizeof(*srv->hash_slots));
	if (srv->rl_handle == NULL || srv->rl_ip == NULL ||
	    srv->rl_register == NULL || srv->rl_token == NULL ||
	    srv->hash_slots == NULL) {
		server_limits_free(srv);
		return CAIRN_ENOMEM;
	}
	return CAIRN_OK;
}

void
server_limits_free(struct server *srv)
{
	ratelimit_free(srv->rl_handle);
	ratelimit_free(srv->rl_ip);
	ratelimit_free(srv->rl_register);
	ratelimit_free(srv->rl_token);
	free(srv->hash_slots);
	srv->rl_handle = srv->rl_ip = srv->rl_register = srv->rl_token = NULL;
	srv->hash_slots = NULL;
}

size_t
server_reply_budget(const struct server *srv)
{
	return srv->wq_bytes < SERVER_WQ_BUDGET ? MSG_PULL_BYTES
	                                        : SERVER_PRESSED_REPLY;
}

uint64_t
server_clock(struct server *srv, uint64_t remote)
{
	srv->hlc = hlc_observe(srv->hlc, remote, hlc_wall_ms());
	return srv->hlc;
}

static void
server_on_connection(uv_stream_t *l, int status)
{
	struct server *srv = l->data;

	if (status < 0) {
		log_event(LOG_WARN, "server.accept", "error=%s",
		          uv_err_name(status));
		return;
	}
	conn_accept(srv);
}

static void
server_close_walk(uv_handle_t *h, void *arg)
{
	if (!uv_is_closing(h))
		uv_close(h, NULL);
}

/* Finishes the stop once no connection and no request is left. */
static void
server_check_stop_now(struct server *srv)
{
	if (!srv->stopping || srv->finished || srv->nconns > 0 ||
	    srv->inflight > 0)
		return;
	srv->finished = 1;
	watch_stop(srv);
	dbq_close(srv->dbq);
	srv->dbq = NULL;
	uv_walk(srv->loop, server_close_walk, NULL);
}

void
server_check_stop(struct server *srv)
{
	server_check_stop_now(srv);
}

static void
server_on_summary(uv_timer_t *t)
{
	conn_summary(t->data);
}

static void
server_on_heartbeat(uv_timer_t *t)
{
	follow_heartbeat(t->data);
}

/* The grace period is over: drop whoever is still connected. */
static void
server_on_stop_timer(uv_timer_t *t)
{
	struct server *srv = t->data;
	struct conn *c, *next;

	for (c = srv->conns; c != NULL; c = next) {
		next = c->next;
		conn_close(c, "server stopping");
	}
}

static void
server_on_signal(uv_signal_t *s, int signum)
{
	struct server *srv = s->data;
	struct conn *c, *next;

	if (srv->stopping) {
		log_event(LOG_WARN, "server.stopping",
		          "signal=%d action=\"close connections now\"", signum);
		server_on_stop_timer(&srv->stop_timer);
		return;
	}
	srv->stopping = 1;
	uv_timer_stop(&srv->heartbeat);
	uv_timer_stop(&srv->summary);
	log_event(LOG_INFO, "server.stopping", "signal=%d conns=%u inflight=%u",
	          signum, srv->nconns, srv->inflight);
	uv_close((uv_handle_t *)&srv->listener, NULL);
	uv_timer_start(&srv->stop_timer, server_on_stop_timer,
	               SERVER_STOP_GRACE_MS, 0);
	uv_unref((uv_handle_t *)&srv->stop_timer);
	for (c = srv->conns; c != NULL; c = next) {
		next = c->next;
		conn_stop(c);
	}
	server_check_stop_now(srv);
}

/* Parses "IP:PORT", "[IPv6]:PORT" or "localhost:PORT". */
static int
server_parse_listen(const char *s, struct sockaddr_storage *ss)
{
	char host[256];
	const char *colon;
	char *end;
	unsigned long port;
	size_t hlen;

	if ((colon = strrchr(s, ':')) == NULL)
		return CAIRN_EINVAL;
	port = strtoul(colon + 1, &end, 10);
	if (colon[1] == '\0' || *end != '\0' || port > 65535)
		return CAIRN_EINVAL;
	hlen = (size_t)(colon - s);
	if (hlen >= 2 && s[0] == '[' && s[hlen - 1] == ']') {
		s++;
		hlen -= 2;
	}
	if (hlen == 0 || hlen >= sizeof(host))
		return CAIRN_EINVAL;
	memcpy(host, s, hlen);
	host[hlen] = '\0';
	if (strcmp(host, "localhost") == 0)
		snprintf(host, sizeof(host), "127.0.0.1");
	memset(ss, 0, sizeof(*ss));
	if (uv_ip4_addr(host, (int)port, (struct sockaddr_in *)ss) == 0)
		return CAIRN_OK;
	if (uv_ip6_addr(host, (int)port, (struct sockaddr_in6 *)ss) == 0)
		return CAIRN_OK;
	return CAIRN_EINVAL;
}

/* Binds and listens; logs server.listen with the real port. */
static int
server_listen(struct server *srv)
{
	struct sockaddr_storage ss;
	char ip[64];
	int rc, len = sizeof(ss), port;

	if (server_parse_listen(srv->cfg->listen, &ss) != CAIRN_OK) {
		fprintf(stderr, "cairnd: --listen %s is not IP:PORT\n",
		        srv->cfg->listen);
		return EXIT_USAGE;
	}
	if ((rc = uv_tcp_bind(&srv->listener, (struct sockaddr *)&ss, 0)) == 0)
		rc = uv_listen((uv_stream_t *)&srv->listener, SERVER_BACKLOG,
		               server_on_connection);
	if (rc == 0)
		rc = uv_tcp_getsockname(&srv->listener, (struct sockaddr *)&ss,
		                        &len);
	if (rc != 0) {
		fprintf(stderr, "cairnd: cannot listen on %s: %s\n",
		        srv->cfg->listen, uv_strerror(rc));
		return EXIT_FAIL;
	}
	/* Operators and tests read the port here: it shows at any level. */
	if (srv->cfg->log_level > LOG_INFO)
		log_set_level(LOG_INFO);
	if (ss.ss_family == AF_INET6) {
		uv_ip6_name((struct sockaddr_in6 *)&ss, ip, sizeof(ip));
		port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
		log_event(LOG_INFO, "server.listen",
		          "addr=[%s]:%d registration=%s", ip, port,
		          srv->cfg->invite_only ? "invite" : "open");
	} else {
		uv_ip4_name((struct sockaddr_in *)&ss, ip, sizeof(ip));
		port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
		log_event(LOG_INFO, "server.listen",
		          "addr=%s:%d registration=%s", ip, port,
		          srv->cfg->invite_only ? "invite" : "open");
	}
	log_set_level(srv->cfg->log_level);
	if (!srv->cfg->invite_only)
		log_event(
		        LOG_INFO, "server.registration",
		        "mode=open msg=\"anyone who reaches this port may "
		        "create accounts (%u an hour per address) and store up "
		        "to the quotas each; use --registration invite on an "
		        "open network\"",
		        srv->cfg->register_limit);
	return EXIT_OK;
}

/*
 * CAIRND_TEST_PROTOCOL_MAX (tests only): the newest protocol version to
 * speak, so a test can play a server of an older version.
 */
static unsigned
server_max_version(void)
{
	const char *s = getenv("CAIRND_TEST_PROTOCOL_MAX");
	long n;

	if (s == NULL || *s == '\0')
		return PROTOCOL_VERSION;
	n = strtol(s, NULL, 10);
	return n >= PROTOCOL_VERSION_MIN && n <= PROTOCOL_VERSION
	               ? (unsigned)n
	               : PROTOCOL_VERSION;
}

/* Reads CAIRND_TEST_KILL_AFTER_COMMITS (tests only). */
static int
server_kill_after(void)
{
	const char *s = getenv("CAIRND_TEST_KILL_AFTER_COMMITS");
	long n;

	if (s == NULL || *s == '\0')
		return 0;
	n = strtol(s, NULL, 10);
	return n > 0 && n < 1000000000 ? (int)n : 0;
}

int
server_run(const struct config *cfg)
{
	struct server srv;
	uv_loop_t loop;
	char err[512];
	uint64_t hb;
	int rc = EXIT_FAIL, loop_ok = 0;

	memset(&srv, 0, sizeof(srv));
	srv.cfg = cfg;
	mallopt(M_MMAP_THRESHOLD, SERVER_MMAP_THRESHOLD);
	srv.kill_after_commits = server_kill_after();
	srv.max_version = server_max_version();
	log_set_level(cfg->log_level);
	signal(SIGPIPE, SIG_IGN);
	srv.tls = tls_ctx_server_new(cfg->cert, cfg->key, err, sizeof(err));
	if (srv.tls == NULL) {
		fprintf(stderr, "cairnd: %s\n", err);
		goto out;
	}
	if (store_open(cfg->db, &srv.store, err, sizeof(err)) != CAIRN_OK) {
		fprintf(stderr, "cairnd: %s\n", err);
		goto out;
	}
	if (srv.store->ops->epoch(srv.store, srv.epoch) != CAIRN_OK) {
		fprintf(stderr, "cairnd: database %s has no epoch\n", cfg->db);
		goto out;
	}
	srv.rbuf = malloc(CONN_BUF_SIZE);
	srv.pbuf = malloc(CONN_BUF_SIZE);
	if (server_limits_new(&srv) != CAIRN_OK || srv.rbuf == NULL ||
	    srv.pbuf == NULL || uv_loop_init(&loop) != 0) {
		fprintf(stderr, "cairnd: out of memory\n");
		goto out;
	}
	loop_ok = 1;
	srv.loop = &loop;
	srv.hlc = hlc_make(hlc_wall_ms(), 0);
	uv_tcp_init(&loop, &srv.listener);
	srv.listener.data = &srv;
	uv_timer_init(&loop, &srv.stop_timer);
	srv.stop_timer.data = &srv;
	uv_timer_init(&loop, &srv.heartbeat);
	srv.heartbeat.data = &srv;
	uv_timer_init(&loop, &srv.wake);
	srv.wake.data = &srv;
	uv_timer_init(&loop, &srv.summary);
	srv.summary.data = &srv;
	uv_signal_init(&loop, &srv.sigint);
	uv_signal_init(&loop, &srv.sigterm);
	srv.sigint.data = srv.sigterm.data = &srv;
	if ((rc = server_listen(&srv)) != EXIT_OK)
		goto stop_loop;
	if (dbq_new(&loop, srv.store, srv.kill_after_commits, &srv.dbq) !=
	    CAIRN_OK) {
		fprintf(stderr, "cairnd: cannot start the database thread\n");
		rc = EXIT_FAIL;
		goto stop_loop;
	}
	if (watch_start(&srv) != CAIRN_OK) {
		fprintf(stderr, "cairnd: out of memory\n");
		rc = EXIT_FAIL;
		goto stop_loop;
	}
	srv.heartbeat_s =
	        cfg->heartbeat > 0 ? cfg->heartbeat : SERVER_HEARTBEAT_DEFAULT;
	hb = (uint64_t)srv.heartbeat_s * 1000;
	uv_timer_start(&srv.heartbeat, server_on_heartbeat, hb, hb);
	uv_timer_start(&srv.summary, server_on_summary, SERVER_SUMMARY_MS,
	               SERVER_SUMMARY_MS);
	uv_signal_start(&srv.sigint, server_on_signal, SIGINT);
	uv_signal_start(&srv.sigterm, server_on_signal, SIGTERM);
	uv_run(&loop, UV_RUN_DEFAULT);
	rc = EXIT_OK;
	goto out;
stop_loop:
	/* Startup failed after handles were made: close them all. */
	dbq_close(srv.dbq);
	uv_walk(&loop, server_close_walk, NULL);
	uv_run(&loop, UV_RUN_DEFAULT);
out:
	if (loop_ok && uv_loop_close(&loop) != 0)
		log_event(LOG_WARN, "server.loop", "msg=\"handles left open\"");
	watch_free(&srv);
	if (srv.store != NULL)
		srv.store->ops->close(srv.store);
	tls_ctx_free(srv.tls);
	server_limits_free(&srv);
	free(srv.rbuf);
	free(srv.pbuf);
	if (rc == EXIT_OK) {
		if (cfg->log_level > LOG_INFO)
			log_set_level(LOG_INFO);
		log_event(LOG_INFO, "server.stop", NULL);
	}
	return rc;
}
