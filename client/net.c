/*
 * One blocking connection from the client to cairnd: TCP with timeouts,
 * the common TLS session driven with poll(), frames and messages; Hello
 * first, then Auth with the device token it is given. Every failure
 * becomes one clear line in the caller's errbuf that says what to do. It
 * knows nothing of the command line: the target says where and as whom.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cairn.h"
#include "err.h"
#include "frame.h"
#include "msg.h"
#include "tls.h"

#define NET_CONNECT_TIMEOUT_MS 10000
#define NET_IO_TIMEOUT_MS 30000
#define NET_CHUNK 16384
#define NET_EPOCH_MAX 64

volatile sig_atomic_t net_interrupted;

struct net_conn {
	int fd;
	struct tls_ctx *ctx;      /* owned */
	struct tls_session *tls;  /* owned */
	struct frame_decoder dec; /* plaintext frames from the server */
	uint32_t next_id;
	char where[CLI_SERVER_MAX];  /* "HOST:PORT", for messages */
	char handle[HANDLE_MAX + 1]; /* for the hints, or "" */
	char epoch[NET_EPOCH_MAX + 1];
	uint32_t max_batch;
	int timeout_ms;             /* a wait for the server */
	char refused[UUID_LEN + 1]; /* record named by the last refusal */
	int trust;                  /* HOME_TRUST_PINNED or _SYSTEM */
};

int
net_fd(const struct net_conn *n)
{
	return n->fd;
}

const char *
net_refused_record(const struct net_conn *n)
{
	return n->refused;
}

void
net_set_timeout(struct net_conn *n, int ms)
{
	n->timeout_ms = ms > 0 ? ms : NET_IO_TIMEOUT_MS;
}

const char *
net_epoch(const struct net_conn *n)
{
	return n->epoch;
}

uint32_t
net_max_batch(const struct net_conn *n)
{
	return n->max_batch;
}

/* Waits until fd is ready for events: CAIRN_OK, ETIMEOUT, EINTR, ENET. */
static int
wait_fd(int fd, short events, int timeout_ms)
{
	struct pollfd p;
	int r;

	for (;;) {
		if (net_interrupted)
			return CAIRN_EINTR;
		p.fd = fd;
		p.events = events;
		p.revents = 0;
		r = poll(&p, 1, timeout_ms);
		if (r > 0)
			return CAIRN_OK;
		if (r == 0)
			return CAIRN_ETIMEOUT;
		if (errno != EINTR)
			return CAIRN_ENET;
	}
}

/* Says what failed while talking to the server; eno is errno or 0. */
static int
io_error(struct net_conn *n, int rc, int eno, struct errbuf *err)
{
	if (rc == CAIRN_EINTR)
		return errbuf_set(err, rc, "interrupted");
	if (rc == CAIRN_ETIMEOUT)
		return errbuf_set(err, rc,
		                  "%s did not answer within %d seconds",
		                  n->where, n->timeout_ms / 1000);
	if ((rc == CAIRN_ECLOSED || eno == ECONNRESET) && n->tls != NULL &&
	    !tls_established(n->tls))
		return errbuf_set(
		        err, rc == CAIRN_ECLOSED ? rc : CAIRN_ENET,
		        "%s closed the connection before TLS was set up: the server may be at its connection limit (retry later), or it is not a cairnd",
		        n->where);
	if (rc == CAIRN_ECLOSED)
		return errbuf_set(err, rc, "%s closed the connection",
		                  n->where);
	return errbuf_set(err, CAIRN_ENET, "connection to %s failed: %s",
	                  n->where, strerror(eno));
}

/* Sends every ciphertext byte the TLS session has waiting. */
static int
flush_tls(struct net_conn *n, struct errbuf *err)
{
	uint8_t chunk[NET_CHUNK];
	size_t len, off;
	ssize_t w;
	int rc;

	while (tls_pending(n->tls) > 0) {
		len = tls_take(n->tls, chunk, sizeof(chunk));
		for (off = 0; off < len;) {
			w = send(n->fd, chunk + off, len - off, MSG_NOSIGNAL);
			if (w > 0) {
				off += (size_t)w;
				continue;
			}
			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0 &&
			    (errno == EAGAIN || errno == EWOULDBLOCK)) {
				rc = wait_fd(n->fd, POLLOUT, n->timeout_ms);
				if (rc != CAIRN_OK)
					return io_error(n, rc, errno, err);
				continue;
			}
			return io_error(n, CAIRN_ENET, errno, err);
		}
	}
	return CAIRN_OK;
}

