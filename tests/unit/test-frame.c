/*
 * Unit tests of the frame codec (common/frame.c) with the OpenSSH checklist
 * for parsers: normal, truncated, exact limit, one over, giant length,
 * several frames per feed and frames split byte by byte.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "err.h"
#include "frame.h"

#define SMALL_MAX 64

static void
put_header(uint8_t *h, uint32_t n)
{
	h[0] = (uint8_t)(n >> 24);
	h[1] = (uint8_t)(n >> 16);
	h[2] = (uint8_t)(n >> 8);
	h[3] = (uint8_t)n;
}

static void
test_normal(void **state)
{
	struct frame_decoder d;
	struct buf out;
	const uint8_t *p = NULL;
	size_t len = 0;

	buf_init(&out, 1024);
	assert_int_equal(frame_encode(&out, "hello", 5, SMALL_MAX), CAIRN_OK);
	assert_int_equal(out.len, 9);
	assert_memory_equal(out.data, "\0\0\0\5hello", 9);

	frame_decoder_init(&d, SMALL_MAX);
	assert_int_equal(frame_decoder_next(&d, &p, &len), 0);
	assert_int_equal(frame_decoder_feed(&d, out.data, out.len), CAIRN_OK);
	assert_int_equal(frame_decoder_pending(&d), 9);
	assert_int_equal(frame_decoder_next(&d, &p, &len), 1);
	assert_int_equal(len, 5);
	assert_memory_equal(p, "hello", 5);
	assert_int_equal(frame_decoder_pending(&d), 0);
	assert_int_equal(frame_decoder_next(&d, &p, &len), 0);
	frame_decoder_release(&d);
	buf_release(&out);
}

static void
test_empty_payload(void **state)
{
	struct frame_decoder d;
	const uint8_t zero[4] = {0, 0, 0, 0};
	const uint8_t *p = NULL;
	size_t len = 99;

	frame_decoder_init(&d, SMALL_MAX);
	assert_int_equal(frame_decoder_feed(&d, zero, 4), CAIRN_OK);
	assert_int_equal(frame_decoder_next(&d, &p, &len), 1);
	assert_int_equal(len, 0);
	assert_int_equal(frame_decoder_next(&d, &p, &len), 0);
	frame_decoder_release(&d);
}

static void
test_truncated(void **state)
{
	uint8_t wire[4 + 10];
	const uint8_t *p;
	size_t len, cut;

	put_header(wire, 10);
	memcpy(wire + 4, "0123456789", 10);
	for (cut = 0; cut < sizeof(wire); cut++) {
		struct frame_decoder d;

		frame_decoder_init(&d, SMALL_MAX);
		assert_int_equal(frame_decoder_feed(&d, wire, cut), CAIRN_OK);
		assert_int_equal(frame_decoder_next(&d, &p, &len), 0);
		assert_int_equal(frame_decoder_pending(&d), cut);
		/* Part of a frame is partial; nothing is not. */
		assert_int_equal(frame_decoder_partial(&d), cut > 0);
		/* The rest completes it. */
		assert_int_equal(
		        frame_decoder_feed(&d, wire + cut, sizeof(wire) - cut),
		        CAIRN_OK);
		assert_int_equal(frame_decoder_partial(&d), 0);
		assert_int_equal(frame_decoder_next(&d, &p, &len), 1);
		assert_int_equal(len, 10);
		assert_memory_equal(p, "0123456789", 10);
		frame_decoder_release(&d);
	}
}

