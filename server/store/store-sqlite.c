/*
 * The SQLite backend of the storage interface (store.h): the schema and its
 * migrations, and every statement cairnd runs, each prepared once with
 * bound parameters and kept in a cache. WAL mode with synchronous=FULL, so
 * a committed transaction survives a power cut: the server acknowledges a
 * push only after the commit returns.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "err.h"
#include "hlc.h"
#include "log.h"
#include "store-changes.h"
#include "store.h"

/* The statements, prepared lazily on first use and kept until close. */
enum sq_stmt {
	SQ_BEGIN,
	SQ_BEGIN_IMMEDIATE,
	SQ_COMMIT,
	SQ_ROLLBACK,
	SQ_META_GET,
	SQ_META_PUT,
	SQ_USER_INSERT,
	SQ_USER_GET,
	SQ_DEVICE_INSERT,
	SQ_DEVICE_GET,
	SQ_DEVICE_LIST,
	SQ_DEVICE_MATCH,
	SQ_DEVICE_REVOKE,
	SQ_DEVICE_TOUCH,
	SQ_DEVICE_NAMED,
	SQ_DEVICE_RENAME,
	SQ_INVITE_INSERT,
	SQ_INVITE_USE,
	SQ_RECORD_GET,
	SQ_NEXT_SEQ,
	SQ_RECORD_UPSERT,
	SQ_MAX_SEQ,
	SQ_VISIBLE,
	SQ_AUDIENCE,
	SQ_SEQ_SUBJECT,
	SQ_SEQ_SUBJECT_SHARED,
	SQ_SEQ_OWNER,
	SQ_SEQ_OWNER_ABOUT_OTHERS,
	SQ_SEQ_EVENTS,
	SQ_AT_SEQ_RECORD,
	SQ_AT_SEQ_EVENT,
	SQ_SEE_PARTNER,
	SQ_SEE_MENTOR,
	SQ_SEE_GROUP,
	SQ_EVENT_INSERT,
	SQ_USER_BY_ID,
	SQ_REL_GET,
	SQ_REL_PUT,
	SQ_REL_DELETE,
	SQ_REL_LIST,
	SQ_GROUP_INSERT,
	SQ_GROUP_GET,
	SQ_MEMBER_GET,
	SQ_MEMBER_PUT,
	SQ_MEMBER_DELETE,
	SQ_MEMBER_LIST_GROUP,
	SQ_MEMBER_LIST_USER,
	SQ_USAGE_GET,
	SQ_USAGE_ADD,
	SQ_COUNT
};

