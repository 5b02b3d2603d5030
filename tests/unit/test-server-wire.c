/*
 * The server over the wire: a real cairnd loop (server_run) on a thread of
 * this process, on 127.0.0.1 with a free port and throwaway certificates,
 * driven by a minimal blocking TLS client built on common/. Covers the
 * protocol state rules, malformed input, push validation and merging,
 * pull batching and reset, devices, revoke, logout, the login rate limit,
 * pipelining and the orderly stop on SIGTERM.
 *
 * The server's stderr goes into a pipe read by a logger thread, which
 * finds the port in the server.listen line and keeps the lines so tests
 * can check what was logged.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "cairnd.h"
#include "err.h"
#include "hlc.h"
#include "msg.h"
#include "tls.h"

#define LOG_MAX (1024 * 1024)
#define PASSWORD "correct horse"

static struct {
	char dir[64];
	char ca[128];
	struct config cfg;
	pthread_t server, logger;
	int server_rc;
	int log_fd, saved_stderr;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	char log[LOG_MAX];
	size_t loglen;
	int port;
	int logger_done;
	int started; /* the server thread runs: teardown must stop it */
} W = {.lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER};

struct client {
	int fd;
	struct tls_ctx *ctx;
	struct tls_session *s;
	struct frame_decoder dec;
	uint32_t next_id;
};

/* Passes on lines that are not server log lines (cmocka's messages). */
static void
logger_forward(const char *line, size_t len)
{
	int is_log = len >= 5 && line[0] == '2' && line[4] == '-';

	if (!is_log || getenv("WIRE_VERBOSE") != NULL)
		(void)!write(W.saved_stderr, line, len);
}

static void *
logger_main(void *arg)
{
	char buf[4096], line[8192], *p;
	size_t linelen = 0;
	ssize_t n, i;

	while ((n = read(W.log_fd, buf, sizeof(buf))) > 0) {
		pthread_mutex_lock(&W.lock);
		if (W.loglen + (size_t)n < LOG_MAX - 1) {
			memcpy(W.log + W.loglen, buf, (size_t)n);
			W.loglen += (size_t)n;
			W.log[W.loglen] = '\0';
		}
		if (W.port == 0 &&
		    (p = strstr(W.log, "server.listen addr=127.0.0.1:")) !=
		            NULL)
			W.port = atoi(p +
			              strlen("server.listen addr=127.0.0.1:"));
		pthread_cond_broadcast(&W.cond);
		pthread_mutex_unlock(&W.lock);
		for (i = 0; i < n; i++) {
			if (linelen < sizeof(line))
				line[linelen++] = buf[i];
			if (buf[i] == '\n') {
				logger_forward(line, linelen);
				linelen = 0;
			}
		}
	}
	if (linelen > 0)
		logger_forward(line, linelen);
	pthread_mutex_lock(&W.lock);
	W.logger_done = 1;
	pthread_cond_broadcast(&W.cond);
	pthread_mutex_unlock(&W.lock);
	return NULL;
}

static void *
server_main(void *arg)
{
	W.server_rc = server_run(&W.cfg);
	return NULL;
}

/* 1 if the server has logged a line containing s (so far). */
static int
logged(const char *s)
{
	int r;

	pthread_mutex_lock(&W.lock);
	r = strstr(W.log, s) != NULL;
	pthread_mutex_unlock(&W.lock);
	return r;
}

/*
 * Waits until the server has logged s (the logger thread may not have
 * read the line yet when the event it reports is visible to the client).
 * Returns 0 if it did not appear within 10 seconds.
 */
static int
wait_logged(const char *s)
{
	struct timespec deadline;
	int r;

	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += 10;
	pthread_mutex_lock(&W.lock);
	while ((r = strstr(W.log, s) != NULL) == 0 && !W.logger_done) {
		if (pthread_cond_timedwait(&W.cond, &W.lock, &deadline) != 0)
			break;
	}
	r = strstr(W.log, s) != NULL;
	pthread_mutex_unlock(&W.lock);
	return r;
}

