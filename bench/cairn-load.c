/*
 * cairn-load: a load generator for cairnd. One process and one libuv loop
 * drive many concurrent authenticated clients (10,000 and more), each a
 * TLS 1.3 connection speaking the protocol with the project's own code:
 * common/tls.c sessions over memory BIOs (as the server uses them),
 * common/frame.c and common/msg.c for frames and messages, and
 * common/uuid.c, hlc.c and entry.c rules for the records it pushes.
 *
 *   cairn-load --server HOST:PORT --ca CA.pem [--clients N] [--duration S]
 *              [--push-size K] [--pulls] [--followers F] [--think MS]
 *              [--accounts A] [--ramp R] [--text-bytes B]
 *              [--cairnd-pid PID] [--json]
 *
 * First it registers A accounts (or logs in to them, when a database was
 * used before) through two connections, since the server hashes at most
 * two passwords per address at once; every other connection then
 * authenticates with its account's device token (Auth, no password hash),
 * so the load is not bound by scrypt. N pushing clients and F idle
 * followers (Follow, then only events and heartbeats) are set up, R at a
 * time; when all are, the measured run of S seconds starts. Each pushing
 * client loops: Push of K new check-ins, wait for PushOk, optionally a
 * Pull from its cursor, then MS ms of think time. Latency is from the
 * request written to its answer read, per request; percentiles are exact
 * (every sample is kept and sorted).
 *
 * One progress line a second goes to stderr; the summary (key=value on
 * one line, or a JSON object with --json) to stdout. With --cairnd-pid it
 * also reads the server's CPU time (utime + stime over the run, as a
 * percentage of one core) and its memory (VmRSS and VmHWM at the end)
 * from /proc. Exit 0 when every connection was set up, none was lost and
 * no request failed; 1 otherwise; 2 for a usage error.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <netdb.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <uv.h>

#include "entry.h"
#include "err.h"
#include "frame.h"
#include "hlc.h"
#include "msg.h"
#include "tls.h"
#include "uuid.h"

#define LD_PASSWORD "cairn-load-password"
#define LD_TOKEN_LEN 32
#define LD_CLIENTS_MAX 100000
#define LD_ACCOUNTS_MAX 10000
#define LD_ACCOUNTS_DEFAULT 100
/*
 * The server allows 10 token checks per address and device at a time
 * (counted when they start, given back on success): stay below.
 */
#define LD_AUTH_INFLIGHT 8
#define LD_REGISTRARS 2 /* the server hashes 2 passwords per address */
#define LD_RAMP_DEFAULT 64
#define LD_RETRY_MS 250
#define LD_READ_BUF 65536
#define LD_CODES 64 /* status codes counted: 0 down to -63 */
#define LD_FD_SPARE 32
#define LD_SAY_MAX 5 /* setup failures described on stderr */

enum ld_role { LD_REGISTRAR, LD_PUSHER, LD_FOLLOWER };

enum ld_state {
	LD_CONNECTING,
	LD_HANDSHAKE,
	LD_HELLO,
	LD_ACCOUNT, /* registrar: Register or Login in flight */
	LD_AUTH_WAIT,
	LD_AUTH,
	LD_FOLLOW,
	LD_IDLE, /* set up; thinking, or waiting for the run */
	LD_PUSH,
	LD_PULL,
	LD_DEAD
};

enum ld_phase { LD_PH_ACCOUNTS, LD_PH_RAMP, LD_PH_RUN, LD_PH_DONE };

struct ld_account {
	char handle[HANDLE_MAX + 1];
	char device[UUID_LEN + 1];
	uint8_t token[LD_TOKEN_LEN];
	int ready;
	unsigned authing;          /* Auth requests in flight */
	struct ld_conn *wait_head; /* connections waiting to send Auth */
	struct ld_conn *wait_tail;
	uint64_t hlc; /* the last clock given to a record of the device */
};

struct ld_conn {
	uv_tcp_t tcp;
	uv_timer_t timer; /* think time, or a registrar's retry */
	uv_connect_t creq;
	struct tls_session *s; /* owned */
	struct frame_decoder dec;
	struct ld_account *acct; /* borrowed */
	struct ld_conn *wait_next;
	enum ld_role role;
	enum ld_state state;
	unsigned next_acct; /* registrar: the next account it does */
	int login;          /* registrar: Login, not Register, in flight */
	int authing;        /* holds one of the account's Auth places */
	int started;        /* the handles are initialised */
	uint32_t next_id;
	uint64_t sent_ns; /* when the request in flight was written */
	uint64_t cursor;  /* pull cursor */
};

/* Latency samples in microseconds. */
struct ld_samples {
	uint32_t *v; /* owned */
	size_t n, cap;
};

struct ld_opts {
	char host[256];
	char port[16];
	const char *ca;
	unsigned clients, followers, accounts, push_size, ramp, text_bytes;
	unsigned think_ms;
	double duration;
	int pulls, json;
	long pid; /* cairnd's, or 0 */
};

/* What /proc says of a process. */
struct ld_proc {
	double cpu_s;  /* utime + stime */
	double wait_s; /* its threads' time runnable but not on a CPU */
	long rss_kb, hwm_kb;
};

struct ld_stats {
	uint64_t pushes, records, not_applied, pulls, pulled, events;
	uint64_t heartbeats, lost;
	uint64_t errors[LD_CODES]; /* by -code */
};

struct ld {
	uv_loop_t *loop;
	struct ld_opts o;
	struct tls_ctx *ctx;
	struct sockaddr_storage addr;
	char epoch[UUID_LEN + 1];
	struct ld_account *accts; /* owned, o.accounts */
	struct ld_conn *conns;    /* owned: pushers, then followers */
	struct ld_conn reg[LD_REGISTRARS];
	unsigned nreg, reg_left, total;
	unsigned next_start, ramping, set_up, setup_failed, said;
	enum ld_phase phase;
	int fatal;
	uint64_t t_setup, t_start, t_end; /* uv_hrtime() */
	uv_timer_t tick, stop;
	uv_signal_t sigint, sigterm;
	struct ld_stats st, last; /* the run's; at the last tick */
	double last_cpu, last_tick_s;
	struct ld_samples push_lat, pull_lat;
	struct ld_proc srv0, srv1;
	double self0, self1; /* this process's CPU seconds */
	double host0, host1; /* every process's, from /proc/stat */
	uint64_t in_flight_end, oldest_end_us;
	uint8_t body[ENTRY_TEXT_MAX + 256];
	size_t body_len;
	struct buf out; /* scratch for one frame */
	Cairn__Record recs[MSG_MAX_BATCH];
	Cairn__Record *recp[MSG_MAX_BATCH];
	char ids[MSG_MAX_BATCH][UUID_LEN + 1];
};

static struct ld L;
static uint8_t ld_rbuf[LD_READ_BUF];

