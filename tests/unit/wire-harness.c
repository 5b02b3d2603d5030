/* The wire tests' harness; see wire-harness.h. */
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

#include "wire-harness.h"

struct wire_state W = {.lock = PTHREAD_MUTEX_INITIALIZER,
                       .cond = PTHREAD_COND_INITIALIZER};

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
int
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
int
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

int
group_setup(void **state)
{
	char cmd[512];
	int p[2];

	snprintf(W.dir, sizeof(W.dir), "/tmp/cairn-wire-XXXXXX");
	assert_non_null(mkdtemp(W.dir));
	snprintf(
	        cmd, sizeof(cmd),
	        "sh %s/certs/mkcerts --out %s localhost 127.0.0.1 >/dev/null 2>&1",
	        SOURCE_DIR, W.dir);
	assert_int_equal(system(cmd), 0);
	snprintf(W.ca, sizeof(W.ca), "%s/ca.pem", W.dir);
	config_defaults(&W.cfg);
	snprintf(W.cfg.listen, sizeof(W.cfg.listen), "127.0.0.1:0");
	snprintf(W.cfg.db, sizeof(W.cfg.db), "%s/cairnd.db", W.dir);
	snprintf(W.cfg.cert, sizeof(W.cfg.cert), "%s/server.pem", W.dir);
	snprintf(W.cfg.key, sizeof(W.cfg.key), "%s/server.key", W.dir);
	W.cfg.max_conns = 64;
	W.cfg.idle_timeout = 30;
	W.cfg.handshake_timeout = 10;
	W.cfg.log_level = LOG_DEBUG;
	if (W.tune != NULL)
		W.tune(&W.cfg);
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

int
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
int
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

void
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

void
cl_close(struct client *c)
{
	close(c->fd);
	tls_session_free(c->s);
	tls_ctx_free(c->ctx);
	frame_decoder_release(&c->dec);
}

/* Sends raw plaintext bytes over TLS. */
void
cl_raw(struct client *c, const void *p, size_t len)
{
	assert_int_equal(tls_write(c->s, p, len), CAIRN_OK);
	cl_flush(c);
}

/* Sends req with the next id; returns the id. */
uint32_t
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
Cairn__Response *
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
Cairn__Response *
cl_call(struct client *c, Cairn__Request *req)
{
	uint32_t id = cl_send(c, req);
	Cairn__Response *r = cl_recv(c);

	assert_non_null(r);
	assert_int_equal(r->id, id);
	return r;
}

int
code_of(const Cairn__Response *r)
{
	return r->status != NULL ? r->status->code : 0;
}

void
cl_hello(struct client *c)
{
	cl_hello_version(c, PROTOCOL_VERSION);
}

void
cl_hello_version(struct client *c, unsigned version)
{
	Cairn__Request req = CAIRN__REQUEST__INIT;
	Cairn__Hello h = CAIRN__HELLO__INIT;
	Cairn__Response *r;

	h.version = version;
	req.body_case = CAIRN__REQUEST__BODY_HELLO;
	req.hello = &h;
	r = cl_call(c, &req);
	assert_int_equal(code_of(r), 0);
	assert_int_equal(r->body_case, CAIRN__RESPONSE__BODY_HELLO);
	assert_int_equal(r->hello->version, version);
	assert_true(uuid_valid(r->hello->epoch));
	assert_int_equal(r->hello->max_batch, MSG_MAX_BATCH);
	msg_free_response(r);
}

/* Registers (or logs in) handle; fills device id and token. */
int
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

int
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
size_t
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

void
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
Cairn__Response *
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
void
push_expect(struct client *c, struct rec *recs, size_t n, int code)
{
	Cairn__Response *r = cl_push(c, recs, n);

	assert_int_equal(code_of(r), code);
	msg_free_response(r);
}

/* Sends req and checks the status code of its response. */
void
call_expect(struct client *c, Cairn__Request *req, int code)
{
	Cairn__Response *r = cl_call(c, req);

	assert_int_equal(code_of(r), code);
	msg_free_response(r);
}

Cairn__Response *
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
