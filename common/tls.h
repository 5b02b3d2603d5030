/*
 * TLS 1.3 sessions over memory BIOs. The caller moves ciphertext between the
 * session and its transport (a libuv stream, a blocking socket, or another
 * session in a test); this module knows nothing of sockets. After every call
 * that may produce output, the caller takes tls_pending() bytes with
 * tls_take() and sends them.
 */
#ifndef CAIRN_TLS_H
#define CAIRN_TLS_H

#include <stddef.h>

struct tls_ctx;
struct tls_session;

/*
 * Server context from PEM certificate chain and key files. Returns NULL and
 * writes a one-line reason to err on failure. Caller frees with
 * tls_ctx_free.
 */
struct tls_ctx *tls_ctx_server_new(const char *cert_file, const char *key_file,
                                   char *err, size_t errlen);
/*
 * Client context that trusts only the CA certificates in ca_file (the
 * pinned CA), or the system's trust store when ca_file is NULL (a server
 * with a publicly signed certificate), and requires TLS 1.3. Same
 * ownership and errors as above.
 */
struct tls_ctx *tls_ctx_client_new(const char *ca_file, char *err,
                                   size_t errlen);
/* Frees a context. Accepts NULL. Sessions keep their own reference. */
void tls_ctx_free(struct tls_ctx *ctx);

/*
 * New session. For a client, host is the name (or IP literal) the server
 * certificate must match; for a server, NULL. Returns NULL on failure.
 * Caller frees with tls_session_free.
 */
struct tls_session *tls_session_new(struct tls_ctx *ctx, const char *host);
void tls_session_free(struct tls_session *s);

/* Hands ciphertext received from the peer to the session. */
int tls_feed(struct tls_session *s, const void *p, size_t len);
/*
 * Advances the handshake. Returns 1 when complete, 0 when it needs more
 * input from the peer, CAIRN_ETLS on failure (see tls_error).
 */
int tls_handshake(struct tls_session *s);
/* 1 once the handshake has completed. */
int tls_established(const struct tls_session *s);
/*
 * Reads decrypted bytes. Returns the number read (> 0), 0 when no
 * plaintext is available yet, CAIRN_ECLOSED on close_notify, CAIRN_ETLS on
 * failure.
 */
int tls_read(struct tls_session *s, void *p, size_t len);
/* Encrypts len bytes (all or error). Returns CAIRN_OK or CAIRN_ETLS. */
int tls_write(struct tls_session *s, const void *p, size_t len);
/* Queues a close_notify alert. */
void tls_shutdown(struct tls_session *s);
/* Ciphertext bytes waiting to go to the peer. */
size_t tls_pending(const struct tls_session *s);
/* Moves up to len waiting ciphertext bytes into p; returns the count. */
size_t tls_take(struct tls_session *s, void *p, size_t len);
/*
 * One line saying what failed, with advice where it helps ("server
 * certificate is not signed by the pinned CA (check --ca)", "certificate
 * name does not match HOST", "certificate has expired"). Borrowed; valid
 * until the next call on s.
 */
const char *tls_error(const struct tls_session *s);

#endif
