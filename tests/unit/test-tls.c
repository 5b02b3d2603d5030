/*
 * Unit tests of common/tls.c: a CA and server certificates are made here
 * with the OpenSSL 3 API, then a client and a server session handshake in
 * memory and exchange data; refused certificates must give the one-line
 * advice of tls_error.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "err.h"
#include "tls.h"

#define DAY (24L * 3600)
#define BIG (1024 * 1024)

static char dir[64];

/* The files the tests use, made once by setup. */
enum {
	F_CA,
	F_CA2,
	F_CERT,
	F_KEY,
	F_EXPIRED,
	F_EXPIRED_KEY,
	F_OTHER_KEY,
	F_COUNT
};
static const char *const fnames[F_COUNT] = {
        "ca.pem",      "ca2.pem",     "server.pem", "server.key",
        "expired.pem", "expired.key", "other.key"};
static char paths[F_COUNT][128];

static int
add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX v3;
	X509_EXTENSION *ext;
	int ok;

	X509V3_set_ctx(&v3, issuer, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &v3, nid, value);
	if (ext == NULL)
		return 0;
	ok = X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	return ok;
}

/*
 * A certificate for key, signed by issuer_key (self-signed when issuer is
 * NULL), valid from nb to na seconds from now.
 */
static X509 *
make_cert(EVP_PKEY *key, X509 *issuer, EVP_PKEY *issuer_key, const char *cn,
          int ca, long nb, long na, long serial)
{
	X509 *x = X509_new();
	X509_NAME *name;

	assert_non_null(x);
	assert_int_equal(X509_set_version(x, 2), 1);
	ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
	assert_non_null(X509_gmtime_adj(X509_getm_notBefore(x), nb));
	assert_non_null(X509_gmtime_adj(X509_getm_notAfter(x), na));
	assert_int_equal(X509_set_pubkey(x, key), 1);
	name = X509_get_subject_name(x);
	assert_int_equal(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
	                                            (const unsigned char *)cn,
	                                            -1, -1, 0),
	                 1);
	assert_int_equal(
	        X509_set_issuer_name(x, issuer != NULL
	                                        ? X509_get_subject_name(issuer)
	                                        : name),
	        1);
	if (issuer == NULL)
		issuer = x;
	if (ca) {
		assert_true(add_ext(x, issuer, NID_basic_constraints,
		                    "critical,CA:TRUE"));
		assert_true(add_ext(x, issuer, NID_key_usage,
		                    "critical,keyCertSign,cRLSign"));
	} else {
		assert_true(
		        add_ext(x, issuer, NID_basic_constraints, "CA:FALSE"));
		assert_true(add_ext(x, issuer, NID_subject_alt_name,
		                    "DNS:localhost,IP:127.0.0.1"));
		assert_true(
		        add_ext(x, issuer, NID_ext_key_usage, "serverAuth"));
	}
	assert_true(X509_sign(x, issuer_key, EVP_sha256()) > 0);
	return x;
}

static void
write_cert(int f, X509 *x)
{
	FILE *fp = fopen(paths[f], "w");

	assert_non_null(fp);
	assert_int_equal(PEM_write_X509(fp, x), 1);
	assert_int_equal(fclose(fp), 0);
}

static void
write_key(int f, EVP_PKEY *k)
{
	FILE *fp = fopen(paths[f], "w");

	assert_non_null(fp);
	assert_int_equal(PEM_write_PrivateKey(fp, k, NULL, NULL, 0, NULL, NULL),
	                 1);
	assert_int_equal(fclose(fp), 0);
}

