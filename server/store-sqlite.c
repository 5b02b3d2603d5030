/*
 * The SQLite backend of the storage interface (store.h): the schema and its
 * migrations, and every statement cairnd runs, each prepared once with
 * bound parameters and kept in a cache. WAL mode with synchronous=FULL, so
 * a committed transaction survives a power cut: the server acknowledges a
 * push only after the commit returns.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "err.h"
#include "hlc.h"
#include "log.h"
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
	SQ_INVITE_INSERT,
	SQ_INVITE_USE,
	SQ_RECORD_GET,
	SQ_RECORD_NEXT_SEQ,
	SQ_RECORD_UPSERT,
	SQ_PULL,
	SQ_MAX_SEQ,
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
        [SQ_INVITE_INSERT] = "INSERT INTO invites (code, uses_left, "
                             "created_at) VALUES (?1, ?2, ?3)",
        [SQ_INVITE_USE] = "UPDATE invites SET uses_left = uses_left - 1 "
                          "WHERE code = ?1 AND uses_left > 0",
        [SQ_RECORD_GET] = "SELECT owner_id, hlc, device, deleted, private, "
                          "seq FROM records WHERE id = ?1",
        [SQ_RECORD_NEXT_SEQ] = "SELECT COALESCE(MAX(seq), 0) + 1 FROM records",
        [SQ_RECORD_UPSERT] =
                "INSERT INTO records (id, owner_id, kind, hlc, device, "
                "deleted, "
                "private, body, seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, "
                "?9) "
                "ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, "
                "hlc = excluded.hlc, device = excluded.device, "
                "deleted = excluded.deleted, private = excluded.private, "
                "body = excluded.body, seq = excluded.seq",
        /* Visibility, in one place: see sq_pull. */
        [SQ_PULL] = "SELECT r.id, r.kind, r.owner_id, u.handle, r.hlc, "
                    "r.device, r.deleted, r.private, r.body, r.seq "
                    "FROM records r JOIN users u ON u.id = r.owner_id "
                    "WHERE r.owner_id = ?1 AND r.seq > ?2 ORDER BY r.seq",
        [SQ_MAX_SEQ] = "SELECT COALESCE(MAX(seq), 0) FROM records",
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
};
#define SQ_SCHEMA_VERSION \
	((int)(sizeof(sq_migrations) / sizeof(sq_migrations[0])))

struct sq_store {
	struct store base; /* first: a struct store * is a struct sq_store * */
	sqlite3 *db;
	sqlite3_stmt *stmt[SQ_COUNT];
	struct store_mark *mark; /* NULL when no mark file can be kept */
	char epoch[UUID_LEN + 1];
	int wrote; /* a record was stored since the last commit */
};

static struct sq_store *
sq(struct store *st)
{
	return (struct sq_store *)st;
}

/* Logs a SQLite failure and maps it to a cairn code. */
static int
sq_fail(struct sq_store *s, int rc, const char *what)
{
	if ((rc & 0xff) == SQLITE_CONSTRAINT)
		return CAIRN_EEXIST;
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
	return sq_simple(st, immediate ? SQ_BEGIN_IMMEDIATE : SQ_BEGIN,
	                 "begin");
}

static int sq_max_seq(struct store *st, uint64_t *out);

/* Commits; after a commit that stored records, moves the mark on. */
static int
sq_commit(struct store *st)
{
	struct sq_store *s = sq(st);
	uint64_t seq;
	int rc;

	rc = sq_simple(st, SQ_COMMIT, "commit");
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
	if (sqlite3_get_autocommit(sq(st)->db))
		return CAIRN_OK;
	return sq_simple(st, SQ_ROLLBACK, "rollback");
}

static int
sq_savepoint(struct store *st, const char *name)
{
	return sq_exec_named(st, "SAVEPOINT", name);
}

static int
sq_release(struct store *st, const char *name)
{
	return sq_exec_named(st, "RELEASE", name);
}

