/*
 * Random version 4 UUIDs from OpenSSL's RAND_bytes, name-based ones (a
 * SHA-256 of the name, version 8), written in lowercase canonical form,
 * and checks of that form and of ID prefixes.
 */
#include <string.h>

#include <openssl/rand.h>
#include <openssl/sha.h>

#include "err.h"
#include "uuid.h"

/* 1 at the positions of the dashes in a canonical UUID. */
static int
uuid_dash_at(size_t i)
{
	return i == 8 || i == 13 || i == 18 || i == 23;
}

static int
uuid_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

/* Writes 16 bytes as a UUID of version v (the variant set too). */
static void
uuid_format(unsigned char r[16], int v, char out[UUID_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	size_t i, j;

	r[6] = (unsigned char)((r[6] & 0x0f) | (v << 4));
	r[8] = (unsigned char)((r[8] & 0x3f) | 0x80);
	for (i = 0, j = 0; i < UUID_LEN; i++) {
		if (uuid_dash_at(i)) {
			out[i] = '-';
			continue;
		}
		out[i] = hex[(r[j / 2] >> ((j % 2) ? 0 : 4)) & 0x0f];
		j++;
	}
	out[UUID_LEN] = '\0';
}

int
uuid_new(char out[UUID_LEN + 1])
{
	unsigned char r[16];

	if (RAND_bytes(r, sizeof(r)) != 1)
		return CAIRN_EINTERNAL;
	uuid_format(r, 4, out);
	return CAIRN_OK;
}

void
uuid_from_name(const char *name, char out[UUID_LEN + 1])
{
	unsigned char md[SHA256_DIGEST_LENGTH];

	SHA256((const unsigned char *)name, strlen(name), md);
	uuid_format(md, 8, out);
}

int
uuid_valid(const char *s)
{
	size_t i;

	if (s == NULL)
		return 0;
	for (i = 0; i < UUID_LEN; i++) {
		if (s[i] == '\0')
			return 0;
		if (uuid_dash_at(i) ? s[i] != '-' : !uuid_hex(s[i]))
			return 0;
	}
	return s[UUID_LEN] == '\0';
}

int
uuid_prefix_valid(const char *s)
{
	size_t i;

	if (s == NULL || s[0] == '\0')
		return 0;
	for (i = 0; s[i] != '\0'; i++) {
		if (i >= UUID_LEN)
			return 0;
		if (uuid_dash_at(i) ? s[i] != '-' : !uuid_hex(s[i]))
			return 0;
	}
	return 1;
}
