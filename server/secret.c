/*
 * The server's secrets: scrypt password hashes (OpenSSL EVP_KDF "SCRYPT"),
 * SHA-256 of device tokens, random bytes and invite codes. Password
 * hashing is slow on purpose; callers run it on the libuv thread pool.
 */
#include <string.h>
#include <time.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include "cairnd.h"
#include "err.h"

int
secret_scrypt(const char *pw, size_t pwlen, const uint8_t *salt, size_t saltlen,
              uint64_t n, uint32_t r, uint32_t p, uint8_t *out)
{
	EVP_KDF *kdf = NULL;
	EVP_KDF_CTX *kctx = NULL;
	OSSL_PARAM params[6], *q = params;
	int rc = CAIRN_EINTERNAL;

	if ((kdf = EVP_KDF_fetch(NULL, "SCRYPT", NULL)) == NULL)
		goto out;
	if ((kctx = EVP_KDF_CTX_new(kdf)) == NULL)
		goto out;
	*q++ = OSSL_PARAM_construct_octet_string(
	        OSSL_KDF_PARAM_PASSWORD, (void *)(pwlen > 0 ? pw : ""), pwlen);
	*q++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT,
	                                         (void *)salt, saltlen);
	*q++ = OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_N, &n);
	*q++ = OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_R, &r);
	*q++ = OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_P, &p);
	*q = OSSL_PARAM_construct_end();
	if (EVP_KDF_derive(kctx, out, STORE_HASH_LEN, params) != 1)
		goto out;
	rc = CAIRN_OK;
out:
	EVP_KDF_CTX_free(kctx);
	EVP_KDF_free(kdf);
	return rc;
}

int
secret_token_hash(const uint8_t *token, size_t len, uint8_t *out)
{
	unsigned int n = 0;

	if (EVP_Digest(token, len, out, &n, EVP_sha256(), NULL) != 1 ||
	    n != STORE_HASH_LEN)
		return CAIRN_EINTERNAL;
	return CAIRN_OK;
}

int
secret_random(uint8_t *p, size_t len)
{
	if (len > 0 && RAND_bytes(p, (int)len) != 1)
		return CAIRN_EINTERNAL;
	return CAIRN_OK;
}

int
secret_invite_code(char out[SECRET_INVITE_LEN + 1])
{
	/* Lowercase letters and digits without the easily confused ones. */
	static const char alphabet[] = "abcdefghjkmnpqrstuvwxyz23456789";
	uint8_t raw[SECRET_INVITE_LEN];
	size_t i, n = sizeof(alphabet) - 1;

	if (secret_random(raw, sizeof(raw)) != CAIRN_OK)
		return CAIRN_EINTERNAL;
	/* 256 % 31 leaves a tiny bias; the code has about 118 bits anyway. */
	for (i = 0; i < SECRET_INVITE_LEN; i++)
		out[i] = alphabet[raw[i] % n];
	out[SECRET_INVITE_LEN] = '\0';
	return CAIRN_OK;
}

uint64_t
now_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}