static int
sq_rollback_to(struct store *st, const char *name)
{
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

static int
sq_user_get(struct store *st, const char *handle, struct store_user *out)
{
	struct sq_store *s = sq(st);
	struct store_user u;
	sqlite3_stmt *q;
	int rc;

	if ((q = sq_get(s, SQ_USER_GET)) == NULL)
		return CAIRN_ESTORAGE;
	sqlite3_bind_text(q, 1, handle, -1, SQLITE_STATIC);
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

static int
sq_device_revoke(struct store *st, int64_t user_id, const char *prefix,
                 int64_t now, char out_id[UUID_LEN + 1])
{
	struct sq_store *s = sq(st);
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
	rc = sqlite3_step(q);
	if (rc == SQLITE_ROW) {
		memset(&h, 0, sizeof(h));
		h.owner_id = sqlite3_column_int64(q, 0);
		h.hlc = (uint64_t)sqlite3_column_int64(q, 1);
		rc = sq_text(q, 2, h.device, sizeof(h.device));
		h.deleted = sqlite3_column_int(q, 3);
		h.private_ = sqlite3_column_int(q, 4);
		h.seq = (uint64_t)sqlite3_column_int64(q, 5);
		if (rc == CAIRN_OK)
			*out = h;
	} else if (rc == SQLITE_DONE) {
		rc = CAIRN_ENOTFOUND;
	} else {
		rc = sq_fail(s, rc, "record_get");
	}
	sq_done(q);
	return rc;
}

static int
sq_next_seq(struct sq_store *s, enum sq_stmt id, uint64_t *out)
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

static int
sq_record_put(struct store *st, const struct store_record *r, int *applied)
{
	struct sq_store *s = sq(st);
	struct store_record_head cur;
	sqlite3_stmt *q;
	uint64_t seq;
	int rc;

	rc = sq_record_get(st, r->id, &cur);
	if (rc == CAIRN_OK) {
		if (cur.owner_id != r->owner_id)
			return CAIRN_EFORBIDDEN;
		if (hlc_version_cmp(r->hlc, r->device, cur.hlc, cur.device) <=
		    0) {
			*applied = 0;
			return CAIRN_OK;
		}
	} else if (rc != CAIRN_ENOTFOUND) {
		return rc;
	}
	if ((rc = sq_next_seq(s, SQ_RECORD_NEXT_SEQ, &seq)) != CAIRN_OK)
		return rc;
	if ((q = sq_get(s, SQ_RECORD_UPSERT)) == NULL)
		return CAIRN_ESTORAGE;
	sqlite3_bind_text(q, 1, r->id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 2, r->owner_id);
	sqlite3_bind_int(q, 3, r->kind);
	sqlite3_bind_int64(q, 4, (sqlite3_int64)r->hlc);
	sqlite3_bind_text(q, 5, r->device, -1, SQLITE_STATIC);
	sqlite3_bind_int(q, 6, r->deleted ? 1 : 0);
	sqlite3_bind_int(q, 7, r->private_ ? 1 : 0);
	sqlite3_bind_blob(q, 8, r->body_len > 0 ? (const void *)r->body : "",
	                  (int)r->body_len, SQLITE_STATIC);
	sqlite3_bind_int64(q, 9, (sqlite3_int64)seq);
	if ((rc = sq_exec_stmt(s, q, "record_put")) != CAIRN_OK)
		return rc;
	s->wrote = 1;
	*applied = 1;
	return CAIRN_OK;
}

/*
 * Today a user reads their own records (private ones included), in seq
 * order straight off the (owner_id, seq) index: no sort, so a batch costs
 * its size whatever the history. Partners and mentors will widen SQ_PULL
 * to visible owners' non-private records, walked along the seq index.
 */
static int
sq_pull(struct store *st, int64_t user_id, uint64_t cursor, store_record_cb cb,
        void *arg)
{
	struct sq_store *s = sq(st);
	struct store_record r;
	sqlite3_stmt *q;
	int rc;

	if ((q = sq_get(s, SQ_PULL)) == NULL)
		return CAIRN_ESTORAGE;
	sqlite3_bind_int64(q, 1, user_id);
	sqlite3_bind_int64(q, 2, (sqlite3_int64)cursor);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		memset(&r, 0, sizeof(r));
		r.id = (const char *)sqlite3_column_text(q, 0);
		r.kind = sqlite3_column_int(q, 1);
		r.owner_id = sqlite3_column_int64(q, 2);
		r.owner = (const char *)sqlite3_column_text(q, 3);
		r.hlc = (uint64_t)sqlite3_column_int64(q, 4);
		r.device = (const char *)sqlite3_column_text(q, 5);
		r.deleted = sqlite3_column_int(q, 6);
		r.private_ = sqlite3_column_int(q, 7);
		r.body = sqlite3_column_blob(q, 8);
		r.body_len = (size_t)sqlite3_column_bytes(q, 8);
		r.seq = (uint64_t)sqlite3_column_int64(q, 9);
		if (r.id == NULL || r.owner == NULL || r.device == NULL) {
			rc = CAIRN_ESTORAGE;
			goto out;
		}
		rc = cb(arg, &r);
		if (rc != 0) {
			rc = rc > 0 ? CAIRN_OK : rc;
			goto out;
		}
	}
	rc = rc == SQLITE_DONE ? CAIRN_OK : sq_fail(s, rc, "pull");
out:
	sq_done(q);
	return rc;
}

static int
sq_max_seq(struct store *st, uint64_t *out)
{
	return sq_next_seq(sq(st), SQ_MAX_SEQ, out);
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
        .invite_create = sq_invite_create,
        .invite_consume = sq_invite_consume,
        .record_get = sq_record_get,
        .record_put = sq_record_put,
        .pull = sq_pull,
        .max_seq = sq_max_seq,
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
		snprintf(err, errlen,
		         "database schema version %d is newer "
		         "than this cairnd (%d); upgrade cairnd",
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

int
store_sqlite_open(const char *path, struct store **out, char *err,
                  size_t errlen)
{
	static const char *pragmas = "PRAGMA journal_mode = WAL;"
	                             "PRAGMA synchronous = FULL;"
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
	*out = &s->base;
	return CAIRN_OK;
fail:
	sq_close(&s->base);
	return rc;
}