/* Receives some ciphertext from the socket into the TLS session. */
static int
recv_tls(struct net_conn *n, struct errbuf *err)
{
	uint8_t chunk[NET_CHUNK];
	ssize_t r;
	int rc;

	for (;;) {
		r = recv(n->fd, chunk, sizeof(chunk), 0);
		if (r > 0)
			break;
		if (r == 0)
			return io_error(n, CAIRN_ECLOSED, 0, err);
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return io_error(n, CAIRN_ENET, errno, err);
		rc = wait_fd(n->fd, POLLIN, n->timeout_ms);
		if (rc != CAIRN_OK)
			return io_error(n, rc, errno, err);
	}
	if (tls_feed(n->tls, chunk, (size_t)r) != CAIRN_OK)
		return errbuf_set(err, CAIRN_ETLS, "TLS with %s failed: %s",
		                  n->where, tls_error(n->tls));
	return CAIRN_OK;
}

/* Connects a non-blocking TCP socket to one of host's addresses. */
static int
tcp_connect(struct net_conn *n, const char *host, const char *port,
            struct errbuf *err)
{
	struct addrinfo hints, *res = NULL, *ai;
	socklen_t sl;
	int fd = -1, eno = 0, one = 1, rc, gai;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_ADDRCONFIG;
	gai = getaddrinfo(host, port, &hints, &res);
	if (gai != 0 && gai != EAI_AGAIN) {
		hints.ai_flags = 0;
		gai = getaddrinfo(host, port, &hints, &res);
	}
	if (gai != 0)
		return errbuf_set(err, CAIRN_ENET, "cannot resolve %s: %s",
		                  host, gai_strerror(gai));
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family,
		            ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
		            ai->ai_protocol);
		if (fd < 0) {
			eno = errno;
			continue;
		}
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		if (errno == EINPROGRESS) {
			rc = wait_fd(fd, POLLOUT, NET_CONNECT_TIMEOUT_MS);
			if (rc == CAIRN_EINTR) {
				close(fd);
				freeaddrinfo(res);
				return errbuf_set(err, rc, "interrupted");
			}
			sl = sizeof(eno);
			if (rc == CAIRN_OK &&
			    getsockopt(fd, SOL_SOCKET, SO_ERROR, &eno, &sl) ==
			            0 &&
			    eno == 0)
				break;
			if (rc == CAIRN_ETIMEOUT)
				eno = ETIMEDOUT;
		} else {
			eno = errno;
		}
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0) {
		if (eno == ECONNREFUSED)
			return errbuf_set(
			        err, CAIRN_ENET,
			        "cannot connect to %s: connection refused (is cairnd running?)",
			        n->where);
		if (eno == ETIMEDOUT)
			return errbuf_set(err, CAIRN_ETIMEOUT,
			                  "cannot connect to %s: timed out",
			                  n->where);
		return errbuf_set(err, CAIRN_ENET, "cannot connect to %s: %s",
		                  n->where, strerror(eno));
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	n->fd = fd;
	return CAIRN_OK;
}

static int
handshake(struct net_conn *n, struct errbuf *err)
{
	int r, rc;

	for (;;) {
		r = tls_handshake(n->tls);
		if ((rc = flush_tls(n, err)) != CAIRN_OK && r >= 0)
			return rc;
		if (r == 1)
			return CAIRN_OK;
		if (r < 0 && n->trust == HOME_TRUST_SYSTEM &&
		    strstr(tls_error(n->tls), "pinned CA") != NULL)
			return errbuf_set(
			        err, CAIRN_ETLS,
			        "TLS with %s failed: server certificate is not "
			        "signed by a CA this system trusts (this home "
			        "has no pinned CA: run 'cairn init --server %s "
			        "--ca FILE' with the server's CA certificate)",
			        n->where, n->where);
		if (r < 0)
			return errbuf_set(err, CAIRN_ETLS,
			                  "TLS with %s failed: %s", n->where,
			                  tls_error(n->tls));
		if ((rc = recv_tls(n, err)) != CAIRN_OK)
			return rc;
	}
}

