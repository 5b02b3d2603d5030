/*
 * One line per event on stderr: UTC time with milliseconds, level, event
 * and key=value fields. Lines are built whole and written under a lock, so
 * threads never interleave; control characters in fields are replaced so
 * an event stays on one line.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "log.h"

#define LOG_LINE_MAX 2048

static atomic_int log_min = LOG_INFO;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

static const char *
log_level_name(enum log_level level)
{
	switch (level) {
	case LOG_DEBUG:
		return "debug";
	case LOG_INFO:
		return "info";
	case LOG_WARN:
		return "warn";
	case LOG_ERROR:
		return "error";
	}
	return "info";
}

void
log_set_level(enum log_level level)
{
	atomic_store(&log_min, (int)level);
}

static void log_vappend(char *line, size_t *off, const char *fmt, va_list ap)
        __attribute__((format(printf, 3, 0)));
static void log_append(char *line, size_t *off, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

/* Appends at *off into line, truncating at the end of the line buffer. */
static void
log_vappend(char *line, size_t *off, const char *fmt, va_list ap)
{
	int n;

	if (*off >= LOG_LINE_MAX - 1)
		return;
	n = vsnprintf(line + *off, LOG_LINE_MAX - *off, fmt, ap);
	if (n < 0)
		return;
	*off += (size_t)n;
	if (*off > LOG_LINE_MAX - 1)
		*off = LOG_LINE_MAX - 1;
}

static void
log_append(char *line, size_t *off, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vappend(line, off, fmt, ap);
	va_end(ap);
}

void
log_event(enum log_level level, const char *event, const char *fmt, ...)
{
	char line[LOG_LINE_MAX + 1];
	struct timespec ts;
	struct tm tm;
	size_t off = 0, i, start;
	va_list ap;

	if ((int)level < atomic_load(&log_min))
		return;
	if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
		memset(&ts, 0, sizeof(ts));
	if (gmtime_r(&ts.tv_sec, &tm) == NULL)
		memset(&tm, 0, sizeof(tm));
	log_append(line, &off, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %s %s",
	           tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	           tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000,
	           log_level_name(level), event != NULL ? event : "-");
	if (fmt != NULL && fmt[0] != '\0') {
		log_append(line, &off, " ");
		start = off;
		va_start(ap, fmt);
		log_vappend(line, &off, fmt, ap);
		va_end(ap);
		for (i = start; i < off; i++) {
			if ((unsigned char)line[i] < 0x20 || line[i] == 0x7f)
				line[i] = '?';
		}
	}
	line[off++] = '\n';
	line[off] = '\0';
	pthread_mutex_lock(&log_lock);
	fwrite(line, 1, off, stderr);
	fflush(stderr);
	pthread_mutex_unlock(&log_lock);
}