static void ld_fail(struct ld_conn *c, int code, const char *why);
static void ld_push(struct ld_conn *c);
static void ld_run_begin(void);
static void ld_run_end(void);
static void ld_on_stop(uv_timer_t *t);
static void ld_on_tick(uv_timer_t *t);

/* ---- samples, /proc ---- */

static int
ld_sample_add(struct ld_samples *s, uint64_t ns)
{
	uint64_t us = ns / 1000;
	uint32_t *v;
	size_t cap;

	if (s->n == s->cap) {
		cap = s->cap ? s->cap * 2 : 65536;
		if ((v = realloc(s->v, cap * sizeof(*v))) == NULL)
			return CAIRN_ENOMEM;
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = us > UINT32_MAX ? UINT32_MAX : (uint32_t)us;
	return CAIRN_OK;
}

static int
ld_cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* The q-quantile of sorted samples by nearest rank, in ms (0 if none). */
static double
ld_quantile(const struct ld_samples *s, double q)
{
	size_t k;

	if (s->n == 0)
		return 0;
	k = (size_t)(q * (double)s->n + 0.999999);
	if (k < 1)
		k = 1;
	if (k > s->n)
		k = s->n;
	return s->v[k - 1] / 1000.0;
}

/*
 * Seconds the threads of pid spent waiting for a CPU while runnable
 * (/proc/PID/task/TID/schedstat, second field): how much a busy machine
 * held cairnd back.
 */
static double
ld_proc_wait(long pid)
{
	unsigned long long run, wait, sum = 0;
	char path[320];
	struct dirent *de;
	DIR *d;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/task", pid);
	if ((d = opendir(path)) == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%ld/task/%s/schedstat", pid,
		         de->d_name);
		if ((f = fopen(path, "r")) == NULL)
			continue;
		if (fscanf(f, "%llu %llu", &run, &wait) == 2)
			sum += wait;
		fclose(f);
	}
	closedir(d);
	return (double)sum / 1e9;
}

/* CPU seconds and memory of pid; 0 when it can be read. */
static int
ld_proc_read(long pid, struct ld_proc *p)
{
	char path[64], line[1024], *rp;
	unsigned long ut = 0, stt = 0;
	long tck = sysconf(_SC_CLK_TCK);
	FILE *f;
	int ok = 0;

	p->rss_kb = p->hwm_kb = -1;
	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	if (fgets(line, sizeof(line), f) != NULL &&
	    (rp = strrchr(line, ')')) != NULL &&
	    sscanf(rp + 2,
	           "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut,
	           &stt) == 2)
		ok = 1;
	fclose(f);
	if (!ok || tck <= 0)
		return -1;
	p->cpu_s = (double)(ut + stt) / (double)tck;
	p->wait_s = ld_proc_wait(pid);
	snprintf(path, sizeof(path), "/proc/%ld/status", pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "VmRSS: %ld kB", &p->rss_kb) == 1)
			continue;
		(void)sscanf(line, "VmHWM: %ld kB", &p->hwm_kb);
	}
	fclose(f);
	return 0;
}

static double
ld_self_cpu(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) != 0)
		return 0;
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

/*
 * CPU seconds every process of the machine used (all cores, from
 * /proc/stat), to tell how busy it was with other work during the run.
 */
static double
ld_host_cpu(void)
{
	unsigned long long v[8] = {0};
	long tck = sysconf(_SC_CLK_TCK);
	FILE *f = fopen("/proc/stat", "r");
	int n = 0;

	if (f == NULL)
		return 0;
	n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0],
	           &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]);
	fclose(f);
	if (n != 8 || tck <= 0)
		return 0;
	/* user nice system idle iowait irq softirq steal: all but idle. */
	return (double)(v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) / (double)tck;
}

/* This process's peak resident memory in KB. */
static long
ld_self_hwm(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) != 0)
		return -1;
	return ru.ru_maxrss;
}

static double
ld_secs(uint64_t from, uint64_t to)
{
	return (double)(to - from) / 1e9;
}

/* ---- transport ---- */

struct ld_write {
	uv_write_t req;
	struct ld_conn *c;
	uint8_t data[];
};

static void
ld_on_write(uv_write_t *req, int status)
{
	struct ld_write *w = (struct ld_write *)req;
	struct ld_conn *c = w->c;

	free(w);
	if (status < 0 && status != UV_ECANCELED)
		ld_fail(c, CAIRN_ENET, uv_strerror(status));
}

/* Sends every ciphertext byte the session has waiting. */
static int
ld_flush(struct ld_conn *c)
{
	size_t n = tls_pending(c->s);
	struct ld_write *w;
	uv_buf_t b;
	int r;

	if (n == 0 || c->state == LD_DEAD)
		return CAIRN_OK;
	if ((w = malloc(sizeof(*w) + n)) == NULL) {
		ld_fail(c, CAIRN_ENOMEM, "out of memory");
		return CAIRN_ENOMEM;
	}
	w->c = c;
	n = tls_take(c->s, w->data, n);
	b = uv_buf_init((char *)w->data, (unsigned)n);
	if ((r = uv_write(&w->req, (uv_stream_t *)&c->tcp, &b, 1,
	                  ld_on_write)) != 0) {
		free(w);
		ld_fail(c, CAIRN_ENET, uv_strerror(r));
		return CAIRN_ENET;
	}
	return CAIRN_OK;
}

/* Packs, encrypts and sends req; the answer moves c to state. */
static int
ld_send(struct ld_conn *c, Cairn__Request *req, enum ld_state state)
{
	int rc;

	req->id = ++c->next_id;
	buf_reset(&L.out);
	if ((rc = msg_write_request(&L.out, req)) != CAIRN_OK ||
	    (rc = tls_write(c->s, L.out.data, L.out.len)) != CAIRN_OK) {
		ld_fail(c, rc, "cannot write a request");
		return rc;
	}
	c->state = state;
	c->sent_ns = uv_hrtime();
	return ld_flush(c);
}

static void
ld_on_closed(uv_handle_t *h)
{
	/* The connection's memory is L.conns or L.reg, freed at the end. */
	(void)h;
}

/* Closes c's handles and frees its session; a close_notify first. */
static void
ld_close(struct ld_conn *c, int notify)
{
	if (c->state == LD_DEAD)
		return;
	if (notify && c->s != NULL && tls_established(c->s)) {
		tls_shutdown(c->s);
		(void)ld_flush(c);
	}
	c->state = LD_DEAD;
	if (c->started) {
		uv_close((uv_handle_t *)&c->tcp, ld_on_closed);
		uv_close((uv_handle_t *)&c->timer, ld_on_closed);
	}
	tls_session_free(c->s);
	c->s = NULL;
	frame_decoder_release(&c->dec);
}

/* ---- setup: accounts, then every connection ---- */

static void ld_ramp(void);

/* A connection finished its setup (set up, or failed). */
static void
ld_setup_done(struct ld_conn *c, int failed)
{
	(void)c;
	L.ramping--;
	if (failed)
		L.setup_failed++;
	else
		L.set_up++;
	ld_ramp();
}