static int
group_setup(void **state)
{
	char cmd[512];
	int p[2];

	snprintf(W.dir, sizeof(W.dir), "/tmp/cairn-wire-XXXXXX");
	assert_non_null(mkdtemp(W.dir));
	snprintf(cmd, sizeof(cmd),
	         "sh %s/certs/mkcerts --out %s "
	         "localhost 127.0.0.1 >/dev/null 2>&1",
	         SOURCE_DIR, W.dir);
	assert_int_equal(system(cmd), 0);
	snprintf(W.ca, sizeof(W.ca), "%s/ca.pem", W.dir);
	snprintf(W.cfg.listen, sizeof(W.cfg.listen), "127.0.0.1:0");
	snprintf(W.cfg.db, sizeof(W.cfg.db), "%s/cairnd.db", W.dir);
	snprintf(W.cfg.cert, sizeof(W.cfg.cert), "%s/server.pem", W.dir);
	snprintf(W.cfg.key, sizeof(W.cfg.key), "%s/server.key", W.dir);
	W.cfg.max_conns = 64;
	W.cfg.idle_timeout = 30;
	W.cfg.handshake_timeout = 10;
	W.cfg.log_level = LOG_DEBUG;
	assert_int_equal(pipe(p), 0);
	W.saved_stderr = dup(2);
	dup2(p[1], 2);
	close(p[1]);
	W.log_fd = p[0];
	assert_int_equal(pthread_create(&W.logger, NULL, logger_main, NULL), 0);
	assert_int_equal(pthread_create(&W.server, NULL, server_main, NULL), 0);
	W.started = 1;
	pthread_mutex_lock(&W.lock);
	while (W.port == 0 && !W.logger_done)
		pthread_cond_wait(&W.cond, &W.lock);
	pthread_mutex_unlock(&W.lock);
	assert_true(W.port > 0);
	return 0;
}

static int
group_teardown(void **state)
{
	char cmd[128];

	if (!W.started)
		return -1; /* group_setup failed and said why */
	/* libuv's handler turns the signal into a loop event. */
	pthread_kill(W.server, SIGTERM);
	pthread_join(W.server, NULL);
	dup2(W.saved_stderr, 2);
	pthread_join(W.logger, NULL);
	if (W.server_rc != 0 || !wait_logged("server.stop"))
		fprintf(stderr, "server exit %d\n%s\n", W.server_rc, W.log);
	assert_int_equal(W.server_rc, 0);
	assert_true(logged("server.stop"));
	snprintf(cmd, sizeof(cmd), "rm -rf %s", W.dir);
	assert_int_equal(system(cmd), 0);
	return 0;
}

static void
cl_flush(struct client *c)
{
	uint8_t buf[16384];
	size_t n;

	while ((n = tls_take(c->s, buf, sizeof(buf))) > 0)
		assert_int_equal(write(c->fd, buf, n), (ssize_t)n);
}

/* Reads ciphertext once; returns 0 on EOF. */
static int
cl_read_more(struct client *c)
{
	uint8_t buf[16384];
	ssize_t n = read(c->fd, buf, sizeof(buf));

	if (n <= 0)
		return 0;
	assert_int_equal(tls_feed(c->s, buf, (size_t)n), CAIRN_OK);
	return 1;
}

/* A plain TCP connection to the server. */
static int
tcp_connect(void)
{
	struct sockaddr_in a;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)W.port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	return fd;
}

static void
cl_connect(struct client *c)
{
	char err[256];
	int r;

	memset(c, 0, sizeof(*c));
	c->ctx = tls_ctx_client_new(W.ca, err, sizeof(err));
	assert_non_null(c->ctx);
	c->s = tls_session_new(c->ctx, "127.0.0.1");
	assert_non_null(c->s);
	frame_decoder_init(&c->dec, FRAME_MAX);
	c->fd = tcp_connect();
	while ((r = tls_handshake(c->s)) == 0) {
		cl_flush(c);
		assert_true(cl_read_more(c));
	}
	assert_int_equal(r, 1);
	cl_flush(c);
}

