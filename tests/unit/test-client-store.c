/*
 * Unit tests of the client's local store (client/store/store.c, store-sync.c):
 * migrations, file mode, lookups by id prefix, listing, the dirty set, the
 * merge of pulled batches with their cursor, reset and re-stamping.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "cairn.h"
#include "err.h"
#include "hlc.h"

#define ID_A1 "aaaaaa11-0000-4000-8000-000000000001"
#define ID_A2 "aaaaaa22-0000-4000-8000-000000000002"
#define ID_B "bbbbbb00-0000-4000-8000-000000000003"
#define ID_C "cccccc00-0000-4000-8000-000000000004"

struct fixture {
	char dir[64];
	char path[128];
	struct store *st;
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/test-client-store-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/cairn.db", f->dir);
	umask(022);
	assert_int_equal(store_open(f->path, 0, &f->st, NULL), CAIRN_OK);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[200];

	store_close(f->st);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

/* Writes a local entry-like record with the given id, time and body. */
static void
put(struct store *st, const char *id, int64_t at, const char *body)
{
	struct rec r;

	memset(&r, 0, sizeof(r));
	snprintf(r.id, sizeof(r.id), "%s", id);
	r.kind = CAIRN__KIND__KIND_ENTRY;
	r.at = at;
	r.body = (uint8_t *)body;
	r.body_len = strlen(body);
	assert_int_equal(store_put(st, &r), CAIRN_OK);
	assert_true(r.hlc > 0);
	assert_int_equal(r.dirty, 1);
}

/* A pulled version as the server would send it. */
/* A main pull's batch of n records (no access events) as alice. */
static int
apply_pull(struct store *st, const struct rec *recs, size_t n, uint64_t cursor,
           const char *epoch, size_t *applied)
{
	struct store_batch b;

	memset(&b, 0, sizeof(b));
	b.recs = recs;
	b.n = n;
	b.me = "alice";
	b.cursor = cursor;
	b.epoch = epoch;
	return store_apply_pull(st, &b, applied, NULL);
}

static struct rec
remote(const char *id, uint64_t hlc, const char *device, const char *body,
       int deleted)
{
	struct rec r;

	memset(&r, 0, sizeof(r));
	snprintf(r.id, sizeof(r.id), "%s", id);
	snprintf(r.owner, sizeof(r.owner), "alice");
	snprintf(r.device, sizeof(r.device), "%s", device);
	r.kind = CAIRN__KIND__KIND_ENTRY;
	r.hlc = hlc;
	r.deleted = deleted;
	r.at = 500;
	if (body != NULL) {
		r.body = (uint8_t *)body;
		r.body_len = strlen(body);
	}
	return r;
}

/* The stored row of id, deleted ones included, via raw SQL. */
static int
raw_row(const char *path, const char *id, uint64_t *hlc, char *body, size_t len,
        int *dirty, int *deleted)
{
	sqlite3 *db;
	sqlite3_stmt *s;
	int found = 0;
	const void *b;
	int n;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(
	                         db,
	                         "SELECT hlc, body, dirty, deleted FROM records"
	                         " WHERE id = ?1",
	                         -1, &s, NULL),
	                 SQLITE_OK);
	sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW) {
		found = 1;
		*hlc = (uint64_t)sqlite3_column_int64(s, 0);
		b = sqlite3_column_blob(s, 1);
		n = sqlite3_column_bytes(s, 1);
		snprintf(body, len, "%.*s", n,
		         b != NULL ? (const char *)b : "");
		*dirty = sqlite3_column_int(s, 2);
		*deleted = sqlite3_column_int(s, 3);
	}
	sqlite3_finalize(s);
	sqlite3_close(db);
	return found;
}

