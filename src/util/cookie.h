/*
 * cookie.h — reading one cookie out of a request's Cookie header (RFC 6265
 * section 5.4: "name=value" pairs separated by "; "). The header comes from
 * anyone, so the parser is strict about what it hands back and fuzzed
 * (fuzz/fuzz_cookie.c).
 */
#ifndef RK_COOKIE_H
#define RK_COOKIE_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Finds the cookie named name in header (NULL: none sent) and copies its
 * value, without surrounding double quotes, into out (size n). Pairs are split
 * on ';', optional white space around them is skipped, names compare exactly
 * (case-sensitive). False when the cookie is absent, its value is empty or
 * does not fit, or the value holds a byte outside RFC 6265's cookie-octet
 * (controls, space, '"', ',', ';', '\\', non-ASCII). When the cookie appears
 * more than once the first is taken (browsers send the most specific first).
 */
bool rk_cookie_get(const char *header, const char *name, char *out, size_t n);

#endif
