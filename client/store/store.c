/*
 * The client's local store: one SQLite database per home holding every
 * record version this home knows and a small key/value meta table (handle,
 * device, token, cursor, epoch, clock, timer). This file opens the store,
 * runs its migrations and serves the commands; store-sync.c holds what
 * only sync uses. Every statement is prepared with bound parameters.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "cairn.h"
#include "err.h"
#include "hlc.h"
#include "store-int.h"

/*
 * Migrations, one per schema version. Version N is reached by running
 * migrations[N - 1]; PRAGMA user_version records the version reached.
 */
static const char *const migrations[] = {
        /* 1: meta and records. */
        "CREATE TABLE meta ("
        "  key TEXT PRIMARY KEY,"
        "  value TEXT NOT NULL"
        ");"
        "CREATE TABLE records ("
        "  id TEXT PRIMARY KEY,"
        "  kind INTEGER NOT NULL,"
        "  owner TEXT NOT NULL,"
        "  hlc INTEGER NOT NULL,"
        "  device TEXT NOT NULL,"
        "  deleted INTEGER NOT NULL DEFAULT 0,"
        "  private INTEGER NOT NULL DEFAULT 0,"
        "  body BLOB,"
        "  at INTEGER NOT NULL DEFAULT 0,"
        "  dirty INTEGER NOT NULL DEFAULT 0"
        ");"
        "CREATE INDEX records_kind_at ON records(kind, at);"
        "CREATE INDEX records_dirty ON records(dirty) WHERE dirty = 1;",
        /*
         * 2: dirty 2 marks a version to push again as it is (after a
         * server reset), dirty 1 one written here; the index covers both.
         */
        "DROP INDEX records_dirty;"
        "CREATE INDEX records_dirty ON records(dirty) WHERE dirty > 0;",
        /*
         * 3: people. A record's subject (whose data it is about), what a
         * comment or review is on (target), the order records of others
         * arrived in (for the inbox); pending backfills of users who
         * became visible; a cache of what the server said (people).
         */
        "ALTER TABLE records ADD COLUMN subject TEXT NOT NULL DEFAULT '';"
        "UPDATE records SET subject = owner;"
        "ALTER TABLE records ADD COLUMN target TEXT NOT NULL DEFAULT '';"
        "ALTER TABLE records ADD COLUMN arrived INTEGER NOT NULL DEFAULT 0;"
        "CREATE INDEX records_target ON records(target) WHERE target <> '';"
        "CREATE TABLE backfills ("
        "  subject TEXT PRIMARY KEY,"
        "  upto INTEGER NOT NULL,"
        "  after INTEGER NOT NULL"
        ");"
        "CREATE TABLE cache ("
        "  key TEXT PRIMARY KEY,"
        "  value BLOB NOT NULL"
        ");",
        /*
         * 4: per-field merge and undo. own: the entry fields whose value
         * this home wrote (a pulled edit that replaces one unseen is
         * said). undo: each local write's previous state, grouped by the
         * transaction of the command that made it (store-undo.c).
         */
        "ALTER TABLE records ADD COLUMN own INTEGER NOT NULL DEFAULT 0;"
        "CREATE TABLE undo ("
        "  grp INTEGER NOT NULL,"
        "  id TEXT NOT NULL,"
        "  kind INTEGER NOT NULL,"
        "  existed INTEGER NOT NULL,"
        "  deleted INTEGER NOT NULL DEFAULT 0,"
        "  private INTEGER NOT NULL DEFAULT 0,"
        "  body BLOB,"
        "  subject TEXT NOT NULL DEFAULT '',"
        "  own INTEGER NOT NULL DEFAULT 0,"
        "  after BLOB,"
        "  after_deleted INTEGER NOT NULL,"
        "  after_private INTEGER NOT NULL,"
        "  fields INTEGER NOT NULL,"
        "  PRIMARY KEY (grp, id)"
        ");"
        "CREATE INDEX undo_id ON undo(id);",
};

#define STORE_VERSION ((int)(sizeof(migrations) / sizeof(migrations[0])))

void
rec_release(struct rec *r)
{
	if (r == NULL)
		return;
	free(r->body);
	r->body = NULL;
	r->body_len = 0;
}

void
rec_free_array(struct rec *recs, size_t n)
{
	size_t i;

	if (recs == NULL)
		return;
	for (i = 0; i < n; i++)
		rec_release(&recs[i]);
	free(recs);
}

