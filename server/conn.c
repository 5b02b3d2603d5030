/*
 * One client connection: TCP via libuv, TLS via common/tls.c memory BIOs,
 * frames via common/frame.c. Ciphertext read from the socket is fed to the
 * TLS session; plaintext goes into a bounded frame decoder; complete
 * frames go to the dispatcher one at a time (later pipelined frames wait
 * in the decoder). After every TLS call the session's output is drained
 * into uv_write requests, each owning its bytes until its callback.
 *
 * Back-pressure: reading stops while more than CONN_WQ_HIGH bytes wait to
 * be written or the decoder holds a maximum frame, and resumes when they
 * drain; a peer that stops reading therefore holds bounded memory and is
 * dropped by the idle timer.
 *
 * Memory: a connection owns no read buffer. Every connection reads its
 * ciphertext into the server's one read buffer (srv->rbuf) and takes its
 * plaintext into the server's one plaintext buffer (srv->pbuf). Sharing
 * them is safe because each is filled and emptied within one call on the
 * loop thread, the only thread that touches them: libuv calls
 * conn_on_alloc just before each read(2) and conn_on_read just after it,
 * and conn_on_read hands the bytes to tls_feed, which copies them into
 * the session's memory BIO, before anything else; conn_pump passes what
 * tls_read put in pbuf straight to frame_decoder_feed, which copies it,
 * before any other call. Neither buffer holds anything once that call
 * returns, so no callback, nested pump or other connection can find bytes
 * of ours in it. What an idle connection keeps is this struct, its TLS
 * session and its frame decoder.
 */
#include <stdlib.h>
#include <string.h>

#include "cairnd.h"
#include "err.h"
#include "log.h"
#include "msg.h"
#include "tls.h"

#define CONN_WQ_HIGH (8u * 1024 * 1024)
#define CONN_DECODER_LIMIT (FRAME_MAX + FRAME_HEADER)
#define CONN_FLUSH_TIMEOUT_MS 5000

/* One uv_write with the ciphertext it owns. */
struct conn_write {
	uv_write_t req;
	struct conn *c;
	size_t len;
	uint8_t data[];
};

static void conn_pump(struct conn *c);
static void conn_on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *b);
static void conn_on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *b);

void
conn_ref(struct conn *c)
{
	c->refs++;
}

void
conn_unref(struct conn *c)
{
	if (--c->refs > 0)
		return;
	if (c->tls != NULL)
		tls_session_free(c->tls);
	frame_decoder_release(&c->dec);
	free(c);
}

static void
conn_on_close(uv_handle_t *h)
{
	struct conn *c = h->data;

	if (--c->handles == 0)
		conn_unref(c);
}

void
conn_close(struct conn *c, const char *reason)
{
	struct server *srv = c->srv;

	if (c->closing)
		return;
	c->closing = 1;
	c->reading = 0;
	log_event(LOG_INFO, "conn.close", "peer=%s reason=\"%s\" ms=%llu",
	          c->peer, reason,
	          (unsigned long long)(now_mono_ms() - c->opened_ms));
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		srv->conns = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	c->prev = c->next = NULL;
	srv->nconns--;
	follow_forget(c);
	uv_read_stop((uv_stream_t *)&c->tcp);
	uv_timer_stop(&c->timer);
	uv_close((uv_handle_t *)&c->tcp, conn_on_close);
	uv_close((uv_handle_t *)&c->timer, conn_on_close);
	server_check_stop(srv);
}

/* Starts reading when there is room, stops when there is none. */
static void
conn_update_reading(struct conn *c)
{
	int want;

	want = !c->closing && !c->close_after_flush && !c->stop_requested &&
	       c->wq_bytes < CONN_WQ_HIGH &&
	       frame_decoder_pending(&c->dec) < CONN_DECODER_LIMIT;
	if (want == c->reading || c->closing)
		return;
	if (want) {
		if (uv_read_start((uv_stream_t *)&c->tcp, conn_on_alloc,
		                  conn_on_read) != 0) {
			conn_close(c, "read start failed");
			return;
		}
	} else {
		uv_read_stop((uv_stream_t *)&c->tcp);
	}
	c->reading = want;
}