static const char *sq_sql[SQ_COUNT] = {
        [SQ_BEGIN] = "BEGIN",
        [SQ_BEGIN_IMMEDIATE] = "BEGIN IMMEDIATE",
        [SQ_COMMIT] = "COMMIT",
        [SQ_ROLLBACK] = "ROLLBACK",
        [SQ_META_GET] = "SELECT value FROM meta WHERE key = ?1",
        [SQ_META_PUT] =
                "INSERT INTO meta (key, value) VALUES (?1, ?2) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [SQ_USER_INSERT] = "INSERT INTO users (handle, salt, hash, n, r, p, "
                           "created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        [SQ_USER_GET] = "SELECT id, handle, salt, hash, n, r, p, created_at "
                        "FROM users WHERE handle = ?1",
        [SQ_DEVICE_INSERT] = "INSERT INTO devices (id, user_id, name, "
                             "token_hash, created_at, last_seen) VALUES (?1, "
                             "?2, ?3, ?4, ?5, ?5)",
        [SQ_DEVICE_GET] = "SELECT d.id, d.user_id, u.handle, d.name, "
                          "d.token_hash, d.created_at, d.last_seen, "
                          "d.revoked_at FROM devices d JOIN users u ON "
                          "u.id = d.user_id WHERE d.id = ?1",
        [SQ_DEVICE_LIST] = "SELECT d.id, d.user_id, u.handle, d.name, "
                           "d.token_hash, d.created_at, d.last_seen, "
                           "d.revoked_at FROM devices d JOIN users u ON "
                           "u.id = d.user_id WHERE d.user_id = ?1 "
                           "ORDER BY d.created_at, d.id",
        [SQ_DEVICE_MATCH] = "SELECT id FROM devices WHERE user_id = ?1 AND "
                            "substr(id, 1, length(?2)) = ?2 LIMIT 2",
        [SQ_DEVICE_REVOKE] = "UPDATE devices SET revoked_at = ?2 WHERE "
                             "id = ?1 AND revoked_at = 0",
        [SQ_DEVICE_TOUCH] = "UPDATE devices SET last_seen = ?2 WHERE id = ?1",
        [SQ_DEVICE_NAMED] = "SELECT id FROM devices WHERE user_id = ?1 AND "
                            "name = ?2 AND id <> ?3 AND revoked_at = 0 "
                            "LIMIT 1",
        [SQ_DEVICE_RENAME] = "UPDATE devices SET name = ?2 WHERE id = ?1",
        [SQ_INVITE_INSERT] = "INSERT INTO invites (code, uses_left, "
                             "created_at) VALUES (?1, ?2, ?3)",
        [SQ_INVITE_USE] = "UPDATE invites SET uses_left = uses_left - 1 "
                          "WHERE code = ?1 AND uses_left > 0",
        [SQ_RECORD_GET] = "SELECT owner_id, subject_id, kind, hlc, device, "
                          "deleted, private, seq, length(body) FROM records "
                          "WHERE id = ?1",
        /* One counter for records and access events (docs/sync.md). */
        [SQ_NEXT_SEQ] = "UPDATE counter SET seq = ?1 WHERE id = 1",
        [SQ_RECORD_UPSERT] =
                "INSERT INTO records (id, owner_id, subject_id, kind, hlc, "
                "device, deleted, private, exposed, body, seq) VALUES (?1, "
                "?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) "
                "ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, "
                "subject_id = excluded.subject_id, hlc = excluded.hlc, "
                "device = excluded.device, deleted = excluded.deleted, "
                "private = excluded.private, "
                "exposed = max(exposed, excluded.exposed), "
                "body = excluded.body, seq = excluded.seq",
        [SQ_MAX_SEQ] = "SELECT seq FROM counter WHERE id = 1",
        /* Who may see a change after ?1, or more (store.h audience). */
        [SQ_AUDIENCE] =
                "WITH ch(u) AS (SELECT owner_id FROM records WHERE seq > ?1"
                " UNION SELECT subject_id FROM records WHERE seq > ?1"
                " UNION SELECT viewer_id FROM access_events WHERE seq > ?1"
                " UNION SELECT subject_id FROM access_events WHERE seq > ?1)"
                " SELECT u FROM ch"
                " UNION SELECT to_id FROM relations WHERE from_id IN ch"
                " UNION SELECT from_id FROM relations WHERE to_id IN ch"
                " UNION SELECT b.user_id FROM group_members a JOIN"
                " group_members b ON b.group_id = a.group_id"
                " WHERE a.user_id IN ch",
        /*
         * Visibility, in one place: the users viewer ?1 may see besides
         * itself. Partners either way, mentees (to_id mentors from_id),
         * and members of the groups the viewer is a member of.
         */
        [SQ_VISIBLE] =
                "SELECT to_id FROM relations WHERE from_id = ?1 AND role = 1"
                " AND state = 2 "
                "UNION SELECT from_id FROM relations WHERE to_id = ?1 AND "
                "state = 2 "
                "UNION SELECT b.user_id FROM group_members a JOIN "
                "group_members b ON b.group_id = a.group_id WHERE "
                "a.user_id = ?1 AND a.state = 2 AND b.state = 2 AND "
                "b.user_id <> ?1 LIMIT 100000",
        /* Phase one of changes: seqs only, off the covering indexes. */
        [SQ_SEQ_SUBJECT] = "SELECT seq FROM records WHERE subject_id = ?1 "
                           "AND seq > ?2 AND seq <= ?3 ORDER BY seq "
                           "LIMIT ?4",
        [SQ_SEQ_SUBJECT_SHARED] =
                "SELECT seq FROM records WHERE subject_id = ?1 AND seq > ?2 "
                "AND seq <= ?3 AND (private = 0 OR (exposed = 1 AND ?5)) "
                "ORDER BY seq LIMIT ?4",
        [SQ_SEQ_OWNER] = "SELECT seq FROM records WHERE owner_id = ?1 AND "
                         "seq > ?2 AND seq <= ?3 AND kind <= ?5 "
                         "ORDER BY seq LIMIT ?4",
        [SQ_SEQ_OWNER_ABOUT_OTHERS] =
                "SELECT seq FROM records WHERE owner_id = ?1 AND seq > ?2 "
                "AND seq <= ?3 AND subject_id <> ?1 ORDER BY seq LIMIT ?4",
        [SQ_SEQ_EVENTS] = "SELECT seq FROM access_events WHERE viewer_id = "
                          "?1 AND seq > ?2 AND seq <= ?3 ORDER BY seq "
                          "LIMIT ?4",
        /* Phase two: each change by its seq. */
        [SQ_AT_SEQ_RECORD] =
                "SELECT r.id, r.kind, r.owner_id, o.handle, r.subject_id, "
                "s.handle, r.hlc, r.device, r.deleted, r.private, r.body, "
                "r.seq FROM records r JOIN users o ON o.id = r.owner_id "
                "JOIN users s ON s.id = r.subject_id WHERE r.seq = ?1",
        [SQ_AT_SEQ_EVENT] = "SELECT e.granted, u.handle FROM access_events "
                            "e JOIN users u ON u.id = e.subject_id WHERE "
                            "e.seq = ?1",
        [SQ_SEE_PARTNER] = "SELECT 1 FROM relations WHERE role = 1 AND "
                           "state = 2 AND ((from_id = ?1 AND to_id = ?2) OR "
                           "(from_id = ?2 AND to_id = ?1))",
        [SQ_SEE_MENTOR] = "SELECT 1 FROM relations WHERE role = 2 AND "
                          "state = 2 AND from_id = ?2 AND to_id = ?1",
        [SQ_SEE_GROUP] = "SELECT 1 FROM group_members a JOIN group_members "
                         "b ON b.group_id = a.group_id WHERE a.user_id = ?1 "
                         "AND b.user_id = ?2 AND a.state = 2 AND b.state = 2 "
                         "LIMIT 1",
        [SQ_EVENT_INSERT] = "INSERT INTO access_events (seq, viewer_id, "
                            "subject_id, granted) VALUES (?1, ?2, ?3, ?4)",
        [SQ_USER_BY_ID] = "SELECT id, handle, salt, hash, n, r, p, "
                          "created_at FROM users WHERE id = ?1",
        [SQ_REL_GET] = "SELECT r.from_id, r.to_id, r.role, r.state, "
                       "r.created_at, r.since, f.handle, t.handle FROM "
                       "relations r JOIN users f ON f.id = r.from_id JOIN "
                       "users t ON t.id = r.to_id WHERE r.from_id = ?1 AND "
                       "r.to_id = ?2 AND r.role = ?3",
        [SQ_REL_PUT] = "INSERT INTO relations (from_id, to_id, role, state, "
                       "created_at, since) VALUES (?1, ?2, ?3, ?4, ?5, ?6) "
                       "ON CONFLICT (from_id, to_id, role) DO UPDATE SET "
                       "state = excluded.state, created_at = "
                       "excluded.created_at, since = excluded.since",
        [SQ_REL_DELETE] = "DELETE FROM relations WHERE from_id = ?1 AND "
                          "to_id = ?2 AND role = ?3",
        [SQ_REL_LIST] = "SELECT r.from_id, r.to_id, r.role, r.state, "
                        "r.created_at, r.since, f.handle, t.handle FROM "
                        "relations r JOIN users f ON f.id = r.from_id JOIN "
                        "users t ON t.id = r.to_id WHERE r.from_id = ?1 OR "
                        "r.to_id = ?1 ORDER BY r.created_at, f.handle, "
                        "t.handle, r.role",
        [SQ_GROUP_INSERT] = "INSERT INTO groups (name, created_by, "
                            "created_at) VALUES (?1, ?2, ?3)",
        [SQ_GROUP_GET] = "SELECT id, name, created_by, created_at FROM "
                         "groups WHERE name = ?1",
        [SQ_MEMBER_GET] = "SELECT m.group_id, m.user_id, m.state, "
                          "m.invited_by, m.at, u.handle, g.name FROM "
                          "group_members m JOIN users u ON u.id = m.user_id "
                          "JOIN groups g ON g.id = m.group_id WHERE "
                          "m.group_id = ?1 AND m.user_id = ?2",
        [SQ_MEMBER_PUT] = "INSERT INTO group_members (group_id, user_id, "
                          "state, invited_by, at) VALUES (?1, ?2, ?3, ?4, "
                          "?5) ON CONFLICT (group_id, user_id) DO UPDATE "
                          "SET state = excluded.state, invited_by = "
                          "excluded.invited_by, at = excluded.at",
        [SQ_MEMBER_DELETE] = "DELETE FROM group_members WHERE group_id = ?1 "
                             "AND user_id = ?2",
        [SQ_MEMBER_LIST_GROUP] =
                "SELECT m.group_id, m.user_id, m.state, m.invited_by, m.at, "
                "u.handle, g.name FROM group_members m JOIN users u ON "
                "u.id = m.user_id JOIN groups g ON g.id = m.group_id WHERE "
                "m.group_id = ?1 ORDER BY m.at, u.handle",
        [SQ_MEMBER_LIST_USER] =
                "SELECT m.group_id, m.user_id, m.state, m.invited_by, m.at, "
                "u.handle, g.name FROM group_members m JOIN users u ON "
                "u.id = m.user_id JOIN groups g ON g.id = m.group_id WHERE "
                "m.user_id = ?1 ORDER BY g.name",
        /* Kept by the triggers of schema 3. */
        [SQ_USAGE_GET] = "SELECT used_records, used_bytes FROM users WHERE "
                         "id = ?1",
        [SQ_USAGE_ADD] = "UPDATE users SET used_records = used_records + ?2,"
                         " used_bytes = used_bytes + ?3 WHERE id = ?1",
};

/* Schema migrations: step i brings user_version from i to i + 1. */
static const char *sq_migrations[] = {
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
        "CREATE TABLE users (id INTEGER PRIMARY KEY, handle TEXT NOT NULL "
        "  UNIQUE, salt BLOB NOT NULL, hash BLOB NOT NULL, n INTEGER NOT NULL,"
        "  r INTEGER NOT NULL, p INTEGER NOT NULL, created_at INTEGER NOT "
        "NULL);"
        "CREATE TABLE devices (id TEXT PRIMARY KEY, user_id INTEGER NOT NULL"
        "  REFERENCES users (id), name TEXT NOT NULL, token_hash BLOB NOT NULL"
        "  UNIQUE, created_at INTEGER NOT NULL, last_seen INTEGER NOT NULL"
        "  DEFAULT 0, revoked_at INTEGER NOT NULL DEFAULT 0);"
        "CREATE INDEX devices_user ON devices (user_id);"
        "CREATE TABLE invites (code TEXT PRIMARY KEY, uses_left INTEGER NOT "
        "  NULL, created_at INTEGER NOT NULL);"
        "CREATE TABLE records (id TEXT PRIMARY KEY, owner_id INTEGER NOT NULL"
        "  REFERENCES users (id), kind INTEGER NOT NULL, hlc INTEGER NOT NULL,"
        "  device TEXT NOT NULL, deleted INTEGER NOT NULL, private INTEGER NOT"
        "  NULL, body BLOB NOT NULL, seq INTEGER NOT NULL UNIQUE);"
        "CREATE INDEX records_owner_seq ON records (owner_id, seq);",
        /*
         * 2: people (protocol version 2). Records get a subject (whose
         * data they are about) and an exposed mark (some version was
         * shared); one counter numbers records and access events.
         */
        "ALTER TABLE records ADD COLUMN subject_id INTEGER NOT NULL "
        "  DEFAULT 0;"
        "UPDATE records SET subject_id = owner_id;"
        "ALTER TABLE records ADD COLUMN exposed INTEGER NOT NULL DEFAULT 0;"
        "CREATE INDEX records_subject_seq ON records (subject_id, seq);"
        "CREATE TABLE counter (id INTEGER PRIMARY KEY CHECK (id = 1),"
        "  seq INTEGER NOT NULL);"
        "INSERT INTO counter (id, seq) SELECT 1, COALESCE(MAX(seq), 0)"
        "  FROM records;"
        "CREATE TABLE relations (from_id INTEGER NOT NULL REFERENCES users"
        "  (id), to_id INTEGER NOT NULL REFERENCES users (id), role INTEGER"
        "  NOT NULL, state INTEGER NOT NULL, created_at INTEGER NOT NULL,"
        "  since INTEGER NOT NULL DEFAULT 0,"
        "  PRIMARY KEY (from_id, to_id, role)) WITHOUT ROWID;"
        "CREATE INDEX relations_to ON relations (to_id);"
        "CREATE TABLE groups (id INTEGER PRIMARY KEY, name TEXT NOT NULL"
        "  UNIQUE, created_by INTEGER NOT NULL REFERENCES users (id),"
        "  created_at INTEGER NOT NULL);"
        "CREATE TABLE group_members (group_id INTEGER NOT NULL REFERENCES"
        "  groups (id), user_id INTEGER NOT NULL REFERENCES users (id),"
        "  state INTEGER NOT NULL, invited_by INTEGER NOT NULL, at INTEGER"
        "  NOT NULL, PRIMARY KEY (group_id, user_id)) WITHOUT ROWID;"
        "CREATE INDEX group_members_user ON group_members (user_id);"
        "CREATE TABLE access_events (seq INTEGER PRIMARY KEY, viewer_id"
        "  INTEGER NOT NULL, subject_id INTEGER NOT NULL, granted INTEGER"
        "  NOT NULL);"
        "CREATE INDEX access_events_viewer ON access_events (viewer_id,"
        "  seq);",
        /*
         * 3: per-user usage for quotas (store.h, struct store_usage):
         * counted for existing data, then kept by triggers in the
         * statement that writes a record, so no write path can miss it.
         * 64 is STORE_RECORD_OVERHEAD at schema 3; changing it needs a
         * migration.
         */
        "ALTER TABLE users ADD COLUMN used_records INTEGER NOT NULL"
        "  DEFAULT 0;"
        "ALTER TABLE users ADD COLUMN used_bytes INTEGER NOT NULL"
        "  DEFAULT 0;"
        "UPDATE users SET used_records = (SELECT count(*) FROM records"
        "  WHERE owner_id = users.id AND deleted = 0), used_bytes ="
        "  (SELECT COALESCE(SUM(length(body) + 64), 0) FROM records"
        "  WHERE owner_id = users.id);"
        "CREATE TRIGGER records_usage_insert AFTER INSERT ON records BEGIN"
        "  UPDATE users SET used_records = used_records + (NEW.deleted = 0),"
        "  used_bytes = used_bytes + length(NEW.body) + 64"
        "  WHERE id = NEW.owner_id; END;"
        "CREATE TRIGGER records_usage_update AFTER UPDATE OF deleted, body"
        "  ON records WHEN NEW.owner_id = OLD.owner_id BEGIN"
        "  UPDATE users SET used_records = used_records + (NEW.deleted = 0)"
        "  - (OLD.deleted = 0), used_bytes = used_bytes + length(NEW.body)"
        "  - length(OLD.body) WHERE id = NEW.owner_id; END;"
        "CREATE TRIGGER records_usage_owner AFTER UPDATE OF owner_id ON"
        "  records WHEN NEW.owner_id <> OLD.owner_id BEGIN"
        "  UPDATE users SET used_records = used_records - (OLD.deleted = 0),"
        "  used_bytes = used_bytes - length(OLD.body) - 64"
        "  WHERE id = OLD.owner_id;"
        "  UPDATE users SET used_records = used_records + (NEW.deleted = 0),"
        "  used_bytes = used_bytes + length(NEW.body) + 64"
        "  WHERE id = NEW.owner_id; END;"
        "CREATE TRIGGER records_usage_delete AFTER DELETE ON records BEGIN"
        "  UPDATE users SET used_records = used_records - (OLD.deleted = 0),"
        "  used_bytes = used_bytes - length(OLD.body) - 64"
        "  WHERE id = OLD.owner_id; END;",
        /*
         * 4: usage is counted by sq_record_put, the one writer of
         * records, and added once per job (sq_usage_flush). The triggers
         * made every record write a statement with a statement journal
         * inside the job's savepoint: 2.5 times the database thread's time
         * per pushed record.
         */
        "DROP TRIGGER records_usage_insert;"
        "DROP TRIGGER records_usage_update;"
        "DROP TRIGGER records_usage_owner;"
        "DROP TRIGGER records_usage_delete;",
};
_Static_assert(
        STORE_RECORD_OVERHEAD == 64,
        "schema 3 counts 64 bytes a record; a new overhead needs a migration");
#define SQ_USAGE_PENDING 8     /* owners with usage changes kept unflushed */
#define SQ_WAL_PAGES 10000     /* WAL pages that make a commit checkpoint */
#define SQ_WAL_IDLE_PAGES 1000 /* WAL pages worth a checkpoint when idle */
#define SQ_SCHEMA_VERSION \
	((int)(sizeof(sq_migrations) / sizeof(sq_migrations[0])))

struct sq_store {
	struct store base; /* first: a struct store * is a struct sq_store * */
	sqlite3 *db;
	sqlite3_stmt *stmt[SQ_COUNT];
	struct store_mark *mark; /* NULL when no mark file can be kept */
	char epoch[UUID_LEN + 1];
	int wrote; /* the change log moved since the last commit */
	/*
	 * The change-log counter within a transaction: read once, counted
	 * here, written back before COMMIT (one write per transaction, not
	 * per record). A savepoint rolled back leaves a gap, which is
	 * harmless: seq only has to grow.
	 */
	int seq_cached;
	uint64_t seq_next;
	/*
	 * Usage (used_records, used_bytes) changed by the record writes since
	 * the last savepoint boundary, per owner: added to users at a release
	 * or a commit (sq_usage_flush), dropped by a rollback, so it follows
	 * the writes it counts.
	 */
	struct sq_usage_delta {
		int64_t owner_id;
		int64_t records, bytes;
	} usage[SQ_USAGE_PENDING];
	size_t nusage;
	int wal_frames; /* in the WAL, not yet checkpointed (sq_wal_hook) */
};

static struct sq_store *
sq(struct store *st)
{
	return (struct sq_store *)st;
}

/*
 * Logs a SQLite failure and maps it to a cairn code. A full disk (or a
 * database at its size limit) is CAIRN_ESERVERFULL: SQLite has rolled the
 * statement back and the database is intact, and the client says it is
 * the server's problem, not its own.
 */
static int
sq_fail(struct sq_store *s, int rc, const char *what)
{
	if ((rc & 0xff) == SQLITE_CONSTRAINT)
		return CAIRN_EEXIST;
	if ((rc & 0xff) == SQLITE_FULL ||
	    ((rc & 0xff) == SQLITE_IOERR &&
	     sqlite3_system_errno(s->db) == ENOSPC)) {
		log_event(LOG_ERROR, "db.full", "op=%s rc=%d msg=\"%s\"", what,
		          rc, sqlite3_errmsg(s->db));
		return CAIRN_ESERVERFULL;
	}
	log_event(LOG_ERROR, "db.error", "op=%s rc=%d msg=\"%s\"", what, rc,
	          sqlite3_errmsg(s->db));
	return CAIRN_ESTORAGE;
}

/* Returns the cached, reset statement id, preparing it on first use. */
static sqlite3_stmt *
sq_get(struct sq_store *s, enum sq_stmt id)
{
	int rc;

	if (s->stmt[id] == NULL) {
		rc = sqlite3_prepare_v3(s->db, sq_sql[id], -1,
		                        SQLITE_PREPARE_PERSISTENT, &s->stmt[id],
		                        NULL);
		if (rc != SQLITE_OK) {
			sq_fail(s, rc, "prepare");
			return NULL;
		}
	}
	return s->stmt[id];
}

/* Resets a statement after use so it holds no lock or blob. */
static void
sq_done(sqlite3_stmt *st)
{
	if (st != NULL) {
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
	}
}

/* Runs a statement that returns no rows. */
static int
sq_exec_stmt(struct sq_store *s, sqlite3_stmt *st, const char *what)
{
	int rc;

	rc = sqlite3_step(st);
	sq_done(st);
	if (rc != SQLITE_DONE)
		return sq_fail(s, rc, what);
	return CAIRN_OK;
}

/* Adds the pending usage changes to the users rows and forgets them. */
static int
sq_usage_flush(struct sq_store *s)
{
	sqlite3_stmt *q;
	size_t i;
	int rc = CAIRN_OK;

	for (i = 0; i < s->nusage && rc == CAIRN_OK; i++) {
		if ((q = sq_get(s, SQ_USAGE_ADD)) == NULL) {
			rc = CAIRN_ESTORAGE;
			break;
		}
		sqlite3_bind_int64(q, 1, s->usage[i].owner_id);
		sqlite3_bind_int64(q, 2, s->usage[i].records);
		sqlite3_bind_int64(q, 3, s->usage[i].bytes);
		rc = sq_exec_stmt(s, q, "usage");
	}
	s->nusage = 0;
	return rc;
}

/* Counts a change of owner's usage, to be flushed with its writes. */
static int
sq_usage_add(struct sq_store *s, int64_t owner_id, int64_t records,
             int64_t bytes)
{
	size_t i;
	int rc;

	for (i = 0; i < s->nusage; i++) {
		if (s->usage[i].owner_id == owner_id)
			break;
	}
	if (i == s->nusage) {
		if (s->nusage == SQ_USAGE_PENDING &&
		    (rc = sq_usage_flush(s)) != CAIRN_OK)
			return rc;
		i = s->nusage++;
		s->usage[i].owner_id = owner_id;
		s->usage[i].records = s->usage[i].bytes = 0;
	}
	s->usage[i].records += records;
	s->usage[i].bytes += bytes;
	if (sqlite3_get_autocommit(s->db))
		return sq_usage_flush(
		        s); /* the write was its own transaction */
	return CAIRN_OK;
}

static int
sq_simple(struct store *st, enum sq_stmt id, const char *what)
{
	struct sq_store *s = sq(st);
	sqlite3_stmt *q;

	if ((q = sq_get(s, id)) == NULL)
		return CAIRN_ESTORAGE;
	return sq_exec_stmt(s, q, what);
}

/* Runs SQL built from a fixed name (savepoints cannot be bound). */
static int
sq_exec_named(struct store *st, const char *verb, const char *name)
{
	struct sq_store *s = sq(st);
	char sql[96];
	size_t i;
	int rc;

	for (i = 0; name[i] != '\0'; i++) {
		if ((name[i] < 'a' || name[i] > 'z') && name[i] != '_')
			return CAIRN_EINTERNAL;
	}
	if (i == 0 || i > 32)
		return CAIRN_EINTERNAL;
	snprintf(sql, sizeof(sql), "%s %s", verb, name);
	rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		return sq_fail(s, rc, verb);
	return CAIRN_OK;
}

static int
sq_begin(struct store *st, int immediate)
{
	sq(st)->seq_cached = 0;
	return sq_simple(st, immediate ? SQ_BEGIN_IMMEDIATE : SQ_BEGIN,
	                 "begin");
}

/* Writes the counter back if this transaction took numbers. */
static int
sq_seq_flush(struct sq_store *s)
{
	sqlite3_stmt *q;

	if (!s->wrote || !s->seq_cached)
		return CAIRN_OK;
	if ((q = sq_get(s, SQ_NEXT_SEQ)) == NULL)
		return CAIRN_ESTORAGE;
	sqlite3_bind_int64(q, 1, (sqlite3_int64)s->seq_next);
	return sq_exec_stmt(s, q, "seq");
}

static int sq_max_seq(struct store *st, uint64_t *out);

/* Commits; after a commit that stored records, moves the mark on. */
static int
sq_commit(struct store *st)
{
	struct sq_store *s = sq(st);
	uint64_t seq;
	int rc;

	if ((rc = sq_seq_flush(s)) == CAIRN_OK &&
	    (rc = sq_usage_flush(s)) == CAIRN_OK)
		rc = sq_simple(st, SQ_COMMIT, "commit");
	s->seq_cached = 0;
	if (rc == CAIRN_OK && s->wrote && s->mark != NULL &&
	    sq_max_seq(st, &seq) == CAIRN_OK)
		store_mark_write(s->mark, s->epoch, seq);
	if (rc == CAIRN_OK)
		s->wrote = 0;
	return rc;
}

static int
sq_rollback(struct store *st)
{
	sq(st)->seq_cached = 0;
	sq(st)->nusage = 0;
	sq(st)->wrote = 0;
	if (sqlite3_get_autocommit(sq(st)->db))
		return CAIRN_OK;
	return sq_simple(st, SQ_ROLLBACK, "rollback");
}

/*
 * The WAL policy (measured with bench/growth.sh; bench/README.md):
 * commits only append to the WAL; a checkpoint copies it back when the
 * database thread is idle and the WAL holds SQ_WAL_IDLE_PAGES or more,
 * and at a commit only past SQ_WAL_PAGES (40 MiB), so under a steady load
 * a hot page is copied back once per many commits, not once per 1,000
 * pages written (SQLite's default).
 */
static void
sq_checkpoint(struct sq_store *s)
{
	int frames = 0, done = 0, rc;

	rc = sqlite3_wal_checkpoint_v2(s->db, NULL, SQLITE_CHECKPOINT_PASSIVE,
	                               &frames, &done);
	if (rc != SQLITE_OK && rc != SQLITE_BUSY)
		log_event(LOG_WARN, "db.checkpoint", "error=\"%s\"",
		          sqlite3_errmsg(s->db));
	s->wal_frames = rc == SQLITE_OK && frames == done ? 0 : frames;
}

/* After each commit (replaces SQLite's autocheckpoint). */
static int
sq_wal_hook(void *arg, sqlite3 *db, const char *name, int frames)
{
	struct sq_store *s = arg;

	s->wal_frames = frames;
	if (frames >= SQ_WAL_PAGES)
		sq_checkpoint(s);
	return SQLITE_OK;
}

static void
sq_idle(struct store *st)
{
	struct sq_store *s = sq(st);

	if (s->wal_frames >= SQ_WAL_IDLE_PAGES && sqlite3_get_autocommit(s->db))
		sq_checkpoint(s);
}

static int
sq_savepoint(struct store *st, const char *name)
{
	int rc;

	/* What is pending belongs to the writes before the savepoint. */
	if ((rc = sq_usage_flush(sq(st))) != CAIRN_OK)
		return rc;
	return sq_exec_named(st, "SAVEPOINT", name);
}

static int
sq_release(struct store *st, const char *name)
{
	int rc;

	if ((rc = sq_usage_flush(sq(st))) != CAIRN_OK)
		return rc;
	return sq_exec_named(st, "RELEASE", name);
}

static int
sq_rollback_to(struct store *st, const char *name)
{
	sq(st)->nusage = 0; /* the writes it counted are undone */
	return sq_exec_named(st, "ROLLBACK TO", name);
}

/* Copies a text column into a fixed buffer; CAIRN_ESTORAGE if too long. */
static int
sq_text(sqlite3_stmt *q, int col, char *out, size_t outlen)
{
	const unsigned char *t = sqlite3_column_text(q, col);
	int n = sqlite3_column_bytes(q, col);

	if (t == NULL || n < 0 || (size_t)n >= outlen)
		return CAIRN_ESTORAGE;
	memcpy(out, t, (size_t)n);
	out[n] = '\0';
	return CAIRN_OK;
}

/* Copies a blob column of exactly len bytes. */
static int
sq_blob(sqlite3_stmt *q, int col, uint8_t *out, size_t len)
{
	const void *b = sqlite3_column_blob(q, col);

	if (b == NULL || sqlite3_column_bytes(q, col) != (int)len)
		return CAIRN_ESTORAGE;
	memcpy(out, b, len);
	return CAIRN_OK;
}

/*
 * Steps a bound one-row query: CAIRN_OK with the row ready to read,
 * CAIRN_ENOTFOUND without one, else the failure (logged as what). The
 * caller reads the row and calls sq_done.
 */
static int
sq_step_row(struct sq_store *s, sqlite3_stmt *q, const char *what)
{
	int rc = sqlite3_step(q);

	if (rc == SQLITE_ROW)
		return CAIRN_OK;
	if (rc == SQLITE_DONE)
		return CAIRN_ENOTFOUND;
	return sq_fail(s, rc, what);
}

static int
sq_meta_get(struct sq_store *s, const char *key, char *out, size_t outlen)
{
	sqlite3_stmt *q;
	int rc;

	if ((q = sq_get(s, SQ_META_GET)) == NULL)
		return CAIRN_ESTORAGE;
	sqlite3_bind_text(q, 1, key, -1, SQLITE_STATIC);
	rc = sqlite3_step(q);
	if (rc == SQLITE_ROW)
		rc = sq_text(q, 0, out, outlen);
	else if (rc == SQLITE_DONE)
		rc = CAIRN_ENOTFOUND;
	else
		rc = sq_fail(s, rc, "meta_get");
	sq_done(q);
	return rc;
}

static int
sq_epoch(struct store *st, char out[UUID_LEN + 1])
{
	return sq_meta_get(sq(st), "epoch", out, UUID_LEN + 1);
}

static int
sq_user_create(struct store *st, struct store_user *u)
{
	struct sq_store *s = sq(st);
	sqlite3_stmt *q;
	int rc;

	if ((q = sq_get(s, SQ_USER_INSERT)) == NULL)
		return CAIRN_ESTORAGE;
	sqlite3_bind_text(q, 1, u->handle, -1, SQLITE_STATIC);
	sqlite3_bind_blob(q, 2, u->salt, STORE_SALT_LEN, SQLITE_STATIC);
	sqlite3_bind_blob(q, 3, u->hash, STORE_HASH_LEN, SQLITE_STATIC);
	sqlite3_bind_int64(q, 4, (sqlite3_int64)u->n);
	sqlite3_bind_int64(q, 5, u->r);
	sqlite3_bind_int64(q, 6, u->p);
	sqlite3_bind_int64(q, 7, u->created_at);
	rc = sq_exec_stmt(s, q, "user_create");
	if (rc == CAIRN_OK)
		u->id = sqlite3_last_insert_rowid(s->db);
	return rc;
}

/* Runs a user query (SQ_USER_GET or SQ_USER_BY_ID, bound) into out. */
static int
sq_user_row(struct sq_store *s, sqlite3_stmt *q, struct store_user *out)
{
	struct store_user u;
	int rc;

	rc = sqlite3_step(q);
	if (rc == SQLITE_DONE) {
		rc = CAIRN_ENOTFOUND;
		goto out;
	}
	if (rc != SQLITE_ROW) {
		rc = sq_fail(s, rc, "user_get");
		goto out;
	}
	memset(&u, 0, sizeof(u));
	u.id = sqlite3_column_int64(q, 0);
	if ((rc = sq_text(q, 1, u.handle, sizeof(u.handle))) != CAIRN_OK ||
	    (rc = sq_blob(q, 2, u.salt, STORE_SALT_LEN)) != CAIRN_OK ||
	    (rc = sq_blob(q, 3, u.hash, STORE_HASH_LEN)) != CAIRN_OK)
		goto out;
	u.n = (uint64_t)sqlite3_column_int64(q, 4);
	u.r = (uint32_t)sqlite3_column_int64(q, 5);
	u.p = (uint32_t)sqlite3_column_int64(q, 6);
	u.created_at = sqlite3_column_int64(q, 7);
	*out = u;
	rc = CAIRN_OK;
out:
	sq_done(q);
	return rc;
}

static int
sq_user_get(struct store *st, const char *handle, struct store_user *out)
{
	struct sq_store *s = sq(st);
	sqlite3_stmt *q;

	if ((q = sq_get(s, SQ_USER_GET)) == NULL)
		return CAIRN_ESTORAGE;
	sqlite3_bind_text(q, 1, handle, -1, SQLITE_STATIC);
	return sq_user_row(s, q, out);
}

static int
sq_user_by_id(struct store *st, int64_t id, struct store_user *out)
{
	struct sq_store *s = sq(st);
	sqlite3_stmt *q;

	if ((q = sq_get(s, SQ_USER_BY_ID)) == NULL)
		return CAIRN_ESTORAGE;
	sqlite3_bind_int64(q, 1, id);
	return sq_user_row(s, q, out);
}

static int
sq_device_create(struct store *st, const struct store_device *d)
{
	struct sq_store *s = sq(st);
	sqlite3_stmt *q;

	if ((q = sq_get(s, SQ_DEVICE_INSERT)) == NULL)
		return CAIRN_ESTORAGE;
	sqlite3_bind_text(q, 1, d->id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 2, d->user_id);
	sqlite3_bind_text(q, 3, d->name, -1, SQLITE_STATIC);
	sqlite3_bind_blob(q, 4, d->token_hash, STORE_HASH_LEN, SQLITE_STATIC);
	sqlite3_bind_int64(q, 5, d->created_at);
	return sq_exec_stmt(s, q, "device_create");
}

/* Fills d from a row of SQ_DEVICE_GET or SQ_DEVICE_LIST. */
static int
sq_device_row(sqlite3_stmt *q, struct store_device *d)
{
	int rc;

	memset(d, 0, sizeof(*d));
	if ((rc = sq_text(q, 0, d->id, sizeof(d->id))) != CAIRN_OK ||
	    (rc = sq_text(q, 2, d->handle, sizeof(d->handle))) != CAIRN_OK ||
	    (rc = sq_text(q, 3, d->name, sizeof(d->name))) != CAIRN_OK ||
	    (rc = sq_blob(q, 4, d->token_hash, STORE_HASH_LEN)) != CAIRN_OK)
		return rc;
	d->user_id = sqlite3_column_int64(q, 1);
	d->created_at = sqlite3_column_int64(q, 5);
	d->last_seen = sqlite3_column_int64(q, 6);
	d->revoked_at = sqlite3_column_int64(q, 7);
	return CAIRN_OK;
}

static int
sq_device_get(struct store *st, const char *id, struct store_device *out)
{
	struct sq_store *s = sq(st);
	struct store_device d;
	sqlite3_stmt *q;
	int rc;

	if ((q = sq_get(s, SQ_DEVICE_GET)) == NULL)
		return CAIRN_ESTORAGE;
	sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
	rc = sqlite3_step(q);
	if (rc == SQLITE_ROW) {
		rc = sq_device_row(q, &d);
		if (rc == CAIRN_OK)
			*out = d;
	} else if (rc == SQLITE_DONE) {
		rc = CAIRN_ENOTFOUND;
	} else {
		rc = sq_fail(s, rc, "device_get");
	}
	sq_done(q);
	return rc;
}

static int
sq_device_list(struct store *st, int64_t user_id, store_device_cb cb, void *arg)
{
	struct sq_store *s = sq(st);
	struct store_device d;
	sqlite3_stmt *q;
	int rc;

	if ((q = sq_get(s, SQ_DEVICE_LIST)) == NULL)
		return CAIRN_ESTORAGE;
	sqlite3_bind_int64(q, 1, user_id);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		if ((rc = sq_device_row(q, &d)) != CAIRN_OK)
			goto out;
		if ((rc = cb(arg, &d)) < 0)
			goto out;
	}
	rc = rc == SQLITE_DONE ? CAIRN_OK : sq_fail(s, rc, "device_list");
out:
	sq_done(q);
	return rc;
}

