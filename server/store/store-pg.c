/*
 * The PostgreSQL backend of the storage interface (store.h), on libpq: the
 * same tables as store-sqlite.c in PostgreSQL's types, migrations by a
 * version row, every query a prepared statement with binary parameters and
 * results, one connection per store (the database thread of dbq.c owns
 * it). Chosen by store_open for a postgresql:// URL; several cairnd may
 * share one database.
 *
 * The change log (docs/sync.md, "Many writers"): a write transaction
 * locks the counter row at BEGIN and holds it until COMMIT, so seqs are
 * handed out and committed in the same order across every cairnd, and
 * any snapshot sees a prefix of the log: a reader's cursor never passes a
 * seq that commits later. Read transactions run REPEATABLE READ, so the
 * phases of one changes query and the max_seq that becomes the cursor
 * see the same prefix.
 *
 * When the connection breaks (PostgreSQL restarted, network), the store
 * answers CAIRN_EBUSY ("busy, retry") and reconnects at the next
 * transaction, no sooner than a backoff of 0.1 s doubling to 5 s. A
 * commit whose answer was lost is reported as failed; the client's
 * retry is harmless because every write is idempotent (the merge rule).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "log.h"
#include "store-changes.h"
#include "store.h"

#ifdef CAIRN_HAVE_LIBPQ

#include <arpa/inet.h>
#include <time.h>

#include <libpq-fe.h>

enum pg_stmt {
	PG_META_GET,
	PG_META_PUT,
	PG_USER_INSERT,
	PG_USER_GET,
	PG_USER_BY_ID,
	PG_DEVICE_INSERT,
	PG_DEVICE_GET,
	PG_DEVICE_LIST,
	PG_DEVICE_MATCH,
	PG_DEVICE_REVOKE,
	PG_DEVICE_TOUCH,
	PG_DEVICE_NAMED,
	PG_DEVICE_RENAME,
	PG_INVITE_INSERT,
	PG_INVITE_USE,
	PG_RECORD_GET,
	PG_RECORD_UPSERT,
	PG_MAX_SEQ,
	PG_AUDIENCE,
	PG_VISIBLE,
	PG_SEQ_SUBJECT,
	PG_SEQ_SUBJECT_SHARED,
	PG_SEQ_OWNER,
	PG_SEQ_OWNER_ABOUT_OTHERS,
	PG_SEQ_EVENTS,
	PG_AT_SEQ_RECORD,
	PG_AT_SEQ_EVENT,
	PG_SEE_PARTNER,
	PG_SEE_MENTOR,
	PG_SEE_GROUP,
	PG_EVENT_INSERT,
	PG_REL_GET,
	PG_REL_PUT,
	PG_REL_DELETE,
	PG_REL_LIST,
	PG_GROUP_INSERT,
	PG_GROUP_GET,
	PG_MEMBER_GET,
	PG_MEMBER_PUT,
	PG_MEMBER_DELETE,
	PG_MEMBER_LIST_GROUP,
	PG_MEMBER_LIST_USER,
	PG_USAGE_GET,
	PG_USAGE_ADD,
	PG_COUNT
};

/*
 * Each statement with its parameter types, one letter a parameter: i
 * bigint, t text, b bytea. Every integer column is a bigint, so results
 * decode one way (pg_i64).
 */
static const struct {
	const char *types;
	const char *sql;
} pg_sql[PG_COUNT] = {
        [PG_META_GET] = {"t", "SELECT value FROM meta WHERE key = $1"},
        [PG_META_PUT] = {"tt", "INSERT INTO meta (key, value) VALUES ($1, "
                               "$2) ON CONFLICT (key) DO UPDATE SET value "
                               "= excluded.value"},
        /* ON CONFLICT DO NOTHING: a taken handle answers no row, and the
         * transaction goes on (an error would abort all of it). */
        [PG_USER_INSERT] = {"tbbiiii",
                            "INSERT INTO users (handle, salt, hash, n, r, "
                            "p, created_at) VALUES ($1, $2, $3, $4, $5, $6, "
                            "$7) ON CONFLICT DO NOTHING RETURNING id"},
        [PG_USER_GET] = {"t", "SELECT id, handle, salt, hash, n, r, p, "
                              "created_at FROM users WHERE handle = $1"},
        [PG_USER_BY_ID] = {"i", "SELECT id, handle, salt, hash, n, r, p, "
                                "created_at FROM users WHERE id = $1"},
        [PG_DEVICE_INSERT] = {"titbi",
                              "INSERT INTO devices (id, user_id, name, "
                              "token_hash, created_at, last_seen) VALUES "
                              "($1, $2, $3, $4, $5, $5) ON CONFLICT DO "
                              "NOTHING"},
        [PG_DEVICE_GET] = {"t", "SELECT d.id, d.user_id, u.handle, d.name, "
                                "d.token_hash, d.created_at, d.last_seen, "
                                "d.revoked_at FROM devices d JOIN users u "
                                "ON u.id = d.user_id WHERE d.id = $1"},
        [PG_DEVICE_LIST] = {"i", "SELECT d.id, d.user_id, u.handle, d.name, "
                                 "d.token_hash, d.created_at, d.last_seen, "
                                 "d.revoked_at FROM devices d JOIN users u "
                                 "ON u.id = d.user_id WHERE d.user_id = $1 "
                                 "ORDER BY d.created_at, d.id"},
        [PG_DEVICE_MATCH] = {"it", "SELECT id FROM devices WHERE user_id = "
                                   "$1 AND starts_with(id, $2) LIMIT 2"},
        [PG_DEVICE_REVOKE] = {"ti", "UPDATE devices SET revoked_at = $2 "
                                    "WHERE id = $1 AND revoked_at = 0"},
        [PG_DEVICE_TOUCH] = {"ti", "UPDATE devices SET last_seen = $2 WHERE "
                                   "id = $1"},
        [PG_DEVICE_NAMED] = {"itt", "SELECT id FROM devices WHERE user_id = "
                                    "$1 AND name = $2 AND id <> $3 AND "
                                    "revoked_at = 0 LIMIT 1"},
        [PG_DEVICE_RENAME] = {"tt", "UPDATE devices SET name = $2 WHERE id = "
                                    "$1"},
        [PG_INVITE_INSERT] = {"tii", "INSERT INTO invites (code, uses_left, "
                                     "created_at) VALUES ($1, $2, $3) ON "
                                     "CONFLICT DO NOTHING"},
        [PG_INVITE_USE] = {"t", "UPDATE invites SET uses_left = uses_left "
                                "- 1 WHERE code = $1 AND uses_left > 0"},
        [PG_RECORD_GET] = {"t", "SELECT owner_id, subject_id, kind, hlc, "
                                "device, deleted, private, seq, "
                                "octet_length(body)::bigint FROM records "
                                "WHERE id = $1"},
        [PG_RECORD_UPSERT] =
                {"tiiiitiiibi",
                 "INSERT INTO records (id, owner_id, subject_id, kind, hlc, "
                 "device, deleted, private, exposed, body, seq) VALUES ($1, "
                 "$2, $3, $4, $5, $6, $7, $8, $9, $10, $11) "
                 "ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, "
                 "subject_id = excluded.subject_id, hlc = excluded.hlc, "
                 "device = excluded.device, deleted = excluded.deleted, "
                 "private = excluded.private, "
                 "exposed = GREATEST(records.exposed, excluded.exposed), "
                 "body = excluded.body, seq = excluded.seq"},
        [PG_MAX_SEQ] = {"", "SELECT seq FROM counter WHERE id = 1"},
        [PG_AUDIENCE] =
                {"i",
                 "WITH ch(u) AS (SELECT owner_id FROM records WHERE seq > $1"
                 " UNION SELECT subject_id FROM records WHERE seq > $1"
                 " UNION SELECT viewer_id FROM access_events WHERE seq > $1"
                 " UNION SELECT subject_id FROM access_events WHERE seq > "
                 "$1) SELECT u FROM ch"
                 " UNION SELECT to_id FROM relations WHERE from_id IN "
                 "(SELECT u FROM ch)"
                 " UNION SELECT from_id FROM relations WHERE to_id IN "
                 "(SELECT u FROM ch)"
                 " UNION SELECT b.user_id FROM group_members a JOIN"
                 " group_members b ON b.group_id = a.group_id"
                 " WHERE a.user_id IN (SELECT u FROM ch)"},
        [PG_VISIBLE] =
                {"i",
                 "SELECT to_id FROM relations WHERE from_id = $1 AND role = "
                 "1 AND state = 2 "
                 "UNION SELECT from_id FROM relations WHERE to_id = $1 AND "
                 "state = 2 "
                 "UNION SELECT b.user_id FROM group_members a JOIN "
                 "group_members b ON b.group_id = a.group_id WHERE "
                 "a.user_id = $1 AND a.state = 2 AND b.state = 2 AND "
                 "b.user_id <> $1 LIMIT 100000"},
        [PG_SEQ_SUBJECT] = {"iiii",
                            "SELECT seq FROM records WHERE subject_id = $1 "
                            "AND seq > $2 AND seq <= $3 ORDER BY seq "
                            "LIMIT $4"},
        [PG_SEQ_SUBJECT_SHARED] =
                {"iiiii",
                 "SELECT seq FROM records WHERE subject_id = $1 AND seq > $2 "
                 "AND seq <= $3 AND (private = 0 OR (exposed = 1 AND $5 = "
                 "1)) ORDER BY seq LIMIT $4"},
        [PG_SEQ_OWNER] = {"iiiii",
                          "SELECT seq FROM records WHERE owner_id = $1 AND "
                          "seq > $2 AND seq <= $3 AND kind <= $5 "
                          "ORDER BY seq LIMIT $4"},
        [PG_SEQ_OWNER_ABOUT_OTHERS] =
                {"iiii",
                 "SELECT seq FROM records WHERE owner_id = $1 AND seq > $2 "
                 "AND seq <= $3 AND subject_id <> $1 ORDER BY seq LIMIT $4"},
        [PG_SEQ_EVENTS] = {"iiii",
                           "SELECT seq FROM access_events WHERE viewer_id = "
                           "$1 AND seq > $2 AND seq <= $3 ORDER BY seq "
                           "LIMIT $4"},
        [PG_AT_SEQ_RECORD] =
                {"i",
                 "SELECT r.id, r.kind, r.owner_id, o.handle, r.subject_id, "
                 "s.handle, r.hlc, r.device, r.deleted, r.private, r.body, "
                 "r.seq FROM records r JOIN users o ON o.id = r.owner_id "
                 "JOIN users s ON s.id = r.subject_id WHERE r.seq = $1"},
        [PG_AT_SEQ_EVENT] = {"i", "SELECT e.granted, u.handle FROM "
                                  "access_events e JOIN users u ON u.id = "
                                  "e.subject_id WHERE e.seq = $1"},
        [PG_SEE_PARTNER] = {"ii", "SELECT 1 FROM relations WHERE role = 1 "
                                  "AND state = 2 AND ((from_id = $1 AND "
                                  "to_id = $2) OR (from_id = $2 AND to_id = "
                                  "$1))"},
        [PG_SEE_MENTOR] = {"ii", "SELECT 1 FROM relations WHERE role = 2 AND "
                                 "state = 2 AND from_id = $2 AND to_id = "
                                 "$1"},
        [PG_SEE_GROUP] = {"ii", "SELECT 1 FROM group_members a JOIN "
                                "group_members b ON b.group_id = a.group_id "
                                "WHERE a.user_id = $1 AND b.user_id = $2 "
                                "AND a.state = 2 AND b.state = 2 LIMIT 1"},
        [PG_EVENT_INSERT] = {"iiii", "INSERT INTO access_events (seq, "
                                     "viewer_id, subject_id, granted) "
                                     "VALUES ($1, $2, $3, $4)"},
        [PG_REL_GET] = {"iii",
                        "SELECT r.from_id, r.to_id, r.role, r.state, "
                        "r.created_at, r.since, f.handle, t.handle FROM "
                        "relations r JOIN users f ON f.id = r.from_id JOIN "
                        "users t ON t.id = r.to_id WHERE r.from_id = $1 AND "
                        "r.to_id = $2 AND r.role = $3"},
        [PG_REL_PUT] = {"iiiiii",
                        "INSERT INTO relations (from_id, to_id, role, "
                        "state, created_at, since) VALUES ($1, $2, $3, $4, "
                        "$5, $6) ON CONFLICT (from_id, to_id, role) DO "
                        "UPDATE SET state = excluded.state, created_at = "
                        "excluded.created_at, since = excluded.since"},
        [PG_REL_DELETE] = {"iii", "DELETE FROM relations WHERE from_id = $1 "
                                  "AND to_id = $2 AND role = $3"},
        [PG_REL_LIST] = {"i",
                         "SELECT r.from_id, r.to_id, r.role, r.state, "
                         "r.created_at, r.since, f.handle, t.handle FROM "
                         "relations r JOIN users f ON f.id = r.from_id JOIN "
                         "users t ON t.id = r.to_id WHERE r.from_id = $1 OR "
                         "r.to_id = $1 ORDER BY r.created_at, f.handle, "
                         "t.handle, r.role"},
        [PG_GROUP_INSERT] = {"tii", "INSERT INTO groups (name, created_by, "
                                    "created_at) VALUES ($1, $2, $3) ON "
                                    "CONFLICT DO NOTHING RETURNING id"},
        [PG_GROUP_GET] = {"t", "SELECT id, name, created_by, created_at "
                               "FROM groups WHERE name = $1"},
        [PG_MEMBER_GET] = {"ii", "SELECT m.group_id, m.user_id, m.state, "
                                 "m.invited_by, m.at, u.handle, g.name FROM "
                                 "group_members m JOIN users u ON u.id = "
                                 "m.user_id JOIN groups g ON g.id = m.group_id "
                                 "WHERE m.group_id = $1 AND m.user_id = $2"},
        [PG_MEMBER_PUT] = {"iiiii",
                           "INSERT INTO group_members (group_id, user_id, "
                           "state, invited_by, at) VALUES ($1, $2, $3, $4, "
                           "$5) ON CONFLICT (group_id, user_id) DO UPDATE "
                           "SET state = excluded.state, invited_by = "
                           "excluded.invited_by, at = excluded.at"},
        [PG_MEMBER_DELETE] = {"ii", "DELETE FROM group_members WHERE "
                                    "group_id = $1 AND user_id = $2"},
        [PG_MEMBER_LIST_GROUP] =
                {"i",
                 "SELECT m.group_id, m.user_id, m.state, m.invited_by, m.at, "
                 "u.handle, g.name FROM group_members m JOIN users u ON "
                 "u.id = m.user_id JOIN groups g ON g.id = m.group_id WHERE "
                 "m.group_id = $1 ORDER BY m.at, u.handle"},
        [PG_MEMBER_LIST_USER] =
                {"i",
                 "SELECT m.group_id, m.user_id, m.state, m.invited_by, m.at, "
                 "u.handle, g.name FROM group_members m JOIN users u ON "
                 "u.id = m.user_id JOIN groups g ON g.id = m.group_id WHERE "
                 "m.user_id = $1 ORDER BY g.name"},
        [PG_USAGE_GET] = {"i", "SELECT used_records, used_bytes FROM users "
                               "WHERE id = $1"},
        [PG_USAGE_ADD] = {"iii", "UPDATE users SET used_records = "
                                 "used_records + $2, used_bytes = "
                                 "used_bytes + $3 WHERE id = $1"},
};

