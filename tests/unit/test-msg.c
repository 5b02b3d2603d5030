/*
 * Unit tests of message packing and unpacking (common/msg.c): round trips
 * through frames, the FRAME_MAX ceiling, malformed payloads and the
 * unpacking memory budget.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "err.h"
#include "frame.h"
#include "msg.h"

/* Decodes the single frame in out. */
static void
one_frame(const struct buf *out, const uint8_t **p, size_t *len)
{
	uint32_t n;

	assert_true(out->len >= FRAME_HEADER);
	n = (uint32_t)out->data[0] << 24 | (uint32_t)out->data[1] << 16 |
	    (uint32_t)out->data[2] << 8 | out->data[3];
	assert_int_equal(n, out->len - FRAME_HEADER);
	*p = out->data + FRAME_HEADER;
	*len = n;
}

static void
test_request_roundtrip(void **state)
{
	Cairn__Request req = CAIRN__REQUEST__INIT;
	Cairn__Hello hello = CAIRN__HELLO__INIT;
	Cairn__Request *got;
	struct buf out;
	const uint8_t *p;
	size_t len;

	hello.version = PROTOCOL_VERSION;
	hello.client = "cairn/test";
	req.id = 7;
	req.body_case = CAIRN__REQUEST__BODY_HELLO;
	req.hello = &hello;
	buf_init(&out, FRAME_MAX + FRAME_HEADER);
	assert_int_equal(msg_write_request(&out, &req), CAIRN_OK);
	one_frame(&out, &p, &len);
	got = msg_read_request(p, len);
	assert_non_null(got);
	assert_int_equal(got->id, 7);
	assert_int_equal(got->body_case, CAIRN__REQUEST__BODY_HELLO);
	assert_int_equal(got->hello->version, PROTOCOL_VERSION);
	assert_string_equal(got->hello->client, "cairn/test");
	msg_free_request(got);
	/* An empty payload is a request with every field at its default. */
	got = msg_read_request(NULL, 0);
	assert_non_null(got);
	assert_int_equal(got->id, 0);
	assert_int_equal(got->body_case, CAIRN__REQUEST__BODY__NOT_SET);
	msg_free_request(got);
	msg_free_request(NULL);
	buf_release(&out);
}

static void
test_response_roundtrip(void **state)
{
	Cairn__Response resp = CAIRN__RESPONSE__INIT;
	Cairn__Status st = CAIRN__STATUS__INIT;
	Cairn__PushOk ok = CAIRN__PUSH_OK__INIT;
	Cairn__Response *got;
	struct buf out;
	const uint8_t *p;
	size_t len;

	st.code = CAIRN_ECLOCK;
	st.message = "timestamp too far in the future";
	st.record_id = "3f2a9c1e-0000-4000-8000-000000000000";
	ok.applied = 3;
	ok.hlc = UINT64_C(0xfedcba9876543210);
	resp.id = 42;
	resp.status = &st;
	resp.body_case = CAIRN__RESPONSE__BODY_PUSH;
	resp.push = &ok;
	buf_init(&out, 4096);
	assert_int_equal(msg_write_response(&out, &resp), CAIRN_OK);
	one_frame(&out, &p, &len);
	got = msg_read_response(p, len);
	assert_non_null(got);
	assert_int_equal(got->id, 42);
	assert_int_equal(got->status->code, CAIRN_ECLOCK);
	assert_string_equal(got->status->record_id, st.record_id);
	assert_int_equal(got->push->applied, 3);
	assert_true(got->push->hlc == UINT64_C(0xfedcba9876543210));
	msg_free_response(got);
	buf_release(&out);
}

static void
test_entry_roundtrip(void **state)
{
	Cairn__Entry e = CAIRN__ENTRY__INIT;
	Cairn__Entry *got;
	char *skills[] = {"rust", "c"};
	uint8_t wire[256];
	size_t n;

	e.started_at = 1700000000;
	e.utc_offset = -210;
	e.minutes = 90;
	e.activity = "drill";
	e.n_skills = 2;
	e.skills = skills;
	n = cairn__entry__get_packed_size(&e);
	assert_true(n < sizeof(wire));
	assert_int_equal(cairn__entry__pack(&e, wire), n);
	got = msg_read_entry(wire, n);
	assert_non_null(got);
	assert_int_equal(got->utc_offset, -210);
	assert_string_equal(got->skills[1], "c");
	msg_free_entry(got);
	assert_null(msg_read_entry(wire, n - 1));
	msg_free_entry(NULL);
}