static void
test_limit(void **state)
{
	struct frame_decoder d;
	uint8_t wire[4 + SMALL_MAX + 1];
	const uint8_t *p;
	size_t len;
	struct buf out;

	memset(wire, 'x', sizeof(wire));
	/* Exactly at the limit. */
	put_header(wire, SMALL_MAX);
	frame_decoder_init(&d, SMALL_MAX);
	assert_int_equal(frame_decoder_feed(&d, wire, 4 + SMALL_MAX), CAIRN_OK);
	assert_int_equal(frame_decoder_next(&d, &p, &len), 1);
	assert_int_equal(len, SMALL_MAX);
	frame_decoder_release(&d);
	/* One over: refused on the header alone. */
	put_header(wire, SMALL_MAX + 1);
	frame_decoder_init(&d, SMALL_MAX);
	assert_int_equal(frame_decoder_feed(&d, wire, 4), CAIRN_OK);
	assert_int_equal(frame_decoder_next(&d, &p, &len), CAIRN_ETOOBIG);
	assert_int_equal(frame_decoder_next(&d, &p, &len), CAIRN_ETOOBIG);
	frame_decoder_release(&d);
	/* The encoder keeps the same limit. */
	buf_init(&out, 1024);
	assert_int_equal(frame_encode(&out, wire, SMALL_MAX, SMALL_MAX),
	                 CAIRN_OK);
	assert_int_equal(frame_encode(&out, wire, SMALL_MAX + 1, SMALL_MAX),
	                 CAIRN_ETOOBIG);
	assert_int_equal(out.len, 4 + SMALL_MAX);
	/* And the output buffer's own ceiling. */
	assert_int_equal(frame_encode(&out, wire, SMALL_MAX, 100000), CAIRN_OK);
	buf_release(&out);
	buf_init(&out, 10);
	assert_int_equal(frame_encode(&out, wire, 7, SMALL_MAX), CAIRN_ETOOBIG);
	assert_int_equal(out.len, 0);
	buf_release(&out);
}

static void
test_giant_length(void **state)
{
	const uint8_t giant[4] = {0xff, 0xff, 0xff, 0xff};
	struct frame_decoder d;
	const uint8_t *p;
	size_t len;

	frame_decoder_init(&d, FRAME_MAX);
	assert_int_equal(frame_decoder_feed(&d, giant, 4), CAIRN_OK);
	assert_int_equal(frame_decoder_next(&d, &p, &len), CAIRN_ETOOBIG);
	/* Nothing near the announced size was allocated. */
	assert_true(d.in.cap < 4096);
	frame_decoder_release(&d);
	/* FRAME_MAX itself is accepted, one more is not. */
	frame_decoder_init(&d, FRAME_MAX);
	{
		uint8_t h[4];

		put_header(h, FRAME_MAX + 1);
		assert_int_equal(frame_decoder_feed(&d, h, 4), CAIRN_OK);
		assert_int_equal(frame_decoder_next(&d, &p, &len),
		                 CAIRN_ETOOBIG);
	}
	frame_decoder_release(&d);
}

static void
test_several(void **state)
{
	struct frame_decoder d;
	struct buf out;
	const uint8_t *p;
	size_t len;
	char word[8];
	int i;

	buf_init(&out, 4096);
	for (i = 0; i < 100; i++) {
		snprintf(word, sizeof(word), "f%d", i);
		assert_int_equal(
		        frame_encode(&out, word, strlen(word), SMALL_MAX),
		        CAIRN_OK);
	}
	/* A feed may hold many frames, up to two maximum frames. */
	frame_decoder_init(&d, 1024);
	assert_int_equal(frame_decoder_feed(&d, out.data, out.len), CAIRN_OK);
	for (i = 0; i < 100; i++) {
		snprintf(word, sizeof(word), "f%d", i);
		assert_int_equal(frame_decoder_next(&d, &p, &len), 1);
		assert_int_equal(len, strlen(word));
		assert_memory_equal(p, word, len);
	}
	assert_int_equal(frame_decoder_next(&d, &p, &len), 0);
	assert_int_equal(frame_decoder_pending(&d), 0);
	frame_decoder_release(&d);
	buf_release(&out);
}

static void
test_byte_by_byte(void **state)
{
	struct frame_decoder d;
	struct buf out;
	const uint8_t *p;
	size_t len, i;
	int got = 0, rc;

	buf_init(&out, 4096);
	assert_int_equal(frame_encode(&out, "alpha", 5, SMALL_MAX), CAIRN_OK);
	assert_int_equal(frame_encode(&out, "", 0, SMALL_MAX), CAIRN_OK);
	assert_int_equal(frame_encode(&out, "beta", 4, SMALL_MAX), CAIRN_OK);
	frame_decoder_init(&d, SMALL_MAX);
	for (i = 0; i < out.len; i++) {
		assert_int_equal(frame_decoder_feed(&d, out.data + i, 1),
		                 CAIRN_OK);
		while ((rc = frame_decoder_next(&d, &p, &len)) == 1) {
			switch (got++) {
			case 0:
				assert_int_equal(i, 8);
				assert_memory_equal(p, "alpha", 5);
				break;
			case 1:
				assert_int_equal(i, 12);
				assert_int_equal(len, 0);
				break;
			case 2:
				assert_int_equal(i, out.len - 1);
				assert_memory_equal(p, "beta", 4);
				break;
			default:
				fail();
			}
		}
		assert_int_equal(rc, 0);
	}
	assert_int_equal(got, 3);
	frame_decoder_release(&d);
	buf_release(&out);
}

