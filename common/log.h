/*
 * One log line per event on stderr: UTC time, level, event name, then
 * key=value fields, e.g.
 * 2026-11-22T03:05:35.123Z info conn.open peer=127.0.0.1:5123 conns=3
 */
#ifndef CAIRN_LOG_H
#define CAIRN_LOG_H

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

/* Lines below level are dropped (default LOG_INFO). */
void log_set_level(enum log_level level);
/* Logs event with printf-style fields; fmt may be NULL. Thread-safe. */
void log_event(enum log_level level, const char *event, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

#endif
