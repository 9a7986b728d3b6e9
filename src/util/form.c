/*
 * form.c — the urlencoded body parser (see form.h). Decodes into two fixed
 * buffers, so a body costs no allocation and no more than the limits.
 */
#include "util/form.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "util/utf8.h"

static int hexval(char c) {
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decodes s[0..n) into out (RK_FORM_MAX_VALUE + 1 bytes); a reason on failure. */
static const char *decode(const char *s, size_t n, char *out) {
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (k == RK_FORM_MAX_VALUE)
            return "is too long";
        char ch = s[i];
        if (ch == '+') {
            ch = ' ';
        } else if (ch == '%') {
            int hi = i + 1 < n ? hexval(s[i + 1]) : -1;
            int lo = i + 2 < n ? hexval(s[i + 2]) : -1;
            if (hi < 0 || lo < 0)
                return "has a '%' not followed by two hex digits";
            ch = (char)(hi * 16 + lo);
            i += 2;
        }
        if (ch == '\0')
            return "holds a NUL character";
        out[k++] = ch;
    }
    out[k] = '\0';
    return rk_utf8_valid(out, k) ? NULL : "is not valid UTF-8";
}

rk_err rk_form_parse(const char *body, size_t len, rk_form_fn fn, void *ctx, struct rk_error *e) {
    static _Thread_local char name[RK_FORM_MAX_VALUE + 1], value[RK_FORM_MAX_VALUE + 1];
    size_t pairs = 0, start = 0;
    while (start < len) {
        const char *amp = memchr(body + start, '&', len - start);
        size_t end = amp ? (size_t)(amp - body) : len;
        if (end > start) {
            if (++pairs > RK_FORM_MAX_PAIRS) {
                return rk_error_set(e, RK_EPARSE, NULL, "more than %d fields", RK_FORM_MAX_PAIRS);
            }
            const char *eq = memchr(body + start, '=', end - start);
            size_t nlen = eq ? (size_t)(eq - (body + start)) : end - start;
            const char *bad = decode(body + start, nlen, name);
            const char *part = "name";
            if (!bad) {
                part = "value";
                value[0] = '\0';
                if (eq)
                    bad = decode(eq + 1, end - (size_t)(eq + 1 - body), value);
            }
            if (bad) {
                char where[32];
                snprintf(where, sizeof where, "field %zu", pairs);
                return rk_error_set(e, RK_EPARSE, where, "%s: its %s %s", where, part, bad);
            }
            if (fn(ctx, name, value) != 0)
                return RK_EREFUSED;
        }
        start = end + 1;
    }
    return RK_OK;
}