static void
test_migrations_and_mode(void **state)
{
	struct fixture *f = *state;
	struct stat sb;
	sqlite3 *db;
	sqlite3_stmt *s;
	char v[32];

	assert_int_equal(store_meta_set(f->st, "k", "v1"), CAIRN_OK);
	store_close(f->st);
	f->st = NULL;
	/* Reopening runs no migration twice and keeps the data. */
	assert_int_equal(store_open(f->path, 0, &f->st, NULL), CAIRN_OK);
	assert_int_equal(store_meta_get(f->st, "k", v, sizeof(v)), CAIRN_OK);
	assert_string_equal(v, "v1");
	assert_int_equal(store_meta_get(f->st, "nope", v, sizeof(v)),
	                 CAIRN_ENOTFOUND);
	assert_int_equal(store_meta_get(f->st, "k", v, 2), CAIRN_ETOOBIG);

	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(
	        sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &s, NULL),
	        SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(s, 0), 4);
	sqlite3_finalize(s);
	sqlite3_close(db);

	/* Created under umask 022, still only for its owner. */
	assert_int_equal(stat(f->path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
}

static void
test_query_only(void **state)
{
	struct fixture *f = *state;
	struct store *ro = NULL;
	char v[8];

	assert_int_equal(store_meta_set(f->st, "k", "v"), CAIRN_OK);
	assert_int_equal(store_open(f->path, 1, &ro, NULL), CAIRN_OK);
	assert_int_equal(store_meta_get(ro, "k", v, sizeof(v)), CAIRN_OK);
	assert_int_not_equal(store_meta_set(ro, "k", "w"), CAIRN_OK);
	store_close(ro);
}

static void
test_open_errors(void **state)
{
	struct fixture *f = *state;
	struct errbuf err = {""};
	struct store *st = NULL;
	char path[192], want[256];
	FILE *junk;
	int i;

	/* A missing folder: the message names the path and why. */
	snprintf(path, sizeof(path), "%s/missing/cairn.db", f->dir);
	assert_int_equal(store_open(path, 0, &st, &err), CAIRN_ESTORAGE);
	assert_null(st);
	snprintf(want, sizeof(want), "cannot open %s: ", path);
	assert_memory_equal(err.msg, want, strlen(want));
	/* NULL is allowed when the caller wants no message. */
	assert_int_equal(store_open(path, 0, &st, NULL), CAIRN_ESTORAGE);

	/* A file that is not a database. */
	snprintf(path, sizeof(path), "%s/junk.db", f->dir);
	assert_non_null(junk = fopen(path, "w"));
	for (i = 0; i < 100; i++)
		fputs("not a database at all\n", junk);
	assert_int_equal(fclose(junk), 0);
	err.msg[0] = '\0';
	assert_int_equal(store_open(path, 0, &st, &err), CAIRN_ESTORAGE);
	assert_null(st);
	assert_non_null(strstr(err.msg, path));

	/* The store says nothing on the command's error line. */
	assert_null(cli_errmsg());
}

static void
test_get_prefix(void **state)
{
	struct fixture *f = *state;
	struct rec r;

	put(f->st, ID_A1, 100, "one");
	put(f->st, ID_A2, 200, "two");
	put(f->st, ID_B, 300, "three");

	assert_int_equal(store_get(f->st, "aaaaaa", &r), CAIRN_EAMBIGUOUS);
	assert_int_equal(store_get(f->st, "aaaaaa2", &r), CAIRN_OK);
	assert_string_equal(r.id, ID_A2);
	assert_int_equal(r.body_len, 3);
	assert_memory_equal(r.body, "two", 3);
	assert_int_equal(r.at, 200);
	rec_release(&r);
	assert_int_equal(store_get(f->st, ID_B, &r), CAIRN_OK);
	assert_string_equal(r.id, ID_B);
	rec_release(&r);
	assert_int_equal(store_get(f->st, "cccccc", &r), CAIRN_ENOTFOUND);
	assert_int_equal(store_get(f->st, "aaaaa", &r), CAIRN_EINVAL);
	assert_int_equal(store_get(f->st, "AAAAAA", &r), CAIRN_EINVAL);

	/* A tombstone is not found, and the prefix is no longer ambiguous. */
	assert_int_equal(store_get(f->st, ID_A1, &r), CAIRN_OK);
	rec_release(&r);
	r.deleted = 1;
	assert_int_equal(store_put(f->st, &r), CAIRN_OK);
	assert_int_equal(store_get(f->st, ID_A1, &r), CAIRN_ENOTFOUND);
	assert_int_equal(store_get(f->st, "aaaaaa", &r), CAIRN_OK);
	assert_string_equal(r.id, ID_A2);
	rec_release(&r);
}

struct seen {
	char ids[8][UUID_LEN + 1];
	int n;
};

static int
collect(void *arg, const struct rec *r)
{
	struct seen *s = arg;

	if (s->n < 8)
		snprintf(s->ids[s->n++], UUID_LEN + 1, "%s", r->id);
	return 0;
}

static int
stop_after_one(void *arg, const struct rec *r)
{
	collect(arg, r);
	return 42;
}

static void
test_list(void **state)
{
	struct fixture *f = *state;
	struct store_filter all = {INT64_MIN, INT64_MAX, 0, NULL};
	struct store_filter flt;
	struct seen s;
	struct rec r;

	put(f->st, ID_A1, 100, "one");
	put(f->st, ID_B, 300, "three");
	put(f->st, ID_A2, 200, "two");

	memset(&s, 0, sizeof(s));
	assert_int_equal(store_list(f->st, &all, collect, &s), CAIRN_OK);
	assert_int_equal(s.n, 3);
	assert_string_equal(s.ids[0], ID_B);
	assert_string_equal(s.ids[1], ID_A2);
	assert_string_equal(s.ids[2], ID_A1);

	flt = all;
	flt.since = 150;
	flt.until = 300;
	memset(&s, 0, sizeof(s));
	assert_int_equal(store_list(f->st, &flt, collect, &s), CAIRN_OK);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.ids[0], ID_A2);

	flt = all;
	flt.limit = 2;
	memset(&s, 0, sizeof(s));
	assert_int_equal(store_list(f->st, &flt, collect, &s), CAIRN_OK);
	assert_int_equal(s.n, 2);

	/* Owner filter: a pulled record of bob shows only for bob. */
	r = remote(ID_C, hlc_make(1000, 0), "dev-bob", "bob's", 0);
	snprintf(r.owner, sizeof(r.owner), "bob");
	assert_int_equal(apply_pull(f->st, &r, 1, 1, "e1", NULL), CAIRN_OK);
	flt = all;
	flt.owner = "bob";
	memset(&s, 0, sizeof(s));
	assert_int_equal(store_list(f->st, &flt, collect, &s), CAIRN_OK);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.ids[0], ID_C);

	/* A callback's non-zero return stops the walk and is returned. */
	memset(&s, 0, sizeof(s));
	assert_int_equal(store_list(f->st, &all, stop_after_one, &s), 42);
	assert_int_equal(s.n, 1);
}