static int
setup(void **state)
{
	EVP_PKEY *cak, *ca2k, *sk, *ek, *ok;
	X509 *ca, *ca2, *srv, *exp;
	int i;

	snprintf(dir, sizeof(dir), "/tmp/cairn-test-tls-XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	for (i = 0; i < F_COUNT; i++)
		snprintf(paths[i], sizeof(paths[i]), "%s/%s", dir, fnames[i]);
	cak = EVP_EC_gen("P-256");
	ca2k = EVP_EC_gen("P-256");
	sk = EVP_EC_gen("P-256");
	ek = EVP_EC_gen("P-256");
	ok = EVP_EC_gen("P-256");
	if (!cak || !ca2k || !sk || !ek || !ok)
		return -1;
	ca = make_cert(cak, NULL, cak, "cairn test CA", 1, -DAY, 30 * DAY, 1);
	ca2 = make_cert(ca2k, NULL, ca2k, "other CA", 1, -DAY, 30 * DAY, 2);
	srv = make_cert(sk, ca, cak, "localhost", 0, -DAY, 30 * DAY, 3);
	exp = make_cert(ek, ca, cak, "localhost", 0, -3 * DAY, -DAY, 4);
	write_cert(F_CA, ca);
	write_cert(F_CA2, ca2);
	write_cert(F_CERT, srv);
	write_cert(F_EXPIRED, exp);
	write_key(F_KEY, sk);
	write_key(F_EXPIRED_KEY, ek);
	write_key(F_OTHER_KEY, ok);
	X509_free(ca);
	X509_free(ca2);
	X509_free(srv);
	X509_free(exp);
	EVP_PKEY_free(cak);
	EVP_PKEY_free(ca2k);
	EVP_PKEY_free(sk);
	EVP_PKEY_free(ek);
	EVP_PKEY_free(ok);
	return 0;
}

static int
teardown(void **state)
{
	int i;

	for (i = 0; i < F_COUNT; i++)
		unlink(paths[i]);
	return rmdir(dir);
}

/* Moves all waiting ciphertext from one session to the other. */
static void
shuttle(struct tls_session *from, struct tls_session *to)
{
	static char tmp[16384];
	size_t n;

	while (tls_pending(from) > 0) {
		n = tls_take(from, tmp, sizeof(tmp));
		assert_true(n > 0);
		assert_int_equal(tls_feed(to, tmp, n), CAIRN_OK);
	}
}

/*
 * Runs both handshakes to the end. Returns 1 when both completed, else the
 * first failure, with *failed set to the session that failed.
 */
static int
handshake(struct tls_session *c, struct tls_session *s,
          struct tls_session **failed)
{
	int rc, rs, i;

	for (i = 0; i < 20; i++) {
		rc = tls_handshake(c);
		shuttle(c, s);
		if (rc < 0) {
			*failed = c;
			return rc;
		}
		rs = tls_handshake(s);
		shuttle(s, c);
		if (rs < 0) {
			*failed = s;
			return rs;
		}
		if (rc == 1 && rs == 1)
			return 1;
	}
	fail_msg("handshake did not finish");
	return 0;
}

struct pair {
	struct tls_ctx *cctx, *sctx;
	struct tls_session *c, *s;
};

static void
pair_open(struct pair *p, int ca, int cert, int key, const char *host)
{
	char err[256];

	p->sctx = tls_ctx_server_new(paths[cert], paths[key], err, sizeof(err));
	assert_non_null(p->sctx);
	p->cctx = tls_ctx_client_new(paths[ca], err, sizeof(err));
	assert_non_null(p->cctx);
	p->c = tls_session_new(p->cctx, host);
	p->s = tls_session_new(p->sctx, NULL);
	assert_non_null(p->c);
	assert_non_null(p->s);
}

static void
pair_close(struct pair *p)
{
	tls_session_free(p->c);
	tls_session_free(p->s);
	tls_ctx_free(p->cctx);
	tls_ctx_free(p->sctx);
}

/* Reads exactly len plaintext bytes from s. */
static void
read_all(struct tls_session *s, unsigned char *out, size_t len)
{
	size_t got = 0;
	int n;

	while (got < len) {
		n = tls_read(s, out + got, len - got);
		assert_true(n > 0);
		got += (size_t)n;
	}
	assert_int_equal(tls_read(s, out, 1), 0);
}

static void
test_exchange(void **state)
{
	struct tls_session *failed = NULL;
	unsigned char *big, *back;
	struct pair p;
	char small[16];
	size_t i;

	pair_open(&p, F_CA, F_CERT, F_KEY, "localhost");
	assert_int_equal(tls_established(p.c), 0);
	assert_int_equal(handshake(p.c, p.s, &failed), 1);
	assert_int_equal(tls_established(p.c), 1);
	assert_int_equal(tls_established(p.s), 1);
	/* Nothing to read yet, and nothing left to send. */
	assert_int_equal(tls_read(p.s, small, sizeof(small)), 0);
	assert_int_equal(tls_pending(p.s), 0);

	big = malloc(BIG);
	back = malloc(BIG);
	assert_non_null(big);
	assert_non_null(back);
	for (i = 0; i < BIG; i++)
		big[i] = (unsigned char)(i * 7 + (i >> 11));
	assert_int_equal(tls_write(p.c, big, BIG), CAIRN_OK);
	assert_true(tls_pending(p.c) > BIG);
	shuttle(p.c, p.s);
	read_all(p.s, back, BIG);
	assert_memory_equal(big, back, BIG);

	assert_int_equal(tls_write(p.s, "pong", 4), CAIRN_OK);
	shuttle(p.s, p.c);
	read_all(p.c, (unsigned char *)small, 4);
	assert_memory_equal(small, "pong", 4);

	/* The server's reply to a big payload, in the other direction. */
	assert_int_equal(tls_write(p.s, back, BIG), CAIRN_OK);
	shuttle(p.s, p.c);
	memset(big, 0, BIG);
	read_all(p.c, big, BIG);
	assert_memory_equal(big, back, BIG);

	tls_shutdown(p.c);
	shuttle(p.c, p.s);
	assert_int_equal(tls_read(p.s, small, sizeof(small)), CAIRN_ECLOSED);
	free(big);
	free(back);
	pair_close(&p);
}

static void
test_ip_literal(void **state)
{
	struct tls_session *failed = NULL;
	struct pair p;

	pair_open(&p, F_CA, F_CERT, F_KEY, "127.0.0.1");
	assert_int_equal(handshake(p.c, p.s, &failed), 1);
	pair_close(&p);

	pair_open(&p, F_CA, F_CERT, F_KEY, "127.0.0.2");
	assert_int_equal(handshake(p.c, p.s, &failed), CAIRN_ETLS);
	assert_ptr_equal(failed, p.c);
	assert_non_null(strstr(tls_error(p.c),
	                       "server certificate does not match 127.0.0.2"));
	pair_close(&p);

	pair_open(&p, F_CA, F_CERT, F_KEY, "[::1]");
	assert_int_equal(handshake(p.c, p.s, &failed), CAIRN_ETLS);
	assert_non_null(strstr(tls_error(p.c),
	                       "server certificate does not match [::1]"));
	pair_close(&p);
}

/* Handshakes and expects the client to refuse with message. */
static void
expect_refused(int ca, int cert, int key, const char *host, const char *message)
{
	struct tls_session *failed = NULL;
	struct pair p;
	char tmp[16];

	pair_open(&p, ca, cert, key, host);
	assert_int_equal(handshake(p.c, p.s, &failed), CAIRN_ETLS);
	assert_ptr_equal(failed, p.c);
	if (strstr(tls_error(p.c), message) == NULL)
		fail_msg("tls_error: '%s', want '%s'", tls_error(p.c), message);
	assert_null(strchr(tls_error(p.c), '\n'));
	assert_int_equal(tls_established(p.c), 0);
	/* The client's alert makes the server fail too. */
	assert_true(tls_handshake(p.s) == CAIRN_ETLS ||
	            tls_read(p.s, tmp, sizeof(tmp)) == CAIRN_ETLS);
	assert_non_null(strstr(tls_error(p.s), "alert"));
	pair_close(&p);
}

static void
test_other_ca(void **state)
{
	expect_refused(
	        F_CA2, F_CERT, F_KEY, "localhost",
	        "server certificate is not signed by the pinned CA (check the --ca file given to 'cairn init')");
}

static void
test_wrong_host(void **state)
{
	expect_refused(F_CA, F_CERT, F_KEY, "wrong.example",
	               "server certificate does not match wrong.example");
}

static void
test_expired(void **state)
{
	expect_refused(
	        F_CA, F_EXPIRED, F_EXPIRED_KEY, "localhost",
	        "server certificate has expired (operator: renew with certs/mkcerts)");
}

static void
test_ctx_errors(void **state)
{
	char err[256] = "";
	char missing[160];

	assert_null(tls_ctx_server_new(paths[F_CERT], paths[F_OTHER_KEY], err,
	                               sizeof(err)));
	assert_non_null(strstr(err, "does not match the certificate in"));
	assert_non_null(strstr(err, paths[F_OTHER_KEY]));
	snprintf(missing, sizeof(missing), "%s/none.pem", dir);
	err[0] = '\0';
	assert_null(
	        tls_ctx_server_new(missing, paths[F_KEY], err, sizeof(err)));
	assert_non_null(strstr(err, missing));
	err[0] = '\0';
	assert_null(tls_ctx_client_new(missing, err, sizeof(err)));
	assert_non_null(strstr(err, missing));
	/* A key file is no CA file. */
	err[0] = '\0';
	assert_null(tls_ctx_client_new(paths[F_KEY], err, sizeof(err)));
	assert_non_null(strstr(err, "cannot load CA certificates"));
}

static void
test_session_args(void **state)
{
	char err[256];
	struct tls_ctx *c = tls_ctx_client_new(paths[F_CA], err, sizeof(err));

	assert_non_null(c);
	assert_null(tls_session_new(c, NULL));
	assert_null(tls_session_new(c, ""));
	assert_null(tls_session_new(NULL, "localhost"));
	tls_ctx_free(c);
	tls_ctx_free(NULL);
	tls_session_free(NULL);
}

static void
test_write_before_handshake(void **state)
{
	struct pair p;

	pair_open(&p, F_CA, F_CERT, F_KEY, "localhost");
	assert_int_equal(tls_write(p.c, "x", 1), CAIRN_ETLS);
	assert_non_null(strstr(tls_error(p.c), "before the handshake"));
	pair_close(&p);
}

static void
test_garbage(void **state)
{
	struct pair p;
	const char junk[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";

	pair_open(&p, F_CA, F_CERT, F_KEY, "localhost");
	assert_int_equal(tls_feed(p.s, junk, sizeof(junk) - 1), CAIRN_OK);
	assert_int_equal(tls_handshake(p.s), CAIRN_ETLS);
	assert_non_null(strstr(tls_error(p.s), "TLS handshake with client"));
	pair_close(&p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_exchange),
	        cmocka_unit_test(test_ip_literal),
	        cmocka_unit_test(test_other_ca),
	        cmocka_unit_test(test_wrong_host),
	        cmocka_unit_test(test_expired),
	        cmocka_unit_test(test_ctx_errors),
	        cmocka_unit_test(test_session_args),
	        cmocka_unit_test(test_write_before_handshake),
	        cmocka_unit_test(test_garbage),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
