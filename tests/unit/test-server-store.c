/*
 * Unit tests of the SQLite store through its vtable (server/store/store.h):
 * migrations and re-open, the epoch, users, devices and tokens, revoking
 * by prefix, invite codes, record_put and seq, relationships and groups,
 * and the changes query: cursor, limits, visibility (partners, mentors,
 * groups, private and once-shared records, comments about someone), access
 * events and backfills.
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
#define DEV_B "bbbbbbbb-0000-4000-8000-000000000002"
#define DEV_B2 "bbbbbbbb-1111-4000-8000-000000000003"
#define REC_1 "11111111-0000-4000-8000-000000000001"
#define REC_2 "22222222-0000-4000-8000-000000000002"
#define REC_3 "33333333-0000-4000-8000-000000000003"

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
	snprintf(f->dir, sizeof(f->dir), "/tmp/cairn-store-XXXXXX");
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
	char p[320];

	f->st->ops->close(f->st);
	snprintf(p, sizeof(p), "%s-wal", f->path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", f->path);
	unlink(p);
	snprintf(p, sizeof(p), "%s/.s.db.cairnd-mark", f->dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/.copy.db.cairnd-mark", f->dir);
	unlink(p);
	unlink(f->path);
	rmdir(f->dir);
	free(f);
	return 0;
}

static int64_t
make_user(struct store *st, const char *handle)
{
	struct store_user u;

	memset(&u, 0, sizeof(u));
	snprintf(u.handle, sizeof(u.handle), "%s", handle);
	memset(u.salt, 's', sizeof(u.salt));
	memset(u.hash, 'h', sizeof(u.hash));
	u.n = 16384;
	u.r = 8;
	u.p = 1;
	u.created_at = 1000;
	assert_int_equal(st->ops->user_create(st, &u), CAIRN_OK);
	assert_true(u.id > 0);
	return u.id;
}

static void
make_device(struct store *st, int64_t user, const char *id, uint8_t tok)
{
	struct store_device d;

	memset(&d, 0, sizeof(d));
	snprintf(d.id, sizeof(d.id), "%s", id);
	d.user_id = user;
	snprintf(d.name, sizeof(d.name), "laptop");
	memset(d.token_hash, tok, sizeof(d.token_hash));
	d.created_at = 2000;
	assert_int_equal(st->ops->device_create(st, &d), CAIRN_OK);
}

/* Stores a version (about subject; 0: the owner), private or not. */
static int
put_full(struct store *st, int64_t owner, int64_t subject, const char *id,
         uint64_t hlc, const char *device, int deleted, int priv)
{
	static const uint8_t body[] = {1, 2, 3};
	struct store_record r;

	memset(&r, 0, sizeof(r));
	r.id = id;
	r.kind = 1;
	r.owner_id = owner;
	r.subject_id = subject;
	r.hlc = hlc;
	r.device = device;
	r.deleted = deleted;
	r.private_ = priv;
	r.body = deleted ? NULL : body;
	r.body_len = deleted ? 0 : sizeof(body);
	assert_int_equal(st->ops->record_put(st, &r), CAIRN_OK);
	return 1;
}

static int
put(struct store *st, int64_t owner, const char *id, uint64_t hlc,
    const char *device, int deleted)
{
	return put_full(st, owner, 0, id, hlc, device, deleted, 0);
}

/* PostgreSQL: the version row of a newer cairnd is refused the same way. */
static void
test_pg_newer_schema(struct fixture *f)
{
	char name[64], err[256];

	backend_pg_name(f->path, name, sizeof(name));
	f->st->ops->close(f->st);
	f->st = NULL;
	assert_int_equal(
	        backend_sh(
	                "psql -qAt -d '%s' -c 'SELECT version FROM cairn_schema' | grep -qx 1 && psql -q -d '%s' -c 'UPDATE cairn_schema SET version = 99'",
	                name, name),
	        0);
	err[0] = '\0';
	assert_int_equal(store_open(f->path, &f->st, err, sizeof(err)),
	                 CAIRN_ESTORAGE);
	assert_non_null(strstr(err, "newer"));
	assert_int_equal(
	        backend_sh(
	                "psql -q -d '%s' -c 'UPDATE cairn_schema SET version = 1'",
	                name),
	        0);
	assert_int_equal(store_open(f->path, &f->st, err, sizeof(err)),
	                 CAIRN_OK);
}

static void
test_migrations_and_epoch(void **state)
{
	struct fixture *f = *state;
	char e1[UUID_LEN + 1], e2[UUID_LEN + 1], err[256];
	sqlite3 *db;
	sqlite3_stmt *q;

	assert_int_equal(f->st->ops->epoch(f->st, e1), CAIRN_OK);
	assert_true(uuid_valid(e1));
	f->st->ops->close(f->st);
	assert_int_equal(store_open(f->path, &f->st, err, sizeof(err)),
	                 CAIRN_OK);
	assert_int_equal(f->st->ops->epoch(f->st, e2), CAIRN_OK);
	assert_string_equal(e1, e2);
	if (backend_is_pg()) {
		test_pg_newer_schema(f);
		return;
	}

	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(
	        sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &q, NULL),
	        SQLITE_OK);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(q, 0), 4);
	sqlite3_finalize(q);
	/* A database from a newer cairnd is refused with a reason. */
	assert_int_equal(
	        sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL),
	        SQLITE_OK);
	sqlite3_close(db);
	f->st->ops->close(f->st);
	f->st = NULL;
	err[0] = '\0';
	assert_int_equal(store_open(f->path, &f->st, err, sizeof(err)),
	                 CAIRN_ESTORAGE);
	assert_non_null(strstr(err, "newer"));
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(
	        sqlite3_exec(db, "PRAGMA user_version = 4", NULL, NULL, NULL),
	        SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(store_open(f->path, &f->st, err, sizeof(err)),
	                 CAIRN_OK);
}