static void
test_dirty_and_mark_clean(void **state)
{
	struct fixture *f = *state;
	struct rec *batch = NULL;
	size_t n = 0, cleaned = 99;
	uint64_t count;

	put(f->st, ID_A1, 100, "one");
	put(f->st, ID_A2, 200, "two");
	put(f->st, ID_B, 300, "three");
	assert_int_equal(store_count_dirty(f->st, &count), CAIRN_OK);
	assert_int_equal(count, 3);

	assert_int_equal(store_dirty_batch(f->st, 2, 1 << 20, &batch, &n),
	                 CAIRN_OK);
	assert_int_equal(n, 2);
	rec_free_array(batch, n);

	assert_int_equal(store_dirty_batch(f->st, 10, 1 << 20, &batch, &n),
	                 CAIRN_OK);
	assert_int_equal(n, 3);
	/* ID_A2 is edited while the push is in flight. */
	put(f->st, ID_A2, 200, "two, edited");
	assert_int_equal(store_mark_clean(f->st, batch, n, &cleaned), CAIRN_OK);
	assert_int_equal(cleaned, 2);
	rec_free_array(batch, n);

	assert_int_equal(store_count_dirty(f->st, &count), CAIRN_OK);
	assert_int_equal(count, 1);
	assert_int_equal(store_dirty_batch(f->st, 10, 1 << 20, &batch, &n),
	                 CAIRN_OK);
	assert_int_equal(n, 1);
	assert_string_equal(batch[0].id, ID_A2);
	assert_memory_equal(batch[0].body, "two, edited", 11);
	rec_free_array(batch, n);

	/* The byte budget cuts a batch, but never below one record. */
	put(f->st, ID_C, 400, "four");
	assert_int_equal(store_dirty_batch(f->st, 10, 1, &batch, &n), CAIRN_OK);
	assert_int_equal(n, 1);
	rec_free_array(batch, n);
}

