/*
 * cookie.c — one cookie out of a Cookie header (cookie.h). No allocation; the
 * header is walked once.
 */
#include "util/cookie.h"

#include <string.h>

/* RFC 6265 cookie-octet: %x21 / %x23-2B / %x2D-3A / %x3C-5B / %x5D-7E. */
static bool octet(unsigned char c) {
    return c == 0x21 || (c >= 0x23 && c <= 0x2B) || (c >= 0x2D && c <= 0x3A) ||
           (c >= 0x3C && c <= 0x5B) || (c >= 0x5D && c <= 0x7E);
}

bool rk_cookie_get(const char *header, const char *name, char *out, size_t n) {
    if (!header || !name || n == 0)
        return false;
    size_t nl = strlen(name);
    const char *p = header;
    while (*p) {
        while (*p == ' ' || *p == '\t' || *p == ';')
            p++;
        const char *end = strchr(p, ';');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        while (len && (p[len - 1] == ' ' || p[len - 1] == '\t'))
            len--;
        if (len > nl && memcmp(p, name, nl) == 0 && p[nl] == '=') {
            const char *v = p + nl + 1;
            size_t vl = len - nl - 1;
            if (vl >= 2 && v[0] == '"' && v[vl - 1] == '"') {
                v++;
                vl -= 2;
            }
            if (vl == 0 || vl >= n)
                return false;
            for (size_t i = 0; i < vl; i++)
                if (!octet((unsigned char)v[i]))
                    return false;
            memcpy(out, v, vl);
            out[vl] = '\0';
            return true;
        }
        if (!end)
            break;
        p = end + 1;
    }
    return false;
}
