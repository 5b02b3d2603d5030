/*
 * libFuzzer target for the server's request path through its states:
 * Hello, then a session (Auth, Login or Register), then requests. The
 * input is replayed through the real dispatcher (server/dispatch.c), the
 * real handlers and the real database thread (dbq.c) over a fresh SQLite
 * store per input; only the socket and TLS layer (server/conn.c) is
 * replaced, by the fake connection below, which packs every response as
 * the server would send it and checks that it decodes.
 *
 * The input (tests/fuzz/session.h says it byte by byte):
 *
 *   setup byte, then records of [connection byte][frame]
 *
 * where a frame is the wire format, a 4-byte big-endian length and that
 * many payload bytes (a length past the end takes what is left). The
 * setup byte chooses what happens before the first record on each
 * connection: a valid Hello and Auth (so the fuzzed requests run in the
 * authenticated state), a Hello only, or nothing; and whether a second
 * user's connection exists, so invitations can be answered and followers
 * can see each other's pushes. Each frame goes through the connection's
 * own frame decoder, as conn.c's pump does, and every complete frame is
 * dispatched and run to its reply before the next.
 *
 * Checks, besides the sanitizers: every dispatched frame gets exactly one
 * reply, which packs into a frame and unpacks again; a reply that failed
 * has a known error code and no body; a request that needs Hello, a
 * session or version 2 is refused in a connection without it (the
 * dispatcher's table, checked from outside); no request is left in flight
 * and no reference or libuv handle is leaked when the session ends.
 *
 * Password hashing is scrypt with n=16384 (~50 ms a call): the target is
 * linked with -Wl,--wrap=secret_scrypt and hashes with n=2, so a Login or
 * Register costs microseconds and still runs through the thread pool.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cairnd.h"
#include "err.h"
#include "frame.h"
#include "hlc.h"
#include "log.h"
#include "msg.h"
#include "session.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int __real_secret_scrypt(const char *pw, size_t pwlen, const uint8_t *salt,
                         size_t saltlen, uint64_t n, uint32_t r, uint32_t p,
                         uint8_t *out);
int __wrap_secret_scrypt(const char *pw, size_t pwlen, const uint8_t *salt,
                         size_t saltlen, uint64_t n, uint32_t r, uint32_t p,
                         uint8_t *out);

/* What the fuzzer knows of one connection, beside struct conn. */
struct fz_conn {
	struct conn *c;
	unsigned replies; /* non-Event responses sent */
	unsigned events;  /* Event responses sent */
	int last_code;    /* status code of the last reply */
	int last_body;    /* body case of the last reply */
};

static struct {
	char dir[64];
	char db[128];
	uint8_t pw_hash[STORE_HASH_LEN];
	struct fz_conn conns[SESSION_CONNS];
	struct config cfg;
} F;

/* ---- the stand-in for server/conn.c ---- */

static struct fz_conn *
fz_of(struct conn *c)
{
	size_t i;

	for (i = 0; i < SESSION_CONNS; i++)
		if (F.conns[i].c == c)
			return &F.conns[i];
	abort(); /* a connection the fuzzer did not make */
}

static void
fz_check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz-session: check failed: %s\n", what);
		abort();
	}
}

void
conn_ref(struct conn *c)
{
	c->refs++;
}

void
conn_unref(struct conn *c)
{
	fz_check(c->refs > 0, "conn reference count below zero");
	if (--c->refs > 0)
		return;
	frame_decoder_release(&c->dec);
	free(c);
}

void
conn_close(struct conn *c, const char *reason)
{
	struct server *srv = c->srv;

	if (c->closing)
		return;
	c->closing = 1;
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		srv->conns = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	c->prev = c->next = NULL;
	srv->nconns--;
	follow_forget(c);
	server_check_stop(srv);
}

/* Writes drain at once here, so the close follows the last reply. */
void
conn_close_after_flush(struct conn *c, const char *reason)
{
	if (c->closing || c->close_after_flush)
		return;
	c->close_after_flush = 1;
	c->close_reason = reason;
	conn_close(c, reason);
}

