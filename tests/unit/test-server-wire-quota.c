/*
 * The server over the wire with per-user quotas (300 records, 1 MiB): a
 * push stores what fits and answers EQUOTA naming the first version that
 * did not, with words that say what to do; deletes and smaller edits fit
 * whatever the usage. Also two answers that must not tell a user about
 * others: a push of an id someone else holds is refused in the words of
 * any record not one's own, and a pull cursor is judged against what the
 * caller may see, not against the database's highest change number (see
 * wire-harness.h).
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

#include "err.h"
#include "hlc.h"
#include "msg.h"
#include "wire-harness.h"

#define QUOTA_RECORDS 300
#define QUOTA_MB 1
#define BIG_TEXT 4000

/* A version of an entry with a text of len bytes, in its own block. */
struct big {
	Cairn__Record r;
	char id[UUID_LEN + 1];
	uint8_t body[BIG_TEXT + 128];
};

static void
big_make(struct big *b, unsigned prefix, unsigned n, const char *owner,
         const char *dev, uint64_t hlc, size_t len, int deleted)
{
	char text[BIG_TEXT + 1];

	assert_true(len <= BIG_TEXT);
	memset(text, 'x', len);
	text[len] = '\0';
	snprintf(b->id, sizeof(b->id), "%08x-0000-4000-8000-%012x", prefix, n);
	cairn__record__init(&b->r);
	b->r.id = b->id;
	b->r.kind = CAIRN__KIND__KIND_ENTRY;
	b->r.owner = (char *)owner;
	b->r.device = (char *)dev;
	b->r.hlc = hlc;
	b->r.deleted = deleted;
	b->r.body.data = b->body;
	b->r.body.len =
	        deleted ? 0 : entry_body(b->body, sizeof(b->body), text);
}

/* Pushes n versions; returns the response (caller frees). */
static Cairn__Response *
push_big(struct client *c, struct big *v, size_t n)
{
	Cairn__Request req = CAIRN__REQUEST__INIT;
	Cairn__Push p = CAIRN__PUSH__INIT;
	Cairn__Record **ptrs = calloc(n, sizeof(*ptrs));
	Cairn__Response *r;
	size_t i;

	assert_non_null(ptrs);
	for (i = 0; i < n; i++)
		ptrs[i] = &v[i].r;
	p.n_records = n;
	p.records = ptrs;
	req.body_case = CAIRN__REQUEST__BODY_PUSH;
	req.push = &p;
	r = cl_call(c, &req);
	free(ptrs);
	return r;
}

/* How many records another device of handle pulls from 0. */
static size_t
count_stored(const char *handle)
{
	char epoch[UUID_LEN + 1] = "";
	struct client c;
	Cairn__Response *r;
	uint64_t cursor = 0;
	size_t n = 0;
	int more = 1;

	cl_connect(&c);
	cl_hello(&c);
	assert_int_equal(cl_account(&c, 0, handle, PASSWORD, NULL, NULL), 0);
	while (more) {
		r = cl_pull(&c, cursor, epoch, 0);
		assert_int_equal(code_of(r), 0);
		assert_false(r->pull->reset);
		snprintf(epoch, sizeof(epoch), "%s", r->pull->epoch);
		n += r->pull->n_records;
		cursor = r->pull->cursor;
		more = r->pull->more;
		msg_free_response(r);
	}
	cl_close(&c);
	return n;
}

/* The quotas of this test's server. */
static void
quota_tune(struct config *cfg)
{
	cfg->quota_records = QUOTA_RECORDS;
	cfg->quota_mb = QUOTA_MB;
}

static void
assert_quota_refusal(Cairn__Response *r, const char *id)
{
	assert_int_equal(code_of(r), CAIRN_EQUOTA);
	assert_int_equal(err_exit_code(code_of(r)), EXIT_SERVER);
	assert_string_equal(r->status->record_id, id);
	assert_non_null(strstr(r->status->message, "storage quota"));
	assert_non_null(strstr(r->status->message, "300 records / 1 MiB"));
	assert_non_null(strstr(r->status->message, "--quota-records"));
	assert_true(strlen(r->status->message) < 256);
}