/* Copies a file byte for byte (a backup restored by cp). */
static void
copy_file(const char *from, const char *to)
{
	char buf[8192];
	FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
	size_t n;

	assert_non_null(in);
	assert_non_null(out);
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		assert_int_equal(fwrite(buf, 1, n, out), n);
	fclose(in);
	assert_int_equal(fclose(out), 0);
}

static void
test_restored_copy_gets_new_epoch(void **state)
{
	struct fixture *f = *state;
	char e1[UUID_LEN + 1], e2[UUID_LEN + 1], e3[UUID_LEN + 1];
	char copy[320], err[256];
	struct store *st2 = NULL;
	int64_t alice;

	alice = make_user(f->st, "alice");
	assert_true(alice > 0);
	assert_int_equal(f->st->ops->epoch(f->st, e1), CAIRN_OK);
	f->st->ops->close(f->st); /* checkpoints the WAL into the file */
	if (backend_is_pg()) {
		/* A copy of the database (as pg_dump restored elsewhere). */
		char name[64];

		backend_pg_name(f->path, name, sizeof(name));
		snprintf(copy, sizeof(copy), "postgresql:///%s_copy?host=%s",
		         name, getenv("CAIRN_TEST_PG_HOST"));
		assert_int_equal(
		        backend_sh("createdb -T '%s' '%s_copy'", name, name),
		        0);
	} else {
		snprintf(copy, sizeof(copy), "%s/copy.db", f->dir);
		copy_file(f->path, copy);
	}
	assert_int_equal(store_open(copy, &st2, err, sizeof(err)), CAIRN_OK);
	assert_int_equal(st2->ops->epoch(st2, e2), CAIRN_OK);
	assert_string_not_equal(e1, e2);
	st2->ops->close(st2);
	/* The copy, opened again, is now itself: its epoch stays. */
	assert_int_equal(store_open(copy, &st2, err, sizeof(err)), CAIRN_OK);
	assert_int_equal(st2->ops->epoch(st2, e3), CAIRN_OK);
	assert_string_equal(e2, e3);
	st2->ops->close(st2);
	unlink(copy);
	/* The original is untouched. */
	assert_int_equal(store_open(f->path, &f->st, err, sizeof(err)),
	                 CAIRN_OK);
	assert_int_equal(f->st->ops->epoch(f->st, e3), CAIRN_OK);
	assert_string_equal(e1, e3);
}

/* Copies database from into database to with SQLite's backup API. */
static void
sqlite_backup(const char *from, const char *to)
{
	sqlite3 *src, *dst;
	sqlite3_backup *b;

	assert_int_equal(sqlite3_open(from, &src), SQLITE_OK);
	assert_int_equal(sqlite3_open(to, &dst), SQLITE_OK);
	b = sqlite3_backup_init(dst, "main", src, "main");
	assert_non_null(b);
	assert_int_equal(sqlite3_backup_step(b, -1), SQLITE_DONE);
	assert_int_equal(sqlite3_backup_finish(b), SQLITE_OK);
	sqlite3_close(src);
	sqlite3_close(dst);
}

static void
test_restored_in_place_gets_new_epoch(void **state)
{
	struct fixture *f = *state;
	char e1[UUID_LEN + 1], e2[UUID_LEN + 1], bak[160], err[256];
	uint64_t t = hlc_make(1700000000000ull, 0);
	int64_t alice;

	if (backend_is_pg())
		skip(); /* a SQLite file's own history */

	alice = make_user(f->st, "alice");
	put(f->st, alice, REC_1, t, DEV_A, 0);
	assert_int_equal(f->st->ops->epoch(f->st, e1), CAIRN_OK);
	snprintf(bak, sizeof(bak), "%s/online.bak", f->dir);
	sqlite_backup(f->path, bak); /* sqlite3 DB ".backup FILE" */
	/* A write after the backup moves the mark past it (on commit). */
	assert_int_equal(f->st->ops->begin(f->st, 1), CAIRN_OK);
	put(f->st, alice, REC_2, t, DEV_A, 0);
	assert_int_equal(f->st->ops->commit(f->st), CAIRN_OK);
	f->st->ops->close(f->st);
	sqlite_backup(bak, f->path); /* sqlite3 DB ".restore FILE" */
	unlink(bak);
	assert_int_equal(store_open(f->path, &f->st, err, sizeof(err)),
	                 CAIRN_OK);
	assert_int_equal(f->st->ops->epoch(f->st, e2), CAIRN_OK);
	assert_string_not_equal(e1, e2);
	/* Reopened without a restore: the epoch stays. */
	f->st->ops->close(f->st);
	assert_int_equal(store_open(f->path, &f->st, err, sizeof(err)),
	                 CAIRN_OK);
	assert_int_equal(f->st->ops->epoch(f->st, e1), CAIRN_OK);
	assert_string_equal(e1, e2);
}