/*
 * The full id of the one device of user_id whose id starts with prefix.
 * CAIRN_ENOTFOUND, CAIRN_EAMBIGUOUS.
 */
static int
sq_device_match(struct sq_store *s, int64_t user_id, const char *prefix,
                char out_id[UUID_LEN + 1])
{
	char id[UUID_LEN + 1];
	sqlite3_stmt *q;
	int rc, n = 0;

	if ((q = sq_get(s, SQ_DEVICE_MATCH)) == NULL)
		return CAIRN_ESTORAGE;
	sqlite3_bind_int64(q, 1, user_id);
	sqlite3_bind_text(q, 2, prefix, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		if (n++ == 0 && (rc = sq_text(q, 0, id, sizeof(id))) != 0) {
			sq_done(q);
			return rc;
		}
	}
	sq_done(q);
	if (rc != SQLITE_DONE)
		return sq_fail(s, rc, "device_match");
	if (n == 0)
		return CAIRN_ENOTFOUND;
	if (n > 1)
		return CAIRN_EAMBIGUOUS;
	memcpy(out_id, id, sizeof(id));
	return CAIRN_OK;
}

static int
sq_device_revoke(struct store *st, int64_t user_id, const char *prefix,
                 int64_t now, char out_id[UUID_LEN + 1])
{
	struct sq_store *s = sq(st);
	char id[UUID_LEN + 1];
	sqlite3_stmt *q;
	int rc;

	if ((rc = sq_device_match(s, user_id, prefix, id)) != CAIRN_OK)
		return rc;
	if ((q = sq_get(s, SQ_DEVICE_REVOKE)) == NULL)
		return CAIRN_ESTORAGE;
	sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 2, now);
	if ((rc = sq_exec_stmt(s, q, "device_revoke")) != CAIRN_OK)
		return rc;
	memcpy(out_id, id, sizeof(id));
	return CAIRN_OK;
}

