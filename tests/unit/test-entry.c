/*
 * Unit tests of the check-in rules (common/entry.c): every field's bounds,
 * handles, and strict UTF-8.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "entry.h"
#include "utf8.h"
#include "err.h"

#define NOW INT64_C(1700000000)

static char *skills2[] = {"rust", "c programming"};

static void
good_entry(Cairn__Entry *e)
{
	cairn__entry__init(e);
	e->started_at = NOW - 3600;
	e->utc_offset = 60;
	e->minutes = 90;
	e->activity = "drill";
	e->text = "scales, slowly";
	e->n_skills = 2;
	e->skills = skills2;
}

/* Expects e to be refused with a reason starting with field. */
static void
refused(const Cairn__Entry *e, const char *field)
{
	char why[256] = "";

	assert_int_equal(entry_validate(e, NOW, why, sizeof(why)),
	                 CAIRN_EINVAL);
	if (strncmp(why, field, strlen(field)) != 0)
		fail_msg("reason '%s', want field '%s'", why, field);
	assert_null(strchr(why, '\n'));
}

static void
test_good(void **state)
{
	Cairn__Entry e;
	char why[128] = "";

	good_entry(&e);
	assert_int_equal(entry_validate(&e, NOW, why, sizeof(why)), CAIRN_OK);
	e.minutes = 1;
	e.text = "";
	e.n_skills = 0;
	e.started_at = NOW + 86400;
	e.utc_offset = -18 * 60;
	e.limit_minutes = 30;
	e.beaten = 1;
	assert_int_equal(entry_validate(&e, NOW, NULL, 0), CAIRN_OK);
	e.minutes = 1440;
	e.activity = "a";
	e.item = "chapter 3";
	assert_int_equal(entry_validate(&e, NOW, why, sizeof(why)), CAIRN_OK);
	e.activity = "abcdefghijklmnopqrstuvwxyz012345";
	assert_int_equal(entry_validate(&e, NOW, why, sizeof(why)), CAIRN_OK);
}

static void
test_fields(void **state)
{
	Cairn__Entry e;
	char text[ENTRY_TEXT_MAX + 2];

	refused(NULL, "entry");
	good_entry(&e);
	e.minutes = 0;
	refused(&e, "minutes");
	e.minutes = 1441;
	refused(&e, "minutes");
	good_entry(&e);
	e.activity = "";
	refused(&e, "activity");
	e.activity = "Drill";
	refused(&e, "activity");
	e.activity = "1drill";
	refused(&e, "activity");
	e.activity = "dr ill";
	refused(&e, "activity");
	e.activity = "abcdefghijklmnopqrstuvwxyz0123456";
	refused(&e, "activity");
	good_entry(&e);
	memset(text, 'a', sizeof(text));
	text[ENTRY_TEXT_MAX] = '\0';
	e.text = text;
	assert_int_equal(entry_validate(&e, NOW, NULL, 0), CAIRN_OK);
	text[ENTRY_TEXT_MAX] = 'a';
	text[ENTRY_TEXT_MAX + 1] = '\0';
	refused(&e, "text");
	e.text = "bad \xc0\xaf utf-8";
	refused(&e, "text");
	good_entry(&e);
	e.utc_offset = 18 * 60 + 1;
	refused(&e, "utc_offset");
	e.utc_offset = -18 * 60 - 1;
	refused(&e, "utc_offset");
	good_entry(&e);
	e.started_at = 946684799;
	refused(&e, "started_at");
	e.started_at = NOW + 86401;
	refused(&e, "started_at");
	good_entry(&e);
	e.limit_minutes = 1441;
	refused(&e, "limit_minutes");
	e.limit_minutes = 0;
	e.beaten = 1;
	refused(&e, "beaten");
	good_entry(&e);
	e.item = "line\nbreak";
	refused(&e, "item");
}