/* The message for a refusal from the server, with what to do. */
static int
status_error(struct net_conn *n, const Cairn__Status *s, struct errbuf *err)
{
	const char *msg, *who;
	int code = s->code;

	if (!err_known(code) || code == 0)
		code = CAIRN_EPROTO;
	snprintf(n->refused, sizeof(n->refused), "%.36s",
	         s->record_id != NULL && uuid_valid(s->record_id) ? s->record_id
	                                                          : "");
	msg = s->message != NULL && s->message[0] != '\0' ? s->message
	                                                  : err_message(code);
	who = n->handle[0] != '\0' ? n->handle : "HANDLE";
	if (code == CAIRN_EREVOKED)
		return errbuf_set(
		        err, code,
		        "this device was revoked; run 'cairn login %s'", who);
	if (code == CAIRN_EAUTHREQ)
		return errbuf_set(err, code, "%s; run 'cairn login %s'", msg,
		                  who);
	if (code == CAIRN_EBUSY)
		return errbuf_set(err, code, "%s; try again in a moment", msg);
	/* About the account or the server, not the record it stopped at. */
	if (code == CAIRN_EQUOTA || code == CAIRN_ESERVERFULL)
		return errbuf_set(err, code, "%s", msg);
	if (s->record_id != NULL && s->record_id[0] != '\0')
		return errbuf_set(err, code, "record %.8s: %s", s->record_id,
		                  msg);
	return errbuf_set(err, code, "%s", msg);
}

int
net_send(struct net_conn *n, Cairn__Request *req, struct errbuf *err)
{
	struct buf out;
	int rc;

	buf_init(&out, FRAME_MAX + FRAME_HEADER);
	req->id = ++n->next_id;
	if ((rc = msg_write_request(&out, req)) != CAIRN_OK) {
		rc = errbuf_set(err, rc, "request too large to send");
		goto out;
	}
	if (tls_write(n->tls, out.data, out.len) != CAIRN_OK) {
		rc = errbuf_set(err, CAIRN_ETLS, "TLS with %s failed: %s",
		                n->where, tls_error(n->tls));
		goto out;
	}
	rc = flush_tls(n, err);
out:
	buf_release(&out);
	return rc;
}

/*
 * The line for a message from the server that msg_read_response refused:
 * malformed, or a string in it (or in a record it carries) with a NUL
 * byte, named. Such a message is never applied.
 */
static int
bad_message(struct net_conn *n, const uint8_t *p, size_t len,
            struct errbuf *err)
{
	char why[200];

	if (msg_response_refusal(p, len, why, sizeof(why)) == CAIRN_EINVAL)
		return errbuf_set(err, CAIRN_EPROTO,
		                  "%s sent a message this cairn refuses: %s",
		                  n->where, why);
	return errbuf_set(err, CAIRN_EPROTO, "%s sent a malformed message",
	                  n->where);
}

int
net_recv(struct net_conn *n, Cairn__Response **resp, struct errbuf *err)
{
	uint8_t chunk[NET_CHUNK];
	const uint8_t *payload;
	size_t len;
	Cairn__Response *r;
	int rc, got;

	for (;;) {
		got = frame_decoder_next(&n->dec, &payload, &len);
		if (got == 1) {
			if ((r = msg_read_response(payload, len)) == NULL)
				return bad_message(n, payload, len, err);
			*resp = r;
			return CAIRN_OK;
		}
		if (got < 0)
			return errbuf_set(
			        err, CAIRN_ETOOBIG,
			        "%s sent a frame larger than the limit",
			        n->where);
		got = tls_read(n->tls, chunk, sizeof(chunk));
		if (got > 0) {
			rc = frame_decoder_feed(&n->dec, chunk, (size_t)got);
			if (rc != CAIRN_OK)
				return errbuf_set(err, rc,
				                  "%s sent too much at once",
				                  n->where);
			continue;
		}
		if (got == CAIRN_ECLOSED)
			return io_error(n, CAIRN_ECLOSED, 0, err);
		if (got < 0)
			return errbuf_set(err, CAIRN_ETLS,
			                  "TLS with %s failed: %s", n->where,
			                  tls_error(n->tls));
		if ((rc = flush_tls(n, err)) != CAIRN_OK ||
		    (rc = recv_tls(n, err)) != CAIRN_OK)
			return rc;
	}
}