/*
 * Schema migrations: step i brings the version row from i to i + 1. One
 * step is SQLite's schema 4 in PostgreSQL's types: text columns collate
 * "C" (bytes, as SQLite compares), so handles, orders and uniqueness are
 * the same on both backends. The owner (or the subject, the viewer, the
 * user: whose data it is) leads every index a hot query uses.
 */
static const char *pg_migrations[] = {
        "CREATE TABLE meta (key text COLLATE \"C\" PRIMARY KEY, value text"
        "  NOT NULL);"
        "CREATE TABLE users (id bigserial PRIMARY KEY, handle text COLLATE"
        "  \"C\" NOT NULL UNIQUE, salt bytea NOT NULL, hash bytea NOT NULL,"
        "  n bigint NOT NULL, r bigint NOT NULL, p bigint NOT NULL,"
        "  created_at bigint NOT NULL, used_records bigint NOT NULL DEFAULT"
        "  0, used_bytes bigint NOT NULL DEFAULT 0);"
        "CREATE TABLE devices (id text COLLATE \"C\" PRIMARY KEY, user_id"
        "  bigint NOT NULL REFERENCES users (id), name text NOT NULL,"
        "  token_hash bytea NOT NULL UNIQUE, created_at bigint NOT NULL,"
        "  last_seen bigint NOT NULL DEFAULT 0, revoked_at bigint NOT NULL"
        "  DEFAULT 0);"
        "CREATE INDEX devices_user ON devices (user_id, created_at);"
        "CREATE TABLE invites (code text COLLATE \"C\" PRIMARY KEY,"
        "  uses_left bigint NOT NULL, created_at bigint NOT NULL);"
        "CREATE TABLE records (id text COLLATE \"C\" PRIMARY KEY, owner_id"
        "  bigint NOT NULL REFERENCES users (id), subject_id bigint NOT"
        "  NULL, kind bigint NOT NULL, hlc bigint NOT NULL, device text"
        "  COLLATE \"C\" NOT NULL, deleted bigint NOT NULL, private bigint"
        "  NOT NULL, exposed bigint NOT NULL DEFAULT 0, body bytea NOT NULL,"
        "  seq bigint NOT NULL UNIQUE);"
        "CREATE INDEX records_owner_seq ON records (owner_id, seq);"
        "CREATE INDEX records_subject_seq ON records (subject_id, seq);"
        "CREATE TABLE counter (id bigint PRIMARY KEY CHECK (id = 1), seq"
        "  bigint NOT NULL);"
        "INSERT INTO counter (id, seq) VALUES (1, 0);"
        "CREATE TABLE relations (from_id bigint NOT NULL REFERENCES users"
        "  (id), to_id bigint NOT NULL REFERENCES users (id), role bigint"
        "  NOT NULL, state bigint NOT NULL, created_at bigint NOT NULL,"
        "  since bigint NOT NULL DEFAULT 0, PRIMARY KEY (from_id, to_id,"
        "  role));"
        "CREATE INDEX relations_to ON relations (to_id);"
        "CREATE TABLE groups (id bigserial PRIMARY KEY, name text COLLATE"
        "  \"C\" NOT NULL UNIQUE, created_by bigint NOT NULL REFERENCES"
        "  users (id), created_at bigint NOT NULL);"
        "CREATE TABLE group_members (group_id bigint NOT NULL REFERENCES"
        "  groups (id), user_id bigint NOT NULL REFERENCES users (id),"
        "  state bigint NOT NULL, invited_by bigint NOT NULL, at bigint NOT"
        "  NULL, PRIMARY KEY (group_id, user_id));"
        "CREATE INDEX group_members_user ON group_members (user_id);"
        "CREATE TABLE access_events (seq bigint PRIMARY KEY, viewer_id"
        "  bigint NOT NULL, subject_id bigint NOT NULL, granted bigint NOT"
        "  NULL);"
        "CREATE INDEX access_events_viewer ON access_events (viewer_id,"
        "  seq);",
};
#define PG_SCHEMA_VERSION \
	((int)(sizeof(pg_migrations) / sizeof(pg_migrations[0])))
#define PG_USAGE_PENDING 8
#define PG_PARAMS_MAX 12
#define PG_BACKOFF_MIN_MS 100
#define PG_BACKOFF_MAX_MS 5000
/* Any key: the migration lock of pg_migrate (pg_advisory_xact_lock). */
#define PG_MIGRATE_LOCK 0x636169726e /* "cairn" */