static int
sq_device_rename(struct store *st, int64_t user_id, const char *prefix,
                 const char *name, struct store_device *out)
{
	struct sq_store *s = sq(st);
	struct store_device other;
	char id[UUID_LEN + 1];
	sqlite3_stmt *q;
	int rc;

	rc = sq_device_match(s, user_id, prefix, id);
	/* A full id of someone else's device is theirs, not unknown. */
	if (rc == CAIRN_ENOTFOUND && strlen(prefix) == UUID_LEN &&
	    sq_device_get(st, prefix, &other) == CAIRN_OK &&
	    other.user_id != user_id)
		return CAIRN_EFORBIDDEN;
	if (rc != CAIRN_OK)
		return rc;
	if ((q = sq_get(s, SQ_DEVICE_NAMED)) == NULL)
		return CAIRN_ESTORAGE;
	sqlite3_bind_int64(q, 1, user_id);
	sqlite3_bind_text(q, 2, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 3, id, -1, SQLITE_STATIC);
	rc = sqlite3_step(q);
	sq_done(q);
	if (rc == SQLITE_ROW)
		return CAIRN_EEXIST;
	if (rc != SQLITE_DONE)
		return sq_fail(s, rc, "device_named");
	if ((q = sq_get(s, SQ_DEVICE_RENAME)) == NULL)
		return CAIRN_ESTORAGE;
	sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, name, -1, SQLITE_STATIC);
	if ((rc = sq_exec_stmt(s, q, "device_rename")) != CAIRN_OK)
		return rc;
	return sq_device_get(st, id, out);
}