const char *
store_errmsg(struct store *st)
{
	return st != NULL && st->db != NULL ? sqlite3_errmsg(st->db)
	                                    : "no database";
}

int
store_exec(struct store *st, const char *sql)
{
	if (sqlite3_exec(st->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return CAIRN_ESTORAGE;
	return CAIRN_OK;
}

int
store_prepare(struct store *st, const char *sql, sqlite3_stmt **out)
{
	if (sqlite3_prepare_v2(st->db, sql, -1, out, NULL) != SQLITE_OK) {
		*out = NULL;
		return CAIRN_ESTORAGE;
	}
	return CAIRN_OK;
}

int
store_begin(struct store *st)
{
	if (st->depth > 0) {
		st->depth++;
		return CAIRN_OK;
	}
	if (store_exec(st, "BEGIN IMMEDIATE") != CAIRN_OK)
		return CAIRN_ESTORAGE;
	st->depth = 1;
	return CAIRN_OK;
}

int
store_commit(struct store *st)
{
	if (st->depth == 0)
		return CAIRN_ESTORAGE;
	if (st->depth > 1) {
		st->depth--;
		return CAIRN_OK;
	}
	if (store_exec(st, "COMMIT") != CAIRN_OK)
		return CAIRN_ESTORAGE;
	st->depth = 0;
	st->group = 0;
	return CAIRN_OK;
}

void
store_rollback(struct store *st)
{
	if (st == NULL || st->depth == 0)
		return;
	sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	st->depth = 0;
	st->group = 0;
}

int
store_end(struct store *st, int rc)
{
	if (rc == CAIRN_OK && (rc = store_commit(st)) == CAIRN_OK)
		return CAIRN_OK;
	store_rollback(st);
	return rc;
}

static int
store_migrate(struct store *st)
{
	sqlite3_stmt *s = NULL;
	int version, rc = CAIRN_ESTORAGE;
	char sql[64];

	if (store_prepare(st, "PRAGMA user_version", &s) != CAIRN_OK)
		goto out;
	if (sqlite3_step(s) != SQLITE_ROW)
		goto out;
	version = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	s = NULL;
	if (version > STORE_VERSION) {
		rc = CAIRN_ESTORAGE;
		goto out;
	}
	while (version < STORE_VERSION) {
		if (store_begin(st) != CAIRN_OK)
			goto out;
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d",
		         version + 1);
		rc = store_exec(st, migrations[version]);
		if (rc == CAIRN_OK)
			rc = store_exec(st, sql);
		if ((rc = store_end(st, rc)) != CAIRN_OK)
			goto out;
		version++;
	}
	rc = CAIRN_OK;
out:
	sqlite3_finalize(s);
	return rc;
}

int
store_open(const char *path, int query_only, struct store **out,
           struct errbuf *err)
{
	struct store *st = NULL;
	int fd, rc = CAIRN_ESTORAGE;

	/* Create the file ourselves so its mode is 0600 whatever the umask. */
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		rc = errbuf_set(err, CAIRN_ESTORAGE, "cannot open %s: %s", path,
		                strerror(errno));
		goto out;
	}
	fchmod(fd, 0600);
	close(fd);

	st = calloc(1, sizeof(*st));
	if (st == NULL) {
		rc = CAIRN_ENOMEM;
		goto out;
	}
	if (sqlite3_open_v2(path, &st->db,
	                    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
	                    NULL) != SQLITE_OK) {
		rc = errbuf_set(err, CAIRN_ESTORAGE, "cannot open %s: %s", path,
		                store_errmsg(st));
		goto out;
	}
	sqlite3_busy_timeout(st->db, 5000);
	/*
	 * Every cairn command opens and closes the store. Closing the last
	 * connection would checkpoint the WAL into the database and delete
	 * it (two fsyncs), and the next command would create it again (two
	 * more, the directory's included): a no-op sync spent most of its
	 * time there. The WAL stays; SQLite checkpoints it past 1,000 pages.
	 */
	sqlite3_db_config(st->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
	if (store_exec(st, "PRAGMA journal_mode = WAL") != CAIRN_OK ||
	    store_exec(st, "PRAGMA synchronous = NORMAL") != CAIRN_OK ||
	    store_exec(st, "PRAGMA foreign_keys = ON") != CAIRN_OK)
		goto fail;
	if (store_migrate(st) != CAIRN_OK) {
		rc = errbuf_set(
		        err, CAIRN_ESTORAGE,
		        "cannot prepare %s: %s (is it a cairn database of a newer version?)",
		        path, store_errmsg(st));
		goto out;
	}
	if (query_only && store_exec(st, "PRAGMA query_only = 1") != CAIRN_OK)
		goto fail;
	*out = st;
	st = NULL;
	rc = CAIRN_OK;
	goto out;
fail:
	rc = errbuf_set(err, CAIRN_ESTORAGE, "%s: %s", path, store_errmsg(st));
out:
	store_close(st);
	return rc;
}

void
store_close(struct store *st)
{
	if (st == NULL)
		return;
	store_rollback(st);
	sqlite3_finalize(st->write_row);
	sqlite3_close(st->db);
	free(st);
}

/*
 * Runs a one-column query keyed by key (?1): CAIRN_OK with the row ready
 * in *s, CAIRN_ENOTFOUND without one, CAIRN_ESTORAGE. The caller reads
 * the value and finalizes *s in every case.
 */
static int
select_value(struct store *st, const char *sql, const char *key,
             sqlite3_stmt **s)
{
	int step;

	if (store_prepare(st, sql, s))
		return CAIRN_ESTORAGE;
	sqlite3_bind_text(*s, 1, key, -1, SQLITE_STATIC);
	step = sqlite3_step(*s);
	if (step == SQLITE_ROW)
		return CAIRN_OK;
	return step == SQLITE_DONE ? CAIRN_ENOTFOUND : CAIRN_ESTORAGE;
}

int
store_meta_get(struct store *st, const char *key, char *out, size_t len)
{
	sqlite3_stmt *s = NULL;
	const unsigned char *v;
	size_t n;
	int rc;

	rc = select_value(st, "SELECT value FROM meta WHERE key = ?1", key, &s);
	if (rc != CAIRN_OK)
		goto out;
	v = sqlite3_column_text(s, 0);
	n = (size_t)sqlite3_column_bytes(s, 0);
	if (v == NULL || n >= len) {
		rc = CAIRN_ETOOBIG;
		goto out;
	}
	memcpy(out, v, n);
	out[n] = '\0';
out:
	sqlite3_finalize(s);
	return rc;
}

int
store_meta_set(struct store *st, const char *key, const char *value)
{
	sqlite3_stmt *s = NULL;
	int rc = CAIRN_ESTORAGE;

	if (store_prepare(
	            st,
	            "INSERT INTO meta(key, value) VALUES(?1, ?2) "
	            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
	            &s))
		goto out;
	sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, value, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_DONE)
		rc = CAIRN_OK;
out:
	sqlite3_finalize(s);
	return rc;
}