static void
cl_close(struct client *c)
{
	close(c->fd);
	tls_session_free(c->s);
	tls_ctx_free(c->ctx);
	frame_decoder_release(&c->dec);
}

/* Sends raw plaintext bytes over TLS. */
static void
cl_raw(struct client *c, const void *p, size_t len)
{
	assert_int_equal(tls_write(c->s, p, len), CAIRN_OK);
	cl_flush(c);
}

/* Sends req with the next id; returns the id. */
static uint32_t
cl_send(struct client *c, Cairn__Request *req)
{
	struct buf b;

	req->id = ++c->next_id;
	buf_init(&b, FRAME_MAX + FRAME_HEADER);
	assert_int_equal(msg_write_request(&b, req), CAIRN_OK);
	cl_raw(c, b.data, b.len);
	buf_release(&b);
	return req->id;
}

/* The next response, or NULL when the server closed the connection. */
static Cairn__Response *
cl_recv(struct client *c)
{
	uint8_t buf[16384];
	const uint8_t *p;
	size_t len;
	int n;

	for (;;) {
		if (frame_decoder_next(&c->dec, &p, &len) == 1)
			return msg_read_response(p, len);
		n = tls_read(c->s, buf, sizeof(buf));
		cl_flush(c);
		if (n > 0) {
			assert_int_equal(
			        frame_decoder_feed(&c->dec, buf, (size_t)n),
			        CAIRN_OK);
			continue;
		}
		if (n < 0 || !cl_read_more(c))
			return NULL;
	}
}

/* Sends req and returns its response (checked to carry the same id). */
static Cairn__Response *
cl_call(struct client *c, Cairn__Request *req)
{
	uint32_t id = cl_send(c, req);
	Cairn__Response *r = cl_recv(c);

	assert_non_null(r);
	assert_int_equal(r->id, id);
	return r;
}

static int
code_of(const Cairn__Response *r)
{
	return r->status != NULL ? r->status->code : 0;
}

static void
cl_hello(struct client *c)
{
	Cairn__Request req = CAIRN__REQUEST__INIT;
	Cairn__Hello h = CAIRN__HELLO__INIT;
	Cairn__Response *r;

	h.version = 1;
	req.body_case = CAIRN__REQUEST__BODY_HELLO;
	req.hello = &h;
	r = cl_call(c, &req);
	assert_int_equal(code_of(r), 0);
	assert_int_equal(r->body_case, CAIRN__RESPONSE__BODY_HELLO);
	assert_true(uuid_valid(r->hello->epoch));
	assert_int_equal(r->hello->max_batch, MSG_MAX_BATCH);
	msg_free_response(r);
}

/* Registers (or logs in) handle; fills device id and token. */
static int
cl_account(struct client *c, int reg, const char *handle, const char *pw,
           char dev[UUID_LEN + 1], uint8_t token[32])
{
	Cairn__Request req = CAIRN__REQUEST__INIT;
	Cairn__Register rg = CAIRN__REGISTER__INIT;
	Cairn__Login lg = CAIRN__LOGIN__INIT;
	Cairn__Response *r;
	int code;

	if (reg) {
		rg.handle = (char *)handle;
		rg.password = (char *)pw;
		rg.device_name = "test";
		req.body_case = CAIRN__REQUEST__BODY_REGISTER;
		req.register_ = &rg;
	} else {
		lg.handle = (char *)handle;
		lg.password = (char *)pw;
		req.body_case = CAIRN__REQUEST__BODY_LOGIN;
		req.login = &lg;
	}
	r = cl_call(c, &req);
	code = code_of(r);
	if (code == 0) {
		assert_int_equal(r->body_case, CAIRN__RESPONSE__BODY_SESSION);
		assert_string_equal(r->session->handle, handle);
		assert_true(uuid_valid(r->session->device_id));
		assert_int_equal(r->session->token.len, 32);
		if (dev != NULL)
			snprintf(dev, UUID_LEN + 1, "%s",
			         r->session->device_id);
		if (token != NULL)
			memcpy(token, r->session->token.data, 32);
	}
	msg_free_response(r);
	return code;
}