/* Gives back c's Auth place and lets the next waiting connection in. */
static void ld_auth_send(struct ld_conn *c);

static void
ld_auth_release(struct ld_conn *c)
{
	struct ld_account *a = c->acct;
	struct ld_conn *w;

	if (!c->authing)
		return;
	c->authing = 0;
	a->authing--;
	while (a->authing < LD_AUTH_INFLIGHT && (w = a->wait_head) != NULL) {
		a->wait_head = w->wait_next;
		if (a->wait_head == NULL)
			a->wait_tail = NULL;
		w->wait_next = NULL;
		if (w->state == LD_AUTH_WAIT)
			ld_auth_send(w);
	}
}

/*
 * Ends c after a failure: counts it (by code), says why for the first few
 * connections that fail during setup, and closes it.
 */
static void
ld_fail(struct ld_conn *c, int code, const char *why)
{
	enum ld_state was = c->state;

	if (was == LD_DEAD)
		return;
	if (code >= 0 || -code >= LD_CODES)
		code = CAIRN_EINTERNAL;
	ld_auth_release(c);
	ld_close(c, 0);
	if (c->role == LD_REGISTRAR) {
		fprintf(stderr, "cairn-load: account %s: %s: %s\n",
		        c->acct != NULL ? c->acct->handle : "-",
		        err_message(code), why);
		L.fatal = 1;
		ld_run_end();
		return;
	}
	if (L.phase == LD_PH_RUN && was >= LD_IDLE) {
		L.st.errors[-code]++;
		L.st.lost++;
		if (L.said++ < LD_SAY_MAX)
			fprintf(stderr, "cairn-load: connection lost: %s: %s\n",
			        err_message(code), why);
		return;
	}
	if (was < LD_IDLE) {
		if (L.said++ < LD_SAY_MAX)
			fprintf(stderr, "cairn-load: setup failed: %s: %s\n",
			        err_message(code), why);
		ld_setup_done(c, 1);
	}
}

static void
ld_hello(struct ld_conn *c)
{
	Cairn__Request req = CAIRN__REQUEST__INIT;
	Cairn__Hello h = CAIRN__HELLO__INIT;

	h.version = PROTOCOL_VERSION;
	h.client = "cairn-load";
	req.body_case = CAIRN__REQUEST__BODY_HELLO;
	req.hello = &h;
	(void)ld_send(c, &req, LD_HELLO);
}

/* Advances the handshake; says Hello once it is complete. */
static void
ld_handshake(struct ld_conn *c)
{
	int r = tls_handshake(c->s);

	if (ld_flush(c) != CAIRN_OK)
		return;
	if (r < 0)
		ld_fail(c, CAIRN_ETLS, tls_error(c->s));
	else if (r == 1)
		ld_hello(c);
}

static void
ld_on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *b)
{
	(void)h;
	(void)suggested;
	b->base = (char *)ld_rbuf;
	b->len = sizeof(ld_rbuf);
}

static void ld_frame(struct ld_conn *c, const uint8_t *p, size_t len);

/* Decrypts what arrived and handles each complete frame. */
static void
ld_pump(struct ld_conn *c)
{
	uint8_t pt[16384];
	const uint8_t *p;
	size_t len;
	int n, r;

	while (c->state != LD_DEAD) {
		n = tls_read(c->s, pt, sizeof(pt));
		if (n == 0)
			break;
		if (n < 0) {
			ld_fail(c, n, tls_error(c->s));
			return;
		}
		if ((r = frame_decoder_feed(&c->dec, pt, (size_t)n)) !=
		    CAIRN_OK) {
			ld_fail(c, r, "cannot buffer a frame");
			return;
		}
		while (c->state != LD_DEAD &&
		       (r = frame_decoder_next(&c->dec, &p, &len)) == 1)
			ld_frame(c, p, len);
		if (r < 0 && c->state != LD_DEAD) {
			ld_fail(c, r, "frame larger than the maximum");
			return;
		}
	}
	if (c->state != LD_DEAD)
		(void)ld_flush(c);
}

static void
ld_on_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *b)
{
	struct ld_conn *c = stream->data;

	if (nread == 0 || c->state == LD_DEAD)
		return;
	if (nread < 0) {
		ld_fail(c, nread == UV_EOF ? CAIRN_ECLOSED : CAIRN_ENET,
		        uv_strerror((int)nread));
		return;
	}
	if (tls_feed(c->s, b->base, (size_t)nread) != CAIRN_OK) {
		ld_fail(c, CAIRN_ENOMEM, tls_error(c->s));
		return;
	}
	if (c->state == LD_HANDSHAKE) {
		ld_handshake(c);
		if (c->state == LD_HANDSHAKE || c->state == LD_DEAD)
			return;
	}
	ld_pump(c);
}

static void
ld_on_connect(uv_connect_t *req, int status)
{
	struct ld_conn *c = req->data;
	int r;

	if (c->state == LD_DEAD)
		return;
	if (status < 0) {
		ld_fail(c, CAIRN_ENET, uv_strerror(status));
		return;
	}
	if ((r = uv_read_start((uv_stream_t *)&c->tcp, ld_on_alloc,
	                       ld_on_read)) != 0) {
		ld_fail(c, CAIRN_ENET, uv_strerror(r));
		return;
	}
	c->state = LD_HANDSHAKE;
	ld_handshake(c);
}

/* Opens c's TCP connection; the rest follows from the callbacks. */
static void
ld_start(struct ld_conn *c)
{
	int r;

	c->state = LD_CONNECTING;
	frame_decoder_init(&c->dec, FRAME_MAX);
	uv_tcp_init(L.loop, &c->tcp);
	uv_timer_init(L.loop, &c->timer);
	c->started = 1;
	c->tcp.data = c->timer.data = c->creq.data = c;
	if ((c->s = tls_session_new(L.ctx, L.o.host)) == NULL) {
		ld_fail(c, CAIRN_ETLS, "cannot create a TLS session");
		return;
	}
	(void)uv_tcp_nodelay(&c->tcp, 1);
	if ((r = uv_tcp_connect(&c->creq, &c->tcp,
	                        (const struct sockaddr *)&L.addr,
	                        ld_on_connect)) != 0)
		ld_fail(c, CAIRN_ENET, uv_strerror(r));
}

/* Starts connections while fewer than o.ramp are being set up. */
static void
ld_ramp(void)
{
	struct ld_conn *c;

	while (L.phase == LD_PH_RAMP && L.ramping < L.o.ramp &&
	       L.next_start < L.total) {
		c = &L.conns[L.next_start++];
		L.ramping++;
		ld_start(c); /* a failure calls ld_setup_done, then here */
	}
	if (L.phase == LD_PH_RAMP && L.ramping == 0 &&
	    L.next_start == L.total) {
		if (L.set_up == 0) {
			fprintf(stderr,
			        "cairn-load: no connection was set up\n");
			ld_run_end();
			return;
		}
		L.phase = LD_PH_RUN;
		L.t_start = uv_hrtime();
		ld_run_begin();
	}
}