int
store_meta_del(struct store *st, const char *key)
{
	sqlite3_stmt *s = NULL;
	int rc = CAIRN_ESTORAGE;

	if (store_prepare(st, "DELETE FROM meta WHERE key = ?1", &s))
		goto out;
	sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_DONE)
		rc = CAIRN_OK;
out:
	sqlite3_finalize(s);
	return rc;
}

int
store_meta_get_u64(struct store *st, const char *key, uint64_t *v)
{
	char buf[32], *end;
	unsigned long long x;
	int rc;

	rc = store_meta_get(st, key, buf, sizeof(buf));
	if (rc == CAIRN_ENOTFOUND) {
		*v = 0;
		return CAIRN_OK;
	}
	if (rc != CAIRN_OK)
		return rc;
	errno = 0;
	x = strtoull(buf, &end, 10);
	if (errno != 0 || *end != '\0' || end == buf)
		return CAIRN_ESTORAGE;
	*v = (uint64_t)x;
	return CAIRN_OK;
}

int
store_meta_set_u64(struct store *st, const char *key, uint64_t v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%" PRIu64, v);
	return store_meta_set(st, key, buf);
}

int
store_device(struct store *st, char out[CLI_DEVICE_MAX + 1])
{
	char id[UUID_LEN + 1];
	int rc;

	rc = store_meta_get(st, "device_id", out, CLI_DEVICE_MAX + 1);
	if (rc != CAIRN_ENOTFOUND)
		return rc;
	rc = store_meta_get(st, "local_device", out, CLI_DEVICE_MAX + 1);
	if (rc != CAIRN_ENOTFOUND)
		return rc;
	/* Never logged in: a local id of our own, kept until a push. */
	if ((rc = uuid_new(id)) != CAIRN_OK)
		return rc;
	if ((rc = store_meta_set(st, "local_device", id)) != CAIRN_OK)
		return rc;
	memcpy(out, id, sizeof(id));
	return CAIRN_OK;
}

