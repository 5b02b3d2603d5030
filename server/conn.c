/*
 * One client connection: TCP via libuv, TLS via common/tls.c memory BIOs,
 * frames via common/frame.c. Ciphertext read from the socket is fed to the
 * TLS session; plaintext goes into a bounded frame decoder; complete
 * frames go to the dispatcher one at a time (later pipelined frames wait
 * in the decoder). After every TLS call the session's output is drained
 * into uv_write requests, each owning its bytes until its callback.
 *
 * Back-pressure: no new request is taken and reading stops while more
 * than CONN_WQ_HIGH bytes wait to be written, so a peer that sends
 * requests and reads no replies holds at most one reply beyond that; if
 * its queue does not move for --write-timeout seconds it is closed.
 *
 * Memory before trust: until the connection has a session, a frame may
 * be at most CONN_PREAUTH_FRAME bytes (a Register with the longest
 * password fits); full-size frames come after Auth. Bytes buffered by all
 * decoders are counted in srv->in_bytes: past --input-budget a connection
 * finishes the frame it has begun but reads no further ahead than
 * CONN_SMALL_INPUT until others drain.
 *
 * Slots: --max-conns-per-ip per address; when the server is full the
 * oldest connection without a session makes room for the new one, and
 * one without a session is closed --auth-timeout seconds after it opened.
 * Every deadline of a connection (handshake, session, write progress,
 * idle, flush) is computed in conn_deadline and served by its one timer.
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

#define CONN_WQ_HIGH (64u * 1024)
#define CONN_WRITE_PIECE (64u * 1024) /* ciphertext per uv_write */
#define CONN_PREAUTH_FRAME (8u * 1024)
#define CONN_SMALL_INPUT (64u * 1024)
#define CONN_FLUSH_TIMEOUT_MS 5000
#define CONN_EVICTED "evicted"
#define CONN_PER_IP "too many connections from this address"
#define CONN_FULL "too many connections"

/* One uv_write with the ciphertext it owns. */
struct conn_write {
	uv_write_t req;
	struct conn *c;
	size_t len;
	uint8_t data[];
};

static void conn_pump(struct conn *c);
static void conn_arm(struct conn *c);
static void conn_input_wake(struct server *srv);
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

/*
 * Closes that are part of normal churn log at debug level (the periodic
 * conn.summary line counts them); the others at info.
 */
static enum log_level
conn_close_level(const char *reason)
{
	static const char *const churn[] = {
	        "eof",        "peer closed", "server stopping", "ECONNRESET",
	        CONN_EVICTED, CONN_PER_IP,   CONN_FULL};
	size_t i;

	for (i = 0; i < sizeof(churn) / sizeof(churn[0]); i++) {
		if (strcmp(reason, churn[i]) == 0)
			return LOG_DEBUG;
	}
	return LOG_INFO;
}

void
conn_close(struct conn *c, const char *reason)
{
	struct server *srv = c->srv;

	if (c->closing)
		return;
	c->closing = 1;
	c->reading = 0;
	log_event(conn_close_level(reason), "conn.close",
	          "peer=%s reason=\"%s\" ms=%llu", c->peer, reason,
	          (unsigned long long)(now_mono_ms() - c->opened_ms));
	srv->in_bytes -= c->in_bytes;
	c->in_bytes = 0;
	if (c->in_paused) {
		c->in_paused = 0;
		srv->in_paused--;
	}
	conn_input_wake(srv);
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
	uv_close((uv_handle_t *)&c->tcp, conn_on_close);
	if (c->timer.data == c) /* its init may have failed */
		uv_close((uv_handle_t *)&c->timer, conn_on_close);
	server_check_stop(srv);
}

/* The largest frame c may send in its state, with its header. */
static size_t
conn_input_limit(const struct conn *c)
{
	return (c->authed ? FRAME_MAX : CONN_PREAUTH_FRAME) + FRAME_HEADER;
}

/*
 * 1 if c may not buffer more input because the budget is spent. The
 * budget stops a connection from reading ahead past a complete frame; a
 * frame already begun may always finish (its length is capped by the
 * session's frame limit), or connections holding parts of frames would
 * wait for each other for ever.
 */
static int
conn_over_budget(const struct conn *c)
{
	return frame_decoder_pending(&c->dec) >= CONN_SMALL_INPUT &&
	       !frame_decoder_partial(&c->dec) &&
	       c->srv->in_bytes >= (size_t)c->srv->cfg->input_budget_mb << 20;
}

static void
conn_on_wake(uv_timer_t *t)
{
	struct server *srv = t->data;
	struct conn *c, *next;

	for (c = srv->conns; c != NULL && srv->in_paused > 0; c = next) {
		next = c->next;
		if (c->in_paused && !conn_over_budget(c)) {
			c->in_paused = 0;
			srv->in_paused--;
			conn_pump(c);
		}
	}
}