static void
test_users_and_devices(void **state)
{
	struct fixture *f = *state;
	struct store *st = f->st;
	struct store_user u;
	struct store_device d;
	int64_t alice;

	alice = make_user(st, "alice");
	memset(&u, 0, sizeof(u));
	snprintf(u.handle, sizeof(u.handle), "alice");
	assert_int_equal(st->ops->user_create(st, &u), CAIRN_EEXIST);
	assert_int_equal(st->ops->user_get(st, "alice", &u), CAIRN_OK);
	assert_int_equal(u.id, alice);
	assert_int_equal(u.n, 16384);
	assert_int_equal(u.r, 8);
	assert_int_equal(u.p, 1);
	assert_int_equal(u.salt[0], 's');
	assert_int_equal(u.hash[31], 'h');
	assert_int_equal(st->ops->user_get(st, "bob", &u), CAIRN_ENOTFOUND);

	make_device(st, alice, DEV_A, 0xa1);
	assert_int_equal(st->ops->device_get(st, DEV_A, &d), CAIRN_OK);
	assert_string_equal(d.handle, "alice");
	assert_string_equal(d.name, "laptop");
	assert_int_equal(d.user_id, alice);
	assert_int_equal(d.token_hash[0], 0xa1);
	assert_int_equal(d.last_seen, d.created_at);
	assert_int_equal(d.revoked_at, 0);
	assert_int_equal(st->ops->device_touch(st, DEV_A, 5000), CAIRN_OK);
	assert_int_equal(st->ops->device_get(st, DEV_A, &d), CAIRN_OK);
	assert_int_equal(d.last_seen, 5000);
	assert_int_equal(st->ops->device_get(st, DEV_B, &d), CAIRN_ENOTFOUND);
	/* Token hashes are unique. */
	memset(&d, 0, sizeof(d));
	snprintf(d.id, sizeof(d.id), DEV_B);
	d.user_id = alice;
	memset(d.token_hash, 0xa1, sizeof(d.token_hash));
	assert_int_equal(st->ops->device_create(st, &d), CAIRN_EEXIST);
}

static int
count_cb(void *arg, const struct store_device *d)
{
	(*(int *)arg)++;
	return 0;
}

static void
test_revoke_by_prefix(void **state)
{
	struct fixture *f = *state;
	struct store *st = f->st;
	char id[UUID_LEN + 1];
	struct store_device d;
	int64_t alice, bob;
	int n = 0;

	alice = make_user(st, "alice");
	bob = make_user(st, "bob");
	make_device(st, alice, DEV_A, 1);
	make_device(st, bob, DEV_B, 2);
	make_device(st, bob, DEV_B2, 3);
	assert_int_equal(st->ops->device_list(st, bob, count_cb, &n), 0);
	assert_int_equal(n, 2);
	/* bob cannot reach alice's device, even by its full id. */
	assert_int_equal(st->ops->device_revoke(st, bob, DEV_A, 10, id),
	                 CAIRN_ENOTFOUND);
	assert_int_equal(st->ops->device_revoke(st, bob, "bbbbbbbb", 10, id),
	                 CAIRN_EAMBIGUOUS);
	assert_int_equal(st->ops->device_revoke(st, bob, "bbbbbbbb-1", 10, id),
	                 CAIRN_OK);
	assert_string_equal(id, DEV_B2);
	assert_int_equal(st->ops->device_get(st, DEV_B2, &d), CAIRN_OK);
	assert_int_equal(d.revoked_at, 10);
	/* Again: still a success, the first revocation time stays. */
	assert_int_equal(st->ops->device_revoke(st, bob, DEV_B2, 20, id),
	                 CAIRN_OK);
	assert_int_equal(st->ops->device_get(st, DEV_B2, &d), CAIRN_OK);
	assert_int_equal(d.revoked_at, 10);
	assert_int_equal(st->ops->device_get(st, DEV_B, &d), CAIRN_OK);
	assert_int_equal(d.revoked_at, 0);
}

static void
test_device_rename(void **state)
{
	struct fixture *f = *state;
	struct store *st = f->st;
	char id[UUID_LEN + 1];
	struct store_device d;
	int64_t alice, bob;

	alice = make_user(st, "alice");
	bob = make_user(st, "bob");
	make_device(st, alice, DEV_A, 1);
	make_device(st, bob, DEV_B, 2);
	make_device(st, bob, DEV_B2, 3);
	/* By a unique prefix; the device comes back as it is now. */
	assert_int_equal(
	        st->ops->device_rename(st, bob, "bbbbbbbb-1", "desk", &d),
	        CAIRN_OK);
	assert_string_equal(d.id, DEV_B2);
	assert_string_equal(d.name, "desk");
	assert_int_equal(d.user_id, bob);
	assert_int_equal(d.created_at, 2000);
	assert_int_equal(st->ops->device_get(st, DEV_B2, &d), CAIRN_OK);
	assert_string_equal(d.name, "desk");
	/* Its own name again is no clash. */
	assert_int_equal(st->ops->device_rename(st, bob, DEV_B2, "desk", &d),
	                 CAIRN_OK);
	/* Another live device of bob's has the name. */
	assert_int_equal(st->ops->device_rename(st, bob, DEV_B, "desk", &d),
	                 CAIRN_EEXIST);
	assert_int_equal(st->ops->device_get(st, DEV_B, &d), CAIRN_OK);
	assert_string_equal(d.name, "laptop");
	/* alice's devices are no clash for bob's names. */
	assert_int_equal(st->ops->device_rename(st, alice, DEV_A, "desk", &d),
	                 CAIRN_OK);
	/* A revoked device's name is free again. */
	assert_int_equal(st->ops->device_revoke(st, bob, DEV_B2, 10, id),
	                 CAIRN_OK);
	assert_int_equal(st->ops->device_rename(st, bob, DEV_B, "desk", &d),
	                 CAIRN_OK);
	assert_string_equal(d.name, "desk");
	assert_int_equal(d.revoked_at, 0);
	/* Unknown, ambiguous, and someone else's. */
	assert_int_equal(st->ops->device_rename(st, bob, "cccccc", "x", &d),
	                 CAIRN_ENOTFOUND);
	assert_int_equal(st->ops->device_rename(st, bob, "bbbbbbbb", "x", &d),
	                 CAIRN_EAMBIGUOUS);
	assert_int_equal(st->ops->device_rename(st, bob, DEV_A, "x", &d),
	                 CAIRN_EFORBIDDEN);
	/* A prefix of someone else's device is just not found. */
	assert_int_equal(st->ops->device_rename(st, bob, "aaaaaaaa", "x", &d),
	                 CAIRN_ENOTFOUND);
	assert_int_equal(st->ops->device_get(st, DEV_A, &d), CAIRN_OK);
	assert_string_equal(d.name, "desk");
}

