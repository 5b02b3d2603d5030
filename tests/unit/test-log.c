/*
 * Unit tests of the event log (common/log.c): the line format, the level
 * filter, control characters kept out of a line, and whole lines from
 * several threads at once.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "log.h"

#define THREADS 4
#define PER_THREAD 200

static FILE *capture;
static int saved_fd = -1;

static int
setup(void **state)
{
	capture = tmpfile();
	if (capture == NULL)
		return -1;
	fflush(stderr);
	saved_fd = dup(2);
	return dup2(fileno(capture), 2) < 0 ? -1 : 0;
}

static int
teardown(void **state)
{
	fflush(stderr);
	dup2(saved_fd, 2);
	close(saved_fd);
	fclose(capture);
	return 0;
}

/* Reads everything logged since the last call into a new string. */
static char *
take_output(void)
{
	long end;
	char *s;
	size_t n;
	static long start;

	fflush(stderr);
	end = lseek(2, 0, SEEK_CUR);
	assert_true(end >= start);
	s = calloc(1, (size_t)(end - start) + 1);
	assert_non_null(s);
	n = (size_t)pread(2, s, (size_t)(end - start), start);
	assert_int_equal(n, (size_t)(end - start));
	start = end;
	return s;
}

/* Checks "YYYY-MM-DDTHH:MM:SS.mmmZ " at the start of line. */
static void
check_stamp(const char *line)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:dd.dddZ ";
	size_t i;

	for (i = 0; i < sizeof(shape) - 1; i++) {
		if (shape[i] == 'd')
			assert_true(line[i] >= '0' && line[i] <= '9');
		else
			assert_int_equal(line[i], shape[i]);
	}
}

static void
test_format(void **state)
{
	char *out;

	log_set_level(LOG_INFO);
	log_event(LOG_INFO, "conn.open", "peer=%s conns=%d", "127.0.0.1:5123",
	          3);
	out = take_output();
	check_stamp(out);
	assert_string_equal(out + 25,
	                    "info conn.open peer=127.0.0.1:5123 conns=3\n");
	free(out);
	log_event(LOG_ERROR, "server.stop", NULL);
	out = take_output();
	check_stamp(out);
	assert_string_equal(out + 25, "error server.stop\n");
	free(out);
}

static void
test_level(void **state)
{
	char *out;

	log_set_level(LOG_WARN);
	log_event(LOG_INFO, "dropped", "x=1");
	log_event(LOG_DEBUG, "dropped", "x=2");
	log_event(LOG_WARN, "kept", "x=3");
	out = take_output();
	assert_non_null(strstr(out, " warn kept x=3\n"));
	assert_null(strstr(out, "dropped"));
	free(out);
	log_set_level(LOG_DEBUG);
	log_event(LOG_DEBUG, "dbg", "x=4");
	out = take_output();
	assert_non_null(strstr(out, " debug dbg x=4\n"));
	free(out);
	log_set_level(LOG_INFO);
}

static void
test_one_line(void **state)
{
	char *out, *nl;
	char big[5000];

	log_event(LOG_INFO, "bad.input", "name=%s", "evil\nfake line\r");
	out = take_output();
	nl = strchr(out, '\n');
	assert_non_null(nl);
	assert_int_equal(nl[1], '\0');
	assert_non_null(strstr(out, "name=evil?fake line?"));
	free(out);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	log_event(LOG_INFO, "long", "v=%s", big);
	out = take_output();
	assert_true(strlen(out) < sizeof(big));
	assert_int_equal(out[strlen(out) - 1], '\n');
	assert_ptr_equal(strchr(out, '\n'), out + strlen(out) - 1);
	free(out);
}

static void *
writer(void *arg)
{
	int i;

	for (i = 0; i < PER_THREAD; i++)
		log_event(LOG_INFO, "thread.line", "t=%ld i=%d pad=%s",
		          (long)(intptr_t)arg, i, "abcdefghijklmnopqrstuvwxyz");
	return NULL;
}

static void
test_threads(void **state)
{
	pthread_t t[THREADS];
	char *out, *line, *save = NULL;
	int i, n = 0;

	for (i = 0; i < THREADS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, writer,
		                                (void *)(intptr_t)i),
		                 0);
	for (i = 0; i < THREADS; i++)
		assert_int_equal(pthread_join(t[i], NULL), 0);
	out = take_output();
	for (line = strtok_r(out, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		check_stamp(line);
		assert_int_equal(strncmp(line + 25, "info thread.line t=", 19),
		                 0);
		assert_non_null(
		        strstr(line, " pad=abcdefghijklmnopqrstuvwxyz"));
		assert_int_equal(strlen(strstr(line, " pad=")), 31);
		n++;
	}
	assert_int_equal(n, THREADS * PER_THREAD);
	free(out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_format),
	        cmocka_unit_test(test_level),
	        cmocka_unit_test(test_one_line),
	        cmocka_unit_test(test_threads),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