static void
test_apply_merge(void **state)
{
	struct fixture *f = *state;
	struct rec in[3], *batch = NULL;
	uint64_t hlc, cursor, h0, local;
	char body[64], epoch[16];
	int dirty, deleted;
	size_t applied = 0, n = 0;

	h0 = hlc_make(hlc_wall_ms(), 0);
	/* New records are stored clean. */
	in[0] = remote(ID_A1, h0 + 10, "dev-x", "v1", 0);
	in[1] = remote(ID_B, h0 + 10, "dev-x", "b1", 0);
	assert_int_equal(apply_pull(f->st, in, 2, 7, "e1", &applied), CAIRN_OK);
	assert_int_equal(applied, 2);
	assert_true(raw_row(f->path, ID_A1, &hlc, body, sizeof(body), &dirty,
	                    &deleted));
	assert_string_equal(body, "v1");
	assert_int_equal(dirty, 0);
	assert_int_equal(store_meta_get_u64(f->st, "cursor", &cursor),
	                 CAIRN_OK);
	assert_int_equal(cursor, 7);
	assert_int_equal(store_meta_get(f->st, "epoch", epoch, sizeof(epoch)),
	                 CAIRN_OK);
	assert_string_equal(epoch, "e1");

	/* Newer wins; older is ignored; equal hlc goes by device id. */
	in[0] = remote(ID_A1, h0 + 20, "dev-x", "v2", 0);
	in[1] = remote(ID_B, h0 + 5, "dev-x", "b-old", 0);
	in[2] = remote(ID_B, h0 + 10, "dev-a", "b-tie-loses", 0);
	assert_int_equal(apply_pull(f->st, in, 3, 9, "e1", &applied), CAIRN_OK);
	assert_int_equal(applied, 1);
	assert_true(raw_row(f->path, ID_A1, &hlc, body, sizeof(body), &dirty,
	                    &deleted));
	assert_string_equal(body, "v2");
	assert_true(raw_row(f->path, ID_B, &hlc, body, sizeof(body), &dirty,
	                    &deleted));
	assert_string_equal(body, "b1");
	in[0] = remote(ID_B, h0 + 10, "dev-z", "b-tie-wins", 0);
	assert_int_equal(apply_pull(f->st, in, 1, 10, "e1", &applied),
	                 CAIRN_OK);
	assert_int_equal(applied, 1);
	assert_true(raw_row(f->path, ID_B, &hlc, body, sizeof(body), &dirty,
	                    &deleted));
	assert_string_equal(body, "b-tie-wins");

	/* The clock moved past what was seen: a local edit now wins. */
	put(f->st, ID_A1, 500, "local edit");
	assert_int_equal(store_dirty_batch(f->st, 10, 1 << 20, &batch, &n),
	                 CAIRN_OK);
	assert_int_equal(n, 1);
	assert_true(batch[0].hlc > h0 + 20);
	local = batch[0].hlc;
	rec_free_array(batch, n);
	/* An older remote version leaves the dirty local one alone. */
	in[0] = remote(ID_A1, local - 1, "dev-x", "v3", 0);
	assert_int_equal(apply_pull(f->st, in, 1, 11, "e1", &applied),
	                 CAIRN_OK);
	assert_int_equal(applied, 0);
	assert_true(raw_row(f->path, ID_A1, &hlc, body, sizeof(body), &dirty,
	                    &deleted));
	assert_string_equal(body, "local edit");
	assert_int_equal(dirty, 1);

	/* A newer remote version beats the dirty local one. */
	in[0] = remote(ID_A1, local + 1, "dev-x", "v4", 0);
	assert_int_equal(apply_pull(f->st, in, 1, 12, "e1", &applied),
	                 CAIRN_OK);
	assert_int_equal(applied, 1);
	assert_true(raw_row(f->path, ID_A1, &hlc, body, sizeof(body), &dirty,
	                    &deleted));
	assert_string_equal(body, "v4");
	assert_int_equal(dirty, 0);

	/* A newer tombstone deletes; a newer edit resurrects. */
	in[0] = remote(ID_B, h0 + 40, "dev-x", NULL, 1);
	assert_int_equal(apply_pull(f->st, in, 1, 12, "e1", &applied),
	                 CAIRN_OK);
	assert_true(raw_row(f->path, ID_B, &hlc, body, sizeof(body), &dirty,
	                    &deleted));
	assert_int_equal(deleted, 1);
	in[0] = remote(ID_B, h0 + 50, "dev-x", "back", 0);
	assert_int_equal(apply_pull(f->st, in, 1, 13, "e1", &applied),
	                 CAIRN_OK);
	assert_true(raw_row(f->path, ID_B, &hlc, body, sizeof(body), &dirty,
	                    &deleted));
	assert_int_equal(deleted, 0);
	assert_string_equal(body, "back");
}

