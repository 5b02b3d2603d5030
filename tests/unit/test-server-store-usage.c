/*
 * Unit tests of the per-user usage the store keeps for quotas (store.h,
 * struct store_usage): record_put moves it for new records, new versions,
 * tombstones and resurrections, for the owner only, inside the
 * transaction (a savepoint rolled back takes its counts with it); and a
 * database of schema 2 gets its counts right when it is migrated.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "err.h"
#include "hlc.h"
#include "store.h"
#include "store-backend.h"

#define DEV_A "aaaaaaaa-0000-4000-8000-000000000001"
#define REC_1 "11111111-0000-4000-8000-000000000001"
#define REC_2 "22222222-0000-4000-8000-000000000002"
#define REC_3 "33333333-0000-4000-8000-000000000003"
#define OVH STORE_RECORD_OVERHEAD

struct fixture {
	char dir[64];
	char path[256];
	struct store *st;
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char err[256];

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/cairn-usage-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	backend_db(f->path, sizeof(f->path), f->dir);
	assert_int_equal(store_open(f->path, &f->st, err, sizeof(err)),
	                 CAIRN_OK);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[160];

	if (f->st != NULL)
		f->st->ops->close(f->st);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

static int64_t
make_user(struct store *st, const char *handle)
{
	struct store_user u;

	memset(&u, 0, sizeof(u));
	snprintf(u.handle, sizeof(u.handle), "%s", handle);
	u.n = 1;
	u.r = 1;
	u.p = 1;
	assert_int_equal(st->ops->user_create(st, &u), CAIRN_OK);
	return u.id;
}

/* Stores a version of len body bytes (a tombstone when deleted). */
static void
put(struct store *st, int64_t owner, int64_t subject, const char *id,
    uint64_t hlc, int deleted, size_t len)
{
	static uint8_t body[4096];
	struct store_record r;

	memset(&r, 0, sizeof(r));
	r.id = id;
	r.kind = 1;
	r.owner_id = owner;
	r.subject_id = subject;
	r.hlc = hlc;
	r.device = DEV_A;
	r.deleted = deleted;
	r.body = deleted ? NULL : body;
	r.body_len = deleted ? 0 : len;
	assert_int_equal(st->ops->record_put(st, &r), CAIRN_OK);
}

static void
assert_usage(struct store *st, int64_t user, uint64_t records, uint64_t bytes)
{
	struct store_usage u;

	assert_int_equal(st->ops->usage_get(st, user, &u), CAIRN_OK);
	assert_int_equal(u.records, records);
	assert_int_equal(u.bytes, bytes);
}

static void
test_usage_follows_record_put(void **state)
{
	struct fixture *f = *state;
	struct store *st = f->st;
	uint64_t t = hlc_make(1700000000000ull, 0);
	struct store_record_head h;
	int64_t alice, bob;

	alice = make_user(st, "alice");
	bob = make_user(st, "bob");
	assert_usage(st, alice, 0, 0);
	assert_usage(st, 999, 0, 0); /* no such user: nothing used */

	put(st, alice, 0, REC_1, t, 0, 100); /* new: +1, +100 */
	assert_usage(st, alice, 1, 100 + OVH);
	assert_int_equal(st->ops->record_get(st, REC_1, &h), CAIRN_OK);
	assert_int_equal(h.body_len, 100);
	put(st, alice, 0, REC_1, t + 1, 0, 40); /* a smaller version */
	assert_usage(st, alice, 1, 40 + OVH);
	put(st, alice, 0, REC_2, t + 2, 0, 10);
	assert_usage(st, alice, 2, 50 + 2 * OVH);
	put(st, alice, 0, REC_1, t + 3, 1, 0); /* deleted: frees a record */
	assert_usage(st, alice, 1, 10 + 2 * OVH);
	assert_int_equal(st->ops->record_get(st, REC_1, &h), CAIRN_OK);
	assert_int_equal(h.body_len, 0);
	put(st, alice, 0, REC_1, t + 4, 1, 0); /* a tombstone again */
	assert_usage(st, alice, 1, 10 + 2 * OVH);
	put(st, alice, 0, REC_1, t + 5, 0, 7); /* resurrected */
	assert_usage(st, alice, 2, 17 + 2 * OVH);
	put(st, alice, 0, REC_3, t + 6, 1, 0); /* born deleted */
	assert_usage(st, alice, 2, 17 + 3 * OVH);

	/* A comment of bob's on alice's entry is bob's to pay for. */
	put(st, bob, alice, "44444444-0000-4000-8000-000000000004", t, 0, 30);
	assert_usage(st, bob, 1, 30 + OVH);
	assert_usage(st, alice, 2, 17 + 3 * OVH);
}