static void
test_invites(void **state)
{
	struct fixture *f = *state;
	struct store *st = f->st;

	assert_int_equal(st->ops->invite_create(st, "code-two", 2, 1), 0);
	assert_int_equal(st->ops->invite_create(st, "code-two", 2, 1),
	                 CAIRN_EEXIST);
	assert_int_equal(st->ops->invite_consume(st, "code-two"), CAIRN_OK);
	assert_int_equal(st->ops->invite_consume(st, "code-two"), CAIRN_OK);
	assert_int_equal(st->ops->invite_consume(st, "code-two"),
	                 CAIRN_EINVITE);
	assert_int_equal(st->ops->invite_consume(st, "nope"), CAIRN_EINVITE);
	assert_int_equal(st->ops->invite_consume(st, ""), CAIRN_EINVITE);
}

static void
test_record_put(void **state)
{
	struct fixture *f = *state;
	struct store *st = f->st;
	struct store_record_head h;
	uint64_t t = hlc_make(1700000000000ull, 0), seq;
	int64_t alice, bob;

	alice = make_user(st, "alice");
	bob = make_user(st, "bob");
	assert_int_equal(st->ops->max_seq(st, &seq), CAIRN_OK);
	assert_int_equal(seq, 0);
	assert_int_equal(st->ops->record_get(st, REC_1, &h), CAIRN_ENOTFOUND);

	/* Every put stores and takes the next seq (the merge rule is the
	 * caller's: h-sync.c, tested in test-server-wire-sync.c). */
	put(st, alice, REC_1, t, DEV_A, 0);
	assert_int_equal(st->ops->record_get(st, REC_1, &h), CAIRN_OK);
	assert_int_equal(h.seq, 1);
	assert_int_equal(h.owner_id, alice);
	assert_int_equal(h.subject_id, alice);
	assert_int_equal(h.kind, 1);
	put(st, alice, REC_1, t + 5, DEV_B, 1);
	assert_int_equal(st->ops->record_get(st, REC_1, &h), CAIRN_OK);
	assert_int_equal(h.seq, 2);
	assert_int_equal(h.deleted, 1);
	assert_string_equal(h.device, DEV_B);
	/* A subject of its own (a comment on bob's entry). */
	put_full(st, alice, bob, REC_2, t, DEV_A, 0, 0);
	assert_int_equal(st->ops->record_get(st, REC_2, &h), CAIRN_OK);
	assert_int_equal(h.subject_id, bob);
	/* Access events share the counter. */
	assert_int_equal(st->ops->access_event(st, bob, alice, 1), CAIRN_OK);
	assert_int_equal(st->ops->max_seq(st, &seq), CAIRN_OK);
	assert_int_equal(seq, 4);
}

struct pulled {
	int n;
	int stop_after;
	char ids[16][UUID_LEN + 1];
	uint64_t seqs[16];
	int types[16];
	int deleted[16];
	size_t body_len[16];
	char owner[16][HANDLE_MAX + 1];
	char subject[16][HANDLE_MAX + 1];
};

static int
pull_cb(void *arg, const struct store_change *ch)
{
	struct pulled *p = arg;

	if (p->stop_after > 0 && p->n >= p->stop_after)
		return 1;
	assert_true(p->n < 16);
	p->types[p->n] = ch->type;
	if (ch->type == STORE_CH_RECORD) {
		snprintf(p->ids[p->n], sizeof(p->ids[0]), "%s", ch->rec->id);
		snprintf(p->owner[p->n], sizeof(p->owner[0]), "%s",
		         ch->rec->owner);
		snprintf(p->subject[p->n], sizeof(p->subject[0]), "%s",
		         ch->rec->subject);
		p->deleted[p->n] = ch->rec->deleted;
		p->body_len[p->n] = ch->rec->body_len;
		assert_int_equal(ch->rec->seq, ch->seq);
	} else {
		snprintf(p->subject[p->n], sizeof(p->subject[0]), "%s",
		         ch->subject);
	}
	p->seqs[p->n++] = ch->seq;
	return 0;
}

/* Runs a changes query of viewer after cursor into p (cleared first). */
static int
changes(struct store *st, int64_t viewer, uint64_t cursor, size_t limit,
        struct pulled *p)
{
	struct store_query q;
	int stop = p->stop_after;

