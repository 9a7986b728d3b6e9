/*
 * utf8.h — well-formed UTF-8 (RFC 3629), below every parser of outside input.
 */
#ifndef RK_UTF8_H
#define RK_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Decodes the code point at s[0..len) into *cp and returns its length in
 * bytes, or 0 when the bytes there are not well-formed UTF-8 (len > 0).
 */
size_t rk_utf8_decode(const unsigned char *s, size_t len, unsigned long *cp);

/* True when the len bytes at s are well-formed UTF-8 (no overlongs, no
 * surrogates, nothing above U+10FFFF). */
bool rk_utf8_valid(const char *s, size_t len);

/* The number of code points in a valid UTF-8 string. */
size_t rk_utf8_length(const char *s);

#endif