static int
sq_device_touch(struct store *st, const char *id, int64_t now)
{
	struct sq_store *s = sq(st);
	sqlite3_stmt *q;

	if ((q = sq_get(s, SQ_DEVICE_TOUCH)) == NULL)
		return CAIRN_ESTORAGE;
	sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 2, now);
	return sq_exec_stmt(s, q, "device_touch");
}

static int
sq_invite_create(struct store *st, const char *code, uint32_t uses, int64_t now)
{
	struct sq_store *s = sq(st);
	sqlite3_stmt *q;

	if ((q = sq_get(s, SQ_INVITE_INSERT)) == NULL)
		return CAIRN_ESTORAGE;
	sqlite3_bind_text(q, 1, code, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 2, uses);
	sqlite3_bind_int64(q, 3, now);
	return sq_exec_stmt(s, q, "invite_create");
}

static int
sq_invite_consume(struct store *st, const char *code)
{
	struct sq_store *s = sq(st);
	sqlite3_stmt *q;
	int rc;

	if ((q = sq_get(s, SQ_INVITE_USE)) == NULL)
		return CAIRN_ESTORAGE;
	sqlite3_bind_text(q, 1, code, -1, SQLITE_STATIC);
	if ((rc = sq_exec_stmt(s, q, "invite_consume")) != CAIRN_OK)
		return rc;
	return sqlite3_changes(s->db) == 1 ? CAIRN_OK : CAIRN_EINVITE;
}

static int
sq_record_get(struct store *st, const char *id, struct store_record_head *out)
{
	struct sq_store *s = sq(st);
	struct store_record_head h;
	sqlite3_stmt *q;
	int rc;

	if ((q = sq_get(s, SQ_RECORD_GET)) == NULL)
		return CAIRN_ESTORAGE;
	sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
	if ((rc = sq_step_row(s, q, "record_get")) == CAIRN_OK) {
		memset(&h, 0, sizeof(h));
		h.owner_id = sqlite3_column_int64(q, 0);
		h.subject_id = sqlite3_column_int64(q, 1);
		h.kind = sqlite3_column_int(q, 2);
		h.hlc = (uint64_t)sqlite3_column_int64(q, 3);
		rc = sq_text(q, 4, h.device, sizeof(h.device));
		h.deleted = sqlite3_column_int(q, 5);
		h.private_ = sqlite3_column_int(q, 6);
		h.seq = (uint64_t)sqlite3_column_int64(q, 7);
		h.body_len = (size_t)sqlite3_column_int64(q, 8);
		if (rc == CAIRN_OK)
			*out = h;
	}
	sq_done(q);
	return rc;
}

/* Reads one integer column of a one-row statement (seq counters). */
static int
sq_one_u64(struct sq_store *s, enum sq_stmt id, uint64_t *out)
{
	sqlite3_stmt *q;
	int rc;

	if ((q = sq_get(s, id)) == NULL)
		return CAIRN_ESTORAGE;
	rc = sqlite3_step(q);
	if (rc == SQLITE_ROW) {
		*out = (uint64_t)sqlite3_column_int64(q, 0);
		rc = CAIRN_OK;
	} else {
		rc = sq_fail(s, rc, "seq");
	}
	sq_done(q);
	return rc;
}

/* Takes the next number of the change log (records and access events). */
static int
sq_next_seq(struct sq_store *s, uint64_t *out)
{
	int rc;

	if (!s->seq_cached) {
		if ((rc = sq_one_u64(s, SQ_MAX_SEQ, &s->seq_next)) != 0)
			return rc;
		s->seq_cached = 1;
	}
	*out = ++s->seq_next;
	s->wrote = 1;
	if (sqlite3_get_autocommit(s->db)) {
		/* No transaction to flush at: the write is its own. */
		rc = sq_seq_flush(s);
		s->seq_cached = 0;
		return rc;
	}
	return CAIRN_OK;
}

static int
sq_record_put(struct store *st, const struct store_record *r)
{
	struct sq_store *s = sq(st);
	struct store_record_head old;
	sqlite3_stmt *q;
	uint64_t seq;
	int64_t owner = r->owner_id, records, bytes;
	int rc, have;

	/*
	 * Usage (schema 3's rule): a live record counts one, every version
	 * its body and STORE_RECORD_OVERHEAD once; a new version replaces
	 * the old one's body. The upsert keeps the stored owner.
	 */
	rc = sq_record_get(st, r->id, &old);
	if (rc != CAIRN_OK && rc != CAIRN_ENOTFOUND)
		return rc;
	have = rc == CAIRN_OK;
	records = (r->deleted ? 0 : 1) - (have && !old.deleted ? 1 : 0);
	bytes = (int64_t)r->body_len -
	        (have ? (int64_t)old.body_len : -STORE_RECORD_OVERHEAD);
	if (have)
		owner = old.owner_id;
	if ((rc = sq_next_seq(s, &seq)) != CAIRN_OK)
		return rc;
	if ((q = sq_get(s, SQ_RECORD_UPSERT)) == NULL)
		return CAIRN_ESTORAGE;
	sqlite3_bind_text(q, 1, r->id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 2, r->owner_id);
	sqlite3_bind_int64(q, 3,
	                   r->subject_id != 0 ? r->subject_id : r->owner_id);
	sqlite3_bind_int(q, 4, r->kind);
	sqlite3_bind_int64(q, 5, (sqlite3_int64)r->hlc);
	sqlite3_bind_text(q, 6, r->device, -1, SQLITE_STATIC);
	sqlite3_bind_int(q, 7, r->deleted ? 1 : 0);
	sqlite3_bind_int(q, 8, r->private_ ? 1 : 0);
	sqlite3_bind_int(q, 9, r->private_ ? 0 : 1);
	sqlite3_bind_blob(q, 10, r->body_len > 0 ? (const void *)r->body : "",
	                  (int)r->body_len, SQLITE_STATIC);
	sqlite3_bind_int64(q, 11, (sqlite3_int64)seq);
	if ((rc = sq_exec_stmt(s, q, "record_put")) != CAIRN_OK)
		return rc;
	return sq_usage_add(s, owner, records, bytes);
}