/* Registrar: Register (or Login) the next account of its share. */
static void
ld_account_send(struct ld_conn *c)
{
	Cairn__Request req = CAIRN__REQUEST__INIT;
	Cairn__Register rg = CAIRN__REGISTER__INIT;
	Cairn__Login lg = CAIRN__LOGIN__INIT;

	rg.handle = lg.handle = c->acct->handle;
	rg.password = lg.password = LD_PASSWORD;
	rg.device_name = lg.device_name = "cairn-load";
	if (c->login) {
		req.body_case = CAIRN__REQUEST__BODY_LOGIN;
		req.login = &lg;
	} else {
		req.body_case = CAIRN__REQUEST__BODY_REGISTER;
		req.register_ = &rg;
	}
	(void)ld_send(c, &req, LD_ACCOUNT);
}

static void ld_setup_start(void);

static void
ld_account_next(struct ld_conn *c)
{
	if (c->next_acct >= L.o.accounts) {
		ld_close(c, 1);
		if (--L.reg_left == 0)
			ld_setup_start();
		return;
	}
	c->acct = &L.accts[c->next_acct];
	c->login = 0;
	ld_account_send(c);
}

static void
ld_on_retry(uv_timer_t *t)
{
	struct ld_conn *c = t->data;

	if (c->state == LD_IDLE)
		ld_account_send(c);
}

static void
ld_on_account(struct ld_conn *c, const Cairn__Response *r, int code)
{
	static int said_busy;
	struct ld_account *a = c->acct;

	if (code == CAIRN_EEXIST && !c->login) {
		c->login = 1;
		ld_account_send(c);
		return;
	}
	if (code == CAIRN_EBUSY || code == CAIRN_ERATELIMIT) {
		if (!said_busy++)
			fprintf(stderr,
			        "cairn-load: %s: %s; retrying (raise cairnd's --login-limit, --login-ip-limit and --register-limit)\n",
			        a->handle, err_message(code));
		c->state = LD_IDLE;
		uv_timer_start(&c->timer, ld_on_retry, LD_RETRY_MS, 0);
		return;
	}
	if (code != CAIRN_OK || r->body_case != CAIRN__RESPONSE__BODY_SESSION ||
	    r->session->token.len != LD_TOKEN_LEN ||
	    !uuid_valid(r->session->device_id)) {
		ld_fail(c, code != CAIRN_OK ? code : CAIRN_EPROTO,
		        r->status != NULL && r->status->message[0] != '\0'
		                ? r->status->message
		                : "no session in the answer");
		return;
	}
	snprintf(a->device, sizeof(a->device), "%s", r->session->device_id);
	memcpy(a->token, r->session->token.data, LD_TOKEN_LEN);
	a->ready = 1;
	c->next_acct += L.nreg;
	ld_account_next(c);
}

static void
ld_auth_send(struct ld_conn *c)
{
	Cairn__Request req = CAIRN__REQUEST__INIT;
	Cairn__Auth au = CAIRN__AUTH__INIT;

	au.device_id = c->acct->device;
	au.token.data = c->acct->token;
	au.token.len = LD_TOKEN_LEN;
	req.body_case = CAIRN__REQUEST__BODY_AUTH;
	req.auth = &au;
	c->authing = 1;
	c->acct->authing++;
	(void)ld_send(c, &req, LD_AUTH);
}

/* Sends Auth now, or queues c until its account has a place free. */
static void
ld_auth(struct ld_conn *c)
{
	struct ld_account *a = c->acct;

	if (a->authing < LD_AUTH_INFLIGHT) {
		ld_auth_send(c);
		return;
	}
	c->state = LD_AUTH_WAIT;
	c->wait_next = NULL;
	if (a->wait_tail != NULL)
		a->wait_tail->wait_next = c;
	else
		a->wait_head = c;
	a->wait_tail = c;
}

static void
ld_on_hello(struct ld_conn *c, const Cairn__Response *r, int code)
{
	if (code != CAIRN_OK || r->body_case != CAIRN__RESPONSE__BODY_HELLO ||
	    !uuid_valid(r->hello->epoch)) {
		ld_fail(c, code != CAIRN_OK ? code : CAIRN_EPROTO,
		        "Hello refused");
		return;
	}
	if (L.epoch[0] == '\0')
		snprintf(L.epoch, sizeof(L.epoch), "%s", r->hello->epoch);
	if (c->role == LD_REGISTRAR)
		ld_account_next(c);
	else
		ld_auth(c);
}

static void
ld_on_auth(struct ld_conn *c, const Cairn__Response *r, int code)
{
	Cairn__Request req = CAIRN__REQUEST__INIT;
	Cairn__Follow f = CAIRN__FOLLOW__INIT;

	ld_auth_release(c);
	if (code != CAIRN_OK || r->body_case != CAIRN__RESPONSE__BODY_SESSION) {
		ld_fail(c, code != CAIRN_OK ? code : CAIRN_EPROTO,
		        r->status != NULL ? r->status->message : "Auth");
		return;
	}
	if (c->role == LD_FOLLOWER) {
		req.body_case = CAIRN__REQUEST__BODY_FOLLOW;
		req.follow = &f;
		(void)ld_send(c, &req, LD_FOLLOW);
		return;
	}
	c->state = LD_IDLE;
	ld_setup_done(c, 0);
}

static void
ld_on_follow(struct ld_conn *c, const Cairn__Response *r, int code)
{
	if (code != CAIRN_OK || r->body_case != CAIRN__RESPONSE__BODY_FOLLOW) {
		ld_fail(c, code != CAIRN_OK ? code : CAIRN_EPROTO,
		        r->status != NULL ? r->status->message : "Follow");
		return;
	}
	c->state = LD_IDLE;
	ld_setup_done(c, 0);
}

/* ---- the run ---- */

static void
ld_on_think(uv_timer_t *t)
{
	ld_push(t->data);
}

/* After an answer: think, then push again (only while the run lasts). */
static void
ld_next(struct ld_conn *c)
{
	c->state = LD_IDLE;
	if (L.phase != LD_PH_RUN)
		return;
	if (L.o.think_ms == 0)
		ld_push(c);
	else
		uv_timer_start(&c->timer, ld_on_think, L.o.think_ms, 0);
}