static void
test_malformed(void **state)
{
	/* Field 1 as varint without its value; bad wire type 7. */
	const uint8_t trunc[] = {0x08};
	const uint8_t badtype[] = {0x0f, 0x01};
	/* Field 10 (hello), length 100 but 1 byte present. */
	const uint8_t shortsub[] = {0x52, 0x64, 0x08};

	assert_null(msg_read_request(trunc, sizeof(trunc)));
	assert_null(msg_read_request(badtype, sizeof(badtype)));
	assert_null(msg_read_request(shortsub, sizeof(shortsub)));
	assert_null(msg_read_response(shortsub, sizeof(shortsub)));
	assert_null(msg_read_request(trunc, FRAME_MAX + 1));
}

static void
test_too_big(void **state)
{
	Cairn__Request req = CAIRN__REQUEST__INIT;
	Cairn__Push push = CAIRN__PUSH__INIT;
	Cairn__Record rec = CAIRN__RECORD__INIT;
	Cairn__Record *recs[1] = {&rec};
	struct buf out;
	uint8_t *body;

	body = calloc(1, FRAME_MAX);
	assert_non_null(body);
	rec.id = "x";
	rec.body.data = body;
	rec.body.len = FRAME_MAX;
	push.n_records = 1;
	push.records = recs;
	req.body_case = CAIRN__REQUEST__BODY_PUSH;
	req.push = &push;
	buf_init(&out, 2 * FRAME_MAX);
	assert_int_equal(msg_write_request(&out, &req), CAIRN_ETOOBIG);
	assert_int_equal(out.len, 0);
	/* Just below: fits, and unpacks again. */
	rec.body.len = FRAME_MAX - 64;
	assert_int_equal(msg_write_request(&out, &req), CAIRN_OK);
	{
		const uint8_t *p;
		size_t len;
		Cairn__Request *got;

		one_frame(&out, &p, &len);
		assert_true(len <= FRAME_MAX);
		got = msg_read_request(p, len);
		assert_non_null(got);
		assert_int_equal(got->push->records[0]->body.len,
		                 FRAME_MAX - 64);
		msg_free_request(got);
	}
	buf_release(&out);
	free(body);
}

static void
test_budget(void **state)
{
	/*
	 * A Push of a million empty records (two bytes each) would
	 * unpack into hundreds of megabytes: refused.
	 */
	size_t n = 1000000, i, inner = 2 * n, len;
	uint8_t *p, *q;
	Cairn__Request *got;

	len = 1 + 4 + inner;
	p = malloc(len);
	assert_non_null(p);
	q = p;
	*q++ = 0x8a; /* field 17, wire type 2 */
	*q++ = 0x01;
	/* Varint of inner, three bytes hold up to 2 M. */
	*q++ = (uint8_t)(0x80 | (inner & 0x7f));
	*q++ = (uint8_t)(0x80 | ((inner >> 7) & 0x7f));
	*q++ = (uint8_t)(inner >> 14);
	for (i = 0; i < n; i++) {
		*q++ = 0x0a; /* records, length 0 */
		*q++ = 0x00;
	}
	len = (size_t)(q - p);
	assert_true(len <= FRAME_MAX);
	assert_true(inner < (1u << 21));
	/* Well-formed: the plain unpacker takes it, at a high price. */
	got = cairn__request__unpack(NULL, len, p);
	assert_non_null(got);
	assert_int_equal(got->push->n_records, n);
	cairn__request__free_unpacked(got, NULL);
	got = msg_read_request(p, len);
	assert_null(got);
	/* A thousand of them are fine. */
	p[2] = (uint8_t)(0x80 | (2000 & 0x7f));
	p[3] = (uint8_t)(0x80 | ((2000 >> 7) & 0x7f));
	p[4] = 0;
	got = msg_read_request(p, 5 + 2000);
	assert_non_null(got);
	assert_int_equal(got->push->n_records, 1000);
	msg_free_request(got);
	free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_request_roundtrip),
	        cmocka_unit_test(test_response_roundtrip),
	        cmocka_unit_test(test_entry_roundtrip),
	        cmocka_unit_test(test_malformed),
	        cmocka_unit_test(test_too_big),
	        cmocka_unit_test(test_budget),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