int
store_tick(struct store *st, uint64_t *out)
{
	uint64_t last, now;
	int rc;

	if ((rc = store_meta_get_u64(st, "hlc", &last)) != CAIRN_OK)
		return rc;
	now = hlc_tick(last, hlc_wall_ms());
	if ((rc = store_meta_set_u64(st, "hlc", now)) != CAIRN_OK)
		return rc;
	*out = now;
	return CAIRN_OK;
}

int
store_observe(struct store *st, uint64_t remote)
{
	uint64_t last;
	int rc;

	if ((rc = store_meta_get_u64(st, "hlc", &last)) != CAIRN_OK)
		return rc;
	return store_meta_set_u64(st, "hlc",
	                          hlc_observe(last, remote, hlc_wall_ms()));
}

int
store_write_row(struct store *st, const struct rec *r)
{
	sqlite3_stmt *s = st->write_row;
	int rc = CAIRN_ESTORAGE;

	if (s == NULL &&
	    sqlite3_prepare_v3(
	            st->db,
	            "INSERT INTO records(id, kind, owner, hlc, device, deleted,"
	            " private, body, at, dirty, subject, target, arrived, own)"
	            " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12,"
	            " ?13, ?14)"
	            " ON CONFLICT(id) DO UPDATE SET kind = excluded.kind,"
	            " owner = excluded.owner, hlc = excluded.hlc,"
	            " device = excluded.device, deleted = excluded.deleted,"
	            " private = excluded.private, body = excluded.body,"
	            " at = excluded.at, dirty = excluded.dirty,"
	            " subject = excluded.subject, target = excluded.target,"
	            " arrived = excluded.arrived, own = excluded.own",
	            -1, SQLITE_PREPARE_PERSISTENT, &st->write_row,
	            NULL) != SQLITE_OK)
		return CAIRN_ESTORAGE;
	s = st->write_row;
	sqlite3_bind_text(s, 1, r->id, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 2, r->kind);
	sqlite3_bind_text(s, 3, r->owner, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 4, (sqlite3_int64)r->hlc);
	sqlite3_bind_text(s, 5, r->device, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 6, r->deleted ? 1 : 0);
	sqlite3_bind_int(s, 7, r->priv ? 1 : 0);
	if (r->body != NULL && r->body_len > 0)
		sqlite3_bind_blob(s, 8, r->body, (int)r->body_len,
		                  SQLITE_STATIC);
	else
		sqlite3_bind_null(s, 8);
	sqlite3_bind_int64(s, 9, r->at);
	sqlite3_bind_int(s, 10, r->dirty);
	sqlite3_bind_text(s, 11, r->subject[0] != '\0' ? r->subject : r->owner,
	                  -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 12, r->target, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 13, (sqlite3_int64)r->arrived);
	sqlite3_bind_int64(s, 14, (sqlite3_int64)r->own);
	if (sqlite3_step(s) == SQLITE_DONE)
		rc = CAIRN_OK;
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return rc;
}

/*
 * Sets the field clocks of a new entry version r against the previous
 * head prev (NULL if none, or a tombstone): a field whose value changed
 * takes r's hlc and remembers the clock it replaced (its base); the
 * others keep theirs. A body restored over a tombstone (undo of an rm)
 * keeps the clocks it carries. *changed gets the changed fields. A body
 * that does not decode (never one a command wrote) is stored as it is.
 */