static int
cl_auth(struct client *c, const char *dev, const uint8_t token[32])
{
	Cairn__Request req = CAIRN__REQUEST__INIT;
	Cairn__Auth a = CAIRN__AUTH__INIT;
	Cairn__Response *r;
	int code;

	a.device_id = (char *)dev;
	a.token.data = (uint8_t *)token;
	a.token.len = 32;
	req.body_case = CAIRN__REQUEST__BODY_AUTH;
	req.auth = &a;
	r = cl_call(c, &req);
	code = code_of(r);
	msg_free_response(r);
	return code;
}

/* Packs a valid Entry body into out; returns its length. */
static size_t
entry_body(uint8_t *out, size_t cap, const char *text)
{
	Cairn__Entry e = CAIRN__ENTRY__INIT;
	size_t n;

	e.started_at = (int64_t)(hlc_wall_ms() / 1000) - 3600;
	e.minutes = 45;
	e.activity = "drill";
	e.text = (char *)text;
	n = cairn__entry__get_packed_size(&e);
	assert_true(n <= cap);
	return cairn__entry__pack(&e, out);
}

struct rec {
	Cairn__Record r;
	uint8_t body[256];
};

static void
rec_make(struct rec *x, const char *id, const char *owner, const char *dev,
         uint64_t hlc)
{
	cairn__record__init(&x->r);
	x->r.id = (char *)id;
	x->r.kind = CAIRN__KIND__KIND_ENTRY;
	x->r.owner = (char *)owner;
	x->r.device = (char *)dev;
	x->r.hlc = hlc;
	x->r.body.data = x->body;
	x->r.body.len = entry_body(x->body, sizeof(x->body), "scales");
}

/* Pushes n records; returns the response (caller frees). */
static Cairn__Response *
cl_push(struct client *c, struct rec *recs, size_t n)
{
	Cairn__Request req = CAIRN__REQUEST__INIT;
	Cairn__Push p = CAIRN__PUSH__INIT;
	Cairn__Record *ptrs[64];
	size_t i;

	assert_true(n <= 64);
	for (i = 0; i < n; i++)
		ptrs[i] = &recs[i].r;
	p.n_records = n;
	p.records = ptrs;
	req.body_case = CAIRN__REQUEST__BODY_PUSH;
	req.push = &p;
	return cl_call(c, &req);
}

/* Pushes and checks the status code. */
static void
push_expect(struct client *c, struct rec *recs, size_t n, int code)
{
	Cairn__Response *r = cl_push(c, recs, n);

	assert_int_equal(code_of(r), code);
	msg_free_response(r);
}

/* Sends req and checks the status code of its response. */
static void
call_expect(struct client *c, Cairn__Request *req, int code)
{
	Cairn__Response *r = cl_call(c, req);

	assert_int_equal(code_of(r), code);
	msg_free_response(r);
}

static Cairn__Response *
cl_pull(struct client *c, uint64_t cursor, const char *epoch, uint32_t limit)
{
	Cairn__Request req = CAIRN__REQUEST__INIT;
	Cairn__Pull p = CAIRN__PULL__INIT;

	p.cursor = cursor;
	p.epoch = (char *)epoch;
	p.limit = limit;
	req.body_case = CAIRN__REQUEST__BODY_PULL;
	req.pull = &p;
	return cl_call(c, &req);
}

static void
test_first_request_must_be_hello(void **state)
{
	Cairn__Request req = CAIRN__REQUEST__INIT;
	Cairn__DevicesList dl = CAIRN__DEVICES_LIST__INIT;
	struct client c;

	cl_connect(&c);
	req.body_case = CAIRN__REQUEST__BODY_DEVICES;
	req.devices = &dl;
	call_expect(&c, &req, CAIRN_ESTATE);
	assert_null(cl_recv(&c)); /* then the server closes */
	cl_close(&c);
}