static void conn_on_timer(uv_timer_t *t);

static void
conn_arm_timer(struct conn *c, uint64_t ms)
{
	if (!c->closing && c->timer.data == c)
		uv_timer_start(&c->timer, conn_on_timer, ms, 0);
}

/* The idle timeout; followers have heartbeats instead (h-follow.c). */
static void
conn_arm_idle(struct conn *c)
{
	if (c->follower) {
		if (c->timer.data == c)
			uv_timer_stop(&c->timer);
		return;
	}
	conn_arm_timer(c, (uint64_t)c->srv->cfg->idle_timeout * 1000);
}

static void
conn_on_write(uv_write_t *req, int status)
{
	struct conn_write *w = container_of(req, struct conn_write, req);
	struct conn *c = w->c;
	size_t before = c->wq_bytes;

	c->wq_bytes -= w->len;
	free(w);
	if (c->closing)
		return;
	if (status < 0) {
		conn_close(c, uv_err_name(status));
		return;
	}
	if (c->close_after_flush) {
		if (c->wq_bytes == 0)
			conn_close(c, c->close_reason);
		return;
	}
	if (tls_established(c->tls) && c->rq == NULL)
		conn_arm_idle(c);
	if (before >= CONN_WQ_HIGH && c->wq_bytes < CONN_WQ_HIGH)
		conn_pump(c);
	follow_drained(c);
}

/* Moves every pending ciphertext byte of the session into uv_write. */
static int
conn_flush_tls(struct conn *c)
{
	struct conn_write *w;
	uv_buf_t b;
	size_t n;
	int rc;

	while ((n = tls_pending(c->tls)) > 0) {
		if ((w = malloc(sizeof(*w) + n)) == NULL) {
			conn_close(c, "out of memory");
			return CAIRN_ENOMEM;
		}
		w->c = c;
		w->len = tls_take(c->tls, w->data, n);
		if (c->closing) {
			free(w);
			continue;
		}
		b = uv_buf_init((char *)w->data, (unsigned)w->len);
		rc = uv_write(&w->req, (uv_stream_t *)&c->tcp, &b, 1,
		              conn_on_write);
		if (rc != 0) {
			free(w);
			conn_close(c, uv_err_name(rc));
			return CAIRN_ENET;
		}
		c->wq_bytes += w->len;
	}
	return CAIRN_OK;
}

void
conn_close_after_flush(struct conn *c, const char *reason)
{
	if (c->closing || c->close_after_flush)
		return;
	c->close_after_flush = 1;
	c->close_reason = reason;
	tls_shutdown(c->tls);
	if (conn_flush_tls(c) != CAIRN_OK)
		return;
	conn_update_reading(c);
	if (c->wq_bytes == 0)
		conn_close(c, reason);
	else
		conn_arm_timer(c, CONN_FLUSH_TIMEOUT_MS);
}

int
conn_send(struct conn *c, const Cairn__Response *resp)
{
	struct buf b;
	int rc;

	if (c->closing)
		return CAIRN_ECLOSED;
	buf_init(&b, FRAME_MAX + FRAME_HEADER);
	rc = msg_write_response(&b, resp);
	if (rc == CAIRN_OK && tls_write(c->tls, b.data, b.len) != CAIRN_OK)
		rc = CAIRN_ETLS;
	buf_release(&b);
	if (rc == CAIRN_OK)
		rc = conn_flush_tls(c);
	return rc;
}

static void
conn_on_timer(uv_timer_t *t)
{
	struct conn *c = t->data;

	if (c->close_after_flush) {
		conn_close(c, "flush timeout");
	} else if (!tls_established(c->tls)) {
		log_event(LOG_INFO, "tls.fail",
		          "peer=%s reason=\"handshake "
		          "timeout\"",
		          c->peer);
		conn_close(c, "handshake timeout");
	} else if (c->rq != NULL || c->follower) {
		conn_arm_idle(c); /* a slow job is not an idle peer */
	} else {
		conn_close(c, "idle timeout");
	}
}