/* Packs resp as conn.c does, then reads it back as a client would. */
int
conn_send(struct conn *c, const Cairn__Response *resp)
{
	struct fz_conn *fc = fz_of(c);
	struct frame_decoder d;
	const uint8_t *p = NULL;
	Cairn__Response *back;
	struct buf b;
	size_t len = 0;

	if (c->closing)
		return CAIRN_ECLOSED;
	buf_init(&b, FRAME_MAX + FRAME_HEADER);
	fz_check(msg_write_response(&b, resp) == CAIRN_OK,
	         "a response does not pack into a frame");
	frame_decoder_init(&d, FRAME_MAX);
	fz_check(frame_decoder_feed(&d, b.data, b.len) == CAIRN_OK &&
	                 frame_decoder_next(&d, &p, &len) == 1 &&
	                 frame_decoder_pending(&d) == 0,
	         "a response frame does not decode as one frame");
	back = msg_read_response(p, len);
	fz_check(back != NULL, "a response does not unpack");
	if (back->status != NULL && back->status->code != 0) {
		fz_check(err_known(back->status->code),
		         "a reply carries an unknown error code");
		fz_check(back->body_case == CAIRN__RESPONSE__BODY__NOT_SET,
		         "a failed reply has a body");
	}
	if (back->body_case == CAIRN__RESPONSE__BODY_EVENT) {
		fz_check(back->id == 0 && c->follower,
		         "an Event to a connection that is not following");
		fc->events++;
	} else {
		fc->replies++;
		fc->last_code = back->status != NULL ? back->status->code : 0;
		fc->last_body = back->body_case;
		if (c->rq != NULL)
			fz_check(back->id == c->rq->id,
			         "a reply with another request's id");
	}
	msg_free_response(back);
	frame_decoder_release(&d);
	buf_release(&b);
	return CAIRN_OK;
}

/* The fuzzer feeds the next frame itself once the loop is idle. */
void
conn_request_done(struct conn *c)
{
}

/* Only the listener and a stopping server call these; neither runs. */
void
conn_accept(struct server *srv)
{
	abort();
}

void
conn_stop(struct conn *c)
{
	abort();
}

void
conn_summary(struct server *srv)
{
}

/* ---- cheap password hashing ---- */

int
__wrap_secret_scrypt(const char *pw, size_t pwlen, const uint8_t *salt,
                     size_t saltlen, uint64_t n, uint32_t r, uint32_t p,
                     uint8_t *out)
{
	return __real_secret_scrypt(pw, pwlen, salt, saltlen, 2, 1, 1, out);
}

/* ---- one server per input ---- */

static void
fz_cleanup_files(void)
{
	static const char *suffix[] = {"", "-wal", "-shm", "-journal"};
	char path[192];
	size_t i;

	for (i = 0; i < sizeof(suffix) / sizeof(suffix[0]); i++) {
		snprintf(path, sizeof(path), "%s%s", F.db, suffix[i]);
		unlink(path);
	}
	snprintf(path, sizeof(path), "%s/.fuzz.db.cairnd-mark", F.dir);
	unlink(path);
}

