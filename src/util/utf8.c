/*
 * utf8.c — well-formed UTF-8 (RFC 3629): the check every parser of outside
 * input runs first, and the decoder the text rule (base/normalize.c) walks with.
 */
#include "util/utf8.h"

/*
 * Decodes the code point at s[0..len) into *cp and returns its length in
 * bytes, or 0 when the bytes there are not well-formed UTF-8 (RFC 3629).
 */
size_t rk_utf8_decode(const unsigned char *s, size_t len, unsigned long *cp) {
    unsigned char c = s[0];
    size_t n;
    unsigned long v, min;
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2, v = c & 0x1Fu, min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3, v = c & 0x0Fu, min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4, v = c & 0x07u, min = 0x10000;
    } else {
        return 0; /* continuation byte, C0/C1 overlong lead, or F5..FF */
    }
    if (len < n)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0u) != 0x80u)
            return 0;
        v = (v << 6) | (s[i] & 0x3Fu);
    }
    if (v < min || v > 0x10FFFFul || (v >= 0xD800ul && v <= 0xDFFFul))
        return 0;
    *cp = v;
    return n;
}

bool rk_utf8_valid(const char *s, size_t len) {
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        unsigned long cp;
        size_t n = rk_utf8_decode(p + i, len - i, &cp);
        if (n == 0)
            return false;
        i += n;
    }
    return true;
}

size_t rk_utf8_length(const char *s) {
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        n += (*p & 0xC0u) != 0x80u;
    return n;
}
