/*
 * sqlite-limit: what this machine's SQLite can do at best with rows shaped
 * like cairn's, so the sync figures can be read as a share of it
 * (bench/limits.sh). No protocol, no protobuf, no lookups: prepared
 * inserts of made-up rows in one transaction.
 *
 *   sqlite-limit server DB N [BODY [SQL]]
 *       cairnd's records table (schema 4: columns, primary key, UNIQUE
 *       seq, the owner and subject indexes), its pragmas (WAL,
 *       synchronous=FULL, temp_store=MEMORY, foreign keys), its upsert
 *       statement, the counter and the owner's usage written once before
 *       COMMIT
 *   sqlite-limit client DB N [BODY [SQL]]
 *       the client's records table (schema 3 with its three indexes),
 *       WAL, synchronous=NORMAL as the client opens it, the client's
 *       upsert statement
 *   sqlite-limit fsync FILE N
 *       N times: write 4 KiB at offset 0, fdatasync (a commit in WAL mode
 *       with synchronous=FULL costs at least one)
 *
 * Ids are time-ordered like the UUIDv7 cairn makes; bodies are BODY
 * (default 150) random bytes. SQL, if given, runs after the pragmas, to
 * try a setting ("PRAGMA cache_size = -65536"). DB must not exist. Prints
 * one line, "rows=N seconds=S rows_per_s=R" (or "syncs=N seconds=S
 * syncs_per_s=R"); the time runs from BEGIN to the return of COMMIT.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

static const char server_schema[] =
        "CREATE TABLE users (id INTEGER PRIMARY KEY, handle TEXT NOT NULL "
        "  UNIQUE, salt BLOB NOT NULL, hash BLOB NOT NULL, n INTEGER NOT NULL,"
        "  r INTEGER NOT NULL, p INTEGER NOT NULL, created_at INTEGER NOT "
        "  NULL, used_records INTEGER NOT NULL DEFAULT 0, used_bytes INTEGER"
        "  NOT NULL DEFAULT 0);"
        "CREATE TABLE records (id TEXT PRIMARY KEY, owner_id INTEGER NOT NULL"
        "  REFERENCES users (id), kind INTEGER NOT NULL, hlc INTEGER NOT NULL,"
        "  device TEXT NOT NULL, deleted INTEGER NOT NULL, private INTEGER NOT"
        "  NULL, body BLOB NOT NULL, seq INTEGER NOT NULL UNIQUE,"
        "  subject_id INTEGER NOT NULL DEFAULT 0, exposed INTEGER NOT NULL"
        "  DEFAULT 0);"
        "CREATE INDEX records_owner_seq ON records (owner_id, seq);"
        "CREATE INDEX records_subject_seq ON records (subject_id, seq);"
        "CREATE TABLE counter (id INTEGER PRIMARY KEY CHECK (id = 1),"
        "  seq INTEGER NOT NULL);"
        "INSERT INTO counter (id, seq) VALUES (1, 0);"
        "INSERT INTO users (id, handle, salt, hash, n, r, p, created_at)"
        "  VALUES (1, 'bench', x'00', x'00', 1, 1, 1, 0);";

static const char server_insert[] =
        "INSERT INTO records (id, owner_id, subject_id, kind, hlc, "
        "device, deleted, private, exposed, body, seq) VALUES (?1, "
        "?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) "
        "ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, "
        "subject_id = excluded.subject_id, hlc = excluded.hlc, "
        "device = excluded.device, deleted = excluded.deleted, "
        "private = excluded.private, "
        "exposed = max(exposed, excluded.exposed), "
        "body = excluded.body, seq = excluded.seq";

static const char client_schema[] =
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
        "CREATE TABLE records (id TEXT PRIMARY KEY, kind INTEGER NOT NULL,"
        "  owner TEXT NOT NULL, hlc INTEGER NOT NULL, device TEXT NOT NULL,"
        "  deleted INTEGER NOT NULL DEFAULT 0, private INTEGER NOT NULL"
        "  DEFAULT 0, body BLOB, at INTEGER NOT NULL DEFAULT 0, dirty INTEGER"
        "  NOT NULL DEFAULT 0, subject TEXT NOT NULL DEFAULT '', target TEXT"
        "  NOT NULL DEFAULT '', arrived INTEGER NOT NULL DEFAULT 0);"
        "CREATE INDEX records_kind_at ON records(kind, at);"
        "CREATE INDEX records_dirty ON records(dirty) WHERE dirty > 0;"
        "CREATE INDEX records_target ON records(target) WHERE target <> '';";

static const char client_insert[] =
        "INSERT INTO records(id, kind, owner, hlc, device, deleted,"
        " private, body, at, dirty, subject, target, arrived)"
        " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12,"
        " ?13)"
        " ON CONFLICT(id) DO UPDATE SET kind = excluded.kind,"
        " owner = excluded.owner, hlc = excluded.hlc,"
        " device = excluded.device, deleted = excluded.deleted,"
        " private = excluded.private, body = excluded.body,"
        " at = excluded.at, dirty = excluded.dirty,"
        " subject = excluded.subject, target = excluded.target,"
        " arrived = excluded.arrived";

static uint64_t rng = 0x9e3779b97f4a7c15u;

static uint64_t
next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A time-ordered id in UUID form: 48 bits of "ms", 12 of count, random. */
static void
make_id(char out[37], uint64_t ms, unsigned i)
{
	uint64_t r = next_rand();

	snprintf(out, 37, "%08x-%04x-7%03x-%04x-%012llx", (unsigned)(ms >> 16),
	         (unsigned)(ms & 0xffff), i & 0xfff,
	         (unsigned)(0x8000 | (r & 0x3fff)),
	         (unsigned long long)((r >> 14) & 0xffffffffffffull));
}