/* Pushes o.push_size new check-ins of c's account. */
static void
ld_push(struct ld_conn *c)
{
	Cairn__Request req = CAIRN__REQUEST__INIT;
	Cairn__Push push = CAIRN__PUSH__INIT;
	struct ld_account *a = c->acct;
	uint64_t wall = hlc_wall_ms();
	Cairn__Record *r;
	unsigned i;

	if (L.phase != LD_PH_RUN || c->state != LD_IDLE)
		return;
	for (i = 0; i < L.o.push_size; i++) {
		r = &L.recs[i];
		cairn__record__init(r);
		if (uuid_new(L.ids[i]) != CAIRN_OK) {
			ld_fail(c, CAIRN_EINTERNAL, "no random bytes");
			return;
		}
		a->hlc = hlc_tick(a->hlc, wall);
		r->id = L.ids[i];
		r->kind = CAIRN__KIND__KIND_ENTRY;
		r->owner = a->handle;
		r->hlc = a->hlc;
		r->device = a->device;
		r->body.data = L.body;
		r->body.len = L.body_len;
		L.recp[i] = r;
	}
	push.records = L.recp;
	push.n_records = L.o.push_size;
	req.body_case = CAIRN__REQUEST__BODY_PUSH;
	req.push = &push;
	(void)ld_send(c, &req, LD_PUSH);
}

static void
ld_error(int code)
{
	if (code >= 0 || -code >= LD_CODES)
		code = CAIRN_EINTERNAL;
	L.st.errors[-code]++;
}

static void
ld_on_push(struct ld_conn *c, const Cairn__Response *r, int code, uint64_t ns)
{
	Cairn__Request req = CAIRN__REQUEST__INIT;
	Cairn__Pull pull = CAIRN__PULL__INIT;

	if (L.phase != LD_PH_RUN) {
		c->state = LD_IDLE;
		return;
	}
	if (code != CAIRN_OK || r->body_case != CAIRN__RESPONSE__BODY_PUSH) {
		ld_error(code != CAIRN_OK ? code : CAIRN_EPROTO);
	} else {
		L.st.pushes++;
		L.st.records += L.o.push_size;
		if (r->push->applied != L.o.push_size)
			L.st.not_applied += L.o.push_size - r->push->applied;
		if (ld_sample_add(&L.push_lat, ns) != CAIRN_OK) {
			ld_fail(c, CAIRN_ENOMEM, "out of memory");
			return;
		}
	}
	if (!L.o.pulls) {
		ld_next(c);
		return;
	}
	pull.cursor = c->cursor;
	pull.epoch = L.epoch;
	pull.limit = 0;
	req.body_case = CAIRN__REQUEST__BODY_PULL;
	req.pull = &pull;
	(void)ld_send(c, &req, LD_PULL);
}

static void
ld_on_pull(struct ld_conn *c, const Cairn__Response *r, int code, uint64_t ns)
{
	if (L.phase != LD_PH_RUN) {
		c->state = LD_IDLE;
		return;
	}
	if (code != CAIRN_OK || r->body_case != CAIRN__RESPONSE__BODY_PULL) {
		ld_error(code != CAIRN_OK ? code : CAIRN_EPROTO);
	} else {
		L.st.pulls++;
		L.st.pulled += r->pull->n_records;
		c->cursor = r->pull->reset ? 0 : r->pull->cursor;
		if (ld_sample_add(&L.pull_lat, ns) != CAIRN_OK) {
			ld_fail(c, CAIRN_ENOMEM, "out of memory");
			return;
		}
	}
	ld_next(c);
}

/* One frame from the server: an answer to c's request, or an event. */
static void
ld_frame(struct ld_conn *c, const uint8_t *p, size_t len)
{
	uint64_t ns = uv_hrtime() - c->sent_ns;
	Cairn__Response *r;
	int code;

	if ((r = msg_read_response(p, len)) == NULL) {
		ld_fail(c, CAIRN_EPROTO, "malformed frame from the server");
		return;
	}
	code = r->status != NULL ? r->status->code : CAIRN_OK;
	if (r->id == 0 && r->body_case == CAIRN__RESPONSE__BODY_EVENT) {
		if (L.phase == LD_PH_RUN) {
			L.st.events++;
			if (r->event->heartbeat)
				L.st.heartbeats++;
		}
	} else if (r->id != c->next_id || code > 0) {
		ld_fail(c, code < 0 ? code : CAIRN_EPROTO,
		        r->status != NULL ? r->status->message
		                          : "answer to no request");
	} else {
		switch (c->state) {
		case LD_HELLO:
			ld_on_hello(c, r, code);
			break;
		case LD_ACCOUNT:
			ld_on_account(c, r, code);
			break;
		case LD_AUTH:
			ld_on_auth(c, r, code);
			break;
		case LD_FOLLOW:
			ld_on_follow(c, r, code);
			break;
		case LD_PUSH:
			ld_on_push(c, r, code, ns);
			break;
		case LD_PULL:
			ld_on_pull(c, r, code, ns);
			break;
		default:
			ld_fail(c, CAIRN_EPROTO, "answer to no request");
			break;
		}
	}
	msg_free_response(r);
}

/* Registrars are done: set up every pushing client and follower. */
static void
ld_setup_start(void)
{
	if (L.phase != LD_PH_ACCOUNTS)
		return;
	fprintf(stderr, "cairn-load: %u accounts ready in %.1f s\n",
	        L.o.accounts, ld_secs(L.t_setup, uv_hrtime()));
	L.t_setup = uv_hrtime();
	L.phase = LD_PH_RAMP;
	ld_ramp();
}

/* The run begins: take the first readings and start every client. */
static void
ld_run_begin(void)
{
	unsigned i;
	struct ld_conn *c;

	fprintf(stderr,
	        "cairn-load: %u of %u connections set up in %.1f s (%u failed); running %.0f s\n",
	        L.set_up, L.total, ld_secs(L.t_setup, L.t_start),
	        L.setup_failed, L.o.duration);
	if (L.o.pid > 0 && ld_proc_read(L.o.pid, &L.srv0) != 0) {
		fprintf(stderr, "cairn-load: cannot read /proc/%ld\n", L.o.pid);
		L.o.pid = 0;
	}
	L.last_cpu = L.srv0.cpu_s;
	L.last_tick_s = 0;
	L.self0 = ld_self_cpu();
	L.host0 = ld_host_cpu();
	uv_timer_start(&L.tick, ld_on_tick, 1000, 1000);
	uv_timer_start(&L.stop, ld_on_stop, (uint64_t)(L.o.duration * 1000), 0);
	for (i = 0; i < L.o.clients; i++) {
		c = &L.conns[i];
		if (c->state != LD_IDLE)
			continue;
		if (L.o.think_ms == 0)
			ld_push(c);
		else /* spread the first pushes over one think time */
			uv_timer_start(&c->timer, ld_on_think,
			               (uint64_t)rand() % L.o.think_ms, 0);
	}
}

