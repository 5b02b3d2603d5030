/*
 * Unit tests of the string walker of common/msg.c: strings holding a NUL
 * byte (or, when asked, invalid UTF-8) found anywhere in a packed message,
 * nested, repeated or in a oneof; bytes fields and unknown fields skipped;
 * truncated and impossible wire data refused; and the msg_read_* and
 * refusal functions built on it. Messages are written by hand, since
 * protobuf-c cannot pack a string with a NUL in it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "err.h"
#include "msg.h"

#define UUID_A "3f2a9c1e-0000-4000-8000-000000000001"

/* A hand-written protobuf message. */
struct wire {
	uint8_t b[4096];
	size_t n;
};

static void
w_varint(struct wire *w, uint64_t v)
{
	do {
		assert_true(w->n < sizeof(w->b));
		w->b[w->n++] = (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
		v >>= 7;
	} while (v != 0);
}

static void
w_bytes(struct wire *w, unsigned field, const void *p, size_t len)
{
	w_varint(w, (uint64_t)field << 3 | 2);
	w_varint(w, len);
	assert_true(w->n + len <= sizeof(w->b));
	memcpy(w->b + w->n, p, len);
	w->n += len;
}

static void
w_uint(struct wire *w, unsigned field, uint64_t v)
{
	w_varint(w, (uint64_t)field << 3);
	w_varint(w, v);
}

/* Appends w2 as the sub-message field of w. */
static void
w_sub(struct wire *w, unsigned field, const struct wire *w2)
{
	w_bytes(w, field, w2->b, w2->n);
}

static int
check(const ProtobufCMessageDescriptor *d, const struct wire *w,
      unsigned checks, char *field, size_t fieldlen)
{
	return msg_check_strings(d, w->b, w->n, checks, field, fieldlen);
}

/* Register{handle: "carol\0evil"} inside a Request's oneof body. */
static void
register_request(struct wire *req, const char *handle, size_t hlen)
{
	struct wire reg = {.n = 0};

	w_bytes(&reg, 1, handle, hlen);
	w_bytes(&reg, 2, "correct horse", 13);
	w_bytes(&reg, 4, "desk", 4);
	memset(req, 0, sizeof(*req));
	w_uint(req, 1, 42);
	w_sub(req, 11, &reg);
}

static void
test_nested_oneof(void **state)
{
	struct wire req;
	char field[64];

	register_request(&req, "carol\0evil", 10);
	assert_int_equal(check(&cairn__request__descriptor, &req, MSG_STR_NUL,
	                       field, sizeof(field)),
	                 MSG_STR_NUL);
	assert_string_equal(field, "register.handle");
	/* The same request without the NUL passes. */
	register_request(&req, "carol", 5);
	assert_int_equal(check(&cairn__request__descriptor, &req, MSG_STR_NUL,
	                       field, sizeof(field)),
	                 0);
	/* A field name cut to the buffer, NUL-terminated. */
	register_request(&req, "carol\0", 6);
	assert_int_equal(
	        check(&cairn__request__descriptor, &req, MSG_STR_NUL, field, 6),
	        MSG_STR_NUL);
	assert_string_equal(field, "regis");
	assert_int_equal(
	        check(&cairn__request__descriptor, &req, MSG_STR_NUL, NULL, 0),
	        MSG_STR_NUL);
}

static void
test_repeated(void **state)
{
	struct wire resp = {.n = 0}, ok = {.n = 0}, group = {.n = 0},
	            entry = {.n = 0};
	char field[64];

	/* PeopleOk.groups[1].members[2] holds the NUL. */
	w_bytes(&group, 1, "readers", 7);
	w_bytes(&group, 2, "alice", 5);
	w_bytes(&group, 2, "bob", 3);
	w_bytes(&group, 3, "carol", 5);
	w_sub(&ok, 3, &group);
	memset(&group, 0, sizeof(group));
	w_bytes(&group, 1, "writers", 7);
	w_bytes(&group, 2, "alice", 5);
	w_bytes(&group, 2, "bob", 3);
	w_bytes(&group, 2, "da\0ve", 5);
	w_sub(&ok, 3, &group);
	w_uint(&resp, 1, 9);
	w_sub(&resp, 22, &ok);
	assert_int_equal(check(&cairn__response__descriptor, &resp, MSG_STR_NUL,
	                       field, sizeof(field)),
	                 MSG_STR_NUL);
	assert_string_equal(field, "people.groups.members");
	/* Entry.skills, the third of three. */
	w_bytes(&entry, 4, "drill", 5);
	w_bytes(&entry, 6, "a", 1);
	w_bytes(&entry, 6, "b", 1);
	w_bytes(&entry, 6, "\0", 1);
	assert_int_equal(check(&cairn__entry__descriptor, &entry, MSG_STR_NUL,
	                       field, sizeof(field)),
	                 MSG_STR_NUL);
	assert_string_equal(field, "skills");
	/* Entry.metrics[0].key: a repeated sub-message's string. */
	memset(&entry, 0, sizeof(entry));
	memset(&group, 0, sizeof(group));
	w_bytes(&group, 1, "pa\0ges", 6);
	w_sub(&entry, 7, &group);
	assert_int_equal(check(&cairn__entry__descriptor, &entry, MSG_STR_NUL,
	                       field, sizeof(field)),
	                 MSG_STR_NUL);
	assert_string_equal(field, "metrics.key");
}

static void
test_nul_last_byte(void **state)
{
	struct wire e = {.n = 0};
	char field[64];

	w_uint(&e, 3, 30);
	w_bytes(&e, 4, "drill", 5);
	w_bytes(&e, 5, "ok\0", 3);
	assert_int_equal(e.b[e.n - 1], 0);
	assert_int_equal(check(&cairn__entry__descriptor, &e, MSG_STR_NUL,
	                       field, sizeof(field)),
	                 MSG_STR_NUL);
	assert_string_equal(field, "text");
	/* And the first byte of a string. */
	memset(&e, 0, sizeof(e));
	w_bytes(&e, 5, "\0ok", 3);
	assert_int_equal(
	        check(&cairn__entry__descriptor, &e, MSG_STR_NUL, NULL, 0),
	        MSG_STR_NUL);
	/* An empty string is fine. */
	memset(&e, 0, sizeof(e));
	w_bytes(&e, 5, "", 0);
	assert_int_equal(
	        check(&cairn__entry__descriptor, &e, MSG_STR_NUL, NULL, 0), 0);
	/* An empty message too. */
	assert_int_equal(msg_check_strings(&cairn__entry__descriptor, NULL, 0,
	                                   MSG_STR_NUL, NULL, 0),
	                 0);
}

static void
test_truncated(void **state)
{
	static const uint8_t key_cut[] = {0x80};
	static const uint8_t value_cut[] = {0x18, 0x80, 0x80};
	static const uint8_t len_cut[] = {0x2a, 0x80};
	static const uint8_t body_cut[] = {0x2a, 0x05, 'o', 'k'};
	static const uint8_t fixed64_cut[] = {0x09, 1, 2, 3, 4, 5, 6, 7};
	static const uint8_t fixed32_cut[] = {0x0d, 1, 2, 3};
	/* A value of 11 bytes is too long; of 10 it is the limit. */
	static const uint8_t long_varint[] = {0x18, 0xff, 0xff, 0xff,
	                                      0xff, 0xff, 0xff, 0xff,
	                                      0xff, 0xff, 0xff, 0x01};
	static const uint8_t ten_varint[] = {0x18, 0xff, 0xff, 0xff, 0xff, 0xff,
	                                     0xff, 0xff, 0xff, 0xff, 0x01};
	static const uint8_t group[] = {0x0b, 0x0c};
	static const uint8_t wt7[] = {0x0f};
	static const uint8_t field0[] = {0x02, 0x00};
	const ProtobufCMessageDescriptor *d = &cairn__entry__descriptor;
	struct wire req, sub = {.n = 0};
	char field[64] = "untouched";

	assert_int_equal(msg_check_strings(d, key_cut, sizeof(key_cut),
	                                   MSG_STR_NUL, field, sizeof(field)),
	                 CAIRN_EPROTO);
	assert_string_equal(field, "untouched");
	assert_int_equal(msg_check_strings(d, value_cut, sizeof(value_cut),
	                                   MSG_STR_NUL, NULL, 0),
	                 CAIRN_EPROTO);
	assert_int_equal(msg_check_strings(d, len_cut, sizeof(len_cut),
	                                   MSG_STR_NUL, NULL, 0),
	                 CAIRN_EPROTO);
	assert_int_equal(msg_check_strings(d, body_cut, sizeof(body_cut),
	                                   MSG_STR_NUL, NULL, 0),
	                 CAIRN_EPROTO);
	/* A length with nothing after it. */
	assert_int_equal(
	        msg_check_strings(d, body_cut, 2, MSG_STR_NUL, NULL, 0),
	        CAIRN_EPROTO);
	assert_int_equal(msg_check_strings(d, fixed64_cut, sizeof(fixed64_cut),
	                                   MSG_STR_NUL, NULL, 0),
	                 CAIRN_EPROTO);
	assert_int_equal(msg_check_strings(d, fixed32_cut, sizeof(fixed32_cut),
	                                   MSG_STR_NUL, NULL, 0),
	                 CAIRN_EPROTO);
	assert_int_equal(msg_check_strings(d, long_varint, sizeof(long_varint),
	                                   MSG_STR_NUL, NULL, 0),
	                 CAIRN_EPROTO);
	assert_int_equal(msg_check_strings(d, ten_varint, sizeof(ten_varint),
	                                   MSG_STR_NUL, NULL, 0),
	                 0);
	assert_int_equal(msg_check_strings(d, group, sizeof(group), MSG_STR_NUL,
	                                   NULL, 0),
	                 CAIRN_EPROTO);
	assert_int_equal(
	        msg_check_strings(d, wt7, sizeof(wt7), MSG_STR_NUL, NULL, 0),
	        CAIRN_EPROTO);
	assert_int_equal(msg_check_strings(d, field0, sizeof(field0),
	                                   MSG_STR_NUL, NULL, 0),
	                 CAIRN_EPROTO);
	/* A giant length field inside a sub-message. */
	memset(&req, 0, sizeof(req));
	w_varint(&sub, 1 << 3 | 2);
	w_varint(&sub, UINT64_C(0xffffffffffff));
	w_sub(&req, 11, &sub);
	assert_int_equal(
	        check(&cairn__request__descriptor, &req, MSG_STR_NUL, NULL, 0),
	        CAIRN_EPROTO);
	/* A NULL pointer with a length. */
	assert_int_equal(msg_check_strings(d, NULL, 4, MSG_STR_NUL, NULL, 0),
	                 CAIRN_EPROTO);
}

static void
test_skipped(void **state)
{
	struct wire e = {.n = 0}, auth = {.n = 0}, req = {.n = 0},
	            push = {.n = 0}, rec = {.n = 0};
	static const uint8_t zeros[8] = {0};

	/* Unknown fields of every wire type, NULs inside, are skipped. */
	w_bytes(&e, 99, "\0\0\0", 3);
	w_uint(&e, 100, 7);
	w_varint(&e, 101 << 3 | 1);
	memcpy(e.b + e.n, zeros, 8);
	e.n += 8;
	w_varint(&e, 102 << 3 | 5);
	memcpy(e.b + e.n, zeros, 4);
	e.n += 4;
	w_bytes(&e, 5, "fine", 4);
	assert_int_equal(
	        check(&cairn__entry__descriptor, &e, MSG_STR_NUL, NULL, 0), 0);
	/* A bytes field (Auth.token) may hold anything. */
	w_bytes(&auth, 1, UUID_A, 36);
	w_bytes(&auth, 2, zeros, sizeof(zeros));
	w_uint(&req, 1, 3);
	w_sub(&req, 13, &auth);
	assert_int_equal(
	        check(&cairn__request__descriptor, &req, MSG_STR_NUL, NULL, 0),
	        0);
	/*
	 * So may a record body (bytes): the walker does not look inside;
	 * msg_check_body does, by kind.
	 */
	memset(&req, 0, sizeof(req));
	w_bytes(&rec, 1, UUID_A, 36);
	w_uint(&rec, 2, CAIRN__KIND__KIND_ENTRY);
	w_bytes(&rec, 8, "\x2a\x03ok\0", 5);
	w_sub(&push, 1, &rec);
	w_sub(&req, 17, &push);
	assert_int_equal(
	        check(&cairn__request__descriptor, &req, MSG_STR_NUL, NULL, 0),
	        0);
	/* A string field sent with another wire type is not a string. */
	memset(&e, 0, sizeof(e));
	w_uint(&e, 5, 0);
	assert_int_equal(
	        check(&cairn__entry__descriptor, &e, MSG_STR_NUL, NULL, 0), 0);
}

static void
test_utf8(void **state)
{
	struct wire e = {.n = 0};
	char field[64];

	w_bytes(&e, 5, "caf\xc3\xa9", 5);
	assert_int_equal(check(&cairn__entry__descriptor, &e,
	                       MSG_STR_NUL | MSG_STR_UTF8, NULL, 0),
	                 0);
	w_bytes(&e, 8, "bad \xff", 5);
	assert_int_equal(
	        check(&cairn__entry__descriptor, &e, MSG_STR_NUL, NULL, 0), 0);
	assert_int_equal(check(&cairn__entry__descriptor, &e,
	                       MSG_STR_NUL | MSG_STR_UTF8, field,
	                       sizeof(field)),
	                 MSG_STR_UTF8);
	assert_string_equal(field, "item");
	/* A NUL is reported as a NUL, not as bad UTF-8. */
	memset(&e, 0, sizeof(e));
	w_bytes(&e, 5, "a\0", 2);
	assert_int_equal(check(&cairn__entry__descriptor, &e,
	                       MSG_STR_NUL | MSG_STR_UTF8, NULL, 0),
	                 MSG_STR_NUL);
}

static void
test_read_request(void **state)
{
	struct wire req;
	Cairn__Request *got;
	char why[128] = "";
	uint32_t id = 0;

	register_request(&req, "carol\0evil", 10);
	/* protobuf-c alone would take it as "carol". */
	got = cairn__request__unpack(NULL, req.n, req.b);
	assert_non_null(got);
	assert_string_equal(got->register_->handle, "carol");
	cairn__request__free_unpacked(got, NULL);
	assert_null(msg_read_request(req.b, req.n));
	assert_int_equal(
	        msg_request_refusal(req.b, req.n, &id, why, sizeof(why)),
	        CAIRN_EINVAL);
	assert_int_equal(id, 42);
	assert_string_equal(why, "field 'register.handle' holds a NUL byte");
	/* Not a Request at all: EPROTO, and id and why are left alone. */
	id = 7;
	why[0] = '\0';
	assert_int_equal(msg_request_refusal(req.b, 3, &id, why, sizeof(why)),
	                 CAIRN_EPROTO);
	assert_int_equal(id, 7);
	assert_string_equal(why, "");
	/* A good request is not refused. */
	register_request(&req, "carol", 5);
	got = msg_read_request(req.b, req.n);
	assert_non_null(got);
	assert_string_equal(got->register_->handle, "carol");
	msg_free_request(got);
	assert_int_equal(
	        msg_request_refusal(req.b, req.n, &id, why, sizeof(why)),
	        CAIRN_EPROTO);
}

/* A Response{pull{records: [{id, kind, body}]}}. */
static void
pull_response(struct wire *resp, int kind, const void *body, size_t len)
{
	struct wire pull = {.n = 0}, rec = {.n = 0};

	w_bytes(&rec, 1, UUID_A, 36);
	w_uint(&rec, 2, (uint64_t)kind);
	w_bytes(&rec, 3, "alice", 5);
	w_bytes(&rec, 8, body, len);
	w_sub(&pull, 1, &rec);
	w_uint(&pull, 2, 5);
	memset(resp, 0, sizeof(*resp));
	w_uint(resp, 1, 4);
	w_sub(resp, 18, &pull);
}

static void
test_read_response(void **state)
{
	struct wire resp, body = {.n = 0};
	Cairn__Response *got;
	char why[160] = "";

	w_uint(&body, 3, 30);
	w_bytes(&body, 5, "ok\0 and then some", 17);
	pull_response(&resp, CAIRN__KIND__KIND_ENTRY, body.b, body.n);
	assert_null(msg_read_response(resp.b, resp.n));
	assert_int_equal(msg_response_refusal(resp.b, resp.n, why, sizeof(why)),
	                 CAIRN_EINVAL);
	assert_string_equal(why,
	                    "record " UUID_A ": field 'text' holds a NUL byte");
	/* The same body under an unknown kind is opaque. */
	pull_response(&resp, 99, body.b, body.n);
	got = msg_read_response(resp.b, resp.n);
	assert_non_null(got);
	msg_free_response(got);
	/* A clean entry passes. */
	memset(&body, 0, sizeof(body));
	w_bytes(&body, 5, "ok", 2);
	pull_response(&resp, CAIRN__KIND__KIND_ENTRY, body.b, body.n);
	got = msg_read_response(resp.b, resp.n);
	assert_non_null(got);
	assert_int_equal(got->pull->n_records, 1);
	msg_free_response(got);
	/* A status message with a NUL. */
	memset(&resp, 0, sizeof(resp));
	memset(&body, 0, sizeof(body));
	w_uint(&body, 1, 35); /* EINVAL, -18, zigzagged */
	w_bytes(&body, 2, "bad\0", 4);
	w_uint(&resp, 1, 2);
	w_sub(&resp, 2, &body);
	assert_null(msg_read_response(resp.b, resp.n));
	assert_int_equal(msg_response_refusal(resp.b, resp.n, why, sizeof(why)),
	                 CAIRN_EINVAL);
	assert_string_equal(why, "field 'status.message' holds a NUL byte");
	/* An event's records are checked like a pull's. */
	memset(&resp, 0, sizeof(resp));
	memset(&body, 0, sizeof(body));
	w_bytes(&body, 3, "x\0", 2); /* Comment.text */
	{
		struct wire ev = {.n = 0}, rec = {.n = 0};

		w_bytes(&rec, 1, "not-a-uuid", 10);
		w_uint(&rec, 2, CAIRN__KIND__KIND_COMMENT);
		w_bytes(&rec, 8, body.b, body.n);
		w_sub(&ev, 1, &rec);
		w_sub(&resp, 25, &ev);
	}
	assert_null(msg_read_response(resp.b, resp.n));
	assert_int_equal(msg_response_refusal(resp.b, resp.n, why, sizeof(why)),
	                 CAIRN_EINVAL);
	assert_string_equal(why,
	                    "record (bad id): field 'text' holds a NUL byte");
}

static void
test_read_entry(void **state)
{
	struct wire e = {.n = 0};
	Cairn__Entry *got;

	w_bytes(&e, 4, "drill", 5);
	w_bytes(&e, 5, "ok", 2);
	got = msg_read_entry(e.b, e.n);
	assert_non_null(got);
	assert_string_equal(got->text, "ok");
	msg_free_entry(got);
	w_bytes(&e, 6, "sk\0ill", 6);
	assert_null(msg_read_entry(e.b, e.n));
}

static void
test_check_body(void **state)
{
	struct wire plan = {.n = 0}, row = {.n = 0}, item = {.n = 0},
	            pred = {.n = 0};
	char why[128];

	/* Plan.schedule[0].day */
	w_bytes(&plan, 1, "My plan", 7);
	w_bytes(&row, 1, "Mo\0n", 4);
	w_sub(&plan, 6, &row);
	assert_int_equal(msg_check_body(CAIRN__KIND__KIND_PLAN, plan.b, plan.n,
	                                why, sizeof(why)),
	                 CAIRN_EINVAL);
	assert_string_equal(why, "field 'schedule.day' holds a NUL byte");
	/* PlanItem.line, Prediction.note */
	w_bytes(&item, 6, "- [ ] task\0", 11);
	assert_int_equal(msg_check_body(CAIRN__KIND__KIND_PLAN_ITEM, item.b,
	                                item.n, why, sizeof(why)),
	                 CAIRN_EINVAL);
	assert_string_equal(why, "field 'line' holds a NUL byte");
	w_bytes(&pred, 5, "\0", 1);
	assert_int_equal(msg_check_body(CAIRN__KIND__KIND_PREDICTION, pred.b,
	                                pred.n, why, sizeof(why)),
	                 CAIRN_EINVAL);
	assert_string_equal(why, "field 'note' holds a NUL byte");
	/* Not walkable. */
	assert_int_equal(msg_check_body(CAIRN__KIND__KIND_REVIEW,
	                                (const uint8_t *)"\x0a\x09", 2, why,
	                                sizeof(why)),
	                 CAIRN_EINVAL);
	assert_string_equal(why, "body is not a valid message of its kind");
	/* Empty bodies, unknown kinds and clean bodies pass. */
	assert_int_equal(msg_check_body(CAIRN__KIND__KIND_ENTRY, NULL, 0, why,
	                                sizeof(why)),
	                 CAIRN_OK);
	assert_int_equal(msg_check_body(77, item.b, item.n, why, sizeof(why)),
	                 CAIRN_OK);
	memset(&item, 0, sizeof(item));
	w_bytes(&item, 5, "Collaborative filtering", 23);
	assert_int_equal(msg_check_body(CAIRN__KIND__KIND_PLAN_ITEM, item.b,
	                                item.n, why, sizeof(why)),
	                 CAIRN_OK);
	assert_int_equal(msg_check_body(CAIRN__KIND__KIND_COMMITMENT,
	                                (const uint8_t *)"\x1a\x01\x00", 3, why,
	                                sizeof(why)),
	                 CAIRN_EINVAL);
	assert_string_equal(why, "field 'since' holds a NUL byte");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_nested_oneof),
	        cmocka_unit_test(test_repeated),
	        cmocka_unit_test(test_nul_last_byte),
	        cmocka_unit_test(test_truncated),
	        cmocka_unit_test(test_skipped),
	        cmocka_unit_test(test_utf8),
	        cmocka_unit_test(test_read_request),
	        cmocka_unit_test(test_read_response),
	        cmocka_unit_test(test_read_entry),
	        cmocka_unit_test(test_check_body),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