	memset(p, 0, sizeof(*p));
	p->stop_after = stop;
	memset(&q, 0, sizeof(q));
	q.viewer = viewer;
	q.cursor = cursor;
	q.limit = limit;
	return st->ops->changes(st, &q, pull_cb, p);
}

static void
test_pull(void **state)
{
	struct fixture *f = *state;
	struct store *st = f->st;
	uint64_t t = hlc_make(1700000000000ull, 0);
	struct pulled p = {0};
	int64_t alice, bob;

	alice = make_user(st, "alice");
	bob = make_user(st, "bob");
	put(st, alice, REC_1, t, DEV_A, 0);     /* 1 */
	put(st, bob, REC_2, t, DEV_B, 0);       /* 2 */
	put(st, alice, REC_3, t, DEV_A, 0);     /* 3 */
	put(st, alice, REC_1, t + 1, DEV_A, 0); /* 4 */

	assert_int_equal(changes(st, alice, 0, 100, &p), CAIRN_OK);
	assert_int_equal(p.n, 2);
	assert_string_equal(p.ids[0], REC_3);
	assert_int_equal(p.seqs[0], 3);
	assert_string_equal(p.ids[1], REC_1);
	assert_int_equal(p.seqs[1], 4);
	assert_string_equal(p.owner[0], "alice");
	assert_string_equal(p.subject[0], "alice");

	/* Visibility: strangers see only their own records. */
	assert_int_equal(changes(st, bob, 0, 100, &p), CAIRN_OK);
	assert_int_equal(p.n, 1);
	assert_string_equal(p.ids[0], REC_2);
	assert_string_equal(p.owner[0], "bob");

	/* Cursor, limit, and a callback that stops early. */
	assert_int_equal(changes(st, alice, 3, 100, &p), CAIRN_OK);
	assert_int_equal(p.n, 1);
	assert_int_equal(p.seqs[0], 4);
	assert_int_equal(changes(st, alice, 0, 1, &p), CAIRN_OK);
	assert_int_equal(p.n, 1);
	assert_int_equal(p.seqs[0], 3);
	p.stop_after = 1;
	assert_int_equal(changes(st, alice, 0, 100, &p), CAIRN_OK);
	assert_int_equal(p.n, 1);
	p.stop_after = 0;
	assert_int_equal(changes(st, alice, 4, 100, &p), CAIRN_OK);
	assert_int_equal(p.n, 0);
}

static void
relate(struct store *st, int64_t from, int64_t to, int role, int state)
{
	struct store_relation r;

	memset(&r, 0, sizeof(r));
	r.from_id = from;
	r.to_id = to;
	r.role = role;
	r.state = state;
	r.created_at = 100;
	r.since = state == STORE_ACTIVE ? 200 : 0;
	assert_int_equal(st->ops->relation_put(st, &r), CAIRN_OK);
}

static unsigned
see(struct store *st, int64_t viewer, int64_t subject)
{
	unsigned m = 99;

	assert_int_equal(st->ops->visibility(st, viewer, subject, &m),
	                 CAIRN_OK);
	return m;
}

/* Collects an audience (store.h). */
struct audience {
	int64_t v[64];
	size_t n;
};

static int
audience_cb(void *arg, int64_t user_id)
{
	struct audience *a = arg;

	assert_true(a->n < 64);
	a->v[a->n++] = user_id;
	return 0;
}

/* 1 if who is in the audience of the changes after seq after. */
static int
in_audience(struct store *st, uint64_t after, int64_t who)
{
	struct audience a = {{0}, 0};
	size_t i;

	assert_int_equal(st->ops->audience(st, after, audience_cb, &a),
	                 CAIRN_OK);
	for (i = 0; i < a.n; i++) {
		if (a.v[i] == who)
			return 1;
	}
	return 0;
}

#define REC_4 "44444444-0000-4000-8000-000000000004"
#define REC_5 "55555555-0000-4000-8000-000000000005"
#define REC_6 "66666666-0000-4000-8000-000000000006"

