/*
 * Unit tests of the SQLite store through its vtable (server/store.h):
 * migrations and re-open, the epoch, users, devices and tokens, revoking
 * by prefix, invite codes, the merge rule of record_put, seq, and pull
 * with cursor, skipping and visibility.
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

#define DEV_A "aaaaaaaa-0000-4000-8000-000000000001"
#define DEV_B "bbbbbbbb-0000-4000-8000-000000000002"
#define DEV_B2 "bbbbbbbb-1111-4000-8000-000000000003"
#define REC_1 "11111111-0000-4000-8000-000000000001"
#define REC_2 "22222222-0000-4000-8000-000000000002"
#define REC_3 "33333333-0000-4000-8000-000000000003"

struct fixture {
	char dir[64];
	char path[128];
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
	snprintf(f->path, sizeof(f->path), "%s/s.db", f->dir);
	assert_int_equal(store_sqlite_open(f->path, &f->st, err, sizeof(err)),
	                 CAIRN_OK);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	char p[160];

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

static int
put(struct store *st, int64_t owner, const char *id, uint64_t hlc,
    const char *device, int deleted)
{
	static const uint8_t body[] = {1, 2, 3};
	struct store_record r;
	int applied = -1;

	memset(&r, 0, sizeof(r));
	r.id = id;
	r.kind = 1;
	r.owner_id = owner;
	r.hlc = hlc;
	r.device = device;
	r.deleted = deleted;
	r.body = deleted ? NULL : body;
	r.body_len = deleted ? 0 : sizeof(body);
	assert_int_equal(st->ops->record_put(st, &r, &applied), CAIRN_OK);
	return applied;
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
	assert_int_equal(store_sqlite_open(f->path, &f->st, err, sizeof(err)),
	                 CAIRN_OK);
	assert_int_equal(f->st->ops->epoch(f->st, e2), CAIRN_OK);
	assert_string_equal(e1, e2);

	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(
	        sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &q, NULL),
	        SQLITE_OK);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(q, 0), 1);
	sqlite3_finalize(q);
	/* A database from a newer cairnd is refused with a reason. */
	assert_int_equal(
	        sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL),
	        SQLITE_OK);
	sqlite3_close(db);
	f->st->ops->close(f->st);
	f->st = NULL;
	err[0] = '\0';
	assert_int_equal(store_sqlite_open(f->path, &f->st, err, sizeof(err)),
	                 CAIRN_ESTORAGE);
	assert_non_null(strstr(err, "newer"));
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(
	        sqlite3_exec(db, "PRAGMA user_version = 1", NULL, NULL, NULL),
	        SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(store_sqlite_open(f->path, &f->st, err, sizeof(err)),
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
	char copy[160], err[256];
	struct store *st2 = NULL;
	int64_t alice;

	alice = make_user(f->st, "alice");
	assert_true(alice > 0);
	assert_int_equal(f->st->ops->epoch(f->st, e1), CAIRN_OK);
	f->st->ops->close(f->st); /* checkpoints the WAL into the file */
	snprintf(copy, sizeof(copy), "%s/copy.db", f->dir);
	copy_file(f->path, copy);
	assert_int_equal(store_sqlite_open(copy, &st2, err, sizeof(err)),
	                 CAIRN_OK);
	assert_int_equal(st2->ops->epoch(st2, e2), CAIRN_OK);
	assert_string_not_equal(e1, e2);
	st2->ops->close(st2);
	/* The copy, opened again, is now itself: its epoch stays. */
	assert_int_equal(store_sqlite_open(copy, &st2, err, sizeof(err)),
	                 CAIRN_OK);
	assert_int_equal(st2->ops->epoch(st2, e3), CAIRN_OK);
	assert_string_equal(e2, e3);
	st2->ops->close(st2);
	unlink(copy);
	/* The original is untouched. */
	assert_int_equal(store_sqlite_open(f->path, &f->st, err, sizeof(err)),
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

	alice = make_user(f->st, "alice");
	assert_int_equal(put(f->st, alice, REC_1, t, DEV_A, 0), 1);
	assert_int_equal(f->st->ops->epoch(f->st, e1), CAIRN_OK);
	snprintf(bak, sizeof(bak), "%s/online.bak", f->dir);
	sqlite_backup(f->path, bak); /* sqlite3 DB ".backup FILE" */
	/* A write after the backup moves the mark past it (on commit). */
	assert_int_equal(f->st->ops->begin(f->st, 1), CAIRN_OK);
	assert_int_equal(put(f->st, alice, REC_2, t, DEV_A, 0), 1);
	assert_int_equal(f->st->ops->commit(f->st), CAIRN_OK);
	f->st->ops->close(f->st);
	sqlite_backup(bak, f->path); /* sqlite3 DB ".restore FILE" */
	unlink(bak);
	assert_int_equal(store_sqlite_open(f->path, &f->st, err, sizeof(err)),
	                 CAIRN_OK);
	assert_int_equal(f->st->ops->epoch(f->st, e2), CAIRN_OK);
	assert_string_not_equal(e1, e2);
	/* Reopened without a restore: the epoch stays. */
	f->st->ops->close(f->st);
	assert_int_equal(store_sqlite_open(f->path, &f->st, err, sizeof(err)),
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
test_merge_rule(void **state)
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

	assert_int_equal(put(st, alice, REC_1, t, DEV_A, 0), 1);
	assert_int_equal(st->ops->record_get(st, REC_1, &h), CAIRN_OK);
	assert_int_equal(h.seq, 1);
	/* Identical and older versions are ignored; seq does not move. */
	assert_int_equal(put(st, alice, REC_1, t, DEV_A, 0), 0);
	assert_int_equal(put(st, alice, REC_1, t - 1, DEV_B, 0), 0);
	assert_int_equal(st->ops->max_seq(st, &seq), CAIRN_OK);
	assert_int_equal(seq, 1);
	/* Same hlc: the greater device id wins. */
	assert_int_equal(put(st, alice, REC_1, t, DEV_B, 0), 1);
	assert_int_equal(st->ops->record_get(st, REC_1, &h), CAIRN_OK);
	assert_string_equal(h.device, DEV_B);
	assert_int_equal(h.seq, 2);
	assert_int_equal(put(st, alice, REC_1, t, DEV_A, 0), 0);
	/* A newer tombstone wins; an older edit loses to it. */
	assert_int_equal(put(st, alice, REC_1, t + 5, DEV_A, 1), 1);
	assert_int_equal(put(st, alice, REC_1, t + 4, DEV_B, 0), 0);
	assert_int_equal(st->ops->record_get(st, REC_1, &h), CAIRN_OK);
	assert_int_equal(h.deleted, 1);
	assert_int_equal(h.seq, 3);
	/* A later edit resurrects. */
	assert_int_equal(put(st, alice, REC_1, t + 9, DEV_B, 0), 1);
	assert_int_equal(st->ops->record_get(st, REC_1, &h), CAIRN_OK);
	assert_int_equal(h.deleted, 0);
	assert_int_equal(h.hlc, t + 9);
	assert_int_equal(h.seq, 4);
	/* Another owner cannot take the id over, whatever its clock. */
	{
		struct store_record r;
		int applied = -1;

		memset(&r, 0, sizeof(r));
		r.id = REC_1;
		r.kind = 1;
		r.owner_id = bob;
		r.hlc = t + 100;
		r.device = DEV_B;
		assert_int_equal(st->ops->record_put(st, &r, &applied),
		                 CAIRN_EFORBIDDEN);
		assert_int_equal(applied, -1);
	}
	assert_int_equal(st->ops->max_seq(st, &seq), CAIRN_OK);
	assert_int_equal(seq, 4);
}

struct pulled {
	int n;
	int stop_after;
	char ids[16][UUID_LEN + 1];
	uint64_t seqs[16];
	char owner[16][HANDLE_MAX + 1];
};

static int
pull_cb(void *arg, const struct store_record *r)
{
	struct pulled *p = arg;

	if (p->stop_after > 0 && p->n >= p->stop_after)
		return 1;
	snprintf(p->ids[p->n], sizeof(p->ids[0]), "%s", r->id);
	snprintf(p->owner[p->n], sizeof(p->owner[0]), "%s", r->owner);
	p->seqs[p->n++] = r->seq;
	return 0;
}

static void
test_pull(void **state)
{
	struct fixture *f = *state;
	struct store *st = f->st;
	uint64_t t = hlc_make(1700000000000ull, 0);
	struct pulled p;
	int64_t alice, bob;

	alice = make_user(st, "alice");
	bob = make_user(st, "bob");
	assert_int_equal(put(st, alice, REC_1, t, DEV_A, 0), 1);     /* 1 */
	assert_int_equal(put(st, bob, REC_2, t, DEV_B, 0), 1);       /* 2 */
	assert_int_equal(put(st, alice, REC_3, t, DEV_A, 0), 1);     /* 3 */
	assert_int_equal(put(st, alice, REC_1, t + 1, DEV_A, 0), 1); /* 4 */

	memset(&p, 0, sizeof(p));
	assert_int_equal(st->ops->pull(st, alice, 0, pull_cb, &p), CAIRN_OK);
	assert_int_equal(p.n, 2);
	assert_string_equal(p.ids[0], REC_3);
	assert_int_equal(p.seqs[0], 3);
	assert_string_equal(p.ids[1], REC_1);
	assert_int_equal(p.seqs[1], 4);
	assert_string_equal(p.owner[0], "alice");

	/* Visibility: bob sees only his own record. */
	memset(&p, 0, sizeof(p));
	assert_int_equal(st->ops->pull(st, bob, 0, pull_cb, &p), CAIRN_OK);
	assert_int_equal(p.n, 1);
	assert_string_equal(p.ids[0], REC_2);
	assert_string_equal(p.owner[0], "bob");

	/* Cursor and a callback that stops early. */
	memset(&p, 0, sizeof(p));
	assert_int_equal(st->ops->pull(st, alice, 3, pull_cb, &p), CAIRN_OK);
	assert_int_equal(p.n, 1);
	assert_int_equal(p.seqs[0], 4);
	memset(&p, 0, sizeof(p));
	p.stop_after = 1;
	assert_int_equal(st->ops->pull(st, alice, 0, pull_cb, &p), CAIRN_OK);
	assert_int_equal(p.n, 1);
	memset(&p, 0, sizeof(p));
	assert_int_equal(st->ops->pull(st, alice, 4, pull_cb, &p), CAIRN_OK);
	assert_int_equal(p.n, 0);
}

static void
test_savepoints(void **state)
{
	struct fixture *f = *state;
	struct store *st = f->st;
	struct store_record_head h;
	uint64_t t = hlc_make(1700000000000ull, 0);
	int64_t alice;

	alice = make_user(st, "alice");
	assert_int_equal(st->ops->begin(st, 1), CAIRN_OK);
	assert_int_equal(st->ops->savepoint(st, "job"), CAIRN_OK);
	assert_int_equal(put(st, alice, REC_1, t, DEV_A, 0), 1);
	assert_int_equal(st->ops->rollback_to(st, "job"), CAIRN_OK);
	assert_int_equal(st->ops->release(st, "job"), CAIRN_OK);
	assert_int_equal(st->ops->savepoint(st, "job"), CAIRN_OK);
	assert_int_equal(put(st, alice, REC_2, t, DEV_A, 0), 1);
	assert_int_equal(st->ops->release(st, "job"), CAIRN_OK);
	assert_int_equal(st->ops->commit(st), CAIRN_OK);
	assert_int_equal(st->ops->record_get(st, REC_1, &h), CAIRN_ENOTFOUND);
	assert_int_equal(st->ops->record_get(st, REC_2, &h), CAIRN_OK);
	assert_int_equal(h.seq, 1);
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
	        cmocka_unit_test_setup_teardown(
	                test_restored_copy_gets_new_epoch, setup, teardown),
	        cmocka_unit_test_setup_teardown(
	                test_restored_in_place_gets_new_epoch, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_users_and_devices, setup,
	                                        teardown),
	        cmocka_unit_test_setup_teardown(test_revoke_by_prefix, setup,
	                                        teardown),
	        cmocka_unit_test_setup_teardown(test_invites, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_merge_rule, setup,
	                                        teardown),
	        cmocka_unit_test_setup_teardown(test_pull, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_savepoints, setup,
	                                        teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