static void
test_apply_atomic(void **state)
{
	struct fixture *f = *state;
	struct rec in[2];
	sqlite3 *db;
	uint64_t cursor, hlc;
	char body[16];
	int dirty, deleted;

	assert_int_equal(store_meta_set_u64(f->st, "cursor", 3), CAIRN_OK);
	/* Make the second insert of the batch fail. */
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(
	        sqlite3_exec(db,
	                     "CREATE TRIGGER fail BEFORE INSERT ON records"
	                     " WHEN NEW.id = '" ID_B "'"
	                     " BEGIN SELECT RAISE(ABORT, 'boom'); END",
	                     NULL, NULL, NULL),
	        SQLITE_OK);
	sqlite3_close(db);
	in[0] = remote(ID_A1, hlc_make(1000, 0), "dev-x", "a", 0);
	in[1] = remote(ID_B, hlc_make(1000, 0), "dev-x", "b", 0);
	assert_int_not_equal(apply_pull(f->st, in, 2, 9, "e1", NULL), CAIRN_OK);
	assert_false(raw_row(f->path, ID_A1, &hlc, body, sizeof(body), &dirty,
	                     &deleted));
	assert_int_equal(store_meta_get_u64(f->st, "cursor", &cursor),
	                 CAIRN_OK);
	assert_int_equal(cursor, 3);
	/* The store still works after the failed transaction. */
	assert_int_equal(apply_pull(f->st, in, 1, 4, "e1", NULL), CAIRN_OK);
	assert_int_equal(store_meta_get_u64(f->st, "cursor", &cursor),
	                 CAIRN_OK);
	assert_int_equal(cursor, 4);
}

