/* UUIDs in their 36-character text form: time-ordered (version 7) and
 * name-based (version 8). */
#ifndef CAIRN_UUID_H
#define CAIRN_UUID_H

#include <stddef.h>

#define UUID_LEN 36

/*
 * Writes a new time-ordered UUID (version 7: later ids sort after earlier
 * ones of this process) and NUL into out. CAIRN_OK or CAIRN_EINTERNAL.
 */
int uuid_new(char out[UUID_LEN + 1]);
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
