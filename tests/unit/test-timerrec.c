/*
 * Unit tests of the timer record's rules (common/timerrec.c): a running
 * and a stopped timer pass; every field out of bounds, a running timer
 * with an end or an entry, a stopped one ending before it started and a
 * body that is not UTF-8 are refused with a reason naming the field; the
 * message checks of the wire (msg_check_body) know the kind.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "entry.h"
#include "err.h"
#include "msg.h"
#include "timefmt.h"
#include "timerrec.h"

#define NOW INT64_C(1795000000) /* 2026-11-18 */

static void
running(Cairn__Timer *t)
{
	cairn__timer__init(t);
	t->activity = "drill";
	t->text = "scales";
	t->item = "";
	t->started_at = NOW - 600;
	t->limit_minutes = 45;
	t->device_name = "laptop";
	t->running = 1;
}

/* t is refused, and the reason contains want. */
static void
refused(const Cairn__Timer *t, const char *want)
{
	char why[160] = "";

	assert_int_equal(timerrec_validate(t, NOW, why, sizeof(why)),
	                 CAIRN_EINVAL);
	if (strstr(why, want) == NULL)
		fail_msg("reason '%s' lacks '%s'", why, want);
}

static void
test_valid(void **state)
{
	Cairn__Timer t;
	char why[160];

	(void)state;
	running(&t);
	assert_int_equal(timerrec_validate(&t, NOW, why, sizeof(why)),
	                 CAIRN_OK);
	/* Stopped, with the entry it logged; cancelled, without one. */
	t.running = 0;
	t.ended_at = NOW;
	t.entry = "3f2a9c1e-0000-4000-8000-000000000001";
	assert_int_equal(timerrec_validate(&t, NOW, why, sizeof(why)),
	                 CAIRN_OK);
	t.entry = "";
	assert_int_equal(timerrec_validate(&t, NOW, why, sizeof(why)),
	                 CAIRN_OK);
	/* The limits exactly. */
	running(&t);
	t.limit_minutes = DURATION_MAX_MINUTES;
	t.started_at = NOW + 86400;
	assert_int_equal(timerrec_validate(&t, NOW, NULL, 0), CAIRN_OK);
}

static void
test_refused(void **state)
{
	Cairn__Timer t;
	char big[ENTRY_TEXT_MAX + 2], name[DEVICE_NAME_MAX + 2];

	(void)state;
	running(&t);
	t.activity = "Drill";
	refused(&t, "activity");
	t.activity = "";
	refused(&t, "activity");
	running(&t);
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	t.text = big;
	refused(&t, "text");
	running(&t);
	t.text = "\xff\xfe";
	refused(&t, "text: not valid UTF-8");
	running(&t);
	big[ENTRY_ITEM_MAX + 1] = '\0';
	t.item = big;
	refused(&t, "item");
	running(&t);
	t.device_name = "";
	refused(&t, "device name");
	memset(name, 'd', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	t.device_name = name;
	refused(&t, "device name");
	running(&t);
	t.started_at = 0;
	refused(&t, "started_at: before 2000");
	t.started_at = NOW + 86401;
	refused(&t, "started_at: more than a day in the future");
	running(&t);
	t.limit_minutes = DURATION_MAX_MINUTES + 1;
	refused(&t, "limit");
	running(&t);
	t.ended_at = NOW;
	refused(&t, "a running timer has no end");
	running(&t);
	t.entry = "3f2a9c1e-0000-4000-8000-000000000001";
	refused(&t, "a running timer has no end and no entry");
	running(&t);
	t.running = 0;
	t.ended_at = t.started_at - 1;
	refused(&t, "ended_at");
	t.ended_at = NOW + 86401;
	refused(&t, "ended_at");
	t.ended_at = NOW;
	t.entry = "not-a-uuid";
	refused(&t, "entry: not a UUID");
}

static void
test_wire(void **state)
{
	Cairn__Timer t;
	uint8_t *buf;
	size_t len, i;
	char why[160] = "";

	(void)state;
	running(&t);
	t.text = "sc@les";
	len = cairn__timer__get_packed_size(&t);
	buf = malloc(len);
	assert_non_null(buf);
	cairn__timer__pack(&t, buf);
	assert_int_equal(msg_check_body(CAIRN__KIND__KIND_TIMER, buf, len, why,
	                                sizeof(why)),
	                 CAIRN_OK);
	/* A NUL inside the text, which protobuf-c would cut short. */
	for (i = 0; i < len; i++)
		if (buf[i] == '@')
			buf[i] = '\0';
	assert_int_equal(msg_check_body(CAIRN__KIND__KIND_TIMER, buf, len, why,
	                                sizeof(why)),
	                 CAIRN_EINVAL);
	assert_non_null(strstr(why, "text"));
	free(buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_valid),
	        cmocka_unit_test(test_refused),
	        cmocka_unit_test(test_wire),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