static void
test_visibility(void **state)
{
	struct fixture *f = *state;
	struct store *st = f->st;
	uint64_t t = hlc_make(1700000000000ull, 0);
	struct store_relation r;
	struct store_group g;
	struct store_member m;
	struct pulled p = {0};
	int64_t alice, bob, carol, mia, zed;
	uint64_t seq;

	alice = make_user(st, "alice");
	bob = make_user(st, "bob");
	carol = make_user(st, "carol");
	mia = make_user(st, "mia");
	zed = make_user(st, "zed");
	put(st, alice, REC_1, t, DEV_A, 0);              /* 1 shared */
	put_full(st, alice, 0, REC_2, t, DEV_A, 0, 1);   /* 2 private */
	put_full(st, bob, alice, REC_3, t, DEV_B, 0, 0); /* 3 bob on alice */
	put_full(st, alice, bob, REC_4, t, DEV_A, 0, 0); /* 4 alice on bob */
	put(st, bob, REC_5, t, DEV_B, 0);                /* 5 bob's own */

	/* Nobody sees anybody yet; a pending invitation changes nothing. */
	relate(st, alice, bob, STORE_ROLE_PARTNER, STORE_PENDING);
	assert_int_equal(see(st, alice, alice), STORE_SEE_SELF);
	assert_int_equal(see(st, alice, bob), 0);
	assert_int_equal(see(st, bob, alice), 0);
	/* Bob still sees his comment on alice's entry and alice's on his. */
	assert_int_equal(changes(st, bob, 0, 100, &p), CAIRN_OK);
	assert_int_equal(p.n, 3);
	assert_string_equal(p.ids[0], REC_3);
	assert_string_equal(p.ids[1], REC_4);
	assert_string_equal(p.subject[1], "bob");
	assert_string_equal(p.ids[2], REC_5);

	/* Partners, both ways: shared records only, each once. */
	relate(st, alice, bob, STORE_ROLE_PARTNER, STORE_ACTIVE);
	assert_int_equal(see(st, alice, bob), STORE_SEE_PARTNER);
	assert_int_equal(see(st, bob, alice), STORE_SEE_PARTNER);
	assert_int_equal(changes(st, bob, 0, 100, &p), CAIRN_OK);
	assert_int_equal(p.n, 4);
	assert_string_equal(p.ids[0], REC_1);
	assert_string_equal(p.ids[1], REC_3);
	assert_string_equal(p.ids[2], REC_4);
	assert_string_equal(p.ids[3], REC_5);

	/* A mentor sees the mentee; the mentee does not see the mentor. */
	relate(st, alice, mia, STORE_ROLE_MENTOR, STORE_ACTIVE);
	assert_int_equal(see(st, mia, alice), STORE_SEE_MENTOR);
	assert_int_equal(see(st, alice, mia), 0);
	assert_int_equal(changes(st, mia, 0, 100, &p), CAIRN_OK);
	assert_int_equal(p.n, 2); /* alice's shared entry and bob's comment */
	assert_string_equal(p.ids[0], REC_1);
	assert_string_equal(p.ids[1], REC_3);

	/* A group: members see each other; an invitee does not. */
	memset(&g, 0, sizeof(g));
	snprintf(g.name, sizeof(g.name), "ml");
	g.created_by = carol;
	g.created_at = 1;
	assert_int_equal(st->ops->group_create(st, &g), CAIRN_OK);
	assert_int_equal(st->ops->group_create(st, &g), CAIRN_EEXIST);
	memset(&m, 0, sizeof(m));
	m.group_id = g.id;
	m.user_id = carol;
	m.state = STORE_ACTIVE;
	m.invited_by = carol;
	assert_int_equal(st->ops->member_put(st, &m), CAIRN_OK);
	m.user_id = alice;
	m.state = STORE_PENDING;
	assert_int_equal(st->ops->member_put(st, &m), CAIRN_OK);
	assert_int_equal(see(st, carol, alice), 0);
	m.state = STORE_ACTIVE;
	assert_int_equal(st->ops->member_put(st, &m), CAIRN_OK);
	assert_int_equal(see(st, carol, alice), STORE_SEE_GROUP);
	assert_int_equal(see(st, alice, carol), STORE_SEE_GROUP);
	assert_int_equal(see(st, zed, alice), 0);
	assert_int_equal(st->ops->member_get(st, g.id, alice, &m), CAIRN_OK);
	assert_string_equal(m.handle, "alice");
	assert_string_equal(m.group, "ml");

	/* Strangers: nothing of anyone else. */
	assert_int_equal(changes(st, zed, 0, 100, &p), CAIRN_OK);
	assert_int_equal(p.n, 0);

	/*
	 * The audience of the live feed is a superset of who sees a change:
	 * everyone who sees one of the changes so far is in it, the stranger
	 * is not; a later entry of carol's reaches carol and her group, not
	 * alice's partner or mentor.
	 */
	assert_true(in_audience(st, 0, alice) && in_audience(st, 0, bob) &&
	            in_audience(st, 0, mia) && in_audience(st, 0, carol));
	assert_false(in_audience(st, 0, zed));
	assert_int_equal(st->ops->max_seq(st, &seq), CAIRN_OK);
	assert_false(in_audience(st, seq, alice)); /* nothing new */
	put(st, carol, REC_6, t, DEV_A, 0);
	assert_true(in_audience(st, seq, carol) && in_audience(st, seq, alice));
	assert_false(in_audience(st, seq, bob) || in_audience(st, seq, mia) ||
	             in_audience(st, seq, zed));

	/* Relations are listed with handles, and dropped. */
	assert_int_equal(
	        st->ops->relation_get(st, alice, mia, STORE_ROLE_MENTOR, &r),
	        CAIRN_OK);
	assert_string_equal(r.to, "mia");
	assert_int_equal(
	        st->ops->relation_delete(st, alice, bob, STORE_ROLE_PARTNER),
	        CAIRN_OK);
	assert_int_equal(see(st, bob, alice), 0);
	assert_int_equal(
	        st->ops->relation_get(st, alice, bob, STORE_ROLE_PARTNER, &r),
	        CAIRN_ENOTFOUND);
}