static int
entry_stamp(struct rec *r, const struct rec *prev, unsigned *changed)
{
	Cairn__Entry *e = NULL, *p = NULL;
	struct entry_clocks pc, nc;
	unsigned bit, diff = 0;
	int f, rc = CAIRN_OK;

	*changed = 0;
	if ((e = entryrec_unpack(r)) == NULL)
		goto out;
	if (prev != NULL && !prev->deleted)
		p = entryrec_unpack(prev);
	if (p != NULL)
		entryrec_clocks(p, prev->hlc, &pc);
	else
		entryrec_clocks(e, e->clocks_for, &pc);
	for (f = 1; f <= ENTRY_FIELDS; f++) {
		bit = 1u << f;
		if (p == NULL) {
			/* New: every field is ours; restored: as it was. */
			nc.hlc[f] = e->clocks_for != 0 ? pc.hlc[f] : r->hlc;
			nc.base[f] = e->clocks_for != 0 ? pc.base[f] : 0;
			diff |= bit;
		} else if (!entryrec_field_equal(p, prev->priv, e, r->priv,
		                                 f)) {
			nc.hlc[f] = r->hlc;
			nc.base[f] = pc.hlc[f];
			diff |= bit;
		} else {
			nc.hlc[f] = pc.hlc[f];
			nc.base[f] = pc.base[f];
		}
	}
	r->own = p != NULL ? prev->own | diff : ENTRY_FIELDS_ALL;
	*changed = diff;
	rc = entryrec_pack_clocks(r, e, NULL, 0, &nc, r->hlc);
out:
	if (e != NULL)
		cairn__entry__free_unpacked(e, NULL);
	if (p != NULL)
		cairn__entry__free_unpacked(p, NULL);
	return rc;
}

int
store_put(struct store *st, struct rec *r)
{
	return store_put_flags(st, r, 0);
}

int
store_put_flags(struct store *st, struct rec *r, int flags)
{
	char owner[HANDLE_MAX + 1];
	struct rec prev;
	unsigned changed = 0;
	int rc, had;

	memset(&prev, 0, sizeof(prev));
	if ((rc = store_begin(st)) != CAIRN_OK)
		goto out;
	if ((rc = store_device(st, r->device)) != CAIRN_OK)
		goto fail;
	rc = store_meta_get(st, "handle", owner, sizeof(owner));
	if (rc == CAIRN_ENOTFOUND)
		owner[0] = '\0';
	else if (rc != CAIRN_OK)
		goto fail;
	memcpy(r->owner, owner, sizeof(owner));
	/* Entries and plans are about their owner; comments say whose. */
	if (r->kind != CAIRN__KIND__KIND_COMMENT &&
	    r->kind != CAIRN__KIND__KIND_REVIEW)
		memcpy(r->subject, owner, sizeof(owner));
	else if (r->subject[0] == '\0')
		memcpy(r->subject, owner, sizeof(owner));
	r->arrived = 0;
	rc = store_head(st, r->id, &prev);
	if (rc != CAIRN_OK && rc != CAIRN_ENOTFOUND)
		goto fail;
	had = rc == CAIRN_OK;
	if ((rc = store_tick(st, &r->hlc)) != CAIRN_OK)
		goto fail;
	r->own = 0;
	if (r->kind == CAIRN__KIND__KIND_ENTRY && !r->deleted &&
	    (rc = entry_stamp(r, had ? &prev : NULL, &changed)) != CAIRN_OK)
		goto fail;
	r->dirty = 1;
	if ((rc = store_write_row(st, r)) != CAIRN_OK)
		goto fail;
	if (!(flags & STORE_PUT_NO_JOURNAL))
		rc = store_journal(st, had ? &prev : NULL, r, changed);
fail:
	rc = store_end(st, rc);
out:
	rec_release(&prev);
	return rc;
}

static void
copy_col(sqlite3_stmt *s, int col, char *out, size_t len)
{
	const unsigned char *v = sqlite3_column_text(s, col);
	size_t n = (size_t)sqlite3_column_bytes(s, col);

	if (v == NULL || n >= len)
		n = 0;
	if (n > 0)
		memcpy(out, v, n);
	out[n] = '\0';
}