int
net_call(struct net_conn *n, Cairn__Request *req, Cairn__Response **resp,
         struct errbuf *err)
{
	int rc;

	if ((rc = net_send(n, req, err)) != CAIRN_OK)
		return rc;
	return net_answer(n, req->id, resp, err);
}

int
net_answer(struct net_conn *n, uint32_t id, Cairn__Response **resp,
           struct errbuf *err)
{
	Cairn__Response *r = NULL;
	int rc;

	n->refused[0] = '\0';
	for (;;) {
		if ((rc = net_recv(n, &r, err)) != CAIRN_OK)
			return rc;
		/* Events of a follow are no answer: net_recv's to take. */
		if (r->id == 0 && r->body_case == CAIRN__RESPONSE__BODY_EVENT) {
			msg_free_response(r);
			r = NULL;
			continue;
		}
		break;
	}
	if (r->status != NULL && r->status->code != 0) {
		rc = status_error(n, r->status, err);
		goto out;
	}
	if (r->id != id) {
		rc = errbuf_set(err, CAIRN_EPROTO, "%s answered out of order",
		                n->where);
		goto out;
	}
	*resp = r;
	r = NULL;
	rc = CAIRN_OK;
out:
	msg_free_response(r);
	return rc;
}

static int
say_hello(struct net_conn *n, struct errbuf *err)
{
	Cairn__Request req = CAIRN__REQUEST__INIT;
	Cairn__Hello hello = CAIRN__HELLO__INIT;
	Cairn__Response *resp = NULL;
	int rc;

	hello.version = PROTOCOL_VERSION;
	hello.client = (char *)"cairn/" CAIRN_VERSION;
	req.body_case = CAIRN__REQUEST__BODY_HELLO;
	req.hello = &hello;
	rc = net_call(n, &req, &resp, err);
	if (rc == CAIRN_EVERSION) {
		/* A version 1 server refuses version 2 in just this way. */
		rc = errbuf_set(
		        err, rc,
		        "server too old: %s does not speak protocol version %d (sharing, comments and the feed); upgrade cairnd there",
		        n->where, PROTOCOL_VERSION);
		goto out;
	}
	if (rc != CAIRN_OK)
		goto out;
	if (resp->body_case != CAIRN__RESPONSE__BODY_HELLO ||
	    resp->hello == NULL) {
		rc = errbuf_set(err, CAIRN_EPROTO, "%s did not answer Hello",
		                n->where);
		goto out;
	}
	if (resp->hello->version != PROTOCOL_VERSION) {
		rc = errbuf_set(
		        err, CAIRN_EVERSION,
		        "%s speaks protocol version %u, this cairn speaks %d; update the older one",
		        n->where, resp->hello->version, PROTOCOL_VERSION);
		goto out;
	}
	if (resp->hello->epoch == NULL ||
	    strlen(resp->hello->epoch) > NET_EPOCH_MAX) {
		rc = errbuf_set(err, CAIRN_EPROTO, "%s sent a malformed epoch",
		                n->where);
		goto out;
	}
	snprintf(n->epoch, sizeof(n->epoch), "%s", resp->hello->epoch);
	n->max_batch = resp->hello->max_batch;
	if (n->max_batch == 0 || n->max_batch > MSG_MAX_BATCH)
		n->max_batch = MSG_MAX_BATCH;
out:
	msg_free_response(resp);
	return rc;
}