static int
die(sqlite3 *db, const char *what)
{
	fprintf(stderr, "sqlite-limit: %s: %s\n", what,
	        db != NULL ? sqlite3_errmsg(db) : "?");
	return 1;
}

static int
run_sql(const char *mode, const char *path, unsigned long n, size_t body_len,
        const char *extra)
{
	int server = strcmp(mode, "server") == 0;
	sqlite3 *db = NULL;
	sqlite3_stmt *q = NULL;
	unsigned char *body;
	char id[37], device[37];
	uint64_t ms = 1700000000000ull;
	unsigned long i;
	double t0, t1;
	size_t k;

	if (access(path, F_OK) == 0) {
		fprintf(stderr, "sqlite-limit: %s exists\n", path);
		return 2;
	}
	if ((body = malloc(body_len ? body_len : 1)) == NULL)
		return 1;
	for (k = 0; k < body_len; k++)
		body[k] = (unsigned char)next_rand();
	make_id(device, ms, 0);
	if (sqlite3_open_v2(path, &db,
	                    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
	                    NULL) != SQLITE_OK)
		return die(db, "open");
	if (sqlite3_exec(db,
	                 server ? "PRAGMA journal_mode = WAL;"
	                          "PRAGMA synchronous = FULL;"
	                          "PRAGMA temp_store = MEMORY;"
	                          "PRAGMA foreign_keys = ON;"
	                        : "PRAGMA journal_mode = WAL;"
	                          "PRAGMA synchronous = NORMAL;"
	                          "PRAGMA foreign_keys = ON;",
	                 NULL, NULL, NULL) != SQLITE_OK ||
	    (extra != NULL &&
	     sqlite3_exec(db, extra, NULL, NULL, NULL) != SQLITE_OK) ||
	    sqlite3_exec(db, server ? server_schema : client_schema, NULL, NULL,
	                 NULL) != SQLITE_OK)
		return die(db, "schema");
	if (sqlite3_prepare_v3(db, server ? server_insert : client_insert, -1,
	                       SQLITE_PREPARE_PERSISTENT, &q,
	                       NULL) != SQLITE_OK)
		return die(db, "prepare");
	t0 = now_s();
	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return die(db, "begin");
	for (i = 0; i < n; i++) {
		if (i % 4096 == 0)
			ms++;
		make_id(id, ms, (unsigned)i);
		if (server) {
			sqlite3_bind_text(q, 1, id, 36, SQLITE_STATIC);
			sqlite3_bind_int64(q, 2, 1);
			sqlite3_bind_int64(q, 3, 1);
			sqlite3_bind_int(q, 4, 1);
			sqlite3_bind_int64(q, 5, (sqlite3_int64)(ms << 16 | i));
			sqlite3_bind_text(q, 6, device, 36, SQLITE_STATIC);
			sqlite3_bind_int(q, 7, 0);
			sqlite3_bind_int(q, 8, 0);
			sqlite3_bind_int(q, 9, 0);
			sqlite3_bind_blob(q, 10, body, (int)body_len,
			                  SQLITE_STATIC);
			sqlite3_bind_int64(q, 11, (sqlite3_int64)i + 1);
		} else {
			sqlite3_bind_text(q, 1, id, 36, SQLITE_STATIC);
			sqlite3_bind_int(q, 2, 1);
			sqlite3_bind_text(q, 3, "bench", -1, SQLITE_STATIC);
			sqlite3_bind_int64(q, 4, (sqlite3_int64)(ms << 16 | i));
			sqlite3_bind_text(q, 5, device, 36, SQLITE_STATIC);
			sqlite3_bind_int(q, 6, 0);
			sqlite3_bind_int(q, 7, 0);
			sqlite3_bind_blob(q, 8, body, (int)body_len,
			                  SQLITE_STATIC);
			sqlite3_bind_int64(
			        q, 9, 1700000000 - (sqlite3_int64)i * 3600);
			sqlite3_bind_int(q, 10, 0);
			sqlite3_bind_text(q, 11, "bench", -1, SQLITE_STATIC);
			sqlite3_bind_text(q, 12, "", 0, SQLITE_STATIC);
			sqlite3_bind_int64(q, 13, (sqlite3_int64)i + 1);
		}
		if (sqlite3_step(q) != SQLITE_DONE)
			return die(db, "insert");
		sqlite3_reset(q);
	}
	if (server) {
		char sql[160];

		snprintf(sql, sizeof(sql),
		         "UPDATE counter SET seq = %lu; UPDATE users SET "
		         "used_records = used_records + %lu, used_bytes = "
		         "used_bytes + %lu WHERE id = 1",
		         n, n, n * (body_len + 64));
		if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
			return die(db, "counter");
	}
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		return die(db, "commit");
	t1 = now_s();
	printf("rows=%lu seconds=%.4f rows_per_s=%.0f\n", n, t1 - t0,
	       (double)n / (t1 - t0));
	sqlite3_finalize(q);
	sqlite3_close(db);
	free(body);
	return 0;
}

