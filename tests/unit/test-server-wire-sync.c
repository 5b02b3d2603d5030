/*
 * The server over the wire, sync: push and pull merging, batching,
 * reset, and every refusal of a push (see wire-harness.h).
 */
#include <setjmp.h>
#include <signal.h>
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

static void
test_push_pull(void **state)
{
	char dev[UUID_LEN + 1], dev2[UUID_LEN + 1], epoch[UUID_LEN + 1];
	static const char *ids[] = {
	        "0a000000-0000-4000-8000-000000000001",
	        "0a000000-0000-4000-8000-000000000002",
	        "0a000000-0000-4000-8000-000000000003",
	};
	uint64_t now = hlc_make(hlc_wall_ms(), 0), cursor;
	struct client c, c2;
	struct rec recs[3];
	Cairn__Response *r;
	uint8_t tok[32];
	size_t i;

	cl_connect(&c);
	cl_hello(&c);
	assert_int_equal(cl_account(&c, 1, "erin", PASSWORD, dev, tok), 0);
	for (i = 0; i < 3; i++)
		rec_make(&recs[i], ids[i], "erin", dev, now + i);
	r = cl_push(&c, recs, 3);
	assert_int_equal(code_of(r), 0);
	assert_int_equal(r->push->applied, 3);
	assert_int_equal(r->push->ignored, 0);
	assert_true(r->push->hlc > now + 2);
	msg_free_response(r);
	/* The same batch again is a no-op (acknowledgement lost). */
	r = cl_push(&c, recs, 3);
	assert_int_equal(r->push->applied, 0);
	assert_int_equal(r->push->ignored, 3);
	msg_free_response(r);
	/* The pushing device gets nothing back but the cursor moves. */
	r = cl_pull(&c, 0, "", 0);
	assert_int_equal(code_of(r), 0);
	assert_int_equal(r->pull->n_records, 0);
	assert_true(r->pull->cursor > 0);
	assert_false(r->pull->more);
	snprintf(epoch, sizeof(epoch), "%s", r->pull->epoch);
	msg_free_response(r);
	cl_close(&c);

	/* A second device pulls in batches of 2. */
	cl_connect(&c2);
	cl_hello(&c2);
	assert_int_equal(cl_account(&c2, 0, "erin", PASSWORD, dev2, NULL), 0);
	r = cl_pull(&c2, 0, epoch, 2);
	assert_int_equal(r->pull->n_records, 2);
	assert_true(r->pull->more);
	assert_string_equal(r->pull->records[0]->id, ids[0]);
	assert_string_equal(r->pull->records[0]->owner, "erin");
	assert_true(r->pull->records[1]->seq > r->pull->records[0]->seq);
	cursor = r->pull->cursor;
	msg_free_response(r);
	r = cl_pull(&c2, cursor, epoch, 2);
	assert_int_equal(r->pull->n_records, 1);
	assert_false(r->pull->more);
	assert_string_equal(r->pull->records[0]->id, ids[2]);
	cursor = r->pull->cursor;
	msg_free_response(r);
	/* Unknown cursor or another epoch: reset. */
	r = cl_pull(&c2, cursor + 100, epoch, 0);
	assert_true(r->pull->reset);
	msg_free_response(r);
	r = cl_pull(&c2, cursor, "0b000000-0000-4000-8000-000000000000", 0);
	assert_true(r->pull->reset);
	assert_string_equal(r->pull->epoch, epoch);
	msg_free_response(r);
	/* A newer edit from this device wins; a stale one is ignored. */
	rec_make(&recs[0], ids[0], "erin", dev2, now + 50);
	rec_make(&recs[1], ids[1], "erin", dev2, now - 50);
	r = cl_push(&c2, recs, 2);
	assert_int_equal(r->push->applied, 1);
	assert_int_equal(r->push->ignored, 1);
	msg_free_response(r);
	cl_close(&c2);
	assert_true(wait_logged("sync.push user=erin n=3 applied=3 ignored=0"));
}