struct pg_store {
	struct store base; /* first: a struct store * is a struct pg_store * */
	PGconn *conn;
	char *url;
	unsigned char prepared[PG_COUNT];
	char epoch[UUID_LEN + 1];
	int in_tx;         /* between begin and commit or rollback */
	int writer;        /* this transaction holds the counter row */
	int broken;        /* the connection failed: reconnect at next begin */
	uint64_t seq_next; /* writer: the last seq given */
	uint64_t seq_locked;  /* writer: the counter when locked */
	uint64_t retry_at_ms; /* no reconnect before (monotonic) */
	unsigned backoff_ms;  /* the next wait after a failed attempt */
	/*
	 * The head record_get read last in this write transaction: the sync
	 * handler reads a record's head to merge, then record_put needs it
	 * again for the usage; no one else can write records while this
	 * writer holds the counter, so the second read is skipped.
	 */
	int head_valid, head_found;
	char head_id[UUID_LEN + 1];
	struct store_record_head head;
	struct pg_usage_delta {
		int64_t owner_id;
		int64_t records, bytes;
	} usage[PG_USAGE_PENDING];
	size_t nusage;
};

/* Bound parameters of one statement, all in binary. */
struct pg_params {
	const char *v[PG_PARAMS_MAX];
	int len[PG_PARAMS_MAX];
	int fmt[PG_PARAMS_MAX];
	uint64_t be[PG_PARAMS_MAX]; /* big-endian storage of integers */
	int n;
};

static struct pg_store *
pg(struct store *st)
{
	return (struct pg_store *)st;
}

static uint64_t
pg_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static uint64_t
pg_htonll(uint64_t x)
{
	return ((uint64_t)htonl((uint32_t)x) << 32) |
	       htonl((uint32_t)(x >> 32));
}

static void
pg_i(struct pg_params *p, int64_t x)
{
	p->be[p->n] = pg_htonll((uint64_t)x);
	p->v[p->n] = (const char *)&p->be[p->n];
	p->len[p->n] = 8;
	p->fmt[p->n++] = 1;
}

static void
pg_t(struct pg_params *p, const char *s)
{
	p->v[p->n] = s;
	p->len[p->n] = (int)strlen(s);
	p->fmt[p->n++] = 1;
}

static void
pg_b(struct pg_params *p, const void *b, size_t len)
{
	p->v[p->n] = len > 0 ? (const char *)b : "";
	p->len[p->n] = (int)len;
	p->fmt[p->n++] = 1;
}

/* A bigint (or int, smallint) column of a binary result. */
static int64_t
pg_i64(const PGresult *r, int row, int col)
{
	const unsigned char *v = (const unsigned char *)PQgetvalue(r, row, col);
	int len = PQgetlength(r, row, col), i;
	uint64_t x = 0;

	if (PQgetisnull(r, row, col) || len <= 0 || len > 8)
		return 0;
	for (i = 0; i < len; i++)
		x = (x << 8) | v[i];
	if (len < 8 && (v[0] & 0x80))
		x |= ~(uint64_t)0 << (len * 8); /* sign-extend */
	return (int64_t)x;
}

/* An integer column of a text result (PQexec). */
static int64_t
pg_i64_text(const PGresult *r, int row, int col)
{
	return strtoll(PQgetvalue(r, row, col), NULL, 10);
}

/* Copies a text column into a fixed buffer; CAIRN_ESTORAGE if too long. */
static int
pg_text(const PGresult *r, int row, int col, char *out, size_t outlen)
{
	int n = PQgetlength(r, row, col);

	if (PQgetisnull(r, row, col) || n < 0 || (size_t)n >= outlen)
		return CAIRN_ESTORAGE;
	memcpy(out, PQgetvalue(r, row, col), (size_t)n);
	out[n] = '\0';
	return CAIRN_OK;
}

/* Copies a bytea column of exactly len bytes. */
static int
pg_blob(const PGresult *r, int row, int col, uint8_t *out, size_t len)
{
	if (PQgetisnull(r, row, col) || PQgetlength(r, row, col) != (int)len)
		return CAIRN_ESTORAGE;
	memcpy(out, PQgetvalue(r, row, col), len);
	return CAIRN_OK;
}

/* The connection is gone: forget it, reconnect later (pg_connect). */
static void
pg_lose(struct pg_store *s, const char *what)
{
	if (!s->broken)
		log_event(
		        LOG_WARN, "db.lost", "op=%s msg=\"%s\"", what,
		        "connection to PostgreSQL lost; clients are told to retry");
	s->broken = 1;
	s->in_tx = 0;
	s->writer = 0;
	s->nusage = 0;
	s->head_valid = 0;
	if (s->conn != NULL)
		PQfinish(s->conn);
	s->conn = NULL;
	memset(s->prepared, 0, sizeof(s->prepared));
}

/*
 * Maps a failed result to a cairn code, logging it. A broken connection
 * or a server shutting down is CAIRN_EBUSY (retry), as are a deadlock
 * and a serialization failure; a unique violation CAIRN_EEXIST; a full
 * disk CAIRN_ESERVERFULL.
 */
static int
pg_fail(struct pg_store *s, const PGresult *r, const char *what)
{
	const char *state =
	        r != NULL ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
	const char *msg = r != NULL ? PQresultErrorMessage(r) : "";
	char line[256];
	size_t i;

	if (state == NULL)
		state = "";
	if (msg == NULL || *msg == '\0')
		msg = s->conn != NULL ? PQerrorMessage(s->conn)
		                      : "no connection";
	snprintf(line, sizeof(line), "%s", msg);
	for (i = 0; line[i] != '\0'; i++)
		if (line[i] == '\n' || line[i] == '"')
			line[i] = line[i] == '\n' ? ' ' : '\'';
	if (s->conn == NULL || PQstatus(s->conn) != CONNECTION_OK ||
	    strncmp(state, "08", 2) == 0 || strncmp(state, "57P", 3) == 0) {
		log_event(LOG_WARN, "db.error", "op=%s sqlstate=%s msg=\"%s\"",
		          what, state, line);
		pg_lose(s, what);
		return CAIRN_EBUSY;
	}
	if (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0 ||
	    strcmp(state, "55P03") == 0) {
		log_event(LOG_WARN, "db.conflict", "op=%s sqlstate=%s", what,
		          state);
		return CAIRN_EBUSY;
	}
	if (strncmp(state, "23", 2) == 0)
		return CAIRN_EEXIST;
	if (strncmp(state, "53", 2) == 0) {
		log_event(LOG_ERROR, "db.full", "op=%s sqlstate=%s msg=\"%s\"",
		          what, state, line);
		return CAIRN_ESERVERFULL;
	}
	log_event(LOG_ERROR, "db.error", "op=%s sqlstate=%s msg=\"%s\"", what,
	          state, line);
	return CAIRN_ESTORAGE;
}

/*
 * Runs prepared statement id (preparing it on first use on this
 * connection) with p; the result is the caller's to PQclear. Returns
 * CAIRN_OK with *out set, or a failure (logged as what).
 */
static int
pg_run(struct pg_store *s, enum pg_stmt id, const struct pg_params *p,
       const char *what, PGresult **out)
{
	Oid types[PG_PARAMS_MAX];
	char name[16];
	PGresult *r;
	ExecStatusType es;
	size_t i;
	int rc;

	*out = NULL;
	if (s->conn == NULL)
		return CAIRN_EBUSY;
	snprintf(name, sizeof(name), "c%d", (int)id);
	if (!s->prepared[id]) {
		for (i = 0; pg_sql[id].types[i] != '\0'; i++)
			types[i] = pg_sql[id].types[i] == 'i' ? 20 /* int8 */
			           : pg_sql[id].types[i] == 't'
			                   ? 25  /* text */
			                   : 17; /* bytea */
		r = PQprepare(s->conn, name, pg_sql[id].sql, (int)i, types);
		if (r == NULL || PQresultStatus(r) != PGRES_COMMAND_OK) {
			rc = pg_fail(s, r, "prepare");
			PQclear(r);
			return rc;
		}
		PQclear(r);
		s->prepared[id] = 1;
	}
	r = PQexecPrepared(s->conn, name, p != NULL ? p->n : 0,
	                   p != NULL ? p->v : NULL, p != NULL ? p->len : NULL,
	                   p != NULL ? p->fmt : NULL, 1);
	es = r != NULL ? PQresultStatus(r) : PGRES_FATAL_ERROR;
	if (es != PGRES_TUPLES_OK && es != PGRES_COMMAND_OK) {
		rc = pg_fail(s, r, what);
		PQclear(r);
		return rc;
	}
	*out = r;
	return CAIRN_OK;
}

/* Runs a statement for its effect; *changed: rows it touched. */
static int
pg_cmd(struct pg_store *s, enum pg_stmt id, const struct pg_params *p,
       const char *what, long *changed)
{
	PGresult *r;
	int rc;

	if ((rc = pg_run(s, id, p, what, &r)) != CAIRN_OK)
		return rc;
	if (changed != NULL)
		*changed = strtol(PQcmdTuples(r), NULL, 10);
	PQclear(r);
	return CAIRN_OK;
}

/* Runs SQL that cannot be prepared (transaction control). */
static int
pg_exec(struct pg_store *s, const char *sql, const char *what)
{
	PGresult *r;
	int rc = CAIRN_OK;

	if (s->conn == NULL)
		return CAIRN_EBUSY;
	r = PQexec(s->conn, sql);
	if (r == NULL || PQresultStatus(r) != PGRES_COMMAND_OK)
		rc = pg_fail(s, r, what);
	PQclear(r);
	return rc;
}

static void
pg_notice(void *arg, const char *msg)
{
	(void)arg;
	(void)msg; /* "already exists, skipping" and the like */
}

/* Opens the connection; err gets why not. */
static int
pg_connect(struct pg_store *s, char *err, size_t errlen)
{
	const char *keys[4] = {"dbname", "fallback_application_name", NULL,
	                       NULL};
	const char *vals[4] = {s->url, "cairnd", NULL, NULL};
	PQconninfoOption *opts, *o;
	int has_timeout = 0;

	/* A connect must not hold the database thread for minutes. */
	if ((opts = PQconninfoParse(s->url, NULL)) != NULL) {
		for (o = opts; o->keyword != NULL; o++)
			if (strcmp(o->keyword, "connect_timeout") == 0 &&
			    o->val != NULL && o->val[0] != '\0')
				has_timeout = 1;
		PQconninfoFree(opts);
	}
	if (!has_timeout) {
		keys[2] = "connect_timeout";
		vals[2] = "5";
	}
	s->conn = PQconnectdbParams(keys, vals, 1);
	if (s->conn == NULL || PQstatus(s->conn) != CONNECTION_OK) {
		snprintf(err, errlen, "cannot connect to PostgreSQL: %s",
		         s->conn != NULL ? PQerrorMessage(s->conn)
		                         : "out of memory");
		err[strcspn(err, "\n")] = '\0';
		if (s->conn != NULL)
			PQfinish(s->conn);
		s->conn = NULL;
		return CAIRN_EBUSY;
	}
	PQsetNoticeProcessor(s->conn, pg_notice, NULL);
	memset(s->prepared, 0, sizeof(s->prepared));
	return CAIRN_OK;
}

