/*
 * TLS 1.3 sessions over a pair of memory BIOs (OpenSSL 3). Ciphertext from
 * the peer goes in with tls_feed, ciphertext for the peer comes out with
 * tls_take; the caller owns the transport. Clients trust only the pinned CA
 * file and check the server's name or address. Failures are turned into one
 * line that says what failed and what to do.
 *
 * Memory: a memory BIO never gives storage back on its own (reading only
 * advances a pointer, BIO_reset only clears, and the buffer grows by a
 * third more than it needs), so after one large Pull answer or Push it
 * would keep that size for the rest of the connection. Once a BIO is
 * empty, tls_bio_trim hands it a new, empty BUF_MEM and frees the old one;
 * with SSL_MODE_RELEASE_BUFFERS on the server, an idle session then holds
 * no record or transport buffer at all.
 */
#include <arpa/inet.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/buffer.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "err.h"
#include "tls.h"

#define TLS_HOST_MAX 255
#define TLS_ERR_MAX 512

struct tls_ctx {
	SSL_CTX *ssl;
	int server;
};

struct tls_session {
	SSL *ssl;
	BIO *rbio; /* ciphertext from the peer; owned by ssl */
	BIO *wbio; /* ciphertext for the peer; owned by ssl */
	int server;
	int established;
	char host[TLS_HOST_MAX + 1];
	char err[TLS_ERR_MAX];
};

/* Writes the reason of the first queued OpenSSL error, then clears it. */
static void
tls_queue_reason(char *out, size_t len)
{
	unsigned long e = ERR_get_error();
	const char *r;

	if (len == 0)
		return;
	if (e == 0) {
		snprintf(out, len, "unknown error");
	} else if (ERR_SYSTEM_ERROR(e)) {
		snprintf(out, len, "%s", strerror(ERR_GET_REASON(e)));
	} else {
		r = ERR_reason_error_string(e);
		if (r != NULL)
			snprintf(out, len, "%s", r);
		else
			ERR_error_string_n(e, out, len);
	}
	ERR_clear_error();
}

/*
 * Writes "what file: reason advice" to err, with the reason from the error
 * queue.
 */
static void
tls_ctx_fail(char *err, size_t errlen, const char *what, const char *file,
             const char *advice)
{
	char reason[256];

	tls_queue_reason(reason, sizeof(reason));
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "%s%s%s: %s%s", what, file[0] ? " " : "",
		         file, reason, advice);
}

#define TLS_GROUPS "X25519:P-256:P-384"

static SSL_CTX *
tls_ssl_ctx_new(int server)
{
	SSL_CTX *c;

	c = SSL_CTX_new(server ? TLS_server_method() : TLS_client_method());
	if (c == NULL)
		return NULL;
	/*
	 * Key exchange on elliptic curves only: OpenSSL's default list also
	 * offers the finite-field groups (ffdhe2048...), slower and weaker.
	 */
	if (SSL_CTX_set_min_proto_version(c, TLS1_3_VERSION) != 1 ||
	    SSL_CTX_set_max_proto_version(c, TLS1_3_VERSION) != 1 ||
	    SSL_CTX_set1_groups_list(c, TLS_GROUPS) != 1) {
		SSL_CTX_free(c);
		return NULL;
	}
	SSL_CTX_set_session_cache_mode(c, SSL_SESS_CACHE_OFF);
	if (server)
		SSL_CTX_set_num_tickets(c, 0);
	/*
	 * A server holds many mostly idle sessions, and the load generator
	 * (bench/cairn-load.c) many client ones: free each one's record
	 * buffers (about 34 KB) whenever they are empty, and allocate them
	 * again for the next record.
	 */
	SSL_CTX_set_mode(c, SSL_MODE_RELEASE_BUFFERS);
	return c;
}

static struct tls_ctx *
tls_ctx_wrap(SSL_CTX *c, int server)
{
	struct tls_ctx *ctx = malloc(sizeof(*ctx));

	if (ctx == NULL)
		return NULL;
	ctx->ssl = c;
	ctx->server = server;
	return ctx;
}

