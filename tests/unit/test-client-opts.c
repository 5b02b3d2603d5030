/*
 * Unit tests of cli_getopt (client/opts.c): whole option names only (an
 * abbreviation getopt_long would take is refused with the option it
 * stands for), "did you mean" for a typo, flags given a value, unknown
 * short options, and the probe that completion reads options with.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cairn.h"
#include "err.h"

static const struct option opts[] = {
        {"activity", required_argument, NULL, 'a'},
        {"at", required_argument, NULL, 't'},
        {"date", required_argument, NULL, 'd'},
        {"private", no_argument, NULL, 'p'},
        {NULL, 0, NULL, 0},
};

static const struct cmd fake_log = {
        .name = "log",
        .usage = "log DURATION ACTIVITY [TEXT] [options]",
        .summary = "record a practice session",
        .help = "",
};

/*
 * Parses argv (NULL-terminated) to the end or the first error; returns
 * the last cli_getopt answer and writes the options seen to seen.
 */
static int
parse(char **argv, char *seen, size_t len, const char **lastarg)
{
	struct cli c;
	const char *arg = NULL;
	int argc = 0, ch;

	memset(&c, 0, sizeof(c));
	c.cmd = &fake_log;
	while (argv[argc] != NULL)
		argc++;
	seen[0] = '\0';
	optind = 0;
	while ((ch = cli_getopt(&c, argc, argv, opts, &arg)) >= 0) {
		if (ch == -1)
			break;
		snprintf(seen + strlen(seen), len - strlen(seen), "%c", ch);
		*lastarg = arg;
	}
	return ch;
}

static void
test_whole_names(void **state)
{
	char *argv[] = {
	        "log",       "45m", "--activity", "drill", "--date=yesterday",
	        "--private", "x",   NULL};
	const char *last = NULL;
	char seen[16];

	(void)state;
	assert_int_equal(parse(argv, seen, sizeof(seen), &last), -1);
	assert_string_equal(seen, "adp");
}

static void
test_abbreviations_refused(void **state)
{
	char *a1[] = {"log", "45m", "--act", "drill", NULL};
	char *a2[] = {"log", "--dat=yesterday", "45m", "drill", NULL};
	char *a3[] = {"log", "45m", "drill", "--priv", NULL};
	const char *last = NULL;
	char seen[16];

	(void)state;
	assert_int_equal(parse(a1, seen, sizeof(seen), &last), CAIRN_EUSAGE);
	assert_string_equal(
	        cli_errmsg(),
	        "unknown option '--act' for 'log'; did you mean '--activity'?");
	assert_string_equal(seen, "");
	assert_int_equal(parse(a2, seen, sizeof(seen), &last), CAIRN_EUSAGE);
	assert_string_equal(
	        cli_errmsg(),
	        "unknown option '--dat' for 'log'; did you mean '--date'?");
	assert_int_equal(parse(a3, seen, sizeof(seen), &last), CAIRN_EUSAGE);
	assert_string_equal(
	        cli_errmsg(),
	        "unknown option '--priv' for 'log'; did you mean '--private'?");
}

static void
test_typos(void **state)
{
	char *a1[] = {"log", "45m", "drill", "--activty", "x", NULL};
	char *a2[] = {"log", "45m", "drill", "--jsno", NULL};
	char *a3[] = {"log", "45m", "drill", "--frobnicate=2", NULL};
	char *a4[] = {"log", "45m", "drill", "-x", NULL};
	char *a5[] = {"log", "--private=yes", NULL};
	char *a6[] = {"log", "45m", "drill", "--date", NULL};
	char *a7[] = {"log", "--a", "x", NULL};
	const char *last = NULL;
	char seen[16];

	(void)state;
	assert_int_equal(parse(a1, seen, sizeof(seen), &last), CAIRN_EUSAGE);
	assert_string_equal(
	        cli_errmsg(),
	        "unknown option '--activty' for 'log'; did you mean '--activity'?");
	assert_int_equal(parse(a2, seen, sizeof(seen), &last), CAIRN_EUSAGE);
	assert_string_equal(
	        cli_errmsg(),
	        "unknown option '--jsno' for 'log'; did you mean '--json'?");
	assert_int_equal(parse(a3, seen, sizeof(seen), &last), CAIRN_EUSAGE);
	assert_string_equal(
	        cli_errmsg(),
	        "unknown option '--frobnicate' for 'log'; see 'cairn help log'");
	assert_int_equal(parse(a4, seen, sizeof(seen), &last), CAIRN_EUSAGE);
	assert_string_equal(
	        cli_errmsg(),
	        "unknown option '-x' for 'log'; see 'cairn help log'");
	assert_int_equal(parse(a5, seen, sizeof(seen), &last), CAIRN_EUSAGE);
	assert_string_equal(
	        cli_errmsg(),
	        "option '--private' takes no value; see 'cairn help log'");
	assert_int_equal(parse(a6, seen, sizeof(seen), &last), CAIRN_EUSAGE);
	assert_string_equal(
	        cli_errmsg(),
	        "option '--date' needs a value; see 'cairn help log'");
	/* Ambiguous (--activity, --at): getopt refuses it, so do we. */
	assert_int_equal(parse(a7, seen, sizeof(seen), &last), CAIRN_EUSAGE);
	assert_string_equal(
	        cli_errmsg(),
	        "unknown option '--a' for 'log'; did you mean '--at'?");
}

static void
test_probe(void **state)
{
	char *argv[] = {"log", "45m", "drill", NULL};
	char buf[256];
	const char *last = NULL;
	char seen[16];
	ssize_t n;
	int fds[2];

	(void)state;
	assert_int_equal(pipe(fds), 0);
	cli_probe_options(fds[1]);
	assert_int_equal(parse(argv, seen, sizeof(seen), &last), CAIRN_EUSAGE);
	cli_probe_options(-1);
	close(fds[1]);
	n = read(fds[0], buf, sizeof(buf) - 1);
	close(fds[0]);
	assert_true(n > 0);
	buf[n] = '\0';
	assert_string_equal(buf, "activity 1\nat 1\ndate 1\nprivate 0\n");
	/* Off again: options parse as before. */
	assert_int_equal(parse(argv, seen, sizeof(seen), &last), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_whole_names),
	        cmocka_unit_test(test_abbreviations_refused),
	        cmocka_unit_test(test_typos),
	        cmocka_unit_test(test_probe),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