/*
 * Reconnects a broken store, at most once per backoff (0.1 s doubling to
 * 5 s), so that a PostgreSQL that is down costs a client an instant
 * "busy, retry", not a wait on the database thread.
 */
static int
pg_revive(struct pg_store *s)
{
	char err[256];
	uint64_t now;

	if (!s->broken && s->conn != NULL)
		return CAIRN_OK;
	now = pg_now_ms();
	if (now < s->retry_at_ms)
		return CAIRN_EBUSY;
	if (pg_connect(s, err, sizeof(err)) != CAIRN_OK) {
		s->backoff_ms = s->backoff_ms == 0 ? PG_BACKOFF_MIN_MS
		                                   : s->backoff_ms * 2;
		if (s->backoff_ms > PG_BACKOFF_MAX_MS)
			s->backoff_ms = PG_BACKOFF_MAX_MS;
		s->retry_at_ms = pg_now_ms() + s->backoff_ms;
		log_event(LOG_WARN, "db.reconnect", "retry_ms=%u msg=\"%s\"",
		          s->backoff_ms, err);
		return CAIRN_EBUSY;
	}
	log_event(LOG_INFO, "db.reconnected", NULL);
	s->broken = 0;
	s->backoff_ms = 0;
	s->retry_at_ms = 0;
	return CAIRN_OK;
}

/* ---- transactions ---- */

static int pg_usage_flush(struct pg_store *s);

/*
 * A write transaction (immediate) locks the counter row first: one writer
 * at a time across every cairnd, like SQLite's BEGIN IMMEDIATE, and seqs
 * committed in the order they were given (docs/sync.md, "Many
 * writers"). A read transaction is REPEATABLE READ: one snapshot, so a
 * prefix of the log, for all its statements.
 */
static int
pg_begin(struct store *st, int immediate)
{
	struct pg_store *s = pg(st);
	PGresult *r;
	int rc;

	s->nusage = 0;
	s->writer = 0;
	s->head_valid = 0;
	if ((rc = pg_revive(s)) != CAIRN_OK)
		return rc;
	if (PQtransactionStatus(s->conn) != PQTRANS_IDLE)
		pg_exec(s, "ROLLBACK", "rollback"); /* left over by a failure */
	if (!immediate) {
		rc = pg_exec(s, "BEGIN ISOLATION LEVEL REPEATABLE READ",
		             "begin");
		s->in_tx = rc == CAIRN_OK;
		return rc;
	}
	/*
	 * Many writers: the lock every write transaction takes first, sent
	 * with BEGIN in one round trip (no value in it to bind).
	 */
	r = PQexec(s->conn, "BEGIN; SELECT seq FROM counter WHERE id = 1 FOR "
	                    "UPDATE");
	if (r == NULL || PQresultStatus(r) != PGRES_TUPLES_OK ||
	    PQntuples(r) != 1) {
		rc = pg_fail(s, r, "begin");
		PQclear(r);
		if (s->conn != NULL)
			pg_exec(s, "ROLLBACK", "rollback");
		return rc;
	}
	s->seq_locked = s->seq_next = (uint64_t)pg_i64_text(r, 0, 0);
	PQclear(r);
	s->in_tx = 1;
	s->writer = 1;
	return CAIRN_OK;
}

static int
pg_commit(struct store *st)
{
	struct pg_store *s = pg(st);
	char sql[160];
	int rc;

	if (!s->in_tx)
		return s->broken ? CAIRN_EBUSY : CAIRN_OK;
	rc = pg_usage_flush(s);
	/*
	 * The counter written back, the other cairnd told (NOTIFY, delivered
	 * at COMMIT, store_watch) and COMMIT, in one round trip: the values
	 * are numbers formatted here.
	 */
	if (rc == CAIRN_OK && s->writer && s->seq_next != s->seq_locked) {
		snprintf(sql, sizeof(sql),
		         "UPDATE counter SET seq = %llu WHERE id = 1; SELECT "
		         "pg_notify('cairn_changes', '%llu'); COMMIT",
		         (unsigned long long)s->seq_next,
		         (unsigned long long)s->seq_next);
		rc = pg_exec(s, sql, "commit");
	} else if (rc == CAIRN_OK) {
		rc = pg_exec(s, "COMMIT", "commit");
	}
	/*
	 * A COMMIT that failed rolled back; one whose answer was lost may
	 * have committed: either way the jobs are told to retry, and a
	 * retried write changes nothing twice.
	 */
	if (rc != CAIRN_OK && s->conn != NULL &&
	    PQtransactionStatus(s->conn) != PQTRANS_IDLE)
		pg_exec(s, "ROLLBACK", "rollback");
	s->in_tx = 0;
	s->writer = 0;
	s->nusage = 0;
	s->head_valid = 0;
	return rc;
}

static int
pg_rollback(struct store *st)
{
	struct pg_store *s = pg(st);
	int rc = CAIRN_OK;

	s->nusage = 0;
	s->writer = 0;
	s->head_valid = 0;
	if (s->in_tx && s->conn != NULL)
		rc = pg_exec(s, "ROLLBACK", "rollback");
	s->in_tx = 0;
	return s->broken ? CAIRN_OK : rc;
}

/* Runs "VERB name" for a savepoint name that is a plain word. */
static int
pg_exec_named(struct pg_store *s, const char *verb, const char *name)
{
	char sql[96];
	size_t i;

	for (i = 0; name[i] != '\0'; i++) {
		if ((name[i] < 'a' || name[i] > 'z') && name[i] != '_')
			return CAIRN_EINTERNAL;
	}
	if (i == 0 || i > 32)
		return CAIRN_EINTERNAL;
	snprintf(sql, sizeof(sql), "%s %s", verb, name);
	return pg_exec(s, sql, verb);
}

static int
pg_savepoint(struct store *st, const char *name)
{
	int rc;

	if ((rc = pg_usage_flush(pg(st))) != CAIRN_OK)
		return rc;
	return pg_exec_named(pg(st), "SAVEPOINT", name);
}

static int
pg_release(struct store *st, const char *name)
{
	int rc;

	if ((rc = pg_usage_flush(pg(st))) != CAIRN_OK)
		return rc;
	return pg_exec_named(pg(st), "RELEASE", name);
}

static int
pg_rollback_to(struct store *st, const char *name)
{
	pg(st)->nusage = 0; /* the writes it counted are undone */
	pg(st)->head_valid = 0;
	return pg_exec_named(pg(st), "ROLLBACK TO", name);
}

/* Nothing queued: a broken connection is a moment to reconnect. */
static void
pg_idle(struct store *st)
{
	struct pg_store *s = pg(st);

	if (s->broken)
		pg_revive(s);
}

/*
 * Runs fn as a transaction of its own when the caller opened none (tests
 * and tools write outside dbq): the seq and the usage of a record need
 * the counter lock and one commit.
 */
static int
pg_auto_begin(struct pg_store *s, int *own)
{
	int rc;

	*own = 0;
	if (s->in_tx)
		return CAIRN_OK;
	if ((rc = pg_begin(&s->base, 1)) != CAIRN_OK)
		return rc;
	*own = 1;
	return CAIRN_OK;
}

static int
pg_auto_end(struct pg_store *s, int own, int rc)
{
	if (!own)
		return rc;
	if (rc == CAIRN_OK)
		return pg_commit(&s->base);
	pg_rollback(&s->base);
	return rc;
}

/* ---- usage, counted per owner and flushed at savepoint boundaries ---- */

static int
pg_usage_flush(struct pg_store *s)
{
	struct pg_params p;
	size_t i;
	int rc = CAIRN_OK;

	for (i = 0; i < s->nusage && rc == CAIRN_OK; i++) {
		memset(&p, 0, sizeof(p));
		pg_i(&p, s->usage[i].owner_id);
		pg_i(&p, s->usage[i].records);
		pg_i(&p, s->usage[i].bytes);
		rc = pg_cmd(s, PG_USAGE_ADD, &p, "usage", NULL);
	}
	s->nusage = 0;
	return rc;
}

static int
pg_usage_add(struct pg_store *s, int64_t owner_id, int64_t records,
             int64_t bytes)
{
	size_t i;
	int rc;

	for (i = 0; i < s->nusage; i++) {
		if (s->usage[i].owner_id == owner_id)
			break;
	}
	if (i == s->nusage) {
		if (s->nusage == PG_USAGE_PENDING &&
		    (rc = pg_usage_flush(s)) != CAIRN_OK)
			return rc;
		i = s->nusage++;
		s->usage[i].owner_id = owner_id;
		s->usage[i].records = s->usage[i].bytes = 0;
	}
	s->usage[i].records += records;
	s->usage[i].bytes += bytes;
	return CAIRN_OK;
}

/* ---- meta, users, devices, invites ---- */

static int
pg_meta_get(struct pg_store *s, const char *key, char *out, size_t outlen)
{
	struct pg_params p = {0};
	PGresult *r;
	int rc;

	pg_t(&p, key);
	if ((rc = pg_run(s, PG_META_GET, &p, "meta_get", &r)) != CAIRN_OK)
		return rc;
	rc = PQntuples(r) == 1 ? pg_text(r, 0, 0, out, outlen)
	                       : CAIRN_ENOTFOUND;
	PQclear(r);
	return rc;
}

static int
pg_meta_put(struct pg_store *s, const char *key, const char *value)
{
	struct pg_params p = {0};

	pg_t(&p, key);
	pg_t(&p, value);
	return pg_cmd(s, PG_META_PUT, &p, "meta_put", NULL);
}

static int
pg_epoch(struct store *st, char out[UUID_LEN + 1])
{
	memcpy(out, pg(st)->epoch, UUID_LEN + 1);
	return out[0] != '\0' ? CAIRN_OK : CAIRN_ENOTFOUND;
}

