/*
 * The change-log cursor with many writers (docs/sync.md, "Many writers",
 * SYNC-CASES 13), against a real PostgreSQL: several cairnd write through
 * connections of their own, and a reader's cursor must never pass a seq
 * that commits later. Runs in pg mode only (tests/pg/pg-run, ctest label
 * pg); with SQLite, one writer per file makes the case moot, and the
 * tests skip.
 *
 * 1. Two writers interleaved by hand: while A's transaction holds seq 1,
 *    B cannot take a seq (it waits on A's lock, seen in pg_locks), a
 *    reader sees neither, and after A commits, B gets seq 2: seqs commit
 *    in the order they are given.
 * 2. Two writer threads and a reader thread racing: the reader, moving
 *    its cursor to the last change it saw as a pull does, sees every
 *    record written.
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
#include <pthread.h>

#include "err.h"
#include "hlc.h"
#include "store.h"
#include "store-backend.h"

#define DEV "aaaaaaaa-0000-4000-8000-000000000001"
#define RACE_TX 150 /* transactions per writer thread */
#define RACE_PER_TX 3

struct fixture {
	char url[256], name[64];
	struct store *a, *b, *reader;
	int64_t alice;
};

static struct store *
open_store(const char *url)
{
	struct store *st = NULL;
	char err[256];

	if (store_open(url, &st, err, sizeof(err)) != CAIRN_OK)
		fail_msg("store_open: %s", err);
	return st;
}

static int
setup(void **state)
{
	struct fixture *f;
	struct store_user u;

	if (!backend_is_pg())
		return 0; /* each test skips */
	f = calloc(1, sizeof(*f));
	assert_non_null(f);
	backend_pg_new(f->url, sizeof(f->url), f->name, sizeof(f->name));
	f->a = open_store(f->url);
	f->b = open_store(f->url);
	f->reader = open_store(f->url);
	memset(&u, 0, sizeof(u));
	snprintf(u.handle, sizeof(u.handle), "alice");
	u.n = u.r = u.p = 1;
	assert_int_equal(f->a->ops->user_create(f->a, &u), CAIRN_OK);
	f->alice = u.id;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	if (f == NULL)
		return 0;
	f->a->ops->close(f->a);
	f->b->ops->close(f->b);
	f->reader->ops->close(f->reader);
	free(f);
	return 0;
}

static void
put(struct store *st, int64_t owner, const char *id)
{
	static const uint8_t body[] = {1, 2, 3};
	struct store_record r;

	memset(&r, 0, sizeof(r));
	r.id = id;
	r.kind = 1;
	r.owner_id = owner;
	r.hlc = hlc_make(1700000000000ull, 0);
	r.device = DEV;
	r.body = body;
	r.body_len = sizeof(body);
	assert_int_equal(st->ops->record_put(st, &r), CAIRN_OK);
}

static void
rec_id(char out[UUID_LEN + 1], unsigned writer, unsigned n)
{
	snprintf(out, UUID_LEN + 1, "%08x-0000-4000-8000-%012x", writer, n);
}

/* What a pull sees: ids in seq order, and the last seq (the cursor). */
struct seen {
	uint64_t seqs[4096];
	char ids[4096][UUID_LEN + 1];
	size_t n;
	uint64_t cursor;
};

static int
on_change(void *arg, const struct store_change *ch)
{
	struct seen *s = arg;

	if (ch->type != STORE_CH_RECORD || s->n == 4096)
		return -1;
	s->seqs[s->n] = ch->seq;
	snprintf(s->ids[s->n++], UUID_LEN + 1, "%s", ch->rec->id);
	s->cursor = ch->seq;
	return 0;
}

/* One pull as dbq runs it: a read transaction, changes after cursor. */
static void
pull(struct store *st, int64_t viewer, struct seen *s, size_t limit)
{
	struct store_query q;

	memset(&q, 0, sizeof(q));
	q.viewer = viewer;
	q.cursor = s->cursor;
	q.limit = limit;
	assert_int_equal(st->ops->begin(st, 0), CAIRN_OK);
	assert_int_equal(st->ops->changes(st, &q, on_change, s), CAIRN_OK);
	assert_int_equal(st->ops->commit(st), CAIRN_OK);
}

/* Lock waits in the cluster, as pg_locks shows them. */
static int
waiting_locks(const char *db)
{
	char cmd[512], out[32] = "";
	FILE *p;

	snprintf(
	        cmd, sizeof(cmd),
	        "psql -qAt -d '%s' -c 'SELECT count(*) FROM pg_locks WHERE NOT granted'",
	        db);
	p = popen(cmd, "r");
	assert_non_null(p);
	if (fgets(out, sizeof(out), p) == NULL)
		out[0] = '\0';
	pclose(p);
	return atoi(out);
}

struct writer_b {
	struct store *st;
	int64_t owner;
	volatile int done;
	int rc; /* the first failure; asserted by the main thread */
	uint64_t seq;
};

/* No cmocka assertion here: they may only fail in the test's thread. */
static void *
writer_b_run(void *arg)
{
	static const uint8_t body[] = {1, 2, 3};
	struct writer_b *w = arg;
	struct store_record_head h;
	struct store_record r;
	char id[UUID_LEN + 1];

	rec_id(id, 0xb, 1);
	memset(&r, 0, sizeof(r));
	r.id = id;
	r.kind = 1;
	r.owner_id = w->owner;
	r.hlc = hlc_make(1700000000000ull, 0);
	r.device = DEV;
	r.body = body;
	r.body_len = sizeof(body);
	if ((w->rc = w->st->ops->begin(w->st, 1)) == CAIRN_OK &&
	    (w->rc = w->st->ops->record_put(w->st, &r)) == CAIRN_OK &&
	    (w->rc = w->st->ops->commit(w->st)) == CAIRN_OK &&
	    (w->rc = w->st->ops->record_get(w->st, id, &h)) == CAIRN_OK)
		w->seq = h.seq;
	if (w->rc != CAIRN_OK)
		w->st->ops->rollback(w->st);
	w->done = 1;
	return NULL;
}

