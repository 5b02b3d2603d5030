/*
 * The backend the store's unit tests run on: SQLite (a file in the
 * fixture's folder), or with CAIRN_TEST_DB=pg a fresh PostgreSQL database
 * per test in the cluster tests/pg/pg-run started (CAIRN_TEST_PG_HOST,
 * its socket's folder; createdb and psql on PATH). The same tests then
 * prove the same behaviour of both. Header-only: each test includes it.
 */
#ifndef TEST_STORE_BACKEND_H
#define TEST_STORE_BACKEND_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static __attribute__((unused)) int
backend_is_pg(void)
{
	const char *v = getenv("CAIRN_TEST_DB");

	return v != NULL && strcmp(v, "pg") == 0;
}

/* Runs a shell command of at most 1 KiB built from fmt; its status. */
static int backend_sh(const char *fmt, ...)
        __attribute__((format(printf, 1, 2)));

static __attribute__((unused)) int
backend_sh(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}

/*
 * Makes a new, empty PostgreSQL database and writes its URL to url
 * (name, if not NULL, gets the database's name). Needs pg mode.
 */
static __attribute__((unused)) void
backend_pg_new(char *url, size_t len, char *name, size_t namelen)
{
	static unsigned n;
	char db[64];

	snprintf(db, sizeof(db), "cairn_u_%ld_%u", (long)getpid(), n++);
	if (backend_sh("createdb '%s'", db) != 0) {
		fprintf(stderr, "createdb %s failed\n", db);
		abort();
	}
	snprintf(url, len, "postgresql:///%s?host=%s", db,
	         getenv("CAIRN_TEST_PG_HOST"));
	if (name != NULL)
		snprintf(name, namelen, "%s", db);
}

/*
 * The database of a fixture: path is a SQLite file in dir, or in pg mode
 * overwritten with the URL of a new database. Open it with store_open.
 */
static __attribute__((unused)) void
backend_db(char *path, size_t len, const char *dir)
{
	if (backend_is_pg())
		backend_pg_new(path, len, NULL, 0);
	else
		snprintf(path, len, "%s/s.db", dir);
}

/* The database name in a URL backend_pg_new made. */
static __attribute__((unused)) const char *
backend_pg_name(const char *url, char *out, size_t len)
{
	const char *p = url + strlen("postgresql:///");

	snprintf(out, len, "%.*s", (int)strcspn(p, "?"), p);
	return out;
}

#endif
