/*
 * fuzz_text.c — libFuzzer target for the text rule of base/normalize.c, which
 * every text from outside passes through (rk_text_fault, rk_norm_text,
 * rk_norm_email) and which shows stored values on a terminal
 * (rk_text_put_visible). For any bytes: what the rule accepts is valid UTF-8;
 * rk_norm_text and rk_norm_email accept only what rk_text_fault accepts; and
 * rk_text_put_visible writes valid UTF-8 that the rule accepts, the same
 * bytes when there was nothing to escape.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/normalize.h"
#include "util/buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > 4096 || memchr(data, 0, size))
        return 0;
    char *s = malloc(size + 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    for (int ml = 0; ml < 2; ml++) {
        const char *why = rk_text_fault(s, size, ml);
        if (!why && !rk_utf8_valid(s, size))
            __builtin_trap();
        const char *start = NULL;
        struct rk_error w = RK_ERROR_INIT;
        size_t len = 0;
        if (rk_norm_text(s, (size_t)-1, ml, &start, &len, &w) == RK_OK) {
            if (rk_text_fault(start, len, ml))
                __builtin_trap();
        } else if (!w.message[0] || w.code != RK_EINVAL) {
            __builtin_trap(); /* every refusal says why */
        }
    }
    char email[RK_EMAIL_MAX + 1];
    if (rk_norm_email(s, email, NULL) == RK_OK && rk_text_fault(email, strlen(email), false))
        __builtin_trap();
    for (int ml = 0; ml < 2; ml++) {
        struct rk_buf b;
        rk_buf_init(&b);
        rk_text_put_visible(&b, s, ml);
        if (rk_buf_status(&b) == RK_OK) {
            const char *out = b.data ? b.data : "";
            size_t n = b.len;
            if (!rk_utf8_valid(out, n) || rk_text_fault(out, n, ml))
                __builtin_trap();
            if (!ml && !rk_text_fault(s, size, false) && !memchr(s, '\\', size) &&
                (n != size || memcmp(out, s, size) != 0))
                __builtin_trap();
        }
        rk_buf_cleanup(&b);
    }
    free(s);
    return 0;
}