static int
pg_user_create(struct store *st, struct store_user *u)
{
	struct pg_store *s = pg(st);
	struct pg_params p = {0};
	PGresult *r;
	int rc;

	pg_t(&p, u->handle);
	pg_b(&p, u->salt, STORE_SALT_LEN);
	pg_b(&p, u->hash, STORE_HASH_LEN);
	pg_i(&p, (int64_t)u->n);
	pg_i(&p, u->r);
	pg_i(&p, u->p);
	pg_i(&p, u->created_at);
	if ((rc = pg_run(s, PG_USER_INSERT, &p, "user_create", &r)) != 0)
		return rc;
	if (PQntuples(r) == 1) {
		u->id = pg_i64(r, 0, 0);
		rc = CAIRN_OK;
	} else {
		rc = CAIRN_EEXIST;
	}
	PQclear(r);
	return rc;
}

/* Reads a user query (PG_USER_GET or PG_USER_BY_ID) into out. */
static int
pg_user_row(struct pg_store *s, enum pg_stmt id, const struct pg_params *p,
            struct store_user *out)
{
	struct store_user u;
	PGresult *r;
	int rc;

	if ((rc = pg_run(s, id, p, "user_get", &r)) != CAIRN_OK)
		return rc;
	if (PQntuples(r) != 1) {
		PQclear(r);
		return CAIRN_ENOTFOUND;
	}
	memset(&u, 0, sizeof(u));
	u.id = pg_i64(r, 0, 0);
	if ((rc = pg_text(r, 0, 1, u.handle, sizeof(u.handle))) == CAIRN_OK &&
	    (rc = pg_blob(r, 0, 2, u.salt, STORE_SALT_LEN)) == CAIRN_OK &&
	    (rc = pg_blob(r, 0, 3, u.hash, STORE_HASH_LEN)) == CAIRN_OK) {
		u.n = (uint64_t)pg_i64(r, 0, 4);
		u.r = (uint32_t)pg_i64(r, 0, 5);
		u.p = (uint32_t)pg_i64(r, 0, 6);
		u.created_at = pg_i64(r, 0, 7);
		*out = u;
	}
	PQclear(r);
	return rc;
}

static int
pg_user_get(struct store *st, const char *handle, struct store_user *out)
{
	struct pg_params p = {0};

	pg_t(&p, handle);
	return pg_user_row(pg(st), PG_USER_GET, &p, out);
}

static int
pg_user_by_id(struct store *st, int64_t id, struct store_user *out)
{
	struct pg_params p = {0};

	pg_i(&p, id);
	return pg_user_row(pg(st), PG_USER_BY_ID, &p, out);
}

static int
pg_device_create(struct store *st, const struct store_device *d)
{
	struct pg_params p = {0};
	long n = 0;
	int rc;

	pg_t(&p, d->id);
	pg_i(&p, d->user_id);
	pg_t(&p, d->name);
	pg_b(&p, d->token_hash, STORE_HASH_LEN);
	pg_i(&p, d->created_at);
	if ((rc = pg_cmd(pg(st), PG_DEVICE_INSERT, &p, "device_create", &n)))
		return rc;
	return n == 1 ? CAIRN_OK : CAIRN_EEXIST;
}

static int
pg_device_row(const PGresult *r, int row, struct store_device *d)
{
	int rc;

	memset(d, 0, sizeof(*d));
	if ((rc = pg_text(r, row, 0, d->id, sizeof(d->id))) != CAIRN_OK ||
	    (rc = pg_text(r, row, 2, d->handle, sizeof(d->handle))) != 0 ||
	    (rc = pg_text(r, row, 3, d->name, sizeof(d->name))) != 0 ||
	    (rc = pg_blob(r, row, 4, d->token_hash, STORE_HASH_LEN)) != 0)
		return rc;
	d->user_id = pg_i64(r, row, 1);
	d->created_at = pg_i64(r, row, 5);
	d->last_seen = pg_i64(r, row, 6);
	d->revoked_at = pg_i64(r, row, 7);
	return CAIRN_OK;
}

static int
pg_device_get(struct store *st, const char *id, struct store_device *out)
{
	struct pg_params p = {0};
	struct store_device d;
	PGresult *r;
	int rc;

	pg_t(&p, id);
	if ((rc = pg_run(pg(st), PG_DEVICE_GET, &p, "device_get", &r)) != 0)
		return rc;
	if (PQntuples(r) != 1)
		rc = CAIRN_ENOTFOUND;
	else if ((rc = pg_device_row(r, 0, &d)) == CAIRN_OK)
		*out = d;
	PQclear(r);
	return rc;
}

static int
pg_device_list(struct store *st, int64_t user_id, store_device_cb cb, void *arg)
{
	struct pg_params p = {0};
	struct store_device d;
	PGresult *r;
	int rc, i;

	pg_i(&p, user_id);
	if ((rc = pg_run(pg(st), PG_DEVICE_LIST, &p, "device_list", &r)) != 0)
		return rc;
	for (i = 0; i < PQntuples(r); i++) {
		if ((rc = pg_device_row(r, i, &d)) != CAIRN_OK ||
		    (rc = cb(arg, &d)) < 0)
			break;
	}
	PQclear(r);
	return rc < 0 ? rc : CAIRN_OK;
}

/*
 * The full id of the one device of user_id whose id starts with prefix.
 * CAIRN_ENOTFOUND, CAIRN_EAMBIGUOUS.
 */
static int
pg_device_match(struct pg_store *s, int64_t user_id, const char *prefix,
                char out_id[UUID_LEN + 1])
{
	struct pg_params p = {0};
	char id[UUID_LEN + 1];
	PGresult *r;
	int rc, n;

	pg_i(&p, user_id);
	pg_t(&p, prefix);
	if ((rc = pg_run(s, PG_DEVICE_MATCH, &p, "device_match", &r)) != 0)
		return rc;
	n = PQntuples(r);
	rc = n == 1 ? pg_text(r, 0, 0, id, sizeof(id)) : CAIRN_OK;
	PQclear(r);
	if (rc != CAIRN_OK)
		return rc;
	if (n == 0)
		return CAIRN_ENOTFOUND;
	if (n > 1)
		return CAIRN_EAMBIGUOUS;
	memcpy(out_id, id, sizeof(id));
	return CAIRN_OK;
}

static int
pg_device_revoke(struct store *st, int64_t user_id, const char *prefix,
                 int64_t now, char out_id[UUID_LEN + 1])
{
	struct pg_store *s = pg(st);
	struct pg_params p = {0};
	char id[UUID_LEN + 1];
	int rc;

	if ((rc = pg_device_match(s, user_id, prefix, id)) != CAIRN_OK)
		return rc;
	pg_t(&p, id);
	pg_i(&p, now);
	if ((rc = pg_cmd(s, PG_DEVICE_REVOKE, &p, "device_revoke", NULL)) != 0)
		return rc;
	memcpy(out_id, id, sizeof(id));
	return CAIRN_OK;
}

static int
pg_device_rename(struct store *st, int64_t user_id, const char *prefix,
                 const char *name, struct store_device *out)
{
	struct pg_store *s = pg(st);
	struct pg_params p = {0};
	struct store_device other;
	char id[UUID_LEN + 1];
	PGresult *r;
	int rc, n;

	rc = pg_device_match(s, user_id, prefix, id);
	/* A full id of someone else's device is theirs, not unknown. */
	if (rc == CAIRN_ENOTFOUND && strlen(prefix) == UUID_LEN &&
	    pg_device_get(st, prefix, &other) == CAIRN_OK &&
	    other.user_id != user_id)
		return CAIRN_EFORBIDDEN;
	if (rc != CAIRN_OK)
		return rc;
	pg_i(&p, user_id);
	pg_t(&p, name);
	pg_t(&p, id);
	if ((rc = pg_run(s, PG_DEVICE_NAMED, &p, "device_named", &r)) != 0)
		return rc;
	n = PQntuples(r);
	PQclear(r);
	if (n > 0)
		return CAIRN_EEXIST;
	memset(&p, 0, sizeof(p));
	pg_t(&p, id);
	pg_t(&p, name);
	if ((rc = pg_cmd(s, PG_DEVICE_RENAME, &p, "device_rename", NULL)) != 0)
		return rc;
	return pg_device_get(st, id, out);
}

static int
pg_device_touch(struct store *st, const char *id, int64_t now)
{
	struct pg_params p = {0};

	pg_t(&p, id);
	pg_i(&p, now);
	return pg_cmd(pg(st), PG_DEVICE_TOUCH, &p, "device_touch", NULL);
}

static int
pg_invite_create(struct store *st, const char *code, uint32_t uses, int64_t now)
{
	struct pg_params p = {0};
	long n = 0;
	int rc;

	pg_t(&p, code);
	pg_i(&p, uses);
	pg_i(&p, now);
	if ((rc = pg_cmd(pg(st), PG_INVITE_INSERT, &p, "invite_create", &n)))
		return rc;
	return n == 1 ? CAIRN_OK : CAIRN_EEXIST;
}

static int
pg_invite_consume(struct store *st, const char *code)
{
	struct pg_params p = {0};
	long n = 0;
	int rc;

	pg_t(&p, code);
	if ((rc = pg_cmd(pg(st), PG_INVITE_USE, &p, "invite_consume", &n)))
		return rc;
	return n == 1 ? CAIRN_OK : CAIRN_EINVITE;
}

/* ---- records and the change log ---- */

/* Remembers what record_get found for id (h NULL: nothing), writers only. */
static void
pg_head_keep(struct pg_store *s, const char *id,
             const struct store_record_head *h)
{
	if (!s->writer || strlen(id) > UUID_LEN)
		return;
	memcpy(s->head_id, id, strlen(id) + 1);
	s->head_found = h != NULL;
	if (h != NULL)
		s->head = *h;
	s->head_valid = 1;
}