static void
test_bad_version_and_auth_required(void **state)
{
	Cairn__Request req = CAIRN__REQUEST__INIT;
	Cairn__Hello h = CAIRN__HELLO__INIT;
	Cairn__DevicesList dl = CAIRN__DEVICES_LIST__INIT;
	struct client c;
	Cairn__Response *r;

	cl_connect(&c);
	h.version = 2;
	req.body_case = CAIRN__REQUEST__BODY_HELLO;
	req.hello = &h;
	call_expect(&c, &req, CAIRN_EVERSION);
	assert_null(cl_recv(&c));
	cl_close(&c);

	cl_connect(&c);
	cl_hello(&c);
	req.body_case = CAIRN__REQUEST__BODY_DEVICES;
	req.devices = &dl;
	r = cl_call(&c, &req);
	assert_int_equal(code_of(r), CAIRN_EAUTHREQ);
	assert_non_null(strstr(r->status->message, "cairn login"));
	msg_free_response(r);
	/* Still open: an unauthenticated request is not fatal. */
	cl_hello(&c);
	cl_close(&c);
}

static void
test_malformed_input(void **state)
{
	char buf[64];
	int fd;
	static const uint8_t junk[] = {0, 0, 0, 3, 0xff, 0xff, 0xff};
	static const uint8_t giant[] = {0x7f, 0xff, 0xff, 0xff};
	struct client c;
	Cairn__Response *r;

	cl_connect(&c);
	cl_raw(&c, junk, sizeof(junk));
	r = cl_recv(&c);
	assert_non_null(r);
	assert_int_equal(r->id, 0);
	assert_int_equal(code_of(r), CAIRN_EPROTO);
	msg_free_response(r);
	assert_null(cl_recv(&c));
	cl_close(&c);

	cl_connect(&c);
	cl_hello(&c);
	cl_raw(&c, giant, sizeof(giant));
	r = cl_recv(&c);
	assert_non_null(r);
	assert_int_equal(code_of(r), CAIRN_ETOOBIG);
	msg_free_response(r);
	assert_null(cl_recv(&c));
	cl_close(&c);

	/* Plain text instead of TLS: the server just closes. */
	fd = tcp_connect();
	assert_int_equal(write(fd, "GET / HTTP/1.0\r\n\r\n", 18), 18);
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	close(fd);
	assert_true(wait_logged("tls.fail"));
}

static void
test_register_login_auth(void **state)
{
	char dev[UUID_LEN + 1], dev2[UUID_LEN + 1];
	uint8_t tok[32], tok2[32];
	struct client c;

	cl_connect(&c);
	cl_hello(&c);
	assert_int_equal(cl_account(&c, 1, "Bad Handle", PASSWORD, NULL, NULL),
	                 CAIRN_EINVAL);
	assert_int_equal(cl_account(&c, 1, "carol", "short", NULL, NULL),
	                 CAIRN_EINVAL);
	assert_int_equal(cl_account(&c, 1, "carol", PASSWORD, dev, tok), 0);
	assert_int_equal(cl_account(&c, 1, "carol", PASSWORD, NULL, NULL),
	                 CAIRN_EEXIST);
	cl_close(&c);

	cl_connect(&c);
	cl_hello(&c);
	assert_int_equal(
	        cl_account(&c, 0, "carol", "wrong password", NULL, NULL),
	        CAIRN_ECREDS);
	assert_int_equal(cl_account(&c, 0, "nobody", PASSWORD, NULL, NULL),
	                 CAIRN_ECREDS);
	assert_int_equal(cl_account(&c, 0, "carol", PASSWORD, dev2, tok2), 0);
	assert_string_not_equal(dev, dev2);
	assert_int_equal(cl_auth(&c, dev, tok), 0);
	tok[0] ^= 1;
	assert_int_equal(cl_auth(&c, dev, tok), CAIRN_ECREDS);
	cl_close(&c);
	assert_true(wait_logged("auth.register user=carol"));
	assert_true(wait_logged("auth.fail op=login user=carol"));
	assert_false(logged("wrong password\" password"));
	assert_false(logged(PASSWORD));
}

