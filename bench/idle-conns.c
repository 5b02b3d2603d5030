/*
 * cairn-idle-conns: opens N authenticated TLS connections to a cairnd and
 * keeps them idle, so that bench/idle-conns.sh can read the server's
 * memory with and without them. It speaks the protocol with common/ (TLS
 * over memory BIOs, frames, messages) over blocking sockets.
 *
 *   cairn-idle-conns [--pull] HOST PORT CA N
 *
 * It talks to the script one line at a time. First it opens a warm-up
 * connection (Hello, then Register, or Login when the account exists) that
 * stays open, so password hashing and the first connection's one-time costs
 * are paid before the script's first reading, and prints "ready". When a
 * line arrives on stdin it opens N connections, each doing Hello and Auth
 * as that device, and prints "open N". At end of input it closes them all
 * and exits 0. With --pull every connection, the warm-up one included,
 * also pulls the account's first batch of records before it goes idle, as
 * a follower catching up would.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "err.h"
#include "frame.h"
#include "msg.h"
#include "tls.h"
#include "uuid.h"

#define IC_HANDLE "idlebench"
#define IC_PASSWORD "idle-bench-password"
#define IC_TOKEN_LEN 32
#define IC_TIMEOUT_S 30
#define IC_N_MAX 1000000
#define IC_FD_SPARE 16 /* stdio, the warm-up connection, and room */

/* One client connection while it is being set up. */
struct ic_conn {
	int fd;
	struct tls_session *s; /* owned */
	struct frame_decoder dec;
	uint32_t next_id;
};

/* The device every connection authenticates as. */
struct ic_device {
	char id[UUID_LEN + 1];
	uint8_t token[IC_TOKEN_LEN];
	char epoch[UUID_LEN + 1]; /* the server's, from HelloOk */
};

/* Writes every pending ciphertext byte to the socket. */
static int
ic_flush(struct ic_conn *c)
{
	uint8_t buf[16384];
	size_t n, off;
	ssize_t w;

	while ((n = tls_take(c->s, buf, sizeof(buf))) > 0) {
		for (off = 0; off < n; off += (size_t)w) {
			w = write(c->fd, buf + off, n - off);
			if (w < 0 && errno == EINTR) {
				w = 0;
				continue;
			}
			if (w <= 0)
				return CAIRN_ENET;
		}
	}
	return CAIRN_OK;
}

/* Reads ciphertext once and feeds it to the session. */
static int
ic_read_more(struct ic_conn *c)
{
	uint8_t buf[16384];
	ssize_t n;

	do
		n = read(c->fd, buf, sizeof(buf));
	while (n < 0 && errno == EINTR);
	if (n == 0)
		return CAIRN_ECLOSED;
	if (n < 0)
		return errno == EAGAIN ? CAIRN_ETIMEOUT : CAIRN_ENET;
	return tls_feed(c->s, buf, (size_t)n);
}

/*
 * A blocking TCP connection to addr with read and write timeouts, and
 * without Nagle's delay (the handshake's last flight and Hello are two
 * small writes in a row).
 */
static int
ic_tcp(const struct sockaddr_in *addr, int *out)
{
	struct timeval tv = {IC_TIMEOUT_S, 0};
	int fd, one = 1, rc = CAIRN_ENET;

	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) < 0)
		goto out;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) != 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) != 0 ||
	    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) != 0 ||
	    connect(fd, (const struct sockaddr *)addr, sizeof(*addr)) != 0)
		goto out;
	*out = fd;
	fd = -1;
	rc = CAIRN_OK;
out:
	if (fd >= 0)
		close(fd);
	return rc;
}

/* Frees the session and decoder of c; the socket stays open. */
static void
ic_release(struct ic_conn *c)
{
	tls_session_free(c->s);
	c->s = NULL;
	frame_decoder_release(&c->dec);
}

/* Connects c and completes the TLS handshake. */
static int
ic_connect(struct ic_conn *c, struct tls_ctx *ctx, const char *host,
           const struct sockaddr_in *addr)
{
	int rc, r;

	memset(c, 0, sizeof(*c));
	c->fd = -1;
	frame_decoder_init(&c->dec, FRAME_MAX);
	if ((c->s = tls_session_new(ctx, host)) == NULL)
		return CAIRN_ETLS;
	if ((rc = ic_tcp(addr, &c->fd)) != CAIRN_OK)
		return rc;
	while ((r = tls_handshake(c->s)) == 0) {
		if ((rc = ic_flush(c)) != CAIRN_OK ||
		    (rc = ic_read_more(c)) != CAIRN_OK)
			return rc;
	}
	if (r < 0) {
		fprintf(stderr, "cairn-idle-conns: %s\n", tls_error(c->s));
		return CAIRN_ETLS;
	}
	return ic_flush(c);
}