static int
pg_record_get(struct store *st, const char *id, struct store_record_head *out)
{
	struct pg_store *s = pg(st);
	struct pg_params p = {0};
	struct store_record_head h;
	PGresult *r;
	int rc;

	pg_t(&p, id);
	if ((rc = pg_run(s, PG_RECORD_GET, &p, "record_get", &r)) != 0)
		return rc;
	s->head_valid = 0;
	if (PQntuples(r) != 1) {
		PQclear(r);
		pg_head_keep(s, id, NULL);
		return CAIRN_ENOTFOUND;
	}
	memset(&h, 0, sizeof(h));
	h.owner_id = pg_i64(r, 0, 0);
	h.subject_id = pg_i64(r, 0, 1);
	h.kind = (int)pg_i64(r, 0, 2);
	h.hlc = (uint64_t)pg_i64(r, 0, 3);
	rc = pg_text(r, 0, 4, h.device, sizeof(h.device));
	h.deleted = (int)pg_i64(r, 0, 5);
	h.private_ = (int)pg_i64(r, 0, 6);
	h.seq = (uint64_t)pg_i64(r, 0, 7);
	h.body_len = (size_t)pg_i64(r, 0, 8);
	if (rc == CAIRN_OK) {
		*out = h;
		pg_head_keep(s, id, &h);
	}
	PQclear(r);
	return rc;
}

/* The next seq: the writer holds the counter row (pg_begin). */
static int
pg_next_seq(struct pg_store *s, uint64_t *out)
{
	if (!s->writer) {
		log_event(LOG_ERROR, "db.error", "op=seq msg=\"%s\"",
		          "a write outside a write transaction");
		return CAIRN_EINTERNAL;
	}
	*out = ++s->seq_next;
	return CAIRN_OK;
}

static int
pg_record_put_tx(struct pg_store *s, const struct store_record *r)
{
	struct store_record_head old;
	struct pg_params p = {0};
	uint64_t seq;
	int64_t owner = r->owner_id, records, bytes;
	int rc, have;

	if (s->head_valid && strcmp(s->head_id, r->id) == 0) {
		rc = s->head_found ? CAIRN_OK : CAIRN_ENOTFOUND;
		old = s->head;
	} else {
		rc = pg_record_get(&s->base, r->id, &old);
	}
	s->head_valid = 0; /* this write changes it */
	if (rc != CAIRN_OK && rc != CAIRN_ENOTFOUND)
		return rc;
	have = rc == CAIRN_OK;
	records = (r->deleted ? 0 : 1) - (have && !old.deleted ? 1 : 0);
	bytes = (int64_t)r->body_len -
	        (have ? (int64_t)old.body_len : -STORE_RECORD_OVERHEAD);
	if (have)
		owner = old.owner_id;
	if ((rc = pg_next_seq(s, &seq)) != CAIRN_OK)
		return rc;
	pg_t(&p, r->id);
	pg_i(&p, r->owner_id);
	pg_i(&p, r->subject_id != 0 ? r->subject_id : r->owner_id);
	pg_i(&p, r->kind);
	pg_i(&p, (int64_t)r->hlc);
	pg_t(&p, r->device);
	pg_i(&p, r->deleted ? 1 : 0);
	pg_i(&p, r->private_ ? 1 : 0);
	pg_i(&p, r->private_ ? 0 : 1);
	pg_b(&p, r->body, r->body_len);
	pg_i(&p, (int64_t)seq);
	if ((rc = pg_cmd(s, PG_RECORD_UPSERT, &p, "record_put", NULL)) != 0)
		return rc;
	return pg_usage_add(s, owner, records, bytes);
}

static int
pg_record_put(struct store *st, const struct store_record *r)
{
	struct pg_store *s = pg(st);
	int own, rc;

	if ((rc = pg_auto_begin(s, &own)) != CAIRN_OK)
		return rc;
	return pg_auto_end(s, own, pg_record_put_tx(s, r));
}

static int
pg_access_event(struct store *st, int64_t viewer, int64_t subject, int granted)
{
	struct pg_store *s = pg(st);
	struct pg_params p = {0};
	uint64_t seq;
	int own, rc;

	if ((rc = pg_auto_begin(s, &own)) != CAIRN_OK)
		return rc;
	if ((rc = pg_next_seq(s, &seq)) == CAIRN_OK) {
		pg_i(&p, (int64_t)seq);
		pg_i(&p, viewer);
		pg_i(&p, subject);
		pg_i(&p, granted ? 1 : 0);
		rc = pg_cmd(s, PG_EVENT_INSERT, &p, "access_event", NULL);
	}
	return pg_auto_end(s, own, rc);
}

/*
 * The highest seq given: this writer's own, or the counter as this
 * transaction's snapshot sees it, which every seq at or below has
 * committed (docs/sync.md, "Many writers").
 */
static int
pg_max_seq(struct store *st, uint64_t *out)
{
	struct pg_store *s = pg(st);
	PGresult *r;
	int rc;

	if (s->writer) {
		*out = s->seq_next;
		return CAIRN_OK;
	}
	if ((rc = pg_run(s, PG_MAX_SEQ, NULL, "seq", &r)) != CAIRN_OK)
		return rc;
	*out = PQntuples(r) == 1 ? (uint64_t)pg_i64(r, 0, 0) : 0;
	PQclear(r);
	return CAIRN_OK;
}

/* The statement of each phase-one stream (store-changes.h). */
static const enum pg_stmt pg_streams[] = {
        [STORE_STREAM_OWNER] = PG_SEQ_OWNER,
        [STORE_STREAM_SUBJECT] = PG_SEQ_SUBJECT,
        [STORE_STREAM_OWNER_ABOUT_OTHERS] = PG_SEQ_OWNER_ABOUT_OTHERS,
        [STORE_STREAM_EVENTS] = PG_SEQ_EVENTS,
        [STORE_STREAM_SUBJECT_SHARED] = PG_SEQ_SUBJECT_SHARED,
};

/* One phase-one stream, as store-sqlite.c's sq_stream. */
static int
pg_stream(struct store *st, enum store_stream which, int64_t key, int64_t extra,
          uint64_t cursor, struct store_heads *h)
{
	struct pg_store *s = pg(st);
	enum pg_stmt id = pg_streams[which];
	struct pg_params p = {0};
	PGresult *r;
	uint64_t seq = 0;
	int rc, i, n;

	pg_i(&p, key);
	pg_i(&p, (int64_t)cursor);
	pg_i(&p, (int64_t)h->bound);
	pg_i(&p, (int64_t)h->limit);
	if (strlen(pg_sql[id].types) >= 5)
		pg_i(&p, extra);
	if ((rc = pg_run(s, id, &p, "changes", &r)) != CAIRN_OK)
		return rc;
	n = PQntuples(r);
	for (i = 0; i < n && rc == CAIRN_OK; i++) {
		seq = (uint64_t)pg_i64(r, i, 0);
		rc = store_heads_add(h, seq, which == STORE_STREAM_EVENTS);
	}
	PQclear(r);
	if (rc == CAIRN_OK)
		store_heads_stream_end(h, (size_t)n, seq);
	return rc;
}

/* The users viewer may see besides itself. */
static int
pg_visible_list(struct store *st, int64_t viewer, int64_t **out, size_t *n)
{
	struct pg_params p = {0};
	int64_t *v = NULL;
	PGresult *r;
	int rc, i, k;

	pg_i(&p, viewer);
	if ((rc = pg_run(pg(st), PG_VISIBLE, &p, "visible", &r)) != CAIRN_OK)
		return rc;
	k = PQntuples(r);
	if (k > 0 && (v = calloc((size_t)k, sizeof(*v))) == NULL) {
		PQclear(r);
		return CAIRN_ENOMEM;
	}
	for (i = 0; i < k; i++)
		v[i] = pg_i64(r, i, 0);
	PQclear(r);
	*out = v;
	*n = (size_t)k;
	return CAIRN_OK;
}

/* *yes: a relation see (STORE_SEE_PARTNER, _MENTOR, _GROUP) from a to b. */
static int
pg_exists(struct store *st, unsigned see, int64_t a, int64_t b, int *yes)
{
	struct pg_store *s = pg(st);
	enum pg_stmt id = see == STORE_SEE_PARTNER  ? PG_SEE_PARTNER
	                  : see == STORE_SEE_MENTOR ? PG_SEE_MENTOR
	                                            : PG_SEE_GROUP;
	struct pg_params p = {0};
	PGresult *r;
	int rc;

	pg_i(&p, a);
	pg_i(&p, b);
	if ((rc = pg_run(s, id, &p, "visible", &r)) != CAIRN_OK)
		return rc;
	*yes = PQntuples(r) > 0;
	PQclear(r);
	return CAIRN_OK;
}

static int
pg_change_record(struct store *st, const struct store_query *q, uint64_t seq,
                 store_change_cb cb, void *arg)
{
	struct pg_store *s = pg(st);
	struct pg_params p = {0};
	struct store_change ch;
	struct store_record rec;
	PGresult *r;
	int rc;

	pg_i(&p, (int64_t)seq);
	if ((rc = pg_run(s, PG_AT_SEQ_RECORD, &p, "changes", &r)) != 0)
		return rc;
	if (PQntuples(r) != 1) {
		PQclear(r); /* replaced since phase one: a later seq has it */
		return CAIRN_OK;
	}
	memset(&rec, 0, sizeof(rec));
	rec.id = PQgetvalue(r, 0, 0);
	rec.kind = (int)pg_i64(r, 0, 1);
	rec.owner_id = pg_i64(r, 0, 2);
	rec.owner = PQgetvalue(r, 0, 3);
	rec.subject_id = pg_i64(r, 0, 4);
	rec.subject = PQgetvalue(r, 0, 5);
	rec.hlc = (uint64_t)pg_i64(r, 0, 6);
	rec.device = PQgetvalue(r, 0, 7);
	rec.deleted = (int)pg_i64(r, 0, 8);
	rec.private_ = (int)pg_i64(r, 0, 9);
	rec.body = (const uint8_t *)PQgetvalue(r, 0, 10);
	rec.body_len = (size_t)PQgetlength(r, 0, 10);
	rec.seq = (uint64_t)pg_i64(r, 0, 11);
	if (rec.body_len == 0)
		rec.body = NULL;
	if (rec.private_ && rec.owner_id != q->viewer &&
	    rec.subject_id != q->viewer) {
		rec.deleted = 1; /* once shared, now private: redacted */
		rec.body = NULL;
		rec.body_len = 0;
	}
	memset(&ch, 0, sizeof(ch));
	ch.type = STORE_CH_RECORD;
	ch.seq = seq;
	ch.rec = &rec;
	rc = cb(arg, &ch);
	PQclear(r);
	return rc;
}