static void
test_login_rate_limit(void **state)
{
	struct client c;
	int i;

	cl_connect(&c);
	cl_hello(&c);
	assert_int_equal(cl_account(&c, 1, "dave", PASSWORD, NULL, NULL), 0);
	for (i = 0; i < 5; i++)
		assert_int_equal(
		        cl_account(&c, 0, "dave", "not the one", NULL, NULL),
		        CAIRN_ECREDS);
	/* Even the right password is refused until the window passes. */
	assert_int_equal(cl_account(&c, 0, "dave", PASSWORD, NULL, NULL),
	                 CAIRN_ERATELIMIT);
	cl_close(&c);
	assert_true(wait_logged("auth.ratelimited user=dave"));
}

static void
test_push_pull(void **state)
{
	char dev[UUID_LEN + 1], dev2[UUID_LEN + 1], epoch[UUID_LEN + 1];
	static const char *ids[] = {
	        "0a000000-0000-4000-8000-000000000001",
	        "0a000000-0000-4000-8000-000000000002",
	        "0a000000-0000-4000-8000-000000000003",
	};
	uint64_t now = hlc_make(hlc_wall_ms(), 0), cursor;
	struct client c, c2;
	struct rec recs[3];
	Cairn__Response *r;
	uint8_t tok[32];
	size_t i;

	cl_connect(&c);
	cl_hello(&c);
	assert_int_equal(cl_account(&c, 1, "erin", PASSWORD, dev, tok), 0);
	for (i = 0; i < 3; i++)
		rec_make(&recs[i], ids[i], "erin", dev, now + i);
	r = cl_push(&c, recs, 3);
	assert_int_equal(code_of(r), 0);
	assert_int_equal(r->push->applied, 3);
	assert_int_equal(r->push->ignored, 0);
	assert_true(r->push->hlc > now + 2);
	msg_free_response(r);
	/* The same batch again is a no-op (acknowledgement lost). */
	r = cl_push(&c, recs, 3);
	assert_int_equal(r->push->applied, 0);
	assert_int_equal(r->push->ignored, 3);
	msg_free_response(r);
	/* The pushing device gets nothing back but the cursor moves. */
	r = cl_pull(&c, 0, "", 0);
	assert_int_equal(code_of(r), 0);
	assert_int_equal(r->pull->n_records, 0);
	assert_true(r->pull->cursor > 0);
	assert_false(r->pull->more);
	snprintf(epoch, sizeof(epoch), "%s", r->pull->epoch);
	msg_free_response(r);
	cl_close(&c);

	/* A second device pulls in batches of 2. */
	cl_connect(&c2);
	cl_hello(&c2);
	assert_int_equal(cl_account(&c2, 0, "erin", PASSWORD, dev2, NULL), 0);
	r = cl_pull(&c2, 0, epoch, 2);
	assert_int_equal(r->pull->n_records, 2);
	assert_true(r->pull->more);
	assert_string_equal(r->pull->records[0]->id, ids[0]);
	assert_string_equal(r->pull->records[0]->owner, "erin");
	assert_true(r->pull->records[1]->seq > r->pull->records[0]->seq);
	cursor = r->pull->cursor;
	msg_free_response(r);
	r = cl_pull(&c2, cursor, epoch, 2);
	assert_int_equal(r->pull->n_records, 1);
	assert_false(r->pull->more);
	assert_string_equal(r->pull->records[0]->id, ids[2]);
	cursor = r->pull->cursor;
	msg_free_response(r);
	/* Unknown cursor or another epoch: reset. */
	r = cl_pull(&c2, cursor + 100, epoch, 0);
	assert_true(r->pull->reset);
	msg_free_response(r);
	r = cl_pull(&c2, cursor, "0b000000-0000-4000-8000-000000000000", 0);
	assert_true(r->pull->reset);
	assert_string_equal(r->pull->epoch, epoch);
	msg_free_response(r);
	/* A newer edit from this device wins; a stale one is ignored. */
	rec_make(&recs[0], ids[0], "erin", dev2, now + 50);
	rec_make(&recs[1], ids[1], "erin", dev2, now - 50);
	r = cl_push(&c2, recs, 2);
	assert_int_equal(r->push->applied, 1);
	assert_int_equal(r->push->ignored, 1);
	msg_free_response(r);
	cl_close(&c2);
	assert_true(wait_logged("sync.push user=erin n=3 applied=3 ignored=0"));
}

