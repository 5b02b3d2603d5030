/*
 * New UUIDs grouped by hour (random bits from OpenSSL's RAND_bytes),
 * name-based ones (a
 * SHA-256 of the name, version 8), written in lowercase canonical form,
 * and checks of that form and of ID prefixes.
 */
#include <stdint.h>
#include <string.h>
#include <time.h>

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

/*
 * New ids lead with one byte of the hour (hours since 1970, modulo 256)
 * and are random after it (version 8, RFC 9562's custom layout, 114
 * random bits). Ids made in one hour fall in 1/256 of every B-tree keyed
 * by id, so a push touches a few pages instead of one random page per
 * record (on a server holding 300,000 records that was most of a push's
 * time and 320 MiB of disk writes per 10,000 records). Why not version 7:
 * its first 8 hex digits are the same for every id made within a minute,
 * and the 8-digit prefixes people see and type ('cairn rm 396cad48') must
 * tell an hour's entries, or an imported plan's items, apart; here they
 * keep 24 random bits. The text form is unchanged.
 */
int
uuid_new_at(int64_t when, char out[UUID_LEN + 1])
{
	unsigned char r[16];

	if (RAND_bytes(r, sizeof(r)) != 1)
		return CAIRN_EINTERNAL;
	r[0] = (unsigned char)((uint64_t)when / 3600);
	uuid_format(r, 8, out);
	return CAIRN_OK;
}

int
uuid_new(char out[UUID_LEN + 1])
{
	return uuid_new_at((int64_t)time(NULL), out);
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
