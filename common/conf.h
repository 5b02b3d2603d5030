/*
 * Configuration files of "key = value" lines, as cairnd's --config and a
 * cairn home's config file use them: blanks around keys and values are
 * ignored, empty lines and lines starting with # are skipped.
 */
#ifndef CAIRN_CONF_H
#define CAIRN_CONF_H

#include <stddef.h>

#define CONF_LINE_MAX 4200 /* longest line, newline included */

/*
 * Calls set(arg, key, value) for each setting of the file at path, in
 * order; key and value are borrowed for the call. A non-zero return of
 * set stops the reading and is returned, with "PATH:LINE: bad setting
 * 'KEY'" in why. Returns CAIRN_OK, CAIRN_ENOTFOUND when the file does not
 * exist, CAIRN_EIO when it cannot be read, CAIRN_EINVAL for a line too
 * long or without '='; why gets one line saying where and what.
 */
int conf_read(const char *path,
              int (*set)(void *arg, const char *key, const char *value),
              void *arg, char *why, size_t whylen);

#endif