static void
test_usage_is_transactional(void **state)
{
	struct fixture *f = *state;
	struct store *st = f->st;
	uint64_t t = hlc_make(1700000000000ull, 0);
	int64_t alice;

	alice = make_user(st, "alice");
	assert_int_equal(st->ops->begin(st, 1), CAIRN_OK);
	assert_int_equal(st->ops->savepoint(st, "job"), CAIRN_OK);
	put(st, alice, 0, REC_1, t, 0, 100);
	assert_usage(st, alice, 1, 100 + OVH); /* seen inside */
	assert_int_equal(st->ops->rollback_to(st, "job"), CAIRN_OK);
	assert_int_equal(st->ops->release(st, "job"), CAIRN_OK);
	assert_usage(st, alice, 0, 0);
	assert_int_equal(st->ops->savepoint(st, "job"), CAIRN_OK);
	put(st, alice, 0, REC_2, t, 0, 20);
	assert_int_equal(st->ops->release(st, "job"), CAIRN_OK);
	assert_int_equal(st->ops->commit(st), CAIRN_OK);
	assert_usage(st, alice, 1, 20 + OVH);
	assert_int_equal(st->ops->begin(st, 1), CAIRN_OK);
	put(st, alice, 0, REC_3, t, 0, 20);
	assert_int_equal(st->ops->rollback(st), CAIRN_OK);
	assert_usage(st, alice, 1, 20 + OVH);
}