static int
authenticate(struct net_conn *n, const struct net_target *t, struct errbuf *err)
{
	Cairn__Request req = CAIRN__REQUEST__INIT;
	Cairn__Auth auth = CAIRN__AUTH__INIT;
	Cairn__Response *resp = NULL;
	int rc;

	auth.device_id = (char *)(t->device != NULL ? t->device : "");
	auth.token.data = (uint8_t *)t->token;
	auth.token.len = t->token != NULL ? t->token_len : 0;
	req.body_case = CAIRN__REQUEST__BODY_AUTH;
	req.auth = &auth;
	rc = net_call(n, &req, &resp, err);
	if (rc == CAIRN_ECREDS) {
		/* The server lost or never had this device (a restore?). */
		rc = errbuf_set(
		        err, rc,
		        "%s does not know this device's token; run 'cairn login %s'",
		        n->where, n->handle[0] ? n->handle : "HANDLE");
		goto out;
	}
	if (rc != CAIRN_OK)
		goto out;
	if (resp->body_case != CAIRN__RESPONSE__BODY_SESSION)
		rc = errbuf_set(err, CAIRN_EPROTO, "%s did not answer Auth",
		                n->where);
out:
	msg_free_response(resp);
	return rc;
}

int
net_open(const struct net_target *t, int auth, struct net_conn **out,
         struct errbuf *err)
{
	struct net_conn *n = NULL;
	char host[CLI_HOST_MAX], port[CLI_PORT_MAX], why[256];
	const char *server = t->server != NULL ? t->server : "";
	const char *ca = t->ca != NULL && t->ca[0] != '\0' ? t->ca : NULL;
	int rc;

	n = calloc(1, sizeof(*n));
	if (n == NULL)
		return CAIRN_ENOMEM;
	n->fd = -1;
	n->timeout_ms = NET_IO_TIMEOUT_MS;
	frame_decoder_init(&n->dec, FRAME_MAX);
	snprintf(n->where, sizeof(n->where), "%s", server);
	snprintf(n->handle, sizeof(n->handle), "%s",
	         t->handle != NULL ? t->handle : "");
	if (home_split_server(server, host, sizeof(host), port, sizeof(port)) !=
	    CAIRN_OK) {
		rc = errbuf_set(
		        err, CAIRN_EUSAGE,
		        "bad server '%s' in the config; run 'cairn init --server HOST:PORT'",
		        server);
		goto out;
	}
	/*
	 * The pinned CA (nothing else is trusted), or the system's trust
	 * store when init was told so (--system-ca); a home that says
	 * neither connects to nothing. Never a fallback to plaintext.
	 */
	n->trust = home_trust(ca);
	if (n->trust == HOME_TRUST_NONE) {
		rc = errbuf_set(
		        err, CAIRN_ENOCONFIG,
		        "this home trusts no CA for %s; run 'cairn init --server %s --ca FILE' with the server's CA certificate (or --system-ca)",
		        server, server);
		goto out;
	}
	why[0] = '\0';
	n->ctx = tls_ctx_client_new(n->trust == HOME_TRUST_SYSTEM ? NULL : ca,
	                            why, sizeof(why));
	if (n->ctx == NULL) {
		rc = errbuf_set(err, CAIRN_ETLS, "cannot set up TLS: %s", why);
		goto out;
	}
	if ((rc = tcp_connect(n, host, port, err)) != CAIRN_OK)
		goto out;
	n->tls = tls_session_new(n->ctx, host);
	if (n->tls == NULL) {
		rc = errbuf_set(err, CAIRN_ETLS, "cannot start TLS");
		goto out;
	}
	if ((rc = handshake(n, err)) != CAIRN_OK ||
	    (rc = say_hello(n, err)) != CAIRN_OK)
		goto out;
	if (auth && (rc = authenticate(n, t, err)) != CAIRN_OK)
		goto out;
	*out = n;
	n = NULL;
out:
	net_close(n);
	return rc;
}

void
net_close(struct net_conn *n)
{
	uint8_t chunk[NET_CHUNK];
	size_t len;

	if (n == NULL)
		return;
	if (n->tls != NULL && n->fd >= 0 && tls_established(n->tls)) {
		/* Best effort close_notify; never wait for it. */
		tls_shutdown(n->tls);
		while ((len = tls_take(n->tls, chunk, sizeof(chunk))) > 0)
			if (send(n->fd, chunk, len, MSG_NOSIGNAL) < 0)
				break;
	}
	tls_session_free(n->tls);
	tls_ctx_free(n->ctx);
	frame_decoder_release(&n->dec);
	if (n->fd >= 0)
		close(n->fd);
	free(n);
}