/*
 * Counts c's decoder bytes in the server's total; when the total drops
 * below the budget, paused connections are pumped again (from a timer,
 * not from inside this connection's pump).
 */
static void
conn_input_sync(struct conn *c)
{
	struct server *srv = c->srv;
	size_t now = frame_decoder_pending(&c->dec);

	if (c->closing)
		return; /* conn_close took its bytes off already */
	srv->in_bytes = srv->in_bytes - c->in_bytes + now;
	c->in_bytes = now;
	conn_input_wake(srv);
}

/* Budget freed: pump the paused connections from a timer. */
static void
conn_input_wake(struct server *srv)
{
	if (srv->in_paused > 0 &&
	    srv->in_bytes < (size_t)srv->cfg->input_budget_mb << 20 &&
	    !uv_is_active((uv_handle_t *)&srv->wake))
		uv_timer_start(&srv->wake, conn_on_wake, 0, 0);
}

/* Starts reading when there is room, stops when there is none. */
static void
conn_update_reading(struct conn *c)
{
	int want, paused;

	paused = conn_over_budget(c);
	want = !c->closing && !c->close_after_flush && !c->stop_requested &&
	       c->wq_bytes < CONN_WQ_HIGH && !paused &&
	       frame_decoder_pending(&c->dec) < conn_input_limit(c);
	if (paused && !c->in_paused && !c->closing) {
		c->in_paused = 1;
		c->srv->in_paused++;
	}
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

/*
 * The earliest deadline of c in loop time, and *why it closes then. The
 * handshake and the session are due a fixed time after accept; a reply
 * queue must move every --write-timeout seconds; a connection with no
 * request in flight must speak every --idle-timeout seconds (followers
 * have heartbeats instead, h-follow.c). UINT64_MAX: none.
 */
static uint64_t
conn_deadline(const struct conn *c, const char **why)
{
	const struct config *cfg = c->srv->cfg;
	uint64_t d = UINT64_MAX, t;

	*why = NULL;
#define CONN_EARLIER(when, reason) \
	do { \
		t = (when); \
		if (t < d) { \
			d = t; \
			*why = (reason); \
		} \
	} while (0)
	if (c->close_after_flush) {
		CONN_EARLIER(c->write_ms + CONN_FLUSH_TIMEOUT_MS,
		             "flush timeout");
		return d;
	}
	if (!tls_established(c->tls))
		CONN_EARLIER(c->born_ms +
		                     (uint64_t)cfg->handshake_timeout * 1000,
		             "handshake timeout");
	if (!c->authed)
		CONN_EARLIER(c->born_ms + (uint64_t)cfg->auth_timeout * 1000,
		             "not logged in in time");
	if (c->wq_bytes > 0)
		CONN_EARLIER(c->write_ms + (uint64_t)cfg->write_timeout * 1000,
		             "peer not reading");
	if (tls_established(c->tls) && c->rq == NULL && !c->follower)
		CONN_EARLIER(c->active_ms + (uint64_t)cfg->idle_timeout * 1000,
		             "idle timeout");
#undef CONN_EARLIER
	return d;
}

static void conn_on_timer(uv_timer_t *t);

/* Sets c's one timer to its earliest deadline. */
static void
conn_arm(struct conn *c)
{
	const char *why;
	uint64_t d, now;

	if (c->closing || c->timer.data != c)
		return;
	if ((d = conn_deadline(c, &why)) == UINT64_MAX) {
		uv_timer_stop(&c->timer);
		return;
	}
	now = uv_now(c->srv->loop);
	uv_timer_start(&c->timer, conn_on_timer, d > now ? d - now : 0, 0);
}

static void
conn_on_write(uv_write_t *req, int status)
{
	struct conn_write *w = container_of(req, struct conn_write, req);
	struct conn *c = w->c;
	size_t before = c->wq_bytes;

	c->wq_bytes -= w->len;
	c->srv->wq_bytes -= w->len;
	c->write_ms = uv_now(c->srv->loop);
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
	if (c->wq_bytes == 0)
		c->active_ms =
		        c->write_ms; /* a reply read counts as activity */
	conn_arm(c);
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
		/*
		 * In pieces, so that each one written counts as progress
		 * for the write timeout: a slow link taking a 2 MiB reply
		 * is not a peer that stopped reading.
		 */
		if (n > CONN_WRITE_PIECE)
			n = CONN_WRITE_PIECE;
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
		c->srv->wq_bytes += w->len;
		if (c->wq_bytes == 0) {
			/* The queue starts moving now; its clock starts too. */
			c->write_ms = uv_now(c->srv->loop);
			c->wq_bytes = w->len;
			conn_arm(c);
		} else {
			c->wq_bytes += w->len;
		}
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
	c->write_ms = uv_now(c->srv->loop);
	if (c->wq_bytes == 0)
		conn_close(c, reason);
	else
		conn_arm(c);
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
	const char *why;
	uint64_t d = conn_deadline(c, &why);

	if (d > uv_now(c->srv->loop)) {
		conn_arm(c); /* the state moved on since the timer was set */
		return;
	}
	if (strcmp(why, "handshake timeout") == 0)
		log_event(LOG_INFO, "tls.fail",
		          "peer=%s reason=\"handshake timeout\"", c->peer);
	c->srv->stats.timed_out++;
	conn_close(c, why);
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
	size_t len, room, pending, limit;
	int r, n;

	while (!c->closing && !c->close_after_flush && !c->stop_requested) {
		limit = conn_input_limit(c);
		if (c->rq == NULL && c->wq_bytes < CONN_WQ_HIGH) {
			/* The session, not the frame, decides how big. */
			c->dec.max = limit - FRAME_HEADER;
			r = frame_decoder_next(&c->dec, &p, &len);
			if (r < 0) {
				log_event(LOG_INFO, "conn.bad_frame",
				          "peer=%s reason=\"length over %zu\"",
				          c->peer, c->dec.max);
				if (c->authed)
					dispatch_error(
					        c, CAIRN_ETOOBIG,
					        "frame larger than the maximum");
				else
					dispatch_error(
					        c, CAIRN_ETOOBIG,
					        "frame larger than the maximum before login");
				conn_close_after_flush(c, "frame too large");
				break;
			}
			if (r == 1) {
				dispatch_frame(c, p, len);
				conn_input_sync(c);
				continue;
			}
		}
		pending = frame_decoder_pending(&c->dec);
		if (pending >= limit || conn_over_budget(c))
			break;
		room = limit - pending;
		if (room > CONN_BUF_SIZE)
			room = CONN_BUF_SIZE;
		/* The shared pbuf is copied out before any other call. */
		n = tls_read(c->tls, pbuf, room);
		if (n > 0 &&
		    frame_decoder_feed(&c->dec, pbuf, (size_t)n) != CAIRN_OK) {
			conn_close(c, "out of memory");
			return;
		}
		if (n > 0)
			conn_input_sync(c);
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
	c->active_ms = uv_now(c->srv->loop);
	conn_arm(c);
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
	c->active_ms = uv_now(c->srv->loop);
	conn_arm(c);
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

/*
 * Writes "IP:PORT" (IPv6 in brackets) and the address that limits count
 * by: the IPv4 address, or an IPv6 address's /64 ("2001:db8:1:2::/64"),
 * since one IPv6 host is given a whole /64 to pick addresses from.
 */
static void
conn_name(const struct sockaddr_storage *ss, char *peer, size_t peerlen,
          char *ip, size_t iplen)
{
	char host[INET6_ADDRSTRLEN];
	int port = 0;

	snprintf(ip, iplen, "?");
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *a = (const void *)ss;

		uv_ip4_name(a, ip, iplen);
		port = ntohs(a->sin_port);
		snprintf(peer, peerlen, "%s:%d", ip, port);
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const void *)ss;
		unsigned char net[16];

		uv_ip6_name(a, host, sizeof(host));
		port = ntohs(a->sin6_port);
		snprintf(peer, peerlen, "[%s]:%d", host, port);
		memcpy(net, &a->sin6_addr, sizeof(net));
		if (IN6_IS_ADDR_V4MAPPED(&a->sin6_addr)) {
			snprintf(ip, iplen, "%u.%u.%u.%u", net[12], net[13],
			         net[14], net[15]);
			return;
		}
		memset(net + 8, 0, 8);
		if (uv_inet_ntop(AF_INET6, net, host, sizeof(host)) == 0)
			snprintf(ip, iplen, "%s/64", host);
	} else {
		snprintf(peer, peerlen, "?");
	}
}

static void
conn_free_refused(uv_handle_t *h)
{
	free(h);
}

/*
 * Logs a refused or evicted connection: the first of each summary period
 * at warn level, the rest at debug (conn.summary counts them all), so a
 * flood cannot flood the log.
 */
static void
conn_log_refusal(struct server *srv, uint64_t *counter, const char *peer,
                 const char *why)
{
	log_event(*counter == 0 ? LOG_WARN : LOG_DEBUG, "conn.refused",
	          "peer=%s reason=\"%s\" conns=%u", peer, why, srv->nconns);
	(*counter)++;
}

/* Accepts and at once closes a connection over the limit. */
static void
conn_refuse(struct server *srv, const char *why)
{
	struct sockaddr_storage ss;
	char peer[64], ip[64];
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
		conn_log_refusal(srv, &srv->stats.refused, peer, why);
	}
	uv_close((uv_handle_t *)t, conn_free_refused);
}