static void
test_push_validation(void **state)
{
	char dev[UUID_LEN + 1], fdev[UUID_LEN + 1];
	static const char *id1 = "0c000000-0000-4000-8000-000000000001";
	static const char *id2 = "0c000000-0000-4000-8000-000000000002";
	uint64_t now = hlc_make(hlc_wall_ms(), 0);
	struct client c;
	struct rec recs[2];
	Cairn__Response *r;
	uint8_t *big;
	size_t n;

	cl_connect(&c);
	cl_hello(&c);
	assert_int_equal(cl_account(&c, 1, "frank", PASSWORD, dev, NULL), 0);
	snprintf(fdev, sizeof(fdev), "%s", dev);
	fdev[0] = fdev[0] == 'a' ? 'b' : 'a';

	/* Another owner: the whole batch is refused, naming the record. */
	rec_make(&recs[0], id1, "frank", dev, now);
	rec_make(&recs[1], id2, "erin", dev, now);
	r = cl_push(&c, recs, 2);
	assert_int_equal(code_of(r), CAIRN_EFORBIDDEN);
	assert_string_equal(r->status->record_id, id2);
	msg_free_response(r);
	/* Another device. */
	rec_make(&recs[1], id2, "frank", fdev, now);
	push_expect(&c, recs, 2, CAIRN_EFORBIDDEN);
	/* A day and more in the future. */
	rec_make(&recs[1], id2, "frank", dev,
	         hlc_make(hlc_wall_ms() + 25ull * 3600 * 1000, 0));
	r = cl_push(&c, recs, 2);
	assert_int_equal(code_of(r), CAIRN_ECLOCK);
	assert_string_equal(r->status->record_id, id2);
	msg_free_response(r);
	/* Unknown kind, tombstone with a body, body not an entry, bad id. */
	rec_make(&recs[1], id2, "frank", dev, now);
	recs[1].r.kind = 7;
	push_expect(&c, recs, 2, CAIRN_EINVAL);
	rec_make(&recs[1], id2, "frank", dev, now);
	recs[1].r.deleted = 1;
	push_expect(&c, recs, 2, CAIRN_EINVAL);
	rec_make(&recs[1], id2, "frank", dev, now);
	recs[1].body[0] = 0xff;
	recs[1].r.body.len = 1;
	push_expect(&c, recs, 2, CAIRN_EINVAL);
	rec_make(&recs[1], "not-a-uuid", "frank", dev, now);
	push_expect(&c, recs, 2, CAIRN_EINVAL);
	/*
	 * A record too big to come back in a pull: a valid entry padded with
	 * an unknown length-delimited field (tag 100) of 300,000 bytes.
	 */
	big = calloc(1, 300 * 1024);
	assert_non_null(big);
	rec_make(&recs[1], id2, "frank", dev, now);
	n = recs[1].r.body.len;
	memcpy(big, recs[1].body, n);
	big[n++] = 0xa2; /* (100 << 3) | 2, as a varint */
	big[n++] = 0x06;
	big[n++] = 0xe0; /* 300000, as a varint */
	big[n++] = 0xa7;
	big[n++] = 0x12;
	recs[1].r.body.data = big;
	recs[1].r.body.len = n + 300000;
	push_expect(&c, recs, 2, CAIRN_EINVAL);
	free(big);
	/* Nothing of those batches was stored. */
	r = cl_pull(&c, 0, "", 0);
	assert_int_equal(r->pull->n_records, 0);
	assert_int_equal(code_of(r), 0);
	msg_free_response(r);
	/* A valid tombstone is accepted. */
	rec_make(&recs[1], id2, "frank", dev, now);
	recs[1].r.deleted = 1;
	recs[1].r.body.len = 0;
	r = cl_push(&c, recs, 2);
	assert_int_equal(code_of(r), 0);
	assert_int_equal(r->push->applied, 2);
	assert_true(r->push->hlc > now);
	msg_free_response(r);
	cl_close(&c);
}

/* Pushes one version and returns PushOk.applied (the push must pass). */
static int
push_applied(struct client *c, const char *id, const char *dev, uint64_t hlc,
             int deleted)
{
	Cairn__Response *r;
	struct rec x;
	int applied;

	rec_make(&x, id, "gwen", dev, hlc);
	if (deleted) {
		x.r.deleted = 1;
		x.r.body.len = 0;
	}
	r = cl_push(c, &x, 1);
	assert_int_equal(code_of(r), 0);
	applied = (int)r->push->applied;
	msg_free_response(r);
	return applied;
}

/*
 * The merge rule, applied by the sync handler for every backend: the
 * greater (hlc, device) wins whatever the arrival order; an older or
 * identical version is ignored; a tombstone is a version like any other.
 */
static void
test_merge_rule(void **state)
{
	static const char *id = "0b000000-0000-4000-8000-000000000001";
	char d1[UUID_LEN + 1], d2[UUID_LEN + 1], d3[UUID_LEN + 1];
	const char *lo, *hi;
	uint64_t t = hlc_make(hlc_wall_ms(), 0);
	struct client c, c3;
	Cairn__Response *r;
	uint8_t tok[32];

	cl_connect(&c);
	cl_hello(&c);
	assert_int_equal(cl_account(&c, 1, "gwen", PASSWORD, d1, tok), 0);
	assert_int_equal(cl_account(&c, 0, "gwen", PASSWORD, d2, tok), 0);
	lo = strcmp(d1, d2) < 0 ? d1 : d2;
	hi = lo == d1 ? d2 : d1;
	assert_int_equal(push_applied(&c, id, lo, t, 0), 1);
	assert_int_equal(push_applied(&c, id, lo, t, 0), 0);     /* identical */
	assert_int_equal(push_applied(&c, id, hi, t - 1, 0), 0); /* older */
	assert_int_equal(push_applied(&c, id, hi, t, 0), 1); /* tie: device */
	assert_int_equal(push_applied(&c, id, lo, t, 0), 0);
	assert_int_equal(push_applied(&c, id, lo, t + 5, 1), 1); /* delete */
	assert_int_equal(push_applied(&c, id, hi, t + 4, 0), 0); /* too old */
	assert_int_equal(push_applied(&c, id, hi, t + 9, 0), 1); /* revives */
	cl_close(&c);

	/* A third device pulls the winner: t + 9, alive. */
	cl_connect(&c3);
	cl_hello(&c3);
	assert_int_equal(cl_account(&c3, 0, "gwen", PASSWORD, d3, tok), 0);
	r = cl_pull(&c3, 0, "", 0);
	assert_int_equal(code_of(r), 0);
	assert_int_equal(r->pull->n_records, 1);
	assert_int_equal(r->pull->records[0]->hlc, t + 9);
	assert_false(r->pull->records[0]->deleted);
	assert_string_equal(r->pull->records[0]->device, hi);
	msg_free_response(r);
	cl_close(&c3);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_push_pull),
	        cmocka_unit_test(test_push_validation),
	        cmocka_unit_test(test_merge_rule),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