static void
test_push_validation(void **state)
{
	char dev[UUID_LEN + 1], fdev[UUID_LEN + 1];
	static const char *id1 = "0c000000-0000-4000-8000-000000000001";
	static const char *id2 = "0c000000-0000-4000-8000-000000000002";
	uint64_t now = hlc_make(hlc_wall_ms(), 0);
	struct client c;
	struct rec recs[2];
	Cairn__Response *r;
	uint8_t *big;
	size_t n;

	cl_connect(&c);
	cl_hello(&c);
	assert_int_equal(cl_account(&c, 1, "frank", PASSWORD, dev, NULL), 0);
	snprintf(fdev, sizeof(fdev), "%s", dev);
	fdev[0] = fdev[0] == 'a' ? 'b' : 'a';

	/* Another owner: the whole batch is refused, naming the record. */
	rec_make(&recs[0], id1, "frank", dev, now);
	rec_make(&recs[1], id2, "erin", dev, now);
	r = cl_push(&c, recs, 2);
	assert_int_equal(code_of(r), CAIRN_EFORBIDDEN);
	assert_string_equal(r->status->record_id, id2);
	msg_free_response(r);
	/* Another device. */
	rec_make(&recs[1], id2, "frank", fdev, now);
	push_expect(&c, recs, 2, CAIRN_EFORBIDDEN);
	/* A day and more in the future. */
	rec_make(&recs[1], id2, "frank", dev,
	         hlc_make(hlc_wall_ms() + 25ull * 3600 * 1000, 0));
	r = cl_push(&c, recs, 2);
	assert_int_equal(code_of(r), CAIRN_ECLOCK);
	assert_string_equal(r->status->record_id, id2);
	msg_free_response(r);
	/* Unknown kind, tombstone with a body, body not an entry, bad id. */
	rec_make(&recs[1], id2, "frank", dev, now);
	recs[1].r.kind = 7;
	push_expect(&c, recs, 2, CAIRN_EINVAL);
	rec_make(&recs[1], id2, "frank", dev, now);
	recs[1].r.deleted = 1;
	push_expect(&c, recs, 2, CAIRN_EINVAL);
	rec_make(&recs[1], id2, "frank", dev, now);
	recs[1].body[0] = 0xff;
	recs[1].r.body.len = 1;
	push_expect(&c, recs, 2, CAIRN_EINVAL);
	rec_make(&recs[1], "not-a-uuid", "frank", dev, now);
	push_expect(&c, recs, 2, CAIRN_EINVAL);
	/*
	 * A record too big to come back in a pull: a valid entry padded with
	 * an unknown length-delimited field (tag 100) of 300,000 bytes.
	 */
	big = calloc(1, 300 * 1024);
	assert_non_null(big);
	rec_make(&recs[1], id2, "frank", dev, now);
	n = recs[1].r.body.len;
	memcpy(big, recs[1].body, n);
	big[n++] = 0xa2; /* (100 << 3) | 2, as a varint */
	big[n++] = 0x06;
	big[n++] = 0xe0; /* 300000, as a varint */
	big[n++] = 0xa7;
	big[n++] = 0x12;
	recs[1].r.body.data = big;
	recs[1].r.body.len = n + 300000;
	push_expect(&c, recs, 2, CAIRN_EINVAL);
	free(big);
	/* Nothing of those batches was stored. */
	r = cl_pull(&c, 0, "", 0);
	assert_int_equal(r->pull->n_records, 0);
	assert_int_equal(code_of(r), 0);
	msg_free_response(r);
	/* A valid tombstone is accepted. */
	rec_make(&recs[1], id2, "frank", dev, now);
	recs[1].r.deleted = 1;
	recs[1].r.body.len = 0;
	r = cl_push(&c, recs, 2);
	assert_int_equal(code_of(r), 0);
	assert_int_equal(r->push->applied, 2);
	assert_true(r->push->hlc > now);
	msg_free_response(r);
	cl_close(&c);
}