/* ---- changes: the change log as one viewer may see it ---- */

/* The statement of each phase-one stream (store-changes.h). */
static const enum sq_stmt sq_streams[] = {
        [STORE_STREAM_OWNER] = SQ_SEQ_OWNER,
        [STORE_STREAM_SUBJECT] = SQ_SEQ_SUBJECT,
        [STORE_STREAM_OWNER_ABOUT_OTHERS] = SQ_SEQ_OWNER_ABOUT_OTHERS,
        [STORE_STREAM_EVENTS] = SQ_SEQ_EVENTS,
        [STORE_STREAM_SUBJECT_SHARED] = SQ_SEQ_SUBJECT_SHARED,
};

/*
 * Runs one phase-one statement (bound ?1 = key, ?5 = extra) over
 * (cursor, bound] with the limit, adding what it finds.
 */
static int
sq_stream(struct store *st, enum store_stream which, int64_t key, int64_t extra,
          uint64_t cursor, struct store_heads *h)
{
	struct sq_store *s = sq(st);
	sqlite3_stmt *q;
	uint64_t seq = 0;
	size_t got = 0;
	int rc;

	if ((q = sq_get(s, sq_streams[which])) == NULL)
		return CAIRN_ESTORAGE;
	sqlite3_bind_int64(q, 1, key);
	sqlite3_bind_int64(q, 2, (sqlite3_int64)cursor);
	sqlite3_bind_int64(q, 3, (sqlite3_int64)h->bound);
	sqlite3_bind_int64(q, 4, (sqlite3_int64)h->limit);
	if (sqlite3_bind_parameter_count(q) >= 5)
		sqlite3_bind_int64(q, 5, extra);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		seq = (uint64_t)sqlite3_column_int64(q, 0);
		if ((rc = store_heads_add(h, seq,
		                          which == STORE_STREAM_EVENTS)) != 0)
			goto out;
		got++;
	}
	rc = rc == SQLITE_DONE ? CAIRN_OK : sq_fail(s, rc, "changes");
	if (rc == CAIRN_OK)
		store_heads_stream_end(h, got, seq);
out:
	sq_done(q);
	return rc;
}

/* The users viewer may see besides itself (SQ_VISIBLE), into a list. */
static int
sq_visible_list(struct store *st, int64_t viewer, int64_t **out, size_t *n)
{
	struct sq_store *s = sq(st);
	int64_t *v = NULL, *nv;
	size_t cap = 0, count = 0;
	sqlite3_stmt *q;
	int rc;

	if ((q = sq_get(s, SQ_VISIBLE)) == NULL)
		return CAIRN_ESTORAGE;
	sqlite3_bind_int64(q, 1, viewer);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		if (count == cap) {
			cap = cap == 0 ? 16 : cap * 2;
			if ((nv = realloc(v, cap * sizeof(*v))) == NULL) {
				rc = CAIRN_ENOMEM;
				goto out;
			}
			v = nv;
		}
		v[count++] = sqlite3_column_int64(q, 0);
	}
	rc = rc == SQLITE_DONE ? CAIRN_OK : sq_fail(s, rc, "visible");
out:
	sq_done(q);
	if (rc != CAIRN_OK) {
		free(v);
		return rc;
	}
	*out = v;
	*n = count;
	return CAIRN_OK;
}

/* *yes: a relation see (STORE_SEE_PARTNER, _MENTOR, _GROUP) from a to b. */
static int
sq_exists(struct store *st, unsigned see, int64_t a, int64_t b, int *yes)
{
	struct sq_store *s = sq(st);
	enum sq_stmt id = see == STORE_SEE_PARTNER  ? SQ_SEE_PARTNER
	                  : see == STORE_SEE_MENTOR ? SQ_SEE_MENTOR
	                                            : SQ_SEE_GROUP;
	sqlite3_stmt *q;
	int rc;

	if ((q = sq_get(s, id)) == NULL)
		return CAIRN_ESTORAGE;
	sqlite3_bind_int64(q, 1, a);
	sqlite3_bind_int64(q, 2, b);
	rc = sqlite3_step(q);
	*yes = rc == SQLITE_ROW;
	rc = rc == SQLITE_ROW || rc == SQLITE_DONE ? CAIRN_OK
	                                           : sq_fail(s, rc, "visible");
	sq_done(q);
	return rc;
}

/* Phase two for one record: read it, apply the private rule, report it. */
static int
sq_change_record(struct store *stp, const struct store_query *q, uint64_t seq,
                 store_change_cb cb, void *arg)
{
	struct sq_store *s = sq(stp);
	struct store_change ch;
	struct store_record r;
	sqlite3_stmt *st;
	int rc;

	if ((st = sq_get(s, SQ_AT_SEQ_RECORD)) == NULL)
		return CAIRN_ESTORAGE;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)seq);
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		rc = CAIRN_OK; /* replaced since phase one: a later seq has it
		                */
		goto out;
	}
	if (rc != SQLITE_ROW) {
		rc = sq_fail(s, rc, "changes");
		goto out;
	}
	memset(&r, 0, sizeof(r));
	r.id = (const char *)sqlite3_column_text(st, 0);
	r.kind = sqlite3_column_int(st, 1);
	r.owner_id = sqlite3_column_int64(st, 2);
	r.owner = (const char *)sqlite3_column_text(st, 3);
	r.subject_id = sqlite3_column_int64(st, 4);
	r.subject = (const char *)sqlite3_column_text(st, 5);
	r.hlc = (uint64_t)sqlite3_column_int64(st, 6);
	r.device = (const char *)sqlite3_column_text(st, 7);
	r.deleted = sqlite3_column_int(st, 8);
	r.private_ = sqlite3_column_int(st, 9);
	r.body = sqlite3_column_blob(st, 10);
	r.body_len = (size_t)sqlite3_column_bytes(st, 10);
	r.seq = (uint64_t)sqlite3_column_int64(st, 11);
	if (r.id == NULL || r.owner == NULL || r.subject == NULL ||
	    r.device == NULL) {
		rc = CAIRN_ESTORAGE;
		goto out;
	}
	if (r.private_ && r.owner_id != q->viewer &&
	    r.subject_id != q->viewer) {
		/* Once shared, now private: a redacted tombstone. */
		r.deleted = 1;
		r.body = NULL;
		r.body_len = 0;
	}
	memset(&ch, 0, sizeof(ch));
	ch.type = STORE_CH_RECORD;
	ch.seq = seq;
	ch.rec = &r;
	rc = cb(arg, &ch);
out:
	sq_done(st);
	return rc;
}

static int
sq_change_event(struct store *stp, uint64_t seq, store_change_cb cb, void *arg)
{
	struct sq_store *s = sq(stp);
	struct store_change ch;
	sqlite3_stmt *st;
	int rc;

	if ((st = sq_get(s, SQ_AT_SEQ_EVENT)) == NULL)
		return CAIRN_ESTORAGE;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)seq);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		rc = sq_fail(s, rc, "changes");
		goto out;
	}
	memset(&ch, 0, sizeof(ch));
	ch.type = sqlite3_column_int(st, 0) ? STORE_CH_GRANT : STORE_CH_REVOKE;
	ch.seq = seq;
	ch.subject = (const char *)sqlite3_column_text(st, 1);
	rc = ch.subject != NULL ? cb(arg, &ch) : CAIRN_ESTORAGE;
out:
	sq_done(st);
	return rc;
}

/*
 * Two phases: first the seqs of every stream the viewer may see (its own
 * subject, its records about others, its access events, and each visible
 * user's shared records), each an index range scan bounded by the limit,
 * merged and cut to the limit; then each change read by its seq. A batch
 * costs (streams x limit) index entries and limit rows, whatever the
 * history.
 */
/* The queries the shared change-log rule runs (store-changes.c). */
static const struct store_changes_ops sq_changes_ops = {
        .stream = sq_stream,
        .visible = sq_visible_list,
        .exists = sq_exists,
        .event = sq_change_event,
        .record = sq_change_record,
};

static int
sq_changes(struct store *st, const struct store_query *q, store_change_cb cb,
           void *arg)
{
	/* One writer, one snapshot: nothing beyond q bounds the streams. */
	return store_changes_walk(&sq_changes_ops, st, q, UINT64_MAX, cb, arg);
}

static int
sq_visibility(struct store *st, int64_t viewer, int64_t subject, unsigned *mask)
{
	return store_visibility_of(&sq_changes_ops, st, viewer, subject, mask);
}

static int
sq_access_event(struct store *st, int64_t viewer, int64_t subject, int granted)
{
	struct sq_store *s = sq(st);
	sqlite3_stmt *q;
	uint64_t seq;
	int rc;

	if ((rc = sq_next_seq(s, &seq)) != CAIRN_OK)
		return rc;
	if ((q = sq_get(s, SQ_EVENT_INSERT)) == NULL)
		return CAIRN_ESTORAGE;
	sqlite3_bind_int64(q, 1, (sqlite3_int64)seq);
	sqlite3_bind_int64(q, 2, viewer);
	sqlite3_bind_int64(q, 3, subject);
	sqlite3_bind_int(q, 4, granted ? 1 : 0);
	return sq_exec_stmt(s, q, "access_event");
}

static int
sq_max_seq(struct store *st, uint64_t *out)
{
	struct sq_store *s = sq(st);

	if (s->seq_cached) {
		*out = s->seq_next;
		return CAIRN_OK;
	}
	return sq_one_u64(s, SQ_MAX_SEQ, out);
}