/* Sends req and reads its response into *out (caller frees). */
static int
ic_call(struct ic_conn *c, Cairn__Request *req, Cairn__Response **out)
{
	Cairn__Response *r = NULL;
	const uint8_t *p;
	uint8_t buf[16384];
	struct buf b;
	size_t len;
	int rc, n;

	req->id = ++c->next_id;
	buf_init(&b, FRAME_MAX + FRAME_HEADER);
	rc = msg_write_request(&b, req);
	if (rc == CAIRN_OK)
		rc = tls_write(c->s, b.data, b.len);
	buf_release(&b);
	if (rc != CAIRN_OK || (rc = ic_flush(c)) != CAIRN_OK)
		return rc;
	for (;;) {
		if ((rc = frame_decoder_next(&c->dec, &p, &len)) < 0)
			return rc;
		if (rc == 1)
			break;
		n = tls_read(c->s, buf, sizeof(buf));
		if ((rc = ic_flush(c)) != CAIRN_OK)
			return rc;
		if (n < 0)
			return n;
		if (n > 0) {
			rc = frame_decoder_feed(&c->dec, buf, (size_t)n);
			if (rc != CAIRN_OK)
				return rc;
		} else if ((rc = ic_read_more(c)) != CAIRN_OK) {
			return rc;
		}
	}
	if ((r = msg_read_response(p, len)) == NULL)
		return CAIRN_EPROTO;
	if (r->id != req->id) {
		msg_free_response(r);
		return CAIRN_EPROTO;
	}
	*out = r;
	return CAIRN_OK;
}

/* The status code of a response (0 when absent). */
static int
ic_code(const Cairn__Response *r)
{
	return r->status != NULL ? r->status->code : 0;
}

/* Says Hello; writes the server's epoch to epoch. */
static int
ic_hello(struct ic_conn *c, char epoch[UUID_LEN + 1])
{
	Cairn__Request req = CAIRN__REQUEST__INIT;
	Cairn__Hello h = CAIRN__HELLO__INIT;
	Cairn__Response *r = NULL;
	int rc;

	h.version = PROTOCOL_VERSION;
	h.client = "cairn-idle-conns";
	req.body_case = CAIRN__REQUEST__BODY_HELLO;
	req.hello = &h;
	if ((rc = ic_call(c, &req, &r)) != CAIRN_OK)
		return rc;
	rc = ic_code(r);
	if (rc == CAIRN_OK && (r->body_case != CAIRN__RESPONSE__BODY_HELLO ||
	                       !uuid_valid(r->hello->epoch)))
		rc = CAIRN_EPROTO;
	if (rc == CAIRN_OK)
		snprintf(epoch, UUID_LEN + 1, "%s", r->hello->epoch);
	msg_free_response(r);
	return rc;
}

/*
 * Registers the bench account, or logs in when it exists (a database used
 * before), and fills dev with the new device.
 */
static int
ic_account(struct ic_conn *c, struct ic_device *dev)
{
	Cairn__Request req = CAIRN__REQUEST__INIT;
	Cairn__Register rg = CAIRN__REGISTER__INIT;
	Cairn__Login lg = CAIRN__LOGIN__INIT;
	Cairn__Response *r = NULL;
	int rc;

	rg.handle = lg.handle = IC_HANDLE;
	rg.password = lg.password = IC_PASSWORD;
	rg.device_name = lg.device_name = "idle-bench";
	req.body_case = CAIRN__REQUEST__BODY_REGISTER;
	req.register_ = &rg;
	if ((rc = ic_call(c, &req, &r)) != CAIRN_OK)
		return rc;
	if (ic_code(r) == CAIRN_EEXIST) {
		msg_free_response(r);
		r = NULL;
		req.body_case = CAIRN__REQUEST__BODY_LOGIN;
		req.register_ = NULL;
		req.login = &lg;
		if ((rc = ic_call(c, &req, &r)) != CAIRN_OK)
			return rc;
	}
	rc = ic_code(r);
	if (rc == CAIRN_OK && (r->body_case != CAIRN__RESPONSE__BODY_SESSION ||
	                       r->session->token.len != IC_TOKEN_LEN ||
	                       !uuid_valid(r->session->device_id)))
		rc = CAIRN_EPROTO;
	if (rc == CAIRN_OK) {
		snprintf(dev->id, sizeof(dev->id), "%s", r->session->device_id);
		memcpy(dev->token, r->session->token.data, IC_TOKEN_LEN);
	}
	msg_free_response(r);
	return rc;
}

static int
ic_auth(struct ic_conn *c, const struct ic_device *dev)
{
	Cairn__Request req = CAIRN__REQUEST__INIT;
	Cairn__Auth a = CAIRN__AUTH__INIT;
	Cairn__Response *r = NULL;
	int rc;

	a.device_id = (char *)dev->id;
	a.token.data = (uint8_t *)dev->token;
	a.token.len = IC_TOKEN_LEN;
	req.body_case = CAIRN__REQUEST__BODY_AUTH;
	req.auth = &a;
	if ((rc = ic_call(c, &req, &r)) != CAIRN_OK)
		return rc;
	rc = ic_code(r);
	msg_free_response(r);
	return rc;
}

