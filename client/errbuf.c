/*
 * The error out-parameter of the client's lower layers (home, store, plan,
 * net): they say what failed in a struct errbuf and leave it to their
 * caller, a command or a test, to decide what to print.
 */
#include <stdarg.h>
#include <stdio.h>

#include "cairn.h"

int
errbuf_set(struct errbuf *e, int code, const char *fmt, ...)
{
	va_list ap;

	if (e == NULL)
		return code;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return code;
}