static void
test_private_and_events(void **state)
{
	struct fixture *f = *state;
	struct store *st = f->st;
	uint64_t t = hlc_make(1700000000000ull, 0), cur;
	struct store_query q;
	struct pulled p = {0};
	int64_t alice, bob;

	alice = make_user(st, "alice");
	bob = make_user(st, "bob");
	relate(st, alice, bob, STORE_ROLE_PARTNER, STORE_ACTIVE);
	put_full(st, alice, 0, REC_1, t, DEV_A, 0, 1); /* 1 never shared */
	put(st, alice, REC_2, t, DEV_A, 0);            /* 2 shared */
	assert_int_equal(changes(st, bob, 0, 100, &p), CAIRN_OK);
	assert_int_equal(p.n, 1);
	assert_string_equal(p.ids[0], REC_2);
	/* Made private: bob gets a redacted tombstone, alice the record. */
	put_full(st, alice, 0, REC_2, t + 1, DEV_A, 0, 1); /* 3 */
	assert_int_equal(changes(st, bob, 2, 100, &p), CAIRN_OK);
	assert_int_equal(p.n, 1);
	assert_string_equal(p.ids[0], REC_2);
	assert_int_equal(p.deleted[0], 1);
	assert_int_equal(p.body_len[0], 0);
	assert_int_equal(changes(st, alice, 2, 100, &p), CAIRN_OK);
	assert_int_equal(p.n, 1);
	assert_int_equal(p.deleted[0], 0);
	assert_int_equal(p.body_len[0], 3);

	/* Access events come in seq order with the records. */
	assert_int_equal(st->ops->access_event(st, bob, alice, 0), CAIRN_OK);
	put(st, alice, REC_3, t, DEV_A, 0); /* 5 */
	assert_int_equal(st->ops->access_event(st, bob, alice, 1), CAIRN_OK);
	assert_int_equal(changes(st, bob, 3, 100, &p), CAIRN_OK);
	assert_int_equal(p.n, 3);
	assert_int_equal(p.types[0], STORE_CH_REVOKE);
	assert_int_equal(p.seqs[0], 4);
	assert_string_equal(p.subject[0], "alice");
	assert_int_equal(p.types[1], STORE_CH_RECORD);
	assert_int_equal(p.types[2], STORE_CH_GRANT);
	assert_int_equal(p.seqs[2], 6);
	/* Alice sees no event of bob's. */
	assert_int_equal(changes(st, alice, 3, 100, &p), CAIRN_OK);
	assert_int_equal(p.n, 1);

	/* A backfill: one subject, up to a bound, never private. */
	memset(&q, 0, sizeof(q));
	q.viewer = bob;
	q.subject = alice;
	q.upto = 5;
	q.limit = 100;
	memset(&p, 0, sizeof(p));
	assert_int_equal(st->ops->changes(st, &q, pull_cb, &p), CAIRN_OK);
	assert_int_equal(p.n, 1);
	assert_string_equal(p.ids[0], REC_3);
	/* Of someone not visible: refused. */
	q.viewer = make_user(st, "zed");
	assert_int_equal(st->ops->changes(st, &q, pull_cb, &p),
	                 CAIRN_EFORBIDDEN);
	/* Version 1: own records of the old kinds only. */
	memset(&q, 0, sizeof(q));
	q.viewer = bob;
	q.own_only = 1;
	q.max_kind = 3;
	q.limit = 100;
	memset(&p, 0, sizeof(p));
	assert_int_equal(st->ops->changes(st, &q, pull_cb, &p), CAIRN_OK);
	assert_int_equal(p.n, 0);
	assert_int_equal(st->ops->max_seq(st, &cur), CAIRN_OK);
	assert_int_equal(cur, 6);
}

/* A limit cuts the merge of several streams at the right seq. */
static void
test_changes_limit_merge(void **state)
{
	struct fixture *f = *state;
	struct store *st = f->st;
	uint64_t t = hlc_make(1700000000000ull, 0), cursor = 0;
	char id[UUID_LEN + 1];
	struct pulled p = {0};
	int64_t a, b, c;
	int i, total = 0;

	a = make_user(st, "amy");
	b = make_user(st, "ben");
	c = make_user(st, "cat");
	relate(st, a, b, STORE_ROLE_PARTNER, STORE_ACTIVE);
	relate(st, c, a, STORE_ROLE_PARTNER, STORE_ACTIVE);
	for (i = 0; i < 30; i++) {
		snprintf(id, sizeof(id), "%08x-0000-4000-8000-000000000000", i);
		put(st, i % 3 == 0 ? a : i % 3 == 1 ? b : c, id, t, DEV_A, 0);
	}
	/* Pages of 4 see all 30 in order, each once. */
	for (;;) {
		assert_int_equal(changes(st, a, cursor, 4, &p), CAIRN_OK);
		if (p.n == 0)
			break;
		for (i = 0; i < p.n; i++) {
			assert_int_equal(p.seqs[i], cursor + 1);
			cursor = p.seqs[i];
		}
		total += p.n;
	}
	assert_int_equal(total, 30);
}