static void
test_quota_records(void **state)
{
	uint64_t t = hlc_make(hlc_wall_ms(), 0);
	struct big *v = calloc(QUOTA_RECORDS + 20, sizeof(*v));
	char dev[UUID_LEN + 1];
	Cairn__Response *r;
	struct client c;
	size_t i;

	assert_non_null(v);
	cl_connect(&c);
	cl_hello(&c);
	assert_int_equal(cl_account(&c, 1, "quinn", PASSWORD, dev, NULL), 0);
	for (i = 0; i < QUOTA_RECORDS + 20; i++)
		big_make(&v[i], 0x0a, (unsigned)i, "quinn", dev, t + i, 5, 0);
	r = push_big(&c, v, QUOTA_RECORDS - 10);
	assert_int_equal(code_of(r), 0);
	assert_int_equal(r->push->applied, QUOTA_RECORDS - 10);
	msg_free_response(r);

	/* 20 more: the first 10 fit, the rest are refused, the first named. */
	r = push_big(&c, v + QUOTA_RECORDS - 10, 20);
	assert_quota_refusal(r, v[QUOTA_RECORDS].id);
	msg_free_response(r);
	assert_int_equal(count_stored("quinn"), QUOTA_RECORDS);
	/* The same batch again (the client keeps it queued): no change. */
	r = push_big(&c, v + QUOTA_RECORDS - 10, 20);
	assert_quota_refusal(r, v[QUOTA_RECORDS].id);
	msg_free_response(r);
	assert_int_equal(count_stored("quinn"), QUOTA_RECORDS);

	/*
	 * A batch of two new records, then two deletes: the deletes fit
	 * (they free room) although the records before them did not.
	 */
	big_make(&v[QUOTA_RECORDS + 18], 0x0a, 0, "quinn", dev, t + 1000, 0, 1);
	big_make(&v[QUOTA_RECORDS + 19], 0x0a, 1, "quinn", dev, t + 1001, 0, 1);
	{
		struct big batch[4];

		batch[0] = v[QUOTA_RECORDS];
		batch[1] = v[QUOTA_RECORDS + 1];
		batch[2] = v[QUOTA_RECORDS + 18];
		batch[3] = v[QUOTA_RECORDS + 19];
		for (i = 0; i < 4; i++) {
			batch[i].r.id = batch[i].id;
			batch[i].r.body.data = batch[i].body;
		}
		r = push_big(&c, batch, 4);
		assert_quota_refusal(r, v[QUOTA_RECORDS].id);
		msg_free_response(r);
		/* Now there is room for the two. */
		r = push_big(&c, batch, 2);
		assert_int_equal(code_of(r), 0);
		assert_int_equal(r->push->applied, 2);
		msg_free_response(r);
	}
	cl_close(&c);
	free(v);
}

static void
test_quota_bytes(void **state)
{
	uint64_t t = hlc_make(hlc_wall_ms(), 0);
	const size_t n = 300;
	struct big *v = calloc(n, sizeof(*v));
	char dev[UUID_LEN + 1];
	Cairn__Response *r;
	struct client c;
	size_t i, fit, per;

	assert_non_null(v);
	cl_connect(&c);
	cl_hello(&c);
	assert_int_equal(cl_account(&c, 1, "bea", PASSWORD, dev, NULL), 0);
	for (i = 0; i < n; i++)
		big_make(&v[i], 0x0b, (unsigned)i, "bea", dev, t + i, BIG_TEXT,
		         0);
	per = v[0].r.body.len + STORE_RECORD_OVERHEAD;
	fit = (size_t)QUOTA_MB * 1024 * 1024 / per;
	assert_true(fit < n);
	r = push_big(&c, v, n);
	assert_quota_refusal(r, v[fit].id);
	msg_free_response(r);
	assert_int_equal(count_stored("bea"), fit);

	/* Over the quota, a smaller version of a stored record still fits... */
	big_make(&v[0], 0x0b, 0, "bea", dev, t + 5000, 10, 0);
	r = push_big(&c, v, 1);
	assert_int_equal(code_of(r), 0);
	assert_int_equal(r->push->applied, 1);
	msg_free_response(r);
	/* ...and a bigger one again fits only into the room it made. */
	big_make(&v[0], 0x0b, 0, "bea", dev, t + 5001, BIG_TEXT, 0);
	r = push_big(&c, v, 1);
	assert_int_equal(code_of(r), 0);
	msg_free_response(r);
	big_make(&v[1], 0x0b, 1, "bea", dev, t + 5002, 10, 0);
	r = push_big(&c, v + 1, 1); /* shrink one, */
	assert_int_equal(code_of(r), 0);
	msg_free_response(r);
	big_make(&v[1], 0x0b, 1, "bea", dev, t + 5003, BIG_TEXT, 0);
	r = push_big(&c, v + 1, 1); /* and it grows back */
	assert_int_equal(code_of(r), 0);
	msg_free_response(r);
	r = push_big(&c, v + fit, 1); /* the first refused, still refused */
	assert_quota_refusal(r, v[fit].id);
	msg_free_response(r);
	cl_close(&c);
	free(v);
}

/*
 * The id of another user's record is refused with the words of a record
 * that names another owner: nothing in the answer says the id exists.
 */