int
store_row_to_rec(sqlite3_stmt *s, struct rec *r, int copy_body)
{
	const void *b;
	size_t n;

	memset(r, 0, sizeof(*r));
	copy_col(s, 0, r->id, sizeof(r->id));
	r->kind = sqlite3_column_int(s, 1);
	copy_col(s, 2, r->owner, sizeof(r->owner));
	r->hlc = (uint64_t)sqlite3_column_int64(s, 3);
	copy_col(s, 4, r->device, sizeof(r->device));
	r->deleted = sqlite3_column_int(s, 5);
	r->priv = sqlite3_column_int(s, 6);
	b = sqlite3_column_blob(s, 7);
	n = (size_t)sqlite3_column_bytes(s, 7);
	r->at = sqlite3_column_int64(s, 8);
	r->dirty = sqlite3_column_int(s, 9);
	copy_col(s, 10, r->subject, sizeof(r->subject));
	copy_col(s, 11, r->target, sizeof(r->target));
	r->arrived = (uint64_t)sqlite3_column_int64(s, 12);
	r->own = (unsigned)sqlite3_column_int64(s, 13);
	if (b == NULL || n == 0)
		return CAIRN_OK;
	if (!copy_body) {
		/* Borrowed until the next step: only for callbacks. */
		r->body = (uint8_t *)(uintptr_t)b;
		r->body_len = n;
		return CAIRN_OK;
	}
	r->body = malloc(n);
	if (r->body == NULL)
		return CAIRN_ENOMEM;
	memcpy(r->body, b, n);
	r->body_len = n;
	return CAIRN_OK;
}

/* The smallest string greater than every string starting with prefix. */
static int
prefix_upper(const char *prefix, char *out, size_t len)
{
	size_t n = strlen(prefix);

	if (n == 0 || n >= len)
		return CAIRN_EINVAL;
	memcpy(out, prefix, n + 1);
	out[n - 1]++;
	return CAIRN_OK;
}

int
store_head(struct store *st, const char *id, struct rec *out)
{
	sqlite3_stmt *s = NULL;
	struct rec r;
	int rc = CAIRN_ESTORAGE, step;

	memset(&r, 0, sizeof(r));
	if (store_prepare(st,
	                  "SELECT " REC_COLUMNS " FROM records WHERE id = ?1",
	                  &s))
		goto out;
	sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
	step = sqlite3_step(s);
	if (step == SQLITE_DONE) {
		rc = CAIRN_ENOTFOUND;
		goto out;
	}
	if (step != SQLITE_ROW)
		goto out;
	if ((rc = store_row_to_rec(s, &r, 1)) != CAIRN_OK)
		goto out;
	*out = r;
	memset(&r, 0, sizeof(r));
out:
	rec_release(&r);
	sqlite3_finalize(s);
	return rc;
}

int
store_get(struct store *st, const char *prefix, struct rec *out)
{
	return store_get_kind(st, 0, prefix, out);
}

int
store_get_kind(struct store *st, int kind, const char *prefix, struct rec *out)
{
	sqlite3_stmt *s = NULL;
	char upper[UUID_LEN + 1];
	struct rec r;
	int rc = CAIRN_ESTORAGE, step;

	memset(&r, 0, sizeof(r));
	if (strlen(prefix) < 6 || !uuid_prefix_valid(prefix) ||
	    prefix_upper(prefix, upper, sizeof(upper)) != CAIRN_OK) {
		rc = CAIRN_EINVAL;
		goto out;
	}
	if (store_prepare(st,
	                  "SELECT " REC_COLUMNS " FROM records"
	                  " WHERE id >= ?1 AND id < ?2 AND deleted = 0"
	                  " AND (?3 = 0 OR kind = ?3) LIMIT 2",
	                  &s))
		goto out;
	sqlite3_bind_text(s, 1, prefix, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, upper, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 3, kind);
	step = sqlite3_step(s);
	if (step == SQLITE_DONE) {
		rc = CAIRN_ENOTFOUND;
		goto out;
	}
	if (step != SQLITE_ROW)
		goto out;
	if ((rc = store_row_to_rec(s, &r, 1)) != CAIRN_OK)
		goto out;
	step = sqlite3_step(s);
	if (step == SQLITE_ROW) {
		rc = CAIRN_EAMBIGUOUS;
		goto out;
	}
	if (step != SQLITE_DONE) {
		rc = CAIRN_ESTORAGE;
		goto out;
	}
	*out = r;
	memset(&r, 0, sizeof(r));
	rc = CAIRN_OK;
out:
	rec_release(&r);
	sqlite3_finalize(s);
	return rc;
}