/*
 * The server is full: closes its oldest connection without a session,
 * other than keep, to make room. 0 when every other one has a session.
 */
static int
conn_evict(struct server *srv, const struct conn *keep)
{
	struct conn *c, *oldest = NULL;

	for (c = srv->conns; c != NULL; c = c->next) {
		if (!c->authed && !c->closing && c != keep)
			oldest = c; /* the list is newest first */
	}
	if (oldest == NULL)
		return 0;
	conn_log_refusal(srv, &srv->stats.evicted, oldest->peer,
	                 "evicted: server full, no session");
	conn_close(oldest, CONN_EVICTED);
	return 1;
}

/* Connections from ip other than c. */
static unsigned
conn_count_ip(const struct server *srv, const struct conn *c)
{
	const struct conn *o;
	unsigned n = 0;

	for (o = srv->conns; o != NULL; o = o->next) {
		if (o != c && strcmp(o->ip, c->ip) == 0)
			n++;
	}
	return n;
}

void
conn_accept(struct server *srv)
{
	struct sockaddr_storage ss;
	struct conn *c;
	int len = sizeof(ss), full;

	if (srv->stopping) {
		conn_refuse(srv, "server stopping");
		return;
	}
	/*
	 * Past the limit by more than the one being accepted (evictions
	 * failed): refuse without looking. At the limit, the newcomer is
	 * accepted, checked against its address's cap, and only then does
	 * the oldest connection without a session make room for it.
	 */
	if (srv->nconns > srv->cfg->max_conns) {
		conn_refuse(srv, "too many connections");
		return;
	}
	full = srv->nconns >= srv->cfg->max_conns;
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		conn_refuse(srv, "out of memory");
		return;
	}
	c->srv = srv;
	c->refs = 1; /* held by the handles until both are closed */
	c->id = ++srv->next_conn_id;
	c->opened_ms = now_mono_ms();
	c->born_ms = c->active_ms = uv_now(srv->loop);
	/* Its ceiling fits a full frame; conn_pump sets the max by state. */
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
	srv->stats.opened++;
	if (uv_accept((uv_stream_t *)&srv->listener, (uv_stream_t *)&c->tcp) !=
	            0 ||
	    c->handles != 2) {
		conn_close(c, "accept failed");
		return;
	}
	if (uv_tcp_getpeername(&c->tcp, (struct sockaddr *)&ss, &len) == 0)
		conn_name(&ss, c->peer, sizeof(c->peer), c->ip, sizeof(c->ip));
	if (conn_count_ip(srv, c) >= srv->cfg->max_conns_ip) {
		conn_log_refusal(srv, &srv->stats.refused, c->peer,
		                 CONN_PER_IP);
		conn_close(c, CONN_PER_IP);
		return;
	}
	if (full && !conn_evict(srv, c)) {
		conn_log_refusal(srv, &srv->stats.refused, c->peer,
		                 "too many connections");
		conn_close(c, CONN_FULL);
		return;
	}
	uv_tcp_nodelay(&c->tcp, 1);
	log_event(LOG_DEBUG, "conn.open", "peer=%s conns=%u", c->peer,
	          srv->nconns);
	if ((c->tls = tls_session_new(srv->tls, NULL)) == NULL) {
		conn_close(c, "tls session failed");
		return;
	}
	conn_arm(c);
	conn_update_reading(c);
}

/*
 * The periodic conn.summary line: what the connection churn logged at
 * debug level came to since the last one. Silent when nothing happened.
 */
void
conn_summary(struct server *srv)
{
	struct conn_stats *st = &srv->stats;

	if (st->opened == 0 && st->refused == 0 && st->evicted == 0 &&
	    st->timed_out == 0 && st->auth_refused == 0)
		return;
	log_event(
	        LOG_INFO, "conn.summary",
	        "opened=%llu refused=%llu evicted=%llu timed_out=%llu auth_refused=%llu conns=%u in_bytes=%zu wq_bytes=%zu hashing=%u",
	        (unsigned long long)st->opened, (unsigned long long)st->refused,
	        (unsigned long long)st->evicted,
	        (unsigned long long)st->timed_out,
	        (unsigned long long)st->auth_refused, srv->nconns,
	        srv->in_bytes, srv->wq_bytes, srv->hashing);
	memset(st, 0, sizeof(*st));
}