/* A decoder that has returned every byte holds no storage. */
static void
test_release_when_empty(void **state)
{
	struct frame_decoder d;
	struct buf out;
	uint8_t big[1000];
	const uint8_t *p;
	size_t len;

	memset(big, 'b', sizeof(big));
	buf_init(&out, 4096);
	assert_int_equal(frame_encode(&out, big, sizeof(big), 1024), CAIRN_OK);
	assert_int_equal(frame_encode(&out, "tail", 4, 1024), CAIRN_OK);
	frame_decoder_init(&d, 1024);
	/* A whole frame and the first bytes of the next one. */
	assert_int_equal(frame_decoder_feed(&d, out.data, 4 + 1000 + 2),
	                 CAIRN_OK);
	assert_true(d.in.cap >= 1006);
	assert_int_equal(frame_decoder_next(&d, &p, &len), 1);
	assert_int_equal(len, 1000);
	/* Two bytes of a header are still buffered: nothing is freed. */
	assert_int_equal(frame_decoder_next(&d, &p, &len), 0);
	assert_int_equal(frame_decoder_pending(&d), 2);
	assert_non_null(d.in.data);
	assert_int_equal(
	        frame_decoder_feed(&d, out.data + 1006, out.len - 1006),
	        CAIRN_OK);
	assert_int_equal(frame_decoder_next(&d, &p, &len), 1);
	assert_int_equal(len, 4);
	assert_memory_equal(p, "tail", 4);
	/* Everything taken: the buffer goes. */
	assert_int_equal(frame_decoder_next(&d, &p, &len), 0);
	assert_null(d.in.data);
	assert_int_equal(d.in.cap, 0);
	assert_int_equal(frame_decoder_pending(&d), 0);
	/* And the decoder works on, under the same ceiling. */
	assert_int_equal(frame_decoder_feed(&d, out.data, 4 + 1000), CAIRN_OK);
	assert_int_equal(frame_decoder_next(&d, &p, &len), 1);
	assert_int_equal(len, 1000);
	assert_memory_equal(p, big, 1000);
	assert_int_equal(frame_decoder_next(&d, &p, &len), 0);
	assert_null(d.in.data);
	big[0] = 0xff;
	assert_int_equal(frame_decoder_feed(&d, big, 4), CAIRN_OK);
	assert_int_equal(frame_decoder_next(&d, &p, &len), CAIRN_ETOOBIG);
	frame_decoder_release(&d);
	buf_release(&out);
}

static void
test_feed_ceiling(void **state)
{
	struct frame_decoder d;
	uint8_t *big;
	const uint8_t *p;
	size_t len;

	big = calloc(1, 4 * (SMALL_MAX + 4));
	assert_non_null(big);
	frame_decoder_init(&d, SMALL_MAX);
	/* Two maximum frames at once fit; buffering more does not. */
	put_header(big, SMALL_MAX);
	put_header(big + 4 + SMALL_MAX, SMALL_MAX);
	assert_int_equal(frame_decoder_feed(&d, big, 2 * (SMALL_MAX + 4)),
	                 CAIRN_OK);
	assert_int_equal(frame_decoder_feed(&d, big, 1), CAIRN_ETOOBIG);
	/* Taking the frames makes room again. */
	assert_int_equal(frame_decoder_next(&d, &p, &len), 1);
	assert_int_equal(frame_decoder_next(&d, &p, &len), 1);
	assert_int_equal(frame_decoder_next(&d, &p, &len), 0);
	assert_int_equal(frame_decoder_feed(&d, big, 1), CAIRN_OK);
	assert_int_equal(frame_decoder_pending(&d), 1);
	frame_decoder_release(&d);
	frame_decoder_release(NULL);
	free(big);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_normal),
	        cmocka_unit_test(test_empty_payload),
	        cmocka_unit_test(test_truncated),
	        cmocka_unit_test(test_limit),
	        cmocka_unit_test(test_giant_length),
	        cmocka_unit_test(test_several),
	        cmocka_unit_test(test_byte_by_byte),
	        cmocka_unit_test(test_feed_ceiling),
	        cmocka_unit_test(test_release_when_empty),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