static void
fz_remove_dir(void)
{
	fz_cleanup_files();
	rmdir(F.dir);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *lvl = getenv("CAIRN_FUZZ_LOG");
	uint8_t salt[STORE_SALT_LEN] = {0};

	/* /dev/shm keeps the commits' fsyncs off the disk. */
	snprintf(F.dir, sizeof(F.dir), "%s",
	         access("/dev/shm", W_OK) == 0 ? "/dev/shm/cairn-fuzz-XXXXXX"
	                                       : "/tmp/cairn-fuzz-XXXXXX");
	if (mkdtemp(F.dir) == NULL) {
		perror("fuzz-session: mkdtemp");
		exit(1);
	}
	snprintf(F.db, sizeof(F.db), "%s/fuzz.db", F.dir);
	atexit(fz_remove_dir);
	log_set_level(lvl != NULL && strcmp(lvl, "debug") == 0 ? LOG_DEBUG
	                                                       : LOG_ERROR);
	if (__wrap_secret_scrypt(SESSION_PASSWORD, strlen(SESSION_PASSWORD),
	                         salt, sizeof(salt), SECRET_SCRYPT_N,
	                         SECRET_SCRYPT_R, SECRET_SCRYPT_P,
	                         F.pw_hash) != CAIRN_OK)
		abort();
	config_defaults(&F.cfg);
	F.cfg.max_conns = 64;
	F.cfg.idle_timeout = 30;
	F.cfg.handshake_timeout = 10;
	F.cfg.log_level = LOG_ERROR;
	return 0;
}

/* The users session.h names, each with one device whose token we know. */
static void
fz_seed_store(struct store *st)
{
	struct store_user u;
	struct store_device d;
	size_t i;

	fz_check(st->ops->begin(st, 1) == CAIRN_OK, "store begin");
	for (i = 0; i < SESSION_CONNS; i++) {
		memset(&u, 0, sizeof(u));
		snprintf(u.handle, sizeof(u.handle), "%s", session_users[i]);
		memcpy(u.hash, F.pw_hash, sizeof(u.hash));
		u.n = SECRET_SCRYPT_N;
		u.r = SECRET_SCRYPT_R;
		u.p = SECRET_SCRYPT_P;
		u.created_at = SESSION_TIME;
		fz_check(st->ops->user_create(st, &u) == CAIRN_OK,
		         "user_create");
		memset(&d, 0, sizeof(d));
		snprintf(d.id, sizeof(d.id), "%s", session_devices[i]);
		snprintf(d.name, sizeof(d.name), "fuzz");
		d.user_id = u.id;
		d.created_at = SESSION_TIME;
		fz_check(secret_token_hash(session_tokens[i], SESSION_TOKEN_LEN,
		                           d.token_hash) == CAIRN_OK,
		         "token hash");
		fz_check(st->ops->device_create(st, &d) == CAIRN_OK,
		         "device_create");
	}
	fz_check(st->ops->commit(st) == CAIRN_OK, "store commit");
}

static struct conn *
fz_conn_new(struct server *srv, size_t i)
{
	struct conn *c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		abort();
	c->srv = srv;
	c->refs = 1; /* the fuzzer's, dropped when the tcp handle closes */
	c->id = ++srv->next_conn_id;
	frame_decoder_init(&c->dec, FRAME_MAX);
	/* A real handle for h-follow.c's keepalive; it never connects. */
	if (uv_tcp_init(srv->loop, &c->tcp) != 0)
		abort();
	c->tcp.data = c;
	c->handles = 1;
	snprintf(c->ip, sizeof(c->ip), "127.0.0.%zu", i + 1);
	snprintf(c->peer, sizeof(c->peer), "%s:%zu", c->ip, 40000 + i);
	c->next = srv->conns;
	if (srv->conns != NULL)
		srv->conns->prev = c;
	srv->conns = c;
	srv->nconns++;
	memset(&F.conns[i], 0, sizeof(F.conns[i]));
	F.conns[i].c = c;
	return c;
}

static void
fz_on_tcp_close(uv_handle_t *h)
{
	struct conn *c = h->data;

	c->handles--;
	conn_unref(c);
}

/* Runs the loop until no request is in flight and no round is queued. */
static void
fz_settle(struct server *srv)
{
	while (srv->inflight > 0 || srv->follow_running)
		uv_run(srv->loop, UV_RUN_ONCE);
}

/* Body cases the dispatcher lets through before a session / before v2. */
static int
fz_needs_auth(int body)
{
	return body != CAIRN__REQUEST__BODY_HELLO &&
	       body != CAIRN__REQUEST__BODY_REGISTER &&
	       body != CAIRN__REQUEST__BODY_LOGIN &&
	       body != CAIRN__REQUEST__BODY_AUTH;
}

