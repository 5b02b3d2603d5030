/* Unit tests for common/conf.c: "key = value" configuration files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "conf.h"
#include "err.h"

struct seen {
	char text[512];
	int refuse; /* refuse this key's setting */
	const char *refuse_key;
};

static int
collect(void *arg, const char *key, const char *value)
{
	struct seen *s = arg;
	size_t n = strlen(s->text);

	if (s->refuse_key != NULL && strcmp(key, s->refuse_key) == 0)
		return s->refuse;
	snprintf(s->text + n, sizeof(s->text) - n, "[%s=%s]", key, value);
	return 0;
}

/* Writes text to a new temporary file; returns its path (static). */
static const char *
write_file(const char *text)
{
	static char path[64];
	FILE *f;
	int fd;

	snprintf(path, sizeof(path), "/tmp/cairn-conf-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return path;
}

static void
test_settings_in_order(void **state)
{
	struct seen s = {0};
	char why[256] = "";
	const char *p = write_file("# comment\n\n  listen = 127.0.0.1:7443 \n"
	                           "db=/var/lib/cairn.db\r\n\tempty =\n"
	                           "last = no newline");

	assert_int_equal(conf_read(p, collect, &s, why, sizeof(why)), CAIRN_OK);
	assert_string_equal(
	        s.text,
	        "[listen=127.0.0.1:7443][db=/var/lib/cairn.db][empty=][last=no newline]");
	unlink(p);
}

static void
test_missing_file(void **state)
{
	struct seen s = {0};
	char why[256] = "";

	assert_int_equal(conf_read("/nonexistent/cairn.conf", collect, &s, why,
	                           sizeof(why)),
	                 CAIRN_ENOTFOUND);
	assert_non_null(strstr(why, "/nonexistent/cairn.conf"));
}

static void
test_line_without_equals(void **state)
{
	struct seen s = {0};
	char why[256] = "";
	const char *p = write_file("a = 1\njust words\nb = 2\n");

	assert_int_equal(conf_read(p, collect, &s, why, sizeof(why)),
	                 CAIRN_EINVAL);
	assert_string_equal(s.text, "[a=1]");
	assert_non_null(strstr(why, ":2: expected key = value"));
	unlink(p);
}

static void
test_refused_setting_names_line(void **state)
{
	struct seen s = {.refuse = 7, .refuse_key = "bad"};
	char why[256] = "";
	const char *p = write_file("a = 1\n\nbad = x\nc = 3\n");

	assert_int_equal(conf_read(p, collect, &s, why, sizeof(why)), 7);
	assert_string_equal(s.text, "[a=1]");
	assert_non_null(strstr(why, ":3: bad setting 'bad'"));
	unlink(p);
}

static void
test_line_too_long(void **state)
{
	struct seen s = {0};
	char why[256] = "", *big;
	const char *p;

	big = malloc(CONF_LINE_MAX + 16);
	assert_non_null(big);
	memset(big, 'x', CONF_LINE_MAX + 8);
	memcpy(big, "k = ", 4);
	big[CONF_LINE_MAX + 8] = '\0';
	p = write_file(big);
	free(big);
	assert_int_equal(conf_read(p, collect, &s, why, sizeof(why)),
	                 CAIRN_EINVAL);
	assert_non_null(strstr(why, ":1: line too long"));
	unlink(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_settings_in_order),
	        cmocka_unit_test(test_missing_file),
	        cmocka_unit_test(test_line_without_equals),
	        cmocka_unit_test(test_refused_setting_names_line),
	        cmocka_unit_test(test_line_too_long),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