static void
test_lists(void **state)
{
	Cairn__Entry e;
	char *many[ENTRY_SKILLS_MAX + 1];
	char *bad[] = {"ok", ""};
	char *ctl[] = {"tab\there"};
	char longskill[ENTRY_SKILL_MAX + 2];
	char *lng[] = {longskill};
	Cairn__Metric m1 = CAIRN__METRIC__INIT, m2 = CAIRN__METRIC__INIT;
	Cairn__Metric *ms[] = {&m1, &m2};
	size_t i;

	good_entry(&e);
	for (i = 0; i <= ENTRY_SKILLS_MAX; i++)
		many[i] = "s";
	e.skills = many;
	e.n_skills = ENTRY_SKILLS_MAX;
	assert_int_equal(entry_validate(&e, NOW, NULL, 0), CAIRN_OK);
	e.n_skills = ENTRY_SKILLS_MAX + 1;
	refused(&e, "skills");
	e.skills = bad;
	e.n_skills = 2;
	refused(&e, "skills");
	e.skills = ctl;
	e.n_skills = 1;
	refused(&e, "skills");
	memset(longskill, 'x', sizeof(longskill));
	longskill[ENTRY_SKILL_MAX] = '\0';
	e.skills = lng;
	assert_int_equal(entry_validate(&e, NOW, NULL, 0), CAIRN_OK);
	longskill[ENTRY_SKILL_MAX] = 'x';
	longskill[ENTRY_SKILL_MAX + 1] = '\0';
	refused(&e, "skills");

	good_entry(&e);
	m1.key = "bpm";
	m1.value = 120;
	m2.key = "errors";
	m2.value = -2.5;
	e.metrics = ms;
	e.n_metrics = 2;
	assert_int_equal(entry_validate(&e, NOW, NULL, 0), CAIRN_OK);
	m2.value = NAN;
	refused(&e, "metrics");
	m2.value = INFINITY;
	refused(&e, "metrics");
	m2.value = 1;
	m2.key = "bpm";
	refused(&e, "metrics");
	m2.key = "a=b";
	refused(&e, "metrics");
	m2.key = "";
	refused(&e, "metrics");
	e.n_metrics = ENTRY_METRICS_MAX + 1;
	refused(&e, "metrics");
}

static void
test_handle(void **state)
{
	assert_true(handle_valid("ab"));
	assert_true(handle_valid("alice"));
	assert_true(handle_valid("a_b-9"));
	assert_true(handle_valid("abcdefghijklmnopqrstuvwxyz012345"));
	assert_false(handle_valid("abcdefghijklmnopqrstuvwxyz0123456"));
	assert_false(handle_valid("a"));
	assert_false(handle_valid(""));
	assert_false(handle_valid(NULL));
	assert_false(handle_valid("9lives"));
	assert_false(handle_valid("_x"));
	assert_false(handle_valid("Alice"));
	assert_false(handle_valid("al ice"));
	assert_false(handle_valid("al.ice"));
	assert_false(handle_valid("al\xc3\xa9"));
}

static void
test_utf8(void **state)
{
	const char nul[] = "a\0b";

	assert_true(utf8_valid("", 0));
	assert_true(utf8_valid(NULL, 0));
	assert_true(utf8_valid("plain", 5));
	assert_true(utf8_valid("\xc3\xa9t\xc3\xa9", 5));
	assert_true(utf8_valid("\xe2\x82\xac", 3));
	assert_true(utf8_valid("\xf0\x9f\x8e\xb8", 4));
	assert_true(utf8_valid("\xf4\x8f\xbf\xbf", 4));
	assert_true(utf8_valid("\xed\x9f\xbf", 3));
	assert_false(utf8_valid(nul, 3));
	/* Overlong forms. */
	assert_false(utf8_valid("\xc0\xaf", 2));
	assert_false(utf8_valid("\xc1\xbf", 2));
	assert_false(utf8_valid("\xe0\x80\xaf", 3));
	assert_false(utf8_valid("\xe0\x9f\xbf", 3));
	assert_false(utf8_valid("\xf0\x8f\xbf\xbf", 4));
	/* Surrogates and values past U+10FFFF. */
	assert_false(utf8_valid("\xed\xa0\x80", 3));
	assert_false(utf8_valid("\xed\xbf\xbf", 3));
	assert_false(utf8_valid("\xf4\x90\x80\x80", 4));
	assert_false(utf8_valid("\xf5\x80\x80\x80", 4));
	/* Stray, missing and bad continuation bytes. */
	assert_false(utf8_valid("\x80", 1));
	assert_false(utf8_valid("\xc3", 1));
	assert_false(utf8_valid("\xe2\x82", 2));
	assert_false(utf8_valid("\xc3(", 2));
	assert_false(utf8_valid("\xff", 1));
	/* Only len bytes count. */
	assert_true(utf8_valid("ok\xff", 2));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_good),  cmocka_unit_test(test_fields),
	        cmocka_unit_test(test_lists), cmocka_unit_test(test_handle),
	        cmocka_unit_test(test_utf8),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