int
store_list(struct store *st, const struct store_filter *f,
           int (*cb)(void *arg, const struct rec *r), void *arg)
{
	sqlite3_stmt *s = NULL;
	struct rec r;
	int rc = CAIRN_ESTORAGE, step;

	if (store_prepare(
	            st,
	            "SELECT " REC_COLUMNS " FROM records"
	            " WHERE kind = ?1 AND at >= ?2 AND at < ?3 AND deleted = 0"
	            " AND (?4 IS NULL OR owner = ?4)"
	            " ORDER BY at DESC, id DESC LIMIT ?5",
	            &s))
		goto out;
	sqlite3_bind_int(s, 1, CAIRN__KIND__KIND_ENTRY);
	sqlite3_bind_int64(s, 2, f->since);
	sqlite3_bind_int64(s, 3, f->until);
	if (f->owner != NULL)
		sqlite3_bind_text(s, 4, f->owner, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(s, 4);
	sqlite3_bind_int64(s, 5, f->limit > 0 ? f->limit : -1);
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		store_row_to_rec(s, &r, 0);
		if ((rc = cb(arg, &r)) != 0)
			goto out;
	}
	rc = step == SQLITE_DONE ? CAIRN_OK : CAIRN_ESTORAGE;
out:
	sqlite3_finalize(s);
	return rc;
}

int
store_count_where(struct store *st, const char *sql, const char *text,
                  uint64_t *n)
{
	sqlite3_stmt *s = NULL;
	int rc = CAIRN_ESTORAGE;

	if (store_prepare(st, sql, &s))
		goto out;
	if (text != NULL)
		sqlite3_bind_text(s, 1, text, -1, SQLITE_STATIC);
	if (sqlite3_step(s) != SQLITE_ROW)
		goto out;
	*n = (uint64_t)sqlite3_column_int64(s, 0);
	rc = CAIRN_OK;
out:
	sqlite3_finalize(s);
	return rc;
}

int
store_count_dirty(struct store *st, uint64_t *n)
{
	return store_count_where(
	        st, "SELECT count(*) FROM records WHERE dirty > 0", NULL, n);
}

int
store_count_foreign(struct store *st, const char *handle, uint64_t *n)
{
	char prev[HANDLE_MAX + 1];
	int rc;

	/*
	 * Another learner's own records: those of the handle this home was
	 * logged in as before. Partners' records are a cache of the server,
	 * not this home's work (store_drop_cache forgets them).
	 */
	rc = store_meta_get(st, "handle", prev, sizeof(prev));
	if (rc == CAIRN_ENOTFOUND)
		return store_count_where(st,
		                         "SELECT count(*) FROM records WHERE "
		                         "owner <> '' AND owner <> ?1",
		                         handle, n);
	if (rc != CAIRN_OK)
		return rc;
	if (strcmp(prev, handle) == 0) {
		*n = 0;
		return CAIRN_OK;
	}
	return store_count_where(
	        st, "SELECT count(*) FROM records WHERE owner = ?1", prev, n);
}

int
store_drop_cache(struct store *st, const char *handle)
{
	sqlite3_stmt *s = NULL;
	int rc;

	if ((rc = store_begin(st)) != CAIRN_OK)
		return rc;
	rc = CAIRN_ESTORAGE;
	if (store_prepare(
	            st, "DELETE FROM records WHERE owner <> '' AND owner <> ?1",
	            &s))
		goto fail;
	sqlite3_bind_text(s, 1, handle, -1, SQLITE_STATIC);
	if (sqlite3_step(s) != SQLITE_DONE ||
	    store_exec(st, "DELETE FROM backfills") != CAIRN_OK ||
	    store_exec(st, "DELETE FROM cache") != CAIRN_OK ||
	    (rc = store_meta_set_u64(st, "cursor", 0)) != CAIRN_OK) {
		rc = CAIRN_ESTORAGE;
		goto fail;
	}
	rc = CAIRN_OK;
fail:
	sqlite3_finalize(s);
	return store_end(st, rc);
}

int
store_cache_get(struct store *st, const char *key, uint8_t **out, size_t *len)
{
	sqlite3_stmt *s = NULL;
	const void *b;
	size_t n;
	int rc;

	rc = select_value(st, "SELECT value FROM cache WHERE key = ?1", key,
	                  &s);
	if (rc != CAIRN_OK)
		goto out;
	b = sqlite3_column_blob(s, 0);
	n = (size_t)sqlite3_column_bytes(s, 0);
	if ((*out = malloc(n > 0 ? n : 1)) == NULL) {
		rc = CAIRN_ENOMEM;
		goto out;
	}
	if (n > 0)
		memcpy(*out, b, n);
	*len = n;
out:
	sqlite3_finalize(s);
	return rc;
}