static void
test_foreign_id_says_nothing(void **state)
{
	uint64_t t = hlc_make(hlc_wall_ms(), 0);
	char dev_a[UUID_LEN + 1], dev_m[UUID_LEN + 1];
	char taken[128], forged[128];
	struct big v;
	Cairn__Response *r;
	struct client a, m;
	char *p;

	cl_connect(&a);
	cl_hello(&a);
	assert_int_equal(cl_account(&a, 1, "amy", PASSWORD, dev_a, NULL), 0);
	big_make(&v, 0x0c, 1, "amy", dev_a, t, 5, 0);
	r = push_big(&a, &v, 1);
	assert_int_equal(code_of(r), 0);
	msg_free_response(r);

	cl_connect(&m);
	cl_hello(&m);
	assert_int_equal(cl_account(&m, 1, "mallory", PASSWORD, dev_m, NULL),
	                 0);
	/* amy's id, as mallory's record. */
	big_make(&v, 0x0c, 1, "mallory", dev_m, t + 1, 5, 0);
	r = push_big(&m, &v, 1);
	assert_int_equal(code_of(r), CAIRN_EFORBIDDEN);
	assert_string_equal(r->status->record_id, v.id);
	snprintf(taken, sizeof(taken), "%s", r->status->message);
	msg_free_response(r);
	/* A fresh id that names amy as its owner. */
	big_make(&v, 0x0c, 2, "amy", dev_m, t + 2, 5, 0);
	r = push_big(&m, &v, 1);
	assert_int_equal(code_of(r), CAIRN_EFORBIDDEN);
	assert_string_equal(r->status->record_id, v.id);
	snprintf(forged, sizeof(forged), "%s", r->status->message);
	msg_free_response(r);
	/* The same words but for the id. */
	assert_non_null(p = strstr(taken, "0000000c-"));
	memcpy(p, v.id, UUID_LEN);
	assert_string_equal(taken, forged);
	assert_null(strstr(forged, "another user"));
	cl_close(&m);
	cl_close(&a);
}

/*
 * A cursor with nothing after it is answered by what the caller may see:
 * one of its own positions is kept, a number it was never given is reset
 * even below the database's highest seq, which it does not learn.
 */
static void
test_pull_cursor_reveals_no_global_count(void **state)
{
	uint64_t t = hlc_make(hlc_wall_ms(), 0), mine, other;
	char dev_a[UUID_LEN + 1], dev_b[UUID_LEN + 1], epoch[UUID_LEN + 1];
	struct big v[30];
	Cairn__Response *r;
	struct client a, b;
	size_t i;

	cl_connect(&a);
	cl_hello(&a);
	assert_int_equal(cl_account(&a, 1, "cora", PASSWORD, dev_a, NULL), 0);
	for (i = 0; i < 3; i++)
		big_make(&v[i], 0x0d, (unsigned)i, "cora", dev_a, t + i, 5, 0);
	r = push_big(&a, v, 3);
	assert_int_equal(code_of(r), 0);
	msg_free_response(r);
	r = cl_pull(&a, 0, "", 0);
	assert_int_equal(code_of(r), 0);
	mine = r->pull->cursor;
	snprintf(epoch, sizeof(epoch), "%s", r->pull->epoch);
	assert_true(mine > 0);
	msg_free_response(r);

	/* Someone cora does not see writes 30 changes after hers. */
	cl_connect(&b);
	cl_hello(&b);
	assert_int_equal(cl_account(&b, 1, "dirk", PASSWORD, dev_b, NULL), 0);
	for (i = 0; i < 30; i++)
		big_make(&v[i], 0x0e, (unsigned)i, "dirk", dev_b, t + i, 5, 0);
	r = push_big(&b, v, 30);
	assert_int_equal(code_of(r), 0);
	msg_free_response(r);
	r = cl_pull(&b, 0, "", 0);
	other = r->pull->cursor;
	msg_free_response(r);
	assert_true(other >= mine + 30);
	cl_close(&b);

	/* Her own cursor: nothing new, no reset. */
	r = cl_pull(&a, mine, epoch, 0);
	assert_int_equal(code_of(r), 0);
	assert_false(r->pull->reset);
	assert_int_equal(r->pull->n_records, 0);
	assert_int_equal(r->pull->cursor, mine);
	msg_free_response(r);
	/* A number between hers and the highest: reset, like one beyond. */
	r = cl_pull(&a, mine + 10, epoch, 0);
	assert_int_equal(code_of(r), 0);
	assert_true(r->pull->reset);
	assert_int_equal(r->pull->cursor, 0);
	msg_free_response(r);
	r = cl_pull(&a, other + 1000, epoch, 0);
	assert_true(r->pull->reset);
	msg_free_response(r);
	/* A cursor inside her history still pulls what follows it. */
	r = cl_pull(&a, mine - 1, epoch, 0);
	assert_false(r->pull->reset);
	assert_int_equal(r->pull->cursor, mine);
	msg_free_response(r);
	cl_close(&a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_quota_records),
	        cmocka_unit_test(test_quota_bytes),
	        cmocka_unit_test(test_foreign_id_says_nothing),
	        cmocka_unit_test(test_pull_cursor_reveals_no_global_count),
	};

	W.tune = quota_tune;
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
