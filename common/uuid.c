/*
 * Time-ordered version 7 UUIDs (random bits from OpenSSL's RAND_bytes),
 * name-based ones (a
 * SHA-256 of the name, version 8), written in lowercase canonical form,
 * and checks of that form and of ID prefixes.
 */
#include <pthread.h>
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
 * Version 7 (RFC 9562): 48 bits of Unix milliseconds, then 12 bits that
 * count up within one millisecond (method 1, started at a random value
 * in its lower half), then 62 random bits. Ids made later sort later, so
 * new records land at the right edge of every B-tree keyed by id instead
 * of on a random page (on a server holding a million records that was
 * most of a push's time and disk writes); the text form is unchanged.
 */
int
uuid_new(char out[UUID_LEN + 1])
{
	static uint64_t last_ms;
	static unsigned seq;
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	struct timespec ts;
	unsigned char r[16];
	uint64_t ms;
	unsigned s;

	if (RAND_bytes(r, sizeof(r)) != 1)
		return CAIRN_EINTERNAL;
	clock_gettime(CLOCK_REALTIME, &ts);
	ms = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
	pthread_mutex_lock(&lock);
	if (ms > last_ms) {
		last_ms = ms;
		seq = ((unsigned)r[6] << 8 | r[7]) & 0x7ff;
	} else if (++seq > 0xfff) {
		/* 4,096 ids in one millisecond: borrow the next one. */
		last_ms++;
		seq = 0;
	}
	ms = last_ms;
	s = seq;
	pthread_mutex_unlock(&lock);
	r[0] = (unsigned char)(ms >> 40);
	r[1] = (unsigned char)(ms >> 32);
	r[2] = (unsigned char)(ms >> 24);
	r[3] = (unsigned char)(ms >> 16);
	r[4] = (unsigned char)(ms >> 8);
	r[5] = (unsigned char)ms;
	r[6] = (unsigned char)(s >> 8);
	r[7] = (unsigned char)s;
	uuid_format(r, 7, out);
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