static int
sq_audience(struct store *st, uint64_t after, store_user_id_cb cb, void *arg)
{
	struct sq_store *s = sq(st);
	sqlite3_stmt *q;
	int rc = CAIRN_OK, step;

	if ((q = sq_get(s, SQ_AUDIENCE)) == NULL)
		return CAIRN_ESTORAGE;
	sqlite3_bind_int64(q, 1, (sqlite3_int64)after);
	while ((step = sqlite3_step(q)) == SQLITE_ROW) {
		if ((rc = cb(arg, sqlite3_column_int64(q, 0))) != 0)
			break;
	}
	if (rc == CAIRN_OK && step != SQLITE_DONE)
		rc = sq_fail(s, step, "audience");
	sq_done(q);
	return rc;
}

static int
sq_usage_get(struct store *st, int64_t user_id, struct store_usage *out)
{
	struct sq_store *s = sq(st);
	struct store_usage u = {0, 0};
	sqlite3_stmt *q;
	int rc;

	if ((rc = sq_usage_flush(s)) != CAIRN_OK)
		return rc;
	if ((q = sq_get(s, SQ_USAGE_GET)) == NULL)
		return CAIRN_ESTORAGE;
	sqlite3_bind_int64(q, 1, user_id);
	rc = sq_step_row(s, q, "usage_get");
	if (rc == CAIRN_OK) {
		u.records = (uint64_t)sqlite3_column_int64(q, 0);
		u.bytes = (uint64_t)sqlite3_column_int64(q, 1);
	}
	sq_done(q);
	if (rc != CAIRN_OK && rc != CAIRN_ENOTFOUND)
		return rc;
	*out = u;
	return CAIRN_OK;
}

/* ---- relationships and groups ---- */

/* Fills r from a row of SQ_REL_GET or SQ_REL_LIST. */
static int
sq_relation_row(sqlite3_stmt *q, struct store_relation *r)
{
	int rc;

	memset(r, 0, sizeof(*r));
	r->from_id = sqlite3_column_int64(q, 0);
	r->to_id = sqlite3_column_int64(q, 1);
	r->role = sqlite3_column_int(q, 2);
	r->state = sqlite3_column_int(q, 3);
	r->created_at = sqlite3_column_int64(q, 4);
	r->since = sqlite3_column_int64(q, 5);
	if ((rc = sq_text(q, 6, r->from, sizeof(r->from))) != CAIRN_OK)
		return rc;
	return sq_text(q, 7, r->to, sizeof(r->to));
}

static int
sq_relation_get(struct store *st, int64_t from_id, int64_t to_id, int role,
                struct store_relation *out)
{
	struct sq_store *s = sq(st);
	struct store_relation r;
	sqlite3_stmt *q;
	int rc;

	if ((q = sq_get(s, SQ_REL_GET)) == NULL)
		return CAIRN_ESTORAGE;
	sqlite3_bind_int64(q, 1, from_id);
	sqlite3_bind_int64(q, 2, to_id);
	sqlite3_bind_int(q, 3, role);
	if ((rc = sq_step_row(s, q, "relation_get")) == CAIRN_OK &&
	    (rc = sq_relation_row(q, &r)) == CAIRN_OK)
		*out = r;
	sq_done(q);
	return rc;
}

static int
sq_relation_put(struct store *st, const struct store_relation *r)
{
	struct sq_store *s = sq(st);
	sqlite3_stmt *q;

	if ((q = sq_get(s, SQ_REL_PUT)) == NULL)
		return CAIRN_ESTORAGE;
	sqlite3_bind_int64(q, 1, r->from_id);
	sqlite3_bind_int64(q, 2, r->to_id);
	sqlite3_bind_int(q, 3, r->role);
	sqlite3_bind_int(q, 4, r->state);
	sqlite3_bind_int64(q, 5, r->created_at);
	sqlite3_bind_int64(q, 6, r->since);
	return sq_exec_stmt(s, q, "relation_put");
}

static int
sq_relation_delete(struct store *st, int64_t from_id, int64_t to_id, int role)
{
	struct sq_store *s = sq(st);
	sqlite3_stmt *q;

	if ((q = sq_get(s, SQ_REL_DELETE)) == NULL)
		return CAIRN_ESTORAGE;
	sqlite3_bind_int64(q, 1, from_id);
	sqlite3_bind_int64(q, 2, to_id);
	sqlite3_bind_int(q, 3, role);
	return sq_exec_stmt(s, q, "relation_delete");
}

static int
sq_relation_list(struct store *st, int64_t user_id, store_relation_cb cb,
                 void *arg)
{
	struct sq_store *s = sq(st);
	struct store_relation r;
	sqlite3_stmt *q;
	int rc;

	if ((q = sq_get(s, SQ_REL_LIST)) == NULL)
		return CAIRN_ESTORAGE;
	sqlite3_bind_int64(q, 1, user_id);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		if ((rc = sq_relation_row(q, &r)) != CAIRN_OK ||
		    (rc = cb(arg, &r)) < 0)
			goto out;
	}
	rc = rc == SQLITE_DONE ? CAIRN_OK : sq_fail(s, rc, "relation_list");
out:
	sq_done(q);
	return rc;
}

static int
sq_group_create(struct store *st, struct store_group *g)
{
	struct sq_store *s = sq(st);
	sqlite3_stmt *q;
	int rc;

	if ((q = sq_get(s, SQ_GROUP_INSERT)) == NULL)
		return CAIRN_ESTORAGE;
	sqlite3_bind_text(q, 1, g->name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 2, g->created_by);
	sqlite3_bind_int64(q, 3, g->created_at);
	if ((rc = sq_exec_stmt(s, q, "group_create")) == CAIRN_OK)
		g->id = sqlite3_last_insert_rowid(s->db);
	return rc;
}

static int
sq_group_get(struct store *st, const char *name, struct store_group *out)
{
	struct sq_store *s = sq(st);
	struct store_group g;
	sqlite3_stmt *q;
	int rc;

	if ((q = sq_get(s, SQ_GROUP_GET)) == NULL)
		return CAIRN_ESTORAGE;
	sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
	if ((rc = sq_step_row(s, q, "group_get")) == CAIRN_OK) {
		memset(&g, 0, sizeof(g));
		g.id = sqlite3_column_int64(q, 0);
		rc = sq_text(q, 1, g.name, sizeof(g.name));
		g.created_by = sqlite3_column_int64(q, 2);
		g.created_at = sqlite3_column_int64(q, 3);
		if (rc == CAIRN_OK)
			*out = g;
	}
	sq_done(q);
	return rc;
}

/* Fills m from a row of the member statements. */
static int
sq_member_row(sqlite3_stmt *q, struct store_member *m)
{
	int rc;

	memset(m, 0, sizeof(*m));
	m->group_id = sqlite3_column_int64(q, 0);
	m->user_id = sqlite3_column_int64(q, 1);
	m->state = sqlite3_column_int(q, 2);
	m->invited_by = sqlite3_column_int64(q, 3);
	m->at = sqlite3_column_int64(q, 4);
	if ((rc = sq_text(q, 5, m->handle, sizeof(m->handle))) != CAIRN_OK)
		return rc;
	return sq_text(q, 6, m->group, sizeof(m->group));
}

static int
sq_member_get(struct store *st, int64_t group_id, int64_t user_id,
              struct store_member *out)
{
	struct sq_store *s = sq(st);
	struct store_member m;
	sqlite3_stmt *q;
	int rc;

	if ((q = sq_get(s, SQ_MEMBER_GET)) == NULL)
		return CAIRN_ESTORAGE;
	sqlite3_bind_int64(q, 1, group_id);
	sqlite3_bind_int64(q, 2, user_id);
	if ((rc = sq_step_row(s, q, "member_get")) == CAIRN_OK &&
	    (rc = sq_member_row(q, &m)) == CAIRN_OK)
		*out = m;
	sq_done(q);
	return rc;
}

static int
sq_member_put(struct store *st, const struct store_member *m)
{
	struct sq_store *s = sq(st);
	sqlite3_stmt *q;

	if ((q = sq_get(s, SQ_MEMBER_PUT)) == NULL)
		return CAIRN_ESTORAGE;
	sqlite3_bind_int64(q, 1, m->group_id);
	sqlite3_bind_int64(q, 2, m->user_id);
	sqlite3_bind_int(q, 3, m->state);
	sqlite3_bind_int64(q, 4, m->invited_by);
	sqlite3_bind_int64(q, 5, m->at);
	return sq_exec_stmt(s, q, "member_put");
}

static int
sq_member_delete(struct store *st, int64_t group_id, int64_t user_id)
{
	struct sq_store *s = sq(st);
	sqlite3_stmt *q;

	if ((q = sq_get(s, SQ_MEMBER_DELETE)) == NULL)
		return CAIRN_ESTORAGE;
	sqlite3_bind_int64(q, 1, group_id);
	sqlite3_bind_int64(q, 2, user_id);
	return sq_exec_stmt(s, q, "member_delete");
}

static int
sq_member_list(struct store *st, int64_t group_id, int64_t user_id,
               store_member_cb cb, void *arg)
{
	struct sq_store *s = sq(st);
	struct store_member m;
	sqlite3_stmt *q;
	int rc;

	q = sq_get(s,
	           group_id != 0 ? SQ_MEMBER_LIST_GROUP : SQ_MEMBER_LIST_USER);
	if (q == NULL)
		return CAIRN_ESTORAGE;
	sqlite3_bind_int64(q, 1, group_id != 0 ? group_id : user_id);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		if ((rc = sq_member_row(q, &m)) != CAIRN_OK ||
		    (rc = cb(arg, &m)) < 0)
			goto out;
	}
	rc = rc == SQLITE_DONE ? CAIRN_OK : sq_fail(s, rc, "member_list");
out:
	sq_done(q);
	return rc;
}

