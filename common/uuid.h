/* UUIDs in their 36-character text form: new ones grouped by hour, and
 * name-based ones. */
#ifndef CAIRN_UUID_H
#define CAIRN_UUID_H

#include <stddef.h>
#include <stdint.h>

#define UUID_LEN 36

/*
 * Writes a new UUID and NUL into out: its first byte is the hour (so an
 * hour's ids are neighbours in an index), the rest random. CAIRN_OK or
 * CAIRN_EINTERNAL.
 */
int uuid_new(char out[UUID_LEN + 1]);
/* The same, led by the hour of when (unix seconds) instead of now's. */
int uuid_new_at(int64_t when, char out[UUID_LEN + 1]);
/*
 * The same UUID for the same name on every machine (SHA-256 of name,
 * version 8): records that must not be made twice, like a mentor's review
 * of one week.
 */
void uuid_from_name(const char *name, char out[UUID_LEN + 1]);
/* 1 if s is a lowercase canonical UUID. */
int uuid_valid(const char *s);
/* 1 if s is a non-empty lowercase hex-and-dash prefix of at most 36. */
int uuid_prefix_valid(const char *s);

#endif