static void
ld_on_tick(uv_timer_t *t)
{
	struct ld_proc p = {0};
	double now, dt, cpu = -1;
	uint64_t errs = 0;
	unsigned i;

	(void)t;
	if (L.phase == LD_PH_ACCOUNTS) {
		fprintf(stderr, "cairn-load: registering accounts...\n");
		return;
	}
	if (L.phase == LD_PH_RAMP) {
		fprintf(stderr, "cairn-load: %u of %u connections set up\n",
		        L.set_up, L.total);
		return;
	}
	if (L.phase != LD_PH_RUN)
		return;
	now = ld_secs(L.t_start, uv_hrtime());
	dt = now - L.last_tick_s;
	if (dt <= 0)
		return;
	if (L.o.pid > 0 && ld_proc_read(L.o.pid, &p) == 0) {
		cpu = (p.cpu_s - L.last_cpu) / dt * 100;
		L.last_cpu = p.cpu_s;
	}
	for (i = 0; i < LD_CODES; i++)
		errs += L.st.errors[i];
	fprintf(stderr,
	        "[%5.1fs] pushes/s %.0f records/s %.0f pulls/s %.0f errors %" PRIu64
	        " lost %" PRIu64,
	        now, (double)(L.st.pushes - L.last.pushes) / dt,
	        (double)(L.st.records - L.last.records) / dt,
	        (double)(L.st.pulls - L.last.pulls) / dt, errs, L.st.lost);
	if (cpu >= 0)
		fprintf(stderr, " cairnd cpu %.0f%% rss %ld MB", cpu,
		        p.rss_kb / 1024);
	fputc('\n', stderr);
	L.last = L.st;
	L.last_tick_s = now;
}

static void
ld_close_all(void)
{
	unsigned i;

	for (i = 0; i < L.total; i++)
		ld_close(&L.conns[i], 1);
	for (i = 0; i < L.nreg; i++)
		ld_close(&L.reg[i], 1);
	if (!uv_is_closing((uv_handle_t *)&L.tick)) {
		uv_close((uv_handle_t *)&L.tick, NULL);
		uv_close((uv_handle_t *)&L.stop, NULL);
		uv_close((uv_handle_t *)&L.sigint, NULL);
		uv_close((uv_handle_t *)&L.sigterm, NULL);
	}
}

/* The end of the run (or of setup, on a fatal error or a signal). */
static void
ld_run_end(void)
{
	uint64_t now = uv_hrtime(), age;
	struct ld_conn *c;
	unsigned i;

	if (L.phase == LD_PH_DONE)
		return;
	if (L.phase == LD_PH_RUN) {
		L.t_end = now;
		if (L.o.pid > 0 && ld_proc_read(L.o.pid, &L.srv1) != 0)
			L.o.pid = 0;
		L.self1 = ld_self_cpu();
		L.host1 = ld_host_cpu();
		for (i = 0; i < L.o.clients; i++) {
			c = &L.conns[i];
			if (c->state != LD_PUSH && c->state != LD_PULL)
				continue;
			L.in_flight_end++;
			age = (now - c->sent_ns) / 1000;
			if (age > L.oldest_end_us)
				L.oldest_end_us = age;
		}
	} else {
		L.fatal = 1;
	}
	L.phase = LD_PH_DONE;
	ld_close_all();
}

static void
ld_on_stop(uv_timer_t *t)
{
	(void)t;
	ld_run_end();
}

static void
ld_on_signal(uv_signal_t *s, int signum)
{
	(void)s;
	fprintf(stderr, "cairn-load: signal %d: ending the run\n", signum);
	ld_run_end();
}

/* ---- output ---- */

static void
ld_errors_text(char *out, size_t len, int json)
{
	size_t off = 0;
	unsigned i;
	int n;

	out[0] = '\0';
	for (i = 1; i < LD_CODES && off < len; i++) {
		if (L.st.errors[i] == 0)
			continue;
		n = snprintf(out + off, len - off,
		             json ? "%s\"%s\": %" PRIu64 : "%s%s:%" PRIu64,
		             off > 0 ? "," : "", err_name(-(int)i),
		             L.st.errors[i]);
		if (n < 0)
			break;
		off += (size_t)n;
	}
	if (off >= len)
		out[len - 1] = '\0';
}

static void
ld_summary(void)
{
	double secs = L.t_end > L.t_start ? ld_secs(L.t_start, L.t_end) : 0;
	double srv_cpu = -1, self_cpu = 0;
	char errs[1024];
	int json = L.o.json;

	qsort(L.push_lat.v, L.push_lat.n, sizeof(uint32_t), ld_cmp_u32);
	qsort(L.pull_lat.v, L.pull_lat.n, sizeof(uint32_t), ld_cmp_u32);
	if (secs > 0 && L.o.pid > 0)
		srv_cpu = (L.srv1.cpu_s - L.srv0.cpu_s) / secs * 100;
	if (secs > 0)
		self_cpu = (L.self1 - L.self0) / secs * 100;
	ld_errors_text(errs, sizeof(errs), json);
#define LD_Q(s, q) ld_quantile(&(s), (q))
	printf(json ? "{\"clients\": %u, \"followers\": %u, \"accounts\": %u, \"push_size\": %u, \"pulls\": %s, \"think_ms\": %u, \"duration_s\": %.2f, \"pushes\": %" PRIu64
	              ", \"pushes_per_s\": %.1f, \"records_per_s\": %.1f, \"push_p50_ms\": %.2f, \"push_p99_ms\": %.2f, \"push_p999_ms\": %.2f, \"push_max_ms\": %.2f, "
	            : "clients=%u followers=%u accounts=%u push_size=%u pulls=%s think_ms=%u duration_s=%.2f pushes=%" PRIu64
	              " pushes_per_s=%.1f records_per_s=%.1f push_p50_ms=%.2f push_p99_ms=%.2f push_p999_ms=%.2f push_max_ms=%.2f ",
	       L.o.clients, L.o.followers, L.o.accounts, L.o.push_size,
	       L.o.pulls ? "true" : "false", L.o.think_ms, secs, L.st.pushes,
	       secs > 0 ? (double)L.st.pushes / secs : 0,
	       secs > 0 ? (double)L.st.records / secs : 0,
	       LD_Q(L.push_lat, 0.50), LD_Q(L.push_lat, 0.99),
	       LD_Q(L.push_lat, 0.999), LD_Q(L.push_lat, 1.0));
	if (L.o.pulls)
		printf(json ? "\"pulls_done\": %" PRIu64
		              ", \"pulled_records\": %" PRIu64
		              ", \"pull_p50_ms\": %.2f, \"pull_p99_ms\": %.2f, \"pull_p999_ms\": %.2f, \"pull_max_ms\": %.2f, "
		            : "pulls_done=%" PRIu64 " pulled_records=%" PRIu64
		              " pull_p50_ms=%.2f pull_p99_ms=%.2f pull_p999_ms=%.2f pull_max_ms=%.2f ",
		       L.st.pulls, L.st.pulled, LD_Q(L.pull_lat, 0.50),
		       LD_Q(L.pull_lat, 0.99), LD_Q(L.pull_lat, 0.999),
		       LD_Q(L.pull_lat, 1.0));
	if (L.o.followers > 0)
		printf(json ? "\"events\": %" PRIu64
		              ", \"heartbeats\": %" PRIu64 ", "
		            : "events=%" PRIu64 " heartbeats=%" PRIu64 " ",
		       L.st.events, L.st.heartbeats);
	printf(json ? "\"errors\": {%s}, \"not_applied\": %" PRIu64
	              ", \"setup_failed\": %u, \"lost\": %" PRIu64
	              ", \"in_flight_end\": %" PRIu64
	              ", \"oldest_in_flight_ms\": %.1f, \"setup_s\": %.2f, \"load_cpu_pct\": %.1f, \"load_hwm_kb\": %ld"
	            : "errors=%s not_applied=%" PRIu64
	              " setup_failed=%u lost=%" PRIu64 " in_flight_end=%" PRIu64
	              " oldest_in_flight_ms=%.1f setup_s=%.2f load_cpu_pct=%.1f load_hwm_kb=%ld",
	       json || errs[0] != '\0' ? errs : "none", L.st.not_applied,
	       L.setup_failed, L.st.lost, L.in_flight_end,
	       L.oldest_end_us / 1000.0,
	       L.t_start > L.t_setup ? ld_secs(L.t_setup, L.t_start) : 0,
	       self_cpu, ld_self_hwm());
	if (srv_cpu >= 0)
		printf(json ? ", \"cairnd_cpu_pct\": %.1f, \"cairnd_rss_kb\": %ld, \"cairnd_hwm_kb\": %ld"
		            : " cairnd_cpu_pct=%.1f cairnd_rss_kb=%ld cairnd_hwm_kb=%ld",
		       srv_cpu, L.srv1.rss_kb, L.srv1.hwm_kb);
	/* What the rest of the machine took meanwhile (of nproc cores). */
	if (secs > 0 && srv_cpu >= 0)
		printf(json ? ", \"other_cpu_pct\": %.1f, \"cairnd_runq_wait_pct\": %.1f"
		            : " other_cpu_pct=%.1f cairnd_runq_wait_pct=%.1f",
		       (L.host1 - L.host0) / secs * 100 - srv_cpu - self_cpu,
		       (L.srv1.wait_s - L.srv0.wait_s) / secs * 100);
	printf(json ? "}\n" : "\n");
#undef LD_Q
}