/* Pulls the first batch of records (as many as the server sends). */
static int
ic_pull(struct ic_conn *c, const struct ic_device *dev)
{
	Cairn__Request req = CAIRN__REQUEST__INIT;
	Cairn__Pull p = CAIRN__PULL__INIT;
	Cairn__Response *r = NULL;
	int rc;

	p.cursor = 0;
	p.epoch = (char *)dev->epoch;
	p.limit = 0;
	req.body_case = CAIRN__REQUEST__BODY_PULL;
	req.pull = &p;
	if ((rc = ic_call(c, &req, &r)) != CAIRN_OK)
		return rc;
	rc = ic_code(r);
	if (rc == CAIRN_OK && r->body_case != CAIRN__RESPONSE__BODY_PULL)
		rc = CAIRN_EPROTO;
	msg_free_response(r);
	return rc;
}

/* Raises the soft limit on open files to what n connections need. */
static int
ic_nofile(unsigned long n)
{
	struct rlimit rl;
	rlim_t need = (rlim_t)n + IC_FD_SPARE;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return CAIRN_EINTERNAL;
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need) {
		if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < need) {
			fprintf(stderr,
			        "cairn-idle-conns: %lu connections need %lu open files; the hard limit is %lu (raise ulimit -Hn)\n",
			        n, (unsigned long)need,
			        (unsigned long)rl.rlim_max);
			return CAIRN_EUSAGE;
		}
		rl.rlim_cur = need;
		if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
			return CAIRN_EINTERNAL;
	}
	return CAIRN_OK;
}

/* Reads stdin up to the end of a line (1) or to end of input (0). */
static int
ic_wait_line(void)
{
	int ch;

	while ((ch = getchar()) != EOF)
		if (ch == '\n')
			return 1;
	return 0;
}

int
main(int argc, char **argv)
{
	struct tls_ctx *ctx = NULL;
	struct sockaddr_in addr;
	struct ic_device dev;
	struct ic_conn warm, c;
	char err[512];
	unsigned long n = 0, i, nopen = 0;
	int *fds = NULL;
	int rc = CAIRN_EUSAGE, port, pull = 0;

	warm.fd = -1;
	warm.s = NULL;
	frame_decoder_init(&warm.dec, FRAME_MAX);
	if (argc > 1 && strcmp(argv[1], "--pull") == 0) {
		pull = 1;
		argc--;
		argv++;
	}
	if (argc != 5) {
		fprintf(stderr,
		        "usage: cairn-idle-conns [--pull] HOST PORT CA N\n");
		goto out;
	}
	port = atoi(argv[2]);
	n = strtoul(argv[4], NULL, 10);
	memset(&addr, 0, sizeof(addr));
	addr.sin_family = AF_INET;
	addr.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, argv[1], &addr.sin_addr) != 1 || port <= 0 ||
	    port > 65535 || n == 0 || n > IC_N_MAX) {
		fprintf(stderr,
		        "cairn-idle-conns: HOST must be an IPv4 address, PORT 1..65535, N 1..1000000\n");
		goto out;
	}
	if ((rc = ic_nofile(n)) != CAIRN_OK)
		goto out;
	if ((fds = calloc(n, sizeof(*fds))) == NULL) {
		rc = CAIRN_ENOMEM;
		goto out;
	}
	if ((ctx = tls_ctx_client_new(argv[3], err, sizeof(err))) == NULL) {
		fprintf(stderr, "cairn-idle-conns: %s\n", err);
		rc = CAIRN_ETLS;
		goto out;
	}
	if ((rc = ic_connect(&warm, ctx, argv[1], &addr)) != CAIRN_OK ||
	    (rc = ic_hello(&warm, dev.epoch)) != CAIRN_OK ||
	    (rc = ic_account(&warm, &dev)) != CAIRN_OK ||
	    (pull && (rc = ic_pull(&warm, &dev)) != CAIRN_OK)) {
		fprintf(stderr, "cairn-idle-conns: warm-up connection\n");
		goto out;
	}
	printf("ready\n");
	fflush(stdout);
	if (!ic_wait_line())
		goto out;
	for (i = 0; i < n; i++) {
		rc = ic_connect(&c, ctx, argv[1], &addr);
		if (rc == CAIRN_OK)
			rc = ic_hello(&c, dev.epoch);
		if (rc == CAIRN_OK)
			rc = ic_auth(&c, &dev);
		if (rc == CAIRN_OK && pull)
			rc = ic_pull(&c, &dev);
		ic_release(&c);
		if (c.fd >= 0)
			fds[nopen++] = c.fd;
		if (rc != CAIRN_OK) {
			fprintf(stderr, "cairn-idle-conns: connection %lu\n",
			        i + 1);
			goto out;
		}
	}
	printf("open %lu\n", nopen);
	fflush(stdout);
	while (ic_wait_line())
		;
	rc = CAIRN_OK;
out:
	if (rc != CAIRN_OK && rc != CAIRN_EUSAGE)
		fprintf(stderr, "cairn-idle-conns: %s\n", err_message(rc));
	for (i = 0; i < nopen; i++)
		close(fds[i]);
	free(fds);
	if (warm.fd >= 0)
		close(warm.fd);
	ic_release(&warm);
	tls_ctx_free(ctx);
	if (rc == CAIRN_OK)
		return EXIT_OK;
	return rc == CAIRN_EUSAGE ? EXIT_USAGE : EXIT_FAIL;
}
