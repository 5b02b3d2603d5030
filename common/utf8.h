/* UTF-8 validation and encoding (common/utf8.c). */
#ifndef CAIRN_UTF8_H
#define CAIRN_UTF8_H

#include <stddef.h>
#include <stdint.h>

/*
 * 1 if s[0..len) is valid UTF-8 without NUL bytes, overlong forms,
 * surrogates or code points past U+10FFFF; 0 otherwise. A NULL s is
 * valid only with len 0.
 */
int utf8_valid(const char *s, size_t len);
/*
 * Writes code point cp as UTF-8 to out (room for 4 bytes) and returns the
 * length; NUL, surrogates and values past U+10FFFF become U+FFFD.
 */
size_t utf8_encode(uint32_t cp, char *out);

#endif