static int
fz_needs_v2(int body)
{
	return body >= CAIRN__REQUEST__BODY_INVITE &&
	       body <= CAIRN__REQUEST__BODY_FOLLOW;
}

/* Dispatches one frame payload on fc and runs it to its reply. */
static void
fz_dispatch(struct server *srv, struct fz_conn *fc, const uint8_t *p,
            size_t len)
{
	struct conn *c = fc->c;
	int hello = c->hello, authed = c->authed, version = c->version;
	unsigned before = fc->replies;
	Cairn__Request *req;
	char why[160];
	uint32_t id;
	int body = -1, nul = 0;

	if ((req = msg_read_request(p, len)) != NULL) {
		body = req->body_case;
		msg_free_request(req);
	} else {
		nul = msg_request_refusal(p, len, &id, why, sizeof(why)) ==
		      CAIRN_EINVAL;
	}
	dispatch_frame(c, p, len);
	fz_settle(srv);
	fz_check(c->rq == NULL, "a request is still in flight");
	if (c->closing && fc->replies == before)
		return; /* closed before it could answer (not expected) */
	fz_check(fc->replies == before + 1, "not exactly one reply a frame");
	if (body < 0 && nul) {
		/* Well-formed but a string holds a NUL: refused, stays open. */
		fz_check(fc->last_code == CAIRN_EINVAL && !c->closing,
		         "a request with a NUL string was not refused alone");
		return;
	}
	if (body < 0) {
		fz_check(fc->last_code == CAIRN_EPROTO && c->closing,
		         "a malformed request was not refused");
		return;
	}
	if (!hello && body != CAIRN__REQUEST__BODY_HELLO)
		fz_check(fc->last_code == CAIRN_ESTATE,
		         "a request before Hello was not refused");
	if (body < CAIRN__REQUEST__BODY_HELLO ||
	    body > CAIRN__REQUEST__BODY_FOLLOW) {
		fz_check(!hello || fc->last_code == CAIRN_EPROTO,
		         "a request of no known type was not refused");
		return;
	}
	if (hello && fz_needs_v2(body) && version < 2)
		fz_check(fc->last_code == CAIRN_EVERSION,
		         "a version 2 request in version 1 was not refused");
	else if (hello && !authed && fz_needs_auth(body))
		fz_check(fc->last_code == CAIRN_EAUTHREQ,
		         "a request without a session was not refused");
	if (fc->last_code == 0 && (body == CAIRN__REQUEST__BODY_AUTH ||
	                           body == CAIRN__REQUEST__BODY_LOGIN ||
	                           body == CAIRN__REQUEST__BODY_REGISTER))
		fz_check(c->authed &&
		                 fc->last_body == CAIRN__RESPONSE__BODY_SESSION,
		         "a session reply without a session");
}

/* Feeds wire bytes to c's decoder and dispatches what completes. */
static void
fz_feed(struct server *srv, struct fz_conn *fc, const uint8_t *p, size_t len)
{
	struct conn *c = fc->c;
	const uint8_t *payload;
	size_t plen;
	int r;

	if (c->closing || c->close_after_flush)
		return; /* conn.c drops what follows a final answer */
	if (frame_decoder_feed(&c->dec, p, len) != CAIRN_OK)
		abort();
	while (!c->closing && !c->close_after_flush) {
		r = frame_decoder_next(&c->dec, &payload, &plen);
		if (r < 0) {
			/* conn.c's answer to a frame over the maximum. */
			dispatch_error(c, CAIRN_ETOOBIG,
			               "frame larger than the maximum");
			conn_close_after_flush(c, "frame too large");
			break;
		}
		if (r == 0)
			break;
		fz_dispatch(srv, fc, payload, plen);
	}
}

/* Sends one request made by session.c and checks it succeeded. */
static void
fz_forced(struct server *srv, struct fz_conn *fc, struct buf *b,
          const char *what)
{
	fz_feed(srv, fc, b->data, b->len);
	buf_release(b);
	if (fc->last_code != 0) {
		fprintf(stderr, "fuzz-session: forced %s failed: %s\n", what,
		        err_name(fc->last_code));
		abort();
	}
}