/* Schema 2 as cairnd of that version made it (migrations 1 and 2). */
static const char *schema2 =
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
        "CREATE TABLE users (id INTEGER PRIMARY KEY, handle TEXT NOT NULL "
        "  UNIQUE, salt BLOB NOT NULL, hash BLOB NOT NULL, n INTEGER NOT "
        "  NULL, r INTEGER NOT NULL, p INTEGER NOT NULL, created_at INTEGER"
        "  NOT NULL);"
        "CREATE TABLE devices (id TEXT PRIMARY KEY, user_id INTEGER NOT NULL"
        "  REFERENCES users (id), name TEXT NOT NULL, token_hash BLOB NOT "
        "  NULL UNIQUE, created_at INTEGER NOT NULL, last_seen INTEGER NOT "
        "  NULL DEFAULT 0, revoked_at INTEGER NOT NULL DEFAULT 0);"
        "CREATE INDEX devices_user ON devices (user_id);"
        "CREATE TABLE invites (code TEXT PRIMARY KEY, uses_left INTEGER NOT "
        "  NULL, created_at INTEGER NOT NULL);"
        "CREATE TABLE records (id TEXT PRIMARY KEY, owner_id INTEGER NOT "
        "  NULL REFERENCES users (id), kind INTEGER NOT NULL, hlc INTEGER "
        "  NOT NULL, device TEXT NOT NULL, deleted INTEGER NOT NULL, private"
        "  INTEGER NOT NULL, body BLOB NOT NULL, seq INTEGER NOT NULL "
        "  UNIQUE);"
        "CREATE INDEX records_owner_seq ON records (owner_id, seq);"
        "ALTER TABLE records ADD COLUMN subject_id INTEGER NOT NULL "
        "  DEFAULT 0;"
        "UPDATE records SET subject_id = owner_id;"
        "ALTER TABLE records ADD COLUMN exposed INTEGER NOT NULL DEFAULT 0;"
        "CREATE INDEX records_subject_seq ON records (subject_id, seq);"
        "CREATE TABLE counter (id INTEGER PRIMARY KEY CHECK (id = 1),"
        "  seq INTEGER NOT NULL);"
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
        "  seq);"
        /* Users 7 and 8 and 9; 7 has two live records and a tombstone,
         * 8 a comment on 7's entry, 9 nothing. */
        "INSERT INTO users VALUES (7, 'old', x'00', x'00', 1, 1, 1, 1);"
        "INSERT INTO users VALUES (8, 'mentor', x'00', x'00', 1, 1, 1, 1);"
        "INSERT INTO users VALUES (9, 'idle', x'00', x'00', 1, 1, 1, 1);"
        "INSERT INTO records (id, owner_id, kind, hlc, device, deleted, "
        "  private, body, seq, subject_id, exposed) VALUES"
        "  ('" REC_1 "', 7, 1, 5, '" DEV_A
        "', 0, 0, x'0102030405', 1, 7, 1),  ('" REC_2 "', 7, 1, 6, '" DEV_A
        "', 0, 1, x'010203', 2, 7, 0),  ('" REC_3 "', 7, 1, 7, '" DEV_A
        "', 1, 0, x'', 3, 7, 1),  ('44444444-0000-4000-8000-000000000004', 8, 4, 8, '" DEV_A
        "', 0,"
        "   0, x'0102', 4, 7, 1);"
        "INSERT INTO counter VALUES (1, 4);"
        "INSERT INTO meta VALUES ('epoch', "
        "'0e0e0e0e-0000-4000-8000-000000000000');"
        "PRAGMA user_version = 2;";

static void
test_migration_from_v2_counts_usage(void **state)
{
	struct fixture *f = *state;
	uint64_t t = hlc_make(1700000000000ull, 0);
	char err[256];
	sqlite3 *db;
	sqlite3_stmt *q;

	if (backend_is_pg())
		skip(); /* a SQLite file's own history */

	f->st->ops->close(f->st);
	f->st = NULL;
	unlink(f->path);
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, schema2, NULL, NULL, NULL),
	                 SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(store_open(f->path, &f->st, err, sizeof(err)),
	                 CAIRN_OK);
	/* 7: two live records of 5 and 3 bytes, a tombstone: 3 stored. */
	assert_usage(f->st, 7, 2, 8 + 3 * OVH);
	assert_usage(f->st, 8, 1, 2 + OVH);
	assert_usage(f->st, 9, 0, 0);
	/* And the counts go on from there. */
	put(f->st, 7, 0, REC_3, t, 0, 10);
	assert_usage(f->st, 7, 3, 18 + 3 * OVH);
	put(f->st, 7, 0, REC_1, t, 1, 0);
	assert_usage(f->st, 7, 2, 13 + 3 * OVH);
	f->st->ops->close(f->st);
	f->st = NULL;

	/* The schema is at 4, and opening again migrates nothing twice. */
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(
	        sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &q, NULL),
	        SQLITE_OK);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(q, 0), 4);
	sqlite3_finalize(q);
	sqlite3_close(db);
	assert_int_equal(store_open(f->path, &f->st, err, sizeof(err)),
	                 CAIRN_OK);
	assert_usage(f->st, 7, 2, 13 + 3 * OVH);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_usage_follows_record_put,
	                                        setup, teardown),
	        cmocka_unit_test_setup_teardown(test_usage_is_transactional,
	                                        setup, teardown),
	        cmocka_unit_test_setup_teardown(
	                test_migration_from_v2_counts_usage, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