static int
run_fsync(const char *path, unsigned long n)
{
	char buf[4096];
	unsigned long i;
	double t0, t1;
	int fd;

	memset(buf, 'x', sizeof(buf));
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600)) < 0) {
		fprintf(stderr, "sqlite-limit: %s: %s\n", path,
		        strerror(errno));
		return 1;
	}
	/* The first write allocates the block; the loop then rewrites it. */
	if (pwrite(fd, buf, sizeof(buf), 0) != (ssize_t)sizeof(buf) ||
	    fdatasync(fd) != 0)
		goto fail;
	t0 = now_s();
	for (i = 0; i < n; i++) {
		buf[0] = (char)i;
		if (pwrite(fd, buf, sizeof(buf), 0) != (ssize_t)sizeof(buf) ||
		    fdatasync(fd) != 0)
			goto fail;
	}
	t1 = now_s();
	close(fd);
	printf("syncs=%lu seconds=%.4f syncs_per_s=%.0f\n", n, t1 - t0,
	       (double)n / (t1 - t0));
	return 0;
fail:
	fprintf(stderr, "sqlite-limit: write/fdatasync: %s\n", strerror(errno));
	close(fd);
	return 1;
}

int
main(int argc, char **argv)
{
	unsigned long n;
	size_t body = 150;

	if (argc < 4 || argc > 6) {
		fprintf(stderr,
		        "usage: sqlite-limit server|client DB N [BODY [SQL]]\n"
		        "       sqlite-limit fsync FILE N\n");
		return 2;
	}
	n = strtoul(argv[3], NULL, 10);
	if (n == 0 || n > 100000000) {
		fprintf(stderr, "sqlite-limit: N must be 1..100000000\n");
		return 2;
	}
	if (argc >= 5)
		body = strtoul(argv[4], NULL, 10);
	if (body > 1000000) {
		fprintf(stderr, "sqlite-limit: BODY must be at most 1000000\n");
		return 2;
	}
	if (strcmp(argv[1], "fsync") == 0)
		return run_fsync(argv[2], n);
	if (strcmp(argv[1], "server") == 0 || strcmp(argv[1], "client") == 0)
		return run_sql(argv[1], argv[2], n, body,
		               argc == 6 ? argv[5] : NULL);
	fprintf(stderr, "sqlite-limit: unknown mode %s\n", argv[1]);
	return 2;
}