static void
test_reset_and_restamp(void **state)
{
	struct fixture *f = *state;
	struct rec in[2], *batch = NULL;
	uint64_t count, cursor, before;
	size_t n = 0, restamped = 0, i;
	char epoch[16];

	in[0] = remote(ID_A1, hlc_make(1000, 0), "dev-x", "mine", 0);
	in[1] = remote(ID_B, hlc_make(1000, 0), "dev-y", "bob's", 0);
	snprintf(in[1].owner, sizeof(in[1].owner), "bob");
	assert_int_equal(apply_pull(f->st, in, 2, 50, "e1", NULL), CAIRN_OK);
	assert_int_equal(store_count_dirty(f->st, &count), CAIRN_OK);
	assert_int_equal(count, 0);

	assert_int_equal(store_reset(f->st, "alice", "e2"), CAIRN_OK);
	assert_int_equal(store_count_dirty(f->st, &count), CAIRN_OK);
	assert_int_equal(count, 1);
	assert_int_equal(store_dirty_batch(f->st, 10, 1 << 20, &batch, &n),
	                 CAIRN_OK);
	assert_int_equal(n, 1);
	assert_string_equal(batch[0].id, ID_A1);
	rec_free_array(batch, n);
	assert_int_equal(store_meta_get_u64(f->st, "cursor", &cursor),
	                 CAIRN_OK);
	assert_int_equal(cursor, 0);
	assert_int_equal(store_meta_get(f->st, "epoch", epoch, sizeof(epoch)),
	                 CAIRN_OK);
	assert_string_equal(epoch, "e2");

	/* A version written before login carries a local device id. */
	put(f->st, ID_C, 10, "offline");
	assert_int_equal(store_count_foreign(f->st, "alice", &count), CAIRN_OK);
	assert_int_equal(count, 1);
	/*
	 * Only what was written here is re-stamped; the version pulled from
	 * dev-x goes back as it is, so a newer version another device pushed
	 * since the server's restore still beats it there.
	 */
	assert_int_equal(store_restamp(f->st, "dev-new", &restamped), CAIRN_OK);
	assert_int_equal(restamped, 1);
	assert_int_equal(store_dirty_batch(f->st, 10, 1 << 20, &batch, &n),
	                 CAIRN_OK);
	assert_int_equal(n, 2);
	for (i = 0; i < n; i++) {
		if (strcmp(batch[i].id, ID_A1) == 0) {
			assert_string_equal(batch[i].device, "dev-x");
			assert_true(batch[i].hlc == hlc_make(1000, 0));
		} else {
			assert_string_equal(batch[i].device, "dev-new");
		}
	}
	before = batch[0].hlc;
	rec_free_array(batch, n);
	assert_int_equal(store_restamp(f->st, "dev-new", &restamped), CAIRN_OK);
	assert_int_equal(restamped, 0);
	assert_int_equal(store_dirty_batch(f->st, 10, 1 << 20, &batch, &n),
	                 CAIRN_OK);
	assert_int_equal(batch[0].hlc, before);
	rec_free_array(batch, n);

	/* Claiming gives pre-login records to the handle. */
	assert_int_equal(store_claim(f->st, "alice"), CAIRN_OK);
	assert_int_equal(store_count_foreign(f->st, "alice", &count), CAIRN_OK);
	assert_int_equal(count, 1);
	assert_int_equal(store_count_foreign(f->st, "bob", &count), CAIRN_OK);
	assert_int_equal(count, 2);
}

static void
test_nested_transactions(void **state)
{
	struct fixture *f = *state;
	char v[8];

	assert_int_equal(store_begin(f->st), CAIRN_OK);
	assert_int_equal(store_meta_set(f->st, "t", "1"), CAIRN_OK);
	put(f->st, ID_A1, 1, "x");
	store_rollback(f->st);
	assert_int_equal(store_meta_get(f->st, "t", v, sizeof(v)),
	                 CAIRN_ENOTFOUND);
	assert_int_equal(store_get(f->st, ID_A1, &(struct rec){0}),
	                 CAIRN_ENOTFOUND);
}

/* Counts rows matching a WHERE clause, via raw SQL. */
static int
raw_count(const char *path, const char *where)
{
	char sql[256];
	sqlite3 *db;
	sqlite3_stmt *s;
	int n;

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM records WHERE %s",
	         where);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	n = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(db);
	return n;
}

/* A record of someone's, about subject, at seq. */
static struct rec
about(const char *id, const char *owner, const char *subject, int kind,
      uint64_t seq)
{
	struct rec r = remote(id, hlc_make(1000 + seq, 0), "dev-x", "b", 0);

	snprintf(r.owner, sizeof(r.owner), "%s", owner);
	snprintf(r.subject, sizeof(r.subject), "%s", subject);
	r.kind = kind;
	r.seq = seq;
	return r;
}