static void
fz_setup_conn(struct server *srv, size_t i, unsigned setup)
{
	struct fz_conn *fc = &F.conns[i];
	unsigned mode = setup & SESSION_SETUP_MASK;
	struct buf b;

	if (mode == SESSION_SETUP_NONE)
		return;
	session_hello(&b, mode == SESSION_SETUP_V1_AUTH ? 1 : PROTOCOL_VERSION,
	              1000);
	fz_forced(srv, fc, &b, "hello");
	if (mode == SESSION_SETUP_HELLO)
		return;
	session_auth(&b, i, 1001);
	fz_forced(srv, fc, &b, "auth");
	fz_check(fc->c->authed, "forced auth left no session");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct server *srv;
	struct store *st = NULL;
	uv_loop_t loop;
	char err[256];
	unsigned setup;
	size_t i, nconns, off, len;

	if (size < 1)
		return 0;
	setup = data[0];
	nconns = (setup & SESSION_SETUP_TWO) ? 2 : 1;
	F.cfg.invite_only = (setup & SESSION_SETUP_INVITE) != 0;
	fz_cleanup_files();
	if (store_sqlite_open(F.db, &st, err, sizeof(err)) != CAIRN_OK) {
		fprintf(stderr, "fuzz-session: %s\n", err);
		abort();
	}
	fz_seed_store(st);
	if ((srv = calloc(1, sizeof(*srv))) == NULL)
		abort();
	srv->cfg = &F.cfg;
	srv->store = st;
	srv->max_version = PROTOCOL_VERSION;
	srv->heartbeat_s = SERVER_HEARTBEAT_DEFAULT;
	srv->hlc = hlc_make(hlc_wall_ms(), 0);
	if (st->ops->epoch(st, srv->epoch) != CAIRN_OK)
		abort();
	if (server_limits_new(srv) != CAIRN_OK || uv_loop_init(&loop) != 0)
		abort();
	srv->loop = &loop;
	if (dbq_new(&loop, st, 0, &srv->dbq) != CAIRN_OK)
		abort();
	memset(F.conns, 0, sizeof(F.conns));
	for (i = 0; i < nconns; i++)
		fz_conn_new(srv, i);
	for (i = 0; i < nconns; i++)
		fz_setup_conn(srv, i, setup);

	/* Records: [connection byte][4-byte length][payload]. */
	for (off = 1; off < size;) {
		struct fz_conn *fc = &F.conns[data[off++] % nconns];

		if (size - off < FRAME_HEADER) {
			fz_feed(srv, fc, data + off, size - off);
			break;
		}
		len = (size_t)data[off] << 24 | (size_t)data[off + 1] << 16 |
		      (size_t)data[off + 2] << 8 | data[off + 3];
		if (len > size - off - FRAME_HEADER)
			len = size - off - FRAME_HEADER;
		fz_feed(srv, fc, data + off, FRAME_HEADER + len);
		off += FRAME_HEADER + len;
	}

	/* The end of the session: nothing may be left behind. */
	fz_settle(srv);
	fz_check(srv->inflight == 0, "requests left in flight");
	for (i = 0; i < nconns; i++) {
		struct conn *c = F.conns[i].c;

		fz_check(c->refs == 1, "a connection reference leaked");
		conn_close(c, "fuzz done");
		uv_close((uv_handle_t *)&c->tcp, fz_on_tcp_close);
	}
	fz_check(srv->nconns == 0 && srv->nfollowers == 0,
	         "connections left open");
	dbq_close(srv->dbq);
	uv_run(&loop, UV_RUN_DEFAULT);
	fz_check(uv_loop_close(&loop) == 0, "libuv handles left open");
	st->ops->close(st);
	server_limits_free(srv);
	free(srv);
	return 0;
}