static int
pg_change_event(struct store *st, uint64_t seq, store_change_cb cb, void *arg)
{
	struct pg_store *s = pg(st);
	struct pg_params p = {0};
	struct store_change ch;
	PGresult *r;
	int rc;

	pg_i(&p, (int64_t)seq);
	if ((rc = pg_run(s, PG_AT_SEQ_EVENT, &p, "changes", &r)) != 0)
		return rc;
	if (PQntuples(r) != 1) {
		PQclear(r);
		return CAIRN_ESTORAGE;
	}
	memset(&ch, 0, sizeof(ch));
	ch.type = pg_i64(r, 0, 0) ? STORE_CH_GRANT : STORE_CH_REVOKE;
	ch.seq = seq;
	ch.subject = PQgetvalue(r, 0, 1);
	rc = cb(arg, &ch);
	PQclear(r);
	return rc;
}

/* Two phases, as store-sqlite.c's sq_changes. */
/* The queries the shared change-log rule runs (store-changes.c). */
static const struct store_changes_ops pg_changes_ops = {
        .stream = pg_stream,
        .visible = pg_visible_list,
        .exists = pg_exists,
        .event = pg_change_event,
        .record = pg_change_record,
};

static int
pg_changes(struct store *st, const struct store_query *q, store_change_cb cb,
           void *arg)
{
	uint64_t top = UINT64_MAX;
	int rc;

	/*
	 * Outside a transaction each statement has its own snapshot: bound
	 * every stream by the counter read first, below which everything has
	 * committed, so the streams agree on one prefix of the log.
	 */
	if (!pg(st)->in_tx && (rc = pg_max_seq(st, &top)) != CAIRN_OK)
		return rc;
	return store_changes_walk(&pg_changes_ops, st, q, top, cb, arg);
}

static int
pg_visibility(struct store *st, int64_t viewer, int64_t subject, unsigned *mask)
{
	return store_visibility_of(&pg_changes_ops, st, viewer, subject, mask);
}

static int
pg_audience(struct store *st, uint64_t after, store_user_id_cb cb, void *arg)
{
	struct pg_params p = {0};
	PGresult *r;
	int rc, i;

	pg_i(&p, (int64_t)after);
	if ((rc = pg_run(pg(st), PG_AUDIENCE, &p, "audience", &r)) != 0)
		return rc;
	for (i = 0; i < PQntuples(r); i++)
		if ((rc = cb(arg, pg_i64(r, i, 0))) != 0)
			break;
	PQclear(r);
	return rc;
}

static int
pg_usage_get(struct store *st, int64_t user_id, struct store_usage *out)
{
	struct pg_store *s = pg(st);
	struct pg_params p = {0};
	struct store_usage u = {0, 0};
	PGresult *r;
	int rc;

	if ((rc = pg_usage_flush(s)) != CAIRN_OK)
		return rc;
	pg_i(&p, user_id);
	if ((rc = pg_run(s, PG_USAGE_GET, &p, "usage_get", &r)) != 0)
		return rc;
	if (PQntuples(r) == 1) {
		u.records = (uint64_t)pg_i64(r, 0, 0);
		u.bytes = (uint64_t)pg_i64(r, 0, 1);
	}
	PQclear(r);
	*out = u;
	return CAIRN_OK;
}

/* ---- relationships and groups ---- */

static int
pg_relation_row(const PGresult *r, int row, struct store_relation *rel)
{
	int rc;

	memset(rel, 0, sizeof(*rel));
	rel->from_id = pg_i64(r, row, 0);
	rel->to_id = pg_i64(r, row, 1);
	rel->role = (int)pg_i64(r, row, 2);
	rel->state = (int)pg_i64(r, row, 3);
	rel->created_at = pg_i64(r, row, 4);
	rel->since = pg_i64(r, row, 5);
	if ((rc = pg_text(r, row, 6, rel->from, sizeof(rel->from))) != 0)
		return rc;
	return pg_text(r, row, 7, rel->to, sizeof(rel->to));
}

static int
pg_relation_get(struct store *st, int64_t from_id, int64_t to_id, int role,
                struct store_relation *out)
{
	struct pg_params p = {0};
	struct store_relation rel;
	PGresult *r;
	int rc;

	pg_i(&p, from_id);
	pg_i(&p, to_id);
	pg_i(&p, role);
	if ((rc = pg_run(pg(st), PG_REL_GET, &p, "relation_get", &r)) != 0)
		return rc;
	if (PQntuples(r) != 1)
		rc = CAIRN_ENOTFOUND;
	else if ((rc = pg_relation_row(r, 0, &rel)) == CAIRN_OK)
		*out = rel;
	PQclear(r);
	return rc;
}

static int
pg_relation_put(struct store *st, const struct store_relation *rel)
{
	struct pg_params p = {0};

	pg_i(&p, rel->from_id);
	pg_i(&p, rel->to_id);
	pg_i(&p, rel->role);
	pg_i(&p, rel->state);
	pg_i(&p, rel->created_at);
	pg_i(&p, rel->since);
	return pg_cmd(pg(st), PG_REL_PUT, &p, "relation_put", NULL);
}

static int
pg_relation_delete(struct store *st, int64_t from_id, int64_t to_id, int role)
{
	struct pg_params p = {0};

	pg_i(&p, from_id);
	pg_i(&p, to_id);
	pg_i(&p, role);
	return pg_cmd(pg(st), PG_REL_DELETE, &p, "relation_delete", NULL);
}

static int
pg_relation_list(struct store *st, int64_t user_id, store_relation_cb cb,
                 void *arg)
{
	struct pg_params p = {0};
	struct store_relation rel;
	PGresult *r;
	int rc, i;

	pg_i(&p, user_id);
	if ((rc = pg_run(pg(st), PG_REL_LIST, &p, "relation_list", &r)) != 0)
		return rc;
	for (i = 0; i < PQntuples(r); i++) {
		if ((rc = pg_relation_row(r, i, &rel)) != CAIRN_OK ||
		    (rc = cb(arg, &rel)) < 0)
			break;
	}
	PQclear(r);
	return rc < 0 ? rc : CAIRN_OK;
}

static int
pg_group_create(struct store *st, struct store_group *g)
{
	struct pg_params p = {0};
	PGresult *r;
	int rc;

	pg_t(&p, g->name);
	pg_i(&p, g->created_by);
	pg_i(&p, g->created_at);
	if ((rc = pg_run(pg(st), PG_GROUP_INSERT, &p, "group_create", &r)))
		return rc;
	if (PQntuples(r) == 1)
		g->id = pg_i64(r, 0, 0);
	else
		rc = CAIRN_EEXIST;
	PQclear(r);
	return rc;
}

static int
pg_group_get(struct store *st, const char *name, struct store_group *out)
{
	struct pg_params p = {0};
	struct store_group g;
	PGresult *r;
	int rc;

	pg_t(&p, name);
	if ((rc = pg_run(pg(st), PG_GROUP_GET, &p, "group_get", &r)) != 0)
		return rc;
	if (PQntuples(r) != 1) {
		rc = CAIRN_ENOTFOUND;
	} else {
		memset(&g, 0, sizeof(g));
		g.id = pg_i64(r, 0, 0);
		rc = pg_text(r, 0, 1, g.name, sizeof(g.name));
		g.created_by = pg_i64(r, 0, 2);
		g.created_at = pg_i64(r, 0, 3);
		if (rc == CAIRN_OK)
			*out = g;
	}
	PQclear(r);
	return rc;
}

static int
pg_member_row(const PGresult *r, int row, struct store_member *m)
{
	int rc;

	memset(m, 0, sizeof(*m));
	m->group_id = pg_i64(r, row, 0);
	m->user_id = pg_i64(r, row, 1);
	m->state = (int)pg_i64(r, row, 2);
	m->invited_by = pg_i64(r, row, 3);
	m->at = pg_i64(r, row, 4);
	if ((rc = pg_text(r, row, 5, m->handle, sizeof(m->handle))) != 0)
		return rc;
	return pg_text(r, row, 6, m->group, sizeof(m->group));
}

static int
pg_member_get(struct store *st, int64_t group_id, int64_t user_id,
              struct store_member *out)
{
	struct pg_params p = {0};
	struct store_member m;
	PGresult *r;
	int rc;

	pg_i(&p, group_id);
	pg_i(&p, user_id);
	if ((rc = pg_run(pg(st), PG_MEMBER_GET, &p, "member_get", &r)) != 0)
		return rc;
	if (PQntuples(r) != 1)
		rc = CAIRN_ENOTFOUND;
	else if ((rc = pg_member_row(r, 0, &m)) == CAIRN_OK)
		*out = m;
	PQclear(r);
	return rc;
}

static int
pg_member_put(struct store *st, const struct store_member *m)
{
	struct pg_params p = {0};

	pg_i(&p, m->group_id);
	pg_i(&p, m->user_id);
	pg_i(&p, m->state);
	pg_i(&p, m->invited_by);
	pg_i(&p, m->at);
	return pg_cmd(pg(st), PG_MEMBER_PUT, &p, "member_put", NULL);
}

static int
pg_member_delete(struct store *st, int64_t group_id, int64_t user_id)
{
	struct pg_params p = {0};

	pg_i(&p, group_id);
	pg_i(&p, user_id);
	return pg_cmd(pg(st), PG_MEMBER_DELETE, &p, "member_delete", NULL);
}

static int
pg_member_list(struct store *st, int64_t group_id, int64_t user_id,
               store_member_cb cb, void *arg)
{
	struct pg_params p = {0};
	struct store_member m;
	PGresult *r;
	int rc, i;

	pg_i(&p, group_id != 0 ? group_id : user_id);
	rc = pg_run(pg(st),
	            group_id != 0 ? PG_MEMBER_LIST_GROUP : PG_MEMBER_LIST_USER,
	            &p, "member_list", &r);
	if (rc != CAIRN_OK)
		return rc;
	for (i = 0; i < PQntuples(r); i++) {
		if ((rc = pg_member_row(r, i, &m)) != CAIRN_OK ||
		    (rc = cb(arg, &m)) < 0)
			break;
	}
	PQclear(r);
	return rc < 0 ? rc : CAIRN_OK;
}