#define ID_P1 "a1000000-0000-4000-8000-000000000001"
#define ID_P2 "a1000000-0000-4000-8000-000000000002"
#define ID_PC "a1000000-0000-4000-8000-000000000003"
#define ID_MC "a1000000-0000-4000-8000-000000000004"
#define ID_BC "a1000000-0000-4000-8000-000000000005"

/*
 * Access events in a batch, in seq order with its records: a grant plans
 * a backfill (resumable, then done); a revoke forgets what others wrote
 * about the subject, keeps what this home wrote, and drops the backfill.
 */
static void
test_access_events(void **state)
{
	struct fixture *f = *state;
	struct access acc[2];
	struct store_batch b;
	char subject[HANDLE_MAX + 1];
	uint64_t upto, after, cursor;
	struct rec recs[4];
	size_t forgot = 0, applied = 0;

	memset(acc, 0, sizeof(acc));
	recs[0] = about(ID_P1, "pat", "pat", CAIRN__KIND__KIND_ENTRY, 5);
	acc[0].seq = 7;
	snprintf(acc[0].subject, sizeof(acc[0].subject), "pat");
	acc[0].granted = 1;
	recs[1] = about(ID_PC, "carol", "pat", CAIRN__KIND__KIND_COMMENT, 8);
	recs[2] = about(ID_MC, "alice", "pat", CAIRN__KIND__KIND_COMMENT, 9);
	memset(&b, 0, sizeof(b));
	b.recs = recs;
	b.n = 3;
	b.access = acc;
	b.n_access = 1;
	b.me = "alice";
	b.cursor = 9;
	b.epoch = "e1";
	assert_int_equal(store_apply_pull(f->st, &b, &applied, &forgot),
	                 CAIRN_OK);
	assert_int_equal(applied, 3);
	assert_int_equal(store_meta_get_u64(f->st, "cursor", &cursor),
	                 CAIRN_OK);
	assert_int_equal(cursor, 9);
	assert_int_equal(store_backfill_next(f->st, subject, &upto, &after),
	                 CAIRN_OK);
	assert_string_equal(subject, "pat");
	assert_int_equal(upto, 7);
	assert_int_equal(after, 0);

	/* A backfill batch moves its position, not the cursor. */
	recs[3] = about(ID_P2, "pat", "pat", CAIRN__KIND__KIND_ENTRY, 3);
	memset(&b, 0, sizeof(b));
	b.recs = &recs[3];
	b.n = 1;
	b.me = "alice";
	b.cursor = 3;
	b.backfill = "pat";
	assert_int_equal(store_apply_pull(f->st, &b, NULL, NULL), CAIRN_OK);
	assert_int_equal(store_backfill_next(f->st, subject, &upto, &after),
	                 CAIRN_OK);
	assert_int_equal(after, 3);
	assert_int_equal(store_meta_get_u64(f->st, "cursor", &cursor),
	                 CAIRN_OK);
	assert_int_equal(cursor, 9);
	b.n = 0;
	b.cursor = 7;
	b.done = 1;
	assert_int_equal(store_apply_pull(f->st, &b, NULL, NULL), CAIRN_OK);
	assert_int_equal(store_backfill_next(f->st, subject, &upto, &after),
	                 CAIRN_ENOTFOUND);
	assert_int_equal(raw_count(f->path, "subject = 'pat'"), 4);

	/* The inbox: news about alice, in arrival order. */
	recs[0] = about(ID_BC, "bob", "alice", CAIRN__KIND__KIND_COMMENT, 10);
	assert_int_equal(apply_pull(f->st, recs, 1, 10, "e1", NULL), CAIRN_OK);
	assert_int_equal(raw_count(f->path, "arrived > 0"), 4);
	assert_int_equal(raw_count(f->path, "arrived = 0"), 1); /* mine */

	/* A revoke of pat, then a grant again: forgotten, then planned. */
	memset(acc, 0, sizeof(acc));
	acc[0].seq = 11;
	snprintf(acc[0].subject, sizeof(acc[0].subject), "pat");
	acc[1].seq = 12;
	snprintf(acc[1].subject, sizeof(acc[1].subject), "pat");
	acc[1].granted = 1;
	memset(&b, 0, sizeof(b));
	b.access = acc;
	b.n_access = 1;
	b.me = "alice";
	b.cursor = 11;
	b.epoch = "e1";
	forgot = 0;
	assert_int_equal(store_apply_pull(f->st, &b, NULL, &forgot), CAIRN_OK);
	assert_int_equal(forgot, 3); /* pat's two entries, carol's comment */
	assert_int_equal(raw_count(f->path, "subject = 'pat'"), 1);
	assert_int_equal(raw_count(f->path, "id = '" ID_MC "'"), 1);
	assert_int_equal(raw_count(f->path, "id = '" ID_BC "'"), 1);
	b.access = &acc[1];
	b.cursor = 12;
	assert_int_equal(store_apply_pull(f->st, &b, NULL, NULL), CAIRN_OK);
	assert_int_equal(store_backfill_next(f->st, subject, &upto, &after),
	                 CAIRN_OK);
	assert_int_equal(upto, 12);

	/* A home that changes hands forgets what was shared with it. */
	assert_int_equal(store_drop_cache(f->st, "alice"), CAIRN_OK);
	assert_int_equal(raw_count(f->path, "owner <> 'alice'"), 0);
	assert_int_equal(store_backfill_next(f->st, subject, &upto, &after),
	                 CAIRN_ENOTFOUND);
	assert_int_equal(store_meta_get_u64(f->st, "cursor", &cursor),
	                 CAIRN_OK);
	assert_int_equal(cursor, 0);
}

