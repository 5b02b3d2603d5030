/* Unit tests of the error list (common/err.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "err.h"

static void
test_lookup(void **state)
{
	assert_string_equal(err_message(CAIRN_OK), "success");
	assert_string_equal(err_name(CAIRN_ECREDS), "ECREDS");
	assert_string_equal(err_message(CAIRN_ECREDS),
	                    "wrong handle or password");
	assert_string_equal(err_name(CAIRN_EINTR), "EINTR");
	assert_string_equal(err_message(-999), "unknown error");
	assert_string_equal(err_name(-999), "EUNKNOWN");
	assert_int_equal(err_known(CAIRN_EBUSY), 1);
	assert_int_equal(err_known(-999), 0);
	assert_int_equal(err_known(1), 0);
}

static void
test_exit_codes(void **state)
{
	assert_int_equal(err_exit_code(CAIRN_OK), EXIT_OK);
	assert_int_equal(err_exit_code(CAIRN_ESTORAGE), EXIT_FAIL);
	assert_int_equal(err_exit_code(CAIRN_EUSAGE), EXIT_USAGE);
	assert_int_equal(err_exit_code(CAIRN_ETLS), EXIT_NET);
	assert_int_equal(err_exit_code(CAIRN_EAUTHREQ), EXIT_AUTH);
	assert_int_equal(err_exit_code(CAIRN_ERATELIMIT), EXIT_AUTH);
	assert_int_equal(err_exit_code(CAIRN_EINVITE), EXIT_AUTH);
	assert_int_equal(err_exit_code(CAIRN_EAMBIGUOUS), EXIT_INVALID);
	assert_int_equal(err_exit_code(CAIRN_EBUSY), EXIT_SERVER);
	assert_int_equal(err_exit_code(CAIRN_ENOCONFIG), EXIT_USAGE);
	assert_int_equal(err_exit_code(-999), EXIT_FAIL);
}

static void
test_unique(void **state)
{
	int a, b;

	/* Every code has a distinct name; all codes are 0 or negative. */
	for (a = -40; a <= 0; a++) {
		if (!err_known(a))
			continue;
		for (b = a + 1; b <= 0; b++) {
			if (err_known(b))
				assert_string_not_equal(err_name(a),
				                        err_name(b));
		}
	}
	for (a = -29; a <= 0; a++)
		assert_int_equal(err_known(a), 1);
	assert_int_equal(err_known(-30), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_lookup),
	        cmocka_unit_test(test_exit_codes),
	        cmocka_unit_test(test_unique),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