static void
sq_close(struct store *st)
{
	struct sq_store *s = sq(st);
	int i;

	if (s == NULL)
		return;
	for (i = 0; i < SQ_COUNT; i++)
		sqlite3_finalize(s->stmt[i]);
	sqlite3_close(s->db);
	store_mark_close(s->mark);
	free(s);
}

static const struct store_ops sq_ops = {
        .name = "sqlite",
        .close = sq_close,
        .begin = sq_begin,
        .commit = sq_commit,
        .idle = sq_idle,
        .rollback = sq_rollback,
        .savepoint = sq_savepoint,
        .release = sq_release,
        .rollback_to = sq_rollback_to,
        .epoch = sq_epoch,
        .user_create = sq_user_create,
        .user_get = sq_user_get,
        .device_create = sq_device_create,
        .device_get = sq_device_get,
        .device_list = sq_device_list,
        .device_revoke = sq_device_revoke,
        .device_touch = sq_device_touch,
        .device_rename = sq_device_rename,
        .invite_create = sq_invite_create,
        .invite_consume = sq_invite_consume,
        .record_get = sq_record_get,
        .record_put = sq_record_put,
        .changes = sq_changes,
        .visibility = sq_visibility,
        .access_event = sq_access_event,
        .user_by_id = sq_user_by_id,
        .relation_get = sq_relation_get,
        .relation_put = sq_relation_put,
        .relation_delete = sq_relation_delete,
        .relation_list = sq_relation_list,
        .group_create = sq_group_create,
        .group_get = sq_group_get,
        .member_get = sq_member_get,
        .member_put = sq_member_put,
        .member_delete = sq_member_delete,
        .member_list = sq_member_list,
        .max_seq = sq_max_seq,
        .audience = sq_audience,
        .usage_get = sq_usage_get,
};

/* Reads PRAGMA user_version. */
static int
sq_user_version(struct sq_store *s, int *out)
{
	sqlite3_stmt *q = NULL;
	int rc;

	rc = sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &q, NULL);
	if (rc == SQLITE_OK && (rc = sqlite3_step(q)) == SQLITE_ROW) {
		*out = sqlite3_column_int(q, 0);
		rc = SQLITE_OK;
	}
	sqlite3_finalize(q);
	return rc == SQLITE_OK ? CAIRN_OK : sq_fail(s, rc, "user_version");
}

static int
sq_meta_put(struct sq_store *s, const char *key, const char *value)
{
	sqlite3_stmt *q;

	if ((q = sq_get(s, SQ_META_PUT)) == NULL)
		return CAIRN_ESTORAGE;
	sqlite3_bind_text(q, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, value, -1, SQLITE_STATIC);
	return sq_exec_stmt(s, q, "meta_put");
}

/* Gives the database a new epoch (it was restored from a backup). */
static int
sq_new_epoch(struct sq_store *s, const char *path, const char *why)
{
	char epoch[UUID_LEN + 1];
	int rc;

	if ((rc = uuid_new(epoch)) != CAIRN_OK ||
	    (rc = sq_meta_put(s, "epoch", epoch)) != CAIRN_OK)
		return rc;
	log_event(LOG_WARN, "db.restored",
	          "path=%s old_epoch=%s epoch=%s reason=\"%s\"", path, s->epoch,
	          epoch, why);
	memcpy(s->epoch, epoch, sizeof(epoch));
	return CAIRN_OK;
}

/*
 * Restore detection (store-mark.c says how): a copied database file, or
 * one behind its mark, gets a new epoch, so every client pulls from zero
 * and pushes back what the server lacks. A false alarm costs a full sync.
 */
static int
sq_check_restore(struct sq_store *s, const char *path)
{
	char id[128], old[128], mepoch[UUID_LEN + 1];
	uint64_t max, mseq;
	int rc;

	if ((rc = sq_meta_get(s, "epoch", s->epoch, sizeof(s->epoch))) != 0)
		return rc;
	if (store_file_id(path, id, sizeof(id)) == CAIRN_OK) {
		rc = sq_meta_get(s, "file_id", old, sizeof(old));
		if (rc == CAIRN_OK && strcmp(old, id) != 0)
			rc = sq_new_epoch(s, path, "database file is a copy");
		else if (rc == CAIRN_ENOTFOUND)
			rc = CAIRN_OK;
		if (rc != CAIRN_OK ||
		    (rc = sq_meta_put(s, "file_id", id)) != CAIRN_OK)
			return rc;
	}
	if (s->mark == NULL)
		return CAIRN_OK;
	if ((rc = sq_max_seq(&s->base, &max)) != CAIRN_OK)
		return rc;
	if (store_mark_read(s->mark, mepoch, &mseq) == CAIRN_OK &&
	    strcmp(mepoch, s->epoch) == 0 && max < mseq &&
	    (rc = sq_new_epoch(s, path, "database is behind its mark")) != 0)
		return rc;
	return CAIRN_OK;
}

/*
 * Brings the schema to SQ_SCHEMA_VERSION in one transaction and makes the
 * epoch of a new database.
 */
static int
sq_migrate(struct sq_store *s, const char *path, char *err, size_t errlen)
{
	char epoch[UUID_LEN + 1], sql[64];
	int rc, version = 0, i;

	if ((rc = sq_begin(&s->base, 1)) == CAIRN_OK)
		rc = sq_user_version(s, &version);
	if (rc == CAIRN_OK && version > SQ_SCHEMA_VERSION) {
		snprintf(
		        err, errlen,
		        "database schema version %d is newer than this cairnd (%d); upgrade cairnd",
		        version, SQ_SCHEMA_VERSION);
		sq_rollback(&s->base);
		return CAIRN_ESTORAGE;
	}
	for (i = version; rc == CAIRN_OK && i < SQ_SCHEMA_VERSION; i++) {
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", i + 1);
		if (sqlite3_exec(s->db, sq_migrations[i], NULL, NULL, NULL) !=
		            SQLITE_OK ||
		    sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK)
			rc = sq_fail(s, SQLITE_ERROR, "migrate");
	}
	if (rc == CAIRN_OK &&
	    (rc = sq_meta_get(s, "epoch", epoch, sizeof(epoch))) ==
	            CAIRN_ENOTFOUND &&
	    (rc = uuid_new(epoch)) == CAIRN_OK)
		rc = sq_meta_put(s, "epoch", epoch);
	if (rc == CAIRN_OK && (rc = sq_check_restore(s, path)) == CAIRN_OK &&
	    (rc = sq_commit(&s->base)) == CAIRN_OK)
		return CAIRN_OK;
	sq_rollback(&s->base);
	snprintf(err, errlen, "cannot set up the database schema: %s",
	         sqlite3_errmsg(s->db));
	return rc;
}

/*
 * CAIRND_TEST_DB_HEADROOM=N (tests only): the database may grow by N
 * pages and no more (PRAGMA max_page_count), so that a test sees what a
 * full disk does to a push: SQLITE_FULL, the statement rolled back.
 */
static void
sq_test_headroom(struct sq_store *s)
{
	const char *v = getenv("CAIRND_TEST_DB_HEADROOM");
	sqlite3_stmt *q = NULL;
	char sql[64], *end;
	long long pages = -1, n;

	if (v == NULL || *v == '\0')
		return;
	n = strtoll(v, &end, 10);
	if (*end != '\0' || n < 0)
		return;
	if (sqlite3_prepare_v2(s->db, "PRAGMA page_count", -1, &q, NULL) ==
	            SQLITE_OK &&
	    sqlite3_step(q) == SQLITE_ROW)
		pages = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	if (pages < 0)
		return;
	snprintf(sql, sizeof(sql), "PRAGMA max_page_count = %lld", pages + n);
	if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) == SQLITE_OK)
		log_event(LOG_WARN, "test.headroom", "pages=%lld max=%lld",
		          pages, pages + n);
}

int
store_sqlite_open(const char *path, struct store **out, char *err,
                  size_t errlen)
{
	/*
	 * temp_store = MEMORY: every job runs in a savepoint and every record
	 * write fires the usage triggers, so SQLite keeps statement and
	 * savepoint journals; in temporary files they were 13 small writes
	 * per record (260 MiB for a 10k push), in memory they are bounded by
	 * one batch's pages.
	 */
	static const char *pragmas = "PRAGMA journal_mode = WAL;"
	                             "PRAGMA synchronous = FULL;"
	                             "PRAGMA temp_store = MEMORY;"
	                             "PRAGMA foreign_keys = ON;";
	struct sq_store *s = NULL;
	uint64_t seq;
	int rc;

	if ((s = calloc(1, sizeof(*s))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return CAIRN_ENOMEM;
	}
	s->base.ops = &sq_ops;
	rc = sqlite3_open_v2(path, &s->db,
	                     SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
	                             SQLITE_OPEN_NOMUTEX,
	                     NULL);
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "cannot open database %s: %s", path,
		         s->db != NULL ? sqlite3_errmsg(s->db)
		                       : "out of memory");
		rc = CAIRN_ESTORAGE;
		goto fail;
	}
	sqlite3_busy_timeout(s->db, 5000);
	sqlite3_wal_hook(s->db, sq_wal_hook, s);
	if (sqlite3_exec(s->db, pragmas, NULL, NULL, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "cannot configure database %s: %s", path,
		         sqlite3_errmsg(s->db));
		rc = CAIRN_ESTORAGE;
		goto fail;
	}
	if (store_mark_open(path, &s->mark) != CAIRN_OK)
		s->mark = NULL; /* no restore check beyond the file identity */
	if ((rc = sq_migrate(s, path, err, errlen)) != CAIRN_OK)
		goto fail;
	if (s->mark != NULL && sq_max_seq(&s->base, &seq) == CAIRN_OK)
		store_mark_write(s->mark, s->epoch, seq);
	sq_test_headroom(s);
	*out = &s->base;
	return CAIRN_OK;
fail:
	sq_close(&s->base);
	return rc;
}