struct tls_ctx *
tls_ctx_server_new(const char *cert_file, const char *key_file, char *err,
                   size_t errlen)
{
	struct tls_ctx *ctx = NULL;
	SSL_CTX *c = NULL;

	ERR_clear_error();
	if ((c = tls_ssl_ctx_new(1)) == NULL) {
		tls_ctx_fail(err, errlen, "cannot create TLS context", "", "");
		goto out;
	}
	if (SSL_CTX_use_certificate_chain_file(c, cert_file) != 1) {
		tls_ctx_fail(err, errlen, "cannot load certificate chain from",
		             cert_file,
		             " (give a PEM certificate file with --cert)");
		goto out;
	}
	if (SSL_CTX_use_PrivateKey_file(c, key_file, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(c) != 1) {
		if (ERR_GET_REASON(ERR_peek_error()) ==
		            X509_R_KEY_VALUES_MISMATCH ||
		    ERR_peek_error() == 0) {
			ERR_clear_error();
			snprintf(
			        err, errlen,
			        "private key %s does not match the certificate in %s (give the key made with that certificate)",
			        key_file, cert_file);
		} else {
			tls_ctx_fail(err, errlen,
			             "cannot load private key from", key_file,
			             " (give a PEM private key with --key)");
		}
		goto out;
	}
	if ((ctx = tls_ctx_wrap(c, 1)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	c = NULL;
out:
	SSL_CTX_free(c);
	return ctx;
}

struct tls_ctx *
tls_ctx_client_new(const char *ca_file, char *err, size_t errlen)
{
	struct tls_ctx *ctx = NULL;
	X509_STORE *store = NULL;
	SSL_CTX *c = NULL;

	ERR_clear_error();
	if ((c = tls_ssl_ctx_new(0)) == NULL) {
		tls_ctx_fail(err, errlen, "cannot create TLS context", "", "");
		goto out;
	}
	if (ca_file == NULL) {
		/* No pinned CA: the system's trust store (a public CA). */
		if (SSL_CTX_set_default_verify_paths(c) != 1) {
			tls_ctx_fail(err, errlen,
			             "cannot load the system's CA certificates",
			             "", "");
			goto out;
		}
	} else {
		/* A fresh store: the pinned CA and nothing from the system. */
		if ((store = X509_STORE_new()) == NULL) {
			tls_ctx_fail(err, errlen, "cannot create trust store",
			             "", "");
			goto out;
		}
		if (X509_STORE_load_file(store, ca_file) != 1) {
			tls_ctx_fail(
			        err, errlen, "cannot load CA certificates from",
			        ca_file,
			        " (run 'cairn init --ca FILE' with the server's CA certificate)");
			goto out;
		}
		SSL_CTX_set_cert_store(c, store);
		store = NULL;
	}
	SSL_CTX_set_verify(c, SSL_VERIFY_PEER, NULL);
	if ((ctx = tls_ctx_wrap(c, 0)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	c = NULL;
out:
	X509_STORE_free(store);
	SSL_CTX_free(c);
	return ctx;
}

void
tls_ctx_free(struct tls_ctx *ctx)
{
	if (ctx == NULL)
		return;
	SSL_CTX_free(ctx->ssl);
	free(ctx);
}

/*
 * Sets what the server certificate must match: an IP address for IPv4 and
 * IPv6 literals (brackets allowed), else a DNS name, also sent as SNI.
 */
static int
tls_set_peer(struct tls_session *s, const char *host)
{
	unsigned char addr[sizeof(struct in6_addr)];
	char lit[TLS_HOST_MAX + 1];
	size_t len = strlen(host);
	X509_VERIFY_PARAM *vp;

	if (len == 0 || len > TLS_HOST_MAX)
		return 0;
	memcpy(s->host, host, len + 1);
	if (len > 2 && host[0] == '[' && host[len - 1] == ']') {
		memcpy(lit, host + 1, len - 2);
		lit[len - 2] = '\0';
	} else {
		memcpy(lit, host, len + 1);
	}
	vp = SSL_get0_param(s->ssl);
	if (inet_pton(AF_INET, lit, addr) == 1 ||
	    inet_pton(AF_INET6, lit, addr) == 1)
		return X509_VERIFY_PARAM_set1_ip_asc(vp, lit) == 1;
	X509_VERIFY_PARAM_set_hostflags(vp,
	                                X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
	if (SSL_set1_host(s->ssl, host) != 1)
		return 0;
	return SSL_set_tlsext_host_name(s->ssl, host) == 1;
}

struct tls_session *
tls_session_new(struct tls_ctx *ctx, const char *host)
{
	struct tls_session *s = NULL, *ret = NULL;

	if (ctx == NULL || (!ctx->server && (host == NULL || host[0] == '\0')))
		goto out;
	ERR_clear_error();
	if ((s = calloc(1, sizeof(*s))) == NULL)
		goto out;
	s->server = ctx->server;
	if ((s->ssl = SSL_new(ctx->ssl)) == NULL)
		goto out;
	s->rbio = BIO_new(BIO_s_mem());
	s->wbio = BIO_new(BIO_s_mem());
	if (s->rbio == NULL || s->wbio == NULL) {
		BIO_free(s->rbio);
		BIO_free(s->wbio);
		s->rbio = s->wbio = NULL;
		goto out;
	}
	/* An empty read BIO means "wait for more", not end of file. */
	BIO_set_mem_eof_return(s->rbio, -1);
	SSL_set_bio(s->ssl, s->rbio, s->wbio);
	if (s->server) {
		SSL_set_accept_state(s->ssl);
	} else {
		if (!tls_set_peer(s, host))
			goto out;
		SSL_set_connect_state(s->ssl);
	}
	ret = s;
	s = NULL;
out:
	ERR_clear_error();
	tls_session_free(s);
	return ret;
}

void
tls_session_free(struct tls_session *s)
{
	if (s == NULL)
		return;
	SSL_free(s->ssl); /* frees both BIOs */
	free(s);
}

/*
 * Frees the storage of memory BIO b when it holds no bytes. BIO_set_mem_buf
 * frees the old BUF_MEM (the BIO owns it, BIO_CLOSE) and reads and writes
 * continue in the new one, which allocates on the next write. Without
 * memory for the new BUF_MEM, b simply keeps its buffer.
 */
static void
tls_bio_trim(BIO *b)
{
	BUF_MEM *old = NULL, *bm;

	if (BIO_ctrl_pending(b) != 0 || BIO_get_mem_ptr(b, &old) != 1 ||
	    old == NULL || old->max == 0)
		return;
	if ((bm = BUF_MEM_new()) == NULL) {
		ERR_clear_error();
		return;
	}
	BIO_set_mem_buf(b, bm, BIO_CLOSE);
}

int
tls_feed(struct tls_session *s, const void *p, size_t len)
{
	const char *c = p;
	int n, chunk;

	while (len > 0) {
		chunk = len > INT_MAX ? INT_MAX : (int)len;
		n = BIO_write(s->rbio, c, chunk);
		if (n <= 0) {
			ERR_clear_error();
			snprintf(s->err, sizeof(s->err),
			         "cannot buffer TLS input (out of memory)");
			return CAIRN_ENOMEM;
		}
		c += n;
		len -= (size_t)n;
	}
	return CAIRN_OK;
}

/* The advice for a server certificate the client refused. */
static void
tls_verify_message(struct tls_session *s, long v)
{
	switch (v) {
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
	case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
	case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
	case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
	case X509_V_ERR_CERT_SIGNATURE_FAILURE:
	case X509_V_ERR_CERT_UNTRUSTED:
		snprintf(
		        s->err, sizeof(s->err),
		        "server certificate is not signed by the pinned CA (check the --ca file given to 'cairn init')");
		break;
	case X509_V_ERR_HOSTNAME_MISMATCH:
	case X509_V_ERR_IP_ADDRESS_MISMATCH:
		snprintf(
		        s->err, sizeof(s->err),
		        "server certificate does not match %s (use the name or address the certificate was made for in 'cairn init --server', or reissue it with certs/mkcerts)",
		        s->host);
		break;
	case X509_V_ERR_CERT_HAS_EXPIRED:
		snprintf(
		        s->err, sizeof(s->err),
		        "server certificate has expired (operator: renew with certs/mkcerts)");
		break;
	case X509_V_ERR_CERT_NOT_YET_VALID:
		snprintf(
		        s->err, sizeof(s->err),
		        "server certificate is not yet valid (check this machine's clock, or the operator's)");
		break;
	default:
		snprintf(s->err, sizeof(s->err),
		         "server certificate rejected: %s",
		         X509_verify_cert_error_string(v));
		break;
	}
}

/* Records why the last SSL_* call failed; returns CAIRN_ETLS. */
static int
tls_fail(struct tls_session *s, int ssl_err, const char *what)
{
	char reason[256];
	long v;

	if (!s->server && !s->established &&
	    (v = SSL_get_verify_result(s->ssl)) != X509_V_OK) {
		tls_verify_message(s, v);
		ERR_clear_error();
		return CAIRN_ETLS;
	}
	if (ssl_err == SSL_ERROR_SYSCALL && ERR_peek_error() == 0)
		snprintf(reason, sizeof(reason), "unexpected end of stream");
	else
		tls_queue_reason(reason, sizeof(reason));
	snprintf(s->err, sizeof(s->err), "%s: %s", what, reason);
	ERR_clear_error();
	return CAIRN_ETLS;
}

int
tls_handshake(struct tls_session *s)
{
	int r, e;

	if (s->established)
		return 1;
	ERR_clear_error();
	r = SSL_do_handshake(s->ssl);
	tls_bio_trim(s->rbio);
	if (r == 1) {
		s->established = 1;
		return 1;
	}
	e = SSL_get_error(s->ssl, r);
	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
		return 0;
	return tls_fail(s, e,
	                s->server ? "TLS handshake with client failed"
	                          : "TLS handshake with server failed");
}

int
tls_established(const struct tls_session *s)
{
	return s->established;
}

int
tls_read(struct tls_session *s, void *p, size_t len)
{
	int n, e;

	if (len == 0)
		return 0;
	ERR_clear_error();
	n = SSL_read(s->ssl, p, len > INT_MAX ? INT_MAX : (int)len);
	tls_bio_trim(s->rbio);
	if (n > 0) {
		s->established = 1;
		return n;
	}
	e = SSL_get_error(s->ssl, n);
	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
		return 0;
	if (e == SSL_ERROR_ZERO_RETURN) {
		snprintf(s->err, sizeof(s->err), "connection closed by peer");
		return CAIRN_ECLOSED;
	}
	return tls_fail(s, e, "TLS read failed");
}

int
tls_write(struct tls_session *s, const void *p, size_t len)
{
	const char *c = p;
	int n, e;

	if (!s->established) {
		snprintf(s->err, sizeof(s->err),
		         "TLS write before the handshake completed");
		return CAIRN_ETLS;
	}
	while (len > 0) {
		ERR_clear_error();
		n = SSL_write(s->ssl, c, len > INT_MAX ? INT_MAX : (int)len);
		if (n <= 0) {
			e = SSL_get_error(s->ssl, n);
			return tls_fail(s, e, "TLS write failed");
		}
		c += n;
		len -= (size_t)n;
	}
	return CAIRN_OK;
}

void
tls_shutdown(struct tls_session *s)
{
	if (!s->established || SSL_in_init(s->ssl))
		return;
	ERR_clear_error();
	SSL_shutdown(s->ssl);
	ERR_clear_error();
}

size_t
tls_pending(const struct tls_session *s)
{
	return BIO_ctrl_pending(s->wbio);
}

size_t
tls_take(struct tls_session *s, void *p, size_t len)
{
	int n;

	if (len == 0)
		return 0;
	n = BIO_read(s->wbio, p, len > INT_MAX ? INT_MAX : (int)len);
	tls_bio_trim(s->wbio);
	return n > 0 ? (size_t)n : 0;
}

const char *
tls_error(const struct tls_session *s)
{
	if (s == NULL)
		return "TLS session could not be created";
	return s->err[0] != '\0' ? s->err : "TLS error";
}