/* ---- options ---- */

static const char ld_usage[] =
        "usage: cairn-load --server HOST:PORT --ca CA.pem [--clients N]\n"
        "                  [--duration S] [--push-size K] [--pulls]\n"
        "                  [--followers F] [--think MS] [--accounts A]\n"
        "                  [--ramp R] [--text-bytes B] [--cairnd-pid PID]\n"
        "                  [--json]\n"
        "\n"
        "  --clients N      pushing clients (default 10)\n"
        "  --duration S     seconds measured, after setup (default 10)\n"
        "  --push-size K    check-ins per push, 1..1000 (default 1)\n"
        "  --pulls          pull from the client's cursor after each push\n"
        "  --followers F    idle live-feed followers besides (default 0)\n"
        "  --think MS       pause of each client after an answer (0)\n"
        "  --accounts A     accounts the connections are spread over\n"
        "                   (default min(100, N + F))\n"
        "  --ramp R         connections being set up at once (64)\n"
        "  --text-bytes B   text of each check-in, 1..4096 bytes (32)\n"
        "  --cairnd-pid PID read cairnd's CPU and memory from /proc\n"
        "  --json           the summary as one JSON object\n";

static int
ld_num(const char *s, unsigned long min, unsigned long max, unsigned *out)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || s[0] == '-' || v < min ||
	    v > max)
		return -1;
	*out = (unsigned)v;
	return 0;
}

/* Splits HOST:PORT or [V6]:PORT into o->host (brackets kept) and port. */
static int
ld_split(const char *s, struct ld_opts *o)
{
	const char *colon = strrchr(s, ':');
	size_t hl;

	if (colon == NULL || colon == s || colon[1] == '\0')
		return -1;
	hl = (size_t)(colon - s);
	if (hl >= sizeof(o->host) || strlen(colon + 1) >= sizeof(o->port))
		return -1;
	memcpy(o->host, s, hl);
	o->host[hl] = '\0';
	snprintf(o->port, sizeof(o->port), "%s", colon + 1);
	return 0;
}

static int
ld_parse(int argc, char **argv, struct ld_opts *o)
{
	static const struct option lo[] = {
	        {"server", required_argument, NULL, 's'},
	        {"ca", required_argument, NULL, 'c'},
	        {"clients", required_argument, NULL, 'n'},
	        {"duration", required_argument, NULL, 'd'},
	        {"push-size", required_argument, NULL, 'k'},
	        {"pulls", no_argument, NULL, 'p'},
	        {"followers", required_argument, NULL, 'f'},
	        {"think", required_argument, NULL, 't'},
	        {"accounts", required_argument, NULL, 'a'},
	        {"ramp", required_argument, NULL, 'r'},
	        {"text-bytes", required_argument, NULL, 'b'},
	        {"cairnd-pid", required_argument, NULL, 'P'},
	        {"json", no_argument, NULL, 'j'},
	        {"help", no_argument, NULL, 'h'},
	        {NULL, 0, NULL, 0}};
	unsigned dur = 10, pid = 0;
	int ch, bad = 0, accounts = 0;

	memset(o, 0, sizeof(*o));
	o->clients = 10;
	o->push_size = 1;
	o->ramp = LD_RAMP_DEFAULT;
	o->text_bytes = 32;
	while ((ch = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (ch) {
		case 's':
			bad |= ld_split(optarg, o);
			break;
		case 'c':
			o->ca = optarg;
			break;
		case 'n':
			bad |= ld_num(optarg, 0, LD_CLIENTS_MAX, &o->clients);
			break;
		case 'd':
			bad |= ld_num(optarg, 1, 86400, &dur);
			break;
		case 'k':
			bad |= ld_num(optarg, 1, MSG_MAX_BATCH, &o->push_size);
			break;
		case 'p':
			o->pulls = 1;
			break;
		case 'f':
			bad |= ld_num(optarg, 0, LD_CLIENTS_MAX, &o->followers);
			break;
		case 't':
			bad |= ld_num(optarg, 0, 3600000, &o->think_ms);
			break;
		case 'a':
			bad |= ld_num(optarg, 1, LD_ACCOUNTS_MAX, &o->accounts);
			accounts = 1;
			break;
		case 'r':
			bad |= ld_num(optarg, 1, LD_CLIENTS_MAX, &o->ramp);
			break;
		case 'b':
			bad |= ld_num(optarg, 1, ENTRY_TEXT_MAX,
			              &o->text_bytes);
			break;
		case 'P':
			bad |= ld_num(optarg, 1, INT_MAX, &pid);
			break;
		case 'j':
			o->json = 1;
			break;
		case 'h':
			fputs(ld_usage, stdout);
			exit(EXIT_OK);
		default:
			bad = 1;
			break;
		}
	}
	o->duration = dur;
	o->pid = (long)pid;
	if (!accounts) {
		o->accounts = o->clients + o->followers;
		if (o->accounts > LD_ACCOUNTS_DEFAULT)
			o->accounts = LD_ACCOUNTS_DEFAULT;
	}
	if (bad || optind != argc || o->host[0] == '\0' || o->ca == NULL ||
	    o->clients + o->followers == 0 || o->accounts == 0 ||
	    o->accounts > o->clients + o->followers) {
		fputs(ld_usage, stderr);
		return -1;
	}
	return 0;
}

/* Raises the soft limit on open files to what the connections need. */
static int
ld_nofile(unsigned long n)
{
	struct rlimit rl;
	rlim_t need = (rlim_t)n + LD_FD_SPARE;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return -1;
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need) {
		if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < need) {
			fprintf(stderr,
			        "cairn-load: %lu connections need %lu open files; the hard limit is %lu (raise ulimit -Hn)\n",
			        n, (unsigned long)need,
			        (unsigned long)rl.rlim_max);
			return -1;
		}
		rl.rlim_cur = need;
		if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
			return -1;
	}
	return 0;
}