int
store_cache_put(struct store *st, const char *key, const uint8_t *p, size_t len)
{
	sqlite3_stmt *s = NULL;
	int rc = CAIRN_ESTORAGE;

	if (store_prepare(
	            st,
	            "INSERT INTO cache(key, value) VALUES(?1, ?2) "
	            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
	            &s))
		goto out;
	sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_blob(s, 2, len > 0 ? (const void *)p : "", (int)len,
	                  SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_DONE)
		rc = CAIRN_OK;
out:
	sqlite3_finalize(s);
	return rc;
}

int
store_claim(struct store *st, const char *handle)
{
	sqlite3_stmt *s = NULL;
	int rc = CAIRN_ESTORAGE;

	if (store_prepare(st,
	                  "UPDATE records SET owner = ?1, subject = CASE"
	                  " WHEN subject = '' THEN ?1 ELSE subject END"
	                  " WHERE owner = ''",
	                  &s))
		goto out;
	sqlite3_bind_text(s, 1, handle, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_DONE)
		rc = CAIRN_OK;
out:
	sqlite3_finalize(s);
	return rc;
}

int
store_list_kind(struct store *st, int kind, const char *owner,
                int (*cb)(void *arg, const struct rec *r), void *arg)
{
	sqlite3_stmt *s = NULL;
	struct rec r;
	int rc = CAIRN_ESTORAGE, step;

	if (store_prepare(st,
	                  "SELECT " REC_COLUMNS " FROM records"
	                  " WHERE kind = ?1 AND deleted = 0"
	                  " AND (?2 IS NULL OR owner = ?2) ORDER BY hlc, id",
	                  &s))
		goto out;
	sqlite3_bind_int(s, 1, kind);
	if (owner != NULL)
		sqlite3_bind_text(s, 2, owner, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(s, 2);
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		store_row_to_rec(s, &r, 0);
		if ((rc = cb(arg, &r)) != 0)
			goto out;
	}
	rc = step == SQLITE_DONE ? CAIRN_OK : CAIRN_ESTORAGE;
out:
	sqlite3_finalize(s);
	return rc;
}

/* Runs a REC_COLUMNS query with up to two text parameters, rows to cb. */
static int
list_query(struct store *st, const char *sql, const char *p1, const char *p2,
           int64_t p3, int (*cb)(void *arg, const struct rec *r), void *arg)
{
	sqlite3_stmt *s = NULL;
	struct rec r;
	int rc = CAIRN_ESTORAGE, step;

	if (store_prepare(st, sql, &s))
		goto out;
	if (p1 != NULL)
		sqlite3_bind_text(s, 1, p1, -1, SQLITE_STATIC);
	if (p2 != NULL)
		sqlite3_bind_text(s, 2, p2, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, p3);
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		store_row_to_rec(s, &r, 0);
		if ((rc = cb(arg, &r)) != 0)
			goto out;
	}
	rc = step == SQLITE_DONE ? CAIRN_OK : CAIRN_ESTORAGE;
out:
	sqlite3_finalize(s);
	return rc;
}

int
store_list_on(struct store *st, int kind, const char *target,
              const char *subject, int (*cb)(void *arg, const struct rec *r),
              void *arg)
{
	return list_query(st,
	                  "SELECT " REC_COLUMNS " FROM records"
	                  " WHERE target = ?1 AND kind = ?3 AND deleted = 0"
	                  " AND (?2 IS NULL OR subject = ?2) ORDER BY at, id",
	                  target, subject, kind, cb, arg);
}

int
store_list_about(struct store *st, const char *me, uint64_t after,
                 int (*cb)(void *arg, const struct rec *r), void *arg)
{
	return list_query(
	        st,
	        "SELECT " REC_COLUMNS " FROM records"
	        " WHERE subject = ?1 AND owner <> ?1 AND kind IN (4, 5)"
	        " AND deleted = 0 AND arrived > ?3"
	        " ORDER BY arrived DESC, id LIMIT 1000",
	        me, NULL, (int64_t)after, cb, arg);
}

int
store_has_others(struct store *st, const char *me, int *yes)
{
	uint64_t n = 0;
	int rc;

	rc = store_count_where(st,
	                       "SELECT count(*) FROM (SELECT 1 FROM records "
	                       "WHERE kind = 1 AND owner <> '' AND owner <> ?1 "
	                       "LIMIT 1)",
	                       me, &n);
	*yes = n > 0;
	return rc;
}
