/*
 * Which backend --db names: a postgresql:// (or postgres://) URL is
 * PostgreSQL, several cairnd sharing it; anything else is the path of a
 * SQLite file, one cairnd's own.
 */
#include <string.h>

#include "store.h"

int
store_is_pg(const char *db)
{
	return strncmp(db, "postgresql://", 13) == 0 ||
	       strncmp(db, "postgres://", 11) == 0;
}

int
store_open(const char *db, struct store **out, char *err, size_t errlen)
{
	if (store_is_pg(db))
		return store_pg_open(db, out, err, errlen);
	return store_sqlite_open(db, out, err, errlen);
}