/* Comments and reviews go after everything else in a push. */
static void
test_dirty_order(void **state)
{
	struct fixture *f = *state;
	struct rec r, *recs = NULL;
	size_t n = 0;

	memset(&r, 0, sizeof(r));
	snprintf(r.id, sizeof(r.id), "%s", ID_MC);
	r.kind = CAIRN__KIND__KIND_COMMENT;
	r.body = (uint8_t *)"c";
	r.body_len = 1;
	assert_int_equal(store_put(f->st, &r), CAIRN_OK);
	snprintf(r.id, sizeof(r.id), "%s", ID_P1);
	r.kind = CAIRN__KIND__KIND_ENTRY;
	assert_int_equal(store_put(f->st, &r), CAIRN_OK);
	assert_int_equal(store_dirty_batch(f->st, 10, 1 << 20, &recs, &n),
	                 CAIRN_OK);
	assert_int_equal(n, 2);
	assert_string_equal(recs[0].id, ID_P1);
	assert_string_equal(recs[1].id, ID_MC);
	rec_free_array(recs, n);
	/* A refused comment is set aside: no longer dirty. */
	assert_int_equal(store_set_clean(f->st, ID_MC), CAIRN_OK);
	assert_int_equal(raw_count(f->path, "dirty > 0"), 1);
	assert_int_equal(store_set_clean(f->st, ID_BC), CAIRN_ENOTFOUND);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_migrations_and_mode, setup,
	                                        teardown),
	        cmocka_unit_test_setup_teardown(test_query_only, setup,
	                                        teardown),
	        cmocka_unit_test_setup_teardown(test_open_errors, setup,
	                                        teardown),
	        cmocka_unit_test_setup_teardown(test_get_prefix, setup,
	                                        teardown),
	        cmocka_unit_test_setup_teardown(test_list, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_dirty_and_mark_clean,
	                                        setup, teardown),
	        cmocka_unit_test_setup_teardown(test_apply_merge, setup,
	                                        teardown),
	        cmocka_unit_test_setup_teardown(test_apply_atomic, setup,
	                                        teardown),
	        cmocka_unit_test_setup_teardown(test_reset_and_restamp, setup,
	                                        teardown),
	        cmocka_unit_test_setup_teardown(test_access_events, setup,
	                                        teardown),
	        cmocka_unit_test_setup_teardown(test_dirty_order, setup,
	                                        teardown),
	        cmocka_unit_test_setup_teardown(test_nested_transactions, setup,
	                                        teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