/* A database of schema 1 (before people) keeps its records and numbers. */
static void
test_migration_from_v1(void **state)
{
	struct fixture *f = *state;
	static const char *v1 =
	        "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
	        "CREATE TABLE users (id INTEGER PRIMARY KEY, handle TEXT NOT "
	        "NULL UNIQUE, salt BLOB NOT NULL, hash BLOB NOT NULL, n "
	        "INTEGER "
	        "NOT NULL, r INTEGER NOT NULL, p INTEGER NOT NULL, created_at "
	        "INTEGER NOT NULL);"
	        "CREATE TABLE devices (id TEXT PRIMARY KEY, user_id INTEGER "
	        "NOT "
	        "NULL REFERENCES users (id), name TEXT NOT NULL, token_hash "
	        "BLOB "
	        "NOT NULL UNIQUE, created_at INTEGER NOT NULL, last_seen "
	        "INTEGER "
	        "NOT NULL DEFAULT 0, revoked_at INTEGER NOT NULL DEFAULT 0);"
	        "CREATE TABLE invites (code TEXT PRIMARY KEY, uses_left "
	        "INTEGER "
	        "NOT NULL, created_at INTEGER NOT NULL);"
	        "CREATE TABLE records (id TEXT PRIMARY KEY, owner_id INTEGER "
	        "NOT "
	        "NULL REFERENCES users (id), kind INTEGER NOT NULL, hlc "
	        "INTEGER "
	        "NOT NULL, device TEXT NOT NULL, deleted INTEGER NOT NULL, "
	        "private INTEGER NOT NULL, body BLOB NOT NULL, seq INTEGER NOT "
	        "NULL UNIQUE);"
	        "CREATE INDEX records_owner_seq ON records (owner_id, seq);"
	        "INSERT INTO users VALUES (7, 'old', x'00', x'00', 1, 1, 1, 1);"
	        "INSERT INTO records VALUES ('" REC_1 "', 7, 1, 5, '" DEV_A
	        "', 0, 0, x'01', 41);"
	        "INSERT INTO meta VALUES ('epoch', "
	        "'0e0e0e0e-0000-4000-8000-000000000000');"
	        "PRAGMA user_version = 1;";
	struct store_record_head h;
	struct pulled p = {0};
	char err[256];
	uint64_t seq;
	sqlite3 *db;

	if (backend_is_pg())
		skip(); /* a SQLite file's own history */

	f->st->ops->close(f->st);
	f->st = NULL;
	unlink(f->path);
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, v1, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(store_open(f->path, &f->st, err, sizeof(err)),
	                 CAIRN_OK);
	assert_int_equal(f->st->ops->record_get(f->st, REC_1, &h), CAIRN_OK);
	assert_int_equal(h.subject_id, 7);
	assert_int_equal(h.seq, 41);
	assert_int_equal(f->st->ops->max_seq(f->st, &seq), CAIRN_OK);
	assert_int_equal(seq, 41);
	put(f->st, 7, REC_2, 9, DEV_A, 0);
	assert_int_equal(f->st->ops->record_get(f->st, REC_2, &h), CAIRN_OK);
	assert_int_equal(h.seq, 42);
	assert_int_equal(changes(f->st, 7, 0, 10, &p), CAIRN_OK);
	assert_int_equal(p.n, 2);
}

static void
test_savepoints(void **state)
{
	struct fixture *f = *state;
	struct store *st = f->st;
	struct store_record_head h;
	uint64_t t = hlc_make(1700000000000ull, 0), seq;
	int64_t alice;

	alice = make_user(st, "alice");
	assert_int_equal(st->ops->begin(st, 1), CAIRN_OK);
	assert_int_equal(st->ops->savepoint(st, "job"), CAIRN_OK);
	put(st, alice, REC_1, t, DEV_A, 0);
	assert_int_equal(st->ops->rollback_to(st, "job"), CAIRN_OK);
	assert_int_equal(st->ops->release(st, "job"), CAIRN_OK);
	assert_int_equal(st->ops->savepoint(st, "job"), CAIRN_OK);
	put(st, alice, REC_2, t, DEV_A, 0);
	assert_int_equal(st->ops->release(st, "job"), CAIRN_OK);
	assert_int_equal(st->ops->commit(st), CAIRN_OK);
	assert_int_equal(st->ops->record_get(st, REC_1, &h), CAIRN_ENOTFOUND);
	assert_int_equal(st->ops->record_get(st, REC_2, &h), CAIRN_OK);
	/* The rolled-back put's number is a gap: seq only has to grow. */
	assert_int_equal(h.seq, 2);
	assert_int_equal(st->ops->max_seq(st, &seq), CAIRN_OK);
	assert_int_equal(seq, 2);
	/* A whole transaction rolled back gives its numbers back. */
	assert_int_equal(st->ops->begin(st, 1), CAIRN_OK);
	put(st, alice, REC_3, t, DEV_A, 0);
	assert_int_equal(st->ops->max_seq(st, &seq), CAIRN_OK);
	assert_int_equal(seq, 3);
	assert_int_equal(st->ops->rollback(st), CAIRN_OK);
	assert_int_equal(st->ops->max_seq(st, &seq), CAIRN_OK);
	assert_int_equal(seq, 2);
	put(st, alice, REC_3, t, DEV_A, 0); /* autocommit: its own write */
	assert_int_equal(st->ops->record_get(st, REC_3, &h), CAIRN_OK);
	assert_int_equal(h.seq, 3);
	/* Names that are not plain words are refused, never run. */
	assert_int_equal(st->ops->savepoint(st, "x; DROP TABLE users"),
	                 CAIRN_EINTERNAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_migrations_and_epoch,
	                                        setup, teardown),
	        cmocka_unit_test_setup_teardown(test_migration_from_v1, setup,
	                                        teardown),
	        cmocka_unit_test_setup_teardown(
	                test_restored_copy_gets_new_epoch, setup, teardown),
	        cmocka_unit_test_setup_teardown(
	                test_restored_in_place_gets_new_epoch, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_users_and_devices, setup,
	                                        teardown),
	        cmocka_unit_test_setup_teardown(test_revoke_by_prefix, setup,
	                                        teardown),
	        cmocka_unit_test_setup_teardown(test_device_rename, setup,
	                                        teardown),
	        cmocka_unit_test_setup_teardown(test_invites, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_record_put, setup,
	                                        teardown),
	        cmocka_unit_test_setup_teardown(test_pull, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_visibility, setup,
	                                        teardown),
	        cmocka_unit_test_setup_teardown(test_private_and_events, setup,
	                                        teardown),
	        cmocka_unit_test_setup_teardown(test_changes_limit_merge, setup,
	                                        teardown),
	        cmocka_unit_test_setup_teardown(test_savepoints, setup,
	                                        teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
