/*
 * The one error list of cairn turned into lookups: message, name and the
 * client exit code of every CAIRN_E* code (see err.h).
 */
#include <stddef.h>

#include "err.h"

struct err_row {
	int code;
	int exit;
	const char *name;
	const char *msg;
};

static const struct err_row err_table[] = {
#define ERR_ROW(name, code, exit, msg) {(code), (exit), #name, (msg)},
        CAIRN_ERRORS(ERR_ROW)
#undef ERR_ROW
};

static const struct err_row *
err_find(int code)
{
	size_t i;

	for (i = 0; i < sizeof(err_table) / sizeof(err_table[0]); i++) {
		if (err_table[i].code == code)
			return &err_table[i];
	}
	return NULL;
}

const char *
err_message(int code)
{
	const struct err_row *r = err_find(code);

	return r != NULL ? r->msg : "unknown error";
}

const char *
err_name(int code)
{
	const struct err_row *r = err_find(code);

	return r != NULL ? r->name : "EUNKNOWN";
}

int
err_exit_code(int code)
{
	const struct err_row *r = err_find(code);

	if (r != NULL)
		return r->exit;
	return code == 0 ? EXIT_OK : EXIT_FAIL;
}

int
err_known(int code)
{
	return err_find(code) != NULL;
}