static int
ld_resolve(void)
{
	struct addrinfo hints, *res = NULL;
	char host[256];
	size_t len = strlen(L.o.host);
	int r;

	snprintf(host, sizeof(host), "%s", L.o.host);
	if (len > 2 && host[0] == '[' && host[len - 1] == ']') {
		memmove(host, host + 1, len - 2);
		host[len - 2] = '\0';
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if ((r = getaddrinfo(host, L.o.port, &hints, &res)) != 0) {
		fprintf(stderr, "cairn-load: %s: %s\n", L.o.host,
		        gai_strerror(r));
		return -1;
	}
	memcpy(&L.addr, res->ai_addr, res->ai_addrlen);
	freeaddrinfo(res);
	return 0;
}

/* The one check-in body every record carries (entry_validate passes). */
static int
ld_body(void)
{
	Cairn__Entry e = CAIRN__ENTRY__INIT;
	Cairn__Record r = CAIRN__RECORD__INIT;
	char text[ENTRY_TEXT_MAX + 1], why[160], id[UUID_LEN + 1];
	char owner[HANDLE_MAX + 1];
	unsigned i;

	for (i = 0; i < L.o.text_bytes; i++)
		text[i] = "cairn load check-in "[i % 20];
	text[L.o.text_bytes] = '\0';
	memset(id, 'a', UUID_LEN);
	id[UUID_LEN] = '\0';
	memset(owner, 'a', HANDLE_MAX);
	owner[HANDLE_MAX] = '\0';
	e.started_at = (int64_t)time(NULL) - 3600;
	e.utc_offset = 0;
	e.minutes = 25;
	e.activity = "drill";
	e.text = text;
	if (entry_validate(&e, (int64_t)time(NULL), why, sizeof(why)) !=
	    CAIRN_OK) {
		fprintf(stderr, "cairn-load: check-in: %s\n", why);
		return -1;
	}
	L.body_len = cairn__entry__pack(&e, L.body);
	/* A record as ld_push makes it, and its field tag and length. */
	r.id = id;
	r.kind = CAIRN__KIND__KIND_ENTRY;
	r.owner = owner;
	r.hlc = UINT64_MAX;
	r.device = id;
	r.body.data = L.body;
	r.body.len = L.body_len;
	if ((uint64_t)L.o.push_size *
	            (cairn__record__get_packed_size(&r) + 4) >=
	    FRAME_MAX) {
		fprintf(stderr,
		        "cairn-load: %u check-ins of %u bytes of text do not fit in one frame of %u bytes; lower --push-size or --text-bytes\n",
		        L.o.push_size, L.o.text_bytes, FRAME_MAX);
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	char err[512];
	unsigned i, ok;
	int rc = EXIT_FAIL;

	if (ld_parse(argc, argv, &L.o) != 0)
		return EXIT_USAGE;
	signal(SIGPIPE, SIG_IGN);
	srand((unsigned)time(NULL));
	L.total = L.o.clients + L.o.followers;
	L.nreg = L.o.accounts < LD_REGISTRARS ? L.o.accounts : LD_REGISTRARS;
	L.reg_left = L.nreg;
	buf_init(&L.out, FRAME_MAX + FRAME_HEADER);
	if (ld_body() != 0) {
		rc = EXIT_USAGE;
		goto out;
	}
	if (ld_nofile(L.total + L.nreg) != 0 || ld_resolve() != 0)
		goto out;
	if ((L.ctx = tls_ctx_client_new(L.o.ca, err, sizeof(err))) == NULL) {
		fprintf(stderr, "cairn-load: %s\n", err);
		goto out;
	}
	L.accts = calloc(L.o.accounts, sizeof(*L.accts));
	L.conns = calloc(L.total, sizeof(*L.conns));
	if (L.accts == NULL || L.conns == NULL) {
		fprintf(stderr, "cairn-load: out of memory\n");
		goto out;
	}
	for (i = 0; i < L.o.accounts; i++)
		snprintf(L.accts[i].handle, sizeof(L.accts[i].handle),
		         "load%05u", i);
	for (i = 0; i < L.total; i++) {
		L.conns[i].role = i < L.o.clients ? LD_PUSHER : LD_FOLLOWER;
		L.conns[i].acct =
		        &L.accts[(i < L.o.clients ? i : i - L.o.clients) %
		                 L.o.accounts];
	}
	L.loop = uv_default_loop();
	uv_timer_init(L.loop, &L.tick);
	uv_timer_init(L.loop, &L.stop);
	uv_signal_init(L.loop, &L.sigint);
	uv_signal_init(L.loop, &L.sigterm);
	uv_signal_start(&L.sigint, ld_on_signal, SIGINT);
	uv_signal_start(&L.sigterm, ld_on_signal, SIGTERM);
	uv_timer_start(&L.tick, ld_on_tick, 1000, 1000);
	L.phase = LD_PH_ACCOUNTS;
	L.t_setup = uv_hrtime();
	for (i = 0; i < L.nreg; i++) {
		L.reg[i].role = LD_REGISTRAR;
		L.reg[i].next_acct = i;
		ld_start(&L.reg[i]);
	}
	uv_run(L.loop, UV_RUN_DEFAULT);
	if (uv_loop_close(L.loop) != 0)
		fprintf(stderr, "cairn-load: handles left open\n");
	if (L.t_end == 0) {
		fprintf(stderr, "cairn-load: the run did not take place\n");
		goto out;
	}
	ld_summary();
	ok = 1;
	for (i = 1; i < LD_CODES; i++)
		if (L.st.errors[i] != 0)
			ok = 0;
	if (ok && !L.fatal && L.setup_failed == 0 && L.st.lost == 0)
		rc = EXIT_OK;
out:
	for (i = 0; L.conns != NULL && i < L.total; i++) {
		tls_session_free(L.conns[i].s);
		frame_decoder_release(&L.conns[i].dec);
	}
	free(L.conns);
	free(L.accts);
	free(L.push_lat.v);
	free(L.pull_lat.v);
	buf_release(&L.out);
	tls_ctx_free(L.ctx);
	return rc;
}