static void
test_interleaved_writers(void **state)
{
	struct fixture *f = *state;
	struct writer_b wb = {0};
	struct seen s;
	struct store_record_head h;
	char ida[UUID_LEN + 1];
	pthread_t t;
	uint64_t max;
	int tries;

	if (!backend_is_pg())
		skip();
	memset(&s, 0, sizeof(s));
	rec_id(ida, 0xa, 1);
	/* A takes seq 1 and does not commit yet. */
	assert_int_equal(f->a->ops->begin(f->a, 1), CAIRN_OK);
	put(f->a, f->alice, ida);
	assert_int_equal(f->a->ops->record_get(f->a, ida, &h), CAIRN_OK);
	assert_int_equal(h.seq, 1);
	/* B, another cairnd, starts a write: it must wait for A. */
	wb.st = f->b;
	wb.owner = f->alice;
	assert_int_equal(pthread_create(&t, NULL, writer_b_run, &wb), 0);
	for (tries = 0; tries < 600 && waiting_locks(f->name) < 1; tries++)
		usleep(50000);
	assert_true(waiting_locks(f->name) >= 1);
	assert_false(wb.done);
	/* A reader sees neither, and its cursor stays where it was. */
	pull(f->reader, f->alice, &s, 100);
	assert_int_equal(s.n, 0);
	assert_int_equal(f->reader->ops->begin(f->reader, 0), CAIRN_OK);
	assert_int_equal(f->reader->ops->max_seq(f->reader, &max), CAIRN_OK);
	assert_int_equal(f->reader->ops->commit(f->reader), CAIRN_OK);
	assert_int_equal(max, 0);
	/* A commits; only then does B get its seq, the next one. */
	assert_int_equal(f->a->ops->commit(f->a), CAIRN_OK);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_true(wb.done);
	assert_int_equal(wb.rc, CAIRN_OK);
	assert_int_equal(wb.seq, 2);
	pull(f->reader, f->alice, &s, 100);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.ids[0], ida);
	assert_int_equal(s.seqs[0], 1);
	assert_int_equal(s.seqs[1], 2);
	assert_int_equal(s.cursor, 2);
}

struct racer {
	struct store *st;
	int64_t owner;
	unsigned writer;
	volatile int *running;
	int failed;
};

static void *
racer_run(void *arg)
{
	static const uint8_t body[] = {7};
	struct racer *w = arg;
	struct store_record r;
	char id[UUID_LEN + 1];
	unsigned i, j;

	for (i = 0; i < RACE_TX && !w->failed; i++) {
		if (w->st->ops->begin(w->st, 1) != CAIRN_OK) {
			w->failed = 1;
			break;
		}
		for (j = 0; j < RACE_PER_TX; j++) {
			rec_id(id, w->writer, i * RACE_PER_TX + j);
			memset(&r, 0, sizeof(r));
			r.id = id;
			r.kind = 1;
			r.owner_id = w->owner;
			r.hlc = hlc_make(1700000000000ull, 0);
			r.device = DEV;
			r.body = body;
			r.body_len = sizeof(body);
			if (w->st->ops->record_put(w->st, &r) != CAIRN_OK)
				w->failed = 1;
		}
		if (w->st->ops->commit(w->st) != CAIRN_OK)
			w->failed = 1;
	}
	__atomic_sub_fetch(w->running, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

static void
test_racing_writers_and_reader(void **state)
{
	struct fixture *f = *state;
	struct racer w[2];
	pthread_t t[2];
	volatile int running = 2;
	struct seen *s;
	size_t i, total = 2 * RACE_TX * RACE_PER_TX;
	int last;

	if (!backend_is_pg())
		skip();
	s = calloc(1, sizeof(*s));
	assert_non_null(s);
	for (i = 0; i < 2; i++) {
		w[i].st = i == 0 ? f->a : f->b;
		w[i].owner = f->alice;
		w[i].writer = (unsigned)i + 1;
		w[i].running = &running;
		w[i].failed = 0;
		assert_int_equal(pthread_create(&t[i], NULL, racer_run, &w[i]),
		                 0);
	}
	/* Small pulls while the writers race, then one after both ended. */
	for (;;) {
		last = __atomic_load_n(&running, __ATOMIC_SEQ_CST) == 0;
		pull(f->reader, f->alice, s, 7);
		if (last && s->n == total)
			break;
		if (last && s->n > 0) {
			size_t before = s->n;

			pull(f->reader, f->alice, s, 4096);
			if (s->n == before)
				break;
		}
	}
	for (i = 0; i < 2; i++) {
		assert_int_equal(pthread_join(t[i], NULL), 0);
		assert_false(w[i].failed);
	}
	/* Every record, once, in seq order: no cursor passed a late commit. */
	assert_int_equal(s->n, total);
	for (i = 1; i < s->n; i++)
		assert_true(s->seqs[i] > s->seqs[i - 1]);
	assert_int_equal(s->seqs[s->n - 1], total);
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_interleaved_writers, setup,
	                                        teardown),
	        cmocka_unit_test_setup_teardown(test_racing_writers_and_reader,
	                                        setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