static void
pg_close(struct store *st)
{
	struct pg_store *s = pg(st);

	if (s == NULL)
		return;
	if (s->conn != NULL)
		PQfinish(s->conn);
	free(s->url);
	free(s);
}

static const struct store_ops pg_ops = {
        .name = "postgresql",
        .close = pg_close,
        .begin = pg_begin,
        .commit = pg_commit,
        .idle = pg_idle,
        .rollback = pg_rollback,
        .savepoint = pg_savepoint,
        .release = pg_release,
        .rollback_to = pg_rollback_to,
        .epoch = pg_epoch,
        .user_create = pg_user_create,
        .user_get = pg_user_get,
        .device_create = pg_device_create,
        .device_get = pg_device_get,
        .device_list = pg_device_list,
        .device_revoke = pg_device_revoke,
        .device_rename = pg_device_rename,
        .device_touch = pg_device_touch,
        .invite_create = pg_invite_create,
        .invite_consume = pg_invite_consume,
        .record_get = pg_record_get,
        .record_put = pg_record_put,
        .changes = pg_changes,
        .visibility = pg_visibility,
        .access_event = pg_access_event,
        .user_by_id = pg_user_by_id,
        .relation_get = pg_relation_get,
        .relation_put = pg_relation_put,
        .relation_delete = pg_relation_delete,
        .relation_list = pg_relation_list,
        .group_create = pg_group_create,
        .group_get = pg_group_get,
        .member_get = pg_member_get,
        .member_put = pg_member_put,
        .member_delete = pg_member_delete,
        .member_list = pg_member_list,
        .max_seq = pg_max_seq,
        .audience = pg_audience,
        .usage_get = pg_usage_get,
};

/* Runs one unprepared query returning one text value (or none). */
static int
pg_scalar(struct pg_store *s, const char *sql, char *out, size_t outlen)
{
	PGresult *r = PQexec(s->conn, sql);
	int rc;

	if (r == NULL || PQresultStatus(r) != PGRES_TUPLES_OK)
		rc = pg_fail(s, r, "migrate");
	else if (PQntuples(r) != 1 || PQgetisnull(r, 0, 0))
		rc = CAIRN_ENOTFOUND;
	else
		rc = snprintf(out, outlen, "%s", PQgetvalue(r, 0, 0)) <
		                     (int)outlen
		             ? CAIRN_OK
		             : CAIRN_ESTORAGE;
	PQclear(r);
	return rc;
}

/*
 * Restore detection: the database's identity is the cluster's system
 * identifier and the database's oid, both new after a pg_dump restored
 * into another database or cluster. A database that is not the one it
 * was gets a new epoch, so every client pulls from zero and pushes back
 * what the server lacks (docs/sync.md, restore). A false alarm (a
 * pg_upgrade) costs one full sync.
 */
static int
pg_check_restore(struct pg_store *s)
{
	char id[128], old[128], epoch[UUID_LEN + 1];
	int rc;

	rc = pg_scalar(s,
	               "SELECT (SELECT system_identifier FROM "
	               "pg_control_system())::text || '/' || oid::text FROM "
	               "pg_database WHERE datname = current_database()",
	               id, sizeof(id));
	if (rc != CAIRN_OK)
		return rc;
	rc = pg_meta_get(s, "db_id", old, sizeof(old));
	if (rc == CAIRN_ENOTFOUND)
		return pg_meta_put(s, "db_id", id);
	if (rc != CAIRN_OK || strcmp(old, id) == 0)
		return rc;
	if ((rc = uuid_new(epoch)) != CAIRN_OK ||
	    (rc = pg_meta_put(s, "epoch", epoch)) != CAIRN_OK)
		return rc;
	log_event(LOG_WARN, "db.restored",
	          "old_epoch=%s epoch=%s reason=\"%s\"", s->epoch, epoch,
	          "database is a copy (restored or moved)");
	memcpy(s->epoch, epoch, sizeof(epoch));
	return pg_meta_put(s, "db_id", id);
}

/*
 * Brings the schema to PG_SCHEMA_VERSION in one transaction under an
 * advisory lock (several cairnd may start at once) and makes the epoch of
 * a new database.
 */
static int
pg_migrate(struct pg_store *s, char *err, size_t errlen)
{
	static const char *setup =
	        "CREATE TABLE IF NOT EXISTS cairn_schema (id int PRIMARY KEY"
	        "  CHECK (id = 1), version int NOT NULL);"
	        "INSERT INTO cairn_schema VALUES (1, 0) ON CONFLICT DO NOTHING;";
	char v[32], sql[96], epoch[UUID_LEN + 1];
	int rc, version, i;

	snprintf(sql, sizeof(sql),
	         "BEGIN; SELECT 1 FROM (SELECT pg_advisory_xact_lock(%lld)) l",
	         (long long)PG_MIGRATE_LOCK);
	if ((rc = pg_scalar(s, sql, v, sizeof(v))) != CAIRN_OK ||
	    (rc = pg_exec(s, setup, "migrate")) != CAIRN_OK ||
	    (rc = pg_scalar(s, "SELECT version FROM cairn_schema", v,
	                    sizeof(v))) != CAIRN_OK)
		goto fail;
	version = atoi(v);
	if (version > PG_SCHEMA_VERSION) {
		snprintf(
		        err, errlen,
		        "database schema version %d is newer than this cairnd (%d); upgrade cairnd",
		        version, PG_SCHEMA_VERSION);
		pg_exec(s, "ROLLBACK", "rollback");
		return CAIRN_ESTORAGE;
	}
	for (i = version; i < PG_SCHEMA_VERSION; i++) {
		snprintf(sql, sizeof(sql),
		         "UPDATE cairn_schema SET version = %d", i + 1);
		if ((rc = pg_exec(s, pg_migrations[i], "migrate")) != 0 ||
		    (rc = pg_exec(s, sql, "migrate")) != CAIRN_OK)
			goto fail;
	}
	rc = pg_meta_get(s, "epoch", s->epoch, sizeof(s->epoch));
	if (rc == CAIRN_ENOTFOUND && (rc = uuid_new(epoch)) == CAIRN_OK &&
	    (rc = pg_meta_put(s, "epoch", epoch)) == CAIRN_OK)
		memcpy(s->epoch, epoch, sizeof(epoch));
	if (rc != CAIRN_OK || (rc = pg_check_restore(s)) != CAIRN_OK ||
	    (rc = pg_exec(s, "COMMIT", "commit")) != CAIRN_OK)
		goto fail;
	return CAIRN_OK;
fail:
	snprintf(err, errlen, "cannot set up the database schema: %s",
	         s->conn != NULL ? PQerrorMessage(s->conn) : "connection lost");
	err[strcspn(err, "\n")] = '\0';
	if (s->conn != NULL)
		pg_exec(s, "ROLLBACK", "rollback");
	return rc != CAIRN_OK ? rc : CAIRN_ESTORAGE;
}

int
store_pg_open(const char *url, struct store **out, char *err, size_t errlen)
{
	struct pg_store *s;
	int rc;

	if ((s = calloc(1, sizeof(*s))) == NULL ||
	    (s->url = strdup(url)) == NULL) {
		free(s);
		snprintf(err, errlen, "out of memory");
		return CAIRN_ENOMEM;
	}
	s->base.ops = &pg_ops;
	if ((rc = pg_connect(s, err, errlen)) != CAIRN_OK) {
		rc = CAIRN_ESTORAGE;
		goto fail;
	}
	if ((rc = pg_migrate(s, err, errlen)) != CAIRN_OK)
		goto fail;
	*out = &s->base;
	return CAIRN_OK;
fail:
	pg_close(&s->base);
	return rc;
}

/* ---- the change watch: LISTEN cairn_changes ---- */

struct store_watch {
	PGconn *conn;
};

int
store_watch_open(const char *url, struct store_watch **out, char *err,
                 size_t errlen)
{
	struct pg_store tmp;
	struct store_watch *w;
	PGresult *r;
	int rc;

	memset(&tmp, 0, sizeof(tmp));
	tmp.url = (char *)url;
	if ((rc = pg_connect(&tmp, err, errlen)) != CAIRN_OK)
		return rc;
	r = PQexec(tmp.conn, "LISTEN cairn_changes");
	if (r == NULL || PQresultStatus(r) != PGRES_COMMAND_OK ||
	    PQsetnonblocking(tmp.conn, 1) != 0 ||
	    (w = calloc(1, sizeof(*w))) == NULL) {
		snprintf(err, errlen, "cannot listen for changes: %s",
		         PQerrorMessage(tmp.conn));
		err[strcspn(err, "\n")] = '\0';
		PQclear(r);
		PQfinish(tmp.conn);
		return CAIRN_EBUSY;
	}
	PQclear(r);
	w->conn = tmp.conn;
	*out = w;
	return CAIRN_OK;
}

int
store_watch_fd(const struct store_watch *w)
{
	return PQsocket(w->conn);
}

int
store_watch_drain(struct store_watch *w)
{
	PGnotify *n;
	int count = 0;

	if (!PQconsumeInput(w->conn) || PQstatus(w->conn) != CONNECTION_OK)
		return CAIRN_EBUSY;
	while ((n = PQnotifies(w->conn)) != NULL) {
		count++;
		PQfreemem(n);
	}
	return count;
}

void
store_watch_close(struct store_watch *w)
{
	if (w == NULL)
		return;
	PQfinish(w->conn);
	free(w);
}

#else /* !CAIRN_HAVE_LIBPQ */

int
store_pg_open(const char *url, struct store **out, char *err, size_t errlen)
{
	(void)url;
	(void)out;
	snprintf(
	        err, errlen,
	        "this cairnd was built without PostgreSQL support (install libpq-dev and rebuild)");
	return CAIRN_ESTORAGE;
}

int
store_watch_open(const char *url, struct store_watch **out, char *err,
                 size_t errlen)
{
	(void)out;
	return store_pg_open(url, NULL, err, errlen); /* says why not */
}

int
store_watch_fd(const struct store_watch *w)
{
	(void)w;
	return -1;
}

int
store_watch_drain(struct store_watch *w)
{
	(void)w;
	return CAIRN_EBUSY;
}

void
store_watch_close(struct store_watch *w)
{
	(void)w;
}

#endif