/*
 * Dispatches complete frames and pulls plaintext from the TLS session
 * into the decoder, as far as the one-request-at-a-time rule and the
 * buffer ceilings allow.
 */
static void
conn_pump(struct conn *c)
{
	uint8_t *pbuf = c->srv->pbuf;
	const uint8_t *p;
	size_t len, room, pending;
	int r, n;

	while (!c->closing && !c->close_after_flush && !c->stop_requested) {
		if (c->rq == NULL && c->wq_bytes < CONN_WQ_HIGH) {
			r = frame_decoder_next(&c->dec, &p, &len);
			if (r < 0) {
				log_event(LOG_INFO, "conn.bad_frame",
				          "peer=%s reason=\"length over %u\"",
				          c->peer, (unsigned)FRAME_MAX);
				dispatch_error(c, CAIRN_ETOOBIG,
				               "frame larger than the maximum");
				conn_close_after_flush(c, "frame too large");
				break;
			}
			if (r == 1) {
				dispatch_frame(c, p, len);
				continue;
			}
		}
		pending = frame_decoder_pending(&c->dec);
		if (pending >= CONN_DECODER_LIMIT)
			break;
		room = CONN_DECODER_LIMIT - pending;
		if (room > CONN_BUF_SIZE)
			room = CONN_BUF_SIZE;
		/* The shared pbuf is copied out before any other call. */
		n = tls_read(c->tls, pbuf, room);
		if (n > 0 &&
		    frame_decoder_feed(&c->dec, pbuf, (size_t)n) != CAIRN_OK) {
			conn_close(c, "out of memory");
			return;
		}
		if (conn_flush_tls(c) != CAIRN_OK)
			return;
		if (n == 0)
			break;
		if (n == CAIRN_ECLOSED) {
			conn_close(c, "peer closed");
			return;
		}
		if (n < 0) {
			log_event(LOG_INFO, "tls.fail", "peer=%s reason=\"%s\"",
			          c->peer, tls_error(c->tls));
			conn_close(c, "tls error");
			return;
		}
	}
	conn_update_reading(c);
}

/* Lends the server's read buffer; conn_on_read empties it at once. */
static void
conn_on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *b)
{
	struct conn *c = h->data;

	b->base = (char *)c->srv->rbuf;
	b->len = CONN_BUF_SIZE;
}

static void
conn_on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *b)
{
	struct conn *c = s->data;
	int r;

	if (nread == 0 || c->closing)
		return;
	if (nread < 0) {
		conn_close(c, nread == UV_EOF ? "eof" : uv_err_name(nread));
		return;
	}
	if (c->close_after_flush)
		return; /* the answer is final; what follows is dropped */
	/* First use of the shared read buffer: the BIO takes a copy. */
	if (tls_feed(c->tls, b->base, (size_t)nread) != CAIRN_OK) {
		conn_close(c, "tls feed failed");
		return;
	}
	if (!tls_established(c->tls)) {
		r = tls_handshake(c->tls);
		if (conn_flush_tls(c) != CAIRN_OK)
			return;
		if (r < 0) {
			log_event(LOG_INFO, "tls.fail", "peer=%s reason=\"%s\"",
			          c->peer, tls_error(c->tls));
			conn_close(c, "tls handshake failed");
			return;
		}
		if (r == 0)
			return;
		log_event(LOG_DEBUG, "tls.ok", "peer=%s", c->peer);
	}
	conn_arm_idle(c);
	conn_pump(c);
}

void
conn_request_done(struct conn *c)
{
	if (c->closing || c->close_after_flush)
		return;
	if (c->stop_requested) {
		conn_close_after_flush(c, "server stopping");
		return;
	}
	conn_arm_idle(c);
	conn_pump(c);
}

void
conn_stop(struct conn *c)
{
	if (c->closing)
		return;
	c->stop_requested = 1;
	if (c->rq == NULL)
		conn_close_after_flush(c, "server stopping");
	else
		conn_update_reading(c);
}