static void
test_devices_revoke_logout(void **state)
{
	Cairn__Request req = CAIRN__REQUEST__INIT;
	Cairn__DevicesList dl = CAIRN__DEVICES_LIST__INIT;
	Cairn__DeviceRevoke rv = CAIRN__DEVICE_REVOKE__INIT;
	Cairn__Logout lo = CAIRN__LOGOUT__INIT;
	char dev1[UUID_LEN + 1], dev2[UUID_LEN + 1], prefix[9];
	uint8_t tok1[32], tok2[32];
	struct client c;
	Cairn__Response *r;
	size_t i;
	int current = 0;

	cl_connect(&c);
	cl_hello(&c);
	assert_int_equal(cl_account(&c, 1, "gina", PASSWORD, dev1, tok1), 0);
	assert_int_equal(cl_account(&c, 0, "gina", PASSWORD, dev2, tok2), 0);
	req.body_case = CAIRN__REQUEST__BODY_DEVICES;
	req.devices = &dl;
	r = cl_call(&c, &req);
	assert_int_equal(r->body_case, CAIRN__RESPONSE__BODY_DEVICES);
	assert_int_equal(r->devices->n_devices, 2);
	for (i = 0; i < 2; i++) {
		if (r->devices->devices[i]->current) {
			current++;
			assert_string_equal(r->devices->devices[i]->id, dev2);
		}
	}
	assert_int_equal(current, 1);
	msg_free_response(r);

	/* Revoke dev1 by prefix from dev2's session. */
	memcpy(prefix, dev1, 8);
	prefix[8] = '\0';
	rv.device_id = prefix;
	req.body_case = CAIRN__REQUEST__BODY_REVOKE;
	req.revoke = &rv;
	r = cl_call(&c, &req);
	assert_int_equal(code_of(r), 0);
	assert_int_equal(r->devices->n_devices, 1);
	assert_string_equal(r->devices->devices[0]->id, dev1);
	assert_true(r->devices->devices[0]->revoked);
	msg_free_response(r);
	rv.device_id = "abc";
	call_expect(&c, &req, CAIRN_EINVAL);
	rv.device_id = "ffffffff-ffff";
	call_expect(&c, &req, CAIRN_ENOTFOUND);

	assert_int_equal(cl_auth(&c, dev1, tok1), CAIRN_EREVOKED);
	assert_true(wait_logged("reason=\"revoked\""));
	/* Logout revokes this device and ends the session. */
	assert_int_equal(cl_auth(&c, dev2, tok2), 0);
	req.body_case = CAIRN__REQUEST__BODY_LOGOUT;
	req.logout = &lo;
	call_expect(&c, &req, 0);
	req.body_case = CAIRN__REQUEST__BODY_DEVICES;
	call_expect(&c, &req, CAIRN_EAUTHREQ);
	assert_int_equal(cl_auth(&c, dev2, tok2), CAIRN_EREVOKED);
	cl_close(&c);
}

static void
test_pipelined_requests(void **state)
{
	Cairn__Request req = CAIRN__REQUEST__INIT;
	Cairn__Hello h = CAIRN__HELLO__INIT;
	Cairn__Response *r;
	struct client c;
	uint32_t ids[20];
	int i;

	cl_connect(&c);
	h.version = 1;
	req.body_case = CAIRN__REQUEST__BODY_HELLO;
	req.hello = &h;
	for (i = 0; i < 20; i++)
		ids[i] = cl_send(&c, &req);
	for (i = 0; i < 20; i++) {
		r = cl_recv(&c);
		assert_non_null(r);
		assert_int_equal(r->id, ids[i]);
		msg_free_response(r);
	}
	cl_close(&c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_first_request_must_be_hello),
	        cmocka_unit_test(test_bad_version_and_auth_required),
	        cmocka_unit_test(test_malformed_input),
	        cmocka_unit_test(test_register_login_auth),
	        cmocka_unit_test(test_login_rate_limit),
	        cmocka_unit_test(test_push_pull),
	        cmocka_unit_test(test_push_validation),
	        cmocka_unit_test(test_devices_revoke_logout),
	        cmocka_unit_test(test_pipelined_requests),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