/* Writes "IP:PORT" (IPv6 in brackets) and the bare IP of addr. */
static void
conn_name(const struct sockaddr_storage *ss, char *peer, size_t peerlen,
          char *ip, size_t iplen)
{
	int port = 0;

	snprintf(ip, iplen, "?");
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *a = (const void *)ss;

		uv_ip4_name(a, ip, iplen);
		port = ntohs(a->sin_port);
		snprintf(peer, peerlen, "%s:%d", ip, port);
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const void *)ss;

		uv_ip6_name(a, ip, iplen);
		port = ntohs(a->sin6_port);
		snprintf(peer, peerlen, "[%s]:%d", ip, port);
	} else {
		snprintf(peer, peerlen, "?");
	}
}

static void
conn_free_refused(uv_handle_t *h)
{
	free(h);
}

/* Accepts and at once closes a connection over the limit. */
static void
conn_refuse(struct server *srv, const char *why)
{
	struct sockaddr_storage ss;
	char peer[64], ip[48];
	int len = sizeof(ss);
	uv_tcp_t *t;

	if ((t = malloc(sizeof(*t))) == NULL)
		return;
	if (uv_tcp_init(srv->loop, t) != 0) {
		free(t);
		return;
	}
	if (uv_accept((uv_stream_t *)&srv->listener, (uv_stream_t *)t) == 0) {
		snprintf(peer, sizeof(peer), "?");
		if (uv_tcp_getpeername(t, (struct sockaddr *)&ss, &len) == 0)
			conn_name(&ss, peer, sizeof(peer), ip, sizeof(ip));
		log_event(LOG_WARN, "conn.refused",
		          "peer=%s reason=\"%s\" "
		          "conns=%u",
		          peer, why, srv->nconns);
	}
	uv_close((uv_handle_t *)t, conn_free_refused);
}

void
conn_accept(struct server *srv)
{
	struct sockaddr_storage ss;
	struct conn *c;
	int len = sizeof(ss);

	if (srv->stopping) {
		conn_refuse(srv, "server stopping");
		return;
	}
	if (srv->nconns >= srv->cfg->max_conns) {
		conn_refuse(srv, "too many connections");
		return;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		conn_refuse(srv, "out of memory");
		return;
	}
	c->srv = srv;
	c->refs = 1; /* held by the handles until both are closed */
	c->id = ++srv->next_conn_id;
	c->opened_ms = now_mono_ms();
	frame_decoder_init(&c->dec, FRAME_MAX);
	if (uv_tcp_init(srv->loop, &c->tcp) != 0) {
		free(c);
		return;
	}
	c->tcp.data = c;
	c->handles = 1;
	if (uv_timer_init(srv->loop, &c->timer) == 0) {
		c->timer.data = c;
		c->handles++;
	}
	snprintf(c->peer, sizeof(c->peer), "?");
	/* Linked first so conn_close can unlink it whatever fails next. */
	c->next = srv->conns;
	if (srv->conns != NULL)
		srv->conns->prev = c;
	srv->conns = c;
	srv->nconns++;
	if (uv_accept((uv_stream_t *)&srv->listener, (uv_stream_t *)&c->tcp) !=
	            0 ||
	    c->handles != 2) {
		conn_close(c, "accept failed");
		return;
	}
	if (uv_tcp_getpeername(&c->tcp, (struct sockaddr *)&ss, &len) == 0)
		conn_name(&ss, c->peer, sizeof(c->peer), c->ip, sizeof(c->ip));
	uv_tcp_nodelay(&c->tcp, 1);
	log_event(LOG_INFO, "conn.open", "peer=%s conns=%u", c->peer,
	          srv->nconns);
	if ((c->tls = tls_session_new(srv->tls, NULL)) == NULL) {
		conn_close(c, "tls session failed");
		return;
	}
	conn_arm_timer(c, (uint64_t)srv->cfg->handshake_timeout * 1000);
	conn_update_reading(c);
}
